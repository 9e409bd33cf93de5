/* FROM items and joins: named tables (with time travel AT (VERSION => n) /
 * FOR VERSION|TIMESTAMP|SYSTEM_TIME AS OF x), 'file.parquet' as a table name
 * (DuckDB's replacement scan), table functions with positional and named
 * arguments (name = v, name => v, name := v), [LATERAL] subqueries,
 * parenthesised joins, aliases with column lists; joined left to right by
 * commas (CROSS) and [NATURAL] INNER/LEFT/RIGHT/FULL [OUTER]/CROSS/SEMI/ANTI
 * JOIN with ON or USING. */
#include <string.h>

#include "sql/parser/parser_int.h"

static lh_ast_t *item(lh__parser_t *p);

/* [AS] alias [(a, b)] into the node's alias and the given column list. */
static bool parse_alias(lh__parser_t *p, lh_ast_t *n, const char ***cols, uint32_t *ncols)
{
    bool as = lh__acceptkw(p, KW_AS);
    if (!as && (!lh__is_name(p, 0, true) || (lh__iskw(p, KW_AT) && lh__peek(p, 1)->kind == TK_LP)))
        return true;
    if (!(n->alias = lh__parse_name(p))) return false;
    if (lh__is(p, TK_LP)) {
        if (!cols) return lh__syntax_error(p), false;
        return lh__parse_name_list(p, cols, ncols);
    }
    return true;
}

/* AT (VERSION => 3), AT (TIMESTAMP => '...'), FOR VERSION AS OF 3,
 * FOR TIMESTAMP|SYSTEM_TIME AS OF '...', and Databricks' bare VERSION AS OF 3 /
 * TIMESTAMP AS OF '...'. */
static bool parse_time_travel(lh__parser_t *p, lh_ast_t *n)
{
    if (lh__iskw(p, KW_AT) && lh__peek(p, 1)->kind == TK_LP) {
        p->i += 2;
        bool version = lh__isword(p, 0, "version");
        if (!version && !lh__isword(p, 0, "timestamp")) return lh__syntax_error(p), false;
        p->i++;
        if (!lh__expect(p, TK_ARROWEQ)) return false;
        lh_ast_t **slot = version ? &n->u.table.at_version : &n->u.table.at_timestamp;
        return (*slot = lh__parse_expr(p)) && lh__expect(p, TK_RP);
    }
    if (lh__iskw(p, KW_FOR) && (lh__isword(p, 1, "version") || lh__isword(p, 1, "timestamp") ||
                                lh__isword(p, 1, "system_time"))) {
        bool version = lh__isword(p, 1, "version");
        p->i += 2;
        if (!lh__expectkw(p, KW_AS) || !lh__expectkw(p, KW_OF)) return false;
        lh_ast_t **slot = version ? &n->u.table.at_version : &n->u.table.at_timestamp;
        return (*slot = lh__parse_expr(p)) != NULL;
    }
    if ((lh__isword(p, 0, "version") || lh__isword(p, 0, "timestamp")) && lh__peekkw(p, 1, KW_AS) &&
        lh__peekkw(p, 2, KW_OF)) {
        bool version = lh__isword(p, 0, "version");
        p->i += 3;
        lh_ast_t **slot = version ? &n->u.table.at_version : &n->u.table.at_timestamp;
        return (*slot = lh__parse_expr(p)) != NULL;
    }
    return true;
}

/* {'name': value, ...} as a table function's argument (read_csv's columns =): an ARRAY of
   two-item ROWs (key, value), bound by the table function itself. */
static lh_ast_t *brace_arg(lh__parser_t *p)
{
    lh_ast_t *n = lh__node(p, LH_AST_ARRAY, lh__cur(p)->pos);
    if (!n) return NULL;
    p->i++; /* { */
    lh__vec_t items = {0};
    if (!lh__is(p, TK_RBRACE)) {
        do {
            lh_ast_t *row = lh__node(p, LH_AST_ROW, lh__cur(p)->pos);
            lh__vec_t kv = {0};
            if (!row || !lh__push_node(p, &kv, lh__parse_expr(p)) || !lh__expect(p, TK_COLON) ||
                !lh__push_node(p, &kv, lh__parse_expr(p)))
                return NULL;
            row->u.row.items = lh__as_list(kv);
            if (!lh__push_node(p, &items, row)) return NULL;
        } while (lh__accept(p, TK_COMMA));
    }
    if (!lh__expect(p, TK_RBRACE)) return NULL;
    n->u.array.items = lh__as_list(items);
    return n;
}

static lh_ast_t *table_func(lh__parser_t *p, lh_ast_name_t name, uint32_t pos)
{
    lh_ast_t *n = lh__node(p, LH_AST_TABLE_FUNC, pos);
    if (!n) return NULL;
    n->u.table_func.name = name;
    p->i++; /* ( */
    lh__vec_t args = {0}, names = {0};
    bool named = false;
    if (!lh__is(p, TK_RP)) {
        do {
            const char **nm = lh__push(p, &names, sizeof *nm);
            if (!nm) return NULL;
            lh__tk_t next = (lh__tk_t)lh__peek(p, 1)->kind;
            if ((lh__is(p, TK_WORD) || lh__is(p, TK_QIDENT)) &&
                (next == TK_EQ || next == TK_ARROWEQ || next == TK_COLONEQ)) {
                if (!(*nm = lh__ident_text(p, lh__cur(p)))) return NULL;
                p->i += 2;
                named = true;
            }
            if (!lh__push_node(p, &args, lh__is(p, TK_LBRACE) ? brace_arg(p) : lh__parse_expr(p)))
                return NULL;
        } while (lh__accept(p, TK_COMMA));
    }
    if (!lh__expect(p, TK_RP)) return NULL;
    n->u.table_func.args = lh__as_list(args);
    if (named) n->u.table_func.arg_names = names.items;
    return parse_alias(p, n, &n->u.table_func.col_aliases, &n->u.table_func.ncol_aliases) ? n
                                                                                          : NULL;
}

