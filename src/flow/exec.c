/* The executor: supervisors (`lakehouse task-run`) followed from a libuv
 * loop. A supervisor is started by the launcher (launcher.c, a fork server
 * started once per executor: exec_launch.c) in its own session, so it
 * survives the orchestrator; it is not our child, and is followed like one
 * a previous orchestrator left running: through a pidfd polled for
 * readability, or, when pidfd_open is unavailable, by a timer that looks at
 * /proc. A launcher found gone is started again, once; when that fails too,
 * supervisors are started as detached children of ours (uv_spawn of
 * `task-run`, stdio on /dev/null), whose uv_process_t reports their exit.
 * Either way, once the supervisor is gone its status file says how the try
 * ended; one that left no final status is LH_FLOW_OUT_LOST. The /proc start
 * time recorded at spawn tells a supervisor from a process that reused its
 * pid. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/log.h"
#include "flow/exec_int.h"

#define POLL_MS 200 /* the /proc check's period, without pidfd */

enum { PROC_CHILD, PROC_PIDFD, PROC_TIMER };

struct lh_flow_proc {
    lh_flow_exec_t *x;
    lh_flow_proc_t *prev, *next; /* in x->procs while followed */
    union {
        uv_handle_t h;
        uv_process_t child;
        uv_poll_t poll;
        uv_timer_t timer;
    } u;
    int kind; /* PROC_* */
    int pidfd;
    int pid;
    int64_t pid_start;
    lh_flow_exec_done_fn done;
    void *arg;
    char status_path[]; /* NUL-terminated */
};

struct lh_flow_exec {
    uv_loop_t *loop;
    char *self_exe;
    lh_flow_proc_t *procs;
    int nprocs;   /* followed */
    int nhandles; /* open, ours: procs (followed or closing) and kick */
    int use_pidfd;
    int closing;
    int use_launcher;              /* 0 once the launcher failed twice: uv_spawn then */
    int workers;                   /* the launcher's warm workers at most */
    lh__flow_launcher_t *launcher; /* NULL while there is none */
    uv_timer_t kick;               /* closed last by lh_flow_exec_close */
    void (*closed)(void *);
    void *closed_arg;
};

static void launcher_start(lh_flow_exec_t *x);

int lh_flow_exec_new(lh_flow_exec_t **out, uv_loop_t *loop, const char *self_exe, int workers)
{
    lh_flow_exec_t *x = calloc(1, sizeof *x);
    if (!x || !(x->self_exe = strdup(self_exe))) {
        free(x);
        return LH_ENOMEM;
    }
    x->loop = loop;
    x->use_pidfd = 1;
    uv_timer_init(loop, &x->kick);
    x->kick.data = x;
    x->nhandles = 1;
    x->use_launcher = 1;
    x->workers = workers;
    launcher_start(x);
    *out = x;
    return 0;
}

void lh__flow_exec_use_pidfd(lh_flow_exec_t *x, int use_pidfd)
{
    x->use_pidfd = use_pidfd;
}

void lh__flow_exec_use_launcher(lh_flow_exec_t *x, int use_launcher)
{
    x->use_launcher = use_launcher;
}

int lh__flow_exec_launcher_pid(const lh_flow_exec_t *x)
{
    return x->launcher ? lh__flow_launcher_pid(x->launcher) : 0;
}

int lh_flow_exec_running(const lh_flow_exec_t *x)
{
    return x->nprocs;
}

static void exec_handle_gone(lh_flow_exec_t *x)
{
    if (--x->nhandles > 0 || !x->closing) return;
    void (*closed)(void *) = x->closed;
    void *arg = x->closed_arg;
    free(x->self_exe);
    free(x);
    if (closed) closed(arg);
}

static void on_kick_closed(uv_handle_t *h)
{
    exec_handle_gone(h->data);
}

static void on_launcher_gone(void *arg)
{
    exec_handle_gone(arg);
}

