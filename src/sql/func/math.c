/* Rounding and sign functions with DuckDB's per-type results: abs and sign
 * over every numeric type (abs of the minimum integer is an Out of Range
 * Error), ceil/ceiling/floor (FLOAT, DOUBLE, DECIMAL(p,0); integers go to
 * DOUBLE), round and trunc with an optional precision (integers keep their
 * type, DECIMAL(p,s) becomes DECIMAL(p, n) for a constant 0 <= n < s or
 * DECIMAL(p,0) for n < 0, half away from zero; DOUBLE rounds x * 10^n).
 * The binds pick the kernel by the argument's type; other math is in
 * math2.c. */
#include <stdio.h>

#include "sql/func/arith_int.h"

/* ---- DECIMAL storage ---- */

static inline lh_int128_t dec_get(const lh_vector_t *v, uint32_t i)
{
    uint32_t r = lh__ix(v, i);
    return v->type.width <= LH_DECIMAL_INT64_WIDTH ? ((const int64_t *)v->data)[r]
                                                   : ((const lh_int128_t *)v->data)[r];
}
static inline void dec_put(lh_vector_t *v, uint32_t i, lh_int128_t x)
{
    if (v->type.width <= LH_DECIMAL_INT64_WIDTH)
        ((int64_t *)v->data)[i] = (int64_t)x;
    else
        ((lh_int128_t *)v->data)[i] = x;
}

/* ---- abs, sign ---- */

static int abs_overflow(lh_sql_fctx_t *ctx, lh_int128_t a)
{
    char x[64];
    lh_value_t va = lh_value_hugeint(a);
    lh__value_msg(&va, x, sizeof x);
    return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, ctx->pos, "Overflow on abs(%s)", x);
}
#define I128_MIN ((lh_int128_t)((lh_uint128_t)1 << 127))
#define ABS_S(P, T, MIN)                                                                           \
    LH__UN(abs_##P, T, T, if (a == (T)(MIN)) return abs_overflow(ctx, a); r = (T)(a < 0 ? -a : a))
ABS_S(i8, int8_t, INT8_MIN)
ABS_S(i16, int16_t, INT16_MIN)
ABS_S(i32, int32_t, INT32_MIN)
ABS_S(i64, int64_t, INT64_MIN)
ABS_S(i128, lh_int128_t, I128_MIN)
LH__UN(abs_f32, float, float, r = fabsf(a))
LH__UN(abs_f64, double, double, r = fabs(a))
LH__UN(ident_1, uint8_t, uint8_t, r = a)
LH__UN(ident_2, uint16_t, uint16_t, r = a)
LH__UN(ident_4, uint32_t, uint32_t, r = a)
LH__UN(ident_8, uint64_t, uint64_t, r = a)
LH__UN(ident_16, lh_int128_t, lh_int128_t, r = a)

static int abs_dec(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                   lh_vector_t *out)
{
    for (uint32_t i = 0; i < count; i++) {
        if (!lh__row_on(out, i)) continue;
        lh_int128_t a = dec_get(&args[0], i);
        dec_put(out, i, a < 0 ? -a : a);
    }
    return 0;
}

#define SIGN(P, T) LH__UN(sign_##P, T, int8_t, r = (int8_t)((a > 0) - (a < 0)))
SIGN(i8, int8_t)
SIGN(i16, int16_t)
SIGN(i32, int32_t)
SIGN(i64, int64_t)
SIGN(i128, lh_int128_t)
#define USIGN(P, T) LH__UN(sign_##P, T, int8_t, r = (int8_t)(a != 0))
USIGN(u8, uint8_t)
USIGN(u16, uint16_t)
USIGN(u32, uint32_t)
USIGN(u64, uint64_t)
SIGN(f32, float)
SIGN(f64, double)
static int sign_dec(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                    lh_vector_t *out)
{
    for (uint32_t i = 0; i < count; i++) {
        if (!lh__row_on(out, i)) continue;
        lh_int128_t a = dec_get(&args[0], i);
        ((int8_t *)out->data)[i] = (int8_t)((a > 0) - (a < 0));
    }
    return 0;
}

/* ---- DECIMAL rounding: mode 'r' half away from zero, 'c' ceil, 'f' floor, 't' trunc ---- */

typedef struct dec_round {
    char mode;
    int drop;  /* digits removed: 10^drop divides the input (> 38: everything) */
    int scale; /* digits multiplied back (a negative precision) */
} dec_round_t;

static lh_int128_t div_round(lh_int128_t v, lh_int128_t d, char mode)
{
    lh_int128_t q = v / d, r = v % d;
    if (!r) return q;
    switch (mode) {
    case 'r':
        if ((r < 0 ? -r : r) >= d - (r < 0 ? -r : r)) q += v < 0 ? -1 : 1;
        break;
    case 'c':
        if (v > 0) q++;
        break;
    case 'f':
        if (v < 0) q--;
        break;
    default:
        break;
    }
    return q;
}

static int round_dec(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                     lh_vector_t *out)
{
    const dec_round_t *d = ctx->bind_data;
    for (uint32_t i = 0; i < count; i++) {
        if (!lh__row_on(out, i)) continue;
        lh_int128_t v = dec_get(&args[0], i), q;
        if (d->drop > 38)
            q = 0;
        else
            q = div_round(v, lh__pow10(d->drop), d->mode);
        dec_put(out, i, q * lh__pow10(d->scale));
    }
    return 0;
}

/* DECIMAL(p,s) to precision n: the result type and the kernel's data. */
static int bind_dec_round(lh_sql_bind_call_t *call, char mode, int64_t n, lh_sql_error_t *err)
{
    lh_type_t t = call->cast_to[0];
    dec_round_t *d = lh_arena_calloc(call->arena, sizeof *d);
    if (!d) return lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, call->pos, "out of memory");
    d->mode = mode;
    if (n >= t.scale) { /* nothing to round */
        d->drop = 0;
        call->ret = t;
    } else if (n >= 0) {
        d->drop = t.scale - (int)n;
        call->ret = lh_type_decimal(t.width, (int)n);
    } else {
        int64_t k = -n > 40 ? 40 : -n;
        d->drop = t.scale + (int)k;
        d->scale = d->drop > 38 ? 0 : (int)k;
        call->ret = lh_type_decimal(t.width, 0);
    }
    call->bind_data = d;
    call->exec = round_dec;
    return 0;
}

