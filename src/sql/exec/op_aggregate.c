/* HASH_GROUP_BY: groups rows by their key values in a hash table and folds
 * each aggregate's arguments into per-group states; then hands out one row
 * per group (keys, then aggregate results) in the order groups appeared.
 * Without GROUP BY there is exactly one group, even over no rows.
 *
 * Storage: group keys are copied into batches of LH_BATCH_ROWS groups; the
 * aggregate states of a group are one row of `row_size` bytes in a block
 * per key batch; the table is open addressing over group numbers with the
 * full hash kept per group, so growing never re-reads keys. NULL keys form
 * their own group (SQL's GROUP BY treats NULLs as equal). */
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"
#include "sql/exec/exec_int.h"
#include "sql/exec/morsel.h"
#include "sql/exec/rowops.h"
#include "sql/exec/rowset.h"

typedef struct agg_op {
    lh_expr_state_t **keys;   /* ngroups key expressions */
    lh_expr_state_t ***args;  /* per aggregate: its argument expressions */
    lh_expr_state_t **filter; /* per aggregate: FILTER, or NULL */
    lh_rowset_t **seen;       /* per DISTINCT aggregate: (group, arguments) already folded */
    uint32_t nkeys, naggs;
    uint32_t *offset; /* per aggregate: its state's offset in a group row */
    uint32_t row_size;
    lh_type_t *key_types;
    uint8_t key_phys[64]; /* per key: lh_phys_t of its type */
    lh_batch_t **chunks;  /* group keys */
    uint8_t **blocks;     /* group states, LH_BATCH_ROWS rows per block */
    uint32_t nchunks, cap_chunks;
    uint64_t ngroups;
    uint64_t *slots, mask; /* hash's high 32 bits | (group number + 1); 0 empty */
    uint64_t *hashes;      /* per group */
    uint64_t cap_hashes;
    bool built;
    uint64_t out_next;
    lh_sql_actx_t actx;
    lh_arena_t *state_arena;
    const lh_vector_t *kv[64];
    lh_vector_t argv[LH_SQL_MAX_ARGS];
    uint64_t h[LH_BATCH_ROWS];
    uint64_t gid[LH_BATCH_ROWS];
    void *ptrs[LH_BATCH_ROWS];
    uint32_t sel[LH_BATCH_ROWS];
    uint32_t sel2[LH_BATCH_ROWS];
    lh_arena_t **kept; /* parallel: the workers' state arenas merged states may point into */
    uint32_t nkept;
} agg_op_t;

