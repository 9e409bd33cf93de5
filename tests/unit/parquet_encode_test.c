/* The writer's encoders (parquet/encode.h): the RLE/bit-packed hybrid at
 * every bit width 0..32, checked against bytes worked out by hand from
 * Encodings.md and round-tripped through a small decoder written here from
 * the specification; PLAIN for booleans, fixed-width values and byte arrays;
 * the dictionary builder (indices, entries, growth, byte arrays). */
#include "test.h"

#include "core/err.h"
#include "parquet/encode.h"

#include <stdint.h>

static uint64_t uleb(const uint8_t *p, size_t *pos)
{
    uint64_t v = 0;
    for (int s = 0;; s += 7) {
        uint8_t b = p[(*pos)++];
        v |= (uint64_t)(b & 0x7f) << s;
        if (!(b & 0x80)) return v;
    }
}

/* Decodes n values of the hybrid at width bw; returns bytes used or -1. */
static long rle_decode(const uint8_t *p, size_t len, int bw, uint32_t *out, size_t n)
{
    size_t pos = 0, got = 0;
    while (got < n) {
        if (pos >= len) return -1;
        uint64_t h = uleb(p, &pos);
        if (h & 1) {
            size_t count = (size_t)(h >> 1) * 8;
            uint64_t acc = 0;
            int bits = 0;
            for (size_t i = 0; i < count; i++) {
                while (bits < bw) {
                    if (pos >= len) return -1;
                    acc |= (uint64_t)p[pos++] << bits;
                    bits += 8;
                }
                uint32_t v = (uint32_t)(bw == 32 ? acc : acc & ((UINT64_C(1) << bw) - 1));
                acc >>= bw;
                bits -= bw;
                if (got < n) out[got++] = v;
            }
        } else {
            size_t count = (size_t)(h >> 1);
            uint32_t v = 0;
            for (int k = 0; k < (bw + 7) / 8; k++)
                v |= (uint32_t)p[pos++] << (8 * k);
            for (size_t i = 0; i < count && got < n; i++)
                out[got++] = v;
        }
    }
    return (long)pos;
}

static uint32_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*s >> 32);
}

