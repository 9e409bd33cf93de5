/* Unit tests of the second batch of src/sql/func/: math (math.c, math2.c,
 * math_minmax.c), LIKE/ILIKE/GLOB (like.c), more string functions
 * (string2.c) and date/time functions (date*.c, strftime.c). Every expected
 * "TYPE:text" (or error) is DuckDB 1.5's result for the same call with the
 * same argument types. Calls go the engine's way: lookup, bind, casts of the
 * arguments to what the bind asked for, the kernel over FLAT (or CONSTANT)
 * vectors. */
#include <stdarg.h>
#include <strings.h>

#include "sql/func/func.h"
#include "sql/func/func_int.h"
#include "test.h"

#include "sql_func_harness.h"

static void test_math(void)
{
    CHECK_EQ_STR(call("abs", 1, "TINYINT", "-128"),
                 "ERR:Out of Range Error: Overflow on abs(-128)");
    CHECK_EQ_STR(call("abs", 1, "SMALLINT", "-5"), "SMALLINT:5");
    CHECK_EQ_STR(call("abs", 1, "BIGINT", "-9223372036854775808"),
                 "ERR:Out of Range Error: Overflow on abs(-9223372036854775808)");
    CHECK_EQ_STR(call("abs", 1, "HUGEINT", "-170141183460469231731687303715884105727"),
                 "HUGEINT:170141183460469231731687303715884105727");
    CHECK_EQ_STR(call("abs", 1, "DECIMAL(3,2)", "-2.50"), "DECIMAL(3,2):2.50");
    CHECK_EQ_STR(call("abs", 1, "DECIMAL(38,1)", "-12345678901234567890.5"),
                 "DECIMAL(38,1):12345678901234567890.5");
    CHECK_EQ_STR(call("abs", 1, "FLOAT", "-1.5"), "FLOAT:1.5");
    CHECK_EQ_STR(call("abs", 1, "DOUBLE", "-0.0"), "DOUBLE:0.0");
    CHECK_EQ_STR(call("abs", 1, "UTINYINT", "5"), "UTINYINT:5");
    CHECK_EQ_STR(call("abs", 1, "NULL", NULL), "BIGINT:NULL");
    CHECK_EQ_STR(call("abs", 1, "INTEGER", NULL), "INTEGER:NULL");
    CHECK_EQ_STR(call("sign", 1, "INTEGER", "-3"), "TINYINT:-1");
    CHECK_EQ_STR(call("sign", 1, "DECIMAL(3,1)", "0.0"), "TINYINT:0");
    CHECK_EQ_STR(call("sign", 1, "DOUBLE", "nan"), "TINYINT:0");
    CHECK_EQ_STR(call("sign", 1, "DOUBLE", "-inf"), "TINYINT:-1");
    CHECK_EQ_STR(call("sign", 1, "UBIGINT", "7"), "TINYINT:1");
    CHECK_EQ_STR(call("ceil", 1, "DECIMAL(5,2)", "-1.25"), "DECIMAL(5,0):-1");
    CHECK_EQ_STR(call("ceil", 1, "DECIMAL(3,1)", "99.5"), "DECIMAL(3,0):100");
    CHECK_EQ_STR(call("ceil", 1, "DECIMAL(38,1)", "12345678901234567890.5"),
                 "DECIMAL(38,0):12345678901234567891");
    CHECK_EQ_STR(call("ceil", 1, "DOUBLE", "1.2"), "DOUBLE:2.0");
    CHECK_EQ_STR(call("ceil", 1, "DOUBLE", "-0.5"), "DOUBLE:-0.0");
    CHECK_EQ_STR(call("ceil", 1, "INTEGER", "5"), "DOUBLE:5.0");
    CHECK_EQ_STR(call("ceil", 1, "NULL", NULL), "DOUBLE:NULL");
    CHECK_EQ_STR(call("ceiling", 1, "FLOAT", "1.2"), "FLOAT:2.0");
    CHECK_EQ_STR(call("floor", 1, "DECIMAL(5,2)", "-1.25"), "DECIMAL(5,0):-2");
    CHECK_EQ_STR(call("floor", 1, "DECIMAL(5,1)", "-0.5"), "DECIMAL(5,0):-1");
    CHECK_EQ_STR(call("floor", 1, "BIGINT", "3"), "DOUBLE:3.0");
    CHECK_EQ_STR(call("floor", 1, "DOUBLE", "1.7"), "DOUBLE:1.0");
    CHECK_EQ_STR(call("round", 1, "DOUBLE", "2.5"), "DOUBLE:3.0");
    CHECK_EQ_STR(call("round", 1, "DOUBLE", "-0.4"), "DOUBLE:-0.0");
    CHECK_EQ_STR(call("round", 1, "DECIMAL(2,1)", "-2.5"), "DECIMAL(2,0):-3");
    CHECK_EQ_STR(call("round", 1, "DECIMAL(3,1)", "99.5"), "DECIMAL(3,0):100");
    CHECK_EQ_STR(call("round", 1, "DECIMAL(38,1)", "2.5"), "DECIMAL(38,0):3");
    CHECK_EQ_STR(call("round", 1, "TINYINT", "5"), "TINYINT:5");
    CHECK_EQ_STR(call("round", 1, "FLOAT", "1.5"), "FLOAT:2.0");
    CHECK_EQ_STR(call("round", 1, "NULL", NULL), "BIGINT:NULL");
    CHECK_EQ_STR(call("round", 2, "DECIMAL(4,3)", "2.555", "INTEGER", "2"), "DECIMAL(4,2):2.56");
    CHECK_EQ_STR(call("round", 2, "DECIMAL(10,3)", "1234.567", "INTEGER", "1"),
                 "DECIMAL(10,1):1234.6");
    CHECK_EQ_STR(call("round", 2, "DECIMAL(10,3)", "1234.567", "INTEGER", "5"),
                 "DECIMAL(10,3):1234.567");
    CHECK_EQ_STR(call("round", 2, "DECIMAL(10,3)", "1234.567", "INTEGER", "-1"),
                 "DECIMAL(10,0):1230");
    CHECK_EQ_STR(call("round", 2, "DECIMAL(10,3)", "1234.567", "INTEGER", "-5"), "DECIMAL(10,0):0");
    CHECK_EQ_STR(call("round", 2, "DECIMAL(18,1)", "17.5", "INTEGER", "-40"), "DECIMAL(18,0):0");
    CHECK_EQ_STR(call("round", 2, "DECIMAL(3,0)", "995", "INTEGER", "-1"), "DECIMAL(3,0):1000");
    CHECK_EQ_STR(call("round", 2, "DECIMAL(20,3)", "1234.567", "INTEGER", "2"),
                 "DECIMAL(20,2):1234.57");
    CHECK_EQ_STR(call("round", 2, "DOUBLE", "2.555", "INTEGER", "2"), "DOUBLE:2.56");
    CHECK_EQ_STR(call("round", 2, "DOUBLE", "0.285", "INTEGER", "2"), "DOUBLE:0.28");
    CHECK_EQ_STR(call("round", 2, "DOUBLE", "1234.5", "INTEGER", "-2"), "DOUBLE:1200.0");
    CHECK_EQ_STR(call("round", 2, "DOUBLE", "1.23456789e300", "INTEGER", "2"),
                 "DOUBLE:1.23456789e+300");
    CHECK_EQ_STR(call("round", 2, "DOUBLE", "125.0", "INTEGER", "-1"), "DOUBLE:130.0");
    CHECK_EQ_STR(call("round", 2, "FLOAT", "1.55", "INTEGER", "1"), "FLOAT:1.5");
    CHECK_EQ_STR(call("round", 2, "FLOAT", "1.5", "INTEGER", "-1"), "FLOAT:0.0");
    CHECK_EQ_STR(call("round", 2, "INTEGER", "15", "INTEGER", "-1"), "INTEGER:20");
    CHECK_EQ_STR(call("round", 2, "INTEGER", "-15", "INTEGER", "-1"), "INTEGER:-20");
    CHECK_EQ_STR(call("round", 2, "BIGINT", "15", "INTEGER", "-1"), "BIGINT:20");
    CHECK_EQ_STR(call("round", 2, "TINYINT", "125", "INTEGER", "-1"), "TINYINT:-126");
    CHECK_EQ_STR(call("round", 2, "INTEGER", "5", "INTEGER", "1"), "INTEGER:5");
    CHECK_EQ_STR(call("round", 2, "UBIGINT", "5", "INTEGER", "-1"), "HUGEINT:10");
    CHECK_EQ_STR(call("round", 2, "DOUBLE", "1.55", "INTEGER", NULL), "DOUBLE:NULL");
    CHECK_EQ_STR(call("trunc", 1, "DECIMAL(2,1)", "-1.7"), "DECIMAL(2,0):-1");
    CHECK_EQ_STR(call("trunc", 1, "DOUBLE", "-1.7"), "DOUBLE:-1.0");
    CHECK_EQ_STR(call("trunc", 1, "INTEGER", "5"), "INTEGER:5");
    CHECK_EQ_STR(call("trunc", 1, "HUGEINT", "5"), "HUGEINT:5");
    CHECK_EQ_STR(call("trunc", 1, "NULL", NULL), "BIGINT:NULL");
    CHECK_EQ_STR(call("trunc", 2, "DECIMAL(4,3)", "1.777", "INTEGER", "2"), "DECIMAL(4,2):1.77");
    CHECK_EQ_STR(call("trunc", 2, "DECIMAL(10,3)", "1234.567", "INTEGER", "-2"),
                 "DECIMAL(10,0):1200");
    CHECK_EQ_STR(call("trunc", 2, "DECIMAL(3,1)", "-99.5", "INTEGER", "0"), "DECIMAL(3,0):-99");
    CHECK_EQ_STR(call("trunc", 2, "DOUBLE", "1.777", "INTEGER", "2"), "DOUBLE:1.77");
    CHECK_EQ_STR(call("trunc", 2, "FLOAT", "1.57", "INTEGER", "1"), "FLOAT:1.5");
    CHECK_EQ_STR(call("trunc", 2, "INTEGER", "15", "INTEGER", "-1"), "INTEGER:10");
    CHECK_EQ_STR(call("trunc", 2, "BIGINT", "-15", "INTEGER", "-1"), "BIGINT:-10");
    CHECK_EQ_STR(call("sqrt", 1, "INTEGER", "2"), "DOUBLE:1.4142135623730951");
    CHECK_EQ_STR(call("sqrt", 1, "INTEGER", "-1"),
                 "ERR:Out of Range Error: cannot take square root of a negative number");
    CHECK_EQ_STR(call("sqrt", 1, "FLOAT", "4"), "DOUBLE:2.0");
    CHECK_EQ_STR(call("sqrt", 1, "DOUBLE", "nan"), "DOUBLE:nan");
    CHECK_EQ_STR(call("sqrt", 1, "DOUBLE", "-inf"),
                 "ERR:Out of Range Error: cannot take square root of a negative number");
    CHECK_EQ_STR(call("sqrt", 1, "NULL", NULL), "DOUBLE:NULL");
    CHECK_EQ_STR(call("cbrt", 1, "INTEGER", "27"), "DOUBLE:3.0000000000000004");
    CHECK_EQ_STR(call("cbrt", 1, "INTEGER", "-8"), "DOUBLE:-2.0");
    CHECK_EQ_STR(call("exp", 1, "INTEGER", "1"), "DOUBLE:2.718281828459045");
    CHECK_EQ_STR(call("exp", 1, "INTEGER", "1000"), "DOUBLE:inf");
    CHECK_EQ_STR(call("ln", 1, "INTEGER", "0"),
                 "ERR:Out of Range Error: cannot take logarithm of zero");
    CHECK_EQ_STR(call("ln", 1, "DOUBLE", "-1"),
                 "ERR:Out of Range Error: cannot take logarithm of a negative number");
    CHECK_EQ_STR(call("ln", 1, "DOUBLE", "2.718281828459045"), "DOUBLE:1.0");
    CHECK_EQ_STR(call("log", 1, "INTEGER", "100"), "DOUBLE:2.0");
    CHECK_EQ_STR(call("log10", 1, "INTEGER", "1000"), "DOUBLE:3.0");
    CHECK_EQ_STR(call("log10", 1, "DOUBLE", "0"),
                 "ERR:Out of Range Error: cannot take logarithm of zero");
    CHECK_EQ_STR(call("log2", 1, "INTEGER", "8"), "DOUBLE:3.0");
    CHECK_EQ_STR(call("log2", 1, "DOUBLE", "-2"),
                 "ERR:Out of Range Error: cannot take logarithm of a negative number");
    CHECK_EQ_STR(call("log", 2, "INTEGER", "2", "INTEGER", "8"), "DOUBLE:3.0");
    CHECK_EQ_STR(call("log", 2, "INTEGER", "-1", "INTEGER", "8"),
                 "ERR:Out of Range Error: cannot take logarithm of a negative number");
    CHECK_EQ_STR(call("log", 2, "INTEGER", "2", "INTEGER", "0"),
                 "ERR:Out of Range Error: cannot take logarithm of zero");
    CHECK_EQ_STR(call("log", 2, "INTEGER", "1", "INTEGER", "8"),
                 "ERR:Out of Range Error: divison by zero in based logarithm");
    CHECK_EQ_STR(call("log", 2, "DECIMAL(3,1)", "2.5", "DOUBLE", "6.25"), "DOUBLE:2.0");
    CHECK_EQ_STR(call("sin", 1, "DOUBLE", "0"), "DOUBLE:0.0");
    CHECK_EQ_STR(call("cos", 1, "DOUBLE", "0"), "DOUBLE:1.0");
    CHECK_EQ_STR(call("atan2", 2, "DOUBLE", "1", "DOUBLE", "1"), "DOUBLE:0.7853981633974483");
    CHECK_EQ_STR(call("degrees", 1, "DOUBLE", "3.141592653589793"), "DOUBLE:180.0");
    CHECK_EQ_STR(call("radians", 1, "DOUBLE", "180"), "DOUBLE:3.141592653589793");
    CHECK_EQ_STR(call("asin", 1, "DOUBLE", "2"),
                 "ERR:Invalid Input Error: ASIN is undefined outside [-1,1]");
    CHECK_EQ_STR(call("even", 1, "DOUBLE", "1.5"), "DOUBLE:2.0");
    CHECK_EQ_STR(call("even", 1, "DOUBLE", "-1.5"), "DOUBLE:-2.0");
    CHECK_EQ_STR(call("even", 1, "INTEGER", "2"), "DOUBLE:2.0");
    CHECK_EQ_STR(call("even", 1, "INTEGER", "3"), "DOUBLE:4.0");
    CHECK_EQ_STR(call("even", 1, "DOUBLE", "1e308"), "DOUBLE:1e+308");
    CHECK_EQ_STR(call("even", 1, "NULL", NULL), "DOUBLE:NULL");
    CHECK_EQ_STR(call("isnan", 1, "DOUBLE", "nan"), "BOOLEAN:true");
    CHECK_EQ_STR(call("isnan", 1, "INTEGER", "1"), "BOOLEAN:false");
    CHECK_EQ_STR(call("isnan", 1, "DECIMAL(2,1)", "1.5"), "BOOLEAN:false");
    CHECK_EQ_STR(call("isnan", 1, "FLOAT", "1.5"), "BOOLEAN:false");
    CHECK_EQ_STR(call("isinf", 1, "DOUBLE", "-inf"), "BOOLEAN:true");
    CHECK_EQ_STR(call("isinf", 1, "INTEGER", "1"), "BOOLEAN:false");
    CHECK_EQ_STR(call("isfinite", 1, "DOUBLE", "inf"), "BOOLEAN:false");
    CHECK_EQ_STR(call("isfinite", 1, "FLOAT", "1.0"), "BOOLEAN:true");
    CHECK_EQ_STR(call("factorial", 1, "INTEGER", "5"), "HUGEINT:120");
    CHECK_EQ_STR(call("factorial", 1, "INTEGER", "0"), "HUGEINT:1");
    CHECK_EQ_STR(call("factorial", 1, "INTEGER", "20"), "HUGEINT:2432902008176640000");
    CHECK_EQ_STR(call("factorial", 1, "INTEGER", "21"), "HUGEINT:51090942171709440000");
    CHECK_EQ_STR(call("factorial", 1, "INTEGER", "33"),
                 "HUGEINT:8683317618811886495518194401280000000");
    CHECK_EQ_STR(call("factorial", 1, "INTEGER", "34"),
                 "ERR:Out of Range Error: Value out of range");
    CHECK_EQ_STR(call("factorial", 1, "INTEGER", "-1"),
                 "ERR:Out of Range Error: factorial of a negative number is undefined");
    CHECK_EQ_STR(call("factorial", 1, "TINYINT", "5"), "HUGEINT:120");
    CHECK_EQ_STR(call("bit_count", 1, "INTEGER", "7"), "TINYINT:3");
    CHECK_EQ_STR(call("bit_count", 1, "INTEGER", "-1"), "TINYINT:32");
    CHECK_EQ_STR(call("bit_count", 1, "TINYINT", "-1"), "TINYINT:8");
    CHECK_EQ_STR(call("bit_count", 1, "UTINYINT", "255"), "TINYINT:8");
    CHECK_EQ_STR(call("bit_count", 1, "BIGINT", "-1"), "TINYINT:64");
    CHECK_EQ_STR(call("bit_count", 1, "HUGEINT", "-1"), "TINYINT:-128");
    CHECK_EQ_STR(call("bit_count", 1, "UBIGINT", "5"), "TINYINT:2");
    CHECK_EQ_STR(call("gcd", 2, "INTEGER", "12", "INTEGER", "18"), "BIGINT:6");
    CHECK_EQ_STR(call("gcd", 2, "BIGINT", "12", "BIGINT", "-18"), "BIGINT:6");
    CHECK_EQ_STR(call("gcd", 2, "INTEGER", "0", "INTEGER", "0"), "BIGINT:0");
    CHECK_EQ_STR(call("gcd", 2, "TINYINT", "12", "TINYINT", "18"), "BIGINT:6");
    CHECK_EQ_STR(call("gcd", 2, "BIGINT", "-9223372036854775808", "BIGINT", "0"),
                 "ERR:Out of Range Error: Overflow on abs(-9223372036854775808)");
    CHECK_EQ_STR(call("gcd", 2, "HUGEINT", "12", "INTEGER", "8"), "HUGEINT:4");
    CHECK_EQ_STR(call("lcm", 2, "INTEGER", "4", "INTEGER", "6"), "BIGINT:12");
    CHECK_EQ_STR(call("lcm", 2, "INTEGER", "-4", "INTEGER", "6"), "BIGINT:12");
    CHECK_EQ_STR(call("lcm", 2, "INTEGER", "0", "INTEGER", "6"), "BIGINT:0");
    CHECK_EQ_STR(call("lcm", 2, "HUGEINT", "4", "INTEGER", "6"), "HUGEINT:12");
    CHECK_EQ_STR(call("lcm", 2, "BIGINT", "9223372036854775807", "BIGINT", "2"),
                 "ERR:Out of Range Error: lcm value is out of range");
    CHECK_EQ_STR(call("pi", 0), "DOUBLE:3.141592653589793");
    CHECK_EQ_STR(call("greatest", 3, "INTEGER", "1", "DECIMAL(2,1)", "2.5", "INTEGER", NULL),
                 "DECIMAL(11,1):2.5");
    CHECK_EQ_STR(call("greatest", 3, "INTEGER", "1", "INTEGER", "2", "INTEGER", "3"), "INTEGER:3");
    CHECK_EQ_STR(call("least", 3, "INTEGER", "3", "BIGINT", "1", "INTEGER", "2"), "BIGINT:1");
    CHECK_EQ_STR(call("greatest", 3, "VARCHAR", "b", "VARCHAR", NULL, "VARCHAR", "a"), "VARCHAR:b");
    CHECK_EQ_STR(
        call("least", 2, "VARCHAR", "a long string value 1", "VARCHAR", "a long string value 0"),
        "VARCHAR:a long string value 0");
    CHECK_EQ_STR(call("greatest", 2, "DATE", "2020-01-01", "TIMESTAMP", "2020-01-01 10:00:00"),
                 "TIMESTAMP:2020-01-01 10:00:00");
    CHECK_EQ_STR(call("least", 3, "DATE", "2020-01-01", "DATE", NULL, "DATE", "2019-01-01"),
                 "DATE:2019-01-01");
    CHECK_EQ_STR(call("greatest", 2, "DOUBLE", "1.5", "INTEGER", "2"), "DOUBLE:2.0");
    CHECK_EQ_STR(call("greatest", 2, "FLOAT", "1.5", "INTEGER", "2"), "FLOAT:2.0");
    CHECK_EQ_STR(call("least", 2, "DOUBLE", "nan", "INTEGER", "1"), "DOUBLE:1.0");
    CHECK_EQ_STR(call("greatest", 2, "DOUBLE", "nan", "INTEGER", "1"), "DOUBLE:nan");
    CHECK_EQ_STR(call("greatest", 2, "BOOLEAN", "true", "BOOLEAN", "false"), "BOOLEAN:true");
    CHECK_EQ_STR(call("least", 2, "INTERVAL", "1 day", "INTERVAL", "30 hours"),
                 "INTERVAL:30:00:00");
    CHECK_EQ_STR(call("greatest", 2, "BIGINT", "1", "HUGEINT", "2"), "HUGEINT:2");
    CHECK_EQ_STR(call("greatest", 2, "UBIGINT", "1", "BIGINT", "-1"), "HUGEINT:1");
    CHECK_EQ_STR(call("greatest", 2, "INTEGER", NULL, "INTEGER", NULL), "INTEGER:NULL");
    CHECK_EQ_STR(call("greatest", 1, "INTEGER", "1"), "INTEGER:1");
    CHECK_EQ_STR(call("greatest", 2, "VARCHAR", "1", "INTEGER", "1"),
                 "ERR:Binder Error: Cannot combine types of VARCHAR and INTEGER - an explicit cast "
                 "is required");
    CHECK_EQ_STR(
        call("least", 3, "DECIMAL(5,2)", "1.25", "DECIMAL(10,4)", "1.2500", "DECIMAL(3,1)", "-0.5"),
        "DECIMAL(10,4):-0.5000");
}

