/* Date functions beside date_part (date.c), as DuckDB with the session time
 * zone UTC: date_trunc (a TIMESTAMP, TIMESTAMPTZ for one), date_diff /
 * datediff (part boundaries crossed) and date_sub / datesub (whole parts
 * elapsed; months by adding and comparing, clamped to the month's end),
 * date_add, now/current_timestamp/get_current_timestamp/
 * transaction_timestamp (TIMESTAMPTZ) and current_date/today (DATE), one
 * value per query (LH_SQL_FUNC_STABLE), epoch_ms/epoch_us/epoch_ns both
 * ways, to_timestamp, make_date/make_timestamp/make_time, last_day, dayname,
 * monthname. */
#include <time.h>

#include "core/timefmt.h"
#include "sql/func/date_int.h"

#define DAY LH_MICROS_PER_DAY
#define FOR_ROWS                                                                                   \
    for (uint32_t i = 0; i < count; i++)                                                           \
        if (lh__row_on(out, i))
#define AT(T, v, i) (((const T *)(v)->data)[lh__ix(v, i)])
#define OUT(T) ((T *)out->data)

/* Row i of a DATE/TIMESTAMP/TIMESTAMPTZ/TIME vector as micros. */
static int64_t us_of(const lh_vector_t *v, uint32_t i)
{
    return v->type.id == LH_TYPE_DATE ? AT(int32_t, v, i) * DAY : AT(int64_t, v, i);
}

static int64_t isodow_of(int64_t days)
{
    return days + 3 - lh__floordiv(days + 3, 7) * 7 + 1;
}

/* ---- date_trunc ---- */

static int64_t trunc_us(int p, int64_t us, bool *ok)
{
    lh__civil_t c;
    lh__civil_of(us, &c);
    int64_t y = c.y;
    int m = 1;
    *ok = true;
    switch (p) {
    case DP_MILLENNIUM:
        y = y / 1000 * 1000;
        break;
    case DP_CENTURY:
        y = y / 100 * 100;
        break;
    case DP_DECADE:
        y = y / 10 * 10;
        break;
    case DP_YEAR:
        break;
    case DP_QUARTER:
        m = (c.m - 1) / 3 * 3 + 1;
        break;
    case DP_MONTH:
        m = c.m;
        break;
    case DP_WEEK:
        return (c.days - (isodow_of(c.days) - 1)) * DAY;
    case DP_ISOYEAR: {
        int64_t th = c.days - (isodow_of(c.days) - 1) + 3, iy;
        int mm, dd;
        lh_time_civil_from_days(th, &iy, &mm, &dd);
        int64_t jan4 = lh_time_days_from_civil(iy, 1, 4);
        return (jan4 - (isodow_of(jan4) - 1)) * DAY;
    }
    case DP_DAY:
    case DP_DOY:
    case DP_DOW:
    case DP_ISODOW:
        return c.days * DAY;
    case DP_HOUR:
        return lh__floordiv(us, 3600000000LL) * 3600000000LL;
    case DP_MINUTE:
        return lh__floordiv(us, 60000000LL) * 60000000LL;
    case DP_SECOND:
        return lh__floordiv(us, 1000000) * 1000000;
    case DP_MS:
        return lh__floordiv(us, 1000) * 1000;
    case DP_US:
        return us;
    default:
        *ok = false;
        return 0;
    }
    return lh_time_days_from_civil(y, m, 1) * DAY;
}

static int f_date_trunc(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                        lh_vector_t *out)
{
    int fixed = -1;
    FOR_ROWS
    {
        int p = fixed;
        if (p < 0 && (p = lh__date_part_of(ctx, lh__str(&a[0], i))) < 0) return LH_EINVAL;
        if (a[0].kind == LH_VECTOR_CONSTANT) fixed = p;
        bool ok;
        OUT(int64_t)[i] = trunc_us(p, us_of(&a[1], i), &ok);
        if (!ok) {
            lh_string_t s = lh__str(&a[0], i);
            return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_ECONVERT, ctx->pos,
                              "Unsupported date_trunc specifier \"%.*s\"", (int)s.len,
                              lh_string_data(&s));
        }
    }
    return 0;
}

