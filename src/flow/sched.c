/* The scheduler's working set and its pass, on the scheduler thread. The
 * working set is every run not finished (queued or running) with its task
 * instances; each TI keeps the counts of its upstream tasks by terminal
 * state, so a finished TI wakes only its downstream tasks (no rescans of
 * the whole DAG, the cost Airflow's scheduler is known for). A pass:
 * makes the scheduled runs that came due, starts queued runs within
 * max_active_runs, decides the TIs on each run's to-do list by their
 * trigger rules, wakes the retries and reschedules whose time came,
 * finishes runs whose TIs all ended (their state follows the leaves), and
 * dispatches ready TIs (sched_ti.c). Every change of a pass is written in
 * one transaction. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/metrics.h"
#include "flow/flow_int.h"
#include "flow/schedule.h"

int64_t lh__flow_clock_us(const lh_flow_t *f)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 + f->clock_offset_us;
}

static void on_idle(uv_idle_t *h)
{
    lh_flow_t *f = h->data;
    uv_idle_stop(h);
    f->pass_pending = 0;
    lh__flow_pass(f);
}

void lh__flow_kick(lh_flow_t *f)
{
    if (f->pass_pending || f->stopping) return;
    f->pass_pending = 1;
    uv_idle_start(&f->pass_idle, on_idle);
}

int lh__flow_ti_is_terminal(int s)
{
    return s == LH_FLOW_TS_SUCCESS || s == LH_FLOW_TS_FAILED || s == LH_FLOW_TS_SKIPPED ||
           s == LH_FLOW_TS_UPSTREAM_FAILED;
}

void lh__flow_ti_save(lh_flow_t *f, lh__ti_t *ti)
{
    lh_err_t err = {0};
    if (lh_flow_state_ti_put(f->st, &ti->rec, &err))
        lh_error("flow: cannot save task instance %s/%s/%s: %s", ti->rec.dag_id, ti->rec.run_id,
                 ti->rec.task_id, err.msg);
}

void lh__flow_run_save(lh_flow_t *f, lh__run_t *r)
{
    lh_err_t err = {0};
    if (lh_flow_state_run_update(f->st, &r->rec, &err))
        lh_error("flow: cannot save run %s/%s: %s", r->rec.dag_id, r->rec.run_id, err.msg);
}

/* --- the to-do list of a run: TIs whose upstream counts changed --- */

static void todo_push(lh__run_t *r, int i)
{
    if (r->in_todo[i]) return;
    r->in_todo[i] = 1;
    r->todo[r->ntodo++] = i;
    r->dirty = 1;
}

void lh__flow_run_todo(lh__run_t *r, int i)
{
    todo_push(r, i);
}

void lh__flow_run_recount(lh__run_t *r)
{
    const lh_flow_dag_t *d = r->v->dag;
    r->nterminal = 0;
    for (int i = 0; i < d->ntasks; i++) {
        lh__ti_t *ti = &r->tis[i];
        memset(&ti->up, 0, sizeof ti->up);
        ti->up.total = d->tasks[i].ndeps;
        if (lh__flow_ti_is_terminal(ti->rec.state)) r->nterminal++;
    }
    for (int i = 0; i < d->ntasks; i++)
        for (int k = 0; k < d->tasks[i].ndeps; k++)
            lh__flow_up_count(&r->tis[i].up, r->tis[d->tasks[i].dep_index[k]].rec.state, 1);
    for (int i = 0; i < d->ntasks; i++)
        if (r->tis[i].rec.state == LH_FLOW_TS_NONE) todo_push(r, i);
}

void lh__flow_up_count(lh_flow_upstream_t *up, int state, int delta)
{
    switch (state) {
    case LH_FLOW_TS_SUCCESS:
        up->success += delta;
        break;
    case LH_FLOW_TS_SKIPPED:
        up->skipped += delta;
        break;
    case LH_FLOW_TS_FAILED:
        up->failed += delta;
        break;
    case LH_FLOW_TS_UPSTREAM_FAILED:
        up->upstream_failed += delta;
        break;
    default:
        break;
    }
}

