/* Unit tests for src/vector: logical types (names, parsing, equality, deep
 * copies), values and their order, every type's round trip through a vector,
 * the validity bit order, string views at the inline boundary, LIST, STRUCT
 * and MAP construction, dictionary and constant vectors with flatten, copies
 * with a selection, batch reuse without leaks, and the TIMESTAMP conversions.
 * Pruning decisions are in vector_prune_test.c. */
#include <math.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "test.h"
#include "vector/batch.h"
#include "vector/types.h"
#include "vector/value.h"
#include "vector/vector.h"

/* The harness ends each forked test with _exit, which skips LeakSanitizer's
 * exit check: tests that build and free vectors ask for the check themselves
 * (ASan builds only). */
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#define CHECK_NO_LEAKS() CHECK(__lsan_do_recoverable_leak_check() == 0)
#else
#define CHECK_NO_LEAKS() ((void)0)
#endif

static lh_arena_t *arena(void)
{
    return lh_arena_new(4096);
}

static const char *fmt(const lh_type_t *t)
{
    static char buf[512];
    lh_type_format(t, buf, sizeof buf);
    return buf;
}

/* ---- types ---- */

static void type_names_sizes_and_layouts(void)
{
    static const struct {
        lh_type_id_t id;
        const char *name;
        size_t size;
        lh_phys_t phys;
    } rows[] = {
        {LH_TYPE_BOOLEAN, "BOOLEAN", 1, LH_PHYS_BOOL},
        {LH_TYPE_TINYINT, "TINYINT", 1, LH_PHYS_INT8},
        {LH_TYPE_SMALLINT, "SMALLINT", 2, LH_PHYS_INT16},
        {LH_TYPE_INTEGER, "INTEGER", 4, LH_PHYS_INT32},
        {LH_TYPE_BIGINT, "BIGINT", 8, LH_PHYS_INT64},
        {LH_TYPE_UTINYINT, "UTINYINT", 1, LH_PHYS_UINT8},
        {LH_TYPE_USMALLINT, "USMALLINT", 2, LH_PHYS_UINT16},
        {LH_TYPE_UINTEGER, "UINTEGER", 4, LH_PHYS_UINT32},
        {LH_TYPE_UBIGINT, "UBIGINT", 8, LH_PHYS_UINT64},
        {LH_TYPE_HUGEINT, "HUGEINT", 16, LH_PHYS_INT128},
        {LH_TYPE_FLOAT, "FLOAT", 4, LH_PHYS_FLOAT},
        {LH_TYPE_DOUBLE, "DOUBLE", 8, LH_PHYS_DOUBLE},
        {LH_TYPE_DATE, "DATE", 4, LH_PHYS_INT32},
        {LH_TYPE_TIME, "TIME", 8, LH_PHYS_INT64},
        {LH_TYPE_TIMESTAMP, "TIMESTAMP", 8, LH_PHYS_INT64},
        {LH_TYPE_TIMESTAMP_TZ, "TIMESTAMP WITH TIME ZONE", 8, LH_PHYS_INT64},
        {LH_TYPE_INTERVAL, "INTERVAL", 16, LH_PHYS_INTERVAL},
        {LH_TYPE_VARCHAR, "VARCHAR", 16, LH_PHYS_STRING},
        {LH_TYPE_BLOB, "BLOB", 16, LH_PHYS_STRING},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        lh_type_t t = lh_type(rows[i].id);
        CHECK(lh_type_is_valid(&t));
        CHECK_EQ_STR(fmt(&t), rows[i].name);
        CHECK_EQ_INT(lh_type_size(&t), rows[i].size);
        CHECK_EQ_INT(lh_type_physical(&t), rows[i].phys);
    }
    CHECK_EQ_INT(sizeof(lh_type_t), 16);
    CHECK_EQ_INT(sizeof(lh_interval_t), 16);
    CHECK_EQ_INT(sizeof(lh_string_t), 16);
    CHECK_EQ_INT(sizeof(lh_int128_t), 16);
    lh_type_t d18 = lh_type_decimal(18, 3), d19 = lh_type_decimal(19, 0);
    CHECK_EQ_STR(fmt(&d18), "DECIMAL(18,3)");
    CHECK_EQ_INT(lh_type_physical(&d18), LH_PHYS_INT64);
    CHECK_EQ_INT(lh_type_size(&d18), 8);
    CHECK_EQ_INT(lh_type_physical(&d19), LH_PHYS_INT128);
    CHECK_EQ_INT(lh_type_size(&d19), 16);
    /* out of range gives INVALID */
    CHECK_EQ_INT(lh_type_decimal(39, 0).id, LH_TYPE_INVALID);
    CHECK_EQ_INT(lh_type_decimal(5, 6).id, LH_TYPE_INVALID);
    CHECK_EQ_INT(lh_type_decimal(0, 0).id, LH_TYPE_INVALID);
    CHECK_EQ_INT(lh_type(LH_TYPE_DECIMAL).id, LH_TYPE_INVALID);
    CHECK_EQ_INT(lh_type(LH_TYPE_STRUCT).id, LH_TYPE_INVALID);
    lh_type_t inv = lh_type(LH_TYPE_INVALID);
    CHECK(!lh_type_is_valid(&inv));
}

static void type_nested_constructors_and_names(void)
{
    lh_arena_t *a = arena();
    lh_type_t i32 = lh_type(LH_TYPE_INTEGER), str = lh_type(LH_TYPE_VARCHAR), list, st, map, ll;
    CHECK_EQ_INT(lh_type_list(a, &i32, &list), 0);
    CHECK_EQ_STR(fmt(&list), "INTEGER[]");
    CHECK_EQ_INT(lh_type_size(&list), 8);
    CHECK_EQ_INT(lh_type_list(a, &list, &ll), 0);
    CHECK_EQ_STR(fmt(&ll), "INTEGER[][]");
    lh_field_t f[] = {{"a", i32}, {"b", str}, {"my field", list}, {"q\"uote", str}};
    CHECK_EQ_INT(lh_type_struct(a, f, 4, &st), 0);
    CHECK_EQ_STR(fmt(&st),
                 "STRUCT(a INTEGER, b VARCHAR, \"my field\" INTEGER[], \"q\"\"uote\" VARCHAR)");
    CHECK_EQ_INT(lh_type_size(&st), 0);
    CHECK_EQ_INT(lh_type_map(a, &str, &st, &map), 0);
    CHECK_EQ_STR(fmt(&map), "MAP(VARCHAR, STRUCT(a INTEGER, b VARCHAR, \"my field\" INTEGER[], "
                            "\"q\"\"uote\" VARCHAR))");
    CHECK_EQ_INT(lh_type_physical(&map), LH_PHYS_LIST);
    CHECK_EQ_INT(lh_type_child(&map)->id, LH_TYPE_STRUCT);
    CHECK_EQ_STR(lh_type_child(&map)->fields[0].name, "key");
    CHECK(lh_type_equal(lh_type_map_value(&map), &st));
    CHECK_EQ_INT(lh_type_map_key(&map)->id, LH_TYPE_VARCHAR);
    /* the constructor copied names and children: the caller's array may go */
    f[0].name = "zzz";
    CHECK_EQ_STR(st.fields[0].name, "a");
    /* refusals */
    lh_field_t dup[] = {{"a", i32}, {"a", str}};
    CHECK_EQ_INT(lh_type_struct(a, dup, 2, &st), LH_EINVAL);
    CHECK_EQ_INT(lh_type_struct(a, f, 0, &st), LH_EINVAL);
    lh_field_t noname[] = {{NULL, i32}};
    CHECK_EQ_INT(lh_type_struct(a, noname, 1, &st), LH_EINVAL);
    lh_type_t bad = lh_type_decimal(50, 0);
    CHECK_EQ_INT(lh_type_list(a, &bad, &list), LH_EINVAL);
    /* depth: 32 levels are fine, 33 are not */
    lh_type_t t = i32;
    for (int d = 2; d <= LH_TYPE_MAX_DEPTH; d++)
        CHECK_EQ_INT(lh_type_list(a, &t, &t), 0);
    CHECK_EQ_INT(lh_type_list(a, &t, &list), LH_EINVAL);
    lh_arena_free(a);
}

static void type_equal_and_deep_copy(void)
{
    lh_arena_t *a = arena(), *b = arena();
    lh_type_t x, y, z, i32 = lh_type(LH_TYPE_INTEGER), i64 = lh_type(LH_TYPE_BIGINT);
    lh_field_t f[] = {{"k", i32}, {"v", lh_type_decimal(10, 2)}};
    CHECK_EQ_INT(lh_type_struct(a, f, 2, &x), 0);
    CHECK_EQ_INT(lh_type_copy(b, &x, &y), 0);
    lh_arena_free(a); /* y must not point into a */
    CHECK_EQ_STR(fmt(&y), "STRUCT(k INTEGER, v DECIMAL(10,2))");
    lh_field_t g[] = {{"k", i32}, {"v", lh_type_decimal(10, 3)}};
    CHECK_EQ_INT(lh_type_struct(b, g, 2, &z), 0);
    CHECK(!lh_type_equal(&y, &z)); /* scale differs */
    g[1].type = lh_type_decimal(10, 2);
    g[0].name = "K";
    CHECK_EQ_INT(lh_type_struct(b, g, 2, &z), 0);
    CHECK(!lh_type_equal(&y, &z)); /* names are compared byte for byte */
    g[0].name = "k";
    CHECK_EQ_INT(lh_type_struct(b, g, 2, &z), 0);
    CHECK(lh_type_equal(&y, &z));
    CHECK(!lh_type_equal(&i32, &i64));
    lh_arena_free(b);
}

