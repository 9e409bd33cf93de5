/* Per-file statistics, the add action's `stats` JSON (delta.h; PROTOCOL.md
 * "Per-file Statistics"): written from typed min/max values the Parquet
 * writer collects, read back as typed bounds for file pruning. jansson
 * cannot print an exact decimal, so a decimal goes in as a marked string
 * ("\u0001<digits>") and the quotes around it are taken out after printing. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "core/timefmt.h"
#include "table/delta_int.h"

#define MAX_STRING_CHARS 32
#define MARK "\x01"
#define MARK_JSON "\"\\u0001"

/* "2026-11-26T10:00:00.123" (+ "Z" when utc): milliseconds, floored. */
static json_t *timestamp_json(int64_t us, bool utc)
{
    int64_t ms = us >= 0 ? us / 1000 : -((-us + 999) / 1000);
    int64_t day = ms >= 0 ? ms / 86400000 : -((-ms - 1) / 86400000) - 1;
    int64_t rem = ms - day * 86400000, y;
    int m, d;
    lh_time_civil_from_days(day, &y, &m, &d);
    char s[48];
    snprintf(s, sizeof s, "%04lld-%02d-%02dT%02d:%02d:%02d.%03d%s", (long long)y, m, d,
             (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
             (int)(rem % 1000), utc ? "Z" : "");
    return json_string(s);
}

/* The first MAX_STRING_CHARS characters' length, or n; 0 when not UTF-8. */
static size_t prefix_len(const char *s, size_t n, bool *cut)
{
    size_t off = 0;
    *cut = false;
    for (int chars = 0; off < n; chars++) {
        if (chars == MAX_STRING_CHARS) {
            *cut = true;
            return off;
        }
        size_t k = lh_utf8_char(s + off, n - off, NULL);
        if (!k) return 0;
        off += k;
    }
    return off;
}

/* v as a stats value, NULL when Delta records none for it. */
static json_t *value_json(const lh_value_t *v, bool is_max)
{
    if (v->is_null) return NULL;
    switch (v->type.id) {
    case LH_TYPE_TINYINT:
    case LH_TYPE_SMALLINT:
    case LH_TYPE_INTEGER:
    case LH_TYPE_BIGINT:
        return json_integer(v->v.i);
    case LH_TYPE_FLOAT:
        return isfinite(v->v.f) ? json_real(v->v.f) : NULL;
    case LH_TYPE_DOUBLE:
        return isfinite(v->v.d) ? json_real(v->v.d) : NULL;
    case LH_TYPE_TIMESTAMP:
        return timestamp_json(v->v.i, false);
    case LH_TYPE_TIMESTAMP_TZ:
        return timestamp_json(v->v.i, true);
    case LH_TYPE_DATE:
    case LH_TYPE_DECIMAL: {
        lh_buf_t b;
        lh_buf_init(&b, 256);
        if (v->type.id == LH_TYPE_DECIMAL) lh_buf_puts(&b, MARK);
        json_t *j = lh_delta_partition_text(v, &b, NULL) ? NULL : json_string(b.ptr);
        lh_buf_free(&b);
        return j;
    }
    case LH_TYPE_VARCHAR: {
        bool cut;
        size_t n = prefix_len(v->v.s.ptr, v->v.s.len, &cut);
        if ((cut && is_max) || (!n && v->v.s.len)) return NULL;
        return json_stringn(v->v.s.ptr ? v->v.s.ptr : "", n);
    }
    default:
        return NULL;
    }
}

/* root[path] = val, making the struct objects on the way. */
static int set_path(json_t *root, const char *path, json_t *val, lh_err_t *err)
{
    char part[LH_OBJSTORE_KEY_MAX];
    json_t *o = root;
    for (const char *p = path;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n == 0 || n >= sizeof part) {
            json_decref(val);
            return lh_err_set(err, LH_EINVAL, "bad statistics column path '%s'", path);
        }
        memcpy(part, p, n);
        part[n] = 0;
        if (!dot) return json_object_set_new(o, part, val) ? LH_ENOMEM : 0;
        json_t *next = json_object_get(o, part);
        if (!next) json_object_set_new(o, part, next = json_object());
        if (!json_is_object(next)) {
            json_decref(val);
            return lh_err_set(err, LH_EINVAL, "statistics path '%s' crosses a leaf", path);
        }
        o = next;
        p = dot + 1;
    }
}

/* Copies text to out, taking the quotes off marked decimals. */
static void unmark(lh_buf_t *out, const char *text)
{
    for (const char *p = text;;) {
        const char *m = strstr(p, MARK_JSON);
        if (!m) {
            lh_buf_puts(out, p);
            return;
        }
        lh_buf_append(out, p, (size_t)(m - p));
        const char *start = m + strlen(MARK_JSON), *end = strchr(start, '"');
        if (!end) end = start + strlen(start);
        lh_buf_append(out, start, (size_t)(end - start));
        p = *end ? end + 1 : end;
    }
}

