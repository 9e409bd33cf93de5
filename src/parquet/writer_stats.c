/* Column statistics for the writer: min and max of physical values in the
 * column's order (signed or unsigned integers, IEEE floats without NaN,
 * big-endian two's complement for FIXED_LEN_BYTE_ARRAY decimals, unsigned
 * bytes for strings), per column chunk and folded into the whole file; then
 * written as Parquet Statistics (min_value/max_value, string bounds cut to
 * STAT_MAX (64) bytes) and as lh_value_t for the table layer. */
#include "parquet/writer_int.h"

#include <math.h>

#define STAT_MAX 64 /* bytes of a string bound */

void lh__pq_stat_reset(lh__pq_stat_t *s)
{
    s->has = false;
    s->nulls = 0;
    lh_buf_reset(&s->smin);
    lh_buf_reset(&s->smax);
}

void lh__pq_stat_release(lh__pq_stat_t *s)
{
    lh_buf_free(&s->smin);
    lh_buf_free(&s->smax);
}

static int flba_cmp(const uint8_t *a, const uint8_t *b, size_t n)
{
    if (a[0] != b[0]) return (int8_t)a[0] < (int8_t)b[0] ? -1 : 1;
    return memcmp(a + 1, b + 1, n - 1);
}

/* <0, 0, >0 for two fixed-width values in order ord. */
static int cmp_fixed(int ord, const uint8_t *a, const uint8_t *b, size_t width)
{
#define CMP(T)                                                                                     \
    do {                                                                                           \
        T x, y;                                                                                    \
        memcpy(&x, a, sizeof x);                                                                   \
        memcpy(&y, b, sizeof y);                                                                   \
        return (x > y) - (x < y);                                                                  \
    } while (0)
    switch (ord) {
    case LH__ORD_BOOL:
        CMP(uint8_t);
    case LH__ORD_I32:
        CMP(int32_t);
    case LH__ORD_U32:
        CMP(uint32_t);
    case LH__ORD_I64:
        CMP(int64_t);
    case LH__ORD_U64:
        CMP(uint64_t);
    case LH__ORD_FLOAT:
        CMP(float);
    case LH__ORD_DOUBLE:
        CMP(double);
    default:
        return flba_cmp(a, b, width);
    }
#undef CMP
}

static bool is_nan(int ord, const uint8_t *v)
{
    if (ord == LH__ORD_FLOAT) {
        float f;
        memcpy(&f, v, 4);
        return isnan(f);
    }
    if (ord == LH__ORD_DOUBLE) {
        double d;
        memcpy(&d, v, 8);
        return isnan(d);
    }
    return false;
}

static void offer_fixed(lh__pq_stat_t *s, int ord, const uint8_t *lo, const uint8_t *hi,
                        size_t width)
{
    if (!s->has) {
        memcpy(s->min, lo, width);
        memcpy(s->max, hi, width);
        s->has = true;
        return;
    }
    if (cmp_fixed(ord, lo, s->min, width) < 0) memcpy(s->min, lo, width);
    if (cmp_fixed(ord, hi, s->max, width) > 0) memcpy(s->max, hi, width);
}

/* Typed min/max loops for the common orders; the rest go through cmp_fixed. */
#define RANGE(T)                                                                                   \
    do {                                                                                           \
        const T *x = (const T *)(const void *)v;                                                   \
        T lo = x[0], hi = x[0];                                                                    \
        for (size_t i = 1; i < n; i++) {                                                           \
            lo = x[i] < lo ? x[i] : lo;                                                            \
            hi = x[i] > hi ? x[i] : hi;                                                            \
        }                                                                                          \
        offer_fixed(s, ord, (const uint8_t *)&lo, (const uint8_t *)&hi, sizeof(T));                \
        return;                                                                                    \
    } while (0)

void lh__pq_stat_fixed(lh__pq_stat_t *s, int ord, const uint8_t *v, size_t n, size_t width)
{
    if (!n || ord == LH__ORD_NONE) return;
    switch (ord) {
    case LH__ORD_I32:
        RANGE(int32_t);
    case LH__ORD_U32:
        RANGE(uint32_t);
    case LH__ORD_I64:
        RANGE(int64_t);
    case LH__ORD_U64:
        RANGE(uint64_t);
    default:
        break;
    }
    const uint8_t *lo = NULL, *hi = NULL;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = v + i * width;
        if (is_nan(ord, p)) continue;
        if (!lo || cmp_fixed(ord, p, lo, width) < 0) lo = p;
        if (!hi || cmp_fixed(ord, p, hi, width) > 0) hi = p;
    }
    if (lo) offer_fixed(s, ord, lo, hi, width);
}

