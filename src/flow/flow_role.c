/* The flow role's descriptor: the configuration section `flow`, start and
 * stop. Start opens the state database <data-dir>/flow/flow.db twice (the
 * scheduler's writer handle, and the reader the REST API uses), loads every
 * DAG file under flow.dags_dir (before the web listener answers: roles
 * start before the loop serves), recovers unfinished runs (adopting the
 * supervisors still running), then starts the scheduler thread with its own
 * loop: a tick every second (rescan of the DAG folder every
 * flow.dag_scan_interval, due runs, retries), a rescan when a watched folder
 * changes (dag_watch.c) and a pass whenever a try ends or a command
 * arrives. Stop ends the thread: supervisors keep running (the next start
 * adopts them) unless flow.stop_tasks is on. Also the readers of flow.h
 * (registry and state, under their locks). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"
#include "flow/api.h"
#include "flow/flow_int.h"

static const lh_config_key_t flow_keys[] = {
    {.section = "flow",
     .key = "dags_dir",
     .def = "<data-dir>/dags",
     .type = LH_CFG_PATH,
     .env = "LAKEHOUSE_DAGS_DIR",
     .help = "folder of DAG files (*.yaml, any depth), read at start and watched"},
    {.section = "flow",
     .key = "python",
     .def = "python3",
     .type = LH_CFG_STR,
     .help = "interpreter of `python` tasks (looked up in PATH)"},
    {.section = "flow",
     .key = "parallelism",
     .def = "32",
     .type = LH_CFG_INT,
     .min = 1,
     .max = 100000,
     .help = "task tries running at once, over every DAG (Airflow's core.parallelism)"},
    {.section = "flow",
     .key = "default_pool_slots",
     .def = "128",
     .type = LH_CFG_INT,
     .min = 1,
     .max = 1000000,
     .help = "slots of default_pool"},
    {.section = "flow",
     .key = "pools",
     .type = LH_CFG_LIST,
     .help = "more pools as name=slots (a task names one with `pool`)"},
    {.section = "flow",
     .key = "dag_scan_interval",
     .def = "2s",
     .type = LH_CFG_DURATION,
     .min = 100,
     .help = "how often the DAG folder is scanned for added, changed and removed files (besides "
             "its watches, which see a change at once)"},
    {.section = "flow",
     .key = "dags_are_paused_at_creation",
     .def = "false",
     .type = LH_CFG_BOOL,
     .help = "a DAG seen for the first time starts paused (Airflow's default is true)"},
    {.section = "flow",
     .key = "task_memory_limit",
     .def = "0",
     .type = LH_CFG_SIZE,
     .help = "memory limit of each task (RLIMIT_AS for shell/python, "
             "LAKEHOUSE_SQL_MEMORY_LIMIT for lakehouse children); 0 = none"},
    {.section = "flow",
     .key = "task_sql_threads",
     .def = "0",
     .type = LH_CFG_INT,
     .min = 0,
     .max = 256,
     .help = "threads of the SQL engine in each task (LAKEHOUSE_SQL_THREADS in its environment, "
             "unless the orchestrator's environment or the task's env sets it); 0 = the online "
             "cores shared among the task tries running here when the try starts (at least 1; "
             "sensors, pods and Spark applications do not count)"},
    {.section = "flow",
     .key = "task_workers",
     .def = "4",
     .type = LH_CFG_INT,
     .min = 0,
     .max = 16,
     .help = "warm workers: processes that run the `lakehouse sql` and `lakehouse ingest` task "
             "tries one after the other, each keeping its heap between tries (a try then touches "
             "no fresh memory); at most this many, each ending after 30 s without a try; 0 = "
             "every try in a fresh process"},
    {.section = "flow",
     .key = "stop_tasks",
     .def = "false",
     .type = LH_CFG_BOOL,
     .help = "on stop, end the running tasks (they re-run at the next start); by default "
             "they keep running and the next start adopts them"},
    {.section = "flow",
     .key = "clock_offset",
     .def = "0",
     .type = LH_CFG_DURATION,
     .help = "test builds only (`lakehouse version` says test-hooks): added to the scheduler's "
             "clock; ignored otherwise"},
};

static int parse_pools(lh_flow_t *f, lh_err_t *err)
{
    const char *list = lh_config_get(f->cfg, "flow.pools");
    int n = 1;
    for (const char *p = list; *p; p++) /* one more pool at most per separator (", ") */
        n += *p == ',' || *p == ' ';
    f->pools = calloc((size_t)n + 1, sizeof *f->pools);
    if (!f->pools) return LH_ENOMEM;
    snprintf(f->pools[0].name, sizeof f->pools[0].name, "default_pool");
    f->pools[0].slots = (int)lh_config_int(f->cfg, "flow.default_pool_slots");
    f->npools = 1;
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *save = NULL, *it = strtok_r(buf, ", ", &save); it;
         it = strtok_r(NULL, ", ", &save)) {
        char *eq = strchr(it, '=');
        char *end = NULL;
        long slots = eq ? strtol(eq + 1, &end, 10) : 0;
        if (!eq || eq == it || eq - it >= 64 || !end || *end || slots < 0 || slots > 1000000)
            return lh_err_set(err, LH_EINVAL, "flow.pools: expected name=slots, got %s", it);
        *eq = 0;
        lh__pool_t *p = NULL;
        for (int i = 0; i < f->npools; i++)
            if (!strcmp(f->pools[i].name, it)) p = &f->pools[i];
        if (!p) p = &f->pools[f->npools++];
        snprintf(p->name, sizeof p->name, "%s", it);
        p->slots = (int)slots;
    }
    return 0;
}

