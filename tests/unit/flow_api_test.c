/* The REST API's record -> JSON shapes and dates (flow/api_int.h): Airflow's
 * ISO form with +00:00, dates read from bodies and query strings, the run
 * and task instance objects with Airflow's field names, and paging done by
 * a handler. */
#include <string.h>

#include "flow/api_int.h"
#include "flow/schedule.h"
#include "test.h"

#define JAN1 1704067200 /* 2024-01-01T00:00:00Z */

static void dates_as_airflow_writes_them(void)
{
    json_t *s = lh__flow_date_s(JAN1), *us = lh__flow_date_us(JAN1 * 1000000LL + 5123456);
    CHECK_EQ_STR(json_string_value(s), "2024-01-01T00:00:00+00:00");
    CHECK_EQ_STR(json_string_value(us), "2024-01-01T00:00:05.123456+00:00");
    json_decref(s);
    json_decref(us);
    CHECK(json_is_null(lh__flow_date_s(0)));
    CHECK(json_is_null(lh__flow_date_s(INT64_MIN)));
    CHECK(json_is_null(lh__flow_date_us(0)));
}

static void dates_read_in_every_form(void)
{
    static const char *const same[] = {
        "2024-01-01",
        "2024-01-01T00:00:00Z",
        "2024-01-01T00:00:00+00:00",
        "2024-01-01T00:00:00 00:00", /* a query string's '+' read as a space */
        "2024-01-01T00:00:00.250+00:00",
        "2024-01-01T01:00:00+01:00",
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        int64_t t = 0;
        CHECK_EQ_INT(lh__flow_api_parse_date(same[i], &t), 0);
        CHECK_EQ_INT(t, JAN1);
    }
    static const char *const bad[] = {"",
                                      "x",
                                      "2024-13-01",
                                      "2024-02-30",
                                      "2024-01-01T25:00:00",
                                      "not a date at all, and rather long for a date"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t;
        CHECK_EQ_INT(lh__flow_api_parse_date(bad[i], &t), LH_EINVAL);
    }
}

static void run_has_airflow_fields(void)
{
    char conf[] = "{\"who\": \"x\"}";
    lh_flow_run_rec_t r = {.dag_id = "d",
                           .run_id = "manual__x",
                           .run_type = LH_FLOW_RUN_MANUAL,
                           .state = LH_FLOW_RS_SUCCESS,
                           .logical_date = JAN1,
                           .interval_start = JAN1,
                           .interval_end = JAN1 + 86400,
                           .conf = conf,
                           .start_us = JAN1 * 1000000LL};
    json_t *o = lh__flow_run_json(&r);
    CHECK(o != NULL);
    CHECK_EQ_STR(json_string_value(json_object_get(o, "dag_run_id")), "manual__x");
    CHECK_EQ_STR(json_string_value(json_object_get(o, "execution_date")),
                 "2024-01-01T00:00:00+00:00");
    CHECK_EQ_STR(json_string_value(json_object_get(o, "logical_date")),
                 "2024-01-01T00:00:00+00:00");
    CHECK_EQ_STR(json_string_value(json_object_get(o, "data_interval_end")),
                 "2024-01-02T00:00:00+00:00");
    CHECK_EQ_STR(json_string_value(json_object_get(o, "state")), "success");
    CHECK_EQ_STR(json_string_value(json_object_get(o, "run_type")), "manual");
    CHECK(json_is_true(json_object_get(o, "external_trigger")));
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(o, "conf"), "who")), "x");
    CHECK(json_is_null(json_object_get(o, "end_date")));
    CHECK(json_is_null(json_object_get(o, "backfill_id")));
    json_decref(o);
    r.conf = NULL; /* no conf, or one that is not an object: {} */
    o = lh__flow_run_json(&r);
    CHECK(json_object_size(json_object_get(o, "conf")) == 0);
    json_decref(o);
}

static void ti_state_none_is_null(void)
{
    lh_flow_ti_rec_t t = {.dag_id = "d",
                          .run_id = "r",
                          .task_id = "t",
                          .state = LH_FLOW_TS_NONE,
                          .max_tries = 3,
                          .exit_code = -1};
    json_t *o = lh__flow_ti_json(&t, JAN1);
    CHECK(json_is_null(json_object_get(o, "state")));
    CHECK_EQ_INT(json_integer_value(json_object_get(o, "max_tries")), 2); /* Airflow: retries */
    CHECK_EQ_INT(json_integer_value(json_object_get(o, "map_index")), -1);
    CHECK_EQ_STR(json_string_value(json_object_get(o, "pool")), "default_pool");
    CHECK(json_is_null(json_object_get(o, "duration")));
    CHECK(json_is_null(json_object_get(o, "exit_code")));
    json_decref(o);
    t.state = LH_FLOW_TS_FAILED;
    t.start_us = 1000000, t.end_us = 3500000, t.exit_code = 2;
    t.failure = LH_FLOW_FAIL_INVALID_INPUT;
    o = lh__flow_ti_json(&t, JAN1);
    CHECK_EQ_STR(json_string_value(json_object_get(o, "state")), "failed");
    CHECK(json_real_value(json_object_get(o, "duration")) == 2.5);
    CHECK_EQ_STR(json_string_value(json_object_get(o, "failure")), "invalid_input");
    CHECK_EQ_INT(json_integer_value(json_object_get(o, "exit_code")), 2);
    json_decref(o);
}

static void pager_takes_the_page_and_counts_all(void)
{
    lh__flow_pager_t p = {.limit = 2, .offset = 3};
    int taken = 0, first = -1;
    for (int i = 0; i < 10; i++)
        if (lh__flow_pager_take(&p)) {
            if (first < 0) first = i;
            taken++;
        }
    CHECK_EQ_INT(taken, 2);
    CHECK_EQ_INT(first, 3);
    CHECK_EQ_INT(p.seen, 10);
}

static const lh_test_t tests[] = {
    {"dates as Airflow writes them: +00:00, microseconds, null when unset",
     dates_as_airflow_writes_them},
    {"dates read as dates, ISO with Z or an offset, a query's space for +",
     dates_read_in_every_form},
    {"a run has Airflow's fields, execution_date = logical_date", run_has_airflow_fields},
    {"a task instance in state none shows null, max_tries as retries", ti_state_none_is_null},
    {"the handler's pager takes its page and counts every match",
     pager_takes_the_page_and_counts_all},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
