/* Warm workers: processes of the launcher (launcher.c) that run the tries of
 * a warm verb (`sql`, `ingest`: lh_flow_task_inproc) one after the other in their own
 * address space, so that a try finds the heap the previous one left (pages
 * already backed, no fault and no zeroing) instead of a fresh process's.
 * Fresh memory is the dearest thing a try touches on a virtual machine: one
 * bronze_to_silver of the example took 1.8-1.9 s of system time in a fresh
 * process and 0.3-0.4 s run a second time in the same one (docs/benchmarks.md).
 *
 * The supervisor and its task child stay as they are (taskrun_wait.c): the
 * child, instead of running the verb itself, becomes its proxy. It connects
 * to the launcher's socket (an abstract Unix address made when the launcher
 * starts, peers of another user refused), the launcher hands the connection
 * to an idle worker (the one holding the most memory: the warmest heap) or
 * forks a new one up to its limit, and the worker greets the proxy. The
 * proxy sends its command line, environment and working directory with its
 * stdin, stdout and stderr; the worker answers "started", runs the verb's
 * main with those, and answers its exit status, which the proxy exits with.
 * Until "started" nothing has run, so a proxy that gets no worker (none
 * free, the launcher gone, any error) runs the verb itself, as before.
 *
 * The task contract holds through the proxy: a signal the supervisor sends
 * (SIGTERM on a timeout or a stop) goes on to the worker, whose dispositions
 * are the defaults, as in a task child; a proxy that dies (SIGKILL) takes
 * the worker along (a thread of the worker's follows the proxy's pidfd
 * during a try); a worker that dies in a try is reaped by the launcher,
 * which writes its wait status into a table shared with every process it
 * forks (MAP_SHARED), and the proxy ends the same way (the same exit
 * status, or the same signal). A worker outlives the launcher only to
 * finish its try; it exits after IDLE_MS without a try, or after a try that
 * left it holding more than RSS_MAX. Its malloc keeps what a try frees (no
 * trim below RSS_MAX, no mappings for big blocks): a second bronze_to_silver
 * in one worker took 0.3 s of system time against 2.2 for its first. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/close_range.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "flow/exec_int.h"

#define IDLE_MS 30000              /* a worker without a try this long exits */
#define RSS_MAX ((int64_t)1 << 30) /* a worker holding more after a try exits */
#define JOB_MAX (256u << 10)       /* the largest try message (argv, environment) */
#define HELLO_MS 10000             /* how long a proxy waits for a worker */
#define STATUS_MS 2000             /* for a dead worker's wait status */

extern char **environ;

typedef struct wslot { /* shared: one per worker the launcher forked */
    atomic_int pid;
    atomic_int ended; /* the launcher reaped pid: status holds its wait status */
    atomic_int status;
} wslot_t;

typedef struct worker { /* the launcher's view */
    int pid, ctl, busy;
    int64_t idle_since;
    int64_t rss; /* its resident bytes after its last try */
} worker_t;

typedef struct hello {
    int32_t slot, pid;
} hello_t;

typedef struct result {
    char tag; /* 's' started, 'r' result */
    int32_t code;
} result_t;

static struct {
    int max;                 /* workers at most; 0: none */
    struct sockaddr_un addr; /* the launcher's abstract address */
    socklen_t addr_len;      /* 0: no pool (not under a launcher) */
    int listen_fd;           /* the launcher's */
    wslot_t *slots;          /* [LH__FLOW_WORKERS_MAX], MAP_SHARED */
    worker_t w[LH__FLOW_WORKERS_MAX];
} pool = {.listen_fd = -1};

/* --- the launcher's side --- */

