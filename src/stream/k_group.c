/* The group membership APIs over the coordinator (group.h): FindCoordinator
 * (0-2: this broker for every group), JoinGroup (0-5), SyncGroup (0-3),
 * Heartbeat (0-3) and LeaveGroup (0-3). Field layouts per version follow
 * apache/kafka's message schemas (clients/src/main/resources/common/message/
 * {FindCoordinator,JoinGroup,SyncGroup,Heartbeat,LeaveGroup}*.json); none of
 * these versions is flexible. A JoinGroup or SyncGroup that must wait for
 * the rest of the group is parked, answered from the coordinator's
 * callback, and cancelled there when its connection closes. Also the
 * coordinator's life in the broker: opened at start under
 * <data-dir>/stream/groups, fsyncs of offset commits on the worker pool,
 * ticked by the broker's timer, which publishes its metrics. */
#include <stdlib.h>
#include <string.h>

#include "core/loop.h"
#include "core/metrics.h"
#include "stream/broker_int.h"

static int submit(void *ctx, void (*work)(void *), void (*done)(void *, int), void *arg)
{
    return lh_work_submit(ctx, work, done, arg);
}

int lh__sb_groups_open(lh_sb_t *b, lh_err_t *err)
{
    lh_metrics_register("lakehouse_stream_groups", LH_METRIC_GAUGE, "consumer groups, by state",
                        NULL, 0);
    lh_metrics_register("lakehouse_stream_group_members", LH_METRIC_GAUGE,
                        "members of every consumer group", NULL, 0);
    lh_metrics_register("lakehouse_stream_group_rebalances_total", LH_METRIC_COUNTER,
                        "consumer-group rebalances completed", NULL, 0);
    lh_metrics_register("lakehouse_stream_offset_commits_total", LH_METRIC_COUNTER,
                        "OffsetCommit requests made durable", NULL, 0);
    lh_stream_groups_opts_t o;
    lh_stream_groups_opts_default(&o);
    o.initial_rebalance_delay_ms = b->o.group_initial_rebalance_delay_ms;
    o.clock = b->clock;
    o.clock_arg = b->clock_arg;
    o.submit = submit;
    o.submit_ctx = b->loop;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/groups", b->dir);
    return lh_stream_groups_open(&b->groups, dir, &o, err);
}

void lh__sb_groups_tick(lh_sb_t *b)
{
    lh_stream_groups_tick(b->groups);
    lh_stream_groups_stats_t st;
    lh_stream_groups_stats(b->groups, &st);
    for (int s = LH_GROUP_EMPTY; s < LH_GROUP_DEAD; s++) {
        char lab[64];
        snprintf(lab, sizeof lab, "state=\"%s\"", lh_stream_group_state_name(s));
        lh_metrics_set("lakehouse_stream_groups", lab, st.groups[s]);
    }
    lh_metrics_set("lakehouse_stream_group_members", NULL, st.members);
    lh_metrics_add("lakehouse_stream_group_rebalances_total", NULL,
                   (double)(st.rebalances - b->groups_published[0]));
    lh_metrics_add("lakehouse_stream_offset_commits_total", NULL,
                   (double)(st.commits - b->groups_published[1]));
    b->groups_published[0] = st.rebalances;
    b->groups_published[1] = st.commits;
}

/* A nullable string: ptr NULL for null. */
static lh_str_t nstr(lh_kr_t *r)
{
    bool null;
    lh_str_t s = lh_kr_string(r, false, true, &null);
    return null ? (lh_str_t){NULL, 0} : s;
}

/* The "/ip" Kafka shows as a member's client host. */
static void client_host(const lh_kreq_t *q, char *out, size_t cap)
{
    const char *peer = lh__kconn_peer(q->conn);
    const char *colon = strrchr(peer, ':');
    int n = colon ? (int)(colon - peer) : (int)strlen(peer);
    if (peer[0] == '[' && n >= 2) peer++, n -= 2;
    snprintf(out, cap, "/%.*s", n, peer);
}

