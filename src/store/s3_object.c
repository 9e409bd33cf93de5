/* Object operations: GetObject and HeadObject (ranges, partNumber,
 * conditional headers, response header overrides, checksum mode; an object's
 * own ACL may grant the read), DeleteObject, DeleteObjects (batch XML),
 * CopyObject (metadata directive, copy-source conditions, x-amz-acl). Each
 * runs its store work on a worker thread. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/metrics.h"
#include "core/notify.h"
#include "core/xml.h"
#include "store/s3_int.h"

/* Strips surrounding quotes (and a W/ prefix) from an ETag in a header list. */
static int etag_in_list(const char *list, const char *etag)
{
    const char *p = list;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p) break;
        size_t n = strcspn(p, ",");
        const char *s = p, *e = p + n;
        while (e > s && e[-1] == ' ')
            e--;
        if (e - s >= 2 && s[0] == 'W' && s[1] == '/') s += 2;
        if (e - s >= 2 && *s == '"' && e[-1] == '"') s++, e--;
        if ((e - s == 1 && *s == '*') ||
            ((size_t)(e - s) == strlen(etag) && !strncmp(s, etag, (size_t)(e - s))))
            return 1;
        p += n;
    }
    return 0;
}

/* Evaluates If-Match / If-None-Match / If-(Un)Modified-Since with prefix
 * "if-" or "x-amz-copy-source-if-". Returns 0, 304 or 412. */
static int conditions(const s3_req_t *r, const char *prefix, const lh_store_meta_t *m, int is_get)
{
    char n[64];
    int64_t t, mtime = m->mtime_ns / 1000000000;
    snprintf(n, sizeof n, "%smatch", prefix);
    const char *im = lh__s3_hdr(r, n);
    snprintf(n, sizeof n, "%snone-match", prefix);
    const char *inm = lh__s3_hdr(r, n);
    snprintf(n, sizeof n, "%smodified-since", prefix);
    const char *ims = lh__s3_hdr(r, n);
    snprintf(n, sizeof n, "%sunmodified-since", prefix);
    const char *ius = lh__s3_hdr(r, n);
    if (im && !etag_in_list(im, m->etag)) return 412;
    if (!im && ius && lh_http_date_parse(ius, &t) == 0 && mtime > t) return 412;
    if (inm && etag_in_list(inm, m->etag)) return is_get ? 304 : 412;
    if (!inm && ims && lh_http_date_parse(ims, &t) == 0 && mtime <= t) return is_get ? 304 : 412;
    return 0;
}

/* Parses "bytes=a-b" against size. 0 = whole object, 1 = range set, -1 = unsatisfiable.
 * A suffix "bytes=-N" of an empty object is the whole object (200, no bytes), as AWS. */
static int parse_range(const char *v, int64_t size, int64_t *off, int64_t *len)
{
    int64_t a = -1, b = -1;
    if (strncmp(v, "bytes=", 6) || strchr(v, ',')) return 0;
    v += 6;
    const char *dash = strchr(v, '-');
    if (!dash) return 0;
    char first[32], second[32];
    if ((size_t)(dash - v) >= sizeof first || strlen(dash + 1) >= sizeof second) return 0;
    snprintf(first, sizeof first, "%.*s", (int)(dash - v), v);
    snprintf(second, sizeof second, "%s", dash + 1);
    if (first[0] && lh_parse_i64(first, &a) != 0) return 0;
    if (second[0] && lh_parse_i64(second, &b) != 0) return 0;
    if (a < 0 && b < 0) return 0;
    if (a < 0) { /* suffix: last b bytes */
        if (b == 0) return -1;
        if (size == 0) return 0; /* AWS: the whole (empty) object, 200 */
        a = b > size ? 0 : size - b;
        b = size - 1;
    } else {
        if (a >= size) return -1;
        if (b < 0 || b >= size) b = size - 1;
        if (b < a) return 0;
    }
    *off = a;
    *len = b - a + 1;
    return 1;
}

