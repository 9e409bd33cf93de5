/* Access control lists and the bucket settings that govern them: canned
 * ACLs of objects (x-amz-acl on PutObject, CopyObject, CreateMultipartUpload;
 * Get/PutObjectAcl) and of buckets (Get/PutBucketAcl), object ownership
 * controls (Get/Put/DeleteBucketOwnershipControls) and the public access
 * block (Get/Put/DeletePublicAccessBlock).
 *
 * An object keeps its canned ACL by name in its attrs JSON ("acl", absent
 * for private) and, when its owner is not the bucket's (a writer granted
 * PutObject by a policy, under ObjectWriter), that owner ("owner"). What the
 * ACL grants on top of the bucket's own rules (lh__s3_decide):
 *   public-read, public-read-write   anyone, anonymous included, may read
 *   authenticated-read               any signed-in user may read
 *   the object's owner               may read it and read/set its ACL
 * bucket-owner-read/-full-control grant the bucket owner, who may do
 * everything in the bucket anyway. Under BucketOwnerEnforced ACLs are
 * disabled: setting one other than bucket-owner-full-control is refused
 * (AccessControlListNotSupported) and stored ones grant nothing; with
 * IgnorePublicAcls public ones grant nothing, with BlockPublicAcls they are
 * refused (AccessDenied). x-amz-grant-* headers and ACL documents are not
 * supported (NotImplemented, naming the header). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/xml.h"
#include "store/policy.h"
#include "store/s3_int.h"

static const struct {
    const char *name;
    int acl;
} acl_names[] = {
    {"private", S3_ACL_PRIVATE},
    {"public-read", S3_ACL_PUBLIC_READ},
    {"public-read-write", S3_ACL_PUBLIC_READ_WRITE},
    {"authenticated-read", S3_ACL_AUTHENTICATED_READ},
    {"bucket-owner-read", S3_ACL_BUCKET_OWNER_READ},
    {"bucket-owner-full-control", S3_ACL_BUCKET_OWNER_FULL_CONTROL},
    {"aws-exec-read", -2},
    {"log-delivery-write", -2},
};

static const char *const grant_headers[] = {"x-amz-grant-full-control", "x-amz-grant-read",
                                            "x-amz-grant-read-acp", "x-amz-grant-write",
                                            "x-amz-grant-write-acp"};

static const char *const ownership_names[] = {
    [S3_OWNERSHIP_ENFORCED] = "BucketOwnerEnforced",
    [S3_OWNERSHIP_PREFERRED] = "BucketOwnerPreferred",
    [S3_OWNERSHIP_WRITER] = "ObjectWriter",
};

static const struct {
    const char *name;
    int bit;
} pab_flags[] = {
    {"BlockPublicAcls", S3_PAB_BLOCK_ACLS},
    {"IgnorePublicAcls", S3_PAB_IGNORE_ACLS},
    {"BlockPublicPolicy", S3_PAB_BLOCK_POLICY},
    {"RestrictPublicBuckets", S3_PAB_RESTRICT},
};

#define XSI "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
#define ALL_USERS "http://acs.amazonaws.com/groups/global/AllUsers"
#define AUTH_USERS "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"

int lh__s3_acl_parse(const char *name)
{
    if (!name) return S3_ACL_NONE;
    for (size_t i = 0; i < sizeof acl_names / sizeof acl_names[0]; i++)
        if (!strcmp(name, acl_names[i].name)) return acl_names[i].acl;
    return -1;
}

const char *lh__s3_acl_name(int acl)
{
    for (size_t i = 0; i < sizeof acl_names / sizeof acl_names[0]; i++)
        if (acl_names[i].acl == acl) return acl_names[i].name;
    return "private";
}

int lh__s3_acl_public(int acl)
{
    return acl == S3_ACL_PUBLIC_READ || acl == S3_ACL_PUBLIC_READ_WRITE ||
           acl == S3_ACL_AUTHENTICATED_READ;
}

const char *lh__s3_grant_header(const s3_req_t *r)
{
    for (size_t i = 0; i < sizeof grant_headers / sizeof grant_headers[0]; i++)
        if (lh__s3_hdr(r, grant_headers[i])) return grant_headers[i];
    return NULL;
}

/* The ACL and owner kept in an object's attrs (owner "" = the bucket's). */
static int object_acl(const char *attrs, char *owner, size_t cap)
{
    owner[0] = 0;
    if (!attrs || (!strstr(attrs, "\"acl\"") && !strstr(attrs, "\"owner\""))) return S3_ACL_NONE;
    json_t *o = json_loads(attrs, 0, NULL);
    const char *a = json_string_value(json_object_get(o, "acl"));
    const char *w = json_string_value(json_object_get(o, "owner"));
    int acl = a ? lh__s3_acl_parse(a) : S3_ACL_NONE;
    snprintf(owner, cap, "%s", w ? w : "");
    json_decref(o);
    return acl > 0 ? acl : S3_ACL_NONE;
}

