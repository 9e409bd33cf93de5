/* Page pruning with the page index (PageIndex.md). For a row group that
 * survived its chunk statistics, the column index and offset index of
 * every predicate column that has them (a primitive column outside lists)
 * are read (one ranged read spanning the column indexes, one spanning the
 * offset indexes), checked against the row group (same page count, pages
 * inside the column chunk, first rows inside the row group) and turned
 * into the row ranges whose pages might match (lh_pred_might_match on
 * each page's bounds and NULL count); the predicates' ranges intersect.
 * The scan then reads only those rows, every column skipping the same ones
 * (reader_scan.c, chunk_read.c). Without a usable index a predicate
 * selects every row. */
#include "parquet/reader_int.h"

#include <stdlib.h>
#include <string.h>

/* Span of index bytes read at once at most; larger: no page pruning. */
#define SPAN_MAX ((int64_t)64 << 20)

void lh__pq_rows_free(lh__pq_rows_t *rows)
{
    free(rows->r);
    memset(rows, 0, sizeof *rows);
}

static int add_range(lh__pq_rows_t *o, int64_t a, int64_t b)
{
    if (o->n && o->r[2 * o->n - 1] >= a) { /* adjacent or overlapping */
        if (b > o->r[2 * o->n - 1]) o->r[2 * o->n - 1] = b;
        return 0;
    }
    if (o->n == o->cap) {
        uint32_t cap = o->cap ? o->cap * 2 : 8;
        int64_t *p = realloc(o->r, (size_t)cap * 2 * sizeof *p);
        if (!p) return LH_ENOMEM;
        o->r = p, o->cap = cap;
    }
    o->r[2 * o->n] = a;
    o->r[2 * o->n + 1] = b;
    o->n++;
    return 0;
}

/* a := a ∩ b, through t. */
static int intersect(lh__pq_rows_t *a, const lh__pq_rows_t *b, lh__pq_rows_t *t)
{
    t->n = 0;
    for (uint32_t i = 0, j = 0; i < a->n && j < b->n;) {
        int64_t lo = a->r[2 * i] > b->r[2 * j] ? a->r[2 * i] : b->r[2 * j];
        int64_t hi = a->r[2 * i + 1] < b->r[2 * j + 1] ? a->r[2 * i + 1] : b->r[2 * j + 1];
        if (lo < hi && add_range(t, lo, hi)) return LH_ENOMEM;
        if (a->r[2 * i + 1] < b->r[2 * j + 1])
            i++;
        else
            j++;
    }
    lh__pq_rows_t x = *a;
    *a = *t;
    *t = x;
    return 0;
}

typedef struct pred_ix {
    int32_t leaf; /* -1: not usable */
    const lh_pq_column_chunk_t *cc;
} pred_ix_t;

/* The predicate's leaf when its chunk has both indexes. */
static int32_t usable_leaf(const lh_pq_reader_t *r, const lh_pq_row_group_t *rg, const lh_pred_t *p)
{
    const lh_col_path_t *c = &p->column;
    if (!c->depth || c->depth > LH_COL_PATH_MAX || c->idx[0] >= r->ntop) return -1;
    const lh__pq_plan_t *pl = r->top[c->idx[0]];
    for (uint32_t d = 1; d < c->depth; d++) {
        if (pl->kind != LH__PL_STRUCT || c->idx[d] >= pl->nchildren) return -1;
        pl = pl->children[c->idx[d]];
    }
    if (pl->kind != LH__PL_PRIM || r->leaves[pl->leaf].max_rep) return -1;
    const lh_pq_column_chunk_t *cc = &rg->columns[pl->leaf];
    if (!cc->has_column_index_offset || !cc->has_column_index_length ||
        !cc->has_offset_index_offset || !cc->has_offset_index_length)
        return -1;
    return pl->leaf;
}

static int corrupt(lh_err_t *err, uint32_t leaf, const char *what)
{
    return lh_err_set(err, LH_ECORRUPT, "page index of column %u: %s", leaf, what);
}

/* Checks oi against its chunk and row group. */
static int check_oi(const lh_pq_offset_index_t *oi, const lh_pq_column_index_t *ci,
                    const lh_pq_column_meta_t *cm, int64_t rows, uint32_t leaf, lh_err_t *err)
{
    uint32_t n = oi->npage_locations;
    if (ci->nnull_pages != n) return corrupt(err, leaf, "indexes count different pages");
    if (oi->page_locations[n - 1].first_row_index >= rows)
        return corrupt(err, leaf, "a page starts past the row group");
    int64_t start = cm->data_page_offset;
    if (cm->has_dictionary_page_offset && cm->dictionary_page_offset > 0 &&
        cm->dictionary_page_offset < start)
        start = cm->dictionary_page_offset;
    const lh_pq_page_loc_t *a = &oi->page_locations[0], *z = &oi->page_locations[n - 1];
    if (a->offset < start ||
        z->offset > start + cm->total_compressed_size - z->compressed_page_size)
        return corrupt(err, leaf, "pages outside the column chunk");
    return 0;
}

