/* Writing a row group's column chunks, their pages made on one thread or on
 * several. One thread (no pool): chunk after chunk, each page made just
 * before it is written, into one reused page (today's streaming order).
 * Several: every chunk prepared in parallel (its dictionary decision,
 * statistics and page cuts), then every page of the row group made in
 * parallel, largest first, each into buffers of its own (so a row group's
 * pages are held encoded until written), then all written in order on the
 * writer's thread. The pages and their order are the same either way, so
 * are the file's bytes. Threads come from lh_pool_parallel_for (core/pool.h)
 * on the caller's pool or on one the writer starts; the writer's thread
 * takes part as worker 0. */
#include "core/pool.h"
#include "parquet/writer_int.h"

#include <stdlib.h>
#include <zstd.h>

#define MAX_THREADS 256

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
    return grow_tasks(w, 1) ? oom(err) : 0;
}

void lh__pq_rg_close(lh_pq_writer_t *w)
{
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
}

/* One thread: the page made now, into tasks[0]. */
static lh__pq_ptask_t *made_now(void *ctx, uint32_t leaf, bool dict, size_t cut)
{
    lh_pq_writer_t *w = ctx;
    lh__pq_ptask_t *t = &w->tasks[0];
    t->leaf = leaf;
    t->dict = dict;
    if (!dict) memcpy(t->cut, w->leaves[leaf].cuts[cut], sizeof t->cut);
    lh__pq_page_make(w, &w->workers[0], t);
    return t;
}

/* Several threads: the page made before. */
static lh__pq_ptask_t *made_before(void *ctx, uint32_t leaf, bool dict, size_t cut)
{
    lh_pq_writer_t *w = ctx;
    const lh__pq_leaf_t *l = &w->leaves[leaf];
    return &w->tasks[l->task0 + (dict ? 0 : l->dict_mode + cut)];
}

static int prepare_one(void *arg, size_t i, unsigned worker)
{
    (void)worker;
    lh_pq_writer_t *w = arg;
    lh__pq_leaf_t *l = &w->leaves[i];
    l->err.code = 0;
    return lh__pq_chunk_prepare(w, l, &l->err);
}

static int make_one(void *arg, size_t i, unsigned worker)
{
    lh_pq_writer_t *w = arg;
    return lh__pq_page_make(w, &w->workers[worker], w->order[i]);
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
        n += w->leaves[i].dict_mode + w->leaves[i].ncuts;
    if (grow_tasks(w, n)) return LH_ENOMEM;
    w->ntasks = 0;
    for (uint32_t i = 0; i < w->nleaves; i++) {
        lh__pq_leaf_t *l = &w->leaves[i];
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
        const lh_err_t *e = pages ? &w->tasks[i].err : &w->leaves[i].err;
        int rc = pages ? w->tasks[i].rc : e->code;
        if (rc < 0) {
            *err = *e;
            return rc;
        }
    }
    return lh_err_set(err, LH_EINVAL, "parquet writer: a page was not made");
}

static int make_all(lh_pq_writer_t *w, lh_err_t *err)
{
    if (lh_pool_parallel_for(w->pool, w->nleaves, prepare_one, w))
        return first_error(w, false, err);
    if (plan_tasks(w)) return oom(err);
    if (lh_pool_parallel_for(w->pool, w->ntasks, make_one, w)) return first_error(w, true, err);
    return 0;
}

int lh__pq_rg_write(lh_pq_writer_t *w, lh_pq_row_group_t *rg, lh_err_t *err)
{
    int rc = w->pool ? make_all(w, err) : 0;
    for (uint32_t i = 0; !rc && i < w->nleaves; i++) {
        lh__pq_leaf_t *l = &w->leaves[i];
        if (!w->pool) rc = lh__pq_chunk_prepare(w, l, err);
        if (!rc)
            rc =
                lh__pq_chunk_write(w, l, &rg->columns[i], w->pool ? made_before : made_now, w, err);
        if (rc) return rc;
        rg->total_byte_size += rg->columns[i].meta_data.total_uncompressed_size;
        rg->total_compressed_size += rg->columns[i].meta_data.total_compressed_size;
        lh__pq_leaf_reset(w, l);
    }
    return rc;
}
