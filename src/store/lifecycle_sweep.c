/* The lifecycle sweep: one pass over every bucket with lifecycle rules,
 * expiring what is due as if the time were the given now. Per enabled rule:
 *   Expiration Days/Date         current objects under the prefix, listed a
 *                                page at a time, each expired by a delete
 *                                conditional on its mtime (an object written
 *                                since it was listed stays); in a versioned
 *                                bucket that delete adds a delete marker
 *   NoncurrentVersionExpiration  noncurrent versions whose successor is older
 *                                than the days, removed for good (only while
 *                                still noncurrent)
 *   ExpiredObjectDeleteMarker    a latest delete marker that is the key's only
 *                                version
 *   AbortIncompleteMultipartUpload  uploads created more than the days ago
 * Deletes run between listing pages, never while a listing is open. The
 * version listing continues from its last entry, so that entry is removed
 * only after the next page was listed (a removed marker could not be resumed
 * from). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/lifecycle.h"

#define DAY_NS (86400LL * 1000000000LL)
#define PAGE 1000

typedef struct rule {
    int enabled, marker;
    const char *prefix;
    size_t prefix_len;
    int64_t days, date_ns, noncurrent_days, abort_days;
} rule_t;

/* Something to remove, found while listing. */
typedef struct cand {
    char *key;
    size_t key_len;
    int64_t mtime_ns;
    char vid[64];   /* a version id or an upload id; "" for the current version */
    int noncurrent; /* a noncurrent version (not an expired marker) */
} cand_t;

typedef struct sweep {
    lh_store_t *st;
    const char *bucket;
    int64_t now_ns;
    const rule_t *rule;
    int (*stop)(void *);
    void *stop_arg;
    lh_lifecycle_stats_t *stats;
    cand_t *c;
    size_t n, cap;
    int oom;
    /* the version walk: the key being read and what was seen of it */
    char key[LH_STORE_KEY_MAX];
    size_t key_len;
    int have_key, count, sole_marker;
    int64_t succ_mtime;
    char first_vid[LH_STORE_VERSION_ID_SIZE];
} sweep_t;

/* When something made at base_ns is days old, as S3 counts: rounded up to
 * the next midnight UTC. INT64_MAX when that is beyond any date. */
static int64_t due_ns(int64_t base_ns, int64_t days)
{
    if (days <= 0 || days > 100000) return INT64_MAX;
    int64_t t = base_ns + days * DAY_NS;
    return (t + DAY_NS - 1) / DAY_NS * DAY_NS;
}

static int stopped(const sweep_t *s)
{
    return s->stop && s->stop(s->stop_arg);
}

static void add(sweep_t *s, const char *key, size_t klen, int64_t mtime, const char *vid,
                int noncurrent)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        cand_t *c = realloc(s->c, cap * sizeof *c);
        if (!c) {
            s->oom = 1;
            return;
        }
        s->c = c, s->cap = cap;
    }
    cand_t *c = &s->c[s->n];
    if (!(c->key = malloc(klen ? klen : 1))) {
        s->oom = 1;
        return;
    }
    if (klen) memcpy(c->key, key, klen);
    c->key_len = klen;
    c->mtime_ns = mtime;
    snprintf(c->vid, sizeof c->vid, "%s", vid);
    c->noncurrent = noncurrent;
    s->n++;
}

static void drop_cands(sweep_t *s, size_t from)
{
    for (size_t i = from; i < s->n; i++)
        free(s->c[i].key);
    s->n = from;
}

/* --- current objects --- */

static int on_current(const lh_store_list_entry_t *e, void *arg)
{
    sweep_t *s = arg;
    const rule_t *r = s->rule;
    if (e->is_prefix) return 0;
    int64_t m = e->meta->mtime_ns;
    if ((r->days && s->now_ns >= due_ns(m, r->days)) || (r->date_ns && s->now_ns >= r->date_ns))
        add(s, e->key, e->key_len, m, "", 0);
    return s->oom ? LH_ENOMEM : 0;
}

/* Result of one engine delete: counted, skipped (changed or gone meanwhile)
 * or an error. */
static int counted(int rc, uint64_t *counter)
{
    if (rc == 0) (*counter)++;
    return rc == LH_EPRECOND || rc == LH_ENOENT ? 0 : rc;
}

