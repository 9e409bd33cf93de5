/* Newline-delimited JSON: the column sniffer and value conversion (see
 * ndjson.h). Types as DuckDB's read_json infers them: BOOLEAN, BIGINT,
 * DOUBLE (integers and reals mixed), DATE and TIMESTAMP for strings that all
 * parse as such, else VARCHAR; nested values and mixed kinds are VARCHAR
 * (JSON text). */
#include <stdlib.h>
#include <string.h>

#include "sql/exec/files.h"
#include "sql/exec/ndjson.h"
#include "sql/func/func_int.h"

#define SAMPLE_ROWS 20480

enum { K_BOOL = 1, K_INT = 2, K_REAL = 4, K_STR = 8, K_NESTED = 16 };
enum { S_DATE = 1, S_TS = 2 };

typedef struct col {
    const char *name;
    uint8_t kinds, str_ok;
    bool neg, pos; /* integers of both signs: HUGEINT, as DuckDB (signed and unsigned 64-bit) */
} col_t;

typedef struct sniff {
    lh_arena_t *a;
    col_t *cols;
    uint32_t n, cap;
} sniff_t;

static col_t *find_col(sniff_t *s, const char *key)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (!strcmp(s->cols[i].name, key)) return &s->cols[i];
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 16;
        col_t *c = lh_arena_alloc(s->a, cap * sizeof *c);
        if (!c) return NULL;
        if (s->n) memcpy(c, s->cols, s->n * sizeof *c);
        s->cols = c;
        s->cap = cap;
    }
    col_t *c = &s->cols[s->n];
    *c = (col_t){.name = lh_arena_strdup(s->a, key), .str_ok = S_DATE | S_TS};
    if (!c->name) return NULL;
    s->n++;
    return c;
}

static void note(col_t *c, const json_t *v)
{
    int32_t d;
    int64_t us;
    switch (json_typeof(v)) {
    case JSON_TRUE:
    case JSON_FALSE:
        c->kinds |= K_BOOL;
        break;
    case JSON_INTEGER:
        c->kinds |= K_INT;
        c->neg |= json_integer_value(v) < 0;
        c->pos |= json_integer_value(v) >= 0;
        break;
    case JSON_REAL:
        c->kinds |= K_REAL;
        break;
    case JSON_STRING: {
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        c->kinds |= K_STR;
        if (!lh__parse_date(s, n, &d) || !memchr(s, '-', n)) c->str_ok &= (uint8_t)~S_DATE;
        if (!lh__parse_timestamp(s, n, false, &us) || !memchr(s, '-', n))
            c->str_ok &= (uint8_t)~S_TS;
        break;
    }
    case JSON_OBJECT:
    case JSON_ARRAY:
        c->kinds |= K_NESTED;
        break;
    default:
        break;
    }
}

static lh_type_id_t type_of(const col_t *c)
{
    switch (c->kinds) {
    case K_BOOL:
        return LH_TYPE_BOOLEAN;
    case K_INT:
        return c->neg && c->pos ? LH_TYPE_HUGEINT : LH_TYPE_BIGINT;
    case K_REAL:
    case K_INT | K_REAL:
        return LH_TYPE_DOUBLE;
    case K_STR:
        return c->str_ok & S_DATE ? LH_TYPE_DATE
               : c->str_ok & S_TS ? LH_TYPE_TIMESTAMP
                                  : LH_TYPE_VARCHAR;
    default:
        return LH_TYPE_VARCHAR;
    }
}

static int note_object(sniff_t *s, json_t *j, lh_err_t *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        col_t *c = find_col(s, key);
        if (!c) return lh_err_set(err, LH_ENOMEM, "out of memory");
        note(c, v);
    }
    return 0;
}

