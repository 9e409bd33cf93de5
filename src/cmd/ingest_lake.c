/* The lake side of `lakehouse ingest` (through the object-store interface,
 * the lake.* keys): reads this interval's _ranges.json (a replay) and the
 * previous interval's; writes one part per partition with records,
 * zstd-compressed (libzstd, level -3 with coded literals, one frame per
 * 1 MiB chunk of whole lines, so the same records give the same bytes), then
 * _ranges.json, then _SUCCESS, and last deletes every other object under the
 * interval's prefix. A part's frames go to a temporary file as they are
 * made (direct I/O, core/dio.h), which is then uploaded
 * (lh_objstore_put_dio_file: one PUT, or a multipart upload above its
 * threshold); a part held whole in memory took a few times its size in
 * fresh pages as its buffer doubled, the costliest part of a process's
 * memory on a virtual machine. */
#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_c_literalCompressionMode */
#include <zstd.h>

#include "cmd/ingest_int.h"
#include "core/dio.h"
#include "sql/warm.h"
#include "vector/vector.h"

#define CHUNK ((size_t)1 << 20)
/* zstd's level -3 with its literals Huffman-coded (as the standard levels
 * code them; zstd's negative levels leave them raw): the match search of
 * --fast=3 with level 1's entropy stage. On a bronze part: 19% less time
 * than level 1 for 7% more bytes, where --fast=3 alone is 1.7x larger (the
 * hex digits of hashes and addresses kept at 8 bits each). The switch is one
 * of libzstd's experimental parameters, whose numbers may change between
 * versions: taken from the 1.5 series only (Debian 12's), level 1 anywhere
 * else. Readers decompress all alike. */
#define LH_INGEST_ZSTD_LEVEL (-3)
#define LH_INGEST_ZSTD_FALLBACK 1

static void set_level(ZSTD_CCtx *z)
{
#if ZSTD_VERSION_NUMBER >= 10501 && ZSTD_VERSION_NUMBER < 10600 /* ZSTD_ps_enable's headers */
    if (ZSTD_versionNumber() / 100 == 105 &&
        !ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_literalCompressionMode, ZSTD_ps_enable)) &&
        !ZSTD_isError(ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, LH_INGEST_ZSTD_LEVEL)))
        return;
    ZSTD_CCtx_reset(z, ZSTD_reset_parameters);
#endif
    ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, LH_INGEST_ZSTD_FALLBACK);
}

#define RANGES "_ranges.json"

int lh__ingest_lake_open(lh_ingest_t *in)
{
    lh_err_t e = {0};
    int rc = lh_objstore_open_lake(&in->lake, in->cfg, &e);
    if (rc == LH_ENOENT) {
        fprintf(stderr, "lakehouse ingest: no lake: set lake.endpoint (AWS_ENDPOINT_URL)\n");
        return 2;
    }
    if (rc) fprintf(stderr, "lakehouse ingest: the lake: %s\n", e.msg);
    return rc ? (rc == LH_EINVAL ? 2 : 1) : 0;
}

/* *out gets the ranges at key, or stays NULL when there are none. */
static int load(lh_ingest_t *in, const char *ivl, lh_ingest_ranges_t **out)
{
    char key[LH_INGEST_KEY_MAX + 32];
    snprintf(key, sizeof key, "%s%s", ivl, RANGES);
    lh_buf_t b;
    lh_buf_init(&b, (size_t)1 << 20);
    lh_err_t e = {0};
    int rc = lh_objstore_get_buf(in->lake, in->bucket, key, 0, -1, &b, NULL, &e);
    if (rc == LH_ENOENT)
        rc = 0;
    else if (rc)
        fprintf(stderr, "lakehouse ingest: s3://%s/%s: %s\n", in->bucket, key, e.msg);
    else if (!(*out = malloc(sizeof **out)))
        rc = (fprintf(stderr, "lakehouse ingest: out of memory\n"), LH_ENOMEM);
    else if ((rc = lh__ingest_ranges_parse(b.ptr, b.len, *out, &e)))
        fprintf(stderr, "lakehouse ingest: s3://%s/%s: %s\n", in->bucket, key, e.msg);
    lh_buf_free(&b);
    return rc ? 1 : 0;
}

