/* The Thrift compact protocol, which every Parquet metadata structure uses
 * (apache/thrift doc/specs/thrift-compact-protocol.md): a reader over a
 * bounded buffer and a writer into an lh_buf_t.
 *
 * Reader: every read is bounds-checked; the first failure is sticky (later
 * reads return the same code and do nothing) and its message lands in the
 * caller's lh_err_t. Declared sizes are checked against the bytes left before
 * anyone allocates: a list header promising more elements than the rest of the
 * input could hold fails at once. Nesting (structs and, while skipping,
 * containers) is limited to LH_TC_MAX_DEPTH. Slices returned by the reader
 * point into the caller's input and live as long as it does.
 *
 * Writer: appends to a caller-owned lh_buf_t; errors are the buffer's sticky
 * error (LH_ENOMEM, LH_ETOOBIG), plus LH_EINVAL for misuse (struct nesting
 * beyond LH_TC_MAX_DEPTH, a negative size), so check lh_buf_err() once at
 * the end. */
#ifndef LH_PARQUET_THRIFT_H
#define LH_PARQUET_THRIFT_H

#include "core/buf.h"
#include "core/err.h"
#include "core/str.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value types as this API names them. On the wire a bool field is type 1
 * (true) or 2 (false) in its field header; the reader reports both as
 * LH_TC_BOOL with the value in lh_tc_field_t.bval. In list, set and map
 * headers 1 and 2 both mean bool. */
enum {
    LH_TC_STOP = 0,
    LH_TC_BOOL = 1,
    LH_TC_I8 = 3,
    LH_TC_I16 = 4,
    LH_TC_I32 = 5,
    LH_TC_I64 = 6,
    LH_TC_DOUBLE = 7,
    LH_TC_BINARY = 8, /* binary and string */
    LH_TC_LIST = 9,
    LH_TC_SET = 10,
    LH_TC_MAP = 11,
    LH_TC_STRUCT = 12, /* struct and union */
    LH_TC_UUID = 13,   /* 16 raw bytes */
};

/* Structs nested in structs, plus containers while skipping. Parquet's own
 * metadata nests at most 7 deep (FileMetaData > SchemaElement > LogicalType
 * > TimestampType > TimeUnit > MilliSeconds). */
#define LH_TC_MAX_DEPTH 32

typedef struct lh_tc_field {
    int type;   /* LH_TC_*, LH_TC_STOP at the end of a struct */
    int16_t id; /* field id */
    bool bval;  /* the value of a LH_TC_BOOL field (no further bytes follow) */
} lh_tc_field_t;

typedef struct lh_tc_reader {
    const uint8_t *base; /* the whole input */
    size_t len, pos;
    int depth;                        /* open structs */
    int16_t last_id[LH_TC_MAX_DEPTH]; /* the previous field id of each open struct */
    int rc;                           /* sticky: 0 or the first failure's LH_E* */
    lh_err_t *err;                    /* may be NULL */
} lh_tc_reader_t;

/* Reads data[0..len), which the caller keeps alive while the reader and the
 * slices it returns are used. err may be NULL. */
void lh_tc_reader_init(lh_tc_reader_t *r, const void *data, size_t len, lh_err_t *err);
/* Bytes consumed so far. */
static inline size_t lh_tc_reader_pos(const lh_tc_reader_t *r)
{
    return r->pos;
}
/* Fails the reader with LH_ECORRUPT (unless it already failed) and a message
 * "<what> at byte <pos>"; returns the reader's code. For decoders above the
 * protocol (a required field missing, a value out of range). */