/* ---- FLOAT/DOUBLE rounding ---- */

LH__UN(ceil_f32, float, float, r = ceilf(a))
LH__UN(ceil_f64, double, double, r = ceil(a))
LH__UN(floor_f32, float, float, r = floorf(a))
LH__UN(floor_f64, double, double, r = floor(a))
LH__UN(round_f32, float, float, r = roundf(a))
LH__UN(round_f64, double, double, r = round(a))
LH__UN(trunc_f32, float, float, r = truncf(a))
LH__UN(trunc_f64, double, double, r = trunc(a))

/* x rounded (or truncated) to n digits, as DuckDB: x * 10^n rounded then
 * divided back; a result that is inf or NaN gives x (n >= 0) or 0. */
static double round_prec(double x, int32_t n, bool trunc_)
{
    double r;
    if (n < 0) {
        double m = pow(10.0, -(double)n);
        r = (trunc_ ? trunc(x / m) : round(x / m)) * m;
        return isinf(r) || isnan(r) ? 0 : r;
    }
    double m = pow(10.0, (double)n);
    r = (trunc_ ? trunc(x * m) : round(x * m)) / m;
    return isinf(r) || isnan(r) ? x : r;
}
LH__BIN(roundp_f64, double, int32_t, double, r = round_prec(a, b, false))
LH__BIN(roundp_f32, float, int32_t, float, r = (float)round_prec(a, b, false))
LH__BIN(truncp_f64, double, int32_t, double, r = round_prec(a, b, true))
LH__BIN(truncp_f32, float, int32_t, float, r = (float)round_prec(a, b, true))

/* Integers to a negative precision, in int128 then back to the type (as
 * DuckDB, a result past the type wraps). */
