/* The environment of every task (issue 10, "Task environment"): the
 * orchestrator's environment without the platform's own secrets (the root
 * keys, tokens, anything named like a secret or password, every AWS_* and
 * KAFKA_SASL_* variable already there), then the run context
 * (LAKEHOUSE_CTX_*, rendered as the templates render them), then platform
 * access carrying the task credential (AWS_*, KAFKA_*, LAKEHOUSE_URL, the
 * lake.* keys and LAKEHOUSE_ACCESS_KEY/SECRET_KEY so `lakehouse` children
 * reach the lake as lakehouse-task), and last the task's own `env` map,
 * rendered. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "flow/task_int.h"

/* A variable of the orchestrator's environment the task must not see. */
static int platform_secret(const char *kv)
{
    static const char *const exact[] = {"LAKEHOUSE_ACCESS_KEY", "LAKEHOUSE_SECRET_KEY",
                                        "LAKEHOUSE_TOKEN", NULL};
    static const char *const prefix[] = {"AWS_", "KAFKA_SASL_", "LAKEHOUSE_CTX_", NULL};
    const char *eq = strchr(kv, '=');
    size_t kl = eq ? (size_t)(eq - kv) : strlen(kv);
    for (int i = 0; exact[i]; i++)
        if (kl == strlen(exact[i]) && !strncmp(kv, exact[i], kl)) return 1;
    for (int i = 0; prefix[i]; i++)
        if (!strncmp(kv, prefix[i], strlen(prefix[i]))) return 1;
    if (strncmp(kv, "LAKEHOUSE_", 10)) return 0;
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)kl, kv);
    return strstr(key, "SECRET") || strstr(key, "PASSWORD");
}

typedef struct {
    const char *name, *tmpl; /* LAKEHOUSE_CTX_<name>: the template's rendering, or NULL */
} ctx_row_t;

static const ctx_row_t ctx_rows[] = {
    {.name = "DS", .tmpl = "{{ ds }}"},
    {.name = "DATA_INTERVAL_START", .tmpl = "{{ data_interval_start }}"},
    {.name = "DATA_INTERVAL_END", .tmpl = "{{ data_interval_end }}"},
    {.name = "LOGICAL_DATE", .tmpl = "{{ logical_date }}"},
};

int lh__flow_ctx_each(lh__flow_job_t *j, void (*cb)(void *arg, const char *name, const char *v),
                      void *arg)
{
    char try_s[24];
    snprintf(try_s, sizeof try_s, "%lld", (long long)j->rc->try_number);
    cb(arg, "DAG_ID", j->dag->dag_id);
    cb(arg, "RUN_ID", j->rc->run_id);
    cb(arg, "TASK_ID", j->t->id);
    cb(arg, "TRY_NUMBER", try_s);
    for (size_t i = 0; i < sizeof ctx_rows / sizeof ctx_rows[0]; i++) {
        const char *v;
        int rc = lh__flow_render(j, "run context", ctx_rows[i].tmpl, &v);
        if (rc) return rc;
        cb(arg, ctx_rows[i].name, v);
    }
    return 0;
}

static void set_ctx(void *arg, const char *name, const char *v)
{
    lh__flow_vec_t *env = arg;
    char key[64];
    snprintf(key, sizeof key, "LAKEHOUSE_CTX_%s", name);
    lh__flow_env_set(env, key, v);
}

/* Sets key only when value is given. */
static void set_opt(lh__flow_vec_t *env, const char *key, const char *value)
{
    if (value && *value) lh__flow_env_set(env, key, value);
}

static void platform_access(lh__flow_vec_t *env, const lh_flow_platform_t *pf)
{
    set_opt(env, "AWS_ENDPOINT_URL", pf->s3_url);
    set_opt(env, "AWS_ACCESS_KEY_ID", pf->access_key);
    set_opt(env, "AWS_SECRET_ACCESS_KEY", pf->secret_key);
    set_opt(env, "AWS_DEFAULT_REGION", pf->region);
    set_opt(env, "KAFKA_BOOTSTRAP_SERVERS", pf->kafka);
    if (pf->kafka_sasl_mechanism && *pf->kafka_sasl_mechanism) {
        set_opt(env, "KAFKA_SASL_MECHANISM", pf->kafka_sasl_mechanism);
        set_opt(env, "KAFKA_SASL_USERNAME", pf->access_key);
        set_opt(env, "KAFKA_SASL_PASSWORD", pf->secret_key);
    }
    set_opt(env, "LAKEHOUSE_URL", pf->web_url);
    /* the lake.* keys as `lakehouse` children read them (store/objstore_lake.c):
     * lake.endpoint from AWS_ENDPOINT_URL|LAKEHOUSE_S3_ENDPOINT, lake.region from
     * AWS_REGION|AWS_DEFAULT_REGION, lake.bucket from LAKEHOUSE_LAKE_BUCKET */
    set_opt(env, "LAKEHOUSE_S3_ENDPOINT", pf->s3_url);
    set_opt(env, "LAKEHOUSE_S3_SOCKET", pf->s3_socket); /* lake.unix_socket */
    set_opt(env, "LAKEHOUSE_LAKE_BUCKET", pf->bucket);
    set_opt(env, "AWS_REGION", pf->region);
    set_opt(env, "LAKEHOUSE_ACCESS_KEY", pf->access_key);
    set_opt(env, "LAKEHOUSE_SECRET_KEY", pf->secret_key);
    /* the SQL engine's threads, unless the orchestrator's environment has them */
    if (pf->sql_threads > 0 && lh__flow_env_find(env, "LAKEHOUSE_SQL_THREADS") < 0) {
        char n[16];
        snprintf(n, sizeof n, "%d", pf->sql_threads);
        lh__flow_env_set(env, "LAKEHOUSE_SQL_THREADS", n);
    }
    /* the scan cache: tasks that read the same objects share what they parsed */
    if (lh__flow_env_find(env, "LAKEHOUSE_SQL_CACHE_DIR") < 0)
        set_opt(env, "LAKEHOUSE_SQL_CACHE_DIR", pf->sql_cache_dir);
}

int lh__flow_task_env(lh__flow_job_t *j)
{
    for (const char *const *e = j->pf->base_env; e && *e; e++)
        if (strchr(*e, '=') && !platform_secret(*e)) lh__flow_vec_push(&j->env, *e);
    int rc = lh__flow_ctx_each(j, set_ctx, &j->env);
    if (rc) return rc;
    platform_access(&j->env, j->pf);
    const lh_flow_value_t *m = lh_flow_task_field(j->t, "env");
    for (int i = 0; m && m->kind == LH_FLOW_V_MAP && i < m->n; i++) {
        const char *v;
        rc = lh__flow_render(j, "env", m->items[i], &v);
        if (rc) return rc;
        lh__flow_env_set(&j->env, m->keys[i], v);
    }
    return 0;
}
