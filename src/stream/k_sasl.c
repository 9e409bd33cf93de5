/* SASL for the Kafka listener (stream.sasl): SaslHandshake (0-1) picks the
 * mechanism, then the tokens come either wrapped in SaslAuthenticate (0-1)
 * requests (handshake v1, what librdkafka and kafkajs send) or as bare
 * size-prefixed frames (handshake v0, the legacy exchange). PLAIN
 * (RFC 4616: authzid NUL user NUL password) and SCRAM-SHA-256 (core/scram.h
 * over the verifiers the user store keeps) check the platform's users; the
 * user's role then bounds what the connection may do (readers consume,
 * writers produce, admins manage topics). A failure answers
 * SASL_AUTHENTICATION_FAILED (58) and closes the connection, as Kafka does.
 * Until a connection has authenticated, only ApiVersions and these two APIs
 * pass (kafka.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/scram.h"
#include "stream/broker_int.h"

enum { S_NEED_HANDSHAKE = 1, S_TOKENS, S_SCRAM_FINAL };
enum { MECH_PLAIN = 1, MECH_SCRAM = 2 };

typedef struct {
    int mech;
    bool raw; /* handshake v0: bare tokens */
    lh_scram_t sc;
} sasl_t;

static const char *const mech_names[] = {"PLAIN", "SCRAM-SHA-256"};

static void put_mechanisms(lh_buf_t *o, unsigned on)
{
    lh_kw_array(o, __builtin_popcount(on), false);
    for (int i = 0; i < 2; i++)
        if (on & (1u << i))
            lh_kw_string(o, (lh_str_t){mech_names[i], strlen(mech_names[i])}, false);
}

void lh__k_sasl_handshake(lh_kreq_t *q)
{
    lh_str_t mech = lh_kr_string(&q->in, false, false, NULL);
    if (q->in.err) return lh__kreq_fail(q, "malformed SaslHandshake request");
    lh_kconn_t *k = q->conn;
    unsigned on = q->b->o.sasl;
    int m = lh_str_eq(mech, "PLAIN")           ? MECH_PLAIN
            : lh_str_eq(mech, "SCRAM-SHA-256") ? MECH_SCRAM
                                               : 0;
    int kerr = 0;
    if (k->sasl_state != S_NEED_HANDSHAKE)
        kerr = LH_KERR_ILLEGAL_SASL_STATE;
    else if (!m || !(on & (unsigned)m))
        kerr = LH_KERR_UNSUPPORTED_SASL_MECHANISM;
    sasl_t *s = kerr ? NULL : calloc(1, sizeof *s);
    if (!kerr && !s) return lh__kreq_fail(q, "out of memory");
    lh_kw_i16(&q->out, (int16_t)kerr);
    put_mechanisms(&q->out, on);
    if (s) {
        s->mech = m;
        s->raw = q->version == 0;
        free(k->sasl);
        k->sasl = s;
        k->sasl_state = S_TOKENS;
    }
    lh__kreq_reply(q);
}

/* The user authenticated: the connection gets their role. */
static void authenticated(lh_kconn_t *k, const char *user)
{
    lh_user_t u;
    k->role = lh_meta_user_get(k->b->meta, user, &u) == 0 ? u.role : LH_ROLE_READER;
    snprintf(k->user, sizeof k->user, "%s", user);
    k->sasl_state = 0;
}

static int plain(lh_kconn_t *k, lh_str_t tok, const char **why)
{
    char buf[600];
    if (lh_str_copy(buf, sizeof buf, tok)) return *why = "token too long", -1;
    /* authzid \0 authcid \0 passwd: lh_str_copy NUL-terminates past the end */
    const char *end = buf + tok.len;
    const char *user = memchr(buf, 0, tok.len);
    const char *pass = user ? memchr(user + 1, 0, (size_t)(end - user - 1)) : NULL;
    if (!user || !pass) return *why = "malformed PLAIN token", -1;
    user++, pass++;
    lh_user_t u;
    if (lh_meta_user_check(k->b->meta, user, pass, &u) != 0)
        return *why = "Invalid username or password", -1;
    authenticated(k, user);
    return 0;
}

