/* Versions of the embedded store. The objects row of a key is its current
 * version (its id in version_id, 'null' for the null version); the versions
 * table holds the key's noncurrent versions and delete markers, newest first
 * by a per-key sequence. A key whose latest version is a delete marker has no
 * objects row, so GET, HEAD and ListObjects of the current versions read
 * objects alone, as in an unversioned bucket. Here: making room before a
 * write of the current version (keep it as noncurrent, or replace the null
 * version), deletes (a delete marker, or one version for good, promoting the
 * next newest), and reading one version. Each change runs as one index
 * operation of the group commit; bodies of removed versions are unlinked
 * after the commit. Listing versions is in engine_vlist.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/engine_int.h"

int lh_store_version_id_valid(const char *s)
{
    if (!s) return 0;
    if (!strcmp(s, "null")) return 1;
    return strlen(s) == LH__ID_LEN && strspn(s, "0123456789abcdef") == LH__ID_LEN;
}

void lh__version_id_new(char *vid)
{
    lh__random_hex(vid, LH__ID_LEN / 2);
}

int lh__cur_get(lh__conn_t *c, const char *bucket, const char *key, size_t keylen, lh__cur_t *cur,
                lh_err_t *err)
{
    memset(cur, 0, sizeof *cur);
    sqlite3_stmt *s = lh__store_stmt(c, Q_OBJ_CUR, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, key, (int)keylen, SQLITE_STATIC);
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW) {
        const char *etag = (const char *)sqlite3_column_text(s, 0);
        const char *id = (const char *)sqlite3_column_text(s, 1);
        const char *vid = (const char *)sqlite3_column_text(s, 2);
        cur->exists = 1;
        snprintf(cur->etag, sizeof cur->etag, "%s", etag ? etag : "");
        snprintf(cur->data_id, sizeof cur->data_id, "%s", id ? id : "");
        snprintf(cur->version_id, sizeof cur->version_id, "%s", vid ? vid : "null");
        cur->mtime_ns = sqlite3_column_int64(s, 3);
    }
    sqlite3_reset(s);
    return r == SQLITE_ROW || r == SQLITE_DONE ? 0 : lh__sql_err(c, err, "object lookup");
}

/* Runs statement q bound to (bucket, key[, text3]) to its end. */
static int run_kv(lh__conn_t *c, int q, const char *bucket, const char *key, size_t keylen,
                  const char *text3, lh_err_t *err)
{
    sqlite3_stmt *s = lh__store_stmt(c, q, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, key, (int)keylen, SQLITE_STATIC);
    if (text3) sqlite3_bind_text(s, 3, text3, -1, SQLITE_STATIC);
    int r;
    while ((r = sqlite3_step(s)) == SQLITE_ROW)
        ;
    sqlite3_reset(s);
    return r == SQLITE_DONE ? 0 : lh__sql_err(c, err, "version update");
}

static int delete_seq(lh__conn_t *c, const char *bucket, const char *key, size_t keylen,
                      int64_t seq, lh_err_t *err)
{
    sqlite3_stmt *s = lh__store_stmt(c, Q_VER_DELETE, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, key, (int)keylen, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, seq);
    int r = sqlite3_step(s);
    sqlite3_reset(s);
    return r == SQLITE_DONE ? 0 : lh__sql_err(c, err, "version delete");
}

/* A noncurrent version found by id. */
typedef struct found {
    int exists, is_marker;
    int64_t seq, mtime_ns;
    char data_id[LH__ID_LEN + 1];
} found_t;

static int find_version(lh__conn_t *c, const char *bucket, const char *key, size_t keylen,
                        const char *vid, found_t *f, lh_err_t *err)
{
    memset(f, 0, sizeof *f);
    sqlite3_stmt *s = lh__store_stmt(c, Q_VER_FIND, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, key, (int)keylen, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, vid, -1, SQLITE_STATIC);
    int r = sqlite3_step(s);
    if (r == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(s, 1);
        f->exists = 1;
        f->seq = sqlite3_column_int64(s, 0);
        snprintf(f->data_id, sizeof f->data_id, "%s", id ? id : "");
        f->is_marker = sqlite3_column_int(s, 2);
        f->mtime_ns = sqlite3_column_int64(s, 3);
    }
    sqlite3_reset(s);
    return r == SQLITE_ROW || r == SQLITE_DONE ? 0 : lh__sql_err(c, err, "version lookup");
}

