/* Writing query results to files and objects (COPY ... TO, lakehouse sql
 * --format parquet). */
#ifndef LH_SQL_COPY_H
#define LH_SQL_COPY_H
#include "sql/sql.h"

typedef enum lh_sql_copy_format {
    LH_SQL_COPY_PARQUET = 0,
    LH_SQL_COPY_CSV,
    LH_SQL_COPY_JSON, /* one object per line */
} lh_sql_copy_format_t;

typedef struct lh_sql_copy_opts {
    const char *target;   /* a local path or s3://bucket/key */
    uint8_t format;       /* lh_sql_copy_format_t */
    int codec;            /* Parquet: LH_PQ_CODEC_* */
    bool header;          /* CSV: a header line */
    char delim;           /* CSV: the delimiter */
    uint32_t row_group;   /* Parquet: rows per row group (0: the writer's default) */
    struct lh_pool *pool; /* Parquet: pages made on this pool's threads too (NULL: one thread) */
} lh_sql_copy_opts_t;

/* Reads every batch of r into c->target (sql/textout.h says how CSV and
 * JSON look): a local file written beside it and renamed over it when
 * complete, or an object of the store `lake` (borrowed; NULL: s3:// targets
 * are refused) put once complete. *rows gets the rows written. 0 or an
 * error (IO Error for the file or the store, the query's own errors). */
int lh_sql_copy_to(lh_sql_result_t *r, const lh_sql_copy_opts_t *c, struct lh_objstore *lake,
                   int64_t *rows, lh_sql_error_t *err);
/* lh_sql_copy_to of Parquet (codec: LH_PQ_CODEC_*) to the local file path. */
int lh_sql_write_parquet(lh_sql_result_t *r, const char *path, int codec, int64_t *rows,
                         lh_sql_error_t *err);
/* zstd, snappy, gzip, uncompressed (none): 0 and *codec, or LH_EINVAL. */
int lh_sql_codec_by_name(const char *name, int *codec);

#endif
