/* The consumer-group coordinator (src/stream/group*.c) under an injected
 * clock: joins (the leader gets every member's metadata), SyncGroup
 * handing out the leader's assignments, rebalances on a new member, a
 * leave and a session expiry, the initial join delay and its extension,
 * stale generations and unknown members, MEMBER_ID_REQUIRED, protocol
 * selection, cancelled answers, and the committed offsets: commit and
 * fetch, simple commits, durability across reopen, a torn tail, async
 * fsync jobs, compaction, dropped topics, DescribeGroups/ListGroups. */
#include "core/checksum.h"
#include "stream/group.h"
#include "test.h"
#include "tmpdir.h"

#include <fcntl.h>
#include <sys/stat.h>

static int64_t now_ms = 1000000;
static int64_t fake_clock(void *arg)
{
    (void)arg;
    return now_ms;
}

static lh_stream_groups_opts_t opts(int64_t delay)
{
    lh_stream_groups_opts_t o;
    lh_stream_groups_opts_default(&o);
    o.initial_rebalance_delay_ms = delay;
    o.clock = fake_clock;
    return o;
}

static lh_stream_groups_t *open_at(const char *dir, int64_t delay)
{
    lh_stream_groups_opts_t o = opts(delay);
    lh_stream_groups_t *g = NULL;
    lh_err_t err;
    if (lh_stream_groups_open(&g, dir, &o, &err)) {
        fprintf(stderr, "open: %s\n", err.msg);
        return NULL;
    }
    return g;
}

static lh_str_t S(const char *s)
{
    return (lh_str_t){s, strlen(s)};
}

/* ---- recording answers ---- */

typedef struct {
    int called;
    int16_t error;
    int32_t gen;
    char member[256], leader[256], proto[64];
    int nmembers;
    char ids[8][256], metas[8][64];
} join_rec_t;

static void copy(char *dst, size_t cap, lh_str_t s)
{
    snprintf(dst, cap, "%.*s", (int)s.len, s.ptr ? s.ptr : "");
}

static void on_join(void *arg, const lh_stream_join_result_t *r)
{
    join_rec_t *j = arg;
    j->called++;
    j->error = r->error;
    j->gen = r->generation;
    copy(j->member, sizeof j->member, r->member_id);
    copy(j->leader, sizeof j->leader, r->leader_id);
    copy(j->proto, sizeof j->proto, r->protocol_name);
    j->nmembers = r->nmembers;
    for (int i = 0; i < r->nmembers && i < 8; i++) {
        copy(j->ids[i], sizeof j->ids[i], r->members[i].member_id);
        copy(j->metas[i], sizeof j->metas[i], r->members[i].metadata);
    }
}

typedef struct {
    int called;
    int16_t error;
    char assignment[64];
} sync_rec_t;

static void on_sync(void *arg, const lh_stream_sync_result_t *r)
{
    sync_rec_t *s = arg;
    s->called++;
    s->error = r->error;
    copy(s->assignment, sizeof s->assignment, r->assignment);
}

/* A JoinGroup of a new member of "grp" with one protocol p and 10 s
 * timeouts; callers change what they test. */
static lh_stream_join_req_t one_protocol(const lh_stream_group_protocol_t *p)
{
    return (lh_stream_join_req_t){.group_id = S("grp"),
                                  .member_id = S(""),
                                  .client_id = S("cli"),
                                  .client_host = S("/h"),
                                  .protocol_type = S("consumer"),
                                  .session_timeout_ms = 10000,
                                  .rebalance_timeout_ms = 10000,
                                  .protocols = p,
                                  .nprotocols = 1};
}

static int32_t session_ms = 10000;

/* One member's JoinGroup: protos is "name=meta,name=meta". Answers now go
 * through on_join at once, so a record always holds the latest answer. */
static int join_as(lh_stream_groups_t *g, join_rec_t *j, const char *member, const char *protos,
                   int require_known)
{
    lh_stream_group_protocol_t p[4];
    char buf[256];
    snprintf(buf, sizeof buf, "%s", protos);
    int n = 0;
    for (char *tok = strtok(buf, ","); tok && n < 4; tok = strtok(NULL, ",")) {
        char *eq = strchr(tok, '=');
        *eq = 0;
        p[n++] = (lh_stream_group_protocol_t){S(tok), S(eq + 1)};
    }
    lh_stream_join_req_t req = {
        .group_id = S("grp"),
        .member_id = S(member),
        .client_id = S("cli"),
        .client_host = S("/127.0.0.1"),
        .protocol_type = S("consumer"),
        .session_timeout_ms = session_ms,
        .rebalance_timeout_ms = 30000,
        .require_known_member_id = require_known,
        .protocols = p,
        .nprotocols = n,
    };
    lh_stream_join_result_t now;
    int rc = lh_stream_groups_join(g, &req, on_join, j, &now);
    if (rc == 0) on_join(j, &now);
    return rc;
}

static int sync_as(lh_stream_groups_t *g, sync_rec_t *s, const char *member, int32_t gen,
                   const lh_stream_group_assignment_t *a, int na)
{
    lh_stream_sync_req_t req = {.group_id = S("grp"),
                                .member_id = S(member),
                                .generation = gen,
                                .assignments = a,
                                .nassignments = na};
    lh_stream_sync_result_t now;
    int rc = lh_stream_groups_sync(g, &req, on_sync, s, &now);
    if (rc == 0) on_sync(s, &now);
    return rc;
}

static int16_t hb(lh_stream_groups_t *g, const char *member, int32_t gen)
{
    return lh_stream_groups_heartbeat(g, S("grp"), S(member), (lh_str_t){NULL, 0}, gen);
}

/* Two members A (leader) and B joined and synced: Stable at generation 1,
 * A assigned "pa", B "pb". Uses a join delay of 100 ms. */
static int stable_pair(lh_stream_groups_t *g, join_rec_t *a, join_rec_t *b)
{
    if (join_as(g, a, "", "range=ma", 0) != LH_GROUP_PENDING) return -1;
    if (join_as(g, b, "", "range=mb", 0) != LH_GROUP_PENDING) return -1;
    for (int i = 0; i < 3; i++) {
        now_ms += 100;
        lh_stream_groups_tick(g);
    }
    if (a->called != 1 || b->called != 1 || a->gen != 1 || b->gen != 1) return -1;
    sync_rec_t sa = {0}, sb = {0};
    if (sync_as(g, &sb, b->member, 1, NULL, 0) != LH_GROUP_PENDING) return -1;
    lh_stream_group_assignment_t as[] = {{S(a->member), S("pa")}, {S(b->member), S("pb")}};
    if (sync_as(g, &sa, a->member, 1, as, 2) != 0) return -1;
    if (strcmp(sa.assignment, "pa") || sb.called != 1 || strcmp(sb.assignment, "pb")) return -1;
    return 0;
}

/* ---- membership and rebalances ---- */

static void two_members_join_leader_gets_both(void)
{
    lh_stream_groups_t *g = open_at(lh_test_tmpdir(), 100);
    join_rec_t a = {0}, b = {0};
    CHECK_EQ_INT(join_as(g, &a, "", "range=ma,roundrobin=ra", 0), LH_GROUP_PENDING);
    CHECK_EQ_INT(join_as(g, &b, "", "range=mb", 0), LH_GROUP_PENDING);
    CHECK_EQ_INT(a.called + b.called, 0);
    now_ms += 100; /* B arrived during the delay: it is extended once */
    lh_stream_groups_tick(g);
    CHECK_EQ_INT(a.called, 0);
    now_ms += 100;
    lh_stream_groups_tick(g);
    CHECK_EQ_INT(a.called, 1);
    CHECK_EQ_INT(b.called, 1);
    CHECK_EQ_INT(a.error, 0);
    CHECK_EQ_INT(a.gen, 1);
    CHECK_EQ_INT(b.gen, 1);
    CHECK_EQ_STR(a.leader, a.member);
    CHECK_EQ_STR(b.leader, a.member);
    CHECK(strncmp(a.member, "cli-", 4) == 0 && strcmp(a.member, b.member));
    CHECK_EQ_STR(a.proto, "range");
    CHECK_EQ_INT(a.nmembers, 2);
    CHECK_EQ_STR(a.ids[0], a.member);
    CHECK_EQ_STR(a.metas[0], "ma");
    CHECK_EQ_STR(a.ids[1], b.member);
    CHECK_EQ_STR(a.metas[1], "mb");
    CHECK_EQ_INT(b.nmembers, 0);
    lh_stream_groups_close(g);
}

