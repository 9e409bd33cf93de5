/* The basic aggregates: count(*), count(x), sum, avg, min, max, with
 * DuckDB's result types (sum of integers is HUGEINT, of DECIMAL(p,s) is
 * DECIMAL(38,s), of floats DOUBLE; avg is DOUBLE; min/max keep the type).
 * NULL arguments are skipped; over no rows count is 0 and the others NULL. */
#include <math.h>
#include <string.h>

#include "sql/func/agg_int.h"
#include "sql/func/func.h"
#include "sql/func/func_int.h"

/* ---- count ---- */

static void count_init(const void *bd, void *s)
{
    *(int64_t *)s = 0;
}

static int count_star_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n,
                             void **st)
{
    for (uint32_t i = 0; i < n; i++)
        (*(int64_t *)st[i])++;
    return 0;
}

static int count_star_one(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void *s)
{
    *(int64_t *)s += n;
    return 0;
}

static int count_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void **st)
{
    for (uint32_t i = 0; i < n; i++)
        *(int64_t *)st[i] += lh_vector_is_valid(&a[0], i);
    return 0;
}

static int count_one(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void *s)
{
    if (a[0].kind == LH_VECTOR_CONSTANT) {
        *(int64_t *)s += lh_vector_is_valid(&a[0], 0) ? n : 0;
        return 0;
    }
    *(int64_t *)s += n - lh_vector_null_count(&a[0], n);
    return 0;
}

static int count_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    *(int64_t *)dst += *(const int64_t *)src;
    return 0;
}

static int count_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    int64_t *d = out->data;
    for (uint32_t i = 0; i < n; i++)
        d[i] = *(const int64_t *)st[i];
    return 0;
}

static const lh_sql_agg_t count_star_agg = {.state_size = 8,
                                            .init = count_init,
                                            .update = count_star_update,
                                            .update_one = count_star_one,
                                            .combine = count_combine,
                                            .finalize = count_final};
static const lh_sql_agg_t count_agg = {.state_size = 8,
                                       .init = count_init,
                                       .update = count_update,
                                       .update_one = count_one,
                                       .combine = count_combine,
                                       .finalize = count_final};

static int count_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    if (call->nargs > 1)
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EBIND, call->pos,
                          "count takes at most one argument");
    call->ret = lh_type(LH_TYPE_BIGINT);
    call->agg = call->nargs ? &count_agg : &count_star_agg;
    return 0;
}

/* ---- sum / avg over exact numbers (int128) and floats (double) ---- */

typedef struct num_state {
    lh_int128_t i;
    double d;
    int64_t n;
} num_state_t;

static void num_init(const void *bd, void *s)
{
    memset(s, 0, sizeof(num_state_t));
}

/* Reads row i of an exact-number vector as int128 (integers, DECIMAL). */
static lh_int128_t exact_at(const lh_vector_t *v, uint32_t i)
{
    uint32_t r = v->kind == LH_VECTOR_CONSTANT ? 0 : i;
    switch (lh_type_physical(&v->type)) {
    case LH_PHYS_INT8:
        return ((const int8_t *)v->data)[r];
    case LH_PHYS_INT16:
        return ((const int16_t *)v->data)[r];
    case LH_PHYS_INT32:
        return ((const int32_t *)v->data)[r];
    case LH_PHYS_INT64:
        return ((const int64_t *)v->data)[r];
    case LH_PHYS_UINT8:
        return ((const uint8_t *)v->data)[r];
    case LH_PHYS_UINT16:
        return ((const uint16_t *)v->data)[r];
    case LH_PHYS_UINT32:
        return ((const uint32_t *)v->data)[r];
    case LH_PHYS_UINT64:
        return ((const uint64_t *)v->data)[r];
    case LH_PHYS_INT128:
        return ((const lh_int128_t *)v->data)[r];
    default:
        return 0;
    }
}

static double float_at(const lh_vector_t *v, uint32_t i)
{
    uint32_t r = v->kind == LH_VECTOR_CONSTANT ? 0 : i;
    if (lh_type_physical(&v->type) == LH_PHYS_FLOAT) return ((const float *)v->data)[r];
    return ((const double *)v->data)[r];
}