/* A _ranges.json that is not this interval's of this topic: 2, or 0. */
static int mismatch(const lh_ingest_t *in, const lh_ingest_ranges_t *rs, int64_t start, int64_t end)
{
    if (!strcmp(rs->topic, in->topic) && rs->start_ms == start && rs->end_ms == end) return 0;
    fprintf(stderr, "lakehouse ingest: %s%s holds topic %s [%lld, %lld), not %s [%lld, %lld)\n",
            in->ivl, RANGES, rs->topic, (long long)rs->start_ms, (long long)rs->end_ms, in->topic,
            (long long)start, (long long)end);
    return 2;
}

int lh__ingest_lake_load(lh_ingest_t *in)
{
    char prev[LH_INGEST_KEY_MAX];
    int64_t len = in->end_ms - in->start_ms;
    if (load(in, in->ivl, &in->own)) return 1;
    if (in->own && mismatch(in, in->own, in->start_ms, in->end_ms)) return 2;
    if (in->own) return 0;
    if (lh__ingest_interval_prefix(prev, sizeof prev, in->prefix, in->start_ms - len) ||
        load(in, prev, &in->prev))
        return 1;
    if (in->prev && (strcmp(in->prev->topic, in->topic) || in->prev->end_ms != in->start_ms)) {
        free(in->prev); /* not the interval just before this one: start from O(start) */
        in->prev = NULL;
    }
    return 0;
}

/* --- one part --- */

typedef struct part {
    ZSTD_CCtx *z;
    lh_buf_t raw;        /* lines not compressed yet */
    lh_dio_t file;       /* the part's temporary file (file.fd < 0: none) */
    size_t size;         /* its bytes so far */
    char path[PATH_MAX]; /* its name */
    bool named;          /* a named file (to remove), not O_TMPFILE's */
    const char *why;     /* the failure, for the message */
    /* --warm-cache: the part's scan cache entry (NULL: none, or given up)
       and its rows not yet appended */
    lh_sql_warm_entry_t *we;
    lh_batch_t *wb;
} part_t;

/* A bronze line's fields as read_json(..., columns = {'partition':
 * 'INTEGER', 'offset': 'BIGINT', 'timestamp': 'BIGINT', 'key': 'VARCHAR',
 * 'value': 'VARCHAR'}) reads them: the entry --warm-cache writes is that
 * scan's (examples/medallion reads bronze so). It keeps every column but
 * the key, as a scan of a query that does not read the key would (the
 * example's do not: the key is the value's tx_hash): 66 bytes a record less
 * written here and read back by every query of the bronze; a query that
 * reads the key misses the entry and parses the object. */
enum { W_PARTITION, W_OFFSET, W_TIMESTAMP, W_KEY, W_VALUE, W_NCOLS };
static const char *const warm_names[W_NCOLS] = {"partition", "offset", "timestamp", "key", "value"};
static const bool warm_held[W_NCOLS] = {true, true, true, false, true};

static void warm_types(lh_type_t t[W_NCOLS])
{
    t[W_PARTITION] = lh_type(LH_TYPE_INTEGER);
    t[W_OFFSET] = t[W_TIMESTAMP] = lh_type(LH_TYPE_BIGINT);
    t[W_KEY] = t[W_VALUE] = lh_type(LH_TYPE_VARCHAR);
}

static void warm_drop(part_t *p)
{
    lh_sql_warm_end(p->we, NULL, NULL, NULL, 0, false);
    p->we = NULL;
}

/* The record as the entry's next row: the values its line holds, as the
 * scan would read them back, or the entry given up (a key or value the
 * escaping changed, as_is false: only a parse of the line says what the
 * scan reads). */
