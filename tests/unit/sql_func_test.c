/* Unit tests of src/sql/func/: the type rules, casts, operators and scalar
 * functions, checked against DuckDB 1.5's results (typed as
 * "TYPE:text", DuckDB's VARCHAR cast of the result). Each call goes the way
 * the engine's will: lookup, bind (types chosen), casts of the arguments to
 * what the bind asked for, the kernel over FLAT (or CONSTANT) vectors. */
#include <stdarg.h>
#include <strings.h>

#include "sql/func/func.h"
#include "test.h"

#include "sql_func_harness.h"

/* CAST(text::from AS to) or TRY_CAST. */
static const char *cast(const char *from, const char *text, const char *to, bool try_cast)
{
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    lh_vector_t in, out;
    lh_sql_arg_t arg;
    if (make_arg(from, text, false, &in, &arg, &err)) return fmt_err(&err);
    lh_type_t t = ty(to);
    lh_vector_init(&out, &t, 4, arena());
    if (lh_sql_cast_vector(&in, 1, &out, try_cast, -1, &err)) return fmt_err(&err);
    return fmt_row(&out, 0);
}
#define CAST(from, text, to, want) CHECK_EQ_STR(cast(from, text, to, false), want)
#define TRY(from, text, to, want) CHECK_EQ_STR(cast(from, text, to, true), want)

/* ---- type rules ---- */

static const char *common(const char *a, uint32_t fa, const char *b, uint32_t fb)
{
    lh_sql_arg_t x = {.type = ty(a), .flags = fa}, y = {.type = ty(b), .flags = fb};
    if (fa & LH_SQL_ARG_INTEGER_LITERAL) x.value = lh_value_int(LH_TYPE_INTEGER, 1);
    if (fb & LH_SQL_ARG_INTEGER_LITERAL) y.value = lh_value_int(LH_TYPE_INTEGER, 1);
    lh_type_t t;
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    if (lh_sql_common_type(arena(), &x, &y, &t, -1, &err)) return fmt_err(&err);
    lh_type_format(&t, result, sizeof result);
    return result;
}

static void test_common_type(void)
{
    CHECK_EQ_STR(common("INTEGER", 0, "BIGINT", 0), "BIGINT");
    CHECK_EQ_STR(common("TINYINT", 0, "UTINYINT", 0), "SMALLINT");
    CHECK_EQ_STR(common("USMALLINT", 0, "TINYINT", 0), "INTEGER");
    CHECK_EQ_STR(common("UINTEGER", 0, "INTEGER", 0), "BIGINT");
    CHECK_EQ_STR(common("UBIGINT", 0, "BIGINT", 0), "HUGEINT");
    CHECK_EQ_STR(common("INTEGER", 0, "DECIMAL(10,2)", 0), "DECIMAL(12,2)");
    CHECK_EQ_STR(common("DECIMAL(5,2)", 0, "DECIMAL(10,4)", 0), "DECIMAL(10,4)");
    CHECK_EQ_STR(common("FLOAT", 0, "BIGINT", 0), "FLOAT");
    CHECK_EQ_STR(common("DECIMAL(5,2)", 0, "DOUBLE", 0), "DOUBLE");
    CHECK_EQ_STR(common("DATE", 0, "TIMESTAMP", 0), "TIMESTAMP");
    CHECK_EQ_STR(common("DATE", 0, "TIMESTAMP WITH TIME ZONE", 0), "TIMESTAMP WITH TIME ZONE");
    CHECK_EQ_STR(common("VARCHAR", LH_SQL_ARG_STRING_LITERAL, "DATE", 0), "DATE");
    CHECK_EQ_STR(common("NULL", LH_SQL_ARG_NULL_LITERAL, "DATE", 0), "DATE");
    CHECK_EQ_STR(common("INTEGER", LH_SQL_ARG_INTEGER_LITERAL, "TINYINT", 0), "TINYINT");
    CHECK_EQ_STR(common("BOOLEAN", 0, "INTEGER", 0), "INTEGER");
    CHECK_EQ_STR(common("INTEGER[]", 0, "BIGINT[]", 0), "BIGINT[]");
    CHECK_EQ_STR(common("VARCHAR", 0, "INTEGER", 0),
                 "ERR:Binder Error: Cannot mix values of type VARCHAR and INTEGER - an explicit "
                 "cast is required");
}

