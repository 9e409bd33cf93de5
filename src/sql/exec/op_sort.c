/* ORDER_BY: reads every input row into batches it owns, sorts row numbers
 * by the sort keys (columns of the input: the binder projects key
 * expressions below the sort), then hands the rows out in order. NULLs go
 * where each key's nulls_first says (the binder applies DuckDB's default,
 * NULLS LAST in both directions). The sort is stable: equal keys keep input
 * order. The keys are encoded into byte strings and sorted by keysort.c
 * (radix, in parallel on the pool). */
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"
#include "sql/exec/exec_int.h"
#include "sql/exec/keysort.h"
#include "sql/exec/rowops.h"

typedef struct sort_op {
    lh_batch_t **chunks;
    uint32_t nchunks, cap;
    uint64_t *idx, nrows, out_next;
    uint32_t *keycol;
    lh_type_t *types;
    bool built;
    uint32_t sel[LH_BATCH_ROWS];
} sort_op_t;

typedef struct sort_ctx {
    const lh_plan_t *plan;
    sort_op_t *st;
    lh_keysort_t *ks;
} sort_ctx_t;

static int tie_rows(void *arg, uint32_t k, uint64_t a, uint64_t b)
{
    const sort_ctx_t *c = arg;
    const lh_batch_t *ca = c->st->chunks[a / LH_BATCH_ROWS], *cb = c->st->chunks[b / LH_BATCH_ROWS];
    const lh_plan_order_t *o = &c->plan->u.sort.keys[k];
    uint32_t col = c->st->keycol[k];
    return lh__row_order(&ca->cols[col], (uint32_t)(a % LH_BATCH_ROWS), &cb->cols[col],
                         (uint32_t)(b % LH_BATCH_ROWS), o->desc, o->nulls_first);
}

static int add_chunk(sort_op_t *st, uint32_t ncols)
{
    if (st->nchunks == st->cap) {
        uint32_t cap = st->cap ? st->cap * 2 : 16;
        lh_batch_t **c = realloc(st->chunks, cap * sizeof *c);
        if (!c) return LH_ENOMEM;
        st->chunks = c;
        st->cap = cap;
    }
    int rc = lh_batch_new(st->types, ncols, &st->chunks[st->nchunks]);
    if (!rc) st->nchunks++;
    return rc;
}

static int materialize(lh_op_t *op, sort_op_t *st)
{
    uint32_t ncols = op->plan->ncols;
    for (;;) {
        lh_batch_t *in;
        int rc = lh__op_pull(op->child[0], &in);
        if (rc) return rc;
        if (!in) return 0;
        uint32_t done = 0;
        while (done < in->count) {
            if (!st->nchunks || st->chunks[st->nchunks - 1]->count == LH_BATCH_ROWS) {
                int crc = lh__op_charge(op, lh__batch_bytes(st->types, ncols));
                if (crc) return crc;
                if (add_chunk(st, ncols)) return LH_ENOMEM;
            }
            lh_batch_t *c = st->chunks[st->nchunks - 1];
            uint32_t n = LH_BATCH_ROWS - c->count;
            if (n > in->count - done) n = in->count - done;
            for (uint32_t i = 0; i < n; i++)
                st->sel[i] = done + i;
            if (lh_batch_append(c, in, st->sel, n)) return LH_ENOMEM;
            done += n;
            st->nrows += n;
        }
    }
}

