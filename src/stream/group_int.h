/* The coordinator's structs, shared by its files only (group.c: the object,
 * lookups, timers; group_join.c: JoinGroup and the rebalance; group_sync.c:
 * SyncGroup, Heartbeat, LeaveGroup; group_offsets.c: offsets in memory,
 * commit and fetch; group_store.c: the offsets file). */
#ifndef LH_STREAM_GROUP_INT_H
#define LH_STREAM_GROUP_INT_H

#include "core/buf.h"
#include "stream/group.h"
#include "stream/wire.h"

#include <stddef.h>
#include <stdint.h>

/* Bytes we keep: not NUL-terminated in general (Kafka strings may hold
 * NULs); ptr NULL = absent. */
typedef struct lh__gbytes {
    char *ptr;
    size_t len;
} lh__gbytes_t;

typedef struct lh__gproto {
    lh__gbytes_t name, metadata;
} lh__gproto_t;

/* A pending answer. active: the member awaits it (Kafka's "callback set");
 * cb NULL with active set: dropped by cancel, still counts as waiting;
 * inline_: answered inside the call that made it (the slot is g->now_*). */
typedef struct lh__gwait {
    int active, inline_;
    lh_stream_join_cb join_cb; /* the one of the two that applies */
    lh_stream_sync_cb sync_cb;
    void *arg;
} lh__gwait_t;

typedef struct lh__gmember {
    lh__gbytes_t id, instance_id, client_id, client_host;
    int32_t session_ms, rebalance_ms;
    lh__gproto_t *protos;
    int nprotos;
    lh__gbytes_t assignment;
    int is_new;          /* joined, never completed a join */
    int pending_sync;    /* got a JoinGroup answer, no SyncGroup yet */
    int64_t hb_deadline; /* session expiry (or the new-member join timeout) */
    lh__gwait_t join, sync;
} lh__gmember_t;

typedef struct lh__gpending { /* a MEMBER_ID_REQUIRED id awaiting its rejoin */
    lh__gbytes_t id;
    int64_t deadline;
} lh__gpending_t;

typedef struct lh__goffset {
    lh__gbytes_t topic, metadata;
    int32_t partition, leader_epoch;
    int64_t offset, commit_ms;
} lh__goffset_t;

typedef struct lh__group {
    lh__gbytes_t id;
    int state;
    int32_t generation;
    lh__gbytes_t protocol_type, protocol_name;
    lh__gmember_t **members; /* join order; the leader is one of them */
    int nmembers, capmembers;
    lh__gmember_t *leader;
    int num_awaiting; /* members whose join.active is set */
    lh__gpending_t *pending;
    int npending, cappending;
    /* the rebalance timer: PreparingRebalance waits until join_deadline
     * (or every member rejoined, unless initial) */
    int64_t join_deadline; /* -1: none */
    int initial;           /* Kafka's InitialDelayedJoin */
    int64_t initial_delay, initial_remaining;
    int new_member_added;
    int64_t sync_deadline;  /* members that never sync are removed then; -1: none */
    lh__goffset_t *offsets; /* sorted by (topic, partition) */
    int noffsets, capoffsets;
} lh__group_t;

/* An offset commit written and waiting for its fsync. */
typedef struct lh__gcommit {
    struct lh__gcommit *next;
    int64_t end; /* durable once the file is synced up to here */
    char *frame; /* the frame's payload, replayed into memory when durable */
    size_t len;
    lh_stream_commit_cb cb;
    void *arg;
} lh__gcommit_t;

typedef struct lh__gsync_job {
    lh_stream_groups_t *g;
    int fd;
    int64_t end;
    int rc; /* 0, or errno of fdatasync */
} lh__gsync_job_t;

struct lh_stream_groups {
    lh_stream_groups_opts_t o;
    lh__group_t **groups; /* sorted by id */
    int ngroups, capgroups;
    /* the offsets file */
    char *dir, *path;
    int fd;
    int64_t file_end, durable_end, live_bytes;
    int64_t membership_bytes; /* GROUP frames in the last snapshot (compaction's measure) */
    int failed;               /* a write or fsync failed: refuse commits */
    lh__gcommit_t *commits, **commits_tail;
    lh__gsync_job_t *job; /* in flight, or NULL */
    int closing;
    uint64_t n_rebalances, n_commits; /* lh_stream_groups_stats */
    /* answers given inside the call that asked (valid until the next call) */
    lh_stream_join_result_t now_join;
    lh_stream_sync_result_t now_sync;
    char *now_mem; /* the bytes of now_join / now_sync: copies, freed by the next answer */
    lh_stream_join_member_t *scratch_members;
    lh_stream_group_member_info_t *scratch_info;
    /* the member whose JoinGroup or SyncGroup is being made (its wait is
     * inline_); NULL once it is removed during the call */
    lh__gmember_t *self;
    int capscratch, capinfo;
};

