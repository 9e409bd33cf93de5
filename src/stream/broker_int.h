/* The broker's internals, shared by the files of src/stream/ that serve the
 * Kafka protocol: the broker (topics, partitions, listener), a request in
 * flight, the table of API keys, and the helpers handlers use. Everything
 * here runs on the loop thread of the stream role. Nothing outside
 * src/stream/ includes this. */
#ifndef LH_STREAM_BROKER_INT_H
#define LH_STREAM_BROKER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "core/meta.h"
#include "core/tcp.h"
#include "stream/group.h"
#include "stream/log.h"
#include "stream/wire.h"

typedef struct lh_sb lh_sb_t;
typedef struct lh_sb_topic lh_sb_topic_t;
typedef struct lh_sb_part lh_sb_part_t;
typedef struct lh_kreq lh_kreq_t;
typedef struct lh_kconn lh_kconn_t;

/* Kafka error codes (apache/kafka clients/.../protocol/Errors.java). */
enum {
    LH_KERR_NONE = 0,
    LH_KERR_OFFSET_OUT_OF_RANGE = 1,
    LH_KERR_CORRUPT_MESSAGE = 2,
    LH_KERR_UNKNOWN_TOPIC_OR_PARTITION = 3,
    LH_KERR_INVALID_FETCH_SIZE = 4,
    LH_KERR_NOT_LEADER = 6,
    LH_KERR_REQUEST_TIMED_OUT = 7,
    LH_KERR_MESSAGE_TOO_LARGE = 10,
    LH_KERR_NOT_COORDINATOR = 16,
    LH_KERR_INVALID_TOPIC = 17,
    LH_KERR_RECORD_LIST_TOO_LARGE = 18,
    LH_KERR_INVALID_REQUIRED_ACKS = 21,
    LH_KERR_TOPIC_AUTHORIZATION_FAILED = 29,
    LH_KERR_GROUP_AUTHORIZATION_FAILED = 30,
    LH_KERR_CLUSTER_AUTHORIZATION_FAILED = 31,
    LH_KERR_UNSUPPORTED_SASL_MECHANISM = 33,
    LH_KERR_ILLEGAL_SASL_STATE = 34,
    LH_KERR_UNSUPPORTED_VERSION = 35,
    LH_KERR_TOPIC_ALREADY_EXISTS = 36,
    LH_KERR_INVALID_PARTITIONS = 37,
    LH_KERR_INVALID_REPLICATION_FACTOR = 38,
    LH_KERR_INVALID_REQUEST = 42,
    LH_KERR_UNSUPPORTED_FOR_MESSAGE_FORMAT = 43,
    LH_KERR_INVALID_CONFIG = 40,
    LH_KERR_OUT_OF_ORDER_SEQUENCE = 45,
    LH_KERR_DUPLICATE_SEQUENCE = 46,
    LH_KERR_INVALID_PRODUCER_EPOCH = 47,
    LH_KERR_INVALID_TXN_STATE = 48,
    LH_KERR_UNKNOWN_PRODUCER_ID = 59,
    LH_KERR_SASL_AUTHENTICATION_FAILED = 58,
    LH_KERR_UNSUPPORTED_COMPRESSION_TYPE = 76,
    LH_KERR_UNKNOWN_SERVER_ERROR = -1,
};

/* ---- topics and partitions (topics.c, part.c) ---- */

/* Per-topic settings by index: the broker's defaults overridden by the
 * topic's configs (CreateTopics), under Kafka's names (lh__sb_conf_names)
 * in topics.json and DescribeConfigs. */
enum {
    LH_SB_RETENTION_MS,
    LH_SB_RETENTION_BYTES,
    LH_SB_SEGMENT_BYTES,
    LH_SB_SEGMENT_MS,
    LH_SB_MAX_MESSAGE_BYTES,
    LH_SB_COMPRESSION_TYPE, /* LH_SB_PRODUCER_CODEC, or the LH_STREAM_CODEC_* batches get */
    LH_SB_ZSTD_LEVEL,       /* compression.zstd.level (Kafka 3.8, KIP-390) */
    LH_SB_NCONF
};
#define LH_SB_PRODUCER_CODEC (-1) /* compression.type=producer: batches kept as sent */
extern const char *const lh__sb_conf_names[LH_SB_NCONF];
/* compression.type's values: LH_SB_PRODUCER_CODEC, a codec this broker
 * compresses with (uncompressed, gzip, lz4, zstd), or -2 for anything else
 * (snappy included); and back. */
