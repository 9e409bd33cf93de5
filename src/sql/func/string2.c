/* More string functions over VARCHAR, as DuckDB (positions and lengths in
 * UTF-8 characters): split_part (a negative index counts from the end, an
 * empty delimiter splits characters), concat_ws (NULL arguments skipped, a
 * NULL separator gives NULL; arguments cast to VARCHAR), lpad/rpad
 * (truncating to the length; an empty fill is an Invalid Input Error),
 * ascii/unicode/ord (the first code point), chr, translate, md5/sha1/sha256
 * (lower-case hex), and typeof (the argument's type name). */
#include <stdio.h>

#include "core/crypto.h"
#include "sql/func/func_int.h"

#define FOR_ROWS                                                                                   \
    for (uint32_t i = 0; i < count; i++)                                                           \
        if (lh__row_on(out, i))
#define I64(v, i) (((const int64_t *)(v)->data)[lh__ix(v, i)])

static int oom(lh_sql_fctx_t *ctx)
{
    return lh_sql_err(ctx->err, LH_ENOMEM, LH_SQL_EOOM, ctx->pos, "out of memory");
}

static uint32_t clen(const char *s, uint32_t n, uint32_t i)
{
    uint32_t k = i + 1;
    while (k < n && ((unsigned char)s[k] & 0xC0) == 0x80)
        k++;
    return k - i;
}
/* The code point at s (n >= 1 bytes), or -1. */
static int32_t decode(const char *s, uint32_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] < 0x80) return u[0];
    int k = u[0] >= 0xF0 ? 3 : u[0] >= 0xE0 ? 2 : 1;
    if ((uint32_t)k >= n) return -1;
    int32_t c = u[0] & (0x3F >> k);
    for (int j = 1; j <= k; j++)
        c = (c << 6) | (u[j] & 0x3F);
    return c;
}
static uint32_t encode(int32_t c, char *o)
{
    if (c < 0x80) return o[0] = (char)c, 1;
    if (c < 0x800) return o[0] = (char)(0xC0 | (c >> 6)), o[1] = (char)(0x80 | (c & 0x3F)), 2;
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* ---- split_part ---- */

static int f_split_part(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                        lh_vector_t *out)
{
    FOR_ROWS
    {
        lh_string_t s = lh__str(&a[0], i), d = lh__str(&a[1], i);
        const char *p = lh_string_data(&s), *dp = lh_string_data(&d);
        int64_t idx = I64(&a[2], i);
        /* the parts as [begin, end) byte ranges, found left to right */
        uint32_t parts = 0, b = 0, want_b = 0, want_e = 0;
        int64_t total = 0;
        if (d.len == 0) {
            total = s.len ? lh__utf8_len(p, s.len) : 1;
        } else {
            total = 1;
            for (uint32_t k = 0; k + d.len <= s.len;)
                if (!memcmp(p + k, dp, d.len))
                    total++, k += d.len;
                else
                    k++;
        }
        int64_t want = idx > 0 ? idx - 1 : total + idx;
        bool found = idx != 0 && want >= 0 && want < total;
        for (uint32_t k = 0; found && k <= s.len;) {
            uint32_t e, next;
            if (d.len == 0) {
                e = k < s.len ? k + clen(p, s.len, k) : k;
                next = e;
            } else {
                const char *f = memmem(p + k, s.len - k, dp, d.len);
                e = f ? (uint32_t)(f - p) : s.len;
                next = e + d.len;
            }
            if ((int64_t)parts == want) {
                want_b = k, want_e = e;
                break;
            }
            parts++;
            k = next;
            b = k;
        }
        (void)b;
        lh_vector_set_string_ref(out, i, p + want_b, found ? want_e - want_b : 0);
    }
    return 0;
}

/* ---- concat_ws ---- */

static int f_concat_ws(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                       lh_vector_t *out)
{
    lh_buf_t b;
    lh_buf_init(&b, (size_t)UINT32_MAX);
    int rc = 0;
    for (uint32_t i = 0; i < count && !rc; i++) {
        if (!lh_vector_is_valid(&a[0], i)) {
            lh_vector_set_null(out, i);
            continue;
        }
        lh_string_t sep = lh__str(&a[0], i);
        lh_buf_reset(&b);
        bool first = true;
        for (uint32_t k = 1; k < n; k++) {
            if (!lh_vector_is_valid(&a[k], i)) continue;
            lh_string_t s = lh__str(&a[k], i);
            if (!first) lh_buf_append(&b, lh_string_data(&sep), sep.len);
            lh_buf_append(&b, lh_string_data(&s), s.len);
            first = false;
        }
        if (lh_buf_err(&b) || lh_vector_set_string(out, i, b.ptr ? b.ptr : "", b.len))
            rc = oom(ctx);
    }
    lh_buf_free(&b);
    return rc;
}

static int bind_concat_ws(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    if (call->nargs < 2) return lh__bind_no_match(call, err);
    lh_type_t vc = lh_type(LH_TYPE_VARCHAR);
    for (uint32_t i = 0; i < call->nargs; i++) {
        if (call->args[i].type.id && !lh_sql_cast_exists(&call->args[i].type, &vc))
            return lh__bind_no_match(call, err);
        call->cast_to[i] = vc;
    }
    call->ret = vc;
    call->exec = f_concat_ws;
    return 0;
}

/* ---- lpad, rpad ---- */

static int pad(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t count, lh_vector_t *out,
               bool left)
{
    lh_buf_t b;
    lh_buf_init(&b, (size_t)UINT32_MAX);
    int rc = 0;
    for (uint32_t i = 0; i < count && !rc; i++) {
        if (!lh__row_on(out, i)) continue;
        lh_string_t s = lh__str(&a[0], i), f = lh__str(&a[2], i);
        const char *p = lh_string_data(&s), *fp = lh_string_data(&f);
        int64_t len = ((const int32_t *)a[1].data)[lh__ix(&a[1], i)], have = lh__utf8_len(p, s.len);
        if (len < 0) len = 0;
        if (have >= len) { /* truncate to len characters */
            lh_vector_set_string_ref(out, i, p, lh__utf8_off(p, s.len, len));
            continue;
        }
        if (!f.len) {
            rc = lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EINPUT, ctx->pos,
                            "Insufficient padding in %s.", left ? "LPAD" : "RPAD");
            break;
        }
        lh_buf_reset(&b);
        if (!left) lh_buf_append(&b, p, s.len);
        for (int64_t k = 0, fk = 0; k < len - have && !lh_buf_err(&b); k++) {
            uint32_t cl = clen(fp, f.len, (uint32_t)fk);
            lh_buf_append(&b, fp + fk, cl);
            fk = fk + cl >= f.len ? 0 : fk + cl;
        }
        if (left) lh_buf_append(&b, p, s.len);
        if (lh_buf_err(&b) || lh_vector_set_string(out, i, b.ptr, b.len)) rc = oom(ctx);
    }
    lh_buf_free(&b);
    return rc;
}
static int f_lpad(lh_sql_fctx_t *c, const lh_vector_t *a, uint32_t n, uint32_t k, lh_vector_t *o)
{
    return pad(c, a, k, o, true);
}
static int f_rpad(lh_sql_fctx_t *c, const lh_vector_t *a, uint32_t n, uint32_t k, lh_vector_t *o)
{
    return pad(c, a, k, o, false);
}

