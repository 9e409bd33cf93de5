/* Unit tests of strftime, strptime, try_strptime and age (strftime.c,
 * strptime.c). Every expected "TYPE:text" (or error) is DuckDB 1.5's result
 * for the same call with the session time zone UTC. Calls go the engine's
 * way: lookup, bind (the format is a constant, compiled there), casts of the
 * arguments to what the bind asked for, the kernel over FLAT vectors of
 * several rows or CONSTANT ones. */
#include <stdarg.h>

#include "sql/func/func.h"
#include "test.h"

static char result[8192];

static lh_arena_t *arena(void)
{
    static lh_arena_t *a;
    if (!a) a = lh_arena_new(1 << 16);
    return a;
}

static const char *fmt_err(const lh_sql_error_t *err)
{
    snprintf(result, sizeof result, "ERR:%s: %s",
             lh_sql_err_class_name((lh_sql_err_class_t)err->cls), err->e.msg);
    return result;
}

/* Row texts of v joined by " | ", after "TYPE:". */
static const char *fmt_rows(const lh_vector_t *v, uint32_t n)
{
    char tn[128];
    lh_type_format(&v->type, tn, sizeof tn);
    lh_buf_t b;
    lh_buf_init(&b, 1 << 20);
    lh_buf_puts(&b, tn);
    lh_buf_puts(&b, ":");
    for (uint32_t r = 0; r < n; r++) {
        if (r) lh_buf_puts(&b, " | ");
        if (!lh_vector_is_valid(v, r))
            lh_buf_puts(&b, "NULL");
        else
            lh_vector_text(v, r, &b);
    }
    snprintf(result, sizeof result, "%s", b.ptr ? b.ptr : "");
    lh_buf_free(&b);
    return result;
}

/* A vector of type `type` (NULL: the NULL literal) with rows texts[0, n)
 * cast to it (a NULL text: NULL); arg says what the binder would know. */
static int make_arg(const char *type, const char *const *texts, uint32_t n, bool constant,
                    lh_vector_t *v, lh_sql_arg_t *arg, lh_sql_error_t *err)
{
    lh_type_t t = {0};
    lh_err_t e;
    if (strcmp(type, "NULL")) lh_type_parse(arena(), type, strlen(type), &t, &e);
    memset(arg, 0, sizeof *arg);
    arg->type = t;
    if (!t.id) arg->flags = LH_SQL_ARG_NULL_LITERAL;
    lh_type_t vt = t.id ? t : lh_type(LH_TYPE_INTEGER);
    lh_vector_init(v, &vt, n + 1, arena());
    for (uint32_t r = 0; r < n; r++) {
        lh_value_t val = lh_value_null(vt);
        if (texts[r] && t.id) {
            lh_value_t s = lh_value_varchar(texts[r], strlen(texts[r]));
            int rc = lh_sql_cast_value(&s, &t, false, arena(), &val, -1, err);
            if (rc) return rc;
        }
        lh_vector_set_value(v, r, &val);
        if (!r) arg->value = val;
    }
    if (constant) {
        lh_vector_set_constant(v);
        arg->flags |= LH_SQL_ARG_CONSTANT;
    }
    return 0;
}

/* fn(x, y) over n rows of x (type tx) and a constant y (type ty, text y)
 * unless y_rows: then y has n rows too and is not a constant. */
