/* DAG files: a full valid file parses into the structs (defaults,
 * default_args inherited and overridden, params, per-type fields, paths
 * resolved against the file); each kind of error is reported with its
 * line and field, and every error of a file is reported, not the first. */
#include "core/buf.h"
#include "flow/dag.h"
#include "test.h"
#include "tmpdir.h"

/* Every diagnostic as "line: field: message", one per line. */
static char *diags_of(const char *yaml)
{
    lh_flow_dag_t *d = lh_flow_dag_parse("dags/x.yaml", yaml, strlen(yaml));
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_buf_puts(&b, "");
    for (int i = 0; d && i < d->ndiags; i++)
        lh_buf_printf(&b, "%s%d: %s: %s", i ? "\n" : "", d->diags[i].line, d->diags[i].field,
                      d->diags[i].msg);
    lh_flow_dag_free(d);
    return lh_buf_take(&b, NULL);
}

#define HEAD "dag_id: x\ntasks:\n"
#define SHELL(id) "  - id: " id "\n    type: shell\n    command: echo\n"

typedef struct {
    const char *name, *yaml, *want;
} err_case_t;

static const err_case_t err_cases[] = {
    {"yaml syntax", HEAD "  - id: a\n    type: shell\n   command: [\n",
     "5: : yaml syntax error: did not find expected '-' indicator while parsing a block "
     "collection"},
    {"cycle",
     HEAD SHELL("a") "    depends_on: [c]\n" SHELL("b") "    depends_on: [a]\n" SHELL(
         "c") "    depends_on: b\n",
     "6: tasks[0].depends_on: dependency cycle: a -> c -> b -> a"},
    {"self cycle", HEAD SHELL("a") "    depends_on: [a]\n",
     "6: tasks[0].depends_on: dependency cycle: a -> a"},
    {"unknown dependency", HEAD SHELL("a") SHELL("b") "    depends_on:\n      - a\n      - load\n",
     "11: tasks[1].depends_on: unknown task \"load\""},
    {"duplicate task id", HEAD SHELL("a") SHELL("a"), "6: tasks[1].id: duplicate task id \"a\""},
    {"bad cron", "dag_id: x\nschedule: '*/0 * * * *'\nstart_date: 2024-01-01\ntasks:\n" SHELL("a"),
     "2: schedule: bad cron \"*/0 * * * *\": minute: bad value \"*/0\" (0-59)"},
    {"cron that never fires",
     "dag_id: x\nschedule: 0 0 30 2 *\nstart_date: 2024-01-01\ntasks:\n" SHELL("a"),
     "2: schedule: bad cron \"0 0 30 2 *\": never fires: no such day of the month"},
    {"unknown type", HEAD "  - id: a\n    type: rocket\n    fuel: lots\n",
     "4: tasks[0].type: unknown task type \"rocket\" (one of shell, python, sql, sensor, k8s_pod, "
     "spark, ingest)"},
    {"unknown field", "dag_id: x\ncolour: blue\ntasks:\n" SHELL("a") "    comand: ls\n",
     "2: colour: unknown field\n7: tasks[0].comand: unknown field"},
    {"bad template", HEAD "  - id: a\n    type: shell\n    command: echo {{ yesterday }}\n",
     "5: tasks[0].command: bad template: unknown name \"yesterday\""},
    {"bad template in a list",
     HEAD "  - id: a\n    type: python\n    callable: m:f\n    args: "
          "['{{ ds }}', '{{ params.p }}']\n",
     "6: tasks[0].args[1]: bad template: unknown param \"params.p\""},
    {"bad duration", "dag_id: x\ndefault_args:\n  retry_delay: 5 minutes\ntasks:\n" SHELL("a"),
     "3: default_args.retry_delay: bad duration \"5 minutes\" (seconds, or like 30s, 5m, 1h30m)"},
    {"missing dag_id", "tasks:\n" SHELL("a"), "1: dag_id: missing required field"},
    {"missing command", HEAD "  - id: a\n    type: shell\n",
     "3: tasks[0].command: missing required field"},
    {"missing tasks", "dag_id: x\n", "1: tasks: missing required field"},
    {"missing start_date", "dag_id: x\nschedule: '@daily'\ntasks:\n" SHELL("a"),
     "1: start_date: missing required field (the schedule needs it)"},
    {"bad trigger rule", HEAD SHELL("a") "    trigger_rule: any\n",
     "6: tasks[0].trigger_rule: unknown trigger rule \"any\" (all_success, all_failed, all_done, "
     "one_success, one_failed, none_failed, none_failed_min_one_success, none_skipped, always)"},
    {"duplicate key", "dag_id: x\ndag_id: y\ntasks:\n" SHELL("a"), "2: dag_id: duplicate key"},
    {"two documents", HEAD SHELL("a") "---\ndag_id: y\n",
     "7: : more than one YAML document (one DAG per file)"},
    {"not a mapping", "- a\n- b\n", "1: : expected a mapping (dag_id, schedule, tasks, ...)"},
    {"empty file", "", "1: : expected a mapping (dag_id, schedule, tasks, ...)"},
    {"python needs one of", HEAD "  - id: a\n    type: python\n",
     "3: tasks[0]: missing required field: script or callable"},
    {"python callable shape", HEAD "  - id: a\n    type: python\n    callable: notacallable\n",
     "3: tasks[0].callable: expected module:function, got \"notacallable\""},
    {"sensor needs one of",
     HEAD "  - id: a\n    type: sensor\n    object: s3://b/k\n    "
          "topic: t\n    mode: push\n",
     "3: tasks[0]: give only one of object and topic\n7: tasks[0].mode: bad value \"push\" (one of "
     "poke|reschedule)"},
    {"end before start",
     "dag_id: x\nstart_date: 2024-02-01\nend_date: 2024-01-01\ntasks:\n" SHELL("a"),
     "1: end_date: end_date is before start_date"},
    {"bad param default",
     "dag_id: x\nparams:\n  n: {type: integer, default: ten}\ntasks:\n" SHELL("a"),
     "3: params.n: default \"ten\" is not a integer"},
    {"bad retries", "dag_id: x\ndefault_args:\n  retries: -1\ntasks:\n" SHELL("a"),
     "3: default_args.retries: expected an integer >= 0, got \"-1\""},
    {"on_failure both",
     "dag_id: x\ndefault_args:\n  on_failure: {command: x, webhook: "
     "'http://h/'}\ntasks:\n" SHELL("a"),
     "3: default_args.on_failure: give exactly one of command or webhook"},
    {"sql file suffix", HEAD "  - id: a\n    type: sql\n    file: q.txt\n",
     "5: tasks[0].file: expected a file name ending in .sql"},
    {"ingest prefix", HEAD "  - id: a\n    type: ingest\n    topic: t\n    prefix: /tmp/x\n",
     "3: tasks[0].prefix: expected s3://BUCKET/PATH, got \"/tmp/x\""},
    {"ingest format",
     HEAD "  - id: a\n    type: ingest\n    topic: t\n    prefix: s3://b/p\n"
          "    format: csv\n",
     "7: tasks[0].format: bad value \"csv\" (one of jsonl.zst)"},
    {NULL, NULL, NULL},
};

