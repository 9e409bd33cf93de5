/* date_part/extract and its shorthands (year(), month(), ... BIGINT; epoch
 * and julian DOUBLE) over DATE, TIMESTAMP, TIMESTAMPTZ, TIME and INTERVAL,
 * and date_trunc (always a TIMESTAMP, or TIMESTAMPTZ for one), as DuckDB
 * with the session time zone UTC. Part names take DuckDB's synonyms; an
 * unknown one is the Conversion Error 'extract specifier "x" not
 * recognized'. The other date functions are in date2.c. */
#include <strings.h>

#include "core/timefmt.h"
#include "sql/func/date_int.h"

static const struct {
    const char *name;
    uint8_t part;
} names[] = {
    {"year", DP_YEAR},
    {"y", DP_YEAR},
    {"yr", DP_YEAR},
    {"yrs", DP_YEAR},
    {"years", DP_YEAR},
    {"month", DP_MONTH},
    {"mon", DP_MONTH},
    {"mons", DP_MONTH},
    {"months", DP_MONTH},
    {"day", DP_DAY},
    {"d", DP_DAY},
    {"days", DP_DAY},
    {"dayofmonth", DP_DAY},
    {"hour", DP_HOUR},
    {"h", DP_HOUR},
    {"hr", DP_HOUR},
    {"hrs", DP_HOUR},
    {"hours", DP_HOUR},
    {"minute", DP_MINUTE},
    {"m", DP_MINUTE},
    {"min", DP_MINUTE},
    {"mins", DP_MINUTE},
    {"minutes", DP_MINUTE},
    {"second", DP_SECOND},
    {"s", DP_SECOND},
    {"sec", DP_SECOND},
    {"secs", DP_SECOND},
    {"seconds", DP_SECOND},
    {"millisecond", DP_MS},
    {"ms", DP_MS},
    {"msec", DP_MS},
    {"msecs", DP_MS},
    {"msecond", DP_MS},
    {"milliseconds", DP_MS},
    {"microsecond", DP_US},
    {"us", DP_US},
    {"usec", DP_US},
    {"usecs", DP_US},
    {"usecond", DP_US},
    {"microseconds", DP_US},
    {"epoch", DP_EPOCH},
    {"dow", DP_DOW},
    {"dayofweek", DP_DOW},
    {"weekday", DP_DOW},
    {"isodow", DP_ISODOW},
    {"doy", DP_DOY},
    {"dayofyear", DP_DOY},
    {"week", DP_WEEK},
    {"w", DP_WEEK},
    {"weeks", DP_WEEK},
    {"weekofyear", DP_WEEK},
    {"quarter", DP_QUARTER},
    {"quarters", DP_QUARTER},
    {"decade", DP_DECADE},
    {"decades", DP_DECADE},
    {"century", DP_CENTURY},
    {"centuries", DP_CENTURY},
    {"millennium", DP_MILLENNIUM},
    {"millennia", DP_MILLENNIUM},
    {"millenium", DP_MILLENNIUM},
    {"yearweek", DP_YEARWEEK},
    {"era", DP_ERA},
    {"isoyear", DP_ISOYEAR},
    {"julian", DP_JULIAN},
};

int lh__date_part_of(lh_sql_fctx_t *ctx, lh_string_t s)
{
    const char *p = lh_string_data(&s);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i].name) == s.len && !strncasecmp(names[i].name, p, s.len))
            return names[i].part;
    if (ctx)
        lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_ECONVERT, ctx->pos,
                   "extract specifier \"%.*s\" not recognized", (int)(s.len > 64 ? 64 : s.len), p);
    return -1;
}

void lh__civil_of(int64_t us, lh__civil_t *c)
{
    c->days = lh__floordiv(us, LH_MICROS_PER_DAY);
    c->tod = us - c->days * LH_MICROS_PER_DAY;
    lh_time_civil_from_days(c->days, &c->y, &c->m, &c->d);
}

/* ISO 8601 week and its year. */
static void iso_week(int64_t days, int64_t *year, int64_t *week)
{
    int64_t isodow = lh__floordiv(days + 3, 7) * -7 + days + 3 + 1; /* 1 = Monday */
    int64_t th = days - (isodow - 1) + 3, y;
    int m, d;
    lh_time_civil_from_days(th, &y, &m, &d);
    *year = y;
    *week = (th - lh_time_days_from_civil(y, 1, 1)) / 7 + 1;
}

