/* Parquet page decoders (apache/parquet-format Encodings.md), the bottom of
 * the reader: each turns the bytes of one page section into plain C arrays.
 *
 *   RLE / bit-packed hybrid   levels, dictionary indices, BOOLEAN (RLE)
 *   PLAIN                     every physical type
 *   BYTE_STREAM_SPLIT         FLOAT, DOUBLE, INT32, INT64, FIXED_LEN_BYTE_ARRAY
 *   DELTA_BINARY_PACKED       INT32, INT64
 *   DELTA_LENGTH_BYTE_ARRAY   BYTE_ARRAY
 *   DELTA_BYTE_ARRAY          BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY
 *
 * Every decoder is bounded by its input: a run, a miniblock or a length
 * that reaches past the end is LH_ECORRUPT, never a read past it. Decoders
 * are stateful so a page can be read in slices (a batch at a time); none
 * allocates except DELTA_BYTE_ARRAY, whose strings are rebuilt in the
 * caller's arena.
 *
 * Byte arrays come out as lh_string_t views (vector/vector.h): long ones
 * point into the page bytes (or the arena), so the page must outlive them. */
#ifndef LH_PARQUET_DECODE_H
#define LH_PARQUET_DECODE_H

#include "core/arena.h"
#include "core/err.h"
#include "vector/vector.h"

#include <stddef.h>
#include <stdint.h>

/* ---- bit unpacking ---- */

/* Unpacks n values of `width` bits (0..32), least significant bit first, from
 * in (which holds at least (n * width + 7) / 8 bytes) into out. */
void lh_pq_unpack32(const uint8_t *in, size_t inlen, int width, uint32_t *out, uint32_t n);
/* Unpacks groups * 8 values of `width` bits (0..32) from in, which must hold
 * groups * width + 8 readable bytes (the loads run up to 7 bytes past the
 * last group), one specialised loop per width (decode_unpack.c). */
void lh_pq_unpack_groups(const uint8_t *in, int width, uint32_t *out, uint32_t groups);

/* ---- RLE / bit-packed hybrid ---- */

typedef struct lh_pq_rle {
    const uint8_t *p, *end;
    int width;          /* 0..32 */
    uint32_t rle_left;  /* values left in the current RLE run */
    uint32_t rle_value; /* its value */
    uint32_t bp_left;   /* values left in the current bit-packed run */
    uint32_t bp_pos;    /* values of that run already used */
    const uint8_t *bp;  /* start of that run */
    uint32_t bp_count;  /* values in that run (groups of 8) */
} lh_pq_rle_t;

/* A decoder over data[0..len) of values `width` bits wide (no length
 * prefix: callers strip the 4-byte one of v1 levels and RLE booleans).
 * LH_ECORRUPT for a width over 32. */
int lh_pq_rle_init(lh_pq_rle_t *d, const void *data, size_t len, int width, lh_err_t *err);
/* Decodes exactly n values into out. LH_ECORRUPT when the data ends first. */
int lh_pq_rle_get(lh_pq_rle_t *d, uint32_t *out, uint32_t n, lh_err_t *err);
/* The same into 16-bit values (levels; width <= 16). */
int lh_pq_rle_get16(lh_pq_rle_t *d, uint16_t *out, uint32_t n, lh_err_t *err);
/* The same into bytes (booleans, small levels; width <= 8). */
int lh_pq_rle_get8(lh_pq_rle_t *d, uint8_t *out, uint32_t n, lh_err_t *err);
/* Levels of width 1 (a flat OPTIONAL column's definition levels) into bits
 * [0, n) of out, least significant bit first, which holds (n + 63) / 64
 * words; the bits of the last word past n are zero. LH_EINVAL for another
 * width, LH_ECORRUPT when the data ends first. */
int lh_pq_rle_get_bits(lh_pq_rle_t *d, uint64_t *out, uint32_t n, lh_err_t *err);
/* Dictionary indices into int32 codes, each checked to be < dict_size
 * (LH_ECORRUPT otherwise). */
int lh_pq_rle_get_codes(lh_pq_rle_t *d, int32_t *out, uint32_t n, uint32_t dict_size,
                        lh_err_t *err);

/* Whether data starts with one RLE run of at least n values; its value in
 * *value. Lets a reader skip decoding levels that are all the same. */
bool lh_pq_rle_run_covers(const void *data, size_t len, int width, uint32_t n, uint32_t *value);

/* Bits needed for values 0..max (0 for max 0). */
int lh_pq_bit_width(uint32_t max);

/* ---- PLAIN ---- */

