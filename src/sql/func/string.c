/* String functions over VARCHAR (UTF-8; positions and lengths count
 * characters): length, strlen/octet_length, lower/upper (Unicode simple
 * case mappings, casemap.c), trim/ltrim/rtrim, substr,
 * left/right, concat (NULLs skipped) and ||, replace, starts_with,
 * ends_with, contains, strpos, reverse, repeat. Results that are a slice of
 * an input borrow its bytes (lh_vector_set_string_ref). */
#include "sql/func/func_int.h"

#define STR(v, i) (lh__str(v, i))
#define FOR_ROWS                                                                                   \
    for (uint32_t i = 0; i < count; i++)                                                           \
        if (lh__row_on(out, i))

static int oom(lh_sql_fctx_t *ctx)
{
    return lh_sql_err(ctx->err, LH_ENOMEM, LH_SQL_EOOM, ctx->pos, "out of memory");
}

int64_t lh__utf8_len(const char *p, uint32_t n)
{
    int64_t k = 0;
    for (uint32_t i = 0; i < n; i++)
        k += ((unsigned char)p[i] & 0xC0) != 0x80;
    return k;
}

uint32_t lh__utf8_off(const char *p, uint32_t n, int64_t c)
{
    uint32_t i = 0;
    while (i < n && c > 0) {
        i++;
        while (i < n && ((unsigned char)p[i] & 0xC0) == 0x80)
            i++;
        c--;
    }
    return i;
}

static int f_length(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                    lh_vector_t *out)
{
    FOR_ROWS
    {
        lh_string_t s = STR(&a[0], i);
        ((int64_t *)out->data)[i] = lh__utf8_len(lh_string_data(&s), s.len);
    }
    return 0;
}

static int f_strlen(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                    lh_vector_t *out)
{
    FOR_ROWS((int64_t *)out->data)[i] = STR(&a[0], i).len;
    return 0;
}

static int map_case(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t count, lh_vector_t *out,
                    bool up)
{
    FOR_ROWS
    {
        lh_string_t s = STR(&a[0], i);
        char *t = lh_arena_alloc(ctx->arena, 2 * (size_t)s.len + 1);
        if (!t) return oom(ctx);
        uint32_t len = lh__utf8_case(lh_string_data(&s), s.len, t, up);
        if (lh_vector_set_string(out, i, t, len)) return oom(ctx);
    }
    return 0;
}
static int f_lower(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                   lh_vector_t *out)
{
    return map_case(ctx, a, count, out, false);
}
static int f_upper(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                   lh_vector_t *out)
{
    return map_case(ctx, a, count, out, true);
}

/* Whether the character at p[0..] is in set (UTF-8 aware: whole sequences). */
static uint32_t char_len(const char *p, uint32_t n)
{
    uint32_t k = 1;
    while (k < n && ((unsigned char)p[k] & 0xC0) == 0x80)
        k++;
    return k;
}
static bool in_set(const char *c, uint32_t cl, const char *set, uint32_t sn)
{
    for (uint32_t i = 0; i < sn;) {
        uint32_t k = char_len(set + i, sn - i);
        if (k == cl && !memcmp(set + i, c, k)) return true;
        i += k;
    }
    return false;
}

static int trim(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                lh_vector_t *out, bool left, bool right)
{
    FOR_ROWS
    {
        lh_string_t s = STR(&a[0], i);
        const char *p = lh_string_data(&s);
        lh_string_t set = n > 1 ? STR(&a[1], i) : lh_string_make(" ", 1);
        const char *sp = lh_string_data(&set);
        uint32_t b = 0, e = s.len;
        while (left && b < e) {
            uint32_t k = char_len(p + b, e - b);
            if (!in_set(p + b, k, sp, set.len)) break;
            b += k;
        }
        while (right && e > b) {
            uint32_t k = e - 1;
            while (k > b && ((unsigned char)p[k] & 0xC0) == 0x80)
                k--;
            if (!in_set(p + k, e - k, sp, set.len)) break;
            e = k;
        }
        if (lh_vector_set_string(out, i, p + b, e - b)) return oom(ctx);
    }
    return 0;
}
static int f_trim(lh_sql_fctx_t *c, const lh_vector_t *a, uint32_t n, uint32_t k, lh_vector_t *o)
{
    return trim(c, a, n, k, o, true, true);
}
static int f_ltrim(lh_sql_fctx_t *c, const lh_vector_t *a, uint32_t n, uint32_t k, lh_vector_t *o)
{
    return trim(c, a, n, k, o, true, false);
}
static int f_rtrim(lh_sql_fctx_t *c, const lh_vector_t *a, uint32_t n, uint32_t k, lh_vector_t *o)
{
    return trim(c, a, n, k, o, false, true);
}

