/* Unit tests for vector/scan: row-group and page pruning from min/max and
 * null-count statistics, as one table per area: SQL NULL semantics, integer
 * ranges at their edges, decimals of other scales, strings as unsigned bytes,
 * truncated string bounds, floats with NaN, mixed families, and the
 * conjunction. Each row says whether a unit might hold a matching row. */
#include <math.h>

#include "test.h"
#include "vector/scan.h"

#define I32(x) lh_value_int(LH_TYPE_INTEGER, (x))
#define STR(s) lh_value_varchar((s), sizeof(s) - 1)
#define DEC(w, s, x) lh_value_decimal((w), (s), (x))
#define DBL(x) lh_value_double(x)
#define NUL(id) lh_value_null(lh_type(id))

typedef struct {
    const char *name;
    lh_stats_t s;
    lh_pred_t p;
    bool want;
} row_t;

/* stats with exact bounds [min, max] */
static lh_stats_t range(lh_value_t min, lh_value_t max, int64_t nulls, int64_t rows)
{
    lh_stats_t s = {.row_count = rows, .null_count = nulls, .has_min = true, .has_max = true};
    s.min = min;
    s.max = max;
    s.min_exact = s.max_exact = true;
    return s;
}

static lh_stats_t counts(int64_t nulls, int64_t rows)
{
    lh_stats_t s = {.row_count = rows, .null_count = nulls};
    return s;
}

static lh_pred_t pred(lh_pred_op_t op, lh_value_t v)
{
    lh_pred_t p = {.column = {1, {0}}, .op = op, .value = v};
    return p;
}

static lh_pred_t in_list(const lh_value_t *list, uint32_t n)
{
    lh_pred_t p = {.column = {1, {0}}, .op = LH_PRED_IN, .list = list, .nlist = n};
    return p;
}

static int run(const row_t *rows, size_t n)
{
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        bool got = lh_pred_might_match(&rows[i].p, &rows[i].s);
        if (got != rows[i].want) {
            fprintf(stderr, "  %s: might_match %d, expected %d\n", rows[i].name, got, rows[i].want);
            bad = 1;
        }
    }
    return bad;
}

#define RUN(rows) CHECK(run(rows, sizeof rows / sizeof rows[0]) == 0)

static void prune_integer_ranges(void)
{
    lh_stats_t s = range(I32(10), I32(20), 0, 100);
    lh_value_t miss[] = {I32(1), I32(2), I32(25)}, hit[] = {I32(1), I32(15)};
    lh_value_t with_null[] = {NUL(LH_TYPE_INTEGER), I32(12)}, only_null[] = {NUL(LH_TYPE_INTEGER)};
    row_t rows[] = {
        {"= below", s, pred(LH_PRED_EQ, I32(5)), false},
        {"= min", s, pred(LH_PRED_EQ, I32(10)), true},
        {"= inside", s, pred(LH_PRED_EQ, I32(15)), true},
        {"= max", s, pred(LH_PRED_EQ, I32(20)), true},
        {"= above", s, pred(LH_PRED_EQ, I32(21)), false},
        {"<> inside", s, pred(LH_PRED_NE, I32(15)), true},
        {"<> outside", s, pred(LH_PRED_NE, I32(99)), true},
        {"< min", s, pred(LH_PRED_LT, I32(10)), false},
        {"< min+1", s, pred(LH_PRED_LT, I32(11)), true},
        {"<= min", s, pred(LH_PRED_LE, I32(10)), true},
        {"<= min-1", s, pred(LH_PRED_LE, I32(9)), false},
        {"> max", s, pred(LH_PRED_GT, I32(20)), false},
        {"> max-1", s, pred(LH_PRED_GT, I32(19)), true},
        {">= max", s, pred(LH_PRED_GE, I32(20)), true},
        {">= max+1", s, pred(LH_PRED_GE, I32(21)), false},
        {"IN all outside", s, in_list(miss, 3), false},
        {"IN one inside", s, in_list(hit, 2), true},
        {"IN empty", s, in_list(hit, 0), false},
        {"IN (NULL)", s, in_list(only_null, 1), false},
        {"IN (NULL, inside)", s, in_list(with_null, 2), true},
        {"IS NULL, no nulls", s, {.op = LH_PRED_IS_NULL}, false},
        {"IS NOT NULL", s, {.op = LH_PRED_IS_NOT_NULL}, true},
        {"= NULL", s, pred(LH_PRED_EQ, NUL(LH_TYPE_INTEGER)), false},
        {"<> NULL", s, pred(LH_PRED_NE, NUL(LH_TYPE_INTEGER)), false},
        {">= NULL", s, pred(LH_PRED_GE, NUL(LH_TYPE_INTEGER)), false},
        {"UBIGINT max > BIGINT max",
         range(lh_value_int(LH_TYPE_BIGINT, 0), lh_value_int(LH_TYPE_BIGINT, INT64_MAX), 0, 9),
         pred(LH_PRED_GT, lh_value_uint(LH_TYPE_UBIGINT, UINT64_MAX)), false},
        {"unsigned column: < 0",
         range(lh_value_uint(LH_TYPE_UINTEGER, 0), lh_value_uint(LH_TYPE_UINTEGER, 5), 0, 9),
         pred(LH_PRED_LT, lh_value_int(LH_TYPE_BIGINT, 0)), false},
    };
    RUN(rows);
}

