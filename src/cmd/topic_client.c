/* The librdkafka client behind `lakehouse topic`: where the brokers are
 * (kafka.bootstrap_servers, else the `kafka` endpoint of a local data
 * directory's run/endpoints.json, else 127.0.0.1:9092), SASL from --user/
 * --password or the platform's key pair, then -X properties verbatim (last
 * wins, as kcat). librdkafka's own log stays quiet unless -v; its errors are
 * kept so a timeout can say what was tried and why it failed. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/topic_int.h"

/* --- where the brokers are --- */

static const char *from_endpoints(lh_topic_cli_t *cl)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/run/endpoints.json", lh_config_get(cl->cfg, "core.data_dir"));
    json_t *doc = json_load_file(path, 0, NULL);
    const char *v = json_string_value(json_object_get(doc, "kafka"));
    if (v) snprintf(cl->endpoint_buf, sizeof cl->endpoint_buf, "%s", v);
    json_decref(doc);
    return v ? cl->endpoint_buf : NULL;
}

static const char *bootstrap(lh_topic_cli_t *cl)
{
    if (cl->bootstrap && *cl->bootstrap) return cl->bootstrap; /* -b */
    const char *v = lh_config_get(cl->cfg, "kafka.bootstrap_servers");
    if (*v) return v;
    v = from_endpoints(cl);
    return v ? v : "127.0.0.1:9092";
}

/* --- callbacks --- */

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    lh_topic_cli_t *cl = rd_kafka_opaque(rk);
    if (cl->verbose) fprintf(stderr, "librdkafka: %d %s %s\n", level, fac, buf);
}

static void on_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    lh_topic_cli_t *cl = opaque;
    (void)rk;
    if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION)
        cl->auth_failed = 1;
    else if (cl->auth_failed)
        return; /* the cause is known */
    /* the first concrete reason beats the summary ("1/1 brokers are down") */
    else if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN && cl->last_error[0])
        return;
    snprintf(cl->last_error, sizeof cl->last_error, "%s", reason);
}

/* --- the client --- */

static int set(rd_kafka_conf_t *conf, const char *k, const char *v)
{
    char why[256];
    if (rd_kafka_conf_set(conf, k, v, why, sizeof why) == RD_KAFKA_CONF_OK) return 0;
    fprintf(stderr, "lakehouse: bad client property %s: %s\n", k, why);
    return 2;
}

static int set_sasl(lh_topic_cli_t *cl, rd_kafka_conf_t *conf)
{
    const char *mech = lh_config_get(cl->cfg, "kafka.sasl_mechanism");
    if (!*mech && !cl->user) return 0;
    const char *user = cl->user ? cl->user : lh_config_get(cl->cfg, "core.access_key");
    const char *pass = cl->password ? cl->password : lh_config_get(cl->cfg, "core.secret_key");
    if (!*user || !*pass) {
        fprintf(stderr, "lakehouse: SASL needs a user and a password (--user/--password, or "
                        "LAKEHOUSE_ACCESS_KEY/LAKEHOUSE_SECRET_KEY)\n");
        return 2;
    }
    if (set(conf, "security.protocol", "sasl_plaintext") ||
        set(conf, "sasl.mechanisms", *mech ? mech : "PLAIN") || set(conf, "sasl.username", user) ||
        set(conf, "sasl.password", pass))
        return 2;
    return 0;
}

static int set_props(lh_topic_cli_t *cl, rd_kafka_conf_t *conf)
{
    char key[256];
    const char *v;
    for (int i = 0; i < cl->nprops; i++)
        if (lh__topic_split_kv(cl->props[i], key, sizeof key, &v) || set(conf, key, v)) return 2;
    return 0;
}

void lh__topic_task_env(lh_topic_cli_t *cl)
{
    const char *mech = getenv("KAFKA_SASL_MECHANISM");
    if (mech && *mech) lh_config_set(cl->cfg, "kafka.sasl_mechanism", mech);
    /* a --bootstrap-servers flag (kafka.bootstrap_servers) beats the environment */
    if ((!cl->bootstrap || !*cl->bootstrap) &&
        strcmp(lh_config_source(cl->cfg, "kafka.bootstrap_servers"), "flag"))
        cl->bootstrap = getenv("KAFKA_BOOTSTRAP_SERVERS");
    cl->user = getenv("KAFKA_SASL_USERNAME");
    cl->password = getenv("KAFKA_SASL_PASSWORD");
}

rd_kafka_conf_t *lh__topic_conf(lh_topic_cli_t *cl)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    cl->bootstrap = bootstrap(cl);
    rd_kafka_conf_set_opaque(conf, cl);
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_error_cb(conf, on_error);
    if (set(conf, "bootstrap.servers", cl->bootstrap) ||
        set(conf, "client.id", "lakehouse-topic") || set(conf, "enable.auto.commit", "false") ||
        set(conf, "enable.partition.eof", "true") ||
        set(conf, "allow.auto.create.topics", "false") ||
        /* tail: with librdkafka's default prefetch (100000 records) the
         * fetcher idles between bursts; this makes a 1M-record tail about
         * 4x faster (memory still capped by queued.max.messages.kbytes) */
        set(conf, "queued.min.messages", "1000000") || set_sasl(cl, conf) || set_props(cl, conf)) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}

