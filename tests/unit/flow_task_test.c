/* What each task type runs (flow/task.h): the argv, environment and memory
 * mode built from small DAG texts for shell, python, sql, sensor, k8s_pod
 * and spark; the environment carries the run context and the task
 * credential and never the platform's own secrets; templates render (a
 * missing dag_run.conf key is LH_EINVAL); sql statements and manifests land
 * in the rendered folder; on_failure runs its command and POSTs its
 * webhook from a detached child. */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "flow/task.h"
#include "test.h"
#include "tmpdir.h"

static const char *const base_env[] = {
    "PATH=/usr/bin:/bin",      "HOME=/home/x",           "LAKEHOUSE_ACCESS_KEY=rootadmin",
    "LAKEHOUSE_SECRET_KEY=rs", "LAKEHOUSE_TOKEN=tok",    "LAKEHOUSE_META_PASSWORD=pw",
    "LAKEHOUSE_X_SECRETS=s",   "AWS_SESSION_TOKEN=sess", "AWS_ACCESS_KEY_ID=rootadmin",
    "KAFKA_SASL_PASSWORD=kp",  "LAKEHOUSE_DATA_DIR=/d",  NULL,
};

typedef struct fixture {
    char dir[256];
    lh_flow_dag_t *dag;
    lh_arena_t *a;
    lh_flow_platform_t pf;
    lh_flow_run_ctx_t rc;
    json_t *conf;
} fixture_t;

static fixture_t fx;

