/* REST handlers for users and bearer tokens under /api/v1:
 *   GET    /users                  {"users":[{access_key, role, created}]}      admin
 *   POST   /users                  {access_key, secret_key?, role?} -> 201       admin
 *   DELETE /users/{name}           204 (never the last admin; 409 naming the     admin
 *          [?reassign_to=USER]     buckets it owns, unless they go to USER: 200)
 *   PUT    /users/{name}/secret    {secret_key?, revoke_tokens?} -> 200          admin or self
 *   GET    /tokens                 {"tokens":[{id, owner, name, created}]}       own (admin: all)
 *   POST   /tokens                 {name?, owner?} -> 201 {..., token}           own (admin: any)
 *   DELETE /tokens/{id}            204                                           own (admin: any)
 * A secret the caller did not choose is generated and returned once. The rows
 * form lh_web_user_routes, the table the web role contributes (web_role.c),
 * which the offline CLI runs too (trusted calls act as an admin). The
 * table's arg is the process's role set, where the store role provides the
 * buckets users own (LH_OWNED_BUCKETS, core/owned.h). */
#include <string.h>
#include <time.h>

#include "core/meta.h"
#include "core/owned.h"
#include "core/rest.h"
#include "core/role.h"
#include "web/api.h"

static const char *opt_string(json_t *obj, const char *key, int *bad)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) return NULL;
    if (!json_is_string(v)) {
        *bad = 1;
        return NULL;
    }
    return json_string_value(v);
}

static json_t *user_json(const lh_user_t *u)
{
    return json_pack("{s:s, s:s, s:I}", "access_key", u->access_key, "role", lh_role_name(u->role),
                     "created", (json_int_t)u->created);
}

static int add_user(const lh_user_t *u, void *arg)
{
    json_array_append_new(arg, user_json(u));
    return 0;
}

static void users_list(lh_rest_call_t *c)
{
    json_t *arr = json_array();
    if (!arr || lh_meta_user_list(lh_rest_meta(c), add_user, arr) != 0) {
        json_decref(arr);
        lh_rest_problem(c, 500, "out of memory");
        return;
    }
    lh_rest_json(c, 200, json_pack("{s:o}", "users", arr));
}

/* The secret to set: the one given, or a generated one (then *generated). */
static const char *pick_secret(const char *given, char gen[41], int *generated)
{
    *generated = 0;
    if (given) return given;
    if (lh_meta_gen_secret(gen) != 0) return NULL;
    *generated = 1;
    return gen;
}

static void users_add(lh_rest_call_t *c)
{
    lh_meta_t *meta = lh_rest_meta(c);
    int bad = 0, generated;
    char gen[41];
    lh_err_t err = {0};
    lh_user_t u;
    json_t *body = lh_rest_body_json(c);
    if (!body) return;
    const char *ak = opt_string(body, "access_key", &bad);
    const char *sk = opt_string(body, "secret_key", &bad);
    const char *rolename = opt_string(body, "role", &bad);
    int role = rolename ? lh_role_parse(rolename) : LH_ROLE_READER;
    if (bad || !ak || role < 0) {
        lh_rest_problem(c, 400,
                        !ak && !bad ? "access_key is required"
                        : role < 0  ? "role must be admin, writer or reader"
                                    : "access_key, secret_key and role must be strings");
        goto done;
    }
    if (!(sk = pick_secret(sk, gen, &generated))) {
        lh_rest_problem(c, 500, "cannot generate a secret key");
        goto done;
    }
    if (lh_meta_user_add(meta, ak, sk, role, &err) != 0 || lh_meta_user_get(meta, ak, &u) != 0) {
        lh_rest_error(c, err.code ? err.code : LH_EIO, err.msg);
        goto done;
    }
    json_t *doc = user_json(&u);
    if (generated) json_object_set_new(doc, "secret_key", json_string(sk));
    memset(&u, 0, sizeof u);
    lh_rest_json(c, 201, doc);
done:
    memset(gen, 0, sizeof gen);
    json_decref(body);
}

