/* Transport of the remote S3 back end (objstore_s3_int.h): one signed HTTP
 * exchange over libcurl with retries, reply headers and bodies, XML replies
 * and the mapping of S3 errors to LH_E* codes.
 * Every request is signed with our SigV4 signer (store/auth.h): the payload
 * SHA-256 goes into x-amz-content-sha256 (UNSIGNED-PAYLOAD when a file is
 * streamed or the request goes through the Unix socket). Keys are
 * %-encoded byte by byte except A-Za-z0-9-._~ and '/', the same text for the
 * URL and the canonical path; query values encode '/' too. XML replies are parsed with core/xml.h
 * into a per-reply arena. Retries: a request that certainly did not reach the server (connect
 * failure) or got 503 is retried up to 3 times with back-off; idempotent
 * requests are also retried on other transport errors and 5xx, as long as no
 * byte went to the caller's sink. Conditional puts and the multipart
 * create/complete POSTs are not idempotent in that sense. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/crypto.h"
#include "core/str.h"
#include "core/url.h"
#include "store/auth.h"
#include "store/objstore_s3_int.h"

#define S3_TRIES 3

/* --- encoding --- */

/* Appends [&]name=value to a query, the value %-encoded ('/' too). */
int lh__os3_query_param(lh_buf_t *qb, const char *name, const char *value)
{
    int rc = lh_buf_printf(qb, "%s%s=", qb->len ? "&" : "", name);
    return rc ? rc : lh_url_encode(qb, (lh_str_t){value, strlen(value)}, 0);
}

void lh__os3_etag_unquote(char *dst, size_t cap, const char *v, size_t n)
{
    while (n && (*v == ' ' || *v == '"')) {
        v++;
        n--;
    }
    while (n && (v[n - 1] == ' ' || v[n - 1] == '"' || v[n - 1] == '\r' || v[n - 1] == '\n'))
        n--;
    lh_str_copy(dst, cap, (lh_str_t){v, n});
}

/* --- one HTTP exchange --- */
static void resp_reset(s3_resp_t *r)
{
    r->status = 0;
    lh_buf_reset(&r->body);
    r->etag[0] = r->content_type[0] = 0;
    r->content_length = r->range_total = -1;
    r->mtime = 0;
    r->seen = 0;
    r->no_length = 0;
}

static int hdr_is(const char *line, size_t n, const char *name, const char **val, size_t *vlen)
{
    size_t l = strlen(name);
    if (n <= l || strncasecmp(line, name, l) != 0 || line[l] != ':') return 0;
    const char *v = line + l + 1;
    const char *end = line + n;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    *val = v;
    *vlen = (size_t)(end - v);
    return 1;
}

int64_t lh__os3_num_or(const char *v, size_t n, int64_t dflt)
{
    uint64_t u;
    return lh_str_to_u64((lh_str_t){v, n}, &u) == 0 && u <= INT64_MAX ? (int64_t)u : dflt;
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *arg)
{
    s3_resp_t *r = arg;
    size_t n = size * nmemb;
    const char *v;
    size_t vl;
    char tmp[128];
    if (n > 5 && memcmp(line, "HTTP/", 5) == 0) {
        const char *sp = memchr(line, ' ', n);
        resp_reset(r);
        r->status =
            sp ? (long)lh__os3_num_or(sp + 1, n - (size_t)(sp + 1 - line) >= 3 ? 3 : 0, 0) : 0;
    } else if (hdr_is(line, n, "etag", &v, &vl)) {
        lh__os3_etag_unquote(r->etag, sizeof r->etag, v, vl);
    } else if (hdr_is(line, n, "content-length", &v, &vl)) {
        r->content_length = lh__os3_num_or(v, vl, -1);
    } else if (hdr_is(line, n, "content-type", &v, &vl)) {
        lh_str_copy(r->content_type, sizeof r->content_type, (lh_str_t){v, vl});
    } else if (hdr_is(line, n, "content-range", &v, &vl)) {
        const char *slash = memchr(v, '/', vl);
        if (slash) r->range_total = lh__os3_num_or(slash + 1, vl - (size_t)(slash + 1 - v), -1);
    } else if (hdr_is(line, n, "last-modified", &v, &vl)) {
        lh_str_copy(tmp, sizeof tmp, (lh_str_t){v, vl});
        time_t t = curl_getdate(tmp, NULL);
        r->mtime = t > 0 ? (int64_t)t : 0;
    }
    return n;
}

