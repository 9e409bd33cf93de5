/* A small RecordBatch v2 encoder for the stream tests, written from the
 * format (Kafka's docs/implementation.html): records with zig-zag varints,
 * the records section compressed with the real libraries (gzip, snappy raw
 * and xerial-framed, lz4 frame, zstd), the 61-byte header and its CRC-32C.
 * Record i of a batch has key "k<i>", one header h1=x and a value of
 * value_size bytes given by enc_byte(seed, i, j). */
#ifndef LH_TEST_STREAM_ENC_H
#define LH_TEST_STREAM_ENC_H

#include "core/buf.h"
#include "core/checksum.h"
#include "stream/log.h"

#include <lz4frame.h>
#include <snappy-c.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

typedef struct {
    int codec;         /* LH_STREAM_CODEC_* */
    int xerial;        /* snappy: xerial framing, two blocks */
    int n;             /* records */
    const int64_t *ts; /* per record; NULL: 1000 + i */
    int value_size;
    int seed;
    int extra_attrs;  /* OR-ed into attributes (control, log-append-time) */
    int count;        /* header count; 0: n */
    int lod;          /* header lastOffsetDelta; -1: count - 1 */
    int64_t max_skew; /* added to the header maxTimestamp */
} enc_t;

static inline uint8_t enc_byte(int seed, int i, int j)
{
    return (uint8_t)((seed * 131 + i * 7 + (j % 64)) & 0xff);
}

static inline void enc_varint(lh_buf_t *b, int64_t v)
{
    uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    uint8_t t[10];
    int n = 0;
    while (z >= 0x80) {
        t[n++] = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    t[n++] = (uint8_t)z;
    lh_buf_append(b, t, (size_t)n);
}

static inline void enc_be(lh_buf_t *b, uint64_t v, int n)
{
    uint8_t t[8];
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        t[i] = (uint8_t)v;
    lh_buf_append(b, t, (size_t)n);
}

static inline int64_t enc_ts(const enc_t *e, int i)
{
    return e->ts ? e->ts[i] : 1000 + i;
}

static inline void enc_records(lh_buf_t *out, const enc_t *e)
{
    lh_buf_t r;
    lh_buf_init(&r, 0);
    uint8_t *val = malloc((size_t)e->value_size + 1);
    for (int i = 0; i < e->n; i++) {
        char key[16];
        int kl = snprintf(key, sizeof key, "k%d", i);
        for (int j = 0; j < e->value_size; j++)
            val[j] = enc_byte(e->seed, i, j);
        lh_buf_reset(&r);
        lh_buf_append(&r, "", 1); /* attributes */
        enc_varint(&r, enc_ts(e, i) - enc_ts(e, 0));
        enc_varint(&r, i);
        enc_varint(&r, kl);
        lh_buf_append(&r, key, (size_t)kl);
        enc_varint(&r, e->value_size);
        lh_buf_append(&r, val, (size_t)e->value_size);
        enc_varint(&r, 1);
        enc_varint(&r, 2);
        lh_buf_append(&r, "h1", 2);
        enc_varint(&r, 1);
        lh_buf_append(&r, "x", 1);
        enc_varint(out, (int64_t)r.len);
        lh_buf_append(out, r.ptr, r.len);
    }
    free(val);
    lh_buf_free(&r);
}

static inline void enc_compress(lh_buf_t *out, const enc_t *e, const uint8_t *p, size_t n)
{
    size_t cap = n * 2 + 1024;
    uint8_t *c = malloc(cap);
    size_t len = cap;
    if (e->codec == LH_STREAM_CODEC_GZIP) {
        z_stream z;
        memset(&z, 0, sizeof z);
        deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
        z.next_in = (Bytef *)p;
        z.avail_in = (uInt)n;
        z.next_out = c;
        z.avail_out = (uInt)cap;
        deflate(&z, Z_FINISH);
        len = cap - z.avail_out;
        deflateEnd(&z);
    } else if (e->codec == LH_STREAM_CODEC_SNAPPY && !e->xerial) {
        snappy_compress((const char *)p, n, (char *)c, &len);
    } else if (e->codec == LH_STREAM_CODEC_SNAPPY) {
        static const uint8_t magic[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0,
                                          0,    0,   0,   1,   0,   0,   0,   1};
        lh_buf_append(out, magic, 16);
        size_t half = n / 2;
        for (int k = 0; k < 2; k++) {
            size_t from = k ? half : 0, m = k ? n - half : half;
            len = cap;
            snappy_compress((const char *)p + from, m, (char *)c, &len);
            enc_be(out, len, 4);
            lh_buf_append(out, c, len);
        }
        len = 0;
    } else if (e->codec == LH_STREAM_CODEC_LZ4) {
        len = LZ4F_compressFrame(c, cap, p, n, NULL);
    } else if (e->codec == LH_STREAM_CODEC_ZSTD) {
        len = ZSTD_compress(c, cap, p, n, 3);
    } else {
        if (n) memcpy(c, p, n);
        len = n;
    }
    lh_buf_append(out, c, len);
    free(c);
}

/* Appends one batch (base offset 0) to out. */
static inline void enc_batch(lh_buf_t *out, const enc_t *e)
{
    lh_buf_t recs, body;
    lh_buf_init(&recs, 0);
    lh_buf_init(&body, 0);
    enc_records(&recs, e);
    enc_compress(&body, e, (const uint8_t *)recs.ptr, recs.len);
    int64_t max = INT64_MIN;
    for (int i = 0; i < e->n; i++)
        if (enc_ts(e, i) > max) max = enc_ts(e, i);
    int count = e->count ? e->count : e->n;
    size_t at = out->len;
    enc_be(out, 0, 8);
    enc_be(out, (uint64_t)(49 + body.len), 4);
    enc_be(out, 0, 4);
    enc_be(out, 2, 1);
    enc_be(out, 0, 4); /* crc, below */
    enc_be(out, (uint64_t)(e->codec | e->extra_attrs), 2);
    enc_be(out, (uint64_t)(uint32_t)(e->lod >= 0 ? e->lod : count - 1), 4);
    enc_be(out, (uint64_t)enc_ts(e, 0), 8);
    enc_be(out, (uint64_t)(max + e->max_skew), 8);
    enc_be(out, (uint64_t)-1, 8);
    enc_be(out, (uint64_t)-1, 2);
    enc_be(out, (uint64_t)-1, 4);
    enc_be(out, (uint64_t)count, 4);
    lh_buf_append(out, body.ptr, body.len);
    uint8_t *b = (uint8_t *)out->ptr + at;
    uint32_t crc = lh_crc32c(0, b + 21, out->len - at - 21);
    for (int i = 3; i >= 0; i--, crc >>= 8)
        b[17 + i] = (uint8_t)crc;
    lh_buf_free(&recs);
    lh_buf_free(&body);
}

/* A batch with defaults: n records of value_size bytes, timestamps ts (or
 * 1000+i). */
static inline void enc_simple(lh_buf_t *out, int codec, int n, int value_size, int seed,
                              const int64_t *ts)
{
    enc_t e = {.codec = codec, .n = n, .ts = ts, .value_size = value_size, .seed = seed, .lod = -1};
    enc_batch(out, &e);
}

#endif