static const char *run(const char *fn, const char *tx, const char *const *xs, uint32_t n,
                       const char *ty, const char *const *ys, bool y_rows)
{
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    uint32_t nargs = ty ? 2 : 1;
    lh_vector_t in[2], cast[2], out;
    lh_sql_arg_t args[2];
    lh_type_t cast_to[2];
    if (make_arg(tx, xs, n, n == 1 && !y_rows, &in[0], &args[0], &err)) return fmt_err(&err);
    if (ty && make_arg(ty, ys, y_rows ? n : 1, !y_rows, &in[1], &args[1], &err))
        return fmt_err(&err);
    for (uint32_t i = 0; i < nargs; i++)
        cast_to[i] = args[i].type;
    const lh_sql_func_def_t *def = lh_sql_func_lookup(fn);
    if (!def) return "ERR:no such function";
    lh_sql_bind_call_t call = {
        .name = fn, .args = args, .nargs = nargs, .arena = arena(), .pos = -1, .cast_to = cast_to};
    if (lh_sql_func_bind(def, &call, &err)) return fmt_err(&err);
    lh_vector_init(&out, &call.ret, n + 1, arena());
    for (uint32_t i = 0; i < nargs; i++) {
        lh_vector_init(&cast[i], &cast_to[i], n + 1, arena());
        uint32_t rows = in[i].kind == LH_VECTOR_CONSTANT ? 1 : n;
        if (args[i].flags & LH_SQL_ARG_NULL_LITERAL) /* NULL casts to anything */
            for (uint32_t r = 0; r < rows; r++)
                lh_vector_set_null(&cast[i], r);
        else if (lh_sql_cast_vector(&in[i], rows, &cast[i], false, -1, &err))
            return fmt_err(&err);
        if (in[i].kind == LH_VECTOR_CONSTANT) lh_vector_set_constant(&cast[i]);
        for (uint32_t r = 0; r < n; r++)
            if (!lh_vector_is_valid(&cast[i], cast[i].kind == LH_VECTOR_CONSTANT ? 0 : r))
                lh_vector_set_null(&out, r);
    }
    lh_sql_fctx_t ctx = {.bind_data = call.bind_data, .err = &err, .pos = -1, .arena = arena()};
    if (call.exec(&ctx, cast, nargs, n, &out)) return fmt_err(&err);
    return fmt_rows(&out, n);
}

/* fn(x, y) on one row of constants. */
static const char *call2(const char *fn, const char *tx, const char *x, const char *ty,
                         const char *y)
{
    return run(fn, tx, (const char *const[]){x}, 1, ty, (const char *const[]){y}, false);
}

#define TS "TIMESTAMP"
#define TSTZ "TIMESTAMP WITH TIME ZONE"
#define VC "VARCHAR"
#define T1 "2021-03-04 05:06:07.123456"

static const char *ftime(const char *fmt)
{
    return call2("strftime", TS, T1, VC, fmt);
}

static void test_strftime_specifiers(void)
{
    CHECK_EQ_STR(ftime("%Y-%m-%d %H:%M:%S.%f"), "VARCHAR:2021-03-04 05:06:07.123456");
    CHECK_EQ_STR(ftime("%a %A %w %u %d %-d %b %h %B %m %-m %y %-y %Y"),
                 "VARCHAR:Thu Thursday 4 4 04 4 Mar Mar March 03 3 21 21 2021");
    CHECK_EQ_STR(ftime("%G %V %U %W %j %-j"), "VARCHAR:2021 09 09 09 063 63");
    CHECK_EQ_STR(ftime("%H %-H %I %-I %p %M %-M %S %-S %f %g"),
                 "VARCHAR:05 5 05 5 AM 06 6 07 7 123456 123");
    CHECK_EQ_STR(ftime("%f %n"), "VARCHAR:123456 123456000");
    CHECK_EQ_STR(ftime("[%z|%Z]"), "VARCHAR:[+00|]");
    CHECK_EQ_STR(ftime("%c|%x|%X|%T|%%"),
                 "VARCHAR:2021-03-04 05:06:07|2021-03-04|05:06:07|05:06:07|%");
    CHECK_EQ_STR(ftime("h\xc3\xa9llo %Y \xc3\xbc"), "VARCHAR:h\xc3\xa9llo 2021 \xc3\xbc");
    CHECK_EQ_STR(ftime("no specifiers"), "VARCHAR:no specifiers");
    CHECK_EQ_STR(
        call2("strftime", TSTZ, "2021-03-04 05:06:07.123456+00", VC, "%Y-%m-%d %H:%M:%S %z %Z"),
        "VARCHAR:2021-03-04 05:06:07 +00 UTC");
    CHECK_EQ_STR(call2("strftime", "DATE", "2021-03-04", VC, "%Y-%m-%d %H"),
                 "VARCHAR:2021-03-04 00");
    CHECK_EQ_STR(call2("strftime", VC, "%Y-%m-%d", TS, T1), "VARCHAR:2021-03-04");
    CHECK_EQ_STR(call2("strftime", VC, "%d/%m/%Y", "DATE", "2021-03-04"), "VARCHAR:04/03/2021");
    CHECK_EQ_STR(call2("strftime", TS, "-0044-03-15 12:00:00", VC, "%Y %y %G %-y"),
                 "VARCHAR:-44 44 7252 44");
    CHECK_EQ_STR(call2("strftime", TS, "0005-03-15 12:00:00", VC, "%Y %y %G %-y %c"),
                 "VARCHAR:0005 05 0005 5 0005-03-15 12:00:00");
    CHECK_EQ_STR(call2("strftime", TS, "12345-03-15 12:00:00", VC, "%Y %y %G"),
                 "VARCHAR:12345 45 2345");
    /* weeks at year ends */
    static const struct {
        const char *ts, *want;
    } weeks[] = {
        {"2021-01-01 00:00:00", "VARCHAR:2020 53 00 00 5 5 001 12 AM"},
        {"2021-01-03 12:00:00", "VARCHAR:2020 53 01 00 7 0 003 12 PM"},
        {"2020-12-31 23:59:59", "VARCHAR:2020 53 52 52 4 4 366 11 PM"},
        {"2019-12-30 00:00:00", "VARCHAR:2020 01 52 52 1 1 364 12 AM"},
        {"2024-12-31 13:00:00", "VARCHAR:2025 01 52 53 2 2 366 01 PM"},
        {"2027-01-01 13:00:00", "VARCHAR:2026 53 00 00 5 5 001 01 PM"},
    };
    for (size_t i = 0; i < sizeof weeks / sizeof weeks[0]; i++)
        CHECK_EQ_STR(call2("strftime", TS, weeks[i].ts, VC, "%G %V %U %W %u %w %j %I %p"),
                     weeks[i].want);
}

