/* The object-store interface: argument checks shared by every back end, then
 * dispatch through the back end's table of function pointers. Also the parts
 * that are the same for every back end: get into a buffer, put_file (single
 * request or multipart in LH_OBJSTORE_PART_SIZE parts). */
#include "store/objstore.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/dio.h"

struct lh_objstore {
    const lh_objstore_ops_t *ops;
    void *impl;
    int64_t mpu_threshold; /* put_file: multipart above */
};

int lh_objstore_wrap(lh_objstore_t **out, const lh_objstore_ops_t *ops, void *impl, lh_err_t *err)
{
    lh_objstore_t *os = calloc(1, sizeof *os);
    if (!os) {
        ops->close(impl);
        return lh_err_set(err, LH_ENOMEM, "cannot allocate object store handle");
    }
    os->ops = ops;
    os->impl = impl;
    os->mpu_threshold = LH_OBJSTORE_MPU_THRESHOLD;
    *out = os;
    return 0;
}

void lh_objstore_close(lh_objstore_t *os)
{
    if (!os) return;
    os->ops->close(os->impl);
    free(os);
}

const char *lh_objstore_kind(const lh_objstore_t *os)
{
    return os->ops->kind;
}

static int check_bucket(const char *bucket, lh_err_t *err)
{
    size_t n = bucket ? strlen(bucket) : 0;
    if (n == 0 || n > 63) return lh_err_set(err, LH_EINVAL, "invalid bucket name");
    return 0;
}

static int check_key(const char *bucket, const char *key, lh_err_t *err)
{
    int rc = check_bucket(bucket, err);
    if (rc) return rc;
    size_t n = key ? strlen(key) : 0;
    if (n == 0 || n > LH_OBJSTORE_KEY_MAX)
        return lh_err_set(err, LH_EINVAL, "invalid key length %zu", n);
    return 0;
}

static void meta_zero(lh_objstore_meta_t *m)
{
    if (m) memset(m, 0, sizeof *m);
}

int lh_objstore_bucket_create(lh_objstore_t *os, const char *bucket, lh_err_t *err)
{
    int rc = check_bucket(bucket, err);
    return rc ? rc : os->ops->bucket_create(os->impl, bucket, err);
}

int lh_objstore_get(lh_objstore_t *os, const char *bucket, const char *key, int64_t off,
                    int64_t len, int (*sink)(void *arg, const void *data, size_t n), void *arg,
                    lh_objstore_meta_t *meta, lh_err_t *err)
{
    meta_zero(meta);
    int rc = check_key(bucket, key, err);
    if (rc) return rc;
    /* off < 0: the last -off bytes, only with len -1 */
    if (len == 0 || len < -1 || (off < 0 && (len != -1 || off == INT64_MIN)))
        return lh_err_set(err, LH_EINVAL, "invalid range offset %lld length %lld", (long long)off,
                          (long long)len);
    return os->ops->get(os->impl, bucket, key, off, len, sink, arg, meta, err);
}

static int buf_sink(void *arg, const void *data, size_t n)
{
    return lh_buf_append(arg, data, n);
}

int lh_objstore_get_buf(lh_objstore_t *os, const char *bucket, const char *key, int64_t off,
                        int64_t len, lh_buf_t *out, lh_objstore_meta_t *meta, lh_err_t *err)
{
    int rc = lh_objstore_get(os, bucket, key, off, len, buf_sink, out, meta, err);
    if (rc == LH_ETOOBIG || rc == LH_ENOMEM)
        lh_err_set(err, rc, "object %s does not fit the buffer", key);
    return rc;
}

/* Copies an If-Match etag without surrounding quotes into out (80 bytes);
 * LH_EINVAL when empty, too long, or with a quote or control byte inside. */
static int etag_arg(const char *etag, char *out, lh_err_t *err)
{
    size_t n = etag ? strlen(etag) : 0;
    if (n >= 2 && etag[0] == '"' && etag[n - 1] == '"') {
        etag++;
        n -= 2;
    }
    if (n == 0 || n >= 80) return lh_err_set(err, LH_EINVAL, "invalid etag length %zu", n);
    for (size_t i = 0; i < n; i++)
        if (etag[i] == '"' || (unsigned char)etag[i] < 0x20 || etag[i] == 0x7f)
            return lh_err_set(err, LH_EINVAL, "invalid etag: a quote or control byte inside");
    memcpy(out, etag, n);
    out[n] = 0;
    return 0;
}

