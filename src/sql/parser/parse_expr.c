/* Expressions by precedence climbing, PostgreSQL's levels loosest first: OR,
 * AND, NOT, IS/ISNULL/NOTNULL, comparison, BETWEEN/IN/LIKE/ILIKE/GLOB/SIMILAR,
 * other operators (|| -> ->> ~ & | # << >> OPERATOR(..)), + -, * / // %,
 * ^ **, unary minus; then the postfix forms (:: cast, [] subscript, COLLATE)
 * left to right. Every operator node built on a chain also counts toward the
 * nesting limit, so no tree gets deeper than LH_SQL_MAX_DEPTH allows. */
#include <string.h>

#include "sql/parser/parser_int.h"

typedef struct infix {
    int prec;
    uint8_t op; /* lh_ast_op_t for plain binary operators, else 0 */
} infix_t;

static infix_t tok_infix(const lh__tok_t *t)
{
    switch (t->kind) {
    case TK_EQ:
        return (infix_t){LH__P_CMP, LH_OP_EQ};
    case TK_NE:
        return (infix_t){LH__P_CMP, LH_OP_NE};
    case TK_LT:
        return (infix_t){LH__P_CMP, LH_OP_LT};
    case TK_LE:
        return (infix_t){LH__P_CMP, LH_OP_LE};
    case TK_GT:
        return (infix_t){LH__P_CMP, LH_OP_GT};
    case TK_GE:
        return (infix_t){LH__P_CMP, LH_OP_GE};
    case TK_CONCAT:
        return (infix_t){LH__P_OTHER, LH_OP_CONCAT};
    case TK_ARROW:
        return (infix_t){LH__P_OTHER, LH_OP_ARROW};
    case TK_ARROW2:
        return (infix_t){LH__P_OTHER, LH_OP_ARROW_TEXT};
    case TK_TILDE:
        return (infix_t){LH__P_OTHER, LH_OP_REGEX};
    case TK_TILDESTAR:
        return (infix_t){LH__P_OTHER, LH_OP_REGEX_I};
    case TK_NTILDE:
        return (infix_t){LH__P_OTHER, LH_OP_NOT_REGEX};
    case TK_NTILDESTAR:
        return (infix_t){LH__P_OTHER, LH_OP_NOT_REGEX_I};
    case TK_LIKEOP:
        return (infix_t){LH__P_OTHER, LH_OP_LIKE};
    case TK_NLIKEOP:
        return (infix_t){LH__P_OTHER, LH_OP_NOT_LIKE};
    case TK_ILIKEOP:
        return (infix_t){LH__P_OTHER, LH_OP_ILIKE};
    case TK_NILIKEOP:
        return (infix_t){LH__P_OTHER, LH_OP_NOT_ILIKE};
    case TK_AMP:
        return (infix_t){LH__P_OTHER, LH_OP_BITAND};
    case TK_BAR:
        return (infix_t){LH__P_OTHER, LH_OP_BITOR};
    case TK_HASH:
        return (infix_t){LH__P_OTHER, LH_OP_BITXOR};
    case TK_SHL:
        return (infix_t){LH__P_OTHER, LH_OP_SHL};
    case TK_SHR:
        return (infix_t){LH__P_OTHER, LH_OP_SHR};
    case TK_PLUS:
        return (infix_t){LH__P_ADD, LH_OP_ADD};
    case TK_MINUS:
        return (infix_t){LH__P_ADD, LH_OP_SUB};
    case TK_STAR:
        return (infix_t){LH__P_MUL, LH_OP_MUL};
    case TK_SLASH:
        return (infix_t){LH__P_MUL, LH_OP_DIV};
    case TK_DSLASH:
        return (infix_t){LH__P_MUL, LH_OP_INTDIV};
    case TK_PCT:
        return (infix_t){LH__P_MUL, LH_OP_MOD};
    case TK_CARET:
        return (infix_t){LH__P_POW, LH_OP_POW};
    case TK_DSTAR:
        return (infix_t){LH__P_POW, LH_OP_POW};
    default:
        break;
    }
    return (infix_t){0, 0};
}

