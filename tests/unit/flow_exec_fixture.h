/* What the executor's tests share (flow_exec_test.c, flow_launcher_test.c):
 * one try with its files, its own loop and executor over the `lakehouse`
 * binary of this build, and the helpers that wait for its files. */
#ifndef LH_FLOW_EXEC_FIXTURE_H
#define LH_FLOW_EXEC_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "flow/exec.h"
#include "flow/exec_int.h"
#include "tmpdir.h"

extern char **environ;

static char self_exe[512]; /* <build>/lakehouse */

static inline int find_exe(void)
{
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    if (n <= 0) return -1;
    self_exe[n] = 0;
    for (int i = 0; i < 2; i++) { /* <build>/tests/<this> */
        char *slash = strrchr(self_exe, '/');
        if (!slash) return -1;
        *slash = 0;
    }
    strncat(self_exe, "/lakehouse", sizeof self_exe - strlen(self_exe) - 1);
    if (access(self_exe, X_OK) == 0) return 0;
    fprintf(stderr, "  %s is missing: build it first (make, or make asan)\n", self_exe);
    return -1;
}

/* One try: its files, its loop, its result. */
typedef struct
try {
    char dir[256], log[512], status[512];
    uv_loop_t loop;
    lh_flow_exec_t *x;
    int pid, done, closed;
    int64_t pid_start;
    lh_flow_result_t res;
}
try_t;

static inline void on_done(void *arg, const lh_flow_result_t *res)
{
    try_t *t = arg;
    t->res = *res;
    t->done++;
}

static inline void on_closed(void *arg)
{
    ((try_t *)arg)->closed = 1;
}

static inline int try_init(try_t *t)
{
    memset(t, 0, sizeof *t);
    if (find_exe() != 0) return -1;
    snprintf(t->dir, sizeof t->dir, "%s", lh_test_tmpdir());
    if (lh_flow_attempt_paths(t->dir, "d", "scheduled__2024-01-01T00:00:00+00:00", "t", 1, t->log,
                              t->status, sizeof t->log) != 0)
        return -1;
    uv_loop_init(&t->loop);
    return lh_flow_exec_new(&t->x, &t->loop, self_exe, 0);
}

static inline void try_close(try_t *t, int terminate)
{
    lh_flow_exec_close(t->x, terminate, on_closed, t);
    while (!t->closed)
        uv_run(&t->loop, UV_RUN_ONCE);
    uv_loop_close(&t->loop);
}

static inline int try_spawn(try_t *t, const char *const *argv, int64_t timeout_ms, int64_t mem,
                            int mode)
{
    lh_flow_launch_t l = {.log_path = t->log,
                          .status_path = t->status,
                          .argv = argv,
                          .env = (const char *const *)environ,
                          .cwd = t->dir,
                          .timeout_ms = timeout_ms,
                          .memory_limit = mem,
                          .memory_mode = mode};
    lh_err_t err = {0};
    return lh_flow_exec_spawn(t->x, &l, on_done, t, &t->pid, &t->pid_start, &err);
}

static inline void try_wait(try_t *t)
{
    while (!t->done && uv_run(&t->loop, UV_RUN_ONCE)) {
    }
}

/* Runs a shell script as a task to its end (and closes the executor). */
static inline int run_sh(try_t *t, const char *script, int64_t timeout_ms, int64_t mem, int mode)
{
    const char *argv[] = {"sh", "-c", script, NULL};
    if (try_init(t) != 0 || try_spawn(t, argv, timeout_ms, mem, mode) != 0) return -1;
    try_wait(t);
    try_close(t, 0);
    return t->done == 1 ? 0 : -1;
}

static inline char *slurp(const char *path)
{
    static char buf[65536];
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f) return buf;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static inline void in_dir(char *out, size_t cap, const try_t *t, const char *name)
{
    snprintf(out, cap, "%s/%s", t->dir, name);
}

/* Waits (up to 30 s) until path exists. */
static inline int wait_file(const char *path)
{
    for (int i = 0; i < 3000; i++) {
        if (access(path, F_OK) == 0) return 0;
        usleep(10000);
    }
    return -1;
}

static inline int read_pid(const try_t *t, const char *name)
{
    char path[600];
    in_dir(path, sizeof path, t, name);
    if (wait_file(path) != 0) return -1;
    return (int)strtol(slurp(path), NULL, 10);
}

/* A task that waits for the file "go" in its folder, then exits 0. */
static const char *const waiting[] = {"sh", "-c",
                                      "sleep 60 & echo $! > bg.pid; "
                                      "while [ ! -e go ]; do sleep 0.02; done; echo went",
                                      NULL};

static inline void let_go(const try_t *t)
{
    char path[600];
    in_dir(path, sizeof path, t, "go");
    FILE *f = fopen(path, "w");
    if (f) fclose(f);
}

static inline int wait_running(const try_t *t, lh_flow_result_t *res, int *sup, int64_t *sup_start)
{
    int running = 0;
    for (int i = 0; i < 3000; i++) {
        if (lh_flow_status_read(t->status, res, &running, sup, sup_start) == 0 && running) return 0;
        usleep(10000);
    }
    return -1;
}

/* A fresh try t running the waiting task (its running status read into
 * res); returns its launcher's pid, or -1. */
static inline int start_waiting(try_t *t, lh_flow_result_t *res)
{
    if (try_init(t) != 0 || try_spawn(t, waiting, 0, 0, LH_FLOW_MEM_NONE) != 0 ||
        wait_running(t, res, NULL, NULL) != 0)
        return -1;
    int launcher = lh__flow_exec_launcher_pid(t->x);
    return launcher > 0 ? launcher : -1;
}

/* The parent pid of pid (/proc/<pid>/stat field 4), or -1. */
static inline int proc_ppid(int pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f) fclose(f);
    buf[n] = 0;
    char *paren = strrchr(buf, ')'), state;
    int ppid;
    return paren && sscanf(paren + 1, " %c %d", &state, &ppid) == 2 ? ppid : -1;
}

#endif
