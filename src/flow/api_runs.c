/* REST handlers for DAG runs (dag_id "~" lists every DAG's):
 *   GET    /dags/{dag_id}/dagRuns   ?limit&offset&state (repeatable)&order_by
 *          &execution_date_gte|lte (logical_date_gte|lte)&start_date_gte|lte
 *          &end_date_gte|lte -> {dag_runs, total_entries}
 *   POST   /dags/{dag_id}/dagRuns   {dag_run_id?, logical_date?, conf?} -> the run
 *   GET    /dags/{dag_id}/dagRuns/{dag_run_id}
 *   DELETE /dags/{dag_id}/dagRuns/{dag_run_id}  204; 409 while it runs
 * The store pages a plain listing itself; with date filters or several
 * states the handler reads the DAG's runs and pages them here. */
#include <stdio.h>
#include <string.h>

#include "flow/api_int.h"

/* Date filters: [gte, lte] per field; INT64_MIN / INT64_MAX when open. */
enum { F_LOGICAL, F_START, F_END, NFIELDS };
typedef struct {
    int64_t gte[NFIELDS], lte[NFIELDS];
    unsigned states; /* bit per LH_FLOW_RS_*; 0: any */
    int in_handler;  /* page here, not in the store */
    lh__flow_pager_t pg;
    json_t *items;
} run_filter_t;

static const struct {
    const char *gte, *lte;
    int field;
} date_params[] = {
    {"execution_date_gte", "execution_date_lte", F_LOGICAL},
    {"logical_date_gte", "logical_date_lte", F_LOGICAL},
    {"start_date_gte", "start_date_lte", F_START},
    {"end_date_gte", "end_date_lte", F_END},
};

/* The filters of the query string into f: 0, or -1 after a 400. */
static int read_filters(lh_rest_call_t *c, run_filter_t *f)
{
    char msg[200];
    for (int i = 0; i < NFIELDS; i++)
        f->gte[i] = INT64_MIN, f->lte[i] = INT64_MAX;
    for (size_t i = 0; i < sizeof date_params / sizeof date_params[0]; i++) {
        int a = lh__flow_query_date(c, date_params[i].gte, &f->gte[date_params[i].field]);
        int b =
            a < 0 ? -1 : lh__flow_query_date(c, date_params[i].lte, &f->lte[date_params[i].field]);
        if (a < 0 || b < 0) return -1;
        f->in_handler |= a | b;
    }
    int n = lh_rest_query_count(c, "state");
    for (int i = 0; i < n; i++) {
        const char *s = lh_rest_query_nth(c, "state", i);
        int st = lh_flow_state_index(lh_flow_run_state_names, s);
        if (st < 0) {
            snprintf(msg, sizeof msg,
                     "state must be queued, running, success or failed, not '%.60s'", s);
            lh_rest_problem(c, 400, msg);
            return -1;
        }
        f->states |= 1u << st;
    }
    f->in_handler |= n > 1;
    return 0;
}

static int in_range(const run_filter_t *f, int field, int64_t v)
{
    if (f->gte[field] == INT64_MIN && f->lte[field] == INT64_MAX) return 1;
    return v != 0 && v >= f->gte[field] && v <= f->lte[field];
}

static int add_run(const lh_flow_run_rec_t *r, void *arg)
{
    run_filter_t *f = arg;
    if (f->in_handler) {
        if ((f->states && !(f->states & (1u << r->state))) ||
            !in_range(f, F_LOGICAL, r->logical_date) ||
            !in_range(f, F_START, r->start_us / 1000000) ||
            !in_range(f, F_END, r->end_us / 1000000) || !lh__flow_pager_take(&f->pg))
            return 0;
    }
    json_array_append_new(f->items, lh__flow_run_json(r));
    return 0;
}

typedef struct {
    lh_flow_query_t q;
    run_filter_t *f;
    int64_t total;
    lh_err_t err;
} run_list_t;

static int list_runs(lh_flow_state_t *s, void *arg)
{
    run_list_t *l = arg;
    return lh_flow_state_run_each(s, &l->q, add_run, l->f, &l->total, &l->err);
}

/* API order names and the store's column for each. */
static const char *const orders[] = {"execution_date", "logical_date", "start_date", "end_date",
                                     "dag_run_id",     "id",           NULL};
static const char *const columns[] = {"logical_date", "logical_date", "start_date",
                                      "end_date",     "run_id",       "logical_date"};

void lh__flow_api_runs_list(lh_rest_call_t *c)
{
    static const char *const known[] = {"limit",
                                        "offset",
                                        "state",
                                        "order_by",
                                        "execution_date_gte",
                                        "execution_date_lte",
                                        "logical_date_gte",
                                        "logical_date_lte",
                                        "start_date_gte",
                                        "start_date_lte",
                                        "end_date_gte",
                                        "end_date_lte",
                                        NULL};
    const char *dag_id = lh_rest_param(c, "dag_id");
    lh_rest_page_t pg;
    lh_rest_order_t ord;
    run_filter_t f = {0};
    if (lh_rest_query_only(c, known) ||
        lh_rest_page(c, LH__FLOW_API_DEF_LIMIT, LH__FLOW_API_MAX_LIMIT, &pg) ||
        lh_rest_order_by(c, orders, "id", &ord) || read_filters(c, &f))
        return;
    int oi = 0;
    while (orders[oi + 1] && strcmp(orders[oi], ord.field))
        oi++;
    run_list_t l = {.q = {.dag_id = strcmp(dag_id, "~") ? dag_id : NULL,
                          .state = -1,
                          .order_by = columns[oi],
                          .desc = ord.desc},
                    .f = &f};
    if (f.in_handler) {
        f.pg = (lh__flow_pager_t){.limit = pg.limit, .offset = pg.offset};
    } else {
        l.q.limit = pg.limit, l.q.offset = pg.offset;
        if (f.states) l.q.state = __builtin_ctz(f.states);
    }
    f.items = json_array();
    int rc = lh_flow_read(lh_rest_arg(c), list_runs, &l);
    if (rc) {
        json_decref(f.items);
        lh__flow_api_fail(c, rc, &l.err);
        return;
    }
    lh_rest_json(c, 200,
                 lh__flow_collection("dag_runs", f.items, f.in_handler ? f.pg.seen : l.total));
}

