/* Writing a result to a file or an object: COPY (query) TO 'target'
 * (FORMAT parquet|csv|json, ...) and the CLI's --format parquet -o FILE.
 * Rows stream into a temporary file (Parquet through the Parquet writer,
 * CSV and JSON lines through textout.c); a local target is the temporary
 * file beside it renamed over it once complete, an s3://bucket/key target
 * is the temporary file uploaded through the lake's object store (in parts
 * when large) and then removed. Either way a failed COPY never leaves a
 * half-written file or object behind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/dio.h"
#include "parquet/writer.h"
#include "sql/copy.h"
#include "sql/textout.h"
#include "store/objstore.h"

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

static int write_parquet(lh_sql_result_t *r, FILE *f, const lh_sql_copy_opts_t *c, int64_t *rows,
                         lh_sql_error_t *err)
{
    uint32_t n = lh_sql_result_ncols(r);
    lh_arena_t *a = lh_arena_new(4096);
    lh_field_t *fields = a ? lh_arena_calloc(a, (n + 1) * sizeof *fields) : NULL;
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
    lh_pq_write_opts_t o;
    lh_pq_write_opts_default(&o);
    o.codec = c->codec;
    o.pool = c->pool;
    if (c->row_group) o.row_group_rows = c->row_group;
    const char *what = c->target;
    if (!rc && lh_pq_writer_open(&schema, &o, file_sink, f, &w, &e))
        rc = lh_sql_err(err, e.code ? e.code : LH_EIO, LH_SQL_EIO, -1, "%s: %s", what, e.msg);
    while (!rc) {
        lh_batch_t *b;
        if ((rc = lh_sql_result_next(r, &b, err)) || !b) break;
        if (lh_pq_writer_write_batch(w, b, &e))
            rc = lh_sql_err(err, e.code ? e.code : LH_EIO, LH_SQL_EIO, -1, "%s: %s", what, e.msg);
        *rows += b->count;
    }
    if (!rc && lh_pq_writer_close(w, NULL, &e))
        rc = lh_sql_err(err, e.code ? e.code : LH_EIO, LH_SQL_EIO, -1, "%s: %s", what, e.msg);
    lh_pq_writer_free(w);
    lh_arena_free(a);
    return rc;
}

static int write_text(lh_sql_result_t *r, FILE *f, const lh_sql_copy_opts_t *c, int64_t *rows,
                      lh_sql_error_t *err)
{
    lh_buf_t o, cell;
    lh_buf_init(&o, 0);
    lh_buf_init(&cell, 0);
    lh_sql_text_fmt_t fmt = c->format == LH_SQL_COPY_JSON ? LH_SQL_TEXT_JSON : LH_SQL_TEXT_CSV;
    if (fmt == LH_SQL_TEXT_CSV && c->header) lh_sql_text_header(&o, r, c->delim);
    int rc = 0;
    while (!rc) {
        lh_batch_t *b;
        if ((rc = lh_sql_result_next(r, &b, err)) || !b) break;
        for (uint32_t i = 0; i < b->count; i++)
            lh_sql_text_row(&o, &cell, r, b, i, fmt, c->delim);
        *rows += b->count;
        if (lh_buf_err(&o))
            rc = lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
        else if (o.len && fwrite(o.ptr, 1, o.len, f) != o.len)
            rc = lh_sql_err(err, LH_EIO, LH_SQL_EIO, -1, "cannot write the COPY output");
        lh_buf_reset(&o);
    }
    if (!rc && o.len && fwrite(o.ptr, 1, o.len, f) != o.len)
        rc = lh_sql_err(err, LH_EIO, LH_SQL_EIO, -1, "cannot write the COPY output");
    lh_buf_free(&o);
    lh_buf_free(&cell);
    return rc;
}

/* s3://bucket/key into bucket (cap bytes) and *key. */
static int split_url(const char *url, char *bucket, size_t cap, const char **key,
                     lh_sql_error_t *err)
{
    const char *b = url + 5, *slash = strchr(b, '/');
    if (!slash || slash == b || !slash[1] || (size_t)(slash - b) >= cap)
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EINPUT, -1,
                          "COPY TO %s: an object is named s3://bucket/key", url);
    memcpy(bucket, b, (size_t)(slash - b));
    bucket[slash - b] = 0;
    *key = slash + 1;
    return 0;
}

static const char *const content_types[] = {[LH_SQL_COPY_PARQUET] =
                                                "application/vnd.apache.parquet",
                                            [LH_SQL_COPY_CSV] = "text/csv",
                                            [LH_SQL_COPY_JSON] = "application/x-ndjson"};

int lh_sql_copy_to(lh_sql_result_t *r, const lh_sql_copy_opts_t *c, struct lh_objstore *lake,
                   int64_t *rows, lh_sql_error_t *err)
{
    bool object = !strncmp(c->target, "s3://", 5);
    char bucket[256], tmp[4096];
    const char *key = NULL;
    *rows = 0;
    if (object && !lake)
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EIO, -1,
                          "COPY TO %s needs the lake's object store (lake.endpoint is not set)",
                          c->target);
    if (object && split_url(c->target, bucket, sizeof bucket, &key, err)) return LH_EINVAL;
    int fd = -1;
    if (object) {
        snprintf(tmp, sizeof tmp, "%s/lh-copy-XXXXXX", lh_dio_tmpdir());
        fd = mkstemp(tmp);
    } else {
        snprintf(tmp, sizeof tmp, "%s.tmp-%ld", c->target, (long)getpid());
    }
    FILE *f = object ? (fd >= 0 ? fdopen(fd, "wb") : NULL) : fopen(tmp, "wb");
    if (!f) {
        if (fd >= 0) close(fd), unlink(tmp);
        return lh_sql_err(err, LH_EIO, LH_SQL_EIO, -1, "cannot create %s", tmp);
    }
    int rc = c->format == LH_SQL_COPY_PARQUET ? write_parquet(r, f, c, rows, err)
                                              : write_text(r, f, c, rows, err);
    if (fclose(f) && !rc) rc = lh_sql_err(err, LH_EIO, LH_SQL_EIO, -1, "cannot write %s", tmp);
    lh_err_t e = {0};
    if (!rc && object &&
        lh_objstore_put_file(lake, bucket, key, tmp, content_types[c->format], NULL, &e))
        rc = lh_sql_err(err, e.code == LH_ENOMEM ? LH_ENOMEM : LH_EIO, LH_SQL_EIO, -1, "%s: %s",
                        c->target, e.msg);
    if (!rc && !object && rename(tmp, c->target))
        rc = lh_sql_err(err, LH_EIO, LH_SQL_EIO, -1, "cannot rename %s to %s", tmp, c->target);
    if (rc || object) unlink(tmp);
    return rc;
}

int lh_sql_write_parquet(lh_sql_result_t *r, const char *path, int codec, int64_t *rows,
                         lh_sql_error_t *err)
{
    lh_sql_copy_opts_t c = {.target = path, .format = LH_SQL_COPY_PARQUET, .codec = codec};
    return lh_sql_copy_to(r, &c, NULL, rows, err);
}
