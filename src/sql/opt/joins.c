/* Filter pushdown through joins: the conjuncts of a WHERE over a join tree
 * move to where their columns are. One naming only left columns goes into
 * the left input, only right columns into the right input; an equality of
 * a left and a right expression becomes a key of the join (so `FROM a, b
 * WHERE a.k = b.k` runs as a hash join, not a cross product filtered
 * afterwards); any other conjunct over both sides becomes the join's
 * residual condition. Only inner and cross joins take keys and residuals;
 * LEFT, SEMI, ANTI and MARK joins take conjuncts on their left (preserved)
 * side only; whatever cannot move stays in a filter above. The ON conjuncts
 * of a LEFT, SEMI, ANTI (not NULL-aware) or MARK join that read only the
 * right side filter the right input instead (TPC-H q13's NOT LIKE, q4's
 * EXISTS). */
#include <string.h>

#include "sql/opt/opt.h"
#include "sql/opt/opt_int.h"

static const lh_type_t T_BOOL = {.id = LH_TYPE_BOOLEAN};

typedef struct conj {
    lh_bexpr_t **items;
    uint32_t n, cap;
} conj_t;

static int add(lh_arena_t *a, conj_t *c, lh_bexpr_t *e)
{
    if (c->n == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 8;
        lh_bexpr_t **n = lh_arena_alloc(a, cap * sizeof *n);
        if (!n) return LH_ENOMEM;
        if (c->n) memcpy(n, c->items, c->n * sizeof *n);
        c->items = n;
        c->cap = cap;
    }
    c->items[c->n++] = e;
    return 0;
}

static int split(lh_arena_t *a, lh_bexpr_t *e, conj_t *c);

/* (x AND y) OR (x AND z): x is common to every branch, so the conjuncts are
 * x and (y OR z) (TPC-H q19's join key sits in every branch). Adds the
 * common conjuncts and what is left of the OR to c; 1 when it factored. */
static int factor_or(lh_arena_t *a, lh_bexpr_t *e, conj_t *c)
{
    uint32_t n = e->u.list.n;
    conj_t *br = lh_arena_calloc(a, n * sizeof *br);
    if (!br) return LH_ENOMEM;
    for (uint32_t i = 0; i < n; i++)
        if (split(a, e->u.list.items[i], &br[i])) return LH_ENOMEM;
    uint32_t ncommon = 0;
    for (uint32_t k = 0; k < br[0].n; k++) {
        lh_bexpr_t *x = br[0].items[k];
        bool everywhere = true;
        for (uint32_t i = 1; i < n && everywhere; i++) {
            bool found = false;
            for (uint32_t m = 0; m < br[i].n && !found; m++)
                found = lh_bx_equal(x, br[i].items[m]);
            everywhere = found;
        }
        if (!everywhere) continue;
        if (add(a, c, x)) return LH_ENOMEM;
        ncommon++;
        for (uint32_t i = 0; i < n; i++) /* drop x from every branch */
            for (uint32_t m = 0; m < br[i].n; m++)
                if (lh_bx_equal(x, br[i].items[m])) {
                    br[i].items[m] = br[i].items[--br[i].n];
                    if (i == 0 && m == k) k--;
                    break;
                }
    }
    if (!ncommon) return 0;
    lh_bexpr_t * or = lh_bx_list(a, LH_BX_OR, &T_BOOL, n, e->pos);
    if (! or) return LH_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        if (!br[i].n) return 1; /* a branch became TRUE: the OR holds */
        lh_bexpr_t *b =
            br[i].n == 1 ? br[i].items[0] : lh_bx_list(a, LH_BX_AND, &T_BOOL, br[i].n, e->pos);
        if (!b) return LH_ENOMEM;
        if (br[i].n > 1) memcpy(b->u.list.items, br[i].items, br[i].n * sizeof *br[i].items);
        or->u.list.items[i] = b;
    }
    return add(a, c, or) ? LH_ENOMEM : 1;
}

static int split(lh_arena_t *a, lh_bexpr_t *e, conj_t *c)
{
    if (e->kind == LH_BX_OR) {
        int rc = factor_or(a, e, c);
        if (rc) return rc < 0 ? rc : 0;
    }
    if (e->kind != LH_BX_AND) return add(a, c, e);
    for (uint32_t i = 0; i < e->u.list.n; i++) {
        int rc = split(a, e->u.list.items[i], c);
        if (rc) return rc;
    }
    return 0;
}

/* Bit 1: reads a column below nleft; bit 2: at or above; 4: not movable
 * (a volatile call, an error(), an outer reference). */
