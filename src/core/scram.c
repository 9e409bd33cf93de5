/* SCRAM-SHA-256 (RFC 5802 section 5, RFC 7677): message parsing, the
 * server's proof check and signature, the client's proof, and the verifier
 * format PostgreSQL stores. Keys are derived and compared with core/crypto.h
 * (HMAC over the fetched digest, PBKDF2, constant-time compare). For an
 * unknown user the server answers with a salt derived from the name under a
 * per-process random key, so a probe cannot tell unknown users from wrong
 * passwords by the second message. */
#include "core/scram.h"
#include "core/crypto.h"
#include "core/err.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define VERIFIER_PREFIX "SCRAM-SHA-256$"
#define NONCE_BYTES 18

/* --- small parsers --- */

static int fail(lh_scram_t *sc, const char *error, int code)
{
    sc->error = error;
    sc->state = LH_SCRAM_FAILED;
    return code;
}

/* Reads "<name>=<value>" up to the next ',' (consumed) or the end. */
static int attr(lh_str_t *rest, char name, lh_str_t *val)
{
    if (rest->len < 2 || rest->ptr[0] != name || rest->ptr[1] != '=') return -1;
    const char *p = rest->ptr + 2, *end = rest->ptr + rest->len;
    const char *comma = memchr(p, ',', (size_t)(end - p));
    *val = (lh_str_t){p, (size_t)((comma ? comma : end) - p)};
    rest->ptr = comma ? comma + 1 : end;
    rest->len = (size_t)(end - rest->ptr);
    return 0;
}

/* A nonce: printable ASCII except ','. */
static int valid_nonce(lh_str_t n)
{
    for (size_t i = 0; i < n.len; i++)
        if (n.ptr[i] < 0x21 || n.ptr[i] > 0x7e || n.ptr[i] == ',') return 0;
    return n.len > 0;
}

/* saslname: "=2C" is ',', "=3D" is '=', any other '=' is an error. */
static int saslname_decode(lh_str_t s, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c == '=') {
            if (i + 2 < s.len && s.ptr[i + 1] == '2' && s.ptr[i + 2] == 'C')
                c = ',';
            else if (i + 2 < s.len && s.ptr[i + 1] == '3' && s.ptr[i + 2] == 'D')
                c = '=';
            else
                return -1;
            i += 2;
        }
        if (c == 0 || o + 1 >= cap) return -1;
        out[o++] = c;
    }
    out[o] = 0;
    return 0;
}

static int b64_exact(lh_str_t s, unsigned char *out, size_t want)
{
    unsigned char tmp[96];
    if (s.len > 128) return -1;
    long n = lh_base64_decode(s.ptr, s.len, tmp, sizeof tmp);
    if (n != (long)want) return -1;
    memcpy(out, tmp, want);
    return 0;
}

/* Copies a slice into a fixed field; -1 when it does not fit. */
static int keep(char *dst, size_t cap, lh_str_t s)
{
    return lh_str_copy(dst, cap, s) ? -1 : 0;
}

/* --- verifiers --- */

int lh_scram_verifier_parse(const char *text, lh_scram_verifier_t *out)
{
    size_t pl = strlen(VERIFIER_PREFIX);
    memset(out, 0, sizeof *out);
    if (strncmp(text, VERIFIER_PREFIX, pl)) return LH_EINVAL;
    const char *p = text + pl, *colon = strchr(p, ':'), *dollar = colon ? strchr(colon, '$') : NULL;
    const char *colon2 = dollar ? strchr(dollar, ':') : NULL;
    uint64_t it;
    if (!colon2 || lh_str_to_u64((lh_str_t){p, (size_t)(colon - p)}, &it) || it < 1 ||
        it > 100000000)
        return LH_EINVAL;
    out->iterations = (int)it;
    long n = lh_base64_decode(colon + 1, (size_t)(dollar - colon - 1), out->salt, sizeof out->salt);
    if (n < 1 ||
        b64_exact((lh_str_t){dollar + 1, (size_t)(colon2 - dollar - 1)}, out->stored_key, 32) ||
        b64_exact((lh_str_t){colon2 + 1, strlen(colon2 + 1)}, out->server_key, 32))
        return LH_EINVAL;
    out->saltlen = (size_t)n;
    return 0;
}

