/* approx_count_distinct(x): the number of distinct non-NULL values, estimated
 * with a HyperLogLog sketch (BIGINT; 0 over no rows).
 *
 * A state starts exact: a small open-addressing set of the values' 64-bit
 * hashes (up to 128), so small groups cost little memory and count exactly
 * (barring hash collisions, about n^2 / 2^65). Past that it becomes 2^12
 * one-byte registers (4 KiB) and the count is Ertl's improved raw estimator
 * ("New cardinality estimation algorithms for HyperLogLog sketches", 2017),
 * which needs no bias tables and holds over the whole range: relative
 * standard error about 1.04 / sqrt(4096) = 1.6 % (within 3.3 % for ~95 % of
 * inputs). The hash is fixed (no seed), so results are deterministic and do
 * not depend on the order of rows or how states were combined. The numbers
 * are not DuckDB's (its sketch differs); tests compare against the truth. */
#include <math.h>
#include <string.h>

#include "sql/func/agg_int.h"

#define HLL_P 12
#define HLL_M (1u << HLL_P)
#define HLL_Q (64 - HLL_P)
#define SPARSE_MAX 128u

typedef struct hll {
    uint64_t *set;   /* exact phase: open addressing over hashes (0 = empty), or NULL */
    uint8_t *regs;   /* sketch phase: HLL_M registers, or NULL */
    uint32_t n, cap; /* set entries, set slots */
} hll_t;

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = mix64(h ^ w) * UINT64_C(0x9e3779b97f4a7c15);
        p += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, n);
    return mix64(h ^ w ^ ((uint64_t)n << 56));
}

/* The hash of row i (non-NULL); equal values hash alike (0.0 and -0.0, NaNs). */
static uint64_t value_hash(const lh_vector_t *v, uint32_t i, lh_phys_t p)
{
    const void *x = lh__agg_at(v, i);
    uint64_t bits = 0;
    switch (p) {
    case LH_PHYS_STRING: {
        const lh_string_t *s = x;
        return hash_bytes((const uint8_t *)lh_string_data(s), s->len);
    }
    case LH_PHYS_INT128:
    case LH_PHYS_INTERVAL:
        return hash_bytes(x, 16);
    case LH_PHYS_FLOAT:
    case LH_PHYS_DOUBLE: {
        double d = p == LH_PHYS_FLOAT ? *(const float *)x : *(const double *)x;
        if (d == 0) d = 0;
        if (d != d) d = NAN;
        memcpy(&bits, &d, 8);
        return mix64(bits ^ UINT64_C(0x9e3779b97f4a7c15));
    }
    default:
        memcpy(&bits, x, lh_type_size(&v->type));
        return mix64(bits ^ UINT64_C(0x9e3779b97f4a7c15));
    }
}

static void hll_init(const void *bd, void *s)
{
    memset(s, 0, sizeof(hll_t));
}

static void regs_add(uint8_t *regs, uint64_t h)
{
    uint32_t idx = (uint32_t)(h >> HLL_Q);
    uint64_t rest = h << HLL_P;
    uint8_t rho = rest ? (uint8_t)(__builtin_clzll(rest) + 1) : HLL_Q + 1;
    if (rho > regs[idx]) regs[idx] = rho;
}

static int to_sketch(lh_sql_actx_t *c, hll_t *s)
{
    uint8_t *r = lh_arena_calloc(c->arena, HLL_M);
    if (!r) return lh__agg_oom(c);
    for (uint32_t i = 0; i < s->cap; i++)
        if (s->set[i]) regs_add(r, s->set[i]);
    s->regs = r;
    s->set = NULL;
    s->n = s->cap = 0;
    return 0;
}

static int set_add(lh_sql_actx_t *c, hll_t *s, uint64_t h);

static int set_grow(lh_sql_actx_t *c, hll_t *s)
{
    uint32_t cap = s->cap ? s->cap * 2 : 8;
    uint64_t *old = s->set;
    uint32_t oldcap = s->cap;
    s->set = lh_arena_calloc(c->arena, cap * sizeof *s->set);
    if (!s->set) return lh__agg_oom(c);
    s->cap = cap;
    s->n = 0;
    for (uint32_t i = 0; i < oldcap; i++)
        if (old[i]) set_add(c, s, old[i]);
    return 0;
}

