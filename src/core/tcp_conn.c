/* TCP connections: the read path (plain bytes or TLS decrypted into one
 * capped buffer), frame mode (framing callback, sequence slots answered in
 * message order, in-flight and output back-pressure), raw mode (the protocol
 * pulls bytes and switches reading), the deadlines, and closing: graceful
 * (flush, close_notify, half-close, drain the peer for 2 s) or abort.
 *
 * State: OPEN -> CLOSING -> LINGER -> CLOSED, or straight to CLOSED (via
 * DEAD while a file job still uses the socket). After CLOSED the handles
 * close, on_close runs, and the struct is freed once every slot is ended.
 * lh__tcp_update() runs after every event and re-derives reading, pauses,
 * deadlines and the next closing step from the state. The slots of frame
 * mode live in tcp_slot.c. */
#include "core/log.h"
#include "core/tcp_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const state_names[] = {"open", "closing", "linger", "dead", "closed"};

void lh__tcp_set_state(lh_tcp_conn_t *c, int st)
{
    lh_log(LH_LOG_DEBUG, NULL, "tcp %s conn %s: %s -> %s", c->srv->name, c->peer,
           state_names[c->state], state_names[st]);
    c->state = st;
}

int lh__tcp_conn_idle(const lh_tcp_conn_t *c)
{
    return c->srv->raw ? !c->busy : c->nslots == 0;
}

static void process(lh_tcp_conn_t *c);

/* --- life: new, begin, closing, free --- */

lh_tcp_conn_t *lh__tcp_conn_new(lh_tcp_server_t *srv)
{
    lh_tcp_conn_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->rcap = srv->read_buf;
    c->rbuf = malloc(c->rcap);
    if (srv->tls_mode == LH_TCP_TLS_ON) {
        c->tbuf = malloc(LH__TCP_TBUF);
        c->tls = lh__tls_new(srv->tls);
    }
    if (!c->rbuf || (srv->tls_mode == LH_TCP_TLS_ON && (!c->tbuf || !c->tls))) {
        free(c->rbuf);
        free(c->tbuf);
        lh__tls_free(c->tls);
        free(c);
        return NULL;
    }
    c->srv = srv;
    c->idle_ms = srv->idle_ms;
    c->state = LH__TC_OPEN;
    if (srv->unix_path)
        uv_pipe_init(srv->loop, &c->pipe, 0);
    else
        uv_tcp_init(srv->loop, &c->tcp);
    uv_timer_init(srv->loop, &c->timer);
    uv_idle_init(srv->loop, &c->kick);
    c->tcp.data = c->timer.data = c->kick.data = c;
    srv->nconns++;
    lh__tcp_touch(c);
    return c;
}

void lh__tcp_conn_begin(lh_tcp_conn_t *c)
{
    lh_tcp_server_t *srv = c->srv;
    c->begun = 1;
    if (c->tls) lh_tcp_conn_timeout(c, LH_TCP_TIMEOUT_TLS, srv->tls_ms);
    if (srv->proto.on_open) srv->proto.on_open(c, srv->ctx);
    if (c->state == LH__TC_OPEN) process(c);
}

void lh__tcp_conn_free(lh_tcp_conn_t *c)
{
    lh__tcp_server_conn_gone(c);
    lh__tls_free(c->tls);
    free(c->rbuf);
    free(c->tbuf);
    free(c);
}

static void on_handle_closed(uv_handle_t *h)
{
    lh_tcp_conn_t *c = h->data;
    if (--c->handles) return;
    lh_tcp_server_t *srv = c->srv;
    if (c->begun && srv->proto.on_close) srv->proto.on_close(c, srv->ctx);
    c->begun = 0;
    if (c->nlinked == 0) lh__tcp_conn_free(c);
}

