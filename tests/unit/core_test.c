/* Unit tests for the small core pieces: buffers (the cap, sticky errors),
 * arenas, strings, base64, the direct-I/O file writer. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/dio.h"
#include "core/err.h"
#include "core/str.h"
#include "test.h"

static void buf_cap_is_hard(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 8);
    CHECK_EQ_INT(lh_buf_append(&b, "12345678", 8), 0);
    CHECK_EQ_INT(lh_buf_append(&b, "9", 1), LH_ETOOBIG);
    CHECK_EQ_INT(b.len, 8);
    lh_buf_free(&b);
}

/* After a failed append every append is a no-op returning the first error,
 * so a smaller piece can never land after a lost one. */
static void buf_error_is_sticky(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 8);
    CHECK_EQ_INT(lh_buf_puts(&b, "<a>"), 0);
    CHECK_EQ_INT(lh_buf_err(&b), 0);
    CHECK_EQ_INT(lh_buf_puts(&b, "too long!"), LH_ETOOBIG);
    CHECK_EQ_INT(lh_buf_err(&b), LH_ETOOBIG);
    CHECK_EQ_INT(lh_buf_puts(&b, "</a>"), LH_ETOOBIG); /* would fit, but must not land */
    CHECK_EQ_INT(lh_buf_append(&b, "x", 1), LH_ETOOBIG);
    CHECK_EQ_INT(lh_buf_printf(&b, "%d", 1), LH_ETOOBIG);
    CHECK_EQ_INT(lh_buf_xml_escape(&b, "y", 1), LH_ETOOBIG);
    CHECK_EQ_INT(lh_buf_append(&b, "", 0), LH_ETOOBIG);
    CHECK_EQ_INT(b.len, 3);
    CHECK_EQ_STR(b.ptr, "<a>");
    lh_buf_free(&b);
}

static void buf_printf_failure_is_sticky(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 16);
    CHECK_EQ_INT(lh_buf_printf(&b, "%s-%s", "0123456789", "0123456789"), LH_ETOOBIG);
    CHECK_EQ_INT(b.len, 0);
    CHECK_EQ_INT(lh_buf_puts(&b, "ok"), LH_ETOOBIG);
    CHECK_EQ_INT(lh_buf_err(&b), LH_ETOOBIG);
    lh_buf_free(&b);
}

/* A length that wraps size_t is over the cap, not a tiny append. */
static void buf_wrapping_length_fails(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_buf_puts(&b, "ab"), 0);
    CHECK_EQ_INT(lh_buf_append(&b, "x", SIZE_MAX), LH_ETOOBIG);
    CHECK_EQ_INT(b.len, 2);
    lh_buf_free(&b);
}

static void buf_reset_and_free_clear_the_error(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 4);
    CHECK_EQ_INT(lh_buf_puts(&b, "12345"), LH_ETOOBIG);
    lh_buf_reset(&b);
    CHECK_EQ_INT(lh_buf_err(&b), 0);
    CHECK_EQ_INT(lh_buf_puts(&b, "1234"), 0);
    CHECK_EQ_STR(b.ptr, "1234");
    CHECK_EQ_INT(lh_buf_puts(&b, "5"), LH_ETOOBIG);
    lh_buf_free(&b);
    CHECK_EQ_INT(lh_buf_err(&b), 0);
    CHECK_EQ_INT(b.max, 4);
    CHECK_EQ_INT(lh_buf_puts(&b, "abc"), 0);
    size_t len;
    char *p = lh_buf_take(&b, &len);
    CHECK(p != NULL);
    CHECK_EQ_STR(p, "abc");
    CHECK_EQ_INT(len, 3);
    free(p);
    CHECK_EQ_INT(lh_buf_err(&b), 0);
    lh_buf_free(&b);
}

/* Splicing a piece that lost bytes marks the whole; the first error wins. */
static void buf_append_buf_carries_the_error(void)
{
    lh_buf_t whole, piece;
    lh_buf_init(&whole, 0);
    lh_buf_init(&piece, 2);
    CHECK_EQ_INT(lh_buf_puts(&piece, "ok"), 0);
    CHECK_EQ_INT(lh_buf_append_buf(&whole, &piece), 0);
    CHECK_EQ_STR(whole.ptr, "ok");
    CHECK_EQ_INT(lh_buf_puts(&piece, "lost"), LH_ETOOBIG);
    CHECK_EQ_INT(lh_buf_append_buf(&whole, &piece), LH_ETOOBIG);
    CHECK_EQ_INT(lh_buf_err(&whole), LH_ETOOBIG);
    CHECK_EQ_INT(whole.len, 2);
    CHECK_EQ_INT(lh_buf_set_err(&whole, LH_ENOMEM), LH_ETOOBIG);
    lh_buf_reset(&whole);
    CHECK_EQ_INT(lh_buf_set_err(&whole, 0), 0);
    CHECK_EQ_INT(lh_buf_set_err(&whole, LH_ENOMEM), LH_ENOMEM);
    CHECK_EQ_INT(lh_buf_puts(&whole, "x"), LH_ENOMEM);
    lh_buf_free(&whole);
    lh_buf_free(&piece);
}

