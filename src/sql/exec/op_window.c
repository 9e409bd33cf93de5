/* WINDOW: reads its whole input (with each window's partition, order and
 * argument values evaluated beside the rows), then per window function
 * sorts the row numbers by (partition, order), walks each partition and its
 * peer groups, and computes the function for every row into a result
 * column; finally hands the rows out in input order with the results
 * appended. Frames: ROWS with offsets, RANGE with CURRENT ROW peers and
 * numeric or INTERVAL offsets on a single ORDER BY key; aggregates over
 * frames that start at the partition run incrementally, other frames of more
 * than a few rows query a segment tree of states (win_agg.c). The sort is
 * keysort.c's. Over a memory table's scan (filtered), whose rows stay put
 * for the statement, the stored rows' strings are views of the table's; a
 * top-N row_number() there (QUALIFY row_number() ... = 1, the usual
 * de-duplication) keeps only its own key columns and reads the input a
 * second time to hand the rows out with their numbers: a copy of each row's
 * other columns (a third of bronze_to_silver's memory for its window) costs
 * more than reading a memory table again. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"
#include "sql/exec/exec_int.h"
#include "sql/exec/keysort.h"
#include "sql/exec/rowops.h"
#include "sql/exec/win_int.h"

int lh__win_oom(lh_op_t *op)
{
    return lh_sql_err(op->ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory in a window");
}

static uint32_t nexprs(const lh_plan_window_t *w)
{
    return w->npartition + w->norder + w->nargs;
}

static const lh_bexpr_t *expr_at(const lh_plan_window_t *w, uint32_t i)
{
    if (i < w->npartition) return w->partition[i];
    i -= w->npartition;
    if (i < w->norder) return w->order[i].expr;
    return w->args[i - w->norder];
}

/* ---- reading the input ---- */

static int materialize(lh_op_t *op, win_op_t *st)
{
    const lh_plan_t *p = op->plan;
    lh_vector_t *cols = lh_arena_calloc(op->ex->arena, (st->ntotal + 1) * sizeof *cols);
    if (!cols) return lh__win_oom(op);
    for (;;) {
        lh_batch_t *in;
        int rc = lh__op_pull(op->child[0], &in);
        if (rc) return rc;
        if (!in) return 0;
        for (uint32_t c = 0; c < st->nin; c++)
            if (st->keep[c] != UINT32_MAX) cols[st->keep[c]] = in->cols[c];
        for (uint32_t k = 0; k < p->u.window.n; k++)
            for (uint32_t i = 0; i < nexprs(&p->u.window.wins[k]); i++) {
                if (!st->own[k][i]) continue;
                const lh_vector_t *v;
                if ((rc = lh_expr_eval(st->exprs[k][i], in, NULL, in->count, &v))) return rc;
                cols[st->col[k][i]] = *v;
            }
        for (uint32_t done = 0; done < in->count;) {
            if (!st->nchunks || st->chunks[st->nchunks - 1]->count == LH_BATCH_ROWS) {
                if (st->nchunks == st->cap) {
                    uint32_t cap = st->cap ? st->cap * 2 : 16;
                    lh_batch_t **c = realloc(st->chunks, cap * sizeof *c);
                    if (!c) return lh__win_oom(op);
                    st->chunks = c;
                    st->cap = cap;
                }
                int crc =
                    lh__op_charge(op, lh__batch_bytes(st->types, st->ntotal) + 40 * LH_BATCH_ROWS);
                if (crc) return crc;
                if (lh_batch_new(st->types, st->ntotal, &st->chunks[st->nchunks]))
                    return lh__win_oom(op);
                st->nchunks++;
            }
            lh_batch_t *c = st->chunks[st->nchunks - 1];
            uint32_t m = LH_BATCH_ROWS - c->count;
            if (m > in->count - done) m = in->count - done;
            for (uint32_t i = 0; i < m; i++)
                st->sel[i] = done + i;
            for (uint32_t j = 0; j < st->ntotal; j++)
                if ((st->views[j] ? lh_vector_copy_view : lh_vector_copy)(&c->cols[j], c->count,
                                                                          &cols[j], st->sel, m))
                    return lh__win_oom(op);
            c->count += m;
            done += m;
            st->n += m;
        }
    }
}

