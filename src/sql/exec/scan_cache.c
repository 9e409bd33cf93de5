/* The scan cache (scan_cache.h). An entry file:
 *
 *   head     "LHSCACH1", u32 version, u32 ncols, then per column its physical
 *            type and width (u8 each), then per column whether the entry
 *            holds it (u8: 1, or 0 for a column no scan that wrote it read);
 *            padded to 64 bytes
 *   chunks   one per batch the scan produced, each:
 *              u32 magic, u32 rows, u64 size (the chunk's bytes)
 *              per column: u32 flags (1: validity words follow), u32 0,
 *                          u64 string bytes (string columns)
 *              padded to 64; then per column held, each part padded to 64:
 *                validity words (when flagged), then the fixed-width values,
 *                or u32 lengths (0 for NULL rows) and the strings' bytes
 *   trailer  "LHSCEND1", u64 rows, u64 chunks, u64 offset of the trailer;
 *            padded to 64
 *
 * A reader reads one chunk at a time into a buffer it reuses (a batch's
 * worth, under a MB: it stays in the CPU's cache while the query parses the
 * strings, which point into it); every part starts 64-byte aligned in it.
 * A mapping of the whole entry was slower: each string's first touch was a
 * TLB miss on a 4 KB page.
 *
 * Entries are written and read with direct I/O (O_DIRECT) where the file
 * system has it: an entry is written once and read a few times, and through
 * the page cache each MB written takes a fresh page-cache page per 4 KB, the
 * costliest thing a query does on a virtual machine (2.4 ms of kernel time a
 * MB on the one measured, against 0.06 for the same MB direct; a direct read
 * takes no CPU to speak of either, and its wait leaves the core to other
 * work). The writer stages chunks in core/dio.h's aligned buffer, which
 * writes whole DIO blocks; the file's last partial block and the trailer go
 * through the page cache. The reader reads each chunk's DIO-aligned span. */
#include <aio.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "core/crypto.h"
#include "core/dio.h"
#include "sql/exec/scan_cache.h"
#include "vector/vector.h"

#define VERSION 2
#define ALIGN 64
#define CHUNK_MAGIC 0x4b43534cu /* "LSCK" */
#define SUFFIX ".lsc"
#define TMP_SUFFIX ".tmp"
#define LOCK_SUFFIX ".lock" /* held by the scan writing the entry */
#define STALE_TMP_SECS 3600 /* a temporary file this old was left by a killed scan */
#define WAIT_MS 10000       /* the longest wait for another scan's entry */
#define DIO LH_DIO_ALIGN

struct lh_scan_cache {
    char *dir;
    int64_t max;
    atomic_uint seq;              /* temporary file names */
    atomic_int_fast64_t since;    /* bytes kept since the last eviction */
    pthread_mutex_t mu;           /* writing */
    lh_scan_cache_key_t *writing; /* the entries this process writes now */
    size_t nwriting, capwriting;
};

typedef struct chunk_head {
    uint32_t magic, rows;
    uint64_t size;
} chunk_head_t;

typedef struct col_desc {
    uint32_t flags, zero;
    uint64_t bytes;
} col_desc_t;

typedef struct trailer {
    char magic[8];
    uint64_t rows, chunks, at;
} trailer_t;

static size_t pad(size_t n)
{
    return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
}

static size_t head_size(uint32_t ncols)
{
    return pad(16 + 3 * (size_t)ncols);
}

/* The columns' layout: physical type and bytes per row, and whether the
 * entry holds each (the three arrays as the head stores them). */
typedef struct layout {
    uint32_t ncols;
    uint8_t *phys, *width, *held;
} layout_t;

/* held NULL: every column. */
static int layout_init(layout_t *l, const lh_type_t *types, uint32_t ncols, const bool *held)
{
    l->ncols = ncols;
    l->phys = malloc(3 * (size_t)ncols + 1);
    if (!l->phys) return LH_ENOMEM;
    l->width = l->phys + ncols;
    l->held = l->width + ncols;
    for (uint32_t c = 0; c < ncols; c++) {
        l->phys[c] = (uint8_t)lh_type_physical(&types[c]);
        l->width[c] = (uint8_t)lh_type_size(&types[c]);
        l->held[c] = !held || held[c];
    }
    return 0;
}

/* Where column c's parts are in a chunk of rows rows when they start at
 * `at`: its validity words (when flagged), its values (for strings their
 * lengths) and its strings' bytes. Returns where the next column starts. */
typedef struct parts {
    size_t valid, data, bytes;
} parts_t;

