/* A validating JSON scanner that builds nothing (json_scan.c): the fast
 * path of json_valid and of json_extract(_string) with a constant path of
 * object keys (json.c). It answers only when it is sure jansson would
 * agree; anything else (non-ASCII text, \u surrogates, control bytes,
 * integers past 18 digits, big exponents, invalid text, a duplicate of the
 * key sought, a real, object or array at the path) is "cannot tell", and
 * the caller decodes the row with jansson as before. */
#ifndef LH_SQL_FUNC_JSON_SCAN_H
#define LH_SQL_FUNC_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

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

/* The unescaped bytes of a scanned string (hit->escaped) into out (at
 * least hit->len bytes: unescaping never grows); its length. */
size_t lh_jscan_unescape(const lh_jscan_hit_t *hit, char *out);

#endif
