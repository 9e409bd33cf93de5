/* Task instances from ready to done: the ready heap (highest effective
 * priority_weight first, then the longest waiting), dispatch within
 * flow.parallelism, the pools' slots and the DAG's max_active_tasks (a
 * paused DAG starts no new try), the start of a try (state queued and the
 * try number bumped and committed before the supervisor is spawned, so a
 * crash never loses track of a started try), and the end of a try by the
 * task contract: success; invalid input fails at once; resource and
 * execution failures retry while tries remain (Airflow's back-off,
 * retry.c); a reschedule-mode sensor that is not yet met waits
 * poke_interval with its slot freed; a try lost with its supervisor (or
 * stopped at shutdown) runs again without counting as a retry. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "flow/dag_int.h"
#include "flow/flow_int.h"

/* --- the ready heap --- */

static int before(const lh__ti_t *a, const lh__ti_t *b)
{
    if (a->rec.priority_weight != b->rec.priority_weight)
        return a->rec.priority_weight > b->rec.priority_weight;
    if (a->rec.ready_us != b->rec.ready_us) return a->rec.ready_us < b->rec.ready_us;
    return a->seq < b->seq;
}

static void heap_set(lh_flow_t *f, int i, lh__ti_t *ti)
{
    f->heap[i] = ti;
    ti->heap_pos = i;
}

