/* `lakehouse demo generate`: the demo's feed. It draws records from the
 * seeded generator (src/demo/gen.h), produces them with librdkafka to the
 * platform's Kafka (the `kafka` section and run/endpoints.json, as `lakehouse
 * topic` finds it) with each record's block time as its CreateTime, the tx
 * hash as its key (null for some) and librdkafka's default partitioner, then
 * writes the manifest of what it injected to s3://<lake.bucket>/bronze/_demo/
 * manifest.json through the lake's object-store interface (lake.*, else the
 * `s3` endpoint of run/endpoints.json). This file also holds the `demo`
 * configuration section, which `up --demo` shares. docs/demo.md. */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "cmd/demo_int.h"
#include "cmd/topic_int.h"
#include "core/str.h"
#include "core/timefmt.h"
#include "demo/gen.h"
#include "store/objstore.h"

static const lh_config_key_t demo_keys[] = {
    {.section = "demo",
     .key = "events",
     .def = "100000",
     .type = LH_CFG_INT,
     .min = 1,
     .max = 1000000000,
     .help = "records the demo generator produces (mess included)"},
    {.section = "demo",
     .key = "hours",
     .def = "6",
     .type = LH_CFG_INT,
     .min = 1,
     .max = LH_DEMO_MAX_HOURS - LH_DEMO_MAX_LATENESS,
     .help = "hourly intervals the demo covers; it generates `hours` + `lateness` hours of "
             "block time, ending at the current whole hour"},
    {.section = "demo",
     .key = "seed",
     .def = "42",
     .type = LH_CFG_INT,
     .min = 0,
     .help = "the generator's seed: the same events, hours, lateness, seed and end hour give the "
             "same records byte for byte"},
    {.section = "demo",
     .key = "lateness",
     .def = "2h",
     .type = LH_CFG_DURATION,
     .min = 0,
     .max = LH_DEMO_MAX_LATENESS * LH_DEMO_HOUR_MS,
     .help = "how late an event may arrive and still count (whole hours); the demo generates "
             "this much beyond its hours, and some events later than it"},
    {.section = "demo",
     .key = "topic",
     .def = "chain.transfers",
     .type = LH_CFG_STR,
     .help = "the topic the demo produces to"},
    {.section = "demo",
     .key = "partitions",
     .def = "4",
     .type = LH_CFG_INT,
     .min = 1,
     .max = 1024,
     .help = "partitions of the demo topic when the generator creates it"},
};

/* The subcommand's short spellings of the section's flags (the config
 * registry's flags are global, so short ones would clash with other
 * commands' options: `topic create --partitions`). */
static const char *const short_flags[][2] = {
    {"--events", "--demo-events"}, {"--hours", "--demo-hours"},
    {"--seed", "--demo-seed"},     {"--lateness", "--demo-lateness"},
    {"--topic", "--demo-topic"},   {"--partitions", "--demo-partitions"},
};

/* argv with the short spellings made long (a new array of up to 2 * argc
 * pointers into argv and short_flags; the caller frees it), NULL when out of
 * memory. */
static char **long_flags(int *argc, char **argv)
{
    char **out = calloc((size_t)*argc * 2 + 1, sizeof *out);
    int n = 0;
    for (int i = 0; out && i < *argc; i++) {
        const char *a = argv[i], *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        size_t k = 0;
        while (k < sizeof short_flags / sizeof short_flags[0] &&
               (strlen(short_flags[k][0]) != len || strncmp(a, short_flags[k][0], len)))
            k++;
        if (k == sizeof short_flags / sizeof short_flags[0]) {
            out[n++] = argv[i];
            continue;
        }
        out[n++] = (char *)short_flags[k][1];
        if (eq) out[n++] = (char *)eq + 1;
    }
    *argc = n;
    return out;
}

int lh_cmd_demo_register_config(void)
{
    return lh_config_register(demo_keys, (int)(sizeof demo_keys / sizeof demo_keys[0]));
}

