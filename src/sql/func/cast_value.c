/* One value cast to another type, the general path of every cast (the vector
 * path in cast.c handles the common numeric pairs in tight loops and falls
 * back to this per row). Exact numbers (integers, HUGEINT, DECIMAL, BOOLEAN)
 * convert through an int128 and a scale, rounding half away from zero;
 * FLOAT/DOUBLE to an integer round half to even (DuckDB's nearbyint); text
 * goes through the parsers of cast_text.c and cast_time.c and comes out as
 * lh_value_text writes it. Messages are DuckDB's. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "sql/func/func_int.h"

const char *lh__cast_type_name(const lh_type_t *t, char *buf, size_t cap)
{
    static const char *const names[LH_TYPE_COUNT_] = {
        [LH_TYPE_BOOLEAN] = "BOOL",
        [LH_TYPE_TINYINT] = "INT8",
        [LH_TYPE_SMALLINT] = "INT16",
        [LH_TYPE_INTEGER] = "INT32",
        [LH_TYPE_BIGINT] = "INT64",
        [LH_TYPE_UTINYINT] = "UINT8",
        [LH_TYPE_USMALLINT] = "UINT16",
        [LH_TYPE_UINTEGER] = "UINT32",
        [LH_TYPE_UBIGINT] = "UINT64",
        [LH_TYPE_HUGEINT] = "INT128",
        [LH_TYPE_FLOAT] = "FLOAT",
        [LH_TYPE_DOUBLE] = "DOUBLE",
        [LH_TYPE_DATE] = "DATE",
        [LH_TYPE_TIME] = "TIME",
        [LH_TYPE_TIMESTAMP] = "TIMESTAMP",
        [LH_TYPE_INTERVAL] = "INTERVAL",
        [LH_TYPE_VARCHAR] = "VARCHAR",
        [LH_TYPE_BLOB] = "BLOB",
        [LH_TYPE_TIMESTAMP_TZ] = "TIMESTAMP WITH TIME ZONE",
    };
    if (t->id == LH_TYPE_DECIMAL || t->id >= LH_TYPE_COUNT_ || !names[t->id]) {
        lh_type_format(t, buf, cap);
        return buf;
    }
    return names[t->id];
}

void lh__value_msg(const lh_value_t *v, char *buf, size_t cap)
{
    lh_buf_t b;
    lh_buf_init(&b, 4096);
    if (v->type.id == LH_TYPE_DOUBLE || v->type.id == LH_TYPE_FLOAT) {
        double d = v->type.id == LH_TYPE_DOUBLE ? v->v.d : v->v.f;
        if (isnan(d) || isinf(d)) {
            snprintf(buf, cap, "%s", isnan(d) ? "nan" : d > 0 ? "inf" : "-inf");
            return;
        }
    }
    lh_value_text(v, &b);
    snprintf(buf, cap, "%.*s", b.ptr ? (int)b.len : 0, b.ptr ? b.ptr : "");
    lh_buf_free(&b);
}

bool lh__int_range(uint8_t id, lh_int128_t *lo, lh_int128_t *hi)
{
    switch (id) {
    case LH_TYPE_BOOLEAN:
        *lo = INT64_MIN, *hi = INT64_MAX;
        return true;
    case LH_TYPE_TINYINT:
        *lo = INT8_MIN, *hi = INT8_MAX;
        return true;
    case LH_TYPE_SMALLINT:
        *lo = INT16_MIN, *hi = INT16_MAX;
        return true;
    case LH_TYPE_INTEGER:
        *lo = INT32_MIN, *hi = INT32_MAX;
        return true;
    case LH_TYPE_BIGINT:
        *lo = INT64_MIN, *hi = INT64_MAX;
        return true;
    case LH_TYPE_UTINYINT:
        *lo = 0, *hi = UINT8_MAX;
        return true;
    case LH_TYPE_USMALLINT:
        *lo = 0, *hi = UINT16_MAX;
        return true;
    case LH_TYPE_UINTEGER:
        *lo = 0, *hi = UINT32_MAX;
        return true;
    case LH_TYPE_UBIGINT:
        *lo = 0, *hi = UINT64_MAX;
        return true;
    case LH_TYPE_HUGEINT:
        *hi = (lh_int128_t)(((lh_uint128_t)1 << 127) - 1);
        *lo = -*hi - 1;
        return true;
    default:
        return false;
    }
}

/* An integer-typed value of v (known to be in range). */
static lh_value_t make_int(const lh_type_t *to, lh_int128_t v)
{
    if (to->id == LH_TYPE_HUGEINT) return lh_value_hugeint(v);
    if (to->id == LH_TYPE_BOOLEAN) return lh_value_bool(v != 0);
    if (to->id >= LH_TYPE_UTINYINT && to->id <= LH_TYPE_UBIGINT)
        return lh_value_uint((lh_type_id_t)to->id, (uint64_t)v);
    return lh_value_int((lh_type_id_t)to->id, (int64_t)v);
}

