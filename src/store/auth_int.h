/* Internals of the auth module (auth.c and its leaves sigv4.c, sigv2.c,
 * awschunked.c); callers include store/auth.h. The small helpers every leaf
 * uses are inline here, so no leaf calls into another one or into auth.c:
 * auth.c calls the leaves, awschunked.c calls sigv4.c for the signing key. */
#ifndef LH_STORE_AUTH_INT_H
#define LH_STORE_AUTH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/timefmt.h"
#include "store/auth.h"

#define LH__SIG_MAX_SKEW 900       /* seconds: S3 allows 15 minutes */
#define LH__SIG_MAX_PRESIGN 604800 /* seconds: a presigned URL lives at most seven days */
#define LH__EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

#define LH__MSG_SIG_MISMATCH                                                                       \
    "The request signature we calculated does not match the signature you provided. Check your "   \
    "key and signing method."

/* Sets sig->s3_error and err (message text as S3 sends it); returns code. */
static inline int lh__sig_fail(lh_sig_t *sig, lh_err_t *err, int code, const char *s3_error,
                               const char *msg)
{
    sig->s3_error = s3_error;
    return lh_err_set(err, code, "%s", msg);
}

/* Slice without leading/trailing spaces and tabs. */
static inline lh_str_t lh__trim(lh_str_t s)
{
    while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) {
        s.ptr++;
        s.len--;
    }
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t'))
        s.len--;
    return s;
}

/* First request header named name (ASCII case-insensitive): 1 and *v, or 0. */
static inline int lh__hdr_find(const lh_sig_request_t *r, const char *name, lh_str_t *v)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        if (lh_str_caseeq(r->headers[i].name, name)) {
            *v = r->headers[i].value;
            return 1;
        }
    }
    return 0;
}

/* "20130524T000000Z" -> unix seconds. 0 or LH_EINVAL. */
static inline int lh__parse_amz_date(lh_str_t s, int64_t *t)
{
    return lh_time_iso8601_basic_parse(s, t);
}
/* RFC 1123 ("Tue, 27 Mar 2007 19:36:42 +0000" or "... GMT"), RFC 850 and
 * asctime forms -> unix seconds. 0 or LH_EINVAL. */
static inline int lh__parse_http_date(lh_str_t s, int64_t *t)
{
    return lh_time_http_parse_lenient(s, t);
}
static inline void lh__fmt_amz_date(int64_t t, char out[17])
{
    lh_time_iso8601_basic_format(t, out);
}

/* kSigning = HMAC chain over date (YYYYMMDD), region, service, "aws4_request". */
void lh__sigv4_key(const char *secret, const char *date8, const char *region, const char *service,
                   unsigned char out[32]);

/* sigv4_keycache.c: lh__sigv4_key through a small process-wide cache keyed
 * by (access key, date, region, service) and the secret's SHA-256, so a
 * changed secret never meets a key derived from the old one. Thread-safe. */
void lh__sigv4_key_cached(const char *access_key, const char *secret, const char *date8,
                          const char *region, const char *service, unsigned char out[32]);
void lh__sigv4_keycache_stats(uint64_t *hits, uint64_t *misses);

/* The leaves, called by lh_sig_parse / lh_sig_verify (auth.c) once the
 * scheme is known (kind: LH_SIG_V4_* / LH_SIG_V2_*). Parse fills sig from
 * the request (no secret); verify checks the signature with the secret.
 * Errors as lh_sig_parse / lh_sig_verify. */
/* Signature V4 (sigv4.c). */
int lh__sigv4_parse(const lh_sig_request_t *r, lh_sig_t *sig, int kind, lh_err_t *err);
int lh__sigv4_verify(const lh_sig_request_t *r, lh_sig_t *sig, const char *secret, lh_err_t *err);
/* Signature V2 (sigv2.c). */
int lh__sigv2_parse(const lh_sig_request_t *r, lh_sig_t *sig, int kind, lh_err_t *err);
int lh__sigv2_verify(const lh_sig_request_t *r, lh_sig_t *sig, const char *secret, lh_err_t *err);

#endif
