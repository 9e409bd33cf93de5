/* Growable byte buffers with a hard maximum (like curl's dynbuf): no client can
 * grow memory without bound. */
#ifndef LH_CORE_BUF_H
#define LH_CORE_BUF_H

#include <stddef.h>

typedef struct lh_buf {
    char *ptr;  /* owned; always NUL-terminated after a successful append */
    size_t len;
    size_t cap;
    size_t max; /* hard cap on len; 0 = LH_BUF_DEFAULT_MAX */
} lh_buf_t;

#define LH_BUF_DEFAULT_MAX ((size_t)64 << 20)

void lh_buf_init(lh_buf_t *b, size_t max);
/* Appends; returns 0, LH_ENOMEM, or LH_ETOOBIG (buffer unchanged). */
int lh_buf_append(lh_buf_t *b, const void *data, size_t n);
int lh_buf_puts(lh_buf_t *b, const char *s);
int lh_buf_printf(lh_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s with XML escaping of & < > " ' (and control characters as &#xN;). */
int lh_buf_xml_escape(lh_buf_t *b, const char *s, size_t n);
void lh_buf_reset(lh_buf_t *b); /* len = 0, keeps memory */
void lh_buf_free(lh_buf_t *b);
/* Hands the memory to the caller (free()) and re-initialises b. */
char *lh_buf_take(lh_buf_t *b, size_t *len);

#endif
