/* REST routes for every HTTP API of the platform (users and tokens today;
 * the DAG API, the query servers' admin routes and the console next). A
 * module describes its routes in a table with designated initializers and a
 * handler in each row; a role contributes its table through its descriptor
 * (core/role.h, .routes), and the web listener serves the tables of the roles
 * that run in its process. Like tmux's cmd_entry: the row carries the
 * handler, so nothing re-dispatches.
 *
 *   static const lh_rest_route_t dag_routes[] = {
 *       {.method = "GET", .pattern = "/api/v1/dags/{dag_id}/runs/{run_id}",
 *        .auth = LH_REST_READER, .handler = run_get},
 *       {.method = "POST", .pattern = "/api/v1/dags/{dag_id}/runs",
 *        .auth = LH_REST_WRITER, .body = LH_REST_BODY_BUFFER, .blocking = 1,
 *        .handler = run_trigger},
 *   };
 *
 * A call is one request. The router refuses it when a browser sent it from
 * another origin (Origin other than the server's own scheme://Host, or
 * Sec-Fetch-Site cross-site/same-site: 403), matches it (any number of named
 * path parameters, %-decoded; OPTIONS answers 204 with Allow), authenticates
 * it (HTTP Basic with an access key and secret key, or a bearer token; a role
 * is a ceiling; a failed login is logged and its 401 may wait on a loop
 * timer, core/throttle.h), requires application/json for a buffered body
 * (415), parses the query string, reads the body, runs the handler (inline on
 * the loop thread, or on the short worker pool when .blocking) and answers.
 * Every error is an RFC 9457 problem object (application/problem+json).
 *
 * Transport: core/rest_http.c binds calls to the core HTTP server; without a
 * transport (unit tests, the offline CLI) a call runs in memory: the response
 * body, streamed or not, collects in the call (lh_rest_call_output).
 *
 * Threading: a router is used from one loop thread. Handlers of non-blocking
 * routes run on that thread and must not block; handlers of blocking routes
 * run on a worker thread and may use only the accessors and the whole-
 * response calls (no streams, no SSE, no defer). */
#ifndef LH_CORE_REST_H
#define LH_CORE_REST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/err.h"
#include "core/http.h"
#include "core/meta.h"

typedef struct lh_rest_router lh_rest_router_t;
typedef struct lh_rest_call lh_rest_call_t;

#define LH_REST_MAX_BODY ((size_t)64 << 10) /* default cap of a buffered request body */
#define LH_REST_MAX_PARAMS 8                /* named path parameters per pattern */
#define LH_REST_MAX_QUERY 64                /* query parameters per request */
#define LH_REST_MAX_TABLES 32               /* tables mounted on one router */

/* Who may call a route. Each level admits the roles at or above it: a role
 * is a ceiling that no grant lifts (core/meta.h). */
enum {
    LH_REST_PUBLIC = 0, /* anyone, no credentials (health, readiness, metrics) */
    LH_REST_READER,     /* any user: 401 without valid credentials */
    LH_REST_WRITER,     /* writers and admins: 403 for readers */
    LH_REST_ADMIN,      /* admins only: 403 for everyone else */
};

/* What the router does with the request body. */
enum {
    LH_REST_BODY_NONE = 0, /* not read (the server discards it) */
    LH_REST_BODY_BUFFER,   /* JSON read whole into the call, up to .max_body: 413 beyond;
                              a body without Content-Type application/json (or
                              application/<x>+json) is 415 */
    LH_REST_BODY_STREAM,   /* handed to .on_body one slice at a time; then .handler */
};

/* on_body's return to keep the slice and pause until lh_rest_body_next. */
#define LH_REST_BODY_HOLD 1

typedef struct lh_rest_route {
    const char *method;  /* "GET" (also answers HEAD), "POST", "PUT", "PATCH", "DELETE" */
    const char *pattern; /* "/api/v1/dags/{dag_id}/runs/{run_id}": a {name} is one
                            whole segment, at most LH_REST_MAX_PARAMS, names unique */
    int auth;            /* LH_REST_PUBLIC .. LH_REST_ADMIN */
    int body;            /* LH_REST_BODY_* */
    size_t max_body;     /* LH_REST_BODY_BUFFER cap; 0 = LH_REST_MAX_BODY */
    int blocking;        /* the handler writes a database: it runs on the short worker
                            pool (lh_work_submit) and answers from there */
    /* Answers the call: a whole response, or (loop thread only) a stream,
     * SSE, or lh_rest_defer. With LH_REST_BODY_STREAM it runs after the last
     * slice, unless on_body answered already. */
    void (*handler)(lh_rest_call_t *c);
    /* LH_REST_BODY_STREAM only, loop thread: one slice of the body (valid until
     * the call returns, or until lh_rest_body_next after LH_REST_BODY_HOLD).
     * Returns 0 for the next slice, LH_REST_BODY_HOLD, or a negative LH_E*
     * code: the call is then answered with its problem (or with the response
     * on_body set) and the rest of the body is discarded. */
    int (*on_body)(lh_rest_call_t *c, const char *data, size_t len);
} lh_rest_route_t;

