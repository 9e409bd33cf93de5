/* Who is calling and what they may do. Authentication runs on the loop
 * thread: the signature (SigV4/V2 through the auth module, store/auth.h)
 * against the user's secret from the metadata cache. Authorization: the
 * role is a ceiling checked first (a reader never writes, whatever grants
 * it), then the bucket's grants in order: admin, owner, the bucket policy
 * (Deny beats every grant but admin), the lake bucket's built-in grants by
 * role, the public-read ACL; a public access block or enforced ownership
 * takes away what public policies and ACLs would grant. Objects' own ACLs:
 * s3_acl.c. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/policy.h"
#include "store/s3_int.h"

const char *lh__s3_authenticate(s3_req_t *r, lh_http_req_t *h, lh_err_t *err)
{
    lh_sig_request_t sr = {
        .method = h->method,
        .path = h->path,
        .query = h->query,
        .headers = h->headers,
        .nheaders = h->nheaders,
        .now = time(NULL),
    };
    char res[2048];
    int vh = lh__s3_vhost_bucket(r, res, sizeof res) == 1;
    /* V2 canonical resource: "/bucket" + path for virtual-host requests; a
     * request for a bucket itself signs "/bucket/" (as botocore and S3 do)
     * even when the path-style URL is "/bucket" */
    int slash =
        !vh && r->bucket[0] && !r->key && h->path.len && h->path.ptr[h->path.len - 1] != '/';
    char *v2 = lh_arena_printf(h->arena, "%s%s%.*s%s", vh ? "/" : "", vh ? r->bucket : "",
                               (int)h->path.len, h->path.ptr, slash ? "/" : "");
    sr.v2_resource = (lh_str_t){v2, v2 ? strlen(v2) : 0};
    if (lh_sig_parse(&sr, &r->sig, err) != 0)
        return r->sig.s3_error ? r->sig.s3_error : "AccessDenied";
    if (r->sig.kind == LH_SIG_ANON) {
        r->anonymous = 1;
        return NULL;
    }
    if (lh_meta_user_get(r->s3->meta, r->sig.access_key, &r->user) != 0)
        return "InvalidAccessKeyId";
    int rc = lh_sig_verify(&sr, &r->sig, r->user.secret_key, err);
    if (rc == LH_EAUTH && slash &&
        (r->sig.kind == LH_SIG_V2_HEADER || r->sig.kind == LH_SIG_V2_QUERY)) {
        sr.v2_resource.len--; /* some V2 signers keep the path as sent */
        rc = lh_sig_verify(&sr, &r->sig, r->user.secret_key, err);
    }
    if (rc != 0) return r->sig.s3_error ? r->sig.s3_error : "SignatureDoesNotMatch";
    return NULL;
}

int lh__s3_role_allows(const s3_req_t *r)
{
    return r->anonymous || r->user.role != LH_ROLE_READER || !r->op->needs_write;
}

/* The lake bucket's built-in grants: what every authenticated user may do
 * there by role (the ceiling already kept readers from writing). */
static const char *const lake_read[] = {"s3:GetObject",
                                        "s3:GetObjectVersion",
                                        "s3:GetObjectAttributes",
                                        "s3:ListBucket",
                                        "s3:ListBucketVersions",
                                        "s3:GetBucketLocation",
                                        NULL};
static const char *const lake_write[] = {"s3:PutObject",
                                         "s3:DeleteObject",
                                         "s3:DeleteObjectVersion",
                                         "s3:AbortMultipartUpload",
                                         "s3:ListMultipartUploadParts",
                                         "s3:ListBucketMultipartUploads",
                                         NULL};

static int in_list(const char *const *list, const char *action)
{
    for (; *list; list++)
        if (!strcmp(*list, action)) return 1;
    return 0;
}

static int lake_allows(const s3_req_t *r, const lh_store_bucket_t *info, const char *action)
{
    if (r->anonymous || !action || !r->s3->lake_bucket[0] || strcmp(info->name, r->s3->lake_bucket))
        return 0;
    if (in_list(lake_read, action)) return 1;
    return r->user.role != LH_ROLE_READER && in_list(lake_write, action);
}

int lh__s3_access(const s3_req_t *r, const lh_store_bucket_t *info, const char *action,
                  const char *key, size_t key_len)
{
    return lh__s3_decide(r, info, action, key, key_len) > 0;
}

int lh__s3_decide(const s3_req_t *r, const lh_store_bucket_t *info, const char *action,
                  const char *key, size_t key_len)
{
    if (!lh__s3_role_allows(r)) return -1; /* the ceiling: nothing below may grant it */
    int admin = !r->anonymous && r->user.role == LH_ROLE_ADMIN;
    /* public access block and ownership controls (s3_int.h): what a public
     * policy or a canned ACL may still grant */
    int restrict_pub = r->anonymous && (info->public_block & S3_PAB_RESTRICT);
    int ignore_acl =
        (info->public_block & S3_PAB_IGNORE_ACLS) || info->ownership == S3_OWNERSHIP_ENFORCED;
    int allowed = admin || (!r->anonymous && !strcmp(info->owner, r->user.access_key));
    if (action && info->policy) {
        lh_policy_t *pol = NULL;
        if (lh_policy_parse(info->policy, strlen(info->policy), info->name, &pol, NULL) == 0) {
            char *k = key ? strndup(key, key_len) : NULL;
            int v = lh_policy_eval(pol, r->anonymous ? NULL : r->user.access_key, action,
                                   info->name, k);
            free(k);
            lh_policy_free(pol);
            if (v == LH_POLICY_DENY && !admin) return -1;
            if (v == LH_POLICY_ALLOW && !restrict_pub) allowed = 1;
        }
    }
    if (!allowed && lake_allows(r, info, action)) allowed = 1;
    if (!allowed && action && info->public_read && !ignore_acl &&
        (!strcmp(action, "s3:GetObject") || !strcmp(action, "s3:ListBucket")))
        allowed = 1;
    return allowed;
}

int lh__s3_authorize(s3_req_t *r, const char *bucket, const char *action, const char *key,
                     size_t key_len, lh_store_bucket_t *info_out)
{
    lh_store_bucket_t info = {0};
    lh_err_t err = {0};
    int rc = lh_store_bucket_get(r->s3->st, bucket, &info);
    if (rc != 0) {
        if (rc == LH_ENOENT && r->anonymous)
            lh__s3_error(r, "AccessDenied", NULL);
        else
            lh__s3_error_from(r, rc, (lh_err_set(&err, rc, "no such bucket"), &err));
        return -1;
    }
    if (!lh__s3_access(r, &info, action, key, key_len)) {
        lh_store_bucket_clear(&info);
        lh__s3_error(r, "AccessDenied", NULL);
        return -1;
    }
    if (info_out)
        *info_out = info;
    else
        lh_store_bucket_clear(&info);
    return 0;
}
