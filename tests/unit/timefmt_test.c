/* Unit tests for core/timefmt: the civil-date conversions against gmtime_r
 * over four centuries, HTTP dates (strict and lenient tables), ISO 8601
 * extended and basic forms, as tables. */
#include <time.h>

#include "core/err.h"
#include "core/timefmt.h"
#include "test.h"

#define T1994 784111777 /* Sun, 06 Nov 1994 08:49:37 GMT */

static void civil_days_match_gmtime(void)
{
    for (int64_t day = -40000; day < 120000; day += 7) {
        int64_t y;
        int m, d;
        lh_time_civil_from_days(day, &y, &m, &d);
        CHECK_EQ_INT(lh_time_days_from_civil(y, m, d), day);
        time_t t = (time_t)(day * 86400);
        struct tm tm;
        CHECK(gmtime_r(&t, &tm) != NULL);
        CHECK_EQ_INT(y, tm.tm_year + 1900);
        CHECK_EQ_INT(m, tm.tm_mon + 1);
        CHECK_EQ_INT(d, tm.tm_mday);
    }
}

static const struct {
    const char *in;
    int rc;
    int64_t t;
} strict[] = {
    {"Sun, 06 Nov 1994 08:49:37 GMT", 0, T1994},
    {"Sunday, 06-Nov-94 08:49:37 GMT", 0, T1994},
    {"Sun Nov  6 08:49:37 1994", 0, T1994},
    {"Tue, 29 Feb 2000 00:00:00 GMT", 0, 951782400},
    {"Sun, 06 Nov 1994 08:49:37 UTC", LH_EINVAL, 0},
    {"Sun, 6 Nov 1994 08:49:37 GMT", LH_EINVAL, 0},
    {"Sun, 06 Nov 1994 08:49:37 GMT ", LH_EINVAL, 0},
    {"Sun, 06 Nov 1994 08:49:37 +0000", LH_EINVAL, 0},
    {"Sun, 06 Nov 1994 25:49:37 GMT", LH_EINVAL, 0},
    {"Sun, 32 Nov 1994 08:49:37 GMT", LH_EINVAL, 0},
    {"Sun, 06 Nov 1994", LH_EINVAL, 0},
    {"", LH_EINVAL, 0},
};

static void http_strict_table(void)
{
    for (size_t i = 0; i < sizeof strict / sizeof strict[0]; i++) {
        int64_t t = -1;
        CHECK_EQ_INT(lh_time_http_parse((lh_str_t){strict[i].in, strlen(strict[i].in)}, &t),
                     strict[i].rc);
        if (strict[i].rc == 0) CHECK_EQ_INT(t, strict[i].t);
    }
}

/* A slice is read to its length only: the bytes after it do not count. */
static void http_strict_reads_the_slice_only(void)
{
    const char *s = "Sun, 06 Nov 1994 08:49:37 GMTxyz";
    int64_t t;
    CHECK_EQ_INT(lh_time_http_parse((lh_str_t){s, strlen(s) - 3}, &t), 0);
    CHECK_EQ_INT(t, T1994);
    CHECK_EQ_INT(lh_time_http_parse((lh_str_t){s, 20}, &t), LH_EINVAL);
}

static const struct {
    const char *in;
    int rc;
    int64_t t;
} lenient[] = {
    {"Sun, 06 Nov 1994 08:49:37 GMT", 0, T1994},
    {"Sun, 06 Nov 1994 08:49:37 +0000", 0, T1994},
    {"Sun, 06 Nov 1994 09:49:37 +0100", 0, T1994},
    {"Sun, 06 Nov 1994 01:49:37 -0700", 0, T1994},
    {"sun, 6 nov 1994 08:49:37 utc", 0, T1994},
    {"Sunday, 06-Nov-94 08:49:37 GMT", 0, T1994},
    {"Sun Nov  6 08:49:37 1994", 0, T1994},
    {"06 Nov 1994 08:49:37 Z", 0, T1994},
    {"Sun, 06 Nov 1960 08:49:37 GMT", LH_EINVAL, 0}, /* before 1970 */
    {"Sun, 06 Foo 1994 08:49:37 GMT", LH_EINVAL, 0},
    {"Sun, 06 Nov 1994", LH_EINVAL, 0},
    {"Sun, 06 Nov 1994 08:49:3x GMT", LH_EINVAL, 0},
    {"Sun, 06 Nov 123456789012 08:49:37 GMT", LH_EINVAL, 0},
    {"", LH_EINVAL, 0},
};

static void http_lenient_table(void)
{
    for (size_t i = 0; i < sizeof lenient / sizeof lenient[0]; i++) {
        int64_t t = -1;
        int rc = lh_time_http_parse_lenient((lh_str_t){lenient[i].in, strlen(lenient[i].in)}, &t);
        if (rc != lenient[i].rc) fprintf(stderr, "  case %zu: \"%s\"\n", i, lenient[i].in);
        CHECK_EQ_INT(rc, lenient[i].rc);
        if (rc == 0) CHECK_EQ_INT(t, lenient[i].t);
    }
}

