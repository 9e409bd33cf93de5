/* Incremental decoder for aws-chunked request bodies. A state machine reads
 * "<hex>[;chunk-signature=<sig>]\r\n<data>\r\n" chunks up to the 0-sized
 * one, then trailer lines up to an empty line, and accepts any split of the
 * input. Decoded data goes straight from the input to the caller's emit
 * callback (never buffered). In signed mode each chunk signature is checked
 * against the chain that starts at the request's seed signature:
 *   HMAC(kSigning, "AWS4-HMAC-SHA256-PAYLOAD\n" date "\n" scope "\n" prev "\n"
 *                  hex(sha256("")) "\n" hex(sha256(chunk data)))
 * and the trailer signature over the trailer lines as "name:value\n":
 *   HMAC(kSigning, "AWS4-HMAC-SHA256-TRAILER\n" date "\n" scope "\n" prev "\n"
 *                  hex(sha256(trailer lines))).
 * A chunk's data is emitted before its signature can be checked (the
 * signature covers the whole chunk): on LH_EAUTH the caller discards what it
 * received. Hard caps: size line 4 KiB, trailer block 16 KiB, chunk 1 GiB. */
#include "core/checksum.h"
#include "core/crypto.h"
#include "store/auth_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SIZE_LINE_MAX 4096
#define TRAILER_MAX 16384
#define TRAILERS_MAX 64
#define CHUNK_MAX ((uint64_t)1 << 30)
#define SIG_PREFIX "chunk-signature="

enum { ST_SIZE, ST_DATA, ST_DATA_CR, ST_DATA_LF, ST_TRAILER, ST_DONE };

typedef struct {
    size_t name, value; /* offsets into tbuf, NUL-terminated */
} trailer_t;

struct lh_awschunked {
    int mode, trailer, state;
    uint64_t remaining, decoded;
    char line[SIZE_LINE_MAX + 2];
    size_t linelen;
    char chunk_sig[65];
    /* signed mode */
    unsigned char key[32];
    char amz_date[17], scope[128], prev[65];
    lh_cksum_t sha; /* SHA-256 of the current chunk (signed mode) */
    int have_tsig;
    /* trailers */
    char tbuf[TRAILER_MAX + 2];
    size_t tlen, tbytes, ntrailers;
    trailer_t trailers[TRAILERS_MAX];
};

int lh_awschunked_new(lh_awschunked_t **out, int mode, int trailer, const lh_sig_t *sig)
{
    *out = NULL;
    if (mode == LH_AWSCHUNKED_SIGNED &&
        (!sig || (sig->kind != LH_SIG_V4_HEADER && sig->kind != LH_SIG_V4_QUERY)))
        return LH_EINVAL;
    lh_awschunked_t *d = calloc(1, sizeof *d);
    if (!d) return LH_ENOMEM;
    d->mode = mode;
    d->trailer = trailer;
    d->state = ST_SIZE;
    if (mode == LH_AWSCHUNKED_SIGNED) {
        memcpy(d->key, sig->signing_key, 32);
        memcpy(d->amz_date, sig->amz_date, sizeof d->amz_date);
        memcpy(d->scope, sig->scope, sizeof d->scope);
        memcpy(d->prev, sig->signature, sizeof d->prev);
        if (lh_cksum_init(&d->sha, LH_CK_SHA256)) {
            lh_awschunked_free(d);
            return LH_ENOMEM;
        }
    }
    *out = d;
    return 0;
}

void lh_awschunked_free(lh_awschunked_t *d)
{
    if (!d) return;
    lh_cksum_free(&d->sha);
    lh_wipe(d->key, sizeof d->key);
    free(d);
}

int lh_awschunked_done(const lh_awschunked_t *d)
{
    return d->state == ST_DONE;
}

uint64_t lh_awschunked_decoded(const lh_awschunked_t *d)
{
    return d->decoded;
}

const char *lh_awschunked_trailer(const lh_awschunked_t *d, const char *name)
{
    for (size_t i = 0; i < d->ntrailers; i++)
        if (!strcasecmp(d->tbuf + d->trailers[i].name, name)) return d->tbuf + d->trailers[i].value;
    return NULL;
}

/* --- signatures --- */

static void hmac_hex(const lh_awschunked_t *d, const char *sts, size_t n, char out[65])
{
    unsigned char mac[32];
    lh_hmac_sha256(d->key, 32, sts, n, mac);
    lh_hex(mac, 32, out);
}

