/* Long-job pools. One mutex per pool guards a doubly linked FIFO of jobs,
 * the per-thread "current job" slots and the counters; workers sleep on a
 * condition variable. A job leaves the queue in one of three ways, each under
 * the mutex, so exactly one of them completes it: a worker takes it, a cancel
 * unlinks it, or destroy drains it. Completion (complete → finish) runs done,
 * marks the job finished for lh_job_wait (one process-wide condition variable:
 * long jobs finish rarely) and drops the pool's reference; with a poster it is
 * posted through the node embedded in the job, so it cannot fail for memory.
 * Parallel-for helpers are jobs without a handle placed at the queue's front;
 * the caller unlinks the ones no thread has started before it waits, so it
 * never waits for work nobody runs. */
#include "core/metrics.h"
#include "core/pool_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t done_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static pthread_once_t metrics_once = PTHREAD_ONCE_INIT;

#define M_THREADS "lakehouse_pool_threads"
#define M_QUEUED "lakehouse_pool_queue_depth"
#define M_RUNNING "lakehouse_pool_running"
#define M_COMPLETED "lakehouse_pool_jobs_completed_total"
#define M_CANCELLED "lakehouse_pool_jobs_cancelled_total"
#define M_REJECTED "lakehouse_pool_jobs_rejected_total"

static void metrics_register(void)
{
    lh_metrics_register(M_THREADS, LH_METRIC_GAUGE, "Threads of a long-job pool.", NULL, 0);
    lh_metrics_register(M_QUEUED, LH_METRIC_GAUGE, "Jobs waiting in a long-job pool.", NULL, 0);
    lh_metrics_register(M_RUNNING, LH_METRIC_GAUGE, "Threads of a long-job pool at work.", NULL, 0);
    lh_metrics_register(M_COMPLETED, LH_METRIC_COUNTER,
                        "Long jobs finished (any status but cancelled or timed out).", NULL, 0);
    lh_metrics_register(M_CANCELLED, LH_METRIC_COUNTER, "Long jobs cancelled or timed out.", NULL,
                        0);
    lh_metrics_register(M_REJECTED, LH_METRIC_COUNTER, "Long jobs refused: queue full or stopping.",
                        NULL, 0);
}

