/* Values as text, the way DuckDB casts them to VARCHAR (and prints them):
 * decimals with their scale, floats in the shortest form that reads back
 * (Python's repr rules: exponent below -4 or from 16 up), dates, times and
 * timestamps with trailing fractional zeros dropped (`+00` on TIMESTAMP WITH
 * TIME ZONE), intervals as `1 month 2 days 00:00:03`, blobs with `\xAB`
 * escapes, lists `[1, 2]`, structs `{'a': 1}`, maps `{k=v}`; strings inside
 * nested values are quoted only when they contain characters that would make
 * the text ambiguous. */
#include "core/timefmt.h"
#include "vector/vector.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void put_int128(lh_buf_t *out, lh_int128_t v)
{
    char tmp[48];
    int i = sizeof tmp;
    lh_uint128_t u = v < 0 ? -(lh_uint128_t)v : (lh_uint128_t)v;
    do {
        tmp[--i] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (v < 0) tmp[--i] = '-';
    lh_buf_append(out, tmp + i, sizeof tmp - (size_t)i);
}

static void put_decimal(lh_buf_t *out, lh_int128_t v, int scale)
{
    char tmp[48];
    int i = sizeof tmp, digits = 0;
    lh_uint128_t u = v < 0 ? -(lh_uint128_t)v : (lh_uint128_t)v;
    do {
        tmp[--i] = (char)('0' + (int)(u % 10));
        u /= 10;
        if (++digits == scale) tmp[--i] = '.';
    } while (u || digits < scale);
    if (tmp[i] == '.') tmp[--i] = '0';
    if (v < 0) tmp[--i] = '-';
    lh_buf_append(out, tmp + i, sizeof tmp - (size_t)i);
}

/* Shortest round-trip digits, laid out as Python's repr does. */
static void put_float(lh_buf_t *out, double d, bool single)
{
    if (isnan(d)) {
        lh_buf_puts(out, "nan");
        return;
    }
    if (isinf(d)) {
        lh_buf_puts(out, d < 0 ? "-inf" : "inf");
        return;
    }
    char e[40];
    int p;
    for (p = 1; p <= 17; p++) {
        snprintf(e, sizeof e, "%.*e", p - 1, d);
        if (single ? strtof(e, NULL) == (float)d : strtod(e, NULL) == d) break;
    }
    /* e is [-]d[.ddd]e[+-]XX */
    char *ep = strchr(e, 'e');
    int exp = (int)strtol(ep + 1, NULL, 10);
    *ep = 0;
    char digits[24];
    int nd = 0;
    bool neg = e[0] == '-';
    for (char *c = e + neg; *c; c++)
        if (*c != '.') digits[nd++] = *c;
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    if (neg) lh_buf_puts(out, "-");
    if (exp < -4 || exp >= 16) {
        lh_buf_append(out, digits, 1);
        if (nd > 1) {
            lh_buf_puts(out, ".");
            lh_buf_append(out, digits + 1, (size_t)nd - 1);
        }
        lh_buf_printf(out, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
    } else if (exp < 0) {
        lh_buf_puts(out, "0.");
        for (int i = 0; i < -exp - 1; i++)
            lh_buf_puts(out, "0");
        lh_buf_append(out, digits, (size_t)nd);
    } else {
        for (int i = 0; i <= exp; i++)
            lh_buf_append(out, i < nd ? &digits[i] : "0", 1);
        lh_buf_puts(out, ".");
        if (nd > exp + 1)
            lh_buf_append(out, digits + exp + 1, (size_t)(nd - exp - 1));
        else
            lh_buf_puts(out, "0");
    }
}

static void put_date(lh_buf_t *out, int64_t days)
{
    int64_t y;
    int m, d;
    lh_time_civil_from_days(days, &y, &m, &d);
    if (y <= 0)
        lh_buf_printf(out, "%04" PRId64 "-%02d-%02d (BC)", 1 - y, m, d);
    else
        lh_buf_printf(out, "%04" PRId64 "-%02d-%02d", y, m, d);
}

/* HH:MM:SS[.f] of micros within a day (or more, for intervals). */
static void put_time(lh_buf_t *out, int64_t us)
{
    int64_t s = us / 1000000, f = us % 1000000;
    lh_buf_printf(out, "%02" PRId64 ":%02d:%02d", s / 3600, (int)(s / 60 % 60), (int)(s % 60));
    if (f) {
        char tmp[8];
        snprintf(tmp, sizeof tmp, "%06d", (int)f);
        int n = 6;
        while (tmp[n - 1] == '0')
            n--;
        lh_buf_puts(out, ".");
        lh_buf_append(out, tmp, (size_t)n);
    }
}

static void put_timestamp(lh_buf_t *out, int64_t us)
{
    int64_t days = us / LH_MICROS_PER_DAY, rem = us % LH_MICROS_PER_DAY;
    if (rem < 0) {
        rem += LH_MICROS_PER_DAY;
        days--;
    }
    put_date(out, days);
    lh_buf_puts(out, " ");
    put_time(out, rem);
}

static void plural(lh_buf_t *out, bool *any, int64_t n, const char *unit)
{
    if (!n) return;
    lh_buf_printf(out, "%s%" PRId64 " %s%s", *any ? " " : "", n, unit,
                  n == 1 || n == -1 ? "" : "s");
    *any = true;
}

static void put_interval(lh_buf_t *out, lh_interval_t iv)
{
    bool any = false;
    plural(out, &any, iv.months / 12, "year");
    plural(out, &any, iv.months % 12, "month");
    plural(out, &any, iv.days, "day");
    if (iv.micros || !any) {
        if (any) lh_buf_puts(out, " ");
        if (iv.micros < 0) lh_buf_puts(out, "-");
        put_time(out, iv.micros < 0 ? -iv.micros : iv.micros);
    }
}

static void put_blob(lh_buf_t *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        /* DuckDB escapes the quotes and the backslash too */
        if (p[i] >= 32 && p[i] < 127 && p[i] != '\\' && p[i] != '"' && p[i] != '\'')
            lh_buf_append(out, &p[i], 1);
        else
            lh_buf_printf(out, "\\x%02X", p[i]);
    }
}

int lh_value_text(const lh_value_t *v, lh_buf_t *out)
{
    if (v->is_null) return lh_buf_puts(out, "NULL");
    const lh_type_t *t = &v->type;
    switch (t->id) {
    case LH_TYPE_BOOLEAN:
        lh_buf_puts(out, v->v.b ? "true" : "false");
        break;
    case LH_TYPE_TINYINT:
    case LH_TYPE_SMALLINT:
    case LH_TYPE_INTEGER:
    case LH_TYPE_BIGINT:
        lh_buf_printf(out, "%" PRId64, v->v.i);
        break;
    case LH_TYPE_UTINYINT:
    case LH_TYPE_USMALLINT:
    case LH_TYPE_UINTEGER:
    case LH_TYPE_UBIGINT:
        lh_buf_printf(out, "%" PRIu64, v->v.u);
        break;
    case LH_TYPE_HUGEINT:
        put_int128(out, v->v.i128);
        break;
    case LH_TYPE_DECIMAL:
        put_decimal(out, t->width > LH_DECIMAL_INT64_WIDTH ? v->v.i128 : v->v.i, t->scale);
        break;
    case LH_TYPE_FLOAT:
        put_float(out, v->v.f, true);
        break;
    case LH_TYPE_DOUBLE:
        put_float(out, v->v.d, false);
        break;
    case LH_TYPE_DATE:
        put_date(out, v->v.i);
        break;
    case LH_TYPE_TIME:
        put_time(out, v->v.i);
        break;
    case LH_TYPE_TIMESTAMP:
        put_timestamp(out, v->v.i);
        break;
    case LH_TYPE_TIMESTAMP_TZ:
        put_timestamp(out, v->v.i);
        lh_buf_puts(out, "+00");
        break;
    case LH_TYPE_INTERVAL:
        put_interval(out, v->v.iv);
        break;
    case LH_TYPE_VARCHAR:
        lh_buf_append(out, v->v.s.ptr, v->v.s.len);
        break;
    case LH_TYPE_BLOB:
        put_blob(out, (const uint8_t *)v->v.s.ptr, v->v.s.len);
        break;
    default:
        return lh_buf_set_err(out, LH_EINVAL);
    }
    return lh_buf_err(out);
}

/* A string inside a list, struct or map: quoted when it could be misread. */
static void put_nested_string(lh_buf_t *out, const char *p, size_t n)
{
    bool quote = !n || p[0] == ' ' || p[n - 1] == ' ' || (n == 4 && !strncasecmp(p, "null", 4));
    for (size_t i = 0; i < n && !quote; i++)
        quote = strchr("[]{}(),'\"=:\\\n\t", p[i]) && p[i];
    if (!quote) {
        lh_buf_append(out, p, n);
        return;
    }
    lh_buf_puts(out, "'");
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\'' || p[i] == '\\') lh_buf_puts(out, "\\");
        lh_buf_append(out, &p[i], 1);
    }
    lh_buf_puts(out, "'");
}

