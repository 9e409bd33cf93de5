/* The Parquet table writer of the benchmark generators (gen_out.h): rows go
 * into one batch of LH_BATCH_ROWS rows, each full batch goes to the project's
 * Parquet writer (ZSTD, DuckDB's row-group size) and the batch is reset. */
#include "gen_out.h"

#include "core/arena.h"

#include <string.h>

static int sink(void *ctx, const void *data, size_t len, lh_err_t *err)
{
    if (fwrite(data, 1, len, ctx) != len) return lh_err_set(err, LH_EIO, "short write");
    return 0;
}

int gen_table_open(gen_table_t *t, const char *path, const lh_field_t *cols, uint32_t n,
                   lh_err_t *err)
{
    memset(t, 0, sizeof *t);
    lh_type_t types[32], schema;
    if (n > 32) return lh_err_set(err, LH_EINVAL, "over 32 columns");
    for (uint32_t c = 0; c < n; c++)
        types[c] = cols[c].type;
    if (!(t->a = lh_arena_new(4096))) return lh_err_set(err, LH_ENOMEM, "out of memory");
    if (lh_type_struct(t->a, cols, n, &schema) || lh_batch_new(types, n, &t->b))
        return lh_err_set(err, LH_ENOMEM, "cannot make the schema of %s", path);
    if (!(t->f = fopen(path, "wb"))) return lh_err_set(err, LH_EIO, "cannot create %s", path);
    lh_pq_write_opts_t o;
    lh_pq_write_opts_default(&o);
    o.created_by = "lakehouse bench generator";
    return lh_pq_writer_open(&schema, &o, sink, t->f, &t->w, err);
}

int gen_set_str(gen_table_t *t, uint32_t c, const char *s, size_t len, lh_err_t *err)
{
    if (lh_vector_set_string(&t->b->cols[c], t->b->count, s, len))
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    return 0;
}

int gen_table_next(gen_table_t *t, lh_err_t *err)
{
    t->rows++;
    if (++t->b->count < LH_BATCH_ROWS) return 0;
    int rc = lh_pq_writer_write_batch(t->w, t->b, err);
    lh_batch_reset(t->b);
    return rc;
}

int gen_table_close(gen_table_t *t, int rc, lh_err_t *err)
{
    if (!rc && t->b && t->b->count) rc = lh_pq_writer_write_batch(t->w, t->b, err);
    if (!rc) rc = lh_pq_writer_close(t->w, NULL, err);
    lh_pq_writer_free(t->w);
    lh_batch_free(t->b);
    lh_arena_free(t->a);
    if (t->f && fclose(t->f) && !rc) rc = lh_err_set(err, LH_EIO, "cannot write the file");
    memset(t, 0, sizeof *t);
    return rc;
}
