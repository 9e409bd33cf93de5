/* Unit tests for core/scram: the RFC 7677 example exchange byte for byte
 * (server and client sides, the server nonce injected), a round trip with
 * random nonces, and tables of malformed or hostile client messages with the
 * RFC 5802 error each must produce. */
#include "core/err.h"
#include "core/scram.h"
#include "test.h"

/* RFC 7677 section 3. */
#define PASSWORD "pencil"
#define SALT64 "W22ZaJ0SNY7soEsUEjb6gQ=="
#define CNONCE "rOprNGfwEbeRWgbNEkqO"
#define SNONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define CLIENT_FIRST "n,,n=user,r=" CNONCE
#define SERVER_FIRST "r=" CNONCE SNONCE ",s=" SALT64 ",i=4096"
#define CLIENT_FINAL "c=biws,r=" CNONCE SNONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define SERVER_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

#define S(lit) ((lh_str_t){(lit), strlen(lit)})

static void rfc_verifier(char *v, size_t cap)
{
    unsigned char salt[16];
    v[0] = 0;
    if (lh_base64_decode(SALT64, strlen(SALT64), salt, sizeof salt) == 16)
        lh_scram_verifier_make(PASSWORD, salt, 16, 4096, v, cap);
}

/* Runs the RFC exchange up to server-first on sc; 0 when it went as published. */
static int rfc_first(lh_scram_t *sc, const char *client_first)
{
    char v[256], out[LH_SCRAM_MSG_MAX];
    rfc_verifier(v, sizeof v);
    if (lh_scram_server_start(sc, S(client_first))) return -1;
    if (lh_scram_server_first(sc, v, SNONCE, out, sizeof out)) return -2;
    return strcmp(client_first, CLIENT_FIRST) || !strcmp(out, SERVER_FIRST) ? 0 : -3;
}

static void rfc7677_server_exchange(void)
{
    lh_scram_t sc;
    char v[256], out[LH_SCRAM_MSG_MAX];
    rfc_verifier(v, sizeof v);
    CHECK(!strncmp(v, "SCRAM-SHA-256$4096:" SALT64 "$", 44));
    CHECK_EQ_INT(lh_scram_server_start(&sc, S(CLIENT_FIRST)), 0);
    CHECK_EQ_STR(lh_scram_user(&sc), "user");
    CHECK_EQ_INT(lh_scram_server_first(&sc, v, SNONCE, out, sizeof out), 0);
    CHECK_EQ_STR(out, SERVER_FIRST);
    CHECK_EQ_INT(lh_scram_server_final(&sc, S(CLIENT_FINAL), out, sizeof out), 0);
    CHECK_EQ_STR(out, SERVER_FINAL);
    CHECK_EQ_INT(sc.state, LH_SCRAM_DONE);
    CHECK(sc.error == NULL);
    lh_scram_server_clear(&sc);
    CHECK_EQ_INT(sc.state, 0);
}

static void rfc7677_client_exchange(void)
{
    lh_scram_client_t c;
    char out[LH_SCRAM_MSG_MAX];
    CHECK_EQ_INT(lh_scram_client_first(&c, "user", CNONCE, out, sizeof out), 0);
    CHECK_EQ_STR(out, CLIENT_FIRST);
    CHECK_EQ_INT(lh_scram_client_final(&c, PASSWORD, S(SERVER_FIRST), out, sizeof out), 0);
    CHECK_EQ_STR(out, CLIENT_FINAL);
    CHECK_EQ_INT(lh_scram_client_verify(&c, S(SERVER_FINAL)), 0);
}

static void client_rejects_a_forged_server(void)
{
    lh_scram_client_t c;
    char out[LH_SCRAM_MSG_MAX];
    CHECK_EQ_INT(lh_scram_client_first(&c, "user", CNONCE, out, sizeof out), 0);
    CHECK_EQ_INT(lh_scram_client_final(&c, PASSWORD, S(SERVER_FIRST), out, sizeof out), 0);
    CHECK_EQ_INT(lh_scram_client_verify(&c, S("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")),
                 LH_EAUTH);
    CHECK_EQ_INT(lh_scram_client_first(&c, "user", CNONCE, out, sizeof out), 0);
    CHECK_EQ_INT(lh_scram_client_final(&c, PASSWORD, S(SERVER_FIRST), out, sizeof out), 0);
    CHECK_EQ_INT(lh_scram_client_verify(&c, S("e=invalid-proof")), LH_EAUTH);
    /* a server nonce that does not extend the client's */
    CHECK_EQ_INT(lh_scram_client_first(&c, "user", CNONCE, out, sizeof out), 0);
    CHECK_EQ_INT(lh_scram_client_final(&c, PASSWORD, S("r=xyz" SNONCE ",s=" SALT64 ",i=4096"), out,
                                       sizeof out),
                 LH_EPROTO);
}

