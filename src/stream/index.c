/* A segment's two sparse indexes, kept in memory and written to their
 * files when the segment is sealed (the active segment's are rebuilt by the
 * scan on every open anyway), big-endian as Kafka writes them:
 * .index 8-byte entries (relative last offset of a batch, its file
 * position), .timeindex 12-byte entries (timestamp, relative offset). The
 * files are not checksummed: a closed segment's are checked against its log
 * when loaded, and rebuilt from the log when they do not match. */
#include "stream/stream_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static int open_one(const char *dir, int64_t base, const char *ext, int truncate, lh_err_t *err)
{
    char path[4096];
    lh__segment_name(path, sizeof path, dir, base, ext);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0644);
    if (fd < 0) lh_err_set(err, LH_EIO, "cannot open %s: %s", path, strerror(errno));
    return fd;
}

int lh__index_open(lh__index_t *ix, const char *dir, int64_t base, int truncate, lh_err_t *err)
{
    memset(ix, 0, sizeof *ix);
    ix->off_fd = open_one(dir, base, ".index", truncate, err);
    ix->tim_fd = ix->off_fd < 0 ? -1 : open_one(dir, base, ".timeindex", truncate, err);
    if (ix->tim_fd < 0) {
        if (ix->off_fd >= 0) close(ix->off_fd);
        ix->off_fd = -1;
        return LH_EIO;
    }
    return 0;
}

void lh__index_close(lh__index_t *ix)
{
    if (ix->off_fd >= 0) close(ix->off_fd);
    if (ix->tim_fd >= 0) close(ix->tim_fd);
    ix->off_fd = ix->tim_fd = -1;
    free(ix->off);
    free(ix->tim);
    ix->off = NULL;
    ix->tim = NULL;
    ix->noff = ix->ntim = ix->capoff = ix->captim = 0;
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem, lh_err_t *err)
{
    if (n < *cap) return 0;
    size_t c = *cap ? *cap * 2 : 64;
    void *p = realloc(*arr, c * elem);
    if (!p) return lh_err_set(err, LH_ENOMEM, "out of memory growing a log index");
    *arr = p;
    *cap = c;
    return 0;
}

static int add_time(lh__index_t *ix, int64_t ts, int32_t rel, lh_err_t *err)
{
    if (ix->ntim && ix->tim[ix->ntim - 1].ts == ts) return 0; /* nothing new to say */
    if (grow((void **)&ix->tim, &ix->captim, ix->ntim, sizeof *ix->tim, err)) return LH_ENOMEM;
    ix->tim[ix->ntim++] = (lh__tentry_t){ts, rel};
    return 0;
}

int lh__index_add(lh__index_t *ix, int64_t seg_base, const lh_stream_batch_t *b, int64_t pos,
                  int64_t ts_before, lh_err_t *err)
{
    if (grow((void **)&ix->off, &ix->capoff, ix->noff, sizeof *ix->off, err)) return LH_ENOMEM;
    int32_t rel = (int32_t)(b->base_offset + b->last_offset_delta - seg_base);
    ix->off[ix->noff++] = (lh__oentry_t){rel, (int32_t)pos};
    if (ts_before == INT64_MIN) return 0;
    return add_time(ix, ts_before, (int32_t)(b->base_offset - seg_base), err);
}

/* Writes n entries of unit bytes, made by put(i, out), as the whole file. */
static int write_file(int fd, size_t n, size_t unit, const lh__index_t *ix,
                      void (*put)(const lh__index_t *, size_t, uint8_t *), lh_err_t *err)
{
    uint8_t *buf = malloc(n * unit + 1);
    if (!buf) return lh_err_set(err, LH_ENOMEM, "out of memory writing a log index");
    for (size_t i = 0; i < n; i++)
        put(ix, i, buf + i * unit);
    int rc = 0;
    if (pwrite(fd, buf, n * unit, 0) != (ssize_t)(n * unit) || ftruncate(fd, (off_t)(n * unit)))
        rc = lh_err_set(err, LH_EIO, "cannot write a log index: %s", strerror(errno));
    free(buf);
    return rc;
}

static void put_off(const lh__index_t *ix, size_t i, uint8_t *e)
{
    put_be(e, (uint32_t)ix->off[i].rel, 4);
    put_be(e + 4, (uint32_t)ix->off[i].pos, 4);
}

static void put_tim(const lh__index_t *ix, size_t i, uint8_t *e)
{
    put_be(e, (uint64_t)ix->tim[i].ts, 8);
    put_be(e + 8, (uint32_t)ix->tim[i].rel, 4);
}

int lh__index_seal(lh__index_t *ix, int64_t seg_base, int64_t next, int64_t max_ts, lh_err_t *err)
{
    int rc = 0;
    if (next != seg_base) {
        if (ix->ntim && ix->tim[ix->ntim - 1].ts == max_ts) ix->ntim--; /* move it to the end */
        rc = add_time(ix, max_ts, (int32_t)(next - seg_base), err);
    }
    if (!rc) rc = write_file(ix->off_fd, ix->noff, 8, ix, put_off, err);
    if (!rc) rc = write_file(ix->tim_fd, ix->ntim, 12, ix, put_tim, err);
    return rc;
}

