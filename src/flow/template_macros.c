/* The template macros, one row each: ds_add(ds, n), ds_format(ds, in, out),
 * ts_add(ts, duration), ts_format(ts, strftime_format). Called with ctx NULL
 * at validation time, when they check the kinds and literal arguments; with
 * a run context they compute, and check what only a run knows (a duration
 * given as params.x). Dates are UTC throughout. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/err.h"
#include "core/str.h"
#include "core/timefmt.h"
#include "flow/template_int.h"

static int bad(char *why, size_t cap, const char *msg)
{
    snprintf(why, cap, "%s", msg);
    return LH_EINVAL;
}

static void tm_of(int64_t t, struct tm *tm)
{
    int64_t day = t / 86400 - (t % 86400 < 0), s = t - day * 86400, y;
    int m, d;
    lh_time_civil_from_days(day, &y, &m, &d);
    memset(tm, 0, sizeof *tm);
    tm->tm_year = (int)(y - 1900), tm->tm_mon = m - 1, tm->tm_mday = d;
    tm->tm_hour = (int)(s / 3600), tm->tm_min = (int)(s % 3600 / 60), tm->tm_sec = (int)(s % 60);
    tm->tm_wday = (int)(((day + 4) % 7 + 7) % 7);
    tm->tm_yday = (int)(day - lh_time_days_from_civil(y, 1, 1));
    tm->tm_zone = "UTC";
}

/* Python's strftime directives that C renders the same way. */
static int check_strftime(const char *f, char *why, size_t cap)
{
    for (; *f; f++)
        if (*f == '%' && (!f[1] || !strchr("aAbBdHIjmMpSUwWyYzZFT%", *++f)))
            return bad(why, cap, "unsupported strftime directive");
    return 0;
}

static int ymd_of(const char *s, int64_t *day)
{
    int64_t y = 0, v = 0;
    int m = 0, d = 0;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return LH_EINVAL;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return LH_EINVAL;
    y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (m < 1 || m > 12 || d < 1 || d > 31) return LH_EINVAL;
    v = lh_time_days_from_civil(y, m, d);
    int64_t y2;
    int m2, d2;
    lh_time_civil_from_days(v, &y2, &m2, &d2);
    if (m2 != m || d2 != d) return LH_EINVAL; /* 2023-02-30 */
    return *day = v, 0;
}

static void fmt_day(int64_t day, lh__tval_t *out)
{
    int64_t y;
    int m, d;
    lh_time_civil_from_days(day, &y, &m, &d);
    snprintf(out->buf, sizeof out->buf, "%04lld-%02d-%02d", (long long)y, m, d);
    out->kind = LH__TV_STR, out->s = out->buf;
}

static int ds_add(lh__tval_t *a, lh__tval_t *out, const lh_flow_run_ctx_t *ctx, char *why,
                  size_t cap)
{
    int64_t day;
    if (a[0].kind != LH__TV_STR)
        return bad(why, cap, "ds_add: first argument must be a date string");
    if (a[1].kind != LH__TV_INT) return bad(why, cap, "ds_add: second argument must be an integer");
    if (a[0].literal && ymd_of(a[0].s, &day)) return bad(why, cap, "ds_add: not a YYYY-MM-DD date");
    out->kind = LH__TV_STR;
    if (!ctx) return 0;
    if (ymd_of(a[0].s, &day)) return bad(why, cap, "ds_add: not a YYYY-MM-DD date");
    return fmt_day(day + a[1].n, out), 0;
}

static int ds_format(lh__tval_t *a, lh__tval_t *out, const lh_flow_run_ctx_t *ctx, char *why,
                     size_t cap)
{
    if (a[0].kind != LH__TV_STR || !a[1].literal || !a[2].literal || a[1].kind != LH__TV_STR ||
        a[2].kind != LH__TV_STR)
        return bad(why, cap, "ds_format: expects (date, 'input format', 'output format')");
    if (check_strftime(a[1].s, why, cap) || check_strftime(a[2].s, why, cap)) return LH_EINVAL;
    out->kind = LH__TV_STR;
    if (!ctx) return 0;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(a[0].s, a[1].s, &tm);
    if (!end || *end) return bad(why, cap, "ds_format: date does not match the input format");
    if (!strftime(out->buf, sizeof out->buf, a[2].s, &tm) && a[2].s[0])
        return bad(why, cap, "ds_format: result too long");
    out->s = out->buf;
    return 0;
}

