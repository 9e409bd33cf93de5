/* Writing a result as a Parquet file: COPY (query) TO 'file.parquet'
 * (FORMAT parquet, COMPRESSION zstd|snappy|gzip|uncompressed) and the CLI's
 * --format parquet -o FILE. Rows stream through the Parquet writer into a
 * temporary file beside the target, renamed over it once complete, so a
 * failed COPY never leaves a half-written file behind. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "parquet/writer.h"
#include "sql/copy.h"

static int file_sink(void *ctx, const void *data, size_t len, lh_err_t *err)
{
    if (len && fwrite(data, 1, len, ctx) != len) return lh_err_set(err, LH_EIO, "write failed");
    return 0;
}

int lh_sql_codec_by_name(const char *name, int *codec)
{
    static const struct {
        const char *name;
        int codec;
    } names[] = {{"zstd", LH_PQ_CODEC_ZSTD},
                 {"snappy", LH_PQ_CODEC_SNAPPY},
                 {"gzip", LH_PQ_CODEC_GZIP},
                 {"uncompressed", LH_PQ_CODEC_UNCOMPRESSED},
                 {"none", LH_PQ_CODEC_UNCOMPRESSED}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(names[i].name, name)) {
            *codec = names[i].codec;
            return 0;
        }
    return LH_EINVAL;
}

int lh_sql_write_parquet(lh_sql_result_t *r, const char *path, int codec, int64_t *rows,
                         lh_sql_error_t *err)
{
    uint32_t n = lh_sql_result_ncols(r);
    lh_arena_t *a = lh_arena_new(4096);
    lh_field_t *fields = a ? lh_arena_calloc(a, (n + 1) * sizeof *fields) : NULL;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", path, (long)getpid());
    FILE *f = NULL;
    lh_pq_writer_t *w = NULL;
    lh_err_t e = {0};
    int rc = fields ? 0 : lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    for (uint32_t i = 0; !rc && i < n; i++) {
        fields[i].name = lh_arena_strdup(a, lh_sql_result_col_name(r, i));
        fields[i].type = *lh_sql_result_col_type(r, i);
    }
    lh_type_t schema;
    if (!rc && lh_type_struct(a, fields, n, &schema))
        rc = lh_sql_err(err, LH_EINVAL, LH_SQL_EINPUT, -1, "the result cannot be a Parquet schema");
    if (!rc && !(f = fopen(tmp, "wb")))
        rc = lh_sql_err(err, LH_EIO, LH_SQL_EIO, -1, "cannot create %s", tmp);
    lh_pq_write_opts_t o;
    lh_pq_write_opts_default(&o);
    o.codec = codec;
    if (!rc && lh_pq_writer_open(&schema, &o, file_sink, f, &w, &e))
        rc = lh_sql_err(err, e.code ? e.code : LH_EIO, LH_SQL_EIO, -1, "%s: %s", path, e.msg);
    *rows = 0;
    while (!rc) {
        lh_batch_t *b;
        if ((rc = lh_sql_result_next(r, &b, err)) || !b) break;
        if (lh_pq_writer_write_batch(w, b, &e))
            rc = lh_sql_err(err, e.code ? e.code : LH_EIO, LH_SQL_EIO, -1, "%s: %s", path, e.msg);
        *rows += b->count;
    }
    if (!rc && lh_pq_writer_close(w, NULL, &e))
        rc = lh_sql_err(err, e.code ? e.code : LH_EIO, LH_SQL_EIO, -1, "%s: %s", path, e.msg);
    lh_pq_writer_free(w);
    if (f && (fclose(f) || rc)) {
        if (!rc) rc = lh_sql_err(err, LH_EIO, LH_SQL_EIO, -1, "cannot write %s", tmp);
        unlink(tmp);
    } else if (!rc && rename(tmp, path)) {
        rc = lh_sql_err(err, LH_EIO, LH_SQL_EIO, -1, "cannot rename %s to %s", tmp, path);
        unlink(tmp);
    }
    lh_arena_free(a);
    return rc;
}
