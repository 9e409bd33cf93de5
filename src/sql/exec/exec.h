/* Executing a plan: expression states that evaluate bound expressions over
 * batches, and operator states (one per plan node) that pull batches from
 * their children and hand batches to their parent.
 *
 * A plan is read-only; everything that changes while it runs lives in the
 * states made here, so one plan can run in several threads at once (each
 * with its own states; shared parts such as a scan's morsel dispenser are
 * synchronised by the operator that owns them).
 *
 * Lifetimes: the batch an operator hands out is valid until its next call;
 * a parent that keeps rows copies them (lh_batch_append). An expression's
 * result vector is valid until the next evaluation of that expression. */
#ifndef LH_SQL_EXEC_H
#define LH_SQL_EXEC_H
#include <stdatomic.h>

#include "sql/plan/plan.h"

/* A database's memory budget (sql_config.c). */
typedef struct lh_sql_mem {
    _Atomic int64_t used;
    int64_t limit; /* bytes; 0 = none */
} lh_sql_mem_t;

/* What every state of one query run shares. */
typedef struct lh_exec {
    lh_arena_t *arena; /* the run's memory (states, hash tables); freed at the end */
    lh_sql_error_t *err;
    const lh_value_t *params; /* $1.. bound values (nparams) */
    uint32_t nparams;
    atomic_int *cancel;          /* non-zero: stop at the next batch (LH_ECANCELED) */
    struct lh_objstore *lake;    /* the lake's store for s3:// paths, or NULL */
    struct lh_scan_cache *cache; /* read_csv/read_json's disk cache of objects, or NULL */
    int threads;                 /* worker threads for parallel operators (>= 1) */
    bool analyze;                /* EXPLAIN ANALYZE: count rows and time per operator */
    lh_sql_mem_t *mem;           /* the database's memory budget, or NULL */
    /* a parallel pipeline's shared scan state: scans under it take morsels (row
       groups, chunks) from it instead of reading everything; NULL: serial */
    struct lh_morsels *morsels;
    struct lh_pool *pool; /* the long-jobs pool parallel pipelines run on (NULL: serial) */
    /* the hash joins' tables runtime join filters check (op_rtf.c), newest first; a
       worker's copy of ex adds its own joins in front of the shared tail */
    struct lh_rtf_entry *rtf;
} lh_exec_t;

/* ---- expressions ---- */

typedef struct lh_expr_state lh_expr_state_t;

/* A state for evaluating e (borrowed: it must outlive the state); memory
 * from ex->arena. 0, LH_ENOMEM or an error of a function's init. */
int lh_expr_state_new(lh_exec_t *ex, const lh_bexpr_t *e, lh_expr_state_t **out);
/* Evaluates the expression over count rows of in: rows sel[0..count) when
 * sel is given, else 0..count. *out is a FLAT or CONSTANT vector of count
 * rows (row i for input row sel[i]), owned by the state (or one of in's
 * vectors), valid until the next evaluation or until in changes. */
int lh_expr_eval(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel, uint32_t count,
                 const lh_vector_t **out);
/* Evaluates a BOOLEAN expression and writes the rows where it is true
 * (not false, not NULL) to sel_out (capacity count), in order. */
int lh_expr_select(lh_expr_state_t *s, const lh_batch_t *in, uint32_t count, uint32_t *sel_out,
                   uint32_t *nsel);
/* The same over the rows sel[0..count) of in (sel NULL: 0..count): the input
 * rows where it is true into sel_out (not sel). */
int lh_expr_select_rows(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel,
                        uint32_t count, uint32_t *sel_out, uint32_t *nsel);
void lh_expr_state_free(lh_expr_state_t *s);

/* Evaluates a foldable expression (lh_bx_is_foldable) once: *out's string
 * bytes live in a. Used for constant folding and LIMIT values. */
int lh_expr_fold(lh_exec_t *ex, const lh_bexpr_t *e, lh_arena_t *a, lh_value_t *out);

/* ---- operators ---- */

typedef struct lh_op lh_op_t;
struct lh_op {
    const lh_plan_t *plan;
    lh_exec_t *ex;
    lh_op_t *child[2];
    /* Hands out the next batch (count > 0) in *out, or *out = NULL at the end.
     * The batch belongs to the operator. */
    int (*next)(lh_op_t *op, lh_batch_t **out);
    /* Frees what the operator holds outside ex->arena (files, threads). */
    void (*close)(lh_op_t *op);
    /* Optional: gives the batch next() handed out last to the caller, who
     * then owns it (lh_batch_free) and need not copy it; NULL when the
     * operator keeps it. Only operators whose output batches are their own
     * copies, FLAT and holding their strings, have it (exec/gather.c). */
    lh_batch_t *(*take)(lh_op_t *op);
    lh_batch_t *out; /* the operator's output batch (most operators have one) */
    void *priv;      /* the operator's own state */
    uint64_t rows;   /* with ex->analyze: rows handed out */
    uint64_t ns;     /* with ex->analyze: time inside next(), children included */
    int64_t charged; /* bytes charged to the memory budget (given back at close) */
    /* with ex->analyze, a text scan's derived columns (opt/derive.c): the
       batches of them read from the scan cache, and those computed */
    uint64_t derived_read, derived_computed;
};

/* Builds the operator tree for plan (recursively). 0 or an error. */
int lh_op_build(lh_exec_t *ex, const lh_plan_t *plan, lh_op_t **out);
/* The same for a statement's whole plan: a pipeline of filters and
 * projections over a scan of several units runs on ex->pool's threads
 * (exec/gather.c), its rows in the serial order. */
int lh_op_build_root(lh_exec_t *ex, const lh_plan_t *plan, lh_op_t **out);
/* The operator's next batch (*out NULL at the end), after a cancellation
 * check: how a consumer drives a tree. */
int lh_op_next(lh_op_t *op, lh_batch_t **out);
/* Closes every operator of the tree (not their arena memory). */
void lh_op_close_tree(lh_op_t *op);

/* Helpers for operator files. */
int lh__op_new(lh_exec_t *ex, const lh_plan_t *plan, size_t priv_size, lh_op_t **out);
int lh__op_check_cancel(lh_exec_t *ex);

/* One builder per plan kind (exec/op_*.c). */
int lh__op_values(lh_op_t *op);
int lh__op_filter(lh_op_t *op);
int lh__op_project(lh_op_t *op);
int lh__op_limit(lh_op_t *op);
int lh__op_aggregate(lh_op_t *op);
int lh__op_sort(lh_op_t *op);
int lh__op_scan_memory(lh_op_t *op);
int lh__op_scan_parquet(lh_op_t *op);
int lh__op_scan_text(lh_op_t *op); /* op_scan_text.c: read_csv, read_json */
int lh__op_range(lh_op_t *op);
int lh__op_union(lh_op_t *op);
int lh__op_join(lh_op_t *op);
int lh__op_window(lh_op_t *op);
int lh__op_setop(lh_op_t *op);

#endif
