/* Order statistics: median, quantile_cont(x, q), quantile_disc(x, q)
 * (quantile), and mode. Each state keeps the group's non-NULL values in an
 * array on the heap (freed by its destroy); finalize finds the order statistics it needs
 * by quickselect (mode sorts).
 *
 * DuckDB's rules: q is a constant in [-1, 1] (a negative q counts from the
 * top). quantile_cont interpolates at RN = (n - 1) * q between the values at
 * floor(RN) and ceil(RN): integers as DOUBLE, FLOAT/DOUBLE in their type,
 * DECIMAL, TIME and TIMESTAMP as lo + trunc((hi - lo) * frac) in their own
 * type, DATE as TIMESTAMP. quantile_disc takes the value at index
 * max(1, ceil(n * q)) - 1 with q read as its shortest decimal (exact
 * arithmetic, so 0.7 of 10 values is the 7th), any type, its own type out.
 * median is quantile_cont(x, 0.5) where that interpolates, else
 * quantile_disc(x, 0.5) (VARCHAR, BOOLEAN, INTERVAL). mode is the most
 * frequent value, ties going to the value seen first. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sql/func/agg_int.h"

enum { Q_CONT, Q_DISC, Q_MODE };
enum { I_DOUBLE, I_FLOAT, I_INT64, I_INT128 }; /* how quantile_cont interpolates */

typedef struct qbind {
    lh_phys_t phys;
    uint32_t w;      /* bytes of a value; mode adds an 8-byte sequence number */
    uint8_t kind;    /* Q_* */
    uint8_t interp;  /* I_* */
    bool desc;       /* q < 0 */
    double q;        /* |q| */
    lh_int128_t num; /* |q| = num / 10^scale exactly (its shortest decimal) */
    int scale;
} qbind_t;

typedef struct qstate {
    lh__agg_vec_t v;
} qstate_t;

static void q_init(const void *bd, void *s)
{
    memset(s, 0, sizeof(qstate_t));
}

static size_t elem_size(const qbind_t *b)
{
    return b->w + (b->kind == Q_MODE ? 8 : 0);
}

static int q_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void **st)
{
    const qbind_t *b = c->bind_data;
    size_t ew = elem_size(b);
    for (uint32_t i = 0; i < n; i++) {
        if (!lh_vector_is_valid(&a[0], i)) continue;
        qstate_t *s = st[i];
        uint64_t seq = s->v.n;
        uint8_t *e = lh__agg_vec_push(c, &s->v, ew);
        if (!e) return LH_ENOMEM;
        memcpy(e, lh__agg_at(&a[0], i), b->w);
        if (b->kind == Q_MODE) memcpy(e + b->w, &seq, 8);
        if (b->phys == LH_PHYS_STRING && lh__agg_keep_string(c, (lh_string_t *)e)) return LH_ENOMEM;
    }
    return 0;
}

static int q_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    const qbind_t *b = c->bind_data;
    const qstate_t *x = src;
    qstate_t *y = dst;
    size_t ew = elem_size(b);
    uint32_t base = y->v.n;
    int rc = lh__agg_vec_append(c, &y->v, &x->v, ew);
    if (rc) return rc;
    for (uint32_t i = base; i < y->v.n; i++) {
        uint8_t *e = y->v.p + (size_t)i * ew;
        if (b->phys == LH_PHYS_STRING && lh__agg_keep_string(c, (lh_string_t *)e)) return LH_ENOMEM;
        if (b->kind == Q_MODE) {
            uint64_t seq;
            memcpy(&seq, e + b->w, 8);
            seq += base;
            memcpy(e + b->w, &seq, 8);
        }
    }
    return 0;
}

static int elem_cmp(const void *x, const void *y, void *arg)
{
    const qbind_t *b = arg;
    int r = lh__agg_cmp(b->phys, x, y);
    if (r || b->kind != Q_MODE) return r;
    uint64_t sx, sy;
    memcpy(&sx, (const uint8_t *)x + b->w, 8);
    memcpy(&sy, (const uint8_t *)y + b->w, 8);
    return (sx > sy) - (sx < sy);
}

static int64_t int_at(lh_phys_t p, const void *x)
{
    switch (p) {
    case LH_PHYS_INT16:
        return *(const int16_t *)x;
    case LH_PHYS_INT32:
        return *(const int32_t *)x;
    default:
        return *(const int64_t *)x;
    }
}

