/* Percent-encoding (RFC 3986 section 2.1) and query strings, one copy for
 * every protocol: S3 paths and SigV4 canonical requests, the REST API's path
 * segments, HTML forms, and the remote S3 client. Decoding writes into a
 * caller's buffer; encoding appends to a capped lh_buf_t (sticky errors).
 * Pure functions; slices in, nothing retained. */
#ifndef LH_CORE_URL_H
#define LH_CORE_URL_H

#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/str.h"

/* Decoding flags. Without LH_URL_STRICT a '%' not followed by two hex digits
 * is kept literally (what S3 and SigV4 do). */
enum {
    LH_URL_STRICT = 1 << 0,     /* a bad escape is an error */
    LH_URL_NO_NUL = 1 << 1,     /* a decoded NUL byte is an error */
    LH_URL_PLUS_SPACE = 1 << 2, /* '+' is a space (HTML forms, S3 encoding-type=url) */
};

/* %-decodes s into dst (cap bytes, NUL-terminated); dst may be s.ptr
 * (decoding in place). Returns the decoded length, or LH_EINVAL (a bad
 * escape under LH_URL_STRICT, a NUL under LH_URL_NO_NUL) or LH_ETOOBIG
 * (length + 1 > cap). '+' stays '+' unless LH_URL_PLUS_SPACE. */
long lh_url_decode(lh_str_t s, char *dst, size_t cap, unsigned flags);
/* The same into memory from the arena (owned by it). NULL on error. */
char *lh_url_decode_arena(lh_arena_t *a, lh_str_t s, unsigned flags);

/* Encoding sets. The base set keeps RFC 3986's unreserved characters
 * (A-Z a-z 0-9 - . _ ~) and %-encodes every other byte with upper-case hex:
 * AWS's UriEncode (SigV4, S3 keys and query values), curl_easy_escape. */
enum {
    LH_URL_KEEP_SLASH = 1 << 8, /* '/' stays (S3 object paths, encoding-type=url) */
    LH_URL_PCHAR = 1 << 9,      /* RFC 3986 pchar also stays: sub-delims ! $ & ' ( ) * + , ; =
                                   and : @ (a path segment, encoded minimally) */
    LH_URL_FORM = 1 << 10,      /* space becomes '+' (application/x-www-form-urlencoded) */
};

/* Appends s %-encoded with the set in flags. Returns 0 or the buffer's
 * (sticky) error: LH_ENOMEM, LH_ETOOBIG. */
int lh_url_encode(lh_buf_t *b, lh_str_t s, unsigned flags);
/* Decodes s leniently and appends it encoded with flags: normalises a
 * received path or parameter (SigV4's canonical query). 0 or the buffer's
 * error. */
int lh_url_recode(lh_buf_t *b, lh_str_t s, unsigned flags);

/* Query strings ("a=1&b&c=%20"): '&'-separated parameters, empty ones
 * skipped; a parameter without '=' has an empty value. Slices point into
 * the query (raw, still %-encoded). */
typedef struct lh_url_query {
    lh_str_t rest;       /* not yet read */
    lh_str_t key, value; /* the current parameter, raw */
    int has_value;       /* the current parameter had '=' */
} lh_url_query_t;

void lh_url_query_init(lh_url_query_t *q, lh_str_t query);
/* Moves to the next parameter: 1 with q->key and q->value set, 0 at the end. */
int lh_url_query_next(lh_url_query_t *q);
/* The current key and value %-decoded (flags as lh_url_decode) into arena
 * memory. 0, LH_EINVAL (bad escape) or LH_ENOMEM. */
int lh_url_query_decoded(const lh_url_query_t *q, lh_arena_t *a, unsigned flags, char **key,
                         char **value);
/* Raw value of the first parameter whose raw key is exactly name: 1 and
 * *value, or 0 when absent. */
int lh_url_query_find(lh_str_t query, const char *name, lh_str_t *value);

#endif