static void test_implicit_cost(void)
{
    lh_sql_arg_t i32 = {.type = lh_type(LH_TYPE_INTEGER)};
    lh_type_t i64 = lh_type(LH_TYPE_BIGINT), i8 = lh_type(LH_TYPE_TINYINT),
              vc = lh_type(LH_TYPE_VARCHAR), dbl = lh_type(LH_TYPE_DOUBLE);
    CHECK_EQ_INT(lh_sql_implicit_cost(&i32, &i32.type), 0);
    CHECK(lh_sql_implicit_cost(&i32, &i64) > 0);
    CHECK(lh_sql_implicit_cost(&i32, &i64) < lh_sql_implicit_cost(&i32, &dbl));
    CHECK_EQ_INT(lh_sql_implicit_cost(&i32, &i8), -1);
    CHECK_EQ_INT(lh_sql_implicit_cost(&i32, &vc), -1); /* DuckDB 1.x: no number -> VARCHAR */
    lh_sql_arg_t lit = {.type = lh_type(LH_TYPE_INTEGER),
                        .flags = LH_SQL_ARG_INTEGER_LITERAL,
                        .value = lh_value_int(LH_TYPE_INTEGER, 100)};
    CHECK(lh_sql_implicit_cost(&lit, &i8) > 0);
    lit.value = lh_value_int(LH_TYPE_INTEGER, 300);
    CHECK_EQ_INT(lh_sql_implicit_cost(&lit, &i8), -1);
    lh_sql_arg_t s = {.type = vc, .flags = LH_SQL_ARG_STRING_LITERAL};
    lh_type_t d = lh_type(LH_TYPE_DATE);
    CHECK(lh_sql_implicit_cost(&s, &d) > 0);
}

/* ---- casts ---- */

static void test_cast_numbers(void)
{
    CAST("VARCHAR", "  12  ", "INTEGER", "INTEGER:12");
    CAST("VARCHAR", "1e3", "INTEGER", "INTEGER:1000");
    CAST("VARCHAR", "1.5", "INTEGER", "INTEGER:2");
    CAST("VARCHAR", "-2.5", "INTEGER", "INTEGER:-3");
    CAST("VARCHAR", "0x10", "INTEGER", "INTEGER:16");
    CAST("VARCHAR", "1_000", "INTEGER", "INTEGER:1000");
    CAST("VARCHAR", "+5", "INTEGER", "INTEGER:5");
    CAST("VARCHAR", "abc", "INTEGER",
         "ERR:Conversion Error: Could not convert string 'abc' to INT32");
    CAST("VARCHAR", "", "INTEGER", "ERR:Conversion Error: Could not convert string '' to INT32");
    CAST("VARCHAR", "1.5.5", "INTEGER",
         "ERR:Conversion Error: Could not convert string '1.5.5' to INT32");
    TRY("VARCHAR", "abc", "INTEGER", "INTEGER:NULL");
    CAST("BIGINT", "300", "TINYINT",
         "ERR:Conversion Error: Type INT64 with value 300 can't be cast because the value is out "
         "of range for the destination type INT8");
    CAST("INTEGER", "-1", "UBIGINT",
         "ERR:Conversion Error: Type INT32 with value -1 can't be cast because the value is out "
         "of range for the destination type UINT64");
    TRY("BIGINT", "300", "TINYINT", "TINYINT:NULL");
    CAST("INTEGER", "7", "HUGEINT", "HUGEINT:7");
    CAST("DOUBLE", "2.5", "INTEGER", "INTEGER:2");
    CAST("DOUBLE", "3.5", "INTEGER", "INTEGER:4");
    CAST("DOUBLE", "1e10", "INTEGER",
         "ERR:Conversion Error: Type DOUBLE with value 10000000000.0 can't be cast because the "
         "value is out of range for the destination type INT32");
    CAST("DECIMAL(3,1)", "2.5", "INTEGER", "INTEGER:3");
    CAST("DECIMAL(10,1)", "1000.5", "TINYINT",
         "ERR:Conversion Error: Failed to cast decimal value 1001 to type INT8");
    CAST("VARCHAR", "inf", "DOUBLE", "DOUBLE:inf");
    CAST("VARCHAR", "-Infinity", "FLOAT", "FLOAT:-inf");
    CAST("VARCHAR", "NaN", "DOUBLE", "DOUBLE:nan");
    CAST("VARCHAR", " 1e3", "DOUBLE", "DOUBLE:1000.0");
    CAST("VARCHAR", "abc", "DOUBLE",
         "ERR:Conversion Error: Could not convert string 'abc' to DOUBLE");
    CAST("DOUBLE", "1e300", "FLOAT",
         "ERR:Conversion Error: Type DOUBLE with value 1e+300 can't be cast because the value is "
         "out of range for the destination type FLOAT");
    CAST("FLOAT", "0.1", "DOUBLE", "DOUBLE:0.10000000149011612");
    CAST("INTEGER", "5", "VARCHAR", "VARCHAR:5");
    CAST("DOUBLE", "1e20", "VARCHAR", "VARCHAR:1e+20");
    CAST("BOOLEAN", "true", "INTEGER", "INTEGER:1");
    CAST("INTEGER", "2", "BOOLEAN", "BOOLEAN:true");
}

