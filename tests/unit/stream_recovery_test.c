/* Recovery of the partition log after a crash: the active segment cut in
 * the middle of a batch (a power loss), a flipped byte in its last batch,
 * zeros after the last batch; every batch before the damage is there once
 * and in order and appends continue at the right offset. And a child
 * appending with fsync, killed with SIGKILL: every offset it reported
 * durable (through a pipe) is there after reopening. */
#include "stream/log.h"
#include "stream_enc.h"
#include "test.h"
#include "tmpdir.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

static lh_stream_log_opts_t opts(void)
{
    lh_stream_log_opts_t o;
    lh_stream_log_opts_default(&o);
    o.segment_bytes = 4 << 10;
    o.index_interval = 256;
    o.max_batch_bytes = 1024;
    return o;
}

/* Batch i: i%3+1 records of 150 bytes with seed i, codec i%5. */
static void make_batch(lh_buf_t *b, int i)
{
    lh_buf_reset(b);
    enc_simple(b, i % 5, i % 3 + 1, 150, i, NULL);
}

static int append_n(lh_stream_log_t *log, int from, int to, int64_t *bases)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    int rc = 0;
    for (int i = from; i < to && !rc; i++) {
        make_batch(&b, i);
        rc = lh_stream_log_append(log, b.ptr, b.len, 1, &bases[i], NULL);
    }
    lh_buf_free(&b);
    return rc;
}

/* Reads the whole log: batch k must be batch k as appended (its offset the
 * sum of the record counts before it, the same bytes from the length on).
 * Returns how many batches, or -1. */
static int verify(lh_stream_log_t *log)
{
    lh_buf_t out, want;
    lh_buf_init(&out, 0);
    lh_buf_init(&want, 0);
    int64_t off = lh_stream_log_start(log), next;
    int k = 0, bad = 0;
    int64_t base = 0;
    while (!bad && off < lh_stream_log_high_watermark(log)) {
        lh_buf_reset(&out);
        if (lh_stream_log_read(log, off, 1, &out, &next, NULL)) bad = 1;
        lh_stream_batch_t h;
        make_batch(&want, k);
        if (!bad &&
            (lh_stream_batch_parse(out.ptr, out.len, 1 << 20, &h, NULL) || h.base_offset != base ||
             out.len != want.len || memcmp(out.ptr + 12, want.ptr + 12, want.len - 12)))
            bad = 1;
        off = next;
        base += k % 3 + 1;
        k++;
    }
    lh_buf_free(&out);
    lh_buf_free(&want);
    return bad ? -1 : k;
}

static void seg_path(char *out, size_t n, const char *dir, int64_t base)
{
    snprintf(out, n, "%s/%020lld.log", dir, (long long)base);
}

/* The base offset of the newest segment in dir. */
static int64_t last_segment(const char *dir)
{
    DIR *d = opendir(dir);
    int64_t best = -1;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strlen(e->d_name) == 24 && !strcmp(e->d_name + 20, ".log")) {
            int64_t v = strtoll(e->d_name, NULL, 10);
            if (v > best) best = v;
        }
    if (d) closedir(d);
    return best;
}

static void cut_mid_batch_and_flipped_bytes(void)
{
    const char *dir = lh_test_tmpdir();
    lh_stream_log_opts_t o = opts();
    lh_stream_log_t *log;
    lh_err_t err;
    static int64_t bases[400];
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    CHECK_EQ_INT(append_n(log, 0, 100, bases), 0);
    CHECK(lh_stream_log_segments(log) > 3);
    int64_t hw = lh_stream_log_high_watermark(log);
    int64_t active_base = last_segment(dir);
    CHECK(active_base > 0);
    lh_stream_log_close(log);
    char path[512];
    seg_path(path, sizeof path, dir, active_base);
    struct stat st;
    CHECK_EQ_INT(stat(path, &st), 0);
    /* 1: cut 20 bytes into the last batch (a torn write) */
    CHECK_EQ_INT(truncate(path, st.st_size - 20), 0);
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    CHECK_EQ_INT(lh_stream_log_high_watermark(log), bases[99]);
    CHECK_EQ_INT(verify(log), 99);
    CHECK_EQ_INT(append_n(log, 99, 110, bases), 0); /* continues at the right offset */
    CHECK_EQ_INT(bases[99], hw - (99 % 3 + 1));
    CHECK_EQ_INT(verify(log), 110);
    lh_stream_log_close(log);
    /* 2: flip a byte inside the last batch's records */
    seg_path(path, sizeof path, dir, last_segment(dir));
    CHECK_EQ_INT(stat(path, &st), 0);
    int fd = open(path, O_RDWR);
    uint8_t c;
    CHECK_EQ_INT(pread(fd, &c, 1, st.st_size - 30), 1);
    c ^= 0x10;
    CHECK_EQ_INT(pwrite(fd, &c, 1, st.st_size - 30), 1);
    /* 3: and zeros after it, as a preallocated or half-written tail */
    static const uint8_t zeros[300];
    CHECK_EQ_INT(pwrite(fd, zeros, sizeof zeros, st.st_size), (ssize_t)sizeof zeros);
    close(fd);
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    CHECK_EQ_INT(lh_stream_log_high_watermark(log), bases[109]);
    CHECK_EQ_INT(verify(log), 109);
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK(st.st_size < 4 << 10); /* the bad tail was cut off the file */
    CHECK_EQ_INT(append_n(log, 109, 120, bases), 0);
    CHECK_EQ_INT(verify(log), 120);
    lh_stream_log_close(log);
}

