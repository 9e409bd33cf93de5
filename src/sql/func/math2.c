/* Math functions in DOUBLE (sqrt, cbrt, exp, ln, log/log10, log2, log(b, x),
 * even, trigonometry, degrees/radians) with DuckDB's Out of Range Errors for
 * a negative square root or the logarithm of zero or a negative number;
 * isnan/isinf/isfinite; factorial (HUGEINT), bit_count, gcd/lcm (BIGINT or
 * HUGEINT), pi() and random() (a per-thread xorshift generator). greatest and
 * least are in math_minmax.c. */
#include <stdio.h>
#include <time.h>

#include "sql/func/arith_int.h"

static int range(lh_sql_fctx_t *ctx, const char *msg)
{
    return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, ctx->pos, "%s", msg);
}
#define LOG_CHECK(x)                                                                               \
    if ((x) == 0) return range(ctx, "cannot take logarithm of zero");                              \
    if ((x) < 0) return range(ctx, "cannot take logarithm of a negative number");

LH__UN(f_sqrt, double, double,
       if (a < 0) return range(ctx, "cannot take square root of a negative number");
       r = sqrt(a))
LH__UN(f_cbrt, double, double, r = cbrt(a))
LH__UN(f_exp, double, double, r = exp(a))
LH__UN(f_ln, double, double, LOG_CHECK(a) r = log(a))
LH__UN(f_log10, double, double, LOG_CHECK(a) r = log10(a))
LH__UN(f_log2, double, double, LOG_CHECK(a) r = log2(a))
LH__BIN(f_logb, double, double, double, LOG_CHECK(a) LOG_CHECK(b) double lb = log(a);
        if (lb == 0) return range(ctx, "divison by zero in based logarithm"); r = log(b) / lb)
LH__UN(f_sin, double, double, r = sin(a))
LH__UN(f_cos, double, double, r = cos(a))
LH__UN(f_tan, double, double, r = tan(a))
LH__UN(f_asin, double, double,
       if (a < -1 || a > 1) return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EINPUT, ctx->pos,
                                              "ASIN is undefined outside [-1,1]");
       r = asin(a))
LH__UN(f_acos, double, double,
       if (a < -1 || a > 1) return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EINPUT, ctx->pos,
                                              "ACOS is undefined outside [-1,1]");
       r = acos(a))
LH__UN(f_atan, double, double, r = atan(a))
LH__BIN(f_atan2, double, double, double, r = atan2(a, b))
LH__UN(f_degrees, double, double, r = a * (180.0 / M_PI))
LH__UN(f_radians, double, double, r = a * (M_PI / 180.0))

/* even: away from zero to the next even integer. */
static double even(double x)
{
    double v = x >= 0 ? ceil(x) : -ceil(-x);
    if (fmod(v, 2) != 0) v += x >= 0 ? 1 : -1;
    return v;
}
LH__UN(f_even, double, double, r = even(a))

LH__UN(isnan_f32, float, bool, r = isnan(a))
LH__UN(isnan_f64, double, bool, r = isnan(a))
LH__UN(isinf_f32, float, bool, r = isinf(a))
LH__UN(isinf_f64, double, bool, r = isinf(a))
LH__UN(isfin_f32, float, bool, r = isfinite(a))
LH__UN(isfin_f64, double, bool, r = isfinite(a))

LH__UN(f_factorial, int32_t, lh_int128_t,
       if (a < 0) return range(ctx, "factorial of a negative number is undefined");
       if (a > 33) return range(ctx, "Value out of range"); r = 1;
       for (int32_t k = 2; k <= a; k++) r *= k)

#define BITS(P, T, U) LH__UN(bits_##P, T, int8_t, r = (int8_t)__builtin_popcountll((U)a))
BITS(i8, int8_t, uint8_t)
BITS(i16, int16_t, uint16_t)
BITS(i32, int32_t, uint32_t)
BITS(i64, int64_t, uint64_t)
BITS(u8, uint8_t, uint8_t)
BITS(u16, uint16_t, uint16_t)
BITS(u32, uint32_t, uint32_t)
BITS(u64, uint64_t, uint64_t)
LH__UN(bits_i128, lh_int128_t, int8_t,
       r = (int8_t)(__builtin_popcountll((uint64_t)a) +
                    __builtin_popcountll((uint64_t)((lh_uint128_t)a >> 64))))

/* ---- gcd, lcm ---- */

