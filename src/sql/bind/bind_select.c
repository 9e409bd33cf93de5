/* Binding queries: a SELECT block becomes FROM -> FILTER (WHERE) ->
 * HASH_GROUP_BY (GROUP BY and aggregates) -> FILTER (HAVING) -> PROJECTION
 * (the select list plus hidden ORDER BY keys) -> HASH_GROUP_BY (DISTINCT)
 * -> ORDER_BY -> PROJECTION (hidden keys dropped) -> LIMIT; VALUES becomes
 * constant rows; UNION ALL concatenates inputs cast to their common types,
 * UNION (DISTINCT) adds a grouping over every column. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/bind/bind_int.h"

/* ---- aggregate and window detection ---- */

enum { FIND_AGG, FIND_WINDOW };

static bool find(const lh_ast_t *n, int what);

static bool find_list(const lh_ast_list_t *l, int what)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (find(l->items[i], what)) return true;
    return false;
}

static bool find_func(const lh_ast_t *n, int what)
{
    const lh_ast_window_t *w = n->u.func.over;
    if (w) {
        if (what == FIND_WINDOW) return true;
        /* an aggregate inside a window call's arguments, partition or order */
        if (find_list(&n->u.func.args, what) || find_list(&w->partition_by, what)) return true;
        for (uint32_t i = 0; i < w->order_by.n; i++)
            if (find(w->order_by.items[i].expr, what)) return true;
        return false;
    }
    if (what == FIND_AGG && lh__ast_is_grouping(n)) return true;
    if (what == FIND_AGG) {
        const lh_sql_func_def_t *d = lh_sql_func_lookup(n->u.func.name.parts[n->u.func.name.n - 1]);
        if (d && d->kind == LH_SQL_FUNC_AGGREGATE) return true;
    }
    return find_list(&n->u.func.args, what) || find(n->u.func.filter, what);
}

static bool find(const lh_ast_t *n, int what)
{
    if (!n) return false;
    switch ((lh_ast_kind_t)n->kind) {
    case LH_AST_FUNC:
        return find_func(n, what);
    case LH_AST_UNARY:
        return find(n->u.unary.arg, what);
    case LH_AST_BINARY:
        return find(n->u.binary.left, what) || find(n->u.binary.right, what);
    case LH_AST_CAST:
        return find(n->u.cast.arg, what);
    case LH_AST_CASE:
        return find(n->u.kase.operand, what) || find_list(&n->u.kase.whens, what) ||
               find_list(&n->u.kase.thens, what) || find(n->u.kase.else_expr, what);
    case LH_AST_BETWEEN:
        return find(n->u.between.arg, what) || find(n->u.between.low, what) ||
               find(n->u.between.high, what);
    case LH_AST_IN:
        return find(n->u.in.arg, what) || find_list(&n->u.in.list, what);
    case LH_AST_IS:
        return find(n->u.is.arg, what) || find(n->u.is.rhs, what);
    case LH_AST_LIKE:
        return find(n->u.like.arg, what) || find(n->u.like.pattern, what) ||
               find(n->u.like.escape, what);
    case LH_AST_ROW:
        return find_list(&n->u.row.items, what);
    case LH_AST_COLLATE:
        return find(n->u.collate.arg, what);
    default:
        return false;
    }
}

bool lh__ast_has_agg(const lh_ast_t *n)
{
    return find(n, FIND_AGG);
}

bool lh__ast_has_window(const lh_ast_t *n)
{
    return find(n, FIND_WINDOW);
}

/* ---- FROM ---- */

static int scope_of(lh_arena_t *a, const lh_plan_t *p, const char *qual, lh_bscope_t *out)
{
    out->n = p->ncols;
    out->cols = lh_arena_calloc(a, (p->ncols + 1) * sizeof *out->cols);
    if (!out->cols) return LH_ENOMEM;
    for (uint32_t i = 0; i < p->ncols; i++)
        out->cols[i] = (lh_bcol_t){.qual = qual, .name = p->cols[i].name, .type = p->cols[i].type};
    return 0;
}

static int bind_table_ref(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                          lh_plan_t **plan, lh_bscope_t *sc)
{
    const lh_ast_name_t *nm = &n->u.table.name;
    const char *name = nm->parts[nm->n - 1];
    bool cte;
    int crc = lh__bind_cte_ref(env, params, n, plan, &cte);
    if (crc || cte) return crc ? crc : scope_of(env->arena, *plan, n->alias ? n->alias : name, sc);
    const char *schema = nm->n >= 2 ? nm->parts[nm->n - 2] : env->schema;
    if (nm->n == 1 && (strchr(name, '/') || strstr(name, ".parquet") || strstr(name, ".csv") ||
                       strstr(name, ".json") || strstr(name, ".tsv")))
        return lh__bind_file_path(env, name, n->pos, n->alias ? n->alias : name, plan, sc);
    bool lake_catalog = nm->n == 3 && !strcasecmp(nm->parts[0], "lake");
    if (nm->n == 3 && !lake_catalog && strcasecmp(nm->parts[0], LH_SQL_MEMORY_CATALOG))
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ECATALOG, n->pos,
                          "Catalog \"%s\" does not exist!", nm->parts[0]);
    lh_sql_mem_table_t *t = lake_catalog ? NULL : lh_sql_catalog_find(env->catalog, schema, name);
    if (!t && nm->n == 1 && strcasecmp(schema, LH_SQL_DEFAULT_SCHEMA))
        t = lh_sql_catalog_find(env->catalog, LH_SQL_DEFAULT_SCHEMA, name);
    if (!t && (lake_catalog || !lh_sql_catalog_has_schema(env->catalog, schema)))
        return lh__bind_lake_table(env, params, n, schema, name, plan, sc);
    if (!t)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ECATALOG, n->pos,
                          "Table with name %s does not exist!", name);
    if (t->view_sql) { /* bound where it is read: its rows stream into the query */
        const char **names = lh_arena_calloc(env->arena, (t->ncols + 1) * sizeof *names);
        if (!names) return LH_ENOMEM;
        for (uint32_t i = 0; i < t->ncols; i++)
            names[i] = t->cols[i].name;
        int rc = lh__bind_view_text(env, n->pos, t, t->name, t->view_sql, names, t->ncols, plan);
        return rc ? rc : scope_of(env->arena, *plan, n->alias ? n->alias : name, sc);
    }
    lh_plan_t *p = lh_plan_new(env->arena, LH_PLAN_SCAN_MEMORY, t->ncols);
    if (!p) return LH_ENOMEM;
    p->u.mem.table = t;
    p->u.mem.proj = lh_arena_calloc(env->arena, (t->ncols + 1) * sizeof *p->u.mem.proj);
    if (!p->u.mem.proj) return LH_ENOMEM;
    for (uint32_t i = 0; i < t->ncols; i++) {
        p->cols[i] = t->cols[i];
        p->u.mem.proj[i] = i;
    }
    p->est_rows = (double)t->rows;
    *plan = p;
    return scope_of(env->arena, p, n->alias ? n->alias : name, sc);
}

static int fold_int_arg(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n, int64_t *out)
{
    lh_bscope_t empty = {0};
    lh_bctx_t c = {.env = env, .scope = &empty, .params = params};
    lh_bexpr_t *e;
    int rc = lh__bind_expr(&c, n, &e);
    const lh_type_t big = lh_type(LH_TYPE_BIGINT);
    if (!rc) rc = lh__bind_cast_to(&c, e, &big, false, n->pos, &e);
    if (rc) return rc;
    if (e->kind != LH_BX_CONST || e->u.c.is_null)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos, "expected a constant integer");
    *out = e->u.c.v.i;
    return 0;
}

