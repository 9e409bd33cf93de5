/* sqllogictest results: a query's rows read from the engine and rendered as
 * text (NULL, (empty), %.3f for numbers in `R` columns, VARCHAR text
 * otherwise), sorted by the record's mode (rowsort: rows by strcmp of each
 * value in turn; valuesort: every value on its own), compared with the
 * expected lines of the file, or hashed as SQLite's runner does (md5 of every
 * value followed by a line feed). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/slt.h"
#include "core/buf.h"
#include "core/crypto.h"
#include "sql/sql.h"

static bool numeric_type(const lh_type_t *t)
{
    return t->id >= LH_TYPE_TINYINT && t->id <= LH_TYPE_DECIMAL;
}

static int grow(lh__slt_result_t *res, size_t need)
{
    size_t *cap = &res->cap;
    if (need <= *cap) return 0;
    size_t nc = *cap ? *cap * 2 : 256;
    while (nc < need)
        nc *= 2;
    char **c = realloc(res->cells, nc * sizeof *c);
    if (!c) return LH_ENOMEM;
    res->cells = c;
    char **r = realloc(res->raw, nc * sizeof *r);
    if (!r) return LH_ENOMEM;
    res->raw = r;
    memset(res->cells + *cap, 0, (nc - *cap) * sizeof *c);
    memset(res->raw + *cap, 0, (nc - *cap) * sizeof *r);
    *cap = nc;
    return 0;
}

/* Renders row i of column v into cells[k] (and raw[k] when it differs). */
static int render(lh__slt_result_t *res, size_t k, const lh_vector_t *v, uint32_t i, char code,
                  lh_buf_t *tmp)
{
    if (!lh_vector_is_valid(v, i)) {
        res->cells[k] = strdup("NULL");
        return res->cells[k] ? 0 : LH_ENOMEM;
    }
    lh_buf_reset(tmp);
    int rc = lh_vector_text(v, i, tmp);
    if (rc) return rc;
    if (lh_buf_err(tmp)) return lh_buf_err(tmp);
    const char *s = tmp->len ? tmp->ptr : "";
    size_t n = tmp->len;
    if (!n) {
        res->cells[k] = strdup("(empty)");
        return res->cells[k] ? 0 : LH_ENOMEM;
    }
    if (code == 'R' && numeric_type(&v->type)) {
        char num[64];
        snprintf(num, sizeof num, "%.3f", strtod(s, NULL));
        res->cells[k] = strdup(num);
        res->raw[k] = strndup(s, n);
        return res->cells[k] && res->raw[k] ? 0 : LH_ENOMEM;
    }
    res->cells[k] = strndup(s, n);
    return res->cells[k] ? 0 : LH_ENOMEM;
}

int lh__slt_result_read(struct lh_sql_result *r, const char *types, lh__slt_result_t *res,
                        struct lh_sql_error *err)
{
    memset(res, 0, sizeof *res);
    res->ncols = lh_sql_result_ncols(r);
    size_t ntypes = strlen(types);
    lh_buf_t tmp;
    lh_buf_init(&tmp, 0);
    int rc = 0;
    if (!(res->numeric = calloc(res->ncols ? res->ncols : 1, sizeof *res->numeric))) goto nomem;
    for (uint32_t c = 0; c < res->ncols; c++)
        res->numeric[c] = numeric_type(lh_sql_result_col_type(r, c));
    for (;;) {
        lh_batch_t *b;
        if ((rc = lh_sql_result_next(r, &b, err)) || !b) break;
        if (grow(res, (res->nrows + b->count) * res->ncols)) goto nomem;
        for (uint32_t i = 0; i < b->count; i++, res->nrows++)
            for (uint32_t c = 0; c < res->ncols; c++) {
                char code = c < ntypes ? types[c] : 'T';
                size_t k = res->nrows * res->ncols + c;
                if ((rc = render(res, k, &b->cols[c], i, code, &tmp))) goto nomem;
            }
    }
    if (!rc && res->ncols == 0 && lh_sql_result_changes(r) >= 0) {
        /* DuckDB answers INSERT and CREATE TABLE AS with one row: the count */
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)lh_sql_result_changes(r));
        if (grow(res, 1)) goto nomem;
        res->ncols = 1;
        res->nrows = 1;
        res->numeric[0] = true;
        if (!(res->cells[0] = strdup(num))) goto nomem;
    }
    lh_buf_free(&tmp);
    return rc;
nomem:
    lh_buf_free(&tmp);
    if (rc && rc != LH_ENOMEM)
        return lh_sql_err(err, rc, LH_SQL_EINTERNAL, -1, "cannot render a value as text");
    return lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory reading the result");
}

