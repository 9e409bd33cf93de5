/* The scan cache: a local disk cache of what read_csv / read_json made of an
 * object of the lake, so the next scan of the same object takes its rows from
 * a local file instead of fetching, decompressing and parsing it again
 * (the idea of Databricks' disk cache, which keeps remote files' data on the
 * worker's local disk in a format that is fast to read).
 *
 * An entry is keyed by the object (bucket, key, ETag, size), everything that
 * decides what its rows are (format, compression, dialect, column names and
 * types) and this binary (its size and modification time): an object replaced
 * by other bytes has another ETag, so a stale entry is never read. An entry
 * holds the file's rows in the scan's batches, with the columns the scan that
 * wrote it read (the others are not parsed nor written: each costs fresh
 * pages, and a query reads few of a wide file's columns); a scan that needs a
 * column an entry lacks parses the object again, every column this time, and
 * its entry replaces the narrower one.
 * It is written to a temporary file while the scan reads the object, and
 * renamed into place only when the scan read all of it and every ranged GET
 * saw the listed ETag and the listed size was read; a scan that misses while
 * a scan of another process writes the same entry (a flock per entry) waits
 * for it, up to 10 s, instead of parsing the object too. A column that only
 * the entry reads (the query does not) and that does not convert leaves the
 * file without an entry rather than fail the query.
 * Entries written before the machine last booted are
 * removed when a cache is opened (their pages may never have reached the
 * disk); an entry whose head or trailer is not right is removed when it is
 * opened and the object read as usual, and each batch is checked (sizes,
 * bounds) before it is used. Least recently
 * used entries are removed when the directory holds more than its size.
 * A text scan keeps its derived columns (opt/derive.c) in entries of one
 * column each, keyed by the object's key text and the expression's.
 *
 * An entry can also be written by the writer of an object, before any scan
 * (sql/warm.h: `lakehouse ingest --warm-cache`), under the key a scan of the
 * written object computes (lh__scan_cache_text_key).
 * Thread-safe: scans of many threads and processes share one directory. */
#ifndef LH_SQL_EXEC_SCAN_CACHE_H
#define LH_SQL_EXEC_SCAN_CACHE_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "vector/batch.h"

typedef struct lh_scan_cache lh_scan_cache_t;

/* Opens the cache in dir (created with its parents, mode 0700), holding up to
 * max bytes of entries. 0, or LH_EIO / LH_ENOMEM with err set. */
int lh_scan_cache_open(const char *dir, int64_t max, lh_scan_cache_t **out, lh_err_t *err);
void lh_scan_cache_close(lh_scan_cache_t *c);

/* An entry's name: the hex SHA-256 of what identifies it. */
typedef struct lh_scan_cache_key {
    char hex[65];
} lh_scan_cache_key_t;

/* Builds a key from `len` bytes describing the object and the reading (the
 * caller's serialization; this binary's identity is added here). 0 or
 * LH_ENOMEM. */
int lh__scan_cache_key(const void *desc, size_t len, lh_scan_cache_key_t *k);

/* What decides the rows a read_csv / read_json scan makes of an object: the
 * object (bucket, key, listed ETag and size) and the reading (the plan's
 * options; json_keys NULL for CSV). */
typedef struct lh_scan_text_id {
    const char *bucket, *key, *etag;
    int64_t size;
    unsigned format, compression, header, skip;
    int delim, quote, escape;
    const char *nullstr;
    uint32_t ncols;
    const char *const *json_keys, *const *names;
    const lh_type_t *types;
} lh_scan_text_id_t;

/* The key of the entry of what id describes: 0 or LH_ENOMEM. With desc, the
 * description it hashes too (*desc malloc'd, *ndesc bytes: the text a scan's
 * derived columns key on). */
int lh__scan_cache_text_key(const lh_scan_text_id_t *id, lh_scan_cache_key_t *k, char **desc,
                            size_t *ndesc);

/* Whether rows of type t can be kept (fixed-width scalars and strings). */
bool lh__scan_cache_type_ok(const lh_type_t *t);

/* ---- reading an entry ---- */
typedef struct lh_scan_cache_rd lh_scan_cache_rd_t;
/* 1 and *out when the entry exists, is of ncols columns of these types and
 * holds every column need names (need NULL: all; the reader is the
 * caller's); 0 when it does not (a miss): *lock is then the entry's write
 * lock, held, for lh__scan_cache_begin, or -1 (read the object without
 * writing an entry), and *lacking says an entry was there without a column
 * need names (the new one should hold them all). When a scan of another
 * process is writing the entry, this waits for it (up to 10 s, or until
 * *cancel) and reads it; one of this process is not waited for. */
int lh__scan_cache_get(lh_scan_cache_t *c, const lh_scan_cache_key_t *k, const lh_type_t *types,
                       uint32_t ncols, const bool *need, lh_scan_cache_rd_t **out, int *lock,
                       bool *lacking, atomic_int *cancel);
/* lh__scan_cache_get of every column without waiting: when a scan of
 * another process is writing the entry, 0 with *lock -1 at once (compute
 * without writing one). For entries that are cheap to do without (a text
 * scan's derived columns: several per file, each a wait). */
int lh__scan_cache_try(lh_scan_cache_t *c, const lh_scan_cache_key_t *k, const lh_type_t *types,
                       uint32_t ncols, lh_scan_cache_rd_t **out, int *lock);
/* The entry's next batch into columns 0..ncols of b (FLAT, reset, with room
 * for LH_BATCH_ROWS rows; a column the entry does not hold is NULL): *rows, 0
 * at the end. Long strings point into the
 * reader's buffer, valid until the next call or lh__scan_cache_rd_close.
 * LH_ECORRUPT when the entry is damaged (it is removed; the rows handed
 * before were right, so the scan fails rather than start again), LH_ENOMEM. */
int lh__scan_cache_read(lh_scan_cache_rd_t *r, lh_batch_t *b, uint32_t *rows);
/* Whether every batch has been read. */
bool lh__scan_cache_done(const lh_scan_cache_rd_t *r);
void lh__scan_cache_rd_close(lh_scan_cache_rd_t *r);
/* Closes r and removes its entry (it did not hold what its key says). */
void lh__scan_cache_rd_remove(lh_scan_cache_rd_t *r);

/* ---- writing an entry ---- */
typedef struct lh_scan_cache_wr lh_scan_cache_wr_t;
/* A new entry for k holding the columns held names (NULL: all), or NULL when
 * it cannot be written now (the caller reads on without one). Takes lock
 * (lh__scan_cache_get's), released at the end. k NULL (lock -1): an entry
 * whose key is known only at its end (lh__scan_cache_end_as). */
lh_scan_cache_wr_t *lh__scan_cache_begin(lh_scan_cache_t *c, const lh_scan_cache_key_t *k,
                                         const lh_type_t *types, uint32_t ncols, const bool *held,
                                         int lock);
/* Appends the held columns of b's b->count rows. On a failure (a vector that
 * is not FLAT, a full disk) the entry is dropped and later calls do nothing. */
void lh__scan_cache_append(lh_scan_cache_wr_t *w, const lh_batch_t *b);
/* Makes the entry visible (keep true) or drops it, and frees w. */
void lh__scan_cache_end(lh_scan_cache_wr_t *w, bool keep);
/* As lh__scan_cache_end, the entry made visible as k's. */
void lh__scan_cache_end_as(lh_scan_cache_wr_t *w, const lh_scan_cache_key_t *k, bool keep);

#endif
