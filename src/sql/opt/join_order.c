/* Join order: a tree of inner and cross joins (after filter pushdown has
 * turned WHERE equalities into keys) is flattened into its relations (the
 * inputs that are not inner/cross joins) and its conditions, and rebuilt by
 * greedy operator ordering: repeatedly join the two connected subtrees
 * whose result is estimated smallest, the bigger one probing (left) and the
 * smaller one built into the hash table (right). Cross products come last.
 * A projection on top puts the columns back in their original order, so
 * nothing above changes. A LEFT JOIN whose right side is much bigger
 * becomes a RIGHT JOIN with the sides swapped, for the same reason, and a
 * SEMI/ANTI/MARK join builds on its left side (u.join.build_left).
 *
 * Estimates (opt/estimate.c): the inputs' row counts (the tables' sizes
 * times guessed filter selectivities) and, per key, the distinct values of
 * both sides; an equi-join of R and S on k gives |R| |S| / max(ndv(R.k),
 * ndv(S.k)) rows, with the most selective key of several. */
#include <string.h>

#include "sql/opt/opt.h"
#include "sql/opt/opt_int.h"

#define MAX_RELS 64

typedef struct cond {
    lh_bexpr_t *x, *y; /* key pair (y NULL: x is a residual conjunct), over the flat columns */
    uint64_t mx, my;   /* relations each side reads */
    bool used;
} cond_t;

typedef struct flat {
    lh_plan_t *rel[MAX_RELS];
    uint32_t off[MAX_RELS]; /* first flat column of each relation */
    uint32_t nrel, ncols;
    cond_t *conds;
    uint32_t nconds, cap;
    lh_arena_t *a;
    bool bail; /* a shape this rule leaves alone */
} flat_t;

static bool is_inner(const lh_plan_t *p)
{
    return p->kind == LH_PLAN_JOIN && (p->u.join.kind == 0 /* INNER */ || p->u.join.kind == 4);
}

static uint32_t add_off(void *ctx, const lh_bexpr_t *ref)
{
    return ref->u.col + *(const uint32_t *)ctx;
}

static int add_cond(flat_t *f, lh_bexpr_t *x, lh_bexpr_t *y)
{
    if (f->nconds == f->cap) {
        uint32_t cap = f->cap ? f->cap * 2 : 16;
        cond_t *n = lh_arena_calloc(f->a, cap * sizeof *n);
        if (!n) return LH_ENOMEM;
        if (f->nconds) memcpy(n, f->conds, f->nconds * sizeof *n);
        f->conds = n;
        f->cap = cap;
    }
    f->conds[f->nconds++] = (cond_t){.x = x, .y = y};
    return 0;
}

/* Adds AND's conjuncts of e (over flat columns) as residuals. */
static int add_conjuncts(flat_t *f, lh_bexpr_t *e)
{
    if (e->kind != LH_BX_AND) return add_cond(f, e, NULL);
    for (uint32_t i = 0; i < e->u.list.n; i++)
        if (add_conjuncts(f, e->u.list.items[i])) return LH_ENOMEM;
    return 0;
}

/* Flattens the inner/cross join tree p whose first column is flat column off. */
static int flatten(flat_t *f, lh_plan_t *p, uint32_t off)
{
    if (!is_inner(p)) {
        if (f->nrel == MAX_RELS) {
            f->bail = true;
            return 0;
        }
        f->rel[f->nrel] = p;
        f->off[f->nrel++] = off;
        f->ncols = off + p->ncols;
        return 0;
    }
    uint32_t roff = off + p->child[0]->ncols;
    int rc = flatten(f, p->child[0], off);
    if (!rc) rc = flatten(f, p->child[1], roff);
    for (uint32_t k = 0; !rc && k < p->u.join.nkeys; k++) {
        lh_bexpr_t *x = lh_bx_copy_map(f->a, p->u.join.left_keys[k], add_off, &off);
        lh_bexpr_t *y = lh_bx_copy_map(f->a, p->u.join.right_keys[k], add_off, &roff);
        rc = x && y ? add_cond(f, x, y) : LH_ENOMEM;
    }
    if (!rc && p->u.join.cond) {
        lh_bexpr_t *c = lh_bx_copy_map(f->a, p->u.join.cond, add_off, &off);
        rc = c ? add_conjuncts(f, c) : LH_ENOMEM;
    }
    return rc;
}