static int row_text(const lh_vector_t *v, uint32_t row, bool nested, lh_buf_t *out)
{
    if (!lh_vector_is_valid(v, row)) return lh_buf_puts(out, "NULL");
    uint32_t r = v->kind == LH_VECTOR_CONSTANT ? 0 : row;
    switch (v->type.id) {
    case LH_TYPE_STRUCT:
        lh_buf_puts(out, "{");
        for (uint32_t i = 0; i < v->type.nfields; i++) {
            lh_buf_puts(out, i ? ", '" : "'");
            const char *name = v->type.fields[i].name;
            for (const char *c = name; *c; c++)
                lh_buf_append(out, *c == '\'' ? "\\'" : c, *c == '\'' ? 2 : 1);
            lh_buf_puts(out, "': ");
            row_text(&v->children[i], r, true, out);
        }
        return lh_buf_puts(out, "}");
    case LH_TYPE_LIST:
    case LH_TYPE_MAP: {
        const lh_vector_t *vv = lh_vector_values(v);
        lh_list_entry_t e = lh_vector_list_entries(vv)[lh_vector_row(v, row)];
        bool map = v->type.id == LH_TYPE_MAP;
        lh_buf_puts(out, map ? "{" : "[");
        for (uint32_t i = 0; i < e.length; i++) {
            if (i) lh_buf_puts(out, ", ");
            if (map) {
                row_text(&vv->child->children[0], e.offset + i, true, out);
                lh_buf_puts(out, "=");
                row_text(&vv->child->children[1], e.offset + i, true, out);
            } else {
                row_text(vv->child, e.offset + i, true, out);
            }
        }
        return lh_buf_puts(out, map ? "}" : "]");
    }
    default:
        break;
    }
    lh_value_t val;
    if (lh_vector_get_value(v, row, &val)) return lh_buf_set_err(out, LH_EINVAL);
    if (nested && val.type.id == LH_TYPE_VARCHAR) {
        put_nested_string(out, val.v.s.ptr, val.v.s.len);
        return lh_buf_err(out);
    }
    return lh_value_text(&val, out);
}

int lh_vector_text(const lh_vector_t *v, uint32_t row, lh_buf_t *out)
{
    return row_text(v, row, false, out);
}