static void type_parse_table(void)
{
    static const struct {
        const char *in;
        const char *out; /* NULL: LH_EINVAL */
    } rows[] = {
        {"INTEGER", "INTEGER"},
        {"int", "INTEGER"},
        {" Int4 ", "INTEGER"},
        {"signed", "INTEGER"},
        {"bool", "BOOLEAN"},
        {"INT1", "TINYINT"},
        {"byte", "TINYINT"},
        {"short", "SMALLINT"},
        {"int8", "BIGINT"},
        {"long", "BIGINT"},
        {"utinyint", "UTINYINT"},
        {"ubigint", "UBIGINT"},
        {"int128", "HUGEINT"},
        {"real", "FLOAT"},
        {"float8", "DOUBLE"},
        {"decimal", "DECIMAL(18,3)"},
        {"numeric(10)", "DECIMAL(10,0)"},
        {"DECIMAL( 38 , 10 )", "DECIMAL(38,10)"},
        {"decimal(4,4)", "DECIMAL(4,4)"},
        {"date", "DATE"},
        {"time", "TIME"},
        {"datetime", "TIMESTAMP"},
        {"timestamptz", "TIMESTAMP WITH TIME ZONE"},
        {"timestamp with time zone", "TIMESTAMP WITH TIME ZONE"},
        {"TIMESTAMP WITHOUT TIME ZONE", "TIMESTAMP"},
        {"struct(t timestamp with time zone)[]", "STRUCT(t TIMESTAMP WITH TIME ZONE)[]"},
        {"interval", "INTERVAL"},
        {"text", "VARCHAR"},
        {"string", "VARCHAR"},
        {"varchar(20)", "VARCHAR"},
        {"bytea", "BLOB"},
        {"binary", "BLOB"},
        {"int[]", "INTEGER[]"},
        {"varchar [ ] []", "VARCHAR[][]"},
        {"struct(a int, b varchar)", "STRUCT(a INTEGER, b VARCHAR)"},
        {"STRUCT(\"my field\" INT, \"q\"\"\" TEXT)",
         "STRUCT(\"my field\" INTEGER, \"q\"\"\" VARCHAR)"},
        {"STRUCT(int int, varchar varchar)", "STRUCT(int INTEGER, varchar VARCHAR)"},
        {"map(varchar, double[])", "MAP(VARCHAR, DOUBLE[])"},
        {"STRUCT(a STRUCT(b MAP(INT, STRUCT(c BLOB)[])))[]",
         "STRUCT(a STRUCT(b MAP(INTEGER, STRUCT(c BLOB)[])))[]"},
        {"", NULL},
        {"   ", NULL},
        {"foo", NULL},
        {"INTEGERX", NULL},
        {"INTEGER garbage", NULL},
        {"INT(", NULL},
        {"int[", NULL},
        {"DECIMAL(39,0)", NULL},
        {"DECIMAL(5,6)", NULL},
        {"DECIMAL(0)", NULL},
        {"DECIMAL(99999)", NULL},
        {"DECIMAL(5,)", NULL},
        {"STRUCT()", NULL},
        {"STRUCT(a)", NULL},
        {"STRUCT(a INT,)", NULL},
        {"STRUCT(a INT, a TEXT)", NULL},
        {"STRUCT(\"a INT)", NULL},
        {"MAP(INT)", NULL},
        {"MAP(INT, INT, INT)", NULL},
        {"LIST", NULL},
    };
    lh_arena_t *a = arena();
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        lh_type_t t;
        lh_err_t err = {0};
        int rc = lh_type_parse(a, rows[i].in, strlen(rows[i].in), &t, &err);
        if (!rows[i].out) {
            if (rc != LH_EINVAL) fprintf(stderr, "  accepted: %s\n", rows[i].in);
            CHECK_EQ_INT(rc, LH_EINVAL);
            CHECK(strstr(err.msg, "invalid type at offset") != NULL);
            continue;
        }
        if (rc) fprintf(stderr, "  refused: %s (%s)\n", rows[i].in, err.msg);
        CHECK_EQ_INT(rc, 0);
        CHECK_EQ_STR(fmt(&t), rows[i].out);
        /* the canonical name parses back to an equal type */
        lh_type_t u;
        CHECK_EQ_INT(lh_type_parse(a, rows[i].out, strlen(rows[i].out), &u, NULL), 0);
        CHECK(lh_type_equal(&t, &u));
    }
    /* nesting limit: 32 levels parse, 33 do not; a NUL inside a quoted name is refused */
    char deep[1024] = "";
    for (int d = 1; d < LH_TYPE_MAX_DEPTH; d++)
        strcat(deep, "STRUCT(a ");
    strcat(deep, "INT");
    for (int d = 1; d < LH_TYPE_MAX_DEPTH; d++)
        strcat(deep, ")");
    lh_type_t t;
    CHECK_EQ_INT(lh_type_parse(a, deep, strlen(deep), &t, NULL), 0);
    char deeper[1040];
    snprintf(deeper, sizeof deeper, "%s[]", deep);
    CHECK_EQ_INT(lh_type_parse(a, deeper, strlen(deeper), &t, NULL), LH_EINVAL);
    CHECK_EQ_INT(lh_type_parse(a, "STRUCT(\"a\0b\" INT)", 17, &t, NULL), LH_EINVAL);
    /* the length bounds the text: "INTEGER" cut to "INT" */
    CHECK_EQ_INT(lh_type_parse(a, "INTEGER", 3, &t, NULL), 0);
    CHECK_EQ_INT(t.id, LH_TYPE_INTEGER);
    lh_arena_free(a);
    CHECK_NO_LEAKS();
}

static void type_format_truncates_like_snprintf(void)
{
    lh_type_t d = lh_type_decimal(38, 10);
    char buf[8];
    CHECK_EQ_INT(lh_type_format(&d, buf, sizeof buf), 14);
    CHECK_EQ_STR(buf, "DECIMAL");
    CHECK_EQ_INT(lh_type_format(&d, NULL, 0), 14);
}

/* ---- values ---- */

static int vcmp(lh_value_t a, lh_value_t b)
{
    int c = 99;
    if (lh_value_compare(&a, &b, &c)) return 99;
    return c;
}

static void value_order_across_types(void)
{
    lh_int128_t big = (lh_int128_t)INT64_MAX * 1000000; /* beyond int64 */
    /* decimals of different scales compare by value */
    CHECK_EQ_INT(vcmp(lh_value_decimal(2, 1, 15), lh_value_decimal(3, 2, 150)), 0);
    CHECK_EQ_INT(vcmp(lh_value_decimal(2, 1, -15), lh_value_decimal(3, 2, -125)), -1);
    CHECK_EQ_INT(vcmp(lh_value_decimal(2, 1, -5), lh_value_decimal(2, 1, 3)), -1);
    CHECK_EQ_INT(vcmp(lh_value_decimal(18, 2, 100), lh_value_int(LH_TYPE_INTEGER, 1)), 0);
    CHECK_EQ_INT(vcmp(lh_value_decimal(18, 2, 101), lh_value_int(LH_TYPE_INTEGER, 1)), 1);
    CHECK_EQ_INT(vcmp(lh_value_decimal(38, 37, big), lh_value_decimal(38, 0, 1)), -1); /* 9.2e-13 */
    CHECK_EQ_INT(vcmp(lh_value_decimal(38, 0, big), lh_value_decimal(38, 37, big)), 1);
    CHECK_EQ_INT(vcmp(lh_value_uint(LH_TYPE_UBIGINT, UINT64_MAX), lh_value_int(LH_TYPE_BIGINT, -1)),
                 1);
    CHECK_EQ_INT(vcmp(lh_value_hugeint(big), lh_value_uint(LH_TYPE_UBIGINT, UINT64_MAX)), 1);
    CHECK_EQ_INT(vcmp(lh_value_int(LH_TYPE_TINYINT, -3), lh_value_uint(LH_TYPE_UTINYINT, 3)), -1);
    /* reals: NaN equals NaN and sorts last; -0 equals 0 */
    CHECK_EQ_INT(vcmp(lh_value_double(NAN), lh_value_double(1e308)), 1);
    CHECK_EQ_INT(vcmp(lh_value_double(NAN), lh_value_float(NAN)), 0);
    CHECK_EQ_INT(vcmp(lh_value_double(-0.0), lh_value_float(0.0f)), 0);
    CHECK_EQ_INT(vcmp(lh_value_float(1.5f), lh_value_double(1.25)), 1);
    /* dates against timestamps at midnight UTC */
    CHECK_EQ_INT(vcmp(lh_value_int(LH_TYPE_DATE, 1), lh_value_int(LH_TYPE_TIMESTAMP, 86400000000)),
                 0);
    CHECK_EQ_INT(vcmp(lh_value_int(LH_TYPE_DATE, -1), lh_value_int(LH_TYPE_TIMESTAMP, -1)), -1);
    CHECK_EQ_INT(
        vcmp(lh_value_int(LH_TYPE_DATE, INT32_MAX), lh_value_int(LH_TYPE_TIMESTAMP, INT64_MAX)), 1);
    /* strings: unsigned bytes, then length; VARCHAR against BLOB */
    CHECK_EQ_INT(vcmp(lh_value_varchar("\xff", 1), lh_value_varchar("\x01", 1)), 1);
    CHECK_EQ_INT(vcmp(lh_value_varchar("ab", 2), lh_value_varchar("abc", 3)), -1);
    CHECK_EQ_INT(vcmp(lh_value_varchar("", 0), lh_value_blob("", 0)), 0);
    CHECK_EQ_INT(vcmp(lh_value_bool(false), lh_value_bool(true)), -1);
    /* incomparable: families, NULL, INTERVAL */
    CHECK_EQ_INT(vcmp(lh_value_int(LH_TYPE_INTEGER, 1), lh_value_double(1)), 99);
    CHECK_EQ_INT(vcmp(lh_value_int(LH_TYPE_INTEGER, 1), lh_value_varchar("1", 1)), 99);
    CHECK_EQ_INT(vcmp(lh_value_null(lh_type(LH_TYPE_INTEGER)), lh_value_int(LH_TYPE_INTEGER, 1)),
                 99);
    lh_interval_t iv = {1, 2, 3};
    CHECK_EQ_INT(vcmp(lh_value_interval(iv), lh_value_interval(iv)), 99);
    CHECK_EQ_INT(vcmp(lh_value_int(LH_TYPE_TIME, 1), lh_value_int(LH_TYPE_TIMESTAMP, 1)), 99);
    /* constructors refuse ids outside their family */
    CHECK_EQ_INT(lh_value_int(LH_TYPE_UBIGINT, 1).type.id, LH_TYPE_INVALID);
    CHECK_EQ_INT(lh_value_uint(LH_TYPE_BIGINT, 1).type.id, LH_TYPE_INVALID);
}

