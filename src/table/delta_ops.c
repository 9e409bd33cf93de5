/* Table operations as log commits (delta.h): create (empty, with files,
 * or replacing a table), append, overwrite, replace-where, delete files,
 * add column, set schema. Each reads the
 * newest state, checks the writer features, builds the actions against it
 * and hands them to the commit loop (delta_commit.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "table/delta_int.h"

typedef struct {
    lh_arena_t *a;
    lh_delta_schema_t schema; /* the table's, parsed */
} op_t;

static int oom(lh_err_t *err)
{
    return lh_err_set(err, LH_ENOMEM, "out of memory building a delta commit");
}

/* Reads the newest state, checks we may write it, parses its schema. */
static int begin(lh_delta_table_t *t, op_t *op, lh_err_t *err)
{
    memset(op, 0, sizeof *op);
    int rc = lh__delta_refresh(t, err);
    if (rc) return rc;
    if (!t->cache.metadata) return lh_err_set(err, LH_ECORRUPT, "delta log has no metaData action");
    rc = lh__delta_check_writer(t->cache.protocol, t->cache.metadata, err);
    if (rc) return rc;
    if (!(op->a = lh_arena_new(16 << 10))) return oom(err);
    const char *ss = t->cache.metadata->schema_string;
    return lh_delta_schema_parse(op->a, ss, strlen(ss), &op->schema, err);
}

static bool append_only(const lh_delta_table_t *t)
{
    const char *v = lh_delta_map_get(&t->cache.metadata->configuration, "delta.appendOnly", NULL);
    return v && !strcasecmp(v, "true");
}

static const lh_delta_kv_t *kv1(lh_arena_t *a, const char *k, const char *v)
{
    lh_delta_kv_t *kv = lh_arena_alloc(a, sizeof *kv);
    if (kv) *kv = (lh_delta_kv_t){k, v};
    return kv;
}

/* A JSON array of strings ("[\"ds\",\"hour\"]") in the arena. */
static const char *json_names(lh_arena_t *a, const char *const *names, size_t n)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_buf_puts(&b, "[");
    for (size_t i = 0; i < n; i++)
        lh_buf_printf(&b, "%s\"%s\"", i ? "," : "", names[i]);
    lh_buf_puts(&b, "]");
    const char *s = lh_buf_err(&b) ? NULL : lh_arena_strdup(a, b.ptr);
    lh_buf_free(&b);
    return s;
}

/* The protocol a schema needs: reader 1 / writer 2, or 3 / 7 with
 * timestampNtz (and what writer 2 implied: appendOnly, invariants). */
static const lh_delta_protocol_t *protocol_for(lh_arena_t *a, const lh_delta_protocol_t *cur,
                                               bool ntz)
{
    static const char *const ntz_reader[] = {"timestampNtz"};
    static const char *const ntz_writer[] = {"appendOnly", "invariants", "timestampNtz"};
    if (!ntz) {
        if (cur) return NULL; /* no change */
        lh_delta_protocol_t *p = lh_arena_calloc(a, sizeof *p);
        if (p) *p = (lh_delta_protocol_t){.min_reader_version = 1, .min_writer_version = 2};
        return p;
    }
    for (size_t i = 0; cur && i < cur->nreader_features; i++)
        if (!strcmp(cur->reader_features[i], "timestampNtz")) return NULL;
    lh_delta_protocol_t *p = lh_arena_calloc(a, sizeof *p);
    if (!p) return NULL;
    p->min_reader_version = 3;
    p->min_writer_version = 7;
    if (cur && cur->min_writer_version == 7) { /* keep its features, add ours */
        const char **w = lh_arena_alloc(a, (cur->nwriter_features + 1) * sizeof *w);
        const char **r = lh_arena_alloc(a, (cur->nreader_features + 1) * sizeof *r);
        if (!w || !r) return NULL;
        memcpy(w, cur->writer_features, cur->nwriter_features * sizeof *w);
        memcpy(r, cur->reader_features, cur->nreader_features * sizeof *r);
        w[cur->nwriter_features] = "timestampNtz";
        r[cur->nreader_features] = "timestampNtz";
        p->writer_features = w;
        p->nwriter_features = cur->nwriter_features + 1;
        p->reader_features = r;
        p->nreader_features = cur->nreader_features + 1;
        return p;
    }
    p->reader_features = ntz_reader;
    p->nreader_features = 1;
    p->writer_features = ntz_writer;
    p->nwriter_features = 3;
    return p;
}

