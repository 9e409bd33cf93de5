/* Unit tests for the aws-chunked decoder: AWS's worked examples ("Transferring
 * Payload in Multiple Chunks" and the trailing-headers page) fed at every
 * split, the unsigned trailer form the SDKs send, tampering (LH_EAUTH) and
 * bad framing (LH_EPROTO). */
#include "core/err.h"
#include "store/auth.h"
#include "test.h"

#define AK "AKIAIOSFODNN7EXAMPLE"
#define SK "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define T20130524 1369353600

#define SEED "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
#define SIG1 "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
#define SIG2 "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
#define SIG3 "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"

#define TSEED "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
#define TSIG1 "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2"
#define TSIG2 "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7"
#define TSIG3 "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"
#define TTRAILER_SIG "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"

static lh_str_t S(const char *s)
{
    return (lh_str_t){s, strlen(s)};
}

/* Verifies the seed request of the AWS example and returns its lh_sig_t. */
static int example_seed(int trailer, const char *seed, lh_sig_t *sig)
{
    static char authz[600];
    const char *payload = trailer ? "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
                                  : "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    lh_http_header_t h[10];
    size_t n = 0;
    h[n++] = (lh_http_header_t){S("Host"), S("s3.amazonaws.com")};
    h[n++] = (lh_http_header_t){S("x-amz-date"), S("20130524T000000Z")};
    h[n++] = (lh_http_header_t){S("x-amz-storage-class"), S("REDUCED_REDUNDANCY")};
    h[n++] = (lh_http_header_t){S("x-amz-content-sha256"), S(payload)};
    h[n++] = (lh_http_header_t){S("Content-Encoding"), S("aws-chunked")};
    h[n++] = (lh_http_header_t){S("x-amz-decoded-content-length"), S("66560")};
    if (trailer)
        h[n++] = (lh_http_header_t){S("x-amz-trailer"), S("x-amz-checksum-crc32c")};
    else
        h[n++] = (lh_http_header_t){S("Content-Length"), S("66824")};
    snprintf(authz, sizeof authz,
             "AWS4-HMAC-SHA256 Credential=" AK "/20130524/us-east-1/s3/aws4_request,"
             "SignedHeaders=content-encoding;%shost;x-amz-content-sha256;x-amz-date;"
             "x-amz-decoded-content-length;x-amz-storage-class%s,Signature=%s",
             trailer ? "" : "content-length;", trailer ? ";x-amz-trailer" : "", seed);
    h[n++] = (lh_http_header_t){S("Authorization"), S(authz)};
    lh_sig_request_t r = {.method = S("PUT"),
                          .path = S("/examplebucket/chunkObject.txt"),
                          .query = S(""),
                          .headers = h,
                          .nheaders = n,
                          .now = T20130524};
    lh_err_t err = {0};
    int rc = lh_sig_parse(&r, sig, &err);
    return rc ? rc : lh_sig_verify(&r, sig, SK, &err);
}

/* Builds the example body: 64 KiB + 1 KiB of 'a' and the final chunk. */
static char *example_body(int trailer, size_t *len)
{
    size_t cap = 66560 + 1024;
    char *b = malloc(cap);
    size_t n = 0;
    n += (size_t)snprintf(b + n, cap - n, "10000;chunk-signature=%s\r\n", trailer ? TSIG1 : SIG1);
    memset(b + n, 'a', 65536);
    n += 65536;
    n += (size_t)snprintf(b + n, cap - n, "\r\n400;chunk-signature=%s\r\n", trailer ? TSIG2 : SIG2);
    memset(b + n, 'a', 1024);
    n += 1024;
    n += (size_t)snprintf(b + n, cap - n, "\r\n0;chunk-signature=%s\r\n", trailer ? TSIG3 : SIG3);
    if (trailer)
        n += (size_t)snprintf(b + n, cap - n,
                              "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:%s\r\n",
                              TTRAILER_SIG);
    n += (size_t)snprintf(b + n, cap - n, "\r\n");
    *len = n;
    return b;
}

typedef struct {
    char *out;
    size_t len, cap;
} sink_t;

static int sink(void *arg, const char *data, size_t n)
{
    sink_t *s = arg;
    if (s->len + n > s->cap) return -99;
    memcpy(s->out + s->len, data, n);
    s->len += n;
    return 0;
}

/* Feeds body in pieces: first piece cut1 bytes, then pieces of step bytes.
 * Returns the decoder result; *out receives the decoded bytes. */
