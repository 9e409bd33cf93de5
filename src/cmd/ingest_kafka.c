/* The Kafka side of `lakehouse ingest`, through librdkafka so it runs
 * unchanged against a real Kafka. For each partition p of the topic it
 * fixes the interval's range [first, end): a replay takes its own
 * _ranges.json; otherwise first is the previous interval's end for p when
 * recorded, else O(start), and end is O(end), where O(T) is the first offset
 * whose timestamp is at or after T (ListOffsets by time). O(end) is fixed
 * once p holds such a record (later records get higher offsets), so the
 * task waits for one: every partition is asked again each poll, and a
 * partition whose high watermark has not moved for the idle timeout (or
 * that has waited the lateness) ends at its high watermark instead. The
 * watermark is read before the time lookup, so a record at or after end
 * that arrives in between is never taken in. Each range is read with the
 * simple consumer (no group, nothing committed, as `topic tail`) while the
 * open ends are still waited for on another thread: below the watermark
 * read before a lookup that found no O(end), every record is in the range
 * (the end, O(end) or a later watermark, is at or above it), so a reader
 * goes that far and waits there for more or for the end (ingest_int.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/ingest_int.h"

int lh__ingest_kafka_open(lh_ingest_t *in)
{
    lh_topic_cli_t *cl = &in->cl;
    cl->cfg = in->cfg;
    cl->topic = in->topic;
    cl->timeout_ms = 10000;
    lh__topic_task_env(cl);
    if (!(cl->conf = lh__topic_conf(cl))) return 2;
    /* the ranges are read one partition after the other: the next one's first
     * fetch waits for the one in flight at the previous partition's head (the
     * prefetch runs past the range), which the broker holds fetch.wait.max.ms */
    char why[128];
    if (rd_kafka_conf_set(cl->conf, "fetch.wait.max.ms", "10", why, sizeof why)) return 2;
    /* an interval is read once, not tailed: `topic tail`'s deep prefetch
     * (1M records) only ran past the range, holding 378-540 MiB */
    if (rd_kafka_conf_set(cl->conf, "queued.min.messages", "100000", why, sizeof why) ||
        rd_kafka_conf_set(cl->conf, "queued.max.messages.kbytes", "32768", why, sizeof why))
        return 2;
    in->rk = lh__topic_client(cl);
    return in->rk ? 0 : 1;
}

/* --- the partitions --- */

static int by_partition(const void *a, const void *b)
{
    const lh_ingest_range_t *x = a, *y = b;
    return (x->partition > y->partition) - (x->partition < y->partition);
}

static int list_partitions(lh_ingest_t *in)
{
    const struct rd_kafka_metadata *md;
    if (lh__topic_metadata(&in->cl, in->rk, in->topic, &md)) return 1;
    const rd_kafka_metadata_topic_t *mt = &md->topics[0];
    int n = mt->partition_cnt;
    if (n > LH_INGEST_MAX_PARTS) n = LH_INGEST_MAX_PARTS;
    for (int i = 0; i < n; i++)
        in->out->r[i] =
            (lh_ingest_range_t){.partition = mt->partitions[i].id, .first = -1, .end = -1};
    in->out->n = n;
    rd_kafka_metadata_destroy(md);
    qsort(in->out->r, (size_t)n, sizeof in->out->r[0], by_partition);
    return 0;
}

/* O(ms) for the ranges where *slot(r) is -1 (left -1 when none). */
static int offsets_at(lh_ingest_t *in, int64_t ms, int want_end)
{
    lh_ingest_ranges_t *o = in->out;
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(o->n);
    for (int i = 0; i < o->n; i++)
        if ((want_end ? o->r[i].end : o->r[i].first) < 0)
            rd_kafka_topic_partition_list_add(l, in->topic, o->r[i].partition)->offset = ms;
    rd_kafka_resp_err_t e = l->cnt ? rd_kafka_offsets_for_times(in->rk, l, in->cl.timeout_ms) : 0;
    for (int i = 0; !e && i < l->cnt; i++) {
        e = l->elems[i].err;
        lh_ingest_range_t *r =
            (lh_ingest_range_t *)lh__ingest_ranges_find(o, l->elems[i].partition);
        if (!e && r && l->elems[i].offset >= 0)
            *(want_end ? &r->end : &r->first) = l->elems[i].offset;
    }
    rd_kafka_topic_partition_list_destroy(l);
    pthread_mutex_lock(&in->mu); /* the error callbacks write in->cl; readers poll too */
    int trouble = lh__topic_broker_trouble(&in->cl, in->rk);
    pthread_mutex_unlock(&in->mu);
    if (trouble) return 1;
    return e ? lh__topic_fail("cannot look up offsets by time", e, NULL) : 0;
}

static int watermarks(lh_ingest_t *in, int32_t p, int64_t *lo, int64_t *hi)
{
    rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(in->rk, in->topic, p, lo, hi, in->cl.timeout_ms);
    return e ? lh__topic_fail("cannot read the watermarks", e, NULL) : 0;
}

