/* The supervisor's two halves around its task: the fork (the child becomes
 * the leader of a new process group, reads /dev/null, writes into the log,
 * gets its working directory and memory limit, then execs the command) and
 * the wait (signals taken synchronously with sigtimedwait: SIGCHLD, the
 * timeout, and SIGTERM/SIGINT/SIGHUP to the supervisor, each of which sends
 * SIGTERM to the whole group and SIGKILL 5 s later). After the task exits,
 * whatever is left of its group is killed and reaped: the supervisor is a
 * child subreaper, so a task's orphaned background children come to it. A
 * supervisor killed outright (SIGKILL) takes its task along (the task's
 * parent-death signal); the task's own children then stay, as orphans. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "flow/exec_int.h"

#define KILL_AFTER_MS 5000 /* SIGTERM, then SIGKILL this much later */
#define REAP_FOR_MS 5000   /* how long to wait for a killed group to vanish */

static void child_fail(const char *what, const char *arg)
{
    dprintf(2, "[task-run] cannot %s %s: %s\n", what, arg, strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
}

#define INPROC_MAX 4
static struct {
    const char *verb;
    int (*main_fn)(int argc, char **argv);
    int warm;
} inproc[INPROC_MAX];

void lh_flow_task_inproc(const char *verb, int (*main_fn)(int argc, char **argv), int warm)
{
    for (int i = 0; i < INPROC_MAX; i++)
        if (!inproc[i].verb || !strcmp(inproc[i].verb, verb)) {
            inproc[i].verb = verb;
            inproc[i].main_fn = main_fn;
            inproc[i].warm = warm;
            return;
        }
}

/* The row of verb, or -1. */
static int inproc_row(const char *verb)
{
    for (int i = 0; verb && i < INPROC_MAX && inproc[i].verb; i++)
        if (!strcmp(verb, inproc[i].verb)) return i;
    return -1;
}

int (*lh__flow_task_warm_main(const char *verb))(int, char **)
{
    int i = inproc_row(verb);
    return i >= 0 && inproc[i].warm ? inproc[i].main_fn : NULL;
}

static char *title_at;
static size_t title_len;

void lh_flow_task_title_area(char *start, size_t len)
{
    title_at = start;
    title_len = len;
}

/* The child's command line as ps shows it: argv joined by spaces over the
 * launcher's (its environment strings are free here: environ is the try's). */
void lh__flow_task_set_title(char *const *argv)
{
    if (!title_at || title_len < 2) return;
    size_t k = 0;
    for (int i = 0; argv[i] && k < title_len - 1; i++) {
        if (i) title_at[k++] = ' ';
        for (const char *c = argv[i]; *c && k < title_len - 1; c++)
            title_at[k++] = *c;
    }
    memset(title_at + k, 0, title_len - k);
}

void lh__flow_default_signals(void)
{
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* In the child, set up as for the exec: runs the in-process verb and exits
 * when argv names it on this executable, else returns (exec then). */
static void child_inproc(char *const *argv)
{
    if (!argv[0] || !argv[1]) return;
    int row = inproc_row(argv[1]);
    if (row < 0) return;
    int (*main_fn)(int, char **) = inproc[row].main_fn;
    char self[PATH_MAX], *want = realpath(argv[0], NULL);
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    bool same = want && n > 0 && (self[n] = 0, !strcmp(self, want)); /* a replaced binary: exec */
    free(want);
    if (!same || close_range(3, ~0U, 0) != 0) return; /* only its stdio, as after the exec */
    lh__flow_default_signals();                       /* the dispositions an exec would reset */
    lh__flow_task_set_title(argv);
    if (inproc[row].warm) lh__flow_workers_proxy(argv); /* returns when no worker took the try */
    int argc = 0;
    while (argv[argc])
        argc++;
    int rc = main_fn(argc - 2, (char **)argv + 2);
    fflush(NULL);
    _exit(rc & 0xff);
}

/* In the child: never returns. */
static void child_exec(const lh__flow_taskrun_t *o, int log_fd, pid_t supervisor)
{
    /* a supervisor killed outright takes its task along: the try is then
     * lost and run again, and must not also go on running here */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != supervisor) _exit(126);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    setpgid(0, 0);
    int in = open("/dev/null", O_RDONLY);
    if (in < 0 || dup2(in, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0) _exit(126);
    if (in > 2) close(in);
    if (o->cwd && chdir(o->cwd) != 0) child_fail("change to", o->cwd);
    if (o->memory > 0 && o->memory_mode == LH_FLOW_MEM_RLIMIT) {
        struct rlimit rl = {.rlim_cur = (rlim_t)o->memory, .rlim_max = (rlim_t)o->memory};
        if (setrlimit(RLIMIT_AS, &rl) != 0) child_fail("set the memory limit", "RLIMIT_AS");
    }
    if (o->memory > 0 && o->memory_mode == LH_FLOW_MEM_ENV) {
        char v[32];
        snprintf(v, sizeof v, "%" PRId64, o->memory);
        if (setenv("LAKEHOUSE_SQL_MEMORY_LIMIT", v, 1) != 0) child_fail("set", "the environment");
    }
    child_inproc(o->argv);
    execvp(o->argv[0], o->argv);
    child_fail("run", o->argv[0]);
}

void lh__flow_waited_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGCHLD);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
}

