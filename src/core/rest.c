/* The REST router: mounted route tables plus a source of tables that come and
 * go (the roles that run now), the cross-site check (Origin, Sec-Fetch-Site),
 * pattern matching with any number of named path parameters (%-decoded),
 * authentication (HTTP Basic with an access key and secret key, or a bearer
 * token) with the role as a ceiling and failed logins reported to the
 * throttle, the JSON media type of buffered bodies, the query string and
 * body cap checks, and the dispatch of the handler inline or on the short
 * worker pool. Errors become problem objects (rest_call.c). */
#include "core/rest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/rest_int.h"
#include "core/str.h"
#include "core/throttle.h"
#include "core/url.h"

#define SCRATCH 4096 /* decoded path parameters of one match, NULs included */

struct lh_rest_router {
    lh_meta_t *meta;
    lh_rest_table_t tables[LH_REST_MAX_TABLES];
    int ntables;
    lh_rest_source_fn source;
    const void *source_arg;
};

int lh_rest_router_new(lh_rest_router_t **out, lh_meta_t *meta)
{
    lh_rest_router_t *r = calloc(1, sizeof *r);
    *out = NULL;
    if (!r) return LH_ENOMEM;
    r->meta = meta;
    lh_metrics_register("lakehouse_rest_streams_open", LH_METRIC_GAUGE,
                        "REST responses streaming now (kind=\"chunked\" or \"sse\").", NULL, 0);
    *out = r;
    return 0;
}

void lh_rest_router_free(lh_rest_router_t *r)
{
    free(r);
}

lh_meta_t *lh__rest_router_meta(const lh_rest_router_t *r)
{
    return r->meta;
}

/* --- checking tables --- */

static int name_char(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_';
}

static int bad(const char **why, const char *msg)
{
    *why = msg;
    return -1;
}

/* Checks one pattern: segments, {name}s, their count and uniqueness. */
static int check_pattern(const char *p, const char **why)
{
    const char *names[LH_REST_MAX_PARAMS];
    size_t lens[LH_REST_MAX_PARAMS];
    int n = 0;
    if (!p || p[0] != '/') return bad(why, "must start with '/'");
    if (!strcmp(p, "/")) return 0;
    while (*p == '/') {
        size_t len = strcspn(++p, "/");
        if (len == 0) return bad(why, "has an empty segment");
        if (*p == '{') {
            if (len < 3 || p[len - 1] != '}') return bad(why, "has a bad {name} segment");
            for (size_t i = 1; i + 1 < len; i++)
                if (!name_char((unsigned char)p[i]))
                    return bad(why, "has a {name} not of [a-z0-9_]");
            if (n == LH_REST_MAX_PARAMS) return bad(why, "has too many {name} segments");
            for (int i = 0; i < n; i++)
                if (lens[i] == len - 2 && !memcmp(names[i], p + 1, len - 2))
                    return bad(why, "repeats a {name}");
            names[n] = p + 1;
            lens[n++] = len - 2;
        } else if (strcspn(p, "{}?%#") < len) {
            return bad(why, "has {, }, ?, % or # inside a segment");
        }
        p += len;
    }
    return 0;
}

/* 1 when two patterns match the same paths (parameter names aside). */
static int same_shape(const char *a, const char *b)
{
    while (*a && *b) {
        size_t la = strcspn(a + 1, "/") + 1, lb = strcspn(b + 1, "/") + 1;
        int pa = a[1] == '{', pb = b[1] == '{';
        if (pa != pb || (!pa && (la != lb || memcmp(a, b, la)))) return 0;
        a += la;
        b += lb;
    }
    return !*a && !*b;
}

static int check_row(const lh_rest_route_t *rt, const char **why)
{
    if (!rt->method || !rt->method[0]) return bad(why, "has no method");
    if (!rt->handler) return bad(why, "has no handler");
    if (rt->auth < LH_REST_PUBLIC || rt->auth > LH_REST_ADMIN)
        return bad(why, "has an unknown auth level");
    if (rt->body < LH_REST_BODY_NONE || rt->body > LH_REST_BODY_STREAM)
        return bad(why, "has an unknown body mode");
    if ((rt->body == LH_REST_BODY_STREAM) != (rt->on_body != NULL))
        return bad(why, "needs on_body exactly when the body is streamed");
    return check_pattern(rt->pattern, why);
}

