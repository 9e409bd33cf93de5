/* The writer's page index (PageIndex.md). While a column chunk's data pages
 * are written, each page's place, first row, NULL count and bounds (the
 * chunk statistics' rules: the column order, strings cut at 64 bytes) are
 * recorded; at the chunk's end they become a ColumnIndex (with the
 * boundary order: ASCENDING or DESCENDING when both the lower and the
 * upper bounds of the non-null pages are, else UNORDERED) and an
 * OffsetIndex, encoded into two buffers. At close all column indexes are
 * written, then all offset indexes, just before the footer, and the
 * ColumnChunks' offsets are made absolute. A chunk gets no ColumnIndex when
 * its order is undefined (INTERVAL) or a page with values has no bounds
 * (only NaN, or a string max that cannot be rounded up). */
#include "parquet/writer_int.h"

#include <stdlib.h>

static int oom(lh_err_t *err)
{
    return lh_err_set(err, LH_ENOMEM, "parquet writer: out of memory");
}

/* Values [v0, v1) at PLAIN bytes [b0, b1) into st. */
static int page_stats(const lh__pq_leaf_t *l, lh__pq_stat_t *st, lh_buf_t *scratch, size_t v0,
                      size_t v1, size_t b0, size_t b1)
{
    lh__pq_stat_reset(st);
    if (l->ord == LH__ORD_NONE || v1 == v0) return 0;
    if (l->dict_mode && l->width) {
        lh_buf_reset(scratch);
        uint8_t *p = lh_pq_buf_reserve(scratch, (v1 - v0) * l->width);
        if (!p) return LH_ENOMEM;
        const uint8_t *dict = (const uint8_t *)l->dict.plain.ptr;
        for (size_t i = v0; i < v1; i++, p += l->width)
            memcpy(p, dict + (size_t)l->idx[i] * l->width, l->width);
        lh__pq_stat_fixed(st, l->ord, (const uint8_t *)scratch->ptr, v1 - v0, l->width);
    } else if (l->dict_mode) {
        uint32_t seen_lo = UINT32_MAX, seen_hi = UINT32_MAX;
        for (size_t i = v0; i < v1; i++) {
            uint32_t k = l->idx[i];
            if (k == seen_lo || k == seen_hi) continue;
            lh_str_t s = lh_pq_dict_value(&l->dict, k);
            lh__pq_stat_bytes(st, &s, 1);
            seen_hi = seen_lo, seen_lo = k; /* runs of one value compare once */
        }
    } else if (l->width) {
        lh__pq_stat_fixed(st, l->ord, (const uint8_t *)l->plain.ptr + b0, v1 - v0, l->width);
    } else {
        const uint8_t *p = (const uint8_t *)l->plain.ptr + b0,
                      *end = (const uint8_t *)l->plain.ptr + b1;
        while (p + 4 <= end) {
            uint32_t n =
                (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
            lh_str_t s = {(const char *)p + 4, n};
            lh__pq_stat_bytes(st, &s, 1);
            p += 4 + (size_t)n;
        }
    }
    return lh_buf_err(&st->smin) | lh_buf_err(&st->smax) ? LH_ENOMEM : 0;
}

int lh__pq_pi_page_stats(const lh__pq_leaf_t *l, lh__pq_ptask_t *t, lh_buf_t *scratch)
{
    const size_t *r = t->cut;
    t->nulls = 0;
    for (size_t k = r[0]; k < r[1]; k++)
        t->nulls += l->defs[k] < l->max_def;
    if (!l->max_rep) {
        t->rows = (int64_t)(r[1] - r[0]);
    } else {
        t->rows = 0;
        for (size_t i = r[0]; i < r[1]; i++)
            t->rows += l->reps[i] == 0;
    }
    return page_stats(l, &t->stat, scratch, r[2], r[3], r[4], r[5]);
}

static int grow_pages(lh__pq_leaf_t *l)
{
    if (l->nwpages < l->wpagecap) return 0;
    size_t cap = l->wpagecap ? l->wpagecap * 2 : 16;
    lh__pq_wpage_t *p = realloc(l->wpages, cap * sizeof *p);
    if (!p) return LH_ENOMEM;
    l->wpages = p, l->wpagecap = cap;
    return 0;
}

/* Folds page i's bounds into the chunk's boundary order. */
static void order(lh__pq_leaf_t *l, size_t i)
{
    if (l->prev) {
        const lh__pq_wpage_t *a = &l->wpages[l->prev - 1], *b = &l->wpages[i];
        const char *base = l->pbounds.ptr;
        int cmin =
            lh__pq_stat_cmp(l, base + a->bound_off, a->min_len, base + b->bound_off, b->min_len);
        int cmax = lh__pq_stat_cmp(l, base + a->bound_off + a->min_len, a->max_len,
                                   base + b->bound_off + b->min_len, b->max_len);
        if (cmin > 0 || cmax > 0) l->not_asc = true;
        if (cmin < 0 || cmax < 0) l->not_desc = true;
    }
    l->prev = i + 1;
}

int lh__pq_pi_page(lh_pq_writer_t *w, lh__pq_leaf_t *l, const lh__pq_ptask_t *t, int64_t first_row,
                   int64_t offset, int32_t size, lh_err_t *err)
{
    if (!w->o.page_index) return 0;
    if (grow_pages(l)) return oom(err);
    size_t i = l->nwpages++;
    lh__pq_wpage_t *p = &l->wpages[i];
    memset(p, 0, sizeof *p);
    p->offset = offset;
    p->size = size;
    p->first_row = first_row;
    p->nulls = t->nulls;
    p->null_page = t->cut[2] == t->cut[3];
    p->bound_off = (uint32_t)l->pbounds.len;
    if (p->null_page || l->no_ci) return 0;
    if (!lh__pq_stat_bounds(l, &t->stat, &l->pbounds, &p->min_len, &p->max_len)) {
        l->no_ci = true;
        return 0;
    }
    if (lh_buf_err(&l->pbounds) || l->pbounds.len > UINT32_MAX) return oom(err);
    order(l, i);
    return 0;
}

static int encode_oi(lh_pq_writer_t *w, lh__pq_leaf_t *l, lh_pq_column_chunk_t *cc)
{
    lh_pq_offset_index_t oi = {0};
    oi.page_locations = malloc(l->nwpages * sizeof *oi.page_locations);
    if (!oi.page_locations) return LH_ENOMEM;
    oi.npage_locations = (uint32_t)l->nwpages;
    for (size_t i = 0; i < l->nwpages; i++) {
        const lh__pq_wpage_t *p = &l->wpages[i];
        oi.page_locations[i] = (lh_pq_page_loc_t){p->offset, p->size, p->first_row};
    }
    size_t at = w->oi_buf.len;
    int rc = lh_pq_offset_index_encode(&oi, &w->oi_buf);
    free(oi.page_locations);
    if (rc || w->oi_buf.len - at > INT32_MAX) return rc ? rc : LH_ETOOBIG;
    cc->has_offset_index_offset = cc->has_offset_index_length = true;
    cc->offset_index_offset = (int64_t)at;
    cc->offset_index_length = (int32_t)(w->oi_buf.len - at);
    return 0;
}

static int encode_ci(lh_pq_writer_t *w, lh__pq_leaf_t *l, lh_pq_column_chunk_t *cc)
{
    size_t n = l->nwpages;
    lh_pq_column_index_t ci = {0};
    ci.null_pages = malloc(n * sizeof *ci.null_pages);
    ci.min_values = malloc(n * sizeof *ci.min_values);
    ci.max_values = malloc(n * sizeof *ci.max_values);
    ci.null_counts = malloc(n * sizeof *ci.null_counts);
    int rc = LH_ENOMEM;
    if (!ci.null_pages || !ci.min_values || !ci.max_values || !ci.null_counts) goto fail;
    ci.nnull_pages = ci.nmin_values = ci.nmax_values = ci.nnull_counts = (uint32_t)n;
    for (size_t i = 0; i < n; i++) {
        const lh__pq_wpage_t *p = &l->wpages[i];
        const char *b = l->pbounds.ptr + p->bound_off;
        ci.null_pages[i] = p->null_page;
        ci.min_values[i] = (lh_str_t){p->null_page ? "" : b, p->min_len};
        ci.max_values[i] = (lh_str_t){p->null_page ? "" : b + p->min_len, p->max_len};
        ci.null_counts[i] = p->nulls;
    }
    ci.boundary_order = !l->not_asc    ? LH_PQ_ASCENDING
                        : !l->not_desc ? LH_PQ_DESCENDING
                                       : LH_PQ_UNORDERED;
    size_t at = w->ci_buf.len;
    rc = lh_pq_column_index_encode(&ci, &w->ci_buf);
    if (!rc && w->ci_buf.len - at > INT32_MAX) rc = LH_ETOOBIG;
    if (rc) goto fail;
    cc->has_column_index_offset = cc->has_column_index_length = true;
    cc->column_index_offset = (int64_t)at;
    cc->column_index_length = (int32_t)(w->ci_buf.len - at);
fail:
    free(ci.null_pages);
    free(ci.min_values);
    free(ci.max_values);
    free(ci.null_counts);
    return rc;
}

int lh__pq_pi_chunk(lh_pq_writer_t *w, lh__pq_leaf_t *l, lh_pq_column_chunk_t *cc, lh_err_t *err)
{
    if (!w->o.page_index) return 0;
    int rc = 0;
    if (l->nwpages) {
        rc = encode_oi(w, l, cc);
        if (!rc && !l->no_ci && l->ord != LH__ORD_NONE) rc = encode_ci(w, l, cc);
    }
    l->nwpages = 0;
    l->prev = 0;
    l->no_ci = l->not_asc = l->not_desc = false;
    lh_buf_reset(&l->pbounds);
    if (rc)
        return lh_err_set(err, rc, "parquet writer: column %s: page index: %s", l->dotted,
                          lh_strerror(rc));
    return 0;
}

int lh__pq_pi_write(lh_pq_writer_t *w, lh_err_t *err)
{
    if (!w->o.page_index) return 0;
    int64_t ci_base = (int64_t)w->pos, oi_base = ci_base + (int64_t)w->ci_buf.len;
    for (uint32_t g = 0; g < w->nrgs; g++) {
        for (uint32_t c = 0; c < w->rgs[g].ncolumns; c++) {
            lh_pq_column_chunk_t *cc = &w->rgs[g].columns[c];
            if (cc->has_column_index_offset) cc->column_index_offset += ci_base;
            if (cc->has_offset_index_offset) cc->offset_index_offset += oi_base;
        }
    }
    int rc = lh__pq_out(w, w->ci_buf.ptr, w->ci_buf.len, err);
    return rc ? rc : lh__pq_out(w, w->oi_buf.ptr, w->oi_buf.len, err);
}

void lh__pq_pi_release(lh__pq_leaf_t *l)
{
    free(l->wpages);
    lh_buf_free(&l->pbounds);
}
