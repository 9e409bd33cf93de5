/* Newline-delimited JSON (read_json): the column sniffer (the union of the
 * keys of a sample's objects, in order of first appearance, each typed from
 * its values) and the conversion of one JSON value into a vector row.
 * Nested objects and arrays become VARCHAR columns of JSON text (no STRUCT or
 * LIST columns from JSON yet). */
#ifndef LH_SQL_EXEC_NDJSON_H
#define LH_SQL_EXEC_NDJSON_H
#include <jansson.h>

#include "core/arena.h"
#include "core/err.h"
#include "vector/vector.h"

typedef struct lh_json_sniff {
    uint32_t ncols;
    const char **names; /* in a */
    lh_type_id_t *types;
} lh_json_sniff_t;

/* Sniffs the lines of sample[0..n) (eof: the whole file; else the last,
 * maybe cut, line is left out). Errors: LH_EINVAL (a line that is not a JSON
 * object: err says which), LH_ENOMEM. */
int lh__json_sniff(lh_arena_t *a, const char *sample, size_t n, bool eof, lh_json_sniff_t *s,
                   lh_err_t *err);
/* Stores j (NULL: missing) at row of v, converted to v's type: 0, or
 * LH_EINVAL when it does not convert, LH_ENOMEM. */
int lh__json_to_vector(lh_vector_t *v, uint32_t row, const json_t *j);

#endif
