/* `lakehouse user ...` and `lakehouse token ...`: clients of the running
 * platform. Each command becomes one REST call under /api/v1 at core.url
 * (LAKEHOUSE_URL) with HTTP Basic (LAKEHOUSE_ACCESS_KEY/LAKEHOUSE_SECRET_KEY)
 * or a bearer token (--token, LAKEHOUSE_TOKEN). When nothing listens there and
 * no process holds the data directory, the same call runs offline through the
 * very same route table (the web role's, core/rest.h) on the data directory
 * itself. */
#include <curl/curl.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/client.h"
#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/datadir.h"
#include "core/meta.h"
#include "core/owned.h"
#include "core/rest.h"
#include "core/role.h"
#include "core/timefmt.h"
#include "core/url.h"
#include "store/engine.h"
#include "web/web.h"

typedef struct {
    lh_config_t *cfg;
    const char *token;
    /* the parsed command line */
    const char *arg; /* NAME or ID */
    const char *role;
    const char *secret;
    const char *name;
    const char *owner;
    const char *reassign_to;
    const char *revoke_tokens; /* "1" when given (a flag without a value) */
    int with_store;            /* offline: open the store too (user rm asks it) */
} client_t;

typedef lh_client_reply_t reply_t;

/* --- transport: HTTP (cmd/client.h), or offline on the data directory --- */

/* Offline, the role set the web role's handlers get as their table's arg:
 * with the store's buckets (core/owned.h) when the call asks for them. */
typedef struct {
    lh_roles_t *roles;
    lh_store_t *st;
    lh_owned_t buckets;
} offline_roles_t;

static int offline_roles(client_t *cl, const char *dir, offline_roles_t *o, lh_err_t *err)
{
    lh_role_ctx_t ctx = {.data_dir = dir, .lake_owner = ""};
    int rc = lh_roles_new(&o->roles, NULL, 0, 0, &ctx);
    if (rc) return lh_err_set(err, rc, "out of memory");
    if (!cl->with_store) return 0;
    if ((rc = lh_store_open(&o->st, dir, err)) != 0) return rc;
    lh_store_owned_buckets(o->st, &o->buckets);
    return lh_roles_provide(o->roles, LH_OWNED_BUCKETS, &o->buckets);
}

static void offline_roles_free(offline_roles_t *o)
{
    lh_roles_free(o->roles);
    lh_store_close(o->st);
}

static int offline_call(client_t *cl, const char *method, const char *path, const char *body,
                        reply_t *r, char *msg, size_t cap)
{
    const char *dir = lh_config_get(cl->cfg, "core.data_dir");
    char fmt[4096];
    int pid;
    lh_err_t err = {0};
    lh_datadir_t *dd = NULL;
    lh_meta_t *meta = NULL;
    size_t n = strlen(msg);
    if (lh_datadir_in_use(dir, &pid)) {
        snprintf(msg + n, cap - n, " (and data directory %s is in use by pid %d)", dir, pid);
        return -1;
    }
    snprintf(fmt, sizeof fmt, "%s/FORMAT", dir);
    if (access(fmt, F_OK) != 0) {
        snprintf(msg + n, cap - n, " (and there is no data directory at %s to edit offline)", dir);
        return -1;
    }
    if (lh_datadir_open(&dd, dir, &err) || lh_meta_open(&meta, dir, &err)) {
        snprintf(msg, cap, "%s", err.msg);
        lh_datadir_close(dd);
        return -1;
    }
    fprintf(stderr, "lakehouse: platform not reachable; working offline on data directory %s\n",
            dir);
    /* the web role's own route table, with the caller acting as an admin */
    offline_roles_t o = {0};
    lh_rest_table_t t = {
        .owner = lh_web_role.name, .routes = lh_web_role.routes, .nroutes = lh_web_role.nroutes};
    lh_rest_router_t *router = NULL;
    lh_rest_call_t *c = NULL;
    int rc = offline_roles(cl, dir, &o, &err);
    t.arg = o.roles;
    if (rc == 0) rc = lh_rest_router_new(&router, meta);
    if (rc == 0) rc = lh_rest_mount(router, &t, &err);
    if (rc == 0) rc = lh_rest_call_new(router, method, path, &c);
    if (rc == 0) {
        size_t len;
        lh_rest_call_set_body(c, body, body ? strlen(body) : 0);
        if (body) lh_rest_call_set_header(c, "Content-Type", "application/json"); /* as online */
        lh_rest_call_trust(c);
        lh_rest_handle(c);
        r->status = lh_rest_call_status(c);
        const char *out = lh_rest_call_output(c, &len);
        lh_buf_append(&r->body, out, len);
    } else {
        snprintf(msg, cap, "%s", err.msg[0] ? err.msg : lh_strerror(rc));
    }
    lh_rest_call_free(c);
    lh_rest_router_free(router);
    offline_roles_free(&o);
    lh_meta_close(meta);
    lh_datadir_close(dd);
    return rc == 0 ? 0 : -1;
}

