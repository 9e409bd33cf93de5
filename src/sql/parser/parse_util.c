/* The parser's small helpers: token tests and consumption, the first-error-
 * wins error reporting ("syntax error at or near ..."), the nesting guard,
 * node and list allocation in the arena, and names (identifiers folded to
 * lower case unless quoted; which keywords may stand for a name). */
#include <stdio.h>
#include <string.h>

#include "sql/parser/parser_int.h"

bool lh__accept(lh__parser_t *p, lh__tk_t k)
{
    if (!lh__is(p, k)) return false;
    p->i++;
    return true;
}

bool lh__acceptkw(lh__parser_t *p, lh__kw_t kw)
{
    if (!lh__iskw(p, kw)) return false;
    p->i++;
    return true;
}

bool lh__expect(lh__parser_t *p, lh__tk_t k)
{
    if (lh__accept(p, k)) return true;
    lh__syntax_error(p);
    return false;
}

bool lh__expectkw(lh__parser_t *p, lh__kw_t kw)
{
    if (lh__acceptkw(p, kw)) return true;
    lh__syntax_error(p);
    return false;
}

bool lh__isword(const lh__parser_t *p, uint32_t k, const char *w)
{
    const lh__tok_t *t = lh__peek(p, k);
    size_t n = strlen(w);
    if (t->kind != TK_WORD || t->len != n) return false;
    const char *s = p->text + t->pos;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
        if (c != w[i]) return false;
    }
    return true;
}

void *lh__fail(lh__parser_t *p, int code, int32_t pos, const char *msg)
{
    if (p->rc) return NULL;
    p->rc = code;
    lh_sql_err_class_t cls = code == LH_ENOMEM ? LH_SQL_EOOM : LH_SQL_EPARSE;
    lh_sql_err(p->err, code, cls, pos, "%s", msg);
    return NULL;
}

void *lh__syntax_error(lh__parser_t *p)
{
    if (p->rc) return NULL;
    const lh__tok_t *t = lh__cur(p);
    if (t->kind == TK_EOF)
        return lh__fail(p, LH_EINVAL, (int32_t)t->pos, "syntax error at end of input");
    int n = t->len > 200 ? 200 : (int)t->len;
    p->rc = LH_EINVAL;
    lh_sql_err(p->err, LH_EINVAL, LH_SQL_EPARSE, (int32_t)t->pos,
               "syntax error at or near \"%.*s\"", n, p->text + t->pos);
    return NULL;
}

bool lh__enter(lh__parser_t *p)
{
    if (p->rc) return false;
    if (p->depth >= LH_SQL_MAX_DEPTH) {
        char msg[96];
        snprintf(msg, sizeof msg, "statement is nested too deeply (over %d levels)",
                 LH_SQL_MAX_DEPTH);
        lh__fail(p, LH_ETOOBIG, (int32_t)lh__cur(p)->pos, msg);
        return false;
    }
    p->depth++;
    return true;
}

uint32_t lh__end_of_prev(const lh__parser_t *p)
{
    if (p->i == 0) return 0;
    const lh__tok_t *t = &p->t[p->i - 1];
    return t->pos + t->len;
}

lh_ast_t *lh__node(lh__parser_t *p, lh_ast_kind_t kind, uint32_t pos)
{
    lh_ast_t *n = lh_arena_calloc(p->a, sizeof *n);
    if (!n) return lh__fail(p, LH_ENOMEM, -1, "out of memory parsing the statement");
    n->kind = (uint8_t)kind;
    n->pos = (int32_t)pos;
    return n;
}

const char *lh__ident_text(lh__parser_t *p, const lh__tok_t *t)
{
    char *s;
    if (t->kind == TK_QIDENT || t->kind == TK_STR) {
        s = lh_arena_strndup(p->a, t->s, t->slen);
    } else {
        s = lh_arena_strndup(p->a, p->text + t->pos, t->len);
        for (char *c = s; s && *c; c++)
            if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
    }
    if (!s) lh__fail(p, LH_ENOMEM, -1, "out of memory parsing the statement");
    return s;
}

bool lh__is_name(const lh__parser_t *p, uint32_t k, bool colname_ok)
{
    const lh__tok_t *t = lh__peek(p, k);
    if (t->kind == TK_QIDENT) return true;
    if (t->kind != TK_WORD) return false;
    lh__kwcat_t c = lh__kw_category((lh__kw_t)t->kw);
    return c == KWC_NONE || c == KWC_U || (colname_ok && c == KWC_C);
}

const char *lh__parse_name(lh__parser_t *p)
{
    if (!lh__is_name(p, 0, true)) return lh__syntax_error(p);
    return lh__ident_text(p, &p->t[p->i++]);
}

bool lh__parse_dotted(lh__parser_t *p, lh_ast_name_t *out)
{
    memset(out, 0, sizeof *out);
    do {
        if (out->n == 3) return lh__syntax_error(p), false;
        if (!(out->parts[out->n] = lh__parse_name(p))) return false;
        out->n++;
    } while (lh__accept(p, TK_DOT));
    return true;
}

bool lh__parse_name_list(lh__parser_t *p, const char ***out, uint32_t *n)
{
    lh__vec_t v = {0};
    if (!lh__expect(p, TK_LP)) return false;
    do {
        const char **slot = lh__push(p, &v, sizeof *slot);
        if (!slot || !(*slot = lh__parse_name(p))) return false;
    } while (lh__accept(p, TK_COMMA));
    if (!lh__expect(p, TK_RP)) return false;
    *out = v.items;
    *n = v.n;
    return true;
}

void *lh__push(lh__parser_t *p, lh__vec_t *v, size_t elsz)
{
    if (v->n == v->cap) {
        uint32_t cap = v->cap ? v->cap * 2 : 4;
        char *items = lh_arena_alloc(p->a, (size_t)cap * elsz);
        if (!items) return lh__fail(p, LH_ENOMEM, -1, "out of memory parsing the statement");
        if (v->n) memcpy(items, v->items, (size_t)v->n * elsz);
        v->items = items;
        v->cap = cap;
    }
    char *slot = (char *)v->items + (size_t)v->n++ * elsz;
    memset(slot, 0, elsz);
    return slot;
}

bool lh__push_node(lh__parser_t *p, lh__vec_t *v, lh_ast_t *n)
{
    if (!n) return false;
    lh_ast_t **slot = lh__push(p, v, sizeof *slot);
    if (!slot) return false;
    *slot = n;
    return true;
}

lh_ast_t *lh__string_lit(lh__parser_t *p, uint32_t pos, const char *s, size_t n)
{
    lh_ast_t *l = lh__node(p, LH_AST_LITERAL, pos);
    if (!l) return NULL;
    l->u.lit.kind = LH_LIT_STRING;
    l->u.lit.text = lh_arena_strndup(p->a, s, n);
    l->u.lit.len = n;
    if (!l->u.lit.text) return lh__fail(p, LH_ENOMEM, -1, "out of memory parsing the statement");
    return l;
}
