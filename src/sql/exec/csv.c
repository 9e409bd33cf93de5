/* The CSV record parser (RFC 4180: quoted fields, doubled or escaped quotes,
 * line breaks inside quotes, LF / CRLF / CR line ends) and the sniffer that
 * picks the delimiter (, | ; tab), whether the first row is a header, and
 * each column's type in DuckDB's order (BOOLEAN, BIGINT, DOUBLE, TIME, DATE,
 * TIMESTAMP, else VARCHAR) from a sample of rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/exec/csv.h"
#include "sql/func/func_int.h"

#define SAMPLE_ROWS 20480

static int grow_fields(lh_csv_row_t *r)
{
    uint32_t cap = r->cap_fields ? r->cap_fields * 2 : 16;
    if (r->cap_fields >= LH_CSV_MAX_FIELDS) return LH_ETOOBIG;
    uint32_t *off = realloc(r->off, cap * sizeof *off);
    if (off) r->off = off;
    uint32_t *len = realloc(r->flen, cap * sizeof *len);
    if (len) r->flen = len;
    bool *q = realloc(r->quoted, cap * sizeof *q);
    if (q) r->quoted = q;
    if (!off || !len || !q) return LH_ENOMEM;
    r->cap_fields = cap;
    return 0;
}

static int reserve(lh_csv_row_t *r, size_t need)
{
    if (need <= r->cap) return 0;
    if (need > LH_CSV_MAX_RECORD) return LH_ETOOBIG;
    size_t cap = r->cap ? r->cap : 256;
    while (cap < need)
        cap *= 2;
    char *b = realloc(r->buf, cap);
    if (!b) return LH_ENOMEM;
    r->buf = b;
    r->cap = cap;
    return 0;
}

static int end_field(lh_csv_row_t *r, size_t start, bool quoted)
{
    if (r->n == r->cap_fields) {
        int rc = grow_fields(r);
        if (rc) return rc;
    }
    r->off[r->n] = (uint32_t)start;
    r->flen[r->n] = (uint32_t)(r->len - start);
    r->quoted[r->n++] = quoted;
    return 0;
}

static int fail(lh_err_t *err, int rc)
{
    if (rc == LH_ENOMEM) return lh_err_set(err, rc, "out of memory");
    return lh_err_set(err, rc, "record over %zu bytes or %u fields", LH_CSV_MAX_RECORD,
                      LH_CSV_MAX_FIELDS);
}

int lh__csv_record(const lh_csv_dialect_t *d, const char *p, size_t n, bool eof, lh_csv_row_t *row,
                   size_t *used, lh_err_t *err)
{
    row->n = 0;
    row->len = 0;
    row->newlines = 0;
    if (!n) return 0;
    int rc = reserve(row, n < 256 ? 256 : (n > LH_CSV_MAX_RECORD ? LH_CSV_MAX_RECORD : n));
    if (rc && rc != LH_ETOOBIG) return fail(err, rc);
    char esc = d->escape ? d->escape : d->quote;
    size_t i = 0, start = 0;
    bool quoted = false, inq = false;
    for (;;) {
        if (i == n) {
            if (!eof) return 0;
            if (inq) return lh_err_set(err, LH_EINVAL, "Value with unterminated quote found.");
            if ((rc = end_field(row, start, quoted))) return fail(err, rc);
            *used = i;
            return 1;
        }
        char c = p[i];
        if (inq) {
            if (c == d->quote || c == esc) {
                if (i + 1 == n && !eof) return 0; /* a doubled quote or an escape? */
                bool pair =
                    i + 1 < n && (p[i + 1] == d->quote || (c != d->quote && p[i + 1] == esc));
                if (pair) {
                    c = p[++i];
                } else if (c == d->quote) {
                    inq = false;
                    i++;
                    continue;
                }
            }
            if (c == '\n') row->newlines++;
        } else if (c == d->delim) {
            if ((rc = end_field(row, start, quoted))) return fail(err, rc);
            start = row->len;
            quoted = false;
            i++;
            continue;
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 == n && !eof) return 0;
            if ((rc = end_field(row, start, quoted))) return fail(err, rc);
            *used = i + 1 + (c == '\r' && i + 1 < n && p[i + 1] == '\n');
            row->newlines++;
            return 1;
        } else if (c == d->quote && d->quote && row->len == start && !quoted) {
            inq = quoted = true;
            i++;
            continue;
        }
        if (row->len == row->cap && (rc = reserve(row, row->len + 1))) return fail(err, rc);
        row->buf[row->len++] = c;
        i++;
    }
}

void lh__csv_row_free(lh_csv_row_t *row)
{
    free(row->buf);
    free(row->off);
    free(row->flen);
    free(row->quoted);
    memset(row, 0, sizeof *row);
}

