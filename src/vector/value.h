/* One scalar value with its logical type: constants in predicates, min/max
 * statistics, literals of the SQL binder, and the slow per-row accessors of
 * vector.h. Not for hot loops: kernels read vector buffers directly.
 *
 * A value owns nothing: the bytes of a VARCHAR/BLOB value belong to whoever
 * built it and must outlive every use of the value. */
#ifndef LH_VECTOR_VALUE_H
#define LH_VECTOR_VALUE_H

#include "core/buf.h"
#include "core/str.h"
#include "vector/types.h"

typedef struct lh_value {
    lh_type_t type; /* a scalar type: BOOLEAN .. BLOB (never LIST, STRUCT, MAP) */
    bool is_null;   /* SQL NULL of that type; the union is then unused */
    union {
        bool b;           /* BOOLEAN */
        int64_t i;        /* TINYINT..BIGINT, DATE, TIME, TIMESTAMP, DECIMAL width <= 18 */
        uint64_t u;       /* UTINYINT..UBIGINT */
        lh_int128_t i128; /* HUGEINT, DECIMAL width > 18 */
        float f;          /* FLOAT */
        double d;         /* DOUBLE */
        lh_interval_t iv; /* INTERVAL */
        lh_str_t s;       /* VARCHAR, BLOB: borrowed bytes (not NUL-terminated) */
    } v;                  /* DECIMAL: the unscaled integer (123.45 in (5,2) is 12345) */
} lh_value_t;

/* Constructors. An id outside the constructor's family gives an INVALID type. */
lh_value_t lh_value_null(lh_type_t type);
lh_value_t lh_value_bool(bool b);
/* TINYINT, SMALLINT, INTEGER, BIGINT, DATE (days), TIME and TIMESTAMP (micros). */
lh_value_t lh_value_int(lh_type_id_t id, int64_t v);
/* UTINYINT .. UBIGINT. */
lh_value_t lh_value_uint(lh_type_id_t id, uint64_t v);
lh_value_t lh_value_hugeint(lh_int128_t v);
/* DECIMAL(width, scale) with the unscaled integer (stored in i or i128 by width). */
lh_value_t lh_value_decimal(int width, int scale, lh_int128_t unscaled);
lh_value_t lh_value_float(float f);
lh_value_t lh_value_double(double d);
lh_value_t lh_value_interval(lh_interval_t iv);
lh_value_t lh_value_varchar(const char *s, size_t len);
lh_value_t lh_value_blob(const void *p, size_t len);

/* Orders two non-NULL values: *cmp = -1, 0 or 1. Comparable families:
 * - exact numbers (every integer type, HUGEINT, DECIMAL of any width and scale)
 *   with each other, exactly (decimals by their scaled integers);
 * - FLOAT and DOUBLE with each other; NaN equals NaN and sorts above every
 *   number (DuckDB's and PostgreSQL's order); -0.0 equals 0.0;
 * - BOOLEAN (false < true); DATE and TIMESTAMP (a date is its midnight UTC);
 *   TIME with TIME;
 * - VARCHAR and BLOB with each other: bytes compared unsigned, then length.
 * Returns 0, or LH_EINVAL for a NULL, an INTERVAL (no order), or two types
 * from different families (an exact number against a FLOAT, say: the binder
 * casts constants to the column's type first). */
int lh_value_compare(const lh_value_t *a, const lh_value_t *b, int *cmp);

/* The exact number of an integer or DECIMAL value as an unscaled int128 and
 * its scale (0 for integers). LH_EINVAL for other types. */
int lh_value_exact(const lh_value_t *v, lh_int128_t *unscaled, int *scale);

/* Appends v as DuckDB prints it (its VARCHAR cast): NULL, true/false,
 * integers, decimals with their scale (-0.05), floats in the shortest form
 * that reads back (0.1, 100.0, 1e+20), dates 2026-11-26, times 10:00:00.5,
 * timestamps 2026-11-26 10:00:00 (+00 on TIMESTAMP WITH TIME ZONE),
 * intervals 1 month 2 days 00:00:03, strings as they are, blobs with \xAB
 * escapes. Returns lh_buf_err(out) (LH_EINVAL for a type without text). */
int lh_value_text(const lh_value_t *v, lh_buf_t *out);

#endif
