/* lh__flow_apply: fills a struct (or a task's per-type field list) from a
 * YAML mapping by a table of declarative rows, one per allowed key, each
 * with its kind; values are checked by kind (integers in range, durations,
 * dates, enums, paths that must exist, templates that must check). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/err.h"
#include "core/str.h"
#include "flow/dag_int.h"
#include "flow/template.h"

void lh__flow_check_template(lh__flow_ctx_t *x, yaml_node_t *node, const char *field,
                             const char *text)
{
    const char **names =
        lh_arena_alloc(x->dag->arena, sizeof *names * (size_t)(x->dag->nparams + 1));
    int n = 0;
    char why[256];
    for (int i = 0; names && i < x->dag->nparams; i++)
        names[n++] = x->dag->params[i].name;
    if (lh_flow_template_check(text, names, n, why, sizeof why))
        lh__flow_diag(x, node, field, "bad template: %s", why);
}

static int valid_id(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > 250) return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static int in_choices(const char *choices, const char *s)
{
    size_t n = strlen(s);
    for (const char *p = choices; *p;) {
        size_t k = strcspn(p, "|");
        if (k == n && !strncmp(p, s, n)) return 1;
        p += k + (p[k] == '|');
    }
    return 0;
}

static const char *resolve_path(lh__flow_ctx_t *x, yaml_node_t *n, const char *field,
                                const lh__flow_row_t *r, const char *s)
{
    size_t len = strlen(s), sl = r->suffix ? strlen(r->suffix) : 0;
    const char *p = s[0] == '/' ? s : lh_arena_printf(x->dag->arena, "%s/%s", x->dag->dir, s);
    if (sl && (len < sl || strcmp(s + len - sl, r->suffix)))
        lh__flow_diag(x, n, field, "expected a file name ending in %s", r->suffix);
    else if (p && access(p, R_OK) != 0)
        lh__flow_diag(x, n, field, "no such file \"%s\"", p);
    return p; /* kept even when missing: the error is said once */
}

static int number(lh__flow_ctx_t *x, yaml_node_t *n, const char *field, const lh__flow_row_t *r,
                  const char *s, int64_t *out)
{
    int64_t ms;
    int b;
    switch (r->kind) {
    case LH__F_INT:
        if (lh_parse_i64(s, out) || *out < r->min || (r->max && *out > r->max)) {
            lh__flow_diag(x, n, field, "expected an integer >= %lld, got \"%s\"", (long long)r->min,
                          s);
            return -1;
        }
        return 0;
    case LH__F_BOOL:
        if (!lh_config_parse_bool(s, &b)) return *out = b, 0;
        lh__flow_diag(x, n, field, "expected true or false, got \"%s\"", s);
        return -1;
    case LH__F_DURATION:
        if (!lh_config_parse_duration(s, &ms) && ms % 1000 == 0) return *out = ms / 1000, 0;
        lh__flow_diag(x, n, field, "bad duration \"%s\" (seconds, or like 30s, 5m, 1h30m)", s);
        return -1;
    case LH__F_SIZE:
        if (!lh_config_parse_size(s, out) && *out >= 0) return 0;
        lh__flow_diag(x, n, field, "bad size \"%s\" (bytes, or like 512MiB, 2GiB)", s);
        return -1;
    default: /* LH__F_DATE */
        if (!lh__flow_parse_date(s, out)) return 0;
        lh__flow_diag(x, n, field, "bad date \"%s\" (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)", s);
        return -1;
    }
}

/* A scalar row into v; -1 after a diagnostic. */
static int scalar_row(lh__flow_ctx_t *x, yaml_node_t *n, const char *field, const lh__flow_row_t *r,
                      lh_flow_value_t *v)
{
    const char *s = lh__flow_scalar(x, n, field, "a single value");
    if (!s) return -1;
    v->kind = LH_FLOW_V_STR, v->str = s;
    switch (r->kind) {
    case LH__F_ID:
        if (valid_id(s)) return 0;
        lh__flow_diag(x, n, field, "bad id \"%s\" (letters, digits, _ . - only)", s);
        return -1;
    case LH__F_ENUM:
        if (in_choices(r->choices, s)) return 0;
        lh__flow_diag(x, n, field, "bad value \"%s\" (one of %s)", s, r->choices);
        return -1;
    case LH__F_TEXT:
        lh__flow_check_template(x, n, field, s);
        return 0;
    case LH__F_PATH:
        return (v->str = resolve_path(x, n, field, r, s)) ? 0 : -1;
    case LH__F_STR:
        return 0;
    default:
        v->kind = r->kind == LH__F_BOOL ? LH_FLOW_V_BOOL : LH_FLOW_V_INT;
        return number(x, n, field, r, s, &v->num);
    }
}

