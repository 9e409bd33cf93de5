/* Filter pushdown into Parquet scans: the simple conjuncts of a WHERE
 * right above a scan (column op constant, column IN (constants), column IS
 * [NOT] NULL) are handed to the scan, which skips the row groups and pages
 * whose statistics say no row can match. A CSV/JSON scan gets instead every
 * conjunct that reads only its filename and Hive columns, whatever the
 * expression (`ds = '...'`, `CAST(ds || ' ' || hour AS TIMESTAMP) BETWEEN
 * ...`), and evaluates it on each file's path before opening the file. The
 * filter stays: pruning is conservative and never filters rows itself. */
#include <string.h>

#include "sql/opt/opt.h"

static const struct {
    const char *fn;
    lh_pred_op_t op, flipped;
} cmp_ops[] = {
    {"=", LH_PRED_EQ, LH_PRED_EQ},  {"<>", LH_PRED_NE, LH_PRED_NE}, {"<", LH_PRED_LT, LH_PRED_GT},
    {"<=", LH_PRED_LE, LH_PRED_GE}, {">", LH_PRED_GT, LH_PRED_LT},  {">=", LH_PRED_GE, LH_PRED_LE},
};

static bool is_col(const lh_bexpr_t *e)
{
    return e->kind == LH_BX_COLREF && !e->outer;
}

static bool is_const(const lh_bexpr_t *e, const lh_bexpr_t *col)
{
    return e->kind == LH_BX_CONST && !e->u.c.is_null && lh_type_equal(&e->type, &col->type) &&
           !lh_type_is_nested(&e->type);
}

/* col = k1 OR col = k2 ...: the column and its constants (an IN list). */
static bool in_list(lh_arena_t *a, const lh_bexpr_t *e, lh_pred_t *p)
{
    if (e->kind != LH_BX_OR) return false;
    const lh_bexpr_t *col = NULL;
    lh_value_t *vals = lh_arena_calloc(a, e->u.list.n * sizeof *vals);
    if (!vals) return false;
    for (uint32_t i = 0; i < e->u.list.n; i++) {
        const lh_bexpr_t *x = e->u.list.items[i];
        if (x->kind != LH_BX_FUNC || strcmp(x->u.func.def->name, "=") || x->u.func.nargs != 2)
            return false;
        const lh_bexpr_t *c = x->u.func.args[0], *k = x->u.func.args[1];
        if (!is_col(c) || !is_const(k, c)) return false;
        if (col && col->u.col != c->u.col) return false;
        col = c;
        vals[i] = k->u.c;
    }
    *p = (lh_pred_t){.column = {.depth = 1, .idx = {col->u.col}},
                     .op = LH_PRED_IN,
                     .list = vals,
                     .nlist = e->u.list.n};
    return true;
}

static bool simple(lh_arena_t *a, const lh_bexpr_t *e, lh_pred_t *p)
{
    if ((e->kind == LH_BX_IS_NULL || e->kind == LH_BX_IS_NOT_NULL) && is_col(e->u.list.items[0])) {
        *p = (lh_pred_t){.column = {.depth = 1, .idx = {e->u.list.items[0]->u.col}},
                         .op = e->kind == LH_BX_IS_NULL ? LH_PRED_IS_NULL : LH_PRED_IS_NOT_NULL};
        return true;
    }
    if (in_list(a, e, p)) return true;
    if (e->kind != LH_BX_FUNC || e->u.func.nargs != 2 || !e->u.func.def) return false;
    for (size_t i = 0; i < sizeof cmp_ops / sizeof cmp_ops[0]; i++) {
        if (strcmp(e->u.func.def->name, cmp_ops[i].fn)) continue;
        const lh_bexpr_t *x = e->u.func.args[0], *y = e->u.func.args[1];
        bool flip = !is_col(x);
        const lh_bexpr_t *col = flip ? y : x, *k = flip ? x : y;
        if (!is_col(col) || !is_const(k, col)) return false;
        *p = (lh_pred_t){.column = {.depth = 1, .idx = {col->u.col}},
                         .op = flip ? cmp_ops[i].flipped : cmp_ops[i].op,
                         .value = k->u.c};
        return true;
    }
    return false;
}