static void test_rle_spec_bytes(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    /* Encodings.md: 0..7 at width 3 bit-packed is 10001000 11000110 11111010 */
    uint32_t v[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    CHECK_EQ_INT(lh_pq_rle_encode(v, 8, 3, &b), 0);
    CHECK_EQ_INT(b.len, 4);
    const uint8_t want[4] = {0x03, 0x88, 0xc6, 0xfa};
    CHECK(!memcmp(b.ptr, want, 4));
    /* 100 ones at width 1: one RLE run, header 100 << 1 = 200 (2 varint bytes) */
    lh_buf_reset(&b);
    uint32_t ones[100];
    for (int i = 0; i < 100; i++)
        ones[i] = 1;
    lh_pq_rle_encode(ones, 100, 1, &b);
    const uint8_t run[3] = {0xc8, 0x01, 0x01};
    CHECK_EQ_INT(b.len, 3);
    CHECK(!memcmp(b.ptr, run, 3));
    /* width 0: a run with no value bytes */
    lh_buf_reset(&b);
    uint32_t zeros[20] = {0};
    lh_pq_rle_encode(zeros, 20, 0, &b);
    CHECK_EQ_INT(b.len, 1);
    CHECK_EQ_INT((uint8_t)b.ptr[0], 40);
    lh_buf_free(&b);
}

/* A literal stretch of 3 before a run of 12 would have to borrow 5 of the
 * run, leaving 7: too few for a run, so all stay literal. The run of 10
 * after them borrows 1 to fill 2 groups and keeps 9 as an RLE run. */
static void test_rle_borrows_to_fill_groups(void)
{
    uint32_t v[26] = {5, 6, 7, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3};
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_pq_rle_encode(v, 26, 3, &b);
    uint32_t back[26];
    CHECK(rle_decode((const uint8_t *)b.ptr, b.len, 3, back, 26) == (long)b.len);
    CHECK(!memcmp(back, v, sizeof v));
    const uint8_t *p = (const uint8_t *)b.ptr;
    CHECK_EQ_INT(p[0], (2 << 1) | 1); /* 2 bit-packed groups: 6 bytes at width 3 */
    CHECK_EQ_INT(p[7], 9 << 1);       /* then an RLE run of 9 twos */
    CHECK_EQ_INT(p[8], 2);
    CHECK_EQ_INT(p[9], (1 << 1) | 1); /* then the last 3 values padded to a group */
    lh_buf_free(&b);
}

static void test_rle_round_trips_every_width(void)
{
    uint64_t seed = 42;
    enum { N = 3001 };
    static uint32_t v[N], back[N];
    for (int bw = 0; bw <= 32; bw++) {
        uint64_t mask = bw == 32 ? 0xffffffffu : (UINT64_C(1) << bw) - 1;
        for (int shape = 0; shape < 3; shape++) {
            for (size_t i = 0; i < N; i++) {
                uint32_t r = rnd(&seed);
                if (shape == 1) r = (uint32_t)(i / 37);             /* runs */
                if (shape == 2) r = i % 100 < 90 ? 0xffffffffu : r; /* max values, runs */
                v[i] = (uint32_t)(r & mask);
            }
            for (size_t n = 0; n <= N; n += n < 20 ? 1 : 997) {
                lh_buf_t b;
                lh_buf_init(&b, 0);
                CHECK_EQ_INT(lh_pq_rle_encode(v, n, bw, &b), 0);
                memset(back, 0xab, sizeof back);
                CHECK(rle_decode((const uint8_t *)b.ptr, b.len, bw, back, n) == (long)b.len ||
                      n == 0);
                CHECK(!memcmp(back, v, n * sizeof *v));
                lh_buf_free(&b);
            }
        }
    }
}

static void test_levels_have_a_length_prefix(void)
{
    uint8_t lv[50];
    for (int i = 0; i < 50; i++)
        lv[i] = (uint8_t)(i % 3 == 0 ? 0 : 1);
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_pq_levels_encode(lv, 50, 1, &b), 0);
    const uint8_t *p = (const uint8_t *)b.ptr;
    uint32_t len = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
    CHECK_EQ_INT(len, b.len - 4);
    uint32_t back[50];
    CHECK(rle_decode(p + 4, len, 1, back, 50) == (long)len);
    for (int i = 0; i < 50; i++)
        CHECK_EQ_INT(back[i], lv[i]);
    /* the 8-bit encoder writes what the 32-bit one does */
    uint32_t wide[50];
    for (int i = 0; i < 50; i++)
        wide[i] = lv[i];
    lh_buf_t c;
    lh_buf_init(&c, 0);
    lh_pq_rle_encode(wide, 50, 1, &c);
    CHECK_EQ_INT(c.len, len);
    CHECK(!memcmp(c.ptr, p + 4, len));
    lh_buf_free(&b);
    lh_buf_free(&c);
}

static void test_plain_encodings(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    uint8_t bools[10] = {1, 0, 1, 1, 0, 0, 0, 1, 0, 1};
    CHECK_EQ_INT(lh_pq_plain_bool(bools, 10, &b), 0);
    CHECK_EQ_INT(b.len, 2);
    CHECK_EQ_INT((uint8_t)b.ptr[0], 0x8d); /* 1011 0001 read LSB first */
    CHECK_EQ_INT((uint8_t)b.ptr[1], 0x02);
    lh_buf_reset(&b);
    int32_t ints[2] = {1, -2};
    lh_pq_plain_fixed(ints, 2, 4, &b);
    const uint8_t wi[8] = {1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff};
    CHECK(b.len == 8 && !memcmp(b.ptr, wi, 8));
    lh_buf_reset(&b);
    lh_str_t s[3] = {{"ab", 2}, {"", 0}, {"xyz", 3}};
    lh_pq_plain_bytes(s, 3, &b);
    const uint8_t ws[17] = {2, 0, 0, 0, 'a', 'b', 0, 0, 0, 0, 3, 0, 0, 0, 'x', 'y', 'z'};
    CHECK(b.len == 17 && !memcmp(b.ptr, ws, 17));
    lh_buf_free(&b);
}

static void test_buffer_cap_is_reported(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 16);
    uint32_t v[64];
    for (int i = 0; i < 64; i++)
        v[i] = (uint32_t)i * 2654435761u;
    CHECK_EQ_INT(lh_pq_rle_encode(v, 64, 32, &b), LH_ETOOBIG);
    CHECK_EQ_INT(lh_buf_err(&b), LH_ETOOBIG);
    lh_buf_free(&b);
}

