/* The executor's launcher (`lakehouse task-run --launcher`, a fork server)
 * with real processes: its wire format round trip and malformed requests; a
 * launcher killed (or stopped, so that it cannot answer) between tries is
 * replaced and the next spawn works (the running try goes on); tries leave
 * no zombie children under it (only its waiting spare); a launcher that
 * cannot serve makes the executor fall back to spawning `task-run` itself,
 * as does the test hook. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flow_exec_fixture.h"
#include "test.h"

static void test_wire_round_trip(void)
{
    const char *argv[] = {"sh", "-c", "echo hi", NULL};
    const char *env[] = {"A=1", "EMPTY=", NULL};
    lh_flow_launch_t l = {.log_path = "/d/a.log",
                          .status_path = "/d/a.status",
                          .argv = argv,
                          .env = env,
                          .timeout_ms = 1500,
                          .memory_limit = 1 << 20,
                          .memory_mode = LH_FLOW_MEM_RLIMIT};
    char *req;
    size_t n;
    CHECK_EQ_INT(lh__flow_launch_encode(&l, &req, &n), 0);
    uint32_t body;
    memcpy(&body, req, 4);
    CHECK_EQ_INT((int)body, (int)n - 4);
    lh__flow_taskrun_t o;
    char **e;
    CHECK_EQ_INT(lh__flow_launch_decode(req + 4, body, &o, &e), 0);
    CHECK_EQ_STR(o.log, "/d/a.log");
    CHECK_EQ_STR(o.status, "/d/a.status");
    CHECK(o.cwd == NULL);
    CHECK_EQ_INT(o.timeout_ms, 1500);
    CHECK_EQ_INT(o.memory, 1 << 20);
    CHECK_EQ_INT(o.memory_mode, LH_FLOW_MEM_RLIMIT);
    CHECK_EQ_STR(o.argv[2], "echo hi");
    CHECK(o.argv[3] == NULL);
    CHECK_EQ_STR(e[1], "EMPTY=");
    CHECK(e[2] == NULL);
    free(o.argv);
    free(e);
    /* every shorter body is malformed, never read past its end */
    for (uint32_t cut = 0; cut < body; cut++) {
        char *copy = malloc(cut ? cut : 1);
        memcpy(copy, req + 4, cut);
        int rc = lh__flow_launch_decode(copy, cut, &o, &e);
        CHECK(rc == LH_EPROTO || rc == LH_EINVAL);
        free(copy);
    }
    free(req);
    l.memory_mode = LH_FLOW_MEM_NONE; /* a limit without a mode is no limit */
    CHECK_EQ_INT(lh__flow_launch_encode(&l, &req, &n), 0);
    CHECK_EQ_INT(lh__flow_launch_decode(req + 4, n - 4, &o, &e), 0);
    CHECK_EQ_INT(o.memory, 0);
    free(o.argv);
    free(e);
    free(req);
}

/* Waits (up to 30 s) until the loop has seen the launcher exit. */
static int wait_launcher_gone(try_t *t)
{
    for (int i = 0; i < 3000 && lh__flow_exec_launcher_pid(t->x) > 0; i++) {
        uv_run(&t->loop, UV_RUN_NOWAIT);
        usleep(10000);
    }
    return lh__flow_exec_launcher_pid(t->x) > 0 ? -1 : 0;
}

/* Kills pid and waits (up to 30 s) until it is dead (a zombie at least:
 * its spare got its parent-death signal by then). */
static int kill_dead(int pid, int sig)
{
    if (kill(pid, sig) != 0) return -1;
    int64_t start;
    int zombie = 0;
    for (int i = 0; i < 3000; i++) {
        if (lh__flow_proc_stat(pid, &start, &zombie) != 0 || zombie) return 0;
        usleep(10000);
    }
    return -1;
}

/* A second try of t's dag at try number n, to its end. */
static int spawn_other(try_t *t, try_t *u, int n, const char *script)
{
    memcpy(u, t, sizeof *u);
    u->done = 0;
    if (lh_flow_attempt_paths(t->dir, "d", "r", "t", n, u->log, u->status, sizeof u->log))
        return -1;
    const char *argv[] = {"sh", "-c", script, NULL};
    if (try_spawn(u, argv, 0, 0, LH_FLOW_MEM_NONE) != 0) return -1;
    while (!u->done && uv_run(&t->loop, UV_RUN_ONCE)) {
    }
    return u->done == 1 && u->res.outcome == LH_FLOW_OUT_SUCCESS ? 0 : -1;
}

