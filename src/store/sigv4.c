/* AWS Signature Version 4 for S3, both sides (a leaf of the auth module). The
 * server side parses the fields of a V4 request (lh__sigv4_parse, once
 * auth.c found the scheme), then rebuilds the canonical request from what was
 * sent and compares signatures in constant time (lh__sigv4_verify): path
 * exactly as sent, query re-encoded per RFC 3986 and sorted, signed headers lower-cased with
 * trimmed and collapsed values. The client side (lh_sigv4_sign) builds the same canonical request
 * for the remote S3 back end, byte-identical to botocore's S3SigV4Auth. Errors carry the S3 error
 * code and S3's own message text for the XML error body. */
#include "core/checksum.h"
#include "core/crypto.h"
#include "core/url.h"
#include "store/auth_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char msg_hdr_malformed[] =
    "The authorization header is malformed; the Credential is mal-formed; expecting "
    "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".";
static const char msg_query_params[] =
    "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
    "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.";
static const char msg_bad_date[] = "AWS authentication requires a valid Date or x-amz-date header";

#define ALGO "AWS4-HMAC-SHA256"
#define CANON_MAX ((size_t)1 << 20)
#define SIGNED_HDRS_MAX 8192

static int is_sp(char c)
{
    return c == ' ' || c == '\t';
}

/* ------------------------------------------------------------------ */
/* keys and comparisons                                                */

void lh__sigv4_key(const char *secret, const char *date8, const char *region, const char *service,
                   unsigned char out[32])
{
    char k0[300];
    int n = snprintf(k0, sizeof k0, "AWS4%s", secret);
    if (n < 0 || (size_t)n >= sizeof k0) n = (int)sizeof k0 - 1;
    lh_hmac_sha256(k0, (size_t)n, date8, strlen(date8), out);
    lh_hmac_sha256(out, 32, region, strlen(region), out);
    lh_hmac_sha256(out, 32, service, strlen(service), out);
    lh_hmac_sha256(out, 32, "aws4_request", 12, out);
    lh_wipe(k0, sizeof k0);
}

/* ------------------------------------------------------------------ */
/* canonical request                                                   */

typedef struct {
    const char *name, *val;
    size_t nlen, vlen;
    size_t noff, voff; /* offsets while the buffer may still move */
} qparam_t;

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

static int qparam_cmp(const void *x, const void *y)
{
    const qparam_t *a = x, *b = y;
    int c = bytes_cmp(a->name, a->nlen, b->name, b->nlen);
    return c ? c : bytes_cmp(a->val, a->vlen, b->val, b->vlen);
}

/* Appends the canonical query of q to out, leaving out the parameter named
 * skip (raw compare; NULL for none). */
static int canon_query(lh_buf_t *out, lh_str_t q, const char *skip)
{
    size_t n = 1, np = 0, i = 0;
    for (size_t k = 0; k < q.len; k++)
        n += q.ptr[k] == '&';
    qparam_t *ps = calloc(n, sizeof *ps);
    lh_buf_t enc;
    lh_buf_init(&enc, 3 * q.len + 16);
    int rc = ps ? 0 : LH_ENOMEM;
    while (!rc && i < q.len) {
        const char *p = q.ptr + i;
        const char *amp = memchr(p, '&', q.len - i);
        size_t plen = amp ? (size_t)(amp - p) : q.len - i;
        const char *eq = memchr(p, '=', plen);
        size_t klen = eq ? (size_t)(eq - p) : plen;
        i += plen + 1;
        if (plen == 0 || (skip && klen == strlen(skip) && memcmp(p, skip, klen) == 0)) continue;
        qparam_t *qp = &ps[np++];
        qp->noff = enc.len;
        rc = lh_url_recode(&enc, (lh_str_t){p, klen}, 0);
        qp->nlen = enc.len - qp->noff;
        qp->voff = enc.len;
        if (!rc && eq) rc = lh_url_recode(&enc, (lh_str_t){eq + 1, plen - klen - 1}, 0);
        qp->vlen = enc.len - qp->voff;
    }
    for (size_t k = 0; !rc && k < np; k++) {
        ps[k].name = enc.ptr + ps[k].noff;
        ps[k].val = enc.ptr + ps[k].voff;
    }
    if (!rc && np) qsort(ps, np, sizeof *ps, qparam_cmp);
    for (size_t k = 0; !rc && k < np; k++) {
        if (k) lh_buf_append(out, "&", 1);
        lh_buf_append(out, ps[k].name, ps[k].nlen);
        lh_buf_append(out, "=", 1);
        lh_buf_append(out, ps[k].val, ps[k].vlen);
    }
    free(ps);
    lh_buf_free(&enc);
    return rc ? rc : lh_buf_err(out);
}

