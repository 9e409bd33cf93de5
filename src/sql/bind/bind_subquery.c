/* WITH and subqueries in expressions. A CTE is bound where it is named, as
 * a subquery seeing the CTEs written before it. Uncorrelated subqueries in
 * expressions run once while the statement is bound: a scalar subquery
 * becomes its value (an error when it returns more than one row, NULL when
 * none), EXISTS a boolean, and x IN (subquery) a probe of a value set.
 * Correlated subqueries (naming columns of the outer query) are not
 * supported yet: their binding fails on the outer column. */
#include <string.h>
#include <strings.h>

#include "sql/bind/bind_int.h"
#include "sql/exec/valset.h"
#include "sql/opt/opt.h"

struct lh_bcte {
    const lh_ast_cte_t *cte;
    struct lh_bcte *outer; /* the CTEs visible to this one and before it */
};

int lh__bind_with(lh_bind_env_t *env, const lh_ast_with_t *with)
{
    if (with->recursive)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_ENOTIMPL, -1,
                          "WITH RECURSIVE is not implemented yet");
    for (uint32_t i = 0; i < with->n; i++) {
        for (uint32_t k = 0; k < i; k++)
            if (!strcasecmp(with->ctes[k].name, with->ctes[i].name))
                return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EPARSE, -1,
                                  "Duplicate CTE name \"%s\"", with->ctes[i].name);
        struct lh_bcte *c = lh_arena_calloc(env->arena, sizeof *c);
        if (!c) return LH_ENOMEM;
        c->cte = &with->ctes[i];
        c->outer = env->ctes;
        env->ctes = c;
    }
    return 0;
}

int lh__bind_cte_ref(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n, lh_plan_t **plan,
                     bool *found)
{
    *found = false;
    if (n->u.table.name.n != 1) return 0;
    const char *name = n->u.table.name.parts[0];
    for (struct lh_bcte *c = env->ctes; c; c = c->outer) {
        if (strcasecmp(c->cte->name, name)) continue;
        struct lh_bcte *saved = env->ctes;
        env->ctes = c->outer;
        int rc = lh__bind_query(env, params, c->cte->query, plan);
        env->ctes = saved;
        if (rc) return rc;
        for (uint32_t i = 0; i < c->cte->ncolumns && i < (*plan)->ncols; i++)
            (*plan)->cols[i].name = c->cte->columns[i];
        *found = true;
        return 0;
    }
    return 0;
}

/* Binds a subquery and builds its operators (run by the caller). */
/* The optimizer's rules on a subquery run while binding (the statement's
 * own plan gets them after binding). */
static int optimize(lh_bctx_t *c, lh_plan_t **plan)
{
    lh_arena_t *a = c->env->arena;
    if (lh_opt_push_join_filters(a, plan) || lh_opt_prune_columns(a, *plan) ||
        lh_opt_push_filters(a, *plan))
        return lh_sql_err(c->env->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    lh_opt_window_topn(*plan);
    lh_opt_order_conjuncts(*plan);
    return 0;
}

/* Builds the operators of an uncorrelated subquery's plan (run by the caller). */
static int subquery_ops(lh_bctx_t *c, lh_plan_t *plan, lh_op_t **root)
{
    int rc = optimize(c, &plan);
    return rc ? rc : lh_op_build(c->env->fold, plan, root);
}

/* A value of a batch kept past the batch (strings copied into a). */
static int keep_value(lh_arena_t *a, const lh_vector_t *v, uint32_t row, lh_value_t *out)
{
    int rc = lh_vector_get_value(v, row, out);
    if (rc || out->is_null || (out->type.id != LH_TYPE_VARCHAR && out->type.id != LH_TYPE_BLOB))
        return rc;
    char *p = lh_arena_alloc(a, out->v.s.len + 1);
    if (!p) return LH_ENOMEM;
    memcpy(p, out->v.s.ptr, out->v.s.len);
    out->v.s.ptr = p;
    return 0;
}

static int scalar_subquery(lh_bctx_t *c, const lh_ast_t *n, lh_plan_t *plan, lh_bexpr_t **out)
{
    if (plan->ncols != 1)
        return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos, "Subquery returns %u columns - expected 1",
                           plan->ncols);
    lh_op_t *root = NULL;
    int rc = subquery_ops(c, plan, &root);
    lh_value_t v = lh_value_null(plan->cols[0].type);
    uint64_t rows = 0;
    while (!rc) {
        lh_batch_t *b;
        rc = lh_op_next(root, &b);
        if (rc || !b) break;
        if (!rows && b->count && (rc = keep_value(c->env->arena, &b->cols[0], 0, &v))) break;
        rows += b->count;
        if (rows > 1) break;
    }
    lh_op_close_tree(root);
    if (rc) return rc;
    if (rows > 1)
        return LH_BIND_ERR(
            c, LH_SQL_EINPUT, n->pos,
            "More than one row returned by a subquery used as an expression - scalar "
            "subqueries can only return a single row.");
    *out = lh_bx_const(c->env->arena, &v, n->pos);
    return *out ? 0 : LH_ENOMEM;
}

