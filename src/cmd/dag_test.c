/* `lakehouse dag test DAG_FILE_OR_ID TASK DATE [--conf JSON]`: runs one task
 * in the foreground with no scheduler and no platform (Airflow's `tasks
 * test`). The DAG is a file, or an id looked up in the DAGs folder
 * (flow.dags_dir, LAKEHOUSE_DAGS_DIR). The run is
 * the data interval containing DATE (for a cron schedule), else logical
 * date = DATE; try 1; run id manual__<ts>. The command is the one the
 * executor would run (flow/task.h), with the caller's lake and Kafka
 * settings as the platform; it runs as a child with the terminal as its
 * output, and `dag test` prints the outcome by the task contract and exits
 * with the task's exit status (128 + N when signal N ended it).
 * --render-only prints the command and the files rendered for it (a sql
 * task's statements, a Pod or SparkApplication) and runs nothing;
 * --python PY names the interpreter of python tasks (else flow.python:
 * LAKEHOUSE_FLOW_PYTHON, python3 by default). */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/config.h"
#include "flow/dag.h"
#include "flow/schedule.h"
#include "flow/task.h"

extern char **environ;

typedef struct opts {
    const char *dag, *task, *date, *conf, *python;
    int render_only;
} opts_t;

static void usage(FILE *out)
{
    fprintf(out, "usage: lakehouse dag test DAG_FILE_OR_ID TASK DATE [--conf JSON] [--python PY]\n"
                 "                          [--render-only]\n\n"
                 "Runs one task in the foreground, without the scheduler or a platform, for the\n"
                 "data interval containing DATE (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[Z]); exits\n"
                 "with the task's exit status. --render-only prints the command and its\n"
                 "rendered files (sql statements, Kubernetes manifests) and runs nothing.\n");
}

static int parse_args(int argc, char **argv, opts_t *o)
{
    const char **pos[] = {&o->dag, &o->task, &o->date};
    size_t npos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--render-only"))
            o->render_only = 1;
        else if ((!strcmp(a, "--conf") || !strcmp(a, "--python")) && v) {
            *(a[2] == 'c' ? &o->conf : &o->python) = v;
            i++;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "lakehouse dag test: unknown option %s\n", a);
            return 2;
        } else if (npos < 3)
            *pos[npos++] = a;
        else {
            fprintf(stderr, "lakehouse dag test: unexpected argument %s\n", a);
            return 2;
        }
    }
    if (npos == 3) return 0;
    usage(stderr);
    return 2;
}

/* YYYY-MM-DD[THH:MM:SS[Z]] as UTC seconds; 0 or -1. */
static int parse_date(const char *s, int64_t *t)
{
    struct tm tm = {0};
    const char *end = strptime(s, "%Y-%m-%d", &tm);
    if (end && (*end == 'T' || *end == ' ')) end = strptime(end + 1, "%H:%M:%S", &tm);
    if (end && *end == 'Z') end++;
    if (!end || *end) return -1;
    *t = (int64_t)timegm(&tm);
    return 0;
}

/* --- finding the DAG --- */

/* The DAG of that id under dir (any depth), or NULL. */
static lh_flow_dag_t *find_dag(const char *dir, const char *id, int depth);

lh_flow_dag_t *lh_cmd_dag_find(const char *dir, const char *id)
{
    return find_dag(dir, id, 0);
}

static lh_flow_dag_t *find_dag(const char *dir, const char *id, int depth)
{
    DIR *d = depth < 16 ? opendir(dir) : NULL;
    lh_flow_dag_t *found = NULL;
    struct dirent *e;
    while (d && !found && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char path[PATH_MAX];
        struct stat st;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path ||
            stat(path, &st))
            continue;
        if (S_ISDIR(st.st_mode)) {
            found = find_dag(path, id, depth + 1);
        } else if (S_ISREG(st.st_mode) && lh_flow_is_dag_file(e->d_name)) {
            found = lh_flow_dag_load(path);
            if (found && (!found->dag_id || strcmp(found->dag_id, id))) {
                lh_flow_dag_free(found);
                found = NULL;
            }
        }
    }
    if (d) closedir(d);
    return found;
}

