/* Tables of the `memory` catalog: rows kept in the process as batches of
 * LH_BATCH_ROWS rows (DuckDB's in-memory database). A table belongs to its
 * database and lives until it is dropped or the database closes.
 *
 * Thread safety: a table's rows are appended under the database's catalog
 * lock and read by scans that hold a snapshot (the number of chunks and
 * rows at plan time), so appends never disturb a running scan; chunks are
 * never modified once full. */
#ifndef LH_SQL_MEMTABLE_H
#define LH_SQL_MEMTABLE_H
#include <pthread.h>

#include "sql/error.h"
#include "sql/exec/exec.h"
#include "sql/plan/plan.h"

typedef struct lh_sql_mem_table {
    char *schema, *name; /* in arena */
    lh_plan_col_t *cols; /* ncols, names and types in arena */
    uint32_t ncols;
    lh_type_t *types;    /* the column types, for lh_batch_new */
    lh_batch_t **chunks; /* nchunks batches; every one but the last is full */
    uint32_t nchunks, cap;
    uint64_t rows;
    lh_arena_t *arena;    /* owned: names, types */
    lh_sql_mem_t *budget; /* the database's memory budget the rows are charged to, or NULL */
    int64_t charged;      /* bytes charged to it (given back when the rows go) */
    char *view_sql;       /* a view: its query's text (in arena), bound where it is read;
                             it has no rows. NULL for a table */
} lh_sql_mem_table_t;

/* A new empty table (columns copied). *out owned by the caller
 * (lh_sql_mem_table_free). 0 or LH_ENOMEM. */
int lh_sql_mem_table_new(const char *schema, const char *name, const lh_plan_col_t *cols,
                         uint32_t ncols, lh_sql_mem_table_t **out);
void lh_sql_mem_table_free(lh_sql_mem_table_t *t);
/* Appends b's rows (its column types must be the table's). 0, LH_EINVAL,
 * LH_EPERM (a NULL in a NOT NULL column: nothing appended), LH_ENOMEM, or
 * LH_ETOOBIG when the rows would pass the budget's limit (then some rows may
 * be in: the caller discards the table). */
int lh_sql_mem_table_append(lh_sql_mem_table_t *t, const lh_batch_t *b);
/* Sets err for an append that failed with rc (not LH_EPERM); returns rc. */
int lh_sql_mem_table_error(const lh_sql_mem_table_t *t, int rc, lh_sql_error_t *err);
/* Drops every row (DELETE without WHERE, CREATE OR REPLACE). */
void lh_sql_mem_table_truncate(lh_sql_mem_table_t *t);

#endif