int lh_rest_routes_check(const lh_rest_route_t *routes, int n, lh_err_t *err)
{
    const char *why = NULL;
    for (int i = 0; i < n; i++) {
        const lh_rest_route_t *rt = &routes[i];
        if (check_row(rt, &why) != 0)
            return lh_err_set(err, LH_EINVAL, "route %d (%s %s) %s", i,
                              rt->method ? rt->method : "?", rt->pattern ? rt->pattern : "?", why);
        for (int j = 0; j < i; j++)
            if (!strcmp(routes[j].method, rt->method) && same_shape(routes[j].pattern, rt->pattern))
                return lh_err_set(err, LH_EINVAL, "route %d (%s %s) repeats route %d", i,
                                  rt->method, rt->pattern, j);
    }
    return 0;
}

int lh_rest_mount(lh_rest_router_t *r, const lh_rest_table_t *t, lh_err_t *err)
{
    int rc = lh_rest_routes_check(t->routes, t->nroutes, err);
    if (rc) return rc;
    for (int i = 0; i < r->ntables; i++)
        if (r->tables[i].routes == t->routes)
            return lh_err_set(err, LH_EEXIST, "the %s routes are mounted already", t->owner);
    if (r->ntables == LH_REST_MAX_TABLES)
        return lh_err_set(err, LH_ETOOBIG, "cannot mount the %s routes: %d tables already",
                          t->owner, LH_REST_MAX_TABLES);
    r->tables[r->ntables++] = *t;
    return 0;
}

void lh_rest_unmount(lh_rest_router_t *r, const lh_rest_route_t *routes)
{
    for (int i = 0; i < r->ntables; i++)
        if (r->tables[i].routes == routes) {
            memmove(&r->tables[i], &r->tables[i + 1],
                    (size_t)(r->ntables - i - 1) * sizeof r->tables[0]);
            r->ntables--;
            return;
        }
}

void lh_rest_set_source(lh_rest_router_t *r, lh_rest_source_fn fn, const void *arg)
{
    r->source = fn;
    r->source_arg = arg;
}

/* Every table: the mounted ones (*pos < ntables), then the source's. */
static int next_table(const lh_rest_router_t *r, int *pos, int *spos, lh_rest_table_t *t)
{
    if (*pos < r->ntables) {
        *t = r->tables[(*pos)++];
        return 1;
    }
    return r->source && r->source(r->source_arg, spos, t);
}

/* --- matching --- */

/* %-decodes one path segment ('+' stays '+'); the length, or -1 on a bad
 * escape, a NUL, an empty result or overflow. */
static long decode_segment(const char *s, size_t n, char *out, size_t cap)
{
    long len = lh_url_decode((lh_str_t){s, n}, out, cap, LH_URL_STRICT | LH_URL_NO_NUL);
    return len > 0 ? len : -1;
}

typedef struct {
    const char *name;
    size_t nlen;
    size_t voff; /* into the scratch */
} capture_t;

/* 1 when path matches pattern; the {name} segments land in cap/scratch. */
static int match(const char *p, const char *s, capture_t *cap, int *ncap, char *scratch)
{
    size_t used = 0;
    *ncap = 0;
    if (!strcmp(p, "/")) return !strcmp(s, "/");
    while (*p == '/' && *s == '/') {
        size_t pl = strcspn(++p, "/"), sl = strcspn(++s, "/");
        if (*p == '{') {
            long n = decode_segment(s, sl, scratch + used, SCRATCH - used);
            if (n < 0) return 0;
            cap[*ncap] = (capture_t){.name = p + 1, .nlen = pl - 2, .voff = used};
            (*ncap)++;
            used += (size_t)n + 1;
        } else if (pl != sl || memcmp(p, s, pl)) {
            return 0;
        }
        p += pl;
        s += sl;
    }
    return *p == '\0' && *s == '\0';
}

static int method_is(const char *route_method, const char *method)
{
    return !strcmp(route_method, method) ||
           (!strcmp(route_method, "GET") && !strcmp(method, "HEAD"));
}

static void add_allow(char *allow, size_t cap, const char *method)
{
    size_t n = strlen(allow);
    if (strstr(allow, method)) return;
    snprintf(allow + n, cap - n, "%s%s", n ? ", " : "", method);
}

/* Finds the route; 0 with c->route and params set, or 404/405 answered (Allow
 * on the 405), or OPTIONS on a known path answered 204 with Allow. Allow
 * goes on no other answer. */