static lh_flow_dag_t *load_dag(const char *arg, const lh_config_t *cfg)
{
    struct stat st;
    if (!stat(arg, &st) && S_ISREG(st.st_mode)) return lh_flow_dag_load(arg);
    const char *dir = lh_config_get(cfg, "flow.dags_dir");
    lh_flow_dag_t *d = dir && *dir ? find_dag(dir, arg, 0) : NULL;
    if (!d)
        fprintf(stderr, "lakehouse dag test: no DAG file or DAG id %s (in %s)\n", arg,
                dir && *dir ? dir : "no DAGs folder");
    return d;
}

/* --- the run --- */

/* The data interval containing t (a cron schedule), else [t, t]. */
static void run_interval(const lh_flow_dag_t *d, int64_t t, lh_flow_run_ctx_t *rc)
{
    rc->logical_date = rc->data_interval_start = rc->data_interval_end = t;
    int64_t start, end;
    if (d->sched_kind == LH_FLOW_SCHED_CRON && !lh_cron_prev(&d->cron, t, &start) &&
        !lh_cron_next(&d->cron, start, &end)) {
        rc->logical_date = rc->data_interval_start = start;
        rc->data_interval_end = end;
    }
}

/* params: defaults (typed), then conf's values of the same names. */
static json_t *resolve_params(const lh_flow_dag_t *d, const json_t *conf)
{
    json_t *p = json_object();
    for (int i = 0; i < d->nparams; i++) {
        const lh_flow_param_t *pa = &d->params[i];
        json_t *v = json_object_get(conf, pa->name);
        if (v) {
            json_object_set(p, pa->name, v);
            continue;
        }
        if (!pa->def) continue;
        json_t *def = pa->type == LH_FLOW_P_STRING ? json_string(pa->def)
                                                   : json_loads(pa->def, JSON_DECODE_ANY, NULL);
        json_object_set_new(p, pa->name, def ? def : json_string(pa->def));
    }
    return p;
}

static const char *cfg_opt(const lh_config_t *cfg, const char *key)
{
    const char *v = lh_config_get(cfg, key);
    return v && *v ? v : NULL;
}

static void platform(const lh_config_t *cfg, const opts_t *o, char *self, lh_flow_platform_t *pf)
{
    ssize_t n = readlink("/proc/self/exe", self, PATH_MAX - 1);
    self[n > 0 ? n : 0] = 0;
    const char *py = o->python ? o->python : lh_config_get(cfg, "flow.python");
    *pf = (lh_flow_platform_t){
        .self_exe = self,
        .data_dir = lh_config_get(cfg, "core.data_dir"),
        .python = py && *py ? py : "python3",
        .s3_url = cfg_opt(cfg, "lake.endpoint"),
        .kafka = cfg_opt(cfg, "kafka.bootstrap_servers"),
        .web_url = cfg_opt(cfg, "core.url"),
        .region = cfg_opt(cfg, "lake.region"),
        .bucket = cfg_opt(cfg, "lake.bucket"),
        .access_key = cfg_opt(cfg, "lake.access_key"),
        .secret_key = cfg_opt(cfg, "lake.secret_key"),
        .kafka_sasl_mechanism = cfg_opt(cfg, "kafka.sasl_mechanism"),
        .base_env = (const char *const *)environ,
    };
}

/* --render-only: the command, then each rendered file it names. */
static int print_render(const lh_flow_cmd_t *c, const char *data_dir)
{
    printf("command:");
    for (int i = 0; c->argv[i]; i++)
        printf(" %s", strchr(c->argv[i], '\n') ? "'<script>'" : c->argv[i]);
    printf("\n");
    char prefix[PATH_MAX];
    snprintf(prefix, sizeof prefix, "%s/flow/rendered/", data_dir);
    for (int i = 0; c->argv[i]; i++) {
        if (strncmp(c->argv[i], prefix, strlen(prefix))) continue;
        FILE *f = fopen(c->argv[i], "rb");
        printf("--- %s\n", c->argv[i]);
        char buf[65536];
        size_t n;
        while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
            fwrite(buf, 1, n, stdout);
        if (f) fclose(f);
        printf("\n");
    }
    return 0;
}

