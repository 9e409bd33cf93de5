/* The executor and the supervisor with real processes: each test starts
 * supervisors (`lakehouse task-run`, the binary next to this test's build
 * folder, forked by the executor's launcher) from a libuv loop and checks what the try's status
 * file and log say: the task contract's outcomes, signals, the timeout (the whole group ends), the
 * memory limit in both modes, the running status, adoption of a supervisor a
 * closed executor left running (pidfd and /proc timer), adoption of ended,
 * lost and reused pids, and shutdown. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "flow_exec_fixture.h"
#include "test.h"

static void test_outcome_table(void)
{
    CHECK_EQ_INT(lh_flow_outcome(0, 0, 0, 0), LH_FLOW_OUT_SUCCESS);
    CHECK_EQ_INT(lh_flow_outcome(2, 0, 0, 0), LH_FLOW_OUT_INVALID);
    CHECK_EQ_INT(lh_flow_outcome(3, 0, 0, 0), LH_FLOW_OUT_RESOURCE);
    CHECK_EQ_INT(lh_flow_outcome(75, 0, 0, 0), LH_FLOW_OUT_RESCHEDULE);
    CHECK_EQ_INT(lh_flow_outcome(1, 0, 0, 0), LH_FLOW_OUT_EXECUTION);
    CHECK_EQ_INT(lh_flow_outcome(127, 0, 0, 0), LH_FLOW_OUT_EXECUTION);
    CHECK_EQ_INT(lh_flow_outcome(-1, 9, 0, 0), LH_FLOW_OUT_RESOURCE);
    CHECK_EQ_INT(lh_flow_outcome(-1, 15, 1, 0), LH_FLOW_OUT_RESOURCE);
    CHECK_EQ_INT(lh_flow_outcome(0, 0, 1, 0), LH_FLOW_OUT_RESOURCE);
    CHECK_EQ_INT(lh_flow_outcome(2, 0, 0, 1), LH_FLOW_OUT_RESOURCE);
}

static void test_attempt_paths(void)
{
    char log[128], st[128], small[40];
    CHECK_EQ_INT(lh_flow_attempt_paths("/data", "etl", "manual__2024-01-01T00:00:00+00:00", "load",
                                       2, log, st, sizeof log),
                 0);
    CHECK_EQ_STR(log, "/data/flow/logs/dag_id=etl/run_id=manual__2024-01-01T00:00:00+00:00/"
                      "task_id=load/attempt=2.log");
    CHECK_EQ_STR(st, "/data/flow/logs/dag_id=etl/run_id=manual__2024-01-01T00:00:00+00:00/"
                     "task_id=load/attempt=2.status");
    CHECK_EQ_INT(lh_flow_attempt_paths("/data", "etl", "r", "t", 1, small, st, sizeof small),
                 LH_ETOOBIG);
}

static void test_status_read_errors(void)
{
    const char *dir = lh_test_tmpdir();
    char path[256];
    lh_flow_result_t res;
    int running;
    snprintf(path, sizeof path, "%s/none.status", dir);
    CHECK_EQ_INT(lh_flow_status_read(path, &res, &running, NULL, NULL), LH_ENOENT);
    static const char *const bad[] = {"", "not json", "[]", "{\"state\":\"running\"}",
                                      "{\"state\":\"odd\",\"pid\":1,\"pid_start\":1,"
                                      "\"task_pid\":1,\"start_us\":1}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        FILE *f = fopen(path, "w");
        CHECK(f != NULL);
        fputs(bad[i], f);
        fclose(f);
        CHECK_EQ_INT(lh_flow_status_read(path, &res, &running, NULL, NULL), LH_ECORRUPT);
    }
}

static void test_exit_codes(void)
{
    static const struct {
        const char *script;
        int code, outcome;
        const char *reason;
    } cases[] = {
        {"exit 0", 0, LH_FLOW_OUT_SUCCESS, "exit 0"},
        {"exit 1", 1, LH_FLOW_OUT_EXECUTION, "exit 1"},
        {"exit 2", 2, LH_FLOW_OUT_INVALID, "exit 2"},
        {"exit 3", 3, LH_FLOW_OUT_RESOURCE, "exit 3"},
        {"exit 75", 75, LH_FLOW_OUT_RESCHEDULE, "exit 75"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        try_t t;
        CHECK_EQ_INT(run_sh(&t, cases[i].script, 0, 0, LH_FLOW_MEM_NONE), 0);
        CHECK_EQ_INT(t.res.outcome, cases[i].outcome);
        CHECK_EQ_INT(t.res.exit_code, cases[i].code);
        CHECK_EQ_INT(t.res.signal, 0);
        CHECK_EQ_STR(t.res.reason, cases[i].reason);
        CHECK(t.res.task_pid > 0 && t.res.end_us >= t.res.start_us && t.res.start_us > 0);
        char want[64];
        snprintf(want, sizeof want, "[task-run] exit %d after ", cases[i].code);
        CHECK(strstr(slurp(t.log), want) != NULL);
    }
}

static void test_signal(void)
{
    try_t t;
    CHECK_EQ_INT(run_sh(&t, "kill -9 $$", 0, 0, LH_FLOW_MEM_NONE), 0);
    CHECK_EQ_INT(t.res.outcome, LH_FLOW_OUT_RESOURCE);
    CHECK_EQ_INT(t.res.signal, 9);
    CHECK_EQ_INT(t.res.exit_code, -1);
    CHECK_EQ_INT(t.res.timed_out, 0);
    CHECK_EQ_STR(t.res.reason, "signal 9");
}

static void test_output_in_log(void)
{
    try_t t;
    CHECK_EQ_INT(run_sh(&t, "echo to-stdout; echo to-stderr >&2; pwd", 0, 0, LH_FLOW_MEM_NONE), 0);
    const char *log = slurp(t.log);
    CHECK(strstr(log, "to-stdout\n") != NULL);
    CHECK(strstr(log, "to-stderr\n") != NULL);
    CHECK(strstr(log, t.dir) != NULL); /* the cwd given */
    struct stat st;
    CHECK_EQ_INT(stat(t.log, &st), 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/flow/logs/dag_id=d", t.dir);
    CHECK_EQ_INT(stat(dir, &st), 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0700);
}

