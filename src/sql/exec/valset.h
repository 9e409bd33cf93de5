/* A set of values of one type with SQL's IN semantics, built once from the
 * rows of an uncorrelated subquery (x IN (SELECT ...)) and probed per row. */
#ifndef LH_SQL_VALSET_H
#define LH_SQL_VALSET_H
#include "sql/exec/exec.h"

typedef struct lh_valset lh_valset_t;

/* Drains the first column of src (of type t) into a set that lives as long
 * as arena a (released by its cleanup). 0 or an error (err set). */
int lh__valset_build(lh_exec_t *ex, lh_arena_t *a, lh_op_t *src, const lh_type_t *t,
                     const lh_valset_t **out);
/* Whether non-NULL row `row` of x (same type) is in the set. */
bool lh__valset_has(const lh_valset_t *s, const lh_vector_t *x, uint32_t row);
/* Whether the set holds a NULL (x NOT IN the set is then never true). */
bool lh__valset_has_null(const lh_valset_t *s);
uint64_t lh__valset_size(const lh_valset_t *s);

#endif
