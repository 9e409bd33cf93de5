/* Internals of the partition log shared by its files (index.c, segment.c,
 * log.c, log_time.c); nothing outside src/stream/ includes this. */
#ifndef LH_STREAM_INT_H
#define LH_STREAM_INT_H

#include "stream/log.h"

#include <stdint.h>

/* The most a compressed batch may expand to when its records are read. */
#define LH__STREAM_MAX_PLAIN ((size_t)64 << 20)
/* Bytes of a batch header read when only its offsets and size are needed. */
#define LH__STREAM_PEEK 27

/* .index entry: the last offset of a batch (relative to the segment base)
 * and the file position where that batch starts. */
typedef struct lh__oentry {
    int32_t rel;
    int32_t pos;
} lh__oentry_t;

/* .timeindex entry: the largest timestamp of every record in this segment
 * before offset base+rel (so no record before it reaches a larger one). */
typedef struct lh__tentry {
    int64_t ts;
    int32_t rel;
} lh__tentry_t;

typedef struct lh__index {
    lh__oentry_t *off;
    size_t noff, capoff;
    lh__tentry_t *tim;
    size_t ntim, captim;
    int off_fd, tim_fd; /* the files, written whole when the segment is sealed */
} lh__index_t;

typedef struct lh__segment {
    int64_t base;         /* the base offset, the file name */
    int64_t next;         /* the offset after its last batch */
    int64_t size;         /* bytes in .log */
    int64_t max_ts;       /* largest batch maxTimestamp; INT64_MIN when empty */
    int64_t roll_base_ms; /* when its age counts from (segment_ms) */
    int64_t since_index;  /* bytes appended since the last index entry */
    int64_t interval;     /* bytes between index entries */
    int fd;               /* .log */
    lh__index_t idx;
} lh__segment_t;

/* codec.c: room for up to want more bytes at out->ptr + out->len (the
 * caller writes there and moves len); 0 and out's sticky error when full. */
size_t lh__buf_reserve(lh_buf_t *out, size_t want);

/* batch.c: lh_stream_batch_parse without the CRC, for batches already
 * checked (records.c walks a batch after the append path checked it). */
int lh__stream_batch_header(const void *p, size_t n, lh_stream_batch_t *b, lh_err_t *err);
/* The 61 header bytes at p decoded as they are, nothing checked (for logs
 * already recovered). */
void lh__stream_batch_decode(const void *p, lh_stream_batch_t *b);

/* log.c */
struct lh_stream_log {
    char *dir;
    lh_stream_log_opts_t o;
    lh__segment_t **segs;
    int nseg, capseg;
    int64_t durable;       /* offsets below it are fsynced */
    int64_t unflushed;     /* records appended since the last fsync */
    int64_t last_flush_ms; /* clock at the last fsync */
    int broken;            /* a write failed: refuse appends until reopened */
};
/* Index of the segment holding offset (the last whose base <= offset). */
int lh__log_segment_for(const lh_stream_log_t *log, int64_t offset);

/* index.c */
int lh__index_open(lh__index_t *ix, const char *dir, int64_t base, int truncate, lh_err_t *err);
void lh__index_close(lh__index_t *ix);
/* Records a batch at pos (ts_before: the segment's max timestamp before
 * it). Returns 0 or LH_EIO / LH_ENOMEM. */
int lh__index_add(lh__index_t *ix, int64_t seg_base, const lh_stream_batch_t *b, int64_t pos,
                  int64_t ts_before, lh_err_t *err);
/* The closing time entry of a segment that stops being active, and both
 * files written (not synced: lh__index_sync). */
int lh__index_seal(lh__index_t *ix, int64_t seg_base, int64_t next, int64_t max_ts, lh_err_t *err);
/* Loads both files of a closed segment and checks them against the log
 * (fd, size) and its end offset next; slack: index interval + the largest
 * batch (no more than that after the last offset entry). 0 when usable,
 * LH_ECORRUPT when they must be rebuilt. Sets *max_ts from the closing
 * time entry. */
int lh__index_load(lh__index_t *ix, int fd, int64_t base, int64_t size, int64_t next, int64_t slack,
                   int64_t *max_ts, lh_err_t *err);
int lh__index_sync(lh__index_t *ix, lh_err_t *err);
/* The file position to start scanning at for offset (a batch at or before
 * the one holding it). */
int64_t lh__index_pos_for(const lh__index_t *ix, int64_t base, int64_t offset);
/* The offset to start scanning at for timestamp ts: no record of the
 * segment before it has a timestamp >= ts. */
int64_t lh__index_offset_for_time(const lh__index_t *ix, int64_t base, int64_t ts);

/* segment.c */
void lh__segment_name(char *out, size_t n, const char *dir, int64_t base, const char *ext);
int lh__segment_create(lh__segment_t **out, const char *dir, int64_t base, int64_t interval,
                       lh_err_t *err);
/* Opens a segment. last: recover it (validate every batch, truncate at the
 * first bad one, rebuild indexes); otherwise its end is next, and its
 * indexes are loaded, or rebuilt if they do not match. */
int lh__segment_open(lh__segment_t **out, const char *dir, int64_t base, int last, int64_t next,
                     size_t max_batch, int64_t interval, lh_err_t *err);
int lh__segment_append(lh__segment_t *s, const void *p, const lh_stream_batch_t *b, lh_err_t *err);
/* Makes a segment inactive: closing time entry, everything fsynced. */
int lh__segment_seal(lh__segment_t *s, lh_err_t *err);
/* Reads the first LH__STREAM_PEEK bytes of the batch at pos; LH_ENOENT
 * at the end. */
int lh__segment_peek(const lh__segment_t *s, int64_t pos, int64_t *base, int64_t *last,
                     size_t *size, lh_err_t *err);
/* Position of the batch holding offset (base <= offset < next). */
int lh__segment_find(const lh__segment_t *s, int64_t offset, int64_t *pos, lh_err_t *err);
int lh__segment_pread(const lh__segment_t *s, void *buf, size_t n, int64_t pos, lh_err_t *err);
void lh__segment_close(lh__segment_t *s);
/* Closes and removes the segment's three files. */
int lh__segment_delete(lh__segment_t *s, const char *dir, lh_err_t *err);
int lh__fsync_dir(const char *dir, lh_err_t *err);

#endif
