/* Unit tests for the REST router (core/rest.h) as calls in memory: named path
 * parameters and their %-decoding, the query string (repeated keys, missing
 * values, bad escapes), pagination and order_by, each auth level for admin,
 * writer and reader users and bearer tokens, 404/405/413, route tables from
 * two roles mounted together through the role runner, table checks, and the
 * streamed, SSE and deferred answers as they collect in memory. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/meta.h"
#include "core/rest.h"
#include "core/role.h"
#include "core/str.h"
#include "test.h"
#include "tmpdir.h"

typedef struct {
    int status;
    char ctype[64];
    char allow[64];
    char challenge[64];
    char body[4096];
    json_t *json;
} res_t;

static char dags_arg[] = "dags"; /* the dag table's arg */
static lh_meta_t *meta;
static lh_rest_router_t *router;
static char auth_buf[320];

static const char *basic(const char *user, const char *secret)
{
    char plain[200], b64[300];
    snprintf(plain, sizeof plain, "%s:%s", user, secret);
    lh_base64_encode((const unsigned char *)plain, strlen(plain), b64);
    snprintf(auth_buf, sizeof auth_buf, "Basic %s", b64);
    return auth_buf;
}

static const char *bearer(const char *token)
{
    snprintf(auth_buf, sizeof auth_buf, "Bearer %s", token);
    return auth_buf;
}

static void copy_hdr(char *out, size_t cap, const char *v)
{
    snprintf(out, cap, "%s", v ? v : "");
}

/* A call with extra request headers (name, value, ..., NULL). */
static res_t call_h(const char *method, const char *target, const char *auth, const char *body,
                    size_t body_len, const char *const *hdrs)
{
    lh_rest_call_t *c;
    res_t r;
    size_t len;
    memset(&r, 0, sizeof r);
    if (lh_rest_call_new(router, method, target, &c) != 0) abort();
    if (auth) lh_rest_call_set_header(c, "Authorization", auth);
    for (; hdrs && hdrs[0]; hdrs += 2)
        lh_rest_call_set_header(c, hdrs[0], hdrs[1]);
    lh_rest_call_set_body(c, body, body_len);
    lh_rest_handle(c);
    const char *out = lh_rest_call_output(c, &len);
    r.status = lh_rest_call_status(c);
    copy_hdr(r.ctype, sizeof r.ctype, lh_rest_call_content_type(c));
    copy_hdr(r.allow, sizeof r.allow, lh_rest_call_resp_header(c, "Allow"));
    copy_hdr(r.challenge, sizeof r.challenge, lh_rest_call_resp_header(c, "WWW-Authenticate"));
    snprintf(r.body, sizeof r.body, "%.*s", (int)len, out);
    r.json = len ? json_loads(r.body, 0, NULL) : NULL;
    lh_rest_call_free(c);
    return r;
}

/* A call as the CLI makes it: a body goes with Content-Type: application/json. */
static res_t call(const char *method, const char *target, const char *auth, const char *body,
                  size_t body_len)
{
    static const char *const json_ct[] = {"Content-Type", "application/json", NULL};
    return call_h(method, target, auth, body, body_len, body ? json_ct : NULL);
}

static res_t get(const char *target, const char *auth)
{
    return call("GET", target, auth, NULL, 0);
}

static const char *jstr(json_t *doc, const char *key)
{
    const char *s = json_string_value(json_object_get(doc, key));
    return s ? s : "";
}

static long long jint(json_t *doc, const char *key)
{
    return json_integer_value(json_object_get(doc, key));
}

static void mount(const char *owner, const lh_rest_route_t *routes, int n, void *arg)
{
    lh_err_t err = {0};
    lh_rest_table_t t = {.owner = owner, .routes = routes, .nroutes = n, .arg = arg};
    if (lh_rest_mount(router, &t, &err) != 0) {
        fprintf(stderr, "mount: %s\n", err.msg);
        abort();
    }
}

static void setup(void)
{
    lh_err_t err = {0};
    if (lh_meta_open(&meta, lh_test_tmpdir(), &err) != 0 ||
        lh_meta_user_add(meta, "ada", "ada-secret-1", LH_ROLE_ADMIN, &err) != 0 ||
        lh_meta_user_add(meta, "wendy", "wendy-secret-1", LH_ROLE_WRITER, &err) != 0 ||
        lh_meta_user_add(meta, "rita", "rita-secret-1", LH_ROLE_READER, &err) != 0 ||
        lh_rest_router_new(&router, meta) != 0)
        abort();
}

static void teardown(void)
{
    lh_rest_router_free(router);
    lh_meta_close(meta);
}

/* --- handlers --- */

