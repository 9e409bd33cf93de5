/* Internals shared by the DAG parser's files: the parse context, the
 * diagnostic helper, YAML node accessors and the declarative field rows. */
#ifndef LH_FLOW_DAG_INT_H
#define LH_FLOW_DAG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "flow/dag.h"

typedef struct lh__flow_ctx {
    lh_flow_dag_t *dag;
    yaml_document_t *doc;
    long scalars; /* read so far: aliases can repeat a node, so reads are capped */
} lh__flow_ctx_t;

/* Scalars one file may make the parser read (aliases included). */
#define LH__FLOW_MAX_SCALARS 2000000

/* Records a diagnostic at the line of node (1 when NULL); field is copied. */
void lh__flow_diag(lh__flow_ctx_t *x, const yaml_node_t *node, const char *field, const char *fmt,
                   ...) __attribute__((format(printf, 4, 5)));
int lh__flow_line(const yaml_node_t *node);
/* The scalar's text, or NULL (with a diagnostic "expected <what>") when node
 * is not a scalar. */
const char *lh__flow_scalar(lh__flow_ctx_t *x, yaml_node_t *node, const char *field,
                            const char *what);
/* An unquoted null / ~ / empty scalar. */
int lh__flow_is_null(const yaml_node_t *node);

/* Field kinds of the declarative rows. */
enum {
    LH__F_STR,      /* any scalar */
    LH__F_TEXT,     /* a scalar checked as a template */
    LH__F_ID,       /* [A-Za-z0-9_.-]+, at most 250 characters */
    LH__F_INT,      /* integer in [min, max] (max 0 = none) */
    LH__F_BOOL,     /* true/false */
    LH__F_DURATION, /* integer seconds or 30s, 5m, 1h30m */
    LH__F_SIZE,     /* bytes, or 512MiB, 2GiB */
    LH__F_DATE,     /* YYYY-MM-DD or ISO 8601 date-time (UTC, or an offset) */
    LH__F_ENUM,     /* one of choices "a|b" */
    LH__F_PATH,     /* a path, resolved against the DAG file's folder; must exist */
    LH__F_LIST,     /* a sequence of scalars (or one scalar), each a template */
    LH__F_MAP,      /* a mapping of scalars, each value a template */
    LH__F_CUSTOM,   /* parsed by the row's fn */
};

typedef struct lh__flow_row {
    const char *name;
    int kind;
    size_t off; /* offset of the int64_t / const char * target; -1 none */
    int required;
    int64_t min, max;    /* LH__F_INT */
    const char *choices; /* LH__F_ENUM */
    const char *suffix;  /* LH__F_PATH: required file name ending (".sql") */
    int (*fn)(lh__flow_ctx_t *x, yaml_node_t *v, void *obj, const char *field);
} lh__flow_row_t;

#define LH__NO_OFF ((size_t)-1)

/* Applies rows (then rows2, may be NULL) to the mapping node: every key must
 * name a row, required rows must be present. Per-type values go to *fields
 * (when non-NULL) for rows with off == LH__NO_OFF and no fn. */
void lh__flow_apply(lh__flow_ctx_t *x, yaml_node_t *map, const lh__flow_row_t *rows,
                    const lh__flow_row_t *rows2, void *obj, const char *path,
                    lh_flow_task_t *fields_of);
/* Checks a template against the DAG's params; a diagnostic on error. */
void lh__flow_check_template(lh__flow_ctx_t *x, yaml_node_t *node, const char *field,
                             const char *text);
/* Parses a date; 0 or LH_EINVAL. */
int lh__flow_parse_date(const char *s, int64_t *t);

/* The default_args rows at a base offset (the args struct's place in obj). */
#define LH__FLOW_ARGS_ROWS(base)                                                                   \
    {.name = "retries",                                                                            \
     .kind = LH__F_INT,                                                                            \
     .off = (base) + offsetof(lh_flow_args_t, retries),                                            \
     .max = 1000},                                                                                 \
        {.name = "retry_delay",                                                                    \
         .kind = LH__F_DURATION,                                                                   \
         .off = (base) + offsetof(lh_flow_args_t, retry_delay)},                                   \
        {.name = "retry_exponential_backoff",                                                      \
         .kind = LH__F_BOOL,                                                                       \
         .off = (base) + offsetof(lh_flow_args_t, retry_exponential_backoff)},                     \
        {.name = "depends_on_past",                                                                \
         .kind = LH__F_BOOL,                                                                       \
         .off = (base) + offsetof(lh_flow_args_t, depends_on_past)},                               \
        {.name = "max_retry_delay",                                                                \
         .kind = LH__F_DURATION,                                                                   \
         .off = (base) + offsetof(lh_flow_args_t, max_retry_delay)},                               \
        {.name = "execution_timeout",                                                              \
         .kind = LH__F_DURATION,                                                                   \
         .off = (base) + offsetof(lh_flow_args_t, execution_timeout)},                             \
        {.name = "pool", .kind = LH__F_ID, .off = (base) + offsetof(lh_flow_args_t, pool)},        \
        {.name = "max_active_tis_per_dag",                                                         \
         .kind = LH__F_INT,                                                                        \
         .min = 1,                                                                                 \
         .max = 1000000,                                                                           \
         .off = (base) + offsetof(lh_flow_args_t, max_active_tis_per_dag)},                        \
        {.name = "memory_limit",                                                                   \
         .kind = LH__F_SIZE,                                                                       \
         .off = (base) + offsetof(lh_flow_args_t, memory_limit)},                                  \
        {.name = "priority_weight",                                                                \
         .kind = LH__F_INT,                                                                        \
         .min = -1000000000,                                                                       \
         .max = 1000000000,                                                                        \
         .off = (base) + offsetof(lh_flow_args_t, priority_weight)},                               \
    {                                                                                              \
        .name = "on_failure", .kind = LH__F_CUSTOM, .off = (base), .fn = lh__flow_on_failure       \
    }
/* on_failure: a command string, or {command: ...} or {webhook: URL}; obj
 * + row offset is the lh_flow_args_t. */
int lh__flow_on_failure(lh__flow_ctx_t *x, yaml_node_t *v, void *args, const char *field);

/* dag_tasks.c */
void lh__flow_parse_tasks(lh__flow_ctx_t *x, yaml_node_t *seq);
/* dag_graph.c: dependency resolution, duplicates, cycles */
void lh__flow_check_graph(lh__flow_ctx_t *x);

/* dag_types.c: the task-type table (one row per type). */
struct lh__flow_job;
struct lh_flow_cmd;
struct lh_flow_task_type {
    const char *name;
    const lh__flow_row_t *fields; /* the type's own fields */
    /* what a try runs: fills argv and the type's settings of out (flow/task_int.h) */
    int (*command)(struct lh__flow_job *j, struct lh_flow_cmd *out);
    /* cross-field rules (one of two fields, a callable's shape); may be NULL */
    void (*validate)(lh__flow_ctx_t *x, yaml_node_t *node, lh_flow_task_t *t, const char *path);
    /* its work does not take this machine's cores (a sensor mostly sleeps between
       pokes, a pod or a Spark application runs in the cluster): not counted
       among the tries that share them (flow.task_sql_threads) */
    bool off_cores;
};
const struct lh_flow_task_type *lh__flow_type_find(const char *name);
/* "shell, python, ..." (every row's name) into out, for messages. */
void lh__flow_type_list(char *out, size_t cap);

#endif
