/* A try's status file and the facts around it: the task contract's outcome
 * of an exit, the attempt's log and status paths, the /proc start time that
 * tells a live supervisor from a reused pid, and the status file itself, a
 * small JSON object written atomically by the supervisor (running, then
 * exited) and read by the executor. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "flow/exec_int.h"

static const char *const outcome_names[] = {
    [LH_FLOW_OUT_SUCCESS] = "success",
    [LH_FLOW_OUT_INVALID] = "invalid",
    [LH_FLOW_OUT_RESOURCE] = "resource",
    [LH_FLOW_OUT_EXECUTION] = "execution",
    [LH_FLOW_OUT_RESCHEDULE] = "reschedule",
    [LH_FLOW_OUT_SHUTDOWN] = "shutdown",
    [LH_FLOW_OUT_LOST] = "lost",
};

int lh_flow_outcome(int exit_code, int sig, int timed_out, int memory)
{
    if (timed_out || memory || sig > 0) return LH_FLOW_OUT_RESOURCE;
    switch (exit_code) {
    case 0:
        return LH_FLOW_OUT_SUCCESS;
    case 2:
        return LH_FLOW_OUT_INVALID;
    case 3:
        return LH_FLOW_OUT_RESOURCE;
    case 75:
        return LH_FLOW_OUT_RESCHEDULE;
    default:
        return LH_FLOW_OUT_EXECUTION;
    }
}

int lh_flow_attempt_paths(const char *data_dir, const char *dag_id, const char *run_id,
                          const char *task_id, int try_number, char *log, char *status, size_t cap)
{
    const char *fmt = "%s/flow/logs/dag_id=%s/run_id=%s/task_id=%s/attempt=%d.%s";
    int n = snprintf(log, cap, fmt, data_dir, dag_id, run_id, task_id, try_number, "log");
    int m = snprintf(status, cap, fmt, data_dir, dag_id, run_id, task_id, try_number, "status");
    if (n < 0 || m < 0 || (size_t)n >= cap || (size_t)m >= cap) return LH_ETOOBIG;
    return 0;
}

int64_t lh__flow_now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

int lh__flow_proc_stat(int pid, int64_t *start, int *zombie)
{
    char path[64], buf[1024];
    if (pid <= 0) return LH_ENOENT;
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return LH_ENOENT;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return LH_ENOENT;
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold spaces and ')' */
    if (!p || p[1] != ' ') return LH_ENOENT;
    *zombie = p[2] == 'Z' || p[2] == 'X';
    p += 2;
    for (int field = 3; field < 22; field++) { /* field 3 is the state */
        p = strchr(p, ' ');
        if (!p) return LH_ENOENT;
        p++;
    }
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p) return LH_ENOENT;
    *start = v;
    return 0;
}

int64_t lh_flow_proc_start(int pid)
{
    int64_t start;
    int zombie;
    if (lh__flow_proc_stat(pid, &start, &zombie) != 0 || zombie) return -1;
    return start;
}

void lh__flow_result_lost(lh_flow_result_t *res)
{
    int64_t start = res->start_us;
    int task_pid = res->task_pid;
    memset(res, 0, sizeof *res);
    res->outcome = LH_FLOW_OUT_LOST;
    res->exit_code = -1;
    res->start_us = start;
    res->task_pid = task_pid;
    snprintf(res->reason, sizeof res->reason, "lost");
}

static json_t *status_json(const lh_flow_result_t *res, int running, int sup_pid, int64_t sup_start)
{
    json_t *o = json_pack("{s:s, s:i, s:I, s:i, s:I}", "state", running ? "running" : "exited",
                          "pid", sup_pid, "pid_start", (json_int_t)sup_start, "task_pid",
                          res->task_pid, "start_us", (json_int_t)res->start_us);
    if (!o || running) return o;
    json_t *fin =
        json_pack("{s:I, s:i, s:i, s:b, s:b, s:b, s:s, s:s}", "end_us", (json_int_t)res->end_us,
                  "exit_code", res->exit_code, "signal", res->signal, "timed_out", res->timed_out,
                  "memory", res->memory, "shutdown", res->outcome == LH_FLOW_OUT_SHUTDOWN, "reason",
                  res->reason, "outcome", outcome_names[res->outcome]);
    if (!fin || json_object_update(o, fin) != 0) {
        json_decref(fin);
        json_decref(o);
        return NULL;
    }
    json_decref(fin);
    return o;
}

