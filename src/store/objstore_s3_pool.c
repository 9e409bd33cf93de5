/* The remote S3 back end's connections: a pool of up to
 * LH_OBJSTORE_S3_CONNS libcurl easy handles, each keeping its own keep-alive
 * connection. A request checks one out for its whole exchange (retries
 * included) and gives it back after, so up to LH_OBJSTORE_S3_CONNS calls run
 * at once on one handle of the interface; a further caller waits for a
 * handle to come back. Handles are made on first need (a handle that only
 * ever runs one call at a time keeps one connection) and reused newest
 * first. The handles share a DNS cache and TLS sessions through a CURLSH
 * (locked per kind of data); not the connection cache, which libcurl does
 * not support sharing between threads. */
#include <curl/curl.h>
#include <pthread.h>

#include "store/objstore_s3_int.h"

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *arg)
{
    (void)h;
    (void)access;
    s3_t *s = arg;
    if ((int)data >= 0 && (int)data < S3_SHARE_LOCKS) pthread_mutex_lock(&s->share_mu[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *arg)
{
    (void)h;
    s3_t *s = arg;
    if ((int)data >= 0 && (int)data < S3_SHARE_LOCKS) pthread_mutex_unlock(&s->share_mu[data]);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int lh__os3_pool_init(s3_t *s, lh_err_t *err)
{
    pthread_once(&curl_once, curl_init_once);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    for (int i = 0; i < S3_SHARE_LOCKS; i++)
        pthread_mutex_init(&s->share_mu[i], NULL);
    s->pool_ready = 1;
    s->share = curl_share_init();
    if (!s->share) return lh_err_set(err, LH_ENOMEM, "cannot create curl share");
    curl_share_setopt(s->share, CURLSHOPT_LOCKFUNC, share_lock);
    curl_share_setopt(s->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
    curl_share_setopt(s->share, CURLSHOPT_USERDATA, s);
    curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    return 0;
}

void lh__os3_pool_free(s3_t *s)
{
    if (!s->pool_ready) return;
    for (int i = 0; i < s->nidle; i++)
        curl_easy_cleanup(s->idle[i]); /* detaches it from the share */
    s->nidle = s->nmade = 0;
    if (s->share) curl_share_cleanup(s->share);
    s->share = NULL;
    for (int i = 0; i < S3_SHARE_LOCKS; i++)
        pthread_mutex_destroy(&s->share_mu[i]);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    s->pool_ready = 0;
}

CURL *lh__os3_pool_get(s3_t *s, lh_err_t *err)
{
    pthread_mutex_lock(&s->mu);
    while (s->nidle == 0 && s->nmade >= LH_OBJSTORE_S3_CONNS)
        pthread_cond_wait(&s->cv, &s->mu);
    if (s->nidle > 0) {
        CURL *c = s->idle[--s->nidle];
        pthread_mutex_unlock(&s->mu);
        return c;
    }
    s->nmade++;
    pthread_mutex_unlock(&s->mu);
    CURL *c = curl_easy_init();
    if (c) return c;
    pthread_mutex_lock(&s->mu);
    s->nmade--;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
    lh_err_set(err, LH_ENOMEM, "cannot create curl handle");
    return NULL;
}

void lh__os3_pool_put(s3_t *s, CURL *c)
{
    pthread_mutex_lock(&s->mu);
    s->idle[s->nidle++] = c;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->mu);
}
