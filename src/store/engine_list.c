/* Listing a bucket in key byte order (keys are BLOBs, compared by memcmp)
 * with prefix, delimiter, start-after and max-keys. One prepared statement
 * walks the index from a cursor; after a CommonPrefix P it re-seeks to the
 * smallest key that does not start with P instead of scanning P's keys, so a
 * bucket of millions of keys lists in few steps and constant memory. */
#include <stdlib.h>
#include <string.h>

#include "store/engine_int.h"

typedef struct lister {
    const lh_store_list_opts_t *o;
    int (*fn)(const lh_store_list_entry_t *, void *);
    void *arg;
    int count, truncated, stop, cb_rc;
    char *marker;
    size_t *marker_len;
    unsigned char seek[LH_STORE_KEY_MAX + 1];
    size_t seek_len;
} lister_t;

int lh__bytes_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    return c ? c : (alen > blen) - (alen < blen);
}

/* Emits one entry unless max_keys is reached (then marks truncation). */
static void emit(lister_t *l, const void *key, size_t len, int is_prefix, const lh_store_meta_t *m)
{
    if (l->count >= l->o->max_keys) {
        l->truncated = l->stop = 1;
        return;
    }
    lh_store_list_entry_t e = {.key = key, .key_len = len, .is_prefix = is_prefix, .meta = m};
    memcpy(l->marker, key, len);
    l->marker[len] = 0;
    *l->marker_len = len;
    l->count++;
    int rc = l->fn(&e, l->arg);
    if (rc) {
        l->stop = l->truncated = 1;
        l->cb_rc = rc < 0 ? rc : 0;
    }
}

size_t lh__key_past_prefix(unsigned char *out, const unsigned char *p, size_t len)
{
    memcpy(out, p, len);
    while (len > 0 && out[len - 1] == 0xff)
        len--;
    if (len == 0) return 0;
    out[len - 1]++;
    return len;
}

size_t lh__list_common_prefix(const lh_store_list_opts_t *o, const unsigned char *key, size_t klen)
{
    if (!o->delimiter_len || klen < o->prefix_len) return 0;
    const unsigned char *d =
        memmem(key + o->prefix_len, klen - o->prefix_len, o->delimiter, o->delimiter_len);
    return d ? (size_t)(d - key) + o->delimiter_len : 0;
}

/* Handles one row; returns 1 when the walk must re-seek from l->seek. */
static int on_row(lister_t *l, sqlite3_stmt *s)
{
    const lh_store_list_opts_t *o = l->o;
    const unsigned char *key = sqlite3_column_blob(s, 0);
    size_t klen = (size_t)sqlite3_column_bytes(s, 0);
    if (klen < o->prefix_len || (o->prefix_len && memcmp(key, o->prefix, o->prefix_len))) {
        l->stop = 1; /* past every key with the prefix */
        return 0;
    }
    size_t plen = lh__list_common_prefix(o, key, klen);
    if (plen) {
        if (lh__bytes_cmp(key, plen, o->start_after, o->start_after_len) > 0)
            emit(l, key, plen, 1, NULL);
        if (!l->stop && !(l->seek_len = lh__key_past_prefix(l->seek, key, plen))) l->stop = 1;
        return !l->stop;
    }
    lh_store_meta_t m;
    lh__meta_from_row(s, 1, &m, 0);
    emit(l, key, klen, 0, &m);
    return 0;
}

static int walk(lister_t *l, lh__conn_t *c, const char *bucket, lh_err_t *err)
{
    const lh_store_list_opts_t *o = l->o;
    const void *cur = o->prefix;
    size_t cur_len = o->prefix_len;
    int ge = 1;
    if (lh__bytes_cmp(o->start_after, o->start_after_len, o->prefix, o->prefix_len) >= 0) {
        cur = o->start_after, cur_len = o->start_after_len, ge = 0;
    }
    for (;;) {
        sqlite3_stmt *s = lh__store_stmt(c, ge ? Q_LIST_GE : Q_LIST_GT, err);
        if (!s) return LH_EIO;
        sqlite3_bind_text(s, 1, bucket, -1, SQLITE_STATIC);
        sqlite3_bind_blob(s, 2, cur_len ? cur : "", (int)cur_len, SQLITE_STATIC);
        int r = SQLITE_DONE, reseek = 0;
        while (!l->stop && !reseek && (r = sqlite3_step(s)) == SQLITE_ROW)
            reseek = on_row(l, s);
        if (!l->stop && !reseek && r != SQLITE_DONE) return lh__sql_err(c, err, "list");
        sqlite3_reset(s);
        if (!reseek) return l->cb_rc;
        cur = l->seek, cur_len = l->seek_len, ge = 1;
    }
}

int lh_store_list(lh_store_t *st, const char *bucket, const lh_store_list_opts_t *o,
                  int (*fn)(const lh_store_list_entry_t *, void *), void *arg, int *truncated,
                  char *next_marker, size_t *next_len, lh_err_t *err)
{
    lh__conn_t *c;
    lh_store_list_opts_t opts = *o;
    lister_t l = {.o = &opts, .fn = fn, .arg = arg, .marker = next_marker, .marker_len = next_len};
    *truncated = 0;
    if (o->prefix_len > LH_STORE_KEY_MAX || o->delimiter_len > LH_STORE_KEY_MAX)
        return lh_err_set(err, LH_EINVAL, "prefix or delimiter too long");
    /* start_after may live in next_marker (a caller's continuation buffer) */
    char *after = opts.start_after_len ? malloc(opts.start_after_len) : NULL;
    if (opts.start_after_len && !after) return lh_err_set(err, LH_ENOMEM, "out of memory");
    if (after) memcpy(after, o->start_after, opts.start_after_len);
    opts.start_after = after;
    next_marker[0] = 0;
    *next_len = 0;
    int rc = lh__conn_get(st, &c, err);
    if (!rc) {
        rc = lh__bucket_check(c, bucket, err);
        if (!rc && o->max_keys > 0) rc = walk(&l, c, bucket, err);
        lh__conn_put(st, c);
    }
    free(after);
    *truncated = l.truncated;
    return rc;
}