static int build(lh_op_t *op, sort_op_t *st)
{
    int rc = materialize(op, st);
    if (rc)
        return rc == LH_ENOMEM && !op->ex->err->e.code
                   ? lh_sql_err(op->ex->err, rc, LH_SQL_EOOM, -1, "out of memory in ORDER BY")
                   : rc;
    st->idx = malloc((st->nrows ? st->nrows : 1) * sizeof *st->idx);
    if (!st->idx)
        return lh_sql_err(op->ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory in ORDER BY");
    const lh_plan_t *p = op->plan;
    lh_sortkey_t *keys = calloc(p->u.sort.nkeys + 1, sizeof *keys);
    lh_keysort_t ks = {0};
    rc = keys ? 0 : LH_ENOMEM;
    for (uint32_t k = 0; keys && k < p->u.sort.nkeys; k++)
        keys[k] = (lh_sortkey_t){.type = st->types[st->keycol[k]],
                                 .desc = p->u.sort.keys[k].desc,
                                 .nulls_first = p->u.sort.keys[k].nulls_first};
    if (!rc) rc = lh__keysort_init(&ks, keys, p->u.sort.nkeys, st->nrows);
    sort_ctx_t ctx = {.plan = p, .st = st, .ks = &ks};
    ks.tie = tie_rows;
    ks.tie_arg = &ctx;
    lh_pool_t *pool = op->ex->threads > 1 ? op->ex->pool : NULL;
    if (!rc) lh__keysort_encode_chunks(&ks, st->chunks, st->nchunks, st->keycol, pool);
    int64_t top = p->u.sort.limit; /* a LIMIT folded in: only its rows */
    if (!rc)
        rc = top >= 0 ? lh__keysort_top(&ks, (uint64_t)top, pool, op->ex->threads)
                      : lh__keysort_sort(&ks, pool, op->ex->threads);
    if (!rc) st->nrows = ks.n;
    for (uint64_t i = 0; !rc && i < st->nrows; i++) {
        uint64_t g = lh__keysort_row(&ks, i);
        st->idx[i] = ((g / LH_BATCH_ROWS) << 11) | (g % LH_BATCH_ROWS);
    }
    lh__keysort_free(&ks);
    free(keys);
    if (rc) return lh_sql_err(op->ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory in ORDER BY");
    st->built = true;
    return 0;
}

static int sort_next(lh_op_t *op, lh_batch_t **out)
{
    sort_op_t *st = op->priv;
    *out = NULL;
    if (!st->built) {
        int rc = build(op, st);
        if (rc) return rc;
    }
    if (st->out_next >= st->nrows) return 0;
    lh_batch_reset(op->out);
    uint64_t end = st->out_next + LH_BATCH_ROWS;
    if (end > st->nrows) end = st->nrows;
    while (st->out_next < end) {
        uint32_t chunk = (uint32_t)(st->idx[st->out_next] >> 11), n = 0;
        while (st->out_next < end && (st->idx[st->out_next] >> 11) == chunk)
            st->sel[n++] = (uint32_t)(st->idx[st->out_next++] & 2047);
        if (lh_batch_append(op->out, st->chunks[chunk], st->sel, n))
            return lh_sql_err(op->ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory in ORDER BY");
    }
    *out = op->out;
    return 0;
}

static void sort_close(lh_op_t *op)
{
    sort_op_t *st = op->priv;
    for (uint32_t i = 0; i < st->nchunks; i++)
        lh_batch_free(st->chunks[i]);
    free(st->chunks);
    free(st->idx);
}

int lh__op_sort(lh_op_t *op)
{
    const lh_plan_t *p = op->plan;
    sort_op_t *st = lh_arena_calloc(op->ex->arena, sizeof *st);
    if (!st) return LH_ENOMEM;
    op->priv = st;
    op->next = sort_next;
    op->close = sort_close;
    st->keycol = lh_arena_calloc(op->ex->arena, (p->u.sort.nkeys + 1) * sizeof *st->keycol);
    st->types = lh_arena_calloc(op->ex->arena, (p->ncols + 1) * sizeof *st->types);
    if (!st->keycol || !st->types) return LH_ENOMEM;
    for (uint32_t i = 0; i < p->ncols; i++)
        st->types[i] = p->cols[i].type;
    for (uint32_t k = 0; k < p->u.sort.nkeys; k++) {
        const lh_bexpr_t *e = p->u.sort.keys[k].expr;
        if (e->kind != LH_BX_COLREF)
            return lh_sql_err(op->ex->err, LH_EINVAL, LH_SQL_EINTERNAL, e->pos,
                              "a sort key must be a column of the sort's input");
        st->keycol[k] = e->u.col;
    }
    return lh__op_out_batch(op);
}