/* ---- sorting by (partition, order) ---- */

static int cmp_col(const win_op_t *st, uint32_t col, uint64_t a, uint64_t b, bool desc,
                   bool nulls_first)
{
    uint32_t ra, rb;
    const lh_vector_t *va = lh__win_col(st, a, col, &ra), *vb = lh__win_col(st, b, col, &rb);
    return lh__row_order(va, ra, vb, rb, desc, nulls_first);
}

typedef struct sort_ctx {
    const win_op_t *st;
    lh_keysort_t *ks;
    const uint32_t *col; /* per key: its column */
} sort_ctx_t;

static int tie_rows(void *arg, uint32_t k, uint64_t a, uint64_t b)
{
    const sort_ctx_t *c = arg;
    const lh_sortkey_t *key = &c->ks->keys[k];
    return cmp_col(c->st, c->col[k], a, b, key->desc, key->nulls_first);
}

/* Sorts the rows by (partition, order) into ks: partition keys ascending. */
static int sort_rows(lh_op_t *op, win_op_t *st, const lh_plan_window_t *w, const uint32_t *pc,
                     lh_sortkey_t *keys, lh_keysort_t *ks, sort_ctx_t *sc)
{
    uint32_t nk = w->npartition + w->norder;
    for (uint32_t i = 0; i < nk; i++) {
        bool part = i < w->npartition;
        const lh_plan_order_t *o = part ? NULL : &w->order[i - w->npartition];
        keys[i] = (lh_sortkey_t){
            .type = st->types[pc[i]], .desc = o && o->desc, .nulls_first = o && o->nulls_first};
    }
    if (lh__keysort_init(ks, keys, nk, st->n)) return lh__win_oom(op);
    *sc = (sort_ctx_t){.st = st, .ks = ks, .col = pc};
    ks->tie = tie_rows;
    ks->tie_arg = sc;
    lh_pool_t *pool = op->ex->threads > 1 ? op->ex->pool : NULL;
    lh__keysort_encode_chunks(ks, st->chunks, st->nchunks, pc, pool);
    return lh__keysort_sort(ks, pool, op->ex->threads) ? lh__win_oom(op) : 0;
}

/* ---- one window function ---- */

/* The order key at sorted position i as a double (RANGE offsets). */
static bool key_at(const win_op_t *st, uint32_t col, uint64_t g, double *out)
{
    uint32_t r;
    const lh_vector_t *v = lh__win_col(st, g, col, &r);
    lh_value_t val;
    if (!lh_vector_is_valid(v, r) || lh_vector_get_value(v, r, &val)) return false;
    lh_int128_t x;
    int scale;
    if (!lh_value_exact(&val, &x, &scale)) {
        *out = (double)x / pow(10, scale);
        return true;
    }
    if (val.type.id == LH_TYPE_FLOAT)
        *out = val.v.f;
    else if (val.type.id == LH_TYPE_DOUBLE)
        *out = val.v.d;
    else
        *out = (double)val.v.i; /* DATE: days */
    return true;
}

