/* Binding joins: both sides bound, the ON condition (or USING / NATURAL
 * columns) split into equi-join keys (a left-only expression = a right-only
 * expression, both already cast to one type by "=") and a residual
 * condition over the joined row; the right side's USING columns are hidden
 * so an unqualified name means the left one, as in DuckDB. */
#include <string.h>
#include <strings.h>

#include "sql/bind/bind_int.h"

/* Bit 1: the expression reads a left column; bit 2: a right one. */
static int sides(const lh_bexpr_t *e, uint32_t nleft)
{
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_COLREF:
        return e->u.col < nleft ? 1 : 2;
    case LH_BX_CONST:
    case LH_BX_PARAM:
        return 0;
    case LH_BX_FUNC: {
        int s = 0;
        for (uint32_t i = 0; i < e->u.func.nargs; i++)
            s |= sides(e->u.func.args[i], nleft);
        return s;
    }
    case LH_BX_CAST:
        return sides(e->u.cast.arg, nleft);
    case LH_BX_IN_SET:
        return sides(e->u.in_set.arg, nleft);
    default: {
        int s = 0;
        for (uint32_t i = 0; i < e->u.list.n; i++)
            s |= sides(e->u.list.items[i], nleft);
        return s;
    }
    }
}

static uint32_t lower(void *ctx, const lh_bexpr_t *ref)
{
    return ref->u.col - *(const uint32_t *)ctx;
}

/* A copy of e with every column number lowered by delta. */
static lh_bexpr_t *rebase(lh_arena_t *a, const lh_bexpr_t *e, uint32_t delta)
{
    return lh_bx_copy_map(a, e, lower, &delta);
}

static bool is_eq(const lh_bexpr_t *e)
{
    return e->kind == LH_BX_FUNC && e->u.func.def && !strcmp(e->u.func.def->name, "=") &&
           e->u.func.nargs == 2;
}

typedef struct conds {
    lh_bexpr_t **lk, **rk, **rest;
    uint32_t nk, nrest, cap;
} conds_t;

static int add_conjunct(lh_arena_t *a, conds_t *c, lh_bexpr_t *e, uint32_t nleft, bool keys_ok)
{
    if (keys_ok && is_eq(e)) {
        lh_bexpr_t *x = e->u.func.args[0], *y = e->u.func.args[1];
        int sx = sides(x, nleft), sy = sides(y, nleft);
        if (sx == 2 && sy == 1) {
            lh_bexpr_t *t = x;
            x = y;
            y = t;
            sx = 1;
            sy = 2;
        }
        if (sx == 1 && sy == 2) {
            c->lk[c->nk] = x;
            if (!(c->rk[c->nk] = rebase(a, y, nleft))) return LH_ENOMEM;
            c->nk++;
            return 0;
        }
    }
    c->rest[c->nrest++] = e;
    return 0;
}

static int split(lh_arena_t *a, conds_t *c, lh_bexpr_t *on, uint32_t nleft, bool keys_ok)
{
    uint32_t n = on->kind == LH_BX_AND ? on->u.list.n : 1;
    c->cap = n + 64;
    c->lk = lh_arena_calloc(a, c->cap * sizeof *c->lk);
    c->rk = lh_arena_calloc(a, c->cap * sizeof *c->rk);
    c->rest = lh_arena_calloc(a, c->cap * sizeof *c->rest);
    if (!c->lk || !c->rk || !c->rest) return LH_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        int rc =
            add_conjunct(a, c, on->kind == LH_BX_AND ? on->u.list.items[i] : on, nleft, keys_ok);
        if (rc) return rc;
    }
    return 0;
}

