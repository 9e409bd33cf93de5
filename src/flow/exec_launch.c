/* The executor's end of the launcher (launcher.c): starts `self_exe task-run
 * --launcher` with one end of a socketpair as its stdin, and asks it for a
 * supervisor per try. The question and its answer are a blocking write and
 * read on a local socket, bounded by a deadline: a spare child the launcher
 * forked ahead answers at once (well under a millisecond, measured), which
 * keeps lh_flow_exec_spawn's synchronous contract without a callback. A
 * launcher silent past the deadline is killed, and an answer it sent before
 * it died is still read. A launcher that is gone without an answer started
 * no supervisor (it lets a child go only after its answer went out), so
 * the caller may stop it and ask another. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "flow/exec_int.h"

#define ANSWER_MS 5000 /* how long a launch may take before the launcher counts as stuck */

struct lh__flow_launcher {
    uv_process_t proc;
    int fd; /* ours of the socketpair, non-blocking; -1 once closed */
    int exited, released;
    void (*gone)(void *);
    void *arg;
};

static void on_closed(uv_handle_t *h)
{
    lh__flow_launcher_t *c = h->data;
    void (*gone)(void *) = c->gone;
    void *arg = c->arg;
    free(c);
    gone(arg);
}

static void close_fd(lh__flow_launcher_t *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

static void maybe_close(lh__flow_launcher_t *c)
{
    if (c->exited && c->released) uv_close((uv_handle_t *)&c->proc, on_closed);
}

static void on_launcher_exit(uv_process_t *h, int64_t status, int sig)
{
    lh__flow_launcher_t *c = h->data;
    c->exited = 1;
    close_fd(c);
    maybe_close(c);
}

int lh__flow_launcher_start(lh__flow_launcher_t **out, uv_loop_t *loop, const char *self_exe,
                            int workers, void (*gone)(void *), void *arg, lh_err_t *err)
{
    int sv[2];
    lh__flow_launcher_t *c = calloc(1, sizeof *c);
    if (!c) return lh_err_set(err, LH_ENOMEM, "out of memory");
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        free(c);
        return lh_err_set(err, LH_EIO, "cannot make the launcher's socket: %s", strerror(errno));
    }
    char nw[16];
    snprintf(nw, sizeof nw, "%d", workers);
    char *args[] = {
        (char *)self_exe, (char *)"task-run", (char *)"--launcher", (char *)"--workers", nw, NULL};
    uv_stdio_container_t stdio[3] = {{.flags = UV_INHERIT_FD, .data.fd = sv[1]},
                                     {.flags = UV_IGNORE},
                                     {.flags = UV_INHERIT_FD, .data.fd = 2}};
    uv_process_options_t o = {.exit_cb = on_launcher_exit,
                              .file = self_exe,
                              .args = args,
                              .flags = UV_PROCESS_DETACHED,
                              .stdio_count = 3,
                              .stdio = stdio};
    int rc = uv_spawn(loop, &c->proc, &o);
    close(sv[1]);
    c->proc.data = c;
    c->fd = sv[0];
    c->gone = gone;
    c->arg = arg;
    if (rc == 0 && fcntl(c->fd, F_SETFL, O_NONBLOCK) == 0) {
        *out = c;
        return 0;
    }
    if (rc == 0) uv_process_kill(&c->proc, SIGKILL);
    c->exited = rc != 0; /* a failed spawn leaves a handle to close, and no exit to wait for */
    lh__flow_launcher_stop(c, 0);
    return lh_err_set(err, LH_EIO, "cannot start %s task-run --launcher: %s", self_exe,
                      rc ? uv_strerror(rc) : strerror(errno));
}

/* Writes or reads the *n bytes at *p by deadline, moving both along; 0, or
 * an errno value (EPIPE at EOF, ETIMEDOUT past the deadline). */
static int io_all(int fd, char **p, size_t *n, int writing, int64_t deadline)
{
    while (*n > 0) {
        ssize_t r = writing ? send(fd, *p, *n, MSG_NOSIGNAL) : recv(fd, *p, *n, 0);
        if (r > 0) {
            *p += r;
            *n -= (size_t)r;
            continue;
        }
        if (r == 0) return EPIPE;
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) return errno;
        int64_t left = deadline - lh__flow_mono_ms();
        struct pollfd pf = {.fd = fd, .events = writing ? POLLOUT : POLLIN};
        if (left <= 0 || (poll(&pf, 1, (int)left) == 0 && lh__flow_mono_ms() >= deadline))
            return ETIMEDOUT;
    }
    return 0;
}

typedef struct answer {
    int32_t pid, pad;
    int64_t start;
} answer_t;

int lh__flow_launcher_launch(lh__flow_launcher_t *c, const lh_flow_launch_t *l, int *pid,
                             int64_t *pid_start, lh_err_t *err)
{
    if (c->fd < 0) return lh_err_set(err, LH_EPROTO, "the launcher has exited");
    char *req;
    size_t n;
    int rc = lh__flow_launch_encode(l, &req, &n);
    if (rc) return lh_err_set(err, rc, "cannot encode the task's launch");
    answer_t a;
    char *w = req, *r = (char *)&a;
    size_t wn = n, rn = sizeof a;
    int e = io_all(c->fd, &w, &wn, 1, lh__flow_mono_ms() + ANSWER_MS);
    if (!e) e = io_all(c->fd, &r, &rn, 0, lh__flow_mono_ms() + ANSWER_MS);
    if (e == ETIMEDOUT) { /* stuck: kill it; an answer it sent before it died still holds */
        uv_process_kill(&c->proc, SIGKILL);
        if (wn == 0 && io_all(c->fd, &r, &rn, 0, lh__flow_mono_ms() + ANSWER_MS) == 0) e = 0;
    }
    free(req);
    if (e == ETIMEDOUT)
        return lh_err_set(err, LH_EPROTO, "the task launcher did not answer in %d ms", ANSWER_MS);
    if (e) return lh_err_set(err, LH_EPROTO, "the task launcher is gone (%s)", strerror(e));
    if (a.pid <= 0)
        return lh_err_set(err, LH_EIO, "the launcher cannot start task-run: %s",
                          strerror(a.pid < 0 ? -a.pid : EINVAL));
    *pid = a.pid;
    *pid_start = a.start;
    return 0;
}

int lh__flow_launcher_exited(const lh__flow_launcher_t *c)
{
    return c->exited;
}

int lh__flow_launcher_pid(const lh__flow_launcher_t *c)
{
    return c->exited ? 0 : c->proc.pid;
}

void lh__flow_launcher_stop(lh__flow_launcher_t *c, int kill)
{
    if (kill && !c->exited) uv_process_kill(&c->proc, SIGKILL);
    close_fd(c);
    c->released = 1;
    maybe_close(c);
}