static int schema_text(lh_arena_t *a, const lh_delta_schema_t *s, const char **out, lh_err_t *err)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    int rc = lh_delta_schema_write(s, &b, err);
    *out = rc ? NULL : lh_arena_strdup(a, b.ptr);
    lh_buf_free(&b);
    if (!rc && !*out) rc = oom(err);
    return rc;
}

static int check_partition_columns(const lh_delta_schema_t *s, const char *const *cols, size_t n,
                                   lh_err_t *err)
{
    for (size_t i = 0; i < n; i++) {
        const lh_delta_column_t *c = lh_delta_schema_find(s, cols[i]);
        if (!c)
            return lh_err_set(err, LH_EINVAL, "partition column '%s' is not in the schema",
                              cols[i]);
        if (lh_type_is_nested(&c->type) || c->type.id == LH_TYPE_BLOB)
            return lh_err_set(err, LH_EINVAL, "partition column '%s' must be a primitive type",
                              cols[i]);
        for (size_t k = 0; k < i; k++)
            if (!strcasecmp(cols[k], cols[i]))
                return lh_err_set(err, LH_EINVAL, "partition column '%s' is named twice", cols[i]);
    }
    return 0;
}

/* What a create commits besides protocol and metaData: the first files
 * and, when an existing table is replaced, its live files removed. */
typedef struct {
    const lh_delta_add_t *adds;
    size_t nadds;
    const lh_delta_remove_t *removes;
    size_t nremoves;
    const lh__delta_state_t *cur; /* the table replaced, or NULL */
} create_body_t;

/* Version 0's (or the replacing version's) protocol, metaData and
 * commitInfo parameters and the body's files, committed. */
static int commit_create(lh_delta_table_t *t, const lh_delta_create_t *c, lh_arena_t *a,
                         const create_body_t *body, int64_t *version, lh_err_t *err)
{
    char id[37];
    const char *ss;
    int rc = schema_text(a, c->schema, &ss, err);
    if (!rc && body->cur)
        snprintf(id, sizeof id, "%s", body->cur->metadata->id); /* a replace keeps the id */
    else if (!rc)
        rc = lh__delta_uuid(id, err);
    if (rc) return rc;
    const lh_delta_protocol_t *p =
        protocol_for(a, body->cur ? body->cur->protocol : NULL, c->schema->uses_timestamp_ntz);
    lh_delta_metadata_t *m = lh_arena_calloc(a, sizeof *m);
    lh_delta_kv_t *params = lh_arena_alloc(a, 2 * sizeof *params);
    const char *pby = json_names(a, c->partition_columns, c->npartition_columns);
    if ((!p && !body->cur) || !m || !params || !pby) return oom(err);
    params[0] = (lh_delta_kv_t){"partitionBy", pby};
    params[1] = (lh_delta_kv_t){"isManaged", "false"};
    *m = (lh_delta_metadata_t){.id = id,
                               .name = c->name,
                               .description = c->description,
                               .format_provider = "parquet",
                               .schema_string = ss,
                               .partition_columns = c->partition_columns,
                               .npartition_columns = c->npartition_columns,
                               .configuration = c->configuration,
                               .created_time = lh__delta_now_ms()};
    const char *op =
        body->cur ? (body->nadds ? "CREATE OR REPLACE TABLE AS SELECT" : "CREATE OR REPLACE TABLE")
                  : (body->nadds ? "CREATE TABLE AS SELECT" : "CREATE TABLE");
    lh__delta_txn_t x = {.operation = op,
                         .params = {params, 2},
                         .protocol = p,
                         .metadata = m,
                         .removes = body->removes,
                         .nremoves = body->nremoves,
                         .adds = body->adds,
                         .nadds = body->nadds,
                         .read_all = body->cur != NULL,
                         .read_version = body->cur ? body->cur->version : -1};
    return lh__delta_commit(t, &x, version, err);
}

static int check_create(const lh_delta_create_t *c, lh_err_t *err)
{
    if (!c->schema || c->schema->ncolumns == 0)
        return lh_err_set(err, LH_EINVAL, "a delta table needs a schema");
    return check_partition_columns(c->schema, c->partition_columns, c->npartition_columns, err);
}

