/* The Parquet reader: a file on disk or an object in the lake, read into
 * column vectors (vector/) a batch at a time.
 *
 *   lh_pq_reader_open_file / _object   footer and schema (one request for an
 *                                      object's footer up to 64 KiB)
 *   lh_pq_reader_schema                the columns as a STRUCT type
 *   lh_pq_reader_scan                  projection + predicates (row groups
 *                                      pruned on their statistics, pages
 *                                      on the page index)
 *   lh_pq_reader_next                  batches of up to LH_BATCH_ROWS rows
 *
 * Types: INT(8..64, signed and unsigned), DECIMAL from INT32/INT64/FLBA/
 * BYTE_ARRAY (int64 for precision <= 18, int128 above), DATE, TIME (millis,
 * micros, nanos -> micros), TIMESTAMP (isAdjustedToUTC true -> TIMESTAMP WITH
 * TIME ZONE, false -> TIMESTAMP; the legacy converted types TIMESTAMP_MILLIS/
 * MICROS -> WITH TIME ZONE, as DuckDB reads them), INT96 -> TIMESTAMP WITH
 * TIME ZONE, STRING/ENUM/JSON -> VARCHAR, other BYTE_ARRAY and FLBA -> BLOB
 * (UUID too, its 16 bytes), FLOAT16 -> FLOAT, INTERVAL -> INTERVAL; STRUCT,
 * LIST (3-level and the legacy 2-level forms), MAP.
 *
 * Output: a top-level primitive column whose pages in a row group are all
 * dictionary encoded comes out as a DICTIONARY vector (the row group's
 * dictionary + int32 codes), otherwise FLAT. Batches never span row groups.
 *
 * Ownership: the reader owns the batch it returns and everything it points
 * at (dictionaries, strings that are views into decompressed pages). A batch
 * is valid until the next lh_pq_reader_next, lh_pq_reader_scan or
 * lh_pq_reader_close; copy rows (lh_batch_append) to keep them longer.
 * A reader is used by one thread at a time.
 *
 * Errors (lh_err_t has the message): LH_ECORRUPT for a damaged file
 * (truncated, wrong magic, a footer or page that does not decode, offsets or
 * sizes outside the file, levels or indices out of range, fewer values than
 * rows), LH_EINVAL for valid Parquet we do not read (encryption, LZO, a type
 * we do not have) or misuse, LH_ETOOBIG for sizes over the reader's limits,
 * LH_EIO / LH_ENOENT from the file or the object store, LH_ENOMEM. */
#ifndef LH_PARQUET_READER_H
#define LH_PARQUET_READER_H

#include "core/err.h"
#include "parquet/meta.h"
#include "store/objstore.h"
#include "vector/batch.h"
#include "vector/scan.h"

typedef struct lh_pq_reader lh_pq_reader_t;

/* Bytes of an object's tail read in the first request (the footer is
 * usually inside). */
#define LH_PQ_TAIL_GUESS ((size_t)64 << 10)
/* A column chunk, compressed or not, may be at most this large. */
#define LH_PQ_CHUNK_MAX ((size_t)1 << 30)

/* Opens the file at path: reads and checks the footer and the schema.
 * *out is owned by the caller (lh_pq_reader_close). */
int lh_pq_reader_open_file(const char *path, lh_pq_reader_t **out, lh_err_t *err);
/* The same for an object: one suffix-range GET of the last
 * LH_PQ_TAIL_GUESS bytes (`Range: bytes=-N`), which also gives the size; a
 * second GET only when the footer is longer. The leading magic of an object
 * larger than that is not fetched (the trailing one is checked).
 * os must outlive the reader; bucket and key are copied. Column chunks are
 * fetched with ranged GETs, up to 4 at once on threads. */
int lh_pq_reader_open_object(lh_objstore_t *os, const char *bucket, const char *key,
                             lh_pq_reader_t **out, lh_err_t *err);
void lh_pq_reader_close(lh_pq_reader_t *r); /* NULL is fine */

/* The decoded footer (owned by the reader). */
const lh_pq_file_meta_t *lh_pq_reader_meta(const lh_pq_reader_t *r);
/* STRUCT(col type, ...) of the top-level columns, in file order (owned by
 * the reader). */
const lh_type_t *lh_pq_reader_schema(const lh_pq_reader_t *r);
int64_t lh_pq_reader_num_rows(const lh_pq_reader_t *r);

/* Leaf columns (one column chunk each per row group), in file order. */
uint32_t lh_pq_reader_nleaves(const lh_pq_reader_t *r);
/* The leaf's dotted path ("a.b.list.element") into buf (cap bytes). */
void lh_pq_reader_leaf_path(const lh_pq_reader_t *r, uint32_t leaf, char *buf, size_t cap);
/* The logical type the leaf's values are read as. */
const lh_type_t *lh_pq_reader_leaf_type(const lh_pq_reader_t *r, uint32_t leaf);
/* The statistics of one column chunk as typed values (string bounds point
 * into the reader's footer). Returns 0, LH_EINVAL (indices out of range). */
int lh_pq_reader_chunk_stats(const lh_pq_reader_t *r, uint32_t row_group, uint32_t leaf,
                             lh_stats_t *out);

/* Starts a scan (ending any earlier one). req NULL or all_columns: every
 * top-level column. Paths name top-level columns and STRUCT fields below
 * them; predicates prune row groups on chunk statistics of primitive
 * columns outside lists, then rows on those columns' page indexes (when
 * the file has them): only the row ranges whose pages might match come
 * back, in every column alike (a superset of the matching rows; the
 * caller filters). req is borrowed for the whole scan. Returns 0,
 * LH_EINVAL (a path that names no column), LH_ENOMEM; lh_pq_reader_next
 * also returns LH_ECORRUPT for a page index that does not decode or fit. */
int lh_pq_reader_scan(lh_pq_reader_t *r, const lh_scan_req_t *req, lh_err_t *err);
/* The same over row groups [first, first + count) only (clipped to the
 * file): how several threads split one file, each with its own reader.
 * lh_pq_reader_scan is first 0, count UINT32_MAX. */
int lh_pq_reader_scan_groups(lh_pq_reader_t *r, const lh_scan_req_t *req, uint32_t first,
                             uint32_t count, lh_err_t *err);
/* The next batch of the scan: *out points at the reader's batch (columns as
 * projected, count rows), or is NULL at the end. Returns 0 or an error
 * above; after an error the scan is over. */
int lh_pq_reader_next(lh_pq_reader_t *r, lh_batch_t **out, lh_err_t *err);
/* Row groups the current scan skipped on statistics so far (chunk
 * statistics, or a page index under which no page might match). */
uint32_t lh_pq_reader_pruned(const lh_pq_reader_t *r);
/* Data pages of the projected columns the current scan did not decode so
 * far because the page index ruled their rows out. */
uint64_t lh_pq_reader_pages_pruned(const lh_pq_reader_t *r);

#endif
