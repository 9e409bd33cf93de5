/* H2O.ai / DuckDB Labs db-benchmark groupby data (the rules of its
 * _data/groupby-datagen.R, our own seeded generator, not R's RNG): N rows of
 *   id1, id2  VARCHAR  "id%03d" of 1..K          (sampled with replacement)
 *   id3       VARCHAR  "id%010d" of 1..N/K
 *   id4, id5  INTEGER  1..K
 *   id6       INTEGER  1..N/K
 *   v1        INTEGER  1..5
 *   v2        INTEGER  1..15
 *   v3        DOUBLE   uniform [0, 100) rounded to 6 decimals
 * NAS percent of each column's values NULL (0 by default). Written as one
 * Parquet file (ZSTD) that every engine of bench/sql_bench.sh loads.
 *
 *   h2o_gen OUT.parquet [N] [K] [NAS]        (default 1e7 1e2 0; seed fixed) */
#include "gen_out.h"

#include <math.h>
#include <stdlib.h>

enum { ID1, ID2, ID3, ID4, ID5, ID6, V1, V2, V3, NCOLS };

static int gen_row_h2o(gen_table_t *t, gen_rng_t *r, int64_t n, int64_t k, int nas, lh_err_t *err)
{
    char s[32];
    int len, rc = 0;
    int64_t nk = n / k > 0 ? n / k : 1;
    len = snprintf(s, sizeof s, "id%03d", (int)gen_range(r, 1, k));
    rc = rc ? rc : gen_set_str(t, ID1, s, (size_t)len, err);
    len = snprintf(s, sizeof s, "id%03d", (int)gen_range(r, 1, k));
    rc = rc ? rc : gen_set_str(t, ID2, s, (size_t)len, err);
    len = snprintf(s, sizeof s, "id%010lld", (long long)gen_range(r, 1, nk));
    rc = rc ? rc : gen_set_str(t, ID3, s, (size_t)len, err);
    gen_set_i32(t, ID4, (int32_t)gen_range(r, 1, k));
    gen_set_i32(t, ID5, (int32_t)gen_range(r, 1, k));
    gen_set_i32(t, ID6, (int32_t)gen_range(r, 1, nk));
    gen_set_i32(t, V1, (int32_t)gen_range(r, 1, 5));
    gen_set_i32(t, V2, (int32_t)gen_range(r, 1, 15));
    gen_set_f64(t, V3, round(gen_unit(r) * 100.0 * 1e6) / 1e6);
    for (uint32_t c = 0; nas > 0 && c < NCOLS; c++)
        if (gen_range(r, 0, 99) < nas) gen_set_null(t, c);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 5) {
        fprintf(stderr, "usage: h2o_gen OUT.parquet [N=1e7] [K=1e2] [NAS=0]\n");
        return 2;
    }
    int64_t n = argc > 2 ? (int64_t)atof(argv[2]) : 10000000;
    int64_t k = argc > 3 ? (int64_t)atof(argv[3]) : 100;
    int nas = argc > 4 ? atoi(argv[4]) : 0;
    if (n < 1 || k < 1 || nas < 0 || nas > 100) {
        fprintf(stderr, "h2o_gen: N and K must be >= 1, NAS 0..100\n");
        return 2;
    }
    lh_type_t vc = lh_type(LH_TYPE_VARCHAR), i32 = lh_type(LH_TYPE_INTEGER);
    const lh_field_t cols[NCOLS] = {
        {"id1", vc},  {"id2", vc},  {"id3", vc},
        {"id4", i32}, {"id5", i32}, {"id6", i32},
        {"v1", i32},  {"v2", i32},  {"v3", lh_type(LH_TYPE_DOUBLE)},
    };
    lh_err_t err = {0};
    gen_table_t t;
    gen_rng_t r = {108}; /* db-benchmark's seed, for our generator */
    int rc = gen_table_open(&t, argv[1], cols, NCOLS, &err);
    for (int64_t i = 0; !rc && i < n; i++) {
        rc = gen_row_h2o(&t, &r, n, k, nas, &err);
        if (!rc) rc = gen_table_next(&t, &err);
    }
    rc = gen_table_close(&t, rc, &err);
    if (rc) fprintf(stderr, "h2o_gen: %s\n", err.msg);
    return rc ? 1 : 0;
}
