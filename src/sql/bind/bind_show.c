/* SHOW TABLES [FROM s], SHOW SCHEMAS and DESCRIBE t | query, with DuckDB's
 * columns, over the memory catalog and the lake: each is bound to a VALUES
 * plan of text rows made when the statement binds (the lake's namespaces
 * and tables are listed from the bucket then, so they are current).
 *
 *   SHOW TABLES     name (tables and views of the schema, sorted)
 *   SHOW SCHEMAS    database_name ("memory" or "lake"), schema_name, current
 *   DESCRIBE t      column_name, column_type, null ("YES"/"NO"), key,
 *                   default, extra (NULL) */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/bind/bind_int.h"
#include "table/catalog.h"

typedef struct {
    lh_bind_env_t *env;
    uint32_t ncols;
    lh_bexpr_t ***rows;
    uint32_t n, cap;
    const char *schema; /* SHOW TABLES: the schema listed */
    int rc;
} rows_t;

/* Appends a row of ncols values (NULL pointers: SQL NULL; flag[i]: BOOLEAN). */
static void add_row(rows_t *r, const char *const *vals, const bool *is_bool)
{
    lh_arena_t *a = r->env->arena;
    if (r->rc) return;
    if (r->n == r->cap) {
        uint32_t cap = r->cap ? r->cap * 2 : 16;
        lh_bexpr_t ***v = lh_arena_calloc(a, (cap + 1) * sizeof *v);
        if (!v) {
            r->rc = LH_ENOMEM;
            return;
        }
        if (r->n) memcpy(v, r->rows, r->n * sizeof *v);
        r->rows = v;
        r->cap = cap;
    }
    lh_bexpr_t **row = lh_arena_calloc(a, (r->ncols + 1) * sizeof *row);
    for (uint32_t i = 0; row && i < r->ncols; i++) {
        lh_value_t v = is_bool && is_bool[i] ? lh_value_bool(vals[i] != NULL)
                       : vals[i]             ? lh_value_varchar(vals[i], strlen(vals[i]))
                                             : lh_value_null(lh_type(LH_TYPE_VARCHAR));
        if (v.type.id == LH_TYPE_VARCHAR && !v.is_null &&
            !(v.v.s.ptr = lh_arena_strndup(a, vals[i], strlen(vals[i]))))
            row = NULL;
        if (row && !(row[i] = lh_bx_const(a, &v, -1))) row = NULL;
    }
    if (!row)
        r->rc = LH_ENOMEM;
    else
        r->rows[r->n++] = row;
}

static int cmp_first(const void *x, const void *y)
{
    lh_bexpr_t *const *a = *(lh_bexpr_t * *const *)x, *const *b = *(lh_bexpr_t * *const *)y;
    const lh_value_t *va = &a[0]->u.c, *vb = &b[0]->u.c;
    size_t n = va->v.s.len < vb->v.s.len ? va->v.s.len : vb->v.s.len;
    int c = memcmp(va->v.s.ptr, vb->v.s.ptr, n);
    return c ? c : (va->v.s.len > vb->v.s.len) - (va->v.s.len < vb->v.s.len);
}

static int values_plan(rows_t *r, const char *const *names, const bool *is_bool, lh_plan_t **out)
{
    if (r->rc) return r->rc;
    lh_plan_t *p = lh_plan_new(r->env->arena, LH_PLAN_VALUES, r->ncols);
    if (!p) return LH_ENOMEM;
    for (uint32_t i = 0; i < r->ncols; i++)
        p->cols[i] = (lh_plan_col_t){
            .name = names[i],
            .type = lh_type(is_bool && is_bool[i] ? LH_TYPE_BOOLEAN : LH_TYPE_VARCHAR)};
    p->u.values.rows = r->rows;
    p->u.values.nrows = r->n;
    *out = p;
    return 0;
}

static void mem_table(void *arg, const lh_sql_mem_table_t *t)
{
    rows_t *r = arg;
    if (!strcasecmp(t->schema, r->schema)) add_row(r, (const char *[]){t->name}, NULL);
}

static int lake_table(void *arg, const char *ns, const char *table)
{
    add_row(arg, (const char *[]){table}, NULL);
    return ((rows_t *)arg)->rc;
}

/* The lake views of ns: `<ns>/_views/<name>.json`. */
static int lake_view(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *meta)
{
    const char *base = strrchr(key, '/');
    size_t n = base ? strlen(++base) : 0;
    if (is_prefix || n <= 5 || strcmp(base + n - 5, ".json")) return 0;
    rows_t *r = arg;
    const char *name = lh_arena_strndup(r->env->arena, base, n - 5);
    if (!name) return r->rc = LH_ENOMEM;
    add_row(r, &name, NULL);
    return r->rc;
}