static void test_timeout_ends_group(void)
{
    try_t t;
    CHECK_EQ_INT(run_sh(&t, "sleep 60 & echo $! > bg.pid; sleep 60", 1000, 0, LH_FLOW_MEM_NONE), 0);
    CHECK_EQ_INT(t.res.outcome, LH_FLOW_OUT_RESOURCE);
    CHECK_EQ_INT(t.res.timed_out, 1);
    CHECK_EQ_INT(t.res.signal, SIGTERM);
    CHECK_EQ_STR(t.res.reason, "timeout");
    int bg = read_pid(&t, "bg.pid");
    CHECK(bg > 0);
    CHECK_EQ_INT(lh_flow_proc_start(bg), -1);             /* the background child is gone */
    CHECK_EQ_INT(lh_flow_proc_start(t.res.task_pid), -1); /* and the task */
    CHECK(strstr(slurp(t.log), "[task-run] timeout after ") != NULL);
}

static void run_py(try_t *t, const char *code, int64_t mem, int mode)
{
    const char *argv[] = {"/usr/bin/python3", "-c", code, NULL};
    if (try_init(t) != 0 || try_spawn(t, argv, 0, mem, mode) != 0) return;
    try_wait(t);
    try_close(t, 0);
}

static void test_memory_rlimit(void)
{
    try_t t;
    /* MemoryError under a 200 MB address-space limit: python exits 1 */
    run_py(&t, "x = bytearray(1 << 31)", 200 << 20, LH_FLOW_MEM_RLIMIT);
    CHECK_EQ_INT(t.done, 1);
    CHECK_EQ_INT(t.res.exit_code, 1);
    CHECK_EQ_INT(t.res.memory, 0);
    CHECK_EQ_INT(t.res.outcome, LH_FLOW_OUT_EXECUTION);
    CHECK(strstr(slurp(t.log), "MemoryError") != NULL);
    /* the python wrapper's mapping: MemoryError exits 3, a memory failure */
    run_py(&t,
           "import sys\ntry:\n    x = bytearray(1 << 31)\nexcept MemoryError:\n    sys.exit(3)\n",
           200 << 20, LH_FLOW_MEM_RLIMIT);
    CHECK_EQ_INT(t.done, 1);
    CHECK_EQ_INT(t.res.exit_code, 3);
    CHECK_EQ_INT(t.res.memory, 1);
    CHECK_EQ_INT(t.res.outcome, LH_FLOW_OUT_RESOURCE);
    CHECK_EQ_STR(t.res.reason, "memory");
    /* without the limit the same allocation succeeds */
    run_py(&t, "x = bytearray(1 << 28)", 0, LH_FLOW_MEM_NONE);
    CHECK_EQ_INT(t.res.outcome, LH_FLOW_OUT_SUCCESS);
}