static int push(lh_arena_t *a, lh_plan_t *f, lh_pred_t **slot, uint32_t *nslot)
{
    const lh_bexpr_t *cond = f->u.filter.cond;
    uint32_t n = cond->kind == LH_BX_AND ? cond->u.list.n : 1;
    lh_pred_t *preds = lh_arena_calloc(a, (n + *nslot + 1) * sizeof *preds);
    if (!preds) return LH_ENOMEM;
    uint32_t np = *nslot;
    if (np) memcpy(preds, *slot, np * sizeof *preds);
    for (uint32_t i = 0; i < n; i++)
        if (simple(a, cond->kind == LH_BX_AND ? cond->u.list.items[i] : cond, &preds[np])) np++;
    *slot = preds;
    *nslot = np;
    return 0;
}

/* Whether e reads columns in [lo, hi) only, calls nothing volatile and
 * raises nothing by itself: then it can be evaluated on a file's path values. */
static bool reads_only(const lh_bexpr_t *e, uint32_t lo, uint32_t hi)
{
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_CONST:
    case LH_BX_PARAM:
        return true;
    case LH_BX_COLREF:
        return !e->outer && e->u.col >= lo && e->u.col < hi;
    case LH_BX_ERROR:
    case LH_BX_IN_SET:
        return false;
    case LH_BX_FUNC:
        if (e->u.func.flags & LH_SQL_FUNC_VOLATILE) return false;
        for (uint32_t i = 0; i < e->u.func.nargs; i++)
            if (!reads_only(e->u.func.args[i], lo, hi)) return false;
        return true;
    case LH_BX_CAST:
        return reads_only(e->u.cast.arg, lo, hi);
    default:
        for (uint32_t i = 0; i < e->u.list.n; i++)
            if (!reads_only(e->u.list.items[i], lo, hi)) return false;
        return true;
    }
}

/* The conjuncts of filter f over text scan c that read only its filename and
 * Hive columns (which follow the file's own columns). */
static int push_file_conds(lh_arena_t *a, const lh_plan_t *f, lh_plan_t *c)
{
    const lh_bexpr_t *cond = f->u.filter.cond;
    uint32_t n = cond->kind == LH_BX_AND ? cond->u.list.n : 1;
    uint32_t lo = c->u.text.nfilecols, hi = lo + c->u.text.filename + c->u.text.nhive;
    const lh_bexpr_t **conds = lh_arena_calloc(a, (n + c->u.text.nfile_conds) * sizeof *conds);
    if (!conds) return LH_ENOMEM;
    uint32_t k = c->u.text.nfile_conds;
    if (k) memcpy(conds, c->u.text.file_conds, k * sizeof *conds);
    for (uint32_t i = 0; i < n; i++) {
        const lh_bexpr_t *e = cond->kind == LH_BX_AND ? cond->u.list.items[i] : cond;
        if (reads_only(e, lo, hi)) conds[k++] = e;
    }
    c->u.text.file_conds = conds;
    c->u.text.nfile_conds = k;
    return 0;
}

int lh_opt_push_filters(lh_arena_t *a, lh_plan_t *p)
{
    if (!p) return 0;
    lh_plan_t *c = p->kind == LH_PLAN_FILTER ? p->child[0] : NULL;
    int rc = 0;
    if (c && c->kind == LH_PLAN_SCAN_PARQUET) rc = push(a, p, &c->u.pq.preds, &c->u.pq.npreds);
    if (c && c->kind == LH_PLAN_SCAN_TEXT && (c->u.text.nhive || c->u.text.filename))
        rc = push_file_conds(a, p, c); /* Hive and filename columns skip files */
    if (rc) return rc;
    rc = lh_opt_push_filters(a, p->child[0]);
    return rc ? rc : lh_opt_push_filters(a, p->child[1]);
}
