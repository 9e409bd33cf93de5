/* `lakehouse ingest`: what its files share. ingest.c reads the command line
 * and runs the steps; ingest_kafka.c fixes each partition's offset range
 * and reads it; ingest_lake.c writes the interval's objects; ingest_fmt.c
 * holds the pure parts (bronze lines, object names, _ranges.json, the
 * command line's values), unit-tested in tests/unit/ingest_fmt_test.c. */
#ifndef LH_CMD_INGEST_INT_H
#define LH_CMD_INGEST_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmd/topic_int.h"
#include "core/buf.h"
#include "core/err.h"
#include "store/objstore.h"

#define LH_INGEST_MAX_PARTS 4096 /* partitions of one topic */
#define LH_INGEST_KEY_MAX 1024   /* an object key, as S3 */

/* One partition's offsets [first, end) of an interval. */
typedef struct lh_ingest_range {
    int32_t partition;
    int64_t first, end;
} lh_ingest_range_t;

/* What _ranges.json says: the topic, the interval (ms since the epoch) and
 * every partition's range, sorted by partition. */
typedef struct lh_ingest_ranges {
    char topic[256];
    int64_t start_ms, end_ms;
    int n;
    lh_ingest_range_t r[LH_INGEST_MAX_PARTS];
} lh_ingest_ranges_t;

/* One run of the command. */
typedef struct lh_ingest {
    lh_config_t *cfg;
    const char *topic, *url;
    int64_t start_ms, end_ms;
    int64_t lateness_s, idle_s; /* how long to wait for a record at or after end */
    char bucket[256], prefix[LH_INGEST_KEY_MAX], ivl[LH_INGEST_KEY_MAX];
    lh_objstore_t *lake;
    lh_topic_cli_t cl;
    rd_kafka_t *rk;
    lh_ingest_ranges_t *own;  /* this interval's _ranges.json (a replay), or NULL */
    lh_ingest_ranges_t *prev; /* the previous interval's, or NULL */
    lh_ingest_ranges_t *out;  /* the ranges this run reads */
    struct lh_sql_warm *warm; /* --warm-cache: the scan cache (sql.cache_dir), or NULL */
    int64_t records, bytes;   /* read, and written compressed */
    pthread_mutex_t mu;       /* records, bytes and the Kafka client's error callbacks, while
                                 the parts are written on several threads */
    /* The parts are read while the ends are still resolved (the last
     * interval of a feed waits the idle timeout for a record that never
     * comes): below lim[i] partition i's records are in the range whatever
     * its end turns out to be (lim is the high watermark read before a
     * lookup of O(end) that found none, and the end, O(end) or a later
     * watermark, can only be at or above it); fixed[i]: lim is the end.
     * Readers take them under mu and wait on ends_cv; ends_rc is the
     * resolver's failure, stop asks it to give up (a part failed). */
    pthread_cond_t ends_cv;
    int64_t lim[LH_INGEST_MAX_PARTS];
    bool fixed[LH_INGEST_MAX_PARTS];
    int ends_rc;
    bool stop;
    int left; /* partitions whose end lh__ingest_resolve_start left open */
    int64_t hi[LH_INGEST_MAX_PARTS], moved[LH_INGEST_MAX_PARTS], began; /* the resolver's */
} lh_ingest_t;

/* Called for each record of a range; non-zero stops the read and is returned. */
typedef int (*lh_ingest_record_fn)(void *arg, const rd_kafka_message_t *m);

/* --- ingest_kafka.c (each returns an exit status: 0, or 1 after printing) --- */
/* The Kafka client (bootstrap servers from --bootstrap-servers, else
 * KAFKA_BOOTSTRAP_SERVERS, else the `kafka` section; SASL from KAFKA_SASL_*). */
int lh__ingest_kafka_open(lh_ingest_t *in);
/* Fills in->out: the replay's ranges, else each partition's [first, O(end))
 * (see ingest_kafka.c): _start fixes the firsts and looks the ends up once
 * (in->left: how many it left open), _finish waits for the open ones (on
 * another thread, while the parts are read up to in->lim); both publish
 * what they fixed. */
