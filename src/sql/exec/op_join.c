/* HASH_JOIN (and, without keys, a nested-loop join): the right input is read
 * whole into batches with its key values and a chained hash table over
 * them; then each left batch probes it. Candidate pairs with equal keys are
 * gathered into a batch of left ++ right columns, the residual condition
 * (the rest of ON) is evaluated over it, and what passes is handed out.
 * NULL keys never match. LEFT/FULL hand out unmatched left rows with NULL
 * right columns after each left batch, RIGHT/FULL the unmatched right rows
 * at the end; SEMI/ANTI hand out each left row at most once. A NULL-aware
 * ANTI join (NOT IN) returns nothing when the right side has a NULL key. */
#include <stdlib.h>
#include <string.h>

#include "sql/exec/exec_int.h"
#include "sql/exec/join_ht.h"
#include "sql/exec/rowops.h"
#include "sql/parser/ast.h"

enum { PH_PROBE, PH_LEFT_TAIL, PH_RIGHT_TAIL, PH_DONE };

typedef struct join_op {
    uint32_t nl, nr, nkeys; /* left columns, right columns, keys */
    lh_expr_state_t **lkeys, **rkeys, *cond;
    /* the build side: right rows ++ key values, in batches */
    lh_join_rows_t rows;
    lh_join_ht_t ht;
    uint8_t *rmatched;
    bool built;
    /* probing */
    int phase;
    lh_batch_t *lb; /* the left batch being probed (the child's) */
    const lh_vector_t *lk[64];
    uint64_t lh[LH_BATCH_ROWS]; /* the left batch's key hashes */
    int64_t lik[LH_BATCH_ROWS]; /* and integer keys */
    uint64_t bh[LH_BATCH_ROWS]; /* build scratch */
    int64_t bik[LH_BATCH_ROWS];
    uint8_t lmatched[LH_BATCH_ROWS];
    uint32_t li;  /* next left row */
    uint64_t cur; /* chain position (row + 1) of li, 0: start */
    bool in_chain;
    uint64_t rtail; /* RIGHT_TAIL: next right row */
    bool ltail_done;
    lh_batch_t *pairs; /* left ++ right columns */
    uint32_t pl[LH_BATCH_ROWS];
    uint64_t pr[LH_BATCH_ROWS];
    uint32_t sel[LH_BATCH_ROWS];
    lh_batch_t view;          /* SEMI/ANTI output: the left columns of pairs */
    bool *need;               /* per pairs column (left ++ right): read above or by the condition */
    struct lh_rtf_entry *rtf; /* the table as runtime filters find it (op_rtf.c) */
} join_op_t;

