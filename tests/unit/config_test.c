/* Unit tests for the configuration: defaults < file < env < flags, argv
 * compaction, the automatic <data-dir>/lakehouse.yaml, errors that name the
 * key and the source, masked secrets in `config show`, and the generated doc. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "core/config.h"
#include "core/err.h"
#include "test.h"
#include "tmpdir.h"

extern char **environ;

/* A clean environment and a fresh working directory for each test. */
static void fresh(void)
{
    for (char **e = environ; *e;) {
        if (!strncmp(*e, "LAKEHOUSE_", 10) || !strncmp(*e, "AWS_", 4)) {
            char name[128];
            size_t n = strcspn(*e, "=");
            snprintf(name, sizeof name, "%.*s", (int)n, *e);
            unsetenv(name);
            e = environ;
            continue;
        }
        e++;
    }
    if (chdir(lh_test_tmpdir()) != 0) abort();
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) abort();
    fputs(text, f);
    fclose(f);
}

static int load(lh_config_t **cfg, lh_err_t *err, int argc, const char **args)
{
    static char *argv[16];
    for (int i = 0; i < argc; i++)
        argv[i] = (char *)args[i];
    return lh_config_load(cfg, &argc, argv, err);
}

static void defaults_apply(void)
{
    lh_config_t *cfg;
    lh_err_t err = {0};
    fresh();
    char cwd[4096], want[4200];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK_EQ_INT(load(&cfg, &err, 0, NULL), 0);
    /* path keys are absolute (tasks run in other folders) */
    snprintf(want, sizeof want, "%s/lakehouse-data", cwd);
    CHECK_EQ_STR(lh_config_get(cfg, "core.data_dir"), want);
    snprintf(want, sizeof want, "%s/lakehouse-data/dags", cwd);
    CHECK_EQ_STR(lh_config_get(cfg, "flow.dags_dir"), want);
    CHECK_EQ_STR(lh_config_get(cfg, "store.listen"), "127.0.0.1:9000");
    CHECK_EQ_STR(lh_config_get(cfg, "web.listen"), "127.0.0.1:8080");
    CHECK_EQ_STR(lh_config_get(cfg, "core.url"), "http://127.0.0.1:8080");
    CHECK_EQ_STR(lh_config_get(cfg, "store.tls_cert"), "");
    CHECK_EQ_INT(lh_config_int(cfg, "store.max_header_bytes"), 65536);
    CHECK_EQ_INT(lh_config_int(cfg, "core.worker_threads"), 16);
    CHECK_EQ_STR(lh_config_source(cfg, "store.listen"), "default");
    lh_config_free(cfg);
}

static void precedence_default_file_env_flag(void)
{
    lh_config_t *cfg;
    lh_err_t err = {0};
    fresh();
    write_file("c.yaml",
               "store:\n  listen: 127.0.0.1:1111\n  region: file-region\n"
               "  domain: file.example\n  max_headers: 10\nweb:\n  listen: 127.0.0.1:0\n");
    setenv("LAKEHOUSE_CONFIG", "c.yaml", 1);
    setenv("LAKEHOUSE_STORE_REGION", "env-region", 1);
    setenv("LAKEHOUSE_STORE_DOMAIN", "env.example", 1);
    setenv("LAKEHOUSE_STORE_MAX_HEADERS", "20", 1);
    const char *args[] = {"--store-domain", "flag.example", "--store-max-headers=30"};
    CHECK_EQ_INT(load(&cfg, &err, 3, args), 0);
    CHECK_EQ_STR(lh_config_get(cfg, "store.listen"), "127.0.0.1:1111");
    CHECK_EQ_STR(lh_config_source(cfg, "store.listen"), "file");
    CHECK_EQ_STR(lh_config_get(cfg, "store.region"), "env-region");
    CHECK_EQ_STR(lh_config_source(cfg, "store.region"), "env");
    CHECK_EQ_STR(lh_config_get(cfg, "store.domain"), "flag.example");
    CHECK_EQ_STR(lh_config_source(cfg, "store.domain"), "flag");
    CHECK_EQ_INT(lh_config_int(cfg, "store.max_headers"), 30);
    CHECK_EQ_STR(lh_config_get(cfg, "web.listen"), "127.0.0.1:0");
    CHECK_EQ_STR(lh_config_get(cfg, "lake.bucket"), "lakehouse");
    CHECK_EQ_STR(lh_config_source(cfg, "lake.bucket"), "default");
    CHECK_EQ_INT(lh_config_set(cfg, "store.region", "rt"), 0);
    CHECK_EQ_STR(lh_config_get(cfg, "store.region"), "rt");
    CHECK_EQ_STR(lh_config_source(cfg, "store.region"), "runtime");
    lh_config_free(cfg);
}

