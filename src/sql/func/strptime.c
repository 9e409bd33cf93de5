/* strptime(text, format) and try_strptime: text read by a format compiled at
 * bind (strftime.c) into a TIMESTAMP, or a TIMESTAMPTZ when the format has
 * %z or %Z, as DuckDB 1.5 reads it: leading and trailing spaces skipped, a
 * space in the format matching a run of spaces, numbers of at most the
 * specifier's width, names case-insensitively, fractions (%f %g %n) as
 * fractions of a second, a date from %d/%m, else %j, else %U/%W with %w,
 * else %G/%V/%u, with DuckDB's conflict and range errors and its message
 * ("Could not parse string ... according to format specifier ..." with a
 * caret under the failing position). A %Z name other than UTC's (no time
 * zone database here) is a Not implemented Error unless %z gave an offset.
 * A list of formats and 'infinity' are not supported. */
#include <ctype.h>
#include <stdio.h>
#include <strings.h>

#include "core/timefmt.h"
#include "sql/func/strtime_int.h"

#define DAY LH_MICROS_PER_DAY

enum { A_NONE, A_MD, A_Y, A_UW, A_J, A_ISO }; /* what fixes the date */

typedef struct parse {
    const char *s;
    size_t n, pos;
    int64_t y, m, d, h, mi, sec, us, off; /* off: the %z offset in seconds */
    int anchor, ampm;                     /* ampm: 0 none, 1 AM, 2 PM */
    uint8_t week_spec;                    /* SP_U or SP_W */
    int64_t weekno, weekday, yearday, iso_year, iso_week, iso_wd;
    bool has_weekday, has_off;
    const char *tz;
    size_t ntz;
    const char *why; /* the error, with epos (-1: no caret) */
    long epos;
} parse_t;

static bool fail(parse_t *p, const char *why, long pos)
{
    p->why = why;
    p->epos = pos;
    return false;
}

static bool is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static int width_of(uint8_t spec)
{
    switch (spec) {
    case SP_w:
    case SP_u:
        return 1;
    case SP_g:
    case SP_j:
    case SP_j_U:
        return 3;
    case SP_Y:
    case SP_G:
        return 4;
    case SP_f:
        return 6;
    case SP_n:
        return 9;
    case SP_a:
    case SP_A:
    case SP_b:
    case SP_B:
    case SP_p:
    case SP_z:
    case SP_Z:
        return 0;
    default:
        return 2;
    }
}

static bool literal(parse_t *p, const char *lit, size_t n)
{
    static char msg[160];
    for (size_t l = 0; l < n;) {
        if (is_space(lit[l])) {
            if (p->pos >= p->n || !is_space(p->s[p->pos])) {
                snprintf(msg, sizeof msg, "Space does not match, expected %.*s", (int)n, lit);
                return fail(p, msg, (long)p->pos);
            }
            while (p->pos < p->n && is_space(p->s[p->pos]))
                p->pos++;
            while (l < n && is_space(lit[l]))
                l++;
            continue;
        }
        bool ok = p->pos < p->n && p->s[p->pos] == lit[l];
        p->pos++, l++;
        if (!ok) {
            snprintf(msg, sizeof msg, "Literal does not match, expected %.*s", (int)n, lit);
            return fail(p, msg, (long)p->pos);
        }
    }
    return true;
}

/* The index of the name in names[0, k) that s starts with (any case), or -1. */
static int name_at(parse_t *p, const char *const *names, int k, size_t len)
{
    for (int i = 0; i < k; i++) {
        size_t n = len ? len : strlen(names[i]);
        if (p->pos + n <= p->n && !strncasecmp(p->s + p->pos, names[i], n)) {
            p->pos += n;
            return i;
        }
    }
    return -1;
}

static const char *const day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};
static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};

static bool two_digits(parse_t *p, size_t at, int64_t *v)
{
    if (at + 2 > p->n || !isdigit((unsigned char)p->s[at]) || !isdigit((unsigned char)p->s[at + 1]))
        return false;
    *v = (p->s[at] - '0') * 10 + (p->s[at + 1] - '0');
    return true;
}

/* +HH, +HHMM, +HH:MM or +HH:MM:SS (or -). */
static bool utc_offset(parse_t *p)
{
    int64_t part[3] = {0, 0, 0};
    char sign = p->pos < p->n ? p->s[p->pos] : 0;
    if ((sign != '+' && sign != '-') || !two_digits(p, p->pos + 1, &part[0]))
        return fail(p, "Expected \xc2\xb1HH[MM] or -HH[:MM[:SS]]", (long)p->pos);
    p->pos += 3;
    /* MM or :MM, then :SS after :MM only; a ':' is taken even when no digits follow */
    bool colon = p->pos < p->n && p->s[p->pos] == ':';
    p->pos += colon;
    if (two_digits(p, p->pos, &part[1])) {
        p->pos += 2;
        if (colon && p->pos < p->n && p->s[p->pos] == ':') {
            p->pos++;
            if (two_digits(p, p->pos, &part[2])) p->pos += 2;
        }
    }
    p->off = (sign == '-' ? -1 : 1) * (part[0] * 3600 + part[1] * 60 + part[2]);
    p->has_off = true;
    return true;
}