/* DuckDB's class for a bad ESCAPE is "Syntax Error", which lh_sql_error_t
 * has not: Parser Error here. */
static void test_like(void)
{
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "abc", "VARCHAR", "a%"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "abc", "VARCHAR", "A%"), "BOOLEAN:false");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "abc", "VARCHAR", "a_c"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "a\\bc", "VARCHAR", "a\\bc"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "a%c", "VARCHAR", "a\\%c"), "BOOLEAN:false");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "h\xc3\xa9llo", "VARCHAR", "h_llo"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "\xc3\xa9", "VARCHAR", "_"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "", "VARCHAR", "_"), "BOOLEAN:false");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "abc", "VARCHAR", ""), "BOOLEAN:false");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "", "VARCHAR", "%"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "abc", "VARCHAR", "%b%"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "abc", "VARCHAR", "%c"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "abc", "VARCHAR", "abc%"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "abc", "VARCHAR", "abc"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "abcd", "VARCHAR", "abc"), "BOOLEAN:false");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "aaa", "VARCHAR", "%a%a%a%"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "aa", "VARCHAR", "%a%a%a%"), "BOOLEAN:false");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "ab", "VARCHAR", "a%%%b"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "aXbXbXc", "VARCHAR", "a%b_c"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "abcabcabd", "VARCHAR", "%abc_bd"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "abc", "VARCHAR", "%_"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "a long string to match against", "VARCHAR",
                      "a long%match%against"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(
        call("~~", 2, "VARCHAR", "a long string to match against", "VARCHAR", "%match%match%"),
        "BOOLEAN:false");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", "ab", "VARCHAR", "%ab%b"), "BOOLEAN:false");
    CHECK_EQ_STR(call("~~", 2, "VARCHAR", NULL, "VARCHAR", "a"), "BOOLEAN:NULL");
    CHECK_EQ_STR(call("!~~", 2, "VARCHAR", "abc", "VARCHAR", "a_c"), "BOOLEAN:false");
    CHECK_EQ_STR(call("!~~", 2, "VARCHAR", "abc", "VARCHAR", "x%"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~*", 2, "VARCHAR", "abc", "VARCHAR", "A%"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~*", 2, "VARCHAR", "xyz", "VARCHAR", "%Y%"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~*", 2, "VARCHAR", "H\xc3\x89LLO", "VARCHAR", "h\xc3\xa9%"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call("~~*", 2, "VARCHAR",
                      "\xc3\x84"
                      "BC",
                      "VARCHAR",
                      "\xc3\xa4"
                      "bc"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call("~~*", 2, "VARCHAR", "\xce\x91\xce\x92\xce\x93", "VARCHAR",
                      "\xce\xb1\xce\xb2\xce\xb3"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call("~~*", 2, "VARCHAR", "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2",
                      "VARCHAR", "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call("~~*", 2, "VARCHAR",
                      "Stra\xc3\x9f"
                      "e",
                      "VARCHAR", "STRASSE"),
                 "BOOLEAN:false");
    CHECK_EQ_STR(call("~~*", 2, "VARCHAR", "\xc4\xb0", "VARCHAR", "i"), "BOOLEAN:true");
    CHECK_EQ_STR(call("~~*", 2, "VARCHAR", "\xc7\x84", "VARCHAR", "\xc7\x86"), "BOOLEAN:true");
    CHECK_EQ_STR(call("!~~*", 2, "VARCHAR", "abc", "VARCHAR", "A%"), "BOOLEAN:false");
    CHECK_EQ_STR(call("like_escape", 3, "VARCHAR", "a%c", "VARCHAR", "a\\%c", "VARCHAR", "\\"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call("like_escape", 3, "VARCHAR", "abc", "VARCHAR", "a\\%c", "VARCHAR", "\\"),
                 "BOOLEAN:false");
    CHECK_EQ_STR(call("like_escape", 3, "VARCHAR", "a_c", "VARCHAR", "a!_c", "VARCHAR", "!"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call("like_escape", 3, "VARCHAR", "abc", "VARCHAR", "a!_c", "VARCHAR", "!"),
                 "BOOLEAN:false");
    CHECK_EQ_STR(call("like_escape", 3, "VARCHAR", "abc", "VARCHAR", "a%", "VARCHAR", "a"),
                 "BOOLEAN:false");
    CHECK_EQ_STR(call("like_escape", 3, "VARCHAR", "a%", "VARCHAR", "aa%", "VARCHAR", "a"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call("like_escape", 3, "VARCHAR", "abc", "VARCHAR", "a%", "VARCHAR", ""),
                 "BOOLEAN:true");
    CHECK_EQ_STR(
        call("like_escape", 3, "VARCHAR", "abc", "VARCHAR", "a%", "VARCHAR", "xx"),
        "ERR:Parser Error: Invalid escape string. Escape string must be empty or one character.");
    CHECK_EQ_STR(call("like_escape", 3, "VARCHAR", "a", "VARCHAR", "a\\", "VARCHAR", "\\"),
                 "BOOLEAN:false");
    CHECK_EQ_STR(call("like_escape", 3, "VARCHAR", "a", "VARCHAR", "a", "VARCHAR", NULL),
                 "BOOLEAN:NULL");
    CHECK_EQ_STR(call("not_like_escape", 3, "VARCHAR", "a%c", "VARCHAR", "a$%c", "VARCHAR", "$"),
                 "BOOLEAN:false");
    CHECK_EQ_STR(call("ilike_escape", 3, "VARCHAR", "A%c", "VARCHAR", "a$%c", "VARCHAR", "$"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call("not_ilike_escape", 3, "VARCHAR", "A%c", "VARCHAR", "a$%c", "VARCHAR", "$"),
                 "BOOLEAN:false");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "abc", "VARCHAR", "a*"), "BOOLEAN:true");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "abc", "VARCHAR", "a?c"), "BOOLEAN:true");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "abc", "VARCHAR", "[a-c]bc"), "BOOLEAN:true");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "abc", "VARCHAR", "[!a]bc"), "BOOLEAN:false");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "abc", "VARCHAR", "[^a]bc"), "BOOLEAN:true");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "a*c", "VARCHAR", "a\\*c"), "BOOLEAN:true");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "abc", "VARCHAR", "a\\*c"), "BOOLEAN:false");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "]", "VARCHAR", "[]]"), "BOOLEAN:true");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "abc", "VARCHAR", "a[bc"), "BOOLEAN:false");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "", "VARCHAR", "*"), "BOOLEAN:true");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "", "VARCHAR", ""), "BOOLEAN:true");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "x", "VARCHAR", ""), "BOOLEAN:false");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "\xc3\xa9", "VARCHAR", "?"), "BOOLEAN:false");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "\xc3\xa9", "VARCHAR", "??"), "BOOLEAN:true");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "-", "VARCHAR", "[a-]"), "BOOLEAN:false");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "ABC", "VARCHAR", "[A-Z]*"), "BOOLEAN:true");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "a\\", "VARCHAR", "a\\"), "BOOLEAN:false");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "abcabd", "VARCHAR", "*ab?"), "BOOLEAN:true");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "file.parquet", "VARCHAR", "*.parquet"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call("glob", 2, "VARCHAR", "ABC", "VARCHAR", "abc"), "BOOLEAN:false");
}

