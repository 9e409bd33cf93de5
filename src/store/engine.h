/* The embedded object store: buckets and objects on local disk, owned by the
 * process that holds the data directory. Blocking and thread-safe: call it
 * from worker threads (lh_work_submit), never from a loop thread.
 *
 * Layout under <data-dir>/store/:
 *   index.db            SQLite (WAL): buckets, objects (the current version of
 *                       each key; key BLOB, memcmp order), versions
 *                       (noncurrent versions and delete markers), multipart
 *                       uploads and parts
 *   data/xx/<id>        object bodies, named by a random id (keys never reach
 *                       the file system)
 *   tmp/                writes in progress
 *   uploads/<upload>/<part>  multipart parts
 * Small objects (<= the inline limit, lh_store_set_inline_max) have no body
 * file: their bytes live in the index row, and the index commit is their only
 * flush.
 * Durability: body written to tmp/, fdatasync, rename into data/, directory
 * fsync (batched across concurrent commits), then the index row is committed
 * (synchronous=FULL); only then is the PUT acknowledged. Orphan bodies left by
 * a crash are removed at open. Test builds (LH_TEST_HOOKS) abort at the crash
 * point set by lh_store_set_crash_point (store.crash_at: after_write |
 * after_fsync | after_rename | after_dirsync | after_index for writes,
 * before_delete_index | after_delete_index for deletes).
 *
 * Errors, common to the calls below unless a call says otherwise: 0 or a
 * negative LH_E* code with err set (when the call takes one). Every call that
 * reaches the index may also fail with LH_EIO (an SQLite or file-system
 * error: err has the message) and LH_ENOMEM; those are not repeated below.
 * Strings and arrays handed in are borrowed for the call only.
 */
#ifndef LH_STORE_ENGINE_H
#define LH_STORE_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/owned.h"

typedef struct lh_store lh_store_t;
typedef struct lh_store_writer lh_store_writer_t;

#define LH_STORE_KEY_MAX 1024 /* bytes, as S3 */

/* Bucket settings kept as small integers (lh_store_bucket_set_int). Their
 * meaning belongs to the S3 layer; the engine stores them and, for
 * versioning, acts on them (see the object calls). 0 is always "never set". */
typedef enum lh_store_bucket_field {
    LH_BUCKET_VERSIONING,   /* LH_VERSIONING_* */
    LH_BUCKET_OWNERSHIP,    /* object ownership controls, S3-layer codes; 0 = none */
    LH_BUCKET_PUBLIC_BLOCK, /* public access block bits, S3-layer codes; 0 = none */
} lh_store_bucket_field_t;
enum { LH_VERSIONING_OFF = 0, LH_VERSIONING_ENABLED = 1, LH_VERSIONING_SUSPENDED = 2 };

typedef struct lh_store_bucket {
    char name[64];
    char owner[129];
    int64_t created_ns;
    int public_read;  /* canned ACL public-read */
    char *policy;     /* JSON text or NULL; malloc'd, caller frees (lh_store_bucket_clear) */
    int versioning;   /* LH_VERSIONING_* */
    int ownership;    /* LH_BUCKET_OWNERSHIP's value */
    int public_block; /* LH_BUCKET_PUBLIC_BLOCK's value */
} lh_store_bucket_t;
/* Frees policy and sets it to NULL (b NULL is fine); b itself is the caller's. */
void lh_store_bucket_clear(lh_store_bucket_t *b);

/* A version id: "null" (the null version: every object of a bucket whose
 * versioning was never enabled, and writes while it is suspended) or 32
 * lower-case hex characters; NUL-terminated. */
#define LH_STORE_VERSION_ID_SIZE 40
/* 1 when s is a well-formed version id ("null" or 32 lower-case hex). */
int lh_store_version_id_valid(const char *s);

