/* Capped growable buffers with sticky errors: grow() records the first
 * failure in b->err and every append starts by returning it. */
#include "core/buf.h"
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lh_buf_init(lh_buf_t *b, size_t max)
{
    b->ptr = NULL;
    b->len = b->cap = 0;
    b->max = max ? max : LH_BUF_DEFAULT_MAX;
    b->err = 0;
}

static int fail(lh_buf_t *b, int rc)
{
    b->err = rc;
    return rc;
}

static int grow(lh_buf_t *b, size_t need)
{
    if (b->err) return b->err;
    if (need > b->max || need < b->len) return fail(b, LH_ETOOBIG);
    if (need + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need + 1)
        cap *= 2;
    if (cap > b->max + 1) cap = b->max + 1;
    char *p = realloc(b->ptr, cap);
    if (!p) return fail(b, LH_ENOMEM);
    b->ptr = p;
    b->cap = cap;
    return 0;
}

int lh_buf_append(lh_buf_t *b, const void *data, size_t n)
{
    int rc = grow(b, b->len + n);
    if (rc) return rc;
    if (n) memcpy(b->ptr + b->len, data, n);
    b->len += n;
    b->ptr[b->len] = 0;
    return 0;
}

int lh_buf_puts(lh_buf_t *b, const char *s)
{
    return lh_buf_append(b, s, strlen(s));
}

int lh_buf_printf(lh_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    if (b->err) return b->err;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return fail(b, LH_EINVAL);
    int rc = grow(b, b->len + (size_t)n);
    if (rc) return rc;
    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int lh_buf_xml_escape(lh_buf_t *b, const char *s, size_t n)
{
    int rc = 0;
    size_t run = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        char tmp[8];
        switch (c) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&apos;";
            break;
        default:
            if (c < 0x20 && c != '\t') {
                snprintf(tmp, sizeof tmp, "&#x%X;", c);
                rep = tmp;
            }
        }
        if (rep) {
            rc = lh_buf_append(b, s + i - run, run);
            if (!rc) rc = lh_buf_puts(b, rep);
            run = 0;
        } else {
            run++;
        }
    }
    if (!rc) rc = lh_buf_append(b, s + n - run, run);
    return rc;
}

int lh_buf_append_buf(lh_buf_t *dst, const lh_buf_t *src)
{
    if (src->err && !dst->err) return fail(dst, src->err);
    return lh_buf_append(dst, src->ptr, src->len);
}

int lh_buf_err(const lh_buf_t *b)
{
    return b->err;
}

int lh_buf_set_err(lh_buf_t *b, int code)
{
    if (!b->err && code) b->err = code;
    return b->err;
}

void lh_buf_reset(lh_buf_t *b)
{
    b->len = 0;
    b->err = 0;
    if (b->ptr) b->ptr[0] = 0;
}

void lh_buf_free(lh_buf_t *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
    b->err = 0;
}

char *lh_buf_take(lh_buf_t *b, size_t *len)
{
    char *p = b->ptr;
    if (len) *len = b->len;
    if (!p) p = calloc(1, 1);
    b->ptr = NULL;
    b->len = b->cap = 0;
    b->err = 0;
    return p;
}
