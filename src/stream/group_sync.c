/* SyncGroup, Heartbeat and LeaveGroup, after Kafka's GroupCoordinator. In
 * CompletingRebalance a SyncGroup waits until the leader's arrives with
 * every member's assignment; then all waiting members get theirs and the
 * group is Stable (members the leader left out get empty bytes). A
 * heartbeat tells a member to rejoin (REBALANCE_IN_PROGRESS) or that its
 * generation or id is stale, and pushes its session expiry back. A leave
 * removes members and rebalances the rest. */
#include "stream/group_int.h"

#include <string.h>

static void answer_now(lh_stream_groups_t *g, int16_t error)
{
    lh_stream_sync_result_t r = {
        .error = error,
        .protocol_type = LH_STR(""),
        .protocol_name = LH_STR(""),
        .assignment = LH_STR(""),
    };
    lh__gnow_sync(g, &r);
}

static lh_stream_sync_result_t sync_result(const lh__group_t *gr, const lh__gmember_t *m)
{
    return (lh_stream_sync_result_t){
        .error = LH_GROUP_NONE,
        .protocol_type = lh__gstr(&gr->protocol_type),
        .protocol_name = lh__gstr(&gr->protocol_name),
        .assignment = lh__gstr(&m->assignment),
    };
}

static lh_str_t assignment_of(const lh_stream_sync_req_t *req, const lh__gmember_t *m)
{
    for (int i = 0; i < req->nassignments; i++)
        if (lh__gbytes_eq(&m->id, req->assignments[i].member_id))
            return req->assignments[i].assignment.ptr ? req->assignments[i].assignment : LH_STR("");
    return LH_STR("");
}

/* The leader's SyncGroup: store every assignment, answer every waiting
 * member, and the group is Stable. */
static void take_assignments(lh_stream_groups_t *g, lh__group_t *gr,
                             const lh_stream_sync_req_t *req)
{
    int64_t now = lh__groups_now(g);
    for (int i = 0; i < gr->nmembers; i++) {
        if (lh__gbytes_set(&gr->members[i]->assignment, assignment_of(req, gr->members[i]))) {
            lh_stream_sync_result_t r = {.error = LH_GROUP_UNKNOWN_SERVER_ERROR};
            for (int k = 0; k < gr->nmembers; k++)
                lh__gwait_sync_answer(g, gr->members[k], &r);
            lh__group_prepare_rebalance(g, gr);
            return;
        }
    }
    gr->state = LH_GROUP_STABLE;
    for (int i = 0; i < gr->nmembers; i++) {
        lh__gmember_t *m = gr->members[i];
        if (!m->sync.active) continue;
        lh_stream_sync_result_t r = sync_result(gr, m);
        lh__gwait_sync_answer(g, m, &r);
        m->hb_deadline = now + m->session_ms;
    }
    lh__group_persist(g, gr);
}

static void synced(lh__group_t *gr, lh__gmember_t *m)
{
    m->pending_sync = 0;
    for (int i = 0; i < gr->nmembers; i++)
        if (gr->members[i]->pending_sync) return;
    gr->sync_deadline = -1;
}

/* Kafka's validateSyncGroup. */
static int16_t sync_check(const lh__group_t *gr, lh__gmember_t **m, const lh_stream_sync_req_t *req)
{
    int16_t e = lh__group_check_member(gr, req->member_id, req->group_instance_id, m);
    if (e) return e;
    if (req->generation != gr->generation) return LH_GROUP_ILLEGAL_GENERATION;
    if (req->protocol_type.ptr && !lh__gbytes_eq(&gr->protocol_type, req->protocol_type))
        return LH_GROUP_INCONSISTENT_GROUP_PROTOCOL;
    if (req->protocol_name.ptr && !lh__gbytes_eq(&gr->protocol_name, req->protocol_name))
        return LH_GROUP_INCONSISTENT_GROUP_PROTOCOL;
    if (gr->state == LH_GROUP_EMPTY) return LH_GROUP_UNKNOWN_MEMBER_ID;
    if (gr->state == LH_GROUP_PREPARING_REBALANCE) return LH_GROUP_REBALANCE_IN_PROGRESS;
    return LH_GROUP_NONE;
}

