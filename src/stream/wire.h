/* Kafka's wire primitives (the protocol guide's types, apache/kafka
 * clients/.../protocol/types): a bounds-checked reader over a request body
 * and a writer onto a growing buffer for responses, plus the request
 * header. Big-endian integers; UNSIGNED_VARINT (7 bits a byte, at most 5
 * bytes); VARINT/VARLONG zig-zag; STRING (INT16 length), NULLABLE_STRING
 * (-1 = null), COMPACT_STRING (UNSIGNED_VARINT length + 1, 0 = null),
 * BYTES likewise with INT32 lengths; ARRAY (INT32 count, -1 = null) and
 * COMPACT_ARRAY (count + 1); tagged fields (a count, then tag, size,
 * bytes) skipped on read, written empty.
 *
 * The reader never allocates: strings and bytes are views into the input.
 * Its error is sticky: after a short or malformed field every later read
 * returns zero values and lh_kr_t.err stays set, so a decoder reads its
 * fields and checks once. A length or count is checked against the bytes
 * left before anything trusts it (an array count can never exceed them,
 * each element taking at least one byte). */
#ifndef LH_STREAM_WIRE_H
#define LH_STREAM_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/str.h"

typedef struct lh_kr {
    const uint8_t *p, *end;
    bool err;
} lh_kr_t;

void lh_kr_init(lh_kr_t *r, const void *data, size_t len);
size_t lh_kr_left(const lh_kr_t *r);
int8_t lh_kr_i8(lh_kr_t *r);
int16_t lh_kr_i16(lh_kr_t *r);
int32_t lh_kr_i32(lh_kr_t *r);
int64_t lh_kr_i64(lh_kr_t *r);
uint32_t lh_kr_uvarint(lh_kr_t *r);
int32_t lh_kr_varint(lh_kr_t *r);
int64_t lh_kr_varlong(lh_kr_t *r);
/* A string (compact or not); *null (may be NULL) says whether it was null,
 * which is an error unless nullable. */
lh_str_t lh_kr_string(lh_kr_t *r, bool compact, bool nullable, bool *null);
/* BYTES / COMPACT_BYTES (null allowed: *null). */
lh_str_t lh_kr_bytes(lh_kr_t *r, bool compact, bool *null);
/* An array's element count: -1 for null (an error unless nullable). */
int32_t lh_kr_array(lh_kr_t *r, bool compact, bool nullable);
/* Skips a tagged-fields section. */
void lh_kr_tagged(lh_kr_t *r);

/* The writer: appends to b; lh_buf_t's error is checked once at the end. */
void lh_kw_i8(lh_buf_t *b, int8_t v);
void lh_kw_i16(lh_buf_t *b, int16_t v);
void lh_kw_i32(lh_buf_t *b, int32_t v);
void lh_kw_i64(lh_buf_t *b, int64_t v);
void lh_kw_uvarint(lh_buf_t *b, uint32_t v);
void lh_kw_varint(lh_buf_t *b, int32_t v);
void lh_kw_varlong(lh_buf_t *b, int64_t v);
/* s.ptr NULL writes null (the type must allow it). */
void lh_kw_string(lh_buf_t *b, lh_str_t s, bool compact);
void lh_kw_bytes(lh_buf_t *b, lh_str_t s, bool compact);
/* An array's count (-1: null). */
void lh_kw_array(lh_buf_t *b, int32_t n, bool compact);
/* An empty tagged-fields section. */
void lh_kw_tagged(lh_buf_t *b);
/* Overwrites the INT32 at offset at (a frame's size, written last). */
void lh_kw_patch_i32(lh_buf_t *b, size_t at, int32_t v);
/* Overwrites the INT16 at offset at (an error code decided later). */
void lh_kw_patch_i16(lh_buf_t *b, size_t at, int16_t v);

/* A request header: v0 (API key, version, correlation id), v1 (+ client id,
 * a NULLABLE_STRING), v2 (+ tagged fields); which one follows from the API
 * and its version (flexible versions use v2; ApiVersions' client id stays
 * a NULLABLE_STRING in every version). */
typedef struct lh_kafka_req_hdr {
    int16_t api_key, api_version;
    int32_t correlation_id;
    lh_str_t client_id; /* ptr NULL: none */
} lh_kafka_req_hdr_t;

/* Reads the header of one request (its size prefix already removed):
 * 0, or -1 when it is short or malformed. flexible: a v2 header. */
int lh_kafka_req_hdr_read(lh_kr_t *r, bool flexible, lh_kafka_req_hdr_t *h);

#endif
