/* The group APIs that read or write state rather than membership:
 * OffsetCommit (0-7), OffsetFetch (0-5), ListGroups (0-2) and
 * DescribeGroups (0-4), over the coordinator (group.h); layouts from
 * apache/kafka's message schemas, none flexible at these versions. A commit
 * to a partition that does not exist gets UNKNOWN_TOPIC_OR_PARTITION (as
 * Kafka checks its metadata cache); the others go to the coordinator,
 * which answers once they are fsynced (on the worker pool): the answer is
 * encoded at once with the errors known, and the accepted partitions'
 * error fields are patched when the fsync ends. */
#include <stdlib.h>
#include <string.h>

#include "stream/broker_int.h"

typedef struct {
    size_t *pos; /* where the pending error fields are in q->out */
    int n;
} commit_wait_t;

static void put16_at(lh_buf_t *b, size_t at, int16_t v)
{
    if (b->err || at + 2 > b->len) return;
    b->ptr[at] = (char)((uint16_t)v >> 8);
    b->ptr[at + 1] = (char)(v & 0xff);
}

static void commit_answer(void *arg, int16_t error)
{
    lh_kreq_t *q = arg;
    commit_wait_t *w = q->state;
    for (int i = 0; error && i < w->n; i++)
        put16_at(&q->out, w->pos[i], error);
    free(w->pos);
    free(w);
    q->state = NULL;
    lh__kreq_reply(q);
}

static void commit_cancel(lh_kreq_t *q)
{
    commit_wait_t *w = q->state;
    lh_stream_groups_cancel(q->b->groups, q);
    if (w) free(w->pos);
    free(w);
    q->state = NULL;
    lh__kreq_drop(q);
}

/* The partitions of every topic, in request order; topics' names and
 * partition counts in names/counts. Unknown partitions are refused here. */
static lh_stream_offset_commit_t *read_parts(lh_kreq_t *q, int32_t nt, lh_str_t *names,
                                             int32_t *counts, int *total)
{
    lh_kr_t *r = &q->in, again = *r;
    int n = 0;
    for (int32_t i = 0; i < nt && !r->err; i++) { /* count first */
        lh_kr_string(r, false, false, NULL);
        int32_t np = lh_kr_array(r, false, false);
        n += np;
        for (int32_t j = 0; j < np && !r->err; j++) {
            lh_kr_i32(r);
            lh_kr_i64(r);
            if (q->version >= 6) lh_kr_i32(r);
            if (q->version == 1) lh_kr_i64(r);
            lh_kr_string(r, false, true, NULL);
        }
    }
    lh_stream_offset_commit_t *p = r->err ? NULL : calloc((size_t)(n > 0 ? n : 1), sizeof *p);
    if (!p) return NULL;
    *r = again;
    int k = 0;
    for (int32_t i = 0; i < nt; i++) {
        names[i] = lh_kr_string(r, false, false, NULL);
        counts[i] = lh_kr_array(r, false, false);
        lh_sb_topic_t *t = lh__sb_topic_find(q->b, names[i]);
        for (int32_t j = 0; j < counts[i]; j++, k++) {
            lh_stream_offset_commit_t *c = &p[k];
            c->topic = names[i];
            c->partition = lh_kr_i32(r);
            c->offset = lh_kr_i64(r);
            c->leader_epoch = q->version >= 6 ? lh_kr_i32(r) : -1;
            if (q->version == 1) lh_kr_i64(r); /* commit timestamp */
            bool null;
            c->metadata = lh_kr_string(r, false, true, &null);
            if (null) c->metadata = (lh_str_t){NULL, 0};
            if (!t || !lh__sb_part(t, c->partition)) c->error = LH_KERR_UNKNOWN_TOPIC_OR_PARTITION;
        }
    }
    *total = n;
    return p;
}

