/* String helpers shared by every protocol: slices, strict integer parsing,
 * hex and base64. */
#include "core/str.h"
#include "core/err.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int lh_str_eq(lh_str_t s, const char *c)
{
    size_t n = strlen(c);
    return s.len == n && (n == 0 || memcmp(s.ptr, c, n) == 0);
}

int lh_str_caseeq(lh_str_t s, const char *c)
{
    size_t n = strlen(c);
    return s.len == n && (n == 0 || strncasecmp(s.ptr, c, n) == 0);
}

int lh_str_to_u64(lh_str_t s, uint64_t *out)
{
    uint64_t v = 0;
    if (s.len == 0 || s.len > 20) return LH_EINVAL;
    for (size_t i = 0; i < s.len; i++) {
        unsigned d = (unsigned char)s.ptr[i] - '0';
        if (d > 9 || v > (UINT64_MAX - d) / 10) return LH_EINVAL;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int lh_parse_i64(const char *s, int64_t *out)
{
    char *end;
    if (!s || !*s) return LH_EINVAL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return LH_EINVAL;
    *out = v;
    return 0;
}

size_t lh_utf8_char(const char *s, size_t n, uint32_t *cp_out)
{
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    const unsigned char *p = (const unsigned char *)s;
    unsigned c = n ? p[0] : 0x80;
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        len = 1, cp = c;
    else if (c >= 0xC2 && c <= 0xDF)
        len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, cp = c & 0x07;
    else
        return 0; /* a continuation byte, an overlong lead (C0, C1) or past U+10FFFF */
    if (n < len) return 0;
    for (size_t k = 1; k < len; k++) {
        if ((p[k] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[k] & 0x3F);
    }
    if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    if (cp_out) *cp_out = cp;
    return len;
}

int lh_utf8_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t len = lh_utf8_char(s + i, n - i, NULL);
        if (!len) return 0;
        i += len;
    }
    return 1;
}

int lh_str_copy(char *dst, size_t cap, lh_str_t s)
{
    if (cap == 0) return LH_ETOOBIG;
    if (s.len >= cap) {
        memcpy(dst, s.ptr, cap - 1);
        dst[cap - 1] = 0;
        return LH_ETOOBIG;
    }
    if (s.len) memcpy(dst, s.ptr, s.len);
    dst[s.len] = 0;
    return 0;
}

void lh_hex(const unsigned char *in, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = 0;
}

int lh_hex_digit(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

long lh_hex_decode(lh_str_t s, unsigned char *out, size_t cap)
{
    if (s.len % 2) return LH_EINVAL;
    if (s.len / 2 > cap) return LH_ETOOBIG;
    for (size_t i = 0; i < s.len / 2; i++) {
        int hi = lh_hex_digit((unsigned char)s.ptr[2 * i]);
        int lo = lh_hex_digit((unsigned char)s.ptr[2 * i + 1]);
        if (hi < 0 || lo < 0) return LH_EINVAL;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return (long)(s.len / 2);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t lh_base64_encode(const unsigned char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n) v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n) v |= in[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    out[o] = 0;
    return o;
}

static int b64val(int c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

long lh_base64_decode(const char *in, size_t n, unsigned char *out, size_t cap)
{
    size_t o = 0;
    if (n % 4) return -1;
    for (size_t i = 0; i < n; i += 4) {
        int v[4], pad = 0;
        for (int j = 0; j < 4; j++) {
            if (in[i + j] == '=' && i + 4 == n && j >= 2) {
                v[j] = 0;
                pad++;
            } else if (pad || (v[j] = b64val((unsigned char)in[i + j])) < 0) {
                return -1;
            }
        }
        unsigned w = (unsigned)(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
        for (int j = 0; j < 3 - pad; j++) {
            if (o >= cap) return -1;
            out[o++] = (unsigned char)(w >> (16 - 8 * j));
        }
    }
    return (long)o;
}
