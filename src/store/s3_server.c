/* The S3 service: the listener and the life cycle of a request. A request
 * is copied off the connection and addressed (s3_req.c), routed to its row of
 * the operation table (s3_ops.c), authenticated (s3_auth.c), its body read as
 * its row says, its handler run (workers through s3_work.c), its reply sent;
 * it is freed once both its connection and its worker are done. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/throttle.h"
#include "store/s3_int.h"

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

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

static void delay_over(void *arg)
{
    lh__s3_resume(arg, 0, NULL);
}

/* A failed authentication: logged; a wrong secret or an unknown key (a guess)
 * also goes to the login throttle (core/throttle.h), whose delay holds the
 * error on a loop timer as if a worker had the request. */
static void auth_failed(s3_req_t *r, const char *code)
{
    lh_http_req_t *h = r->http;
    unsigned delay = 0;
    if (!strcmp(code, "SignatureDoesNotMatch") || !strcmp(code, "InvalidAccessKeyId"))
        delay = lh_auth_failed("s3", r->reqid, r->sig.access_key, h->remote_addr, code);
    else
        lh_auth_refused("s3", r->reqid, r->sig.access_key, h->remote_addr, code);
    r->work_pending = delay > 0 && lh_loop_after(r->s3->loop, delay, delay_over, r) == 0;
    if (!r->work_pending) lh__s3_send(r);
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
    if (lh__s3_req_copy(r, h) != 0) code = "InvalidArgument";
    if (!code) code = lh__s3_address(r, h);
    if (!code) {
        const s3_op_t *op = lh__s3_route(r, h->method, lh__s3_ops, lh__s3_nops);
        r->op = op ? op : &lh__s3_op_unknown;
    }
    if (!code && (code = lh__s3_authenticate(r, h, &err)) != NULL) {
        lh__s3_error(r, code, err.msg[0] ? err.msg : NULL);
        auth_failed(r, code);
        return;
    }
    if (!code && !r->op->work && !r->op->start) code = "NotImplemented";
    if (!code && r->anonymous && !r->op->action) code = "AccessDenied";
    if (!code && !lh__s3_role_allows(r)) code = "AccessDenied"; /* before any body */
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
    if (r) r->failed = 1;
}

/* Framing errors found by the HTTP layer, as S3 error codes. */
typedef struct {
    int kind, status; /* status 0: any */
    const char *code, *message;
} framing_error_t;

