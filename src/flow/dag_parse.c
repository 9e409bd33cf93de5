/* A DAG file from text to struct: loading the one YAML document, the
 * DAG-level rows (dag_id, schedule, dates, limits, params, default_args,
 * tasks), then the graph checks; every diagnostic is kept, sorted by line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/str.h"
#include "flow/dag_int.h"

static int parse_schedule(lh__flow_ctx_t *x, yaml_node_t *v, void *obj, const char *field)
{
    lh_flow_dag_t *d = obj;
    char why[160];
    if (lh__flow_is_null(v)) return 0;
    const char *s = lh__flow_scalar(x, v, field, "a cron expression or preset");
    if (!s) return -1;
    d->schedule = s;
    if (!strcmp(s, "none") || !strcmp(s, "None")) return 0;
    if (!strcmp(s, "@once")) return d->sched_kind = LH_FLOW_SCHED_ONCE, 0;
    if (lh_cron_parse(s, &d->cron, why, sizeof why)) {
        lh__flow_diag(x, v, field, "bad cron \"%s\": %s", s, why);
        return -1;
    }
    d->sched_kind = LH_FLOW_SCHED_CRON;
    return 0;
}

static const char *const param_types[] = {"string", "integer", "number", "boolean", NULL};

static int check_param_default(lh__flow_ctx_t *x, yaml_node_t *n, const char *f, lh_flow_param_t *p)
{
    int64_t i;
    char *end;
    if (!p->def) return 0;
    errno = 0;
    if ((p->type == LH_FLOW_P_INTEGER && lh_parse_i64(p->def, &i)) ||
        (p->type == LH_FLOW_P_NUMBER && (strtod(p->def, &end), end == p->def || *end)) ||
        (p->type == LH_FLOW_P_BOOLEAN && strcmp(p->def, "true") && strcmp(p->def, "false")))
        lh__flow_diag(x, n, f, "default \"%s\" is not a %s", p->def, param_types[p->type]);
    return 0;
}

static int param_type(const char *s)
{
    for (int i = 0; param_types[i]; i++)
        if (!strcmp(param_types[i], s)) return i;
    return -1;
}

/* params.NAME: a scalar default (a string), or {type, default, description}. */
static void parse_param(lh__flow_ctx_t *x, yaml_node_t *k, yaml_node_t *v, const char *field,
                        lh_flow_param_t *p)
{
    static const lh__flow_row_t rows[] = {
        {.name = "type",
         .kind = LH__F_ENUM,
         .choices = "string|integer|number|boolean",
         .off = LH__NO_OFF},
        {.name = "default", .kind = LH__F_STR, .off = offsetof(lh_flow_param_t, def)},
        {.name = "description", .kind = LH__F_STR, .off = offsetof(lh_flow_param_t, description)},
        {0}};
    p->line = lh__flow_line(k);
    if (v->type != YAML_MAPPING_NODE) {
        p->def =
            lh__flow_is_null(v) ? NULL : lh__flow_scalar(x, v, field, "a default or a mapping");
        return;
    }
    lh__flow_apply(x, v, rows, NULL, p, field, NULL);
    for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
        yaml_node_t *qk = yaml_document_get_node(x->doc, q->key);
        yaml_node_t *qv = yaml_document_get_node(x->doc, q->value);
        if (qk && qk->type == YAML_SCALAR_NODE && qv && qv->type == YAML_SCALAR_NODE &&
            !strcmp((const char *)qk->data.scalar.value, "type")) {
            int t = param_type((const char *)qv->data.scalar.value);
            p->type = t < 0 ? 0 : t;
        }
    }
    check_param_default(x, v, field, p);
}

static int parse_params(lh__flow_ctx_t *x, yaml_node_t *v, void *obj, const char *field)
{
    lh_flow_dag_t *d = obj;
    if (lh__flow_is_null(v)) return 0;
    if (v->type != YAML_MAPPING_NODE) {
        lh__flow_diag(x, v, field, "expected a mapping of params");
        return -1;
    }
    int n = (int)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
    if (!(d->params = lh_arena_calloc(d->arena, (size_t)(n + 1) * sizeof *d->params))) return -1;
    for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
        yaml_node_t *k = yaml_document_get_node(x->doc, q->key);
        const char *name = lh__flow_scalar(x, k, field, "a param name");
        if (!name) continue;
        const char *f = lh_arena_printf(d->arena, "%s.%s", field, name);
        lh_flow_param_t *p = &d->params[d->nparams++];
        p->name = name;
        if (!f || !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_", name[0]) ||
            strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
                strlen(name))
            lh__flow_diag(x, k, f ? f : field, "bad param name (letters, digits, _)");
        parse_param(x, k, yaml_document_get_node(x->doc, q->value), f ? f : field, p);
    }
    return 0;
}

