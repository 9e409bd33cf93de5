/* `lakehouse ingest`'s pure parts (src/cmd/ingest_fmt.c): a record as a
 * bronze line (valid JSON for any bytes, read back by jansson to the same
 * text where the bytes are UTF-8), the interval's object names, _ranges.json
 * written and read back, and the command line's values. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/ingest_int.h"
#include "core/err.h"
#include "core/str.h"
#include "test.h"

static char *line_as_is(int32_t p, int64_t o, int64_t ts, const char *k, size_t kl, const char *v,
                        size_t vl, bool *as_is)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    int rc = lh__ingest_line(&b, p, o, ts, k, kl, v, vl, as_is);
    char *s = lh_buf_take(&b, NULL);
    return rc ? (free(s), strdup("")) : s;
}

static char *line(int32_t p, int64_t o, int64_t ts, const char *k, size_t kl, const char *v,
                  size_t vl)
{
    return line_as_is(p, o, ts, k, kl, v, vl, NULL);
}

/* as_is: a JSON reader (jansson here; the scan cache's test reads lines
 * with read_json) gets key and value back as the very bytes exactly when
 * the line says so: not with a NUL nor a byte outside well-formed UTF-8. */
static void line_says_when_read_back_as_is(void)
{
    static const struct {
        const char *k, *v;
        size_t vl; /* 0: strlen */
        bool as_is;
    } cases[] = {
        {"k", "{\"a\":\"b\\\\c\"}", 0, true},
        {NULL, "tab\there\nline \x01\x1f\x7f \xc3\xa9 \xe2\x82\xac", 0, true},
        {"", "", 0, true},
        {"k", "a\0b", 3, false},
        {"k", "bad \xff byte", 0, false},
        {"\xc3", "v", 0, false},
        {"k", "\xed\xa0\x80 a surrogate", 0, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *key = cases[i].k, *val = cases[i].v;
        size_t kl = key ? strlen(key) : 0, vl = cases[i].vl ? cases[i].vl : strlen(val);
        bool as_is = !cases[i].as_is;
        char *s = line_as_is(1, 2, 3, key, kl, val, vl, &as_is);
        CHECK_EQ_INT(as_is, cases[i].as_is);
        json_error_t je;
        json_t *doc = json_loads(s, JSON_ALLOW_NUL, &je);
        CHECK(doc != NULL);
        json_t *v = json_object_get(doc, "value"), *k = json_object_get(doc, "key");
        bool same = json_string_length(v) == vl && !memcmp(json_string_value(v), val, vl) &&
                    (key ? json_string_length(k) == kl && !memcmp(json_string_value(k), key, kl)
                         : json_is_null(k));
        CHECK_EQ_INT(same, cases[i].as_is);
        json_decref(doc);
        free(s);
    }
}

static void line_has_the_record_fields(void)
{
    char *s = line(2, 41, 1733356800123LL, "k1", 2, "{\"a\":1}", 7);
    CHECK_EQ_STR(s, "{\"partition\":2,\"offset\":41,\"timestamp\":1733356800123,\"key\":\"k1\","
                    "\"value\":\"{\\\"a\\\":1}\"}\n");
    free(s);
    s = line(0, 0, 5, NULL, 0, NULL, 0);
    CHECK_EQ_STR(s, "{\"partition\":0,\"offset\":0,\"timestamp\":5,\"key\":null,\"value\":null}\n");
    free(s);
}

/* The numbers as printf writes them, at every power of ten and around it,
 * negative ones and the extremes. */
static void line_numbers_as_printf(void)
{
    int64_t vals[64 * 3 + 4];
    size_t n = 0;
    for (int64_t p10 = 1, d = 0; d < 19; d++) {
        vals[n++] = p10 - 1;
        vals[n++] = p10;
        vals[n++] = -p10 - 7;
        if (d < 18) p10 *= 10; /* 10^18 the last: 10^19 is past INT64_MAX */
    }
    vals[n++] = INT64_MAX;
    vals[n++] = INT64_MIN;
    vals[n++] = 1796659200000LL;
    vals[n++] = -1;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t part = (int32_t)(vals[i] % 1000003);
        char *s = line(part, vals[i], vals[n - 1 - i], NULL, 0, NULL, 0), want[160];
        snprintf(
            want, sizeof want,
            "{\"partition\":%d,\"offset\":%lld,\"timestamp\":%lld,\"key\":null,\"value\":null}\n",
            part, (long long)vals[i], (long long)vals[n - 1 - i]);
        if (strcmp(s, want) && bad++ < 3) fprintf(stderr, "  got %s  want %s", s, want);
        free(s);
    }
    CHECK_EQ_INT(bad, 0);
}