/* A mounted table: its rows, who contributed it, and the argument its
 * handlers get from lh_rest_arg (a role's handle). */
typedef struct lh_rest_table {
    const char *owner; /* "web", "system": for logs and error messages */
    const lh_rest_route_t *routes;
    int nroutes;
    void *arg;
} lh_rest_table_t;

/* Tables that come and go (the roles that run now): fills *out with the table
 * after cursor *pos (0 at first) and advances it; returns 1, or 0 at the end. */
typedef int (*lh_rest_source_fn)(const void *arg, int *pos, lh_rest_table_t *out);

/* --- routers --- */

/* A router authenticating against meta (borrowed; NULL: every route that needs
 * credentials answers 401). Owned by the caller: lh_rest_router_free.
 * Errors: LH_ENOMEM. */
int lh_rest_router_new(lh_rest_router_t **out, lh_meta_t *meta);
/* Frees the router; calls still in flight must have ended. NULL is fine. */
void lh_rest_router_free(lh_rest_router_t *r);
/* Checks a table: methods and handlers set, patterns well formed (leading
 * '/', {name} segments of [a-z0-9_], unique names, at most
 * LH_REST_MAX_PARAMS), on_body set exactly for LH_REST_BODY_STREAM, auth and
 * body modes known, no method+pattern twice. Errors: LH_EINVAL with err
 * naming the row. */
int lh_rest_routes_check(const lh_rest_route_t *routes, int n, lh_err_t *err);
/* Mounts a table (checked as above; rows borrowed, static storage). Tables
 * are matched in mount order, then the source's tables. Errors: LH_EINVAL;
 * LH_ETOOBIG (more than LH_REST_MAX_TABLES); LH_EEXIST (mounted already). */
int lh_rest_mount(lh_rest_router_t *r, const lh_rest_table_t *t, lh_err_t *err);
/* Unmounts the table whose rows are routes; calls in flight finish. */
void lh_rest_unmount(lh_rest_router_t *r, const lh_rest_route_t *routes);
/* Sets the source of the tables that come and go (lh_roles_next_routes: the
 * roles that run now), asked on every request; NULL removes it. */
void lh_rest_set_source(lh_rest_router_t *r, lh_rest_source_fn fn, const void *arg);

/* The core HTTP server's handler for a router (lh_http_server_opts_t.handler,
 * with .ctx = the router): every request becomes a call. */
extern const lh_http_handler_t lh_rest_http_handler;

/* --- calls in memory (unit tests, the offline CLI) --- */

/* A call of method on target ("/api/v1/users?limit=5"; copied). Owned by the
 * caller: lh_rest_call_free. Errors: LH_ENOMEM. */
int lh_rest_call_new(lh_rest_router_t *r, const char *method, const char *target,
                     lh_rest_call_t **out);
/* Request headers (copied) and body (borrowed until the call is freed). */
int lh_rest_call_set_header(lh_rest_call_t *c, const char *name, const char *value);
void lh_rest_call_set_body(lh_rest_call_t *c, const char *body, size_t len);
/* The offline CLI: the call acts as an admin without credentials. */
void lh_rest_call_trust(lh_rest_call_t *c);
/* Routes, authenticates and runs the handler on this thread (blocking routes
 * too); streamed and SSE output collects in the call. */
void lh_rest_handle(lh_rest_call_t *c);
/* The answer: status, content type (NULL for none), a response header
 * (NULL when unset), the body (owned by the call; "" when empty). */
int lh_rest_call_status(const lh_rest_call_t *c);
const char *lh_rest_call_content_type(const lh_rest_call_t *c);
const char *lh_rest_call_resp_header(const lh_rest_call_t *c, const char *name);
const char *lh_rest_call_output(const lh_rest_call_t *c, size_t *len);
/* Frees the call, zeroing its credentials. NULL is fine. */
void lh_rest_call_free(lh_rest_call_t *c);

/* --- the request, for handlers (pointers valid until the call ends) --- */

