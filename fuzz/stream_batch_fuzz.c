/* libFuzzer target for the RecordBatch v2 parser (stream/batch.c,
 * records.c, codec.c). Input: a batch as it would arrive in a Produce
 * request or sit in a segment.
 * 1. The header parse never reads past the input nor accepts a batch
 *    longer than it; an accepted batch's records are walked to the end
 *    (decompressed under a 1 MiB cap) with every key, value and header
 *    inside the records, and no error without a message.
 * 2. Setting the base offset in place keeps an accepted batch valid.
 * 3. The bytes after the first one, decompressed with the codec byte 0
 *    names, fail cleanly or stay under the cap. */
#include "core/buf.h"
#include "core/err.h"
#include "stream/log.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const uint8_t *p, size_t n)
{
    lh_stream_records_t it;
    lh_err_t err = {0};
    if (lh_stream_records_open(&it, p, n, 1 << 20, &err)) {
        if (!err.msg[0]) abort();
        return;
    }
    const uint8_t *lo = it.p, *hi = it.end;
    lh_stream_record_t r;
    int rc, k = 0;
    while ((rc = lh_stream_records_next(&it, &r, &err)) == 1) {
        if ((uint64_t)r.offset != (uint64_t)it.hdr.base_offset + (uint64_t)k++) abort();
        if (r.key && (r.key < lo || r.key + r.key_len > hi)) abort();
        if (r.value && (r.value < lo || r.value + r.value_len > hi)) abort();
        if (r.headers < lo || r.headers + r.header_len > hi) abort();
    }
    if (rc < 0 && !err.msg[0]) abort();
    if (rc == 0 && k != it.hdr.count) abort();
    lh_stream_records_close(&it);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lh_stream_batch_t b;
    lh_err_t err = {0};
    int rc = lh_stream_batch_parse(data, size, 1 << 20, &b, &err);
    if (rc && !err.msg[0]) abort();
    if (!rc) {
        if (b.size > size || b.size < LH_STREAM_BATCH_HEADER || b.count <= 0) abort();
        uint8_t *copy = malloc(b.size);
        if (!copy) return 0;
        memcpy(copy, data, b.size);
        walk(copy, b.size);
        lh_stream_batch_check_records(copy, b.size, 1 << 20, &err);
        lh_stream_batch_set_base_offset(copy, 42);
        lh_stream_batch_t again;
        if (lh_stream_batch_parse(copy, b.size, 1 << 20, &again, NULL) || again.base_offset != 42)
            abort();
        free(copy);
    }
    if (size >= 1) {
        lh_buf_t out;
        lh_buf_init(&out, 1 << 20);
        rc = lh_stream_decompress(data[0] % 6, data + 1, size - 1, &out, &err);
        if (rc && rc != LH_ECORRUPT && rc != LH_ETOOBIG && rc != LH_EINVAL && rc != LH_ENOMEM)
            abort();
        if (out.len > 1 << 20) abort();
        lh_buf_free(&out);
    }
    return 0;
}
