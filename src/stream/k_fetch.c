/* Fetch (4-11): whole batches from the batch holding each partition's fetch
 * offset (so a fetch from the middle of a batch returns that batch), within
 * the partition's and the response's byte limits, except that the first
 * batch of the first partition with data goes out whatever its size (KIP-74).
 * Never past the high watermark, which is also the last stable offset (no
 * transactions). Long polling: when fewer than min_bytes are ready the
 * request waits, up to max_wait_ms, for an append to one of its partitions
 * (lh__sb_fetch_notify); each retry builds the answer again. Fetch sessions
 * (KIP-227) are not kept: the answer's session id is 0, so clients keep
 * sending full fetches, as librdkafka 2.0 and kafkajs do anyway. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stream/broker_int.h"
#include "stream/stream_int.h"

typedef struct {
    int32_t idx;
    int64_t offset;
    int32_t max;
} fpart_t;

typedef struct {
    char *name;
    int32_t n;
    fpart_t *parts;
} ftopic_t;

typedef struct lh_kfetch {
    lh_kreq_t *q;
    int32_t min_bytes, max_bytes;
    int32_t nt;
    ftopic_t *topics;
    uv_timer_t timer;
    struct lh_kfetch *next; /* on b->fetches */
    size_t body_at;         /* where the body starts in q->out */
    lh_kfile_t *files;      /* record spans sent from the segment files */
    int nfiles, capfiles;
} kfetch_t;

/* Spans at least this long go out with sendfile instead of being copied. */
#define SENDFILE_MIN (64 << 10)

static void files_close(kfetch_t *f)
{
    for (int i = 0; i < f->nfiles; i++)
        close(f->files[i].fd);
    f->nfiles = 0;
}

static void fetch_free(kfetch_t *f)
{
    files_close(f);
    free(f->files);
    for (int32_t i = 0; i < f->nt; i++) {
        free(f->topics[i].name);
        free(f->topics[i].parts);
    }
    free(f->topics);
    free(f);
}

static void on_timer_closed(uv_handle_t *h)
{
    fetch_free(h->data);
}

static int decode(lh_kreq_t *q, kfetch_t *f)
{
    lh_kr_t *r = &q->in;
    if (!(f->topics = calloc((size_t)(f->nt > 0 ? f->nt : 1), sizeof *f->topics))) return -1;
    for (int32_t i = 0; i < f->nt; i++) {
        ftopic_t *t = &f->topics[i];
        lh_str_t name = lh_kr_string(r, false, false, NULL);
        int32_t np = lh_kr_array(r, false, false);
        if (r->err || !(t->name = strndup(name.ptr, name.len))) return -1;
        if (!(t->parts = calloc((size_t)(np > 0 ? np : 1), sizeof *t->parts))) return -1;
        t->n = np;
        for (int32_t j = 0; j < np; j++) {
            fpart_t *p = &t->parts[j];
            p->idx = lh_kr_i32(r);
            if (q->version >= 9) lh_kr_i32(r); /* current leader epoch */
            p->offset = lh_kr_i64(r);
            if (q->version >= 5) lh_kr_i64(r); /* log start offset (followers) */
            p->max = lh_kr_i32(r);
        }
    }
    return r->err ? -1 : 0;
}

/* Records of span len to go out from the file: a dup of the segment's
 * descriptor (retention may close it meanwhile). 0, or -1 to copy instead. */
static int add_file(kfetch_t *f, const lh_stream_span_t *sp, size_t at)
{
    if (!f->q->slot || sp->len < SENDFILE_MIN) return -1;
    if (f->nfiles == f->capfiles) {
        int cap = f->capfiles ? 2 * f->capfiles : 8;
        lh_kfile_t *v = realloc(f->files, (size_t)cap * sizeof *v);
        if (!v) return -1;
        f->files = v;
        f->capfiles = cap;
    }
    int fd = dup(sp->fd);
    if (fd < 0) return -1;
    f->files[f->nfiles++] = (lh_kfile_t){.at = at, .fd = fd, .pos = sp->pos, .len = sp->len};
    return 0;
}

/* The records of one partition into out as BYTES; returns the bytes added. */
static size_t put_records(kfetch_t *f, lh_sb_part_t *p, fpart_t *fp, int64_t room, bool first,
                          int *kerr)
{
    lh_buf_t *o = &f->q->out;
    lh_stream_span_t span = {.fd = -1};
    lh_err_t err = {0};
    int64_t limit = fp->max < room ? fp->max : room;
    int rc = lh_stream_log_locate(p->log, fp->offset, limit > 0 ? (size_t)limit : 1, &span, &err);
    if (rc) *kerr = rc == LH_ENOENT ? LH_KERR_OFFSET_OUT_OF_RANGE : LH_KERR_UNKNOWN_SERVER_ERROR;
    if (rc || span.len == 0 || (!first && (int64_t)span.len > limit)) {
        lh_kw_i32(o, 0);
        return 0;
    }
    lh_kw_i32(o, (int32_t)span.len);
    size_t at = o->len;
    if (add_file(f, &span, at) == 0) {
        p->out_bytes += span.len;
        return span.len;
    }
    if (!lh__buf_reserve(o, span.len) ||
        pread(span.fd, o->ptr + at, span.len, span.pos) != (ssize_t)span.len) {
        o->len = at;
        lh_kw_patch_i32(o, at - 4, 0);
        *kerr = LH_KERR_UNKNOWN_SERVER_ERROR;
        return 0;
    }
    o->len = at + span.len;
    p->out_bytes += span.len;
    return span.len;
}

