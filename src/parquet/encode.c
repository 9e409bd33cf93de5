/* The writer's value encoders: the RLE/bit-packed hybrid over 32-bit and
 * 8-bit values (levels, dictionary indices) and PLAIN for every physical
 * type, appending to an lh_buf_t without a call per byte (lh_pq_buf_reserve
 * hands out room, the encoder writes it directly). */
#include "parquet/encode.h"

#include "core/err.h"

#include <stdlib.h>

uint8_t *lh_pq_buf_reserve(lh_buf_t *b, size_t n)
{
    if (b->err) return NULL;
    size_t need = b->len + n;
    if (need > b->max || need < b->len) {
        b->err = LH_ETOOBIG;
        return NULL;
    }
    if (need + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need + 1)
            cap *= 2;
        if (cap > b->max + 1) cap = b->max + 1;
        char *p = realloc(b->ptr, cap);
        if (!p) {
            b->err = LH_ENOMEM;
            return NULL;
        }
        b->ptr = p;
        b->cap = cap;
    }
    return (uint8_t *)b->ptr + b->len;
}

static size_t put_uleb(uint8_t *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    return n;
}

/* One RLE run: the header and the value in ceil(bw / 8) bytes. */
static void rle_run(uint32_t value, size_t count, int bw, lh_buf_t *out)
{
    uint8_t *p = lh_pq_buf_reserve(out, 10 + 4);
    if (!p) return;
    size_t n = put_uleb(p, (uint64_t)count << 1);
    for (int k = 0; k < (bw + 7) / 8; k++)
        p[n++] = (uint8_t)(value >> (8 * k));
    out->len += n;
}

/* Bit-packed groups for v[0..n), the last group padded with zeros. */
#define DEFINE_PACK(name, T)                                                                       \
    static void name(const T *v, size_t n, int bw, lh_buf_t *out)                                  \
    {                                                                                              \
        size_t groups = (n + 7) / 8;                                                               \
        uint8_t *p = lh_pq_buf_reserve(out, 10 + groups * (size_t)bw);                             \
        if (!p) return;                                                                            \
        size_t o = put_uleb(p, (uint64_t)groups << 1 | 1);                                         \
        uint64_t acc = 0;                                                                          \
        int bits = 0;                                                                              \
        for (size_t i = 0; i < groups * 8; i++) {                                                  \
            acc |= (uint64_t)(i < n ? v[i] : 0) << bits;                                           \
            bits += bw;                                                                            \
            while (bits >= 8) {                                                                    \
                p[o++] = (uint8_t)acc;                                                             \
                acc >>= 8;                                                                         \
                bits -= 8;                                                                         \
            }                                                                                      \
        }                                                                                          \
        out->len += o;                                                                             \
    }

DEFINE_PACK(pack32, uint32_t)
DEFINE_PACK(pack8, uint8_t)

/* Runs of 8 or more equal values go out as RLE; what lies between them is
 * bit-packed. A bit-packed stretch must hold a multiple of 8 values unless it
 * ends the data, so it borrows the first values of the run after it. */
#define DEFINE_RLE(name, T, pack)                                                                  \
    int name(const T *v, size_t n, int bw, lh_buf_t *out)                                          \
    {                                                                                              \
        size_t lit = 0, i = 0;                                                                     \
        while (i < n) {                                                                            \
            size_t j = i + 1;                                                                      \
            while (j < n && v[j] == v[i])                                                          \
                j++;                                                                               \
            if (j - i >= 8) {                                                                      \
                size_t pad = (8 - (i - lit) % 8) % 8;                                              \
                if (j - i - pad >= 8) {                                                            \
                    if (i + pad > lit) pack(v + lit, i + pad - lit, bw, out);                      \
                    rle_run(v[i], j - i - pad, bw, out);                                           \
                    lit = j;                                                                       \
                }                                                                                  \
            }                                                                                      \
            i = j;                                                                                 \
        }                                                                                          \
        if (n > lit) pack(v + lit, n - lit, bw, out);                                              \
        return lh_buf_err(out);                                                                    \
    }

DEFINE_RLE(lh_pq_rle_encode, uint32_t, pack32)
DEFINE_RLE(lh_pq_rle_encode_u8, uint8_t, pack8)

int lh_pq_levels_encode(const uint8_t *v, size_t n, int bw, lh_buf_t *out)
{
    if (!lh_pq_buf_reserve(out, 4)) return lh_buf_err(out);
    size_t at = out->len;
    out->len += 4;
    int rc = lh_pq_rle_encode_u8(v, n, bw, out);
    if (rc) return rc;
    lh_pq_put_le32((uint8_t *)out->ptr + at, (uint32_t)(out->len - at - 4));
    return 0;
}

int lh_pq_plain_bool(const uint8_t *v, size_t n, lh_buf_t *out)
{
    uint8_t *p = lh_pq_buf_reserve(out, (n + 7) / 8);
    if (!p) return lh_buf_err(out);
    memset(p, 0, (n + 7) / 8);
    for (size_t i = 0; i < n; i++)
        p[i >> 3] |= (uint8_t)((v[i] & 1) << (i & 7));
    out->len += (n + 7) / 8;
    return 0;
}

int lh_pq_plain_fixed(const void *v, size_t n, size_t width, lh_buf_t *out)
{
    return lh_buf_append(out, v, n * width);
}

int lh_pq_plain_bytes(const lh_str_t *v, size_t n, lh_buf_t *out)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += 4 + v[i].len;
    uint8_t *p = lh_pq_buf_reserve(out, total);
    if (!p) return lh_buf_err(out);
    for (size_t i = 0; i < n; i++) {
        lh_pq_put_le32(p, (uint32_t)v[i].len);
        if (v[i].len) memcpy(p + 4, v[i].ptr, v[i].len);
        p += 4 + v[i].len;
    }
    out->len += total;
    return 0;
}
