/* The Thrift compact protocol by hand: a reader that checks every byte
 * against the end of its buffer and every declared size against the bytes
 * left, with a sticky first error; a skipper for unknown fields of any type
 * with a nesting limit; and a writer into an lh_buf_t. */
#include "parquet/thrift.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void lh_tc_reader_init(lh_tc_reader_t *r, const void *data, size_t len, lh_err_t *err)
{
    memset(r, 0, sizeof *r);
    r->base = data;
    r->len = data ? len : 0;
    r->err = err;
}

int lh_tc_fail(lh_tc_reader_t *r, const char *fmt, ...)
{
    if (r->rc) return r->rc;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->rc = LH_ECORRUPT;
    return lh_err_set(r->err, LH_ECORRUPT, "%s at byte %zu", msg, r->pos);
}

static size_t left(const lh_tc_reader_t *r)
{
    return r->len - r->pos;
}

static int take(lh_tc_reader_t *r, size_t n, const uint8_t **p, const char *what)
{
    static const uint8_t zero[16];
    *p = zero; /* never read on failure; keeps the compiler sure */
    if (r->rc) return r->rc;
    if (n > left(r))
        return lh_tc_fail(r, "thrift: truncated %s (needs %zu bytes, %zu left)", what, n, left(r));
    *p = r->base + r->pos;
    r->pos += n;
    return 0;
}

