/* Correlated subqueries, decorrelated into joins on the enclosing block's
 * FROM plan. The subquery's correlations must sit in its WHERE clause (the
 * filter right above its FROM), as conjuncts; equalities between an inner
 * and an outer expression become join keys, the rest a residual condition.
 *
 *   [NOT] EXISTS (SELECT .. WHERE inner = outer AND cond(inner, outer))
 *       -> a MARK join: each outer row once, plus a BOOLEAN "had a match"
 *   x [NOT] IN (SELECT e .. WHERE inner = outer)
 *       -> the same, with x = e as one more key
 *   (SELECT f(agg(..)) .. WHERE inner = outer)       (a scalar aggregate)
 *       -> a LEFT join with the subquery grouped by its inner keys; count
 *          over no rows gives 0, not NULL
 *   (SELECT e .. WHERE inner = outer)                (a scalar, no aggregate)
 *       -> a LEFT join with the subquery grouped by its inner keys into
 *          count_star() and first(e): more than one row for a key is
 *          DuckDB's error when that value is used
 *
 * The join's result column is appended to the block's FROM plan as a hidden
 * column, and the expression becomes a reference to it. Correlations
 * anywhere else (the select list, GROUP BY, HAVING of the subquery, nested
 * deeper) are refused with a clear error. */
#include <string.h>

#include "sql/bind/bind_int.h"

static const lh_type_t T_BOOL = {.id = LH_TYPE_BOOLEAN};

static bool has_outer(const lh_bexpr_t *e)
{
    if (!e) return false;
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_COLREF:
        return e->outer;
    case LH_BX_CONST:
    case LH_BX_PARAM:
        return false;
    case LH_BX_FUNC:
        for (uint32_t i = 0; i < e->u.func.nargs; i++)
            if (has_outer(e->u.func.args[i])) return true;
        return false;
    case LH_BX_CAST:
        return has_outer(e->u.cast.arg);
    case LH_BX_IN_SET:
        return has_outer(e->u.in_set.arg);
    default:
        for (uint32_t i = 0; i < e->u.list.n; i++)
            if (has_outer(e->u.list.items[i])) return true;
        return false;
    }
}

static bool only_outer(const lh_bexpr_t *e)
{
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_COLREF:
        return e->outer;
    case LH_BX_CONST:
    case LH_BX_PARAM:
        return true;
    case LH_BX_FUNC:
        for (uint32_t i = 0; i < e->u.func.nargs; i++)
            if (!only_outer(e->u.func.args[i])) return false;
        return true;
    case LH_BX_CAST:
        return only_outer(e->u.cast.arg);
    case LH_BX_IN_SET:
        return only_outer(e->u.in_set.arg);
    default:
        for (uint32_t i = 0; i < e->u.list.n; i++)
            if (!only_outer(e->u.list.items[i])) return false;
        return true;
    }
}

static uint32_t join_side(void *ctx, const lh_bexpr_t *ref)
{
    uint32_t nleft = *(const uint32_t *)ctx;
    return ref->outer || nleft == UINT32_MAX ? ref->u.col : ref->u.col + nleft;
}

/* A copy of e for the join: outer columns become left columns (their own
 * numbers), inner ones right columns (shifted by nleft, or kept when
 * nleft is UINT32_MAX: an expression over the right input alone). */
static lh_bexpr_t *for_join(lh_arena_t *a, const lh_bexpr_t *e, uint32_t nleft)
{
    return lh_bx_copy_map(a, e, join_side, &nleft);
}

static bool is_eq(const lh_bexpr_t *e)
{
    return e->kind == LH_BX_FUNC && e->u.func.def && !strcmp(e->u.func.def->name, "=") &&
           e->u.func.nargs == 2;
}

typedef struct corr {
    lh_plan_t *inner;     /* the subquery's FROM with its local WHERE conjuncts */
    lh_bexpr_t **outer_k; /* key pairs: outer side (as left columns) */
    lh_bexpr_t **inner_k; /* inner side (over inner) */
    uint32_t nk;
    lh_bexpr_t **rest; /* residual conjuncts (outer and inner columns) */
    uint32_t nrest;
    lh_plan_t **above; /* the nodes above the filter, top first */
    uint32_t nabove;
} corr_t;

