/* The hash join's table (join_ht.h): hashes computed a batch at a time,
 * chains over flat arrays built once after the build side is read; and the
 * build side's rows, kept in batches. */
#include <stdlib.h>
#include <string.h>

#include "sql/exec/exec_int.h"
#include "sql/exec/join_ht.h"
#include "sql/exec/rowops.h"
#include "vector/batch.h"

static bool signed_int(lh_phys_t ph)
{
    return ph == LH_PHYS_INT8 || ph == LH_PHYS_INT16 || ph == LH_PHYS_INT32 || ph == LH_PHYS_INT64;
}

bool lh__join_ht_int_types(const lh_type_t *l, const lh_type_t *r)
{
    lh_phys_t pl = lh_type_physical(l), pr = lh_type_physical(r);
    return pl == pr && signed_int(pl);
}

bool lh__join_ht_int32_types(const lh_type_t *l, const lh_type_t *r)
{
    lh_phys_t pl = lh_type_physical(l), pr = lh_type_physical(r);
    return pl == pr && signed_int(pl) && pl != LH_PHYS_INT64;
}

static inline uint64_t mix(uint64_t x)
{
    x ^= x >> 32;
    x *= UINT64_C(0xd6e8feb86659fd93);
    x ^= x >> 32;
    x *= UINT64_C(0xd6e8feb86659fd93);
    x ^= x >> 32;
    return x == LH_JOIN_NULL_HASH ? x - 1 : x;
}

static inline int64_t int_at(const void *data, lh_phys_t ph, uint32_t r)
{
    switch (ph) {
    case LH_PHYS_INT8:
        return ((const int8_t *)data)[r];
    case LH_PHYS_INT16:
        return ((const int16_t *)data)[r];
    case LH_PHYS_INT32:
        return ((const int32_t *)data)[r];
    default:
        return ((const int64_t *)data)[r];
    }
}

static void hash_ints(const lh_vector_t *v, uint32_t n, uint64_t *h, int64_t *ik)
{
    const lh_vector_t *vals = lh_vector_values(v);
    lh_phys_t ph = lh_type_physical(&v->type);
    if (v->kind == LH_VECTOR_FLAT && ph == LH_PHYS_INT32) { /* the common cases, tight */
        const int32_t *d = v->data;
        for (uint32_t i = 0; i < n; i++) {
            ik[i] = d[i];
            h[i] = mix((uint64_t)ik[i]);
        }
    } else if (v->kind == LH_VECTOR_FLAT && ph == LH_PHYS_INT64) {
        const int64_t *d = v->data;
        for (uint32_t i = 0; i < n; i++) {
            ik[i] = d[i];
            h[i] = mix((uint64_t)ik[i]);
        }
    } else
        for (uint32_t i = 0; i < n; i++) {
            ik[i] = int_at(vals->data, ph, lh_vector_row(v, i));
            h[i] = mix((uint64_t)ik[i]);
        }
    for (uint32_t i = 0; i < n; i++)
        if (!lh_vector_is_valid(v, i)) h[i] = LH_JOIN_NULL_HASH;
}

/* Two 32-bit keys packed into one 64-bit integer key. */
static void hash_pairs(const lh_vector_t *const *kv, uint32_t n, uint64_t *h, int64_t *ik)
{
    uint64_t h2[LH_BATCH_ROWS];
    int64_t k2[LH_BATCH_ROWS];
    hash_ints(kv[0], n, h, ik);
    hash_ints(kv[1], n, h2, k2);
    for (uint32_t i = 0; i < n; i++) {
        bool null = h[i] == LH_JOIN_NULL_HASH || h2[i] == LH_JOIN_NULL_HASH;
        ik[i] = (int64_t)(((uint64_t)ik[i] << 32) | (uint32_t)k2[i]);
        h[i] = null ? LH_JOIN_NULL_HASH : mix((uint64_t)ik[i]);
    }
}