/* ClientKey, StoredKey and ServerKey of a password. */
static int derive(const char *password, const unsigned char *salt, size_t saltlen, int iterations,
                  unsigned char client[32], unsigned char stored[32], unsigned char server[32])
{
    unsigned char salted[32];
    int rc = lh_pbkdf2_sha256(password, strlen(password), salt, saltlen, iterations, salted, 32);
    if (rc) return rc;
    lh_hmac_sha256(salted, 32, "Client Key", 10, client);
    lh_hmac_sha256(salted, 32, "Server Key", 10, server);
    lh_sha256(client, 32, stored);
    lh_wipe(salted, sizeof salted);
    return 0;
}

int lh_scram_verifier_make(const char *password, const unsigned char *salt, size_t saltlen,
                           int iterations, char *out, size_t cap)
{
    unsigned char client[32], stored[32], server[32];
    char salt64[96], stored64[48], server64[48];
    if (saltlen < 1 || saltlen > 64 || iterations < 1) return LH_EINVAL;
    int rc = derive(password, salt, saltlen, iterations, client, stored, server);
    lh_wipe(client, sizeof client);
    if (rc) return LH_EIO;
    lh_base64_encode(salt, saltlen, salt64);
    lh_base64_encode(stored, 32, stored64);
    lh_base64_encode(server, 32, server64);
    int n =
        snprintf(out, cap, VERIFIER_PREFIX "%d:%s$%s:%s", iterations, salt64, stored64, server64);
    lh_wipe(server, sizeof server);
    return n > 0 && (size_t)n < cap ? 0 : LH_ETOOBIG;
}

/* --- server --- */

int lh_scram_server_start(lh_scram_t *sc, lh_str_t m)
{
    lh_str_t authzid = {"", 0}, user, nonce;
    char az[LH_SCRAM_USER_MAX + 1];
    memset(sc, 0, sizeof *sc);
    if (m.len >= LH_SCRAM_MSG_MAX) return fail(sc, "invalid-encoding", LH_EPROTO);
    if (m.len && m.ptr[0] == 'p') return fail(sc, "channel-binding-not-supported", LH_EPROTO);
    if (m.len < 3 || (m.ptr[0] != 'n' && m.ptr[0] != 'y') || m.ptr[1] != ',')
        return fail(sc, "invalid-encoding", LH_EPROTO);
    lh_str_t rest = {m.ptr + 2, m.len - 2};
    if (rest.len && rest.ptr[0] == 'a' && attr(&rest, 'a', &authzid) == 0) {
        if (rest.ptr == m.ptr + m.len || rest.ptr[-1] != ',')
            return fail(sc, "invalid-encoding", LH_EPROTO);
    } else if (rest.len && rest.ptr[0] == ',') {
        rest.ptr++, rest.len--;
    } else {
        return fail(sc, "invalid-encoding", LH_EPROTO);
    }
    size_t gs2len = (size_t)(rest.ptr - m.ptr);
    if (keep(sc->gs2, sizeof sc->gs2, (lh_str_t){m.ptr, gs2len}) ||
        keep(sc->client_first_bare, sizeof sc->client_first_bare, rest))
        return fail(sc, "invalid-encoding", LH_EPROTO);
    if (rest.len >= 2 && rest.ptr[0] == 'm' && rest.ptr[1] == '=')
        return fail(sc, "extensions-not-supported", LH_EPROTO);
    if (attr(&rest, 'n', &user) || saslname_decode(user, sc->user, sizeof sc->user) ||
        saslname_decode(authzid, az, sizeof az))
        return fail(sc, "invalid-username-encoding", LH_EPROTO);
    if (az[0] && strcmp(az, sc->user)) /* acting for another user is not offered */
        return fail(sc, "other-error", LH_EPROTO);
    if (attr(&rest, 'r', &nonce) || !valid_nonce(nonce) || keep(sc->nonce, sizeof sc->nonce, nonce))
        return fail(sc, "invalid-encoding", LH_EPROTO);
    sc->state = LH_SCRAM_STARTED; /* extensions after the nonce are ignored */
    return 0;
}

