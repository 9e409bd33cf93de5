/* Physical to logical: which vector type a Parquet leaf is read as
 * (LogicalTypes.md, with the converted types of older writers), and the
 * loops that turn decoded physical values into it. Values whose layout is
 * already the vector's (INT32 -> INTEGER/DATE, INT64 -> BIGINT/TIMESTAMP
 * micros/DECIMAL(<=18), FLOAT, DOUBLE, BOOLEAN, byte arrays as string views)
 * need no conversion: the reader decodes them straight into the vector. */
#include "parquet/reader_int.h"

#include <math.h>
#include <string.h>

static int set(lh__pq_leaf_t *l, lh_type_t t, int conv)
{
    l->type = t;
    l->conv = conv;
    return 0;
}

static int decimal(lh__pq_leaf_t *l, int prec, int scale, lh_err_t *err)
{
    if (prec < 1 || prec > LH_DECIMAL_MAX_WIDTH || scale < 0 || scale > prec)
        return lh_err_set(err, LH_EINVAL, "unsupported DECIMAL(%d,%d)", prec, scale);
    lh_type_t t = lh_type_decimal(prec, scale);
    bool wide = prec > LH_DECIMAL_INT64_WIDTH;
    switch (l->phys) {
    case LH_PQ_INT32:
        if (wide) break;
        return set(l, t, LH__CV_I32_I64);
    case LH_PQ_INT64:
        return set(l, t, wide ? LH__CV_I64_I128 : LH__CV_COPY);
    case LH_PQ_BYTE_ARRAY:
    case LH_PQ_FIXED_LEN_BYTE_ARRAY:
        return set(l, t, wide ? LH__CV_DEC_BIN128 : LH__CV_DEC_BIN64);
    default:
        break;
    }
    return lh_err_set(err, LH_EINVAL, "DECIMAL(%d,%d) on physical type %d", prec, scale, l->phys);
}

static int time_unit(lh__pq_leaf_t *l, lh_type_id_t id, int unit, lh_err_t *err)
{
    if (unit == LH_PQ_MILLIS)
        return set(l, lh_type(id), l->phys == LH_PQ_INT32 ? LH__CV_MS32 : LH__CV_MS64);
    if (l->phys != LH_PQ_INT64)
        return lh_err_set(err, LH_EINVAL, "TIME/TIMESTAMP on physical type %d", l->phys);
    return set(l, lh_type(id), unit == LH_PQ_NANOS ? LH__CV_NS64 : LH__CV_COPY);
}

static int integer(lh__pq_leaf_t *l, int bits, bool is_signed, lh_err_t *err)
{
    static const struct {
        int bits;
        bool s;
        lh_type_id_t id;
        int conv;
    } map[] = {
        {8, true, LH_TYPE_TINYINT, LH__CV_I32_I8},   {16, true, LH_TYPE_SMALLINT, LH__CV_I32_I16},
        {32, true, LH_TYPE_INTEGER, LH__CV_COPY},    {64, true, LH_TYPE_BIGINT, LH__CV_COPY},
        {8, false, LH_TYPE_UTINYINT, LH__CV_I32_U8}, {16, false, LH_TYPE_USMALLINT, LH__CV_I32_U16},
        {32, false, LH_TYPE_UINTEGER, LH__CV_COPY},  {64, false, LH_TYPE_UBIGINT, LH__CV_COPY},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].bits == bits && map[i].s == is_signed) {
            bool want64 = bits == 64;
            if ((want64 && l->phys != LH_PQ_INT64) || (!want64 && l->phys != LH_PQ_INT32)) break;
            return set(l, lh_type(map[i].id), map[i].conv);
        }
    return lh_err_set(err, LH_EINVAL, "INTEGER(%d, %s) on physical type %d", bits,
                      is_signed ? "signed" : "unsigned", l->phys);
}

static int by_physical(lh__pq_leaf_t *l, lh_err_t *err)
{
    switch (l->phys) {
    case LH_PQ_BOOLEAN:
        return set(l, lh_type(LH_TYPE_BOOLEAN), LH__CV_COPY);
    case LH_PQ_INT32:
        return set(l, lh_type(LH_TYPE_INTEGER), LH__CV_COPY);
    case LH_PQ_INT64:
        return set(l, lh_type(LH_TYPE_BIGINT), LH__CV_COPY);
    case LH_PQ_INT96:
        return set(l, lh_type(LH_TYPE_TIMESTAMP_TZ), LH__CV_INT96);
    case LH_PQ_FLOAT:
        return set(l, lh_type(LH_TYPE_FLOAT), LH__CV_COPY);
    case LH_PQ_DOUBLE:
        return set(l, lh_type(LH_TYPE_DOUBLE), LH__CV_COPY);
    case LH_PQ_BYTE_ARRAY:
    case LH_PQ_FIXED_LEN_BYTE_ARRAY:
        return set(l, lh_type(LH_TYPE_BLOB), LH__CV_COPY);
    default:
        return lh_err_set(err, LH_EINVAL, "unknown physical type %d", l->phys);
    }
}

