/* `lakehouse task-run`: the supervisor of one task try, started by the
 * orchestrator's executor in its own session so that it outlives it.
 *
 *   lakehouse task-run --log P --status S [--timeout-ms N]
 *                      [--memory BYTES --memory-mode rlimit|env] [--cwd D] -- argv...
 *   lakehouse task-run --launcher [--workers N]   (the executor's fork server:
 *                                                 launcher.c, its warm workers: workers.c)
 *
 * It reads its options from a table of rows, creates the log's folders and
 * opens the log, forks the task (taskrun_wait.c), writes the running status,
 * waits, writes the final status and a last line in the log. It writes those
 * two files and nothing else. Its exit status is 0 when it recorded a final
 * status, 2 on a bad command line, 1 when it could not record. */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/str.h"
#include "flow/exec_int.h"

#define USAGE                                                                                      \
    "usage: lakehouse task-run --log P --status S [--timeout-ms N] [--memory BYTES\n"              \
    "                          --memory-mode rlimit|env] [--cwd D] -- COMMAND [ARG...]\n"

enum { OPT_STR, OPT_INT, OPT_MODE };

typedef struct opt_row {
    const char *name;
    int kind;   /* OPT_* */
    size_t off; /* into lh__flow_taskrun_t */
} opt_row_t;

static const opt_row_t opt_rows[] = {
    {.name = "--log", .kind = OPT_STR, .off = offsetof(lh__flow_taskrun_t, log)},
    {.name = "--status", .kind = OPT_STR, .off = offsetof(lh__flow_taskrun_t, status)},
    {.name = "--cwd", .kind = OPT_STR, .off = offsetof(lh__flow_taskrun_t, cwd)},
    {.name = "--timeout-ms", .kind = OPT_INT, .off = offsetof(lh__flow_taskrun_t, timeout_ms)},
    {.name = "--memory", .kind = OPT_INT, .off = offsetof(lh__flow_taskrun_t, memory)},
    {.name = "--memory-mode", .kind = OPT_MODE, .off = offsetof(lh__flow_taskrun_t, memory_mode)},
};

const char *const lh__flow_mem_modes[LH_FLOW_MEM_ENV + 1] = {
    [LH_FLOW_MEM_NONE] = "none",
    [LH_FLOW_MEM_RLIMIT] = "rlimit",
    [LH_FLOW_MEM_ENV] = "env",
};

static int set_opt(lh__flow_taskrun_t *o, const opt_row_t *r, const char *v)
{
    char *field = (char *)o + r->off;
    if (r->kind == OPT_STR) {
        if (!*v) return -1;
        *(const char **)(void *)field = v;
        return 0;
    }
    if (r->kind == OPT_INT) {
        int64_t n;
        if (lh_parse_i64(v, &n) != 0 || n < 0) return -1;
        *(int64_t *)(void *)field = n;
        return 0;
    }
    for (int m = 0; m <= LH_FLOW_MEM_ENV; m++)
        if (!strcmp(v, lh__flow_mem_modes[m])) {
            *(int *)(void *)field = m;
            return 0;
        }
    return -1;
}

static int bad_args(const char *msg, const char *arg)
{
    fprintf(stderr, "task-run: %s%s%s\n%s", msg, arg ? " " : "", arg ? arg : "", USAGE);
    return -1;
}

static const opt_row_t *find_opt(const char *name)
{
    for (size_t k = 0; k < sizeof opt_rows / sizeof *opt_rows; k++)
        if (!strcmp(name, opt_rows[k].name)) return &opt_rows[k];
    return NULL;
}

static int parse_args(lh__flow_taskrun_t *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    int i = 0;
    for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
        const opt_row_t *r = find_opt(argv[i]);
        if (!r) return bad_args("unknown option", argv[i]);
        if (i + 1 >= argc || set_opt(o, r, argv[i + 1]) != 0)
            return bad_args("bad value for", argv[i]);
    }
    if (!o->log || !o->status) return bad_args("--log and --status are required", NULL);
    if (i + 1 >= argc) return bad_args("no command after --", NULL);
    if ((o->memory > 0) != (o->memory_mode != LH_FLOW_MEM_NONE))
        return bad_args("--memory and --memory-mode go together", NULL);
    o->argv = argv + i + 1;
    return 0;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The final result from how the task ended. */
