/* What a scan is asked for: a projection (which columns, in which order) and
 * a conjunction of simple predicates the reader uses to skip row groups and
 * pages by their statistics. Shared by the Parquet reader, the table layer
 * and the SQL planner.
 *
 * Predicates only prune: a reader skips a unit (row group, page) when
 * lh_preds_might_match says no row in it can match, and returns the other
 * units whole. It does not filter rows; the engine applies its filter to what
 * comes back. Pruning is conservative: on any doubt (no statistics, a type it
 * cannot compare, NaN) a unit might match.
 *
 * Ownership: every pointer in a request (column lists, IN lists, the bytes of
 * string constants) is borrowed from the planner and must stay valid for the
 * whole scan; the reader copies nothing it keeps. */
#ifndef LH_VECTOR_SCAN_H
#define LH_VECTOR_SCAN_H

#include "vector/value.h"

#define LH_COL_PATH_MAX 16

/* A column: idx[0] is the top-level column of the table's schema, idx[1..]
 * the field numbers down through STRUCTs (a path ends at a LIST or MAP: the
 * whole list is read). {1, {2}} is column 2; {2, {2, 0}} its first field. */
typedef struct lh_col_path {
    uint32_t depth; /* 1..LH_COL_PATH_MAX */
    uint32_t idx[LH_COL_PATH_MAX];
} lh_col_path_t;

typedef enum lh_pred_op {
    LH_PRED_EQ = 0,     /* column = value */
    LH_PRED_NE,         /* column <> value */
    LH_PRED_LT,         /* column < value */
    LH_PRED_LE,         /* column <= value */
    LH_PRED_GT,         /* column > value */
    LH_PRED_GE,         /* column >= value */
    LH_PRED_IN,         /* column IN (list...) */
    LH_PRED_IS_NULL,    /* column IS NULL */
    LH_PRED_IS_NOT_NULL /* column IS NOT NULL */
} lh_pred_op_t;

/* One predicate, with SQL's NULL rules: a comparison with NULL (either side)
 * is never true; x IN (..., NULL) is true only through its other elements. The
 * planner casts constants to the column's type; a constant of another family
 * only disables pruning (lh_value_compare). Column and constant are written
 * in this order: `5 < x` reaches the scan as `x > 5`. */
typedef struct lh_pred {
    lh_col_path_t column;
    lh_pred_op_t op;
    lh_value_t value;       /* EQ .. GE */
    const lh_value_t *list; /* IN: nlist values, borrowed */
    uint32_t nlist;
} lh_pred_t;

typedef struct lh_scan_req {
    bool all_columns;             /* every top-level column in schema order; ignores columns */
    const lh_col_path_t *columns; /* else the batch's columns, in this order (0 of them: rows
                                     only, for COUNT(*)); a path to a STRUCT field gives a
                                     column of that field's type */
    uint32_t ncolumns;
    const lh_pred_t *preds; /* ANDed; may name columns that are not projected */
    uint32_t npreds;
} lh_scan_req_t;

/* Statistics of one column over one unit (a row group's column chunk, a page
 * of the column index), as the reader decodes them. */
typedef struct lh_stats {
    int64_t row_count;  /* rows, NULLs included; -1 unknown */
    int64_t null_count; /* -1 unknown (Parquet: null_count absent) */
    bool has_min, has_max;
    lh_value_t min, max; /* bounds of the non-NULL values, typed like the column */
    /* Whether min/max are values of the unit (Parquet is_min/max_value_exact).
     * Writers truncate long strings: a truncated min is a prefix (still a
     * lower bound); a truncated max must be rounded up (the last kept byte
     * incremented) to stay an upper bound, as parquet-mr, Arrow and DuckDB
     * do. A reader that cannot trust a bound to be a bound leaves it out.
     * Inexact bounds still prune ranges but never `<>`. */
    bool min_exact, max_exact;
} lh_stats_t;
/* For the reader, from Parquet: take min_value/max_value only (with
 * TYPE_DEFINED_ORDER); the deprecated min/max fields of BYTE_ARRAY columns
 * were ordered as signed bytes by old writers and must not be used. Strings
 * are ordered as unsigned bytes; decimals as scaled integers; FLOAT/DOUBLE
 * bounds that are NaN are ignored here (Parquet writers leave NaN out of
 * their statistics, so a float column prunes only with <, <=, = and IN:
 * NaN rows may exist unrecorded, and the engine may order NaN above every
 * number, as DuckDB and PostgreSQL do). */

/* Whether some row of a unit with statistics s might satisfy p. s NULL: true. */
bool lh_pred_might_match(const lh_pred_t *p, const lh_stats_t *s);
/* The conjunction: false as soon as one predicate cannot match. stats[i]
 * belongs to preds[i]'s column (NULL when unknown); stats itself may be NULL. */
bool lh_preds_might_match(const lh_pred_t *preds, uint32_t n, const lh_stats_t *const *stats);

#endif
