/* Internals shared by the embedded store's files (engine*.c): the store
 * struct, the SQLite connection pool with its table of prepared statements,
 * the group-commit helpers and the body (data file) helpers. Not for use
 * outside src/store/engine*.c, except the bench-only bulk loader below. */
#ifndef LH_STORE_ENGINE_INT_H
#define LH_STORE_ENGINE_INT_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>

#include "core/dio.h"
#include "store/engine.h"

#define LH__ID_LEN 32 /* hex chars of a data id (16 random bytes) */

/* Prepared statements, one table (engine.c), prepared lazily per connection. */
enum {
    Q_BUCKET_GET,
    Q_BUCKET_LIST,
    Q_BUCKET_INSERT,
    Q_BUCKET_DELETE,
    Q_BUCKET_HAS_OBJ,
    Q_BUCKET_POLICY,
    Q_BUCKET_PUBLIC,
    Q_BUCKET_VERSIONING,
    Q_BUCKET_OWNERSHIP,
    Q_BUCKET_PUBLIC_BLOCK,
    Q_BUCKET_LIFECYCLE,
    Q_BUCKET_LIFECYCLE_GET,
    Q_BUCKET_EXISTS,
    Q_BUCKET_VSTATE,
    Q_BUCKET_HAS_VER,
    Q_BUCKET_OF_OWNER,
    Q_BUCKET_REASSIGN,
    Q_OBJ_GET,
    Q_OBJ_CUR,
    Q_OBJ_PUT,
    Q_OBJ_DELETE,
    Q_LIST_GE,
    Q_LIST_GT,
    Q_UP_INSERT,
    Q_UP_GET,
    Q_UP_DELETE,
    Q_UP_LIST,
    Q_UP_OF_BUCKET,
    Q_PART_PUT,
    Q_PART_CUR,
    Q_PART_LIST,
    Q_PART_IDS,
    Q_PART_DELETE_ALL,
    Q_REF_OBJ,
    Q_REF_PART,
    Q_REF_VER,
    Q_VER_SAVE,
    Q_VER_MARKER,
    Q_VER_FIND,
    Q_VER_DELETE,
    Q_VER_TOP,
    Q_VER_PROMOTE,
    Q_VER_GET,
    Q_VER_LATEST,
    Q_VLIST_GE,
    Q_VLIST_GT,
    Q_VLIST_KEY,
    Q_VLIST_POS,
    Q_OBJ_ATTRS,
    Q_OBJ_SET_ATTRS,
    Q_DONE_PUT,
    Q_DONE_GET,
    Q_DONE_PRUNE,
    Q_DONE_OF_BUCKET,
    Q_BEGIN,
    Q_COMMIT,
    Q_ROLLBACK,
    Q_SP,
    Q_SP_ROLLBACK,
    Q_SP_RELEASE,
    Q_COUNT
};

typedef struct lh__conn {
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
    struct lh__conn *next;
    struct lh_store *st; /* the store it belongs to */
} lh__conn_t;

/* One queued index operation of a group commit. fn runs inside the shared
 * transaction, under its own savepoint (rolled back alone when fn fails). */
typedef struct lh__op {
    int (*fn)(lh__conn_t *c, void *arg, lh_err_t *err);
    void *arg;
    const char *sync_id; /* body whose data/xx must be fsynced first, or NULL */
    int rc, done, skip;
    lh_err_t err;
    struct lh__op *next;
    /* lh__index_submit: called on the committing thread once the batch is
     * committed (rc and err set); NULL for a caller that waits */
    void (*complete)(struct lh__op *op);
} lh__op_t;

struct lh_store {
    char *root;  /* <data-dir>/store */
    int root_fd; /* directory fd of root */

    pthread_mutex_t pool_mu; /* reader connections */
    lh__conn_t *pool;

    pthread_mutex_t gmu; /* group commit of index writes */
    pthread_cond_t gcv;
    lh__op_t *gq_head, *gq_tail;
    int gleader;
    lh__conn_t *writer;
    pthread_cond_t ccv; /* wakes the committer thread (engine_sync.c) */
    pthread_t cthread;
    int cstarted, cstop;

    int s_errno;             /* a directory fsync failed: no more publishing */
    uint64_t s_seq;          /* published bodies: picks the data/xx they go to */
    size_t inline_max;       /* objects up to this size live in the index (0: none) */
    struct lh__cache *cache; /* engine_cache.c */
};

