/* lh_value_text / lh_vector_text against texts DuckDB 1.5 printed for the
 * same values (SELECT x::VARCHAR), collected by hand. */
#include "test.h"
#include "vector/vector.h"

#include <math.h>

static const char *text(lh_value_t v)
{
    static lh_buf_t b;
    lh_buf_free(&b);
    lh_buf_init(&b, 0);
    lh_value_text(&v, &b);
    return b.ptr ? b.ptr : "";
}

static void test_floats_as_duckdb(void)
{
    CHECK_EQ_STR(text(lh_value_double(1e20)), "1e+20");
    CHECK_EQ_STR(text(lh_value_double(0.1)), "0.1");
    CHECK_EQ_STR(text(lh_value_double(100.0)), "100.0");
    CHECK_EQ_STR(text(lh_value_double(1e-7)), "1e-07");
    CHECK_EQ_STR(text(lh_value_double(123456789.125)), "123456789.125");
    CHECK_EQ_STR(text(lh_value_double(1e16)), "1e+16");
    CHECK_EQ_STR(text(lh_value_double(1e15)), "1000000000000000.0");
    CHECK_EQ_STR(text(lh_value_double(12345678901234567.0)), "1.2345678901234568e+16");
    CHECK_EQ_STR(text(lh_value_double(-0.0)), "-0.0");
    CHECK_EQ_STR(text(lh_value_double(NAN)), "nan");
    CHECK_EQ_STR(text(lh_value_double(-INFINITY)), "-inf");
    CHECK_EQ_STR(text(lh_value_float(1.5f)), "1.5");
    CHECK_EQ_STR(text(lh_value_float(3.4028235e38f)), "3.4028235e+38");
    CHECK_EQ_STR(text(lh_value_float(0.1f)), "0.1");
}

static void test_exact_and_temporal(void)
{
    CHECK_EQ_STR(text(lh_value_decimal(10, 2, -5)), "-0.05");
    CHECK_EQ_STR(text(lh_value_decimal(4, 2, 0)), "0.00");
    CHECK_EQ_STR(text(lh_value_decimal(38, 10, -(lh_int128_t)9000000000000000000 * 100000)),
                 "-90000000000000.0000000000");
    CHECK_EQ_STR(text(lh_value_decimal(5, 0, 12345)), "12345");
    CHECK_EQ_STR(text(lh_value_hugeint(-((lh_int128_t)1 << 100))),
                 "-1267650600228229401496703205376");
    CHECK_EQ_STR(text(lh_value_uint(LH_TYPE_UBIGINT, UINT64_MAX)), "18446744073709551615");
    lh_value_t ts = lh_value_int(LH_TYPE_TIMESTAMP, INT64_C(1795687200000000) + 500000);
    CHECK_EQ_STR(text(ts), "2026-11-26 10:00:00.5");
    lh_value_t tz = lh_value_int(LH_TYPE_TIMESTAMP, INT64_C(1795687200000000));
    tz.type = lh_type(LH_TYPE_TIMESTAMP_TZ);
    CHECK_EQ_STR(text(tz), "2026-11-26 10:00:00+00");
    CHECK_EQ_STR(text(lh_value_int(LH_TYPE_TIMESTAMP, -1)), "1969-12-31 23:59:59.999999");
    CHECK_EQ_STR(text(lh_value_int(LH_TYPE_TIME, 3723250000)), "01:02:03.25");
    CHECK_EQ_STR(text(lh_value_int(LH_TYPE_DATE, -719162)), "0001-01-01");
    CHECK_EQ_STR(text(lh_value_interval((lh_interval_t){1, 2, 3000000})),
                 "1 month 2 days 00:00:03");
    CHECK_EQ_STR(text(lh_value_interval((lh_interval_t){14, 0, 0})), "1 year 2 months");
    CHECK_EQ_STR(text(lh_value_blob("\xAB\x00"
                                    "a",
                                    3)),
                 "\\xAB\\x00a");
    /* as DuckDB prints CAST(from_hex('22276180ff5c') AS VARCHAR) */
    CHECK_EQ_STR(text(lh_value_blob("\"'a\x80\xff\\", 6)), "\\x22\\x27a\\x80\\xFF\\x5C");
    CHECK_EQ_STR(text(lh_value_bool(true)), "true");
    CHECK_EQ_STR(text(lh_value_null(lh_type(LH_TYPE_INTEGER))), "NULL");
}

static void test_nested_rows(void)
{
    lh_arena_t *a = lh_arena_new(4096);
    lh_type_t i32 = lh_type(LH_TYPE_INTEGER), vc = lh_type(LH_TYPE_VARCHAR), lt, st, mt, lst;
    CHECK(lh_type_list(a, &i32, &lt) == 0);
    lh_field_t f[2] = {{"a", i32}, {"b", vc}};
    CHECK(lh_type_struct(a, f, 2, &st) == 0);
    CHECK(lh_type_map(a, &vc, &i32, &mt) == 0);
    CHECK(lh_type_list(a, &vc, &lst) == 0);
    lh_vector_t l, s, m, ls;
    CHECK(lh_vector_init(&l, &lt, 2, a) == 0 && lh_vector_init(&s, &st, 2, a) == 0);
    CHECK(lh_vector_init(&m, &mt, 2, a) == 0 && lh_vector_init(&ls, &lst, 2, a) == 0);
    uint32_t off;
    CHECK(lh_vector_list_append(&l, 0, 2, &off) == 0);
    lh_vector_set_null(l.child, off);
    ((int32_t *)l.child->data)[off + 1] = 1;
    lh_vector_set_null(&l, 1);
    lh_vector_set_null(&s.children[0], 0);
    lh_vector_set_string(&s.children[1], 0, "x y", 3);
    CHECK(lh_vector_list_append(&m, 0, 2, &off) == 0);
    lh_vector_set_string(lh_vector_map_keys(&m), off, "k", 1);
    ((int32_t *)lh_vector_map_values(&m)->data)[off] = 7;
    lh_vector_set_string(lh_vector_map_keys(&m), off + 1, "z", 1);
    lh_vector_set_null(lh_vector_map_values(&m), off + 1);
    CHECK(lh_vector_list_append(&ls, 0, 2, &off) == 0);
    lh_vector_set_string(ls.child, off, "it's", 4);
    lh_vector_set_string(ls.child, off + 1, "b", 1);
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_vector_text(&l, 0, &b);
    CHECK_EQ_STR(b.ptr, "[NULL, 1]");
    lh_buf_reset(&b);
    lh_vector_text(&l, 1, &b);
    CHECK_EQ_STR(b.ptr, "NULL");
    lh_buf_reset(&b);
    lh_vector_text(&s, 0, &b);
    CHECK_EQ_STR(b.ptr, "{'a': NULL, 'b': x y}");
    lh_buf_reset(&b);
    lh_vector_text(&m, 0, &b);
    CHECK_EQ_STR(b.ptr, "{k=7, z=NULL}");
    lh_buf_reset(&b);
    lh_vector_text(&ls, 0, &b);
    CHECK_EQ_STR(b.ptr, "['it\\'s', b]");
    lh_buf_free(&b);
    lh_vector_release(&l);
    lh_vector_release(&s);
    lh_vector_release(&m);
    lh_vector_release(&ls);
    lh_arena_free(a);
}

static const lh_test_t tests[] = {
    {"floats_as_duckdb", test_floats_as_duckdb},
    {"exact_and_temporal", test_exact_and_temporal},
    {"nested_rows", test_nested_rows},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
