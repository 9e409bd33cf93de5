/* The auth module: AWS request authentication, server and client side.
 * auth.c picks the scheme; its leaves are sigv4.c, sigv2.c and awschunked.c
 * (auth_int.h is shared by those files only):
 *  - Signature V4: Authorization header, presigned query (X-Amz-*), with
 *    expiry and clock-skew checks; the seed signature for chunk signatures;
 *  - Signature V2: Authorization "AWS ak:sig" header and presigned
 *    AWSAccessKeyId/Signature/Expires query;
 *  - signing (the remote S3 back end), byte-identical to botocore.
 * Canonicalization follows the S3 rules: the canonical URI is the path as sent
 * (S3 does not normalize or double-encode), the canonical query is sorted by
 * encoded name then value, header values are trimmed with inner runs of
 * spaces collapsed. */
#ifndef LH_STORE_AUTH_H
#define LH_STORE_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/http.h"
#include "core/str.h"

enum { LH_SIG_ANON = 0, LH_SIG_V4_HEADER, LH_SIG_V4_QUERY, LH_SIG_V2_HEADER, LH_SIG_V2_QUERY };

typedef struct lh_sig_request {
    lh_str_t method;
    lh_str_t path;  /* raw path as sent, %-encoded */
    lh_str_t query; /* raw query as sent, without '?' */
    const lh_http_header_t *headers;
    size_t nheaders;
    int64_t now; /* unix seconds */
    /* V2 only: the canonical resource "/bucket/key" (virtual-host requests
     * include the bucket) and the sub-resources are taken from query. */
    lh_str_t v2_resource;
} lh_sig_request_t;

typedef struct lh_sig {
    int kind;
    char access_key[129];
    /* V4 */
    char amz_date[17]; /* 20130524T000000Z */
    char scope[128];   /* 20130524/us-east-1/s3/aws4_request */
    char region[64];
    char signature[65];
    char payload_hash[80];         /* x-amz-content-sha256 (header form) or UNSIGNED-PAYLOAD */
    unsigned char signing_key[32]; /* set by lh_sig_verify for chunk signatures */
    int64_t expires_at;            /* presigned: unix seconds; 0 otherwise */
    /* On failure: a static S3 error code ("SignatureDoesNotMatch",
     * "AuthorizationHeaderMalformed", "AccessDenied", "RequestTimeTooSkewed",
     * "InvalidRequest", "AuthorizationQueryParametersError") for the XML error. */
    const char *s3_error;
} lh_sig_t;

/* Finds which scheme the request uses and parses its fields into *sig (the
 * caller's; no secret needed). r and what it points to are borrowed.
 * Returns 0 (kind may be LH_SIG_ANON), or with sig->s3_error (static) and
 * err set. Errors: LH_EINVAL (several schemes at once, an unsupported or
 * malformed Authorization header or presigned query, a missing or bad
 * date). */
int lh_sig_parse(const lh_sig_request_t *r, lh_sig_t *sig, lh_err_t *err);
/* Verifies the signature of a request lh_sig_parse accepted with the user's
 * secret (borrowed); on success a V4 sig holds the signing key for chunk
 * signatures. Returns 0, or with sig->s3_error and err set. Errors:
 * LH_EAUTH (SignatureDoesNotMatch; AccessDenied for an anonymous sig),
 * LH_EPERM (expired or not yet valid presigned URL: AccessDenied; skew over
 * 15 minutes: RequestTimeTooSkewed; unsigned x-amz-* headers:
 * AccessDenied), LH_EINVAL (as lh_sig_parse), LH_ENOMEM (V2). */
int lh_sig_verify(const lh_sig_request_t *r, lh_sig_t *sig, const char *secret, lh_err_t *err);

/* Incremental decoder for aws-chunked bodies:
 *   signed:   "<hex>;chunk-signature=<64 hex>\r\n<data>\r\n" ... 0-chunk,
 *             each signature checked against the chain from sig (seed);
 *   unsigned: "<hex>\r\n<data>\r\n" ... (STREAMING-UNSIGNED-PAYLOAD-TRAILER);
 *   trailer:  after the 0-chunk, "name:value\r\n" lines, then (signed
 *             trailer form) "x-amz-trailer-signature:<hex>\r\n", then "\r\n".
 * Accepts any split of the input. */
typedef struct lh_awschunked lh_awschunked_t;
enum { LH_AWSCHUNKED_UNSIGNED = 0, LH_AWSCHUNKED_SIGNED = 1 };
/* sig: the verified seed (signed form; may be NULL for unsigned), copied.
 * trailer: 1 when the payload hash says ...-TRAILER. *out is owned by the
 * caller (lh_awschunked_free). Errors (codes only): LH_EINVAL (signed mode
 * without a V4 seed), LH_ENOMEM. */
int lh_awschunked_new(lh_awschunked_t **out, int mode, int trailer, const lh_sig_t *sig);
/* Frees d (NULL is fine). */
void lh_awschunked_free(lh_awschunked_t *d);
/* Feeds encoded bytes; decoded bytes go to emit (which may be called several
 * times; a non-zero return from emit stops decoding and is returned).
 * Returns 0, or emit's non-zero return, or with err set. Errors: LH_EPROTO
 * (bad framing, bytes after the end; err says where), LH_EAUTH (chunk or
 * trailer signature mismatch), LH_ENOMEM. */
int lh_awschunked_feed(lh_awschunked_t *d, const char *in, size_t n,
                       int (*emit)(void *arg, const char *data, size_t n), void *arg,
                       lh_err_t *err);
/* 1 once the final chunk and trailers were read completely. */
int lh_awschunked_done(const lh_awschunked_t *d);
/* Trailer value by (case-insensitive) name, or NULL. Valid until free. */
const char *lh_awschunked_trailer(const lh_awschunked_t *d, const char *name);
/* Total decoded bytes so far. */
uint64_t lh_awschunked_decoded(const lh_awschunked_t *d);

/* --- client side (remote S3 back end) --- */
typedef struct lh_sign_input {
    const char *method;
    const char *host;                /* Host header value, with :port when not default */
    const char *path;                /* already %-encoded canonical path */
    const char *query;               /* raw query "a=1&b=2" (encoded), may be NULL */
    const lh_http_header_t *headers; /* extra headers to sign (besides host,
                                        x-amz-date, x-amz-content-sha256) */
    size_t nheaders;
    const char *payload_hash; /* hex sha256 or "UNSIGNED-PAYLOAD" */
    const char *access_key, *secret_key, *region, *service;
    int64_t now; /* unix seconds */
} lh_sign_input_t;
/* Fills authorization (caller's, cap bytes: "AWS4-HMAC-SHA256
 * Credential=...") and amz_date (caller's, 16 chars + NUL; may be NULL).
 * Returns 0, or (codes only) LH_ETOOBIG (authorization does not fit, a scope,
 * header name or canonical request too long), LH_ENOMEM. */
int lh_sigv4_sign(const lh_sign_input_t *in, char *authorization, size_t cap, char *amz_date);

#endif
