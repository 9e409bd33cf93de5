/* "#row_key"(a, b, ...): the binder's key for a row value, so that
 * (a, b) IN (SELECT x, y ...) is a probe of one value set. The arguments
 * come cast to the row's common field types, so equal rows give equal
 * bytes: each field's value in its physical form (doubles with -0.0 as 0.0
 * and one NaN, intervals normalised as for =, strings length-prefixed).
 * Strict: a NULL field makes the key NULL, which gives IN the result
 * DuckDB gives for row values (NULL unless some row matches). Internal: the
 * '#' keeps it out of reach of written SQL. */
#include <string.h>

#include "core/buf.h"
#include "sql/func/func_int.h"

static int put_field(const lh_vector_t *v, uint32_t row, lh_buf_t *b)
{
    const lh_vector_t *vals = lh_vector_values(v);
    row = lh_vector_row(v, row);
    const uint8_t *d = vals->data;
    switch (lh_type_physical(&v->type)) {
    case LH_PHYS_BOOL:
    case LH_PHYS_INT8:
    case LH_PHYS_UINT8:
        return lh_buf_append(b, d + row, 1);
    case LH_PHYS_INT16:
    case LH_PHYS_UINT16:
        return lh_buf_append(b, d + 2 * (size_t)row, 2);
    case LH_PHYS_INT32:
    case LH_PHYS_UINT32:
        return lh_buf_append(b, d + 4 * (size_t)row, 4);
    case LH_PHYS_INT64:
    case LH_PHYS_UINT64:
        return lh_buf_append(b, d + 8 * (size_t)row, 8);
    case LH_PHYS_INT128:
        return lh_buf_append(b, d + 16 * (size_t)row, 16);
    case LH_PHYS_FLOAT:
    case LH_PHYS_DOUBLE: {
        double x = lh_type_physical(&v->type) == LH_PHYS_FLOAT ? ((const float *)d)[row]
                                                               : ((const double *)d)[row];
        if (x == 0) x = 0;                 /* -0.0 = 0.0 */
        if (x != x) x = __builtin_nan(""); /* every NaN is one */
        return lh_buf_append(b, &x, sizeof x);
    }
    case LH_PHYS_INTERVAL: {
        lh_int128_t k = lh_interval_key((const lh_interval_t *)d + row);
        return lh_buf_append(b, &k, sizeof k);
    }
    case LH_PHYS_STRING: {
        const lh_string_t *s = (const lh_string_t *)d + row;
        uint32_t len = s->len;
        int rc = lh_buf_append(b, &len, sizeof len);
        return rc ? rc : lh_buf_append(b, lh_string_data(s), len);
    }
    default:
        return LH_EINVAL; /* refused at bind */
    }
}

static int f_row_key(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                     lh_vector_t *out)
{
    (void)ctx;
    lh_buf_t b;
    lh_buf_init(&b, 0);
    int rc = 0;
    for (uint32_t r = 0; r < count && !rc; r++) {
        if (!lh_vector_is_valid(out, r)) continue;
        lh_buf_reset(&b);
        for (uint32_t i = 0; i < nargs && !rc; i++)
            rc = put_field(&args[i], r, &b);
        if (!rc) rc = lh_vector_set_string(out, r, b.ptr, b.len);
    }
    lh_buf_free(&b);
    return rc;
}

static int bind_row_key(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    for (uint32_t i = 0; i < call->nargs; i++) {
        lh_phys_t p = lh_type_physical(&call->args[i].type);
        if (p == LH_PHYS_LIST || p == LH_PHYS_STRUCT || p == LH_PHYS_INVALID)
            return lh_sql_err(err, LH_EINVAL, LH_SQL_ENOTIMPL, call->pos,
                              "row values with nested fields are not supported");
    }
    call->ret = lh_type(LH_TYPE_BLOB);
    call->exec = f_row_key;
    return 0;
}

static const lh_sql_func_def_t defs[] = {
    {.name = "#row_key",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = bind_row_key,
     .doc = "internal: the key of a row value (NULL when a field is NULL)"},
};
const lh__func_table_t lh__rowkey_funcs = {.defs = defs, .n = LH__COUNT(defs)};
