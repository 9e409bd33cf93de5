/* {ptr,len} slices for protocol paths, and small string helpers. */
#ifndef LH_CORE_STR_H
#define LH_CORE_STR_H

#include <stddef.h>
#include <stdint.h>

typedef struct lh_str {
    const char *ptr;
    size_t len;
} lh_str_t;

#define LH_STR(lit) ((lh_str_t){(lit), sizeof(lit) - 1})

/* 1 when s equals the NUL-terminated c (case-sensitive / ASCII case-insensitive). */
int lh_str_eq(lh_str_t s, const char *c);
int lh_str_caseeq(lh_str_t s, const char *c);
/* Parses a non-negative decimal integer; the whole slice must be digits.
 * Returns 0, or LH_EINVAL (empty, non-digit, overflow). */
int lh_str_to_u64(lh_str_t s, uint64_t *out);
/* Strict integer parse of a NUL-terminated string (replacement for atoi). */
int lh_parse_i64(const char *s, int64_t *out);
/* 1 when s[0..n) is well-formed UTF-8: no stray continuation bytes, no
 * truncated sequences, no overlong encodings, no surrogates (U+D800..DFFF),
 * nothing above U+10FFFF. NUL bytes count as valid. */
int lh_utf8_valid(const char *s, size_t n);
/* The length (1-4) of the well-formed UTF-8 character at s[0..n), its code
 * point in *cp (cp may be NULL), or 0 when s does not start with one (n 0
 * included), by the rules above. */
size_t lh_utf8_char(const char *s, size_t n, uint32_t *cp);
/* Copies s into dst (size cap), always NUL-terminates; returns 0 or LH_ETOOBIG. */
int lh_str_copy(char *dst, size_t cap, lh_str_t s);
/* Lower-case hex of n bytes into out (2n+1 chars). */
void lh_hex(const unsigned char *in, size_t n, char *out);
/* The value of one hex digit (either case), or -1. */
int lh_hex_digit(int c);
/* Decodes the 2n hex digits of s (either case) into n bytes at out (cap
 * bytes). Returns n, or LH_EINVAL (odd length, not a hex digit) or
 * LH_ETOOBIG (n > cap). */
long lh_hex_decode(lh_str_t s, unsigned char *out, size_t cap);
/* Base64 (standard alphabet, padded). out needs 4*((n+2)/3)+1 bytes. Returns length. */
size_t lh_base64_encode(const unsigned char *in, size_t n, char *out);
/* Decodes standard base64; returns decoded length or -1 on bad input/too small. */
long lh_base64_decode(const char *in, size_t n, unsigned char *out, size_t cap);

#endif
