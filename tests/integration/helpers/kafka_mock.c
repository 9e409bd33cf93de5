/* A peer for the topic CLI tests: librdkafka's own mock cluster (one broker),
 * compiled by tests/integration/test_topic_cli.py. Creates the topics named
 * as TOPIC:PARTITIONS, prints the bootstrap address on one line, then serves
 * until its standard input closes. Usage: kafka_mock [TOPIC:PARTITIONS...] */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) {
        fprintf(stderr, "kafka_mock: %s\n", err);
        return 1;
    }
    rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, 1);
    if (!mc) {
        fprintf(stderr, "kafka_mock: cannot start the mock cluster\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        char *colon = strrchr(argv[i], ':');
        int parts = colon ? (int)strtol(colon + 1, NULL, 10) : 1;
        if (colon) *colon = '\0';
        if (rd_kafka_mock_topic_create(mc, argv[i], parts, 1)) {
            fprintf(stderr, "kafka_mock: cannot create topic %s\n", argv[i]);
            return 1;
        }
    }
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    char buf[256];
    while (read(0, buf, sizeof buf) > 0)
        ;
    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;
}