static lh_int128_t int_round(lh_int128_t x, int32_t n, bool trunc_)
{
    if (n >= 0) return x;
    if (n <= -38) return 0;
    lh_int128_t p = lh__pow10(-n);
    if (trunc_) return x / p * p;
    lh_int128_t h = p / 2;
    return (x + (x < 0 ? -h : h)) / p * p;
}
#define INT_ROUNDP(P, T)                                                                           \
    LH__BIN(roundp_##P, T, int32_t, T, r = (T)int_round(a, b, false))                              \
    LH__BIN(truncp_##P, T, int32_t, T, r = (T)int_round(a, b, true))
INT_ROUNDP(i8, int8_t)
INT_ROUNDP(i16, int16_t)
INT_ROUNDP(i32, int32_t)
INT_ROUNDP(i64, int64_t)
INT_ROUNDP(i128, lh_int128_t)

/* ---- binds ---- */

/* Per input type: a kernel (NULL: none), for one function. */
typedef struct num_fns {
    lh_sql_scalar_fn by[LH_TYPE_COUNT_];
    uint8_t ret;     /* fixed result type, or 0: the input's */
    uint8_t null_to; /* the type a NULL literal binds as */
    uint8_t int_to;  /* the type integers go to when by[] has none (0: no match; BIGINT:
                        BIGINT or, for UBIGINT, HUGEINT) */
    char dec_mode;   /* DECIMAL rounding mode, or 0: by[LH_TYPE_DECIMAL] */
} num_fns_t;

static bool is_integer(uint8_t id)
{
    return id >= LH_TYPE_TINYINT && id <= LH_TYPE_HUGEINT;
}

/* The argument's type after DuckDB's choice for this function. */
static bool pick_type(const num_fns_t *f, const lh_sql_arg_t *a, lh_type_t *t)
{
    uint8_t id = a->type.id;
    if ((a->flags & LH_SQL_ARG_NULL_LITERAL) || !id) return *t = lh_type(f->null_to), true;
    if (id == LH_TYPE_DECIMAL && (f->dec_mode || f->by[id])) return *t = a->type, true;
    if (id != LH_TYPE_DECIMAL && f->by[id]) return *t = a->type, true;
    if (is_integer(id) && f->int_to == LH_TYPE_BIGINT) /* DuckDB's cheapest signed type */
        return *t = lh_type(id == LH_TYPE_UBIGINT ? LH_TYPE_HUGEINT : LH_TYPE_BIGINT), true;
    if (is_integer(id) && f->int_to) return *t = lh_type(f->int_to), true;
    if (id == LH_TYPE_DECIMAL && f->by[LH_TYPE_DOUBLE]) return *t = lh_type(LH_TYPE_DOUBLE), true;
    return false;
}

/* The precision argument: a constant INTEGER (DuckDB's DECIMAL case needs one). */
static int bind_prec(lh_sql_bind_call_t *call, bool need_const, int64_t *n, lh_sql_error_t *err)
{
    const lh_sql_arg_t *p = &call->args[1];
    lh_type_t i32 = lh_type(LH_TYPE_INTEGER);
    if (lh_sql_implicit_cost(p, &i32) < 0) return lh__bind_no_match(call, err);
    call->cast_to[1] = i32;
    *n = 0;
    if (!need_const) return 0;
    if (!(p->flags & (LH_SQL_ARG_CONSTANT | LH_SQL_ARG_INTEGER_LITERAL)))
        return lh_sql_err(err, LH_EINVAL, LH_SQL_ENOTIMPL, call->pos,
                          "%s(DECIMAL, INTEGER) with non-constant precision is not supported",
                          call->name);
    lh_int128_t v = 0;
    int scale = 0;
    if (!p->value.is_null && lh_value_exact(&p->value, &v, &scale) == 0 && scale == 0)
        *n = (int64_t)v;
    return 0;
}

static int bind_num(lh_sql_bind_call_t *call, const num_fns_t *f, const num_fns_t *f2,
                    lh_sql_error_t *err)
{
    if (call->nargs < 1 || call->nargs > (f2 ? 2u : 1u)) return lh__bind_no_match(call, err);
    const num_fns_t *g = call->nargs == 2 ? f2 : f;
    lh_type_t t;
    if (!pick_type(g, &call->args[0], &t)) return lh__bind_no_match(call, err);
    call->cast_to[0] = t;
    int64_t n = 0;
    bool dec = t.id == LH_TYPE_DECIMAL && g->dec_mode;
    if (call->nargs == 2) {
        int rc = bind_prec(call, dec, &n, err);
        if (rc) return rc;
    }
    if (dec) return bind_dec_round(call, g->dec_mode, n, err);
    call->ret = g->ret ? lh_type(g->ret) : t;
    call->exec = g->by[t.id];
    return call->exec ? 0 : lh__bind_no_match(call, err);
}

#define T_(x) [LH_TYPE_##x]
static const num_fns_t abs_f = {
    .by = {T_(TINYINT) = abs_i8, T_(SMALLINT) = abs_i16, T_(INTEGER) = abs_i32,
           T_(BIGINT) = abs_i64, T_(HUGEINT) = abs_i128, T_(UTINYINT) = ident_1,
           T_(USMALLINT) = ident_2, T_(UINTEGER) = ident_4, T_(UBIGINT) = ident_8,
           T_(FLOAT) = abs_f32, T_(DOUBLE) = abs_f64, T_(DECIMAL) = abs_dec},
    .null_to = LH_TYPE_BIGINT};
static const num_fns_t sign_f = {
    .by = {T_(TINYINT) = sign_i8, T_(SMALLINT) = sign_i16, T_(INTEGER) = sign_i32,
           T_(BIGINT) = sign_i64, T_(HUGEINT) = sign_i128, T_(UTINYINT) = sign_u8,
           T_(USMALLINT) = sign_u16, T_(UINTEGER) = sign_u32, T_(UBIGINT) = sign_u64,
           T_(FLOAT) = sign_f32, T_(DOUBLE) = sign_f64, T_(DECIMAL) = sign_dec},
    .ret = LH_TYPE_TINYINT,
    .null_to = LH_TYPE_BIGINT};
static const num_fns_t ceil_f = {.by = {T_(FLOAT) = ceil_f32, T_(DOUBLE) = ceil_f64},
                                 .null_to = LH_TYPE_DOUBLE,
                                 .int_to = LH_TYPE_DOUBLE,
                                 .dec_mode = 'c'};
static const num_fns_t floor_f = {.by = {T_(FLOAT) = floor_f32, T_(DOUBLE) = floor_f64},
                                  .null_to = LH_TYPE_DOUBLE,
                                  .int_to = LH_TYPE_DOUBLE,
                                  .dec_mode = 'f'};
#define INT_IDENT                                                                                  \
    T_(TINYINT) = ident_1, T_(SMALLINT) = ident_2, T_(INTEGER) = ident_4, T_(BIGINT) = ident_8,    \
    T_(HUGEINT) = ident_16
static const num_fns_t round_f = {.by = {INT_IDENT, T_(FLOAT) = round_f32, T_(DOUBLE) = round_f64},
                                  .null_to = LH_TYPE_BIGINT,
                                  .int_to = LH_TYPE_BIGINT,
                                  .dec_mode = 'r'};
static const num_fns_t trunc_f = {.by = {INT_IDENT, T_(FLOAT) = trunc_f32, T_(DOUBLE) = trunc_f64},
                                  .null_to = LH_TYPE_BIGINT,
                                  .int_to = LH_TYPE_BIGINT,
                                  .dec_mode = 't'};
#define INT_P(op)                                                                                  \
    T_(TINYINT) = op##_i8, T_(SMALLINT) = op##_i16, T_(INTEGER) = op##_i32, T_(BIGINT) = op##_i64, \
    T_(HUGEINT) = op##_i128
static const num_fns_t round2_f = {
    .by = {INT_P(roundp), T_(FLOAT) = roundp_f32, T_(DOUBLE) = roundp_f64},
    .null_to = LH_TYPE_BIGINT,
    .int_to = LH_TYPE_BIGINT,
    .dec_mode = 'r'};
static const num_fns_t trunc2_f = {
    .by = {INT_P(truncp), T_(FLOAT) = truncp_f32, T_(DOUBLE) = truncp_f64},
    .null_to = LH_TYPE_BIGINT,
    .int_to = LH_TYPE_BIGINT,
    .dec_mode = 't'};

static int b_abs(lh_sql_bind_call_t *c, lh_sql_error_t *e)
{
    return bind_num(c, &abs_f, NULL, e);
}
static int b_sign(lh_sql_bind_call_t *c, lh_sql_error_t *e)
{
    return bind_num(c, &sign_f, NULL, e);
}
static int b_ceil(lh_sql_bind_call_t *c, lh_sql_error_t *e)
{
    return bind_num(c, &ceil_f, NULL, e);
}
static int b_floor(lh_sql_bind_call_t *c, lh_sql_error_t *e)
{
    return bind_num(c, &floor_f, NULL, e);
}
static int b_round(lh_sql_bind_call_t *c, lh_sql_error_t *e)
{
    return bind_num(c, &round_f, &round2_f, e);
}
static int b_trunc(lh_sql_bind_call_t *c, lh_sql_error_t *e)
{
    return bind_num(c, &trunc_f, &trunc2_f, e);
}

#define F(nm, b, d)                                                                                \
    {                                                                                              \
        .name = nm, .kind = LH_SQL_FUNC_SCALAR, .bind = b, .doc = d                                \
    }
static const lh_sql_func_def_t defs[] = {
    F("abs", b_abs, "abs(x): absolute value"),
    F("sign", b_sign, "sign(x): -1, 0 or 1 (TINYINT)"),
    F("ceil", b_ceil, "ceil(x): smallest integral value >= x"),
    F("ceiling", b_ceil, "ceiling(x): ceil(x)"),
    F("floor", b_floor, "floor(x): largest integral value <= x"),
    F("round", b_round, "round(x[, n]): half away from zero, to n decimal places"),
    F("trunc", b_trunc, "trunc(x[, n]): toward zero, to n decimal places"),
};

const lh__func_table_t lh__math_funcs = {defs, LH__COUNT(defs)};