typedef struct {
    lh_config_t *cfg;
    lh_demo_params_t p;
    const char *topic, *end_arg;
    lh_topic_cli_t cl;
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    int64_t failed;
    char first_error[256];
} demo_t;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lakehouse demo generate [--events N] [--hours H] [--seed S] [--lateness D]\n"
            "                               [--topic T] [--end-hour HOUR] [--partitions P]\n"
            "       lakehouse demo install\n"
            "       lakehouse demo run [--events N] [--hours H] [--seed S] [--lateness D]\n\n"
            "generate: produces N blockchain token transfers (JSON) to the topic (default\n"
            "chain.transfers, created with P partitions when missing), their block times spread\n"
            "over the H + lateness whole hours before HOUR (ISO 8601 like 2026-01-02T03:00:00Z,\n"
            "ms since the epoch, or `now`: the current hour, the default), with duplicates,\n"
            "re-orgs, late and too-late events, out-of-order blocks, malformed JSON, unknown\n"
            "tokens and overflowing amounts, then writes what it injected to\n"
            "s3://<lake.bucket>/bronze/_demo/manifest.json. The same parameters and HOUR give the\n"
            "same records. Kafka: --bootstrap-servers (default: the data directory's\n"
            "run/endpoints.json); the lake: lake.endpoint (default: the same file). Exit 0, 1 on\n"
            "a Kafka or lake failure, 2 on bad arguments.\n"
            "install: writes the example pipeline built into this binary (examples/medallion/)\n"
            "into <flow.dags_dir>/medallion/.\n"
            "run: the whole demo against the platform running on this data directory (what\n"
            "`lakehouse up --demo` starts): generate unless the lake holds the manifest (then\n"
            "resume), install the DAG at the demo's window, follow its runs, print gold. Uses\n"
            "the REST API at core.url (LAKEHOUSE_URL) with LAKEHOUSE_ACCESS_KEY/SECRET_KEY.\n"
            "More: docs/demo.md.\n");
}

/* --- arguments --- */

static int parse_end(demo_t *d, const char *v)
{
    int64_t t;
    if (!strcmp(v, "now")) {
        d->p.end_ms = (int64_t)time(NULL) / 3600 * LH_DEMO_HOUR_MS;
        return 0;
    }
    if (lh_parse_i64(v, &t) == 0)
        d->p.end_ms = t;
    else if (lh_time_iso8601_parse((lh_str_t){v, strlen(v)}, &t) == 0)
        d->p.end_ms = t * 1000;
    else
        return -1;
    return d->p.end_ms % LH_DEMO_HOUR_MS || d->p.end_ms <= 0 ? -1 : 0;
}

static int parse(demo_t *d, int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *eq = strchr(a, '=');
        if (!strncmp(a, "--end-hour", 10) && (a[10] == 0 || a[10] == '=')) {
            const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
            if (v && parse_end(d, v) == 0) continue;
            fprintf(stderr,
                    "lakehouse demo: bad --end-hour %s: expected a whole hour (ISO 8601, "
                    "ms since the epoch) or now\n",
                    v ? v : "(missing)");
            return 2;
        }
        fprintf(stderr, "lakehouse demo: unexpected argument '%s' (see 'lakehouse demo --help')\n",
                a);
        return 2;
    }
    return 0;
}

/* The parameters from the demo.* keys; the end hour is the current one. */
static int params_from(demo_t *d)
{
    int64_t late = lh_config_duration_ms(d->cfg, "demo.lateness");
    if (late % LH_DEMO_HOUR_MS) {
        fprintf(stderr, "lakehouse demo: demo.lateness must be whole hours\n");
        return 2;
    }
    d->p.events = lh_config_int(d->cfg, "demo.events");
    d->p.hours = (int)lh_config_int(d->cfg, "demo.hours");
    d->p.seed = (uint64_t)lh_config_int(d->cfg, "demo.seed");
    d->p.lateness = (int)(late / LH_DEMO_HOUR_MS);
    d->topic = lh_config_get(d->cfg, "demo.topic");
    parse_end(d, "now");
    return 0;
}

/* --- Kafka --- */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    demo_t *d = m->_private;
    (void)rk, (void)opaque;
    if (!m->err) return;
    if (!d->failed++)
        snprintf(d->first_error, sizeof d->first_error, "%s", rd_kafka_err2str(m->err));
}

