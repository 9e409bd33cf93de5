/* Writing query results to files (COPY ... TO, lakehouse sql --format parquet). */
#ifndef LH_SQL_COPY_H
#define LH_SQL_COPY_H
#include "sql/sql.h"

/* Reads every batch of r into a Parquet file at path (codec: LH_PQ_CODEC_*),
 * written to a temporary file and renamed over path when complete. *rows
 * gets the rows written. 0 or an error (IO Error for the file, the query's
 * own errors). */
int lh_sql_write_parquet(lh_sql_result_t *r, const char *path, int codec, int64_t *rows,
                         lh_sql_error_t *err);
/* zstd, snappy, gzip, uncompressed (none): 0 and *codec, or LH_EINVAL. */
int lh_sql_codec_by_name(const char *name, int *codec);

#endif
