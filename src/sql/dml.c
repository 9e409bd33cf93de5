/* DELETE, UPDATE and MERGE on memory tables (dml.h): the table's rows, kept or
 * updated, go into a new table first, so a failure (a NOT NULL column, out
 * of memory, a cancel) leaves the table as it was; then the table takes
 * the new one's contents in place (the catalog keeps its pointer), as
 * DuckDB's statement-level atomicity wants. */
#include <stdlib.h>

#include "sql/bind/bind.h"
#include "sql/dml.h"

static bool flag_at(const lh_vector_t *v, uint32_t r)
{
    return lh_vector_is_valid(v, r) &&
           ((const uint8_t *)lh_vector_values(v)->data)[lh_vector_row(v, r)];
}

void lh_sql_dml_split(const lh_batch_t *b, uint32_t *sel, uint32_t *n, int64_t *matched)
{
    const lh_vector_t *touched = &b->cols[b->ncols - 2], *drop = &b->cols[b->ncols - 1];
    uint32_t k = 0;
    for (uint32_t r = 0; r < b->count; r++) {
        *matched += flag_at(touched, r);
        if (!flag_at(drop, r)) sel[k++] = r;
    }
    *n = k;
}

int lh_sql_dml_count(lh_exec_t *ex, const lh_plan_t *p, int64_t *rows)
{
    lh_op_t *op = NULL;
    int rc = lh_op_build(ex, p, &op);
    while (!rc) {
        lh_batch_t *b = NULL;
        if ((rc = lh_op_next(op, &b)) || !b) break;
        *rows += b->count;
    }
    lh_op_close_tree(op);
    return rc;
}

/* The kept rows of root into t2; *matched counts the touched ones. */
static int collect(lh_op_t *root, lh_sql_mem_table_t *t2, lh_batch_t *keep, uint32_t *sel,
                   lh_sql_error_t *err, int64_t *matched)
{
    for (;;) {
        lh_batch_t *b = NULL;
        int rc = lh_op_next(root, &b);
        if (rc || !b) return rc;
        uint32_t n;
        lh_sql_dml_split(b, sel, &n, matched);
        lh_batch_t view = *b;
        view.ncols -= LH_SQL_DML_FLAGS;
        const lh_batch_t *rows = &view;
        if (n < b->count) {
            lh_batch_reset(keep);
            if ((rc = lh_batch_append(keep, &view, sel, n)))
                return lh_sql_err(err, rc, LH_SQL_EOOM, -1, "cannot copy rows");
            rows = keep;
        }
        rc = rows->count ? lh_sql_mem_table_append(t2, rows) : 0;
        if (rc == LH_EPERM) return lh_sql_mem_table_null_error(t2, rows, err);
        if (rc) return lh_sql_mem_table_error(t2, rc, err);
    }
}

int lh_sql_dml_memory(lh_op_t *root, const lh_plan_t *more, lh_sql_mem_table_t *t,
                      lh_sql_error_t *err, int64_t *changes)
{
    lh_sql_mem_table_t *t2 = NULL;
    lh_batch_t *keep = NULL;
    uint32_t *sel = calloc(LH_BATCH_ROWS, sizeof *sel);
    int64_t matched = 0;
    int rc = !sel || lh_sql_mem_table_new(t->schema, t->name, t->cols, t->ncols, &t2) ||
                     lh_batch_new(t->types, t->ncols, &keep)
                 ? lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory")
                 : 0;
    if (!rc) {
        t2->budget = t->budget;
        rc = collect(root, t2, keep, sel, err, &matched);
    }
    lh_op_t *op = NULL;
    if (!rc && more && !(rc = lh_op_build(root->ex, more, &op)))
        rc = collect(op, t2, keep, sel, err, &matched);
    lh_op_close_tree(op);
    if (!rc && matched) { /* t takes t2's contents whole (its arena holds their types) */
        lh_sql_mem_table_t old = *t;
        *t = *t2;
        *t2 = old;
    }
    *changes = matched;
    lh_batch_free(keep);
    lh_sql_mem_table_free(t2);
    free(sel);
    return rc;
}

int lh_sql_merge_twice_error(lh_sql_error_t *err)
{
    return lh_sql_err(err, LH_EINVAL, LH_SQL_EINPUT, -1,
                      "MERGE: multiple source rows matched the same target row (the ON "
                      "condition must match each target row at most once)");
}

int lh_sql_merge_memory(lh_op_t *root, const lh_bound_stmt_t *bs, lh_sql_error_t *err,
                        int64_t *changes)
{
    int64_t found = 0, pairs = 0;
    int rc = bs->dml_pairs ? lh_sql_dml_count(root->ex, bs->dml_find, &found) : 0;
    if (!rc && bs->dml_pairs) rc = lh_sql_dml_count(root->ex, bs->dml_pairs, &pairs);
    if (rc) return rc;
    if (pairs > found) return lh_sql_merge_twice_error(err);
    return lh_sql_dml_memory(root, bs->dml_insert, bs->table, err, changes);
}

int lh_sql_alter_memory(lh_op_t *root, const lh_plan_t *plan, lh_sql_mem_table_t *t,
                        lh_sql_error_t *err)
{
    lh_sql_mem_table_t *t2 = NULL;
    if (lh_sql_mem_table_new(t->schema, t->name, plan->cols, plan->ncols, &t2))
        return lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    t2->budget = t->budget;
    int rc;
    for (;;) {
        lh_batch_t *b = NULL;
        if ((rc = lh_op_next(root, &b)) || !b) break;
        if (b->count && (rc = lh_sql_mem_table_append(t2, b))) {
            rc = lh_sql_mem_table_error(t2, rc, err);
            break;
        }
    }
    if (!rc) {
        lh_sql_mem_table_t old = *t;
        *t = *t2;
        *t2 = old;
    }
    lh_sql_mem_table_free(t2);
    return rc;
}
