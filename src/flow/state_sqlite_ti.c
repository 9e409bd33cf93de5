/* Task instances and their tries in the SQLite back end. A TI is written
 * whole by an upsert on (dag_id, run_id, task_id), the hot path of every
 * scheduler pass (one cached statement, no read before the write); a TI
 * belongs to a run and a try to a TI, so writing one for something that
 * does not exist is LH_ENOENT (the foreign keys say so). */
#include "flow/state_sqlite_int.h"

#include <string.h>

static int no_parent(int rc, lh_err_t *err, const char *what, const char *dag_id,
                     const char *run_id, const char *task_id)
{
    if (rc != LH_ENOENT) return rc;
    return lh_err_set(err, LH_ENOENT, "no %s %s%s%s of dag %s", what, run_id, task_id ? "/" : "",
                      task_id ? task_id : "", dag_id);
}

int lh__fsq_ti_put(lh_flow_state_t *s, const lh_flow_ti_rec_t *r, lh_err_t *err)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    sqlite3_stmt *st = lh__fsq_stmt(h, FQ_TI_PUT, err);
    if (!st) return LH_EIO;
    lh__fsq_bind_text(st, 1, r->dag_id);
    lh__fsq_bind_text(st, 2, r->run_id);
    lh__fsq_bind_text(st, 3, r->task_id);
    lh__fsq_bind_text(st, 4, lh_flow_ti_state_names[r->state]);
    sqlite3_bind_int(st, 5, r->try_number);
    sqlite3_bind_int(st, 6, r->max_tries);
    sqlite3_bind_int64(st, 7, r->ready_us);
    sqlite3_bind_int64(st, 8, r->start_us);
    sqlite3_bind_int64(st, 9, r->end_us);
    sqlite3_bind_int64(st, 10, r->next_try_us);
    sqlite3_bind_int64(st, 11, r->first_poke_us);
    sqlite3_bind_int(st, 12, r->pid);
    sqlite3_bind_int64(st, 13, r->pid_start);
    sqlite3_bind_int(st, 14, r->exit_code);
    lh__fsq_bind_text(st, 15, lh_flow_failure_names[r->failure]);
    lh__fsq_bind_text(st, 16, r->pool);
    sqlite3_bind_int(st, 17, r->priority_weight);
    sqlite3_bind_int(st, 18, r->extra_tries);
    int rc = lh__fsq_exec(h, st, err, "cannot write a task instance");
    return no_parent(rc, err, "run", r->dag_id, r->run_id, NULL);
}

int lh__fsq_ti_row(lh__fsq_t *h, sqlite3_stmt *st, lh_flow_ti_rec_t *out, lh_err_t *err)
{
    int rc = lh__fsq_copy(h, st, 0, out->dag_id, sizeof out->dag_id, err);
    if (rc == 0) rc = lh__fsq_copy(h, st, 1, out->run_id, sizeof out->run_id, err);
    if (rc == 0) rc = lh__fsq_copy(h, st, 2, out->task_id, sizeof out->task_id, err);
    if (rc == 0) rc = lh__fsq_name(h, st, 3, lh_flow_ti_state_names, &out->state, err);
    if (rc == 0) rc = lh__fsq_name(h, st, 14, lh_flow_failure_names, &out->failure, err);
    if (rc == 0) rc = lh__fsq_copy(h, st, 15, out->pool, sizeof out->pool, err);
    if (rc) return rc;
    out->try_number = sqlite3_column_int(st, 4);
    out->max_tries = sqlite3_column_int(st, 5);
    out->ready_us = sqlite3_column_int64(st, 6);
    out->start_us = sqlite3_column_int64(st, 7);
    out->end_us = sqlite3_column_int64(st, 8);
    out->next_try_us = sqlite3_column_int64(st, 9);
    out->first_poke_us = sqlite3_column_int64(st, 10);
    out->pid = sqlite3_column_int(st, 11);
    out->pid_start = sqlite3_column_int64(st, 12);
    out->exit_code = sqlite3_column_int(st, 13);
    out->priority_weight = sqlite3_column_int(st, 16);
    out->extra_tries = sqlite3_column_int(st, 17);
    return 0;
}

