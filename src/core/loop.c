/* Loop glue. lh_work_submit wraps libuv's threadpool (short blocking work).
 * lh_loop_after is a one-shot uv timer that frees itself once closed.
 * A poster is a uv_async_t plus a mutex-guarded FIFO of callback nodes: any
 * thread appends a node and wakes the loop only when the list was empty (an
 * earlier wake-up is still due otherwise); the loop thread takes the whole
 * list at once and runs it outside the lock. uv_async_send is called under
 * the mutex so that it can never race with uv_close. The poster's memory is
 * reference counted: one reference for the open handle, one per hold. */
#include "core/loop.h"
#include "core/err.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    uv_work_t w;
    void (*work)(void *);
    void (*done)(void *, int);
    void *arg;
} job_t;

static void run(uv_work_t *w)
{
    job_t *j = (job_t *)w;
    j->work(j->arg);
}

static void after(uv_work_t *w, int status)
{
    job_t *j = (job_t *)w;
    if (j->done) j->done(j->arg, status);
    free(j);
}

int lh_work_submit(uv_loop_t *loop, void (*work)(void *), void (*done)(void *, int), void *arg)
{
    job_t *j = malloc(sizeof *j);
    if (!j) return LH_ENOMEM;
    j->work = work;
    j->done = done;
    j->arg = arg;
    if (uv_queue_work(loop, &j->w, run, after) != 0) {
        free(j);
        return LH_ENOMEM;
    }
    return 0;
}

void lh_work_init(int threads)
{
    char n[16];
    if (getenv("UV_THREADPOOL_SIZE")) return;
    snprintf(n, sizeof n, "%d", threads > 0 ? threads : 16);
    setenv("UV_THREADPOOL_SIZE", n, 0);
}

/* --- one-shot timers --- */

typedef struct {
    uv_timer_t t;
    void (*fn)(void *);
    void *arg;
} after_t;

static void after_closed(uv_handle_t *h)
{
    free(h->data);
}

static void after_fired(uv_timer_t *t)
{
    after_t *a = t->data;
    a->fn(a->arg);
    uv_close((uv_handle_t *)&a->t, after_closed);
}

int lh_loop_after(uv_loop_t *loop, uint64_t ms, void (*fn)(void *), void *arg)
{
    after_t *a = malloc(sizeof *a);
    if (!a) return LH_ENOMEM;
    a->fn = fn;
    a->arg = arg;
    uv_timer_init(loop, &a->t);
    a->t.data = a;
    uv_timer_start(&a->t, after_fired, ms, 0);
    return 0;
}

/* --- posters --- */

struct lh_loop_poster {
    uv_async_t async;
    pthread_mutex_t mu;
    lh_loop_post_node_t *head, *tail; /* under mu */
    int closed;                       /* under mu */
    int refs;                         /* atomic: open handle + holds */
};

typedef struct {
    lh_loop_post_node_t node;
    void (*fn)(void *, int);
    void *arg;
} heap_post_t;

static lh_loop_post_node_t *take_all(lh_loop_poster_t *p)
{
    pthread_mutex_lock(&p->mu);
    lh_loop_post_node_t *n = p->head;
    p->head = p->tail = NULL;
    pthread_mutex_unlock(&p->mu);
    return n;
}

static void run_list(lh_loop_post_node_t *n, int status)
{
    while (n) {
        lh_loop_post_node_t *next = n->next; /* fn may free n */
        n->fn(n->arg, status);
        n = next;
    }
}

static void on_async(uv_async_t *a)
{
    run_list(take_all(a->data), 0);
}

int lh_loop_poster_new(uv_loop_t *loop, lh_loop_poster_t **out)
{
    lh_loop_poster_t *p = calloc(1, sizeof *p);
    *out = NULL;
    if (!p) return LH_ENOMEM;
    if (pthread_mutex_init(&p->mu, NULL) != 0) {
        free(p);
        return LH_ENOMEM;
    }
    if (uv_async_init(loop, &p->async, on_async) != 0) {
        pthread_mutex_destroy(&p->mu);
        free(p);
        return LH_EIO;
    }
    p->async.data = p;
    p->refs = 1;
    *out = p;
    return 0;
}

int lh_loop_post_node(lh_loop_poster_t *p, lh_loop_post_node_t *n)
{
    int rc = 0;
    n->next = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->closed) {
        rc = LH_ECANCELED;
    } else if (p->tail) {
        p->tail->next = n;
        p->tail = n;
    } else {
        p->head = p->tail = n;
        uv_async_send(&p->async);
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

static void heap_post_run(void *arg, int status)
{
    heap_post_t *h = arg;
    h->fn(h->arg, status);
    free(h);
}

int lh_loop_post(lh_loop_poster_t *p, void (*fn)(void *, int), void *arg)
{
    heap_post_t *h = malloc(sizeof *h);
    if (!h) return LH_ENOMEM;
    h->node.fn = heap_post_run;
    h->node.arg = h;
    h->fn = fn;
    h->arg = arg;
    int rc = lh_loop_post_node(p, &h->node);
    if (rc) free(h);
    return rc;
}

void lh_loop_poster_hold(lh_loop_poster_t *p)
{
    __atomic_add_fetch(&p->refs, 1, __ATOMIC_RELAXED);
}

void lh_loop_poster_release(lh_loop_poster_t *p)
{
    if (__atomic_sub_fetch(&p->refs, 1, __ATOMIC_ACQ_REL) != 0) return;
    pthread_mutex_destroy(&p->mu);
    free(p);
}

static void on_closed(uv_handle_t *h)
{
    lh_loop_poster_release(h->data);
}

void lh_loop_poster_close(lh_loop_poster_t *p)
{
    pthread_mutex_lock(&p->mu);
    p->closed = 1;
    pthread_mutex_unlock(&p->mu);
    run_list(take_all(p), LH_ECANCELED);
    uv_close((uv_handle_t *)&p->async, on_closed);
}
