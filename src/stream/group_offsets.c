/* Committed offsets: OffsetCommit's checks (Kafka's validateOffsetCommit:
 * members of the current generation, or a "simple" commit with
 * generation -1 and no member id while the group is Empty), the frame a
 * commit becomes in the offsets file, and the in-memory table each group
 * keeps sorted by (topic, partition), filled only by replaying frames that
 * are durable, on open and after each fsync. OffsetFetch reads it. */
#include "stream/group_int.h"
#include "stream/wire.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const lh__group_t *gr;
    lh_str_t topic;
    int32_t partition;
} offset_key_t;

static int offset_cmp(const void *ctx, int i)
{
    const offset_key_t *k = ctx;
    const lh__goffset_t *o = &k->gr->offsets[i];
    int c = lh__gcmp(lh__gstr(&o->topic), k->topic);
    return c ? c : (o->partition > k->partition) - (o->partition < k->partition);
}

static int offset_pos(const lh__group_t *gr, lh_str_t topic, int32_t partition, int *found)
{
    offset_key_t k = {gr, topic, partition};
    return lh__gsearch(gr->noffsets, offset_cmp, &k, found);
}

int64_t lh__goffset_bytes(const lh__goffset_t *o)
{
    return (int64_t)(2 + o->topic.len + 4 + 8 + 4 + 8 + 4 + o->metadata.len);
}

static void offset_free(lh__goffset_t *o)
{
    free(o->topic.ptr);
    free(o->metadata.ptr);
}

void lh__group_offsets_free(lh__group_t *gr)
{
    for (int i = 0; i < gr->noffsets; i++)
        offset_free(&gr->offsets[i]);
    free(gr->offsets);
    gr->offsets = NULL;
    gr->noffsets = gr->capoffsets = 0;
}

static int offset_put(lh_stream_groups_t *g, lh__group_t *gr, const lh__goffset_t *in)
{
    int found, i = offset_pos(gr, lh__gstr(&in->topic), in->partition, &found);
    lh__goffset_t o = {0};
    if (lh__gbytes_set(&o.metadata, lh__gstr(&in->metadata))) return LH_ENOMEM;
    if (found) {
        g->live_bytes -= lh__goffset_bytes(&gr->offsets[i]);
        free(gr->offsets[i].metadata.ptr);
        o.topic = gr->offsets[i].topic;
    } else {
        if (lh__ggrow(&gr->offsets, gr->noffsets, &gr->capoffsets, sizeof *gr->offsets)) goto nomem;
        if (lh__gbytes_set(&o.topic, lh__gstr(&in->topic))) goto nomem;
        memmove(gr->offsets + i + 1, gr->offsets + i, (size_t)(gr->noffsets - i) * sizeof o);
        gr->noffsets++;
    }
    o.partition = in->partition;
    o.offset = in->offset;
    o.leader_epoch = in->leader_epoch;
    o.commit_ms = in->commit_ms;
    gr->offsets[i] = o;
    g->live_bytes += lh__goffset_bytes(&o);
    return 0;
nomem:
    free(o.metadata.ptr);
    return LH_ENOMEM;
}

static void drop_topic_mem(lh_stream_groups_t *g, lh_str_t topic)
{
    for (int k = 0; k < g->ngroups; k++) {
        lh__group_t *gr = g->groups[k];
        int kept = 0;
        for (int i = 0; i < gr->noffsets; i++) {
            lh__goffset_t *o = &gr->offsets[i];
            if (lh__gbytes_eq(&o->topic, topic)) {
                g->live_bytes -= lh__goffset_bytes(o);
                offset_free(o);
            } else {
                gr->offsets[kept++] = *o;
            }
        }
        gr->noffsets = kept;
    }
}

static void drop_partition(lh_stream_groups_t *g, lh__group_t *gr, lh_str_t topic, int32_t p)
{
    int found, i = offset_pos(gr, topic, p, &found);
    if (!found) return;
    g->live_bytes -= lh__goffset_bytes(&gr->offsets[i]);
    offset_free(&gr->offsets[i]);
    memmove(gr->offsets + i, gr->offsets + i + 1,
            (size_t)(gr->noffsets - i - 1) * sizeof *gr->offsets);
    gr->noffsets--;
}

static void drop_group_mem(lh_stream_groups_t *g, lh__group_t *gr)
{
    for (int i = 0; i < gr->noffsets; i++)
        g->live_bytes -= lh__goffset_bytes(&gr->offsets[i]);
    lh__group_offsets_free(gr);
    if (gr->state == LH_GROUP_EMPTY && !gr->nmembers) lh__groups_remove(g, gr);
}