static void add_meta_headers(s3_req_t *r, const lh_store_meta_t *m, int with_ck)
{
    char buf[96];
    snprintf(buf, sizeof buf, "\"%s\"", m->etag);
    lh__s3_set_hdr(r, "ETag", buf);
    lh_http_date(m->mtime_ns / 1000000000, buf, sizeof buf);
    lh__s3_set_hdr(r, "Last-Modified", buf);
    lh__s3_attrs_to_headers(r, m->attrs, with_ck);
}

static const char *overrides[][2] = {
    {"response-content-type", "Content-Type"},
    {"response-content-language", "Content-Language"},
    {"response-expires", "Expires"},
    {"response-cache-control", "Cache-Control"},
    {"response-content-disposition", "Content-Disposition"},
    {"response-content-encoding", "Content-Encoding"},
};

/* Bodies up to this size are read here and sent with the headers in one
 * write, instead of a second trip through the pool for sendfile. */
#define SMALL_BODY ((int64_t)64 << 10)

static void read_small_body(s3_req_t *r)
{
    lh_buf_reset(&r->resp_body);
    if (r->resp_len > 0 && lh_buf_append(&r->resp_body, "", 0) == 0) {
        char buf[SMALL_BODY];
        int64_t got = 0;
        while (got < r->resp_len) {
            ssize_t n =
                pread(r->resp_fd, buf + got, (size_t)(r->resp_len - got), r->resp_off + got);
            if (n <= 0) return; /* keep the fd: sendfile will report the error */
            got += n;
        }
        if (lh_buf_append(&r->resp_body, buf, (size_t)got) != 0) {
            lh_buf_reset(&r->resp_body);
            return;
        }
    }
    close(r->resp_fd);
    r->resp_fd = -1;
}

/* The bytes of part partNumber: of a multipart object the part's (its
 * sizes are in the attrs, *parts gets their count), of any other object all
 * of it as part 1 (*parts 0). 0, or -1 with the error prepared. */
static int part_range(s3_req_t *r, const lh_store_meta_t *m, int64_t *off, int64_t *len, int *parts)
{
    int64_t *sizes = NULL;
    int n = lh__s3_part_number(r), np = 0;
    if (n < 0) return -1;
    if (lh__s3_hdr(r, "range")) {
        lh__s3_error(r, "InvalidRequest",
                     "Cannot specify both Range header and partNumber query parameter");
        return -1;
    }
    if (lh__s3_attrs_parts(m->attrs, &sizes, &np)) {
        lh__s3_error(r, "InternalError", NULL);
        return -1;
    }
    if (n > (np ? np : 1)) {
        free(sizes);
        lh__s3_error(r, "InvalidPartNumber", NULL);
        return -1;
    }
    *off = 0;
    *len = np ? sizes[n - 1] : m->size;
    for (int i = 0; i + 1 < n; i++)
        *off += sizes[i];
    *parts = np;
    free(sizes);
    return 0;
}

/* GetObject rather than HeadObject (the body is wanted). */
static int is_get(const s3_req_t *r)
{
    return !strcmp(r->op->name, "GetObject");
}

/* The answer to GET/HEAD from the object's metadata and body: the body is
 * either in r->resp_body already (fd < 0: an inline object, whole) or the
 * open fd (kept in r->resp_fd, or read here when small). Conditions and
 * ranges apply to both the same way. */
