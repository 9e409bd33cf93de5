/* The streaming operators: VALUES rows, FILTER (rows where the condition is
 * true, as dictionary views of the input's vectors), PROJECTION (a view batch of the expressions'
 * result vectors: nothing copied), LIMIT/OFFSET, range(), and UNION ALL. */
#include <string.h>

#include "sql/exec/exec_int.h"

/* ---- VALUES ---- */

typedef struct values_state {
    uint32_t next_row;
} values_state_t;

static int values_next(lh_op_t *op, lh_batch_t **out)
{
    values_state_t *st = op->priv;
    const lh_plan_t *p = op->plan;
    *out = NULL;
    if (st->next_row >= p->u.values.nrows) return 0;
    lh_batch_reset(op->out);
    lh_arena_t *tmp = lh_arena_new(4096);
    if (!tmp) return lh_sql_err(op->ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    int rc = 0;
    uint32_t n = 0;
    while (st->next_row < p->u.values.nrows && n < LH_BATCH_ROWS && !rc) {
        lh_bexpr_t **row = p->u.values.rows[st->next_row];
        for (uint32_t c = 0; c < p->ncols && !rc; c++) {
            lh_value_t v;
            rc = lh_expr_fold(op->ex, row[c], tmp, &v);
            if (!rc) rc = lh_vector_set_value(&op->out->cols[c], n, &v);
            if (rc && !op->ex->err->e.code)
                lh_sql_err(op->ex->err, rc, LH_SQL_EINTERNAL, row[c]->pos, "cannot set a value");
        }
        n++;
        st->next_row++;
    }
    lh_arena_free(tmp);
    if (rc) return rc;
    op->out->count = n;
    *out = op->out;
    return 0;
}

int lh__op_values(lh_op_t *op)
{
    op->priv = lh_arena_calloc(op->ex->arena, sizeof(values_state_t));
    if (!op->priv) return LH_ENOMEM;
    op->next = values_next;
    return lh__op_out_batch(op);
}

/* ---- FILTER ---- */

int lh__op_filtered(lh_op_t *op, lh_batch_t *in, const uint32_t *sel, uint32_t n, lh_batch_t **out)
{
    if (n == in->count) {
        *out = in;
        return 0;
    }
    int rc = 0;
    lh_batch_reset(op->out);
    for (uint32_t c = 0; c < in->ncols && !rc; c++) /* views of the input's rows */
        rc = lh__vector_select(&op->out->cols[c], &in->cols[c], sel, n);
    if (rc) return lh_sql_err(op->ex->err, rc, LH_SQL_EOOM, -1, "cannot filter a batch");
    op->out->count = n;
    *out = op->out;
    return 0;
}

typedef struct filter_state {
    lh_expr_state_t *cond;
    uint32_t sel[LH_BATCH_ROWS];
} filter_state_t;

static int filter_next(lh_op_t *op, lh_batch_t **out)
{
    filter_state_t *st = op->priv;
    for (;;) {
        lh_batch_t *in;
        int rc = lh__op_pull(op->child[0], &in);
        if (rc || !in) {
            *out = NULL;
            return rc;
        }
        uint32_t n;
        rc = lh_expr_select(st->cond, in, in->count, st->sel, &n);
        if (rc) return rc;
        if (n) return lh__op_filtered(op, in, st->sel, n, out);
    }
}

static void filter_close(lh_op_t *op)
{
    filter_state_t *st = op->priv;
    lh_expr_state_free(st->cond);
}

int lh__op_filter(lh_op_t *op)
{
    if (op->plan->u.filter.rtf_join) return lh__op_rtf(op);
    filter_state_t *st = lh_arena_calloc(op->ex->arena, sizeof *st);
    if (!st) return LH_ENOMEM;
    op->priv = st;
    op->next = filter_next;
    op->close = filter_close;
    int rc = lh_expr_state_new(op->ex, op->plan->u.filter.cond, &st->cond);
    if (rc) return rc;
    return lh__op_out_batch(op);
}

/* ---- PROJECTION ---- */

typedef struct project_state {
    lh_expr_state_t **exprs;
    lh_batch_t view; /* columns are shallow copies of the expressions' results */
} project_state_t;

static int project_next(lh_op_t *op, lh_batch_t **out)
{
    project_state_t *st = op->priv;
    lh_batch_t *in;
    int rc = lh__op_pull(op->child[0], &in);
    if (rc || !in) {
        *out = NULL;
        return rc;
    }
    /* one scope over the list: its expressions read the same input rows */
    lh_sql_scope_t was = lh_sql_scope_enter(in);
    for (uint32_t i = 0; i < op->plan->ncols && !rc; i++) {
        const lh_vector_t *v;
        rc = lh_expr_eval(st->exprs[i], in, NULL, in->count, &v);
        if (!rc) st->view.cols[i] = *v;
    }
    lh_sql_scope_leave(was);
    if (rc) return rc;
    st->view.count = in->count;
    *out = &st->view;
    return 0;
}

static void project_close(lh_op_t *op)
{
    project_state_t *st = op->priv;
    for (uint32_t i = 0; i < op->plan->ncols; i++)
        lh_expr_state_free(st->exprs[i]);
}

int lh__op_project(lh_op_t *op)
{
    const lh_plan_t *p = op->plan;
    project_state_t *st = lh_arena_calloc(op->ex->arena, sizeof *st);
    if (!st) return LH_ENOMEM;
    op->priv = st;
    op->next = project_next;
    op->close = project_close;
    st->exprs = lh_arena_calloc(op->ex->arena, (p->ncols + 1) * sizeof *st->exprs);
    st->view.cols = lh_arena_calloc(op->ex->arena, (p->ncols + 1) * sizeof *st->view.cols);
    if (!st->exprs || !st->view.cols) return LH_ENOMEM;
    st->view.ncols = p->ncols;
    for (uint32_t i = 0; i < p->ncols; i++) {
        int rc = lh_expr_state_new(op->ex, p->u.project.exprs[i], &st->exprs[i]);
        if (rc) return rc;
    }
    return 0;
}

/* ---- LIMIT / OFFSET ---- */

typedef struct limit_state {
    int64_t limit, offset; /* limit < 0: none */
    int64_t seen, emitted;
    uint32_t sel[LH_BATCH_ROWS];
} limit_state_t;

static int limit_next(lh_op_t *op, lh_batch_t **out)
{
    limit_state_t *st = op->priv;
    *out = NULL;
    while (st->limit < 0 || st->emitted < st->limit) {
        lh_batch_t *in;
        int rc = lh__op_pull(op->child[0], &in);
        if (rc || !in) return rc;
        int64_t first = st->offset > st->seen ? st->offset - st->seen : 0;
        st->seen += in->count;
        if (first >= in->count) continue;
        int64_t n = in->count - first;
        if (st->limit >= 0 && n > st->limit - st->emitted) n = st->limit - st->emitted;
        st->emitted += n;
        if (first == 0 && n == in->count) {
            *out = in;
            return 0;
        }
        for (int64_t i = 0; i < n; i++)
            st->sel[i] = (uint32_t)(first + i);
        lh_batch_reset(op->out);
        rc = lh_batch_append(op->out, in, st->sel, (uint32_t)n);
        if (rc) return lh_sql_err(op->ex->err, rc, LH_SQL_EOOM, -1, "cannot slice a batch");
        *out = op->out;
        return 0;
    }
    return 0;
}

static int limit_value(lh_op_t *op, const lh_bexpr_t *e, int64_t dflt, int64_t *out)
{
    *out = dflt;
    if (!e) return 0;
    lh_value_t v;
    int rc = lh_expr_fold(op->ex, e, op->ex->arena, &v);
    if (rc) return rc;
    if (v.is_null) return 0;
    if (v.type.id != LH_TYPE_BIGINT || v.v.i < 0)
        return lh_sql_err(op->ex->err, LH_EINVAL, LH_SQL_EBIND, e->pos,
                          "LIMIT/OFFSET cannot be negative");
    *out = v.v.i;
    return 0;
}

int lh__op_limit(lh_op_t *op)
{
    limit_state_t *st = lh_arena_calloc(op->ex->arena, sizeof *st);
    if (!st) return LH_ENOMEM;
    op->priv = st;
    op->next = limit_next;
    int rc = limit_value(op, op->plan->u.limit.limit, -1, &st->limit);
    if (!rc) rc = limit_value(op, op->plan->u.limit.offset, 0, &st->offset);
    if (rc) return rc;
    return lh__op_out_batch(op);
}

/* ---- range(start, stop, step) ---- */

typedef struct range_state {
    int64_t next;
    bool done;
} range_state_t;

static int range_next(lh_op_t *op, lh_batch_t **out)
{
    range_state_t *st = op->priv;
    const lh_plan_t *p = op->plan;
    *out = NULL;
    if (st->done) return 0;
    lh_batch_reset(op->out);
    int64_t *d = op->out->cols[0].data;
    uint32_t n = 0;
    int64_t step = p->u.range.step, stop = p->u.range.stop;
    while (n < LH_BATCH_ROWS && (step > 0 ? st->next < stop : st->next > stop)) {
        d[n++] = st->next;
        if (__builtin_add_overflow(st->next, step, &st->next)) {
            st->done = true;
            break;
        }
    }
    if (!n) return 0;
    op->out->count = n;
    *out = op->out;
    return 0;
}

int lh__op_range(lh_op_t *op)
{
    range_state_t *st = lh_arena_calloc(op->ex->arena, sizeof *st);
    if (!st) return LH_ENOMEM;
    op->priv = st;
    op->next = range_next;
    st->next = op->plan->u.range.start;
    st->done = op->plan->u.range.step == 0;
    return lh__op_out_batch(op);
}

/* ---- UNION ALL ---- */

static int union_next(lh_op_t *op, lh_batch_t **out)
{
    int *side = op->priv;
    while (*side < 2) {
        int rc = lh__op_pull(op->child[*side], out);
        if (rc || *out) return rc;
        (*side)++;
    }
    *out = NULL;
    return 0;
}

int lh__op_union(lh_op_t *op)
{
    op->priv = lh_arena_calloc(op->ex->arena, sizeof(int));
    if (!op->priv) return LH_ENOMEM;
    op->next = union_next;
    return 0;
}