static void fixed_names_and_argv_compaction(void)
{
    lh_config_t *cfg;
    lh_err_t err = {0};
    fresh();
    setenv("LAKEHOUSE_DATA_DIR", "/env/dir", 1);
    setenv("LAKEHOUSE_ACCESS_KEY", "rootkey", 1);
    setenv("LAKEHOUSE_URL", "https://example.com:1", 1);
    static const char *const args[] = {"keep1", "--data-dir",           "/flag/dir",
                                       "keep2", "--web-listen=[::1]:0", "--help",
                                       "--",    "--store-region",       "x"};
    char *argv[9];
    int argc = 9;
    for (int i = 0; i < argc; i++)
        argv[i] = (char *)args[i];
    CHECK_EQ_INT(lh_config_load(&cfg, &argc, argv, &err), 0);
    CHECK_EQ_INT(argc, 6);
    CHECK_EQ_STR(argv[0], "keep1");
    CHECK_EQ_STR(argv[1], "keep2");
    CHECK_EQ_STR(argv[2], "--help");
    CHECK_EQ_STR(argv[3], "--");
    CHECK_EQ_STR(argv[4], "--store-region");
    CHECK_EQ_STR(lh_config_get(cfg, "core.data_dir"), "/flag/dir");
    CHECK_EQ_STR(lh_config_get(cfg, "flow.dags_dir"), "/flag/dir/dags");
    CHECK_EQ_STR(lh_config_get(cfg, "core.access_key"), "rootkey");
    CHECK_EQ_STR(lh_config_get(cfg, "core.url"), "https://example.com:1");
    CHECK_EQ_STR(lh_config_get(cfg, "web.listen"), "[::1]:0");
    CHECK_EQ_STR(lh_config_get(cfg, "store.region"), "us-east-1");
    lh_config_free(cfg);
}

static void datadir_yaml_is_found(void)
{
    lh_config_t *cfg;
    lh_err_t err = {0};
    fresh();
    CHECK_EQ_INT(mkdir("dd", 0755), 0);
    write_file("dd/lakehouse.yaml",
               "store:\n  lake_folders: [raw, clean]\ncore:\n  log_format: json\n");
    const char *args[] = {"--data-dir", "dd"};
    CHECK_EQ_INT(load(&cfg, &err, 2, args), 0);
    CHECK_EQ_STR(lh_config_get(cfg, "store.lake_folders"), "raw,clean");
    CHECK_EQ_STR(lh_config_get(cfg, "core.log_format"), "json");
    char cwd[4096], want[4200];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    snprintf(want, sizeof want, "%s/dd/lakehouse.yaml", cwd);
    CHECK_EQ_STR(lh_config_get(cfg, "core.config"), want);
    setenv("LAKEHOUSE_DAGS_DIR", "/my/dags", 1);
    lh_config_free(cfg);
    CHECK_EQ_INT(load(&cfg, &err, 2, args), 0);
    CHECK_EQ_STR(lh_config_get(cfg, "flow.dags_dir"), "/my/dags");
    lh_config_free(cfg);
}