static void http_format_roundtrip(void)
{
    char out[40];
    lh_time_http_format(T1994, out, sizeof out);
    CHECK_EQ_STR(out, "Sun, 06 Nov 1994 08:49:37 GMT");
    lh_time_http_format(0, out, sizeof out);
    CHECK_EQ_STR(out, "Thu, 01 Jan 1970 00:00:00 GMT");
    for (int64_t t = 0; t < 4102444800; t += 86400 * 37 + 3671) {
        int64_t back;
        lh_time_http_format(t, out, sizeof out);
        CHECK_EQ_INT(lh_time_http_parse((lh_str_t){out, strlen(out)}, &back), 0);
        CHECK_EQ_INT(back, t);
    }
    lh_time_http_format(T1994, out, 8);
    CHECK_EQ_STR(out, "Sun, 06");
}

static const struct {
    int64_t ns;
    int digits;
    const char *want;
} isofmt[] = {
    {(int64_t)T1994 * 1000000000 + 123456789, 3, "1994-11-06T08:49:37.123Z"},
    {(int64_t)T1994 * 1000000000 + 123456789, 0, "1994-11-06T08:49:37Z"},
    {(int64_t)T1994 * 1000000000 + 123456789, 9, "1994-11-06T08:49:37.123456789Z"},
    {(int64_t)T1994 * 1000000000 + 5000000, 3, "1994-11-06T08:49:37.005Z"},
    {0, 3, "1970-01-01T00:00:00.000Z"},
    {-1, 3, "1969-12-31T23:59:59.999Z"},
};

static void iso8601_format_table(void)
{
    for (size_t i = 0; i < sizeof isofmt / sizeof isofmt[0]; i++) {
        char out[40];
        size_t n = lh_time_iso8601_format(isofmt[i].ns, isofmt[i].digits, out, sizeof out);
        CHECK_EQ_STR(out, isofmt[i].want);
        CHECK_EQ_INT(n, strlen(isofmt[i].want));
    }
    char small[11];
    CHECK_EQ_INT(lh_time_iso8601_format(0, 3, small, sizeof small), 10);
    CHECK_EQ_STR(small, "1970-01-01");
}

static const struct {
    const char *in;
    int rc;
    int64_t t;
} isoparse[] = {
    {"1994-11-06T08:49:37.000Z", 0, T1994},  {"1994-11-06T08:49:37Z", 0, T1994},
    {"1994-11-06T08:49:37", 0, T1994},       {"1994-11-06T08:49:37.123456+00:00", 0, T1994},
    {"1994-11-06T10:49:37+02:00", 0, T1994}, {"1994-11-06T01:49:37-07:00", 0, T1994},
    {"1994-11-06 08:49:37Z", LH_EINVAL, 0},  {"1994-11-06T08:49:37.Z", LH_EINVAL, 0},
    {"1994-13-06T08:49:37Z", LH_EINVAL, 0},  {"1994-11-06T08:49:37Zjunk", LH_EINVAL, 0},
    {"1994-11-06T08:49", LH_EINVAL, 0},      {"", LH_EINVAL, 0},
};

static void iso8601_parse_table(void)
{
    for (size_t i = 0; i < sizeof isoparse / sizeof isoparse[0]; i++) {
        int64_t t = -1;
        int rc = lh_time_iso8601_parse((lh_str_t){isoparse[i].in, strlen(isoparse[i].in)}, &t);
        if (rc != isoparse[i].rc) fprintf(stderr, "  case %zu: \"%s\"\n", i, isoparse[i].in);
        CHECK_EQ_INT(rc, isoparse[i].rc);
        if (rc == 0) CHECK_EQ_INT(t, isoparse[i].t);
    }
}

static void iso8601_basic(void)
{
    char out[17];
    int64_t t;
    lh_time_iso8601_basic_format(T1994, out);
    CHECK_EQ_STR(out, "19941106T084937Z");
    CHECK_EQ_INT(lh_time_iso8601_basic_parse(LH_STR("19941106T084937Z"), &t), 0);
    CHECK_EQ_INT(t, T1994);
    CHECK_EQ_INT(lh_time_iso8601_basic_parse(LH_STR("19941106T084937"), &t), LH_EINVAL);
    CHECK_EQ_INT(lh_time_iso8601_basic_parse(LH_STR("19691106T084937Z"), &t), LH_EINVAL);
    CHECK_EQ_INT(lh_time_iso8601_basic_parse(LH_STR("19941306T084937Z"), &t), LH_EINVAL);
    CHECK_EQ_INT(lh_time_iso8601_basic_parse(LH_STR("1994110XT084937Z"), &t), LH_EINVAL);
}

static const lh_test_t tests[] = {
    {"civil_days_match_gmtime", civil_days_match_gmtime},
    {"http_strict_table", http_strict_table},
    {"http_strict_reads_the_slice_only", http_strict_reads_the_slice_only},
    {"http_lenient_table", http_lenient_table},
    {"http_format_roundtrip", http_format_roundtrip},
    {"iso8601_format_table", iso8601_format_table},
    {"iso8601_parse_table", iso8601_parse_table},
    {"iso8601_basic", iso8601_basic},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
