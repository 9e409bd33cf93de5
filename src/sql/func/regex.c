/* Regular expressions with PCRE2, in DuckDB's (RE2's) terms:
 * regexp_matches(s, p [, opts]) (a match anywhere), regexp_full_match (the
 * whole string; the `~` operator), regexp_replace(s, p, r [, opts]) (the
 * first match, every one with 'g'; \0..\9 in r name groups, \\ is a
 * backslash; a rewrite naming a group the pattern lacks, or any other
 * escape, leaves s as it is, as RE2 does), regexp_extract(s, p [, g
 * [, opts]]) (group g of the first match; '' when there is none).
 *
 * Options (a constant string, later letters winning): 'c' case-sensitive,
 * 'i' case-insensitive, 's' '.' matches a newline, 'm' 'n' 'p' it does not
 * (the default), 'l' the pattern is a literal, 'g' global (regexp_replace
 * only). To stay within what RE2 means: '$' matches only at the very end,
 * '.' is one UTF-8 character, \d \w \b are ASCII; global replacement skips
 * an empty match right where the previous match ended.
 *
 * A constant pattern is compiled (and JIT-compiled) once at bind and shared
 * read-only by every thread; each thread has its own match data
 * (init_local), and a pattern that varies by row is compiled when it
 * changes. A bad pattern is an Invalid Input Error with PCRE2's message. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "sql/func/func_int.h"

enum { RX_MATCH, RX_FULL, RX_REPLACE, RX_EXTRACT };

typedef struct rx_bind {
    uint8_t kind;
    bool global;
    int group;        /* regexp_extract */
    uint32_t flags;   /* PCRE2 compile options */
    pcre2_code *code; /* the constant pattern, compiled; NULL when it varies */
} rx_bind_t;

typedef struct rx_local {
    const rx_bind_t *b;
    pcre2_match_data *md; /* for b->code */
    /* a pattern that varies by row: the last one compiled */
    char *pat;
    size_t patlen;
    pcre2_code *code;
    pcre2_match_data *vmd;
    lh_buf_t out; /* regexp_replace's result */
} rx_local_t;

static int rx_err(lh_sql_error_t *err, int32_t pos, int code, const char *what, const char *p,
                  size_t n)
{
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(code, msg, sizeof msg);
    return lh_sql_err(err, LH_EINVAL, LH_SQL_EINPUT, pos, "%s%s: %.*s", what, (char *)msg,
                      (int)(n > 200 ? 200 : n), p);
}

static pcre2_code *compile(const char *p, size_t n, uint32_t flags, lh_sql_error_t *err,
                           int32_t pos)
{
    int ec;
    PCRE2_SIZE off;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)p, n, flags, &ec, &off, NULL);
    if (!c) {
        rx_err(err, pos, ec, "", p, n);
        return NULL;
    }
    pcre2_jit_compile(c, PCRE2_JIT_COMPLETE); /* the interpreter runs it if JIT fails */
    return c;
}

static void rx_code_free(void *code)
{
    pcre2_code_free(code);
}

static void *rx_init_local(const void *bind_data)
{
    const rx_bind_t *b = bind_data;
    rx_local_t *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->b = b;
    lh_buf_init(&l->out, 0);
    if (b->code && !(l->md = pcre2_match_data_create_from_pattern(b->code, NULL))) {
        free(l);
        return NULL;
    }
    return l;
}

static void rx_free_local(void *local)
{
    rx_local_t *l = local;
    if (!l) return;
    pcre2_match_data_free(l->md);
    pcre2_match_data_free(l->vmd);
    pcre2_code_free(l->code);
    free(l->pat);
    lh_buf_free(&l->out);
    free(l);
}

/* The code and match data for row i's pattern: the constant one, or the
 * row's own (compiled when it differs from the last). */
static int pattern_at(lh_sql_fctx_t *ctx, rx_local_t *l, const lh_vector_t *pv, uint32_t i,
                      pcre2_code **code, pcre2_match_data **md)
{
    if (l->b->code) {
        *code = l->b->code;
        *md = l->md;
        return 0;
    }
    lh_string_t s = lh__str(pv, i);
    const char *p = lh_string_data(&s);
    if (!l->code || l->patlen != s.len || memcmp(l->pat, p, s.len)) {
        pcre2_code_free(l->code);
        pcre2_match_data_free(l->vmd);
        l->code = NULL;
        l->vmd = NULL;
        free(l->pat);
        l->pat = malloc(s.len ? s.len : 1);
        if (!l->pat) return LH_ENOMEM;
        memcpy(l->pat, p, s.len);
        l->patlen = s.len;
        l->code = compile(p, s.len, l->b->flags, ctx->err, ctx->pos);
        if (!l->code) return LH_EINVAL;
        l->vmd = pcre2_match_data_create_from_pattern(l->code, NULL);
        if (!l->vmd) return LH_ENOMEM;
    }
    *code = l->code;
    *md = l->vmd;
    return 0;
}

