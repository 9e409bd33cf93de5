/* The comparison operators = <> < <= > >= over every scalar type. The bind
 * casts both sides to their common type (lh_sql_common_type), so a kernel
 * sees one type on both sides; kernels are generated per physical type and
 * operator, with loops for a CONSTANT side. FLOAT/DOUBLE: NaN equals NaN and
 * is above every number (DuckDB); INTERVAL compares normalised (30 days = 1
 * month, 24 hours = 1 day); strings by unsigned bytes. */
#include <string.h>

#include "sql/func/func_int.h"

enum { EQ, NE, LT, LE, GT, GE, NOPS };

/* ---- three-way helpers for the types without native operators ---- */

static inline int fcmp(double a, double b)
{
    if (isnan(a) || isnan(b)) return isnan(a) - isnan(b);
    return (a > b) - (a < b);
}

static void iv_norm(lh_interval_t v, int64_t out[3])
{
    const int64_t day = LH_MICROS_PER_DAY, month = 30 * LH_MICROS_PER_DAY;
    int64_t m = v.months, d = v.days, us = v.micros;
    m += d / 30 + us / month;
    d = d % 30;
    us = us % month;
    d += us / day;
    us %= day;
    out[0] = m, out[1] = d, out[2] = us;
}

static inline int icmp(lh_interval_t a, lh_interval_t b)
{
    int64_t x[3], y[3];
    iv_norm(a, x);
    iv_norm(b, y);
    for (int i = 0; i < 3; i++)
        if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
    return 0;
}

static inline int scmp(const lh_string_t *a, const lh_string_t *b)
{
    return lh_string_compare(a, b);
}

/* ---- kernels ---- */

/* Loops over a CONSTANT or FLAT pair, evaluating EXPR on a and b. */
#define CMP_LOOP(T, EXPR)                                                                          \
    do {                                                                                           \
        const T *x_ = (const T *)args[0].data, *y_ = (const T *)args[1].data;                      \
        uint8_t *o_ = (uint8_t *)out->data;                                                        \
        bool c0_ = args[0].kind == LH_VECTOR_CONSTANT, c1_ = args[1].kind == LH_VECTOR_CONSTANT;   \
        if (c1_) {                                                                                 \
            T b = y_[0];                                                                           \
            for (uint32_t i = 0; i < count; i++) {                                                 \
                T a = x_[c0_ ? 0 : i];                                                             \
                o_[i] = (EXPR);                                                                    \
            }                                                                                      \
        } else if (c0_) {                                                                          \
            T a = x_[0];                                                                           \
            for (uint32_t i = 0; i < count; i++) {                                                 \
                T b = y_[i];                                                                       \
                o_[i] = (EXPR);                                                                    \
            }                                                                                      \
        } else {                                                                                   \
            for (uint32_t i = 0; i < count; i++) {                                                 \
                T a = x_[i], b = y_[i];                                                            \
                o_[i] = (EXPR);                                                                    \
            }                                                                                      \
        }                                                                                          \
        return 0;                                                                                  \
    } while (0)

#define KERNEL(NAME, T, EXPR)                                                                      \
    static int NAME(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,   \
                    lh_vector_t *out)                                                              \
    {                                                                                              \
        CMP_LOOP(T, EXPR);                                                                         \
    }

