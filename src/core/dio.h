/* Writing a file front to back by direct I/O (O_DIRECT), where its file
 * system takes it, for files written once and read later (object bodies,
 * scan cache entries, a table writer's data files before their upload).
 *
 * Why: a write through the page cache first touches a fresh page-cache page
 * per 4 KiB, and on a virtual machine whose freed memory goes back to the
 * host that first touch is the costliest part of writing (1.3-2.9 ms of
 * kernel time a MB measured on this project's VM, against 0.1-0.2 direct).
 * MinIO writes object bodies with O_DIRECT for the same reason. A buffered
 * read of such a file fills fresh page-cache pages in the same way (by DMA,
 * but 0.15 s of CPU for 100 MB on that VM against 0.01 read directly), so
 * a file written here and read once soon after (an upload) is read by
 * lh_dio_reader_t.
 *
 * The writer stages bytes in a buffer aligned to LH_DIO_ALIGN and writes
 * whole blocks of it; the file's last partial block goes through the page
 * cache (lh_dio_flush(.., true) turns O_DIRECT off first). A file system
 * that refuses O_DIRECT (at fcntl, or later with EINVAL) is written through
 * the page cache: same bytes, same calls. The file must be written from
 * offset 0 (or a multiple of LH_DIO_ALIGN) and by this writer only. Durability
 * is the caller's: fsync/fdatasync after the last flush as before. */
#ifndef LH_CORE_DIO_H
#define LH_CORE_DIO_H

#include <aio.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define LH_DIO_ALIGN 4096              /* buffers, offsets and lengths of direct I/O */
#define LH_DIO_BATCH ((size_t)1 << 20) /* lh_dio_write's staging: writes of this size */

typedef struct lh_dio {
    int fd;
    bool direct; /* fd is open with O_DIRECT */
    char *buf;   /* LH_DIO_ALIGN-aligned: the bytes staged, not written yet */
    size_t cap, staged;
    /* lh_dio_behind: whole blocks written by POSIX AIO while the caller
       stages the next ones in the other buffer (wbuf, in flight when
       inflight), at off, where the file's next write goes */
    bool behind, inflight;
    char *wbuf;
    size_t wcap;
    off_t off;
    struct aiocb cb;
} lh_dio_t;

/* Starts writing fd (not owned: lh_dio_free leaves it open), asking its
 * file system for O_DIRECT. No allocation until the first byte. */
void lh_dio_init(lh_dio_t *d, int fd);
/* Write-behind for the rest of d's direct I/O: lh_dio_flush(.., false)
 * hands its whole blocks to an asynchronous write (POSIX AIO) and returns;
 * the next flush waits for it first, so the disk writes one buffer while
 * the caller fills the other (a second buffer of the same size). For
 * writers whose file is a side product of their work (scan cache entries):
 * a direct write otherwise waits for the device each time. The file is
 * written at explicit offsets from its position now; the last flush waits
 * for the write in flight and leaves the file position at the end (only
 * it: lh_dio_wait does not move it). */
void lh_dio_behind(lh_dio_t *d);
/* Waits for d's write in flight (write-behind), if any: 0, or -1 with
 * errno when it failed. A writer behind calls it (or the last flush)
 * before closing the file: the kernel writes from its buffer and to its
 * descriptor until then (lh_dio_free waits too, but after a close the
 * descriptor may be another file's). */
int lh_dio_wait(lh_dio_t *d);
/* Waits for the POSIX AIO request cb to end: aio_error's last answer (0,
 * the request's error, or -1 with errno when that call itself failed), and
 * *n its aio_return. For the writer behind here and readers ahead. */
int lh_aio_wait(struct aiocb *cb, ssize_t *n);
/* lh_dio_init of another file, d's buffer kept (one writer, file after
 * file: its pages stay warm). Whatever was staged is dropped. */
void lh_dio_reopen(lh_dio_t *d, int fd);
/* Room for n more bytes after the staged ones (fill it, then add n to
 * d->staged): a pointer into the buffer, or NULL (out of memory; nothing
 * changed). Grows the buffer as needed. */
char *lh_dio_room(lh_dio_t *d, size_t n);
/* Writes what is staged: with direct I/O its whole blocks (the rest stays
 * staged, at the front), all of it when last (the rest of the file then
 * goes through the page cache) or without direct I/O. 0, or -1 with errno. */
int lh_dio_flush(lh_dio_t *d, bool last);
/* Stages the n bytes at p, writing each LH_DIO_BATCH as it fills (the
 * buffer stays at that size: 1 MiB a file being written, allocated at its
 * first byte). 0, or -1 with errno (ENOMEM included). */
int lh_dio_write(lh_dio_t *d, const void *p, size_t n);
/* Frees the buffers (staged bytes are dropped, a write in flight waited
 * for; fd stays open). */
void lh_dio_free(lh_dio_t *d);

/* Reading a file by direct I/O where its file system takes it, for files
 * written by direct I/O and read once soon after (a temporary file being
 * uploaded): a buffered read puts each page into a fresh page-cache page
 * first, on this project's VM ~1.5 ms of kernel time a MB when those pages
 * have gone back to the host, against ~0.1 read directly. Reads go through
 * an aligned window of LH_DIO_BATCH bytes; a file system that refuses
 * O_DIRECT (at fcntl, or later with EINVAL) is read through the page cache,
 * with the same results. */
typedef struct lh_dio_reader {
    int fd;
    bool direct; /* fd's open file description has O_DIRECT */
    char *buf;   /* LH_DIO_ALIGN-aligned window: wlen bytes of the file at woff */
    size_t cap, wlen;
    off_t woff;
} lh_dio_reader_t;

/* Asks the file system for O_DIRECT on fd when it is a regular file, for
 * readers (lh_dio_reader_init) of a file written by direct I/O: it is set
 * on fd's open file description, so fd must be the caller's own open of the
 * file, read only through readers from then on. Not for a file written
 * through the page cache: a direct read writes its dirty pages out first. */
void lh_dio_read_direct(int fd);
/* Starts reading fd (not owned): by direct I/O when its open file
 * description has O_DIRECT (lh_dio_read_direct), else with plain pread. No
 * allocation until the first read. */
void lh_dio_reader_init(lh_dio_reader_t *r, int fd);
/* pread(2) through r: up to n bytes of the file at off into dst (fewer when
 * the window or the file ends there; the caller loops), 0 at the end of the
 * file, or -1 with errno. */
ssize_t lh_dio_pread(lh_dio_reader_t *r, void *dst, size_t n, off_t off);
/* Frees the window (fd stays open, with O_DIRECT still set). */
void lh_dio_reader_free(lh_dio_reader_t *r);

/* The directory for temporary files: $TMPDIR when set and not empty, else
 * /tmp. */
const char *lh_dio_tmpdir(void);

/* A temporary file in dir for a writer whose file is read back by name
 * (an upload): unnamed where the file system makes such files (O_TMPFILE,
 * so a killed process leaves nothing behind), path then /proc/self/fd/N;
 * else made by mkstemp as dir/<prefix>XXXXXX, *named set: remove it after.
 * The descriptor (read-write), or -1 with errno. */
int lh_dio_tmpfile(const char *dir, const char *prefix, char *path, size_t cap, bool *named);

/* *buf (*cap bytes, LH_DIO_ALIGN-aligned, or NULL and 0) grown to at least
 * n bytes (doubling from 1 MiB), its first keep bytes kept: 0, or -1 (out
 * of memory, unchanged). For readers' aligned buffers too. */
int lh_dio_grow(char **buf, size_t *cap, size_t n, size_t keep);

#endif
