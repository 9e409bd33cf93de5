/* DELETE FROM t [WHERE cond] and UPDATE t SET c = e, ... [WHERE cond], on a
 * memory table or a lake table (out->lake already set by bind_lake_ddl.c).
 * Both bind to one plan: every row of the table, in the table's columns
 * (UPDATE's SET columns as CASE WHEN cond THEN e ELSE c END, cast to the
 * column's type), plus a last BOOLEAN column that is true for the rows the
 * statement touches (NULL counts as false). The executor keeps or drops rows
 * by it (sql/dml.c for memory tables, sql/lake_dml.c for the lake). On the
 * lake a second plan counts a file's matching rows (the WHERE pushed into
 * the scan for row-group pruning), so files without one are left alone. */
#include <string.h>
#include <strings.h>

#include "sql/bind/bind_int.h"
#include "sql/lake_write.h"
#include "sql/opt/opt.h"

lh_bexpr_t *lh__bx_list(lh_arena_t *a, lh_bx_kind_t kind, const lh_type_t *t, uint32_t n)
{
    lh_bexpr_t *e = lh_arena_calloc(a, sizeof *e);
    lh_bexpr_t **items = e ? lh_arena_calloc(a, (n + 1) * sizeof *items) : NULL;
    if (!items) return NULL;
    e->kind = kind;
    e->type = *t;
    e->pos = -1;
    e->u.list.items = items;
    e->u.list.n = n;
    return e;
}

lh_bexpr_t *lh__bx_bool(lh_arena_t *a, bool b)
{
    lh_value_t v = lh_value_bool(b);
    return lh_bx_const(a, &v, -1);
}

/* The target as a FROM item: its scan and the scope its columns make. */
static int bind_target(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                       const lh_ast_name_t *name, const char *alias, lh_plan_t **scan,
                       lh_bscope_t *sc)
{
    lh_ast_t *ref = lh_arena_calloc(env->arena, sizeof *ref);
    if (!ref) return LH_ENOMEM;
    ref->kind = LH_AST_TABLE_REF;
    ref->pos = n->pos;
    ref->alias = alias;
    ref->u.table.name = *name;
    return lh__bind_from(env, params, ref, scan, sc);
}

/* UPDATE's SET list: per table column, its new value (NULL: unchanged). */
static int set_values(lh_bctx_t *c, const lh_ast_t *n, const lh_plan_t *scan, lh_bexpr_t ***out)
{
    lh_bind_env_t *env = c->env;
    lh_bexpr_t **v = lh_arena_calloc(env->arena, (scan->ncols + 1) * sizeof *v);
    if (!v) return LH_ENOMEM;
    for (uint32_t k = 0; k < n->u.update.set_values.n; k++) {
        const char *name = n->u.update.set_columns[k];
        const lh_ast_t *x = n->u.update.set_values.items[k];
        uint32_t i = 0;
        while (i < scan->ncols && strcasecmp(scan->cols[i].name, name))
            i++;
        if (i == scan->ncols)
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, x->pos,
                              "Referenced update column %s not found in table!", name);
        if (v[i])
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, x->pos,
                              "Multiple assignments to same column \"%s\"", name);
        int rc = lh__bind_expr(c, x, &v[i]);
        if (!rc) rc = lh__bind_cast_to(c, v[i], &scan->cols[i].type, false, x->pos, &v[i]);
        if (rc) return rc;
    }
    *out = v;
    return 0;
}

/* The rows plan: the table's columns (updated where SET says), touched and drop. */
static int rows_plan(lh_bind_env_t *env, lh_plan_t *scan, lh_bexpr_t *match, lh_bexpr_t **set,
                     lh_plan_t **out)
{
    lh_arena_t *a = env->arena;
    uint32_t nc = scan->ncols;
    lh_plan_t *p = lh__dml_plan(a, scan, nc);
    if (!p) return LH_ENOMEM;
    for (uint32_t i = 0; i < nc; i++) {
        p->cols[i] = scan->cols[i];
        lh_bexpr_t *col = lh_bx_colref(a, i, &scan->cols[i].type), *e = col;
        if (col && set && set[i] && (e = lh__bx_list(a, LH_BX_CASE, &scan->cols[i].type, 3))) {
            e->u.list.items[0] = match;
            e->u.list.items[1] = set[i];
            e->u.list.items[2] = col;
        }
        if (!(p->u.project.exprs[i] = e)) return LH_ENOMEM;
    }
    p->u.project.exprs[nc] = match;
    p->u.project.exprs[nc + 1] = set ? lh__bx_bool(a, false) : match;
    *out = p;
    return p->u.project.exprs[nc + 1] ? 0 : LH_ENOMEM;
}

