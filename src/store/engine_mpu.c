/* Multipart uploads of the embedded store. Parts are bodies like any other
 * (tmp/ -> fsync -> data/xx/<id>, batched directory fsync) recorded in the
 * parts table; completing concatenates the chosen parts into one new body
 * (copy_file_range, falling back to read/write), publishes it like a PUT and,
 * in the same transaction, drops the upload and its parts; their bodies are
 * unlinked after the commit. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/engine_int.h"

#define UPLOAD_ID_BYTES 20 /* 40 hex chars */

void lh_store_mpu_clear(lh_store_mpu_t *u)
{
    if (!u) return;
    free(u->key);
    free(u->attrs);
    u->key = u->attrs = NULL;
}

void lh_store_parts_free(lh_store_part_t *p, int n)
{
    for (int i = 0; p && i < n; i++)
        free(p[i].attrs);
    free(p);
}

/* Finds the upload on c: 0 (s is left on the row, caller resets),
 * LH_ENOENT "no such bucket" / "no such upload", or LH_EIO. */
static int upload_row(lh__conn_t *c, const char *bucket, const char *upload_id, sqlite3_stmt **out,
                      lh_err_t *err)
{
    sqlite3_stmt *s = lh__store_stmt(c, Q_UP_GET, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, upload_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, bucket, -1, SQLITE_STATIC);
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW) {
        *out = s;
        return 0;
    }
    sqlite3_reset(s);
    if (r != SQLITE_DONE) return lh__sql_err(c, err, "upload lookup");
    int rc = lh__bucket_check(c, bucket, err);
    return rc ? rc : lh_err_set(err, LH_ENOENT, "no such upload");
}