static void get_answer(s3_req_t *r, const lh_store_meta_t *m, int fd)
{
    int c = conditions(r, "if-", m, 1);
    if (c) {
        if (fd >= 0) close(fd);
        lh_buf_reset(&r->resp_body);
        if (c == 412) {
            lh__s3_error(r, "PreconditionFailed", NULL);
        } else {
            r->status = 304;
            add_meta_headers(r, m, 0);
        }
        return;
    }
    int64_t off = 0, len = m->size;
    const char *range = lh__s3_hdr(r, "range");
    int rr = range ? parse_range(range, m->size, &off, &len) : 0, parts = 0;
    if (lh__s3_has_query(r, "partNumber")) {
        if (part_range(r, m, &off, &len, &parts)) {
            if (fd >= 0) close(fd);
            return;
        }
        rr = m->size > 0;
    }
    if (rr < 0) {
        if (fd >= 0) close(fd);
        lh__s3_error(r, "InvalidRange", NULL);
        char cr[64];
        snprintf(cr, sizeof cr, "bytes */%lld", (long long)m->size);
        lh__s3_set_hdr(r, "Content-Range", cr);
        return;
    }
    const char *ckmode = lh__s3_hdr(r, "x-amz-checksum-mode");
    add_meta_headers(r, m, rr == 0 && ckmode && !strcasecmp(ckmode, "ENABLED"));
    lh__s3_set_hdr(r, "Accept-Ranges", "bytes");
    for (size_t i = 0; i < sizeof overrides / sizeof overrides[0]; i++) {
        const char *v = lh__s3_query(r, overrides[i][0]);
        if (v) lh__s3_set_hdr(r, overrides[i][1], v);
    }
    if (rr > 0) {
        char cr[96];
        snprintf(cr, sizeof cr, "bytes %lld-%lld/%lld", (long long)off, (long long)(off + len - 1),
                 (long long)m->size);
        lh__s3_set_hdr(r, "Content-Range", cr);
        if (parts) {
            snprintf(cr, sizeof cr, "%d", parts);
            lh__s3_set_hdr(r, "x-amz-mp-parts-count", cr);
        }
        r->status = 206;
    } else {
        r->status = 200;
    }
    if (fd < 0) { /* in memory: keep the range (HEAD too, for its Content-Length) */
        if (off && len) memmove(r->resp_body.ptr, r->resp_body.ptr + off, (size_t)len);
        r->resp_body.len = (size_t)len;
        return;
    }
    r->resp_fd = fd;
    r->resp_off = off;
    r->resp_len = len;
    if (is_get(r) && len <= SMALL_BODY) read_small_body(r);
}

/* The headers of a delete marker met by GET or HEAD. */
static void marker_headers(s3_req_t *r, const lh_store_meta_t *m)
{
    char date[64];
    lh__s3_set_hdr(r, "x-amz-delete-marker", "true");
    lh__s3_set_hdr(r, "x-amz-version-id", m->version_id);
    lh_http_date(m->mtime_ns / 1000000000, date, sizeof date);
    lh__s3_set_hdr(r, "Last-Modified", date);
}

/* NoSuchKey for a key whose latest version may be a delete marker (then
 * said so in the headers). */
static void no_such_key(s3_req_t *r, int versioned, int rc, const lh_err_t *err)
{
    lh_store_meta_t m = {0};
    lh__s3_error_from(r, rc, err);
    if (versioned && rc == LH_ENOENT && !strstr(err->msg, "bucket") &&
        lh_store_version_get(r->s3->st, r->bucket, r->key, r->key_len, NULL, &m, NULL, NULL) == 0 &&
        m.delete_marker)
        marker_headers(r, &m);
    lh_store_meta_clear(&m);
}

static void get_work(s3_req_t *r)
{
    lh_store_bucket_t info = {0};
    lh_err_t err = {0};
    lh_store_meta_t m = {0};
    const char *vid;
    int fd = -1, rc;
    if (lh__s3_version_param(r, &vid) < 0) return;
    const char *action = vid ? "s3:GetObjectVersion" : "s3:GetObject";
    int pending = lh__s3_authorize_or_acl(r, action, &info); /* s3_acl.c */
    if (pending < 0) return;
    int versioned = info.versioning != LH_VERSIONING_OFF;
    lh_buf_reset(&r->resp_body);
    if (vid)
        rc = lh_store_version_get(r->s3->st, r->bucket, r->key, r->key_len, vid, &m, &fd, &err);
    else
        rc = lh_store_get_mem(r->s3->st, r->bucket, r->key, r->key_len, &m, &fd, &r->resp_body,
                              &err);
    if (pending && (rc || m.delete_marker || !lh__s3_object_grants(r, &info, action, m.attrs))) {
        if (fd >= 0) close(fd);
        lh__s3_error(r, "AccessDenied", NULL);
    } else if (rc) {
        no_such_key(r, versioned && !vid, rc, &err);
    } else if (m.delete_marker) { /* a version id naming a delete marker */
        lh__s3_error(r, "MethodNotAllowed", NULL);
        marker_headers(r, &m);
    } else {
        get_answer(r, &m, fd);
        if (!r->failed && (versioned || vid)) lh__s3_version_header(r, m.version_id);
    }
    lh_store_meta_clear(&m);
    lh_store_bucket_clear(&info);
}