static void slots_abort(lh_tcp_conn_t *c)
{
    lh_tcp_slot_t **pp = &c->sh, *s;
    c->st = NULL;
    while ((s = *pp)) {
        while (s->qh) {
            lh__tcp_out_t *o = s->qh;
            s->qh = o->next;
            lh__tcp_out_finish(c, o, 0);
        }
        s->qt = NULL;
        if (s->ended) {
            *pp = s->next;
            c->nlinked--;
            free(s);
        } else {
            c->st = s;
            pp = &s->next;
        }
    }
}

void lh__tcp_close_handles(lh_tcp_conn_t *c)
{
    if (c->state == LH__TC_CLOSED) return;
    if (c->job) { /* a worker uses the socket: wait for it (file_done comes back) */
        if (c->state != LH__TC_DEAD) lh__tcp_set_state(c, LH__TC_DEAD);
        lh__tcp_job_cancel(c);
        if (c->reading) uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
        return;
    }
    lh__tcp_set_state(c, LH__TC_CLOSED);
    lh__tcp_out_abort(c);
    slots_abort(c);
    lh__tcp_uncount(c);
    c->handles = 3;
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
    uv_close((uv_handle_t *)&c->kick, on_handle_closed);
}

void lh_tcp_conn_abort(lh_tcp_conn_t *c)
{
    if (c->state == LH__TC_CLOSED || c->state == LH__TC_DEAD) return;
    lh__tcp_close_handles(c);
}

static void on_shutdown(uv_shutdown_t *s, int status)
{
    (void)s;
    (void)status; /* the linger deadline or the peer's EOF closes the connection */
}

/* Half-closes after the last byte and drains the peer for a moment, so
 * unread input does not turn our close into a reset that eats the answer. */
static void start_linger(lh_tcp_conn_t *c)
{
    lh__tcp_set_state(c, LH__TC_LINGER);
    if (c->tls) {
        lh__tls_shutdown(c->tls);
        lh__tcp_tls_flush(c);
    }
    for (int i = 0; i < LH__TCP_DUE_COUNT; i++)
        c->due[i] = 0;
    c->due[LH__TCP_DUE_LINGER] = uv_now(c->srv->loop) + LH__TCP_LINGER_MS;
    c->rstart = c->rend = 0;
    if (c->peer_eof || uv_shutdown(&c->sreq, (uv_stream_t *)&c->tcp, on_shutdown) != 0)
        lh__tcp_close_handles(c);
}

void lh_tcp_conn_close(lh_tcp_conn_t *c)
{
    if (c->state != LH__TC_OPEN) return;
    lh__tcp_set_state(c, LH__TC_CLOSING);
    c->due[LH_TCP_TIMEOUT_HEAD] = 0;
    lh__tcp_update(c);
}

/* --- reading --- */

static int frame_paused(const lh_tcp_conn_t *c)
{
    return c->nslots >= c->srv->max_in_flight || c->paused_out;
}

/* Makes room at the end of the buffer (moving unconsumed bytes to the
 * front); frame mode grows it towards the frame length, up to max_frame.
 * Returns 0, or LH_ETOOBIG when a frame cannot fit. */
static int make_room(lh_tcp_conn_t *c)
{
    size_t have = c->rend - c->rstart;
    if (have == 0) {
        c->rstart = c->rend = 0;
    } else if (c->rstart > 0 && (c->rend == c->rcap || c->need > c->rcap - c->rstart)) {
        memmove(c->rbuf, c->rbuf + c->rstart, have);
        c->rstart = 0;
        c->rend = have;
    }
    if (c->srv->raw) return 0;
    size_t want = c->rcap;
    if (c->need > want) want = c->need;
    if (have == c->rcap) want = c->rcap * 2;
    if (want > c->srv->max_frame) want = c->srv->max_frame;
    if (have == c->rcap && want <= c->rcap) return LH_ETOOBIG;
    if (want > c->rcap) {
        char *p = realloc(c->rbuf, want);
        if (!p) return LH_ENOMEM;
        c->rbuf = p;
        c->rcap = want;
    }
    return 0;
}

