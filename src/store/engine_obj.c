/* Objects of the embedded store: writers that stream a body into tmp/, the
 * durable publish (fdatasync, rename into data/xx/, batched directory fsync,
 * then the index row with its conditions in a group commit), and head, get
 * and delete. A replaced or deleted body is unlinked only after the index
 * commit, so readers holding its fd keep reading it. Small objects are
 * inline: an object writer keeps its bytes in memory while they fit the
 * store's inline limit and commits them into the index row itself (no body
 * file, the index commit is the only flush); it spills to a tmp/ file as
 * soon as the body outgrows the limit. Reading an inline object hands out a
 * memfd holding its bytes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/str.h"
#include "store/engine_int.h"

void lh_store_meta_clear(lh_store_meta_t *m)
{
    if (!m) return;
    free(m->attrs);
    m->attrs = NULL;
}

void lh__meta_from_row(sqlite3_stmt *s, int col, lh_store_meta_t *m, int copy_attrs)
{
    m->size = sqlite3_column_int64(s, col);
    m->mtime_ns = sqlite3_column_int64(s, col + 1);
    const char *etag = (const char *)sqlite3_column_text(s, col + 2);
    snprintf(m->etag, sizeof m->etag, "%s", etag ? etag : "");
    const char *attrs = (const char *)sqlite3_column_text(s, col + 3);
    m->attrs = !attrs ? NULL : copy_attrs ? strdup(attrs) : (char *)attrs;
    m->version_id[0] = 0;
    m->delete_marker = 0;
}

int lh__ids_add(lh__ids_t *l, const char *id, lh_err_t *err)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        void *v = realloc(l->v, cap * sizeof *l->v);
        if (!v) return lh_err_set(err, LH_ENOMEM, "out of memory");
        l->v = v;
        l->cap = cap;
    }
    snprintf(l->v[l->n++], sizeof l->v[0], "%s", id);
    return 0;
}

void lh__ids_done(lh_store_t *st, lh__ids_t *l, int unlink)
{
    for (size_t i = 0; unlink && i < l->n; i++)
        lh__body_unlink(st, l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* --- bodies --- */

void lh__body_path(const char *id, char *out)
{
    snprintf(out, 48, "data/%.2s/%s", id, id);
}

void lh__body_unlink(lh_store_t *st, const char *id)
{
    char path[48];
    if (!id[0]) return;
    lh__body_path(id, path);
    unlinkat(st->root_fd, path, 0);
}

int lh__body_open(lh_store_t *st, const char *id)
{
    char path[48];
    lh__body_path(id, path);
    return openat(st->root_fd, path, O_RDONLY | O_CLOEXEC);
}

static lh_store_writer_t *writer_alloc(lh_store_t *st, const char *bucket)
{
    lh_store_writer_t *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->st = st;
    w->fd = w->dio.fd = -1;
    snprintf(w->bucket, sizeof w->bucket, "%s", bucket);
    lh__random_hex(w->id, LH__ID_LEN / 2);
    snprintf(w->tmp, sizeof w->tmp, "tmp/%s", w->id);
    return w;
}

