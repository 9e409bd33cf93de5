/* `lakehouse sqllogictest FILE|DIR...`: runs sqllogictest files (SQLite's and
 * DuckDB's dialect of the format, parsed by slt_parse.c) against the SQL
 * engine. Each file gets a fresh database (the `memory` catalog) and one
 * session; a DIR is walked for `*.test` files in sorted order. Records run in
 * order: `statement ok|error|maybe` (DuckDB: `----` then a substring, or
 * `<REGEX>:` / `<!REGEX>:` pattern, of the error "Class Error: message"),
 * `query` compared by slt_result.c, `loop`/`foreach`/`endloop` with ${var}
 * substitution, `hash-threshold` (noted: the expected lines' form decides
 * between hash and values), `halt`. Skipped and counted as skipped: records
 * excluded by `skipif`/`onlyif` (our engine is `lakehouse`), records between
 * `mode skip` and `mode unskip`, the rest of a file after a `require`
 * (except flags that change nothing here), and `load`/`restart`/... commands.
 * Failures print file:line, the SQL and expected vs actual; the last line is
 * "N passed, N failed, N skipped". Exit 0, 1 on a failure, 2 on a usage
 * error or an unreadable file. */
#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "cmd/slt.h"
#include "core/buf.h"
#include "sql/sql.h"

#define MAX_LOOP_DEPTH 16
#define MAX_LABELS 256

typedef struct {
    const char *var;
    char *const *vals; /* foreach values, or NULL for a range */
    long cur, end;     /* range [cur, end), or index into vals / count */
    size_t body;       /* index of the first record in the loop */
} frame_t;

typedef struct {
    long passed, failed, skipped;
} counts_t;

typedef struct {
    const char *path;
    lh_sql_session_t *s;
    counts_t *n;
    frame_t frames[MAX_LOOP_DEPTH];
    int depth;
    bool mode_skip;
    char *labels[MAX_LABELS], *label_hash[MAX_LABELS];
    int nlabels;
    char cur[32]; /* scratch for a range loop's value */
} run_t;

/* `require X` flags that change nothing for us (the file still runs). */
static const char *const harmless_requires[] = {
    "skip_reload", "no_alternative_verify", "noforcestorage", "no_extension_autoloading", NULL,
};

/* ---- ${var} substitution ---- */

static const char *var_value(run_t *st, const char *name, size_t n)
{
    for (int d = st->depth - 1; d >= 0; d--) {
        frame_t *f = &st->frames[d];
        if (strlen(f->var) != n || memcmp(f->var, name, n)) continue;
        if (f->vals) return f->vals[f->cur];
        snprintf(st->cur, sizeof st->cur, "%ld", f->cur);
        return st->cur;
    }
    return NULL;
}

/* A copy of s with every ${var} of an enclosing loop replaced (caller frees). */
static char *substitute(run_t *st, const char *s)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    for (const char *p = s; *p;) {
        const char *close = p[0] == '$' && p[1] == '{' ? strchr(p + 2, '}') : NULL;
        const char *v = close ? var_value(st, p + 2, (size_t)(close - p - 2)) : NULL;
        if (v) {
            lh_buf_puts(&b, v);
            p = close + 1;
        } else {
            lh_buf_append(&b, p++, 1);
        }
    }
    if (lh_buf_err(&b)) {
        lh_buf_free(&b);
        return NULL;
    }
    return lh_buf_take(&b, NULL);
}

/* ---- reporting ---- */

static void fail_header(run_t *st, const lh__slt_record_t *r, const char *what, const char *sql)
{
    st->n->failed++;
    printf("%s:%d: %s\n", st->path, r->line, what);
    if (!sql) return;
    int n = (int)strlen(sql);
    printf("  sql: %.*s%s\n", n > 400 ? 400 : n, sql, n > 400 ? " ..." : "");
}

static char *full_error(const lh_sql_error_t *err)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_buf_printf(&b, "%s: %s", lh_sql_err_class_name((lh_sql_err_class_t)err->cls), err->e.msg);
    return lh_buf_take(&b, NULL);
}

/* DuckDB's expected error: a substring, or <REGEX>:pat / <!REGEX>:pat. */
static bool error_matches(const char *msg, const char *want)
{
    bool neg = !strncmp(want, "<!REGEX>:", 9);
    if (neg || !strncmp(want, "<REGEX>:", 8)) {
        regex_t re;
        if (regcomp(&re, want + (neg ? 9 : 8), REG_EXTENDED | REG_NOSUB)) return false;
        bool hit = regexec(&re, msg, 0, NULL, 0) == 0;
        regfree(&re);
        return hit != neg;
    }
    return strstr(msg, want) != NULL;
}

