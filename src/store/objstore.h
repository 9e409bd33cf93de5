/* The object-store interface every other layer (tables, SQL, tasks, tools)
 * uses to read and write the lake. One set of blocking calls, several back
 * ends behind a table of function pointers (lh_objstore_ops_t):
 *   - embedded: in-process, over the store engine (core of `lakehouse up`);
 *   - s3: any S3 / MinIO / our own server over HTTP(S), libcurl transport,
 *     signed with our SigV4 signer.
 * A handle is thread-safe and its calls run in parallel: the S3 back end
 * keeps a pool of up to LH_OBJSTORE_S3_CONNS keep-alive connections (one per
 * call in flight; a further caller waits for one to come back), the embedded
 * one calls the engine, which is thread-safe. So several threads of a scan
 * can read column chunks through one handle at once. Never call it from a
 * loop thread: every call blocks.
 *
 * Conventions for every call: bucket and key are NUL-terminated; keys are
 * 1..1024 bytes. Returns 0 or a negative LH_E* code with err set. Errors,
 * for every call below (a call lists those it adds or that mean something
 * particular there):
 *   LH_ENOENT    no such bucket / key / upload
 *   LH_EPRECOND  a write condition failed (put_if_absent found the key,
 *                put_if_match found another etag)
 *   LH_EINVAL    bad argument, range not satisfiable, bad multipart parts
 *   LH_EEXIST    bucket exists (bucket_create)
 *   LH_EPERM     access denied; LH_EAUTH bad signature / unknown access key
 *   LH_ECONFLICT a concurrent change won (S3's ConditionalRequestConflict,
 *                OperationAborted, 409)
 *   LH_ETOOBIG   a request, id or reply beyond a fixed limit
 *   LH_EPROTO    an unreadable reply from a remote S3
 *   LH_ECORRUPT  the embedded store's body disagrees with its index
 *   LH_ENOMEM    out of memory
 *   LH_EIO       anything else (transport, server error: err has the message)
 * Arguments are borrowed for the call. Meta pointers (out/meta) are the
 * caller's and optional (NULL = not wanted). */
#ifndef LH_STORE_OBJSTORE_H
#define LH_STORE_OBJSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"

/* store/engine.h: only the embedded back end needs the engine itself */
typedef struct lh_store lh_store_t;

typedef struct lh_objstore lh_objstore_t;

typedef struct lh_objstore_meta {
    int64_t size;  /* the whole object's size, also on a ranged get */
    int64_t mtime; /* unix seconds */
    char etag[80]; /* no quotes: hex md5, or hex-N for multipart */
    char content_type[128];
} lh_objstore_meta_t;

#define LH_OBJSTORE_PART_SIZE ((size_t)8 << 20) /* put_file part size */
/* put_file goes multipart above this (lh_objstore_set_mpu_threshold changes it
 * for a handle). Higher than the aws CLI's 8 MiB, as rclone's 200 MiB cutoff:
 * our store joins the parts of a completed upload into one body, a second
 * write of every byte, and each part is signed with its SHA-256, where one
 * PUT streams the file (UNSIGNED-PAYLOAD); a 66 MB Parquet file took 0.17 s
 * less CPU, client and server, as one request. */
#define LH_OBJSTORE_MPU_THRESHOLD ((int64_t)64 << 20)
#define LH_OBJSTORE_MIN_PART ((int64_t)5 << 20) /* S3 minimum for all parts but the last */
#define LH_OBJSTORE_DEFAULT_TYPE "application/octet-stream"
#define LH_OBJSTORE_KEY_MAX 1024                /* bytes, as S3 (and the engine) */
#define LH_OBJSTORE_COPY_MAX ((int64_t)5 << 30) /* copy: S3's CopyObject limit, 5 GiB */
#define LH_OBJSTORE_DELETE_BATCH 1000           /* delete_many: keys per DeleteObjects */
#define LH_OBJSTORE_S3_CONNS 8                  /* remote: connections (calls in flight) */