/* v / 10^k rounded half away from zero. */
static lh_int128_t div_round(lh_int128_t v, int k)
{
    if (k <= 0) return v;
    lh_int128_t p = lh__pow10(k), q = v / p, r = v % p;
    if (r < 0) r = -r;
    if (r * 2 >= p) q += v < 0 ? -1 : 1;
    return q;
}

static int conv_err(lh_sql_error_t *err, int32_t pos, const char *fmt, const char *a, const char *b,
                    const char *c)
{
    return lh_sql_err(err, LH_EINVAL, LH_SQL_ECONVERT, pos, fmt, a, b, c);
}

static int range_err(const lh_value_t *in, const lh_type_t *to, lh_sql_error_t *err, int32_t pos)
{
    char v[128], n1[64], n2[64];
    lh__value_msg(in, v, sizeof v);
    return conv_err(err, pos,
                    "Type %s with value %s can't be cast because the value is out of range for "
                    "the destination type %s",
                    lh__cast_type_name(&in->type, n1, sizeof n1), v,
                    lh__cast_type_name(to, n2, sizeof n2));
}

/* An exact number (unscaled v, scale) into to. */
static int from_exact(const lh_value_t *in, lh_int128_t v, int scale, const lh_type_t *to,
                      lh_value_t *out, lh_sql_error_t *err, int32_t pos)
{
    lh_int128_t lo, hi;
    char b1[128], b2[64];
    if (to->id == LH_TYPE_DOUBLE || to->id == LH_TYPE_FLOAT) {
        double d = (double)v;
        if (scale) d /= (double)lh__pow10(scale);
        *out = to->id == LH_TYPE_DOUBLE ? lh_value_double(d) : lh_value_float((float)d);
        return 0;
    }
    if (to->id == LH_TYPE_DECIMAL) {
        int up = to->scale - scale; /* digits added on the right */
        lh_int128_t lim = lh__pow10(to->width);
        /* v * 10^up must stay below 10^width: |v| < 10^(width - up), checked before the
           multiply, which could wrap */
        bool over = up > 0 && (up >= to->width || v >= lh__pow10(to->width - up) ||
                               v <= -lh__pow10(to->width - up));
        lh_int128_t r = over ? 0 : up < 0 ? div_round(v, -up) : v * lh__pow10(up);
        if (over || r >= lim || r <= -lim) {
            lh__value_msg(in, b1, sizeof b1);
            lh_type_format(to, b2, sizeof b2);
            if (in->type.id == LH_TYPE_DECIMAL)
                return conv_err(err, pos,
                                "Casting value \"%s\" to type %s failed: value is out of range!%s",
                                b1, b2, "");
            return conv_err(err, pos, "Could not cast value %s to %s%s", b1, b2, "");
        }
        *out = lh_value_decimal(to->width, to->scale, r);
        return 0;
    }
    if (!lh__int_range(to->id, &lo, &hi)) return LH_ENOENT;
    lh_int128_t r = div_round(v, scale);
    if (r < lo || r > hi) {
        if (in->type.id != LH_TYPE_DECIMAL) return range_err(in, to, err, pos);
        lh_value_t rv = lh_value_hugeint(r);
        lh__value_msg(&rv, b1, sizeof b1);
        return conv_err(err, pos, "Failed to cast decimal value %s to type %s%s", b1,
                        lh__cast_type_name(to, b2, sizeof b2), "");
    }
    *out = make_int(to, r);
    return 0;
}

