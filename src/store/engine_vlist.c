/* Listing the versions of a bucket (ListObjectVersions): every version of
 * every key, keys in byte order and each key's versions newest first, with
 * prefix, delimiter, key and version-id markers and max-keys. One statement
 * merges the objects rows (the current versions, placed first by a sequence
 * of LH__SEQ_CURRENT) with the versions rows; SQLite walks both primary keys
 * in step, so the walk needs no sort and constant memory. A continuation in
 * the middle of a key first lists the rest of that key (the versions older
 * than the marker), then the keys after it. Common prefixes are skipped with
 * a re-seek as in engine_list.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/engine_int.h"

typedef struct vlister {
    const lh_store_list_opts_t *o;
    int (*fn)(const lh_store_version_entry_t *, void *);
    void *arg;
    int count, truncated, stop, cb_rc;
    char *next_key;
    size_t *next_len;
    char *next_version;
    int resuming; /* rows of the marker's key: none of them is the latest */
    unsigned char last[LH_STORE_KEY_MAX];
    size_t last_len;
    int have_last;
    unsigned char seek[LH_STORE_KEY_MAX + 1];
    size_t seek_len;
} vlister_t;

static void emit(vlister_t *l, const lh_store_version_entry_t *e)
{
    if (l->count >= l->o->max_keys) {
        l->truncated = l->stop = 1;
        return;
    }
    memcpy(l->next_key, e->key, e->key_len);
    l->next_key[e->key_len] = 0;
    *l->next_len = e->key_len;
    memcpy(l->next_version, e->is_prefix ? "" : e->meta->version_id,
           e->is_prefix ? 1 : strlen(e->meta->version_id) + 1);
    l->count++;
    int rc = l->fn(e, l->arg);
    if (rc) {
        l->stop = l->truncated = 1;
        l->cb_rc = rc < 0 ? rc : 0;
    }
}

static void emit_version(vlister_t *l, sqlite3_stmt *s, const unsigned char *key, size_t klen)
{
    lh_store_meta_t m;
    lh__meta_from_row(s, 2, &m, 0);
    const char *vid = (const char *)sqlite3_column_text(s, 6);
    snprintf(m.version_id, sizeof m.version_id, "%s", vid ? vid : "null");
    m.delete_marker = sqlite3_column_int(s, 7);
    int first = !l->have_last || lh__bytes_cmp(key, klen, l->last, l->last_len) != 0;
    lh_store_version_entry_t e = {
        .key = (const char *)key, .key_len = klen, .is_latest = first && !l->resuming, .meta = &m};
    memcpy(l->last, key, klen);
    l->last_len = klen;
    l->have_last = 1;
    emit(l, &e);
}

/* One row of the walk; 1 when the walk must re-seek from l->seek. */
static int on_row(vlister_t *l, sqlite3_stmt *s)
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
        if (lh__bytes_cmp(key, plen, o->start_after, o->start_after_len) > 0) {
            lh_store_version_entry_t e = {
                .key = (const char *)key, .key_len = plen, .is_prefix = 1};
            emit(l, &e);
        }
        if (!l->stop && !(l->seek_len = lh__key_past_prefix(l->seek, key, plen))) l->stop = 1;
        return !l->stop;
    }
    emit_version(l, s, key, klen);
    return 0;
}

/* The seq of version vid of the marker key, or 0 when it is gone. */
static int marker_seq(lh__conn_t *c, const char *bucket, const lh_store_list_opts_t *o,
                      const char *vid, int64_t *seq, lh_err_t *err)
{
    sqlite3_stmt *s = lh__store_stmt(c, Q_VLIST_POS, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, o->start_after, (int)o->start_after_len, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, vid, -1, SQLITE_STATIC);
    int r = sqlite3_step(s);
    *seq = r == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return r == SQLITE_ROW || r == SQLITE_DONE ? 0 : lh__sql_err(c, err, "version marker");
}

