/* RecordBatch v2 parsing and record iteration (src/stream/batch.c,
 * records.c, codec.c) on batches built here from the format, compressed
 * with the real libraries; and the refusals: CRC errors, short and absurd
 * lengths, bad counts, control batches, decompression past a limit. */
#include "stream/log.h"
#include "stream_enc.h"
#include "test.h"

static int check_records(const lh_buf_t *b, int n, int value_size, int seed, int64_t base)
{
    lh_stream_records_t it;
    lh_err_t err;
    if (lh_stream_records_open(&it, b->ptr, b->len, 64 << 20, &err)) return -1;
    lh_stream_record_t r;
    int i = 0, rc;
    while ((rc = lh_stream_records_next(&it, &r, &err)) == 1) {
        char key[16];
        int kl = snprintf(key, sizeof key, "k%d", i);
        if (r.offset != base + i || r.timestamp != 1000 + i || r.key_len != kl ||
            memcmp(r.key, key, (size_t)kl) || r.value_len != value_size || r.header_count != 1 ||
            r.header_len != 5)
            rc = -2;
        for (int j = 0; rc == 1 && j < value_size; j++)
            if (r.value[j] != enc_byte(seed, i, j)) rc = -3;
        if (rc != 1) break;
        i++;
    }
    lh_stream_records_close(&it);
    return rc == 0 && i == n ? 0 : -4;
}

static void plain_batch_round_trip(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    enc_simple(&b, LH_STREAM_CODEC_NONE, 3, 10, 1, NULL);
    lh_stream_batch_t h;
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_batch_check_produce(b.ptr, b.len, 1 << 20, &h, &err), 0);
    CHECK_EQ_INT(h.size, b.len);
    CHECK_EQ_INT(h.count, 3);
    CHECK_EQ_INT(h.last_offset_delta, 2);
    CHECK_EQ_INT(h.base_timestamp, 1000);
    CHECK_EQ_INT(h.max_timestamp, 1002);
    CHECK_EQ_INT(h.producer_id, -1);
    CHECK_EQ_INT(check_records(&b, 3, 10, 1, 0), 0);
    CHECK_EQ_INT(lh_stream_batch_check_records(b.ptr, b.len, 1 << 20, &err), 0);
    lh_buf_free(&b);
}

static void base_offset_is_set_in_place_outside_the_crc(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    enc_simple(&b, LH_STREAM_CODEC_NONE, 5, 7, 2, NULL);
    lh_stream_batch_set_base_offset(b.ptr, 123456789012LL);
    lh_stream_batch_t h;
    CHECK_EQ_INT(lh_stream_batch_parse(b.ptr, b.len, 1 << 20, &h, NULL), 0);
    CHECK_EQ_INT(h.base_offset, 123456789012LL);
    CHECK_EQ_INT(check_records(&b, 5, 7, 2, 123456789012LL), 0);
    lh_buf_free(&b);
}

static void codec_round_trip(int codec, int xerial)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    enc_t e = {.codec = codec, .xerial = xerial, .n = 50, .value_size = 1000, .seed = 9, .lod = -1};
    enc_batch(&b, &e);
    lh_stream_batch_t h;
    CHECK_EQ_INT(lh_stream_batch_check_produce(b.ptr, b.len, 1 << 20, &h, NULL), 0);
    CHECK_EQ_INT(h.attributes & LH_STREAM_ATTR_CODEC_MASK, codec);
    CHECK(b.len < 50 * 1000); /* it really is compressed */
    CHECK_EQ_INT(check_records(&b, 50, 1000, 9, 0), 0);
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_batch_check_records(b.ptr, b.len, 1 << 20, &err), 0);
    /* the same batch with a limit below its plain size */
    CHECK_EQ_INT(lh_stream_batch_check_records(b.ptr, b.len, 10000, &err), LH_ETOOBIG);
    lh_buf_free(&b);
}

static void gzip_batch(void)
{
    codec_round_trip(LH_STREAM_CODEC_GZIP, 0);
}
static void snappy_raw_batch(void)
{
    codec_round_trip(LH_STREAM_CODEC_SNAPPY, 0);
}
static void snappy_xerial_batch(void)
{
    codec_round_trip(LH_STREAM_CODEC_SNAPPY, 1);
}
static void lz4_frame_batch(void)
{
    codec_round_trip(LH_STREAM_CODEC_LZ4, 0);
}
static void zstd_batch(void)
{
    codec_round_trip(LH_STREAM_CODEC_ZSTD, 0);
}

