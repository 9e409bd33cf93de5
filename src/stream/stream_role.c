/* The stream role's descriptor: the Kafka-protocol broker on stream.listen
 * over the topics under <data-dir>/stream/, and its configuration section.
 * Start loads the topics (recovering every partition's log), binds the
 * listener and publishes the "kafka" endpoint; a one-second tick applies the
 * time-based flush policy and segment roll, runs retention every
 * stream.retention_check_interval and publishes the metrics. Stop answers
 * the parked fetches, drains the listener, waits for the fsyncs in flight,
 * then closes every log (fsynced). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "core/role.h"
#include "stream/broker.h"
#include "stream/broker_int.h"

static const lh_config_key_t stream_keys[] = {
    {.section = "stream",
     .key = "listen",
     .def = "127.0.0.1:9092",
     .type = LH_CFG_LISTEN,
     .help = "Kafka listener host:port (port 0 picks a free port)"},
    {.section = "stream",
     .key = "advertised_listener",
     .type = LH_CFG_STR,
     .help = "host:port given to clients in Metadata (behind a Kubernetes service); empty = the "
             "bound address"},
    {.section = "stream",
     .key = "node_id",
     .def = "0",
     .type = LH_CFG_INT,
     .min = 0,
     .max = 1 << 30,
     .help = "this broker's node id (leader, controller and coordinator in Metadata)"},
    {.section = "stream",
     .key = "auto_create_topics",
     .def = "true",
     .type = LH_CFG_BOOL,
     .help = "create a topic on first Metadata or Produce for it (Kafka's "
             "auto.create.topics.enable)"},
    {.section = "stream",
     .key = "default_partitions",
     .def = "4",
     .type = LH_CFG_INT,
     .min = 1,
     .max = 10000,
     .help = "partitions of an auto-created topic"},
    {.section = "stream",
     .key = "flush_interval",
     .def = "0",
     .type = LH_CFG_DURATION,
     .help = "0: fsync before answering acks=all; otherwise fsync at least this often and answer "
             "acks=all after the write"},
    {.section = "stream",
     .key = "flush_messages",
     .def = "0",
     .type = LH_CFG_INT,
     .min = 0,
     .help = "fsync a partition every this many records; 0 = off"},
    {.section = "stream",
     .key = "retention",
     .def = "7d",
     .type = LH_CFG_DURATION,
     .help = "delete a closed segment once its newest record is this old; 0 = keep forever "
             "(topic config retention.ms)"},
    {.section = "stream",
     .key = "retention_bytes",
     .def = "0",
     .type = LH_CFG_SIZE,
     .help = "delete the oldest closed segments while a partition is larger; 0 = no limit "
             "(topic config retention.bytes)"},
    {.section = "stream",
     .key = "segment_bytes",
     .def = "1GiB",
     .type = LH_CFG_SIZE,
     .min = 1024,
     .max = (int64_t)1 << 31,
     .help = "roll a partition's segment past this size (topic config segment.bytes)"},
    {.section = "stream",
     .key = "segment_ms",
     .def = "7d",
     .type = LH_CFG_DURATION,
     .help = "roll a segment this old even when not full; 0 = never (topic config segment.ms)"},
    {.section = "stream",
     .key = "max_message_bytes",
     .def = "1048588",
     .type = LH_CFG_SIZE,
     .min = 1024,
     .max = 100 << 20,
     .help = "largest record batch accepted (Kafka's message.max.bytes; topic config "
             "max.message.bytes)"},
    {.section = "stream",
     .key = "retention_check_interval",
     .def = "5m",
     .type = LH_CFG_DURATION,
     .min = 100,
     .help = "how often retention runs (Kafka's log.retention.check.interval.ms)"},
    {.section = "stream",
     .key = "group_initial_rebalance_delay",
     .def = "3s",
     .type = LH_CFG_DURATION,
     .help = "how long the first rebalance of an empty consumer group waits for more members"},
    {.section = "stream",
     .key = "sasl",
     .type = LH_CFG_LIST,
     .help = "SASL mechanisms required of clients (PLAIN, SCRAM-SHA-256), checked against the "
             "platform's users; empty = no authentication"},
    {.section = "stream",
     .key = "tls_cert",
     .type = LH_CFG_PATH,
     .help = "PEM certificate: serve Kafka over TLS (clients use security.protocol=SSL or "
             "SASL_SSL)"},
    {.section = "stream",
     .key = "tls_key",
     .type = LH_CFG_PATH,
     .help = "PEM private key for `stream.tls_cert`"},
    {.section = "stream",
     .key = "clock_offset",
     .def = "0",
     .type = LH_CFG_DURATION,
     .help = "test builds only (`lakehouse version` says test-hooks): added to the clock the "
             "logs judge segment ages and retention by; ignored otherwise"},
};

int64_t lh__sb_now(const lh_sb_t *b)
{
    return b->clock ? b->clock(b->clock_arg) : lh_stream_wall_ms(NULL);
}

#if defined(LH_TEST_HOOKS) && LH_TEST_HOOKS
static int64_t offset_clock(void *arg)
{
    return lh_stream_wall_ms(NULL) + *(int64_t *)arg;
}
static int64_t clock_offset_ms;
#endif

static int parse_sasl(const char *list, unsigned *out, lh_err_t *err)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    *out = 0;
    for (char *save = NULL, *m = strtok_r(buf, ", ", &save); m; m = strtok_r(NULL, ", ", &save)) {
        if (!strcmp(m, "PLAIN"))
            *out |= LH_SB_SASL_PLAIN;
        else if (!strcmp(m, "SCRAM-SHA-256"))
            *out |= LH_SB_SASL_SCRAM;
        else
            return lh_err_set(err, LH_EINVAL,
                              "stream.sasl: unknown mechanism %s (PLAIN, SCRAM-SHA-256)", m);
    }
    return 0;
}

static int load_opts(lh_sb_t *b, const lh_config_t *cfg, lh_err_t *err)
{
    lh_sb_opts_t *o = &b->o;
    int64_t ret = lh_config_duration_ms(cfg, "stream.retention");
    int64_t retb = lh_config_size(cfg, "stream.retention_bytes");
    o->auto_create = lh_config_bool(cfg, "stream.auto_create_topics");
    o->default_partitions = (int32_t)lh_config_int(cfg, "stream.default_partitions");
    o->flush_ms = lh_config_duration_ms(cfg, "stream.flush_interval");
    o->flush_messages = lh_config_int(cfg, "stream.flush_messages");
    o->topic.v[LH_SB_RETENTION_MS] = ret > 0 ? ret : -1;
    o->topic.v[LH_SB_RETENTION_BYTES] = retb > 0 ? retb : -1;
    o->topic.v[LH_SB_SEGMENT_BYTES] = lh_config_size(cfg, "stream.segment_bytes");
    o->topic.v[LH_SB_SEGMENT_MS] = lh_config_duration_ms(cfg, "stream.segment_ms");
    o->topic.v[LH_SB_MAX_MESSAGE_BYTES] = lh_config_size(cfg, "stream.max_message_bytes");
    o->topic.v[LH_SB_COMPRESSION_TYPE] = LH_SB_PRODUCER_CODEC; /* Kafka's defaults */
    o->topic.v[LH_SB_ZSTD_LEVEL] = 3;
    o->group_initial_rebalance_delay_ms =
        lh_config_duration_ms(cfg, "stream.group_initial_rebalance_delay");
    o->node_id = (int32_t)lh_config_int(cfg, "stream.node_id");