static void test_strftime_errors_nulls(void)
{
    CHECK_EQ_STR(ftime("%Q"), "ERR:Invalid Input Error: Failed to parse format specifier %Q: "
                              "Unrecognized format for strftime/strptime: %Q");
    CHECK_EQ_STR(ftime("%e"), "ERR:Invalid Input Error: Failed to parse format specifier %e: "
                              "Unrecognized format for strftime/strptime: %e");
    CHECK_EQ_STR(ftime("%-a"), "ERR:Invalid Input Error: Failed to parse format specifier %-a: "
                               "Unrecognized format for strftime/strptime: %-a");
    CHECK_EQ_STR(ftime("%-"), "ERR:Invalid Input Error: Failed to parse format specifier %-: "
                              "Unrecognized format for strftime/strptime: %-");
    CHECK_EQ_STR(ftime("abc%"), "ERR:Invalid Input Error: Failed to parse format specifier abc%: "
                                "Trailing format character %");
    CHECK_EQ_STR(ftime(""), "ERR:Invalid Input Error: Failed to parse format specifier : Empty "
                            "format string");
    CHECK_EQ_STR(ftime(NULL), "VARCHAR:NULL");
    CHECK_EQ_STR(call2("strftime", TS, NULL, VC, "%Y"), "VARCHAR:NULL");
    CHECK_EQ_STR(call2("strftime", "NULL", NULL, VC, "%Y"), "VARCHAR:NULL");
    /* rows: a constant format over a column with NULLs */
    const char *ts[] = {"1969-12-31 23:59:59.999999", "1900-02-28 12:00:00", NULL,
                        "2000-02-29 00:00:00"};
    CHECK_EQ_STR(
        run("strftime", TS, ts, 4, VC, (const char *const[]){"%Y-%m-%d %H:%M:%S.%f %j %a"}, false),
        "VARCHAR:1969-12-31 23:59:59.999999 365 Wed | 1900-02-28 12:00:00.000000 059 Wed | "
        "NULL | 2000-02-29 00:00:00.000000 060 Tue");
    /* a format that is not a constant is refused, as DuckDB */
    const char *fmts[] = {"%Y", "%m"};
    CHECK_EQ_STR(run("strftime", TS, (const char *const[]){T1, T1}, 2, VC, fmts, true),
                 "ERR:Invalid Input Error: strftime format must be a constant");
    CHECK_EQ_STR(run("strptime", VC, (const char *const[]){"2021", "03"}, 2, VC, fmts, true),
                 "ERR:Invalid Input Error: strptime format must be a constant");
}

static const char *ptime(const char *s, const char *fmt)
{
    return call2("strptime", VC, s, VC, fmt);
}

#define PERR(s, f, caret, why)                                                                     \
    "ERR:Invalid Input Error: Could not parse string \"" s "\" according to format specifier \"" f \
    "\"\n" caret "\nError: " why