static size_t col_parts(const layout_t *l, uint32_t c, uint32_t rows, const col_desc_t *d,
                        size_t at, parts_t *p)
{
    p->valid = at;
    if (!l->held[c]) return p->data = p->bytes = at; /* nothing of it here */
    if (d[c].flags & 1) at += pad(((size_t)rows + 63) / 64 * 8);
    p->data = at;
    if (l->phys[c] != LH_PHYS_STRING) return at + pad((size_t)rows * l->width[c]);
    p->bytes = at + pad((size_t)rows * 4);
    return p->bytes + pad(d[c].bytes);
}

/* Where a chunk's first column starts: after its head and descriptors. */
static size_t chunk_head_size(const layout_t *l)
{
    return pad(sizeof(chunk_head_t) + l->ncols * sizeof(col_desc_t));
}

/* A chunk's bytes, from its rows and column descriptors. */
static size_t chunk_size(const layout_t *l, uint32_t rows, const col_desc_t *d)
{
    size_t n = chunk_head_size(l);
    parts_t pt;
    for (uint32_t c = 0; c < l->ncols; c++)
        n = col_parts(l, c, rows, d, n, &pt);
    return n;
}

bool lh__scan_cache_type_ok(const lh_type_t *t)
{
    lh_phys_t p = lh_type_physical(t);
    return p != LH_PHYS_INVALID && p != LH_PHYS_LIST && p != LH_PHYS_STRUCT &&
           (p == LH_PHYS_STRING || lh_type_size(t) > 0);
}

/* ---- this binary, and the boot ---- */

static char exe_id[64];
static pthread_once_t exe_once = PTHREAD_ONCE_INIT;

static void find_exe(void)
{
    struct stat st;
    if (stat("/proc/self/exe", &st))
        snprintf(exe_id, sizeof exe_id, "unknown");
    else
        snprintf(exe_id, sizeof exe_id, "%lld.%lld.%ld", (long long)st.st_size,
                 (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
}

int lh__scan_cache_key(const void *desc, size_t len, lh_scan_cache_key_t *k)
{
    pthread_once(&exe_once, find_exe);
    static const char tag[] = "lakehouse scan cache " LH_VERSION;
    size_t el = strlen(exe_id), n = sizeof tag + el + 1 + len;
    unsigned char md[32];
    char *b = malloc(n);
    if (!b) return LH_ENOMEM;
    memcpy(b, tag, sizeof tag);
    memcpy(b + sizeof tag, exe_id, el + 1);
    memcpy(b + sizeof tag + el + 1, desc, len);
    lh_sha256(b, n, md);
    free(b);
    for (int i = 0; i < 32; i++)
        snprintf(k->hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

int lh__scan_cache_text_key(const lh_scan_text_id_t *id, lh_scan_cache_key_t *k, char **desc,
                            size_t *ndesc)
{
    char *d = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&d, &n);
    if (!m) return LH_ENOMEM;
    fprintf(m, "s3%c%s%c%s%c%s%c%lld%c%u %u %d %d %d %u %u%c%s%c%u%c", 0, id->bucket, 0, id->key, 0,
            id->etag, 0, (long long)id->size, 0, id->format, id->compression, id->delim, id->quote,
            id->escape, id->header, id->skip, 0, id->nullstr, 0, id->ncols, 0);
    for (uint32_t c = 0; c < id->ncols; c++) {
        char t[256];
        lh_type_format(&id->types[c], t, sizeof t);
        fprintf(m, "%s%c%s%c%s%c", id->json_keys ? id->json_keys[c] : "", 0, id->names[c], 0, t, 0);
    }
    bool ok = !ferror(m);
    if (fclose(m)) ok = false;
    int rc = ok ? lh__scan_cache_key(d, n, k) : LH_ENOMEM;
    if (!rc && desc) {
        *desc = d;
        *ndesc = n;
    } else {
        free(d);
    }
    return rc;
}

static int read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n < 0) return -1;
    buf[n] = 0;
    return (int)n;
}

/* Whether name starts with a key (64 hex digits) followed by suffix: only
 * the cache's own files are ever removed, whatever else is in the folder. */
static bool keyed(const char *name, const char *suffix)
{
    for (int i = 0; i < 64; i++)
        if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
            return false;
    return !strncmp(name + 64, suffix, strlen(suffix));
}

static bool is_entry(const char *name)
{
    return keyed(name, SUFFIX) && !name[64 + strlen(SUFFIX)];
}

/* A temporary file (".<key>.<pid>.<n>.tmp") or a lock ("<key>.lock"). */
static bool is_tmp(const char *name)
{
    size_t n = strlen(name), s = strlen(TMP_SUFFIX);
    return (name[0] == '.' && keyed(name + 1, ".") && n > s && !strcmp(name + n - s, TMP_SUFFIX)) ||
           (keyed(name, LOCK_SUFFIX) && !name[64 + strlen(LOCK_SUFFIX)]);
}

/* Entries written before this boot may be torn: their pages need not have
 * reached the disk before it. The directory records the boot it was filled
 * in; another one empties it. */
static int check_boot(const char *dir)
{
    char now[64], was[64], path[PATH_MAX];
    if (read_small("/proc/sys/kernel/random/boot_id", now, sizeof now) <= 0) return -1;
    snprintf(path, sizeof path, "%s/boot_id", dir);
    if (read_small(path, was, sizeof was) > 0 && !strcmp(now, was)) return 0;
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    while ((e = readdir(d)))
        if (is_entry(e->d_name) || is_tmp(e->d_name)) unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/.boot_id.%ld" TMP_SUFFIX, dir, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    size_t n = strlen(now);
    bool ok = write(fd, now, n) == (ssize_t)n;
    if (close(fd)) ok = false;
    if (!ok || rename(tmp, path)) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int mkdirs(char *path)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        int rc = mkdir(path, 0700);
        *p = '/';
        if (rc && errno != EEXIST) return -1;
    }
    return mkdir(path, 0700) && errno != EEXIST ? -1 : 0;
}

