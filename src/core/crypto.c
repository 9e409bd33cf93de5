/* Cryptographic primitives over OpenSSL. OpenSSL 3 looks a digest
 * implementation up on every init through the legacy EVP_sha256() handles
 * (about 0.6 us each), so the digests are fetched once (lh__crypto_md) and
 * HMAC is computed here over them (RFC 2104) instead of with HMAC(), which
 * costs about 4 us a call. */
#include "core/crypto.h"
#include "core/crypto_int.h"
#include "core/err.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <string.h>

static EVP_MD *fetched[LH_CK_COUNT];
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_digests(void)
{
    fetched[LH_CK_SHA1] = EVP_MD_fetch(NULL, "SHA1", NULL);
    fetched[LH_CK_SHA256] = EVP_MD_fetch(NULL, "SHA256", NULL);
    fetched[LH_CK_MD5] = EVP_MD_fetch(NULL, "MD5", NULL);
}

const EVP_MD *lh__crypto_md(int algo)
{
    pthread_once(&fetch_once, fetch_digests);
    switch (algo) {
    case LH_CK_SHA1:
        return fetched[algo] ? fetched[algo] : EVP_sha1();
    case LH_CK_SHA256:
        return fetched[algo] ? fetched[algo] : EVP_sha256();
    case LH_CK_MD5:
        return fetched[algo] ? fetched[algo] : EVP_md5();
    default:
        return NULL;
    }
}

static void digest(int algo, const void *data, size_t n, unsigned char *out)
{
    if (EVP_Digest(data, n, out, NULL, lh__crypto_md(algo), NULL) != 1)
        memset(out, 0, lh_cksum_len(algo));
}

void lh_md5(const void *data, size_t n, unsigned char out[16])
{
    digest(LH_CK_MD5, data, n, out);
}

void lh_sha1(const void *data, size_t n, unsigned char out[20])
{
    digest(LH_CK_SHA1, data, n, out);
}

void lh_sha256(const void *data, size_t n, unsigned char out[32])
{
    digest(LH_CK_SHA256, data, n, out);
}

/* HMAC with a 64-byte block digest (SHA-1, SHA-256): one context for both
 * passes. */
static void hmac(int algo, const void *key, size_t keylen, const void *data, size_t n,
                 unsigned char *out)
{
    unsigned char k[64] = {0}, pad[64], inner[32];
    size_t dlen = lh_cksum_len(algo);
    const EVP_MD *md = lh__crypto_md(algo);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (keylen > sizeof k)
        digest(algo, key, keylen, k);
    else if (keylen)
        memcpy(k, key, keylen);
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    int ok = c && EVP_DigestInit_ex(c, md, NULL) == 1 && EVP_DigestUpdate(c, pad, 64) == 1 &&
             EVP_DigestUpdate(c, data, n) == 1 && EVP_DigestFinal_ex(c, inner, NULL) == 1;
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    ok = ok && EVP_DigestInit_ex(c, md, NULL) == 1 && EVP_DigestUpdate(c, pad, 64) == 1 &&
         EVP_DigestUpdate(c, inner, dlen) == 1 && EVP_DigestFinal_ex(c, out, NULL) == 1;
    if (!ok) { /* out of memory: fall back to the one-shot call */
        unsigned int len = (unsigned int)dlen;
        if (!HMAC(md, key, (int)keylen, data, n, out, &len)) memset(out, 0, dlen);
    }
    EVP_MD_CTX_free(c);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(inner, sizeof inner);
}

void lh_hmac_sha256(const void *key, size_t keylen, const void *data, size_t n,
                    unsigned char out[32])
{
    hmac(LH_CK_SHA256, key, keylen, data, n, out);
}

void lh_hmac_sha1(const void *key, size_t keylen, const void *data, size_t n, unsigned char out[20])
{
    hmac(LH_CK_SHA1, key, keylen, data, n, out);
}

int lh_pbkdf2_sha256(const void *pass, size_t passlen, const void *salt, size_t saltlen,
                     int iterations, unsigned char *out, size_t outlen)
{
    if (iterations < 1 || passlen > INT32_MAX || saltlen > INT32_MAX || outlen > INT32_MAX)
        return LH_EINVAL;
    if (PKCS5_PBKDF2_HMAC(pass, (int)passlen, salt, (int)saltlen, iterations,
                          lh__crypto_md(LH_CK_SHA256), (int)outlen, out) != 1)
        return LH_EIO;
    return 0;
}

int lh_ct_equal(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

int lh_ct_streq(const char *a, const char *b)
{
    size_t n = strlen(a);
    return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

int lh_random_bytes(void *out, size_t n)
{
    if (n > INT32_MAX || RAND_bytes(out, (int)n) != 1) return LH_EIO;
    return 0;
}

void lh_wipe(void *p, size_t n)
{
    OPENSSL_cleanse(p, n);
}