static void test_strptime(void)
{
    CHECK_EQ_STR(ptime("2021-03-04 05:06:07", "%Y-%m-%d %H:%M:%S"),
                 "TIMESTAMP:2021-03-04 05:06:07");
    CHECK_EQ_STR(ptime("04/03/2021", "%d/%m/%Y"), "TIMESTAMP:2021-03-04 00:00:00");
    CHECK_EQ_STR(ptime("2021-03-04 05:06:07 +0100", "%Y-%m-%d %H:%M:%S %z"),
                 "TIMESTAMP WITH TIME ZONE:2021-03-04 04:06:07+00");
    CHECK_EQ_STR(ptime("2021-03-04 05:06:07 UTC", "%Y-%m-%d %H:%M:%S %Z"),
                 "TIMESTAMP WITH TIME ZONE:2021-03-04 05:06:07+00");
    CHECK_EQ_STR(ptime("2021-03-04 05:06:07 utc", "%Y-%m-%d %H:%M:%S %Z"),
                 "TIMESTAMP WITH TIME ZONE:2021-03-04 05:06:07+00");
    CHECK_EQ_STR(ptime("2021-03-04 05:06:07 +01:30", "%Y-%m-%d %H:%M:%S %z"),
                 "TIMESTAMP WITH TIME ZONE:2021-03-04 03:36:07+00");
    CHECK_EQ_STR(ptime("2021-03-04 05:06:07 -0930", "%Y-%m-%d %H:%M:%S %z"),
                 "TIMESTAMP WITH TIME ZONE:2021-03-04 14:36:07+00");
    CHECK_EQ_STR(ptime("05:06:07 -01:30:15", "%H:%M:%S %z"),
                 "TIMESTAMP WITH TIME ZONE:1900-01-01 06:36:22+00");
    CHECK_EQ_STR(ptime("2021-03-04 23:30 -01", "%Y-%m-%d %H:%M %z"),
                 "TIMESTAMP WITH TIME ZONE:2021-03-05 00:30:00+00");
    CHECK_EQ_STR(ptime("2021", "%Y"), "TIMESTAMP:2021-01-01 00:00:00");
    CHECK_EQ_STR(ptime("21", "%y"), "TIMESTAMP:2021-01-01 00:00:00");
    CHECK_EQ_STR(ptime("69", "%y"), "TIMESTAMP:1969-01-01 00:00:00");
    CHECK_EQ_STR(ptime("68", "%y"), "TIMESTAMP:2068-01-01 00:00:00");
    CHECK_EQ_STR(ptime("2021-03-04 05:06:07.123", "%Y-%m-%d %H:%M:%S.%g"),
                 "TIMESTAMP:2021-03-04 05:06:07.123");
    /* %n: DuckDB gives a TIMESTAMP_NS; here the TIMESTAMP its cast to TIMESTAMP gives */
    CHECK_EQ_STR(ptime("2021-03-04 05:06:07.123456789", "%Y-%m-%d %H:%M:%S.%n"),
                 "TIMESTAMP:2021-03-04 05:06:07.123456");
    CHECK_EQ_STR(ptime("2021-03-04 05:06:07.5", "%Y-%m-%d %H:%M:%S.%f"),
                 "TIMESTAMP:2021-03-04 05:06:07.5");
    CHECK_EQ_STR(ptime("Thu March 4 2021 5:06:07 PM", "%a %B %d %Y %I:%M:%S %p"),
                 "TIMESTAMP:2021-03-04 17:06:07");
    CHECK_EQ_STR(ptime("Thursday, mar 4 21", "%A, %b %-d %y"), "TIMESTAMP:2021-03-04 00:00:00");
    CHECK_EQ_STR(ptime("12:00 AM", "%I:%M %p"), "TIMESTAMP:1900-01-01 00:00:00");
    CHECK_EQ_STR(ptime("12:00 PM", "%I:%M %p"), "TIMESTAMP:1900-01-01 12:00:00");
    CHECK_EQ_STR(ptime("  2021-03-04   x", "%Y-%m-%d x"), "TIMESTAMP:2021-03-04 00:00:00");
    CHECK_EQ_STR(ptime("12%", "%H%%"), "TIMESTAMP:1900-01-01 12:00:00");
    CHECK_EQ_STR(ptime("a", "a"), "TIMESTAMP:1900-01-01 00:00:00");
    CHECK_EQ_STR(ptime("  epoch  ", "%Y"), "TIMESTAMP:1970-01-01 00:00:00");
    /* dates from %j, %U/%W with %w, %G/%V/%u and their precedence */
    CHECK_EQ_STR(ptime("2021 10", "%Y %j"), "TIMESTAMP:2021-01-10 00:00:00");
    CHECK_EQ_STR(ptime("100 2021", "%j %Y"), "TIMESTAMP:2021-04-10 00:00:00");
    CHECK_EQ_STR(ptime("2021 366", "%Y %j"), "TIMESTAMP:2022-01-01 00:00:00");
    CHECK_EQ_STR(ptime("2021 03 100", "%Y %m %j"), "TIMESTAMP:2021-03-01 00:00:00");
    CHECK_EQ_STR(ptime("2021 10 3", "%Y %U %w"), "TIMESTAMP:2021-03-10 00:00:00");
    CHECK_EQ_STR(ptime("3 2021 10", "%w %Y %W"), "TIMESTAMP:2021-03-10 00:00:00");
    CHECK_EQ_STR(ptime("2021 10", "%Y %U"), "TIMESTAMP:2021-03-07 00:00:00");
    CHECK_EQ_STR(ptime("2021-W10-3", "%G-W%V-%u"), "TIMESTAMP:2021-03-10 00:00:00");
    CHECK_EQ_STR(ptime("10", "%V"), "TIMESTAMP:1900-03-05 00:00:00");
    CHECK_EQ_STR(ptime("2021", "%G"), "TIMESTAMP:2021-01-04 00:00:00");
    CHECK_EQ_STR(ptime("2021 10 1999", "%G %V %Y"), "TIMESTAMP:1999-01-01 00:00:00");
    CHECK_EQ_STR(ptime("2021 5", "%Y %u"), "TIMESTAMP:2021-01-01 00:00:00");
    CHECK_EQ_STR(ptime("Sunday, 2021", "%A, %Y"), "TIMESTAMP:2021-01-01 00:00:00");
    CHECK_EQ_STR(call2("strptime", VC, NULL, VC, "%Y"), "TIMESTAMP:NULL");
    CHECK_EQ_STR(ptime("2021", NULL), "TIMESTAMP:NULL");
}