/* GET/HEAD answered on the loop thread from the store's read cache, with no
 * trip through the pool: only when the bucket row and the object are both
 * cached, the caller may read, and no version is asked for. 1 when answered
 * (the response prepared), 0 to go the worker's way. */
static int get_cached(s3_req_t *r)
{
    lh_store_bucket_t info;
    lh_store_meta_t m;
    if (lh__s3_has_query(r, "versionId") ||
        lh_store_cached_bucket(r->s3->st, r->bucket, &info) != 0)
        return 0;
    int d = lh__s3_decide(r, &info, "s3:GetObject", r->key, r->key_len);
    if (d < 0 ||
        lh_store_cached_get(r->s3->st, r->bucket, r->key, r->key_len, &m, &r->resp_body) != 0) {
        lh_store_bucket_clear(&info);
        lh_buf_reset(&r->resp_body);
        return 0;
    }
    int ok = d > 0 || lh__s3_object_grants(r, &info, "s3:GetObject", m.attrs); /* its own ACL */
    int versioned = info.versioning != LH_VERSIONING_OFF;
    lh_store_bucket_clear(&info);
    if (!ok) {
        lh_store_meta_clear(&m);
        lh_buf_reset(&r->resp_body);
        return 0;
    }
    get_answer(r, &m, -1);
    if (!r->failed && versioned) lh__s3_version_header(r, m.version_id);
    lh_store_meta_clear(&m);
    lh_metrics_add("lakehouse_s3_without_worker_total",
                   is_get(r) ? "op=\"GetObject\"" : "op=\"HeadObject\"", 1);
    return 1;
}

/* The rows' work for GetObject and HeadObject (on a worker). */
void lh__s3_get_object(s3_req_t *r)
{
    get_work(r);
}

void lh__s3_head_object(s3_req_t *r)
{
    get_work(r);
}

/* 1 when an anonymous request asks for response-* overrides, with the error
 * prepared: as on AWS, only a signed request (header or presigned URL) may
 * rewrite the response headers, else anyone could have a public object
 * served as text/html from the store's origin. */
static int anonymous_overrides(s3_req_t *r)
{
    if (!r->anonymous) return 0;
    for (size_t i = 0; i < sizeof overrides / sizeof overrides[0]; i++) {
        if (!lh__s3_has_query(r, overrides[i][0])) continue;
        lh__s3_error(r, "InvalidRequest",
                     "Request specific response headers cannot be used for anonymous GET "
                     "requests.");
        return 1;
    }
    return 0;
}

/* The rows' start (loop thread): refused overrides, else from the read cache
 * when it can, else the row's work on a worker (both paths start here). */
void lh__s3_get_start(s3_req_t *r)
{
    if (anonymous_overrides(r) || get_cached(r))
        lh__s3_send(r);
    else
        lh__s3_submit(r, r->op->work, NULL);
}

void lh__s3_delete_object(s3_req_t *r)
{
    lh_err_t err = {0};
    lh_store_del_t d = {0};
    if (lh__s3_version_param(r, &d.version_id) < 0 ||
        lh__s3_authorize(r, r->bucket, d.version_id ? "s3:DeleteObjectVersion" : "s3:DeleteObject",
                         r->key, r->key_len, NULL))
        return;
    int rc = lh_store_delete_version(r->s3->st, r->bucket, r->key, r->key_len, &d, &err);
    lh__s3_result(r, rc, &err, 204);
    if (rc) return;
    lh__s3_version_header(r, d.version_id_out);
    if (d.delete_marker) lh__s3_set_hdr(r, "x-amz-delete-marker", "true");
}

