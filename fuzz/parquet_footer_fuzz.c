/* libFuzzer target: decodes arbitrary bytes as a Parquet FileMetaData, builds
 * the schema tree when it decodes, and checks that encoding is a fixed point
 * of decoding (encode(decode(encode(m))) == encode(m)); the last 8 bytes also
 * go through the footer locator. The same bytes are decoded as a page
 * index ColumnIndex and OffsetIndex, whose encodings must be fixed points
 * too and whose lists must agree as the decoders promise. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "parquet/meta.h"
#include "parquet/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_schema(const lh_pq_file_meta_t *m)
{
    lh_pq_schema_t s;
    lh_err_t err = {0};
    if (lh_pq_schema_build(m->arena, m->schema, m->nschema, &s, &err)) {
        if (!err.msg[0] || s.nodes) abort();
        return;
    }
    if (s.nnodes != m->nschema || s.nleaves > s.nnodes) abort();
    for (uint32_t i = 0; i < s.nleaves; i++) {
        const lh_pq_node_t *l = s.leaves[i];
        if (l->column != (int32_t)i || !l->elem->has_type || l->nchildren) abort();
        if (l->max_def > (int)l->depth || l->max_rep > l->max_def || l->depth < 1) abort();
        for (uint32_t k = 0; k < l->depth; k++)
            if (!l->path[k]) abort();
        if (l->path[l->depth - 1] != l->elem->name) abort();
    }
}

static void check_fixed_point(const lh_pq_file_meta_t *m)
{
    lh_buf_t b1, b2;
    lh_pq_file_meta_t *m2 = NULL;
    lh_err_t err = {0};
    lh_buf_init(&b1, 0);
    lh_buf_init(&b2, 0);
    if (lh_pq_file_meta_encode(m, &b1)) abort();
    int rc = lh_pq_file_meta_decode(b1.ptr, b1.len, &m2, &err);
    /* skipped unknown fields shrink the input, and with it the budget */
    if (rc && rc != LH_ETOOBIG) abort();
    if (!rc) {
        if (lh_pq_file_meta_encode(m2, &b2)) abort();
        if (b1.len != b2.len || memcmp(b1.ptr, b2.ptr, b1.len)) abort();
    }
    lh_pq_file_meta_free(m2);
    lh_buf_free(&b1);
    lh_buf_free(&b2);
}

static void check_page_index(const uint8_t *data, size_t size)
{
    lh_arena_t *a = lh_arena_new(0);
    lh_err_t err = {0};
    lh_pq_column_index_t ci, ci2;
    lh_pq_offset_index_t oi, oi2;
    lh_buf_t b1, b2;
    lh_buf_init(&b1, 0);
    lh_buf_init(&b2, 0);
    if (!lh_pq_column_index_decode(data, size, a, &ci, &err)) {
        if (ci.nmin_values != ci.nnull_pages || ci.nmax_values != ci.nnull_pages) abort();
        if (lh_pq_column_index_encode(&ci, &b1)) abort();
        int rc = lh_pq_column_index_decode(b1.ptr, b1.len, a, &ci2, &err);
        if (rc && rc != LH_ETOOBIG) abort();
        if (!rc && (lh_pq_column_index_encode(&ci2, &b2) || b1.len != b2.len ||
                    memcmp(b1.ptr, b2.ptr, b1.len)))
            abort();
    } else if (!err.msg[0]) {
        abort();
    }
    lh_buf_reset(&b1);
    lh_buf_reset(&b2);
    if (!lh_pq_offset_index_decode(data, size, a, &oi, &err)) {
        if (!oi.npage_locations || oi.page_locations[0].first_row_index) abort();
        for (uint32_t i = 1; i < oi.npage_locations; i++)
            if (oi.page_locations[i].first_row_index <= oi.page_locations[i - 1].first_row_index)
                abort();
        if (lh_pq_offset_index_encode(&oi, &b1)) abort();
        int rc = lh_pq_offset_index_decode(b1.ptr, b1.len, a, &oi2, &err);
        if (rc && rc != LH_ETOOBIG) abort();
        if (!rc && (lh_pq_offset_index_encode(&oi2, &b2) || b1.len != b2.len ||
                    memcmp(b1.ptr, b2.ptr, b1.len)))
            abort();
    }
    lh_buf_free(&b1);
    lh_buf_free(&b2);
    lh_arena_free(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_page_index(data, size);
    lh_pq_file_meta_t *m = NULL;
    lh_err_t err = {0};
    int rc = lh_pq_file_meta_decode(data, size, &m, &err);
    if (rc) {
        if (m || !err.msg[0] || (rc != LH_ECORRUPT && rc != LH_ETOOBIG && rc != LH_ENOMEM)) abort();
    } else {
        check_schema(m);
        check_fixed_point(m);
        lh_pq_file_meta_free(m);
    }
    if (size >= 8) {
        uint64_t off;
        uint32_t len;
        if (!lh_pq_footer_locate(data + size - 8, size, &off, &len, NULL) &&
            (off < 4 || off + len + 8 != size))
            abort();
    }
    return 0;
}