int lh_objstore_put_cond(lh_objstore_t *os, const char *bucket, const char *key, const void *data,
                         size_t n, const char *content_type, const lh_objstore_cond_t *cond,
                         lh_objstore_meta_t *out, lh_err_t *err)
{
    meta_zero(out);
    int rc = check_key(bucket, key, err);
    if (rc) return rc;
    if (!data && n) return lh_err_set(err, LH_EINVAL, "no data");
    if (!content_type || !*content_type) content_type = LH_OBJSTORE_DEFAULT_TYPE;
    char etag[80];
    lh_objstore_cond_t c = {0};
    if (cond && cond->if_match) {
        if (cond->if_none_match_star)
            return lh_err_set(err, LH_EINVAL, "both If-Match and If-None-Match on one put");
        if ((rc = etag_arg(cond->if_match, etag, err)) != 0) return rc;
        c.if_match = etag;
    }
    c.if_none_match_star = cond && cond->if_none_match_star;
    return os->ops->put(os->impl, bucket, key, data, n, content_type,
                        c.if_match || c.if_none_match_star ? &c : NULL, out, err);
}

int lh_objstore_put(lh_objstore_t *os, const char *bucket, const char *key, const void *data,
                    size_t n, const char *content_type, lh_objstore_meta_t *out, lh_err_t *err)
{
    return lh_objstore_put_cond(os, bucket, key, data, n, content_type, NULL, out, err);
}

int lh_objstore_put_if_absent(lh_objstore_t *os, const char *bucket, const char *key,
                              const void *data, size_t n, const char *content_type,
                              lh_objstore_meta_t *out, lh_err_t *err)
{
    lh_objstore_cond_t c = {.if_none_match_star = 1};
    return lh_objstore_put_cond(os, bucket, key, data, n, content_type, &c, out, err);
}

int lh_objstore_put_if_match(lh_objstore_t *os, const char *bucket, const char *key,
                             const void *data, size_t n, const char *etag, lh_objstore_meta_t *out,
                             lh_err_t *err)
{
    if (!etag) return lh_err_set(err, LH_EINVAL, "no etag");
    lh_objstore_cond_t c = {.if_match = etag};
    return lh_objstore_put_cond(os, bucket, key, data, n, NULL, &c, out, err);
}

/* Reads exactly n bytes at off (short only at end of file). */
static int read_full(lh_dio_reader_t *rd, char *buf, size_t n, int64_t off, size_t *got,
                     lh_err_t *err)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = lh_dio_pread(rd, buf + done, n - done, (off_t)(off + (int64_t)done));
        if (r < 0) return lh_err_set(err, LH_EIO, "cannot read file: %s", strerror(errno));
        if (r == 0) break;
        done += (size_t)r;
    }
    *got = done;
    return 0;
}

typedef struct mpu_state {
    char upload_id[LH_OBJSTORE_UPLOAD_ID_MAX];
    char (*etags)[80];
    const char **etag_ptrs;
    char *buf;
    int nparts;
} mpu_state_t;

static int put_file_parts(lh_objstore_t *os, const char *bucket, const char *key, int fd,
                          int64_t size, mpu_state_t *m, lh_err_t *err)
{
    size_t part = LH_OBJSTORE_PART_SIZE;
    if (size / (int64_t)part >= 10000) /* S3 allows 10000 parts */
        part = (size_t)(size / 9999 + 1);
    m->nparts = (int)((size + (int64_t)part - 1) / (int64_t)part);
    m->etags = calloc((size_t)m->nparts, sizeof *m->etags);
    m->etag_ptrs = calloc((size_t)m->nparts, sizeof *m->etag_ptrs);
    m->buf = malloc(part);
    if (!m->etags || !m->etag_ptrs || !m->buf)
        return lh_err_set(err, LH_ENOMEM, "cannot allocate part buffer");
    lh_dio_reader_t rd;
    lh_dio_reader_init(&rd, fd);
    int rc = 0;
    for (int i = 0; !rc && i < m->nparts; i++) {
        size_t got = 0;
        rc = read_full(&rd, m->buf, part, (int64_t)i * (int64_t)part, &got, err);
        if (!rc && (got == 0 || (i + 1 < m->nparts && got != part)))
            rc = lh_err_set(err, LH_EIO, "file changed size while uploading");
        if (!rc)
            rc = os->ops->mpu_put_part(os->impl, bucket, key, m->upload_id, i + 1, m->buf, got,
                                       m->etags[i], err);
        if (!rc) m->etag_ptrs[i] = m->etags[i];
    }
    lh_dio_reader_free(&rd);
    return rc;
}