static int count_admin(const lh_user_t *u, void *arg)
{
    if (u->role == LH_ROLE_ADMIN) (*(int *)arg)++;
    return 0;
}

/* The buckets users own (core/owned.h), from the store role of this process
 * through the role set (the table's arg); NULL when the store does not run
 * here. */
static const lh_owned_t *owned_buckets(const lh_rest_call_t *c)
{
    const lh_roles_t *rs = lh_rest_arg(c);
    return rs ? lh_roles_lookup(rs, LH_OWNED_BUCKETS) : NULL;
}

#define NAMES_SHOWN 20 /* in the detail of a 409; the "buckets" member has up to 1000 */

typedef struct {
    json_t *names;
    int64_t n;
    char text[1024];
} owned_names_t;

static int add_owned(const char *name, void *arg)
{
    owned_names_t *o = arg;
    size_t len = strlen(o->text);
    if (o->n < 1000) json_array_append_new(o->names, json_string(name));
    if (o->n < NAMES_SHOWN)
        snprintf(o->text + len, sizeof o->text - len, "%s%s", o->n ? ", " : "", name);
    o->n++;
    return 0;
}

/* 409 naming the buckets name still owns; 0 when it owns none. */
static int refuse_owner(lh_rest_call_t *c, const lh_owned_t *owned, const char *name)
{
    owned_names_t o = {.names = json_array()};
    char detail[1400];
    if (!o.names || owned->list(owned->ctx, name, add_owned, &o) != 0) {
        json_decref(o.names);
        lh_rest_problem(c, 500, "cannot list the buckets of the user");
        return 1;
    }
    if (o.n == 0) {
        json_decref(o.names);
        return 0;
    }
    snprintf(detail, sizeof detail,
             "user %s owns %lld %s%s: %s%s; delete them first, or give them to another user "
             "with reassign_to (lakehouse user rm %s --reassign-to USER)",
             name, (long long)o.n, owned->what, o.n == 1 ? "" : "s", o.text,
             o.n > NAMES_SHOWN ? ", ..." : "", name);
    lh_rest_problem_ext(
        c, 409, detail,
        json_pack("{s:o, s:I}", "buckets", o.names, "buckets_total", (json_int_t)o.n));
    return 1;
}

/* Who may be removed, and to whom the buckets go: 0, or the problem answered. */
static int check_rm(lh_rest_call_t *c, const char *name, const char *to)
{
    lh_meta_t *meta = lh_rest_meta(c);
    lh_user_t u;
    int admins = 0;
    char msg[300];
    if (lh_meta_user_get(meta, name, &u) != 0) {
        lh_rest_problem(c, 404, "no such user");
        return 1;
    }
    lh_meta_user_list(meta, count_admin, &admins);
    if (u.role == LH_ROLE_ADMIN && admins <= 1) {
        lh_rest_problem(c, 409, "cannot remove the last admin");
        return 1;
    }
    if (to && (!strcmp(to, name) || lh_meta_user_get(meta, to, &u) != 0)) {
        snprintf(msg, sizeof msg, "reassign_to must name another existing user, not '%.200s'", to);
        lh_rest_problem(c, 400, msg);
        return 1;
    }
    return 0;
}

/* DELETE /users/{name}[?reassign_to=USER]: refused (409) while the user owns
 * buckets, unless they go to USER first; buckets made in between are handed
 * over once more after the user is gone. */