/* Throughput over latency: big batches and idempotence so a retry never
 * adds a record the manifest does not count. The queue is capped at 200,000
 * records (about 70 MB): the broker, not the generator (1.4M records/s
 * alone), sets the pace, and a bigger queue only costs memory. The records
 * go uncompressed and the topic compresses them (compression.type zstd,
 * compression.zstd.level 1, see topic_configs): a broker writes frames
 * that state their size, which librdkafka's consumer then decompresses
 * once into a buffer of that size, where a frame without it (librdkafka's
 * producer writes none, nor does the Java one) costs it a guess of twice
 * the compressed size and a second decompression (ingest took 0.92 of the
 * CPU; docs/benchmarks.md). A 1 MB batch of events compresses ~4.5x at
 * level 1, so every consumer fetches (and the broker sends) a fifth of the
 * bytes. (zstd, not lz4, either way: librdkafka before 2.8 sends gzip,
 * snappy and lz4 batches uncompressed to a broker whose Produce starts at
 * v3, as Kafka 4.0's and this one's do: confluentinc/librdkafka #4956.) */
static const char *const producer_props[][2] = {
    {"client.id", "lakehouse-demo"},
    {"enable.idempotence", "true"},
    {"linger.ms", "20"},
    {"batch.num.messages", "10000"},
    {"batch.size", "1048576"},
    {"compression.type", "none"},
    {"queue.buffering.max.messages", "200000"},
    {"queue.buffering.max.kbytes", "262144"},
    {"message.timeout.ms", "300000"},
};

static int open_kafka(demo_t *d)
{
    lh_topic_cli_t *cl = &d->cl;
    char why[512];
    cl->cfg = d->cfg, cl->topic = d->topic, cl->timeout_ms = 10000, cl->lenient = 1;
    cl->partitions = (int)lh_config_int(d->cfg, "demo.partitions"), cl->replication = -1;
    /* the topic's compression (see producer_props); Kafka 3.8 and later know
       compression.zstd.level (KIP-390), as this broker does */
    static const char *const topic_configs[] = {"compression.type=zstd",
                                                "compression.zstd.level=1"};
    for (size_t i = 0; i < 2; i++)
        cl->configs[cl->nconfigs++] = topic_configs[i];
    if (!(cl->conf = lh__topic_conf(cl))) return 2;
    if (lh__topic_create(cl)) return 1;
    rd_kafka_conf_t *conf = rd_kafka_conf_dup(cl->conf);
    for (size_t i = 0; i < sizeof producer_props / sizeof producer_props[0]; i++)
        if (rd_kafka_conf_set(conf, producer_props[i][0], producer_props[i][1], why, sizeof why)) {
            fprintf(stderr, "lakehouse demo: %s: %s\n", producer_props[i][0], why);
            rd_kafka_conf_destroy(conf);
            return 1;
        }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    if (!(d->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, why, sizeof why))) {
        fprintf(stderr, "lakehouse demo: cannot make a Kafka producer: %s\n", why);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    d->rkt = rd_kafka_topic_new(d->rk, d->topic, NULL);
    return d->rkt ? 0 : lh__topic_fail("cannot use the topic", rd_kafka_last_error(), NULL);
}

static int produce_one(demo_t *d, const lh_demo_record_t *r)
{
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(
            d->rk, RD_KAFKA_V_RKT(d->rkt), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_KEY(r->has_key ? r->key : NULL, r->has_key ? strlen(r->key) : 0),
            RD_KAFKA_V_VALUE((void *)r->value, r->len), RD_KAFKA_V_TIMESTAMP(r->ts_ms),
            RD_KAFKA_V_OPAQUE(d), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) return lh__topic_fail("cannot produce", e, NULL);
        rd_kafka_poll(d->rk, 20);
    }
}