static int oom(lh_op_t *op)
{
    return lh_sql_err(op->ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory in a join");
}

static const lh_vector_t *bcol(const join_op_t *st, uint64_t g, uint32_t col, uint32_t *row)
{
    *row = (uint32_t)(g % LH_BATCH_ROWS);
    return &st->rows.chunks[g / LH_BATCH_ROWS]->cols[col];
}

/* ---- build ---- */

static int append_right(lh_op_t *op, join_op_t *st, lh_batch_t *in)
{
    const lh_vector_t *kv[64];
    for (uint32_t k = 0; k < st->nkeys; k++) {
        int rc = lh_expr_eval(st->rkeys[k], in, NULL, in->count, &kv[k]);
        if (rc) return rc;
    }
    if (st->nkeys) {
        lh__join_ht_hash(&st->ht, kv, in->count, st->bh, st->bik);
        int rc = lh__join_ht_add(&st->ht, st->bh, st->bik, in->count);
        if (rc)
            return rc == LH_ENOMEM ? oom(op)
                                   : lh_sql_err(op->ex->err, rc, LH_SQL_EOOM, -1,
                                                "a join's build side is too big");
    }
    int rc = lh__join_rows_append(op, &st->rows, in, kv);
    return rc == LH_ENOMEM ? oom(op) : rc;
}

static int build_table(lh_op_t *op, join_op_t *st)
{
    for (;;) {
        lh_batch_t *in;
        int rc = lh__op_pull(op->child[1], &in);
        if (rc) return rc;
        if (!in) break;
        if ((rc = append_right(op, st, in))) return rc;
    }
    st->rmatched = calloc(st->rows.nrows + 1, 1);
    if (!st->rmatched || lh__join_ht_finish(&st->ht)) return oom(op);
    st->built = true;
    return 0;
}

/* ---- probe ---- */

static bool keys_equal(join_op_t *st, uint32_t li, uint64_t g)
{
    for (uint32_t k = 0; k < st->nkeys; k++) {
        uint32_t r;
        const lh_vector_t *v = bcol(st, g, st->nr + k, &r);
        if (!lh__row_equal(st->lk[k], li, v, r)) return false;
    }
    return true;
}

static int next_left(lh_op_t *op, join_op_t *st)
{
    int rc = lh__op_pull(op->child[0], &st->lb);
    if (rc || !st->lb) return rc;
    st->li = 0;
    st->in_chain = false;
    memset(st->lmatched, 0, st->lb->count);
    st->ltail_done = false;
    for (uint32_t k = 0; k < st->nkeys; k++) {
        rc = lh_expr_eval(st->lkeys[k], st->lb, NULL, st->lb->count, &st->lk[k]);
        if (rc) return rc;
    }
    if (st->nkeys) lh__join_ht_hash(&st->ht, st->lk, st->lb->count, st->lh, st->lik);
    return 0;
}

/* Fills pl/pr with candidate pairs of the current left batch; returns their count. */
static uint32_t collect_pairs(join_op_t *st, bool first_only)
{
    uint32_t n = 0;
    while (st->li < st->lb->count && n < LH_BATCH_ROWS) {
        uint32_t i = st->li;
        bool null_key = st->nkeys && st->lh[i] == LH_JOIN_NULL_HASH;
        if (null_key || (first_only && st->lmatched[i])) {
            st->li++;
            st->in_chain = false;
            continue;
        }
        if (!st->in_chain) {
            st->cur = st->nkeys ? lh__join_ht_first(&st->ht, st->lh[i]) : (st->rows.nrows ? 1 : 0);
            st->in_chain = true;
        }
        while (st->cur && n < LH_BATCH_ROWS) {
            uint64_t g = st->cur - 1;
            st->cur = st->nkeys ? st->ht.next[g] : (g + 1 < st->rows.nrows ? g + 2 : 0);
            if (st->nkeys &&
                (st->ht.int_key ? st->ht.ikey[g] != st->lik[i]
                                : st->ht.hash[g] != st->lh[i] || !keys_equal(st, i, g)))
                continue;
            st->pl[n] = i;
            st->pr[n] = g;
            n++;
            if (first_only) {
                st->cur = 0;
                break;
            }
        }
        if (!st->cur) {
            st->li++;
            st->in_chain = false;
        }
    }
    return n;
}

/* Column c of an output batch that nothing reads: one NULL constant. */
static void null_column(lh_vector_t *v)
{
    lh_vector_set_null(v, 0);
    lh_vector_set_constant(v);
}

static int gather_pairs(lh_op_t *op, join_op_t *st, uint32_t n)
{
    lh_batch_reset(st->pairs);
    for (uint32_t c = 0; c < st->nl; c++)
        if (!st->need[c])
            null_column(&st->pairs->cols[c]);
        else if (lh__vector_select(&st->pairs->cols[c], &st->lb->cols[c], st->pl, n))
            return oom(op);
    for (uint32_t c = 0; c < st->nr; c++)
        if (!st->need[st->nl + c])
            null_column(&st->pairs->cols[st->nl + c]);
        else if (lh__join_rows_gather(&st->rows, c, st->pr, n, &st->pairs->cols[st->nl + c]))
            return oom(op);
    st->pairs->count = n;
    return 0;
}

/* One batch of matched pairs (kept rows in st->sel), or 0 rows when the
 * left batch is exhausted. */
static int probe_batch(lh_op_t *op, join_op_t *st, uint32_t *nkept)
{
    uint8_t kind = op->plan->u.join.kind;
    bool semi = kind == LH_JOIN_SEMI || kind == LH_JOIN_ANTI || kind == LH_JOIN_KIND_MARK;
    for (;;) {
        uint32_t n = collect_pairs(st, semi && !st->cond);
        if (!n) {
            *nkept = 0;
            return 0;
        }
        uint32_t kept = n;
        if (st->cond) {
            int rc = gather_pairs(op, st, n);
            if (!rc) rc = lh_expr_select(st->cond, st->pairs, n, st->sel, &kept);
            if (rc) return rc;
        } else {
            for (uint32_t k = 0; k < n; k++)
                st->sel[k] = k;
        }
        for (uint32_t k = 0; k < kept; k++) {
            st->lmatched[st->pl[st->sel[k]]] = 1;
            st->rmatched[st->pr[st->sel[k]]] = 1;
        }
        if (semi || !kept) continue;
        if (!st->cond) {
            int rc = gather_pairs(op, st, n);
            if (rc) return rc;
        }
        *nkept = kept;
        return 0;
    }
}

static int emit_pairs(lh_op_t *op, join_op_t *st, uint32_t kept, lh_batch_t **out)
{
    if (kept == st->pairs->count) {
        *out = st->pairs;
        return 0;
    }
    lh_batch_reset(op->out);
    for (uint32_t c = 0; c < op->out->ncols; c++)
        if (!st->need[c])
            null_column(&op->out->cols[c]);
        else if (lh_vector_copy(&op->out->cols[c], 0, &st->pairs->cols[c], st->sel, kept))
            return oom(op);
    op->out->count = kept;
    *out = op->out;
    return 0;
}

/* Left rows of the finished left batch that LEFT/FULL/SEMI/ANTI still owe. */
static int emit_left_tail(lh_op_t *op, join_op_t *st, lh_batch_t **out)
{
    uint8_t kind = op->plan->u.join.kind;
    uint32_t n = 0;
    bool want_matched = kind == LH_JOIN_SEMI;
    bool null_aware = op->plan->u.join.mark && kind == LH_JOIN_ANTI;
    bool all = kind == LH_JOIN_KIND_MARK;
    if (null_aware && st->ht.null_key) return 0;
    for (uint32_t i = 0; i < st->lb->count; i++) {
        if (!all && (bool)st->lmatched[i] != want_matched) continue;
        if (null_aware && st->nkeys && st->rows.nrows && st->lh[i] == LH_JOIN_NULL_HASH) continue;
        st->pl[n++] = i;
    }
    if (!n) return 0;
    lh_batch_t *o = kind == LH_JOIN_SEMI || kind == LH_JOIN_ANTI || all ? op->out : st->pairs;
    lh_batch_reset(o);
    for (uint32_t c = 0; c < st->nl; c++)
        if (!st->need[c])
            null_column(&o->cols[c]);
        else if (lh_vector_copy(&o->cols[c], 0, &st->lb->cols[c], st->pl, n))
            return oom(op);
    if (all) { /* the mark: whether the row had a match */
        uint8_t *m = o->cols[st->nl].data;
        for (uint32_t k = 0; k < n; k++)
            m[k] = st->lmatched[st->pl[k]];
    } else
        for (uint32_t c = st->nl; c < o->ncols; c++)
            for (uint32_t k = 0; k < n; k++)
                lh_vector_set_null(&o->cols[c], k);
    o->count = n;
    *out = o;
    return 0;
}

static int emit_right_tail(lh_op_t *op, join_op_t *st, lh_batch_t **out)
{
    uint32_t n = 0;
    lh_batch_reset(st->pairs);
    while (st->rtail < st->rows.nrows && n < LH_BATCH_ROWS) {
        uint64_t g = st->rtail++;
        if (st->rmatched[g]) continue;
        for (uint32_t c = 0; c < st->nr; c++) {
            uint32_t r;
            if (!st->need[st->nl + c]) continue;
            const lh_vector_t *v = bcol(st, g, c, &r);
            if (lh_vector_copy(&st->pairs->cols[st->nl + c], n, v, &r, 1)) return oom(op);
        }
        for (uint32_t c = 0; c < st->nl; c++)
            lh_vector_set_null(&st->pairs->cols[c], n);
        n++;
    }
    for (uint32_t c = 0; c < st->nr; c++)
        if (!st->need[st->nl + c]) null_column(&st->pairs->cols[st->nl + c]);
    st->pairs->count = n;
    *out = n ? st->pairs : NULL;
    return 0;
}

static int join_next(lh_op_t *op, lh_batch_t **out)
{
    join_op_t *st = op->priv;
    uint8_t kind = op->plan->u.join.kind;
    *out = NULL;
    if (!st->built) {
        int rc = build_table(op, st);
        if (rc) return rc;
    }
    while (st->phase != PH_DONE) {
        int rc = 0;
        if (st->phase == PH_PROBE) {
            if (!st->lb && ((rc = next_left(op, st)) || !st->lb)) {
                if (rc) return rc;
                st->phase = kind == LH_JOIN_RIGHT || kind == LH_JOIN_FULL ? PH_RIGHT_TAIL : PH_DONE;
                continue;
            }
            uint32_t kept;
            if ((rc = probe_batch(op, st, &kept))) return rc;
            if (kept) return emit_pairs(op, st, kept, out);
            st->phase = PH_LEFT_TAIL;
        } else if (st->phase == PH_LEFT_TAIL) {
            st->phase = PH_PROBE;
            bool owes = kind == LH_JOIN_LEFT || kind == LH_JOIN_FULL || kind == LH_JOIN_SEMI ||
                        kind == LH_JOIN_ANTI || kind == LH_JOIN_KIND_MARK;
            lh_batch_t *lb = st->lb;
            if (owes && (rc = emit_left_tail(op, st, out))) return rc;
            st->lb = NULL;
            (void)lb;
            if (*out) return 0;
        } else {
            if ((rc = emit_right_tail(op, st, out))) return rc;
            if (*out) return 0;
            st->phase = PH_DONE;
        }
    }
    return 0;
}

static void join_close(lh_op_t *op)
{
    join_op_t *st = op->priv;
    if (!st) return;
    lh__rtf_retire(st->rtf);
    lh__join_rows_free(&st->rows);
    lh__join_ht_free(&st->ht);
    free(st->rmatched);
    lh_batch_free(st->pairs);
    for (uint32_t k = 0; k < st->nkeys; k++) {
        if (st->lkeys) lh_expr_state_free(st->lkeys[k]);
        if (st->rkeys) lh_expr_state_free(st->rkeys[k]);
    }
    lh_expr_state_free(st->cond);
    free(st);
    op->priv = NULL;
}

/* Which pairs columns to fill: those the plan's parent reads (column
 * pruning's mask over the output; SEMI/ANTI/MARK output left columns only)
 * and those the residual condition reads. */
static int setup_need(lh_op_t *op, join_op_t *st)
{
    const lh_plan_t *p = op->plan;
    uint32_t n = st->nl + st->nr;
    if (!(st->need = lh_arena_calloc(op->ex->arena, n + 1))) return LH_ENOMEM;
    const bool *read = p->u.join.read;
    for (uint32_t c = 0; c < n; c++)
        st->need[c] = c < p->ncols && (!read || read[c]);
    uint8_t kind = p->u.join.kind;
    if (kind == LH_JOIN_SEMI || kind == LH_JOIN_ANTI || kind == LH_JOIN_KIND_MARK)
        memset(st->need + st->nl, 0, st->nr);
    if (p->u.join.cond) lh_bx_refs(p->u.join.cond, st->need, n);
    st->rows.need = st->need + st->nl; /* the build side stores the right columns read */
    return 0;
}

static int setup(lh_op_t *op, join_op_t *st)
{
    const lh_plan_t *p = op->plan;
    const lh_plan_t *l = p->child[0], *r = p->child[1];
    lh_arena_t *a = op->ex->arena;
    st->nl = l->ncols;
    st->nr = r->ncols;
    st->nkeys = p->u.join.nkeys;
    if (st->nkeys > 64)
        return lh_sql_err(op->ex->err, LH_EINVAL, LH_SQL_ENOTIMPL, -1,
                          "a join on more than 64 keys");
    lh__join_ht_setup(&st->ht, p);
    lh_type_t *btypes = lh_arena_calloc(a, (st->nr + st->nkeys + 1) * sizeof *btypes);
    lh_type_t *ptypes = lh_arena_calloc(a, (st->nl + st->nr + 1) * sizeof *ptypes);
    st->lkeys = lh_arena_calloc(a, (st->nkeys + 1) * sizeof *st->lkeys);
    st->rkeys = lh_arena_calloc(a, (st->nkeys + 1) * sizeof *st->rkeys);
    if (!btypes || !ptypes || !st->lkeys || !st->rkeys) return LH_ENOMEM;
    st->rows = (lh_join_rows_t){.types = btypes, .ncols = st->nr, .nkeys = st->nkeys};
    for (uint32_t c = 0; c < st->nr; c++)
        btypes[c] = r->cols[c].type;
    for (uint32_t k = 0; k < st->nkeys; k++) {
        btypes[st->nr + k] = p->u.join.right_keys[k]->type;
        int rc = lh_expr_state_new(op->ex, p->u.join.left_keys[k], &st->lkeys[k]);
        if (!rc) rc = lh_expr_state_new(op->ex, p->u.join.right_keys[k], &st->rkeys[k]);
        if (rc) return rc;
    }
    for (uint32_t c = 0; c < st->nl; c++)
        ptypes[c] = l->cols[c].type;
    for (uint32_t c = 0; c < st->nr; c++)
        ptypes[st->nl + c] = r->cols[c].type;
    if (lh_batch_new(ptypes, st->nl + st->nr, &st->pairs)) return LH_ENOMEM;
    if (p->u.join.cond) {
        int rc = lh_expr_state_new(op->ex, p->u.join.cond, &st->cond);
        if (rc) return rc;
    }
    if (st->nkeys && lh__rtf_publish(op->ex, p, &st->ht, &st->rows, &st->built, &st->rtf))
        return LH_ENOMEM;
    return setup_need(op, st);
}

int lh__op_join(lh_op_t *op)
{
    if (op->plan->u.join.build_left) return lh__op_join_build_left(op);
    join_op_t *st = calloc(1, sizeof *st);
    if (!st) return oom(op);
    op->priv = st;
    op->next = join_next;
    op->close = join_close;
    int rc = setup(op, st);
    if (rc) return rc == LH_ENOMEM ? oom(op) : rc;
    return lh__op_out_batch(op);
}
