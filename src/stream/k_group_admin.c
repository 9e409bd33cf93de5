/* DeleteGroups (0-1) and OffsetDelete (0) over the coordinator (group.h),
 * layouts from apache/kafka's message schemas (neither flexible at these
 * versions). Both change state, so they need the writer role when SASL is
 * on (GROUP_AUTHORIZATION_FAILED otherwise); a partition of a topic that
 * does not exist gets UNKNOWN_TOPIC_OR_PARTITION, as Kafka answers. */
#include <stdlib.h>

#include "stream/broker_int.h"

void lh__k_delete_groups(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    int32_t n = lh_kr_array(r, false, false);
    lh_kw_i32(&q->out, 0); /* throttle */
    lh_kw_array(&q->out, n, false);
    for (int32_t i = 0; i < n && !r->err; i++) {
        lh_str_t id = lh_kr_string(r, false, false, NULL);
        if (r->err) break;
        int16_t e = q->conn->role < LH_ROLE_WRITER ? LH_KERR_GROUP_AUTHORIZATION_FAILED
                                                   : lh_stream_groups_delete(q->b->groups, id);
        lh_kw_string(&q->out, id, false);
        lh_kw_i16(&q->out, e);
    }
    if (r->err) return lh__kreq_fail(q, "malformed DeleteGroups request");
    lh__kreq_reply(q);
}

typedef struct {
    lh_str_t name;
    int32_t n;
} dtopic_t;

/* The request's partitions (unknown ones refused here), topics in t. */
static lh_stream_offset_delete_t *read_deletes(lh_kreq_t *q, int32_t nt, dtopic_t *t, int *total)
{
    lh_kr_t *r = &q->in, again = *r;
    int n = 0;
    for (int32_t i = 0; i < nt && !r->err; i++) { /* count first */
        lh_kr_string(r, false, false, NULL);
        int32_t np = lh_kr_array(r, false, false);
        for (int32_t j = 0; j < np && !r->err; j++)
            lh_kr_i32(r);
        n += np;
    }
    lh_stream_offset_delete_t *p = r->err ? NULL : calloc((size_t)(n > 0 ? n : 1), sizeof *p);
    if (!p) return NULL;
    *r = again;
    for (int32_t i = 0, k = 0; i < nt; i++) {
        t[i].name = lh_kr_string(r, false, false, NULL);
        t[i].n = lh_kr_array(r, false, false);
        lh_sb_topic_t *topic = lh__sb_topic_find(q->b, t[i].name);
        for (int32_t j = 0; j < t[i].n; j++, k++) {
            p[k].topic = t[i].name;
            p[k].partition = lh_kr_i32(r);
            if (!topic || !lh__sb_part(topic, p[k].partition))
                p[k].error = LH_KERR_UNKNOWN_TOPIC_OR_PARTITION;
        }
    }
    *total = n;
    return p;
}

/* The partitions the coordinator is asked about: those not refused. */
static int16_t delete_known(lh_kreq_t *q, lh_str_t group, lh_stream_offset_delete_t *p, int n)
{
    lh_stream_offset_delete_t *ask = calloc((size_t)(n > 0 ? n : 1), sizeof *ask);
    if (!ask) return LH_KERR_UNKNOWN_SERVER_ERROR;
    int k = 0;
    for (int i = 0; i < n; i++)
        if (!p[i].error) ask[k++] = p[i];
    int16_t e = lh_stream_groups_delete_offsets(q->b->groups, group, ask, k);
    for (int i = 0, j = 0; i < n; i++)
        if (!p[i].error) p[i].error = ask[j++].error;
    free(ask);
    return e;
}

void lh__k_offset_delete(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    lh_str_t group = lh_kr_string(r, false, false, NULL);
    int32_t nt = lh_kr_array(r, false, false);
    dtopic_t *t = r->err ? NULL : calloc((size_t)(nt > 0 ? nt : 1), sizeof *t);
    int n = 0;
    lh_stream_offset_delete_t *p = t ? read_deletes(q, nt, t, &n) : NULL;
    if (!p || r->err) {
        free(t), free(p);
        return lh__kreq_fail(q, "malformed OffsetDelete request");
    }
    int16_t e = q->conn->role < LH_ROLE_WRITER ? LH_KERR_GROUP_AUTHORIZATION_FAILED
                                               : delete_known(q, group, p, n);
    lh_buf_t *o = &q->out;
    lh_kw_i16(o, e);
    lh_kw_i32(o, 0); /* throttle */
    lh_kw_array(o, e ? 0 : nt, false);
    for (int32_t i = 0, k = 0; !e && i < nt; i++) {
        lh_kw_string(o, t[i].name, false);
        lh_kw_array(o, t[i].n, false);
        for (int32_t j = 0; j < t[i].n; j++, k++) {
            lh_kw_i32(o, p[k].partition);
            lh_kw_i16(o, p[k].error);
        }
    }
    free(t), free(p);
    lh__kreq_reply(q);
}
