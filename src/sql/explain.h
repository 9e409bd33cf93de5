/* EXPLAIN's text: the plan as an indented tree, one operator per line with
 * what it works on and the optimizer's row estimate; with the operators of a
 * finished EXPLAIN ANALYZE run, also each one's rows and its own time. */
#ifndef LH_SQL_EXPLAIN_H
#define LH_SQL_EXPLAIN_H
#include "core/buf.h"
#include "sql/exec/exec.h"

/* Appends the tree of plan (ops: the operator tree built from it and run
 * with ex->analyze, or NULL) to out; returns lh_buf_err(out). */
int lh_sql_explain(const lh_plan_t *plan, const lh_op_t *ops, lh_buf_t *out);

#endif