static void line_escapes_controls_quotes_and_bad_utf8(void)
{
    const char v[] = "a\"b\\c\n\t\x01\x7f é \xff\xc3";
    char *s = line(0, 1, 2, "", 0, v, sizeof v - 1);
    CHECK(strstr(s, "\"key\":\"\""));
    CHECK(strstr(s, "\"value\":\"a\\\"b\\\\c\\n\\t\\u0001\\u007f é \\u00ff\\u00c3\"}"));
    free(s);
}

/* Every byte value, alone and in a run, gives one line jansson parses; where
 * the payload is UTF-8 the parsed value equals it. */
static void line_is_json_for_every_byte(void)
{
    char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (char)i;
    char *s = line(0, 0, 0, all, 256, all + 1, 127);
    CHECK_EQ_INT((int)(strchr(s, '\n') - s), (int)strlen(s) - 1);
    json_error_t je;
    json_t *doc = json_loads(s, JSON_ALLOW_NUL, &je);
    CHECK(doc != NULL);
    const char *val = json_string_value(json_object_get(doc, "value"));
    CHECK(val && json_string_length(json_object_get(doc, "value")) == 127);
    CHECK(val && !memcmp(val, all + 1, 127));
    /* NUL as U+FFFD (3 bytes), 1..127 as themselves, 128..255 as U+0080..U+00FF */
    CHECK_EQ_INT((int)json_string_length(json_object_get(doc, "key")), 3 + 127 + 128 * 2);
    CHECK(!memcmp(json_string_value(json_object_get(doc, "key")), "\xef\xbf\xbd\x01", 4));
    json_decref(doc);
    free(s);
}

/* The escaper byte by byte, as the rules say: printable ASCII but '"' and
 * '\\' as it is, a whole UTF-8 character as it is, the rest escaped. */
static size_t reference(const char *p, size_t n, char *o)
{
    size_t k = 0;
    o[k++] = '"';
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)p[i];
        size_t u = c >= 0x80 ? lh_utf8_char(p + i, n - i, NULL) : 0;
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            o[k++] = (char)c, i++;
        } else if (u) {
            memcpy(o + k, p + i, u), k += u, i += u;
        } else {
            if (c == '"' || c == '\\')
                k += (size_t)sprintf(o + k, "\\%c", c);
            else if (c == '\n' || c == '\t' || c == '\r' || c == '\b' || c == '\f')
                k += (size_t)sprintf(o + k, "\\%c",
                                     c == '\n'   ? 'n'
                                     : c == '\t' ? 't'
                                     : c == '\r' ? 'r'
                                     : c == '\b' ? 'b'
                                                 : 'f');
            else if (!c)
                k += (size_t)sprintf(o + k, "\\ufffd");
            else
                k += (size_t)sprintf(o + k, "\\u%04x", c);
            i++;
        }
    }
    o[k++] = '"';
    return k;
}

/* Random payloads (ASCII runs, quotes, backslashes, controls, DEL, UTF-8
 * characters, stray high bytes) escape as the byte-by-byte rules do: thirty-
 * two bytes at a time where the CPU has AVX-512 VBMI2, else eight. */
