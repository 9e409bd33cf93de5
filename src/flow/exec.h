/* Running tasks: the supervisor `lakehouse task-run` and the executor side
 * that starts supervisors, follows them, and adopts those a previous
 * orchestrator process left running.
 *
 * The supervisor leads the task's process group (the task is its child in a
 * new group), applies the memory limit and the timeout, captures the task's
 * stdout and stderr into the attempt's log file, and writes the attempt's
 * status file twice: when the task starts ({"state":"running",...}: the
 * supervisor's pid and start time, the task's pid, start_us) and when it
 * ends ({"state":"exited",...}: exit code or signal, timed_out, memory,
 * end_us). Each write is atomic (temporary file, rename; the final one
 * is fsynced first). It writes nothing else: no LOCK, no metadata, no
 * orchestrator database.
 *
 * Paths: <data-dir>/flow/logs/dag_id=D/run_id=R/task_id=T/attempt=N.log and
 * attempt=N.status (lh_flow_attempt_paths).
 *
 * The outcome follows the task contract (ARCHITECTURE.md): exit 0 success;
 * exit 2 invalid input (no retry); exit 3, death by a signal, the timeout or
 * the memory limit: resource (retry); any other exit: execution (retry with
 * back-off). A supervisor stopped by SIGTERM/SIGINT (the orchestrator
 * shutting down) ends its task's group and reports "shutdown". */
#ifndef LH_FLOW_EXEC_H
#define LH_FLOW_EXEC_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "core/err.h"

/* How the memory limit reaches the task. */
enum {
    LH_FLOW_MEM_NONE,   /* no limit */
    LH_FLOW_MEM_RLIMIT, /* RLIMIT_AS on the task (or a cgroup where one is writable): shell, python
                         */
    LH_FLOW_MEM_ENV,    /* LAKEHOUSE_SQL_MEMORY_LIMIT=<bytes> in its environment and no rlimit:
                           a `lakehouse` child (sql, ingest) */
};

/* What to run. Borrowed for the duration of the call that takes it. */
typedef struct lh_flow_launch {
    const char *log_path, *status_path; /* created with their folders (0700 dirs, 0600 files) */
    const char *const *argv;            /* the task's command, argv[0] looked up in PATH */
    const char *const *env;             /* its whole environment ("K=V", NULL-terminated) */
    const char *cwd;                    /* NULL: the orchestrator's */
    int64_t timeout_ms;                 /* 0: none; then SIGTERM to the group, SIGKILL after 5 s */
    int64_t memory_limit;               /* bytes; 0: none */
    int memory_mode;                    /* LH_FLOW_MEM_* */
} lh_flow_launch_t;

/* How a try ended. */
enum {
    LH_FLOW_OUT_SUCCESS,
    LH_FLOW_OUT_INVALID,    /* exit 2 */
    LH_FLOW_OUT_RESOURCE,   /* exit 3, signal, timeout, memory */
    LH_FLOW_OUT_EXECUTION,  /* any other exit */
    LH_FLOW_OUT_RESCHEDULE, /* exit 75 (EX_TEMPFAIL) from a reschedule-mode sensor poke */
    LH_FLOW_OUT_SHUTDOWN,   /* the supervisor was stopped: re-run, not a failure */
    LH_FLOW_OUT_LOST,       /* the supervisor is gone and left no final status */
};

typedef struct lh_flow_result {
    int outcome;   /* LH_FLOW_OUT_* */
    int exit_code; /* -1 when it died by a signal or was lost */
    int signal;    /* the signal that ended it, 0 otherwise */
    int timed_out; /* 1 when the supervisor ended it for execution_timeout */
    int memory;    /* 1 when it hit the memory limit (cgroup OOM kill, or exit 3 with
                      the rlimit on) */
    int64_t start_us, end_us;
    int task_pid;
    char reason[64]; /* "exit 1", "signal 9", "timeout", "memory", "shutdown", "lost" */
} lh_flow_result_t;

/* The outcome of an exit (code >= 0) or a death by signal (sig > 0), by the
 * task contract. */
int lh_flow_outcome(int exit_code, int sig, int timed_out, int memory);

/* The attempt's files under data_dir into log and status (each cap bytes).
 * Returns 0, or LH_ETOOBIG when they do not fit. Ids are used as they are
 * (dag, task and run ids cannot hold '/'; a run id's ':' and '+' stay). */