static int finish(lh_arena_t *a, const sniff_t *s, lh_json_sniff_t *out, lh_err_t *err)
{
    out->ncols = s->n;
    out->names = lh_arena_calloc(a, (s->n + 1) * sizeof *out->names);
    out->types = lh_arena_calloc(a, (s->n + 1) * sizeof *out->types);
    if (!out->names || !out->types) return lh_err_set(err, LH_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < s->n; i++) {
        out->names[i] = s->cols[i].name;
        out->types[i] = type_of(&s->cols[i]);
    }
    return 0;
}

int lh__json_sniff(lh_arena_t *a, const char *p, size_t n, bool eof, lh_json_sniff_t *out,
                   lh_err_t *err)
{
    sniff_t s = {.a = a};
    size_t at = 0;
    uint32_t line = 0, rows = 0;
    while (at < n && rows < SAMPLE_ROWS) {
        const char *nl = memchr(p + at, '\n', n - at);
        if (!nl && !eof) break;
        size_t len = nl ? (size_t)(nl - p - at) : n - at;
        line++;
        size_t k = 0;
        while (k < len && (p[at + k] == ' ' || p[at + k] == '\t' || p[at + k] == '\r'))
            k++;
        if (k < len) {
            json_error_t je;
            json_t *j = json_loadb(p + at, len, JSON_DECODE_ANY, &je);
            if (!j || !json_is_object(j)) {
                json_decref(j);
                return lh_err_set(err, LH_EINVAL, "at line %u: %s", line,
                                  j ? "expected an object" : je.text);
            }
            int rc = note_object(&s, j, err);
            json_decref(j);
            if (rc) return rc;
            rows++;
        }
        at += len + (nl != NULL);
    }
    return finish(a, &s, out, err);
}

int lh__json_sniff_array(lh_arena_t *a, const json_t *arr, lh_json_sniff_t *out, lh_err_t *err)
{
    sniff_t s = {.a = a};
    size_t n = json_array_size(arr);
    for (size_t i = 0; i < n && i < SAMPLE_ROWS; i++) {
        json_t *j = json_array_get(arr, i);
        if (!json_is_object(j))
            return lh_err_set(err, LH_EINVAL, "at element %zu: expected an object", i + 1);
        int rc = note_object(&s, j, err);
        if (rc) return rc;
    }
    return finish(a, &s, out, err);
}

static int set_text(lh_vector_t *v, uint32_t row, const json_t *j)
{
    if (json_is_string(j))
        return lh_vector_set_string(v, row, json_string_value(j), json_string_length(j));
    char *t = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!t) return LH_ENOMEM;
    int rc = lh_vector_set_string(v, row, t, strlen(t));
    free(t);
    return rc;
}

int lh__json_to_vector(lh_vector_t *v, uint32_t row, const json_t *j)
{
    if (!j || json_is_null(j)) {
        lh_vector_set_null(v, row);
        return 0;
    }
    const char *s = json_is_string(j) ? json_string_value(j) : NULL;
    size_t n = s ? json_string_length(j) : 0;
    switch ((lh_type_id_t)v->type.id) {
    case LH_TYPE_BOOLEAN:
        if (!json_is_boolean(j)) return LH_EINVAL;
        ((uint8_t *)v->data)[row] = json_is_true(j);
        return 0;
    case LH_TYPE_BIGINT:
        if (!json_is_integer(j)) return LH_EINVAL;
        ((int64_t *)v->data)[row] = json_integer_value(j);
        return 0;
    case LH_TYPE_HUGEINT:
        if (!json_is_integer(j)) return LH_EINVAL;
        ((lh_int128_t *)v->data)[row] = json_integer_value(j);
        return 0;
    case LH_TYPE_DOUBLE:
        if (!json_is_number(j)) return LH_EINVAL;
        ((double *)v->data)[row] = json_number_value(j);
        return 0;
    case LH_TYPE_DATE:
        return s && lh__parse_date(s, n, &((int32_t *)v->data)[row]) ? 0 : LH_EINVAL;
    case LH_TYPE_TIMESTAMP:
        return s && lh__parse_timestamp(s, n, false, &((int64_t *)v->data)[row]) ? 0 : LH_EINVAL;
    case LH_TYPE_VARCHAR:
        return set_text(v, row, j);
    default: { /* a type given with columns = {...} */
        if (json_is_object(j) || json_is_array(j)) return LH_EINVAL;
        if (s) return lh__json_text_to_vector(v, row, s, n);
        char *t = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
        int rc = t ? lh__json_text_to_vector(v, row, t, strlen(t)) : LH_ENOMEM;
        free(t);
        return rc;
    }
    }
}

