/* The partition log: an ordered array of segments, the last one active.
 * Appends validate the batch, assign its base offset in place, roll the
 * active segment by size or age, and apply the flush policy (fsync at once
 * for acks=all when flush_ms is 0, else every flush_messages records or
 * flush_ms). Retention deletes whole non-active segments, oldest first.
 * Opening recovers the last segment (segment.c). */
#include "stream/stream_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int64_t lh_stream_wall_ms(void *arg)
{
    (void)arg;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void lh_stream_log_opts_default(lh_stream_log_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->segment_bytes = (int64_t)1 << 30;
    o->segment_ms = 7LL * 24 * 3600 * 1000;
    o->retention_ms = 7LL * 24 * 3600 * 1000;
    o->retention_bytes = -1;
    o->flush_messages = 0;
    o->flush_ms = 0;
    o->max_batch_bytes = (1 << 20) + 12;
    o->index_interval = 4096;
    o->verify_records = 1;
}

static int64_t now_ms(const lh_stream_log_t *log)
{
    return log->o.clock ? log->o.clock(log->o.clock_arg) : lh_stream_wall_ms(NULL);
}

static lh__segment_t *active(const lh_stream_log_t *log)
{
    return log->segs[log->nseg - 1];
}

static int push_seg(lh_stream_log_t *log, lh__segment_t *s, lh_err_t *err)
{
    if (log->nseg == log->capseg) {
        int cap = log->capseg ? log->capseg * 2 : 8;
        void *p = realloc(log->segs, (size_t)cap * sizeof *log->segs);
        if (!p) {
            lh__segment_close(s);
            return lh_err_set(err, LH_ENOMEM, "out of memory");
        }
        log->segs = p;
        log->capseg = cap;
    }
    log->segs[log->nseg++] = s;
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Base offsets of the <20 digits>.log files in dir, sorted. */
static int list_bases(const char *dir, int64_t **out, int *n, lh_err_t *err)
{
    DIR *d = opendir(dir);
    if (!d) return lh_err_set(err, LH_EIO, "cannot open %s: %s", dir, strerror(errno));
    int cap = 0, rc = 0;
    *out = NULL;
    *n = 0;
    struct dirent *e;
    while (!rc && (e = readdir(d))) {
        const char *nm = e->d_name;
        if (strlen(nm) != 24 || strcmp(nm + 20, ".log") || strspn(nm, "0123456789") != 20) continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            void *p = realloc(*out, (size_t)cap * sizeof **out);
            if (!p) {
                rc = lh_err_set(err, LH_ENOMEM, "out of memory");
                break;
            }
            *out = p;
        }
        long long v = strtoll(nm, NULL, 10);
        if (v > (1LL << 62)) continue; /* no log gets there: not ours */
        (*out)[(*n)++] = v;
    }
    closedir(d);
    if (!rc && *n) qsort(*out, (size_t)*n, sizeof **out, cmp_i64);
    return rc;
}

/* Index files whose segment is gone (retention removes the .log first, so
 * a crash can leave them behind). */
static void remove_orphans(const char *dir, const int64_t *bases, int n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        const char *nm = e->d_name;
        if (strspn(nm, "0123456789") != 20 ||
            (strcmp(nm + 20, ".index") && strcmp(nm + 20, ".timeindex")))
            continue;
        int64_t v = strtoll(nm, NULL, 10);
        if (n && bsearch(&v, bases, (size_t)n, sizeof *bases, cmp_i64)) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, nm);
        unlink(path);
    }
    if (d) closedir(d);
}

static int check_opts(const lh_stream_log_opts_t *o, lh_err_t *err)
{
    if (o->segment_bytes < 1024 || o->segment_bytes > INT32_MAX)
        return lh_err_set(err, LH_EINVAL, "segment_bytes must be between 1 KiB and 2 GiB");
    if (o->max_batch_bytes < LH_STREAM_BATCH_HEADER || o->max_batch_bytes > INT32_MAX)
        return lh_err_set(err, LH_EINVAL, "max_batch_bytes is out of range");
    if (o->index_interval <= 0 || o->segment_ms < 0 || o->flush_ms < 0 || o->flush_messages < 0)
        return lh_err_set(err, LH_EINVAL, "log options must not be negative");
    return 0;
}