void lh__join_ht_hash(const lh_join_ht_t *t, const lh_vector_t *const *kv, uint32_t n, uint64_t *h,
                      int64_t *ik)
{
    if (t->int_key) {
        if (t->nkeys == 2)
            hash_pairs(kv, n, h, ik);
        else
            hash_ints(kv[0], n, h, ik);
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint64_t x = 0;
        for (uint32_t k = 0; k < t->nkeys; k++) {
            if (!lh_vector_is_valid(kv[k], i)) {
                x = LH_JOIN_NULL_HASH;
                break;
            }
            x = lh__hash_combine(x, lh__row_hash(kv[k], i));
        }
        h[i] = x == LH_JOIN_NULL_HASH ? x : mix(x);
    }
}

int lh__join_ht_add(lh_join_ht_t *t, const uint64_t *h, const int64_t *ik, uint32_t n)
{
    if (t->nrows + n >= UINT32_MAX) return LH_ETOOBIG;
    if (t->nrows + n > t->cap) {
        uint64_t cap = t->cap ? t->cap * 2 : 4096;
        while (cap < t->nrows + n)
            cap *= 2;
        uint64_t *nh = realloc(t->hash, cap * sizeof *nh);
        if (!nh) return LH_ENOMEM;
        t->hash = nh;
        if (t->int_key) {
            int64_t *nk = realloc(t->ikey, cap * sizeof *nk);
            if (!nk) return LH_ENOMEM;
            t->ikey = nk;
        }
        t->cap = cap;
    }
    memcpy(t->hash + t->nrows, h, n * sizeof *h);
    if (t->int_key) memcpy(t->ikey + t->nrows, ik, n * sizeof *ik);
    t->nrows += n;
    return 0;
}

int lh__join_ht_finish(lh_join_ht_t *t)
{
    uint64_t cap = 16, words = 1;
    while (cap < t->nrows * 2)
        cap *= 2;
    while (words * 8 < t->nrows) /* 8 bits a row */
        words *= 2;
    t->mask = cap - 1;
    t->bmask = words - 1;
    t->heads = lh__zalloc(cap, sizeof *t->heads);
    t->next = calloc(t->nrows + 1, sizeof *t->next);
    t->bloom = lh__zalloc(words, sizeof *t->bloom);
    if (!t->heads || !t->next || !t->bloom) return LH_ENOMEM;
    for (uint64_t g = t->nrows; g-- > 0;) { /* backwards: chains keep input order */
        uint64_t h = t->hash[g];
        if (h == LH_JOIN_NULL_HASH) {
            t->null_key = true;
            continue;
        }
        t->next[g] = t->heads[h & t->mask];
        t->heads[h & t->mask] = (uint32_t)(g + 1);
        t->bloom[(h >> 40) & t->bmask] |=
            (UINT64_C(1) << (h & 63)) | (UINT64_C(1) << ((h >> 6) & 63));
    }
    return 0;
}

void lh__join_ht_free(lh_join_ht_t *t)
{
    free(t->hash);
    free(t->ikey);
    free(t->heads);
    free(t->next);
    free(t->bloom);
    memset(t, 0, sizeof *t);
}

void lh__join_ht_setup(lh_join_ht_t *t, const lh_plan_t *p)
{
    lh_bexpr_t *const *lk = p->u.join.left_keys, *const *rk = p->u.join.right_keys;
    t->nkeys = p->u.join.nkeys;
    t->int_key = (t->nkeys == 1 && lh__join_ht_int_types(&lk[0]->type, &rk[0]->type)) ||
                 (t->nkeys == 2 && lh__join_ht_int32_types(&lk[0]->type, &rk[0]->type) &&
                  lh__join_ht_int32_types(&lk[1]->type, &rk[1]->type));
}

static int new_chunk(lh_op_t *op, lh_join_rows_t *s)
{
    if (s->nchunks == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 16;
        lh_batch_t **c = realloc(s->chunks, cap * sizeof *c);
        if (!c) return LH_ENOMEM;
        s->chunks = c;
        s->cap = cap;
    }
    int rc = lh__op_charge(op, lh__batch_bytes(s->types, s->ncols + s->nkeys) + 24 * LH_BATCH_ROWS);
    if (rc) return rc;
    if (lh_batch_new(s->types, s->ncols + s->nkeys, &s->chunks[s->nchunks])) return LH_ENOMEM;
    s->nchunks++;
    return 0;
}

