/* Bitwise operators on integers, as DuckDB has them: a & b, a | b,
 * xor(a, b), ~a, and the shifts a << n and a >> n in a's type, with
 * DuckDB's range errors for left shifts (a negative number or count, a
 * count past the width, a result that does not fit). A right shift by the
 * width or more gives 0. */
#include "sql/func/arith_int.h"
#include "sql/func/func_int.h"

static int shl_error(lh_sql_fctx_t *ctx, long long a, long long n, int bits)
{
    if (n < 0)
        return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, ctx->pos,
                          "Cannot left-shift by negative number %lld", n);
    if (a < 0)
        return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, ctx->pos,
                          "Cannot left-shift negative number %lld", a);
    if (n >= bits)
        return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, ctx->pos,
                          "Left-shift value %lld is out of range", n);
    return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, ctx->pos,
                      "Overflow in left shift (%lld << %lld)", a, n);
}

/* Whether a << n is out of DuckDB's range for a type of `bits` bits (one of
 * them the sign when signed). */
static bool shl_bad(lh_int128_t a, lh_int128_t n, int bits, int sign)
{
    if (n < 0 || a < 0 || n >= bits) return true;
    if (n == 0) return false;
    int room = bits - sign - (int)n; /* value bits left above the shift */
    return room <= 0 ? a > 0 : a >= ((lh_int128_t)1 << room);
}

/* x < 0 and x >= bits, out of line so unsigned types compare without warnings. */
static bool negative(lh_int128_t x)
{
    return x < 0;
}

static bool at_least(lh_int128_t x, int bits)
{
    return x >= bits;
}

static int shr_bad(lh_sql_fctx_t *ctx, lh_int128_t n)
{
    return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, ctx->pos,
                      "Cannot right-shift by negative number %lld", (long long)n);
}

#define BITS(P, T, SIGNED)                                                                         \
    LH__BIN(P##_and, T, T, T, r = a & b)                                                           \
    LH__BIN(P##_or, T, T, T, r = a | b)                                                            \
    LH__BIN(P##_xor, T, T, T, r = a ^ b)                                                           \
    LH__UN(P##_not, T, T, r = (T)~a)                                                               \
    LH__BIN(                                                                                       \
        P##_shl, T, T, T,                                                                          \
        if (shl_bad((lh_int128_t)a, (lh_int128_t)b, (int)sizeof(T) * 8, SIGNED)) return shl_error( \
            ctx, (long long)a, (long long)b, (int)sizeof(T) * 8);                                  \
        r = (T)(a << b))                                                                           \
    LH__BIN(P##_shr, T, T, T, if (negative((lh_int128_t)b)) return shr_bad(ctx, (lh_int128_t)b);   \
            r = at_least((lh_int128_t)b, (int)sizeof(T) * 8) ? 0 : (T)(a >> b))

BITS(i8, int8_t, 1)
BITS(i16, int16_t, 1)
BITS(i32, int32_t, 1)
BITS(i64, int64_t, 1)
BITS(u8, uint8_t, 0)
BITS(u16, uint16_t, 0)
BITS(u32, uint32_t, 0)
BITS(u64, uint64_t, 0)

#define B2(id, fn)                                                                                 \
    {                                                                                              \
        .args = {id, id}, .nargs = 2, .ret = id, .exec = fn                                        \
    }
#define B1(id, fn)                                                                                 \
    {                                                                                              \
        .args = {id}, .nargs = 1, .ret = id, .exec = fn                                            \
    }
#define INTS2(op)                                                                                  \
    B2(LH_TYPE_TINYINT, i8_##op), B2(LH_TYPE_SMALLINT, i16_##op), B2(LH_TYPE_INTEGER, i32_##op),   \
        B2(LH_TYPE_BIGINT, i64_##op), B2(LH_TYPE_UTINYINT, u8_##op),                               \
        B2(LH_TYPE_USMALLINT, u16_##op), B2(LH_TYPE_UINTEGER, u32_##op),                           \
        B2(LH_TYPE_UBIGINT, u64_##op)

static const lh_sql_overload_t and_ovl[] = {INTS2(and)};
static const lh_sql_overload_t or_ovl[] = {INTS2(or)};
static const lh_sql_overload_t xor_ovl[] = {INTS2(xor)};
static const lh_sql_overload_t shl_ovl[] = {INTS2(shl)};
static const lh_sql_overload_t shr_ovl[] = {INTS2(shr)};
static const lh_sql_overload_t not_ovl[] = {
    B1(LH_TYPE_TINYINT, i8_not),   B1(LH_TYPE_SMALLINT, i16_not), B1(LH_TYPE_INTEGER, i32_not),
    B1(LH_TYPE_BIGINT, i64_not),   B1(LH_TYPE_UTINYINT, u8_not),  B1(LH_TYPE_USMALLINT, u16_not),
    B1(LH_TYPE_UINTEGER, u32_not), B1(LH_TYPE_UBIGINT, u64_not),
};

#define D(nm, ov, d)                                                                               \
    {                                                                                              \
        .name = nm, .kind = LH_SQL_FUNC_SCALAR, .overloads = ov, .noverloads = LH__COUNT(ov),      \
        .doc = d                                                                                   \
    }
static const lh_sql_func_def_t defs[] = {
    D("&", and_ovl, "a & b: bitwise and"),
    D("|", or_ovl, "a | b: bitwise or"),
    D("xor", xor_ovl, "xor(a, b): bitwise exclusive or"),
    D("~", not_ovl, "~a: bitwise not"),
    D("<<", shl_ovl, "a << n: left shift (Out of Range when it overflows)"),
    D(">>", shr_ovl, "a >> n: right shift (arithmetic on signed types)"),
};
const lh__func_table_t lh__bitwise_funcs = {.defs = defs, .n = LH__COUNT(defs)};
