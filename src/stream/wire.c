/* Kafka's wire primitives: the bounds-checked reader and the writer
 * (wire.h). */
#include <string.h>

#include "stream/wire.h"

void lh_kr_init(lh_kr_t *r, const void *data, size_t len)
{
    r->p = data;
    r->end = r->p + len;
    r->err = false;
}

size_t lh_kr_left(const lh_kr_t *r)
{
    return r->err ? 0 : (size_t)(r->end - r->p);
}

/* n bytes, or NULL (and the sticky error) when fewer are left. */
static const uint8_t *take(lh_kr_t *r, size_t n)
{
    if (r->err || (size_t)(r->end - r->p) < n) {
        r->err = true;
        return NULL;
    }
    const uint8_t *q = r->p;
    r->p += n;
    return q;
}

static uint64_t be(const uint8_t *q, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | q[i];
    return v;
}

int8_t lh_kr_i8(lh_kr_t *r)
{
    const uint8_t *q = take(r, 1);
    return q ? (int8_t)q[0] : 0;
}

int16_t lh_kr_i16(lh_kr_t *r)
{
    const uint8_t *q = take(r, 2);
    return q ? (int16_t)(uint16_t)be(q, 2) : 0;
}

int32_t lh_kr_i32(lh_kr_t *r)
{
    const uint8_t *q = take(r, 4);
    return q ? (int32_t)(uint32_t)be(q, 4) : 0;
}

int64_t lh_kr_i64(lh_kr_t *r)
{
    const uint8_t *q = take(r, 8);
    return q ? (int64_t)be(q, 8) : 0;
}

/* An unsigned varint of at most maxb bytes. */
static uint64_t uvar(lh_kr_t *r, int maxb)
{
    uint64_t v = 0;
    for (int i = 0; i < maxb; i++) {
        const uint8_t *q = take(r, 1);
        if (!q) return 0;
        v |= (uint64_t)(q[0] & 0x7f) << (7 * i);
        if (!(q[0] & 0x80)) {
            if (maxb == 5 && v > UINT32_MAX) break; /* a fifth byte past 32 bits */
            return v;
        }
    }
    r->err = true;
    return 0;
}

uint32_t lh_kr_uvarint(lh_kr_t *r)
{
    return (uint32_t)uvar(r, 5);
}

int32_t lh_kr_varint(lh_kr_t *r)
{
    uint32_t u = (uint32_t)uvar(r, 5);
    return (int32_t)(u >> 1) ^ -(int32_t)(u & 1);
}

