/* The consumer-group coordinator of the broker: Kafka's classic group
 * protocol as its broker side runs it (apache/kafka GroupCoordinator):
 * membership and the rebalance state machine (Empty, PreparingRebalance,
 * CompletingRebalance, Stable, Dead), JoinGroup/SyncGroup answered later
 * through callbacks, heartbeats and session expiry, LeaveGroup, and the
 * groups' committed offsets, kept durable in an append-only file of
 * CRC-checked frames under a directory the caller gives, with the groups'
 * membership (a Stable group comes back Stable after a reopen).
 *
 * No network here: the broker decodes requests into the structs below and
 * encodes the answers. Answers carry Kafka error codes (LH_GROUP_*).
 *
 * Threads: a groups object belongs to one thread (the broker's loop). Every
 * callback runs on that thread, from inside a later call into the object
 * (a join, sync, heartbeat, leave, commit or describe naming the same
 * group, or the tick, which fires every group's timers), never from the
 * call that registered it; a callback must not call into the object
 * again, except lh_stream_groups_cancel. The one exception: with a submit
 * function (opts.submit), offset commits are answered from the submitted
 * job's done callback, on the same thread.
 *
 * Memory: the object owns everything it stores; requests are read during
 * the call only (their slices may be freed once it returns). Results
 * point into the object's memory and stay valid until the next call into
 * the object (for a callback's result: until the callback returns). */
#ifndef LH_STREAM_GROUP_H
#define LH_STREAM_GROUP_H

#include "core/err.h"
#include "core/str.h"

#include <stdint.h>

/* Kafka error codes the coordinator answers (apache/kafka Errors.java). */
enum {
    LH_GROUP_NONE = 0,
    LH_GROUP_UNKNOWN_SERVER_ERROR = -1,
    LH_GROUP_OFFSET_METADATA_TOO_LARGE = 12,
    LH_GROUP_COORDINATOR_NOT_AVAILABLE = 15,
    LH_GROUP_NOT_COORDINATOR = 16,
    LH_GROUP_ILLEGAL_GENERATION = 22,
    LH_GROUP_INCONSISTENT_GROUP_PROTOCOL = 23,
    LH_GROUP_INVALID_GROUP_ID = 24,
    LH_GROUP_UNKNOWN_MEMBER_ID = 25,
    LH_GROUP_INVALID_SESSION_TIMEOUT = 26,
    LH_GROUP_REBALANCE_IN_PROGRESS = 27,
    LH_GROUP_NON_EMPTY_GROUP = 68,
    LH_GROUP_GROUP_ID_NOT_FOUND = 69,
    LH_GROUP_MEMBER_ID_REQUIRED = 79,
    LH_GROUP_GROUP_MAX_SIZE_REACHED = 81,
    LH_GROUP_FENCED_INSTANCE_ID = 82,
    LH_GROUP_GROUP_SUBSCRIBED_TO_TOPIC = 86,
};

/* Group states, as DescribeGroups names them (lh_stream_group_state_name). */
enum {
    LH_GROUP_EMPTY = 0,
    LH_GROUP_PREPARING_REBALANCE,
    LH_GROUP_COMPLETING_REBALANCE,
    LH_GROUP_STABLE,
    LH_GROUP_DEAD,
};
/* "Empty", "PreparingRebalance", ... (static). */
const char *lh_stream_group_state_name(int state);

typedef struct lh_stream_groups lh_stream_groups_t;

/* Clock in milliseconds; tests inject their own. */
typedef int64_t (*lh_stream_groups_clock_fn)(void *arg);
/* Runs work(arg) on another thread, then done(arg, status) on the
 * object's thread (status 0, or non-zero when the job was cancelled: then
 * work may not have run). Returns 0, or non-zero when it cannot (done
 * will not run). A wrapper of lh_work_submit fits. */
typedef int (*lh_stream_groups_submit_fn)(void *ctx, void (*work)(void *arg),
                                          void (*done)(void *arg, int status), void *arg);

typedef struct lh_stream_groups_opts {
    int64_t initial_rebalance_delay_ms; /* stream.group_initial_rebalance_delay (3000) */
    int32_t min_session_timeout_ms;     /* group.min.session.timeout.ms (6000) */
    int32_t max_session_timeout_ms;     /* group.max.session.timeout.ms (1800000) */
    int32_t max_members;                /* per group (1000): GROUP_MAX_SIZE_REACHED */
    int32_t max_groups;                 /* groups held (100000): COORDINATOR_NOT_AVAILABLE */
    int32_t max_metadata_bytes;         /* offset.metadata.max.bytes (4096) */
    int64_t compact_bytes;  /* rewrite the offsets file past 2x its live size + this (1 MiB) */
    int64_t max_file_bytes; /* refuse to load an offsets file larger than this (1 GiB) */
    lh_stream_groups_clock_fn clock; /* NULL: the wall clock */
    void *clock_arg;
    /* NULL: a commit is fsynced inside the call that makes it. Otherwise
     * fsyncs run through submit (one at a time; commits arriving meanwhile
     * share the next one) and commits are answered when durable. */
    lh_stream_groups_submit_fn submit;
    void *submit_ctx;
} lh_stream_groups_opts_t;