int lh__sb_codec_parse(lh_str_t s);
const char *lh__sb_codec_name(int64_t v);
typedef struct lh_sb_topic_conf {
    int64_t v[LH_SB_NCONF];
} lh_sb_topic_conf_t;

/* A produce or a fetch waiting on a partition (part.c). */
typedef struct lh_sb_waiter {
    struct lh_sb_waiter *next;
    int64_t need; /* durable offset it waits for */
    void (*wake)(struct lh_sb_waiter *w, int ok);
} lh_sb_waiter_t;

struct lh_sb_part {
    lh_sb_topic_t *topic;
    int32_t id;
    lh_stream_log_t *log;
    int syncing;               /* an fsync job is in flight */
    bool closed;               /* closed while syncing: the job frees it */
    lh_sb_waiter_t *durable_q; /* acks=all produces waiting for durable >= need */
    void *producers;           /* idempotent producers' last batches (idem.c) */
    /* counters for metrics */
    uint64_t in_bytes, in_records, out_bytes;
};

struct lh_sb_topic {
    char *name;
    int32_t nparts;
    lh_sb_part_t **parts;
    lh_sb_topic_conf_t conf;
    bool set[LH_SB_NCONF]; /* which of conf's settings the topic sets (else the broker's) */
    bool deleted;
};

/* ---- the broker (stream_role.c) ---- */

enum { LH_SB_SASL_PLAIN = 1, LH_SB_SASL_SCRAM = 2 };

typedef struct lh_sb_opts {
    bool auto_create;
    int32_t default_partitions;
    int64_t flush_ms, flush_messages;
    lh_sb_topic_conf_t topic; /* defaults */
    int64_t group_initial_rebalance_delay_ms;
    int32_t node_id;
    unsigned sasl;  /* LH_SB_SASL_* mechanisms on; 0 = no authentication */
    char host[256]; /* advertised */
    int32_t port;
} lh_sb_opts_t;

struct lh_sb {
    uv_loop_t *loop;
    const lh_config_t *cfg;
    lh_meta_t *meta;
    char *dir; /* <data-dir>/stream */
    lh_sb_opts_t o;
    lh_sb_topic_t **topics;
    int ntopics, captopics;
    lh_sb_topic_t **graveyard; /* deleted topics: freed at stop (jobs may hold parts) */
    int ngrave;
    lh_tcp_server_t *srv;
    uv_timer_t tick;
    int tick_on;
    int jobs; /* fsync jobs in flight */
    bool stopping;
    void (*stop_done)(void *);
    void *stop_arg;
    struct lh_kfetch *fetches; /* parked fetches (k_fetch.c) */
    int64_t next_producer_id;
    /* a topic is gone: drop what refers to it (the groups' committed offsets) */
    void (*on_topic_deleted)(lh_sb_t *b, lh_str_t name);
    lh_stream_clock_fn clock;
    void *clock_arg;
    lh_stream_groups_t *groups;   /* the group coordinator (k_group.c) */
    uint64_t groups_published[2]; /* rebalances, commits already counted in the metrics */
    lh_buf_t zbuf; /* Produce: a batch compressed again for its topic's compression.type */
};

int64_t lh__sb_now(const lh_sb_t *b);

/* Topics (topics.c). Loads <dir>/topics.json and opens every partition. */
int lh__sb_topics_load(lh_sb_t *b, lh_err_t *err);
void lh__sb_topics_free(lh_sb_t *b);
lh_sb_topic_t *lh__sb_topic_find(lh_sb_t *b, lh_str_t name);
/* Kafka's rule: 1..249 characters of [a-zA-Z0-9._-], not "." or "..". */
bool lh__sb_topic_name_ok(lh_str_t name);
/* Creates a topic with nparts partitions and the configs given (k=v pairs,
 * n of them, Kafka's names; NULL/0 for none), persisted before it returns.
 * Returns a Kafka error code (0, 36 exists, 17 bad name, 37 bad count,
 * 40 bad config, -1 I/O); err gets the message. */
