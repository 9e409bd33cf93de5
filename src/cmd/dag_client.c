/* `lakehouse dag` as a client of the running platform: the command line of
 * each verb (one option table), one REST call per step through
 * cmd/client.h, server problems printed as "lakehouse dag: <detail>", and
 * the verbs that read: list, show, runs, tasks, logs. The verbs that
 * change something (trigger, pause, unpause, backfill, clear) are in
 * dag_write.c. Plain output is aligned columns; --json prints the API's
 * own JSON. */
#include <curl/curl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/client.h"
#include "cmd/dag_client.h"
#include "core/url.h"

/* --- the command line --- */

enum { O_STR, O_FLAG, O_TASK };
static const struct {
    const char *flag;
    int kind;
    size_t offset; /* of a const char * (O_STR) or an int (O_FLAG) in lh_dag_cli_t */
} opts[] = {
    {.flag = "--json", .kind = O_FLAG, .offset = offsetof(lh_dag_cli_t, json)},
    {.flag = "--conf", .kind = O_STR, .offset = offsetof(lh_dag_cli_t, conf)},
    {.flag = "--run-id", .kind = O_STR, .offset = offsetof(lh_dag_cli_t, run_id)},
    {.flag = "--logical-date", .kind = O_STR, .offset = offsetof(lh_dag_cli_t, logical_date)},
    {.flag = "--start", .kind = O_STR, .offset = offsetof(lh_dag_cli_t, start)},
    {.flag = "--end", .kind = O_STR, .offset = offsetof(lh_dag_cli_t, end)},
    {.flag = "--reprocess", .kind = O_STR, .offset = offsetof(lh_dag_cli_t, reprocess)},
    {.flag = "--state", .kind = O_STR, .offset = offsetof(lh_dag_cli_t, state)},
    {.flag = "--try", .kind = O_STR, .offset = offsetof(lh_dag_cli_t, try_number)},
    {.flag = "--limit", .kind = O_STR, .offset = offsetof(lh_dag_cli_t, limit)},
    {.flag = "--task", .kind = O_TASK},
    {.flag = "--upstream", .kind = O_FLAG, .offset = offsetof(lh_dag_cli_t, upstream)},
    {.flag = "--downstream", .kind = O_FLAG, .offset = offsetof(lh_dag_cli_t, downstream)},
    {.flag = "--only-failed", .kind = O_FLAG, .offset = offsetof(lh_dag_cli_t, only_failed)},
    {.flag = "--yes", .kind = O_FLAG, .offset = offsetof(lh_dag_cli_t, yes)},
    {.flag = "--no-wait", .kind = O_FLAG, .offset = offsetof(lh_dag_cli_t, no_wait)},
};

/* 1 when flag is one of the space separated words of allowed. */
static int allowed(const char *allowed_opts, const char *flag)
{
    size_t n = strlen(flag);
    for (const char *p = strstr(allowed_opts, flag); p; p = strstr(p + 1, flag))
        if ((p == allowed_opts || p[-1] == ' ') && (p[n] == ' ' || !p[n])) return 1;
    return 0;
}

/* One option at argv[*i]: 0, or 2 after printing the problem. */
static int take_opt(lh_dag_cli_t *cl, int argc, char **argv, int *i, const char *allowed_opts)
{
    size_t k = 0;
    while (k < sizeof opts / sizeof opts[0] && strcmp(opts[k].flag, argv[*i]))
        k++;
    if (k == sizeof opts / sizeof opts[0] || !allowed(allowed_opts, argv[*i])) {
        fprintf(stderr, "lakehouse dag %s: unknown option %s\n", cl->verb, argv[*i]);
        return 2;
    }
    if (opts[k].kind == O_FLAG) {
        *(int *)((char *)cl + opts[k].offset) = 1;
        return 0;
    }
    if (*i + 1 >= argc) {
        fprintf(stderr, "lakehouse dag %s: %s needs a value\n", cl->verb, argv[*i]);
        return 2;
    }
    const char *v = argv[++*i];
    if (opts[k].kind == O_STR) {
        *(const char **)((char *)cl + opts[k].offset) = v;
    } else if (cl->ntasks < LH_DAG_MAX_TASKS) {
        cl->tasks[cl->ntasks++] = v;
    } else {
        fprintf(stderr, "lakehouse dag %s: at most %d --task\n", cl->verb, LH_DAG_MAX_TASKS);
        return 2;
    }
    return 0;
}

