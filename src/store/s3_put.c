/* Streamed uploads (PutObject, UploadPart): the body arrives slice by slice
 * from the HTTP server; each slice goes to a worker that decodes aws-chunked
 * framing (verifying chunk signatures), updates MD5 / SHA-256 / the requested
 * checksum and appends to the store writer; only then is the next slice asked
 * for, so a slow disk slows the client instead of growing memory. At the end
 * the digests are checked (Content-MD5, x-amz-content-sha256, x-amz-checksum-*
 * from headers or trailers) and the object or part is committed durably. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/notify.h"
#include "store/s3_int.h"

#define SMALL_PUT ((int64_t)64 << 10)
#define MAX_PUT ((int64_t)5 << 30) /* S3's largest single PUT, and largest part */

static int is_hex64(const char *s)
{
    if (strlen(s) != 64) return 0;
    for (int i = 0; i < 64; i++)
        if (!strchr("0123456789abcdef", s[i])) return 0;
    return 1;
}

/* Reads the payload mode and digests asked for by the headers. -1 on error. */
static int put_setup(s3_req_t *r)
{
    s3_put_t *p = &r->put;
    lh_http_req_t *h = r->http;
    const char *sha = lh__s3_hdr(r, "x-amz-content-sha256");
    int mode = -1, trailer = 0;
    p->decoded_expect = -1;
    if (h->content_length < 0 && !h->chunked) {
        lh__s3_error(r, "MissingContentLength", NULL);
        return -1;
    }
    if (sha && r->sig.kind != LH_SIG_ANON) {
        if (!strcmp(sha, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"))
            mode = LH_AWSCHUNKED_SIGNED;
        else if (!strcmp(sha, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"))
            mode = LH_AWSCHUNKED_SIGNED, trailer = 1;
        else if (!strcmp(sha, "STREAMING-UNSIGNED-PAYLOAD-TRAILER"))
            mode = LH_AWSCHUNKED_UNSIGNED, trailer = 1;
        else if (is_hex64(sha)) {
            p->have_sha256 = 1;
            snprintf(p->sha256_expect, sizeof p->sha256_expect, "%s", sha);
        } else if (strcmp(sha, "UNSIGNED-PAYLOAD")) {
            lh__s3_error(r, "InvalidArgument",
                         "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-*, or a valid "
                         "sha256 value.");
            return -1;
        }
    }
    if (mode == LH_AWSCHUNKED_SIGNED && r->sig.kind != LH_SIG_V4_HEADER) {
        lh__s3_error(r, "InvalidRequest", "streaming signed payloads need header authentication");
        return -1;
    }
    const char *dl = lh__s3_hdr(r, "x-amz-decoded-content-length");
    if (dl && lh_parse_i64(dl, &p->decoded_expect) != 0) {
        lh__s3_error(r, "InvalidArgument", "invalid x-amz-decoded-content-length");
        return -1;
    }
    /* refused from the headers, before a byte of the body is read; a body of
     * unknown length is stopped at the limit by consume() */
    if (p->decoded_expect > MAX_PUT || (mode < 0 && h->content_length > MAX_PUT)) {
        lh__s3_error(r, "EntityTooLarge", NULL);
        return -1;
    }
    if (mode >= 0 && lh_awschunked_new(&p->chunked, mode, trailer, &r->sig) != 0) {
        lh__s3_error(r, "InternalError", NULL);
        return -1;
    }
    const char *md5 = lh__s3_hdr(r, "content-md5");
    if (md5) {
        if (lh_base64_decode(md5, strlen(md5), p->md5_expect, sizeof p->md5_expect) != 16) {
            lh__s3_error(r, "InvalidDigest", NULL);
            return -1;
        }
        p->have_md5 = 1;
    }
    if (lh__s3_checksum_setup(r, p) != 0) return -1;
    if (lh_cksum_init(&p->md5, LH_CK_MD5) != 0 ||
        (p->have_sha256 && lh_cksum_init(&p->sha256, LH_CK_SHA256) != 0)) {
        lh__s3_error(r, "InternalError", NULL);
        return -1;
    }
    return 0;
}

/* 1 when a PutObject may be authorized on the loop thread: the bucket row is
 * cached and allows the caller to write (put_on_loop). */
static int loop_may_put(s3_req_t *r)
{
    lh_store_bucket_t info;
    /* an ACL to check (or refuse) goes the worker's way */
    if (r->put.part || lh__s3_hdr(r, "x-amz-acl") || lh__s3_grant_header(r) ||
        lh_store_cached_bucket(r->s3->st, r->bucket, &info) != 0)
        return 0;
    int ok = lh__s3_access(r, &info, "s3:PutObject", r->key, r->key_len) &&
             lh__s3_write_acl(r, &info) == 0; /* the object's owner */
    lh_store_bucket_clear(&info);
    return ok;
}

static void begin_work(s3_req_t *r)
{
    lh_err_t err = {0};
    lh_store_bucket_t info = {0};
    int rc;
    if (lh__s3_authorize(r, r->bucket, r->op->action, r->key, r->key_len, &info)) return;
    rc = r->put.part ? 0 : lh__s3_write_acl(r, &info);
    lh_store_bucket_clear(&info);
    if (rc) return;
    if (r->put.part) {
        lh_store_mpu_t u = {0};
        rc = lh_store_mpu_get(r->s3->st, r->bucket, lh__s3_query(r, "uploadId"), &u, &err);
        if (!rc && (u.key_len != r->key_len || memcmp(u.key, r->key, r->key_len)))
            rc = lh_err_set(&err, LH_ENOENT, "no such upload");
        lh_store_mpu_clear(&u);
        if (!rc)
            rc = lh_store_part_begin(r->s3->st, r->bucket, lh__s3_query(r, "uploadId"), &r->put.w,
                                     &err);
    } else {
        rc = lh_store_put_begin(r->s3->st, r->bucket, &r->put.w, &err);
    }
    if (rc) lh__s3_error_from(r, rc, &err);
}

static void begin_done(s3_req_t *r)
{
    if (r->failed) {
        lh__s3_send(r);
        return;
    }
    lh_http_body_read(r->http);
}

static void put_start(s3_req_t *r)
{
    lh_http_req_t *h = r->http;
    if ((r->put.part && lh__s3_part_number(r) < 0) || put_setup(r) != 0) {
        lh__s3_send(r);
        return;
    }
    /* A client that asked for 100-continue waits for our verdict before it
     * sends the body, so authorize first (on the loop when the bucket row is
     * cached, see put_on_loop); a small body otherwise costs one trip through
     * the pool in all (see small_work). */
    if (!h->chunked && h->content_length >= 0 && h->content_length <= SMALL_PUT &&
        (!h->expect_continue || loop_may_put(r))) {
        r->put.small = 1;
        lh_http_body_read(h);
        return;
    }
    lh__s3_submit(r, begin_work, begin_done);
}

void lh__s3_put_object_start(s3_req_t *r)
{
    put_start(r);
}

void lh__s3_upload_part_start(s3_req_t *r)
{
    r->put.part = 1;
    put_start(r);
}

/* Decoded payload bytes: digest and append. */
static int consume(void *arg, const char *data, size_t n)
{
    s3_req_t *r = arg;
    s3_put_t *p = &r->put;
    lh_err_t err = {0};
    lh_cksum_update(&p->md5, data, n);
    if (p->have_sha256) lh_cksum_update(&p->sha256, data, n);
    if (p->ck_algo) lh_cksum_update(&p->ck, data, n);
    p->bytes += (int64_t)n;
    if (p->bytes > MAX_PUT) {
        lh__s3_error(r, "EntityTooLarge", NULL);
        return LH_ETOOBIG;
    }
    int rc = lh_store_put_write(p->w, data, n, &err);
    if (rc) lh__s3_error_from(r, rc, &err);
    return rc;
}

static void chunk_work(s3_req_t *r)
{
    s3_put_t *p = &r->put;
    lh_err_t err = {0};
    if (!p->chunked) {
        consume(r, p->slice, p->slice_len);
        return;
    }
    int rc = lh_awschunked_feed(p->chunked, p->slice, p->slice_len, consume, r, &err);
    if (rc && !r->failed) {
        lh_log(LH_LOG_INFO, r->reqid, "aws-chunked body rejected: %s", err.msg);
        if (rc == LH_EAUTH)
            lh__s3_error(r, "SignatureDoesNotMatch", NULL);
        else
            lh__s3_error(r, "IncompleteBody", err.msg[0] ? err.msg : NULL);
    }
}

static void chunk_done(s3_req_t *r)
{
    if (r->failed) {
        lh__s3_send(r);
        return;
    }
    lh_http_body_next(r->http);
}

void lh__s3_put_body(s3_req_t *r, const char *data, size_t len)
{
    if (r->failed || r->put.small) { /* already answered (drain), or a small body */
        if (!r->failed && lh_buf_append(&r->body, data, len) != 0)
            lh__s3_error(r, "IncompleteBody", "the body is longer than its Content-Length");
        lh_http_body_next(r->http);
        return;
    }
    r->put.slice = data;
    r->put.slice_len = len;
    lh__s3_submit(r, chunk_work, chunk_done);
}

/* Checks every digest the client gave us. 0 or -1 with the error prepared. */
static int verify_digests(s3_req_t *r, unsigned char *md5, char *ck_b64, size_t cap)
{
    s3_put_t *p = &r->put;
    unsigned char d[32];
    char hex[65];
    lh_cksum_final(&p->md5, md5);
    if (p->have_md5 && memcmp(md5, p->md5_expect, 16)) {
        lh__s3_error(r, "BadDigest", NULL);
        return -1;
    }
    if (p->have_sha256) {
        lh_cksum_final(&p->sha256, d);
        lh_hex(d, 32, hex);
        if (strcmp(hex, p->sha256_expect)) {
            lh__s3_error(r, "XAmzContentSHA256Mismatch", NULL);
            return -1;
        }
    }
    ck_b64[0] = 0;
    if (p->ck_algo) {
        size_t n = lh_cksum_final(&p->ck, d);
        lh_base64_encode(d, n, ck_b64);
        const char *want = p->ck_expect;
        if (p->ck_from_trailer)
            want = p->chunked ? lh_awschunked_trailer(p->chunked, lh__s3_cksum_header(p->ck_algo))
                              : NULL;
        if (p->ck_from_trailer && !want) {
            lh__s3_error(r, "InvalidRequest",
                         "the checksum trailer announced in x-amz-trailer is missing");
            return -1;
        }
        if (want && want[0] && strcmp(want, ck_b64)) {
            char msg[160];
            snprintf(msg, sizeof msg, "The %s you specified did not match the calculated checksum.",
                     lh_cksum_algo_name(p->ck_algo));
            lh__s3_error(r, "BadDigest", msg);
            return -1;
        }
    }
    (void)cap;
    return 0;
}

/* Checks what the whole body must satisfy and fills p->etag and p->ck_b64.
 * 0, or -1 with the error prepared. */
static int body_checks(s3_req_t *r, char *cksum_json, size_t cap)
{
    s3_put_t *p = &r->put;
    unsigned char md5[16];
    cksum_json[0] = 0;
    if (p->chunked && !lh_awschunked_done(p->chunked)) {
        lh__s3_error(r, "IncompleteBody", "the aws-chunked body ended before its final chunk");
        return -1;
    }
    if (p->decoded_expect >= 0 && p->decoded_expect != p->bytes) {
        lh__s3_error(r, "IncompleteBody", NULL);
        return -1;
    }
    if (verify_digests(r, md5, p->ck_b64, sizeof p->ck_b64) != 0) return -1;
    lh_hex(md5, 16, p->etag);
    if (p->ck_algo)
        snprintf(cksum_json, cap, "{\"algo\":\"%s\",\"value\":\"%s\",\"type\":\"FULL_OBJECT\"}",
                 lh_cksum_algo_name(p->ck_algo), p->ck_b64);
    return 0;
}

/* The conditions of a PutObject (If-None-Match: *, If-Match); the If-Match
 * etag goes to imbuf (80 bytes). */
static void put_conditions(s3_req_t *r, lh_store_put_cond_t *cond, char *imbuf)
{
    const char *inm = lh__s3_hdr(r, "if-none-match"), *im = lh__s3_hdr(r, "if-match");
    memset(cond, 0, sizeof *cond);
    if (inm && !strcmp(inm, "*")) cond->if_none_match_any = 1;
    if (im) {
        size_t n = strlen(im);
        if (n >= 2 && im[0] == '"' && im[n - 1] == '"')
            snprintf(imbuf, 80, "%.*s", (int)(n - 2), im + 1);
        else
            snprintf(imbuf, 80, "%s", im);
        cond->if_match = imbuf;
    }
    r->put.if_match = cond->if_match != NULL;
}

/* The answer to a committed PUT or part: its ETag and checksum, or the error. */
static void put_result(s3_req_t *r, int rc, const lh_err_t *err)
{
    char q[48];
    if (rc) {
        lh__s3_error_from(r, rc, err);
        return;
    }
    snprintf(q, sizeof q, "\"%s\"", r->put.etag);
    lh__s3_set_hdr(r, "ETag", q);
    if (r->put.ck_algo) lh__s3_set_hdr(r, lh__s3_cksum_header(r->put.ck_algo), r->put.ck_b64);
    lh__s3_version_header(r, r->put.version_id);
    r->status = 200;
    if (!r->put.part) lh_notify_object_created(r->bucket, r->key, r->key_len);
}

static void commit_work(s3_req_t *r)
{
    s3_put_t *p = &r->put;
    lh_err_t err = {0};
    char cksum_json[256];
    if (body_checks(r, cksum_json, sizeof cksum_json) != 0) return;
    lh_store_writer_t *w = p->w;
    p->w = NULL;
    int rc;
    if (p->part) {
        rc = lh_store_part_commit(w, lh__s3_part_number(r), p->etag,
                                  cksum_json[0] ? cksum_json : NULL, &err);
    } else {
        lh_store_meta_t m = {0};
        lh_store_put_cond_t cond;
        char imbuf[80];
        put_conditions(r, &cond, imbuf);
        snprintf(m.etag, sizeof m.etag, "%s", p->etag);
        m.attrs = lh__s3_attrs_from_headers(r, cksum_json[0] ? cksum_json : NULL);
        rc = lh_store_put_commit(w, r->key, r->key_len, &m, &cond, &err);
        free(m.attrs);
        memcpy(p->version_id, m.version_id, sizeof p->version_id);
        if (rc == LH_EPRECOND && cond.if_match && lh__s3_key_absent(r))
            rc = lh_err_set(&err, LH_ENOENT, "no such key");
    }
    put_result(r, rc, &err);
}

/* The whole small upload in one job: authorize, open, decode/hash/write, commit. */
static void small_work(s3_req_t *r)
{
    begin_work(r);
    if (r->failed) return;
    r->put.slice = r->body.ptr ? r->body.ptr : "";
    r->put.slice_len = r->body.len;
    chunk_work(r);
    if (!r->failed) commit_work(r);
}

/* --- a small PutObject without a worker ---
 * When the bucket row is cached and the caller may write, a body that fits
 * the inline limit (at most 64 KiB) is decoded and hashed on the loop thread
 * (as cheap as handing it to a worker and back), and its commit is queued to
 * the store's committer thread, which batches it with every other commit
 * queued meanwhile; the answer goes out from the loop once it is durable.
 * Anything else (no cached bucket row, a larger limit, UploadPart) takes the
 * worker path above, with the same checks and answers. */

static void precond_work(s3_req_t *r)
{
    lh_err_t err = {0};
    if (lh__s3_key_absent(r)) /* If-Match on a missing key is 404 */
        r->put.commit_rc = lh_err_set(&err, LH_ENOENT, "no such key");
    else
        err = r->put.commit_err;
    put_result(r, r->put.commit_rc, &err);
}

/* Loop thread: the commit is back (status LH_ECANCELED: the server stopped). */
static void put_committed_loop(void *arg, int status)
{
    s3_req_t *r = arg;
    if (!status && r->http && r->put.commit_rc == LH_EPRECOND && r->put.if_match) {
        lh__s3_submit(r, precond_work, NULL); /* work_pending stays set */
        return;
    }
    if (!status) put_result(r, r->put.commit_rc, &r->put.commit_err);
    lh__s3_resume(r, status, NULL);
}

/* The committer thread: hands the result to the loop. */
static void put_committed(void *arg, int rc, const lh_err_t *err, const char *version_id)
{
    s3_req_t *r = arg;
    lh_loop_poster_t *poster = r->put.poster; /* r->s3 may be gone at shutdown */
    r->put.commit_rc = rc;
    if (rc) r->put.commit_err = *err;
    snprintf(r->put.version_id, sizeof r->put.version_id, "%s", version_id);
    r->put.node.fn = put_committed_loop;
    r->put.node.arg = r;
    if (lh_loop_post_node(poster, &r->put.node) != 0)
        lh__s3_resume(r, LH_ECANCELED, NULL); /* the loop is gone, and the connection */
    lh_loop_poster_release(poster);
}

/* 1 when the upload was taken (answered, or its commit queued), 0 to go the
 * worker's way. */
static int put_on_loop(s3_req_t *r)
{
    s3_put_t *p = &r->put;
    if (!loop_may_put(r) || lh_store_put_begin_mem(r->s3->st, r->bucket, r->body.len, &p->w))
        return 0;
    lh_metrics_add("lakehouse_s3_without_worker_total", "op=\"PutObject\"", 1);
    char cksum_json[256], imbuf[80];
    p->slice = r->body.ptr ? r->body.ptr : "";
    p->slice_len = r->body.len;
    chunk_work(r);
    if (r->failed || body_checks(r, cksum_json, sizeof cksum_json) != 0) {
        lh__s3_send(r);
        return 1;
    }
    lh_store_meta_t m = {0};
    lh_store_put_cond_t cond;
    put_conditions(r, &cond, imbuf);
    snprintf(m.etag, sizeof m.etag, "%s", p->etag);
    m.attrs = lh__s3_attrs_from_headers(r, cksum_json[0] ? cksum_json : NULL);
    lh_store_writer_t *w = p->w;
    p->w = NULL;
    r->work_pending = 1;
    p->poster = r->s3->poster;
    lh_loop_poster_hold(p->poster);
    int rc = lh_store_put_commit_async(w, r->key, r->key_len, &m, &cond, put_committed, r);
    free(m.attrs);
    if (rc) {
        lh_loop_poster_release(p->poster);
        r->work_pending = 0;
        lh__s3_error(r, "InternalError", NULL);
        lh__s3_send(r);
    }
    return 1;
}

void lh__s3_put_end(s3_req_t *r)
{
    if (r->failed) {
        lh__s3_send(r);
        return;
    }
    if (r->put.small && put_on_loop(r)) return;
    lh__s3_submit(r, r->put.small ? small_work : commit_work, NULL);
}
