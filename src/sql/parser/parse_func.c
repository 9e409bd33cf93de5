/* Function calls and the expression forms that start with a word: CASE,
 * CAST/TRY_CAST, EXISTS, INTERVAL, ARRAY[..], ROW(..), typed literals (DATE
 * '2026-01-01'), the SQL-standard calls rewritten to plain functions
 * (EXTRACT -> date_part, POSITION, SUBSTRING, TRIM -> trim/ltrim/rtrim,
 * CURRENT_DATE without parentheses), and calls with DISTINCT, *, ORDER BY,
 * IGNORE NULLS, named arguments, FILTER and OVER. */
#include <string.h>

#include "sql/parser/parser_int.h"

lh_ast_t *lh__parse_array_body(lh__parser_t *p, uint32_t pos);
lh_ast_t *lh__parse_interval_expr(lh__parser_t *p);

static lh_ast_t *oom(lh__parser_t *p)
{
    return lh__fail(p, LH_ENOMEM, -1, "out of memory parsing the statement");
}

/* A FUNC node name(args[0..n)). */
static lh_ast_t *mkfunc(lh__parser_t *p, uint32_t pos, const char *name, lh_ast_t **args,
                        uint32_t n)
{
    lh_ast_t *f = lh__node(p, LH_AST_FUNC, pos);
    if (!f) return NULL;
    f->u.func.name.parts[0] = name;
    f->u.func.name.n = 1;
    if (!n) return f;
    lh_ast_t **items = lh_arena_alloc(p->a, n * sizeof *items);
    if (!items) return oom(p);
    for (uint32_t i = 0; i < n; i++) {
        if (!args[i]) return NULL;
        items[i] = args[i];
    }
    f->u.func.args = (lh_ast_list_t){.items = items, .n = n};
    return f;
}

bool lh__parse_order_dir(lh__parser_t *p, lh_ast_order_t *o)
{
    o->nulls_first = -1;
    if (lh__acceptkw(p, KW_DESC))
        o->desc = true;
    else
        lh__acceptkw(p, KW_ASC);
    if (lh__acceptkw(p, KW_NULLS)) {
        if (lh__acceptkw(p, KW_FIRST))
            o->nulls_first = 1;
        else if (lh__expectkw(p, KW_LAST))
            o->nulls_first = 0;
        else
            return false;
    }
    return true;
}

bool lh__parse_order_list(lh__parser_t *p, lh_ast_order_list_t *out)
{
    lh__vec_t v = {0};
    do {
        lh_ast_order_t *o = lh__push(p, &v, sizeof *o);
        if (!o || !(o->expr = lh__parse_expr(p)) || !lh__parse_order_dir(p, o)) return false;
    } while (lh__accept(p, TK_COMMA));
    out->items = v.items;
    out->n = v.n;
    return true;
}

static bool parse_bound(lh__parser_t *p, lh_ast_frame_bound_t *b)
{
    if (lh__acceptkw(p, KW_UNBOUNDED)) {
        if (lh__acceptkw(p, KW_PRECEDING)) {
            b->kind = LH_BOUND_UNBOUNDED_PRECEDING;
            return true;
        }
        b->kind = LH_BOUND_UNBOUNDED_FOLLOWING;
        return lh__expectkw(p, KW_FOLLOWING);
    }
    if (lh__acceptkw(p, KW_CURRENT)) {
        b->kind = LH_BOUND_CURRENT_ROW;
        return lh__expectkw(p, KW_ROW);
    }
    if (!(b->offset = lh__parse_expr(p))) return false;
    if (lh__acceptkw(p, KW_PRECEDING)) {
        b->kind = LH_BOUND_PRECEDING;
        return true;
    }
    b->kind = LH_BOUND_FOLLOWING;
    return lh__expectkw(p, KW_FOLLOWING);
}

