/* DAGs and DAG runs in the SQLite back end: put/get/each of a DAG, and
 * insert, update, get, look-up by logical date and delete of a run (its
 * task instances and tries go with it, by the foreign keys' cascade). A
 * run that breaks a unique rule is told apart by the index it hit: the same
 * run id, or a second automated run for one logical date. */
#include "flow/state_sqlite_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- DAGs --- */

int lh__fsq_dag_put(lh_flow_state_t *s, const lh_flow_dag_rec_t *rec, lh_err_t *err)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    sqlite3_stmt *st = lh__fsq_stmt(h, FQ_DAG_PUT, err);
    if (!st) return LH_EIO;
    lh__fsq_bind_text(st, 1, rec->dag_id);
    sqlite3_bind_int(st, 2, rec->paused);
    lh__fsq_bind_text(st, 3, rec->fileloc);
    sqlite3_bind_int64(st, 4, rec->last_parsed_us);
    sqlite3_bind_int(st, 5, rec->has_errors);
    sqlite3_bind_int64(st, 6, rec->last_scheduled_logical);
    sqlite3_bind_int64(st, 7, rec->last_scheduled_end);
    return lh__fsq_exec(h, st, err, "cannot write a dag");
}

/* A DAG from a row; own: fileloc malloc'd, else it points into the row. */
static int dag_row(lh__fsq_t *h, sqlite3_stmt *st, lh_flow_dag_rec_t *out, int own, lh_err_t *err)
{
    int rc = lh__fsq_copy(h, st, 0, out->dag_id, sizeof out->dag_id, err);
    if (rc) return rc;
    out->paused = sqlite3_column_int(st, 1);
    out->last_parsed_us = sqlite3_column_int64(st, 3);
    out->has_errors = sqlite3_column_int(st, 4);
    out->last_scheduled_logical = sqlite3_column_int64(st, 5);
    out->last_scheduled_end = sqlite3_column_int64(st, 6);
    out->fileloc = own ? strdup(lh__fsq_text(st, 2)) : (char *)lh__fsq_text(st, 2);
    return out->fileloc ? 0 : lh_err_set(err, LH_ENOMEM, "out of memory");
}

int lh__fsq_dag_get(lh_flow_state_t *s, const char *dag_id, lh_flow_dag_rec_t *out, lh_err_t *err)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    sqlite3_stmt *st = lh__fsq_stmt(h, FQ_DAG_GET, err);
    if (!st) return LH_EIO;
    lh__fsq_bind_text(st, 1, dag_id);
    int r = sqlite3_step(st), rc;
    if (r == SQLITE_ROW)
        rc = dag_row(h, st, out, 1, err);
    else if (r == SQLITE_DONE)
        rc = lh_err_set(err, LH_ENOENT, "no dag %s", dag_id);
    else
        rc = lh__fsq_err(h, err, "cannot read a dag");
    sqlite3_reset(st);
    return rc;
}

typedef struct dag_cb {
    int (*fn)(const lh_flow_dag_rec_t *, void *);
    void *arg;
} dag_cb_t;

static int dag_emit(lh__fsq_t *h, sqlite3_stmt *st, void *ctx, lh_err_t *err)
{
    dag_cb_t *c = ctx;
    lh_flow_dag_rec_t rec = {0};
    int rc = dag_row(h, st, &rec, 0, err);
    return rc ? rc : c->fn(&rec, c->arg);
}

int lh__fsq_dag_each(lh_flow_state_t *s, int (*fn)(const lh_flow_dag_rec_t *, void *), void *arg,
                     lh_err_t *err)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    lh__fsq_cur_t cur;
    dag_cb_t cb = {.fn = fn, .arg = arg};
    int rc = lh__fsq_cursor(h, &h->q[FQ_DAG_LIST], lh__fsq_sql(FQ_DAG_LIST), &cur, err);
    return rc ? rc : lh__fsq_rows(h, &cur, dag_emit, &cb, err, "cannot list dags");
}

/* --- runs --- */

static void bind_run(sqlite3_stmt *st, const lh_flow_run_rec_t *r)
{
    lh__fsq_bind_text(st, 1, r->dag_id);
    lh__fsq_bind_text(st, 2, r->run_id);
    lh__fsq_bind_text(st, 3, lh__flow_run_type_names[r->run_type]);
    lh__fsq_bind_text(st, 4, lh_flow_run_state_names[r->state]);
    sqlite3_bind_int64(st, 5, r->logical_date);
    sqlite3_bind_int64(st, 6, r->interval_start);
    sqlite3_bind_int64(st, 7, r->interval_end);
    lh__fsq_bind_text(st, 8, r->conf && r->conf[0] ? r->conf : "{}");
    sqlite3_bind_int64(st, 9, r->queued_us);
    sqlite3_bind_int64(st, 10, r->start_us);
    sqlite3_bind_int64(st, 11, r->end_us);
    sqlite3_bind_int64(st, 12, r->backfill_id);
}

