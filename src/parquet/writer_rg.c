/* Writing a row group's column chunks, their pages made on one thread or on
 * several.
 *
 * One thread (no pool): chunk after chunk, each page made just before it is
 * written, into one reused page (the streaming order of a plain writer).
 *
 * Several (a pool, opts.pool or started for opts.threads): pipelined, with
 * two sets of leaves. When a row group is full its set becomes w->fl and
 * the other set takes the next rows; rg_begin prepares fl's chunks in
 * parallel (lh_pool_parallel_for: dictionary decision, statistics, page
 * cuts), lists every page of the row group and hands the list to one job
 * per pool thread, which make pages (largest first, each into buffers of
 * its own) while the caller's thread goes on shredding the next batches.
 * At the next full row group (or close) rg_end makes what is left on the
 * caller's thread, waits for the jobs, and rg_write writes the pages in
 * file order. So at most two row groups are held: one being built, one
 * being made and written. The pages and their order are the same either
 * way, so are the file's bytes; the sink is only called on the caller's
 * thread. */
#include "core/pool.h"
#include "parquet/writer_int.h"

#include <stdlib.h>
#include <zstd.h>

#define MAX_THREADS 256

struct lh__pq_helper {
    lh_pq_writer_t *w;
    unsigned worker;
};

static int oom(lh_err_t *err)
{
    return lh_err_set(err, LH_ENOMEM, "parquet writer: out of memory");
}

/* At least n tasks, each initialised. */
static int grow_tasks(lh_pq_writer_t *w, size_t n)
{
    if (n <= w->taskcap) return 0;
    size_t cap = w->taskcap ? w->taskcap : 8;
    while (cap < n)
        cap *= 2;
    lh__pq_ptask_t *t = realloc(w->tasks, cap * sizeof *t);
    if (!t) return LH_ENOMEM;
    w->tasks = t;
    lh__pq_ptask_t **o = realloc(w->order, cap * sizeof *o);
    if (!o) return LH_ENOMEM;
    w->order = o;
    for (size_t i = w->taskcap; i < cap; i++)
        lh__pq_ptask_init(&w->tasks[i]);
    w->taskcap = cap;
    return 0;
}

/* The second set of leaves and the helpers' slots. */
static int pipeline_open(lh_pq_writer_t *w)
{
    lh__pq_leaf_t *set = lh_arena_calloc(w->arena, w->nleaves * sizeof *set + 1);
    uint32_t n = w->nworkers - 1;
    w->helpers = calloc(n + 1, sizeof *w->helpers);
    w->hargs = calloc(n + 1, sizeof *w->hargs);
    if (!set || !w->helpers || !w->hargs) return LH_ENOMEM;
    for (uint32_t i = 0; i < w->nleaves; i++)
        lh__pq_leaf_twin(w, &set[i], &w->leaves[i]);
    w->fl = set;
    for (uint32_t k = 0; k < n; k++)
        w->hargs[k] = (struct lh__pq_helper){w, k + 1};
    return 0;
}

int lh__pq_rg_open(lh_pq_writer_t *w, lh_err_t *err)
{
    if (w->o.threads < 0 || w->o.threads > MAX_THREADS)
        return lh_err_set(err, LH_EINVAL, "parquet writer: threads must be 0..%d", MAX_THREADS);
    w->pool = w->o.pool;
    if (!w->pool && w->o.threads > 1) {
        lh_pool_opts_t po = {.name = "parquet_write", .threads = w->o.threads - 1};
        int rc = lh_pool_new(&po, &w->pool, err);
        if (rc) return rc;
        w->own_pool = true;
    }
    w->nworkers = w->pool ? (uint32_t)lh_pool_threads(w->pool) + 1 : 1;
    w->workers = calloc(w->nworkers, sizeof *w->workers);
    if (!w->workers) return oom(err);
    for (uint32_t i = 0; i < w->nworkers; i++)
        lh_buf_init(&w->workers[i].scratch, (size_t)INT32_MAX);
    if (w->pool && pipeline_open(w)) return oom(err);
    return grow_tasks(w, 1) ? oom(err) : 0;
}

void lh__pq_rg_close(lh_pq_writer_t *w)
{
    if (w->inflight) {
        lh_err_t e;
        __atomic_store_n(&w->stop, 1, __ATOMIC_RELAXED);
        lh__pq_rg_end(w, &e);
    }
    if (w->own_pool) lh_pool_destroy(w->pool);
    w->pool = NULL;
    for (uint32_t i = 0; w->workers && i < w->nworkers; i++) {
        ZSTD_freeCCtx(w->workers[i].zctx);
        lh_buf_free(&w->workers[i].scratch);
    }
    free(w->workers);
    for (size_t i = 0; i < w->taskcap; i++)
        lh__pq_ptask_release(&w->tasks[i]);
    free(w->tasks);
    free(w->order);
    free(w->helpers);
    free(w->hargs);
}

/* ---- making pages ---- */

/* Makes the tasks left, in order, with worker k's state, until none is left or one failed. */
static void make_left(lh_pq_writer_t *w, unsigned k)
{
    while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
        size_t i = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED);
        if (i >= w->ntasks) return;
        if (lh__pq_page_make(w, &w->workers[k], w->order[i]))
            __atomic_store_n(&w->stop, 1, __ATOMIC_RELAXED);
    }
}

static int help(lh_job_t *job, void *arg)
{
    (void)job;
    struct lh__pq_helper *h = arg;
    make_left(h->w, h->worker);
    return 0;
}