/* Runs the command as a child; its exit status (128 + N for signal N). */
static int run_cmd(const lh_flow_cmd_t *c)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) return fprintf(stderr, "lakehouse dag test: fork: %s\n", strerror(errno)), 1;
    if (pid == 0) {
        if (c->cwd && chdir(c->cwd)) _exit(127);
        if (c->memory_mode == LH_FLOW_MEM_RLIMIT && c->memory_limit > 0) {
            struct rlimit rl = {(rlim_t)c->memory_limit, (rlim_t)c->memory_limit};
            setrlimit(RLIMIT_AS, &rl);
        }
        execvpe(c->argv[0], (char *const *)c->argv, (char *const *)c->env);
        fprintf(stderr, "lakehouse dag test: cannot run %s: %s\n", c->argv[0], strerror(errno));
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
}

static const char *outcome(int code, int reschedule)
{
    if (code == 0) return "success";
    if (code == 2) return "failed: invalid input (no retry)";
    if (code == 3 || code > 128) return "failed: resource (would retry)";
    if (code == 75 && reschedule) return "not met yet (would poke again later)";
    return "failed: execution (would retry)";
}

static int run_test(const opts_t *o, const lh_config_t *cfg, const lh_flow_dag_t *d,
                    const lh_flow_task_t *t, int64_t when)
{
    json_error_t je;
    json_t *conf = o->conf ? json_loads(o->conf, 0, &je) : json_object();
    if (!json_is_object(conf)) {
        fprintf(stderr, "lakehouse dag test: --conf must be a JSON object\n");
        json_decref(conf);
        return 2;
    }
    char run_id[64], self[PATH_MAX];
    lh_flow_run_ctx_t rc = {.try_number = 1, .conf = conf};
    run_interval(d, when, &rc);
    lh_flow_run_id(LH_FLOW_RUN_MANUAL, rc.logical_date, run_id, sizeof run_id);
    rc.run_id = run_id;
    json_t *params = resolve_params(d, conf);
    rc.params = params;
    lh_flow_platform_t pf;
    platform(cfg, o, self, &pf);
    lh_arena_t *a = lh_arena_new(65536);
    lh_flow_cmd_t c;
    lh_err_t err = {0};
    int r = a ? lh_flow_task_command(d, t, &rc, &pf, a, &c, &err) : LH_ENOMEM;
    if (r) {
        fprintf(stderr, "lakehouse dag test: %s\n", a ? err.msg : "out of memory");
        r = r == LH_EINVAL ? 2 : 1;
    } else if (o->render_only) {
        r = print_render(&c, pf.data_dir);
    } else {
        fprintf(stderr, "lakehouse dag test: %s.%s, run %s, try 1\n", d->dag_id, t->id, run_id);
        r = run_cmd(&c);
        fprintf(stderr, "lakehouse dag test: %s.%s exited %d: %s\n", d->dag_id, t->id, r,
                outcome(r, c.reschedule));
    }
    lh_arena_free(a);
    json_decref(params);
    json_decref(conf);
    return r;
}

int lh_cmd_dag_test(int argc, char **argv)
{
    if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) return usage(stdout), 0;
    lh_config_t *cfg = NULL;
    lh_err_t e = {0};
    if (lh_config_load(&cfg, &argc, argv, &e)) {
        fprintf(stderr, "lakehouse dag test: %s\n", e.msg);
        return 2;
    }
    opts_t o = {0};
    int64_t when = 0;
    lh_flow_dag_t *d = NULL;
    int r = parse_args(argc, argv, &o);
    if (!r && parse_date(o.date, &when)) {
        fprintf(stderr, "lakehouse dag test: bad DATE %s (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)\n",
                o.date);
        r = 2;
    }
    if (!r && !(d = load_dag(o.dag, cfg))) r = 2;
    for (int i = 0; !r && i < d->ndiags; i++)
        lh_flow_diag_print(&d->diags[i], stderr);
    if (!r && d->ndiags) r = 2;
    const lh_flow_task_t *t = r ? NULL : lh_flow_dag_task(d, o.task);
    if (!r && !t) {
        fprintf(stderr, "lakehouse dag test: no task %s in DAG %s\n", o.task, d->dag_id);
        r = 2;
    }
    if (!r) r = run_test(&o, cfg, d, t, when);
    lh_flow_dag_free(d);
    lh_config_free(cfg);
    return r;
}
