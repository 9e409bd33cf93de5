/* HTTP/1.1 server on a libuv loop: listener, connections and the request
 * life cycle. Each connection is a small state machine (HEAD -> REQ ->
 * [DISCARD] -> HEAD ..., or ERROR/LINGER -> CLOSED) advanced by drive(),
 * which runs the step of the current state until it can make no progress.
 * The socket is read only while the current state needs input and the
 * handler holds no body slice, which is the back-pressure: at most one read
 * buffer (plus one TLS record) per connection is ever held. Output lives in
 * http_resp.c; the parser in http_parse.c; TLS sessions in tls.c. */
#include "core/http_int.h"
#include "core/log.h"
#include "core/metrics.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define LINGER_MS 2000
#define GRACE_MS 5000

enum { STOP, GO };

static const char *const state_names[] = {"head", "req", "discard", "error", "linger", "closed"};

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

static void make_request_id(char *out, size_t cap)
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

void lh__http_count_sent(lh__http_conn_t *c, size_t n)
{
    if (n) lh_metrics_add("lakehouse_http_bytes_sent_total", c->srv->labels, (double)n);
}

size_t lh__http_max_buffered(const lh_http_server_t *srv)
{
    return __atomic_load_n(&srv->max_buffered, __ATOMIC_RELAXED);
}

static void note_buffered(lh__http_conn_t *c)
{
    size_t n = c->rend - c->rstart + (c->tls ? lh__tls_buffered(c->tls) : 0);
    if (n > c->srv->max_buffered) __atomic_store_n(&c->srv->max_buffered, n, __ATOMIC_RELAXED);
}

/* --- closing --- */

static void check_stopped(lh_http_server_t *srv);

static void conn_free(lh__http_conn_t *c)
{
    lh_http_server_t *srv = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    srv->nconns--;
    lh_metrics_add("lakehouse_http_connections_active", srv->labels, -1);
    lh__http_parser_free(&c->p);
    lh__tls_free(c->tls);
    free(c->rbuf);
    free(c->tbuf);
    free(c);
    check_stopped(srv);
}

static void on_handle_closed(uv_handle_t *h)
{
    lh__http_conn_t *c = h->data;
    if (--c->handles == 0) conn_free(c);
}

static void conn_close(lh__http_conn_t *c)
{
    if (c->state == LH__CS_CLOSED) return;
    set_state(c, LH__CS_CLOSED);
    c->handles = 3;
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
    uv_close((uv_handle_t *)&c->kick, on_handle_closed);
}

static void on_linger_timer(uv_timer_t *t);

static void on_shutdown(uv_shutdown_t *s, int status)
{
    (void)s;
    (void)status; /* the linger timer or the peer's EOF closes the connection */
}

/* Half-closes after the last response and drains the peer for a moment, so
 * unread input does not turn our close into a reset that eats the response. */
static void start_linger(lh__http_conn_t *c)
{
    set_state(c, LH__CS_LINGER);
    if (c->tls) {
        lh__tls_shutdown(c->tls);
        lh__http_tls_flush(c);
    }
    uv_timer_start(&c->timer, on_linger_timer, LINGER_MS, 0);
    c->timer_on = 1;
    if (uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, on_shutdown) != 0) conn_close(c);
}

/* Ends the request with ok=0 and closes. Returns after waiting when a worker
 * still uses the socket or a file of this request. */
static void abort_conn(lh__http_conn_t *c)
{
    if (c->job) {
        lh__http_job_cancel(c); /* file_done reports back and drives again */
        return;
    }
    lh__http_out_abort(c);
    lh__http_ireq_t *r = c->req;
    if (r) {
        c->req = NULL;
        c->holding = 0;
        if (c->srv->handler.on_done) c->srv->handler.on_done(&r->pub, 0, c->srv->ctx);
        lh_metrics_add("lakehouse_http_requests_in_flight", c->srv->labels, -1);
        lh_arena_free(r->pub.arena);
    }
    conn_close(c);
}

void lh__http_fail(lh__http_conn_t *c)
{
    c->failed = 1;
    lh__http_kick(c);
}

/* --- input --- */

/* Makes room in the read buffer (never while the handler holds a slice). */
static void compact(lh__http_conn_t *c)
{
    if (c->holding) return;
    if (c->rstart == c->rend) {
        c->rstart = c->rend = 0;
    } else if (c->rstart > 0 && c->rend == LH__HTTP_RBUF) {
        memmove(c->rbuf, c->rbuf + c->rstart, c->rend - c->rstart);
        c->rend -= c->rstart;
        c->rstart = 0;
    }
}