static void users_rm(lh_rest_call_t *c)
{
    static const char *const known[] = {"reassign_to", NULL};
    const char *name = lh_rest_param(c, "name"), *to = lh_rest_query(c, "reassign_to");
    const lh_owned_t *owned = owned_buckets(c);
    lh_err_t err = {0};
    int64_t moved = 0, later = 0;
    if (lh_rest_query_only(c, known) || check_rm(c, name, to && *to ? to : NULL)) return;
    if (to && !*to) to = NULL;
    if (!owned) {
        lh_rest_problem(c, 503,
                        "cannot tell which buckets the user owns: the store role does not run in "
                        "this process; remove users where it runs (lakehouse up, serve "
                        "store,web), or offline");
        return;
    }
    if (!to && refuse_owner(c, owned, name)) return;
    if ((to && owned->reassign(owned->ctx, name, to, &moved, &err) != 0) ||
        lh_meta_user_rm(lh_rest_meta(c), name, &err) != 0 ||
        (to && owned->reassign(owned->ctx, name, to, &later, &err) != 0)) {
        lh_rest_error(c, err.code ? err.code : LH_EIO, err.msg);
        return;
    }
    if (!to) {
        lh_rest_respond(c, 204, NULL, NULL, 0);
        return;
    }
    lh_rest_json(c, 200,
                 json_pack("{s:s, s:s, s:I}", "access_key", name, "reassigned_to", to, "buckets",
                           (json_int_t)(moved + later)));
}

static int opt_bool(json_t *obj, const char *key, int *bad)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) return 0;
    if (!json_is_boolean(v)) *bad = 1;
    return json_is_true(v);
}

/* PUT /users/{name}/secret {secret_key?, revoke_tokens?}: the user's tokens
 * stay valid unless revoke_tokens is true (then they go in the same
 * transaction, and "tokens_revoked" counts them). */
static void users_secret(lh_rest_call_t *c)
{
    lh_meta_t *meta = lh_rest_meta(c);
    const lh_user_t *me = lh_rest_user(c);
    const char *name = lh_rest_param(c, "name");
    int bad = 0, generated, revoked = 0;
    char gen[41];
    lh_err_t err = {0};
    lh_user_t u;
    if (me->role != LH_ROLE_ADMIN && strcmp(me->access_key, name)) {
        lh_rest_problem(c, 403, "only an admin may change another user's secret");
        return;
    }
    json_t *body = lh_rest_body_json(c);
    if (!body) return;
    const char *sk = opt_string(body, "secret_key", &bad);
    int revoke = opt_bool(body, "revoke_tokens", &bad);
    if (bad)
        lh_rest_problem(c, 400, "secret_key must be a string and revoke_tokens a boolean");
    else if (!(sk = pick_secret(sk, gen, &generated)))
        lh_rest_problem(c, 500, "cannot generate a secret key");
    else if (lh_meta_user_set_secret(meta, name, sk, revoke, &revoked, &err) != 0 ||
             lh_meta_user_get(meta, name, &u) != 0)
        lh_rest_error(c, err.code ? err.code : LH_ENOENT, err.msg);
    else {
        json_t *doc = user_json(&u);
        if (generated) json_object_set_new(doc, "secret_key", json_string(sk));
        if (revoke) json_object_set_new(doc, "tokens_revoked", json_integer(revoked));
        memset(&u, 0, sizeof u);
        lh_rest_json(c, 200, doc);
    }
    memset(gen, 0, sizeof gen);
    json_decref(body);
}

/* --- tokens --- */

static json_t *token_json(const lh_token_t *t)
{
    return json_pack("{s:s, s:s, s:s, s:I}", "id", t->id, "owner", t->owner, "name", t->name,
                     "created", (json_int_t)t->created);
}

static int add_token(const lh_token_t *t, void *arg)
{
    json_array_append_new(arg, token_json(t));
    return 0;
}

static void tokens_list(lh_rest_call_t *c)
{
    lh_meta_t *meta = lh_rest_meta(c);
    const lh_user_t *me = lh_rest_user(c);
    json_t *arr = json_array();
    const char *owner = me->role == LH_ROLE_ADMIN ? NULL : me->access_key;
    if (!arr || lh_meta_token_list(meta, owner, add_token, arr) != 0) {
        json_decref(arr);
        lh_rest_problem(c, 500, "out of memory");
        return;
    }
    lh_rest_json(c, 200, json_pack("{s:o}", "tokens", arr));
}

