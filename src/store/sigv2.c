/* AWS Signature Version 2 for S3: the "Authorization: AWS ak:sig" header and
 * presigned AWSAccessKeyId/Signature/Expires query URLs, which aws-cli v1's
 * `s3 presign` and boto3's generate_presigned_url still emit for custom
 * endpoints. The string to sign is METHOD, Content-MD5, Content-Type, Date
 * (empty when x-amz-date is sent; Expires for presigned URLs), the x-amz-*
 * headers lower-cased and sorted, then the canonical resource: the caller's
 * "/bucket/key" plus the S3 sub-resources of the query, sorted, values
 * %-decoded. Signature = base64(HMAC-SHA1(secret, string to sign)). */
#include "core/crypto.h"
#include "core/url.h"
#include "store/auth_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define STS_MAX ((size_t)1 << 20)

/* Query parameters that are part of the canonical resource (the AWS list
 * plus the extra ones botocore's HmacV1Auth signs), sorted. */
static const char *const subresources[] = {"accelerate",
                                           "acl",
                                           "analytics",
                                           "cors",
                                           "defaultObjectAcl",
                                           "delete",
                                           "inventory",
                                           "lifecycle",
                                           "location",
                                           "logging",
                                           "metrics",
                                           "notification",
                                           "object-lock",
                                           "partNumber",
                                           "policy",
                                           "replication",
                                           "requestPayment",
                                           "response-cache-control",
                                           "response-content-disposition",
                                           "response-content-encoding",
                                           "response-content-language",
                                           "response-content-type",
                                           "response-expires",
                                           "restore",
                                           "select",
                                           "select-type",
                                           "storageClass",
                                           "tagging",
                                           "torrent",
                                           "uploadId",
                                           "uploads",
                                           "versionId",
                                           "versioning",
                                           "versions",
                                           "website",
                                           NULL};

static int is_subresource(lh_str_t name)
{
    for (int i = 0; subresources[i]; i++)
        if (lh_str_eq(name, subresources[i])) return 1;
    return 0;
}

int lh__sigv2_parse(const lh_sig_request_t *r, lh_sig_t *sig, int kind, lh_err_t *err)
{
    sig->kind = kind;
    if (kind == LH_SIG_V2_HEADER) {
        lh_str_t auth = {0}, d = {0};
        lh__hdr_find(r, "authorization", &auth);
        auth = lh__trim(auth);
        lh_str_t rest = {auth.ptr + 4, auth.len - 4};
        const char *colon = memchr(rest.ptr, ':', rest.len);
        size_t aklen = colon ? (size_t)(colon - rest.ptr) : 0;
        if (!colon || aklen == 0 || aklen + 1 == rest.len ||
            lh_str_copy(sig->access_key, sizeof sig->access_key, (lh_str_t){rest.ptr, aklen}) ||
            lh_str_copy(sig->signature, sizeof sig->signature,
                        (lh_str_t){colon + 1, rest.len - aklen - 1}))
            return lh__sig_fail(sig, err, LH_EINVAL, "InvalidArgument",
                                "AWS authorization header is invalid.  Expected "
                                "AwsAccessKeyId:signature");
        int64_t t;
        int ok = lh__hdr_find(r, "x-amz-date", &d) || lh__hdr_find(r, "date", &d);
        if (!ok || lh__parse_http_date(lh__trim(d), &t))
            return lh__sig_fail(sig, err, LH_EINVAL, "AccessDenied",
                                "AWS authentication requires a valid Date or x-amz-date header");
        return 0;
    }
    char expires[24];
    lh_str_t ak, s, e;
    uint64_t ev;
    if (!lh_url_query_find(r->query, "AWSAccessKeyId", &ak) ||
        !lh_url_query_find(r->query, "Signature", &s) ||
        !lh_url_query_find(r->query, "Expires", &e) ||
        lh_url_decode(ak, sig->access_key, sizeof sig->access_key, 0) <= 0 ||
        lh_url_decode(s, sig->signature, sizeof sig->signature, 0) <= 0)
        return lh__sig_fail(sig, err, LH_EINVAL, "AccessDenied",
                            "Query-string authentication requires the Signature, Expires and "
                            "AWSAccessKeyId parameters");
    if (lh_url_decode(e, expires, sizeof expires, 0) < 0 ||
        lh_str_to_u64((lh_str_t){expires, strlen(expires)}, &ev) || ev > INT64_MAX / 2)
        return lh__sig_fail(sig, err, LH_EINVAL, "AccessDenied",
                            "Invalid date (should be seconds since epoch): Expires");
    sig->expires_at = (int64_t)ev;
    return 0;
}