int lh__sb_topic_create(lh_sb_t *b, lh_str_t name, int32_t nparts, const lh_str_t *keys,
                        const lh_str_t *vals, int n, lh_sb_topic_t **out, lh_err_t *err);
/* Auto-creation on Metadata and Produce when stream.auto_create_topics:
 * the topic, or NULL with *kerr set (3 unknown when off, 17 bad name). */
lh_sb_topic_t *lh__sb_topic_auto(lh_sb_t *b, lh_str_t name, bool allow, int *kerr);
/* Deletes a topic: forgotten in topics.json, then its logs removed.
 * Returns a Kafka error code. */
int lh__sb_topic_delete(lh_sb_t *b, lh_sb_topic_t *t, lh_err_t *err);
/* Grows a topic to nparts partitions. Returns a Kafka error code. */
int lh__sb_topic_grow(lh_sb_t *b, lh_sb_topic_t *t, int32_t nparts, lh_err_t *err);
/* The effective value of a topic's setting i (LH_SB_*). */
int64_t lh__sb_topic_conf(const lh_sb_t *b, const lh_sb_topic_t *t, int i);
lh_sb_part_t *lh__sb_part(lh_sb_topic_t *t, int32_t id);
/* <dir>/logs/<topic>-<id> into out. */
void lh__sb_part_dir(const lh_sb_t *b, const lh_sb_topic_t *t, int32_t id, char *out, size_t n);

/* Partitions (part.c). */
int lh__sb_part_open(lh_sb_t *b, lh_sb_topic_t *t, int32_t id, lh_sb_part_t **out, lh_err_t *err);
void lh__sb_part_close(lh_sb_part_t *p);
/* Waits until the partition's durable offset reaches w->need, starting an
 * fsync on the short worker pool when none is in flight (group commit); w->wake
 * runs on the loop (ok 0 when the fsync failed). Runs wake at once when the
 * offset is durable already. */
void lh__sb_part_wait_durable(lh_sb_t *b, lh_sb_part_t *p, lh_sb_waiter_t *w);
/* Removes w from the partition's queue (its request was cancelled). */
void lh__sb_part_unwait(lh_sb_part_t *p, lh_sb_waiter_t *w);
/* An append to p happened: parked fetches may complete (k_fetch.c). */
void lh__sb_fetch_notify(lh_sb_t *b, lh_sb_part_t *p);
/* Drops parked fetches (stop). */
void lh__sb_fetch_cancel_all(lh_sb_t *b);
/* Publishes every group's consumer lag (group_lag.c). */
void lh__sb_groups_lag(lh_sb_t *b);
/* Called when the last fsync job of a stopping broker ended. */
void lh__sb_jobs_drained(lh_sb_t *b);

/* ---- requests (kafka.c) ---- */

/* API keys the broker's own code names (the rest live in k_apis.c only). */
enum { LH_KAPI_SASL_HANDSHAKE = 17, LH_KAPI_API_VERSIONS = 18, LH_KAPI_SASL_AUTHENTICATE = 36 };

typedef struct lh_kapi {
    int16_t key;
    const char *name;
    int16_t min, max;
    int16_t flex; /* first flexible version; INT16_MAX when none is */
    /* Decodes q->in and answers: appends the body to q->out and calls
     * lh__kreq_reply (or drop/fail), now or later (then lh__kreq_park first). */
    void (*handle)(lh_kreq_t *q);
} lh_kapi_t;

extern const lh_kapi_t lh__kapis[];
extern const int lh__nkapis;

struct lh_kconn {
    lh_sb_t *b;
    lh_tcp_conn_t *c;
    lh_kreq_t *parked; /* requests answered later */
    char client_id[128];
    /* authentication (k_sasl.c): 0 none needed or done */
    int sasl_state;
    char user[128];
    int role; /* lh_meta role of the authenticated user; admin when SASL is off */
    void *sasl;
    bool closing; /* a failed request closed it: nothing more is served */
};

struct lh_kreq {
    lh_sb_t *b;
    lh_kconn_t *conn;
    lh_tcp_slot_t *slot;
    const lh_kapi_t *api;
    int16_t version;
    int32_t correlation_id;
    lh_kr_t in;             /* the body: valid only during the first call of the handler */
    lh_buf_t out;           /* size, response header, body */
    lh_kreq_t *prev, *next; /* on conn->parked */
    void (*cancel)(lh_kreq_t *q);
    void *state; /* the handler's */
};

