/* Constructors of bound expressions and plan nodes, and their names for
 * EXPLAIN. Everything is allocated in the statement's arena. */
#include <string.h>

#include "sql/plan/plan.h"

static lh_bexpr_t *bx_new(lh_arena_t *a, lh_bx_kind_t kind, const lh_type_t *type, int32_t pos)
{
    lh_bexpr_t *e = lh_arena_calloc(a, sizeof *e);
    if (!e) return NULL;
    e->kind = (uint8_t)kind;
    if (type) e->type = *type;
    e->pos = pos;
    return e;
}

lh_bexpr_t *lh_bx_const(lh_arena_t *a, const lh_value_t *v, int32_t pos)
{
    lh_bexpr_t *e = bx_new(a, LH_BX_CONST, &v->type, pos);
    if (e) e->u.c = *v;
    return e;
}

lh_bexpr_t *lh_bx_colref(lh_arena_t *a, uint32_t col, const lh_type_t *type)
{
    lh_bexpr_t *e = bx_new(a, LH_BX_COLREF, type, -1);
    if (e) e->u.col = col;
    return e;
}

lh_bexpr_t *lh_bx_cast(lh_arena_t *a, lh_bexpr_t *arg, const lh_type_t *to, bool try_cast,
                       int32_t pos)
{
    lh_bexpr_t *e = bx_new(a, LH_BX_CAST, to, pos);
    if (!e) return NULL;
    e->u.cast.arg = arg;
    e->u.cast.try_cast = try_cast;
    return e;
}

lh_bexpr_t *lh_bx_list(lh_arena_t *a, lh_bx_kind_t kind, const lh_type_t *type, uint32_t n,
                       int32_t pos)
{
    lh_bexpr_t *e = bx_new(a, kind, type, pos);
    if (!e) return NULL;
    e->u.list.n = n;
    e->u.list.items = lh_arena_calloc(a, (n ? n : 1) * sizeof *e->u.list.items);
    return e->u.list.items ? e : NULL;
}

lh_bexpr_t *lh_bx_func(lh_arena_t *a, const lh_sql_func_def_t *def, const lh_sql_bind_call_t *call,
                       lh_bexpr_t **args, uint32_t nargs)
{
    lh_bexpr_t *e = bx_new(a, LH_BX_FUNC, &call->ret, call->pos);
    if (!e) return NULL;
    e->u.func.def = def;
    e->u.func.exec = call->exec;
    e->u.func.bind_data = call->bind_data;
    e->u.func.init_local = call->init_local;
    e->u.func.free_local = call->free_local;
    e->u.func.flags = def ? def->flags : 0;
    e->u.func.args = args;
    e->u.func.nargs = nargs;
    return e;
}

lh_bexpr_t *lh_bx_copy_map(lh_arena_t *a, const lh_bexpr_t *e,
                           uint32_t (*map)(void *ctx, const lh_bexpr_t *ref), void *ctx)
{
    lh_bexpr_t *c = lh_arena_alloc(a, sizeof *c);
    if (!c) return NULL;
    *c = *e;
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_COLREF:
        c->u.col = map(ctx, e);
        c->outer = 0;
        return c;
    case LH_BX_CONST:
    case LH_BX_PARAM:
        return c;
    case LH_BX_FUNC:
        c->u.func.args = lh_arena_alloc(a, (e->u.func.nargs + 1) * sizeof *c->u.func.args);
        if (!c->u.func.args) return NULL;
        for (uint32_t i = 0; i < e->u.func.nargs; i++)
            if (!(c->u.func.args[i] = lh_bx_copy_map(a, e->u.func.args[i], map, ctx))) return NULL;
        return c;
    case LH_BX_CAST:
        return (c->u.cast.arg = lh_bx_copy_map(a, e->u.cast.arg, map, ctx)) ? c : NULL;
    case LH_BX_IN_SET:
        return (c->u.in_set.arg = lh_bx_copy_map(a, e->u.in_set.arg, map, ctx)) ? c : NULL;
    default:
        c->u.list.items = lh_arena_alloc(a, (e->u.list.n + 1) * sizeof *c->u.list.items);
        if (!c->u.list.items) return NULL;
        for (uint32_t i = 0; i < e->u.list.n; i++)
            if (!(c->u.list.items[i] = lh_bx_copy_map(a, e->u.list.items[i], map, ctx)))
                return NULL;
        return c;
    }
}

