/* Bench-only peer: librdkafka's mock cluster (rdkafka_mock.h) in a process of
 * its own, so the load tool talks to it over loopback as it talks to our
 * broker. Prints the bootstrap address on stdout, then runs until SIGTERM or
 * SIGINT.
 *   kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...
 * Topics named with --topic are created up front; any other topic is created
 * on first use with the mock's default partition count. The mock keeps its
 * log in memory and drops the oldest batches past a few MiB a partition, so
 * it is a peer for produce rates, not for consuming large topics. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < lo || v > hi) return -1;
    *out = (int)v;
    return 0;
}

/* NAME:PARTITIONS -> a topic of that many partitions, replication factor 1 */
static int create_topic(rd_kafka_mock_cluster_t *mc, const char *spec)
{
    const char *colon = strrchr(spec, ':');
    char name[256];
    int parts;
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof name ||
        parse_int(colon + 1, 1, 100000, &parts) < 0) {
        fprintf(stderr, "kafka-mock: bad --topic %s (want NAME:PARTITIONS)\n", spec);
        return -1;
    }
    memcpy(name, spec, (size_t)(colon - spec));
    name[colon - spec] = 0;
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, name, parts, 1);
    if (err) {
        fprintf(stderr, "kafka-mock: cannot create %s: %s\n", name, rd_kafka_err2str(err));
        return -1;
    }
    return 0;
}

static rd_kafka_t *new_handle(void)
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    /* the handle only hosts the cluster; it never connects anywhere */
    if (rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "kafka-mock: %s\n", err);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) fprintf(stderr, "kafka-mock: cannot create handle: %s\n", err);
    return rk;
}

int main(int argc, char **argv)
{
    /* blocked before any thread starts, so every thread inherits the mask and
     * the signal waits for sigwait below */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    int brokers = 1;
    for (int i = 1; i + 1 < argc; i += 2)
        if (!strcmp(argv[i], "--brokers") && parse_int(argv[i + 1], 1, 16, &brokers) < 0) {
            fprintf(stderr, "kafka-mock: bad --brokers %s\n", argv[i + 1]);
            return 2;
        }
    rd_kafka_t *rk = new_handle();
    if (!rk) return 1;
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
    if (!mc) {
        fprintf(stderr, "kafka-mock: cannot start the mock cluster\n");
        rd_kafka_destroy(rk);
        return 1;
    }
    int rc = 0;
    for (int i = 1; i < argc && !rc; i += 2) {
        if (i + 1 >= argc || (strcmp(argv[i], "--topic") && strcmp(argv[i], "--brokers"))) {
            fprintf(stderr, "usage: kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...\n");
            rc = 2;
        } else if (!strcmp(argv[i], "--topic") && create_topic(mc, argv[i + 1]) < 0) {
            rc = 1;
        }
    }
    if (!rc) {
        printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
        fflush(stdout);
        int sig;
        sigwait(&sigs, &sig);
    }
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return rc;
}