int lh__fsq_run_row(lh__fsq_t *h, sqlite3_stmt *st, lh_flow_run_rec_t *out, int own, lh_err_t *err)
{
    int rc = lh__fsq_copy(h, st, 0, out->dag_id, sizeof out->dag_id, err);
    if (rc == 0) rc = lh__fsq_copy(h, st, 1, out->run_id, sizeof out->run_id, err);
    if (rc == 0) rc = lh__fsq_name(h, st, 2, lh__flow_run_type_names, &out->run_type, err);
    if (rc == 0) rc = lh__fsq_name(h, st, 3, lh_flow_run_state_names, &out->state, err);
    if (rc) return rc;
    out->logical_date = sqlite3_column_int64(st, 4);
    out->interval_start = sqlite3_column_int64(st, 5);
    out->interval_end = sqlite3_column_int64(st, 6);
    out->queued_us = sqlite3_column_int64(st, 8);
    out->start_us = sqlite3_column_int64(st, 9);
    out->end_us = sqlite3_column_int64(st, 10);
    out->backfill_id = sqlite3_column_int64(st, 11);
    out->conf = own ? strdup(lh__fsq_text(st, 7)) : (char *)lh__fsq_text(st, 7);
    return out->conf ? 0 : lh_err_set(err, LH_ENOMEM, "out of memory");
}

/* A unique rule a run broke, in the reader's words. */
static int run_conflict(lh__fsq_t *h, const lh_flow_run_rec_t *r, lh_err_t *err, int rc)
{
    if (rc != LH_EEXIST) return rc;
    if (strstr(sqlite3_errmsg(h->db), "logical_date"))
        return lh_err_set(err, LH_EEXIST,
                          "dag %s already has an automated run at logical date %lld", r->dag_id,
                          (long long)r->logical_date);
    return lh_err_set(err, LH_EEXIST, "run %s of dag %s already exists", r->run_id, r->dag_id);
}

int lh__fsq_run_insert(lh_flow_state_t *s, const lh_flow_run_rec_t *rec, lh_err_t *err)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    sqlite3_stmt *st = lh__fsq_stmt(h, FQ_RUN_INSERT, err);
    if (!st) return LH_EIO;
    bind_run(st, rec);
    int r = sqlite3_step(st);
    int rc =
        r == SQLITE_DONE ? 0 : run_conflict(h, rec, err, lh__fsq_err(h, err, "cannot add a run"));
    sqlite3_reset(st);
    return rc;
}

int lh__fsq_run_update(lh_flow_state_t *s, const lh_flow_run_rec_t *rec, lh_err_t *err)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    sqlite3_stmt *st = lh__fsq_stmt(h, FQ_RUN_UPDATE, err);
    if (!st) return LH_EIO;
    bind_run(st, rec);
    int r = sqlite3_step(st);
    int rc = r == SQLITE_DONE
                 ? 0
                 : run_conflict(h, rec, err, lh__fsq_err(h, err, "cannot update a run"));
    sqlite3_reset(st);
    if (rc == 0 && sqlite3_changes(h->db) == 0)
        rc = lh_err_set(err, LH_ENOENT, "no run %s of dag %s", rec->run_id, rec->dag_id);
    return rc;
}

/* Reads the one run st (bound) selects, or LH_ENOENT with what. */
static int run_one(lh__fsq_t *h, sqlite3_stmt *st, lh_flow_run_rec_t *out, lh_err_t *err,
                   const char *dag_id, const char *what)
{
    int r = sqlite3_step(st), rc;
    if (r == SQLITE_ROW)
        rc = lh__fsq_run_row(h, st, out, 1, err);
    else if (r == SQLITE_DONE)
        rc = lh_err_set(err, LH_ENOENT, "no run %s of dag %s", what, dag_id);
    else
        rc = lh__fsq_err(h, err, "cannot read a run");
    sqlite3_reset(st);
    return rc;
}

int lh__fsq_run_get(lh_flow_state_t *s, const char *dag_id, const char *run_id,
                    lh_flow_run_rec_t *out, lh_err_t *err)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    sqlite3_stmt *st = lh__fsq_stmt(h, FQ_RUN_GET, err);
    if (!st) return LH_EIO;
    lh__fsq_bind_text(st, 1, dag_id);
    lh__fsq_bind_text(st, 2, run_id);
    return run_one(h, st, out, err, dag_id, run_id);
}

int lh__fsq_run_by_date(lh_flow_state_t *s, const char *dag_id, int64_t logical_date,
                        lh_flow_run_rec_t *out, lh_err_t *err)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    sqlite3_stmt *st = lh__fsq_stmt(h, FQ_RUN_BY_DATE, err);
    if (!st) return LH_EIO;
    lh__fsq_bind_text(st, 1, dag_id);
    sqlite3_bind_int64(st, 2, logical_date);
    char what[48];
    snprintf(what, sizeof what, "at logical date %lld", (long long)logical_date);
    return run_one(h, st, out, err, dag_id, what);
}

int lh__fsq_run_delete(lh_flow_state_t *s, const char *dag_id, const char *run_id, lh_err_t *err)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    sqlite3_stmt *st = lh__fsq_stmt(h, FQ_RUN_DELETE, err);
    if (!st) return LH_EIO;
    lh__fsq_bind_text(st, 1, dag_id);
    lh__fsq_bind_text(st, 2, run_id);
    int rc = lh__fsq_exec(h, st, err, "cannot delete a run");
    if (rc == 0 && sqlite3_changes(h->db) == 0)
        rc = lh_err_set(err, LH_ENOENT, "no run %s of dag %s", run_id, dag_id);
    return rc;
}
