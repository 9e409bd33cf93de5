/* Physical-limit references for the PUT benchmarks (bench/s3_bench.sh):
 * what the file system and CPU allow without any HTTP, index or server.
 *   durable_ref small DIR SIZE CONC COUNT MAXSECS
 *       CONC threads create COUNT files in all, durably, the way an object
 *       store publishes a body: write DIR/tmp/<t>-<n>, fdatasync, close,
 *       rename to DIR/data/<t>-<n>, fsync DIR/data. Stops early after
 *       MAXSECS. Prints: ok=N secs=S ops_per_s=R p50_ms=L
 *   durable_ref large DIR FILE
 *       One stream over FILE (mapped, cached): MD5 of each 1 MiB block and
 *       write it to DIR/big.tmp, then fdatasync (the work a single PUT
 *       cannot avoid). Prints: bytes=B secs=S mb_per_s=M md5_s=A write_s=W sync_s=F */
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct job {
    const char *dir;
    const char *data;
    size_t size;
    int tid, count, ok;
    double deadline;
    double *lat;
} job_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int create_one(const job_t *j, int dfd, int i)
{
    char tmp[4096], dst[4096];
    snprintf(tmp, sizeof tmp, "%s/tmp/%d-%d", j->dir, j->tid, i);
    snprintf(dst, sizeof dst, "%s/data/%d-%d", j->dir, j->tid, i);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    int r = write_all(fd, j->data, j->size) == 0 && fdatasync(fd) == 0 ? 0 : -1;
    close(fd);
    if (r == 0 && rename(tmp, dst) == 0 && fsync(dfd) == 0) return 0;
    return -1;
}

static void *worker(void *arg)
{
    job_t *j = arg;
    char data_dir[4096];
    snprintf(data_dir, sizeof data_dir, "%s/data", j->dir);
    int dfd = open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return NULL;
    for (int i = 0; i < j->count && now_s() < j->deadline; i++) {
        double t0 = now_s();
        if (create_one(j, dfd, i) != 0) {
            perror("durable_ref");
            break;
        }
        j->lat[j->ok++] = now_s() - t0;
    }
    close(dfd);
    return NULL;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmd_small(const char *dir, size_t size, int conc, int count, double maxsecs)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/tmp", dir);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/data", dir);
    mkdir(p, 0755);
    char *data = malloc(size ? size : 1);
    if (!data || conc < 1 || conc > 256 || count < 1) return 2;
    for (size_t i = 0; i < size; i++)
        data[i] = (char)('a' + (i * 7919 + i / 13) % 26);
    job_t jobs[256];
    pthread_t th[256];
    double t0 = now_s();
    for (int t = 0; t < conc; t++) {
        int n = count / conc + (t < count % conc);
        jobs[t] = (job_t){.dir = dir,
                          .data = data,
                          .size = size,
                          .tid = t,
                          .count = n,
                          .deadline = t0 + maxsecs,
                          .lat = calloc((size_t)n + 1, sizeof(double))};
        if (!jobs[t].lat || pthread_create(&th[t], NULL, worker, &jobs[t]) != 0) return 1;
    }
    int ok = 0;
    for (int t = 0; t < conc; t++) {
        pthread_join(th[t], NULL);
        ok += jobs[t].ok;
    }
    double secs = now_s() - t0;
    double *all = calloc((size_t)ok + 1, sizeof(double));
    int k = 0;
    for (int t = 0; t < conc; t++)
        for (int i = 0; i < jobs[t].ok; i++)
            all[k++] = jobs[t].lat[i];
    qsort(all, (size_t)ok, sizeof(double), cmp_d);
    printf("ok=%d secs=%.4f ops_per_s=%.1f p50_ms=%.3f\n", ok, secs, ok / secs,
           ok ? all[ok / 2] * 1e3 : 0.0);
    return ok == count ? 0 : 1;
}

static int cmd_large(const char *dir, const char *file)
{
    int in = open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (in < 0 || fstat(in, &st) < 0) return 1;
    size_t len = (size_t)st.st_size;
    const char *m = mmap(NULL, len, PROT_READ, MAP_SHARED | MAP_POPULATE, in, 0);
    close(in);
    if (m == MAP_FAILED) return 1;
    char out[4096];
    snprintf(out, sizeof out, "%s/big.tmp", dir);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (fd < 0 || !ctx || EVP_DigestInit_ex(ctx, EVP_md5(), NULL) != 1) return 1;
    const size_t blk = 1 << 20;
    double t0 = now_s(), md5_s = 0, write_s = 0;
    for (size_t off = 0; off < len; off += blk) {
        size_t n = len - off < blk ? len - off : blk;
        double a = now_s();
        EVP_DigestUpdate(ctx, m + off, n);
        double b = now_s();
        if (write_all(fd, m + off, n) != 0) return 1;
        md5_s += b - a;
        write_s += now_s() - b;
    }
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    EVP_DigestFinal_ex(ctx, d, &dl);
    double s0 = now_s();
    if (fdatasync(fd) != 0) return 1;
    double t1 = now_s();
    close(fd);
    unlink(out);
    EVP_MD_CTX_free(ctx);
    printf("bytes=%zu secs=%.4f mb_per_s=%.1f md5_s=%.4f write_s=%.4f sync_s=%.4f\n", len, t1 - t0,
           (double)len / (t1 - t0) / 1e6, md5_s, write_s, t1 - s0);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 7 && !strcmp(argv[1], "small"))
        return cmd_small(argv[2], strtoull(argv[3], NULL, 10), (int)strtol(argv[4], NULL, 10),
                         (int)strtol(argv[5], NULL, 10), strtod(argv[6], NULL));
    if (argc == 4 && !strcmp(argv[1], "large")) return cmd_large(argv[2], argv[3]);
    fprintf(stderr, "usage: see the comment at the top of bench/durable_ref.c\n");
    return 2;
}
