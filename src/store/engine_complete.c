/* CompleteMultipartUpload for the embedded store: concatenates the chosen
 * parts into a new body (copy_file_range, or read/write where the kernel or
 * file system cannot), makes it durable like a PUT, then publishes the object
 * (with its conditions), drops the upload and its part rows and records the
 * completed upload (for retries) in one index transaction. Part bodies and a
 * replaced object body are unlinked after. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/engine_int.h"

static int copy_rw(int src, int dst, int64_t *copied)
{
    char buf[65536];
    for (;;) {
        ssize_t r = read(src, buf, sizeof buf);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return r < 0 ? -1 : 0;
        for (ssize_t off = 0; off < r;) {
            ssize_t w = write(dst, buf + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) return -1;
            off += w;
        }
        *copied += r;
    }
}

/* Appends all of src to dst; *copied counts the bytes. -1 with errno. */
static int copy_all(int src, int dst, int64_t *copied)
{
    for (;;) {
        ssize_t r = copy_file_range(src, NULL, dst, NULL, 1 << 30, 0);
        if (r > 0) {
            *copied += r;
            continue;
        }
        if (r == 0) return 0;
        if (errno == EINTR) continue;
        if (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP ||
            errno == EBADF)
            return copy_rw(src, dst, copied);
        return -1;
    }
}

/* Copies part n of the upload (looked up on c) to the end of w. */
static int append_part(lh__conn_t *c, lh_store_writer_t *w, const char *upload_id, int n,
                       lh_err_t *err)
{
    char id[LH__ID_LEN + 1];
    sqlite3_stmt *s = lh__store_stmt(c, Q_PART_CUR, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, upload_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, n);
    int r = sqlite3_step(s);
    if (r != SQLITE_ROW) {
        sqlite3_reset(s);
        return r == SQLITE_DONE ? lh_err_set(err, LH_EINVAL, "no such part %d", n)
                                : lh__sql_err(c, err, "part lookup");
    }
    snprintf(id, sizeof id, "%s", (const char *)sqlite3_column_text(s, 0));
    int64_t want = sqlite3_column_int64(s, 1), got = 0;
    sqlite3_reset(s);
    int fd = lh__body_open(w->st, id);
    if (fd < 0)
        return lh_err_set(err, errno == ENOENT ? LH_ECONFLICT : LH_EIO, "cannot open part %d: %s",
                          n, strerror(errno));
    r = copy_all(fd, w->fd, &got);
    int e = errno;
    close(fd);
    w->size += got;
    if (r < 0) return lh_err_set(err, LH_EIO, "cannot copy part %d: %s", n, strerror(e));
    if (got != want)
        return lh_err_set(err, LH_ECORRUPT, "part %d has %lld bytes, expected %lld", n,
                          (long long)got, (long long)want);
    return 0;
}

