/* REST calls: creation (in memory or for a transport), the request as
 * handlers read it (headers, path parameters, body), whole answers and RFC
 * 9457 problem objects, and the hold count that frees a transport's call once
 * both the connection and the handler let go of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/rest_int.h"

#define MAX_OUT ((size_t)16 << 20) /* a whole response, or a stream kept in memory */

static const struct {
    int status;
    const char *title;
} titles[] = {
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Method Not Allowed"},
    {406, "Not Acceptable"},
    {409, "Conflict"},
    {412, "Precondition Failed"},
    {413, "Content Too Large"},
    {415, "Unsupported Media Type"},
    {422, "Unprocessable Content"},
    {429, "Too Many Requests"},
    {500, "Internal Server Error"},
    {503, "Service Unavailable"},
};

static const char *title_of(int status)
{
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
        if (titles[i].status == status) return titles[i].title;
    return "Error";
}

/* --- life cycle --- */

static int call_new(lh_rest_router_t *r, lh_str_t method, lh_str_t path, lh_str_t query,
                    lh_rest_call_t **out)
{
    lh_arena_t *a = lh_arena_new(4096);
    lh_rest_call_t *c = a ? calloc(1, sizeof *c) : NULL;
    *out = NULL;
    if (!c) {
        lh_arena_free(a);
        return LH_ENOMEM;
    }
    c->router = r;
    c->meta = lh__rest_router_meta(r);
    c->arena = a;
    lh_buf_init(&c->out, MAX_OUT);
    lh_buf_init(&c->body_buf, LH_REST_MAX_BODY);
    c->method = lh_arena_strndup(a, method.ptr, method.len);
    c->path = lh_arena_strndup(a, path.ptr, path.len);
    c->query_raw = lh_arena_strndup(a, query.ptr ? query.ptr : "", query.len);
    if (!c->method || !c->path || !c->query_raw ||
        (!strncmp(c->path, "/api/", 5) && lh_rest_set_header(c, "Cache-Control", "no-store"))) {
        lh_rest_call_free(c);
        return LH_ENOMEM;
    }
    *out = c;
    return 0;
}

int lh_rest_call_new(lh_rest_router_t *r, const char *method, const char *target,
                     lh_rest_call_t **out)
{
    size_t plen = strcspn(target, "?");
    lh_str_t m = {method, strlen(method)}, p = {target, plen}, q = {"", 0};
    if (target[plen]) q = (lh_str_t){target + plen + 1, strlen(target + plen + 1)};
    return call_new(r, m, p, q, out);
}

int lh__rest_call_open(lh_rest_router_t *r, lh_str_t method, lh_str_t path, lh_str_t query,
                       lh_rest_call_t **out)
{
    int rc = call_new(r, method, path, query, out);
    if (rc == 0) (*out)->holds = LH__REST_HOLD_TRANSPORT;
    return rc;
}

void lh_rest_call_free(lh_rest_call_t *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nheaders; i++)
        if (!strcasecmp(c->headers[i].key, "Authorization"))
            memset((char *)c->headers[i].value, 0, strlen(c->headers[i].value));
    if (c->udata_free) c->udata_free(c->udata);
    lh__rest_sse_free(c);
    memset(&c->user, 0, sizeof c->user);
    lh_buf_free(&c->out);
    lh_buf_free(&c->body_buf);
    lh_arena_free(c->arena);
    free(c);
}

void lh__rest_release(lh_rest_call_t *c, int hold)
{
    c->holds &= ~hold;
    if (c->holds) return;
    if (c->tp && c->tp->release) c->tp->release(c);
    lh_rest_call_free(c);
}

void lh__rest_transport_done(lh_rest_call_t *c)
{
    int open =
        c->mode == LH__REST_DEFERRED || c->mode == LH__REST_STREAM || c->mode == LH__REST_SSE;
    c->closed = 1;
    if (open) {
        lh__rest_stream_closed(c);
        void (*fn)(lh_rest_call_t *, void *) = c->on_close;
        c->on_close = NULL;
        if (fn) fn(c, c->close_arg);
    }
    lh__rest_release(c, LH__REST_HOLD_TRANSPORT);
}

