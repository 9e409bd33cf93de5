/* Templates: what each name and macro renders for a fixed run (Airflow's
 * forms), what the validation-time check rejects, and render-time errors
 * (a missing dag_run.conf key is an error, never an empty string). */
#include <jansson.h>

#include "core/buf.h"
#include "core/str.h"
#include "core/timefmt.h"
#include "flow/template.h"
#include "test.h"

static int64_t T(const char *iso)
{
    int64_t t = -1;
    lh_time_iso8601_parse((lh_str_t){iso, strlen(iso)}, &t);
    return t;
}

typedef struct {
    const char *in, *out;
} render_case_t;

static const render_case_t render_cases[] = {
    {"{{ ds }}", "2024-01-01"},
    {"{{ds_nodash}}", "20240101"},
    {"{{ ts }}", "2024-01-01T00:00:00+00:00"},
    {"{{ ts_nodash }}", "20240101T000000"},
    {"{{ ts_nodash_with_tz }}", "20240101T000000+0000"},
    {"{{ data_interval_start }}", "2024-01-01 00:00:00+00:00"}, /* pendulum 3 str() */
    {"{{ data_interval_end }}", "2024-01-02 00:00:00+00:00"},
    {"{{ logical_date }}", "2024-01-01 00:00:00+00:00"},
    {"{{ run_id }}", "scheduled__2024-01-01T00:00:00+00:00"},
    {"{{ ti.try_number }}", "2"},
    {"{{ params.region }}", "eu"},
    {"{{ params.limit }}", "10"},
    {"{{ dag_run.conf.x }}", "hello"},
    {"{{ dag_run.conf.n }}", "5"},
    {"{{ dag_run.conf.flag }}", "True"},
    {"{{ dag_run.conf.none }}", "None"},
    {"{{ dag_run.conf.nested.k }}", "v"},
    {"{{ ds_add(ds, 5) }}", "2024-01-06"},
    {"{{ macros.ds_add(ds, -1) }}", "2023-12-31"},
    {"{{ ds_add('2024-02-28', 1) }}", "2024-02-29"},
    {"{{ ds_add('2023-02-28', 1) }}", "2023-03-01"},
    {"{{ ds_add('2024-03-01', -1) }}", "2024-02-29"},
    {"{{ ds_format('2015-01-01', '%Y-%m-%d', '%m-%d-%y') }}", "01-01-15"},
    {"{{ macros.ds_format(ds, \"%Y-%m-%d\", \"%Y/%m/%d\") }}", "2024/01/01"},
    {"{{ ts_add(data_interval_start, '2h') }}", "2024-01-01T02:00:00+00:00"},
    {"{{ ts_add(ts, '-30m') }}", "2023-12-31T23:30:00+00:00"},
    {"{{ ts_add(ts, 90) }}", "2024-01-01T00:01:30+00:00"},
    {"{{ ts_add(ts_add(ts, '1d'), '-1h') }}", "2024-01-01T23:00:00+00:00"},
    {"{{ ts_add('2024-02-28T23:00:00+00:00', '1h30m') }}", "2024-02-29T00:30:00+00:00"},
    {"{{ ts_add(data_interval_start, params.lateness) }}", "2024-01-01T02:00:00+00:00"},
    {"{{ ts_add(ts, params.back) }}", "2023-12-31T23:30:00+00:00"},
    {"{{ ts_add(ts, params.secs) }}", "2024-01-01T01:30:00+00:00"},
    {"{{ ts_add(ts, params.limit) }}", "2024-01-01T00:00:10+00:00"},
    {"{{ ts_add(ts, dag_run.conf.n) }}", "2024-01-01T00:00:05+00:00"},
    {"{{ ts_add(ts, ti.try_number) }}", "2024-01-01T00:00:02+00:00"},
    {"{{ ts_format(data_interval_end, '%Y%m%d%H') }}", "2024010200"},
    {"{{ ts_format(ts, '%A %d %B %Z') }}", "Monday 01 January UTC"},
    {"{{ ts_format(ts_add(ts, '36h'), '%F %T') }}", "2024-01-02 12:00:00"},
    {"a {{ ds }} b {{ds}}c", "a 2024-01-01 b 2024-01-01c"},
    {"{ not a template } }}", "{ not a template } }}"},
    {"", ""},
    {NULL, NULL},
};

static json_t *conf, *params;

static lh_flow_run_ctx_t ctx(void)
{
    conf = json_loads("{\"x\":\"hello\",\"n\":5,\"flag\":true,\"none\":null,\"nested\":{\"k\":"
                      "\"v\"}}",
                      0, NULL);
    params = json_loads("{\"region\":\"eu\",\"limit\":10,\"lateness\":\"2h\",\"back\":\"-30m\","
                        "\"secs\":\"5400\",\"bad\":\"2 hours\",\"frac\":\"1500ms\"}",
                        0, NULL);
    return (lh_flow_run_ctx_t){.logical_date = T("2024-01-01T00:00:00Z"),
                               .data_interval_start = T("2024-01-01T00:00:00Z"),
                               .data_interval_end = T("2024-01-02T00:00:00Z"),
                               .run_id = "scheduled__2024-01-01T00:00:00+00:00",
                               .try_number = 2,
                               .conf = conf,
                               .params = params};
}

static const char *const param_names[] = {"region", "limit", "lateness", "back",
                                          "secs",   "bad",   "frac"};
#define NPARAMS ((int)(sizeof param_names / sizeof param_names[0]))

