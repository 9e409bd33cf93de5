/* The Thrift compact protocol of parquet/thrift.h against bytes computed by
 * hand from the protocol document: varints, zigzag, field-header deltas and
 * the long form, bool fields, list/map headers (short and long), doubles;
 * bounds, huge declared sizes, skipping every type, the nesting limit. */
#include "core/buf.h"
#include "core/err.h"
#include "parquet/thrift.h"
#include "test.h"

static const uint8_t *u8(const char *s)
{
    return (const uint8_t *)s;
}

static void test_varint_and_zigzag(void)
{
    static const uint8_t v50399[] = {0xDF, 0x89, 0x03}; /* the protocol document's example */
    lh_tc_reader_t r;
    uint64_t u;
    lh_tc_reader_init(&r, v50399, 3, NULL);
    CHECK(lh_tc_read_varint(&r, &u) == 0 && u == 50399 && lh_tc_reader_pos(&r) == 3);

    /* zigzag i32: 0,-1,1,-2,2 -> 0,1,2,3,4; INT32_MAX and INT32_MIN take 5 bytes */
    static const uint8_t zz[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0xFE, 0xFF, 0xFF,
                                 0xFF, 0x0F, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
    int32_t v;
    lh_tc_reader_init(&r, zz, sizeof zz, NULL);
    const int32_t want[] = {0, -1, 1, -2, 2, INT32_MAX, INT32_MIN};
    for (int i = 0; i < 7; i++) {
        CHECK(lh_tc_read_i32(&r, &v) == 0);
        CHECK_EQ_INT(v, want[i]);
    }
    CHECK(lh_tc_reader_pos(&r) == sizeof zz);

    /* INT64_MIN: zigzag all ones, ten bytes */
    static const uint8_t i64min[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
    int64_t w;
    lh_tc_reader_init(&r, i64min, sizeof i64min, NULL);
    CHECK(lh_tc_read_i64(&r, &w) == 0 && w == INT64_MIN);

    lh_buf_t b;
    lh_tc_writer_t wr;
    lh_buf_init(&b, 0);
    lh_tc_writer_init(&wr, &b);
    lh_tc_write_varint(&wr, 50399);
    for (int i = 0; i < 7; i++)
        lh_tc_write_i32(&wr, want[i]);
    lh_tc_write_i64(&wr, INT64_MIN);
    CHECK(lh_buf_err(&b) == 0 && b.len == 3 + sizeof zz + sizeof i64min);
    CHECK(!memcmp(b.ptr, v50399, 3) && !memcmp(b.ptr + 3, zz, sizeof zz));
    CHECK(!memcmp(b.ptr + 3 + sizeof zz, i64min, sizeof i64min));
    lh_buf_free(&b);
}

static void test_varint_limits(void)
{
    lh_tc_reader_t r;
    lh_err_t err = {0};
    uint64_t u;
    static const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                     0x80, 0x80, 0x80, 0x80, 0x00};
    lh_tc_reader_init(&r, eleven, sizeof eleven, &err);
    CHECK_EQ_INT(lh_tc_read_varint(&r, &u), LH_ECORRUPT);
    CHECK(strstr(err.msg, "longer than 64 bits"));
    static const uint8_t tenth2[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02};
    lh_tc_reader_init(&r, tenth2, sizeof tenth2, NULL);
    CHECK_EQ_INT(lh_tc_read_varint(&r, &u), LH_ECORRUPT);
    /* an i32 whose varint carries 33 bits */
    static const uint8_t big32[] = {0x80, 0x80, 0x80, 0x80, 0x20};
    int32_t v;
    lh_tc_reader_init(&r, big32, sizeof big32, &err);
    CHECK_EQ_INT(lh_tc_read_i32(&r, &v), LH_ECORRUPT);
    CHECK(strstr(err.msg, "i32"));
    /* an i16 out of range: zigzag 65536 = 32768 */
    static const uint8_t big16[] = {0x80, 0x80, 0x04};
    int16_t s;
    lh_tc_reader_init(&r, big16, sizeof big16, NULL);
    CHECK_EQ_INT(lh_tc_read_i16(&r, &s), LH_ECORRUPT);
    /* truncated: the continuation bit promises more */
    lh_tc_reader_init(&r, u8("\x80"), 1, &err);
    CHECK_EQ_INT(lh_tc_read_varint(&r, &u), LH_ECORRUPT);
    CHECK(strstr(err.msg, "truncated"));
    /* sticky: a later read fails the same way without reading */
    CHECK_EQ_INT(lh_tc_read_i8(&r, &(int8_t){0}), LH_ECORRUPT);
}

/* struct { 1: i32 5, 3: binary "ab", 20: i64 -1, 21: bool true, 25: bool false,
 * 5: i32 7 } -- 20 is a delta of 17 (long form), 5 goes backwards (long form) */
static const uint8_t fields[] = {0x15, 0x0A, 0x28, 0x02, 'a',  'b',  0x06, 0x28,
                                 0x01, 0x11, 0x42, 0x05, 0x0A, 0x0E, 0x00};

static void test_field_headers_read(void)
{
    lh_tc_reader_t r;
    lh_tc_field_t f;
    int32_t v;
    int64_t w;
    lh_str_t s;
    lh_tc_reader_init(&r, fields, sizeof fields, NULL);
    CHECK(lh_tc_struct_begin(&r) == 0);
    CHECK(lh_tc_read_field(&r, &f) == 0 && f.type == LH_TC_I32 && f.id == 1);
    CHECK(lh_tc_read_i32(&r, &v) == 0 && v == 5);
    CHECK(lh_tc_read_field(&r, &f) == 0 && f.type == LH_TC_BINARY && f.id == 3);
    CHECK(lh_tc_read_binary(&r, &s) == 0 && s.len == 2 && !memcmp(s.ptr, "ab", 2));
    CHECK(lh_tc_read_field(&r, &f) == 0 && f.type == LH_TC_I64 && f.id == 20);
    CHECK(lh_tc_read_i64(&r, &w) == 0 && w == -1);
    CHECK(lh_tc_read_field(&r, &f) == 0 && f.type == LH_TC_BOOL && f.id == 21 && f.bval);
    CHECK(lh_tc_read_field(&r, &f) == 0 && f.type == LH_TC_BOOL && f.id == 25 && !f.bval);
    CHECK(lh_tc_read_field(&r, &f) == 0 && f.type == LH_TC_I32 && f.id == 5);
    CHECK(lh_tc_read_i32(&r, &v) == 0 && v == 7);
    CHECK(lh_tc_read_field(&r, &f) == 0 && f.type == LH_TC_STOP);
    CHECK(lh_tc_struct_end(&r) == 0 && lh_tc_reader_pos(&r) == sizeof fields);
}

static void test_field_headers_write(void)
{
    lh_buf_t b;
    lh_tc_writer_t w;
    lh_buf_init(&b, 0);
    lh_tc_writer_init(&w, &b);
    lh_tc_write_struct_begin(&w);
    lh_tc_write_i32_field(&w, 1, 5);
    lh_tc_write_binary_field(&w, 3, "ab", 2);
    lh_tc_write_i64_field(&w, 20, -1);
    lh_tc_write_bool_field(&w, 21, true);
    lh_tc_write_bool_field(&w, 25, false);
    lh_tc_write_i32_field(&w, 5, 7);
    CHECK(lh_tc_write_struct_end(&w) == 0);
    CHECK(b.len == sizeof fields && !memcmp(b.ptr, fields, sizeof fields));
    /* a bool field through the generic header call is misuse */
    CHECK_EQ_INT(lh_tc_write_field(&w, LH_TC_BOOL, 1), LH_EINVAL);
    lh_buf_free(&b);
}

static void test_every_prefix_fails_cleanly(void)
{
    for (size_t n = 0; n < sizeof fields; n++) {
        lh_tc_reader_t r;
        lh_err_t err = {0};
        lh_tc_reader_init(&r, fields, n, &err);
        CHECK_EQ_INT(lh_tc_skip(&r, LH_TC_STRUCT), LH_ECORRUPT);
        CHECK(strstr(err.msg, "truncated") && strstr(err.msg, "at byte"));
        CHECK(lh_tc_reader_pos(&r) <= n);
    }
    lh_tc_reader_t r;
    lh_tc_reader_init(&r, fields, sizeof fields, NULL);
    CHECK(lh_tc_skip(&r, LH_TC_STRUCT) == 0 && lh_tc_reader_pos(&r) == sizeof fields);
}

static void test_containers(void)
{
    lh_tc_reader_t r;
    int et, kt, vt;
    uint32_t n;
    /* list<i32>[3] short form; list<i32>[15] long form; list<i8>[300] long form */
    static const uint8_t l3[] = {0x35, 0x02, 0x04, 0x06};
    lh_tc_reader_init(&r, l3, sizeof l3, NULL);
    CHECK(lh_tc_read_list(&r, &et, &n) == 0 && et == LH_TC_I32 && n == 3);
    uint8_t l15[1 + 1 + 15] = {0xF5, 0x0F};
    lh_tc_reader_init(&r, l15, sizeof l15, NULL);
    CHECK(lh_tc_read_list(&r, &et, &n) == 0 && et == LH_TC_I32 && n == 15);
    uint8_t l300[3 + 300] = {0xF3, 0xAC, 0x02};
    lh_tc_reader_init(&r, l300, sizeof l300, NULL);
    CHECK(lh_tc_read_list(&r, &et, &n) == 0 && et == LH_TC_I8 && n == 300);
    /* set<bool> with both element-type spellings; elements 1 true, 0 and 2 false */
    static const uint8_t sb[] = {0x31, 0x01, 0x00, 0x02, 0x12, 0x01};
    bool bv[4];
    lh_tc_reader_init(&r, sb, sizeof sb, NULL);
    CHECK(lh_tc_read_list(&r, &et, &n) == 0 && et == LH_TC_BOOL && n == 3);
    for (int i = 0; i < 3; i++)
        CHECK(lh_tc_read_bool(&r, &bv[i]) == 0);
    CHECK(bv[0] && !bv[1] && !bv[2]);
    CHECK(lh_tc_read_list(&r, &et, &n) == 0 && et == LH_TC_BOOL && n == 1);
    /* map: empty is one 0 byte; map<binary,i32>[2] is 02 85 */
    static const uint8_t m[] = {0x00, 0x02, 0x85, 0x01, 'k', 0x02, 0x01, 'l', 0x04};
    lh_tc_reader_init(&r, m, sizeof m, NULL);
    CHECK(lh_tc_read_map(&r, &kt, &vt, &n) == 0 && n == 0);
    CHECK(lh_tc_read_map(&r, &kt, &vt, &n) == 0 && n == 2 && kt == LH_TC_BINARY && vt == LH_TC_I32);

    lh_buf_t b;
    lh_tc_writer_t w;
    lh_buf_init(&b, 0);
    lh_tc_writer_init(&w, &b);
    lh_tc_write_list(&w, LH_TC_I32, 3);
    lh_tc_write_list(&w, LH_TC_I32, 15);
    lh_tc_write_list(&w, LH_TC_I8, 300);
    lh_tc_write_map(&w, 0, 0, 0);
    lh_tc_write_map(&w, LH_TC_BINARY, LH_TC_I32, 2);
    CHECK(lh_buf_err(&b) == 0 && b.len == 1 + 2 + 3 + 1 + 2);
    CHECK(!memcmp(b.ptr, "\x35\xF5\x0F\xF3\xAC\x02\x00\x02\x85", 9));
    lh_buf_free(&b);
}

static void test_double(void)
{
    static const uint8_t d[] = {0, 0, 0, 0, 0, 0, 0xF8, 0x3F}; /* 1.5, little-endian */
    lh_tc_reader_t r;
    double v;
    lh_tc_reader_init(&r, d, 8, NULL);
    CHECK(lh_tc_read_double(&r, &v) == 0 && v == 1.5);
    lh_buf_t b;
    lh_tc_writer_t w;
    lh_buf_init(&b, 0);
    lh_tc_writer_init(&w, &b);
    lh_tc_write_double(&w, 1.5);
    CHECK(b.len == 8 && !memcmp(b.ptr, d, 8));
    lh_buf_free(&b);
}

static void test_huge_sizes_fail_before_allocating(void)
{
    lh_tc_reader_t r;
    lh_err_t err = {0};
    int et;
    uint32_t n;
    lh_str_t s;
    /* a list of 2^31 i32 */
    static const uint8_t l31[] = {0xF5, 0x80, 0x80, 0x80, 0x80, 0x08};
    lh_tc_reader_init(&r, l31, sizeof l31, &err);
    CHECK_EQ_INT(lh_tc_read_list(&r, &et, &n), LH_ECORRUPT);
    CHECK(strstr(err.msg, "2^31"));
    /* 2^31 - 1 structs promised by 10 bytes */
    static const uint8_t lmax[] = {0xFC, 0xFF, 0xFF, 0xFF, 0xFF, 0x07, 0, 0, 0, 0};
    lh_tc_reader_init(&r, lmax, sizeof lmax, &err);
    CHECK_EQ_INT(lh_tc_read_list(&r, &et, &n), LH_ECORRUPT);
    CHECK(strstr(err.msg, "cannot fit in the 4 bytes left"));
    /* 3 doubles need 24 bytes */
    uint8_t ld[1 + 23] = {0x37};
    lh_tc_reader_init(&r, ld, sizeof ld, NULL);
    CHECK_EQ_INT(lh_tc_read_list(&r, &et, &n), LH_ECORRUPT);
    /* a binary of 4 GiB and one of 2^31 - 1 bytes, with 3 bytes left */
    static const uint8_t b4g[] = {0x80, 0x80, 0x80, 0x80, 0x10, 'a', 'b', 'c'};
    lh_tc_reader_init(&r, b4g, sizeof b4g, &err);
    CHECK_EQ_INT(lh_tc_read_binary(&r, &s), LH_ECORRUPT);
    CHECK(strstr(err.msg, "over 2^31"));
    static const uint8_t b2g[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x07, 'a', 'b', 'c'};
    lh_tc_reader_init(&r, b2g, sizeof b2g, &err);
    CHECK_EQ_INT(lh_tc_read_binary(&r, &s), LH_ECORRUPT);
    CHECK(strstr(err.msg, "only 3 left"));
    /* a map of 10 i64 -> double pairs in 20 bytes */
    uint8_t mp[2 + 18] = {0x0A, 0x67};
    int kt, vt;
    lh_tc_reader_init(&r, mp, sizeof mp, NULL);
    CHECK_EQ_INT(lh_tc_read_map(&r, &kt, &vt, &n), LH_ECORRUPT);
}

/* A struct holding one field of every type, then field 99: i32 42. */
static void every_type(lh_buf_t *b)
{
    lh_tc_writer_t w;
    static const uint8_t uuid[16] = {1, 2, 3};
    lh_tc_writer_init(&w, b);
    lh_tc_write_struct_begin(&w);
    lh_tc_write_bool_field(&w, 1, true);
    lh_tc_write_bool_field(&w, 2, false);
    lh_tc_write_field(&w, LH_TC_I8, 3);
    lh_tc_write_i8(&w, -3);
    lh_tc_write_field(&w, LH_TC_I16, 4);
    lh_tc_write_i16(&w, -300);
    lh_tc_write_i32_field(&w, 5, 70000);
    lh_tc_write_i64_field(&w, 6, INT64_MAX);
    lh_tc_write_field(&w, LH_TC_DOUBLE, 7);
    lh_tc_write_double(&w, -2.25);
    lh_tc_write_binary_field(&w, 8, "xyz", 3);
    lh_tc_write_field(&w, LH_TC_LIST, 9); /* list<list<bool>> */
    lh_tc_write_list(&w, LH_TC_LIST, 2);
    lh_tc_write_list(&w, LH_TC_BOOL, 2);
    lh_tc_write_bool(&w, true);
    lh_tc_write_bool(&w, false);
    lh_tc_write_list(&w, LH_TC_BOOL, 0);
    lh_tc_write_field(&w, LH_TC_SET, 10); /* set<binary> */
    lh_tc_write_list(&w, LH_TC_BINARY, 1);
    lh_tc_write_string(&w, "s");
    lh_tc_write_field(&w, LH_TC_MAP, 11); /* map<i32, struct> */
    lh_tc_write_map(&w, LH_TC_I32, LH_TC_STRUCT, 1);
    lh_tc_write_i32(&w, 1);
    lh_tc_write_struct_begin(&w);
    lh_tc_write_bool_field(&w, 1, true);
    lh_tc_write_struct_end(&w);
    lh_tc_write_struct_field(&w, 12); /* struct { 200: double } */
    lh_tc_write_field(&w, LH_TC_DOUBLE, 200);
    lh_tc_write_double(&w, 1.0);
    lh_tc_write_struct_end(&w);
    lh_tc_write_field(&w, LH_TC_UUID, 13);
    lh_tc_write_uuid(&w, uuid);
    lh_tc_write_field(&w, LH_TC_MAP, 14); /* empty map */
    lh_tc_write_map(&w, 0, 0, 0);
    lh_tc_write_i32_field(&w, 99, 42);
    lh_tc_write_struct_end(&w);
}

static void test_skip_every_type(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    every_type(&b);
    CHECK(lh_buf_err(&b) == 0);
    lh_tc_reader_t r;
    lh_tc_field_t f;
    int32_t v = 0;
    int seen = 0;
    lh_tc_reader_init(&r, b.ptr, b.len, NULL);
    CHECK(lh_tc_struct_begin(&r) == 0);
    while (lh_tc_read_field(&r, &f) == 0 && f.type != LH_TC_STOP) {
        if (f.id == 99) {
            CHECK(lh_tc_read_i32(&r, &v) == 0);
        } else {
            CHECK_EQ_INT(lh_tc_skip_field(&r, &f), 0);
            CHECK_EQ_INT(f.type, f.id <= 2 ? LH_TC_BOOL : f.id == 14 ? LH_TC_MAP : f.id);
            seen++;
        }
    }
    CHECK(r.rc == 0 && v == 42);
    CHECK_EQ_INT(seen, 14);
    CHECK(lh_tc_struct_end(&r) == 0 && lh_tc_reader_pos(&r) == b.len);
    /* whole, as one unknown struct */
    lh_tc_reader_init(&r, b.ptr, b.len, NULL);
    CHECK(lh_tc_skip(&r, LH_TC_STRUCT) == 0 && lh_tc_reader_pos(&r) == b.len);
    lh_buf_free(&b);
}

static void test_unknown_types_refused(void)
{
    lh_tc_reader_t r;
    lh_tc_field_t f;
    lh_err_t err = {0};
    lh_tc_reader_init(&r, u8("\x1E\x00"), 2, &err); /* field type 14 */
    lh_tc_struct_begin(&r);
    CHECK_EQ_INT(lh_tc_read_field(&r, &f), LH_ECORRUPT);
    CHECK(strstr(err.msg, "unknown field type 14"));
    int et;
    uint32_t n;
    lh_tc_reader_init(&r, u8("\x1F\x00"), 2, NULL); /* list of one type-15 element */
    CHECK_EQ_INT(lh_tc_read_list(&r, &et, &n), LH_ECORRUPT);
    lh_tc_reader_init(&r, u8("\x15"), 1, &err); /* a field header with no struct open */
    CHECK_EQ_INT(lh_tc_read_field(&r, &f), LH_ECORRUPT);
    CHECK(strstr(err.msg, "outside a struct"));
}

/* depth structs each holding the next as field 1, the innermost empty (by
 * hand: the writer itself stops at LH_TC_MAX_DEPTH) */
static void nested_structs(lh_buf_t *b, int depth)
{
    for (int i = 0; i + 1 < depth; i++)
        lh_buf_append(b, "\x1C", 1);
    for (int i = 0; i < depth; i++)
        lh_buf_append(b, "", 1);
}

static void test_depth_limit(void)
{
    lh_buf_t b;
    lh_tc_reader_t r;
    lh_err_t err = {0};
    lh_buf_init(&b, 0);
    nested_structs(&b, LH_TC_MAX_DEPTH);
    lh_tc_reader_init(&r, b.ptr, b.len, NULL);
    CHECK(lh_tc_skip(&r, LH_TC_STRUCT) == 0 && lh_tc_reader_pos(&r) == b.len);
    lh_buf_reset(&b);
    nested_structs(&b, LH_TC_MAX_DEPTH + 1);
    lh_tc_reader_init(&r, b.ptr, b.len, &err);
    CHECK_EQ_INT(lh_tc_skip(&r, LH_TC_STRUCT), LH_ECORRUPT);
    CHECK(strstr(err.msg, "nesting deeper than 32"));
    /* lists of lists count too: 100 levels of list<list> then an empty list */
    lh_buf_reset(&b);
    for (int i = 0; i < 100; i++)
        lh_buf_append(&b, "\x19", 1);
    lh_buf_append(&b, "\x03", 1);
    lh_tc_reader_init(&r, b.ptr, b.len, &err);
    CHECK_EQ_INT(lh_tc_skip(&r, LH_TC_LIST), LH_ECORRUPT);
    CHECK(strstr(err.msg, "nesting deeper"));
    /* the writer refuses to nest deeper than the reader reads */
    lh_buf_reset(&b);
    lh_tc_writer_t w;
    lh_tc_writer_init(&w, &b);
    for (int i = 0; i < LH_TC_MAX_DEPTH; i++)
        CHECK(lh_tc_write_struct_begin(&w) == 0);
    CHECK_EQ_INT(lh_tc_write_struct_begin(&w), LH_EINVAL);
    lh_buf_free(&b);
}

static const lh_test_t tests[] = {
    {"varint_and_zigzag", test_varint_and_zigzag},
    {"varint_limits", test_varint_limits},
    {"field_headers_read", test_field_headers_read},
    {"field_headers_write", test_field_headers_write},
    {"every_prefix_fails_cleanly", test_every_prefix_fails_cleanly},
    {"containers", test_containers},
    {"double", test_double},
    {"huge_sizes_fail_before_allocating", test_huge_sizes_fail_before_allocating},
    {"skip_every_type", test_skip_every_type},
    {"unknown_types_refused", test_unknown_types_refused},
    {"depth_limit", test_depth_limit},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