bool lh__parse_window(lh__parser_t *p, lh_ast_window_t *w)
{
    if (!lh__expect(p, TK_LP)) return false;
    if (lh__is_name(p, 0, false) && !lh__iskw(p, KW_PARTITION) && !lh__iskw(p, KW_ROWS) &&
        !lh__iskw(p, KW_RANGE) && !lh__iskw(p, KW_GROUPS) && !(w->ref_name = lh__parse_name(p)))
        return false;
    if (lh__acceptkw(p, KW_PARTITION)) {
        lh__vec_t v = {0};
        if (!lh__expectkw(p, KW_BY) || !lh__parse_expr_list(p, &v)) return false;
        w->partition_by = lh__as_list(v);
    }
    if (lh__acceptkw(p, KW_ORDER) &&
        (!lh__expectkw(p, KW_BY) || !lh__parse_order_list(p, &w->order_by)))
        return false;
    if (lh__acceptkw(p, KW_ROWS))
        w->frame_mode = 1;
    else if (lh__acceptkw(p, KW_RANGE))
        w->frame_mode = 2;
    else if (lh__acceptkw(p, KW_GROUPS))
        w->frame_mode = 3;
    if (w->frame_mode) {
        if (lh__acceptkw(p, KW_BETWEEN)) {
            if (!parse_bound(p, &w->frame_start) || !lh__expectkw(p, KW_AND) ||
                !parse_bound(p, &w->frame_end))
                return false;
        } else if (!parse_bound(p, &w->frame_start)) {
            return false;
        }
    }
    return lh__expect(p, TK_RP);
}

static bool parse_args(lh__parser_t *p, lh_ast_t *f)
{
    lh__vec_t args = {0}, names = {0};
    bool named = false;
    do {
        const char **nm = lh__push(p, &names, sizeof *nm);
        if (!nm) return false;
        if ((lh__is(p, TK_WORD) || lh__is(p, TK_QIDENT)) &&
            (lh__peek(p, 1)->kind == TK_COLONEQ || lh__peek(p, 1)->kind == TK_ARROWEQ)) {
            if (!(*nm = lh__ident_text(p, lh__cur(p)))) return false;
            p->i += 2;
            named = true;
        }
        if (!lh__push_node(p, &args, lh__parse_expr(p))) return false;
    } while (lh__accept(p, TK_COMMA));
    f->u.func.args = lh__as_list(args);
    if (named) f->u.func.arg_names = names.items;
    return true;
}

static bool parse_nulls_treatment(lh__parser_t *p, lh_ast_t *f)
{
    if ((lh__iskw(p, KW_IGNORE) || lh__iskw(p, KW_RESPECT)) && lh__peekkw(p, 1, KW_NULLS)) {
        f->u.func.ignore_nulls = lh__iskw(p, KW_IGNORE);
        p->i += 2;
    }
    return true;
}

/* FILTER (WHERE c), IGNORE NULLS, WITHIN GROUP (ORDER BY ..), OVER ... */
static lh_ast_t *call_suffix(lh__parser_t *p, lh_ast_t *f)
{
    if (lh__iskw(p, KW_WITHIN) && lh__peekkw(p, 1, KW_GROUP)) {
        p->i += 2;
        if (!lh__expect(p, TK_LP) || !lh__expectkw(p, KW_ORDER) || !lh__expectkw(p, KW_BY) ||
            !lh__parse_order_list(p, &f->u.func.order_by) || !lh__expect(p, TK_RP))
            return NULL;
    }
    if (lh__iskw(p, KW_FILTER) && lh__peek(p, 1)->kind == TK_LP) {
        p->i += 2;
        lh__acceptkw(p, KW_WHERE);
        if (!(f->u.func.filter = lh__parse_expr(p)) || !lh__expect(p, TK_RP)) return NULL;
    }
    parse_nulls_treatment(p, f);
    if (!lh__acceptkw(p, KW_OVER)) return f;
    lh_ast_window_t *w = lh_arena_calloc(p->a, sizeof *w);
    if (!w) return oom(p);
    f->u.func.over = w;
    if (!lh__is(p, TK_LP)) return (w->ref_name = lh__parse_name(p)) ? f : NULL;
    return lh__parse_window(p, w) ? f : NULL;
}

