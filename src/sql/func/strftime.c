/* strftime(DATE|TIMESTAMP|TIMESTAMPTZ, format) and strftime(format, x)
 * -> VARCHAR, strptime/try_strptime (the parser is in strptime.c) and
 * age(a, b) / age(a) -> INTERVAL, as DuckDB 1.5 with the session time zone
 * UTC. The format must be a constant (DuckDB's "strftime format must be a
 * constant"): it is compiled once at bind into bind data, so a bad one is an
 * error before any row is read. %z writes "+00"; %Z writes "UTC" for a
 * TIMESTAMPTZ and nothing otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/timefmt.h"
#include "sql/func/date_int.h"
#include "sql/func/strtime_int.h"

#define DAY LH_MICROS_PER_DAY

/* ---- compiling a format ---- */

typedef struct compiler {
    lh__strtime_item_t *items;
    char *lits;
    uint32_t n, nlits, lit0, cap_items, cap_lits;
    bool has_tz;
    char why[96]; /* the reason when it fails */
} compiler_t;

static uint8_t plain_spec(char c)
{
    static const char chars[] = "aAwudhbBmyYGHIpMSfgnzZjUWV";
    static const uint8_t specs[] = {SP_a, SP_A, SP_w, SP_u, SP_d, SP_b, SP_b, SP_B, SP_m,
                                    SP_y, SP_Y, SP_G, SP_H, SP_I, SP_p, SP_M, SP_S, SP_f,
                                    SP_g, SP_n, SP_z, SP_Z, SP_j, SP_U, SP_W, SP_V};
    for (size_t i = 0; c && chars[i]; i++)
        if (chars[i] == c) return specs[i];
    return 0;
}

static uint8_t dash_spec(char c)
{
    static const char chars[] = "dmyHIMSj";
    static const uint8_t specs[] = {SP_d_U, SP_m_U, SP_y_U, SP_H_U, SP_I_U, SP_M_U, SP_S_U, SP_j_U};
    for (size_t i = 0; c && chars[i]; i++)
        if (chars[i] == c) return specs[i];
    return 0;
}

static void push(compiler_t *c, uint8_t spec)
{
    c->items[c->n++] = (lh__strtime_item_t){spec, c->lit0, c->nlits - c->lit0};
    c->lit0 = c->nlits;
    if (spec == SP_z || spec == SP_Z) c->has_tz = true;
}

/* Scans s[0, len) into c; false with c->why when it is not a format. */
static bool scan(compiler_t *c, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '%') {
            c->lits[c->nlits++] = s[i];
            continue;
        }
        if (i + 1 == len) {
            snprintf(c->why, sizeof c->why, "Trailing format character %%");
            return false;
        }
        char ch = s[++i];
        uint8_t spec;
        if (ch == '%') {
            c->lits[c->nlits++] = '%';
            continue;
        }
        if (ch == '-' && i + 1 < len) {
            ch = s[++i];
            if (!(spec = dash_spec(ch))) {
                snprintf(c->why, sizeof c->why, "Unrecognized format for strftime/strptime: %%-%c",
                         ch);
                return false;
            }
        } else if (ch == 'c' || ch == 'x' || ch == 'X' || ch == 'T') {
            const char *sub = ch == 'c' ? "%Y-%m-%d %H:%M:%S" : ch == 'x' ? "%Y-%m-%d" : "%H:%M:%S";
            scan(c, sub, strlen(sub));
            continue;
        } else if (!(spec = plain_spec(ch))) {
            snprintf(c->why, sizeof c->why, "Unrecognized format for strftime/strptime: %%%c", ch);
            return false;
        }
        push(c, spec);
    }
    return true;
}

int lh__strtime_compile(lh_arena_t *a, const char *s, size_t len, lh__strtime_t *out,
                        lh_sql_error_t *err, int32_t pos)
{
    compiler_t c = {.cap_items = (uint32_t)len * 3 + 2, .cap_lits = (uint32_t)len * 3 + 1};
    char *text = lh_arena_strndup(a, s, len);
    c.items = lh_arena_alloc(a, sizeof *c.items * c.cap_items);
    c.lits = lh_arena_alloc(a, c.cap_lits);
    if (!text || !c.items || !c.lits)
        return lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, pos, "out of memory");
    if (!len) snprintf(c.why, sizeof c.why, "Empty format string");
    if (!len || !scan(&c, s, len))
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EINPUT, pos,
                          "Failed to parse format specifier %s: %s", text, c.why);
    push(&c, SP_END);
    *out = (lh__strtime_t){
        .text = text, .lits = c.lits, .items = c.items, .n = c.n, .has_tz = c.has_tz};
    return 0;
}

