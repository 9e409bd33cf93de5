/* One segment of a partition log: <base>.log (batches back to back, as
 * they came, with their offsets assigned) plus its two indexes. Appends go
 * to the end of the active segment; a closed segment's indexes are loaded
 * and checked, or rebuilt by scanning its batches; the last segment is
 * always rescanned on open, every batch's CRC-32C checked, and cut at the
 * first torn or corrupt batch. */
#include "stream/stream_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void lh__segment_name(char *out, size_t n, const char *dir, int64_t base, const char *ext)
{
    snprintf(out, n, "%s/%020lld%s", dir, (long long)base, ext);
}

int lh__fsync_dir(const char *dir, lh_err_t *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd)) {
        if (fd >= 0) close(fd);
        return lh_err_set(err, LH_EIO, "cannot fsync %s: %s", dir, strerror(errno));
    }
    close(fd);
    return 0;
}

static lh__segment_t *seg_new(int64_t base, int64_t interval)
{
    lh__segment_t *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->interval = interval;
    s->base = s->next = base;
    s->max_ts = INT64_MIN;
    s->roll_base_ms = INT64_MIN;
    s->fd = s->idx.off_fd = s->idx.tim_fd = -1;
    return s;
}

static int open_log(lh__segment_t *s, const char *dir, int flags, lh_err_t *err)
{
    char path[4096];
    lh__segment_name(path, sizeof path, dir, s->base, ".log");
    s->fd = open(path, O_RDWR | O_CLOEXEC | flags, 0644);
    if (s->fd < 0) return lh_err_set(err, LH_EIO, "cannot open %s: %s", path, strerror(errno));
    return 0;
}

int lh__segment_create(lh__segment_t **out, const char *dir, int64_t base, int64_t interval,
                       lh_err_t *err)
{
    lh__segment_t *s = seg_new(base, interval);
    if (!s) return lh_err_set(err, LH_ENOMEM, "out of memory");
    int rc = open_log(s, dir, O_CREAT | O_TRUNC, err);
    if (!rc) rc = lh__index_open(&s->idx, dir, base, 1, err);
    if (!rc) rc = lh__fsync_dir(dir, err);
    if (rc) {
        lh__segment_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

int lh__segment_pread(const lh__segment_t *s, void *buf, size_t n, int64_t pos, lh_err_t *err)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(s->fd, (char *)buf + got, n - got, (off_t)(pos + (int64_t)got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0)
            return lh_err_set(err, r == 0 ? LH_ENOENT : LH_EIO,
                              "cannot read segment %lld at %lld: %s", (long long)s->base,
                              (long long)pos, r == 0 ? "end of file" : strerror(errno));
        got += (size_t)r;
    }
    return 0;
}

int lh__segment_peek(const lh__segment_t *s, int64_t pos, int64_t *base, int64_t *last,
                     size_t *size, lh_err_t *err)
{
    uint8_t h[LH__STREAM_PEEK];
    if (pos + (int64_t)sizeof h > s->size)
        return lh_err_set(err, LH_ENOENT, "no batch at %lld", (long long)pos);
    int rc = lh__segment_pread(s, h, sizeof h, pos, err);
    if (rc) return rc;
    *base = lh_stream_be64(h);
    *last = (int64_t)((uint64_t)*base + (uint64_t)(int64_t)lh_stream_be32(h + 23));
    *size = (size_t)(uint32_t)lh_stream_be32(h + 8) + LH_STREAM_BATCH_PREFIX;
    return 0;
}

int lh__segment_find(const lh__segment_t *s, int64_t offset, int64_t *pos, lh_err_t *err)
{
    int64_t at = lh__index_pos_for(&s->idx, s->base, offset);
    for (;;) {
        int64_t base = 0, last = 0;
        size_t size = 0;
        int rc = lh__segment_peek(s, at, &base, &last, &size, err);
        if (rc) return rc;
        if (last >= offset) {
            *pos = at;
            return 0;
        }
        at += (int64_t)size;
    }
}

static void note_batch(lh__segment_t *s, const lh_stream_batch_t *b)
{
    if (s->max_ts == INT64_MIN || b->max_timestamp > s->max_ts) s->max_ts = b->max_timestamp;
    s->next = b->base_offset + b->last_offset_delta + 1;
    s->size += (int64_t)b->size;
    s->since_index += (int64_t)b->size;
}

/* Index entries every `interval` bytes, made before the batch that crosses. */
static int index_batch(lh__segment_t *s, const lh_stream_batch_t *b, lh_err_t *err)
{
    if (s->size == 0 || s->since_index < s->interval) return 0;
    s->since_index = 0;
    return lh__index_add(&s->idx, s->base, b, s->size, s->max_ts, err);
}

int lh__segment_append(lh__segment_t *s, const void *p, const lh_stream_batch_t *b, lh_err_t *err)
{
    size_t done = 0;
    while (done < b->size) {
        ssize_t w =
            pwrite(s->fd, (const char *)p + done, b->size - done, (off_t)(s->size + (int64_t)done));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = errno;
            if (ftruncate(s->fd, (off_t)s->size)) { /* the log is broken either way */
            }
            return lh_err_set(err, LH_EIO, "cannot append to segment %lld: %s", (long long)s->base,
                              strerror(e));
        }
        done += (size_t)w;
    }
    int rc = index_batch(s, b, err);
    if (rc) return rc;
    note_batch(s, b);
    return 0;
}

int lh__segment_seal(lh__segment_t *s, lh_err_t *err)
{
    int rc = lh__index_seal(&s->idx, s->base, s->next, s->max_ts, err);
    if (!rc && fdatasync(s->fd))
        rc = lh_err_set(err, LH_EIO, "cannot fsync segment %lld: %s", (long long)s->base,
                        strerror(errno));
    if (!rc) rc = lh__index_sync(&s->idx, err);
    return rc;
}