/* Adds a hash (0 stands for 1: 0 marks an empty slot). */
static int set_add(lh_sql_actx_t *c, hll_t *s, uint64_t h)
{
    if (!h) h = 1;
    if (s->regs) {
        regs_add(s->regs, h);
        return 0;
    }
    if ((s->n + 1) * 2 > s->cap) {
        int rc = s->n >= SPARSE_MAX ? to_sketch(c, s) : set_grow(c, s);
        if (rc) return rc;
        if (s->regs) {
            regs_add(s->regs, h);
            return 0;
        }
    }
    uint32_t i = (uint32_t)(mix64(h) & (s->cap - 1));
    while (s->set[i] && s->set[i] != h)
        i = (i + 1) & (s->cap - 1);
    if (!s->set[i]) {
        s->set[i] = h;
        s->n++;
    }
    return 0;
}

static int hll_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void **st)
{
    lh_phys_t p = lh_type_physical(&a[0].type);
    for (uint32_t i = 0; i < n; i++) {
        if (!lh_vector_is_valid(&a[0], i)) continue;
        int rc = set_add(c, st[i], value_hash(&a[0], i, p));
        if (rc) return rc;
    }
    return 0;
}

static int hll_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    const hll_t *a = src;
    hll_t *b = dst;
    if (a->regs) {
        if (!b->regs) {
            int rc = to_sketch(c, b);
            if (rc) return rc;
        }
        for (uint32_t i = 0; i < HLL_M; i++)
            if (a->regs[i] > b->regs[i]) b->regs[i] = a->regs[i];
        return 0;
    }
    for (uint32_t i = 0; i < a->cap; i++)
        if (a->set[i]) {
            int rc = set_add(c, b, a->set[i]);
            if (rc) return rc;
        }
    return 0;
}

static double sigma(double x)
{
    if (x == 1) return INFINITY;
    double y = 1, z = x, prev;
    do {
        x *= x;
        prev = z;
        z += x * y;
        y += y;
    } while (z != prev);
    return z;
}

static double tau(double x)
{
    if (x == 0 || x == 1) return 0;
    double y = 1, z = 1 - x, prev;
    do {
        x = sqrt(x);
        prev = z;
        y *= 0.5;
        z -= (1 - x) * (1 - x) * y;
    } while (z != prev);
    return z / 3;
}

/* Ertl's improved raw estimate from the register histogram. */
static int64_t estimate(const uint8_t *regs)
{
    uint32_t hist[HLL_Q + 2] = {0};
    for (uint32_t i = 0; i < HLL_M; i++)
        hist[regs[i]]++;
    const double m = HLL_M;
    double z = m * tau(1 - hist[HLL_Q + 1] / m);
    for (int k = HLL_Q; k >= 1; k--)
        z = 0.5 * (z + hist[k]);
    z += m * sigma(hist[0] / m);
    return llround(m * m / (2 * log(2)) / z);
}

static int hll_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    int64_t *d = out->data;
    for (uint32_t i = 0; i < n; i++) {
        const hll_t *s = st[i];
        d[i] = s->regs ? estimate(s->regs) : s->n;
    }
    return 0;
}

static const lh_sql_agg_t hll_agg = {.state_size = sizeof(hll_t),
                                     .init = hll_init,
                                     .update = hll_update,
                                     .combine = hll_combine,
                                     .finalize = hll_final};

static int hll_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    if (call->nargs != 1) return lh__bind_no_match(call, err);
    if (lh_type_is_nested(&call->args[0].type))
        return lh_sql_err(err, LH_EINVAL, LH_SQL_ENOTIMPL, call->pos,
                          "%s over nested types is not implemented", call->name);
    call->ret = lh_type(LH_TYPE_BIGINT);
    call->agg = &hll_agg;
    return 0;
}

static const lh_sql_func_def_t defs[] = {
    {.name = "approx_count_distinct",
     .kind = LH_SQL_FUNC_AGGREGATE,
     .flags = LH_SQL_FUNC_SPECIAL_NULLS,
     .bind = hll_bind,
     .doc = "estimated number of distinct non-NULL values (HyperLogLog, ~1.6% error)"},
};
const lh__func_table_t lh__agg_hll_funcs = {.defs = defs, .n = LH__COUNT(defs)};
