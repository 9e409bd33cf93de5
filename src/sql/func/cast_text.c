/* Reading numbers, booleans and blobs from text as DuckDB's VARCHAR casts do:
 * spaces around a number are ignored, integers take a fraction or an exponent
 * and round half away from zero ('1.5'::INT is 2), 0x and 0b prefixes and _
 * between digits are accepted; doubles take inf, infinity and nan; booleans
 * true/t/yes/y/1 and false/f/no/n/0 in any case, without spaces. */
#include <ctype.h>
#include <stdlib.h>
#include <strings.h>

#include "sql/func/func_int.h"

lh_int128_t lh__pow10(int k)
{
    static const uint64_t p10[20] = {1u,
                                     10u,
                                     100u,
                                     1000u,
                                     10000u,
                                     100000u,
                                     1000000u,
                                     10000000u,
                                     100000000u,
                                     1000000000u,
                                     10000000000u,
                                     100000000000u,
                                     1000000000000u,
                                     10000000000000u,
                                     100000000000000u,
                                     1000000000000000u,
                                     10000000000000000u,
                                     100000000000000000u,
                                     1000000000000000000u,
                                     10000000000000000000u};
    if (k >= 0 && k < 20) return (lh_int128_t)p10[k];
    if (k >= 20 && k <= 38) return (lh_int128_t)((lh_uint128_t)p10[19] * p10[k - 19]);
    lh_int128_t p = 1;
    while (k-- > 0)
        p *= 10;
    return p;
}

/* isspace in the C locale (DuckDB's CharacterIsSpace), without the locale
 * table's lookup: a cast of a column calls this twice a row. */