/* substring(s, start[, len]) as DuckDB: 1-based, a negative start counts
 * from the end, start 0 takes one character less. */
static int f_substr(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                    lh_vector_t *out)
{
    FOR_ROWS
    {
        lh_string_t s = STR(&a[0], i);
        const char *p = lh_string_data(&s);
        int64_t start = ((const int64_t *)a[1].data)[lh__ix(&a[1], i)];
        int64_t len = n > 2 ? ((const int64_t *)a[2].data)[lh__ix(&a[2], i)] : INT64_MAX / 4;
        int64_t b, e;
        if (start > 0)
            b = start - 1;
        else if (start < 0) /* only then the length in characters */
            b = lh__utf8_len(p, s.len) + start;
        else
            b = 0, len = len > 0 ? len - 1 : len;
        if (len > INT64_MAX / 4) len = INT64_MAX / 4;
        e = b + len;
        if (len < 0) e = b, b = b + len;
        if (b < 0) b = 0;
        if (e < b) e = b; /* past the end: the offsets below stop at it */
        uint32_t ob = lh__utf8_off(p, s.len, b), oe = ob + lh__utf8_off(p + ob, s.len - ob, e - b);
        if (lh_vector_set_string(out, i, p + ob, oe - ob)) return oom(ctx);
    }
    return 0;
}

static int f_left(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                  lh_vector_t *out)
{
    FOR_ROWS
    {
        lh_string_t s = STR(&a[0], i);
        const char *p = lh_string_data(&s);
        int64_t k = ((const int64_t *)a[1].data)[lh__ix(&a[1], i)];
        if (k < 0) k = lh__utf8_len(p, s.len) + k;
        if (k < 0) k = 0;
        if (lh_vector_set_string(out, i, p, lh__utf8_off(p, s.len, k))) return oom(ctx);
    }
    return 0;
}

static int f_right(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                   lh_vector_t *out)
{
    FOR_ROWS
    {
        lh_string_t s = STR(&a[0], i);
        const char *p = lh_string_data(&s);
        int64_t chars = lh__utf8_len(p, s.len);
        int64_t k = ((const int64_t *)a[1].data)[lh__ix(&a[1], i)];
        int64_t skip = k >= 0 ? chars - k : -k;
        if (skip < 0) skip = 0;
        uint32_t o = lh__utf8_off(p, s.len, skip);
        if (lh_vector_set_string(out, i, p + o, s.len - o)) return oom(ctx);
    }
    return 0;
}

/* concat: NULL arguments are skipped, the result is never NULL. */
static int f_concat(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                    lh_vector_t *out)
{
    lh_buf_t b;
    lh_buf_init(&b, (size_t)UINT32_MAX);
    int rc = 0;
    for (uint32_t i = 0; i < count && !rc; i++) {
        if (!lh__row_on(out, i)) continue;
        lh_buf_reset(&b);
        for (uint32_t k = 0; k < n; k++) {
            if (!lh_vector_is_valid(&a[k], i)) continue;
            lh_string_t s = STR(&a[k], i);
            lh_buf_append(&b, lh_string_data(&s), s.len);
        }
        if (lh_buf_err(&b) || lh_vector_set_string(out, i, b.ptr ? b.ptr : "", b.len))
            rc = oom(ctx);
    }
    lh_buf_free(&b);
    return rc;
}

static int f_replace(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                     lh_vector_t *out)
{
    lh_buf_t b;
    lh_buf_init(&b, (size_t)UINT32_MAX);
    int rc = 0;
    for (uint32_t i = 0; i < count && !rc; i++) {
        if (!lh__row_on(out, i)) continue;
        lh_string_t s = STR(&a[0], i), f = STR(&a[1], i), t = STR(&a[2], i);
        const char *p = lh_string_data(&s), *fp = lh_string_data(&f), *tp = lh_string_data(&t);
        lh_buf_reset(&b);
        for (uint32_t k = 0; k < s.len;) {
            if (f.len && k + f.len <= s.len && !memcmp(p + k, fp, f.len)) {
                lh_buf_append(&b, tp, t.len);
                k += f.len;
            } else {
                lh_buf_append(&b, p + k, 1);
                k++;
            }
        }
        if (lh_buf_err(&b) || lh_vector_set_string(out, i, b.ptr ? b.ptr : "", b.len))
            rc = oom(ctx);
    }
    lh_buf_free(&b);
    return rc;
}

