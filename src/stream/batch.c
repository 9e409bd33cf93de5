/* RecordBatch v2 headers: decoding the 61 bytes, the checks a broker makes
 * before it stores a batch (length bounds before anything is read or
 * allocated, magic 2, CRC-32C over attributes..end, count and
 * lastOffsetDelta, no control batches from producers), and base offset
 * assignment in place (the field sits outside the CRC, so nothing is
 * recomputed or recompressed). */
#include "core/checksum.h"
#include "stream/stream_int.h"

#include <string.h>

int64_t lh_stream_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return (int64_t)v;
}

int32_t lh_stream_be32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

int16_t lh_stream_be16(const uint8_t *p)
{
    return (int16_t)((uint16_t)p[0] << 8 | p[1]);
}

void lh_stream_batch_set_base_offset(void *p, int64_t base_offset)
{
    uint8_t *b = p;
    uint64_t v = (uint64_t)base_offset;
    for (int i = 7; i >= 0; i--, v >>= 8)
        b[i] = (uint8_t)v;
}

static void decode(const uint8_t *p, lh_stream_batch_t *b)
{
    b->base_offset = lh_stream_be64(p);
    b->length = lh_stream_be32(p + 8);
    b->leader_epoch = lh_stream_be32(p + 12);
    b->crc = (uint32_t)lh_stream_be32(p + 17);
    b->attributes = lh_stream_be16(p + 21);
    b->last_offset_delta = lh_stream_be32(p + 23);
    b->base_timestamp = lh_stream_be64(p + 27);
    b->max_timestamp = lh_stream_be64(p + 35);
    b->producer_id = lh_stream_be64(p + 43);
    b->producer_epoch = lh_stream_be16(p + 51);
    b->base_sequence = lh_stream_be32(p + 53);
    b->count = lh_stream_be32(p + 57);
}

int lh_stream_batch_too_big(size_t size, size_t max_bytes, lh_err_t *err)
{
    return lh_err_set(err, LH_ETOOBIG, "record batch of %zu bytes is over the limit of %zu", size,
                      max_bytes);
}

static int check_length(const uint8_t *p, size_t n, size_t max_bytes, lh_err_t *err)
{
    if (n < LH_STREAM_BATCH_PREFIX)
        return lh_err_set(err, LH_ENOENT, "record batch truncated: %zu bytes", n);
    int32_t len = lh_stream_be32(p + 8);
    if (len < LH_STREAM_BATCH_HEADER - LH_STREAM_BATCH_PREFIX)
        return lh_err_set(err, LH_ECORRUPT, "record batch length %d is too short", (int)len);
    size_t size = (size_t)len + LH_STREAM_BATCH_PREFIX;
    if (size > max_bytes) return lh_stream_batch_too_big(size, max_bytes, err);
    if (n < size)
        return lh_err_set(err, LH_ENOENT, "record batch truncated: %zu of %zu bytes", n, size);
    return 0;
}

static int parse(const void *data, size_t n, size_t max_bytes, lh_stream_batch_t *b, int crc,
                 lh_err_t *err)
{
    const uint8_t *p = data;
    int rc = check_length(p, n, max_bytes, err);
    if (rc) return rc;
    if (p[16] != 2)
        return lh_err_set(err, LH_ECORRUPT, "record batch magic %d is not supported (only 2)",
                          (int)(int8_t)p[16]);
    decode(p, b);
    b->size = (size_t)b->length + LH_STREAM_BATCH_PREFIX;
    uint32_t sum = crc ? lh_crc32c(0, p + 21, b->size - 21) : b->crc;
    if (sum != b->crc)
        return lh_err_set(err, LH_ECORRUPT, "record batch CRC-32C mismatch (%08x, computed %08x)",
                          (unsigned)b->crc, (unsigned)sum);
    if (b->count <= 0)
        return lh_err_set(err, LH_ECORRUPT, "record batch count %d is not positive", (int)b->count);
    if (b->last_offset_delta != b->count - 1)
        return lh_err_set(err, LH_ECORRUPT,
                          "record batch lastOffsetDelta %d does not match its %d records",
                          (int)b->last_offset_delta, (int)b->count);
    /* an uncompressed record takes several bytes: at least one each */
    if ((size_t)b->count > b->size - LH_STREAM_BATCH_HEADER &&
        (b->attributes & LH_STREAM_ATTR_CODEC_MASK) == LH_STREAM_CODEC_NONE)
        return lh_err_set(err, LH_ECORRUPT, "record batch claims %d records in %zu bytes",
                          (int)b->count, b->size - LH_STREAM_BATCH_HEADER);
    return 0;
}

int lh_stream_batch_parse(const void *p, size_t n, size_t max_bytes, lh_stream_batch_t *b,
                          lh_err_t *err)
{
    return parse(p, n, max_bytes, b, 1, err);
}

int lh__stream_batch_header(const void *p, size_t n, lh_stream_batch_t *b, lh_err_t *err)
{
    return parse(p, n, n, b, 0, err);
}

int lh_stream_batch_check_produce(const void *p, size_t n, size_t max_bytes, lh_stream_batch_t *b,
                                  lh_err_t *err)
{
    int rc = lh_stream_batch_parse(p, n, max_bytes, b, err);
    if (rc) return rc;
    if (b->attributes & LH_STREAM_ATTR_CONTROL)
        return lh_err_set(err, LH_EPERM, "control batches cannot be produced");
    if ((b->attributes & LH_STREAM_ATTR_CODEC_MASK) > LH_STREAM_CODEC_ZSTD)
        return lh_err_set(err, LH_EINVAL, "record batch compression %d is unknown",
                          b->attributes & LH_STREAM_ATTR_CODEC_MASK);
    if (n != b->size)
        return lh_err_set(err, LH_ECORRUPT, "%zu bytes after the record batch", n - b->size);
    return 0;
}

void lh__stream_batch_decode(const void *p, lh_stream_batch_t *b)
{
    decode(p, b);
    b->size = (size_t)b->length + LH_STREAM_BATCH_PREFIX;
}
