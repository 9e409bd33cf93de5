/* Checksums: CRC32, CRC32C (S3 checksums, Kafka record batches), CRC64NVME,
 * and the digests SHA1, SHA256, MD5, behind one incremental interface. CRCs
 * are table-driven (slicing-by-8; CRC32C uses SSE4.2 when present) and
 * combinable (S3 FULL_OBJECT multipart checksums). One-shot digests, HMAC and
 * the other primitives are in core/crypto.h. No state is shared between
 * calls except read-only tables: thread-safe. */
#ifndef LH_CORE_CHECKSUM_H
#define LH_CORE_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

enum {
    LH_CK_NONE = 0,
    LH_CK_CRC32,
    LH_CK_CRC32C,
    LH_CK_CRC64NVME,
    LH_CK_SHA1,
    LH_CK_SHA256,
    LH_CK_MD5,
    LH_CK_COUNT
};

#define LH_CK_MAX_LEN 32 /* the longest raw checksum (SHA256) */

typedef struct lh_cksum {
    int algo;
    uint64_t crc;
    void *md; /* EVP_MD_CTX for the digests, owned; NULL for CRCs */
} lh_cksum_t;

/* Starts a checksum of algo (LH_CK_*). Returns 0, LH_EINVAL (unknown algo)
 * or LH_ENOMEM; on success the caller owns c until final or free. */
int lh_cksum_init(lh_cksum_t *c, int algo);
void lh_cksum_update(lh_cksum_t *c, const void *data, size_t n);
/* Writes the raw checksum (big-endian for CRCs) into out (>= LH_CK_MAX_LEN
 * bytes), returns its length, and releases the state. */
size_t lh_cksum_final(lh_cksum_t *c, unsigned char *out);
void lh_cksum_free(lh_cksum_t *c); /* release without finishing; safe twice */
/* Raw length of an algorithm's checksum (4, 4, 8, 20, 32, 16); 0 when unknown. */
size_t lh_cksum_len(int algo);

/* "CRC32" / "crc32" -> LH_CK_CRC32 ...; LH_CK_NONE when unknown. */
int lh_cksum_algo_parse(const char *name, size_t n);
const char *lh_cksum_algo_name(int algo); /* "CRC32"; "" when unknown (static) */

/* CRC of A||B from crc(A), crc(B) and len(B) (zlib's crc32_combine idea), for
 * CRC32, CRC32C, CRC64NVME. Returns the combined value (0 for other algos). */
uint64_t lh_crc_combine(int algo, uint64_t crc_a, uint64_t crc_b, uint64_t len_b);
/* Raw big-endian bytes <-> value for CRC algorithms. */
uint64_t lh_crc_from_bytes(int algo, const unsigned char *raw);
void lh_crc_to_bytes(int algo, uint64_t v, unsigned char *raw);
/* One-shot CRC32C (Castagnoli) of data, continuing from crc (0 to start), as
 * Kafka record batches carry it. */
uint32_t lh_crc32c(uint32_t crc, const void *data, size_t n);

#endif
