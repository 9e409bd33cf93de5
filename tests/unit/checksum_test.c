/* Unit tests for core/checksum and core/crypto: check values of each CRC,
 * incremental updates at odd splits, CRC combination against direct
 * computation, the digests, HMAC and PBKDF2 against published vectors,
 * constant-time comparison, and the name tables (with the S3 header names
 * the store keeps). */
#include "core/checksum.h"
#include "core/crypto.h"
#include "core/str.h"
#include "store/s3_int.h"
#include "test.h"

static const char check_input[] = "123456789";

static uint64_t crc_of(int algo, const void *p, size_t n)
{
    lh_cksum_t c;
    unsigned char raw[32];
    if (lh_cksum_init(&c, algo)) return 0;
    lh_cksum_update(&c, p, n);
    lh_cksum_final(&c, raw);
    return lh_crc_from_bytes(algo, raw);
}

static void crc_check_values(void)
{
    CHECK(crc_of(LH_CK_CRC32, check_input, 9) == 0xcbf43926u);
    CHECK(crc_of(LH_CK_CRC32C, check_input, 9) == 0xe3069283u);
    CHECK(crc_of(LH_CK_CRC64NVME, check_input, 9) == 0xae8b14860a799888ull);
}

/* The same values through the CRC32C table path (test builds honour the
 * LH_CRC32C_SOFT hook; elsewhere this repeats the hardware path). */
static void crc32c_table_path(void)
{
    setenv("LH_CRC32C_SOFT", "1", 1);
    CHECK(crc_of(LH_CK_CRC32C, check_input, 9) == 0xe3069283u);
    unsigned char buf[1000];
    for (int i = 0; i < 1000; i++)
        buf[i] = (unsigned char)(i * 7 + 3);
    /* bitwise reference */
    uint32_t c = ~0u;
    for (int i = 0; i < 1000; i++) {
        c ^= buf[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
    }
    CHECK(crc_of(LH_CK_CRC32C, buf, 1000) == (uint64_t)(uint32_t)~c);
}

static void crc_incremental_any_split(void)
{
    unsigned char buf[777];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 31 + 11);
    int algos[] = {LH_CK_CRC32, LH_CK_CRC32C, LH_CK_CRC64NVME};
    for (int a = 0; a < 3; a++) {
        uint64_t whole = crc_of(algos[a], buf, sizeof buf);
        for (size_t step = 1; step < 20; step++) {
            lh_cksum_t c;
            unsigned char raw[8];
            CHECK_EQ_INT(lh_cksum_init(&c, algos[a]), 0);
            for (size_t off = 0; off < sizeof buf; off += step)
                lh_cksum_update(&c, buf + off, off + step > sizeof buf ? sizeof buf - off : step);
            lh_cksum_final(&c, raw);
            CHECK(lh_crc_from_bytes(algos[a], raw) == whole);
        }
    }
}

static void crc_combine_random_splits(void)
{
    unsigned char buf[4096];
    unsigned s = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        s = s * 1103515245u + 12345u;
        buf[i] = (unsigned char)(s >> 16);
    }
    int algos[] = {LH_CK_CRC32, LH_CK_CRC32C, LH_CK_CRC64NVME};
    for (int a = 0; a < 3; a++) {
        uint64_t whole = crc_of(algos[a], buf, sizeof buf);
        for (int k = 0; k < 50; k++) {
            s = s * 1103515245u + 12345u;
            size_t cut = (s >> 8) % (sizeof buf + 1);
            uint64_t ca = crc_of(algos[a], buf, cut);
            uint64_t cb = crc_of(algos[a], buf + cut, sizeof buf - cut);
            CHECK(lh_crc_combine(algos[a], ca, cb, sizeof buf - cut) == whole);
        }
        /* three pieces, folded left */
        uint64_t c1 = crc_of(algos[a], buf, 100), c2 = crc_of(algos[a], buf + 100, 1000);
        uint64_t c3 = crc_of(algos[a], buf + 1100, sizeof buf - 1100);
        uint64_t ab = lh_crc_combine(algos[a], c1, c2, 1000);
        CHECK(lh_crc_combine(algos[a], ab, c3, sizeof buf - 1100) == whole);
    }
}

static void crc32_base64_matches_sdk(void)
{
    lh_cksum_t c;
    unsigned char raw[32];
    char b64[16];
    CHECK_EQ_INT(lh_cksum_init(&c, LH_CK_CRC32), 0);
    lh_cksum_update(&c, "hello world\n", 12);
    CHECK_EQ_INT(lh_cksum_final(&c, raw), 4);
    lh_base64_encode(raw, 4, b64);
    CHECK_EQ_STR(b64, "rwg7LQ==");
}

/* The trailer example on AWS's "Signature calculations for trailing headers"
 * page: 66560 bytes of 'a' carry x-amz-checksum-crc32c:sOO8/Q==. */