int lh__index_sync(lh__index_t *ix, lh_err_t *err)
{
    if (fsync(ix->off_fd) || fsync(ix->tim_fd))
        return lh_err_set(err, LH_EIO, "cannot fsync a log index: %s", strerror(errno));
    return 0;
}

static int read_all(int fd, uint8_t **out, size_t *n, size_t unit, lh_err_t *err)
{
    struct stat st;
    *out = NULL;
    if (fstat(fd, &st)) return lh_err_set(err, LH_EIO, "cannot stat a log index");
    if (st.st_size % (off_t)unit) return lh_err_set(err, LH_ECORRUPT, "partial index entry");
    *n = (size_t)st.st_size / unit;
    if (!*n) return 0;
    if (!(*out = malloc((size_t)st.st_size)))
        return lh_err_set(err, LH_ENOMEM, "out of memory loading a log index");
    if (pread(fd, *out, (size_t)st.st_size, 0) != st.st_size)
        return lh_err_set(err, LH_EIO, "cannot read a log index");
    return 0;
}

/* Entries strictly increasing, inside the segment; the last offset entry
 * names a batch that ends where the entry says, and is near enough to the
 * end that no entry is missing after it (an entry is made once `slack`
 * minus one batch has been written since the last one). */
static int check_off(lh__index_t *ix, int fd, int64_t base, int64_t size, int64_t next,
                     int64_t slack)
{
    for (size_t i = 0; i < ix->noff; i++) {
        lh__oentry_t e = ix->off[i];
        if (e.rel < 0 || e.pos < 0 || e.pos >= size || base + e.rel >= next) return -1;
        if (i && (e.rel <= ix->off[i - 1].rel || e.pos <= ix->off[i - 1].pos)) return -1;
    }
    if (size - (ix->noff ? ix->off[ix->noff - 1].pos : 0) >= slack) return -1;
    if (!ix->noff) return 0;
    lh__oentry_t e = ix->off[ix->noff - 1];
    uint8_t h[LH__STREAM_PEEK];
    if (pread(fd, h, sizeof h, e.pos) != (ssize_t)sizeof h) return -1;
    uint64_t last = (uint64_t)lh_stream_be64(h) + (uint64_t)(int64_t)lh_stream_be32(h + 23);
    return last == (uint64_t)(base + e.rel) ? 0 : -1;
}

static int check_time(const lh__index_t *ix, int64_t base, int64_t next)
{
    for (size_t i = 0; i < ix->ntim; i++) {
        lh__tentry_t e = ix->tim[i];
        if (e.rel <= 0 || base + e.rel > next) return -1;
        if (i && (e.rel <= ix->tim[i - 1].rel || e.ts <= ix->tim[i - 1].ts)) return -1;
    }
    /* the closing entry covers the whole segment */
    return ix->ntim && base + ix->tim[ix->ntim - 1].rel == next ? 0 : -1;
}

int lh__index_load(lh__index_t *ix, int fd, int64_t base, int64_t size, int64_t next, int64_t slack,
                   int64_t *max_ts, lh_err_t *err)
{
    uint8_t *o = NULL, *t = NULL;
    size_t no = 0, nt = 0;
    int rc = read_all(ix->off_fd, &o, &no, 8, err);
    if (!rc) rc = read_all(ix->tim_fd, &t, &nt, 12, err);
    if (!rc && (!(ix->off = malloc((no + 1) * sizeof *ix->off)) ||
                !(ix->tim = malloc((nt + 1) * sizeof *ix->tim))))
        rc = lh_err_set(err, LH_ENOMEM, "out of memory loading a log index");
    if (!rc) {
        ix->capoff = no + 1;
        ix->captim = nt + 1;
        for (size_t i = 0; i < no; i++)
            ix->off[ix->noff++] =
                (lh__oentry_t){lh_stream_be32(o + i * 8), lh_stream_be32(o + i * 8 + 4)};
        for (size_t i = 0; i < nt; i++)
            ix->tim[ix->ntim++] =
                (lh__tentry_t){lh_stream_be64(t + i * 12), lh_stream_be32(t + i * 12 + 8)};
        if (check_off(ix, fd, base, size, next, slack) || check_time(ix, base, next))
            rc = lh_err_set(err, LH_ECORRUPT, "index of segment %lld does not match its log",
                            (long long)base);
        else
            *max_ts = ix->tim[ix->ntim - 1].ts;
    }
    free(o);
    free(t);
    return rc;
}

int64_t lh__index_pos_for(const lh__index_t *ix, int64_t base, int64_t offset)
{
    size_t lo = 0, hi = ix->noff; /* the last entry with base+rel <= offset */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (base + ix->off[mid].rel <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? ix->off[lo - 1].pos : 0;
}

int64_t lh__index_offset_for_time(const lh__index_t *ix, int64_t base, int64_t ts)
{
    size_t lo = 0, hi = ix->ntim; /* the last entry with a timestamp < ts */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (ix->tim[mid].ts < ts)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? base + ix->tim[lo - 1].rel : base;
}