static int bind_table_func(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                           lh_plan_t **plan, lh_bscope_t *sc)
{
    const char *name = n->u.table_func.name.parts[n->u.table_func.name.n - 1];
    bool files;
    int frc = lh__bind_file_func(env, n, plan, sc, &files);
    if (files || frc) return frc;
    bool range = !strcasecmp(name, "range"), series = !strcasecmp(name, "generate_series");
    if (!range && !series)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ECATALOG, n->pos,
                          "Table Function with name %s does not exist!", name);
    int64_t v[3] = {0, 0, 1};
    uint32_t na = n->u.table_func.args.n;
    if (na < 1 || na > 3)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos, "%s takes 1 to 3 arguments",
                          name);
    for (uint32_t i = 0; i < na; i++) {
        int rc = fold_int_arg(env, params, n->u.table_func.args.items[i], &v[na == 1 ? 1 : i]);
        if (rc) return rc;
    }
    if (v[2] == 0)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EINPUT, n->pos, "step must not be 0");
    lh_plan_t *p = lh_plan_new(env->arena, LH_PLAN_RANGE, 1);
    if (!p) return LH_ENOMEM;
    p->cols[0] = (lh_plan_col_t){.name = series ? "generate_series" : "range",
                                 .type = lh_type(LH_TYPE_BIGINT)};
    p->u.range.start = v[0];
    p->u.range.stop = v[1];
    p->u.range.step = v[2];
    if (series) p->u.range.stop += v[2] > 0 ? 1 : -1; /* inclusive */
    if (n->u.table_func.ncol_aliases) p->cols[0].name = n->u.table_func.col_aliases[0];
    *plan = p;
    return scope_of(env->arena, p, n->alias ? n->alias : name, sc);
}

int lh__bind_from(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n, lh_plan_t **plan,
                  lh_bscope_t *sc)
{
    switch ((lh_ast_kind_t)n->kind) {
    case LH_AST_JOIN:
        return lh__bind_join(env, params, n, plan, sc);
    case LH_AST_TABLE_REF:
        return bind_table_ref(env, params, n, plan, sc);
    case LH_AST_TABLE_FUNC:
        return bind_table_func(env, params, n, plan, sc);
    case LH_AST_SUBQUERY_REF: {
        int rc = lh__bind_query(env, params, n->u.subquery_ref.query, plan);
        if (rc) return rc;
        if (n->u.subquery_ref.ncol_aliases > (*plan)->ncols)
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, n->pos,
                              "table \"%s\" has %u columns available but %u columns specified",
                              n->alias ? n->alias : "unnamed_subquery", (*plan)->ncols,
                              n->u.subquery_ref.ncol_aliases);
        for (uint32_t i = 0; i < n->u.subquery_ref.ncol_aliases && i < (*plan)->ncols; i++)
            (*plan)->cols[i].name = n->u.subquery_ref.col_aliases[i];
        return scope_of(env->arena, *plan, n->alias, sc);
    }
    default:
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ENOTIMPL, n->pos,
                          "%s in FROM is not implemented yet",
                          lh_ast_kind_name((lh_ast_kind_t)n->kind));
    }
}

/* ---- the select list ---- */

typedef struct sel_item {
    const lh_ast_t *ast; /* NULL for an expanded star column */
    uint32_t star_col;
    const char *name;
} sel_item_t;

static int expand_items(lh_bind_env_t *env, const lh_ast_t *sel, const lh_bscope_t *sc,
                        sel_item_t **out, uint32_t *nout)
{
    uint32_t cap = 0;
    for (uint32_t i = 0; i < sel->u.select.items.n; i++)
        cap += sel->u.select.items.items[i]->kind == LH_AST_STAR ? sc->n : 1;
    sel_item_t *it = lh_arena_calloc(env->arena, (cap + 1) * sizeof *it);
    if (!it) return LH_ENOMEM;
    uint32_t n = 0;
    for (uint32_t i = 0; i < sel->u.select.items.n; i++) {
        const lh_ast_t *a = sel->u.select.items.items[i];
        if (a->kind != LH_AST_STAR) {
            it[n++] = (sel_item_t){.ast = a, .name = lh__bind_item_name(env->arena, a)};
            continue;
        }
        uint32_t before = n;
        for (uint32_t k = 0; k < sc->n; k++) {
            if (sc->cols[k].hidden && !a->u.star.qualifier) continue;
            if (a->u.star.qualifier &&
                (!sc->cols[k].qual || strcasecmp(a->u.star.qualifier, sc->cols[k].qual)))
                continue;
            bool excluded = false;
            for (uint32_t x = 0; x < a->u.star.nexclude; x++)
                if (!strcasecmp(a->u.star.exclude[x], sc->cols[k].name)) excluded = true;
            if (!excluded) it[n++] = (sel_item_t){.star_col = k, .name = sc->cols[k].name};
        }
        if (n == before)
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, a->pos,
                              "SELECT * expression without a FROM clause");
    }
    *out = it;
    *nout = n;
    return 0;
}

static int bind_item(lh_bctx_t *c, const sel_item_t *it, lh_bscope_t *from_sc, lh_bexpr_t **out)
{
    if (it->ast) return lh__bind_expr(c, it->ast, out);
    if (c->agg_mode) {
        lh_bexpr_t *e =
            lh_bx_colref(c->env->arena, it->star_col, &from_sc->cols[it->star_col].type);
        if (!e) return LH_ENOMEM;
        for (uint32_t i = 0; i < c->ngroups; i++)
            if (lh_bx_equal(e, c->groups[i])) {
                *out = lh_bx_colref(c->env->arena, i, &e->type);
                return *out ? 0 : LH_ENOMEM;
            }
        return LH_BIND_ERR(c, LH_SQL_EBIND, -1,
                           "column \"%s\" must appear in the GROUP BY clause or must be part of an "
                           "aggregate function.",
                           it->name);
    }
    *out = lh_bx_colref(c->env->arena, it->star_col, &c->scope->cols[it->star_col].type);
    return *out ? 0 : LH_ENOMEM;
}

/* GROUP BY item: an ordinal or a select-list alias stands for that item. */
static const lh_ast_t *group_target(const lh_ast_t *g, const sel_item_t *items, uint32_t n,
                                    const lh_bscope_t *sc)
{
    if (g->kind == LH_AST_LITERAL && g->u.lit.kind == LH_LIT_INTEGER) {
        long k = strtol(g->u.lit.text, NULL, 10);
        if (k >= 1 && (uint32_t)k <= n && items[k - 1].ast) return items[k - 1].ast;
    }
    if (g->kind == LH_AST_COLUMN && g->u.column.name.n == 1) {
        const char *name = g->u.column.name.parts[0];
        for (uint32_t i = 0; i < sc->n; i++)
            if (!strcasecmp(sc->cols[i].name, name)) return g;
        for (uint32_t i = 0; i < n; i++)
            if (items[i].ast && items[i].ast->alias && !strcasecmp(items[i].ast->alias, name))
                return items[i].ast;
    }
    return g;
}

