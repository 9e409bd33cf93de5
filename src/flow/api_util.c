/* What the REST API's handlers share: dates in Airflow's ISO form
 * ("2024-01-01T00:00:00+00:00", microseconds for the times of runs and
 * tries), dates read from bodies and query strings, the problem for a
 * failed flow.h call, and paging done by the handler when the store cannot
 * filter (run dates, import errors). */
#include <stdio.h>
#include <string.h>

#include "core/timefmt.h"
#include "flow/api_int.h"
#include "flow/dag_int.h"

/* ns as "...Z" with digits of fraction, then "Z" -> "+00:00". */
static json_t *iso(int64_t ns, int digits)
{
    char buf[48];
    size_t n = lh_time_iso8601_format(ns, digits, buf, sizeof buf);
    if (n == 0 || buf[n - 1] != 'Z') return json_null();
    snprintf(buf + n - 1, sizeof buf - (n - 1), "+00:00");
    return json_string(buf);
}

json_t *lh__flow_date_s(int64_t s)
{
    if (s == 0 || s == INT64_MIN || s == INT64_MAX) return json_null();
    return iso(s * 1000000000, 0);
}

json_t *lh__flow_date_us(int64_t us)
{
    return us ? iso(us * 1000, 6) : json_null();
}

int lh__flow_api_parse_date(const char *s, int64_t *out)
{
    char buf[64];
    size_t n = strlen(s);
    if (n >= sizeof buf) return LH_EINVAL;
    memcpy(buf, s, n + 1);
    for (char *p = n > 11 ? buf + 11 : buf + n; *p; p++)
        if (*p == ' ') *p = '+'; /* "+00:00" unescaped in a query string */
    return lh__flow_parse_date(buf, out);
}

int lh__flow_query_date(lh_rest_call_t *c, const char *name, int64_t *out)
{
    const char *v = lh_rest_query(c, name);
    char msg[160];
    if (!v) return 0;
    if (lh__flow_api_parse_date(v, out) == 0) return 1;
    snprintf(msg, sizeof msg, "%s must be an ISO 8601 date (2024-01-01T00:00:00+00:00)", name);
    lh_rest_problem(c, 400, msg);
    return -1;
}

void lh__flow_api_fail(lh_rest_call_t *c, int rc, const lh_err_t *err)
{
    const char *msg = err && err->msg[0] ? err->msg : NULL;
    if (rc == LH_EBUSY)
        lh_rest_problem(c, 409, msg ? msg : "busy");
    else
        lh_rest_error(c, rc, msg);
}

typedef struct {
    const char *dag_id, *run_id;
    lh_flow_run_rec_t *out;
    lh_err_t err;
} run_get_t;

static int run_get(lh_flow_state_t *s, void *arg)
{
    run_get_t *g = arg;
    return lh_flow_state_run_get(s, g->dag_id, g->run_id, g->out, &g->err);
}

int lh__flow_api_run_need(lh_rest_call_t *c, const char *dag_id, const char *run_id,
                          lh_flow_run_rec_t *out)
{
    run_get_t g = {.dag_id = dag_id, .run_id = run_id, .out = out};
    char msg[600];
    memset(out, 0, sizeof *out);
    int rc = lh_flow_read(lh_rest_arg(c), run_get, &g);
    if (rc == LH_ENOENT) {
        snprintf(msg, sizeof msg, "DAGRun with DAG ID: '%.250s' and DagRun ID: '%.250s' not found",
                 dag_id, run_id);
        lh_rest_problem(c, 404, msg);
    } else if (rc) {
        lh__flow_api_fail(c, rc, &g.err);
    }
    return rc;
}

int lh__flow_pager_take(lh__flow_pager_t *p)
{
    int64_t i = p->seen++;
    return i >= p->offset && i < p->offset + p->limit;
}

json_t *lh__flow_collection(const char *key, json_t *items, int64_t total)
{
    return json_pack("{s:o, s:I}", key, items ? items : json_array(), "total_entries",
                     (json_int_t)total);
}