/* Writes lo + (hi - lo) * d into *out (a value of the result type). */
static void interpolate(const qbind_t *b, const void *lo, const void *hi, double d, void *out)
{
    switch (b->interp) {
    case I_FLOAT: {
        float l = *(const float *)lo, delta = *(const float *)hi - l;
        *(float *)out = (float)(l + delta * d);
        break;
    }
    case I_INT64: {
        int64_t l = int_at(b->phys, lo), delta = int_at(b->phys, hi) - l;
        int64_t r = l + (int64_t)((double)delta * d);
        if (b->phys == LH_PHYS_INT16)
            *(int16_t *)out = (int16_t)r;
        else if (b->phys == LH_PHYS_INT32)
            *(int32_t *)out = (int32_t)r;
        else
            *(int64_t *)out = r;
        break;
    }
    case I_INT128: {
        lh_int128_t l = *(const lh_int128_t *)lo, delta = *(const lh_int128_t *)hi - l;
        *(lh_int128_t *)out = l + (lh_int128_t)((double)delta * d);
        break;
    }
    default: {
        double l = *(const double *)lo;
        *(double *)out = l + (*(const double *)hi - l) * d;
    }
    }
}

/* Index of the k-th value in ascending order from the requested end. */
static inline uint32_t from_end(const qbind_t *b, uint32_t n, uint64_t k)
{
    return b->desc ? (uint32_t)(n - 1 - k) : (uint32_t)k;
}

static uint32_t disc_index(const qbind_t *b, uint32_t n)
{
    lh_int128_t den = lh__pow10(b->scale), prod = (lh_int128_t)n * b->num;
    lh_int128_t pos = prod / den + (prod % den != 0); /* ceil(n * q) */
    if (pos < 1) pos = 1;
    return from_end(b, n, (uint64_t)(pos - 1));
}

/* The most frequent value of sorted (value, first row) pairs. */
static const uint8_t *mode_of(const qbind_t *b, const uint8_t *p, uint32_t n)
{
    size_t ew = elem_size(b);
    const uint8_t *best = NULL;
    uint64_t best_n = 0, best_seq = 0;
    for (uint32_t i = 0; i < n;) {
        uint32_t j = i + 1;
        while (j < n && !lh__agg_cmp(b->phys, p + (size_t)i * ew, p + (size_t)j * ew))
            j++;
        uint64_t seq;
        memcpy(&seq, p + (size_t)i * ew + b->w, 8);
        if (j - i > best_n || (j - i == best_n && seq < best_seq)) {
            best = p + (size_t)i * ew;
            best_n = j - i;
            best_seq = seq;
        }
        i = j;
    }
    return best;
}

static int put(lh_sql_actx_t *c, const qbind_t *b, lh_vector_t *out, uint32_t i, const void *v)
{
    if (b->phys == LH_PHYS_STRING) {
        const lh_string_t *s = v;
        return lh_vector_set_string(out, i, lh_string_data(s), s->len) ? lh__agg_oom(c) : 0;
    }
    memcpy((uint8_t *)out->data + (size_t)i * b->w, v, b->w);
    return 0;
}

static void swap_elems(uint8_t *x, uint8_t *y, size_t ew)
{
    uint8_t t[32];
    memcpy(t, x, ew);
    memcpy(x, y, ew);
    memcpy(y, t, ew);
}

/* Quickselect (no mode: elements of at most 16 bytes): reorders p[0..m) so
 * that p[k] holds the value a sort would put there, with nothing greater
 * before it and nothing smaller after it. Linear time on average. */
static void select_kth(const qbind_t *b, uint8_t *p, uint32_t m, uint32_t k)
{
    size_t ew = elem_size(b);
    int64_t lo = 0, hi = (int64_t)m - 1;
    uint8_t pivot[32];
#define E(i) (p + (size_t)(i)*ew)
    while (hi - lo >= 16) {
        int64_t mid = lo + (hi - lo) / 2;
        if (elem_cmp(E(mid), E(lo), (void *)b) < 0) swap_elems(E(mid), E(lo), ew);
        if (elem_cmp(E(hi), E(lo), (void *)b) < 0) swap_elems(E(hi), E(lo), ew);
        if (elem_cmp(E(hi), E(mid), (void *)b) < 0) swap_elems(E(hi), E(mid), ew);
        memcpy(pivot, E(mid), ew);
        int64_t i = lo, j = hi;
        while (i <= j) {
            while (elem_cmp(E(i), pivot, (void *)b) < 0)
                i++;
            while (elem_cmp(E(j), pivot, (void *)b) > 0)
                j--;
            if (i <= j) swap_elems(E(i++), E(j--), ew);
        }
        if ((int64_t)k <= j)
            hi = j;
        else if ((int64_t)k >= i)
            lo = i;
        else
            return; /* between the halves: equal to the pivot */
    }
    for (int64_t i = lo + 1; i <= hi; i++) /* a short range: insertion sort */
        for (int64_t j = i; j > lo && elem_cmp(E(j - 1), E(j), (void *)b) > 0; j--)
            swap_elems(E(j - 1), E(j), ew);
#undef E
}

