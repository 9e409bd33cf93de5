/* DECIMAL arithmetic with DuckDB's result types: + and - give
 * DECIMAL(max(p1-s1, p2-s2) + max(s1, s2) + 1, max(s1, s2)), * gives
 * DECIMAL(p1+p2, s1+s2), % DECIMAL(max(p1-s1, p2-s2) + max(s1, s2),
 * max(s1, s2)). Widths are capped at 38, and, as DuckDB keeps 64-bit
 * operands in 64 bits, at 18 when both operands have at most 18 digits (and,
 * for *, the scale is below 18); a result that does not fit is an Out of
 * Range Error. The kernel works in int128 whatever the storage width. */
#include <stdio.h>

#include "sql/func/arith_int.h"

typedef struct dec_op {
    char op; /* + - * % n (negation) */
    int s1, s2, rs, rp;
} dec_op_t;

static inline lh_int128_t load(const lh_vector_t *v, uint32_t i)
{
    uint32_t r = lh__ix(v, i);
    return v->type.width <= LH_DECIMAL_INT64_WIDTH ? ((const int64_t *)v->data)[r]
                                                   : ((const lh_int128_t *)v->data)[r];
}

static int dec_overflow(lh_sql_fctx_t *ctx, const dec_op_t *d, lh_int128_t a, lh_int128_t b)
{
    /* DuckDB's words: 18-digit results suggest a bigger decimal; 38-digit products a
       smaller scale; 38-digit sums end with a semicolon */
    const char *what = d->op == '+' ? "addition" : d->op == '-' ? "subtract" : "multiplication";
    const char *hint = d->rp <= LH_DECIMAL_INT64_WIDTH
                           ? ". You might want to add an explicit cast to a bigger decimal."
                       : d->op == '*' ? ". You might want to add an explicit cast to a decimal "
                                        "with a smaller scale."
                                      : ";";
    char x[64], y[64];
    lh_value_t va = lh_value_hugeint(a), vb = lh_value_hugeint(b);
    lh__value_msg(&va, x, sizeof x);
    lh__value_msg(&vb, y, sizeof y);
    return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, ctx->pos,
                      "Overflow in %s of DECIMAL(%d) (%s %c %s)%s", what, d->rp, x, d->op, y, hint);
}

/* +, - and * of 64-bit decimals into a 64-bit result, in 64 bits; false
 * (nothing to trust in out) when some row overflows or passes the width,
 * NULL rows included, so the general loop settles it and words the error. */
static bool dec_kernel64(const dec_op_t *d, const lh_vector_t *args, uint32_t count,
                         lh_vector_t *out)
{
    const lh_vector_t *x = &args[0], *y = &args[1];
    if (x->type.width > LH_DECIMAL_INT64_WIDTH || y->type.width > LH_DECIMAL_INT64_WIDTH ||
        out->type.width > LH_DECIMAL_INT64_WIDTH || d->rs - d->s1 > 18 || d->rs - d->s2 > 18)
        return false;
    const int64_t *a = x->data, *b = y->data;
    int64_t *o = out->data, lim = (int64_t)lh__pow10(d->rp);
    int64_t f1 = (int64_t)lh__pow10(d->rs - d->s1), f2 = (int64_t)lh__pow10(d->rs - d->s2);
    uint32_t ma = x->kind == LH_VECTOR_CONSTANT ? 0 : UINT32_MAX;
    uint32_t mb = y->kind == LH_VECTOR_CONSTANT ? 0 : UINT32_MAX;
    bool ovf = false;
    for (uint32_t i = 0; i < count; i++) {
        int64_t u = a[i & ma], v = b[i & mb], r;
        if (d->op == '*') {
            ovf |= __builtin_mul_overflow(u, v, &r);
        } else {
            int64_t p, q;
            ovf |= __builtin_mul_overflow(u, f1, &p) | __builtin_mul_overflow(v, f2, &q);
            ovf |=
                d->op == '+' ? __builtin_add_overflow(p, q, &r) : __builtin_sub_overflow(p, q, &r);
        }
        ovf |= r >= lim || r <= -lim;
        o[i] = r;
    }
    return !ovf;
}