static void cancel_parked(lh_kreq_t *q)
{
    lh_stream_groups_cancel(q->b->groups, q);
    free(q->state);
    q->state = NULL;
    lh__kreq_drop(q);
}

/* ---- FindCoordinator ---- */

void lh__k_find_coordinator(lh_kreq_t *q)
{
    lh_kr_string(&q->in, false, false, NULL); /* the group (or transactional id) */
    int8_t type = q->version >= 1 ? lh_kr_i8(&q->in) : 0;
    if (q->in.err) return lh__kreq_fail(q, "malformed FindCoordinator request");
    int16_t e = type == 0 ? 0 : LH_GROUP_COORDINATOR_NOT_AVAILABLE; /* no transactions */
    lh_buf_t *o = &q->out;
    if (q->version >= 1) lh_kw_i32(o, 0); /* throttle */
    lh_kw_i16(o, e);
    if (q->version >= 1)
        lh_kw_string(o, e ? LH_STR("transactions are not supported") : (lh_str_t){NULL, 0}, false);
    lh_kw_i32(o, e ? -1 : q->b->o.node_id);
    lh_kw_string(o, e ? LH_STR("") : (lh_str_t){q->b->o.host, strlen(q->b->o.host)}, false);
    lh_kw_i32(o, e ? -1 : q->b->o.port);
    lh__kreq_reply(q);
}

/* ---- JoinGroup ---- */

static void join_answer(void *arg, const lh_stream_join_result_t *r)
{
    lh_kreq_t *q = arg;
    lh_buf_t *o = &q->out;
    if (q->version >= 2) lh_kw_i32(o, 0); /* throttle */
    lh_kw_i16(o, r->error);
    lh_kw_i32(o, r->generation);
    lh_kw_string(o, r->protocol_name.ptr ? r->protocol_name : LH_STR(""), false);
    lh_kw_string(o, r->leader_id.ptr ? r->leader_id : LH_STR(""), false);
    lh_kw_string(o, r->member_id.ptr ? r->member_id : LH_STR(""), false);
    lh_kw_array(o, r->nmembers, false);
    for (int i = 0; i < r->nmembers; i++) {
        lh_kw_string(o, r->members[i].member_id, false);
        if (q->version >= 5) lh_kw_string(o, r->members[i].group_instance_id, false);
        lh_kw_bytes(o, r->members[i].metadata, false);
    }
    lh__kreq_reply(q);
}

void lh__k_join_group(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    char host[160];
    client_host(q, host, sizeof host);
    lh_stream_join_req_t req = {.client_id = {q->conn->client_id, strlen(q->conn->client_id)},
                                .client_host = {host, strlen(host)}};
    req.group_id = lh_kr_string(r, false, false, NULL);
    req.session_timeout_ms = lh_kr_i32(r);
    req.rebalance_timeout_ms = q->version >= 1 ? lh_kr_i32(r) : req.session_timeout_ms;
    req.member_id = lh_kr_string(r, false, false, NULL);
    req.group_instance_id = q->version >= 5 ? nstr(r) : (lh_str_t){NULL, 0};
    req.protocol_type = lh_kr_string(r, false, false, NULL);
    req.require_known_member_id = q->version >= 4;
    int32_t n = lh_kr_array(r, false, false);
    lh_stream_group_protocol_t *p = calloc((size_t)(n > 0 ? n : 1), sizeof *p);
    for (int32_t i = 0; p && i < n && !r->err; i++) {
        p[i].name = lh_kr_string(r, false, false, NULL);
        p[i].metadata = lh_kr_bytes(r, false, NULL);
    }
    if (!p || r->err) {
        free(p);
        return lh__kreq_fail(q, p ? "malformed JoinGroup request" : "out of memory");
    }
    req.protocols = p;
    req.nprotocols = n;
    lh_stream_join_result_t now;
    int rc = lh_stream_groups_join(q->b->groups, &req, join_answer, q, &now);
    free(p);
    if (rc == LH_GROUP_PENDING)
        lh__kreq_park(q, cancel_parked);
    else
        join_answer(q, &now);
}