lh_plan_t *lh__dml_plan(lh_arena_t *a, lh_plan_t *child, uint32_t nc)
{
    lh_plan_t *p = lh_plan_new(a, LH_PLAN_PROJECT, nc + 2);
    if (!p || !(p->u.project.exprs = lh_arena_calloc(a, (nc + 3) * sizeof(lh_bexpr_t *))))
        return NULL;
    p->child[0] = child;
    p->cols[nc] = (lh_plan_col_t){.name = "touched", .type = lh_type(LH_TYPE_BOOLEAN)};
    p->cols[nc + 1] = (lh_plan_col_t){.name = "drop", .type = lh_type(LH_TYPE_BOOLEAN)};
    return p;
}

int lh__dml_count_plan(lh_arena_t *a, lh_plan_t *child, const lh_plan_t **out)
{
    lh_plan_t *p = lh_plan_new(a, LH_PLAN_PROJECT, 1);
    if (!p || !(p->u.project.exprs = lh_arena_calloc(a, 2 * sizeof(lh_bexpr_t *))) ||
        !(p->u.project.exprs[0] = lh__bx_bool(a, true)))
        return LH_ENOMEM;
    p->child[0] = child;
    p->cols[0] = (lh_plan_col_t){.name = "found", .type = lh_type(LH_TYPE_BOOLEAN)};
    if (lh_opt_prune_columns(a, p) || lh_opt_push_filters(a, p)) return LH_ENOMEM;
    *out = p;
    return 0;
}

/* The lake's counting plan: one constant column over the rows of a copy of
 * scan that match, pruned to the columns the WHERE reads. */
static int find_plan(lh_bind_env_t *env, const lh_plan_t *scan, lh_bexpr_t *match,
                     const lh_plan_t **out)
{
    lh_arena_t *a = env->arena;
    lh_plan_t *s = lh_plan_new(a, LH_PLAN_SCAN_PARQUET, scan->ncols);
    lh_plan_t *f = lh_plan_new(a, LH_PLAN_FILTER, scan->ncols);
    if (!s || !f) return LH_ENOMEM;
    lh_plan_col_t *cols = s->cols;
    *s = *scan;
    s->cols = cols;
    memcpy(cols, scan->cols, scan->ncols * sizeof *cols);
    memcpy(f->cols, scan->cols, scan->ncols * sizeof *cols);
    f->child[0] = s;
    f->u.filter.cond = match;
    return lh__dml_count_plan(a, f, out);
}

/* Whether e reads no column but partition columns of scan (constants,
 * parameters and subqueries computed once are fine). */
static bool partition_only(const lh_bexpr_t *e, const lh_plan_t *scan, int depth)
{
    if (!e) return true;
    if (depth > 64) return false;
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_CONST:
    case LH_BX_PARAM:
        return true;
    case LH_BX_COLREF:
        return scan->u.pq.is_part && scan->u.pq.is_part[e->u.col];
    case LH_BX_FUNC:
        for (uint32_t i = 0; i < e->u.func.nargs; i++)
            if (!partition_only(e->u.func.args[i], scan, depth + 1)) return false;
        return true;
    case LH_BX_CAST:
        return partition_only(e->u.cast.arg, scan, depth + 1);
    case LH_BX_IN_SET:
        return partition_only(e->u.in_set.arg, scan, depth + 1);
    default:
        for (uint32_t i = 0; i < e->u.list.n; i++)
            if (!partition_only(e->u.list.items[i], scan, depth + 1)) return false;
        return true;
    }
}