static int refuse(lh_bctx_t *c, int32_t pos, const char *what)
{
    return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, pos, "correlated subqueries %s are not supported yet",
                       what);
}

/* Whether a plan node's own expressions name the enclosing query. */
static bool node_has_outer(const lh_plan_t *p)
{
    switch ((lh_plan_kind_t)p->kind) {
    case LH_PLAN_PROJECT:
        for (uint32_t i = 0; i < p->ncols; i++)
            if (has_outer(p->u.project.exprs[i])) return true;
        return false;
    case LH_PLAN_FILTER:
        return has_outer(p->u.filter.cond);
    case LH_PLAN_AGGREGATE:
        for (uint32_t i = 0; i < p->u.agg.ngroups; i++)
            if (has_outer(p->u.agg.groups[i])) return true;
        for (uint32_t j = 0; j < p->u.agg.naggs; j++)
            for (uint32_t i = 0; i < p->u.agg.aggs[j].nargs; i++)
                if (has_outer(p->u.agg.aggs[j].args[i])) return true;
        return false;
    case LH_PLAN_JOIN:
        if (has_outer(p->u.join.cond)) return true;
        for (uint32_t i = 0; i < p->u.join.nkeys; i++)
            if (has_outer(p->u.join.left_keys[i]) || has_outer(p->u.join.right_keys[i]))
                return true;
        return false;
    default:
        return false;
    }
}

static bool tree_has_outer(const lh_plan_t *p)
{
    if (!p) return false;
    return node_has_outer(p) || tree_has_outer(p->child[0]) || tree_has_outer(p->child[1]);
}

static int split(lh_bctx_t *c, lh_plan_t *sub, int32_t pos, corr_t *k)
{
    lh_arena_t *a = c->env->arena;
    memset(k, 0, sizeof *k);
    k->above = lh_arena_calloc(a, 8 * sizeof *k->above);
    if (!k->above) return LH_ENOMEM;
    lh_plan_t *p = sub;
    while (p && !(p->kind == LH_PLAN_FILTER && has_outer(p->u.filter.cond))) {
        if (node_has_outer(p) || k->nabove == 8 || !p->child[0] || p->child[1])
            return refuse(c, pos, "outside their WHERE clause");
        k->above[k->nabove++] = p;
        p = p->child[0];
    }
    if (!p) return refuse(c, pos, "without a correlated WHERE");
    if (tree_has_outer(p->child[0])) return refuse(c, pos, "below their WHERE clause");
    lh_bexpr_t *cond = p->u.filter.cond;
    uint32_t n = cond->kind == LH_BX_AND ? cond->u.list.n : 1;
    k->outer_k = lh_arena_calloc(a, (n + 2) * sizeof *k->outer_k);
    k->inner_k = lh_arena_calloc(a, (n + 2) * sizeof *k->inner_k);
    k->rest = lh_arena_calloc(a, (n + 1) * sizeof *k->rest);
    lh_bexpr_t **local = lh_arena_calloc(a, (n + 1) * sizeof *local);
    if (!k->outer_k || !k->inner_k || !k->rest || !local) return LH_ENOMEM;
    uint32_t nlocal = 0;
    for (uint32_t i = 0; i < n; i++) {
        lh_bexpr_t *e = cond->kind == LH_BX_AND ? cond->u.list.items[i] : cond;
        if (!has_outer(e)) {
            local[nlocal++] = e;
            continue;
        }
        if (is_eq(e)) {
            lh_bexpr_t *x = e->u.func.args[0], *y = e->u.func.args[1];
            if (only_outer(y) && !has_outer(x)) {
                k->outer_k[k->nk] = for_join(a, y, 0);
                k->inner_k[k->nk++] = x;
                continue;
            }
            if (only_outer(x) && !has_outer(y)) {
                k->outer_k[k->nk] = for_join(a, x, 0);
                k->inner_k[k->nk++] = y;
                continue;
            }
        }
        k->rest[k->nrest++] = e;
    }
    k->inner = p->child[0];
    if (nlocal) {
        lh_plan_t *f = lh_plan_new(a, LH_PLAN_FILTER, k->inner->ncols);
        if (!f) return LH_ENOMEM;
        memcpy(f->cols, k->inner->cols, k->inner->ncols * sizeof *f->cols);
        f->child[0] = k->inner;
        if (nlocal == 1)
            f->u.filter.cond = local[0];
        else {
            f->u.filter.cond = lh_bx_list(a, LH_BX_AND, &T_BOOL, nlocal, cond->pos);
            if (!f->u.filter.cond) return LH_ENOMEM;
            memcpy(f->u.filter.cond->u.list.items, local, nlocal * sizeof *local);
        }
        k->inner = f;
    }
    return 0;
}

