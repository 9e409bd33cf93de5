/* The sqllogictest file format (src/cmd/slt_parse.c), shared by the runner
 * (src/cmd/sqllogictest.c) and nothing else.
 *
 * A file is a list of records separated by blank lines; `#` lines are
 * comments. Each record is one command line (its words in argv) and, for
 * `statement` and `query`, the SQL text and the lines after `----`.
 * `skipif X` / `onlyif X` lines before a record are evaluated here against
 * the engine name LH_SLT_ENGINE (so `onlyif duckdb` skips the record and
 * `skipif duckdb` keeps it). */
#ifndef LH_CMD_SLT_H
#define LH_CMD_SLT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define LH_SLT_ENGINE "lakehouse"

typedef enum {
    LH_SLT_STATEMENT,      /* statement ok|error|maybe */
    LH_SLT_QUERY,          /* query <types> [sort] [label] */
    LH_SLT_HASH_THRESHOLD, /* hash-threshold N */
    LH_SLT_HALT,           /* halt: the rest of the file is ignored */
    LH_SLT_LOOP,           /* loop V A B | foreach V x y... (and concurrent*) */
    LH_SLT_ENDLOOP,        /* endloop */
    LH_SLT_REQUIRE,        /* require X */
    LH_SLT_MODE,           /* mode skip|unskip|... */
    LH_SLT_SKIP,           /* a command we do not run (load, restart, ...): skipped */
    LH_SLT_NOOP,           /* a command with no effect here (sleep, tags, ...) */
    LH_SLT_UNKNOWN,        /* not a command we know: reported as a failure */
} lh__slt_kind_t;

typedef struct lh__slt_record {
    lh__slt_kind_t kind;
    int line;        /* 1-based line of the command */
    bool excluded;   /* a skipif/onlyif line excluded it on this engine */
    int argc;        /* command words */
    char **argv;     /* owned; argv[0] is the command */
    char *sql;       /* owned; statement/query text (lines joined by \n) or NULL */
    char **expect;   /* owned; the lines after ----, verbatim */
    size_t nexpect;  /* how many */
    bool has_expect; /* a ---- line was present */
} lh__slt_record_t;

typedef struct lh__slt_file {
    lh__slt_record_t *recs; /* owned */
    size_t n;
} lh__slt_file_t;

/* Parses text[0..len) (any line endings) into *out, which the caller frees
 * with lh__slt_file_free (also after a failure). 0 or LH_ENOMEM. */
int lh__slt_parse(const char *text, size_t len, lh__slt_file_t *out, lh_err_t *err);
void lh__slt_file_free(lh__slt_file_t *f);

/* ---- results (src/cmd/slt_result.c) ---- */

typedef enum { LH_SLT_NOSORT, LH_SLT_ROWSORT, LH_SLT_VALUESORT } lh__slt_sort_t;

/* A query's rows rendered as the format wants them: NULL as "NULL", the empty
 * string as "(empty)", a number in an `R` column as %.3f (SQLite's rule),
 * anything else as its VARCHAR text (DuckDB's rule). */
typedef struct lh__slt_result {
    uint32_t ncols;
    size_t nrows;
    char **cells;  /* owned; nrows * ncols, row-major, rendered */
    char **raw;    /* owned; the VARCHAR text where it differs from cells[k], else NULL */
    bool *numeric; /* owned; per column: a number type (compared as numbers) */
    size_t cap;    /* private: slots allocated in cells and raw */
} lh__slt_result_t;

struct lh_sql_result;
struct lh_sql_error;
/* Reads every row of r, rendering column i by type code types[i] (any
 * letter; `R` asks for %.3f). A statement without columns that changed rows
 * (INSERT, CREATE TABLE AS) gives one row holding the count, as DuckDB does.
 * out is the caller's (lh__slt_result_free, also after a failure). 0 or the
 * engine's error (in err). */
int lh__slt_result_read(struct lh_sql_result *r, const char *types, lh__slt_result_t *out,
                        struct lh_sql_error *err);
void lh__slt_result_free(lh__slt_result_t *res);

/* Compares res, sorted by mode, with the expected lines: either one
 * "N values hashing to MD5" line, or values one per line (SQLite) or rows
 * one per line with tab-separated values (DuckDB). Numbers compare equal
 * when they are the same number or when the actual value rounded to the
 * expected's decimals prints the same. On a mismatch *why (owned by the
 * caller, free) says what differs, shortly; on LH_ENOMEM it stays NULL. */
bool lh__slt_result_matches(lh__slt_result_t *res, lh__slt_sort_t mode, char *const *expect,
                            size_t nexpect, char **why);
/* "N values hashing to <md5>" of res's values (sorted as by mode; each value
 * followed by \n), into out[80]. */
void lh__slt_result_hash(lh__slt_result_t *res, lh__slt_sort_t mode, char out[80]);

#endif