lh_ast_t *lh__parse_func_call(lh__parser_t *p, lh_ast_name_t name, uint32_t pos)
{
    lh_ast_t *f = lh__node(p, LH_AST_FUNC, pos);
    if (!f || !lh__expect(p, TK_LP)) return NULL;
    f->u.func.name = name;
    if (lh__is(p, TK_STAR) && lh__peek(p, 1)->kind == TK_RP) {
        p->i += 2;
        f->u.func.star = true;
        return call_suffix(p, f);
    }
    if (lh__acceptkw(p, KW_DISTINCT))
        f->u.func.distinct = true;
    else
        lh__acceptkw(p, KW_ALL);
    if (!lh__is(p, TK_RP) && !parse_args(p, f)) return NULL;
    parse_nulls_treatment(p, f);
    if (lh__acceptkw(p, KW_ORDER) &&
        (!lh__expectkw(p, KW_BY) || !lh__parse_order_list(p, &f->u.func.order_by)))
        return NULL;
    parse_nulls_treatment(p, f);
    if (!lh__expect(p, TK_RP)) return NULL;
    return call_suffix(p, f);
}

static lh_ast_t *parse_case(lh__parser_t *p)
{
    lh_ast_t *n = lh__node(p, LH_AST_CASE, lh__cur(p)->pos);
    if (!n) return NULL;
    p->i++;
    if (!lh__iskw(p, KW_WHEN) && !(n->u.kase.operand = lh__parse_expr(p))) return NULL;
    lh__vec_t whens = {0}, thens = {0};
    if (!lh__iskw(p, KW_WHEN)) return lh__syntax_error(p);
    while (lh__acceptkw(p, KW_WHEN)) {
        if (!lh__push_node(p, &whens, lh__parse_expr(p)) || !lh__expectkw(p, KW_THEN) ||
            !lh__push_node(p, &thens, lh__parse_expr(p)))
            return NULL;
    }
    n->u.kase.whens = lh__as_list(whens);
    n->u.kase.thens = lh__as_list(thens);
    if (lh__acceptkw(p, KW_ELSE) && !(n->u.kase.else_expr = lh__parse_expr(p))) return NULL;
    return lh__expectkw(p, KW_END) ? n : NULL;
}

static lh_ast_t *parse_cast(lh__parser_t *p)
{
    lh_ast_t *n = lh__node(p, LH_AST_CAST, lh__cur(p)->pos);
    if (!n) return NULL;
    n->u.cast.try_cast = lh__iskw(p, KW_TRY_CAST);
    p->i++;
    if (!lh__expect(p, TK_LP) || !(n->u.cast.arg = lh__parse_expr(p)) || !lh__expectkw(p, KW_AS))
        return NULL;
    if (!lh__parse_type(p, &n->u.cast.type_text, &n->u.cast.type_pos)) return NULL;
    return lh__expect(p, TK_RP) ? n : NULL;
}

static lh_ast_t *parse_exists(lh__parser_t *p)
{
    lh_ast_t *n = lh__node(p, LH_AST_EXISTS, lh__cur(p)->pos);
    if (!n) return NULL;
    p->i++;
    if (!lh__expect(p, TK_LP) || !(n->u.exists.subquery = lh__parse_query(p))) return NULL;
    return lh__expect(p, TK_RP) ? n : NULL;
}

static lh_ast_t *parse_row(lh__parser_t *p)
{
    lh_ast_t *n = lh__node(p, LH_AST_ROW, lh__cur(p)->pos);
    if (!n) return NULL;
    p->i += 2; /* ROW ( */
    if (lh__accept(p, TK_RP)) return n;
    lh__vec_t v = {0};
    if (!lh__parse_expr_list(p, &v) || !lh__expect(p, TK_RP)) return NULL;
    n->u.row.items = lh__as_list(v);
    return n;
}