/* ---- vectors: every type ---- */

static void vector_roundtrip_every_scalar_type(void)
{
    lh_int128_t huge = ((lh_int128_t)INT64_MIN) * INT64_MAX;
    lh_interval_t iv = {-14, 3, -123456789012};
    const char *long_s = "a string longer than twelve bytes";
    lh_value_t vals[] = {
        lh_value_bool(true),
        lh_value_int(LH_TYPE_TINYINT, INT8_MIN),
        lh_value_int(LH_TYPE_SMALLINT, INT16_MIN),
        lh_value_int(LH_TYPE_INTEGER, INT32_MIN),
        lh_value_int(LH_TYPE_BIGINT, INT64_MIN),
        lh_value_uint(LH_TYPE_UTINYINT, UINT8_MAX),
        lh_value_uint(LH_TYPE_USMALLINT, UINT16_MAX),
        lh_value_uint(LH_TYPE_UINTEGER, UINT32_MAX),
        lh_value_uint(LH_TYPE_UBIGINT, UINT64_MAX),
        lh_value_hugeint(huge),
        lh_value_float(-1.5e30f),
        lh_value_double(6.02214076e23),
        lh_value_decimal(18, 3, -999999999999999999),
        lh_value_decimal(38, 10, huge),
        lh_value_int(LH_TYPE_DATE, -719528),
        lh_value_int(LH_TYPE_TIME, 86399999999),
        lh_value_int(LH_TYPE_TIMESTAMP, -62135596800000000),
        lh_value_interval(iv),
        lh_value_varchar(long_s, strlen(long_s)),
        lh_value_blob("\0\xff\x01", 3),
        lh_value_int(LH_TYPE_TIMESTAMP_TZ, 1764115200000000),
    };
    size_t n = sizeof vals / sizeof vals[0];
    lh_type_t types[32];
    for (size_t i = 0; i < n; i++)
        types[i] = vals[i].type;
    lh_batch_t *b;
    CHECK_EQ_INT(lh_batch_new(types, (uint32_t)n, &b), 0);
    for (size_t c = 0; c < n; c++) {
        lh_vector_t *v = &b->cols[c];
        CHECK_EQ_INT(v->capacity, LH_BATCH_ROWS);
        CHECK(((uintptr_t)v->data & 63) == 0); /* 64-byte aligned */
        CHECK(v->validity == NULL);            /* all valid until a NULL */
        for (uint32_t r = 0; r < LH_BATCH_ROWS; r += 511) {
            CHECK_EQ_INT(lh_vector_set_value(v, r, &vals[c]), 0);
            lh_value_t got;
            CHECK_EQ_INT(lh_vector_get_value(v, r, &got), 0);
            CHECK(!got.is_null);
            CHECK(lh_type_equal(&got.type, &vals[c].type));
            if (got.type.id == LH_TYPE_INTERVAL) {
                CHECK(!memcmp(&got.v.iv, &iv, sizeof iv));
            } else {
                int cmp = 99;
                CHECK_EQ_INT(lh_value_compare(&got, &vals[c], &cmp), 0);
                CHECK_EQ_INT(cmp, 0);
            }
        }
        lh_value_t null = lh_value_null(vals[c].type), got;
        CHECK_EQ_INT(lh_vector_set_value(v, 7, &null), 0);
        CHECK_EQ_INT(lh_vector_get_value(v, 7, &got), 0);
        CHECK(got.is_null);
        CHECK(!lh_vector_is_valid(v, 7));
        CHECK(lh_vector_is_valid(v, 511));
        /* writing a value makes the row valid again */
        CHECK_EQ_INT(lh_vector_set_value(v, 7, &vals[c]), 0);
        CHECK(lh_vector_is_valid(v, 7));
    }
    /* native layout, read directly */
    CHECK_EQ_INT(((int8_t *)b->cols[1].data)[511], INT8_MIN);
    CHECK_EQ_INT(((int16_t *)b->cols[2].data)[511], INT16_MIN);
    CHECK_EQ_INT(((uint32_t *)b->cols[7].data)[0], UINT32_MAX);
    CHECK(((lh_int128_t *)b->cols[9].data)[0] == huge);
    CHECK_EQ_INT(((int64_t *)b->cols[12].data)[0], -999999999999999999);
    CHECK(((lh_int128_t *)b->cols[13].data)[0] == huge);
    CHECK_EQ_INT(((int32_t *)b->cols[14].data)[0], -719528);
    CHECK_EQ_INT(((lh_interval_t *)b->cols[17].data)[0].micros, -123456789012);
    CHECK_EQ_INT(((uint8_t *)b->cols[0].data)[0], 1);
    /* a value of another type is refused: decimals must match width and scale */
    lh_value_t d = lh_value_decimal(18, 2, 1), i = lh_value_int(LH_TYPE_BIGINT, 1);
    CHECK_EQ_INT(lh_vector_set_value(&b->cols[12], 0, &d), LH_EINVAL);
    CHECK_EQ_INT(lh_vector_set_value(&b->cols[4], LH_BATCH_ROWS, &i), LH_EINVAL);
    CHECK_EQ_INT(lh_vector_set_value(&b->cols[3], 0, &i), LH_EINVAL);
    lh_batch_free(b);
    CHECK_NO_LEAKS();
}

static void vector_init_refusals(void)
{
    lh_vector_t v;
    lh_type_t bad = lh_type_decimal(40, 1), i32 = lh_type(LH_TYPE_INTEGER);
    CHECK_EQ_INT(lh_vector_init(&v, &bad, 10, NULL), LH_EINVAL);
    CHECK_EQ_INT(lh_vector_init(&v, &i32, LH_VECTOR_MAX_ROWS + 1, NULL), LH_ETOOBIG);
    lh_vector_release(&v); /* safe on a refused vector */
    lh_batch_t *b;
    CHECK_EQ_INT(lh_batch_new(&bad, 1, &b), LH_EINVAL);
    CHECK_EQ_INT(lh_batch_new(NULL, 0, &b), 0); /* zero columns: COUNT(*) scans */
    b->count = 100;
    lh_batch_reset(b);
    CHECK_EQ_INT(b->count, 0);
    lh_batch_free(b);
    lh_batch_free(NULL);
    CHECK_NO_LEAKS();
}

/* ---- validity ---- */

static void validity_bits_lsb_first(void)
{
    lh_type_t t = lh_type(LH_TYPE_BIGINT);
    lh_vector_t v;
    CHECK_EQ_INT(lh_vector_init(&v, &t, LH_BATCH_ROWS, NULL), 0);
    CHECK(v.validity == NULL);
    CHECK_EQ_INT(lh_vector_null_count(&v, LH_BATCH_ROWS), 0);
    uint32_t rows[] = {0, 1, 63, 64, 130, 2047};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        lh_vector_set_null(&v, rows[i]);
    CHECK(v.validity != NULL);
    CHECK(((uintptr_t)v.validity & 63) == 0);
    CHECK(v.validity[0] == ~(UINT64_C(1) | UINT64_C(2) | UINT64_C(1) << 63));
    CHECK(v.validity[1] == ~UINT64_C(1));
    CHECK(v.validity[2] == ~(UINT64_C(1) << 2));
    CHECK(v.validity[3] == UINT64_MAX);
    CHECK(v.validity[31] == ~(UINT64_C(1) << 63));
    CHECK(!lh_vector_is_valid(&v, 63));
    CHECK(lh_vector_is_valid(&v, 62));
    CHECK_EQ_INT(lh_vector_null_count(&v, LH_BATCH_ROWS), 6);
    CHECK_EQ_INT(lh_vector_null_count(&v, 64), 3);
    CHECK_EQ_INT(lh_vector_null_count(&v, 65), 4);
    lh_vector_set_valid(&v, 64);
    CHECK(v.validity[1] == UINT64_MAX);
    /* producers write whole words */
    uint64_t *w = lh_vector_validity_mut(&v);
    w[5] = 0x5555555555555555; /* even rows of 320..383 valid */
    CHECK(lh_vector_is_valid(&v, 320));
    CHECK(!lh_vector_is_valid(&v, 321));
    lh_vector_reset(&v);
    CHECK(v.validity == NULL);
    CHECK(lh_vector_is_valid(&v, 0));
    /* after a reset the storage is made all valid again before use */
    lh_vector_set_null(&v, 5);
    CHECK(v.validity[0] == ~(UINT64_C(1) << 5));
    CHECK(v.validity[5] == UINT64_MAX);
    lh_vector_release(&v);
    CHECK_NO_LEAKS();
}

