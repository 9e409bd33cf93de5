/* Remote S3 back end of the object-store interface: any S3, MinIO or our own
 * server (the transport: objstore_s3_http.c; listing: objstore_s3_list.c).
 * This file: the operations (get, put, head, delete, multipart), opening and
 * closing. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/crypto.h"
#include "core/str.h"
#include "core/url.h"
#include "store/objstore_s3_int.h"

static int s3_bucket_create(void *impl, const char *bucket, lh_err_t *err)
{
    s3_t *s = impl;
    s3_req_t q = REQ("PUT", bucket, NULL);
    lh_buf_t body;
    lh_buf_init(&body, 4096);
    q.has_body = 1;
    q.body = "";
    if (strcmp(s->region, "us-east-1") != 0) {
        lh_buf_puts(&body, "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/"
                           "2006-03-01/\"><LocationConstraint>");
        lh_buf_xml_escape(&body, s->region, strlen(s->region));
        lh_buf_puts(&body, "</LocationConstraint></CreateBucketConfiguration>");
        q.body = body.ptr;
        q.body_len = body.len;
    }
    int rc = lh__os3_run(s, &q, err);
    lh_buf_free(&body);
    return rc;
}

static int drop_sink(void *arg, const void *data, size_t n)
{
    (void)arg;
    (void)data;
    (void)n;
    return 0;
}

static int s3_head(void *impl, const char *bucket, const char *key, lh_objstore_meta_t *out,
                   lh_err_t *err);

static int s3_get(void *impl, const char *bucket, const char *key, int64_t off, int64_t len,
                  int (*sink)(void *arg, const void *data, size_t n), void *arg,
                  lh_objstore_meta_t *meta, lh_err_t *err)
{
    s3_t *s = impl;
    s3_req_t q = REQ("GET", bucket, key);
    char range[64];
    lh_http_header_t h = {LH_STR("range"), {range, 0}};
    int ranged = !(off == 0 && len == -1);
    if (ranged) {
        if (off < 0)
            snprintf(range, sizeof range, "bytes=%lld", (long long)off); /* "bytes=-N" */
        else if (len == -1)
            snprintf(range, sizeof range, "bytes=%lld-", (long long)off);
        else
            snprintf(range, sizeof range, "bytes=%lld-%lld", (long long)off,
                     (long long)(off + len - 1));
        h.value.len = strlen(range);
        q.hdrs = &h;
        q.nhdrs = 1;
        q.skip = off < 0 ? 0 : off; /* only applied if the server ignores Range (200) */
        q.limit = len;
        q.suffix = off < 0 ? -off : 0;
    }
    q.idempotent = 1;
    q.sink = sink;
    q.sink_arg = arg;
    if (!q.sink) q.sink = drop_sink;
    s3_resp_t r;
    int rc = lh__os3_call(s, &q, &r, err);
    if (rc == 0 && r.status == 206) {
        lh__os3_meta_from_resp(&r, r.range_total, meta);
    } else if (rc == 0) {
        lh__os3_meta_from_resp(&r, r.seen, meta);
        if (ranged && off >= 0 && off >= r.seen)
            rc = lh_err_set(err, LH_EINVAL, "range not satisfiable: offset %lld, size %lld",
                            (long long)off, (long long)r.seen);
    }
    if (rc == LH_EINVAL && q.suffix && r.status == 416 && r.range_total == 0)
        rc = s3_head(s, bucket, key, meta, err); /* a 416 for a suffix of an empty object */
    if (rc == LH_EPROTO && r.no_length)
        lh_err_set(err, rc, "s3 GET %s/%s: a suffix range answered in full without a length",
                   bucket, key);
    lh_buf_free(&r.body);
    return rc;
}

/* PUTs q's body or fd (size bytes) as content_type; if_absent adds
 * If-None-Match: * and makes the request non-idempotent. */
