/* Bench-only bulk loader for the embedded store: inserts many index rows
 * that alias one existing body, in a single transaction, so a bucket of a
 * million keys can be built in seconds to measure listing. Never used by the
 * server; deleting an aliased key would unlink the shared body. An inline
 * source's bytes are copied into every row instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/engine_int.h"

typedef struct bulk {
    const char *bucket, *src;
    int64_t n;
    void (*keyfn)(int64_t, char *, size_t);
} bulk_t;

static int bulk_fn(lh__conn_t *c, void *arg, lh_err_t *err)
{
    bulk_t *b = arg;
    lh_store_meta_t m;
    char id[LH__ID_LEN + 1], key[LH_STORE_KEY_MAX + 1];
    sqlite3_stmt *s = lh__store_stmt(c, Q_OBJ_GET, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, b->bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, b->src, (int)strlen(b->src), SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_ROW) return lh_err_set(err, LH_ENOENT, "no such key");
    lh__meta_from_row(s, 0, &m, 0);
    int64_t size = m.size;
    char etag[sizeof m.etag];
    memcpy(etag, m.etag, sizeof etag);
    snprintf(id, sizeof id, "%s", (const char *)sqlite3_column_text(s, 4));
    void *data = NULL;
    if (!id[0] && !(data = malloc((size_t)size + 1))) { /* inline: copy the bytes */
        sqlite3_reset(s);
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    if (data && size) memcpy(data, sqlite3_column_blob(s, 5), (size_t)size);
    sqlite3_reset(s);
    int rc = 0;
    for (int64_t i = 0; !rc && i < b->n; i++) {
        b->keyfn(i, key, sizeof key);
        lh__cache_obj_begin(c->st, b->bucket, key, strlen(key)); /* the read cache's rule */
        if (!(s = lh__store_stmt(c, Q_OBJ_PUT, err))) {
            rc = LH_EIO;
            break;
        }
        sqlite3_bind_text(s, 1, b->bucket, -1, SQLITE_STATIC);
        sqlite3_bind_blob(s, 2, key, (int)strlen(key), SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, size);
        sqlite3_bind_int64(s, 4, lh__now_ns());
        sqlite3_bind_text(s, 5, etag, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 7, id, -1, SQLITE_STATIC);
        if (data) sqlite3_bind_blob64(s, 8, data, (sqlite3_uint64)size, SQLITE_STATIC);
        sqlite3_bind_text(s, 9, "null", -1, SQLITE_STATIC); /* the null version */
        if (sqlite3_step(s) != SQLITE_DONE) rc = lh__sql_err(c, err, "bulk insert");
    }
    free(data);
    return rc;
}

int lh__store_bulk_alias(lh_store_t *st, const char *bucket, const char *src, int64_t n,
                         void (*keyfn)(int64_t i, char *key, size_t cap), lh_err_t *err)
{
    bulk_t b = {.bucket = bucket, .src = src, .n = n, .keyfn = keyfn};
    return lh__index_exec(st, bulk_fn, &b, err);
}
