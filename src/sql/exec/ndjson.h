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
/* Reads a whole JSON file of up to LH_JSON_MAX_DOC bytes from r as an array
 * of rows, a new reference (*out, the caller's): values false, the file's one
 * JSON array (format = 'array'); true, its JSON values one after another,
 * each maybe spread over many lines (format = 'unstructured': a file holding
 * one pretty-printed object is one row). Errors: LH_ETOOBIG, LH_EINVAL (not
 * JSON, err says where; or not an array), LH_EIO, LH_ENOMEM. */
#define LH_JSON_MAX_DOC ((size_t)512 << 20)
struct lh_file_reader;
int lh__json_load_rows(struct lh_file_reader *r, bool values, json_t **out, lh_err_t *err);
/* format = 'auto' on a file not starting with '[': whether the first
 * non-blank line of sample[0..n) is a whole JSON value (newline-delimited
 * JSON), not the start of a value spread over lines. */
bool lh__json_first_line_whole(const char *sample, size_t n, bool eof);
/* Stores j (NULL: missing) at row of v, converted to v's type: 0, or
 * LH_EINVAL when it does not convert, LH_ENOMEM. */
int lh__json_to_vector(lh_vector_t *v, uint32_t row, const json_t *j);

/* Stores the text s[0..n) at row of v (any scalar type but VARCHAR), parsed
 * as a Delta partition value is: 0, LH_EINVAL, LH_ENOMEM. The CSV scan uses
 * it too, for the types the options give. */
int lh__json_text_to_vector(lh_vector_t *v, uint32_t row, const char *s, size_t n);

/* ---- the scan's fast path (json_line.c) ---- */
typedef struct lh_json_span {
    const char *p; /* the raw value text (a string with its quotes) */
    uint32_t n;
    char kind;     /* 0 missing, else the value's first byte: " { [ t f n - or a digit */
    const char *u; /* a string's bytes unescaped while it was read (un of them); NULL: not */
    uint32_t un;
} lh_json_span_t;

/* Validates the line p[0..n) as one JSON object and sets out[i] to the
 * value of keys[i] (the last one when a key repeats; kind 0 when absent or
 * keys[i] is NULL: a column nothing reads). With ubuf (n bytes), a string
 * value of a key sought is unescaped into it on the way (span u/un; not one
 * with a \u escape). Returns 0, 1 for a blank line, or -1 with *why for a
 * malformed line. */
int lh__json_line(const char *p, size_t n, const char *const *keys, uint32_t nkeys,
                  lh_json_span_t *out, char *ubuf, const char **why);
/* Stores span sp at row of v, converted to v's type (a string's bytes
 * unescaped already when sp->u is set); scratch holds at least sp->n bytes.
 * 0, LH_EINVAL when it does not convert, LH_ENOMEM. */
int lh__json_span_to_vector(lh_vector_t *v, uint32_t row, const lh_json_span_t *sp, char *scratch);

#endif