static int using_conds(lh_bctx_t *bc, const lh_ast_t *n, lh_bscope_t *sc, uint32_t nleft,
                       const char **names, uint32_t nnames, lh_bexpr_t **on)
{
    lh_bexpr_t *acc = NULL;
    for (uint32_t k = 0; k < nnames; k++) {
        int64_t l = -1, r = -1;
        for (uint32_t i = 0; i < sc->n; i++) {
            if (sc->cols[i].hidden || strcasecmp(sc->cols[i].name, names[k])) continue;
            if (i < nleft && l < 0) l = i;
            if (i >= nleft && r < 0) r = i;
        }
        if (l < 0 || r < 0)
            return LH_BIND_ERR(bc, LH_SQL_EBIND, n->pos,
                               "Column \"%s\" does not exist on %s side of join!", names[k],
                               l < 0 ? "left" : "right");
        lh_bexpr_t **args = lh_arena_alloc(bc->env->arena, 2 * sizeof *args);
        if (!args) return LH_ENOMEM;
        args[0] = lh_bx_colref(bc->env->arena, (uint32_t)l, &sc->cols[l].type);
        args[1] = lh_bx_colref(bc->env->arena, (uint32_t)r, &sc->cols[r].type);
        if (!args[0] || !args[1]) return LH_ENOMEM;
        lh_bexpr_t *eq;
        int rc = lh__bind_call(bc, "=", args, 2, n->pos, &eq);
        if (rc) return rc;
        sc->cols[r].hidden = true;
        sc->cols[r].using_of = (uint32_t)l + 1; /* FULL/RIGHT joins merge the pair */
        if (!acc) {
            acc = eq;
            continue;
        }
        lh_bexpr_t *and =
            lh_bx_list(bc->env->arena, LH_BX_AND, &(lh_type_t){.id = LH_TYPE_BOOLEAN}, 2, n->pos);
        if (!and) return LH_ENOMEM;
        and->u.list.items[0] = acc;
        and->u.list.items[1] = eq;
        acc = and;
    }
    *on = acc;
    return 0;
}

/* NATURAL: the names both sides have. */
static int natural_names(lh_arena_t *a, const lh_bscope_t *sc, uint32_t nleft, const char ***out,
                         uint32_t *n)
{
    *out = lh_arena_calloc(a, (nleft + 1) * sizeof **out);
    if (!*out) return LH_ENOMEM;
    *n = 0;
    for (uint32_t i = 0; i < nleft; i++) {
        if (sc->cols[i].hidden) continue;
        for (uint32_t j = nleft; j < sc->n; j++)
            if (!sc->cols[j].hidden && !strcasecmp(sc->cols[i].name, sc->cols[j].name)) {
                (*out)[(*n)++] = sc->cols[i].name;
                break;
            }
    }
    return 0;
}

/* FULL and RIGHT joins with USING: the visible column is COALESCE(left,
 * right), so rows only the right side has show their key (DuckDB, SQL). */
static int merge_using(lh_bctx_t *bc, lh_bscope_t *sc, lh_plan_t **plan)
{
    lh_arena_t *a = bc->env->arena;
    lh_plan_t *j = *plan;
    bool any = false;
    for (uint32_t i = 0; i < sc->n; i++)
        any |= sc->cols[i].using_of != 0;
    if (!any) return 0;
    lh_plan_t *p = lh_plan_new(a, LH_PLAN_PROJECT, j->ncols);
    if (!p) return LH_ENOMEM;
    p->child[0] = j;
    p->u.project.exprs = lh_arena_calloc(a, (j->ncols + 1) * sizeof *p->u.project.exprs);
    if (!p->u.project.exprs) return LH_ENOMEM;
    for (uint32_t i = 0; i < j->ncols; i++) {
        p->cols[i] = j->cols[i];
        if (!(p->u.project.exprs[i] = lh_bx_colref(a, i, &j->cols[i].type))) return LH_ENOMEM;
    }
    for (uint32_t r = 0; r < sc->n; r++) {
        if (!sc->cols[r].using_of) continue;
        uint32_t l = sc->cols[r].using_of - 1;
        lh_bexpr_t *co = lh_bx_list(a, LH_BX_COALESCE, NULL, 2, -1);
        if (!co) return LH_ENOMEM;
        co->u.list.items[0] = p->u.project.exprs[l];
        co->u.list.items[1] = p->u.project.exprs[r];
        int rc = lh__bind_unify(bc, co->u.list.items, 2, -1, &co->type);
        if (rc) return rc;
        p->u.project.exprs[l] = co;
        p->cols[l].type = co->type;
        sc->cols[l].type = co->type;
    }
    *plan = p;
    return 0;
}

