/* Records as Airflow 2's stable API shows them: the DAG object (and its
 * details), a task, a DAG run and a task instance, with Airflow's field
 * names and date form. Fields Airflow has that mean nothing here keep their
 * neutral value (owners [], tags [], map_index -1, hostname ""). */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "flow/api_int.h"
#include "flow/schedule.h"

static const char *const run_types[] = {
    [LH_FLOW_RUN_SCHEDULED] = "scheduled",
    [LH_FLOW_RUN_MANUAL] = "manual",
    [LH_FLOW_RUN_BACKFILL] = "backfill",
};

static const char *const param_types[] = {
    [LH_FLOW_P_STRING] = "string",
    [LH_FLOW_P_INTEGER] = "integer",
    [LH_FLOW_P_NUMBER] = "number",
    [LH_FLOW_P_BOOLEAN] = "boolean",
};

/* names[i] of a table of n, or NULL when out of range. */
static const char *name_of(const char *const *names, int n, int i)
{
    return i >= 0 && i < n ? names[i] : NULL;
}

static int count(const char *const *names)
{
    int n = 0;
    while (names[n])
        n++;
    return n;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Airflow's TimeDelta object; null for 0 when zero_null. */
static json_t *timedelta(int64_t s, int zero_null)
{
    if (s <= 0 && zero_null) return json_null();
    return json_pack("{s:s, s:I, s:I, s:i}", "__type", "TimeDelta", "days", (json_int_t)(s / 86400),
                     "seconds", (json_int_t)(s % 86400), "microseconds", 0);
}

static json_t *schedule_json(const lh_flow_dag_t *d)
{
    if (!d || d->sched_kind == LH_FLOW_SCHED_NONE) return json_null();
    return json_pack("{s:s, s:s}", "__type", "CronExpression", "value", d->schedule);
}

static const struct {
    const char *schedule, *text;
} described[] = {
    {"@hourly", "At 0 minutes past the hour"},
    {"@daily", "At 00:00"},
    {"@midnight", "At 00:00"},
    {"@weekly", "At 00:00, only on Sunday"},
    {"@monthly", "At 00:00, on day 1 of the month"},
    {"@yearly", "At 00:00, on day 1 of the month, only in January"},
    {"@annually", "At 00:00, on day 1 of the month, only in January"},
};

static json_t *timetable_text(const lh_flow_dag_t *d)
{
    if (!d) return json_null();
    if (d->sched_kind == LH_FLOW_SCHED_NONE) return json_string("Never, external triggers only");
    if (d->sched_kind == LH_FLOW_SCHED_ONCE) return json_string("Once, as soon as possible");
    for (size_t i = 0; i < sizeof described / sizeof described[0]; i++)
        if (!strcmp(described[i].schedule, d->schedule)) return json_string(described[i].text);
    return json_sprintf("cron %s (UTC)", d->schedule);
}

json_t *lh__flow_dag_json(const lh_flow_dag_info_t *info)
{
    const lh_flow_dag_t *d = info->dag ? info->dag : info->broken;
    json_t *o = json_pack(
        "{s:s, s:s, s:o, s:s, s:b, s:b, s:b, s:n, s:[], s:[], s:o, s:o, s:b, s:b}", "dag_id",
        info->dag_id, "dag_display_name", info->dag_id, "description",
        str_or_null(d ? d->description : NULL), "fileloc", info->file, "is_paused", info->paused,
        "is_active", info->dag != NULL, "is_subdag", 0, "root_dag_id", "owners", "tags",
        "schedule_interval", schedule_json(d), "timetable_description", timetable_text(d),
        "has_import_errors", info->broken != NULL, "has_task_concurrency_limits", 0);
    if (!o) return NULL;
    json_object_set_new(o, "max_active_runs", json_integer(d ? d->max_active_runs : 16));
    json_object_set_new(o, "max_active_tasks", json_integer(d ? d->max_active_tasks : 16));
    json_object_set_new(o, "next_dagrun",
                        lh__flow_date_s(info->dag && !info->paused ? info->next_logical : 0));
    json_object_set_new(o, "default_view", json_string("grid"));
    return o;
}

static json_t *params_json(const lh_flow_dag_t *d)
{
    json_t *o = json_object();
    for (int i = 0; d && i < d->nparams; i++) {
        const lh_flow_param_t *p = &d->params[i];
        json_object_set_new(
            o, p->name,
            json_pack("{s:s, s:o, s:o, s:{s:s}}", "__class", "airflow.models.param.Param", "value",
                      str_or_null(p->def), "description", str_or_null(p->description), "schema",
                      "type", name_of(param_types, 4, p->type) ? param_types[p->type] : "string"));
    }
    return o;
}

json_t *lh__flow_dag_details_json(const lh_flow_dag_info_t *info)
{
    const lh_flow_dag_t *d = info->dag ? info->dag : info->broken;
    json_t *o = lh__flow_dag_json(info);
    if (!o) return NULL;
    json_object_set_new(o, "catchup", json_boolean(d && d->catchup));
    json_object_set_new(o, "concurrency", json_integer(d ? d->max_active_tasks : 16));
    json_object_set_new(o, "start_date", lh__flow_date_s(d ? d->start_date : 0));
    json_object_set_new(o, "end_date", lh__flow_date_s(d ? d->end_date : 0));
    json_object_set_new(o, "params", params_json(d));
    json_object_set_new(o, "orientation", json_string("LR"));
    json_object_set_new(o, "dag_run_timeout", json_null());
    json_object_set_new(o, "doc_md", json_null());
    if (info->broken) {
        char *text = lh__flow_diags_text(info->broken);
        json_object_set_new(o, "import_errors", str_or_null(text));
        free(text);
    }
    return o;
}

static json_t *downstream(const lh_flow_dag_t *dag, int i)
{
    json_t *arr = json_array();
    for (int j = 0; j < dag->ntasks; j++)
        for (int k = 0; k < dag->tasks[j].ndeps; k++)
            if (dag->tasks[j].dep_index[k] == i) {
                json_array_append_new(arr, json_string(dag->tasks[j].id));
                break;
            }
    return arr;
}

json_t *lh__flow_task_json(const lh_flow_dag_t *dag, int i)
{
    const lh_flow_task_t *t = &dag->tasks[i];
    const char *rule =
        name_of(lh_flow_trigger_rule_names, count(lh_flow_trigger_rule_names), t->trigger_rule);
    json_t *up = json_array();
    for (int k = 0; k < t->ndeps; k++)
        json_array_append_new(up, json_string(t->depends_on[k]));
    return json_pack(
        "{s:s, s:s, s:{s:s, s:s}, s:s?, s:I, s:o, s:b, s:o, s:s, s:i, s:I, s:s, s:s, s:s, s:b, "
        "s:b, s:o, s:o, s:o, s:o, s:b, s:[]}",
        "task_id", t->id, "operator_name", t->type, "class_ref", "class_name", t->type,
        "module_path", "lakehouse.flow", "trigger_rule", rule, "retries",
        (json_int_t)t->args.retries, "retry_delay", timedelta(t->args.retry_delay, 0),
        "retry_exponential_backoff", t->args.retry_exponential_backoff != 0, "execution_timeout",
        timedelta(t->args.execution_timeout, 1), "pool",
        t->args.pool ? t->args.pool : "default_pool", "pool_slots", 1, "priority_weight",
        (json_int_t)t->args.priority_weight, "weight_rule", "downstream", "queue", "default",
        "owner", "", "depends_on_past", t->args.depends_on_past != 0, "wait_for_downstream", 0,
        "start_date", lh__flow_date_s(dag->start_date), "end_date", lh__flow_date_s(dag->end_date),
        "downstream_task_ids", downstream(dag, i), "upstream_task_ids", up, "is_mapped", 0,
        "template_fields");
}

json_t *lh__flow_run_json(const lh_flow_run_rec_t *r)
{
    json_t *conf = json_loads(r->conf ? r->conf : "{}", 0, NULL);
    if (!json_is_object(conf)) {
        json_decref(conf);
        conf = json_object();
    }
    return json_pack(
        "{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s?, s:s?, s:b, s:o, s:o, s:n, s:n}",
        "dag_id", r->dag_id, "dag_run_id", r->run_id, "logical_date",
        lh__flow_date_s(r->logical_date), "execution_date", lh__flow_date_s(r->logical_date),
        "data_interval_start", lh__flow_date_s(r->interval_start), "data_interval_end",
        lh__flow_date_s(r->interval_end), "start_date", lh__flow_date_us(r->start_us), "end_date",
        lh__flow_date_us(r->end_us), "queued_at", lh__flow_date_us(r->queued_us), "state",
        name_of(lh_flow_run_state_names, count(lh_flow_run_state_names), r->state), "run_type",
        name_of(run_types, 3, r->run_type), "external_trigger", r->run_type == LH_FLOW_RUN_MANUAL,
        "conf", conf, "backfill_id", r->backfill_id ? json_integer(r->backfill_id) : json_null(),
        "last_scheduling_decision", "note");
}

json_t *lh__flow_ti_json(const lh_flow_ti_rec_t *t, int64_t logical)
{
    const char *state =
        t->state == LH_FLOW_TS_NONE
            ? NULL
            : name_of(lh_flow_ti_state_names, count(lh_flow_ti_state_names), t->state);
    json_t *duration =
        t->start_us && t->end_us ? json_real((double)(t->end_us - t->start_us) / 1e6) : json_null();
    const char *failure = t->failure ? name_of(lh_flow_failure_names, 4, t->failure) : NULL;
    return json_pack(
        "{s:s, s:s, s:s, s:i, s:o, s:o, s:s?, s:i, s:i, s:o, s:o, s:o, s:s, s:i, s:i, s:o, "
        "s:n, s:s, s:s, s:s, s:o, s:s?}",
        "dag_id", t->dag_id, "dag_run_id", t->run_id, "task_id", t->task_id, "map_index", -1,
        "execution_date", lh__flow_date_s(logical), "logical_date", lh__flow_date_s(logical),
        "state", state, "try_number", t->try_number, "max_tries",
        t->max_tries > 0 ? t->max_tries - 1 : 0, "start_date", lh__flow_date_us(t->start_us),
        "end_date", lh__flow_date_us(t->end_us), "duration", duration, "pool",
        t->pool[0] ? t->pool : "default_pool", "pool_slots", 1, "priority_weight",
        t->priority_weight, "pid", t->pid ? json_integer(t->pid) : json_null(), "operator",
        "hostname", "", "unixname", "", "queue", "default", "exit_code",
        t->exit_code >= 0 ? json_integer(t->exit_code) : json_null(), "failure", failure);
}

static int set_operators(const lh_flow_dag_info_t *info, void *arg)
{
    const lh_flow_dag_t *d = info->dag ? info->dag : info->broken;
    json_t *ti;
    size_t i;
    json_array_foreach((json_t *)arg, i, ti)
    {
        const lh_flow_task_t *t =
            d ? lh_flow_dag_task(d, json_string_value(json_object_get(ti, "task_id"))) : NULL;
        if (t) json_object_set_new(ti, "operator", json_string(t->type));
    }
    return 0;
}

void lh__flow_tis_operators(lh_flow_t *f, const char *dag_id, json_t *arr)
{
    lh_flow_dag_with(f, dag_id, set_operators, arr);
}

char *lh__flow_diags_text(const lh_flow_dag_t *d)
{
    lh_buf_t b;
    lh_buf_init(&b, (size_t)1 << 20);
    for (int i = 0; i < d->ndiags; i++) {
        const lh_flow_diag_t *g = &d->diags[i];
        lh_buf_printf(&b, "%s%s:%d: %s%s%s", i ? "\n" : "", g->file, g->line, g->field,
                      g->field[0] ? ": " : "", g->msg);
    }
    if (lh_buf_puts(&b, "") != 0) {
        lh_buf_free(&b);
        return NULL;
    }
    return lh_buf_take(&b, NULL);
}