int lh_scan_cache_open(const char *dir, int64_t max, lh_scan_cache_t **out, lh_err_t *err)
{
    *out = NULL;
    lh_scan_cache_t *c = calloc(1, sizeof *c);
    if (!c || !(c->dir = strdup(dir))) {
        free(c);
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    size_t n = strlen(c->dir);
    while (n > 1 && c->dir[n - 1] == '/')
        c->dir[--n] = 0;
    if (mkdirs(c->dir)) {
        int e = errno;
        lh_scan_cache_close(c);
        return lh_err_set(err, LH_EIO, "sql.cache_dir: cannot create %s: %s", dir, strerror(e));
    }
    c->max = max;
    pthread_mutex_init(&c->mu, NULL);
    if (check_boot(c->dir)) {
        int e = errno;
        lh_scan_cache_close(c);
        return lh_err_set(err, LH_EIO,
                          "sql.cache_dir: cannot record this boot's id in %s: %s (a cache "
                          "that outlives a crash needs it)",
                          dir, strerror(e));
    }
    *out = c;
    return 0;
}

void lh_scan_cache_close(lh_scan_cache_t *c)
{
    if (!c) return;
    free(c->writing);
    free(c->dir);
    free(c);
}

/* ---- reading ---- */

struct lh_scan_cache_rd {
    layout_t l;
    int fd;
    int dfd;           /* the entry opened for direct I/O, or -1 (read through fd) */
    uint64_t pos, end; /* the next chunk; the trailer */
    char *buf;         /* the chunk read last (its strings are the batch's) */
    size_t cap;
    size_t last; /* the size of the chunk read last: what the next read guesses */
    /* direct I/O: the next chunk's span read ahead (POSIX AIO) into pbuf
       while the query works on this one; pbuf held the chunk before */
    struct aiocb cb;
    bool inflight;
    uint64_t ppos; /* the chunk read ahead */
    char *pbuf;
    size_t pcap;
    char path[PATH_MAX];
};

/* Waits for the read ahead: its bytes, or -1. */
static ssize_t ahead_wait(lh_scan_cache_rd_t *r)
{
    ssize_t n;
    int e = lh_aio_wait(&r->cb, &n);
    r->inflight = false;
    return e ? -1 : n;
}

void lh__scan_cache_rd_close(lh_scan_cache_rd_t *r)
{
    if (!r) return;
    if (r->inflight) ahead_wait(r); /* its buffer and descriptor are still the kernel's */
    free(r->pbuf);
    if (r->fd >= 0) close(r->fd);
    if (r->dfd >= 0) close(r->dfd);
    free(r->l.phys);
    free(r->buf);
    free(r);
}

static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
    char *p = buf;
    while (n) {
        ssize_t k = pread(fd, p, n, (off_t)off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return 0;
}

/* Whether the chunk in buf (size bytes) is consistent: its sizes and the
 * lengths of its strings. */
static int check_chunk(const layout_t *l, const char *buf, size_t size)
{
    chunk_head_t h;
    memcpy(&h, buf, sizeof h);
    const col_desc_t *d = (const col_desc_t *)(buf + sizeof h);
    if (h.magic != CHUNK_MAGIC || !h.rows || h.rows > LH_BATCH_ROWS || h.size != size) return -1;
    for (uint32_t c = 0; c < l->ncols; c++)
        if (d[c].flags > l->held[c] || d[c].bytes > h.size ||
            (d[c].bytes && (l->phys[c] != LH_PHYS_STRING || !l->held[c])))
            return -1;
    if (chunk_size(l, h.rows, d) != h.size) return -1;
    parts_t pt;
    for (size_t c = 0, at = chunk_head_size(l); c < l->ncols; c++) {
        at = col_parts(l, (uint32_t)c, h.rows, d, at, &pt);
        if (l->phys[c] != LH_PHYS_STRING || !l->held[c]) continue;
        const uint32_t *len = (const uint32_t *)(buf + pt.data);
        uint64_t sum = 0;
        for (uint32_t i = 0; i < h.rows; i++)
            sum += len[i];
        if (sum != d[c].bytes) return -1;
    }
    return 0;
}

/* The head (this layout) and the trailer of an entry of size bytes: 0 when
 * they are right, -1 when not, 1 when there was no memory to look. */
static int check_ends(lh_scan_cache_rd_t *r, uint64_t size)
{
    const layout_t *l = &r->l;
    size_t hs = head_size(l->ncols);
    if (lh_dio_grow(&r->buf, &r->cap, hs, 0)) return 1; /* out of memory: not the entry's fault */
    if (size < hs + ALIGN || size % ALIGN || pread_all(r->fd, r->buf, hs, 0)) return -1;
    uint32_t v, n;
    memcpy(&v, r->buf + 8, 4);
    memcpy(&n, r->buf + 12, 4);
    if (memcmp(r->buf, "LHSCACH1", 8) || v != VERSION || n != l->ncols ||
        memcmp(r->buf + 16, l->phys, 2 * (size_t)l->ncols))
        return -1;
    memcpy(r->l.held, r->buf + 16 + 2 * (size_t)l->ncols, l->ncols);
    for (uint32_t c = 0; c < l->ncols; c++)
        if (l->held[c] > 1) return -1;
    trailer_t t;
    r->end = size - ALIGN;
    if (pread_all(r->fd, &t, sizeof t, r->end) || memcmp(t.magic, "LHSCEND1", 8) || t.at != r->end)
        return -1;
    r->pos = hs;
    return 0;
}

/* A scan's view of an entry: the columns it needs (NULL: every one), and
 * whether an entry it found lacked one of them. */
typedef struct want {
    const bool *need;
    bool lacking;
} want_t;

/* The entry of k when it is there, whole and holds every column w needs: 1
 * and *out, else 0. */
static int open_entry(lh_scan_cache_t *c, const lh_scan_cache_key_t *k, const lh_type_t *types,
                      uint32_t ncols, want_t *w, lh_scan_cache_rd_t **out)
{
    *out = NULL;
    lh_scan_cache_rd_t *r = calloc(1, sizeof *r);
    if (!r) return 0;
    snprintf(r->path, sizeof r->path, "%s/%s" SUFFIX, c->dir, k->hex);
    r->dfd = -1;
    r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (r->fd < 0 || layout_init(&r->l, types, ncols, NULL) || fstat(r->fd, &st)) {
        lh__scan_cache_rd_close(r);
        return 0;
    }
    int rc = check_ends(r, (uint64_t)st.st_size);
    if (rc) {
        if (rc < 0) unlink(r->path); /* not an entry of this layout: gone */
        lh__scan_cache_rd_close(r);
        return 0;
    }
    for (uint32_t i = 0; i < ncols; i++)
        if (!r->l.held[i] && (!w->need || w->need[i])) { /* written by scans of fewer columns */
            w->lacking = true;
            lh__scan_cache_rd_close(r);
            return 0;
        }
    futimens(r->fd, NULL); /* recently used: evicted last */
    posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    r->dfd = open(r->path, O_RDONLY | O_CLOEXEC | O_DIRECT);
    struct stat ds;
    if (r->dfd >= 0 && (fstat(r->dfd, &ds) || ds.st_ino != st.st_ino || ds.st_dev != st.st_dev)) {
        close(r->dfd); /* the entry was replaced in between: this one through fd */
        r->dfd = -1;
    }
    *out = r;
    return 1;
}

/* The entries this process writes now (a set of keys under c->mu). */
static bool writing(lh_scan_cache_t *c, const lh_scan_cache_key_t *k, int op)
{
    pthread_mutex_lock(&c->mu);
    size_t i = 0;
    while (i < c->nwriting && strcmp(c->writing[i].hex, k->hex))
        i++;
    bool had = i < c->nwriting;
    if (op < 0 && had) {
        c->writing[i] = c->writing[--c->nwriting];
    } else if (op > 0 && !had) {
        if (c->nwriting == c->capwriting) {
            size_t cap = c->capwriting ? 2 * c->capwriting : 16;
            lh_scan_cache_key_t *v = realloc(c->writing, cap * sizeof *v);
            if (v) c->writing = v, c->capwriting = cap;
        }
        if (c->nwriting < c->capwriting) c->writing[c->nwriting++] = *k;
    }
    pthread_mutex_unlock(&c->mu);
    return had;
}

/* The entry's lock given up by the scan that held it to write it: those
 * waiting find the entry, or write it themselves. */
static void unlock_entry(lh_scan_cache_t *c, const lh_scan_cache_key_t *k, int fd)
{
    if (fd < 0) return;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s" LOCK_SUFFIX, c->dir, k->hex);
    unlink(path);
    close(fd);
    writing(c, k, -1);
}

static int get(lh_scan_cache_t *c, const lh_scan_cache_key_t *k, const lh_type_t *types,
               uint32_t ncols, want_t *w, lh_scan_cache_rd_t **out, int *lock, atomic_int *cancel,
               int wait_ms)
{
    if (open_entry(c, k, types, ncols, w, out)) return 1;
    /* a miss: the entry's lock says whether another scan is writing it now;
     * then its entry is waited for, a while (the kernel lets go of a killed
     * writer's lock; a writer whose consumer stopped pulling, LIMIT, may
     * hold it to the end of its statement). This process's own writers are
     * not waited for: they may be in the same query */
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s" LOCK_SUFFIX, c->dir, k->hex);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return 0;
    for (int waited = 0;; waited += 10) {
        if (writing(c, k, 0)) break;
        if (!flock(fd, LOCK_EX | LOCK_NB)) {
            if (open_entry(c, k, types, ncols, w, out)) { /* written just before */
                close(fd);
                return 1;
            }
            writing(c, k, 1);
            *lock = fd;
            return 0;
        }
        if ((errno != EWOULDBLOCK && errno != EINTR) || waited >= wait_ms ||
            (cancel && atomic_load(cancel)))
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        if (open_entry(c, k, types, ncols, w, out)) {
            close(fd);
            return 1;
        }
    }
    close(fd); /* read it without writing an entry */
    return 0;
}

int lh__scan_cache_get(lh_scan_cache_t *c, const lh_scan_cache_key_t *k, const lh_type_t *types,
                       uint32_t ncols, const bool *need, lh_scan_cache_rd_t **out, int *lock,
                       bool *lacking, atomic_int *cancel)
{
    *lock = -1;
    want_t w = {.need = need};
    int hit = get(c, k, types, ncols, &w, out, lock, cancel, WAIT_MS);
    *lacking = w.lacking;
    return hit;
}

int lh__scan_cache_try(lh_scan_cache_t *c, const lh_scan_cache_key_t *k, const lh_type_t *types,
                       uint32_t ncols, lh_scan_cache_rd_t **out, int *lock)
{
    *lock = -1;
    want_t w = {0};
    return get(c, k, types, ncols, &w, out, lock, NULL, 0);
}

void lh__scan_cache_rd_remove(lh_scan_cache_rd_t *r)
{
    if (r) unlink(r->path);
    lh__scan_cache_rd_close(r);
}

bool lh__scan_cache_done(const lh_scan_cache_rd_t *r)
{
    return r->pos >= r->end;
}

/* Up to n bytes at off into buf (all of them unless the file ends first):
 * the count, or -1. */
static ssize_t pread_upto(int fd, char *buf, size_t n, uint64_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, buf + got, n - got, (off_t)(off + got));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        if (!k) break;
        got += (size_t)k;
        if ((size_t)k % DIO) break; /* a short read: the end of the file */
    }
    return (ssize_t)got;
}

