/* Tables of the `memory` catalog: rows kept in the process as batches of
 * LH_BATCH_ROWS rows (DuckDB's in-memory database). A table belongs to its
 * database and lives until it is dropped or the database closes.
 *
 * Thread safety: a table's rows are appended under the database's catalog
 * lock and read by scans that hold a snapshot (the number of chunks and
 * rows at plan time), so appends never disturb a running scan; appends
 * fill only the last chunk, and no chunk is modified once another follows. */
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
    lh_batch_t **chunks; /* nchunks batches of up to LH_BATCH_ROWS rows (appends fill the
                            last; an adopted one may be partly full) */
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
/* Takes batch b whole as the table's next chunk instead of copying its rows
 * (a query's own output batch, CREATE TABLE AS): 0 (b is the table's now),
 * 1 when it does not (fewer than half of LH_BATCH_ROWS rows, a column not
 * FLAT or of another type, or a nested type: the caller appends a copy and
 * frees b), or lh_sql_mem_table_append's
 * errors (b is still the caller's). */
int lh_sql_mem_table_adopt(lh_sql_mem_table_t *t, lh_batch_t *b);
/* Where a table's rows end, to go back to when a statement that appends to
 * it fails (lh_sql_mem_table_rollback): a statement stores all its rows or
 * none. */
typedef struct lh_sql_mem_mark {
    uint32_t nchunks, last_count;
    uint64_t rows;
    int64_t charged;
    size_t last_bytes; /* the last chunk's arena then */
} lh_sql_mem_mark_t;
void lh_sql_mem_table_mark(const lh_sql_mem_table_t *t, lh_sql_mem_mark_t *m);
/* Drops every row appended or adopted since m. The long strings of rows
 * appended to the chunk that was last stay in its arena until it goes, and
 * stay charged to the budget. */
void lh_sql_mem_table_rollback(lh_sql_mem_table_t *t, const lh_sql_mem_mark_t *m);
/* The error of an append or adoption refused with LH_EPERM: DuckDB's
 * "NOT NULL constraint failed: t.c" for the first NOT NULL column where b
 * has a NULL; returns LH_EINVAL. */
int lh_sql_mem_table_null_error(const lh_sql_mem_table_t *t, const lh_batch_t *b,
                                lh_sql_error_t *err);
/* Sets err for an append that failed with rc (not LH_EPERM); returns rc. */
int lh_sql_mem_table_error(const lh_sql_mem_table_t *t, int rc, lh_sql_error_t *err);
/* Drops every row (DELETE without WHERE, CREATE OR REPLACE). */
void lh_sql_mem_table_truncate(lh_sql_mem_table_t *t);

#endif
