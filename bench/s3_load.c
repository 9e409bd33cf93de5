/* Bench-only S3 client: libcurl (one keep-alive connection per thread) plus
 * the project's SigV4 signer (lh_sigv4_sign from build/liblh.a).
 *   s3_load mb   HOST:PORT BUCKET
 *       CreateBucket with x-amz-acl: public-read.
 *   s3_load put  HOST:PORT BUCKET PREFIX SIZE CONC COUNT MAXSECS signed|unsigned [FILE]
 *       CONC threads PUT COUNT objects in all (PREFIX/t<thread>-<n>), each of
 *       SIZE bytes (from FILE when given, else a generated buffer), stopping
 *       early after MAXSECS. "signed" sends the body's SHA-256 as
 *       x-amz-content-sha256 (as botocore does over HTTP), "unsigned" sends
 *       UNSIGNED-PAYLOAD. Prints one line:
 *       ok=N fail=F secs=S ops_per_s=R mb_per_s=M p50_ms=L client_cpu_s=C
 * Keys come from LH_BENCH_AK / LH_BENCH_SK. Talks to loopback only. */
#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/auth.h"

typedef struct body {
    const char *data;
    size_t len, off;
} body_t;

typedef struct job {
    const char *host, *bucket, *prefix, *ak, *sk, *payload_hash;
    const char *data;
    size_t size;
    int tid, count;
    double deadline;
    int ok, fail;
    double *lat; /* per-op latency, seconds */
} job_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t read_cb(char *buf, size_t sz, size_t n, void *arg)
{
    body_t *b = arg;
    size_t want = sz * n, left = b->len - b->off;
    if (want > left) want = left;
    memcpy(buf, b->data + b->off, want);
    b->off += want;
    return want;
}

static size_t sink_cb(char *buf, size_t sz, size_t n, void *arg)
{
    (void)buf;
    (void)arg;
    return sz * n;
}

/* One signed request; returns the HTTP status or -1. */
static long do_put(CURL *c, const char *host, const char *path, const char *ak, const char *sk,
                   const char *payload_hash, const lh_http_header_t *extra, size_t nextra,
                   const char *data, size_t len)
{
    char auth[1024], date[17], url[1024], h[4][1200];
    lh_sign_input_t in = {.method = "PUT",
                          .host = host,
                          .path = path,
                          .headers = extra,
                          .nheaders = nextra,
                          .payload_hash = payload_hash,
                          .access_key = ak,
                          .secret_key = sk,
                          .region = "us-east-1",
                          .service = "s3",
                          .now = (int64_t)time(NULL)};
    if (lh_sigv4_sign(&in, auth, sizeof auth, date) != 0) return -1;
    snprintf(url, sizeof url, "http://%s%s", host, path);
    snprintf(h[0], sizeof h[0], "Authorization: %s", auth);
    snprintf(h[1], sizeof h[1], "x-amz-date: %s", date);
    snprintf(h[2], sizeof h[2], "x-amz-content-sha256: %s", payload_hash);
    snprintf(h[3], sizeof h[3], "Expect:");
    struct curl_slist *hl = NULL;
    for (int i = 0; i < 4; i++)
        hl = curl_slist_append(hl, h[i]);
    for (size_t i = 0; i < nextra; i++) {
        char x[512];
        snprintf(x, sizeof x, "%.*s: %.*s", (int)extra[i].name.len, extra[i].name.ptr,
                 (int)extra[i].value.len, extra[i].value.ptr);
        hl = curl_slist_append(hl, x);
    }
    body_t b = {data, len, 0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &b);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_cb);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, 2L * 1024 * 1024);
    long code = -1;
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(hl);
    return code;
}