static int put_object(s3_t *s, s3_req_t *q, const char *content_type,
                      const lh_objstore_cond_t *cond, int64_t size, lh_objstore_meta_t *out,
                      lh_err_t *err)
{
    char im[96];
    lh_http_header_t h[2] = {{LH_STR("content-type"), {content_type, strlen(content_type)}}};
    q->nhdrs = 1;
    if (cond && cond->if_match) { /* names sorted: content-type, if-match, if-none-match */
        snprintf(im, sizeof im, "\"%s\"", cond->if_match);
        h[q->nhdrs++] = (lh_http_header_t){LH_STR("if-match"), {im, strlen(im)}};
    } else if (cond && cond->if_none_match_star) {
        h[q->nhdrs++] = (lh_http_header_t){LH_STR("if-none-match"), LH_STR("*")};
    }
    q->hdrs = h;
    q->idempotent = !cond; /* a retried conditional put could fail on its own write */
    s3_resp_t r;
    int rc = lh__os3_call(s, q, &r, err);
    if (rc == 0) {
        lh_str_copy(r.content_type, sizeof r.content_type,
                    (lh_str_t){content_type, strlen(content_type)});
        lh__os3_meta_from_resp(&r, size, out);
    }
    lh_buf_free(&r.body);
    return rc;
}

static int s3_put(void *impl, const char *bucket, const char *key, const void *data, size_t n,
                  const char *content_type, const lh_objstore_cond_t *cond, lh_objstore_meta_t *out,
                  lh_err_t *err)
{
    s3_req_t q = REQ("PUT", bucket, key);
    q.has_body = 1;
    q.body = data ? data : "";
    q.body_len = n;
    return put_object(impl, &q, content_type, cond, (int64_t)n, out, err);
}

static int s3_put_fd(void *impl, const char *bucket, const char *key, int fd, int64_t size,
                     const char *content_type, lh_objstore_meta_t *out, lh_err_t *err)
{
    s3_req_t q = REQ("PUT", bucket, key);
    lh_dio_reader_t rd;
    lh_dio_reader_init(&rd, fd);
    q.fd = fd;
    q.fd_size = size;
    q.rd = &rd;
    int rc = put_object(impl, &q, content_type, NULL, size, out, err);
    lh_dio_reader_free(&rd);
    return rc;
}

static int s3_head(void *impl, const char *bucket, const char *key, lh_objstore_meta_t *out,
                   lh_err_t *err)
{
    s3_req_t q = REQ("HEAD", bucket, key);
    q.idempotent = 1;
    s3_resp_t r;
    int rc = lh__os3_call(impl, &q, &r, err);
    if (rc == 0) lh__os3_meta_from_resp(&r, r.content_length, out);
    lh_buf_free(&r.body);
    return rc;
}

static int s3_del(void *impl, const char *bucket, const char *key, lh_err_t *err)
{
    s3_req_t q = REQ("DELETE", bucket, key);
    q.idempotent = 1;
    return lh__os3_run(impl, &q, err);
}

/* --- copy --- */

/* CopyObject: PUT dst with x-amz-copy-source "/bucket/key" (%-encoded, '/'
 * kept). The reply is a CopyObjectResult, or an <Error> inside a 200; out
 * comes from a HEAD of the new object, which also gives its size. */
