/* A column chunk, page by page. Loading a chunk for a row group walks its
 * page headers once, checks every size against the chunk's bytes, and
 * decompresses every page into one buffer that is reused from row group to
 * row group (uncompressed pages are not copied at all): string views point
 * into it, so it stays put while the row group's batches are out. The
 * dictionary page is decoded into a vector of the leaf's logical type.
 * Opening a data page decodes its levels whole and sets up the decoder of
 * its values; chunk_read.c hands the values out a batch at a time. */
#include "parquet/codec.h"
#include "parquet/reader_int.h"

#include <stdlib.h>
#include <string.h>

/* A page may declare at most this many entries (levels can encode many
 * empty lists in few bytes, but not without bound). */
#define PAGE_ENTRIES_MAX (UINT32_C(1) << 28)

int lh__pq_grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 256;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q) return LH_ENOMEM;
    *p = q;
    *cap = n;
    return 0;
}

void lh__pq_chunk_free(lh__pq_chunk_t *ch)
{
    if (!ch) return;
    free(ch->raw);
    free(ch->unz);
    free(ch->pages);
    free(ch->pdef);
    free(ch->prep);
    free(ch->pbits);
    free(ch->scratch);
    free(ch->bdef);
    free(ch->brep);
    lh_vector_release(&ch->dict);
    lh_vector_release(&ch->vals);
    lh_arena_free(ch->arena);
    free(ch);
}

/* Bytes the page needs in the decompression buffer. */
static size_t unz_need(int codec, const lh_pq_page_header_t *h)
{
    if (codec == LH_PQ_CODEC_UNCOMPRESSED) return 0;
    if (h->type == LH_PQ_PAGE_DATA_V2) {
        const lh_pq_data_page_header_v2_t *v = &h->data_page_header_v2;
        if (!v->is_compressed) return 0;
        return (size_t)h->uncompressed_page_size - (size_t)v->def_levels_byte_length -
               (size_t)v->rep_levels_byte_length;
    }
    return (size_t)h->uncompressed_page_size;
}

/* Pass 1: page headers into ch->pages (body still compressed: vals points
 * at the raw bytes), total decompressed size into *need. */
static int scan_headers(lh__pq_chunk_t *ch, int codec, size_t *need, lh_err_t *err)
{
    size_t off = 0, total = 0;
    ch->npages = 0;
    while (off < ch->raw_len) {
        lh_pq_page_header_t h;
        size_t used;
        int rc = lh_pq_page_header_decode(ch->raw + off, ch->raw_len - off, &h, &used, err);
        if (rc) return rc;
        off += used;
        if ((size_t)h.compressed_page_size > ch->raw_len - off)
            return lh_err_set(err, LH_ECORRUPT, "page of %d bytes past the column chunk",
                              h.compressed_page_size);
        if (h.type == LH_PQ_PAGE_DATA || h.type == LH_PQ_PAGE_DATA_V2 ||
            h.type == LH_PQ_PAGE_DICTIONARY) {
            size_t cap = ch->pages_cap;
            if (lh__pq_grow((void **)&ch->pages, &cap, ch->npages + 1, sizeof *ch->pages))
                return lh_err_set(err, LH_ENOMEM, "out of memory");
            ch->pages_cap = (uint32_t)cap;
            lh__pq_page_t *pg = &ch->pages[ch->npages++];
            memset(pg, 0, sizeof *pg);
            pg->type = h.type;
            pg->skip = false;
            pg->vals = ch->raw + off;
            pg->vals_len = (size_t)h.compressed_page_size;
            pg->def_len = (size_t)h.uncompressed_page_size; /* pass 2 sorts the sizes out */
            if (h.type == LH_PQ_PAGE_DATA) {
                pg->num_values = (uint32_t)h.data_page_header.num_values;
                pg->encoding = h.data_page_header.encoding;
                pg->def_enc = h.data_page_header.def_encoding;
                pg->rep_enc = h.data_page_header.rep_encoding;
            } else if (h.type == LH_PQ_PAGE_DICTIONARY) {
                pg->num_values = (uint32_t)h.dictionary_page_header.num_values;
                pg->encoding = h.dictionary_page_header.encoding;
            } else {
                const lh_pq_data_page_header_v2_t *v = &h.data_page_header_v2;
                pg->v2 = true;
                pg->num_values = (uint32_t)v->num_values;
                pg->encoding = v->encoding;
                pg->rep_len = (size_t)v->rep_levels_byte_length;
                pg->def_enc = v->def_levels_byte_length; /* lengths, kept for pass 2 */
                pg->rep_enc = v->is_compressed;
            }
            if (pg->num_values > PAGE_ENTRIES_MAX)
                return lh_err_set(err, LH_ETOOBIG, "page of %u values", pg->num_values);
            total += unz_need(codec, &h);
            if (total > LH_PQ_CHUNK_MAX)
                return lh_err_set(err, LH_ETOOBIG, "column chunk over %zu bytes decompressed",
                                  LH_PQ_CHUNK_MAX);
        }
        off += (size_t)h.compressed_page_size;
    }
    *need = total;
    return 0;
}