struct lh_store_writer {
    lh_store_t *st;
    int fd;                  /* tmp file; -1 while the body is in memory */
    lh_dio_t dio;            /* fd's writes by lh_store_put_write (dio.fd < 0: none yet) */
    unsigned char *mem;      /* in-memory body (inline candidate), or NULL */
    size_t mem_cap;          /* allocated bytes of mem */
    size_t inline_max;       /* > 0: stays in memory while size <= this */
    int in_mem;              /* the body is in mem (no tmp file yet) */
    int mem_only;            /* lh_store_put_begin_mem: never spills (LH_ETOOBIG) */
    char tmp[48];            /* tmp/<random>, while the body is being written */
    char id[LH__ID_LEN + 1]; /* data id, final once published */
    int64_t size;
    char bucket[64];
    char upload_id[64]; /* parts only */
};

/* engine.c: connections and statements */
/* engine.c: fsync of the directory name under dirfd; 0, or -1 with errno. */
int lh__fsync_dir_at(int dirfd, const char *name);
int lh__conn_get(lh_store_t *st, lh__conn_t **out, lh_err_t *err);
void lh__conn_put(lh_store_t *st, lh__conn_t *c);
/* The statement q of c, reset and with bindings cleared; NULL on error. */
sqlite3_stmt *lh__store_stmt(lh__conn_t *c, int q, lh_err_t *err);
int lh__sql_err(lh__conn_t *c, lh_err_t *err, const char *what);
/* 0 when the bucket exists, LH_ENOENT "no such bucket", or an SQL error. */
int lh__bucket_check(lh__conn_t *c, const char *bucket, lh_err_t *err);
/* lh__bucket_check that also reads the bucket's LH_VERSIONING_* into *out. */
int lh__bucket_versioning(lh__conn_t *c, const char *bucket, int *out, lh_err_t *err);
int64_t lh__now_ns(void);
void lh__random_hex(char *out, size_t nbytes); /* 2*nbytes hex + NUL */

/* Listing helpers shared by engine_list.c and engine_vlist.c: memcmp order
 * of byte strings (shorter first on a tie); the smallest key not starting
 * with p[0..len) written to out (its length, 0 when none exists); the length
 * of key's common prefix under o's prefix and delimiter (0 when the key has
 * none). */
int lh__bytes_cmp(const void *a, size_t alen, const void *b, size_t blen);
size_t lh__key_past_prefix(unsigned char *out, const unsigned char *p, size_t len);
size_t lh__list_common_prefix(const lh_store_list_opts_t *o, const unsigned char *key, size_t klen);

/* A growable list of body ids to unlink once a transaction committed. */
typedef struct lh__ids {
    char (*v)[LH__ID_LEN + 1];
    size_t n, cap;
} lh__ids_t;
int lh__ids_add(lh__ids_t *l, const char *id, lh_err_t *err);
/* Unlinks every listed body (when unlink is set) and frees the list. */
void lh__ids_done(lh_store_t *st, lh__ids_t *l, int unlink);

/* engine_mpu.c: deletes an upload's parts and row, collecting part bodies. */
int lh__upload_drop(lh__conn_t *c, const char *upload_id, lh__ids_t *ids, lh_err_t *err);

/* engine_sync.c: group commits */
/* Runs fn in the next index transaction (shared with concurrent callers);
 * returns when it is committed (synchronous=FULL) or failed. */
int lh__index_exec(lh_store_t *st, int (*fn)(lh__conn_t *, void *, lh_err_t *), void *arg,
                   lh_err_t *err);
/* The same for an operation that publishes the body id (renamed into
 * data/xx/): the batch leader first fsyncs every data/xx directory the batch
 * renamed into (one fsync each, shared by the batch), then commits. */
int lh__publish_exec(lh_store_t *st, const char *id, int (*fn)(lh__conn_t *, void *, lh_err_t *),
                     void *arg, lh_err_t *err);

/* Queues op (op->complete set; op owned by the caller until complete runs)
 * and returns at once: the committer thread, or a waiting caller that leads
 * first, commits it with its batch and calls op->complete on its thread. */
void lh__index_submit(lh_store_t *st, lh__op_t *op);
/* The store's committer thread: started at open, stopped (after committing
 * what is queued) at close. */
int lh__committer_start(lh_store_t *st);
void lh__committer_stop(lh_store_t *st);