/* Refuses what a request may not ask of this bucket's ACLs: an object write
 * with acl (acl_op 0), or PutObjectAcl/PutBucketAcl (acl_op 1, refused
 * whatever it asks under BucketOwnerEnforced). 0 or -1. */
static int acl_allowed(s3_req_t *r, const lh_store_bucket_t *info, int acl, int acl_op)
{
    const char *grant = lh__s3_grant_header(r);
    int enforced = info->ownership == S3_OWNERSHIP_ENFORCED;
    if (enforced &&
        (acl_op || grant || (acl != S3_ACL_NONE && acl != S3_ACL_BUCKET_OWNER_FULL_CONTROL))) {
        lh__s3_error(r, "AccessControlListNotSupported", NULL);
        return -1;
    }
    if (grant) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s is not supported: use a canned ACL (x-amz-acl)", grant);
        lh__s3_error(r, "NotImplemented", msg);
        return -1;
    }
    if (acl < 0) {
        const char *v = lh__s3_hdr(r, "x-amz-acl");
        char msg[160];
        snprintf(msg, sizeof msg, "the canned ACL %.64s is not supported", v);
        lh__s3_error(r, acl == -1 ? "InvalidArgument" : "NotImplemented", msg);
        return -1;
    }
    if ((info->public_block & S3_PAB_BLOCK_ACLS) && lh__s3_acl_public(acl)) {
        lh__s3_error(r, "AccessDenied",
                     "public ACLs are blocked by the bucket's public access block");
        return -1;
    }
    return 0;
}

/* The owner of an object written now by the caller with acl: the writer,
 * unless the bucket owner takes it (enforced, or preferred with
 * bucket-owner-full-control, or an anonymous writer). "" = the bucket's. */
static void write_owner(s3_req_t *r, const lh_store_bucket_t *info, int acl, char *out, size_t cap)
{
    const char *writer = r->anonymous ? "" : r->user.access_key;
    int bucket_takes =
        info->ownership == S3_OWNERSHIP_ENFORCED ||
        (info->ownership == S3_OWNERSHIP_PREFERRED && acl == S3_ACL_BUCKET_OWNER_FULL_CONTROL);
    snprintf(out, cap, "%s", bucket_takes || !strcmp(writer, info->owner) ? "" : writer);
}

int lh__s3_write_acl(s3_req_t *r, const lh_store_bucket_t *info)
{
    int acl = lh__s3_acl_parse(lh__s3_hdr(r, "x-amz-acl"));
    if (acl_allowed(r, info, acl, 0)) return -1;
    if (info->ownership == S3_OWNERSHIP_ENFORCED) acl = S3_ACL_NONE; /* ACLs disabled */
    r->acl = acl;
    write_owner(r, info, acl, r->acl_owner, sizeof r->acl_owner);
    return 0;
}

