/* The table walker behind parquet/meta.c: decodes any Thrift struct
 * described by an lh__pq_desc_t into its C struct (skipping unknown fields,
 * checking required ones, charging every arena allocation to a budget) and
 * encodes it back in ascending field-id order. */
#include "parquet/meta_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void *at(void *obj, size_t off)
{
    return (char *)obj + off;
}

static const void *cat(const void *obj, size_t off)
{
    return (const char *)obj + off;
}

static int wire(int kind)
{
    switch (kind) {
    case LH__K_BOOL:
        return LH_TC_BOOL;
    case LH__K_I8:
        return LH_TC_I8;
    case LH__K_I16:
        return LH_TC_I16;
    case LH__K_I32:
        return LH_TC_I32;
    case LH__K_I64:
        return LH_TC_I64;
    case LH__K_BIN:
    case LH__K_STR:
        return LH_TC_BINARY;
    case LH__K_STRUCT:
        return LH_TC_STRUCT;
    case LH__K_LIST:
        return LH_TC_LIST;
    default:
        return -1;
    }
}

static size_t elem_size(const lh__pq_fld_t *f)
{
    switch (f->elem) {
    case LH__K_BOOL:
        return sizeof(bool);
    case LH__K_I32:
        return sizeof(int32_t);
    case LH__K_I64:
        return sizeof(int64_t);
    case LH__K_STR:
        return sizeof(char *);
    case LH__K_BIN:
        return sizeof(lh_str_t);
    case LH__K_STRUCT:
        return f->sub->size;
    default:
        return 0;
    }
}

int lh__pq_dec_fail(lh__pq_dec_t *d, int code, const char *fmt, ...)
{
    if (d->r.rc) return d->r.rc;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    d->r.rc = code;
    return lh_err_set(d->r.err, code, "%s at byte %zu", msg, d->r.pos);
}

static void *dec_alloc(lh__pq_dec_t *d, size_t n, const char *what)
{
    if (!d->a) {
        lh__pq_dec_fail(d, LH_ECORRUPT, "parquet: unexpected %s", what);
        return NULL;
    }
    size_t cost = (n + 15) & ~(size_t)15;
    if (cost < n || cost > d->budget) {
        lh__pq_dec_fail(d, LH_ETOOBIG, "parquet: %s of %zu bytes exceeds the decode budget", what,
                        n);
        return NULL;
    }
    d->budget -= cost;
    void *p = lh_arena_calloc(d->a, n);
    if (!p) lh__pq_dec_fail(d, LH_ENOMEM, "parquet: out of memory for %s", what);
    return p;
}

static int dec_bin(lh__pq_dec_t *d, lh_str_t *out)
{
    lh_str_t s;
    int rc = lh_tc_read_binary(&d->r, &s);
    if (rc || !d->a) {
        *out = s;
        return rc;
    }
    char *p = dec_alloc(d, s.len + 1, "binary");
    if (!p) return d->r.rc;
    memcpy(p, s.ptr, s.len);
    *out = (lh_str_t){p, s.len};
    return 0;
}

static int dec_str(lh__pq_dec_t *d, char **out)
{
    lh_str_t s;
    int rc = lh_tc_read_binary(&d->r, &s);
    if (rc) return rc;
    if (memchr(s.ptr, 0, s.len)) return lh_tc_fail(&d->r, "parquet: a string holds a NUL byte");
    char *p = dec_alloc(d, s.len + 1, "string");
    if (!p) return d->r.rc;
    memcpy(p, s.ptr, s.len);
    *out = p;
    return 0;
}

static int dec_value(lh__pq_dec_t *d, int kind, const lh__pq_desc_t *sub, void *p)
{
    switch (kind) {
    case LH__K_BOOL:
        return lh_tc_read_bool(&d->r, p);
    case LH__K_I8:
        return lh_tc_read_i8(&d->r, p);
    case LH__K_I16:
        return lh_tc_read_i16(&d->r, p);
    case LH__K_I32:
        return lh_tc_read_i32(&d->r, p);
    case LH__K_I64:
        return lh_tc_read_i64(&d->r, p);
    case LH__K_BIN:
        return dec_bin(d, p);
    case LH__K_STR:
        return dec_str(d, p);
    case LH__K_STRUCT:
        return lh__pq_dec_struct(d, sub, p);
    default:
        return lh_tc_fail(&d->r, "parquet: no decoder for kind %d", kind);
    }
}

static int dec_list(lh__pq_dec_t *d, const lh__pq_fld_t *f, void *obj)
{
    int et;
    uint32_t n;
    int rc = lh_tc_read_list(&d->r, &et, &n);
    if (rc) return rc;
    if (n && et != wire(f->elem))
        return lh_tc_fail(&d->r, "parquet: %s is a list of thrift type %d, not %d", f->name, et,
                          wire(f->elem));
    size_t size = elem_size(f);
    char *arr = NULL;
    if (n && size > SIZE_MAX / n) return lh_tc_fail(&d->r, "parquet: %s is too long", f->name);
    if (n && !(arr = dec_alloc(d, (size_t)n * size, f->name))) return d->r.rc;
    for (uint32_t i = 0; i < n && !rc; i++)
        rc = dec_value(d, f->elem, f->sub, arr + (size_t)i * size);
    memcpy(at(obj, f->off), &arr, sizeof arr);
    *(uint32_t *)at(obj, f->cnt) = n;
    return rc;
}

