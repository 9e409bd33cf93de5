/* Unit tests for bucket policies: public-read, per-user grants, Deny over
 * Allow, wildcard actions and resources, and every validation error. */
#include "core/err.h"
#include "store/policy.h"
#include "test.h"

static lh_err_t err;

static lh_policy_t *parse(const char *json)
{
    lh_policy_t *p = NULL;
    memset(&err, 0, sizeof err);
    if (lh_policy_parse(json, strlen(json), "photos", &p, &err)) {
        fprintf(stderr, "  parse failed: %s\n", err.msg);
        return NULL;
    }
    return p;
}

#define REJECT(json, substr)                                                                       \
    do {                                                                                           \
        lh_policy_t *p_ = (lh_policy_t *)1;                                                        \
        memset(&err, 0, sizeof err);                                                               \
        CHECK_EQ_INT(lh_policy_parse(json, strlen(json), "photos", &p_, &err), LH_EINVAL);         \
        CHECK(p_ == NULL);                                                                         \
        if (!strstr(err.msg, substr)) {                                                            \
            fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", err.msg, substr);                   \
            CHECK(0);                                                                              \
        }                                                                                          \
    } while (0)

#define STMT(body) "{\"Version\":\"2012-10-17\",\"Statement\":[" body "]}"

static void public_read(void)
{
    lh_policy_t *p = parse(STMT("{\"Sid\":\"PublicRead\",\"Effect\":\"Allow\",\"Principal\":\"*\","
                                "\"Action\":[\"s3:GetObject\"],"
                                "\"Resource\":[\"arn:aws:s3:::photos/*\"]}"));
    CHECK(p);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:GetObject", "photos", "a/b.jpg"), LH_POLICY_ALLOW);
    CHECK_EQ_INT(lh_policy_eval(p, "alice", "s3:GetObject", "photos", "x"), LH_POLICY_ALLOW);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:PutObject", "photos", "a"), LH_POLICY_NONE);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:ListBucket", "photos", NULL), LH_POLICY_NONE);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:GetObject", "other", "a"), LH_POLICY_NONE);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:GetObject", "photos", ""), LH_POLICY_ALLOW);
    CHECK_EQ_INT(lh_policy_eval(NULL, NULL, "s3:GetObject", "photos", "a"), LH_POLICY_NONE);
    lh_policy_free(p);
    lh_policy_free(NULL);
}

static void statement_object_and_no_version(void)
{
    lh_policy_t *p = parse("{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},"
                           "\"Action\":\"s3:ListBucket\",\"Resource\":\"arn:aws:s3:::photos\"}}");
    CHECK(p);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:ListBucket", "photos", NULL), LH_POLICY_ALLOW);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:GetObject", "photos", "k"), LH_POLICY_NONE);
    lh_policy_free(p);
    p = parse("{\"Version\":\"2008-10-17\",\"Id\":\"x\",\"Statement\":[{\"Effect\":\"Deny\","
              "\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::photos/*\"}]}");
    CHECK(p);
    lh_policy_free(p);
}

static void user_grant(void)
{
    lh_policy_t *p =
        parse(STMT("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"arn:aws:iam:::user/alice\","
                   "\"arn:aws:iam::123456789012:user/team/bob\",\"carol\"]},"
                   "\"Action\":[\"s3:PutObject\",\"s3:ListBucket\"],"
                   "\"Resource\":[\"arn:aws:s3:::photos\",\"arn:aws:s3:::photos/uploads/*\"]}"));
    CHECK(p);
    CHECK_EQ_INT(lh_policy_eval(p, "alice", "s3:PutObject", "photos", "uploads/1"),
                 LH_POLICY_ALLOW);
    CHECK_EQ_INT(lh_policy_eval(p, "bob", "s3:PutObject", "photos", "uploads/1"), LH_POLICY_ALLOW);
    CHECK_EQ_INT(lh_policy_eval(p, "carol", "s3:ListBucket", "photos", NULL), LH_POLICY_ALLOW);
    CHECK_EQ_INT(lh_policy_eval(p, "dave", "s3:PutObject", "photos", "uploads/1"), LH_POLICY_NONE);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:PutObject", "photos", "uploads/1"), LH_POLICY_NONE);
    CHECK_EQ_INT(lh_policy_eval(p, "alice", "s3:PutObject", "photos", "other/1"), LH_POLICY_NONE);
    CHECK_EQ_INT(lh_policy_eval(p, "alice", "s3:GetObject", "photos", "uploads/1"), LH_POLICY_NONE);
    CHECK_EQ_INT(lh_policy_eval(p, "Alice", "s3:PutObject", "photos", "uploads/1"), LH_POLICY_NONE);
    lh_policy_free(p);
}

