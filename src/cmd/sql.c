/* `lakehouse sql`: the SQL engine in this process. Runs a script (-c TEXT,
 * -f FILE, or standard input) and prints the last statement's result as an
 * aligned table (default), CSV (RFC 4180, header line, NULL as an empty
 * field, the empty string as ""), or JSON (one object per line). Each
 * statement's kind, rows and time go to stderr. Errors print as DuckDB
 * prints them, with the line and a caret under the position, and the exit
 * status follows the task contract: 2 for parse, bind, type and assertion
 * errors, 1 for I/O and conflicts, 3 for the memory limit. */
#include <editline/readline.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/buf.h"
#include "core/config.h"
#include "sql/copy.h"
#include "sql/parser/ast.h"
#include "sql/sql.h"
#include "sql/textout.h"
#include "store/objstore.h"

typedef enum { FMT_TABLE, FMT_CSV, FMT_JSON, FMT_PARQUET } fmt_t;

typedef struct {
    const char *command, *file, *out;
    fmt_t fmt;
    bool quiet;
    bool echo; /* --echo: each statement to stderr before it runs */
} opts_t;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lakehouse sql [-c SQL | -f FILE] [--format table|csv|json|parquet] [-o FILE]\n"
            "                     [-v NAME=VALUE]... [--echo] [-q]\n\n"
            "--format parquet writes the last result to the Parquet file -o names (ZSTD).\n"
            "Runs the statements (from -c, -f, or standard input) in an in-memory session\n"
            "and prints the last statement's result. -v binds $NAME. Each statement's kind,\n"
            "rows and time go to stderr (-q to silence); --echo prints each statement there\n"
            "before it runs (and each one's result). Exit status: 0 ok, 2 invalid SQL or\n"
            "a failed assertion (error()), 1 I/O errors and conflicts, 3 out of memory.\n");
}

static char *read_all(FILE *f, size_t *len)
{
    lh_buf_t b;
    lh_buf_init(&b, (size_t)1 << 30);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        lh_buf_append(&b, chunk, n);
    if (lh_buf_err(&b) || ferror(f)) {
        lh_buf_free(&b);
        return NULL;
    }
    lh_buf_append(&b, "", 0);
    return lh_buf_take(&b, len);
}

/* ---- output ---- */

typedef struct table_acc {
    char **cells; /* row-major, ncols per row; NULL = NULL */
    size_t n, cap;
} table_acc_t;

