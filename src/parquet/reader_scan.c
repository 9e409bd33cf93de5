/* A scan: the projection resolved to plans, the leaves it needs, row groups
 * pruned on their chunk statistics, then their rows narrowed to the ranges
 * the page index allows (reader_pages.c), each kept row group loaded (the
 * next one in the background while this one is read: reader_fetch.c), and
 * batches of up to LH_BATCH_ROWS rows, never across a row group or a
 * range; between ranges every chunk skips the same rows. Primitive
 * columns without repetition decode straight into the batch; nested ones go
 * through their levels (assemble.c). */
#include "parquet/reader_int.h"

#include <stdlib.h>
#include <string.h>

static void end_scan(lh_pq_reader_t *r)
{
    lh__pq_prefetch_stop(r);
    r->pending_valid = false;
    lh_batch_free(r->batch);
    r->batch = NULL;
    lh_arena_free(r->scan_arena);
    r->scan_arena = NULL;
    r->outs = NULL;
    r->nouts = 0;
    r->scanning = false;
    r->rg = 0;
    r->rg_pruned = 0;
    r->pages_pruned = 0;
    r->group_open = false;
    if (!r->sel) r->sel = &r->rows_a, r->sel_next = &r->rows_b;
}

/* The plan a path names (top-level column, then STRUCT fields). */
static const lh__pq_plan_t *resolve(const lh_pq_reader_t *r, const lh_col_path_t *p)
{
    if (!p->depth || p->depth > LH_COL_PATH_MAX || p->idx[0] >= r->ntop) return NULL;
    const lh__pq_plan_t *pl = r->top[p->idx[0]];
    for (uint32_t d = 1; d < p->depth; d++) {
        if (pl->kind != LH__PL_STRUCT || p->idx[d] >= pl->nchildren) return NULL;
        pl = pl->children[p->idx[d]];
    }
    return pl;
}

static void mark_leaves(const lh__pq_plan_t *p, uint32_t *uses)
{
    if (p->kind == LH__PL_PRIM) {
        uses[p->leaf]++;
        return;
    }
    for (uint32_t i = 0; i < p->nchildren; i++)
        mark_leaves(p->children[i], uses);
}

static int nomem(lh_err_t *err)
{
    return lh_err_set(err, LH_ENOMEM, "out of memory");
}

int lh_pq_reader_scan(lh_pq_reader_t *r, const lh_scan_req_t *req, lh_err_t *err)
{
    return lh_pq_reader_scan_groups(r, req, 0, UINT32_MAX, err);
}

int lh_pq_reader_scan_groups(lh_pq_reader_t *r, const lh_scan_req_t *req, uint32_t first,
                             uint32_t count, lh_err_t *err)
{
    end_scan(r);
    uint32_t ng = r->meta->nrow_groups;
    r->rg = first < ng ? first : ng;
    r->rg_end = count < ng - r->rg ? r->rg + count : ng;
    static const lh_scan_req_t all = {.all_columns = true};
    r->req = req ? *req : all;
    if (!(r->scan_arena = lh_arena_new(4096))) return nomem(err);
    bool every = r->req.all_columns;
    r->nouts = every ? r->ntop : r->req.ncolumns;
    r->outs = lh_arena_calloc(r->scan_arena, (r->nouts + 1) * sizeof *r->outs);
    r->out_types = lh_arena_calloc(r->scan_arena, (r->nouts + 1) * sizeof *r->out_types);
    uint32_t *uses = lh_arena_calloc(r->scan_arena, r->nleaves * sizeof *uses);
    if (!r->outs || !r->out_types || !uses) return nomem(err);
    for (uint32_t i = 0; i < r->nouts; i++) {
        const lh__pq_plan_t *p = every ? r->top[i] : resolve(r, &r->req.columns[i]);
        if (!p) return lh_err_set(err, LH_EINVAL, "projected column %u names no column", i);
        r->outs[i].plan = p;
        r->out_types[i] = p->type;
        mark_leaves(p, uses);
    }
    for (uint32_t i = 0; i < r->nouts; i++) {
        const lh__pq_plan_t *p = r->outs[i].plan;
        r->outs[i].flat =
            p->kind == LH__PL_PRIM && !r->leaves[p->leaf].max_rep && uses[p->leaf] == 1;
    }
    lh__pq_chunk_t ***sets[2] = {&r->chunks, &r->spare};
    for (int k = 0; k < 2; k++) {
        lh__pq_chunk_t **set = *sets[k];
        if (!set && !(set = *sets[k] = calloc(r->nleaves, sizeof *set))) return nomem(err);
        for (uint32_t l = 0; l < r->nleaves; l++) {
            if (!uses[l] && set[l]) {
                lh__pq_chunk_free(set[l]);
                set[l] = NULL;
            }
            if (!uses[l]) continue;
            if (!set[l] && !(set[l] = calloc(1, sizeof *set[l]))) return nomem(err);
            set[l]->leaf = &r->leaves[l];
            set[l]->leaf_idx = (int32_t)l;
            set[l]->flat_bits = false;
        }
        for (uint32_t i = 0; i < r->nouts; i++) {
            const lh__pq_leaf_t *lf = &r->leaves[r->outs[i].plan->leaf];
            if (r->outs[i].flat && lf->max_def == 1) set[r->outs[i].plan->leaf]->flat_bits = true;
        }
    }
    int rc = lh_batch_new(r->out_types, r->nouts, &r->batch);
    if (rc) return lh_err_set(err, rc, "cannot make a batch for the projection");
    r->scanning = true;
    return 0;
}

uint32_t lh_pq_reader_pruned(const lh_pq_reader_t *r)
{
    return r->rg_pruned;
}

