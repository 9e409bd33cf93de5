/* Unit tests for core/url and the hex helpers of core/str: decoding in each
 * mode (lenient, strict, no NUL, '+' as space, in place, capped), encoding
 * with each set, re-encoding, and the query iterator, as tables. */
#include "core/arena.h"
#include "core/err.h"
#include "core/url.h"
#include "test.h"

static const struct {
    const char *in;
    unsigned flags;
    long want_rc; /* length, or an LH_E* code */
    const char *want;
} decodes[] = {
    {"a%20b", 0, 3, "a b"},
    {"%7e%7E", 0, 2, "~~"},
    {"a+b", 0, 3, "a+b"},
    {"a+b", LH_URL_PLUS_SPACE, 3, "a b"},
    {"%2", 0, 2, "%2"}, /* lenient: a bad escape stays */
    {"%zz%41", 0, 4, "%zzA"},
    {"100%", 0, 4, "100%"},
    {"%2", LH_URL_STRICT, LH_EINVAL, NULL},
    {"%zz", LH_URL_STRICT, LH_EINVAL, NULL},
    {"%4", LH_URL_STRICT, LH_EINVAL, NULL},
    {"a%00b", LH_URL_NO_NUL, LH_EINVAL, NULL},
    {"", LH_URL_STRICT, 0, ""},
    {"%E2%82%AC", LH_URL_STRICT | LH_URL_NO_NUL, 3, "\xe2\x82\xac"},
};

static void decode_table(void)
{
    for (size_t i = 0; i < sizeof decodes / sizeof decodes[0]; i++) {
        char out[32];
        lh_str_t s = {decodes[i].in, strlen(decodes[i].in)};
        long rc = lh_url_decode(s, out, sizeof out, decodes[i].flags);
        if (rc != decodes[i].want_rc) fprintf(stderr, "  case %zu: \"%s\"\n", i, decodes[i].in);
        CHECK_EQ_INT(rc, decodes[i].want_rc);
        if (decodes[i].want) CHECK_EQ_STR(out, decodes[i].want);
    }
}

/* A decoded NUL is kept by default (the length says where the string ends). */
static void decode_keeps_nul_by_default(void)
{
    char out[8];
    CHECK_EQ_INT(lh_url_decode(LH_STR("a%00b"), out, sizeof out, 0), 3);
    CHECK(out[0] == 'a' && out[1] == 0 && out[2] == 'b' && out[3] == 0);
}

static void decode_caps_and_in_place(void)
{
    char out[4];
    CHECK_EQ_INT(lh_url_decode(LH_STR("abc"), out, sizeof out, 0), 3);
    CHECK_EQ_INT(lh_url_decode(LH_STR("abcd"), out, sizeof out, 0), LH_ETOOBIG);
    CHECK_EQ_INT(lh_url_decode(LH_STR("%41%42%43"), out, sizeof out, 0), 3);
    CHECK_EQ_INT(lh_url_decode(LH_STR(""), out, 0, 0), LH_ETOOBIG);
    char buf[] = "a%2Fb+c%3";
    CHECK_EQ_INT(lh_url_decode((lh_str_t){buf, strlen(buf)}, buf, sizeof buf, LH_URL_PLUS_SPACE),
                 7);
    CHECK_EQ_STR(buf, "a/b c%3");
}

static void decode_into_arena(void)
{
    lh_arena_t *a = lh_arena_new(256);
    CHECK(a != NULL);
    char *s = lh_url_decode_arena(a, LH_STR("x%3Dy"), LH_URL_STRICT);
    CHECK(s != NULL);
    CHECK_EQ_STR(s, "x=y");
    CHECK(lh_url_decode_arena(a, LH_STR("x%3"), LH_URL_STRICT) == NULL);
    lh_arena_free(a);
}