#if defined(LH_TEST_HOOKS) && LH_TEST_HOOKS
    clock_offset_ms = lh_config_duration_ms(cfg, "stream.clock_offset");
    if (clock_offset_ms) {
        b->clock = offset_clock;
        b->clock_arg = &clock_offset_ms;
    }
#endif
    return parse_sasl(lh_config_get(cfg, "stream.sasl"), &o->sasl, err);
}

/* Advertised host and port: stream.advertised_listener, else the bound
 * address (127.0.0.1 when bound to every interface). */
static int set_advertised(lh_sb_t *b, const char *adv, const char *bound, lh_err_t *err)
{
    const char *s = adv[0] ? adv : bound;
    const char *colon = strrchr(s, ':');
    long port = colon ? strtol(colon + 1, NULL, 10) : 0;
    size_t hl = colon ? (size_t)(colon - s) : 0;
    if (port <= 0 || port > 65535 || hl == 0 || hl >= sizeof b->o.host)
        return lh_err_set(err, LH_EINVAL, "stream.advertised_listener: %s is not host:port", s);
    if (s[0] == '[' && s[hl - 1] == ']') s++, hl -= 2;
    snprintf(b->o.host, sizeof b->o.host, "%.*s", (int)hl, s);
    if (!strcmp(b->o.host, "0.0.0.0") || !strcmp(b->o.host, "::"))
        snprintf(b->o.host, sizeof b->o.host, "127.0.0.1");
    b->o.port = (int32_t)port;
    return 0;
}

