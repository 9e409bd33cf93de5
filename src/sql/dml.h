/* Running DELETE and UPDATE (bound by bind/bind_dml.c): the plan's rows
 * carry a last BOOLEAN column saying which rows the statement touches.
 * Memory tables are rebuilt here (dml.c); lake tables are rewritten file by
 * file in lake_dml.c, which shares lh_sql_dml_split. */
#ifndef LH_SQL_DML_H
#define LH_SQL_DML_H
#include "sql/catalog/memtable.h"
#include "sql/exec/exec.h"

/* The rows of b to keep into sel (*n of them): DELETE (del) keeps the rows
 * whose flag (b's last column) is not true, UPDATE every row; *matched
 * grows by the rows whose flag is true. sel holds LH_BATCH_ROWS entries. */
void lh_sql_dml_split(const lh_batch_t *b, bool del, uint32_t *sel, uint32_t *n, int64_t *matched);

/* Drains root (the bound plan's operators) and replaces t's rows by the
 * kept ones when any row matched; the caller holds the catalog lock.
 * *changes gets the rows deleted or updated. Errors set err: a Constraint
 * Error (a NULL into a NOT NULL column: t unchanged), out of memory, the
 * executor's. */
int lh_sql_dml_memory(lh_op_t *root, lh_sql_mem_table_t *t, bool del, lh_sql_error_t *err,
                      int64_t *changes);

#endif