/* ---- ascii, chr, translate ---- */

static int f_ascii(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                   lh_vector_t *out)
{
    FOR_ROWS
    {
        lh_string_t s = lh__str(&a[0], i);
        ((int32_t *)out->data)[i] = s.len ? decode(lh_string_data(&s), s.len) : 0;
    }
    return 0;
}

static int f_chr(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                 lh_vector_t *out)
{
    FOR_ROWS
    {
        int32_t c = ((const int32_t *)a[0].data)[lh__ix(&a[0], i)];
        if (c < 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EINPUT, ctx->pos,
                              "Invalid UTF8 Codepoint %d", (int)c);
        char buf[4];
        if (lh_vector_set_string(out, i, buf, encode(c, buf))) return oom(ctx);
    }
    return 0;
}

/* translate(s, from, to): each character of from becomes the one at the same
 * place in to, or is dropped when to is shorter. */
static int f_translate(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                       lh_vector_t *out)
{
    lh_buf_t b;
    lh_buf_init(&b, (size_t)UINT32_MAX);
    int rc = 0;
    for (uint32_t i = 0; i < count && !rc; i++) {
        if (!lh__row_on(out, i)) continue;
        lh_string_t s = lh__str(&a[0], i), f = lh__str(&a[1], i), t = lh__str(&a[2], i);
        const char *p = lh_string_data(&s), *fp = lh_string_data(&f), *tp = lh_string_data(&t);
        lh_buf_reset(&b);
        for (uint32_t k = 0; k < s.len;) {
            uint32_t cl = clen(p, s.len, k);
            int64_t at = -1, idx = 0;
            for (uint32_t j = 0; j < f.len; idx++) {
                uint32_t fl = clen(fp, f.len, j);
                if (fl == cl && !memcmp(fp + j, p + k, cl)) {
                    at = idx;
                    break;
                }
                j += fl;
            }
            if (at < 0) {
                lh_buf_append(&b, p + k, cl);
            } else {
                uint32_t o = lh__utf8_off(tp, t.len, at);
                if (o < t.len) lh_buf_append(&b, tp + o, clen(tp, t.len, o));
            }
            k += cl;
        }
        if (lh_buf_err(&b) || lh_vector_set_string(out, i, b.ptr ? b.ptr : "", b.len))
            rc = oom(ctx);
    }
    lh_buf_free(&b);
    return rc;
}

