/* HTTP/1.1 server on the TCP layer (raw mode): the request life cycle. Each
 * connection is a small state machine (HEAD -> REQ -> [DISCARD] -> HEAD ...,
 * or CLOSED) advanced by drive(), which runs the step of the current state
 * until it can make no progress. The socket is read only while the current
 * state needs input and the handler holds no body slice, which is the
 * back-pressure: at most one read buffer (plus one TLS record) per
 * connection is ever held. Sockets, TLS, deadlines, limits and the write
 * queue are the TCP layer's (tcp.h); responses are framed in http_resp.c;
 * the parser is http_parse.c. */
#include "core/http_int.h"
#include "core/log.h"
#include "core/metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

enum { STOP, GO };

static const char *const state_names[] = {"head", "req", "discard", "closed"};

static void set_state(lh__http_conn_t *c, int st)
{
    lh_log(LH_LOG_DEBUG, c->req ? c->req->pub.request_id : NULL, "http %s conn %s: %s -> %s",
           c->srv->name, c->remote, state_names[c->state], state_names[st]);
    c->state = st;
}

/* --- request ids: process-random, unique (a bijective mix of a counter) --- */

static uint64_t rid_seed, rid_counter;
static pthread_once_t rid_once = PTHREAD_ONCE_INIT;

static void rid_init(void)
{
    if (getrandom(&rid_seed, sizeof rid_seed, 0) != (ssize_t)sizeof rid_seed)
        rid_seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
}

void lh__http_request_id(char *out, size_t cap)
{
    pthread_once(&rid_once, rid_init);
    uint64_t x = rid_seed + __atomic_fetch_add(&rid_counter, 1, __ATOMIC_RELAXED);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    x ^= x >> 31;
    snprintf(out, cap, "%016llX", (unsigned long long)x);
}

/* --- metrics --- */

static void metrics_register(void)
{
    lh_metrics_register("lakehouse_http_connections_active", LH_METRIC_GAUGE,
                        "Open HTTP connections.", NULL, 0);
    lh_metrics_register("lakehouse_http_requests_in_flight", LH_METRIC_GAUGE,
                        "HTTP requests being handled.", NULL, 0);
    lh_metrics_register("lakehouse_http_bytes_received_total", LH_METRIC_COUNTER,
                        "Bytes read from HTTP connections.", NULL, 0);
    lh_metrics_register("lakehouse_http_bytes_sent_total", LH_METRIC_COUNTER,
                        "Bytes written to HTTP connections.", NULL, 0);
}

size_t lh__http_max_buffered(const lh_http_server_t *srv)
{
    return lh_tcp_server_max_buffered(srv->tcp);
}

/* --- ending --- */

void lh__http_lost(lh__http_conn_t *c)
{
    if (c->state != LH__CS_CLOSED) set_state(c, LH__CS_CLOSED);
}

/* Aborts the connection; the request in flight ends in on_close (on_done
 * with ok=0) once the layer has notified its pending writes. */
static void abort_conn(lh__http_conn_t *c)
{
    set_state(c, LH__CS_CLOSED);
    lh_tcp_conn_abort(c->tcp);
}

/* Graceful: the queued answer goes out, then the layer lingers and closes. */
static void close_conn(lh__http_conn_t *c)
{
    set_state(c, LH__CS_CLOSED);
    lh_tcp_conn_close(c->tcp);
}

void lh__http_fail(lh__http_conn_t *c)
{
    c->failed = 1;
    lh__http_kick(c);
}

/* --- request life cycle --- */