static int print_result(lh_sql_result_t *r, fmt_t fmt, lh_sql_error_t *err, int64_t *rows)
{
    uint32_t nc = lh_sql_result_ncols(r);
    *rows = 0;
    if (!nc) return 0;
    lh_buf_t o, cell;
    lh_buf_init(&o, 0);
    lh_buf_init(&cell, 0);
    table_acc_t acc = {0};
    if (fmt == FMT_CSV) lh_sql_text_header(&o, r, ',');
    int rc = 0;
    for (;;) {
        lh_batch_t *b;
        rc = lh_sql_result_next(r, &b, err);
        if (rc || !b) break;
        for (uint32_t i = 0; i < b->count; i++) {
            (*rows)++;
            if (fmt != FMT_TABLE) {
                lh_sql_text_row(&o, &cell, r, b, i,
                                fmt == FMT_CSV ? LH_SQL_TEXT_CSV : LH_SQL_TEXT_JSON, ',');
                continue;
            }
            for (uint32_t c = 0; c < nc; c++) {
                const lh_vector_t *v = &b->cols[c];
                bool valid = lh_vector_is_valid(v, i);
                lh_buf_reset(&cell);
                if (valid) lh_vector_text(v, i, &cell);
                if (acc.n == acc.cap) {
                    acc.cap = acc.cap ? acc.cap * 2 : 1024;
                    char **nn = realloc(acc.cells, acc.cap * sizeof *nn);
                    if (!nn) {
                        rc = LH_ENOMEM;
                        break;
                    }
                    acc.cells = nn;
                }
                acc.cells[acc.n++] = valid ? strndup(cell.ptr ? cell.ptr : "", cell.len) : NULL;
            }
        }
        if (o.len > (1 << 20)) {
            fwrite(o.ptr, 1, o.len, stdout);
            lh_buf_reset(&o);
        }
        if (rc) break;
    }
    if (!rc && fmt == FMT_TABLE) {
        size_t *w = calloc(nc, sizeof *w);
        for (uint32_t c = 0; w && c < nc; c++)
            w[c] = strlen(lh_sql_result_col_name(r, c));
        for (size_t k = 0; w && k < acc.n; k++) {
            size_t l = acc.cells[k] ? strlen(acc.cells[k]) : 4;
            if (l > w[k % nc]) w[k % nc] = l;
        }
        for (uint32_t c = 0; w && c < nc; c++)
            lh_buf_printf(&o, "%s %-*s", c ? " |" : "", (int)w[c], lh_sql_result_col_name(r, c));
        lh_buf_puts(&o, "\n");
        for (uint32_t c = 0; w && c < nc; c++) {
            lh_buf_puts(&o, c ? "-+-" : "-");
            for (size_t k = 0; k < w[c]; k++)
                lh_buf_puts(&o, "-");
        }
        lh_buf_puts(&o, "-\n");
        for (size_t k = 0; w && k < acc.n; k++) {
            uint32_t c = (uint32_t)(k % nc);
            const lh_type_t *t = lh_sql_result_col_type(r, c);
            bool right = lh_sql_text_is_number(t);
            const char *s = acc.cells[k] ? acc.cells[k] : "NULL";
            lh_buf_printf(&o, right ? "%s %*s" : "%s %-*s", c ? " |" : "", (int)w[c], s);
            if (c == nc - 1) lh_buf_puts(&o, "\n");
        }
        lh_buf_printf(&o, "(%lld row%s)\n", (long long)*rows, *rows == 1 ? "" : "s");
        free(w);
    }
    for (size_t k = 0; k < acc.n; k++)
        free(acc.cells[k]);
    free(acc.cells);
    if (o.len) fwrite(o.ptr, 1, o.len, stdout);
    lh_buf_free(&o);
    lh_buf_free(&cell);
    if (rc == LH_ENOMEM && !err->e.code) lh_sql_err(err, rc, LH_SQL_EOOM, -1, "out of memory");
    return rc;
}

/* ---- errors ---- */

static void print_error(const lh_sql_error_t *e, const char *text, size_t len)
{
    fprintf(stderr, "%s: %s\n", lh_sql_err_class_name((lh_sql_err_class_t)e->cls), e->e.msg);
    if (e->pos < 0 || (size_t)e->pos > len) return;
    size_t start = (size_t)e->pos, end = (size_t)e->pos, line = 1;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    while (end < len && text[end] != '\n')
        end++;
    for (size_t i = 0; i < start; i++)
        line += text[i] == '\n';
    int prefix = fprintf(stderr, "LINE %zu: ", line);
    fprintf(stderr, "%.*s\n%*s^\n", (int)(end - start), text + start,
            prefix + (int)(e->pos - start), "");
}