/* Decrypts buffered TLS input into the read buffer. Returns 1 when new
 * plaintext arrived. Plain connections get their bytes in on_read. */
static int fill(lh__http_conn_t *c)
{
    compact(c);
    if (!c->tls || c->rend == LH__HTTP_RBUF) return 0;
    long n = lh__tls_read(c->tls, c->rbuf + c->rend, LH__HTTP_RBUF - c->rend);
    lh__http_tls_flush(c);
    if (n > 0) {
        c->rend += (size_t)n;
        return 1;
    }
    if (n == LH_EPROTO)
        c->peer_eof = 1;
    else if (n < 0)
        c->failed = 1;
    return 0;
}

static int wants_input(const lh__http_conn_t *c)
{
    if (c->peer_eof || c->failed) return 0;
    switch (c->state) {
    case LH__CS_HEAD:
    case LH__CS_DISCARD:
    case LH__CS_LINGER:
        return 1;
    case LH__CS_REQ:
        return c->req->body == LH__BS_READING && !c->holding && c->p.phase == LH__HP_BODY;
    default:
        return 0;
    }
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    lh__http_conn_t *c = h->data;
    (void)hint;
    if (c->tls) {
        *buf = uv_buf_init(c->tbuf, (unsigned)LH__HTTP_TBUF);
        return;
    }
    compact(c);
    if (c->state == LH__CS_LINGER) c->rstart = c->rend = 0;
    *buf = uv_buf_init(c->rbuf + c->rend, (unsigned)(LH__HTTP_RBUF - c->rend));
}

static void on_peer_gone(lh__http_conn_t *c, ssize_t nread)
{
    if (c->state == LH__CS_REQ && nread == UV_EOF) {
        c->peer_eof = 1; /* half-close: we may still answer */
        lh__http_drive(c);
    } else if (c->state == LH__CS_REQ) {
        lh__http_fail(c);
    } else {
        conn_close(c);
    }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    lh__http_conn_t *c = s->data;
    (void)buf;
    if (nread == 0 || c->state == LH__CS_CLOSED) return;
    if (nread < 0) {
        on_peer_gone(c, nread);
        return;
    }
    lh_metrics_add("lakehouse_http_bytes_received_total", c->srv->labels, (double)nread);
    if (c->state == LH__CS_LINGER) return; /* drained and dropped */
    if (c->tls) {
        if (lh__tls_feed(c->tls, c->tbuf, (size_t)nread)) c->failed = 1;
    } else {
        c->rend += (size_t)nread;
    }
    note_buffered(c);
    lh__http_drive(c);
}

