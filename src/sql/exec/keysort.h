/* Sorting rows by normalized keys (keysort.c): each row's sort keys are
 * encoded into a fixed-width byte string whose memcmp order is the rows'
 * ORDER BY order, followed by the row's number, and the records are sorted
 * with an MSD radix sort whose buckets run in parallel on a pool. Used by
 * ORDER BY and the window operator. */
#ifndef LH_SQL_KEYSORT_H
#define LH_SQL_KEYSORT_H
#include "vector/batch.h"
#include "vector/vector.h"

struct lh_pool;

typedef struct lh_sortkey {
    lh_type_t type;
    bool desc, nulls_first;
} lh_sortkey_t;

/* Full order of key k between rows a and b (the caller's row numbers),
 * consulted only when the encoded bytes of a string key tie. */
typedef int (*lh_keysort_tie_fn)(void *arg, uint32_t k, uint64_t a, uint64_t b);

typedef struct lh_keysort {
    uint32_t nkeys, width, keybytes;
    uint32_t *off;  /* per key: its first byte in a record */
    uint32_t *size; /* per key: its bytes (the NULL byte included) */
    bool *inexact;  /* per key: a string prefix (ties need tie_fn) */
    bool exact;     /* no inexact key */
    const lh_sortkey_t *keys;
    uint8_t *rec; /* n records of width bytes */
    uint64_t n;
    lh_keysort_tie_fn tie;
    void *tie_arg;
} lh_keysort_t;

/* Lays out records for keys (borrowed) and allocates n of them (owned by
 * ks; lh__keysort_free). 0 or LH_ENOMEM. */
int lh__keysort_init(lh_keysort_t *ks, const lh_sortkey_t *keys, uint32_t nkeys, uint64_t n);
/* Encodes the rows of chunks (all of LH_BATCH_ROWS rows but the last, row
 * i of chunk c being row c * LH_BATCH_ROWS + i): key k from column cols[k],
 * one chunk per task on pool (NULL: this thread). */
void lh__keysort_encode_chunks(lh_keysort_t *ks, lh_batch_t *const *chunks, uint32_t nchunks,
                               const uint32_t *cols, struct lh_pool *pool);
/* Sorts the records (stable: ties keep row-number order), with up to
 * threads workers of pool (NULL: serial). 0 or LH_ENOMEM. */
int lh__keysort_sort(lh_keysort_t *ks, struct lh_pool *pool, int threads);
/* Keeps the k first records of the sorted order (all when k >= n), sorted;
 * n becomes min(n, k). When k is small a heap picks them first (O(n log
 * k)). 0 or LH_ENOMEM. */
int lh__keysort_top(lh_keysort_t *ks, uint64_t k, struct lh_pool *pool, int threads);
/* The row number of the i-th record. */
uint64_t lh__keysort_row(const lh_keysort_t *ks, uint64_t i);
/* Whether records i and j have equal keys first..first+nkeys-1. */
bool lh__keysort_same(const lh_keysort_t *ks, uint32_t first, uint32_t nkeys, uint64_t i,
                      uint64_t j);
void lh__keysort_free(lh_keysort_t *ks);

#endif