/* Appends v trimmed, with inner runs of spaces/tabs collapsed to one space. */
static int canon_value(lh_buf_t *b, lh_str_t v)
{
    v = lh__trim(v);
    for (size_t i = 0; i < v.len; i++) {
        if (is_sp(v.ptr[i]) && i > 0 && is_sp(v.ptr[i - 1])) continue;
        char c = is_sp(v.ptr[i]) ? ' ' : v.ptr[i];
        lh_buf_append(b, &c, 1);
    }
    return lh_buf_err(b);
}

static int append_lower(lh_buf_t *b, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i] >= 'A' && p[i] <= 'Z' ? (char)(p[i] + 32) : p[i];
        lh_buf_append(b, &c, 1);
    }
    return lh_buf_err(b);
}

/* "name:v1,v2\n" for one signed header name, values of every header with
 * that name in request order. */
static int canon_header(lh_buf_t *b, const lh_sig_request_t *r, lh_str_t name)
{
    int first = 1;
    append_lower(b, name.ptr, name.len);
    lh_buf_append(b, ":", 1);
    for (size_t i = 0; i < r->nheaders; i++) {
        const lh_http_header_t *h = &r->headers[i];
        if (h->name.len != name.len || strncasecmp(h->name.ptr, name.ptr, name.len)) continue;
        if (!first) lh_buf_append(b, ",", 1);
        canon_value(b, h->value);
        first = 0;
    }
    return lh_buf_append(b, "\n", 1);
}

/* Hex SHA-256 of the canonical request built from what the server received. */
static int server_canon_hash(const lh_sig_request_t *r, const char *signed_hdrs,
                             const char *payload, int presigned, char hex[65])
{
    lh_buf_t b;
    lh_buf_init(&b, CANON_MAX);
    lh_buf_append(&b, r->method.ptr, r->method.len);
    lh_buf_append(&b, "\n", 1);
    lh_buf_append(&b, r->path.len ? r->path.ptr : "/", r->path.len ? r->path.len : 1);
    lh_buf_append(&b, "\n", 1);
    int rc = canon_query(&b, r->query, presigned ? "X-Amz-Signature" : NULL);
    lh_buf_append(&b, "\n", 1);
    for (const char *p = signed_hdrs; *p;) {
        const char *semi = strchr(p, ';');
        size_t n = semi ? (size_t)(semi - p) : strlen(p);
        canon_header(&b, r, (lh_str_t){p, n});
        p += n + (semi != NULL);
    }
    lh_buf_printf(&b, "\n%s\n%s", signed_hdrs, payload);
    if (!rc) rc = lh_buf_err(&b); /* checked once: appends after a failure did nothing */
    if (!rc) {
        unsigned char d[32];
        lh_sha256(b.ptr, b.len, d);
        lh_hex(d, 32, hex);
    }
    lh_buf_free(&b);
    return rc;
}

static void sign_sts(const unsigned char key[32], const char *amz_date, const char *scope,
                     const char *canon_hex, char out[65])
{
    char sts[300];
    int n = snprintf(sts, sizeof sts, ALGO "\n%s\n%s\n%s", amz_date, scope, canon_hex);
    unsigned char mac[32];
    lh_hmac_sha256(key, 32, sts, n > 0 && (size_t)n < sizeof sts ? (size_t)n : 0, mac);
    lh_hex(mac, 32, out);
}

/* ------------------------------------------------------------------ */
/* parsing                                                             */

/* Fields of a V4 request that lh_sig_t does not keep. */
typedef struct {
    char signed_headers[SIGNED_HDRS_MAX];
    char date8[9], service[32];
} v4_extra_t;