/* Kafka's defaults (above). */
void lh_stream_groups_opts_default(lh_stream_groups_opts_t *o);

/* Opens the coordinator with its committed offsets under dir (made when
 * absent; the broker passes <data-dir>/stream/groups): the offsets file is
 * read, a torn or corrupt tail cut off (and the cut fsynced), and the file
 * rewritten compactly when it holds much more than its live entries.
 * Groups come back as last written: Stable with their members (each with a
 * full session timeout to heartbeat in), or Empty with their offsets. The caller owns *out
 * (lh_stream_groups_close). Returns 0, LH_EIO, LH_ENOMEM, LH_ETOOBIG (the
 * file is over max_file_bytes), LH_EINVAL (bad opts). */
int lh_stream_groups_open(lh_stream_groups_t **out, const char *dir,
                          const lh_stream_groups_opts_t *o, lh_err_t *err);
/* Frees the object. Pending join/sync/commit answers are dropped without
 * calling their callbacks (commits already written stay durable once their
 * fsync ends). With an fsync job in flight the memory is freed when its
 * done callback runs, so the submitter must still run done. NULL is a
 * no-op. */
void lh_stream_groups_close(lh_stream_groups_t *g);

/* Fires what is due at now (the clock) in every group: the initial join
 * delay and the rebalance timeout, session expiries of members that
 * stopped heartbeating, members that never sent SyncGroup, MEMBER_ID_REQUIRED
 * ids never used; and drops Empty groups holding no offsets. A request
 * fires its own group's timers; this finds the rest: call it every second
 * or more often (a timer fires at most that late). */
void lh_stream_groups_tick(lh_stream_groups_t *g);

/* Drops every pending answer (join, sync, commit) whose callback argument
 * is arg, without calling it (a closed connection). The group goes on as
 * in Kafka: a member whose JoinGroup is dropped still counts as joined,
 * and is removed later if it never syncs or heartbeats. Safe inside a
 * callback. */
void lh_stream_groups_cancel(lh_stream_groups_t *g, void *arg);

/* ---- JoinGroup ---- */

typedef struct lh_stream_group_protocol {
    lh_str_t name;     /* the assignor ("range", "roundrobin") */
    lh_str_t metadata; /* opaque to the coordinator */
} lh_stream_group_protocol_t;

typedef struct lh_stream_join_req {
    lh_str_t group_id;
    lh_str_t member_id;         /* "" for a new member */
    lh_str_t group_instance_id; /* v5+; ptr NULL: none (a dynamic member), else static */
    lh_str_t client_id, client_host;
    lh_str_t protocol_type; /* "consumer" */
    int32_t session_timeout_ms;
    int32_t rebalance_timeout_ms; /* v1+; v0: the session timeout */
    int require_known_member_id;  /* v4+: a new member gets MEMBER_ID_REQUIRED first */
    const lh_stream_group_protocol_t *protocols;
    int nprotocols;
} lh_stream_join_req_t;

typedef struct lh_stream_join_member {
    lh_str_t member_id, group_instance_id, metadata;
} lh_stream_join_member_t;

typedef struct lh_stream_join_result {
    int16_t error;
    int32_t generation; /* -1 on error */
    lh_str_t protocol_type, protocol_name, leader_id, member_id;
    const lh_stream_join_member_t *members; /* the leader's answer only; else 0 */
    int nmembers;
} lh_stream_join_result_t;

typedef void (*lh_stream_join_cb)(void *arg, const lh_stream_join_result_t *r);

#define LH_GROUP_PENDING 1

/* Joins (or rejoins) a member. Returns 0 when answered now (*now set),
 * or LH_GROUP_PENDING when the answer comes later through cb(arg, r)
 * (the rebalance waits for the other members or a timer). Errors are in
 * the answer: INVALID_GROUP_ID (empty id), INVALID_SESSION_TIMEOUT,
 * MEMBER_ID_REQUIRED (with the new id in member_id), UNKNOWN_MEMBER_ID,
 * INCONSISTENT_GROUP_PROTOCOL (no protocol in common, or another type),
 * GROUP_MAX_SIZE_REACHED, COORDINATOR_NOT_AVAILABLE (too many groups),
 * FENCED_INSTANCE_ID (a known member id with another member's instance
 * id), UNKNOWN_SERVER_ERROR (out of memory). A static member (with a
 * group instance id) joining with an empty member id takes over the entry
 * of its instance: the old member id is fenced (its pending answers get
 * FENCED_INSTANCE_ID) and, in a Stable group whose protocol stays, it gets
 * the current generation without a rebalance, as in Kafka. */
