/* Object checksums as S3 knows them: CRC32, CRC32C, CRC64NVME, SHA1, SHA256,
 * plus MD5 for ETags and Content-MD5. Incremental; CRCs table-driven
 * (slicing-by-8) and combinable for FULL_OBJECT multipart checksums. */
#ifndef LH_STORE_CHECKSUM_H
#define LH_STORE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

enum { LH_CK_NONE = 0, LH_CK_CRC32, LH_CK_CRC32C, LH_CK_CRC64NVME, LH_CK_SHA1, LH_CK_SHA256,
       LH_CK_MD5, LH_CK_COUNT };

typedef struct lh_cksum {
    int algo;
    uint64_t crc;
    void *md; /* EVP_MD_CTX for the digests; NULL for CRCs */
} lh_cksum_t;

/* Returns 0 or LH_ENOMEM. */
int lh_cksum_init(lh_cksum_t *c, int algo);
void lh_cksum_update(lh_cksum_t *c, const void *data, size_t n);
/* Writes the raw checksum (big-endian for CRCs) into out (>= 32 bytes),
 * returns its length, and releases the state. */
size_t lh_cksum_final(lh_cksum_t *c, unsigned char *out);
void lh_cksum_free(lh_cksum_t *c); /* release without finishing; safe twice */
/* Raw length of an algorithm's checksum (4, 4, 8, 20, 32, 16). */
size_t lh_cksum_len(int algo);

/* "CRC32" / "crc32" -> LH_CK_CRC32 ...; LH_CK_NONE when unknown. */
int lh_cksum_algo_parse(const char *name, size_t n);
const char *lh_cksum_algo_name(int algo);   /* "CRC32" */
const char *lh_cksum_header_name(int algo); /* "x-amz-checksum-crc32" */

/* CRC of A||B from crc(A), crc(B) and len(B) (zlib's crc32_combine idea), for
 * CRC32, CRC32C, CRC64NVME. Returns the combined value. */
uint64_t lh_crc_combine(int algo, uint64_t crc_a, uint64_t crc_b, uint64_t len_b);
/* Raw big-endian bytes <-> value for CRC algorithms. */
uint64_t lh_crc_from_bytes(int algo, const unsigned char *raw);
void lh_crc_to_bytes(int algo, uint64_t v, unsigned char *raw);

/* One-shot helpers. */
void lh_md5(const void *data, size_t n, unsigned char out[16]);
void lh_sha256(const void *data, size_t n, unsigned char out[32]);
void lh_hmac_sha256(const void *key, size_t keylen, const void *data, size_t n,
                    unsigned char out[32]);

#endif