static void sync_distributes_assignments(void)
{
    lh_stream_groups_t *g = open_at(lh_test_tmpdir(), 100);
    join_rec_t a = {0}, b = {0};
    CHECK(stable_pair(g, &a, &b) == 0);
    CHECK_EQ_INT(hb(g, a.member, 1), 0);
    CHECK_EQ_INT(hb(g, b.member, 1), 0);
    sync_rec_t again = {0}; /* Stable: a SyncGroup gets the stored assignment */
    CHECK_EQ_INT(sync_as(g, &again, b.member, 1, NULL, 0), 0);
    CHECK_EQ_STR(again.assignment, "pb");
    lh_stream_group_info_t info;
    CHECK_EQ_INT(lh_stream_groups_describe(g, S("grp"), &info), 0);
    CHECK_EQ_INT(info.state, LH_GROUP_STABLE);
    CHECK_EQ_INT(info.nmembers, 2);
    CHECK(info.protocol.len == 5 && !memcmp(info.protocol.ptr, "range", 5));
    CHECK(info.members[1].assignment.len == 2 && !memcmp(info.members[1].assignment.ptr, "pb", 2));
    CHECK(info.members[0].metadata.len == 2 && !memcmp(info.members[0].metadata.ptr, "ma", 2));
    CHECK(info.members[0].client_host.len == 10);
    lh_stream_groups_close(g);
}

static void third_member_triggers_rebalance(void)
{
    lh_stream_groups_t *g = open_at(lh_test_tmpdir(), 100);
    join_rec_t a = {0}, b = {0}, c = {0};
    CHECK(stable_pair(g, &a, &b) == 0);
    CHECK_EQ_INT(join_as(g, &c, "", "range=mc", 0), LH_GROUP_PENDING);
    CHECK_EQ_INT(hb(g, a.member, 1), LH_GROUP_REBALANCE_IN_PROGRESS);
    CHECK_EQ_INT(hb(g, b.member, 1), LH_GROUP_REBALANCE_IN_PROGRESS);
    CHECK_EQ_INT(join_as(g, &a, a.member, "range=ma", 0), LH_GROUP_PENDING);
    CHECK_EQ_INT(c.called, 0);
    CHECK_EQ_INT(join_as(g, &b, b.member, "range=mb", 0), 0); /* the last one completes it */
    CHECK_EQ_INT(a.called, 2);
    CHECK_EQ_INT(b.called, 2);
    CHECK_EQ_INT(c.called, 1);
    CHECK_EQ_INT(a.gen, 2);
    CHECK_EQ_INT(c.gen, 2);
    CHECK_EQ_INT(a.nmembers, 3);
    CHECK_EQ_STR(c.leader, a.member);
    CHECK_EQ_INT(hb(g, a.member, 1), LH_GROUP_ILLEGAL_GENERATION);
    CHECK_EQ_INT(hb(g, c.member, 2), 0); /* CompletingRebalance */
    lh_stream_groups_close(g);
}

