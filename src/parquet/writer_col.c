/* One leaf column's chunk while a row group is built: its levels, and its
 * values turned into Parquet physical values (gathered from the vectors,
 * converted where the layouts differ) and then either looked up in the
 * chunk's dictionary (an index per value) or appended PLAIN. The dictionary
 * gives way to PLAIN for the whole chunk when it passes its size limit or
 * stops paying (its entries plus the indices as large as the PLAIN values);
 * the indices so far are then turned back into values. */
#include "parquet/writer_int.h"

#include <stdlib.h>

#define CHECK_AFTER 16384 /* values before the first does-the-dictionary-pay check */

static int oom(lh_err_t *err)
{
    return lh_err_set(err, LH_ENOMEM, "parquet writer: out of memory");
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q) return LH_ENOMEM;
    *p = q;
    *cap = n;
    return 0;
}

void lh__pq_leaf_reset(lh_pq_writer_t *w, lh__pq_leaf_t *l)
{
    l->nlevels = l->nvalues = l->plain_bytes = 0;
    lh_buf_reset(&l->plain);
    lh_pq_dict_reset(&l->dict);
    l->dict_mode = w->o.dictionary && l->phys != LH_PQ_BOOLEAN;
    l->dict_checked = false;
    lh__pq_stat_reset(&l->chunk);
}

void lh__pq_leaf_init(lh__pq_leaf_t *l)
{
    lh_pq_dict_init(&l->dict, l->width);
    lh_buf_init(&l->plain, (size_t)1 << 40);
    lh_buf_init(&l->chunk.smin, 0), lh_buf_init(&l->chunk.smax, 0);
    lh_buf_init(&l->pbounds, (size_t)UINT32_MAX);
}

void lh__pq_leaf_twin(lh_pq_writer_t *w, lh__pq_leaf_t *d, const lh__pq_leaf_t *s)
{
    memset(d, 0, sizeof *d);
    d->node = s->node, d->type = s->type, d->phys = s->phys, d->width = s->width, d->ord = s->ord;
    d->max_def = s->max_def, d->max_rep = s->max_rep;
    d->path = s->path, d->depth = s->depth, d->dotted = s->dotted, d->file = s->file;
    lh__pq_leaf_init(d);
    lh__pq_leaf_reset(w, d);
}

void lh__pq_leaf_release(lh__pq_leaf_t *l)
{
    free(l->defs);
    free(l->reps);
    free(l->idx);
    lh_buf_free(&l->plain);
    lh_pq_dict_free(&l->dict);
    lh__pq_stat_release(&l->chunk);
    lh__pq_pi_release(l);
    free(l->cuts);
}

/* Rows through rows[] or from start on. */
#define EACH(body)                                                                                 \
    do {                                                                                           \
        if (rows)                                                                                  \
            for (size_t i = 0; i < n; i++) {                                                       \
                size_t r = rows[i];                                                                \
                body;                                                                              \
            }                                                                                      \
        else                                                                                       \
            for (size_t i = 0; i < n; i++) {                                                       \
                size_t r = start + i;                                                              \
                body;                                                                              \
            }                                                                                      \
    } while (0)
#define CONV(TS, TD)                                                                               \
    do {                                                                                           \
        const TS *s_ = (const TS *)data;                                                           \
        TD *d_ = (TD *)(void *)g;                                                                  \
        EACH(d_[i] = (TD)s_[r]);                                                                   \
    } while (0)

static void put_be(uint8_t *p, lh_int128_t v, size_t n)
{
    if (n == 16) { /* DECIMAL(38): two byte-swapped words, not sixteen 128-bit shifts */
        uint64_t hi = __builtin_bswap64((uint64_t)((lh_uint128_t)v >> 64)),
                 lo = __builtin_bswap64((uint64_t)v);
        memcpy(p, &hi, 8);
        memcpy(p + 8, &lo, 8);
        return;
    }
    for (size_t k = 0; k < n; k++)
        p[n - 1 - k] = (uint8_t)(v >> (8 * k));
}

/* The physical values of n slots: a pointer into the vector when the layouts
 * agree and the rows are contiguous, else converted into w->gbuf. Byte arrays
 * come as lh_str_t. NULL when out of memory. */