static int dec_kernel(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                      lh_vector_t *out)
{
    const dec_op_t *d = ctx->bind_data;
    if (nargs == 2 && (d->op == '+' || d->op == '-' || d->op == '*') &&
        (args[0].kind == LH_VECTOR_FLAT || args[0].kind == LH_VECTOR_CONSTANT) &&
        (args[1].kind == LH_VECTOR_FLAT || args[1].kind == LH_VECTOR_CONSTANT) &&
        dec_kernel64(d, args, count, out))
        return 0;
    lh_int128_t lim = lh__pow10(d->rp), f1 = lh__pow10(d->rs - d->s1);
    lh_int128_t f2 = nargs > 1 ? lh__pow10(d->rs - d->s2) : 1;
    bool wide = out->type.width > LH_DECIMAL_INT64_WIDTH;
    for (uint32_t i = 0; i < count; i++) {
        if (!lh__row_on(out, i)) continue;
        lh_int128_t a = load(&args[0], i), b = nargs > 1 ? load(&args[1], i) : 0, r;
        bool ovf = false;
        switch (d->op) {
        case '+':
            ovf = __builtin_add_overflow(a * f1, b * f2, &r);
            break;
        case '-':
            ovf = __builtin_sub_overflow(a * f1, b * f2, &r);
            break;
        case '*':
            ovf = __builtin_mul_overflow(a, b, &r);
            break;
        case '%':
            if (b == 0) {
                lh_vector_set_null(out, i);
                continue;
            }
            r = (a * f1) % (b * f2);
            break;
        default:
            r = -a;
            break;
        }
        if (ovf || r >= lim || r <= -lim) return dec_overflow(ctx, d, a, b);
        if (wide)
            ((lh_int128_t *)out->data)[i] = r;
        else
            ((int64_t *)out->data)[i] = (int64_t)r;
    }
    return 0;
}

int lh__decimal_bind(lh_sql_bind_call_t *call, char op, lh_sql_error_t *err)
{
    dec_op_t *d = lh_arena_calloc(call->arena, sizeof *d);
    if (!d) return lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, call->pos, "out of memory");
    const lh_type_t *a = &call->cast_to[0], *b = call->nargs > 1 ? &call->cast_to[1] : a;
    int p1 = a->width, s1 = a->scale, p2 = b->width, s2 = b->scale;
    int s = s1 > s2 ? s1 : s2, i = p1 - s1 > p2 - s2 ? p1 - s1 : p2 - s2, p;
    switch (op) {
    case '+':
    case '-':
        p = i + s + 1;
        break;
    case '*':
        p = p1 + p2;
        s = s1 + s2;
        if (s > LH_DECIMAL_MAX_WIDTH)
            return lh_sql_err(err, LH_EINVAL, LH_SQL_EOUTOFRANGE, call->pos,
                              "Needed scale %d to accurately represent the multiplication result, "
                              "but this is out of range of the DECIMAL type. Max scale is %d; "
                              "could not perform an accurate multiplication. Either add a cast to "
                              "DOUBLE, or add an explicit cast to a decimal with a lower scale.",
                              s, LH_DECIMAL_MAX_WIDTH);
        break;
    case '%':
        p = i + s;
        break;
    default:
        p = p1;
        s = s1;
        break;
    }
    int widest = p1 > p2 ? p1 : p2;
    if ((op == '+' || op == '-' || (op == '*' && s < LH_DECIMAL_INT64_WIDTH)) &&
        p > LH_DECIMAL_INT64_WIDTH && widest <= LH_DECIMAL_INT64_WIDTH)
        p = LH_DECIMAL_INT64_WIDTH;
    if (p > LH_DECIMAL_MAX_WIDTH) p = LH_DECIMAL_MAX_WIDTH;
    if (s > p)
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EBIND, call->pos,
                          "DECIMAL result scale %d is out of range", s);
    *d = (dec_op_t){.op = op, .s1 = s1, .s2 = s2, .rs = s, .rp = p};
    call->ret = lh_type_decimal(p, s);
    call->bind_data = d;
    call->exec = dec_kernel;
    return 0;
}