static void prune_null_semantics(void)
{
    lh_stats_t all_null = counts(100, 100), some = counts(5, 100), unknown = counts(-1, 100);
    lh_stats_t empty = counts(0, 0), no_rows_known = counts(-1, -1);
    lh_stats_t one = range(I32(7), I32(7), 0, 50), one_inexact = one,
               one_nulls = range(I32(7), I32(7), 3, 50);
    one_inexact.max_exact = false;
    lh_value_t list[] = {I32(1)};
    row_t rows[] = {
        {"all NULL: IS NULL", all_null, {.op = LH_PRED_IS_NULL}, true},
        {"all NULL: IS NOT NULL", all_null, {.op = LH_PRED_IS_NOT_NULL}, false},
        {"all NULL: =", all_null, pred(LH_PRED_EQ, I32(1)), false},
        {"all NULL: <>", all_null, pred(LH_PRED_NE, I32(1)), false},
        {"all NULL: <", all_null, pred(LH_PRED_LT, I32(1)), false},
        {"all NULL: IN", all_null, in_list(list, 1), false},
        {"some NULL: IS NULL", some, {.op = LH_PRED_IS_NULL}, true},
        {"some NULL: IS NOT NULL", some, {.op = LH_PRED_IS_NOT_NULL}, true},
        {"some NULL, no bounds: =", some, pred(LH_PRED_EQ, I32(1)), true},
        {"unknown nulls: IS NULL", unknown, {.op = LH_PRED_IS_NULL}, true},
        {"unknown rows: IS NOT NULL", no_rows_known, {.op = LH_PRED_IS_NOT_NULL}, true},
        {"unknown rows: =", no_rows_known, pred(LH_PRED_EQ, I32(1)), true},
        {"no rows: IS NULL", empty, {.op = LH_PRED_IS_NULL}, false},
        {"no rows: IS NOT NULL", empty, {.op = LH_PRED_IS_NOT_NULL}, false},
        {"no rows: =", empty, pred(LH_PRED_EQ, I32(1)), false},
        /* every value 7: `<> 7` cannot hold, NULLs included (NULL <> 7 is NULL) */
        {"min=max=c: <> c", one, pred(LH_PRED_NE, I32(7)), false},
        {"min=max=c with NULLs: <> c", one_nulls, pred(LH_PRED_NE, I32(7)), false},
        {"min=max=c: <> other", one, pred(LH_PRED_NE, I32(8)), true},
        {"min=max=c inexact: <> c", one_inexact, pred(LH_PRED_NE, I32(7)), true},
        {"min=max=c: = c", one, pred(LH_PRED_EQ, I32(7)), true},
    };
    RUN(rows);
    lh_pred_t p = pred(LH_PRED_EQ, I32(1));
    CHECK(lh_pred_might_match(&p, NULL)); /* no statistics */
}

