/* Cron parsing, next/previous ticks, Airflow's data intervals for cron
 * schedules and the due runs of each schedule kind, against hand-checked cases (month ends, leap
 * years, the day-of-month / day-of-week OR rule, presets, catchup on and off). */
#include <stdint.h>

#include "core/err.h"
#include "core/str.h"
#include "core/timefmt.h"
#include "flow/cron.h"
#include "flow/dag.h"
#include "flow/schedule.h"
#include "test.h"

static int64_t T(const char *iso)
{
    int64_t t = -1;
    lh_time_iso8601_parse((lh_str_t){iso, strlen(iso)}, &t);
    return t;
}

typedef struct {
    const char *expr, *after, *next;
} next_case_t;

static const next_case_t next_cases[] = {
    {"*/15 * * * *", "2024-01-01T00:07:30Z", "2024-01-01T00:15:00Z"},
    {"*/15 * * * *", "2024-01-01T00:15:00Z", "2024-01-01T00:30:00Z"}, /* strictly after */
    {"0 0 * * *", "2024-02-28T12:00:00Z", "2024-02-29T00:00:00Z"},    /* leap year */
    {"0 0 * * *", "2023-02-28T12:00:00Z", "2023-03-01T00:00:00Z"},
    {"0 0 31 * *", "2024-01-31T00:00:00Z", "2024-03-31T00:00:00Z"}, /* no Feb 31 */
    {"0 0 29 2 *", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00Z"},
    {"0 12 * * MON-FRI", "2024-01-05T12:00:00Z", "2024-01-08T12:00:00Z"}, /* Fri -> Mon */
    {"0 0 13 * FRI", "2024-01-01T00:00:00Z", "2024-01-05T00:00:00Z"},     /* OR: a Friday */
    {"0 0 */10 * SUN", "2024-01-01T00:00:00Z", "2024-01-21T00:00:00Z"},   /* '*': AND */
    {"0 0 * * 7", "2024-01-01T00:00:00Z", "2024-01-07T00:00:00Z"},        /* 7 = Sunday */
    {"0 9 1-31 * 1", "2024-01-02T10:00:00Z", "2024-01-03T09:00:00Z"},     /* no '*': OR, daily */
    {"@weekly", "2024-01-01T00:00:00Z", "2024-01-07T00:00:00Z"},
    {"@monthly", "2024-01-31T23:59:59Z", "2024-02-01T00:00:00Z"},
    {"@yearly", "2024-06-01T00:00:00Z", "2025-01-01T00:00:00Z"},
    {"@hourly", "2024-12-31T23:30:00Z", "2025-01-01T00:00:00Z"},
    {"59 23 31 12 *", "2023-12-31T23:59:00Z", "2024-12-31T23:59:00Z"},
    {"5/15 * * * *", "2024-01-01T00:36:00Z", "2024-01-01T00:50:00Z"},
    {"0 0 1 jan,JUL *", "2024-01-02T00:00:00Z", "2024-07-01T00:00:00Z"},
    {"30 2-4/2 * * *", "2024-01-01T02:30:00Z", "2024-01-01T04:30:00Z"},
    {"0 0 29 2 MON", "2024-03-01T00:00:00Z", "2025-02-03T00:00:00Z"}, /* OR: a Feb Monday */
    {"0 0 1 3 *", "2100-02-28T00:00:00Z", "2100-03-01T00:00:00Z"},    /* 2100: no Feb 29 */
    {NULL, NULL, NULL},
};

static void test_next(void)
{
    for (const next_case_t *c = next_cases; c->expr; c++) {
        lh_cron_t cr;
        int64_t got = 0;
        char why[128];
        CHECK_EQ_INT(lh_cron_parse(c->expr, &cr, why, sizeof why), 0);
        CHECK_EQ_INT(lh_cron_next(&cr, T(c->after), &got), 0);
        if (got != T(c->next)) fprintf(stderr, "  %s after %s\n", c->expr, c->after);
        CHECK_EQ_INT(got, T(c->next));
    }
}

static const next_case_t prev_cases[] = {
    {"@monthly", "2024-03-15T10:00:00Z", "2024-03-01T00:00:00Z"},
    {"@monthly", "2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z"}, /* at or before */
    {"@daily", "2024-03-01T00:00:59Z", "2024-03-01T00:00:00Z"},
    {"0 0 * * *", "2024-03-01T00:00:00Z", "2024-03-01T00:00:00Z"},
    {"0 0 31 * *", "2024-04-15T00:00:00Z", "2024-03-31T00:00:00Z"},
    {"0 0 29 2 *", "2027-12-31T00:00:00Z", "2024-02-29T00:00:00Z"},
    {"0 12 * * MON-FRI", "2024-01-07T12:00:00Z", "2024-01-05T12:00:00Z"}, /* Sun -> Fri */
    {"*/15 * * * *", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"},
    {"*/15 * * * *", "2023-12-31T23:59:59Z", "2023-12-31T23:45:00Z"},
    {"@yearly", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z"},
    {"0 0 13 * FRI", "2024-01-12T23:00:00Z", "2024-01-12T00:00:00Z"},
    {NULL, NULL, NULL},
};

static void test_prev(void)
{
    for (const next_case_t *c = prev_cases; c->expr; c++) {
        lh_cron_t cr;
        int64_t got = 0;
        CHECK_EQ_INT(lh_cron_parse(c->expr, &cr, NULL, 0), 0);
        CHECK_EQ_INT(lh_cron_prev(&cr, T(c->after), &got), 0);
        if (got != T(c->next)) fprintf(stderr, "  %s at %s\n", c->expr, c->after);
        CHECK_EQ_INT(got, T(c->next));
    }
}

static void test_bad(void)
{
    static const char *const bad[] = {"60 * * * *",   "* * * *",
                                      "* * * * * *",  "0 0 30 2 *",
                                      "@fortnightly", "1-5/0 * * * *",
                                      "5-1 * * * *",  "a * * * *",
                                      "1,,2 * * * *", "* * * * 8",
                                      "* 24 * * *",   "* * 0 * *",
                                      "* * * 13 *",   "",
                                      "1, * * * *",   "0 0 31 4,6,9,11 *",
                                      "*/x * * * *",  "1-2-3 * * * *",
                                      "* * * FOO *",  NULL};
    char why[128];
    for (int i = 0; bad[i]; i++) {
        lh_cron_t cr;
        int rc = lh_cron_parse(bad[i], &cr, why, sizeof why);
        if (rc == 0) fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
        CHECK(rc != 0);
        CHECK(why[0] != 0);
    }
    lh_cron_t cr;
    lh_cron_parse("0 25 * * *", &cr, why, sizeof why);
    CHECK_EQ_STR(why, "hour: bad value \"25\" (0-23)");
}

typedef struct {
    const char *expr, *start, *end, *now, *last_end;
    int catchup;
    int n;
    const char *first, *final; /* starts of the first and the last interval */
} due_case_t;

static const due_case_t due_cases[] = {
    /* catchup: every completed interval since start_date */
    {"@daily", "2024-01-01T00:00:00Z", NULL, "2024-01-04T10:00:00Z", NULL, 1, 3,
     "2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z"},
    /* catchup off: only the latest completed one (Airflow's _skip_to_latest) */
    {"@daily", "2024-01-01T00:00:00Z", NULL, "2024-01-04T10:00:00Z", NULL, 0, 1,
     "2024-01-03T00:00:00Z", "2024-01-03T00:00:00Z"},
    {"@daily", "2024-01-01T00:00:00Z", NULL, "2024-01-04T00:00:00Z", NULL, 0, 1,
     "2024-01-03T00:00:00Z", "2024-01-03T00:00:00Z"},
    /* intervals align to cron ticks whatever the start: start 00:10, first 00:30-01:00 */
    {"*/30 * * * *", "2024-01-01T00:10:00Z", NULL, "2024-01-01T01:00:00Z", NULL, 1, 1,
     "2024-01-01T00:30:00Z", "2024-01-01T00:30:00Z"},
    /* end_date bounds the starts */
    {"@daily", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "2024-01-10T00:00:00Z", NULL, 1, 2,
     "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"},
    /* continuing after the last automated run */
    {"@daily", "2024-01-01T00:00:00Z", NULL, "2024-01-04T10:00:00Z", "2024-01-03T00:00:00Z", 1, 1,
     "2024-01-03T00:00:00Z", "2024-01-03T00:00:00Z"},
    /* month ends: start Jan 31 aligns to Feb 1 */
    {"@monthly", "2024-01-31T00:00:00Z", NULL, "2024-04-15T00:00:00Z", NULL, 1, 2,
     "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"},
    /* catchup over a leap year of months */
    {"@monthly", "2024-01-01T00:00:00Z", NULL, "2025-01-01T00:00:00Z", NULL, 1, 12,
     "2024-01-01T00:00:00Z", "2024-12-01T00:00:00Z"},
    /* nothing yet: the first interval has not ended */
    {"@daily", "2024-01-01T00:00:00Z", NULL, "2024-01-01T23:59:59Z", NULL, 1, 0, NULL, NULL},
    /* start in the future: nothing, with or without catchup */
    {"@daily", "2030-01-01T00:00:00Z", NULL, "2024-01-01T00:00:00Z", NULL, 0, 0, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};

static void test_due(void)
{
    for (const due_case_t *c = due_cases; c->expr; c++) {
        lh_cron_t cr;
        lh_flow_interval_t out[32], last = {0, c->last_end ? T(c->last_end) : 0};
        CHECK_EQ_INT(lh_cron_parse(c->expr, &cr, NULL, 0), 0);
        int n =
            lh_cron_due_intervals(&cr, c->last_end ? &last : NULL, T(c->start),
                                  c->end ? T(c->end) : INT64_MAX, c->catchup, T(c->now), out, 32);
        if (n != c->n) fprintf(stderr, "  %s from %s at %s\n", c->expr, c->start, c->now);
        CHECK_EQ_INT(n, c->n);
        if (!n) continue;
        CHECK_EQ_INT(out[0].start, T(c->first));
        CHECK_EQ_INT(out[n - 1].start, T(c->final));
        for (int i = 0; i < n; i++) { /* contiguous, each [tick, next tick) */
            int64_t nx;
            CHECK_EQ_INT(lh_cron_next(&cr, out[i].start, &nx), 0);
            CHECK_EQ_INT(out[i].end, nx);
            if (i) CHECK_EQ_INT(out[i].start, out[i - 1].end);
        }
    }
}

/* Two years of hourly ticks forwards and backwards agree. */
static void test_next_prev_agree(void)
{
    lh_cron_t cr;
    CHECK_EQ_INT(lh_cron_parse("17 */3 * * 1-5", &cr, NULL, 0), 0);
    int64_t t = T("2023-12-25T00:00:00Z"), nx, pv;
    for (int i = 0; i < 2000; i++) {
        CHECK_EQ_INT(lh_cron_next(&cr, t, &nx), 0);
        CHECK(nx > t);
        CHECK_EQ_INT(lh_cron_prev(&cr, nx - 1, &pv), 0);
        CHECK(pv <= t);
        CHECK_EQ_INT(lh_cron_prev(&cr, nx, &pv), 0);
        CHECK_EQ_INT(pv, nx);
        t = nx;
    }
}

static lh_flow_dag_t *dag_with(const char *head)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml, "dag_id: x\n%stasks:\n  - {id: a, type: shell, command: x}\n",
             head);
    return lh_flow_dag_parse("x.yaml", yaml, strlen(yaml));
}

/* Due runs by schedule kind, and Airflow's run ids. */
static void test_due_runs(void)
{
    lh_flow_interval_t out[8];
    lh_flow_dag_t *d = dag_with("schedule: null\n");
    CHECK_EQ_INT(lh_flow_due_runs(d, NULL, T("2030-01-01T00:00:00Z"), out, 8), 0);
    lh_flow_dag_free(d);

    d = dag_with("schedule: '@once'\nstart_date: 2024-05-01T12:00:00Z\n");
    CHECK_EQ_INT(lh_flow_due_runs(d, NULL, T("2024-05-01T11:59:59Z"), out, 8), 0);
    CHECK_EQ_INT(lh_flow_due_runs(d, NULL, T("2024-05-01T12:00:00Z"), out, 8), 1);
    CHECK_EQ_INT(out[0].start, T("2024-05-01T12:00:00Z"));
    CHECK_EQ_INT(out[0].end, out[0].start);
    CHECK_EQ_INT(lh_flow_due_runs(d, &out[0], T("2030-01-01T00:00:00Z"), out, 8), 0);
    lh_flow_dag_free(d);

    d = dag_with("schedule: '0 6 * * *'\nstart_date: 2024-01-01\ncatchup: true\n");
    CHECK_EQ_INT(lh_flow_due_runs(d, NULL, T("2024-01-04T07:00:00Z"), out, 8), 3);
    CHECK_EQ_INT(out[0].start, T("2024-01-01T06:00:00Z"));
    CHECK_EQ_INT(out[2].end, T("2024-01-04T06:00:00Z"));
    lh_flow_dag_free(d);

    d = dag_with("schedule: '0 6 * * *'\n"); /* invalid: no start_date */
    CHECK_EQ_INT(lh_flow_due_runs(d, NULL, T("2024-01-04T07:00:00Z"), out, 8), LH_EINVAL);
    lh_flow_dag_free(d);

    char id[64];
    lh_flow_run_id(LH_FLOW_RUN_SCHEDULED, T("2024-01-01T00:00:00Z"), id, sizeof id);
    CHECK_EQ_STR(id, "scheduled__2024-01-01T00:00:00+00:00");
    lh_flow_run_id(LH_FLOW_RUN_MANUAL, T("2024-02-29T13:05:09Z"), id, sizeof id);
    CHECK_EQ_STR(id, "manual__2024-02-29T13:05:09+00:00");
}

static const lh_test_t tests[] = {
    {"due runs by schedule kind; run ids", test_due_runs},
    {"next", test_next},
    {"prev", test_prev},
    {"bad expressions", test_bad},
    {"data intervals and catchup", test_due},
    {"next and prev agree", test_next_prev_agree},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