/* Removes the noncurrent null version of key, if any; its body id goes to
 * old_id (LH__ID_LEN + 1 bytes). */
static int drop_null(lh__conn_t *c, const char *bucket, const char *key, size_t keylen,
                     char *old_id, lh_err_t *err)
{
    found_t f;
    int rc = find_version(c, bucket, key, keylen, "null", &f, err);
    if (rc || !f.exists) return rc;
    snprintf(old_id, LH__ID_LEN + 1, "%s", f.data_id);
    return delete_seq(c, bucket, key, keylen, f.seq, err);
}

int lh__ver_make_room(lh__conn_t *c, const char *bucket, const char *key, size_t keylen,
                      int versioning, const lh__cur_t *cur, char *old_id, char *vid, lh_err_t *err)
{
    int cur_null = cur->exists && !strcmp(cur->version_id, "null");
    int rc = 0;
    if (versioning == LH_VERSIONING_ENABLED)
        lh__version_id_new(vid);
    else
        snprintf(vid, LH_STORE_VERSION_ID_SIZE, "null");
    if (versioning == LH_VERSIONING_SUSPENDED && cur_null) /* replaced: its body goes */
        snprintf(old_id, LH__ID_LEN + 1, "%s", cur->data_id);
    else if (cur->exists) /* kept as the newest noncurrent version */
        rc = run_kv(c, Q_VER_SAVE, bucket, key, keylen, NULL, err);
    if (!rc && versioning == LH_VERSIONING_SUSPENDED && !cur_null)
        rc = drop_null(c, bucket, key, keylen, old_id, err);
    return rc;
}

/* --- deletes --- */

typedef struct del_op {
    const char *bucket, *key;
    size_t keylen;
    lh_store_del_t *d;
    lh__ids_t ids; /* bodies to unlink after the commit */
} del_op_t;

static int add_id(del_op_t *o, const char *id, lh_err_t *err)
{
    return id[0] ? lh__ids_add(&o->ids, id, err) : 0;
}

/* Deletes the objects row (its body id collected when keep is 0). */
static int drop_current(lh__conn_t *c, del_op_t *o, const lh__cur_t *cur, int keep, lh_err_t *err)
{
    int rc = run_kv(c, Q_OBJ_DELETE, o->bucket, o->key, o->keylen, NULL, err);
    return rc || keep ? rc : add_id(o, cur->data_id, err);
}

/* With no objects row left, the newest version becomes current unless it
 * is a delete marker. */
static int promote(lh__conn_t *c, del_op_t *o, lh_err_t *err)
{
    sqlite3_stmt *s = lh__store_stmt(c, Q_VER_TOP, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, o->bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, o->key, (int)o->keylen, SQLITE_STATIC);
    int r = sqlite3_step(s);
    int64_t seq = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    int marker = r == SQLITE_ROW ? sqlite3_column_int(s, 1) : 1;
    sqlite3_reset(s);
    if (r != SQLITE_ROW && r != SQLITE_DONE) return lh__sql_err(c, err, "version lookup");
    if (marker) return 0;
    if (!(s = lh__store_stmt(c, Q_VER_PROMOTE, err))) return LH_EIO;
    sqlite3_bind_text(s, 1, o->bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, o->key, (int)o->keylen, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, seq);
    r = sqlite3_step(s);
    sqlite3_reset(s);
    if (r != SQLITE_DONE) return lh__sql_err(c, err, "version promote");
    return delete_seq(c, o->bucket, o->key, o->keylen, seq, err);
}