/* ---- strings ---- */

static void strings_at_the_inline_boundary(void)
{
    lh_type_t t = lh_type(LH_TYPE_VARCHAR);
    lh_batch_t *b;
    CHECK_EQ_INT(lh_batch_new(&t, 1, &b), 0);
    lh_vector_t *v = &b->cols[0];
    static char src[4096];
    for (size_t i = 0; i < sizeof src; i++)
        src[i] = (char)('a' + i % 26);
    uint32_t lens[] = {0, 1, 4, 11, 12, 13, 4096};
    for (uint32_t i = 0; i < 7; i++)
        CHECK_EQ_INT(lh_vector_set_string(v, i, src, lens[i]), 0);
    memset(src, 'Z', sizeof src); /* the vector holds its own copies */
    lh_string_t *s = v->data;
    for (uint32_t i = 0; i < 7; i++) {
        CHECK_EQ_INT(s[i].len, lens[i]);
        const char *p = lh_string_data(&s[i]);
        for (uint32_t k = 0; k < lens[i]; k++)
            CHECK(p[k] == (char)('a' + k % 26));
        if (lens[i] <= LH_STRING_INLINE) {
            CHECK(p == (const char *)&s[i] + 4); /* inline */
            char pad[12] = {0};
            CHECK(!memcmp((const char *)&s[i] + 4 + lens[i], pad, 12 - lens[i]));
        } else {
            CHECK(!memcmp(s[i].prefix, "abcd", 4)); /* prefix, then a pointer */
            CHECK(p != src);
        }
        lh_value_t got;
        CHECK_EQ_INT(lh_vector_get_value(v, i, &got), 0);
        CHECK_EQ_INT(got.v.s.len, lens[i]);
    }
    /* a borrowed string points at the producer's bytes */
    const char *lent = "borrowed bytes of a page";
    lh_vector_set_string_ref(v, 10, lent, 24);
    CHECK(lh_string_data(&s[10]) == lent);
    /* long strings need an arena */
    lh_vector_t bare;
    CHECK_EQ_INT(lh_vector_init(&bare, &t, 4, NULL), 0);
    CHECK_EQ_INT(lh_vector_set_string(&bare, 0, "short", 5), 0);
    CHECK_EQ_INT(lh_vector_set_string(&bare, 1, lent, 24), LH_EINVAL);
    lh_vector_release(&bare);
    lh_batch_free(b);
    CHECK_NO_LEAKS();
}

static int sgn(int x)
{
    return (x > 0) - (x < 0);
}

static void string_equal_and_compare(void)
{
    static const struct {
        const char *a;
        uint32_t alen;
        const char *b;
        uint32_t blen;
        int cmp;
    } rows[] = {
        {"", 0, "", 0, 0},
        {"", 0, "a", 1, -1},
        {"a", 1, "a\0", 2, -1},
        {"abc", 3, "abd", 3, -1},
        {"abcdefghijkl", 12, "abcdefghijkl", 12, 0},
        {"abcdefghijkl", 12, "abcdefghijklm", 13, -1},
        {"abcdefghijklm", 13, "abcdefghijklm", 13, 0},
        {"abcdefghijklm", 13, "abcdefghijkln", 13, -1},
        {"abcdXfghijklmnop", 16, "abcdYf", 6, -1},
        {"\xff", 1, "\x01", 1, 1}, /* unsigned */
        {"abcd\xff"
         "aaaaaaaaaa",
         15,
         "abcd\x01"
         "zzzzzzzzzz",
         15, 1}, /* past the prefix */
        {"b", 1, "abcdefghijklmnop", 16, 1},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        lh_string_t a = lh_string_make(rows[i].a, rows[i].alen);
        lh_string_t b = lh_string_make(rows[i].b, rows[i].blen);
        CHECK_EQ_INT(sgn(lh_string_compare(&a, &b)), rows[i].cmp);
        CHECK_EQ_INT(sgn(lh_string_compare(&b, &a)), -rows[i].cmp);
        CHECK_EQ_INT(lh_string_equal(&a, &b), rows[i].cmp == 0);
    }
    /* equal long strings at different addresses */
    char x[20] = "same long string!!", y[20] = "same long string!!";
    lh_string_t a = lh_string_make(x, 18), b = lh_string_make(y, 18);
    CHECK(lh_string_equal(&a, &b));
}

/* ---- nested ---- */

static void list_build_and_read(void)
{
    lh_arena_t *a = arena();
    lh_type_t i32 = lh_type(LH_TYPE_INTEGER), lt;
    CHECK_EQ_INT(lh_type_list(a, &i32, &lt), 0);
    lh_batch_t *b;
    CHECK_EQ_INT(lh_batch_new(&lt, 1, &b), 0);
    lh_vector_t *v = &b->cols[0];
    CHECK(v->child && v->child->capacity == 0);
    /* [1,2,3], NULL, [], [NULL, 5], then 1000 rows of 3 elements */
    uint32_t off;
    CHECK_EQ_INT(lh_vector_list_append(v, 0, 3, &off), 0);
    int32_t *c = v->child->data;
    for (int i = 0; i < 3; i++)
        c[off + i] = i + 1;
    lh_vector_set_null(v, 1);
    CHECK_EQ_INT(lh_vector_list_append(v, 2, 0, &off), 0);
    CHECK_EQ_INT(lh_vector_list_append(v, 3, 2, &off), 0);
    c = v->child->data; /* the child may have moved */
    lh_vector_set_null(v->child, off);
    c[off + 1] = 5;
    for (uint32_t r = 4; r < 1004; r++) {
        CHECK_EQ_INT(lh_vector_list_append(v, r, 3, &off), 0);
        c = v->child->data;
        for (uint32_t k = 0; k < 3; k++)
            c[off + k] = (int32_t)(r * 10 + k);
    }
    b->count = 1004;
    CHECK_EQ_INT(v->child_count, 3 + 0 + 2 + 3000);
    CHECK(v->child->capacity >= v->child_count);
    CHECK(((uintptr_t)v->child->data & 63) == 0);
    lh_list_entry_t *e = lh_vector_list_entries(v);
    CHECK_EQ_INT(e[0].offset, 0);
    CHECK_EQ_INT(e[0].length, 3);
    CHECK(!lh_vector_is_valid(v, 1));
    CHECK_EQ_INT(e[1].length, 0);
    CHECK(lh_vector_is_valid(v, 2));
    CHECK_EQ_INT(e[2].length, 0);
    CHECK(!lh_vector_is_valid(v->child, e[3].offset));
    CHECK_EQ_INT(((int32_t *)v->child->data)[e[3].offset + 1], 5);
    CHECK_EQ_INT(((int32_t *)v->child->data)[e[1003].offset + 2], 10032);
    CHECK_EQ_INT(((int32_t *)v->child->data)[2], 3); /* survived the growth */
    /* scalar accessors refuse nested types */
    lh_value_t val;
    CHECK_EQ_INT(lh_vector_get_value(v, 0, &val), LH_EINVAL);
    lh_batch_free(b);
    lh_arena_free(a);
    CHECK_NO_LEAKS();
}

static void struct_build_and_read(void)
{
    lh_arena_t *a = arena();
    lh_type_t st;
    const char *text = "STRUCT(a INTEGER, b VARCHAR, c STRUCT(d DOUBLE))";
    CHECK_EQ_INT(lh_type_parse(a, text, strlen(text), &st, NULL), 0);
    lh_batch_t *b;
    CHECK_EQ_INT(lh_batch_new(&st, 1, &b), 0);
    lh_vector_t *v = &b->cols[0];
    CHECK(v->data == NULL);
    CHECK_EQ_INT(v->children[0].capacity, LH_BATCH_ROWS);
    CHECK(((uintptr_t)v->children[1].data & 63) == 0);
    for (uint32_t r = 0; r < 3; r++) {
        ((int32_t *)v->children[0].data)[r] = (int32_t)r;
        CHECK_EQ_INT(lh_vector_set_string(&v->children[1], r, "a rather long value", 19), 0);
        ((double *)v->children[2].children[0].data)[r] = r + 0.5;
    }
    lh_vector_set_null(&v->children[0], 0); /* a NULL field in a valid row */
    lh_vector_set_null(v, 1);               /* a NULL row: its fields too */
    CHECK(lh_vector_is_valid(v, 0));
    CHECK(!lh_vector_is_valid(&v->children[0], 0));
    CHECK(!lh_vector_is_valid(v, 1));
    CHECK(!lh_vector_is_valid(&v->children[0], 1));
    CHECK(!lh_vector_is_valid(&v->children[1], 1));
    CHECK(!lh_vector_is_valid(&v->children[2], 1));
    CHECK(!lh_vector_is_valid(&v->children[2].children[0], 1));
    CHECK(lh_vector_is_valid(&v->children[2].children[0], 2));
    lh_value_t got;
    CHECK_EQ_INT(lh_vector_get_value(&v->children[1], 2, &got), 0);
    CHECK(got.v.s.len == 19 && !memcmp(got.v.s.ptr, "a rather long value", 19));
    lh_batch_free(b);
    lh_arena_free(a);
    CHECK_NO_LEAKS();
}

