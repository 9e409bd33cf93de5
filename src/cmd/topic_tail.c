/* `topic tail`: prints a topic's records. It reads partitions directly,
 * with no consumer group and nothing committed, so it works before consumer
 * groups exist and never disturbs one: each partition is started at its
 * offset on one shared queue (librdkafka's rd_kafka_consume_start_queue, as
 * kcat -C does; its assign() wants a group.id and, given one, looks for the
 * group's coordinator). Each partition starts where --from says (watermarks
 * from ListOffsets, times through OffsetsForTimes) and, without --follow,
 * stops at the high watermark it had when tail started (or at the
 * end-of-partition event, whichever comes first). */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/topic_int.h"

typedef struct {
    int32_t id;
    int64_t start, stop; /* stop: the high watermark when tail started */
    int done, started;
} part_t;

typedef struct {
    lh_topic_cli_t *cl;
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    rd_kafka_queue_t *q;
    part_t *parts;
    int nparts, left;       /* partitions still to read (without --follow) */
    int64_t printed, limit; /* limit -1: none */
} tail_t;

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* --- the partitions and where each starts --- */

static int by_id(const void *a, const void *b)
{
    const part_t *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* The partitions to read (all, or --partition); 0 or 1 after printing. */
static int pick_partitions(tail_t *t, const rd_kafka_metadata_topic_t *mt)
{
    t->parts = calloc((size_t)mt->partition_cnt + 1, sizeof *t->parts);
    if (!t->parts) return lh__topic_fail("tail", RD_KAFKA_RESP_ERR__FAIL, "out of memory");
    for (int i = 0; i < mt->partition_cnt; i++)
        if (t->cl->partition < 0 || mt->partitions[i].id == t->cl->partition)
            t->parts[t->nparts++].id = mt->partitions[i].id;
    if (t->nparts == 0) {
        fprintf(stderr, "lakehouse: topic %s has no partition %d (it has %d)\n", t->cl->topic,
                t->cl->partition, mt->partition_cnt);
        return 1;
    }
    qsort(t->parts, (size_t)t->nparts, sizeof *t->parts, by_id);
    return 0;
}

/* --from @MS: the first offset at or after MS in each partition (the end
 * where there is none). */
static int times_to_offsets(tail_t *t)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(t->nparts);
    for (int i = 0; i < t->nparts; i++)
        rd_kafka_topic_partition_list_add(l, t->cl->topic, t->parts[i].id)->offset =
            t->cl->from_value;
    rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(t->rk, l, t->cl->timeout_ms);
    for (int i = 0; e == RD_KAFKA_RESP_ERR_NO_ERROR && i < l->cnt; i++) {
        e = l->elems[i].err;
        if (l->elems[i].offset >= 0 && l->elems[i].offset < t->parts[i].stop)
            t->parts[i].start = l->elems[i].offset;
        else
            t->parts[i].start = t->parts[i].stop;
    }
    rd_kafka_topic_partition_list_destroy(l);
    return e ? lh__topic_fail("cannot look up offsets by time", e, NULL) : 0;
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static int positions(tail_t *t)
{
    lh_topic_cli_t *cl = t->cl;
    int64_t n = cl->count >= 0 ? cl->count : 10;
    for (int i = 0; i < t->nparts; i++) {
        part_t *p = &t->parts[i];
        int64_t lo, hi;
        rd_kafka_resp_err_t e =
            rd_kafka_query_watermark_offsets(t->rk, cl->topic, p->id, &lo, &hi, cl->timeout_ms);
        if (e) return lh__topic_fail("cannot read the watermarks", e, NULL);
        p->stop = hi;
        p->start = cl->from == LH_TOPIC_FROM_TAIL        ? clamp(hi - n, lo, hi)
                   : cl->from == LH_TOPIC_FROM_BEGINNING ? lo
                   : cl->from == LH_TOPIC_FROM_OFFSET    ? clamp(cl->from_value, lo, hi)
                                                         : hi;
    }
    return cl->from == LH_TOPIC_FROM_TIME ? times_to_offsets(t) : 0;
}

static int start(tail_t *t)
{
    t->rkt = rd_kafka_topic_new(t->rk, t->cl->topic, NULL);
    t->q = rd_kafka_queue_new(t->rk);
    for (int i = 0; i < t->nparts; i++) {
        part_t *p = &t->parts[i];
        p->done = !t->cl->follow && p->start >= p->stop;
        if (p->done) continue;
        if (rd_kafka_consume_start_queue(t->rkt, p->id, p->start, t->q) != 0)
            return lh__topic_fail("cannot read the partitions", rd_kafka_last_error(), NULL);
        p->started = 1;
        t->left++;
    }
    return 0;
}

static void stop(tail_t *t)
{
    for (int i = 0; i < t->nparts; i++)
        if (t->parts[i].started) rd_kafka_consume_stop(t->rkt, t->parts[i].id);
    if (t->q) rd_kafka_queue_destroy(t->q);
    if (t->rkt) rd_kafka_topic_destroy(t->rkt);
}

/* --- records --- */

static part_t *part_of(tail_t *t, int32_t id)
{
    for (int i = 0; i < t->nparts; i++)
        if (t->parts[i].id == id) return &t->parts[i];
    return NULL;
}

static void finish(tail_t *t, part_t *p)
{
    if (!p || p->done || t->cl->follow) return;
    p->done = 1;
    t->left--;
}

static void print(tail_t *t, const rd_kafka_message_t *m)
{
    rd_kafka_headers_t *hs = NULL;
    rd_kafka_timestamp_type_t tt;
    int64_t ts = rd_kafka_message_timestamp(m, &tt);
    if (rd_kafka_message_headers(m, &hs) != RD_KAFKA_RESP_ERR_NO_ERROR) hs = NULL;
    lh_topic_record_t r = {.topic = t->cl->topic,
                           .partition = m->partition,
                           .offset = m->offset,
                           .timestamp = ts,
                           .timestamp_type = tt,
                           .key = m->key,
                           .key_len = m->key_len,
                           .value = m->payload,
                           .value_len = m->len,
                           .headers = hs};
    if (t->cl->format_json)
        lh__topic_record_json(stdout, &r);
    else
        lh__topic_record_text(stdout, &r);
}

/* One polled event: a record, the end of a partition, or an error; 0 to go
 * on, 1 after printing a final error. */
static int handle(tail_t *t, const rd_kafka_message_t *m)
{
    part_t *p = part_of(t, m->partition);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        finish(t, p);
        return 0;
    }
    if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
        m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
        m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
        m->err == RD_KAFKA_RESP_ERR__AUTHENTICATION)
        return lh__topic_fail(t->cl->topic, m->err, rd_kafka_message_errstr(m));
    if (m->err) {
        if (t->cl->verbose) fprintf(stderr, "lakehouse: %s\n", rd_kafka_message_errstr(m));
        return 0;
    }
    if (!p || p->done) return 0;
    if (!t->cl->follow && m->offset >= p->stop) { /* written after tail started */
        finish(t, p);
        return 0;
    }
    print(t, m);
    t->printed++;
    if (!t->cl->follow && m->offset + 1 >= p->stop) finish(t, p);
    return 0;
}