/* Checks the current chunk's signature given hex(sha256(data)); advances the chain. */
static int check_chunk_sig(lh_awschunked_t *d, const char *data_hex, lh_err_t *err)
{
    char sts[512], want[65];
    int n =
        snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256-PAYLOAD\n%s\n%s\n%s\n" LH__EMPTY_SHA256 "\n%s",
                 d->amz_date, d->scope, d->prev, data_hex);
    hmac_hex(d, sts, n > 0 && (size_t)n < sizeof sts ? (size_t)n : 0, want);
    if (!lh_ct_streq(want, d->chunk_sig))
        return lh_err_set(err, LH_EAUTH, "chunk signature mismatch at decoded offset %llu",
                          (unsigned long long)d->decoded);
    memcpy(d->prev, d->chunk_sig, 65);
    return 0;
}

static int finish_chunk_sig(lh_awschunked_t *d, lh_err_t *err)
{
    unsigned char h[LH_CK_MAX_LEN];
    char hex[65];
    lh_cksum_final(&d->sha, h);
    if (lh_cksum_init(&d->sha, LH_CK_SHA256)) return lh_err_set(err, LH_ENOMEM, "out of memory");
    lh_hex(h, 32, hex);
    return check_chunk_sig(d, hex, err);
}

static int check_trailer_sig(lh_awschunked_t *d, const char *got, lh_err_t *err)
{
    lh_cksum_t *c = &d->sha;
    unsigned char h[LH_CK_MAX_LEN];
    char hex[65], sts[512], want[65];
    lh_cksum_free(c);
    if (lh_cksum_init(c, LH_CK_SHA256)) return lh_err_set(err, LH_ENOMEM, "out of memory");
    for (size_t i = 0; i < d->ntrailers; i++) {
        const char *nm = d->tbuf + d->trailers[i].name, *v = d->tbuf + d->trailers[i].value;
        lh_cksum_update(c, nm, strlen(nm));
        lh_cksum_update(c, ":", 1);
        lh_cksum_update(c, v, strlen(v));
        lh_cksum_update(c, "\n", 1);
    }
    lh_cksum_final(c, h);
    lh_hex(h, 32, hex);
    int n = snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256-TRAILER\n%s\n%s\n%s\n%s", d->amz_date,
                     d->scope, d->prev, hex);
    hmac_hex(d, sts, n > 0 && (size_t)n < sizeof sts ? (size_t)n : 0, want);
    if (!lh_ct_streq(want, got)) return lh_err_set(err, LH_EAUTH, "trailer signature mismatch");
    d->have_tsig = 1;
    return 0;
}

/* --- lines --- */

/* Accumulates one CRLF-terminated line into d->line (without the CRLF).
 * Returns 1 when complete, 0 when more input is needed, LH_EPROTO. */
static int take_line(lh_awschunked_t *d, const char **in, size_t *n, size_t cap, lh_err_t *err)
{
    while (*n) {
        char c = **in;
        (*in)++;
        (*n)--;
        if (c == '\n') {
            if (!d->linelen || d->line[d->linelen - 1] != '\r')
                return lh_err_set(err, LH_EPROTO, "aws-chunked line not ended by CRLF");
            d->line[--d->linelen] = 0;
            return 1;
        }
        if (d->linelen >= cap)
            return lh_err_set(err, LH_EPROTO, "aws-chunked line longer than %zu bytes", cap);
        d->line[d->linelen++] = c;
    }
    return 0;
}

static int parse_size_line(lh_awschunked_t *d, lh_err_t *err)
{
    const char *p = d->line;
    uint64_t size = 0;
    size_t i = 0;
    for (; p[i] && p[i] != ';'; i++) {
        int v = p[i] >= '0' && p[i] <= '9'   ? p[i] - '0'
                : p[i] >= 'a' && p[i] <= 'f' ? p[i] - 'a' + 10
                : p[i] >= 'A' && p[i] <= 'F' ? p[i] - 'A' + 10
                                             : -1;
        if (v < 0) return lh_err_set(err, LH_EPROTO, "bad aws-chunked size line");
        size = size << 4 | (uint64_t)v;
        if (size > CHUNK_MAX)
            return lh_err_set(err, LH_EPROTO, "aws-chunked chunk larger than 1 GiB");
    }
    if (i == 0) return lh_err_set(err, LH_EPROTO, "bad aws-chunked size line");
    if (d->mode == LH_AWSCHUNKED_SIGNED) {
        const char *ext = p + i;
        size_t el = strlen(SIG_PREFIX);
        if (*ext != ';' || strncmp(ext + 1, SIG_PREFIX, el) || strlen(ext + 1 + el) != 64)
            return lh_err_set(err, LH_EPROTO, "aws-chunked chunk without chunk-signature");
        memcpy(d->chunk_sig, ext + 1 + el, 65);
    }
    d->remaining = size;
    return 0;
}