uint64_t lh_pq_reader_pages_pruned(const lh_pq_reader_t *r)
{
    return r->pages_pruned;
}

/* Whether the predicates rule row group g out. */
static bool pruned(lh_pq_reader_t *r, uint32_t g)
{
    uint32_t n = r->req.npreds;
    if (!n || n > 64) return false;
    lh_stats_t st[64];
    const lh_stats_t *ptr[64];
    for (uint32_t i = 0; i < n; i++) {
        ptr[i] = NULL;
        const lh__pq_plan_t *p = resolve(r, &r->req.preds[i].column);
        if (!p || p->kind != LH__PL_PRIM || r->leaves[p->leaf].max_rep) continue;
        if (!lh_pq_reader_chunk_stats(r, g, (uint32_t)p->leaf, &st[i])) ptr[i] = &st[i];
    }
    return !lh_preds_might_match(r->req.preds, n, ptr);
}

/* The next row group with rows that the predicates do not rule out (its
 * rows in sel), or UINT32_MAX in *out. */
static int next_group(lh_pq_reader_t *r, lh__pq_rows_t *sel, uint32_t *out, lh_err_t *err)
{
    *out = UINT32_MAX;
    while (r->rg < r->rg_end) {
        uint32_t g = r->rg++;
        if (!r->meta->row_groups[g].num_rows) continue;
        if (pruned(r, g)) {
            r->rg_pruned++;
            continue;
        }
        int rc = lh__pq_select_rows(r, g, sel, err);
        if (rc) return rc;
        if (!sel->n) {
            r->rg_pruned++;
            continue;
        }
        *out = g;
        return 0;
    }
    return 0;
}

/* Loads the next row group (its rows: r->sel); 1 at the end. */
static int open_group(lh_pq_reader_t *r, lh_err_t *err)
{
    uint32_t g = r->pending;
    int rc = 0;
    if (!r->pending_valid && (rc = next_group(r, r->sel_next, &g, err))) return rc;
    r->pending_valid = false;
    if (g == UINT32_MAX) return 1;
    rc = lh__pq_prefetch_take(r, g, err); /* the prefetch read r->sel_next */
    if (rc == 1) rc = lh__pq_load_group(r, g, r->chunks, r->sel_next, err);
    lh__pq_rows_t *t = r->sel;
    r->sel = r->sel_next;
    r->sel_next = t;
    if (rc) return rc;
    for (uint32_t l = 0; l < r->nleaves; l++)
        if (r->chunks[l]) r->pages_pruned += r->chunks[l]->skipped;
    r->group_open = true;
    r->sel_i = 0;
    r->rg_row = 0;
    uint32_t g2;
    if ((rc = next_group(r, r->sel_next, &g2, err))) return rc;
    if (g2 != UINT32_MAX) {
        r->pending = g2;
        r->pending_valid = true;
        lh__pq_prefetch_start(r, g2);
    }
    return 0;
}

/* Rows the next batch takes from the loaded row group (skipping every
 * chunk to the next selected range); 0: the row group is done. */
static int next_rows(lh_pq_reader_t *r, uint32_t *n, lh_err_t *err)
{
    *n = 0;
    for (; r->sel_i < r->sel->n; r->sel_i++) {
        int64_t s = r->sel->r[2 * r->sel_i], e = r->sel->r[2 * r->sel_i + 1];
        if (r->rg_row < s) {
            for (uint32_t l = 0; l < r->nleaves; l++) {
                int rc = r->chunks[l] ? lh__pq_chunk_skip(r->chunks[l], s - r->rg_row, err) : 0;
                if (rc) return rc;
            }
            r->rg_row = s;
        }
        if (r->rg_row < e) {
            *n = e - r->rg_row < LH_BATCH_ROWS ? (uint32_t)(e - r->rg_row) : LH_BATCH_ROWS;
            return 0;
        }
    }
    return 0;
}

static int next_batch(lh_pq_reader_t *r, lh_batch_t **out, lh_err_t *err)
{
    uint32_t n = 0;
    for (;;) {
        int rc = r->group_open ? next_rows(r, &n, err) : 0;
        if (rc) return rc;
        if (n) break;
        r->group_open = false;
        if ((rc = open_group(r, err))) return rc == 1 ? 0 : rc;
    }
    lh_batch_t *b = r->batch;
    lh_batch_reset(b);
    /* nested leaves: levels and values of the batch, once per leaf */
    for (uint32_t l = 0; l < r->nleaves; l++) {
        lh__pq_chunk_t *ch = r->chunks[l];
        bool flat_only = false;
        for (uint32_t i = 0; i < r->nouts; i++)
            if (r->outs[i].flat && r->outs[i].plan->leaf == (int32_t)l) flat_only = true;
        if (!ch || flat_only) continue;
        int rc = lh__pq_chunk_read_levels(ch, n, err);
        if (rc) return rc;
    }
    for (uint32_t i = 0; i < r->nouts; i++) {
        const lh__pq_plan_t *p = r->outs[i].plan;
        int rc = r->outs[i].flat
                     ? lh__pq_chunk_read_flat(r->chunks[p->leaf], &b->cols[i], n, true, err)
                     : lh__pq_assemble(p, r->chunks, &b->cols[i], n, err);
        if (rc) return rc;
    }
    b->count = n;
    r->rg_row += n;
    *out = b;
    return 0;
}

int lh_pq_reader_next(lh_pq_reader_t *r, lh_batch_t **out, lh_err_t *err)
{
    *out = NULL;
    if (!r->scanning) return 0;
    int rc = next_batch(r, out, err);
    if (rc || !*out) {
        r->scanning = false;
        *out = NULL;
    }
    return rc;
}
