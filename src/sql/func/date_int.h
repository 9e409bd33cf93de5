/* Internals of the date/time functions (date.c, date2.c): the parts
 * date_part and date_trunc name, and a timestamp broken into its civil
 * fields. */
#ifndef LH_SQL_FUNC_DATE_INT_H
#define LH_SQL_FUNC_DATE_INT_H
#include "sql/func/func_int.h"

enum {
    DP_YEAR,
    DP_MONTH,
    DP_DAY,
    DP_HOUR,
    DP_MINUTE,
    DP_SECOND,
    DP_MS,
    DP_US,
    DP_EPOCH,
    DP_DOW,
    DP_ISODOW,
    DP_DOY,
    DP_WEEK,
    DP_QUARTER,
    DP_DECADE,
    DP_CENTURY,
    DP_MILLENNIUM,
    DP_YEARWEEK,
    DP_ERA,
    DP_ISOYEAR,
    DP_JULIAN,
};

/* The DP_* part named s (ASCII case-insensitive, DuckDB's synonyms), or -1
 * with a Conversion Error in ctx->err (ctx may be NULL: no error). */
int lh__date_part_of(lh_sql_fctx_t *ctx, lh_string_t s);

typedef struct lh__civil {
    int64_t days; /* since 1970-01-01 */
    int64_t tod;  /* micros into the day */
    int64_t y;
    int m, d;
} lh__civil_t;
/* The civil fields of us micros since the epoch (UTC). */
void lh__civil_of(int64_t us, lh__civil_t *c);

#endif
