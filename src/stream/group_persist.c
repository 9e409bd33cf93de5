/* A group's membership in the offsets file, as Kafka keeps it in
 * __consumer_offsets: when a group becomes Stable (the leader's
 * assignments arrived, or a static member took over its instance) or
 * Empty after a rebalance, a GROUP frame records its generation, protocol,
 * leader and members (ids, instance ids, client ids and hosts, timeouts,
 * the chosen protocol's metadata, assignments). It is written without an
 * fsync of its own (the next commit's fsync covers it; losing it costs
 * only a rejoin), and replayed on open: a Stable group comes back Stable,
 * its members with a full session to heartbeat in, so a broker restart
 * does not make every group rebalance. */
#include "stream/group_int.h"
#include "stream/wire.h"

#include <stdlib.h>
#include <string.h>

static lh_str_t opt(const lh__gbytes_t *b)
{
    return b->ptr ? lh__gstr(b) : (lh_str_t){NULL, 0};
}

static void enc_member(lh_buf_t *b, const lh__group_t *gr, const lh__gmember_t *m)
{
    lh_str_t md = LH_STR("");
    for (int i = 0; i < m->nprotos; i++)
        if (lh__gbytes_eq(&m->protos[i].name, lh__gstr(&gr->protocol_name)))
            md = lh__gstr(&m->protos[i].metadata);
    lh_kw_string(b, lh__gstr(&m->id), false);
    lh_kw_string(b, opt(&m->instance_id), false);
    lh_kw_string(b, lh__gstr(&m->client_id), false);
    lh_kw_string(b, lh__gstr(&m->client_host), false);
    lh_kw_i32(b, m->session_ms);
    lh_kw_i32(b, m->rebalance_ms);
    lh_kw_bytes(b, md, false);
    lh_kw_bytes(b, lh__gstr(&m->assignment), false);
}

void lh__gencode_membership(lh_buf_t *b, const lh__group_t *gr)
{
    int stable = gr->state == LH_GROUP_STABLE;
    lh_kw_i8(b, LH__GREC_GROUP);
    lh_kw_string(b, lh__gstr(&gr->id), false);
    lh_kw_i32(b, gr->generation);
    lh_kw_string(b, lh__gstr(&gr->protocol_type), false);
    lh_kw_string(b, stable ? lh__gstr(&gr->protocol_name) : LH_STR(""), false);
    lh_kw_string(b, stable && gr->leader ? lh__gstr(&gr->leader->id) : LH_STR(""), false);
    lh_kw_i32(b, stable ? gr->nmembers : 0);
    for (int i = 0; stable && i < gr->nmembers; i++)
        enc_member(b, gr, gr->members[i]);
}

void lh__group_persist(lh_stream_groups_t *g, lh__group_t *gr)
{
    if (gr->state != LH_GROUP_STABLE && gr->state != LH_GROUP_EMPTY) return;
    lh_buf_t b;
    lh_buf_init(&b, 0);
    lh__gencode_membership(&b, gr);
    lh_err_t err;
    if (!lh_buf_err(&b)) lh__gstore_write(g, b.ptr, b.len, &err); /* best effort */
    lh_buf_free(&b);
}

static lh__gmember_t *dec_member(lh_kr_t *r, lh_str_t protocol)
{
    lh__gmember_t *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    bool null;
    lh_str_t id = lh_kr_string(r, false, false, NULL);
    lh_str_t inst = lh_kr_string(r, false, true, &null);
    lh_str_t cid = lh_kr_string(r, false, false, NULL);
    lh_str_t host = lh_kr_string(r, false, false, NULL);
    m->session_ms = lh_kr_i32(r);
    m->rebalance_ms = lh_kr_i32(r);
    lh_str_t md = lh_kr_bytes(r, false, NULL);
    lh_str_t asg = lh_kr_bytes(r, false, NULL);
    m->protos = calloc(1, sizeof *m->protos);
    if (r->err || !m->protos || lh__gbytes_set(&m->id, id) ||
        lh__gbytes_set(&m->instance_id, null ? (lh_str_t){NULL, 0} : inst) ||
        lh__gbytes_set(&m->client_id, cid) || lh__gbytes_set(&m->client_host, host) ||
        lh__gbytes_set(&m->assignment, asg) || lh__gbytes_set(&m->protos[0].name, protocol) ||
        lh__gbytes_set(&m->protos[0].metadata, md)) {
        m->nprotos = m->protos ? 1 : 0;
        lh__gmember_free(m);
        return NULL;
    }
    m->nprotos = 1;
    return m;
}

/* Forgets the group's members (replay: a newer frame replaces them). */
static void clear_members(lh_stream_groups_t *g, lh__group_t *gr)
{
    while (gr->nmembers)
        lh__group_remove_member(g, gr, gr->members[gr->nmembers - 1]);
    gr->leader = NULL;
    gr->num_awaiting = 0;
}

int lh__groups_apply_membership(lh_stream_groups_t *g, lh_kr_t *r)
{
    lh_str_t id = lh_kr_string(r, false, false, NULL);
    int32_t gen = lh_kr_i32(r);
    lh_str_t type = lh_kr_string(r, false, false, NULL);
    lh_str_t proto = lh_kr_string(r, false, false, NULL);
    lh_str_t leader = lh_kr_string(r, false, false, NULL);
    int32_t n = lh_kr_i32(r);
    if (r->err || n < 0) return LH_ECORRUPT;
    lh__group_t *gr = lh__groups_get(g, id);
    if (!gr) return LH_ENOMEM;
    clear_members(g, gr);
    int64_t now = lh__groups_now(g);
    for (int32_t i = 0; i < n; i++) {
        if (lh__ggrow(&gr->members, gr->nmembers, &gr->capmembers, sizeof *gr->members))
            return LH_ENOMEM;
        lh__gmember_t *m = dec_member(r, proto);
        if (!m) return r->err ? LH_ECORRUPT : LH_ENOMEM;
        m->hb_deadline = now + m->session_ms; /* a full session to come back in */
        gr->members[gr->nmembers++] = m;
        if (lh__gbytes_eq(&m->id, leader)) gr->leader = m;
    }
    if (n && !gr->leader) gr->leader = gr->members[0];
    gr->generation = gen;
    gr->state = n ? LH_GROUP_STABLE : LH_GROUP_EMPTY;
    if (lh__gbytes_set(&gr->protocol_type, type) ||
        lh__gbytes_set(&gr->protocol_name, n ? proto : (lh_str_t){NULL, 0}))
        return LH_ENOMEM;
    return 0;
}