/* The file's whole text into a malloc'd buffer (*buf, the caller's). */
static int read_all(struct lh_file_reader *r, char **out, size_t *n, lh_err_t *err)
{
    size_t cap = 1 << 20, len = 0, got = 1;
    char *buf = malloc(cap);
    int rc = buf ? 0 : lh_err_set(err, LH_ENOMEM, "out of memory");
    while (!rc && got) {
        if (len == cap) {
            char *b = cap < LH_JSON_MAX_DOC ? realloc(buf, cap * 2) : NULL;
            if (!b) {
                rc = lh_err_set(err, cap < LH_JSON_MAX_DOC ? LH_ENOMEM : LH_ETOOBIG,
                                "a JSON document over %zu bytes", LH_JSON_MAX_DOC);
                break;
            }
            buf = b;
            cap *= 2;
        }
        rc = lh__file_reader_read(r, buf + len, cap - len, &got, err);
        len += got;
    }
    if (rc) free(buf);
    return rc ? rc : (*out = buf, *n = len, 0);
}

static bool json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The values of p[0..n) one after another, each maybe over many lines, as a
 * new array. */
static int load_values(const char *p, size_t n, json_t **out, lh_err_t *err)
{
    json_t *arr = json_array();
    size_t at = 0;
    int line = 1;
    if (!arr) return lh_err_set(err, LH_ENOMEM, "out of memory");
    for (;;) {
        for (; at < n && json_space(p[at]); at++)
            line += p[at] == '\n';
        if (at == n) return *out = arr, 0;
        json_error_t je;
        json_t *j = json_loadb(p + at, n - at, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &je);
        if (!j || json_array_append_new(arr, j)) {
            json_decref(arr);
            return j ? lh_err_set(err, LH_ENOMEM, "out of memory")
                     : lh_err_set(err, LH_EINVAL, "at line %d: %s", line + je.line - 1, je.text);
        }
        for (size_t end = at + je.position; at < end; at++)
            line += p[at] == '\n';
    }
}

int lh__json_load_rows(struct lh_file_reader *r, bool values, json_t **out, lh_err_t *err)
{
    char *buf;
    size_t len;
    int rc = read_all(r, &buf, &len, err);
    if (rc) return rc;
    json_error_t je;
    size_t bom = len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0; /* not data */
    *out = NULL;
    if (values)
        rc = load_values(buf + bom, len - bom, out, err);
    else if (!(*out = json_loadb(buf + bom, len - bom, 0, &je)))
        rc = lh_err_set(err, LH_EINVAL, "at line %d: %s", je.line, je.text);
    else if (!json_is_array(*out))
        rc = lh_err_set(err, LH_EINVAL, "expected a JSON array");
    free(buf);
    if (rc) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

bool lh__json_first_line_whole(const char *p, size_t n, bool eof)
{
    size_t at = 0;
    while (at < n && json_space(p[at]))
        at++;
    if (at == n) return true; /* nothing: newline-delimited, no rows */
    const char *nl = memchr(p + at, '\n', n - at);
    if (!nl && !eof) return true; /* a line longer than the sample */
    json_error_t je;
    json_t *j = json_loadb(p + at, (size_t)((nl ? nl : p + n) - p - at), JSON_DECODE_ANY, &je);
    json_decref(j);
    return j != NULL;
}