/* The common case: a flat INT32/INT64 vector, one branch per row at most. */
#define FOLD_FLAT(T, field)                                                                        \
    do {                                                                                           \
        const T *d = v->data;                                                                      \
        for (uint32_t i = 0; i < n; i++) {                                                         \
            if (i + 8 < n) __builtin_prefetch(st[i + 8], 1);                                       \
            if (v->validity && !lh_validity_get(v->validity, i)) continue;                         \
            num_state_t *s = st[i];                                                                \
            s->field += d[i];                                                                      \
            s->n++;                                                                                \
        }                                                                                          \
        return 0;                                                                                  \
    } while (0)

static int exact_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void **st)
{
    const lh_vector_t *v = &a[0];
    if (v->kind == LH_VECTOR_FLAT && lh_type_physical(&v->type) == LH_PHYS_INT32)
        FOLD_FLAT(int32_t, i);
    if (v->kind == LH_VECTOR_FLAT && lh_type_physical(&v->type) == LH_PHYS_INT64)
        FOLD_FLAT(int64_t, i);
    for (uint32_t i = 0; i < n; i++) {
        /* a table of many groups: each row's state is a cache miss of its own */
        if (i + 8 < n) __builtin_prefetch(st[i + 8], 1);
        if (!lh_vector_is_valid(&a[0], i)) continue;
        num_state_t *s = st[i];
        s->i += exact_at(&a[0], i);
        s->n++;
    }
    return 0;
}

static int exact_one(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void *sp)
{
    num_state_t *s = sp;
    const lh_vector_t *v = &a[0];
    if (!v->validity && v->kind == LH_VECTOR_FLAT) {
        lh_int128_t acc = 0;
        switch (lh_type_physical(&v->type)) {
        case LH_PHYS_INT32:
            for (uint32_t i = 0; i < n; i++)
                acc += ((const int32_t *)v->data)[i];
            break;
        case LH_PHYS_INT64:
            for (uint32_t i = 0; i < n; i++)
                acc += ((const int64_t *)v->data)[i];
            break;
        default:
            for (uint32_t i = 0; i < n; i++)
                acc += exact_at(v, i);
        }
        s->i += acc;
        s->n += n;
        return 0;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!lh_vector_is_valid(v, i)) continue;
        s->i += exact_at(v, i);
        s->n++;
    }
    return 0;
}

static int float_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void **st)
{
    const lh_vector_t *v = &a[0];
    if (v->kind == LH_VECTOR_FLAT && lh_type_physical(&v->type) == LH_PHYS_DOUBLE)
        FOLD_FLAT(double, d);
    for (uint32_t i = 0; i < n; i++) {
        if (!lh_vector_is_valid(&a[0], i)) continue;
        num_state_t *s = st[i];
        s->d += float_at(&a[0], i);
        s->n++;
    }
    return 0;
}

static int float_one(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void *sp)
{
    num_state_t *s = sp;
    for (uint32_t i = 0; i < n; i++) {
        if (!lh_vector_is_valid(&a[0], i)) continue;
        s->d += float_at(&a[0], i);
        s->n++;
    }
    return 0;
}

static int num_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    const num_state_t *a = src;
    num_state_t *b = dst;
    b->i += a->i;
    b->d += a->d;
    b->n += a->n;
    return 0;
}

static int sum_exact_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    bool wide = lh_type_physical(&out->type) == LH_PHYS_INT128;
    for (uint32_t i = 0; i < n; i++) {
        const num_state_t *s = st[i];
        if (!s->n) {
            lh_vector_set_null(out, i);
            continue;
        }
        if (wide)
            ((lh_int128_t *)out->data)[i] = s->i;
        else
            ((int64_t *)out->data)[i] = (int64_t)s->i;
    }
    return 0;
}

static int sum_float_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        const num_state_t *s = st[i];
        if (!s->n)
            lh_vector_set_null(out, i);
        else
            ((double *)out->data)[i] = s->d;
    }
    return 0;
}

static int avg_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    const int *scale = c->bind_data;
    for (uint32_t i = 0; i < n; i++) {
        const num_state_t *s = st[i];
        if (!s->n) {
            lh_vector_set_null(out, i);
            continue;
        }
        double v = scale ? (double)s->i / pow(10, *scale) / (double)s->n : s->d / (double)s->n;
        ((double *)out->data)[i] = v;
    }
    return 0;
}

static const lh_sql_agg_t sum_exact_agg = {.state_size = sizeof(num_state_t),
                                           .init = num_init,
                                           .update = exact_update,
                                           .update_one = exact_one,
                                           .combine = num_combine,
                                           .finalize = sum_exact_final};