static int s3_copy(void *impl, const char *src_bucket, const char *src_key, const char *dst_bucket,
                   const char *dst_key, lh_objstore_meta_t *out, lh_err_t *err)
{
    lh_buf_t src;
    lh_buf_init(&src, 8192);
    lh_buf_puts(&src, "/");
    lh_url_encode(&src, (lh_str_t){src_bucket, strlen(src_bucket)}, 0);
    lh_buf_puts(&src, "/");
    lh_url_encode(&src, (lh_str_t){src_key, strlen(src_key)}, LH_URL_KEEP_SLASH);
    s3_req_t q = REQ("PUT", dst_bucket, dst_key);
    lh_http_header_t h = {LH_STR("x-amz-copy-source"), {src.ptr, src.len}};
    q.hdrs = &h;
    q.nhdrs = 1;
    q.has_body = 1;
    q.body = "";
    q.idempotent = 1; /* copying again gives the same object */
    s3_resp_t r;
    lh_buf_init(&r.body, 0);
    int rc = lh_buf_err(&src) ? lh_err_set(err, LH_ETOOBIG, "copy source too long") : 0;
    rc = rc ? rc : lh__os3_call(impl, &q, &r, err);
    if (rc == 0 && lh__os3_is_error_doc(&r)) rc = lh__os3_error(&q, &r, err);
    if (rc == 0 && out) rc = s3_head(impl, dst_bucket, dst_key, out, err);
    lh_buf_free(&r.body);
    lh_buf_free(&src);
    return rc;
}

/* --- delete many --- */

/* 0 when key has a byte XML 1.0 cannot carry (or would normalise: CR). */
static int xml_safe(const char *key)
{
    for (; *key; key++)
        if ((unsigned char)*key < 0x20 && *key != '\t' && *key != '\n') return 0;
    return 1;
}

/* The <Delete> document of the keys XML can carry; *nkeys gets how many. */
static int delete_body(lh_buf_t *b, const char *const *keys, size_t n, size_t *nkeys)
{
    lh_buf_puts(b, "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>");
    *nkeys = 0;
    for (size_t i = 0; i < n; i++) {
        if (!xml_safe(keys[i])) continue;
        ++*nkeys;
        lh_buf_puts(b, "<Object><Key>");
        lh_buf_xml_escape(b, keys[i], strlen(keys[i]));
        lh_buf_puts(b, "</Key></Object>");
    }
    return lh_buf_puts(b, "</Delete>"); /* the sticky error, if any */
}

/* The first <Error> of a DeleteResult (quiet: only failures are listed;
 * NoSuchKey would not be one) as an LH_E* code naming its key. */
static int delete_result(const s3_req_t *q, const s3_resp_t *r, lh_err_t *err)
{
    lh_arena_t *a;
    const lh_xml_node_t *root;
    int rc = lh__os3_resp_xml(&a, r, "delete objects", &root, err);
    if (rc == 0 && strcmp(root->name, "Error") == 0) rc = lh__os3_error(q, r, err);
    for (const lh_xml_node_t *e = rc ? NULL : lh_xml_child(root, "Error"); e && rc == 0;
         e = lh_xml_next(e, "Error")) {
        const char *code = lh__os3_child_text(e, "Code");
        if (strcmp(code, "NoSuchKey") == 0) continue;
        rc = lh_err_set(err, lh__os3_code(code, 0), "s3 cannot delete %s/%.1024s: %.127s: %.255s",
                        q->bucket, lh__os3_child_text(e, "Key"), code,
                        lh__os3_child_text(e, "Message"));
    }
    lh_arena_free(a);
    return rc;
}

/* DeleteObjects (POST ?delete) of up to LH_OBJSTORE_DELETE_BATCH keys, with
 * the Content-MD5 S3 requires. A key with a control byte XML cannot carry
 * (or would turn CR into LF) is deleted on its own with DeleteObject. */