/* The span to read for the chunk at pos: its aligned start, where the
 * chunk starts in it, and how much (as large as the last chunk). */
static size_t span(const lh_scan_cache_rd_t *r, uint64_t pos, size_t hs, uint64_t *a0, size_t *at)
{
    *a0 = pos & ~(uint64_t)(DIO - 1);
    *at = (size_t)(pos - *a0);
    return (*at + (r->last > hs ? r->last : hs) + DIO - 1) & ~(size_t)(DIO - 1);
}

/* Starts reading the chunk after this one (at pos) into pbuf. */
static void ahead(lh_scan_cache_rd_t *r, uint64_t pos, size_t hs)
{
    if (r->dfd < 0 || r->inflight || pos >= r->end) return;
    uint64_t a0;
    size_t at, want = span(r, pos, hs, &a0, &at);
    if (lh_dio_grow(&r->pbuf, &r->pcap, want, 0)) return;
    memset(&r->cb, 0, sizeof r->cb);
    r->cb.aio_fildes = r->dfd;
    r->cb.aio_buf = r->pbuf;
    r->cb.aio_nbytes = want;
    r->cb.aio_offset = (off_t)a0;
    r->cb.aio_sigevent.sigev_notify = SIGEV_NONE;
    if (aio_read(&r->cb)) return;
    r->inflight = true;
    r->ppos = pos;
}

