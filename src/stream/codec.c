/* Decompression of a record batch's records section, as Kafka producers
 * compress it: gzip (zlib, one or more members), snappy (raw, as librdkafka
 * writes it, or xerial-framed, as the Java client does), lz4 (the LZ4 frame
 * format, not raw blocks) and zstd (a stream of frames). Output goes onto a
 * capped lh_buf_t, so a small batch cannot expand past the caller's limit.
 * And compression, for a topic whose compression.type the broker applies:
 * gzip, lz4 and zstd, each as one frame that states its content size where
 * the format has the field (lz4, zstd), so a consumer sizes its buffer once
 * (librdkafka otherwise guesses twice the compressed size and decompresses
 * again each time the guess falls short). */
#include "stream/stream_int.h"

#include <lz4frame.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#define CHUNK ((size_t)64 << 10)

static const char *const codec_names[] = {"none", "gzip", "snappy", "lz4", "zstd"};

/* Makes room for up to want more bytes after out->len; returns the room
 * (0 with out's sticky error set when it is at its max or out of memory). */
size_t lh__buf_reserve(lh_buf_t *out, size_t want)
{
    if (out->err) return 0;
    size_t room = out->max - out->len;
    if (room == 0) {
        lh_buf_set_err(out, LH_ETOOBIG);
        return 0;
    }
    if (want > room) want = room;
    if (out->len + want + 1 > out->cap) {
        size_t cap = out->cap ? out->cap : CHUNK;
        while (cap < out->len + want + 1)
            cap *= 2;
        if (cap > out->max + 1) cap = out->max + 1;
        char *p = realloc(out->ptr, cap);
        if (!p) {
            lh_buf_set_err(out, LH_ENOMEM);
            return 0;
        }
        out->ptr = p;
        out->cap = cap;
    }
    return out->cap - 1 - out->len;
}

static int bad(int codec, lh_err_t *err, const char *why)
{
    return lh_err_set(err, LH_ECORRUPT, "cannot decompress %s record batch: %s", codec_names[codec],
                      why);
}

static int buf_fail(lh_buf_t *out, int codec, lh_err_t *err)
{
    if (out->err == LH_ETOOBIG)
        return lh_err_set(err, LH_ETOOBIG, "%s record batch decompresses to more than %zu bytes",
                          codec_names[codec], out->max);
    return lh_err_set(err, LH_ENOMEM, "out of memory decompressing a record batch");
}

static int gunzip(const uint8_t *src, size_t n, lh_buf_t *out, lh_err_t *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 32) != Z_OK) return lh_err_set(err, LH_ENOMEM, "cannot start zlib");
    z.next_in = (Bytef *)src;
    z.avail_in = (uInt)n;
    int rc = 0;
    for (;;) {
        size_t room = lh__buf_reserve(out, CHUNK);
        if (!room) {
            rc = buf_fail(out, LH_STREAM_CODEC_GZIP, err);
            break;
        }
        z.next_out = (Bytef *)out->ptr + out->len;
        z.avail_out = (uInt)(room > CHUNK ? CHUNK : room);
        uInt before = z.avail_out;
        int zr = inflate(&z, Z_NO_FLUSH);
        out->len += before - z.avail_out;
        if (zr == Z_STREAM_END) {
            if (z.avail_in == 0) break;
            if (inflateReset(&z) != Z_OK) rc = bad(LH_STREAM_CODEC_GZIP, err, "bad member");
        } else if (zr == Z_BUF_ERROR && z.avail_in == 0) {
            rc = bad(LH_STREAM_CODEC_GZIP, err, "truncated stream");
        } else if (zr != Z_OK && zr != Z_BUF_ERROR) {
            rc = bad(LH_STREAM_CODEC_GZIP, err, z.msg ? z.msg : "invalid stream");
        }
        if (rc) break;
    }
    inflateEnd(&z);
    return rc;
}

