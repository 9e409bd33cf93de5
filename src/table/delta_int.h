/* Internal to the Delta files of src/table/: the table handle, the replay
 * state it caches, and helpers shared by delta_log.c (listing + replay),
 * delta_snap.c (snapshots, features), delta_commit.c (the commit loop and
 * conflicts), delta_ops.c, delta_vacuum.c and delta_part.c. */
#ifndef LH_TABLE_DELTA_INT_H
#define LH_TABLE_DELTA_INT_H

#include "table/delta.h"

#define LH__DELTA_LOG_DIR "_delta_log/"
#define LH__DELTA_MAX_TRIES 100
#define LH__DELTA_COMMIT_MAX ((size_t)256 << 20) /* largest commit file read */

/* Memory shared by a replay state and the snapshots made from it: parsed
 * commits live here; freed when the last holder lets go. */
typedef struct lh__delta_mem {
    lh_arena_t *arena;
    int refs; /* atomic */
} lh__delta_mem_t;

lh__delta_mem_t *lh__delta_mem_new(void);
void lh__delta_mem_ref(lh__delta_mem_t *m);
void lh__delta_mem_unref(lh__delta_mem_t *m); /* NULL is fine */

/* One file entry of the replay: the newest action for (path, dv id). */
typedef struct lh__delta_entry {
    const char *path, *dv_id;
    const lh_delta_add_t *add;       /* non-NULL when live */
    const lh_delta_remove_t *remove; /* non-NULL when a tombstone */
} lh__delta_entry_t;

/* One commit read: its actions and timestamp. */
typedef struct lh__delta_commit_rec {
    const lh_delta_action_t *acts;
    size_t n;
    int64_t timestamp; /* ms, monotonic-adjusted */
} lh__delta_commit_rec_t;

/* The table at state.version after replaying commits first..version. */
typedef struct lh__delta_state {
    lh__delta_mem_t *mem;
    int64_t version; /* -1: nothing replayed */
    int64_t first;   /* the first version replayed (0, or a checkpoint's + 1) */
    const lh_delta_protocol_t *protocol;
    const lh_delta_metadata_t *metadata;
    lh__delta_entry_t *entries; /* open addressing, cap a power of two */
    size_t nentries, cap;
    const lh_delta_txn_t **txns;
    size_t ntxns, txcap;
    lh__delta_commit_rec_t *commits; /* [version - first] */
    size_t ncommits, ccap;
} lh__delta_state_t;

struct lh_delta_table {
    lh_objstore_t *os;
    char *bucket;
    char *root;              /* "" or "silver/transfers/" (with the slash) */
    lh__delta_state_t cache; /* the newest state seen */
};

/* The log as listed: commit versions (sorted), their object mtimes, and the
 * checkpoints present. */
typedef struct lh__delta_listing {
    int64_t *versions;
    int64_t *mtimes; /* s */
    size_t n, cap;
    int64_t *checkpoints;
    size_t ncheckpoints, ckcap;
    bool last_checkpoint; /* _delta_log/_last_checkpoint exists */
} lh__delta_listing_t;

/* The log after version after (-1: all). */
int lh__delta_list(lh_delta_table_t *t, int64_t after, lh__delta_listing_t *out, lh_err_t *err);
void lh__delta_listing_free(lh__delta_listing_t *l);

void lh__delta_state_init(lh__delta_state_t *s);
void lh__delta_state_free(lh__delta_state_t *s);
/* Brings s up to target (-1 = the newest listed): replays the commits after
 * s->version. LH_ENOENT when there is no table or target is not listed. */
int lh__delta_state_advance(lh_delta_table_t *t, lh__delta_state_t *s, int64_t target,
                            lh_err_t *err);
/* The cached state brought up to the newest commit. */
int lh__delta_refresh(lh_delta_table_t *t, lh_err_t *err);
/* The entry for path (dv NULL), or NULL. */
const lh__delta_entry_t *lh__delta_state_find(const lh__delta_state_t *s, const char *path,
                                              const char *dv_id);
/* The commit record of version v in s, or NULL. */
const lh__delta_commit_rec_t *lh__delta_state_commit(const lh__delta_state_t *s, int64_t v);

/* Streams the actions of the checkpoint at version into fn (protocol,
 * metaData, txn, add, remove; paths decoded), each allocated in arena a so
 * fn may keep it. Errors: the reader's (LH_ENOENT, LH_ECORRUPT, ...),
 * LH_ECORRUPT for a row missing a required field, fn's. */
int lh__delta_checkpoint_actions(lh_delta_table_t *t, int64_t version, lh_arena_t *a,
                                 int (*fn)(void *arg, const lh_delta_action_t *act), void *arg,
                                 lh_err_t *err);

/* Snapshot of a state (shares its memory). Checks the reader features. */
int lh__delta_snapshot_of(const lh__delta_state_t *s, lh_delta_snapshot_t **out, lh_err_t *err);
/* 0 when we can read (writer: also write) a table with protocol p and
 * metadata m, else LH_EPERM naming the feature. */
int lh__delta_check_reader(const lh_delta_protocol_t *p, const lh_delta_metadata_t *m,
                           lh_err_t *err);
int lh__delta_check_writer(const lh_delta_protocol_t *p, const lh_delta_metadata_t *m,
                           lh_err_t *err);

/* A commit being made: the caller fills the actions; commit adds commitInfo. */
typedef struct lh__delta_txn {
    const char *operation;
    lh_delta_map_t params;
    const lh_delta_protocol_t *protocol; /* optional */
    const lh_delta_metadata_t *metadata; /* optional */
    const lh_delta_remove_t *removes;
    size_t nremoves;
    const lh_delta_add_t *adds;
    size_t nadds;
    const char *app_id;
    int64_t app_version;
    bool blind_append;
    /* a file added by a winner that matches this conflicts (OVERWRITE: all) */
    bool read_all;
    const lh_delta_pred_t *where;
    size_t nwhere;
    int64_t read_version; /* the version the actions were made against; -1 = none */
} lh__delta_txn_t;

/* Puts the commit at read_version + 1 and on: see lh_delta_write. */
int lh__delta_commit(lh_delta_table_t *t, const lh__delta_txn_t *x, int64_t *version,
                     lh_err_t *err);

/* 1 when the partition values pv match every predicate (types from the
 * schema), 0 when not, or LH_EINVAL (a bad value, a non-partition column). */
int lh__delta_pred_match(const lh_delta_pred_t *where, size_t n, const lh_delta_map_t *pv,
                         const lh_delta_schema_t *schema, lh_err_t *err);

/* A random UUID (v4), 36 chars + NUL. */
int lh__delta_uuid(char out[37], lh_err_t *err);

/* A file path as the log holds it (commits and checkpoints alike): the
 * decoded path appended to out as an RFC 2396 URI, and back (strict: a bad
 * escape or a NUL gives NULL; the result lives in a). */
int lh__delta_path_encode(lh_buf_t *out, const char *path);
const char *lh__delta_path_decode(lh_arena_t *a, const char *uri, size_t n);
int64_t lh__delta_now_ms(void);

/* "<root>_delta_log/<20 digits>.json" into out. */
void lh__delta_commit_key(const lh_delta_table_t *t, int64_t v, char *out, size_t cap);

#endif
