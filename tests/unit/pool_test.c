/* Unit tests for the long-job pool (core/pool.h) and loop posters
 * (core/loop.h): ordering and exactly-once completion, the queue limit,
 * cancellation before and while running, deadlines, posting to a loop from
 * many threads, waiting without a loop, parallel for, and shutdown with work
 * pending. Jobs that must stay busy poll a gate (no sleeps decide results). */
#include "core/buf.h"
#include "core/err.h"
#include "core/loop.h"
#include "core/metrics.h"
#include "core/pool.h"
#include "test.h"

#include <pthread.h>
#include <sched.h>
#include <stdint.h>

/* --- helpers --- */

static lh_pool_t *pool_new(const char *name, int threads, int queue_max)
{
    lh_pool_t *p = NULL;
    lh_err_t err = {0};
    lh_pool_opts_t o = {.name = name, .threads = threads, .queue_max = queue_max};
    if (lh_pool_new(&o, &p, &err) != 0) fprintf(stderr, "  pool: %s\n", err.msg);
    return p;
}

/* Value of one series in the rendered registry, -1 when absent. */
static double metric(const char *series)
{
    lh_buf_t b;
    double v = -1;
    lh_buf_init(&b, 0);
    if (lh_metrics_render(&b) == 0 && b.ptr) {
        size_t n = strlen(series);
        for (const char *s = b.ptr; s && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL)
            if (!strncmp(s, series, n) && s[n] == ' ') v = strtod(s + n + 1, NULL);
    }
    lh_buf_free(&b);
    return v;
}

/* A job that says it started, then stays busy until the gate opens or the job
 * is cancelled; returns 0 or the cancel code. */
typedef struct {
    int started, open; /* atomic */
} gate_t;

static int gate_run(lh_job_t *job, void *arg)
{
    gate_t *g = arg;
    int rc = 0;
    __atomic_store_n(&g->started, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&g->open, __ATOMIC_ACQUIRE) && !(rc = lh_job_cancelled(job)))
        sched_yield();
    return rc;
}

static void gate_wait_started(gate_t *g)
{
    while (!__atomic_load_n(&g->started, __ATOMIC_ACQUIRE))
        sched_yield();
}

static void gate_open(gate_t *g)
{
    __atomic_store_n(&g->open, 1, __ATOMIC_RELEASE);
}

/* A job that records its turn, returns a chosen code, and counts its done. */
typedef struct {
    int id, rc;
    int ran, done, status; /* ran, done: atomic */
    int *order, *norder;   /* shared log of run order (one-thread pools) */
    void *ctx;             /* the test's own state */
    pthread_t done_thread;
} rec_t;

static int rec_run(lh_job_t *job, void *arg)
{
    rec_t *r = arg;
    __atomic_add_fetch(&r->ran, 1, __ATOMIC_RELAXED);
    if (r->order) r->order[(*r->norder)++] = r->id;
    return r->rc;
}

static void rec_done(lh_job_t *job, void *arg, int status)
{
    rec_t *r = arg;
    r->status = status;
    r->done_thread = pthread_self();
    __atomic_add_fetch(&r->done, 1, __ATOMIC_RELAXED);
}

/* --- the pool without a loop --- */

