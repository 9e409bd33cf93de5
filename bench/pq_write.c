/* Parquet writer benchmark (bench/parquet_bench.sh): loads the benchmark
 * table from a source Parquet file (written by DuckDB, uncompressed) into
 * FLAT batches in memory with our reader, then times writing those rows to
 * a file with lh_pq_writer (default options but the codec and the threads:
 * 1 by default, the writer's pages made on THREADS threads when given).
 * Loading is not timed, as DuckDB's COPY reads a table already in memory;
 * the writer starts from the same rows DuckDB writes. Prints one JSON line:
 * {codec, threads, rows, seconds, bytes}.
 *
 *   pq_write <source.parquet> <out.parquet> zstd|snappy [THREADS]        */
#include "parquet/reader.h"
#include "parquet/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    lh_batch_t **b;
    size_t n, cap;
    uint64_t rows;
} table_t;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int sink(void *ctx, const void *data, size_t len, lh_err_t *err)
{
    if (fwrite(data, 1, len, ctx) != len) return lh_err_set(err, LH_EIO, "short write");
    return 0;
}

/* Copies every row of the reader's scan into full FLAT batches of t (the
 * reader's batches end at row group bounds and may hold DICTIONARY vectors). */
static int load(lh_pq_reader_t *rd, table_t *t, lh_err_t *err)
{
    lh_batch_t *in, *cur = NULL;
    int rc = lh_pq_reader_scan(rd, NULL, err);
    while (!rc && !(rc = lh_pq_reader_next(rd, &in, err)) && in) {
        for (uint32_t done = 0; !rc && done < in->count;) {
            if (!cur || cur->count == LH_BATCH_ROWS) {
                lh_type_t types[64];
                for (uint32_t c = 0; c < in->ncols; c++)
                    types[c] = in->cols[c].type;
                if (t->n == t->cap) {
                    t->cap = t->cap ? t->cap * 2 : 1024;
                    lh_batch_t **nb = realloc(t->b, t->cap * sizeof *nb);
                    if (!nb) return lh_err_set(err, LH_ENOMEM, "out of memory");
                    t->b = nb;
                }
                if ((rc = lh_batch_new(types, in->ncols, &cur))) break;
                t->b[t->n++] = cur;
            }
            uint32_t k = in->count - done, room = LH_BATCH_ROWS - cur->count;
            if (k > room) k = room;
            uint32_t sel[LH_BATCH_ROWS];
            for (uint32_t i = 0; i < k; i++)
                sel[i] = done + i;
            rc = lh_batch_append(cur, in, sel, k);
            done += k;
            t->rows += k;
        }
    }
    if (rc && !err->msg[0]) lh_err_set(err, rc, "cannot load the source rows");
    return rc;
}

static int write_file(const lh_type_t *schema, const table_t *t, const char *path, int codec,
                      int threads, double *secs, uint64_t *bytes, lh_err_t *err)
{
    lh_pq_write_opts_t o;
    lh_pq_write_opts_default(&o);
    o.codec = codec;
    o.threads = threads;
    FILE *f = fopen(path, "wb");
    if (!f) return lh_err_set(err, LH_EIO, "cannot create %s", path);
    lh_pq_writer_t *w = NULL;
    lh_pq_file_stats_t st;
    double t0 = now();
    int rc = lh_pq_writer_open(schema, &o, sink, f, &w, err);
    for (size_t k = 0; !rc && k < t->n; k++)
        rc = lh_pq_writer_write_batch(w, t->b[k], err);
    if (!rc) rc = lh_pq_writer_close(w, &st, err);
    if (!rc && fflush(f)) rc = lh_err_set(err, LH_EIO, "cannot write %s", path);
    *secs = now() - t0;
    *bytes = rc ? 0 : st.file_size;
    lh_pq_writer_free(w);
    if (fclose(f) && !rc) rc = lh_err_set(err, LH_EIO, "cannot write %s", path);
    return rc;
}

int main(int argc, char **argv)
{
    char *end = NULL;
    long threads = argc == 5 ? strtol(argv[4], &end, 10) : 1;
    if ((argc != 4 && argc != 5) || (strcmp(argv[3], "zstd") && strcmp(argv[3], "snappy")) ||
        (end && (*end || end == argv[4])) || threads < 1 || threads > 256) {
        fprintf(stderr, "usage: pq_write <source.parquet> <out.parquet> zstd|snappy [THREADS]\n");
        return 2;
    }
    int codec = strcmp(argv[3], "snappy") ? LH_PQ_CODEC_ZSTD : LH_PQ_CODEC_SNAPPY;
    lh_err_t err = {0};
    lh_pq_reader_t *rd = NULL;
    table_t t = {0};
    double secs = 0;
    uint64_t bytes = 0;
    int rc = lh_pq_reader_open_file(argv[1], &rd, &err);
    if (!rc && lh_pq_reader_schema(rd)->nfields > 64)
        rc = lh_err_set(&err, LH_EINVAL, "over 64 columns");
    if (!rc) rc = load(rd, &t, &err);
    if (!rc)
        rc = write_file(lh_pq_reader_schema(rd), &t, argv[2], codec, (int)threads, &secs, &bytes,
                        &err);
    if (!rc)
        printf("{\"codec\":\"%s\",\"threads\":%ld,\"rows\":%llu,\"seconds\":%.4f,"
               "\"bytes\":%llu}\n",
               argv[3], threads, (unsigned long long)t.rows, secs, (unsigned long long)bytes);
    else
        fprintf(stderr, "pq_write: %s\n", err.msg);
    for (size_t k = 0; k < t.n; k++)
        lh_batch_free(t.b[k]);
    free(t.b);
    lh_pq_reader_close(rd);
    return rc ? 1 : 0;
}