/* group.c */
int64_t lh__groups_now(const lh_stream_groups_t *g);
lh__group_t *lh__groups_find(const lh_stream_groups_t *g, lh_str_t id);
/* Finds or creates (Empty); NULL when out of memory or over max_groups. */
lh__group_t *lh__groups_get(lh_stream_groups_t *g, lh_str_t id);
lh__gmember_t *lh__group_member(const lh__group_t *gr, lh_str_t id);
/* The member that joined with this group instance id, or NULL. */
lh__gmember_t *lh__group_by_instance(const lh__group_t *gr, lh_str_t instance_id);
/* Kafka's validateCurrentMember: with an instance id (ptr set), the member
 * of that instance must be member_id (else FENCED_INSTANCE_ID, or
 * UNKNOWN_MEMBER_ID when there is none); without, member_id must be a
 * member (UNKNOWN_MEMBER_ID). *out: the member, or NULL. */
int16_t lh__group_check_member(const lh__group_t *gr, lh_str_t member_id, lh_str_t instance_id,
                               lh__gmember_t **out);
int lh__gbytes_set(lh__gbytes_t *b, lh_str_t s);
int lh__gbytes_eq(const lh__gbytes_t *b, lh_str_t s);
lh_str_t lh__gstr(const lh__gbytes_t *b);
void lh__gmember_free(lh__gmember_t *m);
/* Takes m out of the group's member list (leader moves to the first
 * remaining member) and frees it (g->self forgets it). */
void lh__group_remove_member(lh_stream_groups_t *g, lh__group_t *gr, lh__gmember_t *m);
/* Sets g->now_join / g->now_sync to a copy of r whose bytes g owns (the
 * members r points into may go before the call returns). Out of memory:
 * an UNKNOWN_SERVER_ERROR answer. */
void lh__gnow_join(lh_stream_groups_t *g, const lh_stream_join_result_t *r);
void lh__gnow_sync(lh_stream_groups_t *g, const lh_stream_sync_result_t *r);
/* Answers a pending wait (inline or through its callback) and clears it. */
void lh__gwait_join_answer(lh_stream_groups_t *g, lh__group_t *gr, lh__gmember_t *m,
                           const lh_stream_join_result_t *r);
void lh__gwait_sync_answer(lh_stream_groups_t *g, lh__gmember_t *m,
                           const lh_stream_sync_result_t *r);
/* Answers both waits of a member with error (before it is removed). */
void lh__gmember_fail_waits(lh_stream_groups_t *g, lh__group_t *gr, lh__gmember_t *m,
                            int16_t error);
/* Frees the Empty groups holding no members, pending ids or offsets. */
void lh__groups_sweep(lh_stream_groups_t *g);
/* Takes an Empty group without members out of the table and frees it. */
void lh__groups_remove(lh_stream_groups_t *g, lh__group_t *gr);
/* group_timers.c. Runs the timers due at now: every group's (the tick), one group's, or
 * those of the group named id if there is one (what a request touches:
 * a call costs its own group's members, not every group's). */
void lh__groups_fire(lh_stream_groups_t *g, int64_t now);
void lh__groups_fire_id(lh_stream_groups_t *g, lh_str_t id, int64_t now);
void lh__group_fire_one(lh_stream_groups_t *g, lh__group_t *gr, int64_t now);
/* Frees a closed object (the store's last fsync job ended). */
void lh__groups_free_closed(lh_stream_groups_t *g);
/* A group id JoinGroup, SyncGroup, Heartbeat and LeaveGroup accept: not
 * empty; and one the offsets file can hold (OffsetCommit, OffsetFetch,
 * the deletes and DescribeGroups also take ""): at most 32767 bytes. */
int lh__group_valid_id(lh_str_t id);
int lh__group_storable_id(lh_str_t id);
/* Room for one more element in *arr (n used of *cap, elem bytes each),
 * doubling from 8. Returns 0 or LH_ENOMEM (*arr unchanged). */
int lh__ggrow(void *arr, int n, int *cap, size_t elem);
/* Binary search over n sorted elements: cmp(ctx, i) compares element i
 * with the key (<0: before it). The index found (*found 1) or where the
 * key would go (*found 0). */
int lh__gsearch(int n, int (*cmp)(const void *ctx, int i), const void *ctx, int *found);
/* Byte order of two slices (memcmp, then length). */
int lh__gcmp(lh_str_t a, lh_str_t b);

/* group_rebalance.c */
int lh__group_all_support(const lh__group_t *gr, lh_str_t protocol);
/* The protocol the members vote for (the leader's name); NULL when none is
 * common. */
