/* Every trigger rule against a table of upstream states: run, wait, or
 * never (skipped / upstream_failed), as Airflow's scheduler decides. */
#include "flow/dag.h"
#include "flow/trigger.h"
#include "test.h"

enum {
    W = LH_FLOW_TRIGGER_WAIT,
    R = LH_FLOW_TRIGGER_RUN,
    S = LH_FLOW_TRIGGER_SKIP,
    U = LH_FLOW_TRIGGER_UPSTREAM_FAILED
};

typedef struct {
    const char *name;
    lh_flow_upstream_t up; /* total, success, skipped, failed, upstream_failed */
    /* all_success, all_failed, all_done, one_success, one_failed, none_failed,
     * none_failed_min_one_success, none_skipped, always */
    int want[9];
} case_t;

static const case_t cases[] = {
    {"no upstream", {0, 0, 0, 0, 0}, {R, R, R, R, R, R, R, R, R}},
    {"all succeeded", {3, 3, 0, 0, 0}, {R, S, R, R, S, R, R, R, R}},
    {"one of three succeeded, rest running", {3, 1, 0, 0, 0}, {W, S, W, R, W, W, W, W, R}},
    {"one failed, rest running", {3, 0, 0, 1, 0}, {U, W, W, W, R, U, U, W, R}},
    {"all failed", {2, 0, 0, 1, 1}, {U, R, R, U, R, U, U, R, R}},
    {"success and failure", {2, 1, 0, 1, 0}, {U, S, R, R, R, U, U, R, R}},
    {"all skipped", {2, 0, 2, 0, 0}, {S, S, R, S, S, R, S, S, R}},
    {"success and skipped", {2, 1, 1, 0, 0}, {S, S, R, R, S, R, R, S, R}},
    {"skipped, rest running", {2, 0, 1, 0, 0}, {S, S, W, W, W, W, W, S, R}},
    {"nothing finished", {2, 0, 0, 0, 0}, {W, W, W, W, W, W, W, W, R}},
    {"skipped and failed", {2, 0, 1, 1, 0}, {U, S, R, U, R, U, U, S, R}},
    {NULL, {0, 0, 0, 0, 0}, {0}},
};

static void test_rules(void)
{
    int bad = 0;
    for (const case_t *c = cases; c->name; c++)
        for (int r = 0; r <= LH_FLOW_TR_ALWAYS; r++) {
            int got = lh_flow_trigger_decide(r, &c->up);
            if (got != c->want[r]) {
                fprintf(stderr, "  %s, %s: got %d, want %d\n", c->name,
                        lh_flow_trigger_rule_names[r], got, c->want[r]);
                bad++;
            }
        }
    CHECK_EQ_INT(bad, 0);
}

static const lh_test_t tests[] = {
    {"every rule over upstream states", test_rules},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
