/* The partition log (src/stream/log.c, segment.c, index.c, log_time.c):
 * append/read round trips across segments, reads from the middle of a
 * batch, byte limits, reopen with loaded and with rebuilt indexes, lookup
 * by timestamp with out-of-order CreateTimes against a brute-force scan,
 * roll and retention under an injected clock, the flush policy. */
#include "stream/log.h"
#include "stream_enc.h"
#include "test.h"
#include "tmpdir.h"

#include <dirent.h>
#include <unistd.h>

static int64_t fake_now;
static int64_t fake_clock(void *arg)
{
    (void)arg;
    return fake_now;
}

static lh_stream_log_opts_t small_opts(void)
{
    lh_stream_log_opts_t o;
    lh_stream_log_opts_default(&o);
    o.segment_bytes = 16 << 10;
    o.index_interval = 1024;
    o.clock = fake_clock;
    fake_now = 1000000;
    return o;
}

/* What the test appended: every batch's bytes (with offsets set). */
typedef struct {
    lh_buf_t bytes;
    int64_t pos[2000], base[2000], last[2000];
    int n;
} written_t;

static int append_some(lh_stream_log_t *log, written_t *w, int batches, unsigned seed)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    for (int i = 0; i < batches; i++) {
        seed = seed * 1103515245u + 12345u;
        int n = 1 + (int)(seed >> 16) % 5, vs = 100 + (int)(seed >> 8) % 500;
        lh_buf_reset(&b);
        enc_simple(&b, (int)(seed >> 20) % 5, n, vs, w->n, NULL);
        int64_t base;
        lh_err_t err;
        if (lh_stream_log_append(log, b.ptr, b.len, 0, &base, &err)) {
            fprintf(stderr, "append: %s\n", err.msg);
            return -1;
        }
        w->pos[w->n] = (int64_t)w->bytes.len;
        w->base[w->n] = base;
        w->last[w->n] = base + n - 1;
        w->n++;
        lh_buf_append(&w->bytes, b.ptr, b.len);
    }
    lh_buf_free(&b);
    return 0;
}

/* The batch index holding offset. */
static int batch_of(const written_t *w, int64_t off)
{
    for (int i = 0; i < w->n; i++)
        if (w->base[i] <= off && off <= w->last[i]) return i;
    return -1;
}

static size_t batch_size(const written_t *w, int i)
{
    int64_t end = i + 1 < w->n ? w->pos[i + 1] : (int64_t)w->bytes.len;
    return (size_t)(end - w->pos[i]);
}

/* Every offset read alone gives exactly its batch; reading everything in
 * 10 KiB steps gives back every byte appended. */
static int check_reads(lh_stream_log_t *log, const written_t *w)
{
    lh_buf_t out;
    lh_buf_init(&out, 0);
    int64_t hw = lh_stream_log_high_watermark(log), next;
    for (int64_t off = 0; off < hw; off++) {
        lh_buf_reset(&out);
        if (lh_stream_log_read(log, off, 1, &out, &next, NULL)) return -1;
        int i = batch_of(w, off);
        if (i < 0 || out.len != batch_size(w, i) ||
            memcmp(out.ptr, w->bytes.ptr + w->pos[i], out.len) || next != w->last[i] + 1)
            return -2;
    }
    lh_buf_reset(&out);
    for (int64_t off = 0; off < hw; off = next)
        if (lh_stream_log_read(log, off, 10 << 10, &out, &next, NULL) || next <= off) return -3;
    int rc = out.len == w->bytes.len && !memcmp(out.ptr, w->bytes.ptr, out.len) ? 0 : -4;
    lh_buf_free(&out);
    return rc;
}

static long long largest_log_file(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    long long max = -1;
    while (d && (e = readdir(d))) {
        char path[512];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (strstr(e->d_name, ".log") && !stat(path, &st) && st.st_size > max) max = st.st_size;
    }
    if (d) closedir(d);
    return max;
}