/* Parses text as <tmp>/dags/d.yaml (files: name, text pairs beside it). */
static int setup(const char *text, const char *const *files)
{
    snprintf(fx.dir, sizeof fx.dir, "%s", lh_test_tmpdir());
    char path[512];
    snprintf(path, sizeof path, "%s/dags", fx.dir);
    mkdir(path, 0700);
    for (int i = 0; files && files[i]; i += 2) {
        snprintf(path, sizeof path, "%s/dags/%s", fx.dir, files[i]);
        FILE *f = fopen(path, "w");
        fputs(files[i + 1], f);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/dags/d.yaml", fx.dir);
    fx.dag = lh_flow_dag_parse(path, text, strlen(text));
    for (int i = 0; fx.dag && i < fx.dag->ndiags; i++)
        lh_flow_diag_print(&fx.dag->diags[i], stderr);
    fx.a = lh_arena_new(4096);
    fx.conf = json_pack("{s:s}", "table", "sales");
    fx.pf = (lh_flow_platform_t){
        .self_exe = "/opt/lakehouse",
        .data_dir = fx.dir,
        .python = "/usr/bin/python3",
        .s3_url = "http://127.0.0.1:9000",
        .kafka = "127.0.0.1:9092",
        .web_url = "http://127.0.0.1:8080",
        .region = "us-east-1",
        .bucket = "lakehouse",
        .access_key = "lakehouse-task",
        .secret_key = "task-secret",
        .base_env = base_env,
        .memory_limit = 1 << 30,
    };
    fx.rc = (lh_flow_run_ctx_t){
        .logical_date = 1704067200, /* 2024-01-01 */
        .data_interval_start = 1704067200,
        .data_interval_end = 1704153600,
        .run_id = "scheduled__2024-01-01T00:00:00+00:00",
        .try_number = 2,
        .conf = fx.conf,
    };
    return fx.dag && fx.dag->ndiags == 0 && fx.a;
}

static int command(const char *task, lh_flow_cmd_t *c, lh_err_t *err)
{
    return lh_flow_task_command(fx.dag, lh_flow_dag_task(fx.dag, task), &fx.rc, &fx.pf, fx.a, c,
                                err);
}

/* The value of KEY in a NULL-terminated env, or NULL; *count how often. */
static const char *env_get(const char *const *env, const char *key, int *count)
{
    const char *v = NULL;
    size_t kl = strlen(key);
    int n = 0;
    for (; *env; env++)
        if (!strncmp(*env, key, kl) && (*env)[kl] == '=') v = *env + kl + 1, n++;
    if (count) *count = n;
    return v;
}

static int argc_of(const char *const *argv)
{
    int n = 0;
    while (argv[n])
        n++;
    return n;
}

static char *slurp(const char *path)
{
    static char buf[65536];
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return buf;
}

#define HEAD "dag_id: d\nschedule: \"@daily\"\nstart_date: 2024-01-01\ntasks:\n"

static void test_shell_env(void)
{
    CHECK(setup(HEAD "  - id: s\n    type: shell\n    command: \"echo {{ ds }} {{ "
                     "dag_run.conf.table }}\"\n    env: {OUT: \"x{{ ds_nodash }}\", "
                     "AWS_DEFAULT_REGION: mine}\n",
                NULL));
    lh_flow_cmd_t c;
    lh_err_t err = {0};
    CHECK_EQ_INT(command("s", &c, &err), 0);
    CHECK_EQ_INT(argc_of(c.argv), 3);
    CHECK_EQ_STR(c.argv[0], "sh");
    CHECK_EQ_STR(c.argv[1], "-c");
    CHECK_EQ_STR(c.argv[2], "echo 2024-01-01 sales");
    CHECK_EQ_INT(c.memory_mode, LH_FLOW_MEM_RLIMIT);
    CHECK_EQ_INT(c.memory_limit, 1 << 30);
    CHECK(strstr(c.cwd, "/dags") != NULL);
    const char *const *e = c.env;
    CHECK_EQ_STR(env_get(e, "LAKEHOUSE_CTX_DAG_ID", NULL), "d");
    CHECK_EQ_STR(env_get(e, "LAKEHOUSE_CTX_RUN_ID", NULL), "scheduled__2024-01-01T00:00:00+00:00");
    CHECK_EQ_STR(env_get(e, "LAKEHOUSE_CTX_TASK_ID", NULL), "s");
    CHECK_EQ_STR(env_get(e, "LAKEHOUSE_CTX_TRY_NUMBER", NULL), "2");
    CHECK_EQ_STR(env_get(e, "LAKEHOUSE_CTX_DS", NULL), "2024-01-01");
    CHECK_EQ_STR(env_get(e, "LAKEHOUSE_CTX_DATA_INTERVAL_START", NULL),
                 "2024-01-01 00:00:00+00:00");
    CHECK_EQ_STR(env_get(e, "LAKEHOUSE_CTX_DATA_INTERVAL_END", NULL), "2024-01-02 00:00:00+00:00");
    CHECK_EQ_STR(env_get(e, "LAKEHOUSE_CTX_LOGICAL_DATE", NULL), "2024-01-01 00:00:00+00:00");
    /* platform access with the task credential, exactly once each */
    int n;
    CHECK_EQ_STR(env_get(e, "AWS_ACCESS_KEY_ID", &n), "lakehouse-task");
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_STR(env_get(e, "AWS_SECRET_ACCESS_KEY", NULL), "task-secret");
    CHECK_EQ_STR(env_get(e, "AWS_ENDPOINT_URL", NULL), "http://127.0.0.1:9000");
    CHECK_EQ_STR(env_get(e, "KAFKA_BOOTSTRAP_SERVERS", NULL), "127.0.0.1:9092");
    CHECK_EQ_STR(env_get(e, "LAKEHOUSE_URL", NULL), "http://127.0.0.1:8080");
    CHECK_EQ_STR(env_get(e, "LAKEHOUSE_ACCESS_KEY", &n), "lakehouse-task");
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_STR(env_get(e, "LAKEHOUSE_SECRET_KEY", NULL), "task-secret");
    CHECK_EQ_STR(env_get(e, "LAKEHOUSE_LAKE_BUCKET", NULL), "lakehouse");
    CHECK_EQ_STR(env_get(e, "LAKEHOUSE_S3_ENDPOINT", NULL), "http://127.0.0.1:9000");
    /* the platform's own secrets are gone; the rest of base_env stays */
    CHECK(!env_get(e, "LAKEHOUSE_TOKEN", NULL));
    CHECK(!env_get(e, "LAKEHOUSE_META_PASSWORD", NULL));
    CHECK(!env_get(e, "LAKEHOUSE_X_SECRETS", NULL));
    CHECK(!env_get(e, "AWS_SESSION_TOKEN", NULL));
    CHECK(!env_get(e, "KAFKA_SASL_PASSWORD", NULL)); /* no SASL: none */
    for (int i = 0; e[i]; i++)
        CHECK(!strstr(e[i], "rootadmin") && !strstr(e[i], "=rs"));
    CHECK_EQ_STR(env_get(e, "PATH", NULL), "/usr/bin:/bin");
    CHECK_EQ_STR(env_get(e, "LAKEHOUSE_DATA_DIR", NULL), "/d");
    /* the task's env map, rendered, last (it wins) */
    CHECK_EQ_STR(env_get(e, "OUT", NULL), "x20240101");
    CHECK_EQ_STR(env_get(e, "AWS_DEFAULT_REGION", &n), "mine");
    CHECK_EQ_INT(n, 1);
}

static void test_kafka_sasl_env(void)
{
    CHECK(setup(HEAD "  - id: s\n    type: shell\n    command: \"true\"\n", NULL));
    fx.pf.kafka_sasl_mechanism = "SCRAM-SHA-256";
    lh_flow_cmd_t c;
    lh_err_t err = {0};
    CHECK_EQ_INT(command("s", &c, &err), 0);
    CHECK_EQ_STR(env_get(c.env, "KAFKA_SASL_MECHANISM", NULL), "SCRAM-SHA-256");
    CHECK_EQ_STR(env_get(c.env, "KAFKA_SASL_USERNAME", NULL), "lakehouse-task");
    CHECK_EQ_STR(env_get(c.env, "KAFKA_SASL_PASSWORD", NULL), "task-secret");
}

static void test_missing_conf_key(void)
{
    CHECK(setup(HEAD "  - id: s\n    type: shell\n    command: \"echo {{ dag_run.conf.nope }}\"\n",
                NULL));
    lh_flow_cmd_t c;
    lh_err_t err = {0};
    CHECK_EQ_INT(command("s", &c, &err), LH_EINVAL);
    CHECK(strstr(err.msg, "task s") && strstr(err.msg, "command") && strstr(err.msg, "nope"));
}

static void test_python(void)
{
    static const char *const files[] = {"job.py", "print(1)\n", NULL};
    CHECK(setup(HEAD "  - id: sc\n    type: python\n    script: job.py\n    args: [\"{{ ds }}\", "
                     "b]\n  - id: ca\n    type: python\n    callable: pkg.mod:run\n",
                files));
    lh_flow_cmd_t c;
    lh_err_t err = {0};
    CHECK_EQ_INT(command("sc", &c, &err), 0);
    CHECK_EQ_INT(argc_of(c.argv), 7);
    CHECK_EQ_STR(c.argv[0], "/usr/bin/python3");
    CHECK_EQ_STR(c.argv[1], "-c");
    CHECK(strstr(c.argv[2], "runpy") && strstr(c.argv[2], "ValueError"));
    CHECK_EQ_STR(c.argv[3], "script");
    CHECK(strstr(c.argv[4], "/dags/job.py") != NULL);
    CHECK_EQ_STR(c.argv[5], "2024-01-01");
    CHECK_EQ_STR(c.argv[6], "b");
    CHECK_EQ_INT(c.memory_mode, LH_FLOW_MEM_RLIMIT);
    CHECK_EQ_INT(command("ca", &c, &err), 0);
    CHECK_EQ_INT(argc_of(c.argv), 5);
    CHECK_EQ_STR(c.argv[3], "callable");
    CHECK_EQ_STR(c.argv[4], "pkg.mod:run");
}

static void test_sql(void)
{
    static const char *const files[] = {"q.sql", "SELECT '{{ ds }}';\n", NULL};
    CHECK(setup(HEAD "  - id: inline\n    type: sql\n    sql: \"SELECT {{ ti.try_number }}\"\n"
                     "  - id: file\n    type: sql\n    file: q.sql\n",
                files));
    lh_flow_cmd_t c;
    lh_err_t err = {0};
    CHECK_EQ_INT(command("inline", &c, &err), 0);
    CHECK_EQ_INT(argc_of(c.argv), 5);
    CHECK_EQ_STR(c.argv[0], "/opt/lakehouse");
    CHECK_EQ_STR(c.argv[1], "sql");
    CHECK_EQ_STR(c.argv[2], "--echo");
    CHECK_EQ_STR(c.argv[3], "-f");
    char want[512];
    snprintf(want, sizeof want,
             "%s/flow/rendered/d/scheduled__2024-01-01T00:00:00+00:00/inline.2.sql", fx.dir);
    CHECK_EQ_STR(c.argv[4], want);
    CHECK_EQ_STR(slurp(c.argv[4]), "SELECT 2");
    CHECK_EQ_INT(c.memory_mode, LH_FLOW_MEM_ENV);
    CHECK_EQ_STR(env_get(c.env, "LAKEHOUSE_SQL_MEMORY_LIMIT", NULL), "1073741824");
    CHECK_EQ_INT(command("file", &c, &err), 0);
    CHECK_EQ_STR(slurp(c.argv[4]), "SELECT '2024-01-01';\n");
}

/* The SQL engine's threads the scheduler picked for a try: in the task's
 * environment, unless the orchestrator's environment has them (kept) or a
 * shell task's env map sets them (last, it wins); 0 leaves them unset. */
static void test_sql_threads(void)
{
    CHECK(setup(HEAD "  - id: q\n    type: sql\n    sql: SELECT 1\n"
                     "  - id: own\n    type: shell\n    command: lakehouse sql -c 'SELECT 1'\n"
                     "    env: {LAKEHOUSE_SQL_THREADS: \"7\"}\n",
                NULL));
    lh_flow_cmd_t c;
    lh_err_t err = {0};
    int n = 0;
    CHECK_EQ_INT(command("q", &c, &err), 0);
    CHECK(env_get(c.env, "LAKEHOUSE_SQL_THREADS", NULL) == NULL);
    fx.pf.sql_threads = 3;
    CHECK_EQ_INT(command("q", &c, &err), 0);
    CHECK_EQ_STR(env_get(c.env, "LAKEHOUSE_SQL_THREADS", &n), "3");
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(command("own", &c, &err), 0);
    CHECK_EQ_STR(env_get(c.env, "LAKEHOUSE_SQL_THREADS", &n), "7");
    CHECK_EQ_INT(n, 1);
    static const char *const mine[] = {"PATH=/bin", "LAKEHOUSE_SQL_THREADS=5", NULL};
    fx.pf.base_env = mine;
    CHECK_EQ_INT(command("q", &c, &err), 0);
    CHECK_EQ_STR(env_get(c.env, "LAKEHOUSE_SQL_THREADS", &n), "5");
    CHECK_EQ_INT(n, 1);
}

static void test_sensor(void)
{
    CHECK(setup(HEAD
                "  - id: o\n    type: sensor\n    object: \"s3://lake/x/ds={{ ds }}/_SUCCESS\"\n"
                "    poke_interval: 30s\n    timeout: 1h\n    mode: reschedule\n"
                "  - id: t\n    type: sensor\n    topic: events\n    partition: 3\n",
                NULL));
    lh_flow_cmd_t c;
    lh_err_t err = {0};
    CHECK_EQ_INT(command("o", &c, &err), 0);
    static const char *const want_o[] = {
        "/opt/lakehouse",  "sensor", "object",    "s3://lake/x/ds=2024-01-01/_SUCCESS",
        "--poke-interval", "30",     "--timeout", "3600",
        "--once",          NULL};
    for (int i = 0; want_o[i]; i++)
        CHECK_EQ_STR(c.argv[i], want_o[i]);
    CHECK(!c.argv[9]);
    CHECK_EQ_INT(c.reschedule, 1);
    CHECK_EQ_INT(c.poke_interval, 30);
    CHECK_EQ_INT(c.sensor_timeout, 3600);
    CHECK_EQ_INT(command("t", &c, &err), 0);
    static const char *const want_t[] = {
        "/opt/lakehouse", "sensor",          "topic", "events",    "--partition", "3", "--at",
        "1704153600000",  "--poke-interval", "60",    "--timeout", "604800",      NULL};
    for (int i = 0; want_t[i]; i++)
        CHECK_EQ_STR(c.argv[i], want_t[i]);
    CHECK(!c.argv[12]);
    CHECK_EQ_INT(c.reschedule, 0);
}

static void test_ingest(void)
{
    CHECK(setup(HEAD "  - id: i\n    type: ingest\n    topic: chain.transfers\n"
                     "    prefix: \"s3://lakehouse/bronze/{{ ds_nodash }}\"\n"
                     "    idle_timeout: 1m\n"
                     "  - id: j\n    type: ingest\n    topic: t\n    prefix: s3://b/p\n"
                     "    bootstrap_servers: kafka-0:9092\n    lateness: 30m\n",
                NULL));
    lh_flow_cmd_t c;
    lh_err_t err = {0};
    CHECK_EQ_INT(command("i", &c, &err), 0);
    static const char *const want_i[] = {"/opt/lakehouse",
                                         "ingest",
                                         "--topic",
                                         "chain.transfers",
                                         "--start",
                                         "2024-01-01 00:00:00+00:00",
                                         "--end",
                                         "2024-01-02 00:00:00+00:00",
                                         "--prefix",
                                         "s3://lakehouse/bronze/20240101",
                                         "--format",
                                         "jsonl.zst",
                                         "--lateness",
                                         "7200",
                                         "--idle-timeout",
                                         "60",
                                         NULL};
    for (int i = 0; want_i[i]; i++)
        CHECK_EQ_STR(c.argv[i], want_i[i]);
    CHECK(!c.argv[16]);
    CHECK_EQ_INT(c.memory_mode, LH_FLOW_MEM_ENV);
    CHECK_EQ_INT(command("j", &c, &err), 0);
    CHECK_EQ_STR(c.argv[13], "1800");
    CHECK_EQ_STR(c.argv[16], "--bootstrap-servers");
    CHECK_EQ_STR(c.argv[17], "kafka-0:9092");
    CHECK(!c.argv[18]);
}

static void test_pod_manifest(void)
{
    CHECK(setup(HEAD "  - id: p\n    type: k8s_pod\n    image: busybox:1.36\n    cmds: [sh, -c]\n"
                     "    arguments: [\"echo {{ ds }}\"]\n    namespace: jobs\n"
                     "    env_vars: {MODE: \"m-{{ ds_nodash }}\"}\n    labels: {team: data}\n"
                     "    service_account_name: runner\n    on_finish_action: keep_pod\n",
                NULL));
    lh_flow_cmd_t c;
    lh_err_t err = {0};
    CHECK_EQ_INT(command("p", &c, &err), 0);
    CHECK_EQ_STR(c.argv[0], "sh");
    CHECK(strstr(c.argv[2], "kubectl apply"));
    CHECK_EQ_STR(c.argv[5], "pod");
    CHECK_EQ_STR(c.argv[6], "jobs");
    CHECK_EQ_STR(c.argv[7], "keep_pod");
    json_t *m = json_load_file(c.argv[4], 0, NULL);
    CHECK(m);
    CHECK_EQ_STR(json_string_value(json_object_get(m, "kind")), "Pod");
    json_t *meta = json_object_get(m, "metadata");
    CHECK_EQ_STR(json_string_value(json_object_get(meta, "namespace")), "jobs");
    json_t *labels = json_object_get(meta, "labels");
    CHECK_EQ_STR(json_string_value(json_object_get(labels, "team")), "data");
    CHECK_EQ_STR(json_string_value(json_object_get(labels, "lakehouse.dag_id")), "d");
    CHECK_EQ_STR(json_string_value(json_object_get(labels, "lakehouse.try_number")), "2");
    const char *name = json_string_value(json_object_get(meta, "name"));
    CHECK(name && !strncmp(name, "d-p-", 4) && strlen(name) <= 63);
    json_t *spec = json_object_get(m, "spec");
    CHECK_EQ_STR(json_string_value(json_object_get(spec, "serviceAccountName")), "runner");
    CHECK_EQ_STR(json_string_value(json_object_get(spec, "restartPolicy")), "Never");
    json_t *ct = json_array_get(json_object_get(spec, "containers"), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(ct, "image")), "busybox:1.36");
    CHECK_EQ_STR(json_string_value(json_array_get(json_object_get(ct, "command"), 1)), "-c");
    CHECK_EQ_STR(json_string_value(json_array_get(json_object_get(ct, "args"), 0)),
                 "echo 2024-01-01");
    char *env = json_dumps(json_object_get(ct, "env"), JSON_COMPACT);
    CHECK(strstr(env, "{\"name\":\"MODE\",\"value\":\"m-20240101\"}"));
    CHECK(strstr(env, "{\"name\":\"LAKEHOUSE_CTX_DS\",\"value\":\"2024-01-01\"}"));
    free(env);
    json_decref(m);
}