static int info_from_row(sqlite3_stmt *s, int col, lh_store_mpu_t *u, lh_err_t *err)
{
    const void *key = sqlite3_column_blob(s, col);
    int klen = sqlite3_column_bytes(s, col);
    const char *attrs = (const char *)sqlite3_column_text(s, col + 1);
    u->key = malloc((size_t)klen + 1);
    u->attrs = attrs ? strdup(attrs) : NULL;
    if (!u->key || (attrs && !u->attrs)) {
        lh_store_mpu_clear(u);
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    if (klen) memcpy(u->key, key, (size_t)klen);
    u->key[klen] = 0;
    u->key_len = (size_t)klen;
    u->created_ns = sqlite3_column_int64(s, col + 2);
    return 0;
}

int lh__upload_drop(lh__conn_t *c, const char *upload_id, lh__ids_t *ids, lh_err_t *err)
{
    sqlite3_stmt *s = lh__store_stmt(c, Q_PART_IDS, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, upload_id, -1, SQLITE_STATIC);
    int r, rc = 0;
    while (!rc && (r = sqlite3_step(s)) == SQLITE_ROW)
        rc = lh__ids_add(ids, (const char *)sqlite3_column_text(s, 0), err);
    sqlite3_reset(s);
    if (rc) return rc;
    static const int dels[] = {Q_PART_DELETE_ALL, Q_UP_DELETE};
    for (size_t i = 0; i < sizeof dels / sizeof dels[0]; i++) {
        if (!(s = lh__store_stmt(c, dels[i], err))) return LH_EIO;
        sqlite3_bind_text(s, 1, upload_id, -1, SQLITE_STATIC);
        r = sqlite3_step(s);
        sqlite3_reset(s);
        if (r != SQLITE_DONE) return lh__sql_err(c, err, "upload delete");
    }
    return 0;
}

/* --- create / get / abort --- */

typedef struct mpu_op {
    const char *bucket, *upload_id, *key, *attrs;
    size_t keylen;
    lh__ids_t ids;
} mpu_op_t;

static int create_fn(lh__conn_t *c, void *arg, lh_err_t *err)
{
    mpu_op_t *m = arg;
    int rc = lh__bucket_check(c, m->bucket, err);
    sqlite3_stmt *s = rc ? NULL : lh__store_stmt(c, Q_UP_INSERT, err);
    if (!s) return rc ? rc : LH_EIO;
    sqlite3_bind_text(s, 1, m->upload_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, m->bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 3, m->key, (int)m->keylen, SQLITE_STATIC);
    if (m->attrs) sqlite3_bind_text(s, 4, m->attrs, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, lh__now_ns());
    return sqlite3_step(s) == SQLITE_DONE ? 0 : lh__sql_err(c, err, "upload insert");
}

int lh_store_mpu_create(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                        const char *attrs, char *upload_id, lh_err_t *err)
{
    if (keylen == 0 || keylen > LH_STORE_KEY_MAX)
        return lh_err_set(err, keylen ? LH_ETOOBIG : LH_EINVAL, "key empty or too long");
    char id[2 * UPLOAD_ID_BYTES + 1];
    lh__random_hex(id, UPLOAD_ID_BYTES);
    mpu_op_t m = {.bucket = bucket, .upload_id = id, .key = key, .keylen = keylen, .attrs = attrs};
    int rc = lh__index_exec(st, create_fn, &m, err);
    if (!rc) memcpy(upload_id, id, sizeof id);
    return rc;
}

int lh_store_mpu_get(lh_store_t *st, const char *bucket, const char *upload_id, lh_store_mpu_t *out,
                     lh_err_t *err)
{
    lh__conn_t *c;
    sqlite3_stmt *s;
    memset(out, 0, sizeof *out);
    int rc = lh__conn_get(st, &c, err);
    if (rc) return rc;
    rc = upload_row(c, bucket, upload_id, &s, err);
    if (!rc) {
        snprintf(out->upload_id, sizeof out->upload_id, "%s", upload_id);
        rc = info_from_row(s, 0, out, err);
    }
    lh__conn_put(st, c);
    return rc;
}

static int abort_fn(lh__conn_t *c, void *arg, lh_err_t *err)
{
    mpu_op_t *m = arg;
    sqlite3_stmt *s;
    int rc = upload_row(c, m->bucket, m->upload_id, &s, err);
    if (rc) return rc;
    sqlite3_reset(s);
    return lh__upload_drop(c, m->upload_id, &m->ids, err);
}

int lh_store_mpu_abort(lh_store_t *st, const char *bucket, const char *upload_id, lh_err_t *err)
{
    mpu_op_t m = {.bucket = bucket, .upload_id = upload_id};
    int rc = lh__index_exec(st, abort_fn, &m, err);
    lh__ids_done(st, &m.ids, rc == 0);
    return rc;
}

/* --- parts --- */

int lh_store_part_begin(lh_store_t *st, const char *bucket, const char *upload_id,
                        lh_store_writer_t **out, lh_err_t *err)
{
    lh__conn_t *c;
    sqlite3_stmt *s;
    if (strlen(upload_id) >= sizeof((lh_store_writer_t *)0)->upload_id)
        return lh_err_set(err, LH_ENOENT, "no such upload");
    int rc = lh__conn_get(st, &c, err);
    if (rc) return rc;
    rc = upload_row(c, bucket, upload_id, &s, err);
    lh__conn_put(st, c);
    if (!rc && !(rc = lh__writer_new(st, bucket, out, err)))
        snprintf((*out)->upload_id, sizeof(*out)->upload_id, "%s", upload_id);
    return rc;
}

typedef struct part_op {
    lh_store_writer_t *w;
    int part_number;
    const char *etag, *attrs;
    char old_id[LH__ID_LEN + 1];
} part_op_t;

static int part_fn(lh__conn_t *c, void *arg, lh_err_t *err)
{
    part_op_t *p = arg;
    sqlite3_stmt *s;
    int rc = upload_row(c, p->w->bucket, p->w->upload_id, &s, err);
    if (rc || !(s = lh__store_stmt(c, Q_PART_CUR, err))) return rc ? rc : LH_EIO;
    sqlite3_bind_text(s, 1, p->w->upload_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, p->part_number);
    if (sqlite3_step(s) == SQLITE_ROW)
        snprintf(p->old_id, sizeof p->old_id, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_reset(s);
    if (!(s = lh__store_stmt(c, Q_PART_PUT, err))) return LH_EIO;
    sqlite3_bind_text(s, 1, p->w->upload_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, p->part_number);
    sqlite3_bind_int64(s, 3, p->w->size);
    sqlite3_bind_text(s, 4, p->etag ? p->etag : "", -1, SQLITE_STATIC);
    if (p->attrs) sqlite3_bind_text(s, 5, p->attrs, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, p->w->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, lh__now_ns());
    return sqlite3_step(s) == SQLITE_DONE ? 0 : lh__sql_err(c, err, "part insert");
}

int lh_store_part_commit(lh_store_writer_t *w, int part_number, const char *etag, const char *attrs,
                         lh_err_t *err)
{
    part_op_t p = {.w = w, .part_number = part_number, .etag = etag, .attrs = attrs};
    int rc = 0;
    if (part_number < 1 || part_number > 10000)
        rc = lh_err_set(err, LH_EINVAL, "part number %d out of range 1..10000", part_number);
    if (!rc && !(rc = lh__body_publish(w, err))) {
        rc = lh__publish_exec(w->st, w->id, part_fn, &p, err);
        lh__body_unlink(w->st, rc ? w->id : p.old_id);
    }
    lh__writer_free(w);
    return rc;
}

static int parts_collect(sqlite3_stmt *s, int max, lh_store_part_t **out, int *n, int *truncated,
                         lh_err_t *err)
{
    int cap = 0, r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        if (max > 0 && *n == max) {
            *truncated = 1;
            return 0;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            lh_store_part_t *v = realloc(*out, (size_t)cap * sizeof *v);
            if (!v) return lh_err_set(err, LH_ENOMEM, "out of memory");
            *out = v;
        }
        lh_store_part_t *p = &(*out)[*n];
        memset(p, 0, sizeof *p);
        p->part_number = sqlite3_column_int(s, 0);
        p->size = sqlite3_column_int64(s, 1);
        snprintf(p->etag, sizeof p->etag, "%s", (const char *)sqlite3_column_text(s, 2));
        const char *attrs = (const char *)sqlite3_column_text(s, 3);
        p->mtime_ns = sqlite3_column_int64(s, 4);
        (*n)++;
        if (attrs && !(p->attrs = strdup(attrs)))
            return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    return r == SQLITE_DONE ? 0 : lh_err_set(err, LH_EIO, "part list failed");
}

int lh_store_mpu_parts(lh_store_t *st, const char *bucket, const char *upload_id, int part_marker,
                       int max, lh_store_part_t **out, int *n, int *truncated, lh_err_t *err)
{
    lh__conn_t *c;
    sqlite3_stmt *s;
    *out = NULL;
    *n = *truncated = 0;
    int rc = lh__conn_get(st, &c, err);
    if (rc) return rc;
    rc = upload_row(c, bucket, upload_id, &s, err);
    if (!rc && !(s = lh__store_stmt(c, Q_PART_LIST, err))) rc = LH_EIO;
    if (!rc) {
        sqlite3_bind_text(s, 1, upload_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 2, part_marker);
        rc = parts_collect(s, max, out, n, truncated, err);
    }
    lh__conn_put(st, c);
    if (rc) {
        lh_store_parts_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* --- listing uploads --- */

static int list_walk(sqlite3_stmt *s, const char *prefix, size_t prefix_len, int max,
                     int (*fn)(const lh_store_mpu_t *, void *), void *arg, int *truncated)
{
    int r, count = 0;
    while ((r = sqlite3_step(s)) == SQLITE_ROW) {
        const char *key = sqlite3_column_blob(s, 1);
        size_t klen = (size_t)sqlite3_column_bytes(s, 1);
        if (klen < prefix_len || (prefix_len && memcmp(key, prefix, prefix_len)))
            return 0; /* sorted: no later key has the prefix */
        if (count == max) {
            *truncated = 1;
            return 0;
        }
        lh_store_mpu_t u = {.key = (char *)key,
                            .key_len = klen,
                            .attrs = (char *)sqlite3_column_text(s, 2),
                            .created_ns = sqlite3_column_int64(s, 3)};
        snprintf(u.upload_id, sizeof u.upload_id, "%s", (const char *)sqlite3_column_text(s, 0));
        count++;
        if (fn(&u, arg)) {
            *truncated = 1;
            return 0;
        }
    }
    return r == SQLITE_DONE ? 0 : LH_EIO;
}

int lh_store_mpu_list(lh_store_t *st, const char *bucket, const char *prefix, size_t prefix_len,
                      const char *key_marker, const char *upload_id_marker, int max,
                      int (*fn)(const lh_store_mpu_t *, void *), void *arg, int *truncated,
                      lh_err_t *err)
{
    lh__conn_t *c;
    sqlite3_stmt *s = NULL;
    const char *from = key_marker ? key_marker : "";
    size_t from_len = strlen(from);
    const char *id_from = key_marker ? upload_id_marker : NULL; /* NULL: keys after the marker */
    *truncated = 0;
    if (prefix_len && (from_len < prefix_len ? memcmp(prefix, from, from_len) >= 0
                                             : memcmp(prefix, from, prefix_len) > 0)) {
        from = prefix, from_len = prefix_len, id_from = ""; /* seek to the prefix */
    }
    int rc = lh__conn_get(st, &c, err);
    if (rc) return rc;
    rc = lh__bucket_check(c, bucket, err);
    if (!rc && max > 0 && !(s = lh__store_stmt(c, Q_UP_LIST, err))) rc = LH_EIO;
    if (!rc && s) {
        sqlite3_bind_text(s, 1, bucket, -1, SQLITE_STATIC);
        sqlite3_bind_blob(s, 2, from, (int)from_len, SQLITE_STATIC);
        if (id_from) sqlite3_bind_text(s, 3, id_from, -1, SQLITE_STATIC);
        if (list_walk(s, prefix, prefix_len, max, fn, arg, truncated))
            rc = lh__sql_err(c, err, "upload list");
    }
    lh__conn_put(st, c);
    return rc;
}
