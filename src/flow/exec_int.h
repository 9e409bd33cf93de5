/* Internals shared by the supervisor (taskrun*.c), the status file
 * (status.c) and the executor (exec*.c). */
#ifndef LH_FLOW_EXEC_INT_H
#define LH_FLOW_EXEC_INT_H

#include <signal.h>
#include <stdint.h>

#include "flow/exec.h"

/* Wall-clock microseconds since the epoch. */
int64_t lh__flow_now_us(void);

/* The /proc start time of pid in *start and *zombie = 1 for a zombie (or
 * dead) process. Returns 0, or LH_ENOENT when there is no such process. */
int lh__flow_proc_stat(int pid, int64_t *start, int *zombie);

/* Writes the status file atomically (path.tmp, fsync, rename): the running
 * form (res->task_pid, start_us) when running, else the final form (every
 * field of res; outcome LH_FLOW_OUT_SHUTDOWN is kept as "shutdown": true).
 * Returns 0 or LH_EIO/LH_ENOMEM with err. */
int lh__flow_status_write(const char *path, const lh_flow_result_t *res, int running, int sup_pid,
                          int64_t sup_start, lh_err_t *err);

/* Fills res for a try whose supervisor left no final status. */
void lh__flow_result_lost(lh_flow_result_t *res);

/* Test hook: use_pidfd 0 makes lh_flow_exec_adopt follow supervisors with
 * the /proc timer (as when pidfd_open is unavailable). */
void lh__flow_exec_use_pidfd(lh_flow_exec_t *x, int use_pidfd);

/* --- the supervisor (taskrun.c, taskrun_wait.c) --- */

/* Its command line. */
typedef struct lh__flow_taskrun {
    const char *log, *status, *cwd;
    int64_t timeout_ms, memory; /* 0: none */
    int memory_mode;            /* LH_FLOW_MEM_* */
    char **argv;                /* the task's command (after "--") */
} lh__flow_taskrun_t;

/* How the task ended, as the supervisor saw it. */
typedef struct lh__flow_ending {
    int wait_status;         /* waitpid's */
    int timed_out, shutdown; /* ended by the timeout / by a SIGTERM or SIGINT to us */
} lh__flow_ending_t;

/* The signals the supervisor blocks and waits for: SIGCHLD, and SIGTERM,
 * SIGINT and SIGHUP (a stop request). */
void lh__flow_waited_signals(sigset_t *set);
/* Forks the task (a new process group, stdin /dev/null, stdout and stderr
 * into log_fd, the cwd and memory limit of o) and returns its pid, or -1
 * with errno. */
int lh__flow_task_fork(const lh__flow_taskrun_t *o, int log_fd);
/* Waits for the task (pid, its group's leader), ending its group on the
 * timeout or on SIGTERM/SIGINT (blocked by the caller before the fork), then
 * kills and reaps whatever is left in the group. */
void lh__flow_task_wait(const lh__flow_taskrun_t *o, int pid, lh__flow_ending_t *end);

#endif
