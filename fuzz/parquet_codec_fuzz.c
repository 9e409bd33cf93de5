/* libFuzzer target for the page codecs. Input: one byte picks the codec
 * (unsupported ones included), three bytes give the declared uncompressed
 * size (little-endian, 20 bits: at most 1 MiB), the rest is the compressed page.
 * Decompression must succeed or fail cleanly; and the rest, compressed with
 * a supported codec, must decompress to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "parquet/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(int codec, const uint8_t *p, size_t n)
{
    lh_buf_t c;
    lh_buf_init(&c, 0);
    uint8_t *back = malloc(n ? n : 1);
    if (!back) return;
    if (lh_pq_compress(codec, 0, p, n, &c, NULL)) abort();
    if (lh_pq_decompress(codec, c.ptr, c.len, back, n, NULL) || (n && memcmp(back, p, n))) abort();
    lh_buf_free(&c);
    free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4) return 0;
    int codec = data[0] % 9; /* 8: an unknown codec */
    size_t declared = (size_t)data[1] | (size_t)data[2] << 8 | (size_t)(data[3] & 0x0f) << 16;
    const uint8_t *p = data + 4;
    size_t n = size - 4;
    uint8_t *dst = malloc(declared ? declared : 1);
    if (!dst) return 0;
    lh_err_t err = {0};
    int rc = lh_pq_decompress(codec, p, n, dst, declared, &err);
    if (rc && (!err.msg[0] || (rc != LH_ECORRUPT && rc != LH_EINVAL && rc != LH_ENOMEM))) abort();
    if ((rc == LH_EINVAL) == lh_pq_codec_supported(codec)) abort();
    free(dst);
    if (lh_pq_codec_supported(codec) && n <= 8192) round_trip(codec, p, n);
    return 0;
}