/* Starts a launcher; on failure, supervisors are started by uv_spawn. */
static void launcher_start(lh_flow_exec_t *x)
{
    lh_err_t err = {0};
    x->nhandles++; /* on_launcher_gone runs either way */
    if (lh__flow_launcher_start(&x->launcher, x->loop, x->self_exe, x->workers, on_launcher_gone, x,
                                &err)) {
        lh_warn("flow: %s; starting each task-run by itself instead", err.msg);
        x->launcher = NULL;
        x->use_launcher = 0;
    }
}

static void launcher_drop(lh_flow_exec_t *x, int kill)
{
    if (x->launcher) lh__flow_launcher_stop(x->launcher, kill);
    x->launcher = NULL;
}

static void on_proc_closed(uv_handle_t *h)
{
    lh_flow_proc_t *p = h->data;
    lh_flow_exec_t *x = p->x;
    if (p->pidfd >= 0) close(p->pidfd);
    free(p);
    exec_handle_gone(x);
}

static lh_flow_proc_t *proc_new(lh_flow_exec_t *x, const char *status_path,
                                lh_flow_exec_done_fn done, void *arg)
{
    size_t n = strlen(status_path) + 1;
    lh_flow_proc_t *p = calloc(1, sizeof *p + n);
    if (!p) return NULL;
    memcpy(p->status_path, status_path, n);
    p->x = x;
    p->pidfd = -1;
    p->done = done;
    p->arg = arg;
    return p;
}

/* Starts following p, whose handle is initialised. */
static void proc_link(lh_flow_proc_t *p)
{
    lh_flow_exec_t *x = p->x;
    p->u.h.data = p;
    p->next = x->procs;
    if (x->procs) x->procs->prev = p;
    x->procs = p;
    x->nprocs++;
    x->nhandles++;
}

static void proc_unlink(lh_flow_proc_t *p)
{
    lh_flow_exec_t *x = p->x;
    if (p->prev)
        p->prev->next = p->next;
    else
        x->procs = p->next;
    if (p->next) p->next->prev = p->prev;
    x->nprocs--;
}

/* The supervisor is gone: its result from the status file, then done. */
static void proc_finish(lh_flow_proc_t *p)
{
    lh_flow_exec_t *x = p->x;
    lh_flow_result_t res;
    int running = 0;
    memset(&res, 0, sizeof res);
    if (lh_flow_status_read(p->status_path, &res, &running, NULL, NULL) != 0 || running)
        lh__flow_result_lost(&res); /* keeps the task's pid and start when they were read */
    proc_unlink(p);
    uv_close(&p->u.h, on_proc_closed); /* p is freed on a later turn of the loop */
    if (!x->closing && p->done) p->done(p->arg, &res);
}

/* 1 while pid is the live process that started at pid_start. */
static int proc_alive(int pid, int64_t pid_start)
{
    int64_t start;
    int zombie;
    return lh__flow_proc_stat(pid, &start, &zombie) == 0 && !zombie && start == pid_start;
}

static void on_child_exit(uv_process_t *h, int64_t status, int sig)
{
    proc_finish(h->data);
}

static void on_pidfd(uv_poll_t *h, int status, int events)
{
    proc_finish(h->data);
}

static void on_timer(uv_timer_t *h)
{
    lh_flow_proc_t *p = h->data;
    if (!proc_alive(p->pid, p->pid_start)) proc_finish(p);
}

/* `self_exe task-run --log L --status S [...] -- argv...` into args (cap
 * entries), the numbers in nums; returns 0 or LH_ETOOBIG. */
