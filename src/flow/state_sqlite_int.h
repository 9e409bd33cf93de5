/* The SQLite back end of the flow state, for its own files only: the
 * handle, the cached statements, and the helpers the record files share
 * (errors, stepping, cursors for the functions that call back). */
#ifndef LH_FLOW_STATE_SQLITE_INT_H
#define LH_FLOW_STATE_SQLITE_INT_H

#include <limits.h>
#include <sqlite3.h>

#include "flow/state_int.h"

/* The fixed statements, prepared on first use and kept for the handle's life. */
enum {
    FQ_BEGIN,
    FQ_COMMIT,
    FQ_ROLLBACK,
    FQ_DAG_PUT,
    FQ_DAG_GET,
    FQ_DAG_LIST,
    FQ_RUN_INSERT,
    FQ_RUN_UPDATE,
    FQ_RUN_GET,
    FQ_RUN_BY_DATE,
    FQ_RUN_DELETE,
    FQ_TI_PUT,
    FQ_TI_GET,
    FQ_TRY_PUT,
    FQ_TRY_LIST,
    FQ_COUNT
};

/* List statements (run_each, ti_each) are built from a filter mask, an
 * order row and a direction, and cached by that shape. */
enum { FQ_F_DAG = 1, FQ_F_RUN = 2, FQ_F_TASK = 4, FQ_F_STATE = 8, FQ_F_ALL = 16 };
#define FQ_ORDERS 8
#define FQ_LIST_SHAPES (FQ_F_ALL * FQ_ORDERS * 2)

typedef struct lh__fsq {
    lh_flow_state_t base; /* first: the ops table */
    sqlite3 *db;
    char path[PATH_MAX];
    sqlite3_stmt *q[FQ_COUNT];
    sqlite3_stmt *run_list[FQ_LIST_SHAPES], *run_count[FQ_F_ALL];
    sqlite3_stmt *ti_list[FQ_LIST_SHAPES], *ti_count[FQ_F_ALL];
} lh__fsq_t;

/* A statement for one call that calls back: the cached one, or a fresh one
 * when the cached one is still stepping (fn called the same listing again). */
typedef struct lh__fsq_cur {
    sqlite3_stmt *st;
    int owned; /* finalize, not reset, when done */
} lh__fsq_cur_t;

#define FSQ_RUN_COLS                                                                               \
    "dag_id, run_id, run_type, state, logical_date, interval_start, interval_end, conf,"           \
    " queued_us, start_us, end_us, backfill_id"
#define FSQ_TI_COLS                                                                                \
    "dag_id, run_id, task_id, state, try_number, max_tries, ready_us, start_us, end_us,"           \
    " next_try_us, first_poke_us, pid, pid_start, exit_code, failure, pool, priority_weight,"      \
    " extra_tries"

/* The cached statement q (NULL with err set when it cannot be prepared). */
sqlite3_stmt *lh__fsq_stmt(lh__fsq_t *h, int q, lh_err_t *err);
/* The text of fixed statement q. */
const char *lh__fsq_sql(int q);
/* A cursor over *slot (prepared from sql on first use). */
int lh__fsq_cursor(lh__fsq_t *h, sqlite3_stmt **slot, const char *sql, lh__fsq_cur_t *cur,
                   lh_err_t *err);
void lh__fsq_cursor_done(lh__fsq_cur_t *cur);
/* Steps cur to its end, calling row for each row until one returns non-zero
 * (returned), then ends the cursor; a failed step is lh__fsq_err with what. */
typedef int (*lh__fsq_row_fn)(lh__fsq_t *h, sqlite3_stmt *st, void *ctx, lh_err_t *err);
int lh__fsq_rows(lh__fsq_t *h, lh__fsq_cur_t *cur, lh__fsq_row_fn row, void *ctx, lh_err_t *err,
                 const char *what);
/* The database's last error as an LH_E* code with what and the file in
 * err: constraint -> LH_EEXIST (foreign key -> LH_ENOENT), damaged ->
 * LH_ECORRUPT, anything else LH_EIO. */
