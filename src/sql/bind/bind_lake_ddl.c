/* Statements whose target is a lake namespace (sql/lake_write.h says what
 * each does to the objects). A target is in the lake when a lake is set and
 * its schema (written, or the session's, SET schema) is not a schema of the
 * memory catalog, or its catalog is `lake`; CREATE TEMP always stays in
 * memory, and with a lake CREATE SCHEMA makes a lake namespace unless it is
 * spelled memory.<name>. Binding reads the lake where it must: INSERT reads
 * the table's schema; CREATE VIEW binds its query to record its columns.
 *
 * Lake views: `<ns>/_views/<name>.json` holds {"sql": text, "columns":
 * [{"name", "type"}...]}; naming one binds its SQL again (in the session's
 * schema, without the statement's CTEs) with the recorded column names. */
#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "sql/bind/bind_int.h"
#include "sql/lake_write.h"
#include "table/catalog.h"

#define VIEW_DEPTH_MAX 16

static _Thread_local int view_depth; /* views being bound inside views */
/* the views being bound: a memory view by its table, a lake view by its key */
static _Thread_local struct {
    const void *id;
    const char *what;
} view_stack[VIEW_DEPTH_MAX];

static int bad_name(lh_bind_env_t *env, int32_t pos, const char *what, const char *name)
{
    return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ECATALOG, pos,
                      "invalid lake %s name \"%s\" (letters, digits, _ and -, not starting with "
                      "_ or -)",
                      what, name);
}

/* Whether the dotted name is in the lake: *ns and *name. */
static bool in_lake(lh_bind_env_t *env, const lh_ast_name_t *nm, const char **ns, const char **name)
{
    *name = nm->parts[nm->n - 1];
    if (nm->n == 3) {
        *ns = nm->parts[1];
        return !strcasecmp(nm->parts[0], "lake");
    }
    *ns = nm->n == 2 ? nm->parts[0] : env->schema;
    return !lh_sql_catalog_has_schema(env->catalog, *ns);
}

static int new_stmt(lh_bind_env_t *env, lh_bound_stmt_t *out, lh_sql_lake_what_t what,
                    const char *ns, const char *name, int32_t pos)
{
    if (!lh_catalog_name_valid(ns, strlen(ns))) return bad_name(env, pos, "schema", ns);
    if (name && !lh_catalog_name_valid(name, strlen(name)))
        return bad_name(env, pos, "table", name);
    lh_sql_lake_stmt_t *ls = lh_arena_calloc(env->arena, sizeof *ls);
    if (!ls) return LH_ENOMEM;
    ls->what = what;
    ls->ns = ns;
    ls->name = name;
    out->lake = ls;
    out->schema = ns;
    out->name = name ? name : ns;
    return 0;
}

/* The Delta schema of the new table's columns and its partition columns
 * (spelled as the columns are). */
static int table_schema(lh_bind_env_t *env, const lh_ast_t *n, lh_bound_stmt_t *out)
{
    lh_sql_lake_stmt_t *ls = out->lake;
    uint32_t nc = out->ntarget_cols;
    lh_field_t *f = lh_arena_calloc(env->arena, (nc + 1) * sizeof *f);
    lh_delta_schema_t *ds = lh_arena_calloc(env->arena, sizeof *ds);
    if (!f || !ds) return LH_ENOMEM;
    for (uint32_t i = 0; i < nc; i++)
        f[i] = (lh_field_t){.name = out->target_cols[i].name, .type = out->target_cols[i].type};
    lh_type_t st;
    lh_err_t e = {0};
    if (lh_type_struct(env->arena, f, nc, &st)) return LH_ENOMEM;
    if (lh_delta_schema_from_type(env->arena, &st, ds, &e))
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos,
                          "a Delta table cannot hold this: %s", e.msg);
    ls->schema = ds;
    ls->npartition_by = n->u.create_table.npartition_by;
    ls->partition_by = lh_arena_calloc(env->arena, (ls->npartition_by + 1) * sizeof(char *));
    if (!ls->partition_by) return LH_ENOMEM;
    for (uint32_t p = 0; p < ls->npartition_by; p++) {
        const char *want = n->u.create_table.partition_by[p];
        for (uint32_t i = 0; i < nc && !ls->partition_by[p]; i++)
            if (!strcasecmp(out->target_cols[i].name, want))
                ls->partition_by[p] = out->target_cols[i].name;
        if (!ls->partition_by[p])
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos,
                              "PARTITIONED BY names %s, which is not a column of the table", want);
    }
    if (ls->npartition_by && ls->npartition_by == nc)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos,
                          "a Delta table needs a column that is not a partition column");
    return 0;
}