int lh__flow_task_fork(const lh__flow_taskrun_t *o, int log_fd)
{
    pid_t me = getpid();
    fflush(NULL); /* nothing of ours for the child to write again (an in-process verb) */
    pid_t pid = fork();
    if (pid == 0) child_exec(o, log_fd, me);
    if (pid > 0) setpgid(pid, pid); /* also here, so the group exists before we signal it */
    return pid;
}

int64_t lh__flow_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct waiter {
    int pid, done;
    int64_t term_at; /* the timeout's deadline, or INT64_MAX */
    int64_t kill_at; /* SIGKILL's deadline once SIGTERM went out, else INT64_MAX */
    lh__flow_ending_t *end;
} waiter_t;

static void reap(waiter_t *w)
{
    int st;
    pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0)
        if (p == w->pid) {
            w->end->wait_status = st;
            w->done = 1;
        }
}

static void end_group(waiter_t *w, int64_t now)
{
    if (w->kill_at != INT64_MAX) return; /* already ending */
    kill(-w->pid, SIGTERM);
    w->kill_at = now + KILL_AFTER_MS;
}

/* The next deadline as a relative timespec; NULL when there is none. */
static const struct timespec *next_wait(const waiter_t *w, int64_t now, struct timespec *ts)
{
    int64_t at = w->kill_at != INT64_MAX ? w->kill_at : w->term_at;
    if (at == INT64_MAX) return NULL;
    int64_t ms = at > now ? at - now : 0;
    ts->tv_sec = ms / 1000;
    ts->tv_nsec = (ms % 1000) * 1000000;
    return ts;
}

static void on_deadlines(waiter_t *w, int64_t now)
{
    if (now >= w->term_at && w->kill_at == INT64_MAX) {
        w->end->timed_out = 1;
        end_group(w, now);
    }
    if (now >= w->kill_at) {
        kill(-w->pid, SIGKILL);
        w->kill_at = now + KILL_AFTER_MS; /* and again if it is still there then */
    }
}

/* Kills what is left of the group and reaps it, for a bounded time. */
static void clear_group(int pgid)
{
    int64_t until = lh__flow_mono_ms() + REAP_FOR_MS;
    kill(-pgid, SIGKILL);
    for (;;) {
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
        if (kill(-pgid, 0) != 0 || lh__flow_mono_ms() >= until) return;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = 5 * 1000000};
        nanosleep(&ts, NULL);
    }
}

void lh__flow_task_wait(const lh__flow_taskrun_t *o, int pid, lh__flow_ending_t *end)
{
    waiter_t w = {.pid = pid, .term_at = INT64_MAX, .kill_at = INT64_MAX, .end = end};
    if (o->timeout_ms > 0 && o->timeout_ms < INT64_MAX / 2)
        w.term_at = lh__flow_mono_ms() + o->timeout_ms;
    sigset_t set;
    lh__flow_waited_signals(&set);
    reap(&w);
    while (!w.done) {
        struct timespec ts;
        int64_t now = lh__flow_mono_ms();
        on_deadlines(&w, now);
        int sig = sigtimedwait(&set, NULL, next_wait(&w, now, &ts));
        if (sig == SIGCHLD) {
            reap(&w);
        } else if (sig > 0) { /* a stop request; a timeout already under way stays one */
            if (!end->timed_out) end->shutdown = 1;
            end_group(&w, lh__flow_mono_ms());
        }
    }
    clear_group(pid);
}