/* Native operators: one kernel per operator for type T. */
#define NATIVE(P, T)                                                                               \
    KERNEL(P##_eq, T, a == b)                                                                      \
    KERNEL(P##_ne, T, a != b)                                                                      \
    KERNEL(P##_lt, T, a < b)                                                                       \
    KERNEL(P##_le, T, a <= b)                                                                      \
    KERNEL(P##_gt, T, a > b)                                                                       \
    KERNEL(P##_ge, T, a >= b)

/* Three-way comparison C(a, b). */
#define THREEWAY(P, T, C)                                                                          \
    KERNEL(P##_eq, T, C == 0)                                                                      \
    KERNEL(P##_ne, T, C != 0)                                                                      \
    KERNEL(P##_lt, T, C < 0)                                                                       \
    KERNEL(P##_le, T, C <= 0)                                                                      \
    KERNEL(P##_gt, T, C > 0)                                                                       \
    KERNEL(P##_ge, T, C >= 0)

NATIVE(i8, int8_t)
NATIVE(i16, int16_t)
NATIVE(i32, int32_t)
NATIVE(i64, int64_t)
NATIVE(u8, uint8_t)
NATIVE(u16, uint16_t)
NATIVE(u32, uint32_t)
NATIVE(u64, uint64_t)
NATIVE(i128, lh_int128_t)
THREEWAY(f32, float, fcmp(a, b))
THREEWAY(f64, double, fcmp(a, b))
THREEWAY(itv, lh_interval_t, icmp(a, b))

/* Strings: NULL rows are skipped (their views may dangle). */
#define STR_KERNEL(NAME, EXPR)                                                                     \
    static int NAME(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,   \
                    lh_vector_t *out)                                                              \
    {                                                                                              \
        uint8_t *o_ = (uint8_t *)out->data;                                                        \
        for (uint32_t i = 0; i < count; i++) {                                                     \
            if (!lh__row_on(out, i)) continue;                                                     \
            const lh_string_t *a = &((const lh_string_t *)args[0].data)[lh__ix(&args[0], i)];      \
            const lh_string_t *b = &((const lh_string_t *)args[1].data)[lh__ix(&args[1], i)];      \
            o_[i] = (EXPR);                                                                        \
        }                                                                                          \
        return 0;                                                                                  \
    }
/* = and <> of a flat column and a short constant: a short string is equal
 * to another exactly when their 16 bytes are (zero past the length), so two
 * word compares a row and no branch. NULL rows get whatever comes out. */
static bool str_eq_const(const lh_vector_t *args, uint32_t count, bool ne, lh_vector_t *out)
{
    int c = args[0].kind == LH_VECTOR_CONSTANT ? 0 : args[1].kind == LH_VECTOR_CONSTANT ? 1 : -1;
    if (c < 0 || args[1 - c].kind != LH_VECTOR_FLAT) return false;
    const lh_string_t *k = args[c].data, *v = args[1 - c].data;
    if (k->len > LH_STRING_INLINE) return false;
    uint64_t k0, k1;
    memcpy(&k0, k, 8);
    memcpy(&k1, (const char *)k + 8, 8);
    uint8_t *o = out->data;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t w0, w1;
        memcpy(&w0, &v[i], 8);
        memcpy(&w1, (const char *)&v[i] + 8, 8);
        o[i] = (uint8_t)(((w0 == k0) & (w1 == k1)) ^ ne);
    }
    return true;
}

STR_KERNEL(str_eq_any, lh_string_equal(a, b))
STR_KERNEL(str_ne_any, !lh_string_equal(a, b))

static int str_eq(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                  lh_vector_t *out)
{
    return str_eq_const(args, count, false, out) ? 0 : str_eq_any(ctx, args, nargs, count, out);
}

static int str_ne(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                  lh_vector_t *out)
{
    return str_eq_const(args, count, true, out) ? 0 : str_ne_any(ctx, args, nargs, count, out);
}
STR_KERNEL(str_lt, scmp(a, b) < 0)
STR_KERNEL(str_le, scmp(a, b) <= 0)
STR_KERNEL(str_gt, scmp(a, b) > 0)
STR_KERNEL(str_ge, scmp(a, b) >= 0)

#define ROW(P)                                                                                     \
    {                                                                                              \
        P##_eq, P##_ne, P##_lt, P##_le, P##_gt, P##_ge                                             \
    }
static const lh_sql_scalar_fn kernels[][NOPS] = {
    [LH_PHYS_BOOL] = ROW(u8),      [LH_PHYS_INT8] = ROW(i8),    [LH_PHYS_INT16] = ROW(i16),
    [LH_PHYS_INT32] = ROW(i32),    [LH_PHYS_INT64] = ROW(i64),  [LH_PHYS_UINT8] = ROW(u8),
    [LH_PHYS_UINT16] = ROW(u16),   [LH_PHYS_UINT32] = ROW(u32), [LH_PHYS_UINT64] = ROW(u64),
    [LH_PHYS_INT128] = ROW(i128),  [LH_PHYS_FLOAT] = ROW(f32),  [LH_PHYS_DOUBLE] = ROW(f64),
    [LH_PHYS_INTERVAL] = ROW(itv), [LH_PHYS_STRING] = ROW(str),
};

lh_sql_scalar_fn lh__compare_kernel(const lh_type_t *t, int op);
lh_sql_scalar_fn lh__compare_kernel(const lh_type_t *t, int op)
{
    lh_phys_t p = lh_type_physical(t);
    if ((size_t)p >= LH__COUNT(kernels) || op < 0 || op >= NOPS) return NULL;
    return kernels[p][op];
}

static int bind_cmp(lh_sql_bind_call_t *call, int op, lh_sql_error_t *err)
{
    if (call->nargs != 2) return lh__bind_no_match(call, err);
    lh_type_t t;
    int rc = lh_sql_common_type(call->arena, &call->args[0], &call->args[1], &t, call->pos, err);
    if (rc) return rc;
    call->exec = lh__compare_kernel(&t, op);
    if (!call->exec) return lh__bind_no_match(call, err);
    call->cast_to[0] = call->cast_to[1] = t;
    call->ret = lh_type(LH_TYPE_BOOLEAN);
    return 0;
}

#define BIND(N, OP)                                                                                \
    static int bind_##N(lh_sql_bind_call_t *call, lh_sql_error_t *err)                             \
    {                                                                                              \
        return bind_cmp(call, OP, err);                                                            \
    }
BIND(eq, EQ)
BIND(ne, NE)
BIND(lt, LT)
BIND(le, LE)
BIND(gt, GT)
BIND(ge, GE)

/* x IN (k1, ..., kn) over non-NULL constants of x's type (the binder makes
 * it for an x that is not a plain column, so x is evaluated once, not once
 * per constant): the = kernel against each constant, ORed. x NULL: NULL. */
static int f_in_list(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                     lh_vector_t *out)
{
    lh_sql_scalar_fn eq = lh__compare_kernel(&a[0].type, EQ);
    uint8_t hit[LH_BATCH_ROWS], *o = out->data;
    if (!eq || count > LH_BATCH_ROWS) return LH_EINVAL;
    lh_vector_t tmp = *out, pair[2] = {a[0]};
    tmp.data = hit;
    memset(o, 0, count);
    for (uint32_t k = 1; k < n; k++) {
        pair[1] = a[k];
        int rc = eq(ctx, pair, 2, count, &tmp);
        if (rc) return rc;
        for (uint32_t i = 0; i < count; i++)
            o[i] |= hit[i];
    }
    return 0;
}

static int bind_in_list(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    if (call->nargs < 2 || !lh__compare_kernel(&call->args[0].type, EQ))
        return lh__bind_no_match(call, err);
    for (uint32_t i = 1; i < call->nargs; i++)
        if (!lh_type_equal(&call->args[i].type, &call->args[0].type))
            return lh__bind_no_match(call, err);
    call->ret = lh_type(LH_TYPE_BOOLEAN);
    call->exec = f_in_list;
    return 0;
}

static const lh_sql_func_def_t defs[] = {
    {.name = "#in_list",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = bind_in_list,
     .doc = "x IN (constants) when x is not a column: x evaluated once"},
    {.name = "=", .kind = LH_SQL_FUNC_SCALAR, .bind = bind_eq, .doc = "a = b: equal"},
    {.name = "==", .kind = LH_SQL_FUNC_SCALAR, .bind = bind_eq, .doc = "a == b: equal"},
    {.name = "<>", .kind = LH_SQL_FUNC_SCALAR, .bind = bind_ne, .doc = "a <> b: not equal"},
    {.name = "!=", .kind = LH_SQL_FUNC_SCALAR, .bind = bind_ne, .doc = "a != b: not equal"},
    {.name = "<", .kind = LH_SQL_FUNC_SCALAR, .bind = bind_lt, .doc = "a < b"},
    {.name = "<=", .kind = LH_SQL_FUNC_SCALAR, .bind = bind_le, .doc = "a <= b"},
    {.name = ">", .kind = LH_SQL_FUNC_SCALAR, .bind = bind_gt, .doc = "a > b"},
    {.name = ">=", .kind = LH_SQL_FUNC_SCALAR, .bind = bind_ge, .doc = "a >= b"},
};

const lh__func_table_t lh__compare_funcs = {defs, LH__COUNT(defs)};
