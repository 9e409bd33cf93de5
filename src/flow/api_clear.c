/* POST /dags/{dag_id}/clearTaskInstances, Airflow 2's body: dry_run
 * (default true, as Airflow), task_ids, dag_run_id, start_date, end_date,
 * only_failed (default true, as Airflow), include_upstream,
 * include_downstream, reset_dag_runs (a finished run of a cleared TI goes
 * back to queued, a running one keeps running); include_past, include_future and only_running exist
 * in Airflow and are refused when true. Answers {"task_instances": [{dag_id, dag_run_id, task_id,
 * execution_date, state, try_number, ...}]} with the TIs as they were before the clear (flow.h
 * lh_flow_clear). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/api_int.h"

typedef struct {
    const char *name;
    size_t offset; /* into lh_flow_clear_t, or (size_t)-1: accepted, unused */
    int def;
    int refuse_true; /* Airflow has it, we do not */
} flag_t;

#define UNUSED ((size_t)-1)
static const flag_t flags[] = {
    {.name = "dry_run", .offset = offsetof(lh_flow_clear_t, dry_run), .def = 1},
    {.name = "only_failed", .offset = offsetof(lh_flow_clear_t, only_failed), .def = 1},
    {.name = "include_upstream", .offset = offsetof(lh_flow_clear_t, upstream)},
    {.name = "include_downstream", .offset = offsetof(lh_flow_clear_t, downstream)},
    {.name = "reset_dag_runs", .offset = UNUSED, .def = 1},
    {.name = "include_subdags", .offset = UNUSED},
    {.name = "include_parentdag", .offset = UNUSED},
    {.name = "include_past", .offset = UNUSED, .refuse_true = 1},
    {.name = "include_future", .offset = UNUSED, .refuse_true = 1},
    {.name = "only_running", .offset = UNUSED, .refuse_true = 1},
};
static const char *const other_keys[] = {"task_ids", "dag_run_id", "start_date", "end_date", NULL};

static const flag_t *flag_named(const char *key)
{
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (!strcmp(flags[i].name, key)) return &flags[i];
    return NULL;
}

static int other_key(const char *key)
{
    for (int i = 0; other_keys[i]; i++)
        if (!strcmp(other_keys[i], key)) return 1;
    return 0;
}

/* The booleans of body into cl, after their defaults: 0 or -1 after a 400. */
static int read_flags(lh_rest_call_t *c, json_t *body, lh_flow_clear_t *cl)
{
    const char *key;
    json_t *v;
    char msg[200];
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (flags[i].offset != UNUSED) *(int *)((char *)cl + flags[i].offset) = flags[i].def;
    json_object_foreach(body, key, v)
    {
        const flag_t *f = flag_named(key);
        if (!f && other_key(key)) continue;
        if (!f)
            snprintf(msg, sizeof msg, "unknown field '%.60s'", key);
        else if (!json_is_boolean(v))
            snprintf(msg, sizeof msg, "%s must be a boolean", key);
        else if (f->refuse_true && json_is_true(v))
            snprintf(msg, sizeof msg, "%s is not supported", key);
        else {
            if (f->offset != UNUSED) *(int *)((char *)cl + f->offset) = json_is_true(v);
            continue;
        }
        lh_rest_problem(c, 400, msg);
        return -1;
    }
    return 0;
}

/* An optional string member: 0 (maybe *out set), or -1 after a 400. */
static int opt_str(lh_rest_call_t *c, json_t *body, const char *key, const char **out)
{
    char msg[120];
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v)) return 0;
    if (json_is_string(v)) {
        *out = json_string_value(v);
        return 0;
    }
    snprintf(msg, sizeof msg, "%s must be a string", key);
    lh_rest_problem(c, 400, msg);
    return -1;
}

/* A date member into *out (INT64_MIN/MAX stays when absent): 0 or -1 after a 400. */
static int opt_date(lh_rest_call_t *c, json_t *body, const char *key, int64_t *out)
{
    const char *s = NULL;
    char msg[160];
    if (opt_str(c, body, key, &s)) return -1;
    if (!s || lh__flow_api_parse_date(s, out) == 0) return 0;
    snprintf(msg, sizeof msg, "%s must be an ISO 8601 date (2024-01-01T00:00:00+00:00)", key);
    lh_rest_problem(c, 400, msg);
    return -1;
}

/* task_ids as a NULL-terminated array (malloc'd; strings borrowed from
 * body), NULL for every task; -1 after a 400. */
static int read_task_ids(lh_rest_call_t *c, json_t *body, const char ***out)
{
    json_t *v = json_object_get(body, "task_ids"), *id;
    size_t i;
    *out = NULL;
    if (!v || json_is_null(v)) return 0;
    if (!json_is_array(v) || !(*out = calloc(json_array_size(v) + 1, sizeof **out))) {
        lh_rest_problem(c, json_is_array(v) ? 500 : 400, "task_ids must be a list of strings");
        return -1;
    }
    json_array_foreach(v, i, id)
    {
        if (!json_is_string(id)) {
            lh_rest_problem(c, 400, "task_ids must be a list of strings");
            return -1;
        }
        (*out)[i] = json_string_value(id);
    }
    return 0;
}

static int add_cleared(const lh_flow_ti_rec_t *t, void *arg)
{
    json_array_append_new(arg, lh__flow_ti_json(t, 0));
    return 0;
}

void lh__flow_api_clear(lh_rest_call_t *c)
{
    const char *dag_id = lh_rest_param(c, "dag_id"), **task_ids = NULL;
    lh_flow_clear_t cl = {.dag_id = dag_id, .start = INT64_MIN, .end = INT64_MAX};
    lh_err_t err = {0};
    json_t *body = lh_rest_body_json(c), *arr = NULL;
    if (!body) return;
    if (read_flags(c, body, &cl) || opt_str(c, body, "dag_run_id", &cl.run_id) ||
        opt_date(c, body, "start_date", &cl.start) || opt_date(c, body, "end_date", &cl.end) ||
        read_task_ids(c, body, &task_ids))
        goto done;
    cl.task_ids = task_ids;
    arr = json_array();
    int rc = lh_flow_clear(lh_rest_arg(c), &cl, add_cleared, arr, &err);
    if (rc < 0) {
        lh__flow_api_fail(c, rc, &err);
        goto done;
    }
    lh__flow_api_tis_complete(c, dag_id, arr);
    lh_rest_json(c, 200, json_pack("{s:O}", "task_instances", arr));
done:
    json_decref(arr);
    free(task_ids);
    json_decref(body);
}