int lh_delta_create(lh_delta_table_t *t, const lh_delta_create_t *c, int64_t *version,
                    lh_err_t *err)
{
    int rc = lh__delta_refresh(t, err);
    if (rc == 0) return lh_err_set(err, LH_EEXIST, "delta table %s exists", t->root);
    if (rc != LH_ENOENT) return rc;
    if ((rc = check_create(c, err))) return rc;
    lh_arena_t *a = lh_arena_new(8192);
    create_body_t body = {0};
    rc = a ? commit_create(t, c, a, &body, version, err) : oom(err);
    lh_arena_free(a);
    return rc;
}

static int removes_matching(lh_delta_table_t *t, op_t *op, const lh_delta_pred_t *where,
                            size_t nwhere, lh_delta_remove_t **out, size_t *n, lh_err_t *err);

/* The adds of a create, checked against its partitioning. */
static int create_adds(const lh_delta_create_t *c, const lh_delta_add_t *adds, size_t n,
                       lh_arena_t *a, lh_delta_add_t **out, lh_err_t *err)
{
    lh_delta_add_t *v = lh_arena_alloc(a, (n + 1) * sizeof *v);
    if (!v) return oom(err);
    int64_t now = lh__delta_now_ms();
    for (size_t i = 0; i < n; i++) {
        v[i] = adds[i];
        if (!v[i].path || !*v[i].path || v[i].size < 0)
            return lh_err_set(err, LH_EINVAL, "added file %zu has no path or a negative size", i);
        if (!v[i].modification_time) v[i].modification_time = now;
        if (v[i].partition_values.n != c->npartition_columns)
            return lh_err_set(err, LH_EINVAL, "file %s has %zu partition values, the table %zu",
                              v[i].path, v[i].partition_values.n, c->npartition_columns);
    }
    *out = v;
    return 0;
}

int lh_delta_create_with(lh_delta_table_t *t, const lh_delta_create_t *c, bool replace,
                         const lh_delta_add_t *adds, size_t nadds, int64_t *version, lh_err_t *err)
{
    int rc = lh__delta_refresh(t, err);
    if (rc == 0 && !replace) return lh_err_set(err, LH_EEXIST, "delta table %s exists", t->root);
    if (rc && rc != LH_ENOENT) return rc;
    bool exists = rc == 0;
    if ((rc = check_create(c, err))) return rc;
    op_t op = {0};
    create_body_t body = {0};
    lh_delta_add_t *v = NULL;
    lh_delta_remove_t *rms = NULL;
    if (exists && (rc = begin(t, &op, err))) goto done;
    if (exists && append_only(t)) {
        rc = lh_err_set(err, LH_EPERM, "delta table %s is append-only", t->root);
        goto done;
    }
    if (!op.a && !(op.a = lh_arena_new(8192))) {
        rc = oom(err);
        goto done;
    }
    if ((rc = create_adds(c, adds, nadds, op.a, &v, err))) goto done;
    if (exists && (rc = removes_matching(t, &op, NULL, 0, &rms, &body.nremoves, err))) goto done;
    body.adds = v;
    body.nadds = nadds;
    body.removes = rms;
    body.cur = exists ? &t->cache : NULL;
    rc = commit_create(t, c, op.a, &body, version, err);
done:
    lh_arena_free(op.a);
    return rc;
}

/* ---- writes ---- */

/* The adds with times filled in, each checked against the partitioning. */
static int prepare_adds(lh_delta_table_t *t, op_t *op, const lh_delta_write_t *w,
                        lh_delta_add_t **out, lh_err_t *err)
{
    const lh_delta_metadata_t *m = t->cache.metadata;
    lh_delta_add_t *adds = lh_arena_alloc(op->a, (w->nadds + 1) * sizeof *adds);
    if (!adds) return oom(err);
    int64_t now = lh__delta_now_ms();
    for (size_t i = 0; i < w->nadds; i++) {
        adds[i] = w->adds[i];
        if (!adds[i].path || !*adds[i].path || adds[i].size < 0)
            return lh_err_set(err, LH_EINVAL, "added file %zu has no path or a negative size", i);
        if (!adds[i].modification_time) adds[i].modification_time = now;
        if (adds[i].partition_values.n != m->npartition_columns)
            return lh_err_set(err, LH_EINVAL, "file %s has %zu partition values, the table %zu",
                              adds[i].path, adds[i].partition_values.n, m->npartition_columns);
        for (size_t k = 0; k < m->npartition_columns; k++) {
            bool found;
            const char *v =
                lh_delta_map_get(&adds[i].partition_values, m->partition_columns[k], &found);
            const lh_delta_column_t *col =
                lh_delta_schema_find(&op->schema, m->partition_columns[k]);
            lh_value_t val;
            if (!found)
                return lh_err_set(err, LH_EINVAL, "file %s lacks partition value '%s'",
                                  adds[i].path, m->partition_columns[k]);
            if (!col)
                return lh_err_set(err, LH_ECORRUPT, "partition column '%s' is not in the schema",
                                  m->partition_columns[k]);
            int rc = lh_delta_partition_value(&col->type, v, &val, err);
            if (rc) return rc;
        }
        if (w->nwhere) {
            int hit = lh__delta_pred_match(w->where, w->nwhere, &adds[i].partition_values,
                                           &op->schema, err);
            if (hit < 0) return hit;
            if (!hit)
                return lh_err_set(err, LH_EINVAL, "file %s is outside the replace-where predicate",
                                  adds[i].path);
        }
    }
    *out = adds;
    return 0;
}