/* ---- SyncGroup ---- */

static void sync_answer(void *arg, const lh_stream_sync_result_t *r)
{
    lh_kreq_t *q = arg;
    if (q->version >= 1) lh_kw_i32(&q->out, 0); /* throttle */
    lh_kw_i16(&q->out, r->error);
    lh_kw_bytes(&q->out, r->assignment.ptr ? r->assignment : LH_STR(""), false);
    lh__kreq_reply(q);
}

void lh__k_sync_group(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    lh_stream_sync_req_t req = {0};
    req.group_id = lh_kr_string(r, false, false, NULL);
    req.generation = lh_kr_i32(r);
    req.member_id = lh_kr_string(r, false, false, NULL);
    if (q->version >= 3) req.group_instance_id = nstr(r);
    int32_t n = lh_kr_array(r, false, false);
    lh_stream_group_assignment_t *a = calloc((size_t)(n > 0 ? n : 1), sizeof *a);
    for (int32_t i = 0; a && i < n && !r->err; i++) {
        a[i].member_id = lh_kr_string(r, false, false, NULL);
        a[i].assignment = lh_kr_bytes(r, false, NULL);
    }
    if (!a || r->err) {
        free(a);
        return lh__kreq_fail(q, a ? "malformed SyncGroup request" : "out of memory");
    }
    req.assignments = a;
    req.nassignments = n;
    lh_stream_sync_result_t now;
    int rc = lh_stream_groups_sync(q->b->groups, &req, sync_answer, q, &now);
    free(a);
    if (rc == LH_GROUP_PENDING)
        lh__kreq_park(q, cancel_parked);
    else
        sync_answer(q, &now);
}

/* ---- Heartbeat, LeaveGroup ---- */

void lh__k_heartbeat(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    lh_str_t group = lh_kr_string(r, false, false, NULL);
    int32_t gen = lh_kr_i32(r);
    lh_str_t member = lh_kr_string(r, false, false, NULL);
    lh_str_t instance = q->version >= 3 ? nstr(r) : (lh_str_t){NULL, 0};
    if (r->err) return lh__kreq_fail(q, "malformed Heartbeat request");
    int16_t e = lh_stream_groups_heartbeat(q->b->groups, group, member, instance, gen);
    if (q->version >= 1) lh_kw_i32(&q->out, 0); /* throttle */
    lh_kw_i16(&q->out, e);
    lh__kreq_reply(q);
}

void lh__k_leave_group(lh_kreq_t *q)
{
    lh_kr_t *r = &q->in;
    lh_str_t group = lh_kr_string(r, false, false, NULL);
    int32_t n = q->version >= 3 ? lh_kr_array(r, false, false) : 1;
    lh_stream_leave_member_t *m = calloc((size_t)(n > 0 ? n : 1), sizeof *m);
    for (int32_t i = 0; m && i < n && !r->err; i++) {
        m[i].member_id = lh_kr_string(r, false, false, NULL);
        if (q->version >= 3) m[i].group_instance_id = nstr(r);
    }
    if (!m || r->err) {
        free(m);
        return lh__kreq_fail(q, m ? "malformed LeaveGroup request" : "out of memory");
    }
    int16_t e = lh_stream_groups_leave(q->b->groups, group, m, n);
    lh_buf_t *o = &q->out;
    if (q->version >= 1) lh_kw_i32(o, 0); /* throttle */
    if (q->version < 3) {                 /* one member: its error is the answer's */
        lh_kw_i16(o, e ? e : m[0].error);
    } else {
        lh_kw_i16(o, e);
        lh_kw_array(o, e ? 0 : n, false);
        for (int32_t i = 0; !e && i < n; i++) {
            lh_kw_string(o, m[i].member_id, false);
            lh_kw_string(o, m[i].group_instance_id, false);
            lh_kw_i16(o, m[i].error);
        }
    }
    free(m);
    lh__kreq_reply(q);
}
