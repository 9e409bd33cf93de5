/* FROM items in the lake: the lake's Delta tables (ns.table, resolved in
 * the lake when ns is not a schema of the memory catalog). A Delta table is
 * bound to its snapshot's data files (newest version, or AT (VERSION => n)
 * / FOR TIMESTAMP AS OF ts), with the partition values copied into the
 * statement, so the snapshot is released before the query runs. A name
 * with no Delta table may be a lake view (bind_lake_ddl.c). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/bind/bind_int.h"
#include "table/catalog.h"
#include "table/delta.h"

static int io_error(lh_bind_env_t *env, int32_t pos, const char *what, const lh_err_t *e)
{
    bool missing = e->code == LH_ENOENT;
    return lh_sql_err(env->err, missing ? LH_EINVAL : (e->code ? e->code : LH_EIO),
                      missing ? LH_SQL_ECATALOG : LH_SQL_EIO, pos, "%s: %s", what, e->msg);
}

static int snapshot_of(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                       lh_delta_table_t *t, lh_delta_snapshot_t **s, lh_err_t *e)
{
    if (!n->u.table.at_version && !n->u.table.at_timestamp)
        return lh_delta_snapshot_latest(t, s, e);
    lh_bscope_t empty = {0};
    lh_bctx_t c = {.env = env, .scope = &empty, .params = params};
    lh_bexpr_t *x;
    const lh_ast_t *a = n->u.table.at_version ? n->u.table.at_version : n->u.table.at_timestamp;
    lh_type_t want = lh_type(n->u.table.at_version ? LH_TYPE_BIGINT : LH_TYPE_TIMESTAMP_TZ);
    int rc = lh__bind_expr(&c, a, &x);
    if (!rc) rc = lh__bind_cast_to(&c, x, &want, false, a->pos, &x);
    if (rc) return rc;
    if (x->kind != LH_BX_CONST || x->u.c.is_null)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, a->pos,
                          "time travel needs a constant");
    if (n->u.table.at_version) return lh_delta_snapshot_at_version(t, x->u.c.v.i, s, e);
    int64_t ms = x->u.c.v.i >= 0 ? x->u.c.v.i / 1000 : -((-x->u.c.v.i + 999) / 1000);
    return lh_delta_snapshot_at_time(t, ms, s, e);
}

static int plan_snapshot(lh_bind_env_t *env, const lh_delta_table_t *t,
                         const lh_delta_snapshot_t *s, lh_plan_t **out)
{
    lh_arena_t *a = env->arena;
    lh_plan_t *p = lh_plan_new(a, LH_PLAN_SCAN_PARQUET, s->schema.ncolumns);
    if (!p) return LH_ENOMEM;
    p->u.pq.os = env->lake;
    p->u.pq.bucket = env->lake_bucket;
    p->u.pq.nfiles = (uint32_t)s->nfiles;
    p->u.pq.keys = lh_arena_calloc(a, (s->nfiles + 1) * sizeof *p->u.pq.keys);
    p->u.pq.names = lh_arena_calloc(a, (s->schema.ncolumns + 1) * sizeof *p->u.pq.names);
    p->u.pq.is_part = lh_arena_calloc(a, (s->schema.ncolumns + 1) * sizeof *p->u.pq.is_part);
    p->u.pq.part_text = lh_arena_calloc(a, (s->nfiles + 1) * sizeof *p->u.pq.part_text);
    if (!p->u.pq.keys || !p->u.pq.names || !p->u.pq.is_part || !p->u.pq.part_text) return LH_ENOMEM;
    bool any_part = false;
    for (uint32_t c = 0; c < s->schema.ncolumns; c++) {
        const lh_delta_column_t *col = &s->schema.columns[c];
        p->cols[c].name = p->u.pq.names[c] = lh_arena_strdup(a, col->name);
        if (!p->cols[c].name || lh_type_copy(a, &col->type, &p->cols[c].type)) return LH_ENOMEM;
        p->u.pq.is_part[c] = lh_delta_is_partition_column(&s->metadata, col->name);
        any_part |= p->u.pq.is_part[c];
    }
    int64_t rows = 0;
    for (size_t f = 0; f < s->nfiles; f++) {
        const lh_delta_add_t *add = &s->files[f];
        p->u.pq.keys[f] = lh_arena_printf(a, "%s%s", lh_delta_root(t), add->path);
        if (!p->u.pq.keys[f]) return LH_ENOMEM;
        if (!any_part) continue;
        const char **texts = lh_arena_calloc(a, (s->schema.ncolumns + 1) * sizeof *texts);
        if (!texts) return LH_ENOMEM;
        for (uint32_t c = 0; c < s->schema.ncolumns; c++) {
            if (!p->u.pq.is_part[c]) continue;
            const char *v =
                lh_delta_map_get(&add->partition_values, s->schema.columns[c].name, NULL);
            if (v && !(texts[c] = lh_arena_strdup(a, v))) return LH_ENOMEM;
        }
        p->u.pq.part_text[f] = texts;
        rows += add->size;
    }
    if (!any_part) p->u.pq.is_part = NULL;
    p->est_rows = (double)rows;
    *out = p;
    return 0;
}

int lh__bind_lake_table(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n, const char *ns,
                        const char *name, lh_plan_t **plan, lh_bscope_t *sc)
{
    if (!env->lake)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ECATALOG, n->pos,
                          "Table with name %s.%s does not exist! (no lake: lake.endpoint is not "
                          "set)",
                          ns, name);
    char root[512];
    snprintf(root, sizeof root, "%s/%s", ns, name);
    lh_delta_table_t *t = NULL;
    lh_delta_snapshot_t *s = NULL;
    lh_err_t e = {0};
    int rc = lh_delta_open(&t, env->lake, env->lake_bucket, root, &e);
    if (!rc) rc = snapshot_of(env, params, n, t, &s, &e);
    if (rc) {
        lh_delta_close(t);
        if (env->err && env->err->e.code) return rc;
        if (e.code != LH_ENOENT) return io_error(env, n->pos, root, &e);
        bool view = false;
        rc = lh__bind_lake_view(env, n, ns, name, plan, sc, &view);
        if (rc || view) return rc;
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ECATALOG, n->pos,
                          "Table with name %s.%s does not exist!", ns, name);
    }
    rc = plan_snapshot(env, t, s, plan);
    lh_delta_snapshot_free(s);
    lh_delta_close(t);
    if (rc) return rc;
    sc->n = (*plan)->ncols;
    sc->cols = lh_arena_calloc(env->arena, (sc->n + 1) * sizeof *sc->cols);
    if (!sc->cols) return LH_ENOMEM;
    for (uint32_t i = 0; i < sc->n; i++)
        sc->cols[i] = (lh_bcol_t){.qual = n->alias ? n->alias : name,
                                  .name = (*plan)->cols[i].name,
                                  .type = (*plan)->cols[i].type};
    return 0;
}
