/* Row-at-a-time hashing, equality and order of vector values (rowops.c). */
#ifndef LH_SQL_ROWOPS_H
#define LH_SQL_ROWOPS_H
#include "vector/vector.h"

/* <0, 0, >0 between non-NULL row ra of a and row rb of b (same type, any kind). */
int lh__row_compare(const lh_vector_t *a, uint32_t ra, const lh_vector_t *b, uint32_t rb);
/* ORDER BY's order of row ra of a and row rb of b, NULLs included: NULL
 * equals NULL and goes after every value, or before with nulls_first;
 * desc reverses the values' order (not where NULLs go). */
int lh__row_order(const lh_vector_t *a, uint32_t ra, const lh_vector_t *b, uint32_t rb, bool desc,
                  bool nulls_first);
bool lh__row_equal(const lh_vector_t *a, uint32_t ra, const lh_vector_t *b, uint32_t rb);
/* Hash of non-NULL row r; equal values hash alike. */
uint64_t lh__row_hash(const lh_vector_t *v, uint32_t r);
uint64_t lh__hash_combine(uint64_t h, uint64_t x);
/* h[r] = lh__hash_combine(h[r], hash of row r or LH_HASH_NULL) for r < n. */
void lh__hash_column(const lh_vector_t *v, uint32_t n, uint64_t *h);
#define LH_HASH_NULL UINT64_C(0x5bd1e9955bd1e995)

/* The 64-bit finalizer of the row hashes of fixed-width values and short
 * strings (MurmurHash3's fmix64; long strings mix 16 bytes a step, rowops.c). */
static inline uint64_t lh__hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

#endif
