/* The Parquet writer: batches of column vectors (vector/batch.h) in, a
 * Parquet file out through a sink callback, streaming row group by row group
 * (on one thread never more than one row group buffered; on several, two).
 *
 * Threads (opts.threads or opts.pool): a full row group's column chunks are
 * prepared in parallel and its pages (encoding, compression, page
 * statistics) made on the pool while the caller's thread takes the next
 * row group's batches; at the next full row group (or close) the caller's
 * thread makes the pages left, and writes them all in file order. So two
 * row groups are held (one being built, one being made), a row group
 * reaches the sink one row group later, and the file's bytes are exactly
 * those of one thread. The sink is only ever called on the caller's thread
 * (inside write_batch and close).
 *
 * What it writes: data pages v1; definition and repetition levels RLE; values
 * RLE_DICTIONARY with a PLAIN dictionary page per column chunk, or PLAIN when
 * the dictionary passes its limit or would not pay (the whole chunk is then
 * PLAIN); BOOLEAN always PLAIN; every page compressed with the configured
 * codec; statistics (min_value/max_value in the column's order, null_count)
 * per column chunk; the page index (a ColumnIndex with every data page's
 * bounds, NULL count and the boundary order, and an OffsetIndex with every
 * data page's place and first row) per column chunk, between the last row
 * group and the footer, unless opts.page_index is false; a LogicalType wherever the format has one;
 * ColumnOrder TYPE_DEFINED_ORDER for every column. Every column and nested field is OPTIONAL (MAP
 * keys REQUIRED, the LIST/MAP repeated groups REPEATED). See src/parquet/README.md for the type
 * mapping and limits. */
#ifndef LH_PARQUET_WRITER_H
#define LH_PARQUET_WRITER_H

#include "core/err.h"
#include "parquet/codec.h"
#include "vector/batch.h"
#include "vector/value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Receives the file's bytes in order; returns 0 or a negative LH_E* (with
 * err filled), which aborts the writer. */
struct lh_pool; /* core/pool.h */

typedef int (*lh_pq_sink_fn)(void *ctx, const void *data, size_t len, lh_err_t *err);

typedef struct lh_pq_kv_pair {
    const char *key, *value; /* value may be NULL */
} lh_pq_kv_pair_t;

typedef struct lh_pq_write_opts {
    int codec;                 /* LH_PQ_CODEC_ZSTD (default), SNAPPY, GZIP, UNCOMPRESSED, ... */
    int level;                 /* codec level; 0: the default (ZSTD LH_PQ_ZSTD_LEVEL) */
    uint32_t row_group_rows;   /* rows per row group; default 122880 (DuckDB's) */
    uint32_t page_bytes;       /* target uncompressed data page size; default 1 MiB */
    bool dictionary;           /* dictionary-encode columns (not BOOLEAN); default true */
    uint32_t dict_limit_bytes; /* a chunk's dictionary page passing this goes PLAIN; 1 MiB */
    bool page_index;           /* write a ColumnIndex and OffsetIndex per chunk; default true */
    const char *created_by;    /* NULL: "lakehouse <version>" */
    const lh_pq_kv_pair_t *kv; /* key/value metadata for the footer (copied at open) */
    uint32_t nkv;
    /* Threads that make a row group's pages (see above); the bytes written are the same for
     * any number. 0 or 1 (default): the caller's thread alone, each page made as it is
     * written; N > 1 (at most 256): the caller's thread and a pool of N - 1 threads the
     * writer starts at open and joins at free. */
    int threads;
    /* Or the threads of this pool and the caller's (threads is then ignored): borrowed, it
     * must outlive the writer; the writer's jobs wait behind the pool's queue, and pages no
     * pool thread took are made on the caller's thread. */
    struct lh_pool *pool;
} lh_pq_write_opts_t;

/* Fills o with the defaults above. */
void lh_pq_write_opts_default(lh_pq_write_opts_t *o);

/* Statistics of one leaf column over the whole file. min and max have the
 * column's logical type (for a MAP key or LIST element, the leaf's type);
 * strings are truncated to 64 bytes (min a prefix, max rounded up; then the
 * *_exact flag is false, and when a max cannot be rounded up has_max is
 * false). No min/max for INTERVAL, for columns with only NULLs, or FLOAT and
 * DOUBLE with only NaNs. String bytes live in the writer (until
 * lh_pq_writer_free). */
typedef struct lh_pq_col_stats {
    const char *path; /* the dotted Parquet path, "a.b", "l.list.element", "m.key_value.key" */
    const char *const *names; /* the same as components */
    uint32_t depth;           /* names */
    bool has_min, has_max, min_exact, max_exact;
    lh_value_t min, max;
    int64_t null_count; /* leaf slots that are NULL (a NULL parent counts at each leaf) */
} lh_pq_col_stats_t;

typedef struct lh_pq_file_stats {
    int64_t num_rows;
    uint32_t num_row_groups;
    uint64_t file_size;
    lh_pq_col_stats_t *cols; /* one per leaf column in file order; owned by the writer */
    uint32_t ncols;
} lh_pq_file_stats_t;

typedef struct lh_pq_writer lh_pq_writer_t;

/* A writer for rows of schema, a STRUCT whose fields are the columns (any
 * type of vector/types.h, nested included). The schema and opts are copied.
 * Writes the leading "PAR1" through the sink at once. *out is owned by the
 * caller (lh_pq_writer_free). Returns 0, LH_EINVAL (not a STRUCT, a type
 * with no Parquet mapping, a codec we do not write, a bad option), LH_ENOMEM
 * (memory or threads) or the sink's error. */
int lh_pq_writer_open(const lh_type_t *schema, const lh_pq_write_opts_t *opts, lh_pq_sink_fn sink,
                      void *sink_ctx, lh_pq_writer_t **out, lh_err_t *err);
/* Appends b's rows (its columns must have the schema's field types, any
 * vector kind). Flushes a row group to the sink each time row_group_rows
 * rows are buffered. The batch may be reset once this returns (values are
 * encoded or copied). Returns 0, LH_EINVAL (column types differ, a NULL MAP
 * key), LH_ETOOBIG (a value over 2 GiB), LH_ENOMEM, the codec's or the
 * sink's error (with threads, a page's error comes from the call that
 * writes its row group: the next flush or close); after an error the writer
 * only accepts free. */
int lh_pq_writer_write_batch(lh_pq_writer_t *w, const lh_batch_t *b, lh_err_t *err);
/* Flushes the last row group and writes the footer. stats_out (may be NULL)
 * is filled with pointers into the writer, valid until lh_pq_writer_free.
 * Returns 0 or an error above. */
int lh_pq_writer_close(lh_pq_writer_t *w, lh_pq_file_stats_t *stats_out, lh_err_t *err);
/* Frees the writer, closed or not (an unclosed file is left incomplete;
 * pages being made are waited for and dropped). NULL is fine. */
void lh_pq_writer_free(lh_pq_writer_t *w);

/* A sink that appends to an lh_buf_t (ctx): tests and small files. */
int lh_pq_sink_buf(void *ctx, const void *data, size_t len, lh_err_t *err);

#endif
