/* ListOffsets (1-3) and InitProducerId (0-1). ListOffsets answers -2
 * (earliest: the log start), -1 (latest: the high watermark, which is also
 * the last stable offset) and a timestamp T: the first offset, in offset
 * order, whose record timestamp is >= T (the time index narrows the scan,
 * then batches and records are read: CreateTimes arrive out of order), or
 * -1 when no record is that late yet. InitProducerId hands out producer ids
 * for idempotent producers (no transactions: a transactional id is
 * refused); ids start from the broker's start time in milliseconds times
 * 1000, so a restarted broker does not hand an id out twice. */
#include "stream/broker_int.h"

static void list_partition(lh_kreq_t *q, lh_sb_topic_t *t, int tkerr)
{
    lh_kr_t *r = &q->in;
    int32_t idx = lh_kr_i32(r);
    int64_t ts = lh_kr_i64(r), found_ts = -1, off = -1;
    lh_sb_part_t *p = lh__sb_part(t, idx);
    int kerr = tkerr ? tkerr : p ? 0 : LH_KERR_UNKNOWN_TOPIC_OR_PARTITION;
    lh_err_t err = {0};
    if (kerr || r->err) {
    } else if (ts == -1) {
        off = lh_stream_log_high_watermark(p->log);
    } else if (ts == -2) {
        off = lh_stream_log_start(p->log);
    } else if (ts < 0) {
        kerr = LH_KERR_INVALID_REQUEST;
    } else if (lh_stream_log_offset_for_time(p->log, ts, &off, &found_ts, &err)) {
        kerr = LH_KERR_UNKNOWN_SERVER_ERROR;
    }
    lh_buf_t *o = &q->out;
    lh_kw_i32(o, idx);
    lh_kw_i16(o, (int16_t)kerr);
    lh_kw_i64(o, kerr ? -1 : found_ts);
    lh_kw_i64(o, kerr ? -1 : off);
}

void lh__k_list_offsets(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    lh_kr_i32(r); /* replica id */
    if (q->version >= 2) lh_kr_i8(r);
    int32_t nt = lh_kr_array(r, false, false);
    if (q->version >= 2) lh_kw_i32(&q->out, 0); /* throttle */
    lh_kw_array(&q->out, nt, false);
    for (int32_t i = 0; i < nt && !r->err; i++) {
        lh_str_t name = lh_kr_string(r, false, false, NULL);
        int32_t np = lh_kr_array(r, false, false);
        lh_sb_topic_t *t = lh__sb_topic_find(q->b, name);
        lh_kw_string(&q->out, name, false);
        lh_kw_array(&q->out, np, false);
        for (int32_t j = 0; j < np && !r->err; j++)
            list_partition(q, t, t ? 0 : LH_KERR_UNKNOWN_TOPIC_OR_PARTITION);
    }
    if (r->err) return lh__kreq_fail(q, "malformed ListOffsets request");
    lh__kreq_reply(q);
}

void lh__k_init_producer_id(lh_kreq_t *q)
{
    bool null;
    lh_kr_string(&q->in, false, true, &null); /* transactional id */
    lh_kr_i32(&q->in);                        /* transaction timeout */
    if (q->in.err) return lh__kreq_fail(q, "malformed InitProducerId request");
    int kerr = !null                            ? 53 /* TRANSACTIONAL_ID_AUTHORIZATION_FAILED */
               : q->conn->role < LH_ROLE_WRITER ? LH_KERR_CLUSTER_AUTHORIZATION_FAILED
                                                : 0;
    lh_kw_i32(&q->out, 0); /* throttle */
    lh_kw_i16(&q->out, (int16_t)kerr);
    lh_kw_i64(&q->out, kerr ? -1 : q->b->next_producer_id++);
    lh_kw_i16(&q->out, kerr ? -1 : 0);
    lh__kreq_reply(q);
}
