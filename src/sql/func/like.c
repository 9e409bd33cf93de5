/* LIKE and ILIKE ("~~", "!~~", "~~*", "!~~*", like_escape, not_like_escape,
 * ilike_escape, not_ilike_escape) and GLOB, as DuckDB: LIKE has no escape
 * character unless ESCAPE gives one (a single byte; '' for none), % matches
 * any run of characters and _ one UTF-8 character; ILIKE compares
 * lower-cased text (ASCII and the common Latin, Greek and Cyrillic letters).
 * GLOB works on bytes: * ? [abc] [a-z] [!x] and \ escapes.
 *
 * A pattern is compiled once per call when it is CONSTANT (else per row)
 * into literal segments between % and _; a pattern of literals and % only
 * is matched by memcmp/memmem (exact, prefix%, %suffix, %infix%, and any
 * chain of them), one with _ by a backtracking matcher that remembers the
 * last %. */
#include "sql/func/func_int.h"

static int oom(lh_sql_fctx_t *ctx)
{
    return lh_sql_err(ctx->err, LH_ENOMEM, LH_SQL_EOOM, ctx->pos, "out of memory");
}

/* ---- case folding for ILIKE: both sides lower-cased (lh__utf8_case) ---- */

/* s lower-cased into b (reset first); the folded bytes, or NULL out of memory. */
static const char *fold(lh_buf_t *b, const char *s, uint32_t *n)
{
    lh_buf_reset(b);
    if (lh_buf_append(b, s, *n) || lh_buf_append(b, s, *n)) return NULL; /* 2n: room to grow */
    *n = lh__utf8_case(s, *n, b->ptr, false);
    return b->ptr;
}

/* ---- LIKE patterns ---- */

enum { K_LIT = 0, K_ONE = 1, K_ANY = 2 };

typedef struct like_pat {
    lh_buf_t lit;  /* unescaped pattern bytes (K_LIT rows) */
    lh_buf_t kind; /* one K_* per byte of lit */
    bool has_one;  /* a _ somewhere: the backtracking matcher */
    bool any;      /* a % somewhere */
    bool never;    /* ends with the escape character: matches nothing */
} like_pat_t;

static int compile(like_pat_t *p, const char *s, uint32_t n, int esc)
{
    lh_buf_reset(&p->lit);
    lh_buf_reset(&p->kind);
    p->has_one = p->any = p->never = false;
    for (uint32_t i = 0; i < n; i++) {
        char c = s[i];
        uint8_t k = K_LIT;
        if (esc >= 0 && (unsigned char)c == esc) {
            if (++i == n) {
                p->never = true;
                break;
            }
            c = s[i];
        } else if (c == '%') {
            k = K_ANY, p->any = true;
        } else if (c == '_') {
            k = K_ONE, p->has_one = true;
        }
        if (k == K_ANY && p->kind.len && (uint8_t)p->kind.ptr[p->kind.len - 1] == K_ANY) continue;
        lh_buf_append(&p->lit, &c, 1);
        lh_buf_append(&p->kind, &k, 1);
    }
    return lh_buf_err(&p->lit) ? lh_buf_err(&p->lit) : lh_buf_err(&p->kind);
}

static uint32_t clen(const char *s, uint32_t n, uint32_t i)
{
    uint32_t k = i + 1;
    while (k < n && ((unsigned char)s[k] & 0xC0) == 0x80)
        k++;
    return k - i;
}

/* Literals and % only: the first segment anchored at the start, the last at
 * the end, the ones between found leftmost in order. */
static bool match_simple(const like_pat_t *p, const char *s, uint32_t n)
{
    const char *lit = p->lit.ptr;
    const uint8_t *kind = (const uint8_t *)p->kind.ptr;
    uint32_t m = (uint32_t)p->lit.len;
    if (!p->any) return m == n && (!m || !memcmp(s, lit, n));
    uint32_t a = 0, b = m; /* leading and trailing literal runs */
    while (a < m && kind[a] == K_LIT)
        a++;
    while (b > 0 && kind[b - 1] == K_LIT)
        b--;
    uint32_t tail = m - b;
    if (a + tail > n || memcmp(s, lit, a) || memcmp(s + n - tail, lit + b, tail)) return false;
    uint32_t pos = a, end = n - tail;
    for (uint32_t i = a; i < b;) {
        if (kind[i] == K_ANY) {
            i++;
            continue;
        }
        uint32_t j = i;
        while (j < b && kind[j] == K_LIT)
            j++;
        const char *f = j - i <= end - pos ? memmem(s + pos, end - pos, lit + i, j - i) : NULL;
        if (!f) return false;
        pos = (uint32_t)(f - s) + (j - i);
        i = j;
    }
    return true;
}

