/* Date parsing and formatting for HTTP, S3 and SigV4 over H. Hinnant's
 * civil-from-days algorithms, so no call depends on the process time zone.
 * The strict HTTP parser walks the three RFC 9110 forms literally; the
 * lenient one reads tokens (weekday, day, month, year, time, zone) in any of
 * those layouts, as S3 does for Date headers. */
#include "core/timefmt.h"
#include "core/err.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

int64_t lh_time_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void lh_time_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t mk_time(int64_t y, int mo, int d, int h, int mi, int s)
{
    return lh_time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

/* Splits t into a date and the seconds of that day (floor division). */
static void split(int64_t t, int64_t *y, int *mo, int *d, int *sod, int64_t *days)
{
    *days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    *sod = (int)(t - *days * 86400);
    lh_time_civil_from_days(*days, y, mo, d);
}

static void put_digits(char *p, int64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
}

/* --- HTTP dates (RFC 9110 5.6.7): IMF-fixdate out; all three forms in --- */

static const char wdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void lh_time_http_format(int64_t t, char *out, size_t cap)
{
    int64_t y, days;
    int m, d, secs;
    split(t, &y, &m, &d, &secs, &days);
    int wd = (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
    snprintf(out, cap, "%s, %02d %s %04lld %02d:%02d:%02d GMT", wdays[wd], d, months[m - 1],
             (long long)y, secs / 3600, secs / 60 % 60, secs % 60);
}

typedef struct {
    const char *p, *end;
} cur_t;

/* Reads exactly n digits. Returns the value or -1. */
static int digits(cur_t *c, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++, c->p++) {
        if (c->p >= c->end || *c->p < '0' || *c->p > '9') return -1;
        v = v * 10 + (*c->p - '0');
    }
    return v;
}

static int starts(const cur_t *c, const char *l, size_t n)
{
    return (size_t)(c->end - c->p) >= n && memcmp(c->p, l, n) == 0;
}

static int lit(cur_t *c, const char *l)
{
    size_t n = strlen(l);
    if (!starts(c, l, n)) return -1;
    c->p += n;
    return 0;
}

static int month_of(cur_t *c)
{
    for (int i = 0; i < 12; i++)
        if (starts(c, months[i], 3)) {
            c->p += 3;
            return i + 1;
        }
    return -1;
}

static int hms(cur_t *c, int *h, int *mi, int *se)
{
    if ((*h = digits(c, 2)) < 0 || lit(c, ":") || (*mi = digits(c, 2)) < 0 || lit(c, ":") ||
        (*se = digits(c, 2)) < 0)
        return -1;
    return (*h > 23 || *mi > 59 || *se > 60) ? -1 : 0;
}

/* Skips a weekday name: long ("Sunday") or short ("Sun"). */
static int skip_wday(cur_t *c, int longname)
{
    static const char *const longs[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                         "Thursday", "Friday", "Saturday"};
    for (int i = 0; i < 7; i++) {
        const char *name = longname ? longs[i] : wdays[i];
        if (starts(c, name, strlen(name))) {
            c->p += strlen(name);
            return 0;
        }
    }
    return -1;
}

int lh_time_http_parse(lh_str_t s, int64_t *t)
{
    int y = 0, m, d, h, mi, se;
    const cur_t start = {s.ptr, s.ptr + s.len};
    cur_t c = start;
    if (!skip_wday(&c, 0) && !lit(&c, ", ")) { /* IMF-fixdate */
        if ((d = digits(&c, 2)) < 0 || lit(&c, " ") || (m = month_of(&c)) < 0 || lit(&c, " ") ||
            (y = digits(&c, 4)) < 0 || lit(&c, " ") || hms(&c, &h, &mi, &se) || lit(&c, " GMT"))
            return LH_EINVAL;
    } else if (c = start, !skip_wday(&c, 1) && !lit(&c, ", ")) { /* RFC 850 */
        if ((d = digits(&c, 2)) < 0 || lit(&c, "-") || (m = month_of(&c)) < 0 || lit(&c, "-") ||
            (y = digits(&c, 2)) < 0 || lit(&c, " ") || hms(&c, &h, &mi, &se) || lit(&c, " GMT"))
            return LH_EINVAL;
        y += y < 70 ? 2000 : 1900;
    } else if (c = start, !skip_wday(&c, 0) && !lit(&c, " ")) { /* asctime */
        if ((m = month_of(&c)) < 0 || lit(&c, " ")) return LH_EINVAL;
        if (starts(&c, " ", 1))
            c.p++, d = digits(&c, 1);
        else
            d = digits(&c, 2);
        if (d < 0 || lit(&c, " ") || hms(&c, &h, &mi, &se) || lit(&c, " ") ||
            (y = digits(&c, 4)) < 0)
            return LH_EINVAL;
    } else {
        return LH_EINVAL;
    }
    if (c.p != c.end || d < 1 || d > 31) return LH_EINVAL;
    *t = mk_time(y, m, d, h, mi, se);
    return 0;
}

/* --- the lenient reading (S3 Date headers) --- */

static int is_sp(char c)
{
    return c == ' ' || c == '\t';
}

/* n digits at p into *out: 0, or -1 when one is not a digit. */
static int ndigits(const char *p, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return 0;
}

static int valid_tm(int y, int mo, int d, int h, int mi, int s)
{
    return y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 &&
           mi <= 59 && s <= 60;
}

static int month_ci(const char *p, size_t n)
{
    static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    if (n < 3) return 0;
    for (int i = 0; i < 12; i++)
        if (strncasecmp(p, names + 3 * i, 3) == 0) return i + 1;
    return 0;
}

typedef struct {
    int y, mo, d, h, mi, s, zone;
    int have_d, have_y, have_t, have_z;
} date_parts_t;

/* One token of an HTTP date: weekday, day, month, year, hh:mm:ss or zone. */
static int date_token(date_parts_t *dp, const char *p, size_t n)
{
    int v;
    if (n == 8 && p[2] == ':' && p[5] == ':') {
        if (ndigits(p, 2, &dp->h) || ndigits(p + 3, 2, &dp->mi) || ndigits(p + 6, 2, &dp->s))
            return -1;
        dp->have_t = 1;
    } else if (n == 5 && (p[0] == '+' || p[0] == '-')) {
        if (ndigits(p + 1, 4, &v)) return -1;
        dp->zone = (p[0] == '-' ? -1 : 1) * ((v / 100) * 3600 + (v % 100) * 60);
        dp->have_z = 1;
    } else if ((n == 3 && !strncasecmp(p, "GMT", 3)) || (n == 3 && !strncasecmp(p, "UTC", 3)) ||
               (n == 1 && p[0] == 'Z')) {
        dp->have_z = 1;
    } else if (n >= 1 && n <= 4 && ndigits(p, n, &v) == 0) {
        if (n <= 2 && !dp->have_d) {
            dp->d = v;
            dp->have_d = 1;
        } else {
            dp->y = n == 2 ? (v < 70 ? 2000 + v : 1900 + v) : v;
            dp->have_y = 1;
        }
    } else if (n <= 9 && !dp->mo && month_ci(p, n)) {
        dp->mo = month_ci(p, n); /* weekday names match no month and are skipped */
    }
    return 0;
}

/* Splits "06-Nov-94" (RFC 850) at '-'; a zone like "-0700" stays whole. */
static int date_word(date_parts_t *dp, const char *p, size_t n)
{
    if (n == 5 && (p[0] == '+' || p[0] == '-')) return date_token(dp, p, n);
    while (n) {
        const char *dash = memchr(p, '-', n);
        size_t k = dash ? (size_t)(dash - p) : n;
        if (k && date_token(dp, p, k)) return -1;
        p += k + (dash != NULL);
        n -= k + (dash != NULL);
    }
    return 0;
}

int lh_time_http_parse_lenient(lh_str_t s, int64_t *t)
{
    date_parts_t dp = {0};
    size_t i = 0;
    while (i < s.len) {
        while (i < s.len && (is_sp(s.ptr[i]) || s.ptr[i] == ','))
            i++;
        size_t st = i;
        while (i < s.len && !is_sp(s.ptr[i]) && s.ptr[i] != ',')
            i++;
        if (i > st && date_word(&dp, s.ptr + st, i - st)) return LH_EINVAL;
    }
    if (!dp.have_d || !dp.have_y || !dp.have_t || !dp.mo) return LH_EINVAL;
    if (!valid_tm(dp.y, dp.mo, dp.d, dp.h, dp.mi, dp.s)) return LH_EINVAL;
    *t = mk_time(dp.y, dp.mo, dp.d, dp.h, dp.mi, dp.s) - dp.zone;
    return 0;
}

/* --- ISO 8601 --- */

size_t lh_time_iso8601_format(int64_t ns, int frac_digits, char *out, size_t cap)
{
    char tmp[40];
    int64_t sec = ns >= 0 ? ns / 1000000000 : (ns - 999999999) / 1000000000;
    int64_t frac = ns - sec * 1000000000, y, days;
    int mo, d, sod;
    split(sec, &y, &mo, &d, &sod, &days);
    if (frac_digits < 0) frac_digits = 0;
    if (frac_digits > 9) frac_digits = 9;
    put_digits(tmp, y < 0 ? 0 : y % 10000, 4);
    tmp[4] = '-';
    put_digits(tmp + 5, mo, 2);
    tmp[7] = '-';
    put_digits(tmp + 8, d, 2);
    tmp[10] = 'T';
    put_digits(tmp + 11, sod / 3600, 2);
    tmp[13] = ':';
    put_digits(tmp + 14, sod / 60 % 60, 2);
    tmp[16] = ':';
    put_digits(tmp + 17, sod % 60, 2);
    size_t n = 19;
    if (frac_digits) {
        tmp[n++] = '.';
        for (int i = frac_digits; i < 9; i++)
            frac /= 10;
        put_digits(tmp + n, frac, frac_digits);
        n += (size_t)frac_digits;
    }
    tmp[n++] = 'Z';
    tmp[n] = 0;
    if (cap == 0) return 0;
    if (n >= cap) n = cap - 1;
    memcpy(out, tmp, n);
    out[n] = 0;
    return n;
}

int lh_time_iso8601_parse(lh_str_t s, int64_t *t)
{
    cur_t c = {s.ptr, s.ptr + s.len};
    int y, mo, d, h, mi, se, zone = 0;
    if ((y = digits(&c, 4)) < 0 || lit(&c, "-") || (mo = digits(&c, 2)) < 0 || lit(&c, "-") ||
        (d = digits(&c, 2)) < 0 || lit(&c, "T") || hms(&c, &h, &mi, &se))
        return LH_EINVAL;
    if (starts(&c, ".", 1)) {
        c.p++;
        if (digits(&c, 1) < 0) return LH_EINVAL;
        while (c.p < c.end && *c.p >= '0' && *c.p <= '9')
            c.p++;
    }
    if (starts(&c, "Z", 1)) {
        c.p++;
    } else if (starts(&c, "+", 1) || starts(&c, "-", 1)) {
        int sign = *c.p++ == '-' ? -1 : 1, zh, zm;
        if ((zh = digits(&c, 2)) < 0 || lit(&c, ":") || (zm = digits(&c, 2)) < 0 || zh > 23 ||
            zm > 59)
            return LH_EINVAL;
        zone = sign * (zh * 3600 + zm * 60);
    }
    if (c.p != c.end || mo < 1 || mo > 12 || d < 1 || d > 31) return LH_EINVAL;
    *t = mk_time(y, mo, d, h, mi, se) - zone;
    return 0;
}

void lh_time_iso8601_basic_format(int64_t t, char out[17])
{
    int64_t y, days;
    int mo, d, sod;
    split(t, &y, &mo, &d, &sod, &days);
    put_digits(out, y < 0 ? 0 : y % 10000, 4);
    put_digits(out + 4, mo, 2);
    put_digits(out + 6, d, 2);
    out[8] = 'T';
    put_digits(out + 9, sod / 3600, 2);
    put_digits(out + 11, sod / 60 % 60, 2);
    put_digits(out + 13, sod % 60, 2);
    out[15] = 'Z';
    out[16] = 0;
}

int lh_time_iso8601_basic_parse(lh_str_t s, int64_t *t)
{
    int y, mo, d, h, mi, sec;
    if (s.len != 16 || s.ptr[8] != 'T' || s.ptr[15] != 'Z') return LH_EINVAL;
    if (ndigits(s.ptr, 4, &y) || ndigits(s.ptr + 4, 2, &mo) || ndigits(s.ptr + 6, 2, &d) ||
        ndigits(s.ptr + 9, 2, &h) || ndigits(s.ptr + 11, 2, &mi) || ndigits(s.ptr + 13, 2, &sec))
        return LH_EINVAL;
    if (!valid_tm(y, mo, d, h, mi, sec)) return LH_EINVAL;
    *t = mk_time(y, mo, d, h, mi, sec);
    return 0;
}
