/* `lakehouse ingest`: what an `ingest` task runs (flow/task_ingest.c). It
 * copies one data interval [start, end) of a Kafka topic into the lake as
 * bronze: for each partition the offsets [first, O(end)) (ingest_kafka.c
 * says how they are fixed, so consecutive intervals tile the log), one
 * zstd-compressed JSON-lines object per partition under
 * <prefix>/ds=YYYY-MM-DD/hour=HH/, then _ranges.json (every partition's
 * range), then _SUCCESS (ingest_lake.c). Run again, it reads its own
 * _ranges.json and rewrites the same objects byte for byte. Exit 0 ok, 2
 * bad arguments, 1 a failure another try may cure (the task contract). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/ingest_int.h"
#include "sql/warm.h"

typedef struct args {
    const char *topic, *start, *end, *prefix, *lateness, *idle, *format;
    bool warm;
} args_t;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lakehouse ingest --topic T --start TIME --end TIME --prefix s3://BUCKET/PATH\n"
            "                        [options]\n\n"
            "Copies the records of the interval [start, end) of topic T into the lake as\n"
            "<prefix>/ds=YYYY-MM-DD/hour=HH/part-p<partition>-<first>-<last>.jsonl.zst, then\n"
            "_ranges.json and _SUCCESS. TIME is ISO 8601 (2024-01-01T00:00:00Z) or ms.\n"
            "  --bootstrap-servers HOSTS  Kafka (kafka.bootstrap_servers; default:\n"
            "                             KAFKA_BOOTSTRAP_SERVERS, then the kafka section)\n"
            "  --lateness D       wait at most D for a record at or after the end (2h)\n"
            "  --idle-timeout D   end an idle partition at its high watermark after D (30s)\n"
            "  --format jsonl.zst the only format\n"
            "  --warm-cache       also leave each part's rows in the SQL engine's scan cache\n"
            "                     (sql.cache_dir), as read_json(..., columns = {'partition':\n"
            "                     'INTEGER', 'offset': 'BIGINT', 'timestamp': 'BIGINT', 'key':\n"
            "                     'VARCHAR', 'value': 'VARCHAR'}) reads them, so the first\n"
            "                     query of the bronze does not fetch and parse it (all but\n"
            "                     the key: a query that reads the key parses the part)\n"
            "Durations: seconds, or 30s, 5m, 2h, 1h30m. Exit 0 ok, 2 bad arguments, 1 a\n"
            "failure to retry.\n");
}

static int parse_args(args_t *a, int argc, char **argv)
{
    static const struct {
        const char *flag;
        size_t off;
    } flags[] = {
        {"--topic", offsetof(args_t, topic)},       {"--start", offsetof(args_t, start)},
        {"--end", offsetof(args_t, end)},           {"--prefix", offsetof(args_t, prefix)},
        {"--lateness", offsetof(args_t, lateness)}, {"--idle-timeout", offsetof(args_t, idle)},
        {"--format", offsetof(args_t, format)},
    };
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--warm-cache")) {
            a->warm = true;
            continue;
        }
        size_t k = 0;
        while (k < sizeof flags / sizeof flags[0] && strcmp(argv[i], flags[k].flag))
            k++;
        if (k == sizeof flags / sizeof flags[0] || i + 1 >= argc) {
            fprintf(stderr, "lakehouse ingest: bad option %s%s\n", argv[i],
                    i + 1 < argc ? "" : " (no value)");
            return 2;
        }
        *(const char **)((char *)a + flags[k].off) = argv[++i];
    }
    if (!a->topic || !a->start || !a->end || !a->prefix) {
        fprintf(stderr, "lakehouse ingest: --topic, --start, --end and --prefix are required\n");
        return 2;
    }
    return 0;
}

static int bad(const char *what, const char *v)
{
    fprintf(stderr, "lakehouse ingest: bad %s: %s\n", what, v);
    return 2;
}

/* The values of the arguments into in; 0 or 2 after printing. */
static int setup(lh_ingest_t *in, const args_t *a)
{
    in->topic = a->topic;
    in->url = a->prefix;
    if (!*a->topic || strlen(a->topic) >= sizeof in->out->topic) return bad("topic", a->topic);
    if (lh__ingest_parse_time(a->start, &in->start_ms)) return bad("--start", a->start);
    if (lh__ingest_parse_time(a->end, &in->end_ms)) return bad("--end", a->end);
    if (in->end_ms <= in->start_ms)
        return fprintf(stderr, "lakehouse ingest: --end must be after --start\n"), 2;
    if (lh_config_parse_duration(a->lateness ? a->lateness : "2h", &in->lateness_s))
        return bad("--lateness", a->lateness);
    if (lh_config_parse_duration(a->idle ? a->idle : "30s", &in->idle_s) || in->idle_s < 1000)
        return bad("--idle-timeout (at least 1s)", a->idle);
    in->lateness_s /= 1000;
    in->idle_s /= 1000;
    if (a->format && strcmp(a->format, "jsonl.zst")) return bad("--format", a->format);
    if (lh__ingest_split_url(a->prefix, in->bucket, sizeof in->bucket, in->prefix,
                             sizeof in->prefix))
        return bad("--prefix (expected s3://BUCKET/PATH)", a->prefix);
    if (lh__ingest_interval_prefix(in->ivl, sizeof in->ivl, in->prefix, in->start_ms))
        return bad("--prefix (too long)", a->prefix);
    return 0;
}

