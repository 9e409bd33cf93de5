/* The route table of the web listener and its router: path matching with one
 * {} segment, authentication (HTTP Basic with an access key and secret key,
 * or a bearer token), role checks, JSON problem objects for every error, and
 * the system endpoints /healthz, /readyz and /metrics (served by every
 * process; the other routes only where the web role runs). */
#include "web/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/str.h"
#include "core/url.h"
#include "web/web_int.h"

static void h_healthz(lh_web_api_t *api, lh_web_call_t *c);
static void h_readyz(lh_web_api_t *api, lh_web_call_t *c);
static void h_metrics(lh_web_api_t *api, lh_web_call_t *c);

static const lh_web_route_t routes[] = {
    {"GET", "/healthz", LH__AUTH_SYSTEM, 0, 0, h_healthz},
    {"GET", "/readyz", LH__AUTH_SYSTEM, 0, 0, h_readyz},
    {"GET", "/metrics", LH__AUTH_SYSTEM, 0, 0, h_metrics},
    {"GET", "/api/v1/users", LH__AUTH_ADMIN, 0, 0, lh__web_users_list},
    {"POST", "/api/v1/users", LH__AUTH_ADMIN, 1, 1, lh__web_users_add},
    {"DELETE", "/api/v1/users/{}", LH__AUTH_ADMIN, 0, 1, lh__web_users_rm},
    /* an admin, or the user itself */
    {"PUT", "/api/v1/users/{}/secret", LH__AUTH_USER, 1, 1, lh__web_users_secret},
    {"GET", "/api/v1/tokens", LH__AUTH_USER, 0, 0, lh__web_tokens_list},
    {"POST", "/api/v1/tokens", LH__AUTH_USER, 1, 1, lh__web_tokens_create},
    {"DELETE", "/api/v1/tokens/{}", LH__AUTH_USER, 0, 1, lh__web_tokens_revoke},
};
#define NROUTES (sizeof routes / sizeof routes[0])

static const struct {
    int status;
    const char *title;
} titles[] = {
    {400, "Bad Request"}, {401, "Unauthorized"}, {403, "Forbidden"},
    {404, "Not Found"},   {405, "Method Not Allowed"}, {409, "Conflict"},
    {413, "Content Too Large"}, {500, "Internal Server Error"}, {503, "Service Unavailable"},
};

void lh_web_call_init(lh_web_call_t *c)
{
    memset(c, 0, sizeof *c);
    lh_buf_init(&c->out, (size_t)16 << 20);
}

void lh_web_call_free(lh_web_call_t *c)
{
    lh_buf_free(&c->out);
    memset(&c->user, 0, sizeof c->user);
}

static const char *title_of(int status)
{
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
        if (titles[i].status == status)
            return titles[i].title;
    return "Error";
}

void lh__web_json(lh_web_call_t *c, int status, json_t *doc)
{
    lh_buf_reset(&c->out);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    c->status = status;
    c->content_type = "application/json";
    if (!text || lh_buf_puts(&c->out, text) || lh_buf_puts(&c->out, "\n")) {
        c->status = 500;
        lh_buf_reset(&c->out);
    }
    free(text);
}

void lh_web_problem(lh_web_call_t *c, int status, const char *detail)
{
    json_t *p = json_pack("{s:s, s:s, s:i, s:s}", "type", "about:blank", "title", title_of(status),
                          "status", status, "detail", detail ? detail : "");
    lh__web_json(c, status, p);
    c->content_type = "application/problem+json";
    c->challenge = status == 401;
}

static int status_of(int code)
{
    switch (code) {
    case LH_EINVAL: return 400;
    case LH_EAUTH: return 401;
    case LH_EPERM: return 403;
    case LH_ENOENT: return 404;
    case LH_EEXIST:
    case LH_ECONFLICT:
    case LH_ENOTEMPTY: return 409;
    case LH_ETOOBIG: return 413;
    default: return 500;
    }
}

void lh__web_error(lh_web_call_t *c, int code, const char *msg)
{
    lh_web_problem(c, status_of(code), msg && *msg ? msg : lh_strerror(code));
}

json_t *lh__web_body_object(lh_web_call_t *c)
{
    json_error_t je;
    json_t *doc = c->body_len ? json_loadb(c->body, c->body_len, JSON_REJECT_DUPLICATES, &je)
                              : json_object();
    if (doc && json_is_object(doc))
        return doc;
    json_decref(doc);
    lh_web_problem(c, 400, "the request body must be a JSON object");
    return NULL;
}

/* --- matching --- */

/* %-decodes one path segment; 0, or -1 on a bad escape, NUL, overflow or
 * an empty result. */
static int decode_segment(const char *s, size_t n, char *out, size_t cap)
{
    return lh_url_decode((lh_str_t){s, n}, out, cap, LH_URL_STRICT | LH_URL_NO_NUL) > 0 ? 0 : -1;
}

/* 1 when path matches pattern, capturing the {} segment in param. */
static int match(const char *pattern, const char *path, char *param, size_t cap)
{
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (p[0] == '{' && p[1] == '}') {
            size_t n = strcspn(s, "/");
            if (n == 0 || decode_segment(s, n, param, cap) != 0)
                return 0;
            p += 2;
            s += n;
            continue;
        }
        if (*p != *s)
            return 0;
        p++;
        s++;
    }
    return *p == '\0' && *s == '\0';
}

