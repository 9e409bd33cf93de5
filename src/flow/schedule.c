/* Due runs of a DAG by schedule kind (a table, one row per kind) and run
 * ids. The cron kind is Airflow's CronDataIntervalTimetable
 * (cron_interval.c); @once is Airflow's OnceTimetable: one run whose data
 * interval is [start_date, start_date], due once start_date has passed. */
#include "flow/schedule.h"

#include <stdio.h>

#include "core/err.h"
#include "flow/template.h"

typedef int (*due_fn)(const lh_flow_dag_t *d, const lh_flow_interval_t *last, int64_t now,
                      lh_flow_interval_t *out, int max);

static int due_none(const lh_flow_dag_t *d, const lh_flow_interval_t *last, int64_t now,
                    lh_flow_interval_t *out, int max)
{
    return 0;
}

static int due_once(const lh_flow_dag_t *d, const lh_flow_interval_t *last, int64_t now,
                    lh_flow_interval_t *out, int max)
{
    if (last || now < d->start_date || d->start_date > d->end_date) return 0;
    if (out && max > 0) *out = (lh_flow_interval_t){d->start_date, d->start_date};
    return 1;
}

static int due_cron(const lh_flow_dag_t *d, const lh_flow_interval_t *last, int64_t now,
                    lh_flow_interval_t *out, int max)
{
    return lh_cron_due_intervals(&d->cron, last, d->start_date, d->end_date, (int)d->catchup, now,
                                 out, max);
}

static const struct {
    int kind;
    due_fn due;
} kinds[] = {
    {.kind = LH_FLOW_SCHED_NONE, .due = due_none},
    {.kind = LH_FLOW_SCHED_ONCE, .due = due_once},
    {.kind = LH_FLOW_SCHED_CRON, .due = due_cron},
};

int lh_flow_due_runs(const lh_flow_dag_t *dag, const lh_flow_interval_t *last, int64_t now,
                     lh_flow_interval_t *out, int max)
{
    if (dag->ndiags) return LH_EINVAL;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].kind == dag->sched_kind) return kinds[i].due(dag, last, now, out, max);
    return LH_EINVAL;
}

void lh_flow_run_id(int type, int64_t logical_date, char *out, size_t cap)
{
    static const char *const prefix[] = {
        [LH_FLOW_RUN_SCHEDULED] = "scheduled",
        [LH_FLOW_RUN_MANUAL] = "manual",
        [LH_FLOW_RUN_BACKFILL] = "backfill",
    };
    char ts[40];
    lh_flow_format_ts(logical_date, ts, sizeof ts);
    snprintf(out, cap, "%s__%s", type >= 0 && type <= LH_FLOW_RUN_BACKFILL ? prefix[type] : "?",
             ts);
}