static void jobs_run_in_order_and_complete_once(void)
{
    enum { N = 200 };
    static rec_t r[N];
    static lh_job_t *h[N];
    int order[N], norder = 0;
    lh_pool_t *p = pool_new("order", 1, N);
    CHECK(p);
    for (int i = 0; i < N; i++) {
        r[i] = (rec_t){.id = i, .rc = i % 7 == 3 ? LH_EIO : 0, .order = order, .norder = &norder};
        lh_job_spec_t s = {.run = rec_run, .done = rec_done, .arg = &r[i]};
        CHECK_EQ_INT(lh_pool_submit(p, &s, &h[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(lh_job_wait(h[i]), r[i].rc);
        lh_job_release(h[i]);
    }
    lh_pool_destroy(p);
    CHECK_EQ_INT(norder, N);
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(order[i], i);
        CHECK_EQ_INT(r[i].ran, 1);
        CHECK_EQ_INT(r[i].done, 1);
        CHECK_EQ_INT(r[i].status, r[i].rc);
    }
    CHECK_EQ_INT(metric("lakehouse_pool_jobs_completed_total{pool=\"order\"}"), N);
}

static void no_loop_done_runs_on_pool_thread_and_wait_returns_status(void)
{
    rec_t r = {.rc = LH_ECORRUPT};
    lh_job_t *h;
    lh_pool_t *p = pool_new("noloop", 2, 0);
    CHECK(p);
    lh_job_spec_t s = {.run = rec_run, .done = rec_done, .arg = &r};
    CHECK_EQ_INT(lh_pool_submit(p, &s, &h), 0);
    CHECK_EQ_INT(lh_job_wait(h), LH_ECORRUPT);
    CHECK_EQ_INT(r.done, 1); /* done has returned before wait does */
    CHECK(!pthread_equal(r.done_thread, pthread_self()));
    lh_job_release(h);
    /* no done at all: the status still comes back */
    s.done = NULL;
    r.rc = 0;
    CHECK_EQ_INT(lh_pool_submit(p, &s, &h), 0);
    CHECK_EQ_INT(lh_job_wait(h), 0);
    lh_job_release(h);
    lh_pool_destroy(p);
    CHECK_EQ_INT(r.ran, 2);
}

static void full_queue_rejects_with_ebusy(void)
{
    gate_t g = {0};
    rec_t r[3] = {{0}};
    lh_job_t *busy, *h[2], *none = (lh_job_t *)&g;
    lh_pool_t *p = pool_new("qlimit", 1, 2);
    CHECK(p);
    lh_job_spec_t gs = {.run = gate_run, .arg = &g};
    CHECK_EQ_INT(lh_pool_submit(p, &gs, &busy), 0);
    gate_wait_started(&g);
    for (int i = 0; i < 3; i++) {
        lh_job_spec_t s = {.run = rec_run, .done = rec_done, .arg = &r[i]};
        int rc = lh_pool_submit(p, &s, i < 2 ? &h[i] : &none);
        CHECK_EQ_INT(rc, i < 2 ? 0 : LH_EBUSY);
    }
    CHECK(none == NULL);
    CHECK_EQ_INT(metric("lakehouse_pool_queue_depth{pool=\"qlimit\"}"), 2);
    CHECK_EQ_INT(metric("lakehouse_pool_running{pool=\"qlimit\"}"), 1);
    CHECK_EQ_INT(metric("lakehouse_pool_jobs_rejected_total{pool=\"qlimit\"}"), 1);
    gate_open(&g);
    CHECK_EQ_INT(lh_job_wait(busy), 0);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ_INT(lh_job_wait(h[i]), 0);
        lh_job_release(h[i]);
    }
    lh_job_release(busy);
    lh_pool_destroy(p);
    CHECK_EQ_INT(r[2].ran + r[2].done, 0); /* the rejected job never ran nor completed */
    CHECK_EQ_INT(metric("lakehouse_pool_queue_depth{pool=\"qlimit\"}"), 0);
}

static void cancel_before_start_completes_cancelled_without_running(void)
{
    gate_t g = {0};
    rec_t r = {0};
    lh_job_t *busy, *h;
    lh_pool_t *p = pool_new("cancelq", 1, 0);
    CHECK(p);
    lh_job_spec_t gs = {.run = gate_run, .arg = &g};
    CHECK_EQ_INT(lh_pool_submit(p, &gs, &busy), 0);
    gate_wait_started(&g);
    lh_job_spec_t s = {.run = rec_run, .done = rec_done, .arg = &r};
    CHECK_EQ_INT(lh_pool_submit(p, &s, &h), 0);
    CHECK_EQ_INT(lh_job_cancel(h), 0);
    CHECK_EQ_INT(r.done, 1); /* no poster: done ran inside cancel */
    CHECK_EQ_INT(r.status, LH_ECANCELED);
    CHECK_EQ_INT(lh_job_wait(h), LH_ECANCELED);
    CHECK_EQ_INT(lh_job_cancel(h), LH_ENOENT);
    CHECK_EQ_INT(metric("lakehouse_pool_queue_depth{pool=\"cancelq\"}"), 0);
    gate_open(&g);
    CHECK_EQ_INT(lh_job_wait(busy), 0);
    lh_job_release(busy);
    lh_job_release(h);
    lh_pool_destroy(p);
    CHECK_EQ_INT(r.ran, 0);
    CHECK_EQ_INT(r.done, 1);
    CHECK_EQ_INT(metric("lakehouse_pool_jobs_cancelled_total{pool=\"cancelq\"}"), 1);
}

static void cancel_while_running_stops_at_next_poll(void)
{
    gate_t g = {0};
    lh_job_t *h;
    lh_pool_t *p = pool_new("cancelr", 1, 0);
    CHECK(p);
    lh_job_spec_t s = {.run = gate_run, .arg = &g};
    CHECK_EQ_INT(lh_pool_submit(p, &s, &h), 0);
    gate_wait_started(&g);
    CHECK_EQ_INT(lh_job_cancel(h), LH_EBUSY);
    CHECK_EQ_INT(lh_job_wait(h), LH_ECANCELED);
    CHECK_EQ_INT(lh_job_cancel(h), LH_ENOENT);
    CHECK_EQ_INT(g.open, 0); /* it stopped because of the cancel, not the gate */
    lh_job_release(h);
    lh_pool_destroy(p);
    CHECK_EQ_INT(metric("lakehouse_pool_jobs_cancelled_total{pool=\"cancelr\"}"), 1);
}

static void deadline_stops_running_and_skips_expired_queued_jobs(void)
{
    gate_t g = {0}, late = {0};
    rec_t r = {0};
    lh_job_t *h, *busy, *q;
    lh_pool_t *p = pool_new("deadline", 1, 0);
    CHECK(p);
    /* running: the poll reports the deadline */
    lh_job_spec_t s = {.run = gate_run, .arg = &g, .timeout_ms = 1};
    CHECK_EQ_INT(lh_pool_submit(p, &s, &h), 0);
    CHECK_EQ_INT(lh_job_wait(h), LH_ETIMEDOUT);
    lh_job_release(h);
    /* queued past its deadline: completes without running */
    lh_job_spec_t gs = {.run = gate_run, .arg = &late};
    CHECK_EQ_INT(lh_pool_submit(p, &gs, &busy), 0);
    gate_wait_started(&late);
    lh_job_spec_t rs = {.run = rec_run, .done = rec_done, .arg = &r, .timeout_ms = 1};
    CHECK_EQ_INT(lh_pool_submit(p, &rs, &q), 0);
    usleep(20000); /* only lets the deadline pass; nothing is timed */
    gate_open(&late);
    CHECK_EQ_INT(lh_job_wait(q), LH_ETIMEDOUT);
    CHECK_EQ_INT(lh_job_wait(busy), 0);
    lh_job_release(q);
    lh_job_release(busy);
    lh_pool_destroy(p);
    CHECK_EQ_INT(r.ran, 0);
    CHECK_EQ_INT(r.done, 1);
    CHECK_EQ_INT(metric("lakehouse_pool_jobs_cancelled_total{pool=\"deadline\"}"), 2);
}

static void destroy_cancels_queued_and_running_jobs(void)
{
    enum { N = 20 };
    gate_t g = {0};
    rec_t r[N] = {{0}};
    lh_job_t *busy, *h[N];
    lh_pool_t *p = pool_new("shutdown", 1, 0);
    CHECK(p);
    lh_job_spec_t gs = {.run = gate_run, .arg = &g};
    CHECK_EQ_INT(lh_pool_submit(p, &gs, &busy), 0);
    gate_wait_started(&g);
    for (int i = 0; i < N; i++) {
        lh_job_spec_t s = {.run = rec_run, .done = rec_done, .arg = &r[i]};
        CHECK_EQ_INT(lh_pool_submit(p, &s, i % 2 ? &h[i] : NULL), 0);
    }
    lh_pool_destroy(p); /* the gate never opens: the running job sees the cancel */
    CHECK_EQ_INT(lh_job_wait(busy), LH_ECANCELED);
    lh_job_release(busy);
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(r[i].ran, 0);
        CHECK_EQ_INT(r[i].done, 1);
        CHECK_EQ_INT(r[i].status, LH_ECANCELED);
        if (i % 2) {
            CHECK_EQ_INT(lh_job_wait(h[i]), LH_ECANCELED);
            lh_job_release(h[i]);
        }
    }
    CHECK_EQ_INT(metric("lakehouse_pool_jobs_cancelled_total{pool=\"shutdown\"}"), N + 1);
    CHECK_EQ_INT(metric("lakehouse_pool_threads{pool=\"shutdown\"}"), 0);
}

