/* The SQL engine's C API: a database (its catalogs), sessions on it
 * (settings: the current schema, parameters), and statements run one at a
 * time, each giving a result whose rows are read in batches.
 *
 *   lh_sql_db_open -> lh_sql_session_open -> lh_sql_run (a script: every
 *   statement but the last runs to completion; the last one's result is
 *   handed back) -> lh_sql_result_next ... -> lh_sql_result_free
 *
 * Ownership: the caller owns what open/run return and frees it with the
 * matching call; a result must be freed before its session, a session before
 * its database. A batch from lh_sql_result_next belongs to the result and is
 * valid until the next call on it. Not thread-safe per session, except
 * lh_sql_cancel, which any thread may call. */
#ifndef LH_SQL_SQL_H
#define LH_SQL_SQL_H
#include <stdint.h>

#include "sql/error.h"
#include "vector/batch.h"

typedef struct lh_sql_db lh_sql_db_t;
typedef struct lh_sql_session lh_sql_session_t;
typedef struct lh_sql_result lh_sql_result_t;

/* A database with an empty `memory` catalog. 0 or LH_ENOMEM. */
int lh_sql_db_open(lh_sql_db_t **out, lh_sql_error_t *err);
void lh_sql_db_close(lh_sql_db_t *db);
/* Gives the database the lake: its namespaces' Delta tables become
 * readable as ns.table, and s3:// paths are read from os. Both borrowed
 * (they must outlive the database). Without it there is no network I/O. */
struct lh_objstore;
void lh_sql_db_set_lake(lh_sql_db_t *db, struct lh_objstore *os, const char *bucket);
/* The memory the database's queries may hold, in bytes (sql.memory_limit);
 * 0 = none. A database starts with lh_sql_default_memory_limit(). */
void lh_sql_db_set_memory_limit(lh_sql_db_t *db, int64_t bytes);
/* Threads for parallel pipelines (sql.threads); 0 = one per core. */
void lh_sql_db_set_threads(lh_sql_db_t *db, int threads);
/* The scan cache (sql.cache_dir, sql.cache_size): read_csv/read_json keep
 * what they make of an object in dir and read it from there the next time
 * (sql/exec/scan_cache.h). dir NULL or empty, or max 0: none. 0, or LH_EIO /
 * LH_ENOMEM with err set (the database then has none). */
int lh_sql_db_set_cache(lh_sql_db_t *db, const char *dir, int64_t max, lh_err_t *err);
/* 80% of the machine's memory, or of the cgroup limit when lower. */
int64_t lh_sql_default_memory_limit(void);
/* Registers the `sql` configuration section (sql.memory_limit); main does
 * it once before loading the configuration. 0 or lh_config_register's error. */
int lh_sql_register_config(void);

int lh_sql_session_open(lh_sql_db_t *db, lh_sql_session_t **out, lh_sql_error_t *err);
void lh_sql_session_close(lh_sql_session_t *s);
/* Binds $name (or $N when name is all digits) to a value for every later
 * statement of the session (`lakehouse sql -v name=value`); the value is
 * copied. 0 or LH_ENOMEM. */
int lh_sql_session_set_param(lh_sql_session_t *s, const char *name, const lh_value_t *v);
/* Stops the running statement at its next batch (LH_ECANCELED). */
void lh_sql_cancel(lh_sql_session_t *s);

/* Called after each statement of a script that ran to completion (not the
 * last one, whose rows the caller reads): its command tag ("CREATE TABLE"),
 * rows (produced or changed) and wall time. */
typedef void (*lh_sql_stmt_cb)(void *arg, const char *tag, int64_t rows, double seconds);

/* Runs the statements of text[0..len) in order. Every statement but the
 * last runs to completion (cb reports it); the last one's result comes back
 * in *out, ready to read (NULL when the script has no statement). On an
 * error nothing more runs and err says which statement failed (its position
 * is relative to text). */
int lh_sql_run(lh_sql_session_t *s, const char *text, size_t len, lh_sql_stmt_cb cb, void *arg,
               lh_sql_result_t **out, lh_sql_error_t *err);

/* ---- prepared statements (the PostgreSQL wire's Parse/Bind/Execute) ---- */

typedef struct lh_sql_stmt lh_sql_stmt_t;

/* Checks one statement (parse and bind, parameters left open) and keeps it
 * for execution. *out owned by the caller (lh_sql_stmt_free, before the
 * session closes). 0, or the statement's Parser/Binder error (LH_EINVAL;
 * LH_EINVAL also when text holds more or fewer than one statement). */
int lh_sql_prepare(lh_sql_session_t *s, const char *text, size_t len, lh_sql_stmt_t **out,
                   lh_sql_error_t *err);
/* The highest $n the statement uses. */
uint32_t lh_sql_stmt_nparams(const lh_sql_stmt_t *st);
/* Binds $index (1-based) for the next executions; the value (string bytes
 * too) is copied. A VARCHAR value takes the type its place asks for, as a
 * string literal written there would. 0, LH_EINVAL (index out of range),
 * LH_ENOMEM. */
int lh_sql_stmt_bind(lh_sql_stmt_t *st, uint32_t index, const lh_value_t *v);
/* Runs the statement with the values bound now (an unbound $n is an Invalid
 * Input Error); *out as lh_sql_run's. */
int lh_sql_stmt_execute(lh_sql_stmt_t *st, lh_sql_result_t **out, lh_sql_error_t *err);
void lh_sql_stmt_free(lh_sql_stmt_t *st);

uint32_t lh_sql_result_ncols(const lh_sql_result_t *r);
const char *lh_sql_result_col_name(const lh_sql_result_t *r, uint32_t i);
const lh_type_t *lh_sql_result_col_type(const lh_sql_result_t *r, uint32_t i);
/* The statement's command tag: "SELECT", "CREATE TABLE", "INSERT", ... */
const char *lh_sql_result_tag(const lh_sql_result_t *r);
/* Rows changed by INSERT/CREATE TABLE AS (known once the statement ran), or
 * -1 for a query. */
int64_t lh_sql_result_changes(const lh_sql_result_t *r);
/* The next batch of rows (*out NULL at the end). 0 or an error. */
int lh_sql_result_next(lh_sql_result_t *r, lh_batch_t **out, lh_sql_error_t *err);
void lh_sql_result_free(lh_sql_result_t *r);

#endif