static void map_build_and_read(void)
{
    lh_arena_t *a = arena();
    lh_type_t k = lh_type(LH_TYPE_VARCHAR), val = lh_type(LH_TYPE_BIGINT), mt;
    CHECK_EQ_INT(lh_type_map(a, &k, &val, &mt), 0);
    lh_batch_t *b;
    CHECK_EQ_INT(lh_batch_new(&mt, 1, &b), 0);
    lh_vector_t *v = &b->cols[0];
    /* {x: 1, y: NULL}, NULL, {} */
    uint32_t off;
    CHECK_EQ_INT(lh_vector_list_append(v, 0, 2, &off), 0);
    lh_vector_t *keys = lh_vector_map_keys(v), *vals = lh_vector_map_values(v);
    CHECK_EQ_INT(lh_vector_set_string(keys, off, "x", 1), 0);
    CHECK_EQ_INT(lh_vector_set_string(keys, off + 1, "y", 1), 0);
    ((int64_t *)vals->data)[off] = 1;
    lh_vector_set_null(vals, off + 1);
    lh_vector_set_null(v, 1);
    CHECK_EQ_INT(lh_vector_list_append(v, 2, 0, &off), 0);
    b->count = 3;
    lh_list_entry_t *e = lh_vector_list_entries(v);
    CHECK_EQ_INT(e[0].length, 2);
    lh_value_t key;
    CHECK_EQ_INT(lh_vector_get_value(keys, e[0].offset + 1, &key), 0);
    CHECK(key.v.s.len == 1 && key.v.s.ptr[0] == 'y');
    CHECK(!lh_vector_is_valid(vals, e[0].offset + 1));
    CHECK(lh_vector_is_valid(v->child, e[0].offset + 1)); /* the entry itself is there */
    CHECK(!lh_vector_is_valid(v, 1));
    CHECK(lh_vector_is_valid(v, 2) && e[2].length == 0);
    lh_batch_free(b);
    lh_arena_free(a);
    CHECK_NO_LEAKS();
}

/* ---- kinds ---- */

static void dictionary_vectors_and_flatten(void)
{
    lh_type_t t = lh_type(LH_TYPE_VARCHAR);
    lh_arena_t *page = arena(); /* the reader's dictionary page */
    lh_vector_t dict;
    CHECK_EQ_INT(lh_vector_init(&dict, &t, 4, page), 0);
    const char *words[] = {"apple", "a banana longer than twelve", "cherry"};
    for (uint32_t i = 0; i < 3; i++)
        CHECK_EQ_INT(lh_vector_set_string(&dict, i, words[i], strlen(words[i])), 0);
    lh_vector_set_null(&dict, 3); /* a NULL dictionary entry (not Parquet, but allowed) */

    lh_batch_t *b;
    CHECK_EQ_INT(lh_batch_new(&t, 1, &b), 0);
    lh_vector_t *v = &b->cols[0];
    int32_t *codes;
    CHECK_EQ_INT(lh_vector_set_dictionary(v, &dict, 4, &codes), 0);
    CHECK(((uintptr_t)codes & 63) == 0);
    int32_t in[] = {1, 0, 0, 2, 3, 1};
    memcpy(codes, in, sizeof in);
    lh_vector_set_null(v, 2); /* a NULL row (definition level) */
    b->count = 6;
    CHECK_EQ_INT(v->kind, LH_VECTOR_DICTIONARY);
    CHECK(v->data == NULL);
    CHECK_EQ_INT(codes[2], 0); /* the code of a NULL row stays in range */
    CHECK_EQ_INT(lh_vector_check_codes(v, 6), 0);
    CHECK(lh_vector_is_valid(v, 0));
    CHECK(!lh_vector_is_valid(v, 2));
    CHECK(!lh_vector_is_valid(v, 4)); /* NULL dictionary entry */
    CHECK_EQ_INT(lh_vector_null_count(v, 6), 2);
    CHECK(lh_vector_values(v) == &dict);
    CHECK_EQ_INT(lh_vector_row(v, 3), 2);
    lh_value_t got;
    CHECK_EQ_INT(lh_vector_get_value(v, 5, &got), 0);
    CHECK(got.v.s.len == strlen(words[1]) && !memcmp(got.v.s.ptr, words[1], got.v.s.len));
    CHECK_EQ_INT(lh_vector_set_value(v, 0, &got), LH_EINVAL); /* not FLAT */

    /* a code read from a damaged file */
    codes[1] = 4;
    CHECK_EQ_INT(lh_vector_check_codes(v, 6), LH_ECORRUPT);
    codes[1] = -1;
    CHECK_EQ_INT(lh_vector_check_codes(v, 6), LH_ECORRUPT);
    codes[1] = 0;

    CHECK_EQ_INT(lh_vector_flatten(v, 6), 0);
    CHECK_EQ_INT(v->kind, LH_VECTOR_FLAT);
    CHECK(v->dict == NULL && v->data != NULL);
    const char *want[] = {words[1], words[0], NULL, words[2], NULL, words[1]};
    for (uint32_t r = 0; r < 6; r++) {
        CHECK_EQ_INT(lh_vector_get_value(v, r, &got), 0);
        CHECK_EQ_INT(got.is_null, want[r] == NULL);
        if (want[r])
            CHECK(got.v.s.len == strlen(want[r]) && !memcmp(got.v.s.ptr, want[r], got.v.s.len));
    }
    /* flatten shares the dictionary's long bytes (borrowed for the batch) */
    CHECK(lh_string_data(&((lh_string_t *)v->data)[0]) ==
          lh_string_data(&((lh_string_t *)dict.data)[1]));

    /* refusals: type mismatch, a dictionary that is not FLAT, size 0 */
    lh_type_t i32 = lh_type(LH_TYPE_INTEGER);
    lh_vector_t iv;
    CHECK_EQ_INT(lh_vector_init(&iv, &i32, 8, NULL), 0);
    CHECK_EQ_INT(lh_vector_set_dictionary(&iv, &dict, 4, &codes), LH_EINVAL);
    lh_vector_reset(v);
    CHECK_EQ_INT(lh_vector_set_dictionary(v, &dict, 0, &codes), LH_EINVAL);
    CHECK_EQ_INT(lh_vector_set_dictionary(v, &dict, 5, &codes), LH_EINVAL);
    lh_vector_release(&iv);
    lh_batch_free(b);
    lh_vector_release(&dict);
    lh_arena_free(page);
    CHECK_NO_LEAKS();
}

static void dictionary_of_fixed_width_flattens(void)
{
    lh_type_t t = lh_type_decimal(30, 2);
    lh_vector_t dict, v;
    CHECK_EQ_INT(lh_vector_init(&dict, &t, 3, NULL), 0);
    CHECK_EQ_INT(lh_vector_init(&v, &t, LH_BATCH_ROWS, NULL), 0);
    lh_int128_t big = (lh_int128_t)INT64_MAX * 7;
    ((lh_int128_t *)dict.data)[0] = -1;
    ((lh_int128_t *)dict.data)[1] = big;
    ((lh_int128_t *)dict.data)[2] = 0;
    int32_t *codes;
    CHECK_EQ_INT(lh_vector_set_dictionary(&v, &dict, 3, &codes), 0);
    for (uint32_t r = 0; r < LH_BATCH_ROWS; r++)
        codes[r] = (int32_t)(r % 3);
    for (uint32_t r = 0; r < LH_BATCH_ROWS; r += 100)
        lh_vector_set_null(&v, r);
    CHECK_EQ_INT(lh_vector_flatten(&v, LH_BATCH_ROWS), 0);
    lh_int128_t *d = v.data;
    CHECK(d[1] == big && d[2] == 0 && d[3] == -1 && d[2047] == big);
    CHECK(!lh_vector_is_valid(&v, 0) && !lh_vector_is_valid(&v, 2000) && lh_vector_is_valid(&v, 1));
    CHECK_EQ_INT(lh_vector_null_count(&v, LH_BATCH_ROWS), 21);
    lh_vector_release(&v);
    lh_vector_release(&dict);
}

