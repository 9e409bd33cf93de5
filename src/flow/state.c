/* The orchestrator's state, back-end neutral: the names tables, the checks
 * every record and query passes before a back end sees it (ids present and
 * within their arrays, states and kinds within their enums, pages not
 * negative), and the public functions, each one call through the handle's
 * table of operations (state_int.h). */
#include "flow/state.h"

#include <stdlib.h>
#include <string.h>

#include "flow/schedule.h"
#include "flow/state_int.h"

const char *const lh_flow_run_state_names[] = {
    [LH_FLOW_RS_QUEUED] = "queued",   [LH_FLOW_RS_RUNNING] = "running",
    [LH_FLOW_RS_SUCCESS] = "success", [LH_FLOW_RS_FAILED] = "failed",
    [LH_FLOW_RS_FAILED + 1] = NULL,
};

const char *const lh_flow_ti_state_names[] = {
    [LH_FLOW_TS_NONE] = "none",
    [LH_FLOW_TS_SCHEDULED] = "scheduled",
    [LH_FLOW_TS_QUEUED] = "queued",
    [LH_FLOW_TS_RUNNING] = "running",
    [LH_FLOW_TS_SUCCESS] = "success",
    [LH_FLOW_TS_FAILED] = "failed",
    [LH_FLOW_TS_UP_FOR_RETRY] = "up_for_retry",
    [LH_FLOW_TS_UP_FOR_RESCHEDULE] = "up_for_reschedule",
    [LH_FLOW_TS_UPSTREAM_FAILED] = "upstream_failed",
    [LH_FLOW_TS_SKIPPED] = "skipped",
    [LH_FLOW_TS_SKIPPED + 1] = NULL,
};

const char *const lh_flow_failure_names[] = {
    [LH_FLOW_FAIL_NONE] = "",
    [LH_FLOW_FAIL_INVALID_INPUT] = "invalid_input",
    [LH_FLOW_FAIL_RESOURCE] = "resource",
    [LH_FLOW_FAIL_EXECUTION] = "execution",
    [LH_FLOW_FAIL_EXECUTION + 1] = NULL,
};

const char *const lh__flow_run_type_names[] = {
    [LH_FLOW_RUN_SCHEDULED] = "scheduled",
    [LH_FLOW_RUN_MANUAL] = "manual",
    [LH_FLOW_RUN_BACKFILL] = "backfill",
    [LH_FLOW_RUN_BACKFILL + 1] = NULL,
};

int lh_flow_state_index(const char *const *names, const char *name)
{
    if (!names || !name) return -1;
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], name) == 0) return i;
    return -1;
}

/* --- checks --- */

static int in_names(const char *const *names, int v)
{
    if (v < 0) return 0;
    for (int i = 0; names[i]; i++)
        if (i == v) return 1;
    return 0;
}

/* An id: present, not empty, NUL-terminated within cap bytes. */
static int check_id(const char *what, const char *id, size_t cap, lh_err_t *err)
{
    if (!id || !id[0]) return lh_err_set(err, LH_EINVAL, "%s is empty", what);
    if (strnlen(id, cap) >= cap)
        return lh_err_set(err, LH_EINVAL, "%s is longer than %zu bytes", what, cap - 1);
    return 0;
}

static int check_enum(const char *what, const char *const *names, int v, lh_err_t *err)
{
    return in_names(names, v) ? 0 : lh_err_set(err, LH_EINVAL, "%s %d is unknown", what, v);
}

static int check_keys(const char *dag_id, const char *run_id, const char *task_id, lh_err_t *err)
{
    int rc = check_id("dag id", dag_id, LH_FLOW_ID_MAX, err);
    if (rc == 0 && run_id) rc = check_id("run id", run_id, LH_FLOW_RUNID_MAX, err);
    if (rc == 0 && task_id) rc = check_id("task id", task_id, LH_FLOW_ID_MAX, err);
    return rc;
}

static int check_run(const lh_flow_run_rec_t *r, lh_err_t *err)
{
    int rc = check_keys(r->dag_id, r->run_id, NULL, err);
    if (rc == 0) rc = check_enum("run type", lh__flow_run_type_names, r->run_type, err);
    if (rc == 0) rc = check_enum("run state", lh_flow_run_state_names, r->state, err);
    return rc;
}

