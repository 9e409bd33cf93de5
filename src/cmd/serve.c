/* `lakehouse up` and `lakehouse serve <role>[,<role>...]`: open the data
 * directory (owner lock) and the metadata database, bootstrap the root user,
 * start the process's web listener (/healthz, /readyz, /metrics answer in
 * every process), then the chosen rows of the role table in order on one
 * libuv loop; write run/endpoints.json; with --demo (`up` only) start the
 * demo driver once ready (up_demo.c); on SIGINT/SIGTERM stop the roles in
 * reverse order, then the web listener. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cmd/cmd.h"
#include "cmd/up_demo.h"
#include "core/config.h"
#include "core/datadir.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/meta.h"
#include "core/pool.h"
#include "core/role.h"
#include "web/web.h"

typedef struct {
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    lh_config_t *cfg;
    lh_datadir_t *dd;
    lh_meta_t *meta;
    lh_roles_t *roles;
    lh_web_t *web;
    lh_pool_t *long_pool;
    lh_loop_poster_t *poster;
    int stopping;
    char web_url[160];
    char **demo_args; /* `up --demo`: the flags for `demo run`, else NULL */
    int demo_nargs;
    lh_up_demo_t *demo;
} platform_t;

/* Last step of a stop: the long pool (running jobs see lh_job_cancelled),
 * the poster (completions still queued run with LH_ECANCELED), the signals;
 * then the loop runs dry. */
static void finish_stop(platform_t *p)
{
    if (p->long_pool) {
        lh_pool_destroy(p->long_pool);
        p->long_pool = NULL;
    }
    if (p->poster) {
        lh_loop_poster_close(p->poster);
        p->poster = NULL;
    }
    uv_close((uv_handle_t *)&p->sigint, NULL);
    uv_close((uv_handle_t *)&p->sigterm, NULL);
}

static void web_stopped(void *arg)
{
    finish_stop(arg);
}

/* The roles are down: the web listener (health, readiness) goes last. */
static void roles_stopped(void *arg)
{
    platform_t *p = arg;
    if (p->web) {
        lh_web_stop(p->web, web_stopped, p);
        p->web = NULL;
    } else
        finish_stop(p);
}

