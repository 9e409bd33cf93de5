/* Binding statements: queries, CREATE TABLE [AS], CREATE VIEW, INSERT, DROP,
 * CREATE SCHEMA, SET, EXPLAIN and the transaction statements (accepted: every
 * statement commits on its own). Statements on the lake's namespaces go to
 * bind_lake_ddl.c first. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/bind/bind_int.h"
#include "sql/copy.h"

static int target_name(lh_bind_env_t *env, const lh_ast_name_t *nm, int32_t pos,
                       lh_bound_stmt_t *out)
{
    out->name = nm->parts[nm->n - 1];
    out->schema = nm->n >= 2 ? nm->parts[nm->n - 2] : env->schema;
    if (nm->n == 3 && strcasecmp(nm->parts[0], LH_SQL_MEMORY_CATALOG) &&
        (strcasecmp(nm->parts[0], "lake") || !env->lake))
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ECATALOG, pos,
                          "Catalog \"%s\" does not exist!", nm->parts[0]);
    return 0;
}

static bool name_taken(const lh_plan_col_t *cols, uint32_t n, const char *name)
{
    for (uint32_t k = 0; k < n; k++)
        if (!strcasecmp(cols[k].name, name)) return true;
    return false;
}

/* CREATE TABLE AS: a repeated column name becomes name_1, name_2, ... (DuckDB). */
static int unique_names(lh_bind_env_t *env, lh_plan_col_t *cols, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        if (!name_taken(cols, i, cols[i].name)) continue;
        const char *base = cols[i].name, *cand = NULL;
        for (uint32_t k = 1; !cand || name_taken(cols, i, cand); k++)
            if (!(cand = lh_arena_printf(env->arena, "%s_%u", base, k))) return LH_ENOMEM;
        cols[i].name = cand;
    }
    return 0;
}

/* CREATE TABLE / VIEW: the kind, tag, flags and target (TEMP: in main). */
static int create_target(lh_bind_env_t *env, const lh_ast_t *n, lh_stmt_kind_t kind,
                         const lh_ast_name_t *name, bool or_replace, bool if_not_exists, bool temp,
                         lh_bound_stmt_t *out)
{
    out->kind = kind;
    out->tag = kind == LH_STMT_CREATE_VIEW ? "CREATE VIEW" : "CREATE TABLE";
    out->or_replace = or_replace;
    out->if_not_exists = if_not_exists;
    out->temp = temp;
    int rc = target_name(env, name, n->pos, out);
    if (!rc && temp) out->schema = LH_SQL_DEFAULT_SCHEMA;
    return rc;
}

int lh__bind_create_table(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                          lh_bound_stmt_t *out)
{
    int rc = create_target(env, n, LH_STMT_CREATE_TABLE, &n->u.create_table.name,
                           n->u.create_table.or_replace, n->u.create_table.if_not_exists,
                           n->u.create_table.temp, out);
    if (rc) return rc;
    if (n->u.create_table.as_query) {
        rc = lh__bind_query(env, params, n->u.create_table.as_query, &out->plan);
        if (rc) return rc;
        out->target_cols = out->plan->cols;
        out->ntarget_cols = out->plan->ncols;
        return unique_names(env, out->target_cols, out->ntarget_cols);
    }
    uint32_t nc = n->u.create_table.ncolumns;
    out->target_cols = lh_arena_calloc(env->arena, (nc + 1) * sizeof *out->target_cols);
    if (!out->target_cols) return LH_ENOMEM;
    for (uint32_t i = 0; i < nc; i++) {
        const lh_ast_column_def_t *d = &n->u.create_table.columns[i];
        lh_err_t terr = {0};
        if (lh_type_parse(env->arena, d->type_text, strlen(d->type_text), &out->target_cols[i].type,
                          &terr))
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ECATALOG, d->type_pos,
                              "Type with name %s does not exist!", d->type_text);
        for (uint32_t k = 0; k < i; k++)
            if (!strcasecmp(out->target_cols[k].name, d->name))
                return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ECATALOG, n->pos,
                                  "Column with name %s already exists!", d->name);
        if (d->default_expr) /* refused rather than silently inserting NULL */
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ENOTIMPL, d->default_expr->pos,
                              "DEFAULT values are not supported yet (column %s)", d->name);
        out->target_cols[i].name = d->name;
        out->target_cols[i].not_null = d->not_null || d->primary_key;
    }
    out->ntarget_cols = nc;
    return 0;
}

int lh__bind_view_query(lh_bind_env_t *env, const lh_ast_t *n, lh_plan_t **out)
{
    lh_bparams_t params = {0};
    lh_plan_t *p;
    int rc = lh__bind_query(env, &params, n->u.create_view.query, &p);
    if (rc) return rc;
    if (params.max_index)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos,
                          "a view cannot use parameters");
    uint32_t na = n->u.create_view.ncol_aliases;
    if (na > p->ncols)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos,
                          "More VIEW aliases than columns in query result");
    for (uint32_t i = 0; i < na; i++) /* repeated names stay (DuckDB) */
        p->cols[i].name = n->u.create_view.col_aliases[i];
    *out = p;
    return 0;
}

