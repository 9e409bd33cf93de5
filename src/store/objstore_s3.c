/* Remote S3 back end of the object-store interface: any S3, MinIO or our own
 * server, over one reused libcurl easy handle (keep-alive) guarded by a mutex.
 * Every request is signed with our SigV4 signer (store/auth.h): the payload
 * SHA-256 goes into x-amz-content-sha256 (UNSIGNED-PAYLOAD when a file is
 * streamed). Keys are %-encoded byte by byte except A-Za-z0-9-._~ and '/',
 * the same text for the URL and the canonical path; query values encode '/'
 * too. XML replies (Error, ListObjectsV2, InitiateMultipartUpload,
 * CompleteMultipartUpload) are parsed with core/xml.h into a per-reply arena.
 * Retries: a request that certainly did not reach the server (connect
 * failure) or got 503 is retried up to 3 times with back-off; idempotent
 * requests are also retried on other transport errors and 5xx, as long as no
 * byte went to the caller's sink. put_if_absent and the multipart
 * create/complete POSTs are not idempotent in that sense. */
#include <ctype.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/checksum.h"
#include "core/crypto.h"
#include "core/str.h"
#include "core/timefmt.h"
#include "core/url.h"
#include "core/xml.h"
#include "store/auth.h"
#include "store/objstore.h"

#define S3_BODY_MAX ((size_t)16 << 20) /* error and listing documents */
#define S3_TRIES 3

typedef struct s3 {
    char scheme[8];     /* "http" / "https" */
    char hostport[256]; /* host[:port], default port dropped */
    char region[64];
    char ak[129], sk[129];
    int path_style;
    char *ca_bundle; /* NULL = the system's CAs */
    CURL *curl;
    pthread_mutex_t mu;
} s3_t;

/* --- encoding --- */

/* Appends [&]name=value to a query, the value %-encoded ('/' too). */
static int query_param(lh_buf_t *qb, const char *name, const char *value)
{
    int rc = lh_buf_printf(qb, "%s%s=", qb->len ? "&" : "", name);
    return rc ? rc : lh_url_encode(qb, (lh_str_t){value, strlen(value)}, 0);
}

static void etag_unquote(char *dst, size_t cap, const char *v, size_t n)
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

typedef struct s3_req {
    const char *method;
    const char *bucket;
    const char *key;              /* NULL: bucket-level request */
    const char *query;            /* encoded, sorted; NULL = none */
    const lh_http_header_t *hdrs; /* extra signed headers, lower-case names, sorted */
    size_t nhdrs;
    int has_body; /* send a body (possibly empty) */
    const void *body;
    size_t body_len;
    int fd; /* >= 0: stream fd_size bytes from it, UNSIGNED-PAYLOAD */
    int64_t fd_size;
    int idempotent;
    int (*sink)(void *arg, const void *data, size_t n); /* 2xx body; NULL = buffer */
    void *sink_arg;
    int64_t skip, limit; /* window on a 200 reply to a ranged request; limit -1 = none */
    int64_t suffix;      /* > 0: a suffix range; on a 200 the window is the last suffix bytes */
} s3_req_t;

typedef struct s3_resp {
    long status;
    lh_buf_t body;
    char etag[80];
    char content_type[128];
    int64_t content_length, range_total, mtime;
    int sink_rc;
    int64_t sunk;  /* bytes given to the sink */
    int64_t seen;  /* body bytes of a 2xx reply */
    int no_length; /* a 200 to a suffix range came without Content-Length */
    const s3_req_t *req;
    int64_t upload_pos;
} s3_resp_t;

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

static int64_t num_or(const char *v, size_t n, int64_t dflt)
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
        r->status = sp ? (long)num_or(sp + 1, n - (size_t)(sp + 1 - line) >= 3 ? 3 : 0, 0) : 0;
    } else if (hdr_is(line, n, "etag", &v, &vl)) {
        etag_unquote(r->etag, sizeof r->etag, v, vl);
    } else if (hdr_is(line, n, "content-length", &v, &vl)) {
        r->content_length = num_or(v, vl, -1);
    } else if (hdr_is(line, n, "content-type", &v, &vl)) {
        lh_str_copy(r->content_type, sizeof r->content_type, (lh_str_t){v, vl});
    } else if (hdr_is(line, n, "content-range", &v, &vl)) {
        const char *slash = memchr(v, '/', vl);
        if (slash) r->range_total = num_or(slash + 1, vl - (size_t)(slash + 1 - v), -1);
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
        ssize_t got = pread(q->fd, dst, n, (off_t)r->upload_pos);
        if (got <= 0) return CURL_READFUNC_ABORT;
        n = (size_t)got;
    } else {
        memcpy(dst, (const char *)q->body + r->upload_pos, n);
    }
    r->upload_pos += (int64_t)n;
    return n;
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