/* --- string to sign --- */

typedef struct {
    char name[128]; /* lower-cased */
    lh_str_t value; /* raw; %-encoded when from_query */
    int from_query;
    size_t order;
} amz_t;

static int amz_cmp(const void *x, const void *y)
{
    const amz_t *a = x, *b = y;
    int c = strcmp(a->name, b->name);
    return c ? c : (a->order > b->order) - (a->order < b->order);
}

static int lower_name(char *dst, lh_str_t n)
{
    if (n.len >= 128) return -1;
    for (size_t i = 0; i < n.len; i++)
        dst[i] = n.ptr[i] >= 'A' && n.ptr[i] <= 'Z' ? (char)(n.ptr[i] + 32) : n.ptr[i];
    dst[n.len] = 0;
    return 0;
}

static int header_named(const lh_sig_request_t *r, const char *lname)
{
    lh_str_t v;
    return lh__hdr_find(r, lname, &v);
}

/* Collects x-amz-* headers, plus (presigned) x-amz-* query parameters that
 * are not also sent as headers, which botocore moves into the URL. */
static size_t collect_amz(const lh_sig_request_t *r, int query, amz_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nheaders && n < cap; i++) {
        lh_str_t nm = r->headers[i].name;
        if (nm.len > 6 && !strncasecmp(nm.ptr, "x-amz-", 6) && !lower_name(out[n].name, nm)) {
            out[n].value = r->headers[i].value;
            out[n].from_query = 0;
            out[n].order = n;
            n++;
        }
    }
    for (size_t i = 0; query && i < r->query.len && n < cap;) {
        const char *p = r->query.ptr + i;
        const char *amp = memchr(p, '&', r->query.len - i);
        size_t plen = amp ? (size_t)(amp - p) : r->query.len - i;
        const char *eq = memchr(p, '=', plen);
        lh_str_t nm = {p, eq ? (size_t)(eq - p) : plen};
        i += plen + 1;
        if (nm.len <= 6 || strncasecmp(nm.ptr, "x-amz-", 6) || lower_name(out[n].name, nm) ||
            header_named(r, out[n].name))
            continue;
        out[n].value = eq ? (lh_str_t){eq + 1, plen - nm.len - 1} : (lh_str_t){p + plen, 0};
        out[n].from_query = 1;
        out[n].order = n;
        n++;
    }
    return n;
}

static int append_value(lh_buf_t *b, lh_str_t v, int decode)
{
    if (!decode) return lh_buf_append(b, lh__trim(v).ptr, lh__trim(v).len);
    char *tmp = malloc(v.len + 1);
    if (!tmp) return LH_ENOMEM;
    long n = lh_url_decode(v, tmp, v.len + 1, 0);
    int rc = lh_buf_append(b, tmp, n > 0 ? (size_t)n : 0);
    free(tmp);
    return rc;
}

static int amz_headers(lh_buf_t *b, const lh_sig_request_t *r, int query)
{
    size_t cap = r->nheaders + r->query.len / 2 + 1;
    amz_t *hs = calloc(cap, sizeof *hs);
    if (!hs) return LH_ENOMEM;
    size_t n = collect_amz(r, query, hs, cap);
    qsort(hs, n, sizeof *hs, amz_cmp);
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        int same = i > 0 && !strcmp(hs[i].name, hs[i - 1].name);
        if (same)
            lh_buf_append(b, ",", 1);
        else if (i > 0)
            lh_buf_append(b, "\n", 1);
        if (!same) lh_buf_printf(b, "%s:", hs[i].name);
        rc = append_value(b, hs[i].value, hs[i].from_query);
    }
    if (n) lh_buf_append(b, "\n", 1);
    free(hs);
    return rc ? rc : lh_buf_err(b);
}

typedef struct {
    lh_str_t name, value;
    int has_value;
    size_t order;
} subres_t;

static int subres_cmp(const void *x, const void *y)
{
    const subres_t *a = x, *b = y;
    size_t n = a->name.len < b->name.len ? a->name.len : b->name.len;
    int c = memcmp(a->name.ptr, b->name.ptr, n);
    if (!c) c = (a->name.len > b->name.len) - (a->name.len < b->name.len);
    return c ? c : (a->order > b->order) - (a->order < b->order);
}

