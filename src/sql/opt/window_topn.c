/* Top N per partition: a filter that keeps `rn <= N` (also rn < N + 1,
 * rn = 1, N >= rn) of a row_number() window, directly or through
 * projections that pass rn on, tells the window (u.window.topn) that only
 * each partition's first N rows by its ORDER BY matter. The window then picks
 * them with a small sorted array per partition instead of sorting every row,
 * and numbers the others N + 1; the filter stays and drops them. Only a
 * window node with that one function qualifies (others need every row's
 * order). */
#include <string.h>

#include "sql/opt/opt.h"

#define TOPN_MAX 1024 /* beyond this a sort is as good */

static bool is_int_const(const lh_bexpr_t *e, int64_t *k)
{
    if (e->kind != LH_BX_CONST || e->u.c.is_null) return false;
    switch (e->type.id) {
    case LH_TYPE_TINYINT:
    case LH_TYPE_SMALLINT:
    case LH_TYPE_INTEGER:
    case LH_TYPE_BIGINT:
        *k = e->u.c.v.i;
        return true;
    default:
        return false;
    }
}

/* The largest row number conjunct e keeps of column col, or 0 when it does
 * not bound it. */
static int64_t bound(const lh_bexpr_t *e, uint32_t col)
{
    if (e->kind != LH_BX_FUNC || e->u.func.nargs != 2 || !e->u.func.def) return 0;
    const lh_bexpr_t *x = e->u.func.args[0], *y = e->u.func.args[1];
    const char *fn = e->u.func.def->name;
    int64_t k;
    bool col_left = x->kind == LH_BX_COLREF && !x->outer && x->u.col == col && is_int_const(y, &k);
    bool col_right = y->kind == LH_BX_COLREF && !y->outer && y->u.col == col && is_int_const(x, &k);
    if (!col_left && !col_right) return 0;
    if (!strcmp(fn, "=")) return k;
    if (!strcmp(fn, col_left ? "<=" : ">=")) return k;
    if (!strcmp(fn, col_left ? "<" : ">")) return k - 1;
    return 0;
}

/* The window under f that produces f's input column col through
 * pass-through projections, and its output column there. */
static lh_plan_t *window_of(lh_plan_t *c, uint32_t *col)
{
    while (c && c->kind == LH_PLAN_PROJECT) {
        const lh_bexpr_t *e = c->u.project.exprs[*col];
        if (e->kind != LH_BX_COLREF || e->outer) return NULL;
        *col = e->u.col;
        c = c->child[0];
    }
    return c && c->kind == LH_PLAN_WINDOW ? c : NULL;
}

static void mark(lh_plan_t *f)
{
    const lh_bexpr_t *cond = f->u.filter.cond;
    uint32_t n = cond->kind == LH_BX_AND ? cond->u.list.n : 1;
    for (uint32_t i = 0; i < n; i++) {
        const lh_bexpr_t *e = cond->kind == LH_BX_AND ? cond->u.list.items[i] : cond;
        if (e->kind != LH_BX_FUNC || e->u.func.nargs != 2) continue;
        for (uint32_t a = 0; a < 2; a++) {
            const lh_bexpr_t *x = e->u.func.args[a];
            if (x->kind != LH_BX_COLREF || x->outer) continue;
            uint32_t col = x->u.col;
            lh_plan_t *w = window_of(f->child[0], &col);
            if (!w || w->u.window.n != 1 || w->u.window.wins[0].kind != LH_WIN_ROW_NUMBER ||
                col != w->ncols - 1)
                continue;
            int64_t k = bound(e, x->u.col);
            if (k >= 1 && k <= TOPN_MAX && (!w->u.window.topn || (uint32_t)k < w->u.window.topn))
                w->u.window.topn = (uint32_t)k;
        }
    }
}

void lh_opt_window_topn(lh_plan_t *p)
{
    if (!p) return;
    if (p->kind == LH_PLAN_FILTER) mark(p);
    lh_opt_window_topn(p->child[0]);
    lh_opt_window_topn(p->child[1]);
}