static void test_spark_manifest(void)
{
    CHECK(setup(HEAD "  - id: s\n    type: spark\n    main_application_file: "
                     "\"s3a://lake/jobs/{{ ds }}.jar\"\n    image: spark:3.5.1\n    spark_type: "
                     "Scala\n    main_class: org.x.Main\n    arguments: [\"{{ ds }}\"]\n"
                     "    spark_version: 3.5.1\n    namespace: spark\n    driver_cores: 2\n"
                     "    driver_memory: 2g\n    executor_instances: 4\n    executor_cores: 3\n"
                     "    executor_memory: 8g\n    spark_conf: {spark.sql.shuffle.partitions: "
                     "\"64\"}\n",
                NULL));
    lh_flow_cmd_t c;
    lh_err_t err = {0};
    CHECK_EQ_INT(command("s", &c, &err), 0);
    CHECK_EQ_STR(c.argv[5], "spark");
    json_t *m = json_load_file(c.argv[4], 0, NULL);
    CHECK(m);
    CHECK_EQ_STR(json_string_value(json_object_get(m, "apiVersion")),
                 "sparkoperator.k8s.io/v1beta2");
    CHECK_EQ_STR(json_string_value(json_object_get(m, "kind")), "SparkApplication");
    json_t *s = json_object_get(m, "spec");
    CHECK_EQ_STR(json_string_value(json_object_get(s, "type")), "Scala");
    CHECK_EQ_STR(json_string_value(json_object_get(s, "mode")), "cluster");
    CHECK_EQ_STR(json_string_value(json_object_get(s, "image")), "spark:3.5.1");
    CHECK_EQ_STR(json_string_value(json_object_get(s, "mainClass")), "org.x.Main");
    CHECK_EQ_STR(json_string_value(json_object_get(s, "mainApplicationFile")),
                 "s3a://lake/jobs/2024-01-01.jar");
    CHECK_EQ_STR(json_string_value(json_object_get(s, "sparkVersion")), "3.5.1");
    CHECK_EQ_STR(json_string_value(json_array_get(json_object_get(s, "arguments"), 0)),
                 "2024-01-01");
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(s, "sparkConf"),
                                                   "spark.sql.shuffle.partitions")),
                 "64");
    json_t *d = json_object_get(s, "driver"), *x = json_object_get(s, "executor");
    CHECK_EQ_INT(json_integer_value(json_object_get(d, "cores")), 2);
    CHECK_EQ_STR(json_string_value(json_object_get(d, "memory")), "2g");
    CHECK_EQ_INT(json_integer_value(json_object_get(x, "instances")), 4);
    CHECK_EQ_INT(json_integer_value(json_object_get(x, "cores")), 3);
    CHECK_EQ_STR(json_string_value(json_object_get(x, "memory")), "8g");
    CHECK_EQ_STR(
        json_string_value(json_object_get(json_object_get(json_object_get(m, "metadata"), "labels"),
                                          "lakehouse.task_id")),
        "s");
    json_decref(m);
}