static void tls_check(lh_tcp_conn_t *c)
{
    if (c->due[LH_TCP_TIMEOUT_TLS] && lh__tls_ready(c->tls)) {
        c->due[LH_TCP_TIMEOUT_TLS] = 0;
        lh__tls_alpn(c->tls, c->alpn, sizeof c->alpn);
    }
}

static void input_ended(lh_tcp_conn_t *c, int code);

/* Decrypts buffered TLS input into the read buffer. Returns 1 when new
 * plaintext arrived; on errors the connection ends. */
static int decrypt(lh_tcp_conn_t *c)
{
    if (!c->tls || c->plain_queued || c->peer_eof || c->state != LH__TC_OPEN) return 0;
    if (make_room(c) || c->rend == c->rcap) return 0;
    long n = lh__tls_read(c->tls, c->rbuf + c->rend, c->rcap - c->rend);
    lh__tcp_tls_flush(c);
    tls_check(c);
    if (n > 0) {
        c->rend += (size_t)n;
        return 1;
    }
    if (n == LH_EPROTO) {
        input_ended(c, 0);
    } else if (n < 0) {
        lh_log(LH_LOG_INFO, NULL, "tcp %s: tls error from %s", c->srv->name, c->peer);
        lh_tcp_conn_abort(c);
    }
    return 0;
}

/* No more input: EOF (code 0) or a failed connection (LH_EIO). */
static void input_ended(lh_tcp_conn_t *c, int code)
{
    lh_tcp_server_t *srv = c->srv;
    c->peer_eof = 1;
    if (c->state == LH__TC_LINGER || (code && c->state != LH__TC_OPEN)) {
        lh__tcp_close_handles(c);
    } else if (c->state != LH__TC_OPEN) {
        /* closing: keep flushing */
    } else if (srv->raw && srv->proto.on_eof) {
        srv->proto.on_eof(c, code, srv->ctx);
    } else if (code) {
        lh_tcp_conn_abort(c);
    } else if (srv->raw) {
        lh_tcp_conn_close(c);
    } /* frame mode: whole messages still buffered are dispatched first (frames) */
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    lh_tcp_conn_t *c = h->data;
    (void)hint;
    if (c->tls) {
        *buf = uv_buf_init(c->tbuf, (unsigned)LH__TCP_TBUF);
        return;
    }
    if (c->state == LH__TC_LINGER) c->rstart = c->rend = 0;
    make_room(c);
    *buf = uv_buf_init(c->rbuf + c->rend, (unsigned)(c->rcap - c->rend));
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    lh_tcp_conn_t *c = s->data;
    (void)buf;
    if (nread == 0 || c->state == LH__TC_CLOSED || c->state == LH__TC_DEAD) return;
    if (nread < 0) {
        input_ended(c, nread == UV_EOF ? 0 : LH_EIO);
        if (c->state == LH__TC_OPEN && !c->srv->raw)
            process(c);
        else
            lh__tcp_update(c);
        return;
    }
    if (c->state == LH__TC_LINGER) { /* drained and dropped */
        lh__tcp_count(c, (size_t)nread, 0);
        return;
    }
    if (c->tls) {
        if (lh__tls_feed(c->tls, c->tbuf, (size_t)nread)) {
            lh_tcp_conn_abort(c);
            return;
        }
    } else {
        c->rend += (size_t)nread;
    }
    lh__tcp_count(c, (size_t)nread, 0);
    process(c);
}

static void update_reading(lh_tcp_conn_t *c)
{
    int want;
    if (c->state == LH__TC_LINGER)
        want = 1;
    else if (c->state != LH__TC_OPEN || c->peer_eof)
        want = 0;
    else if (c->srv->raw)
        want = c->want_read == 1;
    else
        want = !frame_paused(c);
    if (want && c->state != LH__TC_LINGER) {
        if (c->tls && lh__tls_buffered(c->tls) >= LH__TCP_TBUF) want = 0;
        if (!c->tls && c->rend - c->rstart == c->rcap) want = 0;
    }
    if (want && !c->reading)
        c->reading = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0;
    else if (!want && c->reading) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->reading = 0;
    }
}

