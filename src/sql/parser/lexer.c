/* The SQL lexer: the whole script to an arena array of tokens in one pass.
 * Words are looked up as keywords (any case); quoted identifiers, strings
 * ('' escapes, E'' backslash escapes, $$/$tag$ dollar quotes), X'' blobs and
 * numbers (1_000 underscores dropped) carry their decoded value; comments
 * (-- and nested block comments, as PostgreSQL) vanish. Operators match the
 * longest entry of a table. Errors point at the token's first byte. */
#include <stdio.h>
#include <string.h>

#include "sql/parser/parser_int.h"

typedef struct lexer {
    lh_arena_t *a;
    const char *s;
    size_t len, i;
    lh__tok_t *toks;
    uint32_t n, cap;
    lh_sql_error_t *err;
} lexer_t;

typedef struct op_row {
    const char *text;
    uint8_t kind;
} op_row_t;

/* longest first */
static const op_row_t ops[] = {
    {"!~~*", TK_NILIKEOP}, {"~~*", TK_ILIKEOP},    {"!~~", TK_NLIKEOP}, {"~~", TK_LIKEOP},
    {"->>", TK_ARROW2},    {"!~*", TK_NTILDESTAR}, {"::", TK_DCOLON},   {":=", TK_COLONEQ},
    {"=>", TK_ARROWEQ},    {"->", TK_ARROW},       {"<=", TK_LE},       {">=", TK_GE},
    {"<>", TK_NE},         {"!=", TK_NE},          {"==", TK_EQ},       {"||", TK_CONCAT},
    {"//", TK_DSLASH},     {"**", TK_DSTAR},       {"<<", TK_SHL},      {">>", TK_SHR},
    {"~*", TK_TILDESTAR},  {"!~", TK_NTILDE},      {"(", TK_LP},        {")", TK_RP},
    {"[", TK_LB},          {"]", TK_RB},           {"{", TK_LBRACE},    {"}", TK_RBRACE},
    {",", TK_COMMA},       {";", TK_SEMI},         {".", TK_DOT},       {":", TK_COLON},
    {"+", TK_PLUS},        {"-", TK_MINUS},        {"*", TK_STAR},      {"/", TK_SLASH},
    {"%", TK_PCT},         {"^", TK_CARET},        {"=", TK_EQ},        {"<", TK_LT},
    {">", TK_GT},          {"~", TK_TILDE},        {"&", TK_AMP},       {"|", TK_BAR},
    {"#", TK_HASH},        {"?", TK_QMARK},
};

static int fail(lexer_t *lx, size_t pos, const char *msg)
{
    return lh_sql_err(lx->err, LH_EINVAL, LH_SQL_EPARSE, (int32_t)pos, "%s", msg);
}

