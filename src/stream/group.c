/* The coordinator object: options, open/close, the sorted table of groups
 * (and the sweep of Empty groups that hold nothing), members' memory,
 * member checks (Kafka's validateCurrentMember), pending answers (inline
 * as copies, or through callbacks) and their cancellation. */
#include "stream/group_int.h"
#include "stream/log.h"

#include <stdlib.h>
#include <string.h>

void lh_stream_groups_opts_default(lh_stream_groups_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->initial_rebalance_delay_ms = 3000;
    o->min_session_timeout_ms = 6000;
    o->max_session_timeout_ms = 1800000;
    o->max_members = 1000;
    o->max_groups = 100000;
    o->max_metadata_bytes = 4096;
    o->compact_bytes = 1 << 20;
    o->max_file_bytes = (int64_t)1 << 30;
}

const char *lh_stream_group_state_name(int state)
{
    static const char *const names[] = {
        [LH_GROUP_EMPTY] = "Empty",
        [LH_GROUP_PREPARING_REBALANCE] = "PreparingRebalance",
        [LH_GROUP_COMPLETING_REBALANCE] = "CompletingRebalance",
        [LH_GROUP_STABLE] = "Stable",
        [LH_GROUP_DEAD] = "Dead",
    };
    return state >= 0 && state <= LH_GROUP_DEAD ? names[state] : "Dead";
}

int64_t lh__groups_now(const lh_stream_groups_t *g)
{
    return g->o.clock ? g->o.clock(g->o.clock_arg) : lh_stream_wall_ms(NULL);
}

int lh__gbytes_set(lh__gbytes_t *b, lh_str_t s)
{
    char *p = NULL;
    if (s.ptr) {
        p = malloc(s.len + 1);
        if (!p) return LH_ENOMEM;
        memcpy(p, s.ptr, s.len);
        p[s.len] = 0;
    }
    free(b->ptr);
    b->ptr = p;
    b->len = s.ptr ? s.len : 0;
    return 0;
}

int lh__gbytes_eq(const lh__gbytes_t *b, lh_str_t s)
{
    return b->len == s.len && (s.len == 0 || memcmp(b->ptr, s.ptr, s.len) == 0);
}

lh_str_t lh__gstr(const lh__gbytes_t *b)
{
    return (lh_str_t){b->ptr ? b->ptr : "", b->len};
}

int lh__group_valid_id(lh_str_t id)
{
    return lh__group_storable_id(id) && id.len > 0;
}

int lh__group_storable_id(lh_str_t id)
{
    return id.ptr && id.len <= INT16_MAX; /* a STRING in the offsets file */
}

int lh__gcmp(lh_str_t a, lh_str_t b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    return c ? c : (a.len > b.len) - (a.len < b.len);
}