int lh_stream_groups_sync(lh_stream_groups_t *g, const lh_stream_sync_req_t *req,
                          lh_stream_sync_cb cb, void *arg, lh_stream_sync_result_t *now)
{
    lh__groups_fire_id(g, req->group_id, lh__groups_now(g));
    answer_now(g, LH_GROUP_NONE);
    lh__group_t *gr = lh__group_valid_id(req->group_id) ? lh__groups_find(g, req->group_id) : NULL;
    lh__gmember_t *m = NULL;
    int16_t e = !lh__group_valid_id(req->group_id) ? LH_GROUP_INVALID_GROUP_ID
                : !gr                              ? LH_GROUP_UNKNOWN_MEMBER_ID
                                                   : sync_check(gr, &m, req);
    if (e) {
        answer_now(g, e);
    } else if (gr->state == LH_GROUP_STABLE) {
        synced(gr, m);
        lh_stream_sync_result_t r = sync_result(gr, m);
        lh__gnow_sync(g, &r);
        m->hb_deadline = lh__groups_now(g) + m->session_ms;
    } else { /* CompletingRebalance */
        if (m->sync.active) {
            lh_stream_sync_result_t r = {.error = LH_GROUP_REBALANCE_IN_PROGRESS};
            lh__gwait_sync_answer(g, m, &r);
        }
        m->sync = (lh__gwait_t){.active = 1, .inline_ = 1};
        g->self = m;
        synced(gr, m);
        if (m == gr->leader) take_assignments(g, gr, req);
        m = g->self; /* NULL when the call removed it (its answer is in now_sync) */
        g->self = NULL;
    }
    if (m && m->sync.active && m->sync.inline_) {
        m->sync = (lh__gwait_t){.active = 1, .sync_cb = cb, .arg = arg};
        return LH_GROUP_PENDING;
    }
    *now = g->now_sync;
    return 0;
}

int16_t lh_stream_groups_heartbeat(lh_stream_groups_t *g, lh_str_t group_id, lh_str_t member_id,
                                   lh_str_t group_instance_id, int32_t generation)
{
    int64_t now = lh__groups_now(g);
    lh__groups_fire_id(g, group_id, now);
    if (!lh__group_valid_id(group_id)) return LH_GROUP_INVALID_GROUP_ID;
    lh__group_t *gr = lh__groups_find(g, group_id);
    lh__gmember_t *m = NULL;
    int16_t e = gr ? lh__group_check_member(gr, member_id, group_instance_id, &m)
                   : LH_GROUP_UNKNOWN_MEMBER_ID;
    if (e) return e;
    if (generation != gr->generation) return LH_GROUP_ILLEGAL_GENERATION;
    if (gr->state == LH_GROUP_EMPTY) return LH_GROUP_UNKNOWN_MEMBER_ID;
    m->hb_deadline = now + m->session_ms;
    return gr->state == LH_GROUP_PREPARING_REBALANCE ? LH_GROUP_REBALANCE_IN_PROGRESS
                                                     : LH_GROUP_NONE;
}

static int drop_pending(lh_stream_groups_t *g, lh__group_t *gr, lh_str_t id)
{
    for (int i = 0; i < gr->npending; i++) {
        if (!lh__gbytes_eq(&gr->pending[i].id, id)) continue;
        lh__gbytes_set(&gr->pending[i].id, (lh_str_t){NULL, 0});
        gr->pending[i] = gr->pending[--gr->npending];
        lh__group_try_complete_join(g, gr);
        return 1;
    }
    return 0;
}

static int16_t leave_one(lh_stream_groups_t *g, lh__group_t *gr, const lh_stream_leave_member_t *l)
{
    if (!gr) return LH_GROUP_UNKNOWN_MEMBER_ID;
    lh__gmember_t *m = NULL;
    int16_t e = LH_GROUP_NONE;
    if (!l->member_id.len) /* an administrator removing a static member */
        m = lh__group_by_instance(gr, l->group_instance_id);
    else if (drop_pending(g, gr, l->member_id))
        return LH_GROUP_NONE;
    else
        e = lh__group_check_member(gr, l->member_id, l->group_instance_id, &m);
    if (e || !m) return e ? e : LH_GROUP_UNKNOWN_MEMBER_ID;
    lh__group_remove_and_update(g, gr, m);
    return LH_GROUP_NONE;
}

int16_t lh_stream_groups_leave(lh_stream_groups_t *g, lh_str_t group_id,
                               lh_stream_leave_member_t *members, int n)
{
    lh__groups_fire_id(g, group_id, lh__groups_now(g));
    if (!lh__group_valid_id(group_id)) return LH_GROUP_INVALID_GROUP_ID;
    lh__group_t *gr = lh__groups_find(g, group_id);
    for (int i = 0; i < n; i++)
        members[i].error = leave_one(g, gr, &members[i]);
    return LH_GROUP_NONE;
}
