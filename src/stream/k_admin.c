/* The admin APIs: CreateTopics (0-4), DeleteTopics (0-3), DescribeConfigs
 * (0-2) and CreatePartitions (0-1). Creating and deleting topics and adding
 * partitions takes the admin role (a per-topic TOPIC_AUTHORIZATION_FAILED
 * otherwise, as Kafka's ACLs answer). One broker: a replication factor
 * above 1 is refused as Kafka refuses it with too few brokers, and replica
 * assignments may only name this broker. DescribeConfigs lists every
 * config a topic (or the broker) has, with its source, defaults included,
 * since tools read-modify-write the whole list. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stream/broker_int.h"

#define INVALID_REPLICA_ASSIGNMENT 39
#define RESOURCE_TOPIC 2
#define RESOURCE_BROKER 4
#define SOURCE_TOPIC 1
#define SOURCE_STATIC_BROKER 4
#define SOURCE_DEFAULT 5

static void put_error(lh_kreq_t *q, int kerr, const lh_err_t *err, bool with_msg)
{
    lh_kw_i16(&q->out, (int16_t)kerr);
    if (!with_msg) return;
    if (kerr && err->msg[0])
        lh_kw_string(&q->out, (lh_str_t){err->msg, strlen(err->msg)}, false);
    else
        lh_kw_string(&q->out, (lh_str_t){NULL, 0}, false);
}

static bool is_admin(const lh_kreq_t *q)
{
    return q->conn->role >= LH_ROLE_ADMIN;
}

/* ---- CreateTopics ---- */

#define MAX_CONFIGS 64

/* Reads the assignments; returns their count, or -1 when one names another
 * broker. */
static int32_t read_assignments(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    int32_t n = lh_kr_array(r, false, false), bad = 0;
    for (int32_t i = 0; i < n && !r->err; i++) {
        lh_kr_i32(r);
        int32_t nb = lh_kr_array(r, false, false);
        for (int32_t j = 0; j < nb && !r->err; j++)
            bad |= lh_kr_i32(r) != q->b->o.node_id;
        bad |= nb != 1;
    }
    return bad ? -1 : n;
}

static int create_one(lh_kreq_t *q, bool validate_only, lh_err_t *err)
{
    lh_kr_t *r = &q->in;
    lh_str_t name = lh_kr_string(r, false, false, NULL);
    int32_t np = lh_kr_i32(r);
    int16_t rf = lh_kr_i16(r);
    int32_t nassign = read_assignments(q);
    int32_t nc = lh_kr_array(r, false, false);
    lh_str_t keys[MAX_CONFIGS], vals[MAX_CONFIGS];
    for (int32_t i = 0; i < nc && !r->err; i++) {
        lh_str_t k = lh_kr_string(r, false, false, NULL);
        lh_str_t v = lh_kr_string(r, false, true, NULL);
        if (i < MAX_CONFIGS) keys[i] = k, vals[i] = v;
    }
    lh_kw_string(&q->out, name, false);
    if (r->err) return 0;
    int kerr = 0;
    if (!is_admin(q)) {
        kerr = LH_KERR_TOPIC_AUTHORIZATION_FAILED;
        lh_err_set(err, LH_EPERM, "creating topics takes the admin role");
    } else if (rf > 1) {
        kerr = LH_KERR_INVALID_REPLICATION_FACTOR;
        lh_err_set(err, LH_EINVAL, "replication factor: %d larger than available brokers: 1", rf);
    } else if (nassign < 0) {
        kerr = INVALID_REPLICA_ASSIGNMENT;
        lh_err_set(err, LH_EINVAL, "replica assignments may only name broker %d",
                   (int)q->b->o.node_id);
    } else if (nc > MAX_CONFIGS) {
        kerr = LH_KERR_INVALID_CONFIG;
        lh_err_set(err, LH_EINVAL, "more than %d configs", MAX_CONFIGS);
    } else {
        if (nassign > 0) np = nassign;
        if (np == -1) np = q->b->o.default_partitions;
        if (validate_only) {
            if (lh__sb_topic_find(q->b, name))
                kerr = LH_KERR_TOPIC_ALREADY_EXISTS;
            else if (!lh__sb_topic_name_ok(name))
                kerr = LH_KERR_INVALID_TOPIC;
            else if (np < 1)
                kerr = LH_KERR_INVALID_PARTITIONS;
            if (kerr) lh_err_set(err, LH_EINVAL, "topic cannot be created");
        } else {
            kerr = lh__sb_topic_create(q->b, name, np, keys, vals, nc, NULL, err);
        }
    }
    put_error(q, kerr, err, q->version >= 1);
    return 0;
}

