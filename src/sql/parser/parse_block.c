/* One SELECT block: SELECT [DISTINCT [ON (..)] | ALL] items (aliases with or
 * without AS, a trailing comma allowed as in DuckDB) [FROM ..] [WHERE ..]
 * [GROUP BY ALL | exprs, GROUPING SETS, ROLLUP, CUBE] [HAVING ..] [WINDOW w
 * AS (..)] [QUALIFY ..]; and DuckDB's FROM-first form (FROM t [SELECT ..]
 * ..., a bare FROM t selects *). */
#include <string.h>

#include "sql/parser/parser_int.h"

lh_ast_t *lh__parse_select_block(lh__parser_t *p);

/* [AS] alias after a select item: AS takes any word; bare, only names. */
static bool parse_item_alias(lh__parser_t *p, lh_ast_t *item)
{
    if (lh__acceptkw(p, KW_AS)) {
        const lh__tok_t *t = lh__cur(p);
        if (t->kind != TK_WORD && t->kind != TK_QIDENT && t->kind != TK_STR)
            return lh__syntax_error(p), false;
        p->i++;
        return (item->alias = lh__ident_text(p, t)) != NULL;
    }
    if (lh__is_name(p, 0, true)) return (item->alias = lh__parse_name(p)) != NULL;
    return true;
}

static bool list_ends(const lh__parser_t *p)
{
    return lh__is(p, TK_EOF) || lh__is(p, TK_SEMI) || lh__is(p, TK_RP) || lh__iskw(p, KW_FROM) ||
           lh__iskw(p, KW_WHERE) || lh__iskw(p, KW_GROUP) || lh__iskw(p, KW_ORDER) ||
           lh__iskw(p, KW_LIMIT) || lh__iskw(p, KW_UNION) || lh__iskw(p, KW_EXCEPT) ||
           lh__iskw(p, KW_INTERSECT);
}

static bool parse_items(lh__parser_t *p, lh_ast_t *s)
{
    lh__vec_t v = {0};
    do {
        if (v.n && list_ends(p)) break; /* SELECT a, b, FROM t */
        lh_ast_t *item = lh__parse_expr(p);
        if (!item || !parse_item_alias(p, item) || !lh__push_node(p, &v, item)) return false;
    } while (lh__accept(p, TK_COMMA));
    s->u.select.items = lh__as_list(v);
    return true;
}

static bool parse_select_head(lh__parser_t *p, lh_ast_t *s)
{
    p->i++; /* SELECT */
    if (lh__acceptkw(p, KW_DISTINCT)) {
        s->u.select.distinct = true;
        if (lh__acceptkw(p, KW_ON)) {
            lh__vec_t v = {0};
            if (!lh__expect(p, TK_LP) || !lh__parse_expr_list(p, &v) || !lh__expect(p, TK_RP))
                return false;
            s->u.select.distinct_on = lh__as_list(v);
        }
    } else {
        lh__acceptkw(p, KW_ALL);
    }
    return parse_items(p, s);
}

/* ( a, b ) or ( ) or a single expression: one grouping set. */
static bool parse_set(lh__parser_t *p, lh_ast_list_t *out)
{
    lh__vec_t v = {0};
    if (lh__is(p, TK_LP) && lh__peek(p, 1)->kind == TK_RP) {
        p->i += 2;
        *out = lh__as_list(v);
        return true;
    }
    if (lh__is(p, TK_LP) && !lh__parens_hold_query(p, 1)) {
        p->i++;
        if (!lh__parse_expr_list(p, &v) || !lh__expect(p, TK_RP)) return false;
    } else if (!lh__push_node(p, &v, lh__parse_expr(p))) {
        return false;
    }
    *out = lh__as_list(v);
    return true;
}

