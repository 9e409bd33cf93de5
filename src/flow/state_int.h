/* The state's back-end interface, for the files of flow/state only: a table
 * of operations one back end fills (SQLite today, PostgreSQL later). The
 * public functions of state.c check their arguments once and call through
 * this table, so a back end sees only valid records and queries. */
#ifndef LH_FLOW_STATE_INT_H
#define LH_FLOW_STATE_INT_H

#include "flow/state.h"

typedef struct lh__flow_state_ops {
    const char *name; /* "sqlite" */
    /* Opens the back end's database under dir; *out is an lh_flow_state_t
     * whose first member is the ops pointer. */
    int (*open)(lh_flow_state_t **out, const char *dir, lh_err_t *err);
    void (*close)(lh_flow_state_t *s);
    int (*begin)(lh_flow_state_t *s, lh_err_t *err);
    int (*commit)(lh_flow_state_t *s, lh_err_t *err);
    void (*rollback)(lh_flow_state_t *s);
    int (*dag_put)(lh_flow_state_t *s, const lh_flow_dag_rec_t *rec, lh_err_t *err);
    int (*dag_get)(lh_flow_state_t *s, const char *dag_id, lh_flow_dag_rec_t *out, lh_err_t *err);
    int (*dag_each)(lh_flow_state_t *s, int (*fn)(const lh_flow_dag_rec_t *, void *), void *arg,
                    lh_err_t *err);
    int (*run_insert)(lh_flow_state_t *s, const lh_flow_run_rec_t *rec, lh_err_t *err);
    int (*run_update)(lh_flow_state_t *s, const lh_flow_run_rec_t *rec, lh_err_t *err);
    int (*run_get)(lh_flow_state_t *s, const char *dag_id, const char *run_id,
                   lh_flow_run_rec_t *out, lh_err_t *err);
    int (*run_by_date)(lh_flow_state_t *s, const char *dag_id, int64_t logical_date,
                       lh_flow_run_rec_t *out, lh_err_t *err);
    int (*run_each)(lh_flow_state_t *s, const lh_flow_query_t *q,
                    int (*fn)(const lh_flow_run_rec_t *, void *), void *arg, int64_t *total,
                    lh_err_t *err);
    int (*run_delete)(lh_flow_state_t *s, const char *dag_id, const char *run_id, lh_err_t *err);
    int (*ti_put)(lh_flow_state_t *s, const lh_flow_ti_rec_t *rec, lh_err_t *err);
    int (*ti_get)(lh_flow_state_t *s, const char *dag_id, const char *run_id, const char *task_id,
                  lh_flow_ti_rec_t *out, lh_err_t *err);
    int (*ti_each)(lh_flow_state_t *s, const lh_flow_query_t *q,
                   int (*fn)(const lh_flow_ti_rec_t *, void *), void *arg, int64_t *total,
                   lh_err_t *err);
    int (*try_put)(lh_flow_state_t *s, const lh_flow_try_rec_t *rec, lh_err_t *err);
    int (*try_each)(lh_flow_state_t *s, const char *dag_id, const char *run_id, const char *task_id,
                    int (*fn)(const lh_flow_try_rec_t *, void *), void *arg, lh_err_t *err);
} lh__flow_state_ops_t;

/* Every back end's handle starts with this. */
struct lh_flow_state {
    const lh__flow_state_ops_t *ops;
};

extern const lh__flow_state_ops_t lh__flow_state_sqlite;

/* The run types' names as stored ("scheduled", "manual", "backfill"), in
 * the order of LH_FLOW_RUN_* (flow/schedule.h). */
extern const char *const lh__flow_run_type_names[];

#endif
