/* Result rows as text, shared by COPY ... TO (copy.c) and `lakehouse sql
 * --format csv|json` (src/cmd/sql.c):
 *
 *   CSV   RFC 4180 as DuckDB's COPY (FORMAT csv) writes it: a header line of
 *         the column names, fields joined by the delimiter, a field quoted
 *         ("" for a quote) when it holds the delimiter, a quote, CR or LF, an
 *         empty string quoted, NULL an empty field; values in their text form
 *   JSON  one object per line, {"name":value,...}: numbers and booleans bare,
 *         NULL as null, everything else a JSON string */
#ifndef LH_SQL_TEXTOUT_H
#define LH_SQL_TEXTOUT_H
#include "core/buf.h"
#include "sql/sql.h"

typedef enum lh_sql_text_fmt {
    LH_SQL_TEXT_CSV = 1,
    LH_SQL_TEXT_JSON,
} lh_sql_text_fmt_t;

/* CSV's header line (with its newline) for r's columns. */
void lh_sql_text_header(lh_buf_t *o, const lh_sql_result_t *r, char delim);
/* Row `row` of b (r's columns) in format fmt, with its newline; cell is scratch. */
void lh_sql_text_row(lh_buf_t *o, lh_buf_t *cell, const lh_sql_result_t *r, const lh_batch_t *b,
                     uint32_t row, lh_sql_text_fmt_t fmt, char delim);
/* Whether values of t are numbers (JSON bare, right-aligned in tables). */
bool lh_sql_text_is_number(const lh_type_t *t);

#endif