static void test_strptime_errors(void)
{
    CHECK_EQ_STR(ptime("garbage", "%Y"), PERR("garbage", "%Y", "garbage\n^", "Expected a number"));
    CHECK_EQ_STR(ptime("", "%Y"), PERR("", "%Y", "\n^", "Expected a number"));
    CHECK_EQ_STR(ptime("x", "x%Y"), PERR("x", "x%Y", "x\n ^", "Expected a number"));
    CHECK_EQ_STR(
        ptime("2021/03/04", "%Y-%m-%d"),
        PERR("2021/03/04", "%Y-%m-%d", "2021/03/04\n     ^", "Literal does not match, expected -"));
    CHECK_EQ_STR(ptime("12", "%H%%"),
                 PERR("12", "%H%%", "12\n   ^", "Literal does not match, expected %"));
    CHECK_EQ_STR(ptime("2021-03-04", "%Y-%m-%d %H"),
                 PERR("2021-03-04", "%Y-%m-%d %H", "2021-03-04\n          ^",
                      "Space does not match, expected  "));
    CHECK_EQ_STR(ptime("  x2021", " x%Y"),
                 PERR("  x2021", " x%Y", "  x2021\n^", "Space does not match, expected  x"));
    CHECK_EQ_STR(ptime("2021-03-04x", "%Y-%m-%d"),
                 PERR("2021-03-04x", "%Y-%m-%d", "2021-03-04x\n          ^",
                      "Full specifier did not match: trailing characters"));
    CHECK_EQ_STR(ptime("2021-03-04 05:06:07.123456789", "%Y-%m-%d %H:%M:%S.%f"),
                 PERR("2021-03-04 05:06:07.123456789", "%Y-%m-%d %H:%M:%S.%f",
                      "2021-03-04 05:06:07.123456789\n                          ^",
                      "Full specifier did not match: trailing characters"));
    CHECK_EQ_STR(ptime("2021-13-04", "%Y-%m-%d"),
                 PERR("2021-13-04", "%Y-%m-%d", "2021-13-04\n     ^",
                      "Month out of range, expected a value between 1 and 12"));
    CHECK_EQ_STR(ptime("123456", "%Y%m"),
                 PERR("123456", "%Y%m", "123456\n    ^",
                      "Month out of range, expected a value between 1 and 12"));
    CHECK_EQ_STR(ptime("2021 54", "%Y %U"),
                 PERR("2021 54", "%Y %U", "2021 54\n     ^",
                      "Week out of range, expected a value between 0 and 53"));
    CHECK_EQ_STR(ptime("13:00 PM", "%H:%M %p"),
                 PERR("13:00 PM", "%H:%M %p", "",
                      "Invalid hour: 13 AM/PM, expected an hour within the range [0..12]"));
    CHECK_EQ_STR(ptime("Foo, mar 4 21", "%a, %b %-d %y"),
                 PERR("Foo, mar 4 21", "%a, %b %-d %y", "Foo, mar 4 21\n^",
                      "Expected an abbreviated day name (Mon, Tue, Wed, Thu, Fri, Sat, Sun)"));
    CHECK_EQ_STR(ptime("Sund, 2021", "%A, %Y"),
                 PERR("Sund, 2021", "%A, %Y", "Sund, 2021\n^",
                      "Expected a full day name (Monday, Tuesday, etc...)"));
    CHECK_EQ_STR(ptime("2021-03-04 05:06:07 Z", "%Y-%m-%d %H:%M:%S %z"),
                 PERR("2021-03-04 05:06:07 Z", "%Y-%m-%d %H:%M:%S %z",
                      "2021-03-04 05:06:07 Z\n                    ^",
                      "Expected \xc2\xb1HH[MM] or -HH[:MM[:SS]]"));
    CHECK_EQ_STR(ptime("05:06:07 +01:3", "%H:%M:%S %z"),
                 PERR("05:06:07 +01:3", "%H:%M:%S %z", "05:06:07 +01:3\n             ^",
                      "Full specifier did not match: trailing characters"));
    CHECK_EQ_STR(ptime("05:06:07 +0130:1", "%H:%M:%S %z"),
                 PERR("05:06:07 +0130:1", "%H:%M:%S %z", "05:06:07 +0130:1\n              ^",
                      "Full specifier did not match: trailing characters"));
    CHECK_EQ_STR(ptime("10 100", "%U %j"),
                 PERR("10 100", "%U %j", "10 100\n   ^", "Multiple year offsets specified"));
    CHECK_EQ_STR(ptime("100 10", "%j %U"),
                 PERR("100 10", "%j %U", "100 10\n    ^", "Multiple week offsets specified"));
    CHECK_EQ_STR(ptime("1999 2021 10", "%Y %G %V"),
                 PERR("1999 2021 10", "%Y %G %V", "1999 2021 10\n          ^",
                      "ISO week offsets are incompatible with non-ISO year specifiers. Use '%G' "
                      "instead"));
    CHECK_EQ_STR(ptime("2021-02-30", "%Y-%m-%d"),
                 "ERR:Conversion Error: Date out of range: 2021-2-30");
    CHECK_EQ_STR(ptime("2021", "%Q"),
                 "ERR:Invalid Input Error: Failed to parse format specifier %Q: "
                 "Unrecognized format for strftime/strptime: %Q");
    CHECK_EQ_STR(call2("try_strptime", VC, "x", VC, "%Q"),
                 "ERR:Invalid Input Error: Failed to parse format specifier %Q: Unrecognized "
                 "format for strftime/strptime: %Q");
    /* try_strptime: NULL for what strptime refuses */
    const char *xs[] = {"04/03/2021", "31/02/2021", "x", NULL, "4/3/2021"};
    CHECK_EQ_STR(run("try_strptime", VC, xs, 5, VC, (const char *const[]){"%d/%m/%Y"}, false),
                 "TIMESTAMP:2021-03-04 00:00:00 | NULL | NULL | NULL | 2021-03-04 00:00:00");
    CHECK_EQ_STR(call2("try_strptime", VC, "x", VC, "%Y-%m-%d %z"),
                 "TIMESTAMP WITH TIME ZONE:NULL");
    CHECK_EQ_STR(call2("try_strptime", VC, "garbage", VC, "%Y"), "TIMESTAMP:NULL");
    /* strptime over rows stops at the first bad one */
    CHECK_EQ_STR(run("strptime", VC, (const char *const[]){"2021", "x"}, 2, VC,
                     (const char *const[]){"%Y"}, false),
                 PERR("x", "%Y", "x\n^", "Expected a number"));
}