static int from_double(const lh_value_t *in, double d, const lh_type_t *to, lh_value_t *out,
                       lh_sql_error_t *err, int32_t pos)
{
    lh_int128_t lo, hi;
    if (to->id == LH_TYPE_DOUBLE) return *out = lh_value_double(d), 0;
    if (to->id == LH_TYPE_FLOAT) {
        if (isfinite(d) && (d > 3.4028234663852886e38 || d < -3.4028234663852886e38))
            return range_err(in, to, err, pos);
        return *out = lh_value_float((float)d), 0;
    }
    if (to->id == LH_TYPE_BOOLEAN) return *out = lh_value_bool(d != 0), 0;
    if (to->id == LH_TYPE_DECIMAL) {
        double x = d * (double)lh__pow10(to->scale);
        double lim = (double)lh__pow10(to->width);
        if (!isfinite(x) || x >= lim || x <= -lim) {
            char b1[128], b2[64];
            if (isnan(d) || isinf(d))
                snprintf(b1, sizeof b1, "%s", isnan(d) ? "nan" : d > 0 ? "inf" : "-inf");
            else
                snprintf(b1, sizeof b1, "%f", d);
            lh_type_format(to, b2, sizeof b2);
            return conv_err(err, pos, "Could not cast value %s to %s%s", b1, b2, "");
        }
        /* half away from zero on the decimal digits (2.675 -> 2.68, as DuckDB) */
        char tmp[64];
        for (int prec = 15; prec <= 17; prec++) { /* the shortest text that reads back */
            snprintf(tmp, sizeof tmp, "%.*g", prec, d);
            if (strtod(tmp, NULL) == d) break;
        }
        lh_int128_t r;
        if (!lh__parse_exact(tmp, strlen(tmp), to->scale, &r)) r = (lh_int128_t)llround(x);
        if (r >= lh__pow10(to->width) || r <= -lh__pow10(to->width)) { /* rounded up past it */
            char b1[128], b2[64];
            snprintf(b1, sizeof b1, "%f", d);
            lh_type_format(to, b2, sizeof b2);
            return conv_err(err, pos, "Could not cast value %s to %s%s", b1, b2, "");
        }
        *out = lh_value_decimal(to->width, to->scale, r);
        return 0;
    }
    if (!lh__int_range(to->id, &lo, &hi)) return LH_ENOENT;
    double r = nearbyint(d);
    if (!isfinite(r) || r < (double)lo || r >= (double)hi + 1.0) return range_err(in, to, err, pos);
    *out = make_int(to, (lh_int128_t)r);
    return 0;
}

/* \xAA escapes and ASCII into a blob (in tmp). */
static int parse_blob(const lh_str_t *s, lh_buf_t *tmp, lh_sql_error_t *err, int32_t pos)
{
    for (size_t i = 0; i < s->len; i++) {
        unsigned char c = (unsigned char)s->ptr[i];
        if (c == '\\') {
            if (i + 4 > s->len)
                return lh_sql_err(err, LH_EINVAL, LH_SQL_ECONVERT, pos,
                                  "Invalid hex escape code encountered in string -> blob "
                                  "conversion of string \"%.*s\": unterminated escape code at "
                                  "end of blob",
                                  (int)s->len, s->ptr);
            char h[3] = {s->ptr[i + 2], s->ptr[i + 3], 0};
            char *end;
            long v = strtol(h, &end, 16);
            if ((s->ptr[i + 1] | 0x20) != 'x' || *end || !isxdigit((unsigned char)h[0]))
                return lh_sql_err(err, LH_EINVAL, LH_SQL_ECONVERT, pos,
                                  "Invalid hex escape code encountered in string -> blob "
                                  "conversion of string \"%.*s\": \\x must be followed by a "
                                  "two-digit hex value",
                                  (int)s->len, s->ptr);
            unsigned char b = (unsigned char)v;
            lh_buf_append(tmp, &b, 1);
            i += 3;
        } else if (c >= 0x80) {
            return lh_sql_err(err, LH_EINVAL, LH_SQL_ECONVERT, pos,
                              "Invalid byte encountered in STRING -> BLOB conversion of string "
                              "\"%.*s\". All non-ascii characters must be escaped with hex codes "
                              "(e.g. \\xAA)",
                              (int)s->len, s->ptr);
        } else {
            lh_buf_append(tmp, &c, 1);
        }
    }
    return lh_buf_err(tmp);
}

