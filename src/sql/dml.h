/* Running DELETE, UPDATE and MERGE (bound by bind/bind_dml.c and
 * bind/bind_merge.c): the plans' rows are the table's columns and two
 * BOOLEAN columns, `touched` (the row is counted as changed) and `drop`
 * (the row is not kept).
 * Memory tables are rebuilt here (dml.c); lake tables are rewritten file by
 * file in lake_dml.c, which shares lh_sql_dml_split. */
#ifndef LH_SQL_DML_H
#define LH_SQL_DML_H
#include "sql/catalog/memtable.h"
#include "sql/exec/exec.h"

#define LH_SQL_DML_FLAGS 2 /* touched, drop: the last columns of a DML plan */

/* The rows of b to keep into sel (*n of them: those whose `drop` is not
 * true); *matched grows by the rows whose `touched` is true. sel holds
 * LH_BATCH_ROWS entries. */
void lh_sql_dml_split(const lh_batch_t *b, uint32_t *sel, uint32_t *n, int64_t *matched);

/* Drains root (the bound plan's operators), then the rows of plan `more`
 * when not NULL (MERGE's inserts), and replaces t's rows by the kept ones
 * when any row was touched; the caller holds the catalog lock.
 * *changes gets the rows deleted or updated. Errors set err: a Constraint
 * Error (a NULL into a NOT NULL column: t unchanged), out of memory, the
 * executor's. */
int lh_sql_dml_memory(lh_op_t *root, const lh_plan_t *more, lh_sql_mem_table_t *t,
                      lh_sql_error_t *err, int64_t *changes);

/* The rows plan p run to the end: *rows counts them. 0 or the executor's error. */
int lh_sql_dml_count(lh_exec_t *ex, const lh_plan_t *p, int64_t *rows);

/* MERGE on memory table bs->table: the matched-twice check, then the rows
 * of bs->plan and bs->dml_insert as lh_sql_dml_memory takes them (dml.c). */
struct lh_bound_stmt;
int lh_sql_merge_memory(lh_op_t *root, const struct lh_bound_stmt *bs, lh_sql_error_t *err,
                        int64_t *changes);

/* ALTER TABLE ADD COLUMN on memory table t: its rows (root, plan's columns:
 * t's and the new one) into a new table whose contents t takes. */
int lh_sql_alter_memory(lh_op_t *root, const lh_plan_t *plan, lh_sql_mem_table_t *t,
                        lh_sql_error_t *err);

/* The error of a MERGE whose target row matched two source rows. */
int lh_sql_merge_twice_error(lh_sql_error_t *err);

#endif