static void escaping_matches_the_rules(void)
{
    static const char *const pieces[] = {
        "abcdefgh",         "\"",   "\\",   "\n", "\x01",       "\x7f", "\xc3\xa9", "\xe2\x82\xac",
        "\xf0\x9f\x98\x80", "\xff", "\xc3", " ",  "0123456789", "\x00"};
    uint64_t rng = 7;
    int bad = 0;
    for (int r = 0; r < 20000; r++) {
        char in[512], want[4096];
        size_t n = 0;
        for (int m = (int)(rng % 24); m > 0; m--) {
            rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
            const char *piece = pieces[rng % 14];
            size_t pl = rng % 14 == 13 ? 1 : strlen(piece);
            memcpy(in + n, piece, pl);
            n += pl;
        }
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        size_t wn = reference(in, n, want);
        lh_buf_t b;
        lh_buf_init(&b, 0);
        lh__ingest_json_string(&b, in, n);
        bad += b.len != wn || memcmp(b.ptr, want, wn);
        lh_buf_free(&b);
    }
    CHECK_EQ_INT(bad, 0);
}

/* The same without AVX-512: sixteen bytes at a time where the CPU has SSSE3
 * (each test runs in its own fork). */
static void escaping_matches_the_rules_narrow(void)
{
    setenv("LH_NO_AVX512", "1", 1);
    escaping_matches_the_rules();
}

/* And with the eight-byte path only. */
static void escaping_matches_the_rules_narrowest(void)
{
    setenv("LH_NO_AVX512", "1", 1);
    setenv("LH_NO_SSSE3", "1", 1);
    escaping_matches_the_rules();
}

static void names_of_an_interval(void)
{
    char ivl[256], k[256];
    /* 2024-12-05T13:00:00Z */
    CHECK_EQ_INT(
        lh__ingest_interval_prefix(ivl, sizeof ivl, "bronze/chain_transfers", 1733403600000LL), 0);
    CHECK_EQ_STR(ivl, "bronze/chain_transfers/ds=2024-12-05/hour=13/");
    lh_ingest_range_t r = {.partition = 3, .first = 100, .end = 250};
    CHECK_EQ_INT(lh__ingest_part_key(k, sizeof k, ivl, &r), 0);
    CHECK_EQ_STR(k, "bronze/chain_transfers/ds=2024-12-05/hour=13/part-p3-100-249.jsonl.zst");
    CHECK_EQ_INT(lh__ingest_interval_prefix(ivl, sizeof ivl, "", 0), 0);
    CHECK_EQ_STR(ivl, "ds=1970-01-01/hour=00/");
    CHECK_EQ_INT(lh__ingest_interval_prefix(ivl, 10, "bronze", 0), LH_ETOOBIG);
}

static void ranges_round_trip(void)
{
    static lh_ingest_ranges_t rs, back;
    snprintf(rs.topic, sizeof rs.topic, "chain.transfers");
    rs.start_ms = 1733403600000LL;
    rs.end_ms = rs.start_ms + 3600000;
    rs.n = 3;
    rs.r[0] = (lh_ingest_range_t){0, 10, 20};
    rs.r[1] = (lh_ingest_range_t){1, 0, 0};
    rs.r[2] = (lh_ingest_range_t){2, 7, 9};
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh__ingest_ranges_json(&b, &rs), 0);
    lh_err_t e = {0};
    CHECK_EQ_INT(lh__ingest_ranges_parse(b.ptr, b.len, &back, &e), 0);
    CHECK_EQ_STR(back.topic, "chain.transfers");
    CHECK_EQ_INT(back.start_ms, rs.start_ms);
    CHECK_EQ_INT(back.end_ms, rs.end_ms);
    CHECK_EQ_INT(back.n, 3);
    CHECK(!memcmp(back.r, rs.r, 3 * sizeof rs.r[0]));
    CHECK(lh__ingest_ranges_find(&back, 1) && lh__ingest_ranges_find(&back, 1)->end == 0);
    CHECK(lh__ingest_ranges_find(&back, 7) == NULL);
    lh_buf_t again;
    lh_buf_init(&again, 0);
    lh__ingest_ranges_json(&again, &back);
    CHECK_EQ_STR(again.ptr, b.ptr); /* the same ranges, the same bytes */
    lh_buf_free(&b);
    lh_buf_free(&again);
}