static bool is_in_level_kw(const lh__parser_t *p, uint32_t k)
{
    return lh__peekkw(p, k, KW_BETWEEN) || lh__peekkw(p, k, KW_IN) || lh__peekkw(p, k, KW_LIKE) ||
           lh__peekkw(p, k, KW_ILIKE) || lh__peekkw(p, k, KW_GLOB) || lh__peekkw(p, k, KW_SIMILAR);
}

static infix_t infix_at(const lh__parser_t *p)
{
    const lh__tok_t *t = lh__cur(p);
    if (t->kind != TK_WORD) return tok_infix(t);
    switch (t->kw) {
    case KW_OR:
        return (infix_t){LH__P_OR, LH_OP_OR};
    case KW_AND:
        return (infix_t){LH__P_AND, LH_OP_AND};
    case KW_IS:
    case KW_ISNULL:
    case KW_NOTNULL:
        return (infix_t){LH__P_IS, 0};
    case KW_NOT:
        return (infix_t){is_in_level_kw(p, 1) ? LH__P_IN : 0, 0};
    case KW_BETWEEN:
    case KW_IN:
    case KW_LIKE:
    case KW_ILIKE:
    case KW_GLOB:
    case KW_SIMILAR:
        return (infix_t){LH__P_IN, 0};
    case KW_OPERATOR:
        return (infix_t){lh__peek(p, 1)->kind == TK_LP ? LH__P_OTHER : 0, 0};
    default:
        return (infix_t){0, 0};
    }
}

static lh_ast_t *binary(lh__parser_t *p, uint8_t op, lh_ast_t *l, lh_ast_t *r, uint32_t pos)
{
    if (!l || !r) return NULL;
    lh_ast_t *n = lh__node(p, LH_AST_BINARY, pos);
    if (!n) return NULL;
    n->u.binary.op = op;
    n->u.binary.left = l;
    n->u.binary.right = r;
    return n;
}

/* OPERATOR(pg_catalog.~): the operator inside, as a binary operator code. */
static int parse_operator_kw(lh__parser_t *p)
{
    p->i++; /* OPERATOR */
    if (!lh__expect(p, TK_LP)) return -1;
    while (lh__is(p, TK_WORD) && lh__peek(p, 1)->kind == TK_DOT)
        p->i += 2;
    infix_t f = tok_infix(lh__cur(p));
    if (!f.op) return lh__syntax_error(p), -1;
    p->i++;
    if (!lh__expect(p, TK_RP)) return -1;
    return f.op;
}

/* IS [NOT] NULL|TRUE|FALSE|UNKNOWN|DISTINCT FROM x, ISNULL, NOTNULL. */
static lh_ast_t *parse_is(lh__parser_t *p, lh_ast_t *left, uint32_t pos)
{
    lh_ast_t *n = lh__node(p, LH_AST_IS, pos);
    if (!n) return NULL;
    n->u.is.arg = left;
    if (lh__acceptkw(p, KW_ISNULL)) return n;
    if (lh__acceptkw(p, KW_NOTNULL)) {
        n->u.is.negated = true;
        return n;
    }
    p->i++; /* IS */
    n->u.is.negated = lh__acceptkw(p, KW_NOT);
    if (lh__acceptkw(p, KW_NULL) || (lh__isword(p, 0, "unknown") && ++p->i)) {
        n->u.is.kind = LH_IS_NULL;
    } else if (lh__acceptkw(p, KW_TRUE)) {
        n->u.is.kind = LH_IS_TRUE;
    } else if (lh__acceptkw(p, KW_FALSE)) {
        n->u.is.kind = LH_IS_FALSE;
    } else if (lh__acceptkw(p, KW_DISTINCT)) {
        if (!lh__expectkw(p, KW_FROM)) return NULL;
        n->u.is.kind = LH_IS_DISTINCT;
        if (!(n->u.is.rhs = lh__parse_expr_prec(p, LH__P_IS + 1))) return NULL;
    } else {
        return lh__syntax_error(p);
    }
    return n;
}