void lh__flow_ti_terminal(lh_flow_t *f, lh__ti_t *ti)
{
    lh__run_t *r = ti->run;
    r->nterminal++;
    for (int k = 0; k < r->v->ndown[ti->idx]; k++) {
        int c = r->v->down[ti->idx][k];
        lh__flow_up_count(&r->tis[c].up, ti->rec.state, 1);
        if (r->tis[c].rec.state == LH_FLOW_TS_NONE) todo_push(r, c);
    }
    lh__flow_kick(f);
}

/* --- runs --- */

static void run_free(lh_flow_t *f, lh__run_t *r)
{
    for (int i = 0; r->tis && i < r->v->dag->ntasks; i++)
        free(r->tis[i].watch_object);
    lh__dagver_release(f, r->v); /* the last reference frees the DAG */
    json_decref(r->conf);
    free(r->rec.conf);
    free(r->tis);
    free(r->todo);
    free(r->in_todo);
    free(r);
}

lh__run_t *lh__flow_run_add(lh_flow_t *f, lh__fdag_t *e, const lh_flow_run_rec_t *rec)
{
    lh__run_t *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->f = f;
    r->rec = *rec;
    r->rec.conf = strdup(rec->conf ? rec->conf : "{}");
    r->entry = e;
    r->v = lh__dagver_acquire(f, e->cur);
    const lh_flow_dag_t *d = r->v->dag;
    size_t n = (size_t)d->ntasks + 1;
    r->tis = calloc(n, sizeof *r->tis);
    r->todo = calloc(n, sizeof *r->todo);
    r->in_todo = calloc(n, 1);
    r->conf = json_loads(r->rec.conf, 0, NULL);
    if (!r->rec.conf || !r->tis || !r->todo || !r->in_todo) {
        run_free(f, r);
        return NULL;
    }
    if (!json_is_object(r->conf)) {
        json_decref(r->conf);
        r->conf = json_object();
    }
    for (int i = 0; i < d->ntasks; i++) {
        lh__ti_t *ti = &r->tis[i];
        lh_flow_ti_rec_t *t = &ti->rec;
        const lh_flow_task_t *task = &d->tasks[i];
        snprintf(t->dag_id, sizeof t->dag_id, "%s", rec->dag_id);
        snprintf(t->run_id, sizeof t->run_id, "%s", rec->run_id);
        snprintf(t->task_id, sizeof t->task_id, "%s", task->id);
        t->max_tries = (int)task->args.retries;
        t->exit_code = -1;
        snprintf(t->pool, sizeof t->pool, "%s", task->args.pool ? task->args.pool : "default_pool");
        t->priority_weight = (int)r->v->weight[i];
        ti->run = r, ti->idx = i, ti->heap_pos = -1;
        ti->up.total = task->ndeps;
    }
    lh__run_t **pp = &f->runs;
    while (*pp)
        pp = &(*pp)->next;
    *pp = r;
    return r;
}

static void run_unlink(lh_flow_t *f, lh__run_t *r)
{
    for (lh__run_t **pp = &f->runs; *pp; pp = &(*pp)->next)
        if (*pp == r) {
            *pp = r->next;
            return;
        }
}

void lh__flow_run_count(lh__run_t *r)
{
    if (!r->counted) r->entry->active++;
    r->counted = 1;
}

void lh__flow_run_uncount(lh__run_t *r)
{
    if (r->counted) r->entry->active--;
    r->counted = 0;
}

void lh__flow_run_drop(lh_flow_t *f, lh__run_t *r)
{
    for (int i = 0; i < r->v->dag->ntasks; i++)
        lh__flow_heap_remove(f, &r->tis[i]);
    lh__flow_run_uncount(r);
    run_unlink(f, r);
    run_free(f, r);
}

void lh__flow_runs_free(lh_flow_t *f)
{
    while (f->runs) {
        lh__run_t *r = f->runs;
        f->runs = r->next;
        run_free(f, r);
    }
    free(f->heap);
    f->heap = NULL;
    f->nheap = 0;
}