static const struct {
    const char *in;
    unsigned flags;
    const char *want;
} encodes[] = {
    {"a b/c~d", 0, "a%20b%2Fc~d"},
    {"a b/c~d", LH_URL_KEEP_SLASH, "a%20b/c~d"},
    {"a b", LH_URL_FORM, "a+b"},
    {"a+b", LH_URL_FORM, "a%2Bb"},
    {"k=v&w:x@y!*'()", 0, "k%3Dv%26w%3Ax%40y%21%2A%27%28%29"},
    {"k=v&w:x@y!*'()/", LH_URL_PCHAR, "k=v&w:x@y!*'()%2F"},
    {"k=v&w:x@y!*'()/", LH_URL_PCHAR | LH_URL_KEEP_SLASH, "k=v&w:x@y!*'()/"},
    {"\xe2\x82\xac", 0, "%E2%82%AC"},
    {"AZaz09-._~", 0, "AZaz09-._~"},
    {"", 0, ""},
};

static void encode_table(void)
{
    for (size_t i = 0; i < sizeof encodes / sizeof encodes[0]; i++) {
        lh_buf_t b;
        lh_buf_init(&b, 0);
        CHECK_EQ_INT(
            lh_url_encode(&b, (lh_str_t){encodes[i].in, strlen(encodes[i].in)}, encodes[i].flags),
            0);
        CHECK_EQ_STR(b.ptr ? b.ptr : "", encodes[i].want);
        lh_buf_free(&b);
    }
}

/* Every byte value survives encode + decode, with each set. */
static void encode_decode_roundtrip(void)
{
    char all[256], out[256];
    for (int i = 0; i < 256; i++)
        all[i] = (char)i;
    unsigned sets[] = {0, LH_URL_KEEP_SLASH, LH_URL_PCHAR, LH_URL_FORM};
    for (size_t k = 0; k < 4; k++) {
        lh_buf_t b;
        lh_buf_init(&b, 0);
        CHECK_EQ_INT(lh_url_encode(&b, (lh_str_t){all, 256}, sets[k]), 0);
        unsigned dflags = LH_URL_STRICT | (sets[k] == LH_URL_FORM ? LH_URL_PLUS_SPACE : 0);
        CHECK_EQ_INT(lh_url_decode((lh_str_t){b.ptr, b.len}, out, sizeof out, dflags),
                     LH_ETOOBIG); /* 256 bytes need 257 with the NUL */
        char big[257];
        CHECK_EQ_INT(lh_url_decode((lh_str_t){b.ptr, b.len}, big, sizeof big, dflags), 256);
        CHECK(memcmp(big, all, 256) == 0);
        lh_buf_free(&b);
    }
}

/* SigV4's canonical form: escapes normalised to upper case, unreserved
 * characters decoded, bad escapes encoded. */
static void recode_normalises(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    CHECK_EQ_INT(lh_url_recode(&b, LH_STR("%7e%2f a%zz+"), 0), 0);
    CHECK_EQ_STR(b.ptr, "~%2F%20a%25zz%2B");
    lh_buf_free(&b);
}

static void encode_respects_cap(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 5);
    CHECK_EQ_INT(lh_url_encode(&b, LH_STR("ab c"), 0), LH_ETOOBIG);
    lh_buf_free(&b);
}

static void query_iterates(void)
{
    lh_url_query_t q;
    const char *want[][2] = {{"a", "1"}, {"b", ""}, {"c", "x=y"}, {"", "e"}, {"d%20", "%zz"}};
    int has[] = {1, 0, 1, 1, 1};
    lh_url_query_init(&q, LH_STR("a=1&&b&c=x=y&=e&d%20=%zz&"));
    for (size_t i = 0; i < 5; i++) {
        CHECK_EQ_INT(lh_url_query_next(&q), 1);
        CHECK(lh_str_eq(q.key, want[i][0]));
        CHECK(lh_str_eq(q.value, want[i][1]));
        CHECK_EQ_INT(q.has_value, has[i]);
    }
    CHECK_EQ_INT(lh_url_query_next(&q), 0);
    CHECK_EQ_INT(lh_url_query_next(&q), 0);
    lh_url_query_init(&q, LH_STR(""));
    CHECK_EQ_INT(lh_url_query_next(&q), 0);
}

