/* Rewrites of a bound plan before it runs, one file per rule. */
#ifndef LH_SQL_OPT_H
#define LH_SQL_OPT_H
#include "sql/plan/plan.h"

/* Column pruning: marks, in every Parquet scan, the columns nothing above
 * reads, so the scan neither fetches nor decodes them (it hands out NULL
 * constants in their place; positions do not change). Memory from a.
 * 0 or LH_ENOMEM (the plan is then unchanged and still correct). */
int lh_opt_prune_columns(lh_arena_t *a, lh_plan_t *plan);

/* Filter pushdown: hands the simple conjuncts of a filter right above a
 * Parquet scan to the scan, which skips row groups and pages by their
 * statistics (the filter stays). 0 or LH_ENOMEM. */
int lh_opt_push_filters(lh_arena_t *a, lh_plan_t *plan);

/* Filter pushdown through joins: WHERE conjuncts move into the join inputs
 * whose columns they name; equalities across an inner or cross join become
 * its keys, other cross conjuncts its residual condition. *plan may be
 * replaced. 0 or LH_ENOMEM. */
int lh_opt_push_join_filters(lh_arena_t *a, lh_plan_t **plan);

/* Derived columns (derive.c), for a scan cache: the JSON functions of a
 * text scan's columns that the projections above it compute become derived
 * columns of the scan, which keeps their results beside the object's rows.
 * Run before column pruning. 0 or LH_ENOMEM (the plan may then be half
 * rewritten: do not run it). */
int lh_opt_derive_columns(lh_arena_t *a, lh_plan_t *plan);

/* Top N per partition: marks a row_number() window under a filter that
 * keeps rn <= N (u.window.topn = N). */
void lh_opt_window_topn(lh_plan_t *plan);

/* Conjunct order: the terms of each filter's AND, cheapest first (stable). */
void lh_opt_order_conjuncts(lh_plan_t *plan);

#endif
