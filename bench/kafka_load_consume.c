/* kafka_load's consume mode: every partition of the topic from its first
 * offset (looked up before the clock starts) into one queue, read in batches until -n records (or,
 * with -n 0, until every partition reports its end). The clock starts when the partitions are
 * started (the connection is already up) and stops at the last record. */
#include <stdlib.h>
#include <string.h>

#include "kafka_load.h"

#define IDLE_SECS 15.0 /* no record for this long: the run failed */

typedef struct consume_state {
    long long records, bytes;
    int eof_parts;
    double last; /* when the last record came */
    char error[256];
} consume_state_t;

/* counts one message (librdkafka frees it) */
static void take(rd_kafka_message_t *m, void *opaque)
{
    consume_state_t *st = opaque;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        st->eof_parts++;
    } else if (m->err) {
        snprintf(st->error, sizeof st->error, "%s", rd_kafka_message_errstr(m));
    } else {
        st->records++;
        st->bytes += (long long)m->len;
        st->last = kl_now();
    }
}

/* Reads until the count or the end of every partition; -1 on an error or
 * idling. The callback form hands over whatever is queued at once, where
 * the batch form would wait for a full batch. */
static int drain(const kl_opts_t *o, rd_kafka_queue_t *q, int nparts, consume_state_t *st)
{
    while (o->count ? st->records < o->count : st->eof_parts < nparts) {
        if (rd_kafka_consume_callback_queue(q, 100, take, st) < 0 || st->error[0]) return -1;
        if (kl_now() - st->last > IDLE_SECS) {
            snprintf(st->error, sizeof st->error, "no record for %.0f s", IDLE_SECS);
            return -1;
        }
    }
    return 0;
}

static void report(const kl_opts_t *o, int nparts, const consume_state_t *st, double secs,
                   double cpu)
{
    double mb = (double)st->bytes / 1e6;
    if (secs < 1e-6) secs = 1e-6; /* nothing to read */
    kl_json_begin(o, nparts);
    kl_json_int("bytes", st->bytes);
    kl_json_rates(st->records, (double)st->bytes, secs, cpu);
    if (st->error[0]) kl_json_str("error", st->error);
    kl_json_end();
    fprintf(stderr,
            "consume %s: %lld records, %.1f MB from %d partitions: %.0f records/s, "
            "%.1f MB/s, %.2f s%s%s\n",
            o->label, st->records, mb, nparts, (double)st->records / secs, mb / secs, secs,
            st->error[0] ? ", error: " : "", st->error);
}

int kl_consume(const kl_opts_t *o)
{
    /* librdkafka's default fetch sizes (1 MiB a partition, 50 MiB a
     * request), as a client out of the box asks; -X changes them */
    const char *extra[] = {"enable.partition.eof", o->count ? "false" : "true", NULL};
    rd_kafka_t *rk = kl_handle(o, RD_KAFKA_CONSUMER, extra, NULL, NULL);
    kl_opts_t look = *o;
    look.partitions = 0; /* consume never creates the topic */
    int nparts = rk ? kl_topic_ready(rk, &look) : -1;
    if (nparts < 1) {
        if (rk) rd_kafka_destroy(rk);
        return 1;
    }
    /* the first offsets are looked up before the clock starts, so every
     * partition starts fetching at once */
    int64_t *lo = calloc((size_t)nparts, sizeof *lo);
    if (!lo || kl_watermarks(rk, o->topic, nparts, lo, NULL) < 0) {
        free(lo);
        rd_kafka_destroy(rk);
        return 1;
    }
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o->topic, NULL);
    consume_state_t st = {0};
    double cpu0 = kl_cpu_secs(), t0 = kl_now();
    st.last = t0;
    rd_kafka_queue_t *q = kl_consume_start(rk, rkt, nparts, lo);
    int rc = q ? drain(o, q, nparts, &st) : -1;
    report(o, nparts, &st, st.last - t0, kl_cpu_secs() - cpu0);
    if (q) kl_consume_stop(rkt, nparts, q);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    free(lo);
    return rc < 0;
}