/* Removes the version d->version_id for good. */
static int del_one(lh__conn_t *c, del_op_t *o, const lh__cur_t *cur, lh_err_t *err)
{
    lh_store_del_t *d = o->d;
    found_t f;
    snprintf(d->version_id_out, sizeof d->version_id_out, "%s", d->version_id);
    if (cur->exists && !strcmp(cur->version_id, d->version_id)) { /* the current one */
        if (d->noncurrent_only || (d->if_mtime_ns && cur->mtime_ns != d->if_mtime_ns))
            return lh_err_set(err, LH_EPRECOND, "the version is current or changed");
        int rc = drop_current(c, o, cur, 0, err);
        return rc ? rc : promote(c, o, err);
    }
    int rc = find_version(c, o->bucket, o->key, o->keylen, d->version_id, &f, err);
    if (rc || !f.exists) return rc; /* a missing version is not an error */
    if (d->if_mtime_ns && f.mtime_ns != d->if_mtime_ns)
        return lh_err_set(err, LH_EPRECOND, "the version changed");
    if (d->noncurrent_only && !cur->exists) { /* latest when it is the newest row */
        found_t top = {0};
        sqlite3_stmt *s = lh__store_stmt(c, Q_VER_TOP, err);
        if (!s) return LH_EIO;
        sqlite3_bind_text(s, 1, o->bucket, -1, SQLITE_STATIC);
        sqlite3_bind_blob(s, 2, o->key, (int)o->keylen, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW) top.seq = sqlite3_column_int64(s, 0);
        sqlite3_reset(s);
        if (top.seq == f.seq) return lh_err_set(err, LH_EPRECOND, "the version is the latest");
    }
    d->delete_marker = f.is_marker;
    if ((rc = delete_seq(c, o->bucket, o->key, o->keylen, f.seq, err)) ||
        (rc = add_id(o, f.data_id, err)))
        return rc;
    return cur->exists ? 0 : promote(c, o, err);
}

/* A delete marker becomes the latest version (versioned buckets). */
static int add_marker(lh__conn_t *c, del_op_t *o, int versioning, const lh__cur_t *cur,
                      lh_err_t *err)
{
    lh_store_del_t *d = o->d;
    char vid[LH_STORE_VERSION_ID_SIZE] = "null", null_id[LH__ID_LEN + 1] = "";
    int cur_null = cur->exists && !strcmp(cur->version_id, "null");
    int suspended = versioning == LH_VERSIONING_SUSPENDED, rc = 0;
    if (!suspended) lh__version_id_new(vid);
    if (cur->exists && !(suspended && cur_null))
        rc = run_kv(c, Q_VER_SAVE, o->bucket, o->key, o->keylen, NULL, err);
    if (!rc && cur->exists) rc = drop_current(c, o, cur, !(suspended && cur_null), err);
    if (!rc && suspended && !cur_null)
        rc = drop_null(c, o->bucket, o->key, o->keylen, null_id, err);
    if (!rc) rc = add_id(o, null_id, err);
    if (rc) return rc;
    sqlite3_stmt *s = lh__store_stmt(c, Q_VER_MARKER, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, o->bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, o->key, (int)o->keylen, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, vid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 4, lh__now_ns());
    int r = sqlite3_step(s);
    sqlite3_reset(s);
    if (r != SQLITE_DONE) return lh__sql_err(c, err, "delete marker insert");
    snprintf(d->version_id_out, sizeof d->version_id_out, "%s", vid);
    d->delete_marker = 1;
    return 0;
}

static int del_fn(lh__conn_t *c, void *arg, lh_err_t *err)
{
    del_op_t *o = arg;
    lh_store_del_t *d = o->d;
    lh__cur_t cur;
    int versioning;
    int rc = lh__bucket_versioning(c, o->bucket, &versioning, err);
    if (rc || o->keylen == 0) return rc; /* a key too long to exist: the bucket only */
    lh__cache_obj_begin(c->st, o->bucket, o->key, o->keylen);
    if ((rc = lh__cur_get(c, o->bucket, o->key, o->keylen, &cur, err))) return rc;
    if (d->version_id) return del_one(c, o, &cur, err);
    if (d->if_mtime_ns && (!cur.exists || cur.mtime_ns != d->if_mtime_ns))
        return lh_err_set(err, LH_EPRECOND, "the object changed");
    if (versioning != LH_VERSIONING_OFF) return add_marker(c, o, versioning, &cur, err);
    return cur.exists ? drop_current(c, o, &cur, 0, err) : 0;
}

