/* The system endpoints of the web listener, served by every process whatever
 * roles it runs: /healthz (alive), /readyz (every started role ready; the
 * body lists each role's state) and /metrics (Prometheus text). Public: a
 * probe carries no credentials. */
#include <string.h>

#include "web/api.h"

static void plain(lh_rest_call_t *c, int status, const char *text)
{
    lh_rest_respond(c, status, "text/plain; charset=utf-8", text, strlen(text));
}

static void h_healthz(lh_rest_call_t *c)
{
    plain(c, 200, "ok");
}

/* 200 when every role this process started is ready, else 503; the body
 * lists each role's state either way. */
static void h_readyz(lh_rest_call_t *c)
{
    const lh_web_system_t *sys = lh_rest_arg(c);
    lh_buf_t b;
    lh_buf_init(&b, 0);
    int rc = lh_roles_status_json(sys ? sys->roles : NULL, &b);
    if (rc < 0)
        lh_rest_problem(c, 500, "cannot render the readiness");
    else
        lh_rest_respond(c, rc ? 200 : 503, "application/json", b.ptr, b.len);
    lh_buf_free(&b);
}

static void h_metrics(lh_rest_call_t *c)
{
    const lh_web_system_t *sys = lh_rest_arg(c);
    lh_buf_t b;
    lh_buf_init(&b, 0);
    if (!sys || !sys->render_metrics || sys->render_metrics(&b) != 0)
        lh_rest_problem(c, 500, "cannot render the metrics");
    else
        lh_rest_respond(c, 200, "text/plain; version=0.0.4; charset=utf-8", b.ptr, b.len);
    lh_buf_free(&b);
}

const lh_rest_route_t lh_web_system_routes[LH_WEB_NSYSTEM_ROUTES] = {
    {.method = "GET", .pattern = "/healthz", .auth = LH_REST_PUBLIC, .handler = h_healthz},
    {.method = "GET", .pattern = "/readyz", .auth = LH_REST_PUBLIC, .handler = h_readyz},
    {.method = "GET", .pattern = "/metrics", .auth = LH_REST_PUBLIC, .handler = h_metrics},
};
