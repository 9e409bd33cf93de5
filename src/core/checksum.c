/* Checksums. CRC32 comes from zlib; CRC32C uses the
 * SSE4.2 crc32 instruction when the CPU has it (runtime check) and a
 * slicing-by-8 table otherwise; CRC64NVME is a slicing-by-8 table over the
 * reflected polynomial 0x9a6c9329ac4bc9b5. The digests (SHA1, SHA256, MD5) go
 * through OpenSSL EVP, with the handles core/crypto.c fetched once. CRCs of two pieces combine into
 * the CRC of the concatenation by multiplying with x^(8*len) modulo the polynomial, the same GF(2)
 * idea as zlib's crc32_combine, written once for 32 and 64 bits. */
#include "core/checksum.h"
#include "core/crypto_int.h"
#include "core/err.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#define CRC32C_POLY 0x82f63b78u              /* reflected Castagnoli */
#define CRC64NVME_POLY 0x9a6c9329ac4bc9b5ull /* reflected NVMe */
#define CRC32_POLY 0xedb88320u               /* reflected IEEE (zlib) */

static uint32_t crc32c_tab[8][256];
static uint64_t crc64_tab[8][256];
static int crc32c_hw;
static pthread_once_t tab_once = PTHREAD_ONCE_INIT;

static void tables_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint32_t c = i;
        uint64_t d = i;
        for (int k = 0; k < 8; k++) {
            c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1)));
            d = (d >> 1) ^ (CRC64NVME_POLY & (0ull - (d & 1)));
        }
        crc32c_tab[0][i] = c;
        crc64_tab[0][i] = d;
    }
    for (unsigned i = 0; i < 256; i++) {
        for (int t = 1; t < 8; t++) {
            uint32_t c = crc32c_tab[t - 1][i];
            uint64_t d = crc64_tab[t - 1][i];
            crc32c_tab[t][i] = (c >> 8) ^ crc32c_tab[0][c & 0xff];
            crc64_tab[t][i] = (d >> 8) ^ crc64_tab[0][d & 0xff];
        }
    }
#if defined(__x86_64__)
    __builtin_cpu_init();
    crc32c_hw = __builtin_cpu_supports("sse4.2");
#endif
#if defined(LH_TEST_HOOKS) && LH_TEST_HOOKS
    if (getenv("LH_CRC32C_SOFT")) /* lets the tests cover the table path */
        crc32c_hw = 0;
#endif
}

static uint64_t load_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Both CRCs here run on the pre-inverted register value. */
static uint32_t crc32c_sw(uint32_t c, const unsigned char *p, size_t n)
{
    while (n >= 8) {
        uint64_t w = load_le64(p) ^ c;
        c = crc32c_tab[7][w & 0xff] ^ crc32c_tab[6][(w >> 8) & 0xff] ^
            crc32c_tab[5][(w >> 16) & 0xff] ^ crc32c_tab[4][(w >> 24) & 0xff] ^
            crc32c_tab[3][(w >> 32) & 0xff] ^ crc32c_tab[2][(w >> 40) & 0xff] ^
            crc32c_tab[1][(w >> 48) & 0xff] ^ crc32c_tab[0][w >> 56];
        p += 8;
        n -= 8;
    }
    while (n--)
        c = (c >> 8) ^ crc32c_tab[0][(c ^ *p++) & 0xff];
    return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw_run(uint32_t c, const unsigned char *p,
                                                                size_t n)
{
    uint64_t c64 = c;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c64 = _mm_crc32_u64(c64, w);
        p += 8;
        n -= 8;
    }
    c = (uint32_t)c64;
    while (n--)
        c = _mm_crc32_u8(c, *p++);
    return c;
}
#endif

static uint32_t crc32c_update(uint32_t crc, const void *data, size_t n)
{
    pthread_once(&tab_once, tables_init);
    uint32_t c = ~crc;
#if defined(__x86_64__)
    if (crc32c_hw) return ~crc32c_hw_run(c, data, n);
#endif
    return ~crc32c_sw(c, data, n);
}

static uint64_t crc64_update(uint64_t crc, const void *data, size_t n)
{
    pthread_once(&tab_once, tables_init);
    const unsigned char *p = data;
    uint64_t c = ~crc;
    while (n >= 8) {
        uint64_t w = load_le64(p) ^ c;
        c = crc64_tab[7][w & 0xff] ^ crc64_tab[6][(w >> 8) & 0xff] ^
            crc64_tab[5][(w >> 16) & 0xff] ^ crc64_tab[4][(w >> 24) & 0xff] ^
            crc64_tab[3][(w >> 32) & 0xff] ^ crc64_tab[2][(w >> 40) & 0xff] ^
            crc64_tab[1][(w >> 48) & 0xff] ^ crc64_tab[0][w >> 56];
        p += 8;
        n -= 8;
    }
    while (n--)
        c = (c >> 8) ^ crc64_tab[0][(c ^ *p++) & 0xff];
    return ~c;
}

static uint32_t crc32_update(uint32_t crc, const void *data, size_t n)
{
    return (uint32_t)crc32_z(crc, data, n);
}

/* --- algorithm table --- */
typedef struct {
    const char *name; /* "CRC32" */
    size_t len;
    int width;     /* CRC width in bits; 0 for digests */
    uint64_t poly; /* reflected polynomial */
} algo_t;

