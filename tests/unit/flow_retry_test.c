/* Airflow's retry delay: plain retry_delay, exponential back-off with its
 * deterministic sha1 jitter (values computed with Airflow's formula in
 * Python: min = retry_delay * 2^(try-1), delay = min + sha1(key) % min),
 * the 24-hour cap and max_retry_delay. */
#include "flow/flow_int.h"
#include "test.h"

#define JAN1 1704067200 /* 2024-01-01T00:00:00Z */

static void plain_delay(void)
{
    lh_flow_args_t a = {.retry_delay = 300};
    CHECK_EQ_INT(lh__flow_retry_delay(&a, "etl", "load", JAN1, 1), 300);
    CHECK_EQ_INT(lh__flow_retry_delay(&a, "etl", "load", JAN1, 5), 300);
    a.max_retry_delay = 60;
    CHECK_EQ_INT(lh__flow_retry_delay(&a, "etl", "load", JAN1, 1), 60);
}

static void exponential_matches_airflow(void)
{
    lh_flow_args_t a = {.retry_delay = 300, .retry_exponential_backoff = 1};
    /* python3 -c "import hashlib; mb=300*2**(t-1);
     *   print(mb + int(hashlib.sha1(f'etl#load#2024-01-01 00:00:00+00:00#{t}'
     *   .encode()).hexdigest(), 16) % mb)" */
    CHECK_EQ_INT(lh__flow_retry_delay(&a, "etl", "load", JAN1, 1), 322);
    CHECK_EQ_INT(lh__flow_retry_delay(&a, "etl", "load", JAN1, 2), 1175);
    CHECK_EQ_INT(lh__flow_retry_delay(&a, "etl", "load", JAN1, 3), 1753);
}

static void exponential_bounds_and_caps(void)
{
    lh_flow_args_t a = {.retry_delay = 10, .retry_exponential_backoff = 1};
    for (int t = 1; t <= 8; t++) {
        int64_t min = 10LL << (t - 1), d = lh__flow_retry_delay(&a, "d", "t", JAN1, t);
        CHECK(d >= min && d < 2 * min);
        CHECK_EQ_INT(d, lh__flow_retry_delay(&a, "d", "t", JAN1, t)); /* deterministic */
    }
    CHECK(lh__flow_retry_delay(&a, "d", "t", JAN1, 40) <= 86400);
    a.max_retry_delay = 45;
    CHECK_EQ_INT(lh__flow_retry_delay(&a, "d", "t", JAN1, 6), 45);
    lh_flow_args_t z = {.retry_delay = 0, .retry_exponential_backoff = 1};
    CHECK_EQ_INT(lh__flow_retry_delay(&z, "d", "t", JAN1, 1), 1); /* at least 1 s */
}

static const lh_test_t tests[] = {
    {"retry_delay without back-off, max_retry_delay caps it", plain_delay},
    {"exponential back-off equals Airflow's formula", exponential_matches_airflow},
    {"back-off stays in [min, 2 min), caps at 24 h and max_retry_delay", exponential_bounds_and_caps},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