static void test_cast_decimal(void)
{
    CAST("VARCHAR", "12.345", "DECIMAL(5,2)", "DECIMAL(5,2):12.35");
    CAST("VARCHAR", "1.005", "DECIMAL(5,2)", "DECIMAL(5,2):1.01");
    CAST("VARCHAR", "-1.005", "DECIMAL(5,2)", "DECIMAL(5,2):-1.01");
    CAST("VARCHAR", "1e2", "DECIMAL(5,2)", "DECIMAL(5,2):100.00");
    CAST("VARCHAR", ".5", "DECIMAL(3,2)", "DECIMAL(3,2):0.50");
    CAST("VARCHAR", "abc", "DECIMAL(10,2)",
         "ERR:Conversion Error: Could not convert string \"abc\" to DECIMAL(10,2)");
    CAST("DECIMAL(10,3)", "123.456", "DECIMAL(4,2)",
         "ERR:Conversion Error: Casting value \"123.456\" to type DECIMAL(4,2) failed: value is "
         "out of range!");
    CAST("DECIMAL(10,3)", "123.456", "DECIMAL(20,1)", "DECIMAL(20,1):123.5");
    CAST("INTEGER", "1000", "DECIMAL(3,1)",
         "ERR:Conversion Error: Could not cast value 1000 to DECIMAL(3,1)");
    CAST("DOUBLE", "1e10", "DECIMAL(5,2)",
         "ERR:Conversion Error: Could not cast value 10000000000.000000 to DECIMAL(5,2)");
    CAST("DOUBLE", "2.675", "DECIMAL(5,2)", "DECIMAL(5,2):2.68");
    CAST("DOUBLE", "-0.125", "DECIMAL(5,2)", "DECIMAL(5,2):-0.13");
    CAST("FLOAT", "1.5", "DECIMAL(3,2)", "DECIMAL(3,2):1.50");
    CAST("DECIMAL(38,10)", "12345678901234567890.0123456789", "DOUBLE",
         "DOUBLE:1.2345678901234567e+19");
    /* 39 to 78 digits never fit DECIMAL(38,0): CAST fails, TRY_CAST gives NULL */
    char big[80];
    memset(big, '9', 78);
    big[78] = 0;
    for (int n = 39; n <= 78; n += 13) {
        big[n] = 0;
        char want[160];
        snprintf(want, sizeof want,
                 "ERR:Conversion Error: Could not convert string \"%s\" to DECIMAL(38,0)", big);
        CAST("VARCHAR", big, "DECIMAL(38,0)", want);
        TRY("VARCHAR", big, "DECIMAL(38,0)", "DECIMAL(38,0):NULL");
        big[n] = '9';
    }
    big[38] = 0;
    char want[128];
    snprintf(want, sizeof want, "DECIMAL(38,0):%s", big);
    CAST("VARCHAR", big, "DECIMAL(38,0)", want);
    CAST("VARCHAR", "170141183460469231731687303715884105727", "HUGEINT",
         "HUGEINT:170141183460469231731687303715884105727");
}