/* {"route": <arg>, "params": {...}, "user": ..., "query": [[k, v], ...]} */
static void h_echo(lh_rest_call_t *c)
{
    static const char *const names[] = {"dag_id", "run_id", "task_id", "name", NULL};
    json_t *params = json_object(), *query = json_array();
    const char *k, *v;
    int pos = 0;
    for (const char *const *n = names; *n; n++)
        if (lh_rest_param(c, *n))
            json_object_set_new(params, *n, json_string(lh_rest_param(c, *n)));
    while (lh_rest_query_next(c, &pos, &k, &v))
        json_array_append_new(query, json_pack("[s, s]", k, v));
    const lh_user_t *u = lh_rest_user(c);
    lh_rest_json(c, 200,
                 json_pack("{s:s, s:o, s:o, s:s}", "route",
                           lh_rest_arg(c) ? (char *)lh_rest_arg(c) : "", "params", params, "query",
                           query, "user", u ? u->access_key : ""));
}

static void h_page(lh_rest_call_t *c)
{
    static const char *const fields[] = {"dag_id", "start_date", "state", NULL};
    lh_rest_page_t pg;
    lh_rest_order_t ord;
    if (lh_rest_page(c, 25, 100, &pg) || lh_rest_order_by(c, fields, "-start_date", &ord)) return;
    lh_rest_json(c, 200,
                 json_pack("{s:I, s:I, s:s, s:b}", "limit", (json_int_t)pg.limit, "offset",
                           (json_int_t)pg.offset, "order_by", ord.field, "desc", ord.desc));
}

static void h_only(lh_rest_call_t *c)
{
    static const char *const known[] = {"state", "limit", NULL};
    if (lh_rest_query_only(c, known) == 0) lh_rest_respond(c, 204, NULL, NULL, 0);
}

static void h_body(lh_rest_call_t *c)
{
    size_t len;
    const char *b = lh_rest_body(c, &len);
    lh_rest_respond(c, 200, "application/octet-stream", b, len);
}

static const lh_rest_route_t dag_routes[] = {
    {.method = "GET", .pattern = "/api/v1/dags", .auth = LH_REST_PUBLIC, .handler = h_page},
    {.method = "GET",
     .pattern = "/api/v1/dags/{dag_id}",
     .auth = LH_REST_PUBLIC,
     .handler = h_echo},
    {.method = "GET",
     .pattern = "/api/v1/dags/{dag_id}/runs/{run_id}",
     .auth = LH_REST_PUBLIC,
     .handler = h_echo},
    {.method = "DELETE",
     .pattern = "/api/v1/dags/{dag_id}/runs/{run_id}",
     .auth = LH_REST_WRITER,
     .handler = h_echo},
    {.method = "GET",
     .pattern = "/api/v1/dags/{dag_id}/runs/{run_id}/tasks/{task_id}/logs",
     .auth = LH_REST_PUBLIC,
     .handler = h_echo},
    {.method = "GET", .pattern = "/api/v1/filter", .auth = LH_REST_PUBLIC, .handler = h_only},
    {.method = "POST",
     .pattern = "/api/v1/small",
     .auth = LH_REST_PUBLIC,
     .body = LH_REST_BODY_BUFFER,
     .max_body = 16,
     .handler = h_body},
    {.method = "POST",
     .pattern = "/api/v1/big",
     .auth = LH_REST_PUBLIC,
     .body = LH_REST_BODY_BUFFER,
     .handler = h_body},
};
#define NDAG (int)(sizeof dag_routes / sizeof dag_routes[0])

static const lh_rest_route_t level_routes[] = {
    {.method = "GET", .pattern = "/lvl/public", .auth = LH_REST_PUBLIC, .handler = h_echo},
    {.method = "GET", .pattern = "/lvl/reader", .auth = LH_REST_READER, .handler = h_echo},
    {.method = "GET", .pattern = "/lvl/writer", .auth = LH_REST_WRITER, .handler = h_echo},
    {.method = "GET", .pattern = "/lvl/admin", .auth = LH_REST_ADMIN, .handler = h_echo},
};

/* --- tests --- */

static void several_path_params(void)
{
    setup();
    mount("dags", dag_routes, NDAG, dags_arg);
    res_t r = get("/api/v1/dags/etl/runs/r42", NULL);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(r.ctype, "application/json");
    json_t *p = json_object_get(r.json, "params");
    CHECK_EQ_STR(jstr(p, "dag_id"), "etl");
    CHECK_EQ_STR(jstr(p, "run_id"), "r42");
    CHECK_EQ_STR(jstr(r.json, "route"), "dags"); /* the table's arg */
    r = get("/api/v1/dags/etl/runs/r42/tasks/load/logs", NULL);
    p = json_object_get(r.json, "params");
    CHECK_EQ_INT(json_object_size(p), 3);
    CHECK_EQ_STR(jstr(p, "task_id"), "load");
    r = get("/api/v1/dags/etl", NULL);
    CHECK_EQ_INT(json_object_size(json_object_get(r.json, "params")), 1);
    CHECK_EQ_STR(jstr(json_object_get(r.json, "params"), "dag_id"), "etl");
    CHECK_EQ_INT(get("/api/v1/dags/etl/runs", NULL).status, 404);
    CHECK_EQ_INT(get("/api/v1/dags/etl/runs/r1/extra", NULL).status, 404);
    CHECK_EQ_INT(get("/api/v1/dags/etl/", NULL).status, 404);
    CHECK_EQ_INT(get("/api/v1/dags//runs/r1", NULL).status, 404);
    teardown();
}