/* The run's TIs all ended: its state follows its leaves. */
static void run_finish(lh_flow_t *f, lh__run_t *r, int64_t now)
{
    int failed = 0;
    for (int i = 0; i < r->v->dag->ntasks; i++)
        if (r->v->leaf[i] && (r->tis[i].rec.state == LH_FLOW_TS_FAILED ||
                              r->tis[i].rec.state == LH_FLOW_TS_UPSTREAM_FAILED))
            failed = 1;
    r->rec.state = failed ? LH_FLOW_RS_FAILED : LH_FLOW_RS_SUCCESS;
    r->rec.end_us = now;
    lh__flow_run_save(f, r);
    char lab[600];
    snprintf(lab, sizeof lab, "dag_id=\"%s\",state=\"%s\"", r->rec.dag_id,
             lh_flow_run_state_names[r->rec.state]);
    lh_metrics_add("lakehouse_flow_dag_runs_finished_total", lab, 1);
    lh_info("flow: run %s/%s %s", r->rec.dag_id, r->rec.run_id,
            lh_flow_run_state_names[r->rec.state]);
    lh__flow_run_drop(f, r);
}

/* Decides the TIs on the run's to-do list. */
static void run_decide(lh_flow_t *f, lh__run_t *r, int64_t now)
{
    const lh_flow_dag_t *d = r->v->dag;
    while (r->ntodo) {
        int i = r->todo[--r->ntodo];
        r->in_todo[i] = 0;
        lh__ti_t *ti = &r->tis[i];
        if (ti->rec.state != LH_FLOW_TS_NONE) continue;
        int how = lh_flow_trigger_decide(d->tasks[i].trigger_rule, &ti->up);
        if (how == LH_FLOW_TRIGGER_WAIT) continue;
        if (how == LH_FLOW_TRIGGER_RUN) {
            lh__flow_ti_ready(f, ti, now);
            continue;
        }
        ti->rec.state =
            how == LH_FLOW_TRIGGER_SKIP ? LH_FLOW_TS_SKIPPED : LH_FLOW_TS_UPSTREAM_FAILED;
        ti->rec.start_us = ti->rec.end_us = now;
        lh__flow_ti_save(f, ti);
        lh__flow_ti_terminal(f, ti);
    }
    r->dirty = 0;
}

/* The scheduled runs of e that came due. */
static void make_due_runs(lh_flow_t *f, lh__fdag_t *e, int64_t now_s)
{
    if (!e->cur || !e->file || e->paused) return;
    const lh_flow_dag_t *d = e->cur->dag;
    lh_flow_interval_t last = {e->last_logical, e->last_end}, due[64];
    int n = lh_flow_due_runs(d, e->have_last ? &last : NULL, now_s, due, 64);
    if (n <= 0) return;
    if (n > 64) {
        n = 64;
        lh__flow_kick(f);
    }
    for (int i = 0; i < n; i++) {
        lh_flow_run_rec_t rec = {0};
        snprintf(rec.dag_id, sizeof rec.dag_id, "%s", e->dag_id);
        lh_flow_run_id(LH_FLOW_RUN_SCHEDULED, due[i].start, rec.run_id, sizeof rec.run_id);
        rec.run_type = LH_FLOW_RUN_SCHEDULED;
        rec.state = LH_FLOW_RS_QUEUED;
        rec.logical_date = due[i].start;
        rec.interval_start = due[i].start, rec.interval_end = due[i].end;
        rec.conf = (char *)"{}";
        rec.queued_us = lh__flow_clock_us(f);
        lh_err_t err = {0};
        int rc = lh_flow_state_run_insert(f->st, &rec, &err);
        if (rc == 0 && !lh__flow_run_add(f, e, &rec)) rc = LH_ENOMEM;
        if (rc && rc != LH_EEXIST) {
            lh_error("flow: cannot create run %s/%s: %s", e->dag_id, rec.run_id, err.msg);
            return;
        }
        /* REST readers compute the next run from these, under reg_mu */
        pthread_mutex_lock(&f->reg_mu);
        e->have_last = 1, e->last_logical = due[i].start, e->last_end = due[i].end;
        pthread_mutex_unlock(&f->reg_mu);
    }
    lh__flow_dag_save(f, e);
}

/* Queued runs start, oldest first, backfills after the others, while their
 * DAG has fewer than max_active_runs running and is not paused (Airflow
 * leaves a paused DAG's queued runs queued). */