const char *lh_rest_method(const lh_rest_call_t *c);
const char *lh_rest_path(const lh_rest_call_t *c); /* raw, still %-encoded */
/* A path parameter by name, %-decoded ("{dag_id}" -> "dag_id"); NULL when the
 * pattern has none of that name. */
const char *lh_rest_param(const lh_rest_call_t *c, const char *name);
/* A request header (case-insensitive name, first of several); NULL when absent. */
const char *lh_rest_header(const lh_rest_call_t *c, const char *name);
/* The buffered body (LH_REST_BODY_BUFFER); NULL and 0 when empty. */
const char *lh_rest_body(const lh_rest_call_t *c, size_t *len);
/* The buffered body as a JSON object ({} when empty). On anything else it
 * answers 400 and returns NULL. The caller owns the reference. */
json_t *lh_rest_body_json(lh_rest_call_t *c);
/* The authenticated caller (secret cleared); NULL on public routes. The
 * offline CLI's trusted call is the admin "(offline)". */
const lh_user_t *lh_rest_user(const lh_rest_call_t *c);
int lh_rest_trusted(const lh_rest_call_t *c);
lh_meta_t *lh_rest_meta(const lh_rest_call_t *c);
/* The arg of the table the route came from (a role's handle). */
void *lh_rest_arg(const lh_rest_call_t *c);
/* The loop the call runs on; NULL in memory. */
uv_loop_t *lh_rest_loop(const lh_rest_call_t *c);
/* Per-call handler state: free_fn(ptr) runs when the call is freed. */
void lh_rest_set_udata(lh_rest_call_t *c, void *ptr, void (*free_fn)(void *));
void *lh_rest_udata(const lh_rest_call_t *c);
/* LH_REST_BODY_STREAM: releases the held slice and asks for the next. */
void lh_rest_body_next(lh_rest_call_t *c);

/* --- the query string (parsed before the handler runs: a bad escape, a NUL
 * or a parameter without a name answers 400). '+' is a space. --- */

/* The first value of name, %-decoded; "" for "?name" or "?name="; NULL when
 * absent. */
const char *lh_rest_query(const lh_rest_call_t *c, const char *name);
/* How many times name occurs, and its i-th value (NULL past the end). */
int lh_rest_query_count(const lh_rest_call_t *c, const char *name);
const char *lh_rest_query_nth(const lh_rest_call_t *c, const char *name, int i);
/* Every parameter in order (filters): returns 1 with *key, *value, or 0 at
 * the end; *pos starts at 0. */
int lh_rest_query_next(const lh_rest_call_t *c, int *pos, const char **key, const char **value);
/* Answers 400 naming the first parameter not in known (NULL-terminated) and
 * returns LH_EINVAL; 0 when every parameter is known. */
int lh_rest_query_only(lh_rest_call_t *c, const char *const *known);
/* An integer parameter: def when absent; 400 + LH_EINVAL when not a decimal
 * integer in [min, max] or given twice. */
int lh_rest_query_int(lh_rest_call_t *c, const char *name, int64_t def, int64_t min, int64_t max,
                      int64_t *out);

typedef struct lh_rest_page {
    int64_t limit;  /* 1 .. max_limit: how many items to return */
    int64_t offset; /* >= 0: how many to skip */
} lh_rest_page_t;
/* ?limit=&offset=: limit defaults to def_limit and is clamped to max_limit,
 * offset defaults to 0. 400 + LH_EINVAL when either is not an integer,
 * limit < 1, offset < 0, or one is given twice. */
int lh_rest_page(lh_rest_call_t *c, int64_t def_limit, int64_t max_limit, lh_rest_page_t *out);

typedef struct lh_rest_order {
    const char *field; /* a pointer into the whitelist: safe to splice into SQL */
    int desc;          /* "-field": descending */
} lh_rest_order_t;
/* ?order_by=field or -field against fields (NULL-terminated); def (same
 * syntax) when absent. 400 + LH_EINVAL listing the fields otherwise. */
int lh_rest_order_by(lh_rest_call_t *c, const char *const *fields, const char *def,
                     lh_rest_order_t *out);

/* --- whole responses (any thread the handler runs on) --- */

/* Adds a response header (copied). Returns 0 or LH_ENOMEM. */
int lh_rest_set_header(lh_rest_call_t *c, const char *name, const char *value);
/* Status, content type (static string or NULL) and body (copied). A later
 * answer replaces an earlier one. */
void lh_rest_respond(lh_rest_call_t *c, int status, const char *content_type, const void *body,
                     size_t len);
/* application/json: doc compact with sorted keys and a newline (takes the
 * reference; NULL or a failed dump answers 500). */