static void on_signal(uv_signal_t *h, int signum)
{
    platform_t *p = h->data;
    if (p->stopping++) {
        lh_warn("second signal: exiting now");
        exit(1);
    }
    lh_info("received %s, stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
    lh_up_demo_stop(p->demo);
    lh_roles_stop(p->roles, roles_stopped, p);
}

static int publish(void *arg, const char *key, const char *hostport)
{
    platform_t *p = arg;
    return lh_datadir_set_endpoint(p->dd, key, hostport);
}

static int usage(const char *cmd, int roles_arg)
{
    char names[256];
    lh_roles_names(lh_cmd_roles, lh_cmd_nroles, names, sizeof names);
    printf("usage: lakehouse %s%s%s%s [--data-dir DIR] [--config FILE] [--listen-ephemeral]\n"
           "       %s[--<section>-<key> VALUE]...\n\n",
           cmd, roles_arg ? " <" : "", roles_arg ? names : "", roles_arg ? ">[,<role>...]" : "",
           roles_arg ? "" : "[--demo [--demo-events N] [--demo-hours H] [--demo-seed S]] ");
    if (roles_arg)
        printf("Starts the roles named (one Kubernetes workload per role, one image):\n");
    else
        printf("Starts every role in one process on one data directory:\n");
    for (int i = 0; i < lh_cmd_nroles; i++)
        printf("  %-8s %s\n", lh_cmd_roles[i]->name, lh_cmd_roles[i]->summary);
    printf("\nEvery process answers /healthz, /readyz (each role's state) and /metrics on\n"
           "web.listen (default 127.0.0.1:8080). Port 0 picks a free port; --listen-ephemeral\n"
           "puts every listener not set explicitly on 127.0.0.1:0. Bound addresses are\n"
           "written to <data-dir>/run/endpoints.json. Stops cleanly on SIGINT/SIGTERM.\n"
           "%s",
           roles_arg ? ""
                     : "\n--demo: once ready, runs the demo (`lakehouse demo run`): generates "
                       "token\ntransfers to Kafka, installs the example DAG medallion, runs it "
                       "hour by hour\nto the gold tables and prints them; a second `up --demo` "
                       "on the same data\ndirectory resumes. docs/demo.md.\n");
    printf("\nEvery configuration key is also a flag; see 'lakehouse config show' and "
           "docs/config.md.\n");
    return 0;
}

/* Root user: from LAKEHOUSE_ACCESS_KEY/SECRET_KEY, or generated once. owner
 * receives the access key that owns the lake ("" when root existed and no
 * key was given). */
static int bootstrap_root(platform_t *p, char *owner, size_t cap, lh_err_t *err)
{
    const char *ak = lh_config_get(p->cfg, "core.access_key");
    const char *sk = lh_config_get(p->cfg, "core.secret_key");
    char gen_ak[64] = "", gen_sk[64] = "";
    int generated = 0;
    if ((ak[0] != 0) != (sk[0] != 0))
        return lh_err_set(err, LH_EINVAL,
                          "set both LAKEHOUSE_ACCESS_KEY and LAKEHOUSE_SECRET_KEY, or neither");
    int rc = lh_meta_ensure_root(p->meta, ak[0] ? ak : NULL, sk[0] ? sk : NULL, gen_ak, gen_sk,
                                 &generated, err);
    if (rc) return rc;
    if (generated) {
        lh_warn("generated root credentials (shown once; set LAKEHOUSE_ACCESS_KEY and "
                "LAKEHOUSE_SECRET_KEY to choose your own)");
        fprintf(stderr, "\n    access key: %s\n    secret key: %s\n\n", gen_ak, gen_sk);
    }
    snprintf(owner, cap, "%s", ak[0] ? ak : gen_ak);
    return 0;
}

/* The web listener of this process, provided to the roles as "web.listener". */
static int start_web(platform_t *p, lh_err_t *err)
{
    char bound[128];
    int rc = lh_web_start(&p->loop, p->cfg, p->meta, p->roles, &p->web, bound, sizeof bound, err);
    if (rc) return rc;
    int tls = lh_config_get(p->cfg, "web.tls_cert")[0] != 0;
    lh_info("web listening on %s%s", bound, tls ? " (tls)" : "");
    snprintf(p->web_url, sizeof p->web_url, "%s://%s", tls ? "https" : "http", bound);
    if ((rc = lh_datadir_set_endpoint(p->dd, "web", bound)) != 0)
        return lh_err_set(err, rc, "cannot write run/endpoints.json");
    return lh_roles_provide(p->roles, "web.listener", p->web);
}

/* Runs the loop until every handle closed, then frees the roles. */
static void drain(platform_t *p)
{
    uv_run(&p->loop, UV_RUN_DEFAULT);
    uv_loop_close(&p->loop);
    lh_roles_free(p->roles);
    p->roles = NULL;
}

static int serve(platform_t *p, unsigned mask, const char *owner, lh_err_t *err)
{
    const char *dir = lh_config_get(p->cfg, "core.data_dir");
    lh_role_ctx_t ctx = {.cfg = p->cfg, .meta = p->meta, .data_dir = dir, .lake_owner = owner};
    lh_pool_opts_t po = {.name = "long",
                         .threads = (int)lh_config_int(p->cfg, "core.long_threads"),
                         .queue_max = (int)lh_config_int(p->cfg, "core.long_queue")};
    uv_loop_init(&p->loop);
    ctx.loop = &p->loop;
    int rc = lh_pool_new(&po, &p->long_pool, err);
    if (rc == 0 && (rc = lh_loop_poster_new(&p->loop, &p->poster)) != 0)
        lh_err_set(err, rc, "cannot create the loop poster");
    ctx.long_pool = p->long_pool;
    ctx.poster = p->poster;
    if (rc == 0 && (rc = lh_roles_new(&p->roles, lh_cmd_roles, lh_cmd_nroles, mask, &ctx)) != 0)
        lh_err_set(err, rc, "out of memory");
    if (rc) {
        if (p->long_pool) lh_pool_destroy(p->long_pool);
        if (p->poster) lh_loop_poster_close(p->poster);
        uv_run(&p->loop, UV_RUN_DEFAULT);
        uv_loop_close(&p->loop);
        return rc;
    }
    lh_roles_set_publisher(p->roles, publish, p);
    uv_signal_init(&p->loop, &p->sigint);
    uv_signal_init(&p->loop, &p->sigterm);
    p->sigint.data = p->sigterm.data = p;
    uv_signal_start(&p->sigint, on_signal, SIGINT);
    uv_signal_start(&p->sigterm, on_signal, SIGTERM);
    if ((rc = start_web(p, err)) != 0 || (rc = lh_roles_start(p->roles, err)) != 0) {
        p->stopping = 1; /* the roles already started are stopping */
        lh_roles_stop(p->roles, roles_stopped, p);
        drain(p);
        return rc;
    }
    lh_info("lakehouse %s ready (data directory %s)", LH_VERSION, dir);
    if (p->demo_args && lh_up_demo_start(&p->loop, p->meta, p->web_url, p->demo_args, p->demo_nargs,
                                         &p->demo, err) != 0)
        lh_error("demo: %s", err->msg);
    drain(p);
    lh_info("stopped");
    return 0;
}

static int run(unsigned mask, int argc, char **argv, char **demo_args)
{
    platform_t p = {.demo_args = demo_args, .demo_nargs = argc};
    lh_err_t err = {0};
    int rc, code = 1;
    char owner[160] = "";
    if ((rc = lh_config_load(&p.cfg, &argc, argv, &err)) != 0) {
        fprintf(stderr, "lakehouse: %s\n", err.msg);
        return 2;
    }
    if (argc > 0) {
        fprintf(stderr, "lakehouse: unknown argument '%s' (see --help)\n", argv[0]);
        lh_config_free(p.cfg);
        return 2;
    }
    if (lh_log_init(lh_config_get(p.cfg, "core.log_format"),
                    lh_config_get(p.cfg, "core.log_level"))) {
        fprintf(stderr, "lakehouse: bad core.log_format or core.log_level\n");
        lh_config_free(p.cfg);
        return 2;
    }
    lh_work_init((int)lh_config_int(p.cfg, "core.worker_threads"));
    signal(SIGPIPE, SIG_IGN);
    const char *dir = lh_config_get(p.cfg, "core.data_dir");
    if ((rc = lh_datadir_open(&p.dd, dir, &err)) != 0 ||
        (rc = lh_meta_open(&p.meta, dir, &err)) != 0 ||
        (rc = bootstrap_root(&p, owner, sizeof owner, &err)) != 0)
        goto fail;
    if (!owner[0]) { /* root existed already: the lake belongs to the first admin */
        lh_user_t u;
        const char *ak = lh_config_get(p.cfg, "core.access_key");
        if (ak[0] && lh_meta_user_get(p.meta, ak, &u) == 0) snprintf(owner, sizeof owner, "%s", ak);
    }
    if ((rc = serve(&p, mask, owner, &err)) != 0) goto fail;
    code = 0;
    goto out;
fail:
    lh_error("%s", err.msg[0] ? err.msg : lh_strerror(rc));
out:
    if (p.meta) lh_meta_close(p.meta);
    if (p.dd) lh_datadir_close(p.dd);
    lh_config_free(p.cfg);
    return code;
}

static int wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
    return 0;
}