static int prepare_one(void *arg, size_t i, unsigned worker)
{
    (void)worker;
    lh_pq_writer_t *w = arg;
    lh__pq_leaf_t *l = &w->fl[i];
    l->err.code = 0;
    return lh__pq_chunk_prepare(w, l, &l->err);
}

static int larger_first(const void *a, const void *b)
{
    const lh__pq_ptask_t *x = *(lh__pq_ptask_t *const *)a, *y = *(lh__pq_ptask_t *const *)b;
    if (x->est != y->est) return x->est > y->est ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* The tasks of every prepared chunk, in file order, with their sizes guessed. */
static int plan_tasks(lh_pq_writer_t *w)
{
    size_t n = 0;
    for (uint32_t i = 0; i < w->nleaves; i++)
        n += w->fl[i].dict_mode + w->fl[i].ncuts;
    if (grow_tasks(w, n)) return LH_ENOMEM;
    w->ntasks = 0;
    for (uint32_t i = 0; i < w->nleaves; i++) {
        lh__pq_leaf_t *l = &w->fl[i];
        l->task0 = w->ntasks;
        for (size_t c = 0; c < l->dict_mode + l->ncuts; c++) {
            lh__pq_ptask_t *t = &w->tasks[w->ntasks];
            t->leaf = i;
            t->dict = l->dict_mode && c == 0;
            t->rc = 1; /* not made */
            if (t->dict) {
                t->est = l->dict.plain.len;
            } else {
                memcpy(t->cut, l->cuts[c - l->dict_mode], sizeof t->cut);
                t->est = l->dict_mode ? (t->cut[3] - t->cut[2]) * 2 : t->cut[5] - t->cut[4];
                t->est += (t->cut[1] - t->cut[0]) / 4;
            }
            w->order[w->ntasks] = t;
            w->ntasks++;
        }
    }
    qsort(w->order, w->ntasks, sizeof *w->order, larger_first);
    return 0;
}

/* The first error of the chunks (prepare) or the pages (make), in file order. */
static int first_error(lh_pq_writer_t *w, bool pages, lh_err_t *err)
{
    size_t n = pages ? w->ntasks : w->nleaves;
    for (size_t i = 0; i < n; i++) {
        const lh_err_t *e = pages ? &w->tasks[i].err : &w->fl[i].err;
        int rc = pages ? w->tasks[i].rc : e->code;
        if (rc < 0) {
            *err = *e;
            return rc;
        }
    }
    return lh_err_set(err, LH_EINVAL, "parquet writer: a page was not made");
}

int lh__pq_rg_begin(lh_pq_writer_t *w, lh_err_t *err)
{
    if (lh_pool_parallel_for(w->pool, w->nleaves, prepare_one, w))
        return first_error(w, false, err);
    if (plan_tasks(w)) return oom(err);
    w->next = 0;
    w->stop = 0;
    w->inflight = true;
    for (uint32_t k = 0; k + 1 < w->nworkers && k + 1 < w->ntasks; k++) {
        lh_job_spec_t spec = {.run = help, .arg = &w->hargs[k]};
        if (lh_pool_submit(w->pool, &spec, &w->helpers[k])) w->helpers[k] = NULL; /* busy */
    }
    return 0;
}

int lh__pq_rg_end(lh_pq_writer_t *w, lh_err_t *err)
{
    if (!w->inflight) return 0;
    make_left(w, 0);
    for (uint32_t k = 0; k + 1 < w->nworkers; k++) {
        if (!w->helpers[k]) continue;
        lh_job_cancel(w->helpers[k]); /* one no thread started never will */
        lh_job_wait(w->helpers[k]);
        lh_job_release(w->helpers[k]);
        w->helpers[k] = NULL;
    }
    w->inflight = false;
    for (size_t i = 0; i < w->ntasks; i++)
        if (w->tasks[i].rc) return first_error(w, true, err);
    return 0;
}

/* ---- writing ---- */

/* One thread: the page made now, into tasks[0]. */
static lh__pq_ptask_t *made_now(void *ctx, uint32_t leaf, bool dict, size_t cut)
{
    lh_pq_writer_t *w = ctx;
    lh__pq_ptask_t *t = &w->tasks[0];
    t->leaf = leaf;
    t->dict = dict;
    if (!dict) memcpy(t->cut, w->fl[leaf].cuts[cut], sizeof t->cut);
    lh__pq_page_make(w, &w->workers[0], t);
    return t;
}

/* Pipelined: the page made before. */
static lh__pq_ptask_t *made_before(void *ctx, uint32_t leaf, bool dict, size_t cut)
{
    lh_pq_writer_t *w = ctx;
    const lh__pq_leaf_t *l = &w->fl[leaf];
    return &w->tasks[l->task0 + (dict ? 0 : l->dict_mode + cut)];
}

int lh__pq_rg_write(lh_pq_writer_t *w, lh_pq_row_group_t *rg, lh_err_t *err)
{
    for (uint32_t i = 0; i < w->nleaves; i++) {
        lh__pq_leaf_t *l = &w->fl[i];
        int rc = w->pool ? 0 : lh__pq_chunk_prepare(w, l, err);
        if (!rc)
            rc =
                lh__pq_chunk_write(w, l, &rg->columns[i], w->pool ? made_before : made_now, w, err);
        if (rc) return rc;
        rg->total_byte_size += rg->columns[i].meta_data.total_uncompressed_size;
        rg->total_compressed_size += rg->columns[i].meta_data.total_compressed_size;
        lh__pq_leaf_reset(w, l);
    }
    return 0;
}