static bool match_general(const like_pat_t *p, const char *s, uint32_t n)
{
    const char *lit = p->lit.ptr;
    const uint8_t *kind = (const uint8_t *)p->kind.ptr;
    uint32_t m = (uint32_t)p->lit.len, si = 0, pi = 0, star_p = UINT32_MAX, star_s = 0;
    while (si < n) {
        if (pi < m && kind[pi] == K_ONE) {
            si += clen(s, n, si);
            pi++;
        } else if (pi < m && kind[pi] == K_LIT && lit[pi] == s[si]) {
            si++;
            pi++;
        } else if (pi < m && kind[pi] == K_ANY) {
            star_p = pi++;
            star_s = si;
        } else if (star_p != UINT32_MAX) {
            pi = star_p + 1;
            star_s += clen(s, n, star_s);
            si = star_s;
        } else {
            return false;
        }
    }
    while (pi < m && kind[pi] == K_ANY)
        pi++;
    return pi == m;
}

static bool like_match(const like_pat_t *p, const char *s, uint32_t n)
{
    if (p->never) return false;
    return p->has_one ? match_general(p, s, n) : match_simple(p, s, n);
}

/* The escape argument: -1 for none, else its byte. */
static int escape_of(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t i,
                     int *esc)
{
    *esc = -1;
    if (nargs < 3) return 0;
    lh_string_t e = lh__str(&args[2], i);
    if (e.len > 1)
        return lh_sql_err(ctx->err, LH_EINVAL, LH_SQL_EPARSE, ctx->pos,
                          "Invalid escape string. Escape string must be empty or one character.");
    if (e.len == 1) *esc = (unsigned char)lh_string_data(&e)[0];
    return 0;
}

static int like_run(lh_sql_fctx_t *ctx, const lh_vector_t *args, uint32_t nargs, uint32_t count,
                    lh_vector_t *out, bool ci, bool neg)
{
    like_pat_t p;
    lh_buf_init(&p.lit, (size_t)UINT32_MAX);
    lh_buf_init(&p.kind, (size_t)UINT32_MAX);
    lh_buf_t low, lowp;
    lh_buf_init(&low, (size_t)UINT32_MAX);
    lh_buf_init(&lowp, (size_t)UINT32_MAX);
    bool fixed =
        args[1].kind == LH_VECTOR_CONSTANT && (nargs < 3 || args[2].kind == LH_VECTOR_CONSTANT);
    bool compiled = false;
    int rc = 0, esc;
    for (uint32_t i = 0; i < count && !rc; i++) {
        if (!lh__row_on(out, i)) continue;
        if (!fixed || !compiled) {
            lh_string_t pt = lh__str(&args[1], i);
            const char *pp = lh_string_data(&pt);
            uint32_t pn = pt.len;
            if ((rc = escape_of(ctx, args, nargs, i, &esc))) break;
            if (ci) { /* ILIKE: the pattern (and an ASCII escape) lower-cased first */
                pp = fold(&lowp, pp, &pn);
                if (esc >= 'A' && esc <= 'Z') esc += 32;
            }
            if (lh_buf_err(&lowp) || compile(&p, pp, pn, esc)) {
                rc = oom(ctx);
                break;
            }
            compiled = true;
        }
        lh_string_t s = lh__str(&args[0], i);
        const char *sp = lh_string_data(&s);
        uint32_t sn = s.len;
        if (ci) {
            if (!(sp = fold(&low, sp, &sn))) {
                rc = oom(ctx);
                break;
            }
        }
        ((uint8_t *)out->data)[i] = like_match(&p, sp ? sp : "", sn) != neg;
    }
    lh_buf_free(&p.lit);
    lh_buf_free(&p.kind);
    lh_buf_free(&low);
    lh_buf_free(&lowp);
    return rc;
}

#define LIKE_FN(NAME, CI, NEG)                                                                     \
    static int NAME(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,          \
                    lh_vector_t *out)                                                              \
    {                                                                                              \
        return like_run(ctx, a, n, count, out, CI, NEG);                                           \
    }
LIKE_FN(f_like, false, false)
LIKE_FN(f_not_like, false, true)
LIKE_FN(f_ilike, true, false)
LIKE_FN(f_not_ilike, true, true)

/* ---- GLOB ---- */

/* Whether byte c is in the class at p[*i] (just after '['); *i moves past
 * ']'. false with *bad when the class is not closed. */