/* Under p->mu, so the gauges never show a stale pair. */
static void gauges(lh_pool_t *p)
{
    lh_metrics_set(M_QUEUED, p->labels, p->queued);
    lh_metrics_set(M_RUNNING, p->labels, p->running);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* --- the queue (under p->mu) --- */

static void link_tail(lh_pool_t *p, lh_job_t *j)
{
    j->next = NULL;
    j->prev = p->tail;
    if (p->tail)
        p->tail->next = j;
    else
        p->head = j;
    p->tail = j;
}

void lh__pool_link_head(lh_pool_t *p, lh_job_t *j)
{
    j->prev = NULL;
    j->next = p->head;
    if (p->head)
        p->head->prev = j;
    else
        p->tail = j;
    p->head = j;
}

void lh__pool_unlink(lh_pool_t *p, lh_job_t *j)
{
    if (j->prev)
        j->prev->next = j->next;
    else
        p->head = j->next;
    if (j->next)
        j->next->prev = j->prev;
    else
        p->tail = j->prev;
    j->prev = j->next = NULL;
}

/* --- completion --- */

static void job_unref(lh_job_t *j)
{
    if (__atomic_sub_fetch(&j->refs, 1, __ATOMIC_ACQ_REL) == 0) free(j);
}

static void finish(lh_job_t *j)
{
    if (j->done) j->done(j, j->arg, j->status);
    pthread_mutex_lock(&done_mu);
    j->finished = 1;
    pthread_cond_broadcast(&done_cv);
    pthread_mutex_unlock(&done_mu);
    job_unref(j);
}

static void posted(void *arg, int status)
{
    lh_job_t *j = arg;
    lh_loop_poster_t *ps = j->poster;
    if (status) j->status = status; /* the poster closed before the loop ran it */
    finish(j);
    lh_loop_poster_release(ps);
}

/* The job has left the queue for good; not under p->mu. */
static void complete(lh_job_t *j, int status)
{
    lh_pool_t *p = j->pool;
    int cancelled = status == LH_ECANCELED || status == LH_ETIMEDOUT;
    lh_metrics_add(cancelled ? M_CANCELLED : M_COMPLETED, p->labels, 1);
    j->status = status;
    if (j->poster) {
        lh_loop_poster_t *ps = j->poster;
        j->post.fn = posted;
        j->post.arg = j;
        if (lh_loop_post_node(ps, &j->post) == 0) return; /* j may be gone already */
        j->status = LH_ECANCELED;
        finish(j);
        lh_loop_poster_release(ps);
        return;
    }
    finish(j);
}

/* --- workers --- */

static int expired(lh_job_t *j)
{
    return j->deadline_ns && now_ns() >= j->deadline_ns;
}

/* Runs one job taken off the queue; called and returns with p->mu held. */
static void run_one(lh__pool_worker_t *w, lh_job_t *j)
{
    lh_pool_t *p = w->pool;
    j->state = LH__JOB_RUNNING;
    p->running++;
    if (!j->pfor) {
        p->queued--;
        w->current = j;
    }
    gauges(p);
    pthread_mutex_unlock(&p->mu);
    if (j->pfor) {
        lh__pool_help(j); /* takes p->mu to report; j is gone after */
        pthread_mutex_lock(&p->mu);
        p->running--;
        gauges(p);
        return;
    }
    int status = expired(j) ? LH_ETIMEDOUT : j->run(j, j->arg);
    pthread_mutex_lock(&p->mu);
    j->state = LH__JOB_FINISHED;
    w->current = NULL;
    p->running--;
    gauges(p);
    pthread_mutex_unlock(&p->mu);
    complete(j, status);
    pthread_mutex_lock(&p->mu);
}

static void *worker_main(void *arg)
{
    lh__pool_worker_t *w = arg;
    lh_pool_t *p = w->pool;
    char tname[16];
    snprintf(tname, sizeof tname, "lh-%.8s-%d", p->name, w->idx);
    pthread_setname_np(pthread_self(), tname);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->head && !p->stopping)
            pthread_cond_wait(&p->work_cv, &p->mu);
        lh_job_t *j = p->head;
        if (!j) break;
        lh__pool_unlink(p, j);
        run_one(w, j);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* --- lifecycle --- */

static int name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 31) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

static void stop_and_join(lh_pool_t *p, int started)
{
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_broadcast(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < started; i++)
        pthread_join(p->workers[i].tid, NULL);
}

static void pool_free(lh_pool_t *p)
{
    pthread_cond_destroy(&p->for_cv);
    pthread_cond_destroy(&p->work_cv);
    pthread_mutex_destroy(&p->mu);
    free(p->workers);
    free(p);
}

int lh_pool_new(const lh_pool_opts_t *o, lh_pool_t **out, lh_err_t *err)
{
    int rc, started = 0;
    lh_pool_t *p = NULL;
    *out = NULL;
    if (!name_ok(o->name) || o->threads < 0 || o->queue_max < 0)
        return lh_err_set(err, LH_EINVAL, "bad pool options (name [a-z0-9_]{1,31}, sizes >= 0)");
    pthread_once(&metrics_once, metrics_register);
    if (!(p = calloc(1, sizeof *p)))
        return lh_err_set(err, LH_ENOMEM, "cannot allocate pool %s", o->name);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    p->nthreads = o->threads ? o->threads : (cores > 0 ? (int)cores : 1);
    p->queue_max = o->queue_max ? o->queue_max : LH_POOL_DEFAULT_QUEUE;
    snprintf(p->name, sizeof p->name, "%s", o->name);
    snprintf(p->labels, sizeof p->labels, "pool=\"%s\"", o->name);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work_cv, NULL);
    pthread_cond_init(&p->for_cv, NULL);
    if (!(p->workers = calloc((size_t)p->nthreads, sizeof *p->workers))) {
        rc = lh_err_set(err, LH_ENOMEM, "cannot allocate pool %s", o->name);
        goto fail;
    }
    for (; started < p->nthreads; started++) {
        lh__pool_worker_t *w = &p->workers[started];
        w->pool = p;
        w->idx = started;
        if (pthread_create(&w->tid, NULL, worker_main, w) != 0) {
            rc = lh_err_set(err, LH_ENOMEM, "cannot start thread %d of pool %s", started, o->name);
            goto fail;
        }
    }
    lh_metrics_set(M_THREADS, p->labels, p->nthreads);
    gauges(p);
    *out = p;
    return 0;