/* first: the replay's, the previous interval's end, else O(start) (the high
 * watermark when no record is at or after start yet); never below the log
 * start (records removed by retention are gone). */
static int fix_firsts(lh_ingest_t *in, int64_t *hi)
{
    lh_ingest_ranges_t *o = in->out;
    for (int i = 0; i < o->n; i++) {
        const lh_ingest_range_t *own =
            in->own ? lh__ingest_ranges_find(in->own, o->r[i].partition) : NULL;
        const lh_ingest_range_t *prev =
            in->prev ? lh__ingest_ranges_find(in->prev, o->r[i].partition) : NULL;
        if (own)
            o->r[i] = *own;
        else if (prev)
            o->r[i].first = prev->end;
    }
    int64_t lo[LH_INGEST_MAX_PARTS];
    for (int i = 0; i < o->n; i++)
        if (watermarks(in, o->r[i].partition, &lo[i], &hi[i])) return 1;
    if (offsets_at(in, in->start_ms, 0)) return 1;
    for (int i = 0; i < o->n; i++) {
        lh_ingest_range_t *r = &o->r[i];
        if (r->first < 0) r->first = hi[i];
        if (r->first < lo[i]) {
            fprintf(stderr, "lakehouse ingest: %s[%d]: offsets %lld..%lld are gone (retention)\n",
                    in->topic, (int)r->partition, (long long)r->first, (long long)lo[i] - 1);
            r->first = lo[i];
            if (r->end >= 0 && r->end < r->first) r->end = r->first;
        }
    }
    return 0;
}

static int64_t now_ms(void)
{
    return lh__topic_now_ms();
}

static void nap(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

/* What the readers may read: each fixed end, and below the high watermark
 * safe[i] (read before a lookup of O(end) that found none) where it is
 * still open. */
static void publish(lh_ingest_t *in, const int64_t *safe)
{
    const lh_ingest_ranges_t *o = in->out;
    pthread_mutex_lock(&in->mu);
    for (int i = 0; i < o->n; i++) {
        const lh_ingest_range_t *r = &o->r[i];
        bool fixed = r->end >= 0;
        int64_t lim = fixed ? r->end : safe ? safe[i] : r->first;
        in->lim[i] = lim > r->first ? lim : r->first; /* a late record moved O(end) below first */
        in->fixed[i] = fixed;
    }
    pthread_cond_broadcast(&in->ends_cv);
    pthread_mutex_unlock(&in->mu);
}

/* One poll of the partitions still open; *left gets how many remain. */
static int poll_ends(lh_ingest_t *in, int64_t *hi, int64_t *moved, int64_t began, int *left)
{
    lh_ingest_ranges_t *o = in->out;
    int64_t cur[LH_INGEST_MAX_PARTS], lo;
    for (int i = 0; i < o->n; i++)
        if (o->r[i].end < 0 && watermarks(in, o->r[i].partition, &lo, &cur[i])) return 1;
    if (offsets_at(in, in->end_ms, 1)) return 1;
    int64_t now = now_ms();
    *left = 0;
    for (int i = 0; i < o->n; i++) {
        lh_ingest_range_t *r = &o->r[i];
        if (r->end >= 0) continue;
        if (cur[i] != hi[i]) moved[i] = now;
        hi[i] = cur[i];
        if (now - moved[i] >= in->idle_s * 1000 || now - began >= in->lateness_s * 1000) {
            r->end = hi[i];
            printf("%s[%d]: no record at or after the end yet; ending at the high watermark "
                   "%lld\n",
                   in->topic, (int)r->partition, (long long)hi[i]);
        } else
            (*left)++;
    }
    for (int i = 0; i < o->n; i++) /* a late record moved O(end) below first (or the log went) */
        if (o->r[i].end >= 0 && o->r[i].end < o->r[i].first) o->r[i].end = o->r[i].first;
    publish(in, hi);
    return 0;
}

int lh__ingest_resolve_start(lh_ingest_t *in)
{
    snprintf(in->out->topic, sizeof in->out->topic, "%s", in->topic);
    in->out->start_ms = in->start_ms;
    in->out->end_ms = in->end_ms;
    if (list_partitions(in) || fix_firsts(in, in->hi)) return 1;
    in->began = now_ms();
    for (int i = 0; i < in->out->n; i++)
        in->moved[i] = in->began;
    if (poll_ends(in, in->hi, in->moved, in->began, &in->left)) return 1;
    if (in->left) printf("waiting for a record at or after the end in %d partitions\n", in->left);
    fflush(stdout);
    return 0;
}

int lh__ingest_resolve_finish(lh_ingest_t *in)
{
    int rc = 0;
    for (int left = in->left; left && !rc;) {
        nap(in->idle_s * 1000 < 500 ? in->idle_s * 1000 + 10 : 500);
        pthread_mutex_lock(&in->mu);
        bool stop = in->stop;
        pthread_mutex_unlock(&in->mu);
        if (stop)
            rc = 1;
        else
            rc = poll_ends(in, in->hi, in->moved, in->began, &left);
        fflush(stdout);
    }
    pthread_mutex_lock(&in->mu);
    if (rc) in->ends_rc = rc;
    pthread_cond_broadcast(&in->ends_cv);
    pthread_mutex_unlock(&in->mu);
    return rc;
}

/* --- reading a range --- */

static int stalled(lh_ingest_t *in, const lh_ingest_range_t *r, int64_t at)
{
    fprintf(stderr, "lakehouse ingest: %s[%d]: no records at offset %lld within %d ms%s%s%s\n",
            in->topic, (int)r->partition, (long long)at, in->cl.timeout_ms,
            in->cl.last_error[0] ? " (" : "", in->cl.last_error, in->cl.last_error[0] ? ")" : "");
    return 1;
}

/* One message: 0 go on, 1 done with the range, or fn's / an error's status. */
/* Partition i's limit beyond next (or its end): waits until the resolver
 * moves it past next or fixes it. 0, or 1 when the resolver failed. */
static int limit(lh_ingest_t *in, int i, int64_t next, int64_t *lim, bool *fixed)
{
    pthread_mutex_lock(&in->mu);
    while (!in->fixed[i] && in->lim[i] <= next && !in->ends_rc && !in->stop)
        pthread_cond_wait(&in->ends_cv, &in->mu);
    *lim = in->lim[i];
    *fixed = in->fixed[i];
    int rc = (in->ends_rc || in->stop) && !*fixed && *lim <= next;
    pthread_mutex_unlock(&in->mu);
    return rc;
}

/* One message: 0 go on, 1 done with the range, or fn's / an error's status. */
static int take(lh_ingest_t *in, int i, rd_kafka_message_t *m, lh_ingest_record_fn fn, void *arg,
                int64_t *next, int64_t *lim, bool *fixed)
{
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        /* nothing to deliver below m->offset (a gap such as a transaction's
           marker at the head): the reader is that far, up to its limit */
        int64_t at = m->offset < *lim ? m->offset : *lim;
        if (at > *next) *next = at;
        return *fixed && *next >= *lim ? 1 : 0;
    }
    if (m->err) {
        if (m->err == RD_KAFKA_RESP_ERR__TRANSPORT || m->err == RD_KAFKA_RESP_ERR__TIMED_OUT)
            return 0;
        return lh__topic_fail(in->topic, m->err, rd_kafka_message_errstr(m)) + 1;
    }
    /* past the limit (a gap in the offsets): in the range only if the end,
       once fixed, is above it */
    if (!*fixed && m->offset >= *lim && limit(in, i, m->offset, lim, fixed)) return 2;
    if (m->offset >= *lim) return 1;
    if (m->offset < *next) return 0;
    int rc = fn(arg, m);
    *next = m->offset + 1;
    return rc ? rc + 1 : *fixed && *next >= *lim;
}