static int bind_create_table(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                             const char *ns, const char *name, lh_bound_stmt_t *out)
{
    if (n->u.create_table.noptions)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ENOTIMPL, n->pos,
                          "WITH (...) options on a lake table are not supported");
    int rc = lh__bind_create_table(env, params, n, out);
    if (!rc) rc = new_stmt(env, out, LH_SQL_LAKE_CREATE_TABLE, ns, name, n->pos);
    return rc ? rc : table_schema(env, n, out);
}

/* The table's columns from its latest snapshot (copied into the arena). */
static int table_columns(lh_bind_env_t *env, int32_t pos, const char *ns, const char *name,
                         lh_plan_col_t **cols, bool **is_part, uint32_t *ncols)
{
    char root[2 * LH_CATALOG_NAME_MAX + 2];
    snprintf(root, sizeof root, "%s/%s", ns, name);
    lh_delta_table_t *t = NULL;
    lh_delta_snapshot_t *s = NULL;
    lh_err_t e = {0};
    int rc = lh_delta_open(&t, env->lake, env->lake_bucket, root, &e);
    if (!rc) rc = lh_delta_snapshot_latest(t, &s, &e);
    if (rc == LH_ENOENT)
        rc = lh_sql_err(env->err, LH_EINVAL, LH_SQL_ECATALOG, pos,
                        "Table with name %s.%s does not exist!", ns, name);
    else if (rc)
        rc = lh_sql_err(env->err, rc == LH_ENOMEM ? rc : LH_EIO, LH_SQL_EIO, pos, "%s: %s", root,
                        e.msg);
    uint32_t nc = s ? s->schema.ncolumns : 0;
    *cols = rc ? NULL : lh_arena_calloc(env->arena, (nc + 1) * sizeof **cols);
    *is_part = rc ? NULL : lh_arena_calloc(env->arena, nc + 1);
    if (!rc && (!*cols || !*is_part)) rc = LH_ENOMEM;
    for (uint32_t i = 0; !rc && i < nc; i++) {
        const lh_delta_column_t *c = &s->schema.columns[i];
        (*cols)[i].name = lh_arena_strdup(env->arena, c->name);
        (*is_part)[i] = lh_delta_is_partition_column(&s->metadata, c->name);
        if (!(*cols)[i].name || lh_type_copy(env->arena, &c->type, &(*cols)[i].type))
            rc = LH_ENOMEM;
    }
    *ncols = nc;
    lh_delta_snapshot_free(s);
    lh_delta_close(t);
    return rc;
}

static int bind_insert(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n, const char *ns,
                       const char *name, lh_bound_stmt_t *out)
{
    out->kind = LH_STMT_INSERT;
    out->tag = "INSERT";
    int rc = new_stmt(env, out, LH_SQL_LAKE_INSERT, ns, name, n->pos);
    lh_plan_col_t *cols;
    bool *is_part;
    uint32_t nc;
    if (!rc) rc = table_columns(env, n->pos, ns, name, &cols, &is_part, &nc);
    if (!rc) rc = lh__bind_insert_rows(env, params, n, name, cols, nc, &out->plan);
    if (!rc && n->u.insert.replace_where)
        rc = lh__bind_lake_replace_where(env, params, n->u.insert.replace_where, name, cols, nc,
                                         is_part, out->lake);
    return rc;
}