/* Binds one GROUP BY expression into c->groups (deduplicated); *idx its place. */
static int group_expr(lh_bctx_t *c, lh_bctx_t *plain, const lh_ast_t *g, const sel_item_t *items,
                      uint32_t nitems, lh_bscope_t *from_sc, uint32_t *idx)
{
    if (g->kind == LH_AST_LITERAL && g->u.lit.kind == LH_LIT_INTEGER) {
        long k = strtol(g->u.lit.text, NULL, 10);
        if (k < 1 || (uint32_t)k > nitems)
            return LH_BIND_ERR(c, LH_SQL_EBIND, g->pos,
                               "GROUP BY term out of range - should be between 1 and %u", nitems);
    }
    g = group_target(g, items, nitems, from_sc);
    const lh_ast_t *with_aliases; /* DuckDB refuses an alias inside a GROUP BY expression */
    const char *alias;
    int rc = lh__bind_subst_aliases(c->env->arena, c->aliases, c->naliases, from_sc, g,
                                    &with_aliases, &alias);
    if (rc) return rc;
    if (alias)
        return LH_BIND_ERR(c, LH_SQL_EBIND, g->pos,
                           "Alias with name \"%s\" exists, but aliases cannot be used as part of "
                           "an expression in the GROUP BY",
                           alias);
    if (lh__ast_has_agg(g))
        return LH_BIND_ERR(c, LH_SQL_EBIND, g->pos, "GROUP BY clause cannot contain aggregates!");
    lh_bexpr_t *e;
    if ((rc = lh__bind_expr(plain, g, &e))) return rc;
    for (uint32_t k = 0; k < c->ngroups; k++)
        if (lh_bx_equal(c->groups[k], e)) {
            *idx = k;
            return 0;
        }
    if (c->ngroups == 64)
        return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, g->pos, "GROUP BY over more than 64 expressions");
    *idx = c->ngroups;
    c->groups[c->ngroups++] = e;
    return 0;
}

/* The grouping sets one GROUP BY element stands for, as masks over c->groups. */
static int element_sets(lh_bctx_t *c, lh_bctx_t *plain, const lh_ast_grouping_t *g,
                        const sel_item_t *items, uint32_t nitems, lh_bscope_t *from_sc,
                        uint64_t *out, uint32_t *nout)
{
    uint32_t idx;
    int rc;
    if (g->kind == LH_GROUPING_EXPR) {
        if ((rc = group_expr(c, plain, g->expr, items, nitems, from_sc, &idx))) return rc;
        out[0] = UINT64_C(1) << idx;
        *nout = 1;
        return 0;
    }
    if (g->kind == LH_GROUPING_SETS) {
        for (uint32_t s = 0; s < g->nsets; s++) {
            out[s] = 0;
            for (uint32_t k = 0; k < g->sets[s].n; k++) {
                if ((rc = group_expr(c, plain, g->sets[s].items[k], items, nitems, from_sc, &idx)))
                    return rc;
                out[s] |= UINT64_C(1) << idx;
            }
        }
        *nout = g->nsets;
        return 0;
    }
    const lh_ast_list_t *l = &g->sets[0];
    uint64_t bits[16];
    if (l->n > 12)
        return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, -1, "ROLLUP/CUBE over more than 12 expressions");
    for (uint32_t k = 0; k < l->n; k++) {
        if ((rc = group_expr(c, plain, l->items[k], items, nitems, from_sc, &idx))) return rc;
        bits[k] = UINT64_C(1) << idx;
    }
    if (g->kind == LH_GROUPING_ROLLUP) { /* (a, b), (a), () */
        for (uint32_t s = 0; s <= l->n; s++) {
            out[s] = 0;
            for (uint32_t k = 0; k < l->n - s; k++)
                out[s] |= bits[k];
        }
        *nout = l->n + 1;
        return 0;
    }
    for (uint32_t m = 0; m < (1u << l->n); m++) { /* CUBE: every subset */
        uint32_t sub = (1u << l->n) - 1 - m;
        out[m] = 0;
        for (uint32_t k = 0; k < l->n; k++)
            if (sub & (1u << k)) out[m] |= bits[k];
    }
    *nout = 1u << l->n;
    return 0;
}

#define LH_MAX_GROUPING_SETS 4096

static int add_groups(lh_bctx_t *c, const lh_ast_t *sel, const sel_item_t *items, uint32_t nitems,
                      lh_bscope_t *from_sc)
{
    lh_bctx_t plain = *c;
    plain.agg_mode = false;
    plain.scope = from_sc;
    lh_arena_t *a = c->env->arena;
    c->groups = lh_arena_calloc(a, 65 * sizeof *c->groups);
    if (!c->groups) return LH_ENOMEM;
    c->ngroups = 0;
    c->nsets = 0;
    if (sel->u.select.group_kind == LH_GROUP_ALL) {
        for (uint32_t i = 0; i < nitems; i++) {
            if (items[i].ast && lh__ast_has_agg(items[i].ast)) continue;
            lh_bexpr_t *e;
            int rc = bind_item(&plain, &items[i], from_sc, &e);
            if (rc) return rc;
            bool dup = false;
            for (uint32_t k = 0; k < c->ngroups; k++)
                dup |= lh_bx_equal(c->groups[k], e);
            if (!dup && c->ngroups == 64)
                return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, -1,
                                   "GROUP BY over more than 64 expressions");
            if (!dup) c->groups[c->ngroups++] = e;
        }
        return 0;
    }
    bool plain_only = true;
    for (uint32_t i = 0; i < sel->u.select.ngroup_by; i++)
        plain_only &= sel->u.select.group_by[i].kind == LH_GROUPING_EXPR;
    uint64_t *acc = lh_arena_calloc(a, LH_MAX_GROUPING_SETS * sizeof *acc);
    uint64_t *el = lh_arena_calloc(a, LH_MAX_GROUPING_SETS * sizeof *el);
    uint64_t *next = lh_arena_calloc(a, LH_MAX_GROUPING_SETS * sizeof *next);
    if (!acc || !el || !next) return LH_ENOMEM;
    uint32_t nacc = 1;
    acc[0] = 0;
    for (uint32_t i = 0; i < sel->u.select.ngroup_by; i++) { /* the cross product of the elements */
        const lh_ast_grouping_t *g = &sel->u.select.group_by[i];
        uint32_t nel = 0;
        if (g->kind == LH_GROUPING_SETS && g->nsets > LH_MAX_GROUPING_SETS)
            return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, sel->pos, "too many grouping sets");
        int rc = element_sets(c, &plain, g, items, nitems, from_sc, el, &nel);
        if (rc) return rc;
        if ((uint64_t)nacc * nel > LH_MAX_GROUPING_SETS)
            return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, sel->pos, "too many grouping sets");
        uint32_t nn = 0;
        for (uint32_t x = 0; x < nacc; x++)
            for (uint32_t y = 0; y < nel; y++)
                next[nn++] = acc[x] | el[y];
        memcpy(acc, next, nn * sizeof *acc);
        nacc = nn;
    }
    if (!plain_only) {
        c->sets = acc;
        c->nsets = nacc;
        lh_value_t zero = lh_value_int(LH_TYPE_BIGINT, 0); /* set per set by grouping_sets_plan */
        if (!(c->groups[c->ngroups] = lh_bx_const(a, &zero, -1))) return LH_ENOMEM;
        c->gid_slot = ++c->ngroups;
    }
    return 0;
}

bool lh__ast_is_grouping(const lh_ast_t *n)
{
    if (n->kind != LH_AST_FUNC || n->u.func.over || n->u.func.name.n != 1) return false;
    const char *name = n->u.func.name.parts[0];
    return !strcasecmp(name, "grouping") || !strcasecmp(name, "grouping_id");
}

/* GROUPING(a, b, ...): bit n-1-j set when the j-th argument's group is not
 * in the row's grouping set (0 for a plain GROUP BY), as DuckDB. */
