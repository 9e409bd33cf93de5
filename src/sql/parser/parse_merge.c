/* MERGE INTO (DuckDB 1.4+ and Databricks), and the table maintenance
 * statements OPTIMIZE t [WHERE cond] and VACUUM [t] [RETAIN n HOURS] [DRY RUN]
 * (Databricks; DuckDB's VACUUM [ANALYZE] [t] too).
 *
 *
 *   MERGE INTO target [AS t] USING source [AS s] ON cond
 *     WHEN MATCHED [AND c] THEN UPDATE SET col = e, ... | UPDATE SET * | DELETE | DO NOTHING
 *     WHEN NOT MATCHED [BY TARGET] [AND c] THEN INSERT [(cols)] VALUES (e, ...) | INSERT *
 *                                             | INSERT DEFAULT VALUES | DO NOTHING
 *     WHEN NOT MATCHED BY SOURCE [AND c] THEN UPDATE ... | DELETE | DO NOTHING
 *
 * The target is a table (with an optional alias), the source any FROM item. */
#include <string.h>

#include "sql/parser/parser_int.h"

/* col = e, ... (UPDATE's and MERGE's SET list). */
bool lh__parse_set_list(lh__parser_t *p, const char ***cols, uint32_t *ncols, lh_ast_list_t *vals);
bool lh__parse_set_list(lh__parser_t *p, const char ***cols, uint32_t *ncols, lh_ast_list_t *vals)
{
    lh__vec_t c = {0}, v = {0};
    do {
        const char **col = lh__push(p, &c, sizeof *col);
        if (!col || !(*col = lh__parse_name(p)) || !lh__expect(p, TK_EQ)) return false;
        if (!lh__push_node(p, &v, lh__parse_expr(p))) return false;
    } while (lh__accept(p, TK_COMMA));
    *cols = c.items;
    *ncols = c.n;
    *vals = lh__as_list(v);
    return true;
}

static bool set_list(lh__parser_t *p, lh_ast_merge_clause_t *c)
{
    if (lh__accept(p, TK_STAR)) return c->star = true;
    return lh__parse_set_list(p, &c->columns, &c->ncolumns, &c->values);
}

static bool insert_values(lh__parser_t *p, lh_ast_merge_clause_t *c)
{
    if (lh__accept(p, TK_STAR)) return c->star = true;
    if (lh__isword(p, 0, "default") && lh__isword(p, 1, "values")) {
        p->i += 2;
        return true;
    }
    if (lh__is(p, TK_LP) && !lh__parse_name_list(p, &c->columns, &c->ncolumns)) return false;
    if (!lh__isword(p, 0, "values")) return lh__syntax_error(p), false;
    p->i++;
    lh__vec_t vals = {0};
    if (!lh__expect(p, TK_LP) || !lh__parse_expr_list(p, &vals) || !lh__expect(p, TK_RP))
        return false;
    c->values = lh__as_list(vals);
    return true;
}

static bool action(lh__parser_t *p, lh_ast_merge_clause_t *c)
{
    if (lh__isword(p, 0, "update") && lh__isword(p, 1, "set")) {
        p->i += 2;
        c->action = LH_MERGE_UPDATE;
        return set_list(p, c);
    }
    if (lh__isword(p, 0, "delete") && ++p->i) return (c->action = LH_MERGE_DELETE);
    if (lh__isword(p, 0, "do") && lh__isword(p, 1, "nothing")) {
        p->i += 2;
        return (c->action = LH_MERGE_NOTHING);
    }
    if (lh__isword(p, 0, "insert") && c->when == LH_MERGE_NOT_MATCHED && ++p->i) {
        c->action = LH_MERGE_INSERT;
        return insert_values(p, c);
    }
    return lh__syntax_error(p), false;
}

/* WHEN [NOT] MATCHED [BY SOURCE|TARGET] [AND cond] THEN action */
static bool clause(lh__parser_t *p, lh_ast_merge_clause_t *c)
{
    bool not = lh__isword(p, 0, "not") && ++p->i;
    if (!lh__isword(p, 0, "matched")) return lh__syntax_error(p), false;
    p->i++;
    c->when = not ? LH_MERGE_NOT_MATCHED : LH_MERGE_MATCHED;
    if (not &&lh__isword(p, 0, "by")) {
        if (lh__isword(p, 1, "source"))
            c->when = LH_MERGE_NOT_MATCHED_BY_SOURCE;
        else if (!lh__isword(p, 1, "target"))
            return lh__syntax_error(p), false;
        p->i += 2;
    }
    if (lh__isword(p, 0, "and") && ++p->i && !(c->cond = lh__parse_expr(p))) return false;
    if (!lh__isword(p, 0, "then")) return lh__syntax_error(p), false;
    p->i++;
    return action(p, c);
}

lh_ast_t *lh__parse_merge(lh__parser_t *p);
lh_ast_t *lh__parse_merge(lh__parser_t *p)
{
    lh_ast_t *n = lh__node(p, LH_AST_STMT_MERGE, lh__cur(p)->pos);
    if (!n) return NULL;
    p->i += 2; /* MERGE INTO */
    if (!(n->u.merge.target = lh__parse_from(p))) return NULL;
    if (n->u.merge.target->kind != LH_AST_TABLE_REF || !lh__isword(p, 0, "using"))
        return lh__syntax_error(p);
    p->i++;
    if (!(n->u.merge.source = lh__parse_from(p))) return NULL;
    if (!lh__isword(p, 0, "on")) return lh__syntax_error(p);
    p->i++;
    uint32_t start = lh__cur(p)->pos;
    if (!(n->u.merge.on = lh__parse_expr(p))) return NULL;
    n->u.merge.on_text = lh_arena_strndup(p->a, p->text + start, lh__end_of_prev(p) - start);
    if (!n->u.merge.on_text)
        return lh__fail(p, LH_ENOMEM, -1, "out of memory parsing the statement");
    lh__vec_t cl = {0};
    while (lh__isword(p, 0, "when")) {
        p->i++;
        lh_ast_merge_clause_t *c = lh__push(p, &cl, sizeof *c);
        if (!c || !clause(p, c)) return NULL;
    }
    if (!cl.n) return lh__syntax_error(p);
    n->u.merge.clauses = cl.items;
    n->u.merge.nclauses = cl.n;
    return n;
}

lh_ast_t *lh__parse_maint(lh__parser_t *p, lh_ast_t *n);
lh_ast_t *lh__parse_maint(lh__parser_t *p, lh_ast_t *n)
{
    if (n->kind == LH_AST_STMT_VACUUM) {
        if (lh__iskw(p, KW_ANALYZE)) p->i++;
        if (lh__is(p, TK_EOF) || lh__is(p, TK_SEMI)) return n;
    }
    if (!lh__parse_dotted(p, &n->u.maint.table)) return NULL;
    if (n->kind == LH_AST_STMT_OPTIMIZE) {
        if (lh__acceptkw(p, KW_WHERE) && !(n->u.maint.where = lh__parse_expr(p))) return NULL;
        return n;
    }
    if (lh__isword(p, 0, "retain")) {
        p->i++;
        if (!(n->u.maint.retain = lh__parse_expr_prec(p, LH__P_UNARY))) return NULL;
        if (!lh__isword(p, 0, "hours")) return lh__syntax_error(p);
        p->i++;
    }
    if (lh__isword(p, 0, "dry") && lh__isword(p, 1, "run")) {
        p->i += 2;
        n->u.maint.dry_run = true;
    }
    return n;
}