/* ---- date_diff, date_sub ---- */

static int64_t months_of(int64_t us)
{
    lh__civil_t c;
    lh__civil_of(us, &c);
    return c.y * 12 + c.m - 1;
}

/* Whole months from a to b (a <= b): a + k months (clamped) still <= b. */
static int64_t months_elapsed(int64_t a, int64_t b)
{
    int64_t k = months_of(b) - months_of(a), t;
    if (k > 0 && (!lh__ts_add_interval(a, (lh_interval_t){(int32_t)k, 0, 0}, &t) || t > b)) k--;
    return k;
}

static int64_t diff_part(int p, int64_t a, int64_t b, bool sub)
{
    static const int64_t unit[] = {[DP_HOUR] = 3600000000LL,
                                   [DP_MINUTE] = 60000000LL,
                                   [DP_SECOND] = 1000000,
                                   [DP_MS] = 1000,
                                   [DP_US] = 1,
                                   [DP_DAY] = DAY,
                                   [DP_DOY] = DAY,
                                   [DP_DOW] = DAY,
                                   [DP_ISODOW] = DAY,
                                   [DP_WEEK] = 7 * DAY};
    lh__civil_t x, y;
    lh__civil_of(a, &x);
    lh__civil_of(b, &y);
    if (sub) {
        if (p < (int)(sizeof unit / sizeof unit[0]) && unit[p]) return (b - a) / unit[p];
        int64_t m = a <= b ? months_elapsed(a, b) : -months_elapsed(b, a);
        switch (p) {
        case DP_YEAR:
        case DP_ISOYEAR:
            return m / 12;
        case DP_QUARTER:
            return m / 3;
        case DP_DECADE:
            return m / 120;
        case DP_CENTURY:
            return m / 1200;
        case DP_MILLENNIUM:
            return m / 12000;
        default:
            return m;
        }
    }
    switch (p) {
    case DP_YEAR:
    case DP_ISOYEAR:
        return y.y - x.y;
    case DP_QUARTER:
        return (y.y * 4 + (y.m - 1) / 3) - (x.y * 4 + (x.m - 1) / 3);
    case DP_MONTH:
        return (y.y * 12 + y.m) - (x.y * 12 + x.m);
    case DP_DECADE:
        return y.y / 10 - x.y / 10;
    case DP_CENTURY:
        return y.y / 100 - x.y / 100;
    case DP_MILLENNIUM:
        return y.y / 1000 - x.y / 1000;
    case DP_DAY:
    case DP_DOY:
    case DP_DOW:
    case DP_ISODOW:
        return y.days - x.days;
    case DP_WEEK:
        return (y.days - x.days) / 7;
    default:
        return b / unit[p] - a / unit[p];
    }
}

static int run_diff(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t count, lh_vector_t *out,
                    bool sub)
{
    int fixed = -1;
    FOR_ROWS
    {
        int p = fixed;
        if (p < 0 && (p = lh__date_part_of(ctx, lh__str(&a[0], i))) < 0) return LH_EINVAL;
        if (a[0].kind == LH_VECTOR_CONSTANT) fixed = p;
        if (p == DP_EPOCH || p == DP_JULIAN || p == DP_YEARWEEK || p == DP_ERA) p = DP_SECOND;
        OUT(int64_t)[i] = diff_part(p, us_of(&a[1], i), us_of(&a[2], i), sub);
    }
    return 0;
}
static int f_date_diff(lh_sql_fctx_t *c, const lh_vector_t *a, uint32_t n, uint32_t k,
                       lh_vector_t *o)
{
    return run_diff(c, a, k, o, false);
}
static int f_date_sub(lh_sql_fctx_t *c, const lh_vector_t *a, uint32_t n, uint32_t k,
                      lh_vector_t *o)
{
    return run_diff(c, a, k, o, true);
}

static int f_date_add(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                      lh_vector_t *out)
{
    FOR_ROWS
    {
        if (!lh__ts_add_interval(us_of(&a[0], i), AT(lh_interval_t, &a[1], i), &OUT(int64_t)[i]))
            return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, ctx->pos,
                              "Timestamp out of range");
    }
    return 0;
}

