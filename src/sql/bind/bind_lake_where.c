/* INSERT INTO ns.t REPLACE WHERE <predicate>: the predicate as the table
 * layer takes it. A conjunction (AND) of `col op constant` (=, <>, <, <=,
 * >, >=; either side), `col [NOT] IN (constants)` without NOT, `col BETWEEN
 * a AND b` and `col IS [NOT] NULL`, constants cast to the column's type.
 * When every term is `=` or IN on a distinct partition column it becomes a
 * partition predicate (whole files replaced, nothing read back); otherwise
 * row predicates (files holding matching rows are rewritten without them).
 * Anything else is a Not implemented Error pointing at the term. Values
 * that need the statement's parameters ($ds) are folded when it runs
 * (lh_sql_lake_where_resolve), and the choice is made then. */
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "sql/bind/bind_int.h"
#include "sql/lake_write.h"

typedef struct {
    lh_bctx_t c;
    const char *table;
    const lh_plan_col_t *cols;
    uint32_t ncols;
    lh_pred_t *v;
    uint32_t n, cap;
    lh_sql_lake_pending_t *pend; /* values known at run time ($name parameters) */
    uint32_t npend, cap_pend;
} wctx_t;

static int unsupported(wctx_t *w, const lh_ast_t *e)
{
    return lh_sql_err(w->c.env->err, LH_EINVAL, LH_SQL_ENOTIMPL, e->pos,
                      "REPLACE WHERE takes column comparisons with constants, IN, BETWEEN and IS "
                      "[NOT] NULL joined by AND");
}

/* The table column an expression names, or -1. */
static int64_t column_of(const wctx_t *w, const lh_ast_t *e)
{
    if (e->kind != LH_AST_COLUMN || e->u.column.name.n > 2) return -1;
    const lh_ast_name_t *nm = &e->u.column.name;
    if (nm->n == 2 && strcasecmp(nm->parts[0], w->table)) return -1;
    for (uint32_t i = 0; i < w->ncols; i++)
        if (!strcasecmp(w->cols[i].name, nm->parts[nm->n - 1])) return i;
    return -1;
}

/* e folded to a constant of column col's type into *out, or, when it
 * needs run-time values (parameters), noted to be folded then. */
static int constant(wctx_t *w, const lh_ast_t *e, uint32_t col, lh_value_t *out)
{
    lh_bexpr_t *x;
    int rc = lh__bind_expr(&w->c, e, &x);
    if (!rc) rc = lh__bind_cast_to(&w->c, x, &w->cols[col].type, false, e->pos, &x);
    if (rc) return rc;
    if (x->kind == LH_BX_CONST) {
        *out = x->u.c;
        return 0;
    }
    if (w->npend == w->cap_pend) {
        uint32_t cap = w->cap_pend ? w->cap_pend * 2 : 8;
        lh_sql_lake_pending_t *v = lh_arena_calloc(w->c.env->arena, cap * sizeof *v);
        if (!v) return LH_ENOMEM;
        if (w->npend) memcpy(v, w->pend, w->npend * sizeof *v);
        w->pend = v;
        w->cap_pend = cap;
    }
    w->pend[w->npend++] = (lh_sql_lake_pending_t){.pred = w->n - 1, .list_index = -1, .expr = x};
    return 0;
}

static lh_pred_t *push(wctx_t *w, uint32_t col, lh_pred_op_t op)
{
    if (w->n == w->cap) {
        uint32_t cap = w->cap ? w->cap * 2 : 8;
        lh_pred_t *v = lh_arena_calloc(w->c.env->arena, cap * sizeof *v);
        if (!v) return NULL;
        if (w->n) memcpy(v, w->v, w->n * sizeof *v);
        w->v = v;
        w->cap = cap;
    }
    lh_pred_t *p = &w->v[w->n++];
    *p = (lh_pred_t){.column = {.depth = 1, .idx = {col}}, .op = op};
    return p;
}

