/* Front-to-back file writes, and reads of files written so, by direct I/O
 * where the file system takes it (dio.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/dio.h"

/* O_DIRECT on (or off) for fd's open file description: 0, or -1 when the
 * file system refuses it (older tmpfs and ramfs: EINVAL). */
static int set_direct(int fd, bool on)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0) return -1;
    int want = on ? fl | O_DIRECT : fl & ~O_DIRECT;
    return want == fl ? 0 : fcntl(fd, F_SETFL, want);
}

void lh_dio_init(lh_dio_t *d, int fd)
{
    *d = (lh_dio_t){.fd = fd};
    d->direct = !set_direct(fd, true); /* else through the page cache */
}

int lh_dio_grow(char **buf, size_t *cap, size_t n, size_t keep)
{
    if (n <= *cap) return 0;
    size_t c = *cap ? *cap : (size_t)1 << 20;
    while (c < n)
        c *= 2;
    void *b;
    if (posix_memalign(&b, LH_DIO_ALIGN, c)) return -1;
    if (keep) memcpy(b, *buf, keep);
    free(*buf);
    *buf = b;
    *cap = c;
    return 0;
}

void lh_dio_reopen(lh_dio_t *d, int fd)
{
    lh_dio_wait(d);
    char *buf = d->buf, *wbuf = d->wbuf;
    size_t cap = d->cap, wcap = d->wcap;
    lh_dio_init(d, fd);
    d->buf = buf;
    d->cap = cap;
    d->wbuf = wbuf;
    d->wcap = wcap;
}

char *lh_dio_room(lh_dio_t *d, size_t n)
{
    if (lh_dio_grow(&d->buf, &d->cap, d->staged + n, d->staged)) return NULL;
    return d->buf + d->staged;
}

/* The rest of d's writes through the page cache. 0 or -1. */
static int leave_direct(lh_dio_t *d)
{
    if (set_direct(d->fd, false)) return -1;
    d->direct = false;
    return 0;
}

void lh_dio_behind(lh_dio_t *d)
{
    if (!d->direct) return;
    off_t at = lseek(d->fd, 0, SEEK_CUR);
    if (at < 0) return;
    d->off = at;
    d->behind = true;
}

/* Writes n bytes at p to d's file at d->off, synchronously. 0 or -1. */
static int write_at(lh_dio_t *d, const char *p, size_t n)
{
    for (size_t done = 0; done < n;) {
        ssize_t k = pwrite(d->fd, p + done, n - done, d->off);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0 && errno == EINVAL && d->direct) {
            if (leave_direct(d)) return -1;
            continue;
        }
        if (k == 0) errno = EIO;
        if (k <= 0) return -1;
        done += (size_t)k;
        d->off += k;
    }
    return 0;
}

int lh_aio_wait(struct aiocb *cb, ssize_t *n)
{
    const struct aiocb *l[1] = {cb};
    int e;
    while ((e = aio_error(cb)) == EINPROGRESS)
        aio_suspend(l, 1, NULL);
    *n = aio_return(cb);
    return e;
}

int lh_dio_wait(lh_dio_t *d)
{
    if (!d->inflight) return 0;
    ssize_t k;
    int e = lh_aio_wait(&d->cb, &k);
    d->inflight = false;
    size_t n = d->cb.aio_nbytes;
    if (!e && k == (ssize_t)n) {
        d->off += k;
        return 0;
    }
    /* a file system that takes O_DIRECT at open but not at write (EINVAL),
       or a short write: the rest synchronously */
    if (e < 0) return -1; /* aio_error itself failed: its errno */
    if (e && e != EINVAL) return errno = e, -1;
    size_t done = !e && k > 0 ? (size_t)k : 0;
    d->off += (off_t)done;
    return write_at(d, d->wbuf + done, n - done);
}

/* Hands the first n bytes (whole blocks) of the staged ones to an
 * asynchronous write and keeps the rest staged in the other buffer. */
static int write_behind(lh_dio_t *d, size_t n)
{
    if (lh_dio_wait(d)) return -1;
    size_t rest = d->staged - n;
    if (lh_dio_grow(&d->wbuf, &d->wcap, d->cap, 0)) return errno = ENOMEM, -1;
    memcpy(d->wbuf, d->buf + n, rest);
    char *b = d->buf;
    size_t c = d->cap;
    d->buf = d->wbuf;
    d->cap = d->wcap;
    d->wbuf = b;
    d->wcap = c;
    d->staged = rest;
    memset(&d->cb, 0, sizeof d->cb);
    d->cb.aio_fildes = d->fd;
    d->cb.aio_buf = d->wbuf;
    d->cb.aio_nbytes = n;
    d->cb.aio_offset = d->off;
    d->cb.aio_sigevent.sigev_notify = SIGEV_NONE;
    if (aio_write(&d->cb)) return write_at(d, d->wbuf, n); /* no AIO now: at once */
    d->inflight = true;
    return 0;
}

