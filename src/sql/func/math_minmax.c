/* greatest(x, ...) and least(x, ...) over any scalar type: the arguments
 * meet in their common type (lh_sql_common_type, as DuckDB), NULLs are
 * skipped (NULL only when every argument is), FLOAT/DOUBLE NaN is above
 * every number, intervals compare field by field (months, days, micros:
 * DuckDB's greatest(INTERVAL 1 DAY, INTERVAL 30 HOURS) is 1 day), strings by
 * unsigned bytes. */
#include "sql/func/func_int.h"

static int fcmp(double a, double b)
{
    if (isnan(a) || isnan(b)) return isnan(a) - isnan(b);
    return (a > b) - (a < b);
}

#define CMP3(a, b) (((a) > (b)) - ((a) < (b)))
#define AT(T, v, i) (((const T *)(v)->data)[lh__ix(v, i)])

/* Three-way comparison of row i of x and y (same type, both valid). */
static int cmp_at(const lh_vector_t *x, const lh_vector_t *y, uint32_t i)
{
    switch (x->type.id) {
    case LH_TYPE_BOOLEAN:
    case LH_TYPE_UTINYINT:
        return CMP3(AT(uint8_t, x, i), AT(uint8_t, y, i));
    case LH_TYPE_TINYINT:
        return CMP3(AT(int8_t, x, i), AT(int8_t, y, i));
    case LH_TYPE_SMALLINT:
        return CMP3(AT(int16_t, x, i), AT(int16_t, y, i));
    case LH_TYPE_USMALLINT:
        return CMP3(AT(uint16_t, x, i), AT(uint16_t, y, i));
    case LH_TYPE_INTEGER:
    case LH_TYPE_DATE:
        return CMP3(AT(int32_t, x, i), AT(int32_t, y, i));
    case LH_TYPE_UINTEGER:
        return CMP3(AT(uint32_t, x, i), AT(uint32_t, y, i));
    case LH_TYPE_BIGINT:
    case LH_TYPE_TIME:
    case LH_TYPE_TIMESTAMP:
    case LH_TYPE_TIMESTAMP_TZ:
        return CMP3(AT(int64_t, x, i), AT(int64_t, y, i));
    case LH_TYPE_UBIGINT:
        return CMP3(AT(uint64_t, x, i), AT(uint64_t, y, i));
    case LH_TYPE_HUGEINT:
        return CMP3(AT(lh_int128_t, x, i), AT(lh_int128_t, y, i));
    case LH_TYPE_DECIMAL:
        if (x->type.width <= LH_DECIMAL_INT64_WIDTH)
            return CMP3(AT(int64_t, x, i), AT(int64_t, y, i));
        return CMP3(AT(lh_int128_t, x, i), AT(lh_int128_t, y, i));
    case LH_TYPE_FLOAT:
        return fcmp(AT(float, x, i), AT(float, y, i));
    case LH_TYPE_DOUBLE:
        return fcmp(AT(double, x, i), AT(double, y, i));
    case LH_TYPE_INTERVAL: { /* field by field, as DuckDB's greatest/least (not normalised) */
        lh_interval_t a = AT(lh_interval_t, x, i), b = AT(lh_interval_t, y, i);
        if (a.months != b.months) return CMP3(a.months, b.months);
        if (a.days != b.days) return CMP3(a.days, b.days);
        return CMP3(a.micros, b.micros);
    }
    default: {
        lh_string_t a = AT(lh_string_t, x, i), b = AT(lh_string_t, y, i);
        return lh_string_compare(&a, &b);
    }
    }
}

static int pick(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                lh_vector_t *out, int sign)
{
    size_t w = lh_type_size(&out->type);
    for (uint32_t i = 0; i < count; i++) {
        int best = -1;
        for (uint32_t k = 0; k < nargs; k++) {
            if (!lh_vector_is_valid(&args[k], i)) continue;
            if (best < 0 || cmp_at(&args[k], &args[best], i) * sign > 0) best = (int)k;
        }
        if (best < 0) {
            lh_vector_set_null(out, i);
            continue;
        }
        const lh_vector_t *b = &args[best];
        /* string views borrow the argument's bytes, which outlive the result */
        memcpy((char *)out->data + (size_t)i * w, (const char *)b->data + (size_t)lh__ix(b, i) * w,
               w);
    }
    return 0;
}

static int f_greatest(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                      lh_vector_t *out)
{
    return pick(ctx, args, nargs, count, out, 1);
}
static int f_least(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                   lh_vector_t *out)
{
    return pick(ctx, args, nargs, count, out, -1);
}

static int bind_pick(lh_sql_bind_call_t *call, lh_sql_error_t *err, lh_sql_scalar_fn fn)
{
    if (!call->nargs) return lh__bind_no_match(call, err);
    lh_sql_arg_t acc = call->args[0];
    for (uint32_t i = 1; i < call->nargs; i++) {
        lh_type_t t;
        int rc = lh_sql_common_type(call->arena, &acc, &call->args[i], &t, call->pos, err);
        if (rc == LH_EINVAL) { /* DuckDB words it differently here */
            char n1[128], n2[128];
            lh_type_format(&acc.type, n1, sizeof n1);
            lh_type_format(&call->args[i].type, n2, sizeof n2);
            return lh_sql_err(err, LH_EINVAL, LH_SQL_EBIND, call->pos,
                              "Cannot combine types of %s and %s - an explicit cast is required",
                              n1, n2);
        }
        if (rc) return rc;
        bool both_null = (acc.flags & LH_SQL_ARG_NULL_LITERAL) &&
                         (call->args[i].flags & LH_SQL_ARG_NULL_LITERAL);
        uint32_t keep = acc.flags & call->args[i].flags & LH_SQL_ARG_STRING_LITERAL;
        acc = (lh_sql_arg_t){.type = t, .flags = keep | (both_null ? LH_SQL_ARG_NULL_LITERAL : 0)};
    }
    lh_type_t t = acc.type.id ? acc.type : lh_type(LH_TYPE_INTEGER);
    if (lh_type_is_nested(&t)) return lh__bind_no_match(call, err);
    for (uint32_t i = 0; i < call->nargs; i++)
        call->cast_to[i] = t;
    call->ret = t;
    call->exec = fn;
    return 0;
}
static int b_greatest(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    return bind_pick(call, err, f_greatest);
}
static int b_least(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    return bind_pick(call, err, f_least);
}

static const lh_sql_func_def_t defs[] = {
    {.name = "greatest",
     .kind = LH_SQL_FUNC_SCALAR,
     .flags = LH_SQL_FUNC_SPECIAL_NULLS,
     .bind = b_greatest,
     .doc = "greatest(x, ...): the largest non-NULL argument"},
    {.name = "least",
     .kind = LH_SQL_FUNC_SCALAR,
     .flags = LH_SQL_FUNC_SPECIAL_NULLS,
     .bind = b_least,
     .doc = "least(x, ...): the smallest non-NULL argument"},
};

const lh__func_table_t lh__math_minmax_funcs = {defs, LH__COUNT(defs)};
