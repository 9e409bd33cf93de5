/* Writing one column chunk, in three steps so that pages can be made on
 * several threads while the bytes stay those of one thread:
 *   prepare (one per chunk): the chunk's dictionary decision and statistics
 *     (lh__pq_leaf_finish), then its data pages cut at about page_bytes of
 *     values, on row boundaries (repetition level 0);
 *   make (one per page): the dictionary page (the dictionary's PLAIN
 *     entries) or a data page v1 (its repetition and definition levels RLE
 *     with a length prefix, its values RLE_DICTIONARY indices behind a
 *     bit-width byte or PLAIN), compressed (ZSTD through the worker's reused
 *     context, SNAPPY directly, the rest through codec.h), its header
 *     encoded and, for the page index, its statistics;
 *   write (in order, on the writer's thread): headers and pages to the
 *     output, their offsets into the page index, then the ColumnChunk for
 *     the footer. Output goes to the sink in pieces of about 1 MiB. */
#include "parquet/writer_int.h"

#include <snappy-c.h>
#include <stdlib.h>
#include <zstd.h>

#define OUT_FLUSH ((size_t)1 << 20)

static int oom(lh_err_t *err)
{
    return lh_err_set(err, LH_ENOMEM, "parquet writer: out of memory");
}

int lh__pq_out_flush(lh_pq_writer_t *w, lh_err_t *err)
{
    if (!w->out.len) return 0;
    int rc = w->sink(w->sink_ctx, w->out.ptr, w->out.len, err);
    lh_buf_reset(&w->out);
    return rc;
}

int lh__pq_out(lh_pq_writer_t *w, const void *p, size_t n, lh_err_t *err)
{
    w->pos += n;
    if (n >= OUT_FLUSH) {
        int rc = lh__pq_out_flush(w, err);
        return rc ? rc : w->sink(w->sink_ctx, p, n, err);
    }
    if (lh_buf_append(&w->out, p, n)) return oom(err);
    return w->out.len >= OUT_FLUSH ? lh__pq_out_flush(w, err) : 0;
}

/* ---- prepare ---- */

static int add_cut(lh__pq_leaf_t *l, size_t l0, size_t l1, size_t v0, size_t v1, size_t b0,
                   size_t b1)
{
    if (l->ncuts == l->cutcap) {
        size_t cap = l->cutcap ? l->cutcap * 2 : 8;
        size_t(*p)[6] = realloc(l->cuts, cap * sizeof *p);
        if (!p) return LH_ENOMEM;
        l->cuts = p, l->cutcap = cap;
    }
    size_t *c = l->cuts[l->ncuts++];
    c[0] = l0, c[1] = l1, c[2] = v0, c[3] = v1, c[4] = b0, c[5] = b1;
    return 0;
}

/* Cuts the chunk into pages of about page_bytes (values plus a quarter byte
 * per level), at row starts. */
static int cut_pages(const lh_pq_writer_t *w, lh__pq_leaf_t *l)
{
    size_t target = w->o.page_bytes, l0 = 0, v0 = 0, b0 = 0, v = 0, b = 0, est = 0;
    int bits = l->dict_mode ? lh_pq_bit_width(l->dict.count ? l->dict.count - 1 : 0) : 0;
    const uint8_t *plain = (const uint8_t *)l->plain.ptr;
    l->ncuts = 0;
    for (size_t i = 0; i < l->nlevels; i++) {
        if (est >= target && i > l0 && (!l->max_rep || l->reps[i] == 0)) {
            if (add_cut(l, l0, i, v0, v, b0, b)) return LH_ENOMEM;
            l0 = i, v0 = v, b0 = b, est = 0;
        }
        est += (i & 3) == 0;
        if (l->defs[i] != l->max_def) continue;
        size_t sz;
        if (l->dict_mode)
            sz = (size_t)(bits + 7) / 8;
        else if (l->width)
            sz = l->width;
        else
            sz = 4 + ((size_t)plain[b] | (size_t)plain[b + 1] << 8 | (size_t)plain[b + 2] << 16 |
                      (size_t)plain[b + 3] << 24);
        v++, b += sz, est += sz;
    }
    return add_cut(l, l0, l->nlevels, v0, v, b0, b);
}

int lh__pq_chunk_prepare(lh_pq_writer_t *w, lh__pq_leaf_t *l, lh_err_t *err)
{
    int rc = lh__pq_leaf_finish(w, l, err);
    if (!rc && cut_pages(w, l)) rc = oom(err);
    return rc;
}

/* ---- make ---- */

