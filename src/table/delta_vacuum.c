/* VACUUM (delta.h): deletes the data files under a table's root that no
 * longer belong to it: not live in the newest snapshot, not named by a
 * tombstone younger than the retention (a reader of an older version may
 * still read it), and older than the retention themselves (a writer may
 * have written it and not committed yet). Hidden paths (a component
 * starting with '_' or '.', `_delta_log/` among them) are never touched. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/delta_int.h"

typedef struct {
    char *key; /* the whole key; its path relative to the root starts at vac_t.skip */
    int64_t size;
} victim_t;

typedef struct {
    const lh_delta_table_t *t;
    size_t skip; /* strlen(root) */
    int64_t cutoff_ms;
    victim_t *v;
    size_t n, cap;
} vac_t;

static bool hidden(const char *rel)
{
    for (const char *p = rel; p; p = strchr(p, '/')) {
        if (*p == '/') p++;
        if (*p == '_' || *p == '.') return true;
    }
    return false;
}

/* Collects the candidates; the store is not called from inside the listing. */
static int on_key(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *meta)
{
    vac_t *c = arg;
    const char *rel = key + c->skip;
    if (is_prefix || !meta || !*rel || hidden(rel) || rel[strlen(rel) - 1] == '/') return 0;
    if (meta->mtime * 1000 > c->cutoff_ms) return 0; /* too young: maybe not committed yet */
    const lh__delta_entry_t *e = lh__delta_state_find(&c->t->cache, rel, NULL);
    if (e && e->add) return 0;
    if (e && e->remove && e->remove->deletion_timestamp > c->cutoff_ms) return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 64;
        victim_t *p = realloc(c->v, cap * sizeof *p);
        if (!p) return LH_ENOMEM;
        c->v = p;
        c->cap = cap;
    }
    if (!(c->v[c->n].key = strdup(key))) return LH_ENOMEM;
    c->v[c->n++].size = meta->size;
    return 0;
}

int lh_delta_vacuum(lh_delta_table_t *t, const lh_delta_vacuum_opts_t *o,
                    lh_delta_vacuum_result_t *res, lh_err_t *err)
{
    memset(res, 0, sizeof *res);
    if (!(o->retention_hours >= 0))
        return lh_err_set(err, LH_EINVAL, "vacuum retention must be >= 0 hours");
    int rc = lh__delta_refresh(t, err);
    if (!rc) rc = lh__delta_check_writer(t->cache.protocol, t->cache.metadata, err);
    if (rc) return rc;
    int64_t now = o->now_ms ? o->now_ms : lh__delta_now_ms();
    vac_t c = {.t = t,
               .skip = strlen(t->root),
               .cutoff_ms = now - (int64_t)(o->retention_hours * 3600.0 * 1000.0)};
    rc = lh_objstore_list(t->os, t->bucket, *t->root ? t->root : NULL, NULL, on_key, &c, err);
    if (rc == LH_ENOMEM) lh_err_set(err, rc, "out of memory listing %s for vacuum", t->root);
    for (size_t i = 0; !rc && i < c.n; i++) {
        if (o->fn) rc = o->fn(o->arg, c.v[i].key + c.skip, c.v[i].size);
        res->files++;
        res->bytes += c.v[i].size;
    }
    const char **keys = rc || o->dry_run || !c.n ? NULL : malloc(c.n * sizeof *keys);
    if (!rc && !o->dry_run && c.n && !keys)
        rc = lh_err_set(err, LH_ENOMEM, "out of memory deleting files of %s", t->root);
    for (size_t i = 0; keys && i < c.n; i++)
        keys[i] = c.v[i].key;
    if (keys) rc = lh_objstore_delete_many(t->os, t->bucket, keys, c.n, err);
    if (rc) memset(res, 0, sizeof *res);
    free(keys);
    for (size_t i = 0; i < c.n; i++)
        free(c.v[i].key);
    free(c.v);
    return rc;
}
