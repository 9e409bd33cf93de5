/* Reads from the partition log: whole batches from the one that holds the
 * requested offset (a fetch from the middle of a batch gets that batch),
 * while they fit the byte limit, and always at least one (KIP-74). The span
 * is found from the segment list (binary search on base offsets), the
 * offset index floor entry and then batch headers; the bytes are copied
 * once, from the file into the caller's buffer, or handed to the caller as
 * a file span to send without copying. */
#include "stream/stream_int.h"

/* The span, and the segment it lies in (NULL when it is empty). */
static int locate(lh_stream_log_t *log, int64_t offset, size_t max_bytes, lh_stream_span_t *span,
                  const lh__segment_t **seg, lh_err_t *err)
{
    int64_t hw = lh_stream_log_high_watermark(log), start = lh_stream_log_start(log);
    *span = (lh_stream_span_t){.fd = -1, .next = offset};
    *seg = NULL;
    if (offset < start || offset > hw)
        return lh_err_set(err, LH_ENOENT, "offset %lld is out of range [%lld, %lld]",
                          (long long)offset, (long long)start, (long long)hw);
    if (offset == hw) return 0;
    const lh__segment_t *s = log->segs[lh__log_segment_for(log, offset)];
    int64_t pos, end, last = offset - 1;
    int rc = lh__segment_find(s, offset, &pos, err);
    for (end = pos; !rc && end < s->size;) {
        int64_t b = 0, l = 0;
        size_t size = 0;
        if ((rc = lh__segment_peek(s, end, &b, &l, &size, err))) break;
        if (end > pos && (size_t)(end - pos) + size > max_bytes) break;
        end += (int64_t)size;
        last = l;
    }
    if (rc) return rc;
    *span =
        (lh_stream_span_t){.fd = s->fd, .pos = pos, .len = (size_t)(end - pos), .next = last + 1};
    *seg = s;
    return 0;
}

int lh_stream_log_locate(lh_stream_log_t *log, int64_t offset, size_t max_bytes,
                         lh_stream_span_t *span, lh_err_t *err)
{
    const lh__segment_t *s;
    return locate(log, offset, max_bytes, span, &s, err);
}

int lh_stream_log_read(lh_stream_log_t *log, int64_t offset, size_t max_bytes, lh_buf_t *out,
                       int64_t *next, lh_err_t *err)
{
    lh_stream_span_t sp;
    const lh__segment_t *s;
    *next = offset;
    int rc = locate(log, offset, max_bytes, &sp, &s, err);
    if (rc || sp.len == 0) return rc;
    if (lh__buf_reserve(out, sp.len) < sp.len)
        return lh_err_set(err, lh_buf_err(out) ? lh_buf_err(out) : LH_ETOOBIG,
                          "read of %zu bytes does not fit the buffer", sp.len);
    if ((rc = lh__segment_pread(s, out->ptr + out->len, sp.len, sp.pos, err))) return rc;
    out->len += sp.len;
    out->ptr[out->len] = 0;
    *next = sp.next;
    return 0;
}

int lh_stream_log_scan_tail(lh_stream_log_t *log, int nseg,
                            int (*fn)(void *arg, const lh_stream_batch_t *b), void *arg,
                            lh_err_t *err)
{
    int first = log->nseg - nseg < 0 ? 0 : log->nseg - nseg;
    for (int i = first; i < log->nseg; i++) {
        const lh__segment_t *s = log->segs[i];
        for (int64_t pos = 0; pos < s->size;) {
            uint8_t h[LH_STREAM_BATCH_HEADER];
            lh_stream_batch_t b;
            int rc = lh__segment_pread(s, h, sizeof h, pos, err);
            if (rc) return rc;
            lh__stream_batch_decode(h, &b);
            if (b.length <= 0) break; /* not after recovery; never loop on it */
            if ((rc = fn(arg, &b))) return rc;
            pos += (int64_t)b.size;
        }
    }
    return 0;
}