static int exists_subquery(lh_bctx_t *c, const lh_ast_t *n, lh_plan_t *plan, lh_bexpr_t **out)
{
    lh_op_t *root = NULL;
    int rc = subquery_ops(c, plan, &root);
    bool any = false;
    while (!rc && !any) {
        lh_batch_t *b;
        rc = lh_op_next(root, &b);
        if (rc || !b) break;
        any = b->count > 0;
    }
    lh_op_close_tree(root);
    if (rc) return rc;
    lh_value_t v = lh_value_bool(n->u.exists.negated ? !any : any);
    *out = lh_bx_const(c->env->arena, &v, n->pos);
    return *out ? 0 : LH_ENOMEM;
}

/* x and the subquery's one column cast to their common type *t, and the
 * subquery's operators built (run and closed by the caller). */
static int probe_and_ops(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **x, lh_plan_t *plan,
                         lh_type_t *t, lh_op_t **root)
{
    int rc;
    lh_bexpr_t probe = {.kind = LH_BX_COLREF, .type = plan->cols[0].type};
    if ((rc = lh__bind_common(c, *x, &probe, n->pos, t))) return rc;
    if ((rc = lh__bind_cast_to(c, *x, t, false, n->pos, x))) return rc;
    if (!lh_type_equal(t, &plan->cols[0].type)) {
        lh_plan_t *p = lh_plan_new(c->env->arena, LH_PLAN_PROJECT, 1);
        if (!p) return LH_ENOMEM;
        p->child[0] = plan;
        p->cols[0] = (lh_plan_col_t){.name = plan->cols[0].name, .type = *t};
        p->u.project.exprs = lh_arena_alloc(c->env->arena, sizeof *p->u.project.exprs);
        lh_bexpr_t *r = lh_bx_colref(c->env->arena, 0, &plan->cols[0].type);
        if (!p->u.project.exprs || !r) return LH_ENOMEM;
        if ((rc = lh__bind_cast_to(c, r, t, false, n->pos, &p->u.project.exprs[0]))) return rc;
        plan = p;
    }
    return subquery_ops(c, plan, root);
}

static int in_subquery(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t *x, lh_plan_t *plan,
                       lh_bexpr_t **out)
{
    lh_op_t *root = NULL;
    lh_type_t t;
    int rc = probe_and_ops(c, n, &x, plan, &t, &root);
    if (rc) {
        lh_op_close_tree(root);
        return rc;
    }
    const lh_valset_t *set;
    rc = lh__valset_build(c->env->fold, c->env->arena, root, &t, &set);
    lh_op_close_tree(root);
    if (rc) return rc;
    lh_bexpr_t *e =
        lh_bx_list(c->env->arena, LH_BX_IN_SET, &(lh_type_t){.id = LH_TYPE_BOOLEAN}, 0, n->pos);
    if (!e) return LH_ENOMEM;
    e->u.in_set.arg = x;
    e->u.in_set.set = set;
    e->negated = n->u.in.negated;
    *out = e;
    return 0;
}

typedef struct qstats {
    uint64_t rows, nulls;
    lh_value_t min, max; /* of the non-NULL values (NULL when there are none) */
} qstats_t;

static int scan_stats(lh_bctx_t *c, lh_op_t *root, const lh_type_t *t, qstats_t *s)
{
    s->min = s->max = lh_value_null(*t);
    for (;;) {
        lh_batch_t *b;
        int rc = lh_op_next(root, &b);
        if (rc || !b) return rc;
        for (uint32_t r = 0; r < b->count; r++) {
            s->rows++;
            if (!lh_vector_is_valid(&b->cols[0], r)) {
                s->nulls++;
                continue;
            }
            lh_value_t v;
            int cmp = 0;
            if ((rc = lh_vector_get_value(&b->cols[0], r, &v))) return rc;
            if (s->min.is_null || (!lh_value_compare(&v, &s->min, &cmp) && cmp < 0))
                if ((rc = keep_value(c->env->arena, &b->cols[0], r, &s->min))) return rc;
            if (s->max.is_null || (!lh_value_compare(&v, &s->max, &cmp) && cmp > 0))
                if ((rc = keep_value(c->env->arena, &b->cols[0], r, &s->max))) return rc;
        }
    }
}