static int expire_current(sweep_t *s, lh_err_t *err)
{
    char marker[LH_STORE_KEY_MAX + 1];
    size_t mlen = 0;
    int trunc = 1, rc = 0;
    while (trunc && !rc && !stopped(s)) {
        lh_store_list_opts_t o = {.prefix = s->rule->prefix,
                                  .prefix_len = s->rule->prefix_len,
                                  .start_after = marker,
                                  .start_after_len = mlen,
                                  .max_keys = PAGE};
        rc = lh_store_list(s->st, s->bucket, &o, on_current, s, &trunc, marker, &mlen, err);
        for (size_t i = 0; !rc && i < s->n && !stopped(s); i++) {
            lh_store_del_t d = {.if_mtime_ns = s->c[i].mtime_ns};
            rc = counted(
                lh_store_delete_version(s->st, s->bucket, s->c[i].key, s->c[i].key_len, &d, err),
                &s->stats->expired);
        }
        drop_cands(s, 0);
    }
    return rc;
}

/* --- noncurrent versions and expired delete markers --- */

/* The key read so far is complete: its only version a latest delete marker? */
static void finish_key(sweep_t *s)
{
    if (s->have_key && s->rule->marker && s->count == 1 && s->sole_marker)
        add(s, s->key, s->key_len, 0, s->first_vid, 0);
}

static int on_version(const lh_store_version_entry_t *e, void *arg)
{
    sweep_t *s = arg;
    const rule_t *r = s->rule;
    if (e->is_prefix) return 0;
    if (!s->have_key || e->key_len != s->key_len || memcmp(e->key, s->key, e->key_len)) {
        finish_key(s);
        memcpy(s->key, e->key, e->key_len);
        s->key_len = e->key_len;
        s->have_key = 1;
        s->count = 0;
        s->sole_marker = e->is_latest && e->meta->delete_marker;
        snprintf(s->first_vid, sizeof s->first_vid, "%s", e->meta->version_id);
    }
    if (!e->is_latest && s->count > 0 && r->noncurrent_days &&
        s->now_ns >= due_ns(s->succ_mtime, r->noncurrent_days))
        add(s, e->key, e->key_len, e->meta->mtime_ns, e->meta->version_id, 1);
    s->succ_mtime = e->meta->mtime_ns;
    s->count++;
    return s->oom ? LH_ENOMEM : 0;
}

/* Removes the candidates, keeping one that is where the listing resumes
 * (next_key/next_vid; NULL at the end). */
static int remove_versions(sweep_t *s, const char *next_key, size_t next_len, const char *next_vid,
                           lh_err_t *err)
{
    size_t keep = 0;
    int rc = 0;
    for (size_t i = 0; i < s->n; i++) {
        cand_t *c = &s->c[i];
        if (!rc && next_key && c->key_len == next_len && !memcmp(c->key, next_key, next_len) &&
            !strcmp(c->vid, next_vid)) {
            s->c[keep++] = *c;
            continue;
        }
        lh_store_del_t d = {.version_id = c->vid, .noncurrent_only = c->noncurrent};
        if (!rc && !stopped(s))
            rc = counted(lh_store_delete_version(s->st, s->bucket, c->key, c->key_len, &d, err),
                         &s->stats->versions_removed);
        free(c->key);
    }
    s->n = keep;
    return rc;
}

static int expire_versions(sweep_t *s, lh_err_t *err)
{
    char key[LH_STORE_KEY_MAX + 1], vid[LH_STORE_VERSION_ID_SIZE] = "";
    size_t klen = 0;
    int trunc = 1, rc = 0;
    s->have_key = 0;
    while (trunc && !rc && !stopped(s)) {
        lh_store_list_opts_t o = {.prefix = s->rule->prefix,
                                  .prefix_len = s->rule->prefix_len,
                                  .start_after = key,
                                  .start_after_len = klen,
                                  .max_keys = PAGE};
        rc = lh_store_list_versions(s->st, s->bucket, &o, vid, on_version, s, &trunc, key, &klen,
                                    vid, err);
        if (!rc && !trunc) finish_key(s);
        if (!rc) rc = remove_versions(s, trunc ? key : NULL, klen, vid, err);
    }
    drop_cands(s, 0);
    return rc;
}

/* --- incomplete multipart uploads --- */

typedef struct uploads {
    sweep_t *s;
    char key[LH_STORE_KEY_MAX + 1], id[64];
} uploads_t;