static void expect_error(const char *yaml, const char *env, const char *envval, const char *flag,
                         const char *want1, const char *want2, int *ok)
{
    lh_config_t *cfg = NULL;
    lh_err_t err = {0};
    *ok = 0;
    fresh();
    if (yaml) {
        write_file("c.yaml", yaml);
        setenv("LAKEHOUSE_CONFIG", "c.yaml", 1);
    }
    if (env) setenv(env, envval, 1);
    const char *args[] = {flag};
    int rc = load(&cfg, &err, flag ? 1 : 0, args);
    if (rc != LH_EINVAL || cfg || !strstr(err.msg, want1) || !strstr(err.msg, want2)) {
        fprintf(stderr, "  got rc %d msg '%s', wanted '%s' and '%s'\n", rc, err.msg, want1, want2);
        return;
    }
    *ok = 1;
}

static void errors_name_key_and_source(void)
{
    int ok;
    expect_error("store:\n  bogus: 1\n", NULL, NULL, NULL, "store.bogus", "c.yaml", &ok);
    CHECK(ok);
    expect_error("nosection:\n  listen: 1\n", NULL, NULL, NULL, "nosection", "c.yaml", &ok);
    CHECK(ok);
    expect_error("store:\n  max_headers: lots\n", NULL, NULL, NULL, "store.max_headers",
                 "file c.yaml", &ok);
    CHECK(ok);
    expect_error("store: [1, 2\n", NULL, NULL, NULL, "c.yaml", "line", &ok);
    CHECK(ok);
    expect_error(NULL, "LAKEHOUSE_CORE_WORKER_THREADS", "12x", NULL, "core.worker_threads",
                 "env LAKEHOUSE_CORE_WORKER_THREADS", &ok);
    CHECK(ok);
    expect_error(NULL, NULL, NULL, "--web-listen=localhost", "web.listen", "flag --web-listen",
                 &ok);
    CHECK(ok);
    expect_error(NULL, NULL, NULL, "--store-listen=h:99999", "store.listen", "host:port", &ok);
    CHECK(ok);
    expect_error(NULL, NULL, NULL, "--core-log-level=loud", "core.log_level", "debug|info", &ok);
    CHECK(ok);
    expect_error(NULL, NULL, NULL, "--data-dir", "--data-dir", "needs a value", &ok);
    CHECK(ok);
    expect_error(NULL, "LAKEHOUSE_CONFIG", "/nonexistent/x.yaml", NULL, "/nonexistent/x.yaml",
                 "cannot open", &ok);
    CHECK(ok);
}

static void show_masks_secrets(void)
{
    lh_config_t *cfg;
    lh_err_t err = {0};
    char *text = NULL;
    size_t len = 0;
    fresh();
    setenv("LAKEHOUSE_SECRET_KEY", "supersecret-value", 1);
    setenv("LAKEHOUSE_ACCESS_KEY", "visible-key", 1);
    CHECK_EQ_INT(load(&cfg, &err, 0, NULL), 0);
    FILE *f = open_memstream(&text, &len);
    CHECK(f);
    lh_config_show(cfg, f);
    fclose(f);
    CHECK(!strstr(text, "supersecret-value"));
    CHECK(strstr(text, "core.secret_key"));
    CHECK(strstr(text, "****"));
    CHECK(strstr(text, "visible-key"));
    CHECK(strstr(text, "(env)"));
    CHECK(strstr(text, "127.0.0.1:9000"));
    CHECK(strstr(text, "(default)"));
    free(text);
    lh_config_free(cfg);
}

static void doc_lists_every_name(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    CHECK(f);
    lh_config_doc(f);
    fclose(f);
    CHECK(strstr(
        text,
        "| `core.data_dir` | path | `LAKEHOUSE_DATA_DIR` | `--data-dir` | `./lakehouse-data` |"));
    CHECK(strstr(text, "`LAKEHOUSE_CONFIG` | `--config`"));
    CHECK(strstr(text, "`store.max_header_bytes` | integer | `LAKEHOUSE_STORE_MAX_HEADER_BYTES` | "
                       "`--store-max-header-bytes` | `65536`"));
    CHECK(strstr(text, "`lake.endpoint` | url | `AWS_ENDPOINT_URL`, `LAKEHOUSE_S3_ENDPOINT` |"));
    CHECK(strstr(text, "`--listen-ephemeral`, `--core-listen-ephemeral`"));
    CHECK(strstr(text, "`LAKEHOUSE_URL`"));
    CHECK(strstr(text, "`LAKEHOUSE_DAGS_DIR`"));
    CHECK(strstr(text, "`web.listen`"));
    free(text);
}