int lh__bind_grouping(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    lh_arena_t *a = c->env->arena;
    const lh_ast_list_t *args = &n->u.func.args;
    uint32_t nplain = c->gid_slot ? c->gid_slot - 1 : c->ngroups;
    if (!c->agg_mode || c->in_agg_args || !nplain)
        return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos,
                           "GROUPING statement cannot be used without groups");
    if (!args->n || args->n > 63)
        return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos, "GROUPING takes 1 to 63 arguments");
    const lh_type_t big = lh_type(LH_TYPE_BIGINT);
    lh_value_t zero = lh_value_int(LH_TYPE_BIGINT, 0);
    lh_bexpr_t *acc = lh_bx_const(a, &zero, n->pos);
    lh_bexpr_t *gid = c->gid_slot ? lh_bx_colref(a, c->gid_slot - 1, &big) : NULL;
    if (!acc || (c->gid_slot && !gid)) return LH_ENOMEM;
    lh_bctx_t sub = *c;
    sub.agg_mode = false;
    sub.scope = c->agg_input;
    for (uint32_t j = 0; j < args->n; j++) {
        lh_bexpr_t *e;
        int rc = lh__bind_expr(&sub, args->items[j], &e);
        if (rc) return rc;
        uint32_t g = 0;
        while (g < nplain && !lh_bx_equal(e, c->groups[g]))
            g++;
        if (g == nplain)
            return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos,
                               "GROUPING child \"%s\" must be a grouping column",
                               lh__bind_item_name(a, args->items[j]));
        if (!gid) continue;
        /* acc + (((gid >> g) & 1) << (n - 1 - j)); each call keeps its argument array */
        int64_t k[3] = {g, 1, args->n - 1 - j};
        const char *op[4] = {">>", "&", "<<", "+"};
        lh_bexpr_t *v = gid;
        for (int step = 0; step < 4; step++) {
            lh_bexpr_t **x = lh_arena_alloc(a, 2 * sizeof *x);
            if (!x) return LH_ENOMEM;
            lh_value_t kv = lh_value_int(LH_TYPE_BIGINT, step < 3 ? k[step] : 0);
            x[0] = step < 3 ? v : acc;
            x[1] = step < 3 ? lh_bx_const(a, &kv, n->pos) : v;
            if (!x[1]) return LH_ENOMEM;
            if ((rc = lh__bind_call(c, op[step], x, 2, n->pos, step < 3 ? &v : &acc))) return rc;
        }
    }
    *out = acc;
    return 0;
}

/* The empty grouping set (): an aggregate without groups (so one row over no
 * input, as DuckDB), the group columns added as NULLs in front (the grouping
 * id, group gid_slot - 1 when gid_slot, as every plain group's bit set). */
static int grand_total_plan(lh_arena_t *a, const lh_plan_t *g, uint32_t gid_slot, lh_plan_t **out)
{
    uint32_t ng = g->u.agg.ngroups;
    lh_plan_t *agg = lh_plan_new(a, LH_PLAN_AGGREGATE, g->ncols - ng);
    lh_plan_t *p = lh_plan_new(a, LH_PLAN_PROJECT, g->ncols);
    if (!agg || !p) return LH_ENOMEM;
    lh_plan_col_t *cols = agg->cols;
    *agg = *g;
    agg->cols = cols;
    agg->ncols = g->ncols - ng;
    memcpy(agg->cols, g->cols + ng, agg->ncols * sizeof *agg->cols);
    agg->u.agg.groups = NULL;
    agg->u.agg.ngroups = 0;
    memcpy(p->cols, g->cols, g->ncols * sizeof *p->cols);
    p->child[0] = agg;
    p->u.project.exprs = lh_arena_calloc(a, (g->ncols + 1) * sizeof *p->u.project.exprs);
    if (!p->u.project.exprs) return LH_ENOMEM;
    for (uint32_t k = 0; k < g->ncols; k++) {
        lh_value_t nv = lh_value_null(g->cols[k].type);
        if (k + 1 == gid_slot)
            nv = lh_value_int(LH_TYPE_BIGINT, k == 64 ? -1 : (int64_t)((UINT64_C(1) << k) - 1));
        p->u.project.exprs[k] =
            k < ng ? lh_bx_const(a, &nv, -1) : lh_bx_colref(a, k - ng, &g->cols[k].type);
        if (!p->u.project.exprs[k]) return LH_ENOMEM;
    }
    *out = p;
    return 0;
}

/* GROUPING SETS: one aggregate per set (groups outside the set are NULL),
 * their rows concatenated. */
static int grouping_sets_plan(lh_bctx_t *c, lh_plan_t *g, lh_plan_t **out)
{
    lh_arena_t *a = c->env->arena;
    lh_plan_t *acc = NULL;
    for (uint32_t s = 0; s < c->nsets; s++) {
        lh_plan_t *one = NULL;
        if (!c->sets[s]) { /* the grand total: one row even over no input */
            int rc = grand_total_plan(a, g, c->gid_slot, &one);
            if (rc) return rc;
            goto append;
        }
        one = lh_plan_new(a, LH_PLAN_AGGREGATE, g->ncols);
        if (!one) return LH_ENOMEM;
        *one = *g;
        one->cols = g->cols;
        one->u.agg.groups = lh_arena_calloc(a, (g->u.agg.ngroups + 1) * sizeof *one->u.agg.groups);
        if (!one->u.agg.groups) return LH_ENOMEM;
        for (uint32_t k = 0; k < g->u.agg.ngroups; k++) {
            if (k + 1 == c->gid_slot) { /* the set's grouping id: its groups' bits clear */
                uint64_t all = k == 64 ? UINT64_MAX : (UINT64_C(1) << k) - 1;
                lh_value_t id = lh_value_int(LH_TYPE_BIGINT, (int64_t)(all & ~c->sets[s]));
                if (!(one->u.agg.groups[k] = lh_bx_const(a, &id, -1))) return LH_ENOMEM;
                continue;
            }
            if (c->sets[s] & (UINT64_C(1) << k)) {
                one->u.agg.groups[k] = g->u.agg.groups[k];
                continue;
            }
            lh_value_t nv = lh_value_null(g->u.agg.groups[k]->type);
            if (!(one->u.agg.groups[k] = lh_bx_const(a, &nv, -1))) return LH_ENOMEM;
        }
    append:
        if (!acc) {
            acc = one;
            continue;
        }
        lh_plan_t *u = lh_plan_new(a, LH_PLAN_UNION, g->ncols);
        if (!u) return LH_ENOMEM;
        memcpy(u->cols, g->cols, g->ncols * sizeof *u->cols);
        u->child[0] = acc;
        u->child[1] = one;
        u->u.setop.op = 1;
        u->u.setop.all = true;
        acc = u;
    }
    *out = acc;
    return 0;
}

/* ---- ORDER BY ---- */

typedef struct order_key {
    uint32_t col; /* column of the projection */
    bool desc, nulls_first;
} order_key_t;

/* ORDER BY ALL (a star term): every output column in turn, by position. */
static int order_all(lh_arena_t *a, const lh_ast_order_list_t **ob, uint32_t nitems)
{
    const lh_ast_order_list_t *in = *ob;
    if (in->n != 1 || in->items[0].expr->kind != LH_AST_STAR) return 0;
    lh_ast_order_list_t *out = lh_arena_calloc(a, sizeof *out);
    lh_ast_order_t *items = lh_arena_calloc(a, (nitems + 1) * sizeof *items);
    if (!out || !items) return LH_ENOMEM;
    for (uint32_t i = 0; i < nitems; i++) {
        lh_ast_t *lit = lh_arena_calloc(a, sizeof *lit);
        if (!lit) return LH_ENOMEM;
        *lit = (lh_ast_t){.kind = LH_AST_LITERAL, .pos = in->items[0].expr->pos};
        lit->u.lit.kind = LH_LIT_INTEGER;
        if (!(lit->u.lit.text = lh_arena_printf(a, "%u", i + 1))) return LH_ENOMEM;
        lit->u.lit.len = strlen(lit->u.lit.text);
        items[i] = in->items[0];
        items[i].expr = lit;
    }
    *out = (lh_ast_order_list_t){.items = items, .n = nitems};
    *ob = out;
    return 0;
}

