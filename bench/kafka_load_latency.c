/* kafka_load's latency mode: a producer sends -r records/s (each at its due
 * time, -n records or for -d seconds) round robin over the partitions, each
 * payload starting with its sequence number and CLOCK_MONOTONIC send time;
 * a consumer thread in the same process, started at the partitions' high
 * watermarks before the first send, takes the receive time of each. The
 * end-to-end latency is receive - send, reported as p50/p99/p99.9/max. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kafka_load.h"

#define HEADER 16       /* u64 sequence, i64 send ns */
#define GRACE_SECS 10.0 /* after the last send, wait this long for the stragglers */

typedef struct lat_run {
    rd_kafka_queue_t *q;
    long long n;                /* records to be sent */
    int64_t *lat_ns;            /* per sequence, -1 until received */
    _Atomic long long received; /* read by the main thread while it waits */
    long long duplicates;
    atomic_int stop;
} lat_run_t;

/* one record: its latency under its sequence number (librdkafka frees it) */
static void take(rd_kafka_message_t *m, void *opaque)
{
    lat_run_t *r = opaque;
    int64_t now = kl_now_ns();
    uint64_t seq;
    int64_t sent;
    if (m->err || m->len < HEADER) return;
    memcpy(&seq, m->payload, 8);
    memcpy(&sent, (const char *)m->payload + 8, 8);
    if (seq >= (uint64_t)r->n) return;
    if (r->lat_ns[seq] >= 0) {
        r->duplicates++;
        return;
    }
    r->lat_ns[seq] = now - sent;
    r->received++;
}

/* the callback form hands over each record as soon as it is queued */
static void *consumer_main(void *arg)
{
    lat_run_t *r = arg;
    while (!r->stop && r->received < r->n)
        rd_kafka_consume_callback_queue(r->q, 100, take, r);
    return NULL;
}

static void sleep_until_ns(int64_t t)
{
    struct timespec ts = {.tv_sec = t / 1000000000, .tv_nsec = t % 1000000000};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) {
    }
}

/* sends r->n records at the rate; returns the seconds it took, or -1 */
static double send_at_rate(const kl_opts_t *o, rd_kafka_t *rk, rd_kafka_topic_t *rkt, int nparts,
                           lat_run_t *r)
{
    char *buf = calloc(1, (size_t)o->size);
    if (!buf) return -1;
    int64_t t0 = kl_now_ns();
    long long i = 0;
    for (; i < r->n; i++) {
        int64_t due = t0 + (int64_t)((double)i * 1e9 / o->rate);
        if (kl_now_ns() < due) sleep_until_ns(due);
        uint64_t seq = (uint64_t)i;
        int64_t now = kl_now_ns();
        memcpy(buf, &seq, 8);
        memcpy(buf + 8, &now, 8);
        if (kl_send(rk, rkt, (int)(i % nparts), buf, o->size, RD_KAFKA_MSG_F_COPY) < 0) break;
        rd_kafka_poll(rk, 0);
    }
    free(buf);
    return i == r->n ? (double)(kl_now_ns() - t0) / 1e9 : -1;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* the received latencies, sorted; the caller frees them */
static int64_t *sorted_latencies(const lat_run_t *r)
{
    int64_t *v = malloc(sizeof *v * (size_t)(r->received ? r->received : 1));
    long long k = 0;
    for (long long i = 0; v && i < r->n; i++)
        if (r->lat_ns[i] >= 0) v[k++] = r->lat_ns[i];
    if (v) qsort(v, (size_t)k, sizeof *v, cmp_i64);
    return v;
}

static double pct_ms(const int64_t *v, long long n, double q)
{
    if (!n) return -1;
    long long i = (long long)(q * (double)n);
    return (double)v[i < n ? i : n - 1] / 1e6;
}

/* every record's latency in send order, for a look at when the slow ones came */
static void dump(const char *path, const lat_run_t *r)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "kafka_load: cannot write %s\n", path);
        return;
    }
    for (long long i = 0; i < r->n; i++)
        fprintf(f, "%lld %.3f\n", i, r->lat_ns[i] < 0 ? -1.0 : (double)r->lat_ns[i] / 1e6);
    fclose(f);
}