/* "AK/YYYYMMDD/REGION/SERVICE/aws4_request" into sig (split from the right). */
static int parse_credential(lh_str_t c, lh_sig_t *sig, v4_extra_t *x)
{
    size_t cut[4], k = 0;
    for (size_t i = c.len; i-- > 0 && k < 4;)
        if (c.ptr[i] == '/') cut[k++] = i;
    if (k < 4 || cut[3] == 0) return LH_EINVAL;
    lh_str_t term = {c.ptr + cut[0] + 1, c.len - cut[0] - 1};
    lh_str_t svc = {c.ptr + cut[1] + 1, cut[0] - cut[1] - 1};
    lh_str_t region = {c.ptr + cut[2] + 1, cut[1] - cut[2] - 1};
    lh_str_t date = {c.ptr + cut[3] + 1, cut[2] - cut[3] - 1};
    uint64_t ymd;
    if (!lh_str_eq(term, "aws4_request") || date.len != 8 || lh_str_to_u64(date, &ymd) ||
        region.len == 0 || svc.len == 0)
        return LH_EINVAL;
    if (lh_str_copy(sig->access_key, sizeof sig->access_key, (lh_str_t){c.ptr, cut[3]}) ||
        lh_str_copy(sig->region, sizeof sig->region, region) ||
        lh_str_copy(x->service, sizeof x->service, svc) ||
        lh_str_copy(x->date8, sizeof x->date8, date) ||
        lh_str_copy(sig->scope, sizeof sig->scope, (lh_str_t){date.ptr, c.len - cut[3] - 1}))
        return LH_EINVAL;
    return 0;
}

/* Next "Key=Value" token of an Authorization header after the algorithm;
 * tokens are separated by commas and/or spaces. */
static int next_kv(lh_str_t *s, lh_str_t *k, lh_str_t *v)
{
    size_t i = 0;
    while (i < s->len && (is_sp(s->ptr[i]) || s->ptr[i] == ','))
        i++;
    size_t st = i;
    while (i < s->len && !is_sp(s->ptr[i]) && s->ptr[i] != ',')
        i++;
    if (i == st) return 0;
    lh_str_t tok = {s->ptr + st, i - st};
    s->ptr += i;
    s->len -= i;
    const char *eq = memchr(tok.ptr, '=', tok.len);
    if (!eq) return -1;
    *k = (lh_str_t){tok.ptr, (size_t)(eq - tok.ptr)};
    *v = (lh_str_t){eq + 1, tok.len - (size_t)(eq - tok.ptr) - 1};
    return 1;
}

static int parse_v4_header(lh_str_t auth, lh_sig_t *sig, v4_extra_t *x, lh_err_t *err)
{
    lh_str_t rest = {auth.ptr + strlen(ALGO), auth.len - strlen(ALGO)}, k, v;
    int have_c = 0, have_h = 0, have_s = 0, rc;
    if (!rest.len || !is_sp(rest.ptr[0]))
        return lh__sig_fail(sig, err, LH_EINVAL, "AuthorizationHeaderMalformed", msg_hdr_malformed);
    while ((rc = next_kv(&rest, &k, &v)) > 0) {
        if (lh_str_eq(k, "Credential")) {
            have_c = parse_credential(v, sig, x) == 0;
            if (!have_c) break;
        } else if (lh_str_eq(k, "SignedHeaders")) {
            have_h = lh_str_copy(x->signed_headers, sizeof x->signed_headers, v) == 0;
        } else if (lh_str_eq(k, "Signature")) {
            have_s = lh_str_copy(sig->signature, sizeof sig->signature, v) == 0;
        }
    }
    if (rc < 0 || !have_c || !have_h || !have_s)
        return lh__sig_fail(sig, err, LH_EINVAL, "AuthorizationHeaderMalformed", msg_hdr_malformed);
    return 0;
}

/* Copies the %-decoded query parameter name into dst; 0, or -1 if absent or too long. */
static int query_decoded(lh_str_t q, const char *name, char *dst, size_t cap)
{
    lh_str_t v;
    if (!lh_url_query_find(q, name, &v)) return -1;
    return lh_url_decode(v, dst, cap, 0) < 0 ? -1 : 0;
}

