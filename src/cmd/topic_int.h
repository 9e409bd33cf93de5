/* `lakehouse topic`: what its files share. topic.c parses the command line
 * into a topic_cli_t and dispatches; topic_client.c makes the librdkafka
 * client (bootstrap servers, SASL, -X properties) and turns its failures into
 * our messages; topic_meta.c lists and describes, topic_admin.c creates and
 * deletes and reads topic configs, topic_tail.c prints records, topic_fmt.c
 * renders records and parses the pure bits of the command line. */
#ifndef LH_CMD_TOPIC_INT_H
#define LH_CMD_TOPIC_INT_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>

#include "core/config.h"

#define LH_TOPIC_MAX_LIST 64 /* -X and --config entries */

/* Where tail starts in each partition. */
typedef enum {
    LH_TOPIC_FROM_TAIL = 0, /* no --from: the last N records of each partition */
    LH_TOPIC_FROM_BEGINNING,
    LH_TOPIC_FROM_END,
    LH_TOPIC_FROM_OFFSET,
    LH_TOPIC_FROM_TIME, /* @<ms since the epoch>: the first record at or after it */
} lh_topic_from_t;

typedef struct {
    lh_config_t *cfg;
    rd_kafka_conf_t *conf; /* built once the command line is read */
    const char *topic;     /* the TOPIC argument */
    /* connection */
    const char *bootstrap; /* resolved: flag, env, endpoints.json, default */
    const char *user, *password;
    const char *props[LH_TOPIC_MAX_LIST]; /* -X key=value */
    int nprops;
    int timeout_ms; /* --timeout, at most an hour */
    int verbose;
    /* list, describe */
    int json;
    /* create, delete */
    int partitions, replication;
    int lenient;                            /* --if-not-exists (create), --if-exists (delete) */
    const char *configs[LH_TOPIC_MAX_LIST]; /* --config key=value */
    int nconfigs;
    /* tail */
    lh_topic_from_t from;
    int64_t from_value;
    int partition; /* -1 = every partition */
    int64_t count; /* -n; -1 = not given */
    int follow;
    int format_json;
    /* set by the client's callbacks (topic_client.c) */
    char last_error[512];
    int auth_failed;
    char endpoint_buf[256];
} lh_topic_cli_t;

/* --- topic_client.c --- */
/* Milliseconds of the monotonic clock. */
int64_t lh__topic_now_ms(void);
/* The client configuration: bootstrap.servers (cl->bootstrap resolved), SASL
 * and the -X properties; NULL after printing why (a usage error). Freed
 * with rd_kafka_conf_destroy. */
rd_kafka_conf_t *lh__topic_conf(lh_topic_cli_t *cl);
/* What a task's environment says about Kafka (flow/task_env.c): the
 * brokers from KAFKA_BOOTSTRAP_SERVERS unless cl->bootstrap is set already
 * or a --bootstrap-servers flag gave kafka.bootstrap_servers,
 * SASL from KAFKA_SASL_MECHANISM/USERNAME/PASSWORD (into cl->cfg's
 * kafka.sasl_mechanism); call before lh__topic_conf. */
void lh__topic_task_env(lh_topic_cli_t *cl);
/* A client made from cl->conf (a copy of it); NULL after printing why. */
rd_kafka_t *lh__topic_client(lh_topic_cli_t *cl);
/* Metadata for one topic (topic non-NULL) or every topic, retried until the
 * timeout; *md is freed with rd_kafka_metadata_destroy. 0, or 1 after
 * printing the error (broker unreachable with the address tried, failed
 * authentication, unknown topic). */
int lh__topic_metadata(lh_topic_cli_t *cl, rd_kafka_t *rk, const char *topic,
                       const struct rd_kafka_metadata **md);
/* Serves librdkafka's queued error callbacks; 1 after printing when
 * authentication failed (final), else 0. */
int lh__topic_broker_trouble(lh_topic_cli_t *cl, rd_kafka_t *rk);
/* Prints "lakehouse: <what>: <librdkafka's reason>" and returns 1. */
int lh__topic_fail(const char *what, rd_kafka_resp_err_t e, const char *detail);
/* Waits for the result event of one admin request sent on q (*ev, freed with
 * rd_kafka_event_destroy) until the timeout; 0, or 1 with the reason in why
 * (cap bytes). */
int lh__topic_admin_wait(lh_topic_cli_t *cl, rd_kafka_queue_t *q, rd_kafka_event_t **ev, char *why,
                         size_t cap);
/* Admin options of type t with the request and operation timeouts set. */
rd_kafka_AdminOptions_t *lh__topic_admin_options(lh_topic_cli_t *cl, rd_kafka_t *rk,
                                                 rd_kafka_admin_op_t t);

/* --- the subcommands --- */
int lh__topic_list(lh_topic_cli_t *cl);
int lh__topic_describe(lh_topic_cli_t *cl);
int lh__topic_create(lh_topic_cli_t *cl);
int lh__topic_delete(lh_topic_cli_t *cl);
int lh__topic_tail(lh_topic_cli_t *cl);
/* The topic's configs from DescribeConfigs as a JSON array of {name, value,
 * source, default, read_only, sensitive} sorted by name (new reference), or
 * NULL with the reason in why (cap bytes) when the broker cannot say. */
json_t *lh__topic_configs(lh_topic_cli_t *cl, rd_kafka_t *rk, char *why, size_t cap);

/* --- topic_fmt.c: pure helpers (unit-tested in tests/unit/topic_fmt_test.c) --- */
/* One record as consumed (views into the message; headers may be NULL). */
typedef struct {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int64_t timestamp; /* ms since the epoch, -1 = none */
    rd_kafka_timestamp_type_t timestamp_type;
    const void *key, *value; /* NULL = null */
    size_t key_len, value_len;
    const rd_kafka_headers_t *headers;
} lh_topic_record_t;

/* "beginning", "end", "<offset>", "@<ms>"; 0, or LH_EINVAL. */
int lh__topic_parse_from(const char *s, lh_topic_from_t *from, int64_t *value);
/* Splits "key=value" (key non-empty) into key (cap bytes) and a pointer to
 * value inside s; 0, or LH_EINVAL. */
int lh__topic_split_kv(const char *s, char *key, size_t cap, const char **value);
/* One record as a JSON object on one line: topic, partition, offset,
 * timestamp (ms or null), timestamp_type, key, value, headers [{key,
 * value}]. Bytes that are not UTF-8 are base64 with "<name>_encoding":
 * "base64" right after them (key_encoding, value_encoding). */
void lh__topic_record_json(FILE *out, const lh_topic_record_t *r);
/* One record as one text line: partition, offset, timestamp (ISO 8601 UTC,
 * or "-"), key, value, tab-separated, with tab, newline, carriage return,
 * backslash, control characters and bytes that are not UTF-8 escaped (\t \n
 * \r \\ \xNN), so a record is always one line. */
void lh__topic_record_text(FILE *out, const lh_topic_record_t *r);
/* s[0..n) escaped as above. */
void lh__topic_escape(FILE *out, const char *s, size_t n);

#endif
