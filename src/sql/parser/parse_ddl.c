/* DDL: CREATE [OR REPLACE] [TEMP] TABLE [IF NOT EXISTS] t (columns) | AS
 * query, with PARTITIONED BY / PARTITION BY (cols) and WITH (k = v); CREATE
 * VIEW (the query's text kept); CREATE SCHEMA; DROP TABLE|VIEW|SCHEMA;
 * ALTER TABLE t ADD [COLUMN]; and the (k v, ...) option lists of COPY and
 * WITH. */
#include <string.h>

#include "sql/parser/parser_int.h"

bool lh__parse_options(lh__parser_t *p, lh_ast_option_t **out, uint32_t *n);

static void *oom(lh__parser_t *p)
{
    return lh__fail(p, LH_ENOMEM, -1, "out of memory parsing the statement");
}

static bool if_not_exists(lh__parser_t *p)
{
    if (!lh__iskw(p, KW_IF) || !lh__peekkw(p, 1, KW_NOT) || !lh__peekkw(p, 2, KW_EXISTS))
        return false;
    p->i += 3;
    return true;
}

/* An option's value: none, a bare word (FORMAT parquet), or an expression. */
static bool option_value(lh__parser_t *p, lh_ast_t **out)
{
    lh__accept(p, TK_EQ);
    if (lh__is(p, TK_COMMA) || lh__is(p, TK_RP)) return true;
    const lh__tok_t *t = lh__cur(p);
    lh__tk_t next = (lh__tk_t)lh__peek(p, 1)->kind;
    if (t->kind == TK_WORD && (next == TK_COMMA || next == TK_RP) && t->kw != KW_TRUE &&
        t->kw != KW_FALSE && t->kw != KW_NULL) {
        const char *s = lh__ident_text(p, t);
        p->i++;
        return s && (*out = lh__string_lit(p, t->pos, s, strlen(s)));
    }
    return (*out = lh__parse_expr(p)) != NULL;
}

bool lh__parse_options(lh__parser_t *p, lh_ast_option_t **out, uint32_t *n)
{
    lh__vec_t v = {0};
    if (!lh__expect(p, TK_LP)) return false;
    do {
        lh_ast_option_t *o = lh__push(p, &v, sizeof *o);
        if (!o) return false;
        const lh__tok_t *t = lh__cur(p);
        if (t->kind != TK_WORD && t->kind != TK_QIDENT && t->kind != TK_STR)
            return lh__syntax_error(p), false;
        uint32_t start = t->pos;
        p->i++;
        while (lh__is(p, TK_DOT) && lh__peek(p, 1)->kind == TK_WORD)
            p->i += 2;
        if (t->kind == TK_WORD) {
            o->name = lh_arena_strndup(p->a, p->text + start, lh__end_of_prev(p) - start);
            for (char *c = (char *)o->name; o->name && *c; c++)
                if (*c >= 'A' && *c <= 'Z') *c = (char)(*c + 32);
        } else {
            o->name = lh_arena_strndup(p->a, t->s, t->slen);
        }
        if (!o->name) return oom(p), false;
        if (!option_value(p, &o->value)) return false;
    } while (lh__accept(p, TK_COMMA));
    *out = v.items;
    *n = v.n;
    return lh__expect(p, TK_RP);
}

static bool column_def(lh__parser_t *p, lh_ast_column_def_t *c)
{
    if (!(c->name = lh__parse_name(p))) return false;
    if (!lh__parse_type(p, &c->type_text, &c->type_pos)) return false;
    for (;;) {
        if (lh__acceptkw(p, KW_CONSTRAINT) && !lh__parse_name(p)) return false;
        if (lh__iskw(p, KW_NOT) && lh__peekkw(p, 1, KW_NULL)) {
            p->i += 2;
            c->not_null = true;
        } else if (lh__acceptkw(p, KW_NULL)) {
            c->not_null = false;
        } else if (lh__acceptkw(p, KW_PRIMARY)) {
            if (!lh__expectkw(p, KW_KEY)) return false;
            c->primary_key = true;
        } else if (lh__acceptkw(p, KW_DEFAULT)) {
            if (!(c->default_expr = lh__parse_expr_prec(p, LH__P_IS + 1))) return false;
        } else {
            return true;
        }
    }
}

/* PRIMARY KEY (a, b) among the column definitions. */
static bool table_key(lh__parser_t *p, lh_ast_t *n)
{
    const char **cols;
    uint32_t ncols;
    p->i += 2;
    if (!lh__parse_name_list(p, &cols, &ncols)) return false;
    for (uint32_t i = 0; i < ncols; i++) {
        uint32_t k = 0;
        while (k < n->u.create_table.ncolumns && strcmp(n->u.create_table.columns[k].name, cols[i]))
            k++;
        if (k == n->u.create_table.ncolumns) return lh__syntax_error(p), false;
        n->u.create_table.columns[k].primary_key = true;
    }
    return true;
}

static bool column_defs(lh__parser_t *p, lh_ast_t *n)
{
    lh__vec_t v = {0};
    p->i++; /* ( */
    do {
        if (lh__iskw(p, KW_PRIMARY) && lh__peekkw(p, 1, KW_KEY)) {
            n->u.create_table.columns = v.items;
            n->u.create_table.ncolumns = v.n;
            if (!table_key(p, n)) return false;
            continue;
        }
        lh_ast_column_def_t *c = lh__push(p, &v, sizeof *c);
        if (!c || !column_def(p, c)) return false;
    } while (lh__accept(p, TK_COMMA));
    n->u.create_table.columns = v.items;
    n->u.create_table.ncolumns = v.n;
    return lh__expect(p, TK_RP);
}

