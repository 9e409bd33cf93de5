/* The offsets file, <dir>/offsets.log: an 8-byte magic, then frames, each
 * a u32 payload length, a u32 CRC-32C of the payload, and the payload (a
 * COMMIT or DROP_TOPIC record, group_offsets.c). Appends only; a commit is
 * acknowledged after its frame is fsynced (inline, or on a submitted job,
 * one at a time: commits written while one runs share the next). Opening
 * replays the frames and cuts the file at the first one that is short or
 * fails its CRC (a torn tail after kill -9: never acknowledged). When the
 * file holds more than twice its live entries (plus compact_bytes), it is
 * rewritten: a temporary file with one frame per group, fsynced, renamed
 * over, and the directory fsynced. */
#include "stream/group_int.h"
#include "stream/stream_int.h"

#include "core/checksum.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "LHGOFF01"
#define MAGIC_LEN 8
#define FRAME_HDR 8

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int mkdirs(const char *dir, lh_err_t *err)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return lh_err_set(err, LH_EINVAL, "path too long: %s", dir);
    for (char *p = path + 1;; p++) {
        if (*p && *p != '/') continue;
        char c = *p;
        *p = 0;
        if (mkdir(path, 0755) && errno != EEXIST)
            return lh_err_set(err, LH_EIO, "cannot create %s: %s", path, strerror(errno));
        if (!c) return 0;
        *p = c;
    }
}

static int write_all(int fd, const void *p, size_t n, off_t at)
{
    const char *c = p;
    while (n) {
        ssize_t w = pwrite(fd, c, n, at);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        c += w;
        n -= (size_t)w;
        at += w;
    }
    return 0;
}

/* Replays the frames of buf[MAGIC_LEN..n); the end of the last good one. */
static int replay(lh_stream_groups_t *g, const unsigned char *buf, size_t n, size_t *good,
                  lh_err_t *err)
{
    size_t at = MAGIC_LEN;
    while (n - at >= FRAME_HDR) {
        uint32_t len = get32(buf + at), crc = get32(buf + at + 4);
        if (len > n - at - FRAME_HDR) break;
        const char *payload = (const char *)buf + at + FRAME_HDR;
        if (lh_crc32c(0, payload, len) != crc) break;
        int rc = lh__groups_apply(g, payload, len);
        if (rc == LH_ENOMEM) return lh_err_set(err, rc, "out of memory");
        if (rc) break; /* CRC-valid but unreadable: treat as the tail */
        at += FRAME_HDR + len;
    }
    *good = at;
    return 0;
}

static int read_file(lh_stream_groups_t *g, unsigned char **out, size_t *n, lh_err_t *err)
{
    *out = NULL;
    *n = 0;
    int fd = open(g->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) return 0;
    if (fd < 0) return lh_err_set(err, LH_EIO, "cannot open %s: %s", g->path, strerror(errno));
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st)) {
        rc = lh_err_set(err, LH_EIO, "cannot stat %s: %s", g->path, strerror(errno));
    } else if (st.st_size > g->o.max_file_bytes) {
        rc = lh_err_set(err, LH_ETOOBIG, "%s is over %lld bytes", g->path,
                        (long long)g->o.max_file_bytes);
    } else if (st.st_size > 0) {
        *out = malloc((size_t)st.st_size);
        ssize_t r = *out ? pread(fd, *out, (size_t)st.st_size, 0) : -1;
        if (!*out)
            rc = lh_err_set(err, LH_ENOMEM, "out of memory");
        else if (r != st.st_size)
            rc = lh_err_set(err, LH_EIO, "cannot read %s", g->path);
        *n = (size_t)st.st_size;
    }
    close(fd);
    return rc;
}

static void put_frame(lh_buf_t *b, const lh_buf_t *frame)
{
    unsigned char hdr[FRAME_HDR];
    put32(hdr, (uint32_t)frame->len);
    put32(hdr + 4, lh_crc32c(0, frame->ptr, frame->len));
    lh_buf_append(b, hdr, sizeof hdr);
    lh_buf_append_buf(b, frame);
}

/* A new file at path holding the magic, every group's offsets and the
 * membership of Stable groups. */
