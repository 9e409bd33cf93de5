/* How fast the executor starts task tries: N tries of `true` through
 * lh_flow_exec_spawn on one libuv loop, PAR in flight at a time, either
 * through the launcher (the fork server, mode "launcher") or by uv_spawn of
 * `lakehouse task-run` (mode "spawn", the fallback and the former path).
 * Per try: the time spent inside lh_flow_exec_spawn (the loop is blocked
 * that long), launch -> task fork (the task's start_us that the supervisor
 * writes just before it forks the task, minus the clock before the spawn
 * call; CLOCK_REALTIME on both sides), and launch -> done callback (end to
 * end: the supervisor saw `true` exit, wrote its status, and the executor
 * read it). Prints p50 / p99 / max of each, in ms, and the tries per minute.
 * RSS_MB (default 0) first fills that much memory, as an orchestrator's
 * heap would be: uv_spawn forks this process, the launcher does not.
 *
 *   flow_launch launcher|spawn BIN N PAR DIR [RSS_MB] */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <uv.h>

#include "flow/exec.h"
#include "flow/exec_int.h"

extern char **environ;

typedef struct bench {
    uv_loop_t loop;
    lh_flow_exec_t *x;
    const char *dir;
    int n, par, started, finished, failed;
    int64_t *t0, *spawn_us, *fork_us, *e2e_us;
    int64_t wall0;
} bench_t;

typedef struct slot {
    bench_t *b;
    int i;
} slot_t;

static int64_t now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void status_path(const bench_t *b, int i, char *out, size_t cap, const char *ext)
{
    snprintf(out, cap, "%s/%d.%s", b->dir, i, ext);
}

static void start_one(bench_t *b);

static void on_done(void *arg, const lh_flow_result_t *res)
{
    slot_t *s = arg;
    bench_t *b = s->b;
    b->e2e_us[s->i] = now_us() - b->t0[s->i];
    b->fork_us[s->i] = res->start_us - b->t0[s->i];
    if (res->outcome != LH_FLOW_OUT_SUCCESS) b->failed++;
    b->finished++;
    free(s);
    if (b->started < b->n) start_one(b);
}

static void start_one(bench_t *b)
{
    int i = b->started++;
    char log[4096], status[4096];
    status_path(b, i, log, sizeof log, "log");
    status_path(b, i, status, sizeof status, "status");
    const char *argv[] = {"true", NULL};
    lh_flow_launch_t l = {
        .log_path = log, .status_path = status, .argv = argv, .env = (const char *const *)environ};
    slot_t *s = malloc(sizeof *s);
    s->b = b;
    s->i = i;
    int pid;
    int64_t start;
    lh_err_t err = {0};
    b->t0[i] = now_us();
    if (lh_flow_exec_spawn(b->x, &l, on_done, s, &pid, &start, &err) != 0) {
        fprintf(stderr, "flow_launch: %s\n", err.msg);
        exit(1);
    }
    b->spawn_us[i] = now_us() - b->t0[i];
}

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, int64_t *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    int p99 = (int)((double)n * 0.99);
    printf("  %-28s p50 %7.3f   p99 %7.3f   max %7.3f ms\n", what, (double)v[n / 2] / 1000.0,
           (double)v[p99 < n ? p99 : n - 1] / 1000.0, (double)v[n - 1] / 1000.0);
}

static void on_closed(void *arg)
{
    (void)arg;
}

int main(int argc, char **argv)
{
    if (argc < 6 || argc > 7 || (strcmp(argv[1], "launcher") && strcmp(argv[1], "spawn"))) {
        fprintf(stderr, "usage: flow_launch launcher|spawn BIN N PAR DIR [RSS_MB]\n");
        return 2;
    }
    size_t rss = argc == 7 ? (size_t)strtol(argv[6], NULL, 10) << 20 : 0;
    char *heap = rss ? malloc(rss) : NULL;
    if (heap) memset(heap, 1, rss);
    bench_t b = {
        .dir = argv[5], .n = (int)strtol(argv[3], NULL, 10), .par = (int)strtol(argv[4], NULL, 10)};
    if (b.n <= 0 || b.par <= 0) return 2;
    b.t0 = calloc((size_t)b.n, sizeof *b.t0);
    b.spawn_us = calloc((size_t)b.n, sizeof *b.spawn_us);
    b.fork_us = calloc((size_t)b.n, sizeof *b.fork_us);
    b.e2e_us = calloc((size_t)b.n, sizeof *b.e2e_us);
    uv_loop_init(&b.loop);
    if (lh_flow_exec_new(&b.x, &b.loop, argv[2]) != 0) return 1;
    lh__flow_exec_use_launcher(b.x, !strcmp(argv[1], "launcher"));
    b.wall0 = now_us();
    while (b.started < b.par && b.started < b.n)
        start_one(&b);
    while (b.finished < b.n && uv_run(&b.loop, UV_RUN_ONCE)) {
    }
    double wall_s = (double)(now_us() - b.wall0) / 1e6;
    lh_flow_exec_close(b.x, 0, on_closed, NULL);
    uv_run(&b.loop, UV_RUN_DEFAULT);
    uv_loop_close(&b.loop);
    printf(
        "%s: %d tries of `true`, %d in flight, %zu MiB heap, %d failed, %.2f s: %.0f tries/min\n",
        argv[1], b.n, b.par, rss >> 20, b.failed, wall_s, (double)b.n / wall_s * 60.0);
    report("in lh_flow_exec_spawn", b.spawn_us, b.n);
    report("launch -> task fork", b.fork_us, b.n);
    report("launch -> done (end to end)", b.e2e_us, b.n);
    free(heap);
    return b.failed ? 1 : 0;
}