/* The versions of the marker key older than the version marker. */
static int walk_rest_of_key(vlister_t *l, lh__conn_t *c, const char *bucket, const char *vid,
                            lh_err_t *err)
{
    const lh_store_list_opts_t *o = l->o;
    const unsigned char *k = (const unsigned char *)o->start_after;
    int64_t seq;
    if (o->start_after_len < o->prefix_len ||
        (o->prefix_len && memcmp(k, o->prefix, o->prefix_len)) ||
        lh__list_common_prefix(o, k, o->start_after_len))
        return 0; /* outside the prefix, or rolled into a common prefix */
    int rc = marker_seq(c, bucket, o, vid, &seq, err);
    if (rc || seq == 0) return rc;
    sqlite3_stmt *s = lh__store_stmt(c, Q_VLIST_KEY, err);
    if (!s) return LH_EIO;
    sqlite3_bind_text(s, 1, bucket, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, k, (int)o->start_after_len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, seq);
    int r = SQLITE_DONE;
    l->resuming = 1;
    while (!l->stop && (r = sqlite3_step(s)) == SQLITE_ROW)
        emit_version(l, s, sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0));
    l->resuming = 0;
    sqlite3_reset(s);
    if (!l->stop && r != SQLITE_DONE) return lh__sql_err(c, err, "list versions");
    return l->cb_rc;
}

static int walk(vlister_t *l, lh__conn_t *c, const char *bucket, lh_err_t *err)
{
    const lh_store_list_opts_t *o = l->o;
    const void *cur = o->prefix;
    size_t cur_len = o->prefix_len;
    int ge = 1;
    if (lh__bytes_cmp(o->start_after, o->start_after_len, o->prefix, o->prefix_len) >= 0)
        cur = o->start_after, cur_len = o->start_after_len, ge = 0;
    for (;;) {
        sqlite3_stmt *s = lh__store_stmt(c, ge ? Q_VLIST_GE : Q_VLIST_GT, err);
        if (!s) return LH_EIO;
        sqlite3_bind_text(s, 1, bucket, -1, SQLITE_STATIC);
        sqlite3_bind_blob(s, 2, cur_len ? cur : "", (int)cur_len, SQLITE_STATIC);
        int r = SQLITE_DONE, reseek = 0;
        while (!l->stop && !reseek && (r = sqlite3_step(s)) == SQLITE_ROW)
            reseek = on_row(l, s);
        if (!l->stop && !reseek && r != SQLITE_DONE) return lh__sql_err(c, err, "list versions");
        sqlite3_reset(s);
        if (!reseek) return l->cb_rc;
        cur = l->seek, cur_len = l->seek_len, ge = 1;
    }
}

int lh_store_list_versions(lh_store_t *st, const char *bucket, const lh_store_list_opts_t *o,
                           const char *version_marker,
                           int (*fn)(const lh_store_version_entry_t *, void *), void *arg,
                           int *truncated, char *next_key, size_t *next_len, char *next_version,
                           lh_err_t *err)
{
    lh__conn_t *c;
    lh_store_list_opts_t opts = *o;
    char vid[LH_STORE_VERSION_ID_SIZE];
    vlister_t l = {.o = &opts,
                   .fn = fn,
                   .arg = arg,
                   .next_key = next_key,
                   .next_len = next_len,
                   .next_version = next_version};
    *truncated = 0;
    if (o->prefix_len > LH_STORE_KEY_MAX || o->delimiter_len > LH_STORE_KEY_MAX ||
        o->start_after_len > LH_STORE_KEY_MAX)
        return lh_err_set(err, LH_EINVAL, "prefix, delimiter or marker too long");
    /* the markers may live in the caller's next_key / next_version */
    snprintf(vid, sizeof vid, "%s", version_marker ? version_marker : "");
    char *after = opts.start_after_len ? malloc(opts.start_after_len) : NULL;
    if (opts.start_after_len && !after) return lh_err_set(err, LH_ENOMEM, "out of memory");
    if (after) memcpy(after, o->start_after, opts.start_after_len);
    opts.start_after = after;
    next_key[0] = next_version[0] = 0;
    *next_len = 0;
    int rc = lh__conn_get(st, &c, err);
    if (!rc) {
        rc = lh__bucket_check(c, bucket, err);
        if (!rc && o->max_keys > 0 && vid[0] && opts.start_after_len)
            rc = walk_rest_of_key(&l, c, bucket, vid, err);
        if (!rc && !l.stop && o->max_keys > 0) rc = walk(&l, c, bucket, err);
        lh__conn_put(st, c);
    }
    free(after);
    *truncated = l.truncated;
    return rc;
}