/* Byte offset of needle in hay, or -1. */
static int64_t find(const char *h, uint32_t hn, const char *nd, uint32_t nn)
{
    if (!nn) return 0;
    if (nn > hn) return -1;
    const char *r = memmem(h, hn, nd, nn);
    return r ? r - h : -1;
}

#define PRED(NAME, EXPR)                                                                           \
    static int NAME(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,          \
                    lh_vector_t *out)                                                              \
    {                                                                                              \
        FOR_ROWS                                                                                   \
        {                                                                                          \
            lh_string_t s = STR(&a[0], i), t = STR(&a[1], i);                                      \
            const char *p = lh_string_data(&s), *q = lh_string_data(&t);                           \
            ((uint8_t *)out->data)[i] = (EXPR);                                                    \
        }                                                                                          \
        return 0;                                                                                  \
    }
PRED(f_starts_with, t.len <= s.len && !memcmp(p, q, t.len))
PRED(f_ends_with, t.len <= s.len && !memcmp(p + s.len - t.len, q, t.len))
PRED(f_contains, find(p, s.len, q, t.len) >= 0)

static int f_strpos(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                    lh_vector_t *out)
{
    FOR_ROWS
    {
        lh_string_t s = STR(&a[0], i), t = STR(&a[1], i);
        const char *p = lh_string_data(&s);
        int64_t o = find(p, s.len, lh_string_data(&t), t.len);
        ((int64_t *)out->data)[i] = o < 0 ? 0 : lh__utf8_len(p, (uint32_t)o) + 1;
    }
    return 0;
}

static int f_reverse(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                     lh_vector_t *out)
{
    FOR_ROWS
    {
        lh_string_t s = STR(&a[0], i);
        const char *p = lh_string_data(&s);
        char *t = lh_arena_alloc(ctx->arena, s.len + 1);
        if (!t) return oom(ctx);
        for (uint32_t k = 0; k < s.len;) {
            uint32_t cl = char_len(p + k, s.len - k);
            memcpy(t + s.len - k - cl, p + k, cl);
            k += cl;
        }
        if (lh_vector_set_string(out, i, t, s.len)) return oom(ctx);
    }
    return 0;
}

static int f_repeat(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                    lh_vector_t *out)
{
    FOR_ROWS
    {
        lh_string_t s = STR(&a[0], i);
        int64_t k = ((const int64_t *)a[1].data)[lh__ix(&a[1], i)];
        if (k < 0) k = 0;
        if ((uint64_t)k * s.len > UINT32_MAX)
            return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, ctx->pos,
                              "repeat result is too large");
        size_t len = (size_t)k * s.len;
        char *t = lh_arena_alloc(ctx->arena, len + 1);
        if (!t) return oom(ctx);
        for (int64_t r = 0; r < k; r++)
            memcpy(t + (size_t)r * s.len, lh_string_data(&s), s.len);
        if (lh_vector_set_string(out, i, t, len)) return oom(ctx);
    }
    return 0;
}

#define V LH_TYPE_VARCHAR
#define B LH_TYPE_BIGINT
#define O(fn, rt, ...)                                                                             \
    {                                                                                              \
        .args = {__VA_ARGS__}, .nargs = sizeof((uint8_t[]){__VA_ARGS__}), .ret = rt, .exec = fn    \
    }