int lh__s3_authorize_or_acl(s3_req_t *r, const char *action, lh_store_bucket_t *info_out)
{
    lh_err_t err = {0};
    int rc = lh_store_bucket_get(r->s3->st, r->bucket, info_out);
    if (rc) {
        if (rc == LH_ENOENT && r->anonymous)
            lh__s3_error(r, "AccessDenied", NULL);
        else
            lh__s3_error_from(r, rc, (lh_err_set(&err, rc, "no such bucket"), &err));
        return -1;
    }
    int d = lh__s3_decide(r, info_out, action, r->key, r->key_len);
    if (d < 0) {
        lh_store_bucket_clear(info_out);
        lh__s3_error(r, "AccessDenied", NULL);
        return -1;
    }
    return d > 0 ? 0 : 1;
}

int lh__s3_object_grants(const s3_req_t *r, const lh_store_bucket_t *info, const char *action,
                         const char *attrs)
{
    char owner[129];
    int acl = object_acl(attrs, owner, sizeof owner);
    if (info->ownership == S3_OWNERSHIP_ENFORCED) return 0;
    int reader = !r->anonymous && r->user.role == LH_ROLE_READER;
    if (owner[0] && !r->anonymous && !strcmp(owner, r->user.access_key))
        return !(reader && r->op->needs_write);
    if (strcmp(action, "s3:GetObject") || (info->public_block & S3_PAB_IGNORE_ACLS)) return 0;
    return acl == S3_ACL_PUBLIC_READ || acl == S3_ACL_PUBLIC_READ_WRITE ||
           (acl == S3_ACL_AUTHENTICATED_READ && !r->anonymous);
}

/* ---- AccessControlPolicy documents ---- */

static void grant_user(lh_buf_t *b, const char *id, const char *perm)
{
    lh_buf_puts(b, "<Grant><Grantee " XSI " xsi:type=\"CanonicalUser\">");
    lh__s3_xml_elem(b, "ID", id);
    lh__s3_xml_elem(b, "DisplayName", id);
    lh_buf_printf(b, "</Grantee><Permission>%s</Permission></Grant>", perm);
}

static void grant_group(lh_buf_t *b, const char *uri, const char *perm)
{
    lh_buf_printf(b,
                  "<Grant><Grantee " XSI " xsi:type=\"Group\"><URI>%s</URI></Grantee>"
                  "<Permission>%s</Permission></Grant>",
                  uri, perm);
}

/* The AccessControlPolicy reply for owner, the bucket owner and acl. */
static void acl_reply(s3_req_t *r, const char *owner, const char *bucket_owner, int acl)
{
    lh_buf_t *b = &r->resp_body;
    lh__s3_xml_begin(b, "AccessControlPolicy");
    lh_buf_puts(b, "<Owner>");
    lh__s3_xml_elem(b, "ID", owner);
    lh__s3_xml_elem(b, "DisplayName", owner);
    lh_buf_puts(b, "</Owner><AccessControlList>");
    grant_user(b, owner, "FULL_CONTROL");
    if (acl == S3_ACL_PUBLIC_READ || acl == S3_ACL_PUBLIC_READ_WRITE)
        grant_group(b, ALL_USERS, "READ");
    if (acl == S3_ACL_PUBLIC_READ_WRITE) grant_group(b, ALL_USERS, "WRITE");
    if (acl == S3_ACL_AUTHENTICATED_READ) grant_group(b, AUTH_USERS, "READ");
    if (strcmp(owner, bucket_owner) && acl == S3_ACL_BUCKET_OWNER_READ)
        grant_user(b, bucket_owner, "READ");
    if (strcmp(owner, bucket_owner) && acl == S3_ACL_BUCKET_OWNER_FULL_CONTROL)
        grant_user(b, bucket_owner, "FULL_CONTROL");
    lh_buf_puts(b, "</AccessControlList></AccessControlPolicy>");
    lh__s3_set_hdr(r, "Content-Type", "application/xml");
    r->status = 200;
}

