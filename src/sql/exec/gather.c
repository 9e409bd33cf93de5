/* GATHER: a statement's streaming pipeline (filters and projections over one
 * Parquet, CSV/JSON or memory-table scan) run on the pool's threads, its
 * rows handed out in the order one thread would have produced them.
 *
 * The scan's units (a CSV/JSON file, a Parquet row group, a run of memory
 * chunks) are numbered in scan order. A round gives one unit per thread
 * (up to ROUND_TASKS) to lh_pool_parallel_for: a task builds its own copy of
 * the pipeline over that one unit (its morsels hand out that unit only),
 * runs it to its end and keeps copies of the batches it made (packed: a
 * selective filter's small batches share one while they fit); then the
 * round's batches are handed out unit by unit, and the next round starts
 * when they are gone. So the output is the serial output, row for row, and
 * memory holds at most a round's output: a unit per thread. Joins stay
 * serial (each task would rebuild the hash table), and so do EXPLAIN
 * ANALYZE and nested use. */
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"
#include "sql/catalog/memtable.h"
#include "sql/exec/exec_int.h"
#include "sql/exec/morsel.h"

#define ROUND_TASKS 16 /* units per round at most (one per thread) */
#define MEM_CHUNKS 16  /* memory-table chunks per unit */

typedef struct task {
    lh_batch_t **b; /* the unit's output, copied */
    uint32_t n, cap;
    int rc;
    lh_sql_error_t err;
} task_t;

typedef struct gather {
    lh_morsels_t tmpl; /* the pipeline's scan and its units (row groups per file) */
    uint32_t nunits, next_unit;
    uint32_t *unit_file, *unit_rg; /* Parquet: per unit, its file and row group */
    task_t tasks[ROUND_TASKS];
    uint32_t ntasks, emit_task, emit_batch;
    lh_batch_t *handed; /* the batch handed out last, freed at the next call */
    lh_type_t *types;
} gather_t;

/* The scan under a chain of filters and projections, or NULL. */
static const lh_plan_t *chain_scan(const lh_plan_t *p, bool *work)
{
    *work = false;
    while (p && (p->kind == LH_PLAN_FILTER || p->kind == LH_PLAN_PROJECT)) {
        *work = true;
        p = p->child[0];
    }
    return p && (p->kind == LH_PLAN_SCAN_PARQUET || p->kind == LH_PLAN_SCAN_TEXT ||
                 p->kind == LH_PLAN_SCAN_MEMORY)
               ? p
               : NULL;
}

/* The morsels of a task: the template's scan, handing out unit u only. */
static void task_morsels(const gather_t *g, uint32_t u, lh_morsels_t *m)
{
    *m = g->tmpl;
    pthread_mutex_init(&m->mu, NULL);
    switch (g->tmpl.scan->kind) {
    case LH_PLAN_SCAN_TEXT:
        m->file = u;
        m->left = 1;
        break;
    case LH_PLAN_SCAN_PARQUET:
        m->file = g->unit_file[u];
        m->rg = g->unit_rg[u];
        m->left = 1;
        break;
    default: /* memory */
        m->chunk = u * MEM_CHUNKS;
        m->left = MEM_CHUNKS;
        break;
    }
}

typedef struct round {
    lh_op_t *op;
    gather_t *g;
} round_t;

static int run_task(void *arg, size_t i, unsigned worker)
{
    (void)worker;
    round_t *r = arg;
    gather_t *g = r->g;
    task_t *t = &g->tasks[i];
    lh_exec_t ex = *r->op->ex;
    lh_sql_err_clear(&t->err);
    ex.err = &t->err;
    ex.analyze = false;
    lh_morsels_t m;
    task_morsels(g, g->next_unit + (uint32_t)i, &m);
    ex.morsels = &m;
    lh_op_t *root = NULL;
    int rc = (ex.arena = lh_arena_new(65536)) ? 0 : LH_ENOMEM;
    if (!rc) rc = lh_op_build(&ex, r->op->plan, &root);
    while (!rc) {
        lh_batch_t *in;
        if ((rc = lh_op_next(root, &in)) || !in) break;
        /* a filter's few rows join the last batch while they fit: a batch
           each would hold a batch's memory for them (every column's whole
           arrays), and the consumer would copy as many small ones */
        lh_batch_t *last = t->n ? t->b[t->n - 1] : NULL;
        if (last && in->count <= LH_BATCH_ROWS - last->count) {
            if ((rc = lh_batch_append(last, in, NULL, in->count))) break;
            continue;
        }
        if (t->n == t->cap) {
            uint32_t cap = t->cap ? 2 * t->cap : 8;
            lh_batch_t **b = realloc(t->b, cap * sizeof *b);
            if (!b) {
                rc = LH_ENOMEM;
                break;
            }
            t->b = b;
            t->cap = cap;
        }
        lh_batch_t *c;
        if ((rc = lh_batch_new(g->types, r->op->plan->ncols, &c))) break;
        t->b[t->n++] = c;
        rc = lh_batch_append(c, in, NULL, in->count);
    }
    lh_op_close_tree(root);
    lh_arena_free(ex.arena);
    pthread_mutex_destroy(&m.mu);
    if (rc && !t->err.e.code) lh_sql_err(&t->err, rc, LH_SQL_EOOM, -1, "out of memory");
    t->rc = rc;
    return rc;
}