void lh__k_create_topics(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    int32_t n = lh_kr_array(r, false, false);
    /* validate_only sits after the topics: find it first on a copy */
    lh_kr_t scan = *r;
    if (q->version >= 2) lh_kw_i32(&q->out, 0); /* throttle */
    lh_kw_array(&q->out, n, false);
    for (int32_t i = 0; i < n && !scan.err; i++) {
        lh_kr_string(&scan, false, false, NULL);
        lh_kr_i32(&scan);
        lh_kr_i16(&scan);
        int32_t na = lh_kr_array(&scan, false, false);
        for (int32_t j = 0; j < na && !scan.err; j++) {
            lh_kr_i32(&scan);
            int32_t nb = lh_kr_array(&scan, false, false);
            for (int32_t k = 0; k < nb; k++)
                lh_kr_i32(&scan);
        }
        int32_t nc = lh_kr_array(&scan, false, false);
        for (int32_t j = 0; j < nc && !scan.err; j++) {
            lh_kr_string(&scan, false, false, NULL);
            lh_kr_string(&scan, false, true, NULL);
        }
    }
    lh_kr_i32(&scan); /* timeout */
    bool validate_only = q->version >= 1 && lh_kr_i8(&scan);
    if (scan.err) return lh__kreq_fail(q, "malformed CreateTopics request");
    for (int32_t i = 0; i < n; i++) {
        lh_err_t err = {0};
        create_one(q, validate_only, &err);
    }
    lh__kreq_reply(q);
}

/* ---- DeleteTopics ---- */

void lh__k_delete_topics(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    int32_t n = lh_kr_array(r, false, false);
    lh_kr_t names = *r;
    for (int32_t i = 0; i < n; i++)
        lh_kr_string(r, false, false, NULL);
    lh_kr_i32(r);
    if (r->err) return lh__kreq_fail(q, "malformed DeleteTopics request");
    if (q->version >= 1) lh_kw_i32(&q->out, 0); /* throttle */
    lh_kw_array(&q->out, n, false);
    for (int32_t i = 0; i < n; i++) {
        lh_str_t name = lh_kr_string(&names, false, false, NULL);
        lh_sb_topic_t *t = lh__sb_topic_find(q->b, name);
        lh_err_t err = {0};
        int kerr = !is_admin(q) ? LH_KERR_TOPIC_AUTHORIZATION_FAILED
                   : !t         ? LH_KERR_UNKNOWN_TOPIC_OR_PARTITION
                                : lh__sb_topic_delete(q->b, t, &err);
        if (!kerr && q->b->on_topic_deleted) q->b->on_topic_deleted(q->b, name);
        lh_kw_string(&q->out, name, false);
        lh_kw_i16(&q->out, (int16_t)kerr);
    }
    lh__kreq_reply(q);
}

/* ---- CreatePartitions ---- */

