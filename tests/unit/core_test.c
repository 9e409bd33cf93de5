/* Unit tests for the small core pieces: buffers, arenas, strings, base64. */
#include "core/arena.h"
#include "core/buf.h"
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

static void buf_xml_escape(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_buf_xml_escape(&b, "a<b&\"c'\x01", 8), 0);
    CHECK_EQ_STR(b.ptr, "a&lt;b&amp;&quot;c&apos;&#x1;");
    lh_buf_free(&b);
}

static int cleaned;
static void mark(void *p) { (void)p; cleaned++; }

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

static void str_u64_strict(void)
{
    uint64_t v;
    CHECK_EQ_INT(lh_str_to_u64(LH_STR("18446744073709551615"), &v), 0);
    CHECK(v == UINT64_MAX);
    CHECK_EQ_INT(lh_str_to_u64(LH_STR("18446744073709551616"), &v), LH_EINVAL);
    CHECK_EQ_INT(lh_str_to_u64(LH_STR("12a"), &v), LH_EINVAL);
    CHECK_EQ_INT(lh_str_to_u64(LH_STR(""), &v), LH_EINVAL);
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

static const lh_test_t tests[] = {
    {"buf_cap_is_hard", buf_cap_is_hard},
    {"buf_xml_escape", buf_xml_escape},
    {"arena_allocs_and_cleans", arena_allocs_and_cleans},
    {"str_u64_strict", str_u64_strict},
    {"base64_roundtrip", base64_roundtrip},
    {NULL, NULL},
};
LH_TEST_MAIN(tests)
