/* Worker pools for long jobs: SQL queries, Parquet scans and encodes,
 * compaction. Each pool has its own threads and a bounded FIFO queue, so long
 * work never delays the short blocking work of lh_work_submit (core/loop.h),
 * and a full pool says so at once (LH_EBUSY) instead of queueing without end.
 *
 * A job runs run(job, arg) on a pool thread, then done(job, arg, status)
 * exactly once: on a loop thread when the job names a poster (core/loop.h),
 * otherwise on the pool thread (or, when cancelled before it started, on the
 * thread that cancelled it). Processes with no loop (`lakehouse sql`, `table`)
 * keep a handle and lh_job_wait for it. Long jobs poll lh_job_cancelled between
 * morsels; lh_pool_parallel_for spreads morsels over the pool's threads.
 *
 * Metrics, labelled pool="<name>": lakehouse_pool_threads,
 * lakehouse_pool_queue_depth, lakehouse_pool_running (gauges);
 * lakehouse_pool_jobs_completed_total, lakehouse_pool_jobs_cancelled_total
 * (cancelled or timed out), lakehouse_pool_jobs_rejected_total (counters). */
#ifndef LH_CORE_POOL_H
#define LH_CORE_POOL_H

#include "core/err.h"
#include "core/loop.h"

#include <stddef.h>
#include <stdint.h>

typedef struct lh_pool lh_pool_t;
typedef struct lh_job lh_job_t;

#define LH_POOL_DEFAULT_QUEUE 256

typedef struct lh_pool_opts {
    const char *name; /* [a-z0-9_] 1..31 chars, unique per process; the metrics label */
    int threads;      /* 0: the number of online cores */
    int queue_max;    /* most jobs waiting to start; 0: LH_POOL_DEFAULT_QUEUE */
} lh_pool_opts_t;

typedef struct lh_job_spec {
    /* Pool thread. Returns 0 or an LH_E* code, which becomes the status; a job
     * that stops because lh_job_cancelled said so returns that code. */
    int (*run)(lh_job_t *job, void *arg);
    /* Optional; runs exactly once with the status: run's result, or
     * LH_ECANCELED / LH_ETIMEDOUT when the job never ran. job is valid during
     * the call (a caller holding a handle may release it here). */
    void (*done)(lh_job_t *job, void *arg, int status);
    void *arg;
    lh_loop_poster_t *poster; /* done runs on this loop; NULL: see above */
    uint64_t timeout_ms;      /* 0: none; counted from submit */
} lh_job_spec_t;

/* Starts a pool with its threads. *out is the caller's until lh_pool_destroy.
 * Errors: LH_EINVAL (bad name, negative sizes); LH_ENOMEM (memory or threads). */
int lh_pool_new(const lh_pool_opts_t *opts, lh_pool_t **out, lh_err_t *err);
/* Not from a pool thread, and once no other thread will submit to p or start
 * a parallel for on it (jobs inside p may: they get LH_EBUSY, or run their
 * parallel for alone). Stops the pool: queued jobs complete with
 * LH_ECANCELED without running, running jobs are flagged cancelled, then the
 * threads are joined (so it waits for each running job's next poll). Every
 * completion has run or been posted when it returns. Handles stay valid for
 * lh_job_wait and lh_job_release; do not cancel through them. p may be NULL. */
void lh_pool_destroy(lh_pool_t *p);
/* Threads the pool runs (parallel-for worker ids are 0..threads). */
int lh_pool_threads(const lh_pool_t *p);

/* Any thread. Queues a job. With out, *out is a handle the caller owns and
 * gives back with lh_job_release (the job itself lives until done has run).
 * Errors (done will not run): LH_EBUSY when queue_max jobs are already
 * waiting, or the pool is being destroyed; LH_EINVAL (no run); LH_ENOMEM. */
int lh_pool_submit(lh_pool_t *p, const lh_job_spec_t *spec, lh_job_t **out);
/* Any thread but a pool thread being joined. Cancels a job:
 *   0            it was waiting: removed from the queue, done runs with
 *                LH_ECANCELED (posted, or here before this returns);
 *   LH_EBUSY     it is running: flagged, lh_job_cancelled now says so;
 *   LH_ENOENT    it has finished running: nothing to do.
 * Not after lh_pool_destroy. */
int lh_job_cancel(lh_job_t *job);
/* Pool thread, inside run. 0 while the job should go on; LH_ECANCELED once it
 * was cancelled (or its pool is stopping), LH_ETIMEDOUT once its deadline
 * passed. Cheap enough to call once per morsel. */
int lh_job_cancelled(lh_job_t *job);
/* Waits until done has returned and gives the status. Never on the loop
 * thread that done is posted to, nor inside done. */
int lh_job_wait(lh_job_t *job);
/* Gives back the handle from lh_pool_submit. */
void lh_job_release(lh_job_t *job);

/* Runs fn(arg, i, worker) once for every i in [0, n), on the calling thread
 * (worker 0) and up to lh_pool_threads() pool threads (workers 1..), and
 * returns when all calls have returned. The caller always takes part, so it
 * may be called from a pool job (nested) and makes progress when the pool is
 * saturated. The first non-zero result stops handing out indices and is
 * returned; 0 when every call returned 0. p may be NULL (runs serially). */
typedef int (*lh_pool_for_fn)(void *arg, size_t i, unsigned worker);
int lh_pool_parallel_for(lh_pool_t *p, size_t n, lh_pool_for_fn fn, void *arg);

#endif