static lh_delta_remove_t remove_of(const lh_delta_add_t *a)
{
    return (lh_delta_remove_t){.path = a->path,
                               .data_change = true,
                               .extended_file_metadata = true,
                               .partition_values = a->partition_values,
                               .size = a->size,
                               .dv_id = a->dv_id};
}

/* The live files matching where (all when nwhere is 0). */
static int removes_matching(lh_delta_table_t *t, op_t *op, const lh_delta_pred_t *where,
                            size_t nwhere, lh_delta_remove_t **out, size_t *n, lh_err_t *err)
{
    const lh__delta_state_t *s = &t->cache;
    lh_delta_remove_t *rms = lh_arena_alloc(op->a, (s->nentries + 1) * sizeof *rms);
    if (!rms) return oom(err);
    *n = 0;
    for (size_t i = 0; i < s->cap; i++) {
        const lh__delta_entry_t *e = &s->entries[i];
        if (!e->path || !e->add) continue;
        int hit = nwhere ? lh__delta_pred_match(where, nwhere, &e->add->partition_values,
                                                &op->schema, err)
                         : 1;
        if (hit < 0) return hit;
        if (hit) rms[(*n)++] = remove_of(e->add);
    }
    *out = rms;
    return 0;
}

/* Checks the predicate names partition columns only; "col IN ('a', 'b') AND ..." text. */
static int where_text(lh_delta_table_t *t, op_t *op, const lh_delta_pred_t *where, size_t n,
                      const char **out, lh_err_t *err)
{
    const lh_delta_metadata_t *m = t->cache.metadata;
    lh_buf_t b;
    lh_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        if (!lh_delta_is_partition_column(m, where[i].column) || where[i].nvalues == 0) {
            lh_buf_free(&b);
            return lh_err_set(
                err, LH_EINVAL,
                "replace-where column '%s' is not a partition column (or has no values)",
                where[i].column);
        }
        lh_buf_printf(&b, "%s%s IN (", i ? " AND " : "", where[i].column);
        for (size_t k = 0; k < where[i].nvalues; k++)
            if (where[i].values[k])
                lh_buf_printf(&b, "%s'%s'", k ? ", " : "", where[i].values[k]);
            else
                lh_buf_printf(&b, "%sNULL", k ? ", " : "");
        lh_buf_puts(&b, ")");
    }
    *out = lh_buf_err(&b) ? NULL : lh_arena_strdup(op->a, b.ptr);
    lh_buf_free(&b);
    return *out ? 0 : oom(err);
}