static int req_begin(lh__http_conn_t *c)
{
    lh_arena_t *a = lh_arena_new(8192);
    lh__http_ireq_t *r = a ? lh_arena_calloc(a, sizeof *r) : NULL;
    lh_tcp_conn_timeout(c->tcp, LH_TCP_TIMEOUT_HEAD, 0);
    if (!r || (r->pub.arena = a, lh__http_req_fill(&c->p, &r->pub))) {
        lh_arena_free(a);
        lh__http_send_error(c, NULL, 500, LH_HTTP_ERR_HEAD, "out of memory");
        close_conn(c);
        return STOP;
    }
    r->c = c;
    r->out_left = -1;
    r->pub.loop = c->srv->loop;
    r->pub.server = c->srv;
    r->pub.is_tls = lh_tcp_conn_is_tls(c->tcp);
    snprintf(r->pub.remote_addr, sizeof r->pub.remote_addr, "%s", c->remote);
    lh__http_request_id(r->pub.request_id, sizeof r->pub.request_id);
    c->req = r;
    set_state(c, LH__CS_REQ);
    lh_tcp_conn_set_busy(c->tcp, 1);
    lh_metrics_add("lakehouse_http_requests_in_flight", c->srv->labels, 1);
    c->srv->handler.on_request(&r->pub, c->srv->ctx);
    return GO;
}

/* The response is out: tell the handler, then keep, drain or close. */
static int req_end(lh__http_conn_t *c)
{
    lh__http_ireq_t *r = c->req;
    int keep = !r->close && !c->peer_eof && !lh_tcp_conn_draining(c->tcp);
    int body_left = c->p.phase == LH__HP_BODY;
    if (keep && body_left && !lh__http_discardable(c)) keep = 0;
    c->req = NULL;
    c->holding = 0;
    lh_tcp_conn_set_busy(c->tcp, 0);
    if (c->srv->handler.on_done) c->srv->handler.on_done(&r->pub, 1, c->srv->ctx);
    lh_metrics_add("lakehouse_http_requests_in_flight", c->srv->labels, -1);
    lh_arena_free(r->pub.arena);
    if (!keep) {
        close_conn(c);
        return STOP;
    }
    if (body_left) {
        c->discard = LH__HTTP_DISCARD;
        set_state(c, LH__CS_DISCARD);
    } else {
        lh__http_parser_reset(&c->p);
        set_state(c, LH__CS_HEAD);
    }
    return GO;
}

/* A bad or truncated body: on_body_error, then on_error may answer. */
static void body_error(lh__http_conn_t *c)
{
    lh__http_ireq_t *r = c->req;
    int truncated = c->p.phase != LH__HP_ERROR;
    const char *why = truncated ? "truncated body" : c->p.why ? c->p.why : "bad body";
    r->body = LH__BS_ERR;
    lh_log(LH_LOG_INFO, r->pub.request_id, "http %s: bad request body: %s", c->srv->name, why);
    if (c->srv->handler.on_body_error) c->srv->handler.on_body_error(&r->pub, c->srv->ctx);
    if (c->state == LH__CS_REQ && r->resp == LH__RS_NONE &&
        lh__http_send_error(c, r, 400, truncated ? LH_HTTP_ERR_TRUNCATED : LH_HTTP_ERR_BODY, why))
        return; /* the answer goes out with Connection: close, then req_end */
    c->failed = 1;
}

/* An error before any request: answer it, then close. */
static void head_error(lh__http_conn_t *c, int status, int kind, const char *why)
{
    lh_log(LH_LOG_INFO, NULL, "http %s: bad request from %s: %s", c->srv->name, c->remote, why);
    lh_tcp_conn_timeout(c->tcp, LH_TCP_TIMEOUT_HEAD, 0);
    lh__http_send_error(c, NULL, status, kind, why);
    if (c->state != LH__CS_CLOSED) close_conn(c);
}

/* --- state steps: each returns GO after progress, STOP when it must wait --- */

/* Waits for input in states that read: STOP, or closes on EOF. */
static int need_input(lh__http_conn_t *c)
{
    if (lh_tcp_conn_fill(c->tcp)) return GO;
    if (c->peer_eof) abort_conn(c);
    return STOP;
}

static int step_head(lh__http_conn_t *c)
{
    size_t len;
    const char *in = lh_tcp_conn_input(c->tcp, &len);
    if (len == 0) {
        if (lh_tcp_conn_draining(c->tcp) && c->p.head.len == 0) {
            abort_conn(c);
            return STOP;
        }
        return need_input(c);
    }
    if (!lh_tcp_conn_timeout_armed(c->tcp, LH_TCP_TIMEOUT_HEAD))
        lh_tcp_conn_timeout(c->tcp, LH_TCP_TIMEOUT_HEAD, c->srv->head_ms);
    size_t n = lh__http_parse_head(&c->p, in, len);
    lh_tcp_conn_consume(c->tcp, n);
    if (c->p.phase == LH__HP_ERROR) {
        head_error(c, c->p.status, LH_HTTP_ERR_HEAD, c->p.why);
        return STOP;
    }
    return c->p.phase == LH__HP_HEAD ? GO : req_begin(c);
}