static int oom(lexer_t *lx)
{
    return lh_sql_err(lx->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory parsing the statement");
}

static lh__tok_t *add(lexer_t *lx, lh__tk_t kind, size_t pos, size_t end)
{
    if (lx->n == lx->cap) {
        uint32_t cap = lx->cap ? lx->cap * 2 : 64;
        lh__tok_t *t = lh_arena_alloc(lx->a, (size_t)cap * sizeof *t);
        if (!t) return NULL;
        if (lx->n) memcpy(t, lx->toks, (size_t)lx->n * sizeof *t);
        lx->toks = t;
        lx->cap = cap;
    }
    lh__tok_t *t = &lx->toks[lx->n++];
    memset(t, 0, sizeof *t);
    t->kind = (uint8_t)kind;
    t->pos = (uint32_t)pos;
    t->len = (uint32_t)(end - pos);
    return t;
}

static bool is_ident_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool is_ident_char(unsigned char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Skips spaces and comments; fails on an unterminated block comment. */
static int skip_space(lexer_t *lx)
{
    const char *s = lx->s;
    while (lx->i < lx->len) {
        unsigned char c = (unsigned char)s[lx->i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            lx->i++;
        } else if (c == '-' && lx->i + 1 < lx->len && s[lx->i + 1] == '-') {
            while (lx->i < lx->len && s[lx->i] != '\n')
                lx->i++;
        } else if (c == '/' && lx->i + 1 < lx->len && s[lx->i + 1] == '*') {
            size_t start = lx->i, depth = 1;
            lx->i += 2;
            while (depth && lx->i < lx->len) {
                if (s[lx->i] == '/' && lx->i + 1 < lx->len && s[lx->i + 1] == '*') {
                    depth++;
                    lx->i += 2;
                } else if (s[lx->i] == '*' && lx->i + 1 < lx->len && s[lx->i + 1] == '/') {
                    depth--;
                    lx->i += 2;
                } else {
                    lx->i++;
                }
            }
            if (depth) return fail(lx, start, "unterminated /* comment");
        } else {
            break;
        }
    }
    return 0;
}

/* A quoted run ending at an undoubled q ('' or ""), decoded into the arena. */
static int lex_quoted(lexer_t *lx, lh__tk_t kind, size_t pos, size_t body, char q)
{
    const char *s = lx->s;
    size_t end = body;
    for (;;) {
        if (end >= lx->len)
            return fail(lx, pos,
                        q == '"' ? "unterminated quoted identifier" : "unterminated quoted string");
        if (s[end] == q && !(end + 1 < lx->len && s[end + 1] == q)) break;
        end += s[end] == q ? 2 : 1;
    }
    char *out = lh_arena_alloc(lx->a, end - body + 1);
    if (!out) return oom(lx);
    size_t o = 0, i = body;
    for (;;) {
        if (s[i] == q) {
            if (i + 1 < lx->len && s[i + 1] == q) {
                out[o++] = q;
                i += 2;
                continue;
            }
            break;
        }
        out[o++] = s[i++];
    }
    out[o] = 0;
    if (kind == TK_QIDENT && o == 0) return fail(lx, pos, "zero-length delimited identifier");
    lh__tok_t *t = add(lx, kind, pos, i + 1);
    if (!t) return oom(lx);
    t->s = out;
    t->slen = (uint32_t)o;
    lx->i = i + 1;
    return 0;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* One backslash escape of an E'' string at s[*i] (after the backslash). */
static int escape(lexer_t *lx, size_t *i, char *out, size_t *o)
{
    const char *s = lx->s;
    size_t at = *i - 1;
    if (*i >= lx->len) return fail(lx, at, "unterminated quoted string");
    char c = s[(*i)++];
    static const char from[] = "bfnrtv", to[] = "\b\f\n\r\t\v";
    const char *m = strchr(from, c);
    if (c && m) {
        out[(*o)++] = to[m - from];
    } else if (c == 'x') {
        int v = 0, k = 0, h;
        while (k < 2 && *i < lx->len && (h = hexval((unsigned char)s[*i])) >= 0) {
            v = v * 16 + h;
            (*i)++;
            k++;
        }
        if (!k) return fail(lx, at, "invalid hexadecimal escape in string");
        out[(*o)++] = (char)v;
    } else if (c == 'u' || c == 'U') {
        int need = c == 'u' ? 4 : 8, h;
        uint32_t cp = 0;
        for (int k = 0; k < need; k++) {
            if (*i >= lx->len || (h = hexval((unsigned char)s[*i])) < 0)
                return fail(lx, at, "invalid Unicode escape in string");
            cp = cp * 16 + (uint32_t)h;
            (*i)++;
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return fail(lx, at, "invalid Unicode escape value in string");
        *o += put_utf8(out + *o, cp);
    } else if (c >= '0' && c <= '7') {
        int v = c - '0', k = 1;
        while (k < 3 && *i < lx->len && s[*i] >= '0' && s[*i] <= '7') {
            v = v * 8 + (s[(*i)++] - '0');
            k++;
        }
        out[(*o)++] = (char)v;
    } else {
        out[(*o)++] = c;
    }
    return 0;
}

static int lex_estring(lexer_t *lx, size_t pos, size_t body)
{
    const char *s = lx->s;
    size_t end = body;
    for (;;) { /* the closing quote; the value is never longer than the source */
        if (end >= lx->len) return fail(lx, pos, "unterminated quoted string");
        if (s[end] == '\\')
            end += 2;
        else if (s[end] == '\'' && !(end + 1 < lx->len && s[end + 1] == '\''))
            break;
        else
            end += s[end] == '\'' ? 2 : 1;
    }
    char *out = lh_arena_alloc(lx->a, end - body + 1);
    if (!out) return oom(lx);
    size_t o = 0, i = body;
    for (;;) {
        if (i >= lx->len) return fail(lx, pos, "unterminated quoted string");
        char c = s[i];
        if (c == '\'') {
            if (i + 1 < lx->len && s[i + 1] == '\'') {
                out[o++] = '\'';
                i += 2;
                continue;
            }
            break;
        }
        if (c == '\\') {
            i++;
            int rc = escape(lx, &i, out, &o);
            if (rc) return rc;
            continue;
        }
        out[o++] = c;
        i++;
    }
    out[o] = 0;
    lh__tok_t *t = add(lx, TK_STR, pos, i + 1);
    if (!t) return oom(lx);
    t->s = out;
    t->slen = (uint32_t)o;
    lx->i = i + 1;
    return 0;
}

static int lex_blob(lexer_t *lx, size_t pos, size_t body)
{
    const char *s = lx->s;
    size_t end = body;
    while (end < lx->len && s[end] != '\'')
        end++;
    if (end >= lx->len) return fail(lx, pos, "unterminated quoted string");
    if ((end - body) % 2) return fail(lx, pos, "invalid hexadecimal string: odd number of digits");
    char *out = lh_arena_alloc(lx->a, (end - body) / 2 + 1);
    if (!out) return oom(lx);
    size_t o = 0;
    for (size_t i = body; i < end; i += 2) {
        int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0) return fail(lx, pos, "invalid hexadecimal digit in blob literal");
        out[o++] = (char)(hi * 16 + lo);
    }
    out[o] = 0;
    lh__tok_t *t = add(lx, TK_BLOB, pos, end + 1);
    if (!t) return oom(lx);
    t->s = out;
    t->slen = (uint32_t)o;
    lx->i = end + 1;
    return 0;
}

/* $$...$$, $tag$...$tag$, $1, $name. */
static int lex_dollar(lexer_t *lx)
{
    const char *s = lx->s;
    size_t pos = lx->i, j = pos + 1;
    if (j < lx->len && is_digit((unsigned char)s[j])) {
        uint64_t v = 0;
        while (j < lx->len && is_digit((unsigned char)s[j])) {
            v = v * 10 + (uint64_t)(s[j++] - '0');
            if (v > 65535) return fail(lx, pos, "parameter number too large");
        }
        lh__tok_t *t = add(lx, TK_PARAM, pos, j);
        if (!t) return oom(lx);
        t->num = (uint32_t)v;
        lx->i = j;
        return 0;
    }
    while (j < lx->len && is_ident_char((unsigned char)s[j]) && s[j] != '$')
        j++;
    if (j < lx->len && s[j] == '$') { /* a dollar quote: the tag is s[pos..j] */
        size_t taglen = j + 1 - pos, body = j + 1, k = body;
        while (k + taglen <= lx->len && memcmp(s + k, s + pos, taglen))
            k++;
        if (k + taglen > lx->len) return fail(lx, pos, "unterminated dollar-quoted string");
        lh__tok_t *t = add(lx, TK_STR, pos, k + taglen);
        if (!t) return oom(lx);
        t->s = lh_arena_strndup(lx->a, s + body, k - body);
        if (!t->s) return oom(lx);
        t->slen = (uint32_t)(k - body);
        lx->i = k + taglen;
        return 0;
    }
    if (j == pos + 1) return fail(lx, pos, "syntax error at or near \"$\"");
    lh__tok_t *t = add(lx, TK_PARAM, pos, j);
    if (!t) return oom(lx);
    t->s = lh_arena_strndup(lx->a, s + pos + 1, j - pos - 1);
    if (!t->s) return oom(lx);
    t->slen = (uint32_t)(j - pos - 1);
    lx->i = j;
    return 0;
}

static int lex_number(lexer_t *lx)
{
    const char *s = lx->s;
    size_t pos = lx->i, j = pos;
    char *out = lh_arena_alloc(lx->a, 64);
    size_t o = 0, cap = 64;
    lh__tk_t kind = TK_INT;
    if (!out) return oom(lx);
    for (; j < lx->len; j++) {
        unsigned char c = (unsigned char)s[j];
        bool take = false;
        if (is_digit(c)) {
            take = true;
        } else if (c == '_' && j > pos && is_digit((unsigned char)s[j - 1]) && j + 1 < lx->len &&
                   is_digit((unsigned char)s[j + 1])) {
            continue;
        } else if (c == '.' && kind == TK_INT && !(j + 1 < lx->len && s[j + 1] == '.')) {
            kind = TK_DEC;
            take = true;
        } else if ((c == 'e' || c == 'E') && kind != TK_FLOAT) {
            size_t k = j + 1;
            if (k < lx->len && (s[k] == '+' || s[k] == '-')) k++;
            if (k >= lx->len || !is_digit((unsigned char)s[k])) break;
            kind = TK_FLOAT;
            take = true;
        } else if ((c == '+' || c == '-') && kind == TK_FLOAT &&
                   (s[j - 1] == 'e' || s[j - 1] == 'E')) {
            take = true;
        }
        if (!take) break;
        if (o + 2 > cap) {
            char *bigger = lh_arena_alloc(lx->a, cap * 2);
            if (!bigger) return oom(lx);
            memcpy(bigger, out, o);
            out = bigger;
            cap *= 2;
        }
        out[o++] = (char)c;
    }
    out[o] = 0;
    lh__tok_t *t = add(lx, kind, pos, j);
    if (!t) return oom(lx);
    t->s = out;
    t->slen = (uint32_t)o;
    lx->i = j;
    return 0;
}

static int lex_word(lexer_t *lx)
{
    size_t pos = lx->i, j = pos;
    while (j < lx->len && is_ident_char((unsigned char)lx->s[j]))
        j++;
    lh__tok_t *t = add(lx, TK_WORD, pos, j);
    if (!t) return oom(lx);
    t->kw = (uint8_t)lh__kw_lookup(lx->s + pos, j - pos);
    lx->i = j;
    return 0;
}

static int lex_op(lexer_t *lx)
{
    const char *s = lx->s + lx->i;
    size_t left = lx->len - lx->i;
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        size_t n = strlen(ops[k].text);
        if (n <= left && !memcmp(s, ops[k].text, n)) {
            if (!add(lx, (lh__tk_t)ops[k].kind, lx->i, lx->i + n)) return oom(lx);
            lx->i += n;
            return 0;
        }
    }
    char msg[48];
    unsigned char c = (unsigned char)*s;
    if (c >= 0x20 && c < 0x7f)
        snprintf(msg, sizeof msg, "syntax error at or near \"%c\"", c);
    else
        snprintf(msg, sizeof msg, "syntax error at or near byte 0x%02x", c);
    return fail(lx, lx->i, msg);
}

static int lex_one(lexer_t *lx)
{
    const char *s = lx->s;
    size_t i = lx->i;
    unsigned char c = (unsigned char)s[i], d = i + 1 < lx->len ? (unsigned char)s[i + 1] : 0;
    if (c == '\'') return lex_quoted(lx, TK_STR, i, i + 1, '\'');
    if (c == '"') return lex_quoted(lx, TK_QIDENT, i, i + 1, '"');
    if ((c == 'e' || c == 'E') && d == '\'') return lex_estring(lx, i, i + 2);
    if ((c == 'x' || c == 'X') && d == '\'') return lex_blob(lx, i, i + 2);
    if ((c == 'n' || c == 'N') && d == '\'') return lex_quoted(lx, TK_STR, i, i + 2, '\'');
    if (c == '$') return lex_dollar(lx);
    if (is_digit(c) || (c == '.' && is_digit(d))) return lex_number(lx);
    if (is_ident_start(c)) return lex_word(lx);
    return lex_op(lx);
}

int lh__lex(lh_arena_t *a, const char *text, size_t len, lh__tok_t **toks, uint32_t *ntoks,
            lh_sql_error_t *err)
{
    lexer_t lx = {.a = a, .s = text, .len = len, .err = err};
    int rc;
    for (;;) {
        if ((rc = skip_space(&lx))) return rc;
        if (lx.i >= len) break;
        if ((rc = lex_one(&lx))) return rc;
    }
    if (!add(&lx, TK_EOF, len, len)) return oom(&lx);
    *toks = lx.toks;
    *ntoks = lx.n;
    return 0;
}
