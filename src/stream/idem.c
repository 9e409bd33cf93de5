/* Sequence checks for idempotent producers (idem.h), after Kafka's
 * ProducerStateManager: per (producer id, partition) the epoch and a ring of
 * the last 5 batches' (first sequence, last sequence, base offset). A batch
 * equal to a retained one is a duplicate; otherwise its first sequence must
 * follow the last one (wrapping at INT32_MAX); a newer epoch starts over at
 * any sequence; an older epoch is fenced. */
#include <stdlib.h>

#include "stream/idem.h"

#define KEEP 5

typedef struct {
    int64_t pid;
    int16_t epoch;
    int n, head; /* batches kept, and where the next goes */
    struct {
        int32_t first, last;
        int64_t base;
    } ring[KEEP];
} producer_t;

typedef struct {
    producer_t *v;
    int n, cap;
} table_t;

static producer_t *find(lh_sb_part_t *p, int64_t pid)
{
    table_t *t = p->producers;
    for (int i = 0; t && i < t->n; i++)
        if (t->v[i].pid == pid) return &t->v[i];
    return NULL;
}

static int32_t last_seq(const producer_t *e)
{
    return e->ring[(e->head + KEEP - 1) % KEEP].last;
}

int lh__sb_idem_check(lh_sb_part_t *p, const lh_stream_batch_t *b, int64_t *dup_base)
{
    *dup_base = -1;
    producer_t *e = find(p, b->producer_id);
    if (!e || e->n == 0 || b->producer_epoch > e->epoch) return 0;
    if (b->producer_epoch < e->epoch) return LH_KERR_INVALID_PRODUCER_EPOCH;
    int32_t last = b->base_sequence + b->count - 1;
    for (int i = 0; i < e->n; i++)
        if (e->ring[i].first == b->base_sequence && e->ring[i].last == last) {
            *dup_base = e->ring[i].base;
            return 0;
        }
    int32_t expect = last_seq(e) == INT32_MAX ? 0 : last_seq(e) + 1;
    return b->base_sequence == expect ? 0 : LH_KERR_OUT_OF_ORDER_SEQUENCE;
}

int lh__sb_idem_record(lh_sb_part_t *p, const lh_stream_batch_t *b, int64_t base)
{
    table_t *t = p->producers;
    if (!t && !(t = p->producers = calloc(1, sizeof *t))) return LH_ENOMEM;
    producer_t *e = find(p, b->producer_id);
    if (!e) {
        if (t->n == t->cap) {
            int cap = t->cap ? 2 * t->cap : 8;
            producer_t *v = realloc(t->v, (size_t)cap * sizeof *v);
            if (!v) return LH_ENOMEM;
            t->v = v;
            t->cap = cap;
        }
        e = &t->v[t->n++];
        *e = (producer_t){.pid = b->producer_id, .epoch = b->producer_epoch};
    }
    if (b->producer_epoch != e->epoch) {
        e->epoch = b->producer_epoch;
        e->n = e->head = 0;
    }
    e->ring[e->head].first = b->base_sequence;
    e->ring[e->head].last = b->base_sequence + b->count - 1;
    e->ring[e->head].base = base;
    e->head = (e->head + 1) % KEEP;
    if (e->n < KEEP) e->n++;
    return 0;
}

void lh__sb_idem_free(lh_sb_part_t *p)
{
    table_t *t = p->producers;
    if (t) free(t->v);
    free(t);
    p->producers = NULL;
}