static bool is_bool_word(const char *s, size_t n)
{
    static const char *const words[] = {"true", "false", "t", "f", "yes", "no", "y", "n"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == n && !strncasecmp(s, words[i], n)) return true;
    return false;
}

static bool is_int_text(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    if (i < n && (s[i] == '-' || s[i] == '+')) i++;
    size_t d = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    size_t e = i;
    while (i < n && s[i] == ' ')
        i++;
    return e > d && i == n;
}

bool lh__csv_text_is(lh_type_id_t id, const char *s, size_t n)
{
    lh_int128_t i;
    double d;
    int32_t days;
    int64_t us;
    switch (id) {
    case LH_TYPE_BOOLEAN:
        return is_bool_word(s, n);
    case LH_TYPE_BIGINT:
        return is_int_text(s, n) && lh__parse_exact(s, n, 0, &i) && i >= INT64_MIN &&
               i <= INT64_MAX;
    case LH_TYPE_DOUBLE:
        return lh__parse_double(s, n, &d);
    case LH_TYPE_TIME:
        return lh__parse_time(s, n, &us);
    case LH_TYPE_DATE:
        return lh__parse_date(s, n, &days) && memchr(s, '-', n);
    case LH_TYPE_TIMESTAMP:
        return lh__parse_timestamp(s, n, false, &us) && memchr(s, '-', n);
    default:
        return true;
    }
}

static const lh_type_id_t candidates[] = {LH_TYPE_BOOLEAN, LH_TYPE_BIGINT, LH_TYPE_DOUBLE,
                                          LH_TYPE_TIME,    LH_TYPE_DATE,   LH_TYPE_TIMESTAMP};
#define NCAND (sizeof candidates / sizeof candidates[0])

typedef struct parsed {
    uint32_t rows, first_cols, consistent; /* rows parsed; the first row's width; rows of it */
    bool bad;
} parsed_t;

/* Parses up to SAMPLE_ROWS rows of the sample with dialect d; fn sees each. */
static int each_row(const lh_csv_dialect_t *d, const char *p, size_t n, bool eof,
                    int (*fn)(void *arg, const lh_csv_row_t *row, uint32_t i), void *arg,
                    parsed_t *out, lh_err_t *err)
{
    lh_csv_row_t row = {0};
    size_t at = 0;
    memset(out, 0, sizeof *out);
    int rc = 0;
    while (out->rows < SAMPLE_ROWS) {
        size_t used = 0;
        rc = lh__csv_record(d, p + at, n - at, eof, &row, &used, err);
        if (rc <= 0) {
            if (rc == LH_EINVAL) out->bad = true, rc = 0;
            break;
        }
        at += used;
        rc = 0;
        if (row.n == 1 && !row.flen[0] && !row.quoted[0]) continue; /* an empty line */
        if (!out->rows) out->first_cols = row.n;
        out->consistent += row.n == out->first_cols;
        if (fn && (rc = fn(arg, &row, out->rows))) break;
        out->rows++;
    }
    lh__csv_row_free(&row);
    return rc;
}

typedef struct typer {
    lh_csv_sniff_t *s;
    uint8_t *ok; /* per column: bit k = candidates[k] still fits */
    bool *seen;  /* per column: a non-NULL value after the first row */
    char **first;
    uint32_t *first_len;
    bool *first_null;
    lh_arena_t *a;
} typer_t;

static bool is_null(const lh_csv_sniff_t *s, const char *p, size_t n)
{
    const char *ns = s->nullstr ? s->nullstr : "";
    return strlen(ns) == n && !memcmp(ns, p, n);
}

static int type_row(void *arg, const lh_csv_row_t *row, uint32_t i)
{
    typer_t *t = arg;
    for (uint32_t c = 0; c < row->n && c < t->s->ncols; c++) {
        const char *f = row->buf + row->off[c];
        uint32_t len = row->flen[c];
        if (!i) {
            t->first[c] = lh_arena_strndup(t->a, f, len);
            if (!t->first[c]) return LH_ENOMEM;
            t->first_len[c] = len;
            t->first_null[c] = is_null(t->s, f, len);
            continue;
        }
        if (is_null(t->s, f, len)) continue;
        t->seen[c] = true;
        for (uint32_t k = 0; k < NCAND; k++)
            if (t->ok[c] >> k & 1 && !lh__csv_text_is(candidates[k], f, len))
                t->ok[c] &= (uint8_t) ~(1u << k);
    }
    return 0;
}

static lh_type_id_t best(uint8_t ok)
{
    for (uint32_t k = 0; k < NCAND; k++)
        if (ok >> k & 1) return candidates[k];
    return LH_TYPE_VARCHAR;
}