static void test_memory_env(void)
{
    try_t t;
    CHECK_EQ_INT(run_sh(&t, "echo limit=$LAKEHOUSE_SQL_MEMORY_LIMIT; ulimit -v; exit 3", 0,
                        123456789, LH_FLOW_MEM_ENV),
                 0);
    const char *log = slurp(t.log);
    CHECK(strstr(log, "limit=123456789\n") != NULL);
    CHECK(strstr(log, "unlimited\n") != NULL); /* no rlimit in env mode */
    CHECK_EQ_INT(t.res.memory, 0);             /* exit 3 without the rlimit: resource only */
    CHECK_EQ_INT(t.res.outcome, LH_FLOW_OUT_RESOURCE);
    CHECK_EQ_STR(t.res.reason, "exit 3");
}

static void test_running_status(void)
{
    try_t t;
    CHECK_EQ_INT(try_init(&t), 0);
    CHECK_EQ_INT(try_spawn(&t, waiting, 0, 0, LH_FLOW_MEM_NONE), 0);
    CHECK(t.pid > 0 && t.pid_start > 0);
    CHECK_EQ_INT(lh_flow_exec_running(t.x), 1);
    lh_flow_result_t res;
    int sup = 0;
    int64_t sup_start = 0;
    CHECK_EQ_INT(wait_running(&t, &res, &sup, &sup_start), 0);
    CHECK_EQ_INT(sup, t.pid);
    CHECK_EQ_INT(sup_start, t.pid_start);
    CHECK(res.task_pid > 0 && res.start_us > 0);
    CHECK_EQ_INT(getpgid(res.task_pid), res.task_pid); /* the task leads its own group */
    CHECK_EQ_INT(getsid(t.pid), t.pid);                /* the supervisor its own session */
    CHECK_EQ_INT(proc_ppid(t.pid), lh__flow_exec_launcher_pid(t.x)); /* forked by the launcher */
    let_go(&t);
    try_wait(&t);
    CHECK_EQ_INT(t.done, 1);
    CHECK_EQ_INT(t.res.outcome, LH_FLOW_OUT_SUCCESS);
    CHECK_EQ_INT(t.res.task_pid, res.task_pid);
    CHECK_EQ_INT(lh_flow_exec_running(t.x), 0);
    int bg = read_pid(&t, "bg.pid"); /* a background child does not outlive its task */
    CHECK(bg > 0);
    CHECK_EQ_INT(lh_flow_proc_start(bg), -1);
    CHECK(strstr(slurp(t.log), "went\n") != NULL);
    try_close(&t, 0);
}

/* A supervisor started by one executor, which is then closed (as if the
 * orchestrator died), is adopted by a second one that sees its result. */
