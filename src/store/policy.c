/* S3 bucket policies. lh_policy_parse reads the JSON (jansson), validates it
 * the way S3's PutBucketPolicy does for the subset we support, and compiles
 * each statement into lists of principals, action patterns and resource
 * patterns (the part after "arn:aws:s3:::") kept in one arena. lh_policy_eval
 * walks the statements: any matching Deny wins, else any matching Allow.
 * Wildcards: '*' matches any run (including '/'), '?' one byte; action names
 * match case-insensitively, resources case-sensitively, as in IAM.
 * Messages are S3's MalformedPolicy texts where S3 has one. */
#include "store/policy.h"

#include "core/arena.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct {
    const char **v;
    size_t n;
} list_t;

typedef struct {
    int effect;        /* LH_POLICY_ALLOW or LH_POLICY_DENY */
    int any_principal; /* "*" or {"AWS": "*"}: everyone, anonymous included */
    list_t users;      /* user names */
    list_t actions;    /* "s3:Get*" patterns */
    list_t resources;  /* "B", "B/dir/x?" patterns, ARN prefix removed */
} stmt_t;

struct lh_policy {
    lh_arena_t *arena;
    const char *bucket; /* the bucket the policy was parsed for */
    stmt_t *st;
    size_t n;
};

typedef struct {
    lh_arena_t *a;
    const char *bucket;
    lh_err_t *err;
} ctx_t;

#define RES_PREFIX "arn:aws:s3:::"

/* Known S3 actions and whether they act on the bucket (B) or an object (O);
 * used to refuse statements whose actions apply to none of their resources.
 * Action names not listed are accepted and not checked. */
static const struct {
    const char *name;
    char level;
} known_actions[] = {
    {"s3:ListBucket", 'B'},
    {"s3:ListBucketVersions", 'B'},
    {"s3:GetBucketLocation", 'B'},
    {"s3:ListBucketMultipartUploads", 'B'},
    {"s3:GetBucketPolicy", 'B'},
    {"s3:PutBucketPolicy", 'B'},
    {"s3:DeleteBucketPolicy", 'B'},
    {"s3:GetBucketVersioning", 'B'},
    {"s3:PutBucketVersioning", 'B'},
    {"s3:DeleteBucket", 'B'},
    {"s3:GetBucketTagging", 'B'},
    {"s3:PutBucketTagging", 'B'},
    {"s3:GetObject", 'O'},
    {"s3:GetObjectVersion", 'O'},
    {"s3:PutObject", 'O'},
    {"s3:DeleteObject", 'O'},
    {"s3:DeleteObjectVersion", 'O'},
    {"s3:AbortMultipartUpload", 'O'},
    {"s3:ListMultipartUploadParts", 'O'},
    {"s3:GetObjectTagging", 'O'},
    {"s3:PutObjectTagging", 'O'},
    {"s3:DeleteObjectTagging", 'O'},
    {"s3:GetObjectAttributes", 'O'},
    {"s3:GetObjectAcl", 'O'},
    {"s3:PutObjectAcl", 'O'},
    {"s3:GetBucketAcl", 'B'},
    {"s3:PutBucketAcl", 'B'},
    {"s3:GetBucketOwnershipControls", 'B'},
    {"s3:PutBucketOwnershipControls", 'B'},
    {"s3:GetBucketPublicAccessBlock", 'B'},
    {"s3:PutBucketPublicAccessBlock", 'B'},
};

/* ---- wildcard matching: iterative, backtracks only to the last '*' */

static int fold(int c, int ci)
{
    return ci && c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int wild_match(const char *pat, const char *s, int ci)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*pat == '*') {
            star = ++pat;
            resume = s;
        } else if (*pat && (*pat == '?' || fold(*pat, ci) == fold(*s, ci))) {
            pat++, s++;
        } else if (star) {
            pat = star;
            s = ++resume;
        } else {
            return 0;
        }
    }
    while (*pat == '*')
        pat++;
    return *pat == 0;
}

static int list_match(const list_t *l, const char *s, int ci)
{
    for (size_t i = 0; i < l->n; i++)
        if (wild_match(l->v[i], s, ci)) return 1;
    return 0;
}

/* ---- JSON helpers */