const char *lh_scram_user(const lh_scram_t *sc)
{
    return sc->user;
}

static unsigned char mock_key[32];
static int mock_ok;
static pthread_once_t mock_once = PTHREAD_ONCE_INIT;

static void mock_init(void)
{
    mock_ok = lh_random_bytes(mock_key, sizeof mock_key) == 0;
}

/* A made-up verifier for an unknown user: a stable salt, random keys. */
static int mock_verifier(lh_scram_t *sc)
{
    unsigned char mac[32];
    pthread_once(&mock_once, mock_init);
    if (!mock_ok) return LH_EIO;
    lh_hmac_sha256(mock_key, sizeof mock_key, sc->user, strlen(sc->user), mac);
    memcpy(sc->v.salt, mac, 16);
    sc->v.saltlen = 16;
    sc->v.iterations = 4096;
    sc->doomed = 1;
    return lh_random_bytes(sc->v.stored_key, 32) || lh_random_bytes(sc->v.server_key, 32) ? LH_EIO
                                                                                          : 0;
}

static int put_out(char *out, size_t cap, const char *s)
{
    size_t n = strlen(s);
    if (n >= cap) return LH_ETOOBIG;
    memcpy(out, s, n + 1);
    return 0;
}

int lh_scram_server_first(lh_scram_t *sc, const char *verifier, const char *server_nonce, char *out,
                          size_t cap)
{
    unsigned char rnd[NONCE_BYTES];
    char gen[2 * NONCE_BYTES + 4], salt64[96];
    if (sc->state != LH_SCRAM_STARTED) return fail(sc, "other-error", LH_EINVAL);
    int rc = verifier ? lh_scram_verifier_parse(verifier, &sc->v) : mock_verifier(sc);
    if (rc) return fail(sc, "other-error", rc);
    if (!server_nonce) {
        if (lh_random_bytes(rnd, sizeof rnd)) return fail(sc, "other-error", LH_EIO);
        lh_base64_encode(rnd, sizeof rnd, gen);
        server_nonce = gen;
    }
    size_t cn = strlen(sc->nonce), sn = strlen(server_nonce);
    if (!valid_nonce((lh_str_t){server_nonce, sn}) || cn + sn >= sizeof sc->nonce)
        return fail(sc, "other-error", LH_EINVAL);
    memcpy(sc->nonce + cn, server_nonce, sn + 1);
    lh_base64_encode(sc->v.salt, sc->v.saltlen, salt64);
    int n = snprintf(sc->server_first, sizeof sc->server_first, "r=%s,s=%s,i=%d", sc->nonce, salt64,
                     sc->v.iterations);
    if (n < 0 || (size_t)n >= sizeof sc->server_first) return fail(sc, "other-error", LH_ETOOBIG);
    if (put_out(out, cap, sc->server_first)) return fail(sc, "other-error", LH_ETOOBIG);
    sc->state = LH_SCRAM_FIRST_SENT;
    return 0;
}

/* Writes "e=<error>" (when it fits) and fails. */
static int final_error(lh_scram_t *sc, const char *error, int code, char *out, size_t cap)
{
    char msg[64];
    snprintf(msg, sizeof msg, "e=%s", error);
    if (put_out(out, cap, msg) && cap) out[0] = 0;
    return fail(sc, error, code);
}