static void test_render(void)
{
    lh_flow_run_ctx_t c = ctx();
    for (const render_case_t *r = render_cases; r->in; r++) {
        lh_buf_t b;
        char why[256] = "";
        lh_buf_init(&b, 0);
        int rc = lh_flow_template_check(r->in, param_names, NPARAMS, why, sizeof why);
        if (rc) fprintf(stderr, "  check %s: %s\n", r->in, why);
        CHECK_EQ_INT(rc, 0);
        rc = lh_flow_template_render(r->in, &c, &b, why, sizeof why);
        if (rc) fprintf(stderr, "  render %s: %s\n", r->in, why);
        CHECK_EQ_INT(rc, 0);
        CHECK_EQ_STR(b.ptr ? b.ptr : "", r->out);
        lh_buf_free(&b);
    }
}

static const render_case_t check_errors[] = {
    {"{{ dss }}", "unknown name \"dss\""},
    {"{{ ds ", "unclosed {{"},
    {"{{ ds | upper }}", "filters (|) are not supported"},
    {"{% if x %}y{% endif %}", "{% %} and {# #} are not supported"},
    {"{# comment #}", "{% %} and {# #} are not supported"},
    {"{{ params.nope }}", "unknown param \"params.nope\""},
    {"{{ foo(ds) }}", "unknown macro \"foo\""},
    {"{{ ds_add(ds) }}", "ds_add: wrong number of arguments"},
    {"{{ ds_add(ds, 'x') }}", "ds_add: second argument must be an integer"},
    {"{{ ds_add('2024-13-01', 1) }}", "ds_add: not a YYYY-MM-DD date"},
    {"{{ ds_format(ds, x, '%Y') }}", "unknown name \"x\""},
    {"{{ ds_format(ds, ds, '%Y') }}", "ds_format: expects (date, 'input format', 'output format')"},
    {"{{ ts_add(ts, '2 hours') }}",
     "ts_add: second argument must be a duration like '2h' or '-30m'"},
    {"{{ ts_add(ti.try_number, '2h') }}", "ts_add: first argument must be a timestamp"},
    {"{{ ts_add(ts, data_interval_start) }}",
     "ts_add: second argument must be a duration like '2h' or '-30m'"},
    {"{{ ts_add(ts, params.nope) }}", "unknown param \"params.nope\""},
    {"{{ ts_format(ts, '%Q') }}", "unsupported strftime directive"},
    {"{{ ts_format('yesterday', '%Y') }}", "not an ISO 8601 timestamp"},
    {"{{ }}", "unexpected \"}\""},
    {"{{ 'abc }}", "unterminated string literal"},
    {"{{ ds ds }}", "unexpected \"d\" in {{ }}"},
    {"{{ dag_run.conf }}", "unknown name \"dag_run.conf\""},
    {NULL, NULL},
};

static void test_check_errors(void)
{
    for (const render_case_t *r = check_errors; r->in; r++) {
        char why[256] = "";
        CHECK(lh_flow_template_check(r->in, param_names, NPARAMS, why, sizeof why) != 0);
        if (strcmp(why, r->out)) fprintf(stderr, "  %s\n", r->in);
        CHECK_EQ_STR(why, r->out);
    }
}

static void test_render_errors(void)
{
    static const render_case_t cases[] = {
        {"{{ dag_run.conf.missing }}", "no value for \"missing\""},
        {"{{ dag_run.conf.x.y }}", "no value for \"x.y\""},
        {"{{ ds_format(ds, '%d/%m/%Y', '%Y') }}",
         "ds_format: date does not match the input format"},
        {"{{ ds_add(dag_run.conf.x, 1) }}", "ds_add: not a YYYY-MM-DD date"},
        /* a duration from a param is checked when rendered */
        {"{{ ts_add(ts, params.bad) }}",
         "ts_add: second argument must be a duration like '2h' or '-30m'"},
        {"{{ ts_add(data_interval_start, params.region) }}",
         "ts_add: second argument must be a duration like '2h' or '-30m'"},
        {"{{ ts_add(ts, params.frac) }}",
         "ts_add: second argument must be a duration like '2h' or '-30m'"},
        {"{{ ts_add(ts, dag_run.conf.flag) }}",
         "ts_add: second argument must be a duration like '2h' or '-30m'"},
        {"{{ ts_add(ts, dag_run.conf.missing) }}", "no value for \"missing\""},
        {NULL, NULL},
    };
    lh_flow_run_ctx_t c = ctx();
    for (const render_case_t *r = cases; r->in; r++) {
        lh_buf_t b;
        char why[256] = "";
        lh_buf_init(&b, 0);
        CHECK_EQ_INT(lh_flow_template_check(r->in, param_names, NPARAMS, why, sizeof why), 0);
        CHECK(lh_flow_template_render(r->in, &c, &b, why, sizeof why) != 0);
        CHECK_EQ_STR(why, r->out);
        lh_buf_free(&b);
    }
    /* no conf at all: still an error, not "" */
    c.conf = NULL;
    lh_buf_t b;
    char why[256];
    lh_buf_init(&b, 0);
    CHECK(lh_flow_template_render("{{ dag_run.conf.x }}", &c, &b, why, sizeof why) != 0);
    lh_buf_free(&b);
}

static const lh_test_t tests[] = {
    {"render", test_render},
    {"check errors", test_check_errors},
    {"render errors", test_render_errors},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