static int check_ti(const lh_flow_ti_rec_t *r, lh_err_t *err)
{
    int rc = check_keys(r->dag_id, r->run_id, r->task_id, err);
    if (rc == 0) rc = check_enum("task instance state", lh_flow_ti_state_names, r->state, err);
    if (rc == 0) rc = check_enum("failure kind", lh_flow_failure_names, r->failure, err);
    if (rc == 0 && strnlen(r->pool, sizeof r->pool) >= sizeof r->pool)
        rc = lh_err_set(err, LH_EINVAL, "pool name is not terminated");
    if (rc == 0 && r->try_number < 0)
        rc = lh_err_set(err, LH_EINVAL, "try number %d is negative", r->try_number);
    return rc;
}

static int check_try(const lh_flow_try_rec_t *r, lh_err_t *err)
{
    int rc = check_keys(r->dag_id, r->run_id, r->task_id, err);
    if (rc == 0) rc = check_enum("try state", lh_flow_ti_state_names, r->state, err);
    if (rc == 0) rc = check_enum("failure kind", lh_flow_failure_names, r->failure, err);
    if (rc == 0 && strnlen(r->reason, sizeof r->reason) >= sizeof r->reason)
        rc = lh_err_set(err, LH_EINVAL, "reason is not terminated");
    if (rc == 0 && r->try_number < 0)
        rc = lh_err_set(err, LH_EINVAL, "try number %d is negative", r->try_number);
    return rc;
}

/* A query's filters that are set must be valid ids; state -1 or a state of
 * states; limit and offset not negative (limit 0: no limit). */
static int check_query(const lh_flow_query_t *q, const char *const *states, lh_err_t *err)
{
    if (!q) return lh_err_set(err, LH_EINVAL, "no query");
    int rc = 0;
    if (q->dag_id) rc = check_id("dag id", q->dag_id, LH_FLOW_ID_MAX, err);
    if (rc == 0 && q->run_id) rc = check_id("run id", q->run_id, LH_FLOW_RUNID_MAX, err);
    if (rc == 0 && q->task_id) rc = check_id("task id", q->task_id, LH_FLOW_ID_MAX, err);
    if (rc == 0 && q->state != -1) rc = check_enum("state", states, q->state, err);
    if (rc == 0 && (q->limit < 0 || q->offset < 0))
        rc = lh_err_set(err, LH_EINVAL, "limit and offset must not be negative");
    return rc;
}

static int no_fn(lh_err_t *err)
{
    return lh_err_set(err, LH_EINVAL, "no function to call for each row");
}

/* --- open, close, transactions --- */

int lh_flow_state_open(lh_flow_state_t **out, const char *dir, lh_err_t *err)
{
    *out = NULL;
    if (!dir || !dir[0]) return lh_err_set(err, LH_EINVAL, "no directory for the flow state");
    return lh__flow_state_sqlite.open(out, dir, err);
}

void lh_flow_state_close(lh_flow_state_t *s)
{
    if (s) s->ops->close(s);
}

int lh_flow_state_begin(lh_flow_state_t *s, lh_err_t *err)
{
    return s->ops->begin(s, err);
}

int lh_flow_state_commit(lh_flow_state_t *s, lh_err_t *err)
{
    return s->ops->commit(s, err);
}

void lh_flow_state_rollback(lh_flow_state_t *s)
{
    s->ops->rollback(s);
}

/* --- DAGs --- */

int lh_flow_state_dag_put(lh_flow_state_t *s, const lh_flow_dag_rec_t *rec, lh_err_t *err)
{
    int rc = check_keys(rec->dag_id, NULL, NULL, err);
    return rc ? rc : s->ops->dag_put(s, rec, err);
}

int lh_flow_state_dag_get(lh_flow_state_t *s, const char *dag_id, lh_flow_dag_rec_t *out,
                          lh_err_t *err)
{
    memset(out, 0, sizeof *out);
    int rc = check_keys(dag_id, NULL, NULL, err);
    return rc ? rc : s->ops->dag_get(s, dag_id, out, err);
}

int lh_flow_state_dag_each(lh_flow_state_t *s, int (*fn)(const lh_flow_dag_rec_t *, void *),
                           void *arg, lh_err_t *err)
{
    if (!fn) return no_fn(err);
    return s->ops->dag_each(s, fn, arg, err);
}