static void tokens_create(lh_rest_call_t *c)
{
    lh_meta_t *meta = lh_rest_meta(c);
    const lh_user_t *me = lh_rest_user(c);
    int bad = 0;
    char secret[64];
    lh_token_t t;
    lh_err_t err = {0};
    json_t *body = lh_rest_body_json(c);
    if (!body) return;
    const char *name = opt_string(body, "name", &bad);
    const char *owner = opt_string(body, "owner", &bad);
    if (bad)
        lh_rest_problem(c, 400, "name and owner must be strings");
    else if (owner && me->role != LH_ROLE_ADMIN && strcmp(owner, me->access_key))
        lh_rest_problem(c, 403, "only an admin may create tokens for another user");
    else if (!owner && lh_rest_trusted(c))
        lh_rest_problem(c, 400, "owner is required");
    else if (lh_meta_token_create(meta, owner ? owner : me->access_key, name, &t, secret, &err) !=
             0)
        lh_rest_error(c, err.code, err.msg);
    else {
        json_t *doc = token_json(&t);
        json_object_set_new(doc, "token", json_string(secret));
        lh_rest_json(c, 201, doc);
    }
    memset(secret, 0, sizeof secret);
    json_decref(body);
}

static void tokens_revoke(lh_rest_call_t *c)
{
    lh_meta_t *meta = lh_rest_meta(c);
    const lh_user_t *me = lh_rest_user(c);
    const char *id = lh_rest_param(c, "id");
    lh_token_t t;
    lh_err_t err = {0};
    /* someone else's token is "not found" for a non-admin: ids do not leak */
    if (lh_meta_token_get(meta, id, &t) != 0 ||
        (me->role != LH_ROLE_ADMIN && strcmp(t.owner, me->access_key))) {
        lh_rest_problem(c, 404, "no such token");
        return;
    }
    if (lh_meta_token_revoke(meta, id, &err) != 0) {
        lh_rest_error(c, err.code, err.msg);
        return;
    }
    lh_rest_respond(c, 204, NULL, NULL, 0);
}

/* The web role's REST API (lh_web_role.routes): the role is a ceiling, and
 * "the user itself or an admin" is each handler's own check. */
const lh_rest_route_t lh_web_user_routes[] = {
    {.method = "GET", .pattern = "/api/v1/users", .auth = LH_REST_ADMIN, .handler = users_list},
    {.method = "POST",
     .pattern = "/api/v1/users",
     .auth = LH_REST_ADMIN,
     .body = LH_REST_BODY_BUFFER,
     .blocking = 1,
     .handler = users_add},
    {.method = "DELETE",
     .pattern = "/api/v1/users/{name}",
     .auth = LH_REST_ADMIN,
     .blocking = 1,
     .handler = users_rm},
    {.method = "PUT",
     .pattern = "/api/v1/users/{name}/secret",
     .auth = LH_REST_READER,
     .body = LH_REST_BODY_BUFFER,
     .blocking = 1,
     .handler = users_secret},
    {.method = "GET", .pattern = "/api/v1/tokens", .auth = LH_REST_READER, .handler = tokens_list},
    {.method = "POST",
     .pattern = "/api/v1/tokens",
     .auth = LH_REST_READER,
     .body = LH_REST_BODY_BUFFER,
     .blocking = 1,
     .handler = tokens_create},
    {.method = "DELETE",
     .pattern = "/api/v1/tokens/{id}",
     .auth = LH_REST_READER,
     .blocking = 1,
     .handler = tokens_revoke},
};
_Static_assert(sizeof lh_web_user_routes / sizeof lh_web_user_routes[0] == LH_WEB_NUSER_ROUTES,
               "LH_WEB_NUSER_ROUTES counts lh_web_user_routes");
