/* Internals of the executor shared by its files. */
#ifndef LH_SQL_EXEC_INT_H
#define LH_SQL_EXEC_INT_H
#include <stdlib.h>
#include <string.h>

#include "sql/exec/exec.h"

struct lh_expr_state {
    const lh_bexpr_t *e;
    lh_exec_t *ex;
    lh_expr_state_t **kids;
    uint32_t nkids;
    lh_vector_t *argv; /* the kids' results (shallow copies) for a function call */
    lh_vector_t out;   /* this node's result */
    bool has_out;
    lh_arena_t *arena; /* the result's string bytes and the call's scratch: reset per evaluation */
    uint32_t *sel;     /* scratch selections (4 x LH_BATCH_ROWS) for CASE and COALESCE */
    void *local;       /* a function's per-thread state */
};

int lh__expr_eval(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel, uint32_t count,
                  const lh_vector_t **out);
/* AND, OR, NOT, IS [NOT] NULL, CASE, COALESCE, IS [NOT] DISTINCT FROM, error(). */
int lh__expr_eval_logic(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel,
                        uint32_t count, const lh_vector_t **out);

/* calloc for hash tables, which are read before they are written: the
 * zeroes are written here, so each page faults once, for writing. (A fresh
 * page that is read first maps the shared zero page, and the write after it
 * costs a second fault and, with several threads, a TLB shootdown on every
 * core.) */
static inline void *lh__zalloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    size_t bytes = n * size;
    void *p = malloc(bytes ? bytes : 1);
    if (p) memset(p, 0, bytes);
    return p;
}

/* Row r of a BOOLEAN vector: 1 true, 0 false, -1 NULL. */
static inline int lh__bool_at(const lh_vector_t *v, uint32_t r)
{
    if (v->kind == LH_VECTOR_CONSTANT) r = 0;
    if (!lh_validity_get(v->validity, r)) return -1;
    return ((const uint8_t *)v->data)[r] ? 1 : 0;
}

/* Charges bytes a state keeps to the memory budget: 0, or LH_ETOOBIG with
 * an Out of Memory Error when the query would pass sql.memory_limit. */
int lh__exec_charge(lh_exec_t *ex, int64_t bytes);
void lh__exec_release(lh_exec_t *ex, int64_t bytes);
/* Charges to the budget on behalf of op (given back when the tree closes). */
int lh__op_charge(lh_op_t *op, int64_t bytes);
/* The process's pool for query workers (core/pool.h: long jobs, one thread
 * per core), started on first use; NULL when it cannot start (serial). */
struct lh_pool *lh__sql_pool(void);
/* What one batch of these column types holds (strings: their views). */
int64_t lh__batch_bytes(const lh_type_t *types, uint32_t ncols);

/* Rows sel[0..n) of src into dst (a fresh FLAT vector of the batch being
 * filled, rows from 0): a dictionary view over src when src is FLAT, else a
 * copy. src must outlive dst's use. 0 or LH_ENOMEM. */
int lh__vector_select(lh_vector_t *dst, const lh_vector_t *src, const uint32_t *sel, uint32_t n);
/* A SEMI/ANTI/MARK hash join that builds on its left side (op_join_left.c). */
int lh__op_join_build_left(lh_op_t *op);
/* Runtime join filters (op_rtf.c): a hash join publishes its table (ready once
 * *built) and retires it when it closes; a FILTER with rtf_join finds the
 * newest live one of its join's plan node. */
struct lh_join_ht;
struct lh_join_rows;
struct lh_rtf_entry;
int lh__rtf_publish(lh_exec_t *ex, const lh_plan_t *join, const struct lh_join_ht *ht,
                    const struct lh_join_rows *rows, const bool *built, struct lh_rtf_entry **out);
void lh__rtf_retire(struct lh_rtf_entry *e);
int lh__op_rtf(lh_op_t *op);
/* A filter's output (op_basic.c): rows sel[0..n) of in, n > 0; in itself when
 * every row passes, else op->out with views of in's rows. */
int lh__op_filtered(lh_op_t *op, lh_batch_t *in, const uint32_t *sel, uint32_t n, lh_batch_t **out);
/* A batch of the operator's output columns (the caller frees it). */
int lh__op_batch_new(lh_op_t *op, lh_batch_t **out);
/* The operator's output batch, of its plan's column types. */
int lh__op_out_batch(lh_op_t *op);
/* A child's next batch, after a cancellation check. */
int lh__op_pull(lh_op_t *child, lh_batch_t **out);
#endif