int lh_cmd_up(int argc, char **argv)
{
    if (wants_help(argc, argv)) return usage("up", 0);
    /* --demo is not a configuration key: taken out here; the other
     * arguments go to `demo run` too (the config loader reorders argv) */
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    char **child = calloc((size_t)argc + 1, sizeof *child);
    int n = 0, demo = 0;
    for (int i = 0; rest && child && i < argc; i++)
        if (!strcmp(argv[i], "--demo"))
            demo = 1;
        else
            rest[n] = child[n] = argv[i], n++;
    int rc = rest && child ? run((1u << lh_cmd_nroles) - 1, n, rest, demo ? child : NULL) : 1;
    free(rest);
    free(child);
    return rc;
}

int lh_cmd_serve(int argc, char **argv)
{
    char names[256];
    unsigned mask;
    lh_err_t err = {0};
    if (wants_help(argc, argv)) return usage("serve", 1);
    lh_roles_names(lh_cmd_roles, lh_cmd_nroles, names, sizeof names);
    if (argc < 1 || argv[0][0] == '-') {
        fprintf(stderr, "lakehouse: serve needs a role: %s (several: store,web)\n", names);
        return 2;
    }
    if (lh_roles_parse(lh_cmd_roles, lh_cmd_nroles, argv[0], &mask, &err) != 0) {
        fprintf(stderr, "lakehouse: %s\n", err.msg);
        return 2;
    }
    return run(mask, argc - 1, argv + 1, NULL);
}