static void dictionary_of_nested_flattens(void)
{
    lh_arena_t *a = arena();
    lh_type_t t;
    const char *ts = "STRUCT(x INTEGER, tags VARCHAR[])";
    CHECK_EQ_INT(lh_type_parse(a, ts, strlen(ts), &t, NULL), 0);
    lh_vector_t dict;
    CHECK_EQ_INT(lh_vector_init(&dict, &t, 2, a), 0);
    /* dict[0] = {1, [short, a long tag value here]}, dict[1] = {2, NULL} */
    ((int32_t *)dict.children[0].data)[0] = 1;
    ((int32_t *)dict.children[0].data)[1] = 2;
    uint32_t off;
    lh_vector_t *tags = &dict.children[1];
    CHECK_EQ_INT(lh_vector_list_append(tags, 0, 2, &off), 0);
    CHECK_EQ_INT(lh_vector_set_string(tags->child, off, "short", 5), 0);
    CHECK_EQ_INT(lh_vector_set_string(tags->child, off + 1, "a long tag value here", 21), 0);
    lh_vector_set_null(tags, 1);

    lh_batch_t *b;
    CHECK_EQ_INT(lh_batch_new(&t, 1, &b), 0);
    lh_vector_t *v = &b->cols[0];
    int32_t *codes;
    CHECK_EQ_INT(lh_vector_set_dictionary(v, &dict, 2, &codes), 0);
    int32_t in[] = {0, 1, 0, 0};
    memcpy(codes, in, sizeof in);
    lh_vector_set_null(v, 3);
    b->count = 4;
    CHECK_EQ_INT(lh_vector_flatten(v, 4), 0);
    lh_vector_t *x = &v->children[0], *vt = &v->children[1];
    CHECK_EQ_INT(((int32_t *)x->data)[1], 2);
    CHECK_EQ_INT(((int32_t *)x->data)[2], 1);
    CHECK(!lh_vector_is_valid(vt, 1));
    lh_list_entry_t *e = lh_vector_list_entries(vt);
    CHECK_EQ_INT(e[0].length, 2);
    CHECK_EQ_INT(e[2].length, 2);
    CHECK(e[0].offset != e[2].offset); /* copied into v's own child */
    lh_value_t got;
    CHECK_EQ_INT(lh_vector_get_value(vt->child, e[2].offset + 1, &got), 0);
    CHECK(got.v.s.len == 21 && !memcmp(got.v.s.ptr, "a long tag value here", 21));
    /* the NULL struct row has NULL fields */
    CHECK(!lh_vector_is_valid(v, 3));
    CHECK(!lh_vector_is_valid(x, 3));
    CHECK(!lh_vector_is_valid(vt, 3));
    CHECK_EQ_INT(e[3].length, 0);
    /* a LIST child cannot be a dictionary */
    CHECK_EQ_INT(lh_vector_set_dictionary(vt->child, tags->child, 1, &codes), LH_EINVAL);
    lh_batch_free(b);
    lh_vector_release(&dict);
    lh_arena_free(a);
    CHECK_NO_LEAKS();
}

static void constant_vectors_flatten(void)
{
    lh_arena_t *a = arena();
    lh_type_t types[4];
    types[0] = lh_type(LH_TYPE_INTEGER);
    types[1] = lh_type(LH_TYPE_VARCHAR);
    CHECK_EQ_INT(lh_type_parse(a, "STRUCT(a SMALLINT, b BOOLEAN)", 29, &types[2], NULL), 0);
    CHECK_EQ_INT(lh_type_parse(a, "DOUBLE[]", 8, &types[3], NULL), 0);
    lh_batch_t *b;
    CHECK_EQ_INT(lh_batch_new(types, 4, &b), 0);
    lh_vector_t *c = b->cols;
    ((int32_t *)c[0].data)[0] = 42;
    lh_vector_set_constant(&c[0]);
    CHECK_EQ_INT(lh_vector_set_string(&c[1], 0, "the same long string", 20), 0);
    lh_vector_set_constant(&c[1]);
    lh_vector_set_constant(&c[2]);
    lh_vector_set_null(&c[2], 0); /* a constant NULL struct */
    uint32_t off;
    CHECK_EQ_INT(lh_vector_list_append(&c[3], 0, 2, &off), 0);
    ((double *)c[3].child->data)[off] = 1.5;
    ((double *)c[3].child->data)[off + 1] = 2.5;
    lh_vector_set_constant(&c[3]);
    b->count = 1000;
    CHECK(lh_vector_is_valid(&c[0], 999));
    CHECK_EQ_INT(lh_vector_row(&c[0], 999), 0);
    CHECK(!lh_vector_is_valid(&c[2], 500));
    CHECK(!lh_vector_is_valid(&c[2].children[1], 500));
    CHECK_EQ_INT(lh_vector_null_count(&c[2], 1000), 1000);
    lh_value_t got;
    CHECK_EQ_INT(lh_vector_get_value(&c[1], 777, &got), 0);
    CHECK_EQ_INT(got.v.s.len, 20);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(lh_vector_flatten(&c[i], 1000), 0);
    for (uint32_t r = 0; r < 1000; r++) {
        CHECK_EQ_INT(((int32_t *)c[0].data)[r], 42);
        CHECK(lh_string_equal(&((lh_string_t *)c[1].data)[r], &((lh_string_t *)c[1].data)[0]));
        CHECK(!lh_vector_is_valid(&c[2], r));
        CHECK(!lh_vector_is_valid(&c[2].children[0], r));
        lh_list_entry_t e = lh_vector_list_entries(&c[3])[r];
        CHECK(e.offset == off && e.length == 2); /* flat rows share one range */
    }
    CHECK_EQ_INT(c[0].kind, LH_VECTOR_FLAT);
    CHECK_EQ_INT(c[2].children[0].kind, LH_VECTOR_FLAT);
    CHECK_EQ_INT(lh_vector_flatten(&c[0], LH_BATCH_ROWS + 1), LH_EINVAL);
    lh_batch_free(b);
    lh_arena_free(a);
    CHECK_NO_LEAKS();
}

/* ---- copies ---- */

static void copy_with_selection_outlives_source(void)
{
    lh_arena_t *a = arena();
    lh_type_t types[3];
    types[0] = lh_type(LH_TYPE_BIGINT);
    types[1] = lh_type(LH_TYPE_VARCHAR);
    CHECK_EQ_INT(lh_type_parse(a, "MAP(VARCHAR, INTEGER)", 21, &types[2], NULL), 0);
    lh_batch_t *src, *dst;
    CHECK_EQ_INT(lh_batch_new(types, 3, &src), 0);
    CHECK_EQ_INT(lh_batch_new(types, 3, &dst), 0);
    for (uint32_t r = 0; r < 10; r++) {
        ((int64_t *)src->cols[0].data)[r] = r * 100;
        char s[64];
        int n = snprintf(s, sizeof s, "row %u with a long enough text", r);
        CHECK_EQ_INT(lh_vector_set_string(&src->cols[1], r, s, (size_t)n), 0);
        uint32_t off;
        CHECK_EQ_INT(lh_vector_list_append(&src->cols[2], r, r % 3, &off), 0);
        for (uint32_t k = 0; k < r % 3; k++) {
            n = snprintf(s, sizeof s, "key %u.%u of the map entry", r, k);
            CHECK_EQ_INT(
                lh_vector_set_string(lh_vector_map_keys(&src->cols[2]), off + k, s, (size_t)n), 0);
            ((int32_t *)lh_vector_map_values(&src->cols[2])->data)[off + k] = (int32_t)(r * 10 + k);
        }
    }
    lh_vector_set_null(&src->cols[0], 5);
    lh_vector_set_null(&src->cols[1], 9);
    lh_vector_set_null(&src->cols[2], 8);
    src->count = 10;
    uint32_t sel[] = {5, 1, 1, 9, 8, 2};
    CHECK_EQ_INT(lh_batch_append(dst, src, sel, 6), 0);
    CHECK_EQ_INT(lh_batch_append(dst, src, NULL, 2), 0); /* rows 0 and 1 */
    CHECK_EQ_INT(dst->count, 8);
    lh_batch_reset(src); /* the copies own their bytes: ASan would see a dangling read */
    lh_batch_free(src);
    CHECK(!lh_vector_is_valid(&dst->cols[0], 0));
    CHECK_EQ_INT(((int64_t *)dst->cols[0].data)[1], 100);
    CHECK_EQ_INT(((int64_t *)dst->cols[0].data)[2], 100);
    CHECK_EQ_INT(((int64_t *)dst->cols[0].data)[7], 100);
    CHECK(!lh_vector_is_valid(&dst->cols[1], 3));
    lh_value_t got;
    CHECK_EQ_INT(lh_vector_get_value(&dst->cols[1], 5, &got), 0);
    CHECK(got.v.s.len == 29 && !memcmp(got.v.s.ptr, "row 2 with a long enough text", 29));
    lh_list_entry_t *e = lh_vector_list_entries(&dst->cols[2]);
    CHECK(!lh_vector_is_valid(&dst->cols[2], 4));
    CHECK_EQ_INT(e[4].length, 0);
    CHECK_EQ_INT(e[5].length, 2); /* row 2 */
    CHECK_EQ_INT(lh_vector_get_value(lh_vector_map_keys(&dst->cols[2]), e[5].offset + 1, &got), 0);
    CHECK(got.v.s.len == 24 && !memcmp(got.v.s.ptr, "key 2.1 of the map entry", 24));
    CHECK_EQ_INT(((int32_t *)lh_vector_map_values(&dst->cols[2])->data)[e[5].offset + 1], 21);
    /* limits */
    lh_batch_t *other;
    CHECK_EQ_INT(lh_batch_new(types, 2, &other), 0);
    CHECK_EQ_INT(lh_batch_append(dst, other, NULL, 1), LH_EINVAL);
    lh_batch_free(other);
    CHECK_EQ_INT(lh_batch_append(dst, dst, NULL, LH_BATCH_ROWS), LH_ETOOBIG);
    CHECK_EQ_INT(lh_vector_copy(&dst->cols[0], LH_BATCH_ROWS - 1, &dst->cols[0], NULL, 2),
                 LH_EINVAL);
    CHECK_EQ_INT(lh_vector_copy(&dst->cols[0], 0, &dst->cols[1], NULL, 1), LH_EINVAL);
    lh_batch_free(dst);
    lh_arena_free(a);
    CHECK_NO_LEAKS();
}