typedef struct lh_store_meta {
    int64_t size;
    int64_t mtime_ns;
    char etag[80]; /* without quotes: hex md5, or hex-N for multipart */
    char *attrs;   /* JSON object text owned by the S3 layer (content type,
                      user metadata, checksums, part sizes...); malloc'd */
    /* Reads: the version's id. Writes (lh_store_put_commit,
     * lh_store_mpu_complete): set to the version the write created, "" when
     * the bucket is unversioned (there is no version id to report). */
    char version_id[LH_STORE_VERSION_ID_SIZE];
    int delete_marker; /* the version is a delete marker (version reads and listings) */
} lh_store_meta_t;
/* Frees attrs and sets it to NULL (m NULL is fine); m itself is the caller's. */
void lh_store_meta_clear(lh_store_meta_t *m);

/* Opens (creating) the store under data_dir, removes crash leftovers. *out
 * is owned by the caller (lh_store_close). Errors: LH_EIO (cannot create or
 * sync the directories, open the index or write the OPEN marker; a failed
 * index migration), LH_ECORRUPT (the index is newer than this binary),
 * LH_EINVAL (misnumbered migrations), LH_ETOOBIG (data_dir too long),
 * LH_ENOMEM. */
int lh_store_open(lh_store_t **out, const char *data_dir, lh_err_t *err);
/* Closes the store and frees st (NULL is fine); no call may be running. */
void lh_store_close(lh_store_t *st);
/* Objects of at most bytes are kept inline in the index (no body file; the
 * index commit is the only flush). 0 disables inlining; the default is
 * LH_STORE_INLINE_MAX_DEFAULT. Applies to writers begun afterwards; parts and
 * completed multipart objects always get body files. Errors (codes only):
 * LH_ETOOBIG above LH_STORE_INLINE_MAX_LIMIT. */
#define LH_STORE_INLINE_MAX_DEFAULT (64 * 1024)
#define LH_STORE_INLINE_MAX_LIMIT (1024 * 1024)
int lh_store_set_inline_max(lh_store_t *st, size_t bytes);

/* --- buckets --- (names validated by the caller) */
/* owner NULL = "". Errors: LH_EEXIST (the bucket exists), LH_EINVAL (name of
 * 64 bytes or more). */
int lh_store_bucket_create(lh_store_t *st, const char *name, const char *owner, int public_read,
                           lh_err_t *err);
/* lh_store_bucket_create with the settings of init (name, owner, public_read,
 * ownership, public_block; the rest ignored) in the same transaction. Errors
 * as lh_store_bucket_create. */
int lh_store_bucket_create_with(lh_store_t *st, const lh_store_bucket_t *init, lh_err_t *err);
/* Fills *out (the caller clears it: lh_store_bucket_clear; zeroed on
 * failure). Errors (no err: codes only): LH_ENOENT (no such bucket), LH_EIO,
 * LH_ENOMEM. */
int lh_store_bucket_get(lh_store_t *st, const char *name, lh_store_bucket_t *out);
/* fn per bucket in name order (the row, policy included, is valid during
 * the call only); stops when fn returns non-zero, which is not an error.
 * Errors (codes only): LH_EIO, LH_ENOMEM. */
int lh_store_bucket_list(lh_store_t *st, int (*fn)(const lh_store_bucket_t *, void *), void *arg);
/* The same for the buckets of owner only. */
int lh_store_bucket_list_owner(lh_store_t *st, const char *owner,
                               int (*fn)(const lh_store_bucket_t *, void *), void *arg);
/* Gives every bucket of from to to, in one index transaction; *moved (may be
 * NULL) counts them (0 is fine). Errors: LH_EINVAL (from or to empty). */
int lh_store_bucket_reassign(lh_store_t *st, const char *from, const char *to, int64_t *moved,
                             lh_err_t *err);
/* The store's buckets as things a user owns (core/owned.h), for the role
 * table (LH_OWNED_BUCKETS): out is filled to call the two functions above on
 * st (borrowed). */
void lh_store_owned_buckets(lh_store_t *st, lh_owned_t *out);
/* Deletes an empty bucket; uploads in progress are aborted with it (their
 * parts removed). Errors: LH_ENOTEMPTY (objects, noncurrent versions or
 * delete markers remain), LH_ENOENT (no such bucket). */