/* The same with CONSTANT arguments: the pattern compiled once. */
static void test_like_const(void)
{
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "abc", "VARCHAR", "a%"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "abc", "VARCHAR", "A%"), "BOOLEAN:false");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "abc", "VARCHAR", "a_c"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "a\\bc", "VARCHAR", "a\\bc"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "a%c", "VARCHAR", "a\\%c"), "BOOLEAN:false");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "h\xc3\xa9llo", "VARCHAR", "h_llo"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "\xc3\xa9", "VARCHAR", "_"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "", "VARCHAR", "_"), "BOOLEAN:false");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "abc", "VARCHAR", ""), "BOOLEAN:false");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "", "VARCHAR", "%"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "abc", "VARCHAR", "%b%"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "abc", "VARCHAR", "%c"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "abc", "VARCHAR", "abc%"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "abc", "VARCHAR", "abc"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "abcd", "VARCHAR", "abc"), "BOOLEAN:false");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "aaa", "VARCHAR", "%a%a%a%"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "aa", "VARCHAR", "%a%a%a%"), "BOOLEAN:false");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "ab", "VARCHAR", "a%%%b"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "aXbXbXc", "VARCHAR", "a%b_c"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "abcabcabd", "VARCHAR", "%abc_bd"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "abc", "VARCHAR", "%_"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "a long string to match against", "VARCHAR",
                            "a long%match%against"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "a long string to match against", "VARCHAR",
                            "%match%match%"),
                 "BOOLEAN:false");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", "ab", "VARCHAR", "%ab%b"), "BOOLEAN:false");
    CHECK_EQ_STR(call_const("~~", 2, "VARCHAR", NULL, "VARCHAR", "a"), "BOOLEAN:NULL");
    CHECK_EQ_STR(call_const("!~~", 2, "VARCHAR", "abc", "VARCHAR", "a_c"), "BOOLEAN:false");
    CHECK_EQ_STR(call_const("!~~", 2, "VARCHAR", "abc", "VARCHAR", "x%"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~*", 2, "VARCHAR", "abc", "VARCHAR", "A%"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~*", 2, "VARCHAR", "xyz", "VARCHAR", "%Y%"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~*", 2, "VARCHAR", "H\xc3\x89LLO", "VARCHAR", "h\xc3\xa9%"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~*", 2, "VARCHAR",
                            "\xc3\x84"
                            "BC",
                            "VARCHAR",
                            "\xc3\xa4"
                            "bc"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~*", 2, "VARCHAR", "\xce\x91\xce\x92\xce\x93", "VARCHAR",
                            "\xce\xb1\xce\xb2\xce\xb3"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~*", 2, "VARCHAR", "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2",
                            "VARCHAR", "\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~*", 2, "VARCHAR",
                            "Stra\xc3\x9f"
                            "e",
                            "VARCHAR", "STRASSE"),
                 "BOOLEAN:false");
    CHECK_EQ_STR(call_const("~~*", 2, "VARCHAR", "\xc4\xb0", "VARCHAR", "i"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("~~*", 2, "VARCHAR", "\xc7\x84", "VARCHAR", "\xc7\x86"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call_const("!~~*", 2, "VARCHAR", "abc", "VARCHAR", "A%"), "BOOLEAN:false");
    CHECK_EQ_STR(
        call_const("like_escape", 3, "VARCHAR", "a%c", "VARCHAR", "a\\%c", "VARCHAR", "\\"),
        "BOOLEAN:true");
    CHECK_EQ_STR(
        call_const("like_escape", 3, "VARCHAR", "abc", "VARCHAR", "a\\%c", "VARCHAR", "\\"),
        "BOOLEAN:false");
    CHECK_EQ_STR(call_const("like_escape", 3, "VARCHAR", "a_c", "VARCHAR", "a!_c", "VARCHAR", "!"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call_const("like_escape", 3, "VARCHAR", "abc", "VARCHAR", "a!_c", "VARCHAR", "!"),
                 "BOOLEAN:false");
    CHECK_EQ_STR(call_const("like_escape", 3, "VARCHAR", "abc", "VARCHAR", "a%", "VARCHAR", "a"),
                 "BOOLEAN:false");
    CHECK_EQ_STR(call_const("like_escape", 3, "VARCHAR", "a%", "VARCHAR", "aa%", "VARCHAR", "a"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call_const("like_escape", 3, "VARCHAR", "abc", "VARCHAR", "a%", "VARCHAR", ""),
                 "BOOLEAN:true");
    CHECK_EQ_STR(
        call_const("like_escape", 3, "VARCHAR", "abc", "VARCHAR", "a%", "VARCHAR", "xx"),
        "ERR:Parser Error: Invalid escape string. Escape string must be empty or one character.");
    CHECK_EQ_STR(call_const("like_escape", 3, "VARCHAR", "a", "VARCHAR", "a\\", "VARCHAR", "\\"),
                 "BOOLEAN:false");
    CHECK_EQ_STR(call_const("like_escape", 3, "VARCHAR", "a", "VARCHAR", "a", "VARCHAR", NULL),
                 "BOOLEAN:NULL");
    CHECK_EQ_STR(
        call_const("not_like_escape", 3, "VARCHAR", "a%c", "VARCHAR", "a$%c", "VARCHAR", "$"),
        "BOOLEAN:false");
    CHECK_EQ_STR(call_const("ilike_escape", 3, "VARCHAR", "A%c", "VARCHAR", "a$%c", "VARCHAR", "$"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(
        call_const("not_ilike_escape", 3, "VARCHAR", "A%c", "VARCHAR", "a$%c", "VARCHAR", "$"),
        "BOOLEAN:false");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "abc", "VARCHAR", "a*"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "abc", "VARCHAR", "a?c"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "abc", "VARCHAR", "[a-c]bc"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "abc", "VARCHAR", "[!a]bc"), "BOOLEAN:false");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "abc", "VARCHAR", "[^a]bc"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "a*c", "VARCHAR", "a\\*c"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "abc", "VARCHAR", "a\\*c"), "BOOLEAN:false");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "]", "VARCHAR", "[]]"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "abc", "VARCHAR", "a[bc"), "BOOLEAN:false");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "", "VARCHAR", "*"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "", "VARCHAR", ""), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "x", "VARCHAR", ""), "BOOLEAN:false");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "\xc3\xa9", "VARCHAR", "?"), "BOOLEAN:false");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "\xc3\xa9", "VARCHAR", "??"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "-", "VARCHAR", "[a-]"), "BOOLEAN:false");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "ABC", "VARCHAR", "[A-Z]*"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "a\\", "VARCHAR", "a\\"), "BOOLEAN:false");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "abcabd", "VARCHAR", "*ab?"), "BOOLEAN:true");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "file.parquet", "VARCHAR", "*.parquet"),
                 "BOOLEAN:true");
    CHECK_EQ_STR(call_const("glob", 2, "VARCHAR", "ABC", "VARCHAR", "abc"), "BOOLEAN:false");
}