static char *join_lines(char *const *lines, size_t n)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    for (size_t k = 0; k < n; k++)
        lh_buf_printf(&b, "%s%s", k ? "\n" : "", lines[k]);
    return lh_buf_take(&b, NULL);
}

/* ---- statements and queries ---- */

/* Runs sql; on success *res holds the rows (when res is non-NULL). */
static int run_sql(run_t *st, const char *sql, const char *types, lh__slt_result_t *res,
                   lh_sql_error_t *err)
{
    lh_sql_err_clear(err);
    lh_sql_result_t *r = NULL;
    lh__slt_result_t tmp;
    int rc = lh_sql_run(st->s, sql, strlen(sql), NULL, NULL, &r, err);
    if (!rc && r) {
        rc = lh__slt_result_read(r, types, res ? res : &tmp, err);
        if (rc || !res) lh__slt_result_free(res ? res : &tmp);
    } else if (res) {
        memset(res, 0, sizeof *res);
    }
    lh_sql_result_free(r);
    return rc;
}

static void do_statement(run_t *st, const lh__slt_record_t *r, const char *sql, char **expect)
{
    const char *mode = r->argc > 1 ? r->argv[1] : "ok";
    lh_sql_error_t err;
    int rc = run_sql(st, sql, "", NULL, &err);
    char *msg = rc ? full_error(&err) : NULL;
    char *want = r->has_expect ? join_lines(expect, r->nexpect) : NULL;
    if (!strcmp(mode, "ok") && rc) {
        fail_header(st, r, "statement failed", sql);
        printf("  error: %s\n", msg);
    } else if (!strcmp(mode, "error") && !rc) {
        fail_header(st, r, "statement succeeded, an error was expected", sql);
    } else if (rc && want && *want && !error_matches(msg, want)) {
        fail_header(st, r, "statement failed with another error", sql);
        printf("  expected: %s\n  actual:   %s\n", want, msg);
    } else if (strcmp(mode, "ok") && strcmp(mode, "error") && strcmp(mode, "maybe")) {
        fail_header(st, r, "statement wants ok, error or maybe", NULL);
    } else {
        st->n->passed++;
    }
    free(msg);
    free(want);
}

static lh__slt_sort_t sort_mode(const lh__slt_record_t *r, const char **label)
{
    *label = NULL;
    lh__slt_sort_t m = LH_SLT_NOSORT;
    for (int k = 2; k < r->argc; k++) {
        if (!strcmp(r->argv[k], "rowsort"))
            m = LH_SLT_ROWSORT;
        else if (!strcmp(r->argv[k], "valuesort"))
            m = LH_SLT_VALUESORT;
        else if (strcmp(r->argv[k], "nosort"))
            *label = r->argv[k];
    }
    return m;
}

/* SQLite's labels: queries with the same label give the same values. */
static bool check_label(run_t *st, const char *label, const char *hash)
{
    for (int k = 0; k < st->nlabels; k++)
        if (!strcmp(st->labels[k], label)) return !strcmp(st->label_hash[k], hash);
    if (st->nlabels < MAX_LABELS) {
        st->labels[st->nlabels] = strdup(label);
        st->label_hash[st->nlabels] = strdup(hash);
        if (st->labels[st->nlabels] && st->label_hash[st->nlabels]) st->nlabels++;
    }
    return true;
}

static void do_query(run_t *st, const lh__slt_record_t *r, const char *sql, char **expect)
{
    const char *types = r->argc > 1 ? r->argv[1] : "";
    const char *label;
    lh__slt_sort_t mode = sort_mode(r, &label);
    lh_sql_error_t err;
    lh__slt_result_t res;
    if (run_sql(st, sql, types, &res, &err)) {
        char *msg = full_error(&err);
        fail_header(st, r, "query failed", sql);
        printf("  error: %s\n", msg);
        free(msg);
        return;
    }
    char *why = NULL;
    char hash[80];
    if (res.ncols != strlen(types)) {
        fail_header(st, r, "wrong column count", sql);
        printf("  expected %zu columns (%s), got %u\n", strlen(types), types, res.ncols);
    } else if (!lh__slt_result_matches(&res, mode, expect, r->nexpect, &why)) {
        fail_header(st, r, "wrong result", sql);
        printf("  %s\n", why ? why : "out of memory comparing");
    } else if (label && (lh__slt_result_hash(&res, mode, hash), !check_label(st, label, hash))) {
        fail_header(st, r, "result differs from an earlier query with the same label", sql);
    } else {
        st->n->passed++;
    }
    free(why);
    lh__slt_result_free(&res);
}

