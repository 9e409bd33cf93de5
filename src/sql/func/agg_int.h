/* Helpers shared by the aggregate files (agg_stats.c, agg_misc.c, agg_hll.c,
 * agg_quantile.c, in agg_util.c): reading a row of any vector kind, three-way
 * comparison of scalar values by physical type, string values kept in the
 * states' arena, and arrays of values that grow in that arena (median,
 * string_agg). Not for other modules. */
#ifndef LH_SQL_AGG_INT_H
#define LH_SQL_AGG_INT_H
#include "sql/func/func_int.h"

/* The bytes of row i of v (FLAT, CONSTANT or DICTIONARY); NULL rows have
 * unspecified contents. */
static inline const void *lh__agg_at(const lh_vector_t *v, uint32_t i)
{
    const lh_vector_t *vals = lh_vector_values(v);
    return (const uint8_t *)vals->data + (size_t)lh_vector_row(v, i) * lh_type_size(&v->type);
}

/* Row i of a DOUBLE vector. */
static inline double lh__agg_double(const lh_vector_t *v, uint32_t i)
{
    return *(const double *)lh__agg_at(v, i);
}

/* The Out of Memory Error of an aggregate; returns LH_ENOMEM. */
int lh__agg_oom(lh_sql_actx_t *c);

/* <0, 0, >0 between two values of physical type p (floats: NaN above every
 * number and equal to itself; strings: bytes, then length; intervals as
 * DuckDB normalises them: a month is 30 days). */
int lh__agg_cmp(lh_phys_t p, const void *a, const void *b);

/* A string value whose long bytes live in a buffer the state owns in the
 * arena, reused while the new value fits (arg_max, first: no garbage per
 * replacement beyond doubling). */
typedef struct lh__agg_str {
    lh_string_t s;
    char *buf;
    uint32_t cap;
} lh__agg_str_t;

/* Copies src into dst (bytes into dst's buffer, grown in c->arena). 0 or
 * LH_ENOMEM with c->err set. */
int lh__agg_str_set(lh_sql_actx_t *c, lh__agg_str_t *dst, const lh_string_t *src);

/* A growable array of fixed-width elements on the heap (its state's
 * destroy frees it: lh__agg_vec_free). Growing doubles the capacity with
 * realloc, so the space it leaves is reused by the next growth; in the
 * states' arena each old copy stayed until the query's end (a median of
 * 1.25M DECIMALs touched a few times its size of fresh pages). */
typedef struct lh__agg_vec {
    uint8_t *p;
    uint32_t n, cap;
} lh__agg_vec_t;

/* Room for one more element of w bytes at the end; NULL with c->err set. */
void *lh__agg_vec_push(lh_sql_actx_t *c, lh__agg_vec_t *v, size_t w);
/* Appends src's elements to dst. 0 or LH_ENOMEM with c->err set. */
int lh__agg_vec_append(lh_sql_actx_t *c, lh__agg_vec_t *dst, const lh__agg_vec_t *src, size_t w);
/* Frees v's elements (v empty after). */
void lh__agg_vec_free(lh__agg_vec_t *v);

/* Copies a long string's bytes into the arena so the view outlives the batch.
 * 0 or LH_ENOMEM with c->err set. */
int lh__agg_keep_string(lh_sql_actx_t *c, lh_string_t *s);

#endif