static int canon_resource(lh_buf_t *b, const lh_sig_request_t *r)
{
    if (r->v2_resource.len)
        lh_buf_append(b, r->v2_resource.ptr, r->v2_resource.len);
    else
        lh_buf_append(b, "/", 1);
    size_t cap = r->query.len / 2 + 1, n = 0;
    subres_t *ss = calloc(cap, sizeof *ss);
    if (!ss) return LH_ENOMEM;
    lh_url_query_t q;
    lh_url_query_init(&q, r->query);
    while (n < cap && lh_url_query_next(&q))
        if (is_subresource(q.key)) {
            ss[n] = (subres_t){q.key, q.value, q.has_value, n};
            n++;
        }
    qsort(ss, n, sizeof *ss, subres_cmp);
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        lh_buf_append(b, i ? "&" : "?", 1);
        lh_buf_append(b, ss[i].name.ptr, ss[i].name.len);
        if (ss[i].has_value) {
            lh_buf_append(b, "=", 1);
            rc = append_value(b, ss[i].value, 1);
        }
    }
    free(ss);
    return rc ? rc : lh_buf_err(b);
}

/* A positional header (Content-MD5, Content-Type): the header, else for
 * presigned URLs the query parameter botocore moved it to. */
static int positional(lh_buf_t *b, const lh_sig_request_t *r, const char *name, int query)
{
    lh_str_t v;
    int rc = 0;
    if (lh__hdr_find(r, name, &v))
        rc = append_value(b, v, 0);
    else if (query && lh_url_query_find(r->query, name, &v))
        rc = append_value(b, v, 1);
    return rc ? rc : lh_buf_append(b, "\n", 1);
}

static int string_to_sign(lh_buf_t *b, const lh_sig_request_t *r, int query)
{
    lh_str_t v;
    lh_buf_append(b, r->method.ptr, r->method.len);
    lh_buf_append(b, "\n", 1);
    int rc = positional(b, r, "content-md5", query);
    if (!rc) rc = positional(b, r, "content-type", query);
    if (!rc && query && lh_url_query_find(r->query, "Expires", &v))
        rc = append_value(b, v, 1);
    else if (!rc && !query && !lh__hdr_find(r, "x-amz-date", &v) && lh__hdr_find(r, "date", &v))
        rc = append_value(b, v, 0);
    lh_buf_append(b, "\n", 1);
    if (!rc) rc = amz_headers(b, r, query);
    if (!rc) rc = canon_resource(b, r);
    return rc ? rc : lh_buf_err(b);
}

static int check_time(const lh_sig_request_t *r, lh_sig_t *sig, lh_err_t *err)
{
    if (sig->kind == LH_SIG_V2_QUERY) {
        if (r->now > sig->expires_at)
            return lh__sig_fail(sig, err, LH_EPERM, "AccessDenied", "Request has expired");
        if (sig->expires_at - r->now > LH__SIG_MAX_PRESIGN + LH__SIG_MAX_SKEW)
            return lh__sig_fail(sig, err, LH_EPERM, "AccessDenied",
                                "Expires must be at most seven days (604800 seconds) from now");
        return 0;
    }
    lh_str_t d = {0};
    int64_t t = 0;
    if (!lh__hdr_find(r, "x-amz-date", &d)) lh__hdr_find(r, "date", &d);
    if (lh__parse_http_date(lh__trim(d), &t) || r->now - t > LH__SIG_MAX_SKEW ||
        t - r->now > LH__SIG_MAX_SKEW)
        return lh__sig_fail(sig, err, LH_EPERM, "RequestTimeTooSkewed",
                            "The difference between the request time and the current time is "
                            "too large.");
    return 0;
}

int lh__sigv2_verify(const lh_sig_request_t *r, lh_sig_t *sig, const char *secret, lh_err_t *err)
{
    int rc = check_time(r, sig, err);
    if (rc) return rc;
    lh_buf_t b;
    lh_buf_init(&b, STS_MAX);
    rc = string_to_sign(&b, r, sig->kind == LH_SIG_V2_QUERY);
    if (rc) {
        lh_buf_free(&b);
        return lh__sig_fail(sig, err, LH_EAUTH, "SignatureDoesNotMatch", LH__MSG_SIG_MISMATCH);
    }
    unsigned char mac[20];
    char want[32];
    lh_hmac_sha1(secret, strlen(secret), b.ptr ? b.ptr : "", b.len, mac);
    lh_base64_encode(mac, sizeof mac, want);
    lh_buf_free(&b);
    if (!lh_ct_streq(want, sig->signature))
        return lh__sig_fail(sig, err, LH_EAUTH, "SignatureDoesNotMatch", LH__MSG_SIG_MISMATCH);
    return 0;
}
