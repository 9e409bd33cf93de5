/* Listing benchmark for the embedded store: builds a bucket of N keys
 * (default 1,000,000; "d%03d/s%02d/f%07d", bulk-indexed against one shared
 * body through the bench-only lh__store_bulk_alias), then lists it in pages
 * of 1000 three ways - every key, top level with delimiter "/", one
 * directory with delimiter "/" - and prints time and RSS (peak ru_maxrss and
 * current) before and after, to show listing memory stays flat.
 * Run through bench/list_1m.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "store/engine.h"
#include "store/engine_int.h"

static void key_of(int64_t i, char *key, size_t cap)
{
    snprintf(key, cap, "d%03d/s%02d/f%07lld", (int)(i % 1000), (int)(i % 7), (long long)i);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rss(long *peak_kb, long *cur_kb)
{
    struct rusage ru;
    long pages = 0, res = 0;
    getrusage(RUSAGE_SELF, &ru);
    *peak_kb = ru.ru_maxrss;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f && fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
    if (f) fclose(f);
    *cur_kb = res * (sysconf(_SC_PAGESIZE) / 1024);
}

static int count(const lh_store_list_entry_t *e, void *arg)
{
    long *n = arg;
    n[e->is_prefix]++;
    return 0;
}

static int list_all(lh_store_t *st, const char *label, const char *prefix, const char *delim)
{
    char marker[LH_STORE_KEY_MAX + 1];
    size_t mlen = 0;
    int trunc = 1, pages = 0;
    long n[2] = {0, 0}, p0, c0, p1, c1;
    lh_err_t err;
    rss(&p0, &c0);
    double t0 = now_s();
    while (trunc) {
        lh_store_list_opts_t o = {prefix, strlen(prefix), delim, strlen(delim), marker, mlen, 1000};
        if (lh_store_list(st, "bench", &o, count, n, &trunc, marker, &mlen, &err)) {
            fprintf(stderr, "list failed: %s\n", err.msg);
            return 1;
        }
        pages++;
    }
    double t = now_s() - t0;
    rss(&p1, &c1);
    printf("%-34s %8ld keys %5ld prefixes %5d pages %8.3f s   rss %6ld -> %6ld KiB (peak %6ld -> "
           "%6ld)\n",
           label, n[0], n[1], pages, t, c0, c1, p0, p1);
    return 0;
}

int main(int argc, char **argv)
{
    int64_t n = argc > 2 ? strtoll(argv[2], NULL, 10) : 1000000;
    lh_store_t *st;
    lh_err_t err;
    lh_store_writer_t *w;
    lh_store_meta_t m = {.etag = "shared"};
    if (argc < 2) {
        fprintf(stderr, "usage: list_1m DATA_DIR [NKEYS]\n");
        return 2;
    }
    if (lh_store_open(&st, argv[1], &err) ||
        lh_store_bucket_create(st, "bench", "bench", 0, &err) ||
        lh_store_put_begin(st, "bench", &w, &err) || lh_store_put_write(w, "x", 1, &err) ||
        lh_store_put_commit(w, "shared", 6, &m, NULL, &err)) {
        fprintf(stderr, "setup failed: %s\n", err.msg);
        return 1;
    }
    double t0 = now_s();
    if (lh__store_bulk_alias(st, "bench", "shared", n, key_of, &err)) {
        fprintf(stderr, "fill failed: %s\n", err.msg);
        return 1;
    }
    printf("filled %lld keys in %.1f s\n", (long long)n, now_s() - t0);
    int rc = list_all(st, "all keys, no delimiter", "", "") ||
             list_all(st, "top level, delimiter /", "", "/") ||
             list_all(st, "prefix d042/, delimiter /", "d042/", "/") ||
             list_all(st, "prefix d042/s03/, delimiter /", "d042/s03/", "/") ||
             list_all(st, "all keys again, no delimiter", "", "");
    lh_store_close(st);
    return rc;
}