/* ---- formatting ---- */

static const char *const day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};
static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};

/* The fields of one instant a format may name. */
typedef struct when {
    lh__civil_t c;
    int64_t h, mi, s, us;
    int dow;     /* 0 = Sunday */
    int64_t doy; /* 1-based */
    int64_t iso_year, iso_week;
} when_t;

static void when_of(int64_t us, when_t *w)
{
    lh__civil_of(us, &w->c);
    w->h = w->c.tod / 3600000000LL;
    w->mi = w->c.tod / 60000000LL % 60;
    w->s = w->c.tod / 1000000 % 60;
    w->us = w->c.tod % 1000000;
    w->dow = (int)(w->c.days + 4 - lh__floordiv(w->c.days + 4, 7) * 7);
    w->doy = w->c.days - lh_time_days_from_civil(w->c.y, 1, 1) + 1;
    int64_t th = w->c.days - (w->dow + 6) % 7 + 3; /* the Thursday of its ISO week */
    int m, d;
    lh_time_civil_from_days(th, &w->iso_year, &m, &d);
    w->iso_week = (th - lh_time_days_from_civil(w->iso_year, 1, 1)) / 7 + 1;
}

/* Writes v padded with zeros to width digits (0: no padding) at p. */
static size_t put_num(char *p, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width)
        tmp[n++] = '0';
    for (int i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return (size_t)n;
}

static size_t put_str(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return n;
}

/* Writes one specifier at p (at most 24 bytes); returns its length. */
static size_t put_spec(char *p, uint8_t spec, const when_t *w, bool tz)
{
    int64_t h12 = w->h % 12 ? w->h % 12 : 12, y = w->c.y;
    uint64_t y100 = (uint64_t)(y < 0 ? -y : y) % 100;
    switch (spec) {
    case SP_a:
        return put_str(p, day_names[w->dow], 3);
    case SP_A:
        return put_str(p, day_names[w->dow], strlen(day_names[w->dow]));
    case SP_w:
        return put_num(p, (uint64_t)w->dow, 1);
    case SP_u:
        return put_num(p, (uint64_t)(w->dow ? w->dow : 7), 1);
    case SP_d:
        return put_num(p, (uint64_t)w->c.d, 2);
    case SP_d_U:
        return put_num(p, (uint64_t)w->c.d, 0);
    case SP_b:
        return put_str(p, month_names[w->c.m - 1], 3);
    case SP_B:
        return put_str(p, month_names[w->c.m - 1], strlen(month_names[w->c.m - 1]));
    case SP_m:
        return put_num(p, (uint64_t)w->c.m, 2);
    case SP_m_U:
        return put_num(p, (uint64_t)w->c.m, 0);
    case SP_y:
        return put_num(p, y100, 2);
    case SP_y_U:
        return put_num(p, y100, 0);
    case SP_Y:
        if (y >= 0 && y <= 9999) return put_num(p, (uint64_t)y, 4);
        if (y >= 0) return put_num(p, (uint64_t)y, 0);
        *p = '-';
        return 1 + put_num(p + 1, (uint64_t)-y, 0);
    case SP_G: /* DuckDB writes the low four digits of the year as an unsigned 32-bit number */
        return put_num(p, (uint32_t)(int32_t)w->iso_year % 10000, 4);
    case SP_H:
        return put_num(p, (uint64_t)w->h, 2);
    case SP_H_U:
        return put_num(p, (uint64_t)w->h, 0);
    case SP_I:
        return put_num(p, (uint64_t)h12, 2);
    case SP_I_U:
        return put_num(p, (uint64_t)h12, 0);
    case SP_p:
        return put_str(p, w->h >= 12 ? "PM" : "AM", 2);
    case SP_M:
        return put_num(p, (uint64_t)w->mi, 2);
    case SP_M_U:
        return put_num(p, (uint64_t)w->mi, 0);
    case SP_S:
        return put_num(p, (uint64_t)w->s, 2);
    case SP_S_U:
        return put_num(p, (uint64_t)w->s, 0);
    case SP_f:
        return put_num(p, (uint64_t)w->us, 6);
    case SP_g:
        return put_num(p, (uint64_t)w->us / 1000, 3);
    case SP_n:
        return put_num(p, (uint64_t)w->us * 1000, 9);
    case SP_z:
        return put_str(p, "+00", 3);
    case SP_Z:
        return tz ? put_str(p, "UTC", 3) : 0;
    case SP_j:
        return put_num(p, (uint64_t)w->doy, 3);
    case SP_j_U:
        return put_num(p, (uint64_t)w->doy, 0);
    case SP_U:
        return put_num(p, (uint64_t)((w->doy - 1 + 7 - w->dow) / 7), 2);
    case SP_W:
        return put_num(p, (uint64_t)((w->doy - 1 + 7 - (w->dow + 6) % 7) / 7), 2);
    case SP_V:
        return put_num(p, (uint64_t)w->iso_week, 2);
    default:
        return 0;
    }
}

