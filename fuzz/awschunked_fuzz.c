/* libFuzzer target for the aws-chunked decoder (store/awschunked).
 * Input: byte 0 = flags (bit 0 signed, bit 1 trailer), byte 1 = split seed,
 * rest = body.
 * 1. The body decodes to the same result and bytes whether fed whole or in
 *    pseudo-random pieces (any split must be accepted the same way).
 * 2. The body bytes used as a payload, framed and signed here with chunk
 *    sizes taken from the input, must decode back exactly in signed mode. */
#include "core/checksum.h"
#include "core/crypto.h"
#include "core/str.h"
#include "store/auth.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *p;
    size_t len, cap;
} out_t;

static int sink(void *arg, const char *d, size_t n)
{
    out_t *o = arg;
    if (o->len + n > o->cap) abort(); /* more output than input: impossible */
    memcpy(o->p + o->len, d, n);
    o->len += n;
    return 0;
}

static void seed_sig(lh_sig_t *sig)
{
    memset(sig, 0, sizeof *sig);
    sig->kind = LH_SIG_V4_HEADER;
    memset(sig->signing_key, 0x5a, 32);
    memcpy(sig->amz_date, "20130524T000000Z", 17);
    memcpy(sig->scope, "20130524/us-east-1/s3/aws4_request", 35);
    memset(sig->signature, 'a', 64);
}

static int decode(int flags, const uint8_t *body, size_t n, unsigned seed, out_t *o)
{
    lh_sig_t sig;
    seed_sig(&sig);
    lh_awschunked_t *d;
    lh_err_t err;
    if (lh_awschunked_new(&d, flags & 1, (flags >> 1) & 1, &sig)) abort();
    o->len = 0;
    int rc = 0;
    size_t off = 0;
    while (!rc && off < n) {
        size_t k = n - off;
        if (seed) {
            seed = seed * 1103515245u + 12345u;
            k = 1 + (seed >> 16) % (k < 300 ? k : 300);
        }
        rc = lh_awschunked_feed(d, (const char *)body + off, k, sink, o, &err);
        off += k;
    }
    rc = rc ? rc : lh_awschunked_done(d) ? 1 : 0;
    lh_awschunked_free(d);
    return rc;
}

static void hmac_hex(const lh_sig_t *s, const char *sts, char out[65])
{
    unsigned char mac[32];
    lh_hmac_sha256(s->signing_key, 32, sts, strlen(sts), mac);
    lh_hex(mac, 32, out);
}

static size_t frame_chunk(const lh_sig_t *s, char *prev, const uint8_t *p, size_t n, char *dst)
{
    unsigned char h[32];
    char hex[65], sts[400];
    lh_sha256(p, n, h);
    lh_hex(h, 32, hex);
    snprintf(sts, sizeof sts,
             "AWS4-HMAC-SHA256-PAYLOAD\n%s\n%s\n%s\n"
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n%s",
             s->amz_date, s->scope, prev, hex);
    hmac_hex(s, sts, prev);
    size_t k = (size_t)snprintf(dst, 100, "%zx;chunk-signature=%s\r\n", n, prev);
    memcpy(dst + k, p, n);
    if (n) memcpy(dst + k + n, "\r\n", 2);
    return k + n + (n ? 2 : 0);
}

static void signed_round_trip(const uint8_t *p, size_t n, unsigned seed)
{
    lh_sig_t s;
    seed_sig(&s);
    char prev[65];
    memcpy(prev, s.signature, 65);
    size_t cap = n + 100 * (n + 2) + 100;
    char *enc = malloc(cap);
    size_t len = 0, off = 0;
    while (off < n) {
        seed = seed * 1103515245u + 12345u;
        size_t k = 1 + (seed >> 16) % (n - off);
        len += frame_chunk(&s, prev, p + off, k, enc + len);
        off += k;
    }
    len += frame_chunk(&s, prev, p, 0, enc + len);
    memcpy(enc + len, "\r\n", 2);
    len += 2;
    out_t o = {malloc(n + 1), 0, n + 1};
    if (decode(1, (const uint8_t *)enc, len, seed | 1, &o) != 1 || o.len != n ||
        (n && memcmp(o.p, p, n)))
        abort();
    free(o.p);
    free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    int flags = data[0];
    unsigned seed = data[1] | 1u;
    const uint8_t *body = data + 2;
    size_t n = size - 2;
    out_t a = {malloc(n + 1), 0, n + 1}, b = {malloc(n + 1), 0, n + 1};
    int ra = decode(flags, body, n, 0, &a);
    int rb = decode(flags, body, n, seed, &b);
    if (ra != rb || a.len != b.len || (a.len && memcmp(a.p, b.p, a.len))) abort();
    free(a.p);
    free(b.p);
    if (n <= 4096) signed_round_trip(body, n, seed);
    return 0;
}
