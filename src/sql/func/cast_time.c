/* Reading dates, times, timestamps and intervals from text as DuckDB's casts
 * do: '2026-1-2' (1 or 2 digit month and day; '-', '/' or '.' between),
 * ' (BC)', 'epoch'; 'HH:MM[:SS[.ffffff]]'; a date, then ' ' or 'T' and a
 * time, then 'Z', 'UTC' or an offset ±HH[:MM[:SS]] (applied for TIMESTAMP
 * WITH TIME ZONE, ignored for TIMESTAMP, as DuckDB 1.5 does); intervals as
 * '1 day 02:00:00', '3 hours', '1 year 2 months -3 days', '1.5 days',
 * '2 weeks ago'. Digits past microseconds are dropped. */
#include <ctype.h>
#include <strings.h>

#include "core/timefmt.h"
#include "sql/func/func_int.h"

typedef struct cur {
    const char *s;
    size_t n, i;
} cur_t;

static void skip_sp(cur_t *c)
{
    while (c->i < c->n && isspace((unsigned char)c->s[c->i]))
        c->i++;
}

/* Up to max digits (at least one) into *v. */
static bool digits(cur_t *c, int max, int64_t *v, int *count)
{
    int k = 0;
    int64_t x = 0;
    while (c->i < c->n && k < max && isdigit((unsigned char)c->s[c->i])) {
        x = x * 10 + (c->s[c->i++] - '0');
        k++;
    }
    if (count) *count = k;
    *v = x;
    return k > 0;
}

static bool lit(cur_t *c, const char *w)
{
    size_t k = strlen(w);
    /* the first byte alone (case folded) turns nearly every miss away */
    if (c->n - c->i < k || (c->s[c->i] | 0x20) != (w[0] | 0x20) || strncasecmp(c->s + c->i, w, k))
        return false;
    c->i += k;
    return true;
}

static int month_days(int64_t y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : d[m - 1];
}

static bool date_at(cur_t *c, int32_t *days)
{
    int64_t y, m, d;
    bool neg = c->i < c->n && c->s[c->i] == '-';
    if (neg) c->i++;
    if (!digits(c, 9, &y, NULL) || c->i >= c->n) return false;
    char sep = c->s[c->i];
    if (sep != '-' && sep != '/' && sep != '.' && sep != ' ') return false;
    c->i++;
    if (!digits(c, 2, &m, NULL) || c->i >= c->n || c->s[c->i] != sep) return false;
    c->i++;
    if (!digits(c, 2, &d, NULL)) return false;
    if (neg) y = -y;
    size_t save = c->i;
    skip_sp(c);
    if (lit(c, "(BC)"))
        y = 1 - y;
    else
        c->i = save;
    if (m < 1 || m > 12 || d < 1 || d > month_days(y, (int)m)) return false;
    int64_t z = lh_time_days_from_civil(y, (int)m, (int)d);
    if (z > INT32_MAX || z < INT32_MIN) return false;
    *days = (int32_t)z;
    return true;
}

/* HH:MM[:SS[.f]] into micros; hours up to 24 (24:00:00 only). */
static bool time_at(cur_t *c, int64_t *us)
{
    int64_t h, m, s = 0, f = 0;
    int nd;
    if (!digits(c, 2, &h, NULL) || !lit(c, ":") || !digits(c, 2, &m, &nd) || nd != 2) return false;
    if (c->i < c->n && c->s[c->i] == ':') {
        c->i++;
        if (!digits(c, 2, &s, &nd) || nd != 2) return false;
        if (c->i < c->n && c->s[c->i] == '.') {
            c->i++;
            int k = 0;
            while (c->i < c->n && isdigit((unsigned char)c->s[c->i])) {
                if (k < 6) f = f * 10 + (c->s[c->i] - '0');
                k++;
                c->i++;
            }
            if (!k) return false;
            for (; k < 6; k++)
                f *= 10;
        }
    }
    if (m > 59 || s > 59 || h > 24 || (h == 24 && (m || s || f))) return false;
    *us = ((h * 60 + m) * 60 + s) * 1000000 + f;
    return true;
}

bool lh__parse_date(const char *s, size_t n, int32_t *days)
{
    cur_t c = {s, n, 0};
    skip_sp(&c);
    if (lit(&c, "epoch")) {
        *days = 0;
    } else if (!date_at(&c, days)) {
        return false;
    }
    skip_sp(&c);
    return c.i == c.n;
}

