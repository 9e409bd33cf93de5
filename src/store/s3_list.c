/* Listings: ListBuckets, ListObjects (v1, marker), ListObjectsV2
 * (continuation token, start-after, fetch-owner, encoding-type=url),
 * ListObjectVersions (versions and delete markers, newest first per key, with
 * key and version-id markers; an unversioned bucket lists "null" versions),
 * ListMultipartUploads and ListParts. The store streams entries in key byte
 * order; we write the XML as they come, so memory stays bounded. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/timefmt.h"
#include "core/url.h"
#include "store/s3_int.h"

typedef struct {
    s3_req_t *r;
    lh_buf_t *b;
    int url; /* encoding-type=url */
    int v2, versions, owner;
    lh_buf_t prefixes; /* CommonPrefixes are written after Contents, as S3 does */
    int count;
    const char *owner_name;
} list_ctx_t;

/* Writes text %-encoded as S3's encoding-type=url does (keeps unreserved and '/'). */
static void put_enc(lh_buf_t *b, const char *name, const char *s, size_t n, int url)
{
    if (!url) {
        lh__s3_xml_elemn(b, name, s, n);
        return;
    }
    lh_buf_printf(b, "<%s>", name);
    lh_url_encode(b, (lh_str_t){s, n}, LH_URL_KEEP_SLASH);
    lh_buf_printf(b, "</%s>", name);
}

/* Replaces the reply with its first at bytes, mid, the rest, tail (may be
 * NULL) and end. The error of any piece carries over, so lh__s3_send never
 * sends a listing with a hole in it. */
static void splice_reply(s3_req_t *r, size_t at, const lh_buf_t *mid, const lh_buf_t *tail,
                         const char *end)
{
    lh_buf_t out, *b = &r->resp_body;
    lh_buf_init(&out, 256 << 20);
    lh_buf_set_err(&out, lh_buf_err(b));
    lh_buf_append(&out, b->ptr, at);
    lh_buf_append_buf(&out, mid);
    lh_buf_append(&out, b->ptr + at, b->len - at);
    if (tail) lh_buf_append_buf(&out, tail);
    lh_buf_puts(&out, end);
    lh_buf_free(b);
    *b = out;
}

static void put_owner(lh_buf_t *b, const char *owner)
{
    lh_buf_puts(b, "<Owner>");
    lh__s3_xml_elem(b, "ID", owner);
    lh__s3_xml_elem(b, "DisplayName", owner);
    lh_buf_puts(b, "</Owner>");
}

static void put_prefix(list_ctx_t *c, const char *key, size_t key_len)
{
    lh_buf_puts(&c->prefixes, "<CommonPrefixes>");
    put_enc(&c->prefixes, "Prefix", key, key_len, c->url);
    lh_buf_puts(&c->prefixes, "</CommonPrefixes>");
}

static int on_entry(const lh_store_list_entry_t *e, void *arg)
{
    list_ctx_t *c = arg;
    c->count++;
    if (e->is_prefix) {
        put_prefix(c, e->key, e->key_len);
        return 0;
    }
    char ts[40];
    lh_time_iso8601_format(e->meta->mtime_ns, 3, ts, sizeof ts);
    lh_buf_puts(c->b, "<Contents>");
    put_enc(c->b, "Key", e->key, e->key_len, c->url);
    lh__s3_xml_elem(c->b, "LastModified", ts);
    lh_buf_printf(c->b, "<ETag>&quot;%s&quot;</ETag><Size>%lld</Size>", e->meta->etag,
                  (long long)e->meta->size);
    if (c->owner) put_owner(c->b, c->owner_name);
    lh_buf_puts(c->b, "<StorageClass>STANDARD</StorageClass></Contents>");
    return 0;
}

/* One entry of ListObjectVersions: a <Version>, a <DeleteMarker> or a
 * common prefix. */
