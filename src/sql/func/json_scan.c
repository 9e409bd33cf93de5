/* A validating JSON scanner that builds nothing, for the fast path of the
 * JSON functions (json_scan.h): one pass over the text, recursive descent
 * with a depth limit, the path's keys compared in place. It says "valid"
 * only for text that jansson (JSON_DECODE_ANY | JSON_ALLOW_NUL) accepts, and
 * gives up ("cannot tell") on what it does not check the way jansson does:
 * bytes past ASCII, \u escapes of surrogates, control bytes, integers of 19
 * digits or more (jansson's int64), reals longer than 40 bytes or with an
 * exponent of 3 digits or more, nesting deeper than 256. Invalid text is also "cannot tell":
 * jansson then names the error. */
#include "sql/func/json_scan.h"

#include <string.h>

#include "core/err.h"

#define MAX_DEPTH 256
#define MAX_KEYS 64

typedef struct scan {
    const char *p, *end, *start;
    const lh_jscan_key_t *keys;
    int nkeys;
    lh_jscan_hit_t *hit;
    bool found;
    bool seen[MAX_KEYS];        /* keys[i] met once already: a duplicate gives up */
    lh_jscan_member_t *members; /* lh_jscan_members: the top-level object's */
    int nmembers, maxmembers;
    bool escaped, is_int; /* of the last string, of the last number */
} scan_t;

static void ws(scan_t *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

/* A string at s->p ('"'): its body into at and len; -1 to give up. */
static int string(scan_t *s, const char **at, size_t *len, bool *escaped)
{
    const char *p = s->p + 1;
    *at = p;
    *escaped = false;
    for (;;) {
        p = lh_json_plain_end(p, s->end, true);
        if (p >= s->end) return -1;
        unsigned char c = (unsigned char)*p;
        if (c == '"') break;
        if (c != '\\') return -1; /* a control byte or one past ASCII */
        *escaped = true;
        if (p + 1 >= s->end) return -1;
        c = (unsigned char)p[1];
        if (c == 'u') {
            int v = s->end - p >= 6 ? lh_json_hex4(p + 2) : -1;
            if (v < 0 || (v >= 0xd800 && v <= 0xdfff)) return -1;
            p += 6;
        } else if (lh_json_escape_byte((char)c) >= 0) {
            p += 2;
        } else
            return -1;
    }
    *len = (size_t)(p - *at);
    s->escaped = *escaped;
    s->p = p + 1;
    return 0;
}

/* A number at s->p; *is_int when it has no fraction and no exponent and
 * prints back the same ("-0" does not). -1 to give up. */
static int number(scan_t *s, bool *is_int)
{
    const char *p = s->p, *start = p;
    if (p < s->end && *p == '-') p++;
    const char *d0 = p;
    if (p < s->end && *p == '0')
        p++;
    else if (p < s->end && *p >= '1' && *p <= '9')
        while (p < s->end && *p >= '0' && *p <= '9')
            p++;
    else
        return -1;
    size_t ndig = (size_t)(p - d0);
    *is_int = true;
    if (p < s->end && *p == '.') {
        const char *f = ++p;
        while (p < s->end && *p >= '0' && *p <= '9')
            p++;
        if (p == f) return -1;
        *is_int = false;
    }
    if (p < s->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < s->end && (*p == '+' || *p == '-')) p++;
        const char *e = p;
        while (p < s->end && *p >= '0' && *p <= '9')
            p++;
        if (p == e || p - e > 2) return -1;
        *is_int = false;
    }
    if (*is_int && ndig > 18) return -1;                  /* jansson refuses integers past int64 */
    if (!*is_int && p - start > 40) return -1;            /* nor can a real overflow */
    if (start[0] == '-' && d0[0] == '0') *is_int = false; /* -0 prints as 0 */
    s->is_int = *is_int;
    s->p = p;
    return 0;
}

static int value(scan_t *s, int depth, int match);

/* The value at the path: recorded (a second one gives up: jansson keeps
 * the last of duplicate keys). */
static void record(scan_t *s, lh_jscan_kind_t kind, const char *at, size_t len, bool escaped)
{
    *s->hit = (lh_jscan_hit_t){.kind = kind, .at = at, .len = len, .escaped = escaped};
}

/* A member of the top-level object, its value v .. s->p just read, into
 * s->members (past maxmembers: nmembers -1, none recorded). */