static lh_ast_t *parse_in(lh__parser_t *p, lh_ast_t *left, bool negated, uint32_t pos)
{
    lh_ast_t *n = lh__node(p, LH_AST_IN, pos);
    if (!n) return NULL;
    n->u.in.arg = left;
    n->u.in.negated = negated;
    if (!lh__expect(p, TK_LP)) return NULL;
    if (lh__at_query_start(p, 0)) {
        if (!(n->u.in.subquery = lh__parse_query(p))) return NULL;
    } else {
        lh__vec_t v = {0};
        if (!lh__parse_expr_list(p, &v)) return NULL;
        n->u.in.list = lh__as_list(v);
    }
    return lh__expect(p, TK_RP) ? n : NULL;
}

/* x op ANY|SOME|ALL (subquery), op a comparison; = ANY is IN, <> ALL NOT IN. */
static lh_ast_t *parse_quantified(lh__parser_t *p, uint8_t op, lh_ast_t *left, uint32_t pos)
{
    bool all = lh__iskw(p, KW_ALL);
    p->i++; /* ANY / SOME / ALL */
    if (!lh__is(p, TK_LP) || !lh__at_query_start(p, 1)) return lh__syntax_error(p), NULL;
    lh_ast_t *n = parse_in(p, left, false, pos);
    if (!n) return NULL;
    if (op == (all ? LH_OP_NE : LH_OP_EQ)) {
        n->u.in.negated = all;
        return n;
    }
    n->u.in.quant_op = op;
    n->u.in.quant_all = all;
    return n;
}

static lh_ast_t *parse_like(lh__parser_t *p, lh_ast_t *left, bool negated, uint32_t pos)
{
    lh_ast_t *n = lh__node(p, LH_AST_LIKE, pos);
    if (!n) return NULL;
    n->u.like.arg = left;
    n->u.like.negated = negated;
    if (lh__acceptkw(p, KW_LIKE)) {
        n->u.like.kind = LH_LIKE_LIKE;
    } else if (lh__acceptkw(p, KW_ILIKE)) {
        n->u.like.kind = LH_LIKE_ILIKE;
    } else if (lh__acceptkw(p, KW_GLOB)) {
        n->u.like.kind = LH_LIKE_GLOB;
    } else {
        p->i++; /* SIMILAR */
        if (!lh__expectkw(p, KW_TO)) return NULL;
        n->u.like.kind = LH_LIKE_SIMILAR;
    }
    if (!(n->u.like.pattern = lh__parse_expr_prec(p, LH__P_IN + 1))) return NULL;
    if (lh__acceptkw(p, KW_ESCAPE) && !(n->u.like.escape = lh__parse_expr_prec(p, LH__P_IN + 1)))
        return NULL;
    return n;
}

/* [NOT] BETWEEN / IN / LIKE / ILIKE / GLOB / SIMILAR TO. */
static lh_ast_t *parse_in_level(lh__parser_t *p, lh_ast_t *left, uint32_t pos)
{
    bool negated = lh__acceptkw(p, KW_NOT);
    if (lh__acceptkw(p, KW_IN)) return parse_in(p, left, negated, pos);
    if (!lh__acceptkw(p, KW_BETWEEN)) return parse_like(p, left, negated, pos);
    lh_ast_t *n = lh__node(p, LH_AST_BETWEEN, pos);
    if (!n) return NULL;
    n->u.between.arg = left;
    n->u.between.negated = negated;
    if (!(n->u.between.low = lh__parse_expr_prec(p, LH__P_IN + 1))) return NULL;
    if (!lh__expectkw(p, KW_AND)) return NULL;
    if (!(n->u.between.high = lh__parse_expr_prec(p, LH__P_IN + 1))) return NULL;
    return n;
}

static lh_ast_t *parse_prefix(lh__parser_t *p);