/* Row i of a DATE/TIMESTAMP/TIMESTAMPTZ vector as micros. */
static int64_t us_at(const lh_vector_t *v, uint32_t i)
{
    uint32_t k = lh__ix(v, i);
    return v->type.id == LH_TYPE_DATE ? ((const int32_t *)v->data)[k] * DAY
                                      : ((const int64_t *)v->data)[k];
}

static int run_strftime(lh_sql_fctx_t *ctx, const lh_vector_t *x, uint32_t count, lh_vector_t *out)
{
    const lh__strtime_t *f = ctx->bind_data;
    if (!f) return 0; /* a NULL format: every row is NULL */
    size_t cap = 0;
    for (uint32_t k = 0; k < f->n; k++)
        cap += f->items[k].nlit + 24;
    char *buf = lh_arena_alloc(ctx->arena, cap);
    if (!buf) return lh_sql_err(ctx->err, LH_ENOMEM, LH_SQL_EOOM, ctx->pos, "out of memory");
    bool tz = x->type.id == LH_TYPE_TIMESTAMP_TZ;
    for (uint32_t i = 0; i < count; i++) {
        if (!lh__row_on(out, i)) continue;
        when_t w;
        when_of(us_at(x, i), &w);
        size_t n = 0;
        for (uint32_t k = 0; k < f->n; k++) {
            n += put_str(buf + n, f->lits + f->items[k].lit, f->items[k].nlit);
            n += put_spec(buf + n, f->items[k].spec, &w, tz);
        }
        if (lh_vector_set_string(out, i, buf, n))
            return lh_sql_err(ctx->err, LH_ENOMEM, LH_SQL_EOOM, ctx->pos, "out of memory");
    }
    return 0;
}

static int f_strftime(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                      lh_vector_t *out)
{
    return run_strftime(ctx, &a[0], count, out);
}

static int f_strftime_fmt_first(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n,
                                uint32_t count, lh_vector_t *out)
{
    return run_strftime(ctx, &a[1], count, out);
}

/* ---- binding: the format is compiled once ---- */

int lh__strtime_bind_format(lh_sql_bind_call_t *call, uint32_t k, const char *fn, int32_t pos,
                            lh_sql_error_t *err)
{
    const lh_sql_arg_t *a = &call->args[k];
    if (a->flags & LH_SQL_ARG_NULL_LITERAL) return 0;
    if (!(a->flags & (LH_SQL_ARG_CONSTANT | LH_SQL_ARG_STRING_LITERAL)))
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EINPUT, pos, "%s format must be a constant", fn);
    lh_value_t v = a->value;
    if (v.type.id != LH_TYPE_VARCHAR && !v.is_null) {
        lh_type_t vc = lh_type(LH_TYPE_VARCHAR);
        int rc = lh_sql_cast_value(&a->value, &vc, false, call->arena, &v, pos, err);
        if (rc) return rc;
    }
    if (v.is_null) return 0;
    lh__strtime_t *f = lh_arena_alloc(call->arena, sizeof *f);
    if (!f) return lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, pos, "out of memory");
    int rc = lh__strtime_compile(call->arena, v.v.s.ptr, v.v.s.len, f, err, pos);
    if (rc) return rc;
    call->bind_data = f;
    return 0;
}

#define T(x) LH_TYPE_##x
#define O(fn, rt, ...)                                                                             \
    {                                                                                              \
        .args = {__VA_ARGS__}, .nargs = sizeof((uint8_t[]){__VA_ARGS__}), .ret = T(rt), .exec = fn \
    }