int lh_tc_read_varint(lh_tc_reader_t *r, uint64_t *out)
{
    *out = 0;
    uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
        const uint8_t *p;
        int rc = take(r, 1, &p, "varint");
        if (rc) return rc;
        if (i == 9 && *p > 1) return lh_tc_fail(r, "thrift: varint longer than 64 bits");
        v |= (uint64_t)(*p & 0x7f) << (7 * i);
        if (!(*p & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return lh_tc_fail(r, "thrift: varint longer than 64 bits"); /* not reached */
}

int lh_tc_read_i8(lh_tc_reader_t *r, int8_t *out)
{
    const uint8_t *p;
    *out = 0;
    int rc = take(r, 1, &p, "i8");
    if (!rc) *out = (int8_t)*p;
    return rc;
}

int lh_tc_read_i64(lh_tc_reader_t *r, int64_t *out)
{
    uint64_t u;
    *out = 0;
    int rc = lh_tc_read_varint(r, &u);
    if (rc) return rc;
    u = (u >> 1) ^ (~(u & 1) + 1); /* zigzag: 0,1,2,3 -> 0,-1,1,-2 */
    memcpy(out, &u, sizeof u);
    return 0;
}

int lh_tc_read_i32(lh_tc_reader_t *r, int32_t *out)
{
    uint64_t u;
    *out = 0;
    int rc = lh_tc_read_varint(r, &u);
    if (rc) return rc;
    if (u > UINT32_MAX) return lh_tc_fail(r, "thrift: i32 varint longer than 32 bits");
    uint32_t v = (uint32_t)u;
    v = (v >> 1) ^ (~(v & 1) + 1);
    memcpy(out, &v, sizeof v);
    return 0;
}

int lh_tc_read_i16(lh_tc_reader_t *r, int16_t *out)
{
    int32_t v;
    *out = 0;
    int rc = lh_tc_read_i32(r, &v);
    if (rc) return rc;
    if (v < INT16_MIN || v > INT16_MAX)
        return lh_tc_fail(r, "thrift: i16 value %d out of range", (int)v);
    *out = (int16_t)v;
    return 0;
}

int lh_tc_read_double(lh_tc_reader_t *r, double *out)
{
    const uint8_t *p;
    *out = 0;
    int rc = take(r, 8, &p, "double");
    if (rc) return rc;
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = (u << 8) | p[i];
    memcpy(out, &u, sizeof u);
    return 0;
}

int lh_tc_read_binary(lh_tc_reader_t *r, lh_str_t *out)
{
    uint64_t n;
    const uint8_t *p;
    *out = (lh_str_t){"", 0};
    int rc = lh_tc_read_varint(r, &n);
    if (rc) return rc;
    if (n > INT32_MAX)
        return lh_tc_fail(r, "thrift: binary length %llu over 2^31", (unsigned long long)n);
    if (n > left(r))
        return lh_tc_fail(r, "thrift: truncated binary of %llu bytes (only %zu left)",
                          (unsigned long long)n, left(r));
    rc = take(r, (size_t)n, &p, "binary");
    if (!rc) *out = (lh_str_t){(const char *)p, (size_t)n};
    return rc;
}

int lh_tc_read_bool(lh_tc_reader_t *r, bool *out)
{
    const uint8_t *p;
    *out = false;
    int rc = take(r, 1, &p, "bool");
    if (rc) return rc;
    if (*p > 2) return lh_tc_fail(r, "thrift: bool element %u is not 0, 1 or 2", *p);
    *out = *p == 1;
    return 0;
}

int lh_tc_read_uuid(lh_tc_reader_t *r, uint8_t out[16])
{
    const uint8_t *p;
    memset(out, 0, 16);
    int rc = take(r, 16, &p, "uuid");
    if (!rc) memcpy(out, p, 16);
    return rc;
}

static int enter(lh_tc_reader_t *r)
{
    if (r->rc) return r->rc;
    if (r->depth >= LH_TC_MAX_DEPTH)
        return lh_tc_fail(r, "thrift: nesting deeper than %d", LH_TC_MAX_DEPTH);
    r->last_id[r->depth++] = 0;
    return 0;
}

int lh_tc_struct_begin(lh_tc_reader_t *r)
{
    return enter(r);
}

static int leave(lh_tc_reader_t *r)
{
    if (r->rc) return r->rc;
    if (r->depth <= 0) return lh_tc_fail(r, "thrift: struct end without a begin");
    r->depth--;
    return 0;
}

int lh_tc_struct_end(lh_tc_reader_t *r)
{
    return leave(r);
}

/* A type nibble of a container header: 1 and 2 both mean bool. */
static int elem_type(int t)
{
    if (t == 1 || t == 2) return LH_TC_BOOL;
    return t >= LH_TC_I8 && t <= LH_TC_UUID ? t : -1;
}

int lh_tc_read_field(lh_tc_reader_t *r, lh_tc_field_t *f)
{
    const uint8_t *p;
    memset(f, 0, sizeof *f);
    int rc = take(r, 1, &p, "field header");
    if (rc) return rc;
    if (r->depth <= 0) return lh_tc_fail(r, "thrift: field header outside a struct");
    if (*p == 0) return 0; /* STOP */
    int t = *p & 0x0f, delta = *p >> 4;
    if (t == 1 || t == 2)
        f->bval = t == 1;
    else if (elem_type(t) < 0)
        return lh_tc_fail(r, "thrift: unknown field type %d", t);
    int16_t id;
    if (delta) {
        int v = r->last_id[r->depth - 1] + delta;
        if (v > INT16_MAX) return lh_tc_fail(r, "thrift: field id %d out of range", v);
        id = (int16_t)v;
    } else if ((rc = lh_tc_read_i16(r, &id))) {
        return rc;
    }
    r->last_id[r->depth - 1] = id;
    f->type = elem_type(t);
    f->id = id;
    return 0;
}

/* The fewest bytes one value of type t takes on the wire. */
static uint64_t min_size(int t)
{
    return t == LH_TC_DOUBLE ? 8 : t == LH_TC_UUID ? 16 : 1;
}

static int check_count(lh_tc_reader_t *r, uint64_t n, uint64_t each, const char *what)
{
    if (n > INT32_MAX)
        return lh_tc_fail(r, "thrift: %s of %llu elements over 2^31", what, (unsigned long long)n);
    if (n * each > left(r))
        return lh_tc_fail(r, "thrift: %s of %llu elements cannot fit in the %zu bytes left", what,
                          (unsigned long long)n, left(r));
    return 0;
}

int lh_tc_read_list(lh_tc_reader_t *r, int *etype, uint32_t *count)
{
    const uint8_t *p;
    *etype = 0;
    *count = 0;
    int rc = take(r, 1, &p, "list header");
    if (rc) return rc;
    uint64_t n = *p >> 4;
    int t = elem_type(*p & 0x0f);
    if (n == 15 && (rc = lh_tc_read_varint(r, &n))) return rc;
    if (t < 0 && n > 0) return lh_tc_fail(r, "thrift: unknown list element type %d", *p & 0x0f);
    if ((rc = check_count(r, n, min_size(t), "list"))) return rc;
    *etype = t < 0 ? 0 : t;
    *count = (uint32_t)n;
    return 0;
}

int lh_tc_read_map(lh_tc_reader_t *r, int *ktype, int *vtype, uint32_t *count)
{
    uint64_t n;
    const uint8_t *p;
    *ktype = *vtype = 0;
    *count = 0;
    int rc = lh_tc_read_varint(r, &n);
    if (rc || n == 0) return rc;
    if ((rc = take(r, 1, &p, "map header"))) return rc;
    int k = elem_type(*p >> 4), v = elem_type(*p & 0x0f);
    if (k < 0 || v < 0) return lh_tc_fail(r, "thrift: unknown map key/value types 0x%02x", *p);
    if ((rc = check_count(r, n, min_size(k) + min_size(v), "map"))) return rc;
    *ktype = k;
    *vtype = v;
    *count = (uint32_t)n;
    return 0;
}

static int skip_value(lh_tc_reader_t *r, int type);

static int skip_struct(lh_tc_reader_t *r)
{
    lh_tc_field_t f;
    int rc = lh_tc_struct_begin(r);
    while (!rc && !(rc = lh_tc_read_field(r, &f)) && f.type != LH_TC_STOP)
        rc = lh_tc_skip_field(r, &f);
    return rc ? rc : lh_tc_struct_end(r);
}

static int skip_container(lh_tc_reader_t *r, int type)
{
    int kt = 0, vt;
    uint32_t n;
    int rc = type == LH_TC_MAP ? lh_tc_read_map(r, &kt, &vt, &n) : lh_tc_read_list(r, &vt, &n);
    if (rc || (rc = enter(r))) return rc;
    for (uint32_t i = 0; i < n && !rc; i++) {
        if (kt) rc = skip_value(r, kt);
        if (!rc) rc = skip_value(r, vt);
    }
    return rc ? rc : leave(r);
}

static int skip_value(lh_tc_reader_t *r, int type)
{
    const uint8_t *p;
    uint64_t u;
    lh_str_t s;
    bool b;
    switch (type) {
    case LH_TC_BOOL:
        return lh_tc_read_bool(r, &b);
    case LH_TC_I8:
        return take(r, 1, &p, "i8");
    case LH_TC_I16:
    case LH_TC_I32:
    case LH_TC_I64:
        return lh_tc_read_varint(r, &u);
    case LH_TC_DOUBLE:
        return take(r, 8, &p, "double");
    case LH_TC_UUID:
        return take(r, 16, &p, "uuid");
    case LH_TC_BINARY:
        return lh_tc_read_binary(r, &s);
    case LH_TC_STRUCT:
        return skip_struct(r);
    case LH_TC_LIST:
    case LH_TC_SET:
    case LH_TC_MAP:
        return skip_container(r, type);
    default:
        return lh_tc_fail(r, "thrift: cannot skip a value of unknown type %d", type);
    }
}

int lh_tc_skip(lh_tc_reader_t *r, int type)
{
    return r->rc ? r->rc : skip_value(r, type);
}

int lh_tc_skip_field(lh_tc_reader_t *r, const lh_tc_field_t *f)
{
    return f->type == LH_TC_BOOL ? r->rc : lh_tc_skip(r, f->type);
}

/* ---- writer ---- */

void lh_tc_writer_init(lh_tc_writer_t *w, lh_buf_t *out)
{
    memset(w, 0, sizeof *w);
    w->out = out;
}

static int put(lh_tc_writer_t *w, const void *p, size_t n)
{
    return lh_buf_append(w->out, p, n);
}

int lh_tc_write_varint(lh_tc_writer_t *w, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    do {
        b[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) b[n] |= 0x80;
        n++;
    } while (v);
    return put(w, b, n);
}

int lh_tc_write_i8(lh_tc_writer_t *w, int8_t v)
{
    uint8_t b = (uint8_t)v;
    return put(w, &b, 1);
}

int lh_tc_write_i64(lh_tc_writer_t *w, int64_t v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return lh_tc_write_varint(w, (u << 1) ^ (v < 0 ? UINT64_MAX : 0));
}

int lh_tc_write_i32(lh_tc_writer_t *w, int32_t v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return lh_tc_write_varint(w, (uint32_t)((u << 1) ^ (v < 0 ? UINT32_MAX : 0)));
}

int lh_tc_write_i16(lh_tc_writer_t *w, int16_t v)
{
    return lh_tc_write_i32(w, v);
}

int lh_tc_write_double(lh_tc_writer_t *w, double v)
{
    uint64_t u;
    uint8_t b[8];
    memcpy(&u, &v, sizeof u);
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(u >> (8 * i));
    return put(w, b, 8);
}

int lh_tc_write_binary(lh_tc_writer_t *w, const void *p, size_t n)
{
    if (n > INT32_MAX) return lh_buf_set_err(w->out, LH_ETOOBIG);
    lh_tc_write_varint(w, n);
    return n ? put(w, p, n) : lh_buf_err(w->out);
}

int lh_tc_write_string(lh_tc_writer_t *w, const char *s)
{
    return lh_tc_write_binary(w, s ? s : "", s ? strlen(s) : 0);
}

/* Bool elements as parquet-java and parquet-cpp write them: 1 true, 2 false
 * (our reader also takes 0, which the protocol document names). */
int lh_tc_write_bool(lh_tc_writer_t *w, bool v)
{
    uint8_t b = v ? 1 : 2;
    return put(w, &b, 1);
}

int lh_tc_write_uuid(lh_tc_writer_t *w, const uint8_t v[16])
{
    return put(w, v, 16);
}

int lh_tc_write_struct_begin(lh_tc_writer_t *w)
{
    if (w->depth >= LH_TC_MAX_DEPTH) return lh_buf_set_err(w->out, LH_EINVAL);
    w->last_id[w->depth++] = 0;
    return lh_buf_err(w->out);
}

int lh_tc_write_struct_end(lh_tc_writer_t *w)
{
    if (w->depth <= 0) return lh_buf_set_err(w->out, LH_EINVAL);
    w->depth--;
    uint8_t stop = 0;
    return put(w, &stop, 1);
}

static int field_header(lh_tc_writer_t *w, int wire_type, int16_t id)
{
    if (w->depth <= 0) return lh_buf_set_err(w->out, LH_EINVAL);
    int delta = id - w->last_id[w->depth - 1];
    w->last_id[w->depth - 1] = id;
    if (delta > 0 && delta <= 15) {
        uint8_t b = (uint8_t)(delta << 4 | wire_type);
        return put(w, &b, 1);
    }
    uint8_t b = (uint8_t)wire_type;
    put(w, &b, 1);
    return lh_tc_write_i16(w, id);
}

int lh_tc_write_field(lh_tc_writer_t *w, int type, int16_t id)
{
    if (type <= 2 || type > LH_TC_UUID) return lh_buf_set_err(w->out, LH_EINVAL);
    return field_header(w, type, id);
}

int lh_tc_write_bool_field(lh_tc_writer_t *w, int16_t id, bool v)
{
    return field_header(w, v ? 1 : 2, id);
}

/* Container element types as parquet-java and parquet-cpp write them (bool
 * as 1); readers take 1 and 2. */
int lh_tc_write_list(lh_tc_writer_t *w, int etype, uint32_t count)
{
    if (etype <= LH_TC_STOP || etype > LH_TC_UUID || count > INT32_MAX)
        return lh_buf_set_err(w->out, LH_EINVAL);
    if (count < 15) {
        uint8_t b = (uint8_t)(count << 4 | (uint32_t)etype);
        return put(w, &b, 1);
    }
    uint8_t b = (uint8_t)(0xf0 | etype);
    put(w, &b, 1);
    return lh_tc_write_varint(w, count);
}

int lh_tc_write_map(lh_tc_writer_t *w, int ktype, int vtype, uint32_t count)
{
    if (count > INT32_MAX) return lh_buf_set_err(w->out, LH_EINVAL);
    lh_tc_write_varint(w, count);
    if (!count) return lh_buf_err(w->out);
    if (ktype <= LH_TC_STOP || ktype > LH_TC_UUID || vtype <= LH_TC_STOP || vtype > LH_TC_UUID)
        return lh_buf_set_err(w->out, LH_EINVAL);
    uint8_t b = (uint8_t)(ktype << 4 | vtype);
    return put(w, &b, 1);
}

int lh_tc_write_i32_field(lh_tc_writer_t *w, int16_t id, int32_t v)
{
    lh_tc_write_field(w, LH_TC_I32, id);
    return lh_tc_write_i32(w, v);
}

int lh_tc_write_i64_field(lh_tc_writer_t *w, int16_t id, int64_t v)
{
    lh_tc_write_field(w, LH_TC_I64, id);
    return lh_tc_write_i64(w, v);
}

int lh_tc_write_binary_field(lh_tc_writer_t *w, int16_t id, const void *p, size_t n)
{
    lh_tc_write_field(w, LH_TC_BINARY, id);
    return lh_tc_write_binary(w, p, n);
}

int lh_tc_write_string_field(lh_tc_writer_t *w, int16_t id, const char *s)
{
    lh_tc_write_field(w, LH_TC_BINARY, id);
    return lh_tc_write_string(w, s);
}

int lh_tc_write_struct_field(lh_tc_writer_t *w, int16_t id)
{
    lh_tc_write_field(w, LH_TC_STRUCT, id);
    return lh_tc_write_struct_begin(w);
}
