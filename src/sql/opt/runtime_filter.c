/* Runtime join filters (sideways information passing). An INNER, RIGHT or
 * SEMI hash join drops the probe rows whose keys its build side does not
 * hold; a filter with the same test lower in the probe side drops them
 * before the work in between. The probe keys are followed down through
 * projections (a column or a cast that cannot fail), filters, sorts
 * without a limit, aggregates whose groups hold the keys (no grouping
 * sets: a decorrelated subquery's aggregate, TPC-H q17 and q20) and the
 * side of a join that keeps its rows' keys (the left of INNER/LEFT/SEMI/
 * ANTI/MARK, the right of INNER: a small dimension's keys reach the fact
 * table below another join, TPC-H q21). The filter goes right above the
 * scan the keys reach when costly filters of the query sit on that scan
 * (they then run on the rows the join keeps only: TPC-H q19's ORs of
 * strings; a date range is cheaper than the check and stays first), else
 * right above
 * the lowest chain of filters reached, when that is below an aggregate or a
 * join (else the join itself is as good). It is a FILTER node with cond
 * TRUE and rtf_join set; exec/op_rtf.c checks the join's table once built. */
#include <string.h>

#include "sql/opt/opt.h"
#include "sql/opt/opt_int.h"

#define MAX_KEYS 8

static bool rank_of(lh_type_id_t id, int *width, bool *sign)
{
    static const struct {
        lh_type_id_t id;
        int w;
        bool s;
    } t[] = {
        {LH_TYPE_TINYINT, 1, true},    {LH_TYPE_SMALLINT, 2, true},  {LH_TYPE_INTEGER, 4, true},
        {LH_TYPE_BIGINT, 8, true},     {LH_TYPE_HUGEINT, 16, true},  {LH_TYPE_UTINYINT, 1, false},
        {LH_TYPE_USMALLINT, 2, false}, {LH_TYPE_UINTEGER, 4, false}, {LH_TYPE_UBIGINT, 8, false}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].id == id) {
            *width = t[i].w;
            *sign = t[i].s;
            return true;
        }
    return false;
}

/* A cast that holds every value of its argument: TRY_CAST, or an integer to
 * a wider integer (evaluated on rows the query would not have reached, it
 * must not fail). */
static bool safe_cast(const lh_bexpr_t *e)
{
    if (e->u.cast.try_cast) return true;
    int wf, wt;
    bool sf, stt;
    if (!rank_of(e->u.cast.arg->type.id, &wf, &sf) || !rank_of(e->type.id, &wt, &stt)) return false;
    return sf == stt ? wt >= wf : !sf && stt && wt > wf;
}

/* The input column a key reads (a column, or safe casts of one), or -1. */
static int64_t key_col(const lh_bexpr_t *e)
{
    while (e->kind == LH_BX_CAST && safe_cast(e))
        e = e->u.cast.arg;
    return e->kind == LH_BX_COLREF && !e->outer ? (int64_t)e->u.col : -1;
}

/* e with its column replaced by exprs[col] (which must itself be a key), or
 * shifted down by shift when exprs is NULL. NULL when it cannot be. */
static lh_bexpr_t *subst(lh_arena_t *a, const lh_bexpr_t *e, lh_bexpr_t *const *exprs,
                         uint32_t shift)
{
    if (e->kind == LH_BX_CAST) {
        lh_bexpr_t *arg = subst(a, e->u.cast.arg, exprs, shift);
        lh_bexpr_t *c = arg ? lh_arena_alloc(a, sizeof *c) : NULL;
        if (!c) return NULL;
        *c = *e;
        c->u.cast.arg = arg;
        return c;
    }
    if (!exprs) return lh_bx_colref(a, e->u.col - shift, &e->type);
    const lh_bexpr_t *to = exprs[e->u.col];
    return key_col(to) < 0 ? NULL : (lh_bexpr_t *)to; /* shared: plans are read-only */
}

typedef struct path {
    lh_bexpr_t *keys[MAX_KEYS];
    uint32_t nk;
} path_t;

/* The keys all read columns in [lo, hi). */
static bool keys_in(const path_t *k, uint32_t lo, uint32_t hi)
{
    for (uint32_t i = 0; i < k->nk; i++) {
        int64_t c = key_col(k->keys[i]);
        if (c < (int64_t)lo || c >= (int64_t)hi) return false;
    }
    return true;
}

/* k moved below p into child i (exprs: p's column expressions, or NULL for
 * a shift). false when it cannot go. */