static int pick_dialect(const char *p, size_t n, bool eof, lh_csv_sniff_t *s, lh_err_t *err)
{
    static const char delims[] = {',', '|', ';', '\t'};
    lh_csv_dialect_t bestd = s->d;
    uint32_t best_cols = 0;
    bool found = false;
    for (size_t k = 0; k < sizeof delims; k++) {
        if (s->d.delim && delims[k] != s->d.delim) continue;
        lh_csv_dialect_t d = s->d;
        d.delim = delims[k];
        parsed_t r;
        int rc = each_row(&d, p, n, eof, NULL, NULL, &r, err);
        if (rc) return rc;
        if (r.bad || r.consistent != r.rows) continue;
        if (!found || r.first_cols > best_cols) bestd = d, best_cols = r.first_cols, found = true;
    }
    if (!found && s->d.delim) {
        parsed_t r;
        int rc = each_row(&s->d, p, n, eof, NULL, NULL, &r, err);
        if (rc) return rc;
        found = !r.bad && r.consistent == r.rows;
    }
    if (!found)
        return lh_err_set(err, LH_EINVAL,
                          "It was not possible to automatically detect the CSV parsing dialect");
    s->d = bestd;
    return 0;
}

static const char *column_name(lh_arena_t *a, uint32_t i, uint32_t n)
{
    int w = 1;
    for (uint32_t x = n; x >= 10; x /= 10)
        w++;
    if (n <= 1) w = 1;
    return lh_arena_printf(a, "column%0*u", n > 10 ? w : 1, i);
}

static int name_columns(lh_arena_t *a, lh_csv_sniff_t *s, char **first)
{
    for (uint32_t c = 0; c < s->ncols; c++) {
        const char *base =
            s->header && first[c] && *first[c] ? first[c] : column_name(a, c, s->ncols);
        const char *nm = base;
        for (uint32_t k = 1, dup = 1; nm && dup; k++) {
            dup = 0;
            for (uint32_t j = 0; j < c; j++)
                if (!strcasecmp(s->names[j], nm)) dup = 1;
            if (dup) nm = lh_arena_printf(a, "%s_%u", base, k);
        }
        if (!(s->names[c] = nm)) return LH_ENOMEM;
    }
    return 0;
}

int lh__csv_sniff(lh_arena_t *a, const char *p, size_t n, bool eof, lh_csv_sniff_t *s,
                  lh_err_t *err)
{
    if (!s->d.quote && !s->no_quote) s->d.quote = '"';
    int rc = pick_dialect(p, n, eof, s, err);
    if (rc) return rc;
    parsed_t r;
    if ((rc = each_row(&s->d, p, n, eof, NULL, NULL, &r, err))) return rc;
    s->ncols = r.rows ? r.first_cols : 1;
    uint32_t nc = s->ncols + 1;
    typer_t t = {.s = s, .a = a};
    t.ok = lh_arena_alloc(a, nc);
    t.seen = lh_arena_calloc(a, nc * sizeof *t.seen);
    t.first = lh_arena_calloc(a, nc * sizeof *t.first);
    t.first_len = lh_arena_calloc(a, nc * sizeof *t.first_len);
    t.first_null = lh_arena_calloc(a, nc * sizeof *t.first_null);
    s->names = lh_arena_calloc(a, nc * sizeof *s->names);
    s->types = lh_arena_calloc(a, nc * sizeof *s->types);
    if (!t.ok || !t.seen || !t.first || !t.first_len || !t.first_null || !s->names || !s->types)
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    memset(t.ok, 0xff, nc);
    if ((rc = each_row(&s->d, p, n, eof, type_row, &t, &r, err)))
        return rc == LH_ENOMEM ? lh_err_set(err, rc, "out of memory") : rc;
    if (s->header < 0) { /* a header when a first-row value does not fit its column's type */
        bool all_varchar = true, misfit = false;
        for (uint32_t c = 0; c < s->ncols; c++) {
            lh_type_id_t ty = t.seen[c] ? best(t.ok[c]) : LH_TYPE_VARCHAR;
            all_varchar &= ty == LH_TYPE_VARCHAR;
            if (t.first[c] && !t.first_null[c] && !lh__csv_text_is(ty, t.first[c], t.first_len[c]))
                misfit = true;
        }
        s->header = misfit || (all_varchar && r.rows);
    }
    if (!s->header) /* the first row is data: its values narrow the types too */
        for (uint32_t c = 0; c < s->ncols; c++)
            if (t.first[c] && !t.first_null[c]) {
                t.seen[c] = true;
                for (uint32_t k = 0; k < NCAND; k++)
                    if (!lh__csv_text_is(candidates[k], t.first[c], t.first_len[c]))
                        t.ok[c] &= (uint8_t) ~(1u << k);
            }
    for (uint32_t c = 0; c < s->ncols; c++)
        s->types[c] = s->all_varchar || !t.seen[c] ? LH_TYPE_VARCHAR : best(t.ok[c]);
    if (name_columns(a, s, t.first)) return lh_err_set(err, LH_ENOMEM, "out of memory");
    return 0;
}
