/* DATE columns compared with a TIMESTAMP constant at midnight. DATE +
 * INTERVAL is a TIMESTAMP (DuckDB's rule), so TPC-H's `l_shipdate < date
 * '1994-01-01' + interval '1' year` casts the column to TIMESTAMP on every
 * row. A date is its midnight, so when the constant is a midnight the
 * comparison holds on the dates alike: `CAST(d AS TIMESTAMP) op ts`
 * becomes `d op DATE(ts)` (op one of = <> != < <= > >=, either side),
 * bound again through the registry. Filter conditions and join residuals;
 * a filter right above a Parquet scan can then prune row groups too. */
#include <string.h>

#include "sql/func/func.h"
#include "sql/opt/opt.h"
#include "sql/opt/opt_int.h"

#define DAY_MICROS INT64_C(86400000000)

static bool is_cmp(const lh_bexpr_t *e)
{
    static const char *const ops[] = {"=", "<>", "!=", "<", "<=", ">", ">="};
    if (e->kind != LH_BX_FUNC || !e->u.func.def || e->u.func.nargs != 2) return false;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (!strcmp(e->u.func.def->name, ops[i])) return true;
    return false;
}

/* CAST(<DATE> AS TIMESTAMP): its argument, else NULL. */
static lh_bexpr_t *date_cast(const lh_bexpr_t *e)
{
    if (e->kind != LH_BX_CAST || e->u.cast.try_cast || e->type.id != LH_TYPE_TIMESTAMP ||
        e->u.cast.arg->type.id != LH_TYPE_DATE)
        return NULL;
    return e->u.cast.arg;
}

/* A TIMESTAMP constant at midnight as a DATE constant, else NULL. */
static lh_bexpr_t *midnight(lh_arena_t *a, const lh_bexpr_t *e)
{
    if (e->kind != LH_BX_CONST || e->type.id != LH_TYPE_TIMESTAMP || e->u.c.is_null ||
        e->u.c.v.i % DAY_MICROS)
        return NULL;
    int64_t days = e->u.c.v.i / DAY_MICROS;
    if (days < INT32_MIN || days > INT32_MAX) return NULL;
    lh_value_t v = lh_value_int(LH_TYPE_DATE, days);
    return lh_bx_const(a, &v, e->pos);
}

/* The comparison over the two DATE expressions, or NULL when it does not bind
 * to one without casts. */
static lh_bexpr_t *rebind(lh_arena_t *a, const lh_bexpr_t *call, lh_bexpr_t *x, lh_bexpr_t *y)
{
    lh_bexpr_t **args = lh_arena_alloc(a, 2 * sizeof *args);
    lh_sql_arg_t *av = lh_arena_calloc(a, 2 * sizeof *av);
    lh_type_t *cast_to = lh_arena_calloc(a, 2 * sizeof *cast_to);
    if (!args || !av || !cast_to) return NULL;
    args[0] = x;
    args[1] = y;
    for (int i = 0; i < 2; i++) {
        av[i].type = cast_to[i] = args[i]->type;
        if (args[i]->kind == LH_BX_CONST) {
            av[i].flags = LH_SQL_ARG_CONSTANT;
            av[i].value = args[i]->u.c;
        }
    }
    const lh_sql_func_def_t *def = call->u.func.def;
    lh_sql_bind_call_t bc = {.name = def->name,
                             .args = av,
                             .nargs = 2,
                             .arena = a,
                             .pos = call->pos,
                             .cast_to = cast_to};
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    if (lh_sql_func_bind(def, &bc, &err) || cast_to[0].id != LH_TYPE_DATE ||
        cast_to[1].id != LH_TYPE_DATE || !lh_type_equal(&bc.ret, &call->type))
        return NULL;
    return lh_bx_func(a, def, &bc, args, 2);
}

/* e with its comparisons rewritten (in place below it); NULL only when out of memory. */
static lh_bexpr_t *rewrite(lh_arena_t *a, lh_bexpr_t *e)
{
    if (!e) return e;
    if (is_cmp(e)) {
        lh_bexpr_t *l = e->u.func.args[0], *r = e->u.func.args[1], *d, *c;
        if ((d = date_cast(l)) && (c = midnight(a, r))) {
            lh_bexpr_t *n = rebind(a, e, d, c);
            return n ? n : e;
        }
        if ((d = date_cast(r)) && (c = midnight(a, l))) {
            lh_bexpr_t *n = rebind(a, e, c, d);
            return n ? n : e;
        }
        return e;
    }
    if (e->kind == LH_BX_AND || e->kind == LH_BX_OR || e->kind == LH_BX_NOT)
        for (uint32_t i = 0; i < e->u.list.n; i++)
            if (!(e->u.list.items[i] = rewrite(a, e->u.list.items[i]))) return NULL;
    return e;
}

int lh__opt_date_compares(lh_arena_t *a, lh_plan_t *p)
{
    if (!p) return 0;
    for (int i = 0; i < 2; i++) {
        int rc = lh__opt_date_compares(a, p->child[i]);
        if (rc) return rc;
    }
    if (p->kind == LH_PLAN_FILTER && !(p->u.filter.cond = rewrite(a, p->u.filter.cond)))
        return LH_ENOMEM;
    if (p->kind == LH_PLAN_JOIN && p->u.join.cond && !(p->u.join.cond = rewrite(a, p->u.join.cond)))
        return LH_ENOMEM;
    return 0;
}