int lh_store_bucket_delete(lh_store_t *st, const char *name, lh_err_t *err);
/* Sets the policy JSON (stored as given); policy NULL deletes it. Errors:
 * LH_ENOENT (no such bucket). */
int lh_store_bucket_set_policy(lh_store_t *st, const char *name, const char *policy, lh_err_t *err);
/* Sets the canned ACL (1 public-read, 0 private). Errors: LH_ENOENT (no such
 * bucket). */
int lh_store_bucket_set_public(lh_store_t *st, const char *name, int public_read, lh_err_t *err);
/* Sets one integer setting (field: LH_BUCKET_*). Errors: LH_ENOENT (no such
 * bucket), LH_EINVAL (unknown field). */
int lh_store_bucket_set_int(lh_store_t *st, const char *name, lh_store_bucket_field_t field,
                            int value, lh_err_t *err);
/* The bucket's lifecycle rules, text as the S3 layer stores it; NULL deletes.
 * Not part of lh_store_bucket_t (read by the lifecycle sweep, not per
 * request). Errors: LH_ENOENT (no such bucket). */
int lh_store_bucket_set_lifecycle(lh_store_t *st, const char *name, const char *rules,
                                  lh_err_t *err);
/* *out = the rules (malloc'd, caller frees) or NULL when none are set.
 * Errors (codes only): LH_ENOENT (no such bucket). */
int lh_store_bucket_get_lifecycle(lh_store_t *st, const char *name, char **out);

/* --- writing an object (or a part) --- */
typedef struct lh_store_put_cond {
    int if_none_match_any; /* If-None-Match: * : fail with LH_EPRECOND when the key exists */
    const char *if_match;  /* etag without quotes: fail with LH_EPRECOND unless the current
                              etag equals it (also when the key does not exist: S3's 412) */
} lh_store_put_cond_t;

/* Starts a new body (in memory while it fits the inline limit, else in
 * tmp/). *out is owned by the caller until lh_store_put_commit or
 * lh_store_put_abort frees it. Errors: LH_ENOENT (no such bucket), LH_EIO
 * (cannot create the tmp/ file). */
int lh_store_put_begin(lh_store_t *st, const char *bucket, lh_store_writer_t **out, lh_err_t *err);
/* Appends n bytes. Errors: LH_EIO (cannot write; cannot create the tmp/ file
 * when the body outgrows the inline limit), LH_ENOMEM. w stays the caller's
 * (abort it after an error). */
int lh_store_put_write(lh_store_writer_t *w, const void *data, size_t n, lh_err_t *err);
/* Makes the body durable and publishes it under key with meta (size is taken
 * from the bytes written; etag/attrs from meta). Conditions are checked
 * atomically with publishing; cond may be NULL. Frees w in every case.
 * Versioning (the bucket's state when the index commits): unversioned, the
 * object replaces the current one; enabled, it becomes the current version
 * with a new id and the one it replaces becomes noncurrent; suspended, it
 * replaces the null version (current or not) and a current version with an
 * id becomes noncurrent. meta->version_id receives the id (see
 * lh_store_meta_t).
 * Errors: LH_EPRECOND (a condition failed), LH_ENOENT (the bucket went
 * away), LH_EINVAL (empty key), LH_ETOOBIG (key longer than
 * LH_STORE_KEY_MAX), LH_EIO (fdatasync, rename, directory fsync or index
 * commit failed; also every publish after a failed directory fsync). */
int lh_store_put_commit(lh_store_writer_t *w, const char *key, size_t keylen, lh_store_meta_t *meta,
                        const lh_store_put_cond_t *cond, lh_err_t *err);
/* Drops the body and frees w. */
void lh_store_put_abort(lh_store_writer_t *w);
/* Non-blocking (no SQLite, no file: a loop thread may call it): a writer
 * that keeps a body of at most size bytes in memory, to be committed inline
 * with lh_store_put_commit_async (or lh_store_put_commit). A write past
 * size fails with LH_ETOOBIG. Returns 0, LH_ETOOBIG (size over the inline
 * limit: use lh_store_put_begin) or LH_ENOMEM. The bucket is checked when
 * the commit runs. */