static const lh_pred_op_t cmp_ops[][2] = {
    /* op as written, op with the sides swapped */
    [LH_OP_EQ] = {LH_PRED_EQ, LH_PRED_EQ}, [LH_OP_NE] = {LH_PRED_NE, LH_PRED_NE},
    [LH_OP_LT] = {LH_PRED_LT, LH_PRED_GT}, [LH_OP_LE] = {LH_PRED_LE, LH_PRED_GE},
    [LH_OP_GT] = {LH_PRED_GT, LH_PRED_LT}, [LH_OP_GE] = {LH_PRED_GE, LH_PRED_LE},
};

static int comparison(wctx_t *w, const lh_ast_t *e)
{
    int64_t l = column_of(w, e->u.binary.left), r = column_of(w, e->u.binary.right);
    if ((l < 0) == (r < 0)) return unsupported(w, e);
    uint32_t col = (uint32_t)(l >= 0 ? l : r);
    lh_pred_t *p = push(w, col, cmp_ops[e->u.binary.op][l < 0]);
    if (!p) return LH_ENOMEM;
    return constant(w, l >= 0 ? e->u.binary.right : e->u.binary.left, col, &p->value);
}

static int in_list(wctx_t *w, const lh_ast_t *e)
{
    int64_t col = column_of(w, e->u.in.arg);
    if (col < 0 || e->u.in.negated || e->u.in.subquery) return unsupported(w, e);
    uint32_t n = e->u.in.list.n;
    lh_value_t *list = lh_arena_calloc(w->c.env->arena, (n + 1) * sizeof *list);
    lh_pred_t *p = list ? push(w, (uint32_t)col, LH_PRED_IN) : NULL;
    if (!p) return LH_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t before = w->npend;
        int rc = constant(w, e->u.in.list.items[i], (uint32_t)col, &list[i]);
        if (rc) return rc;
        if (w->npend > before) w->pend[before].list_index = (int32_t)i;
    }
    p->list = list;
    p->nlist = n;
    return 0;
}

static int term(wctx_t *w, const lh_ast_t *e, int depth)
{
    if (depth > 64) return unsupported(w, e);
    switch ((lh_ast_kind_t)e->kind) {
    case LH_AST_BINARY: {
        lh_ast_op_t op = (lh_ast_op_t)e->u.binary.op;
        if (op == LH_OP_AND) {
            int rc = term(w, e->u.binary.left, depth + 1);
            return rc ? rc : term(w, e->u.binary.right, depth + 1);
        }
        return op >= LH_OP_EQ && op <= LH_OP_GE ? comparison(w, e) : unsupported(w, e);
    }
    case LH_AST_IN:
        return in_list(w, e);
    case LH_AST_BETWEEN: {
        int64_t col = column_of(w, e->u.between.arg);
        if (col < 0 || e->u.between.negated) return unsupported(w, e);
        lh_pred_t *lo = push(w, (uint32_t)col, LH_PRED_GE);
        int rc = lo ? constant(w, e->u.between.low, (uint32_t)col, &lo->value) : LH_ENOMEM;
        lh_pred_t *hi = rc ? NULL : push(w, (uint32_t)col, LH_PRED_LE);
        if (!rc && !hi) rc = LH_ENOMEM;
        return rc ? rc : constant(w, e->u.between.high, (uint32_t)col, &hi->value);
    }
    case LH_AST_IS: {
        int64_t col = column_of(w, e->u.is.arg);
        if (col < 0 || e->u.is.kind != LH_IS_NULL) return unsupported(w, e);
        return push(w, (uint32_t)col, e->u.is.negated ? LH_PRED_IS_NOT_NULL : LH_PRED_IS_NULL)
                   ? 0
                   : LH_ENOMEM;
    }
    default:
        return unsupported(w, e);
    }
}

