/* Runtime join filters: a FILTER node with rtf_join (placed by
 * opt/runtime_filter.c somewhere under the probe side of an INNER, RIGHT or
 * SEMI hash join) passes only the rows whose keys the join's build side
 * holds. The join builds its table before it pulls its probe side, and
 * publishes it in ex->rtf; the filter finds it on its first batch, hashes
 * its keys as the join does and checks the Bloom filter and, for an
 * integer key, the chain (exact). Rows it drops the join would drop too, so
 * the filter only saves the work in between (an aggregate of a
 * decorrelated subquery over keys nobody asks for, a join below). A filter
 * on one key of several (rtf_one) builds its own table of that key's values
 * from the join's stored keys (up to 256K rows). When the table is not found
 * or not built the filter passes everything, and after 32 batches that pass
 * more than 3/4 of their rows it stops checking. */
#include <string.h>

#include "sql/exec/exec_int.h"
#include "sql/exec/join_ht.h"

struct lh_rtf_entry {
    const lh_plan_t *join;
    const lh_join_ht_t *ht;
    const lh_join_rows_t *rows; /* the build rows and their keys */
    const bool *built;
    bool live; /* until the join closes */
    struct lh_rtf_entry *next;
};

int lh__rtf_publish(lh_exec_t *ex, const lh_plan_t *join, const lh_join_ht_t *ht,
                    const lh_join_rows_t *rows, const bool *built, struct lh_rtf_entry **out)
{
    struct lh_rtf_entry *e = lh_arena_calloc(ex->arena, sizeof *e);
    if (!e) return LH_ENOMEM;
    *e = (struct lh_rtf_entry){
        .join = join, .ht = ht, .rows = rows, .built = built, .live = true, .next = ex->rtf};
    ex->rtf = e;
    *out = e;
    return 0;
}

void lh__rtf_retire(struct lh_rtf_entry *e)
{
    if (e) e->live = false;
}

typedef struct rtf_state {
    lh_expr_state_t **keys;
    uint32_t nkeys;
    const struct lh_rtf_entry *src; /* NULL until found */
    const lh_join_ht_t *ht;         /* the table checked (the join's, or own) */
    lh_join_ht_t own;               /* rtf_one: key k's values alone */
    bool looked, off;
    uint64_t batches, seen, passed;
    uint64_t h[LH_BATCH_ROWS];
    int64_t ik[LH_BATCH_ROWS];
    uint32_t sel[LH_BATCH_ROWS];
} rtf_state_t;

static const struct lh_rtf_entry *find(const lh_exec_t *ex, const lh_plan_t *join)
{
    for (const struct lh_rtf_entry *e = ex->rtf; e; e = e->next)
        if (e->join == join && e->live) return e;
    return NULL;
}

/* Whether integer key ik (hash h, which passed the Bloom filter) is in t. */
static bool holds_int(const lh_join_ht_t *t, uint64_t h, int64_t ik)
{
    if (h == LH_JOIN_NULL_HASH) return false;
    uint64_t cur = t->heads[h & t->mask];
    while (cur && t->ikey[cur - 1] != ik)
        cur = t->next[cur - 1];
    return cur != 0;
}

/* rtf_one = k + 1: a table of the join's key k alone, from its stored
 * keys. 0, or LH_ETOOBIG / LH_ENOMEM: the filter then stays off. */
static int build_own(rtf_state_t *st, uint32_t k, const lh_type_t *type)
{
    const lh_join_rows_t *r = st->src->rows;
    if (r->nrows > (1u << 18)) return LH_ETOOBIG; /* ~32 bytes a row, outside the budget */
    st->own.nkeys = 1;
    st->own.int_key = lh__join_ht_int_types(type, type);
    for (uint32_t c = 0; c < r->nchunks; c++) {
        const lh_vector_t *kv = &r->chunks[c]->cols[r->ncols + k];
        uint32_t n = r->chunks[c]->count;
        lh__join_ht_hash(&st->own, &kv, n, st->h, st->ik);
        int rc = lh__join_ht_add(&st->own, st->h, st->ik, n);
        if (rc) return rc;
    }
    return lh__join_ht_finish(&st->own);
}