/* Runs a statement or query record after ${var} substitution. */
static void do_sql_record(run_t *st, const lh__slt_record_t *r)
{
    char *sql = substitute(st, r->sql ? r->sql : "");
    char **expect = calloc(r->nexpect + 1, sizeof *expect);
    bool ok = sql && expect;
    for (size_t k = 0; ok && k < r->nexpect; k++)
        ok = (expect[k] = substitute(st, r->expect[k])) != NULL;
    if (!ok)
        fail_header(st, r, "out of memory", NULL);
    else if (r->kind == LH_SLT_STATEMENT)
        do_statement(st, r, sql, expect);
    else
        do_query(st, r, sql, expect);
    for (size_t k = 0; expect && k < r->nexpect; k++)
        free(expect[k]);
    free(expect);
    free(sql);
}

/* ---- control records ---- */

static size_t matching_endloop(const lh__slt_file_t *f, size_t i)
{
    int depth = 0;
    for (; i < f->n; i++) {
        if (f->recs[i].kind == LH_SLT_LOOP) depth++;
        if (f->recs[i].kind == LH_SLT_ENDLOOP && --depth == 0) return i;
    }
    return f->n;
}

static void skip_rest(run_t *st, const lh__slt_file_t *f, size_t i)
{
    for (; i < f->n; i++)
        if (f->recs[i].kind == LH_SLT_STATEMENT || f->recs[i].kind == LH_SLT_QUERY ||
            f->recs[i].kind == LH_SLT_SKIP)
            st->n->skipped++;
}

/* Enters a loop at record i; returns the next record to run. */
static size_t enter_loop(run_t *st, const lh__slt_file_t *f, size_t i)
{
    const lh__slt_record_t *r = &f->recs[i];
    bool range = !strcmp(r->argv[0], "loop") || !strcmp(r->argv[0], "concurrentloop");
    if (st->depth == MAX_LOOP_DEPTH || r->argc < (range ? 4 : 3)) {
        fail_header(st, r,
                    range ? "bad loop: want loop VAR START END (nested up to 16)"
                          : "bad foreach: want foreach VAR VALUE...",
                    NULL);
        return matching_endloop(f, i) + 1;
    }
    frame_t *fr = &st->frames[st->depth];
    fr->var = r->argv[1];
    fr->vals = range ? NULL : r->argv + 2;
    fr->cur = range ? strtol(r->argv[2], NULL, 10) : 0;
    fr->end = range ? strtol(r->argv[3], NULL, 10) : r->argc - 2;
    fr->body = i + 1;
    if (fr->cur >= fr->end) return matching_endloop(f, i) + 1;
    st->depth++;
    return i + 1;
}

static size_t end_loop(run_t *st, const lh__slt_record_t *r, size_t i)
{
    if (!st->depth) {
        fail_header(st, r, "endloop without a loop", NULL);
        return i + 1;
    }
    frame_t *fr = &st->frames[st->depth - 1];
    if (++fr->cur < fr->end) return fr->body;
    st->depth--;
    return i + 1;
}

static bool harmless_require(const lh__slt_record_t *r)
{
    for (const char *const *h = harmless_requires; *h; h++)
        if (r->argc > 1 && !strcmp(r->argv[1], *h)) return true;
    return false;
}

/* Runs the records of f in order; loops jump back. */
static void run_records(run_t *st, const lh__slt_file_t *f)
{
    for (size_t i = 0; i < f->n;) {
        const lh__slt_record_t *r = &f->recs[i];
        bool sql = r->kind == LH_SLT_STATEMENT || r->kind == LH_SLT_QUERY;
        if (r->excluded || (st->mode_skip && (sql || r->kind == LH_SLT_SKIP))) {
            if (sql || r->kind == LH_SLT_SKIP) st->n->skipped++;
            i++;
            continue;
        }
        switch (r->kind) {
        case LH_SLT_STATEMENT:
        case LH_SLT_QUERY:
            do_sql_record(st, r);
            break;
        case LH_SLT_LOOP:
            i = enter_loop(st, f, i);
            continue;
        case LH_SLT_ENDLOOP:
            i = end_loop(st, r, i);
            continue;
        case LH_SLT_HALT:
            return;
        case LH_SLT_REQUIRE:
            if (!harmless_require(r)) {
                skip_rest(st, f, i + 1);
                return;
            }
            break;
        case LH_SLT_MODE:
            if (r->argc > 1 && !strcmp(r->argv[1], "skip")) st->mode_skip = true;
            if (r->argc > 1 && !strcmp(r->argv[1], "unskip")) st->mode_skip = false;
            break;
        case LH_SLT_SKIP:
            st->n->skipped++;
            break;
        case LH_SLT_HASH_THRESHOLD:
        case LH_SLT_NOOP:
            break;
        case LH_SLT_UNKNOWN:
            fail_header(st, r, "unknown command", r->argv[0]);
            break;
        }
        i++;
    }
}