static void percent_decoding_of_params(void)
{
    setup();
    mount("dags", dag_routes, NDAG, dags_arg);
    res_t r = get("/api/v1/dags/a%2Fb/runs/r%20%31+x", NULL);
    CHECK_EQ_INT(r.status, 200);
    json_t *p = json_object_get(r.json, "params");
    CHECK_EQ_STR(jstr(p, "dag_id"), "a/b");   /* %2F stays inside its segment */
    CHECK_EQ_STR(jstr(p, "run_id"), "r 1+x"); /* '+' is no space in a path */
    r = get("/api/v1/dags/%C3%A9t%C3%A9", NULL);
    CHECK_EQ_STR(jstr(json_object_get(r.json, "params"), "dag_id"), "\xc3\xa9t\xc3\xa9");
    CHECK_EQ_INT(get("/api/v1/dags/a%2", NULL).status, 404);   /* truncated escape */
    CHECK_EQ_INT(get("/api/v1/dags/a%zz", NULL).status, 404);  /* not hex */
    CHECK_EQ_INT(get("/api/v1/dags/a%00b", NULL).status, 404); /* NUL */
    CHECK_EQ_INT(get("/api/v1/%64ags/x", NULL).status, 404);   /* literals match raw */
    teardown();
}

static void query_parsing(void)
{
    setup();
    mount("dags", dag_routes, NDAG, dags_arg);
    res_t r = get("/api/v1/dags/x?tag=a&tag=b&flag&empty=&&sp=x+y%21&eq=a=b", NULL);
    CHECK_EQ_INT(r.status, 200);
    json_t *q = json_object_get(r.json, "query");
    CHECK_EQ_INT(json_array_size(q), 6);
    const char *want[][2] = {{"tag", "a"},  {"tag", "b"},   {"flag", ""},
                             {"empty", ""}, {"sp", "x y!"}, {"eq", "a=b"}};
    for (size_t i = 0; i < 6; i++) {
        CHECK_EQ_STR(json_string_value(json_array_get(json_array_get(q, i), 0)), want[i][0]);
        CHECK_EQ_STR(json_string_value(json_array_get(json_array_get(q, i), 1)), want[i][1]);
    }
    r = get("/api/v1/dags/x?a=%zz", NULL);
    CHECK_EQ_INT(r.status, 400);
    CHECK_EQ_STR(r.ctype, "application/problem+json");
    CHECK(strstr(jstr(r.json, "detail"), "bad %-escape"));
    CHECK_EQ_INT(get("/api/v1/dags/x?a=%4", NULL).status, 400);
    CHECK_EQ_INT(get("/api/v1/dags/x?a%=1", NULL).status, 400);
    CHECK_EQ_INT(get("/api/v1/dags/x?a=%00", NULL).status, 400);
    r = get("/api/v1/dags/x?=v", NULL);
    CHECK_EQ_INT(r.status, 400);
    CHECK(strstr(jstr(r.json, "detail"), "no name"));
    char many[1024];
    size_t n = (size_t)snprintf(many, sizeof many, "/api/v1/dags/x?");
    for (int i = 0; i <= LH_REST_MAX_QUERY; i++)
        n += (size_t)snprintf(many + n, sizeof many - n, "k=v&");
    CHECK_EQ_INT(get(many, NULL).status, 400);
    CHECK_EQ_INT(get("/api/v1/filter?state=ok&limit=3", NULL).status, 204);
    r = get("/api/v1/filter?state=ok&stat=ok", NULL);
    CHECK_EQ_INT(r.status, 400);
    CHECK_EQ_STR(jstr(r.json, "detail"), "unknown query parameter 'stat'");
    teardown();
}

/* the query accessors as a handler sees them */
static void h_query_api(lh_rest_call_t *c)
{
    int ok = lh_rest_query_count(c, "tag") == 2 && !strcmp(lh_rest_query(c, "tag"), "a") &&
             !strcmp(lh_rest_query_nth(c, "tag", 1), "b") && !lh_rest_query_nth(c, "tag", 2) &&
             !lh_rest_query(c, "nope") && !strcmp(lh_rest_query(c, "flag"), "");
    lh_rest_respond(c, ok ? 200 : 500, NULL, NULL, 0);
}

static void query_accessors(void)
{
    static const lh_rest_route_t rt[] = {
        {.method = "GET", .pattern = "/q", .handler = h_query_api},
    };
    setup();
    mount("q", rt, 1, NULL);
    CHECK_EQ_INT(get("/q?tag=a&flag&tag=b", NULL).status, 200);
    teardown();
}

