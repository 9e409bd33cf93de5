/* The rebalance, after Kafka's GroupCoordinator: preparing (sync waiters
 * told REBALANCE_IN_PROGRESS; the first rebalance of an empty group waits
 * the initial delay, later ones the rebalance timeout), completing when
 * every known member has rejoined or the timer fired (the dynamic members
 * that did not rejoin are removed; static ones stay until their session
 * ends), the protocol chosen by the members' votes, the
 * generation bumped and every waiting join answered: the leader gets every
 * member's metadata, the others an empty list. */
#include "stream/group_int.h"

#include <stdlib.h>
#include <string.h>

int32_t lh__group_rebalance_ms(const lh__group_t *gr)
{
    int32_t t = 0;
    for (int i = 0; i < gr->nmembers; i++)
        if (gr->members[i]->rebalance_ms > t) t = gr->members[i]->rebalance_ms;
    return t;
}

static int member_supports(const lh__gmember_t *m, lh_str_t name)
{
    for (int i = 0; i < m->nprotos; i++)
        if (lh__gbytes_eq(&m->protos[i].name, name)) return 1;
    return 0;
}

int lh__group_all_support(const lh__group_t *gr, lh_str_t name)
{
    for (int i = 0; i < gr->nmembers; i++)
        if (!member_supports(gr->members[i], name)) return 0;
    return 1;
}

/* Every member votes for its most preferred protocol that all support;
 * the most votes win, ties going to the leader's preference. */
const lh__gbytes_t *lh__group_select_protocol(const lh__group_t *gr)
{
    const lh__gmember_t *lead = gr->leader;
    const lh__gbytes_t *best = NULL;
    int best_votes = -1;
    for (int c = 0; c < lead->nprotos; c++) {
        lh_str_t cand = lh__gstr(&lead->protos[c].name);
        if (!lh__group_all_support(gr, cand)) continue;
        int votes = 0;
        for (int i = 0; i < gr->nmembers; i++) {
            const lh__gmember_t *m = gr->members[i];
            for (int k = 0; k < m->nprotos; k++) {
                lh_str_t p = lh__gstr(&m->protos[k].name);
                if (!lh__group_all_support(gr, p)) continue;
                votes += lh__gbytes_eq(&lead->protos[c].name, p);
                break;
            }
        }
        if (votes > best_votes) {
            best = &lead->protos[c].name;
            best_votes = votes;
        }
    }
    return best;
}

static const lh__gbytes_t *member_metadata(const lh__gmember_t *m, const lh__gbytes_t *proto)
{
    for (int i = 0; i < m->nprotos; i++)
        if (lh__gbytes_eq(&m->protos[i].name, lh__gstr(proto))) return &m->protos[i].metadata;
    return NULL;
}

void lh__group_prepare_rebalance(lh_stream_groups_t *g, lh__group_t *gr)
{
    int64_t now = lh__groups_now(g);
    if (gr->state == LH_GROUP_COMPLETING_REBALANCE) {
        lh_stream_sync_result_t r = {.error = LH_GROUP_REBALANCE_IN_PROGRESS};
        for (int i = 0; i < gr->nmembers; i++) {
            lh__gbytes_set(&gr->members[i]->assignment, (lh_str_t){NULL, 0});
            lh__gwait_sync_answer(g, gr->members[i], &r);
        }
    }
    gr->sync_deadline = -1;
    for (int i = 0; i < gr->nmembers; i++)
        gr->members[i]->pending_sync = 0;
    int32_t rebalance_ms = lh__group_rebalance_ms(gr);
    if (gr->state == LH_GROUP_EMPTY) {
        int64_t delay = g->o.initial_rebalance_delay_ms, rem = rebalance_ms - delay;
        gr->initial = 1;
        gr->initial_delay = delay;
        gr->initial_remaining = rem > 0 ? rem : 0;
        gr->join_deadline = now + delay;
    } else {
        gr->initial = 0;
        gr->join_deadline = now + rebalance_ms;
    }
    gr->state = LH_GROUP_PREPARING_REBALANCE;
    lh__group_try_complete_join(g, gr);
}

void lh__group_maybe_rebalance(lh_stream_groups_t *g, lh__group_t *gr)
{
    if (gr->state == LH_GROUP_STABLE || gr->state == LH_GROUP_COMPLETING_REBALANCE ||
        gr->state == LH_GROUP_EMPTY)
        lh__group_prepare_rebalance(g, gr);
}

void lh__group_try_complete_join(lh_stream_groups_t *g, lh__group_t *gr)
{
    if (gr->state == LH_GROUP_PREPARING_REBALANCE && !gr->initial &&
        gr->num_awaiting == gr->nmembers && gr->npending == 0)
        lh__group_complete_join(g, gr);
}