int lh__flow_workers_open(int max)
{
    for (int i = 0; i < LH__FLOW_WORKERS_MAX; i++)
        pool.w[i].ctl = -1;
    if (max <= 0) return 0;
    if (max > LH__FLOW_WORKERS_MAX) max = LH__FLOW_WORKERS_MAX;
    void *m = mmap(NULL, sizeof(wslot_t) * LH__FLOW_WORKERS_MAX, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return -1;
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    uint64_t nonce = 0;
    if (fd >= 0 && getrandom(&nonce, sizeof nonce, 0) != (ssize_t)sizeof nonce) nonce = 0;
    /* abstract: a leading NUL, no file to clean up */
    int n = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "lakehouse-tasks-%d-%016" PRIx64,
                     (int)getpid(), nonce);
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
    if (fd < 0 || !nonce || bind(fd, (struct sockaddr *)&a, len) != 0 || listen(fd, 64) != 0) {
        if (fd >= 0) close(fd);
        munmap(m, sizeof(wslot_t) * LH__FLOW_WORKERS_MAX);
        return -1;
    }
    pool.slots = m;
    pool.listen_fd = fd;
    pool.addr = a;
    pool.addr_len = len;
    pool.max = max;
    return 0;
}

void lh__flow_workers_forked(int keep)
{
    if (!pool.max) return;
    if (pool.listen_fd >= 0) close(pool.listen_fd);
    pool.listen_fd = -1;
    for (int i = 0; i < LH__FLOW_WORKERS_MAX; i++)
        if (pool.w[i].ctl >= 0 && pool.w[i].ctl != keep) {
            close(pool.w[i].ctl);
            pool.w[i].ctl = -1;
        }
}

int lh__flow_workers_pollfds(struct pollfd *p, int cap)
{
    int n = 0;
    if (!pool.max) return 0;
    if (pool.listen_fd >= 0 && n < cap) p[n++] = (struct pollfd){pool.listen_fd, POLLIN, 0};
    for (int i = 0; i < LH__FLOW_WORKERS_MAX && n < cap; i++)
        if (pool.w[i].ctl >= 0) p[n++] = (struct pollfd){pool.w[i].ctl, POLLIN, 0};
    return n;
}

static void worker_main(int slot, int ctl, int conn) __attribute__((noreturn));

/* Sends one message of len bytes with nfds (1..3) descriptors; 0, or -1. */
static int send_fds(int sock, const void *buf, size_t len, const int *fds, int nfds)
{
    struct iovec io = {.iov_base = (void *)buf, .iov_len = len};
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int) * 3)];
    } c;
    memset(&c, 0, sizeof c);
    struct msghdr m = {.msg_iov = &io,
                       .msg_iovlen = 1,
                       .msg_control = c.b,
                       .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds)};
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_RIGHTS;
    h->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
    memcpy(CMSG_DATA(h), fds, sizeof(int) * (size_t)nfds);
    return sendmsg(sock, &m, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

/* Hands conn to worker i; 0, or -1 (the worker is gone). */
static int hand(int i, int conn)
{
    if (send_fds(pool.w[i].ctl, "c", 1, &conn, 1) != 0) return -1;
    pool.w[i].busy = 1;
    return 0;
}

/* A new worker in a free slot, starting on conn; its index, or -1. */
static int fork_worker(int conn)
{
    int i = 0, live = 0;
    for (int k = 0; k < LH__FLOW_WORKERS_MAX; k++)
        live += pool.w[k].pid > 0;
    while (i < LH__FLOW_WORKERS_MAX && pool.w[i].pid > 0)
        i++;
    if (live >= pool.max || i == LH__FLOW_WORKERS_MAX) return -1;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return -1;
    atomic_store(&pool.slots[i].ended, 0);
    atomic_store(&pool.slots[i].pid, 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        worker_main(i, sv[1], conn);
    }
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        return -1;
    }
    atomic_store(&pool.slots[i].pid, (int)pid);
    pool.w[i] = (worker_t){.pid = (int)pid, .ctl = sv[0], .busy = 1};
    return i;
}

/* A proxy's connection: to the idle worker holding the most memory (its
 * heap is what a try reuses instead of fresh pages; then the one idle
 * since the least time), or a new one, or closed (the proxy then runs its
 * try itself). */