static int from_text(const lh_value_t *in, const lh_type_t *to, lh_buf_t *tmp, lh_value_t *out,
                     lh_sql_error_t *err, int32_t pos)
{
    const char *p = in->v.s.ptr;
    size_t n = in->v.s.len;
    lh_int128_t lo, hi, v;
    double d;
    bool ok = false;
    int32_t days;
    int64_t us;
    lh_interval_t iv;
    switch (to->id) {
    case LH_TYPE_BOOLEAN: {
        bool b;
        ok = lh__parse_bool(p, n, &b);
        if (ok) *out = lh_value_bool(b);
        break;
    }
    case LH_TYPE_FLOAT:
    case LH_TYPE_DOUBLE:
        ok = lh__parse_double(p, n, &d);
        if (ok) *out = to->id == LH_TYPE_DOUBLE ? lh_value_double(d) : lh_value_float((float)d);
        break;
    case LH_TYPE_DECIMAL:
        if (lh__parse_exact(p, n, to->scale, &v) && v < lh__pow10(to->width) &&
            v > -lh__pow10(to->width))
            return *out = lh_value_decimal(to->width, to->scale, v), 0;
        {
            char b[64];
            lh_type_format(to, b, sizeof b);
            return lh_sql_err(err, LH_EINVAL, LH_SQL_ECONVERT, pos,
                              "Could not convert string \"%.*s\" to %s", (int)n, p, b);
        }
    case LH_TYPE_DATE:
        if (lh__parse_date(p, n, &days) ||
            (lh__parse_timestamp(p, n, false, &us) &&
             (days = (int32_t)lh__floordiv(us, LH_MICROS_PER_DAY), true)))
            return *out = lh_value_int(LH_TYPE_DATE, days), 0;
        return lh_sql_err(err, LH_EINVAL, LH_SQL_ECONVERT, pos,
                          "invalid date field format: \"%.*s\", expected format is (YYYY-MM-DD)",
                          (int)n, p);
    case LH_TYPE_TIME:
        if (lh__parse_time(p, n, &us)) return *out = lh_value_int(LH_TYPE_TIME, us), 0;
        return lh_sql_err(err, LH_EINVAL, LH_SQL_ECONVERT, pos,
                          "time field value out of range: \"%.*s\", expected format is "
                          "([YYYY-MM-DD ]HH:MM:SS[.MS])",
                          (int)n, p);
    case LH_TYPE_TIMESTAMP:
    case LH_TYPE_TIMESTAMP_TZ:
        if (lh__parse_timestamp(p, n, to->id == LH_TYPE_TIMESTAMP_TZ, &us))
            return *out = lh_value_int((lh_type_id_t)to->id, us), 0;
        return lh_sql_err(err, LH_EINVAL, LH_SQL_ECONVERT, pos,
                          "invalid timestamp field format: \"%.*s\", expected format is "
                          "(YYYY-MM-DD HH:MM:SS[.US][±HH[:MM[:SS]]| ZONE])",
                          (int)n, p);
    case LH_TYPE_INTERVAL:
        ok = lh__parse_interval(p, n, &iv);
        if (ok) *out = lh_value_interval(iv);
        break;
    case LH_TYPE_BLOB: {
        int rc = parse_blob(&in->v.s, tmp, err, pos);
        if (rc) return rc;
        *out = lh_value_blob(tmp->ptr, tmp->len);
        return 0;
    }
    default:
        if (!lh__int_range(to->id, &lo, &hi)) return LH_ENOENT;
        ok = lh__parse_exact(p, n, 0, &v) && v >= lo && v <= hi;
        if (ok) *out = make_int(to, v);
        break;
    }
    if (ok) return 0;
    char b[64];
    return lh_sql_err(err, LH_EINVAL, LH_SQL_ECONVERT, pos, "Could not convert string '%.*s' to %s",
                      (int)n, p, lh__cast_type_name(to, b, sizeof b));
}