static int bind_order(lh_bctx_t *c, const lh_ast_order_list_t *ob, const sel_item_t *items,
                      uint32_t nitems, lh_bexpr_t ***exprs, uint32_t *nexprs, order_key_t **keys)
{
    *keys = lh_arena_calloc(c->env->arena, (ob->n + 1) * sizeof **keys);
    if (!*keys) return LH_ENOMEM;
    for (uint32_t i = 0; i < ob->n; i++) {
        const lh_ast_order_t *o = &ob->items[i];
        order_key_t *k = &(*keys)[i];
        k->desc = o->desc;
        k->nulls_first = o->nulls_first == 1;
        const lh_ast_t *e = o->expr;
        int64_t col = -1;
        if (e->kind == LH_AST_LITERAL && e->u.lit.kind == LH_LIT_INTEGER) {
            long v = strtol(e->u.lit.text, NULL, 10);
            if (v < 1 || (uint32_t)v > nitems)
                return LH_BIND_ERR(c, LH_SQL_EBIND, e->pos,
                                   "ORDER term out of range - should be between 1 and %u", nitems);
            col = v - 1;
        } else if (e->kind == LH_AST_COLUMN && e->u.column.name.n == 1) {
            for (uint32_t j = 0; j < nitems && col < 0; j++)
                if (items[j].name && !strcasecmp(items[j].name, e->u.column.name.parts[0]) &&
                    (!items[j].ast || items[j].ast->alias || items[j].ast->kind == LH_AST_COLUMN))
                    col = j;
        }
        if (col < 0) {
            lh_bexpr_t *b;
            int rc = lh__bind_expr(c, e, &b);
            if (rc) return rc;
            for (uint32_t j = 0; j < *nexprs && col < 0; j++)
                if (lh_bx_equal((*exprs)[j], b)) col = j;
            if (col < 0) {
                (*exprs)[*nexprs] = b;
                col = (*nexprs)++;
            }
        }
        k->col = (uint32_t)col;
    }
    return 0;
}

/* ---- one SELECT block ---- */

static lh_plan_t *unary(lh_arena_t *a, lh_plan_kind_t k, lh_plan_t *child, uint32_t ncols)
{
    lh_plan_t *p = lh_plan_new(a, k, ncols);
    if (!p) return NULL;
    p->child[0] = child;
    if (k != LH_PLAN_PROJECT && k != LH_PLAN_AGGREGATE)
        for (uint32_t i = 0; i < ncols && i < child->ncols; i++)
            p->cols[i] = child->cols[i];
    return p;
}

/* A constant LIMIT (and OFFSET) right over a sort (or the projection
 * dropping its hidden keys) tells the sort how many rows it needs: top-N. */
static void sort_top(lh_plan_t *limit)
{
    lh_plan_t *s = limit->child[0];
    if (s->kind == LH_PLAN_PROJECT) s = s->child[0];
    const lh_bexpr_t *l = limit->u.limit.limit, *o = limit->u.limit.offset;
    if (s->kind != LH_PLAN_SORT || !l || l->kind != LH_BX_CONST || l->u.c.is_null ||
        l->u.c.v.i < 0 || l->u.c.v.i > INT32_MAX)
        return;
    int64_t off = 0;
    if (o && (o->kind != LH_BX_CONST || o->u.c.is_null || o->u.c.v.i < 0 || o->u.c.v.i > INT32_MAX))
        return;
    if (o) off = o->u.c.v.i;
    s->u.sort.limit = l->u.c.v.i + off;
}

static int bind_limit(lh_bctx_t *c, const lh_ast_query_tail_t *t, lh_plan_t **plan)
{
    if (!t->limit && !t->offset) return 0;
    lh_plan_t *p = unary(c->env->arena, LH_PLAN_LIMIT, *plan, (*plan)->ncols);
    if (!p) return LH_ENOMEM;
    const lh_type_t big = lh_type(LH_TYPE_BIGINT);
    lh_bscope_t empty = {0};
    lh_bctx_t k = {.env = c->env, .scope = &empty, .params = c->params};
    if (t->limit) {
        int rc = lh__bind_expr(&k, t->limit, &p->u.limit.limit);
        if (!rc)
            rc = lh__bind_cast_to(&k, p->u.limit.limit, &big, false, t->limit->pos,
                                  &p->u.limit.limit);
        if (rc) return rc;
    }
    if (t->offset) {
        int rc = lh__bind_expr(&k, t->offset, &p->u.limit.offset);
        if (!rc)
            rc = lh__bind_cast_to(&k, p->u.limit.offset, &big, false, t->offset->pos,
                                  &p->u.limit.offset);
        if (rc) return rc;
    }
    sort_top(p);
    *plan = p;
    return 0;
}

static int distinct_over(lh_arena_t *a, lh_plan_t **plan, uint32_t ncols)
{
    lh_plan_t *in = *plan;
    lh_plan_t *p = unary(a, LH_PLAN_AGGREGATE, in, in->ncols);
    if (!p) return LH_ENOMEM;
    p->u.agg.ngroups = in->ncols;
    p->u.agg.groups = lh_arena_calloc(a, (in->ncols + 1) * sizeof *p->u.agg.groups);
    if (!p->u.agg.groups) return LH_ENOMEM;
    for (uint32_t i = 0; i < in->ncols; i++) {
        p->cols[i] = in->cols[i];
        if (!(p->u.agg.groups[i] = lh_bx_colref(a, i, &in->cols[i].type))) return LH_ENOMEM;
    }
    *plan = p;
    (void)ncols;
    return 0;
}

/* The select list's aliases, for the clauses that may name them. */
static int collect_aliases(lh_bctx_t *c, const sel_item_t *items, uint32_t nitems)
{
    lh_balias_t *al = lh_arena_calloc(c->env->arena, (nitems + 1) * sizeof *al);
    if (!al) return LH_ENOMEM;
    uint32_t n = 0;
    for (uint32_t i = 0; i < nitems; i++)
        if (items[i].ast && items[i].ast->alias)
            al[n++] = (lh_balias_t){.name = items[i].ast->alias, .ast = items[i].ast};
    c->aliases = al;
    c->naliases = n;
    return 0;
}

static int bind_select(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *sel,
                       lh_plan_t **out);

/* A DISTINCT ON / ORDER BY term for the window: a position names a select
 * item's expression. */
static lh_ast_t *positional(const lh_ast_t *sel, lh_ast_t *e)
{
    if (e->kind != LH_AST_LITERAL || e->u.lit.kind != LH_LIT_INTEGER) return e;
    long v = strtol(e->u.lit.text, NULL, 10);
    const lh_ast_list_t *items = &sel->u.select.items;
    if (v < 1 || (unsigned long)v > items->n || items->items[v - 1]->kind == LH_AST_STAR) return e;
    return items->items[v - 1];
}

/* SELECT DISTINCT ON (k...) ... ORDER BY o: the same block with QUALIFY
 * row_number() OVER (PARTITION BY k... ORDER BY o) = 1, the first row of
 * each k in o's order, as DuckDB. */
