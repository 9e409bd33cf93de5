/* Percent-encoding and query strings. Each encoding set is a bit in one
 * 256-entry class table, so encoding is a table lookup per byte. */
#include "core/url.h"
#include "core/err.h"

#include <string.h>

enum { C_UNRESERVED = 1, C_SLASH = 2, C_PCHAR = 4, C_SPACE = 8 };

static unsigned char cls[256];
static const char hexup[] = "0123456789ABCDEF";

static void init_classes(void)
{
    for (int c = 0; c < 256; c++) {
        unsigned char k = 0;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            (c && strchr("-._~", c)))
            k = C_UNRESERVED;
        else if (c == '/')
            k = C_SLASH;
        else if (c && strchr("!$&'()*+,;=:@", c))
            k = C_PCHAR;
        else if (c == ' ')
            k = C_SPACE;
        cls[c] = k;
    }
}

static unsigned char class_of(unsigned char c)
{
    if (!cls['a']) /* benign race: every thread writes the same bytes */
        init_classes();
    return cls[c];
}

/* Decodes one byte at s[*i] and advances *i. Returns the byte, or -1 for a
 * bad escape (then *i has moved past the '%' only, to keep it literally). */
static int next_byte(lh_str_t s, size_t *i, unsigned flags)
{
    size_t k = *i;
    unsigned char c = (unsigned char)s.ptr[k];
    *i = k + 1;
    if (c == '+' && (flags & LH_URL_PLUS_SPACE)) return ' ';
    if (c != '%') return c;
    int h = k + 2 < s.len ? lh_hex_digit(s.ptr[k + 1]) : -1;
    int l = h >= 0 ? lh_hex_digit(s.ptr[k + 2]) : -1;
    if (l < 0) return -1;
    *i = k + 3;
    return h << 4 | l;
}

long lh_url_decode(lh_str_t s, char *dst, size_t cap, unsigned flags)
{
    size_t o = 0, i = 0;
    while (i < s.len) {
        int c = next_byte(s, &i, flags);
        if (c < 0) {
            if (flags & LH_URL_STRICT) return LH_EINVAL;
            c = '%';
        }
        if (c == 0 && (flags & LH_URL_NO_NUL)) return LH_EINVAL;
        if (o + 1 >= cap) return LH_ETOOBIG;
        dst[o++] = (char)c;
    }
    if (cap == 0) return LH_ETOOBIG;
    dst[o] = 0;
    return (long)o;
}

char *lh_url_decode_arena(lh_arena_t *a, lh_str_t s, unsigned flags)
{
    char *out = lh_arena_alloc(a, s.len + 1);
    if (!out || lh_url_decode(s, out, s.len + 1, flags) < 0) return NULL;
    return out;
}

static int keep(unsigned char c, unsigned flags)
{
    unsigned char k = class_of(c);
    return k == C_UNRESERVED || (k == C_SLASH && (flags & (LH_URL_KEEP_SLASH))) ||
           (k == C_PCHAR && (flags & LH_URL_PCHAR));
}

static int put_byte(lh_buf_t *b, unsigned char c, unsigned flags)
{
    if (keep(c, flags)) return lh_buf_append(b, &c, 1);
    if (c == ' ' && (flags & LH_URL_FORM)) return lh_buf_append(b, "+", 1);
    char e[3] = {'%', hexup[c >> 4], hexup[c & 15]};
    return lh_buf_append(b, e, 3);
}

int lh_url_encode(lh_buf_t *b, lh_str_t s, unsigned flags)
{
    int rc = 0;
    size_t run = 0;
    for (size_t i = 0; i < s.len && !rc; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (keep(c, flags)) {
            run++;
            continue;
        }
        rc = lh_buf_append(b, s.ptr + i - run, run);
        run = 0;
        if (!rc) rc = put_byte(b, c, flags);
    }
    return rc ? rc : lh_buf_append(b, s.ptr + s.len - run, run);
}

int lh_url_recode(lh_buf_t *b, lh_str_t s, unsigned flags)
{
    size_t i = 0;
    int rc = 0;
    while (i < s.len && !rc) {
        int c = next_byte(s, &i, 0);
        rc = put_byte(b, (unsigned char)(c < 0 ? '%' : c), flags);
    }
    return rc;
}

void lh_url_query_init(lh_url_query_t *q, lh_str_t query)
{
    memset(q, 0, sizeof *q);
    q->rest = query;
}

int lh_url_query_next(lh_url_query_t *q)
{
    while (q->rest.len) {
        const char *p = q->rest.ptr;
        const char *amp = memchr(p, '&', q->rest.len);
        size_t plen = amp ? (size_t)(amp - p) : q->rest.len;
        q->rest.ptr += plen + (amp != NULL);
        q->rest.len -= plen + (amp != NULL);
        if (plen == 0) continue;
        const char *eq = memchr(p, '=', plen);
        q->key = (lh_str_t){p, eq ? (size_t)(eq - p) : plen};
        q->value = eq ? (lh_str_t){eq + 1, plen - q->key.len - 1} : (lh_str_t){p + plen, 0};
        q->has_value = eq != NULL;
        return 1;
    }
    return 0;
}

int lh_url_query_decoded(const lh_url_query_t *q, lh_arena_t *a, unsigned flags, char **key,
                         char **value)
{
    char *k = lh_arena_alloc(a, q->key.len + 1), *v = lh_arena_alloc(a, q->value.len + 1);
    if (!k || !v) return LH_ENOMEM;
    long rc = lh_url_decode(q->key, k, q->key.len + 1, flags);
    if (rc >= 0) rc = lh_url_decode(q->value, v, q->value.len + 1, flags);
    if (rc < 0) return (int)rc;
    *key = k;
    *value = v;
    return 0;
}

int lh_url_query_find(lh_str_t query, const char *name, lh_str_t *value)
{
    lh_url_query_t q;
    lh_url_query_init(&q, query);
    while (lh_url_query_next(&q))
        if (lh_str_eq(q.key, name)) {
            *value = q.value;
            return 1;
        }
    return 0;
}
