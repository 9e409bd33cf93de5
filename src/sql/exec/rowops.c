/* One row of a vector at a time: hashing, equality and ordering by physical
 * type, for the operators that work row by row (hash tables, sorting). The
 * order is DuckDB's: numbers by value (NaN above every number, -0.0 equal to
 * 0.0), strings as unsigned bytes, booleans false < true, intervals
 * normalised (30 days = 1 month, 24 hours = 1 day). NULLs are the caller's
 * business: these read non-NULL rows only. */
#include <math.h>
#include <string.h>

#include "sql/exec/exec_int.h"
#include "sql/exec/rowops.h"

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int cmp_double(double a, double b)
{
    bool na = a != a, nb = b != b;
    if (na || nb) return na - nb;
    return CMP(a, b);
}

int lh__row_compare(const lh_vector_t *a, uint32_t ra, const lh_vector_t *b, uint32_t rb)
{
    const lh_vector_t *va = lh_vector_values(a), *vb = lh_vector_values(b);
    ra = lh_vector_row(a, ra);
    rb = lh_vector_row(b, rb);
    const void *pa = va->data, *pb = vb->data;
    switch (lh_type_physical(&a->type)) {
    case LH_PHYS_BOOL:
    case LH_PHYS_UINT8:
        return CMP(((const uint8_t *)pa)[ra], ((const uint8_t *)pb)[rb]);
    case LH_PHYS_INT8:
        return CMP(((const int8_t *)pa)[ra], ((const int8_t *)pb)[rb]);
    case LH_PHYS_INT16:
        return CMP(((const int16_t *)pa)[ra], ((const int16_t *)pb)[rb]);
    case LH_PHYS_UINT16:
        return CMP(((const uint16_t *)pa)[ra], ((const uint16_t *)pb)[rb]);
    case LH_PHYS_INT32:
        return CMP(((const int32_t *)pa)[ra], ((const int32_t *)pb)[rb]);
    case LH_PHYS_UINT32:
        return CMP(((const uint32_t *)pa)[ra], ((const uint32_t *)pb)[rb]);
    case LH_PHYS_INT64:
        return CMP(((const int64_t *)pa)[ra], ((const int64_t *)pb)[rb]);
    case LH_PHYS_UINT64:
        return CMP(((const uint64_t *)pa)[ra], ((const uint64_t *)pb)[rb]);
    case LH_PHYS_INT128:
        return CMP(((const lh_int128_t *)pa)[ra], ((const lh_int128_t *)pb)[rb]);
    case LH_PHYS_FLOAT:
        return cmp_double(((const float *)pa)[ra], ((const float *)pb)[rb]);
    case LH_PHYS_DOUBLE:
        return cmp_double(((const double *)pa)[ra], ((const double *)pb)[rb]);
    case LH_PHYS_INTERVAL: {
        lh_int128_t x = lh_interval_key(&((const lh_interval_t *)pa)[ra]);
        lh_int128_t y = lh_interval_key(&((const lh_interval_t *)pb)[rb]);
        return CMP(x, y);
    }
    case LH_PHYS_STRING:
        return lh_string_compare(&((const lh_string_t *)pa)[ra], &((const lh_string_t *)pb)[rb]);
    default:
        return 0; /* nested types: not ordered here */
    }
}

int lh__row_order(const lh_vector_t *a, uint32_t ra, const lh_vector_t *b, uint32_t rb, bool desc,
                  bool nulls_first)
{
    bool na = !lh_vector_is_valid(a, ra), nb = !lh_vector_is_valid(b, rb);
    if (na || nb) {
        if (na && nb) return 0;
        int r = na ? 1 : -1; /* NULL after values */
        return nulls_first ? -r : r;
    }
    int r = lh__row_compare(a, ra, b, rb);
    return desc ? -r : r;
}

bool lh__row_equal(const lh_vector_t *a, uint32_t ra, const lh_vector_t *b, uint32_t rb)
{
    if (lh_type_physical(&a->type) == LH_PHYS_STRING) {
        const lh_vector_t *va = lh_vector_values(a), *vb = lh_vector_values(b);
        return lh_string_equal(&((const lh_string_t *)va->data)[lh_vector_row(a, ra)],
                               &((const lh_string_t *)vb->data)[lh_vector_row(b, rb)]);
    }
    return lh__row_compare(a, ra, b, rb) == 0;
}

#define mix64 lh__hash_u64

