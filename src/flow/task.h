/* What a task runs: each task type's row (flow/dag_types.c) has a command
 * function that turns the task, its run's values and the platform's
 * addresses into the child's argv, environment and memory mode, which the
 * executor hands to the supervisor (flow/exec.h). Also the environment every
 * task gets [run context, platform access with the task credential, the
 * platform's own secrets removed], the `python` wrapper that maps Python
 * exceptions to the task contract, and on_failure (a command or a webhook).
 *
 * Task types: shell (sh -c), python (flow.python running the wrapper),
 * sql (`lakehouse sql -f` on the rendered statements), sensor (`lakehouse
 * sensor ...`: exit 0 met; exit 75 not yet, in reschedule mode; exit 2 on
 * its timeout), k8s_pod and spark (render a Pod / SparkApplication and run
 * `kubectl` on it). */
#ifndef LH_FLOW_TASK_H
#define LH_FLOW_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "flow/dag.h"
#include "flow/exec.h"
#include "flow/template.h"

/* What the platform gives every task. Borrowed. */
typedef struct lh_flow_platform {
    const char *self_exe; /* the lakehouse binary (for sql, sensor, ingest children) */
    const char *data_dir;
    const char *python;     /* flow.python */
    const char *s3_url;     /* "http://127.0.0.1:9000" from run/endpoints.json, or NULL */
    const char *s3_socket;  /* the same store's Unix socket (endpoint s3_unix), or NULL */
    const char *kafka;      /* "127.0.0.1:9092", or NULL */
    const char *web_url;    /* "http://127.0.0.1:8080", or NULL */
    const char *region;     /* lake.region */
    const char *bucket;     /* lake.bucket */
    const char *access_key; /* the task credential (user lakehouse-task) */
    const char *secret_key;
    const char *kafka_sasl_mechanism; /* when the broker has SASL on, else NULL */
    const char *const *base_env;      /* the orchestrator's environ; platform secrets are dropped */
    int64_t memory_limit;             /* flow.task_memory_limit (bytes; 0 none) */
    int sql_threads; /* LAKEHOUSE_SQL_THREADS for the try being launched; 0 leaves it unset */
    const char *sql_cache_dir; /* sql.cache_dir of SQL tasks (LAKEHOUSE_SQL_CACHE_DIR) */
} lh_flow_platform_t;

/* A command for the supervisor. Everything lives in the arena given. */
typedef struct lh_flow_cmd {
    const char **argv; /* NULL-terminated */
    const char **env;  /* NULL-terminated "K=V" */
    const char *cwd;   /* the DAG file's folder */
    int memory_mode;   /* LH_FLOW_MEM_* */
    int64_t memory_limit;
    int reschedule;           /* a sensor in mode reschedule: exit 75 means poke again later */
    int64_t poke_interval;    /* seconds (sensors), else 0 */
    int64_t sensor_timeout;   /* seconds (sensors), else 0 */
    const char *watch_object; /* a reschedule-mode object sensor's s3://bucket/key, else NULL */
} lh_flow_cmd_t;

/* Builds the command of task t of dag for the run in rc (rc->try_number is
 * the try about to start). Returns 0, or LH_EINVAL with err when a template
 * does not render (a missing dag_run.conf key): the try then fails as
 * invalid_input without running; LH_ENOMEM. */
int lh_flow_task_command(const lh_flow_dag_t *dag, const lh_flow_task_t *t,
                         const lh_flow_run_ctx_t *rc, const lh_flow_platform_t *pf, lh_arena_t *a,
                         lh_flow_cmd_t *out, lh_err_t *err);

/* The failure hook of a task instance that ended failed: runs on_failure
 * (a command, through sh -c, with the task's environment plus
 * LAKEHOUSE_CTX_FAILURE) or POSTs {dag_id, run_id, task_id, try_number,
 * failure} to on_failure_webhook, in a detached child so the caller never
 * waits. Errors: LH_EIO when the child cannot start. */
int lh_flow_task_on_failure(const lh_flow_dag_t *dag, const lh_flow_task_t *t,
                            const lh_flow_run_ctx_t *rc, const lh_flow_platform_t *pf,
                            const char *failure, lh_err_t *err);

#endif