/* OPTIMIZE ns.t [WHERE partition predicates] and VACUUM ns.t [RETAIN n HOURS] [DRY RUN]. */
static int bind_maint(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n, const char *ns,
                      const char *name, lh_bound_stmt_t *out)
{
    bool opt = n->kind == LH_AST_STMT_OPTIMIZE;
    out->kind = LH_STMT_NOOP;
    out->tag = opt ? "OPTIMIZE" : "VACUUM";
    int rc = new_stmt(env, out, opt ? LH_SQL_LAKE_OPTIMIZE : LH_SQL_LAKE_VACUUM, ns, name, n->pos);
    lh_plan_col_t *cols;
    bool *is_part;
    uint32_t nc;
    if (!rc) rc = table_columns(env, n->pos, ns, name, &cols, &is_part, &nc);
    if (rc) return rc;
    out->lake->retain_hours = 168; /* Delta's default: 7 days */
    out->lake->dry_run = n->u.maint.dry_run;
    if (opt && n->u.maint.where)
        return lh__bind_lake_replace_where(env, params, n->u.maint.where, name, cols, nc, is_part,
                                           out->lake);
    if (!n->u.maint.retain) return 0;
    lh_bscope_t empty = {0};
    lh_bctx_t c = {.env = env, .scope = &empty, .params = params};
    lh_type_t dt = lh_type(LH_TYPE_DOUBLE);
    lh_bexpr_t *x;
    if (!(rc = lh__bind_expr(&c, n->u.maint.retain, &x)))
        rc = lh__bind_cast_to(&c, x, &dt, false, n->u.maint.retain->pos, &x);
    if (rc) return rc;
    if (x->kind != LH_BX_CONST || x->u.c.is_null || x->u.c.v.d < 0)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->u.maint.retain->pos,
                          "RETAIN takes a constant number of hours, 0 or more");
    out->lake->retain_hours = x->u.c.v.d;
    return 0;
}

/* {"sql": ..., "columns": [{"name": ..., "type": ...}, ...]} */
static int view_json(lh_bind_env_t *env, const lh_ast_t *n, const lh_plan_t *p,
                     lh_sql_lake_stmt_t *ls)
{
    json_t *cols = json_array(), *o = NULL;
    int rc = cols ? 0 : LH_ENOMEM;
    for (uint32_t i = 0; !rc && i < p->ncols; i++) {
        char type[256];
        lh_type_format(&p->cols[i].type, type, sizeof type);
        if (json_array_append_new(cols,
                                  json_pack("{s:s, s:s}", "name", p->cols[i].name, "type", type)))
            rc = LH_ENOMEM;
    }
    if (!rc) o = json_pack("{s:s, s:O}", "sql", n->u.create_view.query_text, "columns", cols);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (!rc && !(text && (ls->view_json = lh_arena_strdup(env->arena, text)))) rc = LH_ENOMEM;
    free(text);
    json_decref(o);
    json_decref(cols);
    return rc;
}

static int bind_create_view(lh_bind_env_t *env, const lh_ast_t *n, const char *ns, const char *name,
                            lh_bound_stmt_t *out)
{
    out->kind = LH_STMT_NOOP;
    out->tag = "CREATE VIEW";
    out->or_replace = n->u.create_view.or_replace;
    out->if_not_exists = n->u.create_view.if_not_exists;
    lh_plan_t *p;
    int rc = new_stmt(env, out, LH_SQL_LAKE_CREATE_VIEW, ns, name, n->pos);
    if (!rc) rc = lh__bind_view_query(env, n, &p);
    return rc ? rc : view_json(env, n, p, out->lake);
}

static int bind_drop(lh_bind_env_t *env, const lh_ast_t *n, const char *ns, const char *name,
                     lh_bound_stmt_t *out)
{
    out->kind = LH_STMT_DROP;
    out->drop_what = n->u.drop.what;
    out->tag = n->u.drop.what == 2 ? "DROP VIEW" : "DROP TABLE";
    out->if_exists = n->u.drop.if_exists;
    return new_stmt(env, out, n->u.drop.what == 2 ? LH_SQL_LAKE_DROP_VIEW : LH_SQL_LAKE_DROP_TABLE,
                    ns, name, n->pos);
}