static lh_ast_t *create_table(lh__parser_t *p, lh_ast_t *n)
{
    n->kind = LH_AST_STMT_CREATE_TABLE;
    n->u.create_table.if_not_exists = if_not_exists(p);
    if (!lh__parse_dotted(p, &n->u.create_table.name)) return NULL;
    if (lh__is(p, TK_LP) && !lh__parens_hold_query(p, 1) && !column_defs(p, n)) return NULL;
    for (;;) {
        if ((lh__isword(p, 0, "partitioned") || lh__iskw(p, KW_PARTITION)) &&
            lh__peekkw(p, 1, KW_BY)) {
            p->i += 2;
            if (!lh__parse_name_list(p, &n->u.create_table.partition_by,
                                     &n->u.create_table.npartition_by))
                return NULL;
        } else if (lh__iskw(p, KW_WITH) && lh__peek(p, 1)->kind == TK_LP) {
            p->i++;
            if (!lh__parse_options(p, &n->u.create_table.options, &n->u.create_table.noptions))
                return NULL;
        } else {
            break;
        }
    }
    if (n->u.create_table.columns) return n;
    if (!lh__expectkw(p, KW_AS)) return NULL;
    return (n->u.create_table.as_query = lh__parse_query(p)) ? n : NULL;
}

static lh_ast_t *create_view(lh__parser_t *p, lh_ast_t *n)
{
    n->kind = LH_AST_STMT_CREATE_VIEW;
    n->u.create_view.if_not_exists = if_not_exists(p);
    if (!lh__parse_dotted(p, &n->u.create_view.name)) return NULL;
    if (lh__is(p, TK_LP) &&
        !lh__parse_name_list(p, &n->u.create_view.col_aliases, &n->u.create_view.ncol_aliases))
        return NULL;
    if (!lh__expectkw(p, KW_AS)) return NULL;
    uint32_t start = lh__cur(p)->pos;
    if (!(n->u.create_view.query = lh__parse_query(p))) return NULL;
    n->u.create_view.query_text =
        lh_arena_strndup(p->a, p->text + start, lh__end_of_prev(p) - start);
    return n->u.create_view.query_text ? n : oom(p);
}

lh_ast_t *lh__parse_create(lh__parser_t *p);
lh_ast_t *lh__parse_create(lh__parser_t *p)
{
    lh_ast_t *n = lh__node(p, LH_AST_STMT_CREATE_TABLE, lh__cur(p)->pos);
    if (!n) return NULL;
    p->i++;
    bool or_replace = false, temp = false;
    if (lh__acceptkw(p, KW_OR)) {
        if (!lh__expectkw(p, KW_REPLACE)) return NULL;
        or_replace = true;
    }
    temp = lh__acceptkw(p, KW_TEMP) || lh__acceptkw(p, KW_TEMPORARY);
    if (lh__acceptkw(p, KW_TABLE)) {
        n->u.create_table.or_replace = or_replace;
        n->u.create_table.temp = temp;
        return create_table(p, n);
    }
    if (lh__acceptkw(p, KW_VIEW)) {
        n->u.create_view.or_replace = or_replace;
        n->u.create_view.temp = temp;
        return create_view(p, n);
    }
    if (!or_replace && !temp && lh__acceptkw(p, KW_SCHEMA)) {
        n->kind = LH_AST_STMT_CREATE_SCHEMA;
        n->u.create_schema.if_not_exists = if_not_exists(p);
        return lh__parse_dotted(p, &n->u.create_schema.name) ? n : NULL;
    }
    return lh__syntax_error(p);
}

lh_ast_t *lh__parse_drop(lh__parser_t *p);
lh_ast_t *lh__parse_drop(lh__parser_t *p)
{
    lh_ast_t *n = lh__node(p, LH_AST_STMT_DROP, lh__cur(p)->pos);
    if (!n) return NULL;
    p->i++;
    if (lh__acceptkw(p, KW_TABLE))
        n->u.drop.what = 1;
    else if (lh__acceptkw(p, KW_VIEW))
        n->u.drop.what = 2;
    else if (lh__acceptkw(p, KW_SCHEMA))
        n->u.drop.what = 3;
    else
        return lh__syntax_error(p);
    if (lh__iskw(p, KW_IF) && lh__peekkw(p, 1, KW_EXISTS)) {
        p->i += 2;
        n->u.drop.if_exists = true;
    }
    if (!lh__parse_dotted(p, &n->u.drop.name)) return NULL;
    if (lh__acceptkw(p, KW_CASCADE))
        n->u.drop.cascade = true;
    else if (lh__isword(p, 0, "restrict"))
        p->i++;
    return n;
}

lh_ast_t *lh__parse_alter(lh__parser_t *p);
lh_ast_t *lh__parse_alter(lh__parser_t *p)
{
    lh_ast_t *n = lh__node(p, LH_AST_STMT_ALTER_ADD, lh__cur(p)->pos);
    if (!n) return NULL;
    p->i++;
    if (!lh__expectkw(p, KW_TABLE) || !lh__parse_dotted(p, &n->u.alter.table)) return NULL;
    if (!lh__isword(p, 0, "add")) return lh__syntax_error(p);
    p->i++;
    lh__acceptkw(p, KW_COLUMN);
    n->u.alter.if_not_exists = if_not_exists(p);
    return column_def(p, &n->u.alter.column) ? n : NULL;
}