static int open_segments(lh_stream_log_t *log, lh_err_t *err)
{
    int64_t *bases = NULL;
    int n = 0, rc = list_bases(log->dir, &bases, &n, err);
    if (!rc) remove_orphans(log->dir, bases, n);
    for (int i = 0; !rc && i < n; i++) {
        lh__segment_t *s;
        int64_t next = i + 1 < n ? bases[i + 1] : -1;
        rc = lh__segment_open(&s, log->dir, bases[i], i == n - 1, next,
                              (size_t)log->o.max_batch_bytes, log->o.index_interval, err);
        if (!rc) rc = push_seg(log, s, err);
    }
    free(bases);
    if (!rc && log->nseg == 0) {
        lh__segment_t *s;
        rc = lh__segment_create(&s, log->dir, 0, log->o.index_interval, err);
        if (!rc) rc = push_seg(log, s, err);
    }
    return rc;
}

int lh_stream_log_open(lh_stream_log_t **out, const char *dir, const lh_stream_log_opts_t *o,
                       lh_err_t *err)
{
    int rc = check_opts(o, err);
    if (rc) return rc;
    if (mkdir(dir, 0755) && errno != EEXIST)
        return lh_err_set(err, LH_EIO, "cannot create %s: %s", dir, strerror(errno));
    lh_stream_log_t *log = calloc(1, sizeof *log);
    if (!log || !(log->dir = strdup(dir))) {
        free(log);
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    log->o = *o;
    rc = open_segments(log, err);
    if (rc) {
        lh_stream_log_close(log);
        return rc;
    }
    log->durable = active(log)->next;
    log->last_flush_ms = now_ms(log);
    *out = log;
    return 0;
}

void lh_stream_log_close(lh_stream_log_t *log)
{
    if (!log) return;
    if (log->nseg && !log->broken) lh_stream_log_flush(log, NULL);
    for (int i = 0; i < log->nseg; i++)
        lh__segment_close(log->segs[i]);
    free(log->segs);
    free(log->dir);
    free(log);
}

int lh_stream_log_flush(lh_stream_log_t *log, lh_err_t *err)
{
    lh__segment_t *s = active(log);
    if (log->durable == s->next) return 0;
    if (fdatasync(s->fd)) {
        log->broken = 1;
        return lh_err_set(err, LH_EIO, "cannot fsync segment %lld: %s", (long long)s->base,
                          strerror(errno));
    }
    log->durable = s->next;
    log->unflushed = 0;
    log->last_flush_ms = now_ms(log);
    return 0;
}

int lh_stream_log_sync_begin(lh_stream_log_t *log, int *fd, int64_t *upto, lh_err_t *err)
{
    lh__segment_t *s = active(log);
    *fd = -1;
    *upto = s->next;
    if (log->durable >= s->next) return 0;
    if (log->broken) return lh_err_set(err, LH_EIO, "log %s failed a write: reopen it", log->dir);
    if ((*fd = dup(s->fd)) < 0)
        return lh_err_set(err, LH_EIO, "cannot dup segment %lld: %s", (long long)s->base,
                          strerror(errno));
    return 0;
}

void lh_stream_log_sync_end(lh_stream_log_t *log, int64_t upto, int ok)
{
    if (!ok) {
        log->broken = 1;
        return;
    }
    if (upto > log->durable) log->durable = upto;
}

/* The active segment becomes read-only (sealed, fsynced) and a new one
 * starts at the next offset. */
static int roll(lh_stream_log_t *log, lh_err_t *err)
{
    lh__segment_t *old = active(log), *s;
    int rc = lh__segment_seal(old, err);
    if (!rc) {
        log->durable = old->next;
        log->unflushed = 0;
        rc = lh__segment_create(&s, log->dir, old->next, log->o.index_interval, err);
    }
    if (!rc) rc = push_seg(log, s, err);
    if (rc) log->broken = 1;
    return rc;
}

static int roll_due(const lh_stream_log_t *log, int64_t now, size_t incoming)
{
    const lh__segment_t *s = active(log);
    if (s->size == 0) return 0;
    if (s->size + (int64_t)incoming > log->o.segment_bytes) return 1;
    return log->o.segment_ms > 0 && s->roll_base_ms != INT64_MIN &&
           now - s->roll_base_ms >= log->o.segment_ms;
}

static int flush_due(const lh_stream_log_t *log, int sync, int64_t now)
{
    if (log->unflushed == 0) return 0;
    if (sync && log->o.flush_ms == 0) return 1;
    if (log->o.flush_messages > 0 && log->unflushed >= log->o.flush_messages) return 1;
    return log->o.flush_ms > 0 && now - log->last_flush_ms >= log->o.flush_ms;
}

static int append(lh_stream_log_t *log, void *batch, size_t n, int sync, int walked, int64_t *base,
                  lh_err_t *err)
{
    if (log->broken) return lh_err_set(err, LH_EIO, "log %s failed a write: reopen it", log->dir);
    lh_stream_batch_t b;
    size_t max = (size_t)log->o.max_batch_bytes;
    int rc = lh_stream_batch_check_produce(batch, n, max, &b, err);
    if (!rc && log->o.verify_records && !walked)
        rc = lh_stream_batch_check_records(batch, n, LH__STREAM_MAX_PLAIN, err);
    if (rc) return rc;
    int64_t now = now_ms(log);
    if (roll_due(log, now, n) && (rc = roll(log, err))) return rc;
    lh__segment_t *s = active(log);
    b.base_offset = s->next;
    lh_stream_batch_set_base_offset(batch, b.base_offset);
    if (s->roll_base_ms == INT64_MIN) s->roll_base_ms = now;
    if ((rc = lh__segment_append(s, batch, &b, err))) {
        log->broken = 1;
        return rc;
    }
    log->unflushed += b.count;
    *base = b.base_offset;
    return flush_due(log, sync, now) ? lh_stream_log_flush(log, err) : 0;
}

int lh_stream_log_append(lh_stream_log_t *log, void *batch, size_t n, int sync, int64_t *base,
                         lh_err_t *err)
{
    return append(log, batch, n, sync, 0, base, err);
}

int lh_stream_log_append_walked(lh_stream_log_t *log, void *batch, size_t n, int sync,
                                int64_t *base, lh_err_t *err)
{
    return append(log, batch, n, sync, 1, base, err);
}

int lh_stream_log_tick(lh_stream_log_t *log, lh_err_t *err)
{
    if (log->broken) return lh_err_set(err, LH_EIO, "log %s failed a write: reopen it", log->dir);
    int64_t now = now_ms(log);
    int rc = flush_due(log, 0, now) ? lh_stream_log_flush(log, err) : 0;
    if (!rc && roll_due(log, now, 0)) rc = roll(log, err);
    return rc;
}

int lh_stream_log_retain(lh_stream_log_t *log, int *deleted, lh_err_t *err)
{
    int64_t now = now_ms(log), total = lh_stream_log_size(log);
    int n = 0, rc = 0;
    while (!rc && log->nseg > 1) {
        lh__segment_t *s = log->segs[0];
        int old = log->o.retention_ms >= 0 && s->max_ts < now - log->o.retention_ms;
        int big = log->o.retention_bytes >= 0 && total - s->size >= log->o.retention_bytes;
        if (!old && !big) break;
        total -= s->size;
        memmove(log->segs, log->segs + 1, (size_t)(log->nseg - 1) * sizeof *log->segs);
        log->nseg--;
        rc = lh__segment_delete(s, log->dir, err);
        n++;
    }
    if (n && !rc) rc = lh__fsync_dir(log->dir, err);
    if (deleted) *deleted = n;
    return rc;
}

/* The segment holding offset: the last one whose base is <= offset. */
int lh__log_segment_for(const lh_stream_log_t *log, int64_t offset)
{
    int lo = 0, hi = log->nseg;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (log->segs[mid]->base <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1;
}

int64_t lh_stream_log_start(const lh_stream_log_t *log)
{
    return log->segs[0]->base;
}

int64_t lh_stream_log_high_watermark(const lh_stream_log_t *log)
{
    return active(log)->next;
}

int64_t lh_stream_log_durable(const lh_stream_log_t *log)
{
    return log->durable;
}

int64_t lh_stream_log_size(const lh_stream_log_t *log)
{
    int64_t n = 0;
    for (int i = 0; i < log->nseg; i++)
        n += log->segs[i]->size;
    return n;
}

int lh_stream_log_segments(const lh_stream_log_t *log)
{
    return log->nseg;
}
