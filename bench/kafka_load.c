/* Bench-only Kafka load tool on librdkafka's public API (Debian ships no
 * rdkafka_performance). Three modes, each printing one JSON line on stdout
 * and one human line on stderr:
 *   produce  records of -s bytes, -n of them or for -d seconds, acks -a,
 *            -p partitions (round robin), linger -l, compression -z:
 *            records/s and MB/s from the first send to the last delivery report
 *   consume  every partition of -t from the beginning until -n records (0 =
 *            until the end of every partition): records/s and MB/s
 *   latency  -r records/s for -d seconds with the send time in the payload,
 *            a consumer in the same process: end-to-end p50/p99/p99.9
 *            (-o FILE: every record's latency, in send order)
 * MB is 10^6 bytes of record values. The consumers use librdkafka's
 * group-free partition consumer (no group.id, no coordinator), so the
 * broker needs only Metadata, ListOffsets, Produce and Fetch. */
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "kafka_load.h"

static const char usage[] =
    "usage: kafka_load produce|consume|latency -b HOST:PORT -t TOPIC [options]\n"
    "  -s BYTES      record size (1024)\n"
    "  -n COUNT      records (produce/latency: else -d; consume: 0 = to the end)\n"
    "  -d SECS       duration when -n is not given (10)\n"
    "  -a 0|1|all    acks (1)\n"
    "  -p N          create the topic with N partitions first (produce, latency)\n"
    "  -l MS         linger.ms (librdkafka's default for produce, 0 for latency)\n"
    "  -z CODEC      compression.type: none gzip snappy lz4 zstd (none)\n"
    "  -r RATE       latency: records/s (10000)\n"
    "  -o FILE       latency: every record's latency into FILE (SEQ MS, -1 = lost)\n"
    "  -L LABEL      copied into the JSON line\n"
    "  -X KEY=VALUE  any librdkafka property, for every handle\n";

double kl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int64_t kl_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

double kl_cpu_secs(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int conf_set(rd_kafka_conf_t *conf, const char *k, const char *v)
{
    char err[256];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) == RD_KAFKA_CONF_OK) return 0;
    fprintf(stderr, "kafka_load: %s=%s: %s\n", k, v, err);
    return -1;
}

/* KEY=VALUE from -X */
static int conf_set_pair(rd_kafka_conf_t *conf, const char *pair)
{
    char k[128];
    const char *eq = strchr(pair, '=');
    if (!eq || eq == pair || (size_t)(eq - pair) >= sizeof k) {
        fprintf(stderr, "kafka_load: bad -X %s (want KEY=VALUE)\n", pair);
        return -1;
    }
    memcpy(k, pair, (size_t)(eq - pair));
    k[eq - pair] = 0;
    return conf_set(conf, k, eq + 1);
}

rd_kafka_t *kl_handle(const kl_opts_t *o, rd_kafka_type_t type, const char *const *extra,
                      void *opaque, void (*dr)(rd_kafka_t *, const rd_kafka_message_t *, void *))
{
    char err[256];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    int bad = conf_set(conf, "bootstrap.servers", o->brokers) ||
              conf_set(conf, "client.id", "kafka_load");
    for (int i = 0; extra && extra[i] && !bad; i += 2)
        bad = conf_set(conf, extra[i], extra[i + 1]);
    for (int i = 0; i < o->nprops && !bad; i++)
        bad = conf_set_pair(conf, o->props[i]);
    if (bad) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    rd_kafka_conf_set_opaque(conf, opaque);
    if (dr) rd_kafka_conf_set_dr_msg_cb(conf, dr);
    rd_kafka_t *rk = rd_kafka_new(type, conf, err, sizeof err);
    if (!rk) fprintf(stderr, "kafka_load: cannot create handle: %s\n", err);
    return rk;
}

/* CreateTopics through the admin API; every failure is a warning, since the
 * topic may exist or the broker may create topics on first use instead */
