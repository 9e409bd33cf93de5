/* Logical types of the column vector format: what a column holds (INTEGER,
 * DECIMAL(18,3), VARCHAR, STRUCT(a INTEGER, b VARCHAR), ...) and how each is
 * laid out in memory (its physical type and size). Also the TIMESTAMP
 * conversions the Parquet reader needs.
 *
 * An lh_type_t is a small value (16 bytes): copy it freely. Primitive types
 * own nothing. Nested types (LIST, STRUCT, MAP) point at an immutable field
 * array allocated in the arena given to their constructor: the type and every
 * copy of it are valid while that arena lives. lh_type_copy deep-copies a type
 * into another arena. */
#ifndef LH_VECTOR_TYPES_H
#define LH_VECTOR_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

/* 128-bit integers: a gcc/clang extension, wrapped so -std=c11 -pedantic holds. */
__extension__ typedef __int128 lh_int128_t;
__extension__ typedef unsigned __int128 lh_uint128_t;

/* INTERVAL: the three parts are kept apart, as in Parquet and PostgreSQL. */
typedef struct lh_interval {
    int32_t months;
    int32_t days;
    int64_t micros;
} lh_interval_t;

/* Logical type ids. Stable numbers: tests and the plan cache may store them. */
typedef enum lh_type_id {
    LH_TYPE_INVALID = 0,
    LH_TYPE_BOOLEAN,   /* 1 byte, 0 or 1 */
    LH_TYPE_TINYINT,   /* int8_t */
    LH_TYPE_SMALLINT,  /* int16_t */
    LH_TYPE_INTEGER,   /* int32_t */
    LH_TYPE_BIGINT,    /* int64_t */
    LH_TYPE_UTINYINT,  /* uint8_t */
    LH_TYPE_USMALLINT, /* uint16_t */
    LH_TYPE_UINTEGER,  /* uint32_t */
    LH_TYPE_UBIGINT,   /* uint64_t */
    LH_TYPE_HUGEINT,   /* lh_int128_t */
    LH_TYPE_FLOAT,     /* float, 4 bytes */
    LH_TYPE_DOUBLE,    /* double */
    LH_TYPE_DECIMAL,   /* unscaled integer: int64_t when width <= 18, else lh_int128_t */
    LH_TYPE_DATE,      /* int32_t days since 1970-01-01 */
    LH_TYPE_TIME,      /* int64_t microseconds since midnight */
    LH_TYPE_TIMESTAMP, /* int64_t microseconds since 1970-01-01 00:00:00, no zone */
    LH_TYPE_INTERVAL,  /* lh_interval_t, 16 bytes */
    LH_TYPE_VARCHAR,   /* lh_string_t view (vector.h), UTF-8 by contract */
    LH_TYPE_BLOB,      /* lh_string_t view, any bytes */
    LH_TYPE_LIST,      /* lh_list_entry_t {offset, length} over one child vector */
    LH_TYPE_STRUCT,    /* no data of its own: one child vector per field */
    LH_TYPE_MAP,       /* physically LIST<STRUCT(key K, value V)> */
    /* int64_t microseconds since 1970-01-01 00:00:00 UTC: an instant (DuckDB's
     * TIMESTAMPTZ, Parquet isAdjustedToUTC=true, Delta `timestamp`). Placed
     * last so the numbers above stay stable. */
    LH_TYPE_TIMESTAMP_TZ,
    LH_TYPE_COUNT_
} lh_type_id_t;

/* Physical layout of a type's data buffer: what a kernel switches on. */
typedef enum lh_phys {
    LH_PHYS_INVALID = 0,
    LH_PHYS_BOOL,
    LH_PHYS_INT8,
    LH_PHYS_INT16,
    LH_PHYS_INT32,
    LH_PHYS_INT64,
    LH_PHYS_UINT8,
    LH_PHYS_UINT16,
    LH_PHYS_UINT32,
    LH_PHYS_UINT64,
    LH_PHYS_INT128,
    LH_PHYS_FLOAT,
    LH_PHYS_DOUBLE,
    LH_PHYS_INTERVAL,
    LH_PHYS_STRING,
    LH_PHYS_LIST,
    LH_PHYS_STRUCT,
} lh_phys_t;

#define LH_DECIMAL_MAX_WIDTH 38
#define LH_DECIMAL_INT64_WIDTH 18 /* widths up to this are stored as int64_t */
#define LH_TYPE_MAX_DEPTH 32      /* nesting limit for parse and construction */
#define LH_TYPE_MAX_FIELDS 100000 /* fields of one STRUCT */

typedef struct lh_field lh_field_t;

typedef struct lh_type {
    uint8_t id;               /* lh_type_id_t */
    uint8_t width;            /* DECIMAL: precision 1..38 */
    uint8_t scale;            /* DECIMAL: 0..width */
    uint32_t nfields;         /* STRUCT: fields; LIST and MAP: 1 */
    const lh_field_t *fields; /* LIST: the element; MAP: STRUCT(key, value); STRUCT: fields */
} lh_type_t;

struct lh_field {
    const char *name; /* NUL-terminated; NULL for a LIST or MAP child */
    lh_type_t type;
};

/* A primitive type (no width/scale, no children). Any id from BOOLEAN to BLOB
 * except DECIMAL; other ids give an INVALID type. */
