/* The web listener (web.listen, default 127.0.0.1:8080): /healthz, /readyz,
 * /metrics in every process, whatever roles it runs, and the REST routes of
 * every role that runs in the process (the web role's users and tokens under
 * /api/v1, later the DAG API, ...); served by the core HTTP server on one
 * libuv loop through a core/rest.h router. The tables live in web/api.h and
 * in each role's descriptor. */
#ifndef LH_WEB_WEB_H
#define LH_WEB_WEB_H

#include <stddef.h>
#include <uv.h>

#include "core/config.h"
#include "core/err.h"
#include "core/meta.h"
#include "core/role.h"

typedef struct lh_web lh_web_t;

/* Binds web.listen (TLS when web.tls_cert/web.tls_key are set) on loop.
 * bound receives the "host:port" actually bound (cap bytes). meta (users and
 * tokens for authentication) and roles (whose states /readyz reports and
 * whose route tables it serves while they run; NULL = never ready, no role
 * routes) must outlive the listener. Returns 0, or LH_EIO/LH_EINVAL/LH_ENOMEM
 * with err set. The listener is owned by the caller: release it with
 * lh_web_stop. */
int lh_web_start(uv_loop_t *loop, const lh_config_t *cfg, lh_meta_t *meta, const lh_roles_t *roles,
                 lh_web_t **out, char *bound, size_t cap, lh_err_t *err);
/* The web role: contributes the users and tokens API (.routes) to the
 * process's web listener, which the command layer starts in every process
 * and provides as "web.listener". */
extern const lh_role_t lh_web_role;
/* Stops the listener, lets in-flight requests finish, frees w, then calls
 * done(arg) on the loop thread (done may be NULL). */
void lh_web_stop(lh_web_t *w, void (*done)(void *), void *arg);

#endif