fail:
    stop_and_join(p, started);
    pool_free(p);
    return rc;
}

/* Under p->mu: takes every queued job off the queue. Helpers are reported
 * to their waiting caller here; user jobs are returned for completion. */
static lh_job_t *drain(lh_pool_t *p)
{
    lh_job_t *jobs = NULL, **tail = &jobs;
    while (p->head) {
        lh_job_t *j = p->head;
        lh__pool_unlink(p, j);
        j->state = LH__JOB_FINISHED;
        if (j->pfor) {
            lh__pool_for_dropped(j);
            continue;
        }
        p->queued--;
        *tail = j;
        tail = &j->next;
    }
    pthread_cond_broadcast(&p->for_cv);
    return jobs;
}

void lh_pool_destroy(lh_pool_t *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    lh_job_t *j = drain(p);
    for (int i = 0; i < p->nthreads; i++)
        if (p->workers[i].current)
            __atomic_store_n(&p->workers[i].current->cancel, LH_ECANCELED, __ATOMIC_RELAXED);
    gauges(p);
    pthread_mutex_unlock(&p->mu);
    while (j) {
        lh_job_t *next = j->next;
        complete(j, LH_ECANCELED);
        j = next;
    }
    stop_and_join(p, p->nthreads);
    lh_metrics_set(M_THREADS, p->labels, 0);
    pool_free(p);
}

int lh_pool_threads(const lh_pool_t *p)
{
    return p->nthreads;
}

/* --- jobs --- */

int lh_pool_submit(lh_pool_t *p, const lh_job_spec_t *s, lh_job_t **out)
{
    if (out) *out = NULL;
    if (!s->run) return LH_EINVAL;
    lh_job_t *j = calloc(1, sizeof *j);
    if (!j) return LH_ENOMEM;
    j->pool = p;
    j->run = s->run;
    j->done = s->done;
    j->arg = s->arg;
    j->poster = s->poster;
    if (s->timeout_ms && s->timeout_ms < UINT64_MAX / 4000000u) /* longer: no deadline */
        j->deadline_ns = now_ns() + s->timeout_ms * 1000000u;
    j->refs = out ? 2 : 1;
    if (out) *out = j; /* before the job is visible: done may read it */
    pthread_mutex_lock(&p->mu);
    if (p->stopping || p->queued >= p->queue_max) {
        pthread_mutex_unlock(&p->mu);
        lh_metrics_add(M_REJECTED, p->labels, 1);
        if (out) *out = NULL;
        free(j);
        return LH_EBUSY;
    }
    if (j->poster) lh_loop_poster_hold(j->poster);
    link_tail(p, j);
    p->queued++;
    gauges(p);
    pthread_cond_signal(&p->work_cv);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

int lh_job_cancel(lh_job_t *j)
{
    lh_pool_t *p = j->pool;
    pthread_mutex_lock(&p->mu);
    int state = j->state;
    if (state == LH__JOB_QUEUED) {
        lh__pool_unlink(p, j);
        j->state = LH__JOB_FINISHED;
        p->queued--;
        gauges(p);
    } else if (state == LH__JOB_RUNNING) {
        __atomic_store_n(&j->cancel, LH_ECANCELED, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&p->mu);
    if (state == LH__JOB_QUEUED) {
        complete(j, LH_ECANCELED);
        return 0;
    }
    return state == LH__JOB_RUNNING ? LH_EBUSY : LH_ENOENT;
}

int lh_job_cancelled(lh_job_t *j)
{
    int c = __atomic_load_n(&j->cancel, __ATOMIC_RELAXED);
    if (c) return c;
    if (!expired(j)) return 0;
    __atomic_compare_exchange_n(&j->cancel, &c, LH_ETIMEDOUT, 0, __ATOMIC_RELAXED,
                                __ATOMIC_RELAXED);
    return __atomic_load_n(&j->cancel, __ATOMIC_RELAXED);
}

int lh_job_wait(lh_job_t *j)
{
    pthread_mutex_lock(&done_mu);
    while (!j->finished)
        pthread_cond_wait(&done_cv, &done_mu);
    int status = j->status;
    pthread_mutex_unlock(&done_mu);
    return status;
}

void lh_job_release(lh_job_t *j)
{
    if (j) job_unref(j);
}