/* The chunk at r->pos by direct I/O: its DIO-aligned span (the one read
 * ahead when it is that one, then the rest when this chunk is larger than
 * the last) into r->buf; *at is where the chunk starts in it. 0, -1 (short
 * or failed: damaged or changed), 1 (the file system refused direct I/O),
 * LH_ENOMEM. */
static int read_direct(lh_scan_cache_rd_t *r, size_t hs, size_t *at)
{
    uint64_t a0;
    size_t want = span(r, r->pos, hs, &a0, at);
    ssize_t got = -1;
    if (r->inflight) { /* the read ahead: this chunk's, as large as the last was */
        bool mine = r->ppos == r->pos && r->cb.aio_nbytes >= want;
        got = ahead_wait(r);
        if (mine && got >= 0) {
            char *b = r->buf;
            size_t c = r->cap;
            r->buf = r->pbuf, r->cap = r->pcap;
            r->pbuf = b, r->pcap = c;
        } else {
            got = -1;
        }
    }
    if (got < 0) {
        if (lh_dio_grow(&r->buf, &r->cap, want, 0)) return LH_ENOMEM;
        got = pread_upto(r->dfd, r->buf, want, a0);
        if (got < 0 && errno == EINVAL) return 1; /* no direct I/O here after all */
    }
    if (got < 0 || (size_t)got < *at + hs) return -1;
    chunk_head_t h;
    memcpy(&h, r->buf + *at, sizeof h);
    if (h.size < hs || h.size > r->end - r->pos) return -1;
    size_t need = *at + h.size;
    if ((size_t)got < need) {
        size_t more = (need + DIO - 1) & ~(size_t)(DIO - 1);
        if ((size_t)got % DIO) return -1; /* the file ended before the chunk did */
        if (lh_dio_grow(&r->buf, &r->cap, more, (size_t)got)) return LH_ENOMEM;
        ssize_t k = pread_upto(r->dfd, r->buf + got, more - (size_t)got, a0 + (uint64_t)got);
        if (k < 0 && errno == EINVAL) return 1;
        if (k < 0 || (size_t)got + (size_t)k < need) return -1;
    }
    r->last = h.size;
    return 0;
}