static void free_tasks(gather_t *g)
{
    for (uint32_t i = 0; i < ROUND_TASKS; i++) {
        task_t *t = &g->tasks[i];
        for (uint32_t k = 0; k < t->n; k++)
            lh_batch_free(t->b[k]);
        free(t->b);
        *t = (task_t){0};
    }
}

/* The next round: its units' pipelines run, their output kept. */
static int run_round(lh_op_t *op, gather_t *g)
{
    free_tasks(g);
    g->ntasks = g->nunits - g->next_unit;
    /* one unit per thread: a round holds no more output than that (a unit
       may be a whole file), and no unit waits for a thread (a round of more
       measured slower on 2 cores: its last unit ran alone) */
    uint32_t most = op->ex->threads < 2 ? 2 : (uint32_t)op->ex->threads;
    if (most > ROUND_TASKS) most = ROUND_TASKS;
    if (g->ntasks > most) g->ntasks = most;
    g->emit_task = g->emit_batch = 0;
    round_t r = {.op = op, .g = g};
    int rc = lh_pool_parallel_for(op->ex->pool, g->ntasks, run_task, &r);
    for (uint32_t i = 0; rc && i < g->ntasks; i++)
        if (g->tasks[i].rc) { /* the first unit's error, as the serial run would */
            *op->ex->err = g->tasks[i].err;
            return g->tasks[i].rc;
        }
    g->next_unit += g->ntasks;
    return rc;
}

static int gather_next(lh_op_t *op, lh_batch_t **out)
{
    gather_t *g = op->priv;
    *out = NULL;
    if (g->handed) { /* handed out, now read: give it back */
        lh_batch_free(g->handed);
        g->handed = NULL;
    }
    for (;;) {
        while (g->emit_task < g->ntasks) {
            task_t *t = &g->tasks[g->emit_task];
            if (g->emit_batch < t->n) {
                g->handed = t->b[g->emit_batch];
                t->b[g->emit_batch++] = NULL;
                *out = g->handed;
                return 0;
            }
            g->emit_task++;
            g->emit_batch = 0;
        }
        if (g->next_unit == g->nunits) return 0;
        int rc = lh__op_check_cancel(op->ex);
        if (!rc) rc = run_round(op, g);
        if (rc) return rc;
    }
}

/* The batch handed out last: a task's packed copy, the caller's now. */
static lh_batch_t *gather_take(lh_op_t *op)
{
    gather_t *g = op->priv;
    lh_batch_t *b = g->handed;
    g->handed = NULL;
    return b;
}

static void gather_close(lh_op_t *op)
{
    gather_t *g = op->priv;
    free_tasks(g);
    lh_batch_free(g->handed);
    g->handed = NULL;
    free(g->unit_file);
    free(g->unit_rg);
    g->unit_file = g->unit_rg = NULL;
    lh__morsels_free(&g->tmpl);
}

/* The units of the scan, in scan order. */
static int count_units(lh_exec_t *ex, gather_t *g)
{
    const lh_plan_t *s = g->tmpl.scan;
    if (s->kind == LH_PLAN_SCAN_TEXT) {
        g->nunits = s->u.text.nfiles;
        return 0;
    }
    if (s->kind == LH_PLAN_SCAN_MEMORY) {
        g->nunits = (g->tmpl.nchunks + MEM_CHUNKS - 1) / MEM_CHUNKS;
        return 0;
    }
    uint32_t n = 0;
    for (uint32_t f = 0; f < s->u.pq.nfiles; f++)
        n += g->tmpl.rgs[f];
    g->unit_file = malloc((n ? n : 1) * sizeof *g->unit_file);
    g->unit_rg = malloc((n ? n : 1) * sizeof *g->unit_rg);
    if (!g->unit_file || !g->unit_rg)
        return lh_sql_err(ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    for (uint32_t f = 0, k = 0; f < s->u.pq.nfiles; f++)
        for (uint32_t rg = 0; rg < g->tmpl.rgs[f]; rg++, k++) {
            g->unit_file[k] = f;
            g->unit_rg[k] = rg;
        }
    g->nunits = n;
    return 0;
}

int lh_op_build_root(lh_exec_t *ex, const lh_plan_t *plan, lh_op_t **out)
{
    bool work;
    const lh_plan_t *scan = chain_scan(plan, &work);
    if (!scan || !work || ex->threads < 2 || !ex->pool || ex->analyze || ex->morsels)
        return lh_op_build(ex, plan, out);
    lh_morsels_t tmpl;
    int ok = lh__morsels_init(ex, plan, &tmpl);
    if (ok < 0) return ok;
    if (!ok) return lh_op_build(ex, plan, out);
    lh_op_t *op;
    int rc = lh__op_new(ex, plan, sizeof(gather_t), &op);
    if (rc) {
        lh__morsels_free(&tmpl);
        return lh_sql_err(ex->err, rc, LH_SQL_EOOM, -1, "out of memory");
    }
    gather_t *g = op->priv;
    g->tmpl = tmpl;
    op->next = gather_next;
    op->close = gather_close;
    op->take = gather_take;
    *out = op;
    if ((rc = count_units(ex, g))) return rc;
    g->types = lh_arena_calloc(ex->arena, (plan->ncols ? plan->ncols : 1) * sizeof *g->types);
    if (!g->types) return lh_sql_err(ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    for (uint32_t i = 0; i < plan->ncols; i++)
        g->types[i] = plan->cols[i].type;
    return 0;
}