static int put_file_multipart(lh_objstore_t *os, const char *bucket, const char *key, int fd,
                              int64_t size, const char *content_type, lh_objstore_meta_t *out,
                              lh_err_t *err)
{
    mpu_state_t m;
    memset(&m, 0, sizeof m);
    int rc = os->ops->mpu_create(os->impl, bucket, key, content_type, m.upload_id,
                                 sizeof m.upload_id, err);
    if (rc) return rc;
    rc = put_file_parts(os, bucket, key, fd, size, &m, err);
    if (rc == 0)
        rc = os->ops->mpu_complete(os->impl, bucket, key, m.upload_id, m.etag_ptrs, m.nparts, out,
                                   err);
    if (rc) {
        lh_err_t ignored = {0};
        os->ops->mpu_abort(os->impl, bucket, key, m.upload_id, &ignored);
    }
    free(m.etags);
    free(m.etag_ptrs);
    free(m.buf);
    return rc;
}

void lh_objstore_set_mpu_threshold(lh_objstore_t *os, int64_t bytes)
{
    os->mpu_threshold =
        bytes < (int64_t)LH_OBJSTORE_PART_SIZE ? (int64_t)LH_OBJSTORE_PART_SIZE : bytes;
}

static int put_file(lh_objstore_t *os, const char *bucket, const char *key, const char *path,
                    const char *content_type, bool direct, lh_objstore_meta_t *out, lh_err_t *err)
{
    meta_zero(out);
    int rc = check_key(bucket, key, err);
    if (rc) return rc;
    if (!content_type || !*content_type) content_type = LH_OBJSTORE_DEFAULT_TYPE;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return lh_err_set(err, LH_EIO, "cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return lh_err_set(err, LH_EIO, "cannot upload %s: not a regular file", path);
    }
    if (direct) lh_dio_read_direct(fd); /* our own open: its readers read directly */
    if ((int64_t)sb.st_size > os->mpu_threshold)
        rc = put_file_multipart(os, bucket, key, fd, (int64_t)sb.st_size, content_type, out, err);
    else
        rc =
            os->ops->put_fd(os->impl, bucket, key, fd, (int64_t)sb.st_size, content_type, out, err);
    close(fd);
    return rc;
}

int lh_objstore_put_file(lh_objstore_t *os, const char *bucket, const char *key, const char *path,
                         const char *content_type, lh_objstore_meta_t *out, lh_err_t *err)
{
    return put_file(os, bucket, key, path, content_type, false, out, err);
}

int lh_objstore_put_dio_file(lh_objstore_t *os, const char *bucket, const char *key,
                             const char *path, const char *content_type, lh_objstore_meta_t *out,
                             lh_err_t *err)
{
    return put_file(os, bucket, key, path, content_type, true, out, err);
}

int lh_objstore_head(lh_objstore_t *os, const char *bucket, const char *key,
                     lh_objstore_meta_t *out, lh_err_t *err)
{
    meta_zero(out);
    int rc = check_key(bucket, key, err);
    return rc ? rc : os->ops->head(os->impl, bucket, key, out, err);
}

int lh_objstore_delete(lh_objstore_t *os, const char *bucket, const char *key, lh_err_t *err)
{
    int rc = check_key(bucket, key, err);
    return rc ? rc : os->ops->del(os->impl, bucket, key, err);
}