static int parse_default_args(lh__flow_ctx_t *x, yaml_node_t *v, void *obj, const char *field)
{
    static const lh__flow_row_t rows[] = {LH__FLOW_ARGS_ROWS(0), {0}};
    if (lh__flow_is_null(v)) return 0;
    lh__flow_apply(x, v, rows, NULL, &((lh_flow_dag_t *)obj)->default_args, field, NULL);
    return 0;
}

static int parse_tasks(lh__flow_ctx_t *x, yaml_node_t *v, void *obj, const char *field)
{
    lh__flow_parse_tasks(x, v);
    return 0;
}

#define DAG_OFF(f) offsetof(lh_flow_dag_t, f)
/* In this order: params before the tasks whose templates name them. */
static const lh__flow_row_t dag_rows[] = {
    {.name = "dag_id", .kind = LH__F_ID, .off = DAG_OFF(dag_id), .required = 1},
    {.name = "description", .kind = LH__F_STR, .off = DAG_OFF(description)},
    {.name = "schedule", .kind = LH__F_CUSTOM, .fn = parse_schedule},
    {.name = "start_date", .kind = LH__F_DATE, .off = DAG_OFF(start_date)},
    {.name = "end_date", .kind = LH__F_DATE, .off = DAG_OFF(end_date)},
    {.name = "catchup", .kind = LH__F_BOOL, .off = DAG_OFF(catchup)},
    {.name = "max_active_runs", .kind = LH__F_INT, .min = 1, .off = DAG_OFF(max_active_runs)},
    {.name = "max_active_tasks", .kind = LH__F_INT, .min = 1, .off = DAG_OFF(max_active_tasks)},
    {.name = "params", .kind = LH__F_CUSTOM, .fn = parse_params},
    {.name = "default_args", .kind = LH__F_CUSTOM, .fn = parse_default_args},
    {.name = "tasks", .kind = LH__F_CUSTOM, .fn = parse_tasks, .required = 1},
    {0},
};

static void dag_defaults(lh_flow_dag_t *d)
{
    d->schedule = "none";
    d->start_date = INT64_MIN, d->end_date = INT64_MAX;
    d->max_active_runs = 16, d->max_active_tasks = 16;
    d->default_args =
        (lh_flow_args_t){.retry_delay = 300, .pool = "default_pool", .priority_weight = 1};
}

/* Rules across fields once all are read. */
static void check_dag(lh__flow_ctx_t *x, yaml_node_t *root)
{
    lh_flow_dag_t *d = x->dag;
    if (d->sched_kind != LH_FLOW_SCHED_NONE && d->start_date == INT64_MIN)
        lh__flow_diag(x, root, "start_date", "missing required field (the schedule needs it)");
    if (d->end_date != INT64_MAX && d->start_date != INT64_MIN && d->end_date < d->start_date)
        lh__flow_diag(x, root, "end_date", "end_date is before start_date");
    for (int i = 0; i < d->nparams; i++)
        for (int j = 0; j < i; j++)
            if (!strcmp(d->params[i].name, d->params[j].name))
                lh__flow_diag(x, root, "params", "duplicate param \"%s\"", d->params[i].name);
    lh__flow_check_graph(x);
}

static void load_doc(lh__flow_ctx_t *x, const char *text, size_t len)
{
    yaml_parser_t p;
    yaml_document_t doc, extra;
    if (!yaml_parser_initialize(&p)) return;
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    if (!yaml_parser_load(&p, &doc)) {
        yaml_node_t at = {.start_mark = p.problem_mark};
        lh__flow_diag(x, &at, "", "yaml syntax error: %s%s%s", p.problem ? p.problem : "?",
                      p.context ? " " : "", p.context ? p.context : "");
        yaml_parser_delete(&p);
        return;
    }
    x->doc = &doc;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || root->type != YAML_MAPPING_NODE)
        lh__flow_diag(x, root, "", "expected a mapping (dag_id, schedule, tasks, ...)");
    else {
        lh__flow_apply(x, root, dag_rows, NULL, x->dag, "", NULL);
        check_dag(x, root);
        if (yaml_parser_load(&p, &extra)) {
            yaml_node_t *r2 = yaml_document_get_root_node(&extra);
            if (r2) lh__flow_diag(x, r2, "", "more than one YAML document (one DAG per file)");
            yaml_document_delete(&extra);
        }
    }
    x->doc = NULL;
    yaml_document_delete(&doc);
    yaml_parser_delete(&p);
}