/* ---- digests ---- */

static int digest(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t count, lh_vector_t *out,
                  int which)
{
    static const char hx[] = "0123456789abcdef";
    FOR_ROWS
    {
        lh_string_t s = lh__str(&a[0], i);
        unsigned char d[32];
        size_t dn = which == 5 ? 16 : which == 1 ? 20 : 32;
        if (which == 5)
            lh_md5(lh_string_data(&s), s.len, d);
        else if (which == 1)
            lh_sha1(lh_string_data(&s), s.len, d);
        else
            lh_sha256(lh_string_data(&s), s.len, d);
        char h[64];
        for (size_t k = 0; k < dn; k++)
            h[2 * k] = hx[d[k] >> 4], h[2 * k + 1] = hx[d[k] & 15];
        if (lh_vector_set_string(out, i, h, 2 * dn)) return oom(ctx);
    }
    return 0;
}
static int f_md5(lh_sql_fctx_t *c, const lh_vector_t *a, uint32_t n, uint32_t k, lh_vector_t *o)
{
    return digest(c, a, k, o, 5);
}
static int f_sha1(lh_sql_fctx_t *c, const lh_vector_t *a, uint32_t n, uint32_t k, lh_vector_t *o)
{
    return digest(c, a, k, o, 1);
}
static int f_sha256(lh_sql_fctx_t *c, const lh_vector_t *a, uint32_t n, uint32_t k, lh_vector_t *o)
{
    return digest(c, a, k, o, 256);
}

/* ---- typeof ---- */