/* A condition on a write, checked atomically with it (S3 conditional
 * writes). Both unset: unconditional; setting both is LH_EINVAL. */
typedef struct lh_objstore_cond {
    int if_none_match_star; /* only when the key does not exist (If-None-Match: *) */
    const char *if_match;   /* non-NULL: only when the key's etag is this one (If-Match;
                               no quotes, as lh_objstore_meta_t.etag; quotes are dropped) */
} lh_objstore_cond_t;

/* The `lake` configuration section (lake.endpoint, lake.bucket, lake.region,
 * lake.path_style, lake.ca_bundle, credentials): register it with
 * lh_config_register before loading the configuration. */
extern const lh_config_key_t lh_objstore_lake_keys[];
extern const int lh_objstore_nlake_keys;

/* --- back ends (the handle is owned by the caller: lh_objstore_close) --- */

/* In-process store over the engine. st stays owned by the caller and must
 * outlive the handle; buckets it creates belong to owner (NULL = "root").
 * Errors: LH_EINVAL (no store), LH_ENOMEM. */
int lh_objstore_open_embedded(lh_objstore_t **out, lh_store_t *st, const char *owner,
                              lh_err_t *err);

/* Where a remote S3 is and how to reach it (borrowed strings). */
typedef struct lh_objstore_s3_opts {
    const char *endpoint;    /* "http(s)://host[:port]"; a path prefix is not supported */
    const char *region;      /* NULL or "" = "us-east-1" */
    const char *access_key;  /* required */
    const char *secret_key;  /* required */
    int path_style;          /* 1: host/bucket/key; 0: bucket.host/key */
    const char *ca_bundle;   /* PEM file of CAs for https; NULL = the system's */
    const char *unix_socket; /* http only: reach the endpoint's server through this Unix
                                socket (ours: store.unix_listen), the same requests and
                                signatures; NULL or "" = TCP, and TCP once it cannot connect */
} lh_objstore_s3_opts_t;
/* Remote S3 (any S3, MinIO, ours). HTTPS verifies the peer. Errors:
 * LH_EINVAL (a malformed endpoint, missing keys, a region or key too long),
 * LH_ENOMEM. */
int lh_objstore_open_s3(lh_objstore_t **out, const lh_objstore_s3_opts_t *o, lh_err_t *err);
/* The lake as the `lake.*` keys describe it (lake.endpoint from
 * AWS_ENDPOINT_URL or LAKEHOUSE_S3_ENDPOINT, lake.region, lake.path_style,
 * lake.ca_bundle, lake.access_key/secret_key from AWS_ACCESS_KEY_ID/...
 * else LAKEHOUSE_ACCESS_KEY/...): the one way tools and tasks reach it.
 * Errors: LH_ENOENT (no lake.endpoint: no lake for a tool), LH_EINVAL (no
 * credentials, or as lh_objstore_open_s3), LH_ENOMEM. */
int lh_objstore_open_lake(lh_objstore_t **out, const lh_config_t *cfg, lh_err_t *err);
/* NULL is fine. No call may be in flight on os (from any thread). */
void lh_objstore_close(lh_objstore_t *os);
/* "embedded" or "s3". */
const char *lh_objstore_kind(const lh_objstore_t *os);

/* --- buckets --- */
/* Creates a bucket (owner: the handle's user / "root" embedded). Errors:
 * LH_EEXIST (it exists; a remote S3 in us-east-1 answers success for the
 * caller's own bucket, as AWS does there), LH_EINVAL (an empty name or one
 * over 63 bytes; a remote S3 also refuses names against its rules). */
int lh_objstore_bucket_create(lh_objstore_t *os, const char *bucket, lh_err_t *err);