/* A sequence of scalars (or one scalar), or a mapping of scalars. */
static int compound_row(lh__flow_ctx_t *x, yaml_node_t *n, const char *field,
                        const lh__flow_row_t *r, lh_flow_value_t *v)
{
    lh_arena_t *a = x->dag->arena;
    int map = r->kind == LH__F_MAP;
    if (!map && n->type == YAML_SCALAR_NODE) {
        v->kind = LH_FLOW_V_LIST, v->n = 1;
        if (!(v->items = lh_arena_alloc(a, sizeof *v->items))) return -1;
        v->items[0] = lh__flow_scalar(x, n, field, "a value");
        if (v->items[0]) lh__flow_check_template(x, n, field, v->items[0]);
        return v->items[0] ? 0 : -1;
    }
    if (n->type != (map ? YAML_MAPPING_NODE : YAML_SEQUENCE_NODE)) {
        lh__flow_diag(x, n, field, "expected a %s", map ? "mapping" : "list");
        return -1;
    }
    int cnt = map ? (int)(n->data.mapping.pairs.top - n->data.mapping.pairs.start)
                  : (int)(n->data.sequence.items.top - n->data.sequence.items.start);
    v->kind = map ? LH_FLOW_V_MAP : LH_FLOW_V_LIST;
    v->items = lh_arena_calloc(a, (size_t)(cnt + 1) * sizeof *v->items);
    v->keys = map ? lh_arena_calloc(a, (size_t)(cnt + 1) * sizeof *v->keys) : NULL;
    if (!v->items || (map && !v->keys)) return -1;
    int bad = 0;
    for (int i = 0; i < cnt; i++) {
        yaml_node_t *k = NULL, *e;
        if (map) {
            yaml_node_pair_t *p = &n->data.mapping.pairs.start[i];
            k = yaml_document_get_node(x->doc, p->key);
            e = yaml_document_get_node(x->doc, p->value);
        } else
            e = yaml_document_get_node(x->doc, n->data.sequence.items.start[i]);
        char *f;
        if (map)
            f = lh_arena_printf(
                a, "%s.%s", field,
                k && k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?");
        else
            f = lh_arena_printf(a, "%s[%d]", field, i);
        if (!f) return -1;
        if (map && !(v->keys[v->n] = lh__flow_scalar(x, k, f, "a name"))) bad = 1;
        const char *s = lh__flow_scalar(x, e, f, "a single value");
        if (!s)
            bad = 1;
        else {
            lh__flow_check_template(x, e, f, s);
            v->items[v->n++] = s;
        }
    }
    return bad ? -1 : 0;
}

static yaml_node_t *find_key(lh__flow_ctx_t *x, yaml_node_t *map, const char *name)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(x->doc, p->key);
        if (k && k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, name))
            return yaml_document_get_node(x->doc, p->value);
    }
    return NULL;
}

static const lh__flow_row_t *find_row(const lh__flow_row_t *rows, const lh__flow_row_t *rows2,
                                      const char *name)
{
    for (const lh__flow_row_t *r = rows; r && r->name; r++)
        if (!strcmp(r->name, name) || !strcmp(r->name, "*")) return r;
    for (const lh__flow_row_t *r = rows2; r && r->name; r++)
        if (!strcmp(r->name, name) || !strcmp(r->name, "*")) return r;
    return NULL;
}

/* Unknown and duplicate keys. */
static void check_keys(lh__flow_ctx_t *x, yaml_node_t *map, const lh__flow_row_t *rows,
                       const lh__flow_row_t *rows2, const char *path)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(x->doc, p->key);
        const char *name = lh__flow_scalar(x, k, path, "a field name");
        if (!name) continue;
        const char *f = *path ? lh_arena_printf(x->dag->arena, "%s.%s", path, name) : name;
        if (!find_row(rows, rows2, name)) lh__flow_diag(x, k, f, "unknown field");
        for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
            yaml_node_t *k2 = yaml_document_get_node(x->doc, q->key);
            if (k2 && k2->type == YAML_SCALAR_NODE &&
                !strcmp((const char *)k2->data.scalar.value, name)) {
                lh__flow_diag(x, k, f, "duplicate key");
                break;
            }
        }
    }
}

static void store(void *obj, const lh__flow_row_t *r, const lh_flow_value_t *v,
                  lh_flow_task_t *fields_of)
{
    if (r->off != LH__NO_OFF) {
        if (v->kind == LH_FLOW_V_STR)
            *(const char **)((char *)obj + r->off) = v->str;
        else
            *(int64_t *)((char *)obj + r->off) = v->num;
    } else if (fields_of)
        fields_of->fields[fields_of->nfields++] = (lh_flow_field_t){r->name, *v};
}

static void apply_row(lh__flow_ctx_t *x, yaml_node_t *map, const lh__flow_row_t *r, void *obj,
                      const char *path, lh_flow_task_t *fields_of)
{
    yaml_node_t *v = find_key(x, map, r->name);
    const char *f = *path ? lh_arena_printf(x->dag->arena, "%s.%s", path, r->name) : r->name;
    if (!f) return;
    if (!v || (lh__flow_is_null(v) && r->kind != LH__F_CUSTOM)) {
        if (r->required) lh__flow_diag(x, v ? v : map, f, "missing required field");
        return;
    }
    if (r->kind == LH__F_CUSTOM) {
        r->fn(x, v, (char *)obj + (r->off == LH__NO_OFF ? 0 : r->off), f);
        return;
    }
    lh_flow_value_t val = {.line = lh__flow_line(v)};
    int rc = r->kind == LH__F_LIST || r->kind == LH__F_MAP ? compound_row(x, v, f, r, &val)
                                                           : scalar_row(x, v, f, r, &val);
    if (rc == 0) store(obj, r, &val, fields_of);
}

void lh__flow_apply(lh__flow_ctx_t *x, yaml_node_t *map, const lh__flow_row_t *rows,
                    const lh__flow_row_t *rows2, void *obj, const char *path,
                    lh_flow_task_t *fields_of)
{
    if (!map || map->type != YAML_MAPPING_NODE) {
        lh__flow_diag(x, map, path, "expected a mapping");
        return;
    }
    check_keys(x, map, rows, rows2, path);
    if (fields_of && !fields_of->fields) {
        size_t n = (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start) + 1;
        if (!(fields_of->fields = lh_arena_calloc(x->dag->arena, n * sizeof(lh_flow_field_t))))
            return;
    }
    for (const lh__flow_row_t *r = rows; r && r->name; r++)
        apply_row(x, map, r, obj, path, fields_of);
    for (const lh__flow_row_t *r = rows2; r && r->name; r++)
        apply_row(x, map, r, obj, path, fields_of);
}
