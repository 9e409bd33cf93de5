/* `lakehouse demo run`: the demo against the platform running on this
 * data directory (what `lakehouse up --demo` starts once every role is
 * ready): prints the platform's addresses, generates the feed unless the
 * lake already holds the demo's manifest (a second run resumes: the
 * manifest's window, not the flags, decides), installs the example DAG with
 * start_date at the demo's first hour, follows the runs of the demo's
 * intervals through the REST API with a progress bar, then prints the gold
 * tables through the SQL engine and how to query and follow them. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/client.h"
#include "cmd/cmd.h"
#include "cmd/dag_client.h"
#include "cmd/demo_int.h"
#include "core/buf.h"
#include "core/timefmt.h"
#include "store/objstore.h"

#define MAX_INTERVALS 8760

typedef struct {
    lh_config_t *cfg;
    int64_t start_ms; /* the first interval */
    int hours, lateness, ntasks;
    int tty;
    char s3[300], kafka[300], web[300];
    char **run_ids; /* the demo's intervals' run ids */
    char last_line[256];
} drv_t;

typedef struct {
    int success, failed, running, tasks_done;
} tally_t;

static void nap_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* --- the platform's addresses (run/endpoints.json) --- */

/* The addresses to print: the lake's is lake.endpoint, which
 * lh__demo_lake_endpoint has filled from the same file when unset. */
static void endpoints(drv_t *d)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/run/endpoints.json", lh_config_get(d->cfg, "core.data_dir"));
    json_t *doc = json_load_file(path, 0, NULL);
    const char *kafka = json_string_value(json_object_get(doc, "kafka"));
    const char *boot = lh_config_get(d->cfg, "kafka.bootstrap_servers");
    snprintf(d->s3, sizeof d->s3, "%s", lh_config_get(d->cfg, "lake.endpoint"));
    snprintf(d->kafka, sizeof d->kafka, "%s", boot[0] ? boot : kafka ? kafka : "?");
    snprintf(d->web, sizeof d->web, "%s", lh_config_get(d->cfg, "core.url"));
    json_decref(doc);
}

static void print_addresses(const drv_t *d)
{
    printf("\nlakehouse demo: the medallion pipeline (Kafka topic %s -> bronze -> silver -> "
           "gold)\n"
           "  S3 (the lake)   %s   bucket %s\n"
           "  Kafka           %s\n"
           "  REST API        %s/api/v1\n\n",
           lh_config_get(d->cfg, "demo.topic"), d->s3, lh_config_get(d->cfg, "lake.bucket"),
           d->kafka, d->web);
    fflush(stdout);
}

/* --- the manifest: generated once, then the demo's window --- */

/* 0 with *out, 1 when the lake has no manifest, -1 after printing why. */
static int read_manifest(drv_t *d, json_t **out)
{
    lh_objstore_t *os = NULL;
    lh_err_t e = {0};
    lh_buf_t b;
    lh_buf_init(&b, (size_t)64 << 20);
    int rc = lh_objstore_open_lake(&os, d->cfg, &e);
    if (!rc)
        rc = lh_objstore_get_buf(os, lh_config_get(d->cfg, "lake.bucket"), LH_DEMO_MANIFEST_KEY, 0,
                                 -1, &b, NULL, &e);
    lh_objstore_close(os);
    json_error_t je;
    if (rc == 0 && !(*out = json_loadb(b.ptr ? b.ptr : "", b.len, 0, &je)))
        snprintf(e.msg, sizeof e.msg, "%s", je.text), rc = LH_EINVAL;
    lh_buf_free(&b);
    if (rc == LH_ENOENT) return 1;
    if (rc) fprintf(stderr, "lakehouse demo: cannot read the manifest: %s\n", e.msg);
    return rc ? -1 : 0;
}

static int window_from(drv_t *d, const json_t *m)
{
    d->start_ms = json_integer_value(json_object_get(json_object_get(m, "intervals"), "start_ms"));
    d->hours = (int)json_integer_value(json_object_get(m, "hours"));
    d->lateness = (int)json_integer_value(json_object_get(m, "lateness_hours"));
    if (d->start_ms <= 0 || d->hours < 1 || d->hours > MAX_INTERVALS || d->lateness < 0) {
        fprintf(stderr, "lakehouse demo: the manifest s3://%s/%s has no usable window\n",
                lh_config_get(d->cfg, "lake.bucket"), LH_DEMO_MANIFEST_KEY);
        return 1;
    }
    return 0;
}