/* Builds the body after the header; returns the record bytes in it. */
static int64_t build(kfetch_t *f)
{
    lh_kreq_t *q = f->q;
    lh_buf_t *o = &q->out;
    o->len = f->body_at;
    files_close(f);
    lh_kw_i32(o, 0); /* throttle */
    if (q->version >= 7) {
        lh_kw_i16(o, 0);
        lh_kw_i32(o, 0); /* session id: none */
    }
    int64_t used = 0;
    lh_kw_array(o, f->nt, false);
    for (int32_t i = 0; i < f->nt; i++) {
        ftopic_t *ft = &f->topics[i];
        lh_sb_topic_t *t = lh__sb_topic_find(q->b, (lh_str_t){ft->name, strlen(ft->name)});
        lh_kw_string(o, (lh_str_t){ft->name, strlen(ft->name)}, false);
        lh_kw_array(o, ft->n, false);
        for (int32_t j = 0; j < ft->n; j++) {
            fpart_t *fp = &ft->parts[j];
            lh_sb_part_t *p = lh__sb_part(t, fp->idx);
            int kerr = p ? 0 : LH_KERR_UNKNOWN_TOPIC_OR_PARTITION;
            int64_t hw = p ? lh_stream_log_high_watermark(p->log) : -1;
            lh_kw_i32(o, fp->idx);
            size_t err_at = o->len;
            lh_kw_i16(o, 0);
            lh_kw_i64(o, hw);
            lh_kw_i64(o, hw); /* last stable offset */
            if (q->version >= 5) lh_kw_i64(o, p ? lh_stream_log_start(p->log) : -1);
            lh_kw_array(o, 0, false); /* aborted transactions */
            if (q->version >= 11) lh_kw_i32(o, -1);
            if (p)
                used += (int64_t)put_records(f, p, fp, f->max_bytes - used, used == 0, &kerr);
            else
                lh_kw_i32(o, -1);
            if (kerr) lh_kw_patch_i16(o, err_at, (int16_t)kerr);
        }
    }
    return used;
}

/* Sends the answer built in q->out with f's file spans; f keeps no fd. */
static void reply(lh_kreq_t *q, kfetch_t *f)
{
    int n = f->nfiles;
    f->nfiles = 0;
    lh__kreq_reply_files(q, f->files, n);
}

static void unlink_fetch(lh_sb_t *b, kfetch_t *f)
{
    for (kfetch_t **pp = &b->fetches; *pp; pp = &(*pp)->next)
        if (*pp == f) {
            *pp = f->next;
            return;
        }
}

/* Answers a parked fetch and lets its timer go. */
static void finish(kfetch_t *f, bool rebuild)
{
    lh_kreq_t *q = f->q;
    unlink_fetch(q->b, f);
    uv_timer_stop(&f->timer);
    if (rebuild) build(f);
    q->state = NULL;
    f->q = NULL;
    reply(q, f);
    uv_close((uv_handle_t *)&f->timer, on_timer_closed);
}

static void on_timeout(uv_timer_t *t)
{
    finish(t->data, true);
}

static void cancel_fetch(lh_kreq_t *q)
{
    kfetch_t *f = q->state;
    unlink_fetch(q->b, f);
    uv_timer_stop(&f->timer);
    q->state = NULL;
    uv_close((uv_handle_t *)&f->timer, on_timer_closed);
    lh__kreq_drop(q);
}

static bool wants(const kfetch_t *f, const lh_sb_part_t *p)
{
    for (int32_t i = 0; i < f->nt; i++)
        if (!strcmp(f->topics[i].name, p->topic->name))
            for (int32_t j = 0; j < f->topics[i].n; j++)
                if (f->topics[i].parts[j].idx == p->id) return true;
    return false;
}

void lh__sb_fetch_notify(lh_sb_t *b, lh_sb_part_t *p)
{
    kfetch_t *f = b->fetches;
    while (f) {
        kfetch_t *next = f->next;
        if (wants(f, p) && (p->topic->deleted || build(f) >= f->min_bytes))
            finish(f, p->topic->deleted);
        f = next;
    }
}

void lh__sb_fetch_cancel_all(lh_sb_t *b)
{
    while (b->fetches)
        finish(b->fetches, true);
}

void lh__k_fetch(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    kfetch_t *f = calloc(1, sizeof *f);
    if (!f) return lh__kreq_fail(q, "out of memory");
    lh_kr_i32(r); /* replica id */
    int32_t max_wait = lh_kr_i32(r);
    f->min_bytes = lh_kr_i32(r);
    f->max_bytes = lh_kr_i32(r);
    lh_kr_i8(r); /* isolation level: the same either way here */
    if (q->version >= 7) {
        lh_kr_i32(r); /* session id */
        lh_kr_i32(r); /* session epoch */
    }
    f->nt = lh_kr_array(r, false, false);
    if (r->err || decode(q, f)) {
        fetch_free(f);
        return lh__kreq_fail(q, "malformed Fetch request");
    }
    f->q = q;
    f->body_at = q->out.len;
    if (f->max_bytes <= 0) f->max_bytes = INT32_MAX;
    int64_t got = build(f);
    if (got >= f->min_bytes || max_wait <= 0 || q->b->stopping ||
        uv_timer_init(q->b->loop, &f->timer)) {
        reply(q, f);
        fetch_free(f);
        return;
    }
    f->timer.data = f;
    q->state = f;
    f->next = q->b->fetches;
    q->b->fetches = f;
    lh__kreq_park(q, cancel_fetch);
    uv_timer_start(&f->timer, on_timeout, (uint64_t)max_wait, 0);
}