static void metrics_register(void)
{
    static const struct {
        const char *name;
        int type;
        const char *help;
    } fam[] = {
        {"lakehouse_flow_dag_runs", LH_METRIC_GAUGE, "DAG runs by dag and state (queued, running)"},
        {"lakehouse_flow_dag_runs_finished_total", LH_METRIC_COUNTER,
         "DAG runs finished, by state"},
        {"lakehouse_flow_task_instances", LH_METRIC_GAUGE,
         "task instances of unfinished runs, by state"},
        {"lakehouse_flow_task_tries_finished_total", LH_METRIC_COUNTER,
         "task tries ended, by the state they led to"},
        {"lakehouse_flow_pool_slots", LH_METRIC_GAUGE, "slots of each pool"},
        {"lakehouse_flow_pool_used_slots", LH_METRIC_GAUGE, "slots in use in each pool"},
        {"lakehouse_flow_dags", LH_METRIC_GAUGE, "DAGs loaded"},
        {"lakehouse_flow_import_errors", LH_METRIC_GAUGE, "DAG files that do not load"},
    };
    static const double delay_b[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                     0.05,   0.1,   0.5,    1,     5};
    static const double dur_b[] = {0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600};
    for (size_t i = 0; i < sizeof fam / sizeof fam[0]; i++)
        lh_metrics_register(fam[i].name, fam[i].type, fam[i].help, NULL, 0);
    lh_metrics_register("lakehouse_flow_scheduling_delay_seconds", LH_METRIC_HISTOGRAM,
                        "from a task instance ready to run to its try being started", delay_b,
                        (int)(sizeof delay_b / sizeof delay_b[0]));
    lh_metrics_register("lakehouse_flow_task_duration_seconds", LH_METRIC_HISTOGRAM,
                        "duration of task tries", dur_b, (int)(sizeof dur_b / sizeof dur_b[0]));
}