/* Builds the body of the upload from the parts, on a reader connection. */
static int build_body(lh_store_t *st, const char *bucket, const char *upload_id, const int *parts,
                      int nparts, lh_store_writer_t **out, lh_err_t *err)
{
    lh__conn_t *c;
    lh_store_writer_t *w = NULL;
    if (nparts < 1) return lh_err_set(err, LH_EINVAL, "no parts to complete");
    int rc = lh__conn_get(st, &c, err);
    if (rc) return rc;
    rc = lh__writer_new(st, bucket, &w, err);
    for (int i = 0; !rc && i < nparts; i++)
        rc = append_part(c, w, upload_id, parts[i], err);
    lh__conn_put(st, c);
    if (rc) {
        lh__writer_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

typedef struct complete_op {
    lh_store_writer_t *w;
    const char *upload_id;
    lh_store_meta_t *meta;
    const lh_store_put_cond_t *cond;
    const char *record; /* kept for retries, or NULL */
    char old_id[LH__ID_LEN + 1];
    lh__ids_t ids;
} complete_op_t;

/* Remembers the completed upload (in the completion's transaction) and
 * prunes a few records past their time. */
static int remember(lh__conn_t *c, complete_op_t *p, const char *key, size_t klen, lh_err_t *err)
{
    int64_t now = lh__now_ns();
    sqlite3_stmt *s = lh__store_stmt(c, Q_DONE_PRUNE, err);
    if (!s) return LH_EIO;
    sqlite3_bind_int64(s, 1, now - LH_STORE_MPU_DONE_TTL_NS);
    if (sqlite3_step(s) != SQLITE_DONE || !(s = lh__store_stmt(c, Q_DONE_PUT, err)))
        return lh__sql_err(c, err, "completed upload prune");
    sqlite3_bind_text(s, 1, p->upload_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, p->w->bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 3, key, (int)klen, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, p->meta->etag, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, p->record, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, now);
    sqlite3_bind_text(s, 7, p->meta->version_id, -1, SQLITE_STATIC);
    int r = sqlite3_step(s);
    sqlite3_reset(s);
    return r == SQLITE_DONE ? 0 : lh__sql_err(c, err, "completed upload insert");
}

static int complete_fn(lh__conn_t *c, void *arg, lh_err_t *err)
{
    complete_op_t *p = arg;
    sqlite3_stmt *s = lh__store_stmt(c, Q_UP_GET, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, p->upload_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, p->w->bucket, -1, SQLITE_STATIC);
    int r = sqlite3_step(s);
    if (r != SQLITE_ROW)
        return r == SQLITE_DONE ? lh_err_set(err, LH_ENOENT, "no such upload")
                                : lh__sql_err(c, err, "upload lookup");
    /* The key and attrs stay valid until s is reset: copy the key. */
    size_t klen = (size_t)sqlite3_column_bytes(s, 0);
    char key[LH_STORE_KEY_MAX];
    memcpy(key, sqlite3_column_blob(s, 0), klen < sizeof key ? klen : sizeof key);
    const char *up_attrs = (const char *)sqlite3_column_text(s, 1);
    char *attrs = p->meta->attrs ? NULL : up_attrs ? strdup(up_attrs) : NULL;
    sqlite3_reset(s);
    int rc = lh__obj_upsert(c, p->w->bucket, key, klen, p->w->size, p->meta->etag,
                            p->meta->attrs ? p->meta->attrs : attrs, p->w->id, NULL, p->cond,
                            p->old_id, p->meta->version_id, err);
    free(attrs);
    if (!rc && p->record) rc = remember(c, p, key, klen, err);
    return rc ? rc : lh__upload_drop(c, p->upload_id, &p->ids, err);
}

int lh_store_mpu_complete(lh_store_t *st, const char *bucket, const char *upload_id,
                          const int *part_numbers, int nparts, lh_store_meta_t *meta,
                          const lh_store_put_cond_t *cond, const char *record, lh_err_t *err)
{
    lh_store_mpu_t u;
    complete_op_t p = {.upload_id = upload_id, .meta = meta, .cond = cond, .record = record};
    meta->version_id[0] = 0;
    int rc = lh_store_mpu_get(st, bucket, upload_id, &u, err); /* fail early when unknown */
    lh_store_mpu_clear(&u);
    if (!rc) rc = build_body(st, bucket, upload_id, part_numbers, nparts, &p.w, err);
    if (rc) return rc;
    if (!(rc = lh__body_publish(p.w, err))) {
        rc = lh__publish_exec(st, p.w->id, complete_fn, &p, err);
        if (rc) {
            lh__body_unlink(st, p.w->id);
        } else {
            lh_store_crash_point("after_index");
            lh__body_unlink(st, p.old_id);
        }
    }
    if (rc) meta->version_id[0] = 0;
    lh__ids_done(st, &p.ids, rc == 0);
    lh__writer_free(p.w);
    return rc;
}

void lh_store_mpu_done_clear(lh_store_mpu_done_t *d)
{
    if (!d) return;
    free(d->key);
    free(d->record);
    d->key = d->record = NULL;
}

int lh_store_mpu_done_get(lh_store_t *st, const char *bucket, const char *upload_id,
                          lh_store_mpu_done_t *out, lh_err_t *err)
{
    lh__conn_t *c;
    memset(out, 0, sizeof *out);
    int rc = lh__conn_get(st, &c, err);
    if (rc) return rc;
    sqlite3_stmt *s = lh__store_stmt(c, Q_DONE_GET, err);
    int r = s ? SQLITE_ROW : SQLITE_ERROR;
    if (s) {
        sqlite3_bind_text(s, 1, upload_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, bucket, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, lh__now_ns() - LH_STORE_MPU_DONE_TTL_NS);
        r = sqlite3_step(s);
    }
    if (r == SQLITE_ROW) {
        int klen = sqlite3_column_bytes(s, 0);
        const char *etag = (const char *)sqlite3_column_text(s, 1);
        const char *record = (const char *)sqlite3_column_text(s, 2);
        out->key = malloc((size_t)klen + 1);
        out->record = strdup(record ? record : "");
        if (out->key && out->record) {
            if (klen) memcpy(out->key, sqlite3_column_blob(s, 0), (size_t)klen);
            out->key[klen] = 0;
            out->key_len = (size_t)klen;
            snprintf(out->etag, sizeof out->etag, "%s", etag ? etag : "");
            out->completed_ns = sqlite3_column_int64(s, 3);
            const char *vid = (const char *)sqlite3_column_text(s, 4);
            snprintf(out->version_id, sizeof out->version_id, "%s", vid ? vid : "");
        } else {
            lh_store_mpu_done_clear(out);
            rc = lh_err_set(err, LH_ENOMEM, "out of memory");
        }
    } else if (r == SQLITE_DONE) {
        rc = lh_err_set(err, LH_ENOENT, "no such upload");
    } else {
        rc = s ? lh__sql_err(c, err, "completed upload lookup") : LH_EIO;
    }
    lh__conn_put(st, c);
    return rc;
}