int lh_stream_groups_join(lh_stream_groups_t *g, const lh_stream_join_req_t *req,
                          lh_stream_join_cb cb, void *arg, lh_stream_join_result_t *now);

/* ---- SyncGroup ---- */

typedef struct lh_stream_group_assignment {
    lh_str_t member_id, assignment;
} lh_stream_group_assignment_t;

typedef struct lh_stream_sync_req {
    lh_str_t group_id, member_id, group_instance_id;
    int32_t generation;
    lh_str_t protocol_type, protocol_name;           /* v5; ptr NULL: not checked */
    const lh_stream_group_assignment_t *assignments; /* the leader's; else none */
    int nassignments;
} lh_stream_sync_req_t;

typedef struct lh_stream_sync_result {
    int16_t error;
    lh_str_t protocol_type, protocol_name;
    lh_str_t assignment; /* this member's bytes (empty on error) */
} lh_stream_sync_result_t;

typedef void (*lh_stream_sync_cb)(void *arg, const lh_stream_sync_result_t *r);

/* Returns 0 (answered now: *now) or LH_GROUP_PENDING (a follower waiting
 * for the leader's assignment: cb later). Errors: INVALID_GROUP_ID,
 * UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, INCONSISTENT_GROUP_PROTOCOL,
 * REBALANCE_IN_PROGRESS (also to waiting members when a new rebalance
 * starts first). */
int lh_stream_groups_sync(lh_stream_groups_t *g, const lh_stream_sync_req_t *req,
                          lh_stream_sync_cb cb, void *arg, lh_stream_sync_result_t *now);

/* ---- Heartbeat, LeaveGroup ---- */

/* A member says it is alive. Returns a Kafka error: NONE,
 * REBALANCE_IN_PROGRESS (rejoin), ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
 * FENCED_INSTANCE_ID (the instance id belongs to another member id now),
 * INVALID_GROUP_ID. SyncGroup, LeaveGroup and OffsetCommit check a member
 * and its instance id the same way. */
int16_t lh_stream_groups_heartbeat(lh_stream_groups_t *g, lh_str_t group_id, lh_str_t member_id,
                                   lh_str_t group_instance_id, int32_t generation);

typedef struct lh_stream_leave_member {
    lh_str_t member_id, group_instance_id; /* in */
    int16_t error;                         /* out: NONE or UNKNOWN_MEMBER_ID */
} lh_stream_leave_member_t;

/* Removes members (v0-2: one; v3+: a list; an empty member id with an
 * instance id removes the member that joined with that instance id) and
 * rebalances the rest. Returns the request's error (INVALID_GROUP_ID, else
 * NONE) and sets each member's. */
int16_t lh_stream_groups_leave(lh_stream_groups_t *g, lh_str_t group_id,
                               lh_stream_leave_member_t *members, int n);

/* ---- Committed offsets ---- */

typedef struct lh_stream_offset_commit {
    lh_str_t topic; /* in: the broker checked that the partition exists (so <= 249 bytes) */
    int32_t partition;
    int64_t offset;
    int32_t leader_epoch; /* v6+; -1: none */
    lh_str_t metadata;    /* ptr NULL: null (stored as "") */
    int16_t error;        /* in: non-zero = refused by the caller, left alone; out */
} lh_stream_offset_commit_t;

typedef struct lh_stream_commit_req {
    lh_str_t group_id, member_id, group_instance_id;
    int32_t generation; /* -1 with an empty member id: a commit outside the group protocol */
    lh_stream_offset_commit_t *parts;
    int nparts;
} lh_stream_commit_req_t;

/* error: NONE when the partitions still at NONE are durable, else the
 * error they all get (COORDINATOR_NOT_AVAILABLE: the write failed). */
typedef void (*lh_stream_commit_cb)(void *arg, int16_t error);

/* Commits offsets. Every partition's error is set now (a refusal:
 * ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS,
 * INVALID_GROUP_ID (a group id over 32767 bytes), OFFSET_METADATA_TOO_LARGE,
 * COORDINATOR_NOT_AVAILABLE when the file cannot be written; NONE otherwise). Returns 0 when that
 * is the answer (the accepted ones are durable: fsynced before the return), or LH_GROUP_PENDING
 * when an fsync was submitted (opts.submit): cb(arg, error) tells the accepted ones' fate; parts
 * need not outlive the call. A committed offset is visible to fetches once durable. */