int lh_dag_cli_parse(lh_dag_cli_t *cl, const char *verb, int argc, char **argv,
                     const char *const *pos_names, const char *allowed_opts)
{
    lh_err_t err = {0};
    int want = 0;
    memset(cl, 0, sizeof *cl);
    cl->verb = verb;
    while (pos_names[want])
        want++;
    if (lh_config_load(&cl->cfg, &argc, argv, &err) != 0) {
        fprintf(stderr, "lakehouse dag: %s\n", err.msg);
        return 2;
    }
    cl->token = lh_config_get(cl->cfg, "core.token"); /* --token, LAKEHOUSE_TOKEN */
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] == '-' && argv[i][1]) {
            if (take_opt(cl, argc, argv, &i, allowed_opts)) return 2;
        } else if (cl->npos < want) {
            cl->pos[cl->npos++] = argv[i];
        } else {
            fprintf(stderr, "lakehouse dag %s: unexpected argument '%s'\n", verb, argv[i]);
            return 2;
        }
    }
    if (cl->npos < want) {
        fprintf(stderr, "lakehouse dag %s: missing %s (see 'lakehouse dag --help')\n", verb,
                pos_names[cl->npos]);
        return 2;
    }
    return 0;
}

void lh_dag_cli_free(lh_dag_cli_t *cl)
{
    lh_config_free(cl->cfg);
    cl->cfg = NULL;
}

/* --- calls and output --- */

/* The reply (status, body) of one call; -1 after printing why it failed. */
static int exchange(lh_dag_cli_t *cl, const char *method, const char *path, json_t *body,
                    lh_client_reply_t *r)
{
    char msg[1024] = "", *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    lh_buf_init(&r->body, (size_t)64 << 20);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = lh_client_http(cl->cfg, cl->token, method, path, text, r, msg, sizeof msg);
    curl_global_cleanup();
    free(text);
    if (rc != 0) {
        fprintf(stderr, "lakehouse dag: %s\n", msg);
        return -1;
    }
    return 0;
}

/* A non-2xx reply's problem detail, printed. */
static void print_problem(const lh_client_reply_t *r)
{
    json_t *doc = json_loadb(r->body.ptr ? r->body.ptr : "", r->body.len, 0, NULL);
    const char *detail = json_string_value(json_object_get(doc, "detail"));
    fprintf(stderr, "lakehouse dag: %s (HTTP %ld)\n", detail ? detail : "request failed",
            r->status);
    json_decref(doc);
}

json_t *lh_dag_call(lh_dag_cli_t *cl, const char *method, const char *path, json_t *body)
{
    lh_client_reply_t r = {0};
    json_t *doc = NULL;
    json_error_t je;
    if (exchange(cl, method, path, body, &r)) goto done;
    if (r.status < 200 || r.status > 299) {
        print_problem(&r);
        goto done;
    }
    doc = r.body.len ? json_loadb(r.body.ptr, r.body.len, 0, &je) : json_null();
    if (!doc) fprintf(stderr, "lakehouse dag: bad reply from the platform: %s\n", je.text);
done:
    lh_buf_free(&r.body);
    return doc;
}

void lh_dag_esc(const char *s, char *out, size_t cap)
{
    lh_buf_t b;
    lh_buf_init(&b, cap);
    out[0] = 0;
    if (lh_url_encode(&b, (lh_str_t){s, strlen(s)}, 0) == 0 && b.len < cap && b.ptr)
        memcpy(out, b.ptr, b.len + 1);
    lh_buf_free(&b);
}

void lh_dag_print_json(const json_t *doc)
{
    json_dumpf(doc, stdout, JSON_INDENT(2));
    fputc('\n', stdout);
}

const char *lh_dag_str(const json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v ? v : "-";
}

const char *lh_dag_when(const json_t *o, const char *key, char *out, size_t cap)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (!v || strlen(v) < 19) return "-";
    snprintf(out, cap, "%.10s %.8s", v, v + 11);
    return out;
}

/* GET path; with --json the reply is printed as it is and NULL returned
 * with *rc 0; otherwise the doc for the caller to print. */