int lh_tc_fail(lh_tc_reader_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Each read returns 0, or LH_ECORRUPT (truncated input, a varint longer than
 * its type allows, a value out of range, an unknown type, a size larger than
 * the rest of the input, nesting beyond LH_TC_MAX_DEPTH), or the earlier
 * sticky error. On failure *out is left zeroed. */
int lh_tc_read_varint(lh_tc_reader_t *r, uint64_t *out); /* ULEB128, at most 10 bytes */
int lh_tc_read_i8(lh_tc_reader_t *r, int8_t *out);
int lh_tc_read_i16(lh_tc_reader_t *r, int16_t *out);   /* zigzag varint */
int lh_tc_read_i32(lh_tc_reader_t *r, int32_t *out);   /* zigzag varint */
int lh_tc_read_i64(lh_tc_reader_t *r, int64_t *out);   /* zigzag varint */
int lh_tc_read_double(lh_tc_reader_t *r, double *out); /* 8 bytes little-endian */
/* A length-prefixed byte string; out points into the input. */
int lh_tc_read_binary(lh_tc_reader_t *r, lh_str_t *out);
/* A bool list/set/map element: one byte, 1 true, 0 or 2 false. */
int lh_tc_read_bool(lh_tc_reader_t *r, bool *out);
int lh_tc_read_uuid(lh_tc_reader_t *r, uint8_t out[16]);

/* Structs: begin before the first field header, end after reading STOP. */
int lh_tc_struct_begin(lh_tc_reader_t *r);
int lh_tc_struct_end(lh_tc_reader_t *r);
/* The next field header (short form with a delta of 1..15 to the previous
 * id, or the long form with a zigzag i16 id); f->type is LH_TC_STOP at the
 * struct's end. Field ids must be positive only when written in the short
 * form (they are computed); the long form takes any i16. */
int lh_tc_read_field(lh_tc_reader_t *r, lh_tc_field_t *f);
/* A list or set header: element type and count (short form 0..14 in the
 * high nibble, or 15 and a varint). Fails when count elements of that type
 * could not fit in the bytes left (each takes at least 1 byte, a double 8). */
int lh_tc_read_list(lh_tc_reader_t *r, int *elem_type, uint32_t *count);
/* A map header: 0 for an empty map, else a varint count and a key/value
 * type byte; checked against the bytes left like a list. */
int lh_tc_read_map(lh_tc_reader_t *r, int *key_type, int *val_type, uint32_t *count);
/* Skips one value of the given type (for unknown fields), whatever it holds,
 * up to LH_TC_MAX_DEPTH levels deep in all. For LH_TC_BOOL fields nothing
 * follows the header: pass the field, so a bool field skips nothing. */
int lh_tc_skip(lh_tc_reader_t *r, int type);
int lh_tc_skip_field(lh_tc_reader_t *r, const lh_tc_field_t *f);

typedef struct lh_tc_writer {
    lh_buf_t *out;
    int depth;
    int16_t last_id[LH_TC_MAX_DEPTH];
} lh_tc_writer_t;

/* Writes into out (owned by the caller), appending. */
void lh_tc_writer_init(lh_tc_writer_t *w, lh_buf_t *out);
/* The rest append and return lh_buf_err(w->out). */
int lh_tc_write_varint(lh_tc_writer_t *w, uint64_t v);
int lh_tc_write_i8(lh_tc_writer_t *w, int8_t v);
int lh_tc_write_i16(lh_tc_writer_t *w, int16_t v);
int lh_tc_write_i32(lh_tc_writer_t *w, int32_t v);
int lh_tc_write_i64(lh_tc_writer_t *w, int64_t v);
int lh_tc_write_double(lh_tc_writer_t *w, double v);
int lh_tc_write_binary(lh_tc_writer_t *w, const void *p, size_t n);
int lh_tc_write_string(lh_tc_writer_t *w, const char *s); /* NUL-terminated */
int lh_tc_write_bool(lh_tc_writer_t *w, bool v);          /* element: 1 true, 2 false */
int lh_tc_write_uuid(lh_tc_writer_t *w, const uint8_t v[16]);
int lh_tc_write_struct_begin(lh_tc_writer_t *w);
int lh_tc_write_struct_end(lh_tc_writer_t *w); /* writes STOP */
/* A field header: the short form when id - previous is 1..15, else long.
 * Not for bool fields (LH_EINVAL): use lh_tc_write_bool_field. */
int lh_tc_write_field(lh_tc_writer_t *w, int type, int16_t id);
/* A bool field: its value is the header's type. */
int lh_tc_write_bool_field(lh_tc_writer_t *w, int16_t id, bool v);
int lh_tc_write_list(lh_tc_writer_t *w, int elem_type, uint32_t count);
int lh_tc_write_map(lh_tc_writer_t *w, int key_type, int val_type, uint32_t count);

/* Field-and-value shorthands for encoders. */
int lh_tc_write_i32_field(lh_tc_writer_t *w, int16_t id, int32_t v);
int lh_tc_write_i64_field(lh_tc_writer_t *w, int16_t id, int64_t v);
int lh_tc_write_binary_field(lh_tc_writer_t *w, int16_t id, const void *p, size_t n);
int lh_tc_write_string_field(lh_tc_writer_t *w, int16_t id, const char *s);
/* The header of a struct field followed by struct_begin. */
int lh_tc_write_struct_field(lh_tc_writer_t *w, int16_t id);

#endif