/* The table to check, once the join has built: 0, or 1 when there is none. */
static int table(lh_op_t *op, rtf_state_t *st)
{
    if (st->ht) return 0;
    if (!st->src || !st->src->live || !*st->src->built) return 1;
    uint32_t one = op->plan->u.filter.rtf_one;
    if (!one) {
        st->ht = st->src->ht;
        return 0;
    }
    if (build_own(st, one - 1, &op->plan->u.filter.rtf_keys[0]->type)) {
        st->off = true;
        return 1;
    }
    st->ht = &st->own;
    return 0;
}

/* The rows of in whose keys the table holds, into st->sel. */
static int check(rtf_state_t *st, const lh_batch_t *in, uint32_t *n)
{
    const lh_vector_t *kv[64];
    for (uint32_t k = 0; k < st->nkeys; k++) {
        int rc = lh_expr_eval(st->keys[k], in, NULL, in->count, &kv[k]);
        if (rc) return rc;
    }
    const lh_join_ht_t *t = st->ht;
    lh__join_ht_hash(t, kv, in->count, st->h, st->ik);
    uint32_t m = 0;
    for (uint32_t i = 0; i < in->count; i++) { /* the Bloom filter, without branches */
        uint64_t h = st->h[i], w = t->bloom[(h >> 40) & t->bmask];
        uint64_t bits = (UINT64_C(1) << (h & 63)) | (UINT64_C(1) << ((h >> 6) & 63));
        st->sel[m] = i;
        m += (w & bits) == bits;
    }
    if (t->int_key) { /* then the chain: exact (a NULL key never holds) */
        uint32_t kept = 0;
        for (uint32_t j = 0; j < m; j++) {
            uint32_t i = st->sel[j];
            if (holds_int(t, st->h[i], st->ik[i])) st->sel[kept++] = i;
        }
        m = kept;
    }
    *n = m; /* without an integer key a candidate may be a false one: the join checks */
    return 0;
}

static int rtf_next(lh_op_t *op, lh_batch_t **out)
{
    rtf_state_t *st = op->priv;
    if (!st->looked) {
        st->looked = true;
        st->src = find(op->ex, op->plan->u.filter.rtf_join);
    }
    for (;;) {
        lh_batch_t *in;
        int rc = lh__op_pull(op->child[0], &in);
        if (rc || !in) {
            *out = NULL;
            return rc;
        }
        if (st->off || table(op, st)) {
            *out = in;
            return 0;
        }
        uint32_t n;
        if ((rc = check(st, in, &n))) return rc;
        st->seen += in->count;
        st->passed += n;
        if (++st->batches == 32 && st->passed * 4 > st->seen * 3) st->off = true;
        if (n) return lh__op_filtered(op, in, st->sel, n, out);
    }
}

static void rtf_close(lh_op_t *op)
{
    rtf_state_t *st = op->priv;
    for (uint32_t k = 0; k < st->nkeys; k++)
        lh_expr_state_free(st->keys[k]);
    lh__join_ht_free(&st->own);
}

int lh__op_rtf(lh_op_t *op)
{
    const lh_plan_t *p = op->plan;
    rtf_state_t *st = lh_arena_calloc(op->ex->arena, sizeof *st);
    uint32_t nk = p->u.filter.rtf_one ? 1 : p->u.filter.rtf_join->u.join.nkeys;
    if (!st || nk > 64 || !(st->keys = lh_arena_calloc(op->ex->arena, nk * sizeof *st->keys)))
        return LH_ENOMEM;
    op->priv = st;
    op->next = rtf_next;
    op->close = rtf_close;
    for (; st->nkeys < nk; st->nkeys++) {
        int rc = lh_expr_state_new(op->ex, p->u.filter.rtf_keys[st->nkeys], &st->keys[st->nkeys]);
        if (rc) return rc;
    }
    return lh__op_out_batch(op);
}