/* The least (dir 1) or greatest (dir -1) of the n > 0 elements at p. */
static const uint8_t *extreme(const qbind_t *b, const uint8_t *p, uint32_t n, int dir)
{
    size_t ew = elem_size(b);
    const uint8_t *best = p;
    for (uint32_t i = 1; i < n; i++)
        if (elem_cmp(p + (size_t)i * ew, best, (void *)b) * dir < 0) best = p + (size_t)i * ew;
    return best;
}

static int q_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    const qbind_t *b = c->bind_data;
    size_t ew = elem_size(b);
    for (uint32_t i = 0; i < n; i++) {
        qstate_t *s = st[i];
        uint32_t m = s->v.n;
        if (!m) {
            lh_vector_set_null(out, i);
            continue;
        }
        uint8_t *p = s->v.p;
        int rc;
        if (b->kind == Q_MODE) {
            qsort_r(s->v.p, m, ew, elem_cmp, (void *)b);
            rc = put(c, b, out, i, mode_of(b, p, m));
        } else if (b->kind == Q_DISC) {
            uint32_t k = disc_index(b, m);
            select_kth(b, p, m, k);
            rc = put(c, b, out, i, p + (size_t)k * ew);
        } else {
            double rn = (double)(m - 1) * b->q, frn = floor(rn), crn = ceil(rn);
            uint32_t k = from_end(b, m, (uint64_t)frn), k2 = from_end(b, m, (uint64_t)crn);
            select_kth(b, p, m, k);
            const uint8_t *lo = p + (size_t)k * ew, *hi = lo;
            if (k2 > k) /* the next value up: the least of those after k */
                hi = extreme(b, p + (size_t)(k + 1) * ew, m - k - 1, 1);
            else if (k2 < k) /* the next value down: the greatest of those before k */
                hi = extreme(b, p, k, -1);
            uint8_t v[16] __attribute__((aligned(16)));
            if (frn == crn)
                memcpy(v, lo, b->w);
            else
                interpolate(b, lo, hi, rn - frn, v);
            rc = put(c, b, out, i, v);
        }
        if (rc) return rc;
    }
    return 0;
}

static void q_destroy(void *s)
{
    lh__agg_vec_free(&((qstate_t *)s)->v);
}

static const lh_sql_agg_t q_agg = {.state_size = sizeof(qstate_t),
                                   .init = q_init,
                                   .update = q_update,
                                   .combine = q_combine,
                                   .finalize = q_final,
                                   .destroy = q_destroy};

/* ---- binding ---- */

/* How quantile_cont treats type t: 0 with *to and b->interp set, or -1 when
 * it does not interpolate. */
static int cont_type(const lh_sql_arg_t *a, lh_type_t *to, qbind_t *b)
{
    const lh_type_t *t = &a->type;
    if (lh_type_is_integer(t) || (a->flags & LH_SQL_ARG_NULL_LITERAL)) {
        *to = lh_type(LH_TYPE_DOUBLE);
        b->interp = I_DOUBLE;
        return 0;
    }
    *to = *t;
    switch (t->id) {
    case LH_TYPE_DOUBLE:
        b->interp = I_DOUBLE;
        return 0;
    case LH_TYPE_FLOAT:
        b->interp = I_FLOAT;
        return 0;
    case LH_TYPE_DECIMAL:
        b->interp = lh_type_physical(t) == LH_PHYS_INT128 ? I_INT128 : I_INT64;
        return 0;
    case LH_TYPE_DATE:
        *to = lh_type(LH_TYPE_TIMESTAMP);
        b->interp = I_INT64;
        return 0;
    case LH_TYPE_TIME:
    case LH_TYPE_TIMESTAMP:
    case LH_TYPE_TIMESTAMP_TZ:
        b->interp = I_INT64;
        return 0;
    default:
        return -1;
    }
}