static int find(lh_rest_call_t *c)
{
    capture_t capt[LH_REST_MAX_PARAMS];
    char scratch[SCRATCH], allow[128] = "";
    int pos = 0, spos = 0, n;
    lh_rest_table_t t;
    while (next_table(c->router, &pos, &spos, &t))
        for (int i = 0; i < t.nroutes; i++) {
            const lh_rest_route_t *rt = &t.routes[i];
            if (!match(rt->pattern, c->path, capt, &n, scratch)) continue;
            if (!method_is(rt->method, c->method)) {
                add_allow(allow, sizeof allow, rt->method);
                continue;
            }
            c->route = rt;
            c->table = t;
            for (int k = 0; k < n; k++) {
                c->params[k].key = lh_arena_strndup(c->arena, capt[k].name, capt[k].nlen);
                c->params[k].value = lh_arena_strdup(c->arena, scratch + capt[k].voff);
                if (!c->params[k].key || !c->params[k].value) {
                    lh_rest_problem(c, 500, "out of memory");
                    return 1;
                }
            }
            c->nparams = n;
            return 0;
        }
    if (allow[0] && !strcmp(c->method, "OPTIONS")) {
        add_allow(allow, sizeof allow, "OPTIONS");
        lh_rest_set_header(c, "Allow", allow);
        lh_rest_respond(c, 204, NULL, NULL, 0);
    } else if (allow[0]) {
        lh_rest_set_header(c, "Allow", allow);
        lh_rest_problem(c, 405, "method not allowed on this resource");
    } else {
        lh_rest_problem(c, 404, "no such resource");
    }
    return 1;
}

/* --- cross-site requests --- */

/* scheme://host[:port] of an Origin or "host[:port]" of a Host header, split;
 * the port is "" when absent or the scheme's default. 0, or -1 when bad. */
typedef struct {
    lh_str_t host, port;
} hostport_t;

static int split_hostport(const char *s, size_t n, const char *scheme, hostport_t *out)
{
    const char *end = s + n, *colon = NULL;
    if (n && *s == '[') { /* [v6]:port */
        const char *rb = memchr(s, ']', n);
        if (!rb) return -1;
        colon = rb + 1 < end ? rb + 1 : NULL;
        if (colon && *colon != ':') return -1;
    } else {
        colon = memchr(s, ':', n);
    }
    out->host = (lh_str_t){s, colon ? (size_t)(colon - s) : n};
    out->port = colon ? (lh_str_t){colon + 1, (size_t)(end - colon - 1)} : (lh_str_t){"", 0};
    if (!out->host.len) return -1;
    const char *def = !strcmp(scheme, "https") ? "443" : "80";
    if (out->port.len == strlen(def) && !memcmp(out->port.ptr, def, out->port.len))
        out->port = (lh_str_t){"", 0};
    return 0;
}

static int same_str_ci(lh_str_t a, lh_str_t b)
{
    return a.len == b.len && !strncasecmp(a.ptr, b.ptr, a.len);
}

/* 1 when origin is the call's own scheme://Host. */
static int own_origin(const lh_rest_call_t *c, const char *origin)
{
    const char *scheme = c->tls ? "https" : "http", *host = lh_rest_header(c, "Host");
    size_t sl = strlen(scheme);
    hostport_t o, h;
    if (!host || strncasecmp(origin, scheme, sl) || strncmp(origin + sl, "://", 3)) return 0;
    origin += sl + 3;
    if (split_hostport(origin, strlen(origin), scheme, &o) ||
        split_hostport(host, strlen(host), scheme, &h))
        return 0;
    return same_str_ci(o.host, h.host) && o.port.len == h.port.len &&
           !memcmp(o.port.ptr, h.port.ptr, o.port.len);
}

/* 0 when the request may come from where it says; else 403 answered. A
 * browser names the page's origin in Origin (and its relation to the
 * target in Sec-Fetch-Site): anything but the listener's own origin is
 * refused, "null" included. No Origin (the CLI, curl, SDKs) is fine. */
static int same_origin(lh_rest_call_t *c)
{
    const char *origin = lh_rest_header(c, "Origin");
    const char *site = lh_rest_header(c, "Sec-Fetch-Site");
    char msg[320];
    if (site && (!strcasecmp(site, "cross-site") || !strcasecmp(site, "same-site"))) {
        snprintf(msg, sizeof msg,
                 "cross-origin requests are refused (Sec-Fetch-Site: %.20s); call the API from "
                 "its own origin or without a browser",
                 site);
        lh_rest_problem(c, 403, msg);
        return 1;
    }
    if (!origin || own_origin(c, origin)) return 0;
    snprintf(msg, sizeof msg,
             "cross-origin requests are refused: Origin %.200s is not this server's own origin",
             origin);
    lh_rest_problem(c, 403, msg);
    return 1;
}

