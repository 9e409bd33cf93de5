/* The sqllogictest file format as SQLite and DuckDB write it: the text is cut
 * into lines (\n or \r\n), records are runs of non-blank lines, `#` lines
 * before the `----` of a record are comments. A record may start with
 * `skipif X` / `onlyif X` lines (evaluated against LH_SLT_ENGINE), then one
 * command line. `statement` and `query` records take the following lines up
 * to `----` as their SQL and the lines after it as the expected output; any
 * other command is one line, so `loop i 0 3` or `endloop` directly followed
 * by a `statement` (as some DuckDB files do) still parses. */
#include <stdlib.h>
#include <string.h>

#include "cmd/slt.h"

typedef struct {
    const char *p;
    size_t n;
} line_t;

typedef struct {
    const char *name;
    lh__slt_kind_t kind;
} cmd_row_t;

static const cmd_row_t commands[] = {
    {.name = "statement", .kind = LH_SLT_STATEMENT},
    {.name = "query", .kind = LH_SLT_QUERY},
    {.name = "hash-threshold", .kind = LH_SLT_HASH_THRESHOLD},
    {.name = "halt", .kind = LH_SLT_HALT},
    {.name = "loop", .kind = LH_SLT_LOOP},
    {.name = "foreach", .kind = LH_SLT_LOOP},
    {.name = "concurrentloop", .kind = LH_SLT_LOOP},
    {.name = "concurrentforeach", .kind = LH_SLT_LOOP},
    {.name = "endloop", .kind = LH_SLT_ENDLOOP},
    {.name = "require", .kind = LH_SLT_REQUIRE},
    {.name = "mode", .kind = LH_SLT_MODE},
    {.name = "load", .kind = LH_SLT_SKIP},
    {.name = "restart", .kind = LH_SLT_SKIP},
    {.name = "reconnect", .kind = LH_SLT_SKIP},
    {.name = "unzip", .kind = LH_SLT_SKIP},
    {.name = "set", .kind = LH_SLT_SKIP},
    {.name = "reset", .kind = LH_SLT_SKIP},
    {.name = "require-env", .kind = LH_SLT_SKIP},
    {.name = "test-env", .kind = LH_SLT_SKIP},
    {.name = "sleep", .kind = LH_SLT_NOOP},
    {.name = "tags", .kind = LH_SLT_NOOP},
    {.name = "continue", .kind = LH_SLT_NOOP},
    {.name = NULL},
};

static bool blank(line_t l)
{
    for (size_t i = 0; i < l.n; i++)
        if (l.p[i] != ' ' && l.p[i] != '\t') return false;
    return true;
}

static bool is_comment(line_t l)
{
    return l.n > 0 && l.p[0] == '#';
}

static bool starts_word(line_t l, const char *w)
{
    size_t k = strlen(w);
    return l.n >= k && !memcmp(l.p, w, k) && (l.n == k || l.p[k] == ' ' || l.p[k] == '\t');
}

static char *dup_n(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s) return NULL;
    memcpy(s, p, n);
    s[n] = 0;
    return s;
}

/* Splits a command line into words (spaces and tabs). */
static int split_words(line_t l, lh__slt_record_t *r)
{
    size_t i = 0;
    while (i < l.n) {
        while (i < l.n && (l.p[i] == ' ' || l.p[i] == '\t'))
            i++;
        if (i == l.n) break;
        size_t s = i;
        while (i < l.n && l.p[i] != ' ' && l.p[i] != '\t')
            i++;
        char **nv = realloc(r->argv, (size_t)(r->argc + 2) * sizeof *nv);
        if (!nv) return LH_ENOMEM;
        r->argv = nv;
        if (!(r->argv[r->argc] = dup_n(l.p + s, i - s))) return LH_ENOMEM;
        r->argv[++r->argc] = NULL;
    }
    return 0;
}

/* `skipif X` / `onlyif X`: true when the record stays in for our engine. */
static bool condition_keeps(line_t l)
{
    bool only = starts_word(l, "onlyif");
    size_t i = 6;
    while (i < l.n && (l.p[i] == ' ' || l.p[i] == '\t'))
        i++;
    size_t s = i;
    while (i < l.n && l.p[i] != ' ' && l.p[i] != '\t')
        i++;
    bool ours = i - s == strlen(LH_SLT_ENGINE) && !memcmp(l.p + s, LH_SLT_ENGINE, i - s);
    return only ? ours : !ours;
}