static void fill_result(const lh__flow_taskrun_t *o, const lh__flow_ending_t *e,
                        lh_flow_result_t *res)
{
    int st = e->wait_status;
    res->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    res->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
    res->timed_out = e->timed_out;
    res->memory = o->memory > 0 && o->memory_mode == LH_FLOW_MEM_RLIMIT && res->exit_code == 3;
    res->end_us = lh__flow_now_us();
    res->outcome = e->shutdown
                       ? LH_FLOW_OUT_SHUTDOWN
                       : lh_flow_outcome(res->exit_code, res->signal, res->timed_out, res->memory);
    if (e->shutdown)
        snprintf(res->reason, sizeof res->reason, "shutdown");
    else if (res->timed_out)
        snprintf(res->reason, sizeof res->reason, "timeout");
    else if (res->memory)
        snprintf(res->reason, sizeof res->reason, "memory");
    else if (res->signal)
        snprintf(res->reason, sizeof res->reason, "signal %d", res->signal);
    else
        snprintf(res->reason, sizeof res->reason, "exit %d", res->exit_code);
}

/* "[task-run] exit 1 after 0.42 s", "[task-run] timeout after 1.00 s (signal 15)" */
static void log_last_line(int log_fd, const lh_flow_result_t *res, double secs)
{
    char how[32] = "";
    if (res->timed_out || res->memory || res->outcome == LH_FLOW_OUT_SHUTDOWN)
        snprintf(how, sizeof how, " (%s %d)", res->signal ? "signal" : "exit",
                 res->signal ? res->signal : res->exit_code);
    struct stat st;
    char last = '\n';
    if (fstat(log_fd, &st) == 0 && st.st_size > 0 && pread(log_fd, &last, 1, st.st_size - 1) != 1)
        last = '\n';
    dprintf(log_fd, "%s[task-run] %s after %.2f s%s\n", last == '\n' ? "" : "\n", res->reason, secs,
            how);
}

static void block_signals(void)
{
    sigset_t set;
    lh__flow_waited_signals(&set);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Runs the task with the log open; returns the supervisor's exit status. */
static int supervise(const lh__flow_taskrun_t *o, int log_fd)
{
    lh_err_t err = {0};
    lh_flow_result_t res = {0};
    int me = (int)getpid();
    int64_t my_start = lh_flow_proc_start(me);
    double t0 = mono_s();
    res.start_us = lh__flow_now_us();
    int pid = lh__flow_task_fork(o, log_fd);
    if (pid < 0) {
        dprintf(log_fd, "[task-run] cannot fork: %s\n", strerror(errno));
        return 1;
    }
    res.task_pid = pid;
    lh__flow_ending_t end = {0};
    if (lh__flow_status_write(o->status, &res, 1, me, my_start, &err) != 0) {
        /* a try nobody can follow must not run: end it at once */
        dprintf(log_fd, "[task-run] %s\n", err.msg);
        kill(-pid, SIGKILL);
        lh__flow_task_wait(o, pid, &end);
        return 1;
    }
    lh__flow_task_wait(o, pid, &end);
    fill_result(o, &end, &res);
    log_last_line(log_fd, &res, mono_s() - t0);
    if (lh__flow_status_write(o->status, &res, 0, me, my_start, &err) != 0) {
        dprintf(log_fd, "[task-run] %s\n", err.msg);
        return 1;
    }
    return 0;
}

int lh_flow_task_run_main(int argc, char **argv)
{
    lh__flow_taskrun_t o;
    if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
        printf("%s\nRuns COMMAND as one task try: its output goes to the log, its status to the "
               "status file.\n",
               USAGE);
        return 0;
    }
    if (argc >= 1 && !strcmp(argv[0], "--launcher")) {
        int64_t workers = 0; /* --workers N: warm workers at most (workers.c) */
        if (argc != 1 &&
            (argc != 3 || strcmp(argv[1], "--workers") || lh_parse_i64(argv[2], &workers) ||
             workers < 0 || workers > LH__FLOW_WORKERS_MAX)) {
            fprintf(stderr, "usage: lakehouse task-run --launcher [--workers 0..%d]\n",
                    LH__FLOW_WORKERS_MAX);
            return 2;
        }
        return lh__flow_launcher_main(0, argv[0], (int)workers);
    }
    if (parse_args(&o, argc, argv) != 0) return 2;
    return lh__flow_task_run(&o);
}

int lh__flow_task_run(const lh__flow_taskrun_t *o)
{
    /* descriptors the orchestrator leaked to us must not reach the task */
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    block_signals();
    prctl(PR_SET_CHILD_SUBREAPER, 1); /* a task's orphans come to us, to be ended */
    if (lh__flow_make_parents(o->log) != 0 || lh__flow_make_parents(o->status) != 0) {
        fprintf(stderr, "task-run: cannot create the folders of %s: %s\n", o->log, strerror(errno));
        return 1;
    }
    int log_fd = open(o->log, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (log_fd < 0) {
        fprintf(stderr, "task-run: cannot open %s: %s\n", o->log, strerror(errno));
        return 1;
    }
    int rc = supervise(o, log_fd);
    close(log_fd);
    return rc;
}
