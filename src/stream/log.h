/* The stream's storage: Kafka RecordBatch v2 parsing and validation, the
 * records inside a batch (decompressed when needed), and a partition log on
 * disk laid out as Kafka lays it out (segments named by base offset with a
 * sparse offset index and a time index), with roll, retention, a flush
 * policy and recovery after a crash. No network here: the broker calls this.
 * A log is owned by one thread at a time (the caller serializes calls). */
#ifndef LH_STREAM_LOG_H
#define LH_STREAM_LOG_H

#include "core/buf.h"
#include "core/err.h"

#include <stddef.h>
#include <stdint.h>

/* ---- RecordBatch v2 ---- */

#define LH_STREAM_BATCH_HEADER 61 /* bytes before the first record */
#define LH_STREAM_BATCH_PREFIX 12 /* baseOffset i64 + batchLength i32 */

enum { /* attribute bits 0-2 */
       LH_STREAM_CODEC_NONE = 0,
       LH_STREAM_CODEC_GZIP = 1,
       LH_STREAM_CODEC_SNAPPY = 2,
       LH_STREAM_CODEC_LZ4 = 3,
       LH_STREAM_CODEC_ZSTD = 4,
};
#define LH_STREAM_ATTR_CODEC_MASK 0x07
#define LH_STREAM_ATTR_LOG_APPEND_TIME 0x08
#define LH_STREAM_ATTR_TRANSACTIONAL 0x10
#define LH_STREAM_ATTR_CONTROL 0x20

/* The decoded header of one batch. size = LH_STREAM_BATCH_PREFIX + length,
 * the batch's whole size in bytes. */
typedef struct lh_stream_batch {
    int64_t base_offset;
    int32_t length; /* batchLength: bytes after the length field */
    size_t size;
    int32_t leader_epoch;
    uint32_t crc;
    int16_t attributes;
    int32_t last_offset_delta;
    int64_t base_timestamp, max_timestamp;
    int64_t producer_id;
    int16_t producer_epoch;
    int32_t base_sequence;
    int32_t count;
} lh_stream_batch_t;

/* Decodes the header at p (n bytes available). Returns 0 with *b set; or
 * LH_ENOENT when n is shorter than the header or than the batch it
 * announces (incomplete: a torn tail on disk); LH_ETOOBIG
 * when the length is over max_bytes (checked before anything else reads the
 * body); LH_ECORRUPT for a bad magic, length, CRC-32C, count or
 * lastOffsetDelta. Nothing is allocated. */
int lh_stream_batch_parse(const void *p, size_t n, size_t max_bytes, lh_stream_batch_t *b,
                          lh_err_t *err);
/* LH_ETOOBIG with the message for a record batch of size bytes over
 * max_bytes (max.message.bytes), as the parse and the broker's produce path
 * report it. */
int lh_stream_batch_too_big(size_t size, size_t max_bytes, lh_err_t *err);
/* As parse, plus what a producer must not send: control batches
 * (LH_EPERM). Use on produce. */
int lh_stream_batch_check_produce(const void *p, size_t n, size_t max_bytes, lh_stream_batch_t *b,
                                  lh_err_t *err);
/* Writes base_offset into a batch in place (outside the CRC). */
void lh_stream_batch_set_base_offset(void *p, int64_t base_offset);
/* Big-endian helpers, shared by the module's files and tests. */
int64_t lh_stream_be64(const uint8_t *p);
int32_t lh_stream_be32(const uint8_t *p);
int16_t lh_stream_be16(const uint8_t *p);

/* ---- Records inside a batch ---- */

typedef struct lh_stream_record {
    int64_t offset;    /* base offset + offsetDelta */
    int64_t timestamp; /* base timestamp + timestampDelta (CreateTime as produced) */
    const uint8_t *key;
    int32_t key_len; /* -1: null key */
    const uint8_t *value;
    int32_t value_len; /* -1: null value */
    int32_t header_count;
    const uint8_t *headers; /* the raw header section, header_len bytes */
    size_t header_len;
} lh_stream_record_t;

/* Iterator over a batch's records; embed it and close it. Pointers in a
 * record point into the batch or into the iterator's buffer and live until
 * the next call or close. */
typedef struct lh_stream_records {
    lh_stream_batch_t hdr;
    const uint8_t *p, *end;
    int32_t index;
    lh_buf_t plain; /* decompressed records when the batch is compressed */
} lh_stream_records_t;

/* Starts iterating the batch at p (whole, size bytes), whose CRC the
 * caller has checked (lh_stream_batch_parse): the header is decoded and
 * bounded again here, its CRC not recomputed. Compressed batches (gzip, snappy raw
 * or xerial-framed, lz4 frame, zstd) are decompressed here, into at most
 * max_plain bytes. Returns 0, LH_ECORRUPT (cannot decompress),
 * LH_ETOOBIG (more than max_plain), LH_EINVAL (unknown codec),
 * LH_ENOMEM. On error nothing needs closing. */
