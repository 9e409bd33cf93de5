/* Cron schedules in UTC: the 5-field expression of Vixie cron (lists,
 * ranges, steps, month and day names, the day-of-month / day-of-week OR
 * rule) and the presets @yearly/@annually, @monthly, @weekly, @daily/
 * @midnight, @hourly; the next and previous ticks; and the data intervals
 * of Airflow's CronDataIntervalTimetable (docs/dags.md). Times are seconds
 * since 1970-01-01 UTC. Pure functions, no allocation. */
#ifndef LH_FLOW_CRON_H
#define LH_FLOW_CRON_H

#include <stddef.h>
#include <stdint.h>

typedef struct lh_cron {
    uint64_t minute;  /* bit m set: minute m (0..59) */
    uint32_t hour;    /* bits 0..23 */
    uint32_t dom;     /* bits 1..31 */
    uint16_t month;   /* bits 1..12 */
    uint8_t dow;      /* bits 0..6, Sunday = 0 (7 is read as 0) */
    uint8_t dom_star; /* the field began with '*': Vixie's AND instead of OR */
    uint8_t dow_star;
} lh_cron_t;

/* Parses an expression or a preset. 0, or LH_EINVAL with a short reason
 * ("minute: 61 out of range 0-59", "never fires: no such day") in why. */
int lh_cron_parse(const char *expr, lh_cron_t *c, char *why, size_t cap);
/* The first tick strictly after t; LH_ENOENT if none in 40 years (cannot
 * happen for a parsed expression: lh_cron_parse rejects those). */
int lh_cron_next(const lh_cron_t *c, int64_t t, int64_t *out);
/* The last tick at or before t; LH_ENOENT if none in 40 years. */
int lh_cron_prev(const lh_cron_t *c, int64_t t, int64_t *out);

/* A data interval [start, end): logical_date = start; the run may start at
 * end (Airflow's run_after). */
typedef struct lh_flow_interval {
    int64_t start, end;
} lh_flow_interval_t;

/* What Airflow's next_dagrun_info computes for a cron schedule: the
 * interval after `last` (NULL: no automated run yet), not before
 * start_date (aligned to the next tick), its start not after end_date
 * (INT64_MAX: none); with catchup off, nothing older than the latest
 * interval that ended at or before now. 1 and *out, 0 when there is none,
 * LH_ENOENT as lh_cron_next. */
int lh_cron_next_interval(const lh_cron_t *c, const lh_flow_interval_t *last, int64_t start_date,
                          int64_t end_date, int catchup, int64_t now, lh_flow_interval_t *out);
/* Every interval the scheduler would create up to now (each ended at or
 * before now), in order, from `last` (or none): at most max written to out.
 * Returns how many there are; with out given, max + 1 as soon as there are
 * more than max (so a minute schedule caught up over years costs max + 1
 * steps per call, not one per interval); NULL counts them all. Or
 * LH_ENOENT. */
int lh_cron_due_intervals(const lh_cron_t *c, const lh_flow_interval_t *last, int64_t start_date,
                          int64_t end_date, int catchup, int64_t now, lh_flow_interval_t *out,
                          int max);

#endif