/* ---- files and directories ---- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    lh_buf_t b;
    lh_buf_init(&b, (size_t)1 << 30);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        lh_buf_append(&b, chunk, n);
    bool bad = ferror(f) || lh_buf_err(&b);
    fclose(f);
    if (bad) {
        lh_buf_free(&b);
        return NULL;
    }
    return lh_buf_take(&b, len);
}

/* Runs one file in a fresh database. 0, or 2 when it cannot be read. */
static int run_file(const char *path, counts_t *n)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text) {
        fprintf(stderr, "lakehouse sqllogictest: cannot read %s: %s\n", path, strerror(errno));
        return 2;
    }
    lh__slt_file_t f;
    lh_err_t perr = {0};
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    lh_sql_db_t *db = NULL;
    run_t *st = calloc(1, sizeof *st);
    int status = 0;
    if (!st || lh__slt_parse(text, len, &f, &perr)) {
        fprintf(stderr, "lakehouse sqllogictest: %s: out of memory\n", path);
        status = 2;
    } else if (lh_sql_db_open(&db, &err) || lh_sql_session_open(db, &st->s, &err)) {
        fprintf(stderr, "lakehouse sqllogictest: %s: %s\n", path, err.e.msg);
        status = 2;
    } else {
        st->path = path;
        st->n = n;
        run_records(st, &f);
    }
    if (st) {
        lh_sql_session_close(st->s);
        for (int k = 0; k < st->nlabels; k++) {
            free(st->labels[k]);
            free(st->label_hash[k]);
        }
    }
    lh_sql_db_close(db);
    lh__slt_file_free(&f);
    free(st);
    free(text);
    return status;
}

typedef struct {
    char **v;
    size_t n, cap;
} paths_t;

static int path_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_path(paths_t *p, const char *dir, const char *name)
{
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 64;
        char **nv = realloc(p->v, nc * sizeof *nv);
        if (!nv) return LH_ENOMEM;
        p->v = nv;
        p->cap = nc;
    }
    size_t l = strlen(dir) + strlen(name) + 2;
    if (!(p->v[p->n] = malloc(l))) return LH_ENOMEM;
    snprintf(p->v[p->n++], l, "%s/%s", dir, name);
    return 0;
}

/* Appends the *.test files under dir (recursively) to p. 0 or 2. */
static int walk(const char *dir, paths_t *p)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "lakehouse sqllogictest: cannot open %s: %s\n", dir, strerror(errno));
        return 2;
    }
    paths_t here = {0};
    int status = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' && add_path(&here, dir, e->d_name)) status = 2;
    closedir(d);
    if (here.n) qsort(here.v, here.n, sizeof *here.v, path_cmp);
    for (size_t k = 0; k < here.n; k++) {
        struct stat sb;
        size_t l = strlen(here.v[k]);
        if (stat(here.v[k], &sb)) continue;
        if (S_ISDIR(sb.st_mode)) {
            if (walk(here.v[k], p)) status = 2;
        } else if (l > 5 && !strcmp(here.v[k] + l - 5, ".test")) {
            if (add_path(p, "", here.v[k])) status = 2;
        }
        free(here.v[k]);
    }
    free(here.v);
    return status;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lakehouse sqllogictest FILE|DIR...\n\n"
            "Runs sqllogictest files (SQLite's and DuckDB's format) against the SQL engine,\n"
            "each file in a fresh in-memory database; a DIR is searched for *.test files.\n"
            "The engine's name for skipif/onlyif is \"" LH_SLT_ENGINE "\". Prints each failure\n"
            "(file:line, SQL, expected and actual) and ends with \"N passed, N failed,\n"
            "N skipped\". Exit status: 0 all passed, 1 a failure, 2 usage or unreadable file.\n");
}

int lh_cmd_sqllogictest(int argc, char **argv)
{
    if (argc == 0) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
        usage(stdout);
        return 0;
    }
    counts_t n = {0};
    int status = 0;
    for (int a = 0; a < argc; a++) {
        struct stat sb;
        if (!stat(argv[a], &sb) && S_ISDIR(sb.st_mode)) {
            paths_t p = {0};
            if (walk(argv[a], &p)) status = 2;
            for (size_t k = 0; k < p.n; k++) {
                /* add_path made "/dir/x.test" from "" + path: drop the slash */
                if (run_file(p.v[k] + 1, &n)) status = 2;
                free(p.v[k]);
            }
            free(p.v);
        } else if (run_file(argv[a], &n)) {
            status = 2;
        }
    }
    printf("%ld passed, %ld failed, %ld skipped\n", n.passed, n.failed, n.skipped);
    fflush(stdout);
    if (status) return status;
    return n.failed ? 1 : 0;
}
