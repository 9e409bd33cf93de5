/* Definition levels as bits: a flat OPTIONAL column (maximum definition
 * level 1, no repetition) keeps its page's levels as a bitmap, decoded from
 * the RLE/bit-packed hybrid straight into words (a bit-packed run of width
 * 1 already is the bitmap), so a batch counts its values with popcounts,
 * copies its validity a word at a time and spreads its dense values to
 * their rows without a branch per value. */
#include "parquet/reader_int.h"

#include <string.h>

/* 64 bits of w from bit pos on (w holds one word past the last bit read). */
static inline uint64_t bits_at(const uint64_t *w, size_t pos)
{
    unsigned s = pos & 63;
    uint64_t lo = w[pos >> 6] >> s;
    return s ? lo | w[(pos >> 6) + 1] << (64 - s) : lo;
}

static inline uint64_t low_mask(unsigned n)
{
    return n >= 64 ? UINT64_MAX : (UINT64_C(1) << n) - 1;
}

uint32_t lh__pq_bits_count(const uint64_t *w, size_t pos, uint32_t n)
{
    uint32_t c = 0;
    while (n) {
        unsigned m = n < 64 ? n : 64;
        c += (uint32_t)__builtin_popcountll(bits_at(w, pos) & low_mask(m));
        pos += m;
        n -= m;
    }
    return c;
}

void lh__pq_bits_copy(uint64_t *dst, uint32_t doff, const uint64_t *src, size_t soff, uint32_t n)
{
    while (n) {
        unsigned s = doff & 63, m = 64 - s;
        if (m > n) m = n;
        uint64_t mask = low_mask(m) << s, b = (bits_at(src, soff) << s) & mask;
        dst[doff >> 6] = (dst[doff >> 6] & ~mask) | b;
        doff += m;
        soff += m;
        n -= m;
    }
}

/* Backwards from the last row, 64 rows per window of bits: row i takes the
 * last dense value not yet placed when its bit is set, else zero; j never
 * passes i, so no dense value is overwritten before it moves. */
#define SPREAD_BITS(T)                                                                             \
    do {                                                                                           \
        T *d = (T *)base;                                                                          \
        for (uint32_t hi = k; hi > 0;) {                                                           \
            uint32_t lo = hi > 64 ? hi - 64 : 0;                                                   \
            uint64_t win = bits_at(bits, pos + lo);                                                \
            for (uint32_t i = hi; i-- > lo;) {                                                     \
                T b = (T)(win >> (i - lo) & 1);                                                    \
                T x = d[j - (j != 0)];                                                             \
                d[i] = x & (T)(0 - b);                                                             \
                j -= (uint32_t)b;                                                                  \
            }                                                                                      \
            hi = lo;                                                                               \
        }                                                                                          \
    } while (0)

void lh__pq_bits_spread(uint8_t *base, size_t size, const uint64_t *bits, size_t pos, uint32_t k,
                        uint32_t nn, uint64_t *validity, uint32_t row)
{
    uint32_t j = nn;
    switch (size) {
    case 1:
        SPREAD_BITS(uint8_t);
        break;
    case 2:
        SPREAD_BITS(uint16_t);
        break;
    case 4:
        SPREAD_BITS(uint32_t);
        break;
    case 8:
        SPREAD_BITS(uint64_t);
        break;
    default: /* 16 bytes: strings, int128, intervals, as two words */
        for (uint32_t hi = k; hi > 0;) {
            uint32_t lo = hi > 64 ? hi - 64 : 0;
            uint64_t win = bits_at(bits, pos + lo);
            for (uint32_t i = hi; i-- > lo;) {
                uint64_t m = 0 - (win >> (i - lo) & 1), x[2];
                memcpy(x, base + (size_t)(j - (j != 0)) * 16, 16);
                x[0] &= m;
                x[1] &= m;
                memcpy(base + (size_t)i * 16, x, 16);
                j -= (uint32_t)(m & 1);
            }
            hi = lo;
        }
        break;
    }
    lh__pq_bits_copy(validity, row, bits, pos, k);
}