static void dispatch(int conn)
{
    struct ucred cr;
    socklen_t len = sizeof cr;
    if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0 || cr.uid != getuid()) {
        close(conn);
        return;
    }
    for (;;) {
        int best = -1;
        for (int i = 0; i < LH__FLOW_WORKERS_MAX; i++)
            if (pool.w[i].pid > 0 && !pool.w[i].busy && pool.w[i].ctl >= 0 &&
                (best < 0 || pool.w[i].rss > pool.w[best].rss ||
                 (pool.w[i].rss == pool.w[best].rss &&
                  pool.w[i].idle_since > pool.w[best].idle_since)))
                best = i;
        if (best < 0) break;
        if (hand(best, conn) == 0) {
            close(conn);
            return;
        }
        close(pool.w[best].ctl); /* gone: reaped later */
        pool.w[best].ctl = -1;
    }
    fork_worker(conn);
    close(conn);
}

void lh__flow_workers_serve(const struct pollfd *p, int n)
{
    for (int k = 0; k < n; k++) {
        if (!p[k].revents) continue;
        if (p[k].fd == pool.listen_fd) {
            int conn;
            while ((conn = accept4(pool.listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
                dispatch(conn);
            continue;
        }
        for (int i = 0; i < LH__FLOW_WORKERS_MAX; i++) {
            if (pool.w[i].ctl != p[k].fd) continue;
            int64_t rss;
            ssize_t r = recv(pool.w[i].ctl, &rss, sizeof rss, MSG_DONTWAIT);
            if (r == (ssize_t)sizeof rss) {
                pool.w[i].busy = 0; /* its try is over: it holds rss bytes */
                pool.w[i].rss = rss;
                pool.w[i].idle_since = lh__flow_mono_ms();
            } else if (r >= 0 || (errno != EAGAIN && errno != EINTR)) {
                close(pool.w[i].ctl);
                pool.w[i].ctl = -1;
            }
        }
    }
}

int lh__flow_workers_reaped(int pid, int status)
{
    for (int i = 0; i < LH__FLOW_WORKERS_MAX; i++) {
        if (pool.w[i].pid != pid || pid <= 0) continue;
        atomic_store(&pool.slots[i].status, status);
        atomic_store(&pool.slots[i].ended, 1);
        if (pool.w[i].ctl >= 0) close(pool.w[i].ctl);
        pool.w[i] = (worker_t){.ctl = -1};
        return 1;
    }
    return 0;
}

/* --- the worker --- */

typedef struct watch {
    int pidfd, stop; /* the proxy's pidfd; an eventfd that ends the watch */
    pthread_t th;
} watch_t;

static void *watch_main(void *arg)
{
    watch_t *w = arg;
    struct pollfd p[2] = {{w->pidfd, POLLIN, 0}, {w->stop, POLLIN, 0}};
    for (;;) {
        if (poll(p, 2, -1) < 0 && errno == EINTR) continue;
        if (p[1].revents) return NULL;
        if (p[0].revents) kill(getpid(), SIGKILL); /* its proxy is gone: so is the try */
    }
}

/* Receives one message of at most cap bytes with up to nfds descriptors;
 * its length, or -1 (also for a cut message). */
static ssize_t recv_fds(int fd, void *buf, size_t cap, int *fds, int nfds, int *got)
{
    struct iovec io = {.iov_base = buf, .iov_len = cap};
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(sizeof(int) * 4)];
    } c;
    struct msghdr m = {
        .msg_iov = &io, .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof c.b};
    ssize_t n;
    do
        n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    *got = 0;
    for (struct cmsghdr *h = n >= 0 ? CMSG_FIRSTHDR(&m) : NULL; h; h = CMSG_NXTHDR(&m, h)) {
        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) continue;
        int k = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int j = 0; j < k; j++) {
            int f;
            memcpy(&f, CMSG_DATA(h) + j * sizeof(int), sizeof f);
            if (*got < nfds)
                fds[(*got)++] = f;
            else
                close(f);
        }
    }
    if (n >= 0 && (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
        for (int j = 0; j < *got; j++)
            close(fds[j]);
        *got = 0;
        return -1;
    }
    return n;
}