static void bad_options_are_refused(void)
{
    lh_pool_t *p = (lh_pool_t *)&p;
    lh_err_t err = {0};
    lh_pool_opts_t o = {.name = "Bad-Name"};
    CHECK_EQ_INT(lh_pool_new(&o, &p, &err), LH_EINVAL);
    CHECK(p == NULL);
    CHECK(err.msg[0]);
    o = (lh_pool_opts_t){.name = "ok", .threads = -1};
    CHECK_EQ_INT(lh_pool_new(&o, &p, NULL), LH_EINVAL);
    o = (lh_pool_opts_t){.name = "ok"}; /* default: one thread per online core */
    CHECK_EQ_INT(lh_pool_new(&o, &p, NULL), 0);
    CHECK_EQ_INT(lh_pool_threads(p), sysconf(_SC_NPROCESSORS_ONLN));
    lh_job_spec_t s = {.run = NULL};
    CHECK_EQ_INT(lh_pool_submit(p, &s, NULL), LH_EINVAL);
    lh_pool_destroy(p);
}

/* --- parallel for --- */

typedef struct {
    size_t n;
    int *hits;           /* atomic per index */
    unsigned max_worker; /* highest worker id allowed */
    int bad_worker;      /* atomic */
    size_t fail_at;      /* index that fails, or n */
    lh_pool_t *pool;     /* for nested calls */
} cover_t;