/* The relations e's columns belong to (bit i: relation i). */
static uint64_t rel_mask(const flat_t *f, const lh_bexpr_t *e)
{
    bool *need = lh_arena_calloc(f->a, f->ncols + 1);
    if (!need) return 0;
    lh_bx_refs(e, need, f->ncols);
    uint64_t m = 0;
    for (uint32_t r = 0; r < f->nrel; r++)
        for (uint32_t c = 0; c < f->rel[r]->ncols; c++)
            if (need[f->off[r] + c]) m |= UINT64_C(1) << r;
    return m;
}

/* ---- greedy operator ordering ---- */

typedef struct tree {
    lh_plan_t *p;
    uint64_t mask;
    double rows;
    uint32_t *flat; /* per column of p: its flat column */
} tree_t;

typedef struct order {
    flat_t *f;
    tree_t t[MAX_RELS];
    uint32_t n;
    double *ndv;      /* per flat column: distinct values guessed, < 0 unknown, -2 not yet */
    uint32_t *rel_of; /* per flat column: its relation */
} order_t;

/* Distinct values of key expression e (flat columns) within a tree of rows rows. */
static double key_ndv(order_t *o, const lh_bexpr_t *e, double rows)
{
    double d = rows;
    if (e->kind == LH_BX_COLREF && !e->outer && e->u.col < o->f->ncols) {
        uint32_t c = e->u.col, r = o->rel_of[c];
        if (o->ndv[c] == -2) o->ndv[c] = lh__opt_col_ndv(o->f->rel[r], c - o->f->off[r]);
        if (o->ndv[c] >= 0) d = o->ndv[c];
    }
    return d < rows ? d : rows;
}

/* Estimated rows of joining trees i and j; *connected whether a key joins them. */
static double join_rows(order_t *o, uint32_t i, uint32_t j, bool *connected)
{
    const tree_t *a = &o->t[i], *b = &o->t[j];
    double best = 1;
    *connected = false;
    for (uint32_t k = 0; k < o->f->nconds; k++) {
        const cond_t *c = &o->f->conds[k];
        if (!c->y || !c->mx || !c->my) continue;
        bool ab = (c->mx & ~a->mask) == 0 && (c->my & ~b->mask) == 0;
        bool ba = (c->mx & ~b->mask) == 0 && (c->my & ~a->mask) == 0;
        if (!ab && !ba) continue;
        *connected = true;
        double nx = key_ndv(o, c->x, ab ? a->rows : b->rows);
        double ny = key_ndv(o, c->y, ab ? b->rows : a->rows);
        double d = nx > ny ? nx : ny;
        if (d > best) best = d;
    }
    double r = a->rows * b->rows / best;
    return r < 1 ? 1 : r;
}

static uint32_t map_flat(void *ctx, const lh_bexpr_t *ref)
{
    const uint32_t *pos = ctx; /* flat column -> column of the new join */
    return pos[ref->u.col];
}

static lh_bexpr_t *and_of(lh_arena_t *a, lh_bexpr_t *x, lh_bexpr_t *e)
{
    static const lh_type_t T_BOOL = {.id = LH_TYPE_BOOLEAN};
    if (!x) return e;
    lh_bexpr_t *n = lh_bx_list(a, LH_BX_AND, &T_BOOL, 2, -1);
    if (!n) return NULL;
    n->u.list.items[0] = x;
    n->u.list.items[1] = e;
    return n;
}

/* The join of trees l (probe) and r (build) with every condition that
 * becomes evaluable there. */