static int compress(const lh_pq_writer_t *w, lh__pq_worker_t *k, lh__pq_ptask_t *t, const void *src,
                    size_t n)
{
    lh_err_t *err = &t->err;
    if (n > INT32_MAX) return lh_err_set(err, LH_ETOOBIG, "parquet writer: page over 2 GiB");
    lh_buf_reset(&t->comp);
    t->raw = n;
    if (w->o.codec == LH_PQ_CODEC_UNCOMPRESSED) {
        t->data = src, t->len = n;
        return 0;
    }
    if (w->o.codec == LH_PQ_CODEC_ZSTD || w->o.codec == LH_PQ_CODEC_SNAPPY) {
        bool z = w->o.codec == LH_PQ_CODEC_ZSTD;
        size_t cap = z ? ZSTD_compressBound(n) : snappy_max_compressed_length(n);
        uint8_t *p = lh_pq_buf_reserve(&t->comp, cap);
        if (!p) return oom(err);
        if (z) {
            if (!k->zctx && !(k->zctx = ZSTD_createCCtx())) return oom(err);
            t->len = ZSTD_compressCCtx(k->zctx, p, cap, src, n,
                                       w->o.level ? w->o.level : LH_PQ_ZSTD_LEVEL);
            if (ZSTD_isError(t->len))
                return lh_err_set(err, LH_EINVAL, "parquet ZSTD: %s", ZSTD_getErrorName(t->len));
        } else {
            t->len = cap;
            if (snappy_compress(src, n, (char *)p, &t->len) != SNAPPY_OK)
                return lh_err_set(err, LH_ENOMEM, "parquet SNAPPY: compression failed");
        }
        t->data = p;
        return 0;
    }
    int rc = lh_pq_compress(w->o.codec, w->o.level, src, n, &t->comp, err);
    t->data = t->comp.ptr, t->len = t->comp.len;
    return rc;
}

/* Compresses body and encodes the header h (sizes filled in here). */
static int page_finish(const lh_pq_writer_t *w, lh__pq_worker_t *k, lh__pq_ptask_t *t,
                       lh_pq_page_header_t *h, const void *body, size_t n)
{
    int rc = compress(w, k, t, body, n);
    if (rc) return rc;
    h->uncompressed_page_size = (int32_t)n;
    h->compressed_page_size = (int32_t)t->len;
    lh_buf_reset(&t->hdr);
    return lh_pq_page_header_encode(h, &t->hdr) ? oom(&t->err) : 0;
}

static int dict_page(const lh_pq_writer_t *w, lh__pq_worker_t *k, const lh__pq_leaf_t *l,
                     lh__pq_ptask_t *t)
{
    lh_pq_page_header_t h;
    memset(&h, 0, sizeof h);
    h.type = LH_PQ_PAGE_DICTIONARY;
    h.has_dictionary_page_header = true;
    h.dictionary_page_header.num_values = (int32_t)l->dict.count;
    h.dictionary_page_header.encoding = LH_PQ_ENC_PLAIN;
    return page_finish(w, k, t, &h, l->dict.plain.ptr, l->dict.plain.len);
}

/* The data page of t's cut: levels [l0, l1) holding values [v0, v1) at PLAIN bytes [b0, b1). */
static int data_page(const lh_pq_writer_t *w, lh__pq_worker_t *k, const lh__pq_leaf_t *l,
                     lh__pq_ptask_t *t)
{
    size_t l0 = t->cut[0], l1 = t->cut[1], v0 = t->cut[2], v1 = t->cut[3];
    lh_buf_t *pg = &t->body;
    lh_buf_reset(pg);
    if (l->max_rep) lh_pq_levels_encode(l->reps + l0, l1 - l0, lh_pq_bit_width(l->max_rep), pg);
    lh_pq_levels_encode(l->defs + l0, l1 - l0, lh_pq_bit_width(l->max_def), pg);
    if (l->dict_mode) {
        int bw = lh_pq_bit_width(l->dict.count - 1);
        bw = bw ? bw : 1;
        uint8_t b = (uint8_t)bw;
        lh_buf_append(pg, &b, 1);
        lh_pq_rle_encode(l->idx + v0, v1 - v0, bw, pg);
    } else if (l->phys == LH_PQ_BOOLEAN) {
        lh_pq_plain_bool((const uint8_t *)l->plain.ptr + v0, v1 - v0, pg);
    } else {
        lh_buf_append(pg, l->plain.ptr + t->cut[4], t->cut[5] - t->cut[4]);
    }
    if (lh_buf_err(pg))
        return lh_err_set(&t->err, lh_buf_err(pg), "parquet writer: page too large");
    lh_pq_page_header_t h;
    memset(&h, 0, sizeof h);
    h.type = LH_PQ_PAGE_DATA;
    h.has_data_page_header = true;
    h.data_page_header.num_values = (int32_t)(l1 - l0);
    h.data_page_header.encoding = l->dict_mode ? LH_PQ_ENC_RLE_DICTIONARY : LH_PQ_ENC_PLAIN;
    h.data_page_header.def_encoding = LH_PQ_ENC_RLE;
    h.data_page_header.rep_encoding = LH_PQ_ENC_RLE;
    int rc = page_finish(w, k, t, &h, pg->ptr, pg->len);
    if (rc || !w->o.page_index) return rc;
    if (lh__pq_pi_page_stats(l, t, &k->scratch)) return oom(&t->err);
    return 0;
}