void lh__k_create_partitions(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    int32_t n = lh_kr_array(r, false, false);
    lh_kr_t scan = *r;
    for (int32_t i = 0; i < n && !scan.err; i++) {
        lh_kr_string(&scan, false, false, NULL);
        lh_kr_i32(&scan);
        int32_t na = lh_kr_array(&scan, false, true);
        for (int32_t j = 0; j < na && !scan.err; j++) {
            int32_t nb = lh_kr_array(&scan, false, false);
            for (int32_t k = 0; k < nb; k++)
                lh_kr_i32(&scan);
        }
    }
    lh_kr_i32(&scan);
    bool validate_only = lh_kr_i8(&scan) != 0;
    if (scan.err) return lh__kreq_fail(q, "malformed CreatePartitions request");
    lh_kw_i32(&q->out, 0); /* throttle */
    lh_kw_array(&q->out, n, false);
    for (int32_t i = 0; i < n; i++) {
        lh_str_t name = lh_kr_string(r, false, false, NULL);
        int32_t count = lh_kr_i32(r);
        int32_t na = lh_kr_array(r, false, true);
        for (int32_t j = 0; j < na; j++) {
            int32_t nb = lh_kr_array(r, false, false);
            for (int32_t k = 0; k < nb; k++)
                lh_kr_i32(r);
        }
        lh_sb_topic_t *t = lh__sb_topic_find(q->b, name);
        lh_err_t err = {0};
        int kerr = 0;
        if (!is_admin(q)) {
            kerr = LH_KERR_TOPIC_AUTHORIZATION_FAILED;
            lh_err_set(&err, LH_EPERM, "adding partitions takes the admin role");
        } else if (!t) {
            kerr = LH_KERR_UNKNOWN_TOPIC_OR_PARTITION;
            lh_err_set(&err, LH_ENOENT, "topic does not exist");
        } else if (validate_only) {
            if (count <= t->nparts) {
                kerr = LH_KERR_INVALID_PARTITIONS;
                lh_err_set(&err, LH_EINVAL, "topic currently has %d partitions", (int)t->nparts);
            }
        } else {
            kerr = lh__sb_topic_grow(q->b, t, count, &err);
        }
        lh_kw_string(&q->out, name, false);
        put_error(q, kerr, &err, true);
    }
    lh__kreq_reply(q);
}

/* ---- DescribeConfigs ---- */

typedef struct {
    const char *name;
    char value[64];
    int8_t source;
    bool read_only;
} conf_t;

/* Appends one config to c[*n]: its value printed with fmt. */
__attribute__((format(printf, 6, 7))) static void
add(conf_t *c, int *n, const char *name, int8_t source, bool read_only, const char *fmt, ...)
{
    c[*n] = (conf_t){.name = name, .source = source, .read_only = read_only};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c[*n].value, sizeof c->value, fmt, ap);
    va_end(ap);
    (*n)++;
}