static int on_version(const lh_store_version_entry_t *e, void *arg)
{
    list_ctx_t *c = arg;
    c->count++;
    if (e->is_prefix) {
        put_prefix(c, e->key, e->key_len);
        return 0;
    }
    const lh_store_meta_t *m = e->meta;
    char ts[40];
    lh_time_iso8601_format(m->mtime_ns, 3, ts, sizeof ts);
    lh_buf_puts(c->b, m->delete_marker ? "<DeleteMarker>" : "<Version>");
    put_enc(c->b, "Key", e->key, e->key_len, c->url);
    lh__s3_xml_elem(c->b, "VersionId", m->version_id);
    lh_buf_printf(c->b, "<IsLatest>%s</IsLatest>", e->is_latest ? "true" : "false");
    lh__s3_xml_elem(c->b, "LastModified", ts);
    if (!m->delete_marker)
        lh_buf_printf(c->b, "<ETag>&quot;%s&quot;</ETag><Size>%lld</Size>", m->etag,
                      (long long)m->size);
    put_owner(c->b, c->owner_name);
    lh_buf_puts(c->b, m->delete_marker ? "</DeleteMarker>"
                                       : "<StorageClass>STANDARD</StorageClass></Version>");
    return 0;
}

static int get_int(s3_req_t *r, const char *name, int def, int lo, int hi, int *out)
{
    const char *v = lh__s3_query(r, name);
    int64_t x = def;
    if (v && (lh_parse_i64(v, &x) != 0 || x < lo)) {
        lh__s3_error(r, "InvalidArgument", NULL);
        return -1;
    }
    *out = x > hi ? hi : (int)x;
    return 0;
}

/* The query of a ListObjects / ListObjectsV2 / ListObjectVersions request. */
typedef struct {
    const char *prefix, *delim, *token, *start, *vmark;
    int max;
    lh_store_list_opts_t o;
    unsigned char tokbuf[LH_STORE_KEY_MAX + 8]; /* the decoded continuation token */
} list_query_t;

/* Reads the listing parameters into q (and c's options). 0, or -1 with the
 * error prepared. */
static int list_query(s3_req_t *r, list_ctx_t *c, list_query_t *q)
{
    const char *enc = lh__s3_query(r, "encoding-type");
    const char *fo = lh__s3_query(r, "fetch-owner");
    q->prefix = lh__s3_query(r, "prefix");
    q->delim = lh__s3_query(r, "delimiter");
    q->token = c->v2 ? lh__s3_query(r, "continuation-token") : NULL;
    q->start = c->v2 ? lh__s3_query(r, "start-after")
                     : lh__s3_query(r, c->versions ? "key-marker" : "marker");
    if (get_int(r, "max-keys", 1000, 0, 1000, &q->max)) return -1;
    q->vmark = c->versions ? lh__s3_query(r, "version-id-marker") : NULL;
    if (q->vmark && q->vmark[0] && (!q->start || !q->start[0])) {
        lh__s3_error(r, "InvalidArgument",
                     "A version-id marker cannot be specified without a key marker.");
        return -1;
    }
    if (q->vmark && q->vmark[0] && !lh_store_version_id_valid(q->vmark)) {
        lh__s3_error(r, "InvalidArgument", "Invalid version id specified");
        return -1;
    }
    if (enc && strcmp(enc, "url")) {
        lh__s3_error(r, "InvalidArgument", "Invalid Encoding Method specified in Request");
        return -1;
    }
    c->url = enc != NULL;
    c->owner = !c->v2 || (fo && !strcmp(fo, "true"));
    if (q->prefix) q->o.prefix = q->prefix, q->o.prefix_len = strlen(q->prefix);
    if (q->delim && q->delim[0]) q->o.delimiter = q->delim, q->o.delimiter_len = strlen(q->delim);
    if (q->token) {
        long n = lh_base64_decode(q->token, strlen(q->token), q->tokbuf, sizeof q->tokbuf - 1);
        if (n < 0) {
            lh__s3_error(r, "InvalidArgument", "The continuation token provided is incorrect");
            return -1;
        }
        q->o.start_after = (const char *)q->tokbuf, q->o.start_after_len = (size_t)n;
    } else if (q->start) {
        q->o.start_after = q->start, q->o.start_after_len = strlen(q->start);
    }
    q->o.max_keys = q->max;
    return 0;
}

/* Where the next page starts, when the listing was truncated (next_version:
 * ListObjectVersions only). */
static void list_next(const list_ctx_t *c, lh_buf_t *head, const char *next, size_t next_len,
                      const char *next_version)
{
    if (c->v2) {
        char *t = malloc(4 * (next_len + 2) / 3 + 4);
        if (t) {
            lh_base64_encode((const unsigned char *)next, next_len, t);
            lh__s3_xml_elem(head, "NextContinuationToken", t);
            free(t);
        }
    } else if (c->versions) {
        put_enc(head, "NextKeyMarker", next, next_len, c->url);
        if (next_version[0]) lh__s3_xml_elem(head, "NextVersionIdMarker", next_version);
    } else {
        put_enc(head, "NextMarker", next, next_len, c->url);
    }
}