/* --- frame mode --- */

static void upgrade_now(lh_tcp_conn_t *c)
{
    c->upgrade = 0;
    if (c->rend > c->rstart && lh__tls_feed(c->tls, c->rbuf + c->rstart, c->rend - c->rstart)) {
        lh_tcp_conn_abort(c);
        return;
    }
    c->rstart = c->rend = 0;
}

static void frame_error(lh_tcp_conn_t *c, int code)
{
    lh_tcp_server_t *srv = c->srv;
    lh_log(LH_LOG_INFO, NULL, "tcp %s: bad message from %s: %s", srv->name, c->peer,
           code == LH_ETOOBIG ? "over the size limit" : lh_strerror(code));
    c->rstart = c->rend = 0;
    c->need = 0;
    if (srv->proto.on_error) srv->proto.on_error(c, code, srv->ctx);
    lh_tcp_conn_close(c);
}

static void dispatch(lh_tcp_conn_t *c, size_t n)
{
    lh_tcp_slot_t *s = calloc(1, sizeof *s);
    if (!s) {
        lh_tcp_conn_abort(c);
        return;
    }
    s->c = c;
    if (c->st)
        c->st->next = s;
    else
        c->sh = s;
    c->st = s;
    c->nslots++;
    c->nlinked++;
    c->due[LH_TCP_TIMEOUT_HEAD] = 0;
    c->srv->proto.on_message(s, c->rbuf + c->rstart, n, c->srv->ctx);
    c->rstart += n;
    if (c->upgrade && c->state == LH__TC_OPEN) upgrade_now(c);
}

/* Dispatches every whole frame buffered; arms the head deadline while a
 * frame is incomplete; after the peer's EOF, closes once no whole frame is
 * left. */
static void frames(lh_tcp_conn_t *c)
{
    lh_tcp_server_t *srv = c->srv;
    int partial = 0, starved = 0;
    if (c->upgrade) upgrade_now(c);
    while (c->state == LH__TC_OPEN && !frame_paused(c)) {
        size_t len = c->rend - c->rstart;
        starved = 1;
        if (len == 0 || (c->need && len < c->need)) {
            if (decrypt(c)) continue;
            partial = len > 0 || (c->tls && lh__tls_ready(c->tls) && lh__tls_buffered(c->tls));
            break;
        }
        starved = 0;
        long n = srv->proto.frame(c, c->rbuf + c->rstart, len, srv->ctx);
        if (n < 0 || (size_t)n > srv->max_frame) {
            frame_error(c, n < 0 ? (int)n : LH_ETOOBIG);
            return;
        }
        if (n == 0 || (size_t)n > len) {
            c->need = (size_t)n;
            int rc = make_room(c);
            if (rc) {
                frame_error(c, rc);
                return;
            }
            if (decrypt(c)) continue;
            partial = starved = 1;
            break;
        }
        c->need = 0;
        dispatch(c, (size_t)n);
    }
    if (c->state != LH__TC_OPEN) return;
    if (c->peer_eof && starved) {
        lh_tcp_conn_close(c); /* a partial frame at EOF is dropped */
        return;
    }
    if (!partial)
        c->due[LH_TCP_TIMEOUT_HEAD] = 0;
    else if (!c->due[LH_TCP_TIMEOUT_HEAD])
        c->due[LH_TCP_TIMEOUT_HEAD] = uv_now(srv->loop) + (uint64_t)srv->head_ms;
}

/* --- the driver --- */