/* Creates the folders above path (0700 for those it makes). */
int lh__flow_make_parents(const char *path)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) return -1;
    for (char *p = tmp + 1; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return 0;
}

static int write_file(const char *tmp, const char *text, int sync, lh_err_t *err)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return lh_err_set(err, LH_EIO, "cannot create %s: %s", tmp, strerror(errno));
    size_t len = strlen(text);
    ssize_t w = write(fd, text, len);
    int e = 0;
    if (w < 0)
        e = errno;
    else if ((size_t)w != len)
        e = EIO;
    else if (sync && fsync(fd) != 0)
        e = errno;
    close(fd);
    if (e) return lh_err_set(err, LH_EIO, "cannot write %s: %s", tmp, strerror(e));
    return 0;
}

int lh__flow_status_write(const char *path, const lh_flow_result_t *res, int running, int sup_pid,
                          int64_t sup_start, lh_err_t *err)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return lh_err_set(err, LH_EIO, "status path too long: %s", path);
    json_t *o = status_json(res, running, sup_pid, sup_start);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text) return lh_err_set(err, LH_ENOMEM, "out of memory");
    /* The running form is not synced: it only has to survive the
     * orchestrator's death (the page cache does); after a power cut the task
     * is gone too and a missing or torn status reads as lost, which re-runs
     * the try. The final form is synced before the rename. */
    int rc = write_file(tmp, text, !running, err);
    free(text);
    if (rc != 0) {
        unlink(tmp);
        return rc;
    }
    if (rename(tmp, path) != 0) {
        rc = lh_err_set(err, LH_EIO, "cannot rename %s: %s", tmp, strerror(errno));
        unlink(tmp);
    }
    return rc;
}

/* The integer at key, or LH_ECORRUPT when it is missing or not an integer. */
static int get_int(json_t *o, const char *key, int64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (json_is_boolean(v)) {
        *out = json_is_true(v);
        return 0;
    }
    if (!json_is_integer(v)) return LH_ECORRUPT;
    *out = json_integer_value(v);
    return 0;
}

static int read_final(json_t *o, lh_flow_result_t *res)
{
    int64_t end, code, sig, tmo, mem, shut;
    const char *reason = json_string_value(json_object_get(o, "reason"));
    if (get_int(o, "end_us", &end) || get_int(o, "exit_code", &code) ||
        get_int(o, "signal", &sig) || get_int(o, "timed_out", &tmo) || get_int(o, "memory", &mem) ||
        get_int(o, "shutdown", &shut) || !reason || code < -1 || code > 255 || sig < 0 || sig > 64)
        return LH_ECORRUPT;
    res->end_us = end;
    res->exit_code = (int)code;
    res->signal = (int)sig;
    res->timed_out = tmo != 0;
    res->memory = mem != 0;
    res->outcome = shut ? LH_FLOW_OUT_SHUTDOWN
                        : lh_flow_outcome(res->exit_code, res->signal, res->timed_out, res->memory);
    snprintf(res->reason, sizeof res->reason, "%s", reason);
    return 0;
}

static int read_status(json_t *o, lh_flow_result_t *res, int *running, int *sup_pid,
                       int64_t *sup_start)
{
    int64_t pid, pid_start, task_pid, start_us;
    const char *state = json_string_value(json_object_get(o, "state"));
    if (!state || get_int(o, "pid", &pid) || get_int(o, "pid_start", &pid_start) ||
        get_int(o, "task_pid", &task_pid) || get_int(o, "start_us", &start_us) || pid < 0 ||
        pid > INT32_MAX || task_pid < 0 || task_pid > INT32_MAX)
        return LH_ECORRUPT;
    memset(res, 0, sizeof *res);
    res->task_pid = (int)task_pid;
    res->start_us = start_us;
    res->exit_code = -1;
    if (sup_pid) *sup_pid = (int)pid;
    if (sup_start) *sup_start = pid_start;
    *running = !strcmp(state, "running");
    if (*running) return 0;
    if (strcmp(state, "exited") != 0) return LH_ECORRUPT;
    return read_final(o, res);
}

int lh_flow_status_read(const char *path, lh_flow_result_t *res, int *running, int *sup_pid,
                        int64_t *sup_start)
{
    json_error_t jerr;
    FILE *f = fopen(path, "re");
    if (!f) return errno == ENOENT ? LH_ENOENT : LH_EIO;
    json_t *o = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
    fclose(f);
    int rc = json_is_object(o) ? read_status(o, res, running, sup_pid, sup_start) : LH_ECORRUPT;
    json_decref(o);
    return rc;
}
