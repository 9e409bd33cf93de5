/* A validating JSON scanner that builds nothing (json_scan.c): the fast
 * path of json_valid and of json_extract(_string) with a constant path of
 * object keys (json.c). It answers only when it is sure jansson would
 * agree; anything else (non-ASCII text, \u surrogates, control bytes,
 * integers past 18 digits, big exponents, invalid text, a duplicate of the
 * key sought, a real, object or array at the path) is "cannot tell", and
 * the caller decodes the row with jansson as before. Also the string
 * helpers read_json's line reader shares (exec/json_line.c): the run of
 * plain bytes, one-letter escapes, unescaping. */
#ifndef LH_SQL_FUNC_JSON_SCAN_H
#define LH_SQL_FUNC_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef struct lh_jscan_key {
    const char *s;
    size_t n;
} lh_jscan_key_t;

typedef enum {
    LH_JSCAN_MISSING = 0,
    LH_JSCAN_STRING, /* at/len: between the quotes; escaped: holds backslashes */
    LH_JSCAN_INT,    /* at/len: the integer's text, canonical (as "%lld" prints it) */
    LH_JSCAN_TRUE,
    LH_JSCAN_FALSE,
    LH_JSCAN_NULL,
    LH_JSCAN_OTHER, /* lh_jscan_members: an object, an array or a number not an integer */
} lh_jscan_kind_t;

typedef struct lh_jscan_hit {
    lh_jscan_kind_t kind;
    const char *at;
    size_t len;
    bool escaped;
} lh_jscan_hit_t;

/* 1 when p[0..n) is one JSON value (JSON_DECODE_ANY | JSON_ALLOW_NUL as
 * jansson reads it) and, with nkeys > 0, *hit is the value at the path
 * keys[0..nkeys) (kind MISSING when there is none); 0 when the scanner
 * cannot tell. */
int lh_jscan(const char *p, size_t n, const lh_jscan_key_t *keys, int nkeys, lh_jscan_hit_t *hit);

/* A member of a scanned object: offsets into the text. */
typedef struct lh_jscan_member {
    uint32_t key, keylen; /* the key between its quotes */
    uint32_t at, len;     /* the value: a string between its quotes, else its text */
    uint8_t kind;         /* lh_jscan_kind_t, never MISSING */
    bool key_escaped, escaped;
} lh_jscan_member_t;

/* lh_jscan without a path (1: valid, 0: cannot tell) that also reads the
 * members of a top-level object into m[0..max): *nm their count, -1 when
 * there are more than max (or the text cannot be told), -2 when the value is
 * not an object. */
int lh_jscan_members(const char *p, size_t n, lh_jscan_member_t *m, int max, int *nm);
/* lh_jscan_members without its fast path for compact flat objects (AVX-512 or AVX2):
 * the reference the tests hold that path to. */
int lh__jscan_members_slow(const char *p, size_t n, lh_jscan_member_t *m, int max, int *nm);

/* The bytes of the eight at x (read little-endian) that end a run of plain
 * string bytes: '"', '\\', a control byte (< 0x20) or, with ascii, a byte
 * past 0x7f; each flagged by its 0x80 bit. Each test is exact as to whether
 * a byte matches, and the lowest flagged byte always matches (a false flag
 * needs a borrow from a matching byte below it). */
static inline uint64_t lh_json_word_stops(uint64_t x, bool ascii)
{
    const uint64_t ones = 0x0101010101010101u, high = ones * 0x80;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    uint64_t m = ((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x);
    if (ascii) m |= x;
    return m & high;
}

/* The first byte of p[0..end) that ends a run of plain string bytes (see
 * lh_json_word_stops); end when there is none. Sixteen bytes at a time with
 * SSE2 (every x86-64), then eight. */
static inline const char *lh_json_plain_end(const char *p, const char *end, bool ascii)
{
#ifdef __SSE2__
    const __m128i quote = _mm_set1_epi8('"'), back = _mm_set1_epi8('\\'), low = _mm_set1_epi8(0x1f);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const void *)p);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, back)),
                                 _mm_cmpeq_epi8(_mm_max_epu8(v, low), low));
        unsigned bits = (unsigned)_mm_movemask_epi8(ascii ? _mm_or_si128(m, v) : m);
        if (bits) return p + __builtin_ctz(bits);
        p += 16;
    }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (end - p >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        uint64_t m = lh_json_word_stops(x, ascii);
        if (m) return p + (__builtin_ctzll(m) >> 3);
        p += 8;
    }
#endif
    for (; p < end; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\' || c < 0x20 || (ascii && c >= 0x80)) return p;
    }
    return end;
}

/* The byte a one-letter JSON escape (after the backslash) stands for, or -1
 * (not one: 'u' and anything invalid). */
static inline int lh_json_escape_byte(char e)
{
    switch (e) {
    case '"':
        return '"';
    case '\\':
        return '\\';
    case '/':
        return '/';
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    default:
        return -1;
    }
}

/* The value of the four hex digits at p (a \\u escape's), or -1. */
static inline int lh_json_hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int c = (unsigned char)p[i], d = c >= '0' && c <= '9' ? c - '0' : -1;
        c |= 0x20;
        if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Resolves the escapes of the JSON string bytes s[0..n) (no quotes) into
 * out (n bytes are enough; \uXXXX and surrogate pairs to UTF-8): 0, or
 * LH_EINVAL for a bad escape, a lone surrogate, or \u0000 unless allow_nul
 * (jansson's JSON_ALLOW_NUL). */
int lh_json_unescape(const char *s, size_t n, bool allow_nul, char *out, size_t *len);

/* The unescaped bytes of a scanned string (hit->escaped) into out (at
 * least hit->len bytes: unescaping never grows); its length. */
size_t lh_jscan_unescape(const lh_jscan_hit_t *hit, char *out);

#endif
