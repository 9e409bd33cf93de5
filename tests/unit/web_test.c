/* Unit tests for the web routes as plain calls (no sockets): system
 * endpoints, 404/405, Basic and bearer authentication, role checks, JSON
 * problem objects, and the users and tokens REST API, all through the REST
 * router (core/rest.h) with the web listener's tables mounted. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/meta.h"
#include "core/owned.h"
#include "core/rest.h"
#include "core/str.h"
#include "store/engine.h"
#include "test.h"
#include "tmpdir.h"
#include "web/api.h"
#include "web/web.h"

typedef struct {
    int status;
    char ctype[64];
    int challenge;
    char allow[64];
    char body[4096];
    json_t *json;
} res_t;

static char auth_buf[4][320];

static const char *basic(int slot, const char *user, const char *secret)
{
    char plain[200], b64[300];
    snprintf(plain, sizeof plain, "%s:%s", user, secret);
    lh_base64_encode((const unsigned char *)plain, strlen(plain), b64);
    snprintf(auth_buf[slot], sizeof auth_buf[slot], "Basic %s", b64);
    return auth_buf[slot];
}

static const char *bearer(int slot, const char *token)
{
    snprintf(auth_buf[slot], sizeof auth_buf[slot], "Bearer %s", token);
    return auth_buf[slot];
}

/* The web listener's router: the system table, and the users and tokens
 * table as if the web role ran (with_api), or not. */
typedef struct {
    lh_meta_t *meta;
    lh_rest_router_t *router;
    lh_web_system_t sys;
    /* the web role's table arg: a role set where a real store provides the
     * buckets users own (core/owned.h), as the store role does */
    lh_roles_t *roles;
    lh_store_t *st;
    lh_owned_t buckets;
} api_t;

static api_t the_api;

static res_t req(api_t *api, const char *method, const char *path, const char *auth,
                 const char *body)
{
    lh_rest_call_t *c;
    res_t r;
    size_t len;
    memset(&r, 0, sizeof r);
    if (lh_rest_call_new(api->router, method, path, &c) != 0) abort();
    if (auth) lh_rest_call_set_header(c, "Authorization", auth);
    if (body) lh_rest_call_set_header(c, "Content-Type", "application/json"); /* as the CLI */
    lh_rest_call_set_body(c, body, body ? strlen(body) : 0);
    lh_rest_handle(c);
    const char *out = lh_rest_call_output(c, &len);
    const char *ctype = lh_rest_call_content_type(c);
    const char *allow = lh_rest_call_resp_header(c, "Allow");
    const char *chal = lh_rest_call_resp_header(c, "WWW-Authenticate");
    r.status = lh_rest_call_status(c);
    snprintf(r.ctype, sizeof r.ctype, "%s", ctype ? ctype : "");
    r.challenge = chal != NULL;
    snprintf(r.allow, sizeof r.allow, "%s", allow ? allow : "");
    snprintf(r.body, sizeof r.body, "%.*s", (int)len, out);
    r.json = len ? json_loads(r.body, 0, NULL) : NULL;
    lh_rest_call_free(c);
    return r;
}

static int fake_metrics(lh_buf_t *out)
{
    return lh_buf_puts(out, "# TYPE x counter\nx 1\n");
}

static void mount(api_t *api, const char *owner, const lh_rest_route_t *routes, int n, void *arg)
{
    lh_err_t err = {0};
    lh_rest_table_t t = {.owner = owner, .routes = routes, .nroutes = n, .arg = arg};
    if (lh_rest_mount(api->router, &t, &err) != 0) abort();
}

