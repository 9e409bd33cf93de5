/* Bucket operations: CreateBucket (LocationConstraint, canned ACL, object
 * ownership), HeadBucket, DeleteBucket, GetBucketLocation,
 * Get/PutBucketVersioning (Enabled or Suspended; never back to unversioned),
 * Put/Get/DeleteBucketLifecycleConfiguration (rules checked and kept as JSON
 * by lifecycle_rules.c; the store role's sweep applies them),
 * Get/Put/DeleteBucketPolicy (BlockPublicPolicy), and the lake bucket
 * bootstrap. Bucket ACLs, ownership controls and the public access block:
 * s3_acl.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/xml.h"
#include "store/lifecycle.h"
#include "store/policy.h"
#include "store/s3_int.h"

/* The bucket a CreateBucket asks for: canned ACL (private or public-read)
 * and object ownership; init->name and owner are set by the caller. 0, or
 * -1 with the error prepared. */
static int create_settings(s3_req_t *r, lh_store_bucket_t *init)
{
    const char *oh = lh__s3_hdr(r, "x-amz-object-ownership");
    const char *grant = lh__s3_grant_header(r);
    int acl = lh__s3_acl_parse(lh__s3_hdr(r, "x-amz-acl"));
    int own = oh ? lh__s3_ownership_parse(oh) : S3_OWNERSHIP_NONE;
    char msg[160];
    if (own < 0) {
        lh__s3_error(r, "InvalidArgument", "Invalid x-amz-object-ownership header");
        return -1;
    }
    if (own == S3_OWNERSHIP_ENFORCED && (grant || acl > S3_ACL_PRIVATE)) {
        lh__s3_error(r, "InvalidBucketAclWithObjectOwnership", NULL);
        return -1;
    }
    if (grant || acl < 0 || acl > S3_ACL_PUBLIC_READ) {
        snprintf(msg, sizeof msg,
                 "%s is not supported: buckets take the canned ACLs private and public-read",
                 grant ? grant : "this canned ACL");
        lh__s3_error(r, acl == -1 && !grant ? "InvalidArgument" : "NotImplemented", msg);
        return -1;
    }
    init->public_read = acl == S3_ACL_PUBLIC_READ;
    init->ownership = own;
    return 0;
}

/* A CreateBucket of a bucket that exists: the caller's own is 200 in
 * us-east-1 (S3's legacy answer there) and BucketAlreadyOwnedByYou in any
 * other region; someone else's is BucketAlreadyExists. */
static void create_exists(s3_req_t *r)
{
    lh_store_bucket_t info = {0};
    int mine = lh_store_bucket_get(r->s3->st, r->bucket, &info) == 0 &&
               !strcmp(info.owner, r->user.access_key);
    lh_store_bucket_clear(&info);
    if (!mine || strcmp(r->s3->region, "us-east-1"))
        lh__s3_error(r, mine ? "BucketAlreadyOwnedByYou" : "BucketAlreadyExists", NULL);
}

void lh__s3_create_bucket(s3_req_t *r)
{
    lh_err_t err = {0};
    lh_store_bucket_t init = {0};
    if (!lh_s3_bucket_name_valid(r->bucket)) {
        lh__s3_error(r, "InvalidBucketName", NULL);
        return;
    }
    if (create_settings(r, &init)) return;
    if (r->body.len) {
        lh_arena_t *a = lh_arena_new(4096);
        lh_xml_node_t *root = NULL;
        int bad = !a || lh_xml_parse(a, r->body.ptr, r->body.len, &root, &err) != 0 || !root ||
                  strcmp(root->name, "CreateBucketConfiguration");
        lh_arena_free(a);
        if (bad) {
            lh__s3_error(r, "MalformedXML", NULL);
            return;
        }
    }
    snprintf(init.name, sizeof init.name, "%s", r->bucket);
    snprintf(init.owner, sizeof init.owner, "%s", r->user.access_key);
    int rc = lh_store_bucket_create_with(r->s3->st, &init, &err);
    if (rc == LH_EEXIST)
        create_exists(r);
    else if (rc)
        lh__s3_error_from(r, rc, &err);
    if (r->failed) return;
    char loc[80];
    snprintf(loc, sizeof loc, "/%s", r->bucket);
    lh__s3_set_hdr(r, "Location", loc);
    r->status = 200;
}

void lh__s3_head_bucket(s3_req_t *r)
{
    if (lh__s3_authorize(r, r->bucket, "s3:ListBucket", NULL, 0, NULL)) return;
    lh__s3_set_hdr(r, "x-amz-bucket-region", r->s3->region);
    r->status = 200;
}

void lh__s3_delete_bucket(s3_req_t *r)
{
    lh_err_t err = {0};
    if (lh__s3_authorize(r, r->bucket, NULL, NULL, 0, NULL)) return;
    int rc = lh_store_bucket_delete(r->s3->st, r->bucket, &err);
    lh__s3_result(r, rc, &err, 204);
}

