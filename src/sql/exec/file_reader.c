/* A byte reader over one file of a table function: a local file read with
 * read(2) or an object fetched in ranged gets of CHUNK bytes, inflated on the
 * way when it is gzip (every member of a multi-member file, zlib) or zstd
 * (every frame, libzstd's streaming decoder). Memory stays at two chunks
 * whatever the file's size. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "sql/exec/files.h"
#include "store/objstore.h"

#define CHUNK ((size_t)4 << 20)

struct lh_file_reader {
    struct lh_objstore *os;
    const char *bucket, *key;
    int fd;
    int64_t off, size; /* objects: next offset, size (-1 unknown) */
    lh_compression_t c;
    char *in; /* compressed input (gzip, zstd) */
    size_t in_len, in_pos;
    bool in_eof;
    z_stream z;
    bool z_init, z_end; /* z_end: a member ended; more input starts another */
    ZSTD_DStream *zd;
    char etag[80];   /* objects: the ETag of the first ranged get */
    bool etag_mixed; /* a later get saw another (the object was replaced) */
    char name[1];
};

int lh__compression_by_name(const char *name, lh_compression_t *c)
{
    static const struct {
        const char *name;
        lh_compression_t c;
    } names[] = {{"auto", LH_COMPRESS_AUTO},
                 {"none", LH_COMPRESS_NONE},
                 {"uncompressed", LH_COMPRESS_NONE},
                 {"gzip", LH_COMPRESS_GZIP},
                 {"zstd", LH_COMPRESS_ZSTD}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(name, names[i].name)) return *c = names[i].c, 0;
    return -1;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcasecmp(s + n - k, suffix);
}

typedef struct sink {
    char *dst;
    size_t len, cap;
} sink_t;

static int sink_fn(void *arg, const void *data, size_t n)
{
    sink_t *s = arg;
    if (n > s->cap - s->len) n = s->cap - s->len;
    memcpy(s->dst + s->len, data, n);
    s->len += n;
    return 0;
}

/* Raw bytes of the file (compressed or not). */
static int raw_read(lh_file_reader_t *r, char *buf, size_t cap, size_t *got, lh_err_t *err)
{
    *got = 0;
    if (!r->os) {
        ssize_t k;
        do
            k = read(r->fd, buf, cap);
        while (k < 0 && errno == EINTR);
        if (k < 0) return lh_err_set(err, LH_EIO, "cannot read %s: %s", r->name, strerror(errno));
        *got = (size_t)k;
        return 0;
    }
    if (r->size >= 0 && r->off >= r->size) return 0;
    sink_t s = {.dst = buf, .cap = cap};
    lh_objstore_meta_t meta = {0};
    int rc =
        lh_objstore_get(r->os, r->bucket, r->key, r->off, (int64_t)cap, sink_fn, &s, &meta, err);
    if (rc == LH_EINVAL && r->off > 0) return 0; /* past the end */
    if (rc == LH_EINVAL && !lh_objstore_head(r->os, r->bucket, r->key, &meta, err) && !meta.size)
        return 0; /* an empty object has no range to ask for */
    if (rc) return rc;
    if (!r->etag[0] && !r->etag_mixed)
        memcpy(r->etag, meta.etag, sizeof r->etag);
    else if (strcmp(r->etag, meta.etag))
        r->etag_mixed = true;
    r->size = meta.size;
    r->off += (int64_t)s.len;
    *got = s.len;
    return 0;
}

static int fill_in(lh_file_reader_t *r, lh_err_t *err)
{
    if (r->in_pos < r->in_len || r->in_eof) return 0;
    int rc = raw_read(r, r->in, CHUNK, &r->in_len, err);
    r->in_pos = 0;
    if (!rc && !r->in_len) r->in_eof = true;
    return rc;
}

static int gzip_read(lh_file_reader_t *r, char *buf, size_t cap, size_t *got, lh_err_t *err)
{
    *got = 0;
    while (*got < cap) {
        int rc = fill_in(r, err);
        if (rc) return rc;
        if (r->in_pos == r->in_len) {
            if (!r->z_end && r->z_init)
                return lh_err_set(err, LH_ECORRUPT, "%s: truncated gzip file", r->name);
            return 0;
        }
        if (r->z_end) {
            if (inflateReset(&r->z) != Z_OK) return lh_err_set(err, LH_ECORRUPT, "inflate");
            r->z_end = false;
        }
        r->z_init = true;
        r->z.next_in = (Bytef *)r->in + r->in_pos;
        r->z.avail_in = (uInt)(r->in_len - r->in_pos);
        r->z.next_out = (Bytef *)buf + *got;
        r->z.avail_out = (uInt)(cap - *got);
        int zr = inflate(&r->z, Z_NO_FLUSH);
        r->in_pos = r->in_len - r->z.avail_in;
        *got = cap - r->z.avail_out;
        if (zr == Z_STREAM_END)
            r->z_end = true;
        else if (zr != Z_OK && zr != Z_BUF_ERROR)
            return lh_err_set(err, LH_ECORRUPT, "%s: not a valid gzip file (%s)", r->name,
                              r->z.msg ? r->z.msg : "inflate failed");
    }
    return 0;
}