/* --- authentication --- */

/* Checks "user:secret" in base64; the user part goes to key (for the log),
 * what went wrong to *why. */
static int auth_basic(lh_meta_t *meta, const char *b64, lh_user_t *u, char *key, size_t cap,
                      const char **why)
{
    char dec[300];
    size_t n = strlen(b64);
    *why = "malformed";
    if (n > 400) return LH_EAUTH;
    long len = lh_base64_decode(b64, n, (unsigned char *)dec, sizeof dec - 1);
    if (len < 0) return LH_EAUTH;
    dec[len] = '\0';
    char *colon = memchr(dec, ':', (size_t)len);
    if (!colon || strlen(dec) != (size_t)len) {
        memset(dec, 0, sizeof dec);
        return LH_EAUTH;
    }
    *colon = '\0';
    size_t kl = strlen(dec) < cap ? strlen(dec) : cap - 1; /* the log shows 64 at most */
    memcpy(key, dec, kl);
    key[kl] = '\0';
    int rc = lh_meta_user_check(meta, dec, colon + 1, u);
    memset(dec, 0, sizeof dec);
    *why = rc == LH_ENOENT ? "unknown-key" : "wrong-secret";
    return rc == 0 ? 0 : LH_EAUTH;
}

/* "token:<id>" of a bearer token "lh_<id>_<secret>" (the id is public). */
static void token_key(const char *tok, char *key, size_t cap)
{
    size_t idl = strncmp(tok, "lh_", 3) ? 0 : strcspn(tok + 3, "_");
    snprintf(key, cap, "token:%.*s", (int)(idl > 16 ? 16 : idl), idl ? tok + 3 : "");
}

static int scheme_is(const char *h, const char *scheme, const char **rest)
{
    size_t n = strlen(scheme);
    if (strncasecmp(h, scheme, n) || h[n] != ' ') return 0;
    for (*rest = h + n; **rest == ' '; (*rest)++)
        ;
    return 1;
}

/* 0 with c->user set, or LH_EAUTH: *why NULL without credentials, else what
 * was wrong with them ("wrong-secret", "unknown-key", "bad-token",
 * "malformed", "unknown-scheme"); key names the access key or token id. */
static int authenticate(lh_rest_call_t *c, const char **why, char *key, size_t cap)
{
    const char *rest, *h = lh_rest_header(c, "Authorization");
    lh_meta_t *meta = c->meta;
    int rc = LH_EAUTH;
    memset(&c->user, 0, sizeof c->user);
    *why = NULL;
    key[0] = '\0';
    if (c->trusted) {
        snprintf(c->user.access_key, sizeof c->user.access_key, "%s", "(offline)");
        c->user.role = LH_ROLE_ADMIN;
        return 0;
    }
    if (!h) return LH_EAUTH;
    *why = "unknown-scheme";
    if (scheme_is(h, "Basic", &rest)) {
        rc = meta ? auth_basic(meta, rest, &c->user, key, cap, why) : LH_EAUTH;
    } else if (scheme_is(h, "Bearer", &rest)) {
        token_key(rest, key, cap);
        *why = "bad-token";
        rc = meta && lh_meta_token_check(meta, rest, &c->user) == 0 ? 0 : LH_EAUTH;
    }
    memset(c->user.secret_key, 0, sizeof c->user.secret_key);
    return rc;
}

/* 0 when the caller may run the route; else 401/403 answered. A failed login
 * is logged and may have its answer held (c->delay_ms, core/throttle.h). */
static int authorize(lh_rest_call_t *c)
{
    int need = c->route->auth;
    const char *why;
    char key[160];
    if (need == LH_REST_PUBLIC) return 0;
    if (authenticate(c, &why, key, sizeof key) != 0) {
        if (why) c->delay_ms = lh_auth_failed("rest", NULL, key, c->peer, why);
        lh_rest_problem(c, 401,
                        why ? "authentication failed: wrong access key, secret key or token"
                            : "authentication required: HTTP Basic with an access key and "
                              "secret key, or a bearer token");
        return 1;
    }
    c->authenticated = 1;
    if (need == LH_REST_ADMIN && c->user.role != LH_ROLE_ADMIN) {
        lh_rest_problem(c, 403, "this needs the admin role");
        return 1;
    }
    if (need == LH_REST_WRITER && c->user.role < LH_ROLE_WRITER) {
        lh_rest_problem(c, 403, "this needs the writer or admin role");
        return 1;
    }
    return 0;
}