static int by_converted(lh__pq_leaf_t *l, const lh_pq_schema_elem_t *e, lh_err_t *err)
{
    switch (e->converted_type) {
    case LH_PQ_CT_UTF8:
    case LH_PQ_CT_ENUM:
    case LH_PQ_CT_JSON:
        if (l->phys != LH_PQ_BYTE_ARRAY && l->phys != LH_PQ_FIXED_LEN_BYTE_ARRAY) break;
        return set(l, lh_type(LH_TYPE_VARCHAR), LH__CV_COPY);
    case LH_PQ_CT_DECIMAL:
        return decimal(l, e->precision, e->scale, err);
    case LH_PQ_CT_DATE:
        if (l->phys != LH_PQ_INT32) break;
        return set(l, lh_type(LH_TYPE_DATE), LH__CV_COPY);
    case LH_PQ_CT_TIME_MILLIS:
        return time_unit(l, LH_TYPE_TIME, LH_PQ_MILLIS, err);
    case LH_PQ_CT_TIME_MICROS:
        return time_unit(l, LH_TYPE_TIME, LH_PQ_MICROS, err);
    case LH_PQ_CT_TIMESTAMP_MILLIS:
        return time_unit(l, LH_TYPE_TIMESTAMP_TZ, LH_PQ_MILLIS, err);
    case LH_PQ_CT_TIMESTAMP_MICROS:
        return time_unit(l, LH_TYPE_TIMESTAMP_TZ, LH_PQ_MICROS, err);
    case LH_PQ_CT_UINT_8:
        return integer(l, 8, false, err);
    case LH_PQ_CT_UINT_16:
        return integer(l, 16, false, err);
    case LH_PQ_CT_UINT_32:
        return integer(l, 32, false, err);
    case LH_PQ_CT_UINT_64:
        return integer(l, 64, false, err);
    case LH_PQ_CT_INT_8:
        return integer(l, 8, true, err);
    case LH_PQ_CT_INT_16:
        return integer(l, 16, true, err);
    case LH_PQ_CT_INT_32:
        return integer(l, 32, true, err);
    case LH_PQ_CT_INT_64:
        return integer(l, 64, true, err);
    case LH_PQ_CT_INTERVAL:
        if (l->phys != LH_PQ_FIXED_LEN_BYTE_ARRAY || l->flba_len != 12) break;
        return set(l, lh_type(LH_TYPE_INTERVAL), LH__CV_INTERVAL);
    default:
        break;
    }
    return by_physical(l, err);
}

int lh__pq_leaf_type(const lh_pq_schema_elem_t *e, lh__pq_leaf_t *l, lh_err_t *err)
{
    l->phys = e->type;
    l->flba_len = e->has_type_length ? e->type_length : 0;
    if (l->phys == LH_PQ_FIXED_LEN_BYTE_ARRAY && l->flba_len <= 0)
        return lh_err_set(err, LH_ECORRUPT, "column %s: FIXED_LEN_BYTE_ARRAY without a length",
                          e->name);
    const lh_pq_logical_t *lt = &e->logical;
    switch (lt->kind) {
    case LH_PQ_LT_NONE:
        return e->has_converted_type ? by_converted(l, e, err) : by_physical(l, err);
    case LH_PQ_LT_STRING:
    case LH_PQ_LT_ENUM:
    case LH_PQ_LT_JSON:
        if (l->phys != LH_PQ_BYTE_ARRAY && l->phys != LH_PQ_FIXED_LEN_BYTE_ARRAY) break;
        return set(l, lh_type(LH_TYPE_VARCHAR), LH__CV_COPY);
    case LH_PQ_LT_DECIMAL:
        return decimal(l, lt->precision, lt->scale, err);
    case LH_PQ_LT_DATE:
        if (l->phys != LH_PQ_INT32) break;
        return set(l, lh_type(LH_TYPE_DATE), LH__CV_COPY);
    case LH_PQ_LT_TIME:
        return time_unit(l, LH_TYPE_TIME, lt->unit, err);
    case LH_PQ_LT_TIMESTAMP:
        return time_unit(l, lt->utc ? LH_TYPE_TIMESTAMP_TZ : LH_TYPE_TIMESTAMP, lt->unit, err);
    case LH_PQ_LT_INTEGER:
        return integer(l, lt->bit_width, lt->is_signed, err);
    case LH_PQ_LT_FLOAT16:
        if (l->phys != LH_PQ_FIXED_LEN_BYTE_ARRAY || l->flba_len != 2) break;
        return set(l, lh_type(LH_TYPE_FLOAT), LH__CV_F16);
    default:
        break; /* UUID, BSON, VARIANT, ...: by the physical type (BLOB) */
    }
    return by_physical(l, err);
}