lh_ast_t *lh__parse_expr_prec(lh__parser_t *p, int min_prec)
{
    if (!lh__enter(p)) return NULL;
    uint32_t base = p->depth;
    lh_ast_t *left = parse_prefix(p);
    while (left) {
        infix_t f = infix_at(p);
        if (!f.prec || f.prec < min_prec) break;
        if (!lh__enter(p)) {
            left = NULL;
            break;
        }
        uint32_t pos = (uint32_t)left->pos;
        if (f.prec == LH__P_IS) {
            left = parse_is(p, left, pos);
        } else if (f.prec == LH__P_IN) {
            left = parse_in_level(p, left, pos);
        } else if (lh__iskw(p, KW_OPERATOR)) {
            int op = parse_operator_kw(p);
            left = op < 0 ? NULL
                          : binary(p, (uint8_t)op, left, lh__parse_expr_prec(p, f.prec + 1), pos);
        } else {
            p->i++;
            if (f.prec == LH__P_CMP &&
                (lh__iskw(p, KW_ANY) || lh__iskw(p, KW_SOME) || lh__iskw(p, KW_ALL)))
                left = parse_quantified(p, f.op, left, pos);
            else
                left = binary(p, f.op, left, lh__parse_expr_prec(p, f.prec + 1), pos);
        }
    }
    p->depth = base - 1;
    return left;
}

lh_ast_t *lh__parse_expr(lh__parser_t *p)
{
    return lh__parse_expr_prec(p, LH__P_OR);
}

bool lh__parse_expr_list(lh__parser_t *p, lh__vec_t *v)
{
    do {
        if (!lh__push_node(p, v, lh__parse_expr(p))) return false;
    } while (lh__accept(p, TK_COMMA));
    return true;
}

static lh_ast_t *unary(lh__parser_t *p, uint8_t op, int prec)
{
    uint32_t pos = lh__cur(p)->pos;
    p->i++;
    lh_ast_t *arg = lh__parse_expr_prec(p, prec);
    if (!arg) return NULL;
    if (op == LH_OP_NOT && arg->kind == LH_AST_EXISTS && !arg->u.exists.negated) {
        arg->u.exists.negated = true;
        arg->pos = (int32_t)pos;
        return arg;
    }
    lh_ast_t *n = lh__node(p, LH_AST_UNARY, pos);
    if (!n) return NULL;
    n->u.unary.op = op;
    n->u.unary.arg = arg;
    return n;
}

static lh_ast_t *literal(lh__parser_t *p, lh_ast_lit_kind_t kind)
{
    const lh__tok_t *t = &p->t[p->i++];
    lh_ast_t *n = lh__node(p, LH_AST_LITERAL, t->pos);
    if (!n) return NULL;
    n->u.lit.kind = (uint8_t)kind;
    n->u.lit.text = t->s;
    n->u.lit.len = t->slen;
    return n;
}

static lh_ast_t *param(lh__parser_t *p)
{
    const lh__tok_t *t = &p->t[p->i++];
    lh_ast_t *n = lh__node(p, LH_AST_PARAM, t->pos);
    if (!n) return NULL;
    if (t->kind == TK_QMARK) {
        n->u.param.index = ++p->nqmark;
    } else if (t->s) {
        n->u.param.name = t->s;
    } else {
        if (t->num == 0)
            return lh__fail(p, LH_EINVAL, (int32_t)t->pos, "parameter $0 is not valid");
        n->u.param.index = t->num;
        if (t->num > p->max_param) p->max_param = t->num;
    }
    return n;
}

/* * [EXCLUDE (a, b) | EXCLUDE a], after an optional qualifier. */
static lh_ast_t *star(lh__parser_t *p, const char *qualifier, uint32_t pos)
{
    lh_ast_t *n = lh__node(p, LH_AST_STAR, pos);
    if (!n) return NULL;
    n->u.star.qualifier = qualifier;
    if (!lh__acceptkw(p, KW_EXCLUDE)) return n;
    if (lh__is(p, TK_LP))
        return lh__parse_name_list(p, &n->u.star.exclude, &n->u.star.nexclude) ? n : NULL;
    const char **one = lh_arena_alloc(p->a, sizeof *one);
    if (!one) return lh__fail(p, LH_ENOMEM, -1, "out of memory parsing the statement");
    if (!(one[0] = lh__parse_name(p))) return NULL;
    n->u.star.exclude = one;
    n->u.star.nexclude = 1;
    return n;
}