static void test_errors(void)
{
    int bad = 0;
    for (const err_case_t *c = err_cases; c->name; c++) {
        char *got = diags_of(c->yaml);
        if (strcmp(got, c->want)) fprintf(stderr, "  case %s:\n%s\n", c->name, got), bad++;
        free(got);
    }
    CHECK_EQ_INT(bad, 0);
}

/* Every error of a file, in line order, not only the first. */
static void test_all_errors(void)
{
    char *got = diags_of("dag_id: bad id\nschedule: '@sometimes'\ncolour: red\n"
                         "tasks:\n  - id: a\n    type: shell\n    command: '{{ x }}'\n"
                         "    depends_on: [zz]\n    retry_delay: soon\n  - id: a\n    type: k\n");
    CHECK_EQ_STR(got, "1: dag_id: bad id \"bad id\" (letters, digits, _ . - only)\n"
                      "2: schedule: bad cron \"@sometimes\": unknown preset \"@sometimes\"\n"
                      "3: colour: unknown field\n"
                      "7: tasks[0].command: bad template: unknown name \"x\"\n"
                      "8: tasks[0].depends_on: unknown task \"zz\"\n"
                      "9: tasks[0].retry_delay: bad duration \"soon\" (seconds, or like 30s, 5m, "
                      "1h30m)\n"
                      "10: tasks[1].id: duplicate task id \"a\"\n"
                      "11: tasks[1].type: unknown task type \"k\" (one of shell, python, sql, "
                      "sensor, k8s_pod, spark, ingest)");
    free(got);
}