static void publish_metrics(lh_flow_t *f)
{
    int ndags = 0, nerr = 0;
    char lab[400];
    for (lh__fdag_t *e = f->dags; e; e = e->next)
        ndags += e->file != NULL;
    for (lh__ferr_t *x = f->errs; x; x = x->next)
        nerr++;
    lh_metrics_set("lakehouse_flow_dags", NULL, ndags);
    lh_metrics_set("lakehouse_flow_import_errors", NULL, nerr);
    int runs[2] = {0}, tis[LH_FLOW_TS_SKIPPED + 1] = {0};
    for (lh__run_t *r = f->runs; r; r = r->next) {
        if (r->rec.state <= LH_FLOW_RS_RUNNING) runs[r->rec.state]++;
        for (int i = 0; i < r->v->dag->ntasks; i++)
            tis[r->tis[i].rec.state]++;
    }
    for (int s = 0; s < 2; s++) {
        snprintf(lab, sizeof lab, "state=\"%s\"", lh_flow_run_state_names[s]);
        lh_metrics_set("lakehouse_flow_dag_runs", lab, runs[s]);
    }
    for (int s = 0; s <= LH_FLOW_TS_SKIPPED; s++) {
        snprintf(lab, sizeof lab, "state=\"%s\"", lh_flow_ti_state_names[s]);
        lh_metrics_set("lakehouse_flow_task_instances", lab, tis[s]);
    }
    lh__flow_pool_metrics(f);
}

static void on_tick(uv_timer_t *t)
{
    lh_flow_t *f = t->data;
    int64_t now = lh__flow_clock_us(f);
    if (now - f->last_scan_us >= f->scan_ms * 1000) lh__flow_rescan(f);
    lh__flow_pass(f);
    publish_metrics(f);
}

static void *thread_main(void *arg)
{
    lh_flow_t *f = arg;
    uv_run(&f->loop, UV_RUN_DEFAULT);
    return NULL;
}

static void flow_free(lh_flow_t *f)
{
    if (!f) return;
    lh__flow_runs_free(f);
    lh__flow_registry_free(f);
    lh__flow_scanned_dirs(f, NULL, 0);
    if (f->st) lh_flow_state_close(f->st);
    if (f->rd) lh_flow_state_close(f->rd);
    lh__flow_platform_free(f);
    pthread_mutex_destroy(&f->reg_mu);
    pthread_mutex_destroy(&f->rd_mu);
    free(f->pools);
    free(f->data_dir);
    free(f->flow_dir);
    free(f->dags_dir);
    free(f->python);
    free(f);
}

static int setup(lh_flow_t *f, const lh_role_ctx_t *ctx, lh_err_t *err)
{
    size_t n = strlen(ctx->data_dir) + 8;
    f->flow_dir = malloc(n);
    f->data_dir = strdup(ctx->data_dir);
    f->dags_dir = strdup(lh_config_get(ctx->cfg, "flow.dags_dir"));
    f->python = strdup(lh_config_get(ctx->cfg, "flow.python"));
    if (!f->flow_dir || !f->data_dir || !f->dags_dir || !f->python) return LH_ENOMEM;
    snprintf(f->flow_dir, n, "%s/flow", ctx->data_dir);
    if (mkdir(f->flow_dir, 0700) && errno != EEXIST)
        return lh_err_set(err, LH_EIO, "cannot create %s: %s", f->flow_dir, strerror(errno));
    if (mkdir(f->dags_dir, 0700) && errno != EEXIST)
        lh_warn("flow: cannot create %s: %s", f->dags_dir, strerror(errno));
    char *abs = realpath(f->dags_dir, NULL); /* file locations stay right whatever the cwd */
    if (abs) free(f->dags_dir), f->dags_dir = abs;
    f->parallelism = (int)lh_config_int(ctx->cfg, "flow.parallelism");
    f->scan_ms = lh_config_duration_ms(ctx->cfg, "flow.dag_scan_interval");
    f->task_memory_limit = lh_config_size(ctx->cfg, "flow.task_memory_limit");
    f->task_sql_threads = (int)lh_config_int(ctx->cfg, "flow.task_sql_threads");
    f->task_workers = (int)lh_config_int(ctx->cfg, "flow.task_workers");
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    f->cores = cores > 1 ? (int)cores : 1;
#if defined(LH_TEST_HOOKS) && LH_TEST_HOOKS
    f->clock_offset_us = lh_config_duration_ms(ctx->cfg, "flow.clock_offset") * 1000;
#endif
    int rc = parse_pools(f, err);
    if (!rc) rc = lh_flow_state_open(&f->st, f->flow_dir, err);
    if (!rc) rc = lh_flow_state_open(&f->rd, f->flow_dir, err);
    if (!rc) rc = lh__flow_platform_init(f, err);
    return rc;
}