static const framing_error_t framing_errors[] = {
    {.kind = LH_HTTP_ERR_HEAD,
     .status = 431,
     .code = "RequestHeaderSectionTooLarge",
     .message = "Your request header section exceeds the maximum allowed size."},
    {.kind = LH_HTTP_ERR_HEAD,
     .status = 501,
     .code = "NotImplemented",
     .message = "A header you provided implies functionality that is not implemented."},
    {.kind = LH_HTTP_ERR_HEAD,
     .status = 505,
     .code = "HttpVersionNotSupported",
     .message = "The HTTP version specified is not supported."},
    {.kind = LH_HTTP_ERR_HEAD,
     .code = "BadRequest",
     .message = "An error occurred when parsing the HTTP request."},
    {.kind = LH_HTTP_ERR_TIMEOUT,
     .code = "RequestTimeout",
     .message = "Your socket connection to the server was not read from or written to within "
                "the timeout period."},
    {.kind = LH_HTTP_ERR_BODY,
     .code = "InvalidRequest",
     .message = "The chunked encoding of the request body is not valid."},
    {.kind = LH_HTTP_ERR_TRUNCATED,
     .code = "IncompleteBody",
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
    if (!r) return;
    if (!ok) lh_log(LH_LOG_INFO, r->reqid, "%s aborted: connection closed", r->op->name);
    metrics_done(r);
    r->http = NULL;
    h->udata = NULL;
    if (!r->work_pending) lh__s3_req_free(r);
}

static const double size_buckets[] = {1024, 65536, 1048576, 16777216, 134217728, 1073741824};

static lh_http_server_opts_t opts(lh_s3_t *s3, const lh_config_t *cfg, const char *listen)
{
    lh_http_server_opts_t o = {
        .name = "s3",
        .listen = listen,
        .max_header_bytes = (size_t)lh_config_int(cfg, "store.max_header_bytes"),
        .max_headers = (size_t)lh_config_int(cfg, "store.max_headers"),
        .handler = &s3->handler,
        .ctx = s3,
    };
    lh_http_opts_from_config(&o, cfg, "store");
    return o;
}

int lh_s3_listen_unix(lh_s3_t *s3, const lh_config_t *cfg, const char *path, char *bound,
                      size_t cap, lh_err_t *err)
{
    char listen[256];
    if (snprintf(listen, sizeof listen, "unix:%s", path) >= (int)sizeof listen)
        return lh_err_set(err, LH_EINVAL, "socket path too long: %s", path);
    lh_http_server_opts_t o = opts(s3, cfg, listen);
    o.name = "s3_unix"; /* logs, and the listener="s3_unix" label of the tcp metrics */
    return lh_http_server_start(s3->loop, &o, &s3->http_unix, bound, cap, err);
}

int lh_s3_start(uv_loop_t *loop, const lh_config_t *cfg, lh_meta_t *meta, lh_store_t *st,
                lh_s3_t **out, char *bound, size_t cap, lh_err_t *err)
{
    lh_s3_t *s3 = calloc(1, sizeof *s3);
    if (!s3) return lh_err_set(err, LH_ENOMEM, "out of memory");
    s3->loop = loop;
    s3->meta = meta;
    s3->st = st;
    snprintf(s3->domain, sizeof s3->domain, "%s", lh_config_get(cfg, "store.domain"));
    snprintf(s3->region, sizeof s3->region, "%s", lh_config_get(cfg, "store.region"));
    snprintf(s3->lake_bucket, sizeof s3->lake_bucket, "%s", lh_config_get(cfg, "lake.bucket"));
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
    lh_metrics_register("lakehouse_s3_without_worker_total", LH_METRIC_COUNTER,
                        "S3 requests served with no worker thread (small GETs from the read "
                        "cache, small PUTs committed by the store's committer)",
                        NULL, 0);
    (void)size_buckets;
    const char *cert = lh_config_get(cfg, "store.tls_cert");
    const char *key = lh_config_get(cfg, "store.tls_key");
    lh_http_server_opts_t o = opts(s3, cfg, lh_config_get(cfg, "store.listen"));
    o.tls_cert = cert[0] ? cert : NULL;
    o.tls_key = key[0] ? key : NULL;
    int rc = lh_loop_poster_new(loop, &s3->poster);
    if (rc) {
        free(s3);
        return lh_err_set(err, rc, "cannot create the s3 poster");
    }
    rc = lh_http_server_start(loop, &o, &s3->http, bound, cap, err);
    if (rc) {
        lh_loop_poster_close(s3->poster);
        free(s3);
        return rc;
    }
    *out = s3;
    return 0;
}

/* One listener is closed; the last one frees s3. */
static void stopped(void *arg)
{
    lh_s3_t *s3 = arg;
    if (--s3->listening > 0) return;
    lh_loop_poster_close(s3->poster); /* commits still in flight free their requests */
    if (s3->stop_done) s3->stop_done(s3->stop_arg);
    free(s3);
}

void lh_s3_stop(lh_s3_t *s3, void (*done)(void *), void *arg)
{
    s3->stop_done = done;
    s3->stop_arg = arg;
    s3->listening = s3->http_unix ? 2 : 1; /* both wind down at once, each with its grace */
    if (s3->http_unix) lh_http_server_stop(s3->http_unix, stopped, s3);
    lh_http_server_stop(s3->http, stopped, s3);
}
