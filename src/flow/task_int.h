/* Internals of the task commands (task*.c): the job a type's command
 * function fills (argv and environment grown in the caller's arena), and the
 * helpers every type shares: templates rendered with the task's error
 * message, fields by name, files written under the rendered folder. */
#ifndef LH_FLOW_TASK_INT_H
#define LH_FLOW_TASK_INT_H

#include "flow/task.h"

/* A NULL-terminated string vector in an arena; an allocation failure is
 * sticky (oom) and checked once at the end. */
typedef struct lh__flow_vec {
    const char **v;
    int n, cap, oom;
    lh_arena_t *a;
} lh__flow_vec_t;

typedef struct lh__flow_job {
    const lh_flow_dag_t *dag;
    const lh_flow_task_t *t;
    const lh_flow_run_ctx_t *rc;
    const lh_flow_platform_t *pf;
    lh_arena_t *a;
    lh_err_t *err;
    lh__flow_vec_t argv, env;
} lh__flow_job_t;

void lh__flow_vec_push(lh__flow_vec_t *v, const char *s);
/* The index of KEY's entry in an environment vector, or -1. */
int lh__flow_env_find(const lh__flow_vec_t *env, const char *key);
/* Sets KEY=value in an environment vector (replacing an entry of that key). */
void lh__flow_env_set(lh__flow_vec_t *env, const char *key, const char *value);

/* Renders text with the run's values into *out (arena). 0, or LH_EINVAL with
 * err "task T: field: why" (a missing dag_run.conf key), LH_ENOMEM. */
int lh__flow_render(lh__flow_job_t *j, const char *field, const char *text, const char **out);
/* A string field, or NULL when absent. */
const char *lh__flow_str(const lh_flow_task_t *t, const char *name);
/* An integer field, or def when absent. */
int64_t lh__flow_int(const lh_flow_task_t *t, const char *name, int64_t def);
/* Renders every item of a list field onto v (nothing when absent). */
int lh__flow_push_list(lh__flow_job_t *j, const char *field, lh__flow_vec_t *v);
/* Writes data to <data-dir>/flow/rendered/<dag>/<run>/<task>.<try>.<ext>
 * (folders 0700, file 0600, atomically) and returns its path in *path. */
int lh__flow_write_rendered(lh__flow_job_t *j, const char *ext, const char *data, size_t len,
                            const char **path);
/* The run context's values as name/value pairs (DAG_ID, RUN_ID, ...): cb is
 * called with the name after LAKEHOUSE_CTX_ and the value. */
int lh__flow_ctx_each(lh__flow_job_t *j, void (*cb)(void *arg, const char *name, const char *v),
                      void *arg);

/* The type rows' command functions (dag_types.c). */
int lh__flow_shell_command(lh__flow_job_t *j, lh_flow_cmd_t *out);
int lh__flow_python_command(lh__flow_job_t *j, lh_flow_cmd_t *out);
int lh__flow_sql_command(lh__flow_job_t *j, lh_flow_cmd_t *out);
int lh__flow_sensor_command(lh__flow_job_t *j, lh_flow_cmd_t *out);
int lh__flow_pod_command(lh__flow_job_t *j, lh_flow_cmd_t *out);
int lh__flow_spark_command(lh__flow_job_t *j, lh_flow_cmd_t *out);
int lh__flow_ingest_command(lh__flow_job_t *j, lh_flow_cmd_t *out);

/* The Python source of the wrapper (task_python.c). */
extern const char lh__flow_python_wrapper[];

/* The environment of the task (task.c): base_env without the platform's
 * secrets, the run context, platform access, then the task's env map. */
int lh__flow_task_env(lh__flow_job_t *j);

#endif