static int from_temporal(const lh_value_t *in, const lh_type_t *to, lh_value_t *out)
{
    uint8_t f = in->type.id, t = to->id;
    int64_t x = in->v.i;
    bool ts_from = f == LH_TYPE_TIMESTAMP || f == LH_TYPE_TIMESTAMP_TZ;
    bool ts_to = t == LH_TYPE_TIMESTAMP || t == LH_TYPE_TIMESTAMP_TZ;
    if (f == LH_TYPE_DATE && ts_to) {
        *out = lh_value_int((lh_type_id_t)t, x * LH_MICROS_PER_DAY);
        return 0;
    }
    if (ts_from && ts_to) return *out = lh_value_int((lh_type_id_t)t, x), 0;
    if (ts_from && t == LH_TYPE_DATE)
        return *out = lh_value_int(LH_TYPE_DATE, lh__floordiv(x, LH_MICROS_PER_DAY)), 0;
    if (ts_from && t == LH_TYPE_TIME) {
        int64_t r = x % LH_MICROS_PER_DAY;
        return *out = lh_value_int(LH_TYPE_TIME, r < 0 ? r + LH_MICROS_PER_DAY : r), 0;
    }
    return LH_ENOENT;
}

static bool is_exact(uint8_t id)
{
    return (id >= LH_TYPE_BOOLEAN && id <= LH_TYPE_HUGEINT) || id == LH_TYPE_DECIMAL;
}
static bool is_number(uint8_t id)
{
    return is_exact(id) || id == LH_TYPE_FLOAT || id == LH_TYPE_DOUBLE;
}

bool lh_sql_cast_exists(const lh_type_t *from, const lh_type_t *to)
{
    uint8_t f = from->id, t = to->id;
    if (f == LH_TYPE_INVALID || lh_type_equal(from, to)) return true; /* NULL casts to anything */
    if (lh_type_is_nested(from) || lh_type_is_nested(to)) return false;
    if (t == LH_TYPE_VARCHAR || f == LH_TYPE_VARCHAR) return true;
    if (is_number(f) && is_number(t)) return true;
    if (f == LH_TYPE_DATE)
        return t == LH_TYPE_TIMESTAMP || t == LH_TYPE_TIMESTAMP_TZ || t == LH_TYPE_DATE;
    if (f == LH_TYPE_TIMESTAMP || f == LH_TYPE_TIMESTAMP_TZ)
        return t == LH_TYPE_TIMESTAMP || t == LH_TYPE_TIMESTAMP_TZ || t == LH_TYPE_DATE ||
               t == LH_TYPE_TIME;
    return false;
}

int lh__cast_one(const lh_value_t *in, const lh_type_t *to, lh_buf_t *tmp, lh_value_t *out,
                 lh_sql_error_t *err, int32_t pos)
{
    uint8_t f = in->type.id, t = to->id;
    if (in->is_null) return *out = lh_value_null(*to), 0;
    if (lh_type_equal(&in->type, to)) return *out = *in, 0;
    if (t == LH_TYPE_VARCHAR) {
        lh_buf_reset(tmp);
        if (f == LH_TYPE_BLOB || f == LH_TYPE_VARCHAR) {
            if (f == LH_TYPE_VARCHAR) return *out = lh_value_varchar(in->v.s.ptr, in->v.s.len), 0;
        }
        int rc = lh_value_text(in, tmp);
        if (rc) return lh_sql_err(err, rc, LH_SQL_EOOM, pos, "out of memory");
        *out = lh_value_varchar(tmp->ptr ? tmp->ptr : "", tmp->len);
        return 0;
    }
    if (f == LH_TYPE_VARCHAR) {
        lh_buf_reset(tmp);
        return from_text(in, to, tmp, out, err, pos);
    }
    if (is_exact(f) && is_number(t)) {
        lh_int128_t v;
        int scale = 0;
        if (f == LH_TYPE_BOOLEAN)
            v = in->v.b;
        else
            lh_value_exact(in, &v, &scale);
        return from_exact(in, v, scale, to, out, err, pos);
    }
    if ((f == LH_TYPE_FLOAT || f == LH_TYPE_DOUBLE) && is_number(t))
        return from_double(in, f == LH_TYPE_FLOAT ? in->v.f : in->v.d, to, out, err, pos);
    return from_temporal(in, to, out);
}