int lh__bind_create_view(lh_bind_env_t *env, const lh_ast_t *n, lh_bound_stmt_t *out)
{
    int rc = create_target(env, n, LH_STMT_CREATE_VIEW, &n->u.create_view.name,
                           n->u.create_view.or_replace, n->u.create_view.if_not_exists,
                           n->u.create_view.temp, out);
    lh_plan_t *p;
    if (rc || (rc = lh__bind_view_query(env, n, &p))) return rc;
    out->target_cols = p->cols;
    out->ntarget_cols = p->ncols;
    out->view_sql = n->u.create_view.query_text;
    return 0;
}

/* INSERT's rows: the source's columns cast to the table's, in the table's
 * order (columns not named get NULL). */
int lh__bind_insert_rows(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                         const char *tname, const lh_plan_col_t *cols, uint32_t ncols,
                         lh_plan_t **out)
{
    lh_plan_t *src;
    int rc = lh__bind_query(env, params, n->u.insert.query, &src);
    if (rc) return rc;
    uint32_t nsrc = n->u.insert.ncolumns ? n->u.insert.ncolumns : ncols;
    if (src->ncols != nsrc)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos,
                          "table %s has %u columns but %u values were supplied", tname, nsrc,
                          src->ncols);
    lh_plan_t *p = lh_plan_new(env->arena, LH_PLAN_PROJECT, ncols);
    if (!p) return LH_ENOMEM;
    p->child[0] = src;
    p->u.project.exprs = lh_arena_calloc(env->arena, (ncols + 1) * sizeof *p->u.project.exprs);
    if (!p->u.project.exprs) return LH_ENOMEM;
    lh_bscope_t empty = {0};
    lh_bctx_t c = {.env = env, .scope = &empty, .params = params};
    for (uint32_t i = 0; i < ncols; i++) {
        p->cols[i] = cols[i];
        int64_t from = n->u.insert.ncolumns ? -1 : (int64_t)i;
        for (uint32_t k = 0; k < n->u.insert.ncolumns; k++)
            if (!strcasecmp(n->u.insert.columns[k], cols[i].name)) from = k;
        lh_bexpr_t *e;
        if (from < 0) {
            lh_value_t nv = lh_value_null(cols[i].type);
            e = lh_bx_const(env->arena, &nv, -1);
        } else
            e = lh_bx_colref(env->arena, (uint32_t)from, &src->cols[from].type);
        if (!e) return LH_ENOMEM;
        if (src->kind == LH_PLAN_VALUES && from >= 0) e->lit = 0;
        if ((rc = lh__bind_cast_to(&c, e, &cols[i].type, false, n->pos, &p->u.project.exprs[i])))
            return rc;
    }
    for (uint32_t k = 0; k < n->u.insert.ncolumns; k++) {
        bool known = false;
        for (uint32_t i = 0; i < ncols; i++)
            known |= !strcasecmp(n->u.insert.columns[k], cols[i].name);
        if (!known)
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos,
                              "Table \"%s\" does not have a column with name \"%s\"", tname,
                              n->u.insert.columns[k]);
    }
    *out = p;
    return 0;
}

static int bind_insert(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                       lh_bound_stmt_t *out)
{
    out->kind = LH_STMT_INSERT;
    out->tag = "INSERT";
    int rc = target_name(env, &n->u.insert.table, n->pos, out);
    if (rc) return rc;
    lh_sql_mem_table_t *t = lh_sql_catalog_find(env->catalog, out->schema, out->name);
    if (!t)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ECATALOG, n->pos,
                          "Table with name %s does not exist!", out->name);
    if (t->view_sql)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ECATALOG, n->pos, "%s is not an table",
                          out->name); /* DuckDB's words */
    if (n->u.insert.replace_where)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ENOTIMPL, n->pos,
                          "INSERT ... REPLACE WHERE needs a lake table (%s is in memory)",
                          out->name);
    out->table = t;
    return lh__bind_insert_rows(env, params, n, t->name, t->cols, t->ncols, &out->plan);
}

