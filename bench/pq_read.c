/* Full-scan benchmark of the Parquet reader (bench/parquet_bench.sh): reads
 * every column of a file into batches and folds each column into a sum
 * (numbers and timestamps summed, strings by byte length, booleans counted;
 * dictionary columns read through their codes), the same work as DuckDB's
 * aggregate over every column in bench/parquet_bench.mjs. One untimed scan
 * first (as DuckDB's side does), then ROUNDS timed scans; prints the median
 * wall time and CPU time (user + sys, every thread) in milliseconds, the
 * row count and each column's sum, so the script can check both engines
 * read the same values.
 * With THREADS > 1, each thread opens its own reader over its share of
 * the row groups (lh_pq_reader_scan_groups), as a parallel engine would.
 *   build/pq_read FILE [THREADS] [ROUNDS]                                */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "parquet/reader.h"

static double cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

#define MAX_COLS 64

/* Sums rows [0, n) of values d (through codes when not NULL), skipping
 * NULL rows: one loop per vector kind, so no row pays for the others. */
#define SUM(T)                                                                                     \
    static double sum_##T(const void *data, const int32_t *codes, const uint64_t *valid,           \
                          uint32_t n)                                                              \
    {                                                                                              \
        const T *d = data;                                                                         \
        double s = 0;                                                                              \
        if (codes && valid) {                                                                      \
            for (uint32_t i = 0; i < n; i++)                                                       \
                if (lh_validity_get(valid, i)) s += (double)VAL(d[(uint32_t)codes[i]]);            \
        } else if (codes) {                                                                        \
            for (uint32_t i = 0; i < n; i++)                                                       \
                s += (double)VAL(d[(uint32_t)codes[i]]);                                           \
        } else if (valid) {                                                                        \
            for (uint32_t i = 0; i < n; i++)                                                       \
                if (lh_validity_get(valid, i)) s += (double)VAL(d[i]);                             \
        } else {                                                                                   \
            for (uint32_t i = 0; i < n; i++)                                                       \
                s += (double)VAL(d[i]);                                                            \
        }                                                                                          \
        return s;                                                                                  \
    }

#define VAL(x) (x)
SUM(uint8_t)
SUM(int16_t)
SUM(int32_t)
SUM(int64_t)
SUM(float)
SUM(double)
#undef VAL
#define VAL(x) ((x).len)
SUM(lh_string_t)
#undef VAL

/* Folds rows [0, n) of v into *acc. */
static void fold(const lh_vector_t *v, uint32_t n, double *acc)
{
    const lh_vector_t *vals = lh_vector_values(v);
    const int32_t *codes = v->kind == LH_VECTOR_DICTIONARY ? v->codes : NULL;
    const void *d = vals->data;
    const uint64_t *w = v->validity;
    double s = 0;
    switch (lh_type_physical(&v->type)) {
    case LH_PHYS_BOOL:
    case LH_PHYS_INT8:
    case LH_PHYS_UINT8:
        s = sum_uint8_t(d, codes, w, n);
        break;
    case LH_PHYS_INT16:
        s = sum_int16_t(d, codes, w, n);
        break;
    case LH_PHYS_INT32:
        s = sum_int32_t(d, codes, w, n);
        break;
    case LH_PHYS_INT64:
        s = sum_int64_t(d, codes, w, n);
        break;
    case LH_PHYS_FLOAT:
        s = sum_float(d, codes, w, n);
        break;
    case LH_PHYS_DOUBLE:
        s = sum_double(d, codes, w, n);
        break;
    case LH_PHYS_STRING:
        s = sum_lh_string_t(d, codes, w, n);
        break;
    default:
        break;
    }
    *acc += s;
}

typedef struct {
    const char *path;
    uint32_t part, parts;
    double acc[MAX_COLS];
    uint32_t ncols;
    int64_t rows;
    int rc;
    lh_err_t err;
} job_t;

static void *scan_part(void *arg)
{
    job_t *j = arg;
    lh_pq_reader_t *rd;
    j->rows = 0;
    if ((j->rc = lh_pq_reader_open_file(j->path, &rd, &j->err))) return NULL;
    j->ncols = lh_pq_reader_schema(rd)->nfields;
    uint32_t ng = lh_pq_reader_meta(rd)->nrow_groups;
    uint32_t first = (uint32_t)((uint64_t)ng * j->part / j->parts);
    uint32_t last = (uint32_t)((uint64_t)ng * (j->part + 1) / j->parts);
    lh_batch_t *b;
    if (j->ncols > MAX_COLS)
        j->rc = lh_err_set(&j->err, LH_EINVAL, "over %d columns", MAX_COLS);
    else if (!(j->rc = lh_pq_reader_scan_groups(rd, NULL, first, last - first, &j->err)))
        while (!(j->rc = lh_pq_reader_next(rd, &b, &j->err)) && b) {
            for (uint32_t c = 0; c < b->ncols; c++)
                fold(&b->cols[c], b->count, &j->acc[c]);
            j->rows += b->count;
        }
    lh_pq_reader_close(rd);
    return NULL;
}

/* One scan of path with `threads` readers: wall and CPU ms, rows, sums. */
static int scan(const char *path, uint32_t threads, job_t *jobs, double *ms, double *cpu)
{
    pthread_t th[64];
    double t0 = now_ms(), c0 = cpu_ms();
    for (uint32_t i = 0; i < threads; i++) {
        jobs[i] = (job_t){.path = path, .part = i, .parts = threads};
        if (threads > 1)
            pthread_create(&th[i], NULL, scan_part, &jobs[i]);
        else
            scan_part(&jobs[i]);
    }
    for (uint32_t i = 0; i < threads; i++)
        if (threads > 1) pthread_join(th[i], NULL);
    *ms = now_ms() - t0;
    *cpu = cpu_ms() - c0;
    for (uint32_t i = 0; i < threads; i++)
        if (jobs[i].rc) {
            fprintf(stderr, "pq_read: %s\n", jobs[i].err.msg);
            return 1;
        }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: pq_read FILE [THREADS] [ROUNDS]\n");
        return 2;
    }
    uint32_t threads = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 1;
    int rounds = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 1;
    if (threads < 1 || threads > 64) threads = 1;
    if (rounds < 1 || rounds > 100) rounds = 1;
    static job_t jobs[64];
    double ms[101], cpu[101];
    for (int r = 0; r <= rounds; r++) /* round 0: the untimed warm-up */
        if (scan(argv[1], threads, jobs, &ms[r], &cpu[r])) return 1;
    qsort(ms + 1, (size_t)rounds, sizeof *ms, cmp_double);
    qsort(cpu + 1, (size_t)rounds, sizeof *cpu, cmp_double);
    int64_t rows = 0;
    double sums[MAX_COLS] = {0};
    for (uint32_t i = 0; i < threads; i++) {
        rows += jobs[i].rows;
        for (uint32_t c = 0; c < jobs[i].ncols; c++)
            sums[c] += jobs[i].acc[c];
    }
    printf("{\"ms\": %.1f, \"cpu_ms\": %.1f, \"rows\": %lld, \"sums\": [", ms[1 + rounds / 2],
           cpu[1 + rounds / 2], (long long)rows);
    for (uint32_t c = 0; c < jobs[0].ncols; c++)
        printf("%s%.17g", c ? ", " : "", sums[c]);
    printf("]}\n");
    return 0;
}
