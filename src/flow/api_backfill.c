/* Backfills, in Airflow 3's shape (AIP-78, scheduler-managed):
 *   POST /backfills  {dag_id, from_date, to_date, reprocess_behavior:
 *                    none|failed|completed, dag_run_conf?, max_active_runs?}
 *                    -> {id, dag_id, from_date, to_date, reprocess_behavior,
 *                    dag_run_conf, num_runs, ...}
 *   GET  /backfills/{backfill_id}  the same with the progress of its runs:
 *                    num_runs, runs_by_state {queued, running, success,
 *                    failed}, completed_at once none is queued or running
 * The backfill itself is flow.h's lh_flow_backfill: one run per interval
 * without one, never a duplicate; "completed" is Airflow's name for our
 * reprocess-all ("all" is accepted too). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flow/api_int.h"

static const struct {
    const char *name;
    int mode;
} behaviors[] = {
    {"none", LH_FLOW_REPROCESS_NONE},
    {"failed", LH_FLOW_REPROCESS_FAILED},
    {"completed", LH_FLOW_REPROCESS_ALL},
    {"all", LH_FLOW_REPROCESS_ALL},
};

static int behavior(const char *name)
{
    for (size_t i = 0; i < sizeof behaviors / sizeof behaviors[0]; i++)
        if (!strcmp(behaviors[i].name, name)) return behaviors[i].mode;
    return -1;
}

typedef struct {
    const char *dag_id, *from, *to, *reprocess;
    json_t *conf;
    int64_t start, end;
    int mode;
} backfill_req_t;

/* The body into r: 0, or -1 after a 400. */
static int read_req(lh_rest_call_t *c, json_t *body, backfill_req_t *r)
{
    static const char *const known[] = {
        "dag_id",       "from_date",       "to_date",       "reprocess_behavior",
        "dag_run_conf", "max_active_runs", "run_backwards", NULL};
    const char *key, *msg = NULL;
    json_t *v;
    json_object_foreach(body, key, v)
    {
        int i = 0;
        while (known[i] && strcmp(known[i], key))
            i++;
        if (!known[i])
            msg = "unknown field (dag_id, from_date, to_date, reprocess_behavior, "
                  "dag_run_conf)";
    }
    r->dag_id = json_string_value(json_object_get(body, "dag_id"));
    r->from = json_string_value(json_object_get(body, "from_date"));
    r->to = json_string_value(json_object_get(body, "to_date"));
    r->reprocess = json_string_value(json_object_get(body, "reprocess_behavior"));
    r->conf = json_object_get(body, "dag_run_conf");
    if (!r->reprocess) r->reprocess = "none";
    if (!msg && (!r->dag_id || !r->from || !r->to))
        msg = "dag_id, from_date and to_date are required strings";
    else if (!msg && (lh__flow_api_parse_date(r->from, &r->start) ||
                      lh__flow_api_parse_date(r->to, &r->end)))
        msg = "from_date and to_date must be ISO 8601 dates (2024-01-01T00:00:00+00:00)";
    else if (!msg && (r->mode = behavior(r->reprocess)) < 0)
        msg = "reprocess_behavior must be none, failed or completed";
    else if (!msg && r->conf && !json_is_null(r->conf) && !json_is_object(r->conf))
        msg = "dag_run_conf must be a JSON object";
    else if (!msg && json_is_true(json_object_get(body, "run_backwards")))
        msg = "run_backwards is not supported";
    if (msg) lh_rest_problem(c, 400, msg);
    return msg ? -1 : 0;
}