int lh_dio_flush(lh_dio_t *d, bool last)
{
    if (d->behind) {
        if (!last && d->direct) {
            size_t n = d->staged & ~(size_t)(LH_DIO_ALIGN - 1);
            return n ? write_behind(d, n) : 0;
        }
        /* the end (or no direct I/O any more): what is in flight, then the
           rest synchronously at the file's offsets */
        if (lh_dio_wait(d) || (last && d->direct && leave_direct(d)) ||
            write_at(d, d->buf, d->staged))
            return -1;
        d->staged = 0;
        return lseek(d->fd, d->off, SEEK_SET) < 0 ? -1 : 0;
    }
    /* the file's end is not a whole block: the page cache */
    if (last && d->direct && leave_direct(d)) return -1;
    size_t n = d->direct ? d->staged & ~(size_t)(LH_DIO_ALIGN - 1) : d->staged, done = 0;
    while (done < n) {
        ssize_t k = write(d->fd, d->buf + done, n - done);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0 && errno == EINVAL && d->direct) {
            /* a file system that opens for direct I/O but will not do it */
            if (leave_direct(d)) return -1;
            n = d->staged;
            continue;
        }
        if (k == 0) errno = EIO;
        if (k <= 0) return -1;
        done += (size_t)k;
    }
    if (d->staged > done) memmove(d->buf, d->buf + done, d->staged - done);
    d->staged -= done;
    return 0;
}

int lh_dio_write(lh_dio_t *d, const void *p, size_t n)
{
    const char *s = p;
    while (n > 0) {
        if (!d->buf && lh_dio_grow(&d->buf, &d->cap, LH_DIO_BATCH, 0)) return errno = ENOMEM, -1;
        size_t k = d->cap - d->staged < n ? d->cap - d->staged : n;
        memcpy(d->buf + d->staged, s, k);
        d->staged += k;
        s += k;
        n -= k;
        if (d->staged == d->cap && lh_dio_flush(d, false)) return -1;
    }
    return 0;
}

const char *lh_dio_tmpdir(void)
{
    const char *dir = getenv("TMPDIR");
    return dir && *dir ? dir : "/tmp";
}

int lh_dio_tmpfile(const char *dir, const char *prefix, char *path, size_t cap, bool *named)
{
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    *named = fd < 0;
    if (fd >= 0) {
        snprintf(path, cap, "/proc/self/fd/%d", fd);
        return fd;
    }
    if ((size_t)snprintf(path, cap, "%s/%sXXXXXX", dir, prefix) >= cap)
        return errno = ENAMETOOLONG, -1;
    return mkstemp(path);
}

void lh_dio_free(lh_dio_t *d)
{
    int e = errno;
    lh_dio_wait(d); /* the kernel's until it ends */
    errno = e;
    free(d->buf);
    free(d->wbuf);
    d->buf = d->wbuf = NULL;
    d->cap = d->wcap = d->staged = 0;
}

void lh_dio_read_direct(int fd)
{
    /* regular files only: on a pipe O_DIRECT means packet mode */
    struct stat st;
    if (!fstat(fd, &st) && S_ISREG(st.st_mode)) set_direct(fd, true);
}

void lh_dio_reader_init(lh_dio_reader_t *r, int fd)
{
    *r = (lh_dio_reader_t){.fd = fd};
    int fl = fcntl(fd, F_GETFL);
    r->direct = fl >= 0 && (fl & O_DIRECT);
}

ssize_t lh_dio_pread(lh_dio_reader_t *r, void *dst, size_t n, off_t off)
{
    if (!n) return 0;
    if (off < r->woff || off >= r->woff + (off_t)r->wlen) {
        if (!r->direct) {
            ssize_t k;
            while ((k = pread(r->fd, dst, n, off)) < 0 && errno == EINTR)
                ;
            return k;
        }
        if (lh_dio_grow(&r->buf, &r->cap, LH_DIO_BATCH, 0)) return errno = ENOMEM, -1;
        off_t at = off & ~(off_t)(LH_DIO_ALIGN - 1);
        ssize_t k;
        while ((k = pread(r->fd, r->buf, r->cap, at)) < 0 && errno == EINTR)
            ;
        if (k < 0 && errno == EINVAL) { /* O_DIRECT taken at fcntl, not at read */
            if (set_direct(r->fd, false)) return -1;
            r->direct = false;
            return lh_dio_pread(r, dst, n, off);
        }
        if (k < 0) return -1;
        r->woff = at;
        r->wlen = (size_t)k;
        if (off >= at + k) return 0; /* off is at or past the end */
    }
    size_t in = (size_t)(r->woff + (off_t)r->wlen - off);
    if (n > in) n = in;
    memcpy(dst, r->buf + (off - r->woff), n);
    return (ssize_t)n;
}

void lh_dio_reader_free(lh_dio_reader_t *r)
{
    free(r->buf);
    r->buf = NULL;
    r->cap = r->wlen = 0;
}