static bool text_spec(parse_t *p, uint8_t spec)
{
    size_t at = p->pos;
    int k;
    switch (spec) {
    case SP_p: {
        char c = p->pos + 2 <= p->n ? (char)tolower((unsigned char)p->s[p->pos]) : 0;
        if (!c || tolower((unsigned char)p->s[p->pos + 1]) != 'm' || (c != 'a' && c != 'p'))
            return fail(p, "Expected AM/PM", (long)at);
        p->ampm = c == 'a' ? 1 : 2;
        p->pos += 2;
        return true;
    }
    case SP_a:
        if (name_at(p, day_names, 7, 3) < 0)
            return fail(p, "Expected an abbreviated day name (Mon, Tue, Wed, Thu, Fri, Sat, Sun)",
                        (long)at);
        return true;
    case SP_A:
        if (name_at(p, day_names, 7, 0) < 0)
            return fail(p, "Expected a full day name (Monday, Tuesday, etc...)", (long)at);
        return true;
    case SP_b:
    case SP_B:
        if ((k = name_at(p, month_names, 12, spec == SP_b ? 3 : 0)) < 0)
            return fail(p,
                        spec == SP_b ? "Expected an abbreviated month name (Jan, Feb, Mar, etc..)"
                                     : "Expected a full month name (January, February, etc...)",
                        (long)at);
        p->m = k + 1;
        return true;
    case SP_z:
        return utc_offset(p);
    default: /* SP_Z */
        while (p->pos < p->n && is_space(p->s[p->pos]))
            p->pos++;
        at = p->pos;
        while (p->pos < p->n &&
               (isalnum((unsigned char)p->s[p->pos]) || strchr("_/+-", p->s[p->pos])))
            p->pos++;
        if (p->pos == at) return fail(p, "Empty Time Zone name", (long)at);
        p->tz = p->s + at;
        p->ntz = p->pos - at;
        return true;
    }
}

/* The anchor rules: d/m fix the date; a year keeps what %j, %U/%W or
 * %G/%V started; those three exclude each other. */
static bool anchor(parse_t *p, uint8_t spec, long at)
{
    int a = p->anchor;
    switch (spec) {
    case SP_d:
    case SP_d_U:
    case SP_m:
    case SP_m_U:
        p->anchor = A_MD;
        return true;
    case SP_y:
    case SP_y_U:
    case SP_Y:
        if (a == A_NONE || a == A_ISO) p->anchor = A_Y;
        return true;
    case SP_U:
    case SP_W:
        if (a == A_NONE || a == A_Y)
            p->anchor = A_UW, p->week_spec = spec;
        else if (a != A_MD)
            return fail(p, "Multiple week offsets specified", at);
        return true;
    case SP_j:
    case SP_j_U:
        if (a == A_NONE || a == A_Y)
            p->anchor = A_J;
        else if (a != A_MD)
            return fail(p, "Multiple year offsets specified", at);
        return true;
    case SP_G:
    case SP_V:
        if (a == A_NONE)
            p->anchor = A_ISO;
        else if (a == A_Y && spec == SP_G)
            return true; /* %Y wins, %G only read */
        else if (a == A_Y)
            return fail(p,
                        "ISO week offsets are incompatible with non-ISO year specifiers. "
                        "Use '%G' instead",
                        at);
        else if (a == A_UW || a == A_J)
            return fail(p,
                        spec == SP_G ? "Incompatible ISO year offset specified"
                                     : "Incompatible ISO week offset specified",
                        at);
        else if (a == A_ISO && (spec == SP_G ? p->iso_year >= 0 : p->iso_week >= 0))
            return fail(p,
                        spec == SP_G ? "Multiple ISO year offsets specified"
                                     : "Multiple ISO week offsets specified",
                        at);
        return true;
    default:
        return true;
    }
}

