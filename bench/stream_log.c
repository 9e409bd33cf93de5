/* Partition log benchmark (src/stream/log.h), no network: what the storage
 * under the Kafka broker does on this disk.
 *   stream_log DIR [MB]     (default 256)
 * Appends MB of 1 KiB records in uncompressed batches of 16 (acks=1: no
 * fsync until the end), then flushes; appends with fsync per batch
 * (acks=all, flush_interval 0) for 2 s; reads everything back in 1 MiB
 * reads (page cache); reopens (recovery rescans the active segment, CRC of
 * every batch); looks up 1000 timestamps. Prints one key=value line each. */
#include "stream/log.h"
#include "stream_enc.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what, const lh_err_t *err)
{
    fprintf(stderr, "stream_log: %s: %s\n", what, err->msg);
    exit(1);
}

static void append_bulk(lh_stream_log_t *log, const lh_buf_t *b, int64_t total, int verify)
{
    lh_err_t err;
    double t0 = now_s();
    int64_t done = 0, base;
    while (done < total) { /* the same bytes again: only the base offset changes */
        if (lh_stream_log_append(log, b->ptr, b->len, 0, &base, &err)) die("append", &err);
        done += (int64_t)b->len;
    }
    if (lh_stream_log_flush(log, &err)) die("flush", &err);
    double s = now_s() - t0;
    printf("append_acks1 verify_records=%d bytes=%lld secs=%.3f mb_per_s=%.1f\n", verify,
           (long long)done, s, (double)done / s / 1e6);
}

static void append_synced(lh_stream_log_t *log, const lh_buf_t *b)
{
    lh_err_t err;
    int64_t base;
    int n = 0;
    double t0 = now_s(), s;
    while ((s = now_s() - t0) < 2.0) {
        if (lh_stream_log_append(log, b->ptr, b->len, 1, &base, &err)) die("append", &err);
        n++;
    }
    printf("append_acks_all batches=%d secs=%.3f batches_per_s=%.0f mb_per_s=%.1f\n", n, s, n / s,
           (double)n * (double)b->len / s / 1e6);
}

static void read_all(lh_stream_log_t *log)
{
    lh_buf_t out;
    lh_buf_init(&out, 4 << 20);
    lh_err_t err;
    int64_t off = lh_stream_log_start(log), next, bytes = 0;
    double t0 = now_s();
    while (off < lh_stream_log_high_watermark(log)) {
        lh_buf_reset(&out);
        if (lh_stream_log_read(log, off, 1 << 20, &out, &next, &err)) die("read", &err);
        bytes += (int64_t)out.len;
        off = next;
    }
    double s = now_s() - t0;
    printf("read bytes=%lld secs=%.3f mb_per_s=%.1f\n", (long long)bytes, s,
           (double)bytes / s / 1e6);
    lh_buf_free(&out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: stream_log DIR [MB]\n");
        return 2;
    }
    int64_t total = (argc > 2 ? strtoll(argv[2], NULL, 10) : 256) << 20;
    lh_stream_log_opts_t o;
    lh_stream_log_opts_default(&o);
    o.max_batch_bytes = 1 << 20;
    lh_buf_t b;
    lh_buf_init(&b, 0);
    int64_t ts[16];
    for (int i = 0; i < 16; i++)
        ts[i] = 1700000000000LL + (i * 7919) % 5000;
    enc_simple(&b, LH_STREAM_CODEC_NONE, 16, 1024, 1, ts);
    char path[4096];
    lh_stream_log_t *log;
    lh_err_t err;
    for (int verify = 0; verify < 2; verify++) {
        snprintf(path, sizeof path, "%s/p%d", argv[1], verify);
        o.verify_records = verify;
        if (lh_stream_log_open(&log, path, &o, &err)) die("open", &err);
        append_bulk(log, &b, total, verify);
        if (verify) append_synced(log, &b);
        if (verify) read_all(log);
        lh_stream_log_close(log);
    }
    double t0 = now_s();
    if (lh_stream_log_open(&log, path, &o, &err)) die("reopen", &err);
    double s = now_s() - t0;
    printf("recover bytes=%lld secs=%.3f mb_per_s=%.1f\n", (long long)lh_stream_log_size(log), s,
           (double)lh_stream_log_size(log) / s / 1e6);
    t0 = now_s();
    int64_t off, found;
    for (int q = 0; q < 1000; q++)
        if (lh_stream_log_offset_for_time(log, 1700000000000LL + q * 5, &off, &found, &err))
            die("lookup", &err);
    printf("offset_for_time lookups=1000 us_each=%.1f\n", (now_s() - t0) * 1e3);
    lh_stream_log_close(log);
    lh_buf_free(&b);
    return 0;
}
