/* Internal helpers shared by the request-authentication files (sigv4.c,
 * sigv2.c, awschunked.c). Not part of the store's public surface. */
#ifndef LH_STORE_AUTH_INT_H
#define LH_STORE_AUTH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/timefmt.h"
#include "store/sigv4.h"

#define LH__SIG_MAX_SKEW 900 /* seconds: S3 allows 15 minutes */
#define LH__EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

extern const char lh__msg_sig_mismatch[];

/* Sets sig->s3_error and err (message text as S3 sends it); returns code. */
int lh__sig_fail(lh_sig_t *sig, lh_err_t *err, int code, const char *s3_error, const char *msg);

/* Slice without leading/trailing spaces and tabs. */
lh_str_t lh__trim(lh_str_t s);
/* First request header named name (ASCII case-insensitive): 1 and *v, or 0. */
int lh__hdr_find(const lh_sig_request_t *r, const char *name, lh_str_t *v);
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
void lh__sigv4_key(const char *secret, const char *date8, const char *region,
                   const char *service, unsigned char out[32]);

/* sigv4_keycache.c: lh__sigv4_key through a small process-wide cache keyed
 * by (access key, date, region, service) and the secret's SHA-256, so a
 * changed secret never meets a key derived from the old one. Thread-safe. */
void lh__sigv4_key_cached(const char *access_key, const char *secret, const char *date8,
                          const char *region, const char *service, unsigned char out[32]);
void lh__sigv4_keycache_stats(uint64_t *hits, uint64_t *misses);

/* Signature V2 (sigv2.c), called by lh_sig_parse / lh_sig_verify. */
int lh__sigv2_parse(const lh_sig_request_t *r, lh_sig_t *sig, int kind, lh_err_t *err);
int lh__sigv2_verify(const lh_sig_request_t *r, lh_sig_t *sig, const char *secret,
                     lh_err_t *err);

#endif
