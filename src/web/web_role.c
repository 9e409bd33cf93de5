/* The web role's descriptor: its configuration section and the REST API it
 * contributes (.routes: users and tokens, web/api.h) to the process's web
 * listener, which serves a role's routes while the role runs. The listener
 * itself (health, readiness, metrics) runs in every process and is started
 * by the command layer, which provides it to the roles as "web.listener". */
#include <stdlib.h>

#include "core/http.h"
#include "core/log.h"
#include "web/api.h"
#include "web/web.h"

static const lh_config_key_t web_keys[] = {
    {.section = "web",
     .key = "listen",
     .def = "127.0.0.1:8080",
     .type = LH_CFG_LISTEN,
     .help = "web listener host:port: REST API, /metrics, /healthz, /readyz"},
    {.section = "web",
     .key = "tls_cert",
     .type = LH_CFG_PATH,
     .help = "PEM certificate: serve the web listener over TLS"},
    {.section = "web",
     .key = "tls_key",
     .type = LH_CFG_PATH,
     .help = "PEM private key for `web.tls_cert`"},
    LH_HTTP_CONFIG_KEYS("web"),
};

static int web_role_start(const lh_role_ctx_t *ctx, void **handle, lh_err_t *err)
{
    if (!lh_roles_lookup(ctx->roles, "web.listener"))
        return lh_err_set(err, LH_EINVAL, "the web role needs the process's web listener");
    *handle = ctx->roles; /* the routes' arg: what other roles provide (core/owned.h) */
    return 0;
}

static void web_role_stop(void *handle, void (*done)(void *), void *arg)
{
    (void)handle; /* the listener stops serving the routes when the state changes */
    done(arg);
}

const lh_role_t lh_web_role = {
    .name = "web",
    .section = "web",
    .summary = "the REST API (users, tokens) on web.listen; every process also answers "
               "/healthz, /readyz and /metrics there",
    .keys = web_keys,
    .nkeys = (int)(sizeof web_keys / sizeof web_keys[0]),
    .endpoints = "web",
    .routes = lh_web_user_routes,
    .nroutes = LH_WEB_NUSER_ROUTES,
    .start = web_role_start,
    .stop = web_role_stop,
};