static int snappy_block(const uint8_t *src, size_t n, lh_buf_t *out, lh_err_t *err)
{
    size_t len;
    if (snappy_uncompressed_length((const char *)src, n, &len) != SNAPPY_OK)
        return bad(LH_STREAM_CODEC_SNAPPY, err, "bad length preamble");
    if (len > out->max - out->len) {
        lh_buf_set_err(out, LH_ETOOBIG);
        return buf_fail(out, LH_STREAM_CODEC_SNAPPY, err);
    }
    if (len && lh__buf_reserve(out, len) < len) return buf_fail(out, LH_STREAM_CODEC_SNAPPY, err);
    char none[1];
    char *dst = len ? out->ptr + out->len : none;
    if (snappy_uncompress((const char *)src, n, dst, &len) != SNAPPY_OK)
        return bad(LH_STREAM_CODEC_SNAPPY, err, "invalid block");
    out->len += len;
    return 0;
}

static const uint8_t xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};

/* xerial framing: 8-byte magic, version and compatible version (i32 each),
 * then blocks of (i32 length, raw snappy). */
static int unsnappy(const uint8_t *src, size_t n, lh_buf_t *out, lh_err_t *err)
{
    if (n < 16 || memcmp(src, xerial_magic, 8)) return snappy_block(src, n, out, err);
    size_t at = 16;
    while (at < n) {
        if (n - at < 4) return bad(LH_STREAM_CODEC_SNAPPY, err, "truncated xerial block");
        uint32_t len = (uint32_t)lh_stream_be32(src + at);
        at += 4;
        if (len > n - at) return bad(LH_STREAM_CODEC_SNAPPY, err, "xerial block past the end");
        int rc = snappy_block(src + at, len, out, err);
        if (rc) return rc;
        at += len;
    }
    return 0;
}

static int unlz4(const uint8_t *src, size_t n, lh_buf_t *out, lh_err_t *err)
{
    LZ4F_dctx *d;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
        return lh_err_set(err, LH_ENOMEM, "cannot start lz4");
    int rc = 0;
    size_t at = 0, hint = 1;
    while (!rc && at < n && hint) {
        size_t room = lh__buf_reserve(out, CHUNK);
        if (!room) {
            rc = buf_fail(out, LH_STREAM_CODEC_LZ4, err);
            break;
        }
        size_t dst = room > CHUNK ? CHUNK : room, in = n - at;
        hint = LZ4F_decompress(d, out->ptr + out->len, &dst, src + at, &in, NULL);
        if (LZ4F_isError(hint)) rc = bad(LH_STREAM_CODEC_LZ4, err, LZ4F_getErrorName(hint));
        at += in;
        out->len += dst;
        if (!rc && !hint && at < n) hint = 1; /* another frame follows */
        if (!rc && in == 0 && dst == 0) rc = bad(LH_STREAM_CODEC_LZ4, err, "no progress");
    }
    if (!rc && hint) rc = bad(LH_STREAM_CODEC_LZ4, err, "truncated frame");
    LZ4F_freeDecompressionContext(d);
    return rc;
}

static int unzstd(const uint8_t *src, size_t n, lh_buf_t *out, lh_err_t *err)
{
    ZSTD_DStream *z = ZSTD_createDStream();
    if (!z) return lh_err_set(err, LH_ENOMEM, "cannot start zstd");
    ZSTD_inBuffer in = {src, n, 0};
    size_t hint = 1;
    int rc = 0;
    while (!rc && (in.pos < in.size || hint)) {
        size_t room = lh__buf_reserve(out, CHUNK);
        if (!room) {
            rc = buf_fail(out, LH_STREAM_CODEC_ZSTD, err);
            break;
        }
        ZSTD_outBuffer o = {out->ptr + out->len, room > CHUNK ? CHUNK : room, 0};
        size_t before = in.pos;
        hint = ZSTD_decompressStream(z, &o, &in);
        out->len += o.pos;
        if (ZSTD_isError(hint))
            rc = bad(LH_STREAM_CODEC_ZSTD, err, ZSTD_getErrorName(hint));
        else if (hint && in.pos == in.size && o.pos < o.size)
            rc = bad(LH_STREAM_CODEC_ZSTD, err, "truncated frame");
        else if (in.pos == before && o.pos == 0)
            rc = bad(LH_STREAM_CODEC_ZSTD, err, "no progress");
    }
    ZSTD_freeDStream(z);
    return rc;
}

