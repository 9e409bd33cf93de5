/* The Parquet writer's driver: options, open (schema, leading magic), batches
 * shredded into each leaf column's definition and repetition levels (a fast
 * path for flat top-level columns, slot lists for nested ones), a row group
 * flushed whenever row_group_rows rows are buffered, and the footer at close
 * (lh_pq_file_meta_encode) with the file's statistics handed back. */
#include "parquet/writer_int.h"

#include <stdlib.h>

#ifndef LH_VERSION
#define LH_VERSION "dev"
#endif

void lh_pq_write_opts_default(lh_pq_write_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->codec = LH_PQ_CODEC_ZSTD;
    o->row_group_rows = 122880;
    o->page_bytes = 1 << 20;
    o->dictionary = true;
    o->dict_limit_bytes = 1 << 20;
    o->page_index = true;
}

static int oom(lh_err_t *err)
{
    return lh_err_set(err, LH_ENOMEM, "parquet writer: out of memory");
}

int lh_pq_sink_buf(void *ctx, const void *data, size_t len, lh_err_t *err)
{
    int rc = lh_buf_append(ctx, data, len);
    return rc ? lh_err_set(err, rc, "parquet writer: output buffer: %s", lh_strerror(rc)) : 0;
}

static int copy_opts(lh_pq_writer_t *w, const lh_pq_write_opts_t *o, lh_err_t *err)
{
    w->o = *o;
    if (!lh_pq_codec_supported(o->codec))
        return lh_err_set(err, LH_EINVAL, "parquet writer: cannot write codec %s",
                          lh_pq_codec_name(o->codec));
    if (!o->row_group_rows || !o->page_bytes)
        return lh_err_set(err, LH_EINVAL,
                          "parquet writer: row_group_rows and page_bytes must be > 0");
    w->o.created_by =
        lh_arena_strdup(w->arena, o->created_by ? o->created_by : "lakehouse " LH_VERSION);
    lh_pq_kv_pair_t *kv = o->nkv ? lh_arena_calloc(w->arena, o->nkv * sizeof *kv) : NULL;
    if (!w->o.created_by || (o->nkv && !kv)) return oom(err);
    for (uint32_t i = 0; i < o->nkv; i++) {
        kv[i].key = lh_arena_strdup(w->arena, o->kv[i].key ? o->kv[i].key : "");
        kv[i].value = o->kv[i].value ? lh_arena_strdup(w->arena, o->kv[i].value) : NULL;
        if (!kv[i].key || (o->kv[i].value && !kv[i].value)) return oom(err);
    }
    w->o.kv = kv;
    return 0;
}

int lh_pq_writer_open(const lh_type_t *schema, const lh_pq_write_opts_t *opts, lh_pq_sink_fn sink,
                      void *sink_ctx, lh_pq_writer_t **out, lh_err_t *err)
{
    *out = NULL;
    if (!schema || schema->id != LH_TYPE_STRUCT || !lh_type_is_valid(schema))
        return lh_err_set(err, LH_EINVAL, "parquet writer: the schema must be a STRUCT");
    lh_pq_writer_t *w = calloc(1, sizeof *w);
    if (!w || !(w->arena = lh_arena_new(0))) {
        free(w);
        return oom(err);
    }
    w->sink = sink;
    w->sink_ctx = sink_ctx;
    lh_buf_init(&w->out, (size_t)1 << 40);
    lh_buf_init(&w->ci_buf, (size_t)1 << 40);
    lh_buf_init(&w->oi_buf, (size_t)1 << 40);
    lh_pq_write_opts_t dflt;
    lh_pq_write_opts_default(&dflt);
    int rc = copy_opts(w, opts ? opts : &dflt, err);
    if (!rc && lh_type_copy(w->arena, schema, &w->schema)) rc = oom(err);
    if (!rc) rc = lh__pq_w_schema(w, err);
    if (!rc) rc = lh__pq_rg_open(w, err);
    for (uint32_t i = 0; !rc && i < w->nleaves; i++)
        lh__pq_leaf_reset(w, &w->leaves[i]);
    if (!rc) rc = lh__pq_out(w, LH_PQ_MAGIC, 4, err);
    if (rc) {
        lh_pq_writer_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

/* ---- shredding ---- */

/* Slots of one nested level: a row of the level's vector (-1: nothing here,
 * the definition level is final) with its definition and repetition levels. */
typedef struct slots {
    int32_t *idx;
    uint8_t *def, *rep;
    size_t n;
} slots_t;

static void slots_free(slots_t *s)
{
    free(s->idx);
    free(s->def);
    free(s->rep);
    memset(s, 0, sizeof *s);
}

static int slots_alloc(slots_t *s, size_t n)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->idx = malloc(n * sizeof *s->idx + 1);
    s->def = malloc(n + 1);
    s->rep = malloc(n + 1);
    if (s->idx && s->def && s->rep) return 0;
    slots_free(s);
    return LH_ENOMEM;
}

static int slots_copy(slots_t *d, const slots_t *s)
{
    if (slots_alloc(d, s->n)) return LH_ENOMEM;
    memcpy(d->idx, s->idx, s->n * sizeof *s->idx);
    memcpy(d->def, s->def, s->n);
    memcpy(d->rep, s->rep, s->n);
    return 0;
}

static int shred(lh_pq_writer_t *w, const lh__pq_wnode_t *nd, const lh_vector_t *v, slots_t *s,
                 lh_err_t *err);

static int shred_leaf(lh_pq_writer_t *w, const lh__pq_wnode_t *nd, const lh_vector_t *vv,
                      slots_t *s, lh_err_t *err)
{
    uint32_t *rows = malloc(s->n * sizeof *rows + 1);
    if (!rows) return oom(err);
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->idx[i] >= 0) rows[k++] = (uint32_t)s->idx[i];
    int rc = lh__pq_leaf_append(w, &w->leaves[nd->leaf], s->def, s->rep, s->n, vv, rows, 0, k, err);
    free(rows);
    return rc;
}