int lh_flow_attempt_paths(const char *data_dir, const char *dag_id, const char *run_id,
                          const char *task_id, int try_number, char *log, char *status, size_t cap);

/* Reads a status file. Returns 0 with *res filled and *running = 1 while the
 * task runs (res->start_us, task_pid; *sup_pid, *sup_start the supervisor's
 * pid and /proc start time), 0 with *running = 0 once it ended, LH_ENOENT when
 * there is no file, LH_ECORRUPT for a file that does not parse. */
int lh_flow_status_read(const char *path, lh_flow_result_t *res, int *running, int *sup_pid,
                        int64_t *sup_start);

/* The start time of a live process (/proc/<pid>/stat field 22), or -1 when
 * there is no such process. */
int64_t lh_flow_proc_start(int pid);

/* --- the executor: supervisors as children of a loop --- */

typedef struct lh_flow_exec lh_flow_exec_t;
typedef struct lh_flow_proc lh_flow_proc_t; /* one supervised try */

/* done(arg, res) runs once on the loop thread when the try ends (read from
 * its status file; LH_FLOW_OUT_LOST when it left none). */
typedef void (*lh_flow_exec_done_fn)(void *arg, const lh_flow_result_t *res);

/* An executor on loop, starting supervisors through a launcher process
 * (`self_exe task-run --launcher`, started here, with up to workers warm
 * workers; `self_exe task-run ...` when it cannot serve) (self_exe: the
 * running binary, /proc/self/exe resolved). Owned by the caller:
 * lh_flow_exec_close. Errors: LH_ENOMEM. */
int lh_flow_exec_new(lh_flow_exec_t **out, uv_loop_t *loop, const char *self_exe, int workers);
/* Starts a supervisor for l in its own session (it outlives this process).
 * On success *pid and *pid_start name it (record them before anything else).
 * Errors: LH_EIO (spawn failed), with err. */
int lh_flow_exec_spawn(lh_flow_exec_t *x, const lh_flow_launch_t *l, lh_flow_exec_done_fn done,
                       void *arg, int *pid, int64_t *pid_start, lh_err_t *err);
/* Follows a supervisor a previous process started (pid and pid_start as
 * recorded, status_path its status file): done runs when it ends, at once
 * (from the loop, not inside this call) when it has ended already or is not
 * that process any more. Errors: LH_ENOMEM. */
int lh_flow_exec_adopt(lh_flow_exec_t *x, int pid, int64_t pid_start, const char *status_path,
                       lh_flow_exec_done_fn done, void *arg, lh_err_t *err);
/* Supervisors followed now. */
int lh_flow_exec_running(const lh_flow_exec_t *x);
/* Stops following: with terminate, sends SIGTERM to every supervisor (which
 * ends its task and writes "shutdown"); done callbacks do not run after
 * this. Then closes the handles; done(arg) runs on the loop when they are
 * closed. */
void lh_flow_exec_close(lh_flow_exec_t *x, int terminate, void (*closed)(void *), void *arg);

/* `lakehouse task-run`: the supervisor's main (src/cmd row). */
int lh_flow_task_run_main(int argc, char **argv);

/* A verb of this binary that a task try may run in its supervisor's forked
 * child without an exec: when the try's argv is this very executable (as
 * /proc/self/exe names it) and verb, the child calls main_fn(argc - 2,
 * argv + 2) and exits with its status, starting from the supervisor's image
 * (modules registered, one thread) instead of loading the binary and its
 * libraries again: most of a sensor poke's CPU. Set by main() before any
 * try, up to four verbs (sensor, sql, ingest). The launcher starts with
 * the malloc tunables of sql and ingest (main.c), so such a child has
 * them too, without the restart cmd/tune_malloc.c would make. A warm verb
 * (warm 1: sql, ingest) goes further under a launcher with workers: the child hands
 * the try to one of the launcher's warm workers, which runs it in its own
 * address space after other tries of warm verbs (flow/workers.c). */
void lh_flow_task_inproc(const char *verb, int (*main_fn)(int argc, char **argv), int warm);
/* The memory of this process's command line and the environment strings
 * that follow it (main() of the launcher): an in-process try writes its
 * own command line there, joined by spaces, so `ps` and /proc/<pid>/cmdline
 * show `.../lakehouse sql -f ...` as for an exec (the setproctitle of
 * PostgreSQL and nginx). */
void lh_flow_task_title_area(char *start, size_t len);

#endif
