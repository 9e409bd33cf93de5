/* Partition values and data file names (delta.h): the protocol's text form
 * of each type, its parser, Hive-style escaping of partition directories,
 * `part-00000-<uuid>.c000.<codec>.parquet` names, and matching partition
 * values against a replace-where predicate. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/crypto.h"
#include "core/str.h"
#include "core/timefmt.h"
#include "table/delta_int.h"

int lh__delta_uuid(char out[37], lh_err_t *err)
{
    unsigned char b[16];
    if (lh_random_bytes(b, sizeof b)) return lh_err_set(err, LH_EIO, "no random bytes for a uuid");
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    char hex[33];
    lh_hex(b, 16, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
    return 0;
}

int64_t lh__delta_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Hive escaping of a path component: control bytes and the special set as %XX. */
static void hive_escape(lh_buf_t *b, const char *s)
{
    static const char special[] = "\"#%'*/:=?\\{[]^";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f || strchr(special, c))
            lh_buf_printf(b, "%%%02X", c);
        else
            lh_buf_append(b, s, 1);
    }
}

bool lh_delta_is_partition_column(const lh_delta_metadata_t *m, const char *col)
{
    for (size_t k = 0; k < m->npartition_columns; k++)
        if (!strcasecmp(m->partition_columns[k], col)) return true;
    return false;
}

int lh_delta_data_path(lh_buf_t *out, const char *const *partition_columns, size_t npcols,
                       const lh_delta_map_t *pvals, int part, const char *codec, lh_err_t *err)
{
    if (!codec || !*codec || part < 0 || strchr(codec, '/'))
        return lh_err_set(err, LH_EINVAL, "a data file name needs a codec and a part >= 0");
    for (size_t i = 0; i < npcols; i++) {
        const char *v = lh_delta_map_get(pvals, partition_columns[i], NULL);
        hive_escape(out, partition_columns[i]);
        lh_buf_puts(out, "=");
        if (v && *v)
            hive_escape(out, v);
        else
            lh_buf_puts(out, LH_DELTA_NULL_PARTITION);
        lh_buf_puts(out, "/");
    }
    char uuid[37];
    int rc = lh__delta_uuid(uuid, err);
    if (rc) return rc;
    lh_buf_printf(out, "part-%05d-%s.c000.%s.parquet", part, uuid, codec);
    rc = lh_buf_err(out);
    return rc ? lh_err_set(err, rc, "data file path too long") : 0;
}

/* ---- text form of values ---- */