static void warm_row(part_t *p, const rd_kafka_message_t *m, int64_t ts, bool as_is)
{
    lh_batch_t *b = p->wb;
    uint32_t r = b->count;
    lh_vector_t *v = &b->cols[W_VALUE]; /* the key is not kept (warm_held) */
    if (!as_is || (m->payload && lh_vector_set_string(v, r, m->payload, m->len)))
        return warm_drop(p);
    ((int32_t *)b->cols[W_PARTITION].data)[r] = m->partition;
    ((int64_t *)b->cols[W_OFFSET].data)[r] = m->offset;
    ((int64_t *)b->cols[W_TIMESTAMP].data)[r] = ts;
    if (!m->payload) lh_vector_set_null(v, r);
    if (++b->count < LH_BATCH_ROWS) return;
    lh_sql_warm_append(p->we, b);
    lh_batch_reset(b);
}

/* The lines in raw as one zstd frame of their own (its content size in the
 * header), compressed straight into the file's staging and written in
 * whole blocks: 0, or -1 (p->why). One-shot frames of ~1 MiB took 0.925 of
 * the CPU of one streamed frame per part (a window that stays in cache) for
 * 0.85% more bytes (measured at level 1); readers decode both alike. */
static int compress(part_t *p)
{
    if (!p->raw.len && p->size) return 0; /* an empty part is still one (empty) frame */
    size_t bound = ZSTD_compressBound(p->raw.len);
    char *o = lh_dio_room(&p->file, bound);
    if (!o) return p->why = "out of memory", -1;
    size_t n = ZSTD_compress2(p->z, o, bound, p->raw.ptr, p->raw.len);
    if (ZSTD_isError(n)) return p->why = ZSTD_getErrorName(n), -1;
    p->file.staged += n;
    p->size += n;
    lh_buf_reset(&p->raw);
    if (lh_dio_flush(&p->file, false)) return p->why = strerror(errno), -1;
    return 0;
}

/* Whole lines go to the compressor once they reach CHUNK bytes: the chunks
 * depend on the records only, so a replay makes the same bytes. */
static int on_record(void *arg, const rd_kafka_message_t *m)
{
    part_t *p = arg;
    int64_t ts = rd_kafka_message_timestamp(m, NULL);
    bool as_is;
    if (lh__ingest_line(&p->raw, m->partition, m->offset, ts, m->key, m->key_len, m->payload,
                        m->len, p->we ? &as_is : NULL))
        return fprintf(stderr, "lakehouse ingest: a record too big for a line\n"), 1;
    if (p->we) warm_row(p, m, ts, as_is);
    if (p->raw.len >= CHUNK && compress(p))
        return fprintf(stderr, "lakehouse ingest: cannot write a part: %s\n", p->why), 1;
    return 0;
}

static int put(lh_ingest_t *in, const char *key, const void *data, size_t n, const char *type)
{
    lh_err_t e = {0};
    if (!lh_objstore_put(in->lake, in->bucket, key, data, n, type, NULL, &e)) return 0;
    fprintf(stderr, "lakehouse ingest: cannot write s3://%s/%s: %s\n", in->bucket, key, e.msg);
    return 1;
}

/* A thread's compressor, line buffer and --warm-cache batch, kept from one
 * part to the next. */
static int part_open(part_t *p, const lh_ingest_t *in)
{
    *p = (part_t){.z = ZSTD_createCCtx(), .file.fd = -1};
    lh_buf_init(&p->raw, CHUNK + ((size_t)64 << 20));
    lh_type_t t[W_NCOLS];
    warm_types(t);
    if (in->warm && lh_batch_new(t, W_NCOLS, &p->wb)) p->wb = NULL; /* no warming then */
    return p->z ? 0 : (fprintf(stderr, "lakehouse ingest: out of memory\n"), 1);
}

/* The part's temporary file made in TMPDIR (else /tmp; unnamed where the
 * file system can, so a killed ingest leaves nothing behind:
 * lh_dio_tmpfile) and opened for direct I/O, its staging buffer kept from
 * the part before: 0, or 1 with a message. */