static const algo_t algos[LH_CK_COUNT] = {
    [LH_CK_NONE] = {"NONE", 0, 0, 0},
    [LH_CK_CRC32] = {"CRC32", 4, 32, CRC32_POLY},
    [LH_CK_CRC32C] = {"CRC32C", 4, 32, CRC32C_POLY},
    [LH_CK_CRC64NVME] = {"CRC64NVME", 8, 64, CRC64NVME_POLY},
    [LH_CK_SHA1] = {"SHA1", 20, 0, 0},
    [LH_CK_SHA256] = {"SHA256", 32, 0, 0},
    [LH_CK_MD5] = {"MD5", 16, 0, 0},
};

static int valid(int algo)
{
    return algo > LH_CK_NONE && algo < LH_CK_COUNT;
}

size_t lh_cksum_len(int algo)
{
    return valid(algo) ? algos[algo].len : 0;
}

int lh_cksum_algo_parse(const char *name, size_t n)
{
    for (int a = LH_CK_CRC32; a < LH_CK_COUNT; a++)
        if (strlen(algos[a].name) == n && strncasecmp(algos[a].name, name, n) == 0) return a;
    return LH_CK_NONE;
}

const char *lh_cksum_algo_name(int algo)
{
    return valid(algo) ? algos[algo].name : "";
}

int lh_cksum_init(lh_cksum_t *c, int algo)
{
    c->algo = algo;
    c->crc = 0;
    c->md = NULL;
    const EVP_MD *md = lh__crypto_md(algo);
    if (!md) return valid(algo) ? 0 : LH_EINVAL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) return LH_ENOMEM;
    if (EVP_DigestInit_ex(ctx, md, NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return LH_ENOMEM;
    }
    c->md = ctx;
    return 0;
}

void lh_cksum_update(lh_cksum_t *c, const void *data, size_t n)
{
    switch (c->algo) {
    case LH_CK_CRC32:
        c->crc = crc32_update((uint32_t)c->crc, data, n);
        break;
    case LH_CK_CRC32C:
        c->crc = crc32c_update((uint32_t)c->crc, data, n);
        break;
    case LH_CK_CRC64NVME:
        c->crc = crc64_update(c->crc, data, n);
        break;
    default:
        if (c->md) EVP_DigestUpdate(c->md, data, n);
    }
}

size_t lh_cksum_final(lh_cksum_t *c, unsigned char *out)
{
    size_t len = lh_cksum_len(c->algo);
    if (algos[valid(c->algo) ? c->algo : 0].width) {
        lh_crc_to_bytes(c->algo, c->crc, out);
    } else if (c->md) {
        unsigned int n = 0;
        EVP_DigestFinal_ex(c->md, out, &n);
        len = n;
    } else {
        len = 0;
    }
    lh_cksum_free(c);
    return len;
}

void lh_cksum_free(lh_cksum_t *c)
{
    if (c->md) EVP_MD_CTX_free(c->md);
    c->md = NULL;
}

/* --- combine: multiplication modulo P in the reflected representation,
 * where the top bit (1 << (width-1)) stands for x^0. --- */
static uint64_t gf_mul(uint64_t a, uint64_t b, uint64_t poly, int width)
{
    uint64_t top = 1ull << (width - 1), prod = 0;
    for (uint64_t m = top; m; m >>= 1) {
        if (a & m) prod ^= b;
        b = (b & 1) ? (b >> 1) ^ poly : b >> 1;
    }
    return prod;
}

/* x^(8n) mod P. */
static uint64_t gf_x8n(uint64_t n, uint64_t poly, int width)
{
    uint64_t one = 1ull << (width - 1);
    uint64_t sq = one >> 1; /* x^1 */
    for (int i = 0; i < 3; i++)
        sq = gf_mul(sq, sq, poly, width); /* x^8 after three squarings */
    uint64_t r = one;
    while (n) {
        if (n & 1) r = gf_mul(sq, r, poly, width);
        sq = gf_mul(sq, sq, poly, width);
        n >>= 1;
    }
    return r;
}

uint64_t lh_crc_combine(int algo, uint64_t crc_a, uint64_t crc_b, uint64_t len_b)
{
    if (!valid(algo) || !algos[algo].width) return 0;
    const algo_t *a = &algos[algo];
    uint64_t mask = a->width == 64 ? ~0ull : (1ull << a->width) - 1;
    return (gf_mul(gf_x8n(len_b, a->poly, a->width), crc_a & mask, a->poly, a->width) ^ crc_b) &
           mask;
}

uint64_t lh_crc_from_bytes(int algo, const unsigned char *raw)
{
    size_t n = lh_cksum_len(algo);
    uint64_t v = 0;
    for (size_t i = 0; i < n && n <= 8; i++)
        v = v << 8 | raw[i];
    return v;
}

void lh_crc_to_bytes(int algo, uint64_t v, unsigned char *raw)
{
    size_t n = lh_cksum_len(algo);
    if (n > 8) return;
    for (size_t i = 0; i < n; i++)
        raw[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

uint32_t lh_crc32c(uint32_t crc, const void *data, size_t n)
{
    return crc32c_update(crc, data, n);
}
