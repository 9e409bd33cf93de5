/* INTERSECT and EXCEPT, [ALL] or DISTINCT: the right input is read into a
 * row set with a count per distinct row, then the left input streams
 * through it. Rows compare as in GROUP BY (NULLs equal).
 *   INTERSECT: each distinct left row present on the right, once;
 *   INTERSECT ALL: a left row while the right still has a copy of it;
 *   EXCEPT: each distinct left row absent on the right, once;
 *   EXCEPT ALL: a left row once the right's copies of it are used up. */
#include <stdlib.h>

#include "sql/exec/exec_int.h"
#include "sql/exec/rowset.h"

typedef struct setop_op {
    lh_rowset_t *right, *seen;
    uint64_t *count, cap;
    bool built;
    uint32_t sel[LH_BATCH_ROWS];
} setop_op_t;

static int oom(lh_op_t *op)
{
    return lh_sql_err(op->ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory in a set operation");
}

static int build(lh_op_t *op, setop_op_t *st)
{
    for (;;) {
        lh_batch_t *in;
        int rc = lh__op_pull(op->child[1], &in);
        if (rc) return rc;
        if (!in) return 0;
        for (uint32_t i = 0; i < in->count; i++) {
            bool added;
            uint64_t idx;
            if (lh__rowset_add_at(st->right, 0, in->cols, i, &added, &idx)) return oom(op);
            if (idx >= st->cap) {
                uint64_t cap = st->cap ? st->cap * 2 : 1024;
                uint64_t *c = realloc(st->count, cap * sizeof *c);
                if (!c) return oom(op);
                st->count = c;
                st->cap = cap;
            }
            if (added) st->count[idx] = 0;
            st->count[idx]++;
        }
    }
}

static int setop_next(lh_op_t *op, lh_batch_t **out)
{
    setop_op_t *st = op->priv;
    bool intersect = op->plan->u.setop.op == 2, all = op->plan->u.setop.all;
    *out = NULL;
    if (!st->built) {
        int rc = build(op, st);
        if (rc) return rc;
        st->built = true;
    }
    for (;;) {
        lh_batch_t *in;
        int rc = lh__op_pull(op->child[0], &in);
        if (rc || !in) return rc;
        uint32_t n = 0;
        for (uint32_t i = 0; i < in->count; i++) {
            int64_t r = lh__rowset_find(st->right, 0, in->cols, i);
            bool keep;
            if (all) {
                bool avail = r >= 0 && st->count[r] > 0;
                if (avail) st->count[r]--;
                keep = intersect ? avail : !avail;
            } else {
                bool added;
                if (lh__rowset_add(st->seen, 0, in->cols, i, &added)) return oom(op);
                keep = added && (intersect ? r >= 0 : r < 0);
            }
            if (keep) st->sel[n++] = i;
        }
        if (!n) continue;
        lh_batch_reset(op->out);
        if (lh_batch_append(op->out, in, st->sel, n)) return oom(op);
        *out = op->out;
        return 0;
    }
}

static void setop_close(lh_op_t *op)
{
    setop_op_t *st = op->priv;
    if (!st) return;
    lh__rowset_free(st->right);
    lh__rowset_free(st->seen);
    free(st->count);
}

int lh__op_setop(lh_op_t *op)
{
    const lh_plan_t *p = op->plan;
    setop_op_t *st = lh_arena_calloc(op->ex->arena, sizeof *st);
    lh_type_t *types = lh_arena_calloc(op->ex->arena, (p->ncols + 1) * sizeof *types);
    if (!st || !types) return LH_ENOMEM;
    op->priv = st;
    op->next = setop_next;
    op->close = setop_close;
    for (uint32_t i = 0; i < p->ncols; i++)
        types[i] = p->cols[i].type;
    if (lh__rowset_new(types, p->ncols, &st->right) || lh__rowset_new(types, p->ncols, &st->seen))
        return oom(op);
    return lh__op_out_batch(op);
}