static api_t *setup_with(int with_api)
{
    api_t *api = &the_api;
    lh_err_t err = {0};
    if (lh_meta_open(&api->meta, lh_test_tmpdir(), &err) != 0 ||
        lh_meta_user_add(api->meta, "admin", "admin-secret-1", LH_ROLE_ADMIN, &err) != 0 ||
        lh_meta_user_add(api->meta, "wendy", "wendy-secret-1", LH_ROLE_WRITER, &err) != 0 ||
        lh_rest_router_new(&api->router, api->meta) != 0)
        abort();
    lh_role_ctx_t ctx = {.lake_owner = ""};
    if (lh_store_open(&api->st, lh_test_tmpdir(), &err) != 0 ||
        lh_roles_new(&api->roles, NULL, 0, 0, &ctx) != 0)
        abort();
    lh_store_owned_buckets(api->st, &api->buckets);
    if (lh_roles_provide(api->roles, LH_OWNED_BUCKETS, &api->buckets) != 0) abort();
    api->sys.render_metrics = fake_metrics;
    mount(api, "system", lh_web_system_routes, LH_WEB_NSYSTEM_ROUTES, &api->sys);
    if (with_api) mount(api, "web", lh_web_role.routes, lh_web_role.nroutes, api->roles);
    return api;
}

static api_t *setup(void)
{
    return setup_with(1);
}

static void teardown(api_t *api)
{
    lh_rest_router_free(api->router);
    lh_roles_free(api->roles);
    lh_store_close(api->st);
    lh_meta_close(api->meta);
}

static const char *jstr(json_t *doc, const char *key)
{
    const char *s = json_string_value(json_object_get(doc, key));
    return s ? s : "";
}

static int fake_ready_flag;
static int fake_start(const lh_role_ctx_t *ctx, void **handle, lh_err_t *err)
{
    *handle = &fake_ready_flag;
    return 0;
}
static void fake_stop(void *handle, void (*done)(void *), void *arg)
{
    done(arg);
}
static int fake_ready(void *handle)
{
    return *(int *)handle;
}
static const lh_role_t role_a = {.name = "alpha", .start = fake_start, .stop = fake_stop};
static const lh_role_t role_b = {
    .name = "beta", .start = fake_start, .stop = fake_stop, .ready = fake_ready};
static const lh_role_t *const fake_roles[] = {&role_a, &role_b};

static void system_endpoints(void)
{
    api_t *api = setup();
    lh_roles_t *rs;
    lh_err_t err = {0};
    lh_role_ctx_t ctx = {.lake_owner = ""};
    res_t r = req(api, "GET", "/healthz", NULL, NULL);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(r.body, "ok");
    r = req(api, "GET", "/readyz", NULL, NULL); /* no roles at all */
    CHECK_EQ_INT(r.status, 503);
    CHECK_EQ_STR(r.body, "{\"status\":\"not ready\",\"roles\":{}}\n");
    CHECK_EQ_INT(lh_roles_new(&rs, fake_roles, 2, 3, &ctx), 0);
    api->sys.roles = rs;
    r = req(api, "GET", "/readyz", NULL, NULL);
    CHECK_EQ_INT(r.status, 503);
    CHECK_EQ_STR(r.ctype, "application/json");
    CHECK_EQ_STR(r.body,
                 "{\"status\":\"not ready\",\"roles\":{\"alpha\":\"idle\",\"beta\":\"idle\"}}\n");
    fake_ready_flag = 0;
    CHECK_EQ_INT(lh_roles_start(rs, &err), 0);
    r = req(api, "GET", "/readyz", NULL, NULL); /* beta started but not ready yet */
    CHECK_EQ_INT(r.status, 503);
    CHECK_EQ_STR(
        r.body,
        "{\"status\":\"not ready\",\"roles\":{\"alpha\":\"ready\",\"beta\":\"starting\"}}\n");
    fake_ready_flag = 1;
    r = req(api, "GET", "/readyz", NULL, NULL);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(r.body,
                 "{\"status\":\"ready\",\"roles\":{\"alpha\":\"ready\",\"beta\":\"ready\"}}\n");
    lh_roles_stop(rs, NULL, NULL);
    r = req(api, "GET", "/readyz", NULL, NULL);
    CHECK_EQ_INT(r.status, 503);
    CHECK_EQ_STR(
        r.body,
        "{\"status\":\"not ready\",\"roles\":{\"alpha\":\"stopped\",\"beta\":\"stopped\"}}\n");
    lh_roles_free(rs);
    r = req(api, "GET", "/metrics", NULL, NULL);
    CHECK_EQ_INT(r.status, 200);
    CHECK(!strncmp(r.ctype, "text/plain; version=0.0.4", 25));
    CHECK_EQ_STR(r.body, "# TYPE x counter\nx 1\n");
    r = req(api, "HEAD", "/healthz", NULL, NULL);
    CHECK_EQ_INT(r.status, 200);
    teardown(api);
}