/* A FLAT column against a CONSTANT pattern over many rows, with NULLs:
 * the pattern is compiled once and every row answered. */
static void like_rows(const char *fn, const char *pattern, const char *const *rows, int n,
                      const char *want)
{
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    lh_type_t vc = lh_type(LH_TYPE_VARCHAR), bo = lh_type(LH_TYPE_BOOLEAN);
    lh_vector_t v[2], out;
    lh_vector_init(&v[0], &vc, (uint32_t)n, arena());
    lh_vector_init(&v[1], &vc, 1, arena());
    lh_vector_init(&out, &bo, (uint32_t)n, arena());
    for (int i = 0; i < n; i++) {
        if (rows[i])
            lh_vector_set_string(&v[0], (uint32_t)i, rows[i], strlen(rows[i]));
        else {
            lh_vector_set_null(&v[0], (uint32_t)i);
            lh_vector_set_null(&out, (uint32_t)i);
        }
    }
    lh_vector_set_string(&v[1], 0, pattern, strlen(pattern));
    lh_vector_set_constant(&v[1]);
    lh_sql_arg_t args[2] = {{.type = vc}, {.type = vc}};
    lh_type_t cast_to[2] = {vc, vc};
    lh_sql_bind_call_t call = {
        .name = fn, .args = args, .nargs = 2, .arena = arena(), .pos = -1, .cast_to = cast_to};
    CHECK_EQ_INT(lh_sql_func_bind(lh_sql_func_lookup(fn), &call, &err), 0);
    lh_sql_fctx_t ctx = {.err = &err, .pos = -1, .arena = arena()};
    CHECK_EQ_INT(call.exec(&ctx, v, 2, (uint32_t)n, &out), 0);
    char got[64] = {0};
    for (int i = 0; i < n && i < 63; i++)
        got[i] = !lh_vector_is_valid(&out, (uint32_t)i) ? 'N'
                 : ((uint8_t *)out.data)[i]             ? '1'
                                                        : '0';
    CHECK_EQ_STR(got, want);
}