/* ---- now, current_date ---- */

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
static int f_now(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                 lh_vector_t *out)
{
    int64_t t = now_us();
    for (uint32_t i = 0; i < count; i++)
        OUT(int64_t)[i] = t;
    return 0;
}
static int f_today(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                   lh_vector_t *out)
{
    int32_t d = (int32_t)lh__floordiv(now_us(), DAY);
    for (uint32_t i = 0; i < count; i++)
        OUT(int32_t)[i] = d;
    return 0;
}

/* ---- epoch_*, to_timestamp ---- */

static int f_epoch_ms(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                      lh_vector_t *out)
{
    FOR_ROWS OUT(int64_t)[i] = us_of(&a[0], i) / 1000; /* toward zero, as DuckDB */
    return 0;
}
static int f_epoch_us(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                      lh_vector_t *out)
{
    FOR_ROWS OUT(int64_t)[i] = us_of(&a[0], i);
    return 0;
}
static int range(lh_sql_fctx_t *ctx, const char *what)
{
    return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, ctx->pos, "%s out of range", what);
}
static int f_epoch_ns(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                      lh_vector_t *out)
{
    FOR_ROWS
    {
        if (__builtin_mul_overflow(us_of(&a[0], i), 1000, &OUT(int64_t)[i]))
            return range(ctx, "Timestamp");
    }
    return 0;
}
static int f_ms_to_ts(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                      lh_vector_t *out)
{
    FOR_ROWS
    {
        if (__builtin_mul_overflow(AT(int64_t, &a[0], i), 1000, &OUT(int64_t)[i]))
            return range(ctx, "Timestamp");
    }
    return 0;
}
static int f_to_timestamp(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                          lh_vector_t *out)
{
    FOR_ROWS
    {
        double s = AT(double, &a[0], i) * 1e6;
        if (!(s > -9.2e18 && s < 9.2e18)) return range(ctx, "Timestamp");
        OUT(int64_t)[i] = (int64_t)llround(s);
    }
    return 0;
}

/* ---- make_date, make_timestamp, make_time ---- */

static bool civil_ok(int64_t y, int64_t m, int64_t d)
{
    static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || y < -290307 || y > 294247) return false;
    int last = md[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    return d <= last;
}
static int date_range(lh_sql_fctx_t *ctx, int64_t y, int64_t m, int64_t d)
{
    return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_ECONVERT, ctx->pos,
                      "Date out of range: %lld-%lld-%lld", (long long)y, (long long)m,
                      (long long)d);
}
static int f_make_date(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                       lh_vector_t *out)
{
    FOR_ROWS
    {
        int64_t y = AT(int64_t, &a[0], i), m = AT(int64_t, &a[1], i), d = AT(int64_t, &a[2], i);
        if (!civil_ok(y, m, d)) return date_range(ctx, y, m, d);
        OUT(int32_t)[i] = (int32_t)lh_time_days_from_civil(y, (int)m, (int)d);
    }
    return 0;
}
static bool time_us(int64_t h, int64_t mi, double s, int64_t *out)
{
    if (h < 0 || h > 24 || mi < 0 || mi >= 60 || !(s >= 0 && s <= 60)) return false;
    *out = h * 3600000000LL + mi * 60000000LL + (int64_t)llround(s * 1e6);
    return *out <= DAY;
}
static int f_make_ts(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                     lh_vector_t *out)
{
    FOR_ROWS
    {
        int64_t y = AT(int64_t, &a[0], i), m = AT(int64_t, &a[1], i), d = AT(int64_t, &a[2], i);
        int64_t t;
        if (!civil_ok(y, m, d)) return date_range(ctx, y, m, d);
        if (!time_us(AT(int64_t, &a[3], i), AT(int64_t, &a[4], i), AT(double, &a[5], i), &t))
            return range(ctx, "Time");
        OUT(int64_t)[i] = lh_time_days_from_civil(y, (int)m, (int)d) * DAY + t;
    }
    return 0;
}
static int f_make_ts_us(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                        lh_vector_t *out)
{
    FOR_ROWS OUT(int64_t)[i] = AT(int64_t, &a[0], i);
    return 0;
}
static int f_make_time(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                       lh_vector_t *out)
{
    FOR_ROWS
    {
        if (!time_us(AT(int64_t, &a[0], i), AT(int64_t, &a[1], i), AT(double, &a[2], i),
                     &OUT(int64_t)[i]))
            return range(ctx, "Time");
    }
    return 0;
}

