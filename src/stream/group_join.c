/* JoinGroup, after Kafka's GroupCoordinator: a new member gets an id (v4+
 * first as MEMBER_ID_REQUIRED, to rejoin with), a static member (with a
 * group instance id) that joins again takes over its old entry, a known
 * member rejoins; each moves the group to a rebalance (group_rebalance.c)
 * unless nothing changed, and waits for its answer there. */
#include "stream/group_int.h"

#include "core/crypto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEW_MEMBER_JOIN_TIMEOUT_MS (5 * 60 * 1000) /* Kafka's NewMemberJoinTimeoutMs */

/* Kafka's supportsProtocols: an empty group takes any type with at least
 * one protocol; otherwise the type must match and one protocol be common
 * to every member. */
static int supports(const lh__group_t *gr, const lh_stream_join_req_t *req)
{
    if (!req->protocol_type.len || req->nprotocols <= 0) return 0;
    if (gr->state == LH_GROUP_EMPTY && !gr->nmembers) return 1;
    if (!lh__gbytes_eq(&gr->protocol_type, req->protocol_type)) return 0;
    for (int i = 0; i < req->nprotocols; i++)
        if (lh__group_all_support(gr, req->protocols[i].name)) return 1;
    return 0;
}

static int set_protocols(lh__gmember_t *m, const lh_stream_join_req_t *req)
{
    lh__gproto_t *p = calloc((size_t)req->nprotocols, sizeof *p);
    if (!p) return LH_ENOMEM;
    for (int i = 0; i < req->nprotocols; i++) {
        lh_str_t md = req->protocols[i].metadata;
        if (!md.ptr) md = LH_STR("");
        if (lh__gbytes_set(&p[i].name, req->protocols[i].name) ||
            lh__gbytes_set(&p[i].metadata, md)) {
            for (int k = 0; k <= i; k++) {
                free(p[k].name.ptr);
                free(p[k].metadata.ptr);
            }
            free(p);
            return LH_ENOMEM;
        }
    }
    for (int i = 0; i < m->nprotos; i++) {
        free(m->protos[i].name.ptr);
        free(m->protos[i].metadata.ptr);
    }
    free(m->protos);
    m->protos = p;
    m->nprotos = req->nprotocols;
    m->session_ms = req->session_timeout_ms;
    m->rebalance_ms = req->rebalance_timeout_ms;
    return 0;
}

/* Kafka's MemberMetadata.matches: the same protocols, in order, with the
 * same metadata. */
static int protocols_match(const lh__gmember_t *m, const lh_stream_join_req_t *req)
{
    if (m->nprotos != req->nprotocols) return 0;
    for (int i = 0; i < m->nprotos; i++) {
        lh_str_t md = req->protocols[i].metadata;
        if (!md.ptr) md = LH_STR("");
        if (!lh__gbytes_eq(&m->protos[i].name, req->protocols[i].name) ||
            !lh__gbytes_eq(&m->protos[i].metadata, md))
            return 0;
    }
    return 1;
}

/* A process-unique member id: "<client id>-<uuid>", as Kafka makes them. */
static int new_member_id(const lh_stream_join_req_t *req, char *out, size_t cap)
{
    unsigned char r[16];
    static uint64_t seq;
    if (lh_random_bytes(r, sizeof r)) {
        memset(r, 0, sizeof r);
        memcpy(r, &seq, sizeof seq);
    }
    seq++;
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
    char hex[33];
    lh_hex(r, sizeof r, hex);
    int n = snprintf(out, cap, "%.*s-%.8s-%.4s-%.4s-%.4s-%.12s",
                     (int)(req->client_id.len > 200 ? 200 : req->client_id.len),
                     req->client_id.ptr ? req->client_id.ptr : "", hex, hex + 8, hex + 12, hex + 16,
                     hex + 20);
    return n > 0 && (size_t)n < cap ? n : LH_ETOOBIG;
}