static int str_cmp(const void *a, size_t an, const void *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

static void offer_bytes(lh__pq_stat_t *s, const lh_str_t *lo, const lh_str_t *hi)
{
    if (!s->has || str_cmp(lo->ptr, lo->len, s->smin.ptr, s->smin.len) < 0) {
        lh_buf_reset(&s->smin);
        lh_buf_append(&s->smin, lo->ptr, lo->len);
    }
    if (!s->has || str_cmp(hi->ptr, hi->len, s->smax.ptr, s->smax.len) > 0) {
        lh_buf_reset(&s->smax);
        lh_buf_append(&s->smax, hi->ptr, hi->len);
    }
    s->has = true;
}

void lh__pq_stat_bytes(lh__pq_stat_t *s, const lh_str_t *v, size_t n)
{
    if (!n) return;
    const lh_str_t *lo = &v[0], *hi = &v[0];
    for (size_t i = 1; i < n; i++) {
        if (str_cmp(v[i].ptr, v[i].len, lo->ptr, lo->len) < 0) lo = &v[i];
        if (str_cmp(v[i].ptr, v[i].len, hi->ptr, hi->len) > 0) hi = &v[i];
    }
    offer_bytes(s, lo, hi);
}

void lh__pq_stat_merge(lh__pq_stat_t *a, const lh__pq_stat_t *b, int ord, size_t width)
{
    a->nulls += b->nulls;
    if (!b->has) return;
    if (ord == LH__ORD_BYTES) {
        lh_str_t lo = {b->smin.ptr, b->smin.len}, hi = {b->smax.ptr, b->smax.len};
        offer_bytes(a, &lo, &hi);
    } else {
        offer_fixed(a, ord, b->min, b->max, width);
    }
}

/* ---- string bounds ---- */

/* The length of a lower bound of s: at most STAT_MAX bytes, cut at a UTF-8
 * character start for strings. */
static size_t cut_min(const uint8_t *s, size_t n, bool utf8)
{
    if (n <= STAT_MAX) return n;
    size_t k = STAT_MAX;
    while (utf8 && k > 0 && (s[k] & 0xC0) == 0x80)
        k--;
    return k;
}

/* An upper bound of s in out (STAT_MAX bytes): a prefix whose last byte is
 * raised by one (for strings an ASCII byte below 0x7F, so the result stays
 * UTF-8). Returns its length, or 0 when there is none. */
static size_t cut_max(const uint8_t *s, size_t n, bool utf8, uint8_t *out)
{
    size_t k = cut_min(s, n, utf8);
    while (k > 0) {
        uint8_t c = s[k - 1];
        if (utf8 ? c < 0x7F : c < 0xFF) {
            memcpy(out, s, k);
            out[k - 1] = (uint8_t)(c + 1);
            return k;
        }
        k--;
    }
    return 0;
}

typedef struct bounds {
    bool has_min, has_max, min_exact, max_exact;
    const uint8_t *min, *max;
    size_t minlen, maxlen;
    uint8_t maxbuf[STAT_MAX];
    uint8_t fmin[16], fmax[16];
} bounds_t;

static void bounds(const lh__pq_leaf_t *l, const lh__pq_stat_t *s, bounds_t *b)
{
    memset(b, 0, sizeof *b);
    if (!s->has || l->ord == LH__ORD_NONE) return;
    b->has_min = b->has_max = b->min_exact = b->max_exact = true;
    if (l->ord != LH__ORD_BYTES) {
        memcpy(b->fmin, s->min, l->width);
        memcpy(b->fmax, s->max, l->width);
        /* -0.0 and +0.0 are equal: the bounds must cover both */
        if (l->ord == LH__ORD_FLOAT || l->ord == LH__ORD_DOUBLE) {
            double lo, hi;
            float f;
            if (l->ord == LH__ORD_FLOAT)
                memcpy(&f, b->fmin, 4), lo = f, memcpy(&f, b->fmax, 4), hi = f;
            else
                memcpy(&lo, b->fmin, 8), memcpy(&hi, b->fmax, 8);
            if (lo == 0) b->fmin[l->width - 1] |= 0x80;
            if (hi == 0) b->fmax[l->width - 1] &= 0x7F;
        }
        b->min = b->fmin, b->max = b->fmax, b->minlen = b->maxlen = l->width;
        return;
    }
    bool utf8 = l->type.id == LH_TYPE_VARCHAR;
    b->min = (const uint8_t *)s->smin.ptr;
    b->minlen = cut_min(b->min, s->smin.len, utf8);
    b->min_exact = b->minlen == s->smin.len;
    if (s->smax.len <= STAT_MAX) {
        b->max = (const uint8_t *)s->smax.ptr, b->maxlen = s->smax.len;
    } else {
        b->max_exact = false;
        b->max = b->maxbuf;
        b->maxlen = cut_max((const uint8_t *)s->smax.ptr, s->smax.len, utf8, b->maxbuf);
        b->has_max = b->maxlen > 0;
    }
}

static lh_str_t dup(lh_arena_t *a, const uint8_t *p, size_t n)
{
    char *c = lh_arena_alloc(a, n + 1);
    if (!c) return (lh_str_t){NULL, 0};
    if (n) memcpy(c, p, n);
    c[n] = 0;
    return (lh_str_t){c, n};
}

int lh__pq_stat_to_thrift(const lh__pq_leaf_t *l, const lh__pq_stat_t *s, lh_arena_t *a,
                          lh_pq_stats_t *out)
{
    memset(out, 0, sizeof *out);
    out->has_null_count = true;
    out->null_count = s->nulls;
    bounds_t b;
    bounds(l, s, &b);
    if (b.has_min) {
        out->has_min_value = true;
        out->min_value = dup(a, b.min, b.minlen);
        if (!out->min_value.ptr) return LH_ENOMEM;
        if (!b.min_exact) out->has_is_min_value_exact = true;
    }
    if (b.has_max) {
        out->has_max_value = true;
        out->max_value = dup(a, b.max, b.maxlen);
        if (!out->max_value.ptr) return LH_ENOMEM;
        if (!b.max_exact) out->has_is_max_value_exact = true;
    }
    return 0;
}

bool lh__pq_stat_bounds(const lh__pq_leaf_t *l, const lh__pq_stat_t *s, lh_buf_t *out,
                        uint32_t *minlen, uint32_t *maxlen)
{
    bounds_t b;
    bounds(l, s, &b);
    if (!b.has_min || !b.has_max) return false;
    lh_buf_append(out, b.min, b.minlen);
    lh_buf_append(out, b.max, b.maxlen);
    *minlen = (uint32_t)b.minlen;
    *maxlen = (uint32_t)b.maxlen;
    return true;
}

int lh__pq_stat_cmp(const lh__pq_leaf_t *l, const void *a, size_t an, const void *b, size_t bn)
{
    if (l->ord == LH__ORD_BYTES)
        return an && bn ? str_cmp(a, an, b, bn) : (an > 0) - (bn > 0); /* "" may be NULL */
    return cmp_fixed(l->ord, a, b, l->width);
}

static lh_int128_t be_int(const uint8_t *p, size_t n)
{
    lh_int128_t v = (int8_t)p[0];
    for (size_t i = 1; i < n; i++)
        v = v * 256 + p[i];
    return v;
}

static int value(const lh__pq_leaf_t *l, const uint8_t *p, size_t n, lh_arena_t *a, lh_value_t *out)
{
    int32_t i32;
    int64_t i64;
    memcpy(&i32, p, 4 < n ? 4 : n);
    memcpy(&i64, p, 8 < n ? 8 : n);
    const lh_type_t *t = &l->type;
    switch (t->id) {
    case LH_TYPE_BOOLEAN:
        *out = lh_value_bool(p[0] != 0);
        break;
    case LH_TYPE_TINYINT:
    case LH_TYPE_SMALLINT:
    case LH_TYPE_INTEGER:
    case LH_TYPE_DATE:
        *out = lh_value_int((lh_type_id_t)t->id, i32);
        break;
    case LH_TYPE_BIGINT:
    case LH_TYPE_TIME:
    case LH_TYPE_TIMESTAMP:
    case LH_TYPE_TIMESTAMP_TZ:
        *out = lh_value_int((lh_type_id_t)t->id, i64);
        break;
    case LH_TYPE_UTINYINT:
    case LH_TYPE_USMALLINT:
    case LH_TYPE_UINTEGER:
        *out = lh_value_uint((lh_type_id_t)t->id, (uint32_t)i32);
        break;
    case LH_TYPE_UBIGINT:
        *out = lh_value_uint(LH_TYPE_UBIGINT, (uint64_t)i64);
        break;
    case LH_TYPE_HUGEINT:
        *out = lh_value_hugeint(be_int(p, 16));
        break;
    case LH_TYPE_DECIMAL:
        *out = lh_value_decimal(t->width, t->scale,
                                t->width <= 9    ? i32
                                : t->width <= 18 ? i64
                                                 : be_int(p, n));
        break;
    case LH_TYPE_FLOAT: {
        float f;
        memcpy(&f, p, 4);
        *out = lh_value_float(f);
        break;
    }
    case LH_TYPE_DOUBLE: {
        double d;
        memcpy(&d, p, 8);
        *out = lh_value_double(d);
        break;
    }
    default: { /* VARCHAR, BLOB */
        lh_str_t s = dup(a, p, n);
        if (!s.ptr) return LH_ENOMEM;
        *out =
            t->id == LH_TYPE_VARCHAR ? lh_value_varchar(s.ptr, s.len) : lh_value_blob(s.ptr, s.len);
    }
    }
    return 0;
}

int lh__pq_stat_to_values(const lh__pq_leaf_t *l, lh_arena_t *a, lh_pq_col_stats_t *out)
{
    memset(out, 0, sizeof *out);
    out->path = l->dotted;
    out->names = (const char *const *)l->path;
    out->depth = l->depth;
    out->null_count = l->file->nulls;
    bounds_t b;
    bounds(l, l->file, &b);
    out->min_exact = b.min_exact;
    out->max_exact = b.max_exact;
    int rc = 0;
    if (b.has_min && !(rc = value(l, b.min, b.minlen, a, &out->min))) out->has_min = true;
    if (!rc && b.has_max && !(rc = value(l, b.max, b.maxlen, a, &out->max))) out->has_max = true;
    return rc;
}