static void adopt_live(int use_pidfd)
{
    try_t t;
    lh_flow_result_t res;
    int launcher = start_waiting(&t, &res);
    CHECK(launcher > 0);
    try_close(&t, 0);
    CHECK_EQ_INT(t.done, 0);
    CHECK_EQ_INT(lh_flow_proc_start(launcher), -1);       /* it exited at EOF */
    CHECK_EQ_INT(lh_flow_proc_start(t.pid), t.pid_start); /* still running */
    uv_loop_init(&t.loop);
    CHECK_EQ_INT(lh_flow_exec_new(&t.x, &t.loop, self_exe, 0), 0);
    lh__flow_exec_use_pidfd(t.x, use_pidfd);
    lh_err_t err = {0};
    t.closed = 0;
    CHECK_EQ_INT(lh_flow_exec_adopt(t.x, t.pid, t.pid_start, t.status, on_done, &t, &err), 0);
    CHECK_EQ_INT(lh_flow_exec_running(t.x), 1);
    uv_run(&t.loop, UV_RUN_NOWAIT);
    CHECK_EQ_INT(t.done, 0);
    let_go(&t);
    try_wait(&t);
    CHECK_EQ_INT(t.done, 1);
    CHECK_EQ_INT(t.res.outcome, LH_FLOW_OUT_SUCCESS);
    CHECK_EQ_INT(t.res.task_pid, res.task_pid);
    try_close(&t, 0);
}

static void test_adopt_live_pidfd(void)
{
    adopt_live(1);
}

static void test_adopt_live_proc_timer(void)
{
    adopt_live(0);
}

/* Adopts pid/pid_start on a fresh executor of t; returns done's count right
 * after the call (0: done did not run inside it). */
static int adopt_again(try_t *t, int pid, int64_t pid_start)
{
    t->done = 0;
    t->closed = 0;
    uv_loop_init(&t->loop);
    lh_err_t err = {0};
    if (lh_flow_exec_new(&t->x, &t->loop, self_exe, 0) != 0 ||
        lh_flow_exec_adopt(t->x, pid, pid_start, t->status, on_done, t, &err) != 0)
        return -1;
    int early = t->done;
    try_wait(t);
    try_close(t, 0);
    return early;
}

static void test_adopt_ended(void)
{
    try_t t;
    CHECK_EQ_INT(run_sh(&t, "exit 2", 0, 0, LH_FLOW_MEM_NONE), 0);
    CHECK_EQ_INT(adopt_again(&t, t.pid, t.pid_start), 0);
    CHECK_EQ_INT(t.done, 1);
    CHECK_EQ_INT(t.res.outcome, LH_FLOW_OUT_INVALID); /* read from its status file */
    CHECK_EQ_INT(t.res.exit_code, 2);
    unlink(t.status); /* gone without a final status: lost */
    CHECK_EQ_INT(adopt_again(&t, t.pid, t.pid_start), 0);
    CHECK_EQ_INT(t.done, 1);
    CHECK_EQ_INT(t.res.outcome, LH_FLOW_OUT_LOST);
    CHECK_EQ_INT(t.res.exit_code, -1);
    CHECK_EQ_STR(t.res.reason, "lost");
}

static void test_adopt_reused_pid(void)
{
    /* a live process (this one) with another start time: not the supervisor,
     * which is gone and left only its running status */
    try_t t;
    CHECK_EQ_INT(try_init(&t), 0);
    lh_flow_exec_close(t.x, 0, on_closed, &t);
    while (!t.closed)
        uv_run(&t.loop, UV_RUN_ONCE);
    uv_loop_close(&t.loop);
    int me = (int)getpid();
    int64_t start = lh_flow_proc_start(me);
    CHECK(start > 0);
    lh_flow_result_t run = {.task_pid = 4242, .start_us = 1000};
    char dir[600];
    snprintf(dir, sizeof dir, "%s", t.status);
    *strrchr(dir, '/') = 0;
    char cmd[700];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
    lh_err_t err = {0};
    CHECK_EQ_INT(lh__flow_status_write(t.status, &run, 1, me, start + 1, &err), 0);
    CHECK_EQ_INT(adopt_again(&t, me, start + 1), 0);
    CHECK_EQ_INT(t.done, 1);
    CHECK_EQ_INT(t.res.outcome, LH_FLOW_OUT_LOST);
    CHECK_EQ_INT(t.res.task_pid, 4242);
}