static float half_to_float(uint16_t h)
{
    int sign = h >> 15, exp = (h >> 10) & 0x1f, man = h & 0x3ff;
    float v;
    if (exp == 0)
        v = ldexpf((float)man, -24);
    else if (exp == 31)
        v = man ? NAN : INFINITY;
    else
        v = ldexpf((float)(man | 0x400), exp - 25);
    return sign ? -v : v;
}

/* Big-endian two's complement bytes as an int128; LH_ECORRUPT when it does not fit. */
static int be_int(const lh_string_t *s, lh_int128_t *out)
{
    const uint8_t *p = (const uint8_t *)lh_string_data(s);
    uint32_t n = s->len;
    if (!n) {
        *out = 0;
        return 0;
    }
    if (n == 16) { /* DECIMAL(38): two big-endian words, not 16 shifts of 128 bits */
        uint64_t hi, lo;
        memcpy(&hi, p, 8);
        memcpy(&lo, p + 8, 8);
        *out = (lh_int128_t)((lh_uint128_t)__builtin_bswap64(hi) << 64 | __builtin_bswap64(lo));
        return 0;
    }
    lh_uint128_t v = (p[0] & 0x80) ? ~(lh_uint128_t)0 : 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i + 16 < n && p[i] != ((p[0] & 0x80) ? 0xff : 0)) return LH_ECORRUPT;
        v = v << 8 | p[i];
    }
    *out = (lh_int128_t)v;
    return 0;
}

int lh__pq_convert(const lh__pq_leaf_t *l, const void *src, void *dst, uint32_t n, lh_err_t *err)
{
    const int32_t *i32 = src;
    const int64_t *i64 = src;
    const lh_string_t *s = src;
    switch (l->conv) {
    case LH__CV_COPY:
        memcpy(dst, src, (size_t)n * lh_type_size(&l->type));
        return 0;
#define LOOP(T, EXPR)                                                                              \
    for (uint32_t i = 0; i < n; i++)                                                               \
        ((T *)dst)[i] = (T)(EXPR);                                                                 \
    return 0
    case LH__CV_I32_I8:
        LOOP(int8_t, i32[i]);
    case LH__CV_I32_I16:
        LOOP(int16_t, i32[i]);
    case LH__CV_I32_U8:
        LOOP(uint8_t, (uint32_t)i32[i]);
    case LH__CV_I32_U16:
        LOOP(uint16_t, (uint32_t)i32[i]);
    case LH__CV_I32_I64:
        LOOP(int64_t, i32[i]);
    case LH__CV_I64_I128:
        LOOP(lh_int128_t, i64[i]);
    case LH__CV_MS32:
        LOOP(int64_t, (int64_t)i32[i] * 1000);
    case LH__CV_MS64:
        for (uint32_t i = 0; i < n; i++)
            if (lh_ts_from_millis(i64[i], &((int64_t *)dst)[i]))
                return lh_err_set(err, LH_ECORRUPT, "timestamp out of range");
        return 0;
    case LH__CV_NS64:
        LOOP(int64_t, lh_ts_from_nanos(i64[i]));
    case LH__CV_INT96:
        for (uint32_t i = 0; i < n; i++)
            if (lh_ts_from_int96((const uint8_t *)src + 12 * (size_t)i, &((int64_t *)dst)[i]))
                return lh_err_set(err, LH_ECORRUPT, "INT96 timestamp out of range");
        return 0;
    case LH__CV_DEC_BIN64:
    case LH__CV_DEC_BIN128:
        for (uint32_t i = 0; i < n; i++) {
            lh_int128_t v;
            if (be_int(&s[i], &v)) return lh_err_set(err, LH_ECORRUPT, "decimal too wide");
            if (l->conv == LH__CV_DEC_BIN128) {
                ((lh_int128_t *)dst)[i] = v;
            } else {
                if (v > INT64_MAX || v < INT64_MIN)
                    return lh_err_set(err, LH_ECORRUPT, "decimal over its precision");
                ((int64_t *)dst)[i] = (int64_t)v;
            }
        }
        return 0;
    case LH__CV_F16:
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *p = (const uint8_t *)lh_string_data(&s[i]);
            ((float *)dst)[i] = half_to_float((uint16_t)(p[0] | p[1] << 8));
        }
        return 0;
    case LH__CV_INTERVAL:
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *p = (const uint8_t *)lh_string_data(&s[i]);
            uint32_t m, d, ms;
            memcpy(&m, p, 4);
            memcpy(&d, p + 4, 4);
            memcpy(&ms, p + 8, 4);
            ((lh_interval_t *)dst)[i] = (lh_interval_t){(int32_t)m, (int32_t)d, (int64_t)ms * 1000};
        }
        return 0;
#undef LOOP
    default:
        return lh_err_set(err, LH_EINVAL, "unknown conversion %d", l->conv);
    }
}