int lh_stream_groups_commit(lh_stream_groups_t *g, const lh_stream_commit_req_t *req,
                            lh_stream_commit_cb cb, void *arg);

typedef struct lh_stream_offset {
    lh_str_t topic;
    int32_t partition;
    int64_t offset; /* -1: none committed */
    int32_t leader_epoch;
    lh_str_t metadata;
} lh_stream_offset_t;

/* The committed offset of one partition into *out (offset -1, epoch -1,
 * metadata "" when none). Returns 1 when one is committed, else 0. */
int lh_stream_groups_offset(lh_stream_groups_t *g, lh_str_t group_id, lh_str_t topic,
                            int32_t partition, lh_stream_offset_t *out);
/* Calls fn for every committed offset of a group, by topic then
 * partition. fn must not call into g. Returns how many. */
int lh_stream_groups_offsets_each(lh_stream_groups_t *g, lh_str_t group_id,
                                  void (*fn)(void *arg, const lh_stream_offset_t *o), void *arg);
/* Forgets every group's offsets of a deleted topic, durably. Returns 0,
 * LH_EIO (the store is then failed: later commits answer
 * COORDINATOR_NOT_AVAILABLE). */
int lh_stream_groups_drop_topic(lh_stream_groups_t *g, lh_str_t topic, lh_err_t *err);

/* ---- DeleteGroups, OffsetDelete ---- */

/* Deletes an Empty group with its committed offsets, durably (the fsync
 * runs inside the call). Returns a Kafka error: NONE, INVALID_GROUP_ID,
 * GROUP_ID_NOT_FOUND (69: unknown), NON_EMPTY_GROUP (68: it has members),
 * COORDINATOR_NOT_AVAILABLE (the offsets file cannot be written). */
int16_t lh_stream_groups_delete(lh_stream_groups_t *g, lh_str_t group_id);

typedef struct lh_stream_offset_delete {
    lh_str_t topic; /* in */
    int32_t partition;
    int16_t error; /* out: NONE or GROUP_SUBSCRIBED_TO_TOPIC */
} lh_stream_offset_delete_t;

/* Forgets some committed offsets of a group, durably (fsync inside the
 * call), as Kafka's OffsetDelete: allowed for every partition while the
 * group is Empty; with members (consumer protocol), refused with
 * GROUP_SUBSCRIBED_TO_TOPIC for the topics a member subscribes to.
 * Returns the request's error: NONE, INVALID_GROUP_ID,
 * GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP (members, another protocol type),
 * COORDINATOR_NOT_AVAILABLE. */
int16_t lh_stream_groups_delete_offsets(lh_stream_groups_t *g, lh_str_t group_id,
                                        lh_stream_offset_delete_t *parts, int n);

/* ---- Metrics ---- */

typedef struct lh_stream_groups_stats {
    int groups[LH_GROUP_DEAD + 1]; /* groups by state */
    int members;                   /* in every group */
    uint64_t rebalances;           /* completed with members, since open */
    uint64_t commits;              /* OffsetCommit requests made durable, since open */
} lh_stream_groups_stats_t;

void lh_stream_groups_stats(const lh_stream_groups_t *g, lh_stream_groups_stats_t *out);

/* ---- ListGroups, DescribeGroups ---- */

typedef struct lh_stream_group_member_info {
    lh_str_t member_id, group_instance_id, client_id, client_host;
    lh_str_t metadata, assignment; /* Stable only (as Kafka); else empty */
} lh_stream_group_member_info_t;

typedef struct lh_stream_group_info {
    lh_str_t group_id;
    int state;                        /* LH_GROUP_EMPTY...; DEAD for an unknown group */
    lh_str_t protocol_type, protocol; /* protocol: Stable only */
    const lh_stream_group_member_info_t *members;
    int nmembers;
} lh_stream_group_info_t;

/* Describes a group into *out (valid until the next call into g). An
 * unknown group is Dead with no members. Returns 0, or LH_ENOMEM. */
int lh_stream_groups_describe(lh_stream_groups_t *g, lh_str_t group_id,
                              lh_stream_group_info_t *out);
/* Calls fn for every group by id (group id, protocol type, state). fn must
 * not call into g. Returns how many. */
int lh_stream_groups_list(lh_stream_groups_t *g,
                          void (*fn)(void *arg, lh_str_t group_id, lh_str_t protocol_type,
                                     int state),
                          void *arg);

#endif