static int parse_v4_query(const lh_sig_request_t *r, lh_sig_t *sig, v4_extra_t *x, lh_err_t *err)
{
    char algo[32], cred[400], expires[16];
    lh_str_t q = r->query;
    if (query_decoded(q, "X-Amz-Algorithm", algo, sizeof algo) ||
        query_decoded(q, "X-Amz-Credential", cred, sizeof cred) ||
        query_decoded(q, "X-Amz-Date", sig->amz_date, sizeof sig->amz_date) ||
        query_decoded(q, "X-Amz-Expires", expires, sizeof expires) ||
        query_decoded(q, "X-Amz-SignedHeaders", x->signed_headers, sizeof x->signed_headers) ||
        query_decoded(q, "X-Amz-Signature", sig->signature, sizeof sig->signature))
        return lh__sig_fail(sig, err, LH_EINVAL, "AuthorizationQueryParametersError",
                            msg_query_params);
    if (strcmp(algo, ALGO))
        return lh__sig_fail(sig, err, LH_EINVAL, "AuthorizationQueryParametersError",
                            "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
    if (parse_credential((lh_str_t){cred, strlen(cred)}, sig, x))
        return lh__sig_fail(sig, err, LH_EINVAL, "AuthorizationQueryParametersError",
                            "Error parsing the X-Amz-Credential parameter; the Credential is "
                            "mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/"
                            "aws4_request\".");
    uint64_t e = 0;
    if (lh_str_to_u64((lh_str_t){expires, strlen(expires)}, &e) || e < 1 || e > LH__SIG_MAX_PRESIGN)
        return lh__sig_fail(sig, err, LH_EINVAL, "AuthorizationQueryParametersError",
                            "X-Amz-Expires must be less than a week (in seconds) that is 604800");
    int64_t t;
    if (lh__parse_amz_date((lh_str_t){sig->amz_date, strlen(sig->amz_date)}, &t))
        return lh__sig_fail(
            sig, err, LH_EINVAL, "AuthorizationQueryParametersError",
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
    sig->expires_at = t + (int64_t)e;
    lh_str_t ph;
    lh_str_t v =
        lh__hdr_find(r, "x-amz-content-sha256", &ph) ? lh__trim(ph) : LH_STR("UNSIGNED-PAYLOAD");
    if (lh_str_copy(sig->payload_hash, sizeof sig->payload_hash, v))
        return lh__sig_fail(sig, err, LH_EINVAL, "InvalidArgument",
                            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                            "STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
                            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD or a valid sha256 value.");
    return 0;
}

/* x-amz-date (ISO basic), else Date (HTTP date) converted to ISO basic. */
static int v4_header_date(const lh_sig_request_t *r, lh_sig_t *sig, lh_err_t *err)
{
    lh_str_t v;
    int64_t t;
    if (lh__hdr_find(r, "x-amz-date", &v)) {
        v = lh__trim(v);
        if (lh__parse_amz_date(v, &t) == 0)
            return lh_str_copy(sig->amz_date, sizeof sig->amz_date, v);
    } else if (lh__hdr_find(r, "date", &v) && lh__parse_http_date(lh__trim(v), &t) == 0) {
        lh__fmt_amz_date(t, sig->amz_date);
        return 0;
    }
    return lh__sig_fail(sig, err, LH_EINVAL, "AccessDenied", msg_bad_date);
}

static int valid_payload_hash(const char *h)
{
    static const char *const fixed[] = {"UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                                        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                                        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", NULL};
    for (int i = 0; fixed[i]; i++)
        if (!strcmp(h, fixed[i])) return 1;
    if (strlen(h) != 64) return 0;
    for (int i = 0; i < 64; i++)
        if (lh_hex_digit((unsigned char)h[i]) < 0) return 0;
    return 1;
}

static int has_signed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *semi = strchr(p, ';');
        size_t len = semi ? (size_t)(semi - p) : strlen(p);
        if (len == n && strncasecmp(p, name, n) == 0) return 1;
        p += len + (semi != NULL);
    }
    return 0;
}

static int parse_v4(const lh_sig_request_t *r, lh_sig_t *sig, v4_extra_t *x, lh_err_t *err)
{
    int rc;
    if (sig->kind == LH_SIG_V4_HEADER) {
        lh_str_t auth = {0}, ph;
        lh__hdr_find(r, "authorization", &auth);
        if ((rc = parse_v4_header(lh__trim(auth), sig, x, err)) ||
            (rc = v4_header_date(r, sig, err)))
            return rc;
        if (!lh__hdr_find(r, "x-amz-content-sha256", &ph))
            return lh__sig_fail(sig, err, LH_EINVAL, "InvalidRequest",
                                "Missing required header for this request: x-amz-content-sha256");
        if (lh_str_copy(sig->payload_hash, sizeof sig->payload_hash, lh__trim(ph)) ||
            !valid_payload_hash(sig->payload_hash))
            return lh__sig_fail(sig, err, LH_EINVAL, "InvalidArgument",
                                "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                                "STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
                                "STREAMING-AWS4-HMAC-SHA256-PAYLOAD or a valid sha256 value.");
    } else if ((rc = parse_v4_query(r, sig, x, err))) {
        return rc;
    }
    const char *s3e = sig->kind == LH_SIG_V4_HEADER ? "AuthorizationHeaderMalformed"
                                                    : "AuthorizationQueryParametersError";
    if (strncmp(sig->amz_date, x->date8, 8))
        return lh__sig_fail(sig, err, LH_EINVAL, s3e,
                            "Invalid credential date. Date is not the same as X-Amz-Date.");
    if (strcmp(x->service, "s3"))
        return lh__sig_fail(sig, err, LH_EINVAL, s3e,
                            "The authorization header is malformed; incorrect service \"s3\". "
                            "This endpoint belongs to \"s3\".");
    if (!has_signed(x->signed_headers, "host"))
        return lh__sig_fail(sig, err, LH_EINVAL, s3e, "Host header must be signed");
    return 0;
}

int lh__sigv4_parse(const lh_sig_request_t *r, lh_sig_t *sig, int kind, lh_err_t *err)
{
    v4_extra_t x;
    sig->kind = kind;
    return parse_v4(r, sig, &x, err);
}

/* ------------------------------------------------------------------ */
/* verification                                                        */

/* Every x-amz-* header present must be signed, in header auth and in a
 * presigned URL alike (else whoever holds a presigned PUT could add
 * x-amz-copy-source and copy as the signer); a presigned URL may carry
 * x-amz-content-sha256 unsigned, as AWS allows. */
static int all_amz_signed(const lh_sig_request_t *r, const char *signed_hdrs, int presigned)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        lh_str_t n = r->headers[i].name;
        if (n.len < 6 || strncasecmp(n.ptr, "x-amz-", 6)) continue;
        if (presigned && lh_str_caseeq(n, "x-amz-content-sha256")) continue;
        char name[128];
        if (lh_str_copy(name, sizeof name, n) || !has_signed(signed_hdrs, name)) return 0;
    }
    return 1;
}