static int bind_distinct_on(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *sel,
                            lh_plan_t **out)
{
    lh_arena_t *a = env->arena;
    lh_ast_t *s = lh_arena_alloc(a, sizeof *s);
    lh_ast_window_t *w = lh_arena_calloc(a, sizeof *w);
    lh_ast_t *rn = lh_arena_calloc(a, sizeof *rn), *one = lh_arena_calloc(a, sizeof *one);
    lh_ast_t *eq = lh_arena_calloc(a, sizeof *eq);
    const lh_ast_list_t *on = &sel->u.select.distinct_on;
    const lh_ast_order_list_t *ob = &sel->u.select.tail.order_by;
    lh_ast_t **keys = lh_arena_alloc(a, (on->n + 1) * sizeof *keys);
    lh_ast_order_t *order = lh_arena_calloc(a, (ob->n + 1) * sizeof *order);
    if (!s || !w || !rn || !one || !eq || !keys || !order) return LH_ENOMEM;
    for (uint32_t i = 0; i < on->n; i++)
        keys[i] = positional(sel, on->items[i]);
    bool all = ob->n == 1 && ob->items[0].expr->kind == LH_AST_STAR; /* ORDER BY ALL */
    for (uint32_t i = 0; i < ob->n && !all; i++) {
        order[i] = ob->items[i];
        order[i].expr = positional(sel, ob->items[i].expr);
    }
    w->partition_by = (lh_ast_list_t){.items = keys, .n = on->n};
    w->order_by = (lh_ast_order_list_t){.items = order, .n = all ? 0 : ob->n};
    *rn = (lh_ast_t){.kind = LH_AST_FUNC, .pos = sel->pos};
    rn->u.func.name = (lh_ast_name_t){.parts = {"row_number"}, .n = 1};
    rn->u.func.over = w;
    *one = (lh_ast_t){.kind = LH_AST_LITERAL, .pos = sel->pos};
    one->u.lit.kind = LH_LIT_INTEGER;
    one->u.lit.text = "1";
    one->u.lit.len = 1;
    *eq = (lh_ast_t){.kind = LH_AST_BINARY, .pos = sel->pos};
    eq->u.binary.op = LH_OP_EQ;
    eq->u.binary.left = rn;
    eq->u.binary.right = one;
    *s = *sel;
    s->u.select.distinct = false;
    s->u.select.distinct_on = (lh_ast_list_t){0};
    s->u.select.qualify = eq;
    if (sel->u.select.qualify) {
        lh_ast_t *and = lh_arena_calloc(a, sizeof *and);
        if (!and) return LH_ENOMEM;
        *and = (lh_ast_t){.kind = LH_AST_BINARY, .pos = sel->pos};
        and->u.binary.op = LH_OP_AND;
        and->u.binary.left = sel->u.select.qualify;
        and->u.binary.right = eq;
        s->u.select.qualify = and;
    }
    return bind_select(env, params, s, out);
}

static int bind_select(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *sel,
                       lh_plan_t **out)
{
    if (sel->u.select.distinct_on.n) return bind_distinct_on(env, params, sel, out);
    lh_arena_t *a = env->arena;
    lh_plan_t *plan;
    lh_bscope_t from_sc = {0};
    int rc;
    if (sel->u.select.from) {
        if ((rc = lh__bind_from(env, params, sel->u.select.from, &plan, &from_sc))) return rc;
    } else {
        plan = lh_plan_new(a, LH_PLAN_VALUES, 0);
        if (!plan) return LH_ENOMEM;
        plan->u.values.nrows = 1;
        plan->u.values.rows = lh_arena_calloc(a, sizeof *plan->u.values.rows);
        if (!plan->u.values.rows) return LH_ENOMEM;
    }
    lh_bctx_t c = {.env = env, .scope = &from_sc, .params = params};
    sel_item_t *items = NULL;
    uint32_t nitems = 0;
    if ((rc = expand_items(env, sel, &from_sc, &items, &nitems))) return rc;
    if ((rc = collect_aliases(&c, items, nitems))) return rc;
    const lh_ast_t *where = sel->u.select.where, *having = NULL, *qualify = NULL;
    if ((rc = lh__bind_subst_aliases(a, c.aliases, c.naliases, &from_sc, where, &where, NULL)) ||
        (rc = lh__bind_subst_aliases(a, c.aliases, c.naliases, &from_sc, sel->u.select.having,
                                     &having, NULL)) ||
        (rc = lh__bind_subst_aliases(a, c.aliases, c.naliases, &from_sc, sel->u.select.qualify,
                                     &qualify, NULL)))
        return rc;
    if (where) {
        if (lh__ast_has_agg(where))
            return LH_BIND_ERR(&c, LH_SQL_EBIND, where->pos,
                               "WHERE clause cannot contain aggregates!");
        if (find(where, FIND_WINDOW))
            return LH_BIND_ERR(&c, LH_SQL_EBIND, where->pos,
                               "WHERE clause cannot contain window functions!");
        lh_bexpr_t *cond;
        c.from_plan = &plan; /* a correlated subquery may join onto the FROM plan */
        if ((rc = lh__bind_bool(&c, where, "WHERE", &cond))) return rc;
        c.from_plan = NULL;
        lh_plan_t *f = unary(a, LH_PLAN_FILTER, plan, plan->ncols);
        if (!f) return LH_ENOMEM;
        f->u.filter.cond = cond;
        plan = f;
    }
    bool grouped =
        sel->u.select.ngroup_by || sel->u.select.group_kind == LH_GROUP_ALL || sel->u.select.having;
    for (uint32_t i = 0; i < nitems && !grouped; i++)
        grouped = items[i].ast && lh__ast_has_agg(items[i].ast);
    for (uint32_t i = 0; i < sel->u.select.tail.order_by.n && !grouped; i++)
        grouped = lh__ast_has_agg(sel->u.select.tail.order_by.items[i].expr);
    lh_bscope_t agg_sc = {0};
    if (grouped) {
        c.agg_input = &from_sc;
        if ((rc = add_groups(&c, sel, items, nitems, &from_sc))) return rc;
        c.agg_mode = true;
        c.scope = &agg_sc;
    }
    /* the select list, then ORDER BY keys not in it (hidden columns) */
    uint32_t cap = nitems + sel->u.select.tail.order_by.n;
    lh_bexpr_t **exprs = lh_arena_calloc(a, (cap + 1) * sizeof *exprs);
    if (!exprs) return LH_ENOMEM;
    c.select = sel;
    c.allow_windows = true;
    if (!grouped) c.from_plan = &plan; /* correlated subqueries in the select list join here */
    for (uint32_t i = 0; i < nitems; i++)
        if ((rc = bind_item(&c, &items[i], &from_sc, &exprs[i]))) return rc;
    lh_bexpr_t *having_e = NULL, *qualify_e = NULL;
    c.allow_windows = false;
    if (having && (rc = lh__bind_bool(&c, having, "HAVING", &having_e))) return rc;
    c.allow_windows = true;
    if (qualify && (rc = lh__bind_bool(&c, qualify, "QUALIFY", &qualify_e))) return rc;
    uint32_t nexprs = nitems;
    order_key_t *keys = NULL;
    const lh_ast_order_list_t *ob = &sel->u.select.tail.order_by;
    if (ob->n && ((rc = order_all(a, &ob, nitems)) ||
                  (rc = bind_order(&c, ob, items, nitems, &exprs, &nexprs, &keys))))
        return rc;
    c.from_plan = NULL;
    if (qualify_e && !c.nwins)
        return LH_BIND_ERR(&c, LH_SQL_EBIND, sel->u.select.qualify->pos,
                           "at least one window function must appear in the SELECT column or "
                           "QUALIFY clause");
    if (grouped && c.nagg_order) { /* agg(x ORDER BY k): the input in k's order */
        lh_plan_t *s = unary(a, LH_PLAN_SORT, plan, plan->ncols);
        if (!s) return LH_ENOMEM;
        s->u.sort.keys = c.agg_order;
        s->u.sort.nkeys = c.nagg_order;
        s->u.sort.limit = -1;
        plan = s;
    }
    if (grouped) {
        lh_plan_t *g = unary(a, LH_PLAN_AGGREGATE, plan, c.ngroups + c.naggs);
        if (!g) return LH_ENOMEM;
        g->u.agg.groups = c.groups;
        g->u.agg.ngroups = c.ngroups;
        g->u.agg.aggs = c.aggs;
        g->u.agg.naggs = c.naggs;
        for (uint32_t i = 0; i < c.ngroups; i++)
            g->cols[i] =
                (lh_plan_col_t){.name = lh_arena_printf(a, "#%u", i), .type = c.groups[i]->type};
        for (uint32_t j = 0; j < c.naggs; j++)
            g->cols[c.ngroups + j] =
                (lh_plan_col_t){.name = c.aggs[j].def->name, .type = c.aggs[j].type};
        plan = g;
        if (c.nsets && (rc = grouping_sets_plan(&c, g, &plan))) return rc;
        if (having_e) {
            lh_plan_t *f = unary(a, LH_PLAN_FILTER, plan, plan->ncols);
            if (!f) return LH_ENOMEM;
            f->u.filter.cond = having_e;
            plan = f;
        }
    }
    if (c.nwins) {
        uint32_t base = plan->ncols;
        lh_plan_t *w = unary(a, LH_PLAN_WINDOW, plan, base + c.nwins);
        if (!w) return LH_ENOMEM;
        for (uint32_t k = 0; k < c.nwins; k++)
            w->cols[base + k] = (lh_plan_col_t){.name = "#window", .type = c.wins[k].type};
        w->u.window.wins = c.wins;
        w->u.window.n = c.nwins;
        plan = w;
        for (uint32_t i = 0; i < nexprs; i++)
            lh__bind_window_remap(exprs[i], base);
        if (qualify_e) {
            lh__bind_window_remap(qualify_e, base);
            lh_plan_t *f = unary(a, LH_PLAN_FILTER, plan, plan->ncols);
            if (!f) return LH_ENOMEM;
            f->u.filter.cond = qualify_e;
            plan = f;
        }
    }
    lh_plan_t *proj = unary(a, LH_PLAN_PROJECT, plan, nexprs);
    if (!proj) return LH_ENOMEM;
    proj->u.project.exprs = exprs;
    for (uint32_t i = 0; i < nexprs; i++)
        proj->cols[i] =
            (lh_plan_col_t){.name = i < nitems ? items[i].name : "#order", .type = exprs[i]->type};
    plan = proj;
    if (sel->u.select.distinct) {
        if (nexprs > nitems)
            return LH_BIND_ERR(
                &c, LH_SQL_EBIND, sel->pos,
                "for SELECT DISTINCT, ORDER BY expressions must appear in select list");
        if ((rc = distinct_over(a, &plan, nitems))) return rc;
    }
    if (ob->n) {
        lh_plan_t *s = unary(a, LH_PLAN_SORT, plan, plan->ncols);
        if (!s) return LH_ENOMEM;
        s->u.sort.nkeys = ob->n;
        s->u.sort.limit = -1;
        s->u.sort.keys = lh_arena_calloc(a, (ob->n + 1) * sizeof *s->u.sort.keys);
        if (!s->u.sort.keys) return LH_ENOMEM;
        for (uint32_t i = 0; i < ob->n; i++) {
            lh_bexpr_t *k = lh_bx_colref(a, keys[i].col, &plan->cols[keys[i].col].type);
            if (!k) return LH_ENOMEM;
            s->u.sort.keys[i] = (lh_plan_order_t){
                .expr = k, .desc = keys[i].desc, .nulls_first = keys[i].nulls_first};
        }
        plan = s;
        if (nexprs > nitems) {
            lh_plan_t *p2 = unary(a, LH_PLAN_PROJECT, plan, nitems);
            if (!p2) return LH_ENOMEM;
            p2->u.project.exprs = lh_arena_calloc(a, (nitems + 1) * sizeof *p2->u.project.exprs);
            if (!p2->u.project.exprs) return LH_ENOMEM;
            for (uint32_t i = 0; i < nitems; i++) {
                p2->cols[i] = plan->cols[i];
                if (!(p2->u.project.exprs[i] = lh_bx_colref(a, i, &plan->cols[i].type)))
                    return LH_ENOMEM;
            }
            plan = p2;
        }
    }
    if ((rc = bind_limit(&c, &sel->u.select.tail, &plan))) return rc;
    *out = plan;
    return 0;
}

