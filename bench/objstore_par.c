/* Parallel ranged reads through one remote object-store handle: what the
 * connection pool of the S3 back end (LH_OBJSTORE_S3_CONNS) buys a scan that
 * reads column chunks from several threads. Puts one object of SIZE_MB, then
 * for each range size (1 MiB, 64 KiB) reads READS ranges (8 x READS of
 * 64 KiB) at pseudo-random offsets, split
 * over 1 thread and over 4 threads, all through the same handle, every byte
 * checked against the object. ROUNDS rounds, 1 and 4 interleaved; prints the
 * median time of each and the throughput ratio 4 threads / 1 thread.
 * Run through bench/objstore_par.sh (which starts our server). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/objstore.h"

#define BUCKET "parbench"
#define KEY "data.bin"
#define MAX_ROUNDS 15

typedef struct job {
    lh_objstore_t *os;
    const char *data;
    int64_t size, range;
    int first, count; /* reads [first, first+count) of the round */
    int bad;
} job_t;

static int64_t offset_of(int i, int64_t size, int64_t range)
{
    uint64_t x = (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ull;
    x ^= x >> 29;
    return (int64_t)(x % (uint64_t)(size - range));
}

static void *reader(void *p)
{
    job_t *j = p;
    lh_buf_t b;
    lh_buf_init(&b, 0);
    for (int i = j->first; i < j->first + j->count; i++) {
        int64_t off = offset_of(i, j->size, j->range);
        lh_err_t err = {0};
        lh_buf_reset(&b);
        if (lh_objstore_get_buf(j->os, BUCKET, KEY, off, j->range, &b, NULL, &err) != 0) {
            fprintf(stderr, "objstore_par: get: %s\n", err.msg);
            j->bad++;
        } else if ((int64_t)b.len != j->range || memcmp(b.ptr, j->data + off, b.len) != 0) {
            j->bad++;
        }
    }
    lh_buf_free(&b);
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One round: reads ranges over nthreads threads; returns seconds, -1 on a bad read. */
static double round_run(lh_objstore_t *os, const char *data, int64_t size, int64_t range, int reads,
                        int nthreads)
{
    job_t jobs[8];
    pthread_t th[8];
    double t0 = now_s();
    for (int t = 0; t < nthreads; t++) {
        jobs[t] = (job_t){.os = os, .data = data, .size = size, .range = range};
        jobs[t].first = reads * t / nthreads;
        jobs[t].count = reads * (t + 1) / nthreads - jobs[t].first;
        pthread_create(&th[t], NULL, reader, &jobs[t]);
    }
    int bad = 0;
    for (int t = 0; t < nthreads; t++) {
        pthread_join(th[t], NULL);
        bad += jobs[t].bad;
    }
    double dt = now_s() - t0;
    return bad ? -1 : dt;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: objstore_par ENDPOINT ACCESS_KEY SECRET_KEY [SIZE_MB] [READS] "
                        "[ROUNDS]\n");
        return 2;
    }
    int64_t size = (argc > 4 ? atoll(argv[4]) : 64) << 20;
    int reads = argc > 5 ? atoi(argv[5]) : 256;
    int rounds = argc > 6 ? atoi(argv[6]) : 5;
    if (rounds < 1 || rounds > MAX_ROUNDS || reads < 4 || size < (2 << 20)) return 2;
    lh_objstore_s3_opts_t o = {
        .endpoint = argv[1], .access_key = argv[2], .secret_key = argv[3], .path_style = 1};
    lh_objstore_t *os = NULL;
    lh_err_t err = {0};
    if (lh_objstore_open_s3(&os, &o, &err) != 0) {
        fprintf(stderr, "objstore_par: %s\n", err.msg);
        return 1;
    }
    int rc = lh_objstore_bucket_create(os, BUCKET, &err);
    char *data = malloc((size_t)size);
    uint64_t x = 88172645463325252ull;
    for (int64_t i = 0; data && i < size; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        data[i] = (char)x;
    }
    if (data && (rc == 0 || rc == LH_EEXIST))
        rc = lh_objstore_put(os, BUCKET, KEY, data, (size_t)size, NULL, NULL, &err);
    if (!data || rc) {
        fprintf(stderr, "objstore_par: setup: %s\n", data ? err.msg : "out of memory");
        return 1;
    }
    static const int64_t ranges[] = {1 << 20, 64 << 10};
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        double t1[MAX_ROUNDS], t4[MAX_ROUNDS];
        int n = reads * (int)((1 << 20) / ranges[r]); /* the same bytes for every range size */
        if (n > reads * 8) n = reads * 8;
        for (int i = 0; i < rounds; i++) {
            t1[i] = round_run(os, data, size, ranges[r], n, 1);
            t4[i] = round_run(os, data, size, ranges[r], n, 4);
            if (t1[i] < 0 || t4[i] < 0) {
                fprintf(stderr, "objstore_par: a read returned wrong bytes\n");
                return 1;
            }
        }
        qsort(t1, (size_t)rounds, sizeof t1[0], cmp_d);
        qsort(t4, (size_t)rounds, sizeof t4[0], cmp_d);
        double m1 = t1[rounds / 2], m4 = t4[rounds / 2];
        double mib = (double)n * (double)ranges[r] / 1048576.0;
        printf("range %5lld KiB x %d reads: 1 thread %.3f s (%.0f MiB/s, %.0f reads/s), "
               "4 threads %.3f s (%.0f MiB/s, %.0f reads/s), ratio 4/1 = %.2f\n",
               (long long)(ranges[r] >> 10), n, m1, mib / m1, n / m1, m4, mib / m4, n / m4,
               m1 / m4);
    }
    free(data);
    lh_objstore_close(os);
    return 0;
}