static void sift_up(lh_flow_t *f, int i)
{
    lh__ti_t *ti = f->heap[i];
    while (i > 0 && before(ti, f->heap[(i - 1) / 2])) {
        heap_set(f, i, f->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_set(f, i, ti);
}

static void sift_down(lh_flow_t *f, int i)
{
    lh__ti_t *ti = f->heap[i];
    for (;;) {
        int c = 2 * i + 1;
        if (c >= f->nheap) break;
        if (c + 1 < f->nheap && before(f->heap[c + 1], f->heap[c])) c++;
        if (!before(f->heap[c], ti)) break;
        heap_set(f, i, f->heap[c]);
        i = c;
    }
    heap_set(f, i, ti);
}

static int heap_push(lh_flow_t *f, lh__ti_t *ti)
{
    if (f->nheap == f->heap_cap) {
        int nc = f->heap_cap ? f->heap_cap * 2 : 256;
        lh__ti_t **nh = realloc(f->heap, (size_t)nc * sizeof *nh);
        if (!nh) return LH_ENOMEM;
        f->heap = nh, f->heap_cap = nc;
    }
    heap_set(f, f->nheap++, ti);
    sift_up(f, f->nheap - 1);
    return 0;
}

void lh__flow_heap_remove(lh_flow_t *f, lh__ti_t *ti)
{
    int i = ti->heap_pos;
    if (i < 0) return;
    ti->heap_pos = -1;
    lh__ti_t *last = f->heap[--f->nheap];
    if (i == f->nheap) return;
    heap_set(f, i, last);
    sift_up(f, i);
    sift_down(f, last->heap_pos);
}

static lh__ti_t *heap_pop(lh_flow_t *f)
{
    if (!f->nheap) return NULL;
    lh__ti_t *top = f->heap[0];
    lh__flow_heap_remove(f, top);
    return top;
}

void lh__flow_ti_ready(lh_flow_t *f, lh__ti_t *ti, int64_t now)
{
    ti->rec.state = LH_FLOW_TS_SCHEDULED;
    ti->rec.ready_us = now;
    ti->seq = ++f->seq;
    lh__flow_ti_save(f, ti);
    if (heap_push(f, ti)) lh_error("flow: out of memory queueing %s", ti->rec.task_id);
}

/* --- pools --- */

static lh__pool_t *pool_find(lh_flow_t *f, const char *name)
{
    for (int i = 0; i < f->npools; i++)
        if (!strcmp(f->pools[i].name, name)) return &f->pools[i];
    return NULL;
}

void lh__flow_pool_metrics(lh_flow_t *f)
{
    char lab[100];
    for (int i = 0; i < f->npools; i++) {
        snprintf(lab, sizeof lab, "pool=\"%s\"", f->pools[i].name);
        lh_metrics_set("lakehouse_flow_pool_slots", lab, f->pools[i].slots);
        lh_metrics_set("lakehouse_flow_pool_used_slots", lab, f->pools[i].used);
    }
}

/* --- the end of a try --- */

/* Whether a task's work takes this machine's cores (its type's row). */
static bool runs_here(const lh__ti_t *ti)
{
    const struct lh_flow_task_type *ty = ti->run->v->dag->tasks[ti->idx].ty;
    return !ty || !ty->off_cores;
}

static void account(lh_flow_t *f, lh__ti_t *ti, int delta)
{
    lh__pool_t *p = pool_find(f, ti->rec.pool);
    if (p) p->used += delta;
    f->nlive += delta;
    if (runs_here(ti)) f->nlocal += delta;
    ti->run->nlive += delta;
    ti->run->entry->running_tis += delta;
    ti->live = delta > 0;
}

static void record_try(lh_flow_t *f, lh__ti_t *ti, const lh_flow_result_t *res)
{
    lh_flow_try_rec_t t = {0};
    snprintf(t.dag_id, sizeof t.dag_id, "%s", ti->rec.dag_id);
    snprintf(t.run_id, sizeof t.run_id, "%s", ti->rec.run_id);
    snprintf(t.task_id, sizeof t.task_id, "%s", ti->rec.task_id);
    t.try_number = ti->rec.try_number;
    t.state = ti->rec.state;
    t.start_us = ti->rec.start_us, t.end_us = ti->rec.end_us;
    t.exit_code = res->exit_code;
    t.failure = ti->rec.failure;
    snprintf(t.reason, sizeof t.reason, "%s", res->reason);
    lh_err_t err = {0};
    if (lh_flow_state_try_put(f->st, &t, &err))
        lh_error("flow: cannot record try %d of %s: %s", t.try_number, t.task_id, err.msg);
}

static int failure_of(int outcome)
{
    switch (outcome) {
    case LH_FLOW_OUT_INVALID:
        return LH_FLOW_FAIL_INVALID_INPUT;
    case LH_FLOW_OUT_RESOURCE:
        return LH_FLOW_FAIL_RESOURCE;
    default:
        return LH_FLOW_FAIL_EXECUTION;
    }
}

static void on_failure(lh_flow_t *f, lh__ti_t *ti)
{
    const lh_flow_task_t *t = &ti->run->v->dag->tasks[ti->idx];
    if (!t->args.on_failure && !t->args.on_failure_webhook) return;
    lh_flow_run_ctx_t rc;
    json_t *params = NULL;
    lh__flow_run_ctx(ti, &rc, &params);
    lh_err_t err = {0};
    if (lh_flow_task_on_failure(ti->run->v->dag, t, &rc, &f->pf,
                                lh_flow_failure_names[ti->rec.failure], &err))
        lh_error("flow: on_failure of %s/%s: %s", ti->rec.dag_id, ti->rec.task_id, err.msg);
    json_decref(params);
}

/* Sets the state a try's result leads to. */
static void settle(lh_flow_t *f, lh__ti_t *ti, const lh_flow_result_t *res, int64_t now)
{
    lh_flow_ti_rec_t *r = &ti->rec;
    const lh_flow_task_t *task = &ti->run->v->dag->tasks[ti->idx];
    r->exit_code = res->exit_code;
    r->end_us = res->end_us ? res->end_us : now;
    if (res->start_us) r->start_us = res->start_us;
    r->pid = 0, r->pid_start = 0;
    int out = res->outcome;
    if (out == LH_FLOW_OUT_RESCHEDULE && !ti->reschedule) out = LH_FLOW_OUT_EXECUTION;
    if (out == LH_FLOW_OUT_RESCHEDULE && ti->sensor_timeout > 0 && r->first_poke_us &&
        now - r->first_poke_us >= ti->sensor_timeout * 1000000)
        out = LH_FLOW_OUT_INVALID; /* the sensor's timeout: no retry */
    r->failure = LH_FLOW_FAIL_NONE;
    switch (out) {
    case LH_FLOW_OUT_SUCCESS:
        r->state = LH_FLOW_TS_SUCCESS;
        break;
    case LH_FLOW_OUT_RESCHEDULE:
        r->state = LH_FLOW_TS_UP_FOR_RESCHEDULE;
        r->next_try_us = now + ti->poke_interval * 1000000;
        ti->rescheduled = 1;
        ti->run->nwaiting++;
        if (ti->watch_object) atomic_fetch_add(&f->object_waiters, 1); /* recounted each pass */
        break;
    case LH_FLOW_OUT_SHUTDOWN:
    case LH_FLOW_OUT_LOST:
        r->state = LH_FLOW_TS_UP_FOR_RETRY;
        r->next_try_us = now;
        r->max_tries++, r->extra_tries++;
        ti->run->nwaiting++;
        break;
    default:
        r->failure = failure_of(out);
        if (out != LH_FLOW_OUT_INVALID && r->try_number <= r->max_tries) {
            r->state = LH_FLOW_TS_UP_FOR_RETRY;
            r->next_try_us = r->end_us + 1000000 * lh__flow_retry_delay(
                                                       &task->args, r->dag_id, r->task_id,
                                                       ti->run->rec.logical_date, r->try_number);
            ti->run->nwaiting++;
        } else {
            r->state = LH_FLOW_TS_FAILED;
        }
    }
}

static void try_done(void *arg, const lh_flow_result_t *res)
{
    lh__ti_t *ti = arg;
    lh__run_t *run = ti->run;
    lh_flow_t *f = run->f;
    int64_t now = lh__flow_clock_us(f);
    account(f, ti, -1);
    settle(f, ti, res, now);
    lh_err_t err = {0};
    int tx = lh_flow_state_begin(f->st, &err) == 0;
    record_try(f, ti, res);
    lh__flow_ti_save(f, ti);
    if (tx) lh_flow_state_commit(f->st, &err);
    char lab[600];
    snprintf(lab, sizeof lab, "dag_id=\"%s\",state=\"%s\"", ti->rec.dag_id,
             lh_flow_ti_state_names[ti->rec.state]);
    lh_metrics_add("lakehouse_flow_task_tries_finished_total", lab, 1);
    if (ti->rec.start_us && ti->rec.end_us >= ti->rec.start_us)
        lh_metrics_observe("lakehouse_flow_task_duration_seconds", NULL,
                           (double)(ti->rec.end_us - ti->rec.start_us) / 1e6);
    if (ti->rec.state == LH_FLOW_TS_FAILED) on_failure(f, ti);
    if (lh__flow_ti_is_terminal(ti->rec.state)) lh__flow_ti_terminal(f, ti);
    lh__flow_kick(f);
}

/* A try that cannot start (a template that does not render, a spawn that
 * failed): it ends at once with that reason written to its log. */
static void fail_start(lh_flow_t *f, lh__ti_t *ti, int outcome, const char *why)
{
    char log[4096], status[4096];
    if (lh_flow_attempt_paths(f->data_dir, ti->rec.dag_id, ti->rec.run_id, ti->rec.task_id,
                              ti->rec.try_number, log, status, sizeof log) == 0)
        lh__flow_write_log(log, why);
    lh_flow_result_t res = {.outcome = outcome, .exit_code = -1};
    snprintf(res.reason, sizeof res.reason, "%s",
             outcome == LH_FLOW_OUT_INVALID ? "invalid" : "spawn failed");
    lh_error("flow: %s/%s/%s try %d cannot start: %s", ti->rec.dag_id, ti->rec.run_id,
             ti->rec.task_id, ti->rec.try_number, why);
    account(f, ti, 1);
    try_done(ti, &res);
}

/* The SQL threads of a try about to start (flow.task_sql_threads): with 0,
 * the online cores divided among the tries in flight whose work runs here
 * (sensors, pods and Spark applications do not count), this one included, at
 * least 1. On a small machine a query engine per task, each with a thread
 * per core, only adds switches, merges of per-thread state and memory: on
 * two cores the example's 10M events took 64.5-65.5 s through the
 * orchestrator with one thread per SQL task, 71.5-76.0 s with two
 * (docs/benchmarks.md). */
static int task_sql_threads(const lh_flow_t *f)
{
    if (f->task_sql_threads > 0) return f->task_sql_threads;
    int n = f->cores / (f->nlocal + 1);
    return n > 1 ? n : 1;
}

/* Spawns the supervisor of a queued TI. */
static void launch(lh_flow_t *f, lh__ti_t *ti)
{
    const lh_flow_dag_t *d = ti->run->v->dag;
    const lh_flow_task_t *task = &d->tasks[ti->idx];
    lh_arena_t *a = lh_arena_new(16384);
    lh_flow_run_ctx_t rc;
    json_t *params = NULL;
    lh_flow_cmd_t cmd = {0};
    lh_err_t err = {0};
    char log[4096], status[4096];
    if (!a) return fail_start(f, ti, LH_FLOW_OUT_EXECUTION, "out of memory");
    lh__flow_run_ctx(ti, &rc, &params);
    f->pf.sql_threads = task_sql_threads(f);
    int rc_cmd = lh_flow_task_command(d, task, &rc, &f->pf, a, &cmd, &err);
    json_decref(params);
    if (rc_cmd) {
        fail_start(f, ti, rc_cmd == LH_EINVAL ? LH_FLOW_OUT_INVALID : LH_FLOW_OUT_EXECUTION,
                   err.msg);
        lh_arena_free(a);
        return;
    }
    ti->reschedule = cmd.reschedule;
    free(ti->watch_object);
    ti->watch_object = cmd.watch_object ? strdup(cmd.watch_object) : NULL;
    ti->poke_interval = cmd.poke_interval > 0 ? cmd.poke_interval : 60;
    ti->sensor_timeout = cmd.sensor_timeout;
    lh_flow_attempt_paths(f->data_dir, ti->rec.dag_id, ti->rec.run_id, ti->rec.task_id,
                          ti->rec.try_number, log, status, sizeof log);
    lh_flow_launch_t l = {.log_path = log,
                          .status_path = status,
                          .argv = cmd.argv,
                          .env = cmd.env,
                          .cwd = cmd.cwd,
                          .timeout_ms = task->args.execution_timeout * 1000,
                          .memory_limit = cmd.memory_limit,
                          .memory_mode = cmd.memory_mode};
    int pid = 0;
    int64_t pid_start = 0;
    account(f, ti, 1);
    if (lh_flow_exec_spawn(f->exec, &l, try_done, ti, &pid, &pid_start, &err)) {
        account(f, ti, -1);
        fail_start(f, ti, LH_FLOW_OUT_EXECUTION, err.msg);
    } else {
        ti->rec.pid = pid, ti->rec.pid_start = pid_start;
        ti->rec.state = LH_FLOW_TS_RUNNING;
        if (ti->reschedule && !ti->rec.first_poke_us) ti->rec.first_poke_us = lh__flow_clock_us(f);
        f->started_total++;
    }
    lh_arena_free(a);
}

/* Whether the task of ti has max_active_tis_per_dag tries running over its
 * DAG's runs (Airflow's task-level cap; the current file's task of that id
 * says it, as for max_active_tasks, else the run's version). Runs not
 * finished are few (max_active_runs per DAG): counted here. */
static int task_at_cap(const lh_flow_t *f, const lh__ti_t *ti)
{
    const lh_flow_task_t *t = lh_flow_dag_task(ti->run->entry->cur->dag, ti->rec.task_id);
    if (!t) t = &ti->run->v->dag->tasks[ti->idx];
    int64_t cap = t->args.max_active_tis_per_dag, n = 0;
    if (cap <= 0) return 0;
    for (const lh__run_t *r = f->runs; r; r = r->next) {
        if (r->entry != ti->run->entry || !r->nlive) continue;
        for (int i = 0; i < r->v->dag->ntasks; i++)
            if (r->tis[i].live && !strcmp(r->tis[i].rec.task_id, ti->rec.task_id) && ++n >= cap)
                return 1;
    }
    return 0;
}

/* May ti start now? 0 when a limit holds it back. */
static int may_start(lh_flow_t *f, lh__ti_t *ti)
{
    lh__fdag_t *e = ti->run->entry;
    if (e->paused) return 0;
    if (e->running_tis >= e->cur->dag->max_active_tasks) return 0; /* the current file's */
    if (task_at_cap(f, ti)) return 0;
    lh__pool_t *p = pool_find(f, ti->rec.pool);
    return p && p->used < p->slots && lh__flow_past_allows(f, ti);
}

static int hold_more(lh__ti_t ***back, int *cap)
{
    lh__ti_t **nb = realloc(*back, (size_t)*cap * 2 * sizeof *nb);
    if (!nb) return 0;
    *back = nb, *cap *= 2;
    return 1;
}

void lh__flow_dispatch(lh_flow_t *f)
{
    if (f->stopping || !f->nheap || f->nlive >= f->parallelism) return;
    lh__flow_platform_refresh(f);
    int room = f->parallelism - f->nlive, n = 0, held = 0, cap = 512;
    lh__ti_t **go = malloc((size_t)room * sizeof *go), **back = malloc((size_t)cap * sizeof *back);
    if (!go || !back) goto out;
    int64_t now = lh__flow_clock_us(f);
    lh_err_t err = {0};
    int tx = lh_flow_state_begin(f->st, &err) == 0;
    while (n < room) {
        lh__ti_t *ti = heap_pop(f);
        if (!ti) break;
        /* every held TI is looked at: a DAG at its limit must not starve the others */
        if (held == cap && !hold_more(&back, &cap)) {
            heap_push(f, ti);
            break;
        }
        if (!pool_find(f, ti->rec.pool)) {
            char why[160];
            snprintf(why, sizeof why, "pool \"%s\" does not exist (flow.pools)", ti->rec.pool);
            ti->rec.try_number++;
            ti->rec.state = LH_FLOW_TS_QUEUED;
            fail_start(f, ti, LH_FLOW_OUT_INVALID, why);
            continue;
        }
        if (!may_start(f, ti)) {
            back[held++] = ti;
            continue;
        }
        ti->rec.state = LH_FLOW_TS_QUEUED;
        if (!ti->rescheduled) ti->rec.try_number++;
        ti->rescheduled = 0;
        ti->rec.start_us = ti->rec.end_us = 0;
        ti->rec.next_try_us = 0;
        lh__flow_ti_save(f, ti);
        /* counted now so the limits hold for the rest of this loop */
        account(f, ti, 1);
        go[n++] = ti;
        lh_metrics_observe("lakehouse_flow_scheduling_delay_seconds", NULL,
                           (double)(now - ti->rec.ready_us) / 1e6);
    }
    for (int i = 0; i < held; i++)
        heap_push(f, back[i]);
    if (tx && lh_flow_state_commit(f->st, &err))
        lh_error("flow: cannot commit queued task instances: %s", err.msg);
    tx = lh_flow_state_begin(f->st, &err) == 0;
    for (int i = 0; i < n; i++) {
        account(f, go[i], -1);
        launch(f, go[i]);
        lh__flow_ti_save(f, go[i]);
    }
    if (tx && lh_flow_state_commit(f->st, &err))
        lh_error("flow: cannot commit started task instances: %s", err.msg);
out:
    free(go);
    free(back);
    lh__flow_pool_metrics(f);
}

/* --- adoption after a restart --- */

void lh__flow_ti_adopt(lh_flow_t *f, lh__ti_t *ti)
{
    char log[4096], status[4096];
    lh_err_t err = {0};
    lh_flow_attempt_paths(f->data_dir, ti->rec.dag_id, ti->rec.run_id, ti->rec.task_id,
                          ti->rec.try_number, log, status, sizeof log);
    int pid = ti->rec.pid, running = 0, sup_pid = 0;
    int64_t pid_start = ti->rec.pid_start, sup_start = 0;
    lh_flow_result_t res = {0};
    if (!pid) {
        /* queued, not known to have started: its status file says whether it did */
        if (lh_flow_status_read(status, &res, &running, &sup_pid, &sup_start) != 0) {
            ti->rec.try_number--;
            ti->rec.state = LH_FLOW_TS_NONE;
            lh__flow_ti_ready(f, ti, lh__flow_clock_us(f));
            return;
        }
        pid = sup_pid, pid_start = sup_start;
    }
    /* sensors: whether the try was a reschedule-mode poke is known again from the task */
    const lh_flow_task_t *task = &ti->run->v->dag->tasks[ti->idx];
    const lh_flow_value_t *mode = lh_flow_task_field(task, "mode");
    ti->reschedule = mode && mode->str && !strcmp(mode->str, "reschedule");
    const lh_flow_value_t *pi = lh_flow_task_field(task, "poke_interval");
    const lh_flow_value_t *to = lh_flow_task_field(task, "timeout");
    ti->poke_interval = pi ? pi->num : 60;
    ti->sensor_timeout = to ? to->num : 7 * 86400; /* the sensor's default (task_sensor.c) */
    account(f, ti, 1);
    ti->rec.state = LH_FLOW_TS_RUNNING;
    if (lh_flow_exec_adopt(f->exec, pid, pid_start, status, try_done, ti, &err)) {
        lh_flow_result_t lost = {.outcome = LH_FLOW_OUT_LOST, .exit_code = -1};
        snprintf(lost.reason, sizeof lost.reason, "lost");
        try_done(ti, &lost);
        return;
    }
    lh_info("flow: adopted %s/%s/%s try %d (supervisor pid %d)", ti->rec.dag_id, ti->rec.run_id,
            ti->rec.task_id, ti->rec.try_number, pid);
}
