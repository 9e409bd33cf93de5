/* Kafka's wire primitives (src/stream/wire.c): byte layouts from the
 * protocol guide, round trips through the writer and the reader, and the
 * refusals (short fields, lengths and counts past the bytes left, null
 * where the type allows none, varints too long), which stick. */
#include <string.h>

#include "stream/wire.h"
#include "test.h"

static void test_integers_and_varints_have_the_guide_s_bytes(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_kw_i16(&b, 18);
    lh_kw_i32(&b, -2);
    lh_kw_uvarint(&b, 300); /* 0xAC 0x02 */
    lh_kw_varint(&b, -1);   /* zig-zag: 0x01 */
    lh_kw_varlong(&b, 64);  /* zig-zag 128: 0x80 0x01 */
    lh_kw_i64(&b, INT64_MIN);
    static const uint8_t want[] = {0x00, 0x12, 0xff, 0xff, 0xff, 0xfe, 0xac, 0x02, 0x01, 0x80,
                                   0x01, 0x80, 0,    0,    0,    0,    0,    0,    0};
    CHECK_EQ_INT((int)b.len, (int)sizeof want);
    CHECK(!memcmp(b.ptr, want, sizeof want));
    lh_kr_t r;
    lh_kr_init(&r, b.ptr, b.len);
    CHECK_EQ_INT(lh_kr_i16(&r), 18);
    CHECK_EQ_INT(lh_kr_i32(&r), -2);
    CHECK_EQ_INT((int)lh_kr_uvarint(&r), 300);
    CHECK_EQ_INT(lh_kr_varint(&r), -1);
    CHECK(lh_kr_varlong(&r) == 64);
    CHECK(lh_kr_i64(&r) == INT64_MIN);
    CHECK(!r.err);
    CHECK_EQ_INT((int)lh_kr_left(&r), 0);
    lh_kr_i8(&r); /* past the end: the error sticks */
    CHECK(r.err);
    CHECK_EQ_INT(lh_kr_i32(&r), 0);
    lh_buf_free(&b);
}

static void test_strings_bytes_and_arrays_round_trip_compact_or_not(void)
{
    for (int compact = 0; compact < 2; compact++) {
        lh_buf_t b;
        lh_buf_init(&b, 0);
        lh_kw_string(&b, LH_STR("rdkafka"), compact);
        lh_kw_string(&b, (lh_str_t){NULL, 0}, compact);
        lh_kw_string(&b, LH_STR(""), compact);
        lh_kw_bytes(&b, LH_STR("\x00\x01\x02"), compact);
        lh_kw_array(&b, 2, compact);
        lh_kw_i8(&b, 7);
        lh_kw_i8(&b, 8);
        lh_kw_array(&b, -1, compact);
        lh_kw_tagged(&b);
        CHECK(!lh_buf_err(&b));
        lh_kr_t r;
        lh_kr_init(&r, b.ptr, b.len);
        bool null = true;
        lh_str_t s = lh_kr_string(&r, compact, false, &null);
        CHECK(!null && s.len == 7 && !memcmp(s.ptr, "rdkafka", 7));
        s = lh_kr_string(&r, compact, true, &null);
        CHECK(null && !s.ptr);
        s = lh_kr_string(&r, compact, false, &null);
        CHECK(!null && s.ptr && s.len == 0);
        s = lh_kr_bytes(&r, compact, &null);
        CHECK(!null && s.len == 3 && s.ptr[2] == 2);
        CHECK_EQ_INT(lh_kr_array(&r, compact, false), 2);
        CHECK_EQ_INT(lh_kr_i8(&r) + lh_kr_i8(&r), 15);
        CHECK_EQ_INT(lh_kr_array(&r, compact, true), -1);
        lh_kr_tagged(&r);
        CHECK(!r.err && lh_kr_left(&r) == 0);
        lh_buf_free(&b);
    }
}

