/* The records inside a RecordBatch v2: each is a zig-zag varint length,
 * then attributes, timestamp delta (varlong), offset delta, key, value and
 * headers, all with zig-zag varint lengths (-1 = null). The iterator reads
 * them straight from the batch, or from a decompressed copy when the batch
 * is compressed, and checks every length against what is left. */
#include "core/checksum.h"
#include "stream/stream_int.h"
#include "stream/wire.h"

#include <string.h>

/* A zig-zag VARINT (at most 5 bytes, an int32) or VARLONG (10) at *pp,
 * through wire.c's reader; 0, or -1 when malformed or short. */
static int varint(const uint8_t **pp, const uint8_t *end, int maxb, int64_t *out)
{
    lh_kr_t r;
    lh_kr_init(&r, *pp, (size_t)(end - *pp));
    *out = maxb == 5 ? lh_kr_varint(&r) : lh_kr_varlong(&r);
    if (r.err) return -1;
    *pp = r.p;
    return 0;
}

static int vi32(const uint8_t **pp, const uint8_t *end, int32_t *out)
{
    int64_t v;
    if (varint(pp, end, 5, &v)) return -1;
    *out = (int32_t)v;
    return 0;
}

/* A length-prefixed byte string: -1 is null; otherwise it must fit. */
static int bytes(const uint8_t **pp, const uint8_t *end, const uint8_t **data, int32_t *len)
{
    if (vi32(pp, end, len) || *len < -1) return -1;
    *data = NULL;
    if (*len < 0) return 0;
    if ((size_t)*len > (size_t)(end - *pp)) return -1;
    *data = *pp;
    *pp += *len;
    return 0;
}

static int headers(const uint8_t **pp, const uint8_t *end, int32_t count)
{
    for (int32_t i = 0; i < count; i++) {
        const uint8_t *d;
        int32_t len;
        if (bytes(pp, end, &d, &len) || len < 0) return -1; /* keys are never null */
        if (bytes(pp, end, &d, &len)) return -1;
    }
    return 0;
}

int lh_stream_records_open(lh_stream_records_t *it, const void *p, size_t size, size_t max_plain,
                           lh_err_t *err)
{
    const uint8_t *b = p;
    memset(it, 0, sizeof *it);
    int rc = lh__stream_batch_header(p, size, &it->hdr, err);
    if (rc) return rc;
    int codec = it->hdr.attributes & LH_STREAM_ATTR_CODEC_MASK;
    it->p = b + LH_STREAM_BATCH_HEADER;
    it->end = b + it->hdr.size;
    if (codec == LH_STREAM_CODEC_NONE) return 0;
    lh_buf_init(&it->plain, max_plain);
    rc = lh_stream_decompress(codec, it->p, (size_t)(it->end - it->p), &it->plain, err);
    if (rc) {
        lh_buf_free(&it->plain);
        return rc;
    }
    it->p = (const uint8_t *)it->plain.ptr;
    it->end = it->p + it->plain.len;
    return 0;
}

static int malformed(const lh_stream_records_t *it, lh_err_t *err, const char *what)
{
    return lh_err_set(err, LH_ECORRUPT, "record %d of the batch at offset %lld: %s", (int)it->index,
                      (long long)it->hdr.base_offset, what);
}

