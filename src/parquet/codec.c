/* Page codecs over the system libraries: snappy-c, zlib (gzip members,
 * several per page on read), libzstd, liblz4 (raw blocks) and libbrotli.
 * Decompression writes into the caller's buffer of the declared size and
 * fails unless the result fills it exactly; compression goes through a
 * scratch buffer of the codec's worst-case size, then onto the caller's
 * lh_buf_t. */
#include "parquet/codec.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <limits.h>
#include <lz4.h>
#include <snappy-c.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

static const char *const names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO",
                                    "BROTLI",       "LZ4",    "ZSTD", "LZ4_RAW"};

const char *lh_pq_codec_name(int codec)
{
    return codec >= 0 && codec < (int)(sizeof names / sizeof names[0]) ? names[codec] : "UNKNOWN";
}

bool lh_pq_codec_supported(int codec)
{
    return codec >= 0 && codec <= LH_PQ_CODEC_LZ4_RAW && codec != LH_PQ_CODEC_LZO &&
           codec != LH_PQ_CODEC_LZ4;
}

static int unsupported(int codec, lh_err_t *err)
{
    if (codec == LH_PQ_CODEC_LZ4)
        return lh_err_set(err, LH_EINVAL,
                          "parquet codec LZ4 (deprecated Hadoop framing) is not supported; "
                          "LZ4_RAW is");
    if (codec == LH_PQ_CODEC_LZO)
        return lh_err_set(err, LH_EINVAL, "parquet codec LZO is not supported");
    return lh_err_set(err, LH_EINVAL, "unknown parquet codec %d", codec);
}

static int corrupt(int codec, lh_err_t *err, const char *detail)
{
    return lh_err_set(err, LH_ECORRUPT, "parquet %s page is corrupt: %s", lh_pq_codec_name(codec),
                      detail);
}

static int mismatch(int codec, size_t got, size_t want, lh_err_t *err)
{
    return lh_err_set(err, LH_ECORRUPT,
                      "parquet %s page decompresses to %zu bytes, the header says %zu",
                      lh_pq_codec_name(codec), got, want);
}

static int gunzip(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen, lh_err_t *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 32) != Z_OK) /* gzip or zlib header, detected */
        return lh_err_set(err, LH_ENOMEM, "parquet GZIP: cannot start zlib");
    z.next_in = (Bytef *)src;
    z.avail_in = (uInt)srclen;
    z.next_out = dst;
    z.avail_out = (uInt)dstlen;
    int rc = 0;
    for (;;) {
        int zr = inflate(&z, Z_NO_FLUSH);
        if (zr == Z_OK) continue;
        if (zr == Z_STREAM_END) {
            if (z.avail_in == 0) break;
            if (inflateReset(&z) != Z_OK) { /* the next member */
                rc = corrupt(LH_PQ_CODEC_GZIP, err, "cannot restart zlib");
                break;
            }
            continue;
        }
        if (zr == Z_BUF_ERROR && z.avail_out == 0)
            rc = lh_err_set(err, LH_ECORRUPT,
                            "parquet GZIP page decompresses to more than the header's %zu bytes",
                            dstlen);
        else if (zr == Z_BUF_ERROR)
            rc = corrupt(LH_PQ_CODEC_GZIP, err, "truncated stream");
        else
            rc = corrupt(LH_PQ_CODEC_GZIP, err, z.msg ? z.msg : "inflate failed");
        break;
    }
    size_t got = dstlen - z.avail_out;
    inflateEnd(&z);
    if (!rc && got != dstlen) rc = mismatch(LH_PQ_CODEC_GZIP, got, dstlen, err);
    return rc;
}

static int unsnappy(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen, lh_err_t *err)
{
    size_t n;
    if (snappy_uncompressed_length((const char *)src, srclen, &n) != SNAPPY_OK)
        return corrupt(LH_PQ_CODEC_SNAPPY, err, "bad length preamble");
    if (n != dstlen) return mismatch(LH_PQ_CODEC_SNAPPY, n, dstlen, err);
    if (snappy_uncompress((const char *)src, srclen, (char *)dst, &n) != SNAPPY_OK)
        return corrupt(LH_PQ_CODEC_SNAPPY, err, "invalid input");
    return n == dstlen ? 0 : mismatch(LH_PQ_CODEC_SNAPPY, n, dstlen, err);
}