void lh__group_remove_and_update(lh_stream_groups_t *g, lh__group_t *gr, lh__gmember_t *m)
{
    lh__gmember_fail_waits(g, gr, m, LH_GROUP_UNKNOWN_MEMBER_ID);
    lh__group_remove_member(g, gr, m);
    if (gr->state == LH_GROUP_STABLE || gr->state == LH_GROUP_COMPLETING_REBALANCE)
        lh__group_maybe_rebalance(g, gr);
    else if (gr->state == LH_GROUP_PREPARING_REBALANCE)
        lh__group_try_complete_join(g, gr);
}

/* The list the leader gets: every member's metadata for the protocol. */
int lh__group_leader_list(lh_stream_groups_t *g, lh__group_t *gr)
{
    if (gr->nmembers > g->capscratch) {
        void *p = realloc(g->scratch_members, (size_t)gr->nmembers * sizeof *g->scratch_members);
        if (!p) return LH_ENOMEM;
        g->scratch_members = p;
        g->capscratch = gr->nmembers;
    }
    for (int i = 0; i < gr->nmembers; i++) {
        const lh__gmember_t *m = gr->members[i];
        const lh__gbytes_t *md = member_metadata(m, &gr->protocol_name);
        g->scratch_members[i] = (lh_stream_join_member_t){
            .member_id = lh__gstr(&m->id),
            .group_instance_id =
                m->instance_id.ptr ? lh__gstr(&m->instance_id) : (lh_str_t){NULL, 0},
            .metadata = md ? lh__gstr(md) : LH_STR(""),
        };
    }
    return 0;
}

lh_stream_join_result_t lh__group_join_result(lh_stream_groups_t *g, const lh__group_t *gr,
                                              const lh__gmember_t *m, int with_members)
{
    return (lh_stream_join_result_t){
        .error = LH_GROUP_NONE,
        .generation = gr->generation,
        .protocol_type = lh__gstr(&gr->protocol_type),
        .protocol_name = lh__gstr(&gr->protocol_name),
        .leader_id = gr->leader ? lh__gstr(&gr->leader->id) : LH_STR(""),
        .member_id = lh__gstr(&m->id),
        .members = with_members ? g->scratch_members : NULL,
        .nmembers = with_members ? gr->nmembers : 0,
    };
}

static void to_empty(lh_stream_groups_t *g, lh__group_t *gr)
{
    gr->generation++;
    lh__gbytes_set(&gr->protocol_name, (lh_str_t){NULL, 0});
    gr->state = LH_GROUP_EMPTY;
    lh__group_persist(g, gr);
}

/* Kafka's maybeElectNewJoinedLeader: a leader that did not rejoin (a
 * static member may stay away) hands over to one that did. 0 when none
 * rejoined. */
static int joined_leader(lh__group_t *gr)
{
    if (gr->leader->join.active) return 1;
    for (int i = 0; i < gr->nmembers; i++) {
        if (gr->members[i]->join.active) {
            gr->leader = gr->members[i];
            return 1;
        }
    }
    return 0;
}

/* The new generation's answers: every waiting member gets its JoinGroup
 * answer (the leader with the list), a fresh session and a SyncGroup owed
 * by the rebalance timeout. */
static void answer_joins(lh_stream_groups_t *g, lh__group_t *gr, int64_t now)
{
    for (int i = 0; i < gr->nmembers; i++) {
        lh__gmember_t *m = gr->members[i];
        lh_stream_join_result_t r = lh__group_join_result(g, gr, m, m == gr->leader);
        lh__gwait_join_answer(g, gr, m, &r);
        m->hb_deadline = now + m->session_ms;
        m->is_new = 0;
        m->pending_sync = 1;
    }
    gr->sync_deadline = now + lh__group_rebalance_ms(gr);
}

void lh__group_complete_join(lh_stream_groups_t *g, lh__group_t *gr)
{
    int64_t now = lh__groups_now(g);
    gr->join_deadline = -1;
    gr->initial = 0;
    for (int i = 0; i < gr->nmembers;) { /* dynamic members that did not rejoin leave */
        if (!gr->members[i]->join.active && !gr->members[i]->instance_id.ptr)
            lh__group_remove_member(g, gr, gr->members[i]);
        else
            i++;
    }
    if (!gr->nmembers) {
        to_empty(g, gr);
        return;
    }
    if (!joined_leader(gr)) { /* nobody rejoined: wait another rebalance timeout (Kafka) */
        gr->join_deadline = now + lh__group_rebalance_ms(gr);
        return;
    }
    const lh__gbytes_t *proto = lh__group_select_protocol(gr);
    gr->generation++;
    if (!proto || lh__gbytes_set(&gr->protocol_name, lh__gstr(proto)) ||
        lh__group_leader_list(g, gr)) {
        for (int i = gr->nmembers - 1; i >= 0; i--) { /* out of memory: everyone rejoins */
            lh__gmember_fail_waits(g, gr, gr->members[i], LH_GROUP_UNKNOWN_SERVER_ERROR);
            lh__group_remove_member(g, gr, gr->members[i]);
        }
        to_empty(g, gr);
        return;
    }
    gr->state = LH_GROUP_COMPLETING_REBALANCE;
    g->n_rebalances++;
    answer_joins(g, gr, now);
}