/* Creates w's tmp file. */
static int writer_open_tmp(lh_store_writer_t *w, lh_err_t *err)
{
    w->fd = openat(w->st->root_fd, w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (w->fd < 0)
        return lh_err_set(err, LH_EIO, "cannot create body in %s/tmp: %s", w->st->root,
                          strerror(errno));
    return 0;
}

int lh__writer_new(lh_store_t *st, const char *bucket, lh_store_writer_t **out, lh_err_t *err)
{
    lh_store_writer_t *w = writer_alloc(st, bucket);
    if (!w) return lh_err_set(err, LH_ENOMEM, "out of memory");
    int rc = writer_open_tmp(w, err);
    if (rc) {
        free(w);
        return rc;
    }
    *out = w;
    return 0;
}

/* Closes and frees w; its tmp file (if still there) is removed. */
void lh__writer_free(lh_store_writer_t *w)
{
    if (!w) return;
    if (w->fd >= 0) {
        close(w->fd);
        unlinkat(w->st->root_fd, w->tmp, 0);
    }
    lh_dio_free(&w->dio);
    free(w->mem);
    free(w);
}

static int write_all(int fd, const void *data, size_t n, lh_err_t *err)
{
    const char *p = data;
    while (n > 0) {
        ssize_t r = write(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0)
            return lh_err_set(err, LH_EIO, "cannot write body: %s",
                              r < 0 ? strerror(errno) : "no progress");
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Appends n bytes to w's tmp file: staged, and written by direct I/O in
 * whole blocks where the file system has it (core/dio.h: a body is written
 * once and read later, and a fresh page-cache page per 4 KiB is the
 * costliest part of a write on a virtual machine); the rest goes out in
 * lh__body_publish. */
static int body_write(lh_store_writer_t *w, const void *data, size_t n, lh_err_t *err)
{
    if (w->dio.fd < 0) lh_dio_init(&w->dio, w->fd);
    if (lh_dio_write(&w->dio, data, n))
        return lh_err_set(err, errno == ENOMEM ? LH_ENOMEM : LH_EIO, "cannot write body: %s",
                          strerror(errno));
    return 0;
}

/* The body outgrew the inline limit: move it to a tmp file. */
static int writer_spill(lh_store_writer_t *w, lh_err_t *err)
{
    int rc = writer_open_tmp(w, err);
    if (!rc && (rc = body_write(w, w->mem, (size_t)w->size, err))) {
        close(w->fd); /* stay in memory; a retry starts a fresh file */
        unlinkat(w->st->root_fd, w->tmp, 0);
        w->fd = -1;
        lh_dio_free(&w->dio);
        w->dio.fd = -1;
    }
    if (rc) return rc;
    free(w->mem);
    w->mem = NULL;
    w->mem_cap = 0;
    w->in_mem = 0;
    return 0;
}

/* Appends to the in-memory body (the caller checked the limit). */
static int mem_append(lh_store_writer_t *w, const void *data, size_t n, lh_err_t *err)
{
    size_t need = (size_t)w->size + n;
    if (need > w->mem_cap) {
        size_t cap = w->mem_cap ? w->mem_cap : 4096;
        while (cap < need)
            cap *= 2;
        if (cap > w->inline_max) cap = w->inline_max;
        unsigned char *m = realloc(w->mem, cap);
        if (!m) return lh_err_set(err, LH_ENOMEM, "out of memory");
        w->mem = m;
        w->mem_cap = cap;
    }
    if (n) memcpy(w->mem + w->size, data, n);
    w->size += (int64_t)n;
    return 0;
}

int lh__inline_fd(const void *data, size_t n)
{
    int fd = memfd_create("lh-inline", MFD_CLOEXEC);
    if (fd < 0) return -1;
    if (write_all(fd, data, n, NULL) < 0 || lseek(fd, 0, SEEK_SET) != 0) {
        int e = errno;
        close(fd);
        errno = e ? e : EIO;
        return -1;
    }
    return fd;
}

/* data/<shard>/ on the first body that goes there (a fresh store makes none
 * of the 256: their mkdirs were most of a first start), and data/ synced
 * before the body's rename is, so the directory outlives a crash as the
 * body does. */
static int make_shard(lh_store_t *st, const char *shard_hex)
{
    char sub[16];
    snprintf(sub, sizeof sub, "data/%.2s", shard_hex);
    if (mkdirat(st->root_fd, sub, 0700) < 0 && errno != EEXIST) return -1;
    return lh__fsync_dir_at(st->root_fd, "data");
}

int lh__body_publish(lh_store_writer_t *w, lh_err_t *err)
{
    lh_store_t *st = w->st;
    char dst[48], shard_hex[3];
    unsigned char shard =
        (unsigned char)(__atomic_fetch_add(&st->s_seq, 1, __ATOMIC_RELAXED) / 1024 % 256);
    lh_hex(&shard, 1, shard_hex);
    memcpy(w->id, shard_hex, 2);
    lh__body_path(w->id, dst);
    if (w->dio.fd >= 0 && lh_dio_flush(&w->dio, true))
        return lh_err_set(err, LH_EIO, "cannot write body: %s", strerror(errno));
    lh_store_crash_point("after_write");
    if (fdatasync(w->fd) < 0)
        return lh_err_set(err, LH_EIO, "cannot sync body: %s", strerror(errno));
    lh_store_crash_point("after_fsync");
    if (renameat(st->root_fd, w->tmp, st->root_fd, dst) < 0 &&
        (errno != ENOENT || make_shard(st, shard_hex) < 0 ||
         renameat(st->root_fd, w->tmp, st->root_fd, dst) < 0))
        return lh_err_set(err, LH_EIO, "cannot publish body: %s", strerror(errno));
    close(w->fd);
    w->fd = -1; /* from here on the body lives in data/ */
    lh_store_crash_point("after_rename");
    return 0;
}

/* --- writing --- */

int lh_store_put_begin(lh_store_t *st, const char *bucket, lh_store_writer_t **out, lh_err_t *err)
{
    lh__conn_t *c;
    int rc = lh__conn_get(st, &c, err);
    if (rc) return rc;
    rc = lh__bucket_check(c, bucket, err);
    lh__conn_put(st, c);
    size_t max = __atomic_load_n(&st->inline_max, __ATOMIC_RELAXED);
    if (rc || !max) return rc ? rc : lh__writer_new(st, bucket, out, err);
    lh_store_writer_t *w = writer_alloc(st, bucket); /* in memory until it outgrows max */
    if (!w) return lh_err_set(err, LH_ENOMEM, "out of memory");
    w->inline_max = max;
    w->in_mem = 1;
    *out = w;
    return 0;
}

int lh_store_put_begin_mem(lh_store_t *st, const char *bucket, size_t size, lh_store_writer_t **out)
{
    size_t max = __atomic_load_n(&st->inline_max, __ATOMIC_RELAXED);
    if (size > max || strlen(bucket) >= sizeof(*out)->bucket) return LH_ETOOBIG;
    lh_store_writer_t *w = writer_alloc(st, bucket);
    if (!w) return LH_ENOMEM;
    w->inline_max = size;
    w->in_mem = w->mem_only = 1;
    *out = w;
    return 0;
}

int lh_store_put_write(lh_store_writer_t *w, const void *data, size_t n, lh_err_t *err)
{
    if (w->in_mem) {
        if (n <= w->inline_max - (size_t)w->size) return mem_append(w, data, n, err);
        if (w->mem_only) return lh_err_set(err, LH_ETOOBIG, "body longer than announced");
        int rc = writer_spill(w, err);
        if (rc) return rc;
    }
    int rc = body_write(w, data, n, err);
    if (!rc) w->size += (int64_t)n;
    return rc;
}

void lh_store_put_abort(lh_store_writer_t *w)
{
    lh__writer_free(w);
}

int64_t lh_store_writer_size(const lh_store_writer_t *w)
{
    return w->size;
}

int lh__obj_upsert(lh__conn_t *c, const char *bucket, const char *key, size_t keylen, int64_t size,
                   const char *etag, const char *attrs, const char *id, const void *data,
                   const lh_store_put_cond_t *cond, char *old_id, char *version_out, lh_err_t *err)
{
    lh__cur_t cur;
    char vid[LH_STORE_VERSION_ID_SIZE] = "null";
    int versioning;
    old_id[0] = 0;
    int rc = lh__bucket_versioning(c, bucket, &versioning, err);
    if (!rc) rc = lh__cur_get(c, bucket, key, keylen, &cur, err);
    if (rc) return rc;
    if (cond && cond->if_none_match_any && cur.exists)
        return lh_err_set(err, LH_EPRECOND, "key already exists");
    if (cond && cond->if_match && (!cur.exists || strcmp(cur.etag, cond->if_match)))
        return lh_err_set(err, LH_EPRECOND, cur.exists ? "etag does not match" : "no such key");
    if (versioning == LH_VERSIONING_OFF) /* the unversioned path: replace the row */
        snprintf(old_id, LH__ID_LEN + 1, "%s", cur.exists ? cur.data_id : "");
    else if ((rc = lh__ver_make_room(c, bucket, key, keylen, versioning, &cur, old_id, vid, err)))
        return rc;
    lh__cache_obj_begin(c->st, bucket, key, keylen);
    sqlite3_stmt *s = lh__store_stmt(c, Q_OBJ_PUT, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, key, (int)keylen, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, size);
    sqlite3_bind_int64(s, 4, lh__now_ns());
    sqlite3_bind_text(s, 5, etag, -1, SQLITE_STATIC);
    if (attrs) sqlite3_bind_text(s, 6, attrs, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, data ? "" : id, -1, SQLITE_STATIC);
    if (data) /* a zero-length blob, not NULL, for an empty object */
        sqlite3_bind_blob64(s, 8, size ? data : "", (sqlite3_uint64)size, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, vid, -1, SQLITE_STATIC);
    int r = sqlite3_step(s);
    sqlite3_reset(s);
    if (r != SQLITE_DONE) return lh__sql_err(c, err, "object insert");
    if (version_out)
        snprintf(version_out, LH_STORE_VERSION_ID_SIZE, "%s",
                 versioning == LH_VERSIONING_OFF ? "" : vid);
    return 0;
}

typedef struct put_op {
    lh_store_writer_t *w;
    const char *key;
    size_t keylen;
    const lh_store_meta_t *meta;
    const lh_store_put_cond_t *cond;
    char old_id[LH__ID_LEN + 1];
    char version_id[LH_STORE_VERSION_ID_SIZE];
} put_op_t;

static int put_fn(lh__conn_t *c, void *arg, lh_err_t *err)
{
    put_op_t *p = arg;
    const void *data = p->w->in_mem ? (p->w->mem ? (const void *)p->w->mem : "") : NULL;
    return lh__obj_upsert(c, p->w->bucket, p->key, p->keylen, p->w->size, p->meta->etag,
                          p->meta->attrs, p->w->id, data, p->cond, p->old_id, p->version_id, err);
}

static int check_key(size_t keylen, lh_err_t *err)
{
    if (keylen == 0) return lh_err_set(err, LH_EINVAL, "empty key");
    if (keylen > LH_STORE_KEY_MAX)
        return lh_err_set(err, LH_ETOOBIG, "key longer than %d bytes", LH_STORE_KEY_MAX);
    return 0;
}

/* Commits an in-memory writer into its index row. The crash points of a
 * file-backed publish fire in the same order, all before the transaction. */
static int inline_commit(put_op_t *op, lh_err_t *err)
{
    static const char *const before[] = {"after_write", "after_fsync", "after_rename",
                                         "after_dirsync"};
    lh_store_writer_t *w = op->w;
    for (size_t i = 0; i < sizeof before / sizeof before[0]; i++)
        lh_store_crash_point(before[i]);
    int rc = lh__index_exec(w->st, put_fn, op, err);
    if (!rc) {
        lh_store_crash_point("after_index");
        lh__body_unlink(w->st, op->old_id); /* a replaced file-backed body */
    }
    lh__writer_free(w);
    return rc;
}

int lh_store_put_commit(lh_store_writer_t *w, const char *key, size_t keylen, lh_store_meta_t *meta,
                        const lh_store_put_cond_t *cond, lh_err_t *err)
{
    put_op_t op = {.w = w, .key = key, .keylen = keylen, .meta = meta, .cond = cond};
    int rc = check_key(keylen, err);
    meta->version_id[0] = 0;
    if (!rc && w->in_mem) { /* inline: the index commit is the only flush */
        rc = inline_commit(&op, err);
        if (!rc) memcpy(meta->version_id, op.version_id, sizeof op.version_id);
        return rc;
    }
    if (!rc) rc = lh__body_publish(w, err);
    if (!rc) {
        rc = lh__publish_exec(w->st, w->id, put_fn, &op, err);
        if (rc)
            lh__body_unlink(w->st, w->id);
        else
            lh_store_crash_point("after_index");
    }
    if (!rc) {
        lh__body_unlink(w->st, op.old_id);
        memcpy(meta->version_id, op.version_id, sizeof op.version_id);
    }
    lh__writer_free(w);
    return rc;
}

/* An asynchronous inline commit: the operation, its writer and copies of
 * what the caller passed, alive until the completion. */
typedef struct put_async {
    lh__op_t op;
    put_op_t p;
    lh_store_meta_t meta;
    lh_store_put_cond_t cond;
    char if_match[80];
    void (*done)(void *arg, int rc, const lh_err_t *err, const char *version_id);
    void *arg;
    char key[];
} put_async_t;

static void put_async_complete(lh__op_t *op)
{
    put_async_t *a = (put_async_t *)op;
    lh_store_writer_t *w = a->p.w;
    if (op->rc == 0) {
        lh_store_crash_point("after_index");
        lh__body_unlink(w->st, a->p.old_id); /* a replaced file-backed body */
    }
    lh__writer_free(w);
    a->done(a->arg, op->rc, &op->err, op->rc ? "" : a->p.version_id);
    free(a->meta.attrs);
    free(a);
}

int lh_store_put_commit_async(lh_store_writer_t *w, const char *key, size_t keylen,
                              const lh_store_meta_t *meta, const lh_store_put_cond_t *cond,
                              void (*done)(void *arg, int rc, const lh_err_t *err,
                                           const char *version_id),
                              void *arg)
{
    static const char *const before[] = {"after_write", "after_fsync", "after_rename",
                                         "after_dirsync"};
    lh_err_t e = {0};
    put_async_t *a = NULL;
    int rc = w->in_mem && w->mem_only ? check_key(keylen, &e) : LH_EINVAL;
    if (!rc && !(a = calloc(1, sizeof *a + keylen))) rc = LH_ENOMEM;
    if (!rc && meta->attrs && !(a->meta.attrs = strdup(meta->attrs))) rc = LH_ENOMEM;
    if (rc) {
        if (a) free(a);
        lh__writer_free(w);
        return rc;
    }
    memcpy(a->key, key, keylen);
    snprintf(a->meta.etag, sizeof a->meta.etag, "%s", meta->etag);
    if (cond) {
        a->cond = *cond;
        if (cond->if_match) {
            snprintf(a->if_match, sizeof a->if_match, "%s", cond->if_match);
            a->cond.if_match = a->if_match;
        }
    }
    a->p = (put_op_t){
        .w = w, .key = a->key, .keylen = keylen, .meta = &a->meta, .cond = cond ? &a->cond : NULL};
    a->op = (lh__op_t){.fn = put_fn, .arg = &a->p, .complete = put_async_complete};
    a->done = done;
    a->arg = arg;
    for (size_t i = 0; i < sizeof before / sizeof before[0]; i++)
        lh_store_crash_point(before[i]);
    lh__index_submit(w->st, &a->op);
    return 0;
}

/* --- reading --- */

/* Looks key up on c; fills out and id. LH_ENOENT says which is missing.
 * An inline object's bytes (id is then "") are appended to body when given,
 * else come back as a memfd in *fd when fd is given; either way they fill
 * the read cache. */
static int lookup(lh__conn_t *c, const char *bucket, const char *key, size_t keylen,
                  lh_store_meta_t *out, char *id, int *fd, lh_buf_t *body, lh_err_t *err)
{
    uint64_t ticket = fd || body ? lh__cache_obj_ticket(c->st, bucket, key, keylen) : 0;
    sqlite3_stmt *s = lh__store_stmt(c, Q_OBJ_GET, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, key, (int)keylen, SQLITE_STATIC);
    int r = sqlite3_step(s);
    if (r == SQLITE_DONE) {
        int rc = lh__bucket_check(c, bucket, err);
        return rc ? rc : lh_err_set(err, LH_ENOENT, "no such key");
    }
    if (r != SQLITE_ROW) return lh__sql_err(c, err, "object lookup");
    lh__meta_from_row(s, 0, out, 1);
    const char *vid = (const char *)sqlite3_column_text(s, 6);
    snprintf(out->version_id, sizeof out->version_id, "%s", vid ? vid : "null");
    const char *data_id = (const char *)sqlite3_column_text(s, 4);
    if (id) snprintf(id, LH__ID_LEN + 1, "%s", data_id ? data_id : "");
    int rc = 0;
    if ((fd || body) && (!data_id || !data_id[0])) { /* inline */
        const void *b = sqlite3_column_blob(s, 5);
        size_t n = (size_t)sqlite3_column_bytes(s, 5);
        if (n != (size_t)out->size)
            rc = lh_err_set(err, LH_ECORRUPT, "inline body has %zu bytes, expected %lld", n,
                            (long long)out->size);
        else if (body)
            rc = lh_buf_append(body, b, n) ? lh_err_set(err, LH_ENOMEM, "out of memory") : 0;
        else if ((*fd = lh__inline_fd(b, n)) < 0)
            rc = lh_err_set(err, LH_EIO, "cannot hold inline body: %s", strerror(errno));
        if (!rc) lh__cache_obj_fill(c->st, ticket, bucket, key, keylen, out, b);
    }
    sqlite3_reset(s);
    return rc;
}

int lh_store_head(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                  lh_store_meta_t *out, lh_err_t *err)
{
    lh__conn_t *c;
    if (lh_store_cached_get(st, bucket, key, keylen, out, NULL) == 0) return 0;
    int rc = lh__conn_get(st, &c, err);
    if (rc) return rc;
    rc = lookup(c, bucket, key, keylen, out, NULL, NULL, NULL, err);
    lh__conn_put(st, c);
    return rc;
}

/* lh_store_get and lh_store_get_mem: an inline body into body (when given)
 * or a memfd, a file-backed one opened. */
static int get_body(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                    lh_store_meta_t *out, int *fd, lh_buf_t *body, lh_err_t *err)
{
    lh__conn_t *c;
    char id[LH__ID_LEN + 1];
    memset(out, 0, sizeof *out);
    *fd = -1;
    int rc = lh__conn_get(st, &c, err);
    if (rc) return rc;
    /* An overwrite may unlink the body between the lookup and the open: look
     * again, the new row names the new body. */
    for (int tries = 0; tries < 16; tries++) {
        lh_store_meta_clear(out);
        if ((rc = lookup(c, bucket, key, keylen, out, id, body ? NULL : fd, body, err)) ||
            *fd >= 0 || !id[0])
            break; /* an error, or an inline body */
        *fd = lh__body_open(st, id);
        if (*fd >= 0 || errno != ENOENT) break;
    }
    lh__conn_put(st, c);
    if (!rc && *fd < 0 && id[0])
        rc = lh_err_set(err, LH_EIO, "cannot open body of key: %s", strerror(errno));
    if (rc) lh_store_meta_clear(out);
    return rc;
}

int lh_store_get(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                 lh_store_meta_t *out, int *fd, lh_err_t *err)
{
    return get_body(st, bucket, key, keylen, out, fd, NULL, err);
}

int lh_store_get_mem(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                     lh_store_meta_t *out, int *fd, lh_buf_t *body, lh_err_t *err)
{
    *fd = -1;
    int rc = lh_store_cached_get(st, bucket, key, keylen, out, body);
    if (rc != LH_ENOENT) return rc ? lh_err_set(err, rc, "out of memory") : 0;
    return get_body(st, bucket, key, keylen, out, fd, body, err);
}

int lh_store_delete(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                    lh_err_t *err)
{
    lh_store_del_t d = {0};
    return lh_store_delete_version(st, bucket, key, keylen, &d, err);
}