static void process(lh_tcp_conn_t *c)
{
    lh_tcp_server_t *srv = c->srv;
    if (c->in_process) {
        c->again = 1;
        return;
    }
    c->in_process = 1;
    do {
        c->again = 0;
        if (c->state != LH__TC_OPEN) break;
        if (!srv->raw) {
            frames(c);
            continue;
        }
        if (c->want_read == 1)
            while (decrypt(c))
                ;
        if (c->state == LH__TC_OPEN) srv->proto.on_data(c, srv->ctx);
    } while (c->again && c->state == LH__TC_OPEN);
    c->in_process = 0;
    lh__tcp_update(c);
}

static void on_kick(uv_idle_t *h)
{
    lh_tcp_conn_t *c = h->data;
    uv_idle_stop(h);
    c->kicked = 0;
    process(c);
}

void lh_tcp_conn_kick(lh_tcp_conn_t *c)
{
    if (c->state != LH__TC_OPEN || c->kicked) return;
    c->kicked = 1;
    uv_idle_start(&c->kick, on_kick);
}

/* --- deadlines --- */

static void expire(lh_tcp_conn_t *c, int which)
{
    lh_tcp_server_t *srv = c->srv;
    if (which == LH__TCP_DUE_LINGER) {
        lh__tcp_close_handles(c);
        return;
    }
    static const char *const names[] = {"idle", "message head", "tls handshake"};
    lh_log(LH_LOG_DEBUG, NULL, "tcp %s: %s deadline passed for %s", srv->name, names[which],
           c->peer);
    if (srv->proto.on_timeout && c->state == LH__TC_OPEN &&
        srv->proto.on_timeout(c, which, srv->ctx))
        return;
    if (which == LH_TCP_TIMEOUT_TLS || c->wbusy || c->state != LH__TC_OPEN)
        lh_tcp_conn_abort(c); /* nothing can be said, or the peer does not read */
    else
        lh_tcp_conn_close(c);
}

static void on_timer(uv_timer_t *t)
{
    lh_tcp_conn_t *c = t->data;
    uint64_t now = uv_now(c->srv->loop);
    static const int order[] = {LH__TCP_DUE_LINGER, LH_TCP_TIMEOUT_TLS, LH_TCP_TIMEOUT_HEAD,
                                LH_TCP_TIMEOUT_IDLE};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        int w = order[i];
        if (c->state == LH__TC_CLOSED || c->state == LH__TC_DEAD) return;
        if (c->due[w] && c->due[w] <= now) {
            c->due[w] = 0;
            expire(c, w);
        }
    }
    lh__tcp_update(c);
}

static void schedule(lh_tcp_conn_t *c)
{
    uint64_t next = 0, now = uv_now(c->srv->loop);
    for (int i = 0; i < LH__TCP_DUE_COUNT; i++)
        if (c->due[i] && (!next || c->due[i] < next)) next = c->due[i];
    if (!next)
        uv_timer_stop(&c->timer);
    else
        uv_timer_start(&c->timer, on_timer, next > now ? next - now : 0, 0);
}

void lh_tcp_conn_timeout(lh_tcp_conn_t *c, int which, int ms)
{
    if (which < 0 || which >= LH_TCP_TIMEOUT_COUNT || c->state == LH__TC_CLOSED) return;
    if (which == LH_TCP_TIMEOUT_IDLE) {
        c->idle_ms = ms > 0 ? ms : c->srv->idle_ms;
        return;
    }
    c->due[which] = ms > 0 ? uv_now(c->srv->loop) + (uint64_t)ms : 0;
    if (!c->in_process) schedule(c);
}

int lh_tcp_conn_timeout_armed(const lh_tcp_conn_t *c, int which)
{
    return which >= 0 && which < LH_TCP_TIMEOUT_COUNT && c->due[which] != 0;
}

/* --- after every event --- */