static void test_dict_fixed_indices_and_growth(void)
{
    lh_pq_dict_t d;
    lh_pq_dict_init(&d, 8);
    enum { N = 50000 };
    static int64_t vals[N];
    static uint32_t idx[N];
    for (int i = 0; i < N; i++)
        vals[i] = (int64_t)(i % 20000) * -7919;
    CHECK_EQ_INT(lh_pq_dict_put_fixed(&d, vals, N, idx), 0);
    CHECK_EQ_INT(d.count, 20000);
    CHECK_EQ_INT(d.plain.len, 20000 * 8);
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(idx[i], i % 20000);
        lh_str_t e = lh_pq_dict_value(&d, idx[i]);
        CHECK(e.len == 8 && !memcmp(e.ptr, &vals[i], 8));
    }
    lh_pq_dict_reset(&d);
    CHECK_EQ_INT(d.count, 0);
    int64_t again = 5;
    CHECK_EQ_INT(lh_pq_dict_put_fixed(&d, &again, 1, idx), 0);
    CHECK_EQ_INT(idx[0], 0);
    lh_pq_dict_free(&d);
    /* 12-byte values go through the byte hash */
    lh_pq_dict_init(&d, 12);
    uint8_t w12[3][12] = {{1}, {2}, {1}};
    CHECK_EQ_INT(lh_pq_dict_put_fixed(&d, w12, 3, idx), 0);
    CHECK(d.count == 2 && idx[0] == 0 && idx[1] == 1 && idx[2] == 0);
    lh_pq_dict_free(&d);
}

static void test_dict_bytes_is_the_plain_page(void)
{
    lh_pq_dict_t d;
    lh_pq_dict_init(&d, 0);
    char long1[100];
    memset(long1, 'x', sizeof long1);
    lh_str_t v[6] = {{"b", 1}, {"", 0}, {long1, 100}, {"b", 1}, {long1, 99}, {"", 0}};
    uint32_t idx[6];
    CHECK_EQ_INT(lh_pq_dict_put_bytes(&d, v, 6, idx), 0);
    CHECK_EQ_INT(d.count, 4);
    const uint32_t want[6] = {0, 1, 2, 0, 3, 1};
    CHECK(!memcmp(idx, want, sizeof want));
    lh_buf_t p;
    lh_buf_init(&p, 0);
    lh_str_t uniq[4] = {v[0], v[1], v[2], v[4]};
    lh_pq_plain_bytes(uniq, 4, &p);
    CHECK(p.len == d.plain.len && !memcmp(p.ptr, d.plain.ptr, p.len));
    lh_str_t e = lh_pq_dict_value(&d, 3);
    CHECK(e.len == 99 && !memcmp(e.ptr, long1, 99));
    /* many distinct strings: the table grows and keeps every entry */
    char buf[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(buf, sizeof buf, "key-%d", i);
        lh_str_t s = {buf, (size_t)n};
        uint32_t k;
        CHECK_EQ_INT(lh_pq_dict_put_bytes(&d, &s, 1, &k), 0);
        CHECK_EQ_INT(k, 4 + i);
    }
    lh_str_t s = {"key-1234", 8};
    uint32_t k;
    lh_pq_dict_put_bytes(&d, &s, 1, &k);
    CHECK_EQ_INT(k, 4 + 1234);
    lh_buf_free(&p);
    lh_pq_dict_free(&d);
}

static void test_bit_width(void)
{
    CHECK_EQ_INT(lh_pq_bit_width(0), 0);
    CHECK_EQ_INT(lh_pq_bit_width(1), 1);
    CHECK_EQ_INT(lh_pq_bit_width(2), 2);
    CHECK_EQ_INT(lh_pq_bit_width(255), 8);
    CHECK_EQ_INT(lh_pq_bit_width(256), 9);
    CHECK_EQ_INT(lh_pq_bit_width(0xffffffffu), 32);
    CHECK(lh_pq_hash_bytes("abc", 3) != lh_pq_hash_bytes("abd", 3));
    CHECK(lh_pq_hash_bytes("abc", 3) == lh_pq_hash_bytes("abc", 3));
}

static const lh_test_t tests[] = {
    {"rle_spec_bytes", test_rle_spec_bytes},
    {"rle_borrows_to_fill_groups", test_rle_borrows_to_fill_groups},
    {"rle_round_trips_every_width", test_rle_round_trips_every_width},
    {"levels_have_a_length_prefix", test_levels_have_a_length_prefix},
    {"plain_encodings", test_plain_encodings},
    {"buffer_cap_is_reported", test_buffer_cap_is_reported},
    {"dict_fixed_indices_and_growth", test_dict_fixed_indices_and_growth},
    {"dict_bytes_is_the_plain_page", test_dict_bytes_is_the_plain_page},
    {"bit_width", test_bit_width},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
