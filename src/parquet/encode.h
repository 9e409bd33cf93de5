/* Parquet value encoders for the writer (apache/parquet-format Encodings.md):
 * the RLE/bit-packed hybrid (definition and repetition levels, dictionary
 * indices), PLAIN for every physical type, and a dictionary builder (one hash
 * table per column chunk) whose PLAIN-encoded entries are the dictionary
 * page as they stand.
 *
 * Everything appends to a caller-owned lh_buf_t and reports through its
 * sticky error (lh_buf_err): LH_ENOMEM, or LH_ETOOBIG at the buffer's cap.
 * Little-endian and bit helpers live here too (static inline). */
#ifndef LH_PARQUET_ENCODE_H
#define LH_PARQUET_ENCODE_H

#include "core/buf.h"
#include "core/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- little-endian and bit helpers ---- */

static inline void lh_pq_put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void lh_pq_put_le64(uint8_t *p, uint64_t v)
{
    lh_pq_put_le32(p, (uint32_t)v);
    lh_pq_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Bits needed for values 0..max (0 for max 0). */
static inline int lh_pq_bit_width(uint64_t max)
{
    return max ? 64 - __builtin_clzll(max) : 0;
}

/* Room for n more bytes at b->ptr + b->len (the caller writes them and adds
 * what it used to b->len). NULL on failure, with b's sticky error set
 * (LH_ENOMEM, LH_ETOOBIG over b->max). */
uint8_t *lh_pq_buf_reserve(lh_buf_t *b, size_t n);

/* ---- RLE/bit-packed hybrid ---- */

/* Appends v[0..n) at bit width bw (0..32; every value must fit) as the
 * hybrid, without a length prefix: runs of 8 or more equal values become RLE
 * runs, the rest bit-packed groups of 8 (the last group zero-padded). Returns
 * lh_buf_err(out). */
int lh_pq_rle_encode(const uint32_t *v, size_t n, int bw, lh_buf_t *out);
/* The same for 8-bit values (levels; bw 0..8). */
int lh_pq_rle_encode_u8(const uint8_t *v, size_t n, int bw, lh_buf_t *out);
/* Data page v1 levels: a 4-byte little-endian length, then the hybrid. */
int lh_pq_levels_encode(const uint8_t *v, size_t n, int bw, lh_buf_t *out);

/* ---- PLAIN ---- */

/* BOOLEAN: one bit per value (v[i] 0 or 1), least significant bit first. */
int lh_pq_plain_bool(const uint8_t *v, size_t n, lh_buf_t *out);
/* INT32, INT64, FLOAT, DOUBLE, FIXED_LEN_BYTE_ARRAY: the values' bytes as
 * they are (little-endian machine; FLBA already in its byte order). */
int lh_pq_plain_fixed(const void *v, size_t n, size_t width, lh_buf_t *out);
/* BYTE_ARRAY: a 4-byte little-endian length before each value. */
int lh_pq_plain_bytes(const lh_str_t *v, size_t n, lh_buf_t *out);

/* ---- dictionary ---- */

/* A dictionary of distinct values in first-seen order: fixed-width values
 * (width 1..16 bytes: INT32, INT64, FLOAT, DOUBLE, FIXED_LEN_BYTE_ARRAY) or
 * byte arrays (width 0). `plain` holds the entries PLAIN-encoded, which is
 * the dictionary page's body. Values compare by their bytes (so -0.0 and
 * 0.0 are two entries, and NaNs with the same bits one). */
typedef struct lh_pq_dict {
    size_t width;     /* bytes per value; 0: byte arrays */
    uint32_t count;   /* entries */
    lh_buf_t plain;   /* the entries, PLAIN-encoded */
    uint32_t *offs;   /* byte arrays: where entry i's length prefix starts in plain */
    uint32_t offscap; /* entries offs holds */
    struct lh_pq_dict_slot {
        uint32_t entry; /* entry + 1, 0 empty */
        uint32_t hash;  /* the entry's hash, its low 32 bits */
    } * slots;          /* hash table */
    uint32_t nslots;    /* a power of two */
} lh_pq_dict_t;

/* An empty dictionary for values of width bytes (0: byte arrays). */
void lh_pq_dict_init(lh_pq_dict_t *d, size_t width);
/* Frees its memory; d is then as after init. */
void lh_pq_dict_free(lh_pq_dict_t *d);
/* Empties it for the next column chunk, keeping the memory. */
void lh_pq_dict_reset(lh_pq_dict_t *d);
/* Looks up (inserting when new) n fixed-width values at vals (n * width
 * bytes) and writes each one's entry number to idx. Returns 0, LH_ENOMEM or
 * LH_ETOOBIG (the dictionary's byte size would pass 2 GiB). */
int lh_pq_dict_put_fixed(lh_pq_dict_t *d, const void *vals, size_t n, uint32_t *idx);
/* The same for byte arrays (width 0). */
int lh_pq_dict_put_bytes(lh_pq_dict_t *d, const lh_str_t *vals, size_t n, uint32_t *idx);
/* Entry i's value bytes (fixed: width bytes; byte arrays: without the
 * length prefix); valid until the next put, reset or free. */
lh_str_t lh_pq_dict_value(const lh_pq_dict_t *d, uint32_t i);

/* A 64-bit hash of n bytes (not cryptographic; stable across runs). */
uint64_t lh_pq_hash_bytes(const void *p, size_t n);

#endif