static bool number_spec(parse_t *p, uint8_t spec, int width)
{
    size_t at = p->pos;
    int64_t v = 0;
    int digits = 0;
    while (p->pos < p->n && digits < width && isdigit((unsigned char)p->s[p->pos]))
        v = v * 10 + (p->s[p->pos++] - '0'), digits++;
    if (!digits) return fail(p, "Expected a number", (long)at);
    if (!anchor(p, spec, (long)at)) return false;
#define RANGE(lo, hi, msg)                                                                         \
    if (v < (lo) || v > (hi)) return fail(p, msg, (long)at)
    switch (spec) {
    case SP_d:
    case SP_d_U:
        RANGE(1, 31, "Day out of range, expected a value between 1 and 31");
        p->d = v;
        break;
    case SP_m:
    case SP_m_U:
        RANGE(1, 12, "Month out of range, expected a value between 1 and 12");
        p->m = v;
        break;
    case SP_y:
    case SP_y_U:
        RANGE(0, 99, "Year without century out of range, expected a value between 0 and 99");
        p->y = v >= 69 ? 1900 + v : 2000 + v;
        break;
    case SP_Y:
        p->y = v;
        break;
    case SP_G:
        p->iso_year = v;
        break;
    case SP_H:
    case SP_H_U:
        RANGE(0, 23, "Hour out of range, expected a value between 0 and 23");
        p->h = v;
        break;
    case SP_I:
    case SP_I_U:
        RANGE(1, 12, "Hour12 out of range, expected a value between 1 and 12");
        p->h = v;
        break;
    case SP_M:
    case SP_M_U:
        RANGE(0, 59, "Minutes out of range, expected a value between 0 and 59");
        p->mi = v;
        break;
    case SP_S:
    case SP_S_U:
        RANGE(0, 59, "Seconds out of range, expected a value between 0 and 59");
        p->sec = v;
        break;
    case SP_f:
    case SP_g:
    case SP_n: /* a fraction of a second: digits scaled to the width */
        for (; digits < width; digits++)
            v *= 10;
        p->us = spec == SP_f ? v : spec == SP_g ? v * 1000 : v / 1000; /* %n: truncated */
        break;
    case SP_U:
    case SP_W:
        RANGE(0, 53, "Week out of range, expected a value between 0 and 53");
        p->weekno = v;
        break;
    case SP_w:
        RANGE(0, 6, "Weekday out of range, expected a value between 0 and 6");
        p->weekday = v, p->has_weekday = true;
        break;
    case SP_V:
        RANGE(1, 53, "ISO week offset out of range, expected a value between 1 and 53");
        p->iso_week = v;
        break;
    case SP_u:
        if (p->iso_wd >= 0) return fail(p, "Multiple ISO weekday offsets specified", (long)at);
        RANGE(1, 7, "ISO weekday offset out of range, expected a value between 1 and 7");
        p->iso_wd = v;
        break;
    default: /* SP_j, SP_j_U */
        RANGE(1, 366, "Year day out of range, expected a value between 1 and 366");
        p->yearday = v;
        break;
    }
#undef RANGE
    return true;
}

static int64_t monday_of(int64_t days)
{
    return days - (days + 3 - lh__floordiv(days + 3, 7) * 7);
}

/* The date the anchor names, into y/m/d. */
static void settle_date(parse_t *p)
{
    int64_t days;
    if (p->anchor == A_ISO) {
        int64_t y = p->iso_year >= 0 ? p->iso_year : 1900, w = p->iso_week >= 0 ? p->iso_week : 1;
        days = monday_of(lh_time_days_from_civil(y, 1, 4)) + (w - 1) * 7 +
               (p->iso_wd >= 0 ? p->iso_wd : 1) - 1;
    } else if (p->anchor == A_UW) {
        int64_t wd = p->weekday, jan1 = lh_time_days_from_civil(p->y, 1, 1);
        if (p->has_weekday) wd = (wd + 7 - (p->week_spec == SP_W)) % 7;
        days = monday_of(jan1) - (p->week_spec == SP_U);
        if (days >= jan1) days -= 7;
        days += p->weekno * 7 + wd;
    } else if (p->anchor == A_J) {
        days = lh_time_days_from_civil(p->y, 1, 1) + p->yearday - 1;
    } else {
        return;
    }
    int m, d;
    lh_time_civil_from_days(days, &p->y, &m, &d);
    p->m = m, p->d = d;
}

static bool run(const lh__strtime_t *f, parse_t *p)
{
    for (uint32_t k = 0; k < f->n; k++) {
        const lh__strtime_item_t *it = &f->items[k];
        if (!literal(p, f->lits + it->lit, it->nlit)) return false;
        if (it->spec == SP_END) break;
        int w = width_of(it->spec);
        if (!(w ? number_spec(p, it->spec, w) : text_spec(p, it->spec))) return false;
    }
    while (p->pos < p->n && is_space(p->s[p->pos]))
        p->pos++;
    if (p->pos != p->n)
        return fail(p, "Full specifier did not match: trailing characters", (long)p->pos);
    if (p->ampm) {
        if (p->h > 12) {
            static char msg[96];
            snprintf(msg, sizeof msg,
                     "Invalid hour: %lld AM/PM, expected an hour within the range [0..12]",
                     (long long)p->h);
            return fail(p, msg, -1);
        }
        if (p->ampm == 1 && p->h == 12) p->h = 0;
        if (p->ampm == 2 && p->h != 12) p->h += 12;
    }
    settle_date(p);
    return true;
}