static void member(scan_t *s, const char *k, size_t kn, bool kesc, const char *v)
{
    if (s->nmembers < 0) return;
    if (s->nmembers == s->maxmembers) {
        s->nmembers = -1;
        return;
    }
    lh_jscan_member_t *m = &s->members[s->nmembers++];
    size_t vn = (size_t)(s->p - v);
    lh_jscan_kind_t kind = LH_JSCAN_OTHER;
    switch (*v) {
    case '"':
        kind = LH_JSCAN_STRING;
        v++, vn -= 2;
        break;
    case 't':
        kind = LH_JSCAN_TRUE;
        break;
    case 'f':
        kind = LH_JSCAN_FALSE;
        break;
    case 'n':
        kind = LH_JSCAN_NULL;
        break;
    case '{':
    case '[':
        break;
    default:
        if (s->is_int) kind = LH_JSCAN_INT;
    }
    *m = (lh_jscan_member_t){.key = (uint32_t)(k - s->start),
                             .keylen = (uint32_t)kn,
                             .at = (uint32_t)(v - s->start),
                             .len = (uint32_t)vn,
                             .kind = (uint8_t)kind,
                             .key_escaped = kesc,
                             .escaped = kind == LH_JSCAN_STRING && s->escaped};
}

static int object(scan_t *s, int depth, int match)
{
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == '}') return s->p++, 0;
    for (;;) {
        const char *k;
        size_t kn;
        bool kesc;
        if (s->p >= s->end || *s->p != '"' || string(s, &k, &kn, &kesc)) return -1;
        int child = -1;
        if (match >= 0 && match < s->nkeys) {
            if (kesc) return -1; /* an escaped key on the path: jansson compares it decoded */
            if (kn == s->keys[match].n && !memcmp(k, s->keys[match].s, kn)) {
                if (s->seen[match]) return -1; /* jansson keeps the last duplicate */
                s->seen[match] = true;
                child = match + 1;
            }
        }
        ws(s);
        if (s->p >= s->end || *s->p != ':') return -1;
        s->p++;
        ws(s);
        const char *v = s->p;
        if (value(s, depth + 1, child)) return -1;
        if (depth == 0 && s->members) member(s, k, kn, kesc, v);
        ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            ws(s);
            continue;
        }
        if (s->p < s->end && *s->p == '}') return s->p++, 0;
        return -1;
    }
}

static int array(scan_t *s, int depth)
{
    s->p++;
    ws(s);
    if (s->p < s->end && *s->p == ']') return s->p++, 0;
    for (;;) {
        if (value(s, depth + 1, -1)) return -1;
        ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            ws(s);
            continue;
        }
        if (s->p < s->end && *s->p == ']') return s->p++, 0;
        return -1;
    }
}

static int literal(scan_t *s, const char *word, size_t n)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n)) return -1;
    s->p += n;
    return 0;
}

/* One value; match: how many path keys lead here (-1: off the path). */
static int value(scan_t *s, int depth, int match)
{
    if (depth > MAX_DEPTH || s->p >= s->end) return -1;
    bool target = match >= 0 && match == s->nkeys && s->nkeys > 0;
    if (target && s->found) return -1;
    s->found |= target;
    const char *at = s->p;
    switch (*s->p) {
    case '{':
        return target ? -1 : object(s, depth, match);
    case '[':
        return target ? -1 : array(s, depth);
    case '"': {
        const char *body;
        size_t len;
        bool esc;
        if (string(s, &body, &len, &esc)) return -1;
        if (target) record(s, LH_JSCAN_STRING, body, len, esc);
        return 0;
    }
    case 't':
        if (literal(s, "true", 4)) return -1;
        if (target) record(s, LH_JSCAN_TRUE, at, 4, false);
        return 0;
    case 'f':
        if (literal(s, "false", 5)) return -1;
        if (target) record(s, LH_JSCAN_FALSE, at, 5, false);
        return 0;
    case 'n':
        if (literal(s, "null", 4)) return -1;
        if (target) record(s, LH_JSCAN_NULL, at, 4, false);
        return 0;
    default: {
        bool is_int;
        if (number(s, &is_int) || (target && !is_int)) return -1;
        if (target) record(s, LH_JSCAN_INT, at, (size_t)(s->p - at), false);
        return 0;
    }
    }
}

int lh_jscan(const char *p, size_t n, const lh_jscan_key_t *keys, int nkeys, lh_jscan_hit_t *hit)
{
    lh_jscan_hit_t none;
    if (nkeys > MAX_KEYS) return 0;
    scan_t s = {.p = p, .end = p + n, .keys = keys, .nkeys = nkeys, .hit = hit ? hit : &none};
    *s.hit = (lh_jscan_hit_t){.kind = LH_JSCAN_MISSING};
    ws(&s);
    if (value(&s, 0, nkeys > 0 ? 0 : -1)) return 0;
    ws(&s);
    return s.p == s.end;
}