/* Reads only while the state asks for input and the buffers have room. */
static void update_reading(lh__http_conn_t *c)
{
    int want = wants_input(c);
    if (want && !c->tls && c->rend == LH__HTTP_RBUF && c->state != LH__CS_LINGER) want = 0;
    if (want && c->tls && lh__tls_buffered(c->tls) >= LH__HTTP_TBUF) want = 0;
    if (want && !c->reading)
        c->reading = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0;
    else if (!want && c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
}

/* --- timers --- */

static void on_timer(uv_timer_t *t)
{
    lh__http_conn_t *c = t->data;
    c->timer_on = 0;
    if (c->state == LH__CS_REQ) {
        lh_log(LH_LOG_INFO, c->req->pub.request_id, "http %s: peer timed out", c->srv->name);
        lh__http_fail(c);
    } else {
        conn_close(c);
    }
}

/* Runs the idle timer while we wait for the peer; any activity restarts it. */
static void update_timer(lh__http_conn_t *c)
{
    if (c->state == LH__CS_LINGER || c->state == LH__CS_CLOSED) return;
    int waiting = c->reading || (c->busy && !c->job);
    if (waiting) {
        uv_timer_start(&c->timer, on_timer, (uint64_t)c->srv->idle_ms, 0);
        c->timer_on = 1;
    } else if (c->timer_on) {
        uv_timer_stop(&c->timer);
        c->timer_on = 0;
    }
}

static void on_linger_timer(uv_timer_t *t)
{
    conn_close(t->data);
}

/* --- request life cycle --- */

static int req_begin(lh__http_conn_t *c)
{
    lh_arena_t *a = lh_arena_new(8192);
    lh__http_ireq_t *r = a ? lh_arena_calloc(a, sizeof *r) : NULL;
    if (!r || (r->pub.arena = a, lh__http_req_fill(&c->p, &r->pub))) {
        lh_arena_free(a);
        lh__http_send_error(c, 500);
        set_state(c, LH__CS_ERROR);
        return GO;
    }
    r->c = c;
    r->out_left = -1;
    r->pub.loop = c->srv->loop;
    r->pub.server = c->srv;
    r->pub.is_tls = c->tls != NULL;
    snprintf(r->pub.remote_addr, sizeof r->pub.remote_addr, "%s", c->remote);
    make_request_id(r->pub.request_id, sizeof r->pub.request_id);
    c->req = r;
    set_state(c, LH__CS_REQ);
    lh_metrics_add("lakehouse_http_requests_in_flight", c->srv->labels, 1);
    c->srv->handler.on_request(&r->pub, c->srv->ctx);
    return GO;
}

/* The response is out: tell the handler, then keep, drain or close. */
static int req_end(lh__http_conn_t *c)
{
    lh__http_ireq_t *r = c->req;
    int keep = !r->close && !c->peer_eof && !c->srv->stopping;
    int body_left = c->p.phase == LH__HP_BODY;
    if (keep && body_left && !lh__http_discardable(c)) keep = 0;
    c->req = NULL;
    c->holding = 0;
    if (c->srv->handler.on_done) c->srv->handler.on_done(&r->pub, 1, c->srv->ctx);
    lh_metrics_add("lakehouse_http_requests_in_flight", c->srv->labels, -1);
    lh_arena_free(r->pub.arena);
    if (!keep) {
        start_linger(c);
    } else if (body_left) {
        c->discard = LH__HTTP_DISCARD;
        set_state(c, LH__CS_DISCARD);
    } else {
        lh__http_parser_reset(&c->p);
        set_state(c, LH__CS_HEAD);
    }
    return GO;
}

static void body_error(lh__http_conn_t *c)
{
    lh__http_ireq_t *r = c->req;
    r->body = LH__BS_ERR;
    lh_log(LH_LOG_INFO, r->pub.request_id, "http %s: bad request body: %s", c->srv->name,
           c->p.why ? c->p.why : "truncated");
    if (c->srv->handler.on_body_error) c->srv->handler.on_body_error(&r->pub, c->srv->ctx);
    c->failed = 1;
}

/* --- state steps: each returns GO after progress, STOP when it must wait --- */

/* Waits for input in states that read: STOP, or closes on EOF. */
static int need_input(lh__http_conn_t *c)
{
    if (fill(c)) return GO;
    if (c->peer_eof) conn_close(c);
    return STOP;
}

static int step_head(lh__http_conn_t *c)
{
    if (c->rstart == c->rend) {
        if (c->srv->stopping && c->p.head.len == 0) {
            conn_close(c);
            return STOP;
        }
        return need_input(c);
    }
    size_t n = lh__http_parse_head(&c->p, c->rbuf + c->rstart, c->rend - c->rstart);
    c->rstart += n;
    if (c->p.phase == LH__HP_ERROR) {
        lh_log(LH_LOG_INFO, NULL, "http %s: bad request from %s: %s", c->srv->name, c->remote,
               c->p.why);
        lh__http_send_error(c, c->p.status);
        set_state(c, LH__CS_ERROR);
        return GO;
    }
    return c->p.phase == LH__HP_HEAD ? GO : req_begin(c);
}

static int step_body(lh__http_conn_t *c)
{
    lh__http_ireq_t *r = c->req;
    if (c->p.phase == LH__HP_DONE) {
        r->body = LH__BS_END;
        if (c->srv->handler.on_body_end) c->srv->handler.on_body_end(&r->pub, c->srv->ctx);
        return GO;
    }
    if (c->rstart == c->rend && !fill(c)) {
        if (c->peer_eof) body_error(c);
        return c->failed ? GO : STOP;
    }
    const char *d;
    size_t dl, n = lh__http_parse_body(&c->p, c->rbuf + c->rstart, c->rend - c->rstart, &d, &dl);
    c->rstart += n;
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
    if (c->p.phase == LH__HP_DONE) {
        lh__http_parser_reset(&c->p);
        set_state(c, LH__CS_HEAD);
        return GO;
    }
    if (c->rstart == c->rend) return need_input(c);
    const char *d;
    size_t dl, n = lh__http_parse_body(&c->p, c->rbuf + c->rstart, c->rend - c->rstart, &d, &dl);
    c->rstart += n;
    if (c->p.phase == LH__HP_ERROR || n > c->discard) {
        conn_close(c);
        return STOP;
    }
    c->discard -= n;
    return GO;
}

static int step_error(lh__http_conn_t *c)
{
    if (!lh__http_out_idle(c)) return STOP;
    start_linger(c);
    return GO;
}

static int step_linger(lh__http_conn_t *c)
{
    c->rstart = c->rend = 0;
    if (!c->timer_on) {
        uv_timer_start(&c->timer, on_linger_timer, LINGER_MS, 0);
        c->timer_on = 1;
    }
    if (c->peer_eof) conn_close(c);
    return STOP;
}

static int (*const steps[])(lh__http_conn_t *) = {
    [LH__CS_HEAD] = step_head,   [LH__CS_REQ] = step_req,       [LH__CS_DISCARD] = step_discard,
    [LH__CS_ERROR] = step_error, [LH__CS_LINGER] = step_linger, [LH__CS_CLOSED] = NULL,
};

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
    if (c->state != LH__CS_CLOSED) {
        update_reading(c);
        update_timer(c);
    }
}

