/* Produce (3-7): every partition's record batches are checked (CRC-32C,
 * header, records walked and decompressed as Kafka's LogValidator does: in
 * the log) and appended with their offsets assigned in place, compressed
 * batches stored as they came. acks=0 gets no answer (an error closes the
 * connection instead, as Kafka does); acks=1 is answered after the append
 * (page cache); acks=all with stream.flush_interval 0 after the fsync that
 * covers it (the partition's group commit, part.c), any other flush policy
 * after the append. Idempotent batches go through idem.c first. */
#include <stdlib.h>
#include <string.h>

#include "stream/broker_int.h"
#include "stream/idem.h"
#include "stream/stream_int.h"

#define KAFKA_STORAGE_ERROR 56

/* An acks=all partition waiting for its fsync. */
typedef struct {
    lh_sb_waiter_t w;
    lh_sb_part_t *p;
    size_t err_at; /* its ErrorCode's position in the response */
    struct produce_wait *pw;
} pwait_t;

typedef struct produce_wait {
    lh_kreq_t *q;
    int n, pending;
    pwait_t *v;
} produce_wait_t;

static int kafka_error(int rc)
{
    switch (rc) {
    case LH_ETOOBIG:
        return LH_KERR_MESSAGE_TOO_LARGE;
    case LH_EINVAL:
        return LH_KERR_UNSUPPORTED_COMPRESSION_TYPE;
    case LH_EIO:
        return KAFKA_STORAGE_ERROR;
    case LH_ENOMEM:
        return LH_KERR_UNKNOWN_SERVER_ERROR;
    default:
        return LH_KERR_CORRUPT_MESSAGE;
    }
}

/* Why a produce at this version may not carry batch b (0 if it may). */
static int batch_refused(const lh_kreq_t *q, const lh_stream_batch_t *b)
{
    if ((b->attributes & LH_STREAM_ATTR_CODEC_MASK) == LH_STREAM_CODEC_ZSTD && q->version < 7)
        return LH_KERR_UNSUPPORTED_COMPRESSION_TYPE;
    if (b->attributes & LH_STREAM_ATTR_TRANSACTIONAL) return LH_KERR_INVALID_TXN_STATE;
    return 0;
}

/* Appends the batches in records (n bytes, modified in place: base offsets).
 * Returns a Kafka error; *first gets the first batch's offset. */
static int append_all(lh_kreq_t *q, lh_sb_part_t *p, uint8_t *rec, size_t n, int64_t *first)
{
    lh_err_t err = {0};
    *first = -1;
    if (n >= 17 && rec[16] != 2) return LH_KERR_UNSUPPORTED_FOR_MESSAGE_FORMAT;
    while (n > 0) {
        lh_stream_batch_t b;
        int64_t base = -1, dup = -1;
        int rc = lh_stream_batch_parse(rec, n, (size_t)INT32_MAX, &b, &err);
        int kerr = rc ? kafka_error(rc) : batch_refused(q, &b);
        if (!kerr && b.producer_id >= 0) kerr = lh__sb_idem_check(p, &b, &dup);
        if (kerr) return kerr;
        if (dup >= 0) {
            base = dup;
        } else {
            /* a topic's compression.type other than producer: its codec,
               where the producer's is another (Kafka's LogValidator too) */
            int codec = (int)lh__sb_topic_conf(q->b, p->topic, LH_SB_COMPRESSION_TYPE);
            if (codec != LH_SB_PRODUCER_CODEC &&
                codec != (b.attributes & LH_STREAM_ATTR_CODEC_MASK)) {
                lh_buf_t *z = &q->b->zbuf;
                int level = codec == LH_STREAM_CODEC_ZSTD
                                ? (int)lh__sb_topic_conf(q->b, p->topic, LH_SB_ZSTD_LEVEL)
                            : codec == LH_STREAM_CODEC_GZIP ? -1
                                                            : 0;
                /* the batch as sent is held to max.message.bytes before any
                   work, as Kafka does, and so is the one stored (the log's
                   append); the scratch buffer has room for a compressor's
                   bound on what a batch may hold */
                size_t max = (size_t)lh__sb_topic_conf(q->b, p->topic, LH_SB_MAX_MESSAGE_BYTES);
                z->max = LH__STREAM_MAX_PLAIN + ((size_t)1 << 20);
                rc = b.size > max ? lh_stream_batch_too_big(b.size, max, &err)
                                  : lh_stream_batch_recompress(rec, b.size, LH__STREAM_MAX_PLAIN,
                                                               codec, level, z, &err);
                if (!rc) rc = lh_stream_log_append_walked(p->log, z->ptr, z->len, 0, &base, &err);
            } else {
                rc = lh_stream_log_append(p->log, rec, b.size, 0, &base, &err);
            }
            if (rc) return kafka_error(rc);
            if (b.producer_id >= 0) lh__sb_idem_record(p, &b, base);
            p->in_bytes += b.size;
            p->in_records += (uint64_t)b.count;
        }
        if (*first < 0) *first = base;
        rec += b.size;
        n -= b.size;
    }
    return 0;
}

static void pw_free(produce_wait_t *pw)
{
    free(pw->v);
    free(pw);
}

