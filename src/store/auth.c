/* The auth module's front: finds which scheme a request is signed with
 * (Authorization header V4 or V2, presigned V4 or V2 query, or none) and
 * hands parsing and verification to that scheme's leaf (sigv4.c, sigv2.c). */
#include "core/url.h"
#include "store/auth_int.h"

#include <string.h>

#define ALGO_V4 "AWS4-HMAC-SHA256"

int lh_sig_parse(const lh_sig_request_t *r, lh_sig_t *sig, lh_err_t *err)
{
    memset(sig, 0, sizeof *sig);
    lh_str_t auth, v;
    int has_hdr = lh__hdr_find(r, "authorization", &auth);
    int q_v4 = lh_url_query_find(r->query, "X-Amz-Algorithm", &v) ||
               lh_url_query_find(r->query, "X-Amz-Credential", &v);
    int q_v2 = lh_url_query_find(r->query, "AWSAccessKeyId", &v) ||
               (lh_url_query_find(r->query, "Signature", &v) && !q_v4);
    if (has_hdr + q_v4 + q_v2 > 1)
        return lh__sig_fail(sig, err, LH_EINVAL, "InvalidArgument",
                            "Only one auth mechanism allowed; only the X-Amz-Algorithm query "
                            "parameter, Signature query string parameter or the Authorization "
                            "header should be specified");
    if (has_hdr) {
        auth = lh__trim(auth);
        if (auth.len >= strlen(ALGO_V4) && !memcmp(auth.ptr, ALGO_V4, strlen(ALGO_V4)))
            return lh__sigv4_parse(r, sig, LH_SIG_V4_HEADER, err);
        if (auth.len > 4 && !memcmp(auth.ptr, "AWS ", 4))
            return lh__sigv2_parse(r, sig, LH_SIG_V2_HEADER, err);
        return lh__sig_fail(sig, err, LH_EINVAL, "InvalidArgument",
                            "Unsupported Authorization Type");
    }
    if (q_v4) return lh__sigv4_parse(r, sig, LH_SIG_V4_QUERY, err);
    if (q_v2) return lh__sigv2_parse(r, sig, LH_SIG_V2_QUERY, err);
    sig->kind = LH_SIG_ANON;
    return 0;
}

int lh_sig_verify(const lh_sig_request_t *r, lh_sig_t *sig, const char *secret, lh_err_t *err)
{
    switch (sig->kind) {
    case LH_SIG_V4_HEADER:
    case LH_SIG_V4_QUERY:
        return lh__sigv4_verify(r, sig, secret, err);
    case LH_SIG_V2_HEADER:
    case LH_SIG_V2_QUERY:
        return lh__sigv2_verify(r, sig, secret, err);
    default:
        return lh__sig_fail(sig, err, LH_EAUTH, "AccessDenied", "Access Denied");
    }
}
