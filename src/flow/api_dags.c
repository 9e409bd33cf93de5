/* REST handlers for DAGs, from the registry (flow/flow.h):
 *   GET   /dags                 ?limit&offset&order_by=dag_id|-dag_id&only_active&paused
 *                               &dag_id_pattern -> {dags, total_entries}
 *   GET   /dags/{dag_id}        the DAG object; /details adds catchup, dates, params
 *   PATCH /dags/{dag_id}        {"is_paused": bool} [?update_mask=is_paused]
 *   GET   /dags/{dag_id}/tasks  {tasks, total_entries}
 *   GET   /importErrors         files that do not parse: {import_errors, total_entries} */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/api_int.h"

static void dag_404(lh_rest_call_t *c, const char *dag_id)
{
    char msg[320];
    snprintf(msg, sizeof msg, "DAG with dag_id: '%.250s' not found", dag_id);
    lh_rest_problem(c, 404, msg);
}

/* A boolean query parameter: def when absent; -2 after a 400. */
static int query_bool(lh_rest_call_t *c, const char *name, int def)
{
    const char *v = lh_rest_query(c, name);
    char msg[120];
    if (!v) return def;
    if (!strcmp(v, "true") || !strcmp(v, "1")) return 1;
    if (!strcmp(v, "false") || !strcmp(v, "0")) return 0;
    snprintf(msg, sizeof msg, "%s must be true or false", name);
    lh_rest_problem(c, 400, msg);
    return -2;
}

typedef struct {
    int only_active, paused; /* paused -1: any */
    const char *pattern;     /* a substring of the dag_id, or NULL */
    int tagged;              /* a tags filter: no DAG has tags, so none matches */
    json_t *all;
} dag_filter_t;

static int add_dag(const lh_flow_dag_info_t *info, void *arg)
{
    dag_filter_t *f = arg;
    if (f->tagged || (f->only_active && !info->dag) ||
        (f->paused >= 0 && info->paused != f->paused) ||
        (f->pattern && !strstr(info->dag_id, f->pattern)))
        return 0;
    json_array_append_new(f->all, lh__flow_dag_json(info));
    return 0;
}

/* The page [offset, offset+limit) of all (in order, or reversed), as a new array. */
static json_t *page_of(json_t *all, const lh_rest_page_t *pg, int desc)
{
    json_t *out = json_array();
    int64_t n = (int64_t)json_array_size(all);
    for (int64_t i = pg->offset; i < n && i < pg->offset + pg->limit; i++)
        json_array_append(out, json_array_get(all, (size_t)(desc ? n - 1 - i : i)));
    return out;
}

void lh__flow_api_dags_list(lh_rest_call_t *c)
{
    static const char *const known[] = {"limit",       "offset", "order_by",
                                        "only_active", "paused", "dag_id_pattern",
                                        "tags",        "fields", NULL};
    static const char *const orders[] = {"dag_id", NULL};
    lh_rest_page_t pg;
    lh_rest_order_t ord;
    dag_filter_t f = {.pattern = lh_rest_query(c, "dag_id_pattern"),
                      .tagged = lh_rest_query(c, "tags") != NULL};
    if (lh_rest_query_only(c, known) ||
        lh_rest_page(c, LH__FLOW_API_DEF_LIMIT, LH__FLOW_API_MAX_LIMIT, &pg) ||
        lh_rest_order_by(c, orders, "dag_id", &ord) ||
        (f.only_active = query_bool(c, "only_active", 1)) < 0 ||
        (f.paused = query_bool(c, "paused", -1)) < -1)
        return;
    f.all = json_array();
    lh_flow_dags_each(lh_rest_arg(c), add_dag, &f);
    json_t *page = page_of(f.all, &pg, ord.desc);
    int64_t total = (int64_t)json_array_size(f.all);
    json_decref(f.all);
    lh_rest_json(c, 200, lh__flow_collection("dags", page, total));
}

typedef struct {
    json_t *(*shape)(const lh_flow_dag_info_t *);
    json_t *doc;
} dag_one_t;

static int one_dag(const lh_flow_dag_info_t *info, void *arg)
{
    dag_one_t *o = arg;
    o->doc = o->shape(info);
    return 0;
}

/* 200 with the DAG in shape, or 404. */
static void answer_dag(lh_rest_call_t *c, const char *dag_id,
                       json_t *(*shape)(const lh_flow_dag_info_t *))
{
    dag_one_t o = {.shape = shape};
    if (lh_flow_dag_with(lh_rest_arg(c), dag_id, one_dag, &o) == LH_ENOENT)
        dag_404(c, dag_id);
    else
        lh_rest_json(c, 200, o.doc);
}