void lh__s3_get_bucket_location(s3_req_t *r)
{
    if (lh__s3_authorize(r, r->bucket, "s3:GetBucketLocation", NULL, 0, NULL)) return;
    lh_buf_t *b = &r->resp_body;
    lh_buf_reset(b);
    lh_buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint "
                   "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
    if (strcmp(r->s3->region, "us-east-1"))
        lh_buf_xml_escape(b, r->s3->region, strlen(r->s3->region));
    lh_buf_puts(b, "</LocationConstraint>");
    lh__s3_set_hdr(r, "Content-Type", "application/xml");
    r->status = 200;
}

void lh__s3_get_bucket_versioning(s3_req_t *r)
{
    static const char *const status[] = {
        [LH_VERSIONING_ENABLED] = "Enabled", [LH_VERSIONING_SUSPENDED] = "Suspended"};
    lh_store_bucket_t info = {0};
    if (lh__s3_authorize(r, r->bucket, "s3:GetBucketVersioning", NULL, 0, &info)) return;
    lh__s3_xml_begin(&r->resp_body, "VersioningConfiguration");
    if (info.versioning == LH_VERSIONING_ENABLED || info.versioning == LH_VERSIONING_SUSPENDED)
        lh__s3_xml_elem(&r->resp_body, "Status", status[info.versioning]);
    lh_buf_puts(&r->resp_body, "</VersioningConfiguration>");
    lh__s3_set_hdr(r, "Content-Type", "application/xml");
    lh_store_bucket_clear(&info);
    r->status = 200;
}

/* 1 when the element's text, spaces around it dropped, is want. */
static int text_is(const lh_xml_node_t *n, const char *want)
{
    const char *t = n->text;
    size_t len = n->text_len;
    while (len && strchr(" \t\r\n", *t))
        t++, len--;
    while (len && strchr(" \t\r\n", t[len - 1]))
        len--;
    return len == strlen(want) && !memcmp(t, want, len);
}

/* The state a VersioningConfiguration body asks for: LH_VERSIONING_*, -1
 * when it names no status, or -2 with the error prepared. */
static int versioning_body(s3_req_t *r)
{
    lh_err_t err = {0};
    lh_xml_node_t *root = NULL;
    int want = -2;
    lh_arena_t *a = lh_arena_new(4096);
    if (!a || lh_xml_parse(a, r->body.ptr ? r->body.ptr : "", r->body.len, &root, &err) != 0 ||
        !root || strcmp(root->name, "VersioningConfiguration")) {
        lh__s3_error(r, "MalformedXML", NULL);
        goto done;
    }
    want = -1;
    for (const lh_xml_node_t *n = root->child; n && want != -2; n = n->next) {
        if (!strcmp(n->name, "Status") && text_is(n, "Enabled"))
            want = LH_VERSIONING_ENABLED;
        else if (!strcmp(n->name, "Status") && text_is(n, "Suspended"))
            want = LH_VERSIONING_SUSPENDED;
        else if (!strcmp(n->name, "MfaDelete") && text_is(n, "Enabled"))
            lh__s3_error(r, "NotImplemented", "MFA delete is not supported"), want = -2;
        else if (strcmp(n->name, "MfaDelete") || !text_is(n, "Disabled"))
            lh__s3_error(r, "MalformedXML", NULL), want = -2;
    }
done:
    lh_arena_free(a);
    return want;
}

void lh__s3_put_bucket_versioning(s3_req_t *r)
{
    lh_store_bucket_t info = {0};
    lh_err_t err = {0};
    if (lh__s3_authorize(r, r->bucket, NULL, NULL, 0, &info)) return;
    int want = versioning_body(r), have = info.versioning;
    lh_store_bucket_clear(&info);
    if (want == -2) return;
    if (want == -1 && have != LH_VERSIONING_OFF) {
        lh__s3_error(r, "IllegalVersioningConfigurationException",
                     "Versioning cannot be turned off once it was enabled; suspend it instead");
        return;
    }
    int rc = want < 0 || want == have
                 ? 0
                 : lh_store_bucket_set_int(r->s3->st, r->bucket, LH_BUCKET_VERSIONING, want, &err);
    lh__s3_result(r, rc, &err, 200);
}

/* ---- lifecycle ---- */

void lh__s3_put_bucket_lifecycle(s3_req_t *r)
{
    lh_err_t err = {0};
    const char *code = NULL;
    char msg[256], *json = NULL;
    unsigned char want[16], got[16];
    if (lh__s3_authorize(r, r->bucket, NULL, NULL, 0, NULL)) return;
    const char *md5 = lh__s3_hdr(r, "content-md5");
    if (md5 && lh_base64_decode(md5, strlen(md5), want, sizeof want) != 16) {
        lh__s3_error(r, "InvalidDigest", NULL);
        return;
    }
    lh_md5(r->body.ptr ? r->body.ptr : "", r->body.len, got);
    if (md5 && memcmp(want, got, 16)) {
        lh__s3_error(r, "BadDigest", NULL);
        return;
    }
    if (lh_lifecycle_parse(r->body.ptr ? r->body.ptr : "", r->body.len, &json, &code, msg,
                           sizeof msg)) {
        lh__s3_error(r, code, msg);
        return;
    }
    int rc = lh_store_bucket_set_lifecycle(r->s3->st, r->bucket, json, &err);
    free(json);
    lh__s3_result(r, rc, &err, 200);
}

