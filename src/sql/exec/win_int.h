/* Internals of the window operator shared by op_window.c (sorting,
 * partitions, value functions) and win_agg.c (aggregates over frames). */
#ifndef LH_SQL_WIN_INT_H
#define LH_SQL_WIN_INT_H
#include "sql/exec/exec_int.h"

typedef struct win_op {
    uint32_t nin, ntotal;
    uint32_t *keep;    /* per input column: its column in the chunks, or UINT32_MAX (not kept:
                          nothing reads it above and no window expression names it) */
    lh_vector_t *null; /* per input column not kept: a CONSTANT NULL handed out in its place */
    lh_type_t *types;
    uint32_t **col;           /* per window, per expression (partition, order, args): its column */
    bool **own;               /* per window, per expression: evaluated into an extra column */
    lh_expr_state_t ***exprs; /* per window: partition, order and argument expressions */
    lh_batch_t **chunks;
    uint32_t nchunks, cap;
    bool *views; /* per chunk column: its strings kept as views of the input's (see
                    stable_input in op_window.c), not copied */
    uint64_t n;
    lh_vector_t *res; /* per window: n results */
    bool *res_init;
    bool built;
    uint64_t out_next;
    lh_arena_t *agg_arena;
    lh_batch_t view; /* an output batch of shallow copies */
    uint32_t sel[LH_BATCH_ROWS];
    /* a top-N row_number() over a memory table's rows (op_window.c, again):
       the chunks keep only the window's own columns, and the rows are read
       a second time to be handed out, each with its number from rn */
    bool again;
    lh_op_t *second; /* the input read the second time */
    lh_vector_t rn;  /* the numbers of the rows handed out */
    bool rn_init;
} win_op_t;

typedef struct part {
    uint64_t *idx;        /* sorted row numbers */
    uint64_t ps, pe;      /* the partition [ps, pe) in idx */
    uint64_t *peer_start; /* per position: the start of its peer group */
    uint64_t *peer_end;
} part_t;

/* Sets the out-of-memory error; returns LH_ENOMEM. */
int lh__win_oom(lh_op_t *op);
/* Row g of the stored input (and window columns): its vector and *row. */
static inline const lh_vector_t *lh__win_col(const win_op_t *st, uint64_t g, uint32_t col,
                                             uint32_t *row)
{
    *row = (uint32_t)(g % LH_BATCH_ROWS);
    return &st->chunks[g / LH_BATCH_ROWS]->cols[col];
}
/* Copies column col of stored row src into row g of res. 0 or LH_ENOMEM. */
int lh__win_copy_value(lh_vector_t *res, uint64_t g, const win_op_t *st, uint32_t col,
                       uint64_t src);
/* The frame [*a, *b) (sorted positions) of sorted position i. */
void lh__win_frame(const win_op_t *st, const lh_plan_window_t *w, const uint32_t *oc,
                   const part_t *pt, uint64_t i, uint64_t *a, uint64_t *b);
/* An aggregate over its frame for every row of partition pt into res. */
int lh__win_agg_partition(lh_op_t *op, win_op_t *st, const lh_plan_window_t *w, const uint32_t *oc,
                          const uint32_t *ac, const part_t *pt, lh_vector_t *res);

/* row_number() into res for the first n rows of each partition (window w,
 * key columns pc: partition, then order); n + 1 for the others. */
int lh__win_topn(lh_op_t *op, win_op_t *st, const lh_plan_window_t *w, const uint32_t *pc,
                 uint32_t n, lh_vector_t *res);

#endif
