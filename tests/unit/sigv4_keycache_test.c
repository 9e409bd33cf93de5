/* Unit tests for the SigV4 signing-key cache (src/store/sigv4_keycache.c):
 * a cached key equals the derived one, a second lookup is a hit, each part
 * of the scope gets its own key, a changed secret (user passwd) never gets
 * the old key and a request signed with the old secret stops verifying,
 * many access keys stay correct past the bound, and threads hammering it
 * with several secrets always get the right key (run under ASan too). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "store/auth.h"
#include "store/auth_int.h"
#include "test.h"

static int same_key(const char *ak, const char *secret, const char *date8, const char *region,
                    const char *service)
{
    unsigned char want[32], got[32];
    lh__sigv4_key(secret, date8, region, service, want);
    lh__sigv4_key_cached(ak, secret, date8, region, service, got);
    return !memcmp(want, got, 32);
}

static void keycache_equals_derivation_and_hits(void)
{
    uint64_t h0, m0, h1, m1;
    lh__sigv4_keycache_stats(&h0, &m0);
    CHECK(same_key("AK1", "secret-one", "20260101", "us-east-1", "s3"));
    CHECK(same_key("AK1", "secret-one", "20260101", "us-east-1", "s3"));
    lh__sigv4_keycache_stats(&h1, &m1);
    CHECK_EQ_INT(m1 - m0, 1);
    CHECK_EQ_INT(h1 - h0, 1);
}

static void keycache_scope_parts_get_their_own_key(void)
{
    unsigned char a[32], b[32], c[32], d[32];
    lh__sigv4_key_cached("AK2", "secret-two", "20260101", "us-east-1", "s3", a);
    lh__sigv4_key_cached("AK2", "secret-two", "20260102", "us-east-1", "s3", b);
    lh__sigv4_key_cached("AK2", "secret-two", "20260101", "eu-west-1", "s3", c);
    lh__sigv4_key_cached("AK2", "secret-two", "20260101", "us-east-1", "sts", d);
    CHECK(memcmp(a, b, 32) && memcmp(a, c, 32) && memcmp(a, d, 32) && memcmp(b, c, 32));
    CHECK(same_key("AK2", "secret-two", "20260102", "us-east-1", "s3"));
    CHECK(same_key("AK2", "secret-two", "20260101", "eu-west-1", "s3"));
    CHECK(same_key("AK2", "secret-two", "20260101", "us-east-1", "sts"));
}

/* A request signed by the client side at now, verified with secret. */
static int verify(const char *ak, const char *sign_secret, const char *verify_secret, int64_t now)
{
    char auth[1024], date[17];
    lh_sign_input_t in = {.method = "GET",
                          .host = "127.0.0.1:9000",
                          .path = "/b/k",
                          .payload_hash = "UNSIGNED-PAYLOAD",
                          .access_key = ak,
                          .secret_key = sign_secret,
                          .region = "us-east-1",
                          .service = "s3",
                          .now = now};
    if (lh_sigv4_sign(&in, auth, sizeof auth, date)) return -100;
    lh_http_header_t hs[] = {
        {LH_STR("Host"), {"127.0.0.1:9000", 14}},
        {LH_STR("x-amz-date"), {date, 16}},
        {LH_STR("x-amz-content-sha256"), LH_STR("UNSIGNED-PAYLOAD")},
        {LH_STR("Authorization"), {auth, strlen(auth)}},
    };
    lh_sig_request_t r = {
        .method = LH_STR("GET"), .path = LH_STR("/b/k"), .headers = hs, .nheaders = 4, .now = now};
    lh_sig_t sig;
    lh_err_t err = {0};
    int rc = lh_sig_parse(&r, &sig, &err);
    return rc ? rc : lh_sig_verify(&r, &sig, verify_secret, &err);
}

static void keycache_changed_secret_never_meets_old_key(void)
{
    int64_t now = (int64_t)time(NULL);
    CHECK_EQ_INT(verify("carol", "old-secret-1", "old-secret-1", now), 0);
    CHECK_EQ_INT(verify("carol", "old-secret-1", "old-secret-1", now), 0); /* from the cache */
    /* passwd: the server now verifies with the new secret */
    CHECK_EQ_INT(verify("carol", "old-secret-1", "new-secret-2", now), LH_EAUTH);
    CHECK_EQ_INT(verify("carol", "new-secret-2", "new-secret-2", now), 0);
    CHECK_EQ_INT(verify("carol", "old-secret-1", "new-secret-2", now), LH_EAUTH);
    CHECK(same_key("carol", "new-secret-2", "20260101", "us-east-1", "s3"));
    CHECK(same_key("carol", "old-secret-1", "20260101", "us-east-1", "s3"));
    CHECK(same_key("carol", "new-secret-2", "20260101", "us-east-1", "s3"));
}

static void keycache_many_access_keys_past_the_bound(void)
{
    char ak[32], sk[32];
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 1000; i++) {
            snprintf(ak, sizeof ak, "user%04d", i);
            snprintf(sk, sizeof sk, "secret-%04d", i);
            CHECK(same_key(ak, sk, "20260101", "us-east-1", "s3"));
        }
}

static void keycache_long_fields_bypass(void)
{
    char ak[200];
    memset(ak, 'a', sizeof ak - 1);
    ak[sizeof ak - 1] = 0;
    CHECK(same_key(ak, "secret-long", "20260101", "us-east-1", "s3"));
}

static void *hammer(void *arg)
{
    long id = (long)arg;
    char sk[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(sk, sizeof sk, "secret-%ld-%d", id % 3, i % 5); /* secrets change under it */
        if (!same_key(id % 2 ? "shared" : "other", sk, "20260101", "us-east-1", "s3"))
            return (void *)1;
    }
    return NULL;
}

static void keycache_concurrent_threads_get_right_keys(void)
{
    pthread_t t[6];
    void *bad = NULL;
    for (long i = 0; i < 6; i++)
        pthread_create(&t[i], NULL, hammer, (void *)i);
    int wrong = 0;
    for (int i = 0; i < 6; i++) {
        pthread_join(t[i], &bad);
        wrong += bad != NULL;
    }
    CHECK_EQ_INT(wrong, 0);
}

static const lh_test_t tests[] = {
    {"keycache_equals_derivation_and_hits", keycache_equals_derivation_and_hits},
    {"keycache_scope_parts_get_their_own_key", keycache_scope_parts_get_their_own_key},
    {"keycache_changed_secret_never_meets_old_key", keycache_changed_secret_never_meets_old_key},
    {"keycache_many_access_keys_past_the_bound", keycache_many_access_keys_past_the_bound},
    {"keycache_long_fields_bypass", keycache_long_fields_bypass},
    {"keycache_concurrent_threads_get_right_keys", keycache_concurrent_threads_get_right_keys},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return lh_test_main(tests, argc, argv);
}
