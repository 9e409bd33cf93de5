/* The trigger rules, one row each: a decide function over the counts of
 * upstream states. Each first says whether the rule can no longer hold
 * (Airflow marks the task upstream_failed or skipped at once, even while
 * other upstream tasks still run), then whether it holds now. */
#include "flow/trigger.h"

#include "flow/dag.h"

typedef const lh_flow_upstream_t up_t;

static int done(up_t *u)
{
    return u->success + u->skipped + u->failed + u->upstream_failed;
}
static int fails(up_t *u)
{
    return u->failed + u->upstream_failed;
}

static int all_success(up_t *u)
{
    if (fails(u)) return LH_FLOW_TRIGGER_UPSTREAM_FAILED;
    if (u->skipped) return LH_FLOW_TRIGGER_SKIP;
    return u->success == u->total ? LH_FLOW_TRIGGER_RUN : LH_FLOW_TRIGGER_WAIT;
}

static int all_failed(up_t *u)
{
    if (u->success || u->skipped) return LH_FLOW_TRIGGER_SKIP;
    return fails(u) == u->total ? LH_FLOW_TRIGGER_RUN : LH_FLOW_TRIGGER_WAIT;
}

static int all_done(up_t *u)
{
    return done(u) == u->total ? LH_FLOW_TRIGGER_RUN : LH_FLOW_TRIGGER_WAIT;
}

static int one_success(up_t *u)
{
    if (u->success) return LH_FLOW_TRIGGER_RUN;
    if (done(u) < u->total) return LH_FLOW_TRIGGER_WAIT;
    return u->skipped == u->total ? LH_FLOW_TRIGGER_SKIP : LH_FLOW_TRIGGER_UPSTREAM_FAILED;
}

static int one_failed(up_t *u)
{
    if (fails(u)) return LH_FLOW_TRIGGER_RUN;
    return done(u) == u->total ? LH_FLOW_TRIGGER_SKIP : LH_FLOW_TRIGGER_WAIT;
}

static int none_failed(up_t *u)
{
    if (fails(u)) return LH_FLOW_TRIGGER_UPSTREAM_FAILED;
    return done(u) == u->total ? LH_FLOW_TRIGGER_RUN : LH_FLOW_TRIGGER_WAIT;
}

static int none_failed_min_one_success(up_t *u)
{
    if (fails(u)) return LH_FLOW_TRIGGER_UPSTREAM_FAILED;
    if (u->skipped == u->total) return LH_FLOW_TRIGGER_SKIP;
    return done(u) == u->total ? LH_FLOW_TRIGGER_RUN : LH_FLOW_TRIGGER_WAIT;
}

static int none_skipped(up_t *u)
{
    if (u->skipped) return LH_FLOW_TRIGGER_SKIP;
    return done(u) == u->total ? LH_FLOW_TRIGGER_RUN : LH_FLOW_TRIGGER_WAIT;
}

static int always(up_t *u)
{
    return LH_FLOW_TRIGGER_RUN;
}

static int (*const rules[])(up_t *u) = {
    [LH_FLOW_TR_ALL_SUCCESS] = all_success,
    [LH_FLOW_TR_ALL_FAILED] = all_failed,
    [LH_FLOW_TR_ALL_DONE] = all_done,
    [LH_FLOW_TR_ONE_SUCCESS] = one_success,
    [LH_FLOW_TR_ONE_FAILED] = one_failed,
    [LH_FLOW_TR_NONE_FAILED] = none_failed,
    [LH_FLOW_TR_NONE_FAILED_MIN_ONE_SUCCESS] = none_failed_min_one_success,
    [LH_FLOW_TR_NONE_SKIPPED] = none_skipped,
    [LH_FLOW_TR_ALWAYS] = always,
};

int lh_flow_trigger_decide(int rule, const lh_flow_upstream_t *up)
{
    if (up->total == 0) return LH_FLOW_TRIGGER_RUN;
    if (rule < 0 || rule > LH_FLOW_TR_ALWAYS) rule = LH_FLOW_TR_ALL_SUCCESS;
    return rules[rule](up);
}