static int flow_start(const lh_role_ctx_t *ctx, void **handle, lh_err_t *err)
{
    lh_flow_t *f = calloc(1, sizeof *f);
    if (!f) return lh_err_set(err, LH_ENOMEM, "out of memory");
    pthread_mutex_init(&f->reg_mu, NULL);
    pthread_mutex_init(&f->rd_mu, NULL);
    f->cfg = ctx->cfg;
    f->meta = ctx->meta;
    metrics_register();
    int rc = setup(f, ctx, err);
    if (rc) goto fail;
    lh__flow_scan(f);
    f->last_scan_us = lh__flow_clock_us(f);
    if (uv_loop_init(&f->loop)) {
        rc = lh_err_set(err, LH_EIO, "cannot create the scheduler's loop");
        goto fail;
    }
    f->loop.data = f;
    if ((rc = lh_loop_poster_new(&f->loop, &f->poster)) ||
        (rc = lh_flow_exec_new(&f->exec, &f->loop, f->self_exe, f->task_workers))) {
        lh_err_set(err, rc, "cannot set up the scheduler");
        goto fail_loop;
    }
    uv_timer_init(&f->loop, &f->tick);
    uv_idle_init(&f->loop, &f->pass_idle);
    f->tick.data = f->pass_idle.data = f;
    if ((rc = lh__flow_recover(f, err))) goto fail_loop;
    lh__flow_watch_start(f);
    lh__flow_sensor_wake_start(f);
    uv_timer_start(&f->tick, on_tick, 0, 1000);
    if (pthread_create(&f->thread, NULL, thread_main, f)) {
        rc = lh_err_set(err, LH_EIO, "cannot start the scheduler thread");
        goto fail_loop;
    }
    f->thread_started = 1;
    lh_info("flow: scheduler started (dags %s, parallelism %d)", f->dags_dir, f->parallelism);
    *handle = f;
    return 0;
fail_loop:
    lh__flow_sensor_wake_stop(f);
    f->stopping = 1;
    /* nothing runs the loop yet: close what was opened and run it dry here */
    if (f->exec) lh_flow_exec_close(f->exec, 0, NULL, NULL);
    if (f->poster) lh_loop_poster_close(f->poster);
    if (f->tick.loop) uv_close((uv_handle_t *)&f->tick, NULL);
    if (f->pass_idle.loop) uv_close((uv_handle_t *)&f->pass_idle, NULL);
    lh__flow_watch_close(f);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    uv_loop_close(&f->loop);
fail:
    flow_free(f);
    return rc;
}

/* On the scheduler thread: stop everything so its loop runs dry. */
static void stop_on_thread(void *arg, int status)
{
    lh_flow_t *f = arg;
    (void)status;
    f->stopping = 1;
    uv_timer_stop(&f->tick);
    uv_idle_stop(&f->pass_idle);
    uv_close((uv_handle_t *)&f->tick, NULL);
    uv_close((uv_handle_t *)&f->pass_idle, NULL);
    lh__flow_watch_close(f);
    lh_flow_exec_close(f->exec, lh_config_bool(f->cfg, "flow.stop_tasks"), NULL, NULL);
    f->exec = NULL;
    lh_loop_poster_close(f->poster);
}