/* Typed keys: durations, sizes and booleans parse; bounds are checked. */
static const lh_config_key_t typed_keys[] = {
    {.section = "ttest",
     .key = "wait",
     .def = "1h30m",
     .type = LH_CFG_DURATION,
     .max = 86400000,
     .help = "a duration"},
    {.section = "ttest",
     .key = "cap",
     .def = "64MiB",
     .type = LH_CFG_SIZE,
     .min = 1024,
     .help = "a size"},
    {.section = "ttest", .key = "on", .def = "no", .type = LH_CFG_BOOL, .help = "a bool"},
    {.section = "ttest",
     .key = "n",
     .def = "5",
     .type = LH_CFG_INT,
     .min = 1,
     .max = 10,
     .help = "an int"},
};

static void typed_values_and_bounds(void)
{
    lh_config_t *cfg;
    lh_err_t err = {0};
    int64_t v;
    fresh();
    CHECK_EQ_INT(lh_config_register(typed_keys, 4), 0);
    CHECK_EQ_INT(lh_config_register(typed_keys, 4), 0); /* twice is a no-op */
    CHECK_EQ_INT(load(&cfg, &err, 0, NULL), 0);
    CHECK_EQ_INT(lh_config_duration_ms(cfg, "ttest.wait"), 5400000);
    CHECK_EQ_INT(lh_config_size(cfg, "ttest.cap"), 64 << 20);
    CHECK_EQ_INT(lh_config_bool(cfg, "ttest.on"), 0);
    lh_config_free(cfg);
    const char *args[] = {"--ttest-wait", "30", "--ttest-cap=10MB", "--ttest-on", "--ttest-n=10"};
    CHECK_EQ_INT(load(&cfg, &err, 5, args), 0);
    CHECK_EQ_INT(lh_config_duration_ms(cfg, "ttest.wait"), 30000); /* bare = seconds */
    CHECK_EQ_INT(lh_config_size(cfg, "ttest.cap"), 10000000);
    CHECK_EQ_INT(lh_config_bool(cfg, "ttest.on"), 1); /* a bare boolean flag */
    CHECK_EQ_INT(lh_config_int(cfg, "ttest.n"), 10);
    lh_config_free(cfg);
    CHECK_EQ_INT(lh_config_parse_duration("500ms", &v), 0);
    CHECK_EQ_INT(v, 500);
    CHECK_EQ_INT(lh_config_parse_duration("1h5m2s", &v), 0);
    CHECK_EQ_INT(v, 3902000);
    CHECK_EQ_INT(lh_config_parse_size("1k", &v), 0);
    CHECK_EQ_INT(v, 1024);
    CHECK_EQ_INT(lh_config_parse_size("2GiB", &v), 0);
    CHECK_EQ_INT(v, 2LL << 30);
    const char *bad_values[][2] = {
        {"--ttest-wait=5x", "not a duration"},     {"--ttest-wait=2d", "between 0 and 86400000 ms"},
        {"--ttest-cap=12", "at least 1024 bytes"}, {"--ttest-cap=1.5MiB", "not a size"},
        {"--ttest-on=maybe", "not a boolean"},     {"--ttest-n=11", "between 1 and 10"},
        {"--ttest-n=0", "between 1 and 10"},       {"--ttest-wait=", "not a duration"},
    };
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        const char *a[] = {bad_values[i][0]};
        memset(&err, 0, sizeof err);
        CHECK_EQ_INT(load(&cfg, &err, 1, a), LH_EINVAL);
        CHECK(strstr(err.msg, bad_values[i][1]) != NULL);
        CHECK(strstr(err.msg, "ttest.") != NULL);
    }
}