/* EXTRACT(field FROM x) -> date_part('field', x). */
static lh_ast_t *parse_extract(lh__parser_t *p, uint32_t pos)
{
    p->i += 2;
    const lh__tok_t *t = lh__cur(p);
    if (t->kind != TK_WORD && t->kind != TK_QIDENT && t->kind != TK_STR) return lh__syntax_error(p);
    const char *field = lh__ident_text(p, t);
    if (!field) return NULL;
    if (t->kind == TK_STR)
        for (char *c = (char *)field; *c; c++)
            if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
    p->i++;
    lh_ast_t *args[2] = {lh__string_lit(p, t->pos, field, strlen(field)), NULL};
    if (!args[0] || !lh__expectkw(p, KW_FROM) || !(args[1] = lh__parse_expr(p))) return NULL;
    return lh__expect(p, TK_RP) ? mkfunc(p, pos, "date_part", args, 2) : NULL;
}

/* POSITION(a IN b) -> strpos(b, a): where a is found in b. */
static lh_ast_t *parse_position(lh__parser_t *p, uint32_t pos)
{
    p->i += 2;
    lh_ast_t *args[2] = {lh__parse_expr_prec(p, LH__P_IN + 1), NULL};
    if (!args[0]) return NULL;
    if (!lh__acceptkw(p, KW_IN) && !lh__expect(p, TK_COMMA)) return NULL;
    if (!(args[1] = lh__parse_expr(p)) || !lh__expect(p, TK_RP)) return NULL;
    lh_ast_t *swapped[2] = {args[1], args[0]};
    return mkfunc(p, pos, "strpos", swapped, 2);
}

/* SUBSTRING(x FROM a FOR b), SUBSTRING(x FOR b), SUBSTRING(x, a, b). */
static lh_ast_t *parse_substring(lh__parser_t *p, uint32_t pos)
{
    p->i += 2;
    lh_ast_t *args[3] = {lh__parse_expr(p), NULL, NULL};
    uint32_t n = 1;
    if (!args[0]) return NULL;
    if (lh__iskw(p, KW_FROM) || lh__iskw(p, KW_FOR)) {
        lh_ast_t *from = NULL, *len = NULL;
        while (lh__iskw(p, KW_FROM) || lh__iskw(p, KW_FOR)) {
            lh_ast_t **slot = lh__iskw(p, KW_FROM) ? &from : &len;
            if (*slot) return lh__syntax_error(p);
            p->i++;
            if (!(*slot = lh__parse_expr(p))) return NULL;
        }
        if (!from) { /* SUBSTRING(x FOR n): from the first character */
            if (!(from = lh__node(p, LH_AST_LITERAL, pos))) return NULL;
            from->u.lit.kind = LH_LIT_INTEGER;
            from->u.lit.text = "1";
            from->u.lit.len = 1;
        }
        args[n++] = from;
        if (len) args[n++] = len;
    } else {
        while (n < 3 && lh__accept(p, TK_COMMA))
            if (!(args[n++] = lh__parse_expr(p))) return NULL;
    }
    return lh__expect(p, TK_RP) ? mkfunc(p, pos, "substring", args, n) : NULL;
}

/* TRIM([LEADING|TRAILING|BOTH] [chars] FROM x), TRIM(x [, chars]). */
static lh_ast_t *parse_trim(lh__parser_t *p, uint32_t pos)
{
    p->i += 2;
    const char *fn = "trim";
    bool mode = true;
    if (lh__acceptkw(p, KW_LEADING))
        fn = "ltrim";
    else if (lh__acceptkw(p, KW_TRAILING))
        fn = "rtrim";
    else if (!lh__acceptkw(p, KW_BOTH))
        mode = false;
    lh_ast_t *args[2] = {NULL, NULL};
    uint32_t n = 1;
    if (lh__acceptkw(p, KW_FROM)) {
        if (!(args[0] = lh__parse_expr(p))) return NULL;
    } else {
        lh_ast_t *first = lh__parse_expr(p);
        if (!first) return NULL;
        if (lh__acceptkw(p, KW_FROM)) {
            args[1] = first;
            n = 2;
            if (!(args[0] = lh__parse_expr(p))) return NULL;
        } else {
            args[0] = first;
            if (!mode && lh__accept(p, TK_COMMA)) {
                if (!(args[1] = lh__parse_expr(p))) return NULL;
                n = 2;
            }
        }
    }
    return lh__expect(p, TK_RP) ? mkfunc(p, pos, fn, args, n) : NULL;
}