static int part_file(part_t *p)
{
    const char *dir = lh_dio_tmpdir();
    int fd = lh_dio_tmpfile(dir, "lakehouse-ingest-", p->path, sizeof p->path, &p->named);
    if (fd < 0)
        return fprintf(stderr, "lakehouse ingest: cannot create a file in %s: %s\n", dir,
                       strerror(errno)),
               1;
    lh_dio_reopen(&p->file, fd);
    p->size = 0;
    p->why = NULL;
    return 0;
}

/* The part's file closed (and removed when it has a name); its staging
 * buffer stays for the next part. */
static void part_drop(part_t *p)
{
    if (p->file.fd < 0) return;
    close(p->file.fd);
    if (p->named) unlink(p->path);
    p->file.fd = -1;
}

static void part_close(part_t *p)
{
    part_drop(p);
    lh_batch_free(p->wb);
    ZSTD_freeCCtx(p->z);
    lh_buf_free(&p->raw);
    lh_dio_free(&p->file);
}

/* Partition i's part: read as its end is resolved, then named by its range
 * (none when the range is empty). */
static int write_part(lh_ingest_t *in, part_t *p, int i)
{
    const lh_ingest_range_t *r0 = &in->out->r[i]; /* its partition and first */
    lh_ingest_range_t rr = {.partition = r0->partition, .first = r0->first, .end = -1};
    const lh_ingest_range_t *r = &rr;
    char key[LH_INGEST_KEY_MAX];
    lh_buf_reset(&p->raw);
    if (part_file(p)) return 1;
    ZSTD_CCtx_reset(p->z, ZSTD_reset_session_and_parameters);
    set_level(p->z);
    if (p->wb) {
        lh_type_t t[W_NCOLS];
        warm_types(t);
        lh_batch_reset(p->wb);
        p->we = lh_sql_warm_begin(in->warm, W_NCOLS, warm_names, t, warm_held);
    }
    int rc = lh__ingest_read(in, i, on_record, p, &rr.end);
    if (!rc && rr.first >= rr.end) { /* an empty range has no part */
        part_drop(p);
        if (p->we) warm_drop(p);
        return 0;
    }
    if (!rc && lh__ingest_part_key(key, sizeof key, in->ivl, r))
        rc = (fprintf(stderr, "lakehouse ingest: object key too long\n"), 2);
    if (!rc && (compress(p) || lh_dio_flush(&p->file, true)))
        rc = (fprintf(stderr, "lakehouse ingest: cannot write %s: %s\n", p->path,
                      p->why ? p->why : strerror(errno)),
              1);
    lh_err_t e = {0};
    lh_objstore_meta_t meta = {0};
    if (!rc &&
        lh_objstore_put_dio_file(in->lake, in->bucket, key, p->path, "application/zstd", &meta, &e))
        rc = (fprintf(stderr, "lakehouse ingest: cannot write s3://%s/%s: %s\n", in->bucket, key,
                      e.msg),
              1);
    part_drop(p);
    if (p->we) { /* the entry of the object as written: its ETag and size */
        lh_sql_warm_append(p->we, p->wb);
        lh_sql_warm_end(p->we, in->bucket, key, meta.etag, (int64_t)p->size, !rc);
        p->we = NULL;
    }
    if (!rc) {
        pthread_mutex_lock(&in->mu);
        in->bytes += (int64_t)p->size;
        in->records += r->end - r->first;
        pthread_mutex_unlock(&in->mu);
        printf("wrote s3://%s/%s (%zu bytes)\n", in->bucket, key, p->size);
    }
    return rc;
}

/* --- the other objects --- */

typedef struct sweep {
    const lh_ingest_t *in;
    char **keys;
    size_t n, cap;
} sweep_t;

static int keep(const lh_ingest_t *in, const char *key)
{
    char k[LH_INGEST_KEY_MAX];
    for (int i = 0; i < in->out->n; i++)
        if (in->out->r[i].first < in->out->r[i].end &&
            !lh__ingest_part_key(k, sizeof k, in->ivl, &in->out->r[i]) && !strcmp(k, key))
            return 1;
    const char *rest = key + strlen(in->ivl);
    return !strcmp(rest, RANGES) || !strcmp(rest, "_SUCCESS");
}

