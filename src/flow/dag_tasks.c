/* The tasks list: each task is a mapping read by the common rows (id,
 * type, depends_on, trigger_rule and the default_args keys, which override
 * the DAG's) plus the rows of its type (flow/dag_types.c), then the type's
 * cross-field rule. A task starts from the DAG's default_args. */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "flow/dag_int.h"

const char *const lh_flow_trigger_rule_names[] = {"all_success",
                                                  "all_failed",
                                                  "all_done",
                                                  "one_success",
                                                  "one_failed",
                                                  "none_failed",
                                                  "none_failed_min_one_success",
                                                  "none_skipped",
                                                  "always",
                                                  NULL};

int lh__flow_on_failure(lh__flow_ctx_t *x, yaml_node_t *v, void *obj, const char *field)
{
    lh_flow_args_t *a = obj;
    a->on_failure = a->on_failure_webhook = NULL;
    if (lh__flow_is_null(v)) return 0;
    if (v->type == YAML_SCALAR_NODE) return (a->on_failure = lh__flow_scalar(x, v, field, "")), 0;
    static const lh__flow_row_t rows[] = {
        {.name = "command", .kind = LH__F_STR, .off = offsetof(lh_flow_args_t, on_failure)},
        {.name = "webhook", .kind = LH__F_STR, .off = offsetof(lh_flow_args_t, on_failure_webhook)},
        {0}};
    lh__flow_apply(x, v, rows, NULL, a, field, NULL);
    if (v->type == YAML_MAPPING_NODE && !a->on_failure == !a->on_failure_webhook)
        lh__flow_diag(x, v, field, "give exactly one of command or webhook");
    if (a->on_failure_webhook && strncmp(a->on_failure_webhook, "http://", 7) &&
        strncmp(a->on_failure_webhook, "https://", 8))
        lh__flow_diag(x, v, field, "webhook must be an http:// or https:// url");
    return 0;
}

static int parse_trigger_rule(lh__flow_ctx_t *x, yaml_node_t *v, void *obj, const char *field)
{
    lh_flow_task_t *t = obj;
    const char *s = lh__flow_scalar(x, v, field, "a trigger rule");
    if (!s) return -1;
    for (int i = 0; lh_flow_trigger_rule_names[i]; i++)
        if (!strcmp(s, lh_flow_trigger_rule_names[i])) return t->trigger_rule = i, 0;
    lh__flow_diag(x, v, field,
                  "unknown trigger rule \"%s\" (all_success, all_failed, all_done, one_success, "
                  "one_failed, none_failed, none_failed_min_one_success, none_skipped, always)",
                  s);
    return -1;
}

static int add_dep(lh__flow_ctx_t *x, yaml_node_t *e, const char *field, lh_flow_task_t *t)
{
    const char *s = lh__flow_scalar(x, e, field, "a task id");
    if (!s) return -1;
    t->depends_on[t->ndeps] = s;
    t->dep_line[t->ndeps] = lh__flow_line(e);
    t->dep_index[t->ndeps++] = -1;
    return 0;
}

static int parse_depends_on(lh__flow_ctx_t *x, yaml_node_t *v, void *obj, const char *field)
{
    lh_flow_task_t *t = obj;
    lh_arena_t *a = x->dag->arena;
    if (lh__flow_is_null(v)) return 0;
    int n = v->type == YAML_SEQUENCE_NODE
                ? (int)(v->data.sequence.items.top - v->data.sequence.items.start)
                : 1;
    t->depends_on = lh_arena_calloc(a, (size_t)n * sizeof *t->depends_on + 1);
    t->dep_index = lh_arena_calloc(a, (size_t)n * sizeof *t->dep_index + 1);
    t->dep_line = lh_arena_calloc(a, (size_t)n * sizeof *t->dep_line + 1);
    if (!t->depends_on || !t->dep_index || !t->dep_line) return -1;
    if (v->type != YAML_SEQUENCE_NODE) return add_dep(x, v, field, t);
    for (int i = 0; i < n; i++) {
        const char *f = lh_arena_printf(a, "%s[%d]", field, i);
        add_dep(x, yaml_document_get_node(x->doc, v->data.sequence.items.start[i]), f ? f : field,
                t);
    }
    return 0;
}

#define TASK_OFF(f) offsetof(lh_flow_task_t, f)
static const lh__flow_row_t task_rows[] = {
    {.name = "id", .kind = LH__F_ID, .off = TASK_OFF(id), .required = 1},
    {.name = "type", .kind = LH__F_STR, .off = TASK_OFF(type), .required = 1},
    {.name = "depends_on", .kind = LH__F_CUSTOM, .fn = parse_depends_on},
    {.name = "trigger_rule", .kind = LH__F_CUSTOM, .fn = parse_trigger_rule},
    LH__FLOW_ARGS_ROWS(TASK_OFF(args)),
    {0},
};

/* With an unknown type, its fields are not reported one by one. */
static const lh__flow_row_t any_rows[] = {{.name = "*", .kind = LH__F_STR, .off = LH__NO_OFF}, {0}};

static const struct lh_flow_task_type *task_type(lh__flow_ctx_t *x, yaml_node_t *map,
                                                 const char *path)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(x->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(x->doc, p->value);
        if (!k || k->type != YAML_SCALAR_NODE || strcmp((const char *)k->data.scalar.value, "type"))
            continue;
        if (!v || v->type != YAML_SCALAR_NODE) return NULL;
        const char *name = (const char *)v->data.scalar.value;
        const struct lh_flow_task_type *ty = lh__flow_type_find(name);
        char list[256];
        lh__flow_type_list(list, sizeof list);
        if (!ty && !lh__flow_is_null(v))
            lh__flow_diag(x, v, lh_arena_printf(x->dag->arena, "%s.type", path),
                          "unknown task type \"%s\" (one of %s)", name, list);
        return ty;
    }
    return NULL;
}

static void parse_task(lh__flow_ctx_t *x, yaml_node_t *n, int i)
{
    lh_flow_task_t *t = &x->dag->tasks[i];
    char *path = lh_arena_printf(x->dag->arena, "tasks[%d]", i);
    if (!path) return;
    t->line = lh__flow_line(n);
    t->args = x->dag->default_args;
    if (!n || n->type != YAML_MAPPING_NODE) {
        lh__flow_diag(x, n, path, "expected a mapping (id, type, ...)");
        return;
    }
    t->ty = task_type(x, n, path);
    lh__flow_apply(x, n, task_rows, t->ty ? t->ty->fields : any_rows, t, path, t);
    if (t->ty && t->ty->validate) t->ty->validate(x, n, t, path);
}

void lh__flow_parse_tasks(lh__flow_ctx_t *x, yaml_node_t *seq)
{
    lh_flow_dag_t *d = x->dag;
    if (!seq || seq->type != YAML_SEQUENCE_NODE) {
        lh__flow_diag(x, seq, "tasks", "expected a list of tasks");
        return;
    }
    int n = (int)(seq->data.sequence.items.top - seq->data.sequence.items.start);
    if (n == 0) {
        lh__flow_diag(x, seq, "tasks", "a DAG needs at least one task");
        return;
    }
    if (!(d->tasks = lh_arena_calloc(d->arena, (size_t)n * sizeof *d->tasks))) return;
    d->ntasks = n;
    for (int i = 0; i < n; i++)
        parse_task(x, yaml_document_get_node(x->doc, seq->data.sequence.items.start[i]), i);
}