static int abs_ovf(lh_sql_fctx_t *ctx, lh_int128_t a)
{
    char x[64];
    lh_value_t va = lh_value_hugeint(a);
    lh__value_msg(&va, x, sizeof x);
    return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, ctx->pos, "Overflow on abs(%s)", x);
}
static lh_int128_t gcd128(lh_int128_t a, lh_int128_t b)
{
    while (b) {
        lh_int128_t t = a % b;
        a = b;
        b = t;
    }
    return a < 0 ? -a : a;
}
#define I128_MIN ((lh_int128_t)((lh_uint128_t)1 << 127))
LH__BIN(gcd_i64, int64_t, int64_t, int64_t,
        if (a == INT64_MIN || b == INT64_MIN) return abs_ovf(ctx, a == INT64_MIN ? a : b);
        r = (int64_t)gcd128(a, b))
LH__BIN(gcd_i128, lh_int128_t, lh_int128_t, lh_int128_t,
        if (a == I128_MIN || b == I128_MIN) return abs_ovf(ctx, a == I128_MIN ? a : b);
        r = gcd128(a, b))
LH__BIN(lcm_i64, int64_t, int64_t, int64_t,
        if (a == INT64_MIN || b == INT64_MIN) return abs_ovf(ctx, a == INT64_MIN ? a : b);
        lh_int128_t g = gcd128(a, b); lh_int128_t v = g ? (lh_int128_t)a / g * b : 0;
        if (v < 0) v = -v; if (v > INT64_MAX) return range(ctx, "lcm value is out of range");
        r = (int64_t)v)
LH__BIN(lcm_i128, lh_int128_t, lh_int128_t, lh_int128_t,
        if (a == I128_MIN || b == I128_MIN) return abs_ovf(ctx, a == I128_MIN ? a : b);
        lh_int128_t g = gcd128(a, b); lh_int128_t v = 0;
        if (g && __builtin_mul_overflow(a / g, b, &v)) return range(ctx,
                                                                    "lcm value is out of range");
        r = v < 0 ? -v : v)

/* ---- pi, random ---- */

static int f_pi(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                lh_vector_t *out)
{
    for (uint32_t i = 0; i < count; i++)
        ((double *)out->data)[i] = M_PI;
    return 0;
}

static _Thread_local uint64_t rng_state;
static uint64_t rng_next(void)
{
    if (!rng_state) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        rng_state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)&ts;
        rng_state |= 1;
    }
    uint64_t x = rng_state; /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}
static int f_random(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                    lh_vector_t *out)
{
    for (uint32_t i = 0; i < count; i++)
        ((double *)out->data)[i] = (double)(rng_next() >> 11) * 0x1.0p-53;
    return 0;
}

/* ---- tables ---- */

#define D LH_TYPE_DOUBLE
#define O(fn, rt, ...)                                                                             \
    {                                                                                              \
        .args = {__VA_ARGS__}, .nargs = sizeof((uint8_t[]){__VA_ARGS__}), .ret = rt, .exec = fn    \
    }
#define O0(fn, rt)                                                                                 \
    {                                                                                              \
        .nargs = 0, .ret = rt, .exec = fn                                                          \
    }
static const lh_sql_overload_t o_sqrt[] = {O(f_sqrt, D, D)};
static const lh_sql_overload_t o_cbrt[] = {O(f_cbrt, D, D)};
static const lh_sql_overload_t o_exp[] = {O(f_exp, D, D)};
static const lh_sql_overload_t o_ln[] = {O(f_ln, D, D)};
static const lh_sql_overload_t o_log10[] = {O(f_log10, D, D)};
static const lh_sql_overload_t o_log[] = {O(f_log10, D, D), O(f_logb, D, D, D)};
static const lh_sql_overload_t o_log2[] = {O(f_log2, D, D)};
static const lh_sql_overload_t o_sin[] = {O(f_sin, D, D)};
static const lh_sql_overload_t o_cos[] = {O(f_cos, D, D)};
static const lh_sql_overload_t o_tan[] = {O(f_tan, D, D)};
static const lh_sql_overload_t o_asin[] = {O(f_asin, D, D)};
static const lh_sql_overload_t o_acos[] = {O(f_acos, D, D)};
static const lh_sql_overload_t o_atan[] = {O(f_atan, D, D)};
static const lh_sql_overload_t o_atan2[] = {O(f_atan2, D, D, D)};
static const lh_sql_overload_t o_degrees[] = {O(f_degrees, D, D)};
static const lh_sql_overload_t o_radians[] = {O(f_radians, D, D)};
static const lh_sql_overload_t o_even[] = {O(f_even, D, D)};
#define BO LH_TYPE_BOOLEAN
static const lh_sql_overload_t o_isnan[] = {O(isnan_f32, BO, LH_TYPE_FLOAT), O(isnan_f64, BO, D)};
static const lh_sql_overload_t o_isinf[] = {O(isinf_f32, BO, LH_TYPE_FLOAT), O(isinf_f64, BO, D)};
static const lh_sql_overload_t o_isfinite[] = {O(isfin_f32, BO, LH_TYPE_FLOAT),
                                               O(isfin_f64, BO, D)};