/* Sends the call; returns the parsed JSON reply (or json null for 204), or
 * NULL after printing the error. */
static json_t *call(client_t *cl, const char *method, const char *path, json_t *body)
{
    reply_t r = {0};
    char msg[1024] = "";
    json_t *doc = NULL;
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    lh_buf_init(&r.body, (size_t)16 << 20);
    int rc = lh_client_http(cl->cfg, cl->token, method, path, text, &r, msg, sizeof msg);
    if (rc == 1) rc = offline_call(cl, method, path, text, &r, msg, sizeof msg);
    free(text);
    if (rc != 0) {
        fprintf(stderr, "lakehouse: %s\n", msg);
        goto done;
    }
    json_error_t je;
    doc = r.body.len ? json_loadb(r.body.ptr, r.body.len, 0, &je) : json_null();
    if (r.status < 200 || r.status > 299) {
        const char *detail = json_string_value(json_object_get(doc, "detail"));
        fprintf(stderr, "lakehouse: %s (HTTP %ld)\n", detail ? detail : "request failed", r.status);
        json_decref(doc);
        doc = NULL;
    } else if (!doc) {
        fprintf(stderr, "lakehouse: bad reply from the platform: %s\n", je.text);
    }
done:
    lh_buf_free(&r.body);
    return doc;
}

/* --- command line --- */

typedef struct {
    const char *flag;
    size_t offset; /* into client_t */
    int no_value;  /* a flag alone: the field becomes "1" */
} opt_t;

#define OPT(f, field)                                                                              \
    {                                                                                              \
        f, offsetof(client_t, field), 0                                                            \
    }
#define FLAG(f, field)                                                                             \
    {                                                                                              \
        f, offsetof(client_t, field), 1                                                            \
    }