static int step_body(lh__http_conn_t *c)
{
    lh__http_ireq_t *r = c->req;
    size_t len;
    if (c->p.phase == LH__HP_DONE) {
        r->body = LH__BS_END;
        if (c->srv->handler.on_body_end) c->srv->handler.on_body_end(&r->pub, c->srv->ctx);
        return GO;
    }
    lh_tcp_conn_input(c->tcp, &len);
    if (len == 0 && !lh_tcp_conn_fill(c->tcp)) {
        if (c->peer_eof) body_error(c);
        return c->failed || r->body == LH__BS_ERR ? GO : STOP;
    }
    const char *in = lh_tcp_conn_input(c->tcp, &len), *d;
    size_t dl, n = lh__http_parse_body(&c->p, in, len, &d, &dl);
    lh_tcp_conn_consume(c->tcp, n);
    if (c->p.phase == LH__HP_ERROR) {
        body_error(c);
        return GO;
    }
    if (dl) {
        c->holding = 1;
        c->srv->handler.on_body(&r->pub, d, dl, c->srv->ctx);
    }
    return GO;
}

static int step_req(lh__http_conn_t *c)
{
    lh__http_ireq_t *r = c->req;
    if (r->resp == LH__RS_FINISHED && lh__http_out_idle(c)) return req_end(c);
    if (r->body != LH__BS_READING || c->holding) return STOP;
    return step_body(c);
}

static int step_discard(lh__http_conn_t *c)
{
    size_t len;
    if (c->p.phase == LH__HP_DONE) {
        lh__http_parser_reset(&c->p);
        set_state(c, LH__CS_HEAD);
        return GO;
    }
    const char *in = lh_tcp_conn_input(c->tcp, &len), *d;
    if (len == 0) return need_input(c);
    size_t dl, n = lh__http_parse_body(&c->p, in, len, &d, &dl);
    lh_tcp_conn_consume(c->tcp, n);
    if (c->p.phase == LH__HP_ERROR || n > c->discard) {
        abort_conn(c);
        return STOP;
    }
    c->discard -= n;
    return GO;
}

static int (*const steps[])(lh__http_conn_t *) = {
    [LH__CS_HEAD] = step_head,
    [LH__CS_REQ] = step_req,
    [LH__CS_DISCARD] = step_discard,
    [LH__CS_CLOSED] = NULL,
};

static int wants_input(const lh__http_conn_t *c)
{
    if (c->peer_eof || c->failed) return 0;
    switch (c->state) {
    case LH__CS_HEAD:
    case LH__CS_DISCARD:
        return 1;
    case LH__CS_REQ: /* the body; or, once the answer is queued whole, what follows it
                        (kept buffered until the answer is out: no read stop and restart
                        per request) */
        if (c->req->resp == LH__RS_FINISHED && c->p.phase == LH__HP_DONE) return 1;
        return c->req->body == LH__BS_READING && !c->holding && c->p.phase == LH__HP_BODY;
    default:
        return 0;
    }
}

void lh__http_drive(lh__http_conn_t *c)
{
    if (c->in_drive) {
        c->again = 1;
        return;
    }
    c->in_drive = 1;
    do {
        c->again = 0;
        while (c->state != LH__CS_CLOSED && !c->failed && steps[c->state](c) == GO)
            ;
        if (c->failed && c->state != LH__CS_CLOSED) abort_conn(c);
    } while (c->again && c->state != LH__CS_CLOSED);
    c->in_drive = 0;
    if (c->state != LH__CS_CLOSED) lh_tcp_conn_read(c->tcp, wants_input(c));
}

void lh__http_kick(lh__http_conn_t *c)
{
    if (c->state == LH__CS_CLOSED) return;
    if (c->in_drive)
        c->again = 1;
    else
        lh_tcp_conn_kick(c->tcp);
}

/* --- request body API --- */