/* Walks the batches from the start, checking each one (CRC, offsets that
 * chain from the base), and rebuilds the indexes. *end gets the position
 * after the last good batch; returns 0 or LH_EIO / LH_ENOMEM. */
static int scan(lh__segment_t *s, int64_t file_size, size_t max_batch, int64_t *end, lh_err_t *err)
{
    uint8_t *buf = NULL;
    size_t cap = 0;
    int rc = 0;
    s->size = 0;
    while (!rc && s->size + LH_STREAM_BATCH_PREFIX <= file_size) {
        uint8_t pre[LH_STREAM_BATCH_PREFIX];
        if ((rc = lh__segment_pread(s, pre, sizeof pre, s->size, err))) break;
        int64_t len = (int64_t)(uint32_t)lh_stream_be32(pre + 8) + LH_STREAM_BATCH_PREFIX;
        if (len > (int64_t)max_batch || len > file_size - s->size) break; /* torn */
        if ((size_t)len > cap) {
            void *p = realloc(buf, (size_t)len);
            if (!p) {
                rc = lh_err_set(err, LH_ENOMEM, "out of memory recovering a log");
                break;
            }
            buf = p;
            cap = (size_t)len;
        }
        if ((rc = lh__segment_pread(s, buf, (size_t)len, s->size, err))) break;
        lh_stream_batch_t b;
        lh_err_t ignore;
        if (lh_stream_batch_parse(buf, (size_t)len, max_batch, &b, &ignore)) break;
        if (b.base_offset != s->next) break; /* not the batch that belongs here */
        if ((rc = index_batch(s, &b, err))) break;
        note_batch(s, &b);
        if (s->roll_base_ms == INT64_MIN) s->roll_base_ms = b.max_timestamp;
    }
    free(buf);
    *end = s->size;
    return rc;
}

static int file_size(const lh__segment_t *s, int64_t *size, lh_err_t *err)
{
    struct stat st;
    if (fstat(s->fd, &st))
        return lh_err_set(err, LH_EIO, "cannot stat segment %lld", (long long)s->base);
    *size = (int64_t)st.st_size;
    return 0;
}

static int rebuild(lh__segment_t *s, const char *dir, int64_t fsize, size_t max_batch, int64_t *end,
                   lh_err_t *err)
{
    lh__index_close(&s->idx);
    s->next = s->base;
    s->max_ts = INT64_MIN;
    s->since_index = 0;
    int rc = lh__index_open(&s->idx, dir, s->base, 1, err);
    return rc ? rc : scan(s, fsize, max_batch, end, err);
}

static int recover_last(lh__segment_t *s, const char *dir, int64_t fsize, size_t max_batch,
                        lh_err_t *err)
{
    int64_t end;
    int rc = rebuild(s, dir, fsize, max_batch, &end, err);
    if (rc) return rc;
    if (end < fsize && ftruncate(s->fd, (off_t)end))
        return lh_err_set(err, LH_EIO, "cannot truncate segment %lld: %s", (long long)s->base,
                          strerror(errno));
    if (fdatasync(s->fd))
        return lh_err_set(err, LH_EIO, "cannot fsync segment %lld", (long long)s->base);
    return 0;
}

static int open_closed(lh__segment_t *s, const char *dir, int64_t fsize, int64_t next,
                       size_t max_batch, lh_err_t *err)
{
    s->size = fsize;
    s->next = next;
    lh_err_t ignore;
    int64_t slack = s->interval + (int64_t)max_batch;
    if (!lh__index_load(&s->idx, s->fd, s->base, fsize, next, slack, &s->max_ts, &ignore)) return 0;
    int64_t end;
    int rc = rebuild(s, dir, fsize, max_batch, &end, err);
    if (rc) return rc;
    if (end != fsize || s->next != next)
        return lh_err_set(err, LH_ECORRUPT,
                          "segment %lld is damaged at byte %lld (offsets up to %lld of %lld)",
                          (long long)s->base, (long long)end, (long long)s->next, (long long)next);
    return lh__segment_seal(s, err);
}

int lh__segment_open(lh__segment_t **out, const char *dir, int64_t base, int last, int64_t next,
                     size_t max_batch, int64_t interval, lh_err_t *err)
{
    lh__segment_t *s = seg_new(base, interval);
    if (!s) return lh_err_set(err, LH_ENOMEM, "out of memory");
    int64_t fsize = 0;
    int rc = open_log(s, dir, 0, err);
    if (!rc) rc = file_size(s, &fsize, err);
    if (!rc) rc = lh__index_open(&s->idx, dir, base, 0, err);
    if (!rc && last) rc = recover_last(s, dir, fsize, max_batch, err);
    if (!rc && !last) rc = open_closed(s, dir, fsize, next, max_batch, err);
    if (rc) {
        lh__segment_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

void lh__segment_close(lh__segment_t *s)
{
    if (!s) return;
    if (s->fd >= 0) close(s->fd);
    lh__index_close(&s->idx);
    free(s);
}

int lh__segment_delete(lh__segment_t *s, const char *dir, lh_err_t *err)
{
    static const char *const exts[] = {".log", ".index", ".timeindex"};
    int64_t base = s->base;
    lh__segment_close(s);
    for (size_t i = 0; i < 3; i++) {
        char path[4096];
        lh__segment_name(path, sizeof path, dir, base, exts[i]);
        if (unlink(path) && errno != ENOENT)
            return lh_err_set(err, LH_EIO, "cannot remove %s: %s", path, strerror(errno));
    }
    return 0;
}
