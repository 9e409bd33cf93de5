/* libFuzzer target for the consumer-group coordinator (stream/group*.c).
 * Byte 0 picks the mode:
 * - even: the rest is a script of operations by four clients (static
 *   members or not) on one or two groups under an injected clock (join new
 *   or known, with v4's member id step or not, different protocol sets;
 *   sync with assignments; heartbeat; leave; commit as a member or simply;
 *   delete a group or an offset; time passing; a connection closing).
 *   Checked: an answer comes once, never from the call that asked and
 *   never after its cancel; a successful join has a generation and a
 *   member id, and the leader's list holds the leader. At the end the
 *   object is closed and reopened: every acknowledged commit (and delete)
 *   reads back.
 * - odd: the rest follows the magic as an offsets file: opening never
 *   fails on it (the bad tail is cut), and a commit after it survives a
 *   reopen. */
#include "stream/group.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t now;
static int64_t clock_fn(void *arg)
{
    (void)arg;
    return now;
}

typedef struct {
    char id[256];
    char inst[3]; /* its group instance id when it joins as a static member */
    int32_t gen;
    int join_out, sync_out; /* an answer is owed */
} client_t;

static client_t cl[4];
static void *in_call;       /* the request being made right now */
static int64_t model[2][4]; /* last acknowledged offset per (group, partition) */

static void on_join(void *arg, const lh_stream_join_result_t *r)
{
    client_t *c = arg;
    if (!c->join_out || in_call == c) abort();
    c->join_out = 0;
    if (r->error) return;
    if (r->generation < 1 || !r->member_id.len) abort();
    c->gen = r->generation;
    snprintf(c->id, sizeof c->id, "%.*s", (int)r->member_id.len, r->member_id.ptr);
    int found = r->nmembers == 0;
    for (int i = 0; i < r->nmembers; i++)
        found |= r->members[i].member_id.len == r->member_id.len &&
                 !memcmp(r->members[i].member_id.ptr, r->member_id.ptr, r->member_id.len);
    if (!found) abort();
}

static void on_sync(void *arg, const lh_stream_sync_result_t *r)
{
    int *owed = arg;
    if (!*owed || in_call == arg) abort();
    *owed = 0;
    (void)r;
}

static const char *const groups[2] = {"ga", "gb"};

static lh_str_t S(const char *s)
{
    return (lh_str_t){s, strlen(s)};
}

static void do_join(lh_stream_groups_t *g, int gi, client_t *c, uint8_t b, int statik)
{
    static const lh_stream_group_protocol_t all[] = {
        {{"range", 5}, {"m1", 2}}, {{"rr", 2}, {"", 0}}, {{"sticky", 6}, {"m3", 2}}};
    int first = b & 1 ? 1 : 0, n = 1 + (b >> 1) % 2;
    lh_stream_join_req_t req = {
        .group_id = S(groups[gi]),
        .member_id = b & 8 ? S("") : S(c->id),
        .client_id = S("fz"),
        .client_host = S("/h"),
        .protocol_type = S("consumer"),
        .session_timeout_ms = 6000 + (b >> 4) * 1000,
        .rebalance_timeout_ms = 10000,
        .require_known_member_id = (b >> 2) & 1,
        .group_instance_id = statik ? (lh_str_t){c->inst, 2} : (lh_str_t){NULL, 0},
        .protocols = all + first,
        .nprotocols = n,
    };
    if (c->join_out) return; /* a client waits for its answer */
    lh_stream_join_result_t r;
    c->join_out = 1;
    in_call = c;
    int rc = lh_stream_groups_join(g, &req, on_join, c, &r);
    in_call = NULL;
    if (rc == 0) {
        c->join_out = 1; /* answered now: check it as a callback would be */
        on_join(c, &r);
        if (r.error == LH_GROUP_MEMBER_ID_REQUIRED)
            snprintf(c->id, sizeof c->id, "%.*s", (int)r.member_id.len, r.member_id.ptr);
    }
}

static void do_sync(lh_stream_groups_t *g, int gi, client_t *c, uint8_t b)
{
    lh_stream_group_assignment_t a[4];
    for (int i = 0; i < 4; i++)
        a[i] = (lh_stream_group_assignment_t){S(cl[i].id), S("asg")};
    lh_stream_sync_req_t req = {.group_id = S(groups[gi]),
                                .member_id = S(c->id),
                                .generation = c->gen + (b & 3) - 1,
                                .assignments = a,
                                .nassignments = b & 4 ? 4 : 0};
    if (c->sync_out) return;
    lh_stream_sync_result_t r;
    c->sync_out = 1;
    in_call = &c->sync_out;
    int rc = lh_stream_groups_sync(g, &req, on_sync, &c->sync_out, &r);
    in_call = NULL;
    if (rc == 0) c->sync_out = 0;
}

