/* Values of a loaded column chunk, a batch at a time. A data page is opened
 * by decoding its repetition and definition levels whole (RLE runs fill
 * them in one loop) and setting up its value decoder; a batch then takes
 * levels and values from as many pages as it needs.
 *
 * Flat columns (no repetition) decode straight into the batch's vector:
 * the non-NULL values are decoded densely at the front of the batch's slice
 * and spread backwards to their rows when some are NULL. Dictionary-encoded
 * chunks hand out their int32 codes under the dictionary vector, undecoded. */
#include "parquet/reader_int.h"

#include <stdlib.h>
#include <string.h>

enum { V_EMPTY = 0, V_PLAIN, V_DICT, V_RLE_BOOL, V_BSS, V_DELTA, V_DLBA, V_DBA };

/* Where levels of one kind lie: v1 behind a 4-byte length prefix (then
 * *p and *len move past them), v2 in their own section. */
static int level_bytes(const uint8_t **p, size_t *len, bool v2, size_t v2len, int enc,
                       const uint8_t **data, size_t *dlen, lh_err_t *err)
{
    *data = *p;
    if (v2) {
        *dlen = v2len;
        return 0;
    }
    if (enc != LH_PQ_ENC_RLE)
        return lh_err_set(err, LH_EINVAL, "level encoding %d not supported", enc);
    if (*len < 4) return lh_err_set(err, LH_ECORRUPT, "page ends inside its levels");
    uint32_t l32;
    memcpy(&l32, *data, 4);
    *data += 4;
    if (l32 > *len - 4) return lh_err_set(err, LH_ECORRUPT, "levels longer than the page");
    *dlen = l32;
    *p = *data + l32;
    *len -= 4 + (size_t)l32;
    return 0;
}

/* Levels of one kind into out (all_max: set when all are the maximum). */
static int open_levels(const uint8_t **p, size_t *len, bool v2, size_t v2len, int enc, int max,
                       uint16_t *out, uint32_t n, bool *all_max, lh_err_t *err)
{
    const uint8_t *data;
    size_t dlen;
    int rc = level_bytes(p, len, v2, v2len, enc, &data, &dlen, err);
    if (rc) return rc;
    uint32_t run;
    if (all_max && lh_pq_rle_run_covers(data, dlen, lh_pq_bit_width((uint32_t)max), n, &run) &&
        run == (uint32_t)max) {
        *all_max = true; /* one run of the maximum: nothing to decode */
        return 0;
    }
    lh_pq_rle_t d;
    rc = lh_pq_rle_init(&d, data, dlen, lh_pq_bit_width((uint32_t)max), err);
    if (!rc) rc = lh_pq_rle_get16(&d, out, n, err);
    if (rc) return rc;
    uint16_t bad = 0, below = 0;
    for (uint32_t i = 0; i < n; i++) {
        bad |= (uint16_t)(out[i] > max);
        below |= (uint16_t)(out[i] != max);
    }
    if (bad) return lh_err_set(err, LH_ECORRUPT, "level above its maximum %d", max);
    if (all_max) *all_max = !below;
    return 0;
}

/* Definition levels of maximum 1 into ch->pbits (flat_bits chunks). */
static int open_def_bits(lh__pq_chunk_t *ch, const lh__pq_page_t *pg, const uint8_t **p,
                         size_t *len, uint32_t n, lh_err_t *err)
{
    const uint8_t *data;
    size_t dlen;
    const uint8_t *q = pg->def;
    int rc = level_bytes(pg->v2 ? &q : p, len, pg->v2, pg->def_len, pg->def_enc, &data, &dlen, err);
    if (rc) return rc;
    uint32_t run;
    if (lh_pq_rle_run_covers(data, dlen, 1, n, &run) && run == 1) return 0; /* all valid */
    size_t words = ((size_t)n + 63) / 64;
    if (lh__pq_grow((void **)&ch->pbits, &ch->pbits_cap, words + 1, 8))
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    lh_pq_rle_t d;
    rc = lh_pq_rle_init(&d, data, dlen, 1, err);
    if (!rc) rc = lh_pq_rle_get_bits(&d, ch->pbits, n, err);
    if (rc) return rc;
    ch->pbits[words] = 0;
    if (n % 64) ch->pbits[words - 1] &= (UINT64_C(1) << (n % 64)) - 1;
    ch->page_all_valid = lh__pq_bits_count(ch->pbits, 0, n) == n;
    return 0;
}