int lh__scan_cache_read(lh_scan_cache_rd_t *r, lh_batch_t *b, uint32_t *rows_out)
{
    *rows_out = 0;
    if (r->pos >= r->end) return 0;
    const layout_t *l = &r->l;
    size_t hs = chunk_head_size(l);
    chunk_head_t h;
    char *ch; /* the chunk */
    size_t off;
    if (r->pos + hs > r->end) goto bad;
    int rc = r->dfd >= 0 ? read_direct(r, hs, &off) : 0;
    if (rc == 1) { /* a file system that opens for direct I/O but will not do it */
        close(r->dfd);
        r->dfd = -1;
    }
    if (r->dfd >= 0) {
        if (rc == LH_ENOMEM) return rc;
        if (rc) goto bad;
        ch = r->buf + off;
        memcpy(&h, ch, sizeof h);
        ahead(r, r->pos + h.size, hs); /* the next chunk, while this one is used */
    } else {
        if (lh_dio_grow(&r->buf, &r->cap, hs, 0)) return LH_ENOMEM;
        if (pread_all(r->fd, r->buf, hs, r->pos)) goto bad;
        memcpy(&h, r->buf, sizeof h);
        if (h.size < hs || h.size > r->end - r->pos) goto bad;
        if (lh_dio_grow(&r->buf, &r->cap, h.size, hs)) return LH_ENOMEM;
        if (pread_all(r->fd, r->buf + hs, h.size - hs, r->pos + hs)) goto bad;
        ch = r->buf;
    }
    if (check_chunk(l, ch, h.size)) goto bad;
    const col_desc_t *d = (const col_desc_t *)(ch + sizeof h);
    uint32_t rows = h.rows;
    parts_t pt;
    for (size_t c = 0, at = hs; c < l->ncols; c++) {
        lh_vector_t *v = &b->cols[c];
        at = col_parts(l, (uint32_t)c, rows, d, at, &pt);
        if (!l->held[c]) { /* no scan that wrote the entry read it: NULL, as unread */
            memset(lh_vector_validity_mut(v), 0, ((size_t)rows + 63) / 64 * 8);
            continue;
        }
        if (l->phys[c] == LH_PHYS_STRING) {
            const uint32_t *len = (const uint32_t *)(ch + pt.data);
            const char *p = ch + pt.bytes;
            lh_string_t *s = v->data;
            for (uint32_t i = 0; i < rows; i++) {
                s[i] = lh_string_make(p, len[i]);
                p += len[i];
            }
        } else {
            memcpy(v->data, ch + pt.data, (size_t)rows * l->width[c]);
        }
        if (d[c].flags & 1)
            memcpy(lh_vector_validity_mut(v), ch + pt.valid, ((size_t)rows + 63) / 64 * 8);
    }
    r->pos += h.size;
    b->count = rows;
    *rows_out = rows;
    return 0;
bad: /* changed under us, or damaged on the disk: gone, and this query fails */
    unlink(r->path);
    return LH_ECORRUPT;
}