static int supervisor_args(const lh_flow_exec_t *x, const lh_flow_launch_t *l, char **args, int cap,
                           char nums[2][24])
{
    int n = 0;
    args[n++] = x->self_exe;
    args[n++] = (char *)"task-run";
    args[n++] = (char *)"--log";
    args[n++] = (char *)l->log_path;
    args[n++] = (char *)"--status";
    args[n++] = (char *)l->status_path;
    if (l->timeout_ms > 0) {
        snprintf(nums[0], sizeof nums[0], "%" PRId64, l->timeout_ms);
        args[n++] = (char *)"--timeout-ms";
        args[n++] = nums[0];
    }
    if (l->memory_limit > 0 && l->memory_mode != LH_FLOW_MEM_NONE) {
        snprintf(nums[1], sizeof nums[1], "%" PRId64, l->memory_limit);
        args[n++] = (char *)"--memory";
        args[n++] = nums[1];
        args[n++] = (char *)"--memory-mode";
        args[n++] = (char *)lh__flow_mem_modes[l->memory_mode];
    }
    if (l->cwd) {
        args[n++] = (char *)"--cwd";
        args[n++] = (char *)l->cwd;
    }
    args[n++] = (char *)"--";
    for (const char *const *a = l->argv; *a; a++) {
        if (n + 1 >= cap) return LH_ETOOBIG;
        args[n++] = (char *)*a;
    }
    args[n] = NULL;
    return 0;
}

static int launch_ok(const lh_flow_launch_t *l)
{
    return l->log_path && l->status_path && l->argv && l->argv[0] &&
           l->memory_mode >= LH_FLOW_MEM_NONE && l->memory_mode <= LH_FLOW_MEM_ENV &&
           l->timeout_ms >= 0 && l->memory_limit >= 0;
}

static int spawn_proc(lh_flow_proc_t *p, const lh_flow_launch_t *l, char **args, lh_err_t *err)
{
    uv_stdio_container_t stdio[3] = {
        {.flags = UV_IGNORE}, {.flags = UV_IGNORE}, {.flags = UV_IGNORE}};
    uv_process_options_t o = {
        .exit_cb = on_child_exit,
        .file = p->x->self_exe,
        .args = args,
        .env = (char **)l->env,
        .flags = UV_PROCESS_DETACHED,
        .stdio_count = 3,
        .stdio = stdio,
    };
    int rc = uv_spawn(p->x->loop, &p->u.child, &o);
    proc_link(p); /* a handle to close either way */
    if (rc != 0) {
        proc_unlink(p);
        uv_close(&p->u.h, on_proc_closed);
        return lh_err_set(err, LH_EIO, "cannot start %s task-run: %s", p->x->self_exe,
                          uv_strerror(rc));
    }
    p->kind = PROC_CHILD;
    p->pid = p->u.child.pid;
    int zombie; /* it may have exited already: it is ours, not reaped yet */
    if (lh__flow_proc_stat(p->pid, &p->pid_start, &zombie) != 0) p->pid_start = -1;
    return 0;
}