static void crc_errors_are_refused(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    enc_simple(&b, LH_STREAM_CODEC_NONE, 4, 20, 3, NULL);
    lh_stream_batch_t h;
    lh_err_t err;
    for (size_t at = 17; at < b.len; at += 7) { /* crc, attributes, header, records */
        b.ptr[at] ^= 0x40;
        CHECK_EQ_INT(lh_stream_batch_parse(b.ptr, b.len, 1 << 20, &h, &err), LH_ECORRUPT);
        b.ptr[at] ^= 0x40;
    }
    CHECK(strstr(err.msg, "CRC") != NULL);
    b.ptr[13] ^= 1; /* partitionLeaderEpoch is outside the CRC */
    CHECK_EQ_INT(lh_stream_batch_parse(b.ptr, b.len, 1 << 20, &h, &err), 0);
    lh_buf_free(&b);
}

static void put32(char *p, uint32_t v)
{
    for (int i = 3; i >= 0; i--, v >>= 8)
        p[i] = (char)v;
}

static void short_and_absurd_lengths(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    enc_simple(&b, LH_STREAM_CODEC_NONE, 2, 5, 4, NULL);
    lh_stream_batch_t h;
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_batch_parse(b.ptr, 5, 1 << 20, &h, &err), LH_ENOENT);
    CHECK_EQ_INT(lh_stream_batch_parse(b.ptr, b.len - 1, 1 << 20, &h, &err), LH_ENOENT);
    CHECK_EQ_INT(lh_stream_batch_parse(b.ptr, b.len, b.len - 1, &h, &err), LH_ETOOBIG);
    put32(b.ptr + 8, 0x7fffffff); /* 2 GiB claimed by a 100-byte input */
    CHECK_EQ_INT(lh_stream_batch_parse(b.ptr, b.len, 1 << 20, &h, &err), LH_ETOOBIG);
    put32(b.ptr + 8, 0xffffffff); /* negative */
    CHECK_EQ_INT(lh_stream_batch_parse(b.ptr, b.len, 1 << 20, &h, &err), LH_ECORRUPT);
    put32(b.ptr + 8, 10);
    CHECK_EQ_INT(lh_stream_batch_parse(b.ptr, b.len, 1 << 20, &h, &err), LH_ECORRUPT);
    put32(b.ptr + 8, (uint32_t)(b.len - 12));
    b.ptr[16] = 1; /* magic 1 */
    CHECK_EQ_INT(lh_stream_batch_parse(b.ptr, b.len, 1 << 20, &h, &err), LH_ECORRUPT);
    CHECK(strstr(err.msg, "magic") != NULL);
    lh_buf_free(&b);
}

static void bad_counts_are_refused(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_stream_batch_t h;
    lh_err_t err;
    enc_t e = {.n = 3, .value_size = 4, .lod = 5};
    enc_batch(&b, &e); /* lastOffsetDelta 5 for 3 records */
    CHECK_EQ_INT(lh_stream_batch_parse(b.ptr, b.len, 1 << 20, &h, &err), LH_ECORRUPT);
    lh_buf_reset(&b);
    e = (enc_t){.n = 0, .value_size = 4, .lod = -1};
    enc_batch(&b, &e); /* count 0 */
    CHECK_EQ_INT(lh_stream_batch_parse(b.ptr, b.len, 1 << 20, &h, &err), LH_ECORRUPT);
    lh_buf_reset(&b);
    e = (enc_t){.n = 2, .count = 3, .value_size = 4, .lod = -1};
    enc_batch(&b, &e); /* the header says 3, 2 are there */
    CHECK_EQ_INT(lh_stream_batch_parse(b.ptr, b.len, 1 << 20, &h, &err), 0);
    CHECK_EQ_INT(lh_stream_batch_check_records(b.ptr, b.len, 1 << 20, &err), LH_ECORRUPT);
    lh_buf_reset(&b);
    e = (enc_t){.n = 3, .count = 2, .value_size = 4, .lod = -1};
    enc_batch(&b, &e); /* one record too many */
    CHECK_EQ_INT(lh_stream_batch_check_records(b.ptr, b.len, 1 << 20, &err), LH_ECORRUPT);
    lh_buf_reset(&b);
    e = (enc_t){.n = 3, .value_size = 4, .lod = -1, .max_skew = 1};
    enc_batch(&b, &e); /* maxTimestamp that no record has */
    CHECK_EQ_INT(lh_stream_batch_check_records(b.ptr, b.len, 1 << 20, &err), LH_ECORRUPT);
    lh_buf_free(&b);
}