static void test_cast_text_forms(void)
{
    CAST("VARCHAR", "T", "BOOLEAN", "BOOLEAN:true");
    CAST("VARCHAR", "yes", "BOOLEAN", "BOOLEAN:true");
    CAST("VARCHAR", "0", "BOOLEAN", "BOOLEAN:false");
    CAST("VARCHAR", " t", "BOOLEAN", "ERR:Conversion Error: Could not convert string ' t' to BOOL");
    CAST("VARCHAR", "2020-1-2", "DATE", "DATE:2020-01-02");
    CAST("VARCHAR", " 2020-01-02 ", "DATE", "DATE:2020-01-02");
    CAST("VARCHAR", "epoch", "DATE", "DATE:1970-01-01");
    CAST("VARCHAR", "2020-02-30", "DATE",
         "ERR:Conversion Error: invalid date field format: \"2020-02-30\", expected format is "
         "(YYYY-MM-DD)");
    CAST("VARCHAR", "2020-01-02 10:00", "TIMESTAMP", "TIMESTAMP:2020-01-02 10:00:00");
    CAST("VARCHAR", "2020-01-02T10:00:00.123456789", "TIMESTAMP",
         "TIMESTAMP:2020-01-02 10:00:00.123456");
    CAST("VARCHAR", "2020-01-02 10:00:00+02", "TIMESTAMP", "TIMESTAMP:2020-01-02 10:00:00");
    CAST("VARCHAR", "2020-01-02 10:00:00+02:30", "TIMESTAMPTZ",
         "TIMESTAMP WITH TIME ZONE:2020-01-02 07:30:00+00");
    CAST("VARCHAR", "2020-01-02", "TIMESTAMP", "TIMESTAMP:2020-01-02 00:00:00");
    CAST("VARCHAR", "abc", "TIMESTAMP",
         "ERR:Conversion Error: invalid timestamp field format: \"abc\", expected format is "
         "(YYYY-MM-DD HH:MM:SS[.US][±HH[:MM[:SS]]| ZONE])");
    CAST("VARCHAR", "10:00", "TIME", "TIME:10:00:00");
    CAST("VARCHAR", "1 day 02:00:00", "INTERVAL", "INTERVAL:1 day 02:00:00");
    CAST("VARCHAR", "3 hours", "INTERVAL", "INTERVAL:03:00:00");
    CAST("VARCHAR", "1 year 2 months -3 days", "INTERVAL", "INTERVAL:1 year 2 months -3 days");
    CAST("VARCHAR", "2 weeks", "INTERVAL", "INTERVAL:14 days");
    CAST("VARCHAR", "1.5 days", "INTERVAL", "INTERVAL:1 day 12:00:00");
    CAST("VARCHAR", "abc", "INTERVAL",
         "ERR:Conversion Error: Could not convert string 'abc' to INTERVAL");
    CAST("VARCHAR", "\\xAA\\x41b", "BLOB", "BLOB:\\xAAAb");
    CAST("VARCHAR", "\\x4", "BLOB",
         "ERR:Conversion Error: Invalid hex escape code encountered in string -> blob conversion "
         "of string \"\\x4\": unterminated escape code at end of blob");
    CAST("BLOB", "\\xAA\\x41b", "VARCHAR", "VARCHAR:\\xAAAb");
    CAST("TIMESTAMP", "2020-01-02 10:00:00", "DATE", "DATE:2020-01-02");
    CAST("TIMESTAMP", "1969-12-31 23:00:00", "DATE", "DATE:1969-12-31");
    CAST("TIMESTAMP", "2020-01-02 10:00:00", "TIME", "TIME:10:00:00");
    CAST("DATE", "2020-01-02", "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE:2020-01-02 00:00:00+00");
    CAST("INTEGER", "1", "DATE",
         "ERR:Conversion Error: Unimplemented type for cast (INTEGER -> DATE)");
}

