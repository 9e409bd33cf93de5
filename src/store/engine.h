/* The embedded object store: buckets and objects on local disk, owned by the
 * process that holds the data directory. Blocking and thread-safe: call it
 * from worker threads (lh_work_submit), never from a loop thread.
 *
 * Layout under <data-dir>/store/:
 *   index.db            SQLite (WAL): buckets, objects (key BLOB, memcmp
 *                       order), multipart uploads and parts
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
 * after_fsync | after_rename | after_dirsync | after_index).
 */
#ifndef LH_STORE_ENGINE_H
#define LH_STORE_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct lh_store lh_store_t;
typedef struct lh_store_writer lh_store_writer_t;

#define LH_STORE_KEY_MAX 1024 /* bytes, as S3 */

typedef struct lh_store_bucket {
    char name[64];
    char owner[129];
    int64_t created_ns;
    int public_read; /* canned ACL public-read */
    char *policy;    /* JSON text or NULL; malloc'd, caller frees (lh_store_bucket_clear) */
} lh_store_bucket_t;
void lh_store_bucket_clear(lh_store_bucket_t *b);

typedef struct lh_store_meta {
    int64_t size;
    int64_t mtime_ns;
    char etag[80];   /* without quotes: hex md5, or hex-N for multipart */
    char *attrs;     /* JSON object text owned by the S3 layer (content type,
                        user metadata, checksums, part sizes...); malloc'd */
} lh_store_meta_t;
void lh_store_meta_clear(lh_store_meta_t *m);

/* Opens (creating) the store under data_dir, removes crash leftovers. */
int lh_store_open(lh_store_t **out, const char *data_dir, lh_err_t *err);
void lh_store_close(lh_store_t *st);
/* Objects of at most bytes are kept inline in the index (no body file; the
 * index commit is the only flush). 0 disables inlining; the default is
 * LH_STORE_INLINE_MAX_DEFAULT. Applies to writers begun afterwards; parts and
 * completed multipart objects always get body files. LH_ETOOBIG above
 * LH_STORE_INLINE_MAX_LIMIT. */
#define LH_STORE_INLINE_MAX_DEFAULT (64 * 1024)
#define LH_STORE_INLINE_MAX_LIMIT (1024 * 1024)
int lh_store_set_inline_max(lh_store_t *st, size_t bytes);

/* --- buckets --- (names validated by the caller) */
int lh_store_bucket_create(lh_store_t *st, const char *name, const char *owner, int public_read,
                           lh_err_t *err);           /* LH_EEXIST */
int lh_store_bucket_get(lh_store_t *st, const char *name, lh_store_bucket_t *out); /* LH_ENOENT */
/* fn per bucket in name order; stop when fn returns non-zero. */
int lh_store_bucket_list(lh_store_t *st, int (*fn)(const lh_store_bucket_t *, void *), void *arg);
/* Deletes an empty bucket; uploads in progress are aborted with it (their
 * parts removed). LH_ENOTEMPTY when objects remain, LH_ENOENT. */
int lh_store_bucket_delete(lh_store_t *st, const char *name, lh_err_t *err);
/* policy NULL deletes it. */
int lh_store_bucket_set_policy(lh_store_t *st, const char *name, const char *policy, lh_err_t *err);
int lh_store_bucket_set_public(lh_store_t *st, const char *name, int public_read, lh_err_t *err);

/* --- writing an object (or a part) --- */
typedef struct lh_store_put_cond {
    int if_none_match_any;  /* If-None-Match: * : fail with LH_EPRECOND when the key exists */
    const char *if_match;   /* etag without quotes: fail with LH_EPRECOND unless the current
                               etag equals it (also when the key does not exist: S3's 412) */
} lh_store_put_cond_t;

/* Starts a new body in tmp/. LH_ENOENT when the bucket is missing. */
int lh_store_put_begin(lh_store_t *st, const char *bucket, lh_store_writer_t **out, lh_err_t *err);
int lh_store_put_write(lh_store_writer_t *w, const void *data, size_t n, lh_err_t *err);
/* Makes the body durable and publishes it under key with meta (size is taken
 * from the bytes written; etag/attrs from meta). Conditions are checked
 * atomically with publishing. Frees w in every case. Errors: LH_EPRECOND (a
 * condition failed), LH_ENOENT (the bucket went away), LH_EIO. */
int lh_store_put_commit(lh_store_writer_t *w, const char *key, size_t keylen,
                        const lh_store_meta_t *meta, const lh_store_put_cond_t *cond, lh_err_t *err);
void lh_store_put_abort(lh_store_writer_t *w);
int64_t lh_store_writer_size(const lh_store_writer_t *w);

/* --- reading --- */
/* Meta of key (caller clears). LH_ENOENT for no bucket or no key
 * (err->msg says which: "no such bucket" / "no such key"). */