static void pagination(void)
{
    setup();
    mount("dags", dag_routes, NDAG, dags_arg);
    res_t r = get("/api/v1/dags", NULL);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(jint(r.json, "limit"), 25);
    CHECK_EQ_INT(jint(r.json, "offset"), 0);
    r = get("/api/v1/dags?limit=10&offset=30", NULL);
    CHECK_EQ_INT(jint(r.json, "limit"), 10);
    CHECK_EQ_INT(jint(r.json, "offset"), 30);
    r = get("/api/v1/dags?limit=1000", NULL);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_INT(jint(r.json, "limit"), 100); /* clamped to the maximum */
    r = get("/api/v1/dags?limit=abc", NULL);
    CHECK_EQ_INT(r.status, 400);
    CHECK_EQ_STR(r.ctype, "application/problem+json");
    CHECK(strstr(jstr(r.json, "detail"), "limit must be an integer"));
    const char *bad[] = {"limit=0",   "limit=-1",   "limit=",
                         "limit=+5",  "limit=%205", "limit=5&limit=6",
                         "offset=-1", "offset=x",   "limit=99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char t[128];
        snprintf(t, sizeof t, "/api/v1/dags?%s", bad[i]);
        r = get(t, NULL);
        if (r.status != 400) fprintf(stderr, "  %s answered %d\n", t, r.status);
        CHECK_EQ_INT(r.status, 400);
    }
    teardown();
}

static void order_by_whitelist(void)
{
    setup();
    mount("dags", dag_routes, NDAG, dags_arg);
    res_t r = get("/api/v1/dags", NULL);
    CHECK_EQ_STR(jstr(r.json, "order_by"), "start_date"); /* the default */
    CHECK(json_is_true(json_object_get(r.json, "desc")));
    r = get("/api/v1/dags?order_by=dag_id", NULL);
    CHECK_EQ_STR(jstr(r.json, "order_by"), "dag_id");
    CHECK(json_is_false(json_object_get(r.json, "desc")));
    r = get("/api/v1/dags?order_by=-state", NULL);
    CHECK_EQ_STR(jstr(r.json, "order_by"), "state");
    CHECK(json_is_true(json_object_get(r.json, "desc")));
    r = get("/api/v1/dags?order_by=password", NULL);
    CHECK_EQ_INT(r.status, 400);
    CHECK_EQ_STR(jstr(r.json, "detail"), "order_by must be one of: dag_id, start_date, state "
                                         "(a leading - sorts descending)");
    const char *bad[] = {"order_by=", "order_by=--state", "order_by=state;drop",
                         "order_by=state&order_by=dag_id", "order_by=DAG_ID"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char t[128];
        snprintf(t, sizeof t, "/api/v1/dags?%s", bad[i]);
        CHECK_EQ_INT(get(t, NULL).status, 400);
    }
    teardown();
}

static char rtok[64], wtok[64]; /* bearer tokens of rita (reader) and wendy (writer) */

/* GET path as nobody, rita, wendy, ada, rita's token, wendy's token: the
 * statuses wanted in that order. Problems for every error, and never a
 * WWW-Authenticate challenge (a browser would offer its login dialog). */
static int levels_differ(const char *path, const int want[6])
{
    char auth[6][320];
    int differ = 0;
    auth[0][0] = '\0';
    snprintf(auth[1], sizeof auth[1], "%s", basic("rita", "rita-secret-1"));
    snprintf(auth[2], sizeof auth[2], "%s", basic("wendy", "wendy-secret-1"));
    snprintf(auth[3], sizeof auth[3], "%s", basic("ada", "ada-secret-1"));
    snprintf(auth[4], sizeof auth[4], "%s", bearer(rtok));
    snprintf(auth[5], sizeof auth[5], "%s", bearer(wtok));
    for (int i = 0; i < 6; i++) {
        res_t r = get(path, i ? auth[i] : NULL);
        int bad = r.status != want[i] || r.challenge[0] ||
                  (r.status >= 400 && strcmp(r.ctype, "application/problem+json"));
        if (bad) fprintf(stderr, "  %s caller %d: %d, expected %d\n", path, i, r.status, want[i]);
        differ |= bad;
    }
    return differ;
}

static void auth_levels(void)
{
    lh_token_t t;
    lh_err_t err = {0};
    setup();
    mount("levels", level_routes, 4, NULL);
    CHECK_EQ_INT(lh_meta_token_create(meta, "rita", "ci", &t, rtok, &err), 0);
    CHECK_EQ_INT(lh_meta_token_create(meta, "wendy", "ci", &t, wtok, &err), 0);
    /*                                      none reader writer admin rtok wtok */
    CHECK(!levels_differ("/lvl/public", (int[]){200, 200, 200, 200, 200, 200}));
    CHECK(!levels_differ("/lvl/reader", (int[]){401, 200, 200, 200, 200, 200}));
    CHECK(!levels_differ("/lvl/writer", (int[]){401, 403, 200, 200, 403, 200}));
    CHECK(!levels_differ("/lvl/admin", (int[]){401, 403, 403, 200, 403, 403}));
    res_t r = get("/lvl/writer", basic("wendy", "wrong-secret"));
    CHECK_EQ_INT(r.status, 401);
    CHECK_EQ_STR(r.challenge, ""); /* no Basic challenge: the browser keeps nothing */
    CHECK_EQ_INT(get("/lvl/reader", "Bearer lh_nope_nope").status, 401);
    CHECK_EQ_INT(get("/lvl/reader", "Digest abc").status, 401);
    r = get("/lvl/writer", bearer(wtok));
    CHECK_EQ_STR(jstr(r.json, "user"), "wendy"); /* the token's owner */
    r = get("/lvl/public", basic("ada", "ada-secret-1"));
    CHECK_EQ_STR(jstr(r.json, "user"), ""); /* public routes do not authenticate */
    /* a trusted (offline CLI) call is an admin without credentials */
    lh_rest_call_t *c;
    CHECK_EQ_INT(lh_rest_call_new(router, "GET", "/lvl/admin", &c), 0);
    lh_rest_call_trust(c);
    lh_rest_handle(c);
    CHECK_EQ_INT(lh_rest_call_status(c), 200);
    lh_rest_call_free(c);
    teardown();
}