/* strptime(strftime(x, f), f) = x. */
static void test_round_trips(void)
{
    static const char *const fmts[] = {"%Y-%m-%d %H:%M:%S.%f",
                                       "%d/%m/%Y %I:%M:%S.%f %p",
                                       "%A %-d %B %Y %-H:%-M:%-S.%f",
                                       "%c.%f",
                                       "%Y%m%d%H%M%S%f",
                                       "%a %b %d %y %T.%n",
                                       "%G-W%V-%u %H:%M:%S.%f",
                                       "%Y %j %H:%M:%S.%f",
                                       "%Y %U %w %X.%f",
                                       "%Y-%m-%dT%H:%M:%S.%f%z"};
    static const char *const ts[] = {"2021-03-04 05:06:07.123456", "1970-01-01 00:00:00",
                                     "1999-12-31 23:59:59.999999", "2000-02-29 12:00:00.5",
                                     "2024-12-31 00:00:01.000001", "2021-01-03 10:00:00"};
    for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++)
        for (size_t t = 0; t < sizeof ts / sizeof ts[0]; t++) {
            char text[128], want[160];
            snprintf(text, sizeof text, "%s", call2("strftime", TS, ts[t], VC, fmts[f]));
            bool tz = strstr(fmts[f], "%z") != NULL;
            snprintf(want, sizeof want, "%s:%s%s", tz ? TSTZ : TS, ts[t], tz ? "+00" : "");
            CHECK_EQ_STR(ptime(text + strlen("VARCHAR:"), fmts[f]), want);
        }
}