int lh__jscan_members_slow(const char *p, size_t n, lh_jscan_member_t *m, int max, int *nm)
{
    *nm = -1;
    if (n > UINT32_MAX) return 0;
    scan_t s = {.p = p, .end = p + n, .start = p, .members = m, .maxmembers = max};
    ws(&s);
    bool obj = s.p < s.end && *s.p == '{';
    if (value(&s, 0, -1)) return 0;
    ws(&s);
    if (s.p != s.end) return 0;
    *nm = obj ? s.nmembers : -2;
    return 1;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#include "core/cpu.h"

#define FAST_MAX 512 /* bytes: the quotes' bitmap of the fast path, 8 words */

/* The position of the first quote at or after i, or n. */
static inline size_t next_quote(const uint64_t *q, size_t i, size_t n)
{
    size_t w = i >> 6;
    uint64_t bits = q[w] & (~UINT64_C(0) << (i & 63));
    while (!bits) {
        if (++w >= (n + 63) >> 6) return n;
        bits = q[w];
    }
    size_t at = (w << 6) + (size_t)__builtin_ctzll(bits);
    return at < n ? at : n;
}

/* The quotes' bitmap of p[0..n) (n <= FAST_MAX) into q, one bit a byte;
 * false when a byte rules the fast path out: a control byte, a backslash or
 * one past ASCII. With AVX-512 sixty-four bytes a compare. */
__attribute__((target("avx512f,avx512bw"))) static bool quotes512(const char *p, size_t n,
                                                                  uint64_t *q)
{
    const __m512i quote = _mm512_set1_epi8('"'), back = _mm512_set1_epi8('\\'),
                  low = _mm512_set1_epi8(0x1f);
    for (size_t w = 0; w * 64 < n; w++) {
        size_t left = n - w * 64;
        __mmask64 in = left >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << left) - 1;
        __m512i v = _mm512_maskz_loadu_epi8(in, p + w * 64);
        /* a control byte, a backslash, or one past ASCII (negative as signed) */
        if (_mm512_mask_cmple_epu8_mask(in, v, low) | _mm512_mask_cmpeq_epi8_mask(in, v, back) |
            _mm512_movepi8_mask(v))
            return false;
        q[w] = _mm512_mask_cmpeq_epi8_mask(in, v, quote);
    }
    return true;
}

/* quotes512 with AVX2, thirty-two bytes a compare; the last few bytes are
 * read from a copy padded with a byte that is none of the above. */
__attribute__((target("avx2"))) static bool quotes256(const char *p, size_t n, uint64_t *q)
{
    const __m256i quote = _mm256_set1_epi8('"'), back = _mm256_set1_epi8('\\'),
                  space = _mm256_set1_epi8(0x20);
    char tail[32];
    for (size_t i = 0; i < n; i += 32) {
        const char *at = p + i;
        if (n - i < 32) {
            memset(tail, 'a', sizeof tail);
            memcpy(tail, at, n - i);
            at = tail;
        }
        __m256i v = _mm256_loadu_si256((const void *)at);
        /* signed: below a space is a control byte or one past ASCII */
        __m256i bad = _mm256_or_si256(_mm256_cmpgt_epi8(space, v), _mm256_cmpeq_epi8(v, back));
        if (!_mm256_testz_si256(bad, bad)) return false;
        uint64_t m = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, quote));
        if (i & 32)
            q[i >> 6] |= m << 32;
        else
            q[i >> 6] = m;
    }
    return true;
}

/* The common shape, found from the quotes' bitmap (quotes512, quotes256): a
 * compact top-level object (no whitespace) of at most FAST_MAX bytes, all
 * ASCII, no backslash and no control byte, whose values are strings,
 * integers, true, false or null. Then every quote delimits a string, and the
 * members are read from the bitmap instead of byte by byte. 1 with the
 * members as the general scanner reads them; 0 for anything else (the caller
 * scans). */