static void not_found_method_not_allowed_too_large(void)
{
    char big[LH_REST_MAX_BODY + 1];
    setup();
    mount("dags", dag_routes, NDAG, dags_arg);
    res_t r = get("/nope", NULL);
    CHECK_EQ_INT(r.status, 404);
    CHECK_EQ_STR(r.ctype, "application/problem+json");
    CHECK_EQ_STR(jstr(r.json, "type"), "about:blank");
    CHECK_EQ_STR(jstr(r.json, "title"), "Not Found");
    CHECK_EQ_INT(jint(r.json, "status"), 404);
    r = call("PUT", "/api/v1/dags/x/runs/y", NULL, NULL, 0);
    CHECK_EQ_INT(r.status, 405);
    CHECK_EQ_STR(r.allow, "GET, DELETE");
    CHECK_EQ_STR(jstr(r.json, "title"), "Method Not Allowed");
    CHECK_EQ_INT(call("HEAD", "/api/v1/dags/x", NULL, NULL, 0).status, 200); /* GET answers HEAD */
    r = call("POST", "/api/v1/small", NULL, "0123456789abcdef!", 17);
    CHECK_EQ_INT(r.status, 413);
    CHECK_EQ_STR(jstr(r.json, "title"), "Content Too Large");
    CHECK_EQ_STR(jstr(r.json, "detail"), "the request body is over 16 bytes");
    r = call("POST", "/api/v1/small", NULL, "0123456789abcdef", 16);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(r.body, "0123456789abcdef");
    memset(big, 'x', sizeof big);
    r = call("POST", "/api/v1/big", NULL, big, sizeof big);
    CHECK_EQ_INT(r.status, 413);
    CHECK_EQ_STR(jstr(r.json, "detail"), "the request body is over 64 KiB");
    CHECK_EQ_INT(call("POST", "/api/v1/big", NULL, big, sizeof big - 1).status, 200);
    /* unmounted: gone */
    lh_rest_unmount(router, dag_routes);
    CHECK_EQ_INT(get("/api/v1/dags/x", NULL).status, 404);
    teardown();
}

/* --- two roles contributing tables through the runner --- */

static const lh_rest_route_t flow_routes[] = {
    {.method = "GET",
     .pattern = "/api/v1/dags/{dag_id}",
     .auth = LH_REST_READER,
     .handler = h_echo},
    {.method = "POST",
     .pattern = "/api/v1/dags/{dag_id}",
     .auth = LH_REST_WRITER,
     .handler = h_echo},
};
static const lh_rest_route_t query_routes[] = {
    {.method = "GET",
     .pattern = "/api/v1/queries/{name}",
     .auth = LH_REST_READER,
     .handler = h_echo},
    /* same path as a flow route, another method: 405 lists both tables' methods */
    {.method = "DELETE",
     .pattern = "/api/v1/dags/{name}",
     .auth = LH_REST_ADMIN,
     .handler = h_echo},
};

static int fake_start(const lh_role_ctx_t *ctx, void **handle, lh_err_t *err)
{
    (void)err;
    *handle = (void *)ctx->data_dir; /* each role's handle: a name to tell them apart */
    return 0;
}
static void fake_stop(void *handle, void (*done)(void *), void *arg)
{
    done(arg);
}
static const lh_role_t flow_role = {
    .name = "flow", .start = fake_start, .stop = fake_stop, .routes = flow_routes, .nroutes = 2};
static const lh_role_t query_role = {
    .name = "query", .start = fake_start, .stop = fake_stop, .routes = query_routes, .nroutes = 2};
static const lh_role_t *const two_roles[] = {&flow_role, &query_role};

