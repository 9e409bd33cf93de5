/* Unit tests for the metrics registry: exact text exposition output,
 * cumulative histogram buckets with labels merged with le, and (when
 * /usr/bin/promtool exists) promtool's own check of the rendered text. */
#include "core/buf.h"
#include "core/metrics.h"
#include "test.h"

static void render_counter_and_gauge(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_metrics_register("t_requests_total", LH_METRIC_COUNTER, "Requests.", NULL, 0),
                 0);
    CHECK_EQ_INT(lh_metrics_register("t_requests_total", LH_METRIC_COUNTER, "Again.", NULL, 0), 0);
    CHECK_EQ_INT(lh_metrics_register("t_open", LH_METRIC_GAUGE, "Open things\\now.", NULL, 0), 0);
    lh_metrics_add("t_requests_total", "op=\"Get\",code=\"200\"", 2);
    lh_metrics_add("t_requests_total", "op=\"Get\",code=\"200\"", 1);
    lh_metrics_add("t_requests_total", "op=\"Put\",code=\"403\"", 1);
    lh_metrics_set("t_open", NULL, 7);
    lh_metrics_add("t_open", "", -2);
    lh_metrics_add("t_unknown", NULL, 1);        /* ignored */
    lh_metrics_observe("t_open", NULL, 1);       /* wrong type: ignored */
    lh_metrics_set("t_requests_total", NULL, 5); /* set on a counter: ignored */
    CHECK_EQ_INT(lh_metrics_render(&b), 0);
    CHECK_EQ_STR(b.ptr, "# HELP t_requests_total Requests.\n"
                        "# TYPE t_requests_total counter\n"
                        "t_requests_total{op=\"Get\",code=\"200\"} 3\n"
                        "t_requests_total{op=\"Put\",code=\"403\"} 1\n"
                        "# HELP t_open Open things\\\\now.\n"
                        "# TYPE t_open gauge\n"
                        "t_open 5\n");
    lh_buf_free(&b);
}

static void histogram_buckets_cumulative(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_metrics_register("t_latency_seconds", LH_METRIC_HISTOGRAM, "Latency.", NULL, 0),
                 0);
    lh_metrics_observe("t_latency_seconds", "op=\"Get\"", 0.0005);
    lh_metrics_observe("t_latency_seconds", "op=\"Get\"", 0.001); /* le is inclusive */
    lh_metrics_observe("t_latency_seconds", "op=\"Get\"", 0.3);
    lh_metrics_observe("t_latency_seconds", "op=\"Get\"", 42);
    CHECK_EQ_INT(lh_metrics_render(&b), 0);
    CHECK_EQ_STR(b.ptr, "# HELP t_latency_seconds Latency.\n"
                        "# TYPE t_latency_seconds histogram\n"
                        "t_latency_seconds_bucket{op=\"Get\",le=\"0.001\"} 2\n"
                        "t_latency_seconds_bucket{op=\"Get\",le=\"0.0025\"} 2\n"
                        "t_latency_seconds_bucket{op=\"Get\",le=\"0.005\"} 2\n"
                        "t_latency_seconds_bucket{op=\"Get\",le=\"0.01\"} 2\n"
                        "t_latency_seconds_bucket{op=\"Get\",le=\"0.025\"} 2\n"
                        "t_latency_seconds_bucket{op=\"Get\",le=\"0.05\"} 2\n"
                        "t_latency_seconds_bucket{op=\"Get\",le=\"0.1\"} 2\n"
                        "t_latency_seconds_bucket{op=\"Get\",le=\"0.25\"} 2\n"
                        "t_latency_seconds_bucket{op=\"Get\",le=\"0.5\"} 3\n"
                        "t_latency_seconds_bucket{op=\"Get\",le=\"1\"} 3\n"
                        "t_latency_seconds_bucket{op=\"Get\",le=\"2.5\"} 3\n"
                        "t_latency_seconds_bucket{op=\"Get\",le=\"5\"} 3\n"
                        "t_latency_seconds_bucket{op=\"Get\",le=\"10\"} 3\n"
                        "t_latency_seconds_bucket{op=\"Get\",le=\"+Inf\"} 4\n"
                        "t_latency_seconds_sum{op=\"Get\"} 42.3015\n"
                        "t_latency_seconds_count{op=\"Get\"} 4\n");
    lh_buf_free(&b);
}

static void histogram_custom_buckets_no_labels(void)
{
    static const double bk[] = {1, 2};
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_metrics_register("t_size_bytes", LH_METRIC_HISTOGRAM, "Sizes.", bk, 2), 0);
    lh_metrics_observe("t_size_bytes", NULL, 1.5);
    CHECK_EQ_INT(lh_metrics_render(&b), 0);
    CHECK_EQ_STR(b.ptr, "# HELP t_size_bytes Sizes.\n"
                        "# TYPE t_size_bytes histogram\n"
                        "t_size_bytes_bucket{le=\"1\"} 0\n"
                        "t_size_bytes_bucket{le=\"2\"} 1\n"
                        "t_size_bytes_bucket{le=\"+Inf\"} 1\n"
                        "t_size_bytes_sum 1.5\n"
                        "t_size_bytes_count 1\n");
    lh_buf_free(&b);
}

static void promtool_accepts_output(void)
{
    if (access("/usr/bin/promtool", X_OK) != 0) {
        printf("  (promtool not installed: skipped)\n");
        return;
    }
    lh_metrics_register("lakehouse_t_requests_total", LH_METRIC_COUNTER, "Requests by op.", NULL,
                        0);
    lh_metrics_register("lakehouse_t_in_flight", LH_METRIC_GAUGE, "In flight.", NULL, 0);
    lh_metrics_register("lakehouse_t_duration_seconds", LH_METRIC_HISTOGRAM, "Latency.", NULL, 0);
    lh_metrics_add("lakehouse_t_requests_total", "op=\"GetObject\",code=\"200\"", 3);
    lh_metrics_set("lakehouse_t_in_flight", "listener=\"s3\"", 1);
    lh_metrics_observe("lakehouse_t_duration_seconds", "op=\"GetObject\"", 0.02);
    lh_metrics_observe("lakehouse_t_duration_seconds", NULL, 0.2);
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_metrics_render(&b), 0);
    char path[] = "/tmp/lh_metrics_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK_EQ_INT(write(fd, b.ptr, b.len), (long long)b.len);
    close(fd);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "/usr/bin/promtool check metrics < %s", path);
    int rc = system(cmd);
    unlink(path);
    lh_buf_free(&b);
    CHECK_EQ_INT(rc, 0);
}

static const lh_test_t tests[] = {
    {"render_counter_and_gauge", render_counter_and_gauge},
    {"histogram_buckets_cumulative", histogram_buckets_cumulative},
    {"histogram_custom_buckets_no_labels", histogram_custom_buckets_no_labels},
    {"promtool_accepts_output", promtool_accepts_output},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