static void metrics_register(void)
{
    static const char *const fam[][3] = {
        {"lakehouse_stream_produced_records_total", "c", "records appended, by topic"},
        {"lakehouse_stream_produced_bytes_total", "c", "record batch bytes appended, by topic"},
        {"lakehouse_stream_fetched_bytes_total", "c",
         "record batch bytes sent to consumers, by "
         "topic"},
        {"lakehouse_stream_log_size_bytes", "g", "bytes on disk per partition"},
        {"lakehouse_stream_high_watermark", "g", "next offset per partition"},
        {"lakehouse_stream_topics", "g", "topics"},
        {"lakehouse_stream_consumer_lag", "g",
         "records between a group's committed offset and the partition's high watermark"},
        {"lakehouse_stream_consumer_group_lag", "g",
         "a group's lag summed over its committed partitions"},
    };
    for (size_t i = 0; i < sizeof fam / sizeof fam[0]; i++)
        lh_metrics_register(fam[i][0], fam[i][1][0] == 'c' ? LH_METRIC_COUNTER : LH_METRIC_GAUGE,
                            fam[i][2], NULL, 0);
}

/* Counters are kept per partition on the hot path and published here. */
static void publish_metrics(lh_sb_t *b)
{
    char lab[512];
    lh_metrics_set("lakehouse_stream_topics", NULL, b->ntopics);
    for (int i = 0; i < b->ntopics; i++) {
        lh_sb_topic_t *t = b->topics[i];
        uint64_t rec = 0, in = 0, out = 0;
        for (int32_t j = 0; j < t->nparts; j++) {
            lh_sb_part_t *p = t->parts[j];
            rec += p->in_records, in += p->in_bytes, out += p->out_bytes;
            p->in_records = p->in_bytes = p->out_bytes = 0;
            snprintf(lab, sizeof lab, "topic=\"%s\",partition=\"%d\"", t->name, (int)j);
            lh_metrics_set("lakehouse_stream_log_size_bytes", lab,
                           (double)lh_stream_log_size(p->log));
            lh_metrics_set("lakehouse_stream_high_watermark", lab,
                           (double)lh_stream_log_high_watermark(p->log));
        }
        snprintf(lab, sizeof lab, "topic=\"%s\"", t->name);
        lh_metrics_add("lakehouse_stream_produced_records_total", lab, (double)rec);
        lh_metrics_add("lakehouse_stream_produced_bytes_total", lab, (double)in);
        lh_metrics_add("lakehouse_stream_fetched_bytes_total", lab, (double)out);
    }
}

typedef struct {
    lh_sb_t b;
    int64_t retention_every_ms, last_retention_ms;
} role_t;

static void on_tick(uv_timer_t *tm)
{
    role_t *r = tm->data;
    lh_sb_t *b = &r->b;
    int64_t now = lh__sb_now(b);
    bool retain = now - r->last_retention_ms >= r->retention_every_ms;
    if (retain) r->last_retention_ms = now;
    for (int i = 0; i < b->ntopics; i++)
        for (int32_t j = 0; j < b->topics[i]->nparts; j++) {
            lh_sb_part_t *p = b->topics[i]->parts[j];
            lh_err_t err = {0};
            int deleted = 0;
            if (lh_stream_log_tick(p->log, &err) ||
                (retain && lh_stream_log_retain(p->log, &deleted, &err)))
                lh_warn("stream: %s-%d: %s", b->topics[i]->name, (int)j, err.msg);
            if (deleted)
                lh_info("stream: retention deleted %d segments of %s-%d", deleted,
                        b->topics[i]->name, (int)j);
        }
    publish_metrics(b);
    lh__sb_groups_tick(b);
    lh__sb_groups_lag(b);
}

static void role_free(role_t *r)
{
    lh_stream_groups_close(r->b.groups);
    lh__sb_topics_free(&r->b);
    lh_buf_free(&r->b.zbuf);
    free(r->b.dir);
    free(r);
}