/* Pass 2: decompress each page body and split v2 levels from values. */
static int inflate_pages(lh__pq_chunk_t *ch, int codec, lh_err_t *err)
{
    size_t pos = 0;
    for (uint32_t i = 0; i < ch->npages; i++) {
        lh__pq_page_t *pg = &ch->pages[i];
        if (pg->skip) continue;
        const uint8_t *body = pg->vals;
        size_t clen = pg->vals_len, ulen = pg->def_len;
        pg->def_len = 0;
        bool compressed = codec != LH_PQ_CODEC_UNCOMPRESSED;
        if (pg->v2) {
            size_t dl = (size_t)pg->def_enc, rl = pg->rep_len;
            compressed = compressed && pg->rep_enc;
            pg->def_enc = pg->rep_enc = LH_PQ_ENC_RLE;
            if (rl + dl > clen || rl + dl > ulen)
                return lh_err_set(err, LH_ECORRUPT, "v2 page levels longer than the page");
            pg->rep = body;
            pg->def = body + rl;
            pg->def_len = dl;
            body += rl + dl;
            clen -= rl + dl;
            ulen -= rl + dl;
        }
        if (!compressed) {
            if (clen != ulen && !pg->v2 && codec == LH_PQ_CODEC_UNCOMPRESSED)
                return lh_err_set(err, LH_ECORRUPT, "uncompressed page sizes differ");
            pg->vals = body;
            pg->vals_len = clen;
            continue;
        }
        int rc = lh_pq_decompress(codec, body, clen, ch->unz + pos, ulen, err);
        if (rc) return rc;
        pg->vals = ch->unz + pos;
        pg->vals_len = ulen;
        pos += ulen;
    }
    return 0;
}