/* The fields S3 puts before the entries: markers, counts, truncation. */
static void list_head(const list_ctx_t *c, const list_query_t *q, lh_buf_t *head, int truncated,
                      const char *next, size_t next_len, const char *next_version)
{
    const char *start = q->start;
    if (c->v2) {
        if (q->token) lh__s3_xml_elem(head, "ContinuationToken", q->token);
        if (start) put_enc(head, "StartAfter", start, strlen(start), c->url);
        lh_buf_printf(head, "<KeyCount>%d</KeyCount>", c->count);
    } else if (c->versions) {
        put_enc(head, "KeyMarker", start ? start : "", start ? strlen(start) : 0, c->url);
        lh__s3_xml_elem(head, "VersionIdMarker", q->vmark ? q->vmark : "");
    } else {
        put_enc(head, "Marker", start ? start : "", start ? strlen(start) : 0, c->url);
    }
    lh_buf_printf(head, "<MaxKeys>%d</MaxKeys>", q->max);
    if (q->o.delimiter) put_enc(head, "Delimiter", q->delim, strlen(q->delim), c->url);
    if (c->url) lh_buf_puts(head, "<EncodingType>url</EncodingType>");
    lh_buf_printf(head, "<IsTruncated>%s</IsTruncated>", truncated ? "true" : "false");
    if (truncated) list_next(c, head, next, next_len, next_version);
}

/* ListObjects (v1 or v2) or ListObjectVersions: entries are written as the
 * store walks them, then the head is spliced in before them. */
static void objects_work(s3_req_t *r, int v2, int versions)
{
    lh_store_bucket_t info = {0};
    lh_err_t err = {0};
    list_ctx_t c = {.r = r, .b = &r->resp_body, .v2 = v2, .versions = versions};
    list_query_t q = {0};
    lh_buf_t head;
    char next[LH_STORE_KEY_MAX + 1], next_version[LH_STORE_VERSION_ID_SIZE] = "";
    size_t next_len = 0;
    int truncated = 0, rc;
    lh_buf_init(&head, 1 << 20);
    lh_buf_init(&c.prefixes, 64 << 20);
    if (lh__s3_authorize(r, r->bucket, r->op->action, NULL, 0, &info) || list_query(r, &c, &q))
        goto done;
    c.owner_name = info.owner;
    lh__s3_xml_begin(c.b, versions ? "ListVersionsResult" : "ListBucketResult");
    lh__s3_xml_elem(c.b, "Name", r->bucket);
    put_enc(c.b, "Prefix", q.prefix ? q.prefix : "", q.prefix ? strlen(q.prefix) : 0, c.url);
    size_t mark_at = c.b->len;
    if (versions)
        rc = lh_store_list_versions(r->s3->st, r->bucket, &q.o, q.vmark, on_version, &c, &truncated,
                                    next, &next_len, next_version, &err);
    else
        rc = lh_store_list(r->s3->st, r->bucket, &q.o, on_entry, &c, &truncated, next, &next_len,
                           &err);
    if (rc) {
        lh__s3_error_from(r, rc, &err);
        goto done;
    }
    list_head(&c, &q, &head, truncated, next, next_len, next_version);
    splice_reply(r, mark_at, &head, &c.prefixes,
                 versions ? "</ListVersionsResult>" : "</ListBucketResult>");
    lh__s3_set_hdr(r, "Content-Type", "application/xml");
    r->status = 200;
done:
    lh_buf_free(&head);
    lh_buf_free(&c.prefixes);
    lh_store_bucket_clear(&info);
}

/* ListBuckets: an admin sees every bucket, anyone else only their own (a
 * bucket shared by policy, ACL or the lake grants is reached by name). */
typedef struct {
    lh_buf_t *b;
    const s3_req_t *r;
    int all;
} buckets_ctx_t;

static int on_bucket(const lh_store_bucket_t *bi, void *arg)
{
    buckets_ctx_t *c = arg;
    if (!c->all && strcmp(bi->owner, c->r->user.access_key)) return 0;
    char ts[40];
    lh_time_iso8601_format(bi->created_ns, 3, ts, sizeof ts);
    lh_buf_puts(c->b, "<Bucket>");
    lh__s3_xml_elem(c->b, "Name", bi->name);
    lh__s3_xml_elem(c->b, "CreationDate", ts);
    lh_buf_puts(c->b, "</Bucket>");
    return 0;
}

