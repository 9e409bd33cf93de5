/* Airflow's depends_on_past for the scheduler: a task instance with it set
 * starts only when the same task in the DAG's previous run (the newest run
 * of any type with an earlier logical date) ended in success or skipped; the
 * first run goes. The previous run is looked up in the state database, its
 * task instance in the working set when the run is unfinished (memory is
 * ahead of the database there), else in the database: one query each time a
 * held task instance is looked at (only tasks with depends_on_past). */
#include <string.h>

#include "core/log.h"
#include "flow/flow_int.h"

typedef struct {
    int64_t before;
    char run_id[LH_FLOW_RUNID_MAX];
} prev_t;

static int newest_before(const lh_flow_run_rec_t *r, void *arg)
{
    prev_t *p = arg;
    if (r->logical_date >= p->before) return 0;
    snprintf(p->run_id, sizeof p->run_id, "%s", r->run_id);
    return 1; /* descending: the first one is the newest */
}

/* The state of task_id in run_id: from the working set, else the database;
 * -1 when there is none. */
static int ti_state(lh_flow_t *f, const char *dag_id, const char *run_id, const char *task_id)
{
    lh__run_t *r = lh__flow_active_run(f, dag_id, run_id);
    if (r) {
        for (int i = 0; i < r->v->dag->ntasks; i++)
            if (!strcmp(r->tis[i].rec.task_id, task_id)) return r->tis[i].rec.state;
        return -1;
    }
    lh_flow_ti_rec_t t;
    lh_err_t err = {0};
    if (lh_flow_state_ti_get(f->st, dag_id, run_id, task_id, &t, &err)) return -1;
    return t.state;
}

int lh__flow_past_allows(lh_flow_t *f, lh__ti_t *ti)
{
    const lh_flow_task_t *t = &ti->run->v->dag->tasks[ti->idx];
    if (!t->args.depends_on_past) return 1;
    prev_t p = {.before = ti->run->rec.logical_date};
    lh_flow_query_t q = {
        .dag_id = ti->run->rec.dag_id, .state = -1, .order_by = "logical_date", .desc = 1};
    lh_err_t err = {0};
    int rc = lh_flow_state_run_each(f->st, &q, newest_before, &p, NULL, &err);
    if (rc < 0) {
        lh_warn("flow: depends_on_past of %s: %s", ti->rec.task_id, err.msg);
        return 0;
    }
    int state = rc ? ti_state(f, ti->run->rec.dag_id, p.run_id, ti->rec.task_id) : -1;
    return !rc || state == LH_FLOW_TS_SUCCESS || state == LH_FLOW_TS_SKIPPED;
}
