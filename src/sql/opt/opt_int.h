/* Internals shared by the optimizer's rules. */
#ifndef LH_SQL_OPT_INT_H
#define LH_SQL_OPT_INT_H
#include "sql/plan/plan.h"

/* lh_bx_copy_map's map: the column minus *(uint32_t *)ctx. */
uint32_t lh__opt_shift_down(void *ctx, const lh_bexpr_t *ref);

/* Estimates (estimate.c): the rows p outputs, from the tables' sizes and
 * guessed selectivities (>= 1); the distinct values of p's output column c
 * (< 0 unknown: as many as rows). */
double lh__opt_est_rows(const lh_plan_t *p);
double lh__opt_col_ndv(const lh_plan_t *p, uint32_t c);

/* Join order (join_order.c): inner/cross join trees rebuilt by greedy
 * operator ordering. *plan may be replaced. 0 or LH_ENOMEM. */
int lh__opt_order_joins(lh_arena_t *a, lh_plan_t **plan);
/* Runtime join filters (runtime_filter.c): the build side's keys checked
 * low in the probe side of INNER/RIGHT/SEMI hash joins. 0 or LH_ENOMEM. */
int lh__opt_runtime_filters(lh_arena_t *a, lh_plan_t *plan);
#endif