static void append_and_read_across_segments(void)
{
    const char *dir = lh_test_tmpdir();
    lh_stream_log_opts_t o = small_opts();
    lh_stream_log_t *log;
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    CHECK_EQ_INT(lh_stream_log_high_watermark(log), 0);
    written_t *w = calloc(1, sizeof *w);
    lh_buf_init(&w->bytes, 0);
    CHECK_EQ_INT(append_some(log, w, 300, 7), 0);
    CHECK(lh_stream_log_segments(log) > 4);
    CHECK(largest_log_file(dir) <= 16 << 10); /* rolled by size */
    CHECK_EQ_INT(lh_stream_log_high_watermark(log), w->last[w->n - 1] + 1);
    CHECK_EQ_INT(lh_stream_log_size(log), w->bytes.len);
    CHECK_EQ_INT(check_reads(log, w), 0);
    lh_stream_log_close(log);
    /* reopened: closed segments load their indexes, the last is rescanned */
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    CHECK_EQ_INT(lh_stream_log_high_watermark(log), w->last[w->n - 1] + 1);
    CHECK_EQ_INT(check_reads(log, w), 0);
    CHECK_EQ_INT(append_some(log, w, 50, 8), 0); /* and appends go on */
    CHECK_EQ_INT(check_reads(log, w), 0);
    lh_stream_log_close(log);
    lh_buf_free(&w->bytes);
    free(w);
}

static void read_limits_and_range(void)
{
    const char *dir = lh_test_tmpdir();
    lh_stream_log_opts_t o = small_opts();
    lh_stream_log_t *log;
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    written_t *w = calloc(1, sizeof *w);
    lh_buf_init(&w->bytes, 0);
    CHECK_EQ_INT(append_some(log, w, 10, 3), 0);
    lh_buf_t out;
    lh_buf_init(&out, 0);
    int64_t next, hw = lh_stream_log_high_watermark(log);
    /* exactly two batches fit; from the middle of the first */
    size_t two = batch_size(w, 1) + batch_size(w, 2);
    CHECK_EQ_INT(lh_stream_log_read(log, w->last[1], two, &out, &next, &err), 0);
    CHECK_EQ_INT(out.len, two);
    CHECK_EQ_INT(next, w->last[2] + 1);
    lh_buf_reset(&out);
    CHECK_EQ_INT(lh_stream_log_read(log, w->base[1], two - 1, &out, &next, &err), 0);
    CHECK_EQ_INT(out.len, batch_size(w, 1));
    lh_buf_reset(&out);
    CHECK_EQ_INT(lh_stream_log_read(log, w->base[1], 0, &out, &next, &err), 0);
    CHECK_EQ_INT(out.len, batch_size(w, 1)); /* at least one batch */
    lh_buf_reset(&out);
    CHECK_EQ_INT(lh_stream_log_read(log, hw, 100, &out, &next, &err), 0);
    CHECK_EQ_INT(out.len, 0);
    CHECK_EQ_INT(next, hw);
    /* the same span as a file range, for sendfile */
    lh_stream_span_t sp;
    CHECK_EQ_INT(lh_stream_log_locate(log, w->last[1], two, &sp, &err), 0);
    CHECK_EQ_INT(sp.len, two);
    CHECK_EQ_INT(sp.next, w->last[2] + 1);
    char *raw = malloc(two);
    CHECK_EQ_INT(pread(sp.fd, raw, two, sp.pos), (ssize_t)two);
    CHECK(memcmp(raw, w->bytes.ptr + w->pos[1], two) == 0);
    free(raw);
    CHECK_EQ_INT(lh_stream_log_locate(log, hw, 100, &sp, &err), 0);
    CHECK_EQ_INT(sp.len, 0);
    /* a buffer too small for the first batch: an error, nothing appended */
    lh_buf_t small;
    lh_buf_init(&small, 64);
    CHECK_EQ_INT(lh_stream_log_read(log, 0, 100, &small, &next, &err), LH_ETOOBIG);
    CHECK_EQ_INT(small.len, 0);
    lh_buf_free(&small);
    CHECK_EQ_INT(lh_stream_log_read(log, hw + 1, 100, &out, &next, &err), LH_ENOENT);
    CHECK_EQ_INT(lh_stream_log_read(log, -1, 100, &out, &next, &err), LH_ENOENT);
    lh_buf_free(&out);
    lh_stream_log_close(log);
    lh_buf_free(&w->bytes);
    free(w);
}

