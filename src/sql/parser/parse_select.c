/* Query expressions: WITH [RECURSIVE] CTEs, set operations (INTERSECT binds
 * tighter than UNION and EXCEPT; left to right), parenthesised queries,
 * SELECT blocks (also DuckDB's FROM-first form), VALUES, and the tail that
 * applies to the whole query (ORDER BY, LIMIT/OFFSET in either order, FETCH
 * FIRST). A tail or WITH written on a query that already has one wraps it
 * as SELECT * FROM (query). */
#include <string.h>

#include "sql/parser/parser_int.h"

static lh_ast_t *oom(lh__parser_t *p)
{
    return lh__fail(p, LH_ENOMEM, -1, "out of memory parsing the statement");
}

bool lh__at_query_start(const lh__parser_t *p, uint32_t k)
{
    return lh__peekkw(p, k, KW_SELECT) || lh__peekkw(p, k, KW_WITH) ||
           lh__peekkw(p, k, KW_VALUES) || lh__peekkw(p, k, KW_FROM);
}

bool lh__parens_hold_query(const lh__parser_t *p, uint32_t k)
{
    while (lh__peek(p, k)->kind == TK_LP)
        k++;
    return lh__at_query_start(p, k);
}

static lh_ast_query_tail_t *tail_of(lh_ast_t *q)
{
    switch (q->kind) {
    case LH_AST_SELECT:
        return &q->u.select.tail;
    case LH_AST_SETOP:
        return &q->u.setop.tail;
    default:
        return &q->u.values.tail;
    }
}

/* SELECT * FROM (q): so a second tail or WITH keeps its meaning. */
static lh_ast_t *wrap(lh__parser_t *p, lh_ast_t *q)
{
    lh_ast_t *sel = lh__node(p, LH_AST_SELECT, (uint32_t)q->pos);
    lh_ast_t *from = lh__node(p, LH_AST_SUBQUERY_REF, (uint32_t)q->pos);
    lh_ast_t *star = lh__node(p, LH_AST_STAR, (uint32_t)q->pos);
    lh_ast_t **items = lh_arena_alloc(p->a, sizeof *items);
    if (!sel || !from || !star) return NULL;
    if (!items) return oom(p);
    items[0] = star;
    from->u.subquery_ref.query = q;
    sel->u.select.items = (lh_ast_list_t){.items = items, .n = 1};
    sel->u.select.from = from;
    return sel;
}

static bool parse_with(lh__parser_t *p, lh_ast_with_t **out)
{
    lh_ast_with_t *w = lh_arena_calloc(p->a, sizeof *w);
    if (!w) return oom(p), false;
    p->i++; /* WITH */
    w->recursive = lh__acceptkw(p, KW_RECURSIVE);
    lh__vec_t v = {0};
    do {
        lh_ast_cte_t *c = lh__push(p, &v, sizeof *c);
        if (!c || !(c->name = lh__parse_name(p))) return false;
        c->materialized = -1;
        if (lh__is(p, TK_LP) && !lh__parse_name_list(p, &c->columns, &c->ncolumns)) return false;
        if (!lh__expectkw(p, KW_AS)) return false;
        if (lh__iskw(p, KW_NOT) && lh__peekkw(p, 1, KW_MATERIALIZED)) {
            p->i += 2;
            c->materialized = 0;
        } else if (lh__acceptkw(p, KW_MATERIALIZED)) {
            c->materialized = 1;
        }
        if (!lh__expect(p, TK_LP) || !(c->query = lh__parse_query(p)) || !lh__expect(p, TK_RP))
            return false;
    } while (lh__accept(p, TK_COMMA));
    w->ctes = v.items;
    w->n = v.n;
    *out = w;
    return true;
}

static bool parse_limit_offset(lh__parser_t *p, lh_ast_query_tail_t *t)
{
    for (;;) {
        if (!t->limit && lh__acceptkw(p, KW_LIMIT)) {
            if (lh__acceptkw(p, KW_ALL)) continue;
            if (!(t->limit = lh__parse_expr(p))) return false;
        } else if (!t->offset && lh__acceptkw(p, KW_OFFSET)) {
            if (!(t->offset = lh__parse_expr(p))) return false;
            if (!lh__acceptkw(p, KW_ROWS)) lh__acceptkw(p, KW_ROW);
        } else if (!t->limit && lh__acceptkw(p, KW_FETCH)) {
            if (!lh__acceptkw(p, KW_FIRST) && !lh__expectkw(p, KW_NEXT)) return false;
            if (lh__iskw(p, KW_ROW) || lh__iskw(p, KW_ROWS)) {
                lh_ast_t *one = lh__node(p, LH_AST_LITERAL, lh__cur(p)->pos);
                if (!one) return false;
                one->u.lit.kind = LH_LIT_INTEGER;
                one->u.lit.text = "1";
                one->u.lit.len = 1;
                t->limit = one;
            } else if (!(t->limit = lh__parse_expr_prec(p, LH__P_ADD))) {
                return false;
            }
            if (!lh__acceptkw(p, KW_ROWS) && !lh__expectkw(p, KW_ROW)) return false;
            if (!lh__expectkw(p, KW_ONLY)) return false;
        } else {
            return true;
        }
    }
}