int lh_store_put_begin_mem(lh_store_t *st, const char *bucket, size_t size,
                           lh_store_writer_t **out);
/* Non-blocking: lh_store_put_commit of a writer from lh_store_put_begin_mem
 * without waiting. The index operation joins the store's next group commit
 * (one transaction and one WAL fsync for everything queued meanwhile, run by
 * the store's committer thread or a waiting writer); done(arg, rc, err,
 * version_id) runs on that thread once it is durable (rc 0) or failed
 * (errors as lh_store_put_commit; err and version_id, as in
 * lh_store_meta_t's, valid during the call). key, meta and cond are copied;
 * w is freed in every case. Returns 0 (done will run once), or LH_EINVAL
 * (not such a writer, bad key) / LH_ENOMEM, and done will not run. */
int lh_store_put_commit_async(lh_store_writer_t *w, const char *key, size_t keylen,
                              const lh_store_meta_t *meta, const lh_store_put_cond_t *cond,
                              void (*done)(void *arg, int rc, const lh_err_t *err,
                                           const char *version_id),
                              void *arg);
/* Bytes written to w so far. */
int64_t lh_store_writer_size(const lh_store_writer_t *w);

/* --- reading --- */
/* Meta of key (caller clears *out; zeroed on failure). Errors: LH_ENOENT for
 * no bucket or no key (err->msg says which: "no such bucket" / "no such
 * key"). */
int lh_store_head(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                  lh_store_meta_t *out, lh_err_t *err);
/* Meta (caller clears) plus an open read-only fd on the body (caller closes;
 * a memfd for an inline object). The body stays readable through fd even if
 * the key is overwritten or deleted meanwhile. Errors: LH_ENOENT as
 * lh_store_head, LH_ECORRUPT (an inline body of the wrong size), LH_EIO
 * (cannot open the body); on failure *fd is -1 and *out cleared. */
int lh_store_get(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                 lh_store_meta_t *out, int *fd, lh_err_t *err);
/* Like lh_store_get, but an inline object's bytes are appended to body
 * (*fd = -1) instead of coming back as a memfd; a file-backed body comes
 * back as *fd (body untouched). Served from the read cache when it holds
 * the object, and fills it otherwise. Errors as lh_store_get, or body's
 * sticky error. */
int lh_store_get_mem(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                     lh_store_meta_t *out, int *fd, lh_buf_t *body, lh_err_t *err);
/* Rewrites the attrs of an existing object in place; body, size, etag and
 * mtime stay (engine_attrs.c). fn(attrs, arg) gets the current attrs (NULL
 * when none) and returns the new ones (malloc'd, freed by the store) or NULL
 * to change nothing and fail with LH_ENOMEM; it runs inside the index
 * transaction on the committing thread, so no write of the key comes between
 * its read and the update (fn must not call the store). Drops the key's read
 * cache entry. Errors: LH_ENOENT (no such bucket or key, as lh_store_head). */
int lh_store_update_attrs(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                          char *(*fn)(const char *attrs, void *arg), void *arg, lh_err_t *err);
/* Deletes the current version: lh_store_delete_version with no version id.
 * Deleting a missing key is not an error (S3 semantics). Errors: LH_ENOENT
 * (no such bucket). */
int lh_store_delete(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                    lh_err_t *err);

