/* A small cache of SigV4 signing keys, as the SDKs keep one: kSigning
 * depends only on (secret, date, region, service), so a client signing
 * thousands of requests a day with one key pair costs four HMACs once a day
 * instead of on every request. Entries are found by (access key, date,
 * region, service) and hold the SHA-256 of the secret they were derived
 * from: a request verified with another secret (after `user passwd`) misses
 * and replaces the entry, so a changed secret never meets an old key; a
 * removed user never gets this far (its access key is unknown). Bounded
 * (WAYS x SETS entries, the oldest of a set replaced), thread-safe (one
 * mutex around a lookup or an insert; the derivation runs outside it), and
 * the keys are wiped when replaced. Process-wide, like a memo of a pure
 * function: there is nothing per server to keep in it. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "core/crypto.h"
#include "store/auth_int.h"

#define SETS 64
#define WAYS 4

typedef struct {
    char access_key[129];
    char date8[9];
    char region[64];
    char service[32];
    unsigned char secret_hash[32];
    unsigned char key[32];
    uint64_t used; /* last use, for replacement; 0 = empty */
} kentry_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static kentry_t cache[SETS][WAYS];
static uint64_t clock_;
static uint64_t hits_, misses_;

static unsigned set_of(const char *ak, const char *date8, const char *region)
{
    uint64_t h = 14695981039346656037ull;
    for (const char *s = ak; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    for (const char *s = date8; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    for (const char *s = region; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (unsigned)(h % SETS);
}

static int fits(const char *ak, const char *date8, const char *region, const char *service)
{
    return strlen(ak) < sizeof cache[0][0].access_key && strlen(date8) < 9 &&
           strlen(region) < sizeof cache[0][0].region &&
           strlen(service) < sizeof cache[0][0].service;
}

static int matches(const kentry_t *e, const char *ak, const char *date8, const char *region,
                   const char *service)
{
    return e->used && !strcmp(e->access_key, ak) && !strcmp(e->date8, date8) &&
           !strcmp(e->region, region) && !strcmp(e->service, service);
}

void lh__sigv4_key_cached(const char *access_key, const char *secret, const char *date8,
                          const char *region, const char *service, unsigned char out[32])
{
    unsigned char sh[32];
    if (!fits(access_key, date8, region, service)) {
        lh__sigv4_key(secret, date8, region, service, out);
        return;
    }
    lh_sha256(secret, strlen(secret), sh);
    kentry_t *set = cache[set_of(access_key, date8, region)];
    pthread_mutex_lock(&mu);
    for (int i = 0; i < WAYS; i++) {
        if (matches(&set[i], access_key, date8, region, service) &&
            lh_ct_equal(set[i].secret_hash, sh, sizeof sh)) {
            memcpy(out, set[i].key, 32);
            set[i].used = ++clock_;
            hits_++;
            pthread_mutex_unlock(&mu);
            lh_wipe(sh, sizeof sh);
            return;
        }
    }
    misses_++;
    pthread_mutex_unlock(&mu);
    lh__sigv4_key(secret, date8, region, service, out);
    pthread_mutex_lock(&mu);
    kentry_t *victim = &set[0];
    for (int i = 0; i < WAYS; i++) {
        if (matches(&set[i], access_key, date8, region, service)) { /* the old secret's key */
            victim = &set[i];
            break;
        }
        if (set[i].used < victim->used) victim = &set[i];
    }
    lh_wipe(victim, sizeof *victim);
    memcpy(victim->access_key, access_key, strlen(access_key) + 1); /* lengths checked by fits() */
    memcpy(victim->date8, date8, strlen(date8) + 1);
    memcpy(victim->region, region, strlen(region) + 1);
    memcpy(victim->service, service, strlen(service) + 1);
    memcpy(victim->secret_hash, sh, sizeof sh);
    memcpy(victim->key, out, 32);
    victim->used = ++clock_;
    pthread_mutex_unlock(&mu);
    lh_wipe(sh, sizeof sh);
}

void lh__sigv4_keycache_stats(uint64_t *hits, uint64_t *misses)
{
    pthread_mutex_lock(&mu);
    *hits = hits_;
    *misses = misses_;
    pthread_mutex_unlock(&mu);
}