/* Part p of the instant at us (micros since the epoch). */
static int64_t ts_part(int p, int64_t us)
{
    lh__civil_t c;
    lh__civil_of(us, &c);
    int64_t isodow = c.days + 3 - lh__floordiv(c.days + 3, 7) * 7 + 1, iy, iw;
    switch (p) {
    case DP_YEAR:
        return c.y;
    case DP_MONTH:
        return c.m;
    case DP_DAY:
        return c.d;
    case DP_HOUR:
        return c.tod / 3600000000LL;
    case DP_MINUTE:
        return c.tod / 60000000LL % 60;
    case DP_SECOND:
        return c.tod / 1000000 % 60;
    case DP_MS:
        return c.tod % 60000000LL / 1000;
    case DP_US:
        return c.tod % 60000000LL;
    case DP_DOW:
        return isodow % 7;
    case DP_ISODOW:
        return isodow;
    case DP_DOY:
        return c.days - lh_time_days_from_civil(c.y, 1, 1) + 1;
    case DP_WEEK:
        return iso_week(c.days, &iy, &iw), iw;
    case DP_ISOYEAR:
        return iso_week(c.days, &iy, &iw), iy;
    case DP_YEARWEEK:
        iso_week(c.days, &iy, &iw);
        return iy * 100 + (iy < 0 ? -iw : iw);
    case DP_QUARTER:
        return (c.m - 1) / 3 + 1;
    case DP_DECADE:
        return c.y / 10;
    case DP_CENTURY:
        return c.y > 0 ? (c.y - 1) / 100 + 1 : c.y / 100 - 1;
    case DP_MILLENNIUM:
        return c.y > 0 ? (c.y - 1) / 1000 + 1 : c.y / 1000 - 1;
    case DP_ERA:
        return c.y > 0;
    default:
        return 0;
    }
}

/* Part p of an INTERVAL or a TIME (a TIME is micros in tod). */
static int64_t iv_part(int p, lh_interval_t v)
{
    switch (p) {
    case DP_YEAR:
        return v.months / 12;
    case DP_MONTH:
        return v.months % 12;
    case DP_DAY:
        return v.days;
    case DP_HOUR:
        return v.micros / 3600000000LL;
    case DP_MINUTE:
        return v.micros / 60000000LL % 60;
    case DP_SECOND:
        return v.micros / 1000000 % 60;
    case DP_MS:
        return v.micros % 60000000LL / 1000;
    case DP_US:
        return v.micros % 60000000LL;
    case DP_QUARTER:
        return v.months % 12 / 3 + 1;
    case DP_DECADE:
        return v.months / 120;
    case DP_CENTURY:
        return v.months / 1200;
    case DP_MILLENNIUM:
        return v.months / 12000;
    default:
        return 0;
    }
}

static double epoch_of(const lh_vector_t *v, uint32_t i, bool julian)
{
    uint32_t r = lh__ix(v, i);
    int64_t us;
    switch (v->type.id) {
    case LH_TYPE_DATE:
        us = ((const int32_t *)v->data)[r] * LH_MICROS_PER_DAY;
        break;
    case LH_TYPE_INTERVAL: {
        lh_interval_t iv = ((const lh_interval_t *)v->data)[r];
        /* DuckDB: a year is 365.25 days, a month past the years 30 */
        double days = (iv.months / 12) * 365.25 + (iv.months % 12) * 30.0 + iv.days;
        return days * 86400.0 + (double)iv.micros / 1e6;
    }
    default:
        us = ((const int64_t *)v->data)[r];
    }
    if (!julian) return (double)us / 1e6;
    int64_t days = lh__floordiv(us, LH_MICROS_PER_DAY);
    return (double)(days + 2440588) + (double)(us - days * LH_MICROS_PER_DAY) / 86400e6;
}

/* Part p of row i of v, as BIGINT. */
static int64_t part_of(int p, const lh_vector_t *v, uint32_t i)
{
    uint32_t r = lh__ix(v, i);
    switch (v->type.id) {
    case LH_TYPE_DATE:
        return ts_part(p, ((const int32_t *)v->data)[r] * LH_MICROS_PER_DAY);
    case LH_TYPE_TIME:
        return iv_part(p, (lh_interval_t){0, 0, ((const int64_t *)v->data)[r]});
    case LH_TYPE_INTERVAL:
        return iv_part(p, ((const lh_interval_t *)v->data)[r]);
    default:
        return ts_part(p, ((const int64_t *)v->data)[r]);
    }
}

/* date_part(part, x): args[0] the part (or the shorthand's, in bind data). */
static int f_date_part(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                       lh_vector_t *out)
{
    const lh_vector_t *x = &args[nargs - 1];
    int fixed = ctx->bind_data ? *(const int *)ctx->bind_data : -1;
    bool dbl = out->type.id == LH_TYPE_DOUBLE;
    for (uint32_t i = 0; i < count; i++) {
        if (!lh__row_on(out, i)) continue;
        int p = fixed;
        if (p < 0 && (p = lh__date_part_of(ctx, lh__str(&args[0], i))) < 0) return LH_EINVAL;
        if (dbl)
            ((double *)out->data)[i] = p == DP_EPOCH || p == DP_JULIAN
                                           ? epoch_of(x, i, p == DP_JULIAN)
                                           : (double)part_of(p, x, i);
        else if (p == DP_EPOCH || p == DP_JULIAN)
            ((int64_t *)out->data)[i] = (int64_t)epoch_of(x, i, p == DP_JULIAN);
        else
            ((int64_t *)out->data)[i] = part_of(p, x, i);
    }
    return 0;
}