static int write_snapshot(lh_stream_groups_t *g, const char *path, int64_t *size, lh_err_t *err)
{
    lh_buf_t b, frame;
    lh_buf_init(&b, (size_t)g->o.max_file_bytes);
    lh_buf_init(&frame, (size_t)g->o.max_file_bytes);
    lh_buf_append(&b, MAGIC, MAGIC_LEN);
    int64_t membership = 0;
    for (int i = 0; i < g->ngroups; i++) {
        const lh__group_t *gr = g->groups[i];
        if (gr->noffsets) {
            lh_buf_reset(&frame);
            lh__gencode_group(&frame, gr);
            put_frame(&b, &frame);
        }
        if (gr->state == LH_GROUP_STABLE) {
            lh_buf_reset(&frame);
            lh__gencode_membership(&frame, gr);
            put_frame(&b, &frame);
            membership += (int64_t)(FRAME_HDR + frame.len);
        }
    }
    g->membership_bytes = membership;
    int rc = lh_buf_err(&b) ? lh_err_set(err, LH_ENOMEM, "out of memory") : 0;
    int fd = rc ? -1 : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (!rc && (fd < 0 || write_all(fd, b.ptr, b.len, 0) || fsync(fd)))
        rc = lh_err_set(err, LH_EIO, "cannot write %s: %s", path, strerror(errno));
    if (fd >= 0) close(fd);
    *size = (int64_t)b.len;
    lh_buf_free(&b);
    lh_buf_free(&frame);
    return rc;
}

/* Replaces the file with a snapshot of memory and reopens it. */
static int compact(lh_stream_groups_t *g, lh_err_t *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp", g->path);
    int64_t size;
    int rc = write_snapshot(g, tmp, &size, err);
    if (!rc && rename(tmp, g->path))
        rc = lh_err_set(err, LH_EIO, "cannot rename %s: %s", tmp, strerror(errno));
    if (!rc) rc = lh__fsync_dir(g->dir, err);
    if (rc) {
        unlink(tmp);
        return rc;
    }
    if (g->fd >= 0) close(g->fd);
    g->fd = open(g->path, O_WRONLY | O_CLOEXEC);
    if (g->fd < 0) {
        g->failed = 1;
        return lh_err_set(err, LH_EIO, "cannot open %s: %s", g->path, strerror(errno));
    }
    g->file_end = g->durable_end = size;
    return 0;
}

static int wasteful(const lh_stream_groups_t *g)
{
    return g->file_end > 2 * (g->live_bytes + g->membership_bytes) + g->o.compact_bytes;
}

int lh__gstore_open(lh_stream_groups_t *g, const char *dir, lh_err_t *err)
{
    size_t dl = strlen(dir);
    g->dir = strdup(dir);
    g->path = malloc(dl + sizeof "/offsets.log");
    if (!g->dir || !g->path) return lh_err_set(err, LH_ENOMEM, "out of memory");
    memcpy(g->path, dir, dl);
    memcpy(g->path + dl, "/offsets.log", sizeof "/offsets.log");
    unsigned char *buf = NULL;
    size_t n = 0, good = 0;
    int rc = mkdirs(g->dir, err);
    if (!rc) rc = read_file(g, &buf, &n, err);
    if (!rc && n >= MAGIC_LEN && memcmp(buf, MAGIC, MAGIC_LEN))
        rc = lh_err_set(err, LH_ECORRUPT, "%s is not an offsets file", g->path);
    if (!rc && n >= MAGIC_LEN) rc = replay(g, buf, n, &good, err);
    free(buf);
    if (rc) return rc;
    g->file_end = (int64_t)good;
    if (good < MAGIC_LEN || good < n || wasteful(g)) return compact(g, err);
    g->fd = open(g->path, O_WRONLY | O_CLOEXEC);
    if (g->fd < 0) return lh_err_set(err, LH_EIO, "cannot open %s: %s", g->path, strerror(errno));
    g->durable_end = g->file_end;
    return 0;
}

static void commits_free(lh_stream_groups_t *g)
{
    while (g->commits) {
        lh__gcommit_t *c = g->commits;
        g->commits = c->next;
        free(c->frame);
        free(c);
    }
    g->commits_tail = &g->commits;
}

void lh__gstore_close(lh_stream_groups_t *g)
{
    commits_free(g);
    if (!g->job && g->fd >= 0) close(g->fd); /* else the job's done closes it */
    if (!g->job) {
        free(g->dir);
        free(g->path);
    }
}

