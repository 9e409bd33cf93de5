/* What the platform gives every task (flow/task.h lh_flow_platform_t): the
 * binary itself, flow.python, the endpoints of run/endpoints.json (read
 * again while one is still unknown, since the web role starts after flow),
 * unless lake.endpoint / kafka.bootstrap_servers name others (a flow-only
 * process on Kubernetes), the lake's bucket and region, and the task credential: the writer user
 * lakehouse-task, made once with a generated secret that the metadata
 * database keeps sealed. The orchestrator's own environment is copied once
 * as the base of every task's. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "flow/exec_int.h"
#include "flow/flow_int.h"

extern char **environ;

static int task_credential(lh_flow_t *f, lh_err_t *err)
{
    lh_user_t u;
    if (lh_meta_user_get(f->meta, LH_FLOW_TASK_USER, &u) == LH_ENOENT) {
        char secret[41];
        int rc = lh_meta_gen_secret(secret);
        if (!rc) rc = lh_meta_user_add(f->meta, LH_FLOW_TASK_USER, secret, LH_ROLE_WRITER, err);
        if (rc && rc != LH_EEXIST) return rc;
        if (lh_meta_user_get(f->meta, LH_FLOW_TASK_USER, &u))
            return lh_err_set(err, LH_EIO, "no %s", LH_FLOW_TASK_USER);
        lh_info("flow: created the task user %s", LH_FLOW_TASK_USER);
    }
    f->task_ak = strdup(u.access_key);
    f->task_sk = strdup(u.secret_key);
    memset(&u, 0, sizeof u);
    return f->task_ak && f->task_sk ? 0 : LH_ENOMEM;
}

static int copy_env(lh_flow_t *f)
{
    int n = 0;
    while (environ[n])
        n++;
    f->base_env = calloc((size_t)n + 1, sizeof *f->base_env);
    if (!f->base_env) return LH_ENOMEM;
    for (int i = 0; i < n; i++)
        if (!(f->base_env[i] = strdup(environ[i]))) return LH_ENOMEM;
    return 0;
}

int lh__flow_platform_init(lh_flow_t *f, lh_err_t *err)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return lh_err_set(err, LH_EIO, "cannot resolve /proc/self/exe");
    exe[n] = 0;
    if (!(f->self_exe = strdup(exe))) return LH_ENOMEM;
    int rc = task_credential(f, err);
    if (!rc) rc = copy_env(f);
    if (rc) return rc;
    lh_flow_platform_t *p = &f->pf;
    p->self_exe = f->self_exe;
    p->data_dir = f->data_dir;
    p->python = f->python;
    p->region = lh_config_get(f->cfg, "lake.region");
    p->bucket = lh_config_get(f->cfg, "lake.bucket");
    p->access_key = f->task_ak, p->secret_key = f->task_sk;
    const char *sasl = lh_config_get(f->cfg, "stream.sasl");
    if (sasl[0]) {
        static char mech[64];
        snprintf(mech, sizeof mech, "%.*s", (int)strcspn(sasl, ", "), sasl);
        p->kafka_sasl_mechanism = mech;
    }
    p->base_env = (const char *const *)f->base_env;
    p->memory_limit = f->task_memory_limit;
    /* the SQL tasks' scan cache: the one configured, else the data directory's */
    const char *cache = lh_config_get(f->cfg, "sql.cache_dir");
    size_t cl = strlen(f->data_dir) + 16;
    if (cache[0] ? !(f->sql_cache_dir = strdup(cache)) : !(f->sql_cache_dir = malloc(cl)))
        return LH_ENOMEM;
    if (!cache[0]) snprintf(f->sql_cache_dir, cl, "%s/cache/sql", f->data_dir);
    p->sql_cache_dir = f->sql_cache_dir;
    return 0;
}

static char *endpoint(json_t *doc, const char *key, const char *scheme)
{
    const char *v = json_string_value(json_object_get(doc, key));
    if (!v) return NULL;
    size_t n = strlen(v) + 16;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s%s", scheme, v);
    return s;
}

/* A configured address (lake.endpoint, kafka.bootstrap_servers: a role
 * of its own elsewhere, or any S3 / Kafka) wins over this process's own. */
static char *configured(const lh_flow_t *f, const char *key)
{
    const char *v = lh_config_get(f->cfg, key);
    return v[0] ? strdup(v) : NULL;
}

void lh__flow_platform_refresh(lh_flow_t *f)
{
    if (!f->ep_s3) f->ep_s3 = configured(f, "lake.endpoint");
    if (!f->ep_kafka) f->ep_kafka = configured(f, "kafka.bootstrap_servers");
    if (f->ep_s3 && f->ep_web && f->ep_kafka) return;
    /* a role of another process never appears here: read the file at most
     * every 100 ms, not on every dispatch */
    int64_t now = lh__flow_clock_us(f);
    if (now - f->ep_checked_us < 100000) return;
    f->ep_checked_us = now;
    char path[4096];
    snprintf(path, sizeof path, "%s/run/endpoints.json", f->data_dir);
    json_t *doc = json_load_file(path, 0, NULL);
    if (!doc) return;
    const char *web_scheme = lh_config_get(f->cfg, "web.tls_cert")[0] ? "https://" : "http://";
    const char *s3_scheme = lh_config_get(f->cfg, "store.tls_cert")[0] ? "https://" : "http://";
    if (!f->ep_s3 && (f->ep_s3 = endpoint(doc, "s3", s3_scheme)) && !strcmp(s3_scheme, "http://"))
        f->ep_s3_unix = endpoint(doc, "s3_unix", ""); /* published before s3 */
    if (!f->ep_kafka) f->ep_kafka = endpoint(doc, "kafka", "");
    if (!f->ep_web) f->ep_web = endpoint(doc, "web", web_scheme);
    json_decref(doc);
    f->pf.s3_url = f->ep_s3, f->pf.s3_socket = f->ep_s3_unix, f->pf.kafka = f->ep_kafka,
    f->pf.web_url = f->ep_web;
}

void lh__flow_platform_free(lh_flow_t *f)
{
    if (f->task_sk) memset(f->task_sk, 0, strlen(f->task_sk));
    free(f->task_ak);
    free(f->task_sk);
    free(f->self_exe);
    free(f->ep_s3);
    free(f->ep_s3_unix);
    free(f->sql_cache_dir);
    free(f->ep_kafka);
    free(f->ep_web);
    if (f->base_env)
        for (int i = 0; f->base_env[i]; i++)
            free(f->base_env[i]);
    free(f->base_env);
}

void lh__flow_write_log(const char *path, const char *text)
{
    lh__flow_make_parents(path);
    FILE *fp = fopen(path, "a");
    if (!fp) return;
    fprintf(fp, "[lakehouse flow] the try could not start: %s\n", text);
    fclose(fp);
}