static bool move(lh_arena_t *a, path_t *k, lh_bexpr_t *const *exprs, uint32_t shift)
{
    path_t n = {.nk = k->nk};
    for (uint32_t i = 0; i < k->nk; i++)
        if (!(n.keys[i] = subst(a, k->keys[i], exprs, shift))) return false;
    *k = n;
    return true;
}

/* One step down from p: the child slot the keys reach, or NULL. */
static lh_plan_t **step(lh_arena_t *a, lh_plan_t *p, path_t *k, bool *useful)
{
    switch ((lh_plan_kind_t)p->kind) {
    case LH_PLAN_FILTER:
        return &p->child[0];
    case LH_PLAN_SORT:
        return p->u.sort.limit < 0 ? &p->child[0] : NULL;
    case LH_PLAN_PROJECT:
        return move(a, k, p->u.project.exprs, 0) ? &p->child[0] : NULL;
    case LH_PLAN_AGGREGATE:
        if (p->u.agg.nsets || !keys_in(k, 0, p->u.agg.ngroups) || !move(a, k, p->u.agg.groups, 0))
            return NULL;
        *useful = true;
        return &p->child[0];
    case LH_PLAN_JOIN: {
        uint8_t kind = p->u.join.kind;
        uint32_t nl = p->child[0]->ncols;
        *useful = true;
        if ((kind == 0 || kind == 1 || kind == 5 || kind == 6 || kind == LH_JOIN_KIND_MARK) &&
            keys_in(k, 0, nl))
            return &p->child[0];
        if (kind == 0 && keys_in(k, nl, nl + p->child[1]->ncols) && move(a, k, NULL, nl))
            return &p->child[1];
        return NULL;
    }
    default:
        return NULL;
    }
}

/* How many times node n appears under p: a subtree read twice (a CTE) must
 * not get a filter only one reader wants. */
static uint32_t uses(const lh_plan_t *p, const lh_plan_t *n)
{
    if (!p) return 0;
    return (p == n) + uses(p->child[0], n) + uses(p->child[1], n);
}

/* A FILTER checking keys (one: 0 all the join's keys, k + 1 key k alone) above *at. */
static int insert(lh_arena_t *a, lh_plan_t *j, lh_plan_t **at, const path_t *k, uint32_t one)
{
    lh_plan_t *below = *at;
    lh_plan_t *f = lh_plan_new(a, LH_PLAN_FILTER, below->ncols);
    lh_value_t yes = lh_value_bool(true);
    lh_bexpr_t **keys = lh_arena_alloc(a, k->nk * sizeof *keys);
    if (!f || !keys || !(f->u.filter.cond = lh_bx_const(a, &yes, -1))) return LH_ENOMEM;
    memcpy(keys, k->keys, k->nk * sizeof *keys);
    memcpy(f->cols, below->cols, below->ncols * sizeof *f->cols);
    f->child[0] = below;
    f->u.filter.rtf_join = j;
    f->u.filter.rtf_keys = keys;
    f->u.filter.rtf_one = one;
    *at = f;
    return 0;
}

/* Whether a filter condition costs more a row than the runtime filter's
 * hash and Bloom check: anything but comparisons of a fixed-width column with
 * a constant, ANDed (a date range, a quantity bound). */
static bool costly(const lh_bexpr_t *e)
{
    if (e->kind == LH_BX_AND) {
        for (uint32_t i = 0; i < e->u.list.n; i++)
            if (costly(e->u.list.items[i])) return true;
        return false;
    }
    if (e->kind != LH_BX_FUNC || e->u.func.nargs != 2 || !e->u.func.def) return true;
    static const char *const cmp[] = {"=", "<>", "!=", "<", "<=", ">", ">="};
    bool is_cmp = false;
    for (size_t i = 0; i < sizeof cmp / sizeof cmp[0]; i++)
        is_cmp |= !strcmp(e->u.func.def->name, cmp[i]);
    const lh_bexpr_t *x = e->u.func.args[0], *y = e->u.func.args[1];
    if (x->kind == LH_BX_CONST) {
        const lh_bexpr_t *t = x;
        x = y;
        y = t;
    }
    return !is_cmp || x->kind != LH_BX_COLREF || y->kind != LH_BX_CONST ||
           lh_type_physical(&x->type) == LH_PHYS_STRING || lh_type_is_nested(&x->type);
}

/* Follows keys k of join j down from *slot and places the filter (root: the
 * whole plan). Keys that part at an inner join (TPC-H q5: l_suppkey and
 * c_nationkey against the supplier's) go on one at a time, each checked
 * alone. 0 or LH_ENOMEM. */