/* Without the web role the process serves only /healthz, /readyz, /metrics:
 * the users and tokens routes come with the role's descriptor, while it runs. */
static int web_like_start(const lh_role_ctx_t *ctx, void **handle, lh_err_t *err)
{
    *handle = NULL;
    return 0;
}
static const lh_role_t web_like = {.name = "web",
                                   .start = web_like_start,
                                   .stop = fake_stop,
                                   .routes = lh_web_user_routes,
                                   .nroutes = LH_WEB_NUSER_ROUTES};
static const lh_role_t *const web_like_roles[] = {&role_a, &web_like};

static void api_only_where_the_web_role_runs(void)
{
    api_t *api = setup_with(0);
    lh_roles_t *rs;
    lh_err_t err = {0};
    lh_role_ctx_t ctx = {.lake_owner = ""};
    CHECK_EQ_INT(lh_roles_new(&rs, web_like_roles, 2, 1, &ctx), 0); /* alpha only */
    lh_rest_set_source(api->router, lh_roles_next_routes, rs);
    CHECK_EQ_INT(lh_roles_start(rs, &err), 0);
    res_t r = req(api, "GET", "/api/v1/users", basic(0, "admin", "admin-secret-1"), NULL);
    CHECK_EQ_INT(r.status, 404);
    CHECK_EQ_STR(r.ctype, "application/problem+json");
    r = req(api, "GET", "/healthz", NULL, NULL);
    CHECK_EQ_INT(r.status, 200);
    lh_roles_stop(rs, NULL, NULL);
    lh_roles_free(rs);

    CHECK_EQ_INT(lh_roles_new(&rs, web_like_roles, 2, 3, &ctx), 0); /* alpha and web */
    lh_rest_set_source(api->router, lh_roles_next_routes, rs);
    r = req(api, "GET", "/api/v1/users", basic(0, "admin", "admin-secret-1"), NULL);
    CHECK_EQ_INT(r.status, 404); /* not started yet */
    CHECK_EQ_INT(lh_roles_start(rs, &err), 0);
    r = req(api, "GET", "/api/v1/users", basic(0, "admin", "admin-secret-1"), NULL);
    CHECK_EQ_INT(r.status, 200);
    lh_roles_stop(rs, NULL, NULL);
    r = req(api, "GET", "/api/v1/users", basic(0, "admin", "admin-secret-1"), NULL);
    CHECK_EQ_INT(r.status, 404); /* stopped: its routes are gone */
    lh_roles_free(rs);
    teardown(api);
}

static void unknown_paths_and_methods(void)
{
    api_t *api = setup();
    res_t r = req(api, "GET", "/nope", NULL, NULL);
    CHECK_EQ_INT(r.status, 404);
    CHECK_EQ_STR(r.ctype, "application/problem+json");
    CHECK_EQ_STR(jstr(r.json, "type"), "about:blank");
    CHECK_EQ_STR(jstr(r.json, "title"), "Not Found");
    CHECK_EQ_INT(json_integer_value(json_object_get(r.json, "status")), 404);
    r = req(api, "PATCH", "/api/v1/users", NULL, NULL);
    CHECK_EQ_INT(r.status, 405);
    CHECK_EQ_STR(r.allow, "GET, POST");
    r = req(api, "GET", "/api/v1/users/", NULL, NULL);
    CHECK_EQ_INT(r.status, 404);
    r = req(api, "DELETE", "/api/v1/users/a%2", basic(0, "admin", "admin-secret-1"), NULL);
    CHECK_EQ_INT(r.status, 404); /* bad escape never matches */
    teardown(api);
}