/* The try message: u32 argc, u32 envc, then cwd, argv and environment
 * strings, each NUL-terminated. Splits buf (of n bytes, NUL after) in
 * place; 0, or -1 when malformed. */
static int split_try(char *buf, size_t n, char ***argv, char ***env, char **cwd)
{
    uint32_t counts[2];
    if (n < sizeof counts) return -1;
    memcpy(counts, buf, sizeof counts);
    if (counts[0] < 2 || counts[0] > n || counts[1] > n) return -1;
    char **v = calloc((size_t)counts[0] + counts[1] + 2, sizeof *v);
    if (!v) return -1;
    char *p = buf + sizeof counts, *end = buf + n;
    size_t want = (size_t)counts[0] + counts[1] + 1, k = 0;
    for (; k < want && p < end; k++) {
        char *z = memchr(p, 0, (size_t)(end - p));
        if (!z) break;
        if (k == 0)
            *cwd = p;
        else
            v[k <= counts[0] ? k - 1 : k] = p;
        p = z + 1;
    }
    if (k < want || p != end) {
        free(v);
        return -1;
    }
    *argv = v;                /* v[0 .. argc-1], NULL */
    *env = v + counts[0] + 1; /* then the environment, NULL */
    return 0;
}

static int64_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long long size = 0, res = 0;
    if (!f) return 0;
    if (fscanf(f, "%lld %lld", &size, &res) != 2) res = 0;
    fclose(f);
    return (int64_t)res * sysconf(_SC_PAGESIZE);
}

/* `lakehouse task-run worker` in ps between tries. */
static void idle_title(void)
{
    static char *const idle[] = {(char *)"lakehouse", (char *)"task-run", (char *)"worker", NULL};
    lh__flow_task_set_title(idle);
}

/* One try on conn (a proxy's connection); 1 when it ran. */
static int serve_try(int slot, int conn, uint32_t tries, char *buf, int saved_err)
{
    struct ucred cr;
    socklen_t crl = sizeof cr;
    hello_t hi = {.slot = slot, .pid = (int32_t)getpid()};
    if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cr, &crl) != 0 ||
        send(conn, &hi, sizeof hi, MSG_NOSIGNAL) != (ssize_t)sizeof hi)
        return 0;
    int fds[3], got;
    ssize_t n = recv_fds(conn, buf, JOB_MAX, fds, 3, &got);
    char **argv = NULL, **env = NULL, *cwd = NULL;
    int (*main_fn)(int, char **) = NULL;
    if (n > 0 && got == 3) {
        buf[n] = 0;
        if (split_try(buf, (size_t)n, &argv, &env, &cwd) == 0)
            main_fn = lh__flow_task_warm_main(argv[1]);
    }
    watch_t w = {.pidfd = (int)syscall(SYS_pidfd_open, cr.pid, 0), .stop = eventfd(0, EFD_CLOEXEC)};
    bool ok = main_fn && w.pidfd >= 0 && w.stop >= 0 && (!*cwd || chdir(cwd) == 0) &&
              pthread_create(&w.th, NULL, watch_main, &w) == 0;
    result_t r = {.tag = 's'};
    if (ok && send(conn, &r, sizeof r, MSG_NOSIGNAL) != (ssize_t)sizeof r) {
        eventfd_write(w.stop, 1);
        pthread_join(w.th, NULL);
        ok = false;
    }
    if (ok) {
        int argc = 0;
        while (argv[argc])
            argc++;
        dup2(fds[0], 0);
        dup2(fds[1], 1);
        dup2(fds[2], 2);
        char **was = environ;
        environ = env;
        lh__flow_task_set_title(argv);
        dprintf(2, "[task-run] in warm worker %d (its try %u)\n", (int)getpid(), tries + 1);
        int rc = main_fn(argc - 2, argv + 2);
        fflush(NULL);
        eventfd_write(w.stop, 1);
        pthread_join(w.th, NULL);
        lh__flow_default_signals(); /* a handler the try set must not outlive it */
        environ = was;
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
            close(null);
        }
        dup2(saved_err, 2);
        clearerr(stdin);
        clearerr(stdout);
        clearerr(stderr);
        if (chdir("/") != 0) { /* nothing holds a try's folder */
        }
        idle_title();
        r = (result_t){.tag = 'r', .code = rc & 0xff};
        send(conn, &r, sizeof r, MSG_NOSIGNAL);
    }
    for (int j = 0; j < got; j++)
        close(fds[j]);
    if (w.pidfd >= 0) close(w.pidfd);
    if (w.stop >= 0) close(w.stop);
    free(argv);
    return ok;
}