static int sides(const lh_bexpr_t *e, uint32_t nleft)
{
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_COLREF:
        return e->outer ? 4 : e->u.col < nleft ? 1 : 2;
    case LH_BX_CONST:
    case LH_BX_PARAM:
        return 0;
    case LH_BX_ERROR:
        return 4;
    case LH_BX_FUNC: {
        int s = e->u.func.flags & LH_SQL_FUNC_VOLATILE ? 4 : 0;
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

uint32_t lh__opt_shift_down(void *ctx, const lh_bexpr_t *ref)
{
    return ref->u.col - *(const uint32_t *)ctx;
}

static lh_bexpr_t *and_of(lh_arena_t *a, lh_bexpr_t **items, uint32_t n)
{
    if (n == 1) return items[0];
    lh_bexpr_t *e = lh_bx_list(a, LH_BX_AND, &T_BOOL, n, -1);
    if (e) memcpy(e->u.list.items, items, n * sizeof *items);
    return e;
}

static lh_plan_t *filter_over(lh_arena_t *a, lh_plan_t *p, conj_t *c)
{
    if (!c->n) return p;
    lh_plan_t *f = lh_plan_new(a, LH_PLAN_FILTER, p->ncols);
    if (!f) return NULL;
    memcpy(f->cols, p->cols, p->ncols * sizeof *f->cols);
    f->child[0] = p;
    f->u.filter.cond = and_of(a, c->items, c->n);
    return f->u.filter.cond ? f : NULL;
}

static bool is_eq(const lh_bexpr_t *e)
{
    return e->kind == LH_BX_FUNC && e->u.func.def && !strcmp(e->u.func.def->name, "=") &&
           e->u.func.nargs == 2;
}

static lh_plan_t *push(lh_arena_t *a, lh_plan_t *p, conj_t *c);

/* Adds key pairs and residual conjuncts to an inner/cross join. */
static int into_join(lh_arena_t *a, lh_plan_t *j, conj_t *both, uint32_t nl)
{
    uint32_t nk = j->u.join.nkeys;
    lh_bexpr_t **lk = lh_arena_alloc(a, (nk + both->n + 1) * sizeof *lk);
    lh_bexpr_t **rk = lh_arena_alloc(a, (nk + both->n + 1) * sizeof *rk);
    if (!lk || !rk) return LH_ENOMEM;
    if (nk) {
        memcpy(lk, j->u.join.left_keys, nk * sizeof *lk);
        memcpy(rk, j->u.join.right_keys, nk * sizeof *rk);
    }
    conj_t rest = {0};
    if (j->u.join.cond && split(a, j->u.join.cond, &rest)) return LH_ENOMEM;
    for (uint32_t i = 0; i < both->n; i++) {
        lh_bexpr_t *e = both->items[i];
        if (is_eq(e)) {
            lh_bexpr_t *x = e->u.func.args[0], *y = e->u.func.args[1];
            int sx = sides(x, nl), sy = sides(y, nl);
            if (sx == 2 && sy == 1) {
                lh_bexpr_t *t = x;
                x = y;
                y = t;
                sx = 1;
                sy = 2;
            }
            if (sx == 1 && sy == 2) {
                lk[nk] = x;
                if (!(rk[nk] = lh_bx_copy_map(a, y, lh__opt_shift_down, &nl))) return LH_ENOMEM;
                nk++;
                continue;
            }
        }
        if (add(a, &rest, e)) return LH_ENOMEM;
    }
    j->u.join.left_keys = lk;
    j->u.join.right_keys = rk;
    j->u.join.nkeys = nk;
    j->u.join.cond = rest.n ? and_of(a, rest.items, rest.n) : NULL;
    if (rest.n && !j->u.join.cond) return LH_ENOMEM;
    if (j->u.join.kind == 4 /* CROSS */ && (nk || rest.n)) j->u.join.kind = 0; /* INNER */
    return 0;
}

/* The filter an OR over both sides of a join implies on one side (1 left,
 * 2 right): the OR of each branch's conjuncts that read that side alone;
 * NULL when a branch has none (TPC-H q7's nations, q19's parts and lines). */
static lh_bexpr_t *implied(lh_arena_t *a, const lh_bexpr_t *e, uint32_t nl, int side)
{
    uint32_t n = e->u.list.n;
    lh_bexpr_t * or = lh_bx_list(a, LH_BX_OR, &T_BOOL, n, e->pos);
    if (! or) return NULL;
    for (uint32_t i = 0; i < n; i++) {
        conj_t br = {0}, mine = {0};
        if (split(a, e->u.list.items[i], &br)) return NULL;
        for (uint32_t k = 0; k < br.n; k++)
            if (sides(br.items[k], nl) == side && add(a, &mine, br.items[k])) return NULL;
        if (!mine.n) return NULL;
        if (!(or->u.list.items[i] = and_of(a, mine.items, mine.n))) return NULL;
    }
    return or ;
}

static lh_plan_t *push_join(lh_arena_t *a, lh_plan_t *j, conj_t *c)
{
    uint32_t nl = j->child[0]->ncols;
    uint8_t kind = j->u.join.kind;
    bool inner = kind == 0 /* INNER */ || kind == 4 /* CROSS */;
    bool left_only = kind == 1 /* LEFT */ || kind == 5 /* SEMI */ || kind == 6 /* ANTI */ ||
                     kind == LH_JOIN_KIND_MARK;
    conj_t l = {0}, r = {0}, both = {0}, keep = {0};
    for (uint32_t i = 0; i < c->n; i++) {
        lh_bexpr_t *e = c->items[i];
        int s = sides(e, nl);
        int rc;
        if (s & 4 || (!inner && !left_only))
            rc = add(a, &keep, e);
        else if (s == 1 || (s == 0 && inner))
            rc = add(a, &l, e);
        else if (s == 2 && inner) {
            lh_bexpr_t *m = lh_bx_copy_map(a, e, lh__opt_shift_down, &nl);
            rc = m ? add(a, &r, m) : LH_ENOMEM;
        } else if (s == 3 && inner)
            rc = add(a, &both, e);
        else
            rc = add(a, &keep, e);
        if (rc) return NULL;
    }
    /* the join's own condition may hold single-side conjuncts too (ON a.x = 1) */
    if (inner && j->u.join.cond) {
        conj_t own = {0};
        if (split(a, j->u.join.cond, &own)) return NULL;
        j->u.join.cond = NULL;
        for (uint32_t i = 0; i < own.n; i++) {
            int s = sides(own.items[i], nl);
            int rc = s == 1 ? add(a, &l, own.items[i])
                     : s == 2
                         ? (own.items[i] = lh_bx_copy_map(a, own.items[i], lh__opt_shift_down, &nl))
                               ? add(a, &r, own.items[i])
                               : LH_ENOMEM
                         : add(a, &both, own.items[i]);
            if (rc) return NULL;
        }
    }
    bool semi = (kind == 5 || kind == 6 || kind == LH_JOIN_KIND_MARK) && !j->u.join.mark;
    if ((kind == 1 /* LEFT */ || semi) && j->u.join.cond) { /* ON's right-only conjuncts */
        conj_t own = {0}, stay = {0};
        if (split(a, j->u.join.cond, &own)) return NULL;
        for (uint32_t i = 0; i < own.n; i++) {
            lh_bexpr_t *e = own.items[i];
            lh_bexpr_t *m = sides(e, nl) == 2 ? lh_bx_copy_map(a, e, lh__opt_shift_down, &nl) : e;
            if (!m || add(a, m == e ? &stay : &r, m)) return NULL;
        }
        j->u.join.cond = stay.n ? and_of(a, stay.items, stay.n) : NULL;
        if (stay.n && !j->u.join.cond) return NULL;
    }
    for (uint32_t i = 0; inner && i < both.n; i++) /* (l1 AND r1) OR (l2 AND r2): l1 OR l2 */
        if (both.items[i]->kind == LH_BX_OR) {
            lh_bexpr_t *li = implied(a, both.items[i], nl, 1);
            lh_bexpr_t *ri = implied(a, both.items[i], nl, 2);
            if (ri) ri = lh_bx_copy_map(a, ri, lh__opt_shift_down, &nl);
            if ((li && add(a, &l, li)) || (ri && add(a, &r, ri))) return NULL;
        }
    if (inner && into_join(a, j, &both, nl)) return NULL;
    if (!(j->child[0] = push(a, j->child[0], &l))) return NULL;
    if (!(j->child[1] = push(a, j->child[1], &r))) return NULL;
    return filter_over(a, j, &keep);
}

/* p with the conjuncts c (over p's output) applied as low as they go. */
static lh_plan_t *push(lh_arena_t *a, lh_plan_t *p, conj_t *c)
{
    if (p->kind == LH_PLAN_FILTER) { /* merge with it and keep going down */
        if (split(a, p->u.filter.cond, c)) return NULL;
        return push(a, p->child[0], c);
    }
    if (p->kind == LH_PLAN_JOIN) return push_join(a, p, c);
    return filter_over(a, p, c);
}

/* Rewrites the tree below p (every filter pushed down), returns the new p. */
static lh_plan_t *walk(lh_arena_t *a, lh_plan_t *p)
{
    if (!p) return p;
    if (p->kind == LH_PLAN_FILTER && p->child[0]->kind == LH_PLAN_JOIN) {
        conj_t c = {0};
        if (split(a, p->u.filter.cond, &c)) return NULL;
        p = push(a, p->child[0], &c);
        if (!p) return NULL;
        /* the filter's own children may hold more filters and joins */
    } else if (p->kind == LH_PLAN_JOIN) { /* no WHERE: its own ON conjuncts still move */
        conj_t c = {0};
        if (!(p = push_join(a, p, &c))) return NULL;
    }
    for (int i = 0; i < 2; i++)
        if (p->child[i] && !(p->child[i] = walk(a, p->child[i]))) return NULL;
    return p;
}

int lh_opt_push_join_filters(lh_arena_t *a, lh_plan_t **plan)
{
    lh_plan_t *p = walk(a, *plan);
    if (!p) return LH_ENOMEM;
    *plan = p;
    int rc = lh__opt_order_joins(a, plan);
    return rc ? rc : lh__opt_runtime_filters(a, *plan);
}