static void crc32c_aws_trailer_example(void)
{
    static char buf[66560];
    memset(buf, 'a', sizeof buf);
    lh_cksum_t c;
    unsigned char raw[32];
    char b64[16];
    CHECK_EQ_INT(lh_cksum_init(&c, LH_CK_CRC32C), 0);
    lh_cksum_update(&c, buf, sizeof buf);
    lh_cksum_final(&c, raw);
    lh_base64_encode(raw, 4, b64);
    CHECK_EQ_STR(b64, "sOO8/Q==");
}

static void digest_hex(int algo, const char *in, char *hex)
{
    lh_cksum_t c;
    unsigned char raw[32];
    hex[0] = 0;
    if (lh_cksum_init(&c, algo)) return;
    lh_cksum_update(&c, in, strlen(in));
    size_t n = lh_cksum_final(&c, raw);
    lh_hex(raw, n, hex);
}

static void digests_known_vectors(void)
{
    char hex[65];
    digest_hex(LH_CK_SHA1, "abc", hex);
    CHECK_EQ_STR(hex, "a9993e364706816aba3e25717850c26c9cd0d89d");
    digest_hex(LH_CK_SHA256, "abc", hex);
    CHECK_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    digest_hex(LH_CK_MD5, "abc", hex);
    CHECK_EQ_STR(hex, "900150983cd24fb0d6963f7d28e17f72");
    unsigned char d[32];
    lh_sha256("", 0, d);
    lh_hex(d, 32, hex);
    CHECK_EQ_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    lh_md5("", 0, d);
    lh_hex(d, 16, hex);
    CHECK_EQ_STR(hex, "d41d8cd98f00b204e9800998ecf8427e");
}