static void create_topic(rd_kafka_t *rk, const kl_opts_t *o)
{
    char err[256];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(o->topic, o->partitions, 1, err, sizeof err);
    if (!nt) {
        fprintf(stderr, "kafka_load: %s\n", err);
        return;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *ao = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_operation_timeout(ao, 5000, err, sizeof err);
    rd_kafka_AdminOptions_set_request_timeout(ao, 5000, err, sizeof err);
    rd_kafka_CreateTopics(rk, &nt, 1, ao, q);
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 10000);
    const rd_kafka_CreateTopics_result_t *res = ev ? rd_kafka_event_CreateTopics_result(ev) : NULL;
    size_t n = 0;
    const rd_kafka_topic_result_t **tr = res ? rd_kafka_CreateTopics_result_topics(res, &n) : NULL;
    if (!ev)
        fprintf(stderr, "kafka_load: CreateTopics: no answer\n");
    else if (rd_kafka_event_error(ev))
        fprintf(stderr, "kafka_load: CreateTopics: %s\n", rd_kafka_event_error_string(ev));
    else if (n == 1 && rd_kafka_topic_result_error(tr[0]) &&
             rd_kafka_topic_result_error(tr[0]) != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        fprintf(stderr, "kafka_load: CreateTopics %s: %s\n", o->topic,
                rd_kafka_err2str(rd_kafka_topic_result_error(tr[0])));
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(ao);
    rd_kafka_queue_destroy(q);
    rd_kafka_NewTopic_destroy(nt);
}

/* the topic's partition count once every partition has a leader, else -1 */
static int partition_count(rd_kafka_t *rk, rd_kafka_topic_t *rkt)
{
    const struct rd_kafka_metadata *md;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) return -1;
    int n = -1;
    if (md->topic_cnt == 1 && !md->topics[0].err && md->topics[0].partition_cnt > 0) {
        n = md->topics[0].partition_cnt;
        for (int i = 0; i < md->topics[0].partition_cnt; i++)
            if (md->topics[0].partitions[i].err || md->topics[0].partitions[i].leader < 0) n = -1;
    }
    rd_kafka_metadata_destroy(md);
    return n;
}

/* whether the cluster lists the topic (a listing of all topics creates none) */
static int topic_exists(rd_kafka_t *rk, const char *topic)
{
    const struct rd_kafka_metadata *md;
    if (rd_kafka_metadata(rk, 1, NULL, &md, 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
    int found = 0;
    for (int i = 0; i < md->topic_cnt; i++)
        found |= !strcmp(md->topics[i].topic, topic);
    rd_kafka_metadata_destroy(md);
    return found;
}

int kl_topic_ready(rd_kafka_t *rk, const kl_opts_t *o)
{
    if (o->partitions > 0 && !topic_exists(rk, o->topic)) create_topic(rk, o);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, o->topic, NULL);
    int n = -1;
    for (double end = kl_now() + 10; n < 0 && kl_now() < end;) {
        n = partition_count(rk, rkt);
        if (n < 0) rd_kafka_poll(rk, 200);
    }
    rd_kafka_topic_destroy(rkt);
    if (n < 0) fprintf(stderr, "kafka_load: no metadata for topic %s\n", o->topic);
    if (n > 0 && o->partitions > 0 && n != o->partitions)
        fprintf(stderr, "kafka_load: warning: topic %s has %d partitions, not %d\n", o->topic, n,
                o->partitions);
    return n;
}

int kl_watermarks(rd_kafka_t *rk, const char *topic, int nparts, int64_t *lo, int64_t *hi)
{
    for (int p = 0; p < nparts; p++) {
        int64_t l, h;
        rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk, topic, p, &l, &h, 10000);
        if (err) {
            fprintf(stderr, "kafka_load: watermarks of %s/%d: %s\n", topic, p,
                    rd_kafka_err2str(err));
            return -1;
        }
        if (lo) lo[p] = l;
        if (hi) hi[p] = h;
    }
    return 0;
}

rd_kafka_queue_t *kl_consume_start(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int nparts,
                                   const int64_t *offsets)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    for (int p = 0; p < nparts; p++) {
        if (rd_kafka_consume_start_queue(rkt, p, offsets[p], q) < 0) {
            fprintf(stderr, "kafka_load: cannot consume partition %d: %s\n", p,
                    rd_kafka_err2str(rd_kafka_last_error()));
            kl_consume_stop(rkt, p, q);
            return NULL;
        }
    }
    return q;
}

void kl_consume_stop(rd_kafka_topic_t *rkt, int nparts, rd_kafka_queue_t *q)
{
    for (int p = 0; p < nparts; p++)
        rd_kafka_consume_stop(rkt, p);
    rd_kafka_queue_destroy(q);
}

static int json_fields;

static void json_key(const char *key)
{
    printf("%s\"%s\":", json_fields++ ? "," : "{", key);
}

void kl_json_num(const char *key, double v)
{
    json_key(key);
    printf("%.6g", v);
}

void kl_json_int(const char *key, long long v)
{
    json_key(key);
    printf("%lld", v);
}

/* the values are option strings and librdkafka error texts: escape " and \ */
void kl_json_str(const char *key, const char *v)
{
    json_key(key);
    putchar('"');
    for (const char *c = v ? v : ""; *c; c++) {
        if (*c == '"' || *c == '\\') putchar('\\');
        if ((unsigned char)*c >= 0x20) putchar(*c);
    }
    putchar('"');
}

