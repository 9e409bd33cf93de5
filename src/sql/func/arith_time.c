/* Date and time arithmetic: DATE ± INTEGER days, DATE - DATE (BIGINT days),
 * DATE or TIMESTAMP ± INTERVAL (a TIMESTAMP; months first, clamped to the
 * month's last day, then days, then micros), TIMESTAMP - TIMESTAMP (an
 * INTERVAL of days and micros), INTERVAL ± INTERVAL, INTERVAL * number, INTERVAL / number (NULL by
 * 0), and unary minus on INTERVAL. */
#include "core/timefmt.h"
#include "sql/func/arith_int.h"

static int ts_range(lh_sql_fctx_t *ctx)
{
    return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, ctx->pos, "Timestamp out of range");
}

bool lh__ts_add_interval(int64_t ts, lh_interval_t iv, int64_t *out)
{
    int64_t days = lh__floordiv(ts, LH_MICROS_PER_DAY), us = ts - days * LH_MICROS_PER_DAY;
    if (iv.months) {
        int64_t y;
        int m, d;
        lh_time_civil_from_days(days, &y, &m, &d);
        int64_t mm = y * 12 + (m - 1) + iv.months;
        y = lh__floordiv(mm, 12);
        m = (int)(mm - y * 12) + 1;
        static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int last = md[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
        if (d > last) d = last;
        days = lh_time_days_from_civil(y, m, d);
    }
    __extension__ __int128 r = (__int128)(days + iv.days) * LH_MICROS_PER_DAY + us + iv.micros;
    if (r > INT64_MAX || r < INT64_MIN) return false;
    *out = (int64_t)r;
    return true;
}

static lh_interval_t iv_neg(lh_interval_t a)
{
    return (lh_interval_t){-a.months, -a.days, -a.micros};
}

static lh_interval_t iv_scale(lh_interval_t a, double f)
{
    double m = a.months * f, d = a.days * f + (m - trunc(m)) * 30;
    double us = (double)a.micros * f + (d - trunc(d)) * (double)LH_MICROS_PER_DAY;
    return (lh_interval_t){(int32_t)trunc(m), (int32_t)trunc(d), (int64_t)llround(us)};
}

#define DAY LH_MICROS_PER_DAY
LH__BIN(date_add_int, int32_t, int32_t, int32_t, r = a + b)
LH__BIN(int_add_date, int32_t, int32_t, int32_t, r = a + b)
LH__BIN(date_sub_int, int32_t, int32_t, int32_t, r = a - b)
LH__BIN(date_sub_date, int32_t, int32_t, int64_t, r = (int64_t)a - b)
LH__BIN(date_add_iv, int32_t, lh_interval_t, int64_t,
        if (!lh__ts_add_interval((int64_t)a * DAY, b, &r)) return ts_range(ctx))
LH__BIN(iv_add_date, lh_interval_t, int32_t, int64_t,
        if (!lh__ts_add_interval((int64_t)b * DAY, a, &r)) return ts_range(ctx))
LH__BIN(date_sub_iv, int32_t, lh_interval_t, int64_t,
        if (!lh__ts_add_interval((int64_t)a * DAY, iv_neg(b), &r)) return ts_range(ctx))
LH__BIN(ts_add_iv, int64_t, lh_interval_t, int64_t,
        if (!lh__ts_add_interval(a, b, &r)) return ts_range(ctx))
LH__BIN(iv_add_ts, lh_interval_t, int64_t, int64_t,
        if (!lh__ts_add_interval(b, a, &r)) return ts_range(ctx))
LH__BIN(ts_sub_iv, int64_t, lh_interval_t, int64_t,
        if (!lh__ts_add_interval(a, iv_neg(b), &r)) return ts_range(ctx))
LH__BIN(ts_sub_ts, int64_t, int64_t, lh_interval_t, int64_t x;
        if (__builtin_sub_overflow(a, b, &x)) return ts_range(ctx);
        r = ((lh_interval_t){0, (int32_t)(x / DAY), x % DAY}))
LH__BIN(iv_add_iv, lh_interval_t, lh_interval_t, lh_interval_t,
        r = ((lh_interval_t){a.months + b.months, a.days + b.days, a.micros + b.micros}))
LH__BIN(iv_sub_iv, lh_interval_t, lh_interval_t, lh_interval_t,
        r = ((lh_interval_t){a.months - b.months, a.days - b.days, a.micros - b.micros}))
LH__BIN(iv_mul_int, lh_interval_t, int64_t, lh_interval_t,
        r = ((lh_interval_t){(int32_t)(a.months * b), (int32_t)(a.days *b), a.micros *b}))
LH__BIN(int_mul_iv, int64_t, lh_interval_t, lh_interval_t,
        r = ((lh_interval_t){(int32_t)(b.months * a), (int32_t)(b.days *a), b.micros *a}))
LH__BIN(iv_mul_dbl, lh_interval_t, double, lh_interval_t, r = iv_scale(a, b))
LH__BIN(dbl_mul_iv, double, lh_interval_t, lh_interval_t, r = iv_scale(b, a))
LH__BIN(
    iv_div_int, lh_interval_t, int64_t, lh_interval_t, if (b == 0) {
        lh_vector_set_null(out, i);
        continue;
    } r = iv_scale(a, 1.0 / (double)b))
LH__BIN(
    iv_div_dbl, lh_interval_t, double, lh_interval_t, if (b == 0) {
        lh_vector_set_null(out, i);
        continue;
    } r = iv_scale(a, 1.0 / b))
LH__UN(iv_negate, lh_interval_t, lh_interval_t, r = iv_neg(a))

lh_sql_scalar_fn lh__interval_neg_kernel(void)
{
    return iv_negate;
}

#define O2(x, y, fn, rt)                                                                           \
    {                                                                                              \
        .args = {LH_TYPE_##x, LH_TYPE_##y}, .nargs = 2, .ret = LH_TYPE_##rt, .exec = fn            \
    }
const lh_sql_overload_t lh__time_add_ovl[] = {
    O2(DATE, INTEGER, date_add_int, DATE),
    O2(INTEGER, DATE, int_add_date, DATE),
    O2(DATE, INTERVAL, date_add_iv, TIMESTAMP),
    O2(INTERVAL, DATE, iv_add_date, TIMESTAMP),
    O2(TIMESTAMP, INTERVAL, ts_add_iv, TIMESTAMP),
    O2(INTERVAL, TIMESTAMP, iv_add_ts, TIMESTAMP),
    O2(TIMESTAMP_TZ, INTERVAL, ts_add_iv, TIMESTAMP_TZ),
    O2(INTERVAL, TIMESTAMP_TZ, iv_add_ts, TIMESTAMP_TZ),
    O2(INTERVAL, INTERVAL, iv_add_iv, INTERVAL),
};
const lh_sql_overload_t lh__time_sub_ovl[] = {
    O2(DATE, INTEGER, date_sub_int, DATE),
    O2(DATE, DATE, date_sub_date, BIGINT),
    O2(DATE, INTERVAL, date_sub_iv, TIMESTAMP),
    O2(TIMESTAMP, TIMESTAMP, ts_sub_ts, INTERVAL),
    O2(TIMESTAMP_TZ, TIMESTAMP_TZ, ts_sub_ts, INTERVAL),
    O2(TIMESTAMP, INTERVAL, ts_sub_iv, TIMESTAMP),
    O2(TIMESTAMP_TZ, INTERVAL, ts_sub_iv, TIMESTAMP_TZ),
    O2(INTERVAL, INTERVAL, iv_sub_iv, INTERVAL),
};
const lh_sql_overload_t lh__time_mul_ovl[] = {
    O2(INTERVAL, BIGINT, iv_mul_int, INTERVAL),
    O2(BIGINT, INTERVAL, int_mul_iv, INTERVAL),
    O2(INTERVAL, DOUBLE, iv_mul_dbl, INTERVAL),
    O2(DOUBLE, INTERVAL, dbl_mul_iv, INTERVAL),
};
const lh_sql_overload_t lh__time_div_ovl[] = {
    O2(INTERVAL, BIGINT, iv_div_int, INTERVAL),
    O2(INTERVAL, DOUBLE, iv_div_dbl, INTERVAL),
};
const uint32_t lh__time_div_n = LH__COUNT(lh__time_div_ovl);
const uint32_t lh__time_add_n = LH__COUNT(lh__time_add_ovl);
const uint32_t lh__time_sub_n = LH__COUNT(lh__time_sub_ovl);
const uint32_t lh__time_mul_n = LH__COUNT(lh__time_mul_ovl);