static const char *const bare_funcs[] = {
    "current_date", "current_timestamp", "current_time", "localtimestamp", "localtime",
    "current_user", "session_user",      "current_role", "current_schema", "current_catalog",
};

/* DATE '2026-01-01', TIMESTAMP WITH TIME ZONE '...': a cast of the string. */
static lh_ast_t *typed_literal(lh__parser_t *p)
{
    lh_ast_t *n = lh__node(p, LH_AST_CAST, lh__cur(p)->pos);
    if (!n || !lh__parse_type(p, &n->u.cast.type_text, &n->u.cast.type_pos)) return NULL;
    if (!lh__is(p, TK_STR)) return lh__syntax_error(p);
    const lh__tok_t *t = &p->t[p->i++];
    return (n->u.cast.arg = lh__string_lit(p, t->pos, t->s, t->slen)) ? n : NULL;
}

static bool typed_literal_ahead(const lh__parser_t *p)
{
    const lh__tok_t *t = lh__cur(p);
    lh__kwcat_t c = lh__kw_category((lh__kw_t)t->kw);
    if (c == KWC_R || c == KWC_T) return false;
    if (lh__peek(p, 1)->kind == TK_STR) return true;
    return (lh__isword(p, 0, "timestamp") || lh__isword(p, 0, "time")) &&
           (lh__isword(p, 1, "with") || lh__isword(p, 1, "without")) && lh__isword(p, 2, "time") &&
           lh__isword(p, 3, "zone") && lh__peek(p, 4)->kind == TK_STR;
}

/* INTERVAL starts an interval before a value; else it names a column. */
static bool interval_ahead(const lh__parser_t *p)
{
    const lh__tok_t *t = lh__peek(p, 1);
    switch (t->kind) {
    case TK_STR:
    case TK_INT:
    case TK_DEC:
    case TK_FLOAT:
    case TK_LP:
    case TK_MINUS:
    case TK_PLUS:
    case TK_PARAM:
    case TK_QMARK:
    case TK_QIDENT:
        return true;
    case TK_WORD:
        return lh__is_name(p, 1, true);
    default:
        return false;
    }
}

lh_ast_t *lh__parse_special(lh__parser_t *p, bool *handled)
{
    const lh__tok_t *t = lh__cur(p);
    bool call = lh__peek(p, 1)->kind == TK_LP;
    *handled = true;
    switch (t->kw) {
    case KW_NULL:
    case KW_TRUE:
    case KW_FALSE: {
        lh_ast_t *n = lh__node(p, LH_AST_LITERAL, t->pos);
        if (!n) return NULL;
        n->u.lit.kind = t->kw == KW_NULL ? LH_LIT_NULL : LH_LIT_BOOL;
        n->u.lit.b = t->kw == KW_TRUE;
        p->i++;
        return n;
    }
    case KW_CASE:
        return parse_case(p);
    case KW_CAST:
    case KW_TRY_CAST:
        return parse_cast(p);
    case KW_ARRAY:
        p->i++;
        return lh__parse_array_body(p, t->pos);
    default:
        break;
    }
    if (call) {
        switch (t->kw) {
        case KW_EXISTS:
            return parse_exists(p);
        case KW_ROW:
            return parse_row(p);
        case KW_EXTRACT:
            return parse_extract(p, t->pos);
        case KW_POSITION:
            return parse_position(p, t->pos);
        case KW_SUBSTRING:
            return parse_substring(p, t->pos);
        case KW_TRIM:
            return parse_trim(p, t->pos);
        default:
            break;
        }
    }
    if (t->kw == KW_INTERVAL && interval_ahead(p)) return lh__parse_interval_expr(p);
    if (t->kind == TK_WORD && !call && lh__peek(p, 1)->kind != TK_DOT) {
        for (size_t i = 0; i < sizeof bare_funcs / sizeof bare_funcs[0]; i++)
            if (lh__isword(p, 0, bare_funcs[i])) {
                p->i++;
                return mkfunc(p, t->pos, bare_funcs[i], NULL, 0);
            }
    }
    if (typed_literal_ahead(p)) return typed_literal(p);
    *handled = false;
    return NULL;
}