/* Every record produced and acknowledged; the counts filled on the way. */
static int produce(demo_t *d, lh_demo_gen_t *g, lh_demo_counts_t *c)
{
    lh_demo_record_t r;
    int64_t n = 0;
    while (lh_demo_gen_next(g, &r)) {
        lh_demo_counts_add(c, &r);
        if (produce_one(d, &r)) return 1;
        if (++n % 8192 == 0 && (lh__topic_broker_trouble(&d->cl, d->rk) || d->failed)) {
            rd_kafka_purge(d->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            break;
        }
    }
    rd_kafka_resp_err_t e = rd_kafka_flush(d->rk, 600000);
    if (d->failed) {
        fprintf(stderr, "lakehouse demo: %lld records not delivered to %s at %s: %s\n",
                (long long)d->failed, d->topic, d->cl.bootstrap, d->first_error);
        return 1;
    }
    if (e || d->cl.auth_failed)
        return lh__topic_fail("cannot deliver every record",
                              e ? e : RD_KAFKA_RESP_ERR__AUTHENTICATION, d->cl.last_error);
    return 0;
}

/* The sum of the partitions' high watermarks, or -1 after printing why. */
static int64_t high_sum(lh_topic_cli_t *cl, rd_kafka_t *rk, const rd_kafka_metadata_topic_t *t)
{
    int64_t n = 0, lo, hi;
    for (int i = 0; i < t->partition_cnt; i++) {
        rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, cl->topic, t->partitions[i].id,
                                                                 &lo, &hi, cl->timeout_ms);
        if (e) return lh__topic_fail("cannot read the topic's offsets", e, NULL), -1;
        n += hi;
    }
    return n;
}

int64_t lh__demo_topic_records(lh_config_t *cfg)
{
    lh_topic_cli_t cl = {.cfg = cfg, .topic = lh_config_get(cfg, "demo.topic")};
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_t *rk = NULL;
    int64_t n = -1;
    cl.timeout_ms = 10000, cl.lenient = 1;
    if ((cl.conf = lh__topic_conf(&cl)) && (rk = lh__topic_client(&cl)) &&
        lh__topic_metadata(&cl, rk, NULL, &md) == 0) {
        n = 0;
        for (int t = 0; t < md->topic_cnt; t++)
            if (!strcmp(md->topics[t].topic, cl.topic)) n = high_sum(&cl, rk, &md->topics[t]);
    }
    if (md) rd_kafka_metadata_destroy(md);
    if (rk) rd_kafka_destroy(rk);
    if (cl.conf) rd_kafka_conf_destroy(cl.conf);
    return n;
}

/* --- the lake --- */

void lh__demo_lake_endpoint(lh_config_t *cfg)
{
    char path[4096], url[300];
    if (lh_config_get(cfg, "lake.endpoint")[0]) return;
    snprintf(path, sizeof path, "%s/run/endpoints.json", lh_config_get(cfg, "core.data_dir"));
    json_t *doc = json_load_file(path, 0, NULL);
    const char *s3 = json_string_value(json_object_get(doc, "s3"));
    const char *scheme = lh_config_get(cfg, "store.tls_cert")[0] ? "https" : "http";
    if (s3 && snprintf(url, sizeof url, "%s://%s", scheme, s3) < (int)sizeof url)
        lh_config_set(cfg, "lake.endpoint", url);
    json_decref(doc);
}

static int write_manifest(demo_t *d, const char *doc)
{
    lh_objstore_t *os = NULL;
    lh_err_t e = {0};
    const char *bucket = lh_config_get(d->cfg, "lake.bucket");
    lh__demo_lake_endpoint(d->cfg);
    int rc = lh_objstore_open_lake(&os, d->cfg, &e);
    if (rc == 0)
        rc = lh_objstore_put(os, bucket, LH_DEMO_MANIFEST_KEY, doc, strlen(doc), "application/json",
                             NULL, &e);
    lh_objstore_close(os);
    if (rc == LH_ENOENT && !lh_config_get(d->cfg, "lake.endpoint")[0])
        fprintf(stderr, "lakehouse demo: no lake for the manifest: set lake.endpoint "
                        "(AWS_ENDPOINT_URL) or run `lakehouse up` on this data directory\n");
    else if (rc)
        fprintf(stderr, "lakehouse demo: cannot write s3://%s/%s: %s\n", bucket,
                LH_DEMO_MANIFEST_KEY, e.msg);
    return rc ? 1 : 0;
}

