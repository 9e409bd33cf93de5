/* `topic create` and `topic delete` (CreateTopics, DeleteTopics) and the
 * configs `topic describe` shows (DescribeConfigs), through librdkafka's
 * admin API: one request on a private queue, its result event read back,
 * the broker's per-topic error turned into our message. */
#include <stdlib.h>
#include <string.h>

#include "cmd/topic_int.h"

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

/* --- create and delete: one table row each --- */

typedef const rd_kafka_topic_result_t **(*results_fn)(rd_kafka_event_t *ev, size_t *n);

typedef struct {
    rd_kafka_admin_op_t op;
    const char *verb;
    void (*send)(rd_kafka_t *rk, void *obj, const rd_kafka_AdminOptions_t *o, rd_kafka_queue_t *q);
    results_fn results;
    rd_kafka_resp_err_t benign; /* the outcome --if-exists / --if-not-exists accept */
    int must_exist;             /* the topic's state that makes the request worth sending */
} admin_op_t;

/* Prints the outcome for one topic; 0, or 1 for an error. */
static int outcome(const lh_topic_cli_t *cl, const admin_op_t *a, const char *name,
                   rd_kafka_resp_err_t e, const char *msg)
{
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
        printf("%sd topic %s\n", a->verb, name);
        return 0;
    }
    if (e == a->benign && cl->lenient) {
        printf("topic %s %s\n", name,
               e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS ? "already exists" : "does not exist");
        return 0;
    }
    if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        fprintf(stderr, "lakehouse: unknown topic %s\n", name);
    else if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        fprintf(stderr, "lakehouse: cannot %s topic %s: it already exists\n", a->verb, name);
    else
        fprintf(stderr, "lakehouse: cannot %s topic %s: %s (%s)\n", a->verb, name,
                msg && *msg ? msg : rd_kafka_err2str(e), rd_kafka_err2name(e));
    return 1;
}

static int exists(const struct rd_kafka_metadata *md, const char *topic)
{
    for (int i = 0; i < md->topic_cnt; i++)
        if (!strcmp(md->topics[i].topic, topic))
            return md->topics[i].err != RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    return 0;
}

/* Sends the request and reads its result event; 0 or 1 after printing. */
static int request(lh_topic_cli_t *cl, rd_kafka_t *rk, const admin_op_t *a, void *obj)
{
    char why[512];
    rd_kafka_event_t *ev;
    size_t n = 0;
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t *o = lh__topic_admin_options(cl, rk, a->op);
    int rc = 0;
    a->send(rk, obj, o, q);
    if (lh__topic_admin_wait(cl, q, &ev, why, sizeof why) == 0) {
        const rd_kafka_topic_result_t **r = a->results(ev, &n);
        for (size_t i = 0; i < n; i++)
            rc |=
                outcome(cl, a, rd_kafka_topic_result_name(r[i]), rd_kafka_topic_result_error(r[i]),
                        rd_kafka_topic_result_error_string(r[i]));
        rd_kafka_event_destroy(ev);
    } else {
        fprintf(stderr, "lakehouse: cannot %s topic %s at %s: %s\n", a->verb, cl->topic,
                cl->bootstrap, why);
        rc = 1;
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_queue_destroy(q);
    return rc;
}

/* The cluster's metadata first, so an unreachable broker gets its own
 * message and a topic already in the wanted state is answered without a
 * request; then the request. */
static int admin(lh_topic_cli_t *cl, const admin_op_t *a, void *obj)
{
    const struct rd_kafka_metadata *md;
    rd_kafka_t *rk = lh__topic_client(cl);
    if (!rk) return 1;
    int rc = lh__topic_metadata(cl, rk, NULL, &md);
    if (rc == 0) {
        int state = exists(md, cl->topic);
        rd_kafka_metadata_destroy(md);
        rc = state == a->must_exist ? request(cl, rk, a, obj)
                                    : outcome(cl, a, cl->topic, a->benign, NULL);
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

static const rd_kafka_topic_result_t **created(rd_kafka_event_t *ev, size_t *n)
{
    return rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), n);
}

static void send_delete(rd_kafka_t *rk, void *obj, const rd_kafka_AdminOptions_t *o,
                        rd_kafka_queue_t *q)
{
    rd_kafka_DeleteTopic_t *dt = obj;
    rd_kafka_DeleteTopics(rk, &dt, 1, o, q);
}

static const rd_kafka_topic_result_t **deleted(rd_kafka_event_t *ev, size_t *n)
{
    return rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), n);
}

static const admin_op_t create_op = {.op = RD_KAFKA_ADMIN_OP_CREATETOPICS,
                                     .verb = "create",
                                     .send = send_create,
                                     .results = created,
                                     .benign = RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS,
                                     .must_exist = 0};
static const admin_op_t delete_op = {.op = RD_KAFKA_ADMIN_OP_DELETETOPICS,
                                     .verb = "delete",
                                     .send = send_delete,
                                     .results = deleted,
                                     .benign = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                                     .must_exist = 1};

int lh__topic_create(lh_topic_cli_t *cl)
{
    rd_kafka_NewTopic_t *nt = new_topic(cl);
    if (!nt) return 2;
    int rc = admin(cl, &create_op, nt);
    rd_kafka_NewTopic_destroy(nt);
    return rc;
}

int lh__topic_delete(lh_topic_cli_t *cl)
{
    rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(cl->topic);
    int rc = admin(cl, &delete_op, dt);
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
