/* The web listener: glue between the core HTTP server and the routes in
 * api.c. On the loop thread it routes and authenticates each request (cache
 * lookups only), reads a small JSON body into a capped buffer when the route
 * wants one, then runs the handler inline (reads) or on the worker pool
 * (routes that write the metadata database) and answers from the loop.
 * Per-request state is malloc'd, not arena memory, because a worker may still
 * hold it when the connection dies; whoever finishes last frees it. */
#include "web/web.h"

#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "web/api.h"

struct lh_web {
    lh_http_server_t *srv;
    lh_web_api_t api;
    void (*done)(void *);
    void *done_arg;
};

typedef struct {
    lh_web_t *w;
    lh_http_req_t *req;
    lh_web_call_t call;
    char *method, *path, *auth; /* copies: the call may outlive the request */
    lh_buf_t body;
    int too_big;
    int pending; /* a worker runs the handler */
    int dead;    /* the request ended while the worker ran */
} web_req_t;

static char *dup_slice(lh_str_t s)
{
    char *p = malloc(s.len + 1);
    if (p) {
        memcpy(p, s.ptr, s.len);
        p[s.len] = '\0';
    }
    return p;
}

static void state_free(web_req_t *st)
{
    lh_web_call_free(&st->call);
    lh_buf_free(&st->body);
    free(st->method);
    free(st->path);
    if (st->auth) {
        memset(st->auth, 0, strlen(st->auth));
        free(st->auth);
    }
    free(st);
}

static void respond(web_req_t *st)
{
    lh_web_call_t *c = &st->call;
    lh_http_req_t *req = st->req;
    if (c->content_type)
        lh_http_set_header(req, "Content-Type", c->content_type);
    if (c->challenge)
        lh_http_set_header(req, "WWW-Authenticate", "Basic realm=\"lakehouse\"");
    if (c->allow[0])
        lh_http_set_header(req, "Allow", c->allow);
    if (!strncmp(st->path, "/api/", 5))
        lh_http_set_header(req, "Cache-Control", "no-store");
    lh_http_respond(req, c->status ? c->status : 500, c->out.ptr, c->out.len);
}

static void work(void *arg)
{
    web_req_t *st = arg;
    lh_web_call_run(&st->w->api, &st->call);
}

static void after(void *arg, int status)
{
    web_req_t *st = arg;
    st->pending = 0;
    if (st->dead) {
        state_free(st);
        return;
    }
    if (status != 0)
        lh_web_problem(&st->call, 503, "the server is shutting down");
    respond(st);
}

static void dispatch(web_req_t *st)
{
    if (!lh_web_call_blocking(&st->call)) {
        lh_web_call_run(&st->w->api, &st->call);
        respond(st);
        return;
    }
    st->pending = 1;
    if (lh_work_submit(st->req->loop, work, after, st) != 0) {
        st->pending = 0;
        lh_web_problem(&st->call, 500, "out of memory");
        respond(st);
    }
}

static void on_request(lh_http_req_t *req, void *ctx)
{
    lh_web_t *w = ctx;
    web_req_t *st = calloc(1, sizeof *st);
    const lh_str_t *auth = lh_http_header_get(req, "Authorization");
    if (!st || !(st->method = dup_slice(req->method)) || !(st->path = dup_slice(req->path)) ||
        (auth && !(st->auth = dup_slice(*auth)))) {
        if (st)
            state_free(st);
        lh_http_respond(req, 500, NULL, 0);
        return;
    }
    st->w = w;
    st->req = req;
    req->udata = st;
    lh_buf_init(&st->body, LH_WEB_MAX_BODY);
    lh_web_call_init(&st->call);
    st->call.method = st->method;
    st->call.path = st->path;
    st->call.authorization = st->auth;
    if (lh_web_call_route(&w->api, &st->call) == 1)
        respond(st);
    else if (!lh_web_call_wants_body(&st->call))
        dispatch(st);
    else if (req->content_length > (int64_t)LH_WEB_MAX_BODY) {
        lh_web_problem(&st->call, 413, "the request body is over 64 KiB");
        respond(st);
    } else
        lh_http_body_read(req);
}

static void on_body(lh_http_req_t *req, const char *data, size_t len, void *ctx)
{
    web_req_t *st = req->udata;
    (void)ctx;
    if (st && !st->too_big && lh_buf_append(&st->body, data, len) != 0)
        st->too_big = 1; /* keep reading (and dropping) to keep the connection */
    lh_http_body_next(req);
}

static void on_body_end(lh_http_req_t *req, void *ctx)
{
    web_req_t *st = req->udata;
    (void)ctx;
    if (!st)
        return;
    if (st->too_big) {
        lh_web_problem(&st->call, 413, "the request body is over 64 KiB");
        respond(st);
        return;
    }
    st->call.body = st->body.ptr;
    st->call.body_len = st->body.len;
    dispatch(st);
}

static void on_done(lh_http_req_t *req, int ok, void *ctx)
{
    web_req_t *st = req->udata;
    (void)ok;
    (void)ctx;
    req->udata = NULL;
    if (!st)
        return;
    st->req = NULL;
    if (st->pending)
        st->dead = 1; /* after() frees it */
    else
        state_free(st);
}

/* A framing error (bad head, head deadline, bad or truncated body) as a
 * problem object; not while a worker runs the request's handler. */
static void on_error(lh_http_req_t *req, int status, int kind, const char *reason, void *ctx)
{
    web_req_t *st = req->udata;
    lh_web_call_t call;
    (void)kind;
    (void)ctx;
    if (st && st->pending)
        return;
    lh_web_call_init(&call);
    lh_web_problem(&call, status, reason);
    lh_http_set_header(req, "Content-Type", call.content_type);
    lh_http_respond(req, status, call.out.ptr, call.out.len);
    lh_web_call_free(&call);
}

static const lh_http_handler_t handler = {
    .on_request = on_request,
    .on_body = on_body,
    .on_body_end = on_body_end,
    .on_body_error = NULL,
    .on_done = on_done,
    .on_error = on_error,
};

int lh_web_start(uv_loop_t *loop, const lh_config_t *cfg, lh_meta_t *meta, const lh_roles_t *roles,
                 lh_web_t **out, char *bound, size_t cap, lh_err_t *err)
{
    *out = NULL;
    lh_web_t *w = calloc(1, sizeof *w);
    if (!w)
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    w->api.meta = meta;
    w->api.roles = roles;
    w->api.render_metrics = lh_metrics_render;
    lh_http_server_opts_t opts = {
        .name = "web",
        .listen = lh_config_get(cfg, "web.listen"),
        .tls_cert = lh_config_get(cfg, "web.tls_cert"),
        .tls_key = lh_config_get(cfg, "web.tls_key"),
        .handler = &handler,
        .ctx = w,
    };
    lh_http_opts_from_config(&opts, cfg, "web");
    int rc = lh_http_server_start(loop, &opts, &w->srv, bound, cap, err);
    if (rc) {
        free(w);
        return rc;
    }
    *out = w;
    return 0;
}

void lh_web_enable_api(lh_web_t *w, int on)
{
    w->api.api_enabled = on;
}

static void stopped(void *arg)
{
    lh_web_t *w = arg;
    void (*done)(void *) = w->done;
    void *done_arg = w->done_arg;
    free(w);
    if (done)
        done(done_arg);
}

void lh_web_stop(lh_web_t *w, void (*done)(void *), void *arg)
{
    w->done = done;
    w->done_arg = arg;
    lh_http_server_stop(w->srv, stopped, w);
}