static int make_join(order_t *o, tree_t *l, const tree_t *r)
{
    flat_t *f = o->f;
    lh_arena_t *a = f->a;
    uint32_t nl = l->p->ncols, n = nl + r->p->ncols;
    lh_plan_t *j = lh_plan_new(a, LH_PLAN_JOIN, n);
    uint32_t *flat = lh_arena_alloc(a, (n + 1) * sizeof *flat);
    uint32_t *pos = lh_arena_alloc(a, (f->ncols + 1) * sizeof *pos);
    lh_bexpr_t **lk = lh_arena_alloc(a, (f->nconds + 1) * sizeof *lk);
    lh_bexpr_t **rk = lh_arena_alloc(a, (f->nconds + 1) * sizeof *rk);
    if (!j || !flat || !pos || !lk || !rk) return LH_ENOMEM;
    memcpy(j->cols, l->p->cols, nl * sizeof *j->cols);
    memcpy(j->cols + nl, r->p->cols, r->p->ncols * sizeof *j->cols);
    memcpy(flat, l->flat, nl * sizeof *flat);
    memcpy(flat + nl, r->flat, r->p->ncols * sizeof *flat);
    for (uint32_t c = 0; c < n; c++)
        pos[flat[c]] = c;
    uint64_t m = l->mask | r->mask;
    uint32_t nk = 0;
    lh_bexpr_t *cond = NULL;
    for (uint32_t k = 0; k < f->nconds; k++) {
        cond_t *c = &f->conds[k];
        if (c->used || ((c->mx | c->my) & ~m)) continue;
        bool ab = c->y && (c->mx & ~l->mask) == 0 && (c->my & ~r->mask) == 0;
        bool ba = c->y && (c->mx & ~r->mask) == 0 && (c->my & ~l->mask) == 0;
        if (c->y && !ab && !ba) continue; /* cannot happen: each side is one relation */
        c->used = true;
        if (!c->y) {
            lh_bexpr_t *e = lh_bx_copy_map(a, c->x, map_flat, pos);
            if (!e || !(cond = and_of(a, cond, e))) return LH_ENOMEM;
            continue;
        }
        lh_bexpr_t *x = lh_bx_copy_map(a, ab ? c->x : c->y, map_flat, pos);
        lh_bexpr_t *y = lh_bx_copy_map(a, ab ? c->y : c->x, map_flat, pos);
        if (!x || !y) return LH_ENOMEM;
        lh_bexpr_t *yr = lh_bx_copy_map(a, y, lh__opt_shift_down, &nl);
        if (!yr) return LH_ENOMEM;
        lk[nk] = x;
        rk[nk++] = yr;
    }
    j->child[0] = l->p;
    j->child[1] = r->p;
    j->u.join.kind = nk || cond ? 0 /* INNER */ : 4 /* CROSS */;
    j->u.join.left_keys = lk;
    j->u.join.right_keys = rk;
    j->u.join.nkeys = nk;
    j->u.join.cond = cond;
    l->p = j;
    l->flat = flat;
    l->mask = m;
    return 0;
}

static bool one_bit(uint64_t m)
{
    return m && !(m & (m - 1));
}

/* Whether every key pair becomes a key of the first join that holds both
 * sides: each side reads exactly one relation, not the other's. */
static bool keys_placeable(const flat_t *f)
{
    for (uint32_t k = 0; k < f->nconds; k++) {
        const cond_t *c = &f->conds[k];
        if (c->y && (!one_bit(c->mx) || !one_bit(c->my) || c->mx == c->my)) return false;
    }
    return true;
}

static int goo(order_t *o)
{
    while (o->n > 1) {
        uint32_t bi = 0, bj = 1;
        double best = -1;
        bool best_conn = false;
        for (uint32_t i = 0; i < o->n; i++)
            for (uint32_t j = i + 1; j < o->n; j++) {
                bool conn;
                double r = join_rows(o, i, j, &conn);
                if (best >= 0 && (best_conn && !conn)) continue;
                if (best >= 0 && best_conn == conn && r >= best) continue;
                best = r;
                best_conn = conn;
                bi = i;
                bj = j;
            }
        tree_t *l = &o->t[bi], *r = &o->t[bj];
        if (l->rows < r->rows) { /* the bigger side probes */
            tree_t *x = l;
            l = r;
            r = x;
        }
        int rc = make_join(o, l, r);
        if (rc) return rc;
        l->rows = best;
        tree_t keep = *l;
        o->t[bi] = keep; /* the merged tree takes slot bi, slot bj goes */
        o->t[bj] = o->t[--o->n];
    }
    return 0;
}