/* Appends the join's extra columns to the block: its FROM plan becomes the
 * join, its scope gets hidden columns. */
static int attach(lh_bctx_t *c, lh_plan_t *j, uint32_t nextra)
{
    lh_bscope_t *sc = c->scope;
    lh_bcol_t *cols = lh_arena_calloc(c->env->arena, (sc->n + nextra + 1) * sizeof *cols);
    if (!cols) return LH_ENOMEM;
    memcpy(cols, sc->cols, sc->n * sizeof *cols);
    for (uint32_t i = 0; i < nextra; i++)
        cols[sc->n + i] =
            (lh_bcol_t){.name = "#subquery", .type = j->cols[sc->n + i].type, .hidden = true};
    sc->cols = cols;
    sc->n += nextra;
    *c->from_plan = j;
    return 0;
}

static lh_plan_t *join_node(lh_bctx_t *c, uint8_t kind, lh_plan_t *right, const corr_t *k,
                            uint32_t nout_right)
{
    lh_arena_t *a = c->env->arena;
    lh_plan_t *left = *c->from_plan;
    lh_plan_t *j = lh_plan_new(a, LH_PLAN_JOIN, left->ncols + nout_right);
    if (!j) return NULL;
    j->child[0] = left;
    j->child[1] = right;
    j->u.join.kind = kind;
    memcpy(j->cols, left->cols, left->ncols * sizeof *j->cols);
    for (uint32_t i = 0; i < nout_right && kind != LH_JOIN_KIND_MARK; i++)
        j->cols[left->ncols + i] = right->cols[i];
    if (kind == LH_JOIN_KIND_MARK)
        j->cols[left->ncols] = (lh_plan_col_t){.name = "#mark", .type = T_BOOL};
    j->u.join.nkeys = k->nk;
    j->u.join.left_keys = k->outer_k;
    j->u.join.right_keys = k->inner_k;
    if (k->nrest) {
        lh_bexpr_t *cond = k->nrest == 1 ? NULL : lh_bx_list(a, LH_BX_AND, &T_BOOL, k->nrest, -1);
        if (k->nrest > 1 && !cond) return NULL;
        for (uint32_t i = 0; i < k->nrest; i++) {
            lh_bexpr_t *r = for_join(a, k->rest[i], left->ncols);
            if (!r) return NULL;
            if (cond)
                cond->u.list.items[i] = r;
            else
                cond = r;
        }
        j->u.join.cond = cond;
    }
    return j;
}