static const lh_sql_overload_t o_factorial[] = {O(f_factorial, LH_TYPE_HUGEINT, LH_TYPE_INTEGER)};
#define TI LH_TYPE_TINYINT
static const lh_sql_overload_t o_bits[] = {
    O(bits_i64, TI, LH_TYPE_BIGINT),    O(bits_i8, TI, LH_TYPE_TINYINT),
    O(bits_i16, TI, LH_TYPE_SMALLINT),  O(bits_i32, TI, LH_TYPE_INTEGER),
    O(bits_i128, TI, LH_TYPE_HUGEINT),  O(bits_u8, TI, LH_TYPE_UTINYINT),
    O(bits_u16, TI, LH_TYPE_USMALLINT), O(bits_u32, TI, LH_TYPE_UINTEGER),
    O(bits_u64, TI, LH_TYPE_UBIGINT)};
static const lh_sql_overload_t o_gcd[] = {
    O(gcd_i64, LH_TYPE_BIGINT, LH_TYPE_BIGINT, LH_TYPE_BIGINT),
    O(gcd_i128, LH_TYPE_HUGEINT, LH_TYPE_HUGEINT, LH_TYPE_HUGEINT)};
static const lh_sql_overload_t o_lcm[] = {
    O(lcm_i64, LH_TYPE_BIGINT, LH_TYPE_BIGINT, LH_TYPE_BIGINT),
    O(lcm_i128, LH_TYPE_HUGEINT, LH_TYPE_HUGEINT, LH_TYPE_HUGEINT)};
static const lh_sql_overload_t o_pi[] = {O0(f_pi, D)};
static const lh_sql_overload_t o_random[] = {O0(f_random, D)};

#define F(nm, ov, d, ...)                                                                          \
    {                                                                                              \
        .name = nm, .kind = LH_SQL_FUNC_SCALAR, .overloads = ov, .noverloads = LH__COUNT(ov),      \
        .doc = d, __VA_ARGS__                                                                      \
    }
static const lh_sql_func_def_t defs[] = {
    F("sqrt", o_sqrt, "sqrt(x): square root"),
    F("cbrt", o_cbrt, "cbrt(x): cube root"),
    F("exp", o_exp, "exp(x): e to the power x"),
    F("ln", o_ln, "ln(x): natural logarithm"),
    F("log", o_log, "log(x): base-10 logarithm; log(b, x): base-b logarithm"),
    F("log10", o_log10, "log10(x): base-10 logarithm"),
    F("log2", o_log2, "log2(x): base-2 logarithm"),
    F("sin", o_sin, "sin(x)"),
    F("cos", o_cos, "cos(x)"),
    F("tan", o_tan, "tan(x)"),
    F("asin", o_asin, "asin(x)"),
    F("acos", o_acos, "acos(x)"),
    F("atan", o_atan, "atan(x)"),
    F("atan2", o_atan2, "atan2(y, x)"),
    F("degrees", o_degrees, "degrees(x): radians to degrees"),
    F("radians", o_radians, "radians(x): degrees to radians"),
    F("even", o_even, "even(x): away from zero to the next even integer"),
    F("isnan", o_isnan, "isnan(x): x is NaN"),
    F("isinf", o_isinf, "isinf(x): x is infinite"),
    F("isfinite", o_isfinite, "isfinite(x): neither infinite nor NaN"),
    F("factorial", o_factorial, "factorial(n): n! as HUGEINT"),
    F("bit_count", o_bits, "bit_count(x): set bits"),
    F("gcd", o_gcd, "gcd(a, b): greatest common divisor"),
    F("greatest_common_divisor", o_gcd, "gcd(a, b)"),
    F("lcm", o_lcm, "lcm(a, b): least common multiple"),
    F("least_common_multiple", o_lcm, "lcm(a, b)"),
    F("pi", o_pi, "pi()"),
    F("random", o_random, "random(): uniform in [0, 1)", .flags = LH_SQL_FUNC_VOLATILE),
};

const lh__func_table_t lh__math2_funcs = {defs, LH__COUNT(defs)};