int lh__fsq_err(lh__fsq_t *h, lh_err_t *err, const char *what);
/* Steps st once expecting no row, then resets it: 0 or lh__fsq_err. */
int lh__fsq_exec(lh__fsq_t *h, sqlite3_stmt *st, lh_err_t *err, const char *what);
/* Column i as text ("" for NULL). */
const char *lh__fsq_text(sqlite3_stmt *st, int i);
/* Column i, a name of names, as its index: 0 or LH_ECORRUPT. */
int lh__fsq_name(lh__fsq_t *h, sqlite3_stmt *st, int i, const char *const *names, int *out,
                 lh_err_t *err);
/* Copies column i into a fixed array (LH_ECORRUPT when it does not fit). */
int lh__fsq_copy(lh__fsq_t *h, sqlite3_stmt *st, int i, char *dst, size_t cap, lh_err_t *err);
void lh__fsq_bind_text(sqlite3_stmt *st, int i, const char *s);

/* The record files' operations (state_sqlite_rec.c, state_sqlite_ti.c,
 * state_sqlite_list.c). */
int lh__fsq_dag_put(lh_flow_state_t *s, const lh_flow_dag_rec_t *rec, lh_err_t *err);
int lh__fsq_dag_get(lh_flow_state_t *s, const char *dag_id, lh_flow_dag_rec_t *out, lh_err_t *err);
int lh__fsq_dag_each(lh_flow_state_t *s, int (*fn)(const lh_flow_dag_rec_t *, void *), void *arg,
                     lh_err_t *err);
int lh__fsq_run_insert(lh_flow_state_t *s, const lh_flow_run_rec_t *rec, lh_err_t *err);
int lh__fsq_run_update(lh_flow_state_t *s, const lh_flow_run_rec_t *rec, lh_err_t *err);
int lh__fsq_run_get(lh_flow_state_t *s, const char *dag_id, const char *run_id,
                    lh_flow_run_rec_t *out, lh_err_t *err);
int lh__fsq_run_by_date(lh_flow_state_t *s, const char *dag_id, int64_t logical_date,
                        lh_flow_run_rec_t *out, lh_err_t *err);
int lh__fsq_run_delete(lh_flow_state_t *s, const char *dag_id, const char *run_id, lh_err_t *err);
/* A run from a row of FSQ_RUN_COLS; own: conf malloc'd, else it points into the row. */
int lh__fsq_run_row(lh__fsq_t *h, sqlite3_stmt *st, lh_flow_run_rec_t *out, int own, lh_err_t *err);
int lh__fsq_ti_put(lh_flow_state_t *s, const lh_flow_ti_rec_t *rec, lh_err_t *err);
int lh__fsq_ti_get(lh_flow_state_t *s, const char *dag_id, const char *run_id, const char *task_id,
                   lh_flow_ti_rec_t *out, lh_err_t *err);
int lh__fsq_ti_row(lh__fsq_t *h, sqlite3_stmt *st, lh_flow_ti_rec_t *out, lh_err_t *err);
int lh__fsq_try_put(lh_flow_state_t *s, const lh_flow_try_rec_t *rec, lh_err_t *err);
int lh__fsq_try_each(lh_flow_state_t *s, const char *dag_id, const char *run_id,
                     const char *task_id, int (*fn)(const lh_flow_try_rec_t *, void *), void *arg,
                     lh_err_t *err);
int lh__fsq_run_each(lh_flow_state_t *s, const lh_flow_query_t *q,
                     int (*fn)(const lh_flow_run_rec_t *, void *), void *arg, int64_t *total,
                     lh_err_t *err);
int lh__fsq_ti_each(lh_flow_state_t *s, const lh_flow_query_t *q,
                    int (*fn)(const lh_flow_ti_rec_t *, void *), void *arg, int64_t *total,
                    lh_err_t *err);
void lh__fsq_list_free(lh__fsq_t *h);

#endif