static int lake_error(lh_bind_env_t *env, int32_t pos, const char *what, const lh_err_t *e)
{
    return lh_sql_err(env->err, e->code == LH_ENOMEM ? LH_ENOMEM : LH_EIO, LH_SQL_EIO, pos,
                      "%s: %s", what, e->msg);
}

static int show_tables(lh_bind_env_t *env, const lh_ast_t *n, lh_plan_t **out)
{
    const lh_ast_name_t *from = &n->u.show.table;
    rows_t r = {.env = env, .ncols = 1, .schema = from->n ? from->parts[from->n - 1] : env->schema};
    bool memory = lh_sql_catalog_has_schema(env->catalog, r.schema) ||
                  (from->n == 2 && !strcasecmp(from->parts[0], LH_SQL_MEMORY_CATALOG));
    if (memory || !env->lake) {
        if (!lh_sql_catalog_has_schema(env->catalog, r.schema))
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ECATALOG, n->pos,
                              "Schema with name %s does not exist!", r.schema);
        lh_sql_catalog_each(env->catalog, mem_table, &r);
    } else {
        lh_err_t e = {0};
        char prefix[LH_CATALOG_NAME_MAX + 16];
        snprintf(prefix, sizeof prefix, "%s/_views/", r.schema);
        if (!lh_catalog_name_valid(r.schema, strlen(r.schema)))
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ECATALOG, n->pos,
                              "Schema with name %s does not exist!", r.schema);
        if ((lh_catalog_tables(env->lake, env->lake_bucket, r.schema, lake_table, &r, &e) ||
             lh_objstore_list(env->lake, env->lake_bucket, prefix, NULL, lake_view, &r, &e)) &&
            !r.rc)
            return lake_error(env, n->pos, r.schema, &e);
    }
    if (!r.rc && r.n > 1) qsort(r.rows, r.n, sizeof *r.rows, cmp_first);
    static const char *const names[] = {"name"};
    return values_plan(&r, names, NULL, out);
}

static void mem_schema(void *arg, const char *schema)
{
    rows_t *r = arg;
    const char *cur = !strcasecmp(schema, r->env->schema) ? "" : NULL;
    add_row(r, (const char *[]){LH_SQL_MEMORY_CATALOG, schema, cur}, (const bool[]){0, 0, 1});
}

static int lake_schema(void *arg, const char *ns)
{
    rows_t *r = arg;
    if (lh_sql_catalog_has_schema(r->env->catalog, ns)) return 0; /* memory wins */
    const char *cur = !strcasecmp(ns, r->env->schema) ? "" : NULL;
    add_row(r, (const char *[]){"lake", ns, cur}, (const bool[]){0, 0, 1});
    return r->rc;
}

static int show_schemas(lh_bind_env_t *env, const lh_ast_t *n, lh_plan_t **out)
{
    rows_t r = {.env = env, .ncols = 3};
    lh_sql_catalog_each_schema(env->catalog, mem_schema, &r);
    lh_err_t e = {0};
    if (env->lake && lh_catalog_namespaces(env->lake, env->lake_bucket, lake_schema, &r, &e) &&
        !r.rc)
        return lake_error(env, n->pos, "lake namespaces", &e);
    static const char *const names[] = {"database_name", "schema_name", "current"};
    return values_plan(&r, names, (const bool[]){0, 0, 1}, out);
}

static int describe(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n, lh_plan_t **out)
{
    lh_plan_t *src;
    lh_bscope_t sc = {0};
    int rc;
    if (n->u.show.query) {
        rc = lh__bind_query(env, params, n->u.show.query, &src);
    } else {
        lh_ast_t ref = {.kind = LH_AST_TABLE_REF, .pos = n->pos};
        ref.u.table.name = n->u.show.table;
        rc = lh__bind_from(env, params, &ref, &src, &sc);
    }
    if (rc) return rc;
    rows_t r = {.env = env, .ncols = 6};
    for (uint32_t i = 0; i < src->ncols; i++) {
        char type[256];
        lh_type_format(&src->cols[i].type, type, sizeof type);
        const char *vals[6] = {src->cols[i].name, type, src->cols[i].not_null ? "NO" : "YES"};
        add_row(&r, vals, NULL);
    }
    static const char *const names[] = {"column_name", "column_type", "null",
                                        "key",         "default",     "extra"};
    return values_plan(&r, names, NULL, out);
}

int lh__bind_show(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n, lh_bound_stmt_t *out)
{
    out->kind = LH_STMT_QUERY;
    out->tag = n->u.show.what == 3 ? "DESCRIBE" : "SHOW";
    switch (n->u.show.what) {
    case 2:
        return show_tables(env, n, &out->plan);
    case 3:
        return describe(env, params, n, &out->plan);
    case 5:
        return show_schemas(env, n, &out->plan);
    default:
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ENOTIMPL, n->pos,
                          "this SHOW is not implemented yet");
    }
}
