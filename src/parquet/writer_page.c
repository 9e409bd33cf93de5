/* Writing one column chunk: the dictionary page (the dictionary's PLAIN
 * entries) and data pages v1 cut at about page_bytes of values, on row
 * boundaries (repetition level 0), each holding its repetition and
 * definition levels (RLE with a length prefix) and its values (RLE_DICTIONARY
 * indices behind a bit-width byte, or PLAIN), compressed page by page
 * (ZSTD through one reused context, SNAPPY directly, the rest through
 * codec.h). Then the ColumnChunk for the footer. Output goes to the sink in
 * pieces of about 1 MiB. */
#include "parquet/writer_int.h"

#include <snappy-c.h>
#include <zstd.h>

#define OUT_FLUSH ((size_t)1 << 20)

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
    if (lh_buf_append(&w->out, p, n))
        return lh_err_set(err, LH_ENOMEM, "parquet writer: out of memory");
    return w->out.len >= OUT_FLUSH ? lh__pq_out_flush(w, err) : 0;
}

static int compress(lh_pq_writer_t *w, const void *src, size_t n, const void **res, size_t *len,
                    lh_err_t *err)
{
    if (n > INT32_MAX) return lh_err_set(err, LH_ETOOBIG, "parquet writer: page over 2 GiB");
    lh_buf_reset(&w->comp);
    if (w->o.codec == LH_PQ_CODEC_UNCOMPRESSED) {
        *res = src, *len = n;
        return 0;
    }
    if (w->o.codec == LH_PQ_CODEC_ZSTD || w->o.codec == LH_PQ_CODEC_SNAPPY) {
        bool z = w->o.codec == LH_PQ_CODEC_ZSTD;
        size_t cap = z ? ZSTD_compressBound(n) : snappy_max_compressed_length(n);
        uint8_t *p = lh_pq_buf_reserve(&w->comp, cap);
        if (!p) return lh_err_set(err, LH_ENOMEM, "parquet writer: out of memory");
        if (z) {
            if (!w->zctx && !(w->zctx = ZSTD_createCCtx()))
                return lh_err_set(err, LH_ENOMEM, "parquet writer: out of memory");
            *len = ZSTD_compressCCtx(w->zctx, p, cap, src, n, w->o.level ? w->o.level : 3);
            if (ZSTD_isError(*len))
                return lh_err_set(err, LH_EINVAL, "parquet ZSTD: %s", ZSTD_getErrorName(*len));
        } else {
            *len = cap;
            if (snappy_compress(src, n, (char *)p, len) != SNAPPY_OK)
                return lh_err_set(err, LH_ENOMEM, "parquet SNAPPY: compression failed");
        }
        *res = p;
        return 0;
    }
    int rc = lh_pq_compress(w->o.codec, w->o.level, src, n, &w->comp, err);
    *res = w->comp.ptr, *len = w->comp.len;
    return rc;
}

typedef struct chunk_acc {
    int64_t uncompressed, compressed;
    int64_t page_at, rows; /* the last page's offset; rows in the pages so far */
} chunk_acc_t;

/* Compresses body and writes the header h (sizes filled in here) and it. */
static int page_out(lh_pq_writer_t *w, lh_pq_page_header_t *h, const void *body, size_t n,
                    chunk_acc_t *acc, lh_err_t *err)
{
    acc->page_at = (int64_t)w->pos;
    const void *c = NULL;
    size_t clen = 0;
    int rc = compress(w, body, n, &c, &clen, err);
    if (rc) return rc;
    h->uncompressed_page_size = (int32_t)n;
    h->compressed_page_size = (int32_t)clen;
    lh_buf_reset(&w->hdr);
    if (lh_pq_page_header_encode(h, &w->hdr))
        return lh_err_set(err, LH_ENOMEM, "parquet writer: out of memory");
    acc->uncompressed += (int64_t)(w->hdr.len + n);
    acc->compressed += (int64_t)(w->hdr.len + clen);
    rc = lh__pq_out(w, w->hdr.ptr, w->hdr.len, err);
    return rc ? rc : lh__pq_out(w, c, clen, err);
}