void lh__s3_list_buckets(s3_req_t *r)
{
    buckets_ctx_t c = {&r->resp_body, r, r->user.role == LH_ROLE_ADMIN};
    lh__s3_xml_begin(c.b, "ListAllMyBucketsResult");
    put_owner(c.b, r->user.access_key);
    lh_buf_puts(c.b, "<Buckets>");
    if (lh_store_bucket_list(r->s3->st, on_bucket, &c) != 0) {
        lh__s3_error(r, "InternalError", NULL);
        return;
    }
    lh_buf_puts(c.b, "</Buckets></ListAllMyBucketsResult>");
    lh__s3_set_hdr(r, "Content-Type", "application/xml");
    r->status = 200;
}

typedef struct {
    lh_buf_t *b;
    const char *owner;
    int count;
    char last_key[LH_STORE_KEY_MAX + 1];
    char last_id[64];
    int url;
} uploads_ctx_t;

static int on_upload(const lh_store_mpu_t *u, void *arg)
{
    uploads_ctx_t *c = arg;
    char ts[40];
    lh_time_iso8601_format(u->created_ns, 3, ts, sizeof ts);
    lh_buf_puts(c->b, "<Upload>");
    put_enc(c->b, "Key", u->key, u->key_len, c->url);
    lh__s3_xml_elem(c->b, "UploadId", u->upload_id);
    put_owner(c->b, c->owner);
    lh_buf_puts(c->b, "<Initiator>");
    lh__s3_xml_elem(c->b, "ID", c->owner);
    lh__s3_xml_elem(c->b, "DisplayName", c->owner);
    lh_buf_puts(c->b, "</Initiator><StorageClass>STANDARD</StorageClass>");
    lh__s3_xml_elem(c->b, "Initiated", ts);
    lh_buf_puts(c->b, "</Upload>");
    snprintf(c->last_key, sizeof c->last_key, "%.*s", (int)u->key_len, u->key);
    snprintf(c->last_id, sizeof c->last_id, "%s", u->upload_id);
    c->count++;
    return 0;
}

void lh__s3_list_multipart_uploads(s3_req_t *r)
{
    lh_store_bucket_t info = {0};
    lh_err_t err = {0};
    int max, truncated = 0;
    if (lh__s3_authorize(r, r->bucket, r->op->action, NULL, 0, &info)) return;
    if (get_int(r, "max-uploads", 1000, 0, 1000, &max)) {
        lh_store_bucket_clear(&info);
        return;
    }
    const char *prefix = lh__s3_query(r, "prefix"), *enc = lh__s3_query(r, "encoding-type");
    const char *km = lh__s3_query(r, "key-marker"), *um = lh__s3_query(r, "upload-id-marker");
    uploads_ctx_t c = {.b = &r->resp_body, .owner = info.owner};
    if (enc && strcmp(enc, "url")) {
        lh_store_bucket_clear(&info);
        lh__s3_error(r, "InvalidArgument", "Invalid Encoding Method specified in Request");
        return;
    }
    c.url = enc != NULL;
    lh__s3_xml_begin(c.b, "ListMultipartUploadsResult");
    lh__s3_xml_elem(c.b, "Bucket", r->bucket);
    put_enc(c.b, "KeyMarker", km ? km : "", km ? strlen(km) : 0, c.url);
    lh__s3_xml_elem(c.b, "UploadIdMarker", um ? um : "");
    put_enc(c.b, "Prefix", prefix ? prefix : "", prefix ? strlen(prefix) : 0, c.url);
    if (c.url) lh_buf_puts(c.b, "<EncodingType>url</EncodingType>");
    lh_buf_printf(c.b, "<MaxUploads>%d</MaxUploads>", max);
    size_t at = c.b->len;
    int rc = lh_store_mpu_list(r->s3->st, r->bucket, prefix, prefix ? strlen(prefix) : 0, km, um,
                               max, on_upload, &c, &truncated, &err);
    lh_store_bucket_clear(&info);
    if (rc) {
        lh__s3_error_from(r, rc, &err);
        return;
    }
    lh_buf_t tail;
    lh_buf_init(&tail, 1 << 20);
    lh_buf_printf(&tail, "<IsTruncated>%s</IsTruncated>", truncated ? "true" : "false");
    if (truncated) {
        put_enc(&tail, "NextKeyMarker", c.last_key, strlen(c.last_key), c.url);
        lh__s3_xml_elem(&tail, "NextUploadIdMarker", c.last_id);
    }
    splice_reply(r, at, &tail, NULL, "</ListMultipartUploadsResult>");
    lh_buf_free(&tail);
    lh__s3_set_hdr(r, "Content-Type", "application/xml");
    r->status = 200;
}

