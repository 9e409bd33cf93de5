/* Parquet page codecs (parquet/codec.h): round trips for every codec we
 * handle (empty, small, compressible, random), a snappy block written by
 * hand, several GZIP members and ZSTD frames in one page, wrong declared
 * sizes and damaged input failing cleanly, and LZO / Hadoop LZ4 / unknown
 * codecs refused by name. */
#include "core/buf.h"
#include "core/err.h"
#include "parquet/codec.h"
#include "test.h"

#include <stdint.h>

static const int codecs[] = {LH_PQ_CODEC_UNCOMPRESSED, LH_PQ_CODEC_SNAPPY, LH_PQ_CODEC_GZIP,
                             LH_PQ_CODEC_BROTLI,       LH_PQ_CODEC_ZSTD,   LH_PQ_CODEC_LZ4_RAW};
#define NCODECS ((int)(sizeof codecs / sizeof codecs[0]))

/* n bytes: text-like (compressible) or from a fixed pseudo-random sequence */
static unsigned char *sample(size_t n, int random)
{
    unsigned char *p = malloc(n ? n : 1);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        p[i] = random ? (unsigned char)x : (unsigned char)("lakehouse parquet page "[i % 23]);
    }
    return p;
}

static int round_trip(int codec, size_t n, int random)
{
    unsigned char *src = sample(n, random), *back = malloc(n ? n : 1);
    lh_buf_t c;
    lh_err_t err = {0};
    lh_buf_init(&c, 0);
    int rc = lh_pq_compress(codec, 0, src, n, &c, &err);
    if (!rc) rc = lh_pq_decompress(codec, c.ptr, c.len, back, n, &err);
    if (!rc && n && memcmp(src, back, n)) rc = -100;
    if (rc) fprintf(stderr, "  %s n=%zu: rc %d %s\n", lh_pq_codec_name(codec), n, rc, err.msg);
    if (!rc && !random && n > 1000 && codec != LH_PQ_CODEC_UNCOMPRESSED && c.len > n / 4)
        rc = -101; /* compressible text must shrink */
    lh_buf_free(&c);
    free(src);
    free(back);
    return rc;
}

static void test_round_trips(void)
{
    const size_t sizes[] = {0, 1, 100, 70000, 1 << 20};
    for (int i = 0; i < NCODECS; i++)
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
            for (int random = 0; random < 2; random++)
                CHECK_EQ_INT(round_trip(codecs[i], sizes[k], random), 0);
    /* levels */
    CHECK_EQ_INT(lh_pq_compress(LH_PQ_CODEC_GZIP, 42, "x", 1, &(lh_buf_t){0}, NULL), LH_EINVAL);
    CHECK_EQ_INT(lh_pq_compress(LH_PQ_CODEC_BROTLI, 12, "x", 1, &(lh_buf_t){0}, NULL), LH_EINVAL);
}

static void test_snappy_by_hand(void)
{
    /* length 5, then a literal of 5 bytes (tag (5-1)<<2) */
    static const unsigned char hello[] = {0x05, 0x10, 'h', 'e', 'l', 'l', 'o'};
    char out[5];
    CHECK_EQ_INT(lh_pq_decompress(LH_PQ_CODEC_SNAPPY, hello, sizeof hello, out, 5, NULL), 0);
    CHECK(!memcmp(out, "hello", 5));
    /* a copy reaching before the start of the output */
    static const unsigned char bad[] = {0x08, 0x00, 'a', 0x11, 0x05};
    char eight[8];
    lh_err_t err = {0};
    CHECK_EQ_INT(lh_pq_decompress(LH_PQ_CODEC_SNAPPY, bad, sizeof bad, eight, 8, &err),
                 LH_ECORRUPT);
    CHECK(strstr(err.msg, "SNAPPY"));
}

static void compress_into(int codec, const void *p, size_t n, lh_buf_t *out)
{
    CHECK(lh_pq_compress(codec, 0, p, n, out, NULL) == 0);
}

static void test_multi_member_gzip_and_zstd_frames(void)
{
    const int multi[] = {LH_PQ_CODEC_GZIP, LH_PQ_CODEC_ZSTD};
    for (int i = 0; i < 2; i++) {
        lh_buf_t c;
        char out[11];
        lh_err_t err = {0};
        lh_buf_init(&c, 0);
        compress_into(multi[i], "hello ", 6, &c);
        compress_into(multi[i], "world", 5, &c);
        CHECK_EQ_INT(lh_pq_decompress(multi[i], c.ptr, c.len, out, 11, &err), 0);
        CHECK(!memcmp(out, "hello world", 11));
        /* declared one short: the second member does not fit */
        CHECK_EQ_INT(lh_pq_decompress(multi[i], c.ptr, c.len, out, 10, &err), LH_ECORRUPT);
        CHECK(strstr(err.msg, "more than the header's 10 bytes"));
        /* garbage after the last member */
        lh_buf_append(&c, "junk", 4);
        CHECK_EQ_INT(lh_pq_decompress(multi[i], c.ptr, c.len, out, 11, &err), LH_ECORRUPT);
        lh_buf_free(&c);
    }
}