static void *worker(void *arg)
{
    job_t *j = arg;
    CURL *c = curl_easy_init();
    if (!c) return NULL;
    for (int i = 0; i < j->count && now_s() < j->deadline; i++) {
        char path[512];
        snprintf(path, sizeof path, "/%s/%s/t%d-%d", j->bucket, j->prefix, j->tid, i);
        double t0 = now_s();
        long code =
            do_put(c, j->host, path, j->ak, j->sk, j->payload_hash, NULL, 0, j->data, j->size);
        if (code == 200)
            j->lat[j->ok++] = now_s() - t0;
        else if (++j->fail <= 3)
            fprintf(stderr, "s3_load: PUT %s -> %ld\n", path, code);
    }
    curl_easy_cleanup(c);
    return NULL;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
           ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

static int cmd_mb(const char *host, const char *bucket, const char *ak, const char *sk)
{
    CURL *c = curl_easy_init();
    char path[300];
    snprintf(path, sizeof path, "/%s", bucket);
    lh_http_header_t acl = {{"x-amz-acl", 9}, {"public-read", 11}};
    static const char e3b[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    long code = do_put(c, host, path, ak, sk, e3b, &acl, 1, "", 0);
    curl_easy_cleanup(c);
    if (code != 200) {
        fprintf(stderr, "s3_load: CreateBucket %s -> %ld\n", bucket, code);
        return 1;
    }
    return 0;
}

static const char *load_body(const char *file, size_t size)
{
    if (!file) {
        char *d = malloc(size ? size : 1);
        if (!d) return NULL;
        for (size_t i = 0; i < size; i++)
            d[i] = (char)('a' + (i * 7919 + i / 13) % 26);
        return d;
    }
    int fd = open(file, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || (size_t)st.st_size < size) return NULL;
    void *m = mmap(NULL, size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    close(fd);
    return m == MAP_FAILED ? NULL : m;
}

int main(int argc, char **argv)
{
    const char *ak = getenv("LH_BENCH_AK"), *sk = getenv("LH_BENCH_SK");
    if (!ak || !sk || argc < 4) {
        fprintf(stderr, "usage: see the comment at the top of bench/s3_load.c\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!strcmp(argv[1], "mb")) return cmd_mb(argv[2], argv[3], ak, sk);
    if (strcmp(argv[1], "put") || argc < 10) return 2;
    size_t size = strtoull(argv[5], NULL, 10);
    int conc = (int)strtol(argv[6], NULL, 10);
    int count = (int)strtol(argv[7], NULL, 10);
    double maxsecs = strtod(argv[8], NULL);
    const char *data = load_body(argc > 10 ? argv[10] : NULL, size);
    if (!data || conc < 1 || conc > 256 || count < 1) {
        fprintf(stderr, "s3_load: bad arguments or body\n");
        return 2;
    }
    char hash[65] = "UNSIGNED-PAYLOAD";
    if (!strcmp(argv[9], "signed")) {
        unsigned char d[32];
        SHA256((const unsigned char *)data, size, d);
        for (int i = 0; i < 32; i++)
            snprintf(hash + 2 * i, 3, "%02x", d[i]);
    }
    job_t jobs[256];
    pthread_t th[256];
    double c0 = cpu_s(), t0 = now_s();
    for (int t = 0; t < conc; t++) {
        int n = count / conc + (t < count % conc);
        jobs[t] = (job_t){.host = argv[2],
                          .bucket = argv[3],
                          .prefix = argv[4],
                          .ak = ak,
                          .sk = sk,
                          .payload_hash = hash,
                          .data = data,
                          .size = size,
                          .tid = t,
                          .count = n,
                          .deadline = t0 + maxsecs,
                          .lat = calloc((size_t)n + 1, sizeof(double))};
        if (!jobs[t].lat || pthread_create(&th[t], NULL, worker, &jobs[t]) != 0) return 1;
    }
    int ok = 0, fail = 0;
    for (int t = 0; t < conc; t++) {
        pthread_join(th[t], NULL);
        ok += jobs[t].ok;
        fail += jobs[t].fail;
    }
    double secs = now_s() - t0, cpu = cpu_s() - c0;
    double *all = calloc((size_t)ok + 1, sizeof(double));
    int k = 0;
    for (int t = 0; t < conc; t++)
        for (int i = 0; i < jobs[t].ok; i++)
            all[k++] = jobs[t].lat[i];
    qsort(all, (size_t)ok, sizeof(double), cmp_d);
    printf("ok=%d fail=%d secs=%.4f ops_per_s=%.1f mb_per_s=%.1f p50_ms=%.3f client_cpu_s=%.3f\n",
           ok, fail, secs, ok / secs, (double)ok * (double)size / secs / 1e6,
           ok ? all[ok / 2] * 1e3 : 0.0, cpu);
    return fail ? 1 : 0;
}