static void payload_hash(const s3_req_t *q, char *out)
{
    if (q->fd >= 0) {
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
    payload_hash(q, ph);
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
    for (size_t i = 0; i < q->nhdrs; i++) {
        char name[64], val[1100];
        lh_str_copy(name, sizeof name, q->hdrs[i].name);
        lh_str_copy(val, sizeof val, q->hdrs[i].value);
        l = add_header(l, &tmp, &ok, "%s: %s", name, val);
    }
    lh_buf_free(&tmp);
    *out = l;
    return ok ? 0 : lh_err_set(err, LH_ENOMEM, "cannot build request headers");
}

static void curl_setup(s3_t *s, const s3_req_t *q, s3_resp_t *r, const char *url,
                       struct curl_slist *hl)
{
    CURL *c = s->curl;
    curl_easy_reset(c);
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
    if (s->ca_bundle) curl_easy_setopt(c, CURLOPT_CAINFO, s->ca_bundle);
    if (strcmp(q->method, "HEAD") == 0) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (q->has_body || q->fd >= 0) {
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, r);
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
static int attempt(s3_t *s, const s3_req_t *q, s3_resp_t *r, const char *url, const char *path,
                   const char *host, CURLcode *cc, lh_err_t *err)
{
    struct curl_slist *hl = NULL;
    int rc = sign_headers(s, q, path, host, &hl, err);
    if (rc) {
        curl_slist_free_all(hl);
        return rc;
    }
    resp_reset(r);
    r->upload_pos = 0;
    curl_setup(s, q, r, url, hl);
    *cc = curl_easy_perform(s->curl);
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
    pthread_mutex_lock(&s->mu);
    CURLcode cc = CURLE_OK;
    for (int i = 0; i < S3_TRIES; i++) {
        if (i) usleep(100000u << (2 * (i - 1))); /* 100 ms, 400 ms */
        rc = attempt(s, q, r, url.ptr, path.ptr, host.ptr, &cc, err);
        if (rc || !retryable(q, r, cc)) break;
    }
    pthread_mutex_unlock(&s->mu);
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
static const char *child_text(const lh_xml_node_t *n, const char *name)
{
    const lh_xml_node_t *c = lh_xml_child(n, name);
    return c ? c->text : "";
}

/* Parses r's body into a new arena *a (the caller frees it, also on error).
 * Returns 0; LH_EPROTO (not XML), LH_ETOOBIG (over an xml.h limit) or
 * LH_ENOMEM, with err naming what reply it was. */
static int resp_xml(lh_arena_t **a, const s3_resp_t *r, const char *what,
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

static int s3_error(const s3_req_t *q, const s3_resp_t *r, lh_err_t *err)
{
    lh_arena_t *a;
    const lh_xml_node_t *root;
    lh_err_t ignored = {0};
    resp_xml(&a, r, "error", &root, &ignored); /* not XML: map the status alone */
    const char *code = child_text(root, "Code"), *msg = child_text(root, "Message");
    int lh = LH_EIO;
    for (size_t i = 0; i < sizeof s3_statuses / sizeof s3_statuses[0]; i++)
        if (s3_statuses[i].status == r->status) lh = s3_statuses[i].lh;
    for (size_t i = 0; i < sizeof s3_codes / sizeof s3_codes[0]; i++)
        if (strcmp(s3_codes[i].code, code) == 0) lh = s3_codes[i].lh;
    lh = lh_err_set(err, lh, "s3 %s %s/%s: %.127s%s%.255s (http %ld)", q->method, q->bucket,
                    q->key ? q->key : "", code[0] ? code : "error", msg[0] ? ": " : "", msg,
                    r->status);
    lh_arena_free(a);
    return lh;
}

/* Runs q and maps any non-2xx reply to an LH_E* code. */
static int s3_call(s3_t *s, const s3_req_t *q, s3_resp_t *r, lh_err_t *err)
{
    lh_buf_init(&r->body, S3_BODY_MAX);
    r->sink_rc = 0;
    r->sunk = 0;
    int rc = s3_do(s, q, r, err);
    if (rc == 0 && (r->status < 200 || r->status >= 300)) rc = s3_error(q, r, err);
    return rc;
}

static void meta_from_resp(const s3_resp_t *r, int64_t size, lh_objstore_meta_t *out)
{
    if (!out) return;
    out->size = size;
    out->mtime = r->mtime ? r->mtime : (int64_t)time(NULL);
    lh_str_copy(out->etag, sizeof out->etag, (lh_str_t){r->etag, strlen(r->etag)});
    lh_str_copy(out->content_type, sizeof out->content_type,
                (lh_str_t){r->content_type, strlen(r->content_type)});
}

#define REQ(m, b, k)                                                                               \
    {                                                                                              \
        .method = (m), .bucket = (b), .key = (k), .fd = -1, .limit = -1                            \
    }

/* --- operations --- */

/* Runs q when only the status matters (the reply body is dropped). */
static int s3_run(s3_t *s, const s3_req_t *q, lh_err_t *err)
{
    s3_resp_t r;
    int rc = s3_call(s, q, &r, err);
    lh_buf_free(&r.body);
    return rc;
}

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
    int rc = s3_run(s, &q, err);
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
    int rc = s3_call(s, &q, &r, err);
    if (rc == 0 && r.status == 206) {
        meta_from_resp(&r, r.range_total, meta);
    } else if (rc == 0) {
        meta_from_resp(&r, r.seen, meta);
        if (ranged && off >= 0 && off >= r.seen)
            rc = lh_err_set(err, LH_EINVAL, "range not satisfiable: offset %lld, size %lld",
                            (long long)off, (long long)r.seen);
    }
    if (rc == LH_EPROTO && r.no_length)
        lh_err_set(err, rc, "s3 GET %s/%s: a suffix range answered in full without a length",
                   bucket, key);
    lh_buf_free(&r.body);
    return rc;
}

/* PUTs q's body or fd (size bytes) as content_type; if_absent adds
 * If-None-Match: * and makes the request non-idempotent. */
static int put_object(s3_t *s, s3_req_t *q, const char *content_type, int if_absent, int64_t size,
                      lh_objstore_meta_t *out, lh_err_t *err)
{
    lh_http_header_t h[2] = {{LH_STR("content-type"), {content_type, strlen(content_type)}},
                             {LH_STR("if-none-match"), LH_STR("*")}};
    q->hdrs = h;
    q->nhdrs = if_absent ? 2 : 1;
    q->idempotent = !if_absent;
    s3_resp_t r;
    int rc = s3_call(s, q, &r, err);
    if (rc == 0) {
        lh_str_copy(r.content_type, sizeof r.content_type,
                    (lh_str_t){content_type, strlen(content_type)});
        meta_from_resp(&r, size, out);
    }
    lh_buf_free(&r.body);
    return rc;
}

static int s3_put(void *impl, const char *bucket, const char *key, const void *data, size_t n,
                  const char *content_type, int if_absent, lh_objstore_meta_t *out, lh_err_t *err)
{
    s3_req_t q = REQ("PUT", bucket, key);
    q.has_body = 1;
    q.body = data ? data : "";
    q.body_len = n;
    return put_object(impl, &q, content_type, if_absent, (int64_t)n, out, err);
}

static int s3_put_fd(void *impl, const char *bucket, const char *key, int fd, int64_t size,
                     const char *content_type, lh_objstore_meta_t *out, lh_err_t *err)
{
    s3_req_t q = REQ("PUT", bucket, key);
    q.fd = fd;
    q.fd_size = size;
    return put_object(impl, &q, content_type, 0, size, out, err);
}

static int s3_head(void *impl, const char *bucket, const char *key, lh_objstore_meta_t *out,
                   lh_err_t *err)
{
    s3_req_t q = REQ("HEAD", bucket, key);
    q.idempotent = 1;
    s3_resp_t r;
    int rc = s3_call(impl, &q, &r, err);
    if (rc == 0) meta_from_resp(&r, r.content_length, out);
    lh_buf_free(&r.body);
    return rc;
}

static int s3_del(void *impl, const char *bucket, const char *key, lh_err_t *err)
{
    s3_req_t q = REQ("DELETE", bucket, key);
    q.idempotent = 1;
    return s3_run(impl, &q, err);
}

/* --- list --- */

#define LIST_PAGE 1000
#define LIST_SMALL_PAGE 250 /* fits xml.h's text limit even with 1024-byte keys */

typedef struct list_ctx {
    s3_t *s;
    const char *bucket, *prefix, *delimiter;
    int (*fn)(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *meta);
    void *arg;
    int max_keys;
    lh_buf_t query, token; /* token: the next page's, empty on the first */
    lh_arena_t *a;         /* the current page */
} list_ctx_t;

/* One entry of a page: a Contents or CommonPrefixes element. */
typedef struct list_cur {
    const lh_xml_node_t *n; /* NULL past the last one */
    const char *key;        /* decoded */
    lh_objstore_meta_t meta;
} list_cur_t;

/* Loads entry n (NULL = the end) into cur; url: keys are %-encoded. */
static int cur_load(list_cur_t *cur, const lh_xml_node_t *n, lh_arena_t *a, int url, lh_err_t *err)
{
    cur->n = n;
    if (!n) return 0;
    int is_prefix = strcmp(n->name, "CommonPrefixes") == 0;
    const lh_xml_node_t *k = lh_xml_child(n, is_prefix ? "Prefix" : "Key");
    if (!k) return lh_err_set(err, LH_EPROTO, "s3 listing entry without a key");
    char *key = lh_arena_strndup(a, k->text, k->text_len);
    if (!key) return lh_err_set(err, LH_ENOMEM, "cannot allocate listing key");
    /* encoding-type=url: '+' is a space, as botocore reads it */
    if (url) lh_url_decode((lh_str_t){key, strlen(key)}, key, strlen(key) + 1, LH_URL_PLUS_SPACE);
    cur->key = key;
    memset(&cur->meta, 0, sizeof cur->meta);
    if (is_prefix) return 0;
    const char *size = child_text(n, "Size"), *etag = child_text(n, "ETag");
    cur->meta.size = num_or(size, strlen(size), -1);
    const char *lm = child_text(n, "LastModified");
    if (lh_time_iso8601_parse((lh_str_t){lm, strlen(lm)}, &cur->meta.mtime))
        cur->meta.mtime = 0; /* unreadable */
    etag_unquote(cur->meta.etag, sizeof cur->meta.etag, etag, strlen(etag));
    return 0;
}

/* Emits one page's objects and prefixes merged in key order. */
static int list_emit(list_ctx_t *c, const lh_xml_node_t *root, lh_err_t *err)
{
    int url = strcmp(child_text(root, "EncodingType"), "url") == 0;
    list_cur_t cur[2];
    int rc = cur_load(&cur[0], lh_xml_child(root, "Contents"), c->a, url, err);
    rc = rc ? rc : cur_load(&cur[1], lh_xml_child(root, "CommonPrefixes"), c->a, url, err);
    while (rc == 0 && (cur[0].n || cur[1].n)) {
        int i = !cur[0].n ? 1 : !cur[1].n ? 0 : strcmp(cur[0].key, cur[1].key) <= 0 ? 0 : 1;
        rc = c->fn(c->arg, cur[i].key, i, i ? NULL : &cur[i].meta);
        rc = rc ? rc : cur_load(&cur[i], lh_xml_next(cur[i].n, cur[i].n->name), c->a, url, err);
    }
    return rc;
}

/* Sets c->token to the page's continuation token ("" on the last page). */
static int next_token(list_ctx_t *c, const lh_xml_node_t *root, lh_err_t *err)
{
    lh_buf_reset(&c->token);
    if (strcmp(child_text(root, "IsTruncated"), "true") != 0) return 0;
    const char *t = child_text(root, "NextContinuationToken");
    if (!*t) return lh_err_set(err, LH_EPROTO, "s3 listing truncated without a continuation token");
    if (lh_buf_puts(&c->token, t) != 0)
        return lh_err_set(err, LH_ETOOBIG, "s3 continuation token too long");
    return 0;
}

static int list_query(list_ctx_t *c)
{
    lh_buf_t *qb = &c->query;
    lh_buf_reset(qb);
    int rc = c->token.len ? query_param(qb, "continuation-token", c->token.ptr) : 0;
    if (c->delimiter) rc = rc ? rc : query_param(qb, "delimiter", c->delimiter);
    rc = rc ? rc
            : lh_buf_printf(qb, "%sencoding-type=url&list-type=2&max-keys=%d", qb->len ? "&" : "",
                            c->max_keys);
    if (*c->prefix) rc = rc ? rc : query_param(qb, "prefix", c->prefix);
    return rc;
}

/* Fetches and emits the page at c->token; c->token becomes the next one.
 * A page over xml.h's limits is fetched again, once, with fewer keys. */
static int list_fetch(list_ctx_t *c, lh_err_t *err)
{
    if (list_query(c) != 0) return lh_err_set(err, LH_ETOOBIG, "listing query too long");
    s3_req_t q = REQ("GET", c->bucket, NULL);
    q.query = c->query.ptr;
    q.idempotent = 1;
    s3_resp_t r;
    const lh_xml_node_t *root = NULL;
    int rc = s3_call(c->s, &q, &r, err);
    lh_arena_free(c->a);
    c->a = NULL;
    if (rc == 0) rc = resp_xml(&c->a, &r, "listing", &root, err);
    lh_buf_free(&r.body);
    if (rc == LH_ETOOBIG && c->max_keys > LIST_SMALL_PAGE) {
        c->max_keys = LIST_SMALL_PAGE;
        return list_fetch(c, err);
    }
    rc = rc ? rc : list_emit(c, root, err);
    return rc ? rc : next_token(c, root, err);
}

static int s3_list(void *impl, const char *bucket, const char *prefix, const char *delimiter,
                   int (*fn)(void *arg, const char *key, int is_prefix,
                             const lh_objstore_meta_t *meta),
                   void *arg, lh_err_t *err)
{
    list_ctx_t c = {.s = impl,
                    .bucket = bucket,
                    .prefix = prefix,
                    .delimiter = delimiter,
                    .fn = fn,
                    .arg = arg,
                    .max_keys = LIST_PAGE};
    lh_buf_init(&c.query, 16384);
    lh_buf_init(&c.token, 4096);
    int rc;
    do
        rc = list_fetch(&c, err);
    while (rc == 0 && c.token.len);
    lh_arena_free(c.a);
    lh_buf_free(&c.query);
    lh_buf_free(&c.token);
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
    rc = rc ? rc : query_param(qb, "uploadId", upload_id);
    q->query = qb->ptr;
    return rc ? lh_err_set(err, LH_ETOOBIG, "upload id too long") : 0;
}

/* Copies the UploadId of an InitiateMultipartUploadResult. */
static int upload_id_from(const s3_resp_t *r, char *upload_id, size_t cap, lh_err_t *err)
{
    lh_arena_t *a;
    const lh_xml_node_t *root;
    int rc = resp_xml(&a, r, "initiate multipart", &root, err);
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
    int rc = s3_call(impl, &q, &r, err);
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
    rc = rc ? rc : s3_call(impl, &q, &r, err);
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
        etag_unquote(bare, sizeof bare, e, strlen(e));
        lh_buf_puts(b, "<Part><ETag>&quot;");
        lh_buf_xml_escape(b, bare, strlen(bare));
        lh_buf_printf(b, "&quot;</ETag><PartNumber>%d</PartNumber></Part>", i + 1);
    }
    return lh_buf_puts(b, "</CompleteMultipartUpload>"); /* the sticky error, if any */
}

/* 1 when r's body is an <Error> document (S3 may fail inside a 200). */
static int is_error_doc(const s3_resp_t *r)
{
    lh_arena_t *a;
    const lh_xml_node_t *root;
    lh_err_t ignored = {0};
    int yes = resp_xml(&a, r, "complete", &root, &ignored) == 0 && strcmp(root->name, "Error") == 0;
    lh_arena_free(a);
    return yes;
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
    rc = rc ? rc : s3_call(impl, &q, &r, err);
    if (rc == 0 && is_error_doc(&r)) rc = s3_error(&q, &r, err);
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
    rc = rc ? rc : s3_run(impl, &q, err);
    lh_buf_free(&qb);
    return rc;
}

static void s3_close(void *impl)
{
    s3_t *s = impl;
    if (!s) return;
    if (s->curl) curl_easy_cleanup(s->curl);
    pthread_mutex_destroy(&s->mu);
    memset(s->sk, 0, sizeof s->sk);
    free(s->ca_bundle);
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
    .list = s3_list,
    .mpu_create = s3_mpu_create,
    .mpu_put_part = s3_mpu_put_part,
    .mpu_complete = s3_mpu_complete,
    .mpu_abort = s3_mpu_abort,
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

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
    pthread_mutex_init(&s->mu, NULL);
    int rc = parse_endpoint(s, o->endpoint, err);
    if (rc) goto fail;
    if (lh_str_copy(s->region, sizeof s->region, (lh_str_t){region, strlen(region)}) ||
        lh_str_copy(s->ak, sizeof s->ak, (lh_str_t){o->access_key, strlen(o->access_key)}) ||
        lh_str_copy(s->sk, sizeof s->sk, (lh_str_t){o->secret_key, strlen(o->secret_key)})) {
        rc = lh_err_set(err, LH_EINVAL, "s3 region or keys too long");
        goto fail;
    }
    s->path_style = o->path_style;
    if (o->ca_bundle && *o->ca_bundle && !(s->ca_bundle = strdup(o->ca_bundle))) {
        rc = lh_err_set(err, LH_ENOMEM, "out of memory");
        goto fail;
    }
    pthread_once(&curl_once, curl_init_once);
    s->curl = curl_easy_init();
    if (!s->curl) {
        rc = lh_err_set(err, LH_ENOMEM, "cannot create curl handle");
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