static void authentication_and_roles(void)
{
    api_t *api = setup();
    res_t r = req(api, "GET", "/api/v1/users", NULL, NULL);
    CHECK_EQ_INT(r.status, 401);
    CHECK(!r.challenge); /* no WWW-Authenticate: a browser must not cache credentials */
    CHECK_EQ_STR(r.ctype, "application/problem+json");
    r = req(api, "GET", "/api/v1/users", basic(0, "admin", "wrong-secret"), NULL);
    CHECK_EQ_INT(r.status, 401);
    CHECK(!r.challenge);
    r = req(api, "GET", "/api/v1/users", basic(0, "ghost", "admin-secret-1"), NULL);
    CHECK_EQ_INT(r.status, 401);
    r = req(api, "GET", "/api/v1/users", "Basic !!!notbase64", NULL);
    CHECK_EQ_INT(r.status, 401);
    r = req(api, "GET", "/api/v1/users", "Digest abc", NULL);
    CHECK_EQ_INT(r.status, 401);
    r = req(api, "GET", "/api/v1/users", basic(0, "wendy", "wendy-secret-1"), NULL);
    CHECK_EQ_INT(r.status, 403);
    CHECK(!r.challenge);
    r = req(api, "GET", "/api/v1/users", basic(0, "admin", "admin-secret-1"), NULL);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(r.ctype, "application/json");
    json_t *users = json_object_get(r.json, "users");
    CHECK_EQ_INT(json_array_size(users), 2);
    CHECK_EQ_STR(jstr(json_array_get(users, 0), "access_key"), "admin");
    CHECK_EQ_STR(jstr(json_array_get(users, 1), "role"), "writer");
    CHECK(!strstr(r.body, "secret"));
    teardown(api);
}

static void users_api(void)
{
    api_t *api = setup();
    lh_user_t u;
    const char *adm = basic(0, "admin", "admin-secret-1");
    res_t r = req(api, "POST", "/api/v1/users", adm,
                  "{\"access_key\":\"a@b.c\",\"secret_key\":\"abc-secret-1\",\"role\":\"writer\"}");
    CHECK_EQ_INT(r.status, 201);
    CHECK_EQ_STR(jstr(r.json, "access_key"), "a@b.c");
    CHECK_EQ_STR(jstr(r.json, "role"), "writer");
    CHECK(!json_object_get(r.json, "secret_key")); /* chosen by the caller: not echoed */
    CHECK_EQ_INT(lh_meta_user_check(api->meta, "a@b.c", "abc-secret-1", &u), 0);

    r = req(api, "POST", "/api/v1/users", adm, "{\"access_key\":\"gena\"}");
    CHECK_EQ_INT(r.status, 201);
    CHECK_EQ_STR(jstr(r.json, "role"), "reader");
    CHECK_EQ_INT(strlen(jstr(r.json, "secret_key")), 40);
    CHECK_EQ_INT(lh_meta_user_check(api->meta, "gena", jstr(r.json, "secret_key"), NULL), 0);

    r = req(api, "POST", "/api/v1/users", adm, "{\"access_key\":\"gena\"}");
    CHECK_EQ_INT(r.status, 409);
    r = req(api, "POST", "/api/v1/users", adm, "{\"access_key\":\"x\"}");
    CHECK_EQ_INT(r.status, 400);
    CHECK(strstr(jstr(r.json, "detail"), "bad user name"));
    r = req(api, "POST", "/api/v1/users", adm, "{\"access_key\":\"okname\",\"role\":\"boss\"}");
    CHECK_EQ_INT(r.status, 400);
    r = req(api, "POST", "/api/v1/users", adm, "[1,2]");
    CHECK_EQ_INT(r.status, 400);
    r = req(api, "POST", "/api/v1/users", adm, "{\"access_key\":");
    CHECK_EQ_INT(r.status, 400);

    /* passwd: the user itself may, another non-admin may not */
    const char *self = basic(1, "a@b.c", "abc-secret-1");
    r = req(api, "PUT", "/api/v1/users/a%40b.c/secret", self, "{\"secret_key\":\"abc-secret-2\"}");
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(lh_meta_user_check(api->meta, "a@b.c", "abc-secret-2", NULL), 0);
    r = req(api, "PUT", "/api/v1/users/gena/secret", basic(1, "a@b.c", "abc-secret-2"), "{}");
    CHECK_EQ_INT(r.status, 403);
    r = req(api, "PUT", "/api/v1/users/gena/secret", adm, "{}");
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(strlen(jstr(r.json, "secret_key")), 40);
    r = req(api, "PUT", "/api/v1/users/nobody/secret", adm, "{\"secret_key\":\"abc-secret-2\"}");
    CHECK_EQ_INT(r.status, 404);

    r = req(api, "DELETE", "/api/v1/users/a%40b.c", adm, NULL);
    CHECK_EQ_INT(r.status, 204);
    CHECK_EQ_INT(r.body[0], 0);
    CHECK_EQ_INT(lh_meta_user_get(api->meta, "a@b.c", &u), LH_ENOENT);
    r = req(api, "DELETE", "/api/v1/users/a%40b.c", adm, NULL);
    CHECK_EQ_INT(r.status, 404);
    r = req(api, "DELETE", "/api/v1/users/admin", adm, NULL);
    CHECK_EQ_INT(r.status, 409); /* the last admin stays */
    teardown(api);
}