/* 1 matched, 0 not, or an error (a match limit hit). */
static int run(lh_sql_fctx_t *ctx, pcre2_code *code, pcre2_match_data *md, const char *s, size_t n,
               size_t start)
{
    int rc = pcre2_match(code, (PCRE2_SPTR)s, n, start, 0, md, NULL);
    if (rc >= 0) return 1;
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    return rx_err(ctx->err, ctx->pos, rc, "regular expression match failed: ", "", 0);
}

static int rx_bool(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                   lh_vector_t *out)
{
    rx_local_t *l = ctx->local;
    uint8_t *d = out->data;
    for (uint32_t i = 0; i < count; i++) {
        if (!lh__row_on(out, i)) continue;
        pcre2_code *code;
        pcre2_match_data *md;
        int rc = pattern_at(ctx, l, &args[1], i, &code, &md);
        if (rc) return rc;
        lh_string_t s = lh__str(&args[0], i);
        if ((rc = run(ctx, code, md, lh_string_data(&s), s.len, 0)) < 0) return rc;
        d[i] = (uint8_t)rc;
    }
    return 0;
}

static int rx_extract(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                      lh_vector_t *out)
{
    rx_local_t *l = ctx->local;
    int g = l->b->group;
    for (uint32_t i = 0; i < count; i++) {
        if (!lh__row_on(out, i)) continue;
        pcre2_code *code;
        pcre2_match_data *md;
        int rc = pattern_at(ctx, l, &args[1], i, &code, &md);
        if (rc) return rc;
        const lh_string_t *sv = &((const lh_string_t *)args[0].data)[lh__ix(&args[0], i)];
        const char *s = lh_string_data(sv);
        if ((rc = run(ctx, code, md, s, sv->len, 0)) < 0) return rc;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (!rc || (uint32_t)g >= pcre2_get_ovector_count(md) || ov[2 * g] == PCRE2_UNSET) {
            lh_vector_set_string_ref(out, i, "", 0);
            continue;
        }
        lh_vector_set_string_ref(out, i, s + ov[2 * g], (uint32_t)(ov[2 * g + 1] - ov[2 * g]));
    }
    return 0;
}

/* Whether rewrite r is valid for a pattern with ngroups groups (RE2's rule). */
static bool rewrite_ok(const char *r, size_t n, uint32_t ngroups)
{
    for (size_t i = 0; i < n; i++) {
        if (r[i] != '\\') continue;
        if (++i == n) return false;
        if (r[i] >= '0' && r[i] <= '9') {
            if ((uint32_t)(r[i] - '0') > ngroups) return false;
        } else if (r[i] != '\\')
            return false;
    }
    return true;
}