static int open_values(lh__pq_chunk_t *ch, const lh__pq_page_t *pg, const uint8_t *p, size_t len,
                       lh_err_t *err)
{
    const lh__pq_leaf_t *l = ch->leaf;
    int phys = l->phys;
    if (!len) {
        ch->venc = V_EMPTY;
        return 0;
    }
    switch (pg->encoding) {
    case LH_PQ_ENC_PLAIN:
        ch->venc = V_PLAIN;
        lh_pq_plain_init(&ch->u.plain, p, len, phys, l->flba_len);
        return 0;
    case LH_PQ_ENC_PLAIN_DICTIONARY:
    case LH_PQ_ENC_RLE_DICTIONARY:
        ch->venc = V_DICT;
        return lh_pq_rle_init(&ch->u.rle, p + 1, len - 1, p[0], err);
    case LH_PQ_ENC_RLE:
        if (phys != LH_PQ_BOOLEAN) break;
        if (len < 4) return lh_err_set(err, LH_ECORRUPT, "rle booleans without a length");
        uint32_t l32;
        memcpy(&l32, p, 4);
        if (l32 > len - 4) return lh_err_set(err, LH_ECORRUPT, "rle booleans past the page");
        ch->venc = V_RLE_BOOL;
        return lh_pq_rle_init(&ch->u.rle, p + 4, l32, 1, err);
    case LH_PQ_ENC_BYTE_STREAM_SPLIT:
        ch->venc = V_BSS;
        return lh_pq_bss_init(&ch->u.bss, p, len, phys, l->flba_len, err);
    case LH_PQ_ENC_DELTA_BINARY_PACKED:
        if (phys != LH_PQ_INT32 && phys != LH_PQ_INT64) break;
        ch->venc = V_DELTA;
        return lh_pq_delta_init(&ch->u.delta, p, len, err);
    case LH_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
        if (phys != LH_PQ_BYTE_ARRAY) break;
        ch->venc = V_DLBA;
        return lh_pq_dlba_init(&ch->u.dlba, p, len, err);
    case LH_PQ_ENC_DELTA_BYTE_ARRAY:
        if (phys != LH_PQ_BYTE_ARRAY && phys != LH_PQ_FIXED_LEN_BYTE_ARRAY) break;
        ch->venc = V_DBA;
        return lh_pq_dba_init(&ch->u.dba, p, len, err);
    default:
        break;
    }
    return lh_err_set(err, LH_EINVAL, "encoding %d not supported for physical type %d",
                      pg->encoding, phys);
}

static int open_page(lh__pq_chunk_t *ch, lh_err_t *err)
{
    if (ch->cur >= ch->npages)
        return lh_err_set(err, LH_ECORRUPT, "column chunk has fewer values than rows");
    const lh__pq_page_t *pg = &ch->pages[ch->cur++];
    if (pg->skip)
        return lh_err_set(err, LH_ECORRUPT, "page index: a skipped page holds wanted rows");
    const lh__pq_leaf_t *l = ch->leaf;
    uint32_t n = pg->num_values;
    size_t cap = ch->plv_cap;
    if (lh__pq_grow((void **)&ch->pdef, &cap, n, 2))
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    cap = ch->plv_cap;
    if (lh__pq_grow((void **)&ch->prep, &cap, n, 2))
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    ch->plv_cap = (uint32_t)cap;
    const uint8_t *p = pg->vals;
    size_t len = pg->vals_len;
    int rc = 0;
    ch->page_all_valid = true;
    if (l->max_rep) {
        const uint8_t *q = pg->v2 ? pg->rep : p;
        rc = open_levels(pg->v2 ? &q : &p, &len, pg->v2, pg->rep_len, pg->rep_enc, l->max_rep,
                         ch->prep, n, NULL, err);
        if (rc) return rc;
    }
    if (l->max_def && ch->flat_bits) {
        rc = open_def_bits(ch, pg, &p, &len, n, err);
        if (rc) return rc;
    } else if (l->max_def) {
        const uint8_t *q = pg->v2 ? pg->def : p;
        rc = open_levels(pg->v2 ? &q : &p, &len, pg->v2, pg->def_len, pg->def_enc, l->max_def,
                         ch->pdef, n, &ch->page_all_valid, err);
        if (rc) return rc;
    }
    if ((rc = open_values(ch, pg, p, len, err))) return rc;
    ch->ppos = 0;
    ch->left = n;
    return 0;
}