/* The frame [a, b) of sorted position i. */
void lh__win_frame(const win_op_t *st, const lh_plan_window_t *w, const uint32_t *oc,
                   const part_t *pt, uint64_t i, uint64_t *a, uint64_t *b)
{
    uint64_t ps = pt->ps, pe = pt->pe;
    uint8_t kinds[2] = {w->start, w->end};
    double offs[2] = {w->start_off, w->end_off};
    uint64_t out[2];
    for (int s = 0; s < 2; s++) {
        bool is_end = s == 1;
        switch (kinds[s]) {
        case LH_WB_UNBOUNDED_PRECEDING:
            out[s] = ps;
            break;
        case LH_WB_UNBOUNDED_FOLLOWING:
            out[s] = pe;
            break;
        case LH_WB_CURRENT_ROW:
            out[s] = w->rows ? i + is_end : (is_end ? pt->peer_end[i] : pt->peer_start[i]);
            break;
        default: {
            bool prec = kinds[s] == LH_WB_PRECEDING;
            if (w->rows) {
                double t = (double)i + (prec ? -offs[s] : offs[s]) + is_end;
                out[s] = t < (double)ps ? ps : t > (double)pe ? pe : (uint64_t)t;
                break;
            }
            double k;
            if (!key_at(st, oc[0], pt->idx[i], &k)) { /* a NULL key: its peers */
                out[s] = is_end ? pt->peer_end[i] : pt->peer_start[i];
                break;
            }
            bool desc = w->order[0].desc;
            double lim = k + ((prec != desc) ? -offs[s] : offs[s]);
            /* first position whose key is past the limit (start) or beyond it (end) */
            uint64_t lo = ps, hi = pe;
            while (lo < hi) {
                uint64_t mid = lo + (hi - lo) / 2;
                double m;
                bool valid = key_at(st, oc[0], pt->idx[mid], &m);
                bool before;
                if (!valid)
                    before = w->order[0].nulls_first;
                else if (!is_end)
                    before = desc ? m > lim : m < lim;
                else
                    before = desc ? m >= lim : m <= lim;
                if (before)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            out[s] = lo;
        }
        }
    }
    *a = out[0];
    *b = out[1] > out[0] ? out[1] : out[0];
}

static int set_int(lh_vector_t *res, uint64_t g, int64_t v)
{
    ((int64_t *)res->data)[g] = v;
    return 0;
}

int lh__win_copy_value(lh_vector_t *res, uint64_t g, const win_op_t *st, uint32_t col, uint64_t src)
{
    uint32_t r;
    const lh_vector_t *v = lh__win_col(st, src, col, &r);
    return lh_vector_copy(res, (uint32_t)g, v, &r, 1);
}

static int64_t arg_int(const win_op_t *st, uint32_t col, uint64_t g, int64_t dflt, bool *null)
{
    uint32_t r;
    const lh_vector_t *v = lh__win_col(st, g, col, &r);
    if (!lh_vector_is_valid(v, r)) {
        if (null) *null = true;
        return dflt;
    }
    lh_value_t val;
    if (lh_vector_get_value(v, r, &val)) return dflt;
    return val.v.i;
}

static int value_partition(win_op_t *st, const lh_plan_window_t *w, const uint32_t *oc,
                           const uint32_t *ac, const part_t *pt, lh_vector_t *res)
{
    uint64_t size = pt->pe - pt->ps;
    uint64_t dense = 0;
    for (uint64_t i = pt->ps; i < pt->pe; i++) {
        uint64_t g = pt->idx[i], p = i - pt->ps;
        if (w->kind == LH_WIN_DENSE_RANK && pt->peer_start[i] == i) dense++;
        int rc = 0;
        switch ((lh_win_kind_t)w->kind) {
        case LH_WIN_ROW_NUMBER:
            rc = set_int(res, g, (int64_t)p + 1);
            break;
        case LH_WIN_RANK:
            rc = set_int(res, g, (int64_t)(pt->peer_start[i] - pt->ps) + 1);
            break;
        case LH_WIN_DENSE_RANK:
            rc = set_int(res, g, (int64_t)dense);
            break;
        case LH_WIN_PERCENT_RANK:
            ((double *)res->data)[g] =
                size > 1 ? (double)(pt->peer_start[i] - pt->ps) / (double)(size - 1) : 0.0;
            break;
        case LH_WIN_CUME_DIST:
            ((double *)res->data)[g] = (double)(pt->peer_end[i] - pt->ps) / (double)size;
            break;
        case LH_WIN_NTILE: {
            bool null = false;
            int64_t nb = arg_int(st, ac[0], g, 1, &null);
            if (null || nb <= 0) {
                lh_vector_set_null(res, (uint32_t)g);
                break;
            }
            uint64_t q = size / (uint64_t)nb, r = size % (uint64_t)nb, bucket;
            if (!q)
                bucket = p + 1;
            else if (p < r * (q + 1))
                bucket = p / (q + 1) + 1;
            else
                bucket = r + (p - r * (q + 1)) / q + 1;
            rc = set_int(res, g, (int64_t)bucket);
            break;
        }
        case LH_WIN_LAG:
        case LH_WIN_LEAD: {
            bool null = false;
            int64_t off = w->nargs > 1 ? arg_int(st, ac[1], g, 1, &null) : 1;
            if (w->kind == LH_WIN_LAG) off = -off;
            int64_t t = (int64_t)i + off;
            if (null)
                lh_vector_set_null(res, (uint32_t)g);
            else if (t >= (int64_t)pt->ps && t < (int64_t)pt->pe)
                rc = lh__win_copy_value(res, g, st, ac[0], pt->idx[t]);
            else if (w->nargs > 2)
                rc = lh__win_copy_value(res, g, st, ac[2], g);
            else
                lh_vector_set_null(res, (uint32_t)g);
            break;
        }
        default: { /* first_value, last_value, nth_value */
            uint64_t a, b;
            lh__win_frame(st, w, oc, pt, i, &a, &b);
            int64_t t = w->kind == LH_WIN_FIRST_VALUE ? (int64_t)a
                        : w->kind == LH_WIN_LAST_VALUE
                            ? (int64_t)b - 1
                            : (int64_t)a + arg_int(st, ac[1], g, 0, NULL) - 1;
            if (a < b && t >= (int64_t)a && t < (int64_t)b)
                rc = lh__win_copy_value(res, g, st, ac[0], pt->idx[t]);
            else
                lh_vector_set_null(res, (uint32_t)g);
        }
        }
        if (rc) return rc;
    }
    return 0;
}

/* Whether a function looks at peer groups (rank, RANGE frames). */
static bool needs_peers(uint8_t kind)
{
    return kind != LH_WIN_ROW_NUMBER && kind != LH_WIN_NTILE && kind != LH_WIN_LAG &&
           kind != LH_WIN_LEAD;
}

static int compute(lh_op_t *op, win_op_t *st, uint32_t k)
{
    const lh_plan_window_t *w = &op->plan->u.window.wins[k];
    const uint32_t *pc = st->col[k], *oc = pc + w->npartition, *ac = oc + w->norder;
    part_t pt = {0};
    lh_keysort_t ks = {0};
    sort_ctx_t sc;
    lh_sortkey_t keys[w->npartition + w->norder + 1];
    if (lh_vector_init(&st->res[k], &w->type, st->n ? (uint32_t)st->n : 1, st->agg_arena))
        return lh__win_oom(op);
    st->res_init[k] = true;
    if (op->plan->u.window.topn && w->kind == LH_WIN_ROW_NUMBER) /* no sort, no positions */
        return lh__win_topn(op, st, w, pc, op->plan->u.window.topn, &st->res[k]);
    pt.idx = malloc((st->n + 1) * sizeof *pt.idx);
    bool peers = needs_peers(w->kind);
    if (peers) {
        pt.peer_start = malloc((st->n + 1) * sizeof *pt.peer_start);
        pt.peer_end = malloc((st->n + 1) * sizeof *pt.peer_end);
    }
    int rc = pt.idx && (!peers || (pt.peer_start && pt.peer_end)) ? 0 : lh__win_oom(op);
    if (!rc) rc = sort_rows(op, st, w, pc, keys, &ks, &sc);
    for (uint64_t i = 0; !rc && i < st->n; i++)
        pt.idx[i] = lh__keysort_row(&ks, i);
    for (uint64_t ps = 0; !rc && ps < st->n;) {
        uint64_t pe = ps + 1;
        while (pe < st->n && lh__keysort_same(&ks, 0, w->npartition, ps, pe))
            pe++;
        for (uint64_t i = ps; peers && i < pe;) { /* peer groups */
            uint64_t j = i + 1;
            while (j < pe && lh__keysort_same(&ks, w->npartition, w->norder, i, j))
                j++;
            for (uint64_t t = i; t < j; t++) {
                pt.peer_start[t] = i;
                pt.peer_end[t] = j;
            }
            i = j;
        }
        pt.ps = ps;
        pt.pe = pe;
        rc = w->kind == LH_WIN_AGG ? lh__win_agg_partition(op, st, w, oc, ac, &pt, &st->res[k])
                                   : value_partition(st, w, oc, ac, &pt, &st->res[k]);
        if (rc == LH_ENOMEM && !op->ex->err->e.code) rc = lh__win_oom(op);
        ps = pe;
    }
    lh__keysort_free(&ks);
    free(pt.idx);
    free(pt.peer_start);
    free(pt.peer_end);
    return rc;
}

/* A shallow vector over rows first..first+n-1 of a flat result (first a
 * multiple of 64); false for nested types, whose rows live in children. */
static bool result_view(const lh_vector_t *res, uint64_t first, uint32_t n, lh_vector_t *out)
{
    lh_phys_t ph = lh_type_physical(&res->type);
    if (ph == LH_PHYS_LIST || ph == LH_PHYS_STRUCT || ph == LH_PHYS_INVALID) return true;
    *out = *res;
    out->data = (uint8_t *)res->data + first * lh_type_size(&res->type);
    out->validity = res->validity ? res->validity + first / 64 : NULL;
    out->capacity = n;
    out->own_data = NULL;
    out->own_validity = NULL;
    out->own_codes = NULL;
    return false;
}

/* The rows read a second time, with their numbers (st->again). */
static int again_next(lh_op_t *op, win_op_t *st, lh_batch_t **out)
{
    int rc = 0;
    if (!st->second) {
        if ((rc = lh_op_build(op->ex, op->plan->child[0], &st->second))) return rc;
        if (lh_vector_init(&st->rn, &op->plan->u.window.wins[0].type, LH_BATCH_ROWS, NULL))
            return lh__win_oom(op);
        st->rn_init = true;
    }
    lh_batch_t *in;
    if ((rc = lh__op_pull(st->second, &in))) return rc;
    uint32_t m = in ? in->count : 0;
    if ((!in && st->out_next != st->n) || st->out_next + m > st->n)
        return lh_sql_err(op->ex->err, LH_EINVAL, LH_SQL_EINTERNAL, -1,
                          "a window's input changed between its two readings");
    if (!in) return 0;
    for (uint32_t i = 0; i < m; i++)
        st->sel[i] = (uint32_t)(st->out_next + i);
    lh_vector_reset(&st->rn);
    if (lh_vector_copy(&st->rn, 0, &st->res[0], st->sel, m)) return lh__win_oom(op);
    lh_batch_t *view = &st->view;
    for (uint32_t col = 0; col < st->nin; col++)
        view->cols[col] = in->cols[col];
    view->cols[st->nin] = st->rn;
    view->count = m;
    st->out_next += m;
    *out = view;
    return 0;
}

static int win_next(lh_op_t *op, lh_batch_t **out)
{
    win_op_t *st = op->priv;
    *out = NULL;
    if (!st->built) {
        int rc = materialize(op, st);
        for (uint32_t k = 0; !rc && k < op->plan->u.window.n; k++)
            rc = compute(op, st, k);
        if (rc) return rc;
        st->built = true;
    }
    if (st->again) return again_next(op, st, out);
    if (st->out_next >= st->n) return 0;
    const lh_batch_t *c = st->chunks[st->out_next / LH_BATCH_ROWS];
    uint32_t n = c->count;
    lh_batch_t *view = &st->view; /* the chunk's columns and the results' rows, not copies */
    for (uint32_t col = 0; col < st->nin; col++)
        view->cols[col] = st->keep[col] == UINT32_MAX ? st->null[col] : c->cols[st->keep[col]];
    for (uint32_t k = 0; k < op->plan->u.window.n; k++)
        if (result_view(&st->res[k], st->out_next, n, &view->cols[st->nin + k])) {
            view = op->out; /* nested results: copied */
            lh_batch_reset(view);
            for (uint32_t col = 0; col < st->nin; col++)
                if (lh_vector_copy(&view->cols[col], 0,
                                   st->keep[col] == UINT32_MAX ? &st->null[col]
                                                               : &c->cols[st->keep[col]],
                                   NULL, n))
                    return lh__win_oom(op);
            for (uint32_t i = 0; i < n; i++)
                st->sel[i] = (uint32_t)(st->out_next + i);
            for (uint32_t j = 0; j < op->plan->u.window.n; j++)
                if (lh_vector_copy(&view->cols[st->nin + j], 0, &st->res[j], st->sel, n))
                    return lh__win_oom(op);
            break;
        }
    view->count = n;
    st->out_next += n;
    *out = view;
    return 0;
}

static void win_close(lh_op_t *op)
{
    win_op_t *st = op->priv;
    if (!st) return;
    lh_op_close_tree(st->second);
    if (st->rn_init) lh_vector_release(&st->rn);
    for (uint32_t i = 0; i < st->nchunks; i++)
        lh_batch_free(st->chunks[i]);
    free(st->chunks);
    for (uint32_t c = 0; st->keep && st->null && c < st->nin; c++)
        if (st->keep[c] == UINT32_MAX) lh_vector_release(&st->null[c]);
    for (uint32_t k = 0; k < op->plan->u.window.n; k++) {
        if (st->res_init && st->res_init[k]) lh_vector_release(&st->res[k]);
        for (uint32_t i = 0; st->exprs && st->exprs[k] && i < nexprs(&op->plan->u.window.wins[k]);
             i++)
            lh_expr_state_free(st->exprs[k][i]);
    }
    lh_arena_free(st->agg_arena);
}

/* Whether the input's rows stay where they are until the statement ends:
 * filters (and projections of bare columns) over a memory table's scan,
 * which hands out the table's own chunks. Its strings need not be copied. */
static bool stable_input(const lh_plan_t *p)
{
    for (;; p = p->child[0]) {
        if (p->kind == LH_PLAN_SCAN_MEMORY) return true;
        if (p->kind == LH_PLAN_PROJECT)
            for (uint32_t i = 0; i < p->ncols; i++)
                if (p->u.project.exprs[i]->kind != LH_BX_COLREF) return false;
        if (p->kind != LH_PLAN_FILTER && p->kind != LH_PLAN_PROJECT) return false;
    }
}

/* Which input columns the chunks keep (st->keep, st->ntotal) and the NULLs
 * handed out for the others. */
static int keep_columns(lh_op_t *op, win_op_t *st)
{
    const lh_plan_t *p = op->plan;
    lh_arena_t *a = op->ex->arena;
    const bool *read = p->u.window.read;
    bool *named = lh_arena_calloc(a, st->nin + 1);
    st->keep = lh_arena_calloc(a, (st->nin + 1) * sizeof *st->keep);
    st->null = lh_arena_calloc(a, (st->nin + 1) * sizeof *st->null);
    if (!named || !st->keep || !st->null) return LH_ENOMEM;
    for (uint32_t k = 0; k < p->u.window.n; k++)
        for (uint32_t i = 0; i < nexprs(&p->u.window.wins[k]); i++) {
            const lh_bexpr_t *e = expr_at(&p->u.window.wins[k], i);
            if (e->kind == LH_BX_COLREF && e->u.col < st->nin) named[e->u.col] = true;
        }
    st->ntotal = 0;
    for (uint32_t c = 0; c < st->nin; c++) {
        if (named[c] || (!st->again && (!read || read[c]))) {
            st->keep[c] = st->ntotal++;
            continue;
        }
        st->keep[c] = UINT32_MAX;
        if (lh_vector_init(&st->null[c], &p->child[0]->cols[c].type, 1, a)) return LH_ENOMEM;
        lh_vector_set_null(&st->null[c], 0);
        lh_vector_set_constant(&st->null[c]);
    }
    return 0;
}

int lh__op_window(lh_op_t *op)
{
    const lh_plan_t *p = op->plan;
    lh_arena_t *a = op->ex->arena;
    win_op_t *st = lh_arena_calloc(a, sizeof *st);
    if (!st) return LH_ENOMEM;
    op->priv = st;
    op->next = win_next;
    op->close = win_close;
    st->nin = p->child[0]->ncols;
    uint32_t nw = p->u.window.n;
    st->again = p->u.window.topn && nw == 1 && !op->ex->morsels && stable_input(p->child[0]);
    if (keep_columns(op, st)) return LH_ENOMEM;
    st->col = lh_arena_calloc(a, (nw + 1) * sizeof *st->col);
    st->own = lh_arena_calloc(a, (nw + 1) * sizeof *st->own);
    st->exprs = lh_arena_calloc(a, (nw + 1) * sizeof *st->exprs);
    st->res = lh_arena_calloc(a, (nw + 1) * sizeof *st->res);
    st->res_init = lh_arena_calloc(a, (nw + 1) * sizeof *st->res_init);
    st->agg_arena = lh_arena_new(65536);
    if (!st->col || !st->own || !st->exprs || !st->res || !st->res_init || !st->agg_arena)
        return LH_ENOMEM;
    for (uint32_t k = 0; k < nw; k++) { /* an input column is read where it is, others evaluated */
        const lh_plan_window_t *w = &p->u.window.wins[k];
        st->col[k] = lh_arena_calloc(a, (nexprs(w) + 1) * sizeof *st->col[k]);
        st->own[k] = lh_arena_calloc(a, (nexprs(w) + 1) * sizeof *st->own[k]);
        st->exprs[k] = lh_arena_calloc(a, (nexprs(w) + 1) * sizeof *st->exprs[k]);
        if (!st->col[k] || !st->own[k] || !st->exprs[k]) return LH_ENOMEM;
        for (uint32_t i = 0; i < nexprs(w); i++) {
            const lh_bexpr_t *e = expr_at(w, i);
            st->own[k][i] = e->kind != LH_BX_COLREF || e->u.col >= st->nin;
            st->col[k][i] = st->own[k][i] ? st->ntotal++ : st->keep[e->u.col];
        }
    }
    st->types = lh_arena_calloc(a, (st->ntotal + 1) * sizeof *st->types);
    st->view.ncols = st->nin + nw;
    st->view.cols = lh_arena_calloc(a, (st->view.ncols + 1) * sizeof *st->view.cols);
    if (!st->types || !st->view.cols) return LH_ENOMEM;
    for (uint32_t c = 0; c < st->nin; c++)
        if (st->keep[c] != UINT32_MAX) st->types[st->keep[c]] = p->child[0]->cols[c].type;
    st->views = lh_arena_calloc(a, st->ntotal + 1);
    if (!st->views) return LH_ENOMEM;
    bool stable = stable_input(p->child[0]);
    for (uint32_t c = 0; stable && c < st->nin; c++)
        if (st->keep[c] != UINT32_MAX) st->views[st->keep[c]] = true;
    for (uint32_t k = 0; k < nw; k++) {
        const lh_plan_window_t *w = &p->u.window.wins[k];
        for (uint32_t i = 0; i < nexprs(w); i++) {
            if (!st->own[k][i]) continue;
            st->types[st->col[k][i]] = expr_at(w, i)->type;
            int rc = lh_expr_state_new(op->ex, expr_at(w, i), &st->exprs[k][i]);
            if (rc) return rc;
        }
    }
    return lh__op_out_batch(op);
}