static int cover_fn(void *arg, size_t i, unsigned worker)
{
    cover_t *c = arg;
    __atomic_add_fetch(&c->hits[i], 1, __ATOMIC_RELAXED);
    if (worker > c->max_worker) __atomic_store_n(&c->bad_worker, 1, __ATOMIC_RELAXED);
    return i == c->fail_at ? LH_EIO : 0;
}

static int cover_check(cover_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->hits[i] != 1) return 0;
    return !c->bad_worker;
}

static void parallel_for_covers_every_index_once(void)
{
    size_t sizes[] = {0, 1, 2, 3, 1000, 100000};
    lh_pool_t *p = pool_new("pfor", 3, 0);
    CHECK(p);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        for (int serial = 0; serial < 2; serial++) {
            cover_t c = {.n = sizes[k], .max_worker = serial ? 0 : 3, .fail_at = SIZE_MAX};
            c.hits = calloc(c.n + 1, sizeof *c.hits);
            CHECK(c.hits);
            int rc = lh_pool_parallel_for(serial ? NULL : p, c.n, cover_fn, &c);
            int ok = cover_check(&c);
            free(c.hits);
            CHECK_EQ_INT(rc, 0);
            CHECK(ok);
        }
    }
    lh_pool_destroy(p);
}

static void parallel_for_returns_first_error(void)
{
    cover_t c = {.n = 100000, .max_worker = 2, .fail_at = 5};
    c.hits = calloc(c.n, sizeof *c.hits);
    CHECK(c.hits);
    lh_pool_t *p = pool_new("pforerr", 2, 0);
    CHECK(p);
    int rc = lh_pool_parallel_for(p, c.n, cover_fn, &c);
    lh_pool_destroy(p);
    int at_most_once = 1;
    for (size_t i = 0; i < c.n; i++)
        at_most_once &= c.hits[i] <= 1;
    int failed_ran = c.hits[5];
    free(c.hits);
    CHECK_EQ_INT(rc, LH_EIO);
    CHECK_EQ_INT(failed_ran, 1);
    CHECK(at_most_once);
}

