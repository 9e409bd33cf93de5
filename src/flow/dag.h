/* DAG files: one YAML file per DAG (docs/dags.md, docs/dag.schema.json)
 * parsed into structs owned by one arena, with every error of the file
 * collected as a diagnostic naming file, line and field
 * ("dags/x.yaml:12: tasks[2].depends_on: unknown task \"load\""). The
 * task types are rows of one table (flow/dag_types.c). */
#ifndef LH_FLOW_DAG_H
#define LH_FLOW_DAG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/arena.h"
#include "flow/cron.h"

#define LH_FLOW_MAX_FILE (4 << 20) /* a DAG file over 4 MiB is an error */

enum { LH_FLOW_SCHED_NONE, LH_FLOW_SCHED_ONCE, LH_FLOW_SCHED_CRON };

/* Airflow's trigger rules, in the order of lh_flow_trigger_rule_names. */
enum {
    LH_FLOW_TR_ALL_SUCCESS,
    LH_FLOW_TR_ALL_FAILED,
    LH_FLOW_TR_ALL_DONE,
    LH_FLOW_TR_ONE_SUCCESS,
    LH_FLOW_TR_ONE_FAILED,
    LH_FLOW_TR_NONE_FAILED,
    LH_FLOW_TR_NONE_FAILED_MIN_ONE_SUCCESS,
    LH_FLOW_TR_NONE_SKIPPED,
    LH_FLOW_TR_ALWAYS,
};
extern const char *const lh_flow_trigger_rule_names[]; /* NULL-terminated */

/* A value of a per-type task field. */
enum { LH_FLOW_V_STR, LH_FLOW_V_INT, LH_FLOW_V_BOOL, LH_FLOW_V_LIST, LH_FLOW_V_MAP };
typedef struct lh_flow_value {
    int kind;           /* LH_FLOW_V_* */
    const char *str;    /* STR (a path is resolved against the DAG file's folder) */
    int64_t num;        /* INT (durations in seconds), BOOL */
    const char **keys;  /* MAP keys */
    const char **items; /* LIST items, MAP values */
    int n;
    int line;
} lh_flow_value_t;

typedef struct lh_flow_field {
    const char *name;
    lh_flow_value_t v;
} lh_flow_field_t;

/* default_args, and the same keys on a task (a task's own win). */
typedef struct lh_flow_args {
    int64_t retries;
    int64_t retry_delay; /* seconds; Airflow's default 300 */
    int64_t retry_exponential_backoff;
    int64_t depends_on_past;        /* the same task of the previous run must have succeeded */
    int64_t max_retry_delay;        /* seconds; 0 = none (Airflow caps at 86400) */
    int64_t execution_timeout;      /* seconds; 0 = none */
    int64_t memory_limit;           /* bytes; 0 = flow.task_memory_limit */
    const char *pool;               /* "default_pool" */
    int64_t max_active_tis_per_dag; /* tries of this task at once over the DAG's runs; 0 = any */
    int64_t priority_weight;        /* 1 */
    const char *on_failure;         /* a command, or NULL */
    const char *on_failure_webhook; /* a URL, or NULL */
} lh_flow_args_t;

enum { LH_FLOW_P_STRING, LH_FLOW_P_INTEGER, LH_FLOW_P_NUMBER, LH_FLOW_P_BOOLEAN };
typedef struct lh_flow_param {
    const char *name;
    int type;        /* LH_FLOW_P_* */
    const char *def; /* the default as written, or NULL (then conf must give it) */
    const char *description;
    int line;
} lh_flow_param_t;

struct lh_flow_task_type;

typedef struct lh_flow_task {
    const char *id;
    const char *type;
    const struct lh_flow_task_type *ty; /* NULL when the type is unknown */
    int line;
    const char **depends_on;
    int *dep_index; /* index of each dependency in dag->tasks, -1 when unknown */
    int *dep_line;
    int ndeps;
    int trigger_rule; /* LH_FLOW_TR_* */
    lh_flow_args_t args;
    lh_flow_field_t *fields; /* the per-type fields present */
    int nfields;
} lh_flow_task_t;

typedef struct lh_flow_diag {
    const char *file;
    int line;          /* 1-based, always >= 1 */
    const char *field; /* "tasks[2].depends_on", "" for the file itself */
    const char *msg;
} lh_flow_diag_t;

typedef struct lh_flow_dag {
    lh_arena_t *arena; /* owns everything below */
    const char *file, *dir;
    const char *dag_id, *description;
    int sched_kind;       /* LH_FLOW_SCHED_* */
    const char *schedule; /* as written ("none" when absent) */
    lh_cron_t cron;
    int64_t start_date, end_date;              /* seconds UTC; INT64_MIN / INT64_MAX when absent */
    int64_t catchup;                           /* default false (Airflow 3) */
    int64_t max_active_runs, max_active_tasks; /* default 16 each */
    lh_flow_param_t *params;
    int nparams;
    lh_flow_args_t default_args;
    lh_flow_task_t *tasks;
    int ntasks;
    lh_flow_diag_t *diags; /* sorted by line */
    int ndiags;
    int diag_cap;
} lh_flow_dag_t;

/* Parses and validates the YAML text of the DAG file at `file` (used in the
 * diagnostics and to resolve relative paths). Returns the DAG, valid when
 * ndiags == 0, else as far as it got; NULL only when out of memory. The
 * caller frees it with lh_flow_dag_free. */
lh_flow_dag_t *lh_flow_dag_parse(const char *file, const char *text, size_t len);
/* Reads the file and parses it; an unreadable or oversized file is a
 * diagnostic too. NULL only when out of memory. */
lh_flow_dag_t *lh_flow_dag_load(const char *file);
void lh_flow_dag_free(lh_flow_dag_t *dag);

/* The task of that id, or NULL. */
const lh_flow_task_t *lh_flow_dag_task(const lh_flow_dag_t *dag, const char *id);
/* A per-type field of a task, or NULL when absent. */
const lh_flow_value_t *lh_flow_task_field(const lh_flow_task_t *t, const char *name);
/* 1 when a file name is a DAG file's: *.yaml or *.yml, not hidden. */
int lh_flow_is_dag_file(const char *name);
/* "file:line: field: message" into out. */
void lh_flow_diag_print(const lh_flow_diag_t *d, FILE *out);

#endif
