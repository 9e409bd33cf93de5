/* The web listener: one REST router (core/rest.h) on the core HTTP server.
 * It mounts the system routes (/healthz, /readyz, /metrics) that every
 * process serves, the hidden test routes in test builds, and takes the
 * tables of the roles that run in the process from the role runner on every
 * request (lh_roles_next_routes): `serve store` answers only the system
 * endpoints, `serve store,web` the users and tokens API too, and a role's
 * routes come and go with the role. */
#include "web/web.h"

#include <stdlib.h>
#include <string.h>

#include "core/http.h"
#include "core/metrics.h"
#include "core/rest.h"
#include "web/api.h"

struct lh_web {
    lh_http_server_t *srv;
    lh_rest_router_t *router;
    lh_web_system_t sys;
    void (*done)(void *);
    void *done_arg;
};

static int mount(lh_web_t *w, const char *owner, const lh_rest_route_t *routes, int n, void *arg,
                 lh_err_t *err)
{
    lh_rest_table_t t = {.owner = owner, .routes = routes, .nroutes = n, .arg = arg};
    return lh_rest_mount(w->router, &t, err);
}

static int mount_all(lh_web_t *w, const lh_roles_t *roles, lh_err_t *err)
{
    int rc = mount(w, "system", lh_web_system_routes, LH_WEB_NSYSTEM_ROUTES, &w->sys, err);
#if defined(LH_TEST_HOOKS) && LH_TEST_HOOKS
    if (rc == 0) rc = mount(w, "test hooks", lh_web_hook_routes, LH_WEB_NHOOK_ROUTES, NULL, err);
#endif
    lh_rest_set_source(w->router, lh_roles_next_routes, roles);
    return rc;
}

int lh_web_start(uv_loop_t *loop, const lh_config_t *cfg, lh_meta_t *meta, const lh_roles_t *roles,
                 lh_web_t **out, char *bound, size_t cap, lh_err_t *err)
{
    int rc;
    *out = NULL;
    lh_web_t *w = calloc(1, sizeof *w);
    if (!w || lh_rest_router_new(&w->router, meta) != 0) {
        free(w);
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    w->sys.roles = roles;
    w->sys.render_metrics = lh_metrics_render;
    if ((rc = mount_all(w, roles, err)) != 0) goto fail;
    lh_http_server_opts_t opts = {
        .name = "web",
        .listen = lh_config_get(cfg, "web.listen"),
        .tls_cert = lh_config_get(cfg, "web.tls_cert"),
        .tls_key = lh_config_get(cfg, "web.tls_key"),
        .handler = &lh_rest_http_handler,
        .ctx = w->router,
    };
    lh_http_opts_from_config(&opts, cfg, "web");
    if ((rc = lh_http_server_start(loop, &opts, &w->srv, bound, cap, err)) != 0) goto fail;
    *out = w;
    return 0;
fail:
    lh_rest_router_free(w->router);
    free(w);
    return rc;
}

static void stopped(void *arg)
{
    lh_web_t *w = arg;
    void (*done)(void *) = w->done;
    void *done_arg = w->done_arg;
    lh_rest_router_free(w->router);
    free(w);
    if (done) done(done_arg);
}

void lh_web_stop(lh_web_t *w, void (*done)(void *), void *arg)
{
    w->done = done;
    w->done_arg = arg;
    lh_http_server_stop(w->srv, stopped, w);
}