/* |q| as its shortest decimal num / 10^scale. */
static void exact_q(qbind_t *b)
{
    for (int s = 0; s <= 17; s++) {
        double p = pow(10, s), r = nearbyint(b->q * p);
        if (r / p == b->q) {
            b->num = (lh_int128_t)r;
            b->scale = s;
            return;
        }
    }
    b->num = (lh_int128_t)nearbyint(b->q * 1e17);
    b->scale = 17;
}

static int q_param(lh_sql_bind_call_t *call, qbind_t *b, lh_sql_error_t *err)
{
    const lh_sql_arg_t *a = &call->args[1];
    if (!(a->flags & (LH_SQL_ARG_CONSTANT | LH_SQL_ARG_INTEGER_LITERAL | LH_SQL_ARG_NULL_LITERAL)))
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EBIND, call->pos,
                          "QUANTILE can only take constant parameters");
    if (a->value.is_null || (a->flags & LH_SQL_ARG_NULL_LITERAL))
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EBIND, call->pos,
                          "QUANTILE argument must not be NULL");
    if (a->type.id == LH_TYPE_LIST)
        return lh_sql_err(err, LH_EINVAL, LH_SQL_ENOTIMPL, call->pos,
                          "a list of quantiles is not implemented");
    lh_value_t d;
    const lh_type_t dbl = lh_type(LH_TYPE_DOUBLE);
    int rc = lh_sql_cast_value(&a->value, &dbl, false, call->arena, &d, call->pos, err);
    if (rc) return rc;
    if (!(d.v.d >= -1 && d.v.d <= 1))
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EBIND, call->pos,
                          "QUANTILE can only take parameters in the range [-1, 1]");
    b->desc = d.v.d < 0;
    b->q = fabs(d.v.d);
    lh_int128_t unscaled;
    int scale;
    if (lh_value_exact(&a->value, &unscaled, &scale) == 0 && scale <= 18) {
        b->num = unscaled < 0 ? -unscaled : unscaled;
        b->scale = scale;
    } else
        exact_q(b);
    return 0;
}

static int q_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err, int kind, bool median)
{
    if (call->nargs != (median || kind == Q_MODE ? 1u : 2u)) return lh__bind_no_match(call, err);
    const lh_type_t *t = &call->args[0].type;
    if (lh_type_is_nested(t))
        return lh_sql_err(err, LH_EINVAL, LH_SQL_ENOTIMPL, call->pos,
                          "%s over nested types is not implemented", call->name);
    qbind_t *b = lh_arena_calloc(call->arena, sizeof *b);
    if (!b) return LH_ENOMEM;
    b->kind = (uint8_t)kind;
    if (median) {
        b->q = 0.5;
        b->num = 5;
        b->scale = 1;
    } else if (kind != Q_MODE) {
        int rc = q_param(call, b, err);
        if (rc) return rc;
    }
    lh_type_t to = *t;
    if (kind == Q_CONT && cont_type(&call->args[0], &to, b) < 0) {
        if (!median) return lh__bind_no_match(call, err);
        b->kind = Q_DISC;
    }
    call->cast_to[0] = to;
    b->phys = lh_type_physical(&to);
    b->w = (uint32_t)lh_type_size(&to);
    call->ret = to;
    call->bind_data = b;
    call->agg = &q_agg;
    return 0;
}

static int median_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    return q_bind(call, err, Q_CONT, true);
}
static int cont_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    return q_bind(call, err, Q_CONT, false);
}
static int disc_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    return q_bind(call, err, Q_DISC, false);
}
static int mode_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    return q_bind(call, err, Q_MODE, false);
}

#define QDEF(NAME, BIND, DOC)                                                                      \
    {                                                                                              \
        .name = NAME, .kind = LH_SQL_FUNC_AGGREGATE, .flags = LH_SQL_FUNC_SPECIAL_NULLS,           \
        .bind = BIND, .doc = DOC                                                                   \
    }

static const lh_sql_func_def_t defs[] = {
    QDEF("median", median_bind, "the middle value (interpolated for numbers and times)"),
    QDEF("quantile_cont", cont_bind, "quantile_cont(x, q): the interpolated q-quantile"),
    QDEF("quantile_disc", disc_bind, "quantile_disc(x, q): the q-quantile, a value of x"),
    QDEF("quantile", disc_bind, "quantile_disc"),
    QDEF("mode", mode_bind, "the most frequent non-NULL value (ties: the first seen)"),
};
const lh__func_table_t lh__agg_quantile_funcs = {.defs = defs, .n = LH__COUNT(defs)};