static int topic_configs(const lh_sb_t *b, const lh_sb_topic_t *t, conf_t *c)
{
    int n = 0;
    for (int i = 0; i < LH_SB_NCONF; i++) {
        /* the compression configs default to Kafka's, the others to stream.* keys */
        int8_t src = t->set[i]                     ? SOURCE_TOPIC
                     : i >= LH_SB_COMPRESSION_TYPE ? SOURCE_DEFAULT
                                                   : SOURCE_STATIC_BROKER;
        if (i == LH_SB_COMPRESSION_TYPE)
            add(c, &n, lh__sb_conf_names[i], src, false, "%s",
                lh__sb_codec_name(lh__sb_topic_conf(b, t, i)));
        else
            add(c, &n, lh__sb_conf_names[i], src, false, "%lld",
                (long long)lh__sb_topic_conf(b, t, i));
    }
    static const char *const fixed[][2] = {
        {"cleanup.policy", "delete"},
        {"message.timestamp.type", "CreateTime"},
        {"min.insync.replicas", "1"},
        {"message.format.version", "3.0-IV1"},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        add(c, &n, fixed[i][0], SOURCE_DEFAULT, true, "%s", fixed[i][1]);
    return n;
}

static int broker_configs(const lh_sb_t *b, conf_t *c)
{
    const lh_sb_opts_t *o = &b->o;
    int n = 0;
    add(c, &n, "broker.id", SOURCE_STATIC_BROKER, true, "%d", (int)o->node_id);
    add(c, &n, "num.partitions", SOURCE_STATIC_BROKER, true, "%d", (int)o->default_partitions);
    add(c, &n, "auto.create.topics.enable", SOURCE_STATIC_BROKER, true, "%s",
        o->auto_create ? "true" : "false");
    add(c, &n, "log.retention.ms", SOURCE_STATIC_BROKER, true, "%lld",
        (long long)o->topic.v[LH_SB_RETENTION_MS]);
    add(c, &n, "log.segment.bytes", SOURCE_STATIC_BROKER, true, "%lld",
        (long long)o->topic.v[LH_SB_SEGMENT_BYTES]);
    add(c, &n, "advertised.listeners", SOURCE_STATIC_BROKER, true, "PLAINTEXT://%.40s:%d", o->host,
        (int)o->port);
    return n;
}

static bool wanted(lh_kr_t keys, int32_t nk, const char *name)
{
    if (nk < 0) return true;
    for (int32_t i = 0; i < nk; i++)
        if (lh_str_eq(lh_kr_string(&keys, false, false, NULL), name)) return true;
    return false;
}

static void describe_one(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    int8_t type = lh_kr_i8(r);
    lh_str_t name = lh_kr_string(r, false, false, NULL);
    int32_t nk = lh_kr_array(r, false, true);
    lh_kr_t keys = *r;
    for (int32_t i = 0; i < nk; i++)
        lh_kr_string(r, false, false, NULL);
    conf_t c[16];
    int n = 0, kerr = 0;
    lh_sb_topic_t *t = type == RESOURCE_TOPIC ? lh__sb_topic_find(q->b, name) : NULL;
    char id[16];
    snprintf(id, sizeof id, "%d", (int)q->b->o.node_id);
    if (type == RESOURCE_TOPIC && t)
        n = topic_configs(q->b, t, c);
    else if (type == RESOURCE_BROKER && (name.len == 0 || lh_str_eq(name, id)))
        n = broker_configs(q->b, c);
    else
        kerr =
            type == RESOURCE_TOPIC ? LH_KERR_UNKNOWN_TOPIC_OR_PARTITION : LH_KERR_INVALID_REQUEST;
    lh_buf_t *o = &q->out;
    lh_kw_i16(o, (int16_t)kerr);
    lh_kw_string(o, kerr ? LH_STR("unknown resource") : (lh_str_t){NULL, 0}, false);
    lh_kw_i8(o, type);
    lh_kw_string(o, name, false);
    int shown = 0;
    for (int i = 0; i < n; i++)
        shown += wanted(keys, nk, c[i].name);
    lh_kw_array(o, shown, false);
    for (int i = 0; i < n; i++) {
        if (!wanted(keys, nk, c[i].name)) continue;
        lh_kw_string(o, (lh_str_t){c[i].name, strlen(c[i].name)}, false);
        lh_kw_string(o, (lh_str_t){c[i].value, strlen(c[i].value)}, false);
        lh_kw_i8(o, c[i].read_only);
        if (q->version == 0)
            lh_kw_i8(o, c[i].source == SOURCE_DEFAULT);
        else
            lh_kw_i8(o, c[i].source);
        lh_kw_i8(o, 0);                                /* sensitive */
        if (q->version >= 1) lh_kw_array(o, 0, false); /* synonyms */
    }
}

void lh__k_describe_configs(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    int32_t n = lh_kr_array(r, false, false);
    lh_kw_i32(&q->out, 0); /* throttle */
    lh_kw_array(&q->out, n, false);
    for (int32_t i = 0; i < n && !r->err; i++)
        describe_one(q);
    if (q->version >= 1) lh_kr_i8(r); /* include synonyms */
    if (r->err) return lh__kreq_fail(q, "malformed DescribeConfigs request");
    lh__kreq_reply(q);
}