/* The canned ACL of a PutObjectAcl/PutBucketAcl: from x-amz-acl; an ACL
 * document in the body is not supported. S3_ACL_* or -1 (error prepared). */
static int put_acl_request(s3_req_t *r, const lh_store_bucket_t *info)
{
    const char *h = lh__s3_hdr(r, "x-amz-acl");
    int acl = h ? lh__s3_acl_parse(h) : S3_ACL_NONE;
    if (acl_allowed(r, info, acl, 1)) return -1;
    if (!h && !r->body.len) {
        lh__s3_error(r, "MissingSecurityHeader", "an x-amz-acl header is required");
        return -1;
    }
    if (!h) {
        lh__s3_error(r, "NotImplemented",
                     "ACL documents (AccessControlPolicy) are not supported: use a canned ACL "
                     "(x-amz-acl)");
        return -1;
    }
    return acl;
}

void lh__s3_get_bucket_acl(s3_req_t *r)
{
    lh_store_bucket_t info = {0};
    if (lh__s3_authorize(r, r->bucket, "s3:GetBucketAcl", NULL, 0, &info)) return;
    int pub = info.public_read && info.ownership != S3_OWNERSHIP_ENFORCED;
    acl_reply(r, info.owner, info.owner, pub ? S3_ACL_PUBLIC_READ : S3_ACL_NONE);
    lh_store_bucket_clear(&info);
}

void lh__s3_put_bucket_acl(s3_req_t *r)
{
    lh_err_t err = {0};
    lh_store_bucket_t info = {0};
    if (lh__s3_authorize(r, r->bucket, NULL, NULL, 0, &info)) return;
    int acl = put_acl_request(r, &info);
    lh_store_bucket_clear(&info);
    if (acl < 0) return;
    if (acl > S3_ACL_PUBLIC_READ) {
        lh__s3_error(r, "NotImplemented",
                     "only the canned ACLs private and public-read are supported for buckets");
        return;
    }
    int rc = lh_store_bucket_set_public(r->s3->st, r->bucket, acl == S3_ACL_PUBLIC_READ, &err);
    lh__s3_result(r, rc, &err, 200);
}

/* The object of an object ACL request: authorized by the bucket or by the
 * object's own ACL (its owner). 0 with *m (caller clears) and *info (caller
 * clears), or -1 with the error prepared. */
static int acl_object(s3_req_t *r, const char *action, lh_store_meta_t *m, lh_store_bucket_t *info)
{
    lh_err_t err = {0};
    int pending = lh__s3_authorize_or_acl(r, action, info);
    if (pending < 0) return -1;
    int rc = lh_store_head(r->s3->st, r->bucket, r->key, r->key_len, m, &err);
    if (pending && (rc || !lh__s3_object_grants(r, info, action, m->attrs))) {
        lh__s3_error(r, "AccessDenied", NULL);
        rc = -1;
    } else if (rc) {
        lh__s3_error_from(r, rc, &err);
    }
    if (!rc) return 0;
    lh_store_meta_clear(m);
    lh_store_bucket_clear(info);
    return -1;
}

void lh__s3_get_object_acl(s3_req_t *r)
{
    lh_store_bucket_t info = {0};
    lh_store_meta_t m = {0};
    char owner[129];
    if (acl_object(r, "s3:GetObjectAcl", &m, &info)) return;
    int acl = object_acl(m.attrs, owner, sizeof owner);
    if (info.ownership == S3_OWNERSHIP_ENFORCED) {
        acl = S3_ACL_NONE;
        owner[0] = 0;
    }
    acl_reply(r, owner[0] ? owner : info.owner, info.owner, acl);
    lh_store_meta_clear(&m);
    lh_store_bucket_clear(&info);
}

typedef struct {
    int acl;
    const char *owner; /* NULL: keep the stored one */
} set_acl_t;