/* --- generate --- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void report(const demo_t *d, const lh_demo_counts_t *c, double secs)
{
    char from[40], to[40];
    lh_time_iso8601_format(lh_demo_window_start(&d->p) * 1000000, 0, from, sizeof from);
    lh_time_iso8601_format(d->p.end_ms * 1000000, 0, to, sizeof to);
    int64_t mess = 0, nh = d->p.hours + d->p.lateness;
    for (int h = 0; h < nh; h++)
        mess += lh_demo_counts_get(c, h, -1) - lh_demo_counts_get(c, h, LH_DEMO_VALID);
    printf("produced %lld records (%lld of them mess) to %s at %s in %.2f s (%.0f records/s)\n"
           "block times %s .. %s (seed %llu)\nmanifest s3://%s/%s\n",
           (long long)d->p.events, (long long)mess, d->topic, d->cl.bootstrap, secs,
           secs > 0 ? (double)d->p.events / secs : 0.0, from, to, (unsigned long long)d->p.seed,
           lh_config_get(d->cfg, "lake.bucket"), LH_DEMO_MANIFEST_KEY);
}

static int generate(demo_t *d)
{
    lh_err_t e = {0};
    lh_demo_gen_t *g = NULL;
    lh_demo_counts_t *c = NULL;
    char *doc = NULL;
    int rc = lh_demo_gen_new(&g, &d->p, &e) ? 2 : 0;
    if (rc) fprintf(stderr, "lakehouse demo: %s\n", e.msg);
    if (!rc && !(c = lh_demo_counts_new(&d->p))) rc = 1;
    if (!rc) rc = open_kafka(d);
    double t0 = now_s();
    if (!rc) rc = produce(d, g, c);
    double secs = now_s() - t0;
    if (!rc && !(doc = lh_demo_manifest(&d->p, c, d->topic))) rc = 1;
    if (!rc) rc = write_manifest(d, doc);
    if (!rc) report(d, c, secs);
    free(doc);
    lh_demo_counts_free(c);
    lh_demo_gen_free(g);
    return rc;
}

static int run(demo_t *d)
{
    int rc = generate(d);
    if (d->rkt) rd_kafka_topic_destroy(d->rkt);
    if (d->rk) rd_kafka_destroy(d->rk);
    if (d->cl.conf) rd_kafka_conf_destroy(d->cl.conf);
    return rc;
}

int lh_cmd_demo_generate(lh_config_t *cfg, int64_t end_ms)
{
    demo_t d = {.cfg = cfg};
    int rc = params_from(&d);
    if (!rc && end_ms) d.p.end_ms = end_ms;
    return rc ? rc : run(&d);
}

static int generate_cmd(lh_config_t *cfg, int argc, char **argv)
{
    demo_t d = {.cfg = cfg};
    int rc = params_from(&d);
    if (!rc) rc = parse(&d, argc, argv);
    return rc ? rc : run(&d);
}

static const struct {
    const char *verb;
    int (*fn)(lh_config_t *cfg, int argc, char **argv);
} verbs[] = {
    {.verb = "generate", .fn = generate_cmd},
    {.verb = "install", .fn = lh__demo_install_cmd},
    {.verb = "run", .fn = lh__demo_run_cmd},
};

int lh_cmd_demo(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return usage(stdout), 0;
    size_t v = 0;
    while (argc > 0 && v < sizeof verbs / sizeof verbs[0] && strcmp(argv[0], verbs[v].verb))
        v++;
    if (argc < 1 || v == sizeof verbs / sizeof verbs[0]) {
        usage(stderr);
        return 2;
    }
    argc--;
    char **args = long_flags(&argc, argv + 1);
    lh_config_t *cfg = NULL;
    lh_err_t e = {0};
    int rc = 1;
    if (args && lh_config_load(&cfg, &argc, args, &e) != 0) {
        fprintf(stderr, "lakehouse demo: %s\n", e.msg);
        rc = 2;
    } else if (args)
        rc = verbs[v].fn(cfg, argc, args);
    free(args);
    lh_config_free(cfg);
    return rc;
}
