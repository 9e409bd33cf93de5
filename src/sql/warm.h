/* Warming the scan cache as an object is written: the writer of a
 * newline-delimited JSON object of the lake, which holds its rows anyway,
 * leaves in sql.cache_dir the entry that read_json(url, columns = {...})
 * with no other option would make of the object, so its first reader takes
 * the rows from there instead of fetching, decompressing and parsing it
 * (Databricks' CACHE SELECT warms its disk cache with a query; here the
 * write does it). `lakehouse ingest --warm-cache` writes its bronze so.
 *
 * The caller hands the rows exactly as that read_json would convert the
 * object's lines: a row it cannot vouch for (a string the reader would
 * unescape into other bytes) must end the entry unkept. An entry is keyed
 * like a scan's (sql/exec/scan_cache.h): the object's ETag and size as
 * written, the columns and this binary; a query reading the object with
 * other columns or options, or another binary, misses it and parses the
 * object as ever. Thread-safe across entries; one entry is one thread's. */
#ifndef LH_SQL_WARM_H
#define LH_SQL_WARM_H
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "vector/batch.h"

typedef struct lh_sql_warm lh_sql_warm_t;
typedef struct lh_sql_warm_entry lh_sql_warm_entry_t;

/* The scan cache in dir holding up to max bytes (sql.cache_dir,
 * sql.cache_size): 0 and *out, *out NULL when dir is empty or max 0, or
 * LH_EIO / LH_ENOMEM with err set. */
int lh_sql_warm_open(const char *dir, int64_t max, lh_sql_warm_t **out, lh_err_t *err);
void lh_sql_warm_close(lh_sql_warm_t *w);

/* An entry of rows of ncols columns named names (the JSON keys; borrowed
 * until lh_sql_warm_end) of these types (scalars and strings), or NULL
 * when none can be written (w NULL, a type the cache does not keep, no
 * room). held: the columns whose values it keeps (NULL: all); the others
 * are not written (their vectors in the batches are not read), as a scan
 * leaves the columns its query does not read, and a query that reads one
 * misses the entry. */
lh_sql_warm_entry_t *lh_sql_warm_begin(lh_sql_warm_t *w, uint32_t ncols, const char *const *names,
                                       const lh_type_t *types, const bool *held);
/* Appends b's b->count rows (FLAT vectors of the entry's types, at most
 * LH_BATCH_ROWS rows). */
void lh_sql_warm_append(lh_sql_warm_entry_t *e, const lh_batch_t *b);
/* When keep, the entry becomes the one of object bucket/key as written
 * (etag as lh_objstore_meta_t has it, size its bytes); else it is dropped.
 * Frees e (NULL: nothing). */
void lh_sql_warm_end(lh_sql_warm_entry_t *e, const char *bucket, const char *key, const char *etag,
                     int64_t size, bool keep);

#endif