static void start_runs(lh_flow_t *f, int64_t now)
{
    for (int pass = 0; pass < 2; pass++)
        for (lh__run_t *r = f->runs; r; r = r->next) {
            if (r->rec.state != LH_FLOW_RS_QUEUED) continue;
            if ((r->rec.run_type == LH_FLOW_RUN_BACKFILL) != pass) continue;
            /* the DAG's limit as its file says now (Airflow's DagModel) */
            if (!r->entry->file || r->entry->paused ||
                r->entry->active >= r->entry->cur->dag->max_active_runs)
                continue;
            r->rec.state = LH_FLOW_RS_RUNNING;
            if (!r->rec.start_us) r->rec.start_us = now;
            lh__flow_run_count(r);
            lh__flow_run_save(f, r);
            lh__flow_run_recount(r);
        }
}

/* Retries and reschedules whose time came become ready again. */
static void wake_waiting(lh_flow_t *f, lh__run_t *r, int64_t now)
{
    if (!r->nwaiting) return;
    int still = 0;
    for (int i = 0; i < r->v->dag->ntasks; i++) {
        lh__ti_t *ti = &r->tis[i];
        if (ti->rec.state != LH_FLOW_TS_UP_FOR_RETRY &&
            ti->rec.state != LH_FLOW_TS_UP_FOR_RESCHEDULE)
            continue;
        if (ti->rec.next_try_us <= now && !r->entry->paused)
            lh__flow_ti_ready(f, ti, now);
        else
            still++;
    }
    r->nwaiting = still;
}

void lh__flow_pass(lh_flow_t *f)
{
    if (f->stopping) return;
    int64_t now = lh__flow_clock_us(f);
    lh_err_t err = {0};
    int tx = lh_flow_state_begin(f->st, &err) == 0;
    for (lh__fdag_t *e = f->dags; e; e = e->next)
        make_due_runs(f, e, now / 1000000);
    start_runs(f, now);
    for (lh__run_t *r = f->runs, *next; r; r = next) {
        next = r->next;
        if (r->rec.state != LH_FLOW_RS_RUNNING) continue;
        wake_waiting(f, r, now);
        if (r->ntodo) run_decide(f, r, now);
        if (r->nterminal == r->v->dag->ntasks) run_finish(f, r, now);
    }
    if (tx && lh_flow_state_commit(f->st, &err))
        lh_error("flow: cannot commit the scheduler's pass: %s", err.msg);
    lh__flow_dispatch(f);
    lh__flow_sensor_wake_count(f);
}

/* --- a run whose DAG is gone at recovery --- */

typedef struct {
    lh_flow_ti_rec_t *tis;
    int n, cap;
} tis_t;

static int collect_ti(const lh_flow_ti_rec_t *t, void *arg)
{
    tis_t *ts = arg;
    if (lh__flow_ti_is_terminal(t->state)) return 0;
    if (ts->n == ts->cap) {
        int nc = ts->cap ? ts->cap * 2 : 16;
        lh_flow_ti_rec_t *nt = realloc(ts->tis, (size_t)nc * sizeof *nt);
        if (!nt) return LH_ENOMEM;
        ts->tis = nt, ts->cap = nc;
    }
    ts->tis[ts->n++] = *t;
    return 0;
}

void lh__flow_run_fail_orphan(lh_flow_t *f, lh_flow_run_rec_t *rec)
{
    lh_err_t err = {0};
    tis_t ts = {0};
    lh_flow_query_t q = {.dag_id = rec->dag_id, .run_id = rec->run_id, .state = -1};
    lh_flow_state_ti_each(f->st, &q, collect_ti, &ts, NULL, &err);
    rec->state = LH_FLOW_RS_FAILED;
    rec->end_us = lh__flow_clock_us(f);
    if (lh_flow_state_run_update(f->st, rec, &err))
        lh_error("flow: cannot save run %s/%s: %s", rec->dag_id, rec->run_id, err.msg);
    for (int i = 0; i < ts.n; i++) {
        lh_flow_ti_rec_t *t = &ts.tis[i];
        int started = t->state == LH_FLOW_TS_QUEUED || t->state == LH_FLOW_TS_RUNNING;
        t->state = started ? LH_FLOW_TS_FAILED : LH_FLOW_TS_SKIPPED;
        t->end_us = rec->end_us;
        if (!t->start_us) t->start_us = t->end_us;
        t->pid = 0, t->pid_start = 0;
        if (lh_flow_state_ti_put(f->st, t, &err))
            lh_error("flow: cannot save task instance %s/%s/%s: %s", t->dag_id, t->run_id,
                     t->task_id, err.msg);
    }
    free(ts.tis);
}