static int s3_delete_many(void *impl, const char *bucket, const char *const *keys, size_t n,
                          lh_err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        lh_err_t kerr = {0};
        int krc = xml_safe(keys[i]) ? 0 : s3_del(impl, bucket, keys[i], &kerr);
        if (krc) return lh_err_set(err, krc, "cannot delete a key: %s", kerr.msg);
    }
    lh_buf_t body;
    lh_buf_init(&body, 0);
    unsigned char md5[16];
    char md5_b64[32];
    size_t nkeys = 0;
    int rc = delete_body(&body, keys, n, &nkeys);
    if (rc || nkeys == 0) {
        lh_buf_free(&body);
        return rc ? lh_err_set(err, rc, "cannot build delete request") : 0;
    }
    lh_md5(body.ptr, body.len, md5);
    size_t bl = lh_base64_encode(md5, sizeof md5, md5_b64);
    s3_req_t q = REQ("POST", bucket, NULL);
    lh_http_header_t h = {LH_STR("content-md5"), {md5_b64, bl}};
    q.hdrs = &h;
    q.nhdrs = 1;
    q.query = "delete=";
    q.has_body = 1;
    q.body = body.ptr;
    q.body_len = body.len;
    q.idempotent = 1;
    s3_resp_t r;
    rc = lh__os3_call(impl, &q, &r, err);
    if (rc == 0) rc = delete_result(&q, &r, err);
    lh_buf_free(&r.body);
    lh_buf_free(&body);
    return rc;
}

/* --- multipart --- */

/* Sets q's query to [partNumber=N&]uploadId=... built in qb (the caller
 * frees qb, also on error). */
static int upload_query(s3_req_t *q, lh_buf_t *qb, int part_number, const char *upload_id,
                        lh_err_t *err)
{
    lh_buf_init(qb, 4096);
    int rc = part_number ? lh_buf_printf(qb, "partNumber=%d", part_number) : 0;
    rc = rc ? rc : lh__os3_query_param(qb, "uploadId", upload_id);
    q->query = qb->ptr;
    return rc ? lh_err_set(err, LH_ETOOBIG, "upload id too long") : 0;
}

/* Copies the UploadId of an InitiateMultipartUploadResult. */
static int upload_id_from(const s3_resp_t *r, char *upload_id, size_t cap, lh_err_t *err)
{
    lh_arena_t *a;
    const lh_xml_node_t *root;
    int rc = lh__os3_resp_xml(&a, r, "initiate multipart", &root, err);
    const lh_xml_node_t *id = rc ? NULL : lh_xml_child(root, "UploadId");
    if (rc == 0 && (!id || !id->text_len))
        rc = lh_err_set(err, LH_EPROTO, "s3 initiate multipart reply without UploadId");
    else if (rc == 0 && lh_str_copy(upload_id, cap, (lh_str_t){id->text, id->text_len}) != 0)
        rc = lh_err_set(err, LH_ETOOBIG, "upload id buffer too small");
    lh_arena_free(a);
    return rc;
}

static int s3_mpu_create(void *impl, const char *bucket, const char *key, const char *content_type,
                         char *upload_id, size_t cap, lh_err_t *err)
{
    s3_req_t q = REQ("POST", bucket, key);
    lh_http_header_t h = {LH_STR("content-type"), {content_type, strlen(content_type)}};
    q.hdrs = &h;
    q.nhdrs = 1;
    q.query = "uploads=";
    q.has_body = 1;
    q.body = "";
    s3_resp_t r;
    int rc = lh__os3_call(impl, &q, &r, err);
    if (rc == 0) rc = upload_id_from(&r, upload_id, cap, err);
    lh_buf_free(&r.body);
    return rc;
}

static int s3_mpu_put_part(void *impl, const char *bucket, const char *key, const char *upload_id,
                           int part_number, const void *data, size_t n, char *etag_out,
                           lh_err_t *err)
{
    s3_req_t q = REQ("PUT", bucket, key);
    q.has_body = 1;
    q.body = data ? data : "";
    q.body_len = n;
    q.idempotent = 1;
    lh_buf_t qb;
    s3_resp_t r;
    lh_buf_init(&r.body, 0);
    int rc = upload_query(&q, &qb, part_number, upload_id, err);
    rc = rc ? rc : lh__os3_call(impl, &q, &r, err);
    if (rc == 0 && !r.etag[0]) rc = lh_err_set(err, LH_EPROTO, "s3 upload part reply without ETag");
    if (rc == 0 && etag_out) memcpy(etag_out, r.etag, strlen(r.etag) + 1);
    lh_buf_free(&r.body);
    lh_buf_free(&qb);
    return rc;
}