rd_kafka_t *lh__topic_client(lh_topic_cli_t *cl)
{
    char why[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_dup(cl->conf);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, why, sizeof why);
    if (!rk) {
        fprintf(stderr, "lakehouse: cannot make a Kafka client: %s\n", why);
        rd_kafka_conf_destroy(conf);
    }
    return rk;
}

/* --- errors --- */

int lh__topic_fail(const char *what, rd_kafka_resp_err_t e, const char *detail)
{
    fprintf(stderr, "lakehouse: %s: %s\n", what, detail && *detail ? detail : rd_kafka_err2str(e));
    return 1;
}

int64_t lh__topic_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int lh__topic_broker_trouble(lh_topic_cli_t *cl, rd_kafka_t *rk)
{
    rd_kafka_poll(rk, 0); /* serves the queued error callbacks */
    if (!cl->auth_failed) return 0;
    fprintf(stderr, "lakehouse: authentication failed at %s: %s\n", cl->bootstrap, cl->last_error);
    return 1;
}

static int unreachable(lh_topic_cli_t *cl)
{
    fprintf(stderr, "lakehouse: cannot reach Kafka at %s: no answer within %lld ms%s%s%s\n",
            cl->bootstrap, (long long)cl->timeout_ms, cl->last_error[0] ? " (" : "", cl->last_error,
            cl->last_error[0] ? ")" : "");
    return 1;
}

static int topic_error(const char *topic, rd_kafka_resp_err_t e)
{
    if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
        fprintf(stderr, "lakehouse: unknown topic %s\n", topic);
        return 1;
    }
    fprintf(stderr, "lakehouse: topic %s: %s\n", topic, rd_kafka_err2str(e));
    return 1;
}

/* 1 when the one topic asked about has no leader yet (it is being created). */
static int leaderless(const struct rd_kafka_metadata *md)
{
    return md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE;
}

int lh__topic_metadata(lh_topic_cli_t *cl, rd_kafka_t *rk, const char *topic,
                       const struct rd_kafka_metadata **md)
{
    int64_t deadline = lh__topic_now_ms() + cl->timeout_ms;
    rd_kafka_topic_t *rkt = topic ? rd_kafka_topic_new(rk, topic, NULL) : NULL;
    rd_kafka_resp_err_t e;
    *md = NULL;
    for (;;) {
        int64_t left = deadline - lh__topic_now_ms();
        int slice = left > 1000 ? 1000 : left < 1 ? 1 : (int)left;
        e = rd_kafka_metadata(rk, rkt == NULL, rkt, md, slice);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR && rkt && leaderless(*md) &&
            lh__topic_now_ms() < deadline) {
            rd_kafka_metadata_destroy(*md); /* a topic just created: ask again */
            *md = NULL;
            rd_kafka_poll(rk, 100);
            continue;
        }
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR || lh__topic_broker_trouble(cl, rk)) break;
        if (lh__topic_now_ms() >= deadline ||
            (e != RD_KAFKA_RESP_ERR__TIMED_OUT && e != RD_KAFKA_RESP_ERR__TRANSPORT)) {
            if (e == RD_KAFKA_RESP_ERR__TIMED_OUT || e == RD_KAFKA_RESP_ERR__TRANSPORT)
                unreachable(cl);
            else
                lh__topic_fail("cannot read the cluster's metadata", e, NULL);
            break;
        }
    }
    if (rkt) rd_kafka_topic_destroy(rkt);
    if (!*md) return 1;
    if (topic && ((*md)->topic_cnt < 1 || (*md)->topics[0].err)) {
        int rc = topic_error(topic, (*md)->topic_cnt < 1 ? RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART
                                                         : (*md)->topics[0].err);
        rd_kafka_metadata_destroy(*md);
        *md = NULL;
        return rc;
    }
    return 0;
}

/* --- admin requests --- */

rd_kafka_AdminOptions_t *lh__topic_admin_options(lh_topic_cli_t *cl, rd_kafka_t *rk,
                                                 rd_kafka_admin_op_t t)
{
    char why[256];
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, t);
    rd_kafka_AdminOptions_set_request_timeout(o, cl->timeout_ms, why, sizeof why);
    if (t == RD_KAFKA_ADMIN_OP_CREATETOPICS || t == RD_KAFKA_ADMIN_OP_DELETETOPICS)
        rd_kafka_AdminOptions_set_operation_timeout(o, cl->timeout_ms, why, sizeof why);
    return o;
}

int lh__topic_admin_wait(lh_topic_cli_t *cl, rd_kafka_queue_t *q, rd_kafka_event_t **ev, char *why,
                         size_t cap)
{
    /* the request timeout ends it first; the margin only guards a lost reply */
    *ev = rd_kafka_queue_poll(q, cl->timeout_ms + 5000);
    rd_kafka_resp_err_t e = *ev ? rd_kafka_event_error(*ev) : RD_KAFKA_RESP_ERR__TIMED_OUT;
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
    snprintf(why, cap, "%s", *ev ? rd_kafka_event_error_string(*ev) : rd_kafka_err2str(e));
    if (*ev) rd_kafka_event_destroy(*ev);
    *ev = NULL;
    return 1;
}