static int malformed(ctx_t *c, const char *msg, const char *what)
{
    if (what) return lh_err_set(c->err, LH_EINVAL, "%s%.200s", msg, what);
    return lh_err_set(c->err, LH_EINVAL, "%s", msg);
}

/* Collects a string or an array of strings (non-empty) into l. */
static int string_list(ctx_t *c, json_t *v, list_t *l, const char *field)
{
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    if (!json_is_string(v) && !(json_is_array(v) && n))
        return json_is_array(v) ? malformed(c, "Missing required field ", field)
                                : malformed(c, "Policy has invalid value for field ", field);
    l->v = lh_arena_alloc(c->a, n * sizeof *l->v);
    if (!l->v) return lh_err_set(c->err, LH_ENOMEM, "out of memory for policy");
    l->n = n;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        if (!json_is_string(e)) return malformed(c, "Policy has invalid value for field ", field);
        l->v[i] = lh_arena_strdup(c->a, json_string_value(e));
        if (!l->v[i]) return lh_err_set(c->err, LH_ENOMEM, "out of memory for policy");
    }
    return 0;
}

/* ---- principals */

/* Reduces a principal to a user name in place: "arn:aws:iam::ACCT:user/PATH/NAME",
 * "arn:aws:iam:::user/NAME" or a bare "NAME". Returns NULL if unsupported. */
static const char *principal_user(const char *p)
{
    static const char arn[] = "arn:aws:iam::";
    if (!strncmp(p, arn, sizeof arn - 1)) {
        const char *acct_end = strchr(p + sizeof arn - 1, ':');
        if (!acct_end || strncmp(acct_end + 1, "user/", 5)) return NULL;
        const char *name = strrchr(acct_end, '/') + 1; /* after "user/" or a path */
        return *name && !strpbrk(name, "*?") ? name : NULL;
    }
    if (!*p || strpbrk(p, ":*?/ ")) return NULL;
    return p;
}

static int principal(ctx_t *c, json_t *v, stmt_t *st)
{
    if (!v) return malformed(c, "Missing required field Principal", NULL);
    if (json_is_string(v) && !strcmp(json_string_value(v), "*")) {
        st->any_principal = 1;
        return 0;
    }
    json_t *aws = json_is_object(v) ? json_object_get(v, "AWS") : NULL;
    if (!aws || json_object_size(v) != 1) return malformed(c, "Invalid principal in policy", NULL);
    int rc = string_list(c, aws, &st->users, "Principal");
    for (size_t i = 0; !rc && i < st->users.n; i++) {
        if (!strcmp(st->users.v[i], "*")) {
            st->any_principal = 1;
            continue;
        }
        const char *u = principal_user(st->users.v[i]);
        if (!u) return malformed(c, "Invalid principal in policy: ", st->users.v[i]);
        st->users.v[i] = u;
    }
    return rc;
}

/* ---- actions and resources */