static void prune_decimals_by_scaled_integer(void)
{
    /* DECIMAL(10,2) column with values in [1.00, 2.50] */
    lh_stats_t s = range(DEC(10, 2, 100), DEC(10, 2, 250), 0, 10);
    /* DECIMAL(38,10) column with values in [-0.0000000001, 12345678901234567890.5] */
    lh_int128_t big = (lh_int128_t)1234567890123456789 * 100000000000 + 5000000000;
    lh_stats_t w = range(DEC(38, 10, -1), DEC(38, 10, big), 0, 10);
    lh_value_t in[] = {DEC(3, 1, 26), DEC(5, 3, 999)};
    row_t rows[] = {
        {"2.6 above", s, pred(LH_PRED_EQ, DEC(3, 1, 26)), false},
        {"2.5 at max", s, pred(LH_PRED_EQ, DEC(3, 1, 25)), true},
        {"2.500 at max", s, pred(LH_PRED_EQ, DEC(4, 3, 2500)), true},
        {"2.501 above", s, pred(LH_PRED_EQ, DEC(4, 3, 2501)), false},
        {">= 2.51", s, pred(LH_PRED_GE, DEC(4, 2, 251)), false},
        {"> 2.4999", s, pred(LH_PRED_GT, DEC(5, 4, 24999)), true},
        {"< 1", s, pred(LH_PRED_LT, I32(1)), false},
        {"<= 1", s, pred(LH_PRED_LE, I32(1)), true},
        {"= 2 (integer)", s, pred(LH_PRED_EQ, I32(2)), true},
        {"= 3 (integer)", s, pred(LH_PRED_EQ, I32(3)), false},
        {"= 0.999", s, pred(LH_PRED_EQ, DEC(5, 3, 999)), false},
        {"IN (2.6, 0.999)", s, in_list(in, 2), false},
        {"wide: = 0", w, pred(LH_PRED_EQ, I32(0)), true},
        {"wide: < -0.0000000001", w, pred(LH_PRED_LT, DEC(38, 10, -1)), false},
        {"wide: < min at scale 11", w, pred(LH_PRED_LT, DEC(38, 11, -10)), false},
        {"wide: < -0.00000000005", w, pred(LH_PRED_LT, DEC(38, 11, -5)), true},
        {"wide: <= -0.0000000001", w, pred(LH_PRED_LE, DEC(38, 10, -1)), true},
        {"wide: > max", w, pred(LH_PRED_GT, DEC(38, 1, big / 1000000000)), false},
        {"wide: > max - 0.1", w, pred(LH_PRED_GT, DEC(38, 1, big / 1000000000 - 1)), true},
        {"wide: = huge integer", w, pred(LH_PRED_EQ, lh_value_hugeint(big)), false},
    };
    RUN(rows);
}

static void prune_strings_bytewise_unsigned(void)
{
    lh_stats_t s = range(STR("apple"), STR("banana"), 0, 10);
    lh_stats_t hi = range(STR("\x01"), STR("\xfe"), 0, 10);
    /* a writer cut "abcdef..." to min "abc" and rounded max "abcz..." up to "abd" */
    lh_stats_t cut = range(STR("abc"), STR("abd"), 0, 10);
    cut.min_exact = cut.max_exact = false;
    lh_stats_t cut_same = range(STR("abc"), STR("abc"), 0, 10);
    cut_same.min_exact = false;
    row_t rows[] = {
        {"= inside", s, pred(LH_PRED_EQ, STR("apricot")), true},
        {"= above", s, pred(LH_PRED_EQ, STR("cherry")), false},
        {"= prefix of min", s, pred(LH_PRED_EQ, STR("a")), false},
        {"= longer than max", s, pred(LH_PRED_EQ, STR("banana!")), false},
        {"= empty", s, pred(LH_PRED_EQ, STR("")), false},
        {"< min", s, pred(LH_PRED_LT, STR("apple")), false},
        {"<= min", s, pred(LH_PRED_LE, STR("apple")), true},
        {"> max", s, pred(LH_PRED_GT, STR("banana")), false},
        {"> prefix of max", s, pred(LH_PRED_GT, STR("banan")), true},
        {"high byte inside (unsigned)", hi, pred(LH_PRED_EQ, STR("\x80")), true},
        {"high byte above (unsigned)", hi, pred(LH_PRED_GT, STR("\xfe")), false},
        {"0xff above", hi, pred(LH_PRED_EQ, STR("\xff")), false},
        {"BLOB constant on VARCHAR", s, pred(LH_PRED_EQ, lh_value_blob("b", 1)), true},
        {"BLOB constant below", s, pred(LH_PRED_EQ, lh_value_blob("A", 1)), false},
        {"truncated: inside", cut, pred(LH_PRED_EQ, STR("abcz")), true},
        {"truncated: the true min", cut, pred(LH_PRED_EQ, STR("abcdef")), true},
        {"truncated: above the rounded max", cut, pred(LH_PRED_EQ, STR("abe")), false},
        {"truncated: below the min prefix", cut, pred(LH_PRED_LT, STR("abc")), false},
        {"truncated: <> bound never prunes", cut_same, pred(LH_PRED_NE, STR("abc")), true},
    };
    RUN(rows);
}