/* Random nonces both ways, a user name that needs =2C/=3D, a fresh salt. */
static void roundtrip_random_nonces(void)
{
    const char *user = "a,b=c";
    unsigned char salt[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    char v[256], m1[LH_SCRAM_MSG_MAX], m2[LH_SCRAM_MSG_MAX], m3[LH_SCRAM_MSG_MAX],
        m4[LH_SCRAM_MSG_MAX];
    lh_scram_client_t c;
    lh_scram_t sc;
    CHECK_EQ_INT(lh_scram_verifier_make("s3cret-pass", salt, 16, 1000, v, sizeof v), 0);
    CHECK_EQ_INT(lh_scram_client_first(&c, user, NULL, m1, sizeof m1), 0);
    CHECK(strstr(m1, "n=a=2Cb=3Dc,r=") != NULL);
    CHECK_EQ_INT(lh_scram_server_start(&sc, S(m1)), 0);
    CHECK_EQ_STR(lh_scram_user(&sc), user);
    CHECK_EQ_INT(lh_scram_server_first(&sc, v, NULL, m2, sizeof m2), 0);
    CHECK_EQ_INT(lh_scram_client_final(&c, "s3cret-pass", S(m2), m3, sizeof m3), 0);
    CHECK_EQ_INT(lh_scram_server_final(&sc, S(m3), m4, sizeof m4), 0);
    CHECK_EQ_INT(lh_scram_client_verify(&c, S(m4)), 0);
}

/* Kafka's ScramSaslServer accepts a final nonce that ends with the server's
 * (librdkafka 2.0 repeats its client nonce in front); only with the flag. */
static void nonce_with_a_prefix_only_when_allowed(void)
{
    unsigned char salt[16] = {0};
    char v[256], m1[LH_SCRAM_MSG_MAX], m2[LH_SCRAM_MSG_MAX], fin[2 * LH_SCRAM_MSG_MAX],
        out[LH_SCRAM_MSG_MAX];
    lh_scram_client_t c;
    CHECK_EQ_INT(lh_scram_verifier_make("pw-123456", salt, 16, 64, v, sizeof v), 0);
    for (int allow = 0; allow <= 1; allow++) {
        lh_scram_t sc;
        CHECK_EQ_INT(lh_scram_client_first(&c, "user", CNONCE, m1, sizeof m1), 0);
        CHECK_EQ_INT(lh_scram_server_start(&sc, S(m1)), 0);
        sc.nonce_suffix_ok = allow;
        CHECK_EQ_INT(lh_scram_server_first(&sc, v, SNONCE, m2, sizeof m2), 0);
        snprintf(fin, sizeof fin, "c=biws,r=%s%s,p=%s", CNONCE, sc.nonce,
                 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        int rc = lh_scram_server_final(&sc, S(fin), out, sizeof out);
        CHECK_EQ_INT(rc, allow ? LH_EAUTH : LH_EPROTO);
        CHECK_EQ_STR(out, allow ? "e=invalid-proof" : "e=other-error");
    }
}

static void wrong_password_is_invalid_proof(void)
{
    unsigned char salt[16] = {0};
    char v[256], m1[LH_SCRAM_MSG_MAX], m2[LH_SCRAM_MSG_MAX], m3[LH_SCRAM_MSG_MAX],
        m4[LH_SCRAM_MSG_MAX];
    lh_scram_client_t c;
    lh_scram_t sc;
    CHECK_EQ_INT(lh_scram_verifier_make("right-password", salt, 16, 64, v, sizeof v), 0);
    CHECK_EQ_INT(lh_scram_client_first(&c, "user", NULL, m1, sizeof m1), 0);
    CHECK_EQ_INT(lh_scram_server_start(&sc, S(m1)), 0);
    CHECK_EQ_INT(lh_scram_server_first(&sc, v, NULL, m2, sizeof m2), 0);
    CHECK_EQ_INT(lh_scram_client_final(&c, "wrong-password", S(m2), m3, sizeof m3), 0);
    CHECK_EQ_INT(lh_scram_server_final(&sc, S(m3), m4, sizeof m4), LH_EAUTH);
    CHECK_EQ_STR(m4, "e=invalid-proof");
    CHECK_EQ_STR(sc.error, "invalid-proof");
    CHECK_EQ_INT(sc.state, LH_SCRAM_FAILED);
    /* a failed exchange stays failed */
    CHECK_EQ_INT(lh_scram_server_final(&sc, S(m3), m4, sizeof m4), LH_EPROTO);
    CHECK_EQ_STR(m4, "e=other-error");
}

static const struct {
    const char *msg;
    const char *error;
} bad_first[] = {
    {"p=tls-server-end-point,,n=user,r=" CNONCE, "channel-binding-not-supported"},
    {"n,,m=ext,n=user,r=" CNONCE, "extensions-not-supported"},
    {"n,,n=us=er,r=" CNONCE, "invalid-username-encoding"},
    {"n,,n=us=2,r=" CNONCE, "invalid-username-encoding"},
    {"n,a=other,n=user,r=" CNONCE, "other-error"},
    {"n,,n=user", "invalid-encoding"},
    {"n,,n=user,r=", "invalid-encoding"},
    {"n,,n=user,r=a b", "invalid-encoding"},
    {"n,,r=" CNONCE, "invalid-username-encoding"},
    {"x,,n=user,r=" CNONCE, "invalid-encoding"},
    {"n,n=user,r=" CNONCE, "invalid-encoding"},
    {"n", "invalid-encoding"},
    {"", "invalid-encoding"},
};

static void client_first_errors(void)
{
    for (size_t i = 0; i < sizeof bad_first / sizeof bad_first[0]; i++) {
        lh_scram_t sc;
        int rc = lh_scram_server_start(&sc, S(bad_first[i].msg));
        if (rc != LH_EPROTO || !sc.error || strcmp(sc.error, bad_first[i].error))
            fprintf(stderr, "  case %zu: \"%s\" -> %d %s\n", i, bad_first[i].msg, rc,
                    sc.error ? sc.error : "(none)");
        CHECK_EQ_INT(rc, LH_EPROTO);
        CHECK_EQ_STR(sc.error, bad_first[i].error);
        CHECK_EQ_INT(sc.state, LH_SCRAM_FAILED);
    }
}

/* What a server accepts in a client-first: authzid equal to the user, 'y',
 * an empty user (PostgreSQL's libpq), extensions after the nonce. */
static void client_first_accepted_forms(void)
{
    static const char *const ok[] = {"n,a=user,n=user,r=" CNONCE, "y,,n=user,r=" CNONCE,
                                     "n,,n=,r=" CNONCE, "n,,n=user,r=" CNONCE ",x=ext"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        lh_scram_t sc;
        CHECK_EQ_INT(lh_scram_server_start(&sc, S(ok[i])), 0);
        CHECK_EQ_INT(sc.state, LH_SCRAM_STARTED);
    }
    lh_scram_t sc;
    CHECK_EQ_INT(lh_scram_server_start(&sc, S("n,,n=,r=" CNONCE)), 0);
    CHECK_EQ_STR(lh_scram_user(&sc), "");
}

static const struct {
    const char *first; /* client-first (RFC nonce) */
    const char *final;
    int rc;
    const char *error;
} bad_final[] = {
    {CLIENT_FIRST, "c=eSws,r=" CNONCE SNONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
     LH_EPROTO, "channel-bindings-dont-match"},
    {"y,,n=user,r=" CNONCE, CLIENT_FINAL, LH_EPROTO, "channel-bindings-dont-match"},
    {"n,a=user,n=user,r=" CNONCE, CLIENT_FINAL, LH_EPROTO, "channel-bindings-dont-match"},
    {CLIENT_FIRST, "c=biws,r=" CNONCE "x,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", LH_EPROTO,
     "other-error"},
    {CLIENT_FIRST, "c=biws,r=" CNONCE SNONCE, LH_EPROTO, "invalid-encoding"},
    {CLIENT_FIRST, "c=biws,r=" CNONCE SNONCE ",p=!!!!", LH_EPROTO, "invalid-encoding"},
    {CLIENT_FIRST, "c=biws,r=" CNONCE SNONCE ",p=dHzb", LH_EPROTO, "invalid-encoding"},
    {CLIENT_FIRST, CLIENT_FINAL ",x=1", LH_EPROTO, "invalid-encoding"},
    {CLIENT_FIRST, CLIENT_FINAL ",", LH_EPROTO, "invalid-encoding"},
    {CLIENT_FIRST, "r=" CNONCE SNONCE ",c=biws,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
     LH_EPROTO, "invalid-encoding"},
    {CLIENT_FIRST, "c=biws,r=" CNONCE SNONCE ",p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
     LH_EAUTH, "invalid-proof"},
    /* an extension is signed too: adding one breaks the proof */
    {CLIENT_FIRST, "c=biws,r=" CNONCE SNONCE ",x=1,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
     LH_EAUTH, "invalid-proof"},
};

static void client_final_errors(void)
{
    for (size_t i = 0; i < sizeof bad_final / sizeof bad_final[0]; i++) {
        lh_scram_t sc;
        char out[LH_SCRAM_MSG_MAX], want[64];
        CHECK_EQ_INT(rfc_first(&sc, bad_final[i].first), 0);
        int rc = lh_scram_server_final(&sc, S(bad_final[i].final), out, sizeof out);
        if (rc != bad_final[i].rc)
            fprintf(stderr, "  case %zu -> %d %s\n", i, rc, sc.error ? sc.error : "(none)");
        CHECK_EQ_INT(rc, bad_final[i].rc);
        CHECK_EQ_STR(sc.error, bad_final[i].error);
        snprintf(want, sizeof want, "e=%s", bad_final[i].error);
        CHECK_EQ_STR(out, want);
    }
}

static void calls_out_of_order_fail(void)
{
    lh_scram_t sc = {0};
    char v[256], out[LH_SCRAM_MSG_MAX];
    rfc_verifier(v, sizeof v);
    CHECK_EQ_INT(lh_scram_server_first(&sc, v, SNONCE, out, sizeof out), LH_EINVAL);
    CHECK_EQ_STR(sc.error, "other-error");
    CHECK_EQ_INT(lh_scram_server_start(&sc, S(CLIENT_FIRST)), 0);
    CHECK_EQ_INT(lh_scram_server_final(&sc, S(CLIENT_FINAL), out, sizeof out), LH_EPROTO);
    CHECK_EQ_STR(out, "e=other-error");
    CHECK_EQ_INT(lh_scram_server_start(&sc, S(CLIENT_FIRST)), 0);
    CHECK_EQ_INT(lh_scram_server_first(&sc, "md5abc", SNONCE, out, sizeof out), LH_EINVAL);
    CHECK_EQ_INT(lh_scram_server_start(&sc, S(CLIENT_FIRST)), 0);
    CHECK_EQ_INT(lh_scram_server_first(&sc, v, "bad,nonce", out, sizeof out), LH_EINVAL);
    CHECK_EQ_INT(lh_scram_server_start(&sc, S(CLIENT_FIRST)), 0);
    CHECK_EQ_INT(lh_scram_server_first(&sc, v, SNONCE, out, 10), LH_ETOOBIG);
    CHECK_EQ_INT(rfc_first(&sc, CLIENT_FIRST), 0);
    CHECK_EQ_INT(lh_scram_server_final(&sc, S(CLIENT_FINAL), out, 10), LH_ETOOBIG);
}

/* An unknown user gets a salt like anyone's, the same one each time, and
 * fails at the proof like a wrong password. */
static void unknown_user_fails_at_the_proof(void)
{
    char s1[LH_SCRAM_MSG_MAX], s2[LH_SCRAM_MSG_MAX], s3[LH_SCRAM_MSG_MAX], out[LH_SCRAM_MSG_MAX];
    lh_scram_t sc;
    CHECK_EQ_INT(lh_scram_server_start(&sc, S("n,,n=ghost,r=abc")), 0);
    CHECK_EQ_INT(lh_scram_server_first(&sc, NULL, "def", s1, sizeof s1), 0);
    CHECK(!strncmp(s1, "r=abcdef,s=", 11) && strstr(s1, ",i=4096"));
    CHECK_EQ_INT(lh_scram_server_start(&sc, S("n,,n=ghost,r=abc")), 0);
    CHECK_EQ_INT(lh_scram_server_first(&sc, NULL, "def", s2, sizeof s2), 0);
    CHECK_EQ_STR(s1, s2);
    CHECK_EQ_INT(lh_scram_server_start(&sc, S("n,,n=spirit,r=abc")), 0);
    CHECK_EQ_INT(lh_scram_server_first(&sc, NULL, "def", s3, sizeof s3), 0);
    CHECK(strcmp(s1, s3) != 0);
    lh_scram_client_t c;
    char m1[LH_SCRAM_MSG_MAX], m3[LH_SCRAM_MSG_MAX];
    CHECK_EQ_INT(lh_scram_client_first(&c, "ghost", "abc", m1, sizeof m1), 0);
    CHECK_EQ_INT(lh_scram_server_start(&sc, S(m1)), 0);
    CHECK_EQ_INT(lh_scram_server_first(&sc, NULL, "def", s1, sizeof s1), 0);
    CHECK_EQ_INT(lh_scram_client_final(&c, "anything", S(s1), m3, sizeof m3), 0);
    CHECK_EQ_INT(lh_scram_server_final(&sc, S(m3), out, sizeof out), LH_EAUTH);
    CHECK_EQ_STR(out, "e=invalid-proof");
}

static const char *const bad_verifiers[] = {
    "md520c46e3762c864548e296b33c3406aa9",
    "SCRAM-SHA-256$0:" SALT64 "$AAAA:AAAA",
    "SCRAM-SHA-256$4096:" SALT64 "$AAAA:AAAA",
    "SCRAM-SHA-256$4096:!!!!$q1gwRBHPOsA4MpTrW6Nyx4H6TkzPCW9bDrwOKHzJI24="
    ":iLDiJ/8pmMYZtBpKnKQGiXi99o/lPeDTKQQU5NCYBfs=",
    "SCRAM-SHA-256$4096:" SALT64,
    "SCRAM-SHA-256$x:" SALT64 "$AAAA:AAAA",
    "",
};

static void verifier_parse(void)
{
    char v[256];
    lh_scram_verifier_t pv;
    rfc_verifier(v, sizeof v);
    CHECK_EQ_INT(lh_scram_verifier_parse(v, &pv), 0);
    CHECK_EQ_INT(pv.iterations, 4096);
    CHECK_EQ_INT(pv.saltlen, 16);
    for (size_t i = 0; i < sizeof bad_verifiers / sizeof bad_verifiers[0]; i++)
        CHECK_EQ_INT(lh_scram_verifier_parse(bad_verifiers[i], &pv), LH_EINVAL);
    unsigned char salt[16] = {0};
    CHECK_EQ_INT(lh_scram_verifier_make("p", salt, 16, 1, v, 20), LH_ETOOBIG);
    CHECK_EQ_INT(lh_scram_verifier_make("p", salt, 0, 1, v, sizeof v), LH_EINVAL);
    CHECK_EQ_INT(lh_scram_verifier_make("p", salt, 16, 0, v, sizeof v), LH_EINVAL);
}

static const lh_test_t tests[] = {
    {"rfc7677_server_exchange", rfc7677_server_exchange},
    {"rfc7677_client_exchange", rfc7677_client_exchange},
    {"client_rejects_a_forged_server", client_rejects_a_forged_server},
    {"roundtrip_random_nonces", roundtrip_random_nonces},
    {"wrong_password_is_invalid_proof", wrong_password_is_invalid_proof},
    {"nonce_with_a_prefix_only_when_allowed", nonce_with_a_prefix_only_when_allowed},
    {"client_first_errors", client_first_errors},
    {"client_first_accepted_forms", client_first_accepted_forms},
    {"client_final_errors", client_final_errors},
    {"calls_out_of_order_fail", calls_out_of_order_fail},
    {"unknown_user_fails_at_the_proof", unknown_user_fails_at_the_proof},
    {"verifier_parse", verifier_parse},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