static int on_key(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *meta)
{
    sweep_t *s = arg;
    (void)meta;
    if (is_prefix || keep(s->in, key)) return 0;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        char **grown = realloc(s->keys, cap * sizeof *grown);
        if (!grown) return LH_ENOMEM;
        s->keys = grown;
        s->cap = cap;
    }
    return (s->keys[s->n] = strdup(key)) ? (s->n++, 0) : LH_ENOMEM;
}

static int sweep(lh_ingest_t *in)
{
    sweep_t s = {.in = in};
    lh_err_t e = {0};
    int rc = lh_objstore_list(in->lake, in->bucket, in->ivl, NULL, on_key, &s, &e);
    if (!rc)
        rc = lh_objstore_delete_many(in->lake, in->bucket, (const char *const *)s.keys, s.n, &e);
    if (rc)
        fprintf(stderr, "lakehouse ingest: cannot clear s3://%s/%s: %s\n", in->bucket, in->ivl,
                e.msg[0] ? e.msg : "out of memory");
    else if (s.n)
        printf("deleted %zu other objects under s3://%s/%s\n", s.n, in->bucket, in->ivl);
    for (size_t i = 0; i < s.n; i++)
        free(s.keys[i]);
    free(s.keys);
    return rc ? 1 : 0;
}

/* --- the parts, on several threads --- */

typedef struct parts {
    lh_ingest_t *in;
    atomic_int next; /* the next partition to take */
    atomic_int rc;   /* the first failure's status: no partition is taken after it */
} parts_t;

static void *part_worker(void *arg)
{
    parts_t *w = arg;
    part_t p;
    int rc = part_open(&p, w->in);
    while (!rc) {
        int i = atomic_fetch_add(&w->next, 1);
        if (i >= w->in->out->n || atomic_load(&w->rc)) break;
        rc = write_part(w->in, &p, i);
    }
    part_close(&p);
    int none = 0;
    if (rc) {
        atomic_compare_exchange_strong(&w->rc, &none, rc);
        pthread_mutex_lock(&w->in->mu); /* the others stop waiting for an end */
        w->in->stop = true;
        pthread_cond_broadcast(&w->in->ends_cv);
        pthread_mutex_unlock(&w->in->mu);
    }
    return NULL;
}

/* Each partition's part on its own thread, up to two per core (a part is
 * read, turned into lines and compressed on its own; the parts' bytes do not
 * depend on the threads). Two per core, not one: a part's thread also waits
 * for its fetches and its PUT, and with every partition of the demo's topic
 * read at once the 10M benchmark's intervals took 0.87 of the time (four
 * threads against two on two cores, no more CPU); with fewer threads than
 * partitions the last part runs alone. Each thread writes its part to a
 * file of its own. */
static int write_parts(lh_ingest_t *in)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int nthreads = cores < 1 ? 2 : cores > 8 ? 16 : 2 * (int)cores;
    if (nthreads > in->out->n) nthreads = in->out->n;
    parts_t w = {.in = in};
    atomic_init(&w.next, 0);
    atomic_init(&w.rc, 0);
    pthread_t t[16];
    int started = 0;
    while (started < nthreads - 1 && !pthread_create(&t[started], NULL, part_worker, &w))
        started++;
    part_worker(&w);
    for (int i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    return atomic_load(&w.rc);
}

int lh__ingest_lake_parts(lh_ingest_t *in)
{
    return write_parts(in);
}

int lh__ingest_lake_commit(lh_ingest_t *in)
{
    char key[LH_INGEST_KEY_MAX + 32];
    lh_buf_t b;
    lh_buf_init(&b, 0);
    int rc = lh__ingest_ranges_json(&b, in->out) ? 1 : 0;
    if (!rc) snprintf(key, sizeof key, "%s%s", in->ivl, RANGES);
    if (!rc) rc = put(in, key, b.ptr, b.len, "application/json");
    lh_buf_free(&b);
    if (!rc) snprintf(key, sizeof key, "%s_SUCCESS", in->ivl);
    if (!rc) rc = put(in, key, "", 0, NULL);
    return rc ? rc : sweep(in);
}
