/* A scan: the projection resolved to plans, the leaves it needs, row groups
 * pruned on their chunk statistics, each kept row group's chunks fetched
 * (objects: ranged GETs, up to four at once on threads; files: pread), and
 * batches of up to LH_BATCH_ROWS rows, never across a row group. Primitive
 * columns without repetition decode straight into the batch; nested ones go
 * through their levels (assemble.c). */
#include "parquet/reader_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define FETCH_THREADS 4

static void end_scan(lh_pq_reader_t *r)
{
    lh_batch_free(r->batch);
    r->batch = NULL;
    lh_arena_free(r->scan_arena);
    r->scan_arena = NULL;
    r->outs = NULL;
    r->nouts = 0;
    r->scanning = false;
    r->rg = 0;
    r->rg_left = 0;
    r->rg_pruned = 0;
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
    end_scan(r);
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
    if (!r->chunks && !(r->chunks = calloc(r->nleaves, sizeof *r->chunks))) return nomem(err);
    for (uint32_t l = 0; l < r->nleaves; l++) {
        if (!uses[l] || r->chunks[l]) continue;
        if (!(r->chunks[l] = calloc(1, sizeof *r->chunks[l]))) return nomem(err);
        r->chunks[l]->leaf = &r->leaves[l];
        r->chunks[l]->leaf_idx = (int32_t)l;
    }
    for (uint32_t l = 0; l < r->nleaves; l++)
        if (!uses[l] && r->chunks[l]) {
            lh__pq_chunk_free(r->chunks[l]);
            r->chunks[l] = NULL;
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

typedef struct {
    lh_pq_reader_t *r;
    const lh_pq_row_group_t *rg;
    uint32_t *list, n;
    atomic_uint next;
    atomic_int rc;
    lh_err_t err;
    pthread_mutex_t mu;
} fetch_t;

static int fetch_one(lh_pq_reader_t *r, const lh_pq_row_group_t *rg, uint32_t leaf, lh_err_t *err)
{
    lh__pq_chunk_t *ch = r->chunks[leaf];
    const lh_pq_column_meta_t *cm = &rg->columns[leaf].meta_data;
    int64_t start = cm->data_page_offset;
    if (cm->has_dictionary_page_offset && cm->dictionary_page_offset > 0 &&
        cm->dictionary_page_offset < start)
        start = cm->dictionary_page_offset;
    size_t len = (size_t)cm->total_compressed_size;
    if (len > ch->raw_cap) {
        uint8_t *p = realloc(ch->raw, len);
        if (!p) return nomem(err);
        ch->raw = p;
        ch->raw_cap = len;
    }
    ch->raw_len = len;
    return lh__pq_read_range(r, (uint64_t)start, len, ch->raw, err);
}

static void *fetch_thread(void *arg)
{
    fetch_t *f = arg;
    for (;;) {
        uint32_t i = atomic_fetch_add(&f->next, 1);
        if (i >= f->n || atomic_load(&f->rc)) break;
        lh_err_t e = {0};
        int rc = fetch_one(f->r, f->rg, f->list[i], &e);
        if (rc) {
            pthread_mutex_lock(&f->mu);
            if (!atomic_load(&f->rc)) {
                f->err = e;
                atomic_store(&f->rc, rc);
            }
            pthread_mutex_unlock(&f->mu);
        }
    }
    return NULL;
}

static int fetch_parallel(lh_pq_reader_t *r, const lh_pq_row_group_t *rg, uint32_t *list,
                          uint32_t n, lh_err_t *err)
{
    fetch_t f = {.r = r, .rg = rg, .list = list, .n = n};
    atomic_init(&f.next, 0);
    atomic_init(&f.rc, 0);
    pthread_mutex_init(&f.mu, NULL);
    pthread_t th[FETCH_THREADS];
    uint32_t nt = n < FETCH_THREADS ? n : FETCH_THREADS, started = 0;
    for (; started < nt; started++)
        if (pthread_create(&th[started], NULL, fetch_thread, &f)) break;
    if (!started) fetch_thread(&f);
    for (uint32_t i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_destroy(&f.mu);
    int rc = atomic_load(&f.rc);
    if (rc && err) *err = f.err;
    return rc;
}

static int load_row_group(lh_pq_reader_t *r, uint32_t g, lh_err_t *err)
{
    const lh_pq_row_group_t *rg = &r->meta->row_groups[g];
    uint32_t list[r->nleaves ? r->nleaves : 1], n = 0;
    for (uint32_t l = 0; l < r->nleaves; l++)
        if (r->chunks[l]) list[n++] = l;
    int rc = 0;
    if (r->os && n > 1) {
        rc = fetch_parallel(r, rg, list, n, err);
    } else {
        for (uint32_t i = 0; i < n && !rc; i++)
            rc = fetch_one(r, rg, list[i], err);
    }
    for (uint32_t i = 0; i < n && !rc; i++)
        rc = lh__pq_chunk_load(r->chunks[list[i]], &rg->columns[list[i]].meta_data, rg->num_rows,
                               err);
    return rc;
}

static int next_batch(lh_pq_reader_t *r, lh_batch_t **out, lh_err_t *err)
{
    while (!r->rg_left) {
        if (r->rg >= r->meta->nrow_groups) return 0;
        uint32_t g = r->rg++;
        if (!r->meta->row_groups[g].num_rows) continue;
        if (pruned(r, g)) {
            r->rg_pruned++;
            continue;
        }
        int rc = load_row_group(r, g, err);
        if (rc) return rc;
        r->rg_left = r->meta->row_groups[g].num_rows;
    }
    uint32_t n = r->rg_left < LH_BATCH_ROWS ? (uint32_t)r->rg_left : LH_BATCH_ROWS;
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
    r->rg_left -= n;
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