/* Hands [data, data+n) of a 2xx body to the sink, through the window. */
static size_t to_sink(s3_resp_t *r, const char *data, size_t n)
{
    const s3_req_t *q = r->req;
    int64_t start = r->seen, end = r->seen + (int64_t)n;
    r->seen = end;
    if (r->status != 200) { /* 206: the server applied the range */
        r->sink_rc = q->sink(q->sink_arg, data, n);
        r->sunk += (int64_t)n;
        return r->sink_rc ? 0 : n;
    }
    int64_t skip = q->skip, limit = q->limit;
    if (q->suffix > 0) { /* the server ignored the Range: keep the tail */
        if (r->content_length < 0) {
            r->no_length = 1;
            r->sink_rc = LH_EPROTO;
            return 0;
        }
        skip = r->content_length > q->suffix ? r->content_length - q->suffix : 0;
    }
    int64_t lo = start > skip ? start : skip;
    int64_t hi = end;
    if (limit >= 0 && hi > skip + limit) hi = skip + limit;
    if (hi <= lo) return n;
    r->sink_rc = q->sink(q->sink_arg, data + (lo - start), (size_t)(hi - lo));
    r->sunk += hi - lo;
    return r->sink_rc ? 0 : n;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *arg)
{
    s3_resp_t *r = arg;
    size_t n = size * nmemb;
    if (r->status >= 200 && r->status < 300 && r->req->sink) return to_sink(r, data, n);
    return lh_buf_append(&r->body, data, n) == 0 ? n : 0;
}

static size_t on_read(char *dst, size_t size, size_t nmemb, void *arg)
{
    s3_resp_t *r = arg;
    const s3_req_t *q = r->req;
    size_t cap = size * nmemb;
    int64_t total = q->fd >= 0 ? q->fd_size : (int64_t)q->body_len;
    int64_t left = total - r->upload_pos;
    size_t n = left < (int64_t)cap ? (size_t)left : cap;
    if (n == 0) return 0;
    if (q->fd >= 0) {
        ssize_t got = lh_dio_pread(q->rd, dst, n, (off_t)r->upload_pos);
        if (got <= 0) return CURL_READFUNC_ABORT;
        n = (size_t)got;
    } else {
        memcpy(dst, (const char *)q->body + r->upload_pos, n);
    }
    r->upload_pos += (int64_t)n;
    return n;
}

/* libcurl going back in the body it sends (a reused connection found dead,
 * an auth or redirect answer before the body went out): the body is a
 * buffer or a file read at explicit offsets, so any position is fine. */
static int on_seek(void *arg, curl_off_t offset, int origin)
{
    s3_resp_t *r = arg;
    const s3_req_t *q = r->req;
    int64_t total = q->fd >= 0 ? q->fd_size : (int64_t)q->body_len;
    if (origin != SEEK_SET || offset < 0 || offset > total) return CURL_SEEKFUNC_CANTSEEK;
    r->upload_pos = (int64_t)offset;
    return CURL_SEEKFUNC_OK;
}

static int build_target(const s3_t *s, const s3_req_t *q, lh_buf_t *path, lh_buf_t *host)
{
    lh_buf_puts(path, "/");
    if (s->path_style) {
        lh_url_encode(path, (lh_str_t){q->bucket, strlen(q->bucket)}, 0);
        lh_buf_puts(host, s->hostport);
        if (q->key) lh_buf_puts(path, "/");
    } else {
        lh_buf_printf(host, "%s.%s", q->bucket, s->hostport);
    }
    if (q->key) lh_url_encode(path, (lh_str_t){q->key, strlen(q->key)}, LH_URL_KEEP_SLASH);
    return lh_buf_err(path) ? lh_buf_err(path) : lh_buf_err(host); /* checked once */
}

/* x-amz-content-sha256: UNSIGNED-PAYLOAD for a streamed file (hashing it
 * would read it twice) and through the Unix socket, where no one between
 * us and the store can change a byte (the body's SHA-256 cost both sides a
 * read of it: ~1 CPU-s for the 840 MB of bronze parts of 10M demo events);
 * otherwise the body's SHA-256, as SigV4 signs it over plain HTTP. */
