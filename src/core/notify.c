/* The notifier of notify.h: a small fixed list of subscribers under one
 * mutex, and a count read without it so that announcing costs one atomic
 * load when no one listens. */
#include "core/notify.h"

#include <pthread.h>
#include <stdatomic.h>

#include "core/err.h"

#define MAX_SUBS 8

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    lh_notify_object_fn fn;
    void *arg;
} subs[MAX_SUBS];
static atomic_int nsubs;

int lh_notify_object_subscribe(lh_notify_object_fn fn, void *arg)
{
    int rc = LH_ENOMEM;
    pthread_mutex_lock(&mu);
    for (int i = 0; i < MAX_SUBS; i++)
        if (!subs[i].fn) {
            subs[i].fn = fn, subs[i].arg = arg;
            atomic_fetch_add(&nsubs, 1);
            rc = 0;
            break;
        }
    pthread_mutex_unlock(&mu);
    return rc;
}

void lh_notify_object_unsubscribe(lh_notify_object_fn fn, void *arg)
{
    pthread_mutex_lock(&mu); /* calls run under it: none is running once it is held */
    for (int i = 0; i < MAX_SUBS; i++)
        if (subs[i].fn == fn && subs[i].arg == arg) {
            subs[i].fn = NULL, subs[i].arg = NULL;
            atomic_fetch_sub(&nsubs, 1);
        }
    pthread_mutex_unlock(&mu);
}

void lh_notify_object_created(const char *bucket, const char *key, size_t keylen)
{
    if (!atomic_load_explicit(&nsubs, memory_order_relaxed)) return;
    pthread_mutex_lock(&mu);
    for (int i = 0; i < MAX_SUBS; i++)
        if (subs[i].fn) subs[i].fn(subs[i].arg, bucket, key, keylen);
    pthread_mutex_unlock(&mu);
}
