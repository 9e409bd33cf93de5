/* REST module internals shared by rest.c (router, calls, answers),
 * rest_query.c (query string), rest_stream.c (streams, SSE) and rest_http.c
 * (the binding to the core HTTP server). Not for other modules. */
#ifndef LH_CORE_REST_INT_H
#define LH_CORE_REST_INT_H

#include "core/arena.h"
#include "core/buf.h"
#include "core/rest.h"
#include "core/str.h"

typedef struct lh__rest_kv {
    const char *key, *value;
} lh__rest_kv_t;

typedef struct lh__rest_hdr {
    struct lh__rest_hdr *next;
    const char *name, *value;
} lh__rest_hdr_t;

/* How a call answers: mode moves forward only. */
enum { LH__REST_WHOLE, LH__REST_DEFERRED, LH__REST_STREAM, LH__REST_SSE, LH__REST_DONE };

/* Who still holds a call; the last to let go frees it (transport calls). */
enum { LH__REST_HOLD_TRANSPORT = 1, LH__REST_HOLD_HANDLER = 2 };

/* A transport sends what the call holds; NULL in memory. */
typedef struct lh__rest_transport {
    /* the whole response in c (status, content type, headers, out) */
    void (*respond)(lh_rest_call_t *c);
    /* the head of a chunked response */
    void (*start)(lh_rest_call_t *c);
    /* one chunk (copied); lh__rest_wrote(w, ok) exactly once later */
    void (*write)(lh_rest_call_t *c, const void *data, size_t len, void *w);
    /* the terminating chunk */
    void (*finish)(lh_rest_call_t *c);
    /* ask for the next body slice */
    void (*body_next)(lh_rest_call_t *c);
    /* the call is free to go: release transport state */
    void (*release)(lh_rest_call_t *c);
} lh__rest_transport_t;

typedef struct lh__rest_sse lh__rest_sse_t;

struct lh_rest_call {
    lh_rest_router_t *router; /* only while routing: a worker may outlive it */
    lh_meta_t *meta;
    lh_arena_t *arena; /* everything below that is not a buffer */
    /* request */
    const char *method, *path, *query_raw;
    lh__rest_kv_t *headers;
    size_t nheaders, cap_headers;
    const char *body;
    size_t body_len;
    lh_buf_t body_buf; /* LH_REST_BODY_BUFFER from a transport */
    int trusted;
    int body_too_big;
    int has_body;      /* the request announced a body (Content-Length > 0 or chunked) */
    int tls;           /* it came over TLS: its own origin is https://<Host> */
    char peer[64];     /* the client's "ip:port" ("" in memory) */
    unsigned delay_ms; /* a failed login: hold the answer this long (lh_auth_failed) */
    /* routing */
    const lh_rest_route_t *route;
    lh_rest_table_t table;
    lh__rest_kv_t params[LH_REST_MAX_PARAMS];
    int nparams;
    lh__rest_kv_t *query;
    int nquery;
    lh_user_t user;
    int authenticated;
    /* response */
    int status;
    const char *content_type;
    lh__rest_hdr_t *rh, *rh_tail;
    lh_buf_t out;
    int mode; /* LH__REST_* */
    int in_worker;
    int closed;
    int holds; /* LH__REST_HOLD_* (transport calls only) */
    size_t queued;
    void (*on_close)(lh_rest_call_t *, void *);
    void *close_arg;
    lh__rest_sse_t *sse;
    /* handler state */
    void *udata;
    void (*udata_free)(void *);
    /* transport */
    const lh__rest_transport_t *tp;
    void *tp_arg;
    uv_loop_t *loop;
};

/* A call for a transport from the raw method, path and query (without '?');
 * it holds the transport (the caller sets tp, tp_arg, loop). Errors: LH_ENOMEM. */
int lh__rest_call_open(lh_rest_router_t *r, lh_str_t method, lh_str_t path, lh_str_t query,
                       lh_rest_call_t **out);
/* A request header from slices (copied). Errors: LH_ENOMEM. */
int lh__rest_add_header(lh_rest_call_t *c, lh_str_t name, lh_str_t value);
/* A chunk handed to the transport went out (ok 1) or was dropped (ok 0). */
void lh__rest_wrote(void *w, int ok);
/* The RFC 9457 problem object for status and detail (NULL = ""); owned by
 * the caller, NULL when out of memory. */
json_t *lh__rest_problem_doc(int status, const char *detail);
/* The router's metadata database (copied into each call). */
lh_meta_t *lh__rest_router_meta(const lh_rest_router_t *r);
/* Phase 1, loop thread: match, authenticate, parse the query. 0: run the
 * body step and the handler next; 1: the call holds the answer. */
int lh__rest_route(lh_rest_call_t *c);
/* The body cap of the matched route, and the 413 answer naming it. */
size_t lh__rest_max_body(const lh_rest_call_t *c);
void lh__rest_too_big(lh_rest_call_t *c);
/* Phase 2: runs the handler inline or on the worker pool, then sends. */
void lh__rest_dispatch(lh_rest_call_t *c);
/* Sends the whole answer the call holds (LH__REST_WHOLE). */
void lh__rest_send(lh_rest_call_t *c);
/* LH_REST_BODY_STREAM: one slice; returns 1 when the call was answered. */
int lh__rest_body_slice(lh_rest_call_t *c, const char *data, size_t len);
/* The transport is gone (client away, or response out): drop its hold. */
void lh__rest_transport_done(lh_rest_call_t *c);
/* Drops a hold; frees the call when none is left. */
void lh__rest_release(lh_rest_call_t *c, int hold);
/* The response headers the router adds (Allow on 405 and OPTIONS,
 * Cache-Control) are in c->rh like the handler's. */
void lh__rest_kv_free(lh_rest_call_t *c);
/* Parses c->query_raw into c->query. 0, LH_EINVAL (a bad escape, a NUL, a
 * parameter without a name, too many) or LH_ENOMEM, with err set. */
int lh__rest_query_parse(lh_rest_call_t *c, lh_err_t *err);
/* Stream bookkeeping shared by streams and SSE (rest_stream.c). */
void lh__rest_stream_closed(lh_rest_call_t *c);
void lh__rest_sse_free(lh_rest_call_t *c);
/* A metric gauge of open streams by kind. */
void lh__rest_streams_add(const char *kind, int delta);

#endif