static void test_wrong_sizes_and_damage(void)
{
    size_t n = 50000;
    unsigned char *src = sample(n, 0), *dst = malloc(n + 100);
    for (int i = 0; i < NCODECS; i++) {
        int codec = codecs[i];
        lh_buf_t c;
        lh_err_t err = {0};
        lh_buf_init(&c, 0);
        compress_into(codec, src, n, &c);
        /* the header says more or less than the data holds */
        CHECK_EQ_INT(lh_pq_decompress(codec, c.ptr, c.len, dst, n + 100, &err), LH_ECORRUPT);
        CHECK(strstr(err.msg, lh_pq_codec_name(codec)));
        CHECK_EQ_INT(lh_pq_decompress(codec, c.ptr, c.len, dst, n - 1, &err), LH_ECORRUPT);
        /* truncated input */
        if (codec != LH_PQ_CODEC_UNCOMPRESSED) {
            CHECK_EQ_INT(lh_pq_decompress(codec, c.ptr, c.len / 2, dst, n, &err), LH_ECORRUPT);
            /* every single damaged byte in the first 64 either fails cleanly or (no
             * checksum in snappy/lz4 literals) still fills exactly n bytes */
            for (size_t k = 0; k < 64 && k < c.len; k++) {
                c.ptr[k] ^= 0x5A;
                int rc = lh_pq_decompress(codec, c.ptr, c.len, dst, n, &err);
                CHECK(rc == 0 || rc == LH_ECORRUPT);
                c.ptr[k] ^= 0x5A;
            }
        }
        CHECK_EQ_INT(lh_pq_decompress(codec, c.ptr, c.len, dst, n, &err), 0);
        CHECK(!memcmp(dst, src, n));
        lh_buf_free(&c);
    }
    /* GZIP has a CRC: a damaged body is caught */
    lh_buf_t c;
    lh_err_t err = {0};
    lh_buf_init(&c, 0);
    compress_into(LH_PQ_CODEC_GZIP, src, n, &c);
    c.ptr[c.len - 6] ^= 1; /* last byte of the CRC32 */
    CHECK_EQ_INT(lh_pq_decompress(LH_PQ_CODEC_GZIP, c.ptr, c.len, dst, n, &err), LH_ECORRUPT);
    /* SNAPPY always has a length preamble; ZSTD takes 0 frames for 0 bytes */
    CHECK_EQ_INT(lh_pq_decompress(LH_PQ_CODEC_ZSTD, NULL, 0, NULL, 0, &err), 0);
    CHECK_EQ_INT(lh_pq_decompress(LH_PQ_CODEC_ZSTD, NULL, 0, dst, 1, &err), LH_ECORRUPT);
    CHECK_EQ_INT(lh_pq_decompress(LH_PQ_CODEC_SNAPPY, NULL, 0, NULL, 0, &err), LH_ECORRUPT);
    CHECK_EQ_INT(lh_pq_decompress(LH_PQ_CODEC_UNCOMPRESSED, NULL, 0, NULL, 0, &err), 0);
    lh_buf_free(&c);
    free(src);
    free(dst);
}

static void test_refused_codecs(void)
{
    char out[4];
    lh_err_t err = {0};
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK(!lh_pq_codec_supported(LH_PQ_CODEC_LZO) && !lh_pq_codec_supported(LH_PQ_CODEC_LZ4));
    CHECK_EQ_INT(lh_pq_decompress(LH_PQ_CODEC_LZO, "abcd", 4, out, 4, &err), LH_EINVAL);
    CHECK(strstr(err.msg, "LZO"));
    CHECK_EQ_INT(lh_pq_decompress(LH_PQ_CODEC_LZ4, "abcd", 4, out, 4, &err), LH_EINVAL);
    CHECK(strstr(err.msg, "LZ4 (deprecated Hadoop framing)"));
    CHECK_EQ_INT(lh_pq_compress(LH_PQ_CODEC_LZ4, 0, "abcd", 4, &b, &err), LH_EINVAL);
    CHECK_EQ_INT(lh_pq_decompress(8, "abcd", 4, out, 4, &err), LH_EINVAL);
    CHECK(strstr(err.msg, "unknown parquet codec 8"));
    CHECK_EQ_INT(lh_pq_decompress(-1, "abcd", 4, out, 4, &err), LH_EINVAL);
    CHECK_EQ_STR(lh_pq_codec_name(LH_PQ_CODEC_LZ4_RAW), "LZ4_RAW");
    CHECK_EQ_STR(lh_pq_codec_name(99), "UNKNOWN");
    CHECK(b.len == 0);
    /* the output buffer's cap is the caller's limit */
    lh_buf_t small;
    lh_buf_init(&small, 10);
    unsigned char *r = sample(1000, 1);
    CHECK_EQ_INT(lh_pq_compress(LH_PQ_CODEC_ZSTD, 0, r, 1000, &small, &err), LH_ETOOBIG);
    CHECK(lh_buf_err(&small) == LH_ETOOBIG);
    free(r);
    lh_buf_free(&small);
}

static const lh_test_t tests[] = {
    {"round_trips", test_round_trips},
    {"snappy_by_hand", test_snappy_by_hand},
    {"multi_member_gzip_and_zstd_frames", test_multi_member_gzip_and_zstd_frames},
    {"wrong_sizes_and_damage", test_wrong_sizes_and_damage},
    {"refused_codecs", test_refused_codecs},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
