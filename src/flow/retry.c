/* Airflow's retry delay (TaskInstance.next_retry_datetime): retry_delay, or
 * with retry_exponential_backoff ceil(retry_delay * 2^(try-1)) (at least
 * 1 s) plus a deterministic jitter, sha1("dag#task#logical_date#try") mod
 * that minimum, so the delay lies in [min, 2*min); capped by 86,400 s and
 * by max_retry_delay. try is the try that just failed (1 for the first). */
#include <stdio.h>

#include "core/crypto.h"
#include "flow/flow_int.h"

#define MAX_RETRY_DELAY 86400

int64_t lh__flow_retry_delay(const lh_flow_args_t *a, const char *dag_id, const char *task_id,
                             int64_t logical_date, int try_number)
{
    int64_t delay = a->retry_delay;
    if (a->retry_exponential_backoff) {
        int shift = try_number > 1 ? try_number - 1 : 0;
        int64_t min = delay;
        for (int i = 0; i < shift && min < MAX_RETRY_DELAY; i++) min *= 2;
        if (min < 1) min = 1;
        if (min > MAX_RETRY_DELAY) min = MAX_RETRY_DELAY;
        /* Python's str() of the logical date: "2024-01-01 00:00:00+00:00" */
        char date[40], key[800];
        lh_flow_format_ts(logical_date, date, sizeof date);
        date[10] = ' ';
        int n = snprintf(key, sizeof key, "%s#%s#%s#%d", dag_id, task_id, date, try_number);
        unsigned char h[20];
        lh_sha1(key, (size_t)(n < (int)sizeof key ? n : (int)sizeof key - 1), h);
        uint64_t r = 0;
        for (int i = 0; i < 20; i++) r = (r * 256 + h[i]) % (uint64_t)min;
        delay = min + (int64_t)r;
        if (delay > MAX_RETRY_DELAY) delay = MAX_RETRY_DELAY;
    }
    if (a->max_retry_delay > 0 && delay > a->max_retry_delay) delay = a->max_retry_delay;
    return delay < 0 ? 0 : delay;
}
