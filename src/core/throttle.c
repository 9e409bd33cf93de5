/* Login throttling (core/throttle.h): two bounded hash tables, one of access
 * keys and one of client addresses, each slot with a ring of its last
 * failure times; the delay for a failure follows from the larger count in
 * the window. Slots are found by a keyed hash (HMAC-SHA-256 under a random
 * key, truncated) within a probe window of PROBE slots; a miss takes a free
 * or stale slot of that window, else the one that failed least recently.
 * Also the process's failed-login record: the log line, the counter and the
 * shared throttle. */
#include "core/throttle.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/crypto.h"
#include "core/err.h"
#include "core/log.h"
#include "core/metrics.h"

#define PROBE 8     /* slots searched per name */
#define NAME_MAX 68 /* 64 characters shown, "...", NUL */
#define NAME_SHOWN 64

typedef struct {
    char name[NAME_MAX]; /* "" = free */
    int64_t t[LH_THROTTLE_RING];
    unsigned head, n; /* ring: next write position, entries in use */
    int64_t last;
} slot_t;

typedef struct {
    slot_t slot[LH_THROTTLE_SLOTS];
} table_t;

struct lh_throttle {
    pthread_mutex_t mu;
    unsigned char seed[32];
    table_t keys, addrs;
};

int lh_throttle_new(lh_throttle_t **out)
{
    lh_throttle_t *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t) return LH_ENOMEM;
    if (lh_random_bytes(t->seed, sizeof t->seed) != 0) {
        free(t);
        return LH_EIO;
    }
    pthread_mutex_init(&t->mu, NULL);
    *out = t;
    return 0;
}

void lh_throttle_free(lh_throttle_t *t)
{
    if (!t) return;
    pthread_mutex_destroy(&t->mu);
    free(t);
}

static size_t slot_of(const lh_throttle_t *t, const char *name)
{
    unsigned char d[32];
    uint64_t h = 0;
    lh_hmac_sha256(t->seed, sizeof t->seed, name, strlen(name), d);
    for (int i = 0; i < 8; i++)
        h = h << 8 | d[i];
    return (size_t)(h % LH_THROTTLE_SLOTS);
}

/* How good a slot is to take over: a free one best, then the one that
 * failed longest ago (a stale one has failed longer ago than the window). */
static int64_t idle_for(const slot_t *s, int64_t now)
{
    return s->name[0] ? now - s->last : INT64_MAX;
}

/* The slot of name (taking one over when it has none). */
static slot_t *find(const lh_throttle_t *t, table_t *tb, const char *name, int64_t now)
{
    size_t h = slot_of(t, name);
    slot_t *victim = NULL;
    for (size_t i = 0; i < PROBE; i++) {
        slot_t *s = &tb->slot[(h + i) % LH_THROTTLE_SLOTS];
        if (s->name[0] && !strcmp(s->name, name)) return s;
        if (!victim || idle_for(s, now) > idle_for(victim, now)) victim = s;
    }
    memset(victim, 0, sizeof *victim);
    snprintf(victim->name, sizeof victim->name, "%s", name);
    return victim;
}

/* Records a failure at now; returns the failures of the slot in the window. */
static unsigned record(slot_t *s, int64_t now)
{
    unsigned count = 0;
    s->t[s->head] = now;
    s->head = (s->head + 1) % LH_THROTTLE_RING;
    if (s->n < LH_THROTTLE_RING) s->n++;
    s->last = now;
    for (unsigned i = 0; i < s->n; i++)
        if (now - s->t[i] < LH_THROTTLE_WINDOW_MS) count++;
    return count;
}

static unsigned delay_for(unsigned count)
{
    if (count <= LH_THROTTLE_FREE) return 0;
    unsigned n = count - LH_THROTTLE_FREE; /* 1 for the first failure beyond */
    if (n > 16) return LH_THROTTLE_MAX_MS;
    unsigned long d = (unsigned long)LH_THROTTLE_BASE_MS << (n - 1);
    return d > LH_THROTTLE_MAX_MS ? LH_THROTTLE_MAX_MS : (unsigned)d;
}

unsigned lh_throttle_fail(lh_throttle_t *t, const char *key, const char *addr, int64_t now_ms)
{
    unsigned ck = 0, ca = 0;
    if (!t) return 0;
    pthread_mutex_lock(&t->mu);
    if (key && *key) ck = record(find(t, &t->keys, key, now_ms), now_ms);
    if (addr && *addr) ca = record(find(t, &t->addrs, addr, now_ms), now_ms);
    pthread_mutex_unlock(&t->mu);
    return delay_for(ck > ca ? ck : ca);
}

/* --- the process's record --- */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static lh_throttle_t *process_throttle;

static void init_process(void)
{
    if (lh_throttle_new(&process_throttle) != 0) process_throttle = NULL;
    lh_metrics_register("lakehouse_auth_failures_total", LH_METRIC_COUNTER,
                        "failed logins and refused credentials by interface (iface=\"s3\", "
                        "\"rest\", ...)",
                        NULL, 0);
}

static int key_char(int ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("._@+=,:-", ch));
}

void lh_auth_key_for_log(const char *key, char *out, size_t cap)
{
    size_t n = 0;
    if (!cap) return;
    for (const char *p = key ? key : ""; *p && n < NAME_SHOWN && n + 1 < cap; p++)
        out[n++] = key_char((unsigned char)*p) ? *p : '?';
    out[n] = '\0';
    if (key && strlen(key) > n && n + 4 <= cap) memcpy(out + n, "...", 4);
}

/* The client's IP address without the port: "1.2.3.4:5" -> "1.2.3.4",
 * "[::1]:5" -> "::1". */
static void addr_of(const char *peer, char *out, size_t cap)
{
    const char *p = peer ? peer : "";
    size_t n;
    if (*p == '[') {
        p++;
        n = strcspn(p, "]");
    } else {
        const char *colon = strrchr(p, ':');
        n = colon && colon == strchr(p, ':') ? (size_t)(colon - p) : strlen(p);
    }
    snprintf(out, cap, "%.*s", (int)n, p);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned report(const char *iface, const char *reqid, const char *key, const char *peer,
                       const char *reason, int counted)
{
    char k[NAME_MAX], a[64], labels[64];
    unsigned delay = 0;
    pthread_once(&once, init_process);
    lh_auth_key_for_log(key, k, sizeof k);
    addr_of(peer, a, sizeof a);
    if (counted) delay = lh_throttle_fail(process_throttle, k, a, now_ms());
    snprintf(labels, sizeof labels, "iface=\"%s\"", iface);
    lh_metrics_add("lakehouse_auth_failures_total", labels, 1);
    lh_log(LH_LOG_WARN, reqid, "auth failed iface=%s key=%s addr=%s reason=%s delay_ms=%u", iface,
           k[0] ? k : "-", a[0] ? a : "-", reason ? reason : "-", delay);
    return delay;
}

unsigned lh_auth_failed(const char *iface, const char *reqid, const char *key, const char *peer,
                        const char *reason)
{
    return report(iface, reqid, key, peer, reason, 1);
}

void lh_auth_refused(const char *iface, const char *reqid, const char *key, const char *peer,
                     const char *reason)
{
    report(iface, reqid, key, peer, reason, 0);
}