static void deny_overrides_allow(void)
{
    lh_policy_t *p =
        parse(STMT("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:*\","
                   "\"Resource\":[\"arn:aws:s3:::photos\",\"arn:aws:s3:::photos/*\"]},"
                   "{\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"mallory\"},\"Action\":\"s3:*\","
                   "\"Resource\":\"arn:aws:s3:::photos/*\"},"
                   "{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:DeleteObject\","
                   "\"Resource\":\"arn:aws:s3:::photos/keep/*\"}"));
    CHECK(p);
    CHECK_EQ_INT(lh_policy_eval(p, "alice", "s3:GetObject", "photos", "a"), LH_POLICY_ALLOW);
    CHECK_EQ_INT(lh_policy_eval(p, "mallory", "s3:GetObject", "photos", "a"), LH_POLICY_DENY);
    CHECK_EQ_INT(lh_policy_eval(p, "mallory", "s3:ListBucket", "photos", NULL), LH_POLICY_ALLOW);
    CHECK_EQ_INT(lh_policy_eval(p, "alice", "s3:DeleteObject", "photos", "keep/x"), LH_POLICY_DENY);
    CHECK_EQ_INT(lh_policy_eval(p, "alice", "s3:DeleteObject", "photos", "tmp/x"), LH_POLICY_ALLOW);
    lh_policy_free(p);
}

static void wildcard_actions(void)
{
    lh_policy_t *p =
        parse(STMT("{\"Effect\":\"Allow\",\"Principal\":\"*\","
                   "\"Action\":[\"s3:Get*\",\"S3:listbucket\",\"s3:?utObject\"],"
                   "\"Resource\":[\"arn:aws:s3:::photos\",\"arn:aws:s3:::photos/*\"]}"));
    CHECK(p);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:GetObject", "photos", "k"), LH_POLICY_ALLOW);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:GetObjectVersion", "photos", "k"), LH_POLICY_ALLOW);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:GetBucketLocation", "photos", NULL), LH_POLICY_ALLOW);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:ListBucket", "photos", NULL), LH_POLICY_ALLOW);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:PutObject", "photos", "k"), LH_POLICY_ALLOW);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:DeleteObject", "photos", "k"), LH_POLICY_NONE);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:ListBucketMultipartUploads", "photos", NULL),
                 LH_POLICY_NONE);
    lh_policy_free(p);
    p = parse(STMT("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\","
                   "\"Resource\":\"arn:aws:s3:::photos/*\"}"));
    CHECK(p);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:AbortMultipartUpload", "photos", "k"),
                 LH_POLICY_ALLOW);
    lh_policy_free(p);
}

static void wildcard_resources(void)
{
    lh_policy_t *p = parse(
        STMT("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\","
             "\"Resource\":[\"arn:aws:s3:::photos/public/*.jpg\",\"arn:aws:s3:::photos/?.txt\","
             "\"arn:aws:s3:::pho*/shared/*\"]}"));
    CHECK(p);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:GetObject", "photos", "public/a/b.jpg"),
                 LH_POLICY_ALLOW);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:GetObject", "photos", "public/b.png"), LH_POLICY_NONE);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:GetObject", "photos", "x.txt"), LH_POLICY_ALLOW);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:GetObject", "photos", "xy.txt"), LH_POLICY_NONE);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:GetObject", "photos", "shared/z"), LH_POLICY_ALLOW);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:GetObject", "photos", "PUBLIC/a.jpg"), LH_POLICY_NONE);
    /* long keys go through the heap path */
    char key[3000];
    memset(key, 'k', sizeof key);
    memcpy(key, "public/", 7);
    memcpy(key + sizeof key - 5, ".jpg", 5);
    CHECK_EQ_INT(lh_policy_eval(p, NULL, "s3:GetObject", "photos", key), LH_POLICY_ALLOW);
    lh_policy_free(p);
}

#define GOOD_P "\"Principal\":\"*\""
#define GOOD_A "\"Action\":\"s3:GetObject\""
#define GOOD_R "\"Resource\":\"arn:aws:s3:::photos/*\""