/* ---- DeleteObjects ---- */

/* One <Object> of a DeleteObjects body: its <Deleted> or <Error> into out. */
static void delete_one(s3_req_t *r, const lh_store_bucket_t *info, const lh_xml_node_t *o,
                       int quiet, lh_buf_t *out)
{
    lh_err_t err = {0};
    const lh_xml_node_t *k = lh_xml_child(o, "Key"), *v = lh_xml_child(o, "VersionId");
    lh_store_del_t d = {.version_id = v ? v->text : NULL};
    const char *code = NULL, *msg = NULL;
    if (!k || k->text_len == 0)
        code = "MalformedXML";
    else if (k->text_len > LH_STORE_KEY_MAX)
        code = "KeyTooLongError";
    else if (v && !lh_store_version_id_valid(v->text))
        code = "InvalidArgument", msg = "Invalid version id specified";
    else if (!lh__s3_access(r, info, v ? "s3:DeleteObjectVersion" : "s3:DeleteObject", k->text,
                            k->text_len))
        code = "AccessDenied";
    else if (lh_store_delete_version(r->s3->st, r->bucket, k->text, k->text_len, &d, &err) != 0)
        code = "InternalError";
    if (code) {
        lh_buf_puts(out, "<Error>");
        if (k) lh__s3_xml_elemn(out, "Key", k->text, k->text_len);
        if (v) lh__s3_xml_elem(out, "VersionId", v->text);
        lh__s3_xml_elem(out, "Code", code);
        lh__s3_xml_elem(out, "Message", msg ? msg : code);
        lh_buf_puts(out, "</Error>");
        return;
    }
    if (quiet) return;
    lh_buf_puts(out, "<Deleted>");
    lh__s3_xml_elemn(out, "Key", k->text, k->text_len);
    if (v) lh__s3_xml_elem(out, "VersionId", v->text);
    if (d.delete_marker) {
        lh_buf_puts(out, "<DeleteMarker>true</DeleteMarker>");
        lh__s3_xml_elem(out, "DeleteMarkerVersionId", d.version_id_out);
    }
    lh_buf_puts(out, "</Deleted>");
}

void lh__s3_delete_objects(s3_req_t *r)
{
    lh_store_bucket_t info = {0};
    lh_err_t err = {0};
    lh_xml_node_t *root = NULL;
    const char *md5 = lh__s3_hdr(r, "content-md5");
    if (md5) {
        unsigned char want[16], got[16];
        if (lh_base64_decode(md5, strlen(md5), want, sizeof want) != 16) {
            lh__s3_error(r, "InvalidDigest", NULL);
            return;
        }
        lh_md5(r->body.ptr ? r->body.ptr : "", r->body.len, got);
        if (memcmp(want, got, 16)) {
            lh__s3_error(r, "BadDigest", NULL);
            return;
        }
    }
    int brc = lh_store_bucket_get(r->s3->st, r->bucket, &info);
    if (brc) {
        if (r->anonymous)
            lh__s3_error(r, "AccessDenied", NULL);
        else
            lh__s3_error_from(r, brc, (lh_err_set(&err, brc, "no such bucket"), &err));
        return;
    }
    lh_arena_t *a = lh_arena_new(8192);
    if (!a || lh_xml_parse(a, r->body.ptr ? r->body.ptr : "", r->body.len, &root, &err) != 0 ||
        !root || strcmp(root->name, "Delete")) {
        lh_arena_free(a);
        lh_store_bucket_clear(&info);
        lh__s3_error(r, "MalformedXML", NULL);
        return;
    }
    const lh_xml_node_t *q = lh_xml_child(root, "Quiet");
    int quiet = q && !strcmp(q->text, "true");
    int count = 0;
    for (const lh_xml_node_t *o = lh_xml_child(root, "Object"); o; o = lh_xml_next(o, "Object"))
        count++;
    if (count == 0 || count > 1000) {
        lh_arena_free(a);
        lh_store_bucket_clear(&info);
        lh__s3_error(r, "MalformedXML", NULL);
        return;
    }
    lh_buf_t out;
    lh_buf_init(&out, 64 << 20);
    lh__s3_xml_begin(&out, "DeleteResult");
    for (const lh_xml_node_t *o = lh_xml_child(root, "Object"); o; o = lh_xml_next(o, "Object"))
        delete_one(r, &info, o, quiet, &out);
    lh_buf_puts(&out, "</DeleteResult>");
    lh_buf_free(&r->resp_body);
    r->resp_body = out;
    lh__s3_set_hdr(r, "Content-Type", "application/xml");
    r->status = 200;
    lh_arena_free(a);
    lh_store_bucket_clear(&info);
}