/* The scan cache --warm-cache fills: sql.cache_dir (the orchestrator gives
 * its tasks one); none is a warning, not a failure. */
static void open_warm(lh_ingest_t *in)
{
    lh_err_t e = {0};
    const char *dir = lh_config_get(in->cfg, "sql.cache_dir");
    if (!dir || !*dir)
        fprintf(stderr, "lakehouse ingest: --warm-cache without sql.cache_dir: no cache to warm\n");
    else if (lh_sql_warm_open(dir, lh_config_size(in->cfg, "sql.cache_size"), &in->warm, &e))
        fprintf(stderr, "lakehouse ingest: %s (not warming it)\n", e.msg);
}

static void *resolve_main(void *arg)
{
    return (void *)(intptr_t)lh__ingest_resolve_finish(arg);
}

static int run(lh_ingest_t *in, const args_t *a)
{
    if (a->warm) open_warm(in);
    int rc = lh__ingest_lake_open(in);
    if (!rc) rc = lh__ingest_lake_load(in);
    if (!rc && in->own)
        printf("replay: the ranges of s3://%s/%s_ranges.json\n", in->bucket, in->ivl);
    if (!rc) rc = lh__ingest_kafka_open(in);
    if (!rc) rc = lh__ingest_resolve_start(in);
    /* the open ends resolved on another thread while the parts are read up
       to what is safe (ingest_int.h): the wait for a record that may never
       come overlaps the reading */
    pthread_t resolver;
    bool resolving = !rc && in->left && !pthread_create(&resolver, NULL, resolve_main, in);
    if (!rc && in->left && !resolving) rc = lh__ingest_resolve_finish(in);
    if (!rc) rc = lh__ingest_lake_parts(in);
    if (resolving) {
        pthread_mutex_lock(&in->mu);
        in->stop |= rc != 0; /* a part failed: do not wait out the idle timeout */
        pthread_mutex_unlock(&in->mu);
        void *res;
        pthread_join(resolver, &res);
        if (!rc) rc = (int)(intptr_t)res;
    }
    if (!rc) rc = lh__ingest_lake_commit(in);
    if (!rc)
        printf("ingested %lld records of %s [%s, %s) into %d partitions' objects (%lld bytes)\n",
               (long long)in->records, in->topic, a->start, a->end, in->out->n,
               (long long)in->bytes);
    return rc;
}

/* lh_cmd_tune_malloc: librdkafka takes each Fetch response into a fresh
 * buffer and the parts are compressed into growing ones; with glibc's
 * defaults each is mapped, faulted in and unmapped again (tune_malloc.c). */
int lh_cmd_ingest(int argc, char **argv)
{
    lh_cmd_tune_malloc("ingest", NULL, argc, argv);
    if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) return usage(stdout), 0;
    lh_ingest_t in = {0};
    pthread_mutex_init(&in.mu, NULL);
    pthread_cond_init(&in.ends_cv, NULL);
    args_t a = {0};
    lh_err_t e = {0};
    if (lh_config_load(&in.cfg, &argc, argv, &e)) {
        fprintf(stderr, "lakehouse ingest: %s\n", e.msg);
        return 2;
    }
    int rc = parse_args(&a, argc, argv);
    if (!rc && !(in.out = calloc(1, sizeof *in.out)))
        rc = (fprintf(stderr, "lakehouse ingest: out of memory\n"), 1);
    if (!rc) rc = setup(&in, &a);
    if (!rc) rc = run(&in, &a);
    fflush(stdout);
    if (in.rk) rd_kafka_destroy(in.rk);
    if (in.cl.conf) rd_kafka_conf_destroy(in.cl.conf);
    lh_objstore_close(in.lake);
    lh_sql_warm_close(in.warm);
    free(in.own);
    free(in.prev);
    free(in.out);
    lh_config_free(in.cfg);
    pthread_cond_destroy(&in.ends_cv);
    pthread_mutex_destroy(&in.mu);
    return rc;
}