static int mark(lh_bctx_t *c, const lh_ast_t *n, lh_plan_t *sub, lh_bexpr_t *probe, bool negated,
                lh_bexpr_t **out)
{
    corr_t k;
    int rc = split(c, sub, n->pos, &k);
    if (rc) return rc;
    for (uint32_t i = 0; i < k.nabove; i++)
        if (k.above[i]->kind != LH_PLAN_PROJECT && k.above[i]->kind != LH_PLAN_SORT &&
            k.above[i]->kind != LH_PLAN_LIMIT)
            return refuse(c, n->pos,
                          "with aggregates, DISTINCT or set operations under EXISTS or IN");
    if (probe) { /* x IN (SELECT e ...): x = e is one more key */
        lh_plan_t *proj = k.nabove ? k.above[k.nabove - 1] : NULL;
        if (!proj || proj->kind != LH_PLAN_PROJECT || proj->ncols != 1)
            return refuse(c, n->pos, "of this shape in IN");
        lh_bexpr_t *e = proj->u.project.exprs[0], *px = probe;
        lh_bexpr_t pe = {.kind = LH_BX_COLREF, .type = e->type};
        lh_type_t t;
        if ((rc = lh__bind_common(c, px, &pe, n->pos, &t))) return rc;
        if ((rc = lh__bind_cast_to(c, px, &t, false, n->pos, &px))) return rc;
        if ((rc = lh__bind_cast_to(c, e, &t, false, n->pos, &e))) return rc;
        k.outer_k[k.nk] = px;
        k.inner_k[k.nk++] = e;
    }
    lh_plan_t *j = join_node(c, LH_JOIN_KIND_MARK, k.inner, &k, 1);
    if (!j) return LH_ENOMEM;
    uint32_t col = c->scope->n;
    if ((rc = attach(c, j, 1))) return rc;
    lh_bexpr_t *m = lh_bx_colref(c->env->arena, col, &T_BOOL);
    if (!m) return LH_ENOMEM;
    if (!negated) {
        *out = m;
        return 0;
    }
    lh_bexpr_t *not = lh_bx_list(c->env->arena, LH_BX_NOT, &T_BOOL, 1, n->pos);
    if (!not ) return LH_ENOMEM;
    not ->u.list.items[0] = m;
    *out = not ;
    return 0;
}

static bool is_count(const lh_plan_t *agg, const lh_bexpr_t *e)
{
    if (e->kind != LH_BX_COLREF || e->u.col >= agg->u.agg.naggs) return false;
    const char *name = agg->u.agg.aggs[e->u.col].def->name;
    return !strcmp(name, "count") || !strcmp(name, "count_star");
}

/* One aggregate call over the subquery's rows (arg NULL: count_star). */
static int one_agg(lh_bctx_t *c, const char *name, lh_bexpr_t *arg, int32_t pos, lh_plan_agg_t *out)
{
    const lh_sql_func_def_t *def = lh_sql_func_lookup(name);
    lh_arena_t *a = c->env->arena;
    lh_bexpr_t **args = lh_arena_calloc(a, 2 * sizeof *args);
    lh_sql_arg_t *av = lh_arena_calloc(a, 2 * sizeof *av);
    lh_type_t *cast_to = lh_arena_calloc(a, 2 * sizeof *cast_to);
    if (!def || !args || !av || !cast_to) return LH_ENOMEM;
    uint32_t na = arg ? 1 : 0;
    if (arg) {
        args[0] = arg;
        lh__bind_arg(arg, &av[0]);
        cast_to[0] = arg->type;
    }
    lh_sql_bind_call_t call = {
        .name = def->name, .args = av, .nargs = na, .arena = a, .pos = pos, .cast_to = cast_to};
    int rc = lh_sql_func_bind(def, &call, c->env->err);
    if (rc) return rc;
    *out = (lh_plan_agg_t){.def = def,
                           .agg = call.agg,
                           .bind_data = call.bind_data,
                           .args = args,
                           .nargs = na,
                           .type = call.ret,
                           .pos = pos};
    return 0;
}

/* A scalar subquery without an aggregate: its rows grouped by the inner keys
 * into count_star() and first(value) (outputs: keys, count, first), so that a
 * key with two rows is DuckDB's error when an outer row meets it instead of
 * a duplicated outer row. */