static bool is_utc_name(const char *s, size_t n)
{
    static const char *const names[] = {"UTC",      "GMT",      "Etc/UTC",   "Etc/GMT",
                                        "UCT",      "Zulu",     "Universal", "Etc/Universal",
                                        "Etc/Zulu", "Greenwich"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && !strncasecmp(s, names[i], n)) return true;
    return false;
}

static int days_in(int64_t y, int64_t m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

int lh__strtime_parse(const lh__strtime_t *f, const char *s, size_t len, int64_t *us,
                      lh_sql_error_t *err, int32_t pos)
{
    size_t skip = 0;
    while (skip < len && is_space(s[skip]))
        skip++;
    parse_t p = {.s = s + skip,
                 .n = len - skip,
                 .y = 1900,
                 .m = 1,
                 .d = 1,
                 .iso_year = -1,
                 .iso_week = -1,
                 .iso_wd = -1};
    if (p.n > 4 && !strncasecmp(p.s, "epoch", 5)) {
        size_t k = 5;
        while (k < p.n && is_space(p.s[k]))
            k++;
        if (k == p.n) return *us = 0, 0;
    }
    if (!run(f, &p)) {
        int shown = (int)(len > 200 ? 200 : len);
        char where[360] = ""; /* the input and a caret under the failing position */
        if (p.epos >= 0)
            snprintf(where, sizeof where, "%.*s\n%*s^", shown, s,
                     (int)(p.epos > 120 ? 120 : p.epos), "");
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EINPUT, pos,
                          "Could not parse string \"%.*s\" according to format specifier "
                          "\"%s\"\n%s\nError: %s",
                          shown, s, f->text, where, p.why);
    }
    if (p.d > days_in(p.y, p.m))
        return lh_sql_err(err, LH_EINVAL, LH_SQL_ECONVERT, pos, "Date out of range: %lld-%lld-%lld",
                          (long long)p.y, (long long)p.m, (long long)p.d);
    if (p.tz && !p.has_off && !is_utc_name(p.tz, p.ntz))
        return lh_sql_err(err, LH_EINVAL, LH_SQL_ENOTIMPL, pos, "Unknown TimeZone '%.*s'!",
                          (int)(p.ntz > 64 ? 64 : p.ntz), p.tz);
    *us = lh_time_days_from_civil(p.y, (int)p.m, (int)p.d) * DAY +
          ((p.h * 60 + p.mi) * 60 + p.sec - p.off) * 1000000 + p.us;
    return 0;
}

/* ---- the functions ---- */

static int run_strptime(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t count, lh_vector_t *out,
                        bool try)
{
    const lh__strtime_t *f = ctx->bind_data;
    if (!f) return 0; /* a NULL format: every row is NULL */
    for (uint32_t i = 0; i < count; i++) {
        if (!lh__row_on(out, i)) continue;
        lh_string_t s = lh__str(&a[0], i);
        lh_sql_error_t e;
        int64_t us;
        int rc = lh__strtime_parse(f, lh_string_data(&s), s.len, &us, try ? &e : ctx->err, -1);
        if (rc && !try) return rc;
        if (rc)
            lh_vector_set_null(out, i);
        else
            ((int64_t *)out->data)[i] = us;
    }
    return 0;
}

static int f_strptime(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                      lh_vector_t *out)
{
    return run_strptime(ctx, a, count, out, false);
}

static int f_try_strptime(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                          lh_vector_t *out)
{
    return run_strptime(ctx, a, count, out, true);
}

static const lh_sql_overload_t o_strptime[] = {
    {.args = {LH_TYPE_VARCHAR, LH_TYPE_VARCHAR}, .nargs = 2, .ret = LH_TYPE_TIMESTAMP}};

static int bind(lh_sql_bind_call_t *call, lh_sql_error_t *err, lh_sql_scalar_fn fn,
                const char *name)
{
    int rc = lh_sql_bind_overloads(call, o_strptime, LH__COUNT(o_strptime), err);
    if (!rc) rc = lh__strtime_bind_format(call, 1, name, -1, err);
    if (rc) return rc;
    const lh__strtime_t *f = call->bind_data;
    if (f && f->has_tz) call->ret = lh_type(LH_TYPE_TIMESTAMP_TZ);
    call->exec = fn;
    return 0;
}

int lh__strptime_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    return bind(call, err, f_strptime, "strptime");
}

int lh__try_strptime_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    return bind(call, err, f_try_strptime, "strptime");
}