int lh_stream_decompress(int codec, const uint8_t *src, size_t n, lh_buf_t *out, lh_err_t *err)
{
    static const uint8_t none[1];
    if (!src) src = none;
    int rc;
    switch (codec) {
    case LH_STREAM_CODEC_NONE:
        rc = lh_buf_append(out, src, n);
        return rc ? buf_fail(out, codec, err) : 0;
    case LH_STREAM_CODEC_GZIP:
        rc = gunzip(src, n, out, err);
        break;
    case LH_STREAM_CODEC_SNAPPY:
        rc = unsnappy(src, n, out, err);
        break;
    case LH_STREAM_CODEC_LZ4:
        rc = unlz4(src, n, out, err);
        break;
    case LH_STREAM_CODEC_ZSTD:
        rc = unzstd(src, n, out, err);
        break;
    default:
        return lh_err_set(err, LH_EINVAL, "record batch compression %d is unknown", codec);
    }
    if (out->ptr) out->ptr[out->len] = 0;
    return rc;
}

/* out cannot take the compressor's bound: past its max (lh__buf_reserve
 * trims its answer there without an error), or out of memory. */
static int no_room(lh_buf_t *out, int codec, lh_err_t *err)
{
    if (out->err) return buf_fail(out, codec, err);
    return lh_err_set(err, LH_ETOOBIG, "%s record batch would compress to more than %zu bytes",
                      codec_names[codec], out->max);
}

/* One gzip member of src (zlib's deflate with the gzip wrapper). */
static int gzip(int level, const uint8_t *src, size_t n, lh_buf_t *out, lh_err_t *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return lh_err_set(err, LH_ENOMEM, "out of memory compressing a record batch");
    uLong cap = deflateBound(&z, (uLong)n);
    size_t room = lh__buf_reserve(out, cap);
    int rc = 0;
    if (room < cap) {
        rc = no_room(out, LH_STREAM_CODEC_GZIP, err);
    } else {
        z.next_in = (Bytef *)src;
        z.avail_in = (uInt)n;
        z.next_out = (Bytef *)out->ptr + out->len;
        z.avail_out = (uInt)room;
        if (deflate(&z, Z_FINISH) != Z_STREAM_END)
            rc = lh_err_set(err, LH_EINVAL, "gzip compression of a record batch failed");
        else
            out->len += z.total_out;
    }
    deflateEnd(&z);
    return rc;
}

int lh_stream_compress(int codec, int level, const uint8_t *src, size_t n, lh_buf_t *out,
                       lh_err_t *err)
{
    static const uint8_t none[1];
    if (!src) src = none;
    if (n > (size_t)INT32_MAX)
        return lh_err_set(err, LH_ETOOBIG, "record batch of %zu bytes to compress", n);
    switch (codec) {
    case LH_STREAM_CODEC_NONE:
        return lh_buf_append(out, src, n) ? buf_fail(out, codec, err) : 0;
    case LH_STREAM_CODEC_GZIP:
        return gzip(level, src, n, out, err);
    case LH_STREAM_CODEC_LZ4: {
        LZ4F_preferences_t pr;
        memset(&pr, 0, sizeof pr);
        /* independent 64 KB blocks, as Kafka writes them: the Java client's
           reader refuses linked ones */
        pr.frameInfo.blockMode = LZ4F_blockIndependent;
        pr.frameInfo.blockSizeID = LZ4F_max64KB;
        pr.frameInfo.contentSize = n;
        pr.compressionLevel = level;
        size_t cap = LZ4F_compressFrameBound(n, &pr);
        if (lh__buf_reserve(out, cap) < cap) return no_room(out, codec, err);
        size_t k = LZ4F_compressFrame(out->ptr + out->len, cap, src, n, &pr);
        if (LZ4F_isError(k))
            return lh_err_set(err, LH_EINVAL, "lz4 compression of a record batch failed: %s",
                              LZ4F_getErrorName(k));
        out->len += k;
        return 0;
    }
    case LH_STREAM_CODEC_ZSTD: {
        size_t cap = ZSTD_compressBound(n);
        if (lh__buf_reserve(out, cap) < cap) return no_room(out, codec, err);
        size_t k = ZSTD_compress(out->ptr + out->len, cap, src, n, level);
        if (ZSTD_isError(k))
            return lh_err_set(err, LH_EINVAL, "zstd compression of a record batch failed: %s",
                              ZSTD_getErrorName(k));
        out->len += k;
        return 0;
    }
    default:
        return lh_err_set(err, LH_EINVAL, "this broker does not compress record batches as %s",
                          codec >= 0 && codec <= LH_STREAM_CODEC_ZSTD ? codec_names[codec] : "?");
    }
}
