/* TLS for the TCP layer: an OpenSSL server context loaded from PEM files
 * (TLS 1.2 or newer, ALPN from the listener's list) and per-connection
 * sessions that talk through memory BIOs, so the libuv stream moves
 * ciphertext and the session never touches the socket itself. */
#include "core/tcp_int.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lh__tls_ctx {
    SSL_CTX *ctx;
    unsigned char alpn[256]; /* wire format: length-prefixed names */
    unsigned alpn_len;
};

struct lh__tls {
    SSL *ssl;
    BIO *in;  /* ciphertext from the peer */
    BIO *out; /* ciphertext for the peer */
};

static void ssl_errstr(char *out, size_t cap)
{
    unsigned long e = ERR_get_error();
    if (!e) {
        snprintf(out, cap, "unknown error");
        return;
    }
    ERR_error_string_n(e, out, cap);
    ERR_clear_error();
}

/* Picks the first of the server's protocols that the client offers. */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    lh__tls_ctx_t *c = arg;
    (void)ssl;
    for (unsigned i = 0; i < c->alpn_len; i += 1u + c->alpn[i]) {
        for (unsigned j = 0; j < inlen; j += 1u + in[j]) {
            if (in[j] == c->alpn[i] && j + 1u + in[j] <= inlen &&
                !memcmp(in + j + 1, c->alpn + i + 1, in[j])) {
                *out = in + j + 1;
                *outlen = in[j];
                return SSL_TLSEXT_ERR_OK;
            }
        }
    }
    return SSL_TLSEXT_ERR_NOACK;
}

static int alpn_wire(lh__tls_ctx_t *c, const char *const *alpn, lh_err_t *err)
{
    for (size_t i = 0; alpn && alpn[i]; i++) {
        size_t n = strlen(alpn[i]);
        if (n == 0 || n > 255 || c->alpn_len + 1 + n > sizeof c->alpn)
            return lh_err_set(err, LH_EINVAL, "bad alpn protocol list");
        c->alpn[c->alpn_len++] = (unsigned char)n;
        memcpy(c->alpn + c->alpn_len, alpn[i], n);
        c->alpn_len += (unsigned)n;
    }
    return 0;
}

static int load(SSL_CTX *ctx, const char *cert, const char *key, lh_err_t *err)
{
    char e[256];
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        ssl_errstr(e, sizeof e);
        return lh_err_set(err, LH_EIO, "cannot load tls certificate %s: %s", cert, e);
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        ssl_errstr(e, sizeof e);
        return lh_err_set(err, LH_EIO, "cannot load tls key %s: %s", key, e);
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        ssl_errstr(e, sizeof e);
        return lh_err_set(err, LH_EIO, "tls key %s does not match certificate %s: %s", key, cert,
                          e);
    }
    return 0;
}

int lh__tls_ctx_new(const char *cert, const char *key, const char *const *alpn, lh__tls_ctx_t **out,
                    lh_err_t *err)
{
    lh__tls_ctx_t *c = calloc(1, sizeof *c);
    if (!c) return lh_err_set(err, LH_ENOMEM, "out of memory");
    int rc = alpn_wire(c, alpn, err);
    if (rc) {
        free(c);
        return rc;
    }
    c->ctx = SSL_CTX_new(TLS_server_method());
    if (!c->ctx) {
        free(c);
        return lh_err_set(err, LH_EIO, "cannot create tls context");
    }
    SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(c->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(c->ctx, SSL_MODE_RELEASE_BUFFERS);
    if (c->alpn_len) SSL_CTX_set_alpn_select_cb(c->ctx, alpn_select, c);
    rc = load(c->ctx, cert, key ? key : cert, err);
    if (rc) {
        lh__tls_ctx_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

void lh__tls_ctx_free(lh__tls_ctx_t *ctx)
{
    if (!ctx) return;
    SSL_CTX_free(ctx->ctx);
    free(ctx);
}

lh__tls_t *lh__tls_new(lh__tls_ctx_t *ctx)
{
    lh__tls_t *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->ssl = SSL_new(ctx->ctx);
    t->in = BIO_new(BIO_s_mem());
    t->out = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->in || !t->out) {
        SSL_free(t->ssl);
        BIO_free(t->in);
        BIO_free(t->out);
        free(t);
        return NULL;
    }
    BIO_set_mem_eof_return(t->in, -1);  /* empty input means "want read", not EOF */
    SSL_set_bio(t->ssl, t->in, t->out); /* the SSL owns both BIOs now */
    SSL_set_accept_state(t->ssl);
    return t;
}

void lh__tls_free(lh__tls_t *t)
{
    if (!t) return;
    SSL_free(t->ssl);
    free(t);
}

int lh__tls_feed(lh__tls_t *t, const char *data, size_t len)
{
    while (len) {
        int n = BIO_write(t->in, data, len > INT32_MAX ? INT32_MAX : (int)len);
        if (n <= 0) return LH_ENOMEM;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

long lh__tls_read(lh__tls_t *t, char *out, size_t cap)
{
    int n = SSL_read(t->ssl, out, cap > INT32_MAX ? INT32_MAX : (int)cap);
    if (n > 0) return n;
    switch (SSL_get_error(t->ssl, n)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        return 0;
    case SSL_ERROR_ZERO_RETURN:
        return LH_EPROTO;
    default:
        ERR_clear_error();
        return LH_EIO;
    }
}

int lh__tls_write(lh__tls_t *t, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        int n = SSL_write(t->ssl, p, len > (1u << 30) ? (1 << 30) : (int)len);
        if (n <= 0) {
            ERR_clear_error();
            return LH_EIO;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

void lh__tls_shutdown(lh__tls_t *t)
{
    if (SSL_is_init_finished(t->ssl)) SSL_shutdown(t->ssl);
    ERR_clear_error();
}

size_t lh__tls_pending(lh__tls_t *t)
{
    return BIO_ctrl_pending(t->out);
}

size_t lh__tls_take(lh__tls_t *t, char *out, size_t cap)
{
    int n = BIO_read(t->out, out, cap > INT32_MAX ? INT32_MAX : (int)cap);
    return n > 0 ? (size_t)n : 0;
}

size_t lh__tls_buffered(lh__tls_t *t)
{
    return BIO_ctrl_pending(t->in);
}

int lh__tls_ready(lh__tls_t *t)
{
    return SSL_is_init_finished(t->ssl);
}

void lh__tls_alpn(lh__tls_t *t, char *out, size_t cap)
{
    const unsigned char *p = NULL;
    unsigned n = 0;
    SSL_get0_alpn_selected(t->ssl, &p, &n);
    if (n >= cap) n = 0;
    if (n) memcpy(out, p, n);
    out[n] = 0;
}