static int f_typeof(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                    lh_vector_t *out)
{
    const char *name = ctx->bind_data;
    for (uint32_t i = 0; i < count; i++)
        if (lh_vector_set_string(out, i, name, strlen(name))) return oom(ctx);
    return 0;
}
static int bind_typeof(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    if (call->nargs != 1) return lh__bind_no_match(call, err);
    char buf[512];
    const lh_sql_arg_t *x = &call->args[0];
    if ((x->flags & LH_SQL_ARG_NULL_LITERAL) || !x->type.id)
        snprintf(buf, sizeof buf, "\"NULL\"");
    else
        lh_type_format(&x->type, buf, sizeof buf);
    size_t n = strlen(buf);
    char *name = lh_arena_alloc(call->arena, n + 1);
    if (!name) return lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, call->pos, "out of memory");
    memcpy(name, buf, n + 1);
    call->bind_data = name;
    if (!x->type.id) call->cast_to[0] = lh_type(LH_TYPE_INTEGER);
    call->ret = lh_type(LH_TYPE_VARCHAR);
    call->exec = f_typeof;
    return 0;
}

#define V LH_TYPE_VARCHAR
#define B LH_TYPE_BIGINT
#define I LH_TYPE_INTEGER
#define O(fn, rt, ...)                                                                             \
    {                                                                                              \
        .args = {__VA_ARGS__}, .nargs = sizeof((uint8_t[]){__VA_ARGS__}), .ret = rt, .exec = fn    \
    }
static const lh_sql_overload_t o_split_part[] = {O(f_split_part, V, V, V, B)};
static const lh_sql_overload_t o_lpad[] = {O(f_lpad, V, V, I, V)};
static const lh_sql_overload_t o_rpad[] = {O(f_rpad, V, V, I, V)};
static const lh_sql_overload_t o_ascii[] = {O(f_ascii, I, V)};
static const lh_sql_overload_t o_chr[] = {O(f_chr, V, I)};
static const lh_sql_overload_t o_translate[] = {O(f_translate, V, V, V, V)};
static const lh_sql_overload_t o_md5[] = {O(f_md5, V, V), O(f_md5, V, LH_TYPE_BLOB)};
static const lh_sql_overload_t o_sha1[] = {O(f_sha1, V, V), O(f_sha1, V, LH_TYPE_BLOB)};
static const lh_sql_overload_t o_sha256[] = {O(f_sha256, V, V), O(f_sha256, V, LH_TYPE_BLOB)};

#define F(nm, ov, d, ...)                                                                          \
    {                                                                                              \
        .name = nm, .kind = LH_SQL_FUNC_SCALAR, .overloads = ov, .noverloads = LH__COUNT(ov),      \
        .doc = d, __VA_ARGS__                                                                      \
    }
static const lh_sql_func_def_t defs[] = {
    F("split_part", o_split_part,
      "split_part(s, delim, n): the n-th part (1-based; < 0 from the end)"),
    {.name = "concat_ws",
     .kind = LH_SQL_FUNC_SCALAR,
     .flags = LH_SQL_FUNC_SPECIAL_NULLS,
     .bind = bind_concat_ws,
     .doc = "concat_ws(sep, s, ...): joined by sep, NULLs skipped"},
    F("lpad", o_lpad, "lpad(s, n, fill): left-padded (or cut) to n characters"),
    F("rpad", o_rpad, "rpad(s, n, fill): right-padded (or cut) to n characters"),
    F("ascii", o_ascii, "ascii(s): the first character's code point"),
    F("unicode", o_ascii, "unicode(s): the first character's code point"),
    F("ord", o_ascii, "ord(s): the first character's code point"),
    F("chr", o_chr, "chr(n): the character of code point n"),
    F("translate", o_translate, "translate(s, from, to): character replacement"),
    F("md5", o_md5, "md5(s): MD5 digest, hex"),
    F("sha1", o_sha1, "sha1(s): SHA-1 digest, hex"),
    F("sha256", o_sha256, "sha256(s): SHA-256 digest, hex"),
    {.name = "typeof",
     .kind = LH_SQL_FUNC_SCALAR,
     .flags = LH_SQL_FUNC_SPECIAL_NULLS,
     .bind = bind_typeof,
     .doc = "typeof(x): the name of x's type"},
};

const lh__func_table_t lh__string2_funcs = {defs, LH__COUNT(defs)};
