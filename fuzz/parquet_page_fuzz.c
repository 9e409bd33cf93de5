/* libFuzzer target: decodes arbitrary bytes as a Parquet page header and
 * checks what a page reader relies on (the header lies inside the input, the
 * statistics point into it, sizes are not negative) and that encoding is a
 * fixed point of decoding. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "parquet/meta.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const lh_str_t *s, const uint8_t *data, size_t used)
{
    if (s->len &&
        ((const uint8_t *)s->ptr < data || (const uint8_t *)s->ptr + s->len > data + used))
        abort();
}

static void check_stats(const lh_pq_stats_t *st, const uint8_t *data, size_t used)
{
    inside(&st->min, data, used);
    inside(&st->max, data, used);
    inside(&st->min_value, data, used);
    inside(&st->max_value, data, used);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lh_pq_page_header_t h, h2;
    lh_err_t err = {0};
    size_t used, used2;
    int rc = lh_pq_page_header_decode(data, size, &h, &used, &err);
    if (rc) {
        if (rc != LH_ECORRUPT || !err.msg[0] || used) abort();
        return 0;
    }
    if (used > size || used < 4 || h.compressed_page_size < 0 || h.uncompressed_page_size < 0)
        abort();
    check_stats(&h.data_page_header.statistics, data, used);
    check_stats(&h.data_page_header_v2.statistics, data, used);
    lh_buf_t b1, b2;
    lh_buf_init(&b1, 0);
    lh_buf_init(&b2, 0);
    if (lh_pq_page_header_encode(&h, &b1)) abort();
    if (lh_pq_page_header_decode(b1.ptr, b1.len, &h2, &used2, &err) || used2 != b1.len) abort();
    if (lh_pq_page_header_encode(&h2, &b2)) abort();
    if (b1.len != b2.len || memcmp(b1.ptr, b2.ptr, b1.len)) abort();
    lh_buf_free(&b1);
    lh_buf_free(&b2);
    return 0;
}