/* HMAC(key, client-first-bare "," server-first "," client-final-without-proof) */
static void auth_hmac(const unsigned char key[32], const char *cfb, const char *sf, lh_str_t cfw,
                      unsigned char out[32])
{
    char am[3 * LH_SCRAM_MSG_MAX + 4];
    int n = snprintf(am, sizeof am, "%s,%s,%.*s", cfb, sf, (int)cfw.len, cfw.ptr);
    lh_hmac_sha256(key, 32, am, n > 0 && (size_t)n < sizeof am ? (size_t)n : 0, out);
}

int lh_scram_server_final(lh_scram_t *sc, lh_str_t m, char *out, size_t cap)
{
    lh_str_t rest = m, cb, nonce, proof64;
    unsigned char proof[32], sig[32], key[32], h[32];
    char cb_want[2 * LH_SCRAM_USER_MAX];
    if (sc->state != LH_SCRAM_FIRST_SENT)
        return final_error(sc, "other-error", LH_EPROTO, out, cap);
    if (m.len >= LH_SCRAM_MSG_MAX || attr(&rest, 'c', &cb) || attr(&rest, 'r', &nonce))
        return final_error(sc, "invalid-encoding", LH_EPROTO, out, cap);
    lh_base64_encode((const unsigned char *)sc->gs2, strlen(sc->gs2), cb_want);
    if (!lh_str_eq(cb, cb_want))
        return final_error(sc, "channel-bindings-dont-match", LH_EPROTO, out, cap);
    size_t sn = strlen(sc->nonce);
    bool suffix =
        sc->nonce_suffix_ok && nonce.len > sn && !memcmp(nonce.ptr + nonce.len - sn, sc->nonce, sn);
    if (!lh_str_eq(nonce, sc->nonce) && !suffix)
        return final_error(sc, "other-error", LH_EPROTO, out, cap);
    while (rest.len && !(rest.len >= 2 && rest.ptr[0] == 'p' && rest.ptr[1] == '=')) {
        lh_str_t ext; /* extensions before the proof are ignored */
        if (attr(&rest, rest.ptr[0], &ext))
            return final_error(sc, "invalid-encoding", LH_EPROTO, out, cap);
    }
    lh_str_t without_proof = {m.ptr, rest.len ? (size_t)(rest.ptr - m.ptr) - 1 : 0};
    if (!rest.len || attr(&rest, 'p', &proof64) || proof64.ptr + proof64.len != m.ptr + m.len ||
        b64_exact(proof64, proof, 32)) /* the proof comes last, nothing after it */
        return final_error(sc, "invalid-encoding", LH_EPROTO, out, cap);
    auth_hmac(sc->v.stored_key, sc->client_first_bare, sc->server_first, without_proof, sig);
    for (int i = 0; i < 32; i++)
        key[i] = proof[i] ^ sig[i];
    lh_sha256(key, 32, h);
    int ok = lh_ct_equal(h, sc->v.stored_key, 32) && !sc->doomed;
    lh_wipe(key, sizeof key);
    if (!ok) return final_error(sc, "invalid-proof", LH_EAUTH, out, cap);
    char v[64] = "v=";
    auth_hmac(sc->v.server_key, sc->client_first_bare, sc->server_first, without_proof, sig);
    lh_base64_encode(sig, 32, v + 2);
    if (put_out(out, cap, v)) return fail(sc, "other-error", LH_ETOOBIG);
    sc->state = LH_SCRAM_DONE;
    return 0;
}

void lh_scram_server_clear(lh_scram_t *sc)
{
    lh_wipe(sc, sizeof *sc);
}

/* --- client --- */