void lh_flow_dag_rec_clear(lh_flow_dag_rec_t *rec)
{
    free(rec->fileloc);
    rec->fileloc = NULL;
}

/* --- runs --- */

int lh_flow_state_run_insert(lh_flow_state_t *s, const lh_flow_run_rec_t *rec, lh_err_t *err)
{
    int rc = check_run(rec, err);
    return rc ? rc : s->ops->run_insert(s, rec, err);
}

int lh_flow_state_run_update(lh_flow_state_t *s, const lh_flow_run_rec_t *rec, lh_err_t *err)
{
    int rc = check_run(rec, err);
    return rc ? rc : s->ops->run_update(s, rec, err);
}

int lh_flow_state_run_get(lh_flow_state_t *s, const char *dag_id, const char *run_id,
                          lh_flow_run_rec_t *out, lh_err_t *err)
{
    memset(out, 0, sizeof *out);
    int rc = check_keys(dag_id, run_id ? run_id : "", NULL, err);
    return rc ? rc : s->ops->run_get(s, dag_id, run_id, out, err);
}

int lh_flow_state_run_by_date(lh_flow_state_t *s, const char *dag_id, int64_t logical_date,
                              lh_flow_run_rec_t *out, lh_err_t *err)
{
    memset(out, 0, sizeof *out);
    int rc = check_keys(dag_id, NULL, NULL, err);
    return rc ? rc : s->ops->run_by_date(s, dag_id, logical_date, out, err);
}

int lh_flow_state_run_each(lh_flow_state_t *s, const lh_flow_query_t *q,
                           int (*fn)(const lh_flow_run_rec_t *, void *), void *arg, int64_t *total,
                           lh_err_t *err)
{
    int rc = fn ? check_query(q, lh_flow_run_state_names, err) : no_fn(err);
    return rc ? rc : s->ops->run_each(s, q, fn, arg, total, err);
}

int lh_flow_state_run_delete(lh_flow_state_t *s, const char *dag_id, const char *run_id,
                             lh_err_t *err)
{
    int rc = check_keys(dag_id, run_id ? run_id : "", NULL, err);
    return rc ? rc : s->ops->run_delete(s, dag_id, run_id, err);
}

void lh_flow_run_rec_clear(lh_flow_run_rec_t *rec)
{
    free(rec->conf);
    rec->conf = NULL;
}

/* --- task instances and tries --- */

int lh_flow_state_ti_put(lh_flow_state_t *s, const lh_flow_ti_rec_t *rec, lh_err_t *err)
{
    int rc = check_ti(rec, err);
    return rc ? rc : s->ops->ti_put(s, rec, err);
}

int lh_flow_state_ti_get(lh_flow_state_t *s, const char *dag_id, const char *run_id,
                         const char *task_id, lh_flow_ti_rec_t *out, lh_err_t *err)
{
    memset(out, 0, sizeof *out);
    int rc = check_keys(dag_id, run_id ? run_id : "", task_id ? task_id : "", err);
    return rc ? rc : s->ops->ti_get(s, dag_id, run_id, task_id, out, err);
}

int lh_flow_state_ti_each(lh_flow_state_t *s, const lh_flow_query_t *q,
                          int (*fn)(const lh_flow_ti_rec_t *, void *), void *arg, int64_t *total,
                          lh_err_t *err)
{
    int rc = fn ? check_query(q, lh_flow_ti_state_names, err) : no_fn(err);
    return rc ? rc : s->ops->ti_each(s, q, fn, arg, total, err);
}

int lh_flow_state_try_put(lh_flow_state_t *s, const lh_flow_try_rec_t *rec, lh_err_t *err)
{
    int rc = check_try(rec, err);
    return rc ? rc : s->ops->try_put(s, rec, err);
}

int lh_flow_state_try_each(lh_flow_state_t *s, const char *dag_id, const char *run_id,
                           const char *task_id, int (*fn)(const lh_flow_try_rec_t *, void *),
                           void *arg, lh_err_t *err)
{
    int rc =
        fn ? check_keys(dag_id, run_id ? run_id : "", task_id ? task_id : "", err) : no_fn(err);
    return rc ? rc : s->ops->try_each(s, dag_id, run_id, task_id, fn, arg, err);
}