static int unzstd(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen, lh_err_t *err)
{
    size_t n = ZSTD_decompress(dst, dstlen, src, srclen);
    if (ZSTD_isError(n)) {
        if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall)
            return lh_err_set(err, LH_ECORRUPT,
                              "parquet ZSTD page decompresses to more than the header's %zu bytes",
                              dstlen);
        return corrupt(LH_PQ_CODEC_ZSTD, err, ZSTD_getErrorName(n));
    }
    return n == dstlen ? 0 : mismatch(LH_PQ_CODEC_ZSTD, n, dstlen, err);
}

static int unlz4(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen, lh_err_t *err)
{
    int n = LZ4_decompress_safe((const char *)src, (char *)dst, (int)srclen, (int)dstlen);
    if (n < 0) return corrupt(LH_PQ_CODEC_LZ4_RAW, err, "invalid block or larger than declared");
    return (size_t)n == dstlen ? 0 : mismatch(LH_PQ_CODEC_LZ4_RAW, (size_t)n, dstlen, err);
}

static int unbrotli(const uint8_t *src, size_t srclen, uint8_t *dst, size_t dstlen, lh_err_t *err)
{
    size_t n = dstlen;
    if (BrotliDecoderDecompress(srclen, src, &n, dst) != BROTLI_DECODER_RESULT_SUCCESS)
        return corrupt(LH_PQ_CODEC_BROTLI, err, "invalid stream or larger than declared");
    return n == dstlen ? 0 : mismatch(LH_PQ_CODEC_BROTLI, n, dstlen, err);
}

int lh_pq_decompress(int codec, const void *src, size_t srclen, void *dst, size_t dstlen,
                     lh_err_t *err)
{
    uint8_t none[1]; /* the libraries want real pointers even for 0 bytes */
    const uint8_t *s = src && srclen ? src : none;
    uint8_t *d = dst && dstlen ? dst : none;
    if (!lh_pq_codec_supported(codec)) return unsupported(codec, err);
    if ((srclen && !src) || (dstlen && !dst))
        return lh_err_set(err, LH_EINVAL, "parquet decompress: NULL buffer");
    if (srclen > INT32_MAX || dstlen > INT32_MAX)
        return lh_err_set(err, LH_ETOOBIG, "parquet page over 2 GiB");
    switch (codec) {
    case LH_PQ_CODEC_UNCOMPRESSED:
        if (srclen != dstlen) return mismatch(codec, srclen, dstlen, err);
        if (srclen) memcpy(d, s, srclen);
        return 0;
    case LH_PQ_CODEC_SNAPPY:
        return unsnappy(s, srclen, d, dstlen, err);
    case LH_PQ_CODEC_GZIP:
        return gunzip(s, srclen, d, dstlen, err);
    case LH_PQ_CODEC_BROTLI:
        return unbrotli(s, srclen, d, dstlen, err);
    case LH_PQ_CODEC_ZSTD:
        return unzstd(s, srclen, d, dstlen, err);
    default:
        return unlz4(s, srclen, d, dstlen, err);
    }
}

/* ---- compression into a scratch buffer of the worst-case size ---- */

static int gzip(int level, const uint8_t *src, size_t n, uint8_t **out, size_t *outlen,
                lh_err_t *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level ? level : 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return lh_err_set(err, LH_EINVAL, "parquet GZIP: bad level %d", level);
    size_t cap = deflateBound(&z, (uLong)n);
    int rc = 0;
    if (!(*out = malloc(cap))) {
        rc = lh_err_set(err, LH_ENOMEM, "parquet GZIP: out of memory");
    } else {
        z.next_in = (Bytef *)src;
        z.avail_in = (uInt)n;
        z.next_out = *out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) != Z_STREAM_END)
            rc = lh_err_set(err, LH_ENOMEM, "parquet GZIP: deflate failed");
        *outlen = cap - z.avail_out;
    }
    deflateEnd(&z);
    return rc;
}