int lh_stream_records_open(lh_stream_records_t *it, const void *p, size_t size, size_t max_plain,
                           lh_err_t *err);
/* 1 with *r set, 0 at the end (every record seen and no bytes left over), or
 * LH_ECORRUPT for a malformed record, a record count or offset delta that
 * disagrees with the header, or trailing bytes. */
int lh_stream_records_next(lh_stream_records_t *it, lh_stream_record_t *r, lh_err_t *err);
void lh_stream_records_close(lh_stream_records_t *it);
/* Walks every record of a batch whose CRC the caller has checked: offsets
 * 0..count-1 in order, and (under CreateTime) maxTimestamp equal to the
 * largest record timestamp.
 * Returns 0 or the errors of open/next. */
int lh_stream_batch_check_records(const void *p, size_t size, size_t max_plain, lh_err_t *err);

/* Decompresses a record section of codec (LH_STREAM_CODEC_*) onto out
 * (whose max bounds the result: LH_ETOOBIG). Returns 0, LH_ECORRUPT,
 * LH_EINVAL (unknown codec), LH_ENOMEM, LH_ETOOBIG. */
int lh_stream_decompress(int codec, const uint8_t *src, size_t n, lh_buf_t *out, lh_err_t *err);
/* Compresses n bytes of records onto out as codec does at level (gzip:
 * zlib's, -1 its default; lz4: 0 its default; zstd: ZSTD's, 0 its
 * default): one frame, with its content size where the format has the
 * field. NONE copies. Returns 0, LH_EINVAL (snappy, an unknown codec, or
 * the library refused), LH_ENOMEM, LH_ETOOBIG (out's max). */
int lh_stream_compress(int codec, int level, const uint8_t *src, size_t n, lh_buf_t *out,
                       lh_err_t *err);
/* The batch at p (size bytes, its CRC checked by the caller) checked as
 * lh_stream_batch_check_records does, and written onto out (reset first)
 * with its records compressed as codec at level (lh_stream_compress): the
 * header the same but for the codec bits of its attributes, its length and
 * its CRC-32C. What a broker does for a topic whose compression.type is
 * not the producer's codec. Returns 0 or the errors of both. */
int lh_stream_batch_recompress(const void *p, size_t size, size_t max_plain, int codec, int level,
                               lh_buf_t *out, lh_err_t *err);

/* ---- The partition log ---- */

/* Clock in milliseconds since the epoch; tests inject their own. */
typedef int64_t (*lh_stream_clock_fn)(void *arg);
/* The wall clock in that shape (arg unused): every clock of the module
 * that is not injected. */
int64_t lh_stream_wall_ms(void *arg);

/* Limits and policies, named after issue 9's stream.* keys. 0 or -1 as
 * noted; lh_stream_log_opts_default() fills Kafka's defaults. */
typedef struct lh_stream_log_opts {
    int64_t segment_bytes;   /* stream.segment_bytes: roll past this size (<= 2 GiB) */
    int64_t segment_ms;      /* stream.segment_ms: roll a segment this old; 0 = off */
    int64_t retention_ms;    /* stream.retention: -1 = keep forever */
    int64_t retention_bytes; /* stream.retention_bytes: -1 = no size limit */
    int64_t flush_messages;  /* stream.flush_messages: fsync every N records; 0 = off */
    int64_t flush_ms;        /* stream.flush_interval: 0 = fsync synced appends at once */
    int64_t max_batch_bytes; /* the largest batch accepted (whole, with its prefix) */
    int64_t index_interval;  /* bytes between index entries (4096) */
    int verify_records;      /* walk every record on append (decompressing) */
    lh_stream_clock_fn clock;
    void *clock_arg;
} lh_stream_log_opts_t;

void lh_stream_log_opts_default(lh_stream_log_opts_t *o);

typedef struct lh_stream_log lh_stream_log_t;

/* Opens (creating when missing) the partition log in dir (the directory is
 * made if absent). Recovers: the last segment is validated batch by batch
 * and truncated at the first torn or corrupt batch; missing or
 * inconsistent indexes are rebuilt. The caller owns *out (close it).
 * Returns 0, LH_EIO, LH_ENOMEM, LH_ECORRUPT (a closed segment whose
 * batches do not scan to its end, or segments that do not chain: never
 * cut, since closed segments were fsynced), LH_EINVAL (bad opts). */
int lh_stream_log_open(lh_stream_log_t **out, const char *dir, const lh_stream_log_opts_t *o,
                       lh_err_t *err);
/* Flushes (fsync) and closes; NULL is fine. */
void lh_stream_log_close(lh_stream_log_t *log);