/* ( expr ), ( a, b ) a row, ( query ) a scalar subquery. */
static lh_ast_t *parenthesised(lh__parser_t *p)
{
    uint32_t pos = lh__cur(p)->pos;
    p->i++;
    if (lh__at_query_start(p, 0)) {
        lh_ast_t *n = lh__node(p, LH_AST_SUBQUERY, pos);
        if (!n || !(n->u.subquery.query = lh__parse_query(p))) return NULL;
        return lh__expect(p, TK_RP) ? n : NULL;
    }
    lh_ast_t *first = lh__parse_expr(p);
    if (!first) return NULL;
    if (first->kind == LH_AST_SUBQUERY &&
        (lh__iskw(p, KW_UNION) || lh__iskw(p, KW_INTERSECT) || lh__iskw(p, KW_EXCEPT) ||
         lh__iskw(p, KW_ORDER) || lh__iskw(p, KW_LIMIT) || lh__iskw(p, KW_OFFSET))) {
        lh_ast_t *q = lh__parse_query_rest(p, first->u.subquery.query);
        if (!q) return NULL;
        first->u.subquery.query = q;
        first->pos = (int32_t)pos;
        return lh__expect(p, TK_RP) ? first : NULL;
    }
    if (lh__accept(p, TK_RP)) return first;
    lh_ast_t *row = lh__node(p, LH_AST_ROW, pos);
    lh__vec_t v = {0};
    if (!row || !lh__push_node(p, &v, first) || !lh__expect(p, TK_COMMA)) return NULL;
    if (!lh__parse_expr_list(p, &v) || !lh__expect(p, TK_RP)) return NULL;
    row->u.row.items = lh__as_list(v);
    return row;
}

/* [a, b] (also after ARRAY). */
lh_ast_t *lh__parse_array_body(lh__parser_t *p, uint32_t pos);
lh_ast_t *lh__parse_array_body(lh__parser_t *p, uint32_t pos)
{
    lh_ast_t *n = lh__node(p, LH_AST_ARRAY, pos);
    if (!n || !lh__expect(p, TK_LB)) return NULL;
    if (!lh__accept(p, TK_RB)) {
        lh__vec_t v = {0};
        if (!lh__parse_expr_list(p, &v) || !lh__expect(p, TK_RB)) return NULL;
        n->u.array.items = lh__as_list(v);
    }
    return n;
}

/* A column reference, t.*, or a function call by a dotted name. */
static lh_ast_t *name_expr(lh__parser_t *p)
{
    uint32_t pos = lh__cur(p)->pos;
    lh__kwcat_t cat = lh__kw_category((lh__kw_t)lh__cur(p)->kw);
    bool func = lh__peek(p, 1)->kind == TK_LP;
    if (lh__is(p, TK_WORD) && (cat == KWC_R || (cat == KWC_T && !func))) return lh__syntax_error(p);
    lh_ast_name_t name = {0};
    name.parts[name.n++] = lh__ident_text(p, &p->t[p->i++]);
    while (lh__is(p, TK_DOT)) {
        if (lh__peek(p, 1)->kind == TK_STAR) {
            if (name.n != 1 && name.n != 2) return lh__syntax_error(p);
            p->i += 2;
            const char *q = name.n == 1
                                ? name.parts[0]
                                : lh_arena_printf(p->a, "%s.%s", name.parts[0], name.parts[1]);
            return star(p, q, pos);
        }
        p->i++;
        if (name.n == 3) return lh__syntax_error(p);
        if (!lh__is(p, TK_QIDENT) && !lh__is(p, TK_WORD)) return lh__syntax_error(p);
        name.parts[name.n++] = lh__ident_text(p, &p->t[p->i++]);
    }
    if (lh__is(p, TK_LP)) return lh__parse_func_call(p, name, pos);
    lh_ast_t *n = lh__node(p, LH_AST_COLUMN, pos);
    if (!n) return NULL;
    n->u.column.name = name;
    return n;
}