static void test_cast_vector_kinds(void)
{
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    lh_type_t vc = lh_type(LH_TYPE_VARCHAR), i32 = lh_type(LH_TYPE_INTEGER);
    lh_vector_t dict, in, out;
    lh_vector_init(&dict, &vc, 3, arena());
    lh_vector_set_string(&dict, 0, "7", 1);
    lh_vector_set_string(&dict, 1, "bad", 3);
    lh_vector_set_string(&dict, 2, "-3", 2);
    lh_vector_init(&in, &vc, 8, arena());
    int32_t *codes;
    CHECK_EQ_INT(lh_vector_set_dictionary(&in, &dict, 3, &codes), 0);
    int32_t c[5] = {0, 2, 2, 0, 1};
    memcpy(codes, c, sizeof c);
    lh_vector_set_null(&in, 4); /* the bad entry is only used by a NULL row */
    lh_vector_init(&out, &i32, 8, arena());
    CHECK_EQ_INT(lh_sql_cast_vector(&in, 5, &out, false, -1, &err), 0);
    CHECK_EQ_STR(fmt_row(&out, 1), "INTEGER:-3");
    CHECK_EQ_STR(fmt_row(&out, 3), "INTEGER:7");
    CHECK_EQ_STR(fmt_row(&out, 4), "INTEGER:NULL");
    codes[3] = 1; /* now a valid row uses it */
    lh_vector_reset(&out);
    CHECK_EQ_INT(lh_sql_cast_vector(&in, 5, &out, false, -1, &err), LH_EINVAL);
    CHECK_EQ_STR(err.e.msg, "Could not convert string 'bad' to INT32");
    lh_vector_reset(&out);
    CHECK_EQ_INT(lh_sql_cast_vector(&in, 5, &out, true, -1, &err), 0);
    CHECK_EQ_STR(fmt_row(&out, 3), "INTEGER:NULL");
    CHECK_EQ_STR(fmt_row(&out, 2), "INTEGER:-3");
    /* integer widening in a tight loop, with NULLs */
    lh_vector_t a, b;
    lh_type_t i8 = lh_type(LH_TYPE_TINYINT), i64 = lh_type(LH_TYPE_BIGINT);
    lh_vector_init(&a, &i8, 100, arena());
    for (int i = 0; i < 100; i++)
        ((int8_t *)a.data)[i] = (int8_t)(i - 50);
    lh_vector_set_null(&a, 7);
    lh_vector_init(&b, &i64, 100, arena());
    CHECK_EQ_INT(lh_sql_cast_vector(&a, 100, &b, false, -1, &err), 0);
    CHECK_EQ_INT(((int64_t *)b.data)[99], 49);
    CHECK(!lh_vector_is_valid(&b, 7));
    CHECK(lh_vector_is_valid(&b, 8));
}

/* ---- comparisons ---- */