static void commit_reply(lh_kreq_t *q, int rc, const lh_stream_offset_commit_t *p, int32_t nt,
                         const lh_str_t *names, const int32_t *counts)
{
    lh_buf_t *o = &q->out;
    commit_wait_t *w = rc == LH_GROUP_PENDING ? calloc(1, sizeof *w) : NULL;
    int total = 0;
    for (int32_t i = 0; i < nt; i++)
        total += counts[i];
    if (w) w->pos = calloc((size_t)(total > 0 ? total : 1), sizeof *w->pos);
    if (q->version >= 3) lh_kw_i32(o, 0); /* throttle */
    lh_kw_array(o, nt, false);
    for (int32_t i = 0, k = 0; i < nt; i++) {
        lh_kw_string(o, names[i], false);
        lh_kw_array(o, counts[i], false);
        for (int32_t j = 0; j < counts[i]; j++, k++) {
            lh_kw_i32(o, p[k].partition);
            if (w && w->pos && !p[k].error) w->pos[w->n++] = o->len;
            lh_kw_i16(o, p[k].error);
        }
    }
    if (rc != LH_GROUP_PENDING) return lh__kreq_reply(q);
    if (!w || !w->pos) { /* cannot wait for it: say so now (it is durable soon anyway) */
        if (w) free(w);
        lh_stream_groups_cancel(q->b->groups, q);
        return lh__kreq_fail(q, "out of memory");
    }
    q->state = w;
    lh__kreq_park(q, commit_cancel);
}

void lh__k_offset_commit(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    lh_stream_commit_req_t req = {.generation = -1, .member_id = LH_STR("")};
    req.group_id = lh_kr_string(r, false, false, NULL);
    if (q->version >= 1) {
        req.generation = lh_kr_i32(r);
        req.member_id = lh_kr_string(r, false, false, NULL);
    }
    if (q->version >= 7) {
        bool null;
        req.group_instance_id = lh_kr_string(r, false, true, &null);
        if (null) req.group_instance_id = (lh_str_t){NULL, 0};
    }
    if (q->version >= 2 && q->version <= 4) lh_kr_i64(r); /* retention: kept forever */
    int32_t nt = lh_kr_array(r, false, false);
    lh_str_t *names = calloc((size_t)(nt > 0 ? nt : 1), sizeof *names);
    int32_t *counts = calloc((size_t)(nt > 0 ? nt : 1), sizeof *counts);
    int n = 0;
    lh_stream_offset_commit_t *p =
        names && counts && !r->err ? read_parts(q, nt, names, counts, &n) : NULL;
    if (!p || r->err) {
        free(names), free(counts), free(p);
        return lh__kreq_fail(q, "malformed OffsetCommit request");
    }
    req.parts = p;
    req.nparts = n;
    int rc = lh_stream_groups_commit(q->b->groups, &req, commit_answer, q);
    commit_reply(q, rc, p, nt, names, counts);
    free(names), free(counts), free(p);
}

/* ---- OffsetFetch ---- */

static void put_offset(lh_kreq_t *q, const lh_stream_offset_t *off)
{
    lh_buf_t *o = &q->out;
    lh_kw_i32(o, off->partition);
    lh_kw_i64(o, off->offset);
    if (q->version >= 5) lh_kw_i32(o, off->leader_epoch);
    lh_kw_string(o, off->metadata.ptr ? off->metadata : LH_STR(""), false);
    lh_kw_i16(o, 0);
}

typedef struct {
    lh_kreq_t *q;
    lh_str_t topic;
    size_t topics_at, parts_at;
    int32_t ntopics, nparts;
} fetch_all_t;

/* Every committed offset, grouped by topic (they come sorted by topic). */
static void fetch_all_one(void *arg, const lh_stream_offset_t *off)
{
    fetch_all_t *f = arg;
    lh_buf_t *o = &f->q->out;
    bool same = f->ntopics && f->topic.len == off->topic.len &&
                !memcmp(f->topic.ptr, off->topic.ptr, off->topic.len);
    if (!same) {
        if (f->ntopics) lh_kw_patch_i32(o, f->parts_at, f->nparts);
        lh_kw_string(o, off->topic, false);
        f->parts_at = o->len;
        lh_kw_i32(o, 0);
        f->topic = off->topic;
        f->ntopics++;
        f->nparts = 0;
    }
    put_offset(f->q, off);
    f->nparts++;
}

