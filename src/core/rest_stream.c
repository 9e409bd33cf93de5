/* Streamed REST responses: a chunked body the handler writes piece by piece
 * with a completion per piece (back-pressure), and Server-Sent Events on top
 * of it (text/event-stream framing, keep-alive comments on a loop timer that
 * also notice a client that went away). In memory (no transport) the pieces
 * collect in the call's output. */
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "core/rest_int.h"

struct lh__rest_sse {
    uv_timer_t timer;
    lh_rest_call_t *c;
};

typedef struct {
    lh_rest_call_t *c;
    size_t len;
    lh_rest_write_cb done;
    void *arg;
} wrec_t;

static const char *kind_of(int mode)
{
    return mode == LH__REST_SSE ? "kind=\"sse\"" : "kind=\"chunked\"";
}

static int streaming(const lh_rest_call_t *c)
{
    return c->mode == LH__REST_STREAM || c->mode == LH__REST_SSE;
}

static void timer_closed(uv_handle_t *h)
{
    free(h->data);
}

/* Stops the keep-alive timer; its memory goes once libuv closed it. */
static void sse_stop(lh_rest_call_t *c)
{
    lh__rest_sse_t *s = c->sse;
    if (!s) return;
    c->sse = NULL;
    uv_timer_stop(&s->timer);
    uv_close((uv_handle_t *)&s->timer, timer_closed);
}

void lh__rest_stream_closed(lh_rest_call_t *c)
{
    sse_stop(c);
}

void lh__rest_sse_free(lh_rest_call_t *c)
{
    sse_stop(c);
    if (streaming(c)) lh_metrics_add("lakehouse_rest_streams_open", kind_of(c->mode), -1);
}

static int start(lh_rest_call_t *c, int status, const char *content_type, int mode)
{
    if (c->mode != LH__REST_WHOLE || c->in_worker) return LH_EINVAL;
    if (c->closed) return LH_ECANCELED;
    c->status = status;
    c->content_type = content_type ? lh_arena_strdup(c->arena, content_type) : NULL;
    if (content_type && !c->content_type) return LH_ENOMEM;
    c->mode = mode;
    lh_buf_reset(&c->out);
    lh_metrics_add("lakehouse_rest_streams_open", kind_of(mode), 1);
    if (c->tp) {
        c->holds |= LH__REST_HOLD_HANDLER;
        c->tp->start(c);
    }
    return 0;
}

int lh_rest_stream_start(lh_rest_call_t *c, int status, const char *content_type)
{
    return start(c, status, content_type, LH__REST_STREAM);
}

void lh__rest_wrote(void *arg, int ok)
{
    wrec_t *w = arg;
    lh_rest_call_t *c = w->c;
    lh_rest_write_cb done = w->done;
    void *darg = w->arg;
    c->queued -= w->len;
    if (!ok) c->closed = 1; /* the connection failed: nothing more goes out */
    free(w);
    if (done) done(c, ok, darg);
}

int lh_rest_stream_write(lh_rest_call_t *c, const void *data, size_t len, lh_rest_write_cb done,
                         void *arg)
{
    if (!streaming(c)) return LH_EINVAL;
    if (c->closed) return LH_ECANCELED;
    if (!c->tp) {
        int rc = len ? lh_buf_append(&c->out, data, len) : 0;
        if (rc == 0 && done) done(c, 1, arg);
        return rc;
    }
    wrec_t *w = malloc(sizeof *w);
    if (!w) return LH_ENOMEM;
    *w = (wrec_t){.c = c, .len = len, .done = done, .arg = arg};
    c->queued += len;
    c->tp->write(c, data, len, w);
    return 0;
}

size_t lh_rest_stream_queued(const lh_rest_call_t *c)
{
    return c->queued;
}

void lh_rest_stream_finish(lh_rest_call_t *c)
{
    if (!streaming(c)) return;
    sse_stop(c);
    lh_metrics_add("lakehouse_rest_streams_open", kind_of(c->mode), -1);
    c->mode = LH__REST_DONE;
    if (!c->tp) return;
    if (!c->closed) c->tp->finish(c);
    lh__rest_release(c, LH__REST_HOLD_HANDLER);
}

/* --- Server-Sent Events --- */

static void tick(uv_timer_t *t)
{
    lh__rest_sse_t *s = t->data;
    static const char comment[] = ": keep-alive\n\n";
    if (!s->c->queued) lh_rest_stream_write(s->c, comment, sizeof comment - 1, NULL, NULL);
}

int lh_rest_sse_start(lh_rest_call_t *c, unsigned keepalive_ms)
{
    if (c->mode != LH__REST_WHOLE || c->in_worker) return LH_EINVAL;
    if (!lh_rest_call_resp_header(c, "Cache-Control") &&
        lh_rest_set_header(c, "Cache-Control", "no-store") != 0)
        return LH_ENOMEM;
    lh__rest_sse_t *s = c->loop ? calloc(1, sizeof *s) : NULL;
    if (c->loop && !s) return LH_ENOMEM;
    int rc = start(c, 200, "text/event-stream", LH__REST_SSE);
    if (rc || !s) {
        free(s);
        return rc;
    }
    unsigned ms = keepalive_ms ? keepalive_ms : LH_REST_SSE_KEEPALIVE_MS;
    uv_timer_init(c->loop, &s->timer);
    s->timer.data = s;
    s->c = c;
    c->sse = s;
    uv_timer_start(&s->timer, tick, ms, ms);
    return 0;
}

/* Appends "<field>: <line>\n" for every line of text (CRLF, LF or CR). */
static void field_lines(lh_buf_t *b, const char *field, const char *text)
{
    do {
        size_t n = strcspn(text, "\r\n");
        lh_buf_printf(b, "%s: %.*s\n", field, (int)n, text);
        text += n;
        if (text[0] == '\r' && text[1] == '\n') text++;
    } while (*text++);
}

int lh_rest_sse_send(lh_rest_call_t *c, const char *event, const char *data, const char *id)
{
    lh_buf_t b;
    if (c->mode != LH__REST_SSE || (event && strpbrk(event, "\r\n")) || (id && strpbrk(id, "\r\n")))
        return LH_EINVAL;
    if (c->closed) return LH_ECANCELED;
    if (c->queued > LH_REST_SSE_MAX_QUEUED) return LH_ETOOBIG;
    lh_buf_init(&b, LH_REST_SSE_MAX_QUEUED);
    if (id) lh_buf_printf(&b, "id: %s\n", id);
    if (event) lh_buf_printf(&b, "event: %s\n", event);
    field_lines(&b, "data", data ? data : "");
    int rc = lh_buf_puts(&b, "\n");
    if (rc == 0) rc = lh_rest_stream_write(c, b.ptr, b.len, NULL, NULL);
    lh_buf_free(&b);
    return rc;
}

void lh_rest_sse_end(lh_rest_call_t *c)
{
    lh_rest_stream_finish(c);
}