void lh_rest_json(lh_rest_call_t *c, int status, json_t *doc);
/* RFC 9457 problem: {"type":"about:blank","title","status","detail"},
 * application/problem+json. A 401 carries no WWW-Authenticate challenge, so
 * a browser never offers its own login dialog nor keeps the credentials. */
void lh_rest_problem(lh_rest_call_t *c, int status, const char *detail);
/* The same with extension members (RFC 9457 section 3.2): the members of the
 * JSON object ext ({"buckets":[...]}) are added, except the four standard
 * ones. Takes the reference to ext (NULL: none). */
void lh_rest_problem_ext(lh_rest_call_t *c, int status, const char *detail, json_t *ext);
/* The problem for an LH_E* code (400 EINVAL, 401 EAUTH, 403 EPERM, 404
 * ENOENT, 409 EEXIST/ECONFLICT/ENOTEMPTY, 412 EPRECOND, 413 ETOOBIG, 503
 * EBUSY, 500 otherwise); msg NULL or "" uses the code's name. */
void lh_rest_error(lh_rest_call_t *c, int code, const char *msg);
/* Loop thread: the handler answers later. The call stays valid until
 * lh_rest_complete, which sends whatever response the call then holds. If
 * the client goes away first, the close callback runs; complete is still
 * required. */
void lh_rest_defer(lh_rest_call_t *c);
void lh_rest_complete(lh_rest_call_t *c);

/* --- streamed responses (loop thread; chunked transfer) ---
 * The handler owns a started stream until lh_rest_stream_finish, which it
 * must call exactly once, even after the client went away. */

typedef void (*lh_rest_write_cb)(lh_rest_call_t *c, int ok, void *arg);

/* Sends the head: status, content type (copied) and the headers set so far.
 * Errors: LH_EINVAL (already answered, or a blocking route); LH_ECANCELED
 * (the client is gone). */
int lh_rest_stream_start(lh_rest_call_t *c, int status, const char *content_type);
/* Queues len bytes (copied) as one chunk. done(c, ok, arg), if given, runs
 * once on the loop thread when the chunk is handed to the socket (ok 1) or
 * dropped because the client went away (ok 0): write the next chunk from
 * there for back-pressure. In memory it runs before write returns. Errors
 * (done will not run): LH_EINVAL (no stream started), LH_ECANCELED (client
 * gone), LH_ENOMEM. */
int lh_rest_stream_write(lh_rest_call_t *c, const void *data, size_t len, lh_rest_write_cb done,
                         void *arg);
/* Bytes queued and not yet handed to the socket. */
size_t lh_rest_stream_queued(const lh_rest_call_t *c);
/* Ends the response (the terminating chunk) and gives the call back. */
void lh_rest_stream_finish(lh_rest_call_t *c);
/* fn(c, arg) runs once, on the loop thread, when the client goes away before
 * a stream, an SSE stream or a deferred answer is finished. c stays valid:
 * the handler still calls finish (or complete). */
void lh_rest_on_close(lh_rest_call_t *c, void (*fn)(lh_rest_call_t *c, void *arg), void *arg);
/* 1 once the client has gone away. */
int lh_rest_closed(const lh_rest_call_t *c);

/* --- Server-Sent Events (loop thread; text/event-stream) --- */

#define LH_REST_SSE_KEEPALIVE_MS 15000u          /* default comment interval */
#define LH_REST_SSE_MAX_QUEUED ((size_t)1 << 20) /* unsent bytes before sends fail */

/* Starts a 200 text/event-stream (Cache-Control: no-store) and sends the
 * comment ": keep-alive" every keepalive_ms (0 = LH_REST_SSE_KEEPALIVE_MS)
 * while nothing else is queued; the comments also notice a client that went
 * away. Errors: as lh_rest_stream_start; LH_ENOMEM. */
int lh_rest_sse_start(lh_rest_call_t *c, unsigned keepalive_ms);
/* One event: "id: <id>" and "event: <event>" when given, one "data:" line per
 * line of data, then a blank line. Errors: LH_EINVAL (event or id with a
 * line break, no SSE started); LH_ECANCELED (the client is gone: end with
 * lh_rest_sse_end); LH_ETOOBIG (over LH_REST_SSE_MAX_QUEUED waiting: a slow
 * client; the event is dropped); LH_ENOMEM. */
int lh_rest_sse_send(lh_rest_call_t *c, const char *event, const char *data, const char *id);
/* Ends the stream (stops the keep-alive) and gives the call back. */
void lh_rest_sse_end(lh_rest_call_t *c);

#endif