/* --- objects --- */
/* Streams bytes [off, off+len) (len -1 = to the end) to sink (data is valid
 * during the call only), which may be
 * called many times; a non-zero return from sink stops the transfer and is
 * returned. off 0 / len -1 reads the whole object (also an empty one); any
 * other range needs off < size (else LH_EINVAL, like S3's 416); len is
 * clipped at the end; len == 0 or len < -1 is LH_EINVAL.
 * A suffix read: off = -N with len -1 streams the last N bytes (a Parquet
 * footer: remote `Range: bytes=-N`, one request, no HEAD first); the whole
 * object when it is shorter than N, nothing for an empty one; meta->size is
 * the whole object's size. A negative off with len != -1 is LH_EINVAL. */
int lh_objstore_get(lh_objstore_t *os, const char *bucket, const char *key, int64_t off,
                    int64_t len, int (*sink)(void *arg, const void *data, size_t n), void *arg,
                    lh_objstore_meta_t *meta, lh_err_t *err);
/* lh_objstore_get into out (appended; its cap applies: LH_ETOOBIG). The
 * caller owns out. */
int lh_objstore_get_buf(lh_objstore_t *os, const char *bucket, const char *key, int64_t off,
                        int64_t len, lh_buf_t *out, lh_objstore_meta_t *meta, lh_err_t *err);
/* Stores data under key (replacing it). content_type NULL = LH_OBJSTORE_DEFAULT_TYPE.
 * out gets the new object's meta. */
int lh_objstore_put(lh_objstore_t *os, const char *bucket, const char *key, const void *data,
                    size_t n, const char *content_type, lh_objstore_meta_t *out, lh_err_t *err);
/* As put, but atomically only when the key does not exist: LH_EPRECOND
 * otherwise. The Delta log's commit relies on it. */
int lh_objstore_put_if_absent(lh_objstore_t *os, const char *bucket, const char *key,
                              const void *data, size_t n, const char *content_type,
                              lh_objstore_meta_t *out, lh_err_t *err);
/* As put, but atomically only when the key's current etag is etag (no
 * quotes, as meta.etag): read-modify-write without a lost update. The
 * content type is LH_OBJSTORE_DEFAULT_TYPE. Errors: LH_EPRECOND (the key has
 * another etag: someone else wrote it), LH_ENOENT (no such key, or bucket),
 * LH_EINVAL (an empty etag, or one with a quote inside or over 79 bytes). */
int lh_objstore_put_if_match(lh_objstore_t *os, const char *bucket, const char *key,
                             const void *data, size_t n, const char *etag, lh_objstore_meta_t *out,
                             lh_err_t *err);
/* The general form of put, put_if_absent and put_if_match: cond NULL = none.
 * Errors: LH_EPRECOND (the condition failed), LH_ENOENT (if_match and no
 * such key). */
int lh_objstore_put_cond(lh_objstore_t *os, const char *bucket, const char *key, const void *data,
                         size_t n, const char *content_type, const lh_objstore_cond_t *cond,
                         lh_objstore_meta_t *out, lh_err_t *err);
/* Streams the local file at path; files above the handle's multipart threshold
 * (LH_OBJSTORE_MPU_THRESHOLD) go up as a multipart upload of LH_OBJSTORE_PART_SIZE
 * parts (aborted on failure). LH_EIO when the file cannot be read. */
int lh_objstore_put_file(lh_objstore_t *os, const char *bucket, const char *key, const char *path,
                         const char *content_type, lh_objstore_meta_t *out, lh_err_t *err);
/* The same for a file written by direct I/O (core/dio.h: a temporary file of
 * ingest or a table writer), read by direct I/O too where its file system
 * takes it (lh_dio_reader_t): a buffered read put it into fresh page-cache
 * pages first, ~2 core-s of the 10M benchmark's run. */
int lh_objstore_put_dio_file(lh_objstore_t *os, const char *bucket, const char *key,
                             const char *path, const char *content_type, lh_objstore_meta_t *out,
                             lh_err_t *err);