/* DROP SCHEMA ns [CASCADE] of a lake namespace (not a memory schema, or lake.ns). */
static int bind_drop_schema(lh_bind_env_t *env, const lh_ast_t *n, lh_bound_stmt_t *out, bool *lake)
{
    const lh_ast_name_t *nm = &n->u.drop.name;
    const char *ns = nm->parts[nm->n - 1];
    if (nm->n == 2 ? strcasecmp(nm->parts[0], "lake") : lh_sql_catalog_has_schema(env->catalog, ns))
        return 0;
    *lake = true;
    out->kind = LH_STMT_DROP;
    out->drop_what = 3;
    out->tag = "DROP SCHEMA";
    out->if_exists = n->u.drop.if_exists;
    out->cascade = n->u.drop.cascade;
    return new_stmt(env, out, LH_SQL_LAKE_DROP_SCHEMA, ns, NULL, n->pos);
}

static int bind_create_schema(lh_bind_env_t *env, const lh_ast_t *n, lh_bound_stmt_t *out,
                              bool *lake)
{
    const lh_ast_name_t *nm = &n->u.create_schema.name;
    if (nm->n == 2 && strcasecmp(nm->parts[0], "lake")) return 0; /* memory.x */
    *lake = true;
    out->kind = LH_STMT_CREATE_SCHEMA;
    out->tag = "CREATE SCHEMA";
    out->if_not_exists = n->u.create_schema.if_not_exists;
    return new_stmt(env, out, LH_SQL_LAKE_CREATE_SCHEMA, nm->parts[nm->n - 1], NULL, n->pos);
}

int lh__bind_lake_stmt(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                       lh_bound_stmt_t *out, bool *lake)
{
    *lake = false;
    if (!env->lake) return 0;
    const char *ns, *name;
    switch ((lh_ast_kind_t)n->kind) {
    case LH_AST_STMT_CREATE_SCHEMA:
        return bind_create_schema(env, n, out, lake);
    case LH_AST_STMT_CREATE_TABLE:
        if (n->u.create_table.temp || !in_lake(env, &n->u.create_table.name, &ns, &name)) return 0;
        *lake = true;
        return bind_create_table(env, params, n, ns, name, out);
    case LH_AST_STMT_INSERT:
        if (!in_lake(env, &n->u.insert.table, &ns, &name)) return 0;
        *lake = true;
        return bind_insert(env, params, n, ns, name, out);
    case LH_AST_STMT_CREATE_VIEW:
        if (n->u.create_view.temp || !in_lake(env, &n->u.create_view.name, &ns, &name)) return 0;
        *lake = true;
        return bind_create_view(env, n, ns, name, out);
    case LH_AST_STMT_DROP:
        if (n->u.drop.what == 3) return bind_drop_schema(env, n, out, lake);
        if (!in_lake(env, &n->u.drop.name, &ns, &name)) return 0;
        *lake = true;
        return bind_drop(env, n, ns, name, out);
    case LH_AST_STMT_DELETE:
    case LH_AST_STMT_UPDATE: {
        bool del = n->kind == LH_AST_STMT_DELETE;
        if (!in_lake(env, del ? &n->u.del.table : &n->u.update.table, &ns, &name)) return 0;
        *lake = true;
        int rc =
            new_stmt(env, out, del ? LH_SQL_LAKE_DELETE : LH_SQL_LAKE_UPDATE, ns, name, n->pos);
        return rc ? rc : lh__bind_dml(env, params, n, out);
    }
    case LH_AST_STMT_OPTIMIZE:
    case LH_AST_STMT_VACUUM:
        if (!n->u.maint.table.n || !in_lake(env, &n->u.maint.table, &ns, &name)) return 0;
        *lake = true;
        return bind_maint(env, params, n, ns, name, out);
    case LH_AST_STMT_ALTER_ADD: {
        if (!in_lake(env, &n->u.alter.table, &ns, &name)) return 0;
        *lake = true;
        int rc = new_stmt(env, out, LH_SQL_LAKE_ALTER_ADD, ns, name, n->pos);
        return rc ? rc : lh__bind_alter_add(env, params, n, out);
    }
    case LH_AST_STMT_MERGE: {
        const lh_ast_t *t = n->u.merge.target;
        if (!in_lake(env, &t->u.table.name, &ns, &name)) return 0;
        *lake = true;
        int rc = new_stmt(env, out, LH_SQL_LAKE_MERGE, ns, name, n->pos);
        return rc ? rc : lh__bind_merge(env, params, n, out);
    }
    default:
        return 0;
    }
}

