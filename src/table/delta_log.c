/* The Delta log as this layer reads it (delta_int.h): the table handle,
 * listing `_delta_log/`, reading and parsing commits, and replaying them
 * into a state (the newest action per file wins, protocol and metadata the
 * latest, txn the latest per appId). The handle caches the newest state and
 * each read replays only the commits after it.
 *
 * Checkpoints: when the log still holds every commit from version 0 the
 * checkpoint is ignored and the JSON is replayed (the same state). A log
 * whose early commits were cleaned up starts from the newest checkpoint it
 * can reach (delta_checkpoint.c reads its Parquet). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/delta_int.h"

/* ---- shared memory ---- */

lh__delta_mem_t *lh__delta_mem_new(void)
{
    lh__delta_mem_t *m = calloc(1, sizeof *m);
    if (m) m->arena = lh_arena_new(64 << 10);
    if (m && !m->arena) {
        free(m);
        return NULL;
    }
    if (m) m->refs = 1;
    return m;
}

void lh__delta_mem_ref(lh__delta_mem_t *m)
{
    __atomic_fetch_add(&m->refs, 1, __ATOMIC_RELAXED);
}

void lh__delta_mem_unref(lh__delta_mem_t *m)
{
    if (!m || __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    lh_arena_free(m->arena);
    free(m);
}

/* ---- the handle ---- */

int lh_delta_open(lh_delta_table_t **out, lh_objstore_t *os, const char *bucket, const char *root,
                  lh_err_t *err)
{
    *out = NULL;
    size_t n = root ? strlen(root) : 0;
    while (n && root[n - 1] == '/')
        n--;
    if (!os || !bucket || !*bucket || (root && root[0] == '/') || n + 64 > LH_OBJSTORE_KEY_MAX)
        return lh_err_set(err, LH_EINVAL, "bad delta table location");
    lh_delta_table_t *t = calloc(1, sizeof *t);
    if (t) t->bucket = strdup(bucket);
    if (t) t->root = malloc(n + 2);
    if (!t || !t->bucket || !t->root) {
        lh_delta_close(t);
        return lh_err_set(err, LH_ENOMEM, "out of memory opening a delta table");
    }
    memcpy(t->root, root, n);
    if (n) t->root[n++] = '/';
    t->root[n] = 0;
    t->os = os;
    lh__delta_state_init(&t->cache);
    *out = t;
    return 0;
}

void lh_delta_close(lh_delta_table_t *t)
{
    if (!t) return;
    lh__delta_state_free(&t->cache);
    free(t->bucket);
    free(t->root);
    free(t);
}

const char *lh_delta_root(const lh_delta_table_t *t)
{
    return t->root;
}

void lh__delta_commit_key(const lh_delta_table_t *t, int64_t v, char *out, size_t cap)
{
    snprintf(out, cap, "%s" LH__DELTA_LOG_DIR "%020lld.json", t->root, (long long)v);
}

/* ---- listing ---- */

static int push64(int64_t **arr, size_t *n, size_t *cap, int64_t v)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        int64_t *p = realloc(*arr, c * sizeof *p);
        if (!p) return LH_ENOMEM;
        *arr = p;
        *cap = c;
    }
    (*arr)[(*n)++] = v;
    return 0;
}

typedef struct {
    lh__delta_listing_t *l;
    size_t skip; /* length of "<root>_delta_log/" */
    size_t mcap;
} list_ctx_t;

/* 20 digits then rest: the version, or -1. */
static int64_t version_of(const char *name, const char *rest, size_t restlen)
{
    int64_t v = 0;
    for (int i = 0; i < 20; i++) {
        if (name[i] < '0' || name[i] > '9') return -1;
        v = v * 10 + (name[i] - '0');
        if (v > INT64_MAX / 10 && i < 19) return -1;
    }
    return strncmp(name + 20, rest, restlen) ? -1 : v;
}