/* The size above which put_file uploads in parts (at least LH_OBJSTORE_PART_SIZE). */
void lh_objstore_set_mpu_threshold(lh_objstore_t *os, int64_t bytes);
int lh_objstore_head(lh_objstore_t *os, const char *bucket, const char *key,
                     lh_objstore_meta_t *out, lh_err_t *err);
/* Deleting a missing key is not an error (S3); LH_ENOENT for no bucket. */
int lh_objstore_delete(lh_objstore_t *os, const char *bucket, const char *key, lh_err_t *err);
/* Deletes keys[0..n) of bucket (remote: DeleteObjects, LH_OBJSTORE_DELETE_BATCH
 * keys a request; n 0 does nothing). A missing key is not an error. Not
 * atomic: on an error the keys of earlier batches (and some of the failing
 * one) are gone. Errors: LH_ENOENT (no such bucket), LH_EINVAL (a key of bad
 * length, named in err), the first per-key error of a batch with err naming
 * that key (e.g. LH_EPERM for AccessDenied). */
int lh_objstore_delete_many(lh_objstore_t *os, const char *bucket, const char *const *keys,
                            size_t n, lh_err_t *err);
/* Server-side copy of src_bucket/src_key to dst_bucket/dst_key (replacing
 * it; S3 CopyObject, the bytes never come to this process), with the
 * source's content type. out gets the new object's meta (its etag is the
 * md5 of the bytes, also for a multipart source). Errors: LH_ENOENT (no such
 * source key or either bucket), LH_EINVAL (source and destination are the
 * same object), LH_ETOOBIG (source over LH_OBJSTORE_COPY_MAX; a remote S3
 * may answer LH_EINVAL, its InvalidRequest, instead). */
int lh_objstore_copy(lh_objstore_t *os, const char *src_bucket, const char *src_key,
                     const char *dst_bucket, const char *dst_key, lh_objstore_meta_t *out,
                     lh_err_t *err);
/* Every key under prefix (NULL = all), over all pages, in key byte order.
 * With a delimiter (NULL = none), keys sharing prefix..delimiter are folded
 * into one entry with is_prefix 1 and meta NULL. key is valid during the call
 * only. A non-zero return from fn stops the listing and is returned. */
int lh_objstore_list(lh_objstore_t *os, const char *bucket, const char *prefix,
                     const char *delimiter,
                     int (*fn)(void *arg, const char *key, int is_prefix,
                               const lh_objstore_meta_t *meta),
                     void *arg, lh_err_t *err);
/* lh_objstore_list from a point and for a number of entries: only keys
 * (and prefixes) after start_after (NULL or "" = from the start; S3's
 * StartAfter: it need not exist), and at most max_keys entries in all, a
 * folded prefix counting as one (max_keys <= 0 = all; S3's MaxKeys, but over
 * as many pages as it takes). To page: pass the last key seen as the next
 * call's start_after. */
int lh_objstore_list_from(lh_objstore_t *os, const char *bucket, const char *prefix,
                          const char *delimiter, const char *start_after, int max_keys,
                          int (*fn)(void *arg, const char *key, int is_prefix,
                                    const lh_objstore_meta_t *meta),
                          void *arg, lh_err_t *err);

/* --- multipart --- */
#define LH_OBJSTORE_UPLOAD_ID_MAX 1024
/* upload_id gets a NUL-terminated id (cap >= 64 for the embedded store,
 * LH_OBJSTORE_UPLOAD_ID_MAX is always enough): LH_ETOOBIG when it does not fit.
 * content_type NULL = LH_OBJSTORE_DEFAULT_TYPE. */
int lh_objstore_mpu_create(lh_objstore_t *os, const char *bucket, const char *key,
                           const char *content_type, char *upload_id, size_t cap, lh_err_t *err);
/* part_number 1..10000; etag_out (>= 80 bytes) gets the part's etag, no quotes. */
int lh_objstore_mpu_put_part(lh_objstore_t *os, const char *bucket, const char *key,
                             const char *upload_id, int part_number, const void *data, size_t n,
                             char *etag_out, lh_err_t *err);
