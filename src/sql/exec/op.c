/* The operator tree: one operator state per plan node, built top-down by a
 * table from plan kind to builder, and the helpers every operator uses. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sql/exec/exec_int.h"

typedef int (*op_builder_t)(lh_op_t *op);

static const op_builder_t builders[] = {
    [LH_PLAN_VALUES] = lh__op_values,
    [LH_PLAN_SCAN_MEMORY] = lh__op_scan_memory,
    [LH_PLAN_RANGE] = lh__op_range,
    [LH_PLAN_FILTER] = lh__op_filter,
    [LH_PLAN_PROJECT] = lh__op_project,
    [LH_PLAN_AGGREGATE] = lh__op_aggregate,
    [LH_PLAN_SORT] = lh__op_sort,
    [LH_PLAN_LIMIT] = lh__op_limit,
    [LH_PLAN_UNION] = lh__op_union,
    [LH_PLAN_JOIN] = lh__op_join,
    [LH_PLAN_SCAN_PARQUET] = lh__op_scan_parquet,
    [LH_PLAN_WINDOW] = lh__op_window,
    [LH_PLAN_SETOP] = lh__op_setop,
    [LH_PLAN_SCAN_TEXT] = lh__op_scan_text,
};

int lh__op_new(lh_exec_t *ex, const lh_plan_t *plan, size_t priv_size, lh_op_t **out)
{
    lh_op_t *op = lh_arena_calloc(ex->arena, sizeof *op);
    if (!op) return LH_ENOMEM;
    op->plan = plan;
    op->ex = ex;
    if (priv_size && !(op->priv = lh_arena_calloc(ex->arena, priv_size))) return LH_ENOMEM;
    *out = op;
    return 0;
}

int lh__op_check_cancel(lh_exec_t *ex)
{
    if (ex->cancel && atomic_load(ex->cancel))
        return lh_sql_err(ex->err, LH_ECANCELED, LH_SQL_EINTERRUPT, -1, "query cancelled");
    return 0;
}

int lh__op_batch_new(lh_op_t *op, lh_batch_t **out)
{
    const lh_plan_t *p = op->plan;
    lh_type_t *types = lh_arena_calloc(op->ex->arena, (p->ncols ? p->ncols : 1) * sizeof *types);
    if (!types) return LH_ENOMEM;
    for (uint32_t i = 0; i < p->ncols; i++)
        types[i] = p->cols[i].type;
    int rc = lh_batch_new(types, p->ncols, out);
    if (rc) return lh_sql_err(op->ex->err, rc, LH_SQL_EOOM, -1, "cannot allocate a batch");
    return 0;
}

int lh__op_out_batch(lh_op_t *op)
{
    return lh__op_batch_new(op, &op->out);
}

int lh_op_build(lh_exec_t *ex, const lh_plan_t *plan, lh_op_t **out)
{
    lh_op_t *op;
    int rc = lh__op_new(ex, plan, 0, &op);
    if (rc) return lh_sql_err(ex->err, rc, LH_SQL_EOOM, -1, "out of memory");
    *out = op;
    for (int i = 0; i < 2; i++) {
        if (!plan->child[i]) continue;
        rc = lh_op_build(ex, plan->child[i], &op->child[i]);
        if (rc) return rc;
    }
    op_builder_t b =
        (unsigned)plan->kind < sizeof builders / sizeof builders[0] ? builders[plan->kind] : NULL;
    if (!b)
        return lh_sql_err(ex->err, LH_EINVAL, LH_SQL_ENOTIMPL, -1, "%s is not implemented yet",
                          lh_plan_kind_name(plan->kind));
    return b(op);
}

int lh__op_charge(lh_op_t *op, int64_t bytes)
{
    int rc = lh__exec_charge(op->ex, bytes);
    if (!rc) op->charged += bytes;
    return rc;
}

void lh_op_close_tree(lh_op_t *op)
{
    if (!op) return;
    lh__exec_release(op->ex, op->charged);
    op->charged = 0;
    for (int i = 0; i < 2; i++)
        lh_op_close_tree(op->child[i]);
    if (op->close) op->close(op);
    lh_batch_free(op->out);
    op->out = NULL;
}

int lh_op_next(lh_op_t *op, lh_batch_t **out)
{
    return lh__op_pull(op, out);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int lh__op_pull(lh_op_t *child, lh_batch_t **out)
{
    int rc = lh__op_check_cancel(child->ex);
    if (rc) return rc;
    if (!child->ex->analyze) return child->next(child, out);
    uint64_t t0 = now_ns();
    rc = child->next(child, out);
    child->ns += now_ns() - t0;
    if (!rc && *out) child->rows += (*out)->count;
    return rc;
}
