/* libFuzzer target for request authentication (store/sigv4, sigv2).
 * Input: lines "METHOD\nPATH\nQUERY\nV2RESOURCE\nName: value\n...".
 * 1. lh_sig_parse + lh_sig_verify on the request as given (must not crash).
 * 2. Round trip: the same path, query and one header value signed with
 *    lh_sigv4_sign must verify; a failure aborts (a canonicalization bug). */
#include "store/auth.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAXH 32

static lh_str_t next_line(const char **p, const char *end)
{
    const char *s = *p, *nl = memchr(s, '\n', (size_t)(end - s));
    lh_str_t r = {s, nl ? (size_t)(nl - s) : (size_t)(end - s)};
    *p = nl ? nl + 1 : end;
    return r;
}

static char *cstr(lh_str_t s)
{
    char *c = malloc(s.len + 1);
    memcpy(c, s.ptr, s.len);
    c[s.len] = 0;
    return c;
}

static int has(const char *q, const char *needle)
{
    return strstr(q, needle) != NULL;
}

static void round_trip(const char *path, const char *query, const char *value)
{
    if (has(query, "X-Amz-") || has(query, "AWSAccessKeyId") || has(query, "Signature")) return;
    lh_http_header_t extra = {{"x-amz-meta-f", 12}, {value, strlen(value)}};
    lh_sign_input_t in = {.method = "PUT",
                          .host = "h:9000",
                          .path = path,
                          .query = query,
                          .headers = &extra,
                          .nheaders = 1,
                          .payload_hash = "UNSIGNED-PAYLOAD",
                          .access_key = "ak",
                          .secret_key = "sk",
                          .region = "r1",
                          .service = "s3",
                          .now = 1700000000};
    char authz[2048], date[17];
    if (lh_sigv4_sign(&in, authz, sizeof authz, date)) return;
    lh_http_header_t h[5] = {
        {{"Host", 4}, {"h:9000", 6}},
        {{"x-amz-date", 10}, {date, 16}},
        {{"x-amz-content-sha256", 20}, {"UNSIGNED-PAYLOAD", 16}},
        {{"X-Amz-Meta-F", 12}, {value, strlen(value)}},
        {{"Authorization", 13}, {authz, strlen(authz)}},
    };
    lh_sig_request_t r = {.method = {"PUT", 3},
                          .path = {path, strlen(path)},
                          .query = {query, strlen(query)},
                          .headers = h,
                          .nheaders = 5,
                          .now = 1700000000};
    lh_sig_t sig;
    lh_err_t err;
    if (lh_sig_parse(&r, &sig, &err) || lh_sig_verify(&r, &sig, "sk", &err)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    lh_sig_request_t r = {0};
    lh_http_header_t h[MAXH];
    r.method = next_line(&p, end);
    r.path = next_line(&p, end);
    r.query = next_line(&p, end);
    r.v2_resource = next_line(&p, end);
    r.headers = h;
    r.now = 1369353600;
    while (p < end && r.nheaders < MAXH) {
        lh_str_t l = next_line(&p, end);
        const char *colon = memchr(l.ptr, ':', l.len);
        if (!colon) continue;
        h[r.nheaders].name = (lh_str_t){l.ptr, (size_t)(colon - l.ptr)};
        h[r.nheaders].value = (lh_str_t){colon + 1, l.len - (size_t)(colon - l.ptr) - 1};
        r.nheaders++;
    }
    lh_sig_t sig;
    lh_err_t err;
    if (lh_sig_parse(&r, &sig, &err) == 0)
        lh_sig_verify(&r, &sig, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", &err);

    char *path = cstr(r.path), *query = cstr(r.query);
    char *value = r.nheaders ? cstr(h[0].value) : cstr((lh_str_t){"v", 1});
    round_trip(path, query, value);
    free(path);
    free(query);
    free(value);
    return 0;
}
