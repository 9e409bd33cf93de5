/* Column chunk statistics and the pages of a column index as typed values
 * (vector/scan.h lh_stats_t), for row-group and page pruning and
 * `lakehouse parquet inspect`. Only min_value /
 * max_value are used, and only under TYPE_DEFINED_ORDER (or no column
 * order at all from writers that predate it, for types whose order never
 * changed: not strings, not unsigned, not INT96, not FLOAT16); the
 * deprecated min/max were signed byte order and are ignored. A bound is
 * PLAIN without a length prefix, decoded like one page value. */
#include "parquet/reader_int.h"

#include <string.h>

static bool order_safe(const lh__pq_leaf_t *l, int32_t order)
{
    if (l->conv == LH__CV_INT96 || l->conv == LH__CV_F16 || l->conv == LH__CV_INTERVAL)
        return false;
    if (order == LH_PQ_ORDER_TYPE_DEFINED) return true;
    if (order) return false;
    lh_phys_t ph = lh_type_physical(&l->type);
    return ph != LH_PHYS_STRING && ph != LH_PHYS_UINT8 && ph != LH_PHYS_UINT16 &&
           ph != LH_PHYS_UINT32 && ph != LH_PHYS_UINT64 && l->type.id != LH_TYPE_DECIMAL;
}

/* One PLAIN value without a length prefix into a typed value. */
static int bound(const lh__pq_leaf_t *l, const lh_str_t *raw, lh_value_t *out)
{
    uint8_t phys[32];
    union {
        uint8_t b[16];
        int8_t i8;
        int16_t i16;
        int32_t i32;
        int64_t i64;
        uint8_t u8;
        uint16_t u16;
        uint32_t u32;
        uint64_t u64;
        lh_int128_t i128;
        float f;
        double d;
        lh_string_t s;
    } v;
    lh_err_t err;
    if (l->phys == LH_PQ_BYTE_ARRAY || l->phys == LH_PQ_FIXED_LEN_BYTE_ARRAY) {
        if (raw->len > UINT32_MAX) return LH_EINVAL;
        lh_string_t s = lh_string_make(raw->ptr, (uint32_t)raw->len);
        memcpy(phys, &s, sizeof s);
    } else {
        size_t need = lh_pq_phys_size(l->phys);
        if (raw->len != need) return LH_EINVAL;
        memcpy(phys, raw->ptr, need);
    }
    if (lh__pq_convert(l, phys, &v, 1, &err)) return LH_EINVAL;
    const lh_type_t *t = &l->type;
    switch (lh_type_physical(t)) {
    case LH_PHYS_BOOL:
        *out = lh_value_bool(v.b[0] != 0);
        break;
    case LH_PHYS_INT8:
        *out = lh_value_int(t->id, v.i8);
        break;
    case LH_PHYS_INT16:
        *out = lh_value_int(t->id, v.i16);
        break;
    case LH_PHYS_INT32:
        *out = lh_value_int(t->id, v.i32);
        break;
    case LH_PHYS_INT64:
        *out = t->id == LH_TYPE_DECIMAL ? lh_value_decimal(t->width, t->scale, v.i64)
                                        : lh_value_int(t->id, v.i64);
        break;
    case LH_PHYS_UINT8:
        *out = lh_value_uint(t->id, v.u8);
        break;
    case LH_PHYS_UINT16:
        *out = lh_value_uint(t->id, v.u16);
        break;
    case LH_PHYS_UINT32:
        *out = lh_value_uint(t->id, v.u32);
        break;
    case LH_PHYS_UINT64:
        *out = lh_value_uint(t->id, v.u64);
        break;
    case LH_PHYS_INT128:
        *out = lh_value_decimal(t->width, t->scale, v.i128);
        break;
    case LH_PHYS_FLOAT:
        *out = lh_value_float(v.f);
        break;
    case LH_PHYS_DOUBLE:
        *out = lh_value_double(v.d);
        break;
    case LH_PHYS_STRING:
        *out = t->id == LH_TYPE_VARCHAR ? lh_value_varchar(raw->ptr, raw->len)
                                        : lh_value_blob(raw->ptr, raw->len);
        break;
    default:
        return LH_EINVAL;
    }
    return 0;
}

int lh__pq_stats(const lh__pq_leaf_t *l, const lh_pq_column_meta_t *cm, int32_t order,
                 lh_stats_t *out)
{
    memset(out, 0, sizeof *out);
    out->row_count = -1;
    out->null_count = -1;
    if (!cm->has_statistics) return 0;
    const lh_pq_stats_t *s = &cm->statistics;
    if (s->has_null_count) out->null_count = s->null_count;
    if (!order_safe(l, order)) return 0;
    bool is_str = lh_type_physical(&l->type) == LH_PHYS_STRING;
    if (s->has_min_value && !bound(l, &s->min_value, &out->min)) {
        out->has_min = true;
        out->min_exact = s->has_is_min_value_exact ? s->is_min_value_exact : !is_str;
    }
    if (s->has_max_value && !bound(l, &s->max_value, &out->max)) {
        out->has_max = true;
        out->max_exact = s->has_is_max_value_exact ? s->is_max_value_exact : !is_str;
    }
    return 0;
}

void lh__pq_page_stats(const lh__pq_leaf_t *l, const lh_pq_column_index_t *ci, uint32_t i,
                       int32_t order, int64_t rows, lh_stats_t *out)
{
    memset(out, 0, sizeof *out);
    out->row_count = rows;
    out->null_count = -1;
    if (ci->null_pages[i]) {
        out->null_count = rows; /* no value: nothing to bound */
        return;
    }
    if (i < ci->nnull_counts && ci->null_counts[i] < rows) out->null_count = ci->null_counts[i];
    if (!order_safe(l, order)) return;
    bool exact = lh_type_physical(&l->type) != LH_PHYS_STRING;
    if (!bound(l, &ci->min_values[i], &out->min)) out->has_min = true, out->min_exact = exact;
    if (!bound(l, &ci->max_values[i], &out->max)) out->has_max = true, out->max_exact = exact;
}