static const lh_sql_overload_t o_strftime[] = {
    O(f_strftime, VARCHAR, T(DATE), T(VARCHAR)),
    O(f_strftime, VARCHAR, T(TIMESTAMP), T(VARCHAR)),
    O(f_strftime, VARCHAR, T(TIMESTAMP_TZ), T(VARCHAR)),
    O(f_strftime_fmt_first, VARCHAR, T(VARCHAR), T(DATE)),
    O(f_strftime_fmt_first, VARCHAR, T(VARCHAR), T(TIMESTAMP)),
    O(f_strftime_fmt_first, VARCHAR, T(VARCHAR), T(TIMESTAMP_TZ)),
};

static int bind_strftime(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    int rc = lh_sql_bind_overloads(call, o_strftime, LH__COUNT(o_strftime), err);
    if (rc) return rc;
    return lh__strtime_bind_format(call, call->exec == f_strftime ? 1 : 0, "strftime", call->pos,
                                   err);
}

/* ---- age ---- */

static int days_in_month(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* DuckDB's age: field by field differences of the later minus the earlier,
 * each negative field borrowing from the next (a day borrows the length of
 * the earlier one's month), the sign put back at the end. */
static lh_interval_t age_of(int64_t a, int64_t b)
{
    bool neg = a < b;
    when_t x, y;
    when_of(neg ? b : a, &x);
    when_of(neg ? a : b, &y);
    int64_t f[7] = {x.c.y - y.c.y, x.c.m - y.c.m, x.c.d - y.c.d, x.h - y.h,
                    x.mi - y.mi,   x.s - y.s,     x.us - y.us};
    static const int64_t base[7] = {0, 12, 0, 24, 60, 60, 1000000};
    for (int k = 6; k >= 1; k--) {
        while (f[k] < 0) {
            f[k] += k == 2 ? days_in_month(y.c.y, y.c.m) : base[k];
            f[k - 1]--;
        }
    }
    int64_t sign = neg ? -1 : 1;
    lh_interval_t iv = {
        .months = (int32_t)(sign * (f[0] * 12 + f[1])),
        .days = (int32_t)(sign * f[2]),
        .micros = sign * (((f[3] * 60 + f[4]) * 60 + f[5]) * 1000000 + f[6]),
    };
    return iv;
}

static int f_age2(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                  lh_vector_t *out)
{
    for (uint32_t i = 0; i < count; i++)
        if (lh__row_on(out, i))
            ((lh_interval_t *)out->data)[i] = age_of(us_at(&a[0], i), us_at(&a[1], i));
    return 0;
}

/* age(x): from midnight of the current date (UTC). */
static int f_age1(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                  lh_vector_t *out)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t today = lh__floordiv((int64_t)ts.tv_sec, 86400) * DAY;
    for (uint32_t i = 0; i < count; i++)
        if (lh__row_on(out, i)) ((lh_interval_t *)out->data)[i] = age_of(today, us_at(&a[0], i));
    return 0;
}

static const lh_sql_overload_t o_age[] = {
    O(f_age2, INTERVAL, T(TIMESTAMP), T(TIMESTAMP)),
    O(f_age2, INTERVAL, T(TIMESTAMP_TZ), T(TIMESTAMP_TZ)),
    O(f_age1, INTERVAL, T(TIMESTAMP)),
    O(f_age1, INTERVAL, T(TIMESTAMP_TZ)),
};

static const lh_sql_func_def_t defs[] = {
    {.name = "strftime",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = bind_strftime,
     .doc = "strftime(x, format): x as text in the format (%Y-%m-%d ...)"},
    {.name = "strptime",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = lh__strptime_bind,
     .doc = "strptime(text, format): a TIMESTAMP (TIMESTAMPTZ with %z or %Z)"},
    {.name = "try_strptime",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = lh__try_strptime_bind,
     .doc = "try_strptime(text, format): strptime, NULL when it does not parse"},
    {.name = "age",
     .kind = LH_SQL_FUNC_SCALAR,
     .overloads = o_age,
     .noverloads = LH__COUNT(o_age),
     .doc = "age(a, b): a - b in years, months, days and time; age(x): from today"},
};

const lh__func_table_t lh__strftime_funcs = {defs, LH__COUNT(defs)};
