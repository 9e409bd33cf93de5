/* HASH_GROUP_BY on the pool's threads: each worker folds morsels of the
 * input into a table of its own (a private copy of the operator and of its
 * pipeline); then the first worker's table is taken over and the others are
 * merged into it (a DISTINCT aggregate by its rows: a value two workers both
 * saw counts once). (Merging by hash parts on every thread was tried: it
 * re-inserts every group instead of the others' only, and measured slower
 * on 2 cores with 1e7 groups.)
 *
 * With many groups (a sample of the input's first rows has at least one
 * group per SPREAD_MIN rows) over a memory table read through filters and
 * projections, the merge would cost as much as the build: then every worker
 * reads the whole input and keeps only the rows whose hash falls in its
 * part (lh__gb_part), so the tables hold different groups and are chained,
 * not merged. Reading a memory table twice costs little next to that. */
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"
#include "sql/exec/groupby_int.h"
#include "sql/exec/morsel.h"
#include "sql/exec/rowops.h"

#define SAMPLE_BATCHES 4 /* the sample: the first batches of the input */
#define SPREAD_MIN 10    /* rows per group below which the input is split by part */

typedef struct agg_worker {
    lh_exec_t ex;
    lh_sql_error_t err;
    lh_op_t *op; /* a private aggregate operator over the same plan (ex: the worker's) */
    agg_op_t *st;
    lh_op_t *child; /* the worker's own copy of the pipeline */
    int rc;
} agg_worker_t;

static int worker_run(void *arg, size_t i, unsigned worker)
{
    agg_worker_t *w = (agg_worker_t *)arg + i;
    (void)worker;
    w->rc = lh__gb_consume(w->op, w->st, w->child);
    return 0; /* every worker runs to its end; errors are collected after */
}

static int worker_new(lh_op_t *op, lh_morsels_t *m, agg_worker_t *w)
{
    w->ex = *op->ex;
    w->ex.err = &w->err;
    w->ex.morsels = m;
    w->ex.analyze = false;
    lh_sql_err_clear(&w->err);
    if (!(w->ex.arena = lh_arena_new(65536))) return LH_ENOMEM;
    if (!(w->st = calloc(1, sizeof *w->st))) return LH_ENOMEM;
    int rc = lh__op_new(&w->ex, op->plan, 0, &w->op);
    if (!rc) rc = lh__gb_setup(w->op, w->st);
    if (!rc) rc = lh_op_build(&w->ex, op->plan->child[0], &w->child);
    return rc;
}

/* Frees table t of worker w; main keeps its state arena, which merged states
 * may point into. */
static void table_free(agg_worker_t *w, agg_op_t *t, agg_op_t *main)
{
    if (!t) return;
    lh__gb_free_state(w->op, t, true);
    if (t->state_arena) {
        lh_arena_t **k = realloc(main->kept, (main->nkept + 1) * sizeof *k);
        if (k) {
            main->kept = k;
            k[main->nkept++] = t->state_arena;
        } else
            lh_arena_free(t->state_arena); /* unreachable in practice: tiny */
    }
    free(t);
}

static void worker_free(agg_worker_t *w, agg_op_t *main)
{
    lh_op_close_tree(w->child);
    table_free(w, w->st, main);
    if (w->op) lh__exec_release(&w->ex, w->op->charged);
    lh_arena_free(w->ex.arena);
}

/* A worker's DISTINCT rows of aggregate j into the main table: the rows its
 * set lacks are folded into their groups' states, the others into scratch. */
typedef struct dmerge {
    lh_op_t *op;
    agg_op_t *st;
    uint32_t j;
    const uint64_t *gmap; /* the worker's group g is the main table's gmap[g]; NULL: group 0 */
    void *scratch;
} dmerge_t;

static int merge_distinct(void *arg, const lh_vector_t *cols, const uint64_t *groups, uint32_t n)
{
    dmerge_t *d = arg;
    agg_op_t *st = d->st;
    const lh_plan_agg_t *a = &d->op->plan->u.agg.aggs[d->j];
    uint64_t *mg = st->gid; /* free while tables merge */
    bool added[LH_BATCH_ROWS];
    for (uint32_t i = 0; i < n; i++)
        mg[i] = d->gmap ? d->gmap[groups[i]] : 0;
    if (lh__rowset_add_rows(st->seen[d->j], mg, cols, n, added, NULL)) return lh__gb_oom(d->op);
    for (uint32_t i = 0; i < n; i++)
        st->ptrs[i] = added[i] ? lh__gb_row(st, mg[i]) + st->offset[d->j] : d->scratch;
    st->actx.bind_data = a->bind_data;
    st->actx.pos = a->pos;
    return a->agg->update(&st->actx, cols, a->nargs, n, st->ptrs);
}