bool lh__parse_time(const char *s, size_t n, int64_t *micros)
{
    cur_t c = {s, n, 0};
    skip_sp(&c);
    size_t save = c.i;
    int32_t d;
    if (date_at(&c, &d)) { /* [YYYY-MM-DD ]HH:MM:SS */
        if (c.i < c.n && (c.s[c.i] == ' ' || c.s[c.i] == 'T')) c.i++;
    } else {
        c.i = save;
    }
    if (!time_at(&c, micros)) return false;
    skip_sp(&c);
    return c.i == c.n;
}

/* Z, UTC, ±HH[:MM[:SS]] or ±HHMM: the offset in micros east of UTC. */
static bool zone_at(cur_t *c, int64_t *off)
{
    *off = 0;
    if (c->i < c->n && c->s[c->i] == 'Z') { /* upper case only, as DuckDB */
        c->i++;
        return true;
    }
    if (lit(c, "UTC") || lit(c, "GMT")) return true;
    if (c->i >= c->n || (c->s[c->i] != '+' && c->s[c->i] != '-')) return false;
    int sign = c->s[c->i++] == '-' ? -1 : 1;
    int64_t h, m = 0, s = 0;
    int nd;
    if (!digits(c, 2, &h, &nd)) return false;
    if (nd == 2 && c->i + 1 < c->n && isdigit((unsigned char)c->s[c->i])) {
        if (!digits(c, 2, &m, &nd) || nd != 2) return false;
    } else if (lit(c, ":")) {
        if (!digits(c, 2, &m, &nd) || nd != 2) return false;
        if (lit(c, ":") && (!digits(c, 2, &s, &nd) || nd != 2)) return false;
    }
    if (h > 23 || m > 59 || s > 59) return false;
    *off = sign * ((h * 60 + m) * 60 + s) * 1000000;
    return true;
}

/* The usual shape, YYYY-MM-DD HH:MM:SS or with a T and a trailing Z (ISO
 * 8601 in UTC), read at fixed places; false for anything else, which the
 * general reader takes. */
