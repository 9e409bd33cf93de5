/* Writing rows into a Delta table: batches in, Parquet data files out to
 * the object store, then one commit (append, overwrite or replace-where)
 * recording them with their statistics. The log layer (delta.h) records
 * files; this layer makes them.
 *
 *   lh_table_writer_open   reads the table's latest snapshot (schema and
 *                          partition columns) and checks the mode;
 *   lh_table_writer_write  takes batches whose columns are the table's, in
 *                          schema order (partition columns included);
 *   lh_table_writer_commit closes the open files, uploads them, and commits.
 *
 * Rows are split by their partition values (one open data file per
 * partition in the write; partition columns are not stored in the files, as
 * Delta lays tables out); a file is closed and a new one started once it
 * holds file_rows rows. Each open file buffers at most one row group (the
 * Parquet writer streams the rest to a temporary file under tmp_dir, which
 * lh_objstore_put_file uploads, in parts when large). Files are uploaded
 * before the log entry is written, so a writer killed at any point leaves
 * the table at its previous version, and at most orphan files that vacuum
 * removes.
 *
 * Not thread-safe (one writer per thread); every call blocks. */
#ifndef LH_TABLE_TABLE_H
#define LH_TABLE_TABLE_H

#include <stdint.h>

#include "core/err.h"
#include "parquet/writer.h"
#include "table/delta.h"
#include "vector/batch.h"
#include "vector/scan.h"

typedef struct lh_table_write_opts {
    lh_delta_mode_t mode;         /* APPEND (default), OVERWRITE, REPLACE_WHERE */
    const lh_delta_pred_t *where; /* REPLACE_WHERE: on partition columns; every row written
                                     must match it */
    size_t nwhere;
    lh_pq_write_opts_t parquet; /* codec (ZSTD default), row group size, ... */
    int64_t file_rows;          /* rows per data file; default 4 Mi */
    const char *app_id;         /* optional: txn {app_id, app_version} in the commit */
    int64_t app_version;
    const char *tmp_dir; /* NULL: $TMPDIR, else /tmp */
    /* Not NULL: the commit replaces rewrite->remove by the files written
     * (lh_delta_rewrite; its adds are ignored), for OPTIMIZE and row
     * rewrites; mode and where are then unused. Borrowed until commit. */
    const lh_delta_rewrite_t *rewrite;
    /* Replace-where on rows (any columns; paths of depth 1 into the table's
     * schema, constants of the columns' types): every row written must
     * match; at commit the rows of the table that match are deleted (the
     * files holding them are rewritten without them) and the new rows
     * added, in one commit. mode and where are then unused. Concurrent
     * appends of matching rows are not detected. Borrowed until commit. */
    const lh_pred_t *row_where;
    uint32_t nrow_where;
    /* Not NULL: the rows go into a table the commit creates with this
     * schema and partitioning (lh_delta_create_with: one commit holding
     * metaData and files); with mode OVERWRITE a table at the root is
     * replaced, with APPEND one there is LH_EEXIST. where, row_where and
     * rewrite are then unused. Borrowed until commit. */
    const lh_delta_create_t *create;
} lh_table_write_opts_t;

/* Fills o with the defaults above. */
void lh_table_write_opts_default(lh_table_write_opts_t *o);

typedef struct lh_table_writer lh_table_writer_t;

/* A writer into t (borrowed: it must outlive the writer). opts is copied
 * (where and app_id are borrowed until commit). Errors: LH_ENOENT (no
 * table), LH_EEXIST (opts->create with APPEND and a table exists), LH_EINVAL (REPLACE_WHERE without
 * a predicate or on a column that is not a partition column, a bad option), those of the snapshot.
 * *out is owned by the caller (lh_table_writer_free). */
int lh_table_writer_open(lh_delta_table_t *t, const lh_table_write_opts_t *opts,
                         lh_table_writer_t **out, lh_err_t *err);

/* The table's schema as a STRUCT type (the columns batches must have).
 * Valid while the writer lives. */
const lh_type_t *lh_table_writer_schema(const lh_table_writer_t *w);

/* Writes b's rows (b->count of them; its column types must equal the
 * schema's). b may be reset once this returns. Errors: LH_EINVAL (column
 * types differ; a row outside a REPLACE_WHERE predicate; a partition value
 * that has no text form), LH_EIO (temporary file), the Parquet writer's and
 * the store's; after an error the writer only accepts free. */
int lh_table_writer_write(lh_table_writer_t *w, const lh_batch_t *b, lh_err_t *err);

/* Closes and uploads every open file and commits them in one version
 * (*version, may be NULL). A write of no rows still commits (an OVERWRITE
 * of nothing empties the table). Errors: those of lh_delta_write
 * (LH_ECONFLICT, ...) and of the uploads. */
int lh_table_writer_commit(lh_table_writer_t *w, int64_t *version, lh_err_t *err);

/* Frees the writer, committed or not (uncommitted uploaded files stay as
 * orphans until vacuum; temporary files are removed). NULL is fine. */
void lh_table_writer_free(lh_table_writer_t *w);

/* ---- OPTIMIZE: compaction of small files ---- */

typedef struct lh_table_optimize_opts {
    int64_t target_file_bytes;    /* files below this are compacted; default 128 MiB */
    int64_t min_files;            /* a partition needs this many small files; default 2 */
    const lh_delta_pred_t *where; /* only partitions matching (partition columns) */
    size_t nwhere;
    lh_pq_write_opts_t parquet;
} lh_table_optimize_opts_t;

typedef struct lh_table_optimize_result {
    int64_t partitions;                 /* partitions compacted */
    int64_t files_removed, files_added; /* files */
    int64_t bytes_removed, bytes_added; /* bytes */
    int64_t rows;                       /* rows rewritten */
    int64_t version;                    /* the commit; the read version when nothing to do */
} lh_table_optimize_result_t;

void lh_table_optimize_opts_default(lh_table_optimize_opts_t *o);

/* Rewrites, per partition, the small files of the latest version into as
 * few files as fit (rows in the same order, file by file), committed as one
 * OPTIMIZE version with dataChange false (readers of the change feed and
 * streaming see no new data). Nothing to do: no commit. Files of another
 * writer whose column types differ from the table's are refused
 * (LH_EINVAL), and a concurrent commit that removed one of the files is
 * LH_ECONFLICT; the table is unchanged either way. */
int lh_table_optimize(lh_delta_table_t *t, const lh_table_optimize_opts_t *o,
                      lh_table_optimize_result_t *res, lh_err_t *err);

/* Files written so far (committed or not): count, rows and bytes. */
typedef struct lh_table_write_summary {
    int64_t files, rows, bytes;
} lh_table_write_summary_t;
void lh_table_writer_summary(const lh_table_writer_t *w, lh_table_write_summary_t *out);

#endif
