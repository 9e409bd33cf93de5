/* REST handlers for users and bearer tokens under /api/v1:
 *   GET    /users                  {"users":[{access_key, role, created}]}      admin
 *   POST   /users                  {access_key, secret_key?, role?} -> 201       admin
 *   DELETE /users/{name}           204 (never the last admin)                   admin
 *   PUT    /users/{name}/secret    {secret_key?} -> 200                          admin or self
 *   GET    /tokens                 {"tokens":[{id, owner, name, created}]}       own (admin: all)
 *   POST   /tokens                 {name?, owner?} -> 201 {..., token}           own (admin: any)
 *   DELETE /tokens/{id}            204                                           own (admin: any)
 * A secret the caller did not choose is generated and returned once. */
#include <string.h>
#include <time.h>

#include "core/meta.h"
#include "web/web_int.h"

static const char *opt_string(json_t *obj, const char *key, int *bad)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return NULL;
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

void lh__web_users_list(lh_web_api_t *api, lh_web_call_t *c)
{
    json_t *arr = json_array();
    if (!arr || lh_meta_user_list(api->meta, add_user, arr) != 0) {
        json_decref(arr);
        lh_web_problem(c, 500, "out of memory");
        return;
    }
    lh__web_json(c, 200, json_pack("{s:o}", "users", arr));
}

/* The secret to set: the one given, or a generated one (then *generated). */
static const char *pick_secret(const char *given, char gen[41], int *generated)
{
    *generated = 0;
    if (given)
        return given;
    if (lh_meta_gen_secret(gen) != 0)
        return NULL;
    *generated = 1;
    return gen;
}

void lh__web_users_add(lh_web_api_t *api, lh_web_call_t *c)
{
    int bad = 0, generated;
    char gen[41];
    lh_err_t err = {0};
    lh_user_t u;
    json_t *body = lh__web_body_object(c);
    if (!body)
        return;
    const char *ak = opt_string(body, "access_key", &bad);
    const char *sk = opt_string(body, "secret_key", &bad);
    const char *rolename = opt_string(body, "role", &bad);
    int role = rolename ? lh_role_parse(rolename) : LH_ROLE_READER;
    if (bad || !ak || role < 0) {
        lh_web_problem(c, 400, !ak && !bad ? "access_key is required"
                               : role < 0  ? "role must be admin, writer or reader"
                                           : "access_key, secret_key and role must be strings");
        goto done;
    }
    if (!(sk = pick_secret(sk, gen, &generated))) {
        lh_web_problem(c, 500, "cannot generate a secret key");
        goto done;
    }
    if (lh_meta_user_add(api->meta, ak, sk, role, &err) != 0 ||
        lh_meta_user_get(api->meta, ak, &u) != 0) {
        lh__web_error(c, err.code ? err.code : LH_EIO, err.msg);
        goto done;
    }
    json_t *doc = user_json(&u);
    if (generated)
        json_object_set_new(doc, "secret_key", json_string(sk));
    memset(&u, 0, sizeof u);
    lh__web_json(c, 201, doc);
done:
    memset(gen, 0, sizeof gen);
    json_decref(body);
}

static int count_admin(const lh_user_t *u, void *arg)
{
    if (u->role == LH_ROLE_ADMIN)
        (*(int *)arg)++;
    return 0;
}

void lh__web_users_rm(lh_web_api_t *api, lh_web_call_t *c)
{
    lh_err_t err = {0};
    lh_user_t u;
    int admins = 0;
    if (lh_meta_user_get(api->meta, c->param, &u) != 0) {
        lh_web_problem(c, 404, "no such user");
        return;
    }
    lh_meta_user_list(api->meta, count_admin, &admins);
    if (u.role == LH_ROLE_ADMIN && admins <= 1) {
        lh_web_problem(c, 409, "cannot remove the last admin");
        return;
    }
    if (lh_meta_user_rm(api->meta, c->param, &err) != 0) {
        lh__web_error(c, err.code, err.msg);
        return;
    }
    lh_buf_reset(&c->out);
    c->status = 204;
    c->content_type = NULL;
}

void lh__web_users_secret(lh_web_api_t *api, lh_web_call_t *c)
{
    int bad = 0, generated;
    char gen[41];
    lh_err_t err = {0};
    lh_user_t u;
    if (c->user.role != LH_ROLE_ADMIN && strcmp(c->user.access_key, c->param)) {
        lh_web_problem(c, 403, "only an admin may change another user's secret");
        return;
    }
    json_t *body = lh__web_body_object(c);
    if (!body)
        return;
    const char *sk = opt_string(body, "secret_key", &bad);
    if (bad)
        lh_web_problem(c, 400, "secret_key must be a string");
    else if (!(sk = pick_secret(sk, gen, &generated)))
        lh_web_problem(c, 500, "cannot generate a secret key");
    else if (lh_meta_user_passwd(api->meta, c->param, sk, &err) != 0 ||
             lh_meta_user_get(api->meta, c->param, &u) != 0)
        lh__web_error(c, err.code ? err.code : LH_ENOENT, err.msg);
    else {
        json_t *doc = user_json(&u);
        if (generated)
            json_object_set_new(doc, "secret_key", json_string(sk));
        memset(&u, 0, sizeof u);
        lh__web_json(c, 200, doc);
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

void lh__web_tokens_list(lh_web_api_t *api, lh_web_call_t *c)
{
    json_t *arr = json_array();
    const char *owner = c->user.role == LH_ROLE_ADMIN ? NULL : c->user.access_key;
    if (!arr || lh_meta_token_list(api->meta, owner, add_token, arr) != 0) {
        json_decref(arr);
        lh_web_problem(c, 500, "out of memory");
        return;
    }
    lh__web_json(c, 200, json_pack("{s:o}", "tokens", arr));
}

void lh__web_tokens_create(lh_web_api_t *api, lh_web_call_t *c)
{
    int bad = 0;
    char secret[64];
    lh_token_t t;
    lh_err_t err = {0};
    json_t *body = lh__web_body_object(c);
    if (!body)
        return;
    const char *name = opt_string(body, "name", &bad);
    const char *owner = opt_string(body, "owner", &bad);
    if (bad)
        lh_web_problem(c, 400, "name and owner must be strings");
    else if (owner && c->user.role != LH_ROLE_ADMIN && strcmp(owner, c->user.access_key))
        lh_web_problem(c, 403, "only an admin may create tokens for another user");
    else if (!owner && c->trusted)
        lh_web_problem(c, 400, "owner is required");
    else if (lh_meta_token_create(api->meta, owner ? owner : c->user.access_key, name, &t, secret,
                                  &err) != 0)
        lh__web_error(c, err.code, err.msg);
    else {
        json_t *doc = token_json(&t);
        json_object_set_new(doc, "token", json_string(secret));
        lh__web_json(c, 201, doc);
    }
    memset(secret, 0, sizeof secret);
    json_decref(body);
}

void lh__web_tokens_revoke(lh_web_api_t *api, lh_web_call_t *c)
{
    lh_token_t t;
    lh_err_t err = {0};
    /* someone else's token is "not found" for a non-admin: ids do not leak */
    if (lh_meta_token_get(api->meta, c->param, &t) != 0 ||
        (c->user.role != LH_ROLE_ADMIN && strcmp(t.owner, c->user.access_key))) {
        lh_web_problem(c, 404, "no such token");
        return;
    }
    if (lh_meta_token_revoke(api->meta, c->param, &err) != 0) {
        lh__web_error(c, err.code, err.msg);
        return;
    }
    lh_buf_reset(&c->out);
    c->status = 204;
    c->content_type = NULL;
}