static lh_plan_t *walk(lh_arena_t *a, lh_plan_t *p);

/* A projection over top handing out p's columns in p's order: p's column c
 * is top's column pos[c]. */
static lh_plan_t *in_order(lh_arena_t *a, const lh_plan_t *p, lh_plan_t *top, const uint32_t *pos)
{
    lh_plan_t *proj = lh_plan_new(a, LH_PLAN_PROJECT, p->ncols);
    if (!proj) return NULL;
    proj->u.project.exprs = lh_arena_alloc(a, (p->ncols + 1) * sizeof *proj->u.project.exprs);
    if (!proj->u.project.exprs) return NULL;
    memcpy(proj->cols, p->cols, p->ncols * sizeof *proj->cols);
    for (uint32_t c = 0; c < p->ncols; c++)
        if (!(proj->u.project.exprs[c] = lh_bx_colref(a, pos[c], &p->cols[c].type))) return NULL;
    proj->child[0] = top;
    return proj;
}

/* Reorders the inner join tree p; returns its replacement (or p). */
static lh_plan_t *reorder(lh_arena_t *a, lh_plan_t *p)
{
    flat_t f = {.a = a};
    if (flatten(&f, p, 0)) return NULL;
    for (uint32_t k = 0; !f.bail && k < f.nconds; k++) {
        f.conds[k].mx = rel_mask(&f, f.conds[k].x);
        f.conds[k].my = f.conds[k].y ? rel_mask(&f, f.conds[k].y) : 0;
    }
    if (f.bail || f.nrel < 2 || !keys_placeable(&f)) {
        for (int i = 0; i < 2; i++) /* still reorder what sits below */
            if (!(p->child[i] = walk(a, p->child[i]))) return NULL;
        return p;
    }
    order_t o = {.f = &f, .n = f.nrel};
    o.ndv = lh_arena_alloc(a, (f.ncols + 1) * sizeof *o.ndv);
    o.rel_of = lh_arena_alloc(a, (f.ncols + 1) * sizeof *o.rel_of);
    if (!o.ndv || !o.rel_of) return NULL;
    for (uint32_t r = 0; r < f.nrel; r++) {
        lh_plan_t *rel = walk(a, f.rel[r]);
        if (!rel) return NULL;
        f.rel[r] = rel;
        tree_t *t = &o.t[r];
        t->p = rel;
        t->mask = UINT64_C(1) << r;
        t->rows = lh__opt_est_rows(rel);
        t->flat = lh_arena_alloc(a, (rel->ncols + 1) * sizeof *t->flat);
        if (!t->flat) return NULL;
        for (uint32_t c = 0; c < rel->ncols; c++) {
            t->flat[c] = f.off[r] + c;
            o.ndv[f.off[r] + c] = -2;
            o.rel_of[f.off[r] + c] = r;
        }
    }
    if (goo(&o)) return NULL;
    lh_plan_t *top = o.t[0].p;
    lh_bexpr_t *rest = NULL; /* residuals over no relation, or never placed */
    uint32_t *pos = lh_arena_alloc(a, (f.ncols + 1) * sizeof *pos);
    if (!pos) return NULL;
    for (uint32_t c = 0; c < top->ncols; c++)
        pos[o.t[0].flat[c]] = c;
    for (uint32_t k = 0; k < f.nconds; k++) {
        cond_t *c = &f.conds[k];
        if (c->used) continue;
        lh_bexpr_t *e = c->y ? NULL : lh_bx_copy_map(a, c->x, map_flat, pos);
        if (!e || !(rest = and_of(a, rest, e))) return NULL; /* keys are always placed */
    }
    if (rest) {
        lh_bexpr_t *cond = top->u.join.cond;
        if (!(top->u.join.cond = and_of(a, cond, rest))) return NULL;
        top->u.join.kind = 0;
    }
    lh_plan_t *proj = in_order(a, p, top, pos);
    if (proj) proj->est_rows = o.t[0].rows;
    return proj;
}