static void test_like_rows(void)
{
    static const char *const rows[] = {
        "apple pie", NULL,         "pineapple",  "APPLE",
        "",          "applesauce", "crab apple", "a long string about apples"};
    like_rows("~~", "apple%", rows, 8, "1N000100");
    like_rows("~~", "%apple", rows, 8, "0N100010");
    like_rows("~~", "%apple%", rows, 8, "1N100111");
    like_rows("~~*", "apple", rows, 8, "0N010000");
    like_rows("!~~", "%p_e%", rows, 8, "0N011000");
    like_rows("~~", "%", rows, 8, "1N111111");
    like_rows("glob", "*apple*", rows, 8, "1N100111");
}

static void test_strings2(void)
{
    CHECK_EQ_STR(call("split_part", 3, "VARCHAR", "a,b,c", "VARCHAR", ",", "BIGINT", "2"),
                 "VARCHAR:b");
    CHECK_EQ_STR(call("split_part", 3, "VARCHAR", "a,b,c", "VARCHAR", ",", "BIGINT", "-1"),
                 "VARCHAR:c");
    CHECK_EQ_STR(call("split_part", 3, "VARCHAR", "a,b,c", "VARCHAR", ",", "BIGINT", "-3"),
                 "VARCHAR:a");
    CHECK_EQ_STR(call("split_part", 3, "VARCHAR", "a,b,c", "VARCHAR", ",", "BIGINT", "-4"),
                 "VARCHAR:");
    CHECK_EQ_STR(call("split_part", 3, "VARCHAR", "a,b,c", "VARCHAR", ",", "BIGINT", "0"),
                 "VARCHAR:");
    CHECK_EQ_STR(call("split_part", 3, "VARCHAR", "a,b,c", "VARCHAR", ",", "BIGINT", "5"),
                 "VARCHAR:");
    CHECK_EQ_STR(call("split_part", 3, "VARCHAR", "abc", "VARCHAR", "", "BIGINT", "2"),
                 "VARCHAR:b");
    CHECK_EQ_STR(call("split_part", 3, "VARCHAR", "h\xc3\xa9llo", "VARCHAR", "", "BIGINT", "2"),
                 "VARCHAR:\xc3\xa9");
    CHECK_EQ_STR(call("split_part", 3, "VARCHAR", "a,,b", "VARCHAR", ",", "BIGINT", "2"),
                 "VARCHAR:");
    CHECK_EQ_STR(call("split_part", 3, "VARCHAR", "a::b::c", "VARCHAR", "::", "BIGINT", "3"),
                 "VARCHAR:c");
    CHECK_EQ_STR(call("split_part", 3, "VARCHAR", "", "VARCHAR", ",", "BIGINT", "1"), "VARCHAR:");
    CHECK_EQ_STR(call("split_part", 3, "VARCHAR", "abc", "VARCHAR", ",", "BIGINT", "1"),
                 "VARCHAR:abc");
    CHECK_EQ_STR(
        call("concat_ws", 4, "VARCHAR", ",", "VARCHAR", "a", "VARCHAR", NULL, "VARCHAR", "b"),
        "VARCHAR:a,b");
    CHECK_EQ_STR(call("concat_ws", 2, "VARCHAR", NULL, "VARCHAR", "a"), "VARCHAR:NULL");
    CHECK_EQ_STR(call("concat_ws", 2, "VARCHAR", ",", "VARCHAR", NULL), "VARCHAR:");
    CHECK_EQ_STR(call("concat_ws", 4, "VARCHAR", ", ", "INTEGER", "1", "DATE", "2020-01-01",
                      "DOUBLE", "1.5"),
                 "VARCHAR:1, 2020-01-01, 1.5");
    CHECK_EQ_STR(call("lpad", 3, "VARCHAR", "abc", "INTEGER", "5", "VARCHAR", "xy"),
                 "VARCHAR:xyabc");
    CHECK_EQ_STR(call("lpad", 3, "VARCHAR", "abc", "INTEGER", "2", "VARCHAR", "x"), "VARCHAR:ab");
    CHECK_EQ_STR(call("rpad", 3, "VARCHAR", "abc", "INTEGER", "6", "VARCHAR", "xy"),
                 "VARCHAR:abcxyx");
    CHECK_EQ_STR(call("lpad", 3, "VARCHAR", "h\xc3\xa9llo", "INTEGER", "7", "VARCHAR", "\xc3\xa9"),
                 "VARCHAR:\xc3\xa9\xc3\xa9h\xc3\xa9llo");
    CHECK_EQ_STR(call("rpad", 3, "VARCHAR", "h\xc3\xa9llo", "INTEGER", "2", "VARCHAR", "\xc3\xa9"),
                 "VARCHAR:h\xc3\xa9");
    CHECK_EQ_STR(call("lpad", 3, "VARCHAR", "abc", "INTEGER", "5", "VARCHAR", ""),
                 "ERR:Invalid Input Error: Insufficient padding in LPAD.");
    CHECK_EQ_STR(call("rpad", 3, "VARCHAR", "abc", "INTEGER", "5", "VARCHAR", ""),
                 "ERR:Invalid Input Error: Insufficient padding in RPAD.");
    CHECK_EQ_STR(call("lpad", 3, "VARCHAR", "abc", "INTEGER", "-1", "VARCHAR", "x"), "VARCHAR:");
    CHECK_EQ_STR(call("ascii", 1, "VARCHAR", "A"), "INTEGER:65");
    CHECK_EQ_STR(call("ascii", 1, "VARCHAR", "\xc3\xa9"), "INTEGER:233");
    CHECK_EQ_STR(call("ascii", 1, "VARCHAR", ""), "INTEGER:0");
    CHECK_EQ_STR(call("unicode", 1, "VARCHAR", "\xe2\x82\xacuro"), "INTEGER:8364");
    CHECK_EQ_STR(call("ord", 1, "VARCHAR", "A"), "INTEGER:65");
    CHECK_EQ_STR(call("chr", 1, "INTEGER", "65"), "VARCHAR:A");
    CHECK_EQ_STR(call("chr", 1, "INTEGER", "233"), "VARCHAR:\xc3\xa9");
    CHECK_EQ_STR(call("chr", 1, "INTEGER", "128512"), "VARCHAR:\xf0\x9f\x98\x80");
    CHECK_EQ_STR(call("chr", 1, "INTEGER", "-1"),
                 "ERR:Invalid Input Error: Invalid UTF8 Codepoint -1");
    CHECK_EQ_STR(call("chr", 1, "INTEGER", "1114112"),
                 "ERR:Invalid Input Error: Invalid UTF8 Codepoint 1114112");
    CHECK_EQ_STR(call("md5", 1, "VARCHAR", "abc"), "VARCHAR:900150983cd24fb0d6963f7d28e17f72");
    CHECK_EQ_STR(call("md5", 1, "VARCHAR", ""), "VARCHAR:d41d8cd98f00b204e9800998ecf8427e");
    CHECK_EQ_STR(call("md5", 1, "VARCHAR", NULL), "VARCHAR:NULL");
    CHECK_EQ_STR(call("sha1", 1, "VARCHAR", "abc"),
                 "VARCHAR:a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK_EQ_STR(call("sha256", 1, "VARCHAR", "abc"),
                 "VARCHAR:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_EQ_STR(call("translate", 3, "VARCHAR", "hello", "VARCHAR", "el", "VARCHAR", "ip"),
                 "VARCHAR:hippo");
    CHECK_EQ_STR(call("translate", 3, "VARCHAR", "hello", "VARCHAR", "elo", "VARCHAR", "i"),
                 "VARCHAR:hi");
    CHECK_EQ_STR(
        call("translate", 3, "VARCHAR", "h\xc3\xa9llo", "VARCHAR", "\xc3\xa9", "VARCHAR", "e"),
        "VARCHAR:hello");
    CHECK_EQ_STR(call("translate", 3, "VARCHAR", "abc", "VARCHAR", "", "VARCHAR", "x"),
                 "VARCHAR:abc");
    CHECK_EQ_STR(call("typeof", 1, "INTEGER", "1"), "VARCHAR:INTEGER");
    CHECK_EQ_STR(call("typeof", 1, "DECIMAL(5,2)", "1.5"), "VARCHAR:DECIMAL(5,2)");
    CHECK_EQ_STR(call("typeof", 1, "TIMESTAMPTZ", "2020-01-01"),
                 "VARCHAR:TIMESTAMP WITH TIME ZONE");
    CHECK_EQ_STR(call("typeof", 1, "NULL", NULL), "VARCHAR:\"NULL\"");
    CHECK_EQ_STR(call("typeof", 1, "VARCHAR", NULL), "VARCHAR:VARCHAR");
}