/* The dictionary page into ch->dict. */
static int load_dict(lh__pq_chunk_t *ch, const lh__pq_page_t *pg, lh_err_t *err)
{
    const lh__pq_leaf_t *l = ch->leaf;
    if (pg->encoding != LH_PQ_ENC_PLAIN && pg->encoding != LH_PQ_ENC_PLAIN_DICTIONARY)
        return lh_err_set(err, LH_EINVAL, "dictionary page encoding %d not supported",
                          pg->encoding);
    uint32_t n = pg->num_values;
    size_t minsz = l->phys == LH_PQ_BYTE_ARRAY             ? 4
                   : l->phys == LH_PQ_FIXED_LEN_BYTE_ARRAY ? (size_t)l->flba_len
                   : l->phys == LH_PQ_BOOLEAN              ? 0
                                                           : lh_pq_phys_size(l->phys);
    if ((minsz && (uint64_t)n * minsz > pg->vals_len) || (!minsz && n > pg->vals_len * 8 + 8))
        return lh_err_set(err, LH_ECORRUPT, "dictionary of %u values in %zu bytes", n,
                          pg->vals_len);
    if (!ch->dict.capacity && !ch->dict.type.id) {
        if (lh_vector_init(&ch->dict, &l->type, n ? n : 1, ch->arena))
            return lh_err_set(err, LH_ENOMEM, "out of memory");
    } else {
        lh_vector_reset(&ch->dict);
        if (lh_vector_reserve(&ch->dict, n)) return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    lh_pq_plain_t d;
    lh_pq_plain_init(&d, pg->vals, pg->vals_len, l->phys, l->flba_len);
    void *phys = ch->dict.data;
    if (l->conv != LH__CV_COPY) {
        size_t need = (size_t)n * lh_pq_phys_size(l->phys);
        if (lh__pq_grow((void **)&ch->scratch, &ch->scratch_cap, need, 1))
            return lh_err_set(err, LH_ENOMEM, "out of memory");
        phys = ch->scratch;
    }
    int rc = lh_pq_plain_get(&d, phys, n, err);
    if (!rc && phys != ch->dict.data) rc = lh__pq_convert(l, phys, ch->dict.data, n, err);
    if (rc) return rc;
    ch->dict_size = n;
    ch->dict.stamp = lh_vector_new_stamp(); /* new rows: what a consumer keyed by the old goes */
    ch->has_dict = true;
    return 0;
}

/* Marks the data pages of a leaf without repetition (a page's values are
 * its rows) that hold no row of sel. */
static void mark_skipped(lh__pq_chunk_t *ch, const lh__pq_rows_t *sel)
{
    int64_t row = 0;
    uint32_t k = 0;
    for (uint32_t i = 0; i < ch->npages; i++) {
        lh__pq_page_t *pg = &ch->pages[i];
        if (pg->type == LH_PQ_PAGE_DICTIONARY) continue;
        int64_t end = row + pg->num_values;
        while (k < sel->n && sel->r[2 * k + 1] <= row)
            k++;
        pg->skip = pg->num_values && (k == sel->n || sel->r[2 * k] >= end);
        ch->skipped += pg->skip;
        row = end;
    }
}

int lh__pq_chunk_load(lh__pq_chunk_t *ch, const lh_pq_column_meta_t *cm, const lh__pq_rows_t *sel,
                      lh_err_t *err)
{
    ch->skipped = 0;
    if (!ch->arena && !(ch->arena = lh_arena_new(64 << 10)))
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    lh_arena_reset(ch->arena);
    ch->cur = ch->npages = ch->left = ch->ppos = 0;
    ch->has_dict = false;
    ch->all_dict = true;
    ch->dict_size = 0;
    ch->dict.stamp = 0; /* its strings were in the arena just reset */
    if (!lh_pq_codec_supported(cm->codec))
        return lh_err_set(err, LH_EINVAL, "compression codec %s (%d) not supported",
                          lh_pq_codec_name(cm->codec), cm->codec);
    size_t need;
    int rc = scan_headers(ch, cm->codec, &need, err);
    if (rc) return rc;
    if (sel && !ch->leaf->max_rep) mark_skipped(ch, sel);
    if (lh__pq_grow((void **)&ch->unz, &ch->unz_cap, need, 1))
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    if ((rc = inflate_pages(ch, cm->codec, err))) return rc;
    uint32_t first = 0;
    if (ch->npages && ch->pages[0].type == LH_PQ_PAGE_DICTIONARY) {
        if ((rc = load_dict(ch, &ch->pages[0], err))) return rc;
        first = 1;
    }
    for (uint32_t i = first; i < ch->npages; i++) {
        const lh__pq_page_t *pg = &ch->pages[i];
        if (pg->type == LH_PQ_PAGE_DICTIONARY)
            return lh_err_set(err, LH_ECORRUPT, "dictionary page after data pages");
        bool dict =
            pg->encoding == LH_PQ_ENC_PLAIN_DICTIONARY || pg->encoding == LH_PQ_ENC_RLE_DICTIONARY;
        if (dict && !ch->has_dict)
            return lh_err_set(err, LH_ECORRUPT, "dictionary-encoded page without a dictionary");
        ch->all_dict = ch->all_dict && dict;
    }
    ch->cur = first;
    return 0;
}