static void test_spark_application_file(void)
{
    static const char *const files[] = {
        "app.yaml",
        "apiVersion: sparkoperator.k8s.io/v1beta2\nkind: SparkApplication\nmetadata: {name: "
        "pi-{{ ds_nodash }}}\n",
        NULL};
    CHECK(setup(HEAD "  - id: s\n    type: spark\n    application_file: app.yaml\n    namespace: "
                     "spark\n",
                files));
    lh_flow_cmd_t c;
    lh_err_t err = {0};
    CHECK_EQ_INT(command("s", &c, &err), 0);
    CHECK_EQ_STR(c.argv[5], "spark");
    CHECK_EQ_STR(c.argv[6], "spark");
    CHECK(strstr(c.argv[4], "/s.2.yaml") != NULL);
    CHECK_EQ_STR(slurp(c.argv[4]), "apiVersion: sparkoperator.k8s.io/v1beta2\nkind: "
                                   "SparkApplication\nmetadata: {name: pi-20240101}\n");
    CHECK_EQ_INT(c.memory_mode, LH_FLOW_MEM_NONE);
}

/* Waits (generously) until path exists with content. */
static char *wait_file(const char *path)
{
    for (int i = 0; i < 3000; i++) {
        char *s = slurp(path);
        if (s && *s) return s;
        usleep(10000);
    }
    return NULL;
}