static void control_batches_are_refused_on_produce(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    enc_t e = {.n = 1, .value_size = 4, .lod = -1, .extra_attrs = LH_STREAM_ATTR_CONTROL};
    enc_batch(&b, &e);
    lh_stream_batch_t h;
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_batch_parse(b.ptr, b.len, 1 << 20, &h, &err), 0);
    CHECK_EQ_INT(lh_stream_batch_check_produce(b.ptr, b.len, 1 << 20, &h, &err), LH_EPERM);
    lh_buf_reset(&b);
    e = (enc_t){.n = 1, .value_size = 4, .lod = -1, .extra_attrs = 6}; /* codec 6 */
    enc_batch(&b, &e);
    CHECK_EQ_INT(lh_stream_batch_check_produce(b.ptr, b.len, 1 << 20, &h, &err), LH_EINVAL);
    lh_buf_free(&b);
}

static void corrupt_compressed_data_is_refused(void)
{
    static const int codecs[] = {LH_STREAM_CODEC_GZIP, LH_STREAM_CODEC_SNAPPY, LH_STREAM_CODEC_LZ4,
                                 LH_STREAM_CODEC_ZSTD};
    for (size_t c = 0; c < 4; c++) {
        lh_buf_t b;
        lh_buf_init(&b, 0);
        enc_simple(&b, codecs[c], 20, 300, 5, NULL);
        /* truncate the compressed stream, then fix the length and CRC */
        size_t cut = b.len - 9;
        put32(b.ptr + 8, (uint32_t)(cut - 12));
        uint32_t crc = lh_crc32c(0, b.ptr + 21, cut - 21);
        put32(b.ptr + 17, crc);
        lh_err_t err;
        int rc = lh_stream_batch_check_records(b.ptr, cut, 1 << 20, &err);
        CHECK_EQ_INT(rc, LH_ECORRUPT);
        lh_buf_free(&b);
    }
}

static void decompression_is_bounded(void)
{
    /* 8 MiB of zeros compress to almost nothing */
    size_t n = 8 << 20;
    uint8_t *z = calloc(1, n);
    size_t cap = ZSTD_compressBound(n);
    uint8_t *c = malloc(cap);
    size_t len = ZSTD_compress(c, cap, z, n, 1);
    lh_buf_t out;
    lh_buf_init(&out, 1 << 20);
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_decompress(LH_STREAM_CODEC_ZSTD, c, len, &out, &err), LH_ETOOBIG);
    CHECK(out.len <= 1 << 20);
    lh_buf_free(&out);
    lh_buf_init(&out, 16 << 20);
    CHECK_EQ_INT(lh_stream_decompress(LH_STREAM_CODEC_ZSTD, c, len, &out, &err), 0);
    CHECK_EQ_INT(out.len, n);
    CHECK_EQ_INT(lh_stream_decompress(9, c, len, &out, &err), LH_EINVAL);
    lh_buf_free(&out);
    free(z);
    free(c);
}

static const lh_test_t tests[] = {
    {"plain_batch_round_trip", plain_batch_round_trip},
    {"base_offset_is_set_in_place_outside_the_crc", base_offset_is_set_in_place_outside_the_crc},
    {"gzip_batch", gzip_batch},
    {"snappy_raw_batch", snappy_raw_batch},
    {"snappy_xerial_batch", snappy_xerial_batch},
    {"lz4_frame_batch", lz4_frame_batch},
    {"zstd_batch", zstd_batch},
    {"crc_errors_are_refused", crc_errors_are_refused},
    {"short_and_absurd_lengths", short_and_absurd_lengths},
    {"bad_counts_are_refused", bad_counts_are_refused},
    {"control_batches_are_refused_on_produce", control_batches_are_refused_on_produce},
    {"corrupt_compressed_data_is_refused", corrupt_compressed_data_is_refused},
    {"decompression_is_bounded", decompression_is_bounded},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
