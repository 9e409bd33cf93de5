/* Delta Lake tables on the object store: the transaction log layer.
 *
 * A table is a prefix of a bucket ("silver/transfers"); its log is
 * `<root>/_delta_log/NNNNNNNNNNNNNNNNNNNN.json`, one commit per version,
 * written only with put-if-absent, so two writers (processes, hosts) never
 * both get a version. This layer records files; the caller writes the
 * Parquet data files first (named with lh_delta_data_path) and then commits
 * them here with add actions (stats JSON included).
 *
 * Every read lists the log from the cached version on, so it sees the
 * newest commit of any writer. Time travel by version or by commit
 * timestamp (commitInfo.timestamp, which our writers keep strictly
 * increasing per table). Tables needing a reader or writer feature we do not
 * implement (deletionVectors, columnMapping, v2Checkpoint, ...) are refused
 * with an error naming the feature.
 *
 * Not thread-safe: one lh_delta_table_t per thread (the object store
 * handle may be shared). Every call blocks.
 *
 * Errors common to every call: those of the object store (objstore.h),
 * LH_ENOENT (no table at root, or no such version), LH_ECORRUPT (a commit
 * that does not parse, a version missing from the log), LH_EPERM (a feature
 * or protocol version we cannot honour; err names it), LH_ENOMEM. */
#ifndef LH_TABLE_DELTA_H
#define LH_TABLE_DELTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "store/objstore.h"
#include "table/delta_actions.h"
#include "table/delta_schema.h"
#include "vector/value.h"

typedef struct lh_delta_table lh_delta_table_t;

/* Opens a handle on the table at bucket/root (root without the trailing
 * slash; "" is the bucket's root). Reads nothing yet. os and bucket are
 * borrowed and must outlive the handle. Errors: LH_EINVAL (bad root),
 * LH_ENOMEM. */
int lh_delta_open(lh_delta_table_t **out, lh_objstore_t *os, const char *bucket, const char *root,
                  lh_err_t *err);
void lh_delta_close(lh_delta_table_t *t); /* NULL is fine */
const char *lh_delta_root(const lh_delta_table_t *t);

/* ---- snapshots ---- */

/* The state of the table at one version. Owned by the caller
 * (lh_delta_snapshot_free); valid on its own, also after lh_delta_close. */
typedef struct lh_delta_snapshot {
    int64_t version;
    int64_t timestamp; /* ms: this version's commit timestamp */
    lh_delta_protocol_t protocol;
    lh_delta_metadata_t metadata;
    lh_delta_schema_t schema;
    const lh_delta_add_t *files; /* live files, sorted by path */
    size_t nfiles;
    int64_t bytes;                    /* sum of the files' sizes */
    const lh_delta_remove_t *removed; /* tombstones (removed files), sorted by path */
    size_t nremoved;
    const lh_delta_txn_t *txns; /* the latest version per appId */
    size_t ntxns;
} lh_delta_snapshot_t;

/* The newest version. */
int lh_delta_snapshot_latest(lh_delta_table_t *t, lh_delta_snapshot_t **out, lh_err_t *err);
/* Version v (LH_ENOENT when it does not exist). */
int lh_delta_snapshot_at_version(lh_delta_table_t *t, int64_t v, lh_delta_snapshot_t **out,
                                 lh_err_t *err);
/* The newest version whose commit timestamp is <= ts_ms (LH_ENOENT when ts_ms
 * is before the first commit). */
int lh_delta_snapshot_at_time(lh_delta_table_t *t, int64_t ts_ms, lh_delta_snapshot_t **out,
                              lh_err_t *err);
void lh_delta_snapshot_free(lh_delta_snapshot_t *s); /* NULL is fine */
/* The version recorded for app_id by a txn action, or -1. */
int64_t lh_delta_snapshot_app_version(const lh_delta_snapshot_t *s, const char *app_id);

/* ---- writes: every one is one commit (one new version) ---- */

/* A partition predicate: column IN (values...), on a partition column;
 * values in partition text form (lh_delta_partition_text), NULL = IS NULL.
 * An array of them is a conjunction. */
