/* The web listener's routes as plain functions: a call goes in (method, raw
 * path, Authorization header, body) and a status, content type and body come
 * out. No sockets here, so the routes are unit-testable and the CLI can run
 * the very same handlers offline on a data directory (call->trusted).
 *
 * Two phases, so that web.c keeps the loop thread free:
 *   lh_web_call_route()  finds the route and authenticates (cache lookups only;
 *                        never blocks). Returns 1 when the answer is already
 *                        in the call (404, 401, 403, 405).
 *   lh_web_call_run()    runs the handler; routes that write the metadata
 *                        database are "blocking" and run on a worker thread.
 */
#ifndef LH_WEB_API_H
#define LH_WEB_API_H

#include <stddef.h>

#include "core/buf.h"
#include "core/meta.h"
#include "core/role.h"

#define LH_WEB_MAX_BODY ((size_t)64 << 10) /* REST request bodies */

typedef struct lh_web_api {
    lh_meta_t *meta;
    /* /readyz: 200 with each role's state when every started role is ready
     * (core/role.h); NULL answers 503 */
    const lh_roles_t *roles;
    /* the REST API (users, tokens) answers only where the web role runs; the
     * system endpoints /healthz, /readyz and /metrics always answer */
    int api_enabled;
    /* /metrics renderer (lh_metrics_render in the server; tests swap it) */
    int (*render_metrics)(lh_buf_t *out);
} lh_web_api_t;

struct lh_web_route;

typedef struct lh_web_call {
    /* request (borrowed; must outlive the call) */
    const char *method;
    const char *path;          /* raw, still %-encoded, no query */
    const char *authorization; /* header value or NULL */
    const char *body;
    size_t body_len;
    int trusted; /* offline CLI: act as an admin without credentials */
    /* response */
    int status;
    const char *content_type; /* static string */
    int challenge;            /* add WWW-Authenticate: Basic realm="lakehouse" */
    char allow[64];           /* Allow header for 405, else "" */
    lh_buf_t out;             /* body; owned, freed by lh_web_call_free */
    /* set by lh_web_call_route */
    const struct lh_web_route *route;
    char param[257]; /* the {name} or {id} path segment, %-decoded */
    lh_user_t user;  /* the authenticated caller (secret_key cleared) */
} lh_web_call_t;

void lh_web_call_init(lh_web_call_t *c);
void lh_web_call_free(lh_web_call_t *c);
/* Phase 1 (loop thread). 0: run the handler next; 1: c holds the answer. */
int lh_web_call_route(lh_web_api_t *api, lh_web_call_t *c);
/* After a successful route: does the handler need the request body, and
 * must it run on a worker thread (it writes the database)? */
int lh_web_call_wants_body(const lh_web_call_t *c);
int lh_web_call_blocking(const lh_web_call_t *c);
/* Phase 2: fills status, content_type and out. */
void lh_web_call_run(lh_web_api_t *api, lh_web_call_t *c);
/* Both phases in one go (tests and the offline CLI). */
void lh_web_call_handle(lh_web_api_t *api, lh_web_call_t *c);
/* Fills c with a JSON problem object (RFC 9457) for status and detail. */
void lh_web_problem(lh_web_call_t *c, int status, const char *detail);

#endif