static int method_is(const char *route_method, const char *method)
{
    return !strcmp(route_method, method) || (!strcmp(route_method, "GET") && !strcmp(method, "HEAD"));
}

/* --- authentication --- */

static int auth_basic(lh_web_api_t *api, const char *b64, lh_user_t *u)
{
    char dec[300];
    size_t n = strlen(b64);
    if (n > 400)
        return LH_EAUTH;
    long len = lh_base64_decode(b64, n, (unsigned char *)dec, sizeof dec - 1);
    if (len < 0)
        return LH_EAUTH;
    dec[len] = '\0';
    char *colon = memchr(dec, ':', (size_t)len);
    if (!colon || strlen(dec) != (size_t)len)
        return LH_EAUTH;
    *colon = '\0';
    int rc = lh_meta_user_check(api->meta, dec, colon + 1, u);
    memset(dec, 0, sizeof dec);
    return rc == 0 ? 0 : LH_EAUTH;
}

static int scheme_is(const char *h, const char *scheme, const char **rest)
{
    size_t n = strlen(scheme);
    if (strncasecmp(h, scheme, n) || h[n] != ' ')
        return 0;
    for (*rest = h + n; **rest == ' '; (*rest)++)
        ;
    return 1;
}

static int authenticate(lh_web_api_t *api, lh_web_call_t *c)
{
    const char *rest;
    int rc = LH_EAUTH;
    if (c->trusted) {
        memset(&c->user, 0, sizeof c->user);
        snprintf(c->user.access_key, sizeof c->user.access_key, "%s", "(offline)");
        c->user.role = LH_ROLE_ADMIN;
        return 0;
    }
    if (!c->authorization || !api->meta)
        return LH_EAUTH;
    if (scheme_is(c->authorization, "Basic", &rest))
        rc = auth_basic(api, rest, &c->user);
    else if (scheme_is(c->authorization, "Bearer", &rest))
        rc = lh_meta_token_check(api->meta, rest, &c->user) == 0 ? 0 : LH_EAUTH;
    memset(c->user.secret_key, 0, sizeof c->user.secret_key);
    return rc;
}

static void add_allow(lh_web_call_t *c, const char *method)
{
    size_t n = strlen(c->allow);
    if (strstr(c->allow, method))
        return;
    snprintf(c->allow + n, sizeof c->allow - n, "%s%s", n ? ", " : "", method);
}

int lh_web_call_route(lh_web_api_t *api, lh_web_call_t *c)
{
    char param[sizeof c->param];
    c->route = NULL;
    c->allow[0] = '\0';
    for (size_t i = 0; i < NROUTES; i++) {
        if (routes[i].auth != LH__AUTH_SYSTEM && !api->api_enabled && !c->trusted)
            continue; /* the web role does not run in this process */
        if (!match(routes[i].pattern, c->path, param, sizeof param))
            continue;
        if (!method_is(routes[i].method, c->method)) {
            add_allow(c, routes[i].method);
            continue;
        }
        c->route = &routes[i];
        memcpy(c->param, param, sizeof param);
        break;
    }
    if (!c->route) {
        if (c->allow[0])
            lh_web_problem(c, 405, "method not allowed on this resource");
        else
            lh_web_problem(c, 404, "no such resource");
        return 1;
    }
    if (c->route->auth == LH__AUTH_NONE || c->route->auth == LH__AUTH_SYSTEM)
        return 0;
    if (authenticate(api, c) != 0) {
        lh_web_problem(c, 401, "authentication required: HTTP Basic with an access key and "
                               "secret key, or a bearer token");
        return 1;
    }
    if (c->route->auth == LH__AUTH_ADMIN && c->user.role != LH_ROLE_ADMIN) {
        lh_web_problem(c, 403, "this needs the admin role");
        return 1;
    }
    return 0;
}

int lh_web_call_wants_body(const lh_web_call_t *c)
{
    return c->route && c->route->body;
}

int lh_web_call_blocking(const lh_web_call_t *c)
{
    return c->route && c->route->blocking;
}

void lh_web_call_run(lh_web_api_t *api, lh_web_call_t *c)
{
    if (!c->route) {
        lh_web_problem(c, 404, "no such resource");
        return;
    }
    c->route->fn(api, c);
}

void lh_web_call_handle(lh_web_api_t *api, lh_web_call_t *c)
{
    if (lh_web_call_route(api, c) == 0)
        lh_web_call_run(api, c);
}

/* --- system endpoints --- */

static void plain(lh_web_call_t *c, int status, const char *text)
{
    lh_buf_reset(&c->out);
    c->status = lh_buf_puts(&c->out, text) ? 500 : status;
    c->content_type = "text/plain; charset=utf-8";
}

static void h_healthz(lh_web_api_t *api, lh_web_call_t *c)
{
    (void)api;
    plain(c, 200, "ok");
}

/* 200 when every role this process started is ready, else 503; the body
 * lists each role's state either way. */
static void h_readyz(lh_web_api_t *api, lh_web_call_t *c)
{
    lh_buf_reset(&c->out);
    int rc = lh_roles_status_json(api->roles, &c->out);
    c->status = rc < 0 ? 500 : rc ? 200 : 503;
    c->content_type = "application/json";
}

static void h_metrics(lh_web_api_t *api, lh_web_call_t *c)
{
    lh_buf_reset(&c->out);
    if (!api->render_metrics || api->render_metrics(&c->out) != 0) {
        lh_web_problem(c, 500, "cannot render the metrics");
        return;
    }
    c->status = 200;
    c->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