static bool iso_fast(const char *s, size_t n, int64_t *micros)
{
    if ((n != 19 && !(n == 20 && s[19] == 'Z')) || s[4] != '-' || s[7] != '-' ||
        (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
        return false;
    static const uint8_t at[14] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
    int d[14];
    for (int i = 0; i < 14; i++) {
        d[i] = s[at[i]] - '0';
        if (d[i] < 0 || d[i] > 9) return false;
    }
    int y = d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3], mo = d[4] * 10 + d[5],
        dd = d[6] * 10 + d[7], h = d[8] * 10 + d[9], mi = d[10] * 10 + d[11],
        se = d[12] * 10 + d[13];
    if (mo < 1 || mo > 12 || dd < 1 || dd > month_days(y, mo) || h > 23 || mi > 59 || se > 59)
        return false;
    *micros = lh_time_days_from_civil(y, mo, dd) * LH_MICROS_PER_DAY +
              ((int64_t)(h * 60 + mi) * 60 + se) * 1000000;
    return true;
}

bool lh__parse_timestamp(const char *s, size_t n, bool tz, int64_t *micros)
{
    if (iso_fast(s, n, micros)) return true;
    cur_t c = {s, n, 0};
    skip_sp(&c);
    int32_t days;
    int64_t t = 0, off = 0;
    if (lit(&c, "epoch")) {
        days = 0;
    } else {
        if (!date_at(&c, &days)) return false;
        if (c.i < c.n && (c.s[c.i] == ' ' || c.s[c.i] == 'T')) {
            size_t save = c.i++;
            skip_sp(&c);
            if (!time_at(&c, &t)) c.i = save;
        }
        skip_sp(&c);
        if (c.i < c.n && !zone_at(&c, &off)) return false;
    }
    skip_sp(&c);
    if (c.i != c.n) return false;
    __extension__ __int128 v = (__int128)days * LH_MICROS_PER_DAY + t - (tz ? off : 0);
    if (v > INT64_MAX || v < INT64_MIN) return false;
    *micros = (int64_t)v;
    return true;
}

/* ---- intervals ---- */

typedef struct unit {
    const char *name;
    int months;     /* months per unit */
    int64_t micros; /* micros per unit (days count as 86400e6 then move to days) */
    int days;
} unit_t;

static const unit_t units[] = {
    {"millennium", 12000, 0, 0},
    {"millennia", 12000, 0, 0},
    {"centuries", 1200, 0, 0},
    {"century", 1200, 0, 0},
    {"decades", 120, 0, 0},
    {"decade", 120, 0, 0},
    {"years", 12, 0, 0},
    {"year", 12, 0, 0},
    {"yrs", 12, 0, 0},
    {"yr", 12, 0, 0},
    {"y", 12, 0, 0},
    {"months", 1, 0, 0},
    {"month", 1, 0, 0},
    {"mons", 1, 0, 0},
    {"mon", 1, 0, 0},
    {"weeks", 0, 0, 7},
    {"week", 0, 0, 7},
    {"w", 0, 0, 7},
    {"days", 0, 0, 1},
    {"day", 0, 0, 1},
    {"d", 0, 0, 1},
    {"hours", 0, INT64_C(3600000000), 0},
    {"hour", 0, INT64_C(3600000000), 0},
    {"hrs", 0, INT64_C(3600000000), 0},
    {"hr", 0, INT64_C(3600000000), 0},
    {"h", 0, INT64_C(3600000000), 0},
    {"minutes", 0, 60000000, 0},
    {"minute", 0, 60000000, 0},
    {"mins", 0, 60000000, 0},
    {"min", 0, 60000000, 0},
    {"m", 0, 60000000, 0},
    {"seconds", 0, 1000000, 0},
    {"second", 0, 1000000, 0},
    {"secs", 0, 1000000, 0},
    {"sec", 0, 1000000, 0},
    {"s", 0, 1000000, 0},
    {"milliseconds", 0, 1000, 0},
    {"millisecond", 0, 1000, 0},
    {"msecs", 0, 1000, 0},
    {"msec", 0, 1000, 0},
    {"ms", 0, 1000, 0},
    {"microseconds", 0, 1, 0},
    {"microsecond", 0, 1, 0},
    {"usecs", 0, 1, 0},
    {"usec", 0, 1, 0},
    {"us", 0, 1, 0},
};

static const unit_t *unit_at(cur_t *c)
{
    size_t k = 0;
    while (c->i + k < c->n && isalpha((unsigned char)c->s[c->i + k]))
        k++;
    for (size_t u = 0; u < LH__COUNT(units); u++)
        if (strlen(units[u].name) == k && !strncasecmp(c->s + c->i, units[u].name, k)) {
            c->i += k;
            return &units[u];
        }
    return NULL;
}

/* Adds `whole + frac` units to iv (a fraction of a month goes to days at 30
 * per month, of a day to micros). */
static bool add_unit(lh_interval_t *iv, const unit_t *u, int64_t whole, double frac, int sign)
{
    __extension__ __int128 m = iv->months, d = iv->days, us = iv->micros;
    if (u->months) {
        double fm = frac * u->months;
        m += sign * (whole * u->months + (int64_t)fm);
        d += sign * (int64_t)((fm - (int64_t)fm) * 30);
    } else if (u->days) {
        double fd = frac * u->days;
        d += sign * (whole * u->days + (int64_t)fd);
        us += sign * (int64_t)llround((fd - (int64_t)fd) * (double)LH_MICROS_PER_DAY);
    } else {
        us += sign * ((__int128)whole * u->micros + (int64_t)llround(frac * (double)u->micros));
    }
    if (m > INT32_MAX || m < INT32_MIN || d > INT32_MAX || d < INT32_MIN || us > INT64_MAX ||
        us < INT64_MIN)
        return false;
    iv->months = (int32_t)m;
    iv->days = (int32_t)d;
    iv->micros = (int64_t)us;
    return true;
}

bool lh__parse_interval(const char *s, size_t n, lh_interval_t *out)
{
    cur_t c = {s, n, 0};
    lh_interval_t iv = {0, 0, 0};
    bool any = false;
    for (;;) {
        skip_sp(&c);
        if (c.i >= c.n) break;
        if (any && lit(&c, "ago")) {
            skip_sp(&c);
            if (c.i != c.n) return false;
            iv.months = -iv.months, iv.days = -iv.days, iv.micros = -iv.micros;
            break;
        }
        int sign = 1;
        if (c.s[c.i] == '-' || c.s[c.i] == '+') sign = c.s[c.i++] == '-' ? -1 : 1;
        size_t start = c.i;
        int64_t t;
        if (time_at(&c, &t) || (c.i = start, false)) {
            if (!add_unit(&iv, &units[LH__COUNT(units) - 1], t, 0, sign)) return false;
            any = true;
            continue;
        }
        c.i = start;
        int64_t whole = 0;
        double frac = 0;
        int nd = 0;
        if (!digits(&c, 18, &whole, &nd) && !(c.i < c.n && c.s[c.i] == '.')) return false;
        if (c.i < c.n && c.s[c.i] == '.') {
            c.i++;
            double scale = 0.1;
            while (c.i < c.n && isdigit((unsigned char)c.s[c.i])) {
                frac += (c.s[c.i++] - '0') * scale;
                scale /= 10;
            }
        }
        skip_sp(&c);
        const unit_t *u = unit_at(&c);
        if (!u || !add_unit(&iv, u, whole, frac, sign)) return false;
        any = true;
    }
    if (!any) return false;
    *out = iv;
    return true;
}