/* --- versions --- (see src/store/README.md, "Versions") */
typedef struct lh_store_del {
    /* in */
    const char *version_id; /* NULL: the current version (see below); else that version */
    int64_t if_mtime_ns;    /* non-zero: only when the version addressed has this mtime_ns */
    int noncurrent_only;    /* with version_id: only while that version is not the latest */
    /* out */
    char version_id_out[LH_STORE_VERSION_ID_SIZE]; /* the delete marker made, or the version
                                                      removed; "" in an unversioned bucket */
    int delete_marker; /* a delete marker was made, or the version removed was one */
} lh_store_del_t;
/* Without a version id: unversioned, removes the object; versioning enabled,
 * a new delete marker becomes the latest version (the current object, if
 * any, becomes noncurrent); suspended, a delete marker with the null id
 * becomes the latest, replacing the null version (current or not). With a
 * version id, removes that version for good (a missing one is not an
 * error); when it was the latest, the next newest becomes the latest (the
 * current object unless it is a delete marker). Removed bodies are unlinked
 * after the commit. Errors: LH_ENOENT (no such bucket), LH_EPRECOND
 * (if_mtime_ns or noncurrent_only did not hold), LH_EINVAL (a malformed
 * version id). */
int lh_store_delete_version(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                            lh_store_del_t *d, lh_err_t *err);
/* Meta of one version (caller clears *out), delete markers included
 * (out->delete_marker; no body), and with fd non-NULL an open read-only fd
 * on its body (caller closes; -1 for a delete marker; a memfd for an inline
 * one). version_id NULL: the latest version, which may be a delete marker
 * (an object's current version is read faster by lh_store_head/get).
 * Errors: LH_ENOENT (no such bucket; "no such version", or "no such key"
 * when version_id is NULL and the key has no version), LH_EINVAL (a
 * malformed version id), LH_ECORRUPT and LH_EIO as lh_store_get. */
int lh_store_version_get(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                         const char *version_id, lh_store_meta_t *out, int *fd, lh_err_t *err);

/* --- the read cache (engine_cache.c) ---
 * Inline objects (metadata and bytes) and bucket rows read recently are kept
 * in memory, at most the cache size (lh_store_set_cache_max; least recently
 * used evicted first). An entry is always the row as committed now: writes
 * drop it before their commit, and a read fills it only when no write to
 * the same name began or ended meanwhile. lh_store_get_mem, lh_store_head
 * and lh_store_bucket_get use it. The two lookups below never touch SQLite
 * or the disk (only a short mutex), so a loop thread may call them. */
#define LH_CACHE_MAX_DEFAULT ((size_t)64 << 20)
/* The cached object: 0 with *out (caller clears) and its bytes appended to
 * body (NULL: metadata only); LH_ENOENT when not cached (which says nothing about the key), or
 * LH_ENOMEM / body's sticky error. */
int lh_store_cached_get(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                        lh_store_meta_t *out, lh_buf_t *body);
/* The cached bucket row: 0 with *out (caller clears), LH_ENOENT when not
 * cached, LH_ENOMEM. */
int lh_store_cached_bucket(lh_store_t *st, const char *name, lh_store_bucket_t *out);
/* Cache size in bytes; 0 empties and disables it. Any thread. */
void lh_store_set_cache_max(lh_store_t *st, size_t bytes);
typedef struct lh_store_cache_stats {
    uint64_t hits, misses, fills; /* object lookups through lh_store_cached_get; entries filled */
    size_t bytes;                 /* memory held */
} lh_store_cache_stats_t;
void lh_store_cache_stats(lh_store_t *st, lh_store_cache_stats_t *out);

/* --- listing, in key byte order, under a fixed memory cap --- */
typedef struct lh_store_list_opts {
    const char *prefix;
    size_t prefix_len;
    const char *delimiter;
    size_t delimiter_len; /* 0 = none */
    const char *start_after;
    size_t start_after_len; /* exclusive; marker/token */
    int max_keys;           /* 0..1000 (0 returns nothing, not truncated) */
} lh_store_list_opts_t;
typedef struct lh_store_list_entry {
    const char *key;
    size_t key_len;
    int is_prefix; /* a CommonPrefix (then only key is set) */
    const lh_store_meta_t *meta;
} lh_store_list_entry_t;
/* Calls fn for each entry (objects and common prefixes interleaved in order),
 * at most max_keys entries in all; an entry is valid during the call only. A
 * non-zero return from fn stops the listing and is returned. *truncated says
 * whether more follow; next_marker (caller's, >= LH_STORE_KEY_MAX+1 bytes,
 * NUL-terminated, length in *next_len) is the last key or prefix returned.
 * Seeks past each common prefix rather than scanning its keys. Errors:
 * LH_ENOENT (no such bucket), LH_EINVAL (prefix or delimiter longer than
 * LH_STORE_KEY_MAX). */