static void prune_floats_and_nan(void)
{
    lh_stats_t s = range(DBL(1.0), DBL(2.0), 0, 10);
    lh_stats_t nan_min = range(DBL(NAN), DBL(2.0), 0, 10);
    lh_stats_t nan_max = range(DBL(1.0), DBL(NAN), 0, 10);
    lh_stats_t zero = range(DBL(-0.0), DBL(0.0), 0, 10);
    lh_stats_t f = range(lh_value_float(1.5f), lh_value_float(2.5f), 0, 10);
    lh_value_t in[] = {DBL(3.0), DBL(0.5)};
    row_t rows[] = {
        {"< below min", s, pred(LH_PRED_LT, DBL(0.5)), false},
        {"<= min", s, pred(LH_PRED_LE, DBL(1.0)), true},
        {"= above", s, pred(LH_PRED_EQ, DBL(3.0)), false},
        {"= inside", s, pred(LH_PRED_EQ, DBL(1.5)), true},
        {"IN outside", s, in_list(in, 2), false},
        /* NaN is left out of Parquet statistics and may sort above all */
        {"> max: NaN rows may exist", s, pred(LH_PRED_GT, DBL(5.0)), true},
        {">= max: NaN rows may exist", s, pred(LH_PRED_GE, DBL(5.0)), true},
        {"= NaN", s, pred(LH_PRED_EQ, DBL(NAN)), true},
        {"< NaN", s, pred(LH_PRED_LT, DBL(NAN)), true},
        {"min NaN ignored", nan_min, pred(LH_PRED_EQ, DBL(0.0)), true},
        {"max NaN ignored, min used", nan_max, pred(LH_PRED_LT, DBL(0.5)), false},
        {"max NaN ignored", nan_max, pred(LH_PRED_EQ, DBL(100.0)), true},
        {"<> the only value", range(DBL(1.0), DBL(1.0), 0, 3), pred(LH_PRED_NE, DBL(1.0)), true},
        {"-0 and +0 bounds: = 0", zero, pred(LH_PRED_EQ, DBL(0.0)), true},
        {"-0 and +0 bounds: = -0", zero, pred(LH_PRED_EQ, DBL(-0.0)), true},
        {"-0 and +0 bounds: < 0", zero, pred(LH_PRED_LT, DBL(0.0)), false},
        {"FLOAT column, DOUBLE constant", f, pred(LH_PRED_EQ, DBL(3.0)), false},
        {"FLOAT column, inside", f, pred(LH_PRED_LE, lh_value_float(1.5f)), true},
    };
    RUN(rows);
}