static int generate_or_resume(drv_t *d)
{
    json_t *m = NULL;
    int rc = read_manifest(d, &m);
    if (rc == 1) {
        int64_t had = lh__demo_topic_records(d->cfg);
        if (had != 0) {
            if (had > 0)
                fprintf(stderr,
                        "lakehouse demo: the topic %s holds %lld records but the lake has no "
                        "demo manifest (an interrupted generation?): delete the topic (lakehouse "
                        "topic delete %s) or start on a fresh data directory\n",
                        lh_config_get(d->cfg, "demo.topic"), (long long)had,
                        lh_config_get(d->cfg, "demo.topic"));
            return 1;
        }
        printf("generating the feed: %lld events over %lld hours (seed %lld)\n",
               (long long)lh_config_int(d->cfg, "demo.events"),
               (long long)lh_config_int(d->cfg, "demo.hours"),
               (long long)lh_config_int(d->cfg, "demo.seed"));
        fflush(stdout);
        if ((rc = lh_cmd_demo_generate(d->cfg, 0)) != 0) return rc;
        if ((rc = read_manifest(d, &m)) != 0) return 1;
    } else if (rc == 0) {
        printf("resuming the demo already in this data directory: %lld events, %lld hours "
               "from %s (s3://%s/%s)\n",
               (long long)json_integer_value(json_object_get(m, "events")),
               (long long)json_integer_value(json_object_get(m, "hours")),
               json_string_value(json_object_get(json_object_get(m, "intervals"), "start")),
               lh_config_get(d->cfg, "lake.bucket"), LH_DEMO_MANIFEST_KEY);
    } else
        return 1;
    rc = window_from(d, m);
    json_decref(m);
    return rc;
}

/* --- the REST API --- */

/* GET path: the HTTP status with *doc (the reply's JSON, or NULL), or -1
 * when the platform does not answer. */
static long get(drv_t *d, const char *path, json_t **doc)
{
    lh_client_reply_t r = {0};
    char msg[512];
    lh_buf_init(&r.body, (size_t)64 << 20);
    int rc = lh_client_http(d->cfg, NULL, "GET", path, NULL, &r, msg, sizeof msg);
    *doc = rc == 0 && r.body.len ? json_loadb(r.body.ptr, r.body.len, 0, NULL) : NULL;
    lh_buf_free(&r.body);
    return rc == 0 ? r.status : -1;
}

/* The DAG's import error, printed; 1 when there is one. */
static int import_error(drv_t *d)
{
    json_t *doc = NULL, *e;
    size_t i;
    int found = 0;
    if (get(d, "/api/v1/importErrors", &doc) == 200)
        json_array_foreach(json_object_get(doc, "import_errors"), i, e)
        {
            const char *file = json_string_value(json_object_get(e, "filename"));
            if (!file || !strstr(file, "/" LH_DEMO_DAG_ID "/")) continue;
            fprintf(stderr, "lakehouse demo: the DAG does not load: %s: %s\n", file,
                    json_string_value(json_object_get(e, "stack_trace")));
            found = 1;
        }
    json_decref(doc);
    return found;
}

/* Waits until the orchestrator lists the DAG (its folder is rescanned every
 * flow.dag_scan_interval), unpauses it if it was created paused, and reads
 * its task count. */
static int wait_dag(drv_t *d)
{
    json_t *doc = NULL;
    for (int i = 0;; i++) {
        long st = get(d, "/api/v1/dags/" LH_DEMO_DAG_ID, &doc);
        if (st == 200) break;
        json_decref(doc);
        if (st == 401 || st == 403) {
            fprintf(stderr,
                    "lakehouse demo: the REST API at %s refuses the credentials (HTTP "
                    "%ld): set LAKEHOUSE_ACCESS_KEY and LAKEHOUSE_SECRET_KEY\n",
                    d->web, st);
            return 1;
        }
        if ((i % 10 == 9 && import_error(d)) || i == 1200) {
            if (i == 1200)
                fprintf(stderr,
                        "lakehouse demo: the orchestrator at %s did not load "
                        "the DAG in 2 minutes\n",
                        d->web);
            return 1;
        }
        nap_ms(100);
    }
    int paused = json_is_true(json_object_get(doc, "is_paused"));
    json_decref(doc);
    if (paused) {
        lh_dag_cli_t cl = {.cfg = d->cfg};
        json_t *body = json_pack("{s:b}", "is_paused", 0);
        json_t *r = lh_dag_call(&cl, "PATCH", "/api/v1/dags/" LH_DEMO_DAG_ID, body);
        json_decref(body);
        if (!r) return 1;
        json_decref(r);
    }
    if (get(d, "/api/v1/dags/" LH_DEMO_DAG_ID "/tasks", &doc) == 200)
        d->ntasks = (int)json_array_size(json_object_get(doc, "tasks"));
    json_decref(doc);
    if (d->ntasks < 1) d->ntasks = 1;
    return 0;
}