static int stalled(tail_t *t)
{
    fprintf(stderr, "lakehouse: no records from %s at %s within %lld ms%s%s%s\n", t->cl->topic,
            t->cl->bootstrap, (long long)t->cl->timeout_ms, t->cl->last_error[0] ? " (" : "",
            t->cl->last_error, t->cl->last_error[0] ? ")" : "");
    return 1;
}

/* --follow over every partition: partitions added to the topic since tail
 * started (CreatePartitions) are read too, from their beginning. */
static void add_new_partitions(tail_t *t)
{
    const struct rd_kafka_metadata *md;
    if (t->cl->partition >= 0 || rd_kafka_metadata(t->rk, 0, t->rkt, &md, 1000)) return;
    const rd_kafka_metadata_topic_t *mt = &md->topics[0];
    for (int i = 0; md->topic_cnt == 1 && !mt->err && i < mt->partition_cnt; i++) {
        int32_t id = mt->partitions[i].id;
        part_t *grown;
        if (part_of(t, id)) continue;
        if (!(grown = realloc(t->parts, ((size_t)t->nparts + 1) * sizeof *grown))) break;
        t->parts = grown;
        if (rd_kafka_consume_start_queue(t->rkt, id, RD_KAFKA_OFFSET_BEGINNING, t->q) != 0)
            continue;
        t->parts[t->nparts++] = (part_t){.id = id, .start = 0, .started = 1};
        if (t->cl->verbose) fprintf(stderr, "lakehouse: following new partition %d\n", id);
    }
    rd_kafka_metadata_destroy(md);
}

static int want_more(const tail_t *t)
{
    return !interrupted && (t->cl->follow || t->left > 0) &&
           (t->limit < 0 || t->printed < t->limit);
}

static int consume(tail_t *t)
{
    rd_kafka_message_t *batch[256];
    int64_t last = lh__topic_now_ms(), looked = last;
    while (want_more(t)) {
        if (t->cl->follow && lh__topic_now_ms() - looked > 2000) {
            add_new_partitions(t);
            looked = lh__topic_now_ms();
        }
        ssize_t n = rd_kafka_consume_batch_queue(t->q, 200, batch, 256);
        if (n <= 0) {
            if (t->cl->follow) fflush(stdout);
            if (lh__topic_broker_trouble(t->cl, t->rk)) return 1;
            if (!t->cl->follow && lh__topic_now_ms() - last > t->cl->timeout_ms) return stalled(t);
            continue;
        }
        last = lh__topic_now_ms();
        int rc = 0;
        for (ssize_t i = 0; i < n; i++) {
            if (rc == 0 && want_more(t)) rc = handle(t, batch[i]);
            rd_kafka_message_destroy(batch[i]);
        }
        if (rc) return rc;
        if (ferror(stdout)) return 1;
    }
    return 0;
}

int lh__topic_tail(lh_topic_cli_t *cl)
{
    const struct rd_kafka_metadata *md = NULL;
    tail_t t = {.cl = cl, .limit = cl->from != LH_TOPIC_FROM_TAIL ? cl->count : -1};
    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
    if (!(t.rk = lh__topic_client(cl))) return 1;
    int rc = lh__topic_metadata(cl, t.rk, cl->topic, &md);
    if (rc == 0) rc = pick_partitions(&t, &md->topics[0]);
    if (md) rd_kafka_metadata_destroy(md);
    if (rc == 0) rc = positions(&t);
    if (rc == 0) rc = start(&t);
    if (rc == 0) {
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
        rc = consume(&t);
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
    }
    fflush(stdout);
    stop(&t);
    rd_kafka_destroy(t.rk);
    free(t.parts);
    return rc;
}