/* A cursor over PLAIN values of one physical type (LH_PQ_BOOLEAN ..). */
typedef struct lh_pq_plain {
    const uint8_t *p, *end;
    int type;         /* physical type */
    int32_t flba_len; /* FIXED_LEN_BYTE_ARRAY: bytes per value */
    uint32_t bit;     /* BOOLEAN: bit position in *p */
} lh_pq_plain_t;

void lh_pq_plain_init(lh_pq_plain_t *d, const void *data, size_t len, int type, int32_t flba_len);
/* Decodes n values into out, laid out by physical type: BOOLEAN uint8 0/1,
 * INT32 int32, INT64 int64, INT96 12 bytes, FLOAT, DOUBLE, BYTE_ARRAY and
 * FIXED_LEN_BYTE_ARRAY lh_string_t views into the data. LH_ECORRUPT when the
 * data ends first or a length is negative. */
int lh_pq_plain_get(lh_pq_plain_t *d, void *out, uint32_t n, lh_err_t *err);

/* Bytes one decoded value of a physical type takes in the arrays above. */
size_t lh_pq_phys_size(int type);

/* ---- BYTE_STREAM_SPLIT ---- */

typedef struct lh_pq_bss {
    const uint8_t *data;
    size_t count; /* values in the page */
    size_t pos;
    uint32_t width; /* bytes per value */
    int type;
} lh_pq_bss_t;

/* data[0..len) holds len / width values; LH_ECORRUPT when width does not
 * divide len, or for a type without a fixed width. */
int lh_pq_bss_init(lh_pq_bss_t *d, const void *data, size_t len, int type, int32_t flba_len,
                   lh_err_t *err);
/* n values into out (FIXED_LEN_BYTE_ARRAY: views into arena copies). */
int lh_pq_bss_get(lh_pq_bss_t *d, void *out, uint32_t n, lh_arena_t *arena, lh_err_t *err);

/* ---- DELTA_BINARY_PACKED ---- */

typedef struct lh_pq_delta {
    const uint8_t *p, *end;
    uint64_t block_size, miniblocks, per_mini; /* values per block / miniblock */
    uint64_t total, done;                      /* values in the page / handed out */
    int64_t last, min_delta;
    uint32_t mini_idx; /* current miniblock in the block */
    uint32_t mini_pos; /* values used from it */
    const uint8_t *widths;
    const uint8_t *mini; /* current miniblock's packed bits */
    int mini_width;      /* its bit width */
    bool first_out;      /* the first value has been handed out */
} lh_pq_delta_t;

/* Reads the header; LH_ECORRUPT for a damaged one (block size not a multiple
 * of 128, miniblock size not a multiple of 32, varints too long). */
int lh_pq_delta_init(lh_pq_delta_t *d, const void *data, size_t len, lh_err_t *err);
/* n values (n <= values left) as int64 or int32 (two's complement wrap, as
 * the format says). */
int lh_pq_delta_get64(lh_pq_delta_t *d, int64_t *out, uint32_t n, lh_err_t *err);
int lh_pq_delta_get32(lh_pq_delta_t *d, int32_t *out, uint32_t n, lh_err_t *err);
/* Where the encoded values end: after all `total` values were read (DELTA_LENGTH_BYTE_ARRAY's
 * bytes start there). Reads the rest of the page's values if needed. */
int lh_pq_delta_skip_all(lh_pq_delta_t *d, const uint8_t **end, lh_err_t *err);

/* ---- DELTA_LENGTH_BYTE_ARRAY / DELTA_BYTE_ARRAY ---- */

typedef struct lh_pq_dlba {
    lh_pq_delta_t lens;
    const uint8_t *p, *end; /* the concatenated bytes */
} lh_pq_dlba_t;

int lh_pq_dlba_init(lh_pq_dlba_t *d, const void *data, size_t len, lh_err_t *err);
/* n views into the page bytes. */
int lh_pq_dlba_get(lh_pq_dlba_t *d, lh_string_t *out, uint32_t n, lh_err_t *err);

typedef struct lh_pq_dba {
    lh_pq_delta_t prefix;
    lh_pq_dlba_t suffix;
    const char *last; /* the previous value's bytes */
    uint32_t last_len;
} lh_pq_dba_t;

int lh_pq_dba_init(lh_pq_dba_t *d, const void *data, size_t len, lh_err_t *err);
/* n values rebuilt in arena (views into it). A prefix longer than the previous
 * value is LH_ECORRUPT. */
int lh_pq_dba_get(lh_pq_dba_t *d, lh_string_t *out, uint32_t n, lh_arena_t *arena, lh_err_t *err);

#endif
