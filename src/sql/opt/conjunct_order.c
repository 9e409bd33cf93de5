/* Conjunct order: a filter's AND evaluates its terms one after the other,
 * each on the rows the ones before kept (exec/expr.c), so cheap terms go
 * first: comparisons of fixed-width columns with constants, then of two
 * fixed-width columns, then strings, ORs and IN lists, LIKE and other
 * calls, subquery sets last (DuckDB orders its filters the same way; AND is
 * commutative in SQL, and an error a later term would raise on rows an
 * earlier one drops is not raised in either order). A stable sort: terms of
 * equal cost keep the query's order. TPC-H q12: the receipt-date range
 * before the ship-mode strings. */
#include <string.h>

#include "sql/opt/opt.h"

/* A rough cost of evaluating e on one row. */
static unsigned cost(const lh_bexpr_t *e)
{
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_CONST:
    case LH_BX_PARAM:
        return 0;
    case LH_BX_COLREF:
        return lh_type_physical(&e->type) == LH_PHYS_STRING || lh_type_is_nested(&e->type) ? 4 : 1;
    case LH_BX_CAST:
        return 2 + cost(e->u.cast.arg);
    case LH_BX_FUNC: {
        const char *n = e->u.func.def ? e->u.func.def->name : "";
        static const char *const cheap[] = {
            "=", "<>", "!=", "<", "<=", ">", ">=", "+", "-", "#in_list"};
        unsigned c = 8;
        for (size_t i = 0; i < sizeof cheap / sizeof cheap[0]; i++)
            if (!strcmp(n, cheap[i])) c = 1;
        for (uint32_t i = 0; i < e->u.func.nargs; i++)
            c += cost(e->u.func.args[i]);
        return c;
    }
    case LH_BX_IN_SET:
        return 20 + cost(e->u.in_set.arg);
    case LH_BX_ERROR:
        return 1000; /* last: only rows every other term kept may raise it */
    default: {
        unsigned c = 1;
        for (uint32_t i = 0; i < e->u.list.n; i++)
            c += cost(e->u.list.items[i]);
        return c;
    }
    }
}

static void order(lh_bexpr_t *and)
{
    uint32_t n = and->u.list.n;
    unsigned c[n];
    lh_bexpr_t **it = and->u.list.items;
    for (uint32_t i = 0; i < n; i++)
        c[i] = cost(it[i]);
    for (uint32_t i = 1; i < n; i++) { /* insertion sort: stable, n is small */
        lh_bexpr_t *x = it[i];
        unsigned cx = c[i];
        uint32_t j = i;
        for (; j > 0 && c[j - 1] > cx; j--) {
            it[j] = it[j - 1];
            c[j] = c[j - 1];
        }
        it[j] = x;
        c[j] = cx;
    }
}

void lh_opt_order_conjuncts(lh_plan_t *p)
{
    if (!p) return;
    if (p->kind == LH_PLAN_FILTER && p->u.filter.cond && p->u.filter.cond->kind == LH_BX_AND)
        order(p->u.filter.cond);
    lh_opt_order_conjuncts(p->child[0]);
    lh_opt_order_conjuncts(p->child[1]);
}