static void buf_xml_escape(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_buf_xml_escape(&b, "a<b&\"c'\x01", 8), 0);
    CHECK_EQ_STR(b.ptr, "a&lt;b&amp;&quot;c&apos;&#x1;");
    lh_buf_free(&b);
}

static int cleaned;
static void mark(void *p)
{
    (void)p;
    cleaned++;
}

static void arena_allocs_and_cleans(void)
{
    lh_arena_t *a = lh_arena_new(64);
    CHECK(a);
    char *s = lh_arena_printf(a, "%s-%d", "x", 42);
    CHECK_EQ_STR(s, "x-42");
    void *big = lh_arena_alloc(a, 10000);
    CHECK(big);
    CHECK(((uintptr_t)big & 15) == 0);
    CHECK_EQ_INT(lh_arena_cleanup(a, mark, NULL), 0);
    lh_arena_free(a);
    CHECK_EQ_INT(cleaned, 1);
}

static void arena_reset_reuses_blocks(void)
{
    lh_arena_t *a = lh_arena_new(256);
    CHECK(a);
    cleaned = 0;
    char *first = lh_arena_alloc(a, 100);
    CHECK(first);
    CHECK(lh_arena_alloc(a, 200));  /* a second standard block */
    CHECK(lh_arena_alloc(a, 5000)); /* a large block, freed by the reset */
    CHECK_EQ_INT(lh_arena_cleanup(a, mark, NULL), 0);
    lh_arena_reset(a);
    CHECK_EQ_INT(cleaned, 1);
    /* the kept blocks serve the next round; the cleanup ran once only */
    char *again = lh_arena_alloc(a, 100);
    CHECK(again);
    CHECK(lh_arena_alloc(a, 200));
    lh_arena_reset(a);
    lh_arena_free(a);
    CHECK_EQ_INT(cleaned, 1);
}

static void str_u64_strict(void)
{
    uint64_t v;
    CHECK_EQ_INT(lh_str_to_u64(LH_STR("18446744073709551615"), &v), 0);
    CHECK(v == UINT64_MAX);
    CHECK_EQ_INT(lh_str_to_u64(LH_STR("18446744073709551616"), &v), LH_EINVAL);
    CHECK_EQ_INT(lh_str_to_u64(LH_STR("12a"), &v), LH_EINVAL);
    CHECK_EQ_INT(lh_str_to_u64(LH_STR(""), &v), LH_EINVAL);
}

static int utf8(const char *s)
{
    return lh_utf8_valid(s, strlen(s));
}

static void utf8_valid_refuses_malformed_sequences(void)
{
    CHECK(utf8(""));
    CHECK(utf8("plain/key.txt"));
    CHECK(utf8("\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87"));         /* ключ */
    CHECK(utf8("\xe6\x97\xa5\xef\xbf\xbf\xf0\x9f\x98\x80")); /* 日, U+FFFF, U+1F600 */
    CHECK(utf8("\xf4\x8f\xbf\xbf"));                         /* U+10FFFF */
    CHECK(lh_utf8_valid("a\0b", 3));
    CHECK(!utf8("\x80"));             /* stray continuation */
    CHECK(!utf8("\xff"));             /* never valid */
    CHECK(!utf8("a\xc3"));            /* truncated */
    CHECK(!utf8("\xc3("));            /* bad continuation */
    CHECK(!utf8("\xe2\x82"));         /* truncated 3-byte */
    CHECK(!utf8("\xc0\xaf"));         /* overlong '/' */
    CHECK(!utf8("\xc1\xbf"));         /* overlong */
    CHECK(!utf8("\xe0\x80\xaf"));     /* overlong 3-byte '/' */
    CHECK(!utf8("\xf0\x80\x80\xaf")); /* overlong 4-byte '/' */
    CHECK(!utf8("\xed\xa0\x80"));     /* surrogate U+D800 */
    CHECK(!utf8("\xed\xbf\xbf"));     /* surrogate U+DFFF */
    CHECK(!utf8("\xf4\x90\x80\x80")); /* U+110000 */
    CHECK(!utf8("\xf5\x80\x80\x80"));
    CHECK(!lh_utf8_valid("\xd0\xba", 1)); /* the length bounds the check */
}

