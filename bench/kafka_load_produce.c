/* kafka_load's produce mode: one producer sends -n records (or for -d
 * seconds) of -s random bytes round robin over the topic's partitions, from
 * one shared buffer librdkafka does not copy, and waits for every delivery
 * report. The clock runs from the first send to the last report, so the
 * rate is what the broker acknowledged, not what the client queued. */
#include <stdlib.h>
#include <string.h>

#include "kafka_load.h"

#define LIBRDKAFKA_LINGER 5 /* linger.ms by default in librdkafka 2.0 */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    kl_delivery_t *d = opaque;
    if (!m->err) {
        d->delivered++;
        return;
    }
    if (!d->failed++)
        snprintf(d->first_error, sizeof d->first_error, "%s", rd_kafka_err2str(m->err));
}

/* incompressible bytes (xorshift), so compression settings change framing only */
static char *random_payload(int size)
{
    char *p = malloc((size_t)size);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; p && i < size; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (char)(x >> 32);
    }
    return p;
}

int kl_linger_ms(const kl_opts_t *o, int mode_default)
{
    return o->linger_ms >= 0 ? o->linger_ms : mode_default;
}

/* librdkafka's own batching (batch.size 1 MB), room for a second of 100 B records */
rd_kafka_t *kl_producer(const kl_opts_t *o, int linger_ms, kl_delivery_t *d)
{
    char linger[16];
    snprintf(linger, sizeof linger, "%d", linger_ms);
    const char *extra[] = {"acks",
                           o->acks,
                           "compression.type",
                           o->compression,
                           "linger.ms",
                           linger,
                           "queue.buffering.max.messages",
                           "2000000",
                           NULL};
    return kl_handle(o, RD_KAFKA_PRODUCER, extra, d, on_delivery);
}

int kl_send(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int p, const void *buf, int size, int flags)
{
    for (;;) {
        if (rd_kafka_produce(rkt, p, flags, (void *)buf, (size_t)size, NULL, 0, NULL) == 0)
            return 0;
        if (rd_kafka_last_error() != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            fprintf(stderr, "kafka_load: produce: %s\n", rd_kafka_err2str(rd_kafka_last_error()));
            return -1;
        }
        rd_kafka_poll(rk, 1);
    }
}

static void report(const kl_opts_t *o, int nparts, const kl_delivery_t *st, long long sent,
                   double secs, double cpu)
{
    double mb = (double)st->delivered * o->size / 1e6;
    kl_json_begin(o, nparts);
    kl_json_str("acks", o->acks);
    kl_json_int("linger_ms", kl_linger_ms(o, LIBRDKAFKA_LINGER));
    kl_json_str("compression", o->compression);
    kl_json_int("sent", sent);
    kl_json_int("errors", st->failed);
    kl_json_rates(st->delivered, mb * 1e6, secs, cpu);
    if (st->failed) kl_json_str("first_error", st->first_error);
    kl_json_end();
    fprintf(stderr,
            "produce %s: %lld x %d B, acks=%s, %d partitions: %.0f records/s, %.1f MB/s, "
            "%.2f s, %lld errors%s%s\n",
            o->label, st->delivered, o->size, o->acks, nparts, (double)st->delivered / secs,
            mb / secs, secs, st->failed, st->failed ? ": " : "", st->first_error);
}

int kl_produce(const kl_opts_t *o)
{
    kl_delivery_t st = {0};
    rd_kafka_t *rk = kl_producer(o, kl_linger_ms(o, LIBRDKAFKA_LINGER), &st);
    char *buf = random_payload(o->size);
    int nparts = rk && buf ? kl_topic_ready(rk, o) : -1;
    if (nparts < 1) {
        if (rk) rd_kafka_destroy(rk);
        free(buf);
        return 1;
    }
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o->topic, NULL);
    double cpu0 = kl_cpu_secs(), t0 = kl_now(), end = t0 + o->secs;
    long long sent = 0;
    int rc = 0;
    for (; o->count ? sent < o->count : (sent & 1023) || kl_now() < end; sent++) {
        if ((rc = kl_send(rk, rkt, (int)(sent % nparts), buf, o->size, 0)) < 0) break;
        if (!(sent & 255)) rd_kafka_poll(rk, 0);
    }
    while (rd_kafka_outq_len(rk) > 0)
        rd_kafka_poll(rk, 10);
    double secs = kl_now() - t0;
    report(o, nparts, &st, sent, secs, kl_cpu_secs() - cpu0);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    free(buf);
    return rc < 0 || st.failed || st.delivered != sent;
}