static int single_row_group(lh_bctx_t *c, const corr_t *k, lh_bexpr_t *value, int32_t pos,
                            lh_plan_t **out)
{
    lh_arena_t *a = c->env->arena;
    lh_plan_t *g = lh_plan_new(a, LH_PLAN_AGGREGATE, k->nk + 2);
    lh_plan_agg_t *aggs = lh_arena_calloc(a, 2 * sizeof *aggs);
    if (!g || !aggs) return LH_ENOMEM;
    int rc = one_agg(c, "count_star", NULL, pos, &aggs[0]);
    if (!rc) rc = one_agg(c, "first", value, pos, &aggs[1]);
    if (rc) return rc;
    g->child[0] = k->inner;
    g->u.agg.groups = lh_arena_alloc(a, (k->nk + 1) * sizeof *g->u.agg.groups);
    if (!g->u.agg.groups) return LH_ENOMEM;
    memcpy(g->u.agg.groups, k->inner_k, k->nk * sizeof *k->inner_k);
    g->u.agg.ngroups = k->nk;
    g->u.agg.aggs = aggs;
    g->u.agg.naggs = 2;
    for (uint32_t i = 0; i < k->nk; i++)
        g->cols[i] = (lh_plan_col_t){.name = "#key", .type = k->inner_k[i]->type};
    g->cols[k->nk] = (lh_plan_col_t){.name = "#count", .type = aggs[0].type};
    g->cols[k->nk + 1] = (lh_plan_col_t){.name = "#first", .type = aggs[1].type};
    *out = g;
    return 0;
}

/* CASE WHEN count > 1 THEN error(...) ELSE value END, over the joined row. */
static int single_row_value(lh_bctx_t *c, lh_bexpr_t *value, lh_bexpr_t *count, int32_t pos,
                            lh_bexpr_t **out)
{
    lh_arena_t *a = c->env->arena;
    static const char msg[] = "More than one row returned by a subquery used as an expression - "
                              "scalar subqueries can only return a single row.";
    lh_value_t one = lh_value_int(LH_TYPE_BIGINT, 1), mv = lh_value_varchar(msg, sizeof msg - 1);
    lh_bexpr_t **cmp = lh_arena_calloc(a, 2 * sizeof *cmp);
    lh_bexpr_t *k3 = lh_bx_list(a, LH_BX_CASE, &value->type, 3, pos);
    lh_bexpr_t *err = lh_bx_list(a, LH_BX_ERROR, &value->type, 1, pos);
    if (!cmp || !k3 || !err || !(cmp[1] = lh_bx_const(a, &one, pos)) ||
        !(err->u.list.items[0] = lh_bx_const(a, &mv, pos)))
        return LH_ENOMEM;
    cmp[0] = count;
    int rc = lh__bind_call(c, ">", cmp, 2, pos, &k3->u.list.items[0]);
    if (rc) return rc;
    k3->u.list.items[1] = err;
    k3->u.list.items[2] = value;
    *out = k3;
    return 0;
}

