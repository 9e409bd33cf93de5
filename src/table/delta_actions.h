/* Delta Lake log actions (delta-io/delta PROTOCOL.md, "Actions"): the
 * structs one line of a commit file `_delta_log/NNNNNNNNNNNNNNNNNNNN.json`
 * decodes into, the parser for a whole commit (newline-delimited JSON, one
 * action per line) and the writer of one action as one line.
 *
 * Memory: every string and array of a parsed action lives in the arena given
 * to the parser; actions built by a caller for the writer are borrowed for
 * the call. Paths are kept DECODED in the structs (the object key relative
 * to the table root, `ds=2026-11-26/part-00000-<uuid>.c000.zstd.parquet`);
 * the log holds them as RFC 2396 URIs, so the parser %-decodes and the
 * writer %-encodes (every byte but A-Z a-z 0-9 - . _ ~ / and the RFC 3986
 * sub-delims ! $ & ' ( ) * + , ; = : @).
 *
 * Unknown actions (cdc, domainMetadata, checkpointMetadata, sidecar, any
 * future one) are kept as LH_DELTA_OTHER with their name and the raw JSON of
 * the line, so a reader can ignore them (the protocol says unknown actions
 * and fields must be ignored) and a writer can copy them. Unknown fields of
 * known actions are dropped, but commitInfo keeps its whole object. */
#ifndef LH_TABLE_DELTA_ACTIONS_H
#define LH_TABLE_DELTA_ACTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

/* One entry of a Map[String, String]; value NULL is JSON null (a null
 * partition value). */
typedef struct lh_delta_kv {
    const char *key;
    const char *value;
} lh_delta_kv_t;

typedef struct lh_delta_map {
    const lh_delta_kv_t *items;
    size_t n;
} lh_delta_map_t;

typedef struct lh_delta_protocol {
    int min_reader_version;
    int min_writer_version;
    /* NULL / 0 when absent (readerFeatures exist only with reader 3,
     * writerFeatures only with writer 7) */
    const char *const *reader_features;
    size_t nreader_features;
    const char *const *writer_features;
    size_t nwriter_features;
} lh_delta_protocol_t;

typedef struct lh_delta_metadata {
    const char *id;                 /* a UUID, required */
    const char *name, *description; /* NULL when absent */
    const char *format_provider;    /* "parquet" */
    lh_delta_map_t format_options;
    const char *schema_string; /* Spark JSON schema (delta_schema.h) */
    const char *const *partition_columns;
    size_t npartition_columns;
    lh_delta_map_t configuration;
    int64_t created_time; /* ms since the epoch; -1 when absent */
} lh_delta_metadata_t;

typedef struct lh_delta_add {
    const char *path; /* decoded, relative to the table root (or absolute URI) */
    lh_delta_map_t partition_values;
    int64_t size;
    int64_t modification_time; /* ms */
    bool data_change;
    const char *stats; /* JSON text {"numRecords":..,"minValues":..}, NULL when absent */
    lh_delta_map_t tags;
    /* deletionVector's unique id (storageType + pathOrInlineDv + offset),
     * NULL without one; tables with deletion vectors are refused anyway */
    const char *dv_id;
} lh_delta_add_t;

typedef struct lh_delta_remove {
    const char *path;           /* decoded */
    int64_t deletion_timestamp; /* ms; -1 when absent */
    bool data_change;
    bool extended_file_metadata; /* partition_values and size are present */
    lh_delta_map_t partition_values;
    int64_t size; /* -1 when absent */
    const char *dv_id;
} lh_delta_remove_t;

typedef struct lh_delta_commit_info {
    int64_t timestamp;     /* ms; -1 when absent */
    const char *operation; /* "WRITE", "CREATE TABLE", ...; NULL when absent */
    /* operationParameters: values that are not strings are kept as their
     * JSON text */
    lh_delta_map_t operation_parameters;
    const char *txn_id;   /* "txnId": our writers put a UUID per attempt there */
    int64_t read_version; /* "readVersion"; -1 when absent */
    /* parse: the whole commitInfo object as JSON (every field, ours or
     * other engines'); write: NULL, or a JSON object whose fields are added
     * after the ones above */
    const char *json;
} lh_delta_commit_info_t;

typedef struct lh_delta_txn {
    const char *app_id;
    int64_t version;
    int64_t last_updated; /* ms; -1 when absent */
} lh_delta_txn_t;

typedef enum lh_delta_action_kind {
    LH_DELTA_PROTOCOL = 1,
    LH_DELTA_METADATA,
    LH_DELTA_ADD,
    LH_DELTA_REMOVE,
    LH_DELTA_COMMIT_INFO,
    LH_DELTA_TXN,
    LH_DELTA_OTHER, /* unknown to us: name + raw line */
} lh_delta_action_kind_t;

typedef struct lh_delta_action {
    lh_delta_action_kind_t kind;
    union {
        lh_delta_protocol_t protocol;
        lh_delta_metadata_t metadata;
        lh_delta_add_t add;
        lh_delta_remove_t remove;
        lh_delta_commit_info_t commit_info;
        lh_delta_txn_t txn;
        struct {
            const char *name; /* the action's key ("cdc", "domainMetadata") */
            const char *json; /* the whole line, {"name":{...}} */
        } other;
    } u;
} lh_delta_action_t;

/* Most actions one commit file may hold, and its largest line. */
#define LH_DELTA_MAX_ACTIONS 1000000
#define LH_DELTA_MAX_LINE ((size_t)16 << 20)

/* Parses a commit file text[0..n): one action per non-empty line. *out (an
 * array of *nout actions) and everything it points to live in arena a.
 * Errors: LH_ECORRUPT (a line that is not JSON, not an object with exactly
 * one key, a known action with a missing or mistyped required field, a bad
 * %-escape in a path; err names the line), LH_ETOOBIG (over the limits
 * above), LH_ENOMEM. */
int lh_delta_actions_parse(lh_arena_t *a, const char *text, size_t n, lh_delta_action_t **out,
                           size_t *nout, lh_err_t *err);

/* Appends act as one line of JSON plus "\n" to out (compact, fields in the
 * protocol's order). Errors: LH_EINVAL (a required field missing: a path,
 * a metadata id or schema, a commitInfo json that is not an object, an
 * OTHER without json), LH_ENOMEM/LH_ETOOBIG (the buffer's). */
int lh_delta_action_write(lh_buf_t *out, const lh_delta_action_t *act, lh_err_t *err);

/* The value of key in m, or NULL (absent or null); *found says which. */
const char *lh_delta_map_get(const lh_delta_map_t *m, const char *key, bool *found);

#endif