/* Completes with parts 1..nparts, etags[i] being part i+1's etag. All parts
 * but the last must be >= LH_OBJSTORE_MIN_PART (LH_EINVAL otherwise, as S3's
 * EntityTooSmall); a wrong etag or missing part is LH_EINVAL. */
int lh_objstore_mpu_complete(lh_objstore_t *os, const char *bucket, const char *key,
                             const char *upload_id, const char *const *etags, int nparts,
                             lh_objstore_meta_t *out, lh_err_t *err);
int lh_objstore_mpu_abort(lh_objstore_t *os, const char *bucket, const char *key,
                          const char *upload_id, lh_err_t *err);

/* --- for back-end implementers: a third back end fills this table --- */
typedef struct lh_objstore_ops {
    const char *kind;
    void (*close)(void *impl);
    int (*bucket_create)(void *impl, const char *bucket, lh_err_t *err);
    int (*get)(void *impl, const char *bucket, const char *key, int64_t off, int64_t len,
               int (*sink)(void *arg, const void *data, size_t n), void *arg,
               lh_objstore_meta_t *meta, lh_err_t *err);
    /* cond: NULL = none; else exactly one of its conditions is set (if_match
     * unquoted). A failed if_match on a missing key is LH_ENOENT. */
    int (*put)(void *impl, const char *bucket, const char *key, const void *data, size_t n,
               const char *content_type, const lh_objstore_cond_t *cond, lh_objstore_meta_t *out,
               lh_err_t *err);
    /* Single request from an open fd of size bytes (read with pread from 0). */
    int (*put_fd)(void *impl, const char *bucket, const char *key, int fd, int64_t size,
                  const char *content_type, lh_objstore_meta_t *out, lh_err_t *err);
    int (*head)(void *impl, const char *bucket, const char *key, lh_objstore_meta_t *out,
                lh_err_t *err);
    int (*del)(void *impl, const char *bucket, const char *key, lh_err_t *err);
    /* prefix and start_after "" = none; delimiter NULL = none; max_keys 0 = all. */
    int (*list)(void *impl, const char *bucket, const char *prefix, const char *delimiter,
                const char *start_after, int max_keys,
                int (*fn)(void *arg, const char *key, int is_prefix,
                          const lh_objstore_meta_t *meta),
                void *arg, lh_err_t *err);
    /* Source and destination differ (checked). */
    int (*copy)(void *impl, const char *src_bucket, const char *src_key, const char *dst_bucket,
                const char *dst_key, lh_objstore_meta_t *out, lh_err_t *err);
    /* 1..LH_OBJSTORE_DELETE_BATCH keys, each of valid length. NULL: objstore.c
     * deletes them one by one with del. */
    int (*delete_many)(void *impl, const char *bucket, const char *const *keys, size_t n,
                       lh_err_t *err);
    int (*mpu_create)(void *impl, const char *bucket, const char *key, const char *content_type,
                      char *upload_id, size_t cap, lh_err_t *err);
    int (*mpu_put_part)(void *impl, const char *bucket, const char *key, const char *upload_id,
                        int part_number, const void *data, size_t n, char *etag_out, lh_err_t *err);
    int (*mpu_complete)(void *impl, const char *bucket, const char *key, const char *upload_id,
                        const char *const *etags, int nparts, lh_objstore_meta_t *out,
                        lh_err_t *err);
    int (*mpu_abort)(void *impl, const char *bucket, const char *key, const char *upload_id,
                     lh_err_t *err);
} lh_objstore_ops_t;

/* Wraps a back end's state into a handle (ops is static; impl is released by
 * ops->close). On LH_ENOMEM ops->close(impl) has been called. */
int lh_objstore_wrap(lh_objstore_t **out, const lh_objstore_ops_t *ops, void *impl, lh_err_t *err);

#endif