/* ---- last_day, dayname, monthname ---- */

static int f_last_day(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                      lh_vector_t *out)
{
    FOR_ROWS
    {
        lh__civil_t c;
        lh__civil_of(us_of(&a[0], i), &c);
        int64_t y = c.m == 12 ? c.y + 1 : c.y;
        OUT(int32_t)[i] = (int32_t)(lh_time_days_from_civil(y, c.m % 12 + 1, 1) - 1);
    }
    return 0;
}
static int names_of(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t count, lh_vector_t *out,
                    bool month)
{
    static const char *const days[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    FOR_ROWS
    {
        lh__civil_t c;
        lh__civil_of(us_of(&a[0], i), &c);
        const char *s = month ? months[c.m - 1] : days[isodow_of(c.days) % 7];
        if (lh_vector_set_string(out, i, s, strlen(s)))
            return lh_sql_err(ctx->err, LH_ENOMEM, LH_SQL_EOOM, ctx->pos, "out of memory");
    }
    return 0;
}
static int f_dayname(lh_sql_fctx_t *c, const lh_vector_t *a, uint32_t n, uint32_t k, lh_vector_t *o)
{
    return names_of(c, a, k, o, false);
}
static int f_monthname(lh_sql_fctx_t *c, const lh_vector_t *a, uint32_t n, uint32_t k,
                       lh_vector_t *o)
{
    return names_of(c, a, k, o, true);
}

/* ---- tables ---- */

#define T(x) LH_TYPE_##x
#define O(fn, rt, ...)                                                                             \
    {                                                                                              \
        .args = {__VA_ARGS__}, .nargs = sizeof((uint8_t[]){__VA_ARGS__}), .ret = T(rt), .exec = fn \
    }
#define O0(fn, rt)                                                                                 \
    {                                                                                              \
        .nargs = 0, .ret = T(rt), .exec = fn                                                       \
    }
#define TS3(fn, rt) O(fn, rt, T(DATE)), O(fn, rt, T(TIMESTAMP)), O(fn, rt, T(TIMESTAMP_TZ))
static const lh_sql_overload_t o_trunc[] = {
    O(f_date_trunc, TIMESTAMP, T(VARCHAR), T(DATE)),
    O(f_date_trunc, TIMESTAMP, T(VARCHAR), T(TIMESTAMP)),
    O(f_date_trunc, TIMESTAMP_TZ, T(VARCHAR), T(TIMESTAMP_TZ))};
#define DIFF(fn)                                                                                   \
    O(fn, BIGINT, T(VARCHAR), T(DATE), T(DATE)),                                                   \
        O(fn, BIGINT, T(VARCHAR), T(TIMESTAMP), T(TIMESTAMP)),                                     \
        O(fn, BIGINT, T(VARCHAR), T(TIMESTAMP_TZ), T(TIMESTAMP_TZ)),                               \
        O(fn, BIGINT, T(VARCHAR), T(TIME), T(TIME))
static const lh_sql_overload_t o_diff[] = {DIFF(f_date_diff)};
static const lh_sql_overload_t o_sub[] = {DIFF(f_date_sub)};
static const lh_sql_overload_t o_add[] = {
    O(f_date_add, TIMESTAMP, T(DATE), T(INTERVAL)),
    O(f_date_add, TIMESTAMP, T(TIMESTAMP), T(INTERVAL)),
    O(f_date_add, TIMESTAMP_TZ, T(TIMESTAMP_TZ), T(INTERVAL))};
static const lh_sql_overload_t o_now[] = {O0(f_now, TIMESTAMP_TZ)};
static const lh_sql_overload_t o_today[] = {O0(f_today, DATE)};
static const lh_sql_overload_t o_epoch_ms[] = {O(f_ms_to_ts, TIMESTAMP, T(BIGINT)),
                                               TS3(f_epoch_ms, BIGINT)};
static const lh_sql_overload_t o_epoch_us[] = {TS3(f_epoch_us, BIGINT)};
static const lh_sql_overload_t o_epoch_ns[] = {TS3(f_epoch_ns, BIGINT)};
static const lh_sql_overload_t o_to_ts[] = {O(f_to_timestamp, TIMESTAMP_TZ, T(DOUBLE))};
static const lh_sql_overload_t o_make_date[] = {
    O(f_make_date, DATE, T(BIGINT), T(BIGINT), T(BIGINT))};
static const lh_sql_overload_t o_make_ts[] = {
    O(f_make_ts, TIMESTAMP, T(BIGINT), T(BIGINT), T(BIGINT), T(BIGINT), T(BIGINT), T(DOUBLE)),
    O(f_make_ts_us, TIMESTAMP, T(BIGINT))};
static const lh_sql_overload_t o_make_time[] = {
    O(f_make_time, TIME, T(BIGINT), T(BIGINT), T(DOUBLE))};
static const lh_sql_overload_t o_last_day[] = {TS3(f_last_day, DATE)};
static const lh_sql_overload_t o_dayname[] = {TS3(f_dayname, VARCHAR)};
static const lh_sql_overload_t o_monthname[] = {TS3(f_monthname, VARCHAR)};

#define F(nm, ov, d, ...)                                                                          \
    {                                                                                              \
        .name = nm, .kind = LH_SQL_FUNC_SCALAR, .overloads = ov, .noverloads = LH__COUNT(ov),      \
        .doc = d, __VA_ARGS__                                                                      \
    }
#define STABLE .flags = LH_SQL_FUNC_STABLE
static const lh_sql_func_def_t defs[] = {
    F("date_trunc", o_trunc, "date_trunc(part, x): x truncated to the part"),
    F("datetrunc", o_trunc, "datetrunc(part, x): date_trunc"),
    F("date_diff", o_diff, "date_diff(part, a, b): part boundaries between a and b"),
    F("datediff", o_diff, "datediff(part, a, b): date_diff"),
    F("date_sub", o_sub, "date_sub(part, a, b): whole parts from a to b"),
    F("datesub", o_sub, "datesub(part, a, b): date_sub"),
    F("date_add", o_add, "date_add(x, interval): x + interval"),
    F("now", o_now, "now(): the query's start time", STABLE),
    F("current_timestamp", o_now, "current_timestamp: now()", STABLE),
    F("get_current_timestamp", o_now, "get_current_timestamp(): now()", STABLE),
    F("transaction_timestamp", o_now, "transaction_timestamp(): now()", STABLE),
    F("current_date", o_today, "current_date: today's date (UTC)", STABLE),
    F("today", o_today, "today(): current_date", STABLE),
    F("epoch_ms", o_epoch_ms, "epoch_ms(x): milliseconds since 1970; epoch_ms(n): a TIMESTAMP"),
    F("epoch_us", o_epoch_us, "epoch_us(x): microseconds since 1970"),
    F("epoch_ns", o_epoch_ns, "epoch_ns(x): nanoseconds since 1970"),
    F("to_timestamp", o_to_ts, "to_timestamp(seconds): a TIMESTAMP WITH TIME ZONE"),
    F("make_date", o_make_date, "make_date(y, m, d)"),
    F("make_timestamp", o_make_ts, "make_timestamp(y, m, d, h, mi, s) or (micros)"),
    F("make_time", o_make_time, "make_time(h, mi, s)"),
    F("last_day", o_last_day, "last_day(x): the last day of x's month"),
    F("dayname", o_dayname, "dayname(x): Monday ... Sunday"),
    F("monthname", o_monthname, "monthname(x): January ... December"),
};

const lh__func_table_t lh__date2_funcs = {defs, LH__COUNT(defs)};