int lh__pq_page_make(const lh_pq_writer_t *w, lh__pq_worker_t *k, lh__pq_ptask_t *t)
{
    const lh__pq_leaf_t *l = &w->fl[t->leaf];
    t->err.code = 0;
    t->rc = t->dict ? dict_page(w, k, l, t) : data_page(w, k, l, t);
    return t->rc;
}

void lh__pq_ptask_init(lh__pq_ptask_t *t)
{
    memset(t, 0, sizeof *t);
    lh_buf_init(&t->body, (size_t)INT32_MAX);
    lh_buf_init(&t->comp, (size_t)1 << 40);
    lh_buf_init(&t->hdr, 0);
    lh_buf_init(&t->stat.smin, 0), lh_buf_init(&t->stat.smax, 0);
}

void lh__pq_ptask_release(lh__pq_ptask_t *t)
{
    lh_buf_free(&t->body);
    lh_buf_free(&t->comp);
    lh_buf_free(&t->hdr);
    lh__pq_stat_release(&t->stat);
}

/* ---- write ---- */

typedef struct chunk_acc {
    int64_t uncompressed, compressed;
    int64_t rows; /* rows in the pages so far */
} chunk_acc_t;

/* Writes page t's header and body; a data page goes into the page index. */
static int page_out(lh_pq_writer_t *w, lh__pq_leaf_t *l, const lh__pq_ptask_t *t, chunk_acc_t *acc,
                    lh_err_t *err)
{
    int64_t at = (int64_t)w->pos, size = (int64_t)(t->hdr.len + t->len);
    acc->uncompressed += (int64_t)(t->hdr.len + t->raw);
    acc->compressed += size;
    int rc = lh__pq_out(w, t->hdr.ptr, t->hdr.len, err);
    if (!rc) rc = lh__pq_out(w, t->data, t->len, err);
    if (rc || t->dict || !w->o.page_index) return rc;
    int64_t first_row = acc->rows;
    acc->rows += t->rows;
    return lh__pq_pi_page(w, l, t, first_row, at, (int32_t)size, err);
}

/* The page from pages(), or its error. */
static int page_get(lh_pq_writer_t *w, lh__pq_leaf_t *l, bool dict, size_t cut,
                    lh__pq_page_src pages, void *ctx, chunk_acc_t *acc, lh_err_t *err)
{
    lh__pq_ptask_t *t = pages(ctx, (uint32_t)(l - w->fl), dict, cut);
    if (t->rc) {
        *err = t->err;
        return t->rc;
    }
    return page_out(w, l, t, acc, err);
}

int lh__pq_chunk_write(lh_pq_writer_t *w, lh__pq_leaf_t *l, lh_pq_column_chunk_t *cc,
                       lh__pq_page_src pages, void *ctx, lh_err_t *err)
{
    memset(cc, 0, sizeof *cc);
    lh_pq_column_meta_t *m = &cc->meta_data;
    chunk_acc_t acc = {0, 0, 0};
    int64_t start = (int64_t)w->pos;
    int rc = 0;
    if (l->dict_mode) {
        m->has_dictionary_page_offset = true;
        m->dictionary_page_offset = start;
        rc = page_get(w, l, true, 0, pages, ctx, &acc, err);
    }
    m->data_page_offset = (int64_t)w->pos;
    for (size_t i = 0; !rc && i < l->ncuts; i++)
        rc = page_get(w, l, false, i, pages, ctx, &acc, err);
    if (rc) return rc;
    cc->file_offset = start;
    cc->has_meta_data = true;
    m->type = l->phys;
    m->encodings = lh_arena_alloc(w->arena, 3 * sizeof *m->encodings);
    if (!m->encodings) return oom(err);
    m->encodings[m->nencodings++] = LH_PQ_ENC_PLAIN;
    m->encodings[m->nencodings++] = LH_PQ_ENC_RLE;
    if (l->dict_mode) m->encodings[m->nencodings++] = LH_PQ_ENC_RLE_DICTIONARY;
    m->path = l->path;
    m->npath = l->depth;
    m->codec = w->o.codec;
    m->num_values = (int64_t)l->nlevels;
    m->total_uncompressed_size = acc.uncompressed;
    m->total_compressed_size = acc.compressed;
    m->has_statistics = true;
    if (lh__pq_stat_to_thrift(l, &l->chunk, w->arena, &m->statistics)) return oom(err);
    return lh__pq_pi_chunk(w, l, cc, err);
}