static int valid_action(const char *a)
{
    if (!strcmp(a, "*")) return 1;
    if (strncasecmp(a, "s3:", 3) || !a[3]) return 0;
    for (const char *p = a + 3; *p; p++)
        if (!((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') && *p != '*' && *p != '?') return 0;
    return 1;
}

static int actions(ctx_t *c, json_t *v, stmt_t *st)
{
    if (!v) return malformed(c, "Missing required field Action", NULL);
    int rc = string_list(c, v, &st->actions, "Action");
    for (size_t i = 0; !rc && i < st->actions.n; i++)
        if (!valid_action(st->actions.v[i]))
            return malformed(c, "Unknown action ", st->actions.v[i]);
    return rc;
}

/* The bucket part of the resource (up to the first '/') must name our bucket. */
static int valid_resource(const ctx_t *c, const char *r)
{
    if (!*r) return 0;
    const char *slash = strchr(r, '/');
    size_t blen = slash ? (size_t)(slash - r) : strlen(r);
    char bpat[256];
    if (blen >= sizeof bpat) return 0;
    memcpy(bpat, r, blen);
    bpat[blen] = 0;
    return wild_match(bpat, c->bucket, 0);
}

static int resources(ctx_t *c, json_t *v, stmt_t *st)
{
    if (!v) return malformed(c, "Missing required field Resource", NULL);
    int rc = string_list(c, v, &st->resources, "Resource");
    for (size_t i = 0; !rc && i < st->resources.n; i++) {
        const char *r = st->resources.v[i];
        if (strncmp(r, RES_PREFIX, sizeof RES_PREFIX - 1) ||
            !valid_resource(c, r + sizeof RES_PREFIX - 1))
            return malformed(c, "Policy has invalid resource", NULL);
        st->resources.v[i] = r + sizeof RES_PREFIX - 1;
    }
    return rc;
}

/* Levels ('B', 'O') an action pattern can reach; both when it names no
 * known action (unknown names are not checked). */
static void action_levels(const char *pat, int *b, int *o)
{
    int hit = 0;
    for (size_t i = 0; i < sizeof known_actions / sizeof known_actions[0]; i++) {
        if (wild_match(pat, known_actions[i].name, 1)) {
            hit = 1;
            *b |= known_actions[i].level == 'B';
            *o |= known_actions[i].level == 'O';
        }
    }
    if (!hit) *b = *o = 1;
}

/* S3 refuses a statement none of whose actions applies to any of its resources. */
static int check_applies(ctx_t *c, const stmt_t *st)
{
    int ab = 0, ao = 0, rb = 0, ro = 0;
    for (size_t i = 0; i < st->actions.n; i++)
        action_levels(st->actions.v[i], &ab, &ao);
    for (size_t i = 0; i < st->resources.n; i++) {
        const char *r = st->resources.v[i];
        rb |= wild_match(r, c->bucket, 0);
        ro |= strchr(r, '/') || strchr(r, '*');
    }
    if ((ab && rb) || (ao && ro)) return 0;
    return malformed(c, "Action does not apply to any resource(s) in statement", NULL);
}

/* ---- statements */

static const char *const unsupported[] = {"NotPrincipal", "NotAction", "NotResource", "Condition"};

static int check_keys(ctx_t *c, json_t *obj, const char *const *allowed, size_t n)
{
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        size_t i = 0;
        while (i < n && strcmp(allowed[i], k))
            i++;
        if (i < n) continue;
        for (i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
            if (!strcmp(unsupported[i], k)) return malformed(c, "Unsupported policy element ", k);
        return malformed(c, "Unknown field ", k);
    }
    return 0;
}

static int statement(ctx_t *c, json_t *js, stmt_t *st)
{
    static const char *const keys[] = {"Sid", "Effect", "Principal", "Action", "Resource"};
    if (!json_is_object(js)) return malformed(c, "Policy statement must be an object", NULL);
    int rc = check_keys(c, js, keys, sizeof keys / sizeof keys[0]);
    if (rc) return rc;
    json_t *sid = json_object_get(js, "Sid"), *eff = json_object_get(js, "Effect");
    if (sid && !json_is_string(sid))
        return malformed(c, "Policy has invalid value for field Sid", NULL);
    if (!eff) return malformed(c, "Missing required field Effect", NULL);
    const char *e = json_is_string(eff) ? json_string_value(eff) : "";
    st->effect = !strcmp(e, "Allow") ? LH_POLICY_ALLOW : !strcmp(e, "Deny") ? LH_POLICY_DENY : 0;
    if (!st->effect)
        return malformed(c, "Invalid effect: ", json_is_string(eff) ? e : "(not a string)");
    rc = principal(c, json_object_get(js, "Principal"), st);
    if (!rc) rc = actions(c, json_object_get(js, "Action"), st);
    if (!rc) rc = resources(c, json_object_get(js, "Resource"), st);
    return rc ? rc : check_applies(c, st);
}

static int document(ctx_t *c, json_t *doc, lh_policy_t *p)
{
    static const char *const keys[] = {"Version", "Id", "Statement"};
    if (!json_is_object(doc))
        return malformed(c, "This policy contains invalid Json: not an object", NULL);
    int rc = check_keys(c, doc, keys, sizeof keys / sizeof keys[0]);
    if (rc) return rc;
    json_t *ver = json_object_get(doc, "Version"), *id = json_object_get(doc, "Id");
    if (ver && !(json_is_string(ver) && (!strcmp(json_string_value(ver), "2012-10-17") ||
                                         !strcmp(json_string_value(ver), "2008-10-17"))))
        return malformed(c, "The policy must contain a valid version string", NULL);
    if (id && !json_is_string(id))
        return malformed(c, "Policy has invalid value for field Id", NULL);
    json_t *sts = json_object_get(doc, "Statement");
    size_t n = json_is_array(sts) ? json_array_size(sts) : 1;
    if (!sts || (json_is_array(sts) && !n))
        return malformed(c, "Missing required field Statement", NULL);
    p->st = lh_arena_calloc(c->a, n * sizeof *p->st);
    if (!p->st) return lh_err_set(c->err, LH_ENOMEM, "out of memory for policy");
    p->n = n;
    for (size_t i = 0; !rc && i < n; i++)
        rc = statement(c, json_is_array(sts) ? json_array_get(sts, i) : sts, &p->st[i]);
    return rc;
}

int lh_policy_parse(const char *json, size_t n, const char *bucket, lh_policy_t **out,
                    lh_err_t *err)
{
    *out = NULL;
    if (n > LH_POLICY_MAX_BYTES)
        return lh_err_set(err, LH_ETOOBIG, "Policies must be no larger than %d bytes",
                          LH_POLICY_MAX_BYTES);
    json_error_t jerr;
    json_t *doc = json_loadb(json, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc)
        return lh_err_set(err, LH_EINVAL, "This policy contains invalid Json: %s (line %d)",
                          jerr.text, jerr.line);
    int rc = LH_ENOMEM;
    ctx_t c = {NULL, bucket, err};
    lh_policy_t *p = calloc(1, sizeof *p);
    if (!p || !(p->arena = c.a = lh_arena_new(0))) {
        lh_err_set(err, LH_ENOMEM, "out of memory for policy");
        goto fail;
    }
    p->bucket = lh_arena_strdup(p->arena, bucket);
    rc = p->bucket ? document(&c, doc, p) : lh_err_set(err, LH_ENOMEM, "out of memory for policy");
    if (rc) goto fail;
    json_decref(doc);
    *out = p;
    return 0;
fail:
    json_decref(doc);
    lh_policy_free(p);
    return rc;
}

/* ---- evaluation */

static int principal_match(const stmt_t *st, const char *user)
{
    if (st->any_principal) return 1;
    for (size_t i = 0; user && i < st->users.n; i++)
        if (!strcmp(st->users.v[i], user)) return 1;
    return 0;
}

static int eval_resource(const lh_policy_t *p, const char *user, const char *action,
                         const char *res)
{
    int allow = 0;
    for (size_t i = 0; i < p->n; i++) {
        const stmt_t *st = &p->st[i];
        if (!principal_match(st, user) || !list_match(&st->actions, action, 1) ||
            !list_match(&st->resources, res, 0))
            continue;
        if (st->effect == LH_POLICY_DENY) return LH_POLICY_DENY;
        allow = 1;
    }
    return allow ? LH_POLICY_ALLOW : LH_POLICY_NONE;
}

int lh_policy_eval(const lh_policy_t *p, const char *user, const char *action, const char *bucket,
                   const char *key)
{
    if (!p || !action || !bucket || strcmp(bucket, p->bucket))
        return LH_POLICY_NONE; /* a policy governs only its own bucket */
    if (!key) return eval_resource(p, user, action, bucket);
    size_t bl = strlen(bucket), kl = strlen(key);
    char stack[1280], *res = bl + kl + 2 <= sizeof stack ? stack : malloc(bl + kl + 2);
    if (!res) return LH_POLICY_DENY; /* fail closed */
    memcpy(res, bucket, bl);
    res[bl] = '/';
    memcpy(res + bl + 1, key, kl + 1);
    int r = eval_resource(p, user, action, res);
    if (res != stack) free(res);
    return r;
}

int lh_policy_is_public(const lh_policy_t *p)
{
    for (size_t i = 0; p && i < p->n; i++)
        if (p->st[i].effect == LH_POLICY_ALLOW && p->st[i].any_principal) return 1;
    return 0;
}

void lh_policy_free(lh_policy_t *p)
{
    if (!p) return;
    lh_arena_free(p->arena);
    free(p);
}
