/* The RLE / bit-packed hybrid (Encodings.md "Run Length Encoding /
 * Bit-Packing Hybrid"): definition and repetition levels, dictionary
 * indices and RLE booleans. A run header is a ULEB128 varint: low bit 0 is an
 * RLE run (count = header >> 1, then the value in ceil(width / 8) bytes), low
 * bit 1 a bit-packed run of (header >> 1) groups of 8 values. RLE runs fill
 * the output in one loop; bit-packed runs are unpacked with 64-bit loads.
 * A final bit-packed run cut short by the end of the data is read as far as
 * it goes (some writers drop its padding bytes). */
#include "parquet/decode.h"

#include <string.h>

int lh_pq_bit_width(uint32_t max)
{
    int w = 0;
    while (max) {
        w++;
        max >>= 1;
    }
    return w;
}

static inline uint64_t load64(const uint8_t *in, size_t inlen, size_t byte)
{
    uint64_t w = 0;
    if (byte + 8 <= inlen) {
        memcpy(&w, in + byte, 8);
    } else if (byte < inlen) {
        memcpy(&w, in + byte, inlen - byte);
    }
    return w;
}

/* n values of width bits starting at bit `bit` of in[0..inlen). */
static void unpack_at(const uint8_t *in, size_t inlen, size_t bit, int width, uint32_t *out,
                      uint32_t n)
{
    if (width == 0) {
        memset(out, 0, (size_t)n * 4);
        return;
    }
    if (!(bit & 7) && (width == 8 || width == 16 || width == 32)) {
        const uint8_t *p = in + bit / 8;
        if (width == 8) {
            for (uint32_t i = 0; i < n; i++)
                out[i] = p[i];
        } else if (width == 16) {
            for (uint32_t i = 0; i < n; i++)
                out[i] = (uint32_t)p[2 * i] | (uint32_t)p[2 * i + 1] << 8;
        } else {
            memcpy(out, p, (size_t)n * 4);
        }
        return;
    }
    uint64_t mask = (UINT64_C(1) << width) - 1;
    size_t safe = inlen >= 8 ? (inlen - 8) * 8 : 0; /* bits below which a full load fits */
    uint32_t i = 0;
    for (; i < n && bit < safe; i++, bit += (size_t)width) {
        uint64_t w;
        memcpy(&w, in + (bit >> 3), 8);
        out[i] = (uint32_t)((w >> (bit & 7)) & mask);
    }
    for (; i < n; i++, bit += (size_t)width)
        out[i] = (uint32_t)((load64(in, inlen, bit >> 3) >> (bit & 7)) & mask);
}

void lh_pq_unpack32(const uint8_t *in, size_t inlen, int width, uint32_t *out, uint32_t n)
{
    uint32_t groups = n / 8, i = 0;
    if (width > 0 && width <= 32) {
        size_t fit = inlen >= 8 ? (inlen - 8) / (size_t)width : 0;
        if (groups > fit) groups = (uint32_t)fit;
        lh_pq_unpack_groups(in, width, out, groups);
        i = groups * 8;
    }
    unpack_at(in, inlen, (size_t)i * (size_t)(width > 0 ? width : 0), width, out + i, n - i);
}

int lh_pq_rle_init(lh_pq_rle_t *d, const void *data, size_t len, int width, lh_err_t *err)
{
    memset(d, 0, sizeof *d);
    if (width < 0 || width > 32)
        return lh_err_set(err, LH_ECORRUPT, "rle bit width %d out of range", width);
    d->p = data;
    d->end = d->p + len;
    d->width = width;
    return 0;
}