/* ---- CopyObject ---- */

/* Splits x-amz-copy-source ("/b/k" or "b/k", %-encoded, optional
 * ?versionId=) into bucket, key (malloc'd) and version id (vid, "" when
 * none). 0, -1 (malformed), -2 (not UTF-8) or -3 (a malformed version id). */
static int copy_source(const char *src, char *bucket, size_t cap, char **key, size_t *key_len,
                       char *vid)
{
    vid[0] = 0;
    if (!src) return -1;
    lh_arena_t *a = lh_arena_new(1024);
    if (!a) return -1;
    if (*src == '/') src++;
    size_t n = strcspn(src, "?");
    char *dec = lh_http_pct_decode(a, (lh_str_t){src, n});
    if (dec && !lh_utf8_valid(dec, strlen(dec))) {
        lh_arena_free(a);
        return -2;
    }
    char *slash = dec ? strchr(dec, '/') : NULL;
    if (!slash || (size_t)(slash - dec) >= cap || !slash[1] ||
        strlen(slash + 1) > LH_STORE_KEY_MAX) {
        lh_arena_free(a);
        return -1;
    }
    if (src[n] == '?') {
        const char *q = src + n + 1;
        if (strncmp(q, "versionId=", 10) || strlen(q + 10) >= LH_STORE_VERSION_ID_SIZE ||
            !lh_store_version_id_valid(q + 10)) {
            lh_arena_free(a);
            return -3;
        }
        snprintf(vid, LH_STORE_VERSION_ID_SIZE, "%s", q + 10);
    }
    memcpy(bucket, dec, (size_t)(slash - dec));
    bucket[slash - dec] = 0;
    *key_len = strlen(slash + 1);
    *key = strdup(slash + 1);
    lh_arena_free(a);
    return *key ? 0 : -1;
}

/* Attrs for the copy: the source's (COPY) or the request's (REPLACE), with
 * the checksum recomputed when the source had one. */
