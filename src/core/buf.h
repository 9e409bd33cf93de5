/* Growable byte buffers with a hard maximum (like curl's dynbuf): no client can
 * grow memory without bound. Errors are sticky (like SQLite's sqlite3_str):
 * the first append that fails (over the cap, out of memory) marks the
 * buffer, and every later append does nothing and returns that error, so a
 * reply can never lose bytes from its middle; build the whole thing, then
 * check lh_buf_err() once before using it. */
#ifndef LH_CORE_BUF_H
#define LH_CORE_BUF_H

#include <stddef.h>

typedef struct lh_buf {
    char *ptr; /* owned; always NUL-terminated after a successful append */
    size_t len;
    size_t cap;
    size_t max; /* hard cap on len; 0 = LH_BUF_DEFAULT_MAX */
    int err;    /* sticky: 0, or the first failed append's LH_ENOMEM / LH_ETOOBIG */
} lh_buf_t;

#define LH_BUF_DEFAULT_MAX ((size_t)64 << 20)

void lh_buf_init(lh_buf_t *b, size_t max);
/* Appends. Returns 0, or the buffer's sticky error: LH_ENOMEM or LH_ETOOBIG
 * from this append (which then appended nothing) or an earlier one (this
 * one did nothing). */
int lh_buf_append(lh_buf_t *b, const void *data, size_t n);
int lh_buf_puts(lh_buf_t *b, const char *s);
/* As append; LH_EINVAL (sticky too) when fmt cannot be formatted. */
int lh_buf_printf(lh_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s with XML escaping of & < > " ' (and control characters as &#xN;).
 * Returns as append. */
int lh_buf_xml_escape(lh_buf_t *b, const char *s, size_t n);
/* Appends the contents of src; an error of src becomes dst's (a truncated
 * piece cannot be spliced in silently). Returns as append. */
int lh_buf_append_buf(lh_buf_t *dst, const lh_buf_t *src);
/* 0, or the sticky error of the first failed append since init/reset/free. */
int lh_buf_err(const lh_buf_t *b);
/* Marks b failed with code (a negative LH_E*), as a failed append would,
 * unless it already failed; returns b's error. For pieces built elsewhere. */
int lh_buf_set_err(lh_buf_t *b, int code);
void lh_buf_reset(lh_buf_t *b); /* len = 0 and no error; keeps memory */
void lh_buf_free(lh_buf_t *b);  /* frees; b is empty with no error, max kept */
/* Hands the memory to the caller (free(); never NULL short of memory) and
 * re-initialises b. The contents are whatever was appended before a
 * failure: check lh_buf_err() first. */
char *lh_buf_take(lh_buf_t *b, size_t *len);

#endif
