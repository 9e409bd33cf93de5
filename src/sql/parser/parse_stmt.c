/* Statements other than the DDL: a query, INSERT (with Databricks'
 * REPLACE WHERE), DELETE, UPDATE, SET/RESET,
 * SHOW/DESCRIBE, EXPLAIN, COPY, transaction control; and lh_sql_parse, which
 * lexes the script and parses its ';'-separated statements in order. */
#include <string.h>

#include "sql/parser/parser_int.h"

lh_ast_t *lh__parse_create(lh__parser_t *p);
lh_ast_t *lh__parse_drop(lh__parser_t *p);
lh_ast_t *lh__parse_alter(lh__parser_t *p);
lh_ast_t *lh__parse_merge(lh__parser_t *p);
lh_ast_t *lh__parse_maint(lh__parser_t *p, lh_ast_t *n);
bool lh__parse_set_list(lh__parser_t *p, const char ***cols, uint32_t *ncols, lh_ast_list_t *vals);
bool lh__parse_options(lh__parser_t *p, lh_ast_option_t **out, uint32_t *n);

static bool at_stmt_end(const lh__parser_t *p, uint32_t k)
{
    lh__tk_t t = (lh__tk_t)lh__peek(p, k)->kind;
    return t == TK_EOF || t == TK_SEMI;
}

static lh_ast_t *query_stmt(lh__parser_t *p)
{
    lh_ast_t *n = lh__node(p, LH_AST_STMT_QUERY, lh__cur(p)->pos);
    return n && (n->u.query.query = lh__parse_query(p)) ? n : NULL;
}

static bool is_query_ahead(const lh__parser_t *p)
{
    return lh__at_query_start(p, 0) || lh__is(p, TK_LP);
}

static lh_ast_t *parse_insert(lh__parser_t *p, lh_ast_t *n)
{
    if (lh__acceptkw(p, KW_OR)) {
        if (!lh__expectkw(p, KW_REPLACE)) return NULL;
        n->u.insert.or_replace = true;
    }
    if (!lh__expectkw(p, KW_INTO) || !lh__parse_dotted(p, &n->u.insert.table)) return NULL;
    if (lh__is(p, TK_LP) && !lh__parens_hold_query(p, 1) &&
        !lh__parse_name_list(p, &n->u.insert.columns, &n->u.insert.ncolumns))
        return NULL;
    if (lh__iskw(p, KW_REPLACE) && lh__peekkw(p, 1, KW_WHERE)) {
        p->i += 2;
        if (!(n->u.insert.replace_where = lh__parse_expr(p))) return NULL;
    }
    if (!is_query_ahead(p)) return lh__syntax_error(p);
    return (n->u.insert.query = lh__parse_query(p)) ? n : NULL;
}

/* [WHERE cond]: the condition and its text as written (for a commit's
 * predicate). */
static bool parse_where(lh__parser_t *p, lh_ast_t **where, const char **text)
{
    if (!lh__acceptkw(p, KW_WHERE)) return true;
    uint32_t start = lh__cur(p)->pos;
    if (!(*where = lh__parse_expr(p))) return false;
    *text = lh_arena_strndup(p->a, p->text + start, lh__end_of_prev(p) - start);
    return *text || lh__fail(p, LH_ENOMEM, -1, "out of memory parsing the statement");
}

/* The target's [AS] alias of DELETE / UPDATE (a bare one must not be the
 * next clause's keyword). */
static bool target_alias(lh__parser_t *p, const char **alias)
{
    bool as = lh__acceptkw(p, KW_AS);
    if (!as && (!lh__is_name(p, 0, true) || lh__iskw(p, KW_SET) || lh__iskw(p, KW_WHERE) ||
                lh__iskw(p, KW_FROM)))
        return true;
    return (*alias = lh__parse_name(p)) != NULL;
}

static lh_ast_t *parse_update(lh__parser_t *p, lh_ast_t *n)
{
    if (!lh__parse_dotted(p, &n->u.update.table) || !target_alias(p, &n->u.update.alias) ||
        !lh__expectkw(p, KW_SET))
        return NULL;
    uint32_t ncols;
    if (!lh__parse_set_list(p, &n->u.update.set_columns, &ncols, &n->u.update.set_values))
        return NULL;
    if (lh__acceptkw(p, KW_FROM) && !(n->u.update.from = lh__parse_from(p))) return NULL;
    return parse_where(p, &n->u.update.where, &n->u.update.where_text) ? n : NULL;
}