int lh_scram_client_first(lh_scram_client_t *c, const char *user, const char *nonce, char *out,
                          size_t cap)
{
    unsigned char rnd[NONCE_BYTES];
    char gen[2 * NONCE_BYTES + 4], name[3 * LH_SCRAM_USER_MAX + 1];
    size_t o = 0;
    memset(c, 0, sizeof *c);
    if (!nonce) {
        if (lh_random_bytes(rnd, sizeof rnd)) return LH_EIO;
        lh_base64_encode(rnd, sizeof rnd, gen);
        nonce = gen;
    }
    if (!valid_nonce((lh_str_t){nonce, strlen(nonce)}) || strlen(user) > LH_SCRAM_USER_MAX)
        return LH_EINVAL;
    for (const char *p = user; *p; p++) {
        const char *rep = *p == ',' ? "=2C" : *p == '=' ? "=3D" : NULL;
        size_t k = rep ? 3 : 1;
        memcpy(name + o, rep ? rep : p, k);
        o += k;
    }
    name[o] = 0;
    int n = snprintf(c->client_first_bare, sizeof c->client_first_bare, "n=%s,r=%s", name, nonce);
    if (n < 0 || (size_t)n >= sizeof c->client_first_bare) return LH_ETOOBIG;
    c->nonce_len = strlen(nonce);
    n = snprintf(out, cap, "n,,%s", c->client_first_bare);
    return n > 0 && (size_t)n < cap ? 0 : LH_ETOOBIG;
}

int lh_scram_client_final(lh_scram_client_t *c, const char *password, lh_str_t sf, char *out,
                          size_t cap)
{
    lh_str_t rest = sf, nonce, salt64, iter64;
    unsigned char salt[64], client[32], stored[32], sig[32], proof[32];
    uint64_t it;
    const char *mine = strstr(c->client_first_bare, ",r=");
    if (!mine || sf.len >= LH_SCRAM_MSG_MAX || attr(&rest, 'r', &nonce) ||
        attr(&rest, 's', &salt64) || attr(&rest, 'i', &iter64) || lh_str_to_u64(iter64, &it) ||
        it < 1 || it > 100000000 || nonce.len <= c->nonce_len ||
        memcmp(nonce.ptr, mine + 3, c->nonce_len) || salt64.len > 88)
        return LH_EPROTO;
    long sl = lh_base64_decode(salt64.ptr, salt64.len, salt, sizeof salt);
    if (sl < 1) return LH_EPROTO;
    if (derive(password, salt, (size_t)sl, (int)it, client, stored, c->server_key)) return LH_EIO;
    char cfw[LH_SCRAM_MSG_MAX];
    int n = snprintf(cfw, sizeof cfw, "c=biws,r=%.*s", (int)nonce.len, nonce.ptr);
    if (n < 0 || (size_t)n >= sizeof cfw) return LH_ETOOBIG;
    snprintf(c->auth_message, sizeof c->auth_message, "%s,%.*s,%s", c->client_first_bare,
             (int)sf.len, sf.ptr, cfw);
    lh_hmac_sha256(stored, 32, c->auth_message, strlen(c->auth_message), sig);
    for (int i = 0; i < 32; i++)
        proof[i] = client[i] ^ sig[i];
    lh_wipe(client, sizeof client);
    char p64[48];
    lh_base64_encode(proof, 32, p64);
    n = snprintf(out, cap, "%s,p=%s", cfw, p64);
    return n > 0 && (size_t)n < cap ? 0 : LH_ETOOBIG;
}

int lh_scram_client_verify(lh_scram_client_t *c, lh_str_t server_final)
{
    unsigned char sig[32];
    char want[48];
    lh_hmac_sha256(c->server_key, 32, c->auth_message, strlen(c->auth_message), sig);
    lh_base64_encode(sig, 32, want);
    lh_wipe(c->server_key, sizeof c->server_key);
    if (server_final.len != 2 + strlen(want) || memcmp(server_final.ptr, "v=", 2)) return LH_EAUTH;
    return lh_ct_equal(server_final.ptr + 2, want, strlen(want)) ? 0 : LH_EAUTH;
}