static int oom(lh_op_t *op)
{
    return lh_sql_err(op->ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory in GROUP BY");
}

static uint8_t *group_row(agg_op_t *st, uint64_t g)
{
    return st->blocks[g / LH_BATCH_ROWS] + (g % LH_BATCH_ROWS) * (size_t)st->row_size;
}

#define TAG UINT64_C(0xffffffff00000000) /* a slot's hash bits, checked before the keys */
#define MAX_GROUPS UINT64_C(0xfffffffe)

static int grow_table(agg_op_t *st)
{
    uint64_t cap = st->slots ? (st->mask + 1) * 2 : 1024;
    uint64_t *s = calloc(cap, sizeof *s);
    if (!s) return LH_ENOMEM;
    for (uint64_t g = 0; g < st->ngroups; g++) {
        uint64_t i = st->hashes[g] & (cap - 1);
        while (s[i])
            i = (i + 1) & (cap - 1);
        s[i] = (st->hashes[g] & TAG) | (g + 1);
    }
    free(st->slots);
    st->slots = s;
    st->mask = cap - 1;
    return 0;
}

static int new_chunk(lh_op_t *op, agg_op_t *st)
{
    if (st->nchunks == st->cap_chunks) {
        uint32_t cap = st->cap_chunks ? st->cap_chunks * 2 : 8;
        lh_batch_t **c = realloc(st->chunks, cap * sizeof *c);
        if (!c) return LH_ENOMEM;
        st->chunks = c;
        uint8_t **b = realloc(st->blocks, cap * sizeof *b);
        if (!b) return LH_ENOMEM;
        st->blocks = b;
        st->cap_chunks = cap;
    }
    st->blocks[st->nchunks] = calloc(LH_BATCH_ROWS, st->row_size ? st->row_size : 1);
    if (!st->blocks[st->nchunks]) return LH_ENOMEM;
    int rc = lh_batch_new(st->key_types, st->nkeys, &st->chunks[st->nchunks]);
    if (rc) {
        free(st->blocks[st->nchunks]);
        return rc;
    }
    st->nchunks++;
    return 0;
}

/* A new group from row r of the key vectors: keys copied, states initialised. */
static int add_group(lh_op_t *op, agg_op_t *st, uint32_t r, uint64_t h, uint64_t *g_out)
{
    uint64_t g = st->ngroups;
    if (g >= MAX_GROUPS)
        return lh_sql_err(op->ex->err, LH_ETOOBIG, LH_SQL_EOOM, -1,
                          "GROUP BY with too many groups");
    if (g % LH_BATCH_ROWS == 0) {
        int rc = lh__op_charge(op, lh__batch_bytes(st->key_types, st->nkeys) +
                                       (int64_t)st->row_size * LH_BATCH_ROWS + 32 * LH_BATCH_ROWS);
        if (!rc) rc = new_chunk(op, st);
        if (rc) return rc;
    }
    if (g == st->cap_hashes) {
        uint64_t cap = st->cap_hashes ? st->cap_hashes * 2 : 1024;
        uint64_t *hs = realloc(st->hashes, cap * sizeof *hs);
        if (!hs) return LH_ENOMEM;
        st->hashes = hs;
        st->cap_hashes = cap;
    }
    lh_batch_t *c = st->chunks[g / LH_BATCH_ROWS];
    for (uint32_t k = 0; k < st->nkeys; k++) {
        int rc = lh_vector_copy(&c->cols[k], c->count, st->kv[k], &r, 1);
        if (rc) return rc;
    }
    c->count++;
    st->hashes[g] = h;
    uint8_t *row = group_row(st, g);
    for (uint32_t j = 0; j < st->naggs; j++) {
        const lh_plan_agg_t *a = &op->plan->u.agg.aggs[j];
        a->agg->init(a->bind_data, row + st->offset[j]);
    }
    st->ngroups++;
    *g_out = g;
    return 0;
}

static bool keys_equal(agg_op_t *st, uint64_t g, uint32_t r)
{
    const lh_batch_t *c = st->chunks[g / LH_BATCH_ROWS];
    uint32_t gr = (uint32_t)(g % LH_BATCH_ROWS);
    for (uint32_t k = 0; k < st->nkeys; k++) {
        const lh_vector_t *kv = st->kv[k];
        bool a = lh_vector_is_valid(&c->cols[k], gr), b = lh_vector_is_valid(kv, r);
        if (a != b) return false;
        if (!a) continue;
        const lh_vector_t *gv = &c->cols[k]; /* group keys are flat */
        if (kv->kind == LH_VECTOR_FLAT && st->key_phys[k] == LH_PHYS_INT32) {
            if (((const int32_t *)gv->data)[gr] != ((const int32_t *)kv->data)[r]) return false;
        } else if (kv->kind == LH_VECTOR_FLAT && st->key_phys[k] == LH_PHYS_INT64) {
            if (((const int64_t *)gv->data)[gr] != ((const int64_t *)kv->data)[r]) return false;
        } else if (!lh__row_equal(gv, gr, kv, r))
            return false;
    }
    return true;
}

/* The group of row r of the key vectors st->kv (hash h), made when new. */
static int find_or_add(lh_op_t *op, agg_op_t *st, uint32_t r, uint64_t h, uint64_t *gid)
{
    if ((st->ngroups + 1) * 2 > st->mask + 1 && grow_table(st)) return oom(op);
    uint64_t i = h & st->mask, g = 0;
    for (;; i = (i + 1) & st->mask) {
        uint64_t s = st->slots[i];
        if (!s) {
            int arc = add_group(op, st, r, h, &g);
            if (arc) return op->ex->err->e.code ? arc : oom(op);
            st->slots[i] = (h & TAG) | (g + 1);
            break;
        }
        if (!((s ^ h) & TAG) && keys_equal(st, (s & ~TAG) - 1, r)) {
            g = (s & ~TAG) - 1;
            break;
        }
    }
    *gid = g;
    return 0;
}

static int find_groups(lh_op_t *op, agg_op_t *st, const lh_batch_t *in)
{
    uint32_t n = in->count;
    for (uint32_t k = 0; k < st->nkeys; k++) {
        int rc = lh_expr_eval(st->keys[k], in, NULL, n, &st->kv[k]);
        if (rc) return rc;
    }
    memset(st->h, 0, n * sizeof *st->h);
    for (uint32_t k = 0; k < st->nkeys; k++)
        lh__hash_column(st->kv[k], n, st->h);
    for (uint32_t r = 0; r < n; r++) {
        if (r + 16 < n && st->slots) __builtin_prefetch(&st->slots[st->h[r + 16] & st->mask]);
        int rc = find_or_add(op, st, r, st->h[r], &st->gid[r]);
        if (rc) return rc;
    }
    return 0;
}

static int fold_aggregate(lh_op_t *op, agg_op_t *st, uint32_t j, const lh_batch_t *in)
{
    const lh_plan_agg_t *a = &op->plan->u.agg.aggs[j];
    uint32_t n = in->count;
    const uint32_t *sel = NULL;
    if (st->filter[j]) {
        int rc = lh_expr_select(st->filter[j], in, n, st->sel, &n);
        if (rc) return rc;
        sel = st->sel;
    }
    if (!n) return 0;
    for (uint32_t i = 0; i < a->nargs; i++) {
        const lh_vector_t *v;
        int rc = lh_expr_eval(st->args[j][i], in, sel, n, &v);
        if (rc) return rc;
        st->argv[i] = *v;
    }
    if (st->seen[j]) { /* DISTINCT: only rows whose (group, arguments) are new */
        uint32_t m = 0;
        for (uint32_t i = 0; i < n; i++) {
            bool added;
            uint32_t row = sel ? sel[i] : i;
            if (lh__rowset_add(st->seen[j], st->gid[row], st->argv, i, &added)) return oom(op);
            if (added) st->sel2[m++] = row;
        }
        if (!m) return 0;
        n = m;
        sel = st->sel2;
        for (uint32_t i = 0; i < a->nargs; i++) {
            const lh_vector_t *v;
            int rc = lh_expr_eval(st->args[j][i], in, sel, n, &v);
            if (rc) return rc;
            st->argv[i] = *v;
        }
    }
    st->actx.bind_data = a->bind_data;
    st->actx.pos = a->pos;
    if (!st->nkeys && a->agg->update_one)
        return a->agg->update_one(&st->actx, st->argv, a->nargs, n,
                                  group_row(st, 0) + st->offset[j]);
    for (uint32_t i = 0; i < n; i++)
        st->ptrs[i] = group_row(st, st->gid[sel ? sel[i] : i]) + st->offset[j];
    return a->agg->update(&st->actx, st->argv, a->nargs, n, st->ptrs);
}

/* Folds every batch of child into st's groups. */
static int consume(lh_op_t *op, agg_op_t *st, lh_op_t *child)
{
    if (!st->nkeys && !st->ngroups) {
        uint64_t g;
        int arc = add_group(op, st, 0, 0, &g);
        if (arc) return op->ex->err->e.code ? arc : oom(op);
        memset(st->gid, 0, sizeof st->gid);
    }
    for (;;) {
        lh_batch_t *in;
        int rc = lh__op_pull(child, &in);
        if (rc) return rc;
        if (!in) return 0;
        if (st->nkeys && (rc = find_groups(op, st, in))) return rc;
        for (uint32_t j = 0; j < st->naggs; j++)
            if ((rc = fold_aggregate(op, st, j, in))) return rc;
    }
}

static int setup(lh_op_t *op, agg_op_t *st);
static void agg_free_state(lh_op_t *op, agg_op_t *st, bool keep_arena);

/* ---- parallel: one thread-local table per worker, merged at the end ---- */

typedef struct agg_worker {
    lh_exec_t ex;
    lh_sql_error_t err;
    lh_op_t *op; /* a private aggregate operator over the same plan (ex: the worker's) */
    agg_op_t *st;
    lh_op_t *child; /* the worker's own copy of the pipeline */
    int rc;
} agg_worker_t;

static int worker_run(void *arg, size_t i, unsigned worker)
{
    agg_worker_t *w = (agg_worker_t *)arg + i;
    w->rc = consume(w->op, w->st, w->child);
    return 0; /* every worker runs to its end; errors are collected after */
}

static int worker_new(lh_op_t *op, lh_morsels_t *m, agg_worker_t *w)
{
    w->ex = *op->ex;
    w->ex.err = &w->err;
    w->ex.morsels = m;
    w->ex.analyze = false;
    lh_sql_err_clear(&w->err);
    if (!(w->ex.arena = lh_arena_new(65536))) return LH_ENOMEM;
    if (!(w->st = calloc(1, sizeof *w->st))) return LH_ENOMEM;
    int rc = lh__op_new(&w->ex, op->plan, 0, &w->op);
    if (!rc) rc = setup(w->op, w->st);
    if (!rc) rc = lh_op_build(&w->ex, op->plan->child[0], &w->child);
    return rc;
}

static void worker_free(lh_op_t *op, agg_worker_t *w, agg_op_t *main)
{
    lh_op_close_tree(w->child);
    if (w->st) {
        agg_free_state(w->op, w->st, true);
        if (w->st->state_arena) { /* merged states may point into it: the main table keeps it */
            lh_arena_t **k = realloc(main->kept, (main->nkept + 1) * sizeof *k);
            if (k) {
                main->kept = k;
                k[main->nkept++] = w->st->state_arena;
            } else
                lh_arena_free(w->st->state_arena); /* unreachable in practice: tiny */
        }
        free(w->st);
    }
    if (w->op) lh__exec_release(&w->ex, w->op->charged);
    lh_arena_free(w->ex.arena);
    (void)op;
}

/* Moves worker w's groups into st: each group found or made, each state combined. */
static int merge(lh_op_t *op, agg_op_t *st, agg_worker_t *w)
{
    agg_op_t *ws = w->st;
    const lh_plan_t *p = op->plan;
    for (uint64_t g = 0; g < ws->ngroups; g++) {
        uint64_t mg = 0;
        if (st->nkeys) {
            lh_batch_t *c = ws->chunks[g / LH_BATCH_ROWS];
            for (uint32_t k = 0; k < st->nkeys; k++)
                st->kv[k] = &c->cols[k];
            int rc = find_or_add(op, st, (uint32_t)(g % LH_BATCH_ROWS), ws->hashes[g], &mg);
            if (rc) return rc;
        }
        for (uint32_t j = 0; j < st->naggs; j++) {
            const lh_plan_agg_t *a = &p->u.agg.aggs[j];
            st->actx.bind_data = a->bind_data;
            int rc = a->agg->combine(&st->actx, group_row(ws, g) + ws->offset[j],
                                     group_row(st, mg) + st->offset[j]);
            if (rc) return rc;
        }
    }
    return 0;
}

/* Takes over worker w's table whole when st has none yet (no merging). */
static int adopt(lh_op_t *op, agg_op_t *st, agg_worker_t *w)
{
    agg_op_t *ws = w->st;
    int rc = lh__op_charge(op, w->op->charged);
    if (rc) return rc;
    free(st->chunks);
    free(st->blocks);
    free(st->slots);
    free(st->hashes);
    st->chunks = ws->chunks;
    st->blocks = ws->blocks;
    st->nchunks = ws->nchunks;
    st->cap_chunks = ws->cap_chunks;
    st->ngroups = ws->ngroups;
    st->slots = ws->slots;
    st->mask = ws->mask;
    st->hashes = ws->hashes;
    st->cap_hashes = ws->cap_hashes;
    ws->chunks = NULL;
    ws->blocks = NULL;
    ws->slots = ws->hashes = NULL;
    ws->nchunks = ws->cap_chunks = 0;
    ws->ngroups = ws->cap_hashes = 0;
    return 0;
}

/* 1: built in parallel; 0: not splittable (build serially); < 0 an error. */
static int build_parallel(lh_op_t *op, agg_op_t *st)
{
    int threads = op->ex->threads;
    if (threads < 2 || op->ex->analyze || op->ex->morsels || !op->ex->pool) return 0;
    for (uint32_t j = 0; j < st->naggs; j++)
        if (op->plan->u.agg.aggs[j].distinct) return 0;
    if (threads > 64) threads = 64;
    lh_morsels_t m = {0};
    int ok = lh__morsels_init(op->ex, op->plan->child[0], &m);
    if (ok <= 0) return ok;
    agg_worker_t *w = calloc((size_t)threads, sizeof *w);
    int rc = w ? 0 : oom(op);
    for (int i = 0; !rc && i < threads; i++)
        rc = worker_new(op, &m, &w[i]);
    if (!rc) lh_pool_parallel_for(op->ex->pool, (size_t)threads, worker_run, w);
    for (int i = 0; !rc && i < threads; i++)
        if (w[i].rc) {
            *op->ex->err = w[i].err;
            rc = w[i].rc;
        }
    if (!rc && !st->ngroups) rc = adopt(op, st, &w[0]);
    if (!rc && !st->nkeys && !st->ngroups) {
        uint64_t g;
        rc = add_group(op, st, 0, 0, &g);
    }
    for (int i = 1; !rc && i < threads; i++)
        rc = merge(op, st, &w[i]);
    for (int i = 0; w && i < threads; i++)
        worker_free(op, &w[i], st);
    free(w);
    lh__morsels_free(&m);
    return rc ? rc : 1;
}

static int build(lh_op_t *op, agg_op_t *st)
{
    int rc = build_parallel(op, st);
    if (rc < 0) return rc;
    if (!rc && (rc = consume(op, st, op->child[0]))) return rc;
    st->built = true;
    return 0;
}

static int agg_next(lh_op_t *op, lh_batch_t **out)
{
    agg_op_t *st = op->priv;
    *out = NULL;
    if (!st->built) {
        int rc = build(op, st);
        if (rc) return rc;
    }
    if (st->out_next >= st->ngroups) return 0;
    uint32_t ci = (uint32_t)(st->out_next / LH_BATCH_ROWS);
    const lh_batch_t *c = st->chunks[ci];
    uint32_t n = st->nkeys ? c->count : 1;
    lh_batch_reset(op->out);
    for (uint32_t k = 0; k < st->nkeys; k++)
        if (lh_vector_copy(&op->out->cols[k], 0, &c->cols[k], NULL, n)) return oom(op);
    for (uint32_t i = 0; i < n; i++)
        st->ptrs[i] = group_row(st, st->out_next + i);
    for (uint32_t j = 0; j < st->naggs; j++) {
        const lh_plan_agg_t *a = &op->plan->u.agg.aggs[j];
        for (uint32_t i = 0; i < n; i++)
            st->ptrs[i] = group_row(st, st->out_next + i) + st->offset[j];
        st->actx.bind_data = a->bind_data;
        lh_vector_t *o = &op->out->cols[st->nkeys + j];
        int rc = a->agg->finalize(&st->actx, st->ptrs, n, o);
        if (rc) return rc;
    }
    st->out_next += n;
    op->out->count = n;
    *out = op->out;
    return 0;
}

/* Frees what st holds (states destroyed); its state arena too unless keep_arena. */
static void agg_free_state(lh_op_t *op, agg_op_t *st, bool keep_arena)
{
    for (uint64_t g = 0; g < st->ngroups && st->offset; g++)
        for (uint32_t j = 0; j < st->naggs; j++) {
            const lh_plan_agg_t *a = &op->plan->u.agg.aggs[j];
            if (a->agg->destroy) a->agg->destroy(group_row(st, g) + st->offset[j]);
        }
    for (uint32_t i = 0; i < st->nchunks; i++) {
        lh_batch_free(st->chunks[i]);
        free(st->blocks[i]);
    }
    free(st->chunks);
    free(st->blocks);
    free(st->slots);
    free(st->hashes);
    for (uint32_t k = 0; k < st->nkeys && st->keys; k++)
        lh_expr_state_free(st->keys[k]);
    for (uint32_t j = 0; j < st->naggs && st->args && st->filter; j++) {
        for (uint32_t i = 0; st->args[j] && i < op->plan->u.agg.aggs[j].nargs; i++)
            lh_expr_state_free(st->args[j][i]);
        lh_expr_state_free(st->filter[j]);
        if (st->seen) lh__rowset_free(st->seen[j]);
    }
    for (uint32_t i = 0; i < st->nkept; i++)
        lh_arena_free(st->kept[i]);
    free(st->kept);
    if (!keep_arena) lh_arena_free(st->state_arena);
}

static void agg_close(lh_op_t *op)
{
    agg_op_t *st = op->priv;
    if (!st) return;
    agg_free_state(op, st, false);
    free(st);
    op->priv = NULL;
}

static int setup(lh_op_t *op, agg_op_t *st)
{
    const lh_plan_t *p = op->plan;
    lh_arena_t *a = op->ex->arena;
    st->nkeys = p->u.agg.ngroups;
    st->naggs = p->u.agg.naggs;
    if (st->nkeys > 64)
        return lh_sql_err(op->ex->err, LH_EINVAL, LH_SQL_ENOTIMPL, -1,
                          "GROUP BY over more than 64 expressions");
    st->keys = lh_arena_calloc(a, (st->nkeys + 1) * sizeof *st->keys);
    st->key_types = lh_arena_calloc(a, (st->nkeys + 1) * sizeof *st->key_types);
    st->args = lh_arena_calloc(a, (st->naggs + 1) * sizeof *st->args);
    st->filter = lh_arena_calloc(a, (st->naggs + 1) * sizeof *st->filter);
    st->offset = lh_arena_calloc(a, (st->naggs + 1) * sizeof *st->offset);
    st->seen = lh_arena_calloc(a, (st->naggs + 1) * sizeof *st->seen);
    st->state_arena = lh_arena_new(65536);
    if (!st->keys || !st->key_types || !st->args || !st->filter || !st->offset || !st->seen ||
        !st->state_arena)
        return LH_ENOMEM;
    st->actx.err = op->ex->err;
    st->actx.arena = st->state_arena;
    for (uint32_t k = 0; k < st->nkeys; k++) {
        st->key_types[k] = p->u.agg.groups[k]->type;
        st->key_phys[k] = (uint8_t)lh_type_physical(&st->key_types[k]);
        int rc = lh_expr_state_new(op->ex, p->u.agg.groups[k], &st->keys[k]);
        if (rc) return rc;
    }
    for (uint32_t j = 0; j < st->naggs; j++) {
        const lh_plan_agg_t *ag = &p->u.agg.aggs[j];
        if (ag->distinct) {
            lh_type_t at[LH_SQL_MAX_ARGS];
            for (uint32_t i = 0; i < ag->nargs && i < LH_SQL_MAX_ARGS; i++)
                at[i] = ag->args[i]->type;
            if (ag->nargs > LH_SQL_MAX_ARGS || lh__rowset_new(at, ag->nargs, &st->seen[j]))
                return LH_ENOMEM;
        }
        if (ag->nargs > LH_SQL_MAX_ARGS) return LH_EINVAL;
        st->offset[j] = st->row_size;
        st->row_size += (ag->agg->state_size + 15) & ~15u;
        st->args[j] = lh_arena_calloc(a, (ag->nargs + 1) * sizeof **st->args);
        if (!st->args[j]) return LH_ENOMEM;
        for (uint32_t i = 0; i < ag->nargs; i++) {
            int rc = lh_expr_state_new(op->ex, ag->args[i], &st->args[j][i]);
            if (rc) return rc;
        }
        if (ag->filter) {
            int rc = lh_expr_state_new(op->ex, ag->filter, &st->filter[j]);
            if (rc) return rc;
        }
    }
    return 0;
}

int lh__op_aggregate(lh_op_t *op)
{
    agg_op_t *st = calloc(1, sizeof *st);
    if (!st) return oom(op);
    op->priv = st;
    op->next = agg_next;
    op->close = agg_close;
    int rc = setup(op, st);
    if (rc) return rc == LH_ENOMEM ? oom(op) : rc;
    return lh__op_out_batch(op);
}