static void fetch_all(lh_kreq_t *q, lh_str_t group)
{
    fetch_all_t f = {.q = q, .topics_at = q->out.len};
    lh_kw_i32(&q->out, 0);
    lh_stream_groups_offsets_each(q->b->groups, group, fetch_all_one, &f);
    if (f.ntopics) lh_kw_patch_i32(&q->out, f.parts_at, f.nparts);
    lh_kw_patch_i32(&q->out, f.topics_at, f.ntopics);
}

void lh__k_offset_fetch(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    lh_buf_t *o = &q->out;
    lh_str_t group = lh_kr_string(r, false, false, NULL);
    int32_t nt = lh_kr_array(r, false, q->version >= 2);
    if (r->err) return lh__kreq_fail(q, "malformed OffsetFetch request");
    if (q->version >= 3) lh_kw_i32(o, 0); /* throttle */
    if (nt < 0) {
        fetch_all(q, group);
    } else {
        lh_kw_array(o, nt, false);
        for (int32_t i = 0; i < nt && !r->err; i++) {
            lh_str_t topic = lh_kr_string(r, false, false, NULL);
            int32_t np = lh_kr_array(r, false, false);
            lh_kw_string(o, topic, false);
            lh_kw_array(o, np, false);
            for (int32_t j = 0; j < np && !r->err; j++) {
                lh_stream_offset_t off;
                lh_stream_groups_offset(q->b->groups, group, topic, lh_kr_i32(r), &off);
                put_offset(q, &off);
            }
        }
    }
    if (r->err) return lh__kreq_fail(q, "malformed OffsetFetch request");
    if (q->version >= 2) lh_kw_i16(o, 0);
    lh__kreq_reply(q);
}

/* ---- ListGroups, DescribeGroups ---- */

static void list_one(void *arg, lh_str_t id, lh_str_t type, int state)
{
    (void)state;
    lh_buf_t *o = arg;
    lh_kw_string(o, id, false);
    lh_kw_string(o, type, false);
}

void lh__k_list_groups(lh_kreq_t *q)
{
    lh_buf_t *o = &q->out;
    if (q->version >= 1) lh_kw_i32(o, 0); /* throttle */
    lh_kw_i16(o, 0);
    size_t at = o->len;
    lh_kw_i32(o, 0);
    int n = lh_stream_groups_list(q->b->groups, list_one, o);
    lh_kw_patch_i32(o, at, n);
    lh__kreq_reply(q);
}

static void describe_one(lh_kreq_t *q, lh_str_t id)
{
    lh_buf_t *o = &q->out;
    lh_stream_group_info_t g;
    int rc = lh_stream_groups_describe(q->b->groups, id, &g);
    lh_kw_i16(o, rc ? LH_KERR_UNKNOWN_SERVER_ERROR : 0);
    lh_kw_string(o, id, false);
    const char *state = lh_stream_group_state_name(g.state);
    lh_kw_string(o, (lh_str_t){state, strlen(state)}, false);
    lh_kw_string(o, g.protocol_type, false);
    lh_kw_string(o, g.protocol, false);
    lh_kw_array(o, rc ? 0 : g.nmembers, false);
    for (int i = 0; !rc && i < g.nmembers; i++) {
        const lh_stream_group_member_info_t *m = &g.members[i];
        lh_kw_string(o, m->member_id, false);
        if (q->version >= 4) lh_kw_string(o, m->group_instance_id, false);
        lh_kw_string(o, m->client_id, false);
        lh_kw_string(o, m->client_host, false);
        lh_kw_bytes(o, m->metadata, false);
        lh_kw_bytes(o, m->assignment, false);
    }
    if (q->version >= 3) lh_kw_i32(o, INT32_MIN); /* authorized operations: not given */
}

void lh__k_describe_groups(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    int32_t n = lh_kr_array(r, false, false);
    if (q->version >= 1) lh_kw_i32(&q->out, 0); /* throttle */
    lh_kw_array(&q->out, n, false);
    for (int32_t i = 0; i < n && !r->err; i++) {
        lh_str_t id = lh_kr_string(r, false, false, NULL);
        if (!r->err) describe_one(q, id);
    }
    if (q->version >= 3) lh_kr_i8(r); /* include authorized operations */
    if (r->err) return lh__kreq_fail(q, "malformed DescribeGroups request");
    lh__kreq_reply(q);
}