static void prune_other_types_and_mismatches(void)
{
    lh_stats_t dates = range(lh_value_int(LH_TYPE_DATE, 0), lh_value_int(LH_TYPE_DATE, 10), 0, 5);
    lh_stats_t ts =
        range(lh_value_int(LH_TYPE_TIMESTAMP, -5000000), lh_value_int(LH_TYPE_TIMESTAMP, -1), 0, 5);
    lh_stats_t bools = range(lh_value_bool(false), lh_value_bool(false), 0, 5);
    lh_stats_t ints = range(I32(10), I32(20), 0, 5);
    lh_interval_t a = {1, 0, 0}, b = {2, 0, 0};
    lh_stats_t ivs = range(lh_value_interval(a), lh_value_interval(b), 0, 5);
    lh_stats_t no_min = range(I32(0), I32(20), 0, 5);
    no_min.has_min = false;
    row_t rows[] = {
        {"date = day 11 at midnight (timestamp)", dates,
         pred(LH_PRED_EQ, lh_value_int(LH_TYPE_TIMESTAMP, 11 * 86400000000)), false},
        {"date >= day 10 + 1us", dates,
         pred(LH_PRED_GE, lh_value_int(LH_TYPE_TIMESTAMP, 10 * 86400000000 + 1)), false},
        {"date = day 10", dates, pred(LH_PRED_EQ, lh_value_int(LH_TYPE_DATE, 10)), true},
        {"timestamp before epoch: >= 0", ts, pred(LH_PRED_GE, lh_value_int(LH_TYPE_TIMESTAMP, 0)),
         false},
        {"timestamp >= date -1", ts, pred(LH_PRED_GE, lh_value_int(LH_TYPE_DATE, -1)), true},
        {"all false: = true", bools, pred(LH_PRED_EQ, lh_value_bool(true)), false},
        {"all false: <> true", bools, pred(LH_PRED_NE, lh_value_bool(true)), true},
        {"all false: <> false", bools, pred(LH_PRED_NE, lh_value_bool(false)), false},
        {"INTEGER column, VARCHAR constant", ints, pred(LH_PRED_EQ, STR("99")), true},
        {"INTEGER column, DOUBLE constant", ints, pred(LH_PRED_EQ, DBL(99.0)), true},
        {"INTERVAL has no order", ivs,
         pred(LH_PRED_EQ, lh_value_interval((lh_interval_t){9, 0, 0})), true},
        {"only a max: < 5", no_min, pred(LH_PRED_LT, I32(5)), true},
        {"only a max: > 25", no_min, pred(LH_PRED_GT, I32(25)), false},
        {"invalid-typed constant", ints, pred(LH_PRED_EQ, lh_value_int(LH_TYPE_VARCHAR, 1)), true},
    };
    RUN(rows);
}

static void prune_conjunction(void)
{
    lh_stats_t a = range(I32(0), I32(3), 0, 10), b = range(STR("x"), STR("y"), 0, 10);
    lh_pred_t preds[] = {
        {.column = {1, {0}}, .op = LH_PRED_GT, .value = I32(1)},
        {.column = {2, {1, 0}}, .op = LH_PRED_EQ, .value = STR("xa")},
    };
    const lh_stats_t *both[] = {&a, &b}, *first_only[] = {&a, NULL};
    CHECK(lh_preds_might_match(preds, 2, both));
    preds[1].value = STR("z");
    CHECK(!lh_preds_might_match(preds, 2, both));
    CHECK(lh_preds_might_match(preds, 2, first_only)); /* no statistics for the second */
    preds[0].value = I32(3);
    CHECK(!lh_preds_might_match(preds, 2, first_only));
    CHECK(lh_preds_might_match(preds, 2, NULL));
    CHECK(lh_preds_might_match(preds, 0, both)); /* no predicates: everything */
    /* a scan request is plain data the planner fills in */
    lh_col_path_t cols[] = {{1, {2}}, {2, {2, 0}}};
    lh_scan_req_t req = {.columns = cols, .ncolumns = 2, .preds = preds, .npreds = 2};
    CHECK_EQ_INT(req.columns[1].idx[1], 0);
    CHECK(!req.all_columns);
}

static const lh_test_t tests[] = {
    {"prune_integer_ranges", prune_integer_ranges},
    {"prune_null_semantics", prune_null_semantics},
    {"prune_decimals_by_scaled_integer", prune_decimals_by_scaled_integer},
    {"prune_strings_bytewise_unsigned", prune_strings_bytewise_unsigned},
    {"prune_floats_and_nan", prune_floats_and_nan},
    {"prune_other_types_and_mismatches", prune_other_types_and_mismatches},
    {"prune_conjunction", prune_conjunction},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