static int dec_field(lh__pq_dec_t *d, const lh__pq_fld_t *f, void *obj, const lh_tc_field_t *h)
{
    void *p = at(obj, f->off);
    switch (f->kind) {
    case LH__K_BOOL:
        *(bool *)p = h->bval;
        return 0;
    case LH__K_SEEN:
        *(bool *)p = true;
        return lh_tc_skip_field(&d->r, h);
    case LH__K_LIST:
        return dec_list(d, f, obj);
    default:
        return dec_value(d, f->kind, f->sub, p);
    }
}

static const lh__pq_fld_t *find(const lh__pq_desc_t *ds, const lh_tc_field_t *h)
{
    for (int i = 0; i < ds->nf; i++) {
        const lh__pq_fld_t *f = &ds->f[i];
        if (f->id == h->id && (f->kind == LH__K_SEEN || wire(f->kind) == h->type)) return f;
    }
    return NULL; /* unknown, or a known id with an unexpected type: skipped */
}

int lh__pq_dec_struct(lh__pq_dec_t *d, const lh__pq_desc_t *ds, void *obj)
{
    if (ds->dec) return ds->dec(d, obj);
    lh_tc_field_t h;
    uint64_t seen = 0;
    for (int i = 0; i < ds->nf; i++)
        if (ds->f[i].dflt_true) *(bool *)at(obj, ds->f[i].off) = true;
    int rc = lh_tc_struct_begin(&d->r);
    while (!rc && !(rc = lh_tc_read_field(&d->r, &h)) && h.type != LH_TC_STOP) {
        const lh__pq_fld_t *f = find(ds, &h);
        if (!f) {
            rc = lh_tc_skip_field(&d->r, &h);
            continue;
        }
        rc = dec_field(d, f, obj, &h);
        seen |= (uint64_t)1 << (f - ds->f);
        if (f->has) *(bool *)at(obj, f->has - 1) = true;
    }
    for (int i = 0; !rc && i < ds->nf; i++)
        if (ds->f[i].req && !(seen >> i & 1))
            rc = lh_tc_fail(&d->r, "parquet: %s lacks its required field %s", ds->name,
                            ds->f[i].name);
    return rc ? rc : lh_tc_struct_end(&d->r);
}

/* ---- encode ---- */

static bool present(const lh__pq_fld_t *f, const void *obj)
{
    const void *p = cat(obj, f->off);
    if (f->kind == LH__K_SEEN) return false;
    if (f->has) return *(const bool *)cat(obj, f->has - 1);
    if (f->req || f->dflt_true) return true;
    switch (f->kind) {
    case LH__K_STR: {
        const char *s;
        memcpy(&s, p, sizeof s);
        return s != NULL;
    }
    case LH__K_LIST:
        return *(const uint32_t *)cat(obj, f->cnt) > 0;
    case LH__K_STRUCT:
        return !f->sub->present || f->sub->present(p);
    default:
        return true;
    }
}

static int enc_value(lh_tc_writer_t *w, int kind, const lh__pq_desc_t *sub, const void *p)
{
    switch (kind) {
    case LH__K_BOOL:
        return lh_tc_write_bool(w, *(const bool *)p);
    case LH__K_I8:
        return lh_tc_write_i8(w, *(const int8_t *)p);
    case LH__K_I16:
        return lh_tc_write_i16(w, *(const int16_t *)p);
    case LH__K_I32:
        return lh_tc_write_i32(w, *(const int32_t *)p);
    case LH__K_I64:
        return lh_tc_write_i64(w, *(const int64_t *)p);
    case LH__K_BIN: {
        const lh_str_t *s = p;
        return lh_tc_write_binary(w, s->ptr, s->len);
    }
    case LH__K_STR: {
        const char *s;
        memcpy(&s, p, sizeof s);
        return lh_tc_write_string(w, s);
    }
    case LH__K_STRUCT:
        return lh__pq_enc_struct(w, sub, p);
    default:
        return lh_buf_set_err(w->out, LH_EINVAL);
    }
}

static int enc_list(lh_tc_writer_t *w, const lh__pq_fld_t *f, const void *obj)
{
    uint32_t n = *(const uint32_t *)cat(obj, f->cnt);
    const char *arr;
    memcpy(&arr, cat(obj, f->off), sizeof arr);
    if (n && !arr) return lh_buf_set_err(w->out, LH_EINVAL);
    size_t size = elem_size(f);
    lh_tc_write_field(w, LH_TC_LIST, f->id);
    lh_tc_write_list(w, wire(f->elem), n);
    for (uint32_t i = 0; i < n && !lh_buf_err(w->out); i++)
        enc_value(w, f->elem, f->sub, arr + (size_t)i * size);
    return lh_buf_err(w->out);
}

static int enc_field(lh_tc_writer_t *w, const lh__pq_fld_t *f, const void *obj)
{
    const void *p = cat(obj, f->off);
    switch (f->kind) {
    case LH__K_BOOL:
        return lh_tc_write_bool_field(w, f->id, *(const bool *)p);
    case LH__K_LIST:
        return enc_list(w, f, obj);
    default:
        lh_tc_write_field(w, wire(f->kind), f->id);
        return enc_value(w, f->kind, f->sub, p);
    }
}

int lh__pq_enc_struct(lh_tc_writer_t *w, const lh__pq_desc_t *ds, const void *obj)
{
    if (ds->enc) return ds->enc(w, obj);
    lh_tc_write_struct_begin(w);
    for (int i = 0; i < ds->nf; i++)
        if (present(&ds->f[i], obj)) enc_field(w, &ds->f[i], obj);
    return lh_tc_write_struct_end(w);
}