/* engine_obj.c: bodies */
int lh__writer_new(lh_store_t *st, const char *bucket, lh_store_writer_t **out, lh_err_t *err);
void lh__writer_free(lh_store_writer_t *w);
/* fdatasync, rename the tmp file to data/xx/<id>, with the crash points;
 * the directory fsync follows in lh__publish_exec. Sets w->id. Concurrent
 * publishes go to the same data/xx (it rotates every 1024 bodies) so that
 * one directory fsync covers a whole batch. */
int lh__body_publish(lh_store_writer_t *w, lh_err_t *err);
void lh__body_path(const char *id, char *out /* >= 48 */);
void lh__body_unlink(lh_store_t *st, const char *id);
/* Opens data/xx/<id> read-only. -1 with errno on failure. */
int lh__body_open(lh_store_t *st, const char *id);
/* Checks cond against the current row of (bucket,key) and publishes the
 * row as the bucket's versioning says (engine_ver.c makes room for it);
 * *old_id gets the replaced body's id ("" if none, inline, or kept as a
 * noncurrent version). With data non-NULL the object is inline: its size
 * bytes go into the row and id must be "". version_out (NULL, or
 * LH_STORE_VERSION_ID_SIZE bytes) receives the version id to report ("" in
 * an unversioned bucket). */
int lh__obj_upsert(lh__conn_t *c, const char *bucket, const char *key, size_t keylen, int64_t size,
                   const char *etag, const char *attrs, const char *id, const void *data,
                   const lh_store_put_cond_t *cond, char *old_id, char *version_out, lh_err_t *err);

/* engine_ver.c: versions (see src/store/README.md, "Versions") */
#define LH__SEQ_CURRENT INT64_MAX /* the objects row's place among a key's versions */
/* The current row of (bucket,key), as lh__obj_upsert needs it. */
typedef struct lh__cur {
    int exists;
    char etag[80];
    char data_id[LH__ID_LEN + 1];
    char version_id[LH_STORE_VERSION_ID_SIZE];
    int64_t mtime_ns;
} lh__cur_t;
int lh__cur_get(lh__conn_t *c, const char *bucket, const char *key, size_t keylen, lh__cur_t *cur,
                lh_err_t *err);
/* Before a write of the current version in a versioned bucket: keeps the
 * current row as a noncurrent version, or (suspended, a null current)
 * hands its body to *old_id; drops a noncurrent null version when
 * suspended. Sets vid to the id of the version to write. */
int lh__ver_make_room(lh__conn_t *c, const char *bucket, const char *key, size_t keylen,
                      int versioning, const lh__cur_t *cur, char *old_id, char *vid, lh_err_t *err);
/* A new random version id (32 hex chars) into vid. */
void lh__version_id_new(char *vid);
/* An inline body as a read-only-positioned fd (a memfd holding the bytes,
 * offset 0). -1 with errno on failure. */
int lh__inline_fd(const void *data, size_t n);
void lh__meta_from_row(sqlite3_stmt *s, int col, lh_store_meta_t *m, int copy_attrs);

/* Bench only (bench/list_1m.c): inserts n index rows "fmt % i" in one
 * transaction, all pointing at the body of the existing key src, to build a
 * large bucket fast. Deleting such keys would remove the shared body; never
 * use outside benchmarks and tests. */
int lh__store_bulk_alias(lh_store_t *st, const char *bucket, const char *src, int64_t n,
                         void (*keyfn)(int64_t i, char *key, size_t cap), lh_err_t *err);

/* engine_cache.c: the read cache (see the top of that file for its rule).
 * Every write of an objects or buckets row calls a begin inside its index
 * operation; the group commit brackets each batch with batch_begin/end. A
 * reader takes a ticket before its SQLite read and fills with it after. */
typedef struct lh__cache lh__cache_t;
int lh__cache_new(lh__cache_t **out);
void lh__cache_free(lh__cache_t *c);
void lh__cache_obj_begin(lh_store_t *st, const char *bucket, const char *key, size_t keylen);
void lh__cache_bucket_begin(lh_store_t *st, const char *bucket);
void lh__cache_batch_begin(lh_store_t *st);
void lh__cache_batch_end(lh_store_t *st);
uint64_t lh__cache_obj_ticket(lh_store_t *st, const char *bucket, const char *key, size_t keylen);
uint64_t lh__cache_bucket_ticket(lh_store_t *st, const char *bucket);
void lh__cache_obj_fill(lh_store_t *st, uint64_t ticket, const char *bucket, const char *key,
                        size_t keylen, const lh_store_meta_t *m, const void *data);
void lh__cache_bucket_fill(lh_store_t *st, uint64_t ticket, const lh_store_bucket_t *b);

#endif