int lh__bind_join(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n, lh_plan_t **plan,
                  lh_bscope_t *sc)
{
    lh_arena_t *a = env->arena;
    lh_plan_t *l, *r;
    lh_bscope_t ls, rs;
    int rc = lh__bind_from(env, params, n->u.join.left, &l, &ls);
    if (!rc) rc = lh__bind_from(env, params, n->u.join.right, &r, &rs);
    if (rc) return rc;
    sc->n = ls.n + rs.n;
    sc->cols = lh_arena_calloc(a, (sc->n + 1) * sizeof *sc->cols);
    if (!sc->cols) return LH_ENOMEM;
    memcpy(sc->cols, ls.cols, ls.n * sizeof *sc->cols);
    memcpy(sc->cols + ls.n, rs.cols, rs.n * sizeof *sc->cols);
    lh_bctx_t bc = {.env = env, .scope = sc, .params = params};
    lh_bexpr_t *on = NULL;
    uint8_t kind = n->u.join.kind;
    if (n->u.join.natural || n->u.join.nusing) {
        const char **names = (const char **)n->u.join.using_cols;
        uint32_t nn = n->u.join.nusing;
        if (n->u.join.natural && (rc = natural_names(a, sc, ls.n, &names, &nn))) return rc;
        if ((rc = using_conds(&bc, n, sc, ls.n, names, nn, &on))) return rc;
        if (!on && kind != LH_JOIN_CROSS) kind = LH_JOIN_CROSS; /* NATURAL with nothing shared */
    } else if (n->u.join.on) {
        if ((rc = lh__bind_bool(&bc, n->u.join.on, "ON", &on))) return rc;
    } else if (kind != LH_JOIN_CROSS) {
        return LH_BIND_ERR(&bc, LH_SQL_EPARSE, n->pos, "join without an ON or USING clause");
    }
    bool semi = kind == LH_JOIN_SEMI || kind == LH_JOIN_ANTI;
    lh_plan_t *j = lh_plan_new(a, LH_PLAN_JOIN, semi ? l->ncols : l->ncols + r->ncols);
    if (!j) return LH_ENOMEM;
    j->child[0] = l;
    j->child[1] = r;
    j->u.join.kind = kind == LH_JOIN_CROSS && on ? LH_JOIN_INNER : kind;
    for (uint32_t i = 0; i < j->ncols; i++)
        j->cols[i] = i < l->ncols ? l->cols[i] : r->cols[i - l->ncols];
    if (on) {
        conds_t c = {0};
        if ((rc = split(a, &c, on, ls.n, true))) return rc;
        j->u.join.left_keys = c.lk;
        j->u.join.right_keys = c.rk;
        j->u.join.nkeys = c.nk;
        if (c.nrest == 1)
            j->u.join.cond = c.rest[0];
        else if (c.nrest > 1) {
            j->u.join.cond =
                lh_bx_list(a, LH_BX_AND, &(lh_type_t){.id = LH_TYPE_BOOLEAN}, c.nrest, n->pos);
            if (!j->u.join.cond) return LH_ENOMEM;
            memcpy(j->u.join.cond->u.list.items, c.rest, c.nrest * sizeof *c.rest);
        }
    }
    if (semi) sc->n = ls.n;
    *plan = j;
    if (kind == LH_JOIN_FULL || kind == LH_JOIN_RIGHT) return merge_using(&bc, sc, plan);
    return 0;
}