/* One token in; the answer token into out. Returns 0, or -1 with *why. */
static int step(lh_kconn_t *k, lh_str_t tok, char *out, size_t cap, size_t *outlen,
                const char **why)
{
    sasl_t *s = k->sasl;
    *outlen = 0;
    if (s->mech == MECH_PLAIN) return plain(k, tok, why);
    if (k->sasl_state == S_TOKENS) {
        char verifier[LH_META_SCRAM_MAX], md5[LH_META_MD5_MAX];
        if (lh_scram_server_start(&s->sc, tok)) return *why = s->sc.error, -1;
        s->sc.nonce_suffix_ok = 1;
        int known = lh_meta_user_pgauth(k->b->meta, lh_scram_user(&s->sc), verifier, md5) == 0;
        if (lh_scram_server_first(&s->sc, known ? verifier : NULL, NULL, out, cap))
            return *why = "other-error", -1;
        *outlen = strlen(out);
        k->sasl_state = S_SCRAM_FINAL;
        return 0;
    }
    int rc = lh_scram_server_final(&s->sc, tok, out, cap);
    *outlen = strlen(out);
    if (rc) return *why = rc == LH_EAUTH ? "Invalid username or password" : s->sc.error, -1;
    authenticated(k, lh_scram_user(&s->sc));
    lh_scram_server_clear(&s->sc);
    return 0;
}

void lh__k_sasl_authenticate(lh_kreq_t *q)
{
    bool null;
    lh_str_t tok = lh_kr_bytes(&q->in, false, &null);
    if (q->in.err) return lh__kreq_fail(q, "malformed SaslAuthenticate request");
    lh_kconn_t *k = q->conn;
    char out[LH_SCRAM_MSG_MAX];
    size_t n = 0;
    const char *why = "SaslAuthenticate before SaslHandshake";
    int bad = k->sasl_state < S_TOKENS || !k->sasl ||
              (k->sasl_state != 0 && step(k, tok, out, sizeof out, &n, &why));
    lh_buf_t *o = &q->out;
    lh_kw_i16(o, bad ? LH_KERR_SASL_AUTHENTICATION_FAILED : 0);
    char msg[160];
    snprintf(msg, sizeof msg, "Authentication failed: %s", why ? why : "invalid credentials");
    lh_kw_string(o, bad ? (lh_str_t){msg, strlen(msg)} : (lh_str_t){NULL, 0}, false);
    lh_kw_bytes(o, (lh_str_t){out, n}, false);
    if (q->version >= 1) lh_kw_i64(o, 0); /* session lifetime: none */
    if (bad) lh_warn("kafka %s: SASL authentication failed: %s", lh__kconn_peer(k), msg);
    lh__kreq_reply(q);
    if (bad) lh__kconn_close(k);
}

bool lh__sasl_raw_expected(const lh_kconn_t *k, const char *d, size_t len)
{
    const sasl_t *s = k->sasl;
    if (!s || !s->raw || k->sasl_state < S_TOKENS) return false;
    /* a SaslAuthenticate request may still come after a v0 handshake */
    return !(len >= 8 && lh_stream_be16((const uint8_t *)d + 4) == LH_KAPI_SASL_AUTHENTICATE &&
             lh_stream_be16((const uint8_t *)d + 6) <= 1);
}

void lh__sasl_raw_token(lh_tcp_slot_t *slot, lh_kconn_t *k, const char *d, size_t len)
{
    char out[LH_SCRAM_MSG_MAX + 4];
    size_t n = 0;
    const char *why = NULL;
    int bad = step(k, (lh_str_t){d + 4, len - 4}, out + 4, sizeof out - 4, &n, &why);
    if (bad) {
        lh_warn("kafka %s: SASL authentication failed: %s", lh__kconn_peer(k), why);
        lh__kconn_close(k);
    } else if (slot) {
        out[0] = (char)(n >> 24), out[1] = (char)(n >> 16), out[2] = (char)(n >> 8);
        out[3] = (char)n;
        lh_tcp_slot_write(slot, out, n + 4, NULL, NULL);
    }
    if (slot) lh_tcp_slot_end(slot);
}