int lh_store_delete_version(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                            lh_store_del_t *d, lh_err_t *err)
{
    del_op_t o = {.bucket = bucket, .key = key, .keylen = keylen, .d = d};
    d->version_id_out[0] = 0;
    d->delete_marker = 0;
    if (d->version_id && !lh_store_version_id_valid(d->version_id))
        return lh_err_set(err, LH_EINVAL, "invalid version id");
    if (keylen > LH_STORE_KEY_MAX) /* cannot exist: check the bucket only */
        o.keylen = 0;
    lh_store_crash_point("before_delete_index");
    int rc = lh__index_exec(st, del_fn, &o, err);
    if (!rc) lh_store_crash_point("after_delete_index");
    lh__ids_done(st, &o.ids, rc == 0);
    return rc;
}

/* --- reading one version --- */

/* Runs the version query on c: 0 with out filled and, when fd is given, the
 * body opened (a memfd when inline, -1 for a delete marker); id receives the
 * body id. LH_ENOENT when there is no such version. */
static int version_row(lh__conn_t *c, const char *bucket, const char *key, size_t keylen,
                       const char *vid, lh_store_meta_t *out, char *id, int *fd, lh_err_t *err)
{
    sqlite3_stmt *s = lh__store_stmt(c, vid ? Q_VER_GET : Q_VER_LATEST, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, key, (int)keylen, SQLITE_STATIC);
    if (vid) sqlite3_bind_text(s, 3, vid, -1, SQLITE_STATIC);
    int r = sqlite3_step(s);
    if (r != SQLITE_ROW) {
        sqlite3_reset(s);
        if (r != SQLITE_DONE) return lh__sql_err(c, err, "version lookup");
        int rc = lh__bucket_check(c, bucket, err);
        return rc ? rc : lh_err_set(err, LH_ENOENT, vid ? "no such version" : "no such key");
    }
    lh__meta_from_row(s, 0, out, 1);
    const char *data_id = (const char *)sqlite3_column_text(s, 4);
    const char *v = (const char *)sqlite3_column_text(s, 6);
    snprintf(out->version_id, sizeof out->version_id, "%s", v ? v : "null");
    out->delete_marker = sqlite3_column_int(s, 7);
    snprintf(id, LH__ID_LEN + 1, "%s", data_id ? data_id : "");
    int rc = 0;
    if (fd && !out->delete_marker && !id[0]) { /* inline */
        size_t n = (size_t)sqlite3_column_bytes(s, 5);
        if (n != (size_t)out->size)
            rc = lh_err_set(err, LH_ECORRUPT, "inline body has %zu bytes, expected %lld", n,
                            (long long)out->size);
        else if ((*fd = lh__inline_fd(sqlite3_column_blob(s, 5), n)) < 0)
            rc = lh_err_set(err, LH_EIO, "cannot hold inline body: %s", strerror(errno));
    }
    sqlite3_reset(s);
    return rc;
}

int lh_store_version_get(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                         const char *version_id, lh_store_meta_t *out, int *fd, lh_err_t *err)
{
    lh__conn_t *c;
    char id[LH__ID_LEN + 1] = "";
    memset(out, 0, sizeof *out);
    if (fd) *fd = -1;
    if (version_id && !lh_store_version_id_valid(version_id))
        return lh_err_set(err, LH_EINVAL, "invalid version id");
    int rc = lh__conn_get(st, &c, err);
    if (rc) return rc;
    /* A suspended overwrite may unlink the null version's body between the
     * lookup and the open: look again. */
    for (int tries = 0; tries < 16; tries++) {
        lh_store_meta_clear(out);
        rc = version_row(c, bucket, key, keylen, version_id, out, id, fd, err);
        if (rc || !fd || *fd >= 0 || out->delete_marker || !id[0]) break;
        if ((*fd = lh__body_open(st, id)) >= 0 || errno != ENOENT) break;
    }
    lh__conn_put(st, c);
    if (!rc && fd && *fd < 0 && !out->delete_marker && id[0])
        rc = lh_err_set(err, LH_EIO, "cannot open body of version: %s", strerror(errno));
    if (rc) lh_store_meta_clear(out);
    return rc;
}