/* ---- VALUES and set operations ---- */

static int bind_values(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *v, lh_plan_t **out)
{
    uint32_t nr = v->u.values.nrows, nc = nr ? v->u.values.rows[0].n : 0;
    lh_plan_t *p = lh_plan_new(env->arena, LH_PLAN_VALUES, nc);
    if (!p) return LH_ENOMEM;
    p->u.values.nrows = nr;
    p->u.values.rows = lh_arena_calloc(env->arena, (nr + 1) * sizeof *p->u.values.rows);
    if (!p->u.values.rows) return LH_ENOMEM;
    lh_bscope_t empty = {0};
    lh_bctx_t c = {.env = env, .scope = &empty, .params = params};
    lh_bexpr_t **col = lh_arena_calloc(env->arena, (nr + 1) * sizeof *col);
    if (!col) return LH_ENOMEM;
    for (uint32_t r = 0; r < nr; r++) {
        if (v->u.values.rows[r].n != nc)
            return LH_BIND_ERR(&c, LH_SQL_EBIND, v->pos,
                               "VALUES lists must all be the same length");
        p->u.values.rows[r] = lh_arena_calloc(env->arena, (nc + 1) * sizeof **p->u.values.rows);
        if (!p->u.values.rows[r]) return LH_ENOMEM;
        for (uint32_t k = 0; k < nc; k++) {
            int rc = lh__bind_expr(&c, v->u.values.rows[r].items[k], &p->u.values.rows[r][k]);
            if (rc) return rc;
        }
    }
    for (uint32_t k = 0; k < nc; k++) {
        for (uint32_t r = 0; r < nr; r++)
            col[r] = p->u.values.rows[r][k];
        int rc = lh__bind_unify(&c, col, nr, v->pos, &p->cols[k].type);
        if (rc) return rc;
        for (uint32_t r = 0; r < nr; r++)
            p->u.values.rows[r][k] = col[r];
        p->cols[k].name = lh_arena_printf(env->arena, "col%u", k);
    }
    *out = p;
    lh_bctx_t t = c;
    return bind_limit(&t, &v->u.values.tail, out);
}

static uint8_t col_lit(const lh_plan_t *p, uint32_t i);

/* The columns of *plan cast to types; a column of NULL literals becomes a
 * NULL of the type (a NULL's own type, INTEGER, may have no cast to it). */