static const char *bucket_owner(api_t *api, const char *bucket, char *out, size_t cap)
{
    lh_store_bucket_t b;
    snprintf(out, cap, "%s", lh_store_bucket_get(api->st, bucket, &b) == 0 ? b.owner : "?");
    lh_store_bucket_clear(&b);
    return out;
}

/* A removed user's buckets must not pass to the next user of that name:
 * removal is refused naming them, or they go to another user first. */
static void user_rm_and_buckets(void)
{
    api_t *api = setup();
    lh_err_t err = {0};
    char who[160];
    const char *adm = basic(0, "admin", "admin-secret-1");
    CHECK_EQ_INT(lh_store_bucket_create(api->st, "wendy-a", "wendy", 0, &err), 0);
    CHECK_EQ_INT(lh_store_bucket_create(api->st, "wendy-b", "wendy", 0, &err), 0);
    CHECK_EQ_INT(lh_store_bucket_create(api->st, "admin-c", "admin", 0, &err), 0);
    res_t r = req(api, "DELETE", "/api/v1/users/wendy", adm, NULL);
    CHECK_EQ_INT(r.status, 409);
    CHECK_EQ_STR(r.ctype, "application/problem+json");
    CHECK(strstr(jstr(r.json, "detail"), "owns 2 buckets: wendy-a, wendy-b"));
    json_t *names = json_object_get(r.json, "buckets");
    CHECK_EQ_INT(json_array_size(names), 2);
    CHECK_EQ_STR(json_string_value(json_array_get(names, 0)), "wendy-a");
    CHECK_EQ_INT(json_integer_value(json_object_get(r.json, "buckets_total")), 2);
    lh_user_t u;
    CHECK_EQ_INT(lh_meta_user_get(api->meta, "wendy", &u), 0); /* still there */
    /* the new owner must be another existing user */
    CHECK_EQ_INT(req(api, "DELETE", "/api/v1/users/wendy?reassign_to=ghost", adm, NULL).status,
                 400);
    CHECK_EQ_INT(req(api, "DELETE", "/api/v1/users/wendy?reassign_to=wendy", adm, NULL).status,
                 400);
    CHECK_EQ_INT(req(api, "DELETE", "/api/v1/users/wendy?reassign=admin", adm, NULL).status, 400);
    CHECK_EQ_STR(bucket_owner(api, "wendy-a", who, sizeof who), "wendy");
    r = req(api, "DELETE", "/api/v1/users/wendy?reassign_to=admin", adm, NULL);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(r.json, "buckets")), 2);
    CHECK_EQ_STR(jstr(r.json, "reassigned_to"), "admin");
    CHECK_EQ_INT(lh_meta_user_get(api->meta, "wendy", &u), LH_ENOENT);
    CHECK_EQ_STR(bucket_owner(api, "wendy-a", who, sizeof who), "admin");
    CHECK_EQ_STR(bucket_owner(api, "wendy-b", who, sizeof who), "admin");
    /* a user of the same name later owns nothing */
    CHECK_EQ_INT(lh_meta_user_add(api->meta, "wendy", "wendy-secret-9", LH_ROLE_WRITER, &err), 0);
    CHECK_EQ_INT(req(api, "DELETE", "/api/v1/users/wendy", adm, NULL).status, 204);
    /* where the store does not run, removal is refused rather than blind */
    lh_rest_unmount(api->router, lh_web_role.routes);
    mount(api, "web", lh_web_role.routes, lh_web_role.nroutes, NULL);
    CHECK_EQ_INT(lh_meta_user_add(api->meta, "wendy", "wendy-secret-9", LH_ROLE_WRITER, &err), 0);
    r = req(api, "DELETE", "/api/v1/users/wendy", adm, NULL);
    CHECK_EQ_INT(r.status, 503);
    CHECK(strstr(jstr(r.json, "detail"), "store role does not run in this process"));
    CHECK_EQ_INT(lh_meta_user_get(api->meta, "wendy", &u), 0);
    teardown(api);
}