#define V LH_TYPE_VARCHAR
#define B LH_TYPE_BIGINT
#define O2(t)                                                                                      \
    {                                                                                              \
        .args = {V, LH_TYPE_##t}, .nargs = 2, .ret = B, .exec = f_date_part                        \
    }
#define O1(t)                                                                                      \
    {                                                                                              \
        .args = {LH_TYPE_##t}, .nargs = 1, .ret = B, .exec = f_date_part                           \
    }
static const lh_sql_overload_t o_part2[] = {O2(DATE), O2(TIMESTAMP), O2(TIMESTAMP_TZ), O2(TIME),
                                            O2(INTERVAL)};
static const lh_sql_overload_t o_part1[] = {O1(DATE), O1(TIMESTAMP), O1(TIMESTAMP_TZ), O1(TIME),
                                            O1(INTERVAL)};

/* The part named by a constant first argument, or -1 (left to the kernel). */
static int const_part(const lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    const lh_sql_arg_t *a = &call->args[0];
    if (!(a->flags & (LH_SQL_ARG_CONSTANT | LH_SQL_ARG_STRING_LITERAL)) || a->value.is_null ||
        a->value.type.id != LH_TYPE_VARCHAR)
        return -1;
    lh_string_t s = lh_string_make(a->value.v.s.ptr, (uint32_t)a->value.v.s.len);
    lh_sql_fctx_t c = {.err = err, .pos = call->pos};
    return lh__date_part_of(&c, s) < 0 ? -2 : lh__date_part_of(NULL, s);
}

static int bind_date_part(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    int rc = lh_sql_bind_overloads(call, o_part2, LH__COUNT(o_part2), err);
    if (rc) return rc;
    int p = const_part(call, err);
    if (p == -2) return LH_EINVAL;
    if (p == DP_EPOCH || p == DP_JULIAN) call->ret = lh_type(LH_TYPE_DOUBLE);
    return 0;
}

/* The shorthands: year(x) ... with the part in bind data. */
static int bind_short(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    int rc = lh_sql_bind_overloads(call, o_part1, LH__COUNT(o_part1), err);
    if (rc) return rc;
    int *p = lh_arena_alloc(call->arena, sizeof *p);
    if (!p) return lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, call->pos, "out of memory");
    lh_string_t s = lh_string_make(call->name, (uint32_t)strlen(call->name));
    *p = lh__date_part_of(NULL, s);
    if (*p < 0) return lh_sql_err(err, LH_EINVAL, LH_SQL_EINTERNAL, call->pos, "bad shorthand");
    call->bind_data = p;
    if (*p == DP_EPOCH || *p == DP_JULIAN) call->ret = lh_type(LH_TYPE_DOUBLE);
    return 0;
}

#define FP(nm, d)                                                                                  \
    {                                                                                              \
        .name = nm, .kind = LH_SQL_FUNC_SCALAR, .bind = bind_short, .doc = d                       \
    }
static const lh_sql_func_def_t defs[] = {
    {.name = "date_part",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = bind_date_part,
     .doc = "date_part(part, x): a field of a date, timestamp, time or interval"},
    {.name = "datepart",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = bind_date_part,
     .doc = "datepart(part, x): date_part"},
    FP("year", "year(x)"),
    FP("month", "month(x)"),
    FP("day", "day(x): day of the month"),
    FP("dayofmonth", "dayofmonth(x)"),
    FP("hour", "hour(x)"),
    FP("minute", "minute(x)"),
    FP("second", "second(x)"),
    FP("millisecond", "millisecond(x): seconds and milliseconds, in ms"),
    FP("microsecond", "microsecond(x): seconds and microseconds, in us"),
    FP("dayofweek", "dayofweek(x): 0 = Sunday"),
    FP("weekday", "weekday(x): 0 = Sunday"),
    FP("isodow", "isodow(x): 1 = Monday"),
    FP("dayofyear", "dayofyear(x)"),
    FP("week", "week(x): ISO week"),
    FP("weekofyear", "weekofyear(x): ISO week"),
    FP("yearweek", "yearweek(x): ISO year * 100 + ISO week"),
    FP("isoyear", "isoyear(x)"),
    FP("quarter", "quarter(x)"),
    FP("decade", "decade(x)"),
    FP("century", "century(x)"),
    FP("millennium", "millennium(x)"),
    FP("era", "era(x)"),
    FP("epoch", "epoch(x): seconds since 1970-01-01 (DOUBLE)"),
    FP("julian", "julian(x): the Julian day (DOUBLE)"),
};

const lh__func_table_t lh__date_funcs = {defs, LH__COUNT(defs)};
