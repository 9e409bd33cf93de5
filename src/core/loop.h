/* The process event loop and its worker pool for blocking work (fsync,
 * hashing, SQLite, file reads). Nothing on a loop thread blocks. */
#ifndef LH_CORE_LOOP_H
#define LH_CORE_LOOP_H

#include <uv.h>

/* Runs work(arg) on a worker thread, then done(arg, status) on the loop thread
 * (status 0, or UV_ECANCELED when the loop is shutting down).
 * Returns 0 or LH_ENOMEM. */
int lh_work_submit(uv_loop_t *loop, void (*work)(void *arg),
                   void (*done)(void *arg, int status), void *arg);
/* Call before the first loop is created: sizes libuv's pool (UV_THREADPOOL_SIZE)
 * unless the environment already set it. */
void lh_work_init(int threads);

#endif