static int parse(client_t *cl, int argc, char **argv, const opt_t *opts, int want_arg)
{
    for (int i = 0; i < argc; i++) {
        const opt_t *o = opts;
        while (o->flag && strcmp(o->flag, argv[i]))
            o++;
        if (o->flag && o->no_value) {
            *(const char **)((char *)cl + o->offset) = "1";
        } else if (o->flag) {
            if (i + 1 >= argc) {
                fprintf(stderr, "lakehouse: %s needs a value\n", argv[i]);
                return 2;
            }
            *(const char **)((char *)cl + o->offset) = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "lakehouse: unknown option %s\n", argv[i]);
            return 2;
        } else if (want_arg && !cl->arg) {
            cl->arg = argv[i];
        } else {
            fprintf(stderr, "lakehouse: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (want_arg && !cl->arg) {
        fprintf(stderr, "lakehouse: missing %s\n", want_arg == 1 ? "user name" : "token id");
        return 2;
    }
    return 0;
}

/* s %-encoded as one path segment (malloc'd), or NULL. */
static char *escaped(const char *s)
{
    lh_buf_t b;
    lh_buf_init(&b, 4096);
    if (lh_url_encode(&b, (lh_str_t){s, strlen(s)}, 0) != 0 || lh_buf_puts(&b, "") != 0) {
        lh_buf_free(&b);
        return NULL;
    }
    return lh_buf_take(&b, NULL);
}

static void when(int64_t t, char *out, size_t cap)
{
    if (!lh_time_iso8601_format(t * 1000000000, 0, out, cap))
        snprintf(out, cap, "%lld", (long long)t);
}

static const char *str(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

/* --- user subcommands --- */

static const opt_t user_opts[] = {OPT("--role", role), OPT("--secret", secret), {NULL, 0, 0}};
static const opt_t rm_opts[] = {OPT("--reassign-to", reassign_to), {NULL, 0, 0}};
static const opt_t passwd_opts[] = {
    OPT("--secret", secret), FLAG("--revoke-tokens", revoke_tokens), {NULL, 0, 0}};
static const opt_t no_opts[] = {{NULL, 0, 0}};

static int user_add(client_t *cl)
{
    char gen[41];
    const char *sk = cl->secret;
    if (!sk) {
        if (lh_meta_gen_secret(gen)) {
            fprintf(stderr, "lakehouse: cannot generate a secret key\n");
            return 1;
        }
        sk = gen;
    }
    json_t *body = json_pack("{s:s, s:s, s:s}", "access_key", cl->arg, "secret_key", sk, "role",
                             cl->role ? cl->role : "reader");
    json_t *r = call(cl, "POST", "/api/v1/users", body);
    json_decref(body);
    if (!r) return 1;
    fprintf(stderr, "lakehouse: user %s added with role %s\n", str(r, "access_key"),
            str(r, "role"));
    if (!cl->secret) {
        fprintf(stderr, "lakehouse: its secret key follows; it is shown only once\n");
        printf("%s\n", sk);
    }
    json_decref(r);
    return 0;
}

static int user_list(client_t *cl)
{
    json_t *r = call(cl, "GET", "/api/v1/users", NULL), *u;
    size_t i;
    char t[32];
    if (!r) return 1;
    printf("%-32s %-7s %s\n", "ACCESS KEY", "ROLE", "CREATED");
    json_array_foreach(json_object_get(r, "users"), i, u)
    {
        when(json_integer_value(json_object_get(u, "created")), t, sizeof t);
        printf("%-32s %-7s %s\n", str(u, "access_key"), str(u, "role"), t);
    }
    json_decref(r);
    return 0;
}

/* DELETE <base><name>, then "<done> <name>". */
static int delete_named(client_t *cl, const char *base, const char *done)
{
    char path[1024], *e = escaped(cl->arg);
    snprintf(path, sizeof path, "%s%s", base, e ? e : "");
    free(e);
    json_t *r = call(cl, "DELETE", path, NULL);
    if (!r) return 1;
    printf("%s %s\n", done, cl->arg);
    json_decref(r);
    return 0;
}

/* DELETE /api/v1/users/NAME[?reassign_to=USER]; a user who owns buckets is
 * refused (409, the buckets named) unless they go to USER. */
static int user_rm(client_t *cl)
{
    char path[1024];
    char *e = escaped(cl->arg), *to = cl->reassign_to ? escaped(cl->reassign_to) : NULL;
    snprintf(path, sizeof path, "/api/v1/users/%s%s%s", e ? e : "", to ? "?reassign_to=" : "",
             to ? to : "");
    free(e);
    free(to);
    cl->with_store = 1; /* offline the buckets are checked too */
    json_t *r = call(cl, "DELETE", path, NULL);
    if (!r) return 1;
    printf("removed user %s\n", cl->arg);
    if (cl->reassign_to)
        printf("%lld bucket(s) now belong to %s\n",
               (long long)json_integer_value(json_object_get(r, "buckets")), cl->reassign_to);
    json_decref(r);
    return 0;
}

static int user_passwd(client_t *cl)
{
    char path[1024], gen[41], *e = escaped(cl->arg);
    const char *sk = cl->secret;
    snprintf(path, sizeof path, "/api/v1/users/%s/secret", e ? e : "");
    free(e);
    if (!sk) {
        if (lh_meta_gen_secret(gen)) {
            fprintf(stderr, "lakehouse: cannot generate a secret key\n");
            return 1;
        }
        sk = gen;
    }
    json_t *body =
        json_pack("{s:s, s:b}", "secret_key", sk, "revoke_tokens", cl->revoke_tokens != NULL);
    json_t *r = call(cl, "PUT", path, body);
    json_decref(body);
    if (!r) return 1;
    fprintf(stderr, "lakehouse: secret key of %s changed\n", cl->arg);
    if (cl->revoke_tokens)
        fprintf(stderr, "lakehouse: %lld bearer token(s) of %s revoked\n",
                (long long)json_integer_value(json_object_get(r, "tokens_revoked")), cl->arg);
    else
        fprintf(stderr, "lakehouse: its bearer tokens stay valid (--revoke-tokens revokes them)\n");
    if (!cl->secret) {
        fprintf(stderr, "lakehouse: the new secret key follows; it is shown only once\n");
        printf("%s\n", sk);
    }
    json_decref(r);
    return 0;
}

/* --- token subcommands --- */

static const opt_t token_opts[] = {OPT("--name", name), OPT("--owner", owner), {NULL, 0, 0}};

static int token_create(client_t *cl)
{
    json_t *body = json_object();
    if (cl->name) json_object_set_new(body, "name", json_string(cl->name));
    if (cl->owner)
        json_object_set_new(body, "owner", json_string(cl->owner));
    else if (*lh_config_get(cl->cfg, "core.access_key") && !(cl->token && *cl->token))
        json_object_set_new(body, "owner", json_string(lh_config_get(cl->cfg, "core.access_key")));
    json_t *r = call(cl, "POST", "/api/v1/tokens", body);
    json_decref(body);
    if (!r) return 1;
    fprintf(stderr, "lakehouse: token %s created for %s; it is shown only once\n", str(r, "id"),
            str(r, "owner"));
    printf("%s\n", str(r, "token"));
    json_decref(r);
    return 0;
}

static int token_list(client_t *cl)
{
    json_t *r = call(cl, "GET", "/api/v1/tokens", NULL), *t;
    size_t i;
    char ts[32];
    if (!r) return 1;
    printf("%-16s %-24s %-20s %s\n", "ID", "OWNER", "CREATED", "NAME");
    json_array_foreach(json_object_get(r, "tokens"), i, t)
    {
        when(json_integer_value(json_object_get(t, "created")), ts, sizeof ts);
        printf("%-16s %-24s %-20s %s\n", str(t, "id"), str(t, "owner"), ts, str(t, "name"));
    }
    json_decref(r);
    return 0;
}

static int token_revoke(client_t *cl)
{
    return delete_named(cl, "/api/v1/tokens/", "revoked token");
}

/* --- dispatch --- */

typedef struct {
    const char *name;
    int (*fn)(client_t *);
    int want_arg; /* 0 none, 1 user name, 2 token id */
    const opt_t *opts;
    const char *usage;
} sub_t;

static const sub_t user_subs[] = {
    {"add", user_add, 1, user_opts,
     "add NAME [--role admin|writer|reader] [--secret S]  (role defaults to reader;\n"
     "                 without --secret a secret key is generated and printed once)"},
    {"list", user_list, 0, no_opts, "list"},
    {"rm", user_rm, 1, rm_opts,
     "rm NAME [--reassign-to USER]  (refused while NAME owns buckets, which it names;\n"
     "                 --reassign-to gives them to the existing user USER first)"},
    {"passwd", user_passwd, 1, passwd_opts,
     "passwd NAME [--secret S] [--revoke-tokens]  (without --secret: generated, printed\n"
     "                 once; bearer tokens stay valid unless --revoke-tokens)"},
    {NULL, NULL, 0, NULL, NULL},
};

static const sub_t token_subs[] = {
    {"create", token_create, 0, token_opts,
     "create [--name N] [--owner USER]  (prints the token once)"},
    {"list", token_list, 0, no_opts, "list"},
    {"revoke", token_revoke, 2, no_opts, "revoke ID"},
    {NULL, NULL, 0, NULL, NULL},
};

static void usage(FILE *out, const char *cmd, const sub_t *subs)
{
    fprintf(out, "usage:\n");
    for (const sub_t *s = subs; s->name; s++)
        fprintf(out, "  lakehouse %s %s\n", cmd, s->usage);
    fprintf(out,
            "\nCommon options: --token T (bearer token; also LAKEHOUSE_TOKEN), --core-url URL,\n"
            "--data-dir DIR, --config FILE.\n\n"
            "Mode: a client of the running platform. It calls the REST API under /api/v1 at\n"
            "LAKEHOUSE_URL (default http://127.0.0.1:8080) with HTTP Basic auth from\n"
            "LAKEHOUSE_ACCESS_KEY/LAKEHOUSE_SECRET_KEY, or with a bearer token. Managing users\n"
            "needs the admin role; any user may manage its own tokens.\n"
            "Offline: when nothing listens at LAKEHOUSE_URL and no process holds the data\n"
            "directory (--data-dir, LAKEHOUSE_DATA_DIR), the command edits the data directory\n"
            "directly, without credentials, and says so on stderr.\n");
}

static int is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h");
}

static int run(const char *cmd, const sub_t *subs, int argc, char **argv)
{
    lh_err_t err = {0};
    client_t cl = {0};
    if (argc < 1 || is_help(argv[0])) {
        usage(argc < 1 ? stderr : stdout, cmd, subs);
        return argc < 1 ? 2 : 0;
    }
    const sub_t *s = subs;
    while (s->name && strcmp(s->name, argv[0]))
        s++;
    if (!s->name) {
        fprintf(stderr, "lakehouse: unknown %s command '%s' (see 'lakehouse %s --help')\n", cmd,
                argv[0], cmd);
        return 2;
    }
    for (int i = 1; i < argc; i++)
        if (is_help(argv[i])) {
            usage(stdout, cmd, subs);
            return 0;
        }
    argc--;
    argv++;
    if (lh_config_load(&cl.cfg, &argc, argv, &err) != 0) {
        fprintf(stderr, "lakehouse: %s\n", err.msg);
        return 1;
    }
    cl.token = lh_config_get(cl.cfg, "core.token"); /* --token, LAKEHOUSE_TOKEN */
    int rc = parse(&cl, argc, argv, s->opts, s->want_arg);
    if (rc == 0) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        rc = s->fn(&cl);
        curl_global_cleanup();
    }
    lh_config_free(cl.cfg);
    return rc;
}

int lh_cmd_user(int argc, char **argv)
{
    return run("user", user_subs, argc, argv);
}

int lh_cmd_token(int argc, char **argv)
{
    return run("token", token_subs, argc, argv);
}