int lh__ingest_read(lh_ingest_t *in, int i, lh_ingest_record_fn fn, void *arg, int64_t *end)
{
    const lh_ingest_range_t *r = &in->out->r[i]; /* its partition and first: fixed already */
    int64_t lim, next = r->first;
    bool fixed;
    if (limit(in, i, next, &lim, &fixed)) return 1;
    *end = lim;
    if (fixed && next >= lim) return 0;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(in->rk, in->topic, NULL);
    if (!rkt || rd_kafka_consume_start(rkt, r->partition, r->first) != 0) {
        if (rkt) rd_kafka_topic_destroy(rkt);
        return lh__topic_fail("cannot read the partition", rd_kafka_last_error(), NULL);
    }
    rd_kafka_message_t *batch[1024];
    int64_t idle_since = now_ms();
    int rc = 0;
    while (!rc) {
        if (!fixed && next >= lim) { /* the safe part read: wait for more, or the end */
            if (limit(in, i, next, &lim, &fixed)) {
                rc = 2;
                break;
            }
            idle_since = now_ms();
            if (fixed && next >= lim) {
                rc = 1;
                break;
            }
        }
        /* no more than the range holds: a batch waits its whole timeout to fill up,
         * and at the head of the log nothing else comes */
        int64_t want = lim - next < 1024 ? lim - next : 1024;
        ssize_t n = rd_kafka_consume_batch(rkt, r->partition, 1000, batch, (size_t)want);
        if (n < 0) {
            rc = lh__topic_fail("cannot read the partition", rd_kafka_last_error(), NULL) + 1;
            break;
        }
        if (n > 0) idle_since = now_ms();
        for (ssize_t k = 0; k < n; k++) {
            if (!rc) rc = take(in, i, batch[k], fn, arg, &next, &lim, &fixed);
            rd_kafka_message_destroy(batch[k]);
        }
        if (!rc) {
            pthread_mutex_lock(&in->mu); /* the error callbacks write in->cl */
            if (lh__topic_broker_trouble(&in->cl, in->rk)) rc = 2;
            pthread_mutex_unlock(&in->mu);
        }
        if (!rc && now_ms() - idle_since > 3 * in->cl.timeout_ms) rc = stalled(in, r, next) + 1;
    }
    rd_kafka_consume_stop(rkt, r->partition);
    rd_kafka_topic_destroy(rkt);
    *end = lim;
    return rc - 1;
}