/* The fallback: the supervisor as a detached child of ours. */
static int spawn_child(lh_flow_exec_t *x, const lh_flow_launch_t *l, lh_flow_exec_done_fn done,
                       void *arg, int *pid, int64_t *pid_start, lh_err_t *err)
{
    enum { MAX_ARGS = 4096 };
    char nums[2][24];
    char **args = malloc(MAX_ARGS * sizeof *args);
    lh_flow_proc_t *p = args ? proc_new(x, l->status_path, done, arg) : NULL;
    if (!p) {
        free(args);
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    int rc = supervisor_args(x, l, args, MAX_ARGS, nums);
    if (rc != 0) {
        free(p);
        free(args);
        return lh_err_set(err, rc, "too many arguments for the task");
    }
    rc = spawn_proc(p, l, args, err);
    free(args);
    if (rc != 0) return rc;
    *pid = p->pid;
    *pid_start = p->pid_start;
    return 0;
}

/* Follows p through a pidfd; returns 0, or -1 when that is not possible
 * (the timer then follows it). */
static int follow_pidfd(lh_flow_proc_t *p)
{
#ifdef SYS_pidfd_open
    int fd = (int)syscall(SYS_pidfd_open, p->pid, 0);
    if (fd < 0) return -1;
    /* checked after the open: the pidfd now names this process for good */
    if (!proc_alive(p->pid, p->pid_start) || uv_poll_init(p->x->loop, &p->u.poll, fd) != 0) {
        close(fd);
        return -1;
    }
    p->pidfd = fd;
    p->kind = PROC_PIDFD;
    proc_link(p);
    uv_poll_start(&p->u.poll, UV_READABLE, on_pidfd);
    return 0;
#else
    return -1;
#endif
}

int lh_flow_exec_adopt(lh_flow_exec_t *x, int pid, int64_t pid_start, const char *status_path,
                       lh_flow_exec_done_fn done, void *arg, lh_err_t *err)
{
    if (!status_path) return lh_err_set(err, LH_EINVAL, "no status file to adopt by");
    lh_flow_proc_t *p = proc_new(x, status_path, done, arg);
    if (!p) return lh_err_set(err, LH_ENOMEM, "out of memory");
    p->pid = pid;
    p->pid_start = pid_start;
    int alive = proc_alive(pid, pid_start);
    if (alive && x->use_pidfd && follow_pidfd(p) == 0) return 0;
    uv_timer_init(x->loop, &p->u.timer);
    p->kind = PROC_TIMER;
    proc_link(p);
    uv_timer_start(&p->u.timer, on_timer, alive ? POLL_MS : 0, POLL_MS);
    return 0;
}

/* A supervisor from the launcher, restarted once when it is gone. Returns
 * 0, LH_EPROTO when no launcher can be had (then uv_spawn), or the error. */
static int spawn_launched(lh_flow_exec_t *x, const lh_flow_launch_t *l, int *pid,
                          int64_t *pid_start, lh_err_t *err)
{
    for (int round = 0; round < 2; round++) {
        if (x->launcher && lh__flow_launcher_exited(x->launcher)) {
            lh_warn("flow: the task launcher exited; starting another");
            launcher_drop(x, 0);
        }
        if (!x->launcher) launcher_start(x);
        if (!x->launcher) return LH_EPROTO;
        int rc = lh__flow_launcher_launch(x->launcher, l, pid, pid_start, err);
        if (rc != LH_EPROTO) return rc;
        lh_warn("flow: %s; %s", err->msg,
                round ? "starting each task-run by itself from now on" : "starting another");
        launcher_drop(x, 1);
    }
    x->use_launcher = 0;
    return LH_EPROTO;
}

int lh_flow_exec_spawn(lh_flow_exec_t *x, const lh_flow_launch_t *l, lh_flow_exec_done_fn done,
                       void *arg, int *pid, int64_t *pid_start, lh_err_t *err)
{
    if (!launch_ok(l)) return lh_err_set(err, LH_EINVAL, "incomplete task launch");
    int rc = x->use_launcher ? spawn_launched(x, l, pid, pid_start, err) : LH_EPROTO;
    if (rc == LH_EPROTO) return spawn_child(x, l, done, arg, pid, pid_start, err);
    if (rc == 0 && (rc = lh_flow_exec_adopt(x, *pid, *pid_start, l->status_path, done, arg, err)))
        kill(*pid, SIGKILL); /* nobody would follow it */
    return rc;
}

static void proc_terminate(lh_flow_proc_t *p)
{
    if (p->kind == PROC_CHILD) {
        uv_process_kill(&p->u.child, SIGTERM);
        return;
    }
#ifdef SYS_pidfd_send_signal
    if (p->kind == PROC_PIDFD) {
        syscall(SYS_pidfd_send_signal, p->pidfd, SIGTERM, NULL, 0);
        return;
    }
#endif
    if (proc_alive(p->pid, p->pid_start)) kill(p->pid, SIGTERM);
}

void lh_flow_exec_close(lh_flow_exec_t *x, int terminate, void (*closed)(void *), void *arg)
{
    x->closing = 1;
    x->closed = closed;
    x->closed_arg = arg;
    while (x->procs) {
        lh_flow_proc_t *p = x->procs;
        if (terminate) proc_terminate(p);
        proc_unlink(p);
        uv_close(&p->u.h, on_proc_closed);
    }
    launcher_drop(x, 0); /* it exits at EOF; its supervisors go on */
    uv_close((uv_handle_t *)&x->kick, on_kick_closed);
}