int lh_delta_stats_write(lh_buf_t *out, int64_t num_records, const lh_delta_col_stats_t *cols,
                         size_t n, lh_err_t *err)
{
    json_t *root = json_object(), *mins = json_object(), *maxs = json_object(),
           *nulls = json_object();
    int rc = root && mins && maxs && nulls ? 0 : LH_ENOMEM;
    if (!rc && num_records >= 0)
        rc = json_object_set_new(root, "numRecords", json_integer(num_records)) ? LH_ENOMEM : 0;
    for (size_t i = 0; !rc && i < n; i++) {
        json_t *lo = value_json(&cols[i].min, false), *hi = value_json(&cols[i].max, true);
        if (lo) rc = set_path(mins, cols[i].path, lo, err);
        if (hi && !rc)
            rc = set_path(maxs, cols[i].path, hi, err);
        else if (hi)
            json_decref(hi);
        if (!rc && cols[i].null_count >= 0)
            rc = set_path(nulls, cols[i].path, json_integer(cols[i].null_count), err);
    }
    if (!rc) {
        json_object_set(root, "minValues", mins);
        json_object_set(root, "maxValues", maxs);
        json_object_set(root, "nullCount", nulls);
    }
    char *text = rc ? NULL : json_dumps(root, JSON_COMPACT);
    if (!rc && !text) rc = LH_ENOMEM;
    if (text) unmark(out, text);
    free(text);
    json_decref(root);
    json_decref(mins);
    json_decref(maxs);
    json_decref(nulls);
    if (!rc) rc = lh_buf_err(out);
    if (rc && rc != LH_EINVAL) lh_err_set(err, rc, "cannot write delta statistics");
    return rc;
}

/* ---- reading ---- */

/* An integral double within +-2^53, so exactly the integer it shows. */
static bool exact_int(double d)
{
    return d >= -9007199254740992.0 && d <= 9007199254740992.0 && d == (double)(int64_t)d;
}

/* A count (numRecords, nullCount) or -1. */
static int64_t read_count(json_t *j)
{
    if (json_is_integer(j)) return json_integer_value(j);
    return json_is_real(j) && exact_int(json_real_value(j)) ? (int64_t)json_real_value(j) : -1;
}

/* A stats value of column type t into *v; false when unreadable. */
static bool read_value(lh_arena_t *a, const lh_type_t *t, json_t *j, bool is_max, lh_value_t *v)
{
    char text[64];
    switch (t->id) {
    case LH_TYPE_TINYINT:
    case LH_TYPE_SMALLINT:
    case LH_TYPE_INTEGER:
    case LH_TYPE_BIGINT:
        if (json_is_integer(j)) {
            *v = lh_value_int((lh_type_id_t)t->id, json_integer_value(j));
            return true;
        }
        /* read as a double (a file whose stats hold a number beyond int64):
         * only where the double is exact */
        if (!json_is_real(j) || !exact_int(json_real_value(j))) return false;
        *v = lh_value_int((lh_type_id_t)t->id, (int64_t)json_real_value(j));
        return true;
    case LH_TYPE_FLOAT:
    case LH_TYPE_DOUBLE:
        if (!json_is_number(j)) return false;
        *v = t->id == LH_TYPE_FLOAT ? lh_value_float((float)json_number_value(j))
                                    : lh_value_double(json_number_value(j));
        return true;
    case LH_TYPE_DECIMAL: /* through a double: exact only to 15 digits */
        if (!json_is_number(j) || t->width > 15) return false;
        snprintf(text, sizeof text, "%.*f", t->scale, json_number_value(j));
        return lh_delta_partition_value(t, text, v, NULL) == 0;
    case LH_TYPE_DATE:
    case LH_TYPE_TIMESTAMP:
    case LH_TYPE_TIMESTAMP_TZ:
        if (!json_is_string(j) || lh_delta_partition_value(t, json_string_value(j), v, NULL))
            return false;
        if (is_max && t->id != LH_TYPE_DATE) v->v.i += 999; /* written in milliseconds */
        return true;
    case LH_TYPE_VARCHAR: {
        if (!json_is_string(j)) return false;
        const char *s = lh_arena_strndup(a, json_string_value(j), json_string_length(j));
        if (!s) return false;
        *v = lh_value_varchar(s, json_string_length(j));
        return true;
    }
    case LH_TYPE_BOOLEAN:
        if (!json_is_boolean(j)) return false;
        *v = lh_value_bool(json_is_true(j));
        return true;
    default:
        return false;
    }
}

int lh_delta_stats_parse(lh_arena_t *a, const char *json, const lh_delta_schema_t *schema,
                         lh_delta_file_stats_t *out, lh_err_t *err)
{
    memset(out, 0, sizeof *out);
    out->num_records = -1;
    json_t *root = json ? json_loads(json, 0, NULL) : NULL;
    /* jansson refuses integers beyond int64 (a DECIMAL(38) bound, as Spark
     * writes them): then every number is read as a double */
    if (!root && json) root = json_loads(json, JSON_DECODE_INT_AS_REAL, NULL);
    if (!json_is_object(root)) {
        json_decref(root);
        return lh_err_set(err, LH_EINVAL, "delta statistics are not a JSON object");
    }
    json_t *nr = json_object_get(root, "numRecords");
    out->num_records = read_count(nr);
    json_t *mins = json_object_get(root, "minValues"), *maxs = json_object_get(root, "maxValues"),
           *nulls = json_object_get(root, "nullCount");
    out->cols = lh_arena_calloc(a, (schema->ncolumns + 1) * sizeof *out->cols);
    if (!out->cols) {
        json_decref(root);
        return lh_err_set(err, LH_ENOMEM, "out of memory reading delta statistics");
    }
    for (uint32_t i = 0; i < schema->ncolumns; i++) {
        const lh_delta_column_t *c = &schema->columns[i];
        if (lh_type_is_nested(&c->type)) continue;
        lh_delta_col_stats_t *s = &out->cols[out->ncols++];
        s->path = c->name;
        s->min = s->max = lh_value_null(c->type);
        s->null_count = -1;
        lh_value_t v;
        if (read_value(a, &c->type, json_object_get(mins, c->name), false, &v)) s->min = v;
        if (read_value(a, &c->type, json_object_get(maxs, c->name), true, &v)) s->max = v;
        json_t *nc = json_object_get(nulls, c->name);
        s->null_count = read_count(nc);
    }
    json_decref(root);
    return 0;
}