static void rewrite(lh_buf_t *o, const char *r, size_t n, const char *s, const PCRE2_SIZE *ov)
{
    for (size_t i = 0; i < n; i++) {
        if (r[i] != '\\') {
            size_t j = i;
            while (j < n && r[j] != '\\')
                j++;
            lh_buf_append(o, r + i, j - i);
            i = j - 1;
            continue;
        }
        char c = r[++i];
        if (c == '\\') {
            lh_buf_append(o, "\\", 1);
            continue;
        }
        int g = c - '0';
        if (ov[2 * g] != PCRE2_UNSET) lh_buf_append(o, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
    }
}

/* Bytes of the UTF-8 character at s[0] (1 for a stray byte), within n. */
static size_t char_len(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    size_t k = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    return k > n ? n : k;
}

/* RE2's Replace / GlobalReplace of s into l->out; 1 replaced, 0 not, <0 error. */
static int replace(lh_sql_fctx_t *ctx, rx_local_t *l, pcre2_code *code, pcre2_match_data *md,
                   const char *s, size_t n, const char *r, size_t rn)
{
    lh_buf_reset(&l->out);
    size_t p = 0, last = (size_t)-1;
    int count = 0;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    while (p <= n) {
        if (count && !l->b->global) break;
        int rc = run(ctx, code, md, s, n, p);
        if (rc < 0) return rc;
        if (!rc) break;
        if (p < ov[0]) lh_buf_append(&l->out, s + p, ov[0] - p);
        if (ov[0] == last && ov[0] == ov[1]) { /* no empty match where the last one ended */
            size_t k = p < n ? char_len(s + p, n - p) : 1;
            if (p < n) lh_buf_append(&l->out, s + p, k);
            p += k;
            continue;
        }
        rewrite(&l->out, r, rn, s, ov);
        p = ov[1];
        last = p;
        count++;
    }
    if (!count) return 0;
    if (p < n) lh_buf_append(&l->out, s + p, n - p);
    if (lh_buf_err(&l->out))
        return lh_sql_err(ctx->err, LH_ENOMEM, LH_SQL_EOOM, ctx->pos,
                          "regexp_replace result too large");
    return 1;
}

static int rx_replace(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                      lh_vector_t *out)
{
    rx_local_t *l = ctx->local;
    for (uint32_t i = 0; i < count; i++) {
        if (!lh__row_on(out, i)) continue;
        pcre2_code *code;
        pcre2_match_data *md;
        int rc = pattern_at(ctx, l, &args[1], i, &code, &md);
        if (rc) return rc;
        const lh_string_t *sv = &((const lh_string_t *)args[0].data)[lh__ix(&args[0], i)];
        const char *s = lh_string_data(sv);
        lh_string_t rs = lh__str(&args[2], i);
        const char *r = lh_string_data(&rs);
        uint32_t ngroups = 0;
        pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &ngroups);
        rc = rewrite_ok(r, rs.len, ngroups) ? replace(ctx, l, code, md, s, sv->len, r, rs.len) : 0;
        if (rc < 0) return rc;
        if (!rc) {
            lh_vector_set_string_ref(out, i, s, sv->len);
            continue;
        }
        if (lh_vector_set_string(out, i, l->out.ptr ? l->out.ptr : "", l->out.len))
            return lh_sql_err(ctx->err, LH_ENOMEM, LH_SQL_EOOM, ctx->pos, "out of memory");
    }
    return 0;
}

/* ---- binding ---- */

/* A constant argument's value, or 1 when the argument is not a constant. */
static int const_arg(const lh_sql_bind_call_t *call, uint32_t i, const lh_value_t **v)
{
    const lh_sql_arg_t *a = &call->args[i];
    if (!(a->flags & (LH_SQL_ARG_CONSTANT | LH_SQL_ARG_STRING_LITERAL | LH_SQL_ARG_INTEGER_LITERAL |
                      LH_SQL_ARG_NULL_LITERAL)))
        return 1;
    *v = &a->value;
    return 0;
}

static int parse_options(lh_sql_bind_call_t *call, uint32_t i, rx_bind_t *b, lh_sql_error_t *err)
{
    const lh_value_t *v;
    if (const_arg(call, i, &v))
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EINPUT, call->pos,
                          "Regex options field must be a constant");
    if (v->is_null || (call->args[i].flags & LH_SQL_ARG_NULL_LITERAL)) {
        if (b->kind == RX_REPLACE) return 0; /* the result is NULL */
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EINPUT, call->pos,
                          "Regex options field must not be NULL");
    }
    for (size_t k = 0; k < v->v.s.len; k++) {
        switch (v->v.s.ptr[k]) {
        case 'c':
            b->flags &= ~(uint32_t)PCRE2_CASELESS;
            break;
        case 'i':
            b->flags |= PCRE2_CASELESS;
            break;
        case 'l':
            b->flags |= PCRE2_LITERAL;
            break;
        case 'm':
        case 'n':
        case 'p':
            b->flags &= ~(uint32_t)PCRE2_DOTALL;
            break;
        case 's':
            b->flags |= PCRE2_DOTALL;
            break;
        case 'g':
            if (b->kind != RX_REPLACE)
                return lh_sql_err(err, LH_EINVAL, LH_SQL_EINPUT, call->pos,
                                  "Option 'g' (global replace) is only valid for regexp_replace");
            b->global = true;
            break;
        default:
            return lh_sql_err(err, LH_EINVAL, LH_SQL_EINPUT, call->pos,
                              "Unrecognized Regex option %c", v->v.s.ptr[k]);
        }
    }
    return 0;
}