static int shred_children(lh_pq_writer_t *w, const lh__pq_wnode_t *nd, const lh_vector_t *kids,
                          const slots_t *s, lh_err_t *err)
{
    int rc = 0;
    for (uint32_t c = 0; !rc && c < nd->nchildren; c++) {
        slots_t t;
        if (slots_copy(&t, s)) return oom(err);
        rc = shred(w, &nd->children[c], &kids[c], &t, err);
        slots_free(&t);
    }
    return rc;
}

/* LIST and MAP: one slot per element (an empty or NULL list keeps one). */
static int shred_repeated(lh_pq_writer_t *w, const lh__pq_wnode_t *nd, const lh_vector_t *vv,
                          const slots_t *s, lh_err_t *err)
{
    const lh_list_entry_t *e = lh_vector_list_entries(vv);
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        n += s->idx[i] >= 0 && e[s->idx[i]].length ? e[s->idx[i]].length : 1;
    slots_t t;
    if (slots_alloc(&t, n)) return oom(err);
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) {
        uint32_t len = s->idx[i] >= 0 ? e[s->idx[i]].length : 0;
        if (!len) {
            t.idx[k] = -1, t.def[k] = s->def[i], t.rep[k++] = s->rep[i];
            continue;
        }
        uint32_t off = e[s->idx[i]].offset;
        for (uint32_t j = 0; j < len; j++, k++) {
            t.idx[k] = (int32_t)(off + j);
            t.def[k] = (uint8_t)(nd->def + 1);
            t.rep[k] = j ? nd->rep : s->rep[i];
        }
    }
    int rc;
    if (nd->kind == LH__W_LIST)
        rc = shred(w, &nd->children[0], vv->child, &t, err);
    else
        rc = shred_children(w, nd, vv->child->children, &t, err);
    slots_free(&t);
    return rc;
}

static int shred(lh_pq_writer_t *w, const lh__pq_wnode_t *nd, const lh_vector_t *v, slots_t *s,
                 lh_err_t *err)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->idx[i] < 0) continue;
        uint32_t r = (uint32_t)s->idx[i];
        if (!lh_vector_is_valid(v, r)) {
            if (nd->required)
                return lh_err_set(err, LH_EINVAL, "parquet writer: a MAP key is NULL");
            s->idx[i] = -1;
        } else {
            s->def[i] = nd->def;
            s->idx[i] = (int32_t)lh_vector_row(v, r);
        }
    }
    const lh_vector_t *vv = lh_vector_values(v);
    switch (nd->kind) {
    case LH__W_LEAF:
        return shred_leaf(w, nd, vv, s, err);
    case LH__W_STRUCT:
        return shred_children(w, nd, vv->children, s, err);
    default:
        return shred_repeated(w, nd, vv, s, err);
    }
}