void lh__tcp_update(lh_tcp_conn_t *c)
{
    lh_tcp_server_t *srv = c->srv;
    if (c->state == LH__TC_CLOSED || c->state == LH__TC_DEAD) return;
    if (!srv->raw && c->paused_out && c->queued <= srv->write_high / 2) {
        c->paused_out = 0;
        lh_tcp_conn_kick(c);
    } else if (!srv->raw && c->queued > srv->write_high) {
        c->paused_out = 1;
    }
    if (c->state == LH__TC_CLOSING && (srv->raw || c->nslots == 0) && lh_tcp_conn_write_idle(c))
        start_linger(c);
    if (c->state == LH__TC_CLOSED || c->state == LH__TC_DEAD) return;
    update_reading(c);
    int waiting = (c->state == LH__TC_OPEN && c->reading && (srv->raw || c->nslots == 0)) ||
                  (c->wbusy && !c->job);
    c->due[LH_TCP_TIMEOUT_IDLE] = waiting ? uv_now(srv->loop) + (uint64_t)c->idle_ms : 0;
    schedule(c);
}

/* --- raw mode API --- */

const char *lh_tcp_conn_input(const lh_tcp_conn_t *c, size_t *len)
{
    *len = c->rend - c->rstart;
    return c->rbuf + c->rstart;
}

void lh_tcp_conn_consume(lh_tcp_conn_t *c, size_t n)
{
    if (n > c->rend - c->rstart) n = c->rend - c->rstart;
    c->rstart += n;
}

int lh_tcp_conn_fill(lh_tcp_conn_t *c)
{
    if (c->srv->raw && c->rstart == c->rend) c->rstart = c->rend = 0;
    return decrypt(c);
}

void lh_tcp_conn_read(lh_tcp_conn_t *c, int on)
{
    c->want_read = on ? 1 : 0;
    if (!c->in_process) lh__tcp_update(c);
}

void lh_tcp_conn_set_busy(lh_tcp_conn_t *c, int busy)
{
    if (c->busy && !busy) lh__tcp_touch(c);
    c->busy = busy;
}

/* --- facts --- */

void *lh_tcp_conn_udata(const lh_tcp_conn_t *c)
{
    return c->udata;
}

void lh_tcp_conn_set_udata(lh_tcp_conn_t *c, void *udata)
{
    c->udata = udata;
}

const char *lh_tcp_conn_peer(const lh_tcp_conn_t *c)
{
    return c->peer;
}

int lh_tcp_conn_is_tls(const lh_tcp_conn_t *c)
{
    return c->tls != NULL;
}

const char *lh_tcp_conn_alpn(const lh_tcp_conn_t *c)
{
    return c->alpn[0] ? c->alpn : NULL;
}

int lh_tcp_conn_draining(const lh_tcp_conn_t *c)
{
    return c->srv->stopping;
}

uv_loop_t *lh_tcp_conn_loop(const lh_tcp_conn_t *c)
{
    return c->srv->loop;
}

/* --- mid-stream TLS --- */

int lh_tcp_conn_start_tls(lh_tcp_conn_t *c)
{
    lh_tcp_server_t *srv = c->srv;
    if (srv->tls_mode != LH_TCP_TLS_UPGRADE || c->tls || c->state != LH__TC_OPEN) return LH_EINVAL;
    if (!srv->raw && c->nslots > 1) return LH_EBUSY;
    c->tbuf = malloc(LH__TCP_TBUF);
    c->tls = c->tbuf ? lh__tls_new(srv->tls) : NULL;
    if (!c->tls) {
        free(c->tbuf);
        c->tbuf = NULL;
        return LH_ENOMEM;
    }
    for (lh__tcp_out_t *o = c->qh; o; o = o->next)
        c->plain_queued++;
    lh_tcp_conn_timeout(c, LH_TCP_TIMEOUT_TLS, srv->tls_ms);
    if (srv->raw)
        upgrade_now(c);
    else
        c->upgrade = 1;
    return 0;
}