/* ---- writing ---- */

struct lh_scan_cache_wr {
    lh_scan_cache_t *c;
    layout_t l;
    int fd, lock;
    bool failed;
    lh_dio_t dio;               /* on fd: the bytes staged, not written yet */
    uint64_t rows, chunks, off; /* off: the entry's bytes so far, staged ones too */
    col_desc_t *d;
    char tmp[PATH_MAX], path[PATH_MAX];
    lh_scan_cache_key_t key;
};

lh_scan_cache_wr_t *lh__scan_cache_begin(lh_scan_cache_t *c, const lh_scan_cache_key_t *k,
                                         const lh_type_t *types, uint32_t ncols, const bool *held,
                                         int lock)
{
    lh_scan_cache_wr_t *w = calloc(1, sizeof *w);
    if (!w) {
        unlock_entry(c, k, lock);
        return NULL;
    }
    w->c = c;
    w->fd = -1;
    w->lock = lock;
    if (k) {
        w->key = *k;
    } else { /* named at the end: a temporary file of a key of zeros */
        memset(w->key.hex, '0', 64);
        w->key.hex[64] = 0;
    }
    if (layout_init(&w->l, types, ncols, held) || !(w->d = calloc(ncols + 1, sizeof *w->d)))
        goto fail;
    snprintf(w->path, sizeof w->path, "%s/%s" SUFFIX, c->dir, w->key.hex);
    snprintf(w->tmp, sizeof w->tmp, "%s/.%s.%ld.%u" TMP_SUFFIX, c->dir, w->key.hex, (long)getpid(),
             atomic_fetch_add(&c->seq, 1));
    w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (w->fd < 0) goto fail;
    lh_dio_init(&w->dio, w->fd);
    lh_dio_behind(&w->dio); /* the scan goes on while the disk writes */
    size_t hs = head_size(ncols);
    char *o = lh_dio_room(&w->dio, hs);
    if (!o) goto fail;
    memset(o, 0, hs);
    memcpy(o, "LHSCACH1", 8);
    uint32_t v = VERSION;
    memcpy(o + 8, &v, 4);
    memcpy(o + 12, &ncols, 4);
    memcpy(o + 16, w->l.phys, 3 * (size_t)ncols);
    w->dio.staged = w->off = hs;
    return w;
fail:
    lh__scan_cache_end(w, false);
    return NULL;
}

void lh__scan_cache_append(lh_scan_cache_wr_t *w, const lh_batch_t *b)
{
    if (!w || w->failed || !b->count) return;
    const layout_t *l = &w->l;
    uint32_t rows = b->count;
    for (uint32_t c = 0; c < l->ncols; c++) {
        const lh_vector_t *v = &b->cols[c];
        w->d[c] = (col_desc_t){0};
        if (!l->held[c]) continue;
        if (v->kind != LH_VECTOR_FLAT) {
            w->failed = true;
            return;
        }
        w->d[c] = (col_desc_t){.flags = v->validity != NULL};
        if (l->phys[c] != LH_PHYS_STRING) continue;
        const lh_string_t *s = v->data;
        for (uint32_t i = 0; i < rows; i++)
            if (lh_vector_is_valid(v, i)) w->d[c].bytes += s[i].len;
    }
    size_t size = chunk_size(l, rows, w->d);
    char *o;                                    /* the chunk, after what is staged */
    if ((int64_t)(w->off + size) > w->c->max || /* > the cache */
        !(o = lh_dio_room(&w->dio, size))) {
        w->failed = true;
        return;
    }
    memset(o, 0, size); /* the padding */
    chunk_head_t h = {CHUNK_MAGIC, rows, size};
    memcpy(o, &h, sizeof h);
    memcpy(o + sizeof h, w->d, l->ncols * sizeof *w->d);
    parts_t pt;
    for (size_t c = 0, at = chunk_head_size(l); c < l->ncols; c++) {
        const lh_vector_t *v = &b->cols[c];
        at = col_parts(l, (uint32_t)c, rows, w->d, at, &pt);
        if (!l->held[c]) continue;
        if (v->validity) memcpy(o + pt.valid, v->validity, ((size_t)rows + 63) / 64 * 8);
        if (l->phys[c] != LH_PHYS_STRING) {
            memcpy(o + pt.data, v->data, (size_t)rows * l->width[c]);
            continue;
        }
        const lh_string_t *s = v->data;
        uint32_t *len = (uint32_t *)(o + pt.data);
        char *p = o + pt.bytes;
        for (uint32_t i = 0; i < rows; i++) {
            len[i] = lh_vector_is_valid(v, i) ? s[i].len : 0;
            if (len[i]) memcpy(p, lh_string_data(&s[i]), len[i]);
            p += len[i];
        }
    }
    w->dio.staged += size;
    if (lh_dio_flush(&w->dio, false)) {
        w->failed = true;
        return;
    }
    w->off += size;
    w->rows += rows;
    w->chunks++;
}