static void payload_hash(const s3_t *s, const s3_req_t *q, char *out)
{
    if (q->fd >= 0 || (s->unix_socket && !atomic_load(&s->unix_off))) {
        memcpy(out, "UNSIGNED-PAYLOAD", sizeof "UNSIGNED-PAYLOAD");
        return;
    }
    unsigned char h[32];
    lh_sha256(q->has_body ? q->body : "", q->has_body ? q->body_len : 0, h);
    lh_hex(h, 32, out);
}

static struct curl_slist *add_header(struct curl_slist *l, lh_buf_t *tmp, int *ok, const char *fmt,
                                     const char *a, const char *b)
{
    lh_buf_reset(tmp);
    if (lh_buf_printf(tmp, fmt, a, b) != 0) {
        *ok = 0;
        return l;
    }
    struct curl_slist *n = curl_slist_append(l, tmp->ptr);
    if (!n) *ok = 0;
    return n ? n : l;
}

/* Signs q for now and builds curl's header list. */
static int sign_headers(const s3_t *s, const s3_req_t *q, const char *path, const char *host,
                        struct curl_slist **out, lh_err_t *err)
{
    char auth[1024], date[20], ph[80];
    payload_hash(s, q, ph);
    lh_sign_input_t in = {.method = q->method,
                          .host = host,
                          .path = path,
                          .query = q->query,
                          .headers = q->hdrs,
                          .nheaders = q->nhdrs,
                          .payload_hash = ph,
                          .access_key = s->ak,
                          .secret_key = s->sk,
                          .region = s->region,
                          .service = "s3",
                          .now = (int64_t)time(NULL)};
    if (lh_sigv4_sign(&in, auth, sizeof auth, date) != 0)
        return lh_err_set(err, LH_ETOOBIG, "cannot sign request: too long");
    lh_buf_t tmp;
    lh_buf_init(&tmp, 8192);
    int ok = 1;
    struct curl_slist *l = NULL;
    l = add_header(l, &tmp, &ok, "%s: %s", "Host", host);
    l = add_header(l, &tmp, &ok, "%s: %s", "Authorization", auth);
    l = add_header(l, &tmp, &ok, "%s: %s", "x-amz-date", date);
    l = add_header(l, &tmp, &ok, "%s: %s", "x-amz-content-sha256", ph);
    l = add_header(l, &tmp, &ok, "%s%s", "Expect:", "");
    for (size_t i = 0; i < q->nhdrs && ok; i++) {
        lh_str_t n = q->hdrs[i].name, v = q->hdrs[i].value;
        lh_buf_reset(&tmp);
        struct curl_slist *nl = NULL;
        if (lh_buf_printf(&tmp, "%.*s: %.*s", (int)n.len, n.ptr, (int)v.len, v.ptr) == 0)
            nl = curl_slist_append(l, tmp.ptr);
        if (nl)
            l = nl;
        else
            ok = 0;
    }
    lh_buf_free(&tmp);
    *out = l;
    return ok ? 0 : lh_err_set(err, LH_ENOMEM, "cannot build request headers");
}

static void curl_setup(s3_t *s, CURL *c, const s3_req_t *q, s3_resp_t *r, const char *url,
                       struct curl_slist *hl)
{
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_SHARE, s->share);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 120L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    /* bodies arrive in reads of up to 512 KiB instead of libcurl's 16 KiB: a
       bronze hour (100 MB) took 6,600 recv and as many poll calls, 6% of the
       CPU of a query that counts its lines */
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L * 1024);
    if (s->ca_bundle) curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_bundle);
    if (s->unix_socket && !atomic_load(&s->unix_off))
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, s->unix_socket);
    if (strcmp(q->method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (q->has_body || q->fd >= 0) {
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, r);
        curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(c, CURLOPT_SEEKDATA, r);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
                         (curl_off_t)(q->fd >= 0 ? q->fd_size : (int64_t)q->body_len));
    }
    if (strcmp(q->method, "GET") != 0 && strcmp(q->method, "HEAD") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
}

static int retryable(const s3_req_t *q, const s3_resp_t *r, CURLcode cc)
{
    if (r->sunk > 0 || r->sink_rc) return 0;
    if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST) return 1;
    if (cc == CURLE_OK) return r->status == 503 || (q->idempotent && r->status >= 500);
    return q->idempotent && cc != CURLE_WRITE_ERROR && cc != CURLE_ABORTED_BY_CALLBACK;
}

