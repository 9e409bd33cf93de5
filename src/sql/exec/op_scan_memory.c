/* SEQ_SCAN of a memory-catalog table: hands out the table's own chunks as
 * view batches of the projected columns (nothing copied); a column nothing
 * above reads (column pruning) comes out as a NULL constant, so operators
 * that copy rows (filters, joins) do not copy it. The scan reads the
 * chunks and rows the table had when it started, so rows appended later (by
 * the same statement, INSERT INTO t SELECT * FROM t) are not seen. */
#include "sql/catalog/memtable.h"
#include "sql/exec/exec_int.h"
#include "sql/exec/morsel.h"

typedef struct scan_state {
    uint32_t nchunks, last_count, next;
    lh_morsels_t *m;    /* parallel: the pipeline's chunks to share, else NULL */
    lh_vector_t *nulls; /* per output column: its NULL constant when not read, else unset */
    lh_arena_t *arena;  /* the constants' memory */
    lh_batch_t view;
} scan_state_t;

static int scan_next(lh_op_t *op, lh_batch_t **out)
{
    scan_state_t *st = op->priv;
    const lh_plan_t *p = op->plan;
    const lh_sql_mem_table_t *t = p->u.mem.table;
    *out = NULL;
    for (;;) {
        uint32_t ci, count;
        if (st->m) {
            if (!lh__morsels_next_chunk(st->m, &ci, &count)) return 0;
        } else {
            if (st->next >= st->nchunks) return 0;
            ci = st->next++;
            count = ci + 1 == st->nchunks ? st->last_count : t->chunks[ci]->count;
        }
        const lh_batch_t *c = t->chunks[ci];
        if (!count) continue;
        for (uint32_t i = 0; i < p->ncols; i++)
            st->view.cols[i] =
                st->nulls && !p->u.mem.read[i] ? st->nulls[i] : c->cols[p->u.mem.proj[i]];
        st->view.count = count;
        *out = &st->view;
        return 0;
    }
    return 0;
}

static void scan_close(lh_op_t *op)
{
    scan_state_t *st = op->priv;
    for (uint32_t i = 0; st->nulls && i < op->plan->ncols; i++)
        if (!op->plan->u.mem.read[i]) lh_vector_release(&st->nulls[i]);
    lh_arena_free(st->arena);
}

/* The NULL constants of the columns nothing reads. */
static int make_nulls(lh_op_t *op, scan_state_t *st)
{
    const lh_plan_t *p = op->plan;
    bool any = false;
    for (uint32_t i = 0; p->u.mem.read && i < p->ncols; i++)
        any |= !p->u.mem.read[i];
    if (!any) return 0;
    st->nulls = lh_arena_calloc(op->ex->arena, p->ncols * sizeof *st->nulls);
    if (!st->nulls || !(st->arena = lh_arena_new(1024))) return LH_ENOMEM;
    for (uint32_t i = 0; i < p->ncols; i++) {
        if (p->u.mem.read[i]) continue;
        lh_vector_t *v = &st->nulls[i];
        if (lh_vector_init(v, &p->cols[i].type, 1, st->arena)) {
            for (uint32_t k = 0; k < i; k++) /* no half-made state for close */
                if (!p->u.mem.read[k]) lh_vector_release(&st->nulls[k]);
            st->nulls = NULL;
            return LH_ENOMEM;
        }
        lh_vector_set_null(v, 0);
        lh_vector_set_constant(v);
    }
    return 0;
}

int lh__op_scan_memory(lh_op_t *op)
{
    const lh_plan_t *p = op->plan;
    scan_state_t *st = lh_arena_calloc(op->ex->arena, sizeof *st);
    if (!st) return LH_ENOMEM;
    st->view.cols = lh_arena_calloc(op->ex->arena, (p->ncols + 1) * sizeof *st->view.cols);
    if (!st->view.cols) return LH_ENOMEM;
    st->view.ncols = p->ncols;
    const lh_sql_mem_table_t *t = p->u.mem.table;
    st->nchunks = t->nchunks;
    st->last_count = t->nchunks ? t->chunks[t->nchunks - 1]->count : 0;
    if (op->ex->morsels && op->ex->morsels->scan == p) st->m = op->ex->morsels;
    op->priv = st;
    op->next = scan_next;
    op->close = scan_close;
    return make_nulls(op, st);
}