/* One trailer line "name:value" (or the empty line that ends the block). */
static int trailer_line(lh_awschunked_t *d, lh_err_t *err)
{
    int is_signed = d->mode == LH_AWSCHUNKED_SIGNED;
    if (!d->linelen) {
        if (is_signed && d->trailer && !d->have_tsig)
            return lh_err_set(err, LH_EAUTH, "trailer signature missing");
        d->state = ST_DONE;
        return 0;
    }
    char *colon = strchr(d->line, ':');
    if (!d->trailer || !colon || colon == d->line)
        return lh_err_set(err, LH_EPROTO, "unexpected aws-chunked trailer line");
    if (d->have_tsig)
        return lh_err_set(err, LH_EPROTO, "aws-chunked trailer after the trailer signature");
    *colon = 0;
    for (char *c = d->line; *c; c++)
        *c = *c >= 'A' && *c <= 'Z' ? (char)(*c + 32) : *c;
    lh_str_t v = lh__trim((lh_str_t){colon + 1, strlen(colon + 1)});
    if (!strcmp(d->line, "x-amz-trailer-signature")) {
        char got[65];
        if (!is_signed) return 0; /* nothing to check it with */
        if (lh_str_copy(got, sizeof got, v))
            return lh_err_set(err, LH_EAUTH, "trailer signature mismatch");
        return check_trailer_sig(d, got, err);
    }
    size_t nl = strlen(d->line);
    if (d->ntrailers == TRAILERS_MAX || d->tlen + nl + v.len + 2 > TRAILER_MAX)
        return lh_err_set(err, LH_EPROTO, "too many aws-chunked trailers");
    trailer_t *t = &d->trailers[d->ntrailers++];
    t->name = d->tlen;
    memcpy(d->tbuf + d->tlen, d->line, nl + 1);
    d->tlen += nl + 1;
    t->value = d->tlen;
    memcpy(d->tbuf + d->tlen, v.ptr, v.len);
    d->tbuf[d->tlen + v.len] = 0;
    d->tlen += v.len + 1;
    return 0;
}

/* --- states --- */

static int st_size(lh_awschunked_t *d, const char **in, size_t *n, lh_err_t *err)
{
    int rc = take_line(d, in, n, SIZE_LINE_MAX, err);
    if (rc <= 0) return rc;
    d->linelen = 0;
    if ((rc = parse_size_line(d, err))) return rc;
    if (d->remaining) {
        d->state = ST_DATA;
        return 0;
    }
    if (d->mode == LH_AWSCHUNKED_SIGNED && (rc = check_chunk_sig(d, LH__EMPTY_SHA256, err)))
        return rc;
    d->state = ST_TRAILER;
    return 0;
}

static int st_data(lh_awschunked_t *d, const char **in, size_t *n,
                   int (*emit)(void *, const char *, size_t), void *arg, lh_err_t *err)
{
    size_t k = *n < d->remaining ? *n : (size_t)d->remaining;
    const char *p = *in;
    *in += k;
    *n -= k;
    d->remaining -= k;
    d->decoded += k;
    if (d->mode == LH_AWSCHUNKED_SIGNED) lh_cksum_update(&d->sha, p, k);
    int rc = k && emit ? emit(arg, p, k) : 0;
    if (rc) return rc;
    if (d->remaining == 0) {
        d->state = ST_DATA_CR;
        if (d->mode == LH_AWSCHUNKED_SIGNED) return finish_chunk_sig(d, err);
    }
    return 0;
}

static int st_trailer(lh_awschunked_t *d, const char **in, size_t *n, lh_err_t *err)
{
    size_t before = *n;
    size_t room = TRAILER_MAX - d->tbytes;
    int rc = take_line(d, in, n, room < SIZE_LINE_MAX ? room : SIZE_LINE_MAX, err);
    d->tbytes += before - *n;
    if (rc <= 0)
        return rc == LH_EPROTO && d->tbytes >= TRAILER_MAX
                   ? lh_err_set(err, LH_EPROTO, "aws-chunked trailer block over 16 KiB")
                   : rc;
    rc = trailer_line(d, err);
    d->linelen = 0;
    return rc;
}

int lh_awschunked_feed(lh_awschunked_t *d, const char *in, size_t n,
                       int (*emit)(void *arg, const char *data, size_t n), void *arg, lh_err_t *err)
{
    int rc = 0;
    while (n && !rc) {
        switch (d->state) {
        case ST_SIZE:
            rc = st_size(d, &in, &n, err);
            break;
        case ST_DATA:
            rc = st_data(d, &in, &n, emit, arg, err);
            break;
        case ST_DATA_CR:
        case ST_DATA_LF: {
            char want = d->state == ST_DATA_CR ? '\r' : '\n';
            if (*in != want)
                return lh_err_set(err, LH_EPROTO, "aws-chunked chunk data not followed by CRLF");
            in++;
            n--;
            d->state = d->state == ST_DATA_CR ? ST_DATA_LF : ST_SIZE;
            break;
        }
        case ST_TRAILER:
            rc = st_trailer(d, &in, &n, err);
            break;
        default:
            return lh_err_set(err, LH_EPROTO, "data after the end of the aws-chunked body");
        }
    }
    return rc;
}