static int feed(const lh_sig_t *sig, int mode, int trailer, const char *body, size_t len,
                size_t cut1, size_t step, sink_t *out, lh_awschunked_t **keep)
{
    lh_awschunked_t *d;
    lh_err_t err = {0};
    int rc = lh_awschunked_new(&d, mode, trailer, sig);
    if (rc) return rc;
    out->len = 0;
    size_t off = 0;
    if (cut1 > len) cut1 = len;
    rc = lh_awschunked_feed(d, body, cut1, sink, out, &err);
    off = cut1;
    while (!rc && off < len) {
        size_t k = len - off < step ? len - off : step;
        rc = lh_awschunked_feed(d, body + off, k, sink, out, &err);
        off += k;
    }
    if (!rc && !lh_awschunked_done(d)) rc = 1; /* incomplete */
    if (keep)
        *keep = d;
    else
        lh_awschunked_free(d);
    return rc;
}

static int all_a(const sink_t *s, size_t n)
{
    if (s->len != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (s->out[i] != 'a') return 0;
    return 1;
}

/* Every two-piece split (stride 1 in and near the framing, 997 inside data),
 * byte-at-a-time, and fixed piece sizes. */
static int every_split(const lh_sig_t *sig, int trailer, const char *body, size_t len)
{
    sink_t s = {malloc(70000), 0, 70000};
    int bad = 0;
    for (size_t cut = 0; cut <= len && !bad; cut++) {
        int framing = cut < 200 || (cut > 65536 && cut < 65536 + 300) || cut + 300 > len;
        if (!framing && cut % 997) continue;
        bad = feed(sig, trailer >= 0 ? LH_AWSCHUNKED_SIGNED : 0, trailer > 0, body, len, cut, len,
                   &s, NULL) ||
              !all_a(&s, 66560);
    }
    size_t steps[] = {1, 2, 3, 5, 16, 63, 64, 65, 4096, 65535, 65536, 65537};
    for (size_t i = 0; i < sizeof steps / sizeof *steps && !bad; i++)
        bad = feed(sig, LH_AWSCHUNKED_SIGNED, trailer > 0, body, len, 0, steps[i], &s, NULL) ||
              !all_a(&s, 66560);
    free(s.out);
    return bad;
}

static void aws_example_seed_verifies(void)
{
    lh_sig_t sig;
    CHECK_EQ_INT(example_seed(0, SEED, &sig), 0);
    CHECK_EQ_STR(sig.payload_hash, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
    CHECK_EQ_INT(example_seed(1, TSEED, &sig), 0);
    CHECK_EQ_STR(sig.payload_hash, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER");
}

static void aws_example_every_split(void)
{
    lh_sig_t sig;
    size_t len;
    CHECK_EQ_INT(example_seed(0, SEED, &sig), 0);
    char *body = example_body(0, &len);
    CHECK_EQ_INT(len, 66824); /* the page's Content-Length */
    sink_t s = {malloc(70000), 0, 70000};
    lh_awschunked_t *d;
    CHECK_EQ_INT(feed(&sig, LH_AWSCHUNKED_SIGNED, 0, body, len, len, len, &s, &d), 0);
    CHECK(all_a(&s, 66560));
    CHECK_EQ_INT(lh_awschunked_decoded(d), 66560);
    CHECK(lh_awschunked_trailer(d, "x-amz-checksum-crc32") == NULL);
    lh_awschunked_free(d);
    CHECK_EQ_INT(every_split(&sig, 0, body, len), 0);
    free(s.out);
    free(body);
}

static void aws_trailer_example_every_split(void)
{
    lh_sig_t sig;
    size_t len;
    CHECK_EQ_INT(example_seed(1, TSEED, &sig), 0);
    char *body = example_body(1, &len);
    sink_t s = {malloc(70000), 0, 70000};
    lh_awschunked_t *d;
    CHECK_EQ_INT(feed(&sig, LH_AWSCHUNKED_SIGNED, 1, body, len, 17, 1000, &s, &d), 0);
    CHECK(all_a(&s, 66560));
    CHECK_EQ_STR(lh_awschunked_trailer(d, "x-amz-checksum-crc32c"), "sOO8/Q==");
    CHECK_EQ_STR(lh_awschunked_trailer(d, "X-Amz-Checksum-CRC32C"), "sOO8/Q==");
    CHECK(lh_awschunked_trailer(d, "x-amz-trailer-signature") == NULL);
    lh_awschunked_free(d);
    CHECK_EQ_INT(every_split(&sig, 1, body, len), 0);
    free(s.out);
    free(body);
}

static void tampered_chunks_fail_auth(void)
{
    lh_sig_t sig;
    size_t len;
    CHECK_EQ_INT(example_seed(0, SEED, &sig), 0);
    char *body = example_body(0, &len);
    sink_t s = {malloc(70000), 0, 70000};
    body[100] = 'b'; /* first chunk's data */
    CHECK_EQ_INT(feed(&sig, LH_AWSCHUNKED_SIGNED, 0, body, len, len, len, &s, NULL), LH_EAUTH);
    body[100] = 'a';
    body[len - 10] ^= 1; /* final chunk's signature */
    CHECK_EQ_INT(feed(&sig, LH_AWSCHUNKED_SIGNED, 0, body, len, len, len, &s, NULL), LH_EAUTH);
    body[len - 10] ^= 1;
    /* a seed from another secret */
    lh_sig_t other = sig;
    other.signing_key[0] ^= 1;
    CHECK_EQ_INT(feed(&other, LH_AWSCHUNKED_SIGNED, 0, body, len, len, len, &s, NULL), LH_EAUTH);
    CHECK_EQ_INT(feed(&sig, LH_AWSCHUNKED_SIGNED, 0, body, len, len, len, &s, NULL), 0);
    /* the first chunk left out: the chain breaks at the second */
    size_t skip = strlen("10000;chunk-signature=" SIG1 "\r\n") + 65536 + 2;
    CHECK_EQ_INT(feed(&sig, LH_AWSCHUNKED_SIGNED, 0, body + skip, len - skip, len, len, &s, NULL),
                 LH_EAUTH);
    free(s.out);
    free(body);
    body = example_body(1, &len);
    CHECK_EQ_INT(example_seed(1, TSEED, &sig), 0);
    s = (sink_t){malloc(70000), 0, 70000};
    char *t = strstr(body + 66000, "sOO8");
    t[0] = 'X';
    CHECK_EQ_INT(feed(&sig, LH_AWSCHUNKED_SIGNED, 1, body, len, len, len, &s, NULL), LH_EAUTH);
    free(s.out);
    free(body);
}

static void missing_trailer_signature_fails(void)
{
    lh_sig_t sig;
    CHECK_EQ_INT(example_seed(1, TSEED, &sig), 0);
    char body[512];
    int n = snprintf(body, sizeof body,
                     "0;chunk-signature=%s\r\nx-amz-checksum-crc32c:AAAAAA==\r\n\r\n",
                     "0000000000000000000000000000000000000000000000000000000000000000");
    sink_t s = {malloc(16), 0, 16};
    CHECK_EQ_INT(feed(&sig, LH_AWSCHUNKED_SIGNED, 1, body, (size_t)n, (size_t)n, 1, &s, NULL),
                 LH_EAUTH);
    free(s.out);
}

static const char unsigned_body[] =
    "c\r\nhello world\n\r\n0\r\nx-amz-checksum-crc32:rwg7LQ==\r\n\r\n";

static void unsigned_trailer_every_split(void)
{
    size_t len = strlen(unsigned_body);
    sink_t s = {malloc(64), 0, 64};
    for (size_t cut = 0; cut <= len; cut++) {
        for (size_t step = 1; step <= len; step++) {
            lh_awschunked_t *d;
            CHECK_EQ_INT(
                feed(NULL, LH_AWSCHUNKED_UNSIGNED, 1, unsigned_body, len, cut, step, &s, &d), 0);
            CHECK(s.len == 12 && !memcmp(s.out, "hello world\n", 12));
            CHECK_EQ_STR(lh_awschunked_trailer(d, "x-amz-checksum-crc32"), "rwg7LQ==");
            CHECK_EQ_INT(lh_awschunked_decoded(d), 12);
            lh_awschunked_free(d);
        }
    }
    free(s.out);
}

static int decode_str(int mode, int trailer, const char *body, size_t *decoded)
{
    lh_awschunked_t *d;
    lh_err_t err = {0};
    lh_sig_t sig;
    memset(&sig, 0, sizeof sig);
    sig.kind = LH_SIG_V4_HEADER;
    if (lh_awschunked_new(&d, mode, trailer, &sig)) return -1000;
    sink_t s = {malloc(1 << 16), 0, 1 << 16};
    int rc = lh_awschunked_feed(d, body, strlen(body), sink, &s, &err);
    if (decoded) *decoded = s.len;
    lh_awschunked_free(d);
    free(s.out);
    return rc;
}

static void bad_framing_is_eproto(void)
{
    const char *bad[] = {
        "z\r\n",                                      /* not hex */
        "\r\n",                                       /* empty size */
        "3\nabc\r\n",                                 /* bare LF */
        "3\r\nabcX\r\n",                              /* data not followed by CRLF */
        "3\r\nabc\rX",                                /* CR then junk */
        "40000001\r\n",                               /* over 1 GiB */
        "0\r\n\r\nextra",                             /* bytes after the end */
        "0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n", /* trailer when none announced */
        "0\r\nno-colon\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_EQ_INT(decode_str(LH_AWSCHUNKED_UNSIGNED, 0, bad[i], NULL), LH_EPROTO);
    /* signed mode needs chunk-signature on every size line */
    CHECK_EQ_INT(decode_str(LH_AWSCHUNKED_SIGNED, 0, "3\r\nabc\r\n", NULL), LH_EPROTO);
    CHECK_EQ_INT(decode_str(LH_AWSCHUNKED_SIGNED, 0, "3;chunk-signature=abc\r\n", NULL), LH_EPROTO);
    /* size line over 4 KiB */
    char *longline = malloc(5000);
    memset(longline, '0', 4999);
    longline[4999] = 0;
    CHECK_EQ_INT(decode_str(LH_AWSCHUNKED_UNSIGNED, 0, longline, NULL), LH_EPROTO);
    /* trailer block over 16 KiB */
    char *big = malloc(20000);
    size_t n = (size_t)snprintf(big, 20000, "0\r\n");
    for (int i = 0; n + 40 < 20000; i++)
        n += (size_t)snprintf(big + n, 20000 - n, "x-t%d:%030d\r\n", i, i);
    CHECK_EQ_INT(decode_str(LH_AWSCHUNKED_UNSIGNED, 1, big, NULL), LH_EPROTO);
    free(big);
    free(longline);
}

static void unsigned_extensions_and_multiple_chunks(void)
{
    size_t dec = 0;
    CHECK_EQ_INT(decode_str(LH_AWSCHUNKED_UNSIGNED, 0,
                            "3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\n\r\n", &dec),
                 0);
    CHECK_EQ_INT(dec, 13);
    /* truncated input is not an error by itself, just not done */
    lh_awschunked_t *d;
    lh_err_t err = {0};
    CHECK_EQ_INT(lh_awschunked_new(&d, LH_AWSCHUNKED_UNSIGNED, 0, NULL), 0);
    CHECK_EQ_INT(lh_awschunked_feed(d, "5\r\nab", 5, NULL, NULL, &err), 0);
    CHECK(!lh_awschunked_done(d));
    lh_awschunked_free(d);
    /* signed mode needs a V4 seed */
    CHECK_EQ_INT(lh_awschunked_new(&d, LH_AWSCHUNKED_SIGNED, 0, NULL), LH_EINVAL);
}

static int stop_emit(void *arg, const char *data, size_t n)
{
    (void)arg;
    (void)data;
    (void)n;
    return 7;
}

static void emit_error_stops(void)
{
    lh_awschunked_t *d;
    lh_err_t err = {0};
    CHECK_EQ_INT(lh_awschunked_new(&d, LH_AWSCHUNKED_UNSIGNED, 1, NULL), 0);
    CHECK_EQ_INT(lh_awschunked_feed(d, unsigned_body, strlen(unsigned_body), stop_emit, NULL, &err),
                 7);
    lh_awschunked_free(d);
}

static const lh_test_t tests[] = {
    {"aws_example_seed_verifies", aws_example_seed_verifies},
    {"aws_example_every_split", aws_example_every_split},
    {"aws_trailer_example_every_split", aws_trailer_example_every_split},
    {"tampered_chunks_fail_auth", tampered_chunks_fail_auth},
    {"missing_trailer_signature_fails", missing_trailer_signature_fails},
    {"unsigned_trailer_every_split", unsigned_trailer_every_split},
    {"bad_framing_is_eproto", bad_framing_is_eproto},
    {"unsigned_extensions_and_multiple_chunks", unsigned_extensions_and_multiple_chunks},
    {"emit_error_stops", emit_error_stops},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