/* A new secret keeps the user's bearer tokens unless revoke_tokens asks. */
static void passwd_and_tokens(void)
{
    api_t *api = setup();
    lh_token_t t;
    lh_err_t err = {0};
    char tok1[64], tok2[64], tok3[64];
    const char *adm = basic(0, "admin", "admin-secret-1");
    CHECK_EQ_INT(lh_meta_token_create(api->meta, "wendy", "one", &t, tok1, &err), 0);
    res_t r =
        req(api, "PUT", "/api/v1/users/wendy/secret", adm, "{\"secret_key\":\"wendy-new-1\"}");
    CHECK_EQ_INT(r.status, 200);
    CHECK(!json_object_get(r.json, "tokens_revoked"));
    CHECK_EQ_INT(req(api, "GET", "/api/v1/tokens", bearer(1, tok1), NULL).status, 200);
    CHECK_EQ_INT(lh_meta_token_create(api->meta, "wendy", "two", &t, tok2, &err), 0);
    CHECK_EQ_INT(lh_meta_token_create(api->meta, "admin", "adm", &t, tok3, &err), 0);
    r = req(api, "PUT", "/api/v1/users/wendy/secret", adm,
            "{\"secret_key\":\"wendy-new-2\",\"revoke_tokens\":\"yes\"}");
    CHECK_EQ_INT(r.status, 400);
    CHECK_EQ_INT(lh_meta_user_check(api->meta, "wendy", "wendy-new-1", NULL), 0); /* unchanged */
    r = req(api, "PUT", "/api/v1/users/wendy/secret", basic(2, "wendy", "wendy-new-1"),
            "{\"secret_key\":\"wendy-new-2\",\"revoke_tokens\":true}");
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(json_integer_value(json_object_get(r.json, "tokens_revoked")), 2);
    CHECK_EQ_INT(req(api, "GET", "/api/v1/tokens", bearer(1, tok1), NULL).status, 401);
    CHECK_EQ_INT(lh_meta_user_check(api->meta, "wendy", "wendy-new-2", NULL), 0);
    r = req(api, "GET", "/api/v1/tokens", adm, NULL); /* the admin's token stays */
    CHECK_EQ_INT(json_array_size(json_object_get(r.json, "tokens")), 1);
    teardown(api);
}