static int bind_set(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                    lh_bound_stmt_t *out)
{
    out->kind = LH_STMT_SET;
    out->tag = n->u.set.reset ? "RESET" : "SET";
    out->set_name = n->u.set.name;
    if (!n->u.set.value) {
        out->set_value = lh_value_null(lh_type(LH_TYPE_VARCHAR));
        return 0;
    }
    lh_bscope_t empty = {0};
    lh_bctx_t c = {.env = env, .scope = &empty, .params = params};
    lh_bexpr_t *e;
    int rc = lh__bind_expr(&c, n->u.set.value, &e);
    if (rc) return rc;
    if (e->kind != LH_BX_CONST && n->u.set.value->kind == LH_AST_COLUMN) {
        const char *id = n->u.set.value->u.column.name.parts[0];
        out->set_value = lh_value_varchar(id, strlen(id));
        return 0;
    }
    if (e->kind != LH_BX_CONST)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos, "SET needs a constant value");
    out->set_value = e->u.c;
    return 0;
}

/* The format a target's extension names when FORMAT is not given (DuckDB's
 * rule: .parquet, .json/.ndjson/.jsonl, else CSV). */
static uint8_t format_of_path(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && !strcasecmp(dot, ".parquet")) return LH_SQL_COPY_PARQUET;
    if (dot &&
        (!strcasecmp(dot, ".json") || !strcasecmp(dot, ".ndjson") || !strcasecmp(dot, ".jsonl")))
        return LH_SQL_COPY_JSON;
    return LH_SQL_COPY_CSV;
}

static const char *option_text(const lh_ast_t *v)
{
    return !v                          ? NULL
           : v->kind == LH_AST_LITERAL ? v->u.lit.text
           : v->kind == LH_AST_COLUMN  ? v->u.column.name.parts[0]
                                       : NULL;
}

/* One COPY option into out: FORMAT, COMPRESSION/CODEC, HEADER, DELIMITER/SEP,
 * ROW_GROUP_SIZE. */
static int copy_option(lh_bind_env_t *env, const lh_ast_t *n, const lh_ast_option_t *o,
                       lh_bound_stmt_t *out)
{
    const char *text = option_text(o->value);
    if (!strcmp(o->name, "format")) {
        static const char *const names[] = {"parquet", "csv", "json"};
        for (uint8_t f = 0; text && f < 3; f++)
            if (!strcasecmp(text, names[f])) {
                out->copy_format = f;
                return 0;
            }
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ENOTIMPL, n->pos,
                          "COPY TO supports FORMAT parquet, csv and json");
    }
    if (!strcmp(o->name, "compression") || !strcmp(o->name, "codec")) {
        if (text && !lh_sql_codec_by_name(text, &out->copy_codec)) return 0;
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos,
                          "unknown COMPRESSION (zstd, snappy, gzip, uncompressed)");
    }
    if (!strcmp(o->name, "header")) {
        const lh_ast_t *v = o->value;
        out->copy_header =
            !v || (v->kind == LH_AST_LITERAL && v->u.lit.kind == LH_LIT_BOOL
                       ? v->u.lit.b
                       : !(text && (!strcasecmp(text, "false") || !strcmp(text, "0"))));
        return 0;
    }
    if (!strcmp(o->name, "delimiter") || !strcmp(o->name, "delim") || !strcmp(o->name, "sep")) {
        if (text && strlen(text) == 1 && text[0] != '"' && text[0] != '\n' && text[0] != '\r') {
            out->copy_delim = text[0];
            return 0;
        }
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos,
                          "DELIMITER takes one character (not a quote or a newline)");
    }
    if (!strcmp(o->name, "row_group_size")) { /* DuckDB's: rows per row group */
        char *end = NULL;
        unsigned long long rows = text ? strtoull(text, &end, 10) : 0;
        if (rows && end && !*end && rows <= UINT32_MAX / 2) {
            out->copy_row_group = (uint32_t)rows;
            return 0;
        }
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos,
                          "ROW_GROUP_SIZE takes a number of rows (1 to %u)", UINT32_MAX / 2);
    }
    return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos, "unknown COPY option %s", o->name);
}

/* COPY (query) TO 'file' | 's3://bucket/key' (FORMAT parquet|csv|json, COMPRESSION zstd,
 * HEADER, DELIMITER ',') and COPY t TO ... */
static int bind_copy(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                     lh_bound_stmt_t *out)
{
    out->kind = LH_STMT_COPY;
    out->tag = "COPY";
    if (n->u.copy.from)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ENOTIMPL, n->pos,
                          "COPY ... FROM is not implemented yet");
    const char *target = n->u.copy.target;
    if (!target || !*target)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos, "COPY TO needs a target");
    if (!strncmp(target, "s3://", 5) && !env->lake)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EIO, n->pos,
                          "COPY TO %s needs the lake's object store (lake.endpoint is not set)",
                          target);
    out->copy_path = target;
    out->copy_codec = 6; /* ZSTD */
    out->copy_format = format_of_path(target);
    out->copy_header = true;
    out->copy_delim = ',';
    for (uint32_t i = 0; i < n->u.copy.noptions; i++) {
        int rc = copy_option(env, n, &n->u.copy.options[i], out);
        if (rc) return rc;
    }
    if (n->u.copy.query) return lh__bind_query(env, params, n->u.copy.query, &out->plan);
    /* COPY t TO: every column of t */
    lh_ast_t star = {.kind = LH_AST_STAR, .pos = n->pos};
    lh_ast_t *items[1] = {&star};
    lh_ast_t from = {.kind = LH_AST_TABLE_REF, .pos = n->pos};
    from.u.table.name = n->u.copy.table;
    lh_ast_t sel = {.kind = LH_AST_SELECT, .pos = n->pos};
    sel.u.select.items = (lh_ast_list_t){.items = items, .n = 1};
    sel.u.select.from = &from;
    return lh__bind_query(env, params, &sel, &out->plan);
}