int lh__gsearch(int n, int (*cmp)(const void *ctx, int i), const void *ctx, int *found)
{
    int lo = 0, hi = n;
    *found = 0;
    while (lo < hi) {
        int mid = (lo + hi) / 2, c = cmp(ctx, mid);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int lh__ggrow(void *arr, int n, int *cap, size_t elem)
{
    if (n < *cap) return 0;
    int c = *cap ? *cap * 2 : 8;
    void *old; /* arr points at a T*: copied, not read through a void ** */
    memcpy(&old, arr, sizeof old);
    void *p = realloc(old, (size_t)c * elem);
    if (!p) return LH_ENOMEM;
    memcpy(arr, &p, sizeof p);
    *cap = c;
    return 0;
}

typedef struct {
    const lh_stream_groups_t *g;
    lh_str_t id;
} group_key_t;

static int group_cmp(const void *ctx, int i)
{
    const group_key_t *k = ctx;
    return lh__gcmp(lh__gstr(&k->g->groups[i]->id), k->id);
}

/* The index of id in the sorted table, or where it would go (*found 0). */
static int group_pos(const lh_stream_groups_t *g, lh_str_t id, int *found)
{
    group_key_t k = {g, id};
    return lh__gsearch(g->ngroups, group_cmp, &k, found);
}

lh__group_t *lh__groups_find(const lh_stream_groups_t *g, lh_str_t id)
{
    int found, i = group_pos(g, id, &found);
    return found ? g->groups[i] : NULL;
}

lh__group_t *lh__groups_get(lh_stream_groups_t *g, lh_str_t id)
{
    int found, i = group_pos(g, id, &found);
    if (found) return g->groups[i];
    if (g->ngroups >= g->o.max_groups) return NULL;
    if (lh__ggrow(&g->groups, g->ngroups, &g->capgroups, sizeof *g->groups)) return NULL;
    lh__group_t *gr = calloc(1, sizeof *gr);
    if (!gr || lh__gbytes_set(&gr->id, id)) {
        free(gr);
        return NULL;
    }
    gr->state = LH_GROUP_EMPTY;
    gr->join_deadline = gr->sync_deadline = -1;
    memmove(g->groups + i + 1, g->groups + i, (size_t)(g->ngroups - i) * sizeof *g->groups);
    g->groups[i] = gr;
    g->ngroups++;
    return gr;
}

lh__gmember_t *lh__group_member(const lh__group_t *gr, lh_str_t id)
{
    for (int i = 0; i < gr->nmembers; i++)
        if (lh__gbytes_eq(&gr->members[i]->id, id)) return gr->members[i];
    return NULL;
}

lh__gmember_t *lh__group_by_instance(const lh__group_t *gr, lh_str_t instance_id)
{
    if (!instance_id.ptr) return NULL;
    for (int i = 0; i < gr->nmembers; i++)
        if (gr->members[i]->instance_id.ptr &&
            lh__gbytes_eq(&gr->members[i]->instance_id, instance_id))
            return gr->members[i];
    return NULL;
}

int16_t lh__group_check_member(const lh__group_t *gr, lh_str_t member_id, lh_str_t instance_id,
                               lh__gmember_t **out)
{
    *out = NULL;
    if (instance_id.ptr) {
        lh__gmember_t *s = lh__group_by_instance(gr, instance_id);
        if (!s) return LH_GROUP_UNKNOWN_MEMBER_ID;
        if (!lh__gbytes_eq(&s->id, member_id)) return LH_GROUP_FENCED_INSTANCE_ID;
        *out = s;
        return LH_GROUP_NONE;
    }
    *out = lh__group_member(gr, member_id);
    return *out ? LH_GROUP_NONE : LH_GROUP_UNKNOWN_MEMBER_ID;
}

void lh__gmember_free(lh__gmember_t *m)
{
    if (!m) return;
    free(m->id.ptr);
    free(m->instance_id.ptr);
    free(m->client_id.ptr);
    free(m->client_host.ptr);
    for (int i = 0; i < m->nprotos; i++) {
        free(m->protos[i].name.ptr);
        free(m->protos[i].metadata.ptr);
    }
    free(m->protos);
    free(m->assignment.ptr);
    free(m);
}

void lh__group_remove_member(lh_stream_groups_t *g, lh__group_t *gr, lh__gmember_t *m)
{
    if (g->self == m) g->self = NULL;
    int i = 0;
    while (i < gr->nmembers && gr->members[i] != m)
        i++;
    if (i == gr->nmembers) return;
    if (m->join.active) gr->num_awaiting--;
    memmove(gr->members + i, gr->members + i + 1,
            (size_t)(gr->nmembers - i - 1) * sizeof *gr->members);
    gr->nmembers--;
    if (gr->leader == m) gr->leader = gr->nmembers ? gr->members[0] : NULL;
    lh__gmember_free(m);
}

static void group_free(lh__group_t *gr)
{
    for (int i = 0; i < gr->nmembers; i++)
        lh__gmember_free(gr->members[i]);
    free(gr->members);
    for (int i = 0; i < gr->npending; i++)
        free(gr->pending[i].id.ptr);
    free(gr->pending);
    lh__group_offsets_free(gr);
    free(gr->id.ptr);
    free(gr->protocol_type.ptr);
    free(gr->protocol_name.ptr);
    free(gr);
}

void lh__groups_remove(lh_stream_groups_t *g, lh__group_t *gr)
{
    int found, i = group_pos(g, lh__gstr(&gr->id), &found);
    if (!found) return;
    memmove(g->groups + i, g->groups + i + 1, (size_t)(g->ngroups - i - 1) * sizeof *g->groups);
    g->ngroups--;
    group_free(gr);
}

static lh_str_t keep(char **at, lh_str_t s)
{
    if (!s.ptr) return s;
    lh_str_t r = {*at, s.len};
    if (s.len) memcpy(*at, s.ptr, s.len);
    *at += s.len;
    return r;
}

static char *now_alloc(lh_stream_groups_t *g, size_t n)
{
    free(g->now_mem);
    g->now_mem = malloc(n ? n : 1);
    return g->now_mem;
}

void lh__gnow_join(lh_stream_groups_t *g, const lh_stream_join_result_t *r)
{
    size_t n = (size_t)r->nmembers * sizeof *r->members + r->protocol_type.len +
               r->protocol_name.len + r->leader_id.len + r->member_id.len;
    for (int i = 0; i < r->nmembers; i++)
        n += r->members[i].member_id.len + r->members[i].group_instance_id.len +
             r->members[i].metadata.len;
    char *at = now_alloc(g, n);
    if (!at) {
        g->now_join =
            (lh_stream_join_result_t){.error = LH_GROUP_UNKNOWN_SERVER_ERROR, .generation = -1};
        return;
    }
    lh_stream_join_member_t *ms = (lh_stream_join_member_t *)(void *)at;
    at += (size_t)r->nmembers * sizeof *ms;
    for (int i = 0; i < r->nmembers; i++)
        ms[i] = (lh_stream_join_member_t){keep(&at, r->members[i].member_id),
                                          keep(&at, r->members[i].group_instance_id),
                                          keep(&at, r->members[i].metadata)};
    g->now_join = *r;
    g->now_join.members = r->nmembers ? ms : NULL;
    g->now_join.protocol_type = keep(&at, r->protocol_type);
    g->now_join.protocol_name = keep(&at, r->protocol_name);
    g->now_join.leader_id = keep(&at, r->leader_id);
    g->now_join.member_id = keep(&at, r->member_id);
}

void lh__gnow_sync(lh_stream_groups_t *g, const lh_stream_sync_result_t *r)
{
    char *at = now_alloc(g, r->protocol_type.len + r->protocol_name.len + r->assignment.len);
    if (!at) {
        g->now_sync = (lh_stream_sync_result_t){.error = LH_GROUP_UNKNOWN_SERVER_ERROR};
        return;
    }
    g->now_sync = *r;
    g->now_sync.protocol_type = keep(&at, r->protocol_type);
    g->now_sync.protocol_name = keep(&at, r->protocol_name);
    g->now_sync.assignment = keep(&at, r->assignment);
}

void lh__gwait_join_answer(lh_stream_groups_t *g, lh__group_t *gr, lh__gmember_t *m,
                           const lh_stream_join_result_t *r)
{
    lh__gwait_t w = m->join;
    if (!w.active) return;
    memset(&m->join, 0, sizeof m->join);
    gr->num_awaiting--;
    if (w.inline_)
        lh__gnow_join(g, r);
    else if (w.join_cb)
        w.join_cb(w.arg, r);
}

void lh__gwait_sync_answer(lh_stream_groups_t *g, lh__gmember_t *m,
                           const lh_stream_sync_result_t *r)
{
    lh__gwait_t w = m->sync;
    if (!w.active) return;
    memset(&m->sync, 0, sizeof m->sync);
    if (w.inline_)
        lh__gnow_sync(g, r);
    else if (w.sync_cb)
        w.sync_cb(w.arg, r);
}

void lh__gmember_fail_waits(lh_stream_groups_t *g, lh__group_t *gr, lh__gmember_t *m, int16_t error)
{
    lh_stream_join_result_t jr = {.error = error, .generation = -1, .member_id = LH_STR("")};
    lh__gwait_join_answer(g, gr, m, &jr);
    lh_stream_sync_result_t sr = {.error = error};
    lh__gwait_sync_answer(g, m, &sr);
}

int lh_stream_groups_open(lh_stream_groups_t **out, const char *dir,
                          const lh_stream_groups_opts_t *o, lh_err_t *err)
{
    *out = NULL;
    if (o->min_session_timeout_ms < 0 || o->max_session_timeout_ms < o->min_session_timeout_ms ||
        o->max_members < 1 || o->max_groups < 1 || o->max_metadata_bytes < 0 ||
        o->initial_rebalance_delay_ms < 0)
        return lh_err_set(err, LH_EINVAL, "bad group coordinator options");
    lh_stream_groups_t *g = calloc(1, sizeof *g);
    if (!g) return lh_err_set(err, LH_ENOMEM, "out of memory");
    g->o = *o;
    g->fd = -1;
    g->commits_tail = &g->commits;
    int rc = lh__gstore_open(g, dir, err);
    if (rc) {
        lh_stream_groups_close(g);
        return rc;
    }
    *out = g;
    return 0;
}

static void groups_free(lh_stream_groups_t *g)
{
    for (int i = 0; i < g->ngroups; i++)
        group_free(g->groups[i]);
    free(g->groups);
    free(g->scratch_members);
    free(g->scratch_info);
    free(g->now_mem);
    free(g);
}

void lh_stream_groups_close(lh_stream_groups_t *g)
{
    if (!g) return;
    lh__gstore_close(g); /* keeps g alive while an fsync is in flight */
    if (g->job)
        g->closing = 1;
    else
        groups_free(g);
}

void lh__groups_free_closed(lh_stream_groups_t *g)
{
    groups_free(g);
}

void lh_stream_groups_cancel(lh_stream_groups_t *g, void *arg)
{
    for (int i = 0; i < g->ngroups; i++) {
        lh__group_t *gr = g->groups[i];
        for (int j = 0; j < gr->nmembers; j++) {
            lh__gmember_t *m = gr->members[j];
            if (m->join.active && !m->join.inline_ && m->join.arg == arg) m->join.join_cb = NULL;
            if (m->sync.active && !m->sync.inline_ && m->sync.arg == arg)
                memset(&m->sync, 0, sizeof m->sync);
        }
    }
    lh__gstore_cancel(g, arg);
}

void lh__groups_sweep(lh_stream_groups_t *g)
{
    int kept = 0;
    for (int i = 0; i < g->ngroups; i++) {
        lh__group_t *gr = g->groups[i];
        if (gr->state == LH_GROUP_EMPTY && !gr->nmembers && !gr->npending && !gr->noffsets)
            group_free(gr);
        else
            g->groups[kept++] = gr;
    }
    g->ngroups = kept;
}