lh_type_t lh_type(lh_type_id_t id);
/* DECIMAL(width, scale): 1 <= width <= 38, 0 <= scale <= width; otherwise an
 * INVALID type. */
lh_type_t lh_type_decimal(int width, int scale);
/* Nested constructors. The element/field types are deep-copied into arena a,
 * field names too; the result points into a. Return 0, LH_EINVAL (invalid child
 * type, STRUCT without fields or over LH_TYPE_MAX_FIELDS, a NULL or duplicate
 * field name, deeper than LH_TYPE_MAX_DEPTH) or LH_ENOMEM. */
int lh_type_list(lh_arena_t *a, const lh_type_t *elem, lh_type_t *out);
int lh_type_struct(lh_arena_t *a, const lh_field_t *fields, uint32_t n, lh_type_t *out);
int lh_type_map(lh_arena_t *a, const lh_type_t *key, const lh_type_t *value, lh_type_t *out);
/* Deep copy of src into a (for a primitive: a plain copy). 0 or LH_ENOMEM. */
int lh_type_copy(lh_arena_t *a, const lh_type_t *src, lh_type_t *out);

/* LIST/MAP element type (for MAP the STRUCT(key, value)); MAP key and value. */
static inline const lh_type_t *lh_type_child(const lh_type_t *t)
{
    return &t->fields[0].type;
}
static inline const lh_type_t *lh_type_map_key(const lh_type_t *t)
{
    return &t->fields[0].type.fields[0].type;
}
static inline const lh_type_t *lh_type_map_value(const lh_type_t *t)
{
    return &t->fields[0].type.fields[1].type;
}

/* Structural equality: ids, decimal width and scale, children, STRUCT field
 * names (byte for byte). */
bool lh_type_equal(const lh_type_t *a, const lh_type_t *b);
bool lh_type_is_valid(const lh_type_t *t);
bool lh_type_is_nested(const lh_type_t *t);
bool lh_type_is_integer(const lh_type_t *t); /* TINYINT..UBIGINT, HUGEINT */
/* The layout of t's data buffer. */
lh_phys_t lh_type_physical(const lh_type_t *t);
/* Bytes per row in t's data buffer: 1 BOOLEAN .. 16 HUGEINT/INTERVAL/strings,
 * 8 LIST/MAP (lh_list_entry_t), 0 STRUCT and INVALID. */
size_t lh_type_size(const lh_type_t *t);
/* DuckDB's name of an id ("INTEGER", "DECIMAL", "LIST"), static. */
const char *lh_type_id_name(lh_type_id_t id);

/* Writes t's SQL name as DuckDB spells it: "DECIMAL(18,3)", "INTEGER[]",
 * "STRUCT(a INTEGER, \"my field\" VARCHAR)", "MAP(VARCHAR, BIGINT)" into buf
 * (cap bytes, always NUL-terminated when cap > 0). Returns the full length,
 * like snprintf: a result >= cap means it was cut. */
size_t lh_type_format(const lh_type_t *t, char *buf, size_t cap);
/* Parses a type name, case-insensitively, with DuckDB's aliases (INT, INT4,
 * BOOL, TEXT, STRING, REAL, FLOAT8, NUMERIC, BYTEA, INT128 ...), plus Spark's
 * BYTE, SHORT, LONG and BINARY; "T[]" is a LIST, DECIMAL alone is
 * DECIMAL(18,3), DECIMAL(p) is DECIMAL(p,0). STRUCT field names may be
 * "quoted" ("" inside quotes is one "). The whole text must be one type.
 * Nested parts go into a. Returns 0, LH_EINVAL (with the position in err) or
 * LH_ENOMEM. */
int lh_type_parse(lh_arena_t *a, const char *text, size_t len, lh_type_t *out, lh_err_t *err);

/* TIMESTAMP conversions to microseconds since the epoch, UTC.
 * Milliseconds widen (x1000); LH_ETOOBIG when the result leaves int64. */
int lh_ts_from_millis(int64_t millis, int64_t *micros);
/* Nanoseconds are truncated toward negative infinity (floor division), so
 * -1 ns is -1 us, as DuckDB and Spark read them. Always fits. */
int64_t lh_ts_from_nanos(int64_t nanos);
/* Parquet INT96 (Impala/Spark legacy): 12 bytes, little-endian int64
 * nanoseconds of the day then little-endian int32 Julian day number (2440588
 * is 1970-01-01). Nanoseconds truncate toward negative infinity; values outside
 * one day (leap seconds, odd writers) are taken as they are. LH_ETOOBIG when
 * the result leaves int64. */
int lh_ts_from_int96(const uint8_t bytes[12], int64_t *micros);

#define LH_MICROS_PER_DAY INT64_C(86400000000)

/* An interval as one number, for = and ordering: DuckDB normalises 30 days to
 * a month and 24 hours to a day, so 1 month and 30 days compare equal. */
static inline lh_int128_t lh_interval_key(const lh_interval_t *iv)
{
    return (lh_int128_t)iv->months * 30 * LH_MICROS_PER_DAY +
           (lh_int128_t)iv->days * LH_MICROS_PER_DAY + iv->micros;
}
#define LH_JULIAN_EPOCH_DAY 2440588 /* Julian day number of 1970-01-01 */

#endif