static lh_ast_t *primary(lh__parser_t *p)
{
    const lh__tok_t *t = lh__cur(p);
    switch (t->kind) {
    case TK_INT:
        return literal(p, LH_LIT_INTEGER);
    case TK_DEC:
        return literal(p, LH_LIT_DECIMAL);
    case TK_FLOAT:
        return literal(p, LH_LIT_FLOAT);
    case TK_STR:
        return literal(p, LH_LIT_STRING);
    case TK_BLOB:
        return literal(p, LH_LIT_BLOB);
    case TK_PARAM:
    case TK_QMARK:
        return param(p);
    case TK_MINUS:
        return unary(p, LH_OP_NEG, LH__P_UNARY);
    case TK_PLUS:
        return unary(p, LH_OP_PLUS, LH__P_UNARY);
    case TK_TILDE:
        return unary(p, LH_OP_BITNOT, LH__P_UNARY);
    case TK_LP:
        return parenthesised(p);
    case TK_LB:
        return lh__parse_array_body(p, t->pos);
    case TK_STAR:
        p->i++;
        return star(p, NULL, t->pos);
    case TK_QIDENT:
        return name_expr(p);
    case TK_WORD:
        break;
    default:
        return lh__syntax_error(p);
    }
    if (t->kw == KW_NOT) return unary(p, LH_OP_NOT, LH__P_NOT);
    bool handled = false;
    lh_ast_t *n = lh__parse_special(p, &handled);
    if (handled) return n;
    return name_expr(p);
}

static lh_ast_t *postfix_one(lh__parser_t *p, lh_ast_t *arg)
{
    uint32_t pos = (uint32_t)arg->pos;
    if (lh__accept(p, TK_DCOLON)) {
        lh_ast_t *n = lh__node(p, LH_AST_CAST, pos);
        if (!n) return NULL;
        n->u.cast.arg = arg;
        return lh__parse_type(p, &n->u.cast.type_text, &n->u.cast.type_pos) ? n : NULL;
    }
    if (lh__accept(p, TK_LB)) {
        lh_ast_t *n = lh__node(p, LH_AST_SUBSCRIPT, pos);
        if (!n) return NULL;
        n->u.subscript.arg = arg;
        if (!lh__is(p, TK_COLON) && !(n->u.subscript.index = lh__parse_expr(p))) return NULL;
        if (lh__accept(p, TK_COLON)) {
            n->u.subscript.slice = true;
            if (!lh__is(p, TK_RB) && !(n->u.subscript.slice_end = lh__parse_expr(p))) return NULL;
        }
        return lh__expect(p, TK_RB) ? n : NULL;
    }
    p->i++; /* COLLATE */
    lh_ast_t *n = lh__node(p, LH_AST_COLLATE, pos);
    if (!n) return NULL;
    n->u.collate.arg = arg;
    lh_ast_name_t name;
    if (!lh__parse_dotted(p, &name)) return NULL;
    n->u.collate.collation = name.parts[name.n - 1];
    if (name.n > 1) /* pg_catalog."C": keep the whole name */
        n->u.collate.collation =
            name.n == 2
                ? lh_arena_printf(p->a, "%s.%s", name.parts[0], name.parts[1])
                : lh_arena_printf(p->a, "%s.%s.%s", name.parts[0], name.parts[1], name.parts[2]);
    return n->u.collate.collation
               ? n
               : lh__fail(p, LH_ENOMEM, -1, "out of memory parsing the statement");
}

static lh_ast_t *parse_prefix(lh__parser_t *p)
{
    uint32_t base = p->depth;
    lh_ast_t *n = primary(p);
    while (n && (lh__is(p, TK_DCOLON) || lh__is(p, TK_LB) || lh__iskw(p, KW_COLLATE))) {
        if (!lh__enter(p)) {
            n = NULL;
            break;
        }
        n = postfix_one(p, n);
    }
    p->depth = base;
    return n;
}