/* A setting's value: a lone word is its text (SET x TO on); DEFAULT is NULL. */
static bool parse_set_value(lh__parser_t *p, lh_ast_t **out)
{
    if (lh__iskw(p, KW_DEFAULT) && at_stmt_end(p, 1)) {
        p->i++;
        *out = NULL;
        return true;
    }
    const lh__tok_t *t = lh__cur(p);
    if ((t->kind == TK_WORD || t->kind == TK_QIDENT) && at_stmt_end(p, 1) && t->kw != KW_TRUE &&
        t->kw != KW_FALSE && t->kw != KW_NULL) {
        const char *s = lh__ident_text(p, t);
        p->i++;
        return s && (*out = lh__string_lit(p, t->pos, s, strlen(s)));
    }
    return (*out = lh__parse_expr(p)) != NULL;
}

static lh_ast_t *parse_set(lh__parser_t *p, lh_ast_t *n)
{
    if (lh__acceptkw(p, KW_LOCAL))
        n->u.set.scope = 2;
    else if (lh__isword(p, 0, "session") && !lh__is(p, TK_EQ) && lh__peek(p, 1)->kind != TK_EQ &&
             !lh__peekkw(p, 1, KW_TO) && ++p->i)
        n->u.set.scope = 1;
    else if (lh__isword(p, 0, "global") && lh__peek(p, 1)->kind != TK_EQ &&
             !lh__peekkw(p, 1, KW_TO) && ++p->i)
        n->u.set.scope = 3;
    if (lh__isword(p, 0, "time") && lh__isword(p, 1, "zone")) {
        p->i += 2;
        n->u.set.name = "timezone";
        return parse_set_value(p, &n->u.set.value) ? n : NULL;
    }
    lh_ast_name_t name;
    if (!lh__parse_dotted(p, &name)) return NULL;
    n->u.set.name = name.n == 1   ? name.parts[0]
                    : name.n == 2 ? lh_arena_printf(p->a, "%s.%s", name.parts[0], name.parts[1])
                                  : lh_arena_printf(p->a, "%s.%s.%s", name.parts[0], name.parts[1],
                                                    name.parts[2]);
    if (!n->u.set.name) return lh__fail(p, LH_ENOMEM, -1, "out of memory parsing the statement");
    bool schema = !strcmp(n->u.set.name, "schema") || !strcmp(n->u.set.name, "search_path");
    if (schema) n->u.set.name = "schema";
    if (!lh__accept(p, TK_EQ) && !lh__acceptkw(p, KW_TO) && !(schema && lh__is(p, TK_STR)))
        return lh__syntax_error(p);
    return parse_set_value(p, &n->u.set.value) ? n : NULL;
}

static lh_ast_t *parse_reset(lh__parser_t *p, lh_ast_t *n)
{
    n->u.set.reset = true;
    if (lh__acceptkw(p, KW_ALL)) {
        n->u.set.name = "all";
        return n;
    }
    lh_ast_name_t name;
    if (!lh__parse_dotted(p, &name)) return NULL;
    n->u.set.name =
        name.n == 1 ? name.parts[0] : lh_arena_printf(p->a, "%s.%s", name.parts[0], name.parts[1]);
    if (!strcmp(n->u.set.name, "search_path")) n->u.set.name = "schema";
    return n;
}