/* ---- frames (group_int.h's LH__GREC_*) ---- */

static void enc_commit_head(lh_buf_t *b, lh_str_t group, int32_t n)
{
    lh_kw_i8(b, LH__GREC_COMMIT);
    lh_kw_string(b, group, false);
    lh_kw_i32(b, n);
}

static void enc_entry(lh_buf_t *b, const lh__goffset_t *o)
{
    lh_kw_string(b, lh__gstr(&o->topic), false);
    lh_kw_i32(b, o->partition);
    lh_kw_i64(b, o->offset);
    lh_kw_i32(b, o->leader_epoch);
    lh_kw_i64(b, o->commit_ms);
    lh_kw_bytes(b, lh__gstr(&o->metadata), false);
}

void lh__gencode_group(lh_buf_t *b, const lh__group_t *gr)
{
    enc_commit_head(b, lh__gstr(&gr->id), gr->noffsets);
    for (int i = 0; i < gr->noffsets; i++)
        enc_entry(b, &gr->offsets[i]);
}

static int apply_commit(lh_stream_groups_t *g, lh_kr_t *r)
{
    lh_str_t group = lh_kr_string(r, false, false, NULL);
    int32_t n = lh_kr_i32(r);
    if (r->err || n < 0) return LH_ECORRUPT;
    lh__group_t *gr = lh__groups_get(g, group);
    if (!gr) return LH_ENOMEM;
    for (int32_t i = 0; i < n; i++) {
        lh_str_t topic = lh_kr_string(r, false, false, NULL);
        lh__goffset_t o = {.partition = lh_kr_i32(r)};
        o.offset = lh_kr_i64(r);
        o.leader_epoch = lh_kr_i32(r);
        o.commit_ms = lh_kr_i64(r);
        lh_str_t md = lh_kr_bytes(r, false, NULL);
        if (r->err) return LH_ECORRUPT;
        o.topic = (lh__gbytes_t){(char *)topic.ptr, topic.len};
        o.metadata = (lh__gbytes_t){(char *)md.ptr, md.len};
        if (offset_put(g, gr, &o)) return LH_ENOMEM;
    }
    return 0;
}

static int apply_drop_offsets(lh_stream_groups_t *g, lh_kr_t *r)
{
    lh_str_t group = lh_kr_string(r, false, false, NULL);
    int32_t n = lh_kr_i32(r);
    lh__group_t *gr = r->err ? NULL : lh__groups_find(g, group);
    for (int32_t i = 0; i < n && !r->err; i++) {
        lh_str_t topic = lh_kr_string(r, false, false, NULL);
        int32_t p = lh_kr_i32(r);
        if (gr && !r->err) drop_partition(g, gr, topic, p);
    }
    return r->err || n < 0 ? LH_ECORRUPT : 0;
}

/* Each frame kind's layout: s STRING, n NULLABLE_STRING, b BYTES, 4 INT32,
 * 8 INT64, [..] an INT32 count of what is inside (no nesting). */
static const char *const layouts[] = {
    [LH__GREC_COMMIT] = "s[s4848b]",      [LH__GREC_DROP_TOPIC] = "s",
    [LH__GREC_DROP_GROUP] = "s",          [LH__GREC_DROP_OFFSETS] = "s[s4]",
    [LH__GREC_GROUP] = "s4sss[snss44bb]",
};

static void walk_one(lh_kr_t *r, char c)
{
    if (c == 's' || c == 'n') lh_kr_string(r, false, c == 'n', NULL);
    if (c == 'b') lh_kr_bytes(r, false, NULL);
    if (c == '4') lh_kr_i32(r);
    if (c == '8') lh_kr_i64(r);
}

/* 1 when the payload is a whole, well-formed frame: checked before it is
 * applied, so that a frame replay stops at is never half applied. */
static int frame_ok(const char *p, size_t n)
{
    lh_kr_t r;
    lh_kr_init(&r, p, n);
    int kind = lh_kr_i8(&r);
    if (r.err || kind < 1 || kind > LH__GREC_GROUP) return 0;
    for (const char *f = layouts[kind]; *f && !r.err; f++) {
        if (*f != '[') {
            walk_one(&r, *f);
            continue;
        }
        const char *end = strchr(f, ']');
        int32_t count = lh_kr_i32(&r);
        if (count < 0) return 0;
        for (int32_t i = 0; i < count && !r.err; i++)
            for (const char *e = f + 1; e < end; e++)
                walk_one(&r, *e);
        f = end;
    }
    return !r.err && lh_kr_left(&r) == 0;
}