int lh__ingest_resolve_start(lh_ingest_t *in);
int lh__ingest_resolve_finish(lh_ingest_t *in);
/* Reads partition i's records in offset order into fn, from its first up
 * to its end, waiting for the end where it is not fixed yet; *end gets it. */
int lh__ingest_read(lh_ingest_t *in, int i, lh_ingest_record_fn fn, void *arg, int64_t *end);

/* --- ingest_lake.c (exit statuses as above; 2 for a lake that is not set) --- */
int lh__ingest_lake_open(lh_ingest_t *in);
/* Reads this interval's and the previous interval's _ranges.json. */
int lh__ingest_lake_load(lh_ingest_t *in);
/* Writes every part (as their ranges are resolved). */
int lh__ingest_lake_parts(lh_ingest_t *in);
/* Then _ranges.json, _SUCCESS, and deletes the other objects under the
 * interval's prefix. */
int lh__ingest_lake_commit(lh_ingest_t *in);

/* --- ingest_fmt.c --- */
/* s[0..n) as a JSON string (quotes included): ", \ and control characters
 * escaped, well-formed UTF-8 kept, every byte that is not part of
 * well-formed UTF-8 written as \u00XX (its value as a code point), and NUL
 * as \ufffd (SQL strings hold no NUL), so any payload gives valid JSON that
 * SQL engines read. Returns as lh_buf_append. */
int lh__ingest_json_string(lh_buf_t *b, const void *s, size_t n);
/* One bronze line with its newline: {"partition":p,"offset":o,
 * "timestamp":ms,"key":str|null,"value":str|null} (key/value NULL = null).
 * *as_is (when not NULL): whether a JSON reader reads key and value back as
 * these very bytes (no NUL, well-formed UTF-8: the escapes undo exactly). */
int lh__ingest_line(lh_buf_t *b, int32_t partition, int64_t offset, int64_t ts_ms, const void *key,
                    size_t key_len, const void *value, size_t value_len, bool *as_is);
/* "<prefix>/ds=YYYY-MM-DD/hour=HH/" for the interval starting at start_ms
 * (prefix without a trailing slash; "" = the bucket's root). 0, or
 * LH_ETOOBIG. */
int lh__ingest_interval_prefix(char *out, size_t cap, const char *prefix, int64_t start_ms);
/* "<interval prefix>part-p<partition>-<first>-<last>.jsonl.zst"; 0, or
 * LH_ETOOBIG. */
int lh__ingest_part_key(char *out, size_t cap, const char *ivl, const lh_ingest_range_t *r);
/* _ranges.json's text (one line, keys in a fixed order, so the same ranges
 * give the same bytes). Returns as lh_buf_append. */
int lh__ingest_ranges_json(lh_buf_t *b, const lh_ingest_ranges_t *rs);
/* Parses _ranges.json; 0, or LH_EINVAL with err saying what is wrong. */
int lh__ingest_ranges_parse(const char *text, size_t n, lh_ingest_ranges_t *rs, lh_err_t *err);
/* The range of partition p in rs, or NULL. */
const lh_ingest_range_t *lh__ingest_ranges_find(const lh_ingest_ranges_t *rs, int32_t p);
/* "s3://bucket[/prefix]" into bucket (cap bytes) and *prefix (inside url,
 * without leading or trailing slashes); 0, or LH_EINVAL. */
int lh__ingest_split_url(const char *url, char *bucket, size_t cap, char *prefix, size_t pcap);
/* An instant: ISO 8601 ("2024-01-01T00:00:00Z", "2024-01-01 00:00:00+00:00",
 * as {{ data_interval_start }} renders) or ms since the epoch; 0 and *ms,
 * or LH_EINVAL. */
int lh__ingest_parse_time(const char *s, int64_t *ms);

#endif
