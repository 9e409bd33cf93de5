/* The file layer of read_csv / read_json: the glob matcher, the CSV record
 * parser on every split of its input, and the sniffer's choices. */
#include <jansson.h>
#include <stdlib.h>

#include "sql/exec/csv.h"
#include "sql/exec/files.h"
#include "sql/exec/ndjson.h"
#include "sql/func/json_scan.h"
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

static void test_json_line(void)
{
    const char *keys[] = {"a", "b", "c"};
    lh_json_span_t sp[3];
    const char *why = NULL;
    const char *ok = " {\"b\": [1, {\"x\": \"]\"}], \"a\":\"q\\\"\", \"z\": null , \"a\": -1.5e3} ";
    CHECK_EQ_INT(lh__json_line(ok, strlen(ok), keys, 3, sp, NULL, &why), 0);
    CHECK(sp[0].kind == '-' && sp[0].n == 6 && !memcmp(sp[0].p, "-1.5e3", 6)); /* the last wins */
    CHECK(sp[1].kind == '[' && sp[1].n == 15);
    CHECK(sp[2].kind == 0);
    CHECK_EQ_INT(lh__json_line("   ", 3, keys, 3, sp, NULL, &why), 1);
    static const char *const bad[] = {
        "[1]",         "{\"a\":1",          "{\"a\" 1}",       "{\"a\":01}",  "{\"a\":1.}",
        "{\"a\":tru}", "{\"a\":\"x}",       "{\"a\":\"\\q\"}", "{\"a\":1} x", "{\"a\":[1,]}",
        "{a:1}",       "{\"a\":\"\\u12\"}", "{\"a\":1,}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        CHECK_EQ_INT(lh__json_line(bad[i], strlen(bad[i]), keys, 3, sp, NULL, &why), -1);
        CHECK(why != NULL);
        char ub[64];
        why = NULL; /* reading the strings sought into a buffer finds the same faults */
        CHECK_EQ_INT(lh__json_line(bad[i], strlen(bad[i]), keys, 3, sp, ub, &why), -1);
        CHECK(why != NULL);
    }
    /* strings sought are unescaped as the line is read (a \\u escape: later) */
    char ub[256];
    const char *esc = "{\"a\":\"plain text, longer than a "
                      "word\",\"b\":\"q\\\"\\\\\\/\\t\\\"tail\",\"x\":\"\\\"\","
                      "\"c\":\"\\u00e9\"}";
    CHECK_EQ_INT(lh__json_line(esc, strlen(esc), keys, 3, sp, ub, &why), 0);
    CHECK(sp[0].u && sp[0].un == 30 && !memcmp(sp[0].u, "plain text, longer than a word", 30));
    CHECK(sp[1].u && sp[1].un == 10 && !memcmp(sp[1].u, "q\"\\/\t\"tail", 10));
    CHECK(sp[2].kind == '"' && !sp[2].u);
    for (int cut = 0; cut < 40; cut++) { /* every length of a plain run around eight */
        char line[128], want[64];
        memset(want, 'a' + cut % 26, sizeof want);
        int n = snprintf(line, sizeof line, "{\"a\":\"%.*s\\n%.*s\"}", cut, want, cut % 9, want);
        CHECK_EQ_INT(lh__json_line(line, (size_t)n, keys, 3, sp, ub, &why), 0);
        CHECK(sp[0].u && (int)sp[0].un == cut + 1 + cut % 9 && sp[0].u[cut] == '\n');
    }
    char out[32];
    size_t len;
    CHECK_EQ_INT(lh_json_unescape("\\u00e9\\ud83d\\ude00\\n", 20, false, out, &len), 0);
    CHECK(len == 7 && !memcmp(out, "\xc3\xa9\xf0\x9f\x98\x80\n", 7));
    CHECK_EQ_INT(lh_json_unescape("\\ud83d", 6, false, out, &len),
                 LH_EINVAL); /* a lone surrogate */
}

/* Strings read in blocks (json_line.c: sixty-four bytes at a time where the
 * CPU has AVX-512 VBMI2, sixteen where it has SSSE3) agree with jansson on
 * random strings of escapes, plain runs, control and non-ASCII bytes, at
 * every offset against the blocks: the same verdict, and the same bytes for
 * a string sought (a \u escape: left to lh_json_unescape, then the same
 * bytes), whether the string is sought or skipped. */
static void json_line_strings(void)
{
    static const char *const pieces[] = {
        "a", "bcdefgh", "0123456789abcdef0123", "\\\"",     "\\\\",     "\\/", "\\n",  "\\t", "\\b",
        "/", "\\u00e9", "\\ud83d\\ude00",       "\xc3\xa9", "\\\\\\\"", "\\q", "\x01", "\"",
    };
    const size_t np = sizeof pieces / sizeof pieces[0];
    const char *keys[] = {"a"};
    lh_json_span_t sp[1];
    uint64_t seed = 0x9e3779b97f4a7c15u;
    char line[1200], ub[1200], want[1200];
    int checked = 0, valid = 0;
    for (int t = 0; t < 20000; t++) {
        char body[1100];
        size_t bn = 0;
        int lead = t % 67; /* the string's start against the blocks */
        memset(body, 'x', (size_t)lead);
        bn = (size_t)lead;
        int count = (int)(t % 47); /* at most 46 pieces of at most 20 bytes */
        for (int i = 0; i < count; i++) {
            seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
            /* mostly valid pieces: the invalid ones (last three) one time in 32 */
            size_t k = (seed >> 8) % 32 ? (seed >> 16) % (np - 3) : np - 3 + (seed >> 16) % 3;
            size_t pl = strlen(pieces[k]);
            memcpy(body + bn, pieces[k], pl);
            bn += pl;
        }
        for (int sought = 0; sought < 2; sought++) {
            int n =
                snprintf(line, sizeof line, "{\"%s\":\"%.*s\"}", sought ? "a" : "z", (int)bn, body);
            json_error_t jerr;
            json_t *j = json_loadb(line, (size_t)n, JSON_ALLOW_NUL, &jerr);
            const char *why = NULL;
            int rc = lh__json_line(line, (size_t)n, keys, 1, sp, ub, &why);
            CHECK_EQ_INT(rc, j ? 0 : -1);
            if (j && sought) {
                json_t *v = json_object_get(j, "a");
                size_t wn = json_string_length(v);
                memcpy(want, json_string_value(v), wn);
                if (sp[0].u) {
                    CHECK(sp[0].un == wn && !memcmp(sp[0].u, want, wn));
                } else { /* a \u escape: unescaped later, from the raw span */
                    size_t len;
                    CHECK(memchr(body, 'u', bn) != NULL);
                    CHECK_EQ_INT(lh_json_unescape(sp[0].p + 1, sp[0].n - 2, true, ub, &len), 0);
                    CHECK(len == wn && !memcmp(ub, want, wn));
                }
                valid++;
            }
            json_decref(j);
            checked++;
        }
    }
    CHECK(checked == 40000 && valid > 5000 && valid < 39000); /* both kinds were met */
}

static void test_json_line_strings(void)
{
    json_line_strings();
}

/* The same where the CPU has no AVX-512 (or LH_NO_AVX512 is set): sixteen
 * bytes at a time. */
static void test_json_line_strings_sse(void)
{
    setenv("LH_NO_AVX512", "1", 1); /* read once, at the first string: each test is a fork */
    json_line_strings();
}

static const lh_test_t tests[] = {
    {"json_line", test_json_line},
    {"json_line_strings", test_json_line_strings},
    {"json_line_strings_sse", test_json_line_strings_sse},
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