int lh__groups_apply(lh_stream_groups_t *g, const char *p, size_t n)
{
    if (!frame_ok(p, n)) return LH_ECORRUPT;
    lh_kr_t r;
    lh_kr_init(&r, p, n);
    int kind = lh_kr_i8(&r), rc = LH_ECORRUPT;
    if (kind == LH__GREC_COMMIT) {
        rc = apply_commit(g, &r);
    } else if (kind == LH__GREC_DROP_OFFSETS) {
        rc = apply_drop_offsets(g, &r);
    } else if (kind == LH__GREC_GROUP) {
        rc = lh__groups_apply_membership(g, &r);
    } else if (kind == LH__GREC_DROP_TOPIC || kind == LH__GREC_DROP_GROUP) {
        lh_str_t name = lh_kr_string(&r, false, false, NULL);
        lh__group_t *gr = kind == LH__GREC_DROP_GROUP ? lh__groups_find(g, name) : NULL;
        if (!r.err && kind == LH__GREC_DROP_TOPIC) drop_topic_mem(g, name);
        if (!r.err && gr) drop_group_mem(g, gr);
        rc = r.err ? LH_ECORRUPT : 0;
    }
    return rc ? rc : lh_kr_left(&r) ? LH_ECORRUPT : 0;
}

int lh__groups_log(lh_stream_groups_t *g, lh_buf_t *b, lh_err_t *err)
{
    if (lh_buf_err(b)) return lh_err_set(err, LH_ENOMEM, "out of memory");
    int rc = lh__gstore_flush(g, err); /* commits written before apply before */
    if (!rc) rc = lh__gstore_write(g, b->ptr, b->len, err);
    if (!rc) rc = lh__gstore_sync(g, err);
    if (!rc && lh__groups_apply(g, b->ptr, b->len))
        rc = lh_err_set(err, LH_ENOMEM, "out of memory");
    return rc;
}

/* ---- OffsetCommit ---- */

static int16_t commit_check(lh_stream_groups_t *g, const lh_stream_commit_req_t *req)
{
    if (!lh__group_storable_id(req->group_id)) return LH_GROUP_INVALID_GROUP_ID;
    if (g->failed) return LH_GROUP_COORDINATOR_NOT_AVAILABLE;
    lh__group_t *gr = lh__groups_find(g, req->group_id);
    if (!gr && req->generation >= 0) return LH_GROUP_ILLEGAL_GENERATION;
    if (!gr && !(gr = lh__groups_get(g, req->group_id))) return LH_GROUP_COORDINATOR_NOT_AVAILABLE;
    if (req->generation < 0 && gr->state == LH_GROUP_EMPTY) return LH_GROUP_NONE;
    lh__gmember_t *m = NULL;
    if (req->generation >= 0 || req->member_id.len || req->group_instance_id.ptr) {
        int16_t e = lh__group_check_member(gr, req->member_id, req->group_instance_id, &m);
        if (e) return e;
        if (req->generation != gr->generation) return LH_GROUP_ILLEGAL_GENERATION;
    } else if (gr->state != LH_GROUP_EMPTY) {
        return LH_GROUP_UNKNOWN_MEMBER_ID;
    }
    if (gr->state == LH_GROUP_COMPLETING_REBALANCE) return LH_GROUP_REBALANCE_IN_PROGRESS;
    if (m) m->hb_deadline = lh__groups_now(g) + m->session_ms; /* a commit is a heartbeat */
    return LH_GROUP_NONE;
}

/* The frame of the accepted partitions; how many in *n. */
static void commit_frame(lh_stream_groups_t *g, const lh_stream_commit_req_t *req, lh_buf_t *b,
                         int *n)
{
    *n = 0;
    for (int i = 0; i < req->nparts; i++)
        *n += req->parts[i].error == LH_GROUP_NONE;
    enc_commit_head(b, req->group_id, *n);
    int64_t now = lh__groups_now(g);
    for (int i = 0; i < req->nparts; i++) {
        const lh_stream_offset_commit_t *p = &req->parts[i];
        if (p->error) continue;
        lh__goffset_t o = {.partition = p->partition,
                           .offset = p->offset,
                           .leader_epoch = p->leader_epoch,
                           .commit_ms = now};
        o.topic = (lh__gbytes_t){(char *)p->topic.ptr, p->topic.len};
        o.metadata = (lh__gbytes_t){(char *)p->metadata.ptr, p->metadata.ptr ? p->metadata.len : 0};
        enc_entry(b, &o);
    }
}

