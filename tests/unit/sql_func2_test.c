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
#include "test.h"

static char result[4096];

static lh_arena_t *arena(void)
{
    static lh_arena_t *a;
    if (!a) a = lh_arena_new(1 << 16);
    return a;
}

static lh_type_t ty(const char *name)
{
    lh_type_t t = {0};
    lh_err_t e;
    if (strcmp(name, "NULL")) lh_type_parse(arena(), name, strlen(name), &t, &e);
    return t;
}

static const char *fmt_err(const lh_sql_error_t *err)
{
    snprintf(result, sizeof result, "ERR:%s: %s",
             lh_sql_err_class_name((lh_sql_err_class_t)err->cls), err->e.msg);
    return result;
}

/* "TYPE:text" of row of v. */
static const char *fmt_row(const lh_vector_t *v, uint32_t row)
{
    char tn[128];
    lh_type_format(&v->type, tn, sizeof tn);
    lh_buf_t b;
    lh_buf_init(&b, 1 << 20);
    if (!lh_vector_is_valid(v, row))
        lh_buf_puts(&b, "NULL");
    else
        lh_vector_text(v, row, &b);
    snprintf(result, sizeof result, "%s:%s", tn, b.ptr ? b.ptr : "");
    lh_buf_free(&b);
    return result;
}

/* A 1-row vector of type `type` holding text cast to it (NULL: NULL). */
static int make_arg(const char *type, const char *text, bool constant, lh_vector_t *v,
                    lh_sql_arg_t *arg, lh_sql_error_t *err)
{
    lh_type_t t = ty(type);
    memset(arg, 0, sizeof *arg);
    arg->type = t;
    if (!t.id) arg->flags = LH_SQL_ARG_NULL_LITERAL;
    lh_type_t vt = t.id ? t : lh_type(LH_TYPE_INTEGER);
    lh_vector_init(v, &vt, 4, arena());
    lh_value_t val = lh_value_null(vt);
    if (text && t.id) {
        lh_value_t s = lh_value_varchar(text, strlen(text));
        int rc = lh_sql_cast_value(&s, &t, false, arena(), &val, -1, err);
        if (rc) return rc;
    }
    lh_vector_set_value(v, 0, &val);
    if (constant) lh_vector_set_constant(v);
    arg->value = val;
    arg->flags |= LH_SQL_ARG_CONSTANT;
    return 0;
}

/* Calls fn on n (type, text) pairs; "TYPE:text" or "ERR:Class: message". */
static const char *call_v(const char *fn, bool constant, int n, va_list ap)
{
    lh_sql_error_t err;
    lh_sql_err_clear(&err);
    lh_vector_t in[LH_SQL_MAX_ARGS], cast[LH_SQL_MAX_ARGS], out;
    lh_sql_arg_t args[LH_SQL_MAX_ARGS];
    lh_type_t cast_to[LH_SQL_MAX_ARGS];
    for (int i = 0; i < n; i++) {
        const char *t = va_arg(ap, const char *), *x = va_arg(ap, const char *);
        if (make_arg(t, x, constant, &in[i], &args[i], &err)) return fmt_err(&err);
        cast_to[i] = args[i].type;
    }
    const lh_sql_func_def_t *def = lh_sql_func_lookup(fn);
    if (!def) return "ERR:no such function";
    lh_sql_bind_call_t call = {.name = fn,
                               .args = args,
                               .nargs = (uint32_t)n,
                               .arena = arena(),
                               .pos = -1,
                               .cast_to = cast_to};
    if (lh_sql_func_bind(def, &call, &err)) return fmt_err(&err);
    if (!call.exec) return "ERR:not a scalar";
    lh_vector_init(&out, &call.ret, 4, arena());
    for (int i = 0; i < n; i++) {
        lh_vector_init(&cast[i], &cast_to[i], 4, arena());
        if (lh_sql_cast_vector(&in[i], 1, &cast[i], false, -1, &err)) return fmt_err(&err);
        if (constant) lh_vector_set_constant(&cast[i]);
        if (!(def->flags & LH_SQL_FUNC_SPECIAL_NULLS) && !lh_vector_is_valid(&cast[i], 0))
            lh_vector_set_null(&out, 0);
    }
    void *local = call.init_local ? call.init_local(call.bind_data) : NULL;
    lh_sql_fctx_t ctx = {
        .bind_data = call.bind_data, .err = &err, .pos = -1, .arena = arena(), .local = local};
    int rc = call.exec(&ctx, cast, (uint32_t)n, 1, &out);
    if (local && call.free_local) call.free_local(local);
    if (rc) return fmt_err(&err);
    return fmt_row(&out, 0);
}

static const char *call(const char *fn, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    const char *r = call_v(fn, false, n, ap);
    va_end(ap);
    return r;
}

__attribute__((unused)) static const char *call_const(const char *fn, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    const char *r = call_v(fn, true, n, ap);
    va_end(ap);
    return r;
}

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

static const lh_test_t tests[] = {
    {"math", test_math},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return lh_test_main(tests, argc, argv);
}