/* --listen-ephemeral: every listen key not set explicitly binds 127.0.0.1:0. */
static void listen_ephemeral(void)
{
    lh_config_t *cfg;
    lh_err_t err = {0};
    fresh();
    const char *args[] = {"--listen-ephemeral", "--web-listen", "127.0.0.1:8181"};
    CHECK_EQ_INT(load(&cfg, &err, 3, args), 0);
    CHECK_EQ_STR(lh_config_get(cfg, "store.listen"), "127.0.0.1:0");
    CHECK_EQ_STR(lh_config_get(cfg, "web.listen"), "127.0.0.1:8181");
    lh_config_free(cfg);
    setenv("LAKEHOUSE_CORE_LISTEN_EPHEMERAL", "true", 1);
    setenv("LAKEHOUSE_STORE_LISTEN", "127.0.0.1:9999", 1);
    CHECK_EQ_INT(load(&cfg, &err, 0, NULL), 0);
    CHECK_EQ_STR(lh_config_get(cfg, "store.listen"), "127.0.0.1:9999");
    CHECK_EQ_STR(lh_config_get(cfg, "web.listen"), "127.0.0.1:0");
    lh_config_free(cfg);
}

/* lake.*: the first environment name set wins; credentials fall back. */
static void lake_keys_from_the_environment(void)
{
    lh_config_t *cfg;
    lh_err_t err = {0};
    fresh();
    setenv("LAKEHOUSE_S3_ENDPOINT", "http://127.0.0.1:9000", 1);
    setenv("LAKEHOUSE_ACCESS_KEY", "root", 1);
    setenv("AWS_DEFAULT_REGION", "eu-west-1", 1);
    CHECK_EQ_INT(load(&cfg, &err, 0, NULL), 0);
    CHECK_EQ_STR(lh_config_get(cfg, "lake.endpoint"), "http://127.0.0.1:9000");
    CHECK_EQ_STR(lh_config_get(cfg, "lake.access_key"), "root");
    CHECK_EQ_STR(lh_config_get(cfg, "lake.region"), "eu-west-1");
    CHECK_EQ_INT(lh_config_bool(cfg, "lake.path_style"), 1);
    lh_config_free(cfg);
    setenv("AWS_ENDPOINT_URL", "https://s3.example.com", 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIA1", 1);
    setenv("AWS_REGION", "us-west-2", 1);
    CHECK_EQ_INT(load(&cfg, &err, 0, NULL), 0);
    CHECK_EQ_STR(lh_config_get(cfg, "lake.endpoint"), "https://s3.example.com");
    CHECK_EQ_STR(lh_config_source(cfg, "lake.endpoint"), "env");
    CHECK_EQ_STR(lh_config_get(cfg, "lake.access_key"), "AKIA1");
    CHECK_EQ_STR(lh_config_get(cfg, "lake.region"), "us-west-2");
    lh_config_free(cfg);
    setenv("AWS_ENDPOINT_URL", "ftp://nope", 1);
    CHECK_EQ_INT(load(&cfg, &err, 0, NULL), LH_EINVAL);
    CHECK(strstr(err.msg, "env AWS_ENDPOINT_URL") != NULL);
}

static const lh_test_t tests[] = {
    {"defaults_apply", defaults_apply},
    {"precedence_default_file_env_flag", precedence_default_file_env_flag},
    {"fixed_names_and_argv_compaction", fixed_names_and_argv_compaction},
    {"datadir_yaml_is_found", datadir_yaml_is_found},
    {"errors_name_key_and_source", errors_name_key_and_source},
    {"show_masks_secrets", show_masks_secrets},
    {"doc_lists_every_name", doc_lists_every_name},
    {"typed_values_and_bounds", typed_values_and_bounds},
    {"listen_ephemeral", listen_ephemeral},
    {"lake_keys_from_the_environment", lake_keys_from_the_environment},
    {NULL, NULL},
};

int main(int argc, char **argv)
{
    if (lh_cmd_register_modules() != 0) return 1;
    return lh_test_main(tests, argc, argv);
}