static int cast_columns(lh_bind_env_t *env, lh_plan_t **plan, const lh_type_t *types)
{
    lh_plan_t *in = *plan;
    bool same = true;
    for (uint32_t i = 0; i < in->ncols; i++)
        same &= lh_type_equal(&in->cols[i].type, &types[i]);
    if (same) return 0;
    lh_plan_t *p = unary(env->arena, LH_PLAN_PROJECT, in, in->ncols);
    if (!p) return LH_ENOMEM;
    p->u.project.exprs = lh_arena_calloc(env->arena, (in->ncols + 1) * sizeof *p->u.project.exprs);
    if (!p->u.project.exprs) return LH_ENOMEM;
    lh_bscope_t empty = {0};
    lh_bctx_t c = {.env = env, .scope = &empty};
    for (uint32_t i = 0; i < in->ncols; i++) {
        p->cols[i] = (lh_plan_col_t){.name = in->cols[i].name, .type = types[i]};
        if (!lh_type_equal(&in->cols[i].type, &types[i]) &&
            (col_lit(in, i) & LH_SQL_ARG_NULL_LITERAL)) {
            lh_value_t null = lh_value_null(types[i]);
            if (!(p->u.project.exprs[i] = lh_bx_const(env->arena, &null, -1))) return LH_ENOMEM;
            continue;
        }
        lh_bexpr_t *r = lh_bx_colref(env->arena, i, &in->cols[i].type);
        if (!r) return LH_ENOMEM;
        int rc = lh__bind_cast_to(&c, r, &types[i], false, -1, &p->u.project.exprs[i]);
        if (rc) return rc;
    }
    *plan = p;
    return 0;
}

/* A column's literal note (a NULL or string literal whose type is still
 * open), seen through the projection that made it. */
static uint8_t col_lit(const lh_plan_t *p, uint32_t i)
{
    while (p->kind == LH_PLAN_SORT || p->kind == LH_PLAN_LIMIT)
        p = p->child[0];
    if (p->kind == LH_PLAN_PROJECT) return p->u.project.exprs[i]->lit & LH_SQL_ARG_NULL_LITERAL;
    if (p->kind != LH_PLAN_VALUES || !p->u.values.nrows) return 0;
    uint8_t lit = LH_SQL_ARG_NULL_LITERAL;
    for (uint32_t r = 0; r < p->u.values.nrows; r++)
        lit &= p->u.values.rows[r][i]->lit;
    return lit;
}

static int bind_setop(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *s, lh_plan_t **out)
{
    lh_plan_t *l, *r;
    int rc = lh__bind_query(env, params, s->u.setop.left, &l);
    if (!rc) rc = lh__bind_query(env, params, s->u.setop.right, &r);
    if (rc) return rc;
    if (l->ncols != r->ncols)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, s->pos,
                          "Set operations can only apply to expressions with the same number of "
                          "result columns");
    lh_type_t *types = lh_arena_calloc(env->arena, (l->ncols + 1) * sizeof *types);
    if (!types) return LH_ENOMEM;
    lh_bscope_t empty = {0};
    lh_bctx_t c = {.env = env, .scope = &empty};
    for (uint32_t i = 0; i < l->ncols; i++) {
        lh_bexpr_t x = {.kind = LH_BX_COLREF, .type = l->cols[i].type, .lit = col_lit(l, i)};
        lh_bexpr_t y = {.kind = LH_BX_COLREF, .type = r->cols[i].type, .lit = col_lit(r, i)};
        bool xs = x.type.id == LH_TYPE_VARCHAR, ys = y.type.id == LH_TYPE_VARCHAR;
        if (xs != ys && !(x.lit | y.lit) && !lh_type_is_nested(&x.type) &&
            !lh_type_is_nested(&y.type)) { /* DuckDB: a text side makes the column VARCHAR */
            types[i] = lh_type(LH_TYPE_VARCHAR);
            continue;
        }
        if ((rc = lh__bind_common(&c, &x, &y, s->pos, &types[i]))) return rc;
    }
    if ((rc = cast_columns(env, &l, types)) || (rc = cast_columns(env, &r, types))) return rc;
    lh_plan_t *u =
        lh_plan_new(env->arena, s->u.setop.op == 1 ? LH_PLAN_UNION : LH_PLAN_SETOP, l->ncols);
    if (!u) return LH_ENOMEM;
    u->child[0] = l;
    u->child[1] = r;
    for (uint32_t i = 0; i < l->ncols; i++)
        u->cols[i] = (lh_plan_col_t){.name = l->cols[i].name, .type = types[i]};
    u->u.setop.op = s->u.setop.op;
    u->u.setop.all = s->u.setop.op == 1 || s->u.setop.all;
    lh_plan_t *plan = u;
    if (s->u.setop.op == 1 && !s->u.setop.all &&
        (rc = distinct_over(env->arena, &plan, plan->ncols)))
        return rc;
    const lh_ast_order_list_t *ob = &s->u.setop.tail.order_by;
    if (ob->n && (rc = order_all(env->arena, &ob, plan->ncols))) return rc;
    if (ob->n) {
        sel_item_t *items = lh_arena_calloc(env->arena, (plan->ncols + 1) * sizeof *items);
        if (!items) return LH_ENOMEM;
        lh_bscope_t sc;
        if ((rc = scope_of(env->arena, plan, NULL, &sc))) return rc;
        for (uint32_t i = 0; i < plan->ncols; i++)
            items[i] = (sel_item_t){.star_col = i, .name = plan->cols[i].name};
        lh_bexpr_t **exprs = lh_arena_calloc(env->arena, (plan->ncols + ob->n + 1) * sizeof *exprs);
        uint32_t nexprs = plan->ncols;
        order_key_t *keys;
        lh_bctx_t oc = {.env = env, .scope = &sc, .params = params};
        if (!exprs) return LH_ENOMEM;
        for (uint32_t i = 0; i < nexprs; i++)
            if (!(exprs[i] = lh_bx_colref(env->arena, i, &plan->cols[i].type))) return LH_ENOMEM;
        if ((rc = bind_order(&oc, ob, items, plan->ncols, &exprs, &nexprs, &keys))) return rc;
        if (nexprs > plan->ncols)
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, s->pos,
                              "ORDER BY of a set operation must name its result columns");
        lh_plan_t *so = unary(env->arena, LH_PLAN_SORT, plan, plan->ncols);
        if (!so) return LH_ENOMEM;
        so->u.sort.nkeys = ob->n;
        so->u.sort.limit = -1;
        so->u.sort.keys = lh_arena_calloc(env->arena, (ob->n + 1) * sizeof *so->u.sort.keys);
        if (!so->u.sort.keys) return LH_ENOMEM;
        for (uint32_t i = 0; i < ob->n; i++)
            so->u.sort.keys[i] = (lh_plan_order_t){.expr = exprs[keys[i].col],
                                                   .desc = keys[i].desc,
                                                   .nulls_first = keys[i].nulls_first};
        plan = so;
    }
    lh_bctx_t lc = {.env = env, .scope = &empty, .params = params};
    if ((rc = bind_limit(&lc, &s->u.setop.tail, &plan))) return rc;
    *out = plan;
    return 0;
}

int lh__bind_query(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *q, lh_plan_t **out)
{
    const lh_ast_query_tail_t *tail = q->kind == LH_AST_SELECT  ? &q->u.select.tail
                                      : q->kind == LH_AST_SETOP ? &q->u.setop.tail
                                                                : &q->u.values.tail;
    struct lh_bcte *saved = env->ctes;
    int rc = tail->with ? lh__bind_with(env, tail->with) : 0;
    if (!rc) {
        switch ((lh_ast_kind_t)q->kind) {
        case LH_AST_SELECT:
            rc = bind_select(env, params, q, out);
            break;
        case LH_AST_VALUES:
            rc = bind_values(env, params, q, out);
            break;
        case LH_AST_SETOP:
            rc = bind_setop(env, params, q, out);
            break;
        default:
            rc = lh_sql_err(env->err, LH_EINVAL, LH_SQL_EINTERNAL, q->pos, "not a query");
        }
    }
    env->ctes = saved;
    return rc;
}
