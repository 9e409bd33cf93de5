/* `topic create` and `topic delete` (CreateTopics, DeleteTopics) and the
 * configs `topic describe` shows (DescribeConfigs), through librdkafka's
 * admin API: one request on a private queue, its result event read back,
 * the broker's per-topic error turned into our message. */
#include <stdlib.h>
#include <string.h>

#include "cmd/topic_int.h"

/* The per-topic outcome of CreateTopics/DeleteTopics; 0 or 1 after printing. */
static int topic_result(const char *verb, const rd_kafka_topic_result_t **r, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        rd_kafka_resp_err_t e = rd_kafka_topic_result_error(r[i]);
        const char *name = rd_kafka_topic_result_name(r[i]);
        const char *msg = rd_kafka_topic_result_error_string(r[i]);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
            printf("%sd topic %s\n", verb, name);
        } else if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
            fprintf(stderr, "lakehouse: cannot %s topic %s: unknown topic\n", verb, name);
            rc = 1;
        } else if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            fprintf(stderr, "lakehouse: cannot %s topic %s: it already exists\n", verb, name);
            rc = 1;
        } else {
            fprintf(stderr, "lakehouse: cannot %s topic %s: %s (%s)\n", verb, name,
                    msg && *msg ? msg : rd_kafka_err2str(e), rd_kafka_err2name(e));
            rc = 1;
        }
    }
    return rc;
}

/* The new topic with its --config entries, or NULL after printing. */
static rd_kafka_NewTopic_t *new_topic(lh_topic_cli_t *cl)
{
    char why[512], key[256];
    const char *v;
    rd_kafka_NewTopic_t *nt =
        rd_kafka_NewTopic_new(cl->topic, cl->partitions, cl->replication, why, sizeof why);
    if (!nt) {
        fprintf(stderr, "lakehouse: cannot create topic %s: %s\n", cl->topic, why);
        return NULL;
    }
    for (int i = 0; i < cl->nconfigs; i++) {
        rd_kafka_resp_err_t e = RD_KAFKA_RESP_ERR__INVALID_ARG;
        if (lh__topic_split_kv(cl->configs[i], key, sizeof key, &v) == 0)
            e = rd_kafka_NewTopic_set_config(nt, key, v);
        if (e) {
            fprintf(stderr, "lakehouse: bad topic config %s: %s\n", cl->configs[i],
                    rd_kafka_err2str(e));
            rd_kafka_NewTopic_destroy(nt);
            return NULL;
        }
    }
    return nt;
}

/* Sends one admin request (send) on a private queue and hands its result
 * event to done; 0, or 1 after printing. The cluster is asked for metadata
 * first (topic, or every topic when NULL), so an unreachable broker or an
 * unknown topic gets its own clear message. */
typedef void (*send_fn)(rd_kafka_t *rk, void *obj, const rd_kafka_AdminOptions_t *o,
                        rd_kafka_queue_t *q);
typedef int (*done_fn)(rd_kafka_event_t *ev);

static int admin(lh_topic_cli_t *cl, const char *topic, rd_kafka_admin_op_t op, send_fn send,
                 void *obj, done_fn done, const char *verb)
{
    const struct rd_kafka_metadata *md;
    char why[512];
    rd_kafka_event_t *ev;
    rd_kafka_t *rk = lh__topic_client(cl);
    if (!rk) return 1;
    int rc = lh__topic_metadata(cl, rk, topic, &md);
    if (rc == 0) {
        rd_kafka_metadata_destroy(md);
        rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
        rd_kafka_AdminOptions_t *o = lh__topic_admin_options(cl, rk, op);
        send(rk, obj, o, q);
        if (lh__topic_admin_wait(cl, q, &ev, why, sizeof why) == 0) {
            rc = done(ev);
            rd_kafka_event_destroy(ev);
        } else {
            fprintf(stderr, "lakehouse: cannot %s topic %s at %s: %s\n", verb, cl->topic,
                    cl->bootstrap, why);
            rc = 1;
        }
        rd_kafka_AdminOptions_destroy(o);
        rd_kafka_queue_destroy(q);
    }
    rd_kafka_destroy(rk);
    return rc;
}

static void send_create(rd_kafka_t *rk, void *obj, const rd_kafka_AdminOptions_t *o,
                        rd_kafka_queue_t *q)
{
    rd_kafka_NewTopic_t *nt = obj;
    rd_kafka_CreateTopics(rk, &nt, 1, o, q);
}