/* --- progress --- */

static int make_run_ids(drv_t *d)
{
    if (!(d->run_ids = calloc((size_t)d->hours, sizeof *d->run_ids))) return 1;
    for (int i = 0; i < d->hours; i++) {
        time_t t = (time_t)((d->start_ms + (int64_t)i * 3600000) / 1000);
        struct tm tm;
        char buf[64];
        gmtime_r(&t, &tm);
        strftime(buf, sizeof buf, "scheduled__%Y-%m-%dT%H:%M:%S+00:00", &tm);
        if (!(d->run_ids[i] = strdup(buf))) return 1;
    }
    return 0;
}

static int run_index(const drv_t *d, const char *run_id)
{
    for (int i = 0; run_id && i < d->hours; i++)
        if (!strcmp(d->run_ids[i], run_id)) return i;
    return -1;
}

/* The task instances of a run (a JSON array owned by *doc, which the
 * caller decrefs), or NULL when the API does not answer them. */
static json_t *run_tis(drv_t *d, const char *run_id, json_t **doc)
{
    char path[512], esc[256];
    lh_dag_esc(run_id, esc, sizeof esc);
    snprintf(path, sizeof path, "/api/v1/dags/" LH_DEMO_DAG_ID "/dagRuns/%s/taskInstances", esc);
    *doc = NULL;
    return get(d, path, doc) == 200 ? json_object_get(*doc, "task_instances") : NULL;
}

/* Task instances of a run that are done (success or skipped). */
static int tasks_done(drv_t *d, const char *run_id)
{
    json_t *doc, *ti,
        *tis = run_tis(d, run_id, &doc); /* not in the macro: it evaluates its array each turn */
    size_t i;
    int n = 0;
    json_array_foreach(tis, i, ti)
    {
        const char *s = json_string_value(json_object_get(ti, "state"));
        n += s && (!strcmp(s, "success") || !strcmp(s, "skipped"));
    }
    json_decref(doc);
    return n;
}

static int tally(drv_t *d, tally_t *t)
{
    json_t *doc = NULL, *run;
    size_t i;
    memset(t, 0, sizeof *t);
    long st = get(d, "/api/v1/dags/" LH_DEMO_DAG_ID "/dagRuns?limit=100000", &doc);
    if (st != 200) {
        json_decref(doc);
        fprintf(stderr, "\nlakehouse demo: cannot list the runs at %s (%ld)\n", d->web, st);
        return 1;
    }
    json_array_foreach(json_object_get(doc, "dag_runs"), i, run)
    {
        const char *id = json_string_value(json_object_get(run, "dag_run_id"));
        const char *s = json_string_value(json_object_get(run, "state"));
        if (run_index(d, id) < 0 || !s) continue;
        if (!strcmp(s, "success"))
            t->success++, t->tasks_done += d->ntasks;
        else if (!strcmp(s, "failed"))
            t->failed++, t->tasks_done += tasks_done(d, id);
        else
            t->running++, t->tasks_done += tasks_done(d, id);
    }
    json_decref(doc);
    return 0;
}

static void draw(drv_t *d, const tally_t *t)
{
    char bar[31], line[256];
    int total = d->hours * d->ntasks, fill = total ? t->tasks_done * 30 / total : 0;
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = 0;
    size_t n = (size_t)snprintf(line, sizeof line, "  [%s] %d/%d intervals done, %d/%d tasks", bar,
                                t->success, d->hours, t->tasks_done, total);
    if (t->running && n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n, ", %d running", t->running);
    if (t->failed && n < sizeof line) snprintf(line + n, sizeof line - n, ", %d failed", t->failed);
    if (d->tty)
        printf("\r%s\033[K", line);
    else if (strcmp(line, d->last_line))
        printf("%s\n", line);
    snprintf(d->last_line, sizeof d->last_line, "%s", line);
    fflush(stdout);
}

/* The failed runs' failed tasks, with the command that shows their logs. */
static void report_failures(drv_t *d)
{
    for (int r = 0; r < d->hours; r++) {
        json_t *doc, *ti, *tis = run_tis(d, d->run_ids[r], &doc);
        size_t i;
        json_array_foreach(tis, i, ti)
        {
            const char *s = json_string_value(json_object_get(ti, "state"));
            if (!s || strcmp(s, "failed")) continue;
            fprintf(stderr, "  failed: %s %s: lakehouse dag logs %s '%s' %s\n", d->run_ids[r],
                    lh_dag_str(ti, "task_id"), LH_DEMO_DAG_ID, d->run_ids[r],
                    lh_dag_str(ti, "task_id"));
        }
        json_decref(doc);
    }
}