static void base64_roundtrip(void)
{
    char enc[64];
    unsigned char dec[64];
    lh_base64_encode((const unsigned char *)"hello world\n", 12, enc);
    CHECK_EQ_STR(enc, "aGVsbG8gd29ybGQK");
    long n = lh_base64_decode("rwg7LQ==", 8, dec, sizeof dec);
    CHECK_EQ_INT(n, 4);
    CHECK(dec[0] == 0xaf && dec[3] == 0x2d);
    CHECK_EQ_INT(lh_base64_decode("r!g7", 4, dec, sizeof dec), -1);
}

/* n bytes that differ from block to block and within each, for the direct
 * I/O tests (malloc'd; NULL when out of memory). */
static unsigned char *pattern(size_t n)
{
    unsigned char *p = malloc(n);
    for (size_t i = 0; p && i < n; i++)
        p[i] = (unsigned char)(i * 131 + i / 4096);
    return p;
}

/* Writes of odd sizes (below a block, across blocks, above the staging
 * size) land in order, whole: with direct I/O on a file of the test
 * directory's file system (ext4 and tmpfs both take it), the partial blocks
 * staged between writes and the tail through the page cache; with
 * write-behind (behind), whole blocks written asynchronously while the next
 * ones are staged, and the file position at the end afterwards. */
static void dio_writes(bool behind)
{
    char path[] = "/tmp/lh-dio-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    size_t sizes[] = {1, 4095, 4097, 3 * LH_DIO_BATCH + 17, 12345, 0, LH_DIO_BATCH, 7};
    size_t total = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        total += sizes[i];
    unsigned char *want = pattern(total);
    CHECK(want != NULL);
    lh_dio_t d;
    lh_dio_init(&d, fd);
    if (behind) lh_dio_behind(&d);
    size_t at = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        CHECK_EQ_INT(lh_dio_write(&d, want + at, sizes[i]), 0);
        at += sizes[i];
        CHECK(d.staged < d.cap || !d.cap);
    }
    /* room for a piece filled in place, as the scan cache stages its chunks */
    char *o = lh_dio_room(&d, 5000);
    CHECK(o != NULL);
    memset(o, 0xab, 5000);
    d.staged += 5000;
    CHECK_EQ_INT(lh_dio_flush(&d, false), 0);
    if (d.direct) CHECK(d.staged < LH_DIO_ALIGN); /* whole blocks went out */
    CHECK_EQ_INT(lh_dio_flush(&d, true), 0);
    CHECK_EQ_INT(d.staged, 0);
    CHECK(!d.direct); /* the tail went through the page cache */
    CHECK(!d.inflight);
    CHECK_EQ_INT(lseek(fd, 0, SEEK_CUR), (off_t)(total + 5000));
    lh_dio_free(&d);
    CHECK_EQ_INT(close(fd), 0);
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    unsigned char *got = malloc(total + 5000 + 1);
    size_t n = 0;
    ssize_t k;
    while ((k = read(fd, got + n, total + 5000 + 1 - n)) > 0)
        n += (size_t)k;
    CHECK_EQ_INT(n, total + 5000);
    CHECK(!memcmp(got, want, total));
    for (size_t i = 0; i < 5000; i++)
        CHECK(got[total + i] == 0xab);
    close(fd);
    unlink(path);
    free(got);
    free(want);
}

static void dio_writes_every_byte_in_order(void)
{
    dio_writes(false);
}

static void dio_writes_behind_every_byte_in_order(void)
{
    dio_writes(true);
}

/* A descriptor that refuses O_DIRECT (a socket) is written through the
 * kernel's usual path, every byte. */