static char *copy_attrs(s3_req_t *r, const char *src_attrs, int replace, int algo,
                        const char *ck_b64)
{
    char ck[256] = "";
    if (algo)
        snprintf(ck, sizeof ck, "{\"algo\":\"%s\",\"value\":\"%s\",\"type\":\"FULL_OBJECT\"}",
                 lh_cksum_algo_name(algo), ck_b64);
    if (replace) return lh__s3_attrs_from_headers(r, ck[0] ? ck : NULL);
    json_t *o = src_attrs ? json_loads(src_attrs, 0, NULL) : json_object();
    if (!o) o = json_object();
    static const char *const not_copied[] = {"checksums", "parts", "acl", "owner"};
    for (size_t i = 0; i < sizeof not_copied / sizeof not_copied[0]; i++)
        json_object_del(o, not_copied[i]);
    if (ck[0]) json_object_set_new(o, "checksums", json_loads(ck, 0, NULL));
    if (r->acl > S3_ACL_PRIVATE)
        json_object_set_new(o, "acl", json_string(lh__s3_acl_name(r->acl)));
    if (r->acl_owner[0]) json_object_set_new(o, "owner", json_string(r->acl_owner));
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static int source_algo(const char *attrs)
{
    json_t *o = attrs ? json_loads(attrs, 0, NULL) : NULL;
    const char *a =
        o ? json_string_value(json_object_get(json_object_get(o, "checksums"), "algo")) : NULL;
    int algo = a ? lh_cksum_algo_parse(a, strlen(a)) : 0;
    json_decref(o);
    return algo;
}

/* Authorizes reading the copy source: 0 granted by its bucket, 1 pending
 * on the source object's own ACL, -1 with the error prepared. */
static int source_authorize(s3_req_t *r, const char *bucket, const char *key, size_t klen,
                            const char *action, lh_store_bucket_t *info)
{
    lh_err_t err = {0};
    int rc = lh_store_bucket_get(r->s3->st, bucket, info);
    if (rc) {
        if (rc == LH_ENOENT && r->anonymous)
            lh__s3_error(r, "AccessDenied", NULL);
        else
            lh__s3_error_from(r, rc, (lh_err_set(&err, rc, "no such bucket"), &err));
        return -1;
    }
    int d = lh__s3_decide(r, info, action, key, klen);
    if (d < 0) {
        lh_store_bucket_clear(info);
        lh__s3_error(r, "AccessDenied", NULL);
    }
    return d < 0 ? -1 : d == 0;
}

/* Opens the source version (the current one when vid is ""), checking the
 * object's own ACL when the bucket left it pending. 0, or -1 with the error
 * prepared (*fd -1, *sm cleared). */
static int open_source(s3_req_t *r, const char *sbucket, const char *skey, size_t sklen,
                       const char *vid, const lh_store_bucket_t *sinfo, int pending,
                       lh_store_meta_t *sm, int *fd)
{
    lh_err_t err = {0};
    const char *action = vid[0] ? "s3:GetObjectVersion" : "s3:GetObject";
    int rc = vid[0] ? lh_store_version_get(r->s3->st, sbucket, skey, sklen, vid, sm, fd, &err)
                    : lh_store_get(r->s3->st, sbucket, skey, sklen, sm, fd, &err);
    if (pending && (rc || sm->delete_marker || !lh__s3_object_grants(r, sinfo, action, sm->attrs)))
        lh__s3_error(r, "AccessDenied", NULL), rc = -1;
    else if (rc)
        lh__s3_error_from(r, rc, &err), rc = -1;
    else if (sm->delete_marker)
        lh__s3_error(r, "InvalidRequest",
                     "The source of a copy request may not specifically refer to a delete marker "
                     "by version id."),
            rc = -1;
    if (rc) {
        if (*fd >= 0) close(*fd);
        *fd = -1;
        lh_store_meta_clear(sm);
    }
    return rc ? -1 : 0;
}

int lh__s3_open_copy_source(s3_req_t *r, lh_store_meta_t *sm, int *fd, int *same)
{
    static const char *const bad_source[] = {
        "", "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
        "Copy Source is not valid UTF-8", "Invalid version id specified"};
    lh_store_bucket_t sinfo = {0}, dinfo = {0};
    char sbucket[64], vid[LH_STORE_VERSION_ID_SIZE];
    char *skey = NULL;
    size_t sklen = 0;
    int rc = -1;
    *fd = -1;
    int crc = copy_source(lh__s3_hdr(r, "x-amz-copy-source"), sbucket, sizeof sbucket, &skey,
                          &sklen, vid);
    if (crc) {
        lh__s3_error(r, "InvalidArgument", bad_source[-crc]);
        return -1;
    }
    int pending = source_authorize(r, sbucket, skey, sklen,
                                   vid[0] ? "s3:GetObjectVersion" : "s3:GetObject", &sinfo);
    if (pending < 0 || lh__s3_authorize(r, r->bucket, "s3:PutObject", r->key, r->key_len, &dinfo))
        goto done;
    /* CopyObject takes an ACL for its new object; UploadPartCopy makes a part */
    int bad = !lh__s3_has_query(r, "uploadId") && lh__s3_write_acl(r, &dinfo);
    if (bad || open_source(r, sbucket, skey, sklen, vid, &sinfo, pending, sm, fd)) goto done;
    if (conditions(r, "x-amz-copy-source-if-", sm, 0)) {
        lh__s3_error(r, "PreconditionFailed", NULL);
        close(*fd);
        *fd = -1;
        lh_store_meta_clear(sm);
        goto done;
    }
    *same = !vid[0] && !strcmp(sbucket, r->bucket) && sklen == r->key_len &&
            !memcmp(skey, r->key, sklen);
    if (vid[0] || sinfo.versioning != LH_VERSIONING_OFF)
        lh__s3_set_hdr(r, "x-amz-copy-source-version-id", sm->version_id);
    rc = 0;
done:
    lh_store_bucket_clear(&dinfo);
    lh_store_bucket_clear(&sinfo);
    free(skey);
    return rc;
}

void lh__s3_copy_object(s3_req_t *r)
{
    lh_err_t err = {0};
    lh_store_meta_t sm = {0};
    int fd = -1, rc, same = 0;
    lh_store_writer_t *w = NULL;
    if (lh__s3_open_copy_source(r, &sm, &fd, &same)) return;
    const char *dir = lh__s3_hdr(r, "x-amz-metadata-directive");
    int replace = dir && !strcasecmp(dir, "REPLACE");
    if (dir && !replace && strcasecmp(dir, "COPY")) {
        lh__s3_error(r, "InvalidArgument", "Unknown metadata directive.");
        goto done;
    }
    if (!replace && same && !lh__s3_hdr(r, "x-amz-storage-class")) {
        lh__s3_error(r, "InvalidRequest",
                     "This copy request is illegal because it is trying to copy an object to "
                     "itself without changing the object's metadata, storage class, website "
                     "redirect location or encryption attributes.");
        goto done;
    }
    const char *ca = lh__s3_hdr(r, "x-amz-checksum-algorithm");
    int algo = ca ? lh_cksum_algo_parse(ca, strlen(ca)) : source_algo(sm.attrs);
    lh_cksum_t ck = {0};
    if (algo && lh_cksum_init(&ck, algo) != 0) algo = 0;
    unsigned char md5[16], d[32];
    char ck_b64[96] = "";
    rc = lh_store_put_begin(r->s3->st, r->bucket, &w, &err);
    if (!rc) rc = lh__s3_copy_body(fd, 0, sm.size, w, md5, algo ? &ck : NULL, &err);
    if (algo) {
        size_t n = lh_cksum_final(&ck, d);
        lh_base64_encode(d, n, ck_b64);
    }
    if (rc) {
        lh__s3_error_from(r, rc, &err);
        goto done;
    }
    lh_store_meta_t m = {0};
    lh_hex(md5, 16, m.etag);
    m.attrs = copy_attrs(r, sm.attrs, replace, algo, ck_b64);
    lh_store_put_cond_t cond = {0};
    const char *inm = lh__s3_hdr(r, "if-none-match");
    cond.if_none_match_any = inm && !strcmp(inm, "*");
    rc = lh_store_put_commit(w, r->key, r->key_len, &m, &cond, &err);
    w = NULL;
    free(m.attrs);
    if (rc) {
        lh__s3_error_from(r, rc, &err);
        goto done;
    }
    lh_buf_t *b = &r->resp_body;
    lh__s3_version_header(r, m.version_id);
    lh__s3_copy_result(r, "CopyObjectResult", m.etag);
    if (algo) {
        char tag[32];
        snprintf(tag, sizeof tag, "Checksum%s", lh_cksum_algo_name(algo));
        lh__s3_xml_elem(b, tag, ck_b64);
    }
    lh_buf_puts(b, "</CopyObjectResult>");
    lh_notify_object_created(r->bucket, r->key, r->key_len);
done:
    if (w) lh_store_put_abort(w);
    if (fd >= 0) close(fd);
    lh_store_meta_clear(&sm);
}