/* The 128-bit product of a and b folded to 64 bits (wyhash's mixing). */
static inline uint64_t mum(uint64_t a, uint64_t b)
{
    unsigned __int128 r = (unsigned __int128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* 16 bytes per step, one product each: a chain of a multiply and an xor
 * per step, where one mix64 per 8 bytes chained two multiplies and three
 * shifts (the keys of a table of addresses or transaction hashes are 42-66
 * bytes). The last step reads the last 16 bytes (overlapping). */
static uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ n, a = 0, b = 0;
    size_t left = n;
    for (; left > 16; s += 16, left -= 16) {
        memcpy(&a, s, 8);
        memcpy(&b, s + 8, 8);
        h = mum(a ^ UINT64_C(0xe7037ed1a0b428db), b ^ h);
    }
    if (left >= 8) {
        memcpy(&a, s, 8);
        memcpy(&b, s + left - 8, 8);
    } else {
        a = b = 0;
        memcpy(&a, s, left);
    }
    return mum(mum(a ^ UINT64_C(0x8ebc6af09c88c6e3), b ^ h) ^ UINT64_C(0x589965cc75374cc3),
               (uint64_t)n ^ UINT64_C(0xa0761d6478bd642f));
}

/* hash_bytes of a string view; short strings straight from their inline
 * bytes, which are zero past the length (no copy of a variable length). */
static inline uint64_t hash_string(const lh_string_t *s)
{
    if (s->len > LH_STRING_INLINE) return hash_bytes(s->u.ptr, s->len);
    const unsigned char *p = (const unsigned char *)s + 4;
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ s->len, w;
    memcpy(&w, p, 8);
    if (s->len >= 8) {
        h = mix64(h ^ w);
        uint32_t t;
        memcpy(&t, p + 8, 4);
        w = t;
    }
    return mix64(h ^ w ^ ((uint64_t)s->len << 56));
}

uint64_t lh__row_hash(const lh_vector_t *v, uint32_t r)
{
    const lh_vector_t *vv = lh_vector_values(v);
    r = lh_vector_row(v, r);
    const void *p = vv->data;
    switch (lh_type_physical(&v->type)) {
    case LH_PHYS_BOOL:
    case LH_PHYS_UINT8:
        return mix64(((const uint8_t *)p)[r]);
    case LH_PHYS_INT8:
        return mix64((uint64_t)((const int8_t *)p)[r]);
    case LH_PHYS_INT16:
        return mix64((uint64_t)((const int16_t *)p)[r]);
    case LH_PHYS_UINT16:
        return mix64(((const uint16_t *)p)[r]);
    case LH_PHYS_INT32:
        return mix64((uint64_t)((const int32_t *)p)[r]);
    case LH_PHYS_UINT32:
        return mix64(((const uint32_t *)p)[r]);
    case LH_PHYS_INT64:
    case LH_PHYS_UINT64:
        return mix64(((const uint64_t *)p)[r]);
    case LH_PHYS_INT128: {
        lh_uint128_t x = ((const lh_uint128_t *)p)[r];
        return mix64((uint64_t)x ^ mix64((uint64_t)(x >> 64)));
    }
    case LH_PHYS_FLOAT: {
        double d = ((const float *)p)[r];
        if (d == 0) d = 0;   /* -0.0 hashes as 0.0 */
        if (d != d) d = NAN; /* every NaN alike */
        uint64_t w;
        memcpy(&w, &d, 8);
        return mix64(w);
    }
    case LH_PHYS_DOUBLE: {
        double d = ((const double *)p)[r];
        if (d == 0) d = 0;
        if (d != d) d = NAN;
        uint64_t w;
        memcpy(&w, &d, 8);
        return mix64(w);
    }
    case LH_PHYS_INTERVAL: {
        lh_uint128_t x = (lh_uint128_t)lh_interval_key(&((const lh_interval_t *)p)[r]);
        return mix64((uint64_t)x ^ mix64((uint64_t)(x >> 64)));
    }
    case LH_PHYS_STRING: {
        return hash_string(&((const lh_string_t *)p)[r]);
    }
    default:
        return 0;
    }
}

uint64_t lh__hash_combine(uint64_t h, uint64_t x)
{
    return mix64(h * UINT64_C(0x9e3779b97f4a7c15) + x);
}

/* Per physical type: h[r] = combine(h[r], hash of row r) over a flat vector
 * (HASH of a value: what lh__row_hash gives). */
#define HASH_FLAT(T, HASH)                                                                         \
    do {                                                                                           \
        const T *d = v->data;                                                                      \
        for (uint32_t r = 0; r < n; r++) {                                                         \
            uint64_t x =                                                                           \
                v->validity && !lh_validity_get(v->validity, r) ? LH_HASH_NULL : HASH(d[r]);       \
            h[r] = lh__hash_combine(h[r], x);                                                      \
        }                                                                                          \
        return;                                                                                    \
    } while (0)
#define INT_HASH(x) mix64((uint64_t)(x))
#define STR_HASH(x) hash_string(&(x))

void lh__hash_column(const lh_vector_t *v, uint32_t n, uint64_t *h)
{
    if (v->kind == LH_VECTOR_FLAT) switch (lh_type_physical(&v->type)) {
        case LH_PHYS_INT32:
            HASH_FLAT(int32_t, INT_HASH);
        case LH_PHYS_INT64:
            HASH_FLAT(int64_t, INT_HASH);
        case LH_PHYS_STRING:
            HASH_FLAT(lh_string_t, STR_HASH);
        default:
            break;
        }
    if (v->kind == LH_VECTOR_DICTIONARY && v->dict_size <= n && v->dict->kind == LH_VECTOR_FLAT) {
        /* each dictionary entry hashed once */
        uint64_t dh[LH_BATCH_ROWS];
        for (uint32_t i = 0; i < v->dict_size; i++)
            dh[i] = lh_vector_is_valid(v->dict, i) ? lh__row_hash(v->dict, i) : LH_HASH_NULL;
        for (uint32_t r = 0; r < n; r++) {
            uint64_t x =
                v->validity && !lh_validity_get(v->validity, r) ? LH_HASH_NULL : dh[v->codes[r]];
            h[r] = lh__hash_combine(h[r], x);
        }
        return;
    }
    for (uint32_t r = 0; r < n; r++) {
        uint64_t x = lh_vector_is_valid(v, r) ? lh__row_hash(v, r) : LH_HASH_NULL;
        h[r] = lh__hash_combine(h[r], x);
    }
}