static int check_time(const lh_sig_request_t *r, lh_sig_t *sig, lh_err_t *err)
{
    int64_t t;
    lh__parse_amz_date((lh_str_t){sig->amz_date, strlen(sig->amz_date)}, &t);
    if (sig->kind == LH_SIG_V4_HEADER) {
        if (r->now - t > LH__SIG_MAX_SKEW || t - r->now > LH__SIG_MAX_SKEW)
            return lh__sig_fail(sig, err, LH_EPERM, "RequestTimeTooSkewed",
                                "The difference between the request time and the current time "
                                "is too large.");
        return 0;
    }
    if (r->now > sig->expires_at)
        return lh__sig_fail(sig, err, LH_EPERM, "AccessDenied", "Request has expired");
    if (t - r->now > LH__SIG_MAX_SKEW)
        return lh__sig_fail(sig, err, LH_EPERM, "AccessDenied", "Request is not valid yet");
    return 0;
}

int lh__sigv4_verify(const lh_sig_request_t *r, lh_sig_t *sig, const char *secret, lh_err_t *err)
{
    lh_sig_t tmp;
    v4_extra_t x;
    tmp.kind = sig->kind;
    int rc = parse_v4(r, &tmp, &x, err);
    if (rc) {
        sig->s3_error = tmp.s3_error;
        return rc;
    }
    if ((rc = check_time(r, sig, err))) return rc;
    if (!all_amz_signed(r, x.signed_headers, sig->kind == LH_SIG_V4_QUERY))
        return lh__sig_fail(sig, err, LH_EPERM, "AccessDenied",
                            "There were headers present in the request which were not signed");
    char canon[65], want[65];
    if (server_canon_hash(r, x.signed_headers, sig->payload_hash, sig->kind == LH_SIG_V4_QUERY,
                          canon))
        return lh__sig_fail(sig, err, LH_EAUTH, "SignatureDoesNotMatch", LH__MSG_SIG_MISMATCH);
    lh__sigv4_key_cached(sig->access_key, secret, x.date8, sig->region, x.service,
                         sig->signing_key);
    sign_sts(sig->signing_key, sig->amz_date, sig->scope, canon, want);
    if (!lh_ct_streq(want, sig->signature)) {
        lh_wipe(sig->signing_key, sizeof sig->signing_key);
        return lh__sig_fail(sig, err, LH_EAUTH, "SignatureDoesNotMatch", LH__MSG_SIG_MISMATCH);
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* client signer                                                       */

typedef struct {
    const char *name; /* lower-cased, NUL-terminated */
    lh_str_t value;
    size_t order;
} shdr_t;

static int shdr_cmp(const void *x, const void *y)
{
    const shdr_t *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->order > b->order) - (a->order < b->order);
}

static int is_fixed_header(lh_str_t n)
{
    return lh_str_caseeq(n, "host") || lh_str_caseeq(n, "x-amz-date") ||
           lh_str_caseeq(n, "x-amz-content-sha256");
}

/* Canonical headers ("k:v\n"...) into canon and "a;b" into list. */
static int client_headers(const lh_sign_input_t *in, const char *amz_date, const char *payload,
                          lh_buf_t *canon, lh_buf_t *list)
{
    size_t n = 0;
    shdr_t *hs = calloc(in->nheaders + 3, sizeof *hs);
    char *names = calloc(in->nheaders ? in->nheaders : 1, 128);
    int rc = hs && names ? 0 : LH_ENOMEM;
    for (size_t i = 0; !rc && i < in->nheaders; i++) {
        lh_str_t nm = in->headers[i].name;
        if (is_fixed_header(nm)) continue;
        char *dst = names + 128 * i;
        if (nm.len >= 128) {
            rc = LH_ETOOBIG;
            break;
        }
        for (size_t k = 0; k < nm.len; k++)
            dst[k] = nm.ptr[k] >= 'A' && nm.ptr[k] <= 'Z' ? (char)(nm.ptr[k] + 32) : nm.ptr[k];
        hs[n++] = (shdr_t){dst, in->headers[i].value, i};
    }
    if (!rc) {
        hs[n++] = (shdr_t){"host", {in->host, strlen(in->host)}, 0};
        hs[n++] = (shdr_t){"x-amz-content-sha256", {payload, strlen(payload)}, 0};
        hs[n++] = (shdr_t){"x-amz-date", {amz_date, 16}, 0};
        qsort(hs, n, sizeof *hs, shdr_cmp);
    }
    for (size_t i = 0; !rc && i < n; i++) {
        int same = i > 0 && !strcmp(hs[i].name, hs[i - 1].name);
        if (same) {
            lh_buf_append(canon, ",", 1);
        } else {
            if (i > 0) lh_buf_append(canon, "\n", 1);
            if (list->len) lh_buf_append(list, ";", 1);
            lh_buf_puts(list, hs[i].name);
            lh_buf_printf(canon, "%s:", hs[i].name);
        }
        canon_value(canon, hs[i].value);
    }
    lh_buf_append(canon, "\n", 1);
    free(hs);
    free(names);
    if (!rc) rc = lh_buf_err(canon) ? lh_buf_err(canon) : lh_buf_err(list);
    return rc;
}

int lh_sigv4_sign(const lh_sign_input_t *in, char *authorization, size_t cap, char *amz_date)
{
    const char *payload = in->payload_hash ? in->payload_hash : "UNSIGNED-PAYLOAD";
    const char *service = in->service ? in->service : "s3";
    const char *path = in->path && *in->path ? in->path : "/";
    char date[17], scope[128], canon_hex[65], sig[65];
    unsigned char key[32];
    lh__fmt_amz_date(in->now, date);
    char date8[9];
    memcpy(date8, date, 8);
    date8[8] = 0;
    int n = snprintf(scope, sizeof scope, "%s/%s/%s/aws4_request", date8, in->region, service);
    if (n < 0 || (size_t)n >= sizeof scope) return LH_ETOOBIG;
    lh_buf_t cr, hdrs, list;
    lh_buf_init(&cr, CANON_MAX);
    lh_buf_init(&hdrs, CANON_MAX);
    lh_buf_init(&list, SIGNED_HDRS_MAX);
    int rc = client_headers(in, date, payload, &hdrs, &list);
    lh_buf_printf(&cr, "%s\n%s\n", in->method, path);
    if (!rc && in->query) rc = canon_query(&cr, (lh_str_t){in->query, strlen(in->query)}, NULL);
    if (!rc) rc = lh_buf_printf(&cr, "\n%s\n%s\n%s", hdrs.ptr, list.ptr, payload);
    if (!rc) {
        unsigned char d[32];
        lh_sha256(cr.ptr, cr.len, d);
        lh_hex(d, 32, canon_hex);
        lh__sigv4_key(in->secret_key, date8, in->region, service, key);
        sign_sts(key, date, scope, canon_hex, sig);
        lh_wipe(key, sizeof key);
        n = snprintf(authorization, cap, ALGO " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                     in->access_key, scope, list.ptr, sig);
        rc = n < 0 || (size_t)n >= cap ? LH_ETOOBIG : 0;
    }
    if (!rc && amz_date) memcpy(amz_date, date, 17);
    lh_buf_free(&cr);
    lh_buf_free(&hdrs);
    lh_buf_free(&list);
    return rc;
}
