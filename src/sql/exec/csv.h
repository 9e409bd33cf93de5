/* CSV: an RFC 4180 record parser that works on any split of the input (the
 * scan feeds it a buffer and more bytes when a record is incomplete), and
 * DuckDB's sniffer: delimiter, header, column names and types from a sample.
 *
 * Ownership: a row's field bytes live in the row (lh__csv_row_free); the
 * sniff result's names live in the arena given. */
#ifndef LH_SQL_EXEC_CSV_H
#define LH_SQL_EXEC_CSV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "vector/types.h"

#define LH_CSV_MAX_FIELDS 100000
#define LH_CSV_MAX_RECORD ((size_t)64 << 20) /* bytes of one record (DuckDB's max_line_size) */

typedef struct lh_csv_dialect {
    char delim, quote, escape; /* quote 0: none; escape defaults to quote */
} lh_csv_dialect_t;

typedef struct lh_csv_row {
    char *buf; /* the fields' bytes, quotes removed */
    size_t len, cap;
    uint32_t *off, *flen; /* per field */
    bool *quoted;
    uint32_t n, cap_fields;
    uint32_t newlines; /* line breaks the record spans (its own end included) */
} lh_csv_row_t;

/* Parses one record at p[0..n): 1 and *used when there is one, 0 when p ends
 * inside a record and more input may follow (!eof), or at the end (eof and
 * n == 0). Errors: LH_EINVAL "unterminated quote" (at eof), LH_ETOOBIG (a
 * record over LH_CSV_MAX_RECORD bytes or LH_CSV_MAX_FIELDS fields), LH_ENOMEM. */
int lh__csv_record(const lh_csv_dialect_t *d, const char *p, size_t n, bool eof, lh_csv_row_t *row,
                   size_t *used, lh_err_t *err);
void lh__csv_row_free(lh_csv_row_t *row);

/* Whether a field's text parses as type id (the sniffer's strict rules:
 * BOOLEAN is true/false/t/f/yes/no/y/n, not 0/1). */
bool lh__csv_text_is(lh_type_id_t id, const char *s, size_t n);

typedef struct lh_csv_sniff {
    /* in: what the options fixed (delim 0 = detect; header -1 = detect) */
    lh_csv_dialect_t d;
    int header;
    bool all_varchar;
    bool no_quote; /* quote = '': fields are never quoted */
    const char *nullstr;
    /* out */
    uint32_t ncols;
    const char **names;
    lh_type_id_t *types;
} lh_csv_sniff_t;

/* Detects what s leaves open from sample[0..n) (the start of a file; eof:
 * the whole file). Errors: LH_EINVAL with err's message when no dialect
 * fits, LH_ENOMEM. */
int lh__csv_sniff(lh_arena_t *a, const char *sample, size_t n, bool eof, lh_csv_sniff_t *s,
                  lh_err_t *err);

#endif
