/* Internals shared by the table layer's files (table_write.c,
 * table_optimize.c, table_scan.c). */
#ifndef LH_TABLE_TABLE_INT_H
#define LH_TABLE_TABLE_INT_H

#include "table/delta.h"
#include "table/table.h"
#include "vector/scan.h"

/* Reading a table's data files back as batches of the table's schema: the
 * partition columns (not in the files) and columns added after a file was
 * written come in as constant vectors. */
typedef struct lh__table_scan {
    lh_delta_table_t *t;
    const lh_delta_snapshot_t *s;
    lh_vector_t *consts; /* one per table column, initialised where used */
    bool *inited;
    lh_vector_t *cols; /* the view's columns */
    lh_arena_t *arena;
} lh__table_scan_t;

int lh__table_scan_init(lh__table_scan_t *sc, lh_delta_table_t *t, const lh_delta_snapshot_t *s,
                        lh_err_t *err);
void lh__table_scan_free(lh__table_scan_t *sc);
/* Streams data file f as batches of the table's schema into fn (a batch is
 * valid during the call); *rows counts them. LH_EINVAL when a column's type
 * in the file differs from the table's; the reader's errors; fn's. */
int lh__table_scan_file(lh__table_scan_t *sc, const lh_delta_add_t *f,
                        int (*fn)(void *arg, const lh_batch_t *b, lh_err_t *err), void *arg,
                        int64_t *rows, lh_err_t *err);

/* Whether row of b satisfies every predicate (columns: depth-1 paths into
 * the table's schema), with SQL's NULL rules: a comparison with NULL, or
 * between values that do not compare, is not a match. */
bool lh__table_row_matches(const lh_batch_t *b, uint32_t row, const lh_pred_t *p, uint32_t n);
/* lh__table_row_matches of every row of b: b->count, or the first row that
 * does not match. A comparison of an integer, date, time or timestamp column
 * with a value of its own type compares the column's words. */
uint32_t lh__table_rows_match(const lh_batch_t *b, const lh_pred_t *p, uint32_t n);
/* ok[r] = lh__table_row_matches(b, r, p, n) for every row of b (at most
 * LH_BATCH_ROWS), the fast comparisons as lh__table_rows_match's. */
void lh__table_rows_matching(const lh_batch_t *b, const lh_pred_t *p, uint32_t n, bool *ok);

/* What file f of s holds of the rows matching the predicates, from its
 * statistics and partition values: none, maybe some (also when they cannot
 * tell), or all (no NULLs, [min, max] inside each range of a number, date or
 * timestamp column). */
typedef enum { LH__FILE_NONE, LH__FILE_SOME, LH__FILE_ALL } lh__file_match_t;
lh__file_match_t lh__table_file_matches(lh_arena_t *a, const lh_delta_snapshot_t *s,
                                        const lh_delta_add_t *f, const lh_pred_t *p, uint32_t n);

#endif