static void report(void *arg, const char *tag, int64_t rows, double seconds)
{
    const opts_t *o = arg;
    if (!o->quiet) fprintf(stderr, "%s\trows=%lld\ttime=%.3fs\n", tag, (long long)rows, seconds);
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* report, noting when each statement ended: the last one's time runs from
 * there to the end of its result (it is returned unfinished, then read) */
typedef struct timed {
    const opts_t *o;
    double mark;
} timed_t;

static void report_timed(void *arg, const char *tag, int64_t rows, double seconds)
{
    timed_t *t = arg;
    report((void *)t->o, tag, rows, seconds);
    t->mark = mono_s();
}

/* Runs text as a script and prints its last result (or its error); the
 * exit status the task contract gives it. */
static int run_text(lh_sql_session_t *s, const opts_t *o, const char *text, size_t len)
{
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    lh_sql_result_t *r = NULL;
    timed_t t = {.o = o, .mark = mono_s()};
    int rc = lh_sql_run(s, text, len, report_timed, &t, &r, &err);
    int64_t rows = 0;
    if (!rc && r && o->fmt == FMT_PARQUET) {
        rc = lh_sql_write_parquet(r, o->out, 6 /* ZSTD */, &rows, &err);
        if (!rc) report((void *)o, lh_sql_result_tag(r), rows, mono_s() - t.mark);
    } else if (!rc && r) {
        rc = print_result(r, o->fmt, &err, &rows);
        if (!rc)
            report((void *)o, lh_sql_result_tag(r),
                   lh_sql_result_changes(r) >= 0 ? lh_sql_result_changes(r) : rows,
                   mono_s() - t.mark);
    }
    lh_sql_result_free(r);
    fflush(stdout);
    if (!rc) return 0;
    print_error(&err, text, len);
    int status = lh_sql_err_exit_status((lh_sql_err_class_t)err.cls);
    return status ? status : 1;
}

/* --echo: each statement is printed to stderr, then run on its own (so
 * every statement's result and row count follow its text). */
static int run_echo(lh_sql_session_t *s, const opts_t *o, const char *text, size_t len)
{
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    lh_arena_t *a = lh_arena_new(65536);
    lh_ast_script_t script;
    int rc = a ? lh_sql_parse(a, text, len, &script, &err) : LH_ENOMEM;
    if (rc) {
        lh_arena_free(a);
        if (rc == LH_ENOMEM && !err.e.code) return fprintf(stderr, "out of memory\n"), 3;
        print_error(&err, text, len);
        int status = lh_sql_err_exit_status((lh_sql_err_class_t)err.cls);
        return status ? status : 1;
    }
    int status = 0;
    for (uint32_t i = 0; !status && i < script.n; i++) {
        const char *st = text + script.start[i];
        size_t n = script.end[i] - script.start[i];
        fprintf(stderr, "-- statement %u\n%.*s;\n", i + 1, (int)n, st);
        status = run_text(s, o, st, n);
    }
    lh_arena_free(a);
    return status;
}

/* Whether the buffered lines end a statement: the last character that is
 * not blank is a ';'. */
static bool statement_ends(const lh_buf_t *b)
{
    size_t n = b->len;
    while (n && (b->ptr[n - 1] == ' ' || b->ptr[n - 1] == '\t' || b->ptr[n - 1] == '\n'))
        n--;
    return n && b->ptr[n - 1] == ';';
}

/* The interactive shell (standard input a terminal, no -c or -f): lines
 * are edited with libedit and gathered until a statement ends with ';';
 * errors are printed and the session goes on; .quit, .exit or \q (or end
 * of input) leaves. */
static int shell(lh_sql_session_t *s, const opts_t *o)
{
    lh_buf_t stmt;
    lh_buf_init(&stmt, 64 << 20);
    using_history();
    printf("lakehouse %s SQL shell: statements end with ';', .quit leaves\n", LH_VERSION);
    for (;;) {
        char *line = readline(stmt.len ? "   ...> " : "lakehouse> ");
        if (!line) break;
        if (!stmt.len &&
            (!strcmp(line, ".quit") || !strcmp(line, ".exit") || !strcmp(line, "\\q"))) {
            free(line);
            break;
        }
        if (*line) add_history(line);
        lh_buf_puts(&stmt, line);
        lh_buf_puts(&stmt, "\n");
        free(line);
        if (lh_buf_err(&stmt)) {
            fprintf(stderr, "statement too long\n");
            lh_buf_reset(&stmt);
            continue;
        }
        if (!statement_ends(&stmt)) continue;
        run_text(s, o, stmt.ptr, stmt.len);
        lh_buf_reset(&stmt);
    }
    lh_buf_free(&stmt);
    return 0;
}

static int parse_args(int argc, char **argv, opts_t *o, lh_sql_session_t *s)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "-q")) {
            o->quiet = true;
        } else if (!strcmp(a, "--echo")) {
            o->echo = true;
        } else if ((!strcmp(a, "-c") || !strcmp(a, "-f") || !strcmp(a, "--format") ||
                    !strcmp(a, "-v") || !strcmp(a, "-o")) &&
                   next) {
            i++;
            if (!strcmp(a, "-o"))
                o->out = next;
            else if (!strcmp(a, "-c"))
                o->command = next;
            else if (!strcmp(a, "-f"))
                o->file = next;
            else if (!strcmp(a, "--format")) {
                if (!strcmp(next, "table"))
                    o->fmt = FMT_TABLE;
                else if (!strcmp(next, "csv"))
                    o->fmt = FMT_CSV;
                else if (!strcmp(next, "json"))
                    o->fmt = FMT_JSON;
                else if (!strcmp(next, "parquet"))
                    o->fmt = FMT_PARQUET;
                else {
                    fprintf(stderr, "lakehouse sql: unknown format %s (table, csv, json)\n", next);
                    return 2;
                }
            } else {
                const char *eq = strchr(next, '=');
                if (!eq || eq == next) {
                    fprintf(stderr, "lakehouse sql: -v wants NAME=VALUE, got %s\n", next);
                    return 2;
                }
                char name[256];
                snprintf(name, sizeof name, "%.*s", (int)(eq - next), next);
                lh_value_t v = lh_value_varchar(eq + 1, strlen(eq + 1));
                if (lh_sql_session_set_param(s, name, &v)) return 1;
            }
        } else {
            fprintf(stderr, "lakehouse sql: unexpected argument %s\n", a);
            usage(stderr);
            return 2;
        }
    }
    return 0;
}

