/* The physical limit of the orchestrator benchmark (bench/flow_bench.py):
 * the same task processes the scheduler would start, spawned from a tight
 * loop with no scheduler, no state and no DAG in between. Keeps PAR
 * processes alive until N have run; each is
 *
 *   BIN task-run --log DIR/<i>.log --status DIR/<i>.status -- sh -c true
 *
 * (mode "task-run"), or plain `sh -c true` (mode "sh": the floor of process
 * creation, without the supervisor). Prints one line per process, tab
 * separated: index, spawn_us (just before posix_spawn), start_us and end_us
 * (the task's start and end as the supervisor wrote them in its status
 * file; 0 in mode sh), reaped_us (when waitpid returned). Times are
 * CLOCK_REALTIME microseconds, the clock the supervisor and the scheduler
 * use, so the driver computes the same latencies on both sides.
 *
 *   flow_spawn task-run|sh BIN N PAR DIR */
#include <errno.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

typedef struct rec {
    int pid;
    int64_t spawn_us, reaped_us;
} rec_t;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int spawn_one(const char *mode, const char *bin, const char *dir, int i, rec_t *r)
{
    char log[4096], status[4096];
    snprintf(log, sizeof log, "%s/%d.log", dir, i);
    snprintf(status, sizeof status, "%s/%d.status", dir, i);
    char *tr[] = {(char *)bin, "task-run", "--log", log,    "--status", status,
                  "--",        "sh",       "-c",    "true", NULL};
    char *sh[] = {"sh", "-c", "true", NULL};
    int sh_mode = !strcmp(mode, "sh");
    r->spawn_us = now_us();
    int rc = posix_spawnp(&r->pid, sh_mode ? "sh" : bin, NULL, NULL, sh_mode ? sh : tr, environ);
    if (rc)
        fprintf(stderr, "flow_spawn: cannot spawn %s: %s\n", sh_mode ? "sh" : bin, strerror(rc));
    return rc;
}

/* The value of "key": in a status file's JSON, or 0. */
static int64_t json_i64(const char *text, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(text, pat);
    return p ? strtoll(p + strlen(pat), NULL, 10) : 0;
}

static void print_row(const char *dir, int i, const rec_t *r, int sh_mode)
{
    int64_t start = 0, end = 0;
    if (!sh_mode && r->pid > 0) { /* a spawn that failed has no status file of its own */
        char path[4096], text[4096];
        snprintf(path, sizeof path, "%s/%d.status", dir, i);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
        if (f) fclose(f);
        text[n] = '\0';
        start = json_i64(text, "start_us");
        end = json_i64(text, "end_us");
    }
    printf("%d\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\t%" PRId64 "\n", i, r->spawn_us, start, end,
           r->reaped_us);
}

/* Waits for one child; records its reap time. Returns 0, or -1 when none is left. */
static int reap_one(rec_t *recs, int n)
{
    int st;
    pid_t pid = waitpid(-1, &st, 0);
    if (pid < 0) return -1;
    int64_t t = now_us();
    for (int i = n - 1; i >= 0; i--)
        if (recs[i].pid == pid && !recs[i].reaped_us) {
            recs[i].reaped_us = t;
            break;
        }
    if (!WIFEXITED(st) || WEXITSTATUS(st)) fprintf(stderr, "flow_spawn: pid %d failed\n", pid);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 6 || (strcmp(argv[1], "task-run") && strcmp(argv[1], "sh"))) {
        fprintf(stderr, "usage: flow_spawn task-run|sh BIN N PAR DIR\n");
        return 2;
    }
    int n = (int)strtol(argv[3], NULL, 10), par = (int)strtol(argv[4], NULL, 10);
    if (n <= 0 || par <= 0) {
        fprintf(stderr, "flow_spawn: N and PAR must be positive\n");
        return 2;
    }
    rec_t *recs = calloc((size_t)n, sizeof *recs);
    if (!recs) return 1;
    int live = 0, failed = 0;
    for (int i = 0; i < n; i++) {
        if (live >= par && reap_one(recs, i) == 0) live--;
        if (spawn_one(argv[1], argv[2], argv[5], i, &recs[i]) == 0)
            live++;
        else
            failed++;
    }
    while (live > 0 && reap_one(recs, n) == 0)
        live--;
    for (int i = 0; i < n; i++)
        print_row(argv[5], i, &recs[i], !strcmp(argv[1], "sh"));
    free(recs);
    return failed ? 1 : 0;
}