void lh__slt_result_free(lh__slt_result_t *res)
{
    for (size_t k = 0; k < res->cap; k++) {
        free(res->cells[k]);
        free(res->raw[k]);
    }
    free(res->cells);
    free(res->raw);
    free(res->numeric);
    memset(res, 0, sizeof *res);
}

/* ---- sorting, hashing, comparing ---- */

static uint32_t sort_width; /* qsort has no context argument; one thread */

static int row_cmp(const void *a, const void *b)
{
    char *const *x = *(char **const *)a, *const *y = *(char **const *)b;
    for (uint32_t c = 0; c < sort_width; c++) {
        int d = strcmp(x[c], y[c]);
        if (d) return d;
    }
    return 0;
}

/* Sorts n values (width per row) in place by mode; the values array is
 * row-major. 0 or LH_ENOMEM. */
static int sort_values(char **vals, size_t n, uint32_t width, lh__slt_sort_t mode)
{
    if (mode == LH_SLT_NOSORT || n < 2 || !width) return 0;
    if (mode == LH_SLT_VALUESORT) width = 1;
    size_t rows = n / width;
    char ***idx = malloc(rows * sizeof *idx);
    char **copy = malloc(n * sizeof *copy);
    if (!idx || !copy) {
        free(idx);
        free(copy);
        return LH_ENOMEM;
    }
    for (size_t r = 0; r < rows; r++)
        idx[r] = vals + r * width;
    sort_width = width;
    qsort(idx, rows, sizeof *idx, row_cmp);
    for (size_t r = 0; r < rows; r++)
        memcpy(copy + r * width, idx[r], width * sizeof *copy);
    memcpy(vals, copy, rows * width * sizeof *copy);
    free(idx);
    free(copy);
    return 0;
}

/* Sorts the result's cells (and raw texts with them) by mode. */
static int sort_result(lh__slt_result_t *res, lh__slt_sort_t mode)
{
    size_t n = res->nrows * res->ncols;
    if (mode == LH_SLT_NOSORT || n < 2) return 0;
    /* pair each cell with its raw text by sorting an array of cell pointers
     * and finding the raw text by address afterwards */
    char **pairs = malloc(n * 2 * sizeof *pairs);
    if (!pairs) return LH_ENOMEM;
    uint32_t w = mode == LH_SLT_VALUESORT ? 1 : res->ncols;
    size_t rows = n / w;
    char ***idx = malloc(rows * sizeof *idx);
    if (!idx) {
        free(pairs);
        return LH_ENOMEM;
    }
    for (size_t r = 0; r < rows; r++)
        idx[r] = res->cells + r * w;
    sort_width = w;
    qsort(idx, rows, sizeof *idx, row_cmp);
    for (size_t r = 0; r < rows; r++) {
        size_t from = (size_t)(idx[r] - res->cells);
        for (uint32_t c = 0; c < w; c++) {
            pairs[(r * w + c) * 2] = res->cells[from + c];
            pairs[(r * w + c) * 2 + 1] = res->raw[from + c];
        }
    }
    for (size_t k = 0; k < n; k++) {
        res->cells[k] = pairs[k * 2];
        res->raw[k] = pairs[k * 2 + 1];
    }
    free(idx);
    free(pairs);
    return 0;
}

static void hash_of(char *const *vals, size_t n, char out[80])
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    for (size_t k = 0; k < n; k++) {
        lh_buf_puts(&b, vals[k]);
        lh_buf_puts(&b, "\n");
    }
    unsigned char md[16];
    lh_md5(b.len ? b.ptr : "", b.len, md);
    int o = snprintf(out, 80, "%zu values hashing to ", n);
    for (int i = 0; i < 16; i++)
        o += snprintf(out + o, (size_t)(80 - o), "%02x", md[i]);
    lh_buf_free(&b);
}

void lh__slt_result_hash(lh__slt_result_t *res, lh__slt_sort_t mode, char out[80])
{
    if (sort_result(res, mode)) mode = LH_SLT_NOSORT;
    hash_of(res->cells, res->nrows * res->ncols, out);
}

static bool is_hash_line(const char *s)
{
    size_t d = strspn(s, "0123456789");
    if (!d || strncmp(s + d, " values hashing to ", 19)) return false;
    const char *h = s + d + 19;
    return strlen(h) == 32 && strspn(h, "0123456789abcdef") == 32;
}