static int zstd_read(lh_file_reader_t *r, char *buf, size_t cap, size_t *got, lh_err_t *err)
{
    *got = 0;
    size_t last = 0; /* the decoder's hint: 0 when a frame is complete */
    while (*got < cap) {
        int rc = fill_in(r, err);
        if (rc) return rc;
        if (r->in_pos == r->in_len) {
            if (r->z_init) return lh_err_set(err, LH_ECORRUPT, "%s: truncated zstd file", r->name);
            return 0;
        }
        ZSTD_inBuffer in = {r->in, r->in_len, r->in_pos};
        ZSTD_outBuffer out = {buf, cap, *got};
        last = ZSTD_decompressStream(r->zd, &out, &in);
        if (ZSTD_isError(last))
            return lh_err_set(err, LH_ECORRUPT, "%s: not a valid zstd file (%s)", r->name,
                              ZSTD_getErrorName(last));
        r->in_pos = in.pos;
        *got = out.pos;
        r->z_init = last != 0;
        if (out.pos < out.size && in.pos == in.size && !last && r->in_eof) break;
    }
    return 0;
}

int lh__file_reader_read(lh_file_reader_t *r, char *buf, size_t cap, size_t *got, lh_err_t *err)
{
    switch (r->c) {
    case LH_COMPRESS_GZIP:
        return gzip_read(r, buf, cap, got, err);
    case LH_COMPRESS_ZSTD:
        return zstd_read(r, buf, cap, got, err);
    default:
        return raw_read(r, buf, cap, got, err);
    }
}

int lh__file_reader_open(struct lh_objstore *os, const char *bucket, const char *path,
                         lh_compression_t c, lh_file_reader_t **out, lh_err_t *err)
{
    *out = NULL;
    size_t n = strlen(path);
    lh_file_reader_t *r = calloc(1, sizeof *r + n);
    if (!r) return lh_err_set(err, LH_ENOMEM, "out of memory");
    memcpy(r->name, path, n + 1);
    r->os = os;
    r->bucket = bucket;
    r->key = r->name;
    r->fd = -1;
    r->size = -1;
    if (c == LH_COMPRESS_AUTO)
        c = ends_with(path, ".gz")    ? LH_COMPRESS_GZIP
            : ends_with(path, ".zst") ? LH_COMPRESS_ZSTD
                                      : LH_COMPRESS_NONE;
    r->c = c;
    if (!os && (r->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        int e = errno;
        free(r);
        return lh_err_set(err, e == ENOENT ? LH_ENOENT : LH_EIO, "cannot open file \"%s\": %s",
                          path, strerror(e));
    }
    *out = r;
    if (c == LH_COMPRESS_NONE) return 0;
    if (!(r->in = malloc(CHUNK))) goto oom;
    if (c == LH_COMPRESS_GZIP && inflateInit2(&r->z, 16 + MAX_WBITS) != Z_OK) goto oom;
    if (c == LH_COMPRESS_ZSTD && !(r->zd = ZSTD_createDStream())) goto oom;
    r->z_init = false;
    if (c == LH_COMPRESS_GZIP) r->z.opaque = r; /* inflateEnd is due */
    return 0;
oom:
    lh__file_reader_close(r);
    *out = NULL;
    return lh_err_set(err, LH_ENOMEM, "out of memory");
}

const char *lh__file_reader_etag(const lh_file_reader_t *r)
{
    return r->os && r->etag[0] && !r->etag_mixed ? r->etag : NULL;
}

int64_t lh__file_reader_fetched(const lh_file_reader_t *r)
{
    return r->off;
}

void lh__file_reader_close(lh_file_reader_t *r)
{
    if (!r) return;
    if (r->fd >= 0) close(r->fd);
    if (r->z.opaque) inflateEnd(&r->z);
    if (r->zd) ZSTD_freeDStream(r->zd);
    free(r->in);
    free(r);
}