typedef struct lh_delta_pred {
    const char *column;
    const char *const *values;
    size_t nvalues;
} lh_delta_pred_t;

typedef struct lh_delta_create {
    const lh_delta_schema_t *schema;
    const char *const *partition_columns; /* top-level primitive columns of schema */
    size_t npartition_columns;
    const char *name, *description; /* optional */
    lh_delta_map_t configuration;   /* table properties ("delta.appendOnly": "true") */
} lh_delta_create_t;

/* Creates the table: version 0 with protocol (reader 1 / writer 2, or 3 / 7
 * with the timestampNtz feature when the schema has a timestamp_ntz) and
 * metaData (a new UUID id). Errors: LH_EEXIST (a log exists), LH_EINVAL (a
 * partition column missing from the schema or not primitive; a type Delta
 * cannot hold). */
int lh_delta_create(lh_delta_table_t *t, const lh_delta_create_t *c, int64_t *version,
                    lh_err_t *err);

/* Creates the table with its first files in one commit (version 0 holds
 * protocol, metaData and the adds: CREATE TABLE AS SELECT), or, with
 * replace and a table at root, replaces it in one commit: a metaData with
 * c's schema, partitioning and configuration (the table id kept), the
 * protocol it needs, every live file removed and the adds added (CREATE OR
 * REPLACE TABLE). A writer killed before the commit leaves no table or the
 * previous version. Errors: as lh_delta_create (LH_EEXIST without replace),
 * LH_EINVAL (adds whose partition values do not fit c), LH_EPERM (replacing
 * an append-only table), LH_ECONFLICT (a concurrent commit to the replaced
 * table won). */
int lh_delta_create_with(lh_delta_table_t *t, const lh_delta_create_t *c, bool replace,
                         const lh_delta_add_t *adds, size_t nadds, int64_t *version, lh_err_t *err);

typedef enum lh_delta_mode {
    LH_DELTA_APPEND = 1,    /* add files */
    LH_DELTA_OVERWRITE,     /* remove every live file, add these */
    LH_DELTA_REPLACE_WHERE, /* remove the live files matching where, add these */
} lh_delta_mode_t;

typedef struct lh_delta_write {
    lh_delta_mode_t mode;
    const lh_delta_add_t *adds; /* modification_time 0 = now; partition values for
                                   exactly the partition columns */
    size_t nadds;
    const lh_delta_pred_t *where; /* REPLACE_WHERE: on partition columns; every add
                                     must match it too */
    size_t nwhere;
    const char *app_id; /* optional: records txn {app_id, app_version} in the commit */
    int64_t app_version;
} lh_delta_write_t;

/* Commits w at the next version: put-if-absent; on a lost race the winning
 * commits are read and checked: appends never conflict with appends;
 * LH_ECONFLICT (err says which version and file) when a winner changed the
 * metadata or protocol, removed a file this commit removes, or added a file
 * an OVERWRITE / REPLACE_WHERE would have removed; otherwise it retries at
 * the next version (up to 100 times: LH_EBUSY after). *version gets the
 * committed version. LH_EPERM on an append-only table for anything but
 * APPEND; LH_EINVAL for adds that break the rules above. */
int lh_delta_write(lh_delta_table_t *t, const lh_delta_write_t *w, int64_t *version, lh_err_t *err);
int lh_delta_append(lh_delta_table_t *t, const lh_delta_add_t *adds, size_t n, int64_t *version,
                    lh_err_t *err);
int lh_delta_overwrite(lh_delta_table_t *t, const lh_delta_add_t *adds, size_t n, int64_t *version,
                       lh_err_t *err);
int lh_delta_replace_where(lh_delta_table_t *t, const lh_delta_pred_t *where, size_t nwhere,
                           const lh_delta_add_t *adds, size_t n, int64_t *version, lh_err_t *err);
/* Removes the named live files (decoded paths). LH_ENOENT for a path that is
 * not live. */
