/* `lakehouse task-run --launcher`: the fork server of the executor. The
 * executor starts it once (exec_launch.c), with its end of a socket as
 * stdin; it is single-threaded. Starting a try then costs no exec of the
 * binary (whose dynamic loading dominates an exec) and no fork on the
 * executor's path either: the launcher keeps one spare child forked ahead.
 *
 * The spare reads the next launch request (launch_wire.c) from the socket
 * itself, answers with its own pid and /proc start time, tells the launcher
 * (a byte on a pipe: 't'), and becomes the try's supervisor through the
 * same code path as `task-run` (lh__flow_task_run), in its own session so
 * that it outlives the launcher and the orchestrator (`ps` shows it as
 * `lakehouse task-run supervise`). The launcher then
 * forks the next spare. A bad request is answered with an error by the
 * spare, which goes on waiting. At EOF the spare says 'e' and the launcher
 * exits; a spare that dies without a word may have left half a request
 * read, so the launcher exits too (the executor then starts another). A
 * spare does nothing before its answer is out, so a launcher that died
 * without answering started no supervisor and the executor may ask again.
 *
 * The launcher reaps its children on SIGCHLD (taken only inside ppoll). It
 * dies with its parent (PR_SET_PDEATHSIG), and a waiting spare with the
 * launcher. */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flow/exec_int.h"

extern char **environ;

static char *title; /* our "--launcher" in argv, renamed in a supervisor for ps */

typedef struct answer {
    int32_t pid, pad;
    int64_t start;
} answer_t;

static void on_sigchld(int sig)
{
    (void)sig; /* only wakes ppoll */
}

/* Reads or writes n bytes; 0, or -1 at EOF or on an error. */
static int io_full(int fd, void *buf, size_t n, int writing)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = writing ? send(fd, p, n, MSG_NOSIGNAL) : read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* In the spare, once its answer is out: never returns. */
static void become_supervisor(const lh__flow_taskrun_t *o, char **env, int tell)
{
    prctl(PR_SET_PDEATHSIG, 0); /* from now on it outlives the launcher */
    if (title) {                /* `lakehouse task-run supervise` in ps, same length */
        size_t n = strlen(title);
        memset(title, 0, n);
        memcpy(title, "supervise", n < 9 ? n : 9);
    }
    if (write(tell, "t", 1) != 1) _exit(1);
    close(tell);
    setsid();
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) _exit(1);
    if (null > 2) close(null);
    signal(SIGCHLD, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    environ = env;
    _exit(lh__flow_task_run(o));
}

/* Reads one request; returns its body (malloc'd) in *body, or -1 at EOF or
 * when the stream cannot go on. */
static int read_request(int fd, char **body, uint32_t *len)
{
    if (io_full(fd, len, 4, 0) != 0) return -1;
    if (*len > LH__FLOW_LAUNCH_MAX) {
        fprintf(stderr, "task-run --launcher: a request of %u bytes: giving up\n", *len);
        return -1;
    }
    *body = malloc(*len ? *len : 1);
    if (*body && io_full(fd, *body, *len, 0) == 0) return 0;
    free(*body);
    return -1;
}

/* The spare: serves requests until one is good, then is its supervisor. */
static void spare_main(int fd, int heard, int tell, pid_t launcher)
{
    close(heard);
    lh__flow_workers_forked(-1);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != launcher) _exit(0);
    answer_t a = {.pid = (int32_t)getpid(), .start = lh_flow_proc_start((int)getpid())};
    for (;;) {
        char *body;
        uint32_t len;
        if (read_request(fd, &body, &len) != 0) break;
        lh__flow_taskrun_t o;
        char **env = NULL;
        int rc = lh__flow_launch_decode(body, len, &o, &env);
        answer_t no = {.pid = rc == LH_ENOMEM ? -ENOMEM : -EINVAL, .start = -1};
        if (io_full(fd, rc == 0 ? &a : &no, sizeof a, 1) != 0) break;
        if (rc == 0) become_supervisor(&o, env, tell);
        free(body);
    }
    if (write(tell, "e", 1) != 1) _exit(1);
    _exit(0);
}

/* Forks a spare on fd that tells us by words[1]; its pid, or -1. */
static pid_t fork_spare(int fd, const int words[2])
{
    pid_t me = getpid(), pid = fork();
    if (pid == 0) spare_main(fd, words[0], words[1], me);
    if (pid < 0) fprintf(stderr, "task-run --launcher: cannot fork: %s\n", strerror(errno));
    return pid;
}

/* Reaps children (a worker's status kept for its proxy); returns 1 when
 * the spare was among them. */
static int reap_children(pid_t spare)
{
    int lost = 0, st;
    pid_t p;
    while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
        lost |= p == spare;
        lh__flow_workers_reaped(p, st);
    }
    return lost;
}

/* Reads the spares' words; returns 1 at 'e' (EOF), else forks a new spare
 * in *spare for each 't'. */
static int read_words(int fd, const int words[2], pid_t *spare)
{
    char said[16];
    ssize_t n;
    while ((n = read(words[0], said, sizeof said)) > 0)
        for (ssize_t i = 0; i < n; i++) {
            if (said[i] == 'e') return 1;
            *spare = fork_spare(fd, words);
        }
    return 0;
}

static void block_sigchld(sigset_t *during_poll)
{
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, during_poll);
    sigdelset(during_poll, SIGCHLD);
    struct sigaction sa = {.sa_handler = on_sigchld, .sa_flags = SA_NOCLDSTOP};
    sigaction(SIGCHLD, &sa, NULL);
}

int lh__flow_launcher_main(int fd, char *arg, int workers)
{
    title = arg;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        fprintf(stderr, "task-run: --launcher reads the executor's socket on stdin, and this is "
                        "not a socket\n");
        return 2;
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close_range(3, ~0U, 0); /* the supervisors never exec: leave them nothing */
    signal(SIGPIPE, SIG_IGN);
    sigset_t during_poll;
    block_sigchld(&during_poll);
    int words[2]; /* the spares write, we read (non-blocking) */
    if (pipe2(words, O_CLOEXEC) != 0 || fcntl(words[0], F_SETFL, O_NONBLOCK) != 0) {
        fprintf(stderr, "task-run --launcher: cannot make a pipe: %s\n", strerror(errno));
        return 1;
    }
    if (lh__flow_workers_open(workers) != 0)
        fprintf(stderr, "task-run --launcher: no warm workers: %s\n", strerror(errno));
    pid_t spare = fork_spare(fd, words);
    while (spare > 0) {
        struct pollfd p[1 + 1 + LH__FLOW_WORKERS_MAX] = {{.fd = words[0], .events = POLLIN}};
        int n = 1 + lh__flow_workers_pollfds(p + 1, LH__FLOW_WORKERS_MAX + 1);
        int r = ppoll(p, (nfds_t)n, NULL, &during_poll);
        if (r < 0 && errno != EINTR) break;
        if (r > 0) lh__flow_workers_serve(p + 1, n - 1);
        if (read_words(fd, words, &spare)) break;
        if (reap_children(spare)) break; /* gone without a word: the stream may be torn */
    }
    reap_children(0);
    return spare > 0 ? 0 : 1;
}
