/* Snapshots and history (delta.h) made from a replay state (delta_log.c),
 * and the table-feature checks: what we can read and what we can write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/delta_int.h"

/* ---- features ---- */

static const char *const read_ok[] = {"timestampNtz", "vacuumProtocolCheck", NULL};
static const char *const write_ok[] = {"appendOnly", "invariants", "timestampNtz",
                                       "vacuumProtocolCheck", NULL};

static bool listed(const char *const *set, const char *name)
{
    for (; *set; set++)
        if (!strcmp(*set, name)) return true;
    return false;
}

static bool column_mapping_on(const lh_delta_metadata_t *m)
{
    const char *mode =
        m ? lh_delta_map_get(&m->configuration, "delta.columnMapping.mode", NULL) : NULL;
    return mode && strcmp(mode, "none") != 0;
}

int lh__delta_check_reader(const lh_delta_protocol_t *p, const lh_delta_metadata_t *m,
                           lh_err_t *err)
{
    if (!p) return lh_err_set(err, LH_ECORRUPT, "delta log has no protocol action");
    if (p->min_reader_version > 3)
        return lh_err_set(err, LH_EPERM, "delta reader version %d is not supported",
                          p->min_reader_version);
    if (p->min_reader_version == 2 && column_mapping_on(m))
        return lh_err_set(err, LH_EPERM, "delta table feature columnMapping is not supported");
    for (size_t i = 0; p->min_reader_version == 3 && i < p->nreader_features; i++)
        if (!listed(read_ok, p->reader_features[i]))
            return lh_err_set(err, LH_EPERM, "delta reader feature %s is not supported",
                              p->reader_features[i]);
    return 0;
}

int lh__delta_check_writer(const lh_delta_protocol_t *p, const lh_delta_metadata_t *m,
                           lh_err_t *err)
{
    int rc = lh__delta_check_reader(p, m, err);
    if (rc) return rc;
    static const char *const implied[] = {
        [3] = "checkConstraints",
        [4] = "checkConstraints, changeDataFeed, generatedColumns",
        [5] = "checkConstraints, changeDataFeed, generatedColumns, columnMapping",
        [6] = "checkConstraints, changeDataFeed, generatedColumns, columnMapping, "
              "identityColumns",
    };
    int w = p->min_writer_version;
    if (w > 7) return lh_err_set(err, LH_EPERM, "delta writer version %d is not supported", w);
    if (w >= 3 && w <= 6)
        return lh_err_set(err, LH_EPERM, "delta writer version %d (%s) is not supported", w,
                          implied[w]);
    for (size_t i = 0; w == 7 && i < p->nwriter_features; i++)
        if (!listed(write_ok, p->writer_features[i]))
            return lh_err_set(err, LH_EPERM, "delta writer feature %s is not supported",
                              p->writer_features[i]);
    if (m && m->schema_string && strstr(m->schema_string, "\"delta.invariants\""))
        return lh_err_set(err, LH_EPERM, "delta column invariants are not supported for writes");
    return 0;
}

/* ---- snapshots ---- */

typedef struct {
    lh_delta_snapshot_t pub; /* first: the caller's pointer */
    lh_arena_t *arena;
    lh__delta_mem_t *mem;
} snap_t;

static int by_add_path(const void *a, const void *b)
{
    return strcmp(((const lh_delta_add_t *)a)->path, ((const lh_delta_add_t *)b)->path);
}

static int by_remove_path(const void *a, const void *b)
{
    return strcmp(((const lh_delta_remove_t *)a)->path, ((const lh_delta_remove_t *)b)->path);
}

int lh__delta_snapshot_of(const lh__delta_state_t *s, lh_delta_snapshot_t **out, lh_err_t *err)
{
    *out = NULL;
    if (!s->metadata) return lh_err_set(err, LH_ECORRUPT, "delta log has no metaData action");
    int rc = lh__delta_check_reader(s->protocol, s->metadata, err);
    if (rc) return rc;
    size_t nadd = 0, nrm = 0;
    for (size_t i = 0; i < s->cap; i++) {
        nadd += s->entries[i].path && s->entries[i].add;
        nrm += s->entries[i].path && s->entries[i].remove;
    }
    lh_arena_t *a = lh_arena_new(16 << 10);
    snap_t *sn = a ? lh_arena_calloc(a, sizeof *sn) : NULL;
    lh_delta_add_t *adds = sn ? lh_arena_alloc(a, (nadd + 1) * sizeof *adds) : NULL;
    lh_delta_remove_t *rms = adds ? lh_arena_alloc(a, (nrm + 1) * sizeof *rms) : NULL;
    lh_delta_txn_t *txns = rms ? lh_arena_alloc(a, (s->ntxns + 1) * sizeof *txns) : NULL;
    if (!txns) {
        lh_arena_free(a);
        return lh_err_set(err, LH_ENOMEM, "out of memory making a delta snapshot");
    }
    lh_delta_snapshot_t *p = &sn->pub;
    for (size_t i = 0; i < s->cap; i++) {
        const lh__delta_entry_t *e = &s->entries[i];
        if (e->path && e->add) {
            adds[p->nfiles++] = *e->add;
            p->bytes += e->add->size;
        }
        if (e->path && e->remove) rms[p->nremoved++] = *e->remove;
    }
    qsort(adds, p->nfiles, sizeof *adds, by_add_path);
    qsort(rms, p->nremoved, sizeof *rms, by_remove_path);
    for (size_t i = 0; i < s->ntxns; i++)
        txns[i] = *s->txns[i];
    p->files = adds;
    p->removed = rms;
    p->txns = txns;
    p->ntxns = s->ntxns;
    p->version = s->version;
    const lh__delta_commit_rec_t *c = lh__delta_state_commit(s, s->version);
    p->timestamp = c ? c->timestamp : -1;
    p->protocol = *s->protocol;
    p->metadata = *s->metadata;
    sn->arena = a;
    sn->mem = s->mem;
    lh__delta_mem_ref(s->mem);
    const char *ss = s->metadata->schema_string;
    rc = lh_delta_schema_parse(a, ss, strlen(ss), &p->schema, err);
    if (rc) {
        lh_delta_snapshot_free(p);
        return rc == LH_ENOMEM ? rc : lh_err_set(err, LH_ECORRUPT, "%.400s", err->msg);
    }
    *out = p;
    return 0;
}