void kl_json_begin(const kl_opts_t *o, int partitions)
{
    json_fields = 0;
    kl_json_str("mode", o->mode);
    kl_json_str("label", o->label);
    kl_json_str("brokers", o->brokers);
    kl_json_str("topic", o->topic);
    kl_json_int("partitions", partitions);
    if (strcmp(o->mode, "consume")) kl_json_int("record_bytes", o->size); /* consume: bytes */
}

void kl_json_rates(long long records, double bytes, double secs, double cpu)
{
    kl_json_int("records", records);
    kl_json_num("secs", secs);
    kl_json_num("records_per_s", (double)records / secs);
    kl_json_num("mb_per_s", bytes / 1e6 / secs);
    kl_json_num("client_cpu_s", cpu);
}

void kl_json_end(void)
{
    printf("}\n");
    fflush(stdout);
}

static int parse_num(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi)) return -1;
    *out = v;
    return 0;
}

/* The options taking a string, and those taking a number within a range. */
static const struct {
    char letter;
    size_t off;
} str_opts[] = {
    {.letter = 'b', .off = offsetof(kl_opts_t, brokers)},
    {.letter = 't', .off = offsetof(kl_opts_t, topic)},
    {.letter = 'L', .off = offsetof(kl_opts_t, label)},
    {.letter = 'o', .off = offsetof(kl_opts_t, dump)},
    {.letter = 'z', .off = offsetof(kl_opts_t, compression)},
};

static const struct {
    char letter;
    double lo, hi;
} num_opts[] = {
    {.letter = 's', .lo = 1, .hi = 64 << 20}, {.letter = 'n', .lo = 0, .hi = 1e12},
    {.letter = 'p', .lo = 0, .hi = 100000},   {.letter = 'l', .lo = 0, .hi = 900000},
    {.letter = 'r', .lo = 1, .hi = 1e7},      {.letter = 'd', .lo = 0.001, .hi = 1e6},
};

/* a number option's value (range checked) into its field */
static int set_num(kl_opts_t *o, int c, double v)
{
    switch (c) {
    case 's':
        o->size = (int)v;
        break;
    case 'n':
        o->count = (long long)v;
        break;
    case 'p':
        o->partitions = (int)v;
        break;
    case 'l':
        o->linger_ms = (int)v;
        break;
    case 'r':
        o->rate = (int)v;
        break;
    case 'd':
        o->secs = v;
        break;
    }
    return 0;
}

/* one option letter into o; -1 on a bad value */
static int set_opt(kl_opts_t *o, int c, const char *arg)
{
    for (size_t i = 0; i < sizeof str_opts / sizeof *str_opts; i++)
        if (str_opts[i].letter == c) {
            *(const char **)((char *)o + str_opts[i].off) = arg;
            return 0;
        }
    for (size_t i = 0; i < sizeof num_opts / sizeof *num_opts; i++) {
        double v;
        if (num_opts[i].letter == c)
            return parse_num(arg, num_opts[i].lo, num_opts[i].hi, &v) < 0 ? -1 : set_num(o, c, v);
    }
    if (c == 'a') {
        o->acks = arg;
        return strcmp(arg, "0") && strcmp(arg, "1") && strcmp(arg, "all") ? -1 : 0;
    }
    if (c == 'X' && o->nprops < KL_MAX_PROPS) {
        o->props[o->nprops++] = arg;
        return 0;
    }
    return -1;
}

int main(int argc, char **argv)
{
    kl_opts_t o = {.acks = "1",
                   .compression = "none",
                   .size = 1024,
                   .secs = 10,
                   .linger_ms = -1,
                   .rate = 10000,
                   .label = ""};
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    o.mode = argv[1];
    int c;
    optind = 2;
    while ((c = getopt(argc, argv, "b:t:s:n:d:a:p:l:z:r:L:X:o:")) != -1)
        if (c == '?' || set_opt(&o, c, optarg) < 0) {
            if (c != '?') fprintf(stderr, "kafka_load: bad value for -%c: %s\n", c, optarg);
            fputs(usage, stderr);
            return 2;
        }
    if (!o.brokers || !o.topic || optind != argc) {
        fputs(usage, stderr);
        return 2;
    }
    if (!strcmp(o.mode, "produce")) return kl_produce(&o);
    if (!strcmp(o.mode, "consume")) return kl_consume(&o);
    if (!strcmp(o.mode, "latency")) return kl_latency(&o);
    fputs(usage, stderr);
    return 2;
}
