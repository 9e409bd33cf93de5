/* Rewriting an object's attrs in place (PutObjectAcl): the caller's function
 * turns the current attrs into new ones inside the index transaction, so
 * the read and the update see the same version of the key; the body, size,
 * etag and mtime stay, and the key's read cache entry is dropped like any
 * other write's. */
#include <stdlib.h>

#include "store/engine_int.h"

typedef struct attrs_op {
    const char *bucket, *key;
    size_t keylen;
    char *(*fn)(const char *attrs, void *arg);
    void *arg;
} attrs_op_t;

static int update_fn(lh__conn_t *c, void *arg, lh_err_t *err)
{
    attrs_op_t *p = arg;
    int rc = lh__bucket_check(c, p->bucket, err);
    sqlite3_stmt *s = rc ? NULL : lh__store_stmt(c, Q_OBJ_ATTRS, err);
    if (!s) return rc ? rc : LH_EIO;
    sqlite3_bind_text(s, 1, p->bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, p->key, (int)p->keylen, SQLITE_STATIC);
    int r = sqlite3_step(s);
    if (r != SQLITE_ROW) {
        sqlite3_reset(s);
        return r == SQLITE_DONE ? lh_err_set(err, LH_ENOENT, "no such key")
                                : lh__sql_err(c, err, "object lookup");
    }
    char *attrs = p->fn((const char *)sqlite3_column_text(s, 0), p->arg);
    sqlite3_reset(s);
    if (!attrs) return lh_err_set(err, LH_ENOMEM, "out of memory");
    lh__cache_obj_begin(c->st, p->bucket, p->key, p->keylen);
    if (!(s = lh__store_stmt(c, Q_OBJ_SET_ATTRS, err))) {
        free(attrs);
        return LH_EIO;
    }
    sqlite3_bind_text(s, 1, p->bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, p->key, (int)p->keylen, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, attrs, -1, SQLITE_STATIC);
    r = sqlite3_step(s);
    sqlite3_reset(s);
    free(attrs);
    return r == SQLITE_DONE ? 0 : lh__sql_err(c, err, "object attrs update");
}

int lh_store_update_attrs(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                          char *(*fn)(const char *attrs, void *arg), void *arg, lh_err_t *err)
{
    attrs_op_t p = {.bucket = bucket, .key = key, .keylen = keylen, .fn = fn, .arg = arg};
    return lh__index_exec(st, update_fn, &p, err);
}
