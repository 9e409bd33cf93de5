/* Select-list aliases named in WHERE, GROUP BY, HAVING and QUALIFY, as
 * DuckDB allows: `SELECT i % 2 AS k ... GROUP BY k + 1 HAVING k > 0`. A
 * bare column name that no FROM column has, but a select-list alias has,
 * stands for that item's expression; the clause's tree is rebuilt along the
 * paths to such names (the rest is shared, syntax trees are read-only).
 * Subqueries keep their own names, and a substituted expression is not
 * searched again, so aliases never chain. */
#include <string.h>
#include <strings.h>

#include "sql/bind/bind_int.h"

typedef struct subst {
    lh_arena_t *arena;
    const lh_balias_t *al;
    uint32_t nal;
    const lh_bscope_t *from;
    const char *first; /* the first alias substituted */
    bool oom;
} subst_t;

static lh_ast_t *walk(subst_t *s, lh_ast_t *n);
static bool window(subst_t *s, lh_ast_window_t **slot);

static const lh_balias_t *alias_of(const subst_t *s, const lh_ast_t *n)
{
    if (n->u.column.name.n != 1) return NULL;
    const char *name = n->u.column.name.parts[0];
    for (uint32_t i = 0; i < s->from->n; i++)
        if (!s->from->cols[i].hidden && !strcasecmp(s->from->cols[i].name, name)) return NULL;
    for (uint32_t i = 0; i < s->nal; i++)
        if (!strcasecmp(s->al[i].name, name)) return &s->al[i];
    return NULL;
}

/* Rewrites *slot; returns whether it changed. */

static bool child(subst_t *s, lh_ast_t **slot)
{
    if (!*slot) return false;
    lh_ast_t *r = walk(s, *slot);
    if (r == *slot) return false;
    *slot = r;
    return true;
}

static bool list(subst_t *s, lh_ast_list_t *l)
{
    lh_ast_t **items = NULL;
    for (uint32_t i = 0; i < l->n; i++) {
        lh_ast_t *r = walk(s, l->items[i]);
        if (r == l->items[i]) continue;
        if (!items) {
            if (!(items = lh_arena_alloc(s->arena, l->n * sizeof *items))) {
                s->oom = true;
                return false;
            }
            memcpy(items, l->items, l->n * sizeof *items);
        }
        items[i] = r;
    }
    if (items) l->items = items;
    return items != NULL;
}

/* An OVER clause's PARTITION BY and ORDER BY terms (a copy when one changed). */
static bool window(subst_t *s, lh_ast_window_t **slot)
{
    lh_ast_window_t *w = *slot;
    if (!w) return false;
    lh_ast_window_t c = *w;
    bool changed = list(s, &c.partition_by);
    lh_ast_order_t *items = NULL;
    for (uint32_t i = 0; i < c.order_by.n; i++) {
        lh_ast_t *r = walk(s, c.order_by.items[i].expr);
        if (r == c.order_by.items[i].expr) continue;
        if (!items) {
            if (!(items = lh_arena_alloc(s->arena, c.order_by.n * sizeof *items))) {
                s->oom = true;
                return false;
            }
            memcpy(items, c.order_by.items, c.order_by.n * sizeof *items);
        }
        items[i].expr = r;
    }
    if (items) c.order_by.items = items;
    if ((!changed && !items) || s->oom) return false;
    lh_ast_window_t *copy = lh_arena_alloc(s->arena, sizeof *copy);
    if (!copy) {
        s->oom = true;
        return false;
    }
    *copy = c;
    *slot = copy;
    return true;
}

static lh_ast_t *walk(subst_t *s, lh_ast_t *n)
{
    if (!n || s->oom) return n;
    if (n->kind == LH_AST_COLUMN) {
        const lh_balias_t *a = alias_of(s, n);
        if (!a) return n;
        if (!s->first) s->first = a->name;
        lh_ast_t *copy = lh_arena_alloc(s->arena, sizeof *copy);
        if (!copy) {
            s->oom = true;
            return n;
        }
        *copy = *a->ast;
        copy->alias = NULL;
        return copy;
    }
    lh_ast_t c = *n; /* rebuilt on a copy, kept only when something changed */
    bool changed = false;
    switch ((lh_ast_kind_t)n->kind) {
    case LH_AST_FUNC:
        changed = list(s, &c.u.func.args) | child(s, &c.u.func.filter) | window(s, &c.u.func.over);
        break;
    case LH_AST_UNARY:
        changed = child(s, &c.u.unary.arg);
        break;
    case LH_AST_BINARY:
        changed = child(s, &c.u.binary.left) | child(s, &c.u.binary.right);
        break;
    case LH_AST_CAST:
        changed = child(s, &c.u.cast.arg);
        break;
    case LH_AST_CASE:
        changed = child(s, &c.u.kase.operand) | list(s, &c.u.kase.whens) |
                  list(s, &c.u.kase.thens) | child(s, &c.u.kase.else_expr);
        break;
    case LH_AST_BETWEEN:
        changed =
            child(s, &c.u.between.arg) | child(s, &c.u.between.low) | child(s, &c.u.between.high);
        break;
    case LH_AST_IN:
        changed = child(s, &c.u.in.arg) | list(s, &c.u.in.list);
        break;
    case LH_AST_IS:
        changed = child(s, &c.u.is.arg) | child(s, &c.u.is.rhs);
        break;
    case LH_AST_LIKE:
        changed =
            child(s, &c.u.like.arg) | child(s, &c.u.like.pattern) | child(s, &c.u.like.escape);
        break;
    case LH_AST_ROW:
        changed = list(s, &c.u.row.items);
        break;
    case LH_AST_COLLATE:
        changed = child(s, &c.u.collate.arg);
        break;
    default:
        return n;
    }
    if (!changed || s->oom) return n;
    lh_ast_t *copy = lh_arena_alloc(s->arena, sizeof *copy);
    if (!copy) {
        s->oom = true;
        return n;
    }
    *copy = c;
    return copy;
}

int lh__bind_subst_aliases(lh_arena_t *a, const lh_balias_t *al, uint32_t nal,
                           const lh_bscope_t *from, const lh_ast_t *n, const lh_ast_t **out,
                           const char **first)
{
    *out = n;
    if (first) *first = NULL;
    if (!n || !nal) return 0;
    subst_t s = {.arena = a, .al = al, .nal = nal, .from = from};
    lh_ast_t *r = walk(&s, (lh_ast_t *)n);
    if (s.oom) return LH_ENOMEM;
    *out = r;
    if (first) *first = s.first;
    return 0;
}
