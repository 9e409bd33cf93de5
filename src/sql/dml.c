/* DELETE and UPDATE on memory tables (dml.h): the table's rows, kept or
 * updated, go into a new table first, so a failure (a NOT NULL column, out
 * of memory, a cancel) leaves the table as it was; then the table takes
 * the new one's contents in place (the catalog keeps its pointer), as
 * DuckDB's statement-level atomicity wants. */
#include <stdlib.h>

#include "sql/dml.h"

void lh_sql_dml_split(const lh_batch_t *b, bool del, uint32_t *sel, uint32_t *n, int64_t *matched)
{
    const lh_vector_t *flag = &b->cols[b->ncols - 1];
    const uint8_t *v = lh_vector_values(flag)->data;
    uint32_t k = 0;
    for (uint32_t r = 0; r < b->count; r++) {
        bool hit = lh_vector_is_valid(flag, r) && v[lh_vector_row(flag, r)];
        *matched += hit;
        if (!(del && hit)) sel[k++] = r;
    }
    *n = k;
}

static int not_null_error(lh_sql_error_t *err, const lh_sql_mem_table_t *t, const lh_batch_t *b)
{
    uint32_t c = 0;
    while (c + 1 < t->ncols &&
           !(t->cols[c].not_null && lh_vector_null_count(&b->cols[c], b->count)))
        c++;
    return lh_sql_err(err, LH_EINVAL, LH_SQL_ECONSTRAINT, -1, "NOT NULL constraint failed: %s.%s",
                      t->name, t->cols[c].name);
}

/* The kept rows of root into t2; *matched counts the touched ones. */
static int collect(lh_op_t *root, lh_sql_mem_table_t *t2, bool del, lh_batch_t *keep, uint32_t *sel,
                   lh_sql_error_t *err, int64_t *matched)
{
    for (;;) {
        lh_batch_t *b = NULL;
        int rc = root->next(root, &b);
        if (rc || !b) return rc;
        uint32_t n;
        lh_sql_dml_split(b, del, sel, &n, matched);
        lh_batch_t view = *b;
        view.ncols--;
        const lh_batch_t *rows = &view;
        if (n < b->count) {
            lh_batch_reset(keep);
            if ((rc = lh_batch_append(keep, &view, sel, n)))
                return lh_sql_err(err, rc, LH_SQL_EOOM, -1, "cannot copy rows");
            rows = keep;
        }
        rc = rows->count ? lh_sql_mem_table_append(t2, rows) : 0;
        if (rc == LH_EPERM) return not_null_error(err, t2, rows);
        if (rc) return lh_sql_err(err, rc, LH_SQL_EOOM, -1, "cannot store rows in %s", t2->name);
    }
}

int lh_sql_dml_memory(lh_op_t *root, lh_sql_mem_table_t *t, bool del, lh_sql_error_t *err,
                      int64_t *changes)
{
    lh_sql_mem_table_t *t2 = NULL;
    lh_batch_t *keep = NULL;
    uint32_t *sel = calloc(LH_BATCH_ROWS, sizeof *sel);
    int64_t matched = 0;
    int rc = !sel || lh_sql_mem_table_new(t->schema, t->name, t->cols, t->ncols, &t2) ||
                     lh_batch_new(t->types, t->ncols, &keep)
                 ? lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory")
                 : collect(root, t2, del, keep, sel, err, &matched);
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
