/* Shared by the benchmark data generators (h2o_gen, tpch_gen): a seeded
 * pseudo-random stream and a row-at-a-time Parquet table writer over the
 * project's writer (parquet/writer.h), ZSTD, row groups of 122,880 rows.
 *
 * Ownership: a gen_table_t owns its file, writer, batch and arena from
 * gen_table_open until gen_table_close (which frees them whatever happens).
 * Errors: 0 or a negative LH_E*, with err filled. */
#ifndef LH_BENCH_GEN_OUT_H
#define LH_BENCH_GEN_OUT_H

#include "parquet/writer.h"

#include <stdint.h>
#include <stdio.h>

/* splitmix64: a fixed sequence per seed, so every run writes the same data. */
typedef struct gen_rng {
    uint64_t s;
} gen_rng_t;

static inline uint64_t gen_next(gen_rng_t *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform integer in [lo, hi] (the modulo bias is below 2^-40 here). */
static inline int64_t gen_range(gen_rng_t *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(gen_next(r) % (uint64_t)(hi - lo + 1));
}

/* Uniform double in [0, 1). */
static inline double gen_unit(gen_rng_t *r)
{
    return (double)(gen_next(r) >> 11) * 0x1.0p-53;
}

typedef struct gen_table {
    FILE *f;
    lh_pq_writer_t *w;
    lh_batch_t *b;
    lh_arena_t *a;
    uint64_t rows;
} gen_table_t;

/* Opens path for a table of n columns (names and types of cols, copied). */
int gen_table_open(gen_table_t *t, const char *path, const lh_field_t *cols, uint32_t n,
                   lh_err_t *err);
/* The current row's slot: fill every column of row gen_row(t), then call
 * gen_table_next. */
static inline uint32_t gen_row(const gen_table_t *t)
{
    return t->b->count;
}
static inline void gen_set_i32(gen_table_t *t, uint32_t c, int32_t v)
{
    ((int32_t *)t->b->cols[c].data)[t->b->count] = v;
}
static inline void gen_set_i64(gen_table_t *t, uint32_t c, int64_t v)
{
    ((int64_t *)t->b->cols[c].data)[t->b->count] = v;
}
static inline void gen_set_f64(gen_table_t *t, uint32_t c, double v)
{
    ((double *)t->b->cols[c].data)[t->b->count] = v;
}
static inline void gen_set_null(gen_table_t *t, uint32_t c)
{
    lh_vector_set_null(&t->b->cols[c], t->b->count);
}
/* Copies the string (the batch keeps it until it is written). */
int gen_set_str(gen_table_t *t, uint32_t c, const char *s, size_t len, lh_err_t *err);
/* Ends the current row; writes the batch when it is full. */
int gen_table_next(gen_table_t *t, lh_err_t *err);
/* Writes what is left and the footer when rc is 0; frees everything. Returns
 * rc, or the first error of the close. */
int gen_table_close(gen_table_t *t, int rc, lh_err_t *err);

#endif