/* --- request bodies --- */

/* 1 for application/json and application/<x>+json (parameters allowed). */
static int json_media_type(const char *ct)
{
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    while (n && (*ct == ' ' || *ct == '\t')) {
        ct++;
        n--;
    }
    if (n == 16 && !strncasecmp(ct, "application/json", 16)) return 1;
    return n > 17 && !strncasecmp(ct, "application/", 12) && !strncasecmp(ct + n - 5, "+json", 5) &&
           !memchr(ct + 12, '/', n - 12);
}

/* 0 when the body may be read; else 415 answered. A buffered body is JSON
 * and must say so: a browser cannot send application/json to another origin
 * without asking first (a CORS preflight, which this server never grants). */
static int media_type(lh_rest_call_t *c)
{
    const char *ct = lh_rest_header(c, "Content-Type");
    if (c->route->body != LH_REST_BODY_BUFFER || !c->has_body || (ct && json_media_type(ct)))
        return 0;
    lh_rest_problem(c, 415, "the request body must be JSON with Content-Type: application/json");
    return 1;
}

int lh__rest_route(lh_rest_call_t *c)
{
    lh_err_t err = {0};
    if (same_origin(c) || find(c) || authorize(c) || media_type(c)) return 1;
    if (lh__rest_query_parse(c, &err) != 0) {
        lh_rest_problem(c, err.code == LH_EINVAL ? 400 : 500, err.msg);
        return 1;
    }
    return 0;
}

size_t lh__rest_max_body(const lh_rest_call_t *c)
{
    return c->route->max_body ? c->route->max_body : LH_REST_MAX_BODY;
}

void lh__rest_too_big(lh_rest_call_t *c)
{
    char msg[96];
    size_t max = lh__rest_max_body(c);
    if (max % 1024 == 0)
        snprintf(msg, sizeof msg, "the request body is over %zu KiB", max >> 10);
    else
        snprintf(msg, sizeof msg, "the request body is over %zu bytes", max);
    lh_rest_problem(c, 413, msg);
}

/* --- running the handler --- */

static void finish_handler(lh_rest_call_t *c)
{
    if (c->mode == LH__REST_WHOLE) lh__rest_send(c);
}

static void work(void *arg)
{
    lh_rest_call_t *c = arg;
    c->route->handler(c);
}

static void after(void *arg, int status)
{
    lh_rest_call_t *c = arg;
    c->in_worker = 0;
    if (status != 0) lh_rest_problem(c, 503, "the server is shutting down");
    finish_handler(c);
    lh__rest_release(c, LH__REST_HOLD_HANDLER);
}

void lh__rest_dispatch(lh_rest_call_t *c)
{
    if (!c->route->blocking || !c->loop) {
        c->route->handler(c);
        finish_handler(c);
        return;
    }
    c->in_worker = 1;
    c->holds |= LH__REST_HOLD_HANDLER;
    if (lh_work_submit(c->loop, work, after, c) != 0) {
        c->in_worker = 0;
        c->holds &= ~LH__REST_HOLD_HANDLER;
        lh_rest_problem(c, 500, "out of memory");
        lh__rest_send(c);
    }
}

int lh__rest_body_slice(lh_rest_call_t *c, const char *data, size_t len)
{
    int rc = c->route->on_body(c, data, len);
    if (rc >= 0) return rc == LH_REST_BODY_HOLD ? 0 : (lh_rest_body_next(c), 0);
    if (!c->status) lh_rest_error(c, rc, NULL);
    lh__rest_send(c);
    return 1;
}

void lh_rest_body_next(lh_rest_call_t *c)
{
    if (c->tp && !c->closed && c->mode == LH__REST_WHOLE && !c->status) c->tp->body_next(c);
}

/* --- in memory --- */

void lh_rest_handle(lh_rest_call_t *c)
{
    if (lh__rest_route(c)) return;
    if (c->route->body == LH_REST_BODY_BUFFER && c->body_len > lh__rest_max_body(c)) {
        lh__rest_too_big(c);
        return;
    }
    if (c->route->body == LH_REST_BODY_STREAM && c->body_len) {
        int rc = c->route->on_body(c, c->body, c->body_len);
        if (rc < 0) {
            if (!c->status) lh_rest_error(c, rc, NULL);
            return;
        }
    }
    lh__rest_dispatch(c);
}