static int scalar(lh_bctx_t *c, const lh_ast_t *n, lh_plan_t *sub, lh_bexpr_t **out)
{
    lh_arena_t *a = c->env->arena;
    corr_t k;
    int rc = split(c, sub, n->pos, &k);
    if (rc) return rc;
    if (k.nrest) return refuse(c, n->pos, "with a non-equality correlation in a scalar subquery");
    if (!k.nabove || k.above[0]->kind != LH_PLAN_PROJECT || k.above[0]->ncols != 1)
        return refuse(c, n->pos, "of this shape");
    lh_plan_t *proj = k.above[0];
    lh_plan_t *agg = k.nabove == 2 && k.above[1]->kind == LH_PLAN_AGGREGATE ? k.above[1] : NULL;
    if (k.nabove != 1 && !agg) return refuse(c, n->pos, "of this shape");
    if (agg && agg->u.agg.ngroups) return refuse(c, n->pos, "with GROUP BY");
    lh_plan_t *right = k.inner;
    lh_bexpr_t *value = proj->u.project.exprs[0];
    bool count = agg && is_count(agg, value);
    /* the right side's values: agg's value, or first and count */
    uint32_t nv = agg ? 1 : 2;
    lh_bexpr_t *vals[2];
    if (agg) { /* group the aggregate by the inner keys: keys first, then the aggregates */
        lh_plan_t *g = lh_plan_new(a, LH_PLAN_AGGREGATE, k.nk + agg->u.agg.naggs);
        if (!g) return LH_ENOMEM;
        g->child[0] = k.inner;
        g->u.agg.groups = lh_arena_alloc(a, (k.nk + 1) * sizeof *g->u.agg.groups);
        if (!g->u.agg.groups) return LH_ENOMEM;
        memcpy(g->u.agg.groups, k.inner_k, k.nk * sizeof *k.inner_k); /* inner_k changes below */
        g->u.agg.ngroups = k.nk;
        g->u.agg.aggs = agg->u.agg.aggs;
        g->u.agg.naggs = agg->u.agg.naggs;
        for (uint32_t i = 0; i < k.nk; i++)
            g->cols[i] = (lh_plan_col_t){.name = "#key", .type = k.inner_k[i]->type};
        for (uint32_t j = 0; j < agg->u.agg.naggs; j++)
            g->cols[k.nk + j] = agg->cols[j];
        right = g;
        /* value's columns are the aggregates: shift past the keys */
        if (!(vals[0] = for_join(a, value, k.nk))) return LH_ENOMEM;
    } else {
        if ((rc = single_row_group(c, &k, value, n->pos, &right))) return rc;
        if (!(vals[0] = lh_bx_colref(a, k.nk + 1, &right->cols[k.nk + 1].type)) ||
            !(vals[1] = lh_bx_colref(a, k.nk, &right->cols[k.nk].type)))
            return LH_ENOMEM;
    }
    /* the right side: the values, then the keys */
    lh_plan_t *p = lh_plan_new(a, LH_PLAN_PROJECT, nv + k.nk);
    if (!p) return LH_ENOMEM;
    p->child[0] = right;
    p->u.project.exprs = lh_arena_calloc(a, (nv + k.nk) * sizeof *p->u.project.exprs);
    if (!p->u.project.exprs) return LH_ENOMEM;
    for (uint32_t i = 0; i < nv; i++) {
        p->u.project.exprs[i] = vals[i];
        p->cols[i] = (lh_plan_col_t){.name = "#value", .type = vals[i]->type};
    }
    for (uint32_t i = 0; i < k.nk; i++) {
        lh_bexpr_t *key = lh_bx_colref(a, i, &k.inner_k[i]->type); /* both paths group */
        if (!key) return LH_ENOMEM;
        p->u.project.exprs[nv + i] = key;
        p->cols[nv + i] = (lh_plan_col_t){.name = "#key", .type = key->type};
        k.inner_k[i] = lh_bx_colref(a, nv + i, &key->type);
        if (!k.inner_k[i]) return LH_ENOMEM;
    }
    lh_plan_t *j = join_node(c, LH_JOIN_LEFT, p, &k, nv + k.nk);
    if (!j) return LH_ENOMEM;
    uint32_t col = c->scope->n;
    if ((rc = attach(c, j, nv + k.nk))) return rc;
    lh_bexpr_t *v = lh_bx_colref(a, col, &vals[0]->type);
    if (!v) return LH_ENOMEM;
    if (!agg) {
        lh_bexpr_t *cnt = lh_bx_colref(a, col + 1, &vals[1]->type);
        return cnt ? single_row_value(c, v, cnt, n->pos, out) : LH_ENOMEM;
    }
    if (!count) {
        *out = v;
        return 0;
    }
    lh_bexpr_t *co =
        lh_bx_list(a, LH_BX_COALESCE, &vals[0]->type, 2, n->pos); /* count of no rows is 0 */
    lh_value_t zero = lh_value_int(LH_TYPE_BIGINT, 0);
    if (!co || !(co->u.list.items[1] = lh_bx_const(a, &zero, n->pos))) return LH_ENOMEM;
    co->u.list.items[0] = v;
    *out = co;
    return 0;
}

int lh__bind_correlated(lh_bctx_t *c, const lh_ast_t *n, lh_plan_t *sub, lh_bexpr_t *probe,
                        lh_bexpr_t **out)
{
    if (!c->from_plan || !*c->from_plan)
        return refuse(c, n->pos, "outside WHERE or an ungrouped select list");
    switch ((lh_ast_kind_t)n->kind) {
    case LH_AST_EXISTS:
        return mark(c, n, sub, NULL, n->u.exists.negated, out);
    case LH_AST_IN:
        return mark(c, n, sub, probe, n->u.in.negated, out);
    default:
        return scalar(c, n, sub, out);
    }
}