static const void *gather(lh_pq_writer_t *w, const lh__pq_leaf_t *l, const lh_vector_t *vv,
                          const uint32_t *rows, size_t start, size_t n)
{
    const uint8_t *data = vv->data;
    int id = l->type.id;
    bool same =
        l->width && l->width == lh_type_size(&l->type) && l->phys != LH_PQ_FIXED_LEN_BYTE_ARRAY;
    if (same && !rows) return data + start * l->width;
    if (grow((void **)&w->gbuf, &w->gcap, n * 16, 1)) return NULL;
    uint8_t *g = w->gbuf;
    if (same) {
        size_t wd = l->width;
        EACH(memcpy(g + i * wd, data + r * wd, wd));
        return g;
    }
    switch (id) {
    case LH_TYPE_TINYINT:
        CONV(int8_t, int32_t);
        break;
    case LH_TYPE_SMALLINT:
        CONV(int16_t, int32_t);
        break;
    case LH_TYPE_UTINYINT:
        CONV(uint8_t, int32_t);
        break;
    case LH_TYPE_USMALLINT:
        CONV(uint16_t, int32_t);
        break;
    case LH_TYPE_DECIMAL:
        if (l->phys == LH_PQ_INT32) {
            CONV(int64_t, int32_t);
        } else {
            const lh_int128_t *s = (const lh_int128_t *)(const void *)data;
            size_t wd = l->width;
            EACH(put_be(g + i * wd, s[r], wd));
        }
        break;
    case LH_TYPE_HUGEINT: {
        const lh_int128_t *s = (const lh_int128_t *)(const void *)data;
        EACH(put_be(g + i * 16, s[r], 16));
        break;
    }
    case LH_TYPE_INTERVAL: {
        const lh_interval_t *s = (const lh_interval_t *)(const void *)data;
        EACH(lh_pq_put_le32(g + i * 12, (uint32_t)s[r].months);
             lh_pq_put_le32(g + i * 12 + 4, (uint32_t)s[r].days);
             lh_pq_put_le32(g + i * 12 + 8, (uint32_t)(s[r].micros / 1000)));
        break;
    }
    default: { /* VARCHAR, BLOB */
        const lh_string_t *s = (const lh_string_t *)(const void *)data;
        lh_str_t *d = (lh_str_t *)(void *)g;
        EACH(d[i].ptr = lh_string_data(&s[r]); d[i].len = s[r].len);
    }
    }
    return g;
}

static size_t bytes_size(const lh_str_t *v, size_t n)
{
    size_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += 4 + v[i].len;
    return t;
}

static int index_bits(const lh__pq_leaf_t *l)
{
    int bw = lh_pq_bit_width(l->dict.count ? l->dict.count - 1 : 0);
    return bw ? bw : 1;
}

/* The dictionary page plus the indices come out smaller than PLAIN. */
static bool pays(const lh__pq_leaf_t *l)
{
    size_t idx = (l->nvalues * (size_t)index_bits(l) + 7) / 8;
    return l->dict.plain.len + idx < l->plain_bytes;
}

static void dict_stats(lh__pq_leaf_t *l)
{
    if (l->width) {
        lh__pq_stat_fixed(&l->chunk, l->ord, (const uint8_t *)l->dict.plain.ptr, l->dict.count,
                          l->width);
        return;
    }
    for (uint32_t i = 0; i < l->dict.count; i++) {
        lh_str_t s = lh_pq_dict_value(&l->dict, i);
        lh__pq_stat_bytes(&l->chunk, &s, 1);
    }
}

/* Turns the chunk's indices back into PLAIN values; the chunk is PLAIN from now on. */
static int to_plain(lh__pq_leaf_t *l, lh_err_t *err)
{
    dict_stats(l);
    lh_buf_reset(&l->plain);
    size_t need = l->width ? l->nvalues * l->width : l->plain_bytes;
    uint8_t *p = lh_pq_buf_reserve(&l->plain, need);
    if (!p && need) return oom(err);
    for (size_t i = 0; i < l->nvalues; i++) {
        lh_str_t v = lh_pq_dict_value(&l->dict, l->idx[i]);
        if (!l->width) lh_pq_put_le32(p, (uint32_t)v.len), p += 4;
        memcpy(p, v.ptr, v.len);
        p += v.len;
    }
    l->plain.len += need;
    l->dict_mode = false;
    lh_pq_dict_reset(&l->dict);
    return 0;
}