/* Every pool thread runs a job that itself runs a parallel for (and one more
 * level inside it): nothing is left to help, so callers do the work. */
static int nested_fn(void *arg, size_t i, unsigned worker)
{
    cover_t *outer = arg;
    __atomic_add_fetch(&outer->hits[i], 1, __ATOMIC_RELAXED);
    cover_t inner = {.n = 64, .max_worker = outer->max_worker, .fail_at = SIZE_MAX};
    int hits[64] = {0};
    inner.hits = hits;
    int rc = lh_pool_parallel_for(outer->pool, inner.n, cover_fn, &inner);
    return rc ? rc : cover_check(&inner) ? 0 : LH_ECORRUPT;
}

static int pfor_job(lh_job_t *job, void *arg)
{
    cover_t *c = arg;
    int rc = lh_pool_parallel_for(c->pool, c->n, nested_fn, c);
    return rc ? rc : cover_check(c) ? 0 : LH_ECORRUPT;
}

static void parallel_for_inside_jobs_on_a_saturated_pool(void)
{
    enum { JOBS = 4 };
    int hits[JOBS][500];
    cover_t c[JOBS];
    lh_job_t *h[JOBS];
    lh_pool_t *p = pool_new("pfornest", 2, 0);
    CHECK(p);
    memset(hits, 0, sizeof hits);
    for (int j = 0; j < JOBS; j++) {
        c[j] =
            (cover_t){.n = 500, .hits = hits[j], .max_worker = 2, .fail_at = SIZE_MAX, .pool = p};
        lh_job_spec_t s = {.run = pfor_job, .arg = &c[j]};
        CHECK_EQ_INT(lh_pool_submit(p, &s, &h[j]), 0);
    }
    for (int j = 0; j < JOBS; j++) {
        CHECK_EQ_INT(lh_job_wait(h[j]), 0);
        lh_job_release(h[j]);
    }
    lh_pool_destroy(p);
}

/* --- posting to a loop --- */

enum { POSTERS = 8, POSTS = 500 };

typedef struct {
    lh_loop_poster_t *poster;
    int hits[POSTERS][POSTS]; /* loop thread only */
    int last[POSTERS];        /* per-thread order check, loop thread only */
    int out_of_order, total, bad_status;
    int thread;
} post_st_t;

typedef struct {
    post_st_t *st;
    int thread, seq;
} post_t;

static void on_post(void *arg, int status)
{
    post_t *m = arg;
    post_st_t *st = m->st;
    if (status) st->bad_status++;
    st->hits[m->thread][m->seq]++;
    if (m->seq != st->last[m->thread] + 1) st->out_of_order++;
    st->last[m->thread] = m->seq;
    free(m);
    if (++st->total == POSTERS * POSTS) lh_loop_poster_close(st->poster);
}

static void *poster_main(void *arg)
{
    post_st_t *st = ((post_t *)arg)->st;
    int t = ((post_t *)arg)->thread;
    for (int i = 0; i < POSTS; i++) {
        post_t *m = malloc(sizeof *m);
        if (!m) abort();
        *m = (post_t){.st = st, .thread = t, .seq = i};
        if (lh_loop_post(st->poster, on_post, m) != 0) abort();
    }
    return NULL;
}