int lh_store_list(lh_store_t *st, const char *bucket, const lh_store_list_opts_t *o,
                  int (*fn)(const lh_store_list_entry_t *, void *), void *arg, int *truncated,
                  char *next_marker, size_t *next_len, lh_err_t *err);
/* Every version of every key in (key byte order, newest first) after the
 * markers, with prefix, delimiter and max_keys as lh_store_list (a common
 * prefix counts as one entry). o->start_after is the key marker;
 * version_marker (NULL or "" for none) the version of that key to start
 * after (an unknown one: start at the next key). An entry's meta carries
 * version_id and delete_marker; is_latest says whether it is the key's latest
 * version. next_key / next_len as lh_store_list's next_marker; next_version
 * (caller's, LH_STORE_VERSION_ID_SIZE) the last version returned ("" after a
 * common prefix). Errors: LH_ENOENT (no such bucket), LH_EINVAL (prefix or
 * delimiter too long). */
typedef struct lh_store_version_entry {
    const char *key;
    size_t key_len;
    int is_prefix;
    int is_latest;
    const lh_store_meta_t *meta;
} lh_store_version_entry_t;
int lh_store_list_versions(lh_store_t *st, const char *bucket, const lh_store_list_opts_t *o,
                           const char *version_marker,
                           int (*fn)(const lh_store_version_entry_t *, void *), void *arg,
                           int *truncated, char *next_key, size_t *next_len, char *next_version,
                           lh_err_t *err);

/* --- multipart --- */
/* Creates an upload; attrs (JSON, may be NULL) are kept for the final object.
 * upload_id (caller's, >= 64 bytes) receives a URL-safe id. Errors:
 * LH_ENOENT (no such bucket), LH_EINVAL (empty key), LH_ETOOBIG (key longer
 * than LH_STORE_KEY_MAX). */
int lh_store_mpu_create(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                        const char *attrs, char *upload_id, lh_err_t *err);
typedef struct lh_store_mpu {
    char upload_id[64];
    char *key;
    size_t key_len; /* malloc'd */
    char *attrs;    /* malloc'd, may be NULL */
    int64_t created_ns;
} lh_store_mpu_t;
/* Frees key and attrs and sets them to NULL (u NULL is fine). */
void lh_store_mpu_clear(lh_store_mpu_t *u);
/* The upload's key, attrs and creation time into *out (caller clears:
 * lh_store_mpu_clear). The caller compares the key of the request. Errors:
 * LH_ENOENT (no such bucket or upload; err->msg says which). */
int lh_store_mpu_get(lh_store_t *st, const char *bucket, const char *upload_id, lh_store_mpu_t *out,
                     lh_err_t *err);
/* Starts a part body (always a tmp/ file); *out is the caller's until
 * lh_store_part_commit or lh_store_put_abort frees it. Errors: LH_ENOENT (no
 * such bucket or upload), LH_EIO (cannot create the tmp/ file). */
int lh_store_part_begin(lh_store_t *st, const char *bucket, const char *upload_id,
                        lh_store_writer_t **out, lh_err_t *err);
typedef struct lh_store_part {
    int part_number; /* 1..10000 */
    int64_t size;
    char etag[40]; /* hex md5 */
    char *attrs;   /* JSON (part checksums), malloc'd, may be NULL */
    int64_t mtime_ns;
} lh_store_part_t;
/* Durably stores the part (replacing an earlier one with the same number);
 * frees w in every case. Errors: LH_EINVAL (part_number outside 1..10000),
 * LH_ENOENT (the upload went away), LH_EIO as lh_store_put_commit. */