static int on_log_key(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *meta)
{
    list_ctx_t *c = arg;
    if (is_prefix || strlen(key) <= c->skip) return 0;
    const char *name = key + c->skip;
    size_t n = strlen(name);
    lh__delta_listing_t *l = c->l;
    if (!strcmp(name, "_last_checkpoint")) {
        l->last_checkpoint = true;
        return 0;
    }
    if (n < 21) return 0;
    int64_t v = version_of(name, ".json", 6);
    if (v >= 0) {
        size_t n0 = l->n;
        if (push64(&l->versions, &l->n, &l->cap, v)) return LH_ENOMEM;
        size_t m = n0;
        return push64(&l->mtimes, &m, &c->mcap, meta ? meta->mtime : 0);
    }
    v = version_of(name, ".checkpoint.", 12);
    if (v >= 0 && !strcmp(name + n - 8, ".parquet") &&
        (l->ncheckpoints == 0 || l->checkpoints[l->ncheckpoints - 1] != v))
        return push64(&l->checkpoints, &l->ncheckpoints, &l->ckcap, v);
    return 0;
}

/* Lists the log directory after version `after` (-1: all of it). Keys sort
 * by version, and a version's checkpoint and .crc sort before its .json, so
 * starting after "<after>.json" gives the later versions and
 * _last_checkpoint. */
int lh__delta_list(lh_delta_table_t *t, int64_t after, lh__delta_listing_t *out, lh_err_t *err)
{
    memset(out, 0, sizeof *out);
    char prefix[LH_OBJSTORE_KEY_MAX + 1], start[LH_OBJSTORE_KEY_MAX + 1] = "";
    snprintf(prefix, sizeof prefix, "%s" LH__DELTA_LOG_DIR, t->root);
    if (after >= 0) lh__delta_commit_key(t, after, start, sizeof start);
    list_ctx_t c = {.l = out, .skip = strlen(prefix)};
    int rc = lh_objstore_list_from(t->os, t->bucket, prefix, "/", start, 0, on_log_key, &c, err);
    if (rc == LH_ENOMEM) lh_err_set(err, rc, "out of memory listing %s", prefix);
    if (rc) lh__delta_listing_free(out);
    return rc;
}

void lh__delta_listing_free(lh__delta_listing_t *l)
{
    free(l->versions);
    free(l->mtimes);
    free(l->checkpoints);
    memset(l, 0, sizeof *l);
}

/* ---- the replay state ---- */

void lh__delta_state_init(lh__delta_state_t *s)
{
    memset(s, 0, sizeof *s);
    s->version = -1;
}

void lh__delta_state_free(lh__delta_state_t *s)
{
    lh__delta_mem_unref(s->mem);
    free(s->entries);
    free(s->txns);
    free(s->commits);
    lh__delta_state_init(s);
}

static uint64_t hash_key(const char *path, const char *dv)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = path; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    for (const char *p = dv; p && *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return h;
}

