/* The hash join's table over its build side (join_ht.c): per build row its
 * key hash (and, for one integer key, the key itself, so a probe compares
 * one array entry instead of the row's vectors), chains through flat arrays
 * of 32-bit row numbers, and a blocked Bloom filter (8 bits a row, two bits
 * in one word) that answers most probes without a match from one cache
 * line. Rows are numbered in build order; chains keep that order. */
#ifndef LH_SQL_JOIN_HT_H
#define LH_SQL_JOIN_HT_H
#include "sql/exec/exec.h"
#include "vector/batch.h"
#include "vector/vector.h"

#define LH_JOIN_NULL_HASH UINT64_MAX /* a key with a NULL: never matches */

typedef struct lh_join_ht {
    uint32_t nkeys;
    bool int_key;   /* one key of a signed integer type on both sides */
    bool null_key;  /* some build row has a NULL key */
    uint64_t *hash; /* per build row */
    int64_t *ikey;  /* int_key: per build row */
    uint64_t nrows, cap;
    uint32_t *heads; /* mask + 1 buckets: first row + 1 of the chain, 0 none */
    uint32_t *next;  /* per row: the next row + 1 in its chain */
    uint64_t mask;
    uint64_t *bloom, bmask;
} lh_join_ht_t;

/* The build side's rows: batches of its columns (those need marks; the
 * others stay unset) followed by the key values. */
typedef struct lh_join_rows {
    const lh_type_t *types; /* ncols + nkeys */
    uint32_t ncols, nkeys;
    const bool *need; /* per column: stored */
    lh_batch_t **chunks;
    uint32_t nchunks, cap;
    uint64_t nrows;
    uint32_t idx[LH_BATCH_ROWS];
} lh_join_rows_t;

/* Appends in's rows with their key vectors kv, charging op's budget.
 * 0, LH_ENOMEM (nothing reported), or a charge error (reported in op->ex). */
int lh__join_rows_append(lh_op_t *op, lh_join_rows_t *s, const lh_batch_t *in,
                         const lh_vector_t *const *kv);
void lh__join_rows_free(lh_join_rows_t *s);
/* Column c of build rows rows[0..n) into dst (a fresh FLAT vector, rows from
 * 0). The build batches live as long as the join, so string views keep
 * pointing into them (no byte copies); nested types are copied. 0 or
 * LH_ENOMEM. */
int lh__join_rows_gather(const lh_join_rows_t *s, uint32_t c, const uint64_t *rows, uint32_t n,
                         lh_vector_t *dst);
/* Sets t's key count and whether its keys take the integer path, from the
 * join's key expressions. */
void lh__join_ht_setup(lh_join_ht_t *t, const lh_plan_t *p);

/* Whether a key of these types takes the integer path (alone; as one of two:
 * the int32 variant). */
bool lh__join_ht_int_types(const lh_type_t *l, const lh_type_t *r);
bool lh__join_ht_int32_types(const lh_type_t *l, const lh_type_t *r);
/* Hashes n rows of the key vectors kv into h (LH_JOIN_NULL_HASH when a key
 * is NULL) and, for an integer key, the values into ik. */
void lh__join_ht_hash(const lh_join_ht_t *t, const lh_vector_t *const *kv, uint32_t n, uint64_t *h,
                      int64_t *ik);
/* Appends n build rows' hashes (and integer keys). 0 or LH_ENOMEM / LH_ETOOBIG. */
int lh__join_ht_add(lh_join_ht_t *t, const uint64_t *h, const int64_t *ik, uint32_t n);
/* Links the chains and fills the Bloom filter after the last add. 0 or LH_ENOMEM. */
int lh__join_ht_finish(lh_join_ht_t *t);
void lh__join_ht_free(lh_join_ht_t *t);

/* The first candidate row + 1 for hash h (0: surely none). */
static inline uint64_t lh__join_ht_first(const lh_join_ht_t *t, uint64_t h)
{
    uint64_t w = t->bloom[(h >> 40) & t->bmask];
    uint64_t bits = (UINT64_C(1) << (h & 63)) | (UINT64_C(1) << ((h >> 6) & 63));
    if ((w & bits) != bits) return 0;
    return t->heads[h & t->mask];
}
#endif