int lh__fsq_ti_get(lh_flow_state_t *s, const char *dag_id, const char *run_id, const char *task_id,
                   lh_flow_ti_rec_t *out, lh_err_t *err)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    sqlite3_stmt *st = lh__fsq_stmt(h, FQ_TI_GET, err);
    if (!st) return LH_EIO;
    lh__fsq_bind_text(st, 1, dag_id);
    lh__fsq_bind_text(st, 2, run_id);
    lh__fsq_bind_text(st, 3, task_id);
    int r = sqlite3_step(st), rc;
    if (r == SQLITE_ROW)
        rc = lh__fsq_ti_row(h, st, out, err);
    else if (r == SQLITE_DONE)
        rc =
            lh_err_set(err, LH_ENOENT, "no task instance %s/%s of dag %s", run_id, task_id, dag_id);
    else
        rc = lh__fsq_err(h, err, "cannot read a task instance");
    sqlite3_reset(st);
    return rc;
}

/* --- tries --- */

int lh__fsq_try_put(lh_flow_state_t *s, const lh_flow_try_rec_t *r, lh_err_t *err)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    sqlite3_stmt *st = lh__fsq_stmt(h, FQ_TRY_PUT, err);
    if (!st) return LH_EIO;
    lh__fsq_bind_text(st, 1, r->dag_id);
    lh__fsq_bind_text(st, 2, r->run_id);
    lh__fsq_bind_text(st, 3, r->task_id);
    sqlite3_bind_int(st, 4, r->try_number);
    lh__fsq_bind_text(st, 5, lh_flow_ti_state_names[r->state]);
    sqlite3_bind_int64(st, 6, r->start_us);
    sqlite3_bind_int64(st, 7, r->end_us);
    sqlite3_bind_int(st, 8, r->exit_code);
    lh__fsq_bind_text(st, 9, lh_flow_failure_names[r->failure]);
    lh__fsq_bind_text(st, 10, r->reason);
    int rc = lh__fsq_exec(h, st, err, "cannot write a try");
    return no_parent(rc, err, "task instance", r->dag_id, r->run_id, r->task_id);
}

static int try_row(lh__fsq_t *h, sqlite3_stmt *st, lh_flow_try_rec_t *out, lh_err_t *err)
{
    int rc = lh__fsq_copy(h, st, 0, out->dag_id, sizeof out->dag_id, err);
    if (rc == 0) rc = lh__fsq_copy(h, st, 1, out->run_id, sizeof out->run_id, err);
    if (rc == 0) rc = lh__fsq_copy(h, st, 2, out->task_id, sizeof out->task_id, err);
    if (rc == 0) rc = lh__fsq_name(h, st, 4, lh_flow_ti_state_names, &out->state, err);
    if (rc == 0) rc = lh__fsq_name(h, st, 8, lh_flow_failure_names, &out->failure, err);
    if (rc == 0) rc = lh__fsq_copy(h, st, 9, out->reason, sizeof out->reason, err);
    if (rc) return rc;
    out->try_number = sqlite3_column_int(st, 3);
    out->start_us = sqlite3_column_int64(st, 5);
    out->end_us = sqlite3_column_int64(st, 6);
    out->exit_code = sqlite3_column_int(st, 7);
    return 0;
}

typedef struct try_cb {
    int (*fn)(const lh_flow_try_rec_t *, void *);
    void *arg;
} try_cb_t;

static int try_emit(lh__fsq_t *h, sqlite3_stmt *st, void *ctx, lh_err_t *err)
{
    try_cb_t *c = ctx;
    lh_flow_try_rec_t rec = {0};
    int rc = try_row(h, st, &rec, err);
    return rc ? rc : c->fn(&rec, c->arg);
}

int lh__fsq_try_each(lh_flow_state_t *s, const char *dag_id, const char *run_id,
                     const char *task_id, int (*fn)(const lh_flow_try_rec_t *, void *), void *arg,
                     lh_err_t *err)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    lh__fsq_cur_t cur;
    try_cb_t cb = {.fn = fn, .arg = arg};
    int rc = lh__fsq_cursor(h, &h->q[FQ_TRY_LIST], lh__fsq_sql(FQ_TRY_LIST), &cur, err);
    if (rc) return rc;
    lh__fsq_bind_text(cur.st, 1, dag_id);
    lh__fsq_bind_text(cur.st, 2, run_id);
    lh__fsq_bind_text(cur.st, 3, task_id);
    return lh__fsq_rows(h, &cur, try_emit, &cb, err, "cannot list tries");
}