/* The optional string member key of body: 0, or -1 after a 400. */
static int opt_str(lh_rest_call_t *c, json_t *body, const char *key, const char **out)
{
    char msg[120];
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v)) return 0;
    if (json_is_string(v) && json_string_length(v) > 0) {
        *out = json_string_value(v);
        return 0;
    }
    snprintf(msg, sizeof msg, "%s must be a non-empty string", key);
    lh_rest_problem(c, 400, msg);
    return -1;
}

/* Airflow's allowed_run_id_pattern, ^[A-Za-z0-9_.~:+-]+$, at most 250
 * characters: a run id names a folder of logs, so no '/' and no "..". */
static int run_id_ok(lh_rest_call_t *c, const char *id)
{
    size_t n = strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~:+-");
    if (id[n] == 0 && n < LH_FLOW_RUNID_MAX && strcmp(id, ".") && strcmp(id, "..")) return 1;
    lh_rest_problem(
        c, 400, "dag_run_id must match ^[A-Za-z0-9_.~:+-]+$, at most 250 characters, not . or ..");
    return 0;
}

/* Only the members Airflow's DAGRun body has that mean something here. */
static int body_known(lh_rest_call_t *c, json_t *body)
{
    static const char *const known[] = {"dag_run_id", "logical_date", "execution_date",
                                        "conf",       "note",         NULL};
    const char *key;
    json_t *v;
    char msg[200];
    json_object_foreach(body, key, v)
    {
        int i = 0;
        while (known[i] && strcmp(known[i], key))
            i++;
        if (!known[i]) {
            snprintf(msg, sizeof msg, "unknown field '%.60s' (dag_run_id, logical_date, conf)",
                     key);
            lh_rest_problem(c, 400, msg);
            return -1;
        }
    }
    return 0;
}

/* The new run's logical date: now, or the body's; -1 after a 400. */
static int logical_of(lh_rest_call_t *c, json_t *body, int64_t *out)
{
    const char *s = NULL;
    *out = INT64_MIN;
    if (opt_str(c, body, "logical_date", &s) || (!s && opt_str(c, body, "execution_date", &s)))
        return -1;
    if (s && lh__flow_api_parse_date(s, out)) {
        lh_rest_problem(c, 400,
                        "logical_date must be an ISO 8601 date (2024-01-01T00:00:00+00:00)");
        return -1;
    }
    return 0;
}

void lh__flow_api_run_post(lh_rest_call_t *c)
{
    const char *dag_id = lh_rest_param(c, "dag_id"), *run_id = NULL;
    char id[LH_FLOW_RUNID_MAX], msg[320];
    int64_t logical;
    lh_err_t err = {0};
    lh_flow_run_rec_t r;
    json_t *body = lh_rest_body_json(c);
    if (!body) return;
    json_t *conf = json_object_get(body, "conf");
    if (body_known(c, body) || opt_str(c, body, "dag_run_id", &run_id) ||
        (run_id && !run_id_ok(c, run_id)) || logical_of(c, body, &logical))
        goto done;
    if (conf && !json_is_null(conf) && !json_is_object(conf)) {
        lh_rest_problem(c, 400, "conf must be a JSON object");
        goto done;
    }
    int rc = lh_flow_trigger(lh_rest_arg(c), dag_id, run_id, logical,
                             json_is_object(conf) ? conf : NULL, id, sizeof id, &err);
    if (rc == LH_ENOENT && !err.msg[0]) {
        snprintf(msg, sizeof msg, "DAG with dag_id: '%.250s' not found", dag_id);
        lh_rest_problem(c, 404, msg);
    } else if (rc) {
        lh__flow_api_fail(c, rc, &err);
    } else if (lh__flow_api_run_need(c, dag_id, id, &r) == 0) {
        lh_rest_json(c, 200, lh__flow_run_json(&r));
        lh_flow_run_rec_clear(&r);
    }
done:
    json_decref(body);
}

void lh__flow_api_run_get(lh_rest_call_t *c)
{
    lh_flow_run_rec_t r;
    if (lh__flow_api_run_need(c, lh_rest_param(c, "dag_id"), lh_rest_param(c, "dag_run_id"), &r))
        return;
    lh_rest_json(c, 200, lh__flow_run_json(&r));
    lh_flow_run_rec_clear(&r);
}

void lh__flow_api_run_delete(lh_rest_call_t *c)
{
    const char *dag_id = lh_rest_param(c, "dag_id"), *run_id = lh_rest_param(c, "dag_run_id");
    lh_flow_run_rec_t r;
    lh_err_t err = {0};
    if (lh__flow_api_run_need(c, dag_id, run_id, &r)) return;
    lh_flow_run_rec_clear(&r);
    int rc = lh_flow_run_delete(lh_rest_arg(c), dag_id, run_id, &err);
    if (rc)
        lh__flow_api_fail(c, rc, &err);
    else
        lh_rest_respond(c, 204, NULL, NULL, 0);
}
