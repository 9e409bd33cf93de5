/* A DAG's schedule as the scheduler will use it: which runs are due by a
 * given time (for every kind of schedule: none, @once, cron with data
 * intervals and catchup), and Airflow's run ids. Pure functions over a
 * parsed DAG (flow/dag.h); docs/dags.md says what they mean. */
#ifndef LH_FLOW_SCHEDULE_H
#define LH_FLOW_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include "flow/cron.h"
#include "flow/dag.h"

/* The automated runs of a valid dag due at now, after the last automated
 * run's interval (NULL: none yet), oldest first: at most max written to out
 * (NULL counts only). A run's logical_date is its interval's start. none:
 * never; @once: [start_date, start_date] once, when now >= start_date and
 * start_date <= end_date; cron: lh_cron_due_intervals with the dag's
 * start_date, end_date and catchup. Returns how many are due (max + 1 when
 * there are more than max), or LH_EINVAL for a DAG with errors. */
int lh_flow_due_runs(const lh_flow_dag_t *dag, const lh_flow_interval_t *last, int64_t now,
                     lh_flow_interval_t *out, int max);

enum { LH_FLOW_RUN_SCHEDULED, LH_FLOW_RUN_MANUAL, LH_FLOW_RUN_BACKFILL };
/* Airflow's run id "<type>__<logical date as ts>", e.g.
 * "scheduled__2024-01-01T00:00:00+00:00", into out (>= 48 bytes). */
void lh_flow_run_id(int type, int64_t logical_date, char *out, size_t cap);

#endif