static bool parse_number(const char *s, double *out)
{
    char *end;
    if (!*s) return false;
    *out = strtod(s, &end);
    return *end == 0;
}

/* The expected value e against the rendered cell (and its raw text). */
static bool value_matches(const char *e, const char *cell, const char *raw, bool numeric)
{
    if (!strcmp(e, cell)) return true;
    double x, y;
    const char *a = raw ? raw : cell;
    if (!numeric || !parse_number(e, &x) || !parse_number(a, &y)) return false;
    if (x == y) return true;
    const char *dot = strchr(e, '.');
    if (!dot || strpbrk(e, "eEnN")) return false;
    char buf[128];
    snprintf(buf, sizeof buf, "%.*f", (int)strlen(dot + 1), y);
    return !strcmp(buf, e) || (!strncmp(buf, "-", 1) && !strcmp(buf + 1, e) && x == 0);
}

/* The expected lines as values: one per line when there are as many lines
 * as values, else each line split at tabs. Pointers into a copy (*store). */
static int expected_values(char *const *expect, size_t n, size_t want, char ***vals, size_t *nv,
                           char **store)
{
    *vals = NULL;
    *nv = 0;
    *store = NULL;
    size_t total = 0;
    for (size_t k = 0; k < n; k++)
        total += strlen(expect[k]) + 1;
    if (!(*store = malloc(total ? total : 1))) return LH_ENOMEM;
    size_t cap = n + 1, o = 0;
    for (size_t k = 0; k < n; k++)
        for (const char *p = expect[k]; *p; p++)
            cap += *p == '\t';
    if (!(*vals = malloc(cap * sizeof **vals))) return LH_ENOMEM;
    bool split = n != want;
    for (size_t k = 0; k < n; k++) {
        size_t l = strlen(expect[k]);
        memcpy(*store + o, expect[k], l + 1);
        char *p = *store + o;
        o += l + 1;
        (*vals)[(*nv)++] = p;
        for (; split && *p; p++)
            if (*p == '\t') {
                *p = 0;
                (*vals)[(*nv)++] = p + 1;
            }
    }
    return 0;
}

static void list_values(lh_buf_t *b, char *const *vals, size_t n, uint32_t width)
{
    for (size_t k = 0; k < n && k < 12; k++)
        lh_buf_printf(b, "%s%s", k ? (width && k % width == 0 ? " / " : " | ") : "", vals[k]);
    if (n > 12) lh_buf_printf(b, " ... (%zu values)", n);
    if (!n) lh_buf_puts(&*b, "(no rows)");
}

bool lh__slt_result_matches(lh__slt_result_t *res, lh__slt_sort_t mode, char *const *expect,
                            size_t nexpect, char **why)
{
    *why = NULL;
    size_t n = res->nrows * res->ncols;
    lh_buf_t b;
    lh_buf_init(&b, 0);
    if (sort_result(res, mode)) return false;
    if (nexpect == 1 && is_hash_line(expect[0])) {
        char got[80];
        hash_of(res->cells, n, got);
        if (!strcmp(got, expect[0])) return true;
        lh_buf_printf(&b, "expected: %s\n  actual:   %s", expect[0], got);
        *why = lh_buf_take(&b, NULL);
        return false;
    }
    char **vals, *store;
    size_t nv;
    bool ok = false;
    if (expected_values(expect, nexpect, n, &vals, &nv, &store)) goto done;
    if (nv % (res->ncols ? res->ncols : 1) == 0 &&
        sort_values(vals, nv, res->ncols ? res->ncols : 1, mode))
        goto done;
    ok = nv == n;
    size_t bad = 0;
    for (size_t k = 0; ok && k < n; k++)
        if (!value_matches(vals[k], res->cells[k], res->raw[k], res->numeric[k % res->ncols])) {
            ok = false;
            bad = k;
        }
    if (!ok) {
        if (nv == n && res->ncols)
            lh_buf_printf(&b, "row %zu column %zu: expected %s, got %s\n  ", bad / res->ncols + 1,
                          bad % res->ncols + 1, vals[bad], res->cells[bad]);
        else
            lh_buf_printf(&b, "expected %zu values, got %zu (%zu rows of %u)\n  ", nv, n,
                          res->nrows, res->ncols);
        lh_buf_puts(&b, "expected: ");
        list_values(&b, vals, nv, res->ncols);
        lh_buf_puts(&b, "\n  actual:   ");
        list_values(&b, res->cells, n, res->ncols);
        *why = lh_buf_take(&b, NULL);
    }
done:
    free(vals);
    free(store);
    lh_buf_free(&b);
    return ok;
}
