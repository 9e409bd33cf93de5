/* Aggregates over window frames (the window operator's part for sum, avg,
 * ... OVER (...)): a frame that starts at the partition's first row runs
 * incrementally; any other frame of more than a few rows queries a segment
 * tree of aggregate states, so a partition costs O(n log n), not
 * O(n * frame); short frames are folded row by row. */
#include <stdlib.h>
#include <string.h>

#include "sql/exec/win_int.h"

/* Folds the rows idx[a..b) into state with the aggregate's update_one. */
static int fold_rows(lh_op_t *op, win_op_t *st, const lh_plan_window_t *w, const uint32_t *ac,
                     const part_t *pt, uint64_t a, uint64_t b, void *state, lh_vector_t *tmp)
{
    lh_sql_actx_t ax = {
        .bind_data = w->bind_data, .err = op->ex->err, .pos = w->pos, .arena = st->agg_arena};
    while (a < b) {
        uint32_t m = b - a > LH_BATCH_ROWS ? LH_BATCH_ROWS : (uint32_t)(b - a);
        for (uint32_t i = 0; i < w->nargs; i++) {
            lh_vector_reset(&tmp[i]);
            for (uint32_t k = 0; k < m; k++)
                if (lh__win_copy_value(&tmp[i], k, st, ac[i], pt->idx[a + k]))
                    return lh__win_oom(op);
        }
        int rc;
        if (w->agg->update_one)
            rc = w->agg->update_one(&ax, tmp, w->nargs, m, state);
        else {
            void *ptrs[LH_BATCH_ROWS];
            for (uint32_t k = 0; k < m; k++)
                ptrs[k] = state;
            rc = w->agg->update(&ax, tmp, w->nargs, m, ptrs);
        }
        if (rc) return rc;
        a += m;
    }
    return 0;
}

static int finalize_into(lh_op_t *op, win_op_t *st, const lh_plan_window_t *w, void *state,
                         lh_vector_t *one, lh_vector_t *res, uint64_t g)
{
    lh_sql_actx_t ax = {
        .bind_data = w->bind_data, .err = op->ex->err, .pos = w->pos, .arena = st->agg_arena};
    lh_vector_reset(one);
    void *ptrs[1] = {state};
    int rc = w->agg->finalize(&ax, ptrs, 1, one);
    if (rc) return rc;
    uint32_t z = 0;
    return lh_vector_copy(res, (uint32_t)g, one, &z, 1) ? lh__win_oom(op) : 0;
}

/* ---- sliding frames: a segment tree of aggregate states ----
 * Leaves hold the states of LEAF consecutive rows, every inner node the
 * combination of its two children; a frame folds its partial leaves row by
 * row and combines O(log n) nodes in row order (left side ascending, right
 * side collected and replayed), so order-sensitive aggregates see their rows
 * in frame order. O(n log n) for a partition instead of O(n * frame). */

#define LEAF 32

typedef struct segtree {
    uint8_t *nodes; /* 2 * m states, the leaves at [m, 2m) */
    uint64_t m;
    size_t ss; /* state stride */
} segtree_t;

static uint8_t *node_at(const segtree_t *t, uint64_t i)
{
    return t->nodes + i * t->ss;
}

static void tree_free(const lh_plan_window_t *w, segtree_t *t)
{
    for (uint64_t i = 1; t->nodes && w->agg->destroy && i < 2 * t->m; i++)
        w->agg->destroy(node_at(t, i));
    free(t->nodes);
    memset(t, 0, sizeof *t);
}

static int tree_build(lh_op_t *op, win_op_t *st, const lh_plan_window_t *w, const uint32_t *ac,
                      const part_t *pt, segtree_t *t, lh_vector_t *tmp)
{
    lh_sql_actx_t ax = {
        .bind_data = w->bind_data, .err = op->ex->err, .pos = w->pos, .arena = st->agg_arena};
    t->m = (pt->pe - pt->ps + LEAF - 1) / LEAF;
    t->ss = (w->agg->state_size + 15) & ~(size_t)15;
    t->nodes = calloc(2 * t->m, t->ss);
    if (!t->nodes) return lh__win_oom(op);
    for (uint64_t j = 0; j < t->m; j++) { /* calloc'd states are destroyable after init only */
        uint64_t a = pt->ps + j * LEAF, b = a + LEAF < pt->pe ? a + LEAF : pt->pe;
        w->agg->init(w->bind_data, node_at(t, t->m + j));
        int rc = fold_rows(op, st, w, ac, pt, a, b, node_at(t, t->m + j), tmp);
        if (rc) return rc;
    }
    for (uint64_t i = t->m; i-- > 1;) {
        uint8_t *s = node_at(t, i);
        w->agg->init(w->bind_data, s);
        int rc = w->agg->combine(&ax, node_at(t, 2 * i), s);
        if (!rc) rc = w->agg->combine(&ax, node_at(t, 2 * i + 1), s);
        if (rc) return rc;
    }
    return 0;
}