bool lh_bx_equal(const lh_bexpr_t *a, const lh_bexpr_t *b)
{
    if (a->kind != b->kind || !lh_type_equal(&a->type, &b->type) || a->negated != b->negated)
        return false;
    switch ((lh_bx_kind_t)a->kind) {
    case LH_BX_CONST: {
        if (a->u.c.is_null || b->u.c.is_null) return a->u.c.is_null == b->u.c.is_null;
        int cmp;
        return !lh_value_compare(&a->u.c, &b->u.c, &cmp) && !cmp;
    }
    case LH_BX_COLREF:
        return a->u.col == b->u.col;
    case LH_BX_PARAM:
        return a->u.param == b->u.param;
    case LH_BX_FUNC:
        if (a->u.func.def != b->u.func.def || a->u.func.nargs != b->u.func.nargs) return false;
        for (uint32_t i = 0; i < a->u.func.nargs; i++)
            if (!lh_bx_equal(a->u.func.args[i], b->u.func.args[i])) return false;
        return true;
    case LH_BX_CAST:
        return a->u.cast.try_cast == b->u.cast.try_cast &&
               lh_bx_equal(a->u.cast.arg, b->u.cast.arg);
    case LH_BX_IN_SET:
        return a->u.in_set.set == b->u.in_set.set && lh_bx_equal(a->u.in_set.arg, b->u.in_set.arg);
    default:
        if (a->u.list.n != b->u.list.n) return false;
        for (uint32_t i = 0; i < a->u.list.n; i++)
            if (!lh_bx_equal(a->u.list.items[i], b->u.list.items[i])) return false;
        return true;
    }
}

bool lh_bx_is_foldable(const lh_bexpr_t *e)
{
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_CONST:
        return true;
    case LH_BX_COLREF:
    case LH_BX_PARAM:
    case LH_BX_ERROR:
        return false;
    case LH_BX_FUNC:
        if (e->u.func.flags & LH_SQL_FUNC_VOLATILE) return false;
        for (uint32_t i = 0; i < e->u.func.nargs; i++)
            if (!lh_bx_is_foldable(e->u.func.args[i])) return false;
        return true;
    case LH_BX_CAST:
        return lh_bx_is_foldable(e->u.cast.arg);
    case LH_BX_IN_SET:
        return false;
    default:
        for (uint32_t i = 0; i < e->u.list.n; i++)
            if (!lh_bx_is_foldable(e->u.list.items[i])) return false;
        return true;
    }
}

void lh_bx_refs(const lh_bexpr_t *e, bool *need, uint32_t n)
{
    if (!e) return;
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_COLREF:
        if (!e->outer && e->u.col < n) need[e->u.col] = true;
        return;
    case LH_BX_CONST:
    case LH_BX_PARAM:
        return;
    case LH_BX_FUNC:
        for (uint32_t i = 0; i < e->u.func.nargs; i++)
            lh_bx_refs(e->u.func.args[i], need, n);
        return;
    case LH_BX_CAST:
        lh_bx_refs(e->u.cast.arg, need, n);
        return;
    case LH_BX_IN_SET:
        lh_bx_refs(e->u.in_set.arg, need, n);
        return;
    default:
        for (uint32_t i = 0; i < e->u.list.n; i++)
            lh_bx_refs(e->u.list.items[i], need, n);
        return;
    }
}

lh_plan_t *lh_plan_new(lh_arena_t *a, lh_plan_kind_t kind, uint32_t ncols)
{
    lh_plan_t *p = lh_arena_calloc(a, sizeof *p);
    if (!p) return NULL;
    p->kind = (uint8_t)kind;
    p->ncols = ncols;
    p->est_rows = -1;
    p->cols = lh_arena_calloc(a, (ncols ? ncols : 1) * sizeof *p->cols);
    return p->cols ? p : NULL;
}

static const char *const plan_names[] = {
    [LH_PLAN_VALUES] = "COLUMN_DATA_SCAN",
    [LH_PLAN_SCAN_MEMORY] = "SEQ_SCAN",
    [LH_PLAN_SCAN_PARQUET] = "PARQUET_SCAN",
    [LH_PLAN_RANGE] = "RANGE",
    [LH_PLAN_FILTER] = "FILTER",
    [LH_PLAN_PROJECT] = "PROJECTION",
    [LH_PLAN_AGGREGATE] = "HASH_GROUP_BY",
    [LH_PLAN_SORT] = "ORDER_BY",
    [LH_PLAN_LIMIT] = "LIMIT",
    [LH_PLAN_JOIN] = "HASH_JOIN",
    [LH_PLAN_UNION] = "UNION",
    [LH_PLAN_SETOP] = "SET_OPERATION",
    [LH_PLAN_WINDOW] = "WINDOW",
    [LH_PLAN_INSERT] = "INSERT",
    [LH_PLAN_CREATE_TABLE] = "CREATE_TABLE",
    [LH_PLAN_DDL] = "DDL",
    [LH_PLAN_SCAN_TEXT] = "READ_FILES",
};

const char *lh_plan_kind_name(lh_plan_kind_t k)
{
    if ((unsigned)k >= sizeof plan_names / sizeof plan_names[0] || !plan_names[k]) return "?";
    return plan_names[k];
}
