/* The process event loop glue: libuv's worker pool for short blocking work
 * (fsync, hashing, SQLite, small file reads), and posters that hand callbacks
 * from any thread back to a loop. Nothing on a loop thread blocks. Long work
 * (queries, scans, Parquet, compaction) goes to a core/pool.h pool instead. */
#ifndef LH_CORE_LOOP_H
#define LH_CORE_LOOP_H

#include "core/err.h"

#include <uv.h>

/* Runs work(arg) on a worker thread, then done(arg, status) on the loop thread
 * (status 0, or UV_ECANCELED when the loop is shutting down).
 * Returns 0 or LH_ENOMEM. */
int lh_work_submit(uv_loop_t *loop, void (*work)(void *arg), void (*done)(void *arg, int status),
                   void *arg);
/* Call before the first loop is created: sizes libuv's pool (UV_THREADPOOL_SIZE)
 * unless the environment already set it. */
void lh_work_init(int threads);

/* Loop thread. Runs fn(arg) once on loop's thread after ms milliseconds (a
 * one-shot uv timer, closed after it fired; it keeps the loop alive until
 * then). For answers that must wait without holding a thread (a delayed
 * failed login). Errors (fn will not run): LH_ENOMEM. */
int lh_loop_after(uv_loop_t *loop, uint64_t ms, void (*fn)(void *arg), void *arg);

/* --- posting to a loop from any thread ---
 * A poster wraps one uv_async_t and a thread-safe FIFO of callbacks that the
 * loop thread drains. Callbacks run on the loop thread in the order they were
 * posted, as fn(arg, 0); when the poster is closed with callbacks still queued,
 * those run once, inside lh_loop_poster_close, as fn(arg, LH_ECANCELED). Every
 * accepted post runs exactly once. An open poster keeps its loop alive (it is
 * a referenced handle), so close it in the stop path. */
typedef struct lh_loop_poster lh_loop_poster_t;

/* A queue entry a caller embeds in its own struct, so that posting needs no
 * allocation (lh_loop_post_node). Fields are the poster's while queued. */
typedef struct lh_loop_post_node {
    struct lh_loop_post_node *next;
    void (*fn)(void *arg, int status);
    void *arg;
} lh_loop_post_node_t;

/* Loop thread. Creates a poster on loop; *out is the caller's, given back with
 * lh_loop_poster_close. Errors: LH_ENOMEM; LH_EIO (uv_async_init failed). */
int lh_loop_poster_new(uv_loop_t *loop, lh_loop_poster_t **out);
/* Any thread. Queues fn(arg, status) for the loop thread; allocates one node.
 * Errors (fn will not run; arg stays the caller's): LH_ENOMEM; LH_ECANCELED
 * when the poster is closed. */
int lh_loop_post(lh_loop_poster_t *p, void (*fn)(void *arg, int status), void *arg);
/* Any thread. Like lh_loop_post with a caller-owned node (fn, arg set by the
 * caller; the node must live until fn runs). Errors: LH_ECANCELED (closed). */
int lh_loop_post_node(lh_loop_poster_t *p, lh_loop_post_node_t *n);
/* Loop thread, once. Refuses later posts (LH_ECANCELED), runs the queued
 * callbacks with LH_ECANCELED, and closes the handle; the loop must run once
 * more to finish the close. The memory is freed when the close is done and
 * every hold is released. Close it after destroying the pools that complete
 * onto it, so that no completion is refused. */
void lh_loop_poster_close(lh_loop_poster_t *p);
/* Any thread. A hold keeps the poster's memory (not the loop) alive past
 * lh_loop_poster_close, so a thread that may post late gets LH_ECANCELED
 * instead of touching freed memory. Pools take one per job that has a poster. */
void lh_loop_poster_hold(lh_loop_poster_t *p);
void lh_loop_poster_release(lh_loop_poster_t *p);

#endif