static int dict_page(lh_pq_writer_t *w, lh__pq_leaf_t *l, chunk_acc_t *acc, lh_err_t *err)
{
    lh_pq_page_header_t h;
    memset(&h, 0, sizeof h);
    h.type = LH_PQ_PAGE_DICTIONARY;
    h.has_dictionary_page_header = true;
    h.dictionary_page_header.num_values = (int32_t)l->dict.count;
    h.dictionary_page_header.encoding = LH_PQ_ENC_PLAIN;
    return page_out(w, &h, l->dict.plain.ptr, l->dict.plain.len, acc, err);
}

/* A data page for levels [l0, l1) holding values [v0, v1) at PLAIN bytes [b0, b1). */
static int data_page(lh_pq_writer_t *w, lh__pq_leaf_t *l, size_t l0, size_t l1, size_t v0,
                     size_t v1, size_t b0, size_t b1, chunk_acc_t *acc, lh_err_t *err)
{
    lh_buf_t *pg = &w->page;
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
        lh_buf_append(pg, l->plain.ptr + b0, b1 - b0);
    }
    if (lh_buf_err(pg)) return lh_err_set(err, lh_buf_err(pg), "parquet writer: page too large");
    lh_pq_page_header_t h;
    memset(&h, 0, sizeof h);
    h.type = LH_PQ_PAGE_DATA;
    h.has_data_page_header = true;
    h.data_page_header.num_values = (int32_t)(l1 - l0);
    h.data_page_header.encoding = l->dict_mode ? LH_PQ_ENC_RLE_DICTIONARY : LH_PQ_ENC_PLAIN;
    h.data_page_header.def_encoding = LH_PQ_ENC_RLE;
    h.data_page_header.rep_encoding = LH_PQ_ENC_RLE;
    int64_t before = acc->compressed, first_row = acc->rows;
    int rc = page_out(w, &h, pg->ptr, pg->len, acc, err);
    if (rc || !w->o.page_index) return rc;
    if (!l->max_rep) {
        acc->rows += (int64_t)(l1 - l0);
    } else {
        for (size_t i = l0; i < l1; i++)
            acc->rows += l->reps[i] == 0;
    }
    const size_t range[6] = {l0, l1, v0, v1, b0, b1};
    return lh__pq_pi_page(w, l, range, first_row, acc->page_at, (int32_t)(acc->compressed - before),
                          err);
}

/* Cuts the chunk into pages of about page_bytes (values plus a quarter byte
 * per level), at row starts. */
static int data_pages(lh_pq_writer_t *w, lh__pq_leaf_t *l, chunk_acc_t *acc, lh_err_t *err)
{
    size_t target = w->o.page_bytes, l0 = 0, v0 = 0, b0 = 0, v = 0, b = 0, est = 0;
    int bits = l->dict_mode ? lh_pq_bit_width(l->dict.count ? l->dict.count - 1 : 0) : 0;
    const uint8_t *plain = (const uint8_t *)l->plain.ptr;
    for (size_t i = 0; i < l->nlevels; i++) {
        if (est >= target && i > l0 && (!l->max_rep || l->reps[i] == 0)) {
            int rc = data_page(w, l, l0, i, v0, v, b0, b, acc, err);
            if (rc) return rc;
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
    return data_page(w, l, l0, l->nlevels, v0, v, b0, b, acc, err);
}

int lh__pq_chunk_write(lh_pq_writer_t *w, lh__pq_leaf_t *l, lh_pq_column_chunk_t *cc, lh_err_t *err)
{
    memset(cc, 0, sizeof *cc);
    lh_pq_column_meta_t *m = &cc->meta_data;
    chunk_acc_t acc = {0, 0, 0, 0};
    int64_t start = (int64_t)w->pos;
    int rc = 0;
    if (l->dict_mode) {
        m->has_dictionary_page_offset = true;
        m->dictionary_page_offset = start;
        rc = dict_page(w, l, &acc, err);
    }
    m->data_page_offset = (int64_t)w->pos;
    if (!rc) rc = data_pages(w, l, &acc, err);
    if (rc) return rc;
    cc->file_offset = start;
    cc->has_meta_data = true;
    m->type = l->phys;
    m->encodings = lh_arena_alloc(w->arena, 3 * sizeof *m->encodings);
    if (!m->encodings) return lh_err_set(err, LH_ENOMEM, "parquet writer: out of memory");
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
    if (lh__pq_stat_to_thrift(l, &l->chunk, w->arena, &m->statistics))
        return lh_err_set(err, LH_ENOMEM, "parquet writer: out of memory");
    return lh__pq_pi_chunk(w, l, cc, err);
}