int lh_store_part_commit(lh_store_writer_t *w, int part_number, const char *etag, const char *attrs,
                         lh_err_t *err);
/* Parts in number order, starting after part_marker, at most max (0 = all).
 * *out is malloc'd and the caller's (lh_store_parts_free). Errors: LH_ENOENT
 * (no such bucket or upload). */
int lh_store_mpu_parts(lh_store_t *st, const char *bucket, const char *upload_id, int part_marker,
                       int max, lh_store_part_t **out, int *n, int *truncated, lh_err_t *err);
/* Frees each part's attrs, then the array (NULL is fine). */
void lh_store_parts_free(lh_store_part_t *p, int n);
/* Uploads of a bucket in (key, upload id) order after the markers (either
 * may be NULL), at most max; an upload is valid during the call only. A
 * non-zero return from fn stops the walk (not an error). Errors: LH_ENOENT
 * (no such bucket). */
int lh_store_mpu_list(lh_store_t *st, const char *bucket, const char *prefix, size_t prefix_len,
                      const char *key_marker, const char *upload_id_marker, int max,
                      int (*fn)(const lh_store_mpu_t *, void *), void *arg, int *truncated,
                      lh_err_t *err);
/* Concatenates the chosen parts (already validated by the caller, in order)
 * into one body, publishes it with meta (attrs NULL: the upload's) and cond
 * (may be NULL), removes the upload. With record non-NULL, the completed
 * upload (its key, meta->etag, meta->version_id and record, the caller's
 * text) is kept in the same transaction for LH_STORE_MPU_DONE_TTL_NS
 * (lh_store_mpu_done_get); older records are pruned as completions go.
 * Versioning and meta->version_id as lh_store_put_commit. Errors:
 * LH_ENOENT (no such bucket or upload), LH_EINVAL (no parts, or a part
 * number with no part),
 * LH_ECONFLICT (a part's body went away: a concurrent overwrite of that
 * part), LH_ECORRUPT (a part's body has the wrong size), LH_EPRECOND (a
 * condition failed), LH_EIO as lh_store_put_commit. */
int lh_store_mpu_complete(lh_store_t *st, const char *bucket, const char *upload_id,
                          const int *part_numbers, int nparts, lh_store_meta_t *meta,
                          const lh_store_put_cond_t *cond, const char *record, lh_err_t *err);
/* How long a completed upload is remembered: 24 hours. */
#define LH_STORE_MPU_DONE_TTL_NS ((int64_t)24 * 3600 * 1000000000)
typedef struct lh_store_mpu_done {
    char *key;
    size_t key_len; /* malloc'd */
    char etag[80];
    char *record; /* the text given to lh_store_mpu_complete, malloc'd */
    int64_t completed_ns;
    char version_id[LH_STORE_VERSION_ID_SIZE]; /* as the completion reported it */
} lh_store_mpu_done_t;
/* Frees key and record and sets them to NULL (d NULL is fine). */
void lh_store_mpu_done_clear(lh_store_mpu_done_t *d);
/* The completed upload upload_id of bucket into *out (caller clears:
 * lh_store_mpu_done_clear). Errors: LH_ENOENT (none completed with a record
 * within LH_STORE_MPU_DONE_TTL_NS). */
int lh_store_mpu_done_get(lh_store_t *st, const char *bucket, const char *upload_id,
                          lh_store_mpu_done_t *out, lh_err_t *err);
/* Removes the upload and its parts. Errors: LH_ENOENT (no such bucket or
 * upload). */
int lh_store_mpu_abort(lh_store_t *st, const char *bucket, const char *upload_id, lh_err_t *err);

/* Test hook: aborts the process when the point set with
 * lh_store_set_crash_point (the store role sets store.crash_at, env
 * LAKEHOUSE_CRASH_AT) equals point; only in LH_TEST_HOOKS builds, a no-op
 * otherwise. Set it before the store serves (not thread-safe). */
void lh_store_set_crash_point(const char *point);
void lh_store_crash_point(const char *point);

#endif