/* Rows start..start+n of one top-level column. */
static int shred_column(lh_pq_writer_t *w, const lh__pq_wnode_t *nd, const lh_vector_t *v,
                        uint32_t start, uint32_t n, lh_err_t *err)
{
    if (nd->kind == LH__W_LEAF && v->kind == LH_VECTOR_FLAT) {
        lh__pq_leaf_t *l = &w->leaves[nd->leaf];
        if (!v->validity) return lh__pq_leaf_append(w, l, NULL, NULL, n, v, NULL, start, n, err);
        uint8_t defs[LH_BATCH_ROWS];
        uint32_t rows[LH_BATCH_ROWS];
        size_t k = 0;
        for (uint32_t i = 0; i < n; i++) {
            bool ok = lh_validity_get(v->validity, start + i);
            defs[i] = ok;
            rows[k] = start + i;
            k += ok;
        }
        return lh__pq_leaf_append(w, l, defs, NULL, n, v, rows, 0, k, err);
    }
    slots_t s;
    if (slots_alloc(&s, n)) return oom(err);
    for (uint32_t i = 0; i < n; i++)
        s.idx[i] = (int32_t)(start + i), s.def[i] = 0, s.rep[i] = 0;
    int rc = shred(w, nd, v, &s, err);
    slots_free(&s);
    return rc;
}

/* ---- row groups and the footer ---- */

/* Writes the row group in w->fl, of rows rows, to the output. */
static int write_group(lh_pq_writer_t *w, uint32_t rows, lh_err_t *err)
{
    if (w->nrgs == w->rgcap) {
        uint32_t cap = w->rgcap ? w->rgcap * 2 : 16;
        lh_pq_row_group_t *p = realloc(w->rgs, cap * sizeof *p);
        if (!p) return oom(err);
        w->rgs = p, w->rgcap = cap;
    }
    lh_pq_row_group_t *rg = &w->rgs[w->nrgs];
    memset(rg, 0, sizeof *rg);
    rg->columns = lh_arena_calloc(w->arena, w->nleaves * sizeof *rg->columns + 1);
    if (!rg->columns) return oom(err);
    rg->ncolumns = w->nleaves;
    rg->has_file_offset = rg->has_total_compressed_size = true;
    rg->file_offset = (int64_t)w->pos;
    int rc = lh__pq_rg_write(w, rg, err);
    if (rc) return rc;
    rg->num_rows = rows;
    if (w->nrgs <= INT16_MAX) rg->has_ordinal = true, rg->ordinal = (int16_t)w->nrgs;
    w->rows += rows;
    w->nrgs++;
    return lh__pq_out_flush(w, err); /* the row group reaches the sink now */
}

/* Pipelined: the row group whose pages are being made, written once they are. */
static int finish_group(lh_pq_writer_t *w, lh_err_t *err)
{
    if (!w->inflight) return 0;
    int rc = lh__pq_rg_end(w, err);
    return rc ? rc : write_group(w, w->fl_rows, err);
}

/* The row group being built goes out: written now on one thread; pipelined,
 * the one before is written and this one's pages start being made. */
static int flush_row_group(lh_pq_writer_t *w, lh_err_t *err)
{
    uint32_t rows = w->rg_rows;
    if (!rows) return 0;
    w->rg_rows = 0;
    if (!w->pool) return write_group(w, rows, err);
    int rc = finish_group(w, err);
    if (rc) return rc;
    lh__pq_leaf_t *set = w->fl;
    w->fl = w->leaves, w->leaves = set;
    w->fl_rows = rows;
    return lh__pq_rg_begin(w, err);
}

int lh_pq_writer_write_batch(lh_pq_writer_t *w, const lh_batch_t *b, lh_err_t *err)
{
    if (w->failed || w->closed)
        return lh_err_set(err, LH_EINVAL, "parquet writer: closed or failed earlier");
    if (b->ncols != w->ncols || b->count > LH_BATCH_ROWS)
        return lh_err_set(err, LH_EINVAL, "parquet writer: batch has %u columns, schema %u",
                          b->ncols, w->ncols);
    for (uint32_t c = 0; c < w->ncols; c++)
        if (!lh_type_equal(&b->cols[c].type, &w->schema.fields[c].type))
            return lh_err_set(err, LH_EINVAL, "parquet writer: column %s has another type",
                              w->schema.fields[c].name);
    uint32_t off = 0;
    int rc = 0;
    while (!rc && off < b->count) {
        uint32_t take = b->count - off, left = w->o.row_group_rows - w->rg_rows;
        take = take < left ? take : left;
        for (uint32_t c = 0; !rc && c < w->ncols; c++)
            rc = shred_column(w, &w->cols[c], &b->cols[c], off, take, err);
        w->rg_rows += take;
        off += take;
        if (!rc && w->rg_rows >= w->o.row_group_rows) rc = flush_row_group(w, err);
    }
    if (rc) w->failed = 1;
    return rc;
}