static void do_commit(lh_stream_groups_t *g, int gi, client_t *c, uint8_t b, int64_t off)
{
    int simple = b & 1;
    lh_stream_offset_commit_t p = {.topic = S("t"), .partition = (b >> 1) & 3, .offset = off};
    lh_stream_commit_req_t req = {.group_id = S(groups[gi]),
                                  .member_id = simple ? S("") : S(c->id),
                                  .generation = simple ? -1 : c->gen,
                                  .parts = &p,
                                  .nparts = 1};
    if (lh_stream_groups_commit(g, &req, NULL, NULL) == 0 && p.error == 0)
        model[gi][p.partition] = off;
}

/* DeleteGroups (arg bit 0) or OffsetDelete of one partition (bit 1). */
static void do_delete(lh_stream_groups_t *g, int gi, uint8_t arg)
{
    if (arg & 1) {
        if (lh_stream_groups_delete(g, S(groups[gi])) == 0)
            for (int p = 0; p < 4; p++)
                model[gi][p] = -1;
    } else if (arg & 2) {
        lh_stream_offset_delete_t d = {.topic = S("t"), .partition = (arg >> 2) & 3};
        if (lh_stream_groups_delete_offsets(g, S(groups[gi]), &d, 1) == 0 && d.error == 0)
            model[gi][d.partition] = -1;
    }
}

static lh_stream_groups_t *open_at(const char *dir)
{
    lh_stream_groups_opts_t o;
    lh_stream_groups_opts_default(&o);
    o.initial_rebalance_delay_ms = 300;
    o.clock = clock_fn;
    o.compact_bytes = 512;
    lh_stream_groups_t *g = NULL;
    lh_err_t err;
    if (lh_stream_groups_open(&g, dir, &o, &err)) {
        fprintf(stderr, "open: %s\n", err.msg);
        abort();
    }
    return g;
}

static void check_model(const char *dir)
{
    lh_stream_groups_t *g = open_at(dir);
    for (int gi = 0; gi < 2; gi++)
        for (int p = 0; p < 4; p++) {
            lh_stream_offset_t o;
            lh_stream_groups_offset(g, S(groups[gi]), S("t"), p, &o);
            if (o.offset != model[gi][p]) abort();
        }
    lh_stream_groups_close(g);
}

static void script(const char *dir, const uint8_t *d, size_t n)
{
    lh_stream_groups_t *g = open_at(dir);
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint8_t op = d[i], arg = d[i + 1];
        int gi = (op >> 3) & 1;
        client_t *c = &cl[(op >> 4) & 3];
        switch (op & 7) {
        case 0:
            do_join(g, gi, c, arg, op >> 6);
            break;
        case 1:
            do_sync(g, gi, c, arg);
            break;
        case 2:
            lh_stream_groups_heartbeat(g, S(groups[gi]), S(c->id), (lh_str_t){0}, c->gen);
            break;
        case 3: {
            lh_stream_leave_member_t l = {.member_id = S(c->id)};
            lh_stream_groups_leave(g, S(groups[gi]), &l, 1);
            break;
        }
        case 4:
            do_commit(g, gi, c, arg, (int64_t)i);
            break;
        case 5:
            now += (int64_t)arg * 100;
            lh_stream_groups_tick(g);
            break;
        case 6:
            lh_stream_groups_cancel(g, c);
            lh_stream_groups_cancel(g, &c->sync_out);
            c->join_out = c->sync_out = 0;
            break;
        default: {
            lh_stream_group_info_t info;
            lh_stream_groups_describe(g, S(groups[gi]), &info);
            if (info.nmembers > 100) abort();
            do_delete(g, gi, arg);
        }
        }
    }
    lh_stream_groups_close(g);
    check_model(dir);
}

static void file_mode(const char *dir, const uint8_t *d, size_t n)
{
    char path[256];
    snprintf(path, sizeof path, "%s/offsets.log", dir);
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    fwrite("LHGOFF01", 1, 8, f);
    fwrite(d, 1, n, f);
    fclose(f);
    lh_stream_groups_t *g = open_at(dir);
    do_commit(g, 0, &cl[0], 1, 77);
    lh_stream_groups_close(g);
    g = open_at(dir);
    lh_stream_offset_t o;
    lh_stream_groups_offset(g, S("ga"), S("t"), 0, &o);
    if (o.offset != 77) abort();
    lh_stream_groups_close(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096) return 0;
    char dir[128];
    snprintf(dir, sizeof dir, "/dev/shm/lh-group-fuzz-%d", (int)getpid());
    mkdir(dir, 0755);
    char path[256];
    snprintf(path, sizeof path, "%s/offsets.log", dir);
    unlink(path);
    memset(cl, 0, sizeof cl);
    for (int i = 0; i < 4; i++)
        snprintf(cl[i].inst, sizeof cl[i].inst, "i%d", i);
    for (int gi = 0; gi < 2; gi++)
        for (int p = 0; p < 4; p++)
            model[gi][p] = -1;
    now = 1000000;
    if (data[0] & 1)
        file_mode(dir, data + 1, size - 1);
    else
        script(dir, data + 1, size - 1);
    unlink(path);
    return 0;
}
