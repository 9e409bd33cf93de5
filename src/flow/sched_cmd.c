/* Commands from other threads (the REST API's workers): each is posted to
 * the scheduler thread, applied there between passes, and answered through
 * a condition variable; trigger, pause, clear, backfill, delete. Also the
 * run context of a task instance (params: defaults, then the run's conf). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "flow/flow_int.h"
#include "flow/schedule.h"

struct lh__cmd {
    lh_loop_post_node_t node;
    void (*run)(lh_flow_t *f, lh__cmd_t *c);
    lh_flow_t *f;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done, rc;
    lh_err_t *err;
    /* arguments and results */
    const char *dag_id, *run_id;
    int64_t a, b;
    int flag;
    const json_t *conf;
    char *out;
    size_t cap;
    const lh_flow_clear_t *clear;
    int (*fn)(const lh_flow_ti_rec_t *, void *);
    void *arg;
    int64_t id;
    int count;
};

static void on_post(void *arg, int status)
{
    lh__cmd_t *c = arg;
    if (status)
        c->rc = lh_err_set(c->err, LH_ECANCELED, "the orchestrator is stopping");
    else
        c->run(c->f, c);
    pthread_mutex_lock(&c->mu);
    c->done = 1;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

static int call(lh_flow_t *f, lh__cmd_t *c)
{
    c->f = f;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    c->node.fn = on_post, c->node.arg = c;
    if (lh_loop_post_node(f->poster, &c->node)) {
        c->rc = lh_err_set(c->err, LH_ECANCELED, "the orchestrator is stopping");
    } else {
        pthread_mutex_lock(&c->mu);
        while (!c->done)
            pthread_cond_wait(&c->cv, &c->mu);
        pthread_mutex_unlock(&c->mu);
    }
    pthread_cond_destroy(&c->cv);
    pthread_mutex_destroy(&c->mu);
    return c->rc;
}

static lh__fdag_t *usable(lh_flow_t *f, const char *dag_id, lh_err_t *err)
{
    lh__fdag_t *e = lh__flow_find(f, dag_id);
    if (!e || !e->cur || !e->file) {
        lh_err_set(err, LH_ENOENT, "dag %s not found", dag_id);
        return NULL;
    }
    return e;
}

/* --- params and the run context --- */

static const char *const ptype_names[] = {"string", "integer", "number", "boolean"};

static int param_ok(const lh_flow_param_t *p, const json_t *v)
{
    switch (p->type) {
    case LH_FLOW_P_INTEGER:
        return json_is_integer(v);
    case LH_FLOW_P_NUMBER:
        return json_is_number(v);
    case LH_FLOW_P_BOOLEAN:
        return json_is_boolean(v);
    default:
        return json_is_string(v);
    }
}

/* A param's default as written, as JSON of its type. */
static json_t *param_default(const lh_flow_param_t *p)
{
    if (!p->def) return NULL;
    if (p->type == LH_FLOW_P_STRING) return json_string(p->def);
    json_t *v = json_loads(p->def, JSON_DECODE_ANY, NULL);
    return v ? v : json_string(p->def);
}

static int check_conf(const lh_flow_dag_t *d, const json_t *conf, lh_err_t *err)
{
    if (!conf) return 0;
    if (!json_is_object(conf)) return lh_err_set(err, LH_EINVAL, "conf must be a JSON object");
    for (int i = 0; i < d->nparams; i++) {
        const json_t *v = json_object_get(conf, d->params[i].name);
        if (v && !param_ok(&d->params[i], v))
            return lh_err_set(err, LH_EINVAL, "conf: param %s must be a %s", d->params[i].name,
                              ptype_names[d->params[i].type]);
        if (!v && !d->params[i].def)
            return lh_err_set(err, LH_EINVAL, "conf: param %s is required (it has no default)",
                              d->params[i].name);
    }
    return 0;
}

void lh__flow_run_ctx(const lh__ti_t *ti, lh_flow_run_ctx_t *rc, json_t **params)
{
    const lh__run_t *r = ti->run;
    const lh_flow_dag_t *d = r->v->dag;
    json_t *p = json_object();
    for (int i = 0; p && i < d->nparams; i++) {
        json_t *v = json_object_get(r->conf, d->params[i].name);
        if (v)
            json_object_set(p, d->params[i].name, v);
        else if ((v = param_default(&d->params[i])))
            json_object_set_new(p, d->params[i].name, v);
    }
    *params = p;
    *rc = (lh_flow_run_ctx_t){.logical_date = r->rec.logical_date,
                              .data_interval_start = r->rec.interval_start,
                              .data_interval_end = r->rec.interval_end,
                              .run_id = r->rec.run_id,
                              .try_number = ti->rec.try_number,
                              .conf = r->conf,
                              .params = p};
}

/* --- trigger --- */

/* A manual run's data interval: for a cron schedule the last complete
 * interval at the logical date (Airflow's infer_manual_data_interval), else
 * [logical, logical]. */
static void manual_interval(const lh_flow_dag_t *d, int64_t logical, int64_t *s, int64_t *e)
{
    *s = *e = logical;
    if (d->sched_kind != LH_FLOW_SCHED_CRON) return;
    int64_t end, start;
    if (lh_cron_prev(&d->cron, logical, &end) == 0 && lh_cron_prev(&d->cron, end - 1, &start) == 0)
        *s = start, *e = end;
}

/* The id of a manual run of now (us), with Airflow's microseconds
 * ("manual__2024-01-01T00:00:00.123456+00:00"), so triggers in one second
 * do not collide. */
static void manual_run_id(int64_t now_us, char *out, size_t cap)
{
    char id[LH_FLOW_RUNID_MAX];
    lh_flow_run_id(LH_FLOW_RUN_MANUAL, now_us / 1000000, id, sizeof id);
    size_t n = strlen(id), zone = n >= 6 && id[n - 6] == '+' ? n - 6 : n;
    snprintf(out, cap, "%.*s.%06d%s", (int)zone, id, (int)(now_us % 1000000), id + zone);
}

static void trigger_run(lh_flow_t *f, lh__cmd_t *c)
{
    lh__fdag_t *e = usable(f, c->dag_id, c->err);
    if (!e) {
        c->rc = LH_ENOENT;
        return;
    }
    const lh_flow_dag_t *d = e->cur->dag;
    if ((c->rc = check_conf(d, c->conf, c->err))) return;
    int64_t now = lh__flow_clock_us(f);
    lh_flow_run_rec_t rec = {0};
    snprintf(rec.dag_id, sizeof rec.dag_id, "%s", c->dag_id);
    rec.logical_date = c->a == INT64_MIN ? now / 1000000 : c->a;
    if (c->run_id && c->run_id[0])
        snprintf(rec.run_id, sizeof rec.run_id, "%s", c->run_id);
    else if (c->a == INT64_MIN)
        manual_run_id(now, rec.run_id, sizeof rec.run_id);
    else
        lh_flow_run_id(LH_FLOW_RUN_MANUAL, rec.logical_date, rec.run_id, sizeof rec.run_id);
    rec.run_type = LH_FLOW_RUN_MANUAL;
    rec.state = LH_FLOW_RS_QUEUED;
    manual_interval(d, rec.logical_date, &rec.interval_start, &rec.interval_end);
    char *conf = c->conf ? json_dumps(c->conf, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    rec.conf = conf ? conf : (char *)"{}";
    rec.queued_us = now;
    c->rc = lh_flow_state_run_insert(f->st, &rec, c->err);
    if (c->rc == LH_EEXIST) lh_err_set(c->err, LH_EEXIST, "run %s exists already", rec.run_id);
    if (!c->rc && !lh__flow_run_add(f, e, &rec)) c->rc = lh_err_set(c->err, LH_ENOMEM, "no memory");
    free(conf);
    if (c->rc) return;
    snprintf(c->out, c->cap, "%s", rec.run_id);
    lh_info("flow: run %s/%s triggered", rec.dag_id, rec.run_id);
    lh__flow_kick(f);
}

int lh_flow_trigger(lh_flow_t *f, const char *dag_id, const char *run_id, int64_t logical,
                    const json_t *conf, char *run_id_out, size_t cap, lh_err_t *err)
{
    lh__cmd_t c = {.run = trigger_run,
                   .dag_id = dag_id,
                   .run_id = run_id,
                   .a = logical,
                   .conf = conf,
                   .out = run_id_out,
                   .cap = cap,
                   .err = err};
    return call(f, &c);
}

/* --- pause --- */

static void pause_run(lh_flow_t *f, lh__cmd_t *c)
{
    lh__fdag_t *e = lh__flow_find(f, c->dag_id);
    if (!e) {
        c->rc = lh_err_set(c->err, LH_ENOENT, "dag %s not found", c->dag_id);
        return;
    }
    pthread_mutex_lock(&f->reg_mu);
    e->paused = c->flag;
    pthread_mutex_unlock(&f->reg_mu);
    lh__flow_dag_save(f, e);
    lh_info("flow: dag %s %s", e->dag_id, c->flag ? "paused" : "unpaused");
    lh__flow_kick(f);
}

int lh_flow_set_paused(lh_flow_t *f, const char *dag_id, int paused, lh_err_t *err)
{
    lh__cmd_t c = {.run = pause_run, .dag_id = dag_id, .flag = paused != 0, .err = err};
    return call(f, &c);
}

/* --- loading a finished run back into the working set --- */

typedef struct {
    lh__run_t *r;
} load_t;

static int load_ti(const lh_flow_ti_rec_t *t, void *arg)
{
    lh__run_t *r = ((load_t *)arg)->r;
    const lh_flow_task_t *task = lh_flow_dag_task(r->v->dag, t->task_id);
    if (!task) return 0;
    lh__ti_t *ti = &r->tis[task - r->v->dag->tasks];
    int w = ti->rec.priority_weight;
    ti->rec = *t;
    ti->rec.priority_weight = w;
    return 0;
}

typedef struct {
    int try_number, state;
} try_state_t;

static int try_state(const lh_flow_try_rec_t *t, void *arg)
{
    try_state_t *ts = arg;
    if (t->try_number == ts->try_number) ts->state = t->state;
    return 0;
}

/* Whether a TI waits for (or was woken for) its next sensor poke, which
 * keeps its try number: up_for_reschedule, or scheduled again after it (a
 * woken TI keeps next_try_us, a cleared one has none) with its current try
 * recorded as up_for_reschedule. */
static int was_rescheduled(lh_flow_t *f, const lh_flow_ti_rec_t *t)
{
    if (t->state == LH_FLOW_TS_UP_FOR_RESCHEDULE) return 1;
    if (t->state != LH_FLOW_TS_SCHEDULED || !t->next_try_us || t->try_number < 1) return 0;
    try_state_t ts = {t->try_number, -1};
    lh_err_t err = {0};
    lh_flow_state_try_each(f->st, t->dag_id, t->run_id, t->task_id, try_state, &ts, &err);
    return ts.state == LH_FLOW_TS_UP_FOR_RESCHEDULE;
}

lh__run_t *lh__flow_run_load(lh_flow_t *f, lh__fdag_t *e, const lh_flow_run_rec_t *rec)
{
    lh__run_t *r = lh__flow_run_add(f, e, rec);
    if (!r) return NULL;
    load_t l = {r};
    lh_flow_query_t q = {.dag_id = rec->dag_id, .run_id = rec->run_id, .state = -1};
    lh_err_t err = {0};
    if (lh_flow_state_ti_each(f->st, &q, load_ti, &l, NULL, &err))
        lh_error("flow: cannot load the task instances of %s/%s: %s", rec->dag_id, rec->run_id,
                 err.msg);
    for (int i = 0; i < r->v->dag->ntasks; i++) {
        int s = r->tis[i].rec.state;
        if (s == LH_FLOW_TS_UP_FOR_RETRY || s == LH_FLOW_TS_UP_FOR_RESCHEDULE) r->nwaiting++;
        r->tis[i].rescheduled = was_rescheduled(f, &r->tis[i].rec);
    }
    return r;
}

lh__run_t *lh__flow_active_run(lh_flow_t *f, const char *dag_id, const char *run_id)
{
    for (lh__run_t *r = f->runs; r; r = r->next)
        if (!strcmp(r->rec.dag_id, dag_id) && !strcmp(r->rec.run_id, run_id)) return r;
    return NULL;
}

/* --- clear --- */

/* Adds to sel every task downstream (down) or upstream of a task in named. */
static void relatives(const lh_flow_dag_t *d, const unsigned char *named, unsigned char *sel,
                      unsigned char *seen, int down)
{
    memcpy(seen, named, (size_t)d->ntasks);
    for (int changed = 1; changed;) {
        changed = 0;
        for (int i = 0; i < d->ntasks; i++)
            for (int k = 0; k < d->tasks[i].ndeps; k++) {
                int u = d->tasks[i].dep_index[k], from = down ? u : i, to = down ? i : u;
                if (seen[from] && !seen[to]) seen[to] = sel[to] = changed = 1;
            }
    }
}

/* Marks the tasks c selects in sel: the named ones, with the upstream and
 * the downstream of those (Airflow's partial_subset: not the downstream of
 * their upstream). */
static int select_tasks(const lh__dagver_t *v, const lh_flow_clear_t *c, unsigned char *sel,
                        lh_err_t *err)
{
    const lh_flow_dag_t *d = v->dag;
    if (!c->task_ids) {
        memset(sel, 1, (size_t)d->ntasks);
        return 0;
    }
    for (int k = 0; c->task_ids[k]; k++) {
        const lh_flow_task_t *t = lh_flow_dag_task(d, c->task_ids[k]);
        if (!t)
            return lh_err_set(err, LH_EINVAL, "task %s not found in %s", c->task_ids[k], d->dag_id);
        sel[t - d->tasks] = 1;
    }
    unsigned char *named = malloc(2 * (size_t)d->ntasks + 1);
    if (!named) return LH_ENOMEM;
    memcpy(named, sel, (size_t)d->ntasks);
    if (c->downstream) relatives(d, named, sel, named + d->ntasks, 1);
    if (c->upstream) relatives(d, named, sel, named + d->ntasks, 0);
    free(named);
    return 0;
}

static int clear_one(lh_flow_t *f, lh__cmd_t *c, lh__run_t *r)
{
    const lh_flow_clear_t *cl = c->clear;
    const lh_flow_dag_t *d = r->v->dag;
    unsigned char *sel = calloc((size_t)d->ntasks + 1, 1);
    if (!sel) return LH_ENOMEM;
    int rc = select_tasks(r->v, cl, sel, c->err), n = 0;
    for (int i = 0; !rc && i < d->ntasks; i++) {
        lh__ti_t *ti = &r->tis[i];
        int s = ti->rec.state;
        if (!sel[i] || ti->live || s == LH_FLOW_TS_NONE) continue;
        if (cl->only_failed && s != LH_FLOW_TS_FAILED && s != LH_FLOW_TS_UPSTREAM_FAILED) continue;
        if (c->fn && c->fn(&ti->rec, c->arg)) break;
        n++;
        if (cl->dry_run) continue;
        lh__flow_heap_remove(f, ti);
        ti->rec.state = LH_FLOW_TS_NONE;
        ti->rec.max_tries = ti->rec.try_number + (int)d->tasks[i].args.retries;
        ti->rec.next_try_us = 0, ti->rec.first_poke_us = 0;
        ti->rescheduled = 0;
        lh__flow_ti_save(f, ti);
    }
    free(sel);
    if (rc) return rc;
    if (n && !cl->dry_run) {
        /* Airflow: a finished run goes back to queued, a running one keeps
         * running (its cleared TIs are decided again by the next pass) */
        if (r->rec.state == LH_FLOW_RS_RUNNING) {
            lh__flow_run_recount(r);
        } else if (r->rec.state != LH_FLOW_RS_QUEUED) {
            r->rec.state = LH_FLOW_RS_QUEUED;
            r->rec.start_us = r->rec.end_us = 0;
            lh__flow_run_save(f, r);
        }
        r->nwaiting = 0;
        for (int i = 0; i < d->ntasks; i++) {
            int s = r->tis[i].rec.state;
            if (s == LH_FLOW_TS_UP_FOR_RETRY || s == LH_FLOW_TS_UP_FOR_RESCHEDULE) r->nwaiting++;
        }
    }
    c->count += n;
    return 0;
}

typedef struct {
    lh_flow_run_rec_t *recs;
    int n, cap;
} runs_t;

static int collect_run(const lh_flow_run_rec_t *rec, void *arg)
{
    runs_t *rs = arg;
    if (rs->n == rs->cap) {
        int nc = rs->cap ? rs->cap * 2 : 16;
        lh_flow_run_rec_t *nr = realloc(rs->recs, (size_t)nc * sizeof *nr);
        if (!nr) return LH_ENOMEM;
        rs->recs = nr, rs->cap = nc;
    }
    rs->recs[rs->n] = *rec;
    rs->recs[rs->n++].conf = strdup(rec->conf ? rec->conf : "{}");
    return 0;
}

static void runs_free(runs_t *rs)
{
    for (int i = 0; i < rs->n; i++)
        free(rs->recs[i].conf);
    free(rs->recs);
}

/* The working-set run for rec, loading it when it has finished. */
static lh__run_t *working(lh_flow_t *f, lh__fdag_t *e, const lh_flow_run_rec_t *rec)
{
    lh__run_t *r = lh__flow_active_run(f, rec->dag_id, rec->run_id);
    return r ? r : lh__flow_run_load(f, e, rec);
}

static void clear_run(lh_flow_t *f, lh__cmd_t *c)
{
    const lh_flow_clear_t *cl = c->clear;
    lh__fdag_t *e = usable(f, cl->dag_id, c->err);
    if (!e) {
        c->rc = LH_ENOENT;
        return;
    }
    runs_t rs = {0};
    lh_flow_query_t q = {.dag_id = cl->dag_id, .state = -1, .limit = 1000000};
    if (cl->run_id) {
        lh_flow_run_rec_t rec = {0};
        if ((c->rc = lh_flow_state_run_get(f->st, cl->dag_id, cl->run_id, &rec, c->err))) {
            if (c->rc == LH_ENOENT) lh_err_set(c->err, LH_ENOENT, "run %s not found", cl->run_id);
            return;
        }
        collect_run(&rec, &rs);
        lh_flow_run_rec_clear(&rec);
    } else if ((c->rc = lh_flow_state_run_each(f->st, &q, collect_run, &rs, NULL, c->err))) {
        return;
    }
    lh_flow_state_begin(f->st, c->err);
    for (int i = 0; i < rs.n && !c->rc; i++) {
        const lh_flow_run_rec_t *rec = &rs.recs[i];
        if (!cl->run_id && (rec->logical_date < cl->start || rec->logical_date > cl->end)) continue;
        int loaded = !lh__flow_active_run(f, rec->dag_id, rec->run_id);
        lh__run_t *r = working(f, e, rec);
        if (!r) {
            c->rc = lh_err_set(c->err, LH_ENOMEM, "no memory");
            break;
        }
        int before = c->count;
        c->rc = clear_one(f, c, r);
        if (loaded && (cl->dry_run || c->count == before)) lh__flow_run_drop(f, r);
    }
    lh_flow_state_commit(f->st, c->err);
    runs_free(&rs);
    if (!c->rc) c->rc = c->count;
    lh__flow_kick(f);
}

int lh_flow_clear(lh_flow_t *f, const lh_flow_clear_t *cl,
                  int (*fn)(const lh_flow_ti_rec_t *, void *), void *arg, lh_err_t *err)
{
    lh__cmd_t c = {.run = clear_run, .clear = cl, .fn = fn, .arg = arg, .err = err};
    return call(f, &c);
}

/* --- backfill --- */

static void backfill_run(lh_flow_t *f, lh__cmd_t *c)
{
    lh__fdag_t *e = usable(f, c->dag_id, c->err);
    if (!e) {
        c->rc = LH_ENOENT;
        return;
    }
    const lh_flow_dag_t *d = e->cur->dag;
    if (d->sched_kind != LH_FLOW_SCHED_CRON) {
        c->rc = lh_err_set(c->err, LH_EINVAL, "dag %s has no cron schedule to backfill", d->dag_id);
        return;
    }
    if (c->a > c->b) {
        c->rc = lh_err_set(c->err, LH_EINVAL, "backfill start is after its end");
        return;
    }
    if ((c->rc = check_conf(d, c->conf, c->err))) return;
    char *conf = c->conf ? json_dumps(c->conf, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    int64_t now = lh__flow_clock_us(f), t;
    c->id = now / 1000;
    lh_flow_state_begin(f->st, c->err);
    for (int rc = lh_cron_next(&d->cron, c->a - 1, &t); rc == 0 && t <= c->b && !c->rc;
         rc = lh_cron_next(&d->cron, t, &t)) {
        lh_flow_run_rec_t old = {0};
        lh_err_t e2 = {0};
        if (lh_flow_state_run_by_date(f->st, d->dag_id, t, &old, &e2) == 0) {
            int st = old.state;
            int redo = st == LH_FLOW_RS_FAILED    ? c->flag >= LH_FLOW_REPROCESS_FAILED
                       : st == LH_FLOW_RS_SUCCESS ? c->flag == LH_FLOW_REPROCESS_ALL
                                                  : 0;
            if (redo) {
                lh_flow_clear_t cl = {.dag_id = d->dag_id, .run_id = old.run_id};
                lh__cmd_t sub = {.clear = &cl, .err = c->err};
                int loaded = !lh__flow_active_run(f, old.dag_id, old.run_id);
                lh__run_t *r = working(f, e, &old);
                if (r) r->rec.backfill_id = c->id; /* GET /backfills/{id} follows it too */
                if (r && clear_one(f, &sub, r) == 0 && sub.count) c->count++;
                /* nothing cleared: a finished run loaded for this goes again */
                if (r && loaded && !sub.count) lh__flow_run_drop(f, r);
            }
            lh_flow_run_rec_clear(&old);
            continue;
        }
        lh_flow_run_rec_t rec = {0};
        snprintf(rec.dag_id, sizeof rec.dag_id, "%s", d->dag_id);
        lh_flow_run_id(LH_FLOW_RUN_BACKFILL, t, rec.run_id, sizeof rec.run_id);
        rec.run_type = LH_FLOW_RUN_BACKFILL;
        rec.state = LH_FLOW_RS_QUEUED;
        rec.logical_date = rec.interval_start = t;
        if (lh_cron_next(&d->cron, t, &rec.interval_end)) rec.interval_end = t;
        rec.conf = conf ? conf : (char *)"{}";
        rec.queued_us = now;
        rec.backfill_id = c->id;
        c->rc = lh_flow_state_run_insert(f->st, &rec, c->err);
        if (c->rc == LH_EEXIST)
            c->rc = 0; /* a run id taken by hand: leave it */
        else if (!c->rc && !lh__flow_run_add(f, e, &rec))
            c->rc = lh_err_set(c->err, LH_ENOMEM, "no memory");
        else if (!c->rc)
            c->count++;
    }
    lh_flow_state_commit(f->st, c->err);
    free(conf);
    lh_info("flow: backfill %lld of %s: %d runs", (long long)c->id, d->dag_id, c->count);
    lh__flow_kick(f);
}

int lh_flow_backfill(lh_flow_t *f, const char *dag_id, int64_t start, int64_t end, int reprocess,
                     const json_t *conf, int64_t *backfill_id, int *nruns, lh_err_t *err)
{
    lh__cmd_t c = {.run = backfill_run,
                   .dag_id = dag_id,
                   .a = start,
                   .b = end,
                   .flag = reprocess,
                   .conf = conf,
                   .err = err};
    int rc = call(f, &c);
    if (backfill_id) *backfill_id = c.id;
    if (nruns) *nruns = c.count;
    return rc;
}

/* --- delete --- */

static void delete_run(lh_flow_t *f, lh__cmd_t *c)
{
    lh__run_t *r = lh__flow_active_run(f, c->dag_id, c->run_id);
    if (r && r->nlive) {
        c->rc = lh_err_set(c->err, LH_EBUSY, "run %s has tasks running", c->run_id);
        return;
    }
    if (r) lh__flow_run_drop(f, r);
    c->rc = lh_flow_state_run_delete(f->st, c->dag_id, c->run_id, c->err);
    if (c->rc == LH_ENOENT) lh_err_set(c->err, LH_ENOENT, "run %s not found", c->run_id);
}

int lh_flow_run_delete(lh_flow_t *f, const char *dag_id, const char *run_id, lh_err_t *err)
{
    lh__cmd_t c = {.run = delete_run, .dag_id = dag_id, .run_id = run_id, .err = err};
    return call(f, &c);
}

/* --- recovery at start --- */

static int recover_run(const lh_flow_run_rec_t *rec, void *arg)
{
    runs_t *rs = arg;
    return collect_run(rec, rs);
}

int lh__flow_recover(lh_flow_t *f, lh_err_t *err)
{
    runs_t rs = {0};
    for (int st = LH_FLOW_RS_QUEUED; st <= LH_FLOW_RS_RUNNING; st++) {
        lh_flow_query_t q = {.state = st, .limit = 10000000};
        int rc = lh_flow_state_run_each(f->st, &q, recover_run, &rs, NULL, err);
        if (rc) {
            runs_free(&rs);
            return rc;
        }
    }
    lh_flow_state_begin(f->st, err);
    for (int i = 0; i < rs.n; i++) {
        lh_flow_run_rec_t *rec = &rs.recs[i];
        lh__fdag_t *e = lh__flow_find(f, rec->dag_id);
        if (!e || !e->cur) {
            lh_warn("flow: run %s/%s: its dag is gone; marked failed", rec->dag_id, rec->run_id);
            lh__flow_run_fail_orphan(f, rec);
            continue;
        }
        int was_running = rec->state == LH_FLOW_RS_RUNNING;
        lh__run_t *r = lh__flow_run_load(f, e, rec);
        if (!r) continue;
        if (was_running) lh__flow_run_count(r);
        lh__flow_run_recount(r);
        for (int k = 0; k < r->v->dag->ntasks; k++) {
            lh__ti_t *ti = &r->tis[k];
            if (ti->rec.state == LH_FLOW_TS_QUEUED || ti->rec.state == LH_FLOW_TS_RUNNING)
                lh__flow_ti_adopt(f, ti);
            else if (ti->rec.state == LH_FLOW_TS_SCHEDULED)
                lh__flow_ti_ready(f, ti,
                                  ti->rec.ready_us ? ti->rec.ready_us : lh__flow_clock_us(f));
        }
    }
    lh_flow_state_commit(f->st, err);
    if (rs.n) lh_info("flow: %d unfinished runs recovered", rs.n);
    runs_free(&rs);
    return 0;
}
