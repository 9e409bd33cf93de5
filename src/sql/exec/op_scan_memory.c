/* SEQ_SCAN of a memory-catalog table: hands out the table's own chunks as
 * view batches of the projected columns (nothing copied). The scan reads the
 * chunks and rows the table had when it started, so rows appended later (by
 * the same statement, INSERT INTO t SELECT * FROM t) are not seen. */
#include "sql/catalog/memtable.h"
#include "sql/exec/exec_int.h"
#include "sql/exec/morsel.h"

typedef struct scan_state {
    uint32_t nchunks, last_count, next;
    lh_morsels_t *m; /* parallel: the pipeline's chunks to share, else NULL */
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
            st->view.cols[i] = c->cols[p->u.mem.proj[i]];
        st->view.count = count;
        *out = &st->view;
        return 0;
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
    return 0;
}
