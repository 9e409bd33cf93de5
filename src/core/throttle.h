/* Failed logins: one log line per failure, a counter per interface, and
 * login throttling. Every service that checks credentials (S3 signatures,
 * the REST API's Basic and bearer credentials; later Kafka SASL and the
 * PostgreSQL wire) reports each failure here and holds its answer for the
 * delay it gets back, on a loop timer (lh_loop_after), never in a sleeping
 * thread. Successes are not reported and never wait.
 *
 * The rule: failures are counted per access key and per client address over
 * a sliding window of LH_THROTTLE_WINDOW_MS. The first LH_THROTTLE_FREE
 * failures in the window are answered at once; the n-th one beyond them
 * waits LH_THROTTLE_BASE_MS << (n - 1), at most LH_THROTTLE_MAX_MS
 * (0.25 s, 0.5 s, 1 s, 2 s, 4 s, then 5 s). The key's count and the
 * address's count are both taken, and the larger decides.
 *
 * Memory is bounded: LH_THROTTLE_SLOTS keys and as many addresses, each with
 * its last LH_THROTTLE_RING failure times; a key or address whose failures
 * all left the window is forgotten, and when the table is full the one that
 * failed least recently is forgotten first. Keys are hashed with a random
 * seed, so a client cannot choose keys that push out a given one.
 *
 * Thread-safe: one mutex per throttle. */
#ifndef LH_CORE_THROTTLE_H
#define LH_CORE_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#define LH_THROTTLE_WINDOW_MS 60000 /* the sliding window */
#define LH_THROTTLE_FREE 5          /* failures in the window answered at once */
#define LH_THROTTLE_BASE_MS 250     /* the first delay; doubles per further failure */
#define LH_THROTTLE_MAX_MS 5000     /* the longest delay */
#define LH_THROTTLE_SLOTS 512       /* keys (and addresses) remembered */
#define LH_THROTTLE_RING 12         /* failure times kept per key or address */

typedef struct lh_throttle lh_throttle_t;

/* A throttle with empty tables. Owned by the caller: lh_throttle_free.
 * Errors: LH_ENOMEM; LH_EIO (no randomness for the hash seed). */
int lh_throttle_new(lh_throttle_t **out);
/* NULL is fine. */
void lh_throttle_free(lh_throttle_t *t);
/* Records one failure of key from addr at now_ms (a monotonic clock in
 * milliseconds); key or addr NULL or "" is not counted. Returns the delay,
 * in milliseconds, before this failure may be answered (0 for the first
 * LH_THROTTLE_FREE in the window). Out of memory it counts nothing and
 * returns 0. */
unsigned lh_throttle_fail(lh_throttle_t *t, const char *key, const char *addr, int64_t now_ms);

/* --- the process's failed-login record (every interface shares it) --- */

/* A failed login by something that could be a guess: a wrong secret, an
 * unknown access key, a bad or unknown token. Logs (WARN)
 *   auth failed iface=<iface> key=<key> addr=<addr> reason=<reason> delay_ms=<n>
 * (with the request id when reqid is not NULL), key shown as sent but
 * sanitized (characters outside
 * [A-Za-z0-9._@+=,:-] become '?', at most 64 shown, "..." after a cut) and
 * addr the client's IP address without its port; counts
 * lakehouse_auth_failures_total{iface}; records it in the process's
 * throttle. Never pass a secret. Returns the delay to hold the answer for.
 * Any thread. */
unsigned lh_auth_failed(const char *iface, const char *reqid, const char *key, const char *peer,
                        const char *reason);
/* A refused request that is no guess (an expired presigned URL, a skewed
 * clock, a malformed credential header checked before any secret): the same
 * log line and counter, not counted by the throttle, never delayed. */
void lh_auth_refused(const char *iface, const char *reqid, const char *key, const char *peer,
                     const char *reason);
/* key sanitized for logs as above into out (cap >= 68 bytes). */
void lh_auth_key_for_log(const char *key, char *out, size_t cap);

#endif