static int one(lh_stream_records_t *it, lh_stream_record_t *r, lh_err_t *err)
{
    int32_t len, hcount, odelta;
    int64_t tdelta;
    const uint8_t *p = it->p;
    if (vi32(&p, it->end, &len) || len < 0 || (size_t)len > (size_t)(it->end - p))
        return malformed(it, err, "bad length");
    const uint8_t *end = p + len;
    if (len < 1) return malformed(it, err, "empty record");
    p++; /* attributes: unused */
    if (varint(&p, end, 10, &tdelta) || vi32(&p, end, &odelta))
        return malformed(it, err, "bad timestamp or offset delta");
    if (odelta != it->index) return malformed(it, err, "offset delta out of sequence");
    if (bytes(&p, end, &r->key, &r->key_len) || bytes(&p, end, &r->value, &r->value_len))
        return malformed(it, err, "bad key or value");
    if (vi32(&p, end, &hcount) || hcount < 0) return malformed(it, err, "bad header count");
    r->headers = p;
    if (headers(&p, end, hcount) || p != end) return malformed(it, err, "bad headers");
    r->header_len = (size_t)(p - r->headers);
    r->header_count = hcount;
    r->offset = (int64_t)((uint64_t)it->hdr.base_offset + (uint64_t)odelta);
    r->timestamp = (int64_t)((uint64_t)it->hdr.base_timestamp + (uint64_t)tdelta);
    it->p = end;
    it->index++;
    return 1;
}

int lh_stream_records_next(lh_stream_records_t *it, lh_stream_record_t *r, lh_err_t *err)
{
    if (it->index == it->hdr.count) {
        if (it->p != it->end) return malformed(it, err, "bytes after the last record");
        return 0;
    }
    if (it->p >= it->end) return malformed(it, err, "fewer records than the header says");
    return one(it, r, err);
}

void lh_stream_records_close(lh_stream_records_t *it)
{
    lh_buf_free(&it->plain);
}

/* Walks its records (the checks of lh_stream_batch_check_records). */
static int walk(lh_stream_records_t *it, lh_err_t *err)
{
    lh_stream_record_t r;
    int64_t max = INT64_MIN;
    int rc;
    while ((rc = lh_stream_records_next(it, &r, err)) == 1)
        if (r.timestamp > max) max = r.timestamp;
    if (rc == 0 && !(it->hdr.attributes & LH_STREAM_ATTR_LOG_APPEND_TIME) &&
        max != it->hdr.max_timestamp)
        rc = lh_err_set(err, LH_ECORRUPT,
                        "record batch maxTimestamp %lld is not its largest record timestamp %lld",
                        (long long)it->hdr.max_timestamp, (long long)max);
    return rc;
}

int lh_stream_batch_recompress(const void *p, size_t size, size_t max_plain, int codec, int level,
                               lh_buf_t *out, lh_err_t *err)
{
    lh_stream_records_t it;
    int rc = lh_stream_records_open(&it, p, size, max_plain, err);
    if (rc) return rc;
    const uint8_t *recs = it.p; /* the records, decompressed when they were not plain */
    size_t nrecs = (size_t)(it.end - it.p);
    rc = walk(&it, err);
    lh_buf_reset(out);
    if (!rc && lh_buf_append(out, p, LH_STREAM_BATCH_HEADER))
        rc = lh_err_set(err, LH_ENOMEM, "out of memory compressing a record batch");
    if (!rc) rc = lh_stream_compress(codec, level, recs, nrecs, out, err);
    lh_stream_records_close(&it);
    if (rc) return rc;
    uint8_t *b = (uint8_t *)out->ptr;
    int16_t attrs = (int16_t)((lh_stream_be16(b + 21) & ~LH_STREAM_ATTR_CODEC_MASK) | codec);
    b[21] = (uint8_t)((uint16_t)attrs >> 8), b[22] = (uint8_t)attrs;
    uint32_t len = (uint32_t)(out->len - LH_STREAM_BATCH_PREFIX);
    for (int i = 0; i < 4; i++)
        b[8 + i] = (uint8_t)(len >> (24 - 8 * i));
    uint32_t crc = lh_crc32c(0, b + 21, out->len - 21);
    for (int i = 0; i < 4; i++)
        b[17 + i] = (uint8_t)(crc >> (24 - 8 * i));
    return 0;
}

int lh_stream_batch_check_records(const void *p, size_t size, size_t max_plain, lh_err_t *err)
{
    lh_stream_records_t it;
    int rc = lh_stream_records_open(&it, p, size, max_plain, err);
    if (rc) return rc;
    rc = walk(&it, err);
    lh_stream_records_close(&it);
    return rc;
}
