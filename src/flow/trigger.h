/* Trigger rules (docs/dags.md#trigger-rules): given the states of a task's
 * upstream tasks, whether it may run now, must wait, or can never run
 * (then it becomes skipped or upstream_failed), as Airflow's scheduler
 * decides (TriggerRuleDep with flag_upstream_failed). Pure. */
#ifndef LH_FLOW_TRIGGER_H
#define LH_FLOW_TRIGGER_H

/* How many upstream tasks are in each state; done counts every finished one
 * (success, skipped, failed, upstream_failed). */
typedef struct lh_flow_upstream {
    int total;
    int success, skipped, failed, upstream_failed;
} lh_flow_upstream_t;

enum {
    LH_FLOW_TRIGGER_WAIT,            /* not yet decidable */
    LH_FLOW_TRIGGER_RUN,             /* the rule holds: schedule it */
    LH_FLOW_TRIGGER_SKIP,            /* can never hold: skipped */
    LH_FLOW_TRIGGER_UPSTREAM_FAILED, /* can never hold because of a failure */
};

/* rule is LH_FLOW_TR_* (flow/dag.h). A task without upstream tasks runs. */
int lh_flow_trigger_decide(int rule, const lh_flow_upstream_t *up);

#endif
