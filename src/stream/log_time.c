/* Offset lookup by timestamp (ListOffsets): the first offset, in offset
 * order, whose record timestamp is >= T. CreateTimes arrive out of order, so
 * the answer is not where a sorted search would put it: skip whole
 * segments whose largest timestamp is < T, seek inside the first other one
 * with its time index (no record before the entry's offset reaches T), then
 * scan batches, skipping those whose maxTimestamp is < T, and read the
 * records of the first batch that can hold the answer. A batch whose
 * records cannot be read (CRC-valid but malformed, possible only when it
 * was stored without verify_records) is passed over. */
#include "stream/stream_int.h"

#include <stdlib.h>

/* The first record of the batch at pos with a timestamp >= ts; 1 found,
 * 0 none, <0 error. */
static int in_batch(const lh__segment_t *s, int64_t pos, size_t size, int64_t ts, int64_t *offset,
                    int64_t *found, lh_err_t *err)
{
    uint8_t *p = malloc(size);
    if (!p) return lh_err_set(err, LH_ENOMEM, "out of memory");
    int rc = lh__segment_pread(s, p, size, pos, err);
    lh_stream_records_t it;
    if (!rc) rc = lh_stream_records_open(&it, p, size, LH__STREAM_MAX_PLAIN, err);
    if (!rc) {
        lh_stream_record_t r;
        while ((rc = lh_stream_records_next(&it, &r, err)) == 1) {
            if (r.timestamp >= ts) {
                *offset = r.offset;
                *found = r.timestamp;
                break;
            }
        }
        lh_stream_records_close(&it);
    }
    free(p);
    return rc;
}

static int in_segment(const lh__segment_t *s, int64_t ts, int64_t *offset, int64_t *found,
                      lh_err_t *err)
{
    int64_t from = lh__index_offset_for_time(&s->idx, s->base, ts), pos;
    if (from >= s->next) return 0;
    int rc = lh__segment_find(s, from, &pos, err);
    while (!rc && pos < s->size) {
        uint8_t h[LH_STREAM_BATCH_HEADER];
        if ((rc = lh__segment_pread(s, h, sizeof h, pos, err))) break;
        size_t size = (size_t)(uint32_t)lh_stream_be32(h + 8) + LH_STREAM_BATCH_PREFIX;
        if (lh_stream_be64(h + 35) >= ts) {
            rc = in_batch(s, pos, size, ts, offset, found, err);
            /* records that cannot be read (stored without verify_records) hold
             * no answer; they must not block the partition's lookups */
            if (rc == LH_ECORRUPT || rc == LH_EINVAL || rc == LH_ETOOBIG) rc = 0;
            if (rc) break;
        }
        pos += (int64_t)size;
    }
    return rc;
}

int lh_stream_log_offset_for_time(lh_stream_log_t *log, int64_t ts, int64_t *offset,
                                  int64_t *found_ts, lh_err_t *err)
{
    *offset = *found_ts = -1;
    for (int i = 0; i < log->nseg; i++) {
        const lh__segment_t *s = log->segs[i];
        if (s->size == 0 || s->max_ts < ts) continue;
        int rc = in_segment(s, ts, offset, found_ts, err);
        if (rc < 0) return rc;
        if (rc == 1) return 0;
    }
    return 0;
}
