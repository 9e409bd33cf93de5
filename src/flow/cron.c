/* Cron expressions: parsing the five fields (or a preset) into bit sets, and
 * walking the calendar forwards or backwards to the next or previous tick.
 * The walk works on (day number, hour, minute) and skips whole months, days
 * and hours that cannot match, jumping to the next set bit within an hour,
 * so a tick costs a few dozen steps. Day matching follows Vixie cron: when
 * both day-of-month and day-of-week are restricted (neither field begins
 * with '*'), a day matches if either does; otherwise both must. */
#include "flow/cron.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/timefmt.h"

typedef struct {
    const char *name;
    int lo, hi;
    const char *const *names; /* names[i] is value lo + i (3 letters) */
} field_t;

static const char *const month_names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul",
                                          "aug", "sep", "oct", "nov", "dec", NULL};
static const char *const day_names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat", NULL};

static const field_t fields[5] = {
    {.name = "minute", .lo = 0, .hi = 59},
    {.name = "hour", .lo = 0, .hi = 23},
    {.name = "day-of-month", .lo = 1, .hi = 31},
    {.name = "month", .lo = 1, .hi = 12, .names = month_names},
    {.name = "day-of-week", .lo = 0, .hi = 7, .names = day_names},
};

static const struct {
    const char *name, *expr;
} presets[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

static int fail(char *why, size_t cap, const char *fmt, const char *a, const char *b)
{
    snprintf(why, cap, fmt, a, b);
    return LH_EINVAL;
}

/* One number or name at *s; advances *s. */
static int parse_value(const field_t *f, const char **s, int *v)
{
    if (isdigit((unsigned char)**s)) {
        long n = 0;
        while (isdigit((unsigned char)**s) && n < 1000)
            n = n * 10 + (*(*s)++ - '0');
        if (n < f->lo || n > f->hi) return LH_EINVAL;
        return *v = (int)n, 0;
    }
    for (int i = 0; f->names && f->names[i]; i++)
        if (!strncasecmp(*s, f->names[i], 3) && !isalpha((unsigned char)(*s)[3]))
            return *s += 3, *v = f->lo + i, 0;
    return LH_EINVAL;
}

/* One list item: *, * /n, a, a-b, a-b/n, a/n (a to the end, step n). */
static int parse_item(const field_t *f, const char *s, uint64_t *bits)
{
    int a = f->lo, b = f->hi, step = 1;
    if (*s == '*')
        s++;
    else {
        if (parse_value(f, &s, &a)) return LH_EINVAL;
        b = a;
        if (*s == '-') {
            s++;
            if (parse_value(f, &s, &b) || b < a) return LH_EINVAL;
        }
    }
    if (*s == '/') {
        s++;
        if (!isdigit((unsigned char)*s)) return LH_EINVAL;
        long n = strtol(s, (char **)&s, 10);
        if (n < 1 || n > f->hi + 1) return LH_EINVAL;
        step = (int)n;
        if (b == a) b = f->hi;
    }
    if (*s) return LH_EINVAL;
    for (int v = a; v <= b; v += step)
        *bits |= 1ULL << v;
    return 0;
}

static int parse_field(const field_t *f, const char *text, uint64_t *bits, char *why, size_t cap)
{
    char buf[128];
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 0 || n >= sizeof buf) return fail(why, cap, "%s: bad list \"%s\"", f->name, text);
        memcpy(buf, p, n);
        buf[n] = 0;
        if (parse_item(f, buf, bits)) {
            snprintf(why, cap, "%s: bad value \"%s\" (%d-%d%s)", f->name, buf, f->lo, f->hi,
                     f->names ? " or names" : "");
            return LH_EINVAL;
        }
        p += n;
        if (*p == ',' && !*++p) return fail(why, cap, "%s: bad list \"%s\"", f->name, text);
    }
    return 0;
}

static const int mdays_max[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

/* A restricted day-of-month with '*' day-of-week must exist in some month. */
static int can_fire(const lh_cron_t *c)
{
    if (!c->dow_star && !c->dom_star) return 1;
    for (int m = 1; m <= 12; m++)
        if (c->month >> m & 1)
            for (int d = 1; d <= mdays_max[m]; d++)
                if (c->dom >> d & 1) return 1;
    return 0;
}

static int parse_fields(char *tok[5], lh_cron_t *c, char *why, size_t cap)
{
    uint64_t bits[5] = {0};
    for (int i = 0; i < 5; i++)
        if (parse_field(&fields[i], tok[i], &bits[i], why, cap)) return LH_EINVAL;
    if (bits[4] >> 7 & 1) bits[4] = (bits[4] | 1) & 0x7f;
    *c = (lh_cron_t){.minute = bits[0],
                     .hour = (uint32_t)bits[1],
                     .dom = (uint32_t)bits[2],
                     .month = (uint16_t)bits[3],
                     .dow = (uint8_t)bits[4],
                     .dom_star = tok[2][0] == '*',
                     .dow_star = tok[4][0] == '*'};
    if (!can_fire(c)) return fail(why, cap, "never fires: no such day of the month%s%s", "", "");
    return 0;
}

int lh_cron_parse(const char *expr, lh_cron_t *c, char *why, size_t cap)
{
    char buf[256], *tok[6], *save = NULL;
    int n = 0;
    if (why && cap) why[0] = 0;
    for (size_t i = 0; i < sizeof presets / sizeof presets[0]; i++)
        if (!strcasecmp(expr, presets[i].name)) expr = presets[i].expr;
    if (strlen(expr) >= sizeof buf) return fail(why, cap, "too long%s%s", "", "");
    if (expr[0] == '@') return fail(why, cap, "unknown preset \"%s\"%s", expr, "");
    snprintf(buf, sizeof buf, "%s", expr);
    for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
        if (n == 5) return fail(why, cap, "expected 5 fields, got more%s%s", "", "");
        tok[n++] = t;
    }
    if (n != 5)
        return fail(why, cap, "expected 5 fields (minute hour day month weekday)%s%s", "", "");
    return parse_fields(tok, c, why, cap);
}