void lh__flow_api_backfill_post(lh_rest_call_t *c)
{
    backfill_req_t r = {0};
    int64_t id = 0;
    int nruns = 0;
    lh_err_t err = {0};
    json_t *body = lh_rest_body_json(c);
    if (!body) return;
    if (read_req(c, body, &r)) goto done;
    int rc = lh_flow_backfill(lh_rest_arg(c), r.dag_id, r.start, r.end, r.mode,
                              json_is_object(r.conf) ? r.conf : NULL, &id, &nruns, &err);
    if (rc) {
        lh__flow_api_fail(c, rc, &err);
        goto done;
    }
    json_t *now = lh__flow_date_s((int64_t)time(NULL));
    lh_rest_json(c, 200,
                 json_pack("{s:I, s:s, s:o, s:o, s:s, s:o, s:b, s:I, s:i, s:O, s:o, s:n}", "id",
                           (json_int_t)id, "dag_id", r.dag_id, "from_date",
                           lh__flow_date_s(r.start), "to_date", lh__flow_date_s(r.end),
                           "reprocess_behavior", r.reprocess, "dag_run_conf",
                           json_is_object(r.conf) ? json_incref(r.conf) : json_object(),
                           "is_paused", 0, "max_active_runs", (json_int_t)0, "num_runs", nruns,
                           "created_at", now, "updated_at", json_copy(now), "completed_at"));
    json_decref(now);
done:
    json_decref(body);
}

/* The runs of one backfill. */
typedef struct {
    int64_t id, n, from, to, last_end_us;
    int64_t by_state[4];
    char dag_id[LH_FLOW_ID_MAX];
    lh_err_t err;
} progress_t;

static int count_run(const lh_flow_run_rec_t *r, void *arg)
{
    progress_t *p = arg;
    if (r->backfill_id != p->id) return 0;
    if (p->n++ == 0) {
        snprintf(p->dag_id, sizeof p->dag_id, "%s", r->dag_id);
        p->from = p->to = r->logical_date;
    }
    if (r->logical_date < p->from) p->from = r->logical_date;
    if (r->logical_date > p->to) p->to = r->logical_date;
    if (r->end_us > p->last_end_us) p->last_end_us = r->end_us;
    if (r->state >= 0 && r->state < 4) p->by_state[r->state]++;
    return 0;
}

static int read_progress(lh_flow_state_t *s, void *arg)
{
    progress_t *p = arg;
    lh_flow_query_t q = {.state = -1, .order_by = "logical_date"};
    return lh_flow_state_run_each(s, &q, count_run, p, NULL, &p->err);
}

void lh__flow_api_backfill_get(lh_rest_call_t *c)
{
    const char *s = lh_rest_param(c, "backfill_id");
    progress_t p = {0};
    char *end;
    p.id = strtoll(s, &end, 10);
    if (*end || end == s || p.id <= 0) {
        lh_rest_problem(c, 400, "backfill_id must be a positive integer");
        return;
    }
    int rc = lh_flow_read(lh_rest_arg(c), read_progress, &p);
    if (rc || p.n == 0) {
        if (rc)
            lh__flow_api_fail(c, rc, &p.err);
        else
            lh_rest_problem(c, 404, "no backfill with that id has runs");
        return;
    }
    int done = p.by_state[LH_FLOW_RS_QUEUED] + p.by_state[LH_FLOW_RS_RUNNING] == 0;
    lh_rest_json(c, 200,
                 json_pack("{s:I, s:s, s:o, s:o, s:I, s:{s:I, s:I, s:I, s:I}, s:o}", "id",
                           (json_int_t)p.id, "dag_id", p.dag_id, "from_date",
                           lh__flow_date_s(p.from), "to_date", lh__flow_date_s(p.to), "num_runs",
                           (json_int_t)p.n, "runs_by_state", "queued",
                           (json_int_t)p.by_state[LH_FLOW_RS_QUEUED], "running",
                           (json_int_t)p.by_state[LH_FLOW_RS_RUNNING], "success",
                           (json_int_t)p.by_state[LH_FLOW_RS_SUCCESS], "failed",
                           (json_int_t)p.by_state[LH_FLOW_RS_FAILED], "completed_at",
                           done ? lh__flow_date_us(p.last_end_us) : json_null()));
}