static void test_compare(void)
{
    CHECK_EQ_STR(call("=", 2, "INTEGER", "1", "BIGINT", "1"), "BOOLEAN:true");
    CHECK_EQ_STR(call("<", 2, "DATE", "2020-01-01", "TIMESTAMP", "2020-01-01 00:00:01"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call("=", 2, "DOUBLE", "nan", "DOUBLE", "nan"), "BOOLEAN:true");
    CHECK_EQ_STR(call(">", 2, "DOUBLE", "nan", "DOUBLE", "inf"), "BOOLEAN:true");
    CHECK_EQ_STR(call("<", 2, "DOUBLE", "1", "DOUBLE", "nan"), "BOOLEAN:true");
    CHECK_EQ_STR(call("=", 2, "INTERVAL", "30 days", "INTERVAL", "1 month"), "BOOLEAN:true");
    CHECK_EQ_STR(call("=", 2, "INTERVAL", "24 hours", "INTERVAL", "1 day"), "BOOLEAN:true");
    CHECK_EQ_STR(call("<", 2, "INTERVAL", "29 days", "INTERVAL", "1 month"), "BOOLEAN:true");
    CHECK_EQ_STR(call("<", 2, "VARCHAR", "abc", "VARCHAR", "abd"), "BOOLEAN:true");
    CHECK_EQ_STR(call("<", 2, "VARCHAR", "a long string here!", "VARCHAR", "a long string here"),
                 "BOOLEAN:false");
    CHECK_EQ_STR(call("<>", 2, "BOOLEAN", "true", "BOOLEAN", "false"), "BOOLEAN:true");
    CHECK_EQ_STR(call(">=", 2, "DECIMAL(5,2)", "1.5", "DECIMAL(10,1)", "1.5"), "BOOLEAN:true");
    CHECK_EQ_STR(call("=", 2, "INTEGER", NULL, "INTEGER", "1"), "BOOLEAN:NULL");
    CHECK_EQ_STR(call_const("<=", 2, "HUGEINT", "-5", "UBIGINT", "3"), "BOOLEAN:true");
    CHECK_EQ_STR(call("=", 2, "VARCHAR", "1", "INTEGER", "1"),
                 "ERR:Binder Error: Cannot mix values of type VARCHAR and INTEGER - an explicit "
                 "cast is required");
}

/* ---- arithmetic ---- */

static void test_arith_types(void)
{
    CHECK_EQ_STR(call("+", 2, "INTEGER", "1", "BIGINT", "2"), "BIGINT:3");
    CHECK_EQ_STR(call("+", 2, "TINYINT", "1", "UTINYINT", "2"), "BIGINT:3");
    CHECK_EQ_STR(call("+", 2, "BIGINT", "1", "UBIGINT", "2"), "HUGEINT:3");
    CHECK_EQ_STR(call("+", 2, "SMALLINT", "1", "UTINYINT", "2"), "SMALLINT:3");
    CHECK_EQ_STR(call("+", 2, "FLOAT", "1.5", "INTEGER", "2"), "FLOAT:3.5");
    CHECK_EQ_STR(call("+", 2, "UBIGINT", "1", "FLOAT", "2"), "FLOAT:3.0");
    CHECK_EQ_STR(call("+", 2, "INTEGER", "1", "DECIMAL(2,1)", "1.5"), "DECIMAL(12,1):2.5");
    CHECK_EQ_STR(call("*", 2, "DECIMAL(10,2)", "1.50", "DECIMAL(5,1)", "2.5"),
                 "DECIMAL(15,3):3.750");
    CHECK_EQ_STR(call("+", 2, "DECIMAL(3,1)", "1.5", "DECIMAL(4,2)", "2.25"), "DECIMAL(5,2):3.75");
    CHECK_EQ_STR(call("*", 2, "DECIMAL(3,1)", "99.9", "DECIMAL(3,1)", "99.9"),
                 "DECIMAL(6,2):9980.01");
    CHECK_EQ_STR(call("%", 2, "DECIMAL(3,1)", "5.5", "DECIMAL(2,0)", "2"), "DECIMAL(3,1):1.5");
    CHECK_EQ_STR(call("*", 2, "BIGINT", "3", "DECIMAL(5,2)", "1.25"), "DECIMAL(24,2):3.75");
    CHECK_EQ_STR(call("*", 2, "DECIMAL(38,2)", "1", "DECIMAL(5,1)", "1"), "DECIMAL(38,3):1.000");
    CHECK_EQ_STR(call("/", 2, "INTEGER", "1", "INTEGER", "2"), "DOUBLE:0.5");
    CHECK_EQ_STR(call("/", 2, "INTEGER", "1", "INTEGER", "0"), "DOUBLE:inf");
    CHECK_EQ_STR(call("/", 2, "DECIMAL(10,2)", "1", "DECIMAL(5,1)", "4"), "DOUBLE:0.25");
    CHECK_EQ_STR(call("//", 2, "INTEGER", "7", "INTEGER", "2"), "INTEGER:3");
    CHECK_EQ_STR(call("//", 2, "INTEGER", "-7", "INTEGER", "2"), "INTEGER:-3");
    CHECK_EQ_STR(call("//", 2, "INTEGER", "1", "INTEGER", "0"), "INTEGER:NULL");
    CHECK_EQ_STR(call("//", 2, "DECIMAL(10,2)", "7", "DECIMAL(5,1)", "2"), "DOUBLE:3.5");
    CHECK_EQ_STR(call("%", 2, "INTEGER", "5", "INTEGER", "-3"), "INTEGER:2");
    CHECK_EQ_STR(call("%", 2, "INTEGER", "-5", "INTEGER", "3"), "INTEGER:-2");
    CHECK_EQ_STR(call("%", 2, "INTEGER", "1", "INTEGER", "0"), "INTEGER:NULL");
    CHECK_EQ_STR(call("^", 2, "INTEGER", "2", "INTEGER", "3"), "DOUBLE:8.0");
    CHECK_EQ_STR(call("-", 1, "TINYINT", "5"), "TINYINT:-5");
    CHECK_EQ_STR(call("-", 1, "DECIMAL(3,1)", "1.5"), "DECIMAL(3,1):-1.5");
    CHECK_EQ_STR(call_const("-", 2, "BIGINT", "10", "INTEGER", "3"), "BIGINT:7");
}

static void test_arith_errors(void)
{
    CHECK_EQ_STR(call("+", 2, "INTEGER", "2147483647", "INTEGER", "1"),
                 "ERR:Out of Range Error: Overflow in addition of INT32 (2147483647 + 1)!");
    CHECK_EQ_STR(call("*", 2, "BIGINT", "9223372036854775807", "BIGINT", "2"),
                 "ERR:Out of Range Error: Overflow in multiplication of INT64 "
                 "(9223372036854775807 * 2)!");
    CHECK_EQ_STR(call("-", 2, "UTINYINT", "1", "UTINYINT", "2"),
                 "ERR:Out of Range Error: Overflow in subtraction of UINT8 (1 - 2)!");
    CHECK_EQ_STR(call("//", 2, "TINYINT", "-128", "TINYINT", "-1"),
                 "ERR:Out of Range Error: Overflow in division of -128 / -1");
    CHECK_EQ_STR(call("-", 1, "TINYINT", "-128"),
                 "ERR:Out of Range Error: Overflow in negation of numeric value!");
    CHECK_EQ_STR(call("+", 2, "VARCHAR", "1", "INTEGER", "1"),
                 "ERR:Binder Error: No function matches the given name and argument types "
                 "'+(VARCHAR, INTEGER)'. You might need to add explicit type casts.");
    CHECK_EQ_STR(call("+", 2, "INTEGER", NULL, "INTEGER", "1"), "INTEGER:NULL");
}

static void test_arith_time(void)
{
    CHECK_EQ_STR(call("+", 2, "DATE", "2020-01-31", "INTEGER", "1"), "DATE:2020-02-01");
    CHECK_EQ_STR(call("+", 2, "DATE", "2020-01-31", "INTERVAL", "1 month"),
                 "TIMESTAMP:2020-02-29 00:00:00");
    CHECK_EQ_STR(call("-", 2, "TIMESTAMP", "2020-03-01", "TIMESTAMP", "2020-01-01 01:00:00"),
                 "INTERVAL:59 days 23:00:00");
    CHECK_EQ_STR(call("-", 2, "DATE", "2020-03-01", "DATE", "2020-01-01"), "BIGINT:60");
    CHECK_EQ_STR(call("*", 2, "INTERVAL", "1 day", "DOUBLE", "2.5"), "INTERVAL:2 days 12:00:00");
    CHECK_EQ_STR(call("*", 2, "INTEGER", "2", "INTERVAL", "1 hour"), "INTERVAL:02:00:00");
    CHECK_EQ_STR(call("-", 2, "DATE", "2020-01-01", "INTERVAL", "1 day"),
                 "TIMESTAMP:2019-12-31 00:00:00");
    CHECK_EQ_STR(call("-", 2, "INTERVAL", "1 month", "INTERVAL", "1 day"),
                 "INTERVAL:1 month -1 day");
    CHECK_EQ_STR(call("+", 2, "TIMESTAMPTZ", "2020-01-01 00:00:00+00", "INTERVAL", "1 hour"),
                 "TIMESTAMP WITH TIME ZONE:2020-01-01 01:00:00+00");
    CHECK_EQ_STR(call("-", 1, "INTERVAL", "1 day"), "INTERVAL:-1 day");
}

/* ---- strings ---- */

static void test_strings(void)
{
    CHECK_EQ_STR(call("substr", 3, "VARCHAR", "hello", "BIGINT", "2", "BIGINT", "3"),
                 "VARCHAR:ell");
    CHECK_EQ_STR(call("substr", 2, "VARCHAR", "hello", "INTEGER", "-3"), "VARCHAR:llo");
    CHECK_EQ_STR(call("substring", 3, "VARCHAR", "hello", "INTEGER", "0", "INTEGER", "2"),
                 "VARCHAR:h");
    CHECK_EQ_STR(call("substr", 3, "VARCHAR", "h\xc3\xa9llo", "INTEGER", "2", "INTEGER", "2"),
                 "VARCHAR:\xc3\xa9l");
    CHECK_EQ_STR(call("left", 2, "VARCHAR", "hello", "INTEGER", "-2"), "VARCHAR:hel");
    CHECK_EQ_STR(call("right", 2, "VARCHAR", "hello", "INTEGER", "2"), "VARCHAR:lo");
    CHECK_EQ_STR(call("trim", 1, "VARCHAR", "  a  "), "VARCHAR:a");
    CHECK_EQ_STR(call("trim", 2, "VARCHAR", "xxaxx", "VARCHAR", "x"), "VARCHAR:a");
    CHECK_EQ_STR(call("length", 1, "VARCHAR", "h\xc3\xa9llo"), "BIGINT:5");
    CHECK_EQ_STR(call("concat", 3, "VARCHAR", "a", "VARCHAR", NULL, "VARCHAR", "b"), "VARCHAR:ab");
    CHECK_EQ_STR(call("||", 2, "VARCHAR", "a", "VARCHAR", NULL), "VARCHAR:NULL");
    CHECK_EQ_STR(call("upper", 1, "VARCHAR", "hello"), "VARCHAR:HELLO");
    CHECK_EQ_STR(call("LOWER", 1, "VARCHAR", "HeLLo, World and more"),
                 "VARCHAR:hello, world and more");
    CHECK_EQ_STR(call("replace", 3, "VARCHAR", "aXbXc", "VARCHAR", "X", "VARCHAR", "--"),
                 "VARCHAR:a--b--c");
    CHECK_EQ_STR(call("starts_with", 2, "VARCHAR", "hello", "VARCHAR", "he"), "BOOLEAN:true");
    CHECK_EQ_STR(call("ends_with", 2, "VARCHAR", "hello", "VARCHAR", "he"), "BOOLEAN:false");
    CHECK_EQ_STR(call("contains", 2, "VARCHAR", "hello", "VARCHAR", "ll"), "BOOLEAN:true");
    CHECK_EQ_STR(call("strpos", 2, "VARCHAR", "hello", "VARCHAR", "l"), "BIGINT:3");
    CHECK_EQ_STR(call("reverse", 1, "VARCHAR", "abc"), "VARCHAR:cba");
    CHECK_EQ_STR(call("repeat", 2, "VARCHAR", "ab", "INTEGER", "3"), "VARCHAR:ababab");
    CHECK_EQ_STR(call("substr", 1, "INTEGER", "1"),
                 "ERR:Binder Error: No function matches the given name and argument types "
                 "'substr(INTEGER)'. You might need to add explicit type casts.");
}

static void test_registry(void)
{
    uint32_t n;
    const lh_sql_func_def_t *const *all = lh_sql_func_all(&n);
    CHECK(n > 50);
    for (uint32_t i = 1; i < n; i++)
        CHECK(strcasecmp(all[i - 1]->name, all[i]->name) < 0); /* sorted, no duplicates */
    for (uint32_t i = 0; i < n; i++)
        CHECK(all[i]->doc && all[i]->kind && (all[i]->bind || all[i]->noverloads));
    CHECK(lh_sql_func_lookup("SUBSTRING") == lh_sql_func_lookup("substring"));
    CHECK(lh_sql_func_lookup("no_such_function") == NULL);
}

static const lh_test_t tests[] = {
    {"common_type", test_common_type},
    {"implicit_cost", test_implicit_cost},
    {"cast_numbers", test_cast_numbers},
    {"cast_decimal", test_cast_decimal},
    {"cast_text_forms", test_cast_text_forms},
    {"cast_vector_kinds", test_cast_vector_kinds},
    {"compare", test_compare},
    {"arith_types", test_arith_types},
    {"arith_errors", test_arith_errors},
    {"arith_time", test_arith_time},
    {"strings", test_strings},
    {"registry", test_registry},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return lh_test_main(tests, argc, argv);
}