static int created(rd_kafka_event_t *ev)
{
    size_t n;
    const rd_kafka_topic_result_t **r =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    return topic_result("create", r, n);
}

int lh__topic_create(lh_topic_cli_t *cl)
{
    rd_kafka_NewTopic_t *nt = new_topic(cl);
    if (!nt) return 2;
    int rc = admin(cl, NULL, RD_KAFKA_ADMIN_OP_CREATETOPICS, send_create, nt, created, "create");
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}

static void send_delete(rd_kafka_t *rk, void *obj, const rd_kafka_AdminOptions_t *o,
                        rd_kafka_queue_t *q)
{
    rd_kafka_DeleteTopic_t *dt = obj;
    rd_kafka_DeleteTopics(rk, &dt, 1, o, q);
}

static int deleted(rd_kafka_event_t *ev)
{
    size_t n;
    const rd_kafka_topic_result_t **r =
        rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
    return topic_result("delete", r, n);
}

int lh__topic_delete(lh_topic_cli_t *cl)
{
    rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(cl->topic);
    int rc =
        admin(cl, cl->topic, RD_KAFKA_ADMIN_OP_DELETETOPICS, send_delete, dt, deleted, "delete");
    rd_kafka_DeleteTopic_destroy(dt);
    return rc;
}

/* --- configs --- */

static int by_name(const void *a, const void *b)
{
    return strcmp(rd_kafka_ConfigEntry_name(*(const rd_kafka_ConfigEntry_t *const *)a),
                  rd_kafka_ConfigEntry_name(*(const rd_kafka_ConfigEntry_t *const *)b));
}

static json_t *entries_json(const rd_kafka_ConfigResource_t *res)
{
    size_t n;
    const rd_kafka_ConfigEntry_t **c = rd_kafka_ConfigResource_configs(res, &n);
    const rd_kafka_ConfigEntry_t **s = malloc((n + 1) * sizeof *s);
    json_t *a = json_array();
    if (!s || !a) goto fail;
    memcpy(s, c, n * sizeof *s);
    qsort(s, n, sizeof *s, by_name);
    for (size_t i = 0; i < n; i++) {
        const char *v = rd_kafka_ConfigEntry_value(s[i]);
        json_t *o =
            json_pack("{s:s, s:o, s:s, s:b, s:b, s:b}", "name", rd_kafka_ConfigEntry_name(s[i]),
                      "value", v ? json_string(v) : json_null(), "source",
                      rd_kafka_ConfigSource_name(rd_kafka_ConfigEntry_source(s[i])), "default",
                      rd_kafka_ConfigEntry_is_default(s[i]), "read_only",
                      rd_kafka_ConfigEntry_is_read_only(s[i]), "sensitive",
                      rd_kafka_ConfigEntry_is_sensitive(s[i]));
        if (!o || json_array_append_new(a, o)) goto fail;
    }
    free(s);
    return a;
fail:
    free(s);
    json_decref(a);
    return NULL;
}

json_t *lh__topic_configs(lh_topic_cli_t *cl, rd_kafka_t *rk, char *why, size_t cap)
{
    rd_kafka_ConfigResource_t *res =
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, cl->topic);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o = lh__topic_admin_options(cl, rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_event_t *ev = NULL;
    json_t *out = NULL;
    rd_kafka_DescribeConfigs(rk, &res, 1, o, q);
    if (lh__topic_admin_wait(cl, q, &ev, why, cap) == 0) {
        size_t n;
        const rd_kafka_ConfigResource_t **r = rd_kafka_DescribeConfigs_result_resources(
            rd_kafka_event_DescribeConfigs_result(ev), &n);
        rd_kafka_resp_err_t e =
            n < 1 ? RD_KAFKA_RESP_ERR__BAD_MSG : rd_kafka_ConfigResource_error(r[0]);
        if (e)
            snprintf(why, cap, "%s",
                     n >= 1 && rd_kafka_ConfigResource_error_string(r[0])
                         ? rd_kafka_ConfigResource_error_string(r[0])
                         : rd_kafka_err2str(e));
        else if (!(out = entries_json(r[0])))
            snprintf(why, cap, "out of memory");
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    rd_kafka_ConfigResource_destroy(res);
    return out;
}