void lh_delta_snapshot_free(lh_delta_snapshot_t *s)
{
    if (!s) return;
    snap_t *sn = (snap_t *)s;
    lh__delta_mem_unref(sn->mem);
    lh_arena_free(sn->arena);
}

int lh_delta_snapshot_latest(lh_delta_table_t *t, lh_delta_snapshot_t **out, lh_err_t *err)
{
    *out = NULL;
    int rc = lh__delta_refresh(t, err);
    return rc ? rc : lh__delta_snapshot_of(&t->cache, out, err);
}

int lh_delta_snapshot_at_version(lh_delta_table_t *t, int64_t v, lh_delta_snapshot_t **out,
                                 lh_err_t *err)
{
    *out = NULL;
    if (v < 0) return lh_err_set(err, LH_ENOENT, "no delta version %lld", (long long)v);
    int rc = lh__delta_refresh(t, err);
    if (rc) return rc;
    if (v == t->cache.version) return lh__delta_snapshot_of(&t->cache, out, err);
    if (v > t->cache.version)
        return lh_err_set(err, LH_ENOENT, "version %lld of %s does not exist (the latest is %lld)",
                          (long long)v, t->root, (long long)t->cache.version);
    lh__delta_state_t s;
    lh__delta_state_init(&s);
    rc = lh__delta_state_advance(t, &s, v, err);
    if (!rc) rc = lh__delta_snapshot_of(&s, out, err);
    lh__delta_state_free(&s);
    return rc;
}

int lh_delta_snapshot_at_time(lh_delta_table_t *t, int64_t ts_ms, lh_delta_snapshot_t **out,
                              lh_err_t *err)
{
    *out = NULL;
    int rc = lh__delta_refresh(t, err);
    if (rc) return rc;
    const lh__delta_state_t *s = &t->cache;
    size_t lo = 0, hi = s->ncommits; /* the first commit after ts_ms */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->commits[mid].timestamp <= ts_ms)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return lh_err_set(err, LH_ENOENT, "%s has no version at or before timestamp %lld", t->root,
                          (long long)ts_ms);
    return lh_delta_snapshot_at_version(t, s->first + (int64_t)lo - 1, out, err);
}

int64_t lh_delta_snapshot_app_version(const lh_delta_snapshot_t *s, const char *app_id)
{
    for (size_t i = 0; i < s->ntxns; i++)
        if (!strcmp(s->txns[i].app_id, app_id)) return s->txns[i].version;
    return -1;
}

/* ---- history ---- */

static void unref_mem(void *m)
{
    lh__delta_mem_unref(m);
}

int lh_delta_history(lh_delta_table_t *t, int64_t limit, lh_delta_history_t *out, lh_err_t *err)
{
    memset(out, 0, sizeof *out);
    int rc = lh__delta_refresh(t, err);
    if (rc) return rc;
    const lh__delta_state_t *s = &t->cache;
    size_t n = s->ncommits;
    if (limit > 0 && (size_t)limit < n) n = (size_t)limit;
    out->arena = lh_arena_new(4096);
    lh_delta_history_entry_t *e =
        out->arena ? lh_arena_calloc(out->arena, (n + 1) * sizeof *e) : NULL;
    if (!e) {
        lh_delta_history_free(out);
        return lh_err_set(err, LH_ENOMEM, "out of memory reading delta history");
    }
    for (size_t i = 0; i < n; i++) {
        const lh__delta_commit_rec_t *c = &s->commits[s->ncommits - 1 - i];
        e[i].version = s->version - (int64_t)i;
        e[i].timestamp = c->timestamp;
        for (size_t k = 0; k < c->n; k++) {
            if (c->acts[k].kind != LH_DELTA_COMMIT_INFO) continue;
            const lh_delta_commit_info_t *ci = &c->acts[k].u.commit_info;
            e[i].operation = ci->operation;
            e[i].operation_parameters = ci->operation_parameters;
            e[i].commit_info = ci->json;
        }
    }
    /* the strings point into the table's cache memory: keep it alive */
    lh__delta_mem_ref(s->mem);
    if (lh_arena_cleanup(out->arena, unref_mem, s->mem)) {
        lh__delta_mem_unref(s->mem);
        lh_delta_history_free(out);
        return lh_err_set(err, LH_ENOMEM, "out of memory reading delta history");
    }
    out->entries = e;
    out->n = n;
    return 0;
}

void lh_delta_history_free(lh_delta_history_t *h)
{
    lh_arena_free(h->arena);
    memset(h, 0, sizeof *h);
}