int lh__gstore_write(lh_stream_groups_t *g, const char *p, size_t n, lh_err_t *err)
{
    if (g->failed || g->fd < 0) return lh_err_set(err, LH_EIO, "the offsets file failed earlier");
    if (n > UINT32_MAX - FRAME_HDR) return lh_err_set(err, LH_ETOOBIG, "offset commit too large");
    unsigned char *f = malloc(FRAME_HDR + n);
    if (!f) return lh_err_set(err, LH_ENOMEM, "out of memory");
    put32(f, (uint32_t)n);
    put32(f + 4, lh_crc32c(0, p, n));
    memcpy(f + FRAME_HDR, p, n);
    int rc = 0;
    if (write_all(g->fd, f, FRAME_HDR + n, (off_t)g->file_end)) {
        rc = lh_err_set(err, LH_EIO, "cannot write %s: %s", g->path, strerror(errno));
        if (ftruncate(g->fd, (off_t)g->file_end)) g->failed = 1; /* a bad frame would stay */
    } else {
        g->file_end += (int64_t)(FRAME_HDR + n);
    }
    free(f);
    return rc;
}

int lh__gstore_sync(lh_stream_groups_t *g, lh_err_t *err)
{
    if (fdatasync(g->fd)) {
        g->failed = 1; /* after a failed fsync the page cache cannot be trusted */
        return lh_err_set(err, LH_EIO, "cannot fsync %s: %s", g->path, strerror(errno));
    }
    g->durable_end = g->file_end;
    return 0;
}

int lh__gstore_maybe_compact(lh_stream_groups_t *g, lh_err_t *err)
{
    if (g->job || g->commits || g->failed || !wasteful(g)) return 0;
    return compact(g, err);
}

/* ---- fsync jobs ---- */

static void job_work(void *arg)
{
    lh__gsync_job_t *j = arg;
    j->rc = fdatasync(j->fd) ? errno : 0;
}

static int job_submit(lh_stream_groups_t *g);

/* Answers the queued commits up to the durable end (applying them), or
 * every queued one with an error once the file failed. */
static void answer_durable(lh_stream_groups_t *g)
{
    while (g->commits && (g->failed || g->commits->end <= g->durable_end)) {
        lh__gcommit_t *c = g->commits;
        g->commits = c->next;
        int16_t e = g->failed ? LH_GROUP_COORDINATOR_NOT_AVAILABLE : LH_GROUP_NONE;
        if (!e && lh__groups_apply(g, c->frame, c->len)) e = LH_GROUP_UNKNOWN_SERVER_ERROR;
        g->n_commits += !e;
        if (c->cb) c->cb(c->arg, e);
        free(c->frame);
        free(c);
    }
    if (!g->commits) g->commits_tail = &g->commits;
}

static void job_done(void *arg, int status)
{
    lh__gsync_job_t *j = arg;
    lh_stream_groups_t *g = j->g;
    if (status) job_work(j); /* not run (shutting down): fsync here */
    g->job = NULL;
    if (g->closing) {
        close(j->fd);
        free(j);
        free(g->dir);
        free(g->path);
        lh__groups_free_closed(g);
        return;
    }
    if (j->rc)
        g->failed = 1;
    else if (j->end > g->durable_end)
        g->durable_end = j->end;
    free(j);
    answer_durable(g);
    if (g->commits && job_submit(g)) { /* cannot submit: fsync here */
        lh_err_t err;
        lh__gstore_sync(g, &err);
        answer_durable(g);
    }
    lh_err_t err;
    lh__gstore_maybe_compact(g, &err);
}

static int job_submit(lh_stream_groups_t *g)
{
    lh__gsync_job_t *j = malloc(sizeof *j);
    if (!j) return LH_ENOMEM;
    *j = (lh__gsync_job_t){.g = g, .fd = g->fd, .end = g->file_end};
    g->job = j;
    if (g->o.submit(g->o.submit_ctx, job_work, job_done, j)) {
        g->job = NULL;
        free(j);
        return LH_EIO;
    }
    return 0;
}

int lh__gstore_queue(lh_stream_groups_t *g, lh__gcommit_t *c)
{
    c->next = NULL;
    *g->commits_tail = c;
    g->commits_tail = &c->next;
    if (g->job || !job_submit(g)) return 0;
    g->commits = NULL; /* no job: c was the only one queued */
    g->commits_tail = &g->commits;
    return LH_EIO;
}

int lh__gstore_flush(lh_stream_groups_t *g, lh_err_t *err)
{
    if (!g->commits) return 0;
    int rc = lh__gstore_sync(g, err);
    answer_durable(g); /* applied, or answered with an error once failed */
    return rc;
}

void lh__gstore_cancel(lh_stream_groups_t *g, void *arg)
{
    for (lh__gcommit_t *c = g->commits; c; c = c->next)
        if (c->arg == arg) c->cb = NULL;
}