static void test_shutdown(void)
{
    try_t t;
    CHECK_EQ_INT(try_init(&t), 0);
    CHECK_EQ_INT(try_spawn(&t, waiting, 0, 0, LH_FLOW_MEM_NONE), 0);
    lh_flow_result_t res;
    CHECK_EQ_INT(wait_running(&t, &res, NULL, NULL), 0);
    int bg = read_pid(&t, "bg.pid");
    CHECK(bg > 0);
    try_close(&t, 1);
    CHECK_EQ_INT(t.done, 0); /* no callback after close */
    int running = 1;
    for (int i = 0; i < 3000 && running; i++) {
        if (lh_flow_status_read(t.status, &res, &running, NULL, NULL) != 0) running = 1;
        if (running) usleep(10000);
    }
    CHECK_EQ_INT(running, 0);
    CHECK_EQ_INT(res.outcome, LH_FLOW_OUT_SHUTDOWN);
    CHECK_EQ_STR(res.reason, "shutdown");
    CHECK_EQ_INT(lh_flow_proc_start(res.task_pid), -1);
    CHECK_EQ_INT(lh_flow_proc_start(bg), -1);
    CHECK(strstr(slurp(t.log), "[task-run] shutdown after ") != NULL);
}

/* A supervisor killed outright leaves a running status: the try is lost,
 * and its task does not go on without it. */
static void test_supervisor_killed_is_lost(void)
{
    try_t t;
    CHECK_EQ_INT(try_init(&t), 0);
    CHECK_EQ_INT(try_spawn(&t, waiting, 0, 0, LH_FLOW_MEM_NONE), 0);
    lh_flow_result_t res;
    CHECK_EQ_INT(wait_running(&t, &res, NULL, NULL), 0);
    CHECK_EQ_INT(kill(t.pid, SIGKILL), 0);
    try_wait(&t);
    CHECK_EQ_INT(t.done, 1);
    CHECK_EQ_INT(t.res.outcome, LH_FLOW_OUT_LOST);
    CHECK_EQ_INT(t.res.task_pid, res.task_pid);
    CHECK_EQ_INT(t.res.start_us, res.start_us);
    int i = 0;
    while (lh_flow_proc_start(res.task_pid) != -1 && i++ < 3000)
        usleep(10000);
    CHECK_EQ_INT(lh_flow_proc_start(res.task_pid), -1);
    kill(-res.task_pid, SIGKILL); /* its background child, orphaned */
    try_close(&t, 0);
}

static void test_spawn_errors(void)
{
    try_t t;
    CHECK_EQ_INT(try_init(&t), 0);
    lh_flow_launch_t l = {.log_path = t.log, .status_path = t.status};
    lh_err_t err = {0};
    CHECK_EQ_INT(lh_flow_exec_spawn(t.x, &l, on_done, &t, &t.pid, &t.pid_start, &err), LH_EINVAL);
    try_close(&t, 0);
    uv_loop_init(&t.loop);
    t.closed = 0;
    CHECK_EQ_INT(lh_flow_exec_new(&t.x, &t.loop, "/nonexistent/lakehouse", 0), 0);
    const char *argv[] = {"true", NULL};
    l.argv = argv;
    CHECK_EQ_INT(lh_flow_exec_spawn(t.x, &l, on_done, &t, &t.pid, &t.pid_start, &err), LH_EIO);
    CHECK(strstr(err.msg, "cannot start") != NULL);
    CHECK_EQ_INT(lh_flow_exec_running(t.x), 0);
    try_close(&t, 0);
    CHECK_EQ_INT(t.done, 0);
}

static const lh_test_t tests[] = {
    {"outcome_table", test_outcome_table},
    {"attempt_paths", test_attempt_paths},
    {"status_read_errors", test_status_read_errors},
    {"exit_codes", test_exit_codes},
    {"signal", test_signal},
    {"output_in_log", test_output_in_log},
    {"timeout_ends_group", test_timeout_ends_group},
    {"memory_rlimit", test_memory_rlimit},
    {"memory_env", test_memory_env},
    {"running_status", test_running_status},
    {"adopt_live_pidfd", test_adopt_live_pidfd},
    {"adopt_live_proc_timer", test_adopt_live_proc_timer},
    {"adopt_ended", test_adopt_ended},
    {"adopt_reused_pid", test_adopt_reused_pid},
    {"shutdown", test_shutdown},
    {"supervisor_killed_is_lost", test_supervisor_killed_is_lost},
    {"spawn_errors", test_spawn_errors},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