static int cmp_const(lh_bctx_t *c, const char *op, lh_bexpr_t *x, const lh_value_t *v, int32_t pos,
                     lh_bexpr_t **out)
{
    lh_bexpr_t **args = lh_arena_alloc(c->env->arena, 2 * sizeof *args);
    if (!args || !(args[1] = lh_bx_const(c->env->arena, v, pos))) return LH_ENOMEM;
    args[0] = x;
    return lh__bind_call(c, op, args, 2, pos, out);
}

static const lh_type_t T_BOOL = {.id = LH_TYPE_BOOLEAN};

static lh_bexpr_t *logic(lh_arena_t *a, lh_bx_kind_t k, lh_bexpr_t *l, lh_bexpr_t *r, int32_t pos)
{
    lh_bexpr_t *e = lh_bx_list(a, k, &T_BOOL, r ? 2 : 1, pos);
    if (!e) return NULL;
    e->u.list.items[0] = l;
    if (r) e->u.list.items[1] = r;
    return e;
}

/* x op ANY|ALL (subquery), uncorrelated: the subquery runs once for its row
 * count, NULL count, minimum and maximum, and the comparison becomes one
 * with a constant (x < ANY: x < max; x < ALL: x < min; = ALL and <> ANY
 * against both ends), with SQL's results: ANY over no rows is false, ALL
 * true; a NULL in the subquery turns a result that is not decided into
 * NULL. */
static int quantified(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t *x, lh_plan_t *plan,
                      lh_bexpr_t **out)
{
    lh_arena_t *a = c->env->arena;
    lh_op_t *root = NULL;
    lh_type_t t;
    qstats_t s = {0};
    int rc = probe_and_ops(c, n, &x, plan, &t, &root);
    if (!rc) rc = scan_stats(c, root, &t, &s);
    lh_op_close_tree(root);
    if (rc) return rc;
    bool all = n->u.in.quant_all;
    lh_ast_op_t op = (lh_ast_op_t)n->u.in.quant_op;
    if (!s.rows) {
        lh_value_t v = lh_value_bool(all);
        return (*out = lh_bx_const(a, &v, n->pos)) ? 0 : LH_ENOMEM;
    }
    lh_bexpr_t *cmp, *other;
    if (op == LH_OP_EQ || op == LH_OP_NE) { /* = ALL, <> ANY: x against both ends */
        const char *f = op == LH_OP_EQ ? "=" : "<>";
        if ((rc = cmp_const(c, f, x, &s.min, n->pos, &cmp)) ||
            (rc = cmp_const(c, f, x, &s.max, n->pos, &other)))
            return rc;
        if (!(cmp = logic(a, op == LH_OP_EQ ? LH_BX_AND : LH_BX_OR, cmp, other, n->pos)))
            return LH_ENOMEM;
    } else {
        bool less = op == LH_OP_LT || op == LH_OP_LE;
        const char *f = op == LH_OP_LT ? "<" : op == LH_OP_LE ? "<=" : op == LH_OP_GT ? ">" : ">=";
        /* x < ANY: below the largest; x < ALL: below the smallest */
        const lh_value_t *end = less != all ? &s.max : &s.min;
        if ((rc = cmp_const(c, f, x, end, n->pos, &cmp))) return rc;
    }
    if (!s.nulls) {
        *out = cmp;
        return 0;
    }
    /* ANY: CASE WHEN cmp THEN true ELSE NULL; ALL: CASE WHEN NOT cmp THEN false ELSE NULL */
    lh_bexpr_t *k = lh_bx_list(a, LH_BX_CASE, &T_BOOL, 3, n->pos);
    lh_value_t decided = lh_value_bool(!all), null = lh_value_null(T_BOOL);
    if (!k || !(k->u.list.items[0] = all ? logic(a, LH_BX_NOT, cmp, NULL, n->pos) : cmp) ||
        !(k->u.list.items[1] = lh_bx_const(a, &decided, n->pos)) ||
        !(k->u.list.items[2] = lh_bx_const(a, &null, n->pos)))
        return LH_ENOMEM;
    *out = k;
    return 0;
}

