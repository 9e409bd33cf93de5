/* The S3 service: HTTP handler callbacks, addressing (path style and
 * virtual-host style), the operation table, authentication (SigV4/V2 through
 * auth.h, users from the metadata cache), and the worker hand-off that every
 * operation uses: blocking work on the pool, the response sent from the loop. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/url.h"
#include "store/policy.h"
#include "store/s3_int.h"

/* ---------- request facts ---------- */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

const char *lh__s3_hdr(const s3_req_t *r, const char *lname)
{
    for (size_t i = 0; i < r->nhdr; i++)
        if (!strcmp(r->hdr[2 * i], lname))
            return r->hdr[2 * i + 1];
    return NULL;
}

const char *lh__s3_query(const s3_req_t *r, const char *name)
{
    for (size_t i = 0; i < r->nqry; i++)
        if (!strcmp(r->qry[2 * i], name))
            return r->qry[2 * i + 1];
    return NULL;
}

int lh__s3_has_query(const s3_req_t *r, const char *name)
{
    return lh__s3_query(r, name) != NULL;
}

void lh__s3_set_hdr(s3_req_t *r, const char *name, const char *value)
{
    lh_buf_append(&r->resp_hdrs, name, strlen(name) + 1);
    lh_buf_append(&r->resp_hdrs, value, strlen(value) + 1);
}