static int complete_body(lh_buf_t *b, const char *const *etags, int nparts)
{
    lh_buf_puts(b, "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
    for (int i = 0; i < nparts; i++) {
        const char *e = etags[i] ? etags[i] : "";
        char bare[80];
        lh__os3_etag_unquote(bare, sizeof bare, e, strlen(e));
        lh_buf_puts(b, "<Part><ETag>&quot;");
        lh_buf_xml_escape(b, bare, strlen(bare));
        lh_buf_printf(b, "&quot;</ETag><PartNumber>%d</PartNumber></Part>", i + 1);
    }
    return lh_buf_puts(b, "</CompleteMultipartUpload>"); /* the sticky error, if any */
}

static int s3_mpu_complete(void *impl, const char *bucket, const char *key, const char *upload_id,
                           const char *const *etags, int nparts, lh_objstore_meta_t *out,
                           lh_err_t *err)
{
    s3_req_t q = REQ("POST", bucket, key);
    lh_buf_t qb, body;
    lh_buf_init(&body, (size_t)nparts * 128 + 256);
    s3_resp_t r;
    lh_buf_init(&r.body, 0);
    int rc = upload_query(&q, &qb, 0, upload_id, err);
    if (rc == 0 && complete_body(&body, etags, nparts) != 0)
        rc = lh_err_set(err, LH_ETOOBIG, "complete multipart request too long");
    q.has_body = 1;
    q.body = body.ptr;
    q.body_len = body.len;
    rc = rc ? rc : lh__os3_call(impl, &q, &r, err);
    if (rc == 0 && lh__os3_is_error_doc(&r)) rc = lh__os3_error(&q, &r, err);
    if (rc == 0 && out) rc = s3_head(impl, bucket, key, out, err);
    lh_buf_free(&r.body);
    lh_buf_free(&qb);
    lh_buf_free(&body);
    return rc;
}

static int s3_mpu_abort(void *impl, const char *bucket, const char *key, const char *upload_id,
                        lh_err_t *err)
{
    s3_req_t q = REQ("DELETE", bucket, key);
    q.idempotent = 1;
    lh_buf_t qb;
    int rc = upload_query(&q, &qb, 0, upload_id, err);
    rc = rc ? rc : lh__os3_run(impl, &q, err);
    lh_buf_free(&qb);
    return rc;
}

static void s3_close(void *impl)
{
    s3_t *s = impl;
    if (!s) return;
    lh__os3_pool_free(s);
    memset(s->sk, 0, sizeof s->sk);
    free(s->ca_bundle);
    free(s->unix_socket);
    free(s);
}

static const lh_objstore_ops_t s3_ops = {
    .kind = "s3",
    .close = s3_close,
    .bucket_create = s3_bucket_create,
    .get = s3_get,
    .put = s3_put,
    .put_fd = s3_put_fd,
    .head = s3_head,
    .del = s3_del,
    .list = lh__os3_list,
    .copy = s3_copy,
    .delete_many = s3_delete_many,
    .mpu_create = s3_mpu_create,
    .mpu_put_part = s3_mpu_put_part,
    .mpu_complete = s3_mpu_complete,
    .mpu_abort = s3_mpu_abort,
};

/* "http(s)://host[:port][/]" -> scheme and host[:port] without a default port. */
static int parse_endpoint(s3_t *s, const char *endpoint, lh_err_t *err)
{
    const char *rest;
    if (strncasecmp(endpoint, "http://", 7) == 0) {
        memcpy(s->scheme, "http", 5);
        rest = endpoint + 7;
    } else if (strncasecmp(endpoint, "https://", 8) == 0) {
        memcpy(s->scheme, "https", 6);
        rest = endpoint + 8;
    } else {
        return lh_err_set(err, LH_EINVAL, "invalid s3 endpoint %s: want http(s)://host[:port]",
                          endpoint);
    }
    size_t n = strcspn(rest, "/?#");
    if (n == 0 || (rest[n] && strcmp(rest + n, "/") != 0) || memchr(rest, '@', n))
        return lh_err_set(err, LH_EINVAL, "invalid s3 endpoint %s: want http(s)://host[:port]",
                          endpoint);
    const char *dflt = s->scheme[4] == 's' ? ":443" : ":80";
    size_t dl = strlen(dflt);
    if (n > dl && memcmp(rest + n - dl, dflt, dl) == 0) n -= dl;
    if (lh_str_copy(s->hostport, sizeof s->hostport, (lh_str_t){rest, n}) != 0)
        return lh_err_set(err, LH_EINVAL, "invalid s3 endpoint %s: host too long", endpoint);
    return 0;
}

int lh_objstore_open_s3(lh_objstore_t **out, const lh_objstore_s3_opts_t *o, lh_err_t *err)
{
    if (!o->endpoint || !o->access_key || !o->secret_key)
        return lh_err_set(err, LH_EINVAL, "s3 endpoint and keys are required");
    const char *region = o->region && *o->region ? o->region : "us-east-1";
    s3_t *s = calloc(1, sizeof *s);
    if (!s) return lh_err_set(err, LH_ENOMEM, "cannot allocate s3 object store");
    int rc = lh__os3_pool_init(s, err);
    rc = rc ? rc : parse_endpoint(s, o->endpoint, err);
    if (rc) goto fail;
    if (lh_str_copy(s->region, sizeof s->region, (lh_str_t){region, strlen(region)}) ||
        lh_str_copy(s->ak, sizeof s->ak, (lh_str_t){o->access_key, strlen(o->access_key)}) ||
        lh_str_copy(s->sk, sizeof s->sk, (lh_str_t){o->secret_key, strlen(o->secret_key)})) {
        rc = lh_err_set(err, LH_EINVAL, "s3 region or keys too long");
        goto fail;
    }
    s->path_style = o->path_style;
    if ((o->ca_bundle && *o->ca_bundle && !(s->ca_bundle = strdup(o->ca_bundle))) ||
        (o->unix_socket && *o->unix_socket && !strcmp(s->scheme, "http") &&
         !(s->unix_socket = strdup(o->unix_socket)))) {
        rc = lh_err_set(err, LH_ENOMEM, "out of memory");
        goto fail;
    }
    return lh_objstore_wrap(out, &s3_ops, s, err);
fail:
    s3_close(s);
    return rc;
}

int lh_objstore_open_lake(lh_objstore_t **out, const lh_config_t *cfg, lh_err_t *err)
{
    lh_objstore_s3_opts_t o = {
        .endpoint = lh_config_get(cfg, "lake.endpoint"),
        .region = lh_config_get(cfg, "lake.region"),
        .access_key = lh_config_get(cfg, "lake.access_key"),
        .secret_key = lh_config_get(cfg, "lake.secret_key"),
        .path_style = lh_config_bool(cfg, "lake.path_style"),
        .ca_bundle = lh_config_get(cfg, "lake.ca_bundle"),
        .unix_socket = lh_config_get(cfg, "lake.unix_socket"),
    };
    *out = NULL;
    if (!*o.endpoint)
        return lh_err_set(err, LH_ENOENT,
                          "no lake endpoint: set lake.endpoint (AWS_ENDPOINT_URL or "
                          "LAKEHOUSE_S3_ENDPOINT)");
    if (!*o.access_key || !*o.secret_key)
        return lh_err_set(err, LH_EINVAL,
                          "no lake credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                          "(or LAKEHOUSE_ACCESS_KEY and LAKEHOUSE_SECRET_KEY)");
    return lh_objstore_open_s3(out, &o, err);
}
