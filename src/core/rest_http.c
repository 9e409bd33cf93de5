/* REST calls over the core HTTP server: one call per request, created on the
 * loop thread with copies of everything the handler may read (a blocking
 * handler still runs on a worker when the connection dies, so nothing points
 * into the request's arena). The call is routed and authenticated before
 * the body is read, so 401/403/404/405/413/415 never wait for a body (a
 * failed login's 401 waits on a loop timer when the throttle says so,
 * core/throttle.h); a buffered
 * body is capped per route; a streamed one goes to the route's on_body with
 * the server's back-pressure. Whole answers go out with lh_http_respond,
 * streams with lh_http_start/write/finish. The call is freed when both the
 * request (on_done) and the handler (worker, stream, defer) let go. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "core/loop.h"
#include "core/rest_int.h"

static lh_http_req_t *req_of(lh_rest_call_t *c)
{
    return c->tp_arg;
}

static void set_headers(lh_rest_call_t *c)
{
    lh_http_req_t *req = req_of(c);
    if (c->content_type) lh_http_set_header(req, "Content-Type", c->content_type);
    for (const lh__rest_hdr_t *h = c->rh; h; h = h->next)
        lh_http_set_header(req, h->name, h->value);
}

static void tp_respond(lh_rest_call_t *c)
{
    set_headers(c);
    lh_http_respond(req_of(c), c->status, c->out.ptr, c->out.len);
}

static void tp_start(lh_rest_call_t *c)
{
    set_headers(c);
    lh_http_start(req_of(c), c->status, -1);
}

static void http_wrote(lh_http_req_t *req, int ok, void *w)
{
    (void)req;
    lh__rest_wrote(w, ok);
}

static void tp_write(lh_rest_call_t *c, const void *data, size_t len, void *w)
{
    lh_http_write(req_of(c), data, len, http_wrote, w);
}

static void tp_finish(lh_rest_call_t *c)
{
    lh_http_finish(req_of(c));
}

static void tp_body_next(lh_rest_call_t *c)
{
    lh_http_body_next(req_of(c));
}

static const lh__rest_transport_t http_tp = {
    .respond = tp_respond,
    .start = tp_start,
    .write = tp_write,
    .finish = tp_finish,
    .body_next = tp_body_next,
    .release = NULL,
};

static void too_big(lh_rest_call_t *c)
{
    lh__rest_too_big(c);
    lh__rest_send(c);
}

static void delay_over(void *arg)
{
    lh_rest_complete(arg);
}

/* A failed login's answer waits on a loop timer (the call is deferred, so a
 * client that goes away meanwhile only marks it closed). */
static void answer_later(lh_rest_call_t *c)
{
    lh_rest_defer(c);
    if (lh_loop_after(c->loop, c->delay_ms, delay_over, c) != 0) lh_rest_complete(c);
}

static int copy_headers(lh_rest_call_t *c, const lh_http_req_t *req)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (lh__rest_add_header(c, req->headers[i].name, req->headers[i].value) != 0)
            return LH_ENOMEM;
    return 0;
}

static void on_request(lh_http_req_t *req, void *ctx)
{
    lh_rest_call_t *c;
    if (lh__rest_call_open(ctx, req->method, req->path, req->query, &c) != 0) {
        lh_http_respond(req, 500, NULL, 0);
        return;
    }
    c->tp = &http_tp;
    c->tp_arg = req;
    c->loop = req->loop;
    c->tls = req->is_tls;
    c->has_body = req->content_length > 0 || req->chunked;
    snprintf(c->peer, sizeof c->peer, "%s", req->remote_addr);
    req->udata = c;
    if (copy_headers(c, req) != 0) {
        lh_rest_problem(c, 500, "out of memory");
        lh__rest_send(c);
        return;
    }
    if (lh__rest_route(c)) {
        if (c->delay_ms) return answer_later(c);
        lh__rest_send(c);
        return;
    }
    switch (c->route->body) {
    case LH_REST_BODY_BUFFER:
        if (req->content_length > (int64_t)lh__rest_max_body(c)) return too_big(c);
        c->body_buf.max = lh__rest_max_body(c);
        lh_http_body_read(req);
        return;
    case LH_REST_BODY_STREAM:
        lh_http_body_read(req);
        return;
    default:
        lh__rest_dispatch(c);
    }
}

static void on_body(lh_http_req_t *req, const char *data, size_t len, void *ctx)
{
    lh_rest_call_t *c = req->udata;
    (void)ctx;
    if (!c || c->mode != LH__REST_WHOLE || c->status) {
        lh_http_body_next(req); /* answered already: drop the rest */
        return;
    }
    if (c->route->body == LH_REST_BODY_STREAM) {
        lh__rest_body_slice(c, data, len);
        return;
    }
    if (!c->body_too_big && lh_buf_append(&c->body_buf, data, len) != 0)
        c->body_too_big = 1; /* keep reading (and dropping) to keep the connection */
    lh_http_body_next(req);
}

static void on_body_end(lh_http_req_t *req, void *ctx)
{
    lh_rest_call_t *c = req->udata;
    (void)ctx;
    if (!c || c->mode != LH__REST_WHOLE || c->status) return;
    if (c->body_too_big) return too_big(c);
    c->body = c->body_buf.ptr;
    c->body_len = c->body_buf.len;
    lh__rest_dispatch(c);
}

static void on_done(lh_http_req_t *req, int ok, void *ctx)
{
    lh_rest_call_t *c = req->udata;
    (void)ok;
    (void)ctx;
    req->udata = NULL;
    if (!c) return;
    c->tp_arg = NULL;
    lh__rest_transport_done(c);
}

/* A framing error (bad head, head deadline, bad or truncated body) as a
 * problem object, unless the call already answered or a worker runs it. */
static void on_error(lh_http_req_t *req, int status, int kind, const char *reason, void *ctx)
{
    lh_rest_call_t *c = req->udata;
    (void)kind;
    (void)ctx;
    if (c && (c->in_worker || c->mode != LH__REST_WHOLE || c->status)) return;
    json_t *p = lh__rest_problem_doc(status, reason);
    char *text = p ? json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(p);
    if (!text) return; /* the bare status line goes out */
    lh_http_set_header(req, "Content-Type", "application/problem+json");
    lh_http_respond(req, status, text, strlen(text));
    free(text);
}

const lh_http_handler_t lh_rest_http_handler = {
    .on_request = on_request,
    .on_body = on_body,
    .on_body_end = on_body_end,
    .on_body_error = NULL,
    .on_done = on_done,
    .on_error = on_error,
};
