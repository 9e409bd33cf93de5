/* The file layer of read_csv / read_json: the glob matcher, the CSV record
 * parser on every split of its input, and the sniffer's choices. */
#include "sql/exec/csv.h"
#include "sql/exec/files.h"
#include "test.h"

static void test_glob(void)
{
    CHECK(lh__glob_match("*.csv", "a.csv"));
    CHECK(!lh__glob_match("*.csv", "d/a.csv"));
    CHECK(lh__glob_match("d/**/*.csv", "d/a.csv"));
    CHECK(lh__glob_match("d/**/*.csv", "d/x/y/a.csv"));
    CHECK(!lh__glob_match("d/**/*.csv", "e/x/a.csv"));
    CHECK(lh__glob_match("d/**", "d/x/y"));
    CHECK(lh__glob_match("f?.[ct]sv", "f1.tsv"));
    CHECK(!lh__glob_match("f?.[!ct]sv", "f1.tsv"));
    CHECK(lh__glob_match("ds=202[0-4]-*/h=*/p.csv", "ds=2024-01-01/h=05/p.csv"));
    CHECK(!lh__glob_match("a?b", "a/b"));
}

static void test_hive_parts(void)
{
    lh_arena_t *a = lh_arena_new(1024);
    const char *k[4], *v[4];
    uint32_t n = lh__hive_parts(a, "s/ds=2024-01-01/city=New%20York/f.csv", k, v, 4);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(k[0], "ds");
    CHECK_EQ_STR(v[0], "2024-01-01");
    CHECK_EQ_STR(v[1], "New York");
    lh_arena_free(a);
}

/* Every record of text, fed in pieces of every size. */
static void test_csv_splits(void)
{
    const char *text = "a,\"b \"\"q\"\"\",c\r\n\"multi\nline\",,\"\"\nlast,x,y";
    size_t len = strlen(text);
    lh_csv_dialect_t d = {',', '"', 0};
    for (size_t piece = 1; piece <= len; piece++) {
        lh_csv_row_t row = {0};
        size_t at = 0, avail = 0;
        int records = 0;
        lh_err_t e = {0};
        for (;;) {
            size_t used = 0;
            bool eof = avail == len;
            int rc = lh__csv_record(&d, text + at, avail - at, eof, &row, &used, &e);
            CHECK(rc >= 0);
            if (rc == 0) {
                if (eof) break;
                avail = avail + piece > len ? len : avail + piece;
                continue;
            }
            records++;
            CHECK_EQ_INT(row.n, 3);
            if (records == 1)
                CHECK(row.flen[1] == 5 && !memcmp(row.buf + row.off[1], "b \"q\"", 5));
            if (records == 2) CHECK(row.flen[0] == 10 && row.quoted[2] && !row.flen[2]);
            at += used;
        }
        CHECK_EQ_INT(records, 3);
        lh__csv_row_free(&row);
    }
}

static void test_csv_unterminated(void)
{
    lh_csv_dialect_t d = {',', '"', 0};
    lh_csv_row_t row = {0};
    size_t used;
    lh_err_t e = {0};
    CHECK_EQ_INT(lh__csv_record(&d, "1,\"abc", 6, true, &row, &used, &e), LH_EINVAL);
    CHECK(strstr(e.msg, "unterminated"));
    CHECK_EQ_INT(lh__csv_record(&d, "1,\"abc", 6, false, &row, &used, &e), 0);
    lh__csv_row_free(&row);
}

static void test_sniff(void)
{
    lh_arena_t *a = lh_arena_new(4096);
    const char *s = "id;name;when;ok\n1;x;2024-01-01;true\n2;;2024-01-02;false\n";
    lh_csv_sniff_t sn = {.header = -1};
    lh_err_t e = {0};
    CHECK_EQ_INT(lh__csv_sniff(a, s, strlen(s), true, &sn, &e), 0);
    CHECK_EQ_INT(sn.d.delim, ';');
    CHECK_EQ_INT(sn.header, 1);
    CHECK_EQ_INT(sn.ncols, 4);
    CHECK_EQ_STR(sn.names[2], "when");
    CHECK_EQ_INT(sn.types[0], LH_TYPE_BIGINT);
    CHECK_EQ_INT(sn.types[1], LH_TYPE_VARCHAR);
    CHECK_EQ_INT(sn.types[2], LH_TYPE_DATE);
    CHECK_EQ_INT(sn.types[3], LH_TYPE_BOOLEAN);
    lh_csv_sniff_t sn2 = {.header = -1};
    const char *t = "1\t2\n3\t4.5\n"; /* a first row that fits the types is data */
    CHECK_EQ_INT(lh__csv_sniff(a, t, strlen(t), true, &sn2, &e), 0);
    CHECK_EQ_INT(sn2.d.delim, '\t');
    CHECK_EQ_INT(sn2.header, 0);
    CHECK_EQ_STR(sn2.names[1], "column1");
    CHECK_EQ_INT(sn2.types[1], LH_TYPE_DOUBLE);
    lh_arena_free(a);
}

static const lh_test_t tests[] = {
    {"glob", test_glob},
    {"hive_parts", test_hive_parts},
    {"csv_splits", test_csv_splits},
    {"csv_unterminated", test_csv_unterminated},
    {"sniff", test_sniff},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return lh_test_main(tests, argc, argv);
}