static lh_ast_t *subquery_ref(lh__parser_t *p, bool lateral, uint32_t pos)
{
    lh_ast_t *n = lh__node(p, LH_AST_SUBQUERY_REF, pos);
    if (!n) return NULL;
    n->u.subquery_ref.lateral = lateral;
    p->i++; /* ( */
    if (!(n->u.subquery_ref.query = lh__parse_query(p)) || !lh__expect(p, TK_RP)) return NULL;
    return parse_alias(p, n, &n->u.subquery_ref.col_aliases, &n->u.subquery_ref.ncol_aliases)
               ? n
               : NULL;
}

static lh_ast_t *named_item(lh__parser_t *p)
{
    uint32_t pos = lh__cur(p)->pos;
    lh_ast_name_t name;
    bool file = lh__is(p, TK_STR);
    if (file) { /* FROM 'data.parquet' */
        const lh__tok_t *t = &p->t[p->i++];
        name = (lh_ast_name_t){.parts = {lh__ident_text(p, t)}, .n = 1};
        if (!name.parts[0]) return NULL;
    } else if (!lh__parse_dotted(p, &name)) {
        return NULL;
    }
    if (!file && lh__is(p, TK_LP)) return table_func(p, name, pos);
    lh_ast_t *n = lh__node(p, LH_AST_TABLE_REF, pos);
    if (!n) return NULL;
    n->u.table.name = name;
    if (!parse_time_travel(p, n)) return NULL;
    if (!parse_alias(p, n, &n->u.table.col_aliases, &n->u.table.ncol_aliases)) return NULL;
    return parse_time_travel(p, n) ? n : NULL;
}

static lh_ast_t *item_inner(lh__parser_t *p)
{
    uint32_t pos = lh__cur(p)->pos;
    if (lh__acceptkw(p, KW_LATERAL)) {
        if (lh__is(p, TK_LP)) return subquery_ref(p, true, pos);
        return named_item(p);
    }
    if (lh__is(p, TK_LP)) {
        if (lh__parens_hold_query(p, 1)) return subquery_ref(p, false, pos);
        p->i++;
        lh_ast_t *j = lh__parse_from(p);
        if (!j || !lh__expect(p, TK_RP)) return NULL;
        return parse_alias(p, j, NULL, NULL) ? j : NULL;
    }
    return named_item(p);
}

static lh_ast_t *item(lh__parser_t *p)
{
    if (!lh__enter(p)) return NULL;
    lh_ast_t *n = item_inner(p);
    lh__leave(p);
    return n;
}

/* The join keywords before JOIN: kind, or -1 when none is here. */
static int join_kind(lh__parser_t *p, bool *natural)
{
    uint32_t save = p->i;
    *natural = lh__acceptkw(p, KW_NATURAL);
    int kind = -1;
    if (lh__acceptkw(p, KW_INNER))
        kind = LH_JOIN_INNER;
    else if (lh__acceptkw(p, KW_LEFT))
        kind = LH_JOIN_LEFT;
    else if (lh__acceptkw(p, KW_RIGHT))
        kind = LH_JOIN_RIGHT;
    else if (lh__acceptkw(p, KW_FULL))
        kind = LH_JOIN_FULL;
    else if (lh__acceptkw(p, KW_CROSS))
        kind = LH_JOIN_CROSS;
    else if (lh__acceptkw(p, KW_SEMI))
        kind = LH_JOIN_SEMI;
    else if (lh__acceptkw(p, KW_ANTI))
        kind = LH_JOIN_ANTI;
    if (kind == LH_JOIN_LEFT || kind == LH_JOIN_RIGHT || kind == LH_JOIN_FULL)
        lh__acceptkw(p, KW_OUTER);
    if (lh__acceptkw(p, KW_JOIN)) return kind < 0 ? LH_JOIN_INNER : kind;
    if (kind >= 0 || *natural) return lh__syntax_error(p), -2;
    p->i = save;
    return -1;
}

static bool join_condition(lh__parser_t *p, lh_ast_t *j)
{
    if (j->u.join.natural || j->u.join.kind == LH_JOIN_CROSS) return true;
    if (lh__acceptkw(p, KW_ON)) return (j->u.join.on = lh__parse_expr(p)) != NULL;
    if (lh__acceptkw(p, KW_USING))
        return lh__parse_name_list(p, &j->u.join.using_cols, &j->u.join.nusing);
    return lh__syntax_error(p), false;
}

lh_ast_t *lh__parse_from(lh__parser_t *p)
{
    uint32_t base = p->depth;
    lh_ast_t *left = item(p);
    while (left) {
        bool natural = false;
        int kind = lh__is(p, TK_COMMA) ? LH_JOIN_CROSS : join_kind(p, &natural);
        if (kind == -1 || kind == -2) {
            if (kind == -2) left = NULL;
            break;
        }
        if (!lh__enter(p)) {
            left = NULL;
            break;
        }
        lh__accept(p, TK_COMMA);
        lh_ast_t *j = lh__node(p, LH_AST_JOIN, (uint32_t)left->pos);
        if (!j) return NULL;
        j->u.join.kind = (uint8_t)kind;
        j->u.join.natural = natural;
        j->u.join.left = left;
        if (!(j->u.join.right = item(p)) || !join_condition(p, j)) {
            left = NULL;
            break;
        }
        left = j;
    }
    p->depth = base;
    return left;
}