static void tables_from_two_roles(void)
{
    lh_roles_t *rs;
    lh_err_t err = {0};
    lh_role_ctx_t ctx = {.lake_owner = "", .data_dir = "handle"};
    setup();
    CHECK_EQ_INT(lh_roles_register(two_roles, 2), 0);
    CHECK_EQ_INT(lh_roles_new(&rs, two_roles, 2, 3, &ctx), 0);
    lh_rest_set_source(router, lh_roles_next_routes, rs);
    const char *rd = "Basic cml0YTpyaXRhLXNlY3JldC0x";     /* rita:rita-secret-1 */
    CHECK_EQ_INT(get("/api/v1/dags/etl", rd).status, 404); /* not started */
    CHECK_EQ_INT(lh_roles_start(rs, &err), 0);
    res_t r = get("/api/v1/dags/etl", rd);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(jstr(r.json, "route"), "handle"); /* lh_rest_arg: the role's handle */
    CHECK_EQ_STR(jstr(json_object_get(r.json, "params"), "dag_id"), "etl");
    r = get("/api/v1/queries/top10", rd);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(jstr(json_object_get(r.json, "params"), "name"), "top10");
    CHECK_EQ_INT(call("POST", "/api/v1/dags/etl", rd, NULL, 0).status, 403);
    CHECK_EQ_INT(call("DELETE", "/api/v1/dags/etl", rd, NULL, 0).status, 403);
    r = call("PATCH", "/api/v1/dags/etl", rd, NULL, 0);
    CHECK_EQ_INT(r.status, 405);
    CHECK_EQ_STR(r.allow, "GET, POST, DELETE");
    lh_roles_stop(rs, NULL, NULL);
    CHECK_EQ_INT(get("/api/v1/queries/top10", rd).status, 404);
    lh_roles_free(rs);
    teardown();
}

