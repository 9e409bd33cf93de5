/* Bit unpacking of whole groups of 8 values, one function per bit width
 * (1..32) with the width a constant, so every shift and mask is an
 * immediate and no value costs a branch: value i of a group is one unaligned
 * 64-bit load at byte i*W/8, shifted right by (i*W)%8 and masked. 8 values of
 * W bits take exactly W bytes, so group g starts at byte g*W. The load of
 * the last value reads up to 7 bytes past the group: callers pass groups
 * only while 8 bytes past them are still inside their buffer (decode_rle.c
 * does the rest with its bounded loop). Width 0 is all zeros. */
#include "parquet/decode.h"

#include <string.h>

#define MASK(W) ((UINT64_C(1) << (W)) - 1)

#define ONE(W, I)                                                                                  \
    do {                                                                                           \
        uint64_t w_;                                                                               \
        memcpy(&w_, in + ((I) * (W)) / 8, 8);                                                      \
        out[I] = (uint32_t)((w_ >> (((I) * (W)) & 7)) & MASK(W));                                  \
    } while (0)

#define UNPACK(W)                                                                                  \
    static void unpack_##W(const uint8_t *in, uint32_t *out, uint32_t groups)                      \
    {                                                                                              \
        for (uint32_t g = 0; g < groups; g++, in += (W), out += 8) {                               \
            ONE(W, 0);                                                                             \
            ONE(W, 1);                                                                             \
            ONE(W, 2);                                                                             \
            ONE(W, 3);                                                                             \
            ONE(W, 4);                                                                             \
            ONE(W, 5);                                                                             \
            ONE(W, 6);                                                                             \
            ONE(W, 7);                                                                             \
        }                                                                                          \
    }

UNPACK(1)
UNPACK(2)
UNPACK(3)
UNPACK(4)
UNPACK(5)
UNPACK(6)
UNPACK(7)
UNPACK(8)
UNPACK(9)
UNPACK(10)
UNPACK(11)
UNPACK(12)
UNPACK(13)
UNPACK(14)
UNPACK(15)
UNPACK(16)
UNPACK(17)
UNPACK(18)
UNPACK(19)
UNPACK(20)
UNPACK(21)
UNPACK(22)
UNPACK(23)
UNPACK(24)
UNPACK(25)
UNPACK(26)
UNPACK(27)
UNPACK(28)
UNPACK(29)
UNPACK(30)
UNPACK(31)
UNPACK(32)

typedef void (*unpack_fn)(const uint8_t *, uint32_t *, uint32_t);

static const unpack_fn by_width[33] = {
    NULL,      unpack_1,  unpack_2,  unpack_3,  unpack_4,  unpack_5,  unpack_6,
    unpack_7,  unpack_8,  unpack_9,  unpack_10, unpack_11, unpack_12, unpack_13,
    unpack_14, unpack_15, unpack_16, unpack_17, unpack_18, unpack_19, unpack_20,
    unpack_21, unpack_22, unpack_23, unpack_24, unpack_25, unpack_26, unpack_27,
    unpack_28, unpack_29, unpack_30, unpack_31, unpack_32,
};

void lh_pq_unpack_groups(const uint8_t *in, int width, uint32_t *out, uint32_t groups)
{
    if (width <= 0 || width > 32) {
        memset(out, 0, (size_t)groups * 8 * sizeof *out);
        return;
    }
    by_width[width](in, out, groups);
}
