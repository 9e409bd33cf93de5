/* Worker pool glue over libuv's threadpool. */
#include "core/loop.h"
#include "core/err.h"

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
    if (j->done)
        j->done(j->arg, status);
    free(j);
}

int lh_work_submit(uv_loop_t *loop, void (*work)(void *), void (*done)(void *, int), void *arg)
{
    job_t *j = malloc(sizeof *j);
    if (!j)
        return LH_ENOMEM;
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
    if (getenv("UV_THREADPOOL_SIZE"))
        return;
    snprintf(n, sizeof n, "%d", threads > 0 ? threads : 16);
    setenv("UV_THREADPOOL_SIZE", n, 0);
}
