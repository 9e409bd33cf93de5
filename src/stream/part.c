/* A partition of a topic: its log, opened with the topic's settings, and the
 * group commit behind acks=all. Appends write to the page cache on the loop
 * thread; a produce that must be durable waits in the partition's queue
 * while one fsync at a time runs on the short worker pool (a dup of the
 * active segment's descriptor, lh_stream_log_sync_begin); when it returns,
 * every waiter it covers is answered, and if more arrived meanwhile the
 * next fsync starts. So N producers waiting at once cost one fsync, and the
 * loop never blocks on the disk. Opening a partition also brings back its
 * idempotent producers' recent batches from the log. */
#include <stdlib.h>
#include <unistd.h>

#include "core/log.h"
#include "core/loop.h"
#include "stream/broker_int.h"
#include "stream/idem.h"

/* The idempotent producers' last batches come back from the log's last two
 * segments at open (Kafka keeps producer snapshots; a retry only ever
 * concerns recent batches), so a retry after a restart is still a
 * duplicate. */
static int remember_producer(void *arg, const lh_stream_batch_t *b)
{
    return b->producer_id >= 0 ? lh__sb_idem_record(arg, b, b->base_offset) : 0;
}

int lh__sb_part_open(lh_sb_t *b, lh_sb_topic_t *t, int32_t id, lh_sb_part_t **out, lh_err_t *err)
{
    lh_stream_log_opts_t o;
    lh_stream_log_opts_default(&o);
    o.retention_ms = lh__sb_topic_conf(b, t, LH_SB_RETENTION_MS);
    o.retention_bytes = lh__sb_topic_conf(b, t, LH_SB_RETENTION_BYTES);
    o.segment_bytes = lh__sb_topic_conf(b, t, LH_SB_SEGMENT_BYTES);
    o.segment_ms = lh__sb_topic_conf(b, t, LH_SB_SEGMENT_MS);
    o.max_batch_bytes = lh__sb_topic_conf(b, t, LH_SB_MAX_MESSAGE_BYTES);
    o.flush_ms = b->o.flush_ms;
    o.flush_messages = b->o.flush_messages;
    o.clock = b->clock; /* NULL: the wall clock */
    o.clock_arg = b->clock_arg;
    char dir[4096];
    lh__sb_part_dir(b, t, id, dir, sizeof dir);
    lh_sb_part_t *p = calloc(1, sizeof *p);
    if (!p) return lh_err_set(err, LH_ENOMEM, "out of memory");
    p->topic = t;
    p->id = id;
    int rc = lh_stream_log_open(&p->log, dir, &o, err);
    if (!rc) rc = lh_stream_log_scan_tail(p->log, 2, remember_producer, p, err);
    if (rc) {
        lh_stream_log_close(p->log);
        lh__sb_idem_free(p);
        free(p);
        return rc;
    }
    *out = p;
    return 0;
}

static void wake_all(lh_sb_part_t *p, int ok)
{
    lh_sb_waiter_t *w = p->durable_q;
    p->durable_q = NULL;
    while (w) {
        lh_sb_waiter_t *next = w->next;
        w->wake(w, ok);
        w = next;
    }
}

void lh__sb_part_close(lh_sb_part_t *p)
{
    if (!p) return;
    wake_all(p, 0);
    lh_stream_log_close(p->log);
    p->log = NULL;
    lh__sb_idem_free(p);
    if (p->syncing)
        p->closed = true; /* the fsync job frees it */
    else
        free(p);
}

/* ---- group commit ---- */

typedef struct {
    lh_sb_t *b;
    lh_sb_part_t *p;
    int fd;
    int64_t upto;
    int ok;
} sync_job_t;

static void sync_work(void *arg)
{
    sync_job_t *j = arg;
    j->ok = fdatasync(j->fd) == 0;
    close(j->fd);
}

static void start_sync(lh_sb_t *b, lh_sb_part_t *p);

/* Answers the waiters whose offset is durable now (ok) or all (failure). */
static void wake_durable(lh_sb_part_t *p, int ok)
{
    int64_t durable = lh_stream_log_durable(p->log);
    lh_sb_waiter_t **pp = &p->durable_q;
    while (*pp) {
        lh_sb_waiter_t *w = *pp;
        if (ok && w->need > durable) {
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        w->wake(w, ok);
    }
}

static void sync_done(void *arg, int status)
{
    sync_job_t *j = arg;
    lh_sb_part_t *p = j->p;
    lh_sb_t *b = j->b;
    int ok = status == 0 && j->ok;
    p->syncing = 0;
    b->jobs--;
    if (p->closed) {
        free(p);
    } else {
        if (!ok)
            lh_error("stream: fsync of %s-%d failed: the partition is read-only until "
                     "restart",
                     p->topic->name, (int)p->id);
        lh_stream_log_sync_end(p->log, j->upto, ok);
        wake_durable(p, ok);
        if (p->durable_q) start_sync(b, p);
    }
    free(j);
    if (b->stopping && b->jobs == 0) lh__sb_jobs_drained(b);
}

static void start_sync(lh_sb_t *b, lh_sb_part_t *p)
{
    lh_err_t err = {0};
    sync_job_t *j = calloc(1, sizeof *j);
    if (!j || lh_stream_log_sync_begin(p->log, &j->fd, &j->upto, &err)) {
        free(j);
        wake_durable(p, 0);
        return;
    }
    if (j->fd < 0) { /* durable already */
        free(j);
        wake_durable(p, 1);
        return;
    }
    j->b = b;
    j->p = p;
    if (lh_work_submit(b->loop, sync_work, sync_done, j)) {
        close(j->fd);
        free(j);
        wake_durable(p, 0);
        return;
    }
    p->syncing = 1;
    b->jobs++;
}

void lh__sb_part_wait_durable(lh_sb_t *b, lh_sb_part_t *p, lh_sb_waiter_t *w)
{
    if (lh_stream_log_durable(p->log) >= w->need) {
        w->wake(w, 1);
        return;
    }
    w->next = p->durable_q;
    p->durable_q = w;
    if (!p->syncing) start_sync(b, p);
}

void lh__sb_part_unwait(lh_sb_part_t *p, lh_sb_waiter_t *w)
{
    for (lh_sb_waiter_t **pp = &p->durable_q; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            return;
        }
}