static void on_kick(uv_idle_t *h)
{
    lh__http_conn_t *c = h->data;
    uv_idle_stop(h);
    c->kicked = 0;
    lh__http_drive(c);
}

void lh__http_kick(lh__http_conn_t *c)
{
    if (c->state == LH__CS_CLOSED) return;
    if (c->in_drive) {
        c->again = 1;
    } else if (!c->kicked) {
        c->kicked = 1;
        uv_idle_start(&c->kick, on_kick);
    }
}

/* --- request body API --- */

void lh_http_body_read(lh_http_req_t *req)
{
    lh__http_ireq_t *r = (lh__http_ireq_t *)req;
    lh__http_conn_t *c = r->c;
    if (r->body != LH__BS_NONE) return;
    r->body = LH__BS_READING;
    if (req->expect_continue && !r->continue_sent && r->resp == LH__RS_NONE &&
        c->p.phase == LH__HP_BODY) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        lh__http_out_t *o = calloc(1, sizeof *o);
        char *d = malloc(sizeof cont - 1);
        if (!o || !d) {
            free(o);
            free(d);
            lh__http_fail(c);
            return;
        }
        memcpy(d, cont, sizeof cont - 1);
        *o = (lh__http_out_t){.fd = -1, .data = d, .dlen = sizeof cont - 1};
        if (c->qt)
            c->qt->next = o;
        else
            c->qh = o;
        c->qt = o;
        r->continue_sent = 1;
        lh__http_out_pump(c);
    }
    lh__http_kick(c);
}

void lh_http_body_next(lh_http_req_t *req)
{
    lh__http_conn_t *c = ((lh__http_ireq_t *)req)->c;
    c->holding = 0;
    lh__http_kick(c);
}

/* --- TLS output outside the response queue (handshake, alerts) --- */

typedef struct {
    uv_write_t w;
    lh__http_conn_t *c;
    char data[];
} ctl_write_t;

static void on_ctl_written(uv_write_t *w, int status)
{
    ctl_write_t *cw = (ctl_write_t *)w;
    lh__http_conn_t *c = cw->c;
    if (status < 0 && c->state != LH__CS_CLOSED && c->state != LH__CS_LINGER) lh__http_fail(c);
    free(cw);
}

void lh__http_tls_flush(lh__http_conn_t *c)
{
    size_t n = lh__tls_pending(c->tls);
    if (!n || c->state == LH__CS_CLOSED) return;
    ctl_write_t *cw = malloc(sizeof *cw + n);
    if (!cw) {
        c->failed = 1;
        return;
    }
    cw->c = c;
    n = lh__tls_take(c->tls, cw->data, n);
    uv_buf_t b = uv_buf_init(cw->data, (unsigned)n);
    lh__http_count_sent(c, n);
    if (uv_write(&cw->w, (uv_stream_t *)&c->tcp, &b, 1, on_ctl_written) != 0) {
        free(cw);
        c->failed = 1;
    }
}

/* --- accepting --- */

static void peer_name(uv_tcp_t *t, char *out, size_t cap)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    char ip[64] = "?";
    int port = 0;
    if (uv_tcp_getpeername(t, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        } else {
            uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        }
    }
    snprintf(out, cap, ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", ip, port);
}