/* Worker table ws into st: its groups found or added, their states combined;
 * a DISTINCT aggregate's state is not (both may have folded a value), its
 * rows are folded again where st's set lacks them. */
static int merge(lh_op_t *op, agg_op_t *st, agg_op_t *ws)
{
    const lh_plan_t *p = op->plan;
    bool distinct = false;
    for (uint32_t j = 0; j < st->naggs; j++)
        distinct |= ws->seen[j] != NULL;
    uint64_t *gmap = NULL;
    if (distinct && st->nkeys && !(gmap = malloc((ws->ngroups + 1) * sizeof *gmap)))
        return lh__gb_oom(op);
    int rc = 0;
    for (uint64_t g = 0; !rc && g < ws->ngroups; g++) {
        uint64_t mg = 0;
        if (st->nkeys) {
            lh_batch_t *c = ws->chunks[g / LH_BATCH_ROWS];
            for (uint32_t k = 0; k < st->nkeys; k++)
                st->kv[k] = &c->cols[k];
            rc = lh__gb_find_or_add(op, st, (uint32_t)(g % LH_BATCH_ROWS), ws->hashes[g], &mg);
            if (rc) break;
        }
        if (gmap) gmap[g] = mg;
        for (uint32_t j = 0; !rc && j < st->naggs; j++) {
            const lh_plan_agg_t *a = &p->u.agg.aggs[j];
            if (ws->seen[j]) continue;
            st->actx.bind_data = a->bind_data;
            rc = a->agg->combine(&st->actx, lh__gb_row(ws, g) + ws->offset[j],
                                 lh__gb_row(st, mg) + st->offset[j]);
        }
    }
    for (uint32_t j = 0; !rc && j < st->naggs; j++) {
        if (!ws->seen[j]) continue;
        const lh_sql_agg_t *agg = p->u.agg.aggs[j].agg;
        dmerge_t d = {.op = op, .st = st, .j = j, .gmap = gmap};
        size_t size = agg->state_size ? (agg->state_size + 15) & ~(size_t)15 : 16;
        if (!(d.scratch = aligned_alloc(16, size))) {
            rc = lh__gb_oom(op);
            break;
        }
        agg->init(p->u.agg.aggs[j].bind_data, d.scratch);
        rc = lh__rowset_each(ws->seen[j], merge_distinct, &d);
        if (agg->destroy) agg->destroy(d.scratch);
        free(d.scratch);
    }
    free(gmap);
    return rc;
}

/* Takes over worker w's table whole when st has none yet (no merging). */
static int adopt(lh_op_t *op, agg_op_t *st, agg_worker_t *w)
{
    agg_op_t *ws = w->st;
    int rc = lh__op_charge(op, w->op->charged);
    if (rc) return rc;
    free(st->chunks);
    free(st->blocks);
    free(st->slots);
    free(st->hashes);
    st->chunks = ws->chunks;
    st->blocks = ws->blocks;
    st->nchunks = ws->nchunks;
    st->cap_chunks = ws->cap_chunks;
    st->ngroups = ws->ngroups;
    st->slots = ws->slots;
    st->mask = ws->mask;
    st->hashes = ws->hashes;
    st->cap_hashes = ws->cap_hashes;
    ws->chunks = NULL;
    ws->blocks = NULL;
    ws->slots = ws->hashes = NULL;
    ws->nchunks = ws->cap_chunks = 0;
    ws->ngroups = ws->cap_hashes = 0;
    for (uint32_t j = 0; j < st->naggs; j++) { /* DISTINCT: what its groups folded */
        lh_rowset_t *seen = st->seen[j];
        st->seen[j] = ws->seen[j];
        ws->seen[j] = seen;
    }
    return 0;
}

/* Appends worker w's groups to st's (their chunks, not copies), charging
 * what its table holds to op. */
static int chain(lh_op_t *op, agg_op_t *st, agg_worker_t *w)
{
    agg_op_t *ws = w->st;
    int rc = lh__op_charge(op, w->op->charged);
    if (rc) return rc;
    uint32_t n = st->nchunks + ws->nchunks;
    if (n > st->cap_chunks) {
        lh_batch_t **c = realloc(st->chunks, n * sizeof *c);
        if (!c) return lh__gb_oom(op);
        st->chunks = c;
        uint8_t **b = realloc(st->blocks, n * sizeof *b);
        if (!b) return lh__gb_oom(op);
        st->blocks = b;
        st->cap_chunks = n;
    }
    memcpy(st->chunks + st->nchunks, ws->chunks, ws->nchunks * sizeof *st->chunks);
    memcpy(st->blocks + st->nchunks, ws->blocks, ws->nchunks * sizeof *st->blocks);
    st->nchunks = n;
    st->ngroups += ws->ngroups;
    ws->nchunks = 0;
    ws->ngroups = 0;
    return 0;
}