int64_t lh_kr_varlong(lh_kr_t *r)
{
    uint64_t u = uvar(r, 10);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* A length: INT16/INT32 or compact (UNSIGNED_VARINT minus one); -1 null. */
static int64_t length(lh_kr_t *r, bool compact, bool wide)
{
    if (compact) return (int64_t)lh_kr_uvarint(r) - 1;
    return wide ? lh_kr_i32(r) : lh_kr_i16(r);
}

static lh_str_t view(lh_kr_t *r, int64_t n, bool nullable, bool *null)
{
    lh_str_t s = {NULL, 0};
    if (null) *null = n == -1 && !r->err;
    if (r->err || n == -1) {
        if (!nullable) r->err = true;
        return s;
    }
    const uint8_t *q = n < 0 ? NULL : take(r, (size_t)n);
    if (!q) {
        r->err = true;
        return s;
    }
    s.ptr = (const char *)q;
    s.len = (size_t)n;
    return s;
}

lh_str_t lh_kr_string(lh_kr_t *r, bool compact, bool nullable, bool *null)
{
    return view(r, length(r, compact, false), nullable, null);
}

lh_str_t lh_kr_bytes(lh_kr_t *r, bool compact, bool *null)
{
    return view(r, length(r, compact, true), true, null);
}

int32_t lh_kr_array(lh_kr_t *r, bool compact, bool nullable)
{
    int64_t n = length(r, compact, true);
    if (r->err) return 0;
    if (n == -1) {
        if (!nullable) r->err = true;
        return r->err ? 0 : -1;
    }
    if (n < 0 || (uint64_t)n > (uint64_t)(r->end - r->p)) { /* every element is a byte at least */
        r->err = true;
        return 0;
    }
    return (int32_t)n;
}

void lh_kr_tagged(lh_kr_t *r)
{
    uint32_t n = lh_kr_uvarint(r);
    for (uint32_t i = 0; i < n && !r->err; i++) {
        lh_kr_uvarint(r); /* the tag */
        take(r, lh_kr_uvarint(r));
    }
}

/* ---- writing ---- */

static void put_be(lh_buf_t *b, uint64_t v, int n)
{
    uint8_t q[8];
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        q[i] = (uint8_t)v;
    lh_buf_append(b, q, (size_t)n);
}

void lh_kw_i8(lh_buf_t *b, int8_t v)
{
    put_be(b, (uint8_t)v, 1);
}

void lh_kw_i16(lh_buf_t *b, int16_t v)
{
    put_be(b, (uint16_t)v, 2);
}

void lh_kw_i32(lh_buf_t *b, int32_t v)
{
    put_be(b, (uint32_t)v, 4);
}

void lh_kw_i64(lh_buf_t *b, int64_t v)
{
    put_be(b, (uint64_t)v, 8);
}

static void put_uvar(lh_buf_t *b, uint64_t v)
{
    uint8_t q[10];
    int n = 0;
    do {
        q[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) q[n] |= 0x80;
        n++;
    } while (v);
    lh_buf_append(b, q, (size_t)n);
}

void lh_kw_uvarint(lh_buf_t *b, uint32_t v)
{
    put_uvar(b, v);
}

void lh_kw_varint(lh_buf_t *b, int32_t v)
{
    put_uvar(b, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}

void lh_kw_varlong(lh_buf_t *b, int64_t v)
{
    put_uvar(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void put_len(lh_buf_t *b, int64_t n, bool compact, bool wide)
{
    if (compact)
        put_uvar(b, (uint64_t)(n + 1));
    else if (wide)
        lh_kw_i32(b, (int32_t)n);
    else
        lh_kw_i16(b, (int16_t)n);
}

void lh_kw_string(lh_buf_t *b, lh_str_t s, bool compact)
{
    put_len(b, s.ptr ? (int64_t)s.len : -1, compact, false);
    if (s.ptr) lh_buf_append(b, s.ptr, s.len);
}

void lh_kw_bytes(lh_buf_t *b, lh_str_t s, bool compact)
{
    put_len(b, s.ptr ? (int64_t)s.len : -1, compact, true);
    if (s.ptr) lh_buf_append(b, s.ptr, s.len);
}

void lh_kw_array(lh_buf_t *b, int32_t n, bool compact)
{
    put_len(b, n, compact, true);
}

void lh_kw_tagged(lh_buf_t *b)
{
    put_uvar(b, 0);
}

static void patch(lh_buf_t *b, size_t at, uint32_t u, int width)
{
    if (at + (size_t)width > b->len) return;
    for (int i = width - 1; i >= 0; i--, u >>= 8)
        b->ptr[at + (size_t)i] = (char)(uint8_t)u;
}

void lh_kw_patch_i32(lh_buf_t *b, size_t at, int32_t v)
{
    patch(b, at, (uint32_t)v, 4);
}

void lh_kw_patch_i16(lh_buf_t *b, size_t at, int16_t v)
{
    patch(b, at, (uint16_t)v, 2);
}

/* ---- the request header ---- */

int lh_kafka_req_hdr_read(lh_kr_t *r, bool flexible, lh_kafka_req_hdr_t *h)
{
    h->api_key = lh_kr_i16(r);
    h->api_version = lh_kr_i16(r);
    h->correlation_id = lh_kr_i32(r);
    bool null;
    h->client_id = lh_kr_string(r, false, true, &null);
    if (flexible) lh_kr_tagged(r);
    return r->err ? -1 : 0;
}