/* LEFT JOIN with a right side much bigger than the left: the same rows as a
 * RIGHT JOIN with the sides swapped, which builds the hash table on the
 * small side (TPC-H q13: customers LEFT JOIN orders). */
typedef struct swap_ctx {
    uint32_t nl, nr;
} swap_ctx_t;

static uint32_t swap_col(void *ctx, const lh_bexpr_t *ref)
{
    const swap_ctx_t *s = ctx; /* l ++ r columns to r ++ l */
    return ref->u.col < s->nl ? ref->u.col + s->nr : ref->u.col - s->nl;
}

static lh_plan_t *swap_left(lh_arena_t *a, lh_plan_t *p)
{
    lh_plan_t *l = p->child[0], *r = p->child[1];
    if (p->u.join.kind != 1 /* LEFT */ || !p->u.join.nkeys ||
        lh__opt_est_rows(r) < 1.5 * lh__opt_est_rows(l))
        return p;
    swap_ctx_t sc = {.nl = l->ncols, .nr = r->ncols};
    lh_plan_t *j = lh_plan_new(a, LH_PLAN_JOIN, p->ncols);
    uint32_t *pos = lh_arena_alloc(a, (p->ncols + 1) * sizeof *pos);
    if (!j || !pos) return NULL;
    j->u.join = p->u.join;
    j->u.join.kind = 2; /* RIGHT */
    j->u.join.left_keys = p->u.join.right_keys;
    j->u.join.right_keys = p->u.join.left_keys;
    if (p->u.join.cond && !(j->u.join.cond = lh_bx_copy_map(a, p->u.join.cond, swap_col, &sc)))
        return NULL;
    j->child[0] = r;
    j->child[1] = l;
    memcpy(j->cols, r->cols, sc.nr * sizeof *j->cols);
    memcpy(j->cols + sc.nr, l->cols, sc.nl * sizeof *j->cols);
    for (uint32_t c = 0; c < p->ncols; c++)
        pos[c] = c < sc.nl ? c + sc.nr : c - sc.nl;
    return in_order(a, p, j, pos);
}

/* SEMI/ANTI/MARK over a much bigger right side: hash the left side
 * instead (op_join_left.c). */
static void build_left(lh_plan_t *p)
{
    uint8_t k = p->u.join.kind;
    if ((k == 5 || k == 6 || k == LH_JOIN_KIND_MARK) && !p->u.join.mark && p->u.join.nkeys &&
        lh__opt_est_rows(p->child[1]) > 2 * lh__opt_est_rows(p->child[0]))
        p->u.join.build_left = true;
}

static lh_plan_t *walk(lh_arena_t *a, lh_plan_t *p)
{
    if (!p) return p;
    if (is_inner(p)) return reorder(a, p);
    for (int i = 0; i < 2; i++) /* first: the estimates below come from the new orders */
        if (p->child[i] && !(p->child[i] = walk(a, p->child[i]))) return NULL;
    if (p->kind != LH_PLAN_JOIN) return p;
    build_left(p);
    return p->u.join.kind == 1 /* LEFT */ ? swap_left(a, p) : p;
}

/* Marks the joins whose build side is small next to their probe side: a
 * parallel pipeline may run through them (every worker builds its own
 * copy of the table, which pays only when the probe is much bigger). */
static void mark_small_builds(lh_plan_t *p)
{
    if (!p) return;
    if (p->kind == LH_PLAN_JOIN)
        p->u.join.small_build = lh__opt_est_rows(p->child[1]) * 4 <= lh__opt_est_rows(p->child[0]);
    mark_small_builds(p->child[0]);
    mark_small_builds(p->child[1]);
}

int lh__opt_order_joins(lh_arena_t *a, lh_plan_t **plan)
{
    lh_plan_t *p = walk(a, *plan);
    if (!p) return LH_ENOMEM;
    mark_small_builds(p);
    *plan = p;
    return 0;
}