static void rejects_bad_documents(void)
{
    REJECT("{\"Statement\":", "invalid Json");
    REJECT("[1]", "invalid Json");
    REJECT("{\"Version\":\"2012-10-17\",\"Version\":\"2012-10-17\"}", "invalid Json");
    REJECT("{\"Version\":\"2012-10-17\"}", "Missing required field Statement");
    REJECT("{\"Statement\":[]}", "Missing required field Statement");
    REJECT("{\"Version\":\"2020-01-01\",\"Statement\":[]}", "valid version string");
    REJECT("{\"Version\":1,\"Statement\":[]}", "valid version string");
    REJECT("{\"Id\":1,\"Statement\":[]}", "field Id");
    REJECT("{\"Foo\":1,\"Statement\":[]}", "Unknown field Foo");
    REJECT(STMT("1"), "statement must be an object");
    lh_policy_t *p = (lh_policy_t *)1;
    static char big[LH_POLICY_MAX_BYTES + 2];
    memset(big, ' ', sizeof big - 1);
    CHECK_EQ_INT(lh_policy_parse(big, sizeof big - 1, "photos", &p, &err), LH_ETOOBIG);
    CHECK(p == NULL);
}

static void rejects_bad_statements(void)
{
    REJECT(STMT("{" GOOD_P "," GOOD_A "," GOOD_R "}"), "Missing required field Effect");
    REJECT(STMT("{\"Effect\":\"allow\"," GOOD_P "," GOOD_A "," GOOD_R "}"),
           "Invalid effect: allow");
    REJECT(STMT("{\"Effect\":true," GOOD_P "," GOOD_A "," GOOD_R "}"), "Invalid effect");
    REJECT(STMT("{\"Sid\":7,\"Effect\":\"Allow\"," GOOD_P "," GOOD_A "," GOOD_R "}"), "Sid");
    REJECT(STMT("{\"Effect\":\"Allow\"," GOOD_A "," GOOD_R "}"),
           "Missing required field Principal");
    REJECT(STMT("{\"Effect\":\"Allow\"," GOOD_P "," GOOD_R "}"), "Missing required field Action");
    REJECT(STMT("{\"Effect\":\"Allow\"," GOOD_P "," GOOD_A "}"), "Missing required field Resource");
    REJECT(STMT("{\"Effect\":\"Allow\"," GOOD_P ",\"Action\":[]," GOOD_R "}"),
           "Missing required field Action");
    REJECT(STMT("{\"Effect\":\"Allow\"," GOOD_P ",\"Action\":[1]," GOOD_R "}"),
           "invalid value for field Action");
    REJECT(STMT("{\"Effect\":\"Allow\"," GOOD_P ",\"Action\":{}," GOOD_R "}"),
           "invalid value for field Action");
    REJECT(STMT("{\"Effect\":\"Allow\",\"Extra\":1," GOOD_P "," GOOD_A "," GOOD_R "}"),
           "Unknown field Extra");
}

static void rejects_unsupported_elements(void)
{
    REJECT(STMT("{\"Effect\":\"Allow\",\"NotPrincipal\":\"*\"," GOOD_A "," GOOD_R "}"),
           "Unsupported policy element NotPrincipal");
    REJECT(STMT("{\"Effect\":\"Allow\"," GOOD_P ",\"NotAction\":\"s3:GetObject\"," GOOD_R "}"),
           "Unsupported policy element NotAction");
    REJECT(STMT("{\"Effect\":\"Allow\"," GOOD_P "," GOOD_A ",\"NotResource\":\"x\"}"),
           "Unsupported policy element NotResource");
    REJECT(STMT("{\"Effect\":\"Allow\"," GOOD_P "," GOOD_A "," GOOD_R
                ",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}"),
           "Unsupported policy element Condition");
}

static void rejects_bad_principals(void)
{
    static const char *const bad[] = {
        "\"alice\"",
        "{\"Service\":\"s3.amazonaws.com\"}",
        "{\"AWS\":\"*\",\"CanonicalUser\":\"x\"}",
        "{\"AWS\":\"arn:aws:iam::123456789012:root\"}",
        "{\"AWS\":\"arn:aws:iam:::user/\"}",
        "{\"AWS\":\"arn:aws:iam:::group/g\"}",
        "{\"AWS\":\"ali*\"}",
        "{\"AWS\":\"\"}",
        "{\"AWS\":[]}",
        "{\"AWS\":[\"alice\",2]}",
        "7",
    };
    char doc[512];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(doc, sizeof doc,
                 STMT("{\"Effect\":\"Allow\",\"Principal\":%s," GOOD_A "," GOOD_R "}"), bad[i]);
        lh_policy_t *p = NULL;
        CHECK_EQ_INT(lh_policy_parse(doc, strlen(doc), "photos", &p, &err), LH_EINVAL);
        CHECK(strstr(err.msg, "principal") || strstr(err.msg, "Principal"));
    }
}