static const lh_sql_agg_t sum_float_agg = {.state_size = sizeof(num_state_t),
                                           .init = num_init,
                                           .update = float_update,
                                           .update_one = float_one,
                                           .combine = num_combine,
                                           .finalize = sum_float_final};
static const lh_sql_agg_t avg_exact_agg = {.state_size = sizeof(num_state_t),
                                           .init = num_init,
                                           .update = exact_update,
                                           .update_one = exact_one,
                                           .combine = num_combine,
                                           .finalize = avg_final};
static const lh_sql_agg_t avg_float_agg = {.state_size = sizeof(num_state_t),
                                           .init = num_init,
                                           .update = float_update,
                                           .update_one = float_one,
                                           .combine = num_combine,
                                           .finalize = avg_final};

static int numeric_arg(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    if (call->nargs != 1)
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EBIND, call->pos, "%s takes one argument",
                          call->name);
    const lh_type_t *t = &call->args[0].type;
    if (call->args[0].flags & (LH_SQL_ARG_NULL_LITERAL | LH_SQL_ARG_STRING_LITERAL)) {
        call->cast_to[0] = lh_type(LH_TYPE_DOUBLE);
        return 1;
    }
    if (lh_type_is_integer(t) || t->id == LH_TYPE_DECIMAL) return 0;
    if (t->id == LH_TYPE_FLOAT || t->id == LH_TYPE_DOUBLE) return 1;
    return lh_sql_err(err, LH_EINVAL, LH_SQL_EBIND, call->pos,
                      "No function matches the given name and argument types '%s(%s)'. You "
                      "might need to add explicit type casts.",
                      call->name, lh_type_id_name((lh_type_id_t)t->id));
}

static int sum_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    int k = numeric_arg(call, err);
    if (k < 0) return k;
    const lh_type_t *t = &call->args[0].type;
    if (k == 1) {
        call->ret = lh_type(LH_TYPE_DOUBLE);
        call->agg = &sum_float_agg;
    } else {
        call->ret =
            t->id == LH_TYPE_DECIMAL ? lh_type_decimal(38, t->scale) : lh_type(LH_TYPE_HUGEINT);
        call->agg = &sum_exact_agg;
    }
    return 0;
}

static int avg_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    int k = numeric_arg(call, err);
    if (k < 0) return k;
    call->ret = lh_type(LH_TYPE_DOUBLE);
    if (k == 1) {
        call->agg = &avg_float_agg;
        return 0;
    }
    int *scale = lh_arena_alloc(call->arena, sizeof *scale);
    if (!scale) return LH_ENOMEM;
    *scale = call->args[0].type.id == LH_TYPE_DECIMAL ? call->args[0].type.scale : 0;
    call->bind_data = scale;
    call->agg = &avg_exact_agg;
    return 0;
}

/* ---- min / max over any scalar type ---- */

typedef struct minmax_state {
    bool has;
    uint8_t val[16] __attribute__((aligned(16)));
} minmax_state_t;

static void mm_init(const void *bd, void *s)
{
    memset(s, 0, sizeof(minmax_state_t));
}

static int mm_fold(lh_sql_actx_t *c, minmax_state_t *s, const lh_vector_t *v, uint32_t i, int sign)
{
    const lh_vector_t *vals = lh_vector_values(v);
    uint32_t r = lh_vector_row(v, i);
    lh_phys_t p = lh_type_physical(&v->type);
    size_t w = lh_type_size(&v->type);
    const uint8_t *x = (const uint8_t *)vals->data + (size_t)r * w;
    if (s->has && lh__agg_cmp(p, x, s->val) * sign <= 0) return 0;
    memcpy(s->val, x, w);
    s->has = true;
    return p == LH_PHYS_STRING ? lh__agg_keep_string(c, (lh_string_t *)s->val) : 0;
}

static int mm_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t n, void **st, int sign)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!lh_vector_is_valid(&a[0], i)) continue;
        int rc = mm_fold(c, st[i], &a[0], i, sign);
        if (rc) return rc;
    }
    return 0;
}

static int min_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void **st)
{
    return mm_update(c, a, n, st, -1);
}

static int max_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void **st)
{
    return mm_update(c, a, n, st, 1);
}

