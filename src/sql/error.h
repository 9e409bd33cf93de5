/* Errors of the SQL engine: DuckDB's error classes ("Parser Error", "Binder
 * Error", "Conversion Error", ...), a byte position in the statement text, and
 * the task contract's exit status and PostgreSQL's SQLSTATE for each class, so
 * the CLI, the sqllogictest runner and the wire servers translate one struct.
 *
 * Every function of src/sql/ that can fail takes an lh_sql_error_t * (may be
 * NULL) and returns 0 or a negative LH_E* code (core/err.h); lh_sql_err sets
 * the struct and returns the code, so `return lh_sql_err(...)` works. */
#ifndef LH_SQL_ERROR_H
#define LH_SQL_ERROR_H
#include "core/err.h"
#include <stdint.h>

typedef enum lh_sql_err_class {
    LH_SQL_ENONE = 0,
    LH_SQL_EPARSE,      /* Parser Error: syntax                          exit 2, 42601 */
    LH_SQL_EBIND,       /* Binder Error: names, types, arguments         exit 2, 42703 */
    LH_SQL_ECATALOG,    /* Catalog Error: no such table/schema/function  exit 2, 42P01 */
    LH_SQL_ECONVERT,    /* Conversion Error: a cast that cannot be done  exit 2, 22018 */
    LH_SQL_EOUTOFRANGE, /* Out of Range Error: overflow                  exit 2, 22003 */
    LH_SQL_EINPUT,      /* Invalid Input Error: error(), bad arguments   exit 2, 22023 */
    LH_SQL_ENOTIMPL,    /* Not implemented Error                         exit 2, 0A000 */
    LH_SQL_EIO,         /* IO Error: files, the lake, the network        exit 1, 58030 */
    LH_SQL_ECONFLICT,   /* Transaction Error: a commit conflict          exit 1, 40001 */
    LH_SQL_EOOM,        /* Out of Memory Error: sql.memory_limit         exit 3, 53200 */
    LH_SQL_EINTERRUPT,  /* Interrupt Error: cancelled                    exit 1, 57014 */
    LH_SQL_EINTERNAL,   /* INTERNAL Error: a bug                         exit 1, XX000 */
    LH_SQL_ECONSTRAINT, /* Constraint Error: NOT NULL, ...               exit 2, 23502 */
} lh_sql_err_class_t;

typedef struct lh_sql_error {
    lh_err_t e;  /* code (LH_E*) and message (lower case, problem first) */
    uint8_t cls; /* lh_sql_err_class_t */
    int32_t pos; /* byte offset into the statement text it points at, or -1 */
} lh_sql_error_t;

/* Sets err (when non-NULL): class, position (-1: none) and message; returns
 * code (a negative LH_E*). */
int lh_sql_err(lh_sql_error_t *err, int code, lh_sql_err_class_t cls, int32_t pos, const char *fmt,
               ...) __attribute__((format(printf, 5, 6)));
/* Resets err to "no error". */
void lh_sql_err_clear(lh_sql_error_t *err);
/* DuckDB's name of a class: "Parser Error", "Binder Error", ... (static). */
const char *lh_sql_err_class_name(lh_sql_err_class_t cls);
/* The task contract's exit status for a class (2, 1 or 3; 0 for ENONE). */
int lh_sql_err_exit_status(lh_sql_err_class_t cls);
/* PostgreSQL's SQLSTATE for a class (5 characters, static). */
const char *lh_sql_err_sqlstate(lh_sql_err_class_t cls);

#endif