static void bad_batches_leave_the_log_unchanged(void)
{
    const char *dir = lh_test_tmpdir();
    lh_stream_log_opts_t o = small_opts();
    o.max_batch_bytes = 4096;
    lh_stream_log_t *log;
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    lh_buf_t b;
    lh_buf_init(&b, 0);
    int64_t base;
    enc_t e = {.n = 1, .value_size = 4, .lod = -1, .extra_attrs = LH_STREAM_ATTR_CONTROL};
    enc_batch(&b, &e);
    CHECK_EQ_INT(lh_stream_log_append(log, b.ptr, b.len, 1, &base, &err), LH_EPERM);
    lh_buf_reset(&b);
    enc_simple(&b, LH_STREAM_CODEC_NONE, 10, 500, 1, NULL);
    CHECK_EQ_INT(lh_stream_log_append(log, b.ptr, b.len, 1, &base, &err), LH_ETOOBIG);
    lh_buf_reset(&b);
    e = (enc_t){.n = 3, .value_size = 4, .lod = -1, .max_skew = 5};
    enc_batch(&b, &e);
    CHECK_EQ_INT(lh_stream_log_append(log, b.ptr, b.len, 1, &base, &err), LH_ECORRUPT);
    CHECK_EQ_INT(lh_stream_log_high_watermark(log), 0);
    CHECK_EQ_INT(lh_stream_log_size(log), 0);
    lh_buf_reset(&b);
    enc_simple(&b, LH_STREAM_CODEC_NONE, 2, 5, 1, NULL);
    CHECK_EQ_INT(lh_stream_log_append(log, b.ptr, b.len, 1, &base, &err), 0);
    CHECK_EQ_INT(base, 0);
    CHECK_EQ_INT(lh_stream_log_high_watermark(log), 2);
    lh_buf_free(&b);
    lh_stream_log_close(log);
}

static void remove_file(const char *dir, int64_t base, const char *ext, const char *garbage)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%020lld%s", dir, (long long)base, ext);
    if (!garbage) {
        unlink(path);
        return;
    }
    FILE *f = fopen(path, "wb");
    fputs(garbage, f);
    fclose(f);
}

static long long file_len(const char *dir, int64_t base, const char *ext)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%020lld%s", dir, (long long)base, ext);
    struct stat st;
    return stat(path, &st) ? -1 : (long long)st.st_size;
}