int lh_delta_delete_files(lh_delta_table_t *t, const char *const *paths, size_t n, int64_t *version,
                          lh_err_t *err);
/* Replaces live files by others in one commit: OPTIMIZE (data_change
 * false: the same rows in fewer files) or a rewrite of rows (data_change
 * true: files with some rows deleted or replaced). Adds carry their
 * partition values and stats as for lh_delta_write. A concurrent commit
 * that removed one of the files makes it LH_ECONFLICT (also when found
 * while retrying); concurrent appends never conflict. */
typedef struct lh_delta_rewrite {
    const char *const *remove; /* decoded paths of live files */
    size_t nremove;
    const lh_delta_add_t *adds;
    size_t nadds;
    bool data_change;
    const char *operation; /* commitInfo operation: NULL = "OPTIMIZE" */
    lh_delta_map_t params; /* its operationParameters */
} lh_delta_rewrite_t;
int lh_delta_rewrite(lh_delta_table_t *t, const lh_delta_rewrite_t *rw, int64_t *version,
                     lh_err_t *err);

/* Schema evolution: adds a nullable column at the end. LH_EINVAL when it
 * exists or is not nullable. */
int lh_delta_add_column(lh_delta_table_t *t, const lh_delta_column_t *col, int64_t *version,
                        lh_err_t *err);
/* Replaces the schema (a new metaData with the same id). LH_EINVAL when a
 * partition column is gone or changed type. */
int lh_delta_set_schema(lh_delta_table_t *t, const lh_delta_schema_t *s, int64_t *version,
                        lh_err_t *err);

/* ---- checkpoints ---- */

/* Writes the checkpoint of version (-1: the latest) as
 * `_delta_log/<version>.checkpoint.parquet` (the classic single-file form:
 * one row per action in the columns txn, add, remove, metaData, protocol)
 * and points `_delta_log/_last_checkpoint` at it. Rewriting one is
 * harmless (the same state). *written (may be NULL) gets the version. */
int lh_delta_checkpoint(lh_delta_table_t *t, int64_t version, int64_t *written, lh_err_t *err);

/* ---- history ---- */

typedef struct lh_delta_history_entry {
    int64_t version;
    int64_t timestamp;     /* ms */
    const char *operation; /* "CREATE TABLE", "WRITE", "DELETE", ...; NULL when unknown */
    lh_delta_map_t operation_parameters;
    const char *commit_info; /* the whole commitInfo JSON, NULL when absent */
} lh_delta_history_entry_t;

typedef struct lh_delta_history {
    const lh_delta_history_entry_t *entries; /* newest first */
    size_t n;
    lh_arena_t *arena; /* owns everything */
} lh_delta_history_t;

/* The newest limit versions (limit <= 0: all). Free with lh_delta_history_free. */
int lh_delta_history(lh_delta_table_t *t, int64_t limit, lh_delta_history_t *out, lh_err_t *err);
void lh_delta_history_free(lh_delta_history_t *h);

/* ---- vacuum ---- */

typedef struct lh_delta_vacuum_opts {
    double retention_hours; /* files younger than this are kept; >= 0 */
    bool dry_run;           /* list, delete nothing */
    int64_t now_ms;         /* 0 = the clock (tests pass a time) */
    /* called per file to delete (dry run too), relative path, before any is
     * deleted; a non-zero return stops vacuum (nothing deleted) and is returned */
    int (*fn)(void *arg, const char *path, int64_t size);
    void *arg;
} lh_delta_vacuum_opts_t;

typedef struct lh_delta_vacuum_result {
    int64_t files; /* deleted (or, dry run, that would be) */
    int64_t bytes;
} lh_delta_vacuum_result_t;

/* Deletes data files under the table's root that the current snapshot does
 * not reference and no unexpired tombstone (removed less than retention ago)
 * names, and whose object is older than the retention. Never touches
 * `_delta_log/` nor any path with a component starting with '_' or '.'.
 * LH_EINVAL for a negative retention. */