static int min_one(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void *s)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!lh_vector_is_valid(&a[0], i)) continue;
        int rc = mm_fold(c, s, &a[0], i, -1);
        if (rc) return rc;
    }
    return 0;
}

static int max_one(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void *s)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!lh_vector_is_valid(&a[0], i)) continue;
        int rc = mm_fold(c, s, &a[0], i, 1);
        if (rc) return rc;
    }
    return 0;
}

static int mm_combine_sign(lh_sql_actx_t *c, const void *src, void *dst, int sign, lh_phys_t p)
{
    const minmax_state_t *a = src;
    minmax_state_t *b = dst;
    if (!a->has) return 0;
    if (!b->has || lh__agg_cmp(p, a->val, b->val) * sign > 0) *b = *a;
    return 0;
}

static int min_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    return mm_combine_sign(c, src, dst, -1, (lh_phys_t)(uintptr_t)c->bind_data);
}

static int max_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    return mm_combine_sign(c, src, dst, 1, (lh_phys_t)(uintptr_t)c->bind_data);
}

static int mm_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    size_t w = lh_type_size(&out->type);
    for (uint32_t i = 0; i < n; i++) {
        const minmax_state_t *s = st[i];
        if (!s->has) {
            lh_vector_set_null(out, i);
            continue;
        }
        if (lh_type_physical(&out->type) == LH_PHYS_STRING) {
            const lh_string_t *str = (const lh_string_t *)s->val;
            int rc = lh_vector_set_string(out, i, lh_string_data(str), str->len);
            if (rc) return lh_sql_err(c->err, rc, LH_SQL_EOOM, c->pos, "out of memory");
        } else
            memcpy((uint8_t *)out->data + i * w, s->val, w);
    }
    return 0;
}

static const lh_sql_agg_t min_agg = {.state_size = sizeof(minmax_state_t),
                                     .init = mm_init,
                                     .update = min_update,
                                     .update_one = min_one,
                                     .combine = min_combine,
                                     .finalize = mm_final};
static const lh_sql_agg_t max_agg = {.state_size = sizeof(minmax_state_t),
                                     .init = mm_init,
                                     .update = max_update,
                                     .update_one = max_one,
                                     .combine = max_combine,
                                     .finalize = mm_final};

static int minmax_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    if (call->nargs != 1)
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EBIND, call->pos, "%s takes one argument",
                          call->name);
    const lh_type_t *t = &call->args[0].type;
    if (lh_type_is_nested(t))
        return lh_sql_err(err, LH_EINVAL, LH_SQL_ENOTIMPL, call->pos,
                          "%s over nested types is not implemented", call->name);
    call->ret = *t;
    call->bind_data = (void *)(uintptr_t)lh_type_physical(t);
    call->agg = (call->name[1] == 'i' || call->name[1] == 'I') ? &min_agg : &max_agg;
    return 0;
}

static const lh_sql_func_def_t defs[] = {
    {.name = "count",
     .kind = LH_SQL_FUNC_AGGREGATE,
     .flags = LH_SQL_FUNC_SPECIAL_NULLS,
     .bind = count_bind,
     .doc = "count(*): rows; count(x): rows where x is not NULL"},
    {.name = "count_star",
     .kind = LH_SQL_FUNC_AGGREGATE,
     .flags = LH_SQL_FUNC_SPECIAL_NULLS,
     .bind = count_bind,
     .doc = "count_star(): rows"},
    {.name = "sum",
     .kind = LH_SQL_FUNC_AGGREGATE,
     .bind = sum_bind,
     .doc = "sum of the non-NULL values (HUGEINT for integers, DECIMAL(38,s), DOUBLE)"},
    {.name = "avg",
     .kind = LH_SQL_FUNC_AGGREGATE,
     .bind = avg_bind,
     .doc = "average of the non-NULL values, as DOUBLE"},
    {.name = "mean", .kind = LH_SQL_FUNC_AGGREGATE, .bind = avg_bind, .doc = "avg"},
    {.name = "min",
     .kind = LH_SQL_FUNC_AGGREGATE,
     .bind = minmax_bind,
     .doc = "smallest non-NULL value"},
    {.name = "max",
     .kind = LH_SQL_FUNC_AGGREGATE,
     .bind = minmax_bind,
     .doc = "largest non-NULL value"},
};
const lh__func_table_t lh__agg_basic_funcs = {.defs = defs, .n = LH__COUNT(defs)};