int lh__join_rows_append(lh_op_t *op, lh_join_rows_t *s, const lh_batch_t *in,
                         const lh_vector_t *const *kv)
{
    for (uint32_t i = 0; i < in->count;) {
        int rc;
        if ((!s->nchunks || s->chunks[s->nchunks - 1]->count == LH_BATCH_ROWS) &&
            (rc = new_chunk(op, s)))
            return rc;
        lh_batch_t *c = s->chunks[s->nchunks - 1];
        uint32_t n = LH_BATCH_ROWS - c->count;
        if (n > in->count - i) n = in->count - i;
        for (uint32_t k = 0; k < n; k++)
            s->idx[k] = i + k;
        for (uint32_t col = 0; col < s->ncols; col++)
            if (s->need[col] && lh_vector_copy(&c->cols[col], c->count, &in->cols[col], s->idx, n))
                return LH_ENOMEM;
        for (uint32_t k = 0; k < s->nkeys; k++)
            if (lh_vector_copy(&c->cols[s->ncols + k], c->count, kv[k], s->idx, n))
                return LH_ENOMEM;
        c->count += n;
        s->nrows += n;
        i += n;
    }
    return 0;
}

void lh__join_rows_free(lh_join_rows_t *s)
{
    for (uint32_t i = 0; i < s->nchunks; i++)
        lh_batch_free(s->chunks[i]);
    free(s->chunks);
    s->chunks = NULL;
    s->nchunks = s->cap = 0;
}

typedef struct {
    uint64_t lo, hi;
} row16_t; /* 16-byte values: HUGEINT, INTERVAL, string views */

/* dst rows 0..n from the stored rows rows[] of column c, values of type T. */
#define GATHER_ROWS(T)                                                                             \
    do {                                                                                           \
        T *out_ = dst->data;                                                                       \
        for (uint32_t k = 0; k < n; k++) {                                                         \
            uint32_t r = (uint32_t)(rows[k] % LH_BATCH_ROWS);                                      \
            const lh_vector_t *v = &s->chunks[rows[k] / LH_BATCH_ROWS]->cols[c];                   \
            if (!lh_validity_get(v->validity, r))                                                  \
                lh_vector_set_null(dst, k);                                                        \
            else                                                                                   \
                out_[k] = ((const T *)v->data)[r];                                                 \
        }                                                                                          \
        return 0;                                                                                  \
    } while (0)

int lh__join_rows_gather(const lh_join_rows_t *s, uint32_t c, const uint64_t *rows, uint32_t n,
                         lh_vector_t *dst)
{
    if (lh_type_is_nested(&dst->type)) {
        for (uint32_t k = 0; k < n; k++) {
            uint32_t r = (uint32_t)(rows[k] % LH_BATCH_ROWS);
            if (lh_vector_copy(dst, k, &s->chunks[rows[k] / LH_BATCH_ROWS]->cols[c], &r, 1))
                return LH_ENOMEM;
        }
        return 0;
    }
    size_t w = lh_type_size(&dst->type);
    switch (w) { /* a typed copy per width: no memcpy call a value */
    case 1:
        GATHER_ROWS(uint8_t);
    case 2:
        GATHER_ROWS(uint16_t);
    case 4:
        GATHER_ROWS(uint32_t);
    case 8:
        GATHER_ROWS(uint64_t);
    case 16:
        GATHER_ROWS(row16_t);
    default:
        break;
    }
    uint8_t *out = dst->data;
    for (uint32_t k = 0; k < n; k++) {
        uint32_t r = (uint32_t)(rows[k] % LH_BATCH_ROWS);
        const lh_vector_t *v = &s->chunks[rows[k] / LH_BATCH_ROWS]->cols[c];
        if (!lh_validity_get(v->validity, r))
            lh_vector_set_null(dst, k);
        else if (w)
            memcpy(out + (size_t)k * w, (const uint8_t *)v->data + (size_t)r * w, w);
    }
    return 0;
}