void lh__flow_api_dag_get(lh_rest_call_t *c)
{
    answer_dag(c, lh_rest_param(c, "dag_id"), lh__flow_dag_json);
}

void lh__flow_api_dag_details(lh_rest_call_t *c)
{
    answer_dag(c, lh_rest_param(c, "dag_id"), lh__flow_dag_details_json);
}

/* update_mask (repeated, or comma separated) names only is_paused. */
static int mask_ok(lh_rest_call_t *c)
{
    for (int i = 0; i < lh_rest_query_count(c, "update_mask"); i++) {
        const char *m = lh_rest_query_nth(c, "update_mask", i);
        char one[64];
        for (const char *p = m; *p;) {
            size_t n = strcspn(p, ",");
            snprintf(one, sizeof one, "%.*s", (int)(n < 63 ? n : 63), p);
            if (strcmp(one, "is_paused")) {
                lh_rest_problem(c, 400, "only is_paused can be updated (update_mask=is_paused)");
                return 0;
            }
            p += n + (p[n] == ',');
        }
    }
    return 1;
}

void lh__flow_api_dag_patch(lh_rest_call_t *c)
{
    static const char *const known[] = {"update_mask", NULL};
    const char *dag_id = lh_rest_param(c, "dag_id");
    lh_err_t err = {0};
    if (lh_rest_query_only(c, known) || !mask_ok(c)) return;
    json_t *body = lh_rest_body_json(c);
    if (!body) return;
    json_t *v = json_object_get(body, "is_paused");
    int rc = json_is_boolean(v) ? lh_flow_set_paused(lh_rest_arg(c), dag_id, json_is_true(v), &err)
                                : LH_EINVAL;
    json_decref(body);
    if (rc == LH_EINVAL && !err.msg[0])
        lh_rest_problem(c, 400, "is_paused must be given as a boolean");
    else if (rc == LH_ENOENT)
        dag_404(c, dag_id);
    else if (rc)
        lh__flow_api_fail(c, rc, &err);
    else
        answer_dag(c, dag_id, lh__flow_dag_json);
}

static int tasks_of(const lh_flow_dag_info_t *info, void *arg)
{
    const lh_flow_dag_t *d = info->dag ? info->dag : info->broken;
    for (int i = 0; d && i < d->ntasks; i++)
        json_array_append_new(arg, lh__flow_task_json(d, i));
    return 0;
}

void lh__flow_api_dag_tasks(lh_rest_call_t *c)
{
    static const char *const known[] = {"order_by", NULL};
    static const char *const orders[] = {"task_id", NULL};
    const char *dag_id = lh_rest_param(c, "dag_id");
    lh_rest_order_t ord;
    if (lh_rest_query_only(c, known) || lh_rest_order_by(c, orders, "task_id", &ord)) return;
    json_t *arr = json_array();
    if (lh_flow_dag_with(lh_rest_arg(c), dag_id, tasks_of, arr) == LH_ENOENT) {
        json_decref(arr);
        dag_404(c, dag_id);
        return;
    }
    lh_rest_json(c, 200, lh__flow_collection("tasks", arr, (int64_t)json_array_size(arr)));
}

static void add_error(json_t *all, const lh_flow_dag_t *d)
{
    char *text = lh__flow_diags_text(d);
    json_array_append_new(all, json_pack("{s:I, s:n, s:s, s:s}", "import_error_id",
                                         (json_int_t)json_array_size(all) + 1, "timestamp",
                                         "filename", d->file, "stack_trace", text ? text : ""));
    free(text);
}

static int file_error(const lh_flow_dag_t *d, void *arg)
{
    add_error(arg, d);
    return 0;
}

/* A DAG that keeps its last good version while its file is broken. */
static int dag_error(const lh_flow_dag_info_t *info, void *arg)
{
    if (info->broken) add_error(arg, info->broken);
    return 0;
}

void lh__flow_api_import_errors(lh_rest_call_t *c)
{
    static const char *const known[] = {"limit", "offset", "order_by", NULL};
    static const char *const orders[] = {"import_error_id", NULL};
    lh_rest_page_t pg;
    lh_rest_order_t ord;
    if (lh_rest_query_only(c, known) ||
        lh_rest_page(c, LH__FLOW_API_DEF_LIMIT, LH__FLOW_API_MAX_LIMIT, &pg) ||
        lh_rest_order_by(c, orders, "import_error_id", &ord))
        return;
    json_t *all = json_array();
    lh_flow_import_errors_each(lh_rest_arg(c), file_error, all);
    lh_flow_dags_each(lh_rest_arg(c), dag_error, all);
    json_t *page = page_of(all, &pg, ord.desc);
    int64_t total = (int64_t)json_array_size(all);
    json_decref(all);
    lh_rest_json(c, 200, lh__flow_collection("import_errors", page, total));
}