/* One value's partition text (arena copy); NULL stays NULL. */
static int part_text(lh_arena_t *a, const lh_value_t *v, const char **out)
{
    *out = NULL;
    if (v->is_null) return 0;
    lh_buf_t b;
    lh_buf_init(&b, 1 << 20);
    lh_err_t e = {0};
    int rc = lh_delta_partition_text(v, &b, &e);
    if (!rc && !(*out = lh_arena_strndup(a, b.ptr ? b.ptr : "", b.len))) rc = LH_ENOMEM;
    lh_buf_free(&b);
    return rc;
}

/* The terms as partition predicates, when they all are = / IN on distinct
 * partition columns (no NULL constants): *ok. */
static int as_partition(lh_arena_t *a, lh_sql_lake_stmt_t *ls, bool *ok)
{
    *ok = false;
    const lh_pred_t *v = ls->row_where;
    for (uint32_t i = 0; i < ls->nrow_where; i++) {
        const lh_pred_t *p = &v[i];
        uint32_t c = p->column.idx[0];
        if (!ls->is_part[c] || (p->op != LH_PRED_EQ && p->op != LH_PRED_IN)) return 0;
        if (p->op == LH_PRED_EQ && p->value.is_null) return 0;
        for (uint32_t k = 0; p->op == LH_PRED_IN && k < p->nlist; k++)
            if (p->list[k].is_null) return 0;
        for (uint32_t k = 0; k < i; k++)
            if (v[k].column.idx[0] == c) return 0;
    }
    lh_delta_pred_t *dp = lh_arena_calloc(a, (ls->nrow_where + 1) * sizeof *dp);
    if (!dp) return LH_ENOMEM;
    for (uint32_t i = 0; i < ls->nrow_where; i++) {
        const lh_pred_t *p = &v[i];
        uint32_t nv = p->op == LH_PRED_IN ? p->nlist : 1;
        const char **vals = lh_arena_calloc(a, (nv + 1) * sizeof *vals);
        if (!vals) return LH_ENOMEM;
        for (uint32_t k = 0; k < nv; k++) {
            int rc = part_text(a, p->op == LH_PRED_IN ? &p->list[k] : &p->value, &vals[k]);
            if (rc) return 0; /* no text form: row predicates then */
        }
        dp[i] = (lh_delta_pred_t){
            .column = ls->col_names[p->column.idx[0]], .values = vals, .nvalues = nv};
    }
    ls->part_where = dp;
    ls->npart_where = ls->nrow_where;
    *ok = true;
    return 0;
}

int lh__bind_lake_replace_where(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *pred,
                                const char *table, const lh_plan_col_t *cols, uint32_t ncols,
                                const bool *is_part, lh_sql_lake_stmt_t *ls)
{
    lh_bscope_t empty = {0};
    wctx_t w = {.c = {.env = env, .scope = &empty, .params = params},
                .table = table,
                .cols = cols,
                .ncols = ncols};
    int rc = term(&w, pred, 0);
    if (rc) return rc;
    const char **names = lh_arena_calloc(env->arena, (ncols + 1) * sizeof *names);
    if (!names) return LH_ENOMEM;
    for (uint32_t i = 0; i < ncols; i++)
        names[i] = cols[i].name;
    ls->replace_where = true;
    ls->row_where = w.v;
    ls->nrow_where = w.n;
    ls->pending = w.pend;
    ls->npending = w.npend;
    ls->is_part = is_part;
    ls->col_names = names;
    return 0;
}

int lh_sql_lake_where_resolve(lh_sql_lake_stmt_t *ls, lh_exec_t *ex, lh_arena_t *a)
{
    for (uint32_t i = 0; i < ls->npending; i++) {
        const lh_sql_lake_pending_t *p = &ls->pending[i];
        lh_pred_t *pr = &ls->row_where[p->pred];
        lh_value_t *slot = p->list_index >= 0 ? (lh_value_t *)&pr->list[p->list_index] : &pr->value;
        int rc = lh_expr_fold(ex, p->expr, a, slot);
        if (rc) return rc;
    }
    bool ok;
    return as_partition(a, ls, &ok);
}
