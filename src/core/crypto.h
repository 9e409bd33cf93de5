/* Cryptographic primitives shared by the services: one-shot digests (MD5,
 * SHA-1, SHA-256), HMAC-SHA1/HMAC-SHA256, PBKDF2-HMAC-SHA256, constant-time
 * comparison and random bytes. Base64 and hex are in core/str.h; incremental
 * digests and CRCs in core/checksum.h. Thread-safe; nothing is allocated
 * that outlives a call. */
#ifndef LH_CORE_CRYPTO_H
#define LH_CORE_CRYPTO_H

#include <stddef.h>

/* One-shot digests of n bytes at data. Cannot fail short of memory, when out
 * is zero-filled. */
void lh_md5(const void *data, size_t n, unsigned char out[16]);
void lh_sha1(const void *data, size_t n, unsigned char out[20]);
void lh_sha256(const void *data, size_t n, unsigned char out[32]);
/* HMAC (RFC 2104) over the digests fetched once: OpenSSL 3's one-shot HMAC()
 * costs about 4 us a call, and SigV4 makes five of them per request. out may
 * alias key or data. */
void lh_hmac_sha256(const void *key, size_t keylen, const void *data, size_t n,
                    unsigned char out[32]);
void lh_hmac_sha1(const void *key, size_t keylen, const void *data, size_t n,
                  unsigned char out[20]);
/* PBKDF2-HMAC-SHA256 (RFC 8018) of outlen bytes, as SCRAM-SHA-256's Hi().
 * Returns 0, LH_EINVAL (iterations < 1) or LH_EIO. */
int lh_pbkdf2_sha256(const void *pass, size_t passlen, const void *salt, size_t saltlen,
                     int iterations, unsigned char *out, size_t outlen);

/* 1 when the n bytes at a and b are equal; time depends on n only. */
int lh_ct_equal(const void *a, const void *b, size_t n);
/* 1 when two NUL-terminated strings are equal; the time depends on their
 * lengths only (lengths are not secret: signatures, hex digests). */
int lh_ct_streq(const char *a, const char *b);

/* n cryptographically random bytes into out. Returns 0 or LH_EIO. */
int lh_random_bytes(void *out, size_t n);
/* Overwrites n bytes at p with zeros in a way the compiler keeps. */
void lh_wipe(void *p, size_t n);

#endif