void lh_http_body_read(lh_http_req_t *req)
{
    lh__http_ireq_t *r = (lh__http_ireq_t *)req;
    lh__http_conn_t *c = r->c;
    if (r->body != LH__BS_NONE || r->stand_in || c->state == LH__CS_CLOSED) return;
    r->body = LH__BS_READING;
    /* an empty body too (S3 does): botocore, given a final response where it
     * waits for 100 Continue, then stalls its next request on the connection */
    if (req->expect_continue && !r->continue_sent && r->resp == LH__RS_NONE &&
        (c->p.phase == LH__HP_BODY || req->content_length == 0)) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (lh_tcp_conn_write(c->tcp, cont, sizeof cont - 1, NULL, NULL)) {
            lh__http_lost(c);
            return;
        }
        r->continue_sent = 1;
    }
    lh__http_kick(c);
}

void lh_http_body_next(lh_http_req_t *req)
{
    lh__http_conn_t *c = ((lh__http_ireq_t *)req)->c;
    c->holding = 0;
    lh__http_kick(c);
}

/* --- the TCP layer's callbacks --- */

static void tcp_open(lh_tcp_conn_t *t, void *ctx)
{
    lh_http_server_t *srv = ctx;
    lh__http_conn_t *c = calloc(1, sizeof *c);
    if (!c || lh__http_parser_init(&c->p, srv->max_head, srv->max_headers)) {
        free(c);
        lh_error("http %s: out of memory accepting a connection", srv->name);
        lh_tcp_conn_abort(t);
        return;
    }
    c->tcp = t;
    c->srv = srv;
    snprintf(c->remote, sizeof c->remote, "%s", lh_tcp_conn_peer(t));
    lh_tcp_conn_set_udata(t, c);
    lh_metrics_add("lakehouse_http_connections_active", srv->labels, 1);
    set_state(c, LH__CS_HEAD);
    lh__http_drive(c);
}

static void tcp_data(lh_tcp_conn_t *t, void *ctx)
{
    (void)ctx;
    lh__http_conn_t *c = lh_tcp_conn_udata(t);
    if (c) lh__http_drive(c);
}

static void tcp_eof(lh_tcp_conn_t *t, int code, void *ctx)
{
    (void)ctx;
    lh__http_conn_t *c = lh_tcp_conn_udata(t);
    if (!c || c->state == LH__CS_CLOSED) return;
    c->peer_eof = 1;
    if (c->state != LH__CS_REQ)
        abort_conn(c);
    else if (code)
        lh__http_fail(c);
    else
        lh__http_drive(c); /* half-close: we may still answer */
}

static int tcp_timeout(lh_tcp_conn_t *t, int which, void *ctx)
{
    (void)ctx;
    lh__http_conn_t *c = lh_tcp_conn_udata(t);
    if (!c || c->state == LH__CS_CLOSED) return 0;
    if (which == LH_TCP_TIMEOUT_HEAD && c->state == LH__CS_HEAD) {
        head_error(c, 408, LH_HTTP_ERR_TIMEOUT, "request head not complete in time");
        return 1;
    }
    if (which != LH_TCP_TIMEOUT_IDLE) return 0;
    if (c->state == LH__CS_REQ) {
        lh_log(LH_LOG_INFO, c->req->pub.request_id, "http %s: peer timed out", c->srv->name);
        c->failed = 1;
        lh__http_drive(c);
    } else {
        abort_conn(c);
    }
    return 1;
}

static void tcp_drain(lh_tcp_conn_t *t, void *ctx)
{
    (void)ctx;
    lh__http_conn_t *c = lh_tcp_conn_udata(t);
    if (c && c->state != LH__CS_CLOSED) lh__http_drive(c);
}

static void tcp_traffic(lh_tcp_conn_t *t, size_t in, size_t out, void *ctx)
{
    lh_http_server_t *srv = ctx;
    (void)t;
    if (in) lh_metrics_add("lakehouse_http_bytes_received_total", srv->labels, (double)in);
    if (out) lh_metrics_add("lakehouse_http_bytes_sent_total", srv->labels, (double)out);
}