static char *dupn(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

/* Copies headers (lower-cased names) and decoded query parameters off the
 * HTTP request so workers never touch the connection's memory. */
static int copy_request(s3_req_t *r, lh_http_req_t *h)
{
    r->hdr = calloc(2 * h->nheaders + 1, sizeof(char *));
    if (!r->hdr)
        return LH_ENOMEM;
    for (size_t i = 0; i < h->nheaders; i++) {
        char *n = dupn(h->headers[i].name.ptr, h->headers[i].name.len);
        char *v = dupn(h->headers[i].value.ptr, h->headers[i].value.len);
        if (!n || !v) {
            free(n);
            free(v);
            return LH_ENOMEM;
        }
        for (char *p = n; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        r->hdr[2 * r->nhdr] = n;
        r->hdr[2 * r->nhdr + 1] = v;
        r->nhdr++;
    }
    size_t cnt = 1;
    for (size_t i = 0; i < h->query.len; i++)
        cnt += h->query.ptr[i] == '&';
    r->qry = calloc(2 * cnt + 1, sizeof(char *));
    if (!r->qry)
        return LH_ENOMEM;
    lh_url_query_t q;
    lh_url_query_init(&q, h->query);
    while (lh_url_query_next(&q)) {
        char *dn, *dv;
        if (lh_url_query_decoded(&q, h->arena, LH_URL_STRICT | LH_URL_NO_NUL, &dn, &dv))
            return LH_EINVAL;
        r->qry[2 * r->nqry] = strdup(dn);
        r->qry[2 * r->nqry + 1] = strdup(dv);
        if (!r->qry[2 * r->nqry] || !r->qry[2 * r->nqry + 1])
            return LH_ENOMEM;
        r->nqry++;
    }
    return 0;
}

static void req_free(s3_req_t *r)
{
    for (size_t i = 0; i < 2 * r->nhdr; i++)
        free(r->hdr[i]);
    for (size_t i = 0; i < 2 * r->nqry; i++)
        free(r->qry[i]);
    free(r->hdr);
    free(r->qry);
    free(r->key);
    free(r->resource);
    lh_buf_free(&r->body);
    lh_buf_free(&r->resp_hdrs);
    lh_buf_free(&r->resp_body);
    if (r->resp_fd >= 0)
        close(r->resp_fd);
    lh__s3_put_free(r);
    free(r);
}

/* ---------- worker hand-off ---------- */

typedef struct {
    s3_req_t *r;
    s3_work_fn work, done;
} job_t;

static void job_run(void *arg)
{
    job_t *j = arg;
    j->work(j->r);
}

static void job_done(void *arg, int status)
{
    job_t *j = arg;
    s3_req_t *r = j->r;
    s3_work_fn done = j->done;
    free(j);
    r->work_pending = 0;
    if (!r->http) { /* the connection went away meanwhile */
        req_free(r);
        return;
    }
    if (status != 0)
        lh__s3_error(r, "InternalError", "server is shutting down");
    if (done && status == 0)
        done(r);
    else
        lh__s3_send(r);
}

void lh__s3_submit(s3_req_t *r, s3_work_fn work, s3_work_fn done)
{
    job_t *j = malloc(sizeof *j);
    if (j) {
        j->r = r;
        j->work = work;
        j->done = done;
        r->work_pending = 1;
        if (lh_work_submit(r->s3->loop, job_run, job_done, j) == 0)
            return;
        free(j);
    }
    r->work_pending = 0;
    lh__s3_error(r, "InternalError", "cannot schedule work");
    lh__s3_send(r);
}

/* ---------- responses ---------- */

static void file_sent(lh_http_req_t *h, int ok, void *arg)
{
    s3_req_t *r = arg;
    (void)ok;
    if (r->resp_fd >= 0) {
        close(r->resp_fd);
        r->resp_fd = -1;
    }
    lh_http_finish(h);
}

static int later_header(const char *p, const char *end, const char *name)
{
    while (p < end) {
        const char *v = p + strlen(p) + 1;
        if (!strcasecmp(p, name))
            return 1;
        p = v + strlen(v) + 1;
    }
    return 0;
}

void lh__s3_send(s3_req_t *r)
{
    lh_http_req_t *h = r->http;
    if (!h)
        return;
    /* the one check of the reply buffers: a failed append left a hole */
    int lost = lh_buf_err(&r->resp_body) ? lh_buf_err(&r->resp_body) : lh_buf_err(&r->resp_hdrs);
    if (lost) {
        lh_log(LH_LOG_ERROR, r->reqid, "%s reply lost: %s", r->op->name,
               lh_strerror(lost));
        lh__s3_error(r, "InternalError", NULL);
    }
    lh_http_set_header(h, "x-amz-request-id", r->reqid);
    lh_http_set_header(h, "x-amz-id-2", r->reqid);
    const char *p = r->resp_hdrs.ptr, *end = p + r->resp_hdrs.len;
    while (p && p < end) {
        const char *v = p + strlen(p) + 1, *next = v + strlen(v) + 1;
        if (!later_header(next, end, p)) /* the last one set wins (response-* overrides) */
            lh_http_set_header(h, p, v);
        p = next;
    }
    if (r->status == 0)
        r->status = 200;
    if (r->failed && !r->body_done && r->op->body)
        lh_http_close_after(h);
    if (r->resp_fd >= 0 && !r->failed) {
        r->bytes_out += h->is_head ? 0 : r->resp_len;
        lh_http_start(h, r->status, r->resp_len);
        if (h->is_head || r->resp_len == 0)
            file_sent(h, 1, r);
        else
            lh_http_sendfile(h, r->resp_fd, r->resp_off, r->resp_len, file_sent, r);
        return;
    }
    r->bytes_out += h->is_head ? 0 : (int64_t)r->resp_body.len;
    if (r->status == 304 || r->status == 204 || (h->is_head && r->failed))
        lh_http_respond(h, r->status, NULL, 0);
    else
        lh_http_respond(h, r->status, r->resp_body.ptr, r->resp_body.len);
}

/* ---------- addressing and routing ---------- */

/* 1 when the query names a sub-resource, not just authentication parameters
 * (presigned V4/V2) or the SDKs' operation hint x-id. */
static int has_subresource(const s3_req_t *r)
{
    for (size_t i = 0; i < r->nqry; i++) {
        const char *n = r->qry[2 * i];
        if (strncasecmp(n, "X-Amz-", 6) && strcmp(n, "AWSAccessKeyId") &&
            strcmp(n, "Signature") && strcmp(n, "Expires") && strcmp(n, "x-id"))
            return 1;
    }
    return 0;
}

/* 1 when spec holds: "name" is in the query, or "name=value" is with that
 * decoded value. */
static int has_sub(const s3_req_t *r, const char *spec)
{
    const char *eq = strchr(spec, '=');
    char name[32];
    if (!eq)
        return lh__s3_has_query(r, spec);
    snprintf(name, sizeof name, "%.*s", (int)(eq - spec), spec);
    const char *v = lh__s3_query(r, name);
    return v && !strcmp(v, eq + 1);
}

static int has_any(const s3_req_t *r, const char *const *names)
{
    for (int i = 0; names[i]; i++)
        if (lh__s3_has_query(r, names[i]))
            return 1;
    return 0;
}

static int op_matches(const s3_op_t *op, const s3_req_t *r, lh_str_t method, s3_target_t target)
{
    if (op->target != target || !lh_str_eq(method, op->method))
        return 0;
    for (int i = 0; i < 2; i++)
        if (op->sub[i] && !has_sub(r, op->sub[i]))
            return 0;
    if (op->any && !has_any(r, op->any))
        return 0;
    if (op->bare && has_subresource(r))
        return 0;
    return !op->copy_source || lh__s3_hdr(r, "x-amz-copy-source") != NULL;
}

/* The first row of ops that answers the request, or NULL. */
static const s3_op_t *route(const s3_req_t *r, lh_str_t method, const s3_op_t *ops, size_t n)
{
    s3_target_t target = !r->bucket[0] ? S3_SERVICE : r->key ? S3_OBJECT : S3_BUCKET;
    for (size_t i = 0; i < n; i++)
        if (op_matches(&ops[i], r, method, target))
            return &ops[i];
    return NULL;
}

/* Bucket from a virtual host "<bucket>.<domain>[:port]", else NULL. */
static int vhost_bucket(const s3_req_t *r, char *out, size_t cap)
{
    const char *host = lh__s3_hdr(r, "host");
    const char *dom = r->s3->domain;
    if (!host || !dom[0])
        return 0;
    size_t hl = strcspn(host, ":"), dl = strlen(dom);
    if (host[0] == '[' || hl <= dl + 1 || host[hl - dl - 1] != '.' ||
        strncasecmp(host + hl - dl, dom, dl) != 0)
        return 0;
    size_t bl = hl - dl - 1;
    if (bl >= cap)
        return -1;
    for (size_t i = 0; i < bl; i++)
        out[i] = (char)tolower((unsigned char)host[i]);
    out[bl] = 0;
    return 1;
}

/* Splits the decoded path into bucket and key. Returns 0 or an S3 error code. */
static const char *address(s3_req_t *r, lh_http_req_t *h)
{
    char *path = lh_http_pct_decode(h->arena, h->path);
    if (!path)
        return "InvalidURI";
    if (path[0] != '/')
        return "InvalidURI";
    size_t plen = strlen(path);
    const char *keyp = NULL;
    int vh = vhost_bucket(r, r->bucket, sizeof r->bucket);
    if (vh < 0)
        return "InvalidBucketName";
    if (vh) {
        if (plen > 1)
            keyp = path + 1;
    } else if (plen > 1) {
        const char *slash = strchr(path + 1, '/');
        size_t bl = slash ? (size_t)(slash - path - 1) : plen - 1;
        if (bl >= sizeof r->bucket)
            return "InvalidBucketName";
        memcpy(r->bucket, path + 1, bl);
        r->bucket[bl] = 0;
        if (slash && slash[1])
            keyp = slash + 1;
    }
    if (r->bucket[0] && !lh_s3_bucket_name_valid(r->bucket) &&
        !(lh_str_eq(h->method, "GET") || lh_str_eq(h->method, "HEAD") ||
          lh_str_eq(h->method, "DELETE")))
        return "InvalidBucketName";
    if (keyp) {
        r->key_len = strlen(keyp);
        if (r->key_len > LH_STORE_KEY_MAX)
            return "KeyTooLongError";
        r->key = dupn(keyp, r->key_len);
    }
    r->resource = malloc(plen + sizeof r->bucket + 2);
    if (r->resource)
        snprintf(r->resource, plen + sizeof r->bucket + 2, "/%s%s%.*s", r->bucket,
                 r->key ? "/" : "", (int)r->key_len, r->key ? r->key : "");
    return NULL;
}

int lh_s3_bucket_name_valid(const char *n)
{
    size_t len = strlen(n);
    int digits_dots = 1;
    if (len < 3 || len > 63)
        return 0;
    if (!isalnum((unsigned char)n[0]) || !isalnum((unsigned char)n[len - 1]))
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];
        if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '.' || c == '-'))
            return 0;
        if (c == '.' && (n[i + 1] == '.' || n[i + 1] == '-' || (i && n[i - 1] == '-')))
            return 0;
        if (!isdigit((unsigned char)c) && c != '.')
            digits_dots = 0;
    }
    if (digits_dots) /* looks like an IP address */
        return 0;
    if (!strncmp(n, "xn--", 4) || (len > 8 && !strcmp(n + len - 8, "-s3alias")))
        return 0;
    return 1;
}