/* Whether the input is a memory table through filters and projections only,
 * and a sample of its first rows (pulled from op's own copy of the pipeline,
 * which the parallel build does not use) has a group every SPREAD_MIN rows
 * or more often. */
static bool many_groups(lh_op_t *op, agg_op_t *st)
{
    const lh_plan_t *p = op->plan->child[0];
    while (p->kind == LH_PLAN_FILTER || p->kind == LH_PLAN_PROJECT)
        p = p->child[0];
    if (p->kind != LH_PLAN_SCAN_MEMORY || !st->nkeys) return false;
    enum { CAP = 1 << 14 }; /* > SAMPLE_BATCHES * LH_BATCH_ROWS, a power of two */
    uint64_t *seen = calloc(CAP, sizeof *seen);
    if (!seen) return false;
    uint32_t rows = 0, groups = 0;
    lh_sql_error_t keep = *op->ex->err; /* an error here is the build's to report */
    for (int b = 0; b < SAMPLE_BATCHES; b++) {
        lh_batch_t *in;
        if (lh__op_pull(op->child[0], &in) || !in) break;
        memset(st->h, 0, in->count * sizeof *st->h);
        bool ok = true;
        for (uint32_t k = 0; ok && k < st->nkeys; k++) {
            ok = !lh_expr_eval(st->keys[k], in, NULL, in->count, &st->kv[k]);
            if (ok) lh__hash_column(st->kv[k], in->count, st->h);
        }
        if (!ok) break; /* the parallel build meets the error again */
        for (uint32_t r = 0; r < in->count; r++) {
            uint64_t h = st->h[r] | 1, i = h & (CAP - 1);
            while (seen[i] && seen[i] != h)
                i = (i + 1) & (CAP - 1);
            groups += !seen[i];
            seen[i] = h;
        }
        rows += in->count;
    }
    free(seen);
    *op->ex->err = keep;
    return rows >= LH_BATCH_ROWS && (uint64_t)groups * SPREAD_MIN >= rows;
}

int lh__gb_build_parallel(lh_op_t *op, agg_op_t *st)
{
    int threads = op->ex->threads;
    if (threads < 2 || op->ex->analyze || op->ex->morsels || !op->ex->pool) return 0;
    for (uint32_t j = 0; j < st->naggs; j++) /* DISTINCT merges in no fixed order */
        if (op->plan->u.agg.aggs[j].distinct && op->plan->u.agg.aggs[j].agg->order_sensitive)
            return 0;
    if (threads > 64) threads = 64;
    lh_morsels_t m[64] = {{0}};
    int ok = lh__morsels_init(op->ex, op->plan->child[0], &m[0]);
    if (ok <= 0) return ok;
    bool parts = many_groups(op, st); /* each worker reads everything, keeps its part */
    agg_worker_t *w = calloc((size_t)threads, sizeof *w);
    int rc = w ? 0 : lh__gb_oom(op);
    for (int i = 1; !rc && parts && i < threads; i++)
        if (lh__morsels_init(op->ex, op->plan->child[0], &m[i]) <= 0) rc = lh__gb_oom(op);
    for (int i = 0; !rc && i < threads; i++) {
        rc = worker_new(op, &m[parts ? i : 0], &w[i]);
        if (!rc && parts) {
            w[i].st->nparts = (uint32_t)threads;
            w[i].st->part = (uint32_t)i;
        }
    }
    if (!rc) lh_pool_parallel_for(op->ex->pool, (size_t)threads, worker_run, w);
    for (int i = 0; !rc && i < threads; i++)
        if (w[i].rc) {
            *op->ex->err = w[i].err;
            rc = w[i].rc;
        }
    for (int i = 0; !rc && parts && i < threads; i++)
        rc = chain(op, st, &w[i]);
    if (!rc && !parts && !st->ngroups) rc = adopt(op, st, &w[0]);
    if (!rc && !st->nkeys && !st->ngroups) {
        uint64_t g;
        rc = lh__gb_add_group(op, st, 0, 0, &g);
    }
    for (int i = 1; !rc && !parts && i < threads; i++)
        rc = merge(op, st, w[i].st);
    for (int i = 0; w && i < threads; i++)
        worker_free(&w[i], st);
    free(w);
    for (int i = 0; i < threads; i++)
        lh__morsels_free(&m[i]);
    return rc ? rc : 1;
}