int lh_delta_write(lh_delta_table_t *t, const lh_delta_write_t *w, int64_t *version, lh_err_t *err)
{
    op_t op;
    int rc = begin(t, &op, err);
    lh_delta_add_t *adds = NULL;
    lh_delta_remove_t *rms = NULL;
    size_t nrm = 0;
    lh__delta_txn_t x = {.operation = "WRITE",
                         .app_id = w->app_id,
                         .app_version = w->app_version,
                         .read_version = t->cache.version};
    const char *pred = NULL;
    if (!rc && w->mode != LH_DELTA_APPEND && append_only(t))
        rc = lh_err_set(err, LH_EPERM, "delta table %s is append-only", t->root);
    if (!rc && w->mode == LH_DELTA_REPLACE_WHERE)
        rc = where_text(t, &op, w->where, w->nwhere, &pred, err);
    if (!rc) rc = prepare_adds(t, &op, w, &adds, err);
    if (!rc && w->mode != LH_DELTA_APPEND)
        rc = removes_matching(t, &op, w->mode == LH_DELTA_REPLACE_WHERE ? w->where : NULL,
                              w->mode == LH_DELTA_REPLACE_WHERE ? w->nwhere : 0, &rms, &nrm, err);
    if (!rc) {
        switch (w->mode) {
        case LH_DELTA_APPEND:
            x.params = (lh_delta_map_t){kv1(op.a, "mode", "Append"), 1};
            x.blind_append = true;
            break;
        case LH_DELTA_OVERWRITE:
            x.params = (lh_delta_map_t){kv1(op.a, "mode", "Overwrite"), 1};
            x.read_all = true;
            break;
        case LH_DELTA_REPLACE_WHERE: {
            lh_delta_kv_t *kv = lh_arena_alloc(op.a, 2 * sizeof *kv);
            if (kv) {
                kv[0] = (lh_delta_kv_t){"mode", "Overwrite"};
                kv[1] = (lh_delta_kv_t){"predicate", pred};
            }
            x.params = (lh_delta_map_t){kv, 2};
            x.where = w->where;
            x.nwhere = w->nwhere;
            break;
        }
        default:
            rc = lh_err_set(err, LH_EINVAL, "unknown delta write mode %d", (int)w->mode);
        }
        if (!rc && !x.params.items) rc = oom(err);
    }
    if (!rc) {
        x.adds = adds;
        x.nadds = w->nadds;
        x.removes = rms;
        x.nremoves = nrm;
        rc = lh__delta_commit(t, &x, version, err);
    }
    lh_arena_free(op.a);
    return rc;
}

int lh_delta_append(lh_delta_table_t *t, const lh_delta_add_t *adds, size_t n, int64_t *version,
                    lh_err_t *err)
{
    lh_delta_write_t w = {.mode = LH_DELTA_APPEND, .adds = adds, .nadds = n};
    return lh_delta_write(t, &w, version, err);
}

int lh_delta_overwrite(lh_delta_table_t *t, const lh_delta_add_t *adds, size_t n, int64_t *version,
                       lh_err_t *err)
{
    lh_delta_write_t w = {.mode = LH_DELTA_OVERWRITE, .adds = adds, .nadds = n};
    return lh_delta_write(t, &w, version, err);
}

int lh_delta_replace_where(lh_delta_table_t *t, const lh_delta_pred_t *where, size_t nwhere,
                           const lh_delta_add_t *adds, size_t n, int64_t *version, lh_err_t *err)
{
    if (nwhere == 0) return lh_err_set(err, LH_EINVAL, "replace-where needs a predicate");
    lh_delta_write_t w = {
        .mode = LH_DELTA_REPLACE_WHERE, .adds = adds, .nadds = n, .where = where, .nwhere = nwhere};
    return lh_delta_write(t, &w, version, err);
}

int lh_delta_delete_files(lh_delta_table_t *t, const char *const *paths, size_t n, int64_t *version,
                          lh_err_t *err)
{
    op_t op;
    int rc = begin(t, &op, err);
    lh_delta_remove_t *rms = op.a ? lh_arena_alloc(op.a, (n + 1) * sizeof *rms) : NULL;
    if (!rc && append_only(t))
        rc = lh_err_set(err, LH_EPERM, "delta table %s is append-only", t->root);
    if (!rc && !rms) rc = oom(err);
    for (size_t i = 0; !rc && i < n; i++) {
        const lh__delta_entry_t *e = lh__delta_state_find(&t->cache, paths[i], NULL);
        if (!e || !e->add)
            rc = lh_err_set(err, LH_ENOENT, "%s is not a file of %s", paths[i], t->root);
        else
            rms[i] = remove_of(e->add);
    }
    if (!rc) {
        char num[24];
        snprintf(num, sizeof num, "%zu", n);
        lh__delta_txn_t x = {.operation = "DELETE",
                             .params = {kv1(op.a, "numRemovedFiles", num), 1},
                             .removes = rms,
                             .nremoves = n,
                             .read_version = t->cache.version};
        rc = x.params.items ? lh__delta_commit(t, &x, version, err) : oom(err);
    }
    lh_arena_free(op.a);
    return rc;
}