/* n physical values of the page into out (decode.h layout). */
static int decode_phys(lh__pq_chunk_t *ch, void *out, uint32_t n, lh_err_t *err)
{
    switch (ch->venc) {
    case V_PLAIN:
        return lh_pq_plain_get(&ch->u.plain, out, n, err);
    case V_RLE_BOOL:
        return lh_pq_rle_get8(&ch->u.rle, out, n, err);
    case V_BSS:
        return lh_pq_bss_get(&ch->u.bss, out, n, ch->arena, err);
    case V_DELTA:
        if (ch->leaf->phys == LH_PQ_INT32) return lh_pq_delta_get32(&ch->u.delta, out, n, err);
        return lh_pq_delta_get64(&ch->u.delta, out, n, err);
    case V_DLBA:
        return lh_pq_dlba_get(&ch->u.dlba, out, n, err);
    case V_DBA:
        return lh_pq_dba_get(&ch->u.dba, out, n, ch->arena, err);
    default:
        return lh_err_set(err, LH_ECORRUPT, "page has values but no value bytes");
    }
}

#define GATHER(T)                                                                                  \
    do {                                                                                           \
        const T *src = (const T *)dict;                                                            \
        T *o = (T *)dst;                                                                           \
        for (uint32_t i = 0; i < n; i++)                                                           \
            o[i] = src[codes[i]];                                                                  \
    } while (0)

/* n logical values of the leaf into dst. */
static int read_values(lh__pq_chunk_t *ch, void *dst, uint32_t n, lh_err_t *err)
{
    if (!n) return 0;
    const lh__pq_leaf_t *l = ch->leaf;
    if (ch->venc == V_DICT) {
        if (lh__pq_grow((void **)&ch->scratch, &ch->scratch_cap, (size_t)n * 4, 1))
            return lh_err_set(err, LH_ENOMEM, "out of memory");
        int32_t *codes = (int32_t *)ch->scratch;
        int rc = lh_pq_rle_get_codes(&ch->u.rle, codes, n, ch->dict_size, err);
        if (rc) return rc;
        const void *dict = ch->dict.data;
        switch (lh_type_size(&l->type)) {
        case 1:
            GATHER(uint8_t);
            break;
        case 2:
            GATHER(uint16_t);
            break;
        case 4:
            GATHER(uint32_t);
            break;
        case 8:
            GATHER(uint64_t);
            break;
        default:
            GATHER(lh_string_t);
            break; /* 16 bytes: strings, int128, intervals */
        }
        return 0;
    }
    if (l->conv == LH__CV_COPY) return decode_phys(ch, dst, n, err);
    if (lh__pq_grow((void **)&ch->scratch, &ch->scratch_cap, (size_t)n * lh_pq_phys_size(l->phys),
                    1))
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    int rc = decode_phys(ch, ch->scratch, n, err);
    return rc ? rc : lh__pq_convert(l, ch->scratch, dst, n, err);
}