static lh__http_conn_t *conn_new(lh_http_server_t *srv)
{
    lh__http_conn_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->rbuf = malloc(LH__HTTP_RBUF);
    c->tbuf = srv->tls ? malloc(LH__HTTP_TBUF) : NULL;
    c->tls = srv->tls ? lh__tls_new(srv->tls) : NULL;
    if (!c->rbuf || (srv->tls && (!c->tbuf || !c->tls)) ||
        lh__http_parser_init(&c->p, srv->max_head, srv->max_headers)) {
        free(c->rbuf);
        free(c->tbuf);
        lh__tls_free(c->tls);
        free(c);
        return NULL;
    }
    c->srv = srv;
    uv_tcp_init(srv->loop, &c->tcp);
    uv_timer_init(srv->loop, &c->timer);
    uv_idle_init(srv->loop, &c->kick);
    c->tcp.data = c->timer.data = c->kick.data = c;
    c->next = srv->conns;
    if (c->next) c->next->prev = c;
    srv->conns = c;
    srv->nconns++;
    lh_metrics_add("lakehouse_http_connections_active", srv->labels, 1);
    return c;
}

static void on_connection(uv_stream_t *lst, int status)
{
    lh_http_server_t *srv = lst->data;
    if (status < 0 || srv->stopping) return;
    lh__http_conn_t *c = conn_new(srv);
    if (!c) {
        lh_error("http %s: out of memory accepting a connection", srv->name);
        return;
    }
    if (uv_accept(lst, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    peer_name(&c->tcp, c->remote, sizeof c->remote);
    set_state(c, LH__CS_HEAD);
    lh__http_drive(c);
}

/* --- listen address: "host:port", "[v6]:port", ":port" (all interfaces) --- */

static int parse_listen(const char *s, struct sockaddr_storage *ss, lh_err_t *err)
{
    char host[128];
    const char *portp;
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (!e || e[1] != ':' || (size_t)(e - s - 1) >= sizeof host)
            return lh_err_set(err, LH_EINVAL, "bad listen address %s", s);
        lh_str_copy(host, sizeof host, (lh_str_t){s + 1, (size_t)(e - s - 1)});
        portp = e + 2;
    } else {
        const char *e = strrchr(s, ':');
        if (!e || (size_t)(e - s) >= sizeof host)
            return lh_err_set(err, LH_EINVAL, "bad listen address %s (want host:port)", s);
        lh_str_copy(host, sizeof host, (lh_str_t){s, (size_t)(e - s)});
        portp = e + 1;
    }
    int64_t port;
    if (lh_parse_i64(portp, &port) || port < 0 || port > 65535)
        return lh_err_set(err, LH_EINVAL, "bad port in listen address %s", s);
    const char *h = !host[0] ? "0.0.0.0" : !strcmp(host, "localhost") ? "127.0.0.1" : host;
    if (uv_ip4_addr(h, (int)port, (struct sockaddr_in *)ss) == 0 ||
        uv_ip6_addr(h, (int)port, (struct sockaddr_in6 *)ss) == 0)
        return 0;
    return lh_err_set(err, LH_EINVAL, "bad host in listen address %s (want an ip address)", s);
}

static void bound_name(uv_tcp_t *t, char *out, size_t cap)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    char ip[64] = "?";
    if (!out || !cap || uv_tcp_getsockname(t, (struct sockaddr *)&ss, &len) != 0) return;
    if (ss.ss_family == AF_INET6) {
        uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
        snprintf(out, cap, "[%s]:%d", ip, ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
    } else {
        uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
        snprintf(out, cap, "%s:%d", ip, ntohs(((struct sockaddr_in *)&ss)->sin_port));
    }
}

/* --- server start and stop --- */

static void srv_free(lh_http_server_t *srv)
{
    lh__tls_ctx_free(srv->tls);
    free(srv);
}

static void on_lst_closed_early(uv_handle_t *h)
{
    srv_free(h->data);
}

static int srv_init(lh_http_server_t *srv, uv_loop_t *loop, const lh_http_server_opts_t *o,
                    lh_err_t *err)
{
    if (!o->handler || !o->handler->on_request || !o->handler->on_body)
        return lh_err_set(err, LH_EINVAL, "http server needs on_request and on_body handlers");
    if (!o->listen) return lh_err_set(err, LH_EINVAL, "http server needs a listen address");
    srv->loop = loop;
    snprintf(srv->name, sizeof srv->name, "%s", o->name ? o->name : "http");
    snprintf(srv->labels, sizeof srv->labels, "listener=\"%s\"", srv->name);
    srv->max_head = o->max_header_bytes ? o->max_header_bytes : (64u << 10);
    srv->max_headers = o->max_headers ? o->max_headers : 128;
    srv->idle_ms = o->idle_timeout_ms > 0 ? o->idle_timeout_ms : 60000;
    srv->handler = *o->handler;
    srv->ctx = o->ctx;
    static const char *const alpn[] = {"http/1.1", NULL};
    if (o->tls_cert && o->tls_cert[0])
        return lh__tls_ctx_new(o->tls_cert, o->tls_key && o->tls_key[0] ? o->tls_key : NULL,
                               alpn, &srv->tls, err);
    return 0;
}

int lh_http_server_start(uv_loop_t *loop, const lh_http_server_opts_t *opts, lh_http_server_t **out,
                         char *bound, size_t boundlen, lh_err_t *err)
{
    struct sockaddr_storage ss;
    lh_http_server_t *srv = calloc(1, sizeof *srv);
    if (!srv) return lh_err_set(err, LH_ENOMEM, "out of memory");
    int rc = srv_init(srv, loop, opts, err);
    if (!rc) rc = parse_listen(opts->listen, &ss, err);
    if (rc) {
        srv_free(srv);
        return rc;
    }
    metrics_register();
    signal(SIGPIPE, SIG_IGN); /* a peer gone mid-write must be an error, not death */
    uv_tcp_init(loop, &srv->lst);
    srv->lst.data = srv;
    int uvrc = uv_tcp_bind(&srv->lst, (struct sockaddr *)&ss, 0);
    if (!uvrc) uvrc = uv_listen((uv_stream_t *)&srv->lst, 511, on_connection);
    if (uvrc) {
        uv_close((uv_handle_t *)&srv->lst, on_lst_closed_early);
        return lh_err_set(err, LH_EIO, "cannot listen on %s: %s", opts->listen, uv_strerror(uvrc));
    }
    srv->lst_open = 1;
    uv_timer_init(loop, &srv->grace);
    srv->grace.data = srv;
    srv->grace_open = 1;
    bound_name(&srv->lst, bound, boundlen);
    lh_metrics_add("lakehouse_http_connections_active", srv->labels, 0);
    lh_metrics_add("lakehouse_http_requests_in_flight", srv->labels, 0);
    lh_metrics_add("lakehouse_http_bytes_received_total", srv->labels, 0);
    lh_metrics_add("lakehouse_http_bytes_sent_total", srv->labels, 0);
    *out = srv;
    return 0;
}

static void on_grace_closed(uv_handle_t *h)
{
    lh_http_server_t *srv = h->data;
    void (*done)(void *) = srv->stop_done;
    void *arg = srv->stop_arg;
    srv_free(srv);
    if (done) done(arg);
}

static void check_stopped(lh_http_server_t *srv)
{
    if (!srv->stopping || srv->lst_open || srv->nconns || !srv->grace_open) return;
    srv->grace_open = 0;
    uv_close((uv_handle_t *)&srv->grace, on_grace_closed);
}

static void on_lst_closed(uv_handle_t *h)
{
    lh_http_server_t *srv = h->data;
    srv->lst_open = 0;
    check_stopped(srv);
}

static void on_grace(uv_timer_t *t)
{
    lh_http_server_t *srv = t->data;
    lh_log(LH_LOG_WARN, NULL, "http %s: aborting %zu connections after the grace period", srv->name,
           srv->nconns);
    for (lh__http_conn_t *c = srv->conns, *n; c; c = n) {
        n = c->next;
        if (c->state == LH__CS_CLOSED) continue;
        if (c->state == LH__CS_REQ)
            lh__http_fail(c);
        else
            conn_close(c);
    }
}

void lh_http_server_stop(lh_http_server_t *srv, void (*done)(void *), void *arg)
{
    if (srv->stopping) return;
    srv->stopping = 1;
    srv->stop_done = done;
    srv->stop_arg = arg;
    uv_close((uv_handle_t *)&srv->lst, on_lst_closed);
    for (lh__http_conn_t *c = srv->conns; c; c = c->next)
        if (c->state == LH__CS_HEAD && !c->p.head.len && c->rstart == c->rend) conn_close(c);
    uv_timer_start(&srv->grace, on_grace, GRACE_MS, 0);
}