/* Reads the next run header. */
static int next_run(lh_pq_rle_t *d, lh_err_t *err)
{
    uint64_t h = 0;
    int shift = 0;
    for (;;) {
        if (d->p >= d->end) return lh_err_set(err, LH_ECORRUPT, "rle data ends early");
        uint8_t b = *d->p++;
        h |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
        if ((shift += 7) > 35) return lh_err_set(err, LH_ECORRUPT, "rle run header too long");
    }
    uint64_t n = h >> 1;
    if (h & 1) {
        size_t avail = (size_t)(d->end - d->p);
        uint64_t bytes = n * (uint64_t)d->width, count = n * 8;
        if (bytes > avail) {
            bytes = avail;
            count = d->width ? avail * 8 / (size_t)d->width : count;
        }
        if (count == 0 || count > UINT32_MAX)
            return lh_err_set(err, LH_ECORRUPT, "bad bit-packed run");
        d->bp = d->p;
        d->bp_count = (uint32_t)count;
        d->bp_left = (uint32_t)count;
        d->bp_pos = 0;
        d->p += bytes;
        return 0;
    }
    size_t vb = ((size_t)d->width + 7) / 8;
    if (n == 0 || n > UINT32_MAX) return lh_err_set(err, LH_ECORRUPT, "bad rle run length");
    if ((size_t)(d->end - d->p) < vb) return lh_err_set(err, LH_ECORRUPT, "rle value cut short");
    uint32_t v = 0;
    for (size_t i = 0; i < vb; i++)
        v |= (uint32_t)d->p[i] << (8 * i);
    d->p += vb;
    if (d->width < 32 && v >> d->width) return lh_err_set(err, LH_ECORRUPT, "rle value too wide");
    d->rle_value = v;
    d->rle_left = (uint32_t)n;
    return 0;
}

bool lh_pq_rle_run_covers(const void *data, size_t len, int width, uint32_t n, uint32_t *value)
{
    lh_pq_rle_t d;
    if (width < 0 || width > 32 || lh_pq_rle_init(&d, data, len, width, NULL) ||
        next_run(&d, NULL) || !d.rle_left || d.rle_left < n)
        return false;
    *value = d.rle_value;
    return true;
}

/* Bit-packed values of the current run: k of them into out. Whole groups of
 * 8 go through the width's unrolled unpacker while 8 bytes past them are
 * inside the data; the first partial group and the tail through unpack_at. */
static void take_packed(lh_pq_rle_t *d, uint32_t *out, uint32_t k)
{
    int w = d->width;
    size_t runbytes = ((size_t)d->bp_count * (size_t)w + 7) / 8;
    size_t avail = (size_t)(d->end - d->bp); /* readable bytes from the run's start */
    uint32_t pos = d->bp_pos, i = (8 - (pos & 7)) & 7;
    if (i > k) i = k;
    unpack_at(d->bp, runbytes, (size_t)pos * (size_t)w, w, out, i);
    pos += i;
    size_t start = (size_t)(pos / 8) * (size_t)w;
    uint32_t groups = (k - i) / 8;
    if (w && groups) {
        size_t fit = avail >= start + 8 ? (avail - start - 8) / (size_t)w : 0;
        if (groups > fit) groups = (uint32_t)fit;
        lh_pq_unpack_groups(d->bp + start, w, out + i, groups);
        i += groups * 8;
        pos += groups * 8;
    }
    unpack_at(d->bp, runbytes, (size_t)pos * (size_t)w, w, out + i, k - i);
    d->bp_pos += k;
    d->bp_left -= k;
}

#define RLE_GET_BODY(T)                                                                            \
    uint32_t done = 0;                                                                             \
    while (done < n) {                                                                             \
        if (d->rle_left) {                                                                         \
            uint32_t k = n - done < d->rle_left ? n - done : d->rle_left;                          \
            T v = (T)d->rle_value;                                                                 \
            for (uint32_t i = 0; i < k; i++)                                                       \
                out[done + i] = v;                                                                 \
            d->rle_left -= k;                                                                      \
            done += k;                                                                             \
        } else if (d->bp_left) {                                                                   \
            uint32_t k = n - done < d->bp_left ? n - done : d->bp_left;                            \
            if (k > 256) k = 256;                                                                  \
            uint32_t tmp[256];                                                                     \
            take_packed(d, tmp, k);                                                                \
            for (uint32_t i = 0; i < k; i++)                                                       \
                out[done + i] = (T)tmp[i];                                                         \
            done += k;                                                                             \
        } else {                                                                                   \
            int rc = next_run(d, err);                                                             \
            if (rc) return rc;                                                                     \
        }                                                                                          \
    }                                                                                              \
    return 0