void lh_rest_on_close(lh_rest_call_t *c, void (*fn)(lh_rest_call_t *, void *), void *arg)
{
    c->on_close = fn;
    c->close_arg = arg;
}

int lh_rest_closed(const lh_rest_call_t *c)
{
    return c->closed;
}

/* --- the request --- */

int lh_rest_call_set_header(lh_rest_call_t *c, const char *name, const char *value)
{
    return lh__rest_add_header(c, (lh_str_t){name, strlen(name)}, (lh_str_t){value, strlen(value)});
}

int lh__rest_add_header(lh_rest_call_t *c, lh_str_t name, lh_str_t value)
{
    if (c->nheaders == c->cap_headers) {
        size_t cap = c->cap_headers ? c->cap_headers * 2 : 16;
        lh__rest_kv_t *h = lh_arena_alloc(c->arena, cap * sizeof *h);
        if (!h) return LH_ENOMEM;
        if (c->nheaders) memcpy(h, c->headers, c->nheaders * sizeof *h);
        c->headers = h;
        c->cap_headers = cap;
    }
    const char *k = lh_arena_strndup(c->arena, name.ptr, name.len);
    const char *v = lh_arena_strndup(c->arena, value.ptr, value.len);
    if (!k || !v) return LH_ENOMEM;
    c->headers[c->nheaders++] = (lh__rest_kv_t){k, v};
    return 0;
}

void lh_rest_call_set_body(lh_rest_call_t *c, const char *body, size_t len)
{
    c->body = body;
    c->body_len = len;
    c->has_body = len > 0;
}

void lh_rest_call_trust(lh_rest_call_t *c)
{
    c->trusted = 1;
}

const char *lh_rest_method(const lh_rest_call_t *c)
{
    return c->method;
}

const char *lh_rest_path(const lh_rest_call_t *c)
{
    return c->path;
}

const char *lh_rest_param(const lh_rest_call_t *c, const char *name)
{
    for (int i = 0; i < c->nparams; i++)
        if (!strcmp(c->params[i].key, name)) return c->params[i].value;
    return NULL;
}

const char *lh_rest_header(const lh_rest_call_t *c, const char *name)
{
    for (size_t i = 0; i < c->nheaders; i++)
        if (!strcasecmp(c->headers[i].key, name)) return c->headers[i].value;
    return NULL;
}

const char *lh_rest_body(const lh_rest_call_t *c, size_t *len)
{
    *len = c->body_len;
    return c->body_len ? c->body : NULL;
}

json_t *lh_rest_body_json(lh_rest_call_t *c)
{
    json_error_t je;
    json_t *doc =
        c->body_len ? json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, &je) : json_object();
    if (doc && json_is_object(doc)) return doc;
    json_decref(doc);
    lh_rest_problem(c, 400, "the request body must be a JSON object");
    return NULL;
}

const lh_user_t *lh_rest_user(const lh_rest_call_t *c)
{
    return c->authenticated ? &c->user : NULL;
}

int lh_rest_trusted(const lh_rest_call_t *c)
{
    return c->trusted;
}

lh_meta_t *lh_rest_meta(const lh_rest_call_t *c)
{
    return c->meta;
}

void *lh_rest_arg(const lh_rest_call_t *c)
{
    return c->table.arg;
}

uv_loop_t *lh_rest_loop(const lh_rest_call_t *c)
{
    return c->loop;
}

void lh_rest_set_udata(lh_rest_call_t *c, void *ptr, void (*free_fn)(void *))
{
    c->udata = ptr;
    c->udata_free = free_fn;
}

void *lh_rest_udata(const lh_rest_call_t *c)
{
    return c->udata;
}

/* --- the answer --- */

int lh_rest_call_status(const lh_rest_call_t *c)
{
    return c->status;
}

const char *lh_rest_call_content_type(const lh_rest_call_t *c)
{
    return c->content_type;
}