static void garbage_in_the_middle_of_the_tail_cuts_there(void)
{
    const char *dir = lh_test_tmpdir();
    lh_stream_log_opts_t o = opts();
    o.segment_bytes = 1 << 20; /* one segment */
    lh_stream_log_t *log;
    lh_err_t err;
    static int64_t bases[100];
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    CHECK_EQ_INT(append_n(log, 0, 40, bases), 0);
    lh_stream_log_close(log);
    /* batch 20's length field made absurd: everything from there goes */
    char path[512];
    seg_path(path, sizeof path, dir, 0);
    lh_buf_t b;
    lh_buf_init(&b, 0);
    int64_t pos = 0;
    for (int i = 0; i < 20; i++) {
        make_batch(&b, i);
        pos += (int64_t)b.len;
    }
    lh_buf_free(&b);
    int fd = open(path, O_RDWR);
    static const uint8_t big[4] = {0x7f, 0xff, 0xff, 0xff};
    CHECK_EQ_INT(pwrite(fd, big, 4, pos + 8), 4);
    close(fd);
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    CHECK_EQ_INT(lh_stream_log_high_watermark(log), bases[20]);
    CHECK_EQ_INT(verify(log), 20);
    lh_stream_log_close(log);
}

/* A closed segment was fsynced when it rolled: damage there is reported,
 * never cut away with the acknowledged batches after it. */
static void damage_in_a_closed_segment_is_an_error(void)
{
    const char *dir = lh_test_tmpdir();
    lh_stream_log_opts_t o = opts();
    lh_stream_log_t *log;
    lh_err_t err;
    static int64_t bases[100];
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    CHECK_EQ_INT(append_n(log, 0, 60, bases), 0);
    CHECK(lh_stream_log_segments(log) > 2);
    lh_stream_log_close(log);
    char path[512];
    seg_path(path, sizeof path, dir, 0);
    int fd = open(path, O_RDWR);
    uint8_t c;
    CHECK_EQ_INT(pread(fd, &c, 1, 100), 1);
    c ^= 1;
    CHECK_EQ_INT(pwrite(fd, &c, 1, 100), 1);
    close(fd);
    /* with its indexes intact the damage is found when the batch is read */
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    lh_stream_log_close(log);
    snprintf(path, sizeof path, "%s/%020d.index", dir, 0);
    CHECK_EQ_INT(unlink(path), 0);
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), LH_ECORRUPT);
    CHECK(strstr(err.msg, "segment 0 is damaged") != NULL);
    seg_path(path, sizeof path, dir, 0);
    struct stat st;
    CHECK_EQ_INT(stat(path, &st), 0);
    CHECK(st.st_size > 1000); /* nothing was cut */
}

/* The child appends synced batches forever and writes each batch's index
 * to the pipe once append has returned (acknowledged). */
static void child_appender(const char *dir, int wfd)
{
    lh_stream_log_opts_t o = opts();
    lh_stream_log_t *log;
    if (lh_stream_log_open(&log, dir, &o, NULL)) _exit(3);
    lh_buf_t b;
    lh_buf_init(&b, 0);
    for (int i = 0;; i++) {
        int64_t base;
        make_batch(&b, i);
        if (lh_stream_log_append(log, b.ptr, b.len, 1, &base, NULL)) _exit(4);
        int32_t msg[2] = {i, (int32_t)base};
        if (write(wfd, msg, sizeof msg) != (ssize_t)sizeof msg) _exit(5);
    }
}

static void kill9_loses_nothing_acknowledged(void)
{
    const char *dir = lh_test_tmpdir();
    int p[2];
    CHECK_EQ_INT(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        child_appender(dir, p[1]);
    }
    close(p[1]);
    static int64_t bases[100000];
    int acked = 0;
    int32_t msg[2];
    while (acked < 300 && read(p[0], msg, sizeof msg) == (ssize_t)sizeof msg)
        bases[acked++] = msg[1];
    kill(pid, SIGKILL);
    while (read(p[0], msg, sizeof msg) == (ssize_t)sizeof msg && acked < 100000)
        bases[acked++] = msg[1];
    int st;
    waitpid(pid, &st, 0);
    close(p[0]);
    CHECK(WIFSIGNALED(st));
    CHECK(acked >= 300);
    int64_t expect = 0; /* the child got the offsets the record counts imply */
    for (int k = 0; k < acked; k++) {
        CHECK_EQ_INT(bases[k], expect);
        expect += k % 3 + 1;
    }
    lh_stream_log_opts_t o = opts();
    lh_stream_log_t *log;
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_log_open(&log, dir, &o, &err), 0);
    int64_t last_end = bases[acked - 1] + (acked - 1) % 3 + 1;
    CHECK(lh_stream_log_high_watermark(log) >= last_end);
    /* batches after the last acknowledged one may or may not be there */
    int n = verify(log);
    CHECK(n >= acked);
    lh_stream_log_close(log);
}

static const lh_test_t tests[] = {
    {"cut_mid_batch_and_flipped_bytes", cut_mid_batch_and_flipped_bytes},
    {"garbage_in_the_middle_of_the_tail_cuts_there", garbage_in_the_middle_of_the_tail_cuts_there},
    {"damage_in_a_closed_segment_is_an_error", damage_in_a_closed_segment_is_an_error},
    {"kill9_loses_nothing_acknowledged", kill9_loses_nothing_acknowledged},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