#define SPREAD(T)                                                                                  \
    do {                                                                                           \
        T *d = (T *)base;                                                                          \
        for (uint32_t i = k; i-- > 0;) {                                                           \
            if (def[i] == max) {                                                                   \
                d[i] = d[--j];                                                                     \
            } else {                                                                               \
                memset(&d[i], 0, sizeof(T));                                                       \
                w[(row + i) >> 6] &= ~(UINT64_C(1) << ((row + i) & 63));                           \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* Moves the nn dense values at base to their rows among k, per def. */
static void spread(uint8_t *base, size_t size, const uint16_t *def, uint16_t max, uint32_t k,
                   uint32_t nn, uint64_t *w, uint32_t row)
{
    uint32_t j = nn;
    switch (size) {
    case 1:
        SPREAD(uint8_t);
        break;
    case 2:
        SPREAD(uint16_t);
        break;
    case 4:
        SPREAD(uint32_t);
        break;
    case 8:
        SPREAD(uint64_t);
        break;
    default:
        SPREAD(lh_string_t);
        break;
    }
}

int lh__pq_chunk_read_flat(lh__pq_chunk_t *ch, lh_vector_t *v, uint32_t n, bool dict_ok,
                           lh_err_t *err)
{
    const lh__pq_leaf_t *l = ch->leaf;
    bool dictmode = dict_ok && ch->all_dict && ch->dict_size > 0;
    uint8_t *data = v->data;
    size_t size = lh_type_size(&l->type);
    if (dictmode) {
        int32_t *codes;
        if (lh_vector_set_dictionary(v, &ch->dict, ch->dict_size, &codes))
            return lh_err_set(err, LH_ENOMEM, "out of memory");
        data = (uint8_t *)codes;
        size = 4;
    }
    uint16_t max = (uint16_t)l->max_def;
    uint32_t row = 0;
    while (row < n) {
        if (!ch->left) {
            int rc = open_page(ch, err);
            if (rc) return rc;
            continue;
        }
        uint32_t k = n - row < ch->left ? n - row : ch->left, nn = k;
        const uint16_t *def = ch->pdef + ch->ppos;
        if (max && !ch->page_all_valid && ch->flat_bits) {
            nn = lh__pq_bits_count(ch->pbits, ch->ppos, k);
        } else if (max && !ch->page_all_valid) {
            nn = 0;
            for (uint32_t i = 0; i < k; i++)
                nn += def[i] == max;
        }
        uint8_t *base = data + (size_t)row * size;
        int rc = dictmode ? lh_pq_rle_get_codes(&ch->u.rle, (int32_t *)base, nn, ch->dict_size, err)
                          : read_values(ch, base, nn, err);
        if (rc) return rc;
        if (nn < k && ch->flat_bits)
            lh__pq_bits_spread(base, size, ch->pbits, ch->ppos, k, nn, lh_vector_validity_mut(v),
                               row);
        else if (nn < k)
            spread(base, size, def, max, k, nn, lh_vector_validity_mut(v), row);
        ch->ppos += k;
        ch->left -= k;
        row += k;
    }
    return 0;
}

/* Appends levels [start, start+k) of the page and their values. */
static int take_entries(lh__pq_chunk_t *ch, uint32_t k, lh_err_t *err)
{
    const lh__pq_leaf_t *l = ch->leaf;
    size_t cap = ch->bcap;
    if (lh__pq_grow((void **)&ch->bdef, &cap, ch->bn + k, 2))
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    cap = ch->bcap;
    if (lh__pq_grow((void **)&ch->brep, &cap, ch->bn + k, 2))
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    ch->bcap = (uint32_t)cap;
    uint32_t nn = k;
    if (l->max_def && ch->page_all_valid) {
        for (uint32_t i = 0; i < k; i++)
            ch->bdef[ch->bn + i] = (uint16_t)l->max_def;
    } else if (l->max_def) {
        const uint16_t *def = ch->pdef + ch->ppos;
        memcpy(ch->bdef + ch->bn, def, (size_t)k * 2);
        nn = 0;
        for (uint32_t i = 0; i < k; i++)
            nn += def[i] == l->max_def;
    } else {
        memset(ch->bdef + ch->bn, 0, (size_t)k * 2);
    }
    if (l->max_rep)
        memcpy(ch->brep + ch->bn, ch->prep + ch->ppos, (size_t)k * 2);
    else
        memset(ch->brep + ch->bn, 0, (size_t)k * 2);
    if (!ch->vals.type.id && lh_vector_init(&ch->vals, &l->type, 0, ch->arena))
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    if (ch->nvals + nn > ch->vals.capacity) {
        uint32_t c = ch->vals.capacity ? ch->vals.capacity : 1024;
        while (c < ch->nvals + nn)
            c *= 2;
        if (lh_vector_reserve(&ch->vals, c)) return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    int rc = read_values(ch, (uint8_t *)ch->vals.data + (size_t)ch->nvals * lh_type_size(&l->type),
                         nn, err);
    if (rc) return rc;
    ch->nvals += nn;
    ch->bn += k;
    ch->ppos += k;
    ch->left -= k;
    return 0;
}

int lh__pq_chunk_read_levels(lh__pq_chunk_t *ch, uint32_t n, lh_err_t *err)
{
    const lh__pq_leaf_t *l = ch->leaf;
    ch->bn = ch->nvals = 0;
    uint32_t rows = 0;
    for (;;) {
        if (!ch->left) {
            if (ch->cur >= ch->npages) break;
            int rc = open_page(ch, err);
            if (rc) return rc;
            continue;
        }
        uint32_t i = ch->ppos, end = ch->ppos + ch->left;
        if (!l->max_rep) {
            uint32_t k = n - rows < ch->left ? n - rows : ch->left;
            rows += k;
            i += k;
        } else {
            if (!rows && ch->prep[i] != 0)
                return lh_err_set(err, LH_ECORRUPT, "column chunk does not start a row");
            for (; i < end; i++)
                if (!ch->prep[i] && rows++ == n) break;
            if (i < end || rows > n) rows = n; /* stopped at the next row's start */
        }
        int rc = take_entries(ch, i - ch->ppos, err);
        if (rc) return rc;
        if (i < end || (!l->max_rep && rows == n)) break;
    }
    if (rows < n) return lh_err_set(err, LH_ECORRUPT, "column chunk has fewer values than rows");
    return 0;
}

/* Drops the next k entries of the open page (k <= ch->left), values too. */
static int drop_entries(lh__pq_chunk_t *ch, uint32_t k, lh_err_t *err)
{
    const lh__pq_leaf_t *l = ch->leaf;
    uint32_t nn = k;
    if (l->max_def && !ch->page_all_valid && ch->flat_bits) {
        nn = lh__pq_bits_count(ch->pbits, ch->ppos, k);
    } else if (l->max_def && !ch->page_all_valid) {
        const uint16_t *def = ch->pdef + ch->ppos;
        nn = 0;
        for (uint32_t i = 0; i < k; i++)
            nn += def[i] == l->max_def;
    }
    size_t size = ch->venc == V_DICT ? 4 : lh_pq_phys_size(l->phys);
    while (nn) {
        uint32_t m = nn < LH_BATCH_ROWS ? nn : LH_BATCH_ROWS;
        if (lh__pq_grow((void **)&ch->scratch, &ch->scratch_cap, (size_t)m * size, 1))
            return lh_err_set(err, LH_ENOMEM, "out of memory");
        int rc = ch->venc == V_DICT ? lh_pq_rle_get_codes(&ch->u.rle, (int32_t *)ch->scratch, m,
                                                          ch->dict_size, err)
                                    : decode_phys(ch, ch->scratch, m, err);
        if (rc) return rc;
        nn -= m;
    }
    ch->ppos += k;
    ch->left -= k;
    return 0;
}

int lh__pq_chunk_skip(lh__pq_chunk_t *ch, int64_t n, lh_err_t *err)
{
    while (n > 0 && ch->leaf->max_rep) {
        uint32_t k = n < LH_BATCH_ROWS ? (uint32_t)n : LH_BATCH_ROWS;
        int rc = lh__pq_chunk_read_levels(ch, k, err);
        if (rc) return rc;
        n -= k;
    }
    while (n > 0) {
        if (!ch->left) {
            if (ch->cur >= ch->npages)
                return lh_err_set(err, LH_ECORRUPT, "column chunk has fewer values than rows");
            const lh__pq_page_t *pg = &ch->pages[ch->cur];
            if (pg->num_values <= n) { /* the whole page: never opened */
                n -= pg->num_values;
                ch->cur++;
                continue;
            }
            int rc = open_page(ch, err);
            if (rc) return rc;
            continue;
        }
        uint32_t k = n < ch->left ? (uint32_t)n : ch->left;
        int rc = drop_entries(ch, k, err);
        if (rc) return rc;
        n -= k;
    }
    return 0;
}
