/* The page index of PageIndex.md: ColumnIndex (per data page: all NULL or
 * not, lower and upper bound, NULL count, the boundary order) and
 * OffsetIndex (per data page: where it lies and its first row), as field
 * tables for the walker in meta_walk.c, with the checks a reader relies on
 * before it skips pages by them: lists of one length, ascending offsets and
 * rows. */
#include "parquet/meta.h"
#include "parquet/meta_int.h"

#include <string.h>

typedef lh_pq_page_loc_t PL;
static const lh__pq_fld_t loc_f[] = {
    {.id = 1, .kind = K_I64, REQ(PL, offset)},
    {.id = 2, .kind = K_I32, REQ(PL, compressed_page_size)},
    {.id = 3, .kind = K_I64, REQ(PL, first_row_index)},
};
static const lh__pq_desc_t loc_d = {DESC("PageLocation", PL, loc_f)};

typedef lh_pq_offset_index_t OI;
static const lh__pq_fld_t oi_f[] = {
    {.id = 1, .elem = K_STRUCT, .sub = &loc_d, LIST(OI, page_locations), .req = true},
    {.id = 2, .elem = K_I64, LIST(OI, unencoded_byte_array_data_bytes)},
};
static const lh__pq_desc_t oi_d = {DESC("OffsetIndex", OI, oi_f)};

typedef lh_pq_column_index_t CI;
static const lh__pq_fld_t ci_f[] = {
    {.id = 1, .elem = K_BOOL, LIST(CI, null_pages), .req = true},
    {.id = 2, .elem = K_BIN, LIST(CI, min_values), .req = true},
    {.id = 3, .elem = K_BIN, LIST(CI, max_values), .req = true},
    {.id = 4, .kind = K_I32, REQ(CI, boundary_order)},
    {.id = 5, .elem = K_I64, LIST(CI, null_counts)},
    {.id = 6, .elem = K_I64, LIST(CI, rep_histograms)},
    {.id = 7, .elem = K_I64, LIST(CI, def_histograms)},
};
static const lh__pq_desc_t ci_d = {DESC("ColumnIndex", CI, ci_f)};

static int decode(const void *data, size_t len, lh_arena_t *a, const lh__pq_desc_t *ds, void *out,
                  lh_err_t *err)
{
    memset(out, 0, ds->size);
    lh__pq_dec_t d = {.a = a};
    d.budget = len > (SIZE_MAX - (1 << 20)) / LH_PQ_DECODE_RATIO
                   ? SIZE_MAX
                   : len * LH_PQ_DECODE_RATIO + ((size_t)1 << 20);
    lh_tc_reader_init(&d.r, data, len, err);
    int rc = lh__pq_dec_struct(&d, ds, out);
    if (rc) memset(out, 0, ds->size);
    return rc;
}

static int bad(void *out, size_t size, lh_err_t *err, const char *what)
{
    memset(out, 0, size);
    return lh_err_set(err, LH_ECORRUPT, "parquet %s", what);
}

int lh_pq_column_index_decode(const void *data, size_t len, lh_arena_t *a,
                              lh_pq_column_index_t *out, lh_err_t *err)
{
    int rc = decode(data, len, a, &ci_d, out, err);
    if (rc) return rc;
    uint32_t n = out->nnull_pages;
    if (out->nmin_values != n || out->nmax_values != n ||
        (out->nnull_counts && out->nnull_counts != n))
        return bad(out, sizeof *out, err, "column index: lists of different lengths");
    for (uint32_t i = 0; i < out->nnull_counts; i++)
        if (out->null_counts[i] < 0)
            return bad(out, sizeof *out, err, "column index: a negative null count");
    return 0;
}

int lh_pq_offset_index_decode(const void *data, size_t len, lh_arena_t *a,
                              lh_pq_offset_index_t *out, lh_err_t *err)
{
    int rc = decode(data, len, a, &oi_d, out, err);
    if (rc) return rc;
    const lh_pq_page_loc_t *p = out->page_locations;
    uint32_t n = out->npage_locations;
    if (!n) return bad(out, sizeof *out, err, "offset index without pages");
    if (p[0].first_row_index != 0)
        return bad(out, sizeof *out, err, "offset index: the first page does not start row 0");
    for (uint32_t i = 0; i < n; i++) {
        if (p[i].offset < 0 || p[i].compressed_page_size <= 0)
            return bad(out, sizeof *out, err, "offset index: a negative offset or size");
        if (i && (p[i].offset < p[i - 1].offset + p[i - 1].compressed_page_size ||
                  p[i].first_row_index <= p[i - 1].first_row_index))
            return bad(out, sizeof *out, err, "offset index: pages out of order");
    }
    return 0;
}

int lh_pq_column_index_encode(const lh_pq_column_index_t *ci, lh_buf_t *out)
{
    lh_tc_writer_t w;
    lh_tc_writer_init(&w, out);
    return lh__pq_enc_struct(&w, &ci_d, ci);
}

int lh_pq_offset_index_encode(const lh_pq_offset_index_t *oi, lh_buf_t *out)
{
    lh_tc_writer_t w;
    lh_tc_writer_init(&w, out);
    return lh__pq_enc_struct(&w, &oi_d, oi);
}
