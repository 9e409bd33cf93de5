/* Full-scan benchmark of the Parquet reader: reads every column of a file
 * into batches and folds each column into a checksum (integers and floats
 * summed, strings by length, booleans counted), the same work as DuckDB's
 * aggregate over every column in bench/pq_read.sh. Prints the best of
 * ROUNDS wall times in milliseconds and the row count.
 *   build/pq_read FILE [ROUNDS]                                          */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "parquet/reader.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Folds rows [0, n) of v into *acc. */
static void fold(const lh_vector_t *v, uint32_t n, double *acc)
{
    const lh_vector_t *vals = lh_vector_values(v);
    bool dict = v->kind == LH_VECTOR_DICTIONARY;
    double s = 0;
    switch (lh_type_physical(&v->type)) {
#define SUM(T)                                                                                     \
    do {                                                                                           \
        const T *d = vals->data;                                                                   \
        for (uint32_t i = 0; i < n; i++)                                                           \
            if (lh_validity_get(v->validity, i)) s += (double)d[dict ? v->codes[i] : i];           \
    } while (0)
    case LH_PHYS_BOOL:
    case LH_PHYS_INT8:
    case LH_PHYS_UINT8:
        SUM(uint8_t);
        break;
    case LH_PHYS_INT16:
        SUM(int16_t);
        break;
    case LH_PHYS_INT32:
        SUM(int32_t);
        break;
    case LH_PHYS_INT64:
        SUM(int64_t);
        break;
    case LH_PHYS_FLOAT:
        SUM(float);
        break;
    case LH_PHYS_DOUBLE:
        SUM(double);
        break;
    case LH_PHYS_STRING: {
        const lh_string_t *d = vals->data;
        for (uint32_t i = 0; i < n; i++)
            if (lh_validity_get(v->validity, i)) s += d[dict ? v->codes[i] : i].len;
        break;
    }
    default:
        break;
#undef SUM
    }
    *acc += s;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: pq_read FILE [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3;
    double best = 1e30, acc = 0;
    int64_t rows = 0;
    for (int r = 0; r < rounds; r++) {
        lh_err_t err = {0};
        double t0 = now_ms();
        lh_pq_reader_t *rd;
        if (lh_pq_reader_open_file(argv[1], &rd, &err) || lh_pq_reader_scan(rd, NULL, &err)) {
            fprintf(stderr, "pq_read: %s\n", err.msg);
            return 1;
        }
        lh_batch_t *b;
        rows = 0;
        int rc;
        while (!(rc = lh_pq_reader_next(rd, &b, &err)) && b) {
            for (uint32_t c = 0; c < b->ncols; c++)
                fold(&b->cols[c], b->count, &acc);
            rows += b->count;
        }
        lh_pq_reader_close(rd);
        if (rc) {
            fprintf(stderr, "pq_read: %s\n", err.msg);
            return 1;
        }
        double t = now_ms() - t0;
        if (t < best) best = t;
    }
    printf("{\"ms\": %.1f, \"rows\": %lld, \"checksum\": %.6g}\n", best, (long long)rows, acc);
    return 0;
}