int lh_pq_rle_get16(lh_pq_rle_t *d, uint16_t *out, uint32_t n, lh_err_t *err)
{
    RLE_GET_BODY(uint16_t);
}

int lh_pq_rle_get8(lh_pq_rle_t *d, uint8_t *out, uint32_t n, lh_err_t *err)
{
    RLE_GET_BODY(uint8_t);
}

int lh_pq_rle_get(lh_pq_rle_t *d, uint32_t *out, uint32_t n, lh_err_t *err)
{
    uint32_t done = 0;
    while (done < n) {
        if (d->rle_left) {
            uint32_t k = n - done < d->rle_left ? n - done : d->rle_left;
            uint32_t v = d->rle_value;
            for (uint32_t i = 0; i < k; i++)
                out[done + i] = v;
            d->rle_left -= k;
            done += k;
        } else if (d->bp_left) {
            uint32_t k = n - done < d->bp_left ? n - done : d->bp_left;
            take_packed(d, out + done, k);
            done += k;
        } else {
            int rc = next_run(d, err);
            if (rc) return rc;
        }
    }
    return 0;
}

int lh_pq_rle_get_codes(lh_pq_rle_t *d, int32_t *out, uint32_t n, uint32_t dict_size, lh_err_t *err)
{
    int rc = lh_pq_rle_get(d, (uint32_t *)out, n, err);
    if (rc) return rc;
    uint32_t bad = 0;
    const uint32_t *u = (const uint32_t *)out;
    for (uint32_t i = 0; i < n; i++)
        bad |= u[i] >= dict_size;
    if (bad) return lh_err_set(err, LH_ECORRUPT, "dictionary index out of range");
    return 0;
}

/* Appends bits to a run of 64-bit words, least significant first. */
typedef struct {
    uint64_t *out;
    uint64_t acc;
    unsigned nacc; /* bits in acc, below 64 */
} bitw_t;

/* Appends the low cnt (1..64) bits of bits (the bits above cnt are zero). */
static inline void bitw_push(bitw_t *w, uint64_t bits, unsigned cnt)
{
    w->acc |= bits << w->nacc;
    unsigned t = w->nacc + cnt;
    if (t >= 64) {
        *w->out++ = w->acc;
        w->acc = w->nacc ? bits >> (64 - w->nacc) : 0;
        t -= 64;
    }
    w->nacc = t;
}

int lh_pq_rle_get_bits(lh_pq_rle_t *d, uint64_t *out, uint32_t n, lh_err_t *err)
{
    if (d->width != 1) return lh_err_set(err, LH_EINVAL, "rle bits need width 1");
    bitw_t w = {.out = out};
    uint32_t done = 0;
    while (done < n) {
        if (d->rle_left) {
            uint32_t k = n - done < d->rle_left ? n - done : d->rle_left;
            uint64_t v = d->rle_value ? UINT64_MAX : 0;
            d->rle_left -= k;
            done += k;
            for (; k >= 64; k -= 64)
                bitw_push(&w, v, 64);
            if (k) bitw_push(&w, v & (UINT64_MAX >> (64 - k)), k);
        } else if (d->bp_left) {
            uint32_t k = n - done < d->bp_left ? n - done : d->bp_left;
            size_t runbytes = ((size_t)d->bp_count + 7) / 8, pos = d->bp_pos;
            d->bp_pos += k;
            d->bp_left -= k;
            done += k;
            while (k) {
                unsigned m = k < 56 ? k : 56;
                uint64_t b = load64(d->bp, runbytes, pos >> 3) >> (pos & 7);
                bitw_push(&w, b & (UINT64_MAX >> (64 - m)), m);
                pos += m;
                k -= m;
            }
        } else {
            int rc = next_run(d, err);
            if (rc) return rc;
        }
    }
    if (w.nacc) *w.out = w.acc;
    return 0;
}