/* Sends q->out (size patched) and frees q. */
void lh__kreq_reply(lh_kreq_t *q);
/* A piece of an answer sent from a file (sendfile): len bytes of fd from
 * pos, inserted at byte at of q->out. */
typedef struct lh_kfile {
    size_t at;
    int fd;
    int64_t pos;
    size_t len;
} lh_kfile_t;
/* As lh__kreq_reply with n file pieces (in order of at) spliced in; the
 * frame size counts them. Takes the fds: each is closed once sent, or at
 * once when it cannot be queued. */
void lh__kreq_reply_files(lh_kreq_t *q, lh_kfile_t *f, int n);
/* No answer (acks=0); frees q. */
void lh__kreq_drop(lh_kreq_t *q);
/* A malformed request: closes the connection (what Kafka does) and frees q. */
void lh__kreq_fail(lh_kreq_t *q, const char *why);
/* q is answered later; cancel(q) runs if its connection closes first and
 * must release q->state and call lh__kreq_drop(q). */
void lh__kreq_park(lh_kreq_t *q, void (*cancel)(lh_kreq_t *q));
/* Off conn->parked again (before reply). */
void lh__kreq_unpark(lh_kreq_t *q);
/* 1 when the request's version is flexible. */
bool lh__kreq_flex(const lh_kreq_t *q);

/* Frame parser and message handler for the TCP layer (kafka.c). */
extern const lh_tcp_proto_t lh__kafka_proto;
/* A connection's state (c may be NULL: the fuzz target dispatches without a
 * socket, and then the slots are NULL too); free cancels its parked
 * requests. */
lh_kconn_t *lh__kconn_new(lh_sb_t *b, lh_tcp_conn_t *c);
void lh__kconn_free(lh_kconn_t *k);
/* One whole request frame (size prefix included) on connection k. */
void lh__kafka_dispatch(lh_kconn_t *k, lh_tcp_slot_t *s, const char *d, size_t len);
/* Closes the connection gracefully (queued answers go out first). */
void lh__kconn_close(lh_kconn_t *k);
/* "ip:port" of the peer, for logs. */
const char *lh__kconn_peer(const lh_kconn_t *k);

/* ---- handlers ---- */
void lh__k_api_versions(lh_kreq_t *q);
void lh__k_metadata(lh_kreq_t *q);
void lh__k_produce(lh_kreq_t *q);
void lh__k_fetch(lh_kreq_t *q);
void lh__k_list_offsets(lh_kreq_t *q);
void lh__k_init_producer_id(lh_kreq_t *q);
void lh__k_create_topics(lh_kreq_t *q);
void lh__k_delete_topics(lh_kreq_t *q);
void lh__k_describe_configs(lh_kreq_t *q);
void lh__k_create_partitions(lh_kreq_t *q);
void lh__k_sasl_handshake(lh_kreq_t *q);
void lh__k_sasl_authenticate(lh_kreq_t *q);
/* After a v0 SaslHandshake the tokens come as bare frames (k_sasl.c). */
bool lh__sasl_raw_expected(const lh_kconn_t *k, const char *d, size_t len);
void lh__sasl_raw_token(lh_tcp_slot_t *slot, lh_kconn_t *k, const char *d, size_t len);

/* Group coordinator (k_group.c, k_group_offsets.c): opens b->groups under
 * <dir>/groups. Returns 0 or the errors of lh_stream_groups_open. */
int lh__sb_groups_open(lh_sb_t *b, lh_err_t *err);
/* Fires the coordinator's timers and publishes its metrics (the tick). */
void lh__sb_groups_tick(lh_sb_t *b);
void lh__k_find_coordinator(lh_kreq_t *q);
void lh__k_join_group(lh_kreq_t *q);
void lh__k_sync_group(lh_kreq_t *q);
void lh__k_heartbeat(lh_kreq_t *q);
void lh__k_leave_group(lh_kreq_t *q);
void lh__k_offset_commit(lh_kreq_t *q);
void lh__k_offset_fetch(lh_kreq_t *q);
void lh__k_list_groups(lh_kreq_t *q);
void lh__k_describe_groups(lh_kreq_t *q);
void lh__k_delete_groups(lh_kreq_t *q);
void lh__k_offset_delete(lh_kreq_t *q);

#endif