static int scratch(size_t cap, uint8_t **out, int codec, lh_err_t *err)
{
    if (cap == 0 || !(*out = malloc(cap)))
        return lh_err_set(err, LH_ENOMEM, "parquet %s: out of memory", lh_pq_codec_name(codec));
    return 0;
}

static int squeeze(int codec, int level, const uint8_t *src, size_t n, uint8_t **out, size_t *len,
                   lh_err_t *err)
{
    int rc;
    switch (codec) {
    case LH_PQ_CODEC_SNAPPY:
        if ((rc = scratch(snappy_max_compressed_length(n), out, codec, err))) return rc;
        *len = snappy_max_compressed_length(n);
        if (snappy_compress((const char *)src, n, (char *)*out, len) != SNAPPY_OK)
            return lh_err_set(err, LH_ENOMEM, "parquet SNAPPY: compression failed");
        return 0;
    case LH_PQ_CODEC_GZIP:
        return gzip(level, src, n, out, len, err);
    case LH_PQ_CODEC_ZSTD: {
        size_t cap = ZSTD_compressBound(n);
        if ((rc = scratch(cap, out, codec, err))) return rc;
        *len = ZSTD_compress(*out, cap, src, n, level ? level : LH_PQ_ZSTD_LEVEL);
        if (ZSTD_isError(*len))
            return lh_err_set(err, LH_EINVAL, "parquet ZSTD: %s", ZSTD_getErrorName(*len));
        return 0;
    }
    case LH_PQ_CODEC_LZ4_RAW: {
        int cap = LZ4_compressBound((int)n);
        if ((rc = scratch((size_t)cap, out, codec, err))) return rc;
        int k = LZ4_compress_default((const char *)src, (char *)*out, (int)n, cap);
        if (k <= 0) return lh_err_set(err, LH_ENOMEM, "parquet LZ4_RAW: compression failed");
        *len = (size_t)k;
        return 0;
    }
    default: { /* BROTLI */
        if (level < 0 || level > BROTLI_MAX_QUALITY)
            return lh_err_set(err, LH_EINVAL, "parquet BROTLI: bad level %d", level);
        size_t cap = BrotliEncoderMaxCompressedSize(n);
        if ((rc = scratch(cap, out, codec, err))) return rc;
        *len = cap;
        if (!BrotliEncoderCompress(level ? level : 8, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_GENERIC, n,
                                   src, len, *out))
            return lh_err_set(err, LH_ENOMEM, "parquet BROTLI: compression failed");
        return 0;
    }
    }
}

int lh_pq_compress(int codec, int level, const void *src, size_t srclen, lh_buf_t *out,
                   lh_err_t *err)
{
    uint8_t none[1];
    const uint8_t *s = src && srclen ? src : none;
    if (!lh_pq_codec_supported(codec)) return unsupported(codec, err);
    if (srclen && !src) return lh_err_set(err, LH_EINVAL, "parquet compress: NULL buffer");
    if (srclen > INT32_MAX) return lh_err_set(err, LH_ETOOBIG, "parquet page over 2 GiB");
    int rc;
    if (codec == LH_PQ_CODEC_UNCOMPRESSED) {
        rc = lh_buf_append(out, s, srclen);
    } else {
        uint8_t *tmp = NULL;
        size_t n = 0;
        rc = squeeze(codec, level, s, srclen, &tmp, &n, err); /* sets err itself */
        if (!rc) rc = lh_buf_append(out, tmp, n);
        free(tmp);
        if (rc && !lh_buf_err(out)) return rc;
    }
    if (rc)
        return lh_err_set(err, rc, "parquet %s: cannot append the compressed page (%s)",
                          lh_pq_codec_name(codec), lh_strerror(rc));
    return 0;
}
