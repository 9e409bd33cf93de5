/* `lakehouse task-run --launcher`: the fork server of the executor. The
 * executor starts it once (exec_launch.c), with its end of a socket as
 * stdin; it is single-threaded and reads launch requests (launch_wire.c)
 * until EOF. For each it forks a child that becomes the try's supervisor
 * through the same code path as `task-run` (lh__flow_task_run), in its own
 * session so that it outlives both the launcher and the orchestrator, and
 * answers with the child's pid and /proc start time. Starting a try then
 * costs a fork of this small process instead of an exec of the binary (its
 * dynamic loading dominates the exec).
 *
 * The child waits for a byte on a pipe that the launcher writes only after
 * the answer is sent: a launcher that dies in between leaves no supervisor
 * nobody knows of, so the executor may safely ask again. Children are
 * reaped on SIGCHLD (taken only inside ppoll); the launcher exits at EOF,
 * and with its parent (PR_SET_PDEATHSIG) as a backup. */
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

static void on_sigchld(int sig)
{
    (void)sig; /* only wakes ppoll */
}

static void reap_children(void)
{
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
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

/* In the child: waits for the launcher's go, then is the supervisor. */
static void become_supervisor(const lh__flow_taskrun_t *o, char **env, int go)
{
    char b;
    ssize_t r;
    while ((r = read(go, &b, 1)) < 0 && errno == EINTR) {
    }
    if (r != 1) _exit(0); /* no answer went out: nobody follows this try */
    close(go);
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

typedef struct answer {
    int32_t pid, pad;
    int64_t start;
} answer_t;

/* Forks the supervisor of o, answers, then lets it go. Returns 0, or -1
 * when the answer could not be sent (the executor is gone). */
static int launch(int fd, const lh__flow_taskrun_t *o, char **env)
{
    answer_t a = {0};
    int go[2];
    if (pipe2(go, O_CLOEXEC) != 0) {
        a.pid = -errno;
        return io_full(fd, &a, sizeof a, 1);
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(go[1]);
        become_supervisor(o, env, go[0]);
    }
    close(go[0]);
    a.pid = pid > 0 ? pid : -errno;
    a.start = pid > 0 ? lh_flow_proc_start(pid) : -1; /* ours, not reaped: always there */
    int rc = io_full(fd, &a, sizeof a, 1);
    if (rc == 0 && pid > 0 && write(go[1], "g", 1) != 1) rc = -1;
    close(go[1]);
    return rc;
}

/* Serves one request; returns -1 at EOF or when the socket broke. */
static int serve_one(int fd)
{
    uint32_t len;
    if (io_full(fd, &len, 4, 0) != 0) return -1;
    if (len > LH__FLOW_LAUNCH_MAX) {
        fprintf(stderr, "task-run --launcher: a request of %u bytes: giving up\n", len);
        return -1;
    }
    char *body = malloc(len ? len : 1);
    if (!body || io_full(fd, body, len, 0) != 0) {
        free(body);
        return -1;
    }
    lh__flow_taskrun_t o;
    char **env = NULL;
    int rc = lh__flow_launch_decode(body, len, &o, &env);
    if (rc == 0) {
        rc = launch(fd, &o, env);
    } else {
        answer_t a = {.pid = rc == LH_ENOMEM ? -ENOMEM : -EINVAL, .start = -1};
        rc = io_full(fd, &a, sizeof a, 1);
    }
    free(o.argv);
    free(env);
    free(body);
    return rc;
}

int lh__flow_launcher_main(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) {
        fprintf(stderr, "task-run: --launcher reads the executor's socket on stdin, and this is "
                        "not a socket\n");
        return 2;
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    close_range(3, ~0U, 0); /* the supervisors never exec: leave them nothing */
    signal(SIGPIPE, SIG_IGN);
    sigset_t chld, during_poll;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &during_poll);
    sigdelset(&during_poll, SIGCHLD);
    struct sigaction sa = {.sa_handler = on_sigchld, .sa_flags = SA_NOCLDSTOP};
    sigaction(SIGCHLD, &sa, NULL);
    for (;;) {
        reap_children();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = ppoll(&p, 1, NULL, &during_poll);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 || serve_one(fd) != 0) break;
    }
    reap_children();
    return 0;
}