/* One attempt. Returns 0 when an HTTP status was received. */
static int attempt(s3_t *s, CURL *c, const s3_req_t *q, s3_resp_t *r, const char *url,
                   const char *path, const char *host, CURLcode *cc, lh_err_t *err)
{
    struct curl_slist *hl = NULL;
    int rc = sign_headers(s, q, path, host, &hl, err);
    if (rc) {
        curl_slist_free_all(hl);
        return rc;
    }
    resp_reset(r);
    r->upload_pos = 0;
    curl_setup(s, c, q, r, url, hl);
    *cc = curl_easy_perform(c);
    curl_slist_free_all(hl);
    return 0;
}

/* Runs q with retries; on return r holds the last reply. 0 when a reply came
 * (any status); LH_EIO on transport failure; the sink's code if it stopped. */
static int s3_do(s3_t *s, const s3_req_t *q, s3_resp_t *r, lh_err_t *err)
{
    lh_buf_t path, host, url;
    lh_buf_init(&path, 8192);
    lh_buf_init(&host, 512);
    lh_buf_init(&url, 16384);
    int rc = build_target(s, q, &path, &host);
    rc = rc ? rc
            : lh_buf_printf(&url, "%s://%s%s%s%s", s->scheme, host.ptr, path.ptr,
                            q->query ? "?" : "", q->query ? q->query : "");
    if (rc) {
        rc = lh_err_set(err, LH_ETOOBIG, "request target too long");
        goto fail;
    }
    r->req = q;
    CURL *c = lh__os3_pool_get(s, err); /* one connection for the exchange */
    if (!c) {
        rc = LH_ENOMEM;
        goto fail;
    }
    CURLcode cc = CURLE_OK;
    for (int i = 0; i < S3_TRIES; i++) {
        if (i) usleep(100000u << (2 * (i - 1))); /* 100 ms, 400 ms */
        rc = attempt(s, c, q, r, url.ptr, path.ptr, host.ptr, &cc, err);
        if (!rc && cc == CURLE_COULDNT_CONNECT && s->unix_socket && !atomic_load(&s->unix_off)) {
            atomic_store(&s->unix_off, 1); /* the socket is gone (a server elsewhere, or
                                              restarted without one): TCP, at once */
            i--;
            continue;
        }
        if (rc || !retryable(q, r, cc)) break;
    }
    lh__os3_pool_put(s, c);
    if (rc == 0 && r->sink_rc)
        rc = r->sink_rc;
    else if (rc == 0 && cc != CURLE_OK)
        rc = lh_err_set(err, LH_EIO, "s3 %s %s: %s", q->method, url.ptr, curl_easy_strerror(cc));
fail:
    lh_buf_free(&path);
    lh_buf_free(&host);
    lh_buf_free(&url);
    return rc;
}

/* --- XML replies (core/xml.h) --- */

/* Decoded text of n's first child called name; "" when absent. */
const char *lh__os3_child_text(const lh_xml_node_t *n, const char *name)
{
    const lh_xml_node_t *c = lh_xml_child(n, name);
    return c ? c->text : "";
}

/* Parses r's body into a new arena *a (the caller frees it, also on error).
 * Returns 0; LH_EPROTO (not XML), LH_ETOOBIG (over an xml.h limit) or
 * LH_ENOMEM, with err naming what reply it was. */
int lh__os3_resp_xml(lh_arena_t **a, const s3_resp_t *r, const char *what,
                     const lh_xml_node_t **root, lh_err_t *err)
{
    lh_xml_node_t *n = NULL;
    lh_err_t xe = {0};
    *a = lh_arena_new(16384);
    int rc = *a ? lh_xml_parse(*a, r->body.ptr ? r->body.ptr : "", r->body.len, &n, &xe)
                : lh_err_set(&xe, LH_ENOMEM, "out of memory");
    *root = n;
    if (rc == 0) return 0;
    return lh_err_set(err, rc == LH_EINVAL ? LH_EPROTO : rc, "unreadable s3 %s reply: %s", what,
                      xe.msg);
}

/* --- errors --- */

