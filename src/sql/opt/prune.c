/* Column pruning: walks the plan from the top with the set of output
 * columns each node's parent reads, derives what the node reads of its
 * children (its expressions' columns plus what passes through), and at each
 * Parquet, memory or text scan records the union (a scan under several parents, as in
 * GROUPING SETS, reads what any of them needs). */
#include <string.h>

#include "sql/opt/opt.h"
#include "sql/opt/opt_int.h"

static bool *mask(lh_arena_t *a, uint32_t n)
{
    return lh_arena_calloc(a, n + 1);
}

static int walk(lh_arena_t *a, lh_plan_t *p, const bool *need);

static int child(lh_arena_t *a, lh_plan_t *c, const bool *need)
{
    return c ? walk(a, c, need) : 0;
}

/* Adds need to the node's mask of columns read (made on first use). */
static int mark_read(lh_arena_t *a, bool **read, const bool *need, uint32_t n)
{
    if (!*read && !(*read = mask(a, n))) return LH_ENOMEM;
    for (uint32_t i = 0; i < n; i++)
        (*read)[i] |= need[i];
    return 0;
}

static int walk_join(lh_arena_t *a, lh_plan_t *p, const bool *need)
{
    if (mark_read(a, &p->u.join.read, need, p->ncols)) return LH_ENOMEM;
    lh_plan_t *l = p->child[0], *r = p->child[1];
    bool *ln = mask(a, l->ncols), *rn = mask(a, r->ncols), *both = mask(a, l->ncols + r->ncols);
    if (!ln || !rn || !both) return LH_ENOMEM;
    for (uint32_t i = 0; i < l->ncols && i < p->ncols; i++)
        ln[i] = need[i];
    bool semi = p->u.join.kind == 5 /* SEMI */ || p->u.join.kind == 6 /* ANTI */ ||
                p->u.join.kind == LH_JOIN_KIND_MARK;
    for (uint32_t i = 0; !semi && i < r->ncols && l->ncols + i < p->ncols; i++)
        rn[i] = need[l->ncols + i];
    for (uint32_t k = 0; k < p->u.join.nkeys; k++) {
        lh_bx_refs(p->u.join.left_keys[k], ln, l->ncols);
        lh_bx_refs(p->u.join.right_keys[k], rn, r->ncols);
    }
    lh_bx_refs(p->u.join.cond, both, l->ncols + r->ncols);
    for (uint32_t i = 0; i < l->ncols; i++)
        ln[i] |= both[i];
    for (uint32_t i = 0; i < r->ncols; i++)
        rn[i] |= both[l->ncols + i];
    int rc = walk(a, l, ln);
    return rc ? rc : walk(a, r, rn);
}

static int walk(lh_arena_t *a, lh_plan_t *p, const bool *need)
{
    lh_plan_t *c = p->child[0];
    uint32_t nc = c ? c->ncols : 0;
    bool *cn = c ? mask(a, nc) : NULL;
    if (c && !cn) return LH_ENOMEM;
    switch ((lh_plan_kind_t)p->kind) {
    case LH_PLAN_SCAN_PARQUET:
        return mark_read(a, &p->u.pq.read, need, p->ncols);
    case LH_PLAN_SCAN_MEMORY:
        return mark_read(a, &p->u.mem.read, need, p->ncols);
    case LH_PLAN_SCAN_TEXT: {
        /* a derived column read: the columns it is computed from too */
        uint32_t base = p->ncols - p->u.text.nderived;
        bool *all = mask(a, p->ncols);
        if (!all) return LH_ENOMEM;
        memcpy(all, need, p->ncols);
        for (uint32_t k = 0; k < p->u.text.nderived; k++)
            if (need[base + k]) lh_bx_refs(p->u.text.derived[k], all, base);
        return mark_read(a, &p->u.text.read, all, p->ncols);
    }
    case LH_PLAN_PROJECT:
        for (uint32_t i = 0; i < p->ncols; i++)
            if (need[i]) lh_bx_refs(p->u.project.exprs[i], cn, nc);
        return child(a, c, cn);
    case LH_PLAN_FILTER:
        memcpy(cn, need, nc);
        lh_bx_refs(p->u.filter.cond, cn, nc);
        if (p->u.filter.rtf_join)
            for (uint32_t k = 0; k < (p->u.filter.rtf_one ? 1 : p->u.filter.rtf_join->u.join.nkeys);
                 k++)
                lh_bx_refs(p->u.filter.rtf_keys[k], cn, nc);
        return child(a, c, cn);
    case LH_PLAN_AGGREGATE:
        for (uint32_t i = 0; i < p->u.agg.ngroups; i++)
            lh_bx_refs(p->u.agg.groups[i], cn, nc);
        for (uint32_t j = 0; j < p->u.agg.naggs; j++) {
            for (uint32_t i = 0; i < p->u.agg.aggs[j].nargs; i++)
                lh_bx_refs(p->u.agg.aggs[j].args[i], cn, nc);
            lh_bx_refs(p->u.agg.aggs[j].filter, cn, nc);
        }
        return child(a, c, cn);
    case LH_PLAN_SORT:
        memcpy(cn, need, nc);
        for (uint32_t k = 0; k < p->u.sort.nkeys; k++)
            lh_bx_refs(p->u.sort.keys[k].expr, cn, nc);
        return child(a, c, cn);
    case LH_PLAN_LIMIT:
        memcpy(cn, need, nc);
        return child(a, c, cn);
    case LH_PLAN_WINDOW:
        if (mark_read(a, &p->u.window.read, need, p->ncols)) return LH_ENOMEM;
        for (uint32_t i = 0; i < nc; i++)
            cn[i] = need[i];
        for (uint32_t k = 0; k < p->u.window.n; k++) {
            const lh_plan_window_t *w = &p->u.window.wins[k];
            for (uint32_t i = 0; i < w->nargs; i++)
                lh_bx_refs(w->args[i], cn, nc);
            for (uint32_t i = 0; i < w->npartition; i++)
                lh_bx_refs(w->partition[i], cn, nc);
            for (uint32_t i = 0; i < w->norder; i++)
                lh_bx_refs(w->order[i].expr, cn, nc);
        }
        return child(a, c, cn);
    case LH_PLAN_UNION: {
        memcpy(cn, need, nc);
        int rc = child(a, c, cn);
        return rc ? rc : child(a, p->child[1], need);
    }
    case LH_PLAN_JOIN:
        return walk_join(a, p, need);
    default: { /* SETOP compares whole rows; INSERT, DDL: every column */
        for (uint32_t i = 0; i < nc; i++)
            cn[i] = true;
        int rc = child(a, c, cn);
        if (rc || !p->child[1]) return rc;
        bool *all = mask(a, p->child[1]->ncols);
        if (!all) return LH_ENOMEM;
        memset(all, 1, p->child[1]->ncols);
        return child(a, p->child[1], all);
    }
    }
}

int lh_opt_prune_columns(lh_arena_t *a, lh_plan_t *plan)
{
    bool *all = mask(a, plan->ncols);
    if (!all) return LH_ENOMEM;
    memset(all, 1, plan->ncols);
    return walk(a, plan, all);
}
