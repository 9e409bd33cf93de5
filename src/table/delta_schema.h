/* A Delta table's schema (PROTOCOL.md "Schema Serialization Format": Spark's
 * JSON schema in metaData.schemaString) and the vector format's types.
 *
 * Delta type          lh_type_t
 *   boolean             BOOLEAN
 *   byte/short          TINYINT/SMALLINT
 *   integer/long        INTEGER/BIGINT
 *   float/double        FLOAT/DOUBLE
 *   decimal(p,s)        DECIMAL(p,s)        ("decimal" alone is (10,0), as Spark)
 *   string/binary       VARCHAR/BLOB
 *   date                DATE
 *   timestamp           TIMESTAMP_TZ        (an instant, isAdjustedToUTC)
 *   timestamp_ntz       TIMESTAMP           (wall clock; table feature timestampNtz)
 *   struct/array/map    STRUCT/LIST/MAP
 * Anything else (variant, void, interval types, char/varchar, unsigned
 * integers, HUGEINT, TIME) is refused with an error naming it.
 *
 * lh_type_t has no nullability or field metadata, so the schema is a tree
 * of columns beside the type: each node has its lh_type_t (the subtree's),
 * its nullability and, for struct fields, the metadata object as JSON text.
 * Everything lives in the arena given to the constructor. */
#ifndef LH_TABLE_DELTA_SCHEMA_H
#define LH_TABLE_DELTA_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "vector/types.h"

typedef struct lh_delta_column lh_delta_column_t;
struct lh_delta_column {
    const char *name; /* a struct field's name; NULL for array element, map key, map value */
    lh_type_t type;
    /* struct field: nullable; array element: containsNull; map value:
     * valueContainsNull; map key: always false */
    bool nullable;
    const char *metadata; /* struct field: its metadata object as JSON ("{}"); else NULL */
    uint32_t nchildren;   /* STRUCT: its fields; LIST: 1 (element); MAP: 2 (key, value) */
    const lh_delta_column_t *children;
};

typedef struct lh_delta_schema {
    lh_type_t type; /* STRUCT(columns...) */
    uint32_t ncolumns;
    const lh_delta_column_t *columns;
    bool uses_timestamp_ntz; /* a timestamp_ntz anywhere: the table needs that feature */
} lh_delta_schema_t;

/* Parses a schemaString. Errors: LH_EINVAL (not JSON, not a struct, a
 * missing or mistyped part, two fields whose names differ only in case, an
 * unsupported type: err names it and the field), LH_ENOMEM. */
int lh_delta_schema_parse(lh_arena_t *a, const char *json, size_t n, lh_delta_schema_t *out,
                          lh_err_t *err);

/* Appends s as a schemaString (compact JSON). Errors: LH_EINVAL (a type
 * Delta cannot hold, a metadata text that is not a JSON object), the
 * buffer's LH_ENOMEM / LH_ETOOBIG. */
int lh_delta_schema_write(const lh_delta_schema_t *s, lh_buf_t *out, lh_err_t *err);

/* The schema of a STRUCT type: every field, element and map value nullable,
 * metadata {}. Errors: LH_EINVAL (not a STRUCT, a type Delta cannot hold:
 * err names it), LH_ENOMEM. */
int lh_delta_schema_from_type(lh_arena_t *a, const lh_type_t *t, lh_delta_schema_t *out,
                              lh_err_t *err);

/* The top-level column called name (ASCII case-insensitive, as Delta's
 * names are unique regardless of case), or NULL. */
const lh_delta_column_t *lh_delta_schema_find(const lh_delta_schema_t *s, const char *name);

/* s plus col at the end, into out (in arena a). Errors: LH_EINVAL (a
 * column of that name exists, col has no name or is not nullable: existing
 * files hold no values for it), LH_ENOMEM. */
int lh_delta_schema_add_column(lh_arena_t *a, const lh_delta_schema_t *s,
                               const lh_delta_column_t *col, lh_delta_schema_t *out, lh_err_t *err);

/* A column node for type t named name (NULL for an element), nullable,
 * metadata {} on fields, children built the same way. LH_EINVAL for a type
 * Delta cannot hold, LH_ENOMEM. */
int lh_delta_column_from_type(lh_arena_t *a, const char *name, const lh_type_t *t,
                              lh_delta_column_t *out, lh_err_t *err);

#endif