static void missing_or_bad_indexes_are_rebuilt(void)
{
    const char *dir = lh_test_tmpdir();
    lh_stream_log_opts_t o = small_opts();
    lh_stream_log_t *log;
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    written_t *w = calloc(1, sizeof *w);
    lh_buf_init(&w->bytes, 0);
    CHECK_EQ_INT(append_some(log, w, 200, 11), 0);
    CHECK(lh_stream_log_segments(log) >= 4);
    lh_stream_log_close(log);
    remove_file(dir, 0, ".index", NULL);
    remove_file(dir, 0, ".timeindex", NULL);
    /* the second segment's indexes: garbage of a whole number of entries */
    lh_stream_log_t *probe;
    CHECK_EQ_INT(lh_stream_log_open(&probe, dir, &o, &err), 0);
    lh_buf_t out;
    lh_buf_init(&out, 0);
    int64_t next;
    CHECK_EQ_INT(lh_stream_log_read(probe, 0, 1, &out, &next, &err), 0);
    lh_stream_log_close(probe);
    int64_t second = -1;
    for (int i = 0; i < w->n && second < 0; i++)
        if (w->pos[i] >= 16 << 10 || w->pos[i] + (int64_t)batch_size(w, i) > 16 << 10)
            second = w->base[i];
    CHECK(second > 0);
    remove_file(dir, second, ".index", "0123456789abcdef");
    remove_file(dir, second, ".timeindex", "0123456789ab0123456789ab");
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    CHECK_EQ_INT(check_reads(log, w), 0);
    lh_stream_log_close(log);
    /* rebuilt as Kafka lays them out: 8- and 12-byte entries, several each */
    CHECK(file_len(dir, 0, ".index") >= 8 * 8 && file_len(dir, 0, ".index") % 8 == 0);
    CHECK(file_len(dir, 0, ".timeindex") >= 12 && file_len(dir, 0, ".timeindex") % 12 == 0);
    CHECK(file_len(dir, second, ".index") >= 8 * 8 && file_len(dir, second, ".index") % 8 == 0);
    CHECK_EQ_INT(file_len(dir, second, ".timeindex") % 12, 0);
    lh_buf_free(&out);
    lh_buf_free(&w->bytes);
    free(w);
}

/* ---- lookup by timestamp ---- */

typedef struct {
    int64_t off, ts;
} rec_t;

static void timestamp_lookup_matches_brute_force(void)
{
    const char *dir = lh_test_tmpdir();
    lh_stream_log_opts_t o = small_opts();
    o.index_interval = 256;
    lh_stream_log_t *log;
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    static rec_t recs[4000];
    int nrec = 0;
    unsigned seed = 99;
    lh_buf_t b;
    lh_buf_init(&b, 0);
    for (int i = 0; i < 400; i++) {
        int64_t ts[8];
        seed = seed * 1103515245u + 12345u;
        int n = 1 + (int)(seed >> 16) % 8;
        for (int k = 0; k < n; k++) {
            seed = seed * 1103515245u + 12345u;
            /* a slow upward drift with backdated events mixed in */
            ts[k] = 1700000000000LL + i * 50 + (int64_t)((seed >> 8) % 20000) - 10000;
        }
        lh_buf_reset(&b);
        enc_simple(&b, (int)(seed >> 24) % 5, n, 40, i, ts);
        int64_t base;
        CHECK_EQ_INT(lh_stream_log_append(log, b.ptr, b.len, 0, &base, &err), 0);
        for (int k = 0; k < n; k++)
            recs[nrec++] = (rec_t){base + k, ts[k]};
    }
    CHECK(lh_stream_log_segments(log) > 2);
    for (int pass = 0; pass < 2; pass++) {
        for (int q = 0; q < 400; q++) {
            seed = seed * 1103515245u + 12345u;
            int64_t t = 1700000000000LL - 12000 + (int64_t)((seed >> 8) % 45000);
            if (q == 0) t = INT64_MIN;
            if (q == 1) t = INT64_MAX;
            int64_t want = -1, want_ts = -1, got, got_ts;
            for (int r = 0; r < nrec; r++)
                if (recs[r].ts >= t) {
                    want = recs[r].off;
                    want_ts = recs[r].ts;
                    break;
                }
            CHECK_EQ_INT(lh_stream_log_offset_for_time(log, t, &got, &got_ts, &err), 0);
            CHECK_EQ_INT(got, want);
            CHECK_EQ_INT(got_ts, want_ts);
        }
        lh_stream_log_close(log); /* again with the indexes loaded from disk */
        CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    }
    lh_buf_free(&b);
    lh_stream_log_close(log);
}

/* Stored without verify_records, a CRC-valid batch whose records do not
 * parse is passed over by the lookup instead of failing it. */