/* '2h', '-30m', '1h30m', '90' or an integer: whole seconds. */
static int parse_signed_duration(const lh__tval_t *v, int64_t *secs)
{
    if (v->kind == LH__TV_INT) return *secs = v->n, 0;
    if (v->kind != LH__TV_STR || !v->s) return LH_EINVAL;
    int neg = v->s[0] == '-';
    int64_t ms;
    if (lh_config_parse_duration(v->s + neg, &ms) || ms % 1000) return LH_EINVAL;
    return *secs = neg ? -ms / 1000 : ms / 1000, 0;
}

static int ts_add(lh__tval_t *a, lh__tval_t *out, const lh_flow_run_ctx_t *ctx, char *why,
                  size_t cap)
{
    int64_t t, d = 0;
    if (a[0].kind == LH__TV_INT) return bad(why, cap, "ts_add: first argument must be a timestamp");
    /* a non-literal string (params.x, dag_run.conf.x) is known only at render time */
    if (a[1].kind == LH__TV_TIME || ((a[1].literal || ctx) && parse_signed_duration(&a[1], &d)))
        return bad(why, cap, "ts_add: second argument must be a duration like '2h' or '-30m'");
    if (a[0].literal && lh__flow_tval_time(&a[0], &t, why, cap)) return LH_EINVAL;
    out->kind = LH__TV_STR; /* a ts, as ds_add gives a ds */
    if (!ctx) return 0;
    if (lh__flow_tval_time(&a[0], &t, why, cap)) return LH_EINVAL;
    lh_flow_format_ts(t + d, out->buf, sizeof out->buf);
    out->s = out->buf;
    return 0;
}

static int ts_format(lh__tval_t *a, lh__tval_t *out, const lh_flow_run_ctx_t *ctx, char *why,
                     size_t cap)
{
    int64_t t;
    if (a[0].kind == LH__TV_INT || !a[1].literal || a[1].kind != LH__TV_STR)
        return bad(why, cap, "ts_format: expects (timestamp, 'strftime format')");
    if (check_strftime(a[1].s, why, cap)) return LH_EINVAL;
    if (a[0].literal && lh__flow_tval_time(&a[0], &t, why, cap)) return LH_EINVAL;
    out->kind = LH__TV_STR;
    if (!ctx) return 0;
    if (lh__flow_tval_time(&a[0], &t, why, cap)) return LH_EINVAL;
    struct tm tm;
    tm_of(t, &tm);
    if (!strftime(out->buf, sizeof out->buf, a[1].s, &tm) && a[1].s[0])
        return bad(why, cap, "ts_format: result too long");
    out->s = out->buf;
    return 0;
}

static const lh__tmacro_t macros[] = {
    {.name = "ds_add", .nargs = 2, .fn = ds_add},
    {.name = "ds_format", .nargs = 3, .fn = ds_format},
    {.name = "ts_add", .nargs = 2, .fn = ts_add},
    {.name = "ts_format", .nargs = 2, .fn = ts_format},
};

const lh__tmacro_t *lh__flow_macro_find(const char *name, size_t len)
{
    if (len > 7 && !strncmp(name, "macros.", 7)) name += 7, len -= 7;
    for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
        if (strlen(macros[i].name) == len && !strncmp(macros[i].name, name, len)) return &macros[i];
    return NULL;
}

int lh__flow_tval_time(const lh__tval_t *v, int64_t *t, char *why, size_t cap)
{
    if (v->kind == LH__TV_TIME) return *t = v->n, 0;
    if (v->kind == LH__TV_STR && lh_time_iso8601_parse((lh_str_t){v->s, strlen(v->s)}, t) == 0)
        return 0;
    return bad(why, cap, "not an ISO 8601 timestamp");
}