static void query_decoded_and_find(void)
{
    lh_arena_t *a = lh_arena_new(256);
    lh_url_query_t q;
    char *k, *v;
    CHECK(a != NULL);
    lh_url_query_init(&q, LH_STR("x%2Dy=a%2Bb+c&bad=%z"));
    CHECK_EQ_INT(lh_url_query_next(&q), 1);
    CHECK_EQ_INT(lh_url_query_decoded(&q, a, LH_URL_STRICT, &k, &v), 0);
    CHECK_EQ_STR(k, "x-y");
    CHECK_EQ_STR(v, "a+b+c");
    CHECK_EQ_INT(lh_url_query_decoded(&q, a, LH_URL_PLUS_SPACE, &k, &v), 0);
    CHECK_EQ_STR(v, "a+b c");
    CHECK_EQ_INT(lh_url_query_next(&q), 1);
    CHECK_EQ_INT(lh_url_query_decoded(&q, a, LH_URL_STRICT, &k, &v), LH_EINVAL);
    lh_arena_free(a);

    lh_str_t val;
    CHECK_EQ_INT(lh_url_query_find(LH_STR("X-Amz-Date=1&X-Amz=2&flag"), "X-Amz", &val), 1);
    CHECK(lh_str_eq(val, "2"));
    CHECK_EQ_INT(lh_url_query_find(LH_STR("X-Amz-Date=1&X-Amz=2&flag"), "flag", &val), 1);
    CHECK_EQ_INT((int)val.len, 0);
    CHECK_EQ_INT(lh_url_query_find(LH_STR("a%3D=1"), "a=", &val), 0); /* raw keys */
}

static const struct {
    const char *in;
    long want_rc;
    const char *want;
} hexes[] = {
    {"00ff7Fa0", 4, "\x00\xff\x7f\xa0"},
    {"", 0, ""},
    {"abc", LH_EINVAL, NULL},
    {"0g", LH_EINVAL, NULL},
    {"0102030405", LH_ETOOBIG, NULL},
};

static void hex_decode_table(void)
{
    for (size_t i = 0; i < sizeof hexes / sizeof hexes[0]; i++) {
        unsigned char out[4];
        long rc = lh_hex_decode((lh_str_t){hexes[i].in, strlen(hexes[i].in)}, out, sizeof out);
        CHECK_EQ_INT(rc, hexes[i].want_rc);
        if (hexes[i].want) CHECK(memcmp(out, hexes[i].want, (size_t)rc) == 0);
    }
    CHECK_EQ_INT(lh_hex_digit('a'), 10);
    CHECK_EQ_INT(lh_hex_digit('F'), 15);
    CHECK_EQ_INT(lh_hex_digit('9'), 9);
    CHECK_EQ_INT(lh_hex_digit('g'), -1);
    CHECK_EQ_INT(lh_hex_digit(0), -1);
    unsigned char raw[3] = {0xde, 0xad, 0x01};
    char hex[7];
    lh_hex(raw, 3, hex);
    CHECK_EQ_STR(hex, "dead01");
    unsigned char back[3];
    CHECK_EQ_INT(lh_hex_decode((lh_str_t){hex, 6}, back, 3), 3);
    CHECK(memcmp(back, raw, 3) == 0);
}

static const lh_test_t tests[] = {
    {"decode_table", decode_table},
    {"decode_keeps_nul_by_default", decode_keeps_nul_by_default},
    {"decode_caps_and_in_place", decode_caps_and_in_place},
    {"decode_into_arena", decode_into_arena},
    {"encode_table", encode_table},
    {"encode_decode_roundtrip", encode_decode_roundtrip},
    {"recode_normalises", recode_normalises},
    {"encode_respects_cap", encode_respects_cap},
    {"query_iterates", query_iterates},
    {"query_decoded_and_find", query_decoded_and_find},
    {"hex_decode_table", hex_decode_table},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