static void on_durable(lh_sb_waiter_t *w, int ok)
{
    pwait_t *e = (pwait_t *)w;
    produce_wait_t *pw = e->pw;
    if (!ok) lh_kw_patch_i16(&pw->q->out, e->err_at, KAFKA_STORAGE_ERROR);
    e->p = NULL;
    if (--pw->pending == 0) {
        lh_kreq_t *q = pw->q;
        pw_free(pw);
        q->state = NULL;
        lh__kreq_reply(q);
    }
}

static void cancel_produce(lh_kreq_t *q)
{
    produce_wait_t *pw = q->state;
    for (int i = 0; i < pw->n; i++)
        if (pw->v[i].p) lh__sb_part_unwait(pw->v[i].p, &pw->v[i].w);
    pw_free(pw);
    q->state = NULL;
    lh__kreq_drop(q);
}

/* Registers a wait for p's offsets below need (acks=all). */
static int add_wait(produce_wait_t *pw, lh_sb_part_t *p, int64_t need, size_t err_at)
{
    if (pw->n % 8 == 0) {
        pwait_t *v = realloc(pw->v, (size_t)(pw->n + 8) * sizeof *v);
        if (!v) return LH_ENOMEM;
        pw->v = v;
    }
    pw->v[pw->n++] = (pwait_t){.w = {.need = need, .wake = on_durable}, .p = p, .err_at = err_at};
    return 0;
}

static int produce_partition(lh_kreq_t *q, lh_sb_topic_t *t, int tkerr, produce_wait_t *pw,
                             int16_t acks)
{
    lh_kr_t *r = &q->in;
    int32_t idx = lh_kr_i32(r);
    bool null;
    lh_str_t rec = lh_kr_bytes(r, false, &null);
    if (r->err) return -1;
    lh_sb_part_t *p = lh__sb_part(t, idx);
    int kerr = tkerr ? tkerr : !p ? LH_KERR_UNKNOWN_TOPIC_OR_PARTITION : 0;
    if (!kerr && q->conn->role < LH_ROLE_WRITER) kerr = LH_KERR_TOPIC_AUTHORIZATION_FAILED;
    int64_t base = -1;
    /* the request's bytes are ours during the call: offsets are set in place */
    if (!kerr && !null) kerr = append_all(q, p, (uint8_t *)rec.ptr, rec.len, &base);
    lh_buf_t *o = &q->out;
    lh_kw_i32(o, idx);
    size_t err_at = o->len;
    lh_kw_i16(o, (int16_t)kerr);
    lh_kw_i64(o, base);
    lh_kw_i64(o, -1); /* log append time: CreateTime topics */
    if (q->version >= 5) lh_kw_i64(o, p ? lh_stream_log_start(p->log) : -1);
    if (kerr || base < 0) return kerr;
    lh__sb_fetch_notify(q->b, p);
    if (acks == -1 && q->b->o.flush_ms == 0 &&
        add_wait(pw, p, lh_stream_log_high_watermark(p->log), err_at))
        return LH_KERR_UNKNOWN_SERVER_ERROR;
    return 0;
}

static void start_waits(lh_kreq_t *q, produce_wait_t *pw)
{
    pw->q = q;
    pw->pending = pw->n + 1; /* +1 while registering: a wake may come at once */
    q->state = pw;
    lh__kreq_park(q, cancel_produce);
    for (int i = 0; i < pw->n; i++) {
        pw->v[i].pw = pw;
        lh__sb_part_wait_durable(q->b, pw->v[i].p, &pw->v[i].w);
    }
    on_durable(&(pwait_t){.pw = pw, .err_at = 0}.w, 1);
}

void lh__k_produce(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    bool null;
    lh_kr_string(r, false, true, &null); /* transactional id: only null is served */
    int16_t acks = lh_kr_i16(r);
    lh_kr_i32(r); /* timeout */
    int32_t nt = lh_kr_array(r, false, false);
    if (r->err) return lh__kreq_fail(q, "malformed Produce request");
    produce_wait_t *pw = calloc(1, sizeof *pw);
    if (!pw) return lh__kreq_fail(q, "out of memory");
    int any_err = 0;
    lh_kw_array(&q->out, nt, false);
    for (int32_t i = 0; i < nt && !r->err; i++) {
        lh_str_t name = lh_kr_string(r, false, false, NULL);
        int32_t np = lh_kr_array(r, false, false);
        int tkerr = 0;
        lh_sb_topic_t *t =
            r->err ? NULL : lh__sb_topic_auto(q->b, name, q->conn->role >= LH_ROLE_WRITER, &tkerr);
        if (acks != 0 && acks != 1 && acks != -1) tkerr = LH_KERR_INVALID_REQUIRED_ACKS;
        if (!null && !tkerr) tkerr = LH_KERR_INVALID_TXN_STATE;
        lh_kw_string(&q->out, name, false);
        lh_kw_array(&q->out, np, false);
        for (int32_t j = 0; j < np && !r->err; j++) {
            int kerr = produce_partition(q, t, tkerr, pw, acks);
            if (kerr) any_err = kerr;
        }
    }
    lh_kw_i32(&q->out, 0); /* throttle */
    if (r->err) {
        pw_free(pw);
        return lh__kreq_fail(q, "malformed Produce request");
    }
    if (acks == 0) {
        pw_free(pw);
        return any_err ? lh__kreq_fail(q, "acks=0 produce failed") : lh__kreq_drop(q);
    }
    if (pw->n == 0) {
        pw_free(pw);
        return lh__kreq_reply(q);
    }
    start_waits(q, pw);
}