static void worker_main(int slot, int ctl, int conn)
{
    /* nothing of the launcher's: not its executor socket (stdin), not the
       pool's other descriptors, not the spares' pipe */
    lh__flow_workers_forked(ctl);
    int null = open("/dev/null", O_RDWR);
    if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0) _exit(1);
    close(null);
    int keep[] = {ctl, conn};
    int lo = keep[0] < keep[1] ? keep[0] : keep[1], hi = keep[0] ^ keep[1] ^ lo;
    if (lo > 3) close_range(3, (unsigned)lo - 1, 0);
    if (hi > lo + 1) close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
    close_range((unsigned)hi + 1, ~0U, 0);
    int saved_err = dup(2);
    if (saved_err < 0) _exit(1);
    fcntl(saved_err, F_SETFD, FD_CLOEXEC);
    lh__flow_default_signals();
#ifdef __GLIBC__
    /* keep what a try frees: the heap's top up to RSS_MAX (not trimmed back
       to the trim threshold, glibc's 512 MiB here), and big blocks from the
       heap too, not from mappings that go back to the kernel when freed */
    mallopt(M_TRIM_THRESHOLD, (int)RSS_MAX);
    mallopt(M_MMAP_MAX, 0);
#endif
    idle_title();
    char *buf = malloc(JOB_MAX + 1);
    if (!buf) _exit(1);
    uint32_t tries = 0;
    for (;;) {
        if (conn >= 0) {
            tries += (uint32_t)serve_try(slot, conn, tries, buf, saved_err);
            close(conn);
            conn = -1;
            int64_t rss = rss_bytes();
            if (rss > RSS_MAX) break;
            if (send(ctl, &rss, sizeof rss, MSG_NOSIGNAL) != (ssize_t)sizeof rss)
                break; /* the launcher is gone */
        }
        struct pollfd p = {ctl, POLLIN, 0};
        int r = poll(&p, 1, IDLE_MS);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break; /* idle too long */
        char word;
        int got;
        if (recv_fds(ctl, &word, 1, &conn, 1, &got) != 1 || got != 1) break;
    }
    free(buf);
    fflush(NULL);
    exit(0);
}

/* --- the proxy (a try's task child) --- */

static int proxy_worker; /* the worker's pid, for the signal handler */

static void forward(int sig)
{
    kill(proxy_worker, sig);
}

