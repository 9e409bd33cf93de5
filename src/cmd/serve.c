/* `lakehouse up` and `lakehouse serve <role>`: open the data directory (owner
 * lock), the metadata database and the store, bootstrap the root user and the
 * lake bucket, start the listeners of the chosen roles on one libuv loop, write
 * run/endpoints.json, and stop cleanly on SIGINT/SIGTERM. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "cmd/cmd.h"
#include "core/config.h"
#include "core/datadir.h"
#include "core/log.h"
#include "core/loop.h"
#include "core/meta.h"
#include "store/engine.h"
#include "store/s3.h"
#include "web/web.h"

enum { ROLE_STORE = 1, ROLE_WEB = 2 };

typedef struct {
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    lh_config_t *cfg;
    lh_datadir_t *dd;
    lh_meta_t *meta;
    lh_store_t *st;
    lh_s3_t *s3;
    lh_web_t *web;
    int pending_stops;
    int stopping;
} platform_t;

static void stop_done(void *arg)
{
    platform_t *p = arg;
    if (--p->pending_stops == 0) {
        uv_close((uv_handle_t *)&p->sigint, NULL);
        uv_close((uv_handle_t *)&p->sigterm, NULL);
    }
}

static void on_signal(uv_signal_t *h, int signum)
{
    platform_t *p = h->data;
    if (p->stopping++) {
        lh_warn("second signal: exiting now");
        exit(1);
    }
    lh_info("received %s, stopping", signum == SIGINT ? "SIGINT" : "SIGTERM");
    p->pending_stops = 1; /* released below, so stop_done runs after every stop call */
    if (p->web)
        lh_web_set_ready(p->web, 0);
    if (p->s3) {
        p->pending_stops++;
        lh_s3_stop(p->s3, stop_done, p);
        p->s3 = NULL;
    }
    if (p->web) {
        p->pending_stops++;
        lh_web_stop(p->web, stop_done, p);
        p->web = NULL;
    }
    stop_done(p);
}

static int usage(const char *cmd, int roles_arg)
{
    printf("usage: lakehouse %s%s [--data-dir DIR] [--config FILE] [--<section>-<key> VALUE]...\n\n",
           cmd, roles_arg ? " <store|web>" : "");
    if (roles_arg)
        printf("Starts one role (one Kubernetes workload per role, one image):\n"
               "  store   the S3 API (store.listen) plus health and metrics (web.listen)\n"
               "  web     the web listener: REST API, /metrics, /healthz, /readyz\n");
    else
        printf("Starts every role in one process on one data directory: the S3 API on\n"
               "store.listen (default 127.0.0.1:9000) and the web listener on web.listen\n"
               "(default 127.0.0.1:8080). Port 0 picks a free port; bound addresses are\n"
               "written to <data-dir>/run/endpoints.json. Stops cleanly on SIGINT/SIGTERM.\n");
    printf("\nEvery configuration key is also a flag; see 'lakehouse config show' and docs/config.md.\n");
    return 0;
}

static int start_roles(platform_t *p, int roles, lh_err_t *err)
{
    char bound[128];
    if (roles & ROLE_STORE) {
        int rc = lh_s3_start(&p->loop, p->cfg, p->meta, p->st, &p->s3, bound, sizeof bound, err);
        if (rc)
            return rc;
        lh_info("s3 listening on %s%s", bound,
                lh_config_get(p->cfg, "store.tls_cert")[0] ? " (tls)" : "");
        lh_datadir_set_endpoint(p->dd, "s3", bound);
    }
    int rc = lh_web_start(&p->loop, p->cfg, p->meta, &p->web, bound, sizeof bound, err);
    if (rc)
        return rc;
    lh_info("web listening on %s%s", bound,
            lh_config_get(p->cfg, "web.tls_cert")[0] ? " (tls)" : "");
    lh_datadir_set_endpoint(p->dd, "web", bound);
    return 0;
}

/* Root user: from LAKEHOUSE_ACCESS_KEY/SECRET_KEY, or generated once. */
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
    if (rc)
        return rc;
    if (generated) {
        lh_warn("generated root credentials (shown once; set LAKEHOUSE_ACCESS_KEY and "
                "LAKEHOUSE_SECRET_KEY to choose your own)");
        fprintf(stderr, "\n    access key: %s\n    secret key: %s\n\n", gen_ak, gen_sk);
    }
    snprintf(owner, cap, "%s", ak[0] ? ak : gen_ak);
    return 0;
}