/* (a, b, ...) IN (SELECT x, y, ...): each field and its column cast to their
 * common type, both sides made one key ("#row_key", NULL when a field is
 * NULL), and the keys probed as x IN (subquery) probes values. */
static int row_in_subquery(lh_bctx_t *c, const lh_ast_t *n, lh_plan_t *plan, lh_bexpr_t **out)
{
    lh_arena_t *a = c->env->arena;
    const lh_ast_list_t *items = &n->u.in.arg->u.row.items;
    if (plan->ncols != items->n)
        return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos, "Subquery returns %u columns - expected %u",
                           plan->ncols, items->n);
    lh_bexpr_t **xs = lh_arena_calloc(a, (2 * items->n + 1) * sizeof *xs), **ys = xs + items->n;
    if (!xs) return LH_ENOMEM;
    for (uint32_t i = 0; i < items->n; i++) {
        int rc = lh__bind_expr(c, items->items[i], &xs[i]);
        if (rc) return rc;
        lh_type_t t;
        if (!(ys[i] = lh_bx_colref(a, i, &plan->cols[i].type))) return LH_ENOMEM;
        if ((rc = lh__bind_common(c, xs[i], ys[i], n->pos, &t)) ||
            (rc = lh__bind_cast_to(c, xs[i], &t, false, n->pos, &xs[i])) ||
            (rc = lh__bind_cast_to(c, ys[i], &t, false, n->pos, &ys[i])))
            return rc;
    }
    lh_bexpr_t *probe;
    lh_plan_t *p = lh_plan_new(a, LH_PLAN_PROJECT, 1);
    if (!p || !(p->u.project.exprs = lh_arena_alloc(a, sizeof *p->u.project.exprs)))
        return LH_ENOMEM;
    int rc = lh__bind_call(c, "#row_key", xs, items->n, n->pos, &probe);
    if (!rc) rc = lh__bind_call(c, "#row_key", ys, items->n, n->pos, &p->u.project.exprs[0]);
    if (rc) return rc;
    p->child[0] = plan;
    p->cols[0] = (lh_plan_col_t){.name = "#row", .type = p->u.project.exprs[0]->type};
    return in_subquery(c, n, probe, p, out);
}

int lh__bind_subquery_expr(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    const lh_ast_t *q = n->kind == LH_AST_SUBQUERY ? n->u.subquery.query
                        : n->kind == LH_AST_EXISTS ? n->u.exists.subquery
                                                   : n->u.in.subquery;
    lh_bexpr_t *x = NULL;
    bool row = n->kind == LH_AST_IN && n->u.in.arg->kind == LH_AST_ROW;
    int rc = n->kind == LH_AST_IN && !row ? lh__bind_expr(c, n->u.in.arg, &x) : 0;
    if (rc) return rc;
    /* bind it with this block's columns in reach: a reference to one makes it correlated */
    struct lh_bouter outer = {.scope = c->scope, .next = c->env->outer};
    uint32_t before = c->env->nouter_refs;
    c->env->outer = &outer;
    lh_plan_t *plan;
    rc = lh__bind_query(c->env, c->params, q, &plan);
    c->env->outer = outer.next;
    if (rc) return rc;
    bool correlated = c->env->nouter_refs != before;
    c->env->nouter_refs = before;
    if (row && correlated)
        return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, n->pos,
                           "row values IN a correlated subquery are not supported yet");
    if (row) return row_in_subquery(c, n, plan, out);
    bool quant = n->kind == LH_AST_IN && n->u.in.quant_op;
    if (quant && correlated)
        return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, n->pos,
                           "ANY/ALL with a correlated subquery is not supported yet");
    if (n->kind != LH_AST_EXISTS && plan->ncols != 1)
        return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos, "Subquery returns %u columns - expected 1",
                           plan->ncols);
    if (correlated) return lh__bind_correlated(c, n, plan, x, out);
    switch ((lh_ast_kind_t)n->kind) {
    case LH_AST_SUBQUERY:
        return scalar_subquery(c, n, plan, out);
    case LH_AST_EXISTS:
        return exists_subquery(c, n, plan, out);
    default:
        return quant ? quantified(c, n, x, plan, out) : in_subquery(c, n, x, plan, out);
    }
}