static void test_launcher_killed(void)
{
    try_t t, u;
    lh_flow_result_t res;
    int first = start_waiting(&t, &res);
    CHECK(first > 0);
    /* killed, and the executor not told yet: the next spawn finds out */
    CHECK_EQ_INT(kill_dead(first, SIGKILL), 0);
    CHECK_EQ_INT(spawn_other(&t, &u, 2, "exit 0"), 0);
    int second = lh__flow_exec_launcher_pid(t.x);
    CHECK(second > 0 && second != first);
    /* killed, and the loop saw it exit: the next spawn starts another */
    CHECK_EQ_INT(kill_dead(second, SIGKILL), 0);
    CHECK_EQ_INT(wait_launcher_gone(&t), 0);
    CHECK_EQ_INT(spawn_other(&t, &u, 3, "exit 0"), 0);
    int third = lh__flow_exec_launcher_pid(t.x);
    CHECK(third > 0);
    /* stuck: its spare answers once, then nobody does until the deadline:
     * then it is killed and another one started */
    CHECK_EQ_INT(kill(third, SIGSTOP), 0);
    CHECK_EQ_INT(spawn_other(&t, &u, 4, "exit 0"), 0);
    CHECK_EQ_INT(spawn_other(&t, &u, 5, "exit 0"), 0);
    CHECK(lh__flow_exec_launcher_pid(t.x) > 0 && lh__flow_exec_launcher_pid(t.x) != third);
    CHECK_EQ_INT(t.done, 0); /* the first try never noticed */
    let_go(&t);
    try_wait(&t);
    CHECK_EQ_INT(t.done, 1);
    CHECK_EQ_INT(t.res.outcome, LH_FLOW_OUT_SUCCESS);
    try_close(&t, 0);
}

/* Children of ppid: how many, and how many are zombies. */
static int children_of(int ppid, int *zombies)
{
    DIR *d = opendir("/proc");
    int n = 0;
    *zombies = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        int pid = (int)strtol(e->d_name, NULL, 10);
        if (pid <= 0 || proc_ppid(pid) != ppid) continue;
        char path[64], buf[256] = "";
        snprintf(path, sizeof path, "/proc/%d/stat", pid);
        FILE *f = fopen(path, "r");
        if (f && fgets(buf, sizeof buf, f) && strstr(buf, ") Z ")) (*zombies)++;
        if (f) fclose(f);
        n++;
    }
    if (d) closedir(d);
    return n;
}

static void test_no_zombies(void)
{
    try_t t, u;
    CHECK_EQ_INT(try_init(&t), 0);
    int launcher = lh__flow_exec_launcher_pid(t.x);
    CHECK(launcher > 0);
    for (int i = 1; i <= 6; i++)
        CHECK_EQ_INT(spawn_other(&t, &u, i, i % 2 ? "exit 0" : "sleep 0.05"), 0);
    int zombies = 0, n = -1; /* all reaped: what is left is the spare, waiting */
    for (int i = 0; i < 3000 && ((n = children_of(launcher, &zombies)) > 1 || zombies); i++)
        usleep(10000);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(zombies, 0);
    CHECK_EQ_INT(lh__flow_exec_launcher_pid(t.x), launcher); /* one launcher for all */
    try_close(&t, 0);
}

static void test_hook_spawns_directly(void)
{
    try_t t;
    CHECK_EQ_INT(try_init(&t), 0);
    lh__flow_exec_use_launcher(t.x, 0);
    CHECK_EQ_INT(try_spawn(&t, waiting, 0, 0, LH_FLOW_MEM_NONE), 0);
    CHECK_EQ_INT(proc_ppid(t.pid), (int)getpid()); /* our child, not the launcher's */
    let_go(&t);
    try_wait(&t);
    CHECK_EQ_INT(t.res.outcome, LH_FLOW_OUT_SUCCESS);
    try_close(&t, 0);
}

/* A `lakehouse` whose launcher exits at once (an older binary, say): the
 * launcher is started again once, then task-run is spawned directly. */
static void test_broken_launcher_falls_back(void)
{
    try_t t;
    CHECK_EQ_INT(try_init(&t), 0);
    try_close(&t, 0);
    char script[600];
    snprintf(script, sizeof script, "%s/lakehouse", t.dir);
    FILE *f = fopen(script, "w");
    CHECK(f != NULL);
    fprintf(f, "#!/bin/sh\n[ \"$2\" = --launcher ] && exit 1\nexec '%s' \"$@\"\n", self_exe);
    fclose(f);
    CHECK_EQ_INT(chmod(script, 0700), 0);
    uv_loop_init(&t.loop);
    t.closed = 0;
    CHECK_EQ_INT(lh_flow_exec_new(&t.x, &t.loop, script, 0), 0);
    const char *argv[] = {"sh", "-c", "exit 2", NULL};
    CHECK_EQ_INT(try_spawn(&t, argv, 0, 0, LH_FLOW_MEM_NONE), 0);
    CHECK_EQ_INT(lh__flow_exec_launcher_pid(t.x), 0);
    try_wait(&t);
    CHECK_EQ_INT(t.res.outcome, LH_FLOW_OUT_INVALID);
    CHECK(strstr(slurp(t.log), "[task-run] exit 2 after ") != NULL);
    try_close(&t, 0);
}

static const lh_test_t tests[] = {
    {"wire_round_trip", test_wire_round_trip},
    {"launcher_killed", test_launcher_killed},
    {"no_zombies", test_no_zombies},
    {"hook_spawns_directly", test_hook_spawns_directly},
    {"broken_launcher_falls_back", test_broken_launcher_falls_back},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