static void posts_from_many_threads_run_once_in_order(void)
{
    static post_st_t st;
    post_t args[POSTERS];
    pthread_t tid[POSTERS];
    uv_loop_t loop;
    CHECK_EQ_INT(uv_loop_init(&loop), 0);
    CHECK_EQ_INT(lh_loop_poster_new(&loop, &st.poster), 0);
    for (int t = 0; t < POSTERS; t++) {
        st.last[t] = -1;
        args[t] = (post_t){.st = &st, .thread = t};
        CHECK_EQ_INT(pthread_create(&tid[t], NULL, poster_main, &args[t]), 0);
    }
    uv_run(&loop, UV_RUN_DEFAULT); /* ends when the last post closes the poster */
    for (int t = 0; t < POSTERS; t++)
        pthread_join(tid[t], NULL);
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
    CHECK_EQ_INT(st.total, POSTERS * POSTS);
    CHECK_EQ_INT(st.out_of_order, 0);
    CHECK_EQ_INT(st.bad_status, 0);
    for (int t = 0; t < POSTERS; t++)
        for (int i = 0; i < POSTS; i++)
            CHECK_EQ_INT(st.hits[t][i], 1);
}

static int cancelled_posts;
static void count_cancelled(void *arg, int status)
{
    if (status == LH_ECANCELED) cancelled_posts++;
    (void)arg;
}

static void poster_close_runs_pending_as_cancelled(void)
{
    uv_loop_t loop;
    lh_loop_poster_t *ps;
    lh_loop_post_node_t node = {.fn = count_cancelled};
    CHECK_EQ_INT(uv_loop_init(&loop), 0);
    CHECK_EQ_INT(lh_loop_poster_new(&loop, &ps), 0);
    for (int i = 0; i < 10; i++)
        CHECK_EQ_INT(lh_loop_post(ps, count_cancelled, NULL), 0);
    CHECK_EQ_INT(lh_loop_post_node(ps, &node), 0);
    lh_loop_poster_hold(ps); /* a late poster keeps the memory */
    lh_loop_poster_close(ps);
    CHECK_EQ_INT(cancelled_posts, 11);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_EQ_INT(lh_loop_post(ps, count_cancelled, NULL), LH_ECANCELED);
    CHECK_EQ_INT(lh_loop_post_node(ps, &node), LH_ECANCELED);
    lh_loop_poster_release(ps);
    CHECK_EQ_INT(cancelled_posts, 11);
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
}

/* --- the pool completing onto a loop --- */

typedef struct {
    lh_loop_poster_t *poster;
    pthread_t loop_thread;
    int expected, done, off_loop, bad_status; /* loop thread only */
    rec_t *recs;
} onloop_t;

static void onloop_done(lh_job_t *job, void *arg, int status)
{
    rec_t *r = arg;
    onloop_t *o = r->ctx;
    rec_done(job, arg, status);
    if (!pthread_equal(pthread_self(), o->loop_thread)) o->off_loop++;
    if (status != r->rc) o->bad_status++;
    if (++o->done == o->expected) lh_loop_poster_close(o->poster);
}

static int onloop_run(lh_job_t *job, void *arg)
{
    rec_t *r = arg;
    __atomic_add_fetch(&r->ran, 1, __ATOMIC_RELAXED);
    return r->rc;
}

static void pool_completes_on_the_loop_thread(void)
{
    enum { N = 2000 };
    static rec_t r[N];
    static onloop_t o;
    uv_loop_t loop;
    lh_pool_t *p = pool_new("onloop", 2, N);
    CHECK(p);
    CHECK_EQ_INT(uv_loop_init(&loop), 0);
    CHECK_EQ_INT(lh_loop_poster_new(&loop, &o.poster), 0);
    o.loop_thread = pthread_self();
    o.expected = N;
    for (int i = 0; i < N; i++) {
        r[i] = (rec_t){.id = i, .rc = i % 5 ? 0 : LH_EIO, .ctx = &o};
        lh_job_spec_t s = {
            .run = onloop_run, .done = onloop_done, .arg = &r[i], .poster = o.poster};
        CHECK_EQ_INT(lh_pool_submit(p, &s, NULL), 0);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    lh_pool_destroy(p);
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
    CHECK_EQ_INT(o.done, N);
    CHECK_EQ_INT(o.off_loop, 0);
    CHECK_EQ_INT(o.bad_status, 0);
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(r[i].ran, 1);
        CHECK_EQ_INT(r[i].done, 1);
    }
}