static const char full[] = "dag_id: sales\n"
                           "description: daily sales\n"
                           "schedule: '@daily'\n"
                           "start_date: 2024-01-01\n"
                           "end_date: 2024-12-31T00:00:00Z\n"
                           "catchup: true\n"
                           "max_active_runs: 2\n"
                           "params:\n"
                           "  region: {type: string, default: eu, description: where}\n"
                           "  limit: 10\n"
                           "default_args:\n"
                           "  retries: 3\n"
                           "  retry_delay: 1m30s\n"
                           "  retry_exponential_backoff: true\n"
                           "  execution_timeout: 2h\n"
                           "  on_failure: echo failed\n"
                           "tasks:\n"
                           "  - id: extract\n"
                           "    type: shell\n"
                           "    command: echo {{ ds }} {{ params.region }}\n"
                           "    env: {REGION: '{{ params.region }}'}\n"
                           "  - id: load\n"
                           "    type: sql\n"
                           "    file: q/load.sql\n"
                           "    depends_on: extract\n"
                           "    retries: 0\n"
                           "    pool: warehouse\n"
                           "    max_active_tis_per_dag: 2\n"
                           "  - id: wait\n"
                           "    type: sensor\n"
                           "    topic: events\n"
                           "    partition: 3\n"
                           "    poke_interval: 30\n"
                           "    depends_on: [extract, load]\n"
                           "    trigger_rule: none_failed_min_one_success\n";

static void test_full(void)
{
    char dir[256], path[300];
    snprintf(dir, sizeof dir, "%s", lh_test_tmpdir());
    snprintf(path, sizeof path, "%s/q", dir);
    CHECK(mkdir(path, 0755) == 0);
    snprintf(path, sizeof path, "%s/q/load.sql", dir);
    FILE *f = fopen(path, "w");
    CHECK(f);
    fputs("INSERT INTO t SELECT * FROM s WHERE ds = '{{ ds }}'\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/sales.yaml", dir);
    f = fopen(path, "w");
    CHECK(f);
    fputs(full, f);
    fclose(f);
    lh_flow_dag_t *d = lh_flow_dag_load(path);
    CHECK(d);
    for (int i = 0; i < d->ndiags; i++)
        lh_flow_diag_print(&d->diags[i], stderr);
    CHECK_EQ_INT(d->ndiags, 0);
    CHECK_EQ_STR(d->dag_id, "sales");
    CHECK_EQ_INT(d->sched_kind, LH_FLOW_SCHED_CRON);
    CHECK_EQ_INT(d->start_date, 1704067200);
    CHECK_EQ_INT(d->end_date, 1735603200);
    CHECK_EQ_INT(d->catchup, 1);
    CHECK_EQ_INT(d->max_active_runs, 2);
    CHECK_EQ_INT(d->max_active_tasks, 16);
    CHECK_EQ_INT(d->nparams, 2);
    CHECK_EQ_STR(d->params[0].def, "eu");
    CHECK_EQ_STR(d->params[1].def, "10");
    CHECK_EQ_INT(d->ntasks, 3);
    const lh_flow_task_t *ex = lh_flow_dag_task(d, "extract"), *ld = lh_flow_dag_task(d, "load"),
                         *w = lh_flow_dag_task(d, "wait");
    CHECK(ex && ld && w);
    CHECK_EQ_INT(ex->args.retries, 3);
    CHECK_EQ_INT(ex->args.retry_delay, 90);
    CHECK_EQ_INT(ex->args.execution_timeout, 7200);
    CHECK_EQ_STR(ex->args.on_failure, "echo failed");
    CHECK_EQ_STR(ex->args.pool, "default_pool");
    CHECK_EQ_INT(ld->args.retries, 0);
    CHECK_EQ_STR(ld->args.pool, "warehouse");
    CHECK_EQ_INT(ld->args.max_active_tis_per_dag, 2);
    CHECK_EQ_INT(ex->args.max_active_tis_per_dag, 0);
    CHECK_EQ_INT(ld->ndeps, 1);
    CHECK_EQ_INT(ld->dep_index[0], 0);
    CHECK_EQ_INT(w->trigger_rule, LH_FLOW_TR_NONE_FAILED_MIN_ONE_SUCCESS);
    CHECK_EQ_INT(w->dep_index[1], 1);
    CHECK_EQ_STR(lh_flow_task_field(ex, "command")->str, "echo {{ ds }} {{ params.region }}");
    CHECK_EQ_STR(lh_flow_task_field(ex, "env")->keys[0], "REGION");
    CHECK_EQ_STR(lh_flow_task_field(ld, "file")->str,
                 path[0] ? lh_flow_task_field(ld, "file")->str : "");
    CHECK(strstr(lh_flow_task_field(ld, "file")->str, "/q/load.sql"));
    CHECK(!strncmp(lh_flow_task_field(ld, "file")->str, dir, strlen(dir)));
    CHECK_EQ_INT(lh_flow_task_field(w, "partition")->num, 3);
    CHECK_EQ_INT(lh_flow_task_field(w, "poke_interval")->num, 30);
    CHECK(!lh_flow_task_field(w, "timeout"));
    lh_flow_dag_free(d);
}