static lh_ast_t *parse_show(lh__parser_t *p, lh_ast_t *n)
{
    if (lh__isword(p, 0, "tables")) {
        p->i++;
        n->u.show.what = 2;
        if (lh__acceptkw(p, KW_FROM) || lh__acceptkw(p, KW_IN))
            return lh__parse_dotted(p, &n->u.show.table) ? n : NULL;
        return n;
    }
    if (lh__iskw(p, KW_ALL)) {
        p->i++;
        n->u.show.what = 4;
        if (lh__isword(p, 0, "tables") && ++p->i) n->u.show.what = 6;
        return n;
    }
    if ((lh__isword(p, 0, "schemas") || lh__isword(p, 0, "databases")) && at_stmt_end(p, 1)) {
        p->i++;
        n->u.show.what = 5;
        return n;
    }
    n->u.show.what = 1;
    if (lh__iskw(p, KW_TRANSACTION) && lh__isword(p, 1, "isolation") && lh__isword(p, 2, "level")) {
        p->i += 3;
        n->u.show.name = "transaction_isolation";
        return n;
    }
    if (lh__isword(p, 0, "time") && lh__isword(p, 1, "zone")) {
        p->i += 2;
        n->u.show.name = "timezone";
        return n;
    }
    lh_ast_name_t name;
    if (!lh__parse_dotted(p, &name)) return NULL;
    n->u.show.name =
        name.n == 1 ? name.parts[0] : lh_arena_printf(p->a, "%s.%s", name.parts[0], name.parts[1]);
    if (!strcmp(n->u.show.name, "search_path")) n->u.show.name = "schema";
    return n;
}

static lh_ast_t *parse_describe(lh__parser_t *p, lh_ast_t *n)
{
    n->u.show.what = 3;
    if (is_query_ahead(p)) return (n->u.show.query = lh__parse_query(p)) ? n : NULL;
    lh__acceptkw(p, KW_TABLE);
    return lh__parse_dotted(p, &n->u.show.table) ? n : NULL;
}

static lh_ast_t *parse_copy(lh__parser_t *p, lh_ast_t *n)
{
    if (lh__is(p, TK_LP)) {
        p->i++;
        if (!(n->u.copy.query = lh__parse_query(p)) || !lh__expect(p, TK_RP)) return NULL;
    } else if (!lh__parse_dotted(p, &n->u.copy.table)) {
        return NULL;
    }
    if (lh__acceptkw(p, KW_FROM) && !n->u.copy.query)
        n->u.copy.from = true;
    else if (!lh__expectkw(p, KW_TO))
        return NULL;
    if (!lh__is(p, TK_STR)) return lh__syntax_error(p);
    const lh__tok_t *t = &p->t[p->i++];
    if (!(n->u.copy.target = lh_arena_strndup(p->a, t->s, t->slen)))
        return lh__fail(p, LH_ENOMEM, -1, "out of memory parsing the statement");
    lh__acceptkw(p, KW_WITH);
    if (lh__is(p, TK_LP) && !lh__parse_options(p, &n->u.copy.options, &n->u.copy.noptions))
        return NULL;
    return n;
}

static lh_ast_t *parse_txn(lh__parser_t *p, lh_ast_t *n, uint8_t what)
{
    n->u.txn.what = what;
    if (!lh__acceptkw(p, KW_TRANSACTION)) lh__acceptkw(p, KW_WORK);
    return n;
}

static lh_ast_t *parse_explain(lh__parser_t *p, lh_ast_t *n)
{
    n->u.explain.analyze = lh__acceptkw(p, KW_ANALYZE) || (lh__isword(p, 0, "analyse") && ++p->i);
    if (!lh__enter(p)) return NULL;
    n->u.explain.stmt = lh__parse_statement(p);
    lh__leave(p);
    return n->u.explain.stmt ? n : NULL;
}

