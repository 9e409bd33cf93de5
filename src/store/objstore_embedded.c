/* Embedded back end of the object-store interface: maps each call onto the
 * store engine (store/engine.h) in this process. It computes the MD5 ETag
 * itself (hex md5, or md5-of-part-md5s "-N" for multipart) and stores attrs
 * in the same JSON shape as the S3 layer: lower-case header names as keys,
 * here only {"content-type": "..."}. Multipart completion checks the parts
 * the way S3 does (every part present, etags equal, all but the last at
 * least 5 MiB), so both back ends accept and refuse the same uploads. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/checksum.h"
#include "core/crypto.h"
#include "core/dio.h"
#include "core/str.h"
#include "store/engine.h"
#include "store/objstore.h"

#define EMB_IO_CHUNK ((size_t)256 << 10)
#define EMB_S3_DEFAULT_TYPE "binary/octet-stream" /* what S3 reports when none was set */

typedef struct emb {
    lh_store_t *st;
    char owner[129]; /* who owns the buckets it creates */
} emb_t;

static char *attrs_json(const char *content_type)
{
    json_t *o = json_object();
    if (!o) return NULL;
    char *s = NULL;
    if (json_object_set_new(o, "content-type", json_string(content_type)) == 0)
        s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

static void attrs_content_type(const char *attrs, char *out, size_t cap)
{
    lh_str_copy(out, cap, (lh_str_t){EMB_S3_DEFAULT_TYPE, sizeof EMB_S3_DEFAULT_TYPE - 1});
    if (!attrs) return;
    json_t *o = json_loads(attrs, 0, NULL);
    const char *ct = json_string_value(json_object_get(o, "content-type"));
    if (ct) lh_str_copy(out, cap, (lh_str_t){ct, strlen(ct)});
    json_decref(o);
}

static void meta_from_store(const lh_store_meta_t *m, lh_objstore_meta_t *out)
{
    if (!out) return;
    out->size = m->size;
    out->mtime = m->mtime_ns / 1000000000;
    lh_str_copy(out->etag, sizeof out->etag, (lh_str_t){m->etag, strlen(m->etag)});
    attrs_content_type(m->attrs, out->content_type, sizeof out->content_type);
}

static void meta_fill(lh_objstore_meta_t *out, int64_t size, const char *etag, const char *ct)
{
    if (!out) return;
    out->size = size;
    out->mtime = (int64_t)time(NULL);
    lh_str_copy(out->etag, sizeof out->etag, (lh_str_t){etag, strlen(etag)});
    lh_str_copy(out->content_type, sizeof out->content_type, (lh_str_t){ct, strlen(ct)});
}

static int emb_bucket_create(void *impl, const char *bucket, lh_err_t *err)
{
    emb_t *e = impl;
    return lh_store_bucket_create(e->st, bucket, e->owner, 0, err);
}

/* --- get --- */

/* Resolves [*off, *off+*len) against size (*off < 0: the last -*off bytes);
 * LH_EINVAL when not satisfiable. */
static int range_resolve(int64_t size, int64_t *off, int64_t *len, lh_err_t *err)
{
    if (*off < 0) { /* suffix: clipped to the whole object, empty included */
        *off = -*off >= size ? 0 : size + *off;
        *len = size - *off;
        return 0;
    }
    if (*off == 0 && *len == -1) {
        *len = size;
        return 0;
    }
    if (*off >= size)
        return lh_err_set(err, LH_EINVAL, "range not satisfiable: offset %lld, size %lld",
                          (long long)*off, (long long)size);
    if (*len == -1 || *len > size - *off) *len = size - *off;
    return 0;
}

static int stream_fd(int fd, int64_t off, int64_t len,
                     int (*sink)(void *arg, const void *data, size_t n), void *arg, lh_err_t *err)
{
    char *buf = malloc(EMB_IO_CHUNK);
    if (!buf) return lh_err_set(err, LH_ENOMEM, "cannot allocate read buffer");
    int rc = 0;
    while (len > 0) {
        size_t want = len < (int64_t)EMB_IO_CHUNK ? (size_t)len : EMB_IO_CHUNK;
        ssize_t r = pread(fd, buf, want, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            rc = lh_err_set(err, r < 0 ? LH_EIO : LH_ECORRUPT, "cannot read object body: %s",
                            r < 0 ? strerror(errno) : "short file");
            break;
        }
        if (sink && (rc = sink(arg, buf, (size_t)r)) != 0) break;
        off += r;
        len -= r;
    }
    free(buf);
    return rc;
}

static int emb_get(void *impl, const char *bucket, const char *key, int64_t off, int64_t len,
                   int (*sink)(void *arg, const void *data, size_t n), void *arg,
                   lh_objstore_meta_t *meta, lh_err_t *err)
{
    emb_t *e = impl;
    lh_store_meta_t m;
    memset(&m, 0, sizeof m);
    int fd = -1;
    int rc = lh_store_get(e->st, bucket, key, strlen(key), &m, &fd, err);
    if (rc) goto fail;
    meta_from_store(&m, meta);
    rc = range_resolve(m.size, &off, &len, err);
    if (rc) goto fail;
    rc = stream_fd(fd, off, len, sink, arg, err);
fail:
    if (fd >= 0) close(fd);
    lh_store_meta_clear(&m);
    return rc;
}

/* --- put --- */

static int commit_body(lh_store_writer_t *w, const char *key, const char *etag,
                       const char *content_type, const lh_objstore_cond_t *c, lh_err_t *err)
{
    char *attrs = attrs_json(content_type);
    if (!attrs) {
        lh_store_put_abort(w);
        return lh_err_set(err, LH_ENOMEM, "cannot build object attributes");
    }
    lh_store_meta_t m;
    memset(&m, 0, sizeof m);
    lh_str_copy(m.etag, sizeof m.etag, (lh_str_t){etag, strlen(etag)});
    m.attrs = attrs;
    lh_store_put_cond_t cond = {.if_none_match_any = c && c->if_none_match_star,
                                .if_match = c ? c->if_match : NULL};
    int rc = lh_store_put_commit(w, key, strlen(key), &m, &cond, err);
    free(attrs);
    return rc;
}

static int emb_put(void *impl, const char *bucket, const char *key, const void *data, size_t n,
                   const char *content_type, const lh_objstore_cond_t *cond,
                   lh_objstore_meta_t *out, lh_err_t *err)
{
    emb_t *e = impl;
    unsigned char md5[16];
    char etag[33];
    lh_md5(data, n, md5);
    lh_hex(md5, 16, etag);
    lh_store_writer_t *w = NULL;
    int rc = lh_store_put_begin(e->st, bucket, &w, err);
    if (rc) return rc;
    if (n && (rc = lh_store_put_write(w, data, n, err)) != 0) {
        lh_store_put_abort(w);
        return rc;
    }
    rc = commit_body(w, key, etag, content_type, cond, err);
    if (rc == 0) meta_fill(out, (int64_t)n, etag, content_type);
    if (rc == LH_EPRECOND && cond && cond->if_match) { /* S3: If-Match on no key is 404 */
        lh_store_meta_t m;
        memset(&m, 0, sizeof m);
        lh_err_t herr = {0};
        if (lh_store_head(e->st, bucket, key, strlen(key), &m, &herr) == LH_ENOENT)
            rc = lh_err_set(err, LH_ENOENT, "no such key %s (If-Match)", key);
        lh_store_meta_clear(&m);
    }
    return rc;
}

/* Copies size bytes of fd into w, hashing them into etag (33 bytes). */
static int copy_fd(lh_store_writer_t *w, int fd, int64_t size, char *etag, lh_err_t *err)
{
    lh_cksum_t ck;
    if (lh_cksum_init(&ck, LH_CK_MD5) != 0) return lh_err_set(err, LH_ENOMEM, "cannot start md5");
    char *buf = malloc(EMB_IO_CHUNK);
    int rc = buf ? 0 : lh_err_set(err, LH_ENOMEM, "cannot allocate copy buffer");
    lh_dio_reader_t rd;
    lh_dio_reader_init(&rd, fd);
    for (int64_t off = 0; rc == 0 && off < size;) {
        size_t want = size - off < (int64_t)EMB_IO_CHUNK ? (size_t)(size - off) : EMB_IO_CHUNK;
        ssize_t r = lh_dio_pread(&rd, buf, want, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            rc = lh_err_set(err, LH_EIO, "cannot read file: %s",
                            r < 0 ? strerror(errno) : "file shrank");
            break;
        }
        lh_cksum_update(&ck, buf, (size_t)r);
        rc = lh_store_put_write(w, buf, (size_t)r, err);
        off += r;
    }
    lh_dio_reader_free(&rd);
    free(buf);
    unsigned char md5[32];
    lh_cksum_final(&ck, md5);
    lh_hex(md5, 16, etag);
    return rc;
}

static int emb_put_fd(void *impl, const char *bucket, const char *key, int fd, int64_t size,
                      const char *content_type, lh_objstore_meta_t *out, lh_err_t *err)
{
    emb_t *e = impl;
    lh_store_writer_t *w = NULL;
    char etag[33];
    int rc = lh_store_put_begin(e->st, bucket, &w, err);
    if (rc) return rc;
    rc = copy_fd(w, fd, size, etag, err);
    if (rc) {
        lh_store_put_abort(w);
        return rc;
    }
    rc = commit_body(w, key, etag, content_type, NULL, err);
    if (rc == 0) meta_fill(out, size, etag, content_type);
    return rc;
}

static int emb_head(void *impl, const char *bucket, const char *key, lh_objstore_meta_t *out,
                    lh_err_t *err)
{
    emb_t *e = impl;
    lh_store_meta_t m;
    memset(&m, 0, sizeof m);
    int rc = lh_store_head(e->st, bucket, key, strlen(key), &m, err);
    if (rc == 0) meta_from_store(&m, out);
    lh_store_meta_clear(&m);
    return rc;
}

static int emb_del(void *impl, const char *bucket, const char *key, lh_err_t *err)
{
    emb_t *e = impl;
    return lh_store_delete(e->st, bucket, key, strlen(key), err);
}

static int emb_delete_many(void *impl, const char *bucket, const char *const *keys, size_t n,
                           lh_err_t *err)
{
    emb_t *e = impl;
    for (size_t i = 0; i < n; i++) {
        lh_err_t kerr = {0};
        int rc = lh_store_delete(e->st, bucket, keys[i], strlen(keys[i]), &kerr);
        if (rc) return lh_err_set(err, rc, "cannot delete %s: %s", keys[i], kerr.msg);
    }
    return 0;
}

/* Server-side copy: the source body streamed into a new object, hashed on
 * the way (its etag is the md5 of the bytes), with the source's type. */
static int emb_copy(void *impl, const char *src_bucket, const char *src_key, const char *dst_bucket,
                    const char *dst_key, lh_objstore_meta_t *out, lh_err_t *err)
{
    emb_t *e = impl;
    lh_store_meta_t m;
    memset(&m, 0, sizeof m);
    int fd = -1;
    lh_store_writer_t *w = NULL;
    char etag[33], ct[128];
    int rc = lh_store_get(e->st, src_bucket, src_key, strlen(src_key), &m, &fd, err);
    if (rc == 0 && m.size > LH_OBJSTORE_COPY_MAX)
        rc = lh_err_set(err, LH_ETOOBIG, "cannot copy %s: %lld bytes is over the 5 GiB limit",
                        src_key, (long long)m.size);
    if (rc == 0) rc = lh_store_put_begin(e->st, dst_bucket, &w, err);
    if (rc == 0 && (rc = copy_fd(w, fd, m.size, etag, err)) != 0) lh_store_put_abort(w);
    if (rc == 0) {
        attrs_content_type(m.attrs, ct, sizeof ct);
        rc = commit_body(w, dst_key, etag, ct, NULL, err);
    }
    if (rc == 0) meta_fill(out, m.size, etag, ct);
    if (fd >= 0) close(fd);
    lh_store_meta_clear(&m);
    return rc;
}

/* --- list --- */

typedef struct list_ctx {
    int (*fn)(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *meta);
    void *arg;
    int stop;       /* fn's non-zero return */
    int left, done; /* entries still wanted (max_keys; 0 = all), reached */
    char key[LH_STORE_KEY_MAX + 1];
    char last_prefix[LH_STORE_KEY_MAX + 1]; /* a prefix is reported once across pages */
} list_ctx_t;

static int list_entry(const lh_store_list_entry_t *en, void *arg)
{
    list_ctx_t *c = arg;
    if (lh_str_copy(c->key, sizeof c->key, (lh_str_t){en->key, en->key_len}) != 0) return 0;
    if (en->is_prefix) {
        if (strcmp(c->key, c->last_prefix) == 0) return 0;
        memcpy(c->last_prefix, c->key, en->key_len + 1);
        c->stop = c->fn(c->arg, c->key, 1, NULL);
    } else {
        lh_objstore_meta_t m;
        memset(&m, 0, sizeof m);
        meta_from_store(en->meta, &m);
        c->stop = c->fn(c->arg, c->key, 0, &m);
    }
    if (c->stop == 0 && c->left > 0 && --c->left == 0) c->done = 1;
    return c->stop || c->done;
}

static int emb_list(void *impl, const char *bucket, const char *prefix, const char *delimiter,
                    const char *start_after, int max_keys,
                    int (*fn)(void *arg, const char *key, int is_prefix,
                              const lh_objstore_meta_t *meta),
                    void *arg, lh_err_t *err)
{
    emb_t *e = impl;
    list_ctx_t *c = calloc(1, sizeof *c);
    char *marker = calloc(2, LH_STORE_KEY_MAX + 2); /* start_after, then next_marker */
    int rc = c && marker ? 0 : lh_err_set(err, LH_ENOMEM, "cannot allocate listing state");
    size_t mlen = 0;
    if (rc) goto fail;
    c->fn = fn;
    c->arg = arg;
    c->left = max_keys;
    mlen = strlen(start_after);
    memcpy(marker, start_after, mlen);
    for (;;) {
        lh_store_list_opts_t o = {.prefix = prefix,
                                  .prefix_len = strlen(prefix),
                                  .delimiter = delimiter,
                                  .delimiter_len = delimiter ? strlen(delimiter) : 0,
                                  .start_after = marker,
                                  .start_after_len = mlen,
                                  .max_keys = 1000};
        int truncated = 0;
        size_t next_len = 0;
        char *next = marker + LH_STORE_KEY_MAX + 2;
        rc = lh_store_list(e->st, bucket, &o, list_entry, c, &truncated, next, &next_len, err);
        if (c->stop) {
            rc = c->stop;
            break;
        }
        if (c->done) { /* max_keys reached: fn was not stopped by the caller */
            rc = 0;
            break;
        }
        if (rc || !truncated) break;
        if (next_len == 0 || next_len > LH_STORE_KEY_MAX) {
            rc = lh_err_set(err, LH_EIO, "listing returned no continuation marker");
            break;
        }
        memcpy(marker, next, next_len);
        mlen = next_len;
    }
fail:
    free(c);
    free(marker);
    return rc;
}

/* --- multipart --- */

/* The upload must exist in bucket and belong to key. attrs (optional) gets
 * the upload's attrs (caller frees). */
static int upload_check(emb_t *e, const char *bucket, const char *key, const char *upload_id,
                        char **attrs, lh_err_t *err)
{
    lh_store_mpu_t u;
    memset(&u, 0, sizeof u);
    int rc = lh_store_mpu_get(e->st, bucket, upload_id, &u, err);
    if (rc == 0 && (u.key_len != strlen(key) || memcmp(u.key, key, u.key_len) != 0))
        rc = lh_err_set(err, LH_ENOENT, "no such upload %s for key %s", upload_id, key);
    if (rc == 0 && attrs) {
        *attrs = u.attrs;
        u.attrs = NULL;
    }
    lh_store_mpu_clear(&u);
    return rc;
}

static int emb_mpu_create(void *impl, const char *bucket, const char *key, const char *content_type,
                          char *upload_id, size_t cap, lh_err_t *err)
{
    emb_t *e = impl;
    char id[256] = {0};
    char *attrs = attrs_json(content_type);
    if (!attrs) return lh_err_set(err, LH_ENOMEM, "cannot build object attributes");
    int rc = lh_store_mpu_create(e->st, bucket, key, strlen(key), attrs, id, err);
    free(attrs);
    if (rc == 0 && lh_str_copy(upload_id, cap, (lh_str_t){id, strlen(id)}) != 0) {
        lh_err_t ignored = {0};
        lh_store_mpu_abort(e->st, bucket, id, &ignored);
        rc = lh_err_set(err, LH_ETOOBIG, "upload id buffer too small");
    }
    return rc;
}

static int emb_mpu_put_part(void *impl, const char *bucket, const char *key, const char *upload_id,
                            int part_number, const void *data, size_t n, char *etag_out,
                            lh_err_t *err)
{
    emb_t *e = impl;
    int rc = upload_check(e, bucket, key, upload_id, NULL, err);
    if (rc) return rc;
    unsigned char md5[16];
    char etag[33];
    lh_md5(data, n, md5);
    lh_hex(md5, 16, etag);
    lh_store_writer_t *w = NULL;
    rc = lh_store_part_begin(e->st, bucket, upload_id, &w, err);
    if (rc) return rc;
    if (n && (rc = lh_store_put_write(w, data, n, err)) != 0) {
        lh_store_put_abort(w);
        return rc;
    }
    rc = lh_store_part_commit(w, part_number, etag, NULL, err);
    if (rc == 0 && etag_out) memcpy(etag_out, etag, sizeof etag);
    return rc;
}

/* Compares a caller's etag (maybe quoted, any case) with a stored hex one. */
static int etag_eq(const char *given, const char *stored)
{
    size_t n = strlen(given);
    if (n >= 2 && given[0] == '"' && given[n - 1] == '"') {
        given++;
        n -= 2;
    }
    return n == strlen(stored) && strncasecmp(given, stored, n) == 0;
}

/* 32 hex digits -> 16 bytes; LH_EINVAL otherwise. */
static int hex16(const char *hex, unsigned char *raw)
{
    return lh_hex_decode((lh_str_t){hex, strlen(hex)}, raw, 16) == 16 ? 0 : LH_EINVAL;
}

/* Checks parts 1..nparts against the stored ones and computes the multipart
 * ETag (md5 of the raw part md5s, "-N") and the total size. */
static int parts_verify(const lh_store_part_t *p, int np, const char *const *etags, int nparts,
                        char *etag, int64_t *size, lh_err_t *err)
{
    lh_cksum_t ck;
    if (lh_cksum_init(&ck, LH_CK_MD5) != 0) return lh_err_set(err, LH_ENOMEM, "cannot start md5");
    int rc = 0, j = 0;
    *size = 0;
    for (int i = 0; i < nparts && rc == 0; i++) {
        while (j < np && p[j].part_number < i + 1)
            j++;
        unsigned char raw[16];
        if (j >= np || p[j].part_number != i + 1 || !etags[i] || !etag_eq(etags[i], p[j].etag))
            rc = lh_err_set(err, LH_EINVAL, "invalid part %d: missing or etag differs", i + 1);
        else if (i + 1 < nparts && p[j].size < LH_OBJSTORE_MIN_PART)
            rc = lh_err_set(err, LH_EINVAL, "part %d is smaller than the 5 MiB minimum", i + 1);
        else if (hex16(p[j].etag, raw) != 0)
            rc = lh_err_set(err, LH_ECORRUPT, "stored part %d has a bad etag", i + 1);
        if (rc) break;
        lh_cksum_update(&ck, raw, 16);
        *size += p[j].size;
    }
    unsigned char md5[32];
    lh_cksum_final(&ck, md5);
    lh_hex(md5, 16, etag);
    snprintf(etag + 32, 16, "-%d", nparts);
    return rc;
}

static int emb_mpu_complete(void *impl, const char *bucket, const char *key, const char *upload_id,
                            const char *const *etags, int nparts, lh_objstore_meta_t *out,
                            lh_err_t *err)
{
    emb_t *e = impl;
    char *attrs = NULL;
    lh_store_part_t *p = NULL;
    int np = 0, truncated = 0;
    int *numbers = NULL;
    int rc = upload_check(e, bucket, key, upload_id, &attrs, err);
    if (rc) goto fail;
    rc = lh_store_mpu_parts(e->st, bucket, upload_id, 0, 0, &p, &np, &truncated, err);
    if (rc) goto fail;
    lh_store_meta_t m;
    memset(&m, 0, sizeof m);
    rc = parts_verify(p, np, etags, nparts, m.etag, &m.size, err);
    if (rc) goto fail;
    numbers = malloc((size_t)nparts * sizeof *numbers);
    if (!numbers) {
        rc = lh_err_set(err, LH_ENOMEM, "cannot allocate part list");
        goto fail;
    }
    for (int i = 0; i < nparts; i++)
        numbers[i] = i + 1;
    m.attrs = attrs;
    rc = lh_store_mpu_complete(e->st, bucket, upload_id, numbers, nparts, &m, NULL, NULL, err);
    if (rc == 0 && out) {
        char ct[128];
        attrs_content_type(attrs, ct, sizeof ct);
        meta_fill(out, m.size, m.etag, ct);
    }
fail:
    free(numbers);
    free(attrs);
    if (p) lh_store_parts_free(p, np);
    return rc;
}

static int emb_mpu_abort(void *impl, const char *bucket, const char *key, const char *upload_id,
                         lh_err_t *err)
{
    emb_t *e = impl;
    int rc = upload_check(e, bucket, key, upload_id, NULL, err);
    return rc ? rc : lh_store_mpu_abort(e->st, bucket, upload_id, err);
}

static void emb_close(void *impl)
{
    free(impl);
}

static const lh_objstore_ops_t emb_ops = {
    .kind = "embedded",
    .close = emb_close,
    .bucket_create = emb_bucket_create,
    .get = emb_get,
    .put = emb_put,
    .put_fd = emb_put_fd,
    .head = emb_head,
    .del = emb_del,
    .list = emb_list,
    .copy = emb_copy,
    .delete_many = emb_delete_many,
    .mpu_create = emb_mpu_create,
    .mpu_put_part = emb_mpu_put_part,
    .mpu_complete = emb_mpu_complete,
    .mpu_abort = emb_mpu_abort,
};

int lh_objstore_open_embedded(lh_objstore_t **out, lh_store_t *st, const char *owner, lh_err_t *err)
{
    if (!st) return lh_err_set(err, LH_EINVAL, "no store");
    emb_t *e = calloc(1, sizeof *e);
    if (!e) return lh_err_set(err, LH_ENOMEM, "cannot allocate embedded object store");
    e->st = st;
    snprintf(e->owner, sizeof e->owner, "%s", owner && *owner ? owner : "root");
    return lh_objstore_wrap(out, &emb_ops, e, err);
}
