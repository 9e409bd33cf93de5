/* Data intervals of a cron schedule, as Airflow's CronDataIntervalTimetable
 * defines them: a run covers [tick, next tick), its logical_date is the
 * interval start, and it may start once the interval has ended. The first
 * interval starts at start_date aligned to the next tick; with catchup off
 * the scheduler skips to the latest interval that has ended by now (as
 * Airflow's _skip_to_latest does); no interval starts after end_date. */
#include "flow/cron.h"

#include <stdint.h>

#include "core/err.h"

/* t itself when it is a tick, else the next tick. */
static int align_to_next(const lh_cron_t *c, int64_t t, int64_t *out)
{
    int64_t p;
    int rc = lh_cron_prev(c, t, &p);
    if (rc == 0 && p == t) return *out = t, 0;
    return lh_cron_next(c, t, out);
}

/* The start of the latest interval that has ended at or before now, not
 * before start_date aligned. */
static int skip_to_latest(const lh_cron_t *c, int64_t start_date, int64_t now, int64_t *out)
{
    int64_t last_start, next_start, aligned, start;
    int rc = lh_cron_prev(c, now - 1, &last_start);
    if (!rc) rc = lh_cron_next(c, last_start, &next_start);
    if (!rc && next_start == now)
        start = last_start;
    else if (!rc)
        rc = lh_cron_prev(c, last_start - 1, &start);
    if (!rc) rc = align_to_next(c, start_date, &aligned);
    if (rc) return rc;
    return *out = start > aligned ? start : aligned, 0;
}

int lh_cron_next_interval(const lh_cron_t *c, const lh_flow_interval_t *last, int64_t start_date,
                          int64_t end_date, int catchup, int64_t now, lh_flow_interval_t *out)
{
    int64_t earliest, end;
    int rc = catchup ? align_to_next(c, start_date, &earliest)
                     : skip_to_latest(c, start_date, now, &earliest);
    if (rc) return rc;
    int64_t start = last && last->end > earliest ? last->end : earliest;
    if (start > end_date) return 0;
    if ((rc = lh_cron_next(c, start, &end))) return rc;
    *out = (lh_flow_interval_t){start, end};
    return 1;
}

int lh_cron_due_intervals(const lh_cron_t *c, const lh_flow_interval_t *last, int64_t start_date,
                          int64_t end_date, int catchup, int64_t now, lh_flow_interval_t *out,
                          int max)
{
    lh_flow_interval_t cur, prev;
    int n = 0, rc;
    while ((rc = lh_cron_next_interval(c, last, start_date, end_date, catchup, now, &cur)) == 1) {
        if (cur.end > now) break;
        if (out && n == max) return max + 1; /* more: the caller asks again */
        if (out) out[n] = cur;
        n++;
        prev = cur;
        last = &prev;
    }
    return rc < 0 ? rc : n;
}