/* WITH, the body, then ORDER BY / LIMIT / OFFSET on the whole. */
static lh_ast_t *finish(lh__parser_t *p, lh_ast_with_t *with, lh_ast_t *q)
{
    lh_ast_query_tail_t t = {0};
    if (lh__acceptkw(p, KW_ORDER)) {
        if (!lh__expectkw(p, KW_BY)) return NULL;
        if (lh__iskw(p, KW_ALL)) { /* DuckDB's ORDER BY ALL: one term, a star */
            lh_ast_order_t *o = lh_arena_calloc(p->a, sizeof *o);
            if (!o || !(o->expr = lh__node(p, LH_AST_STAR, lh__cur(p)->pos))) return NULL;
            p->i++;
            if (!lh__parse_order_dir(p, o)) return NULL;
            t.order_by = (lh_ast_order_list_t){.items = o, .n = 1};
        } else if (!lh__parse_order_list(p, &t.order_by))
            return NULL;
    }
    if (!parse_limit_offset(p, &t)) return NULL;
    lh_ast_query_tail_t *qt = tail_of(q);
    bool has_tail = t.order_by.n || t.limit || t.offset;
    bool had_tail = qt->order_by.n || qt->limit || qt->offset;
    if ((has_tail && had_tail) || (with && (qt->with || had_tail))) {
        if (!(q = wrap(p, q))) return NULL;
        qt = tail_of(q);
    }
    if (t.order_by.n) qt->order_by = t.order_by;
    if (t.limit) qt->limit = t.limit;
    if (t.offset) qt->offset = t.offset;
    if (with) qt->with = with;
    return q;
}

static lh_ast_t *parse_values(lh__parser_t *p)
{
    lh_ast_t *n = lh__node(p, LH_AST_VALUES, lh__cur(p)->pos);
    if (!n) return NULL;
    p->i++;
    lh__vec_t rows = {0};
    do {
        lh_ast_list_t *row = lh__push(p, &rows, sizeof *row);
        lh__vec_t v = {0};
        if (!row || !lh__expect(p, TK_LP) || !lh__parse_expr_list(p, &v) || !lh__expect(p, TK_RP))
            return NULL;
        *row = lh__as_list(v);
    } while (lh__accept(p, TK_COMMA));
    n->u.values.rows = rows.items;
    n->u.values.nrows = rows.n;
    return n;
}

lh_ast_t *lh__parse_select_block(lh__parser_t *p);

static lh_ast_t *primary(lh__parser_t *p)
{
    if (lh__iskw(p, KW_SELECT) || lh__iskw(p, KW_FROM)) return lh__parse_select_block(p);
    if (lh__iskw(p, KW_VALUES)) return parse_values(p);
    if (!lh__accept(p, TK_LP)) return lh__syntax_error(p);
    lh_ast_t *q = lh__parse_query(p);
    return q && lh__expect(p, TK_RP) ? q : NULL;
}

static uint8_t setop_at(const lh__parser_t *p, bool intersect)
{
    if (intersect) return lh__iskw(p, KW_INTERSECT) ? 2 : 0;
    return lh__iskw(p, KW_UNION) ? 1 : lh__iskw(p, KW_EXCEPT) ? 3 : 0;
}

/* left {op [ALL|DISTINCT] [BY NAME] right}, at one level. */
static lh_ast_t *setop_chain(lh__parser_t *p, lh_ast_t *left, bool intersect)
{
    uint32_t base = p->depth;
    uint8_t op;
    while (left && (op = setop_at(p, intersect))) {
        if (!lh__enter(p)) {
            left = NULL;
            break;
        }
        lh_ast_t *n = lh__node(p, LH_AST_SETOP, (uint32_t)left->pos);
        if (!n) return NULL;
        p->i++;
        n->u.setop.op = op;
        if (!lh__acceptkw(p, KW_DISTINCT)) n->u.setop.all = lh__acceptkw(p, KW_ALL);
        if (lh__iskw(p, KW_BY) && lh__peekkw(p, 1, KW_NAME)) {
            p->i += 2;
            n->u.setop.by_name = true;
        }
        n->u.setop.left = left;
        lh_ast_t *right = primary(p);
        if (right && !intersect) right = setop_chain(p, right, true);
        n->u.setop.right = right;
        left = right ? n : NULL;
    }
    p->depth = base;
    return left;
}

lh_ast_t *lh__parse_query_rest(lh__parser_t *p, lh_ast_t *first)
{
    if (!lh__enter(p)) return NULL;
    lh_ast_t *q = setop_chain(p, setop_chain(p, first, true), false);
    q = q ? finish(p, NULL, q) : NULL;
    lh__leave(p);
    return q;
}

lh_ast_t *lh__parse_query(lh__parser_t *p)
{
    if (!lh__enter(p)) return NULL;
    lh_ast_with_t *with = NULL;
    lh_ast_t *q = NULL;
    if (!lh__iskw(p, KW_WITH) || parse_with(p, &with)) {
        q = primary(p);
        q = setop_chain(p, setop_chain(p, q, true), false);
        q = q ? finish(p, with, q) : NULL;
    }
    lh__leave(p);
    return q;
}