static const lh_sql_overload_t o_length[] = {O(f_length, B, V)};
static const lh_sql_overload_t o_strlen[] = {O(f_strlen, B, V), O(f_strlen, B, LH_TYPE_BLOB)};
static const lh_sql_overload_t o_lower[] = {O(f_lower, V, V)};
static const lh_sql_overload_t o_upper[] = {O(f_upper, V, V)};
static const lh_sql_overload_t o_trim[] = {O(f_trim, V, V), O(f_trim, V, V, V)};
static const lh_sql_overload_t o_ltrim[] = {O(f_ltrim, V, V), O(f_ltrim, V, V, V)};
static const lh_sql_overload_t o_rtrim[] = {O(f_rtrim, V, V), O(f_rtrim, V, V, V)};
static const lh_sql_overload_t o_substr[] = {O(f_substr, V, V, B), O(f_substr, V, V, B, B)};
static const lh_sql_overload_t o_left[] = {O(f_left, V, V, B)};
static const lh_sql_overload_t o_right[] = {O(f_right, V, V, B)};
/* concat(any, ...): DuckDB casts every argument to VARCHAR. */
static int bind_concat(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    if (!call->nargs)
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EBIND, call->pos,
                          "concat needs at least one argument");
    for (uint32_t i = 0; i < call->nargs; i++)
        if (call->args[i].type.id != LH_TYPE_VARCHAR) call->cast_to[i] = lh_type(LH_TYPE_VARCHAR);
    call->ret = lh_type(LH_TYPE_VARCHAR);
    call->exec = f_concat;
    return 0;
}

static const lh_sql_overload_t o_pipe[] = {O(f_concat, V, V, V)};
static const lh_sql_overload_t o_replace[] = {O(f_replace, V, V, V, V)};
static const lh_sql_overload_t o_starts[] = {O(f_starts_with, LH_TYPE_BOOLEAN, V, V)};
static const lh_sql_overload_t o_ends[] = {O(f_ends_with, LH_TYPE_BOOLEAN, V, V)};
static const lh_sql_overload_t o_contains[] = {O(f_contains, LH_TYPE_BOOLEAN, V, V)};
static const lh_sql_overload_t o_strpos[] = {O(f_strpos, B, V, V)};
static const lh_sql_overload_t o_reverse[] = {O(f_reverse, V, V)};
static const lh_sql_overload_t o_repeat[] = {O(f_repeat, V, V, B)};

#define F(nm, ov, d, ...)                                                                          \
    {                                                                                              \
        .name = nm, .kind = LH_SQL_FUNC_SCALAR, .overloads = ov, .noverloads = LH__COUNT(ov),      \
        .doc = d, __VA_ARGS__                                                                      \
    }
static const lh_sql_func_def_t defs[] = {
    F("length", o_length, "length(s): characters"),
    F("len", o_length, "len(s): characters"),
    F("char_length", o_length, "char_length(s): characters"),
    F("character_length", o_length, "character_length(s): characters"),
    F("strlen", o_strlen, "strlen(s): bytes"),
    F("octet_length", o_strlen, "octet_length(s): bytes"),
    F("lower", o_lower, "lower(s): lower case (Unicode simple mappings)"),
    F("lcase", o_lower, "lcase(s): lower(s)"),
    F("upper", o_upper, "upper(s): upper case (Unicode simple mappings)"),
    F("ucase", o_upper, "ucase(s): upper(s)"),
    F("trim", o_trim, "trim(s[, chars]): strip both ends"),
    F("ltrim", o_ltrim, "ltrim(s[, chars]): strip the left end"),
    F("rtrim", o_rtrim, "rtrim(s[, chars]): strip the right end"),
    F("substr", o_substr, "substr(s, start[, len]): 1-based, characters"),
    F("substring", o_substr, "substring(s, start[, len]): 1-based, characters"),
    F("left", o_left, "left(s, n): the first n characters"),
    F("right", o_right, "right(s, n): the last n characters"),
    {.name = "concat",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = bind_concat,
     .flags = LH_SQL_FUNC_SPECIAL_NULLS,
     .doc = "concat(x, ...): the arguments as text, NULLs skipped"},
    F("||", o_pipe, "a || b: concatenation (NULL if either is)"),
    F("replace", o_replace, "replace(s, from, to): every occurrence"),
    F("starts_with", o_starts, "starts_with(s, prefix)"),
    F("prefix", o_starts, "prefix(s, prefix)"),
    F("ends_with", o_ends, "ends_with(s, suffix)"),
    F("suffix", o_ends, "suffix(s, suffix)"),
    F("contains", o_contains, "contains(s, part)"),
    F("strpos", o_strpos, "strpos(s, part): 1-based position or 0"),
    F("instr", o_strpos, "instr(s, part): strpos"),
    F("position", o_strpos, "position(part IN s): strpos"),
    F("reverse", o_reverse, "reverse(s): characters in reverse order"),
    F("repeat", o_repeat, "repeat(s, n): s n times"),
};

const lh__func_table_t lh__string_funcs = {defs, LH__COUNT(defs)};
