/* libFuzzer target for the RecordBatch v2 parser (stream/batch.c,
 * records.c, codec.c). Input: a batch as it would arrive in a Produce
 * request or sit in a segment.
 * 1. The header parse never reads past the input nor accepts a batch
 *    longer than it; an accepted batch's records are walked to the end
 *    (decompressed under a 1 MiB cap) with every key, value and header
 *    inside the records, and no error without a message.
 * 2. Setting the base offset in place keeps an accepted batch valid.
 * 3. The bytes after the first one, decompressed with the codec byte 0
 *    names, fail cleanly or stay under the cap.
 * 4. The input as the active segment of a partition log (on /dev/shm):
 *    recovery keeps a prefix of it, every offset below the high watermark
 *    reads back as CRC-valid batches, and an append after it lands at the
 *    high watermark and is there after another reopen. */
#include "core/buf.h"
#include "core/checksum.h"
#include "core/err.h"
#include "stream/log.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const uint8_t *p, size_t n)
{
    lh_stream_records_t it;
    lh_err_t err = {0};
    if (lh_stream_records_open(&it, p, n, 1 << 20, &err)) {
        if (!err.msg[0]) abort();
        return;
    }
    const uint8_t *lo = it.p, *hi = it.end;
    lh_stream_record_t r;
    int rc, k = 0;
    while ((rc = lh_stream_records_next(&it, &r, &err)) == 1) {
        if ((uint64_t)r.offset != (uint64_t)it.hdr.base_offset + (uint64_t)k++) abort();
        if (r.key && (r.key < lo || r.key + r.key_len > hi)) abort();
        if (r.value && (r.value < lo || r.value + r.value_len > hi)) abort();
        if (r.headers < lo || r.headers + r.header_len > hi) abort();
    }
    if (rc < 0 && !err.msg[0]) abort();
    if (rc == 0 && k != it.hdr.count) abort();
    lh_stream_records_close(&it);
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* A batch of one record (key null, value "v", no headers), CRC set. */
static void one_record(uint8_t rec[69])
{
    static const uint8_t record[8] = {14, 0, 0, 0, 1, 2, 'v', 0}; /* zig-zag lengths */
    memset(rec, 0, 69);
    put_be(rec + 8, 69 - 12, 4);
    rec[16] = 2;                       /* magic */
    put_be(rec + 43, (uint64_t)-1, 8); /* producer id */
    put_be(rec + 51, (uint64_t)-1, 2); /* producer epoch */
    put_be(rec + 53, (uint64_t)-1, 4); /* base sequence */
    put_be(rec + 57, 1, 4);            /* count */
    memcpy(rec + 61, record, sizeof record);
    put_be(rec + 17, lh_crc32c(0, rec + 21, 69 - 21), 4);
}

static void empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    if (d) closedir(d);
}

static void as_segment(const uint8_t *data, size_t size)
{
    char dir[64], path[128];
    snprintf(dir, sizeof dir, "/dev/shm/stream-fuzz-%d", (int)getpid());
    mkdir(dir, 0755);
    empty_dir(dir);
    snprintf(path, sizeof path, "%s/%020d.log", dir, 0);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size) abort();
    close(fd);
    lh_stream_log_opts_t o;
    lh_stream_log_opts_default(&o);
    o.index_interval = 64;
    lh_stream_log_t *log;
    lh_err_t err = {0};
    if (lh_stream_log_open(&log, dir, &o, &err)) { /* a bad tail is cut, not an error */
        fprintf(stderr, "open: %s\n", err.msg);
        abort();
    }
    if (lh_stream_log_size(log) > (int64_t)size) abort();
    int64_t hw = lh_stream_log_high_watermark(log), next;
    lh_buf_t out;
    lh_buf_init(&out, 4 << 20);
    for (int64_t off = 0; off < hw; off++) {
        lh_buf_reset(&out);
        lh_stream_batch_t b;
        if (lh_stream_log_read(log, off, 1, &out, &next, NULL) || next <= off ||
            lh_stream_batch_parse(out.ptr, out.len, 1 << 20, &b, NULL) || b.base_offset > off)
            abort();
    }
    int64_t found, ts;
    if (lh_stream_log_offset_for_time(log, 0, &found, &ts, &err)) {
        fprintf(stderr, "offset_for_time: %s\n", err.msg);
        abort();
    }
    uint8_t rec[69];
    one_record(rec);
    int64_t base;
    if (lh_stream_log_append(log, rec, sizeof rec, 0, &base, NULL) || base != hw) abort();
    lh_stream_log_close(log);
    if (lh_stream_log_open(&log, dir, &o, NULL) || lh_stream_log_high_watermark(log) != hw + 1)
        abort();
    lh_stream_log_close(log);
    lh_buf_free(&out);
    empty_dir(dir);
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lh_stream_batch_t b;
    lh_err_t err = {0};
    int rc = lh_stream_batch_parse(data, size, 1 << 20, &b, &err);
    if (rc && !err.msg[0]) abort();
    if (!rc) {
        if (b.size > size || b.size < LH_STREAM_BATCH_HEADER || b.count <= 0) abort();
        uint8_t *copy = malloc(b.size);
        if (!copy) return 0;
        memcpy(copy, data, b.size);
        walk(copy, b.size);
        lh_stream_batch_check_records(copy, b.size, 1 << 20, &err);
        lh_stream_batch_set_base_offset(copy, 42);
        lh_stream_batch_t again;
        if (lh_stream_batch_parse(copy, b.size, 1 << 20, &again, NULL) || again.base_offset != 42)
            abort();
        free(copy);
    }
    if (size >= 1) {
        lh_buf_t out;
        lh_buf_init(&out, 1 << 20);
        rc = lh_stream_decompress(data[0] % 6, data + 1, size - 1, &out, &err);
        if (rc && rc != LH_ECORRUPT && rc != LH_ETOOBIG && rc != LH_EINVAL && rc != LH_ENOMEM)
            abort();
        if (out.len > 1 << 20) abort();
        lh_buf_free(&out);
    }
    as_segment(data, size);
    return 0;
}