static bool same(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static lh__delta_entry_t *slot(lh__delta_entry_t *tab, size_t cap, const char *path, const char *dv)
{
    size_t i = hash_key(path, dv) & (cap - 1);
    while (tab[i].path && !(same(tab[i].path, path) && same(tab[i].dv_id, dv)))
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

const lh__delta_entry_t *lh__delta_state_find(const lh__delta_state_t *s, const char *path,
                                              const char *dv_id)
{
    if (!s->cap) return NULL;
    const lh__delta_entry_t *e = slot(s->entries, s->cap, path, dv_id);
    return e->path ? e : NULL;
}

static int grow(lh__delta_state_t *s)
{
    size_t cap = s->cap ? 2 * s->cap : 1024;
    lh__delta_entry_t *tab = calloc(cap, sizeof *tab);
    if (!tab) return LH_ENOMEM;
    for (size_t i = 0; i < s->cap; i++)
        if (s->entries[i].path)
            *slot(tab, cap, s->entries[i].path, s->entries[i].dv_id) = s->entries[i];
    free(s->entries);
    s->entries = tab;
    s->cap = cap;
    return 0;
}

static int upsert(lh__delta_state_t *s, const char *path, const char *dv, const lh_delta_add_t *add,
                  const lh_delta_remove_t *rm)
{
    if ((s->nentries + 1) * 10 > s->cap * 7 && grow(s)) return LH_ENOMEM;
    lh__delta_entry_t *e = slot(s->entries, s->cap, path, dv);
    if (!e->path) s->nentries++;
    *e = (lh__delta_entry_t){.path = path, .dv_id = dv, .add = add, .remove = rm};
    return 0;
}

static int set_txn(lh__delta_state_t *s, const lh_delta_txn_t *x)
{
    for (size_t i = 0; i < s->ntxns; i++)
        if (!strcmp(s->txns[i]->app_id, x->app_id)) {
            s->txns[i] = x;
            return 0;
        }
    if (s->ntxns == s->txcap) {
        size_t c = s->txcap ? 2 * s->txcap : 8;
        const lh_delta_txn_t **p = realloc(s->txns, c * sizeof *p);
        if (!p) return LH_ENOMEM;
        s->txns = p;
        s->txcap = c;
    }
    s->txns[s->ntxns++] = x;
    return 0;
}

static int apply_action(lh__delta_state_t *s, const lh_delta_action_t *a)
{
    switch (a->kind) {
    case LH_DELTA_PROTOCOL:
        s->protocol = &a->u.protocol;
        return 0;
    case LH_DELTA_METADATA:
        s->metadata = &a->u.metadata;
        return 0;
    case LH_DELTA_ADD:
        return upsert(s, a->u.add.path, a->u.add.dv_id, &a->u.add, NULL);
    case LH_DELTA_REMOVE:
        return upsert(s, a->u.remove.path, a->u.remove.dv_id, NULL, &a->u.remove);
    case LH_DELTA_TXN:
        return set_txn(s, &a->u.txn);
    default:
        return 0; /* commitInfo is kept per commit; unknown actions are ignored */
    }
}

/* Replays one commit's actions as version v. */
static int apply_commit(lh__delta_state_t *s, int64_t v, const lh_delta_action_t *acts, size_t n,
                        int64_t mtime_s, lh_err_t *err)
{
    int64_t ts = mtime_s * 1000;
    for (size_t i = 0; i < n; i++) {
        if (acts[i].kind == LH_DELTA_COMMIT_INFO && acts[i].u.commit_info.timestamp >= 0)
            ts = acts[i].u.commit_info.timestamp;
        if (apply_action(s, &acts[i]))
            return lh_err_set(err, LH_ENOMEM, "out of memory replaying version %lld", (long long)v);
    }
    if (s->ncommits && ts <= s->commits[s->ncommits - 1].timestamp)
        ts = s->commits[s->ncommits - 1].timestamp + 1; /* keep time travel monotonic */
    if (s->ncommits == s->ccap) {
        size_t c = s->ccap ? 2 * s->ccap : 64;
        lh__delta_commit_rec_t *p = realloc(s->commits, c * sizeof *p);
        if (!p) return lh_err_set(err, LH_ENOMEM, "out of memory replaying the delta log");
        s->commits = p;
        s->ccap = c;
    }
    s->commits[s->ncommits++] = (lh__delta_commit_rec_t){acts, n, ts};
    s->version = v;
    return 0;
}

const lh__delta_commit_rec_t *lh__delta_state_commit(const lh__delta_state_t *s, int64_t v)
{
    if (v < s->first || v > s->version || (size_t)(v - s->first) >= s->ncommits) return NULL;
    return &s->commits[v - s->first];
}

static int read_commit(lh_delta_table_t *t, lh__delta_state_t *s, int64_t v, int64_t mtime,
                       lh_err_t *err)
{
    char key[LH_OBJSTORE_KEY_MAX + 1];
    lh__delta_commit_key(t, v, key, sizeof key);
    lh_buf_t b;
    lh_buf_init(&b, LH__DELTA_COMMIT_MAX);
    int rc = lh_objstore_get_buf(t->os, t->bucket, key, 0, -1, &b, NULL, err);
    lh_delta_action_t *acts = NULL;
    size_t n = 0;
    if (rc == LH_ENOENT)
        rc = lh_err_set(err, LH_ECORRUPT, "delta commit %s vanished while reading", key);
    if (!rc) rc = lh_delta_actions_parse(s->mem->arena, b.ptr ? b.ptr : "", b.len, &acts, &n, err);
    lh_buf_free(&b);
    if (rc == LH_ECORRUPT || rc == LH_ETOOBIG) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        lh_err_set(err, rc, "%s: %s", key, msg);
    }
    return rc ? rc : apply_commit(s, v, acts, n, mtime, err);
}

static int on_checkpoint_action(void *arg, const lh_delta_action_t *act)
{
    return apply_action(arg, act);
}

/* Where replay starts when s is empty: 0, or after a checkpoint. */
static int start_point(lh_delta_table_t *t, lh__delta_state_t *s, const lh__delta_listing_t *l,
                       int64_t target, int64_t *start, lh_err_t *err)
{
    int64_t lo = l->n ? l->versions[0] : INT64_MAX;
    *start = 0;
    if (lo == 0) return 0; /* every commit is there: checkpoints are not needed */
    int64_t cp = -1;
    for (size_t i = 0; i < l->ncheckpoints; i++)
        if (l->checkpoints[i] <= target && l->checkpoints[i] + 1 >= lo) cp = l->checkpoints[i];
    if (cp < 0)
        return lh_err_set(err, LH_ENOENT,
                          "version %lld of %s is not reachable: the log starts at %lld with no "
                          "checkpoint to start from",
                          (long long)target, t->root, (long long)lo);
    int rc = lh__delta_checkpoint_actions(t, cp, s->mem->arena, on_checkpoint_action, s, err);
    if (rc) return rc;
    s->version = cp;
    *start = cp + 1;
    return 0;
}

int lh__delta_state_advance(lh_delta_table_t *t, lh__delta_state_t *s, int64_t target,
                            lh_err_t *err)
{
    lh__delta_listing_t l;
    /* the newest state only needs what came after it */
    int64_t after = target < 0 ? s->version : -1;
    int rc = lh__delta_list(t, after, &l, err);
    if (rc) return rc;
    int64_t latest = l.n ? l.versions[l.n - 1] : after;
    for (size_t i = 0; i < l.ncheckpoints; i++)
        if (l.checkpoints[i] > latest) latest = l.checkpoints[i];
    if (latest < 0) {
        rc = lh_err_set(err, LH_ENOENT, "no delta table at %s/%s", t->bucket, t->root);
        goto out;
    }
    if (target < 0) target = latest;
    if (target > latest) {
        rc = lh_err_set(err, LH_ENOENT, "version %lld of %s does not exist (the latest is %lld)",
                        (long long)target, t->root, (long long)latest);
        goto out;
    }
    if (s->version > latest || s->version > target) lh__delta_state_free(s); /* re-created */
    if (s->version == target) goto out;
    if (!s->mem && !(s->mem = lh__delta_mem_new())) {
        rc = lh_err_set(err, LH_ENOMEM, "out of memory reading the delta log");
        goto out;
    }
    int64_t start = s->version + 1;
    if (s->version < 0) {
        rc = start_point(t, s, &l, target, &start, err);
        if (rc) goto out;
        s->first = start;
    }
    size_t i = 0;
    while (i < l.n && l.versions[i] < start)
        i++;
    for (int64_t v = start; !rc && v <= target; v++, i++) {
        if (i >= l.n || l.versions[i] != v)
            rc = lh_err_set(err, LH_ECORRUPT, "delta log of %s lacks version %lld", t->root,
                            (long long)v);
        else
            rc = read_commit(t, s, v, l.mtimes[i], err);
    }
out:
    lh__delta_listing_free(&l);
    return rc;
}

int lh__delta_refresh(lh_delta_table_t *t, lh_err_t *err)
{
    int rc = lh__delta_state_advance(t, &t->cache, -1, err);
    if (rc && rc != LH_ENOENT) lh__delta_state_free(&t->cache); /* replay again next time */
    return rc;
}