static void tcp_close(lh_tcp_conn_t *t, void *ctx)
{
    lh_http_server_t *srv = ctx;
    lh__http_conn_t *c = lh_tcp_conn_udata(t);
    if (!c) return;
    lh__http_ireq_t *r = c->req;
    c->state = LH__CS_CLOSED;
    if (r) {
        c->req = NULL;
        if (srv->handler.on_done) srv->handler.on_done(&r->pub, 0, srv->ctx);
        lh_metrics_add("lakehouse_http_requests_in_flight", srv->labels, -1);
        lh_arena_free(r->pub.arena);
    }
    lh_metrics_add("lakehouse_http_connections_active", srv->labels, -1);
    lh_arena_free(c->err_arena);
    lh__http_parser_free(&c->p);
    free(c);
}

static const lh_tcp_proto_t http_proto = {
    .on_data = tcp_data,
    .on_eof = tcp_eof,
    .on_open = tcp_open,
    .on_timeout = tcp_timeout,
    .on_drain = tcp_drain,
    .on_traffic = tcp_traffic,
    .on_close = tcp_close,
};

/* --- server start and stop --- */

static int srv_init(lh_http_server_t *srv, uv_loop_t *loop, const lh_http_server_opts_t *o,
                    lh_err_t *err)
{
    if (!o->handler || !o->handler->on_request || !o->handler->on_body)
        return lh_err_set(err, LH_EINVAL, "http server needs on_request and on_body handlers");
    srv->loop = loop;
    snprintf(srv->name, sizeof srv->name, "%s", o->name ? o->name : "http");
    snprintf(srv->labels, sizeof srv->labels, "listener=\"%s\"", srv->name);
    srv->max_head = o->max_header_bytes ? o->max_header_bytes : (64u << 10);
    srv->max_headers = o->max_headers ? o->max_headers : 128;
    srv->head_ms = o->head_timeout_ms > 0 ? o->head_timeout_ms : 30000;
    srv->handler = *o->handler;
    srv->ctx = o->ctx;
    return 0;
}

int lh_http_server_start(uv_loop_t *loop, const lh_http_server_opts_t *opts, lh_http_server_t **out,
                         char *bound, size_t boundlen, lh_err_t *err)
{
    static const char *const alpn[] = {"http/1.1", NULL};
    lh_http_server_t *srv = calloc(1, sizeof *srv);
    if (!srv) return lh_err_set(err, LH_ENOMEM, "out of memory");
    int rc = srv_init(srv, loop, opts, err);
    if (rc) {
        free(srv);
        return rc;
    }
    int tls = opts->tls_cert && opts->tls_cert[0];
    lh_tcp_opts_t t = {
        .name = srv->name,
        .listen = opts->listen,
        .tls = tls ? LH_TCP_TLS_ON : LH_TCP_TLS_OFF,
        .tls_cert = opts->tls_cert,
        .tls_key = opts->tls_key,
        .alpn = alpn,
        .read_buf = LH__HTTP_RBUF,
        .idle_timeout_ms = opts->idle_timeout_ms,
        .max_conns = opts->max_conns,
        .max_conns_per_peer = opts->max_conns_per_peer,
        .proto = &http_proto,
        .ctx = srv,
    };
    metrics_register();
    rc = lh_tcp_server_start(loop, &t, &srv->tcp, bound, boundlen, err);
    if (rc) {
        free(srv);
        return rc;
    }
    static const char *const zero[] = {
        "lakehouse_http_connections_active", "lakehouse_http_requests_in_flight",
        "lakehouse_http_bytes_received_total", "lakehouse_http_bytes_sent_total"};
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++)
        lh_metrics_add(zero[i], srv->labels, 0);
    *out = srv;
    return 0;
}

static void tcp_stopped(void *arg)
{
    lh_http_server_t *srv = arg;
    void (*done)(void *) = srv->stop_done;
    void *done_arg = srv->stop_arg;
    free(srv);
    if (done) done(done_arg);
}

void lh_http_server_stop(lh_http_server_t *srv, void (*done)(void *), void *arg)
{
    if (srv->stopping) return;
    srv->stopping = 1;
    srv->stop_done = done;
    srv->stop_arg = arg;
    lh_tcp_server_stop(srv->tcp, tcp_stopped, srv);
}