static int footer(lh_pq_writer_t *w, lh_err_t *err)
{
    lh_pq_file_meta_t m;
    memset(&m, 0, sizeof m);
    m.version = 1;
    m.schema = w->elems;
    m.nschema = w->nelems;
    m.num_rows = w->rows;
    m.row_groups = w->rgs;
    m.nrow_groups = w->nrgs;
    m.created_by = (char *)w->o.created_by;
    m.kv = lh_arena_calloc(w->arena, w->o.nkv * sizeof *m.kv + 1);
    m.column_orders = lh_arena_alloc(w->arena, w->nleaves * sizeof *m.column_orders + 1);
    if (!m.kv || !m.column_orders) return oom(err);
    for (uint32_t i = 0; i < w->o.nkv; i++) {
        m.kv[i].key = (lh_str_t){w->o.kv[i].key, strlen(w->o.kv[i].key)};
        m.kv[i].has_value = w->o.kv[i].value != NULL;
        if (m.kv[i].has_value)
            m.kv[i].value = (lh_str_t){w->o.kv[i].value, strlen(w->o.kv[i].value)};
    }
    m.nkv = w->o.nkv;
    for (uint32_t i = 0; i < w->nleaves; i++)
        m.column_orders[i] = LH_PQ_ORDER_TYPE_DEFINED;
    m.ncolumn_orders = w->nleaves;
    lh_buf_t f;
    lh_buf_init(&f, LH_PQ_FOOTER_MAX);
    int rc = lh_pq_file_meta_encode(&m, &f);
    if (rc) {
        lh_buf_free(&f);
        return lh_err_set(err, rc, "parquet writer: footer: %s", lh_strerror(rc));
    }
    uint8_t tail[8];
    lh_pq_put_le32(tail, (uint32_t)f.len);
    memcpy(tail + 4, LH_PQ_MAGIC, 4);
    rc = lh__pq_out(w, f.ptr, f.len, err);
    lh_buf_free(&f);
    if (!rc) rc = lh__pq_out(w, tail, 8, err);
    return rc ? rc : lh__pq_out_flush(w, err);
}

int lh_pq_writer_close(lh_pq_writer_t *w, lh_pq_file_stats_t *stats_out, lh_err_t *err)
{
    if (w->failed || w->closed)
        return lh_err_set(err, LH_EINVAL, "parquet writer: closed or failed earlier");
    int rc = flush_row_group(w, err);
    if (!rc) rc = finish_group(w, err);
    if (!rc) rc = lh__pq_pi_write(w, err);
    if (!rc) rc = footer(w, err);
    if (rc) {
        w->failed = 1;
        return rc;
    }
    w->closed = true;
    if (!stats_out) return 0;
    memset(stats_out, 0, sizeof *stats_out);
    w->stats = lh_arena_calloc(w->arena, w->nleaves * sizeof *w->stats + 1);
    if (!w->stats) return oom(err);
    for (uint32_t i = 0; i < w->nleaves; i++)
        if (lh__pq_stat_to_values(&w->leaves[i], w->arena, &w->stats[i])) return oom(err);
    stats_out->num_rows = w->rows;
    stats_out->num_row_groups = w->nrgs;
    stats_out->file_size = w->pos;
    stats_out->cols = w->stats;
    stats_out->ncols = w->nleaves;
    return 0;
}

void lh_pq_writer_free(lh_pq_writer_t *w)
{
    if (!w) return;
    lh__pq_rg_close(w);
    for (uint32_t i = 0; i < w->nleaves; i++) {
        lh__pq_leaf_release(&w->leaves[i]);
        if (w->fl != w->leaves) lh__pq_leaf_release(&w->fl[i]);
        lh__pq_stat_release(&w->files[i]);
    }
    free(w->rgs);
    free(w->gbuf);
    lh_buf_free(&w->out);
    lh_buf_free(&w->ci_buf);
    lh_buf_free(&w->oi_buf);
    lh_arena_free(w->arena);
    free(w);
}