static int follow(drv_t *d)
{
    tally_t t;
    printf("running the DAG %s for %d hourly intervals (catchup; the %d after them only feed "
           "their lateness)\n",
           LH_DEMO_DAG_ID, d->hours, d->lateness);
    for (;;) {
        if (tally(d, &t)) return 1;
        draw(d, &t);
        if (t.success + t.failed == d->hours) break;
        nap_ms(500);
    }
    if (d->tty) printf("\n");
    if (!t.failed) return 0;
    fprintf(stderr, "lakehouse demo: %d of %d intervals failed\n", t.failed, d->hours);
    report_failures(d);
    return 1;
}

/* --- the results --- */

static int query(const char *title, const char *sql)
{
    char q[] = "-q", c[] = "-c";
    char *argv[] = {q, c, (char *)sql, NULL};
    printf("\n%s\n", title);
    fflush(stdout);
    int rc = lh_cmd_sql(3, argv);
    fflush(stdout);
    return rc;
}

static void how_to(const drv_t *d)
{
    const char *b = lh_config_get(d->cfg, "lake.bucket");
    printf("\nQuery the tables (silver.chain_transfers, silver.chain_transfers_rejected,\n"
           "gold.transfers_hourly, gold.top_addresses_daily) with the credentials printed when\n"
           "this data directory was first started (or LAKEHOUSE_ACCESS_KEY/SECRET_KEY):\n"
           "  export AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=<access key> "
           "AWS_SECRET_ACCESS_KEY=<secret key>\n"
           "  lakehouse sql -c \"SELECT * FROM gold.transfers_hourly ORDER BY ds, hour, token\"\n"
           "  aws s3 ls --recursive s3://%s/gold/\n"
           "Follow the runs:\n"
           "  LAKEHOUSE_URL=%s LAKEHOUSE_ACCESS_KEY=<access key> LAKEHOUSE_SECRET_KEY=<secret "
           "key> lakehouse dag runs %s\n"
           "  curl -u <access key>:<secret key> %s/api/v1/dags/%s/dagRuns\n"
           "The platform keeps serving (a new run every hour); Ctrl-C stops it, and "
           "`lakehouse up --demo`\non this data directory resumes.\n",
           d->s3, b, d->web, LH_DEMO_DAG_ID, d->web, LH_DEMO_DAG_ID);
}

static int results(drv_t *d)
{
    /* `lakehouse sql` reads the lake through the lake.* keys' environment */
    setenv("LAKEHOUSE_S3_ENDPOINT", d->s3, 1);
    int rc = query("gold.transfers_hourly, summed over the demo's hours per token:",
                   "SELECT token, sum(transfers) AS transfers, sum(volume) AS volume, "
                   "max(max_amount) AS max_amount, max(gas_max) AS gas_max "
                   "FROM gold.transfers_hourly GROUP BY token ORDER BY token");
    if (!rc)
        rc = query("gold.top_addresses_daily, the top 3 of the last day per token:",
                   "SELECT ds, token, rank, address, volume FROM gold.top_addresses_daily "
                   "WHERE rank <= 3 AND ds = (SELECT max(ds) FROM gold.top_addresses_daily) "
                   "ORDER BY token, rank");
    how_to(d);
    return rc ? 1 : 0;
}

int lh__demo_run_cmd(lh_config_t *cfg, int argc, char **argv)
{
    drv_t d = {.cfg = cfg, .tty = isatty(1)};
    char dir[4096];
    if (argc > 0) {
        fprintf(stderr,
                "lakehouse demo run: unexpected argument '%s' (see 'lakehouse demo "
                "--help')\n",
                argv[0]);
        return 2;
    }
    lh__demo_lake_endpoint(cfg);
    endpoints(&d);
    print_addresses(&d);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = generate_or_resume(&d);
    if (!rc && (rc = lh__demo_install(cfg, d.start_ms, d.lateness, dir, sizeof dir)) == 0)
        printf("installed the DAG %s in %s\n", LH_DEMO_DAG_ID, dir);
    if (!rc) rc = make_run_ids(&d) || wait_dag(&d) || follow(&d);
    if (!rc) rc = results(&d);
    curl_global_cleanup();
    for (int i = 0; d.run_ids && i < d.hours; i++)
        free(d.run_ids[i]);
    free(d.run_ids);
    return rc;
}
