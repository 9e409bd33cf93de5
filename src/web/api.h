/* The web listener's route tables (core/rest.h): the system endpoints every
 * process serves (/healthz, /readyz, /metrics), the web role's REST API
 * (users, tokens) that its descriptor contributes, and, in test builds, the
 * hidden routes that exercise streamed responses and SSE over real HTTP.
 * The handlers know nothing about sockets: the unit tests and the offline
 * CLI run the very same rows through lh_rest_handle. */
#ifndef LH_WEB_API_H
#define LH_WEB_API_H

#include "core/buf.h"
#include "core/rest.h"
#include "core/role.h"

/* What the system routes read (their table's arg). Borrowed by the router. */
typedef struct lh_web_system {
    /* /readyz: 200 with each role's state when every started role is ready
     * (core/role.h); NULL answers 503 */
    const lh_roles_t *roles;
    /* /metrics renderer (lh_metrics_render in the server; tests swap it) */
    int (*render_metrics)(lh_buf_t *out);
} lh_web_system_t;

/* GET /healthz, /readyz, /metrics: public; mount with arg = an lh_web_system_t. */
#define LH_WEB_NSYSTEM_ROUTES 3
extern const lh_rest_route_t lh_web_system_routes[LH_WEB_NSYSTEM_ROUTES];

/* /api/v1/users and /api/v1/tokens (api_users.c): the web role's routes.
 * Their table's arg is the process's role set (lh_roles_t *, the web role's
 * handle), where user removal finds the buckets users own
 * (LH_OWNED_BUCKETS, core/owned.h); NULL: no store here (user rm is 503). */
#define LH_WEB_NUSER_ROUTES 7
extern const lh_rest_route_t lh_web_user_routes[LH_WEB_NUSER_ROUTES];

#if defined(LH_TEST_HOOKS) && LH_TEST_HOOKS
/* GET /_test/stream?chunks=N, GET /_test/sse?events=N&keepalive_ms=K and
 * PUT /_test/upload?max=M (api_hooks.c): public, test builds only. */
#define LH_WEB_NHOOK_ROUTES 3
extern const lh_rest_route_t lh_web_hook_routes[LH_WEB_NHOOK_ROUTES];
#endif

#endif