static int parse_group(lh_sql_bind_call_t *call, rx_bind_t *b, lh_sql_error_t *err)
{
    const lh_value_t *v;
    if (const_arg(call, 2, &v))
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EINPUT, call->pos,
                          "Group specification field must be a constant!");
    lh_value_t g;
    const lh_type_t i32 = lh_type(LH_TYPE_INTEGER);
    int rc = lh_sql_cast_value(v, &i32, false, call->arena, &g, call->pos, err);
    if (rc) return rc;
    if (g.is_null) return 0;
    if (g.v.i < 0 || g.v.i > 9)
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EINPUT, call->pos,
                          "Group index must be between 0 and 9!");
    b->group = (int)g.v.i;
    return 0;
}

static int rx_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err, int kind,
                   const lh_sql_overload_t *ovl, uint32_t novl)
{
    int rc = lh_sql_bind_overloads(call, ovl, novl, err);
    if (rc) return rc;
    rx_bind_t *b = lh_arena_calloc(call->arena, sizeof *b);
    if (!b) return LH_ENOMEM;
    b->kind = (uint8_t)kind;
    b->flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY;
    if (kind == RX_FULL) b->flags |= PCRE2_ANCHORED | PCRE2_ENDANCHORED;
    uint32_t opt = kind == RX_MATCH || kind == RX_FULL ? 2 : 3;
    if (call->nargs > opt && (rc = parse_options(call, opt, b, err))) return rc;
    if (b->flags & PCRE2_LITERAL) /* the options PCRE2 allows with a literal */
        b->flags &= PCRE2_LITERAL | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_CASELESS |
                    PCRE2_ANCHORED | PCRE2_ENDANCHORED;
    if (kind == RX_EXTRACT && call->nargs > 2 && (rc = parse_group(call, b, err))) return rc;
    const lh_value_t *p;
    if (!const_arg(call, 1, &p) && !p->is_null &&
        !(call->args[1].flags & LH_SQL_ARG_NULL_LITERAL)) {
        b->code = compile(p->v.s.ptr, p->v.s.len, b->flags, err, call->pos);
        if (!b->code) return LH_EINVAL;
        if (lh_arena_cleanup(call->arena, rx_code_free, b->code)) {
            pcre2_code_free(b->code);
            return LH_ENOMEM;
        }
    }
    call->bind_data = b;
    call->init_local = rx_init_local;
    call->free_local = rx_free_local;
    return 0;
}

#define V LH_TYPE_VARCHAR
static const lh_sql_overload_t bool_ovl[] = {
    {.args = {V, V}, .nargs = 2, .ret = LH_TYPE_BOOLEAN, .exec = rx_bool},
    {.args = {V, V, V}, .nargs = 3, .ret = LH_TYPE_BOOLEAN, .exec = rx_bool},
};
static const lh_sql_overload_t replace_ovl[] = {
    {.args = {V, V, V}, .nargs = 3, .ret = V, .exec = rx_replace},
    {.args = {V, V, V, V}, .nargs = 4, .ret = V, .exec = rx_replace},
};
static const lh_sql_overload_t extract_ovl[] = {
    {.args = {V, V}, .nargs = 2, .ret = V, .exec = rx_extract},
    {.args = {V, V, LH_TYPE_INTEGER}, .nargs = 3, .ret = V, .exec = rx_extract},
    {.args = {V, V, LH_TYPE_INTEGER, V}, .nargs = 4, .ret = V, .exec = rx_extract},
};
#undef V

static int matches_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    return rx_bind(call, err, RX_MATCH, bool_ovl, LH__COUNT(bool_ovl));
}
static int full_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    return rx_bind(call, err, RX_FULL, bool_ovl, LH__COUNT(bool_ovl));
}
static int replace_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    return rx_bind(call, err, RX_REPLACE, replace_ovl, LH__COUNT(replace_ovl));
}
static int extract_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    return rx_bind(call, err, RX_EXTRACT, extract_ovl, LH__COUNT(extract_ovl));
}

static const lh_sql_func_def_t defs[] = {
    {.name = "regexp_matches",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = matches_bind,
     .doc = "regexp_matches(s, p [, opts]): whether p matches anywhere in s"},
    {.name = "regexp_full_match",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = full_bind,
     .doc = "regexp_full_match(s, p [, opts]): whether p matches all of s (the ~ operator)"},
    {.name = "regexp_replace",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = replace_bind,
     .doc = "regexp_replace(s, p, r [, opts]): the first match (every one with 'g') replaced"},
    {.name = "regexp_extract",
     .kind = LH_SQL_FUNC_SCALAR,
     .bind = extract_bind,
     .doc = "regexp_extract(s, p [, group [, opts]]): a group of the first match, or ''"},
};
const lh__func_table_t lh__regex_funcs = {.defs = defs, .n = LH__COUNT(defs)};