static void ranges_refuse_bad_documents(void)
{
    static lh_ingest_ranges_t rs;
    const char *bad[] = {
        "",
        "[]",
        "{\"topic\":\"t\",\"start\":0,\"end\":1}",
        "{\"topic\":\"t\",\"start\":0,\"end\":1,\"partitions\":[{\"partition\":0,\"first\":5,"
        "\"end\":4}]}",
        "{\"topic\":\"t\",\"start\":0,\"end\":1,\"partitions\":[{\"partition\":1,\"first\":0,"
        "\"end\":0},{\"partition\":1,\"first\":0,\"end\":0}]}",
        "{\"topic\":\"t\",\"start\":0,\"end\":1,\"partitions\":[{\"partition\":-1,\"first\":0,"
        "\"end\":0}]}",
        NULL,
    };
    for (int i = 0; bad[i]; i++) {
        lh_err_t e = {0};
        CHECK_EQ_INT(lh__ingest_ranges_parse(bad[i], strlen(bad[i]), &rs, &e), LH_EINVAL);
        CHECK(e.msg[0] != 0);
    }
}

static void command_line_values(void)
{
    char bucket[64], prefix[64];
    CHECK_EQ_INT(lh__ingest_split_url("s3://lakehouse/bronze/chain_transfers/", bucket,
                                      sizeof bucket, prefix, sizeof prefix),
                 0);
    CHECK_EQ_STR(bucket, "lakehouse");
    CHECK_EQ_STR(prefix, "bronze/chain_transfers");
    CHECK_EQ_INT(lh__ingest_split_url("s3://b", bucket, sizeof bucket, prefix, sizeof prefix), 0);
    CHECK_EQ_STR(prefix, "");
    CHECK_EQ_INT(lh__ingest_split_url("/tmp/x", bucket, 64, prefix, 64), LH_EINVAL);
    CHECK_EQ_INT(lh__ingest_split_url("s3:///x", bucket, 64, prefix, 64), LH_EINVAL);
    int64_t v;
    CHECK_EQ_INT(lh__ingest_parse_time("2024-12-05T13:00:00Z", &v), 0);
    CHECK_EQ_INT(v, 1733403600000LL);
    CHECK_EQ_INT(lh__ingest_parse_time("2024-12-05 13:00:00+00:00", &v), 0);
    CHECK_EQ_INT(v, 1733403600000LL);
    CHECK_EQ_INT(lh__ingest_parse_time("1733403600000", &v), 0);
    CHECK_EQ_INT(v, 1733403600000LL);
    CHECK_EQ_INT(lh__ingest_parse_time("yesterday", &v), LH_EINVAL);
}

static const lh_test_t tests[] = {
    {"line_has_the_record_fields", line_has_the_record_fields},
    {"line_numbers_as_printf", line_numbers_as_printf},
    {"line_says_when_read_back_as_is", line_says_when_read_back_as_is},
    {"line_escapes_controls_quotes_and_bad_utf8", line_escapes_controls_quotes_and_bad_utf8},
    {"line_is_json_for_every_byte", line_is_json_for_every_byte},
    {"escaping_matches_the_rules", escaping_matches_the_rules},
    {"escaping_matches_the_rules_narrow", escaping_matches_the_rules_narrow},
    {"escaping_matches_the_rules_narrowest", escaping_matches_the_rules_narrowest},
    {"names_of_an_interval", names_of_an_interval},
    {"ranges_round_trip", ranges_round_trip},
    {"ranges_refuse_bad_documents", ranges_refuse_bad_documents},
    {"command_line_values", command_line_values},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
