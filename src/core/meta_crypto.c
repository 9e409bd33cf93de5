/* Cryptography of the meta module: secrets sealed with AES-256-GCM (random
 * 12-byte nonce, stored nonce||ciphertext||tag, the access key as additional
 * data), PostgreSQL's SCRAM-SHA-256 verifier (derived by core/scram.h) and
 * md5 hash, unbiased random credentials, and constant-time secret
 * comparison. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "core/checksum.h"
#include "core/crypto.h"
#include "core/meta_int.h"
#include "core/scram.h"
#include "core/str.h"

/* --- crypto helpers --- */

int lh__meta_seal(const unsigned char *key, const char *ak, const char *sk, unsigned char *out,
                  size_t *outlen)
{
    size_t n = strlen(sk);
    int len, ok = 0;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c || lh_random_bytes(out, LH__META_NONCE_LEN)) goto done;
    ok = EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, LH__META_NONCE_LEN, NULL) == 1 &&
         EVP_EncryptInit_ex(c, NULL, NULL, key, out) == 1 &&
         EVP_EncryptUpdate(c, NULL, &len, (const unsigned char *)ak, (int)strlen(ak)) == 1 &&
         EVP_EncryptUpdate(c, out + LH__META_NONCE_LEN, &len, (const unsigned char *)sk, (int)n) ==
             1 &&
         EVP_EncryptFinal_ex(c, out + LH__META_NONCE_LEN + len, &len) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, LH__META_TAG_LEN,
                             out + LH__META_NONCE_LEN + n) == 1;
    *outlen = LH__META_NONCE_LEN + n + LH__META_TAG_LEN;
done:
    EVP_CIPHER_CTX_free(c);
    return ok ? 0 : LH_EIO;
}

int lh__meta_unseal(const unsigned char *key, const char *ak, const unsigned char *in, size_t inlen,
                    char *out, size_t cap)
{
    if (inlen < LH__META_NONCE_LEN + LH__META_TAG_LEN ||
        inlen - LH__META_NONCE_LEN - LH__META_TAG_LEN >= cap)
        return LH_ECORRUPT;
    int n = (int)(inlen - LH__META_NONCE_LEN - LH__META_TAG_LEN), len, ok;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c) return LH_ENOMEM;
    ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, LH__META_NONCE_LEN, NULL) == 1 &&
         EVP_DecryptInit_ex(c, NULL, NULL, key, in) == 1 &&
         EVP_DecryptUpdate(c, NULL, &len, (const unsigned char *)ak, (int)strlen(ak)) == 1 &&
         EVP_DecryptUpdate(c, (unsigned char *)out, &len, in + LH__META_NONCE_LEN, n) == 1 &&
         EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, LH__META_TAG_LEN,
                             (void *)(in + LH__META_NONCE_LEN + n)) == 1 &&
         EVP_DecryptFinal_ex(c, (unsigned char *)out + len, &len) == 1;
    EVP_CIPHER_CTX_free(c);
    out[ok ? n : 0] = '\0';
    return ok ? 0 : LH_ECORRUPT;
}

int lh_meta_scram_verifier(const char *password, const unsigned char *salt, size_t saltlen,
                           int iterations, char *out, size_t cap)
{
    if (saltlen > 32) return LH_EIO;
    int rc = lh_scram_verifier_make(password, salt, saltlen, iterations, out, cap);
    return rc == LH_EINVAL ? LH_EIO : rc;
}

void lh_meta_md5_hash(const char *user, const char *password, char out[LH_META_MD5_MAX])
{
    unsigned char d[LH_CK_MAX_LEN];
    lh_cksum_t c;
    out[0] = '\0';
    if (lh_cksum_init(&c, LH_CK_MD5)) return;
    lh_cksum_update(&c, password, strlen(password));
    lh_cksum_update(&c, user, strlen(user));
    if (lh_cksum_final(&c, d) == 16) {
        memcpy(out, "md5", 3);
        lh_hex(d, 16, out + 3);
    }
}

int lh__meta_rand_chars(char *out, size_t n, const char *alphabet)
{
    size_t k = strlen(alphabet), limit = 256 - 256 % k, i = 0;
    unsigned char buf[64];
    while (i < n) {
        if (lh_random_bytes(buf, sizeof buf)) return LH_EIO;
        for (size_t j = 0; j < sizeof buf && i < n; j++)
            if (buf[j] < limit) /* rejection sampling: no modulo bias */
                out[i++] = alphabet[buf[j] % k];
    }
    out[n] = '\0';
    return 0;
}

int lh_meta_gen_access_key(char out[21])
{
    return lh__meta_rand_chars(out, 20, LH__META_UPPER_DIGITS);
}

int lh_meta_gen_secret(char out[41])
{
    return lh__meta_rand_chars(out, 40, LH__META_ALNUM);
}

/* Compares SHA-256 digests so neither content nor length leaks through time. */
int lh__meta_same_secret(const char *a, const char *b)
{
    unsigned char da[32], db[32];
    lh_sha256(a, strlen(a), da);
    lh_sha256(b, strlen(b), db);
    return lh_ct_equal(da, db, 32);
}