typedef struct entry {
    char *name;
    int64_t bytes;
    struct timespec used;
} entry_t;

static int by_use(const void *a, const void *b)
{
    const entry_t *x = a, *y = b;
    if (x->used.tv_sec != y->used.tv_sec) return x->used.tv_sec < y->used.tv_sec ? -1 : 1;
    return (x->used.tv_nsec > y->used.tv_nsec) - (x->used.tv_nsec < y->used.tv_nsec);
}

/* Least recently used entries out until the directory holds at most the
 * cache's size, and at most half of what its file system has left with it;
 * temporary files of killed scans go too. */
static void evict(lh_scan_cache_t *c)
{
    DIR *d = opendir(c->dir);
    if (!d) return;
    entry_t *v = NULL;
    size_t n = 0, cap = 0;
    int64_t total = 0;
    time_t now = time(NULL);
    struct dirent *e;
    while ((e = readdir(d))) {
        bool tmp = is_tmp(e->d_name);
        struct stat st;
        if ((!tmp && !is_entry(e->d_name)) || fstatat(dirfd(d), e->d_name, &st, 0)) continue;
        if (tmp) {
            if (now - st.st_mtime > STALE_TMP_SECS) unlinkat(dirfd(d), e->d_name, 0);
            continue;
        }
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 64;
            entry_t *nv = realloc(v, nc * sizeof *v);
            if (!nv) break;
            v = nv;
            cap = nc;
        }
        if (!(v[n].name = strdup(e->d_name))) break;
        v[n].bytes = (int64_t)st.st_size;
        v[n].used = st.st_mtim;
        total += v[n++].bytes;
    }
    int64_t limit = c->max;
    struct statvfs fs;
    if (!fstatvfs(dirfd(d), &fs)) {
        int64_t half = (total + (int64_t)fs.f_bavail * (int64_t)fs.f_frsize) / 2;
        if (half < limit) limit = half;
    }
    if (total > limit) {
        qsort(v, n, sizeof *v, by_use);
        for (size_t i = 0; i + 1 < n && total > limit; i++) /* never the newest */
            if (!unlinkat(dirfd(d), v[i].name, 0)) total -= v[i].bytes;
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
    closedir(d);
}

void lh__scan_cache_end_as(lh_scan_cache_wr_t *w, const lh_scan_cache_key_t *k, bool keep)
{
    if (!w) return;
    if (keep && w->lock < 0) {
        w->key = *k;
        snprintf(w->path, sizeof w->path, "%s/%s" SUFFIX, w->c->dir, k->hex);
    }
    lh__scan_cache_end(w, keep && w->lock < 0);
}

void lh__scan_cache_end(lh_scan_cache_wr_t *w, bool keep)
{
    if (!w) return;
    bool kept = false;
    if (w->fd >= 0) {
        char *o;
        if (keep && !w->failed && (o = lh_dio_room(&w->dio, ALIGN))) {
            memset(o, 0, ALIGN);
            trailer_t t = {.rows = w->rows, .chunks = w->chunks, .at = w->off};
            memcpy(t.magic, "LHSCEND1", 8);
            memcpy(o, &t, sizeof t);
            w->dio.staged += ALIGN;
            kept = !lh_dio_flush(&w->dio, true);
        }
        if (lh_dio_wait(&w->dio)) kept = false; /* before its descriptor goes */
        if (close(w->fd)) kept = false;
        if (kept && rename(w->tmp, w->path)) kept = false;
        if (!kept) unlink(w->tmp);
    }
    unlock_entry(w->c, &w->key, w->lock);
    /* the directory looked over after every 1/16 of its size written */
    if (kept &&
        atomic_fetch_add(&w->c->since, (int64_t)w->off) + (int64_t)w->off >= w->c->max / 16) {
        atomic_store(&w->c->since, 0);
        evict(w->c);
    }
    free(w->l.phys);
    free(w->d);
    lh_dio_free(&w->dio);
    free(w);
}