static inline bool space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static void trim(const char **s, size_t *n)
{
    while (*n && space((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && space((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

#define U128_MAX (~(lh_uint128_t)0)

/* 0x... / 0b... integers. */
static bool parse_radix(const char *s, size_t n, bool neg, lh_int128_t *out)
{
    int base = (s[1] | 0x20) == 'x' ? 16 : (s[1] | 0x20) == 'b' ? 2 : 8;
    lh_uint128_t v = 0;
    size_t i = 2;
    if (i >= n) return false;
    for (; i < n; i++) {
        int c = (unsigned char)s[i], d;
        if (c == '_' && i > 2 && i + 1 < n) continue;
        if (isdigit(c))
            d = c - '0';
        else if (isxdigit(c))
            d = (c | 0x20) - 'a' + 10;
        else
            return false;
        if (d >= base) return false;
        if (v > (U128_MAX - (unsigned)d) / (unsigned)base) return false;
        v = v * (unsigned)base + (unsigned)d;
    }
    lh_uint128_t max = (lh_uint128_t)1 << 127;
    if (v > (neg ? max : max - 1)) return false;
    *out = neg ? (lh_int128_t)(0 - v) : (lh_int128_t)v;
    return true;
}

/* The value of s[0..n) when it is n decimal digits (at most 19), into *u. */
static bool digits64(const char *s, size_t n, uint64_t *u)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *u = v;
    return true;
}

bool lh__parse_exact(const char *s, size_t n, int scale, lh_int128_t *out)
{
    trim(&s, &n);
    bool neg = false;
    if (n && (*s == '+' || *s == '-')) neg = *s == '-', s++, n--;
    /* the common case, up to 38 digits and nothing else: 18 digits or fewer
       are one word, more are two (no overflow either way) */
    uint64_t hi, lo;
    if (!scale && n && n <= 18 && digits64(s, n, &lo)) {
        *out = neg ? -(lh_int128_t)lo : (lh_int128_t)lo;
        return true;
    }
    if (!scale && n > 18 && n <= 38 && digits64(s, n - 19, &hi) && digits64(s + n - 19, 19, &lo)) {
        lh_int128_t v = (lh_int128_t)hi * (lh_int128_t)UINT64_C(10000000000000000000) + lo;
        *out = neg ? -v : v;
        return true;
    }
    if (n > 2 && s[0] == '0' && strchr("xXbBoO", s[1])) return parse_radix(s, n, neg, out);
    /* digits into v (at most 39 significant), exp10 the power of ten to apply */
    lh_uint128_t v = 0;
    int exp10 = 0, ndig = 0, round_digit = -1;
    bool any = false, dot = false;
    size_t i = 0;
    for (; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '.' && !dot) {
            dot = true;
            continue;
        }
        if (c == '_' && any && i + 1 < n && isdigit((unsigned char)s[i + 1])) continue;
        if (!isdigit(c)) break;
        any = true;
        if (ndig == 0 && c == '0') {
            if (dot) exp10--;
            continue;
        }
        /* 39 digits can pass 2^128: a digit that would wrap v is dropped, with the rest */
        if (ndig < 39 && (v > U128_MAX / 10 || (v == U128_MAX / 10 && c - '0' > 5)))
            ndig = 39; /* U128_MAX is ...455: past it with one more digit */
        if (ndig < 39) {
            v = v * 10 + (unsigned)(c - '0');
            ndig++;
            if (dot) exp10--;
        } else {
            if (!dot) exp10++;
            if (round_digit < 0) round_digit = c - '0';
        }
    }
    if (!any) return false;
    if (i < n) {
        if ((s[i] | 0x20) != 'e' || i + 1 >= n) return false;
        char *end;
        char buf[16];
        size_t m = n - i - 1;
        if (m >= sizeof buf) return false;
        memcpy(buf, s + i + 1, m);
        buf[m] = 0;
        long e = strtol(buf, &end, 10);
        if (*end || end == buf) return false;
        if (e > 100 && v) return false;                /* far too large */
        if (e > 100 || e < -200) e = e > 0 ? 0 : -200; /* zero, or rounds to zero */
        exp10 += (int)e;
    }
    /* scale the digits to the target scale */
    int shift = exp10 + scale;
    if (v == 0) {
        *out = 0;
        return true;
    }
    while (shift > 0) {
        if (v > U128_MAX / 10) return false;
        v *= 10;
        shift--;
    }
    if (shift < 0) {
        int last = 0; /* the first digit dropped: rounds half away from zero */
        while (shift < 0) {
            if (!v) { /* every digit dropped: what is left to drop is 0 */
                last = 0;
                break;
            }
            last = (int)(v % 10);
            v /= 10;
            shift++;
        }
        if (last >= 5) v++;
    } else if (round_digit >= 5) {
        v++;
    }
    lh_uint128_t max = (lh_uint128_t)1 << 127;
    if (v > (neg ? max : max - 1)) return false;
    *out = neg ? (lh_int128_t)(0 - v) : (lh_int128_t)v;
    return true;
}

bool lh__parse_double(const char *s, size_t n, double *out)
{
    trim(&s, &n);
    if (!n || n > 400) return false;
    char buf[416];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '_' && k && isdigit((unsigned char)buf[k - 1]) && i + 1 < n &&
            isdigit((unsigned char)s[i + 1]))
            continue;
        if ((s[i] | 0x20) == 'x' || (s[i] | 0x20) == 'p') {
            if (i + 1 < n || (s[i] | 0x20) == 'x') return false; /* no hex floats */
        }
        buf[k++] = s[i];
    }
    buf[k] = 0;
    char *end;
    double d = strtod(buf, &end);
    if (*end || end == buf) return false;
    *out = d;
    return true;
}

bool lh__parse_bool(const char *s, size_t n, bool *out)
{
    static const char *const yes[] = {"true", "t", "yes", "y", "1"};
    static const char *const no[] = {"false", "f", "no", "n", "0"};
    for (size_t i = 0; i < LH__COUNT(yes); i++) {
        if (strlen(yes[i]) == n && !strncasecmp(s, yes[i], n)) return *out = true, true;
        if (strlen(no[i]) == n && !strncasecmp(s, no[i], n)) return *out = false, true;
    }
    return false;
}
