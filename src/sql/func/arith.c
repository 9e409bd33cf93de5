/* Arithmetic operators on integers, HUGEINT, FLOAT and DOUBLE: + - * with
 * overflow errors (DuckDB's "Overflow in addition of INT32 (2147483647 +
 * 1)!"), / always in DOUBLE (IEEE: 1/0 is inf), // and % truncating toward
 * zero with NULL for a zero divisor, ^ in DOUBLE, unary minus. DECIMAL and
 * date/time arithmetic are in arith_dec.c and arith_time.c; the binds here
 * route calls there. */
#include <stdio.h>

#include "sql/func/arith_int.h"

int lh__overflow(lh_sql_fctx_t *ctx, const char *what, const lh_type_t *t, lh_int128_t a,
                 const char *op, lh_int128_t b)
{
    char n[64], x[64], y[64];
    lh_value_t va = lh_value_hugeint(a), vb = lh_value_hugeint(b);
    lh__value_msg(&va, x, sizeof x);
    lh__value_msg(&vb, y, sizeof y);
    return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, ctx->pos,
                      "Overflow in %s of %s (%s %s %s)!", what, lh__cast_type_name(t, n, sizeof n),
                      x, op, y);
}

#define OVF(what, op) return lh__overflow(ctx, what, &args[0].type, a, op, b)

/* The integer kernels of type T (prefix P). */
#define INT_OPS(P, T, MIN)                                                                         \
    LH__BIN(P##_add, T, T, T, if (__builtin_add_overflow(a, b, &r)) OVF("addition", "+"))          \
    LH__BIN(P##_sub, T, T, T, if (__builtin_sub_overflow(a, b, &r)) OVF("subtraction", "-"))       \
    LH__BIN(P##_mul, T, T, T, if (__builtin_mul_overflow(a, b, &r)) OVF("multiplication", "*"))    \
    LH__BIN(                                                                                       \
        P##_idiv, T, T, T,                                                                         \
        if (b == 0) {                                                                              \
            lh_vector_set_null(out, i);                                                            \
            continue;                                                                              \
        } if ((MIN) != 0 && a == (T)(MIN) && b == (T)-1) return idiv_overflow(ctx, a);             \
        r = (T)(a / b))                                                                            \
    LH__BIN(                                                                                       \
        P##_mod, T, T, T, if (b == 0) {                                                            \
            lh_vector_set_null(out, i);                                                            \
            continue;                                                                              \
        } r = (MIN) != 0 && b == (T)-1 ? 0 : (T)(a % b))                                           \
    LH__UN(P##_neg, T, T,                                                                          \
           if ((MIN) != 0 &&                                                                       \
               a == (T)(MIN)) return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, ctx->pos, \
                                                "Overflow in negation of numeric value!");         \
           r = (T)-a)

static int idiv_overflow(lh_sql_fctx_t *ctx, lh_int128_t a)
{
    char x[64];
    lh_value_t va = lh_value_hugeint(a);
    lh__value_msg(&va, x, sizeof x);
    return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, ctx->pos,
                      "Overflow in division of %s / -1", x);
}
#define I128_MIN ((lh_int128_t)((lh_uint128_t)1 << 127))
INT_OPS(i8, int8_t, INT8_MIN)
INT_OPS(i16, int16_t, INT16_MIN)
INT_OPS(i32, int32_t, INT32_MIN)
INT_OPS(i64, int64_t, INT64_MIN)
INT_OPS(u8, uint8_t, 0)
INT_OPS(u16, uint16_t, 0)
INT_OPS(u32, uint32_t, 0)
INT_OPS(u64, uint64_t, 0)
INT_OPS(i128, lh_int128_t, I128_MIN)