int lh_objstore_delete_many(lh_objstore_t *os, const char *bucket, const char *const *keys,
                            size_t n, lh_err_t *err)
{
    int rc = check_bucket(bucket, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if ((rc = check_key(bucket, keys[i], err)) != 0)
            lh_err_set(err, rc, "invalid key #%zu to delete: length %zu", i,
                       keys[i] ? strlen(keys[i]) : 0);
    for (size_t i = 0; rc == 0 && i < n;) {
        size_t m = n - i < LH_OBJSTORE_DELETE_BATCH ? n - i : LH_OBJSTORE_DELETE_BATCH;
        if (os->ops->delete_many) {
            rc = os->ops->delete_many(os->impl, bucket, keys + i, m, err);
            i += m;
        } else {
            rc = os->ops->del(os->impl, bucket, keys[i++], err);
        }
    }
    return rc;
}

int lh_objstore_copy(lh_objstore_t *os, const char *src_bucket, const char *src_key,
                     const char *dst_bucket, const char *dst_key, lh_objstore_meta_t *out,
                     lh_err_t *err)
{
    meta_zero(out);
    int rc = check_key(src_bucket, src_key, err);
    if (rc == 0) rc = check_key(dst_bucket, dst_key, err);
    if (rc) return rc;
    if (strcmp(src_bucket, dst_bucket) == 0 && strcmp(src_key, dst_key) == 0)
        return lh_err_set(err, LH_EINVAL, "cannot copy %s/%s onto itself", src_bucket, src_key);
    if (!os->ops->copy) return lh_err_set(err, LH_EINVAL, "%s back end cannot copy", os->ops->kind);
    return os->ops->copy(os->impl, src_bucket, src_key, dst_bucket, dst_key, out, err);
}

int lh_objstore_list_from(lh_objstore_t *os, const char *bucket, const char *prefix,
                          const char *delimiter, const char *start_after, int max_keys,
                          int (*fn)(void *arg, const char *key, int is_prefix,
                                    const lh_objstore_meta_t *meta),
                          void *arg, lh_err_t *err)
{
    int rc = check_bucket(bucket, err);
    if (rc) return rc;
    if (prefix && strlen(prefix) > LH_OBJSTORE_KEY_MAX)
        return lh_err_set(err, LH_EINVAL, "prefix too long");
    if (start_after && strlen(start_after) > LH_OBJSTORE_KEY_MAX)
        return lh_err_set(err, LH_EINVAL, "start_after too long");
    if (delimiter && !*delimiter) delimiter = NULL;
    return os->ops->list(os->impl, bucket, prefix ? prefix : "", delimiter,
                         start_after ? start_after : "", max_keys > 0 ? max_keys : 0, fn, arg, err);
}

int lh_objstore_list(lh_objstore_t *os, const char *bucket, const char *prefix,
                     const char *delimiter,
                     int (*fn)(void *arg, const char *key, int is_prefix,
                               const lh_objstore_meta_t *meta),
                     void *arg, lh_err_t *err)
{
    return lh_objstore_list_from(os, bucket, prefix, delimiter, NULL, 0, fn, arg, err);
}

int lh_objstore_mpu_create(lh_objstore_t *os, const char *bucket, const char *key,
                           const char *content_type, char *upload_id, size_t cap, lh_err_t *err)
{
    int rc = check_key(bucket, key, err);
    if (rc) return rc;
    if (!content_type || !*content_type) content_type = LH_OBJSTORE_DEFAULT_TYPE;
    return os->ops->mpu_create(os->impl, bucket, key, content_type, upload_id, cap, err);
}

int lh_objstore_mpu_put_part(lh_objstore_t *os, const char *bucket, const char *key,
                             const char *upload_id, int part_number, const void *data, size_t n,
                             char *etag_out, lh_err_t *err)
{
    int rc = check_key(bucket, key, err);
    if (rc) return rc;
    if (part_number < 1 || part_number > 10000)
        return lh_err_set(err, LH_EINVAL, "part number %d out of range 1..10000", part_number);
    if (!upload_id || !*upload_id) return lh_err_set(err, LH_EINVAL, "no upload id");
    return os->ops->mpu_put_part(os->impl, bucket, key, upload_id, part_number, data, n, etag_out,
                                 err);
}

int lh_objstore_mpu_complete(lh_objstore_t *os, const char *bucket, const char *key,
                             const char *upload_id, const char *const *etags, int nparts,
                             lh_objstore_meta_t *out, lh_err_t *err)
{
    meta_zero(out);
    int rc = check_key(bucket, key, err);
    if (rc) return rc;
    if (nparts < 1 || nparts > 10000)
        return lh_err_set(err, LH_EINVAL, "part count %d out of range 1..10000", nparts);
    if (!upload_id || !*upload_id) return lh_err_set(err, LH_EINVAL, "no upload id");
    return os->ops->mpu_complete(os->impl, bucket, key, upload_id, etags, nparts, out, err);
}

int lh_objstore_mpu_abort(lh_objstore_t *os, const char *bucket, const char *key,
                          const char *upload_id, lh_err_t *err)
{
    int rc = check_key(bucket, key, err);
    if (rc) return rc;
    if (!upload_id || !*upload_id) return lh_err_set(err, LH_EINVAL, "no upload id");
    return os->ops->mpu_abort(os->impl, bucket, key, upload_id, err);
}
