/* Hidden routes compiled into test builds only (-DLH_TEST_HOOKS=1, the ASan
 * build), so that the integration tests can drive streamed responses and
 * Server-Sent Events through the real HTTP server with curl:
 *   GET /_test/stream?chunks=N&size=S   N chunks "chunk <i> <S x's>\n", each
 *                                       written when the previous one is out
 *   GET /_test/sse?events=N&keepalive_ms=K
 *                                       N "tick" events (id i, data "n=<i>"),
 *                                       then keep-alive comments every K ms
 *                                       until the client goes away
 *   PUT /_test/upload?max=M             counts a streamed body (each slice held
 *                                       and released from a timer); 201 with the
 *                                       count, 413 past M bytes */
#include "web/api.h"

#if defined(LH_TEST_HOOKS) && LH_TEST_HOOKS

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t i, n, size;
} chunks_t;

/* Writes the next chunk from the completion of the previous one. */
static void next_chunk(lh_rest_call_t *c, int ok, void *arg)
{
    chunks_t *st = arg;
    lh_buf_t b;
    if (!ok || st->i == st->n) {
        lh_rest_stream_finish(c);
        return;
    }
    lh_buf_init(&b, 0);
    lh_buf_printf(&b, "chunk %lld ", (long long)st->i++);
    for (int64_t k = 0; k < st->size; k++)
        lh_buf_puts(&b, "x");
    int rc = lh_buf_puts(&b, "\n");
    if (rc == 0) rc = lh_rest_stream_write(c, b.ptr, b.len, next_chunk, st);
    lh_buf_free(&b);
    if (rc != 0) lh_rest_stream_finish(c);
}

static void h_stream(lh_rest_call_t *c)
{
    int64_t n, size;
    if (lh_rest_query_int(c, "chunks", 5, 0, 100000, &n) ||
        lh_rest_query_int(c, "size", 0, 0, 1 << 20, &size))
        return;
    chunks_t *st = calloc(1, sizeof *st);
    if (!st) {
        lh_rest_problem(c, 500, "out of memory");
        return;
    }
    *st = (chunks_t){.n = n, .size = size};
    lh_rest_set_udata(c, st, free);
    if (lh_rest_stream_start(c, 200, "text/plain; charset=utf-8") != 0) return;
    next_chunk(c, 1, st);
}

static void sse_gone(lh_rest_call_t *c, void *arg)
{
    (void)arg;
    lh_rest_sse_end(c);
}

static void h_sse(lh_rest_call_t *c)
{
    int64_t n, ms;
    char id[24], data[32];
    if (lh_rest_query_int(c, "events", 3, 0, 10000, &n) ||
        lh_rest_query_int(c, "keepalive_ms", 0, 0, 3600000, &ms))
        return;
    if (lh_rest_sse_start(c, (unsigned)ms) != 0) return;
    lh_rest_on_close(c, sse_gone, NULL);
    for (int64_t i = 0; i < n; i++) {
        snprintf(id, sizeof id, "%lld", (long long)i);
        snprintf(data, sizeof data, "n=%lld", (long long)i);
        if (lh_rest_sse_send(c, "tick", data, id) == LH_ECANCELED) break;
    }
}

typedef struct {
    uv_timer_t timer;
    lh_rest_call_t *c;
    int64_t n, max;
} upload_t;

static void upload_closed(uv_handle_t *h)
{
    free(h->data);
}

static void upload_free(void *arg)
{
    upload_t *u = arg;
    uv_close((uv_handle_t *)&u->timer, upload_closed);
}

static void upload_resume(uv_timer_t *t)
{
    upload_t *u = t->data;
    lh_rest_body_next(u->c);
}

static int upload_slice(lh_rest_call_t *c, const char *data, size_t len)
{
    upload_t *u = lh_rest_udata(c);
    (void)data;
    if (!u) {
        if (!(u = calloc(1, sizeof *u))) return LH_ENOMEM;
        if (lh_rest_query_int(c, "max", INT64_MAX, 0, INT64_MAX, &u->max) != 0) {
            free(u);
            return LH_EINVAL;
        }
        uv_timer_init(lh_rest_loop(c), &u->timer);
        u->timer.data = u;
        u->c = c;
        lh_rest_set_udata(c, u, upload_free);
    }
    u->n += (int64_t)len;
    if (u->n > u->max) return LH_ETOOBIG;
    uv_timer_start(&u->timer, upload_resume, 0, 0);
    return LH_REST_BODY_HOLD;
}

static void h_upload(lh_rest_call_t *c)
{
    const upload_t *u = lh_rest_udata(c);
    char text[32];
    snprintf(text, sizeof text, "%lld\n", (long long)(u ? u->n : 0));
    lh_rest_respond(c, 201, "text/plain; charset=utf-8", text, strlen(text));
}

const lh_rest_route_t lh_web_hook_routes[LH_WEB_NHOOK_ROUTES] = {
    {.method = "GET", .pattern = "/_test/stream", .auth = LH_REST_PUBLIC, .handler = h_stream},
    {.method = "GET", .pattern = "/_test/sse", .auth = LH_REST_PUBLIC, .handler = h_sse},
    {.method = "PUT",
     .pattern = "/_test/upload",
     .auth = LH_REST_PUBLIC,
     .body = LH_REST_BODY_STREAM,
     .on_body = upload_slice,
     .handler = h_upload},
};

#endif