static void tokens_api(void)
{
    api_t *api = setup();
    const char *w = basic(0, "wendy", "wendy-secret-1");
    const char *adm = basic(1, "admin", "admin-secret-1");
    res_t r = req(api, "POST", "/api/v1/tokens", w, "{\"name\":\"ci\"}");
    CHECK_EQ_INT(r.status, 201);
    CHECK_EQ_STR(r.allow, ""); /* Allow goes on 405 and OPTIONS only */
    CHECK_EQ_STR(jstr(r.json, "owner"), "wendy");
    CHECK_EQ_STR(jstr(r.json, "name"), "ci");
    char token[64], id[32];
    snprintf(token, sizeof token, "%s", jstr(r.json, "token"));
    snprintf(id, sizeof id, "%s", jstr(r.json, "id"));
    CHECK(!strncmp(token, "lh_", 3));

    r = req(api, "POST", "/api/v1/tokens", w, "{\"owner\":\"admin\"}");
    CHECK_EQ_INT(r.status, 403);
    r = req(api, "POST", "/api/v1/tokens", adm, "{}");
    CHECK_EQ_INT(r.status, 201);
    r = req(api, "POST", "/api/v1/tokens", adm, "{\"owner\":\"wendy\",\"name\":\"by-admin\"}");
    CHECK_EQ_INT(r.status, 201);

    /* the bearer token logs in as wendy and sees only her tokens */
    const char *b = bearer(2, token);
    r = req(api, "GET", "/api/v1/tokens", b, NULL);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(json_array_size(json_object_get(r.json, "tokens")), 2);
    CHECK(!strstr(r.body, token + 20)); /* the secret part is never listed */
    r = req(api, "GET", "/api/v1/users", b, NULL);
    CHECK_EQ_INT(r.status, 403);
    r = req(api, "GET", "/api/v1/tokens", adm, NULL);
    CHECK_EQ_INT(json_array_size(json_object_get(r.json, "tokens")), 3);

    /* another non-admin cannot revoke it (and cannot tell it exists) */
    lh_err_t err = {0};
    CHECK_EQ_INT(lh_meta_user_add(api->meta, "rita", "rita-secret-1", LH_ROLE_READER, &err), 0);
    char path[64];
    snprintf(path, sizeof path, "/api/v1/tokens/%s", id);
    r = req(api, "DELETE", path, basic(3, "rita", "rita-secret-1"), NULL);
    CHECK_EQ_INT(r.status, 404);
    r = req(api, "DELETE", path, b, NULL);
    CHECK_EQ_INT(r.status, 204);
    r = req(api, "GET", "/api/v1/tokens", b, NULL);
    CHECK_EQ_INT(r.status, 401);
    CHECK(!r.challenge);
    teardown(api);
}

static void trusted_offline_call(void)
{
    api_t *api = setup();
    lh_rest_call_t *c;
    const char *body = "{\"name\":\"x\"}";
    CHECK_EQ_INT(lh_rest_call_new(api->router, "POST", "/api/v1/tokens", &c), 0);
    lh_rest_call_set_body(c, body, strlen(body));
    lh_rest_call_set_header(c, "Content-Type", "application/json");
    lh_rest_call_trust(c);
    lh_rest_handle(c);
    CHECK_EQ_INT(lh_rest_call_status(c), 400); /* offline there is no caller: owner is required */
    lh_rest_call_free(c);
    CHECK_EQ_INT(lh_rest_call_new(api->router, "GET", "/api/v1/users", &c), 0);
    lh_rest_call_trust(c);
    lh_rest_handle(c);
    CHECK_EQ_INT(lh_rest_call_status(c), 200);
    lh_rest_call_free(c);
    teardown(api);
}

static const lh_test_t tests[] = {
    {"system_endpoints", system_endpoints},
    {"api_only_where_the_web_role_runs", api_only_where_the_web_role_runs},
    {"unknown_paths_and_methods", unknown_paths_and_methods},
    {"authentication_and_roles", authentication_and_roles},
    {"users_api", users_api},
    {"tokens_api", tokens_api},
    {"user_rm_and_buckets", user_rm_and_buckets},
    {"passwd_and_tokens", passwd_and_tokens},
    {"trusted_offline_call", trusted_offline_call},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