/* Appends one batch (validated here as on produce), assigning its base
 * offset in place in the caller's bytes, rolling the segment when due.
 * sync: the caller answers acks=all, so with flush_ms == 0 the data is
 * fsynced before return. *base gets the batch's base offset. Returns 0,
 * the parse/check errors (nothing is written then), LH_ENOMEM, LH_EIO (the
 * log is then broken: reopen it). */
int lh_stream_log_append(lh_stream_log_t *log, void *batch, size_t n, int sync, int64_t *base,
                         lh_err_t *err);
/* The same for a batch whose records were walked already (made by
 * lh_stream_batch_recompress): its header is checked, its records are not
 * decompressed again. */
int lh_stream_log_append_walked(lh_stream_log_t *log, void *batch, size_t n, int sync,
                                int64_t *base, lh_err_t *err);
/* Applies the time-based flush policy (flush_ms) and time-based roll;
 * call it from a timer. Returns 0 or LH_EIO. */
int lh_stream_log_tick(lh_stream_log_t *log, lh_err_t *err);
/* fsyncs what was appended. Returns 0 or LH_EIO. */
int lh_stream_log_flush(lh_stream_log_t *log, lh_err_t *err);

/* The same fsync without blocking the caller's thread (group commit): *fd
 * gets a dup of the active segment's descriptor (the caller's: it fsyncs it
 * on another thread and closes it) and *upto the offset such an fsync makes
 * durable; *fd is -1 when everything is durable already. Then, on the log's
 * thread, lh_stream_log_sync_end with the fsync's outcome: ok moves the
 * durable offset up to upto, a failure breaks the log (appends then fail
 * with LH_EIO). Segments sealed in between were fsynced by the roll.
 * Returns 0, or LH_EIO (the log is broken, or dup failed). */
int lh_stream_log_sync_begin(lh_stream_log_t *log, int *fd, int64_t *upto, lh_err_t *err);
void lh_stream_log_sync_end(lh_stream_log_t *log, int64_t upto, int ok);

/* Whole batches starting with the one that holds offset, appended to out,
 * while they fit in max_bytes; at least one batch whatever its size.
 * Returns 0 (nothing appended when offset == high watermark), LH_ENOENT
 * when offset is outside [log start, high watermark], LH_EIO, or out's
 * error. *next gets the offset after the last batch returned. */
int lh_stream_log_read(lh_stream_log_t *log, int64_t offset, size_t max_bytes, lh_buf_t *out,
                       int64_t *next, lh_err_t *err);

/* Where a read would come from, for sending without copying (sendfile):
 * len bytes at pos of the segment file fd; len is 0 at the high watermark.
 * fd belongs to the log and stays open until lh_stream_log_retain or
 * close. Returns and bounds as lh_stream_log_read. */
typedef struct lh_stream_span {
    int fd;
    int64_t pos;
    size_t len;
    int64_t next; /* the offset after the last batch in the span */
} lh_stream_span_t;
int lh_stream_log_locate(lh_stream_log_t *log, int64_t offset, size_t max_bytes,
                         lh_stream_span_t *span, lh_err_t *err);

/* The first offset, in offset order, whose record timestamp is >= ts, and
 * that record's timestamp; *offset = -1 and *found_ts = -1 when there is
 * none. Batches whose records do not parse are passed over. Returns 0,
 * LH_EIO, LH_ENOMEM. */
int lh_stream_log_offset_for_time(lh_stream_log_t *log, int64_t ts, int64_t *offset,
                                  int64_t *found_ts, lh_err_t *err);

/* Calls fn with the header of every batch of the last nseg segments, in
 * offset order (one read of the header per batch); fn returns 0 to go on,
 * or an error that stops the walk and is returned. Returns 0, LH_EIO. */
int lh_stream_log_scan_tail(lh_stream_log_t *log, int nseg,
                            int (*fn)(void *arg, const lh_stream_batch_t *b), void *arg,
                            lh_err_t *err);

int64_t lh_stream_log_start(const lh_stream_log_t *log);          /* first offset kept */
int64_t lh_stream_log_high_watermark(const lh_stream_log_t *log); /* next offset to assign */
int64_t lh_stream_log_durable(const lh_stream_log_t *log);        /* offsets below it are fsynced */
int64_t lh_stream_log_size(const lh_stream_log_t *log);           /* bytes in every segment */
int lh_stream_log_segments(const lh_stream_log_t *log);           /* number of segments */

/* Deletes whole non-active segments, oldest first, while the oldest's
 * largest timestamp is more than retention_ms old or the log without it is
 * still at least retention_bytes (Kafka's rules); the log start moves up.
 * *deleted (may be NULL) gets how many. Returns 0 or LH_EIO. */
int lh_stream_log_retain(lh_stream_log_t *log, int *deleted, lh_err_t *err);

#endif
