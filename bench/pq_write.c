/* Parquet writer benchmark: builds a mixed table of N rows in memory (the
 * same values tests/js/pq_bench_duckdb.mjs builds in DuckDB from the same
 * formulas), then times writing it to a file with lh_pq_writer (data
 * generation not included, as DuckDB's COPY reads a table already in
 * memory). Prints one JSON line: {codec, rows, seconds, bytes}.
 *
 *   pq_write <out.parquet> zstd|snappy [rows]
 *
 * Columns (i = 0..N-1; h1 = i*2654435761 mod 2^32, h2 = i*2246822519 mod
 * 2^32; column c is NULL when (i + c) % 10 == 0, except id):
 *   id BIGINT i; a INTEGER h1 % 1000000; d DOUBLE h2 / 2^32 * 1000;
 *   s_low VARCHAR 'category_' || h1 % 10; s_mid 'item_' || h2 % 10000;
 *   s_high 'user_' || h1; ts TIMESTAMP 1700000000000000 + i * 1000003 us */
#include "parquet/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NC 7

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

static void fill(lh_batch_t *b, uint64_t first, uint32_t n)
{
    char s[32];
    for (uint32_t r = 0; r < n; r++) {
        uint64_t i = first + r;
        uint64_t h1 = i * 2654435761u % 4294967296u, h2 = i * 2246822519u % 4294967296u;
        ((int64_t *)b->cols[0].data)[r] = (int64_t)i;
        ((int32_t *)b->cols[1].data)[r] = (int32_t)(h1 % 1000000);
        ((double *)b->cols[2].data)[r] = (double)h2 / 4294967296.0 * 1000;
        int k = snprintf(s, sizeof s, "category_%llu", (unsigned long long)(h1 % 10));
        lh_vector_set_string(&b->cols[3], r, s, (size_t)k);
        k = snprintf(s, sizeof s, "item_%llu", (unsigned long long)(h2 % 10000));
        lh_vector_set_string(&b->cols[4], r, s, (size_t)k);
        k = snprintf(s, sizeof s, "user_%llu", (unsigned long long)h1);
        lh_vector_set_string(&b->cols[5], r, s, (size_t)k);
        ((int64_t *)b->cols[6].data)[r] = 1700000000000000LL + (int64_t)i * 1000003;
        for (int c = 1; c < NC; c++)
            if ((i + (uint64_t)c) % 10 == 0) lh_vector_set_null(&b->cols[c], r);
    }
    b->count = n;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: pq_write <out.parquet> zstd|snappy [rows]\n");
        return 2;
    }
    uint64_t rows = argc > 3 ? strtoull(argv[3], NULL, 10) : 10000000;
    static const char *names[NC] = {"id", "a", "d", "s_low", "s_mid", "s_high", "ts"};
    const lh_type_id_t ids[NC] = {LH_TYPE_BIGINT,   LH_TYPE_INTEGER, LH_TYPE_DOUBLE,
                                  LH_TYPE_VARCHAR,  LH_TYPE_VARCHAR, LH_TYPE_VARCHAR,
                                  LH_TYPE_TIMESTAMP};
    lh_type_t types[NC];
    lh_field_t fields[NC];
    for (int c = 0; c < NC; c++)
        types[c] = lh_type(ids[c]), fields[c] = (lh_field_t){names[c], types[c]};
    lh_arena_t *a = lh_arena_new(0);
    lh_type_t schema;
    if (lh_type_struct(a, fields, NC, &schema)) return 1;
    size_t nb = (size_t)((rows + LH_BATCH_ROWS - 1) / LH_BATCH_ROWS);
    lh_batch_t **bs = calloc(nb, sizeof *bs);
    for (size_t k = 0; k < nb; k++) {
        if (lh_batch_new(types, NC, &bs[k])) return 1;
        uint64_t first = (uint64_t)k * LH_BATCH_ROWS;
        fill(bs[k], first, (uint32_t)(rows - first < LH_BATCH_ROWS ? rows - first : LH_BATCH_ROWS));
    }
    lh_pq_write_opts_t o;
    lh_pq_write_opts_default(&o);
    o.codec = strcmp(argv[2], "snappy") ? LH_PQ_CODEC_ZSTD : LH_PQ_CODEC_SNAPPY;
    FILE *f = fopen(argv[1], "wb");
    if (!f) return 1;
    lh_err_t err = {0};
    lh_pq_writer_t *w;
    double t0 = now();
    int rc = lh_pq_writer_open(&schema, &o, sink, f, &w, &err);
    for (size_t k = 0; !rc && k < nb; k++)
        rc = lh_pq_writer_write_batch(w, bs[k], &err);
    lh_pq_file_stats_t st;
    if (!rc) rc = lh_pq_writer_close(w, &st, &err);
    if (!rc && fflush(f)) rc = -1;
    double t1 = now();
    if (rc) {
        fprintf(stderr, "pq_write: %s\n", err.msg);
        return 1;
    }
    fclose(f);
    printf("{\"codec\":\"%s\",\"rows\":%llu,\"seconds\":%.3f,\"bytes\":%llu}\n", argv[2],
           (unsigned long long)rows, t1 - t0, (unsigned long long)st.file_size);
    lh_pq_writer_free(w);
    for (size_t k = 0; k < nb; k++)
        lh_batch_free(bs[k]);
    free(bs);
    lh_arena_free(a);
    return 0;
}