static void test_bad_lengths_counts_and_varints_are_refused(void)
{
    lh_kr_t r;
    static const uint8_t long_str[] = {0x00, 0x10, 'a', 'b'}; /* 16 bytes claimed, 2 there */
    lh_kr_init(&r, long_str, sizeof long_str);
    lh_str_t s = lh_kr_string(&r, false, false, NULL);
    CHECK(r.err && !s.ptr);
    static const uint8_t minus_two[] = {0xff, 0xfe};
    lh_kr_init(&r, minus_two, sizeof minus_two);
    lh_kr_string(&r, false, true, NULL);
    CHECK(r.err);
    static const uint8_t null_str[] = {0xff, 0xff};
    lh_kr_init(&r, null_str, sizeof null_str);
    lh_kr_string(&r, false, false, NULL); /* STRING, not NULLABLE_STRING */
    CHECK(r.err);
    static const uint8_t huge_array[] = {0x7f, 0xff, 0xff, 0xff, 1, 2, 3};
    lh_kr_init(&r, huge_array, sizeof huge_array);
    CHECK_EQ_INT(lh_kr_array(&r, false, false), 0);
    CHECK(r.err);
    static const uint8_t six_bytes[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    lh_kr_init(&r, six_bytes, sizeof six_bytes);
    lh_kr_uvarint(&r);
    CHECK(r.err);
    static const uint8_t past_32[] = {0xff, 0xff, 0xff, 0xff, 0x7f}; /* 35 bits */
    lh_kr_init(&r, past_32, sizeof past_32);
    lh_kr_uvarint(&r);
    CHECK(r.err);
    static const uint8_t short_tag[] = {0x01, 0x00, 0x05, 'x'}; /* a 5-byte field, 1 there */
    lh_kr_init(&r, short_tag, sizeof short_tag);
    lh_kr_tagged(&r);
    CHECK(r.err);
}

static void test_request_headers_v1_and_v2(void)
{
    /* ApiVersions v3 as librdkafka sends it: header v2 (client id a
       NULLABLE_STRING, then tagged fields), body compact strings */
    static const uint8_t v2[] = {0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x07, 'r',
                                 'd',  'k',  'a',  'f',  'k',  'a',  0x00, 0x08, 'l',  'i',  'b',
                                 'r',  'd',  'k',  'a',  0x06, '2',  '.',  '1',  '1',  '.',  0x00};
    lh_kr_t r;
    lh_kr_init(&r, v2, sizeof v2);
    lh_kafka_req_hdr_t h;
    CHECK_EQ_INT(lh_kafka_req_hdr_read(&r, true, &h), 0);
    CHECK_EQ_INT(h.api_key, 18);
    CHECK_EQ_INT(h.api_version, 3);
    CHECK_EQ_INT(h.correlation_id, 1);
    CHECK(h.client_id.len == 7 && !memcmp(h.client_id.ptr, "rdkafka", 7));
    lh_str_t name = lh_kr_string(&r, true, false, NULL);
    lh_str_t ver = lh_kr_string(&r, true, false, NULL);
    lh_kr_tagged(&r);
    CHECK(!r.err && name.len == 7 && ver.len == 5 && lh_kr_left(&r) == 0);
    /* v1 with a null client id (kafka-python may send one) */
    static const uint8_t v1[] = {0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0xff, 0xff};
    lh_kr_init(&r, v1, sizeof v1);
    CHECK_EQ_INT(lh_kafka_req_hdr_read(&r, false, &h), 0);
    CHECK(h.api_key == 3 && h.correlation_id == 42 && !h.client_id.ptr);
    lh_kr_init(&r, v1, 6); /* cut inside the correlation id */
    CHECK_EQ_INT(lh_kafka_req_hdr_read(&r, false, &h), -1);
}

static void test_a_frame_size_is_patched_last(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_kw_i32(&b, 0);
    lh_kw_i32(&b, 99); /* correlation id */
    lh_kw_i16(&b, 0);  /* error code, decided later */
    lh_kw_patch_i32(&b, 0, (int32_t)(b.len - 4));
    lh_kw_patch_i16(&b, 8, -1);
    lh_kw_patch_i16(&b, 9, 5); /* past the end: ignored */
    lh_kr_t r;
    lh_kr_init(&r, b.ptr, b.len);
    CHECK_EQ_INT(lh_kr_i32(&r), 6);
    CHECK_EQ_INT(lh_kr_i32(&r), 99);
    CHECK_EQ_INT(lh_kr_i16(&r), -1);
    lh_buf_free(&b);
}

int main(int argc, char **argv)
{
    static const lh_test_t tests[] = {
        {"integers_and_varints_have_the_guide_s_bytes",
         test_integers_and_varints_have_the_guide_s_bytes},
        {"strings_bytes_and_arrays_round_trip_compact_or_not",
         test_strings_bytes_and_arrays_round_trip_compact_or_not},
        {"bad_lengths_counts_and_varints_are_refused",
         test_bad_lengths_counts_and_varints_are_refused},
        {"request_headers_v1_and_v2", test_request_headers_v1_and_v2},
        {"a_frame_size_is_patched_last", test_a_frame_size_is_patched_last},
        {NULL, NULL},
    };
    return lh_test_main(tests, argc, argv);
}
