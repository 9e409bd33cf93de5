/* ApiVersions (0-3) and Metadata (0-6): what a client asks first. Field
 * layouts per version follow apache/kafka's message schemas
 * (clients/src/main/resources/common/message/{ApiVersions,Metadata}*.json).
 * ApiVersions v3 is the only flexible body here; its response header stays v0
 * (kafka.c). Metadata names this one broker as every partition's leader and
 * as the controller (kafkajs sends admin requests to the controller), and
 * auto-creates the topics it is asked about when stream.auto_create_topics
 * allows it and the request does (v4+). */
#include <string.h>

#include "stream/broker_int.h"

#define CLUSTER_ID "lakehouse"

/* ClientSoftwareName/Version must match [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? */
static bool software_ok(lh_str_t s)
{
    if (s.len == 0) return false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        bool inner = c == '-' || c == '.';
        if (!alnum && (!inner || i == 0 || i == s.len - 1)) return false;
    }
    return true;
}

void lh__k_api_versions(lh_kreq_t *q)
{
    int16_t error = 0;
    bool flex = lh__kreq_flex(q);
    if (flex) {
        lh_str_t name = lh_kr_string(&q->in, true, false, NULL);
        lh_str_t ver = lh_kr_string(&q->in, true, false, NULL);
        lh_kr_tagged(&q->in);
        if (q->in.err) return lh__kreq_fail(q, "malformed ApiVersions request");
        if (!software_ok(name) || !software_ok(ver)) error = LH_KERR_INVALID_REQUEST;
    }
    lh_buf_t *o = &q->out;
    lh_kw_i16(o, error);
    lh_kw_array(o, lh__nkapis, flex);
    for (int i = 0; i < lh__nkapis; i++) {
        lh_kw_i16(o, lh__kapis[i].key);
        lh_kw_i16(o, lh__kapis[i].min);
        lh_kw_i16(o, lh__kapis[i].max);
        if (flex) lh_kw_tagged(o);
    }
    if (q->version >= 1) lh_kw_i32(o, 0); /* throttle */
    if (flex) lh_kw_tagged(o);
    lh__kreq_reply(q);
}

static void write_int32_array(lh_buf_t *o, int32_t v, int n)
{
    lh_kw_array(o, n, false);
    for (int i = 0; i < n; i++)
        lh_kw_i32(o, v);
}

static void write_topic(lh_kreq_t *q, lh_str_t name, const lh_sb_topic_t *t, int16_t error)
{
    lh_buf_t *o = &q->out;
    lh_kw_i16(o, error);
    lh_kw_string(o, name, false);
    if (q->version >= 1) lh_kw_i8(o, 0); /* is_internal */
    int n = t ? t->nparts : 0;
    lh_kw_array(o, n, false);
    for (int i = 0; i < n; i++) {
        lh_kw_i16(o, 0);
        lh_kw_i32(o, i);
        lh_kw_i32(o, q->b->o.node_id);                   /* leader */
        write_int32_array(o, q->b->o.node_id, 1);        /* replicas */
        write_int32_array(o, q->b->o.node_id, 1);        /* isr */
        if (q->version >= 5) write_int32_array(o, 0, 0); /* offline */
    }
}

static void write_brokers(lh_kreq_t *q)
{
    lh_buf_t *o = &q->out;
    const lh_sb_opts_t *bo = &q->b->o;
    if (q->version >= 3) lh_kw_i32(o, 0); /* throttle */
    lh_kw_array(o, 1, false);
    lh_kw_i32(o, bo->node_id);
    lh_kw_string(o, (lh_str_t){bo->host, strlen(bo->host)}, false);
    lh_kw_i32(o, bo->port);
    if (q->version >= 1) lh_kw_string(o, (lh_str_t){NULL, 0}, false); /* rack */
    if (q->version >= 2) lh_kw_string(o, LH_STR(CLUSTER_ID), false);
    if (q->version >= 1) lh_kw_i32(o, bo->node_id); /* controller */
}

void lh__k_metadata(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    int32_t n = lh_kr_array(r, false, q->version >= 1);
    /* the names stay views into the request: read them all first */
    lh_kr_t names = *r;
    for (int32_t i = 0; i < n; i++)
        lh_kr_string(r, false, false, NULL);
    bool allow = q->version >= 4 ? lh_kr_i8(r) != 0 : true;
    allow = allow && q->conn->role >= LH_ROLE_WRITER; /* creating takes a writer */
    if (r->err) return lh__kreq_fail(q, "malformed Metadata request");
    write_brokers(q);
    lh_sb_t *b = q->b;
    if (n < 0 || (n == 0 && q->version == 0)) { /* every topic */
        int live = 0;
        for (int i = 0; i < b->ntopics; i++)
            live += !b->topics[i]->deleted;
        lh_kw_array(&q->out, live, false);
        for (int i = 0; i < b->ntopics; i++) {
            lh_sb_topic_t *t = b->topics[i];
            if (!t->deleted) write_topic(q, (lh_str_t){t->name, strlen(t->name)}, t, 0);
        }
        return lh__kreq_reply(q);
    }
    lh_kw_array(&q->out, n, false);
    for (int32_t i = 0; i < n; i++) {
        lh_str_t name = lh_kr_string(&names, false, false, NULL);
        int kerr = 0;
        lh_sb_topic_t *t = lh__sb_topic_auto(b, name, allow, &kerr);
        write_topic(q, name, t, (int16_t)kerr);
    }
    lh__kreq_reply(q);
}