/* The frame [a, b) folded into state (initialised here). */
static int tree_query(lh_op_t *op, win_op_t *st, const lh_plan_window_t *w, const uint32_t *ac,
                      const part_t *pt, const segtree_t *t, uint64_t a, uint64_t b, void *state,
                      lh_vector_t *tmp)
{
    lh_sql_actx_t ax = {
        .bind_data = w->bind_data, .err = op->ex->err, .pos = w->pos, .arena = st->agg_arena};
    w->agg->init(w->bind_data, state);
    uint64_t ja = (a - pt->ps + LEAF - 1) / LEAF, jb = (b - pt->ps) / LEAF;
    if (a >= b || ja >= jb) return fold_rows(op, st, w, ac, pt, a, b, state, tmp);
    int rc = fold_rows(op, st, w, ac, pt, a, pt->ps + ja * LEAF, state, tmp);
    uint64_t l = ja + t->m, r = jb + t->m, right[128];
    uint32_t nr = 0;
    for (; !rc && l < r; l >>= 1, r >>= 1) {
        if (l & 1) rc = w->agg->combine(&ax, node_at(t, l++), state);
        if (r & 1) right[nr++] = --r;
    }
    while (!rc && nr)
        rc = w->agg->combine(&ax, node_at(t, right[--nr]), state);
    return rc ? rc : fold_rows(op, st, w, ac, pt, pt->ps + jb * LEAF, b, state, tmp);
}

int lh__win_agg_partition(lh_op_t *op, win_op_t *st, const lh_plan_window_t *w, const uint32_t *oc,
                          const uint32_t *ac, const part_t *pt, lh_vector_t *res)
{
    uint8_t *state = lh_arena_calloc(st->agg_arena, w->agg->state_size + 16);
    lh_vector_t tmp[LH_SQL_MAX_ARGS], one;
    memset(tmp, 0, sizeof tmp);
    memset(&one, 0, sizeof one);
    int rc = state ? 0 : lh__win_oom(op);
    for (uint32_t i = 0; !rc && i < w->nargs; i++)
        if (lh_vector_init(&tmp[i], &w->args[i]->type, LH_BATCH_ROWS, st->agg_arena))
            rc = lh__win_oom(op);
    if (!rc && lh_vector_init(&one, &w->type, 1, st->agg_arena)) rc = lh__win_oom(op);
    bool running = w->start == LH_WB_UNBOUNDED_PRECEDING;
    segtree_t tree = {0};
    uint64_t done = pt->ps;
    if (!rc && running) w->agg->init(w->bind_data, state);
    for (uint64_t i = pt->ps; !rc && i < pt->pe; i++) {
        uint64_t a, b;
        lh__win_frame(st, w, oc, pt, i, &a, &b);
        if (running && b >= done) {
            rc = fold_rows(op, st, w, ac, pt, done, b, state, tmp);
            done = b;
        } else {
            if (running && w->agg->destroy) w->agg->destroy(state);
            running = false;
            if (!tree.nodes && w->agg->combine && b - a > 2 * LEAF)
                rc = tree_build(op, st, w, ac, pt, &tree, tmp);
            if (rc) break;
            if (tree.nodes)
                rc = tree_query(op, st, w, ac, pt, &tree, a, b, state, tmp);
            else {
                w->agg->init(w->bind_data, state);
                rc = fold_rows(op, st, w, ac, pt, a, b, state, tmp);
            }
            done = b;
        }
        if (!rc) rc = finalize_into(op, st, w, state, &one, res, pt->idx[i]);
        if (!running && w->agg->destroy) w->agg->destroy(state);
    }
    if (running && w->agg->destroy && state) w->agg->destroy(state);
    tree_free(w, &tree);
    for (uint32_t i = 0; i < w->nargs; i++)
        lh_vector_release(&tmp[i]);
    lh_vector_release(&one);
    return rc;
}