static void test_dates(void)
{
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "year", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
                 "BIGINT:2021");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "year", "DATE", "2021-01-03"), "BIGINT:2021");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "month", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
        "BIGINT:1");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "month", "DATE", "2021-01-03"), "BIGINT:1");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "day", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
                 "BIGINT:3");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "day", "DATE", "2021-01-03"), "BIGINT:3");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "hour", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
                 "BIGINT:10");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "hour", "DATE", "2021-01-03"), "BIGINT:0");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "minute", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
        "BIGINT:20");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "minute", "DATE", "2021-01-03"), "BIGINT:0");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "second", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
        "BIGINT:30");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "second", "DATE", "2021-01-03"), "BIGINT:0");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "millisecond", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
        "BIGINT:30123");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "millisecond", "DATE", "2021-01-03"), "BIGINT:0");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "microsecond", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
        "BIGINT:30123456");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "microsecond", "DATE", "2021-01-03"), "BIGINT:0");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "epoch", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
        "DOUBLE:1609669230.123456");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "epoch", "DATE", "2021-01-03"),
                 "DOUBLE:1609632000.0");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "dow", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
                 "BIGINT:0");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "dow", "DATE", "2021-01-03"), "BIGINT:0");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "isodow", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
        "BIGINT:7");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "isodow", "DATE", "2021-01-03"), "BIGINT:7");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "doy", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
                 "BIGINT:3");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "doy", "DATE", "2021-01-03"), "BIGINT:3");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "week", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
                 "BIGINT:53");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "week", "DATE", "2021-01-03"), "BIGINT:53");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "quarter", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
        "BIGINT:1");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "quarter", "DATE", "2021-01-03"), "BIGINT:1");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "decade", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
        "BIGINT:202");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "decade", "DATE", "2021-01-03"), "BIGINT:202");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "century", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
        "BIGINT:21");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "century", "DATE", "2021-01-03"), "BIGINT:21");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "millennium", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
        "BIGINT:3");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "millennium", "DATE", "2021-01-03"), "BIGINT:3");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "yearweek", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
        "BIGINT:202053");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "yearweek", "DATE", "2021-01-03"),
                 "BIGINT:202053");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "era", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
                 "BIGINT:1");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "era", "DATE", "2021-01-03"), "BIGINT:1");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "isoyear", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
        "BIGINT:2020");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "isoyear", "DATE", "2021-01-03"), "BIGINT:2020");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "julian", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
        "DOUBLE:2459218.430904207");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "julian", "DATE", "2021-01-03"),
                 "DOUBLE:2459218.0");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "YEAR", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
                 "BIGINT:2021");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "YEAR", "DATE", "2021-01-03"), "BIGINT:2021");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "yrs", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
                 "BIGINT:2021");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "yrs", "DATE", "2021-01-03"), "BIGINT:2021");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "foo", "TIMESTAMP", "2021-01-03 10:20:30.123456"),
                 "ERR:Conversion Error: extract specifier \"foo\" not recognized");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "foo", "DATE", "2021-01-03"),
                 "ERR:Conversion Error: extract specifier \"foo\" not recognized");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "year", "INTERVAL", "14 months 3 days 10:20:30.5"),
                 "BIGINT:1");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "month", "INTERVAL", "14 months 3 days 10:20:30.5"),
        "BIGINT:2");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "day", "INTERVAL", "14 months 3 days 10:20:30.5"),
                 "BIGINT:3");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "hour", "INTERVAL", "14 months 3 days 10:20:30.5"),
                 "BIGINT:10");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "minute", "INTERVAL", "14 months 3 days 10:20:30.5"),
        "BIGINT:20");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "second", "INTERVAL", "14 months 3 days 10:20:30.5"),
        "BIGINT:30");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "millisecond", "INTERVAL", "14 months 3 days 10:20:30.5"),
        "BIGINT:30500");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "microsecond", "INTERVAL", "14 months 3 days 10:20:30.5"),
        "BIGINT:30500000");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "epoch", "INTERVAL", "14 months 3 days 10:20:30.5"),
        "DOUBLE:37038030.5");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "quarter", "INTERVAL", "14 months 3 days 10:20:30.5"),
        "BIGINT:1");
    CHECK_EQ_STR(
        call("date_part", 2, "VARCHAR", "decade", "INTERVAL", "14 months 3 days 10:20:30.5"),
        "BIGINT:0");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "hour", "TIME", "10:20:30.5"), "BIGINT:10");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "minute", "TIME", "10:20:30.5"), "BIGINT:20");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "second", "TIME", "10:20:30.5"), "BIGINT:30");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "millisecond", "TIME", "10:20:30.5"),
                 "BIGINT:30500");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "epoch", "TIME", "10:20:30.5"), "DOUBLE:37230.5");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "hour", "TIMESTAMPTZ", "2021-01-03 10:20:30+00"),
                 "BIGINT:10");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "year", "DATE", "-0044-03-15"), "BIGINT:-44");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "century", "DATE", "2000-01-01"), "BIGINT:20");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "millennium", "DATE", "2001-01-01"), "BIGINT:3");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "week", "DATE", "2020-12-31"), "BIGINT:53");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "isoyear", "DATE", "2024-12-30"), "BIGINT:2025");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "dow", "TIMESTAMP", "1969-12-31 23:00:00"),
                 "BIGINT:3");
    CHECK_EQ_STR(call("date_part", 2, "VARCHAR", "epoch", "TIMESTAMP", "1969-12-31 23:59:59.5"),
                 "DOUBLE:-0.5");
    CHECK_EQ_STR(call("year", 1, "DATE", "2021-06-01"), "BIGINT:2021");
    CHECK_EQ_STR(call("month", 1, "TIMESTAMP", "2021-06-01"), "BIGINT:6");
    CHECK_EQ_STR(call("dayofweek", 1, "DATE", "2021-06-06"), "BIGINT:0");
    CHECK_EQ_STR(call("isodow", 1, "DATE", "2021-06-06"), "BIGINT:7");
    CHECK_EQ_STR(call("week", 1, "DATE", "2021-01-01"), "BIGINT:53");
    CHECK_EQ_STR(call("second", 1, "TIMESTAMP", "2021-01-01 00:00:05.9"), "BIGINT:5");
    CHECK_EQ_STR(call("hour", 1, "DATE", "2021-01-01"), "BIGINT:0");
    CHECK_EQ_STR(call("dayofyear", 1, "DATE", "2021-12-31"), "BIGINT:365");
    CHECK_EQ_STR(call("quarter", 1, "TIMESTAMPTZ", "2021-05-01 00:00:00+00"), "BIGINT:2");
    CHECK_EQ_STR(call("yearweek", 1, "DATE", "2021-06-06"), "BIGINT:202122");
    CHECK_EQ_STR(call("epoch", 1, "TIMESTAMP", "2021-01-01 00:00:00.5"), "DOUBLE:1609459200.5");
    CHECK_EQ_STR(call("epoch", 1, "DATE", "2021-01-01"), "DOUBLE:1609459200.0");
    CHECK_EQ_STR(call("epoch", 1, "INTERVAL", "1 day"), "DOUBLE:86400.0");
    CHECK_EQ_STR(call("epoch", 1, "INTERVAL", "1 month"), "DOUBLE:2592000.0");
    CHECK_EQ_STR(call("epoch", 1, "INTERVAL", "1 year"), "DOUBLE:31557600.0");
    CHECK_EQ_STR(call("year", 1, "INTERVAL", "14 months"), "BIGINT:1");
    CHECK_EQ_STR(call("minute", 1, "TIME", "10:20:30"), "BIGINT:20");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "month", "TIMESTAMP", "2021-05-19 10:20:30.5678"),
                 "TIMESTAMP:2021-05-01 00:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "month", "DATE", "2021-05-19"),
                 "TIMESTAMP:2021-05-01 00:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "hour", "TIMESTAMP", "2021-05-19 10:20:30.5678"),
                 "TIMESTAMP:2021-05-19 10:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "hour", "DATE", "2021-05-19"),
                 "TIMESTAMP:2021-05-19 00:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "day", "TIMESTAMP", "2021-05-19 10:20:30.5678"),
                 "TIMESTAMP:2021-05-19 00:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "day", "DATE", "2021-05-19"),
                 "TIMESTAMP:2021-05-19 00:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "week", "TIMESTAMP", "2021-05-19 10:20:30.5678"),
                 "TIMESTAMP:2021-05-17 00:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "week", "DATE", "2021-05-19"),
                 "TIMESTAMP:2021-05-17 00:00:00");
    CHECK_EQ_STR(
        call("date_trunc", 2, "VARCHAR", "quarter", "TIMESTAMP", "2021-05-19 10:20:30.5678"),
        "TIMESTAMP:2021-04-01 00:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "quarter", "DATE", "2021-05-19"),
                 "TIMESTAMP:2021-04-01 00:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "year", "TIMESTAMP", "2021-05-19 10:20:30.5678"),
                 "TIMESTAMP:2021-01-01 00:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "year", "DATE", "2021-05-19"),
                 "TIMESTAMP:2021-01-01 00:00:00");
    CHECK_EQ_STR(
        call("date_trunc", 2, "VARCHAR", "decade", "TIMESTAMP", "2021-05-19 10:20:30.5678"),
        "TIMESTAMP:2020-01-01 00:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "decade", "DATE", "2021-05-19"),
                 "TIMESTAMP:2020-01-01 00:00:00");
    CHECK_EQ_STR(
        call("date_trunc", 2, "VARCHAR", "century", "TIMESTAMP", "2021-05-19 10:20:30.5678"),
        "TIMESTAMP:2000-01-01 00:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "century", "DATE", "2021-05-19"),
                 "TIMESTAMP:2000-01-01 00:00:00");
    CHECK_EQ_STR(
        call("date_trunc", 2, "VARCHAR", "millennium", "TIMESTAMP", "2021-05-19 10:20:30.5678"),
        "TIMESTAMP:2000-01-01 00:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "millennium", "DATE", "2021-05-19"),
                 "TIMESTAMP:2000-01-01 00:00:00");
    CHECK_EQ_STR(
        call("date_trunc", 2, "VARCHAR", "second", "TIMESTAMP", "2021-05-19 10:20:30.5678"),
        "TIMESTAMP:2021-05-19 10:20:30");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "second", "DATE", "2021-05-19"),
                 "TIMESTAMP:2021-05-19 00:00:00");
    CHECK_EQ_STR(
        call("date_trunc", 2, "VARCHAR", "millisecond", "TIMESTAMP", "2021-05-19 10:20:30.5678"),
        "TIMESTAMP:2021-05-19 10:20:30.567");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "millisecond", "DATE", "2021-05-19"),
                 "TIMESTAMP:2021-05-19 00:00:00");
    CHECK_EQ_STR(
        call("date_trunc", 2, "VARCHAR", "minute", "TIMESTAMP", "2021-05-19 10:20:30.5678"),
        "TIMESTAMP:2021-05-19 10:20:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "minute", "DATE", "2021-05-19"),
                 "TIMESTAMP:2021-05-19 00:00:00");
    CHECK_EQ_STR(
        call("date_trunc", 2, "VARCHAR", "isoyear", "TIMESTAMP", "2021-05-19 10:20:30.5678"),
        "TIMESTAMP:2021-01-04 00:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "isoyear", "DATE", "2021-05-19"),
                 "TIMESTAMP:2021-01-04 00:00:00");
    CHECK_EQ_STR(
        call("date_trunc", 2, "VARCHAR", "microsecond", "TIMESTAMP", "2021-05-19 10:20:30.5678"),
        "TIMESTAMP:2021-05-19 10:20:30.5678");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "microsecond", "DATE", "2021-05-19"),
                 "TIMESTAMP:2021-05-19 00:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "foo", "TIMESTAMP", "2021-05-19 10:20:30.5678"),
                 "ERR:Conversion Error: extract specifier \"foo\" not recognized");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "foo", "DATE", "2021-05-19"),
                 "ERR:Conversion Error: extract specifier \"foo\" not recognized");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "day", "TIMESTAMPTZ", "2021-05-17 10:20:30+00"),
                 "TIMESTAMP WITH TIME ZONE:2021-05-17 00:00:00+00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "isoyear", "DATE", "2021-01-01"),
                 "TIMESTAMP:2019-12-30 00:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "week", "DATE", "2021-05-17"),
                 "TIMESTAMP:2021-05-17 00:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "hour", "TIMESTAMP", "1969-12-31 23:30:00"),
                 "TIMESTAMP:1969-12-31 23:00:00");
    CHECK_EQ_STR(call("date_trunc", 2, "VARCHAR", "year", "DATE", "-0044-03-15"),
                 "TIMESTAMP:0045-01-01 (BC) 00:00:00");
    CHECK_EQ_STR(call("date_diff", 3, "VARCHAR", "year", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:1");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "year", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:0");
    CHECK_EQ_STR(
        call("date_diff", 3, "VARCHAR", "year", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:-2");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "year", "DATE", "2021-03-01", "DATE", "2019-01-15"),
                 "BIGINT:-2");
    CHECK_EQ_STR(call("date_diff", 3, "VARCHAR", "quarter", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:1");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "quarter", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:0");
    CHECK_EQ_STR(
        call("date_diff", 3, "VARCHAR", "quarter", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:-8");
    CHECK_EQ_STR(
        call("date_sub", 3, "VARCHAR", "quarter", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:-8");
    CHECK_EQ_STR(call("date_diff", 3, "VARCHAR", "month", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:3");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "month", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:2");
    CHECK_EQ_STR(
        call("date_diff", 3, "VARCHAR", "month", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:-26");
    CHECK_EQ_STR(
        call("date_sub", 3, "VARCHAR", "month", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:-25");
    CHECK_EQ_STR(call("date_diff", 3, "VARCHAR", "week", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:8");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "week", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:8");
    CHECK_EQ_STR(
        call("date_diff", 3, "VARCHAR", "week", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:-110");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "week", "DATE", "2021-03-01", "DATE", "2019-01-15"),
                 "BIGINT:-110");
    CHECK_EQ_STR(call("date_diff", 3, "VARCHAR", "day", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:60");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "day", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:59");
    CHECK_EQ_STR(call("date_diff", 3, "VARCHAR", "day", "DATE", "2021-03-01", "DATE", "2019-01-15"),
                 "BIGINT:-776");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "day", "DATE", "2021-03-01", "DATE", "2019-01-15"),
                 "BIGINT:-776");
    CHECK_EQ_STR(call("date_diff", 3, "VARCHAR", "hour", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:1417");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "hour", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:1416");
    CHECK_EQ_STR(
        call("date_diff", 3, "VARCHAR", "hour", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:-18624");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "hour", "DATE", "2021-03-01", "DATE", "2019-01-15"),
                 "BIGINT:-18624");
    CHECK_EQ_STR(call("date_diff", 3, "VARCHAR", "minute", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:84961");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "minute", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:84960");
    CHECK_EQ_STR(
        call("date_diff", 3, "VARCHAR", "minute", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:-1117440");
    CHECK_EQ_STR(
        call("date_sub", 3, "VARCHAR", "minute", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:-1117440");
    CHECK_EQ_STR(call("date_diff", 3, "VARCHAR", "second", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:5097601");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "second", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:5097600");
    CHECK_EQ_STR(
        call("date_diff", 3, "VARCHAR", "second", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:-67046400");
    CHECK_EQ_STR(
        call("date_sub", 3, "VARCHAR", "second", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:-67046400");
    CHECK_EQ_STR(call("date_diff", 3, "VARCHAR", "millisecond", "TIMESTAMP",
                      "2020-12-31 23:59:59.9", "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:5097600100");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "millisecond", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:5097600100");
    CHECK_EQ_STR(
        call("date_diff", 3, "VARCHAR", "millisecond", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:-67046400000");
    CHECK_EQ_STR(
        call("date_sub", 3, "VARCHAR", "millisecond", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:-67046400000");
    CHECK_EQ_STR(call("date_diff", 3, "VARCHAR", "microsecond", "TIMESTAMP",
                      "2020-12-31 23:59:59.9", "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:5097600100000");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "microsecond", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:5097600100000");
    CHECK_EQ_STR(
        call("date_diff", 3, "VARCHAR", "microsecond", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:-67046400000000");
    CHECK_EQ_STR(
        call("date_sub", 3, "VARCHAR", "microsecond", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:-67046400000000");
    CHECK_EQ_STR(call("date_diff", 3, "VARCHAR", "decade", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:0");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "decade", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:0");
    CHECK_EQ_STR(
        call("date_diff", 3, "VARCHAR", "decade", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:-1");
    CHECK_EQ_STR(
        call("date_sub", 3, "VARCHAR", "decade", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:0");
    CHECK_EQ_STR(call("date_diff", 3, "VARCHAR", "century", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:0");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "century", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:0");
    CHECK_EQ_STR(
        call("date_diff", 3, "VARCHAR", "century", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:0");
    CHECK_EQ_STR(
        call("date_sub", 3, "VARCHAR", "century", "DATE", "2021-03-01", "DATE", "2019-01-15"),
        "BIGINT:0");
    CHECK_EQ_STR(call("date_diff", 3, "VARCHAR", "doy", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:60");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "doy", "TIMESTAMP", "2020-12-31 23:59:59.9",
                      "TIMESTAMP", "2021-03-01 00:00:00"),
                 "BIGINT:59");
    CHECK_EQ_STR(call("date_diff", 3, "VARCHAR", "doy", "DATE", "2021-03-01", "DATE", "2019-01-15"),
                 "BIGINT:-776");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "doy", "DATE", "2021-03-01", "DATE", "2019-01-15"),
                 "BIGINT:-776");
    CHECK_EQ_STR(
        call("date_diff", 3, "VARCHAR", "month", "DATE", "2021-01-31", "DATE", "2021-02-28"),
        "BIGINT:1");
    CHECK_EQ_STR(
        call("date_sub", 3, "VARCHAR", "month", "DATE", "2021-01-31", "DATE", "2021-02-28"),
        "BIGINT:1");
    CHECK_EQ_STR(
        call("date_sub", 3, "VARCHAR", "month", "DATE", "2021-01-15", "DATE", "2021-03-14"),
        "BIGINT:1");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "year", "DATE", "2020-02-29", "DATE", "2021-02-28"),
                 "BIGINT:1");
    CHECK_EQ_STR(call("date_sub", 3, "VARCHAR", "day", "TIMESTAMP", "2021-01-01 23:00", "TIMESTAMP",
                      "2021-01-02 01:00"),
                 "BIGINT:0");
    CHECK_EQ_STR(call("datediff", 3, "VARCHAR", "day", "TIMESTAMP", "2021-01-01 23:00", "TIMESTAMP",
                      "2021-01-02 01:00"),
                 "BIGINT:1");
    CHECK_EQ_STR(call("date_diff", 3, "VARCHAR", "hour", "TIME", "10:59", "TIME", "11:01"),
                 "BIGINT:1");
    CHECK_EQ_STR(call("date_diff", 3, "VARCHAR", "second", "TIMESTAMPTZ", "2021-01-01 00:00:00+00",
                      "TIMESTAMPTZ", "2021-01-01 00:01:00+00"),
                 "BIGINT:60");
    CHECK_EQ_STR(
        call("date_diff", 3, "VARCHAR", "bogus", "DATE", "2021-01-01", "DATE", "2021-01-01"),
        "ERR:Conversion Error: extract specifier \"bogus\" not recognized");
    CHECK_EQ_STR(call("date_add", 2, "DATE", "2021-01-31", "INTERVAL", "1 month"),
                 "TIMESTAMP:2021-02-28 00:00:00");
    CHECK_EQ_STR(call("date_add", 2, "TIMESTAMP", "2021-01-31", "INTERVAL", "1 hour"),
                 "TIMESTAMP:2021-01-31 01:00:00");
    CHECK_EQ_STR(call("date_add", 2, "TIMESTAMPTZ", "2021-01-31 00:00:00+00", "INTERVAL", "1 day"),
                 "TIMESTAMP WITH TIME ZONE:2021-02-01 00:00:00+00");
    CHECK_EQ_STR(call("epoch_ms", 1, "TIMESTAMP", "2021-01-01 00:00:00.5"), "BIGINT:1609459200500");
    CHECK_EQ_STR(call("epoch_ms", 1, "TIMESTAMP", "1969-12-31 23:59:59.9995"), "BIGINT:0");
    CHECK_EQ_STR(call("epoch_ms", 1, "DATE", "2021-01-01"), "BIGINT:1609459200000");
    CHECK_EQ_STR(call("epoch_ms", 1, "BIGINT", "1609459200500"), "TIMESTAMP:2021-01-01 00:00:00.5");
    CHECK_EQ_STR(call("epoch_us", 1, "TIMESTAMP", "2021-01-01"), "BIGINT:1609459200000000");
    CHECK_EQ_STR(call("epoch_ns", 1, "TIMESTAMP", "2021-01-01"), "BIGINT:1609459200000000000");
    CHECK_EQ_STR(call("epoch_ns", 1, "TIMESTAMPTZ", "2021-01-01 00:00:00+00"),
                 "BIGINT:1609459200000000000");
    CHECK_EQ_STR(call("to_timestamp", 1, "DOUBLE", "1609459200.5"),
                 "TIMESTAMP WITH TIME ZONE:2021-01-01 00:00:00.5+00");
    CHECK_EQ_STR(call("to_timestamp", 1, "INTEGER", "0"),
                 "TIMESTAMP WITH TIME ZONE:1970-01-01 00:00:00+00");
    CHECK_EQ_STR(call("make_date", 3, "BIGINT", "2021", "BIGINT", "2", "BIGINT", "29"),
                 "ERR:Conversion Error: Date out of range: 2021-2-29");
    CHECK_EQ_STR(call("make_date", 3, "BIGINT", "2020", "BIGINT", "2", "BIGINT", "29"),
                 "DATE:2020-02-29");
    CHECK_EQ_STR(call("make_date", 3, "INTEGER", "2021", "INTEGER", "13", "INTEGER", "1"),
                 "ERR:Conversion Error: Date out of range: 2021-13-1");
    CHECK_EQ_STR(call("make_timestamp", 6, "BIGINT", "2021", "BIGINT", "1", "BIGINT", "2", "BIGINT",
                      "3", "BIGINT", "4", "DOUBLE", "5.5"),
                 "TIMESTAMP:2021-01-02 03:04:05.5");
    CHECK_EQ_STR(call("make_timestamp", 1, "BIGINT", "1609459200000000"),
                 "TIMESTAMP:2021-01-01 00:00:00");
    CHECK_EQ_STR(call("make_time", 3, "BIGINT", "1", "BIGINT", "2", "DOUBLE", "3.5"),
                 "TIME:01:02:03.5");
    CHECK_EQ_STR(call("last_day", 1, "DATE", "2020-02-10"), "DATE:2020-02-29");
    CHECK_EQ_STR(call("last_day", 1, "TIMESTAMP", "2021-12-10 10:00"), "DATE:2021-12-31");
    CHECK_EQ_STR(call("last_day", 1, "TIMESTAMPTZ", "2021-02-10 10:00:00+00"), "DATE:2021-02-28");
    CHECK_EQ_STR(call("dayname", 1, "DATE", "2021-01-03"), "VARCHAR:Sunday");
    CHECK_EQ_STR(call("dayname", 1, "TIMESTAMP", "1969-12-31 23:00:00"), "VARCHAR:Wednesday");
    CHECK_EQ_STR(call("monthname", 1, "TIMESTAMP", "2021-01-03"), "VARCHAR:January");
    CHECK_EQ_STR(call("monthname", 1, "DATE", "2021-12-03"), "VARCHAR:December");
}

// clang-format off
/* Powers of ten from the table equal repeated multiplication; text of 38
 * and 39 digits reads exactly up to 2^128 - 1 and no further. */
static void test_pow10_and_wide_text(void)
{
    lh_int128_t p = 1;
    for (int k = 0; k <= 38; k++) {
        CHECK(lh__pow10(k) == p);
        if (k < 38) p *= 10;
    }
    lh_int128_t v;
    CHECK(lh__parse_exact("99999999999999999999999999999999999999", 38, 0, &v));
    CHECK(v == lh__pow10(38) - 1);
    CHECK(lh__parse_exact("-170141183460469231731687303715884105728", 40, 0, &v));
    CHECK(v == (lh_int128_t)((lh_uint128_t)1 << 127));
    CHECK(!lh__parse_exact("170141183460469231731687303715884105728", 39, 0, &v));
    CHECK(lh__parse_exact("5000000000000000000000", 22, 0, &v) &&
          v == 5 * lh__pow10(21));
}

static const lh_test_t tests[] = {
    {"math", test_math},
    {"pow10_and_wide_text", test_pow10_and_wide_text},
    {"like", test_like},
    {"like_const", test_like_const},
    {"like_rows", test_like_rows},
    {"strings2", test_strings2},
    {"dates", test_dates},
    {NULL, NULL},
};
// clang-format on

int main(int argc, char **argv)
{
    return lh_test_main(tests, argc, argv);
}
