/* A set of rows (a group number plus the values of a few columns), for
 * DISTINCT aggregates: count(DISTINCT x) folds a row only the first time its
 * group sees its values. NULLs are values here (equal to each other). */
#ifndef LH_SQL_ROWSET_H
#define LH_SQL_ROWSET_H
#include "vector/batch.h"

typedef struct lh_rowset lh_rowset_t;

/* A set over rows of ncols columns of these types (copied). *out owned by
 * the caller (lh__rowset_free). 0 or LH_ENOMEM. */
int lh__rowset_new(const lh_type_t *types, uint32_t ncols, lh_rowset_t **out);
void lh__rowset_free(lh_rowset_t *s);
/* Adds (group, row `row` of cols); *added says whether it was new. 0 or
 * LH_ENOMEM. */
int lh__rowset_add(lh_rowset_t *s, uint64_t group, const lh_vector_t *cols, uint32_t row,
                   bool *added);
/* The same, and *index gets the row's number in the set (0, 1, ... in order
 * of first addition). */
int lh__rowset_add_at(lh_rowset_t *s, uint64_t group, const lh_vector_t *cols, uint32_t row,
                      bool *added, uint64_t *index);
/* lh__rowset_add_at for rows 0..n-1 of cols (n <= LH_BATCH_ROWS): groups[i]
 * the group of row i (groups NULL: 0), added[i] whether it was new, index[i]
 * its row in the set (either NULL: not wanted). The hashes first, then the
 * table probed with the slots of rows ahead prefetched. */
int lh__rowset_add_rows(lh_rowset_t *s, const uint64_t *groups, const lh_vector_t *cols, uint32_t n,
                        bool *added, uint64_t *index);
/* Calls fn for the set's rows in order of addition, a batch at a time: the
 * rows' columns (rows 0..n-1) and groups. The first nonzero return of fn
 * ends it and is returned. */
int lh__rowset_each(const lh_rowset_t *s,
                    int (*fn)(void *arg, const lh_vector_t *cols, const uint64_t *groups,
                              uint32_t n),
                    void *arg);
/* The number of (group, row) in the set, or -1 when it is not there. */
int64_t lh__rowset_find(const lh_rowset_t *s, uint64_t group, const lh_vector_t *cols,
                        uint32_t row);

#endif