static int on_upload(const lh_store_mpu_t *u, void *arg)
{
    uploads_t *up = arg;
    sweep_t *s = up->s;
    snprintf(up->key, sizeof up->key, "%.*s", (int)u->key_len, u->key);
    snprintf(up->id, sizeof up->id, "%s", u->upload_id);
    if (s->now_ns >= due_ns(u->created_ns, s->rule->abort_days)) add(s, "", 0, 0, u->upload_id, 0);
    return s->oom ? LH_ENOMEM : 0;
}

static int abort_uploads(sweep_t *s, lh_err_t *err)
{
    uploads_t up = {.s = s};
    int trunc = 1, rc = 0, first = 1;
    while (trunc && !rc && !stopped(s)) {
        rc = lh_store_mpu_list(s->st, s->bucket, s->rule->prefix, s->rule->prefix_len,
                               first ? NULL : up.key, first ? NULL : up.id, PAGE, on_upload, &up,
                               &trunc, err);
        first = 0;
        for (size_t i = 0; !rc && i < s->n && !stopped(s); i++)
            rc = counted(lh_store_mpu_abort(s->st, s->bucket, s->c[i].vid, err),
                         &s->stats->uploads_aborted);
        drop_cands(s, 0);
    }
    return rc;
}

/* --- buckets --- */

static void rule_from_json(json_t *j, rule_t *r)
{
    json_t *p = json_object_get(j, "prefix");
    memset(r, 0, sizeof *r);
    r->enabled = json_is_true(json_object_get(j, "enabled"));
    r->marker = json_is_true(json_object_get(j, "marker"));
    r->prefix = p ? json_string_value(p) : NULL;
    r->prefix_len = p ? json_string_length(p) : 0;
    r->days = json_integer_value(json_object_get(j, "days"));
    r->date_ns = json_object_get(j, "date_s")
                     ? json_integer_value(json_object_get(j, "date_s")) * 1000000000
                     : 0;
    r->noncurrent_days = json_integer_value(json_object_get(j, "noncurrent_days"));
    r->abort_days = json_integer_value(json_object_get(j, "abort_days"));
}

/* Applies one bucket's rules. A bucket that went away meanwhile is done. */
static int sweep_bucket(sweep_t *s, const char *rules_json, lh_err_t *err)
{
    json_t *doc = json_loads(rules_json, 0, NULL), *j;
    json_t *rules = json_object_get(doc, "rules");
    size_t i;
    int rc = 0;
    s->stats->buckets++;
    json_array_foreach(rules, i, j)
    {
        rule_t r;
        rule_from_json(j, &r);
        s->rule = &r;
        if (!r.enabled || rc || stopped(s)) continue;
        if (r.days || r.date_ns) rc = expire_current(s, err);
        if (!rc && (r.noncurrent_days || r.marker)) rc = expire_versions(s, err);
        if (!rc && r.abort_days) rc = abort_uploads(s, err);
    }
    json_decref(doc);
    drop_cands(s, 0);
    return rc == LH_ENOENT ? 0 : rc;
}

typedef struct names {
    char (*v)[64];
    size_t n, cap;
    int oom;
} names_t;

static int on_bucket(const lh_store_bucket_t *b, void *arg)
{
    names_t *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        void *v = realloc(l->v, cap * sizeof *l->v);
        if (!v) return l->oom = 1;
        l->v = v, l->cap = cap;
    }
    snprintf(l->v[l->n++], sizeof l->v[0], "%s", b->name);
    return 0;
}

int lh_lifecycle_sweep(lh_store_t *st, int64_t now_ns, int (*stop)(void *), void *stop_arg,
                       lh_lifecycle_stats_t *stats, lh_err_t *err)
{
    names_t names = {0};
    sweep_t s = {.st = st, .now_ns = now_ns, .stop = stop, .stop_arg = stop_arg, .stats = stats};
    int rc = lh_store_bucket_list(st, on_bucket, &names);
    if (!rc && names.oom) rc = LH_ENOMEM;
    if (rc) lh_err_set(err, rc, "cannot list the buckets");
    for (size_t i = 0; !rc && i < names.n && !stopped(&s); i++) {
        char *rules = NULL;
        if (lh_store_bucket_get_lifecycle(st, names.v[i], &rules) != 0 || !rules)
            continue; /* gone meanwhile, or no rules */
        s.bucket = names.v[i];
        rc = sweep_bucket(&s, rules, err);
        free(rules);
        if (!rc && s.oom) rc = lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    free(s.c);
    free(names.v);
    return rc;
}