static int run(int roles, int argc, char **argv)
{
    platform_t p = {0};
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
    if (lh_log_init(lh_config_get(p.cfg, "core.log_format"), lh_config_get(p.cfg, "core.log_level"))) {
        fprintf(stderr, "lakehouse: bad core.log_format or core.log_level\n");
        lh_config_free(p.cfg);
        return 2;
    }
    lh_work_init((int)lh_config_int(p.cfg, "core.worker_threads"));
    signal(SIGPIPE, SIG_IGN);
    const char *dir = lh_config_get(p.cfg, "core.data_dir");
    if ((rc = lh_datadir_open(&p.dd, dir, &err)) != 0)
        goto fail;
    if ((rc = lh_meta_open(&p.meta, dir, &err)) != 0)
        goto fail;
    if ((rc = bootstrap_root(&p, owner, sizeof owner, &err)) != 0)
        goto fail;
    if ((rc = lh_store_open(&p.st, dir, &err)) != 0)
        goto fail;
    int64_t inline_max = lh_config_int(p.cfg, "store.inline_max");
    if (inline_max < 0 || lh_store_set_inline_max(p.st, (size_t)inline_max) != 0) {
        rc = lh_err_set(&err, LH_EINVAL, "store.inline_max must be between 0 and 1048576");
        goto fail;
    }
    if (!owner[0]) { /* root existed already: the lake belongs to the first admin */
        lh_user_t u;
        const char *ak = lh_config_get(p.cfg, "core.access_key");
        if (ak[0] && lh_meta_user_get(p.meta, ak, &u) == 0)
            snprintf(owner, sizeof owner, "%s", ak);
    }
    if ((roles & ROLE_STORE) && owner[0] && (rc = lh_s3_init_lake(p.st, p.cfg, owner, &err)) != 0)
        goto fail;
    uv_loop_init(&p.loop);
    uv_signal_init(&p.loop, &p.sigint);
    uv_signal_init(&p.loop, &p.sigterm);
    p.sigint.data = p.sigterm.data = &p;
    uv_signal_start(&p.sigint, on_signal, SIGINT);
    uv_signal_start(&p.sigterm, on_signal, SIGTERM);
    if ((rc = start_roles(&p, roles, &err)) != 0) {
        if (p.s3)
            lh_s3_stop(p.s3, NULL, NULL);
        uv_close((uv_handle_t *)&p.sigint, NULL);
        uv_close((uv_handle_t *)&p.sigterm, NULL);
        uv_run(&p.loop, UV_RUN_DEFAULT);
        uv_loop_close(&p.loop);
        goto fail;
    }
    lh_web_set_ready(p.web, 1);
    lh_info("lakehouse %s ready (data directory %s)", LH_VERSION, dir);
    uv_run(&p.loop, UV_RUN_DEFAULT);
    uv_loop_close(&p.loop);
    lh_info("stopped");
    code = 0;
    goto out;
fail:
    lh_error("%s", err.msg[0] ? err.msg : lh_strerror(rc));
out:
    if (p.st)
        lh_store_close(p.st);
    if (p.meta)
        lh_meta_close(p.meta);
    if (p.dd)
        lh_datadir_close(p.dd);
    lh_config_free(p.cfg);
    return code;
}

static int wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

int lh_cmd_up(int argc, char **argv)
{
    if (wants_help(argc, argv))
        return usage("up", 0);
    return run(ROLE_STORE | ROLE_WEB, argc, argv);
}

int lh_cmd_serve(int argc, char **argv)
{
    if (wants_help(argc, argv))
        return usage("serve", 1);
    if (argc < 1) {
        fprintf(stderr, "lakehouse: serve needs a role: store | web\n");
        return 2;
    }
    int roles = !strcmp(argv[0], "store") ? ROLE_STORE | ROLE_WEB : !strcmp(argv[0], "web") ? ROLE_WEB : 0;
    if (!roles) {
        fprintf(stderr, "lakehouse: unknown role '%s' (store | web)\n", argv[0]);
        return 2;
    }
    return run(roles, argc - 1, argv + 1);
}