void lh__s3_get_bucket_lifecycle(s3_req_t *r)
{
    char *rules = NULL;
    if (lh__s3_authorize(r, r->bucket, NULL, NULL, 0, NULL)) return;
    int rc = lh_store_bucket_get_lifecycle(r->s3->st, r->bucket, &rules);
    if (rc || !rules) {
        lh_err_t err = {0};
        if (rc)
            lh__s3_error_from(r, rc, (lh_err_set(&err, rc, "no such bucket"), &err));
        else
            lh__s3_error(r, "NoSuchLifecycleConfiguration", NULL);
        return;
    }
    lh_buf_reset(&r->resp_body);
    if (lh_lifecycle_render(rules, &r->resp_body)) {
        lh__s3_error(r, "InternalError", NULL);
    } else {
        lh__s3_set_hdr(r, "Content-Type", "application/xml");
        r->status = 200;
    }
    free(rules);
}

void lh__s3_delete_bucket_lifecycle(s3_req_t *r)
{
    lh_err_t err = {0};
    if (lh__s3_authorize(r, r->bucket, NULL, NULL, 0, NULL)) return;
    int rc = lh_store_bucket_set_lifecycle(r->s3->st, r->bucket, NULL, &err);
    lh__s3_result(r, rc, &err, 204);
}

void lh__s3_get_bucket_policy(s3_req_t *r)
{
    lh_store_bucket_t info = {0};
    if (lh__s3_authorize(r, r->bucket, NULL, NULL, 0, &info)) return;
    if (!info.policy) {
        lh__s3_error(r, "NoSuchBucketPolicy", NULL);
    } else {
        lh_buf_reset(&r->resp_body);
        lh_buf_puts(&r->resp_body, info.policy);
        lh__s3_set_hdr(r, "Content-Type", "application/json");
        r->status = 200;
    }
    lh_store_bucket_clear(&info);
}

void lh__s3_put_bucket_policy(s3_req_t *r)
{
    lh_err_t err = {0};
    lh_policy_t *p = NULL;
    lh_store_bucket_t info = {0};
    if (lh__s3_authorize(r, r->bucket, NULL, NULL, 0, &info)) return;
    lh_store_bucket_clear(&info); /* only its integer settings are used below */
    if (!r->body.len || lh_policy_parse(r->body.ptr, r->body.len, r->bucket, &p, &err) != 0) {
        lh__s3_error(r, "MalformedPolicy", err.msg[0] ? err.msg : NULL);
        return;
    }
    int pub = lh_policy_is_public(p);
    lh_policy_free(p);
    if (pub && (info.public_block & S3_PAB_BLOCK_POLICY)) {
        lh__s3_error(r, "AccessDenied",
                     "public policies are blocked by the bucket's public access "
                     "block (BlockPublicPolicy)");
        return;
    }
    int rc = lh_store_bucket_set_policy(r->s3->st, r->bucket, r->body.ptr, &err);
    lh__s3_result(r, rc, &err, 204);
}

void lh__s3_delete_bucket_policy(s3_req_t *r)
{
    lh_err_t err = {0};
    if (lh__s3_authorize(r, r->bucket, NULL, NULL, 0, NULL)) return;
    int rc = lh_store_bucket_set_policy(r->s3->st, r->bucket, NULL, &err);
    lh__s3_result(r, rc, &err, 204);
}

int lh_s3_init_lake(lh_store_t *st, const lh_config_t *cfg, const char *owner, lh_err_t *err)
{
    const char *bucket = lh_config_get(cfg, "lake.bucket");
    lh_store_bucket_t info = {0};
    if (!bucket[0]) return 0;
    if (lh_store_bucket_get(st, bucket, &info) == 0) {
        lh_store_bucket_clear(&info);
        return 0;
    }
    if (!lh_s3_bucket_name_valid(bucket))
        return lh_err_set(err, LH_EINVAL, "lake.bucket '%s' is not a valid bucket name", bucket);
    int rc = lh_store_bucket_create(st, bucket, owner, 0, err);
    if (rc) return rc;
    char folders[512];
    snprintf(folders, sizeof folders, "%s", lh_config_get(cfg, "store.lake_folders"));
    for (char *save = NULL, *f = strtok_r(folders, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        char key[256];
        lh_store_writer_t *w = NULL;
        while (*f == ' ')
            f++;
        if (!*f) continue;
        snprintf(key, sizeof key, "%s%s", f, f[strlen(f) - 1] == '/' ? "" : "/");
        lh_store_meta_t m = {0};
        snprintf(m.etag, sizeof m.etag, "d41d8cd98f00b204e9800998ecf8427e");
        m.attrs = (char *)"{\"content-type\":\"application/x-directory\"}";
        rc = lh_store_put_begin(st, bucket, &w, err);
        if (!rc) rc = lh_store_put_commit(w, key, strlen(key), &m, NULL, err);
        if (rc) return rc;
    }
    lh_info("created lake bucket s3://%s with folders %s", bucket,
            lh_config_get(cfg, "store.lake_folders"));
    return 0;
}
