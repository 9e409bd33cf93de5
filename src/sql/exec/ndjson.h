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
/* The same over the objects of a JSON array (format = 'array'). */
int lh__json_sniff_array(lh_arena_t *a, const json_t *arr, lh_json_sniff_t *s, lh_err_t *err);
/* Reads a whole JSON document of up to LH_JSON_MAX_DOC bytes from r into a
 * new reference (*out, the caller's). Errors: LH_ETOOBIG, LH_EINVAL (not
 * JSON: err has jansson's message), LH_EIO, LH_ENOMEM. */
#define LH_JSON_MAX_DOC ((size_t)512 << 20)
struct lh_file_reader;
int lh__json_load_doc(struct lh_file_reader *r, json_t **out, lh_err_t *err);
/* Stores j (NULL: missing) at row of v, converted to v's type: 0, or
 * LH_EINVAL when it does not convert, LH_ENOMEM. */
int lh__json_to_vector(lh_vector_t *v, uint32_t row, const json_t *j);

#endif