static void rejects_bad_actions(void)
{
    REJECT(STMT("{\"Effect\":\"Allow\"," GOOD_P ",\"Action\":\"ec2:RunInstances\"," GOOD_R "}"),
           "Unknown action ec2:RunInstances");
    REJECT(STMT("{\"Effect\":\"Allow\"," GOOD_P ",\"Action\":[\"s3:GetObject\",\"iam:*\"]," GOOD_R
                "}"),
           "Unknown action iam:*");
    REJECT(STMT("{\"Effect\":\"Allow\"," GOOD_P ",\"Action\":\"s3:\"," GOOD_R "}"),
           "Unknown action s3:");
    REJECT(STMT("{\"Effect\":\"Allow\"," GOOD_P ",\"Action\":\"s3:Get Object\"," GOOD_R "}"),
           "Unknown action");
    REJECT(STMT("{\"Effect\":\"Allow\"," GOOD_P ",\"Action\":\"GetObject\"," GOOD_R "}"),
           "Unknown action GetObject");
    /* unknown s3: names are accepted, like AWS does for new actions */
    lh_policy_t *p = parse(
        STMT("{\"Effect\":\"Allow\"," GOOD_P ",\"Action\":\"s3:PutFutureThing\"," GOOD_R "}"));
    CHECK(p);
    lh_policy_free(p);
    /* actions that apply to none of the statement's resources */
    REJECT(STMT("{\"Effect\":\"Allow\"," GOOD_P ",\"Action\":\"s3:ListBucket\"," GOOD_R "}"),
           "Action does not apply to any resource(s) in statement");
    REJECT(STMT("{\"Effect\":\"Allow\"," GOOD_P ",\"Action\":\"s3:GetObject\","
                "\"Resource\":\"arn:aws:s3:::photos\"}"),
           "Action does not apply");
}

static void rejects_bad_resources(void)
{
    static const char *const bad[] = {
        "\"arn:aws:s3:::other/*\"",
        "\"arn:aws:s3:::other\"",
        "[\"arn:aws:s3:::photos/*\",\"arn:aws:s3:::x/*\"]",
        "\"arn:aws:s3::photos/*\"",
        "\"photos/*\"",
        "\"*\"",
        "\"arn:aws:s3:::\"",
        "\"arn:aws:s3:::/photos\"",
        "\"arn:aws:s3:::photosx/*\"",
        "\"arn:aws:s3:::photo\"",
    };
    char doc[512];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(doc, sizeof doc,
                 STMT("{\"Effect\":\"Allow\"," GOOD_P ",\"Action\":\"s3:*\","
                      "\"Resource\":%s}"),
                 bad[i]);
        lh_policy_t *p = NULL;
        CHECK_EQ_INT(lh_policy_parse(doc, strlen(doc), "photos", &p, &err), LH_EINVAL);
        CHECK_EQ_STR(err.msg, "Policy has invalid resource");
    }
    lh_policy_t *p = parse(STMT("{\"Effect\":\"Allow\"," GOOD_P ",\"Action\":\"s3:*\","
                                "\"Resource\":\"arn:aws:s3:::ph?tos\"}"));
    CHECK(p);
    lh_policy_free(p);
}

static const lh_test_t tests[] = {
    {"public_read", public_read},
    {"statement_object_and_no_version", statement_object_and_no_version},
    {"user_grant", user_grant},
    {"deny_overrides_allow", deny_overrides_allow},
    {"wildcard_actions", wildcard_actions},
    {"wildcard_resources", wildcard_resources},
    {"rejects_bad_documents", rejects_bad_documents},
    {"rejects_bad_statements", rejects_bad_statements},
    {"rejects_unsupported_elements", rejects_unsupported_elements},
    {"rejects_bad_principals", rejects_bad_principals},
    {"rejects_bad_actions", rejects_bad_actions},
    {"rejects_bad_resources", rejects_bad_resources},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