int lh_delta_rewrite(lh_delta_table_t *t, const lh_delta_rewrite_t *rw, int64_t *version,
                     lh_err_t *err)
{
    op_t op;
    int rc = begin(t, &op, err);
    lh_delta_remove_t *rms = op.a ? lh_arena_alloc(op.a, (rw->nremove + 1) * sizeof *rms) : NULL;
    lh_delta_add_t *adds = op.a ? lh_arena_alloc(op.a, (rw->nadds + 1) * sizeof *adds) : NULL;
    if (!rc && rw->data_change && append_only(t))
        rc = lh_err_set(err, LH_EPERM, "delta table %s is append-only", t->root);
    if (!rc && (!rms || !adds)) rc = oom(err);
    for (size_t i = 0; !rc && i < rw->nremove; i++) {
        const lh__delta_entry_t *e = lh__delta_state_find(&t->cache, rw->remove[i], NULL);
        if (!e || !e->add)
            rc = lh_err_set(err, LH_ECONFLICT,
                            "%s is no longer a file of %s: a concurrent commit removed it",
                            rw->remove[i], t->root);
        else {
            rms[i] = remove_of(e->add);
            rms[i].data_change = rw->data_change;
        }
    }
    for (size_t i = 0; !rc && i < rw->nadds; i++) {
        adds[i] = rw->adds[i];
        adds[i].data_change = rw->data_change;
        if (!adds[i].modification_time) adds[i].modification_time = lh__delta_now_ms();
    }
    if (!rc) {
        lh__delta_txn_t x = {.operation = rw->operation ? rw->operation : "OPTIMIZE",
                             .params = rw->params,
                             .removes = rms,
                             .nremoves = rw->nremove,
                             .adds = adds,
                             .nadds = rw->nadds,
                             .read_version = t->cache.version};
        rc = lh__delta_commit(t, &x, version, err);
    }
    lh_arena_free(op.a);
    return rc;
}

/* A metaData like the current one with schema s; the protocol it needs. */
static int commit_schema(lh_delta_table_t *t, op_t *op, const lh_delta_schema_t *s,
                         const char *operation, lh_delta_map_t params, int64_t *version,
                         lh_err_t *err)
{
    const lh_delta_metadata_t *cur = t->cache.metadata;
    lh_delta_metadata_t *m = lh_arena_alloc(op->a, sizeof *m);
    if (!m) return oom(err);
    *m = *cur;
    int rc = schema_text(op->a, s, &m->schema_string, err);
    if (rc) return rc;
    const lh_delta_protocol_t *p = protocol_for(op->a, t->cache.protocol, s->uses_timestamp_ntz);
    lh__delta_txn_t x = {.operation = operation,
                         .params = params,
                         .protocol = p,
                         .metadata = m,
                         .read_version = t->cache.version};
    return lh__delta_commit(t, &x, version, err);
}

int lh_delta_add_column(lh_delta_table_t *t, const lh_delta_column_t *col, int64_t *version,
                        lh_err_t *err)
{
    op_t op;
    lh_delta_schema_t s;
    int rc = begin(t, &op, err);
    if (!rc) rc = lh_delta_schema_add_column(op.a, &op.schema, col, &s, err);
    if (!rc) {
        const char *names[1] = {col->name};
        const char *cols = json_names(op.a, names, 1);
        rc = cols ? commit_schema(t, &op, &s, "ADD COLUMNS",
                                  (lh_delta_map_t){kv1(op.a, "columns", cols), 1}, version, err)
                  : oom(err);
    }
    lh_arena_free(op.a);
    return rc;
}

int lh_delta_set_schema(lh_delta_table_t *t, const lh_delta_schema_t *s, int64_t *version,
                        lh_err_t *err)
{
    op_t op;
    int rc = begin(t, &op, err);
    const lh_delta_metadata_t *m = t->cache.metadata;
    for (size_t i = 0; !rc && i < m->npartition_columns; i++) {
        const lh_delta_column_t *a = lh_delta_schema_find(&op.schema, m->partition_columns[i]);
        const lh_delta_column_t *b = lh_delta_schema_find(s, m->partition_columns[i]);
        if (!a || !b || !lh_type_equal(&a->type, &b->type))
            rc = lh_err_set(err, LH_EINVAL, "the new schema drops or retypes partition column '%s'",
                            m->partition_columns[i]);
    }
    if (!rc && s->ncolumns == 0) rc = lh_err_set(err, LH_EINVAL, "a delta table needs a schema");
    if (!rc)
        rc = commit_schema(t, &op, s, "REPLACE COLUMNS", (lh_delta_map_t){NULL, 0}, version, err);
    lh_arena_free(op.a);
    return rc;
}
