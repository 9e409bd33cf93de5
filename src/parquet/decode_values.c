/* PLAIN (Encodings.md "Plain") for every physical type and
 * BYTE_STREAM_SPLIT. Fixed-width PLAIN values are little-endian and
 * unaligned in the page: one memcpy moves a whole slice. BOOLEAN is one bit
 * per value, least significant first; BYTE_ARRAY a 4-byte little-endian
 * length then the bytes (views point into the page); FIXED_LEN_BYTE_ARRAY
 * the bytes alone. BYTE_STREAM_SPLIT stores byte k of every value in stream
 * k: decoding gathers the width streams back together. */
#include "parquet/decode.h"
#include "parquet/meta.h"

#include <string.h>

size_t lh_pq_phys_size(int type)
{
    switch (type) {
    case LH_PQ_BOOLEAN:
        return 1;
    case LH_PQ_INT32:
    case LH_PQ_FLOAT:
        return 4;
    case LH_PQ_INT64:
    case LH_PQ_DOUBLE:
        return 8;
    case LH_PQ_INT96:
        return 12;
    default:
        return sizeof(lh_string_t);
    }
}

void lh_pq_plain_init(lh_pq_plain_t *d, const void *data, size_t len, int type, int32_t flba_len)
{
    d->p = data;
    d->end = d->p + len;
    d->type = type;
    d->flba_len = flba_len;
    d->bit = 0;
}

static int plain_bool(lh_pq_plain_t *d, uint8_t *out, uint32_t n, lh_err_t *err)
{
    size_t bits = (size_t)(d->end - d->p) * 8 - d->bit;
    if (n > bits) return lh_err_set(err, LH_ECORRUPT, "plain booleans end early");
    for (uint32_t i = 0; i < n; i++) {
        out[i] = (uint8_t)(*d->p >> d->bit & 1);
        if (++d->bit == 8) {
            d->bit = 0;
            d->p++;
        }
    }
    return 0;
}

static int plain_byte_array(lh_pq_plain_t *d, lh_string_t *out, uint32_t n, lh_err_t *err)
{
    const uint8_t *p = d->p, *end = d->end;
    for (uint32_t i = 0; i < n; i++) {
        if (end - p < 4) return lh_err_set(err, LH_ECORRUPT, "plain byte array ends early");
        uint32_t len;
        memcpy(&len, p, 4);
        p += 4;
        if ((size_t)(end - p) < len)
            return lh_err_set(err, LH_ECORRUPT, "plain byte array length %u past the page", len);
        out[i] = lh_string_make((const char *)p, len);
        p += len;
    }
    d->p = p;
    return 0;
}

int lh_pq_plain_get(lh_pq_plain_t *d, void *out, uint32_t n, lh_err_t *err)
{
    if (d->type == LH_PQ_BOOLEAN) return plain_bool(d, out, n, err);
    if (d->type == LH_PQ_BYTE_ARRAY) return plain_byte_array(d, out, n, err);
    if (d->type == LH_PQ_FIXED_LEN_BYTE_ARRAY) {
        size_t w = (size_t)d->flba_len;
        if ((size_t)(d->end - d->p) / (w ? w : 1) < n && w)
            return lh_err_set(err, LH_ECORRUPT, "plain fixed-length values end early");
        lh_string_t *s = out;
        for (uint32_t i = 0; i < n; i++, d->p += w)
            s[i] = lh_string_make((const char *)d->p, (uint32_t)w);
        return 0;
    }
    size_t size = lh_pq_phys_size(d->type);
    if ((size_t)(d->end - d->p) / size < n)
        return lh_err_set(err, LH_ECORRUPT, "plain values end early");
    memcpy(out, d->p, size * n);
    d->p += size * n;
    return 0;
}

int lh_pq_bss_init(lh_pq_bss_t *d, const void *data, size_t len, int type, int32_t flba_len,
                   lh_err_t *err)
{
    memset(d, 0, sizeof *d);
    size_t w;
    switch (type) {
    case LH_PQ_INT32:
    case LH_PQ_FLOAT:
        w = 4;
        break;
    case LH_PQ_INT64:
    case LH_PQ_DOUBLE:
        w = 8;
        break;
    case LH_PQ_FIXED_LEN_BYTE_ARRAY:
        w = flba_len > 0 ? (size_t)flba_len : 0;
        break;
    default:
        return lh_err_set(err, LH_ECORRUPT, "byte stream split on physical type %d", type);
    }
    if (!w || len % w)
        return lh_err_set(err, LH_ECORRUPT, "byte stream split: %zu bytes for width %zu", len, w);
    d->data = data;
    d->count = len / w;
    d->width = (uint32_t)w;
    d->type = type;
    return 0;
}

int lh_pq_bss_get(lh_pq_bss_t *d, void *out, uint32_t n, lh_arena_t *arena, lh_err_t *err)
{
    if (d->count - d->pos < n) return lh_err_set(err, LH_ECORRUPT, "byte stream split ends early");
    uint32_t w = d->width;
    uint8_t *dst = out;
    if (d->type == LH_PQ_FIXED_LEN_BYTE_ARRAY) {
        if (!(dst = arena ? lh_arena_alloc(arena, (size_t)n * w + 1) : NULL))
            return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    for (uint32_t k = 0; k < w; k++) {
        const uint8_t *s = d->data + (size_t)k * d->count + d->pos;
        for (uint32_t i = 0; i < n; i++)
            dst[(size_t)i * w + k] = s[i];
    }
    if (d->type == LH_PQ_FIXED_LEN_BYTE_ARRAY) {
        lh_string_t *v = out;
        for (uint32_t i = 0; i < n; i++)
            v[i] = lh_string_make((const char *)dst + (size_t)i * w, w);
    }
    d->pos += n;
    return 0;
}