static void test_on_failure_command(void)
{
    char text[1024];
    snprintf(text, sizeof text,
             HEAD "  - id: s\n    type: shell\n    command: \"false\"\n    on_failure: \"echo "
                  "$LAKEHOUSE_CTX_FAILURE $LAKEHOUSE_CTX_TASK_ID $AWS_ACCESS_KEY_ID > "
                  "hook.out.tmp && mv hook.out.tmp hook.out\"\n");
    CHECK(setup(text, NULL));
    lh_err_t err = {0};
    const lh_flow_task_t *t = lh_flow_dag_task(fx.dag, "s");
    char dags[512], out[600];
    snprintf(dags, sizeof dags, "%s/dags", fx.dir);
    CHECK_EQ_INT(lh_flow_task_on_failure(fx.dag, t, &fx.rc, &fx.pf, "exit 1", &err), 0);
    snprintf(out, sizeof out, "%s/hook.out", dags);
    CHECK_EQ_STR(wait_file(out), "exit 1 s lakehouse-task\n");
}

static void test_on_failure_webhook(void)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    CHECK(ls >= 0 && !bind(ls, (struct sockaddr *)&sa, sizeof sa) && !listen(ls, 4));
    CHECK(!getsockname(ls, (struct sockaddr *)&sa, &sl));
    char text[1024];
    snprintf(text, sizeof text,
             HEAD "  - id: s\n    type: shell\n    command: \"false\"\n    on_failure: {webhook: "
                  "\"http://127.0.0.1:%d/hook\"}\n",
             ntohs(sa.sin_port));
    CHECK(setup(text, NULL));
    lh_err_t err = {0};
    const lh_flow_task_t *t = lh_flow_dag_task(fx.dag, "s");
    CHECK_EQ_INT(lh_flow_task_on_failure(fx.dag, t, &fx.rc, &fx.pf, "timeout", &err), 0);
    struct pollfd p = {.fd = ls, .events = POLLIN};
    CHECK(poll(&p, 1, 30000) == 1);
    int c = accept(ls, NULL, NULL);
    char req[8192];
    size_t n = 0;
    while (n < sizeof req - 1 && !strstr(req, "}")) {
        p = (struct pollfd){.fd = c, .events = POLLIN};
        if (poll(&p, 1, 30000) != 1) break;
        ssize_t r = read(c, req + n, sizeof req - 1 - n);
        if (r <= 0) break;
        n += (size_t)r;
        req[n] = 0;
    }
    const char *reply = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";
    CHECK(write(c, reply, strlen(reply)) > 0);
    close(c);
    CHECK(!strncmp(req, "POST /hook ", 11));
    CHECK(strstr(req, "Content-Type: application/json"));
    json_t *body = json_loads(strstr(req, "\r\n\r\n") + 4, 0, NULL);
    CHECK(body);
    CHECK_EQ_STR(json_string_value(json_object_get(body, "dag_id")), "d");
    CHECK_EQ_STR(json_string_value(json_object_get(body, "run_id")),
                 "scheduled__2024-01-01T00:00:00+00:00");
    CHECK_EQ_STR(json_string_value(json_object_get(body, "task_id")), "s");
    CHECK_EQ_INT(json_integer_value(json_object_get(body, "try_number")), 2);
    CHECK_EQ_STR(json_string_value(json_object_get(body, "failure")), "timeout");
    json_decref(body);
}

static const lh_test_t tests[] = {
    {"shell_env", test_shell_env},
    {"kafka_sasl_env", test_kafka_sasl_env},
    {"missing_conf_key", test_missing_conf_key},
    {"python", test_python},
    {"sql", test_sql},
    {"sql_threads", test_sql_threads},
    {"sensor", test_sensor},
    {"ingest", test_ingest},
    {"pod_manifest", test_pod_manifest},
    {"spark_manifest", test_spark_manifest},
    {"spark_application_file", test_spark_application_file},
    {"on_failure_command", test_on_failure_command},
    {"on_failure_webhook", test_on_failure_webhook},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    return lh_test_main(tests, argc, argv);
}