static void timestamp_lookup_passes_over_unreadable_batches(void)
{
    const char *dir = lh_test_tmpdir();
    lh_stream_log_opts_t o = small_opts();
    o.verify_records = 0;
    lh_stream_log_t *log;
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    lh_buf_t b;
    lh_buf_init(&b, 0);
    int64_t ts[3] = {5000, 6000, 7000}, base, off, found;
    enc_t e = {.n = 2, .count = 1, .value_size = 4, .lod = -1, .ts = ts}; /* a record too many */
    enc_batch(&b, &e);
    CHECK_EQ_INT(lh_stream_log_append(log, b.ptr, b.len, 0, &base, &err), 0);
    lh_buf_reset(&b);
    enc_simple(&b, LH_STREAM_CODEC_NONE, 3, 4, 1, ts);
    CHECK_EQ_INT(lh_stream_log_append(log, b.ptr, b.len, 0, &base, &err), 0);
    CHECK_EQ_INT(base, 1);
    CHECK_EQ_INT(lh_stream_log_offset_for_time(log, 5500, &off, &found, &err), 0);
    CHECK_EQ_INT(off, 2);
    CHECK_EQ_INT(found, 6000);
    lh_buf_free(&b);
    lh_stream_log_close(log);
}

/* ---- roll, retention, flush ---- */

static int64_t append_at(lh_stream_log_t *log, int n, int sync)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    int64_t ts[8];
    for (int k = 0; k < n; k++)
        ts[k] = fake_now;
    enc_simple(&b, LH_STREAM_CODEC_NONE, n, 200, 1, ts);
    int64_t base = -1;
    if (lh_stream_log_append(log, b.ptr, b.len, sync, &base, NULL)) base = -1;
    lh_buf_free(&b);
    return base;
}

static void roll_by_age_and_retention_by_time(void)
{
    const char *dir = lh_test_tmpdir();
    lh_stream_log_opts_t o = small_opts();
    o.segment_ms = 1000;
    o.retention_ms = 5000;
    lh_stream_log_t *log;
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    for (int i = 0; i < 20; i++) {
        CHECK_EQ_INT(append_at(log, 1, 0), i);
        fake_now += 600;
    }
    /* a segment spans at most two appends 600 ms apart */
    CHECK_EQ_INT(lh_stream_log_segments(log), 10);
    int deleted;
    CHECK_EQ_INT(lh_stream_log_retain(log, &deleted, &err), 0);
    /* now = start + 12000: segments whose newest record is older than 7000 go */
    CHECK_EQ_INT(deleted, 6);
    CHECK_EQ_INT(lh_stream_log_start(log), 12);
    lh_buf_t out;
    lh_buf_init(&out, 0);
    int64_t next;
    CHECK_EQ_INT(lh_stream_log_read(log, 3, 100, &out, &next, &err), LH_ENOENT);
    CHECK_EQ_INT(lh_stream_log_read(log, 12, 1, &out, &next, &err), 0);
    CHECK_EQ_INT(next, 13);
    /* far in the future: all but the active segment go, offsets stay */
    fake_now += 1000000;
    CHECK_EQ_INT(lh_stream_log_tick(log, &err), 0); /* rolls the old active segment */
    CHECK_EQ_INT(lh_stream_log_retain(log, &deleted, &err), 0);
    CHECK_EQ_INT(lh_stream_log_segments(log), 1);
    CHECK_EQ_INT(lh_stream_log_start(log), 20);
    CHECK_EQ_INT(file_len(dir, 0, ".log"), -1); /* the files are gone */
    CHECK_EQ_INT(file_len(dir, 0, ".timeindex"), -1);
    CHECK_EQ_INT(lh_stream_log_high_watermark(log), 20);
    CHECK_EQ_INT(append_at(log, 2, 0), 20);
    lh_stream_log_close(log);
    remove_file(dir, 3, ".index", "12345678"); /* as a crash in retention leaves */
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    CHECK_EQ_INT(lh_stream_log_start(log), 20);
    CHECK_EQ_INT(lh_stream_log_high_watermark(log), 22);
    CHECK_EQ_INT(file_len(dir, 3, ".index"), -1); /* an orphan index is removed */
    lh_buf_free(&out);
    lh_stream_log_close(log);
}

