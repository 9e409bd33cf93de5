/* Internal to core/crypto.c and core/checksum.c: the OpenSSL digest handles,
 * fetched once per process. */
#ifndef LH_CORE_CRYPTO_INT_H
#define LH_CORE_CRYPTO_INT_H

#include <openssl/evp.h>

#include "core/checksum.h"

/* The digest of LH_CK_SHA1, LH_CK_SHA256 or LH_CK_MD5 (fetched once, falling
 * back to the legacy handle); NULL for other algorithms. Owned by the
 * process. */
const EVP_MD *lh__crypto_md(int algo);

#endif