/* ---- the calendar walk ---- */

typedef struct {
    int64_t day; /* days since 1970-01-01 */
    int hour, min;
} pos_t;

static int day_matches(const lh_cron_t *c, int64_t day, int *month)
{
    int64_t y;
    int m, d;
    lh_time_civil_from_days(day, &y, &m, &d);
    *month = m;
    int wd = (int)(((day + 4) % 7 + 7) % 7);
    int dom_ok = c->dom >> d & 1, dow_ok = c->dow >> wd & 1;
    if (c->dom_star || c->dow_star) return dom_ok && dow_ok;
    return dom_ok || dow_ok;
}

static int64_t month_first(int64_t day, int delta)
{
    int64_t y;
    int m, d;
    lh_time_civil_from_days(day, &y, &m, &d);
    m += delta;
    if (m > 12) m = 1, y++;
    return lh_time_days_from_civil(y, m, 1);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static pos_t to_pos(int64_t t)
{
    int64_t day = floor_div(t, 86400), s = t - day * 86400;
    return (pos_t){day, (int)(s / 3600), (int)(s % 3600 / 60)};
}

#define WALK_DAYS (40 * 366)

/* Forward: the first matching minute at or after p. */
static int walk_next(const lh_cron_t *c, pos_t p, int64_t *out)
{
    int64_t limit = p.day + WALK_DAYS;
    while (p.day < limit) {
        int m;
        int ok = day_matches(c, p.day, &m);
        if (!(c->month >> m & 1)) {
            p = (pos_t){month_first(p.day, 1), 0, 0};
            continue;
        }
        if (!ok) {
            p = (pos_t){p.day + 1, 0, 0};
            continue;
        }
        uint32_t hours = c->hour >> p.hour << p.hour;
        if (!hours) {
            p = (pos_t){p.day + 1, 0, 0};
            continue;
        }
        int h = __builtin_ctz(hours);
        if (h != p.hour) p.hour = h, p.min = 0;
        uint64_t mins = c->minute >> p.min << p.min;
        if (!mins) {
            p.min = 0;
            if (++p.hour == 24) p = (pos_t){p.day + 1, 0, 0};
            continue;
        }
        p.min = __builtin_ctzll(mins);
        return *out = p.day * 86400 + p.hour * 3600 + p.min * 60, 0;
    }
    return LH_ENOENT;
}

/* Backward: the last matching minute at or before p. */
static int walk_prev(const lh_cron_t *c, pos_t p, int64_t *out)
{
    int64_t limit = p.day - WALK_DAYS;
    while (p.day > limit) {
        int m;
        int ok = day_matches(c, p.day, &m);
        if (!(c->month >> m & 1)) {
            p = (pos_t){month_first(p.day, 0) - 1, 23, 59};
            continue;
        }
        if (!ok) {
            p = (pos_t){p.day - 1, 23, 59};
            continue;
        }
        uint32_t hours = c->hour & (uint32_t)((2ULL << p.hour) - 1);
        if (!hours) {
            p = (pos_t){p.day - 1, 23, 59};
            continue;
        }
        int h = 31 - __builtin_clz(hours);
        if (h != p.hour) p.hour = h, p.min = 59;
        uint64_t mins = c->minute & ((2ULL << p.min) - 1);
        if (!mins) {
            p.min = 59;
            if (--p.hour < 0) p = (pos_t){p.day - 1, 23, 59};
            continue;
        }
        p.min = 63 - __builtin_clzll(mins);
        return *out = p.day * 86400 + p.hour * 3600 + p.min * 60, 0;
    }
    return LH_ENOENT;
}

int lh_cron_next(const lh_cron_t *c, int64_t t, int64_t *out)
{
    return walk_next(c, to_pos(floor_div(t, 60) * 60 + 60), out);
}

int lh_cron_prev(const lh_cron_t *c, int64_t t, int64_t *out)
{
    return walk_prev(c, to_pos(floor_div(t, 60) * 60), out);
}