static void retention_by_bytes_oldest_first(void)
{
    const char *dir = lh_test_tmpdir();
    lh_stream_log_opts_t o = small_opts();
    o.segment_bytes = 4096;
    o.retention_ms = -1;
    o.retention_bytes = 10000;
    lh_stream_log_t *log;
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    for (int i = 0; i < 100; i++)
        CHECK(append_at(log, 2, 0) >= 0);
    int before = lh_stream_log_segments(log), deleted;
    CHECK_EQ_INT(lh_stream_log_retain(log, &deleted, &err), 0);
    CHECK(deleted > 0);
    CHECK_EQ_INT(lh_stream_log_segments(log), before - deleted);
    int64_t size = lh_stream_log_size(log);
    CHECK(size >= 10000);       /* never below the limit */
    CHECK(size < 10000 + 4096); /* one more segment would go under it */
    CHECK_EQ_INT(lh_stream_log_high_watermark(log), 200);
    CHECK(lh_stream_log_start(log) > 0);
    lh_stream_log_close(log);
}

static void flush_policy(void)
{
    const char *dir = lh_test_tmpdir();
    lh_stream_log_opts_t o = small_opts();
    lh_stream_log_t *log;
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    /* flush_interval 0: a synced append (acks=all) is durable on return */
    CHECK_EQ_INT(append_at(log, 3, 1), 0);
    CHECK_EQ_INT(lh_stream_log_durable(log), 3);
    CHECK_EQ_INT(append_at(log, 3, 0), 3); /* acks=1: not fsynced yet */
    CHECK_EQ_INT(lh_stream_log_durable(log), 3);
    CHECK_EQ_INT(lh_stream_log_flush(log, &err), 0);
    CHECK_EQ_INT(lh_stream_log_durable(log), 6);
    lh_stream_log_close(log);
    /* every 10 messages */
    o.flush_messages = 10;
    o.flush_ms = 60000;
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    CHECK_EQ_INT(lh_stream_log_durable(log), 6);
    for (int i = 0; i < 3; i++)
        CHECK(append_at(log, 3, 1) >= 0);
    CHECK_EQ_INT(lh_stream_log_durable(log), 6); /* 9 records: not yet */
    CHECK(append_at(log, 1, 1) >= 0);
    CHECK_EQ_INT(lh_stream_log_durable(log), 16);
    /* every flush_ms, from the timer */
    CHECK(append_at(log, 1, 1) >= 0);
    CHECK_EQ_INT(lh_stream_log_tick(log, &err), 0);
    CHECK_EQ_INT(lh_stream_log_durable(log), 16);
    fake_now += 60000;
    CHECK_EQ_INT(lh_stream_log_tick(log, &err), 0);
    CHECK_EQ_INT(lh_stream_log_durable(log), 17);
    lh_stream_log_close(log);
}

static const lh_test_t tests[] = {
    {"append_and_read_across_segments", append_and_read_across_segments},
    {"read_limits_and_range", read_limits_and_range},
    {"bad_batches_leave_the_log_unchanged", bad_batches_leave_the_log_unchanged},
    {"missing_or_bad_indexes_are_rebuilt", missing_or_bad_indexes_are_rebuilt},
    {"timestamp_lookup_matches_brute_force", timestamp_lookup_matches_brute_force},
    {"timestamp_lookup_passes_over_unreadable_batches",
     timestamp_lookup_passes_over_unreadable_batches},
    {"roll_by_age_and_retention_by_time", roll_by_age_and_retention_by_time},
    {"retention_by_bytes_oldest_first", retention_by_bytes_oldest_first},
    {"flush_policy", flush_policy},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