static void route_table_checks(void)
{
    lh_err_t err = {0};
#define ROW(m, p)                                                                                  \
    {                                                                                              \
        .method = m, .pattern = p, .handler = h_echo                                               \
    }
    const lh_rest_route_t ok[] = {ROW("GET", "/"), ROW("GET", "/a/{b}/c/{d_2}"),
                                  ROW("POST", "/a/{x}/c/{y}")};
    CHECK_EQ_INT(lh_rest_routes_check(ok, 3, &err), 0);
    const lh_rest_route_t bad[][1] = {
        {ROW("GET", "a")},
        {ROW("GET", "/a/")},
        {ROW("GET", "/a//b")},
        {ROW("GET", "/a/{}")},
        {ROW("GET", "/a/{B}")},
        {ROW("GET", "/a/x{b}")},
        {ROW("GET", "/a/{b}/{b}")},
        {ROW("GET", "/a?x")},
        {ROW(NULL, "/a")},
        {{.method = "GET", .pattern = "/a"}},
        {{.method = "PUT", .pattern = "/a", .body = LH_REST_BODY_STREAM, .handler = h_echo}},
        {{.method = "GET", .pattern = "/a", .auth = 9, .handler = h_echo}},
        {ROW("GET", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}")},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = lh_rest_routes_check(bad[i], 1, &err);
        if (rc != LH_EINVAL) fprintf(stderr, "  bad row %zu passed\n", i);
        CHECK_EQ_INT(rc, LH_EINVAL);
    }
    const lh_rest_route_t dup[] = {ROW("GET", "/a/{x}"), ROW("GET", "/a/{y}")};
    CHECK_EQ_INT(lh_rest_routes_check(dup, 2, &err), LH_EINVAL);
    CHECK(strstr(err.msg, "repeats route 0"));
    static const lh_rest_route_t bad_role_routes[] = {ROW("GET", "nope")};
    static const lh_role_t bad_role = {.name = "bad", .routes = bad_role_routes, .nroutes = 1};
    const lh_role_t *const table[] = {&bad_role};
    CHECK_EQ_INT(lh_roles_register(table, 1), LH_EINVAL);
    setup();
    lh_rest_table_t t = {.owner = "dags", .routes = dag_routes, .nroutes = NDAG};
    CHECK_EQ_INT(lh_rest_mount(router, &t, &err), 0);
    CHECK_EQ_INT(lh_rest_mount(router, &t, &err), LH_EEXIST);
    teardown();
#undef ROW
}

/* --- answers that do not come whole --- */

static int chunks_done;

static void chunk_done(lh_rest_call_t *c, int ok, void *arg)
{
    (void)c;
    (void)arg;
    chunks_done += ok;
}

static void h_chunks(lh_rest_call_t *c)
{
    lh_rest_set_header(c, "X-Export", "yes");
    if (lh_rest_stream_start(c, 200, "text/csv") != 0) return;
    lh_rest_stream_write(c, "a,b\n", 4, chunk_done, NULL);
    lh_rest_stream_write(c, "1,2\n", 4, chunk_done, NULL);
    lh_rest_stream_write(c, "3,4\n", 4, NULL, NULL);
    lh_rest_stream_finish(c);
    /* after the finish nothing more goes out */
    if (lh_rest_stream_write(c, "x", 1, chunk_done, NULL) != LH_EINVAL) chunks_done = -100;
}

static void h_sse(lh_rest_call_t *c)
{
    if (lh_rest_sse_start(c, 0) != 0) return;
    lh_rest_sse_send(c, "run", "{\"state\":\"running\"}", "7");
    lh_rest_sse_send(c, NULL, "line one\nline two\r\nline three", NULL);
    lh_rest_sse_send(c, "empty", NULL, NULL);
    if (lh_rest_sse_send(c, "bad\nevent", "x", NULL) != LH_EINVAL ||
        lh_rest_sse_send(c, "e", "x", "bad\rid") != LH_EINVAL)
        lh_rest_sse_send(c, "fail", "line breaks were accepted", NULL);
    lh_rest_sse_end(c);
}

static lh_rest_call_t *deferred;

static void h_defer(lh_rest_call_t *c)
{
    deferred = c;
    lh_rest_defer(c);
}

static void streamed_sse_and_deferred_answers(void)
{
    static const lh_rest_route_t rt[] = {
        {.method = "GET", .pattern = "/export", .handler = h_chunks},
        {.method = "GET", .pattern = "/events", .handler = h_sse},
        {.method = "GET", .pattern = "/later", .handler = h_defer},
    };
    setup();
    mount("streams", rt, 3, NULL);
    res_t r = get("/export", NULL);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(r.ctype, "text/csv");
    CHECK_EQ_STR(r.body, "a,b\n1,2\n3,4\n");
    CHECK_EQ_INT(chunks_done, 2);
    r = get("/events", NULL);
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(r.ctype, "text/event-stream");
    CHECK_EQ_STR(r.body, "id: 7\nevent: run\ndata: {\"state\":\"running\"}\n\n"
                         "data: line one\ndata: line two\ndata: line three\n\n"
                         "event: empty\ndata: \n\n");
    lh_rest_call_t *c;
    CHECK_EQ_INT(lh_rest_call_new(router, "GET", "/events", &c), 0);
    lh_rest_handle(c);
    CHECK_EQ_STR(lh_rest_call_resp_header(c, "Cache-Control"), "no-store");
    lh_rest_call_free(c);
    CHECK_EQ_INT(lh_rest_call_new(router, "GET", "/later", &c), 0);
    lh_rest_handle(c);
    CHECK_EQ_INT(lh_rest_call_status(c), 0); /* not answered yet */
    CHECK(deferred == c);
    lh_rest_json(c, 202, json_pack("{s:s}", "state", "queued"));
    lh_rest_complete(c);
    CHECK_EQ_INT(lh_rest_call_status(c), 202);
    lh_rest_call_free(c);
    teardown();
}

/* --- cross-site requests, media types, OPTIONS --- */

static res_t with_headers(const char *method, const char *target, const char *body,
                          const char *const *hdrs)
{
    return call_h(method, target, basic("wendy", "wendy-secret-1"), body, body ? strlen(body) : 0,
                  hdrs);
}

static void cross_site_requests_refused(void)
{
    setup();
    mount("dags", dag_routes, NDAG, dags_arg);
    mount("levels", level_routes, 4, NULL);
    /* no Origin (CLI, curl, SDKs) and the server's own origin pass */
    CHECK_EQ_INT(with_headers("GET", "/lvl/reader", NULL, NULL).status, 200);
    const char *const own[] = {"Host", "lake.example:8080", "Origin", "http://lake.example:8080",
                               NULL};
    CHECK_EQ_INT(with_headers("GET", "/lvl/reader", NULL, own).status, 200);
    const char *const own_ci[] = {"Host", "Lake.Example", "Origin", "HTTP://lake.example:80",
                                  NULL}; /* the default port is the same origin */
    CHECK_EQ_INT(with_headers("GET", "/lvl/reader", NULL, own_ci).status, 200);
    const char *const v6[] = {"Host", "[::1]:9", "Origin", "http://[::1]:9", NULL};
    CHECK_EQ_INT(with_headers("GET", "/lvl/reader", NULL, v6).status, 200);
    const char *const same[] = {"Host",           "a:1",         "Origin", "http://a:1",
                                "Sec-Fetch-Site", "same-origin", NULL};
    CHECK_EQ_INT(with_headers("GET", "/lvl/reader", NULL, same).status, 200);
    /* anything else is 403, before the credentials or the body are looked at */
    const char *const bad[][6] = {
        {"Host", "lake.example:8080", "Origin", "http://evil.example", NULL},
        {"Host", "lake.example:8080", "Origin", "http://lake.example:8081", NULL},
        {"Host", "lake.example:8080", "Origin", "https://lake.example:8080", NULL},
        {"Host", "lake.example", "Origin", "http://lake.example.evil", NULL},
        {"Host", "lake.example", "Origin", "null", NULL},
        {"Host", "lake.example", "Origin", "http://lake.example/path", NULL},
        {"Origin", "http://lake.example", NULL}, /* no Host to compare with */
        {"Host", "a:1", "Sec-Fetch-Site", "cross-site", NULL},
        {"Host", "a:1", "Sec-Fetch-Site", "same-site", NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        res_t r = with_headers("POST", "/api/v1/small", "{}", bad[i]);
        if (r.status != 403) fprintf(stderr, "  case %zu: %d\n", i, r.status);
        CHECK_EQ_INT(r.status, 403);
        CHECK_EQ_STR(r.ctype, "application/problem+json");
        CHECK(strstr(jstr(r.json, "detail"), "cross-origin requests are refused"));
        CHECK_EQ_INT(with_headers("GET", "/lvl/public", NULL, bad[i]).status, 403);
    }
    teardown();
}

static void buffered_bodies_must_be_json(void)
{
    setup();
    mount("dags", dag_routes, NDAG, dags_arg);
    static const struct {
        const char *ct;
        int want;
    } types[] = {
        {"application/json", 200},
        {"application/json; charset=utf-8", 200},
        {"Application/JSON;charset=UTF-8", 200},
        {"application/merge-patch+json", 200},
        {"text/plain", 415},
        {"text/plain; charset=utf-8", 415},
        {"application/x-www-form-urlencoded", 415},
        {"multipart/form-data; boundary=x", 415},
        {"application/jsonx", 415},
        {"application/+json", 415},
        {"", 415},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        const char *const h[] = {"Content-Type", types[i].ct, NULL};
        res_t r = call_h("POST", "/api/v1/big", NULL, "{}", 2, h);
        if (r.status != types[i].want) fprintf(stderr, "  %s: %d\n", types[i].ct, r.status);
        CHECK_EQ_INT(r.status, types[i].want);
        if (r.status == 415) {
            CHECK_EQ_STR(r.ctype, "application/problem+json");
            CHECK_EQ_STR(jstr(r.json, "title"), "Unsupported Media Type");
        }
    }
    CHECK_EQ_INT(call_h("POST", "/api/v1/big", NULL, "{}", 2, NULL).status, 415); /* none */
    CHECK_EQ_INT(call_h("POST", "/api/v1/big", NULL, NULL, 0, NULL).status, 200); /* no body */
    teardown();
}

static void allow_only_on_405_and_options(void)
{
    setup();
    mount("dags", dag_routes, NDAG, dags_arg);
    res_t r = call("OPTIONS", "/api/v1/dags/x/runs/y", NULL, NULL, 0);
    CHECK_EQ_INT(r.status, 204);
    CHECK_EQ_STR(r.allow, "GET, DELETE, OPTIONS");
    CHECK_EQ_STR(r.body, "");
    CHECK_EQ_INT(call("OPTIONS", "/nope", NULL, NULL, 0).status, 404);
    r = call("POST", "/api/v1/small", NULL, "{}", 2); /* a POST route beside nothing else */
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(r.allow, "");
    r = get("/api/v1/dags/x/runs/y", NULL); /* a path with two methods */
    CHECK_EQ_INT(r.status, 200);
    CHECK_EQ_STR(r.allow, "");
    teardown();
}

/* --- streamed request bodies --- */

static size_t body_seen;

static int count_body(lh_rest_call_t *c, const char *data, size_t len)
{
    (void)c;
    (void)data;
    body_seen += len;
    return body_seen > 100 ? LH_ETOOBIG : 0;
}

static void h_upload_done(lh_rest_call_t *c)
{
    char n[32];
    snprintf(n, sizeof n, "%zu", body_seen);
    lh_rest_respond(c, 201, "text/plain", n, strlen(n));
}

static void streamed_request_body(void)
{
    static const lh_rest_route_t rt[] = {
        {.method = "PUT",
         .pattern = "/upload/{name}",
         .auth = LH_REST_WRITER,
         .body = LH_REST_BODY_STREAM,
         .on_body = count_body,
         .handler = h_upload_done},
    };
    char big[200];
    setup();
    mount("upload", rt, 1, NULL);
    memset(big, 'u', sizeof big);
    CHECK_EQ_INT(call("PUT", "/upload/a", NULL, big, 50).status, 401); /* auth before the body */
    CHECK_EQ_INT(body_seen, 0);
    res_t r = call("PUT", "/upload/a", basic("wendy", "wendy-secret-1"), big, 50);
    CHECK_EQ_INT(r.status, 201);
    CHECK_EQ_STR(r.body, "50");
    body_seen = 0;
    r = call("PUT", "/upload/a", basic("wendy", "wendy-secret-1"), big, sizeof big);
    CHECK_EQ_INT(r.status, 413);
    teardown();
}

static const lh_test_t tests[] = {
    {"several_path_params", several_path_params},
    {"percent_decoding_of_params", percent_decoding_of_params},
    {"query_parsing", query_parsing},
    {"query_accessors", query_accessors},
    {"pagination", pagination},
    {"order_by_whitelist", order_by_whitelist},
    {"auth_levels", auth_levels},
    {"not_found_method_not_allowed_too_large", not_found_method_not_allowed_too_large},
    {"tables_from_two_roles", tables_from_two_roles},
    {"route_table_checks", route_table_checks},
    {"streamed_sse_and_deferred_answers", streamed_sse_and_deferred_answers},
    {"streamed_request_body", streamed_request_body},
    {"cross_site_requests_refused", cross_site_requests_refused},
    {"buffered_bodies_must_be_json", buffered_bodies_must_be_json},
    {"allow_only_on_405_and_options", allow_only_on_405_and_options},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