lh_ast_t *lh__parse_statement(lh__parser_t *p)
{
    if (is_query_ahead(p)) return query_stmt(p);
    const lh__tok_t *t = lh__cur(p);
    if (t->kind != TK_WORD) return lh__syntax_error(p);
    uint32_t pos = t->pos;
    if (t->kw == KW_CREATE) return lh__parse_create(p);
    if (t->kw == KW_DROP) return lh__parse_drop(p);
    if (t->kw == KW_ALTER) return lh__parse_alter(p);
    if (lh__isword(p, 0, "merge") && lh__isword(p, 1, "into")) return lh__parse_merge(p);
    typedef struct {
        const char *word;
        lh_ast_kind_t kind;
    } row_t;
    static const row_t rows[] = {
        {"insert", LH_AST_STMT_INSERT},
        {"delete", LH_AST_STMT_DELETE},
        {"update", LH_AST_STMT_UPDATE},
        {"set", LH_AST_STMT_SET},
        {"reset", LH_AST_STMT_SET},
        {"show", LH_AST_STMT_SHOW},
        {"describe", LH_AST_STMT_SHOW},
        {"desc", LH_AST_STMT_SHOW},
        {"explain", LH_AST_STMT_EXPLAIN},
        {"copy", LH_AST_STMT_COPY},
        {"begin", LH_AST_STMT_TRANSACTION},
        {"start", LH_AST_STMT_TRANSACTION},
        {"commit", LH_AST_STMT_TRANSACTION},
        {"end", LH_AST_STMT_TRANSACTION},
        {"rollback", LH_AST_STMT_TRANSACTION},
        {"abort", LH_AST_STMT_TRANSACTION},
        {"optimize", LH_AST_STMT_OPTIMIZE},
        {"vacuum", LH_AST_STMT_VACUUM},
    };
    size_t r = 0;
    while (r < sizeof rows / sizeof rows[0] && !lh__isword(p, 0, rows[r].word))
        r++;
    if (r == sizeof rows / sizeof rows[0]) return lh__syntax_error(p);
    lh_ast_t *n = lh__node(p, rows[r].kind, pos);
    if (!n) return NULL;
    p->i++;
    switch (r) {
    case 0:
        return parse_insert(p, n);
    case 1:
        return lh__expectkw(p, KW_FROM) && lh__parse_dotted(p, &n->u.del.table) &&
                       target_alias(p, &n->u.del.alias) &&
                       parse_where(p, &n->u.del.where, &n->u.del.where_text)
                   ? n
                   : NULL;
    case 2:
        return parse_update(p, n);
    case 3:
        return parse_set(p, n);
    case 4:
        return parse_reset(p, n);
    case 5:
        return parse_show(p, n);
    case 6:
    case 7:
        return parse_describe(p, n);
    case 8:
        return parse_explain(p, n);
    case 9:
        return parse_copy(p, n);
    case 10:
        return parse_txn(p, n, 1);
    case 11:
        return lh__expectkw(p, KW_TRANSACTION) ? parse_txn(p, n, 1) : NULL;
    case 12:
    case 13:
        return parse_txn(p, n, 2);
    case 14:
    case 15:
        return parse_txn(p, n, 3);
    default:
        return lh__parse_maint(p, n);
    }
}

int lh_sql_parse(lh_arena_t *a, const char *text, size_t len, lh_ast_script_t *out,
                 lh_sql_error_t *err)
{
    memset(out, 0, sizeof *out);
    lh_sql_err_clear(err);
    if (len > LH_SQL_MAX_TEXT)
        return lh_sql_err(err, LH_ETOOBIG, LH_SQL_EPARSE, 0,
                          "statement text too long (%zu bytes, the limit is %u)", len,
                          LH_SQL_MAX_TEXT);
    lh__parser_t p = {.a = a, .text = text, .len = len, .err = err};
    int rc = lh__lex(a, text, len, &p.t, &p.nt, err);
    if (rc) return rc;
    lh__vec_t stmts = {0}, starts = {0}, ends = {0};
    for (;;) {
        while (lh__accept(&p, TK_SEMI)) {
        }
        if (lh__is(&p, TK_EOF)) break;
        uint32_t start = lh__cur(&p)->pos;
        p.depth = 0;
        lh_ast_t *s = lh__parse_statement(&p);
        if (s && !lh__is(&p, TK_EOF) && !lh__is(&p, TK_SEMI)) lh__syntax_error(&p);
        if (p.rc) return p.rc;
        uint32_t *st = lh__push(&p, &starts, sizeof *st), *en = lh__push(&p, &ends, sizeof *en);
        if (!st || !en || !lh__push_node(&p, &stmts, s)) return p.rc;
        *st = start;
        *en = lh__end_of_prev(&p);
    }
    out->stmts = stmts.items;
    out->n = stmts.n;
    out->start = starts.items;
    out->end = ends.items;
    out->nparams = p.max_param > p.nqmark ? p.max_param : p.nqmark;
    return 0;
}