static int put_plain(lh__pq_leaf_t *l, const void *vals, size_t n)
{
    if (l->width) {
        lh__pq_stat_fixed(&l->chunk, l->ord, vals, n, l->width);
        return lh_pq_plain_fixed(vals, n, l->width, &l->plain);
    }
    lh__pq_stat_bytes(&l->chunk, vals, n);
    return lh_pq_plain_bytes(vals, n, &l->plain);
}

static int put_values(lh_pq_writer_t *w, lh__pq_leaf_t *l, const void *vals, size_t n,
                      lh_err_t *err)
{
    size_t bytes = l->width ? n * l->width : bytes_size(vals, n);
    /* the dictionary could pass its 2 GiB cap within this batch: PLAIN first */
    if (l->dict_mode && l->dict.plain.len + bytes >= (size_t)INT32_MAX - 16) {
        int rc = to_plain(l, err);
        if (rc) return rc;
    }
    if (!l->dict_mode) {
        l->nvalues += n;
        l->plain_bytes += bytes;
        int rc = put_plain(l, vals, n);
        if (rc == LH_ETOOBIG)
            return lh_err_set(err, rc, "parquet writer: column %s: chunk too large", l->dotted);
        return rc ? oom(err) : 0;
    }
    if (grow((void **)&l->idx, &l->idxcap, l->nvalues + n, sizeof *l->idx)) return oom(err);
    int rc = l->width ? lh_pq_dict_put_fixed(&l->dict, vals, n, l->idx + l->nvalues)
                      : lh_pq_dict_put_bytes(&l->dict, vals, n, l->idx + l->nvalues);
    if (rc)
        return rc == LH_ENOMEM
                   ? oom(err)
                   : lh_err_set(err, rc, "parquet writer: column %s: dictionary too large",
                                l->dotted);
    l->nvalues += n;
    l->plain_bytes += bytes;
    if (l->dict.plain.len > w->o.dict_limit_bytes) return to_plain(l, err);
    if (!l->dict_checked && l->nvalues >= CHECK_AFTER) {
        l->dict_checked = true;
        if (!pays(l)) return to_plain(l, err);
    }
    return 0;
}

int lh__pq_leaf_append(lh_pq_writer_t *w, lh__pq_leaf_t *l, const uint8_t *defs,
                       const uint8_t *reps, size_t nlev, const lh_vector_t *vv,
                       const uint32_t *rows, uint32_t start, size_t nval, lh_err_t *err)
{
    if (grow((void **)&l->defs, &l->levcap, l->nlevels + nlev, 1)) return oom(err);
    if (l->max_rep) {
        if (grow((void **)&l->reps, &l->repcap, l->nlevels + nlev, 1)) return oom(err);
        memcpy(l->reps + l->nlevels, reps, nlev);
    }
    if (defs)
        memcpy(l->defs + l->nlevels, defs, nlev);
    else
        memset(l->defs + l->nlevels, l->max_def, nlev);
    l->nlevels += nlev;
    if (!nval) return 0;
    const void *vals = gather(w, l, vv, rows, start, nval);
    if (!vals) return oom(err);
    return put_values(w, l, vals, nval, err);
}

int lh__pq_leaf_finish(lh_pq_writer_t *w, lh__pq_leaf_t *l, lh_err_t *err)
{
    int64_t nulls = 0;
    for (size_t i = 0; i < l->nlevels; i++)
        nulls += l->defs[i] < l->max_def;
    l->chunk.nulls = nulls;
    if (l->dict_mode) {
        if (!l->nvalues) {
            l->dict_mode = false;
        } else if (!pays(l)) {
            int rc = to_plain(l, err);
            if (rc) return rc;
        } else {
            dict_stats(l);
        }
    }
    lh__pq_stat_merge(l->file, &l->chunk, l->ord, l->width);
    return 0;
}
