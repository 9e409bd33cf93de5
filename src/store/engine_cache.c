/* The embedded store's read cache: the metadata and bytes of small inline
 * objects and the rows of buckets, in memory, so that a hot small GET (and
 * every authorization's bucket lookup) is answered without SQLite and, on
 * the S3 side, without a trip through the worker pool. Lookups never block
 * on anything but a short mutex, so a loop thread may call them.
 *
 * Correctness rule: an entry in the cache is always the row as committed
 * now. Writers keep it with two marks per stripe (a stripe is a hash of
 * bucket and key, or of the bucket name, into STRIPES counters):
 *   begin  inside the index transaction, before its commit (lh__cache_obj_begin,
 *          lh__cache_bucket_begin): the entry is dropped, the stripe's sequence
 *          is bumped and the stripe is marked pending;
 *   end    after the batch committed or failed (lh__cache_batch_end): the
 *          sequence is bumped again and the pending mark removed.
 * A reader that misses takes a ticket (the stripe's sequence, or 0 while the
 * stripe is pending) before its SQLite read, and may fill the entry only
 * when the ticket still equals the sequence: no writer began or ended on
 * that stripe in between, so what it read is what is committed. Every
 * object or bucket write goes through lh__obj_upsert, the delete operation
 * or a bucket operation, which call begin; the group commit calls end
 * before the writers are acknowledged.
 *
 * Memory: at most max bytes of entries (lh_store_set_cache_max), least
 * recently used evicted first; only inline objects are kept. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/engine_int.h"

#define STRIPES 256
#define NSLOTS 8192

typedef struct centry {
    struct centry *hnext;       /* hash chain */
    struct centry *prev, *next; /* LRU list, most recent first */
    uint64_t h;
    int is_bucket;
    size_t cost;
    char bucket[64];
    const char *key; /* objects: into the block */
    size_t keylen;
    lh_store_meta_t meta;   /* objects: attrs into the block */
    const char *data;       /* objects: meta.size bytes into the block */
    lh_store_bucket_t info; /* buckets: policy into the block */
    char block[];
} centry_t;

struct lh__cache {
    pthread_mutex_t mu;
    size_t max, used;
    centry_t *slots[NSLOTS];
    centry_t lru; /* sentinel */
    uint64_t seq[STRIPES];
    uint32_t pending[STRIPES];
    uint32_t batch[STRIPES]; /* begins of the running batch (leader) */
    int in_batch;
    uint64_t hits, misses, fills;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ull;
    return h;
}

static uint64_t obj_hash(const char *bucket, const char *key, size_t keylen)
{
    uint64_t h = fnv(14695981039346656037ull, bucket, strlen(bucket) + 1);
    return fnv(h, key, keylen);
}

static uint64_t bucket_hash(const char *bucket)
{
    return fnv(1099511628211ull * 31, bucket, strlen(bucket) + 1);
}

static unsigned stripe(uint64_t h)
{
    return (unsigned)(h >> 56) % STRIPES;
}

int lh__cache_new(lh__cache_t **out)
{
    lh__cache_t *c = calloc(1, sizeof *c);
    if (!c) return LH_ENOMEM;
    pthread_mutex_init(&c->mu, NULL);
    c->max = LH_CACHE_MAX_DEFAULT;
    c->lru.prev = c->lru.next = &c->lru;
    for (int i = 0; i < STRIPES; i++)
        c->seq[i] = 1;
    *out = c;
    return 0;
}

static void unlink_entry(lh__cache_t *c, centry_t *e)
{
    centry_t **pp = &c->slots[e->h % NSLOTS];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    e->prev->next = e->next;
    e->next->prev = e->prev;
    c->used -= e->cost;
    free(e);
}

static void trim(lh__cache_t *c, size_t max)
{
    while (c->used > max && c->lru.prev != &c->lru)
        unlink_entry(c, c->lru.prev);
}