const char *lh_rest_call_resp_header(const lh_rest_call_t *c, const char *name)
{
    for (const lh__rest_hdr_t *h = c->rh; h; h = h->next)
        if (!strcasecmp(h->name, name)) return h->value;
    return NULL;
}

const char *lh_rest_call_output(const lh_rest_call_t *c, size_t *len)
{
    if (len) *len = c->out.len;
    return c->out.ptr ? c->out.ptr : "";
}

int lh_rest_set_header(lh_rest_call_t *c, const char *name, const char *value)
{
    lh__rest_hdr_t *h = lh_arena_calloc(c->arena, sizeof *h);
    if (!h || !(h->name = lh_arena_strdup(c->arena, name)) ||
        !(h->value = lh_arena_strdup(c->arena, value)))
        return LH_ENOMEM;
    if (c->rh_tail)
        c->rh_tail->next = h;
    else
        c->rh = h;
    c->rh_tail = h;
    return 0;
}

void lh_rest_respond(lh_rest_call_t *c, int status, const char *content_type, const void *body,
                     size_t len)
{
    lh_buf_reset(&c->out);
    c->status = status;
    c->content_type = content_type ? lh_arena_strdup(c->arena, content_type) : NULL;
    if ((content_type && !c->content_type) || (len && lh_buf_append(&c->out, body, len) != 0)) {
        lh_buf_reset(&c->out);
        c->status = 500;
        c->content_type = NULL;
    }
}

void lh_rest_json(lh_rest_call_t *c, int status, json_t *doc)
{
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    size_t n = text ? strlen(text) : 0;
    json_decref(doc);
    lh_rest_respond(c, text ? status : 500, "application/json", text, n);
    if (text && lh_buf_puts(&c->out, "\n") != 0) lh_rest_respond(c, 500, NULL, NULL, 0);
    free(text);
}

json_t *lh__rest_problem_doc(int status, const char *detail)
{
    return json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank", "title", title_of(status),
                     "status", status, "detail", detail ? detail : "");
}

void lh_rest_problem(lh_rest_call_t *c, int status, const char *detail)
{
    lh_rest_problem_ext(c, status, detail, NULL);
}

void lh_rest_problem_ext(lh_rest_call_t *c, int status, const char *detail, json_t *ext)
{
    json_t *doc = lh__rest_problem_doc(status, detail);
    if (doc && ext) json_object_update_missing(doc, ext); /* the standard members win */
    json_decref(ext);
    lh_rest_json(c, status, doc);
    if (c->status == status) c->content_type = "application/problem+json";
}

static int status_of(int code)
{
    switch (code) {
    case LH_EINVAL:
        return 400;
    case LH_EAUTH:
        return 401;
    case LH_EPERM:
        return 403;
    case LH_ENOENT:
        return 404;
    case LH_EEXIST:
    case LH_ECONFLICT:
    case LH_ENOTEMPTY:
        return 409;
    case LH_EPRECOND:
        return 412;
    case LH_ETOOBIG:
        return 413;
    case LH_EBUSY:
        return 503;
    default:
        return 500;
    }
}

void lh_rest_error(lh_rest_call_t *c, int code, const char *msg)
{
    lh_rest_problem(c, status_of(code), msg && *msg ? msg : lh_strerror(code));
}

void lh__rest_send(lh_rest_call_t *c)
{
    if (c->mode == LH__REST_DONE) return;
    c->mode = LH__REST_DONE;
    if (!c->status) lh_rest_problem(c, 500, "the handler gave no answer");
    if (c->tp && !c->closed) c->tp->respond(c);
}

void lh_rest_defer(lh_rest_call_t *c)
{
    if (c->mode != LH__REST_WHOLE || c->in_worker) return;
    c->mode = LH__REST_DEFERRED;
    if (c->tp) c->holds |= LH__REST_HOLD_HANDLER;
}

void lh_rest_complete(lh_rest_call_t *c)
{
    if (c->mode != LH__REST_DEFERRED) return;
    c->mode = LH__REST_WHOLE;
    lh__rest_send(c);
    if (c->tp) lh__rest_release(c, LH__REST_HOLD_HANDLER);
}