/* <ChecksumCRC32>...</ChecksumCRC32> from a part's attrs, when it has one. */
static void put_part_checksum(lh_buf_t *b, const char *attrs)
{
    json_t *o = attrs ? json_loads(attrs, 0, NULL) : NULL;
    const char *a = o ? json_string_value(json_object_get(o, "algo")) : NULL;
    const char *v = o ? json_string_value(json_object_get(o, "value")) : NULL;
    if (a && v) {
        char tag[40];
        snprintf(tag, sizeof tag, "Checksum%s", a);
        lh__s3_xml_elem(b, tag, v);
    }
    json_decref(o);
}

void lh__s3_list_parts(s3_req_t *r)
{
    lh_store_bucket_t info = {0};
    lh_err_t err = {0};
    lh_store_mpu_t u = {0};
    lh_store_part_t *parts = NULL;
    int n = 0, truncated = 0, max, marker;
    const char *uid = lh__s3_query(r, "uploadId");
    if (lh__s3_authorize(r, r->bucket, r->op->action, r->key, r->key_len, &info)) return;
    if (get_int(r, "max-parts", 1000, 0, 1000, &max) ||
        get_int(r, "part-number-marker", 0, 0, 10000, &marker))
        goto done;
    int rc = lh_store_mpu_get(r->s3->st, r->bucket, uid, &u, &err);
    if (!rc && (u.key_len != r->key_len || memcmp(u.key, r->key, r->key_len)))
        rc = lh_err_set(&err, LH_ENOENT, "no such upload");
    if (!rc)
        rc = lh_store_mpu_parts(r->s3->st, r->bucket, uid, marker, max, &parts, &n, &truncated,
                                &err);
    if (rc) {
        lh__s3_error_from(r, rc, &err);
        goto done;
    }
    lh_buf_t *b = &r->resp_body;
    lh__s3_xml_begin(b, "ListPartsResult");
    lh__s3_xml_elem(b, "Bucket", r->bucket);
    lh__s3_xml_elemn(b, "Key", r->key, r->key_len);
    lh__s3_xml_elem(b, "UploadId", uid);
    put_owner(b, info.owner);
    lh_buf_puts(b, "<Initiator>");
    lh__s3_xml_elem(b, "ID", info.owner);
    lh__s3_xml_elem(b, "DisplayName", info.owner);
    lh_buf_puts(b, "</Initiator><StorageClass>STANDARD</StorageClass>");
    lh_buf_printf(b, "<PartNumberMarker>%d</PartNumberMarker>", marker);
    if (n)
        lh_buf_printf(b, "<NextPartNumberMarker>%d</NextPartNumberMarker>",
                      parts[n - 1].part_number);
    lh_buf_printf(b, "<MaxParts>%d</MaxParts><IsTruncated>%s</IsTruncated>", max,
                  truncated ? "true" : "false");
    for (int i = 0; i < n; i++) {
        char ts[40];
        lh_time_iso8601_format(parts[i].mtime_ns, 3, ts, sizeof ts);
        lh_buf_printf(b, "<Part><PartNumber>%d</PartNumber>", parts[i].part_number);
        lh__s3_xml_elem(b, "LastModified", ts);
        lh_buf_printf(b, "<ETag>&quot;%s&quot;</ETag><Size>%lld</Size>", parts[i].etag,
                      (long long)parts[i].size);
        put_part_checksum(b, parts[i].attrs);
        lh_buf_puts(b, "</Part>");
    }
    lh_buf_puts(b, "</ListPartsResult>");
    lh__s3_set_hdr(r, "Content-Type", "application/xml");
    r->status = 200;
done:
    lh_store_parts_free(parts, n);
    lh_store_mpu_clear(&u);
    lh_store_bucket_clear(&info);
}

void lh__s3_list_objects(s3_req_t *r)
{
    objects_work(r, 0, 0);
}

void lh__s3_list_objects_v2(s3_req_t *r)
{
    objects_work(r, 1, 0);
}

void lh__s3_list_object_versions(s3_req_t *r)
{
    objects_work(r, 0, 1);
}