static void dio_without_direct_io_writes_plainly(void)
{
    int sv[2];
    CHECK_EQ_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    lh_dio_t d;
    lh_dio_init(&d, sv[0]);
    CHECK(!d.direct);
    CHECK_EQ_INT(lh_dio_write(&d, "hello, ", 7), 0);
    CHECK_EQ_INT(lh_dio_flush(&d, false), 0); /* not direct: all of it */
    CHECK_EQ_INT(d.staged, 0);
    CHECK_EQ_INT(lh_dio_write(&d, "world", 5), 0);
    CHECK_EQ_INT(lh_dio_flush(&d, true), 0);
    lh_dio_free(&d);
    close(sv[0]);
    char buf[32];
    size_t n = 0;
    ssize_t k;
    while ((k = read(sv[1], buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)k;
    buf[n] = 0;
    CHECK_EQ_STR(buf, "hello, world");
    close(sv[1]);
}

/* A file written directly (its last partial block through the page cache)
 * read back through a reader at odd offsets and sizes, forwards, backwards
 * and across its window: every byte as written, 0 at and past the end; and
 * a pipe (no O_DIRECT: on a pipe it would mean packet mode) read plainly. */
static void dio_reader_reads_every_byte(void)
{
    char path[] = "/tmp/lh-dio-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    size_t total = 2 * LH_DIO_BATCH + 5000;
    unsigned char *want = pattern(total);
    CHECK(want != NULL);
    lh_dio_t d;
    lh_dio_init(&d, fd);
    CHECK_EQ_INT(lh_dio_write(&d, want, total), 0);
    CHECK_EQ_INT(lh_dio_flush(&d, true), 0);
    lh_dio_free(&d);
    CHECK_EQ_INT(close(fd), 0);
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    lh_dio_read_direct(fd);
    lh_dio_reader_t r;
    lh_dio_reader_init(&r, fd);
    unsigned char *got = malloc(total);
    CHECK(got != NULL);
    /* front to back in reads of 65537 bytes, each possibly short */
    size_t n = 0;
    ssize_t k;
    while ((k = lh_dio_pread(&r, got + n, n + 65537 > total ? total - n : 65537, (off_t)n)) > 0)
        n += (size_t)k;
    CHECK_EQ_INT(k, 0);
    CHECK_EQ_INT(n, total);
    CHECK(!memcmp(got, want, total));
    /* back, across the window's edges, and the tail */
    off_t offs[] = {(off_t)LH_DIO_BATCH - 3, 1, (off_t)total - 10, 4096,
                    (off_t)LH_DIO_BATCH + 4095};
    for (size_t i = 0; i < sizeof offs / sizeof *offs; i++) {
        unsigned char b[20];
        size_t m = 0;
        while (m < sizeof b && offs[i] + (off_t)m < (off_t)total &&
               (k = lh_dio_pread(&r, b + m, sizeof b - m, offs[i] + (off_t)m)) > 0)
            m += (size_t)k;
        size_t expect =
            (size_t)total - (size_t)offs[i] < sizeof b ? total - (size_t)offs[i] : sizeof b;
        CHECK_EQ_INT(m, expect);
        CHECK(!memcmp(b, want + offs[i], m));
    }
    unsigned char b1;
    CHECK_EQ_INT(lh_dio_pread(&r, &b1, 1, (off_t)total), 0);
    CHECK_EQ_INT(lh_dio_pread(&r, &b1, 1, (off_t)total + 9000), 0);
    lh_dio_reader_free(&r);
    close(fd);
    unlink(path);
    /* a pipe takes no O_DIRECT: read as pread would (ESPIPE) */
    int pp[2];
    CHECK_EQ_INT(pipe(pp), 0);
    lh_dio_read_direct(pp[0]);
    lh_dio_reader_init(&r, pp[0]);
    CHECK(!r.direct);
    CHECK_EQ_INT(lh_dio_pread(&r, &b1, 1, 0), -1);
    lh_dio_reader_free(&r);
    close(pp[0]);
    close(pp[1]);
    free(got);
    free(want);
}

static const lh_test_t tests[] = {
    {"buf_cap_is_hard", buf_cap_is_hard},
    {"buf_error_is_sticky", buf_error_is_sticky},
    {"buf_printf_failure_is_sticky", buf_printf_failure_is_sticky},
    {"buf_wrapping_length_fails", buf_wrapping_length_fails},
    {"buf_reset_and_free_clear_the_error", buf_reset_and_free_clear_the_error},
    {"buf_append_buf_carries_the_error", buf_append_buf_carries_the_error},
    {"buf_xml_escape", buf_xml_escape},
    {"arena_allocs_and_cleans", arena_allocs_and_cleans},
    {"arena_reset_reuses_blocks", arena_reset_reuses_blocks},
    {"str_u64_strict", str_u64_strict},
    {"utf8_valid_refuses_malformed_sequences", utf8_valid_refuses_malformed_sequences},
    {"base64_roundtrip", base64_roundtrip},
    {"dio_writes_every_byte_in_order", dio_writes_every_byte_in_order},
    {"dio_writes_behind_every_byte_in_order", dio_writes_behind_every_byte_in_order},
    {"dio_without_direct_io_writes_plainly", dio_without_direct_io_writes_plainly},
    {"dio_reader_reads_every_byte", dio_reader_reads_every_byte},
    {NULL, NULL},
};
LH_TEST_MAIN(tests)
