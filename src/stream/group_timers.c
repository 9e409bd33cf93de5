/* The coordinator's timers: a tick walks every group and fires what is
 * due (MEMBER_ID_REQUIRED ids never used, session expiries, the join
 * delay or rebalance timeout, members that never synced), then drops Empty
 * groups that hold no offsets; a request fires its own group's. A walk per
 * tick keeps no timer heap to maintain: a tick over 10,000 members takes
 * about 50 us. */
#include "stream/group_int.h"

#include <stdlib.h>

static void fire_pending(lh_stream_groups_t *g, lh__group_t *gr, int64_t now)
{
    int kept = 0, dropped = 0;
    for (int i = 0; i < gr->npending; i++) {
        if (gr->pending[i].deadline <= now) {
            free(gr->pending[i].id.ptr);
            dropped++;
        } else {
            gr->pending[kept++] = gr->pending[i];
        }
    }
    gr->npending = kept;
    if (dropped && gr->state == LH_GROUP_PREPARING_REBALANCE) lh__group_try_complete_join(g, gr);
}

/* Kafka's hasSatisfiedHeartbeat: members waiting on a join or a sync do
 * not expire, except new members still waiting on their first join. */
static int member_expired(const lh__gmember_t *m, int64_t now)
{
    if (m->sync.active) return 0;
    if (m->join.active && !m->is_new) return 0;
    return now >= m->hb_deadline;
}

static void fire_sessions(lh_stream_groups_t *g, lh__group_t *gr, int64_t now)
{
    for (int i = 0; i < gr->nmembers;) {
        if (member_expired(gr->members[i], now))
            lh__group_remove_and_update(g, gr, gr->members[i]);
        else
            i++;
    }
}

/* Kafka's DelayedSync: members that got their JoinGroup answer but sent
 * no SyncGroup by the rebalance timeout leave, and the group rebalances. */
static void fire_sync(lh_stream_groups_t *g, lh__group_t *gr)
{
    gr->sync_deadline = -1;
    if (gr->state != LH_GROUP_COMPLETING_REBALANCE && gr->state != LH_GROUP_STABLE) return;
    int removed = 0;
    for (int i = 0; i < gr->nmembers;) {
        lh__gmember_t *m = gr->members[i];
        if (m->pending_sync) {
            lh__gmember_fail_waits(g, gr, m, LH_GROUP_UNKNOWN_MEMBER_ID);
            lh__group_remove_member(g, gr, m);
            removed = 1;
        } else {
            i++;
        }
    }
    if (removed) lh__group_prepare_rebalance(g, gr);
}

/* Kafka's InitialDelayedJoin: while new members keep arriving, the first
 * rebalance of an empty group waits another delay, within the rebalance
 * timeout; otherwise the join completes. */
static void fire_join(lh_stream_groups_t *g, lh__group_t *gr, int64_t now)
{
    gr->join_deadline = -1;
    if (gr->initial && gr->new_member_added && gr->initial_remaining != 0) {
        int64_t cfg = g->o.initial_rebalance_delay_ms;
        int64_t delay = cfg < gr->initial_remaining ? cfg : gr->initial_remaining;
        int64_t rem = gr->initial_remaining - gr->initial_delay;
        gr->new_member_added = 0;
        gr->initial_delay = delay;
        gr->initial_remaining = rem > 0 ? rem : 0;
        gr->join_deadline = now + delay;
        return;
    }
    lh__group_complete_join(g, gr);
}

static void fire_group(lh_stream_groups_t *g, lh__group_t *gr, int64_t now)
{
    if (gr->npending) fire_pending(g, gr, now);
    fire_sessions(g, gr, now);
    if (gr->state == LH_GROUP_PREPARING_REBALANCE && gr->join_deadline >= 0 &&
        now >= gr->join_deadline)
        fire_join(g, gr, now);
    if (gr->sync_deadline >= 0 && now >= gr->sync_deadline) fire_sync(g, gr);
}

void lh__groups_fire_id(lh_stream_groups_t *g, lh_str_t id, int64_t now)
{
    lh__group_t *gr = id.ptr ? lh__groups_find(g, id) : NULL;
    if (gr) fire_group(g, gr, now);
}

void lh__groups_fire(lh_stream_groups_t *g, int64_t now)
{
    for (int i = 0; i < g->ngroups; i++)
        fire_group(g, g->groups[i], now);
}

void lh__group_fire_one(lh_stream_groups_t *g, lh__group_t *gr, int64_t now)
{
    fire_group(g, gr, now);
}

void lh_stream_groups_tick(lh_stream_groups_t *g)
{
    lh__groups_fire(g, lh__groups_now(g));
    lh__groups_sweep(g);
}