const lh__gbytes_t *lh__group_select_protocol(const lh__group_t *gr);
/* Fills g->scratch_members with every member's metadata for the group's
 * protocol. 0 or LH_ENOMEM. */
int lh__group_leader_list(lh_stream_groups_t *g, lh__group_t *gr);
/* A successful JoinGroup answer for m (with the leader's list if asked). */
lh_stream_join_result_t lh__group_join_result(lh_stream_groups_t *g, const lh__group_t *gr,
                                              const lh__gmember_t *m, int with_members);
void lh__group_prepare_rebalance(lh_stream_groups_t *g, lh__group_t *gr);
void lh__group_maybe_rebalance(lh_stream_groups_t *g, lh__group_t *gr);
void lh__group_try_complete_join(lh_stream_groups_t *g, lh__group_t *gr);
void lh__group_complete_join(lh_stream_groups_t *g, lh__group_t *gr);
int32_t lh__group_rebalance_ms(const lh__group_t *gr);
/* Removes a member and moves the group on (Kafka's removeMemberAndUpdateGroup). */
void lh__group_remove_and_update(lh_stream_groups_t *g, lh__group_t *gr, lh__gmember_t *m);

/* group_offsets.c */
/* Applies one decoded frame payload to memory (replay and durable commits).
 * Returns 0 or LH_ECORRUPT / LH_ENOMEM. */
int lh__groups_apply(lh_stream_groups_t *g, const char *p, size_t n);
void lh__group_offsets_free(lh__group_t *gr);
/* Writes the frame payload in b, fsyncs it and applies it to memory (the
 * admin operations: drop a topic, delete a group or some offsets).
 * Returns 0, LH_ENOMEM (b failed), LH_EIO. */
int lh__groups_log(lh_stream_groups_t *g, lh_buf_t *b, lh_err_t *err);
/* Appends the COMMIT frame payload of every offset of gr (compaction). */
void lh__gencode_group(lh_buf_t *b, const lh__group_t *gr);
int64_t lh__goffset_bytes(const lh__goffset_t *o);

/* group_store.c */
/* Sets g->dir and g->path, makes dir, loads (and maybe rewrites) the file. */
int lh__gstore_open(lh_stream_groups_t *g, const char *dir, lh_err_t *err);
void lh__gstore_close(lh_stream_groups_t *g);
/* Writes one frame (payload p, n bytes). Returns 0 or LH_EIO (the tail is
 * cut back; g->failed set when that fails too). */
int lh__gstore_write(lh_stream_groups_t *g, const char *p, size_t n, lh_err_t *err);
/* fsyncs the file now. 0 or LH_EIO (g->failed set). */
int lh__gstore_sync(lh_stream_groups_t *g, lh_err_t *err);
/* Queues c (written) to be answered when durable, submitting an fsync
 * when none is in flight. Returns 0 (c is the store's now), or LH_EIO
 * when the fsync cannot be submitted (c stays the caller's). */
int lh__gstore_queue(lh_stream_groups_t *g, lh__gcommit_t *c);
/* Rewrites the file from memory when it is much bigger than its live
 * entries and no fsync is in flight. 0 or LH_EIO / LH_ENOMEM. */
int lh__gstore_maybe_compact(lh_stream_groups_t *g, lh_err_t *err);
/* Makes the queued commits durable now (fsync here) and applies and
 * answers them, so that a later frame is replayed after them in memory
 * as in the file. 0 or LH_EIO. */
int lh__gstore_flush(lh_stream_groups_t *g, lh_err_t *err);
/* Drops the queued answers whose argument is arg. */
void lh__gstore_cancel(lh_stream_groups_t *g, void *arg);

/* Frame payloads (group_offsets.c encodes, lh__groups_apply decodes). */
enum {
    LH__GREC_COMMIT = 1,       /* group, n, n x (topic, partition, offset, epoch, time, metadata) */
    LH__GREC_DROP_TOPIC = 2,   /* topic: every group's offsets of it */
    LH__GREC_DROP_GROUP = 3,   /* group: its offsets (and the group when Empty) */
    LH__GREC_DROP_OFFSETS = 4, /* group, n, n x (topic, partition) */
    LH__GREC_GROUP = 5,        /* group, generation, protocol, leader, members (group_persist.c) */
};

/* group_persist.c */
/* Appends the GROUP frame payload of gr's membership (members only when
 * Stable). */
void lh__gencode_membership(lh_buf_t *b, const lh__group_t *gr);
/* Writes gr's membership (Stable or Empty only) without an fsync. */
void lh__group_persist(lh_stream_groups_t *g, lh__group_t *gr);
/* Replays a GROUP frame (after its kind byte). 0, LH_ECORRUPT, LH_ENOMEM. */
int lh__groups_apply_membership(lh_stream_groups_t *g, lh_kr_t *r);

#endif
