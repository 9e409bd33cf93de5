/* GET /dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{task_try_number}:
 * the log file of one try (<data-dir>/flow/logs/.../attempt=N.log, written
 * by its supervisor), as text/plain, or {"content", "continuation_token":
 * null} when the client accepts application/json. A log over LOG_MAX bytes
 * is answered with its end (full_content=true too: the whole file would
 * not fit a reply). 404 for an unknown TI, a try it has not had, or a try
 * that left no log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "flow/api_int.h"
#include "flow/exec.h"

#define LOG_MAX ((size_t)16 << 20)

/* The last LOG_MAX bytes of path (malloc'd, NUL-terminated) into *out. */
static int read_log(const char *path, char **out, size_t *len)
{
    struct stat st;
    FILE *f = fopen(path, "rb");
    if (!f) return LH_ENOENT;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return LH_EIO;
    }
    size_t size = (size_t)st.st_size, skip = size > LOG_MAX ? size - LOG_MAX : 0;
    char *buf = malloc(size - skip + 1);
    if (!buf || fseek(f, (long)skip, SEEK_SET) != 0) {
        free(buf);
        fclose(f);
        return buf ? LH_EIO : LH_ENOMEM;
    }
    *len = fread(buf, 1, size - skip, f);
    buf[*len] = 0;
    fclose(f);
    *out = buf;
    return 0;
}

/* The log as a JSON string; a log that is not UTF-8 has its other bytes as '?'. */
static json_t *log_string(char *text, size_t len)
{
    json_t *s = json_stringn(text, len);
    if (s) return s;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] >= 0x80 || !text[i]) text[i] = '?';
    return json_stringn(text, len);
}

static int wants_json(lh_rest_call_t *c)
{
    const char *accept = lh_rest_header(c, "Accept");
    return accept && strstr(accept, "application/json") != NULL;
}

/* The try number of the path: 1.. the TI's current try, or -1 after a 404/400. */
static int try_of(lh_rest_call_t *c, const lh_flow_ti_rec_t *t)
{
    const char *s = lh_rest_param(c, "task_try_number");
    char *end, msg[320];
    long n = strtol(s, &end, 10);
    if (*end || end == s || n < 1 || n > 1000000) {
        lh_rest_problem(c, 400, "task_try_number must be a positive integer");
        return -1;
    }
    if (n > t->try_number) {
        snprintf(msg, sizeof msg, "task instance %.200s has had %d tr%s, not %ld", t->task_id,
                 t->try_number, t->try_number == 1 ? "y" : "ies", n);
        lh_rest_problem(c, 404, msg);
        return -1;
    }
    return (int)n;
}

void lh__flow_api_ti_log(lh_rest_call_t *c)
{
    static const char *const known[] = {"full_content", "token", "map_index", NULL};
    lh_flow_ti_rec_t t;
    char log[4096], status[4096], *text = NULL;
    size_t len = 0;
    int n;
    if (lh_rest_query_only(c, known) || lh__flow_api_ti_need(c, &t) || (n = try_of(c, &t)) < 0)
        return;
    if (lh_flow_attempt_paths(lh_flow_data_dir(lh_rest_arg(c)), t.dag_id, t.run_id, t.task_id, n,
                              log, status, sizeof log) != 0) {
        lh_rest_problem(c, 500, "the log path is too long");
        return;
    }
    int rc = read_log(log, &text, &len);
    if (rc == LH_ENOENT) {
        snprintf(status, sizeof status, "try %d of task instance %.250s left no log", n, t.task_id);
        lh_rest_problem(c, 404, status);
    } else if (rc) {
        lh_rest_error(c, rc, "cannot read the log");
    } else if (wants_json(c)) {
        lh_rest_json(
            c, 200,
            json_pack("{s:o, s:n}", "content", log_string(text, len), "continuation_token"));
    } else {
        lh_rest_respond(c, 200, "text/plain; charset=utf-8", text, len);
    }
    free(text);
}