/* lh_store_update_attrs callback: the attrs with the new ACL. */
static char *set_acl(const char *attrs, void *arg)
{
    set_acl_t *a = arg;
    json_t *o = attrs ? json_loads(attrs, 0, NULL) : NULL;
    if (!o && !(o = json_object())) return NULL;
    if (a->acl > S3_ACL_PRIVATE)
        json_object_set_new(o, "acl", json_string(lh__s3_acl_name(a->acl)));
    else
        json_object_del(o, "acl");
    if (a->owner && a->owner[0])
        json_object_set_new(o, "owner", json_string(a->owner));
    else if (a->owner)
        json_object_del(o, "owner");
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

void lh__s3_put_object_acl(s3_req_t *r)
{
    lh_err_t err = {0};
    lh_store_bucket_t info = {0};
    lh_store_meta_t m = {0};
    if (acl_object(r, "s3:PutObjectAcl", &m, &info)) return;
    lh_store_meta_clear(&m);
    set_acl_t a = {.acl = put_acl_request(r, &info)};
    /* BucketOwnerPreferred: bucket-owner-full-control hands the object over */
    if (info.ownership == S3_OWNERSHIP_PREFERRED && a.acl == S3_ACL_BUCKET_OWNER_FULL_CONTROL)
        a.owner = "";
    lh_store_bucket_clear(&info);
    if (a.acl < 0) return;
    int rc = lh_store_update_attrs(r->s3->st, r->bucket, r->key, r->key_len, set_acl, &a, &err);
    lh__s3_result(r, rc, &err, 200);
}

/* ---- ownership controls and public access block ---- */

/* Parses the small XML body into a tree in a; checks Content-MD5 when sent.
 * The root element named root, or NULL with the error prepared. */
static const lh_xml_node_t *config_body(s3_req_t *r, lh_arena_t *a, const char *root)
{
    lh_err_t err = {0};
    lh_xml_node_t *n = NULL;
    const char *md5 = lh__s3_hdr(r, "content-md5");
    const char *body = r->body.ptr ? r->body.ptr : "";
    if (md5) {
        unsigned char want[16], got[16];
        if (lh_base64_decode(md5, strlen(md5), want, sizeof want) != 16) {
            lh__s3_error(r, "InvalidDigest", NULL);
            return NULL;
        }
        lh_md5(body, r->body.len, got);
        if (memcmp(want, got, 16)) {
            lh__s3_error(r, "BadDigest", NULL);
            return NULL;
        }
    }
    if (!a || lh_xml_parse(a, body, r->body.len, &n, &err) != 0 || !n || strcmp(n->name, root)) {
        lh__s3_error(r, "MalformedXML", NULL);
        return NULL;
    }
    return n;
}

static void set_int(s3_req_t *r, lh_store_bucket_field_t field, int value, int status)
{
    lh_err_t err = {0};
    int rc = lh_store_bucket_set_int(r->s3->st, r->bucket, field, value, &err);
    lh__s3_result(r, rc, &err, status);
}

int lh__s3_ownership_parse(const char *v)
{
    for (int i = 1; v && i < (int)(sizeof ownership_names / sizeof ownership_names[0]); i++)
        if (!strcmp(v, ownership_names[i])) return i;
    return -1;
}

void lh__s3_get_ownership(s3_req_t *r)
{
    lh_store_bucket_t info = {0};
    if (lh__s3_authorize(r, r->bucket, "s3:GetBucketOwnershipControls", NULL, 0, &info)) return;
    int own = info.ownership;
    lh_store_bucket_clear(&info);
    if (own <= 0 || own >= (int)(sizeof ownership_names / sizeof ownership_names[0])) {
        lh__s3_error(r, "OwnershipControlsNotFoundError", NULL);
        return;
    }
    lh_buf_t *b = &r->resp_body;
    lh__s3_xml_begin(b, "OwnershipControls");
    lh_buf_puts(b, "<Rule>");
    lh__s3_xml_elem(b, "ObjectOwnership", ownership_names[own]);
    lh_buf_puts(b, "</Rule></OwnershipControls>");
    lh__s3_set_hdr(r, "Content-Type", "application/xml");
    r->status = 200;
}

void lh__s3_put_ownership(s3_req_t *r)
{
    lh_store_bucket_t info = {0};
    if (lh__s3_authorize(r, r->bucket, "s3:PutBucketOwnershipControls", NULL, 0, &info)) return;
    int pub = info.public_read;
    lh_store_bucket_clear(&info);
    lh_arena_t *a = lh_arena_new(4096);
    const lh_xml_node_t *root = config_body(r, a, "OwnershipControls");
    const lh_xml_node_t *rule = lh_xml_child(root, "Rule");
    const lh_xml_node_t *oo = lh_xml_child(rule, "ObjectOwnership");
    int own = oo ? lh__s3_ownership_parse(oo->text) : -1;
    if (root && (own < 0 || lh_xml_next(rule, "Rule")))
        lh__s3_error(r, "MalformedXML", NULL);
    else if (root && own == S3_OWNERSHIP_ENFORCED && pub)
        lh__s3_error(r, "InvalidBucketAclWithObjectOwnership", NULL);
    else if (root)
        set_int(r, LH_BUCKET_OWNERSHIP, own, 200);
    lh_arena_free(a);
}

void lh__s3_delete_ownership(s3_req_t *r)
{
    if (lh__s3_authorize(r, r->bucket, "s3:PutBucketOwnershipControls", NULL, 0, NULL)) return;
    set_int(r, LH_BUCKET_OWNERSHIP, S3_OWNERSHIP_NONE, 204);
}

void lh__s3_get_public_block(s3_req_t *r)
{
    lh_store_bucket_t info = {0};
    if (lh__s3_authorize(r, r->bucket, "s3:GetBucketPublicAccessBlock", NULL, 0, &info)) return;
    int bits = info.public_block;
    lh_store_bucket_clear(&info);
    if (!(bits & S3_PAB_SET)) {
        lh__s3_error(r, "NoSuchPublicAccessBlockConfiguration", NULL);
        return;
    }
    lh_buf_t *b = &r->resp_body;
    lh__s3_xml_begin(b, "PublicAccessBlockConfiguration");
    for (size_t i = 0; i < sizeof pab_flags / sizeof pab_flags[0]; i++)
        lh__s3_xml_elem(b, pab_flags[i].name, bits & pab_flags[i].bit ? "true" : "false");
    lh_buf_puts(b, "</PublicAccessBlockConfiguration>");
    lh__s3_set_hdr(r, "Content-Type", "application/xml");
    r->status = 200;
}

void lh__s3_put_public_block(s3_req_t *r)
{
    if (lh__s3_authorize(r, r->bucket, "s3:PutBucketPublicAccessBlock", NULL, 0, NULL)) return;
    lh_arena_t *a = lh_arena_new(4096);
    const lh_xml_node_t *root = config_body(r, a, "PublicAccessBlockConfiguration");
    int bits = S3_PAB_SET, bad = !root;
    for (size_t i = 0; root && i < sizeof pab_flags / sizeof pab_flags[0]; i++) {
        const lh_xml_node_t *f = lh_xml_child(root, pab_flags[i].name);
        if (f && !strcmp(f->text, "true"))
            bits |= pab_flags[i].bit;
        else if (f && strcmp(f->text, "false"))
            bad = 1;
    }
    if (root && bad)
        lh__s3_error(r, "MalformedXML", NULL);
    else if (root)
        set_int(r, LH_BUCKET_PUBLIC_BLOCK, bits, 200);
    lh_arena_free(a);
}

void lh__s3_delete_public_block(s3_req_t *r)
{
    if (lh__s3_authorize(r, r->bucket, "s3:PutBucketPublicAccessBlock", NULL, 0, NULL)) return;
    set_int(r, LH_BUCKET_PUBLIC_BLOCK, 0, 204);
}
