/* SCRAM-SHA-256 (RFC 5802, RFC 7677) over the verifiers the user store keeps
 * ("SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>", base64,
 * PostgreSQL's format), for the PostgreSQL wire's SASL and Kafka's
 * SASL/SCRAM. The server side is three calls over a caller-owned state:
 *
 *   lh_scram_server_start(&sc, client_first)   parse; then look the user up
 *   lh_scram_server_first(&sc, verifier, NULL, out)   "r=...,s=...,i=..."
 *   lh_scram_server_final(&sc, client_final, out)     "v=..." or "e=..."
 *
 * Channel binding is not offered: a client that requires it ('p') is refused,
 * and c= must be base64 of the client's own gs2 header ("biws" for "n,,").
 * On failure a call returns a negative LH_E* code, and sc->error holds the
 * RFC 5802 server-error-value ("invalid-proof", "other-error", ...) to send
 * as "e=<error>" (server_final writes that message itself). Messages are
 * slices in, NUL-terminated text out; nothing is allocated. A client side
 * (for tests and outgoing connections) follows the server. */
#ifndef LH_CORE_SCRAM_H
#define LH_CORE_SCRAM_H

#include <stddef.h>

#include "core/str.h"

#define LH_SCRAM_MSG_MAX 512 /* longest message kept for the AuthMessage */
#define LH_SCRAM_USER_MAX 256

enum { LH_SCRAM_START = 0, LH_SCRAM_STARTED, LH_SCRAM_FIRST_SENT, LH_SCRAM_DONE, LH_SCRAM_FAILED };

/* A parsed verifier. */
typedef struct lh_scram_verifier {
    int iterations;
    unsigned char salt[64];
    size_t saltlen;
    unsigned char stored_key[32], server_key[32];
} lh_scram_verifier_t;

/* Server state: zero it (or = {0}) before lh_scram_server_start. Holds key
 * material: lh_scram_server_clear() wipes it. */
typedef struct lh_scram {
    int state;                        /* LH_SCRAM_* */
    const char *error;                /* RFC 5802 error value (static), or NULL */
    char user[LH_SCRAM_USER_MAX + 1]; /* the client's n= (may be empty: PostgreSQL) */
    char gs2[LH_SCRAM_USER_MAX + 8];  /* "n,," or "y,," (+ authzid) as sent */
    char client_first_bare[LH_SCRAM_MSG_MAX];
    char server_first[LH_SCRAM_MSG_MAX];
    char nonce[LH_SCRAM_MSG_MAX]; /* client nonce, then client + server */
    int doomed;                   /* unknown user: the proof can only fail */
    /* Kafka's rule: the final nonce may carry a prefix (librdkafka 2.0
     * sends its client nonce again before the combined one, and Kafka's
     * ScramSaslServer accepts a final nonce that ends with the server's) */
    int nonce_suffix_ok;
    lh_scram_verifier_t v;
} lh_scram_t;

/* Parses a stored verifier. 0, or LH_EINVAL (not SCRAM-SHA-256, bad base64,
 * wrong key lengths, iterations < 1). */
int lh_scram_verifier_parse(const char *text, lh_scram_verifier_t *out);
/* Derives the verifier of password with salt (1..64 bytes) and iterations
 * (no SASLprep: passwords are ASCII) into out (cap bytes, NUL-terminated).
 * 0, LH_EINVAL, LH_ETOOBIG (cap) or LH_EIO. */
int lh_scram_verifier_make(const char *password, const unsigned char *salt, size_t saltlen,
                           int iterations, char *out, size_t cap);

/* Reads client-first-message ("n,,n=user,r=nonce"). 0, or LH_EPROTO with
 * sc->error: "channel-binding-not-supported" (flag 'p'),
 * "extensions-not-supported" (m=), "invalid-username-encoding",
 * "invalid-encoding" (anything else malformed or too long). */
int lh_scram_server_start(lh_scram_t *sc, lh_str_t client_first);
/* The client's user name (decoded; "" when the client sent none). */
const char *lh_scram_user(const lh_scram_t *sc);
/* Writes server-first-message into out (cap bytes) for the stored verifier
 * of the user; verifier NULL (unknown user) answers with a made-up salt so
 * the exchange fails later at the proof, like any wrong password.
 * server_nonce NULL = 18 random bytes in base64 (tests inject one).
 * 0, LH_EINVAL ("other-error": bad verifier or state), LH_ETOOBIG, LH_EIO. */
int lh_scram_server_first(lh_scram_t *sc, const char *verifier, const char *server_nonce, char *out,
                          size_t cap);
/* Checks client-final-message ("c=biws,r=...,p=...") and writes
 * server-final-message into out: "v=<ServerSignature>" and 0 when the proof
 * is right; otherwise "e=<error>" and LH_EAUTH ("invalid-proof"), or
 * LH_EPROTO ("channel-bindings-dont-match", "invalid-encoding",
 * "other-error": a wrong nonce or state). LH_ETOOBIG when out is too small. */
int lh_scram_server_final(lh_scram_t *sc, lh_str_t client_final, char *out, size_t cap);
/* Wipes the keys and messages. */
void lh_scram_server_clear(lh_scram_t *sc);

/* Client side. */
typedef struct lh_scram_client {
    char client_first_bare[LH_SCRAM_MSG_MAX];
    char auth_message[3 * LH_SCRAM_MSG_MAX];
    unsigned char server_key[32];
    size_t nonce_len;
} lh_scram_client_t;

/* Writes client-first-message "n,,n=<user>,r=<nonce>" (nonce NULL = random).
 * 0, LH_EINVAL (nonce with ','), LH_ETOOBIG, LH_EIO. */
int lh_scram_client_first(lh_scram_client_t *c, const char *user, const char *nonce, char *out,
                          size_t cap);
/* Answers server-first with client-final "c=biws,r=...,p=...". 0, LH_EPROTO
 * (malformed, or a nonce that does not extend ours), LH_ETOOBIG, LH_EIO. */
int lh_scram_client_final(lh_scram_client_t *c, const char *password, lh_str_t server_first,
                          char *out, size_t cap);
/* Checks server-final: 0 when v= is the server's signature, LH_EAUTH
 * otherwise (including "e=..."). */
int lh_scram_client_verify(lh_scram_client_t *c, lh_str_t server_final);

#endif