static bool glob_class(const char *p, uint32_t m, uint32_t *i, unsigned char c, bool *bad)
{
    uint32_t k = *i;
    bool negate = k < m && p[k] == '!', hit = false;
    if (negate) k++;
    bool first = true;
    while (k < m && (p[k] != ']' || first)) {
        unsigned char lo = (unsigned char)p[k], hi = lo;
        if (k + 2 < m && p[k + 1] == '-') {
            hi = (unsigned char)p[k + 2];
            k += 2;
        }
        if (c >= lo && c <= hi) hit = true;
        k++;
        first = false;
    }
    if (k >= m) return *bad = true, false;
    *i = k + 1;
    return hit != negate;
}

static bool glob_match(const char *p, uint32_t m, const char *s, uint32_t n)
{
    uint32_t si = 0, pi = 0, star_p = UINT32_MAX, star_s = 0;
    while (si < n) {
        bool bad = false;
        if (pi < m && p[pi] == '*') {
            star_p = pi++;
            star_s = si;
            continue;
        }
        if (pi < m) {
            uint32_t np = pi + 1;
            bool ok;
            if (p[pi] == '?') {
                ok = true;
            } else if (p[pi] == '[') {
                ok = glob_class(p, m, &np, (unsigned char)s[si], &bad);
                if (bad) return false;
            } else if (p[pi] == '\\') {
                if (pi + 1 >= m) return false;
                ok = p[pi + 1] == s[si];
                np = pi + 2;
            } else {
                ok = p[pi] == s[si];
            }
            if (ok) {
                pi = np;
                si++;
                continue;
            }
        }
        if (star_p == UINT32_MAX) return false;
        pi = star_p + 1;
        si = ++star_s;
    }
    while (pi < m && p[pi] == '*')
        pi++;
    return pi == m;
}

static int f_glob(lh_sql_fctx_t *ctx, const lh_vector_t *a, uint32_t n, uint32_t count,
                  lh_vector_t *out)
{
    for (uint32_t i = 0; i < count; i++) {
        if (!lh__row_on(out, i)) continue;
        lh_string_t s = lh__str(&a[0], i), p = lh__str(&a[1], i);
        ((uint8_t *)out->data)[i] =
            glob_match(lh_string_data(&p), p.len, lh_string_data(&s), s.len);
    }
    return 0;
}

#define V LH_TYPE_VARCHAR
#define BO LH_TYPE_BOOLEAN
#define O2(fn)                                                                                     \
    {                                                                                              \
        .args = {V, V}, .nargs = 2, .ret = BO, .exec = fn                                          \
    }
#define O3(fn)                                                                                     \
    {                                                                                              \
        .args = {V, V, V}, .nargs = 3, .ret = BO, .exec = fn                                       \
    }
static const lh_sql_overload_t o_like[] = {O2(f_like)}, o_not_like[] = {O2(f_not_like)},
                               o_ilike[] = {O2(f_ilike)}, o_not_ilike[] = {O2(f_not_ilike)},
                               o_like3[] = {O3(f_like)}, o_not_like3[] = {O3(f_not_like)},
                               o_ilike3[] = {O3(f_ilike)}, o_not_ilike3[] = {O3(f_not_ilike)},
                               o_glob[] = {O2(f_glob)};

#define F(nm, ov, d)                                                                               \
    {                                                                                              \
        .name = nm, .kind = LH_SQL_FUNC_SCALAR, .overloads = ov, .noverloads = 1, .doc = d         \
    }
static const lh_sql_func_def_t defs[] = {
    F("~~", o_like, "s LIKE pattern: % any characters, _ one character"),
    F("!~~", o_not_like, "s NOT LIKE pattern"),
    F("~~*", o_ilike, "s ILIKE pattern: LIKE ignoring case"),
    F("!~~*", o_not_ilike, "s NOT ILIKE pattern"),
    F("like_escape", o_like3, "like_escape(s, pattern, escape): LIKE with an escape character"),
    F("not_like_escape", o_not_like3, "not_like_escape(s, pattern, escape)"),
    F("ilike_escape", o_ilike3, "ilike_escape(s, pattern, escape): ILIKE with an escape"),
    F("not_ilike_escape", o_not_ilike3, "not_ilike_escape(s, pattern, escape)"),
    F("glob", o_glob, "s GLOB pattern: * ? [a-z] [!x] on bytes, \\ escapes"),
};

const lh__func_table_t lh__like_funcs = {defs, LH__COUNT(defs)};
