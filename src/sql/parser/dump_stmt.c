/* The S-expression dump of statements (ast.h documents the form). */
#include <string.h>

#include "sql/parser/dump_int.h"

static void sp_node(lh_buf_t *b, const lh_ast_t *n)
{
    lh_buf_puts(b, " ");
    lh__dump_node(b, n);
}

static void flag(lh_buf_t *b, bool on, const char *word)
{
    if (on) lh_buf_printf(b, " %s", word);
}

static void column_def(lh_buf_t *b, const lh_ast_column_def_t *c)
{
    lh_buf_puts(b, " (column ");
    lh__dump_ident(b, c->name);
    lh_buf_puts(b, " ");
    lh__dump_quoted(b, c->type_text, strlen(c->type_text));
    flag(b, c->not_null, "not_null");
    flag(b, c->primary_key, "primary_key");
    lh__dump_sub(b, "default", c->default_expr);
    lh_buf_puts(b, ")");
}

static void options(lh_buf_t *b, const lh_ast_option_t *o, uint32_t n)
{
    if (!n) return;
    lh_buf_puts(b, " (options");
    for (uint32_t i = 0; i < n; i++) {
        lh_buf_puts(b, " (");
        lh__dump_ident(b, o[i].name);
        if (o[i].value) sp_node(b, o[i].value);
        lh_buf_puts(b, ")");
    }
    lh_buf_puts(b, ")");
}

static void create_table(const lh_ast_t *n, lh_buf_t *b)
{
    lh_buf_puts(b, "(create_table ");
    lh__dump_name(b, &n->u.create_table.name);
    flag(b, n->u.create_table.temp, "temp");
    flag(b, n->u.create_table.or_replace, "or_replace");
    flag(b, n->u.create_table.if_not_exists, "if_not_exists");
    if (n->u.create_table.ncolumns) {
        lh_buf_puts(b, " (columns");
        for (uint32_t i = 0; i < n->u.create_table.ncolumns; i++)
            column_def(b, &n->u.create_table.columns[i]);
        lh_buf_puts(b, ")");
    }
    lh__dump_sub(b, "as", n->u.create_table.as_query);
    lh__dump_names(b, "partition_by", n->u.create_table.partition_by,
                   n->u.create_table.npartition_by);
    options(b, n->u.create_table.options, n->u.create_table.noptions);
}

static void create_view(const lh_ast_t *n, lh_buf_t *b)
{
    lh_buf_puts(b, "(create_view ");
    lh__dump_name(b, &n->u.create_view.name);
    flag(b, n->u.create_view.temp, "temp");
    flag(b, n->u.create_view.or_replace, "or_replace");
    flag(b, n->u.create_view.if_not_exists, "if_not_exists");
    lh__dump_names(b, "columns", n->u.create_view.col_aliases, n->u.create_view.ncol_aliases);
    sp_node(b, n->u.create_view.query);
    lh_buf_puts(b, " (text ");
    lh__dump_quoted(b, n->u.create_view.query_text, strlen(n->u.create_view.query_text));
    lh_buf_puts(b, ")");
}

static void set_stmt(const lh_ast_t *n, lh_buf_t *b)
{
    static const char *const scopes[] = {"", " session", " local", " global"};
    if (n->u.set.reset) {
        lh_buf_puts(b, "(reset ");
        lh__dump_ident(b, n->u.set.name);
        return;
    }
    lh_buf_printf(b, "(set%s ", scopes[n->u.set.scope & 3]);
    lh__dump_ident(b, n->u.set.name);
    if (n->u.set.value)
        sp_node(b, n->u.set.value);
    else
        lh_buf_puts(b, " default");
}

static void show_stmt(const lh_ast_t *n, lh_buf_t *b)
{
    switch (n->u.show.what) {
    case 1:
        lh_buf_puts(b, "(show ");
        lh__dump_ident(b, n->u.show.name);
        break;
    case 2:
        lh_buf_puts(b, "(show_tables");
        if (n->u.show.table.n) {
            lh_buf_puts(b, " ");
            lh__dump_name(b, &n->u.show.table);
        }
        break;
    case 3:
        lh_buf_puts(b, "(describe");
        if (n->u.show.query) {
            sp_node(b, n->u.show.query);
        } else {
            lh_buf_puts(b, " ");
            lh__dump_name(b, &n->u.show.table);
        }
        break;
    case 4:
        lh_buf_puts(b, "(show_all");
        break;
    case 5:
        lh_buf_puts(b, "(show_schemas");
        break;
    default:
        lh_buf_puts(b, "(show_all_tables");
        break;
    }
}

