/* Internals shared by pool.c (queue, workers, jobs) and pool_for.c
 * (parallel for). Everything under a pool's mu says so. */
#ifndef LH_CORE_POOL_INT_H
#define LH_CORE_POOL_INT_H

#include "core/pool.h"

#include <pthread.h>

enum { LH__JOB_QUEUED, LH__JOB_RUNNING, LH__JOB_FINISHED };

typedef struct lh__pool_for lh__pool_for_t;

struct lh_job {
    lh_job_t *prev, *next; /* queue links, under pool->mu */
    lh_pool_t *pool;
    lh__pool_for_t *pfor; /* set for a parallel-for helper */
    unsigned worker;      /* a helper's worker id */
    int (*run)(lh_job_t *, void *);
    void (*done)(lh_job_t *, void *, int);
    void *arg;
    lh_loop_poster_t *poster;
    lh_loop_post_node_t post;
    uint64_t deadline_ns; /* CLOCK_MONOTONIC; 0: none */
    int state;            /* LH__JOB_*, under pool->mu */
    int cancel;           /* atomic: 0, LH_ECANCELED or LH_ETIMEDOUT */
    int status;
    int finished; /* under the process-wide done mutex */
    int refs;     /* atomic: the pool's until finished, plus the handle */
};

typedef struct {
    lh_pool_t *pool;
    int idx;
    pthread_t tid;
    lh_job_t *current; /* the user job it runs, under pool->mu */
} lh__pool_worker_t;

struct lh_pool {
    pthread_mutex_t mu;
    pthread_cond_t work_cv; /* a job was queued, or the pool is stopping */
    pthread_cond_t for_cv;  /* a parallel-for helper finished or was unlinked */
    lh_job_t *head, *tail;
    int queued;  /* jobs waiting (helpers not counted) */
    int running; /* threads running a job or a helper */
    int stopping;
    int nthreads, queue_max;
    lh__pool_worker_t *workers;
    char name[32];
    char labels[48]; /* pool="<name>" */
};

/* Under pool->mu. */
void lh__pool_link_head(lh_pool_t *p, lh_job_t *j);
void lh__pool_unlink(lh_pool_t *p, lh_job_t *j);
/* A worker runs a parallel-for helper it took off the queue (pool_for.c);
 * takes pool->mu to report, and h may be freed once it returns. */
void lh__pool_help(lh_job_t *h);
/* Under pool->mu: destroy took helper h off the queue unstarted. */
void lh__pool_for_dropped(lh_job_t *h);

#endif