/* ---------- authentication ---------- */

static const char *authenticate(s3_req_t *r, lh_http_req_t *h, lh_err_t *err)
{
    lh_sig_request_t sr = {
        .method = h->method, .path = h->path, .query = h->query,
        .headers = h->headers, .nheaders = h->nheaders, .now = time(NULL),
    };
    char res[2048];
    int vh = vhost_bucket(r, res, sizeof res) == 1;
    /* V2 canonical resource: "/bucket" + path for virtual-host requests; a
     * request for a bucket itself signs "/bucket/" (as botocore and S3 do)
     * even when the path-style URL is "/bucket" */
    int slash = !vh && r->bucket[0] && !r->key && h->path.len && h->path.ptr[h->path.len - 1] != '/';
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
    if (rc == LH_EAUTH && slash && (r->sig.kind == LH_SIG_V2_HEADER || r->sig.kind == LH_SIG_V2_QUERY)) {
        sr.v2_resource.len--; /* some V2 signers keep the path as sent */
        rc = lh_sig_verify(&sr, &r->sig, r->user.secret_key, err);
    }
    if (rc != 0)
        return r->sig.s3_error ? r->sig.s3_error : "SignatureDoesNotMatch";
    return NULL;
}

int lh__s3_access(const s3_req_t *r, const lh_store_bucket_t *info, const char *action,
                  const char *key, size_t key_len)
{
    int admin = !r->anonymous && r->user.role == LH_ROLE_ADMIN;
    int allowed = 0;
    if (admin || (!r->anonymous && !strcmp(info->owner, r->user.access_key)))
        allowed = 1;
    if (allowed && !admin && r->user.role == LH_ROLE_READER && r->op->needs_write)
        allowed = 0;
    if (action && info->policy) {
        lh_policy_t *pol = NULL;
        if (lh_policy_parse(info->policy, strlen(info->policy), info->name, &pol, NULL) == 0) {
            char *k = key ? dupn(key, key_len) : NULL;
            int v = lh_policy_eval(pol, r->anonymous ? NULL : r->user.access_key, action,
                                   info->name, k);
            free(k);
            lh_policy_free(pol);
            if (v == LH_POLICY_DENY && !admin)
                return 0;
            if (v == LH_POLICY_ALLOW)
                allowed = 1;
        }
    }
    if (!allowed && action && info->public_read &&
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

/* ---------- HTTP callbacks ---------- */

static void metrics_done(s3_req_t *r)
{
    char labels[128];
    const char *op = r->op->name;
    snprintf(labels, sizeof labels, "op=\"%s\",code=\"%d\"", op, r->status ? r->status : 200);
    lh_metrics_add("lakehouse_s3_requests_total", labels, 1);
    snprintf(labels, sizeof labels, "op=\"%s\"", op);
    lh_metrics_observe("lakehouse_s3_request_duration_seconds", labels,
                       (double)(now_ns() - r->t0_ns) / 1e9);
    lh_metrics_add("lakehouse_s3_bytes_received_total", NULL, (double)r->bytes_in);
    lh_metrics_add("lakehouse_s3_bytes_sent_total", NULL, (double)r->bytes_out);
    lh_metrics_add("lakehouse_s3_requests_in_flight", NULL, -1);
}

/* Runs the operation's handler from its row: a streamed upload starts on the
 * loop, any other operation runs its work on a worker, then replies. */
static void dispatch(s3_req_t *r)
{
    if (r->op->start)
        r->op->start(r);
    else
        lh__s3_submit(r, r->op->work, NULL);
}

static void on_request(lh_http_req_t *h, void *ctx)
{
    lh_s3_t *s3 = ctx;
    s3_req_t *r = calloc(1, sizeof *r);
    if (!r) {
        lh_http_close_after(h);
        lh_http_respond(h, 503, NULL, 0);
        return;
    }
    h->udata = r;
    r->s3 = s3;
    r->http = h;
    r->op = &lh__s3_op_unknown;
    r->t0_ns = now_ns();
    r->resp_fd = -1;
    memcpy(r->reqid, h->request_id, sizeof r->reqid);
    lh_buf_init(&r->body, 1 << 20);
    lh_buf_init(&r->resp_hdrs, 1 << 16);
    lh_buf_init(&r->resp_body, 256 << 20);
    lh_metrics_add("lakehouse_s3_requests_in_flight", NULL, 1);
    lh_err_t err = {0};
    const char *code = NULL;
    if (copy_request(r, h) != 0)
        code = "InvalidArgument";
    if (!code)
        code = address(r, h);
    if (!code) {
        const s3_op_t *op = route(r, h->method, lh__s3_ops, lh__s3_nops);
        r->op = op ? op : &lh__s3_op_unknown;
    }
    if (!code && (code = authenticate(r, h, &err)) != NULL) {
        lh_log(LH_LOG_INFO, r->reqid, "auth failed: %s %s", code, err.msg);
        lh__s3_error(r, code, err.msg[0] ? err.msg : NULL);
        lh__s3_send(r);
        return;
    }
    if (!code && !r->op->work && !r->op->start)
        code = "NotImplemented";
    if (!code && r->anonymous && !r->op->action)
        code = "AccessDenied";
    if (!code && !r->anonymous && r->op->auth == S3_AUTH_ROLE && r->op->needs_write &&
        r->user.role == LH_ROLE_READER)
        code = "AccessDenied";
    if (code) {
        lh__s3_error(r, code, NULL);
        lh__s3_send(r);
        return;
    }
    if (r->op->body == S3_BODY_SMALL) {
        lh_http_body_read(h);
        return;
    }
    dispatch(r);
}

static void on_body(lh_http_req_t *h, const char *data, size_t len, void *ctx)
{
    s3_req_t *r = h->udata;
    (void)ctx;
    r->bytes_in += (int64_t)len;
    if (r->op->body == S3_BODY_STREAM) {
        r->op->on_body(r, data, len);
        return;
    }
    if (!r->failed && lh_buf_append(&r->body, data, len) != 0)
        lh__s3_error(r, "EntityTooLarge", "the request body is too large");
    lh_http_body_next(h);
}

static void on_body_end(lh_http_req_t *h, void *ctx)
{
    s3_req_t *r = h->udata;
    (void)ctx;
    r->body_done = 1;
    if (r->op->body == S3_BODY_STREAM) {
        r->op->on_body_end(r);
        return;
    }
    if (r->failed) {
        lh__s3_send(r);
        return;
    }
    dispatch(r);
}

static void on_body_error(lh_http_req_t *h, void *ctx)
{
    s3_req_t *r = h->udata;
    (void)ctx;
    if (r)
        r->failed = 1;
}

/* Framing errors found by the HTTP layer, as S3 error codes. */
typedef struct {
    int kind, status; /* status 0: any */
    const char *code, *message;
} framing_error_t;

static const framing_error_t framing_errors[] = {
    {.kind = LH_HTTP_ERR_HEAD, .status = 431, .code = "RequestHeaderSectionTooLarge",
     .message = "Your request header section exceeds the maximum allowed size."},
    {.kind = LH_HTTP_ERR_HEAD, .status = 501, .code = "NotImplemented",
     .message = "A header you provided implies functionality that is not implemented."},
    {.kind = LH_HTTP_ERR_HEAD, .status = 505, .code = "HttpVersionNotSupported",
     .message = "The HTTP version specified is not supported."},
    {.kind = LH_HTTP_ERR_HEAD, .code = "BadRequest",
     .message = "An error occurred when parsing the HTTP request."},
    {.kind = LH_HTTP_ERR_TIMEOUT, .code = "RequestTimeout",
     .message = "Your socket connection to the server was not read from or written to within "
                "the timeout period."},
    {.kind = LH_HTTP_ERR_BODY, .code = "InvalidRequest",
     .message = "The chunked encoding of the request body is not valid."},
    {.kind = LH_HTTP_ERR_TRUNCATED, .code = "IncompleteBody",
     .message = "You did not provide the number of bytes specified by the Content-Length HTTP "
                "header."},
};

static const framing_error_t *framing_error(int kind, int status)
{
    for (size_t i = 0; i < sizeof framing_errors / sizeof framing_errors[0]; i++)
        if (framing_errors[i].kind == kind &&
            (!framing_errors[i].status || framing_errors[i].status == status))
            return &framing_errors[i];
    return &framing_errors[3];
}

/* Answers a framing error as an S3 <Error>: through the request when there
 * is one (and no worker holds it), else from the stand-in request. */
static void on_error(lh_http_req_t *h, int status, int kind, const char *reason, void *ctx)
{
    s3_req_t *r = h->udata;
    const framing_error_t *e = framing_error(kind, status);
    (void)ctx;
    lh_log(LH_LOG_INFO, h->request_id, "%s: %s", e->code, reason);
    if (r) {
        if (!r->work_pending) {
            lh__s3_error(r, e->code, e->message);
            lh__s3_send(r);
        }
        return;
    }
    lh_buf_t b;
    lh_buf_init(&b, 1 << 16);
    lh_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
    lh__s3_xml_elem(&b, "Code", e->code);
    lh__s3_xml_elem(&b, "Message", e->message);
    lh__s3_xml_elem(&b, "RequestId", h->request_id);
    lh__s3_xml_elem(&b, "HostId", h->request_id);
    lh_buf_puts(&b, "</Error>");
    lh_http_set_header(h, "Content-Type", "application/xml");
    lh_http_set_header(h, "x-amz-request-id", h->request_id);
    lh_http_set_header(h, "x-amz-id-2", h->request_id);
    lh_http_respond(h, status, b.ptr, b.len);
    lh_buf_free(&b);
}

static void on_done(lh_http_req_t *h, int ok, void *ctx)
{
    s3_req_t *r = h->udata;
    (void)ctx;
    if (!r)
        return;
    if (!ok)
        lh_log(LH_LOG_INFO, r->reqid, "%s aborted: connection closed", r->op->name);
    metrics_done(r);
    r->http = NULL;
    h->udata = NULL;
    if (!r->work_pending)
        req_free(r);
}

static const double size_buckets[] = {1024, 65536, 1048576, 16777216, 134217728, 1073741824};

int lh_s3_start(uv_loop_t *loop, const lh_config_t *cfg, lh_meta_t *meta, lh_store_t *st,
                lh_s3_t **out, char *bound, size_t cap, lh_err_t *err)
{
    lh_s3_t *s3 = calloc(1, sizeof *s3);
    if (!s3)
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    s3->loop = loop;
    s3->meta = meta;
    s3->st = st;
    snprintf(s3->domain, sizeof s3->domain, "%s", lh_config_get(cfg, "store.domain"));
    snprintf(s3->region, sizeof s3->region, "%s", lh_config_get(cfg, "store.region"));
    s3->handler = (lh_http_handler_t){
        .on_request = on_request,
        .on_body = on_body,
        .on_body_end = on_body_end,
        .on_body_error = on_body_error,
        .on_done = on_done,
        .on_error = on_error,
    };
    lh_metrics_register("lakehouse_s3_requests_total", LH_METRIC_COUNTER,
                        "S3 requests by operation and status code", NULL, 0);
    lh_metrics_register("lakehouse_s3_request_duration_seconds", LH_METRIC_HISTOGRAM,
                        "S3 request latency by operation", NULL, 0);
    lh_metrics_register("lakehouse_s3_bytes_received_total", LH_METRIC_COUNTER,
                        "S3 request body bytes received", NULL, 0);
    lh_metrics_register("lakehouse_s3_bytes_sent_total", LH_METRIC_COUNTER,
                        "S3 response body bytes sent", NULL, 0);
    lh_metrics_register("lakehouse_s3_requests_in_flight", LH_METRIC_GAUGE,
                        "S3 requests being served", NULL, 0);
    (void)size_buckets;
    const char *cert = lh_config_get(cfg, "store.tls_cert");
    const char *key = lh_config_get(cfg, "store.tls_key");
    lh_http_server_opts_t o = {
        .name = "s3",
        .listen = lh_config_get(cfg, "store.listen"),
        .tls_cert = cert[0] ? cert : NULL,
        .tls_key = key[0] ? key : NULL,
        .max_header_bytes = (size_t)lh_config_int(cfg, "store.max_header_bytes"),
        .max_headers = (size_t)lh_config_int(cfg, "store.max_headers"),
        .handler = &s3->handler,
        .ctx = s3,
    };
    lh_http_opts_from_config(&o, cfg, "store");
    int rc = lh_http_server_start(loop, &o, &s3->http, bound, cap, err);
    if (rc) {
        free(s3);
        return rc;
    }
    *out = s3;
    return 0;
}

static void stopped(void *arg)
{
    lh_s3_t *s3 = arg;
    if (s3->stop_done)
        s3->stop_done(s3->stop_arg);
    free(s3);
}

void lh_s3_stop(lh_s3_t *s3, void (*done)(void *), void *arg)
{
    s3->stop_done = done;
    s3->stop_arg = arg;
    lh_http_server_stop(s3->http, stopped, s3);
}