static void set_errors(const lh_stream_commit_req_t *req, int16_t from, int16_t to)
{
    for (int i = 0; i < req->nparts; i++)
        if (req->parts[i].error == from) req->parts[i].error = to;
}

/* Writes the frame; then either queues it for an fsync job (1) or fsyncs
 * and applies it now (0). On failure the accepted parts get an error. */
static int commit_write(lh_stream_groups_t *g, const lh_stream_commit_req_t *req, lh_buf_t *b,
                        lh_stream_commit_cb cb, void *arg)
{
    lh_err_t err;
    if (lh_buf_err(b) || lh__gstore_write(g, b->ptr, b->len, &err)) goto fail;
    if (g->o.submit) {
        lh__gcommit_t *c = calloc(1, sizeof *c);
        if (c && (c->frame = malloc(b->len))) {
            memcpy(c->frame, b->ptr, b->len);
            *c = (lh__gcommit_t){
                .frame = c->frame, .len = b->len, .cb = cb, .arg = arg, .end = g->file_end};
            if (lh__gstore_queue(g, c) == 0) return LH_GROUP_PENDING;
            free(c->frame);
        }
        free(c); /* then fsync here */
    }
    if (lh__gstore_sync(g, &err) || lh__groups_apply(g, b->ptr, b->len)) goto fail;
    g->n_commits++;
    lh__gstore_maybe_compact(g, &err);
    return 0;
fail:
    set_errors(req, LH_GROUP_NONE, LH_GROUP_COORDINATOR_NOT_AVAILABLE);
    return 0;
}

int lh_stream_groups_commit(lh_stream_groups_t *g, const lh_stream_commit_req_t *req,
                            lh_stream_commit_cb cb, void *arg)
{
    lh__groups_fire_id(g, req->group_id, lh__groups_now(g));
    int16_t e = commit_check(g, req);
    for (int i = 0; i < req->nparts; i++) {
        lh_stream_offset_commit_t *p = &req->parts[i];
        if (p->error) continue; /* refused by the caller (an unknown partition) */
        p->error = e;
        if (!e && p->metadata.ptr && p->metadata.len > (size_t)g->o.max_metadata_bytes)
            p->error = LH_GROUP_OFFSET_METADATA_TOO_LARGE;
    }
    lh_buf_t b;
    lh_buf_init(&b, 0);
    int n, rc = 0;
    commit_frame(g, req, &b, &n);
    if (n) rc = commit_write(g, req, &b, cb, arg);
    lh_buf_free(&b);
    return rc;
}

/* ---- OffsetFetch ---- */

static lh_stream_offset_t offset_view(const lh__goffset_t *o)
{
    return (lh_stream_offset_t){
        .topic = lh__gstr(&o->topic),
        .partition = o->partition,
        .offset = o->offset,
        .leader_epoch = o->leader_epoch,
        .metadata = lh__gstr(&o->metadata),
    };
}

int lh_stream_groups_offset(lh_stream_groups_t *g, lh_str_t group_id, lh_str_t topic,
                            int32_t partition, lh_stream_offset_t *out)
{
    lh__group_t *gr = group_id.ptr ? lh__groups_find(g, group_id) : NULL;
    int found = 0, i = gr ? offset_pos(gr, topic, partition, &found) : 0;
    if (found) {
        *out = offset_view(&gr->offsets[i]);
        return 1;
    }
    *out = (lh_stream_offset_t){.topic = topic,
                                .partition = partition,
                                .offset = -1,
                                .leader_epoch = -1,
                                .metadata = LH_STR("")};
    return 0;
}

int lh_stream_groups_offsets_each(lh_stream_groups_t *g, lh_str_t group_id,
                                  void (*fn)(void *arg, const lh_stream_offset_t *o), void *arg)
{
    lh__group_t *gr = group_id.ptr ? lh__groups_find(g, group_id) : NULL;
    if (!gr) return 0;
    for (int i = 0; i < gr->noffsets; i++) {
        lh_stream_offset_t o = offset_view(&gr->offsets[i]);
        fn(arg, &o);
    }
    return gr->noffsets;
}

int lh_stream_groups_drop_topic(lh_stream_groups_t *g, lh_str_t topic, lh_err_t *err)
{
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh_kw_i8(&b, LH__GREC_DROP_TOPIC);
    lh_kw_string(&b, topic, false);
    int rc = lh__groups_log(g, &b, err);
    lh_buf_free(&b);
    return rc;
}