static int descend(lh_arena_t *a, const lh_plan_t *root, lh_plan_t *j, lh_plan_t **slot, path_t k,
                   bool useful, uint32_t one)
{
    lh_plan_t **at = NULL;
    path_t at_keys = {0};
    bool over_filter = false; /* went down through a costly filter of the query, then only
                                 through runtime filters */
    lh_plan_t **run = NULL;   /* the first of the runtime filters passed since then */
    for (;;) {
        lh_plan_t *p = *slot;
        if (uses(root, p) != 1) break;
        bool was_filter = p->kind == LH_PLAN_FILTER;
        if (was_filter && p->u.filter.rtf_join == j && p->u.filter.rtf_one == one)
            return 0; /* placed before */
        path_t before = k;
        lh_plan_t **next = step(a, p, &k, &useful);
        if (!next) {
            if (p->kind == LH_PLAN_JOIN && p->u.join.kind == 0 && !one) /* the keys part */
                for (uint32_t i = 0; i < before.nk; i++) {
                    if (!lh_type_equal(&j->u.join.left_keys[i]->type,
                                       &j->u.join.right_keys[i]->type))
                        continue;
                    path_t single = {.keys = {before.keys[i]}, .nk = 1};
                    int rc = descend(a, root, j, slot, single, true, i + 1);
                    if (rc) return rc;
                }
            break;
        }
        if (!was_filter && useful) {
            at = next;
            at_keys = k;
        }
        if (was_filter && p->u.filter.rtf_join) {
            if (!run) run = slot;
        } else {
            over_filter = was_filter && costly(p->u.filter.cond);
            run = NULL;
        }
        slot = next;
    }
    lh_plan_kind_t bottom = (lh_plan_kind_t)(*slot)->kind;
    if (over_filter && uses(root, *slot) == 1 &&
        (bottom == LH_PLAN_SCAN_PARQUET || bottom == LH_PLAN_SCAN_MEMORY ||
         bottom == LH_PLAN_SCAN_TEXT)) {
        /* under the scan's filters, which then see fewer rows; among the runtime
           filters there, below those whose build side is estimated bigger (a
           smaller one drops more rows, so it checks first) */
        lh_plan_t **s = run ? run : slot;
        double mine = lh__opt_est_rows(j->child[1]);
        while (*s != *slot && lh__opt_est_rows((*s)->u.filter.rtf_join->child[1]) > mine)
            s = &(*s)->child[0];
        return insert(a, j, s, &k, one);
    }
    return at ? insert(a, j, at, &at_keys, one) : 0;
}

/* Places join j's filters in its probe side: the left one, or the right one
 * of a join built on its left side. 0 or LH_ENOMEM. */
static int place(lh_arena_t *a, const lh_plan_t *root, lh_plan_t *j)
{
    bool left_built = j->u.join.build_left;
    lh_bexpr_t **probe_keys = left_built ? j->u.join.right_keys : j->u.join.left_keys;
    path_t k = {.nk = j->u.join.nkeys};
    for (uint32_t i = 0; i < k.nk; i++)
        if (key_col(probe_keys[i]) < 0) return 0;
    memcpy(k.keys, probe_keys, k.nk * sizeof *k.keys);
    return descend(a, root, j, &j->child[left_built], k, false, 0);
}

/* Joins whose probe rows without a match in the table contribute nothing:
 * INNER, RIGHT and SEMI probing from the left; SEMI, ANTI and MARK built on
 * their left side (op_join_left.c), probing from the right. */
static bool wants_filter(const lh_plan_t *p)
{
    uint8_t k = p->u.join.kind;
    bool kind_ok = p->u.join.build_left
                       ? k == 5 /* SEMI */ || k == 6 /* ANTI */ || k == LH_JOIN_KIND_MARK
                       : k == 0 /* INNER */ || k == 2 /* RIGHT */ || k == 5 /* SEMI */;
    return kind_ok && p->u.join.nkeys && p->u.join.nkeys <= MAX_KEYS;
}

static int walk(lh_arena_t *a, const lh_plan_t *root, lh_plan_t *p)
{
    if (!p) return 0;
    for (int i = 0; i < 2; i++) {
        int rc = walk(a, root, p->child[i]);
        if (rc) return rc;
    }
    return p->kind == LH_PLAN_JOIN && wants_filter(p) ? place(a, root, p) : 0;
}

int lh__opt_runtime_filters(lh_arena_t *a, lh_plan_t *plan)
{
    return walk(a, plan, plan);
}