static bool parse_grouping(lh__parser_t *p, lh_ast_grouping_t *g)
{
    if (lh__iskw(p, KW_GROUPING) && lh__peekkw(p, 1, KW_SETS)) {
        p->i += 2;
        g->kind = LH_GROUPING_SETS;
        lh__vec_t sets = {0};
        if (!lh__expect(p, TK_LP)) return false;
        do {
            lh_ast_list_t *set = lh__push(p, &sets, sizeof *set);
            if (!set || !parse_set(p, set)) return false;
        } while (lh__accept(p, TK_COMMA));
        g->sets = sets.items;
        g->nsets = sets.n;
        return lh__expect(p, TK_RP);
    }
    if ((lh__iskw(p, KW_ROLLUP) || lh__iskw(p, KW_CUBE)) && lh__peek(p, 1)->kind == TK_LP) {
        g->kind = lh__iskw(p, KW_ROLLUP) ? LH_GROUPING_ROLLUP : LH_GROUPING_CUBE;
        p->i++;
        g->sets = lh_arena_calloc(p->a, sizeof *g->sets);
        if (!g->sets)
            return lh__fail(p, LH_ENOMEM, -1, "out of memory parsing the statement"), false;
        g->nsets = 1;
        return parse_set(p, &g->sets[0]);
    }
    if (lh__is(p, TK_LP) && lh__peek(p, 1)->kind == TK_RP) { /* () : the empty set */
        p->i += 2;
        g->kind = LH_GROUPING_SETS;
        g->sets = lh_arena_calloc(p->a, sizeof *g->sets);
        g->nsets = 1;
        return g->sets ||
               (lh__fail(p, LH_ENOMEM, -1, "out of memory parsing the statement"), false);
    }
    g->kind = LH_GROUPING_EXPR;
    return (g->expr = lh__parse_expr(p)) != NULL;
}

static bool parse_group_by(lh__parser_t *p, lh_ast_t *s)
{
    if (!lh__expectkw(p, KW_BY)) return false;
    if (lh__acceptkw(p, KW_ALL)) {
        s->u.select.group_kind = LH_GROUP_ALL;
        return true;
    }
    lh__vec_t v = {0};
    do {
        lh_ast_grouping_t *g = lh__push(p, &v, sizeof *g);
        if (!g || !parse_grouping(p, g)) return false;
    } while (lh__accept(p, TK_COMMA));
    s->u.select.group_by = v.items;
    s->u.select.ngroup_by = v.n;
    return true;
}

static bool parse_windows(lh__parser_t *p, lh_ast_t *s)
{
    lh__vec_t v = {0};
    do {
        lh_ast_named_window_t *w = lh__push(p, &v, sizeof *w);
        if (!w || !(w->name = lh__parse_name(p)) || !lh__expectkw(p, KW_AS)) return false;
        if (!(w->window = lh_arena_calloc(p->a, sizeof *w->window)))
            return lh__fail(p, LH_ENOMEM, -1, "out of memory parsing the statement"), false;
        if (!lh__parse_window(p, w->window)) return false;
    } while (lh__accept(p, TK_COMMA));
    s->u.select.windows = v.items;
    s->u.select.nwindows = v.n;
    return true;
}

static bool parse_clauses(lh__parser_t *p, lh_ast_t *s)
{
    if (lh__acceptkw(p, KW_WHERE) && !(s->u.select.where = lh__parse_expr(p))) return false;
    if (lh__acceptkw(p, KW_GROUP) && !parse_group_by(p, s)) return false;
    if (lh__acceptkw(p, KW_HAVING) && !(s->u.select.having = lh__parse_expr(p))) return false;
    if (lh__acceptkw(p, KW_WINDOW) && !parse_windows(p, s)) return false;
    if (lh__acceptkw(p, KW_QUALIFY) && !(s->u.select.qualify = lh__parse_expr(p))) return false;
    return true;
}

lh_ast_t *lh__parse_select_block(lh__parser_t *p)
{
    lh_ast_t *s = lh__node(p, LH_AST_SELECT, lh__cur(p)->pos);
    if (!s) return NULL;
    if (lh__acceptkw(p, KW_FROM)) { /* FROM-first */
        if (!(s->u.select.from = lh__parse_from(p))) return NULL;
        if (lh__iskw(p, KW_SELECT)) {
            if (!parse_select_head(p, s)) return NULL;
        } else {
            lh_ast_t *star = lh__node(p, LH_AST_STAR, (uint32_t)s->pos);
            lh__vec_t v = {0};
            if (!lh__push_node(p, &v, star)) return NULL;
            s->u.select.items = lh__as_list(v);
        }
    } else {
        if (!parse_select_head(p, s)) return NULL;
        if (lh__acceptkw(p, KW_FROM) && !(s->u.select.from = lh__parse_from(p))) return NULL;
    }
    return parse_clauses(p, s) ? s : NULL;
}