static void answer_now(lh_stream_groups_t *g, int16_t error, lh_str_t member_id)
{
    lh_stream_join_result_t r = {
        .error = error,
        .generation = -1,
        .member_id = member_id.ptr ? member_id : LH_STR(""),
        .protocol_type = LH_STR(""),
        .protocol_name = LH_STR(""),
        .leader_id = LH_STR(""),
    };
    lh__gnow_join(g, &r);
}

static void wait_join(lh_stream_groups_t *g, lh__group_t *gr, lh__gmember_t *m)
{
    m->join = (lh__gwait_t){.active = 1, .inline_ = 1};
    gr->num_awaiting++;
    g->self = m;
}

static lh__gmember_t *add_member(lh_stream_groups_t *g, lh__group_t *gr, lh_str_t id,
                                 const lh_stream_join_req_t *req)
{
    lh__gmember_t *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    if (lh__ggrow(&gr->members, gr->nmembers, &gr->capmembers, sizeof *gr->members)) goto fail;
    if (lh__gbytes_set(&m->id, id) || lh__gbytes_set(&m->instance_id, req->group_instance_id) ||
        lh__gbytes_set(&m->client_id, req->client_id.ptr ? req->client_id : LH_STR("")) ||
        lh__gbytes_set(&m->client_host, req->client_host.ptr ? req->client_host : LH_STR("")) ||
        set_protocols(m, req))
        goto fail;
    if (!gr->nmembers && lh__gbytes_set(&gr->protocol_type, req->protocol_type)) goto fail;
    if (gr->state == LH_GROUP_PREPARING_REBALANCE && gr->generation == 0) gr->new_member_added = 1;
    if (!gr->leader) gr->leader = m;
    gr->members[gr->nmembers++] = m;
    m->is_new = 1;
    m->hb_deadline = lh__groups_now(g) + NEW_MEMBER_JOIN_TIMEOUT_MS;
    wait_join(g, gr, m);
    for (int i = 0; i < gr->npending; i++) {
        if (lh__gbytes_eq(&gr->pending[i].id, id)) {
            free(gr->pending[i].id.ptr);
            gr->pending[i] = gr->pending[--gr->npending];
            break;
        }
    }
    lh__group_maybe_rebalance(g, gr);
    return m;
fail:
    lh__gmember_free(m);
    return NULL;
}

static int add_pending(lh_stream_groups_t *g, lh__group_t *gr, lh_str_t id, int32_t session_ms)
{
    if (lh__ggrow(&gr->pending, gr->npending, &gr->cappending, sizeof *gr->pending))
        return LH_ENOMEM;
    lh__gpending_t *pm = &gr->pending[gr->npending];
    memset(pm, 0, sizeof *pm);
    if (lh__gbytes_set(&pm->id, id)) return LH_ENOMEM;
    pm->deadline = lh__groups_now(g) + session_ms;
    gr->npending++;
    return 0;
}

static int is_pending(const lh__group_t *gr, lh_str_t id)
{
    for (int i = 0; i < gr->npending; i++)
        if (lh__gbytes_eq(&gr->pending[i].id, id)) return 1;
    return 0;
}

/* A static member that joins again (a restarted process) takes over the
 * entry of its instance under a new member id (Kafka's
 * updateStaticMemberAndRebalance). In a Stable group whose protocol
 * stays, it gets the current generation without a rebalance, and the
 * leader id as it was, so that a restarted leader does not assign (the
 * group keeps its assignment, which the member gets from SyncGroup). */
