/* REST handlers for task instances (dag_run_id "~" lists every run's):
 *   GET .../dagRuns/{dag_run_id}/taskInstances  ?limit&offset&state&order_by
 *                                               -> {task_instances, total_entries}
 *   GET .../dagRuns/{dag_run_id}/taskInstances/{task_id}
 * A TI's state "none" is null, as Airflow shows it; execution_date is its
 * run's logical date and operator its task's type. Logs and clearing live
 * in api_logs.c and api_clear.c. */
#include <stdio.h>
#include <string.h>

#include "flow/api_int.h"

typedef struct {
    lh_flow_query_t q;
    unsigned states; /* several: filtered and paged here */
    lh__flow_pager_t pg;
    json_t *items;
    int64_t total;
    lh_err_t err;
} ti_list_t;

static int add_ti(const lh_flow_ti_rec_t *t, void *arg)
{
    ti_list_t *l = arg;
    if (l->states && (!(l->states & (1u << t->state)) || !lh__flow_pager_take(&l->pg))) return 0;
    json_array_append_new(l->items, lh__flow_ti_json(t, 0));
    return 0;
}

static int list_tis(lh_flow_state_t *s, void *arg)
{
    ti_list_t *l = arg;
    return lh_flow_state_ti_each(s, &l->q, add_ti, l, &l->total, &l->err);
}

typedef struct {
    json_t *arr;
    lh_flow_run_rec_t run; /* the last run read, for the TIs that follow */
    int have;
} dates_t;

static int fill_dates(lh_flow_state_t *s, void *arg)
{
    dates_t *d = arg;
    json_t *ti;
    size_t i;
    lh_err_t err = {0};
    json_array_foreach(d->arr, i, ti)
    {
        const char *dag = json_string_value(json_object_get(ti, "dag_id"));
        const char *run = json_string_value(json_object_get(ti, "dag_run_id"));
        if (!d->have || strcmp(d->run.dag_id, dag) || strcmp(d->run.run_id, run)) {
            lh_flow_run_rec_clear(&d->run);
            d->have = lh_flow_state_run_get(s, dag, run, &d->run, &err) == 0;
        }
        if (!d->have) continue;
        json_object_set_new(ti, "execution_date", lh__flow_date_s(d->run.logical_date));
        json_object_set_new(ti, "logical_date", lh__flow_date_s(d->run.logical_date));
    }
    return 0;
}

/* execution_date and operator of each TI in arr. */
static void complete(lh_rest_call_t *c, const char *dag_id, json_t *arr)
{
    dates_t d = {.arr = arr};
    lh_flow_read(lh_rest_arg(c), fill_dates, &d);
    lh_flow_run_rec_clear(&d.run);
    lh__flow_tis_operators(lh_rest_arg(c), dag_id, arr);
}

/* The states of ?state= (repeatable; "none" too): a bit mask, or -1 after a 400. */
static int64_t read_states(lh_rest_call_t *c)
{
    unsigned mask = 0;
    char msg[160];
    for (int i = 0; i < lh_rest_query_count(c, "state"); i++) {
        const char *s = lh_rest_query_nth(c, "state", i);
        int st = lh_flow_state_index(lh_flow_ti_state_names, s);
        if (st < 0) {
            snprintf(msg, sizeof msg, "unknown task instance state '%.60s'", s);
            lh_rest_problem(c, 400, msg);
            return -1;
        }
        mask |= 1u << st;
    }
    return mask;
}

void lh__flow_api_tis_list(lh_rest_call_t *c)
{
    static const char *const known[] = {"limit", "offset", "state", "order_by", NULL};
    static const char *const orders[] = {"task_id", "start_date",      "end_date",
                                         "state",   "priority_weight", NULL};
    const char *dag_id = lh_rest_param(c, "dag_id"), *run_id = lh_rest_param(c, "dag_run_id");
    lh_rest_page_t pg;
    lh_rest_order_t ord;
    lh_flow_run_rec_t r;
    int64_t states;
    if (lh_rest_query_only(c, known) ||
        lh_rest_page(c, LH__FLOW_API_DEF_LIMIT, LH__FLOW_API_MAX_LIMIT, &pg) ||
        lh_rest_order_by(c, orders, "task_id", &ord) || (states = read_states(c)) < 0)
        return;
    if (strcmp(run_id, "~") && strcmp(dag_id, "~")) {
        if (lh__flow_api_run_need(c, dag_id, run_id, &r)) return;
        lh_flow_run_rec_clear(&r);
    }
    ti_list_t l = {.q = {.dag_id = strcmp(dag_id, "~") ? dag_id : NULL,
                         .run_id = strcmp(run_id, "~") ? run_id : NULL,
                         .state = -1,
                         .order_by = ord.field,
                         .desc = ord.desc},
                   .items = json_array()};
    if (states && (states & (states - 1))) { /* several states */
        l.states = (unsigned)states;
        l.pg = (lh__flow_pager_t){.limit = pg.limit, .offset = pg.offset};
    } else {
        l.q.limit = pg.limit, l.q.offset = pg.offset;
        if (states) l.q.state = __builtin_ctz((unsigned)states);
    }
    int rc = lh_flow_read(lh_rest_arg(c), list_tis, &l);
    if (rc) {
        json_decref(l.items);
        lh__flow_api_fail(c, rc, &l.err);
        return;
    }
    complete(c, dag_id, l.items);
    lh_rest_json(c, 200,
                 lh__flow_collection("task_instances", l.items, l.states ? l.pg.seen : l.total));
}

typedef struct {
    const char *dag_id, *run_id, *task_id;
    lh_flow_ti_rec_t ti;
    lh_err_t err;
} ti_get_t;

static int get_ti(lh_flow_state_t *s, void *arg)
{
    ti_get_t *g = arg;
    return lh_flow_state_ti_get(s, g->dag_id, g->run_id, g->task_id, &g->ti, &g->err);
}

int lh__flow_api_ti_need(lh_rest_call_t *c, lh_flow_ti_rec_t *out)
{
    ti_get_t g = {.dag_id = lh_rest_param(c, "dag_id"),
                  .run_id = lh_rest_param(c, "dag_run_id"),
                  .task_id = lh_rest_param(c, "task_id")};
    char msg[900];
    int rc = lh_flow_read(lh_rest_arg(c), get_ti, &g);
    if (rc == LH_ENOENT) {
        snprintf(msg, sizeof msg,
                 "Task instance not found: dag_id '%.250s', dag_run_id '%.250s', task_id '%.250s'",
                 g.dag_id, g.run_id, g.task_id);
        lh_rest_problem(c, 404, msg);
    } else if (rc) {
        lh__flow_api_fail(c, rc, &g.err);
    }
    *out = g.ti;
    return rc;
}

void lh__flow_api_ti_get(lh_rest_call_t *c)
{
    lh_flow_ti_rec_t t;
    if (lh__flow_api_ti_need(c, &t)) return;
    json_t *arr = json_array();
    json_array_append_new(arr, lh__flow_ti_json(&t, 0));
    complete(c, t.dag_id, arr);
    json_t *doc = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    lh_rest_json(c, 200, doc);
}

void lh__flow_api_tis_complete(lh_rest_call_t *c, const char *dag_id, json_t *arr)
{
    complete(c, dag_id, arr);
}