static int add_expect(lh__slt_record_t *r, line_t l)
{
    char **ne = realloc(r->expect, (r->nexpect + 1) * sizeof *ne);
    if (!ne) return LH_ENOMEM;
    r->expect = ne;
    if (!(r->expect[r->nexpect] = dup_n(l.p, l.n))) return LH_ENOMEM;
    r->nexpect++;
    return 0;
}

static int add_sql(lh__slt_record_t *r, line_t l)
{
    size_t old = r->sql ? strlen(r->sql) : 0;
    char *s = realloc(r->sql, old + l.n + 2);
    if (!s) return LH_ENOMEM;
    if (old) s[old++] = '\n';
    memcpy(s + old, l.p, l.n);
    s[old + l.n] = 0;
    r->sql = s;
    return 0;
}

/* Parses one record from lines[*i..n) (the first line is not blank) and
 * advances *i past it. *got is false when the lines held only comments. */
static int parse_record(const line_t *lines, size_t n, size_t *i, lh__slt_record_t *r, bool *got)
{
    *got = false;
    bool keep = true;
    while (*i < n && !blank(lines[*i])) {
        line_t l = lines[*i];
        if (is_comment(l)) {
            (*i)++;
            continue;
        }
        if (starts_word(l, "skipif") || starts_word(l, "onlyif")) {
            keep = keep && condition_keeps(l);
            (*i)++;
            continue;
        }
        break;
    }
    if (*i >= n || blank(lines[*i])) return 0;
    r->line = (int)*i + 1;
    r->excluded = !keep;
    int rc = split_words(lines[*i], r);
    if (rc) return rc;
    (*i)++;
    *got = true;
    r->kind = LH_SLT_UNKNOWN;
    for (const cmd_row_t *c = commands; c->name; c++)
        if (!strcmp(r->argv[0], c->name)) r->kind = c->kind;
    if (r->kind != LH_SLT_STATEMENT && r->kind != LH_SLT_QUERY) return 0;
    for (; *i < n && !blank(lines[*i]); (*i)++) {
        line_t l = lines[*i];
        if (r->has_expect)
            rc = add_expect(r, l);
        else if (l.n == 4 && !memcmp(l.p, "----", 4))
            r->has_expect = true;
        else if (!is_comment(l))
            rc = add_sql(r, l);
        if (rc) return rc;
    }
    return 0;
}

static void record_free(lh__slt_record_t *r)
{
    for (int k = 0; k < r->argc; k++)
        free(r->argv[k]);
    free(r->argv);
    free(r->sql);
    for (size_t k = 0; k < r->nexpect; k++)
        free(r->expect[k]);
    free(r->expect);
}

int lh__slt_parse(const char *text, size_t len, lh__slt_file_t *out, lh_err_t *err)
{
    memset(out, 0, sizeof *out);
    size_t nl = 0, cap = 0, i = 0;
    line_t *lines = NULL;
    int rc = 0;
    for (size_t s = 0; s < len;) {
        const char *e = memchr(text + s, '\n', len - s);
        size_t end = e ? (size_t)(e - text) : len, n = end - s;
        if (n && text[s + n - 1] == '\r') n--;
        if (nl == cap) {
            cap = cap ? cap * 2 : 256;
            line_t *nn = realloc(lines, cap * sizeof *nn);
            if (!nn) goto nomem;
            lines = nn;
        }
        lines[nl++] = (line_t){text + s, n};
        s = end + 1;
    }
    size_t rcap = 0;
    while (i < nl) {
        if (blank(lines[i])) {
            i++;
            continue;
        }
        if (out->n == rcap) {
            rcap = rcap ? rcap * 2 : 64;
            lh__slt_record_t *nr = realloc(out->recs, rcap * sizeof *nr);
            if (!nr) goto nomem;
            out->recs = nr;
        }
        lh__slt_record_t *r = &out->recs[out->n];
        memset(r, 0, sizeof *r);
        bool got;
        rc = parse_record(lines, nl, &i, r, &got);
        if (rc || got) out->n++; /* a half-built record is freed with the file */
        if (rc) goto nomem;
    }
    free(lines);
    return 0;
nomem:
    free(lines);
    return lh_err_set(err, LH_ENOMEM, "out of memory parsing the test file");
}

void lh__slt_file_free(lh__slt_file_t *f)
{
    for (size_t k = 0; k < f->n; k++)
        record_free(&f->recs[k]);
    free(f->recs);
    memset(f, 0, sizeof *f);
}