/* Shutdown in the order the lead's stop path uses: destroy the pool (queued
 * jobs are cancelled, their completions posted), then close the poster (the
 * posted completions run, cancelled). Every done runs once, on the loop. */
static void shutdown_with_jobs_pending_completes_each_once_on_loop(void)
{
    enum { N = 50 };
    static rec_t r[N];
    static onloop_t o;
    gate_t g = {0};
    uv_loop_t loop;
    lh_job_t *busy, *h;
    lh_pool_t *p = pool_new("stoploop", 1, N);
    CHECK(p);
    CHECK_EQ_INT(uv_loop_init(&loop), 0);
    CHECK_EQ_INT(lh_loop_poster_new(&loop, &o.poster), 0);
    o.loop_thread = pthread_self();
    o.expected = N + 1; /* never reached: close comes from the stop path */
    lh_job_spec_t gs = {.run = gate_run, .arg = &g, .poster = o.poster};
    CHECK_EQ_INT(lh_pool_submit(p, &gs, &busy), 0);
    gate_wait_started(&g);
    for (int i = 0; i < N; i++) {
        r[i] = (rec_t){.id = i, .rc = LH_ECANCELED, .ctx = &o};
        lh_job_spec_t s = {
            .run = onloop_run, .done = onloop_done, .arg = &r[i], .poster = o.poster};
        CHECK_EQ_INT(lh_pool_submit(p, &s, i == 0 ? &h : NULL), 0);
    }
    lh_pool_destroy(p);
    CHECK_EQ_INT(o.done, 0); /* posted, not yet run */
    lh_loop_poster_close(o.poster);
    CHECK_EQ_INT(o.done, N);
    CHECK_EQ_INT(lh_job_wait(h), LH_ECANCELED);
    CHECK_EQ_INT(lh_job_wait(busy), LH_ECANCELED);
    lh_job_release(h);
    lh_job_release(busy);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_EQ_INT(uv_loop_close(&loop), 0);
    CHECK_EQ_INT(o.off_loop, 0);
    CHECK_EQ_INT(o.bad_status, 0);
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(r[i].ran, 0);
        CHECK_EQ_INT(r[i].done, 1);
    }
}

static const lh_test_t tests[] = {
    {"jobs_run_in_order_and_complete_once", jobs_run_in_order_and_complete_once},
    {"no_loop_done_runs_on_pool_thread_and_wait_returns_status",
     no_loop_done_runs_on_pool_thread_and_wait_returns_status},
    {"full_queue_rejects_with_ebusy", full_queue_rejects_with_ebusy},
    {"cancel_before_start_completes_cancelled_without_running",
     cancel_before_start_completes_cancelled_without_running},
    {"cancel_while_running_stops_at_next_poll", cancel_while_running_stops_at_next_poll},
    {"deadline_stops_running_and_skips_expired_queued_jobs",
     deadline_stops_running_and_skips_expired_queued_jobs},
    {"destroy_cancels_queued_and_running_jobs", destroy_cancels_queued_and_running_jobs},
    {"bad_options_are_refused", bad_options_are_refused},
    {"parallel_for_covers_every_index_once", parallel_for_covers_every_index_once},
    {"parallel_for_returns_first_error", parallel_for_returns_first_error},
    {"parallel_for_inside_jobs_on_a_saturated_pool", parallel_for_inside_jobs_on_a_saturated_pool},
    {"posts_from_many_threads_run_once_in_order", posts_from_many_threads_run_once_in_order},
    {"poster_close_runs_pending_as_cancelled", poster_close_runs_pending_as_cancelled},
    {"pool_completes_on_the_loop_thread", pool_completes_on_the_loop_thread},
    {"shutdown_with_jobs_pending_completes_each_once_on_loop",
     shutdown_with_jobs_pending_completes_each_once_on_loop},
    {NULL, NULL},
};
LH_TEST_MAIN(tests)
