/* Shared between the modes of the bench-only Kafka load tool (kafka_load.c):
 * its options, the librdkafka handles it makes, and its output. */
#ifndef BENCH_KAFKA_LOAD_H
#define BENCH_KAFKA_LOAD_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>

#define KL_MAX_PROPS 32

typedef struct kl_opts {
    const char *mode;    /* produce | consume | latency */
    const char *brokers; /* bootstrap.servers */
    const char *topic;
    const char *label;       /* free text copied into the JSON line ("ours", "mock") */
    const char *acks;        /* "0", "1", "all" */
    const char *compression; /* none gzip snappy lz4 zstd */
    int size;                /* record value bytes */
    long long count;  /* records; 0 = use secs (produce, latency) or read to the end (consume) */
    double secs;      /* produce/latency duration when count is 0 */
    int partitions;   /* produce/latency: create the topic with this many; 0 = leave as is */
    int linger_ms;    /* -1 = librdkafka's default (produce) or 0 (latency) */
    int rate;         /* latency: records/s */
    const char *dump; /* latency: "SEQ MS" a record into this file (-o) */
    int nprops;
    const char *props[KL_MAX_PROPS]; /* -X key=value, passed to every handle */
} kl_opts_t;

double kl_now(void);      /* CLOCK_MONOTONIC seconds */
int64_t kl_now_ns(void);  /* CLOCK_MONOTONIC nanoseconds */
double kl_cpu_secs(void); /* user + system CPU of this process so far */

/* A producer or consumer handle with bootstrap.servers, the -X properties and
 * `extra` (NULL-terminated key, value pairs, applied before -X so -X wins).
 * NULL after printing the reason on stderr. Caller destroys it. */
rd_kafka_t *kl_handle(const kl_opts_t *o, rd_kafka_type_t type, const char *const *extra,
                      void *opaque, void (*dr)(rd_kafka_t *, const rd_kafka_message_t *, void *));

/* Creates the topic with o->partitions partitions when o->partitions > 0
 * and the topic does not exist yet (a failure is a warning: the broker may
 * create topics on first use instead), then
 * waits up to 10 s for its metadata. Returns the partition count, or -1. */
int kl_topic_ready(rd_kafka_t *rk, const kl_opts_t *o);

/* Each partition's first offset (lo) and high watermark (hi), through
 * ListOffsets; either may be NULL. 0, or -1 after printing the reason. */
int kl_watermarks(rd_kafka_t *rk, const char *topic, int nparts, int64_t *lo, int64_t *hi);

/* Starts a consumer on every partition of the topic at the offsets given
 * (one per partition), all feeding one queue.
 * NULL after printing the reason. Caller stops it with kl_consume_stop. */
rd_kafka_queue_t *kl_consume_start(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int nparts,
                                   const int64_t *offsets);
void kl_consume_stop(rd_kafka_topic_t *rkt, int nparts, rd_kafka_queue_t *q);

/* The JSON line (stdout) starts with the run's parameters; the mode adds
 * its fields with kl_json_* and ends it with kl_json_end. */
void kl_json_begin(const kl_opts_t *o, int partitions);
void kl_json_num(const char *key, double v);
void kl_json_int(const char *key, long long v);
void kl_json_str(const char *key, const char *v);
/* "records", "secs", "records_per_s", "mb_per_s" (bytes / 10^6 / secs), "client_cpu_s" */
void kl_json_rates(long long records, double bytes, double secs, double cpu);
void kl_json_end(void);

/* delivery reports of a producer made by kl_producer */
typedef struct kl_delivery {
    long long delivered, failed;
    char first_error[256];
} kl_delivery_t;

/* The linger in effect: -l, else the mode's default. */
int kl_linger_ms(const kl_opts_t *o, int mode_default);

/* A producer with -a, -z, linger linger_ms, counting its reports into d.
 * NULL after printing the reason. Caller destroys it. */
rd_kafka_t *kl_producer(const kl_opts_t *o, int linger_ms, kl_delivery_t *d);

/* Sends one record to partition p, serving delivery reports while the
 * queue is full. flags: 0 (buf outlives the delivery) or RD_KAFKA_MSG_F_COPY.
 * 0, or -1 after printing the reason. */
int kl_send(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int p, const void *buf, int size, int flags);

int kl_produce(const kl_opts_t *o);
int kl_consume(const kl_opts_t *o);
int kl_latency(const kl_opts_t *o);

#endif
