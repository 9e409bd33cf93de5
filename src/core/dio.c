/* Front-to-back file writes by direct I/O where the file system takes it
 * (dio.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/dio.h"

void lh_dio_init(lh_dio_t *d, int fd)
{
    *d = (lh_dio_t){.fd = fd};
    /* older tmpfs and ramfs refuse it here (EINVAL): the page cache then */
    int fl = fcntl(fd, F_GETFL);
    d->direct = fl >= 0 && !fcntl(fd, F_SETFL, fl | O_DIRECT);
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
    char *buf = d->buf;
    size_t cap = d->cap;
    lh_dio_init(d, fd);
    d->buf = buf;
    d->cap = cap;
}

char *lh_dio_room(lh_dio_t *d, size_t n)
{
    if (lh_dio_grow(&d->buf, &d->cap, d->staged + n, d->staged)) return NULL;
    return d->buf + d->staged;
}

/* The rest of d's writes through the page cache. 0 or -1. */
static int leave_direct(lh_dio_t *d)
{
    int fl = fcntl(d->fd, F_GETFL);
    if (fl < 0 || fcntl(d->fd, F_SETFL, fl & ~O_DIRECT)) return -1;
    d->direct = false;
    return 0;
}

int lh_dio_flush(lh_dio_t *d, bool last)
{
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
    free(d->buf);
    d->buf = NULL;
    d->cap = d->staged = 0;
}
