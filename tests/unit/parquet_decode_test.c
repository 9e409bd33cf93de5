/* Page decoders (parquet/decode.h): bytes built here by small encoders
 * written from Encodings.md (and one example computed by hand), decoded and
 * compared; damaged input must be LH_ECORRUPT, never a read past the end. */
#include "parquet/decode.h"
#include "parquet/meta.h"
#include "test.h"

#include <stdint.h>

/* ---- tiny encoders ---- */

static size_t put_uleb(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        p[n++] = b | (v ? 0x80 : 0);
    } while (v);
    return n;
}

static size_t put_zz(uint8_t *p, int64_t v)
{
    return put_uleb(p, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

/* n values of width bits, LSB first (n a multiple of 8 for hybrid runs). */
static size_t pack(uint8_t *out, const uint64_t *v, uint32_t n, int width)
{
    size_t bytes = ((size_t)n * (size_t)width + 7) / 8;
    memset(out, 0, bytes);
    for (uint32_t i = 0; i < n; i++)
        for (int b = 0; b < width; b++)
            if (v[i] >> b & 1)
                out[((size_t)i * width + b) / 8] |= (uint8_t)(1 << (((size_t)i * width + b) % 8));
    return bytes;
}

/* DELTA_BINARY_PACKED with blocks of 128 values in 4 miniblocks. */
static size_t delta_encode(uint8_t *out, const int64_t *v, uint32_t n)
{
    size_t o = put_uleb(out, 128);
    o += put_uleb(out + o, 4);
    o += put_uleb(out + o, n);
    o += put_zz(out + o, n ? v[0] : 0);
    for (uint32_t start = 1; start < n; start += 128) {
        uint32_t k = n - start < 128 ? n - start : 128;
        uint64_t d[128];
        int64_t mn = INT64_MAX;
        for (uint32_t i = 0; i < k; i++) {
            d[i] = (uint64_t)v[start + i] - (uint64_t)v[start + i - 1];
            if ((int64_t)d[i] < mn) mn = (int64_t)d[i];
        }
        o += put_zz(out + o, mn);
        uint8_t *widths = out + o;
        o += 4;
        for (int m = 0; m < 4; m++) {
            uint64_t vals[32] = {0}, mx = 0;
            for (uint32_t i = 0; i < 32; i++) {
                uint32_t j = (uint32_t)m * 32 + i;
                vals[i] = j < k ? d[j] - (uint64_t)mn : 0;
                if (vals[i] > mx) mx = vals[i];
            }
            int w = 0;
            while (w < 64 && (mx >> w))
                w++;
            widths[m] = (uint8_t)w;
            if ((uint32_t)m * 32 < k) o += pack(out + o, vals, 32, w);
        }
    }
    return o;
}

/* ---- RLE / bit-packed hybrid ---- */

static void test_unpack_every_width(void)
{
    uint64_t v[64];
    uint32_t got[64];
    uint8_t buf[64 * 4 + 8];
    for (int w = 0; w <= 32; w++) {
        for (int i = 0; i < 64; i++)
            v[i] = w ? ((uint64_t)i * 2654435761u + 7) & ((UINT64_C(1) << w) - 1) : 0;
        size_t n = pack(buf, v, 64, w);
        lh_pq_unpack32(buf, n, w, got, 64);
        for (int i = 0; i < 64; i++)
            CHECK_EQ_INT(got[i], v[i]);
    }
}

/* A bit-packed run of 200 values at every width, read in slices of odd
 * sizes (partial groups, whole groups through the unrolled unpackers, and a
 * tail near the end of the data that must not be read past). */
static void test_unpack_runs_in_slices(void)
{
    enum { N = 200 };
    uint64_t v[N];
    uint32_t got[N];
    uint8_t buf[1 + N * 4];
    static const uint32_t slices[] = {3, 17, 64, 5, 8, 103};
    for (int w = 0; w <= 32; w++) {
        for (int i = 0; i < N; i++)
            v[i] = w ? ((uint64_t)i * 2246822519u + 3) & ((UINT64_C(1) << w) - 1) : 0;
        buf[0] = (uint8_t)((N / 8) << 1 | 1);
        size_t n = 1 + pack(buf + 1, v, N, w);
        lh_pq_rle_t d;
        lh_err_t err;
        CHECK(lh_pq_rle_init(&d, buf, n, w, &err) == 0);
        uint32_t o = 0;
        for (size_t s = 0; s < sizeof slices / sizeof *slices; s++) {
            CHECK(lh_pq_rle_get(&d, got + o, slices[s], &err) == 0);
            o += slices[s];
        }
        CHECK_EQ_INT(o, N);
        for (int i = 0; i < N; i++)
            CHECK_EQ_INT(got[i], v[i]);
        lh_pq_unpack32(buf + 1, n - 1, w, got, N);
        for (int i = 0; i < N; i++)
            CHECK_EQ_INT(got[i], v[i]);
    }
}

/* Width-1 levels straight into bits: RLE runs of both values and
 * bit-packed runs, at bit offsets that cross words, equal the bytes path. */
static void test_rle_levels_as_bits(void)
{
    uint8_t buf[64];
    size_t o = 0;
    uint64_t vals[24];
    o += put_uleb(buf + o, 70 << 1); /* 70 x 1 */
    buf[o++] = 1;
    for (int i = 0; i < 24; i++)
        vals[i] = (i % 10) != 3;
    o += put_uleb(buf + o, (3 << 1) | 1); /* 24 bit-packed */
    o += pack(buf + o, vals, 24, 1);
    o += put_uleb(buf + o, 5 << 1); /* 5 x 0 */
    buf[o++] = 0;
    o += put_uleb(buf + o, 130 << 1); /* 130 x 1 */
    buf[o++] = 1;
    o += put_uleb(buf + o, (1 << 1) | 1); /* 8 bit-packed */
    uint64_t last[8] = {0, 1, 1, 0, 1, 0, 0, 1};
    o += pack(buf + o, last, 8, 1);
    enum { N = 70 + 24 + 5 + 130 + 8 };
    uint8_t want[N];
    uint64_t bits[(N + 63) / 64];
    lh_pq_rle_t d;
    lh_err_t err;
    CHECK(lh_pq_rle_init(&d, buf, o, 1, &err) == 0 && lh_pq_rle_get8(&d, want, N, &err) == 0);
    CHECK(lh_pq_rle_init(&d, buf, o, 1, &err) == 0 && lh_pq_rle_get_bits(&d, bits, N, &err) == 0);
    for (int i = 0; i < N; i++)
        CHECK_EQ_INT(bits[i / 64] >> (i % 64) & 1, want[i]);
    CHECK_EQ_INT(bits[(N - 1) / 64] >> (N % 64), 0); /* the bits past N are zero */
    CHECK(lh_pq_rle_init(&d, buf, o - 1, 1, &err) == 0);
    CHECK(lh_pq_rle_get_bits(&d, bits, N + 1, &err) == LH_ECORRUPT); /* ends early */
    CHECK(lh_pq_rle_init(&d, buf, o, 2, &err) == 0);
    CHECK(lh_pq_rle_get_bits(&d, bits, 8, &err) == LH_EINVAL); /* not width 1 */
}

static void test_rle_hybrid_runs(void)
{
    /* RLE run of 5 x 3 (width 3: one value byte), then one bit-packed group of 8 */
    uint8_t buf[32];
    size_t o = 0;
    buf[o++] = 5 << 1;
    buf[o++] = 3;
    buf[o++] = (1 << 1) | 1;
    uint64_t vals[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    o += pack(buf + o, vals, 8, 3);
    lh_pq_rle_t d;
    lh_err_t err;
    uint32_t out[13];
    CHECK(lh_pq_rle_init(&d, buf, o, 3, &err) == 0);
    CHECK(lh_pq_rle_get(&d, out, 2, &err) == 0); /* a slice inside the RLE run */
    CHECK(lh_pq_rle_get(&d, out + 2, 6, &err) == 0);
    CHECK(lh_pq_rle_get(&d, out + 8, 5, &err) == 0);
    uint32_t want[13] = {3, 3, 3, 3, 3, 0, 1, 2, 3, 4, 5, 6, 7};
    for (int i = 0; i < 13; i++)
        CHECK_EQ_INT(out[i], want[i]);
    CHECK(lh_pq_rle_get(&d, out, 1, &err) == LH_ECORRUPT); /* nothing left */
    /* the same through the 16- and 8-bit outputs */
    uint16_t o16[13];
    uint8_t o8[13];
    CHECK(lh_pq_rle_init(&d, buf, o, 3, &err) == 0 && lh_pq_rle_get16(&d, o16, 13, &err) == 0);
    CHECK(lh_pq_rle_init(&d, buf, o, 3, &err) == 0 && lh_pq_rle_get8(&d, o8, 13, &err) == 0);
    for (int i = 0; i < 13; i++)
        CHECK(o16[i] == want[i] && o8[i] == want[i]);
}

static void test_rle_wide_values_and_codes(void)
{
    uint8_t buf[16];
    size_t o = 0;
    buf[o++] = 4 << 1; /* 4 x 0x12345 at width 17: 3 value bytes */
    buf[o++] = 0x45;
    buf[o++] = 0x23;
    buf[o++] = 0x01;
    lh_pq_rle_t d;
    lh_err_t err;
    int32_t codes[4];
    CHECK(lh_pq_rle_init(&d, buf, o, 17, &err) == 0);
    CHECK(lh_pq_rle_get_codes(&d, codes, 4, 0x12346, &err) == 0);
    CHECK_EQ_INT(codes[3], 0x12345);
    CHECK(lh_pq_rle_init(&d, buf, o, 17, &err) == 0);
    CHECK(lh_pq_rle_get_codes(&d, codes, 4, 0x12345, &err) == LH_ECORRUPT); /* index >= size */
    uint8_t wide[] = {2 << 1, 0x09}; /* 9 does not fit in 3 bits */
    uint32_t u[2];
    CHECK(lh_pq_rle_init(&d, wide, sizeof wide, 3, &err) == 0);
    CHECK(lh_pq_rle_get(&d, u, 1, &err) == LH_ECORRUPT);
    CHECK(lh_pq_rle_init(&d, buf, o, 33, &err) == LH_ECORRUPT);
    CHECK_EQ_INT(lh_pq_bit_width(0), 0);
    CHECK_EQ_INT(lh_pq_bit_width(1), 1);
    CHECK_EQ_INT(lh_pq_bit_width(255), 8);
    CHECK_EQ_INT(lh_pq_bit_width(256), 9);
}

static void test_rle_damaged(void)
{
    lh_pq_rle_t d;
    lh_err_t err;
    uint32_t out[64];
    uint8_t cut[] = {8 << 1}; /* RLE run without its value byte */
    CHECK(lh_pq_rle_init(&d, cut, 1, 8, &err) == 0);
    CHECK(lh_pq_rle_get(&d, out, 1, &err) == LH_ECORRUPT);
    uint8_t zero[] = {0, 0}; /* a run of length 0 */
    CHECK(lh_pq_rle_init(&d, zero, 2, 8, &err) == 0);
    CHECK(lh_pq_rle_get(&d, out, 1, &err) == LH_ECORRUPT);
    uint8_t longhdr[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    CHECK(lh_pq_rle_init(&d, longhdr, sizeof longhdr, 8, &err) == 0);
    CHECK(lh_pq_rle_get(&d, out, 1, &err) == LH_ECORRUPT);
    /* a bit-packed run that claims 8 groups but has 2 bytes: read as far as it goes */
    uint8_t shortbp[] = {(8 << 1) | 1, 0xff, 0x0f};
    CHECK(lh_pq_rle_init(&d, shortbp, sizeof shortbp, 4, &err) == 0);
    CHECK(lh_pq_rle_get(&d, out, 4, &err) == 0);
    CHECK(out[0] == 15 && out[1] == 15 && out[2] == 15 && out[3] == 0);
    CHECK(lh_pq_rle_get(&d, out, 1, &err) == LH_ECORRUPT);
    CHECK(lh_pq_rle_init(&d, NULL, 0, 0, &err) == 0);
    CHECK(lh_pq_rle_get(&d, out, 0, &err) == 0);
}

/* ---- PLAIN, BYTE_STREAM_SPLIT ---- */

static void test_plain_short_strings_zero_padded(void)
{
    /* every length 0..20 followed by 0xEE junk: inline bytes past len are zero */
    uint8_t buf[21 * 4 + 210 + 16];
    size_t o = 0;
    for (uint32_t n = 0; n <= 20; n++) {
        memcpy(buf + o, &n, 4);
        o += 4;
        for (uint32_t i = 0; i < n; i++)
            buf[o++] = (uint8_t)(0xEE - i);
    }
    memset(buf + o, 0xEE, 16);
    for (int tail = 0; tail <= 1; tail++) { /* with junk after the page and without */
        lh_pq_plain_t d;
        lh_err_t err;
        lh_string_t s[21];
        lh_pq_plain_init(&d, buf, o + (tail ? 16 : 0), LH_PQ_BYTE_ARRAY, 0);
        CHECK(lh_pq_plain_get(&d, s, 21, &err) == 0);
        const uint8_t *p = buf;
        for (uint32_t n = 0; n <= 20; n++) {
            lh_string_t want = lh_string_make((const char *)p + 4, n);
            CHECK(n > LH_STRING_INLINE || !memcmp(&s[n], &want, sizeof want));
            CHECK(lh_string_equal(&s[n], &want));
            p += 4 + n;
        }
    }
}

static void test_plain_types(void)
{
    lh_pq_plain_t d;
    lh_err_t err;
    int32_t i32[3], src32[3] = {-1, 0, 123456789};
    lh_pq_plain_init(&d, src32, sizeof src32, LH_PQ_INT32, 0);
    CHECK(lh_pq_plain_get(&d, i32, 2, &err) == 0 && lh_pq_plain_get(&d, i32 + 2, 1, &err) == 0);
    CHECK(i32[0] == -1 && i32[2] == 123456789);
    CHECK(lh_pq_plain_get(&d, i32, 1, &err) == LH_ECORRUPT);
    uint8_t bits[] = {0xA5, 0x01}, b[9];
    lh_pq_plain_init(&d, bits, 2, LH_PQ_BOOLEAN, 0);
    CHECK(lh_pq_plain_get(&d, b, 3, &err) == 0 && lh_pq_plain_get(&d, b + 3, 6, &err) == 0);
    uint8_t wantb[9] = {1, 0, 1, 0, 0, 1, 0, 1, 1};
    CHECK(!memcmp(b, wantb, 9));
    CHECK(lh_pq_plain_get(&d, b, 8, &err) == LH_ECORRUPT);
    uint8_t ba[] = {3,   0,   0,   0,   'a', 'b', 'c', 14,  0,   0,   0, 'x', 'x', 'x', 'x',
                    'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'y', 0, 0,   0,   0};
    lh_string_t s[3];
    lh_pq_plain_init(&d, ba, sizeof ba, LH_PQ_BYTE_ARRAY, 0);
    CHECK(lh_pq_plain_get(&d, s, 3, &err) == 0);
    CHECK(s[0].len == 3 && !memcmp(lh_string_data(&s[0]), "abc", 3));
    CHECK(s[1].len == 14 && lh_string_data(&s[1]) == (const char *)ba + 11); /* a view */
    CHECK(s[2].len == 0);
    uint8_t lie[] = {9, 0, 0, 0, 'a'};
    lh_pq_plain_init(&d, lie, sizeof lie, LH_PQ_BYTE_ARRAY, 0);
    CHECK(lh_pq_plain_get(&d, s, 1, &err) == LH_ECORRUPT);
    uint8_t neg[] = {0xff, 0xff, 0xff, 0xff, 'a'};
    lh_pq_plain_init(&d, neg, sizeof neg, LH_PQ_BYTE_ARRAY, 0);
    CHECK(lh_pq_plain_get(&d, s, 1, &err) == LH_ECORRUPT);
    uint8_t fl[] = {1, 2, 3, 4, 5, 6, 7};
    lh_pq_plain_init(&d, fl, sizeof fl, LH_PQ_FIXED_LEN_BYTE_ARRAY, 3);
    CHECK(lh_pq_plain_get(&d, s, 2, &err) == 0 && s[1].len == 3 && lh_string_data(&s[1])[0] == 4);
    CHECK(lh_pq_plain_get(&d, s, 1, &err) == LH_ECORRUPT);
    uint8_t i96[24] = {0};
    lh_pq_plain_init(&d, i96, sizeof i96, LH_PQ_INT96, 0);
    uint8_t o96[36];
    CHECK(lh_pq_plain_get(&d, o96, 2, &err) == 0 &&
          lh_pq_plain_get(&d, o96, 1, &err) == LH_ECORRUPT);
}

static void test_byte_stream_split(void)
{
    float f[5] = {1.5f, -2.25f, 0.0f, 1e30f, -0.0f}, got[5];
    uint8_t split[20];
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 5; i++)
            split[k * 5 + i] = ((uint8_t *)&f[i])[k];
    lh_pq_bss_t d;
    lh_err_t err;
    CHECK(lh_pq_bss_init(&d, split, 20, LH_PQ_FLOAT, 0, &err) == 0);
    CHECK(lh_pq_bss_get(&d, got, 2, NULL, &err) == 0 &&
          lh_pq_bss_get(&d, got + 2, 3, NULL, &err) == 0);
    CHECK(!memcmp(got, f, sizeof f));
    CHECK(lh_pq_bss_get(&d, got, 1, NULL, &err) == LH_ECORRUPT);
    CHECK(lh_pq_bss_init(&d, split, 19, LH_PQ_FLOAT, 0, &err) == LH_ECORRUPT);
    CHECK(lh_pq_bss_init(&d, split, 20, LH_PQ_BYTE_ARRAY, 0, &err) == LH_ECORRUPT);
    /* FIXED_LEN_BYTE_ARRAY(2): views into the arena */
    uint8_t fl[6] = {'a', 'c', 'e', 'b', 'd', 'f'};
    lh_arena_t *a = lh_arena_new(1024);
    lh_string_t s[3];
    CHECK(lh_pq_bss_init(&d, fl, 6, LH_PQ_FIXED_LEN_BYTE_ARRAY, 2, &err) == 0);
    CHECK(lh_pq_bss_get(&d, s, 3, a, &err) == 0);
    CHECK(!memcmp(lh_string_data(&s[0]), "ab", 2) && !memcmp(lh_string_data(&s[2]), "ef", 2));
    lh_arena_free(a);
}

/* ---- DELTA ---- */

static void test_delta_spec_example(void)
{
    /* Encodings.md: 1 2 3 4 5 -> header 128 4 5 1, min delta 1, widths 0 */
    uint8_t buf[] = {0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00};
    lh_pq_delta_t d;
    lh_err_t err;
    int64_t v[5];
    CHECK(lh_pq_delta_init(&d, buf, sizeof buf, &err) == 0);
    CHECK(lh_pq_delta_get64(&d, v, 5, &err) == 0);
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(v[i], i + 1);
    CHECK(lh_pq_delta_get64(&d, v, 1, &err) == LH_ECORRUPT);
}

static void test_delta_round_trip(void)
{
    static int64_t v[1000], got[1000];
    static uint8_t buf[40000];
    for (int i = 0; i < 1000; i++)
        v[i] = (i % 7 == 0) ? INT64_MIN + i
                            : (i % 5 == 0 ? INT64_MAX - i : (int64_t)i * i * (i & 1 ? -1 : 1));
    size_t n = delta_encode(buf, v, 1000);
    lh_pq_delta_t d;
    lh_err_t err;
    CHECK(lh_pq_delta_init(&d, buf, n, &err) == 0);
    CHECK(lh_pq_delta_get64(&d, got, 1, &err) == 0);
    CHECK(lh_pq_delta_get64(&d, got + 1, 300, &err) == 0);
    CHECK(lh_pq_delta_get64(&d, got + 301, 699, &err) == 0);
    CHECK(!memcmp(got, v, sizeof v));
    const uint8_t *end;
    CHECK(lh_pq_delta_init(&d, buf, n, &err) == 0 && lh_pq_delta_skip_all(&d, &end, &err) == 0);
    CHECK(end == buf + n);
    /* int32 wraps */
    int32_t v32[3] = {INT32_MAX, INT32_MIN, 5}, g32[3];
    int64_t w[3] = {INT32_MAX, INT32_MIN, 5};
    n = delta_encode(buf, w, 3);
    CHECK(lh_pq_delta_init(&d, buf, n, &err) == 0 && lh_pq_delta_get32(&d, g32, 3, &err) == 0);
    CHECK(!memcmp(g32, v32, sizeof v32));
    /* truncated anywhere: an error, never a crash */
    n = delta_encode(buf, v, 1000);
    for (size_t cut = 0; cut < n; cut += 7) {
        if (lh_pq_delta_init(&d, buf, cut, &err)) continue;
        int rc = lh_pq_delta_get64(&d, got, 1000, &err);
        CHECK(rc == LH_ECORRUPT || (rc == 0 && !memcmp(got, v, sizeof v))); /* padding cut */
    }
    uint8_t bad[] = {0x81, 0x01, 0x04, 0x05, 0x02}; /* block size 129 */
    CHECK(lh_pq_delta_init(&d, bad, sizeof bad, &err) == LH_ECORRUPT);
}

static void test_delta_byte_arrays(void)
{
    const char *words[] = {"apple", "applesauce", "application form", "banana", "", "b"};
    int64_t lens[6], pre[6], suflen[6];
    uint8_t buf[512];
    for (int i = 0; i < 6; i++)
        lens[i] = (int64_t)strlen(words[i]);
    /* DELTA_LENGTH_BYTE_ARRAY */
    size_t o = delta_encode(buf, lens, 6);
    for (int i = 0; i < 6; i++) {
        memcpy(buf + o, words[i], strlen(words[i]));
        o += strlen(words[i]);
    }
    lh_pq_dlba_t l;
    lh_err_t err;
    lh_string_t s[6];
    CHECK(lh_pq_dlba_init(&l, buf, o, &err) == 0 && lh_pq_dlba_get(&l, s, 6, &err) == 0);
    for (int i = 0; i < 6; i++)
        CHECK(s[i].len == lens[i] && !memcmp(lh_string_data(&s[i]), words[i], s[i].len));
    CHECK(lh_pq_dlba_init(&l, buf, o - 1, &err) == 0);
    CHECK(lh_pq_dlba_get(&l, s, 6, &err) == LH_ECORRUPT); /* bytes end early */
    /* DELTA_BYTE_ARRAY */
    const char *prev = "";
    for (int i = 0; i < 6; i++) {
        size_t p = 0;
        while (prev[p] && words[i][p] == prev[p])
            p++;
        pre[i] = (int64_t)p;
        suflen[i] = lens[i] - (int64_t)p;
        prev = words[i];
    }
    o = delta_encode(buf, pre, 6);
    o += delta_encode(buf + o, suflen, 6);
    for (int i = 0; i < 6; i++) {
        memcpy(buf + o, words[i] + pre[i], (size_t)suflen[i]);
        o += (size_t)suflen[i];
    }
    lh_pq_dba_t d;
    lh_arena_t *a = lh_arena_new(1024);
    CHECK(lh_pq_dba_init(&d, buf, o, &err) == 0);
    CHECK(lh_pq_dba_get(&d, s, 2, a, &err) == 0 && lh_pq_dba_get(&d, s + 2, 4, a, &err) == 0);
    for (int i = 0; i < 6; i++)
        CHECK(s[i].len == lens[i] && !memcmp(lh_string_data(&s[i]), words[i], s[i].len));
    /* a prefix longer than the previous value */
    int64_t badpre[2] = {0, 9}, badsuf[2] = {1, 1};
    o = delta_encode(buf, badpre, 2);
    o += delta_encode(buf + o, badsuf, 2);
    buf[o++] = 'a';
    buf[o++] = 'b';
    CHECK(lh_pq_dba_init(&d, buf, o, &err) == 0);
    CHECK(lh_pq_dba_get(&d, s, 2, a, &err) == LH_ECORRUPT);
    lh_arena_free(a);
}

static const lh_test_t tests[] = {
    {"unpack_every_width", test_unpack_every_width},
    {"unpack_runs_in_slices", test_unpack_runs_in_slices},
    {"rle_levels_as_bits", test_rle_levels_as_bits},
    {"rle_hybrid_runs", test_rle_hybrid_runs},
    {"rle_wide_values_and_codes", test_rle_wide_values_and_codes},
    {"rle_damaged", test_rle_damaged},
    {"plain_types", test_plain_types},
    {"plain_short_strings_zero_padded", test_plain_short_strings_zero_padded},
    {"byte_stream_split", test_byte_stream_split},
    {"delta_spec_example", test_delta_spec_example},
    {"delta_round_trip", test_delta_round_trip},
    {"delta_byte_arrays", test_delta_byte_arrays},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