/* ---- reading a lake view ---- */

static int view_io_error(lh_bind_env_t *env, int32_t pos, const char *key, const char *msg)
{
    return lh_sql_err(env->err, LH_EIO, LH_SQL_EIO, pos, "view %s: %s", key, msg);
}

int lh__bind_view_text(lh_bind_env_t *env, int32_t pos, const void *id, const char *what,
                       const char *sql, const char *const *names, uint32_t nnames, lh_plan_t **plan)
{
    const char *text = lh_arena_strdup(env->arena, sql);
    lh_ast_script_t script;
    if (!text) return LH_ENOMEM;
    int rc = lh_sql_parse(env->arena, text, strlen(text), &script, env->err);
    if (rc) return rc;
    if (script.n != 1 || script.stmts[0]->kind != LH_AST_STMT_QUERY)
        return view_io_error(env, pos, what, "its sql is not one query");
    for (int i = 0; i < view_depth; i++)
        if (id ? view_stack[i].id == id : !strcmp(view_stack[i].what, what))
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, -1,
                              "infinite recursion detected: attempting to recursively bind view "
                              "\"%s\"",
                              what);
    if (view_depth == VIEW_DEPTH_MAX)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, pos,
                          "view %s reads views more than %d deep", what, VIEW_DEPTH_MAX);
    struct lh_bcte *ctes = env->ctes;
    lh_bparams_t params = {0};
    env->ctes = NULL;
    view_stack[view_depth].id = id;
    view_stack[view_depth++].what = what;
    rc = lh__bind_query(env, &params, script.stmts[0]->u.query.query, plan);
    view_depth--;
    env->ctes = ctes;
    if (rc && env->err && env->err->pos >= 0)
        env->err->pos = pos; /* a position in the view's text: point at the reference instead */
    if (rc) return rc;
    for (uint32_t i = 0; i < (*plan)->ncols && i < nnames; i++)
        if (names[i] && !((*plan)->cols[i].name = lh_arena_strdup(env->arena, names[i])))
            return LH_ENOMEM;
    return 0;
}

/* The stored SQL bound as a query, with the recorded column names. */
static int bind_view_sql(lh_bind_env_t *env, const lh_ast_t *n, const char *key, json_t *doc,
                         lh_plan_t **plan)
{
    const char *sql = json_string_value(json_object_get(doc, "sql"));
    json_t *cols = json_object_get(doc, "columns");
    if (!sql || !json_is_array(cols)) return view_io_error(env, n->pos, key, "not a view object");
    size_t nc = json_array_size(cols);
    const char **names = lh_arena_calloc(env->arena, (nc + 1) * sizeof *names);
    if (!names) return LH_ENOMEM;
    for (size_t i = 0; i < nc; i++)
        names[i] = json_string_value(json_object_get(json_array_get(cols, i), "name"));
    return lh__bind_view_text(env, n->pos, NULL, key, sql, names, (uint32_t)nc, plan);
}

int lh__bind_lake_view(lh_bind_env_t *env, const lh_ast_t *n, const char *ns, const char *name,
                       lh_plan_t **plan, lh_bscope_t *sc, bool *found)
{
    *found = false;
    char key[2 * LH_CATALOG_NAME_MAX + 16];
    snprintf(key, sizeof key, "%s/_views/%s.json", ns, name);
    lh_buf_t b;
    lh_buf_init(&b, 16 << 20);
    lh_err_t e = {0};
    int rc = lh_objstore_get_buf(env->lake, env->lake_bucket, key, 0, -1, &b, NULL, &e);
    if (rc) {
        lh_buf_free(&b);
        return rc == LH_ENOENT ? 0 : view_io_error(env, n->pos, key, e.msg);
    }
    *found = true;
    json_t *doc = json_loadb(b.ptr ? b.ptr : "", b.len, 0, NULL);
    lh_buf_free(&b);
    rc = doc ? bind_view_sql(env, n, key, doc, plan) : view_io_error(env, n->pos, key, "not JSON");
    json_decref(doc);
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