static void report(const kl_opts_t *o, int nparts, const lat_run_t *r, const kl_delivery_t *d,
                   double send_secs)
{
    int64_t *v = sorted_latencies(r);
    long long n = v ? r->received : 0;
    double p50 = pct_ms(v, n, 0.50), p99 = pct_ms(v, n, 0.99), p999 = pct_ms(v, n, 0.999);
    double max = n ? (double)v[n - 1] / 1e6 : -1;
    kl_json_begin(o, nparts);
    kl_json_str("acks", o->acks);
    kl_json_int("linger_ms", kl_linger_ms(o, 0));
    kl_json_int("rate", o->rate);
    kl_json_num("achieved_rate", send_secs > 0 ? (double)r->n / send_secs : 0);
    kl_json_int("sent", r->n);
    kl_json_int("delivered", d->delivered);
    kl_json_int("errors", d->failed);
    kl_json_int("received", n);
    kl_json_int("duplicates", r->duplicates);
    kl_json_num("p50_ms", p50);
    kl_json_num("p99_ms", p99);
    kl_json_num("p999_ms", p999);
    kl_json_num("max_ms", max);
    kl_json_end();
    fprintf(stderr,
            "latency %s: %lld x %d B at %d/s, acks=%s, %d partitions: p50 %.3f ms, "
            "p99 %.3f ms, p99.9 %.3f ms, max %.3f ms; %lld received, %lld errors\n",
            o->label, r->n, o->size, o->rate, o->acks, nparts, p50, p99, p999, max, r->received,
            d->failed);
    free(v);
}

/* the consumer, at each partition's high watermark; NULL after a message */
static rd_kafka_t *consumer_at_end(const kl_opts_t *o, int nparts, rd_kafka_topic_t **rkt,
                                   rd_kafka_queue_t **q)
{
    const char *extra[] = {"fetch.wait.max.ms", "500", NULL};
    rd_kafka_t *rk = kl_handle(o, RD_KAFKA_CONSUMER, extra, NULL, NULL);
    int64_t *hi = calloc((size_t)nparts, sizeof *hi);
    int ok = rk && hi && kl_watermarks(rk, o->topic, nparts, NULL, hi) == 0;
    *rkt = ok ? rd_kafka_topic_new(rk, o->topic, NULL) : NULL;
    *q = ok ? kl_consume_start(rk, *rkt, nparts, hi) : NULL;
    free(hi);
    if (*q) return rk;
    if (*rkt) rd_kafka_topic_destroy(*rkt);
    if (rk) rd_kafka_destroy(rk);
    return NULL;
}

int kl_latency(const kl_opts_t *o)
{
    kl_delivery_t d = {0};
    lat_run_t r = {.n = o->count ? o->count : (long long)(o->rate * o->secs)};
    rd_kafka_t *prk = o->size >= HEADER ? kl_producer(o, kl_linger_ms(o, 0), &d) : NULL;
    int nparts = prk ? kl_topic_ready(prk, o) : -1;
    r.lat_ns = malloc(sizeof *r.lat_ns * (size_t)r.n);
    rd_kafka_topic_t *crkt = NULL;
    rd_kafka_t *crk = nparts > 0 && r.lat_ns ? consumer_at_end(o, nparts, &crkt, &r.q) : NULL;
    if (!crk) {
        if (o->size < HEADER) fprintf(stderr, "kafka_load: latency needs -s >= %d\n", HEADER);
        if (prk) rd_kafka_destroy(prk);
        free(r.lat_ns);
        return 1;
    }
    for (long long i = 0; i < r.n; i++)
        r.lat_ns[i] = -1;
    pthread_t th;
    pthread_create(&th, NULL, consumer_main, &r);
    sleep_until_ns(kl_now_ns() + 1000000000); /* the consumer's first fetches go out */
    rd_kafka_topic_t *prkt = rd_kafka_topic_new(prk, o->topic, NULL);
    double send_secs = send_at_rate(o, prk, prkt, nparts, &r);
    rd_kafka_flush(prk, 30000);
    for (double end = kl_now() + GRACE_SECS; r.received < r.n && kl_now() < end;)
        sleep_until_ns(kl_now_ns() + 10000000);
    r.stop = 1;
    pthread_join(th, NULL);
    report(o, nparts, &r, &d, send_secs);
    if (o->dump) dump(o->dump, &r);
    kl_consume_stop(crkt, nparts, r.q);
    rd_kafka_topic_destroy(crkt);
    rd_kafka_destroy(crk);
    rd_kafka_topic_destroy(prkt);
    rd_kafka_destroy(prk);
    free(r.lat_ns);
    return send_secs < 0 || d.failed || r.received < r.n;
}