/* RFC 4231 test case 2. */
static void hmac_sha256_rfc4231(void)
{
    unsigned char mac[32];
    char hex[65];
    const char *data = "what do ya want for nothing?";
    lh_hmac_sha256("Jefe", 4, data, strlen(data), mac);
    lh_hex(mac, 32, hex);
    CHECK_EQ_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void names_and_lengths(void)
{
    CHECK_EQ_INT(lh_cksum_algo_parse("crc32", 5), LH_CK_CRC32);
    CHECK_EQ_INT(lh_cksum_algo_parse("CRC32C", 6), LH_CK_CRC32C);
    CHECK_EQ_INT(lh_cksum_algo_parse("CRC64NVME", 9), LH_CK_CRC64NVME);
    CHECK_EQ_INT(lh_cksum_algo_parse("sha256", 6), LH_CK_SHA256);
    CHECK_EQ_INT(lh_cksum_algo_parse("SHA1", 4), LH_CK_SHA1);
    CHECK_EQ_INT(lh_cksum_algo_parse("CRC3", 4), LH_CK_NONE);
    CHECK_EQ_INT(lh_cksum_algo_parse("CRC32X", 6), LH_CK_NONE);
    CHECK_EQ_STR(lh_cksum_algo_name(LH_CK_CRC64NVME), "CRC64NVME");
    CHECK_EQ_STR(lh__s3_cksum_header(LH_CK_CRC32C), "x-amz-checksum-crc32c");
    CHECK_EQ_STR(lh__s3_cksum_header(LH_CK_SHA1), "x-amz-checksum-sha1");
    int lens[] = {0, 4, 4, 8, 20, 32, 16};
    for (int a = 0; a < LH_CK_COUNT; a++)
        CHECK_EQ_INT(lh_cksum_len(a), lens[a]);
    unsigned char raw[8];
    lh_crc_to_bytes(LH_CK_CRC64NVME, 0x0102030405060708ull, raw);
    CHECK(raw[0] == 1 && raw[7] == 8);
    CHECK(lh_crc_from_bytes(LH_CK_CRC64NVME, raw) == 0x0102030405060708ull);
}

static void free_is_idempotent(void)
{
    lh_cksum_t c;
    CHECK_EQ_INT(lh_cksum_init(&c, LH_CK_SHA256), 0);
    lh_cksum_update(&c, "x", 1);
    lh_cksum_free(&c);
    lh_cksum_free(&c);
    CHECK(c.md == NULL);
    CHECK(lh_cksum_init(&c, 99) != 0);
}

/* One-shot digests and HMACs against FIPS 180 / RFC 1321 / RFC 2202 / RFC 4231
 * vectors, including keys longer than a block (hashed first). */
static const struct {
    const char *name;
    void (*fn)(const void *, size_t, unsigned char *);
    size_t len;
    const char *in, *hex;
} oneshots[] = {
    {"md5", lh_md5, 16, "abc", "900150983cd24fb0d6963f7d28e17f72"},
    {"sha1", lh_sha1, 20, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
    {"sha256", lh_sha256, 32, "abc",
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
};

static void oneshot_digests(void)
{
    for (size_t i = 0; i < sizeof oneshots / sizeof oneshots[0]; i++) {
        unsigned char d[32];
        char hex[65];
        oneshots[i].fn(oneshots[i].in, strlen(oneshots[i].in), d);
        lh_hex(d, oneshots[i].len, hex);
        CHECK_EQ_STR(hex, oneshots[i].hex);
    }
}

static void hmac_long_keys_and_sha1(void)
{
    unsigned char key[131], mac[32];
    char hex[65];
    const char *data = "Test Using Larger Than Block-Size Key - Hash Key First";
    memset(key, 0xaa, sizeof key);
    lh_hmac_sha256(key, 131, data, strlen(data), mac);
    lh_hex(mac, 32, hex);
    CHECK_EQ_STR(hex, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    lh_hmac_sha1(key, 80, data, strlen(data), mac);
    lh_hex(mac, 20, hex);
    CHECK_EQ_STR(hex, "aa4ae5e15272d00e95705637ce8a3b55ed402112");
    lh_hmac_sha1("Jefe", 4, "what do ya want for nothing?", 28, mac);
    lh_hex(mac, 20, hex);
    CHECK_EQ_STR(hex, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    /* out may alias the key, as the SigV4 key chain does */
    memcpy(mac, "Jefe", 4);
    lh_hmac_sha256(mac, 4, "what do ya want for nothing?", 28, mac);
    lh_hex(mac, 32, hex);
    CHECK_EQ_STR(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/* RFC 7914 section 11 (PBKDF2-HMAC-SHA256, c=1, 64 bytes) and a 4096-round one. */
static void pbkdf2_sha256_vectors(void)
{
    unsigned char dk[64];
    char hex[129];
    CHECK_EQ_INT(lh_pbkdf2_sha256("passwd", 6, "salt", 4, 1, dk, 64), 0);
    lh_hex(dk, 64, hex);
    CHECK_EQ_STR(hex, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                      "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
    CHECK_EQ_INT(lh_pbkdf2_sha256("password", 8, "salt", 4, 4096, dk, 32), 0);
    lh_hex(dk, 32, hex);
    CHECK_EQ_STR(hex, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
    CHECK_EQ_INT(lh_pbkdf2_sha256("p", 1, "s", 1, 0, dk, 32), LH_EINVAL);
}

static void ct_compare(void)
{
    CHECK(lh_ct_equal("abcd", "abcd", 4));
    CHECK(!lh_ct_equal("abcd", "abce", 4));
    CHECK(lh_ct_equal("", "x", 0));
    CHECK(lh_ct_streq("sig", "sig"));
    CHECK(!lh_ct_streq("sig", "sig2"));
    CHECK(!lh_ct_streq("sig2", "sig"));
    CHECK(lh_ct_streq("", ""));
}

/* The one-shot CRC32C Kafka uses agrees with the incremental one, in pieces too. */
static void crc32c_oneshot(void)
{
    CHECK(lh_crc32c(0, check_input, 9) == 0xe3069283u);
    CHECK(lh_crc32c(lh_crc32c(0, check_input, 4), check_input + 4, 5) == 0xe3069283u);
    CHECK(lh_crc32c(0, "", 0) == 0);
}

static void random_bytes_differ(void)
{
    unsigned char a[32], b[32];
    CHECK_EQ_INT(lh_random_bytes(a, sizeof a), 0);
    CHECK_EQ_INT(lh_random_bytes(b, sizeof b), 0);
    CHECK(memcmp(a, b, sizeof a) != 0);
    lh_wipe(a, sizeof a);
    memset(b, 0, sizeof b);
    CHECK(memcmp(a, b, sizeof a) == 0);
}

static const lh_test_t tests[] = {
    {"crc_check_values", crc_check_values},
    {"crc32c_table_path", crc32c_table_path},
    {"crc_incremental_any_split", crc_incremental_any_split},
    {"crc_combine_random_splits", crc_combine_random_splits},
    {"crc32_base64_matches_sdk", crc32_base64_matches_sdk},
    {"crc32c_aws_trailer_example", crc32c_aws_trailer_example},
    {"digests_known_vectors", digests_known_vectors},
    {"hmac_sha256_rfc4231", hmac_sha256_rfc4231},
    {"names_and_lengths", names_and_lengths},
    {"free_is_idempotent", free_is_idempotent},
    {"oneshot_digests", oneshot_digests},
    {"hmac_long_keys_and_sha1", hmac_long_keys_and_sha1},
    {"pbkdf2_sha256_vectors", pbkdf2_sha256_vectors},
    {"ct_compare", ct_compare},
    {"crc32c_oneshot", crc32c_oneshot},
    {"random_bytes_differ", random_bytes_differ},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