int lh_store_head(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                  lh_store_meta_t *out, lh_err_t *err);
/* Meta plus an open read-only fd on the body (caller closes). The body stays
 * readable through fd even if the key is overwritten or deleted meanwhile. */
int lh_store_get(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                 lh_store_meta_t *out, int *fd, lh_err_t *err);
/* Deleting a missing key is not an error (S3 semantics); LH_ENOENT only for
 * a missing bucket. */
int lh_store_delete(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                    lh_err_t *err);

/* --- listing, in key byte order, under a fixed memory cap --- */
typedef struct lh_store_list_opts {
    const char *prefix;    size_t prefix_len;
    const char *delimiter; size_t delimiter_len; /* 0 = none */
    const char *start_after; size_t start_after_len; /* exclusive; marker/token */
    int max_keys;          /* 0..1000 (0 returns nothing, not truncated) */
} lh_store_list_opts_t;
typedef struct lh_store_list_entry {
    const char *key; size_t key_len;
    int is_prefix;         /* a CommonPrefix (then only key is set) */
    const lh_store_meta_t *meta;
} lh_store_list_entry_t;
/* Calls fn for each entry (objects and common prefixes interleaved in order),
 * at most max_keys entries in all. *truncated says whether more follow;
 * next_marker (>= LH_STORE_KEY_MAX+1 bytes, NUL-terminated, length in *next_len)
 * is the last key or prefix returned. Seeks past each common prefix rather
 * than scanning its keys. LH_ENOENT for no bucket. */
int lh_store_list(lh_store_t *st, const char *bucket, const lh_store_list_opts_t *o,
                  int (*fn)(const lh_store_list_entry_t *, void *), void *arg, int *truncated,
                  char *next_marker, size_t *next_len, lh_err_t *err);

/* --- multipart --- */
/* Creates an upload; attrs (JSON, may be NULL) are kept for the final object.
 * upload_id receives a URL-safe id (>= 64 bytes). */
int lh_store_mpu_create(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                        const char *attrs, char *upload_id, lh_err_t *err);
typedef struct lh_store_mpu {
    char upload_id[64];
    char *key; size_t key_len; /* malloc'd */
    char *attrs;               /* malloc'd, may be NULL */
    int64_t created_ns;
} lh_store_mpu_t;
void lh_store_mpu_clear(lh_store_mpu_t *u);
/* The upload's key, attrs and creation time. LH_ENOENT when the bucket or
 * the upload is unknown; the caller compares the key of the request. */
int lh_store_mpu_get(lh_store_t *st, const char *bucket, const char *upload_id,
                     lh_store_mpu_t *out, lh_err_t *err);
/* Starts a part body; commit with lh_store_part_commit. */
int lh_store_part_begin(lh_store_t *st, const char *bucket, const char *upload_id,
                        lh_store_writer_t **out, lh_err_t *err);
typedef struct lh_store_part {
    int part_number;      /* 1..10000 */
    int64_t size;
    char etag[40];        /* hex md5 */
    char *attrs;          /* JSON (part checksums), malloc'd, may be NULL */
    int64_t mtime_ns;
} lh_store_part_t;
/* Durably stores the part (replacing an earlier one with the same number). */
int lh_store_part_commit(lh_store_writer_t *w, int part_number, const char *etag,
                         const char *attrs, lh_err_t *err);
/* Parts in number order, starting after part_marker, at most max (0 = all).
 * *out is malloc'd (free each attrs, then the array). */
int lh_store_mpu_parts(lh_store_t *st, const char *bucket, const char *upload_id, int part_marker,
                       int max, lh_store_part_t **out, int *n, int *truncated, lh_err_t *err);
void lh_store_parts_free(lh_store_part_t *p, int n);
/* Uploads of a bucket in (key, upload id) order after the markers. */
int lh_store_mpu_list(lh_store_t *st, const char *bucket, const char *prefix, size_t prefix_len,
                      const char *key_marker, const char *upload_id_marker, int max,
                      int (*fn)(const lh_store_mpu_t *, void *), void *arg, int *truncated,
                      lh_err_t *err);
/* Concatenates the chosen parts (already validated by the caller, in order)
 * into one body, publishes it with meta and cond, removes the upload. */
int lh_store_mpu_complete(lh_store_t *st, const char *bucket, const char *upload_id,
                          const int *part_numbers, int nparts, const lh_store_meta_t *meta,
                          const lh_store_put_cond_t *cond, lh_err_t *err);
int lh_store_mpu_abort(lh_store_t *st, const char *bucket, const char *upload_id, lh_err_t *err);

/* Test hook: aborts the process when the point set with
 * lh_store_set_crash_point (the store role sets store.crash_at, env
 * LAKEHOUSE_CRASH_AT) equals point; only in LH_TEST_HOOKS builds, a no-op
 * otherwise. Set it before the store serves (not thread-safe). */
void lh_store_set_crash_point(const char *point);
void lh_store_crash_point(const char *point);

#endif