/* The rows whose pages might match predicate p into out. */
static int pred_rows(const lh_pq_reader_t *r, const lh_pred_t *p, uint32_t leaf,
                     const lh_pq_column_index_t *ci, const lh_pq_offset_index_t *oi, int64_t rows,
                     lh__pq_rows_t *out)
{
    int32_t order = leaf < r->meta->ncolumn_orders ? r->meta->column_orders[leaf] : 0;
    out->n = 0;
    for (uint32_t i = 0; i < oi->npage_locations; i++) {
        int64_t a = oi->page_locations[i].first_row_index;
        int64_t b = i + 1 < oi->npage_locations ? oi->page_locations[i + 1].first_row_index : rows;
        lh_stats_t st;
        lh__pq_page_stats(&r->leaves[leaf], ci, i, order, b - a, &st);
        if (lh_pred_might_match(p, &st) && add_range(out, a, b)) return LH_ENOMEM;
    }
    return 0;
}

/* Reads [lo, hi) of the file into r->pi_buf. */
static int read_span(lh_pq_reader_t *r, int64_t lo, int64_t hi, lh_err_t *err)
{
    size_t n = (size_t)(hi - lo);
    if (lh__pq_grow((void **)&r->pi_buf, &r->pi_cap, n, 1))
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    return lh__pq_read_range(r, (uint64_t)lo, n, r->pi_buf, err);
}

/* The bytes spanning the usable predicates' column indexes (oi: offset
 * indexes). */
static int span_of(const pred_ix_t *px, uint32_t n, bool oi, int64_t *lo, int64_t *hi)
{
    *lo = INT64_MAX, *hi = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (px[i].leaf < 0) continue;
        int64_t off = oi ? px[i].cc->offset_index_offset : px[i].cc->column_index_offset;
        int64_t len = oi ? px[i].cc->offset_index_length : px[i].cc->column_index_length;
        if (off < 0 || len <= 0 || off > INT64_MAX - len) return LH_ECORRUPT;
        if (off < *lo) *lo = off;
        if (off + len > *hi) *hi = off + len;
    }
    return 0;
}

static void set_all(lh__pq_rows_t *out, int64_t rows)
{
    out->n = 0;
    add_range(out, 0, rows); /* cap >= 1 was ensured by the caller */
}

static int select_into(lh_pq_reader_t *r, const lh_pq_row_group_t *rg, pred_ix_t *px, lh_arena_t *a,
                       lh__pq_rows_t *out, lh__pq_rows_t *tmp, lh_err_t *err)
{
    uint32_t n = r->req.npreds;
    int64_t clo, chi, olo, ohi;
    if (span_of(px, n, false, &clo, &chi) || span_of(px, n, true, &olo, &ohi))
        return lh_err_set(err, LH_ECORRUPT, "page index with a negative offset or length");
    if (chi - clo > SPAN_MAX || ohi - olo > SPAN_MAX) return 0; /* too spread out: every row */
    lh_pq_column_index_t *ci = lh_arena_calloc(a, n * sizeof *ci);
    lh_pq_offset_index_t *oi = lh_arena_calloc(a, n * sizeof *oi);
    if (!ci || !oi) return lh_err_set(err, LH_ENOMEM, "out of memory");
    int rc = read_span(r, clo, chi, err);
    for (uint32_t i = 0; i < n && !rc; i++)
        if (px[i].leaf >= 0)
            rc = lh_pq_column_index_decode(r->pi_buf + (px[i].cc->column_index_offset - clo),
                                           (size_t)px[i].cc->column_index_length, a, &ci[i], err);
    if (!rc) rc = read_span(r, olo, ohi, err);
    for (uint32_t i = 0; i < n && !rc; i++)
        if (px[i].leaf >= 0)
            rc = lh_pq_offset_index_decode(r->pi_buf + (px[i].cc->offset_index_offset - olo),
                                           (size_t)px[i].cc->offset_index_length, a, &oi[i], err);
    for (uint32_t i = 0; i < n && !rc; i++) {
        if (px[i].leaf < 0) continue;
        uint32_t leaf = (uint32_t)px[i].leaf;
        rc = check_oi(&oi[i], &ci[i], &px[i].cc->meta_data, rg->num_rows, leaf, err);
        if (!rc && pred_rows(r, &r->req.preds[i], leaf, &ci[i], &oi[i], rg->num_rows, tmp + 1))
            rc = lh_err_set(err, LH_ENOMEM, "out of memory");
        if (!rc && intersect(out, tmp + 1, tmp)) rc = lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    return rc;
}

int lh__pq_select_rows(lh_pq_reader_t *r, uint32_t g, lh__pq_rows_t *out, lh_err_t *err)
{
    const lh_pq_row_group_t *rg = &r->meta->row_groups[g];
    uint32_t n = r->req.npreds;
    if (!out->cap && add_range(out, 0, 0)) return lh_err_set(err, LH_ENOMEM, "out of memory");
    set_all(out, rg->num_rows);
    if (!n || !rg->num_rows) return 0;
    pred_ix_t *px = calloc(n, sizeof *px);
    lh_arena_t *a = lh_arena_new(16384);
    lh__pq_rows_t tmp[2] = {{0}, {0}};
    int rc = 0;
    bool any = false;
    if (!px || !a) {
        rc = lh_err_set(err, LH_ENOMEM, "out of memory");
        goto fail;
    }
    for (uint32_t i = 0; i < n; i++) {
        px[i].leaf = usable_leaf(r, rg, &r->req.preds[i]);
        px[i].cc = px[i].leaf >= 0 ? &rg->columns[px[i].leaf] : NULL;
        any = any || px[i].leaf >= 0;
    }
    if (any) rc = select_into(r, rg, px, a, out, tmp, err);
fail:
    if (rc) set_all(out, rg->num_rows);
    lh__pq_rows_free(&tmp[0]);
    lh__pq_rows_free(&tmp[1]);
    lh_arena_free(a);
    free(px);
    return rc;
}