/* Stable: the diagnostics of one line keep the order they were found in. */
static void sort_diags(lh_flow_dag_t *d)
{
    for (int i = 1; i < d->ndiags; i++) {
        lh_flow_diag_t g = d->diags[i];
        int j = i;
        for (; j > 0 && d->diags[j - 1].line > g.line; j--)
            d->diags[j] = d->diags[j - 1];
        d->diags[j] = g;
    }
}

lh_flow_dag_t *lh_flow_dag_parse(const char *file, const char *text, size_t len)
{
    lh_arena_t *a = lh_arena_new(16384);
    lh_flow_dag_t *d = a ? lh_arena_calloc(a, sizeof *d) : NULL;
    if (!d) {
        lh_arena_free(a);
        return NULL;
    }
    d->arena = a;
    d->file = lh_arena_strdup(a, file);
    const char *slash = strrchr(file, '/');
    d->dir = slash ? lh_arena_strndup(a, file, slash == file ? 1 : (size_t)(slash - file)) : ".";
    /* the folder absolute, so paths resolved against it stay right whatever the task's cwd */
    char cwd[4096];
    if (d->dir && d->dir[0] != '/' && getcwd(cwd, sizeof cwd))
        d->dir = strcmp(d->dir, ".") ? lh_arena_printf(a, "%s/%s", cwd, d->dir)
                                     : lh_arena_strdup(a, cwd);
    if (!d->file || !d->dir) {
        lh_arena_free(a);
        return NULL;
    }
    dag_defaults(d);
    lh__flow_ctx_t x = {.dag = d};
    if (len > LH_FLOW_MAX_FILE)
        lh__flow_diag(&x, NULL, "", "file too large (over %d bytes)", LH_FLOW_MAX_FILE);
    else
        load_doc(&x, text, len);
    sort_diags(d);
    return d;
}

lh_flow_dag_t *lh_flow_dag_load(const char *file)
{
    FILE *f = fopen(file, "rb");
    char *text = NULL;
    size_t n = 0;
    int eno = 0;
    if (f) {
        text = malloc(LH_FLOW_MAX_FILE + 1);
        n = text ? fread(text, 1, LH_FLOW_MAX_FILE + 1, f) : 0;
        if (ferror(f)) eno = errno ? errno : EIO;
        fclose(f);
    } else
        eno = errno;
    lh_flow_dag_t *d = lh_flow_dag_parse(file, text && !eno ? text : "", text && !eno ? n : 0);
    free(text);
    if (d && eno) {
        lh__flow_ctx_t x = {.dag = d};
        d->ndiags = 0;
        lh__flow_diag(&x, NULL, "", "cannot read file: %s", strerror(eno));
    }
    return d;
}

void lh_flow_dag_free(lh_flow_dag_t *dag)
{
    if (dag) lh_arena_free(dag->arena);
}

const lh_flow_task_t *lh_flow_dag_task(const lh_flow_dag_t *dag, const char *id)
{
    for (int i = 0; i < dag->ntasks; i++)
        if (dag->tasks[i].id && !strcmp(dag->tasks[i].id, id)) return &dag->tasks[i];
    return NULL;
}

const lh_flow_value_t *lh_flow_task_field(const lh_flow_task_t *t, const char *name)
{
    for (int i = 0; i < t->nfields; i++)
        if (!strcmp(t->fields[i].name, name)) return &t->fields[i].v;
    return NULL;
}

void lh_flow_diag_print(const lh_flow_diag_t *d, FILE *out)
{
    if (d->field[0])
        fprintf(out, "%s:%d: %s: %s\n", d->file, d->line, d->field, d->msg);
    else
        fprintf(out, "%s:%d: %s\n", d->file, d->line, d->msg);
}