static json_t *listing(lh_dag_cli_t *cl, const char *path, int *rc)
{
    json_t *doc = lh_dag_call(cl, "GET", path, NULL);
    *rc = doc ? 0 : 1;
    if (doc && cl->json) {
        lh_dag_print_json(doc);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* --- the verbs that read --- */

static const char *const no_pos[] = {NULL};
static const char *const dag_pos[] = {"DAG", NULL};
static const char *const run_pos[] = {"DAG", "RUN", NULL};
static const char *const task_pos[] = {"DAG", "RUN", "TASK", NULL};

static const char *schedule_of(const json_t *dag)
{
    const char *v =
        json_string_value(json_object_get(json_object_get(dag, "schedule_interval"), "value"));
    return v ? v : "none";
}

/* The files that do not parse, each diagnostic on its own line: 0, or 1. */
static int print_import_errors(lh_dag_cli_t *cl)
{
    json_t *doc = lh_dag_call(cl, "GET", "/api/v1/importErrors?limit=10000", NULL), *e;
    size_t i;
    if (!doc) return 1;
    json_t *errs = json_object_get(doc, "import_errors");
    if (json_array_size(errs))
        printf("\nimport errors (these files define no DAG, or an old one):\n");
    json_array_foreach(errs, i, e) printf("%s\n", lh_dag_str(e, "stack_trace"));
    json_decref(doc);
    return 0;
}

int lh_dag_list(int argc, char **argv)
{
    lh_dag_cli_t cl;
    json_t *doc, *d;
    size_t i;
    char when[32];
    int rc = lh_dag_cli_parse(&cl, "list", argc, argv, no_pos, "--json");
    if (rc || !(doc = listing(&cl, "/api/v1/dags?limit=10000&only_active=false", &rc))) goto done;
    printf("%-32s %-16s %-6s %-19s %s\n", "DAG_ID", "SCHEDULE", "PAUSED", "NEXT_RUN", "ERRORS");
    json_array_foreach(json_object_get(doc, "dags"), i, d)
        printf("%-32s %-16s %-6s %-19s %s\n", lh_dag_str(d, "dag_id"), schedule_of(d),
               json_is_true(json_object_get(d, "is_paused")) ? "yes" : "no",
               lh_dag_when(d, "next_dagrun", when, sizeof when),
               json_is_true(json_object_get(d, "has_import_errors")) ? "yes" : "no");
    json_decref(doc);
    rc = print_import_errors(&cl);
done:
    lh_dag_cli_free(&cl);
    return rc;
}

static void show_plain(const json_t *dag, const json_t *tasks)
{
    static const char *const keys[] = {
        "dag_id", "description", "fileloc", "timetable_description", "import_errors", NULL};
    json_t *t, *dep;
    size_t i, k;
    char when[32];
    for (int n = 0; keys[n]; n++)
        if (json_is_string(json_object_get(dag, keys[n])))
            printf("%-22s %s\n", keys[n], lh_dag_str(dag, keys[n]));
    printf("%-22s %s\n%-22s %s\n%-22s %s\n", "schedule", schedule_of(dag), "paused",
           json_is_true(json_object_get(dag, "is_paused")) ? "yes" : "no", "next_run",
           lh_dag_when(dag, "next_dagrun", when, sizeof when));
    printf("\n%-24s %-10s %-14s %-8s %s\n", "TASK_ID", "TYPE", "TRIGGER_RULE", "RETRIES",
           "DEPENDS_ON");
    json_array_foreach(json_object_get(tasks, "tasks"), i, t)
    {
        printf("%-24s %-10s %-14s %-8lld ", lh_dag_str(t, "task_id"),
               lh_dag_str(t, "operator_name"), lh_dag_str(t, "trigger_rule"),
               (long long)json_integer_value(json_object_get(t, "retries")));
        json_array_foreach(json_object_get(t, "upstream_task_ids"), k, dep)
            printf("%s%s", k ? "," : "", json_string_value(dep));
        printf("\n");
    }
}

int lh_dag_show(int argc, char **argv)
{
    lh_dag_cli_t cl;
    char id[1024], path[1200];
    json_t *dag = NULL, *tasks = NULL;
    int rc = lh_dag_cli_parse(&cl, "show", argc, argv, dag_pos, "--json");
    if (rc) goto done;
    lh_dag_esc(cl.pos[0], id, sizeof id);
    snprintf(path, sizeof path, "/api/v1/dags/%s/details", id);
    rc = 1;
    if (!(dag = lh_dag_call(&cl, "GET", path, NULL))) goto done;
    snprintf(path, sizeof path, "/api/v1/dags/%s/tasks", id);
    if (!(tasks = lh_dag_call(&cl, "GET", path, NULL))) goto done;
    rc = 0;
    if (cl.json) {
        json_object_set(dag, "tasks", json_object_get(tasks, "tasks"));
        lh_dag_print_json(dag);
    } else {
        show_plain(dag, tasks);
    }
done:
    json_decref(dag);
    json_decref(tasks);
    lh_dag_cli_free(&cl);
    return rc;
}

int lh_dag_runs(int argc, char **argv)
{
    lh_dag_cli_t cl;
    char id[1024], st[64] = "", lim[32] = "100", path[1400], a[32], b[32], l[32];
    json_t *doc, *r;
    size_t i;
    int rc = lh_dag_cli_parse(&cl, "runs", argc, argv, dag_pos, "--json --state --limit");
    if (rc) goto done;
    lh_dag_esc(cl.pos[0], id, sizeof id);
    if (cl.state) lh_dag_esc(cl.state, st, sizeof st);
    if (cl.limit) lh_dag_esc(cl.limit, lim, sizeof lim);
    snprintf(path, sizeof path, "/api/v1/dags/%s/dagRuns?order_by=-execution_date&limit=%s%s%s", id,
             lim, cl.state ? "&state=" : "", st);
    if (!(doc = listing(&cl, path, &rc))) goto done;
    printf("%-48s %-8s %-9s %-19s %-19s %s\n", "RUN_ID", "STATE", "TYPE", "LOGICAL_DATE", "START",
           "END");
    json_array_foreach(json_object_get(doc, "dag_runs"), i, r) printf(
        "%-48s %-8s %-9s %-19s %-19s %s\n", lh_dag_str(r, "dag_run_id"), lh_dag_str(r, "state"),
        lh_dag_str(r, "run_type"), lh_dag_when(r, "logical_date", l, sizeof l),
        lh_dag_when(r, "start_date", a, sizeof a), lh_dag_when(r, "end_date", b, sizeof b));
    json_decref(doc);
done:
    lh_dag_cli_free(&cl);
    return rc;
}

/* /api/v1/dags/DAG/dagRuns/RUN into path. */
static void run_path(const lh_dag_cli_t *cl, char *path, size_t cap)
{
    char id[1024], run[1024];
    lh_dag_esc(cl->pos[0], id, sizeof id);
    lh_dag_esc(cl->pos[1], run, sizeof run);
    snprintf(path, cap, "/api/v1/dags/%s/dagRuns/%s", id, run);
}

static void duration(const json_t *ti, char *out, size_t cap)
{
    json_t *d = json_object_get(ti, "duration");
    if (json_is_number(d))
        snprintf(out, cap, "%.3fs", json_number_value(d));
    else
        snprintf(out, cap, "-");
}

int lh_dag_tasks(int argc, char **argv)
{
    lh_dag_cli_t cl;
    char path[2400], a[32], dur[32];
    json_t *doc, *t;
    size_t i;
    int rc = lh_dag_cli_parse(&cl, "tasks", argc, argv, run_pos, "--json");
    if (rc) goto done;
    run_path(&cl, path, sizeof path - 40);
    size_t n = strlen(path);
    snprintf(path + n, sizeof path - n, "/taskInstances?limit=10000");
    if (!(doc = listing(&cl, path, &rc))) goto done;
    printf("%-24s %-16s %-4s %-10s %-19s %s\n", "TASK_ID", "STATE", "TRY", "TYPE", "START",
           "DURATION");
    json_array_foreach(json_object_get(doc, "task_instances"), i, t)
    {
        duration(t, dur, sizeof dur);
        printf("%-24s %-16s %-4lld %-10s %-19s %s\n", lh_dag_str(t, "task_id"),
               json_is_null(json_object_get(t, "state")) ? "none" : lh_dag_str(t, "state"),
               (long long)json_integer_value(json_object_get(t, "try_number")),
               lh_dag_str(t, "operator"), lh_dag_when(t, "start_date", a, sizeof a), dur);
    }
    json_decref(doc);
done:
    lh_dag_cli_free(&cl);
    return rc;
}

/* The try to read: --try, or the TI's current one; -1 after printing why. */
static long try_to_read(lh_dag_cli_t *cl, const char *ti_path)
{
    char *end;
    if (cl->try_number) {
        long n = strtol(cl->try_number, &end, 10);
        if (*end || n < 1) {
            fprintf(stderr, "lakehouse dag logs: --try must be a positive integer\n");
            return -2;
        }
        return n;
    }
    json_t *ti = lh_dag_call(cl, "GET", ti_path, NULL);
    if (!ti) return -1;
    long n = (long)json_integer_value(json_object_get(ti, "try_number"));
    json_decref(ti);
    if (n < 1) fprintf(stderr, "lakehouse dag: task %s has not run yet\n", cl->pos[2]);
    return n < 1 ? -1 : n;
}

int lh_dag_logs(int argc, char **argv)
{
    lh_dag_cli_t cl;
    lh_client_reply_t r = {0};
    char path[3600], task[1024];
    int rc = lh_dag_cli_parse(&cl, "logs", argc, argv, task_pos, "--try");
    if (rc) goto done;
    run_path(&cl, path, 2400);
    lh_dag_esc(cl.pos[2], task, sizeof task);
    size_t n = strlen(path);
    snprintf(path + n, sizeof path - n, "/taskInstances/%s", task);
    long try_n = try_to_read(&cl, path);
    rc = try_n == -2 ? 2 : 1;
    if (try_n < 0) goto done;
    n = strlen(path);
    snprintf(path + n, sizeof path - n, "/logs/%ld", try_n);
    if (exchange(&cl, "GET", path, NULL, &r)) goto done;
    if (r.status != 200) {
        print_problem(&r);
        goto done;
    }
    fwrite(r.body.ptr ? r.body.ptr : "", 1, r.body.len, stdout);
    rc = 0;
done:
    lh_buf_free(&r.body);
    lh_dag_cli_free(&cl);
    return rc;
}