static void copy_from_dictionary_and_constant(void)
{
    lh_type_t t = lh_type(LH_TYPE_VARCHAR);
    lh_vector_t dict, src, dst;
    lh_arena_t *a = arena(), *b = arena();
    CHECK_EQ_INT(lh_vector_init(&dict, &t, 2, a), 0);
    CHECK_EQ_INT(lh_vector_set_string(&dict, 0, "dictionary value zero", 21), 0);
    CHECK_EQ_INT(lh_vector_set_string(&dict, 1, "one", 3), 0);
    CHECK_EQ_INT(lh_vector_init(&src, &t, 8, a), 0);
    CHECK_EQ_INT(lh_vector_init(&dst, &t, 8, b), 0);
    int32_t *codes;
    CHECK_EQ_INT(lh_vector_set_dictionary(&src, &dict, 2, &codes), 0);
    codes[0] = 1, codes[1] = 0, codes[2] = 0;
    lh_vector_set_null(&src, 2);
    uint32_t sel[] = {2, 1, 0};
    CHECK_EQ_INT(lh_vector_copy(&dst, 0, &src, sel, 3), 0);
    lh_vector_release(&src);
    lh_vector_release(&dict);
    lh_arena_free(a); /* dst copied the bytes into its own arena */
    lh_value_t got;
    CHECK(!lh_vector_is_valid(&dst, 0));
    CHECK_EQ_INT(lh_vector_get_value(&dst, 1, &got), 0);
    CHECK(got.v.s.len == 21 && !memcmp(got.v.s.ptr, "dictionary value zero", 21));
    CHECK_EQ_INT(lh_vector_get_value(&dst, 2, &got), 0);
    CHECK(got.v.s.len == 3 && !memcmp(got.v.s.ptr, "one", 3));
    lh_vector_release(&dst);
    lh_arena_free(b);
    CHECK_NO_LEAKS();
}

/* A deep copy of a batch of long strings puts their bytes in one arena
 * allocation: one per 256-row step filled three of every four 64 KiB blocks
 * with 66-byte hashes, a fifth of the arena unused. */
static void copy_packs_long_strings(void)
{
    enum { N = 2048, LEN = 66 };
    lh_type_t t = lh_type(LH_TYPE_VARCHAR);
    lh_arena_t *a = arena(), *b = lh_arena_new(64 * 1024);
    lh_vector_t src, dst;
    CHECK_EQ_INT(lh_vector_init(&src, &t, N, a), 0);
    CHECK_EQ_INT(lh_vector_init(&dst, &t, N, b), 0);
    char s[LEN];
    for (uint32_t r = 0; r < N; r++) {
        memset(s, 'a' + (int)(r % 26), LEN);
        memcpy(s, &r, sizeof r);
        if (r % 100 == 7)
            lh_vector_set_null(&src, r);
        else
            CHECK_EQ_INT(lh_vector_set_string(&src, r, s, LEN), 0);
    }
    CHECK_EQ_INT(lh_vector_copy(&dst, 0, &src, NULL, N), 0);
    lh_vector_release(&src);
    lh_arena_free(a); /* dst holds its own bytes */
    CHECK(lh_arena_bytes(b) <= (size_t)N * LEN);
    for (uint32_t r = 0; r < N; r++) {
        if (r % 100 == 7) {
            CHECK(!lh_vector_is_valid(&dst, r));
            continue;
        }
        memset(s, 'a' + (int)(r % 26), LEN);
        memcpy(s, &r, sizeof r);
        const lh_string_t *v = &((const lh_string_t *)dst.data)[r];
        CHECK(v->len == LEN && !memcmp(lh_string_data(v), s, LEN));
    }
    lh_vector_release(&dst);
    lh_arena_free(b);
    CHECK_NO_LEAKS();
}

static void reserve_keeps_rows_and_validity(void)
{
    lh_arena_t *a = arena();
    lh_type_t t;
    CHECK_EQ_INT(lh_type_parse(a, "STRUCT(a INTEGER)", 17, &t, NULL), 0);
    lh_vector_t v;
    CHECK_EQ_INT(lh_vector_init(&v, &t, 100, NULL), 0);
    for (uint32_t r = 0; r < 100; r++)
        ((int32_t *)v.children[0].data)[r] = (int32_t)r;
    lh_vector_set_null(&v, 99);
    CHECK_EQ_INT(lh_vector_reserve(&v, 5000), 0);
    CHECK_EQ_INT(v.capacity, 5000);
    CHECK_EQ_INT(v.children[0].capacity, 5000);
    CHECK(((uintptr_t)v.children[0].data & 63) == 0);
    CHECK_EQ_INT(((int32_t *)v.children[0].data)[98], 98);
    CHECK(!lh_vector_is_valid(&v, 99) && !lh_vector_is_valid(&v.children[0], 99));
    CHECK(lh_vector_is_valid(&v, 4999) && lh_vector_is_valid(&v.children[0], 4999));
    CHECK_EQ_INT(lh_vector_reserve(&v, LH_VECTOR_MAX_ROWS + 1), LH_ETOOBIG);
    lh_vector_release(&v);
    lh_arena_free(a);
    CHECK_NO_LEAKS();
}

/* ---- batches ---- */

static int released;
static void release(void *arg)
{
    released++;
    free(arg);
}

static void batch_reset_reuses_storage(void)
{
    lh_arena_t *a = arena();
    lh_type_t types[3];
    types[0] = lh_type(LH_TYPE_VARCHAR);
    CHECK_EQ_INT(lh_type_parse(a, "VARCHAR[]", 9, &types[1], NULL), 0);
    types[2] = lh_type(LH_TYPE_INTEGER);
    lh_batch_t *b;
    CHECK_EQ_INT(lh_batch_new(types, 3, &b), 0);
    lh_arena_free(a); /* the batch has its own copy of the types */
    CHECK_EQ_STR(fmt(&b->cols[1].type), "VARCHAR[]");
    void *data0 = b->cols[0].data, *child0 = NULL;
    lh_vector_t dict;
    CHECK_EQ_INT(lh_vector_init(&dict, &types[2], 1, NULL), 0);
    ((int32_t *)dict.data)[0] = 7;
    char text[300];
    memset(text, 'x', sizeof text);
    for (int round = 0; round < 50; round++) {
        /* a producer lends a page for this batch only */
        char *page = malloc(64);
        CHECK(page);
        memcpy(page, "lent bytes for one batch only!", 30);
        CHECK_EQ_INT(lh_batch_on_reset(b, release, page), 0);
        for (uint32_t r = 0; r < LH_BATCH_ROWS; r++) {
            CHECK_EQ_INT(lh_vector_set_string(&b->cols[0], r, text, 13 + r % 200), 0);
            uint32_t off;
            CHECK_EQ_INT(lh_vector_list_append(&b->cols[1], r, 2, &off), 0);
            lh_vector_set_string_ref(b->cols[1].child, off, page, 30);
            CHECK_EQ_INT(lh_vector_set_string(b->cols[1].child, off + 1, "tiny", 4), 0);
            if (r % 7 == 0) lh_vector_set_null(&b->cols[0], r);
        }
        int32_t *codes;
        CHECK_EQ_INT(lh_vector_set_dictionary(&b->cols[2], &dict, 1, &codes), 0);
        memset(codes, 0, LH_BATCH_ROWS * sizeof *codes);
        b->count = LH_BATCH_ROWS;
        CHECK(!lh_vector_is_valid(&b->cols[0], 14));
        CHECK_EQ_INT(released, round);
        if (round == 1) child0 = b->cols[1].child->data;
        if (round > 1) CHECK(b->cols[1].child->data == child0); /* grown once, then reused */
        lh_batch_reset(b);
        CHECK_EQ_INT(released, round + 1);
        CHECK_EQ_INT(b->count, 0);
        CHECK(b->cols[0].data == data0);
        CHECK(b->cols[0].validity == NULL);
        CHECK_EQ_INT(b->cols[1].child_count, 0);
        CHECK_EQ_INT(b->cols[2].kind, LH_VECTOR_FLAT);
        CHECK(b->cols[2].data != NULL && b->cols[2].dict == NULL);
    }
    /* a pending callback runs at free */
    CHECK_EQ_INT(lh_batch_on_reset(b, release, malloc(1)), 0);
    lh_batch_free(b);
    CHECK_EQ_INT(released, 51);
    lh_vector_release(&dict);
    CHECK_NO_LEAKS();
}

/* ---- timestamps ---- */