/* A template error inside a .sql file names the task's file field. */
static void test_sql_file_template(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/bad.sql", lh_test_tmpdir());
    FILE *f = fopen(path, "w");
    CHECK(f);
    fputs("SELECT '{{ tomorrow }}'", f);
    fclose(f);
    char yaml[600];
    snprintf(yaml, sizeof yaml, HEAD "  - id: q\n    type: sql\n    file: %s\n", path);
    char *got = diags_of(yaml);
    CHECK_EQ_STR(got, "3: tasks[0].file: bad template: unknown name \"tomorrow\"");
    free(got);
}

static void test_schedules(void)
{
    static const struct {
        const char *sched;
        int kind;
    } cases[] = {{"null", LH_FLOW_SCHED_NONE},      {"none", LH_FLOW_SCHED_NONE},
                 {"'@once'", LH_FLOW_SCHED_ONCE},   {"'@hourly'", LH_FLOW_SCHED_CRON},
                 {"'@weekly'", LH_FLOW_SCHED_CRON}, {"'*/5 9-17 * * mon-fri'", LH_FLOW_SCHED_CRON}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[300];
        snprintf(yaml, sizeof yaml,
                 "dag_id: x\nschedule: %s\nstart_date: 2024-01-01\ntasks:\n" SHELL("a"),
                 cases[i].sched);
        lh_flow_dag_t *d = lh_flow_dag_parse("x.yaml", yaml, strlen(yaml));
        CHECK(d);
        CHECK_EQ_INT(d->ndiags, 0);
        CHECK_EQ_INT(d->sched_kind, cases[i].kind);
        lh_flow_dag_free(d);
    }
}

/* A 10,000-task chain (the benchmark's shape) checks, and a long cycle is named. */
static lh_flow_dag_t *chain(int n, int closed)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_buf_puts(&b, HEAD);
    for (int i = 0; i < n; i++) {
        lh_buf_printf(&b, "  - {id: t%d, type: shell, command: 'true'", i);
        if (i || closed) lh_buf_printf(&b, ", depends_on: [t%d]", i ? i - 1 : n - 1);
        lh_buf_puts(&b, "}\n");
    }
    lh_flow_dag_t *d = lh_flow_dag_parse("big.yaml", b.ptr, b.len);
    lh_buf_free(&b);
    return d;
}

/* A 10,000-task chain (the benchmark's shape) checks; closed into a loop,
 * one cycle error names it (shortened when long). */
static void test_large(void)
{
    lh_flow_dag_t *d = chain(10000, 0);
    CHECK(d);
    CHECK_EQ_INT(d->ndiags, 0);
    CHECK_EQ_INT(d->ntasks, 10000);
    lh_flow_dag_free(d);
    d = chain(10000, 1);
    CHECK(d);
    CHECK_EQ_INT(d->ndiags, 1);
    CHECK_EQ_STR(d->diags[0].field, "tasks[0].depends_on");
    CHECK_EQ_STR(d->diags[0].msg, "dependency cycle: (too long to show)");
    lh_flow_dag_free(d);
    d = chain(3, 1);
    CHECK_EQ_INT(d->ndiags, 1);
    CHECK_EQ_STR(d->diags[0].msg, "dependency cycle: t0 -> t2 -> t1 -> t0");
    lh_flow_dag_free(d);
}

/* Aliases repeat nodes: the values read are capped, so a small file cannot
 * make the parser do quadratic work. */
static void test_alias_cap(void)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_buf_puts(&b, "dag_id: x\nparams:\n  big: &a [");
    for (int i = 0; i < 2000; i++)
        lh_buf_printf(&b, "%sv", i ? "," : "");
    lh_buf_puts(&b, "]\ntasks:\n");
    for (int i = 0; i < 1100; i++)
        lh_buf_printf(&b, "  - {id: t%d, type: python, callable: 'm:f', args: *a}\n", i);
    lh_flow_dag_t *d = lh_flow_dag_parse("a.yaml", b.ptr, b.len);
    lh_buf_free(&b);
    CHECK(d);
    int found = 0;
    for (int i = 0; i < d->ndiags; i++)
        found += !strcmp(d->diags[i].msg, "file too large: over 2000000 values (aliases included)");
    CHECK_EQ_INT(found, 1);
    lh_flow_dag_free(d);
}

static const lh_test_t tests[] = {
    {"alias repetition is capped", test_alias_cap},
    {"each kind of error", test_errors},
    {"all errors of a file", test_all_errors},
    {"a full DAG", test_full},
    {"template errors in a .sql file", test_sql_file_template},
    {"schedules", test_schedules},
    {"10,000 tasks", test_large},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
