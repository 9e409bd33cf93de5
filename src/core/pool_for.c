/* Parallel for over a long-job pool, for morsel-driven execution. The caller
 * queues up to one helper per pool thread at the front of the queue (they
 * belong to work already admitted, so they go before new jobs and are not
 * counted against the queue limit), then takes indices itself. Indices come
 * from one atomic counter, so each is handed out once. When the caller runs
 * out of indices it unlinks the helpers no thread has started and waits for
 * the started ones; it never waits for a helper that nobody will run, which
 * makes nested calls and calls on a saturated pool safe. */
#include "core/pool_int.h"

#include <stdlib.h>

struct lh__pool_for {
    size_t n, next; /* next: atomic */
    int rc;         /* atomic: the first non-zero result */
    lh_pool_for_fn fn;
    void *arg;
    int pending; /* helpers queued or running, under pool->mu */
    lh_job_t helpers[];
};

static void run_range(lh__pool_for_t *f, unsigned worker)
{
    while (!__atomic_load_n(&f->rc, __ATOMIC_RELAXED)) {
        size_t i = __atomic_fetch_add(&f->next, 1, __ATOMIC_RELAXED);
        if (i >= f->n) return;
        int rc = f->fn(f->arg, i, worker);
        if (rc) {
            int zero = 0;
            __atomic_compare_exchange_n(&f->rc, &zero, rc, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
            return;
        }
    }
}

void lh__pool_help(lh_job_t *h)
{
    lh_pool_t *p = h->pool;
    lh__pool_for_t *f = h->pfor;
    run_range(f, h->worker);
    pthread_mutex_lock(&p->mu);
    h->state = LH__JOB_FINISHED;
    f->pending--;
    pthread_cond_broadcast(&p->for_cv);
    pthread_mutex_unlock(&p->mu);
}

void lh__pool_for_dropped(lh_job_t *h)
{
    h->pfor->pending--;
}

/* Queues k helpers at the front, worker ids 1..k; none once stopping. */
static void start_helpers(lh_pool_t *p, lh__pool_for_t *f, size_t k)
{
    pthread_mutex_lock(&p->mu);
    for (size_t i = k; i > 0 && !p->stopping; i--) {
        lh_job_t *h = &f->helpers[i - 1];
        h->pool = p;
        h->pfor = f;
        h->worker = (unsigned)i;
        h->state = LH__JOB_QUEUED;
        lh__pool_link_head(p, h);
        f->pending++;
        pthread_cond_signal(&p->work_cv);
    }
    pthread_mutex_unlock(&p->mu);
}

/* Unlinks the helpers no thread took, then waits for the running ones. */
static void end_helpers(lh_pool_t *p, lh__pool_for_t *f, size_t k)
{
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < k; i++) {
        lh_job_t *h = &f->helpers[i];
        if (h->pfor && h->state == LH__JOB_QUEUED) {
            lh__pool_unlink(p, h);
            h->state = LH__JOB_FINISHED;
            f->pending--;
        }
    }
    while (f->pending)
        pthread_cond_wait(&p->for_cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

int lh_pool_parallel_for(lh_pool_t *p, size_t n, lh_pool_for_fn fn, void *arg)
{
    if (n == 0) return 0;
    size_t k = p ? (size_t)p->nthreads : 0;
    if (k > n - 1) k = n - 1;
    lh__pool_for_t one = {0}, *f = k ? calloc(1, sizeof *f + k * sizeof f->helpers[0]) : NULL;
    if (!f) { /* no helpers (or no memory for them): run serially */
        f = &one;
        k = 0;
    }
    f->n = n;
    f->fn = fn;
    f->arg = arg;
    if (k) start_helpers(p, f, k);
    run_range(f, 0);
    if (k) end_helpers(p, f, k);
    int rc = f->rc;
    if (f != &one) free(f);
    return rc;
}
