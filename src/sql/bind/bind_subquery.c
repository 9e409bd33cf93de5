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
    return 0;
}

/* Builds the operators of an uncorrelated subquery's plan (run by the caller). */
static int subquery_ops(lh_bctx_t *c, lh_plan_t *plan, lh_op_t **root)
{
    int rc = optimize(c, &plan);
    return rc ? rc : lh_op_build(c->env->fold, plan, root);
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
        if (!rows && b->count) {
            lh_value_t tmp;
            rc = lh_vector_get_value(&b->cols[0], 0, &tmp);
            if (rc) break;
            v = tmp;
            if (!v.is_null && (v.type.id == LH_TYPE_VARCHAR || v.type.id == LH_TYPE_BLOB)) {
                char *p = lh_arena_alloc(c->env->arena, v.v.s.len + 1);
                if (!p) {
                    rc = LH_ENOMEM;
                    break;
                }
                memcpy(p, v.v.s.ptr, v.v.s.len);
                v.v.s.ptr = p;
            }
        }
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

static int in_subquery(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t *x, lh_plan_t *plan,
                       lh_bexpr_t **out)
{
    int rc;
    lh_op_t *root = NULL;
    lh_bexpr_t probe = {.kind = LH_BX_COLREF, .type = plan->cols[0].type};
    lh_type_t t;
    if ((rc = lh__bind_common(c, x, &probe, n->pos, &t))) return rc;
    if ((rc = lh__bind_cast_to(c, x, &t, false, n->pos, &x))) return rc;
    if (!lh_type_equal(&t, &plan->cols[0].type)) {
        lh_plan_t *p = lh_plan_new(c->env->arena, LH_PLAN_PROJECT, 1);
        if (!p) return LH_ENOMEM;
        p->child[0] = plan;
        p->cols[0] = (lh_plan_col_t){.name = plan->cols[0].name, .type = t};
        p->u.project.exprs = lh_arena_alloc(c->env->arena, sizeof *p->u.project.exprs);
        lh_bexpr_t *r = lh_bx_colref(c->env->arena, 0, &plan->cols[0].type);
        if (!p->u.project.exprs || !r) return LH_ENOMEM;
        if ((rc = lh__bind_cast_to(c, r, &t, false, n->pos, &p->u.project.exprs[0]))) return rc;
        plan = p;
    }
    if ((rc = optimize(c, &plan)) || (rc = lh_op_build(c->env->fold, plan, &root))) {
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
        return in_subquery(c, n, x, plan, out);
    }
}