static void flow_stop(void *handle, void (*done)(void *), void *arg)
{
    lh_flow_t *f = handle;
    if (f) lh__flow_sensor_wake_stop(f); /* no notice queued for the loop after this */
    if (f && f->thread_started) {
        if (lh_loop_post(f->poster, stop_on_thread, f) == 0) pthread_join(f->thread, NULL);
        uv_loop_close(&f->loop);
    }
    flow_free(f);
    done(arg);
}

static const lh_migration_t no_migrations[] = {{0}};

const lh_role_t lh_flow_role = {
    .name = "flow",
    .section = "flow",
    .summary = "orchestrator: DAGs, schedules, retries, backfills, REST API (Airflow)",
    .keys = flow_keys,
    .nkeys = (int)(sizeof flow_keys / sizeof flow_keys[0]),
    .migrations = no_migrations,
    .nmigrations = 0,
    .routes = lh_flow_api_routes,
    .nroutes = LH_FLOW_API_NROUTES,
    .start = flow_start,
    .stop = flow_stop,
};

/* --- readers --- */

static void info_of(const lh__fdag_t *e, lh_flow_dag_info_t *i, int64_t now_s)
{
    *i = (lh_flow_dag_info_t){.dag_id = e->dag_id,
                              .file = e->file,
                              .dag = e->cur ? e->cur->dag : NULL,
                              .broken = e->broken,
                              .paused = e->paused,
                              .next_logical = INT64_MIN};
    if (e->cur && e->cur->dag->sched_kind == LH_FLOW_SCHED_CRON) {
        const lh_flow_dag_t *d = e->cur->dag;
        lh_flow_interval_t last = {e->last_logical, e->last_end}, next;
        if (lh_cron_next_interval(&d->cron, e->have_last ? &last : NULL, d->start_date, d->end_date,
                                  (int)d->catchup, now_s, &next) == 1)
            i->next_logical = next.start;
    }
}

int lh_flow_dags_each(lh_flow_t *f, int (*fn)(const lh_flow_dag_info_t *, void *), void *arg)
{
    int rc = 0;
    int64_t now_s = lh__flow_clock_us(f) / 1000000;
    pthread_mutex_lock(&f->reg_mu);
    for (lh__fdag_t *e = f->dags; e && !rc; e = e->next) {
        if (!e->file) continue;
        lh_flow_dag_info_t i;
        info_of(e, &i, now_s);
        rc = fn(&i, arg);
    }
    pthread_mutex_unlock(&f->reg_mu);
    return rc;
}

int lh_flow_dag_with(lh_flow_t *f, const char *dag_id,
                     int (*fn)(const lh_flow_dag_info_t *, void *), void *arg)
{
    int64_t now_s = lh__flow_clock_us(f) / 1000000;
    pthread_mutex_lock(&f->reg_mu);
    lh__fdag_t *e = lh__flow_find(f, dag_id);
    int rc = LH_ENOENT;
    if (e && e->file) {
        lh_flow_dag_info_t i;
        info_of(e, &i, now_s);
        rc = fn(&i, arg);
    }
    pthread_mutex_unlock(&f->reg_mu);
    return rc;
}

int lh_flow_import_errors_each(lh_flow_t *f, int (*fn)(const lh_flow_dag_t *, void *), void *arg)
{
    int rc = 0;
    pthread_mutex_lock(&f->reg_mu);
    for (lh__ferr_t *x = f->errs; x && !rc; x = x->next)
        rc = fn(x->dag, arg);
    for (lh__fdag_t *e = f->dags; e && !rc; e = e->next)
        if (e->broken) rc = fn(e->broken, arg);
    pthread_mutex_unlock(&f->reg_mu);
    return rc;
}

int lh_flow_read(lh_flow_t *f, int (*fn)(lh_flow_state_t *s, void *arg), void *arg)
{
    pthread_mutex_lock(&f->rd_mu);
    int rc = fn(f->rd, arg);
    pthread_mutex_unlock(&f->rd_mu);
    return rc;
}

const char *lh_flow_data_dir(const lh_flow_t *f)
{
    return f->data_dir;
}