static void leave_triggers_rebalance(void)
{
    lh_stream_groups_t *g = open_at(lh_test_tmpdir(), 100);
    join_rec_t a = {0}, b = {0};
    CHECK(stable_pair(g, &a, &b) == 0);
    lh_stream_leave_member_t l = {.member_id = S(b.member)};
    CHECK_EQ_INT(lh_stream_groups_leave(g, S("grp"), &l, 1), 0);
    CHECK_EQ_INT(l.error, 0);
    CHECK_EQ_INT(lh_stream_groups_leave(g, S("grp"), &l, 1), 0);
    CHECK_EQ_INT(l.error, LH_GROUP_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(hb(g, a.member, 1), LH_GROUP_REBALANCE_IN_PROGRESS);
    CHECK_EQ_INT(hb(g, b.member, 1), LH_GROUP_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(join_as(g, &a, a.member, "range=ma", 0), 0);
    CHECK_EQ_INT(a.gen, 2);
    CHECK_EQ_INT(a.nmembers, 1);
    /* the last member leaving empties the group */
    lh_stream_leave_member_t la = {.member_id = S(a.member)};
    CHECK_EQ_INT(lh_stream_groups_leave(g, S("grp"), &la, 1), 0);
    lh_stream_group_info_t info;
    lh_stream_groups_describe(g, S("grp"), &info);
    CHECK_EQ_INT(info.state, LH_GROUP_EMPTY);
    CHECK_EQ_INT(info.nmembers, 0);
    lh_stream_groups_close(g);
}

static void session_timeout_removes_member(void)
{
    lh_stream_groups_t *g = open_at(lh_test_tmpdir(), 100);
    join_rec_t a = {0}, b = {0};
    CHECK(stable_pair(g, &a, &b) == 0);
    for (int i = 0; i < 3; i++) { /* only A heartbeats, for 10 s (the session) */
        now_ms += 2500;
        CHECK_EQ_INT(hb(g, a.member, 1), 0);
        lh_stream_groups_tick(g);
    }
    now_ms += 2500;
    lh_stream_groups_tick(g);
    CHECK_EQ_INT(hb(g, a.member, 1), LH_GROUP_REBALANCE_IN_PROGRESS);
    CHECK_EQ_INT(hb(g, b.member, 1), LH_GROUP_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(join_as(g, &a, a.member, "range=ma", 0), 0);
    CHECK_EQ_INT(a.gen, 2);
    CHECK_EQ_INT(a.nmembers, 1);
    lh_stream_groups_close(g);
}

static void rebalance_timeout_drops_stragglers(void)
{
    lh_stream_groups_t *g = open_at(lh_test_tmpdir(), 100);
    join_rec_t a = {0}, b = {0}, c = {0};
    CHECK(stable_pair(g, &a, &b) == 0);
    session_ms = 60000; /* C outlives the sync timeout */
    CHECK_EQ_INT(join_as(g, &c, "", "range=mc", 0), LH_GROUP_PENDING);
    session_ms = 10000;
    CHECK_EQ_INT(join_as(g, &a, a.member, "range=ma", 0), LH_GROUP_PENDING);
    for (int i = 0; i < 4; i++) { /* B heartbeats but never rejoins: 30 s rebalance timeout */
        now_ms += 8000;
        hb(g, b.member, 1);
        lh_stream_groups_tick(g);
    }
    CHECK_EQ_INT(a.called, 2);
    CHECK_EQ_INT(c.called, 1);
    CHECK_EQ_INT(a.nmembers, 2);
    CHECK_EQ_INT(hb(g, b.member, 1), LH_GROUP_UNKNOWN_MEMBER_ID);
    /* C never syncs: removed at the rebalance timeout; A must rejoin */
    sync_rec_t sa = {0};
    CHECK_EQ_INT(sync_as(g, &sa, a.member, 2, NULL, 0), 0);
    for (int i = 0; i < 4; i++) {
        now_ms += 8000;
        lh_stream_groups_tick(g);
        if (i < 3) CHECK_EQ_INT(hb(g, a.member, 2), 0);
    }
    CHECK_EQ_INT(hb(g, c.member, 2), LH_GROUP_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(hb(g, a.member, 2), LH_GROUP_REBALANCE_IN_PROGRESS);
    lh_stream_groups_close(g);
}

static void initial_delay_waits_and_extends(void)
{
    lh_stream_groups_t *g = open_at(lh_test_tmpdir(), 3000);
    join_rec_t a = {0}, b = {0};
    CHECK_EQ_INT(join_as(g, &a, "", "range=ma", 0), LH_GROUP_PENDING);
    now_ms += 2999;
    lh_stream_groups_tick(g);
    CHECK_EQ_INT(a.called, 0);
    now_ms += 1;
    lh_stream_groups_tick(g);
    CHECK_EQ_INT(a.called, 1); /* nobody else came: done after one delay */
    CHECK_EQ_INT(a.gen, 1);
    lh_stream_groups_close(g);

    g = open_at(lh_test_tmpdir(), 3000);
    memset(&a, 0, sizeof a);
    int64_t t0 = now_ms;
    CHECK_EQ_INT(join_as(g, &a, "", "range=ma", 0), LH_GROUP_PENDING);
    now_ms = t0 + 1000;
    CHECK_EQ_INT(join_as(g, &b, "", "range=mb", 0), LH_GROUP_PENDING);
    now_ms = t0 + 3000;
    lh_stream_groups_tick(g);
    CHECK_EQ_INT(a.called, 0); /* extended by another delay */
    now_ms = t0 + 5999;
    lh_stream_groups_tick(g);
    CHECK_EQ_INT(a.called, 0);
    now_ms = t0 + 6000;
    lh_stream_groups_tick(g);
    CHECK_EQ_INT(a.called, 1);
    CHECK_EQ_INT(b.called, 1);
    CHECK_EQ_INT(a.nmembers, 2);
    lh_stream_groups_close(g);
}

static void zero_delay_answers_at_once(void)
{
    lh_stream_groups_t *g = open_at(lh_test_tmpdir(), 0);
    join_rec_t a = {0};
    CHECK_EQ_INT(join_as(g, &a, "", "range=ma", 0), 0);
    CHECK_EQ_INT(a.error, 0);
    CHECK_EQ_INT(a.gen, 1);
    CHECK_EQ_INT(a.nmembers, 1);
    lh_stream_groups_close(g);
}

static void stale_generation_and_unknown_member(void)
{
    lh_stream_groups_t *g = open_at(lh_test_tmpdir(), 100);
    join_rec_t a = {0}, b = {0}, x = {0};
    CHECK(stable_pair(g, &a, &b) == 0);
    CHECK_EQ_INT(hb(g, a.member, 0), LH_GROUP_ILLEGAL_GENERATION);
    CHECK_EQ_INT(hb(g, "nobody", 1), LH_GROUP_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(lh_stream_groups_heartbeat(g, S("other"), S(a.member), (lh_str_t){0}, 1),
                 LH_GROUP_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(lh_stream_groups_heartbeat(g, S(""), S(a.member), (lh_str_t){0}, 1),
                 LH_GROUP_INVALID_GROUP_ID);
    sync_rec_t s = {0};
    CHECK_EQ_INT(sync_as(g, &s, a.member, 7, NULL, 0), 0);
    CHECK_EQ_INT(s.error, LH_GROUP_ILLEGAL_GENERATION);
    CHECK_EQ_INT(sync_as(g, &s, "nobody", 1, NULL, 0), 0);
    CHECK_EQ_INT(s.error, LH_GROUP_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(join_as(g, &x, "nobody", "range=m", 0), 0);
    CHECK_EQ_INT(x.error, LH_GROUP_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(join_as(g, &x, "", "sticky=m", 0), 0); /* no protocol in common */
    CHECK_EQ_INT(x.error, LH_GROUP_INCONSISTENT_GROUP_PROTOCOL);
    lh_stream_join_req_t bad = {.group_id = S("grp"),
                                .member_id = S(""),
                                .protocol_type = S("consumer"),
                                .session_timeout_ms = 10}; /* under the 6 s minimum */
    lh_stream_join_result_t r;
    CHECK_EQ_INT(lh_stream_groups_join(g, &bad, on_join, &x, &r), 0);
    CHECK_EQ_INT(r.error, LH_GROUP_INVALID_SESSION_TIMEOUT);
    lh_stream_groups_close(g);
}

static void member_id_required_then_rejoin(void)
{
    lh_stream_groups_t *g = open_at(lh_test_tmpdir(), 0);
    join_rec_t a = {0};
    CHECK_EQ_INT(join_as(g, &a, "", "range=ma", 1), 0);
    CHECK_EQ_INT(a.error, LH_GROUP_MEMBER_ID_REQUIRED);
    CHECK(strncmp(a.member, "cli-", 4) == 0);
    char id[256];
    snprintf(id, sizeof id, "%s", a.member);
    CHECK_EQ_INT(join_as(g, &a, id, "range=ma", 1), 0);
    CHECK_EQ_INT(a.error, 0);
    CHECK_EQ_STR(a.member, id);
    CHECK_EQ_STR(a.leader, id);
    /* an id handed out but never used expires after the session timeout */
    join_rec_t b = {0};
    CHECK_EQ_INT(join_as(g, &b, "", "range=mb", 1), 0);
    CHECK_EQ_INT(b.error, LH_GROUP_MEMBER_ID_REQUIRED);
    now_ms += 10001;
    lh_stream_groups_tick(g);
    CHECK_EQ_INT(join_as(g, &b, b.member, "range=mb", 1), 0);
    CHECK_EQ_INT(b.error, LH_GROUP_UNKNOWN_MEMBER_ID);
    lh_stream_groups_close(g);
}

static void protocol_by_votes(void)
{
    lh_stream_groups_t *g = open_at(lh_test_tmpdir(), 100);
    join_rec_t a = {0}, b = {0}, c = {0};
    join_as(g, &a, "", "range=1,roundrobin=2", 0);
    join_as(g, &b, "", "roundrobin=3,range=4", 0);
    join_as(g, &c, "", "roundrobin=5,range=6", 0);
    for (int i = 0; i < 4; i++) {
        now_ms += 100;
        lh_stream_groups_tick(g);
    }
    CHECK_EQ_INT(a.called, 1);
    CHECK_EQ_STR(a.proto, "roundrobin");
    CHECK_EQ_STR(a.metas[0], "2");
    CHECK_EQ_STR(a.metas[2], "5");
    lh_stream_groups_close(g);
}

static void cancel_drops_pending_answers(void)
{
    lh_stream_groups_t *g = open_at(lh_test_tmpdir(), 100);
    join_rec_t a = {0}, b = {0};
    CHECK_EQ_INT(join_as(g, &a, "", "range=ma", 0), LH_GROUP_PENDING);
    CHECK_EQ_INT(join_as(g, &b, "", "range=mb", 0), LH_GROUP_PENDING);
    lh_stream_groups_cancel(g, &b); /* B's connection closed */
    for (int i = 0; i < 3; i++) {
        now_ms += 100;
        lh_stream_groups_tick(g);
    }
    CHECK_EQ_INT(a.called, 1);
    CHECK_EQ_INT(b.called, 0);
    CHECK_EQ_INT(a.nmembers, 2); /* B still counted, as in Kafka */
    /* B never syncs: after the rebalance timeout it is gone */
    sync_rec_t sa = {0};
    lh_stream_group_assignment_t as[] = {{S(a.member), S("pa")}};
    CHECK_EQ_INT(sync_as(g, &sa, a.member, 1, as, 1), 0);
    int16_t e = 0;
    for (int i = 0; i < 10 && !e; i++) { /* B's session ends */
        now_ms += 3000;
        lh_stream_groups_tick(g);
        e = hb(g, a.member, 1);
    }
    CHECK_EQ_INT(e, LH_GROUP_REBALANCE_IN_PROGRESS);
    CHECK_EQ_INT(join_as(g, &a, a.member, "range=ma", 0), 0);
    CHECK_EQ_INT(a.nmembers, 1);
    /* a cancelled SyncGroup: never answered */
    join_rec_t c = {0};
    CHECK_EQ_INT(join_as(g, &c, "", "range=mc", 0), LH_GROUP_PENDING);
    CHECK_EQ_INT(join_as(g, &a, a.member, "range=ma", 0), 0);
    sync_rec_t sc = {0};
    CHECK_EQ_INT(sync_as(g, &sc, c.member, a.gen, NULL, 0), LH_GROUP_PENDING);
    lh_stream_groups_cancel(g, &sc);
    CHECK_EQ_INT(sync_as(g, &sa, a.member, a.gen, as, 1), 0);
    CHECK_EQ_INT(sc.called, 0);
    lh_stream_groups_close(g);
}

/* ---- offsets ---- */

static int commit(lh_stream_groups_t *g, const char *group, const char *member, int32_t gen,
                  const char *topic, int32_t part, int64_t off, const char *md, int16_t *err)
{
    lh_stream_offset_commit_t p = {.topic = S(topic),
                                   .partition = part,
                                   .offset = off,
                                   .leader_epoch = 3,
                                   .metadata = md ? S(md) : (lh_str_t){NULL, 0}};
    lh_stream_commit_req_t req = {
        .group_id = S(group), .member_id = S(member), .generation = gen, .parts = &p, .nparts = 1};
    int rc = lh_stream_groups_commit(g, &req, NULL, NULL);
    *err = p.error;
    return rc;
}

static int64_t fetched(lh_stream_groups_t *g, const char *group, const char *topic, int32_t part,
                       char *md, size_t cap)
{
    lh_stream_offset_t o;
    lh_stream_groups_offset(g, S(group), S(topic), part, &o);
    if (md) copy(md, cap, o.metadata);
    return o.offset;
}

static void collect(void *arg, const lh_stream_offset_t *o)
{
    char *s = arg;
    size_t n = strlen(s);
    snprintf(s + n, 256 - n, "%.*s/%d=%lld;", (int)o->topic.len, o->topic.ptr, (int)o->partition,
             (long long)o->offset);
}

static void commit_and_fetch(void)
{
    lh_stream_groups_t *g = open_at(lh_test_tmpdir(), 100);
    join_rec_t a = {0}, b = {0};
    CHECK(stable_pair(g, &a, &b) == 0);
    int16_t e;
    char md[64];
    CHECK_EQ_INT(commit(g, "grp", a.member, 1, "t", 0, 42, "hello", &e), 0);
    CHECK_EQ_INT(e, 0);
    CHECK_EQ_INT(fetched(g, "grp", "t", 0, md, sizeof md), 42);
    CHECK_EQ_STR(md, "hello");
    CHECK_EQ_INT(fetched(g, "grp", "t", 1, md, sizeof md), -1);
    CHECK_EQ_STR(md, "");
    commit(g, "grp", a.member, 0, "t", 0, 50, NULL, &e);
    CHECK_EQ_INT(e, LH_GROUP_ILLEGAL_GENERATION);
    commit(g, "grp", "nobody", 1, "t", 0, 50, NULL, &e);
    CHECK_EQ_INT(e, LH_GROUP_UNKNOWN_MEMBER_ID);
    commit(g, "grp", "", -1, "t", 0, 50, NULL, &e); /* simple commit into a live group */
    CHECK_EQ_INT(e, LH_GROUP_UNKNOWN_MEMBER_ID);
    commit(g, "solo", "", -1, "t", 0, 7, NULL, &e); /* allowed: no group yet */
    CHECK_EQ_INT(e, 0);
    commit(g, "absent", "m", 3, "t", 0, 7, NULL, &e);
    CHECK_EQ_INT(e, LH_GROUP_ILLEGAL_GENERATION);
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    commit(g, "grp", b.member, 1, "t", 1, 9, big, &e);
    CHECK_EQ_INT(e, LH_GROUP_OFFSET_METADATA_TOO_LARGE);
    commit(g, "grp", b.member, 1, "u", 2, 9, NULL, &e);
    CHECK_EQ_INT(e, 0);
    CHECK_EQ_INT(fetched(g, "grp", "t", 0, NULL, 0), 42);
    CHECK_EQ_INT(fetched(g, "solo", "t", 0, NULL, 0), 7);
    char seen[256] = "";
    CHECK_EQ_INT(lh_stream_groups_offsets_each(g, S("grp"), collect, seen), 2);
    CHECK_EQ_STR(seen, "t/0=42;u/2=9;");
    lh_stream_groups_close(g);
}

static void commit_rules_follow_the_state(void)
{
    lh_stream_groups_t *g = open_at(lh_test_tmpdir(), 100);
    join_rec_t a = {0}, b = {0}, c = {0};
    CHECK(stable_pair(g, &a, &b) == 0);
    int16_t e;
    CHECK_EQ_INT(join_as(g, &c, "", "range=mc", 0), LH_GROUP_PENDING);
    commit(g, "grp", a.member, 1, "t", 0, 5, NULL, &e); /* PreparingRebalance: allowed */
    CHECK_EQ_INT(e, 0);
    join_as(g, &a, a.member, "range=ma", 0);
    join_as(g, &b, b.member, "range=mb", 0);
    CHECK_EQ_INT(a.gen, 2);
    commit(g, "grp", a.member, 2, "t", 0, 6, NULL, &e); /* CompletingRebalance */
    CHECK_EQ_INT(e, LH_GROUP_REBALANCE_IN_PROGRESS);
    lh_stream_leave_member_t l[] = {
        {.member_id = S(a.member)}, {.member_id = S(b.member)}, {.member_id = S(c.member)}};
    CHECK_EQ_INT(lh_stream_groups_leave(g, S("grp"), l, 3), 0);
    CHECK_EQ_INT(l[2].error, 0);
    commit(g, "grp", "", -1, "t", 0, 8, NULL, &e); /* Empty: a simple commit is fine */
    CHECK_EQ_INT(e, 0);
    CHECK_EQ_INT(fetched(g, "grp", "t", 0, NULL, 0), 8);
    lh_stream_groups_tick(g); /* Empty but holding offsets: kept */
    lh_stream_group_info_t info;
    lh_stream_groups_describe(g, S("grp"), &info);
    CHECK_EQ_INT(info.state, LH_GROUP_EMPTY);
    lh_stream_groups_close(g);
}

static void count_groups(void *arg, lh_str_t id, lh_str_t type, int state)
{
    (void)arg;
    (void)id;
    (void)type;
    (void)state;
}

static void offsets_survive_reopen(void)
{
    const char *dir = lh_test_tmpdir();
    char sub[200];
    snprintf(sub, sizeof sub, "%s/stream/groups", dir);
    lh_stream_groups_t *g = open_at(sub, 0);
    CHECK(g);
    int16_t e;
    for (int i = 0; i < 10; i++)
        commit(g, "g1", "", -1, "t", i % 3, 100 + i, "m", &e);
    commit(g, "g2", "", -1, "other", 0, 5, "", &e);
    lh_stream_groups_close(g);
    g = open_at(sub, 0);
    CHECK(g);
    char md[16];
    CHECK_EQ_INT(fetched(g, "g1", "t", 0, md, sizeof md), 109);
    CHECK_EQ_STR(md, "m");
    CHECK_EQ_INT(fetched(g, "g1", "t", 1, NULL, 0), 107);
    CHECK_EQ_INT(fetched(g, "g1", "t", 2, NULL, 0), 108);
    CHECK_EQ_INT(fetched(g, "g2", "other", 0, NULL, 0), 5);
    lh_stream_offset_t o;
    lh_stream_groups_offset(g, S("g1"), S("t"), 0, &o);
    CHECK_EQ_INT(o.leader_epoch, 3);
    /* groups came back Empty, listed */
    int n = lh_stream_groups_list(g, count_groups, NULL);
    CHECK_EQ_INT(n, 2);
    lh_stream_groups_close(g);
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) ? -1 : st.st_size;
}

static void torn_tail_is_cut(void)
{
    const char *dir = lh_test_tmpdir();
    char path[256];
    snprintf(path, sizeof path, "%s/offsets.log", dir);
    lh_stream_groups_t *g = open_at(dir, 0);
    int16_t e;
    commit(g, "g", "", -1, "t", 0, 1, "first", &e);
    off_t one = file_size(path);
    commit(g, "g", "", -1, "t", 0, 2, "second", &e);
    off_t two = file_size(path);
    lh_stream_groups_close(g);
    CHECK(two > one && one > 0);
    for (off_t cut = one + 1; cut < two; cut += 7) { /* every cut inside the second frame */
        CHECK(truncate(path, cut) == 0);
        g = open_at(dir, 0);
        CHECK(g);
        CHECK_EQ_INT(fetched(g, "g", "t", 0, NULL, 0), 1);
        CHECK_EQ_INT(file_size(path), one); /* the tail is gone from the file too */
        commit(g, "g", "", -1, "t", 0, 2, "second", &e);
        CHECK_EQ_INT(e, 0);
        lh_stream_groups_close(g);
        CHECK_EQ_INT(file_size(path), two);
    }
    /* a flipped byte in the last frame: cut there as well */
    int fd = open(path, O_RDWR);
    CHECK(fd >= 0);
    CHECK(pwrite(fd, "Z", 1, two - 2) == 1);
    close(fd);
    g = open_at(dir, 0);
    CHECK_EQ_INT(fetched(g, "g", "t", 0, NULL, 0), 1);
    lh_stream_groups_close(g);
    /* not an offsets file: refused */
    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK(write(fd, "garbage!garbage!", 16) == 16);
    close(fd);
    lh_stream_groups_opts_t o = opts(0);
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_groups_open(&g, dir, &o, &err), LH_ECORRUPT);
}

static void put_be(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

/* A frame whose CRC is right but whose content is cut short (only a bug
 * could write one): replay stops there without applying any of it (its
 * first, whole entry included) and cuts the file. */
static void crc_valid_bad_frame_is_not_half_applied(void)
{
    const char *dir = lh_test_tmpdir();
    char path[256];
    snprintf(path, sizeof path, "%s/offsets.log", dir);
    lh_stream_groups_t *g = open_at(dir, 0);
    int16_t e;
    commit(g, "g", "", -1, "t", 0, 1, NULL, &e);
    lh_stream_groups_close(g);
    off_t good = file_size(path);
    unsigned char pl[64], fr[72];
    size_t n = 0;
    pl[n++] = 1;                  /* COMMIT */
    put_be(pl + n, 1, 2), n += 2; /* group "g" */
    pl[n++] = 'g';
    put_be(pl + n, 2, 4), n += 4; /* 2 entries */
    put_be(pl + n, 1, 2), n += 2; /* "t" */
    pl[n++] = 't';
    put_be(pl + n, 5, 4), n += 4;  /* partition 5 */
    put_be(pl + n, 99, 8), n += 8; /* offset 99 */
    put_be(pl + n, 0xffffffff, 4), n += 4;
    put_be(pl + n, 0, 8), n += 8;
    put_be(pl + n, 0, 4), n += 4; /* metadata "" */
    put_be(pl + n, 1, 2), n += 2; /* the second entry: a topic, then nothing */
    pl[n++] = 't';
    put_be(fr, n, 4);
    put_be(fr + 4, lh_crc32c(0, pl, n), 4);
    memcpy(fr + 8, pl, n);
    int fd = open(path, O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && write(fd, fr, 8 + n) == (ssize_t)(8 + n));
    close(fd);
    g = open_at(dir, 0);
    CHECK_EQ_INT(fetched(g, "g", "t", 0, NULL, 0), 1);
    CHECK_EQ_INT(fetched(g, "g", "t", 5, NULL, 0), -1); /* not half applied */
    CHECK_EQ_INT(file_size(path), good);
    lh_stream_groups_close(g);
}

/* A submitter that keeps jobs until the test runs them. */
typedef struct {
    void (*work)(void *);
    void (*done)(void *, int);
    void *arg;
    int n;
} jobs_t;

static int defer_submit(void *ctx, void (*work)(void *), void (*done)(void *, int), void *arg)
{
    jobs_t *j = ctx;
    j->work = work;
    j->done = done;
    j->arg = arg;
    j->n++;
    return 0;
}

static void run_job(jobs_t *j)
{
    void (*done)(void *, int) = j->done;
    void *arg = j->arg;
    j->done = NULL;
    j->work(arg);
    done(arg, 0);
}

static int16_t commit_answer = 99;
static int commit_answers;
static void on_commit(void *arg, int16_t error)
{
    (void)arg;
    commit_answer = error;
    commit_answers++;
}

static void async_commits_answer_when_durable(void)
{
    const char *dir = lh_test_tmpdir();
    jobs_t jobs = {0};
    lh_stream_groups_opts_t o = opts(0);
    o.submit = defer_submit;
    o.submit_ctx = &jobs;
    lh_stream_groups_t *g;
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_groups_open(&g, dir, &o, &err), 0);
    lh_stream_offset_commit_t p = {.topic = S("t"), .partition = 0, .offset = 10};
    lh_stream_commit_req_t req = {
        .group_id = S("g"), .member_id = S(""), .generation = -1, .parts = &p, .nparts = 1};
    CHECK_EQ_INT(lh_stream_groups_commit(g, &req, on_commit, NULL), LH_GROUP_PENDING);
    CHECK_EQ_INT(jobs.n, 1);
    CHECK_EQ_INT(fetched(g, "g", "t", 0, NULL, 0), -1); /* not durable yet */
    p.offset = 11;
    CHECK_EQ_INT(lh_stream_groups_commit(g, &req, on_commit, NULL), LH_GROUP_PENDING);
    p.offset = 12;
    CHECK_EQ_INT(lh_stream_groups_commit(g, &req, on_commit, &jobs), LH_GROUP_PENDING);
    lh_stream_groups_cancel(g, &jobs); /* the third's connection closed */
    CHECK_EQ_INT(jobs.n, 1);           /* one fsync in flight at a time */
    run_job(&jobs);
    CHECK_EQ_INT(commit_answers, 1);
    CHECK_EQ_INT(commit_answer, 0);
    CHECK_EQ_INT(fetched(g, "g", "t", 0, NULL, 0), 10);
    CHECK_EQ_INT(jobs.n, 2); /* the next one covers both later commits */
    run_job(&jobs);
    CHECK_EQ_INT(commit_answers, 2);
    CHECK_EQ_INT(fetched(g, "g", "t", 0, NULL, 0), 12);
    /* closing with a job in flight frees when it ends */
    p.offset = 13;
    CHECK_EQ_INT(lh_stream_groups_commit(g, &req, on_commit, NULL), LH_GROUP_PENDING);
    lh_stream_groups_close(g);
    run_job(&jobs);
    CHECK_EQ_INT(commit_answers, 2);
    CHECK_EQ_INT(lh_stream_groups_open(&g, dir, &o, &err), 0);
    CHECK_EQ_INT(fetched(g, "g", "t", 0, NULL, 0), 13);
    lh_stream_groups_close(g);
}

/* A topic dropped while a commit to it waits for its fsync job: the
 * commit is made durable and answered first, then dropped, in memory as
 * in the file. */
static void drop_topic_after_a_pending_commit(void)
{
    const char *dir = lh_test_tmpdir();
    jobs_t jobs = {0};
    lh_stream_groups_opts_t o = opts(0);
    o.submit = defer_submit;
    o.submit_ctx = &jobs;
    lh_stream_groups_t *g;
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_groups_open(&g, dir, &o, &err), 0);
    lh_stream_offset_commit_t p = {.topic = S("t"), .partition = 0, .offset = 10};
    lh_stream_commit_req_t req = {
        .group_id = S("g"), .member_id = S(""), .generation = -1, .parts = &p, .nparts = 1};
    commit_answers = 0;
    CHECK_EQ_INT(lh_stream_groups_commit(g, &req, on_commit, NULL), LH_GROUP_PENDING);
    CHECK_EQ_INT(lh_stream_groups_drop_topic(g, S("t"), &err), 0);
    CHECK_EQ_INT(commit_answers, 1); /* answered (durable) before the drop */
    CHECK_EQ_INT(commit_answer, 0);
    CHECK_EQ_INT(fetched(g, "g", "t", 0, NULL, 0), -1);
    run_job(&jobs); /* the job ends later: nothing left to answer */
    CHECK_EQ_INT(commit_answers, 1);
    CHECK_EQ_INT(fetched(g, "g", "t", 0, NULL, 0), -1);
    lh_stream_groups_close(g);
    CHECK_EQ_INT(lh_stream_groups_open(&g, dir, &o, &err), 0);
    CHECK_EQ_INT(fetched(g, "g", "t", 0, NULL, 0), -1);
    lh_stream_groups_close(g);
}

static void compaction_keeps_latest(void)
{
    const char *dir = lh_test_tmpdir();
    char path[256];
    snprintf(path, sizeof path, "%s/offsets.log", dir);
    lh_stream_groups_opts_t o = opts(0);
    o.compact_bytes = 4096;
    lh_stream_groups_t *g;
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_groups_open(&g, dir, &o, &err), 0);
    int16_t e;
    for (int i = 0; i < 2000; i++) {
        commit(g, "g", "", -1, "t", i % 4, i, "meta", &e);
        CHECK_EQ_INT(e, 0);
    }
    CHECK(file_size(path) < 8192); /* 2000 frames would be ~100 KiB */
    for (int p = 0; p < 4; p++)
        CHECK_EQ_INT(fetched(g, "g", "t", p, NULL, 0), 1996 + p);
    lh_stream_groups_close(g);
    CHECK_EQ_INT(lh_stream_groups_open(&g, dir, &o, &err), 0);
    for (int p = 0; p < 4; p++)
        CHECK_EQ_INT(fetched(g, "g", "t", p, NULL, 0), 1996 + p);
    lh_stream_groups_close(g);
}

static void dropped_topic_stays_dropped(void)
{
    const char *dir = lh_test_tmpdir();
    lh_stream_groups_t *g = open_at(dir, 0);
    int16_t e;
    commit(g, "g1", "", -1, "gone", 0, 1, NULL, &e);
    commit(g, "g2", "", -1, "gone", 1, 2, NULL, &e);
    commit(g, "g2", "", -1, "kept", 0, 3, NULL, &e);
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_groups_drop_topic(g, S("gone"), &err), 0);
    CHECK_EQ_INT(fetched(g, "g2", "gone", 1, NULL, 0), -1);
    lh_stream_groups_tick(g); /* g1 holds nothing now: dropped */
    CHECK_EQ_INT(lh_stream_groups_list(g, count_groups, NULL), 1);
    lh_stream_groups_close(g);
    g = open_at(dir, 0);
    CHECK_EQ_INT(fetched(g, "g1", "gone", 0, NULL, 0), -1);
    CHECK_EQ_INT(fetched(g, "g2", "gone", 1, NULL, 0), -1);
    CHECK_EQ_INT(fetched(g, "g2", "kept", 0, NULL, 0), 3);
    lh_stream_groups_close(g);
}

static void rejoin_rules_in_stable(void)
{
    lh_stream_groups_t *g = open_at(lh_test_tmpdir(), 100);
    join_rec_t a = {0}, b = {0};
    CHECK(stable_pair(g, &a, &b) == 0);
    /* a follower rejoining with the same metadata gets the current generation */
    CHECK_EQ_INT(join_as(g, &b, b.member, "range=mb", 0), 0);
    CHECK_EQ_INT(b.gen, 1);
    CHECK_EQ_INT(hb(g, a.member, 1), 0);
    /* with new metadata it starts a rebalance */
    CHECK_EQ_INT(join_as(g, &b, b.member, "range=mb2", 0), LH_GROUP_PENDING);
    CHECK_EQ_INT(hb(g, a.member, 1), LH_GROUP_REBALANCE_IN_PROGRESS);
    CHECK_EQ_INT(join_as(g, &a, a.member, "range=ma", 0), 0);
    CHECK_EQ_INT(a.gen, 2);
    CHECK_EQ_STR(a.metas[1], "mb2");
    lh_stream_group_info_t info; /* CompletingRebalance: no metadata shown */
    lh_stream_groups_describe(g, S("grp"), &info);
    CHECK_EQ_INT(info.state, LH_GROUP_COMPLETING_REBALANCE);
    CHECK_EQ_INT(info.nmembers, 2);
    CHECK_EQ_INT(info.protocol.len, 0);
    CHECK_EQ_INT(info.members[0].metadata.len, 0);
    /* the leader rejoining a Stable group forces a rebalance */
    sync_rec_t sa = {0}, sb = {0};
    CHECK_EQ_INT(sync_as(g, &sb, b.member, 2, NULL, 0), LH_GROUP_PENDING);
    CHECK_EQ_INT(sync_as(g, &sa, a.member, 2, NULL, 0), 0);
    CHECK_EQ_INT(sb.called, 1);
    CHECK_EQ_STR(sb.assignment, ""); /* left out by the leader: empty bytes */
    CHECK_EQ_INT(join_as(g, &a, a.member, "range=ma", 0), LH_GROUP_PENDING);
    CHECK_EQ_INT(hb(g, b.member, 2), LH_GROUP_REBALANCE_IN_PROGRESS);
    lh_stream_groups_close(g);
}

static void leave_by_instance_id_and_max_size(void)
{
    lh_stream_groups_opts_t o = opts(0);
    o.max_members = 2;
    lh_stream_groups_t *g;
    lh_err_t err;
    CHECK_EQ_INT(lh_stream_groups_open(&g, lh_test_tmpdir(), &o, &err), 0);
    lh_stream_group_protocol_t p = {S("range"), S("m")};
    lh_stream_join_req_t req = one_protocol(&p);
    req.group_instance_id = S("inst-1");
    join_rec_t a = {0}, b = {0}, c = {0};
    lh_stream_join_result_t r;
    CHECK_EQ_INT(lh_stream_groups_join(g, &req, on_join, &a, &r), 0);
    CHECK_EQ_INT(r.error, 0);
    char aid[256];
    copy(aid, sizeof aid, r.member_id);
    CHECK_EQ_INT(join_as(g, &b, "", "range=mb", 0), LH_GROUP_PENDING);
    req.member_id = S(aid);
    CHECK_EQ_INT(lh_stream_groups_join(g, &req, on_join, &a, &r), 0); /* completes gen 2 */
    CHECK_EQ_INT(r.generation, 2);
    CHECK_EQ_INT(join_as(g, &c, "", "range=mc", 0), 0); /* a third: the group is full */
    CHECK_EQ_INT(c.error, LH_GROUP_GROUP_MAX_SIZE_REACHED);
    lh_stream_group_info_t info;
    lh_stream_groups_describe(g, S("grp"), &info);
    CHECK(info.members[0].group_instance_id.len == 6);
    lh_stream_leave_member_t l[] = {{.member_id = S(""), .group_instance_id = S("inst-1")},
                                    {.member_id = S(""), .group_instance_id = S("inst-9")}};
    CHECK_EQ_INT(lh_stream_groups_leave(g, S("grp"), l, 2), 0);
    CHECK_EQ_INT(l[0].error, 0);
    CHECK_EQ_INT(l[1].error, LH_GROUP_UNKNOWN_MEMBER_ID);
    CHECK_EQ_INT(hb(g, b.member, 2), LH_GROUP_REBALANCE_IN_PROGRESS);
    CHECK_EQ_INT(join_as(g, &b, b.member, "range=mb", 0), 0); /* alone now, and the leader */
    CHECK_EQ_INT(b.nmembers, 1);
    CHECK_EQ_STR(b.leader, b.member);
    CHECK_EQ_INT(lh_stream_groups_leave(g, S(""), l, 1), LH_GROUP_INVALID_GROUP_ID);
    lh_stream_groups_close(g);
}

/* A static member (group instance id) in the join helper's style. */
static int join_static_as(lh_stream_groups_t *g, join_rec_t *j, const char *member,
                          const char *instance, const char *meta)
{
    lh_stream_group_protocol_t p = {S("range"), S(meta)};
    lh_stream_join_req_t req = one_protocol(&p);
    req.member_id = S(member);
    req.group_instance_id = S(instance);
    req.rebalance_timeout_ms = 30000;
    req.require_known_member_id = 1;
    lh_stream_join_result_t now;
    int rc = lh_stream_groups_join(g, &req, on_join, j, &now);
    if (rc == 0) on_join(j, &now);
    return rc;
}

static int16_t hb_static(lh_stream_groups_t *g, const char *member, const char *inst, int32_t gen)
{
    return lh_stream_groups_heartbeat(g, S("grp"), S(member), S(inst), gen);
}

static void static_member_restarts_without_a_rebalance(void)
{
    lh_stream_groups_t *g = open_at(lh_test_tmpdir(), 100);
    join_rec_t a = {0}, b = {0};
    CHECK_EQ_INT(join_static_as(g, &a, "", "inst-a", "ma"), LH_GROUP_PENDING); /* no id step */
    CHECK_EQ_INT(join_as(g, &b, "", "range=mb", 0), LH_GROUP_PENDING);
    for (int i = 0; i < 3; i++) {
        now_ms += 100;
        lh_stream_groups_tick(g);
    }
    CHECK_EQ_INT(a.gen, 1);
    CHECK_EQ_STR(a.leader, a.member);
    sync_rec_t sa = {0}, sb = {0};
    lh_stream_group_assignment_t as[] = {{S(a.member), S("pa")}, {S(b.member), S("pb")}};
    CHECK_EQ_INT(sync_as(g, &sb, b.member, 1, NULL, 0), LH_GROUP_PENDING);
    CHECK_EQ_INT(sync_as(g, &sa, a.member, 1, as, 2), 0);
    char old[256];
    snprintf(old, sizeof old, "%s", a.member);
    /* the process of inst-a restarts: same instance, no member id */
    CHECK_EQ_INT(join_static_as(g, &a, "", "inst-a", "ma"), 0);
    CHECK_EQ_INT(a.error, 0);
    CHECK_EQ_INT(a.gen, 1); /* no rebalance */
    CHECK(strcmp(a.member, old) != 0);
    CHECK_EQ_STR(a.leader, old); /* told the old leader id: it does not assign again */
    CHECK_EQ_INT(hb(g, b.member, 1), 0);
    CHECK_EQ_INT(hb_static(g, old, "inst-a", 1), LH_GROUP_FENCED_INSTANCE_ID);
    CHECK_EQ_INT(hb_static(g, a.member, "inst-a", 1), 0);
    sync_rec_t s2 = {0};
    CHECK_EQ_INT(sync_as(g, &s2, a.member, 1, NULL, 0), 0);
    CHECK_EQ_STR(s2.assignment, "pa"); /* its assignment was kept */
    int16_t e;
    commit(g, "grp", old, 1, "t", 0, 1, NULL, &e);
    CHECK_EQ_INT(e, LH_GROUP_UNKNOWN_MEMBER_ID); /* the old id is gone */
    lh_stream_offset_commit_t p = {.topic = S("t"), .partition = 0, .offset = 5};
    lh_stream_commit_req_t req = {.group_id = S("grp"),
                                  .member_id = S(old),
                                  .group_instance_id = S("inst-a"),
                                  .generation = 1,
                                  .parts = &p,
                                  .nparts = 1};
    CHECK_EQ_INT(lh_stream_groups_commit(g, &req, NULL, NULL), 0);
    CHECK_EQ_INT(p.error, LH_GROUP_FENCED_INSTANCE_ID);
    /* a rebalance in which the static member stays away: it is kept, B leads */
    join_rec_t c = {0};
    CHECK_EQ_INT(join_as(g, &c, "", "range=mc", 0), LH_GROUP_PENDING);
    CHECK_EQ_INT(join_as(g, &b, b.member, "range=mb", 0), LH_GROUP_PENDING);
    for (int i = 0; i < 4; i++) { /* the 30 s rebalance timeout; A and B keep heartbeating */
        now_ms += 8000;
        hb_static(g, a.member, "inst-a", 1);
        lh_stream_groups_tick(g);
    }
    CHECK_EQ_INT(b.gen, 2);
    CHECK_EQ_STR(b.leader, b.member);
    CHECK_EQ_INT(b.nmembers, 3);
    lh_stream_groups_close(g);
}

static void delete_group_and_offsets(void)
{
    const char *dir = lh_test_tmpdir();
    lh_stream_groups_t *g = open_at(dir, 0);
    int16_t e;
    commit(g, "old", "", -1, "t", 0, 5, NULL, &e);
    commit(g, "old", "", -1, "u", 1, 6, NULL, &e);
    CHECK_EQ_INT(lh_stream_groups_delete(g, S("nope")), LH_GROUP_GROUP_ID_NOT_FOUND);
    /* a group with a member: not deleted; its unsubscribed topics' offsets may go */
    unsigned char md[] = {0, 0, 0, 0, 0, 1, 0, 1, 't', 0xff, 0xff, 0xff, 0xff}; /* v0 ["t"] */
    lh_stream_group_protocol_t p = {S("range"), {(const char *)md, sizeof md}};
    lh_stream_join_req_t req = one_protocol(&p);
    lh_stream_join_result_t r;
    join_rec_t a = {0};
    CHECK_EQ_INT(lh_stream_groups_join(g, &req, on_join, &a, &r), 0);
    CHECK_EQ_INT(r.error, 0);
    char mid[256];
    copy(mid, sizeof mid, r.member_id);
    commit(g, "grp", mid, 1, "t", 0, 1, NULL, &e);
    CHECK_EQ_INT(e, LH_GROUP_REBALANCE_IN_PROGRESS); /* CompletingRebalance: sync first */
    sync_rec_t s = {0};
    CHECK_EQ_INT(sync_as(g, &s, mid, 1, NULL, 0), 0);
    commit(g, "grp", mid, 1, "t", 0, 1, NULL, &e);
    commit(g, "grp", mid, 1, "u", 0, 2, NULL, &e);
    CHECK_EQ_INT(e, 0);
    CHECK_EQ_INT(lh_stream_groups_delete(g, S("grp")), LH_GROUP_NON_EMPTY_GROUP);
    lh_stream_offset_delete_t d[] = {{S("t"), 0, 0}, {S("u"), 0, 0}};
    CHECK_EQ_INT(lh_stream_groups_delete_offsets(g, S("grp"), d, 2), 0);
    CHECK_EQ_INT(d[0].error, LH_GROUP_GROUP_SUBSCRIBED_TO_TOPIC);
    CHECK_EQ_INT(d[1].error, 0);
    CHECK_EQ_INT(fetched(g, "grp", "t", 0, NULL, 0), 1);
    CHECK_EQ_INT(fetched(g, "grp", "u", 0, NULL, 0), -1);
    /* an Empty group: every offset may go, and the group itself */
    lh_stream_offset_delete_t d2[] = {{S("u"), 1, 0}};
    CHECK_EQ_INT(lh_stream_groups_delete_offsets(g, S("old"), d2, 1), 0);
    CHECK_EQ_INT(d2[0].error, 0);
    CHECK_EQ_INT(lh_stream_groups_delete(g, S("old")), 0);
    lh_stream_group_info_t info;
    lh_stream_groups_describe(g, S("old"), &info);
    CHECK_EQ_INT(info.state, LH_GROUP_DEAD);
    CHECK_EQ_INT(fetched(g, "old", "t", 0, NULL, 0), -1);
    lh_stream_groups_close(g);
    g = open_at(dir, 0); /* and so it stays */
    CHECK_EQ_INT(fetched(g, "old", "t", 0, NULL, 0), -1);
    CHECK_EQ_INT(fetched(g, "grp", "u", 0, NULL, 0), -1);
    CHECK_EQ_INT(fetched(g, "grp", "t", 0, NULL, 0), 1);
    CHECK_EQ_INT(lh_stream_groups_list(g, count_groups, NULL), 1);
    lh_stream_groups_close(g);
}

/* A member removed during the call that answers its JoinGroup (a
 * rebalance timeout of 0: its sync deadline is already due): the answer
 * it gets is a copy, still readable (ASan), and the member is gone. */
static void answer_outlives_a_member_removed_in_the_call(void)
{
    lh_stream_groups_t *g = open_at(lh_test_tmpdir(), 0);
    lh_stream_group_protocol_t p = {S("range"), S("md")};
    lh_stream_join_req_t req = one_protocol(&p);
    req.rebalance_timeout_ms = 0;
    lh_stream_join_result_t r;
    join_rec_t a = {0};
    CHECK_EQ_INT(lh_stream_groups_join(g, &req, on_join, &a, &r), 0);
    CHECK_EQ_INT(r.error, 0);
    CHECK_EQ_INT(r.nmembers, 1);
    CHECK(r.member_id.len > 4 && !memcmp(r.member_id.ptr, "cli-", 4));
    CHECK(r.members[0].member_id.len == r.member_id.len &&
          !memcmp(r.members[0].member_id.ptr, r.member_id.ptr, r.member_id.len));
    CHECK(r.members[0].metadata.len == 2 && !memcmp(r.members[0].metadata.ptr, "md", 2));
    char id[256];
    copy(id, sizeof id, r.member_id);
    CHECK_EQ_INT(hb(g, id, 1), LH_GROUP_UNKNOWN_MEMBER_ID);
    lh_stream_groups_close(g);
}

/* A Stable group's membership is in the offsets file: after a reopen (a
 * broker restart) it is Stable again, its members heartbeat on in their
 * generation and SyncGroup gives their kept assignments; members that do
 * not come back within their session are removed then. An Empty group
 * stays Empty, with its generation. */
static void membership_survives_reopen(void)
{
    const char *dir = lh_test_tmpdir();
    lh_stream_groups_t *g = open_at(dir, 100);
    join_rec_t a = {0}, b = {0};
    CHECK(stable_pair(g, &a, &b) == 0);
    lh_stream_groups_close(g);
    g = open_at(dir, 100);
    lh_stream_group_info_t info;
    lh_stream_groups_describe(g, S("grp"), &info);
    CHECK_EQ_INT(info.state, LH_GROUP_STABLE);
    CHECK_EQ_INT(info.nmembers, 2);
    CHECK(info.protocol.len == 5 && !memcmp(info.protocol.ptr, "range", 5));
    CHECK(info.members[1].assignment.len == 2 && !memcmp(info.members[1].assignment.ptr, "pb", 2));
    CHECK_EQ_INT(hb(g, a.member, 1), 0); /* no rebalance: generation 1 goes on */
    sync_rec_t s = {0};
    CHECK_EQ_INT(sync_as(g, &s, b.member, 1, NULL, 0), 0);
    CHECK_EQ_STR(s.assignment, "pb");
    join_rec_t again = {0}; /* a follower rejoining unchanged gets the same generation */
    CHECK_EQ_INT(join_as(g, &again, b.member, "range=mb", 0), 0);
    CHECK_EQ_INT(again.gen, 1);
    CHECK_EQ_STR(again.leader, a.member);
    for (int i = 0; i < 4; i++) { /* only A heartbeats: B's session ends */
        now_ms += 2500;
        hb(g, a.member, 1);
        lh_stream_groups_tick(g);
    }
    CHECK_EQ_INT(hb(g, a.member, 1), LH_GROUP_REBALANCE_IN_PROGRESS);
    lh_stream_leave_member_t l = {.member_id = S(a.member)};
    lh_stream_groups_leave(g, S("grp"), &l, 1); /* the last one leaves: Empty, generation 2 */
    int16_t e;
    commit(g, "grp", "", -1, "t", 0, 3, NULL, &e); /* offsets keep the Empty group listed */
    CHECK_EQ_INT(e, 0);
    lh_stream_groups_close(g);
    g = open_at(dir, 100);
    lh_stream_groups_describe(g, S("grp"), &info);
    CHECK_EQ_INT(info.state, LH_GROUP_EMPTY);
    CHECK_EQ_INT(info.nmembers, 0);
    CHECK_EQ_INT(hb(g, a.member, 1), LH_GROUP_UNKNOWN_MEMBER_ID);
    lh_stream_groups_close(g);
}

static const lh_test_t tests[] = {
    {"two_members_join_leader_gets_both", two_members_join_leader_gets_both},
    {"sync_distributes_assignments", sync_distributes_assignments},
    {"third_member_triggers_rebalance", third_member_triggers_rebalance},
    {"leave_triggers_rebalance", leave_triggers_rebalance},
    {"session_timeout_removes_member", session_timeout_removes_member},
    {"rebalance_timeout_drops_stragglers", rebalance_timeout_drops_stragglers},
    {"initial_delay_waits_and_extends", initial_delay_waits_and_extends},
    {"zero_delay_answers_at_once", zero_delay_answers_at_once},
    {"stale_generation_and_unknown_member", stale_generation_and_unknown_member},
    {"member_id_required_then_rejoin", member_id_required_then_rejoin},
    {"protocol_by_votes", protocol_by_votes},
    {"cancel_drops_pending_answers", cancel_drops_pending_answers},
    {"rejoin_rules_in_stable", rejoin_rules_in_stable},
    {"leave_by_instance_id_and_max_size", leave_by_instance_id_and_max_size},
    {"static_member_restarts_without_a_rebalance", static_member_restarts_without_a_rebalance},
    {"commit_and_fetch", commit_and_fetch},
    {"commit_rules_follow_the_state", commit_rules_follow_the_state},
    {"offsets_survive_reopen", offsets_survive_reopen},
    {"membership_survives_reopen", membership_survives_reopen},
    {"torn_tail_is_cut", torn_tail_is_cut},
    {"crc_valid_bad_frame_is_not_half_applied", crc_valid_bad_frame_is_not_half_applied},
    {"async_commits_answer_when_durable", async_commits_answer_when_durable},
    {"drop_topic_after_a_pending_commit", drop_topic_after_a_pending_commit},
    {"compaction_keeps_latest", compaction_keeps_latest},
    {"dropped_topic_stays_dropped", dropped_topic_stays_dropped},
    {"delete_group_and_offsets", delete_group_and_offsets},
    {"answer_outlives_a_member_removed_in_the_call", answer_outlives_a_member_removed_in_the_call},
    {NULL, NULL},
};

LH_TEST_MAIN(tests)