static void copy_stmt(const lh_ast_t *n, lh_buf_t *b)
{
    lh_buf_puts(b, "(copy");
    if (n->u.copy.query) {
        sp_node(b, n->u.copy.query);
    } else {
        lh_buf_puts(b, " ");
        lh__dump_name(b, &n->u.copy.table);
    }
    lh_buf_puts(b, n->u.copy.from ? " from " : " to ");
    lh__dump_quoted(b, n->u.copy.target, strlen(n->u.copy.target));
    options(b, n->u.copy.options, n->u.copy.noptions);
}

static void dml(const lh_ast_t *n, lh_buf_t *b)
{
    if (n->kind == LH_AST_STMT_INSERT) {
        lh_buf_puts(b, "(insert ");
        lh__dump_name(b, &n->u.insert.table);
        flag(b, n->u.insert.or_replace, "or_replace");
        lh__dump_names(b, "columns", n->u.insert.columns, n->u.insert.ncolumns);
        lh__dump_sub(b, "replace_where", n->u.insert.replace_where);
        sp_node(b, n->u.insert.query);
    } else if (n->kind == LH_AST_STMT_DELETE) {
        lh_buf_puts(b, "(delete ");
        lh__dump_name(b, &n->u.del.table);
        lh__dump_sub(b, "where", n->u.del.where);
    } else {
        lh_buf_puts(b, "(update ");
        lh__dump_name(b, &n->u.update.table);
        for (uint32_t i = 0; i < n->u.update.set_values.n; i++) {
            lh_buf_puts(b, " (set ");
            lh__dump_ident(b, n->u.update.set_columns[i]);
            sp_node(b, n->u.update.set_values.items[i]);
            lh_buf_puts(b, ")");
        }
        lh__dump_sub(b, "where", n->u.update.where);
    }
}

void lh__dump_stmt(const lh_ast_t *n, lh_buf_t *b)
{
    static const char *const drops[] = {"?", "table", "view", "schema"};
    static const char *const txns[] = {"?", "begin", "commit", "rollback"};
    switch (n->kind) {
    case LH_AST_STMT_QUERY:
        lh_buf_puts(b, "(query");
        sp_node(b, n->u.query.query);
        break;
    case LH_AST_STMT_CREATE_TABLE:
        create_table(n, b);
        break;
    case LH_AST_STMT_CREATE_VIEW:
        create_view(n, b);
        break;
    case LH_AST_STMT_CREATE_SCHEMA:
        lh_buf_puts(b, "(create_schema ");
        lh__dump_name(b, &n->u.create_schema.name);
        flag(b, n->u.create_schema.if_not_exists, "if_not_exists");
        break;
    case LH_AST_STMT_DROP:
        lh_buf_printf(b, "(drop %s ", drops[n->u.drop.what & 3]);
        lh__dump_name(b, &n->u.drop.name);
        flag(b, n->u.drop.if_exists, "if_exists");
        flag(b, n->u.drop.cascade, "cascade");
        break;
    case LH_AST_STMT_INSERT:
    case LH_AST_STMT_DELETE:
    case LH_AST_STMT_UPDATE:
        dml(n, b);
        break;
    case LH_AST_STMT_SET:
        set_stmt(n, b);
        break;
    case LH_AST_STMT_SHOW:
        show_stmt(n, b);
        break;
    case LH_AST_STMT_EXPLAIN:
        lh_buf_puts(b, "(explain");
        flag(b, n->u.explain.analyze, "analyze");
        sp_node(b, n->u.explain.stmt);
        break;
    case LH_AST_STMT_COPY:
        copy_stmt(n, b);
        break;
    case LH_AST_STMT_TRANSACTION:
        lh_buf_printf(b, "(%s", txns[n->u.txn.what & 3]);
        break;
    case LH_AST_STMT_ALTER_ADD:
        lh_buf_puts(b, "(alter_add ");
        lh__dump_name(b, &n->u.alter.table);
        flag(b, n->u.alter.if_not_exists, "if_not_exists");
        column_def(b, &n->u.alter.column);
        break;
    default:
        lh_buf_printf(b, "(%s", lh_ast_kind_name((lh_ast_kind_t)n->kind));
        break;
    }
    lh_buf_puts(b, ")");
}