#define FLOAT_OPS(P, T)                                                                            \
    LH__BIN(P##_add, T, T, T, r = a + b)                                                           \
    LH__BIN(P##_sub, T, T, T, r = a - b)                                                           \
    LH__BIN(P##_mul, T, T, T, r = a * b)                                                           \
    LH__BIN(                                                                                       \
        P##_idiv, T, T, T, if (b == 0) {                                                           \
            lh_vector_set_null(out, i);                                                            \
            continue;                                                                              \
        } r = a / b) /* DuckDB: // on non-integers divides (NULL by zero) */                       \
    LH__BIN(                                                                                       \
        P##_mod, T, T, T, if (b == 0) {                                                            \
            lh_vector_set_null(out, i);                                                            \
            continue;                                                                              \
        } r = (T)fmod(a, b))                                                                       \
    LH__UN(P##_neg, T, T, r = -a)
FLOAT_OPS(f32, float)
FLOAT_OPS(f64, double)
LH__BIN(f64_div, double, double, double, r = a / b)
LH__BIN(f64_pow, double, double, double, r = pow(a, b))

/* ---- overload tables ---- */

#define T2(id, fn, rt)                                                                             \
    {                                                                                              \
        .args = {id, id}, .nargs = 2, .ret = rt, .exec = fn                                        \
    }
#define NUM2(op)                                                                                   \
    T2(LH_TYPE_TINYINT, i8_##op, LH_TYPE_TINYINT),                                                 \
        T2(LH_TYPE_SMALLINT, i16_##op, LH_TYPE_SMALLINT),                                          \
        T2(LH_TYPE_INTEGER, i32_##op, LH_TYPE_INTEGER),                                            \
        T2(LH_TYPE_BIGINT, i64_##op, LH_TYPE_BIGINT),                                              \
        T2(LH_TYPE_HUGEINT, i128_##op, LH_TYPE_HUGEINT),                                           \
        T2(LH_TYPE_FLOAT, f32_##op, LH_TYPE_FLOAT), T2(LH_TYPE_DOUBLE, f64_##op, LH_TYPE_DOUBLE),  \
        T2(LH_TYPE_DECIMAL, NULL, LH_TYPE_DECIMAL),                                                \
        T2(LH_TYPE_UTINYINT, u8_##op, LH_TYPE_UTINYINT),                                           \
        T2(LH_TYPE_USMALLINT, u16_##op, LH_TYPE_USMALLINT),                                        \
        T2(LH_TYPE_UINTEGER, u32_##op, LH_TYPE_UINTEGER),                                          \
        T2(LH_TYPE_UBIGINT, u64_##op, LH_TYPE_UBIGINT)

#define T1(id, fn)                                                                                 \
    {                                                                                              \
        .args = {id}, .nargs = 1, .ret = id, .exec = fn                                            \
    }
static const lh_sql_overload_t neg_ovl[] = {
    T1(LH_TYPE_TINYINT, i8_neg), T1(LH_TYPE_SMALLINT, i16_neg), T1(LH_TYPE_INTEGER, i32_neg),
    T1(LH_TYPE_BIGINT, i64_neg), T1(LH_TYPE_HUGEINT, i128_neg), T1(LH_TYPE_FLOAT, f32_neg),
    T1(LH_TYPE_DOUBLE, f64_neg), T1(LH_TYPE_DECIMAL, NULL),     T1(LH_TYPE_INTERVAL, NULL),
};

static const lh_sql_overload_t add_ovl[] = {NUM2(add)};
static const lh_sql_overload_t sub_ovl[] = {NUM2(sub)};
static const lh_sql_overload_t mul_ovl[] = {NUM2(mul)};
static const lh_sql_overload_t idiv_ovl[] = {NUM2(idiv)};
static const lh_sql_overload_t mod_ovl[] = {NUM2(mod)};
static const lh_sql_overload_t div_ovl[] = {T2(LH_TYPE_DOUBLE, f64_div, LH_TYPE_DOUBLE)};
static const lh_sql_overload_t pow_ovl[] = {T2(LH_TYPE_DOUBLE, f64_pow, LH_TYPE_DOUBLE)};

/* Binds op over the numeric overloads (a DECIMAL pick goes to the decimal
 * bind), else over the date/time ones. */
static int bind_arith(lh_sql_bind_call_t *call, char op, const lh_sql_overload_t *num,
                      uint32_t nnum, const lh_sql_overload_t *tm, uint32_t ntm, lh_sql_error_t *err)
{
    int rc = lh_sql_bind_overloads(call, num, nnum, err);
    if (!rc && call->ret.id == LH_TYPE_DECIMAL) return lh__decimal_bind(call, op, err);
    if (!rc && call->ret.id == LH_TYPE_INTERVAL) call->exec = lh__interval_neg_kernel();
    if (!rc || !tm) return rc;
    lh_sql_err_clear(err);
    return lh_sql_bind_overloads(call, tm, ntm, err);
}

static int bind_add(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    if (call->nargs == 1) return lh__bind_no_match(call, err);
    return bind_arith(call, '+', add_ovl, LH__COUNT(add_ovl), lh__time_add_ovl, lh__time_add_n,
                      err);
}
static int bind_sub(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    if (call->nargs == 1) return bind_arith(call, 'n', neg_ovl, LH__COUNT(neg_ovl), NULL, 0, err);
    return bind_arith(call, '-', sub_ovl, LH__COUNT(sub_ovl), lh__time_sub_ovl, lh__time_sub_n,
                      err);
}
static int bind_mul(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    return bind_arith(call, '*', mul_ovl, LH__COUNT(mul_ovl), lh__time_mul_ovl, lh__time_mul_n,
                      err);
}
static int bind_div(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    return bind_arith(call, '/', div_ovl, LH__COUNT(div_ovl), lh__time_div_ovl, lh__time_div_n,
                      err);
}
static int bind_mod(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    return bind_arith(call, '%', mod_ovl, LH__COUNT(mod_ovl), NULL, 0, err);
}
static int bind_idiv(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    /* DECIMAL // DECIMAL is DOUBLE in DuckDB */
    int rc = lh_sql_bind_overloads(call, idiv_ovl, LH__COUNT(idiv_ovl), err);
    if (!rc && call->ret.id == LH_TYPE_DECIMAL) {
        call->cast_to[0] = call->cast_to[1] = call->ret = lh_type(LH_TYPE_DOUBLE);
        call->exec = f64_idiv;
    }
    return rc;
}

static const lh_sql_func_def_t defs[] = {
    {.name = "+", .kind = LH_SQL_FUNC_SCALAR, .bind = bind_add, .doc = "a + b: addition"},
    {.name = "add", .kind = LH_SQL_FUNC_SCALAR, .bind = bind_add, .doc = "add(a, b): a + b"},
    {.name = "-",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = bind_sub,
     .doc = "a - b: subtraction; -a: negation"},
    {.name = "subtract", .kind = LH_SQL_FUNC_SCALAR, .bind = bind_sub, .doc = "a - b"},
    {.name = "*", .kind = LH_SQL_FUNC_SCALAR, .bind = bind_mul, .doc = "a * b: multiplication"},
    {.name = "multiply", .kind = LH_SQL_FUNC_SCALAR, .bind = bind_mul, .doc = "a * b"},
    {.name = "/",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = bind_div,
     .doc = "a / b: division in DOUBLE; INTERVAL / number"},
    {.name = "divide", .kind = LH_SQL_FUNC_SCALAR, .bind = bind_div, .doc = "a / b"},
    {.name = "//",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = bind_idiv,
     .doc = "a // b: integer division (NULL when b is 0)"},
    {.name = "%",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = bind_mod,
     .doc = "a % b: remainder with the sign of a (NULL when b is 0)"},
    {.name = "mod", .kind = LH_SQL_FUNC_SCALAR, .bind = bind_mod, .doc = "mod(a, b): a % b"},
    {.name = "^",
     .kind = LH_SQL_FUNC_SCALAR,
     .overloads = pow_ovl,
     .noverloads = 1,
     .doc = "a ^ b: a to the power b (DOUBLE)"},
    {.name = "**",
     .kind = LH_SQL_FUNC_SCALAR,
     .overloads = pow_ovl,
     .noverloads = 1,
     .doc = "a ** b: power"},
    {.name = "pow",
     .kind = LH_SQL_FUNC_SCALAR,
     .overloads = pow_ovl,
     .noverloads = 1,
     .doc = "pow(a, b): a to the power b"},
    {.name = "power",
     .kind = LH_SQL_FUNC_SCALAR,
     .overloads = pow_ovl,
     .noverloads = 1,
     .doc = "power(a, b): a to the power b"},
};

const lh__func_table_t lh__arith_funcs = {defs, LH__COUNT(defs)};