int lh_delta_vacuum(lh_delta_table_t *t, const lh_delta_vacuum_opts_t *o,
                    lh_delta_vacuum_result_t *res, lh_err_t *err);

/* ---- data file names and partition values ---- */

/* Whether col is one of m's partition columns (names compared ignoring ASCII
 * case, as Delta's column names are unique regardless of case). */
bool lh_delta_is_partition_column(const lh_delta_metadata_t *m, const char *col);

#define LH_DELTA_NULL_PARTITION "__HIVE_DEFAULT_PARTITION__"

/* Appends the path (relative to the root) for a new data file:
 * "<col>=<value>/..." for each partition column in order (values escaped as
 * Hive does; NULL or absent -> __HIVE_DEFAULT_PARTITION__), then
 * "part-<part %05d>-<uuid>.c000.<codec>.parquet" (codec "zstd", "snappy").
 * Errors: LH_EINVAL (no codec, part < 0), the buffer's. */
int lh_delta_data_path(lh_buf_t *out, const char *const *partition_columns, size_t npcols,
                       const lh_delta_map_t *pvals, int part, const char *codec, lh_err_t *err);

/* Appends v's partition text (PROTOCOL.md "Partition Value Serialization"):
 * numbers as decimal text, booleans true/false, DATE 2026-11-26, TIMESTAMP
 * (no zone) "2026-11-26 10:00:00[.ffffff]", TIMESTAMP_TZ as ISO 8601 UTC
 * "2026-11-26T10:00:00.000000Z", strings as they are. A NULL value is not
 * text: the caller puts NULL in partitionValues. LH_EINVAL for NULL and
 * types that cannot partition (nested, INTERVAL, BLOB that is not UTF-8). */
int lh_delta_partition_text(const lh_value_t *v, lh_buf_t *out, lh_err_t *err);
/* Parses partition text of type t into *out (strings borrow text; "" or
 * NULL text is a NULL value). LH_EINVAL when it does not parse. */
int lh_delta_partition_value(const lh_type_t *t, const char *text, lh_value_t *out, lh_err_t *err);

/* ---- per-file statistics (the add action's stats JSON) ---- */

/* One column's statistics. path names a top-level column, or a nested
 * struct field with dots ("a.b"; names holding a dot cannot be written). */
typedef struct lh_delta_col_stats {
    const char *path;
    lh_value_t min, max; /* a NULL value (or INVALID type): not recorded */
    int64_t null_count;  /* -1: not recorded */
} lh_delta_col_stats_t;

/* Appends the stats JSON of a file: {"numRecords":n,"minValues":{..},
 * "maxValues":{..},"nullCount":{..}}. Values as Delta writes them: numbers
 * (decimals exact), DATE "2026-11-26", TIMESTAMP_TZ "2026-11-26T10:00:00.123Z"
 * and TIMESTAMP "2026-11-26T10:00:00.123" (milliseconds, floored: a reader
 * must take a max as up to 999 us more), strings: a min is cut to 32
 * characters, a max longer than 32 characters is left out. BOOLEAN, BLOB,
 * NaN and infinities are left out. Errors: LH_EINVAL (a bad path), the
 * buffer's. */
int lh_delta_stats_write(lh_buf_t *out, int64_t num_records, const lh_delta_col_stats_t *cols,
                         size_t n, lh_err_t *err);

typedef struct lh_delta_file_stats {
    int64_t num_records;        /* -1 when absent */
    lh_delta_col_stats_t *cols; /* one per top-level primitive column of the schema */
    size_t ncols;
} lh_delta_file_stats_t;

/* Reads a stats JSON for pruning: numRecords and, for each top-level
 * primitive column of schema, min, max (typed as the column; strings point
 * into arena a) and nullCount; what is absent or unreadable stays
 * unrecorded. LH_EINVAL when json is not a JSON object, LH_ENOMEM. */
int lh_delta_stats_parse(lh_arena_t *a, const char *json, const lh_delta_schema_t *schema,
                         lh_delta_file_stats_t *out, lh_err_t *err);

#endif
