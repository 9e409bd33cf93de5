/* Internals shared by the supervisor (taskrun*.c), the status file
 * (status.c) and the executor (exec*.c). */
#ifndef LH_FLOW_EXEC_INT_H
#define LH_FLOW_EXEC_INT_H

#include <poll.h>
#include <signal.h>
#include <stddef.h>
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

/* Creates the folders above path (0700 for those it makes): mkdir -p of
 * its folder. 0, or -1 with errno. */
int lh__flow_make_parents(const char *path);

/* Fills res for a try whose supervisor left no final status. */
void lh__flow_result_lost(lh_flow_result_t *res);

/* Test hook: use_pidfd 0 makes lh_flow_exec_adopt follow supervisors with
 * the /proc timer (as when pidfd_open is unavailable). */
void lh__flow_exec_use_pidfd(lh_flow_exec_t *x, int use_pidfd);

/* Test hooks: use_launcher 0 makes lh_flow_exec_spawn start each supervisor
 * by uv_spawn (the fallback); the launcher's pid, or 0 when there is none. */
void lh__flow_exec_use_launcher(lh_flow_exec_t *x, int use_launcher);
int lh__flow_exec_launcher_pid(const lh_flow_exec_t *x);

/* --- the supervisor (taskrun.c, taskrun_wait.c) --- */

/* The --memory-mode names, by LH_FLOW_MEM_*. */
extern const char *const lh__flow_mem_modes[LH_FLOW_MEM_ENV + 1];

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

/* Runs the supervisor of o (the options parsed or decoded) to its end;
 * returns task-run's exit status. */
int lh__flow_task_run(const lh__flow_taskrun_t *o);

/* CLOCK_MONOTONIC in milliseconds. */
int64_t lh__flow_mono_ms(void);
/* Every signal disposition the default, nothing blocked: as after an exec. */
void lh__flow_default_signals(void);
/* The in-process main of verb when it is registered warm, else NULL. */
int (*lh__flow_task_warm_main(const char *verb))(int, char **);
/* Writes argv, joined by spaces, over the launcher's command line (ps). */
void lh__flow_task_set_title(char *const *argv);

/* --- warm workers (workers.c): processes of the launcher that run the
 * tries of warm verbs one after the other, their heap kept between them --- */

#define LH__FLOW_WORKERS_MAX 16

/* In the launcher, before it forks anything: up to max workers (0: none).
 * 0, or -1 (then there are none). */
int lh__flow_workers_open(int max);
/* In a child of the launcher: closes the pool's descriptors but keep. */
void lh__flow_workers_forked(int keep);
/* The launcher's descriptors to poll for the pool into p; how many. */
int lh__flow_workers_pollfds(struct pollfd *p, int cap);
/* Serves what poll found on them: proxies to workers, workers done. */
void lh__flow_workers_serve(const struct pollfd *p, int n);
/* A child the launcher reaped: 1 when it was a worker (its status kept for
 * its proxy). */
int lh__flow_workers_reaped(int pid, int status);
/* In a try's task child, for a warm verb: has a worker run the try and exits
 * as it ended; returns only when no worker took it (run it here then). */
void lh__flow_workers_proxy(char *const *argv);

/* --- the launcher (launcher.c, launch_wire.c, exec_launch.c) --- */

#define LH__FLOW_LAUNCH_MAX (64u << 20) /* the largest request body */

/* `lakehouse task-run --launcher`: serves launch requests read from fd
 * until EOF; returns its exit status. arg is "--launcher" in argv (a
 * supervisor overwrites it, so ps tells them apart), or NULL. */
int lh__flow_launcher_main(int fd, char *arg, int workers);

/* A request for l, framed, in a malloc'd *out of *len bytes. Returns 0,
 * LH_ETOOBIG or LH_ENOMEM. */
int lh__flow_launch_encode(const lh_flow_launch_t *l, char **out, size_t *len);
/* A request body into o and *env (malloc'd arrays: free o->argv and *env;
 * the strings stay in body). Returns 0, LH_EPROTO for a malformed body,
 * LH_EINVAL for bad values, LH_ENOMEM. */
int lh__flow_launch_decode(char *body, size_t len, lh__flow_taskrun_t *o, char ***env);

/* The executor's end of one launcher process. */
typedef struct lh__flow_launcher lh__flow_launcher_t;

/* Starts `self_exe task-run --launcher --workers N` on loop. gone(arg) runs once its
 * handle is closed (after lh__flow_launcher_stop and its exit), also when
 * the start fails. Returns 0 with *out, or LH_EIO/LH_ENOMEM with err. */
int lh__flow_launcher_start(lh__flow_launcher_t **out, uv_loop_t *loop, const char *self_exe,
                            int workers, void (*gone)(void *), void *arg, lh_err_t *err);
/* Asks it for a supervisor of l (blocking, bounded): 0 with *pid and
 * *pid_start; LH_EPROTO when the launcher is gone or does not answer (no
 * supervisor was started then: stop it and start another); LH_EIO when it
 * could not fork; LH_ETOOBIG/LH_ENOMEM for the request. */
int lh__flow_launcher_launch(lh__flow_launcher_t *c, const lh_flow_launch_t *l, int *pid,
                             int64_t *pid_start, lh_err_t *err);
/* 1 once the launcher process has exited. */
int lh__flow_launcher_exited(const lh__flow_launcher_t *c);
int lh__flow_launcher_pid(const lh__flow_launcher_t *c);
/* Lets it go: closes the socket (the launcher exits at EOF; with kill it
 * gets SIGKILL too); c is freed once the process has exited. */
void lh__flow_launcher_stop(lh__flow_launcher_t *c, int kill);

#endif