static void timestamp_conversions(void)
{
    int64_t us;
    CHECK_EQ_INT(lh_ts_from_millis(1, &us), 0);
    CHECK_EQ_INT(us, 1000);
    CHECK_EQ_INT(lh_ts_from_millis(-1, &us), 0);
    CHECK_EQ_INT(us, -1000);
    CHECK_EQ_INT(lh_ts_from_millis(INT64_MAX / 1000, &us), 0);
    CHECK_EQ_INT(lh_ts_from_millis(INT64_MAX / 1000 + 1, &us), LH_ETOOBIG);
    CHECK_EQ_INT(lh_ts_from_millis(INT64_MIN / 1000 - 1, &us), LH_ETOOBIG);
    static const struct {
        int64_t ns, us;
    } nanos[] = {
        {0, 0},
        {999, 0},
        {1000, 1},
        {1999, 1},
        {-1, -1},
        {-999, -1},
        {-1000, -1},
        {-1001, -2},
        {-1999, -2},
        {-2000, -2},
        {INT64_MAX, INT64_MAX / 1000},
        {INT64_MIN, INT64_MIN / 1000 - 1}, /* -9223372036854775808 ns is ...775.808 us */
    };
    for (size_t i = 0; i < sizeof nanos / sizeof nanos[0]; i++)
        CHECK_EQ_INT(lh_ts_from_nanos(nanos[i].ns), nanos[i].us);
    static const struct {
        int64_t ns;
        int32_t day;
        int rc;
        int64_t us;
    } int96[] = {
        {0, LH_JULIAN_EPOCH_DAY, 0, 0},
        {1500, LH_JULIAN_EPOCH_DAY + 1, 0, 86400000001},
        {86399999999999, LH_JULIAN_EPOCH_DAY - 1, 0, -1}, /* 1969-12-31 23:59:59.999999999 */
        {-1, LH_JULIAN_EPOCH_DAY, 0, -1},                 /* negative nanos floor too */
        {43200000000500, 2451545, 0, 946728000000000},    /* 2000-01-01 12:00:00.0000005 */
        {0, 0, 0, -(int64_t)LH_JULIAN_EPOCH_DAY * 86400000000},
        {0, INT32_MAX, LH_ETOOBIG, 0},
        {0, INT32_MIN, LH_ETOOBIG, 0},
    };
    for (size_t i = 0; i < sizeof int96 / sizeof int96[0]; i++) {
        uint8_t b[12];
        uint64_t ns = (uint64_t)int96[i].ns;
        uint32_t d = (uint32_t)int96[i].day;
        for (int k = 0; k < 8; k++)
            b[k] = (uint8_t)(ns >> (8 * k));
        for (int k = 0; k < 4; k++)
            b[8 + k] = (uint8_t)(d >> (8 * k));
        us = 12345;
        CHECK_EQ_INT(lh_ts_from_int96(b, &us), int96[i].rc);
        if (!int96[i].rc) CHECK_EQ_INT(us, int96[i].us);
    }
}

/* A NULL string row's slot may hold anything (a fresh batch's memory, an
 * earlier round's view): a deep copy neither reads nor allocates for it. */
static void vector_copy_ignores_null_string_slots(void)
{
    lh_type_t t = lh_type(LH_TYPE_VARCHAR);
    lh_batch_t *src, *dst;
    CHECK_EQ_INT(lh_batch_new(&t, 1, &src), 0);
    CHECK_EQ_INT(lh_batch_new(&t, 1, &dst), 0);
    const char *longs = "a string longer than twelve bytes";
    CHECK_EQ_INT(lh_vector_set_string(&src->cols[0], 0, longs, strlen(longs)), 0);
    lh_string_t *slot = (lh_string_t *)src->cols[0].data + 1;
    slot->len = 1u << 31; /* garbage a NULL row may hold */
    slot->u.ptr = (const char *)16;
    lh_vector_set_null(&src->cols[0], 1);
    src->count = 2;
    CHECK_EQ_INT(lh_batch_append(dst, src, NULL, 2), 0);
    CHECK(lh_vector_is_valid(&dst->cols[0], 0));
    CHECK(!lh_vector_is_valid(&dst->cols[0], 1));
    lh_value_t v;
    CHECK_EQ_INT(lh_vector_get_value(&dst->cols[0], 0, &v), 0);
    CHECK_EQ_INT(v.v.s.len, strlen(longs));
    lh_batch_free(src);
    lh_batch_free(dst);
}

/* The view copy: the same rows and validity as lh_vector_copy, the long
 * strings pointing at the source's bytes (no arena needed in dst); a nested
 * column copied whole. */
static void copy_view_borrows_string_bytes(void)
{
    lh_type_t t = lh_type(LH_TYPE_VARCHAR);
    lh_vector_t dict, src, dst;
    lh_arena_t *a = arena();
    CHECK_EQ_INT(lh_vector_init(&dict, &t, 2, a), 0);
    CHECK_EQ_INT(lh_vector_set_string(&dict, 0, "dictionary value zero", 21), 0);
    CHECK_EQ_INT(lh_vector_set_string(&dict, 1, "one", 3), 0);
    CHECK_EQ_INT(lh_vector_init(&src, &t, 8, a), 0);
    CHECK_EQ_INT(lh_vector_init(&dst, &t, 8, NULL), 0);
    int32_t *codes;
    CHECK_EQ_INT(lh_vector_set_dictionary(&src, &dict, 2, &codes), 0);
    codes[0] = 1, codes[1] = 0, codes[2] = 0;
    lh_vector_set_null(&src, 2);
    uint32_t sel[] = {2, 1, 0};
    CHECK_EQ_INT(lh_vector_copy(&dst, 0, &src, sel, 3), LH_EINVAL); /* a deep copy needs an arena */
    CHECK_EQ_INT(lh_vector_copy_view(&dst, 0, &src, sel, 3), 0);
    lh_value_t got, want;
    CHECK(!lh_vector_is_valid(&dst, 0));
    CHECK_EQ_INT(lh_vector_get_value(&dst, 1, &got), 0);
    CHECK_EQ_INT(lh_vector_get_value(&dict, 0, &want), 0);
    CHECK(got.v.s.len == 21 && got.v.s.ptr == want.v.s.ptr); /* the same bytes */
    CHECK_EQ_INT(lh_vector_get_value(&dst, 2, &got), 0);
    CHECK(got.v.s.len == 3 && !memcmp(got.v.s.ptr, "one", 3));
    lh_vector_release(&dst);
    lh_vector_release(&src);
    lh_vector_release(&dict);
    /* a nested column is copied whole: its strings into dst's arena */
    lh_type_t lt;
    CHECK_EQ_INT(lh_type_list(a, &t, &lt), 0);
    lh_batch_t *from, *to;
    CHECK_EQ_INT(lh_batch_new(&lt, 1, &from), 0);
    CHECK_EQ_INT(lh_batch_new(&lt, 1, &to), 0);
    uint32_t off;
    CHECK_EQ_INT(lh_vector_list_append(&from->cols[0], 0, 1, &off), 0);
    CHECK_EQ_INT(lh_vector_set_string(from->cols[0].child, off, "a list's long element", 21), 0);
    from->count = 1;
    CHECK_EQ_INT(lh_vector_copy_view(&to->cols[0], 0, &from->cols[0], NULL, 1), 0);
    CHECK_EQ_INT(lh_vector_get_value(from->cols[0].child, off, &want), 0);
    CHECK_EQ_INT(lh_vector_get_value(to->cols[0].child,
                                     lh_vector_list_entries(&to->cols[0])[0].offset, &got),
                 0);
    CHECK(got.v.s.len == 21 && !memcmp(got.v.s.ptr, want.v.s.ptr, 21) &&
          got.v.s.ptr != want.v.s.ptr);
    lh_batch_free(from);
    lh_batch_free(to);
    lh_arena_free(a);
    CHECK_NO_LEAKS();
}

static const lh_test_t tests[] = {
    {"vector_copy_ignores_null_string_slots", vector_copy_ignores_null_string_slots},
    {"copy_packs_long_strings", copy_packs_long_strings},
    {"type_names_sizes_and_layouts", type_names_sizes_and_layouts},
    {"type_nested_constructors_and_names", type_nested_constructors_and_names},
    {"type_equal_and_deep_copy", type_equal_and_deep_copy},
    {"type_parse_table", type_parse_table},
    {"type_format_truncates_like_snprintf", type_format_truncates_like_snprintf},
    {"value_order_across_types", value_order_across_types},
    {"vector_roundtrip_every_scalar_type", vector_roundtrip_every_scalar_type},
    {"vector_init_refusals", vector_init_refusals},
    {"validity_bits_lsb_first", validity_bits_lsb_first},
    {"strings_at_the_inline_boundary", strings_at_the_inline_boundary},
    {"string_equal_and_compare", string_equal_and_compare},
    {"list_build_and_read", list_build_and_read},
    {"struct_build_and_read", struct_build_and_read},
    {"map_build_and_read", map_build_and_read},
    {"dictionary_vectors_and_flatten", dictionary_vectors_and_flatten},
    {"dictionary_of_fixed_width_flattens", dictionary_of_fixed_width_flattens},
    {"dictionary_of_nested_flattens", dictionary_of_nested_flattens},
    {"constant_vectors_flatten", constant_vectors_flatten},
    {"copy_with_selection_outlives_source", copy_with_selection_outlives_source},
    {"copy_from_dictionary_and_constant", copy_from_dictionary_and_constant},
    {"copy_view_borrows_string_bytes", copy_view_borrows_string_bytes},
    {"reserve_keeps_rows_and_validity", reserve_keeps_rows_and_validity},
    {"batch_reset_reuses_storage", batch_reset_reuses_storage},
    {"timestamp_conversions", timestamp_conversions},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