static lh__gmember_t *join_static(lh_stream_groups_t *g, lh__group_t *gr,
                                  const lh_stream_join_req_t *req, lh_str_t new_id)
{
    lh__gmember_t *m = lh__group_by_instance(gr, req->group_instance_id);
    if (!m) {
        m = add_member(g, gr, new_id, req);
        if (!m) answer_now(g, LH_GROUP_UNKNOWN_SERVER_ERROR, LH_STR(""));
        return m;
    }
    lh__gbytes_t leader = {0};
    if (lh__gbytes_set(&leader, gr->leader ? lh__gstr(&gr->leader->id) : LH_STR("")) ||
        lh__gbytes_set(&m->id, new_id) || set_protocols(m, req)) {
        free(leader.ptr);
        answer_now(g, LH_GROUP_UNKNOWN_SERVER_ERROR, LH_STR(""));
        return NULL;
    }
    lh__gmember_fail_waits(g, gr, m, LH_GROUP_FENCED_INSTANCE_ID); /* the old process */
    m->hb_deadline = lh__groups_now(g) + m->session_ms;
    const lh__gbytes_t *proto = lh__group_select_protocol(gr);
    if (gr->state == LH_GROUP_STABLE && proto &&
        lh__gbytes_eq(&gr->protocol_name, lh__gstr(proto))) {
        lh_stream_join_result_t r = lh__group_join_result(g, gr, m, 0);
        r.leader_id = lh__gstr(&leader);
        lh__gnow_join(g, &r);
        free(leader.ptr);
        lh__group_persist(g, gr); /* the instance's new member id */
        return NULL;
    }
    free(leader.ptr);
    wait_join(g, gr, m);
    if (gr->state != LH_GROUP_PREPARING_REBALANCE) lh__group_prepare_rebalance(g, gr);
    return m;
}

static lh__gmember_t *join_new(lh_stream_groups_t *g, lh__group_t *gr,
                               const lh_stream_join_req_t *req)
{
    if (!supports(gr, req)) {
        answer_now(g, LH_GROUP_INCONSISTENT_GROUP_PROTOCOL, LH_STR(""));
        return NULL;
    }
    char id[300];
    int n = new_member_id(req, id, sizeof id);
    if (n < 0) {
        answer_now(g, LH_GROUP_UNKNOWN_SERVER_ERROR, LH_STR(""));
        return NULL;
    }
    lh_str_t sid = {id, (size_t)n};
    if (req->group_instance_id.ptr) return join_static(g, gr, req, sid);
    if (req->require_known_member_id) {
        if (add_pending(g, gr, sid, req->session_timeout_ms)) {
            answer_now(g, LH_GROUP_UNKNOWN_SERVER_ERROR, LH_STR(""));
            return NULL;
        }
        /* the id lives in the pending entry until the next call */
        answer_now(g, LH_GROUP_MEMBER_ID_REQUIRED, lh__gstr(&gr->pending[gr->npending - 1].id));
        return NULL;
    }
    lh__gmember_t *m = add_member(g, gr, sid, req);
    if (!m) answer_now(g, LH_GROUP_UNKNOWN_SERVER_ERROR, LH_STR(""));
    return m;
}

/* A known member rejoins with protocols that may have changed. */
static lh__gmember_t *rejoin(lh_stream_groups_t *g, lh__group_t *gr, lh__gmember_t *m,
                             const lh_stream_join_req_t *req)
{
    if (m->join.active) { /* a second JoinGroup while the first waits */
        lh_stream_join_result_t r = {.error = LH_GROUP_REBALANCE_IN_PROGRESS,
                                     .generation = -1,
                                     .member_id = lh__gstr(&m->id)};
        lh__gwait_join_answer(g, gr, m, &r);
    }
    if (set_protocols(m, req)) {
        answer_now(g, LH_GROUP_UNKNOWN_SERVER_ERROR, req->member_id);
        return NULL;
    }
    wait_join(g, gr, m);
    lh__group_maybe_rebalance(g, gr);
    return m;
}