/* Ends this process as the worker in slot (pid) ended. */
static void mirror(int slot, int pid) __attribute__((noreturn));
static void mirror(int slot, int pid)
{
    int64_t until = lh__flow_mono_ms() + STATUS_MS;
    while (slot >= 0 && slot < LH__FLOW_WORKERS_MAX && lh__flow_mono_ms() < until) {
        wslot_t *s = &pool.slots[slot];
        if (atomic_load(&s->pid) == pid && atomic_load(&s->ended)) {
            int st = atomic_load(&s->status);
            if (WIFEXITED(st)) _exit(WEXITSTATUS(st));
            if (WIFSIGNALED(st)) {
                struct rlimit no = {0, 0};
                setrlimit(RLIMIT_CORE, &no); /* the worker's core is the one that counts */
                signal(WTERMSIG(st), SIG_DFL);
                sigset_t one;
                sigemptyset(&one);
                sigaddset(&one, WTERMSIG(st));
                sigprocmask(SIG_UNBLOCK, &one, NULL);
                raise(WTERMSIG(st));
            }
            break;
        }
        struct timespec ts = {0, 5 * 1000000};
        nanosleep(&ts, NULL);
    }
    dprintf(2, "[task-run] the worker running this try (pid %d) ended without a result\n", pid);
    _exit(1);
}

/* Waits for one message of exactly n bytes by deadline (-1: none); 0, or -1. */
static int recv_by(int fd, void *buf, size_t n, int64_t deadline)
{
    for (;;) {
        int left = deadline < 0 ? -1 : (int)(deadline - lh__flow_mono_ms());
        if (deadline >= 0 && left <= 0) return -1;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, left);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        ssize_t k = recv(fd, buf, n, MSG_DONTWAIT);
        if (k < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        return k == (ssize_t)n ? 0 : -1;
    }
}

void lh__flow_workers_proxy(char *const *argv)
{
    struct rlimit as;
    if (!pool.addr_len) return;
    /* a limit on this process's address space would not hold in a worker */
    if (getrlimit(RLIMIT_AS, &as) != 0 || as.rlim_cur != RLIM_INFINITY) return;
    int conn = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    hello_t hi;
    if (conn < 0) return;
    if (connect(conn, (struct sockaddr *)&pool.addr, pool.addr_len) != 0 ||
        recv_by(conn, &hi, sizeof hi, lh__flow_mono_ms() + HELLO_MS) != 0 || hi.pid <= 0) {
        close(conn);
        return;
    }
    /* the try: counts, cwd, argv, environment (see split_try) */
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) cwd[0] = 0;
    uint32_t counts[2] = {0, 0};
    size_t len = sizeof counts + strlen(cwd) + 1;
    for (; argv[counts[0]]; counts[0]++)
        len += strlen(argv[counts[0]]) + 1;
    for (; environ[counts[1]]; counts[1]++)
        len += strlen(environ[counts[1]]) + 1;
    char *msg = len <= JOB_MAX ? malloc(len) : NULL;
    if (!msg) {
        close(conn);
        return;
    }
    char *p = msg;
    memcpy(p, counts, sizeof counts);
    p += sizeof counts;
    p = stpcpy(p, cwd) + 1;
    for (uint32_t i = 0; i < counts[0]; i++)
        p = stpcpy(p, argv[i]) + 1;
    for (uint32_t i = 0; i < counts[1]; i++)
        p = stpcpy(p, environ[i]) + 1;
    int std[3] = {0, 1, 2};
    result_t r;
    proxy_worker = hi.pid;
    struct sigaction sa = {.sa_handler = forward}; /* no SA_RESTART: recv sees it */
    sigemptyset(&sa.sa_mask);
    sigset_t stops, was;
    sigemptyset(&stops);
    sigaddset(&stops, SIGTERM);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGHUP);
    /* a stop before "started" ends us as it would have: held until then */
    sigprocmask(SIG_BLOCK, &stops, &was);
    bool sent = send_fds(conn, msg, len, std, 3) == 0;
    free(msg);
    if (!sent || recv_by(conn, &r, sizeof r, -1) != 0 || r.tag != 's') {
        close(conn);
        sigprocmask(SIG_SETMASK, &was, NULL); /* a held stop ends us here */
        return;
    }
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigprocmask(SIG_SETMASK, &was, NULL); /* a held stop goes on to the worker now */
    if (recv_by(conn, &r, sizeof r, -1) == 0 && r.tag == 'r') _exit(r.code & 0xff);
    mirror(hi.slot, hi.pid);
}