static void put_double(lh_buf_t *b, double d, int maxprec)
{
    char s[40];
    if (isnan(d)) {
        lh_buf_puts(b, "NaN");
        return;
    }
    if (isinf(d)) {
        lh_buf_puts(b, d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    for (int p = 1; p <= maxprec; p++) { /* the shortest text that reads back the same */
        snprintf(s, sizeof s, "%.*g", p, d);
        if (maxprec == 9 ? (float)strtod(s, NULL) == (float)d : strtod(s, NULL) == d) break;
    }
    lh_buf_puts(b, s);
}

static void put_timestamp(lh_buf_t *b, int64_t us, bool utc)
{
    int64_t day = us >= 0 ? us / LH_MICROS_PER_DAY : -((-us - 1) / LH_MICROS_PER_DAY) - 1;
    int64_t rem = us - day * LH_MICROS_PER_DAY, y;
    int m, d;
    lh_time_civil_from_days(day, &y, &m, &d);
    int64_t secs = rem / 1000000, frac = rem % 1000000;
    lh_buf_printf(b, "%04lld-%02d-%02d%c%02d:%02d:%02d", (long long)y, m, d, utc ? 'T' : ' ',
                  (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    if (utc)
        lh_buf_printf(b, ".%06dZ", (int)frac);
    else if (frac)
        lh_buf_printf(b, ".%06d", (int)frac);
}

int lh_delta_partition_text(const lh_value_t *v, lh_buf_t *out, lh_err_t *err)
{
    if (v->is_null) return lh_err_set(err, LH_EINVAL, "a null partition value has no text");
    switch (v->type.id) {
    case LH_TYPE_BOOLEAN:
        lh_buf_puts(out, v->v.b ? "true" : "false");
        break;
    case LH_TYPE_TINYINT:
    case LH_TYPE_SMALLINT:
    case LH_TYPE_INTEGER:
    case LH_TYPE_BIGINT:
    case LH_TYPE_DECIMAL:
    case LH_TYPE_DATE: /* the same text as DuckDB's: 42, -0.05, 2026-11-26 */
        lh_value_text(v, out);
        break;
    case LH_TYPE_FLOAT:
        put_double(out, v->v.f, 9);
        break;
    case LH_TYPE_DOUBLE:
        put_double(out, v->v.d, 17);
        break;
    case LH_TYPE_TIMESTAMP:
        put_timestamp(out, v->v.i, false);
        break;
    case LH_TYPE_TIMESTAMP_TZ:
        put_timestamp(out, v->v.i, true);
        break;
    case LH_TYPE_BLOB:
        if (!lh_utf8_valid(v->v.s.ptr, v->v.s.len))
            return lh_err_set(err, LH_EINVAL, "a binary partition value must be UTF-8 here");
        /* fall through */
    case LH_TYPE_VARCHAR:
        lh_buf_append(out, v->v.s.ptr, v->v.s.len);
        break;
    default:
        return lh_err_set(err, LH_EINVAL, "%s cannot be a partition value",
                          lh_type_id_name(v->type.id));
    }
    int rc = lh_buf_err(out);
    return rc ? lh_err_set(err, rc, "partition value too long") : 0;
}

/* ---- parsing ---- */

static int parse_int(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
    int64_t v;
    if (lh_parse_i64(s, &v) || v < lo || v > hi) return LH_EINVAL;
    *out = v;
    return 0;
}

static int parse_decimal(const char *s, int scale, lh_int128_t *out)
{
    bool neg = *s == '-';
    if (*s == '-' || *s == '+') s++;
    lh_int128_t v = 0;
    int frac = -1, digits = 0;
    for (; *s; s++) {
        if (*s == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (!isdigit((unsigned char)*s)) return LH_EINVAL;
        if (frac >= scale) {
            if (*s != '0') return LH_EINVAL; /* more precision than the column */
            continue;
        }
        if (++digits > LH_DECIMAL_MAX_WIDTH) return LH_EINVAL;
        v = v * 10 + (*s - '0');
        if (frac >= 0) frac++;
    }
    if (digits == 0) return LH_EINVAL;
    for (int f = frac < 0 ? 0 : frac; f < scale; f++)
        v *= 10;
    *out = neg ? -v : v;
    return 0;
}

/* "YYYY-MM-DD" then, for timestamps, [ T]HH:MM:SS[.fraction][Z|+hh:mm|-hh:mm]. */
static int parse_temporal(const char *s, bool want_time, int64_t *out)
{
    long long y;
    int mo, d, used = 0;
    if (sscanf(s, "%5lld-%2d-%2d%n", &y, &mo, &d, &used) != 3 || mo < 1 || mo > 12 || d < 1 ||
        d > 31)
        return LH_EINVAL;
    int64_t day = lh_time_days_from_civil(y, mo, d);
    s += used;
    if (!want_time) {
        *out = day;
        return *s ? LH_EINVAL : 0;
    }
    int h = 0, mi = 0, se = 0;
    int64_t frac = 0;
    if (*s == ' ' || *s == 'T') {
        if (sscanf(s + 1, "%2d:%2d:%2d%n", &h, &mi, &se, &used) != 3 || h > 23 || mi > 59 ||
            se > 60)
            return LH_EINVAL;
        s += 1 + used;
        if (*s == '.') {
            int nd = 0;
            for (s++; isdigit((unsigned char)*s); s++, nd++)
                if (nd < 6) frac = frac * 10 + (*s - '0');
            for (; nd < 6; nd++)
                frac *= 10;
        }
    }
    int64_t off = 0;
    if (*s == 'Z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        int oh, om;
        if (sscanf(s + 1, "%2d:%2d%n", &oh, &om, &used) != 2) return LH_EINVAL;
        off = (*s == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60);
        s += 1 + used;
    }
    if (*s) return LH_EINVAL;
    *out = day * LH_MICROS_PER_DAY + ((int64_t)h * 3600 + mi * 60 + se - off) * 1000000 + frac;
    return 0;
}

int lh_delta_partition_value(const lh_type_t *t, const char *text, lh_value_t *out, lh_err_t *err)
{
    if (!text || !*text) {
        *out = lh_value_null(*t);
        return 0;
    }
    int64_t i = 0;
    int rc = 0;
    static const int64_t lo[] = {INT8_MIN, INT16_MIN, INT32_MIN, INT64_MIN};
    static const int64_t hi[] = {INT8_MAX, INT16_MAX, INT32_MAX, INT64_MAX};
    char *end;
    switch (t->id) {
    case LH_TYPE_BOOLEAN:
        if (strcasecmp(text, "true") && strcasecmp(text, "false")) rc = LH_EINVAL;
        *out = lh_value_bool(!strcasecmp(text, "true"));
        break;
    case LH_TYPE_TINYINT:
    case LH_TYPE_SMALLINT:
    case LH_TYPE_INTEGER:
    case LH_TYPE_BIGINT: {
        int k = t->id - LH_TYPE_TINYINT;
        rc = parse_int(text, lo[k], hi[k], &i);
        *out = lh_value_int((lh_type_id_t)t->id, i);
        break;
    }
    case LH_TYPE_FLOAT:
    case LH_TYPE_DOUBLE: {
        double d = strtod(text, &end);
        if (*end || end == text) rc = LH_EINVAL;
        *out = t->id == LH_TYPE_FLOAT ? lh_value_float((float)d) : lh_value_double(d);
        break;
    }
    case LH_TYPE_DECIMAL: {
        lh_int128_t u = 0;
        rc = parse_decimal(text, t->scale, &u);
        *out = lh_value_decimal(t->width, t->scale, u);
        break;
    }
    case LH_TYPE_DATE:
    case LH_TYPE_TIMESTAMP:
    case LH_TYPE_TIMESTAMP_TZ:
        rc = parse_temporal(text, t->id != LH_TYPE_DATE, &i);
        *out = lh_value_int((lh_type_id_t)t->id, i);
        break;
    case LH_TYPE_VARCHAR:
        *out = lh_value_varchar(text, strlen(text));
        break;
    case LH_TYPE_BLOB:
        *out = lh_value_blob(text, strlen(text));
        break;
    default:
        return lh_err_set(err, LH_EINVAL, "%s cannot be a partition value", lh_type_id_name(t->id));
    }
    if (rc)
        return lh_err_set(err, LH_EINVAL, "partition value '%.100s' is not a %s", text,
                          lh_type_id_name(t->id));
    return 0;
}

/* ---- predicates ---- */

static int value_eq(const lh_type_t *t, const char *a, const char *b, lh_err_t *err)
{
    lh_value_t x, y;
    int rc = lh_delta_partition_value(t, a, &x, err);
    if (!rc) rc = lh_delta_partition_value(t, b, &y, err);
    if (rc) return rc;
    if (x.is_null || y.is_null) return x.is_null && y.is_null;
    int cmp = 1;
    if (lh_value_compare(&x, &y, &cmp)) return !strcmp(a, b);
    return cmp == 0;
}

int lh__delta_pred_match(const lh_delta_pred_t *where, size_t n, const lh_delta_map_t *pv,
                         const lh_delta_schema_t *schema, lh_err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        const lh_delta_column_t *col = lh_delta_schema_find(schema, where[i].column);
        if (!col)
            return lh_err_set(err, LH_EINVAL, "predicate column '%s' is not in the table",
                              where[i].column);
        const char *have = lh_delta_map_get(pv, col->name, NULL);
        int hit = 0;
        for (size_t k = 0; !hit && k < where[i].nvalues; k++) {
            hit = value_eq(&col->type, have, where[i].values[k], err);
            if (hit < 0) return hit;
        }
        if (!hit) return 0;
    }
    return 1;
}