void lh__cache_free(lh__cache_t *c)
{
    if (!c) return;
    trim(c, 0);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

static int same(const centry_t *e, uint64_t h, int is_bucket, const char *bucket, const char *key,
                size_t keylen)
{
    return e->h == h && e->is_bucket == is_bucket && !strcmp(e->bucket, bucket) &&
           (is_bucket || (e->keylen == keylen && !memcmp(e->key, key, keylen)));
}

static centry_t *find(lh__cache_t *c, uint64_t h, int is_bucket, const char *bucket,
                      const char *key, size_t keylen)
{
    for (centry_t *e = c->slots[h % NSLOTS]; e; e = e->hnext)
        if (same(e, h, is_bucket, bucket, key, keylen)) return e;
    return NULL;
}

static void touch(lh__cache_t *c, centry_t *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
    e->next = c->lru.next;
    e->prev = &c->lru;
    c->lru.next->prev = e;
    c->lru.next = e;
}

/* Inserts e (replacing an entry with the same name); holds mu. */
static void insert(lh__cache_t *c, centry_t *e)
{
    centry_t *old = find(c, e->h, e->is_bucket, e->bucket, e->key, e->keylen);
    if (old) unlink_entry(c, old);
    e->hnext = c->slots[e->h % NSLOTS];
    c->slots[e->h % NSLOTS] = e;
    e->next = c->lru.next;
    e->prev = &c->lru;
    c->lru.next->prev = e;
    c->lru.next = e;
    c->used += e->cost;
    c->fills++;
    trim(c, c->max);
}

/* --- writers (the group commit's leader) --- */

static void begin(lh__cache_t *c, uint64_t h, int is_bucket, const char *bucket, const char *key,
                  size_t keylen)
{
    unsigned s = stripe(h);
    pthread_mutex_lock(&c->mu);
    centry_t *e = find(c, h, is_bucket, bucket, key, keylen);
    if (e) unlink_entry(c, e);
    c->seq[s]++;
    if (c->in_batch) {
        c->pending[s]++;
        c->batch[s]++;
    }
    pthread_mutex_unlock(&c->mu);
}

void lh__cache_obj_begin(lh_store_t *st, const char *bucket, const char *key, size_t keylen)
{
    begin(st->cache, obj_hash(bucket, key, keylen), 0, bucket, key, keylen);
}

void lh__cache_bucket_begin(lh_store_t *st, const char *bucket)
{
    begin(st->cache, bucket_hash(bucket), 1, bucket, NULL, 0);
}

void lh__cache_batch_begin(lh_store_t *st)
{
    pthread_mutex_lock(&st->cache->mu);
    st->cache->in_batch = 1;
    pthread_mutex_unlock(&st->cache->mu);
}

void lh__cache_batch_end(lh_store_t *st)
{
    lh__cache_t *c = st->cache;
    pthread_mutex_lock(&c->mu);
    for (int s = 0; s < STRIPES; s++) {
        if (!c->batch[s]) continue;
        c->pending[s] -= c->batch[s];
        c->batch[s] = 0;
        c->seq[s]++;
    }
    c->in_batch = 0;
    pthread_mutex_unlock(&c->mu);
}

/* --- readers --- */

static uint64_t ticket(lh__cache_t *c, uint64_t h)
{
    unsigned s = stripe(h);
    pthread_mutex_lock(&c->mu);
    uint64_t t = c->pending[s] || !c->max ? 0 : c->seq[s];
    pthread_mutex_unlock(&c->mu);
    return t;
}

uint64_t lh__cache_obj_ticket(lh_store_t *st, const char *bucket, const char *key, size_t keylen)
{
    return ticket(st->cache, obj_hash(bucket, key, keylen));
}

uint64_t lh__cache_bucket_ticket(lh_store_t *st, const char *bucket)
{
    return ticket(st->cache, bucket_hash(bucket));
}

/* Inserts e when ticket t is still good; frees it otherwise. */
static void fill(lh__cache_t *c, centry_t *e, uint64_t t)
{
    pthread_mutex_lock(&c->mu);
    if (t && t == c->seq[stripe(e->h)] && !c->pending[stripe(e->h)] && e->cost <= c->max / 4) {
        insert(c, e);
        e = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    free(e);
}

void lh__cache_obj_fill(lh_store_t *st, uint64_t t, const char *bucket, const char *key,
                        size_t keylen, const lh_store_meta_t *m, const void *data)
{
    if (!t || m->size < 0 || m->size > LH_STORE_INLINE_MAX_LIMIT) return;
    size_t alen = m->attrs ? strlen(m->attrs) + 1 : 0;
    size_t cost = sizeof(centry_t) + keylen + alen + (size_t)m->size;
    centry_t *e = malloc(cost);
    if (!e) return;
    memset(e, 0, sizeof *e);
    e->h = obj_hash(bucket, key, keylen);
    e->cost = cost;
    snprintf(e->bucket, sizeof e->bucket, "%s", bucket);
    char *p = e->block;
    memcpy(p, key, keylen);
    e->key = p;
    e->keylen = keylen;
    p += keylen;
    e->meta = *m;
    e->meta.attrs = NULL;
    if (alen) {
        memcpy(p, m->attrs, alen);
        e->meta.attrs = p;
        p += alen;
    }
    if (m->size) memcpy(p, data, (size_t)m->size);
    e->data = p;
    fill(st->cache, e, t);
}

void lh__cache_bucket_fill(lh_store_t *st, uint64_t t, const lh_store_bucket_t *b)
{
    if (!t) return;
    size_t plen = b->policy ? strlen(b->policy) + 1 : 0;
    size_t cost = sizeof(centry_t) + plen;
    centry_t *e = malloc(cost);
    if (!e) return;
    memset(e, 0, sizeof *e);
    e->h = bucket_hash(b->name);
    e->is_bucket = 1;
    e->cost = cost;
    snprintf(e->bucket, sizeof e->bucket, "%s", b->name);
    e->info = *b;
    e->info.policy = NULL;
    if (plen) {
        memcpy(e->block, b->policy, plen);
        e->info.policy = e->block;
    }
    fill(st->cache, e, t);
}

int lh_store_cached_get(lh_store_t *st, const char *bucket, const char *key, size_t keylen,
                        lh_store_meta_t *out, lh_buf_t *body)
{
    lh__cache_t *c = st->cache;
    uint64_t h = obj_hash(bucket, key, keylen);
    int rc = LH_ENOENT;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&c->mu);
    centry_t *e = find(c, h, 0, bucket, key, keylen);
    if (e) {
        *out = e->meta;
        out->attrs = e->meta.attrs ? strdup(e->meta.attrs) : NULL;
        rc = e->meta.attrs && !out->attrs ? LH_ENOMEM
             : body                       ? lh_buf_append(body, e->data, (size_t)e->meta.size)
                                          : 0;
        touch(c, e);
    }
    if (rc)
        c->misses++;
    else
        c->hits++;
    pthread_mutex_unlock(&c->mu);
    if (rc) lh_store_meta_clear(out);
    return rc;
}

int lh_store_cached_bucket(lh_store_t *st, const char *name, lh_store_bucket_t *out)
{
    lh__cache_t *c = st->cache;
    uint64_t h = bucket_hash(name);
    int rc = LH_ENOENT;
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&c->mu);
    centry_t *e = find(c, h, 1, name, NULL, 0);
    if (e) {
        *out = e->info;
        out->policy = e->info.policy ? strdup(e->info.policy) : NULL;
        rc = e->info.policy && !out->policy ? LH_ENOMEM : 0;
        touch(c, e);
    }
    pthread_mutex_unlock(&c->mu);
    return rc;
}

void lh_store_set_cache_max(lh_store_t *st, size_t bytes)
{
    lh__cache_t *c = st->cache;
    pthread_mutex_lock(&c->mu);
    c->max = bytes;
    trim(c, bytes);
    pthread_mutex_unlock(&c->mu);
}

void lh_store_cache_stats(lh_store_t *st, lh_store_cache_stats_t *out)
{
    lh__cache_t *c = st->cache;
    pthread_mutex_lock(&c->mu);
    out->hits = c->hits;
    out->misses = c->misses;
    out->fills = c->fills;
    out->bytes = c->used;
    pthread_mutex_unlock(&c->mu);
}