static int stream_role_start(const lh_role_ctx_t *ctx, void **handle, lh_err_t *err)
{
    role_t *r = calloc(1, sizeof *r);
    char bound[128];
    if (!r) return lh_err_set(err, LH_ENOMEM, "out of memory");
    lh_sb_t *b = &r->b;
    b->loop = ctx->loop;
    b->cfg = ctx->cfg;
    b->meta = ctx->meta;
    int rc = load_opts(b, ctx->cfg, err);
    size_t n = strlen(ctx->data_dir) + 16;
    if (!rc && !(b->dir = malloc(n))) rc = lh_err_set(err, LH_ENOMEM, "out of memory");
    if (!rc) snprintf(b->dir, n, "%s/stream", ctx->data_dir);
    b->next_producer_id = lh__sb_now(b) * 1000;
    r->retention_every_ms = lh_config_duration_ms(ctx->cfg, "stream.retention_check_interval");
    r->last_retention_ms = lh__sb_now(b);
    if (!rc) rc = lh__sb_topics_load(b, err);
    if (!rc) rc = lh__sb_groups_open(b, err);
    const char *cert = lh_config_get(ctx->cfg, "stream.tls_cert");
    lh_tcp_opts_t t = {
        .name = "kafka",
        .listen = lh_config_get(ctx->cfg, "stream.listen"),
        .tls = cert[0] ? LH_TCP_TLS_ON : LH_TCP_TLS_OFF,
        .tls_cert = cert,
        .tls_key = lh_config_get(ctx->cfg, "stream.tls_key"),
        .max_frame = 100 << 20,
        .write_high = 8 << 20,
        /* clients pipeline (librdkafka up to 1M requests, Kafka's
         * queued.max.requests is 500): with the layer's default of 32, one
         * slow fsync behind acks=all stalled reading and the backlog drained
         * at the request rate (p99 107 ms at 10k/s; 2.2 ms with 1024) */
        .max_in_flight = 1024,
        .idle_timeout_ms = 600000, /* Kafka's connections.max.idle.ms */
        .proto = &lh__kafka_proto,
        .ctx = b,
    };
    if (!rc) rc = lh_tcp_server_start(ctx->loop, &t, &b->srv, bound, sizeof bound, err);
    if (!rc)
        rc = set_advertised(b, lh_config_get(ctx->cfg, "stream.advertised_listener"), bound, err);
    if (rc) {
        if (b->srv) lh_tcp_server_stop(b->srv, NULL, NULL);
        b->srv = NULL;
        role_free(r);
        return rc;
    }
    metrics_register();
    lh_info("kafka listening on %s%s (advertised %s:%d, %d topics)", bound, cert[0] ? " (tls)" : "",
            b->o.host, (int)b->o.port, b->ntopics);
    if (uv_timer_init(ctx->loop, &b->tick) == 0) {
        b->tick.data = r;
        b->tick_on = uv_timer_start(&b->tick, on_tick, 1000, 1000) == 0;
    }
    *handle = r;
    return lh_roles_publish_endpoint(ctx->roles, "kafka", bound);
}

static void finish_stop(lh_sb_t *b)
{
    role_t *r = (role_t *)b;
    void (*done)(void *) = b->stop_done;
    void *arg = b->stop_arg;
    role_free(r);
    if (done) done(arg);
}

/* The last of the listener, the fsync jobs and the tick timer to end
 * finishes the stop. */
static void maybe_finish(lh_sb_t *b)
{
    if (!b->srv && b->jobs == 0 && !b->tick_on) finish_stop(b);
}

void lh__sb_jobs_drained(lh_sb_t *b)
{
    maybe_finish(b);
}

static void on_tick_closed(uv_handle_t *h)
{
    role_t *r = h->data;
    r->b.tick_on = 0;
    maybe_finish(&r->b);
}

static void on_server_stopped(void *arg)
{
    lh_sb_t *b = arg;
    b->srv = NULL;
    maybe_finish(b);
}

static void stream_role_stop(void *handle, void (*done)(void *), void *arg)
{
    role_t *r = handle;
    lh_sb_t *b = &r->b;
    b->stopping = true;
    b->stop_done = done;
    b->stop_arg = arg;
    if (b->tick_on) {
        uv_timer_stop(&b->tick);
        uv_close((uv_handle_t *)&b->tick, on_tick_closed); /* clears tick_on */
    }
    lh__sb_fetch_cancel_all(b);
    lh_tcp_server_stop(b->srv, on_server_stopped, b);
}

const lh_role_t lh_stream_role = {
    .name = "stream",
    .section = "stream",
    .summary = "the Kafka-protocol broker on stream.listen over the topics under "
               "<data-dir>/stream",
    .keys = stream_keys,
    .nkeys = (int)(sizeof stream_keys / sizeof stream_keys[0]),
    .endpoints = "kafka",
    .start = stream_role_start,
    .stop = stream_role_stop,
};