int lh_sql_bind(lh_bind_env_t *env, const lh_ast_t *n, lh_bound_stmt_t *out)
{
    memset(out, 0, sizeof *out);
    lh_bparams_t params = {0};
    bool lake = false;
    int rc = lh__bind_lake_stmt(env, &params, n, out, &lake);
    if (lake && !rc) {
        out->nparams = params.max_index;
        out->param_names = params.names;
    }
    if (rc || lake) return rc;
    switch ((lh_ast_kind_t)n->kind) {
    case LH_AST_STMT_QUERY:
        out->kind = LH_STMT_QUERY;
        out->tag = "SELECT";
        rc = lh__bind_query(env, &params, n->u.query.query, &out->plan);
        break;
    case LH_AST_STMT_CREATE_TABLE:
        rc = lh__bind_create_table(env, &params, n, out);
        break;
    case LH_AST_STMT_CREATE_VIEW:
        rc = lh__bind_create_view(env, n, out);
        break;
    case LH_AST_STMT_INSERT:
        rc = bind_insert(env, &params, n, out);
        break;
    case LH_AST_STMT_DELETE:
    case LH_AST_STMT_UPDATE:
        rc = lh__bind_dml(env, &params, n, out);
        break;
    case LH_AST_STMT_MERGE:
        rc = lh__bind_merge(env, &params, n, out);
        break;
    case LH_AST_STMT_SHOW:
        rc = lh__bind_show(env, &params, n, out);
        break;
    case LH_AST_STMT_ALTER_ADD:
        rc = lh__bind_alter_add(env, &params, n, out);
        break;
    case LH_AST_STMT_VACUUM: /* DuckDB's VACUUM on memory tables: nothing to do */
        out->kind = LH_STMT_NOOP;
        out->tag = "VACUUM";
        break;
    case LH_AST_STMT_OPTIMIZE:
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ENOTIMPL, n->pos,
                          "OPTIMIZE needs a lake table (memory tables need none)");
    case LH_AST_STMT_DROP:
        out->kind = LH_STMT_DROP;
        out->drop_what = n->u.drop.what;
        out->tag = n->u.drop.what == 3   ? "DROP SCHEMA"
                   : n->u.drop.what == 2 ? "DROP VIEW"
                                         : "DROP TABLE";
        out->if_exists = n->u.drop.if_exists;
        out->cascade = n->u.drop.cascade;
        if (n->u.drop.what == 3)
            out->name = n->u.drop.name.parts[n->u.drop.name.n - 1];
        else
            rc = target_name(env, &n->u.drop.name, n->pos, out);
        break;
    case LH_AST_STMT_CREATE_SCHEMA:
        out->kind = LH_STMT_CREATE_SCHEMA;
        out->tag = "CREATE SCHEMA";
        out->name = n->u.create_schema.name.parts[n->u.create_schema.name.n - 1];
        out->if_not_exists = n->u.create_schema.if_not_exists;
        break;
    case LH_AST_STMT_SET:
        rc = bind_set(env, &params, n, out);
        break;
    case LH_AST_STMT_EXPLAIN: {
        lh_bound_stmt_t inner;
        rc = lh_sql_bind(env, n->u.explain.stmt, &inner);
        if (rc) return rc;
        if (!inner.plan)
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ENOTIMPL, n->pos,
                              "EXPLAIN of this statement is not supported");
        *out = inner;
        out->kind = LH_STMT_EXPLAIN;
        out->tag = "EXPLAIN";
        out->analyze = n->u.explain.analyze;
        return 0;
    }
    case LH_AST_STMT_COPY:
        rc = bind_copy(env, &params, n, out);
        break;
    case LH_AST_STMT_TRANSACTION:
        out->kind = LH_STMT_NOOP;
        out->tag = n->u.txn.what == 1 ? "BEGIN" : n->u.txn.what == 2 ? "COMMIT" : "ROLLBACK";
        break;
    default:
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ENOTIMPL, n->pos, "%s is not implemented yet",
                          lh_ast_kind_name((lh_ast_kind_t)n->kind));
    }
    if (rc) return rc;
    out->nparams = params.max_index;
    out->param_names = params.names;
    return 0;
}