/* The lake when lake.endpoint is set (no network otherwise). */
static int open_lake(int *argc, char **argv, lh_config_t **cfg, lh_objstore_t **os)
{
    lh_err_t e = {0};
    if (lh_config_load(cfg, argc, argv, &e)) {
        fprintf(stderr, "lakehouse sql: %s\n", e.msg);
        return 2;
    }
    int rc = lh_objstore_open_lake(os, *cfg, &e);
    if (rc == LH_ENOENT) return 0;
    if (rc) {
        fprintf(stderr, "lakehouse sql: the lake: %s\n", e.msg);
        return 1;
    }
    return 0;
}

int lh_cmd_sql(int argc, char **argv)
{
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    lh_sql_db_t *db = NULL;
    lh_sql_session_t *s = NULL;
    lh_config_t *cfg = NULL;
    lh_objstore_t *lake = NULL;
    int lrc = open_lake(&argc, argv, &cfg, &lake);
    if (lrc) {
        lh_config_free(cfg);
        return lrc;
    }
    if (lh_sql_db_open(&db, &err) || lh_sql_session_open(db, &s, &err)) {
        fprintf(stderr, "lakehouse sql: %s\n", err.e.msg);
        lh_sql_db_close(db);
        lh_objstore_close(lake);
        lh_config_free(cfg);
        return 1;
    }
    if (lake) lh_sql_db_set_lake(db, lake, lh_config_get(cfg, "lake.bucket"));
    int64_t limit = 0;
    const char *lim = lh_config_get(cfg, "sql.memory_limit");
    if (lim && !lh_config_parse_size(lim, &limit)) lh_sql_db_set_memory_limit(db, limit);
    int64_t threads = 0;
    const char *th = lh_config_get(cfg, "sql.threads");
    if (th && !lh_parse_i64(th, &threads)) lh_sql_db_set_threads(db, (int)threads);
    lh_err_t ce = {0};
    if (lh_sql_db_set_cache(db, lh_config_get(cfg, "sql.cache_dir"),
                            lh_config_size(cfg, "sql.cache_size"), &ce))
        fprintf(stderr, "lakehouse sql: %s (reading without a cache)\n", ce.msg);
    opts_t o = {0};
    int status = parse_args(argc, argv, &o, s);
    if (!status && (o.fmt == FMT_PARQUET) != (o.out != NULL)) {
        fprintf(stderr,
                "lakehouse sql: --format parquet needs -o FILE (and -o goes with it only)\n");
        status = 2;
    }
    char *text = NULL;
    size_t len = 0;
    if (!status && !o.command && !o.file && isatty(0)) {
        status = shell(s, &o);
        goto done;
    }
    if (!status) {
        if (o.command) {
            text = strdup(o.command);
            len = text ? strlen(text) : 0;
        } else {
            FILE *f = o.file ? fopen(o.file, "rb") : stdin;
            if (!f) {
                fprintf(stderr, "lakehouse sql: cannot open %s\n", o.file);
                status = 1;
            } else {
                text = read_all(f, &len);
                if (f != stdin) fclose(f);
            }
        }
        if (!status && !text) {
            fprintf(stderr, "lakehouse sql: cannot read the script\n");
            status = 1;
        }
    }
    if (!status) status = o.echo ? run_echo(s, &o, text, len) : run_text(s, &o, text, len);
done:
    free(text);
    lh_sql_session_close(s);
    lh_sql_db_close(db);
    lh_objstore_close(lake);
    lh_config_free(cfg);
    return status;
}

int lh_cmd_sql_main(int argc, char **argv)
{
    lh_cmd_tune_malloc("sql", "sql.tune_malloc", argc, argv); /* tune_malloc.c says why */
    return lh_cmd_sql(argc, argv);
}