static lh__gmember_t *join_known(lh_stream_groups_t *g, lh__group_t *gr,
                                 const lh_stream_join_req_t *req)
{
    if (!supports(gr, req)) {
        answer_now(g, LH_GROUP_INCONSISTENT_GROUP_PROTOCOL, req->member_id);
        return NULL;
    }
    if (is_pending(gr, req->member_id)) {
        lh__gmember_t *m = add_member(g, gr, req->member_id, req);
        if (!m) answer_now(g, LH_GROUP_UNKNOWN_SERVER_ERROR, req->member_id);
        return m;
    }
    lh__gmember_t *m = NULL;
    int16_t e = lh__group_check_member(gr, req->member_id, req->group_instance_id, &m);
    if (e || gr->state == LH_GROUP_EMPTY || gr->state == LH_GROUP_DEAD) {
        answer_now(g, e ? e : LH_GROUP_UNKNOWN_MEMBER_ID, req->member_id);
        return NULL;
    }
    int same = protocols_match(m, req);
    if (gr->state == LH_GROUP_PREPARING_REBALANCE || !same ||
        (gr->state == LH_GROUP_STABLE && m == gr->leader))
        return rejoin(g, gr, m, req);
    /* unchanged: the current generation again (CompletingRebalance: the
     * leader gets the list again, as it may have missed its answer) */
    int with = gr->state == LH_GROUP_COMPLETING_REBALANCE && m == gr->leader &&
               !lh__group_leader_list(g, gr);
    lh_stream_join_result_t r = lh__group_join_result(g, gr, m, with);
    lh__gnow_join(g, &r);
    return NULL;
}

/* Kafka's acceptJoiningMember (group.max.size). */
static int accept_member(const lh_stream_groups_t *g, const lh__group_t *gr, lh_str_t id)
{
    const lh__gmember_t *m = id.len ? lh__group_member(gr, id) : NULL;
    switch (gr->state) {
    case LH_GROUP_PREPARING_REBALANCE:
        return (m && m->join.active) || gr->num_awaiting < g->o.max_members;
    case LH_GROUP_COMPLETING_REBALANCE:
    case LH_GROUP_STABLE:
        return m || gr->nmembers < g->o.max_members;
    default:
        return 1;
    }
}

int lh_stream_groups_join(lh_stream_groups_t *g, const lh_stream_join_req_t *req,
                          lh_stream_join_cb cb, void *arg, lh_stream_join_result_t *now)
{
    int64_t t = lh__groups_now(g);
    lh__groups_fire_id(g, req->group_id, t);
    memset(&g->now_join, 0, sizeof g->now_join);
    g->self = NULL;
    lh__group_t *gr = NULL;
    lh__gmember_t *m = NULL;
    int unknown = req->member_id.len == 0;
    if (!lh__group_valid_id(req->group_id))
        answer_now(g, LH_GROUP_INVALID_GROUP_ID, req->member_id);
    else if (req->session_timeout_ms < g->o.min_session_timeout_ms ||
             req->session_timeout_ms > g->o.max_session_timeout_ms)
        answer_now(g, LH_GROUP_INVALID_SESSION_TIMEOUT, req->member_id);
    else if (!(gr = unknown ? lh__groups_get(g, req->group_id) : lh__groups_find(g, req->group_id)))
        answer_now(g, unknown ? LH_GROUP_COORDINATOR_NOT_AVAILABLE : LH_GROUP_UNKNOWN_MEMBER_ID,
                   req->member_id);
    else if (!accept_member(g, gr, req->member_id))
        answer_now(g, LH_GROUP_GROUP_MAX_SIZE_REACHED, LH_STR(""));
    else
        m = unknown ? join_new(g, gr, req) : join_known(g, gr, req);
    if (gr) {
        lh__group_try_complete_join(g, gr);
        lh__group_fire_one(g, gr, t); /* a join delay of 0 completes now */
    }
    m = g->self; /* NULL when the call removed it (its answer is in now_join) */
    g->self = NULL;
    if (m && m->join.active && m->join.inline_) {
        m->join = (lh__gwait_t){.active = 1, .join_cb = cb, .arg = arg};
        return LH_GROUP_PENDING;
    }
    *now = g->now_join;
    return 0;
}