static const char *age(const char *t, const char *a, const char *b)
{
    return call2("age", t, a, t, b);
}

static void test_age(void)
{
    CHECK_EQ_STR(age(TS, "2021-03-04 05:06:07", "2020-01-31 10:00:00"),
                 "INTERVAL:1 year 1 month 3 days 19:06:07");
    CHECK_EQ_STR(age(TS, "2020-01-31 10:00:00", "2021-03-04 05:06:07"),
                 "INTERVAL:-1 year -1 month -3 days -19:06:07");
    CHECK_EQ_STR(age("DATE", "2021-03-04", "2020-01-31"), "INTERVAL:1 year 1 month 4 days");
    CHECK_EQ_STR(age(TSTZ, "2021-03-04 05:06:07+00", "2020-01-31 10:00:00+00"),
                 "INTERVAL:1 year 1 month 3 days 19:06:07");
    CHECK_EQ_STR(age(TS, "2021-03-31", "2021-02-28"), "INTERVAL:1 month 3 days");
    CHECK_EQ_STR(age(TS, "2021-02-28", "2021-03-31"), "INTERVAL:-1 month -3 days");
    CHECK_EQ_STR(age(TS, "2020-03-01", "2020-02-29 23:59:59.5"), "INTERVAL:00:00:00.5");
    CHECK_EQ_STR(age(TS, "2021-01-31", "2021-03-01"), "INTERVAL:-1 month -1 day");
    CHECK_EQ_STR(age(TS, "2021-03-01", "2021-01-31"), "INTERVAL:1 month 1 day");
    CHECK_EQ_STR(age("DATE", "2024-02-29", "2023-02-28"), "INTERVAL:1 year 1 day");
    CHECK_EQ_STR(age(TS, "2021-03-04 05:06:07", NULL), "INTERVAL:NULL");
    CHECK_EQ_STR(call2("age", TS, NULL, TS, NULL), "INTERVAL:NULL");
    /* age(x) counts from today's midnight: a day ago at midnight is 1 day */
    CHECK(!strncmp(run("age", TS, (const char *const[]){"2000-01-01"}, 1, NULL, NULL, false),
                   "INTERVAL:2", 10));
}

// clang-format off
static const lh_test_t tests[] = {
    {"strftime_specifiers", test_strftime_specifiers},
    {"strftime_errors_nulls", test_strftime_errors_nulls},
    {"strptime", test_strptime},
    {"strptime_errors", test_strptime_errors},
    {"round_trips", test_round_trips},
    {"age", test_age},
    {NULL, NULL},
};
// clang-format on

int main(int argc, char **argv)
{
    return lh_test_main(tests, argc, argv);
}