static const struct {
    const char *code;
    int lh;
} s3_codes[] = {
    {"NoSuchKey", LH_ENOENT},
    {"NoSuchBucket", LH_ENOENT},
    {"NoSuchUpload", LH_ENOENT},
    {"PreconditionFailed", LH_EPRECOND},
    {"AccessDenied", LH_EPERM},
    {"AllAccessDisabled", LH_EPERM},
    {"SignatureDoesNotMatch", LH_EAUTH},
    {"InvalidAccessKeyId", LH_EAUTH},
    {"AuthorizationHeaderMalformed", LH_EAUTH},
    {"RequestTimeTooSkewed", LH_EAUTH},
    {"InvalidRange", LH_EINVAL},
    {"InvalidPart", LH_EINVAL},
    {"InvalidPartOrder", LH_EINVAL},
    {"EntityTooSmall", LH_EINVAL},
    {"InvalidArgument", LH_EINVAL},
    {"InvalidRequest", LH_EINVAL},
    {"InvalidBucketName", LH_EINVAL},
    {"KeyTooLongError", LH_EINVAL},
    {"BucketAlreadyExists", LH_EEXIST},
    {"BucketAlreadyOwnedByYou", LH_EEXIST},
    {"BucketNotEmpty", LH_ENOTEMPTY},
    {"EntityTooLarge", LH_ETOOBIG},
    {"ConditionalRequestConflict", LH_ECONFLICT},
    {"OperationAborted", LH_ECONFLICT},
};

static const struct {
    long status;
    int lh;
} s3_statuses[] = {
    {404, LH_ENOENT},    {412, LH_EPRECOND}, {403, LH_EPERM}, {416, LH_EINVAL},
    {409, LH_ECONFLICT}, {400, LH_EINVAL},   {401, LH_EAUTH},
};

int lh__os3_code(const char *code, long status)
{
    int lh = LH_EIO;
    for (size_t i = 0; i < sizeof s3_statuses / sizeof s3_statuses[0]; i++)
        if (s3_statuses[i].status == status) lh = s3_statuses[i].lh;
    for (size_t i = 0; i < sizeof s3_codes / sizeof s3_codes[0]; i++)
        if (strcmp(s3_codes[i].code, code) == 0) lh = s3_codes[i].lh;
    return lh;
}

int lh__os3_error(const s3_req_t *q, const s3_resp_t *r, lh_err_t *err)
{
    lh_arena_t *a;
    const lh_xml_node_t *root;
    lh_err_t ignored = {0};
    lh__os3_resp_xml(&a, r, "error", &root, &ignored); /* not XML: map the status alone */
    const char *code = lh__os3_child_text(root, "Code"), *msg = lh__os3_child_text(root, "Message");
    int lh = lh__os3_code(code, r->status);
    lh = lh_err_set(err, lh, "s3 %s %s/%s: %.127s%s%.255s (http %ld)", q->method, q->bucket,
                    q->key ? q->key : "", code[0] ? code : "error", msg[0] ? ": " : "", msg,
                    r->status);
    lh_arena_free(a);
    return lh;
}

/* Runs q and maps any non-2xx reply to an LH_E* code. */
int lh__os3_call(s3_t *s, const s3_req_t *q, s3_resp_t *r, lh_err_t *err)
{
    lh_buf_init(&r->body, S3_BODY_MAX);
    r->sink_rc = 0;
    r->sunk = 0;
    int rc = s3_do(s, q, r, err);
    if (rc == 0 && (r->status < 200 || r->status >= 300)) rc = lh__os3_error(q, r, err);
    return rc;
}

void lh__os3_meta_from_resp(const s3_resp_t *r, int64_t size, lh_objstore_meta_t *out)
{
    if (!out) return;
    out->size = size;
    out->mtime = r->mtime ? r->mtime : (int64_t)time(NULL);
    lh_str_copy(out->etag, sizeof out->etag, (lh_str_t){r->etag, strlen(r->etag)});
    lh_str_copy(out->content_type, sizeof out->content_type,
                (lh_str_t){r->content_type, strlen(r->content_type)});
}

/* Runs q when only the status matters (the reply body is dropped). */
int lh__os3_run(s3_t *s, const s3_req_t *q, lh_err_t *err)
{
    s3_resp_t r;
    int rc = lh__os3_call(s, q, &r, err);
    lh_buf_free(&r.body);
    return rc;
}

/* 1 when r's body is an <Error> document (S3 may fail inside a 200). */
int lh__os3_is_error_doc(const s3_resp_t *r)
{
    lh_arena_t *a;
    const lh_xml_node_t *root;
    lh_err_t ignored = {0};
    int yes = lh__os3_resp_xml(&a, r, "complete", &root, &ignored) == 0 &&
              strcmp(root->name, "Error") == 0;
    lh_arena_free(a);
    return yes;
}