static int fast_members(const char *p, size_t n, const uint64_t *q, lh_jscan_member_t *m, int max,
                        int *nm)
{
    if (n < 2 || p[0] != '{' || p[n - 1] != '}') return 0;
    int k = 0;
    if (n == 2) return *nm = 0, 1;
    size_t i = 1;
    for (;;) {
        if (k == max || i >= n || p[i] != '"') return 0;
        size_t ke = next_quote(q, i + 1, n);
        if (ke + 2 >= n || p[ke + 1] != ':') return 0;
        size_t v = ke + 2, e;
        uint8_t kind;
        uint32_t at = (uint32_t)v, len;
        switch (p[v]) {
        case '"':
            e = next_quote(q, v + 1, n);
            if (e >= n) return 0;
            kind = LH_JSCAN_STRING;
            at = (uint32_t)(v + 1);
            len = (uint32_t)(e - v - 1);
            e++;
            break;
        case 't':
            if (n - v < 4 || memcmp(p + v, "true", 4)) return 0;
            kind = LH_JSCAN_TRUE, e = v + 4, len = 4;
            break;
        case 'f':
            if (n - v < 5 || memcmp(p + v, "false", 5)) return 0;
            kind = LH_JSCAN_FALSE, e = v + 5, len = 5;
            break;
        case 'n':
            if (n - v < 4 || memcmp(p + v, "null", 4)) return 0;
            kind = LH_JSCAN_NULL, e = v + 4, len = 4;
            break;
        default: { /* an integer as number() reads it; anything else (a fraction, an
                      exponent, -0, 19 digits or more) is the general scanner's */
            scan_t s = {.p = p + v, .end = p + n};
            bool is_int;
            if (number(&s, &is_int) || !is_int) return 0;
            e = (size_t)(s.p - p);
            kind = LH_JSCAN_INT, len = (uint32_t)(e - v);
        }
        }
        m[k++] = (lh_jscan_member_t){.key = (uint32_t)(i + 1),
                                     .keylen = (uint32_t)(ke - i - 1),
                                     .at = at,
                                     .len = len,
                                     .kind = kind};
        if (e == n - 1) return *nm = k, 1; /* the closing brace */
        if (p[e] != ',') return 0;
        i = e + 1;
    }
}
#endif

int lh_jscan_members(const char *p, size_t n, lh_jscan_member_t *m, int max, int *nm)
{
#if defined(__x86_64__) && defined(__GNUC__)
    uint64_t q[FAST_MAX / 64];
    if (n <= FAST_MAX &&
        (lh_cpu_avx512_bytes() ? quotes512(p, n, q) : lh_cpu_avx2() && quotes256(p, n, q)) &&
        fast_members(p, n, q, m, max, nm))
        return 1;
#endif
    return lh__jscan_members_slow(p, n, m, max, nm);
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) return o[0] = (char)cp, 1;
    if (cp < 0x800) return o[0] = (char)(0xC0 | cp >> 6), o[1] = (char)(0x80 | (cp & 63)), 2;
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 63));
        o[2] = (char)(0x80 | (cp & 63));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 63));
    o[2] = (char)(0x80 | (cp >> 6 & 63));
    o[3] = (char)(0x80 | (cp & 63));
    return 4;
}

/* The plain bytes of s[*i..n) up to the next backslash copied to out + *k,
 * eight at a time (a whole word is stored only when it holds no backslash:
 * out may be s, written behind what is read). */
static void copy_run(const char *s, size_t n, char *out, size_t *i, size_t *k)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = 0x0101010101010101u;
    while (n - *i >= 8) {
        uint64_t x, b;
        memcpy(&x, s + *i, 8);
        b = x ^ (ones * '\\');
        uint64_t m = (b - ones) & ~b & (ones * 0x80);
        if (m) {
            size_t j = (size_t)__builtin_ctzll(m) >> 3;
            for (size_t t = 0; t < j; t++)
                out[*k + t] = s[*i + t];
            *i += j, *k += j;
            return;
        }
        memcpy(out + *k, &x, 8);
        *i += 8, *k += 8;
    }
#endif
    while (*i < n && s[*i] != '\\')
        out[(*k)++] = s[(*i)++];
}

int lh_json_unescape(const char *s, size_t n, bool allow_nul, char *out, size_t *len)
{
    size_t k = 0, i = 0;
    for (;;) {
        copy_run(s, n, out, &i, &k);
        if (i >= n) break;
        char e = ++i < n ? s[i] : 0;
        if (e != 'u') {
            int byte = lh_json_escape_byte(e);
            if (byte < 0) return LH_EINVAL;
            out[k++] = (char)byte;
            i++;
            continue;
        }
        int cp = i + 4 < n ? lh_json_hex4(s + i + 1) : -1;
        if (cp < 0) return LH_EINVAL;
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00 && i + 6 < n && s[i + 1] == '\\' && s[i + 2] == 'u') {
            int lo = lh_json_hex4(s + i + 3);
            if (lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
        }
        if ((!cp && !allow_nul) || (cp >= 0xD800 && cp < 0xE000))
            return LH_EINVAL; /* as jansson: no lone surrogate, no NUL unless allowed */
        k += put_utf8(out + k, (unsigned)cp);
        i++;
    }
    *len = k;
    return 0;
}

size_t lh_jscan_unescape(const lh_jscan_hit_t *hit, char *out)
{
    size_t len = 0; /* the scanner checked the escapes and gave up on surrogates */
    lh_json_unescape(hit->at, hit->len, true, out, &len);
    return len;
}