int lh__bind_dml(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n, lh_bound_stmt_t *out)
{
    bool del = n->kind == LH_AST_STMT_DELETE;
    if (!del && n->u.update.from) return lh__bind_update_from(env, params, n, out);
    const lh_ast_t *where = del ? n->u.del.where : n->u.update.where;
    out->kind = del ? LH_STMT_DELETE : LH_STMT_UPDATE;
    out->tag = del ? "DELETE" : "UPDATE";
    lh_plan_t *scan;
    lh_bscope_t sc = {0};
    int rc = bind_target(env, params, n, del ? &n->u.del.table : &n->u.update.table,
                         del ? n->u.del.alias : n->u.update.alias, &scan, &sc);
    if (rc) return rc;
    uint8_t want = out->lake ? LH_PLAN_SCAN_PARQUET : LH_PLAN_SCAN_MEMORY;
    if (scan->kind != want)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos,
                          del ? "Can only delete from base table" : "Can only update base table");
    if (!out->lake) out->table = scan->u.mem.table;
    lh_bctx_t c = {.env = env, .scope = &sc, .params = params};
    lh_bexpr_t *match = NULL, **set = NULL;
    rc = where ? lh__bind_bool(&c, where, "WHERE", &match) : 0;
    if (!rc && !match && !(match = lh__bx_bool(env->arena, true))) rc = LH_ENOMEM;
    if (!rc && !del) rc = set_values(&c, n, scan, &set);
    if (!rc) rc = rows_plan(env, scan, match, set, &out->plan);
    if (rc || !out->lake) return rc;
    out->lake->dml_pred = del ? n->u.del.where_text : n->u.update.where_text;
    out->lake->dml_whole_files = del && where && partition_only(match, scan, 0);
    return where ? find_plan(env, scan, match, &out->dml_find) : 0;
}

/* ALTER TABLE t ADD [COLUMN] [IF NOT EXISTS] c type. Memory: a plan of the
 * table's rows with the new column NULL (sql/dml.c rebuilds the table from
 * it); lake: out->lake gets the column (lake_write.c commits a metaData).
 * *noop when the column exists and IF NOT EXISTS says to do nothing. */
int lh__bind_alter_add(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                       lh_bound_stmt_t *out)
{
    const lh_ast_column_def_t *d = &n->u.alter.column;
    out->kind = out->lake ? LH_STMT_NOOP : LH_STMT_ALTER_ADD;
    out->tag = "ALTER TABLE";
    if (d->default_expr || d->not_null || d->primary_key)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ENOTIMPL, n->pos,
                          "ALTER TABLE ADD COLUMN takes a name and a type only (no DEFAULT or "
                          "constraints yet)");
    lh_plan_t *scan;
    lh_bscope_t sc = {0};
    int rc = bind_target(env, params, n, &n->u.alter.table, NULL, &scan, &sc);
    if (rc) return rc;
    if (scan->kind != (out->lake ? LH_PLAN_SCAN_PARQUET : LH_PLAN_SCAN_MEMORY))
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos, "Can only alter base table");
    for (uint32_t i = 0; i < scan->ncols; i++) {
        if (strcasecmp(scan->cols[i].name, d->name)) continue;
        if (n->u.alter.if_not_exists) {
            out->kind = LH_STMT_NOOP;
            out->lake = NULL;
            return 0;
        }
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ECATALOG, n->pos,
                          "Column with name %s already exists!", d->name);
    }
    lh_type_t type;
    lh_err_t terr = {0};
    if (lh_type_parse(env->arena, d->type_text, strlen(d->type_text), &type, &terr))
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ECATALOG, d->type_pos,
                          "Type with name %s does not exist!", d->type_text);
    if (out->lake) {
        out->lake->add_column = d->name;
        out->lake->add_type = type;
        return 0;
    }
    out->table = scan->u.mem.table;
    uint32_t nc = scan->ncols;
    lh_plan_t *p = lh_plan_new(env->arena, LH_PLAN_PROJECT, nc + 1);
    if (!p || !(p->u.project.exprs = lh_arena_calloc(env->arena, (nc + 2) * sizeof(lh_bexpr_t *))))
        return LH_ENOMEM;
    p->child[0] = scan;
    for (uint32_t i = 0; i < nc; i++) {
        p->cols[i] = scan->cols[i];
        if (!(p->u.project.exprs[i] = lh_bx_colref(env->arena, i, &scan->cols[i].type)))
            return LH_ENOMEM;
    }
    lh_value_t nv = lh_value_null(type);
    p->cols[nc] = (lh_plan_col_t){.name = d->name, .type = type};
    if (!(p->u.project.exprs[nc] = lh_bx_const(env->arena, &nv, -1))) return LH_ENOMEM;
    out->plan = p;
    return 0;
}
