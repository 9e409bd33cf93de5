/* The syntax tree as an S-expression (the form ast.h documents), and the
 * names of node kinds and operators. Tests assert whole trees with it, so
 * the form is stable: one "(head ...)" per node, optional fields only when
 * present, identifiers bare when they are lower-case words and "quoted"
 * otherwise, strings and type texts in single quotes. */
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "sql/parser/ast.h"
#include "sql/parser/dump_int.h"

static const char *const kind_names[] = {
    [LH_AST_LITERAL] = "LITERAL",
    [LH_AST_COLUMN] = "COLUMN",
    [LH_AST_STAR] = "STAR",
    [LH_AST_PARAM] = "PARAM",
    [LH_AST_UNARY] = "UNARY",
    [LH_AST_BINARY] = "BINARY",
    [LH_AST_FUNC] = "FUNC",
    [LH_AST_CAST] = "CAST",
    [LH_AST_CASE] = "CASE",
    [LH_AST_BETWEEN] = "BETWEEN",
    [LH_AST_IN] = "IN",
    [LH_AST_EXISTS] = "EXISTS",
    [LH_AST_SUBQUERY] = "SUBQUERY",
    [LH_AST_IS] = "IS",
    [LH_AST_LIKE] = "LIKE",
    [LH_AST_ROW] = "ROW",
    [LH_AST_INTERVAL] = "INTERVAL",
    [LH_AST_SUBSCRIPT] = "SUBSCRIPT",
    [LH_AST_ARRAY] = "ARRAY",
    [LH_AST_COLLATE] = "COLLATE",
    [LH_AST_WINDOW_REF] = "WINDOW_REF",
    [LH_AST_SELECT] = "SELECT",
    [LH_AST_SETOP] = "SETOP",
    [LH_AST_VALUES] = "VALUES",
    [LH_AST_TABLE_REF] = "TABLE_REF",
    [LH_AST_TABLE_FUNC] = "TABLE_FUNC",
    [LH_AST_SUBQUERY_REF] = "SUBQUERY_REF",
    [LH_AST_JOIN] = "JOIN",
    [LH_AST_STMT_QUERY] = "QUERY",
    [LH_AST_STMT_CREATE_TABLE] = "CREATE TABLE",
    [LH_AST_STMT_CREATE_VIEW] = "CREATE VIEW",
    [LH_AST_STMT_CREATE_SCHEMA] = "CREATE SCHEMA",
    [LH_AST_STMT_DROP] = "DROP",
    [LH_AST_STMT_INSERT] = "INSERT",
    [LH_AST_STMT_DELETE] = "DELETE",
    [LH_AST_STMT_UPDATE] = "UPDATE",
    [LH_AST_STMT_SET] = "SET",
    [LH_AST_STMT_SHOW] = "SHOW",
    [LH_AST_STMT_EXPLAIN] = "EXPLAIN",
    [LH_AST_STMT_COPY] = "COPY",
    [LH_AST_STMT_TRANSACTION] = "TRANSACTION",
    [LH_AST_STMT_ALTER_ADD] = "ALTER TABLE",
    [LH_AST_STMT_MERGE] = "MERGE",
    [LH_AST_STMT_OPTIMIZE] = "OPTIMIZE",
    [LH_AST_STMT_VACUUM] = "VACUUM",
};

static const char *const op_names[] = {
    [LH_OP_NONE] = "?",       [LH_OP_NEG] = "-",
    [LH_OP_PLUS] = "+",       [LH_OP_NOT] = "NOT",
    [LH_OP_BITNOT] = "~",     [LH_OP_ADD] = "+",
    [LH_OP_SUB] = "-",        [LH_OP_MUL] = "*",
    [LH_OP_DIV] = "/",        [LH_OP_INTDIV] = "//",
    [LH_OP_MOD] = "%",        [LH_OP_POW] = "^",
    [LH_OP_CONCAT] = "||",    [LH_OP_BITAND] = "&",
    [LH_OP_BITOR] = "|",      [LH_OP_BITXOR] = "#",
    [LH_OP_SHL] = "<<",       [LH_OP_SHR] = ">>",
    [LH_OP_EQ] = "=",         [LH_OP_NE] = "<>",
    [LH_OP_LT] = "<",         [LH_OP_LE] = "<=",
    [LH_OP_GT] = ">",         [LH_OP_GE] = ">=",
    [LH_OP_AND] = "AND",      [LH_OP_OR] = "OR",
    [LH_OP_ARROW] = "->",     [LH_OP_ARROW_TEXT] = "->>",
    [LH_OP_REGEX] = "~",      [LH_OP_REGEX_I] = "~*",
    [LH_OP_NOT_REGEX] = "!~", [LH_OP_NOT_REGEX_I] = "!~*",
    [LH_OP_LIKE] = "~~",      [LH_OP_NOT_LIKE] = "!~~",
    [LH_OP_ILIKE] = "~~*",    [LH_OP_NOT_ILIKE] = "!~~*",
};

const char *lh_ast_kind_name(lh_ast_kind_t k)
{
    if ((unsigned)k >= sizeof kind_names / sizeof kind_names[0] || !kind_names[k]) return "?";
    return kind_names[k];
}

const char *lh_ast_op_name(lh_ast_op_t op)
{
    if ((unsigned)op >= sizeof op_names / sizeof op_names[0] || !op_names[op]) return "?";
    return op_names[op];
}

static void dump(const lh_ast_t *n, lh_buf_t *b);

static void ident(lh_buf_t *b, const char *s)
{
    bool plain = s && *s && !(*s >= '0' && *s <= '9');
    for (const char *c = s; plain && *c; c++)
        plain = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '$';
    if (plain) {
        lh_buf_puts(b, s);
        return;
    }
    lh_buf_puts(b, "\"");
    for (const char *c = s ? s : ""; *c; c++) {
        if (*c == '"')
            lh_buf_puts(b, "\"\"");
        else
            lh_buf_append(b, c, 1);
    }
    lh_buf_puts(b, "\"");
}

static void name(lh_buf_t *b, const lh_ast_name_t *nm)
{
    for (uint32_t i = 0; i < nm->n; i++) {
        if (i) lh_buf_puts(b, ".");
        ident(b, nm->parts[i]);
    }
}

static void quoted(lh_buf_t *b, const char *s, size_t n)
{
    lh_buf_puts(b, "'");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\'')
            lh_buf_puts(b, "''");
        else if (c == '\\')
            lh_buf_puts(b, "\\\\");
        else if (c < 0x20 || c == 0x7f)
            lh_buf_printf(b, "\\x%02x", c);
        else
            lh_buf_append(b, &s[i], 1);
    }
    lh_buf_puts(b, "'");
}

static void names(lh_buf_t *b, const char *head, const char *const *v, uint32_t n)
{
    if (!n) return;
    lh_buf_printf(b, " (%s", head);
    for (uint32_t i = 0; i < n; i++) {
        lh_buf_puts(b, " ");
        ident(b, v[i]);
    }
    lh_buf_puts(b, ")");
}

static void list(lh_buf_t *b, const lh_ast_list_t *l)
{
    for (uint32_t i = 0; i < l->n; i++) {
        lh_buf_puts(b, " ");
        dump(l->items[i], b);
    }
}

static void sub(lh_buf_t *b, const char *head, const lh_ast_t *n)
{
    if (!n) return;
    lh_buf_printf(b, " (%s ", head);
    dump(n, b);
    lh_buf_puts(b, ")");
}

static void flag(lh_buf_t *b, bool on, const char *word)
{
    if (on) lh_buf_printf(b, " %s", word);
}

static void order_list(lh_buf_t *b, const lh_ast_order_list_t *o)
{
    if (!o->n) return;
    lh_buf_puts(b, " (order_by");
    for (uint32_t i = 0; i < o->n; i++) {
        lh_buf_printf(b, " (%s ", o->items[i].desc ? "desc" : "asc");
        dump(o->items[i].expr, b);
        if (o->items[i].nulls_first >= 0)
            lh_buf_puts(b, o->items[i].nulls_first ? " nulls_first" : " nulls_last");
        lh_buf_puts(b, ")");
    }
    lh_buf_puts(b, ")");
}

static void bound(lh_buf_t *b, const lh_ast_frame_bound_t *f)
{
    static const char *const w[] = {"none",        "unbounded_preceding", "preceding",
                                    "current_row", "following",           "unbounded_following"};
    if (f->kind == LH_BOUND_PRECEDING || f->kind == LH_BOUND_FOLLOWING) {
        lh_buf_printf(b, " (%s ", w[f->kind]);
        dump(f->offset, b);
        lh_buf_puts(b, ")");
    } else if (f->kind < 6) {
        lh_buf_printf(b, " %s", w[f->kind]);
    }
}

static void window(lh_buf_t *b, const lh_ast_window_t *w)
{
    lh_buf_puts(b, "(over");
    if (w->ref_name) {
        lh_buf_puts(b, " ");
        ident(b, w->ref_name);
    }
    if (w->partition_by.n) {
        lh_buf_puts(b, " (partition_by");
        list(b, &w->partition_by);
        lh_buf_puts(b, ")");
    }
    order_list(b, &w->order_by);
    if (w->frame_mode) {
        static const char *const modes[] = {"", "rows", "range", "groups"};
        lh_buf_printf(b, " (%s", modes[w->frame_mode & 3]);
        bound(b, &w->frame_start);
        if (w->frame_end.kind) bound(b, &w->frame_end);
        lh_buf_puts(b, ")");
    }
    lh_buf_puts(b, ")");
}

static void args(lh_buf_t *b, const lh_ast_list_t *l, const char *const *arg_names)
{
    for (uint32_t i = 0; i < l->n; i++) {
        lh_buf_puts(b, " ");
        if (arg_names && arg_names[i]) {
            lh_buf_puts(b, "(named ");
            ident(b, arg_names[i]);
            lh_buf_puts(b, " ");
        }
        dump(l->items[i], b);
        if (arg_names && arg_names[i]) lh_buf_puts(b, ")");
    }
}

static void literal(lh_buf_t *b, const lh_ast_t *n)
{
    static const char *const k[] = {"null",  "bool",   "integer", "decimal",
                                    "float", "string", "blob"};
    uint8_t kind = n->u.lit.kind;
    if (kind == LH_LIT_NULL) {
        lh_buf_puts(b, "(literal null)");
    } else if (kind == LH_LIT_BOOL) {
        lh_buf_puts(b, n->u.lit.b ? "(literal true)" : "(literal false)");
    } else if (kind == LH_LIT_STRING) {
        lh_buf_puts(b, "(literal string ");
        quoted(b, n->u.lit.text, n->u.lit.len);
        lh_buf_puts(b, ")");
    } else if (kind == LH_LIT_BLOB) {
        lh_buf_puts(b, "(literal blob '");
        for (size_t i = 0; i < n->u.lit.len; i++)
            lh_buf_printf(b, "%02X", (unsigned char)n->u.lit.text[i]);
        lh_buf_puts(b, "')");
    } else {
        lh_buf_printf(b, "(literal %s %s)", kind < 7 ? k[kind] : "?", n->u.lit.text);
    }
}

static void expr_node(const lh_ast_t *n, lh_buf_t *b)
{
    static const char *const is_words[] = {"null", "true", "false", "distinct_from"};
    static const char *const like_words[] = {"like", "ilike", "glob", "similar_to"};
    switch (n->kind) {
    case LH_AST_LITERAL:
        literal(b, n);
        break;
    case LH_AST_COLUMN:
        lh_buf_puts(b, "(column ");
        name(b, &n->u.column.name);
        lh_buf_puts(b, ")");
        break;
    case LH_AST_STAR:
        lh_buf_puts(b, "(star");
        if (n->u.star.qualifier) {
            lh_buf_puts(b, " ");
            ident(b, n->u.star.qualifier);
        }
        names(b, "exclude", n->u.star.exclude, n->u.star.nexclude);
        lh_buf_puts(b, ")");
        break;
    case LH_AST_PARAM:
        if (n->u.param.name) {
            lh_buf_puts(b, "(param $");
            ident(b, n->u.param.name);
            lh_buf_puts(b, ")");
        } else {
            lh_buf_printf(b, "(param $%u)", n->u.param.index);
        }
        break;
    case LH_AST_UNARY:
        lh_buf_printf(b, "(unary %s ", lh_ast_op_name(n->u.unary.op));
        dump(n->u.unary.arg, b);
        lh_buf_puts(b, ")");
        break;
    case LH_AST_BINARY:
        lh_buf_printf(b, "(binary %s ", lh_ast_op_name(n->u.binary.op));
        dump(n->u.binary.left, b);
        lh_buf_puts(b, " ");
        dump(n->u.binary.right, b);
        lh_buf_puts(b, ")");
        break;
    case LH_AST_FUNC:
        lh_buf_puts(b, "(func ");
        name(b, &n->u.func.name);
        flag(b, n->u.func.distinct, "distinct");
        flag(b, n->u.func.star, "*");
        args(b, &n->u.func.args, n->u.func.arg_names);
        order_list(b, &n->u.func.order_by);
        sub(b, "filter", n->u.func.filter);
        flag(b, n->u.func.ignore_nulls, "ignore_nulls");
        if (n->u.func.over) {
            lh_buf_puts(b, " ");
            window(b, n->u.func.over);
        }
        lh_buf_puts(b, ")");
        break;
    case LH_AST_CAST:
        lh_buf_puts(b, n->u.cast.try_cast ? "(try_cast " : "(cast ");
        dump(n->u.cast.arg, b);
        lh_buf_puts(b, " ");
        quoted(b, n->u.cast.type_text, strlen(n->u.cast.type_text));
        lh_buf_puts(b, ")");
        break;
    case LH_AST_CASE:
        lh_buf_puts(b, "(case");
        if (n->u.kase.operand) {
            lh_buf_puts(b, " ");
            dump(n->u.kase.operand, b);
        }
        for (uint32_t i = 0; i < n->u.kase.whens.n; i++) {
            lh_buf_puts(b, " (when ");
            dump(n->u.kase.whens.items[i], b);
            lh_buf_puts(b, " ");
            dump(n->u.kase.thens.items[i], b);
            lh_buf_puts(b, ")");
        }
        sub(b, "else", n->u.kase.else_expr);
        lh_buf_puts(b, ")");
        break;
    case LH_AST_BETWEEN:
        lh_buf_puts(b, n->u.between.negated ? "(not_between " : "(between ");
        dump(n->u.between.arg, b);
        lh_buf_puts(b, " ");
        dump(n->u.between.low, b);
        lh_buf_puts(b, " ");
        dump(n->u.between.high, b);
        lh_buf_puts(b, ")");
        break;
    case LH_AST_IN:
        if (n->u.in.quant_op)
            lh_buf_printf(b, "(%s %s ", lh_ast_op_name((lh_ast_op_t)n->u.in.quant_op),
                          n->u.in.quant_all ? "all" : "any");
        else
            lh_buf_puts(b, n->u.in.negated ? "(not_in " : "(in ");
        dump(n->u.in.arg, b);
        if (n->u.in.subquery) {
            lh_buf_puts(b, " ");
            dump(n->u.in.subquery, b);
        } else {
            lh_buf_puts(b, " (list");
            list(b, &n->u.in.list);
            lh_buf_puts(b, ")");
        }
        lh_buf_puts(b, ")");
        break;
    case LH_AST_EXISTS:
        lh_buf_puts(b, n->u.exists.negated ? "(not_exists " : "(exists ");
        dump(n->u.exists.subquery, b);
        lh_buf_puts(b, ")");
        break;
    case LH_AST_SUBQUERY:
        lh_buf_puts(b, "(subquery ");
        dump(n->u.subquery.query, b);
        lh_buf_puts(b, ")");
        break;
    case LH_AST_IS:
        lh_buf_printf(b, "(is_%s%s ", n->u.is.negated ? "not_" : "", is_words[n->u.is.kind & 3]);
        dump(n->u.is.arg, b);
        if (n->u.is.rhs) {
            lh_buf_puts(b, " ");
            dump(n->u.is.rhs, b);
        }
        lh_buf_puts(b, ")");
        break;
    case LH_AST_LIKE:
        lh_buf_printf(b, "(%s%s ", n->u.like.negated ? "not_" : "", like_words[n->u.like.kind & 3]);
        dump(n->u.like.arg, b);
        lh_buf_puts(b, " ");
        dump(n->u.like.pattern, b);
        sub(b, "escape", n->u.like.escape);
        lh_buf_puts(b, ")");
        break;
    case LH_AST_ROW:
        lh_buf_puts(b, "(row");
        list(b, &n->u.row.items);
        lh_buf_puts(b, ")");
        break;
    case LH_AST_INTERVAL:
        lh_buf_puts(b, "(interval ");
        dump(n->u.interval.value, b);
        if (n->u.interval.unit) lh_buf_printf(b, " %s", n->u.interval.unit);
        if (n->u.interval.unit_to) lh_buf_printf(b, " to %s", n->u.interval.unit_to);
        lh_buf_puts(b, ")");
        break;
    case LH_AST_SUBSCRIPT:
        lh_buf_puts(b, n->u.subscript.slice ? "(slice " : "(subscript ");
        dump(n->u.subscript.arg, b);
        lh_buf_puts(b, " ");
        dump(n->u.subscript.index, b);
        if (n->u.subscript.slice) {
            lh_buf_puts(b, " ");
            dump(n->u.subscript.slice_end, b);
        }
        lh_buf_puts(b, ")");
        break;
    case LH_AST_ARRAY:
        lh_buf_puts(b, "(array");
        list(b, &n->u.array.items);
        lh_buf_puts(b, ")");
        break;
    case LH_AST_COLLATE:
        lh_buf_puts(b, "(collate ");
        dump(n->u.collate.arg, b);
        lh_buf_puts(b, " ");
        ident(b, n->u.collate.collation);
        lh_buf_puts(b, ")");
        break;
    default:
        lh_buf_printf(b, "(%s)", lh_ast_kind_name((lh_ast_kind_t)n->kind));
        break;
    }
}

static void with_clause(lh_buf_t *b, const lh_ast_with_t *w)
{
    if (!w) return;
    lh_buf_puts(b, " (with");
    flag(b, w->recursive, "recursive");
    for (uint32_t i = 0; i < w->n; i++) {
        const lh_ast_cte_t *c = &w->ctes[i];
        lh_buf_puts(b, " (cte ");
        ident(b, c->name);
        names(b, "columns", c->columns, c->ncolumns);
        if (c->materialized >= 0)
            lh_buf_puts(b, c->materialized ? " materialized" : " not_materialized");
        lh_buf_puts(b, " ");
        dump(c->query, b);
        lh_buf_puts(b, ")");
    }
    lh_buf_puts(b, ")");
}

static void tail_end(lh_buf_t *b, const lh_ast_query_tail_t *t)
{
    order_list(b, &t->order_by);
    sub(b, "limit", t->limit);
    sub(b, "offset", t->offset);
}

static void grouping(lh_buf_t *b, const lh_ast_grouping_t *g)
{
    static const char *const heads[] = {"", "grouping_sets", "rollup", "cube"};
    lh_buf_puts(b, " ");
    if (g->kind == LH_GROUPING_EXPR) {
        dump(g->expr, b);
        return;
    }
    lh_buf_printf(b, "(%s", heads[g->kind & 3]);
    for (uint32_t i = 0; i < g->nsets; i++) {
        if (g->kind == LH_GROUPING_SETS) lh_buf_puts(b, " (set");
        list(b, &g->sets[i]);
        if (g->kind == LH_GROUPING_SETS) lh_buf_puts(b, ")");
    }
    lh_buf_puts(b, ")");
}

static void select_node(const lh_ast_t *n, lh_buf_t *b)
{
    lh_buf_puts(b, "(select");
    with_clause(b, n->u.select.tail.with);
    flag(b, n->u.select.distinct && !n->u.select.distinct_on.n, "distinct");
    if (n->u.select.distinct_on.n) {
        lh_buf_puts(b, " (distinct_on");
        list(b, &n->u.select.distinct_on);
        lh_buf_puts(b, ")");
    }
    lh_buf_puts(b, " (items");
    list(b, &n->u.select.items);
    lh_buf_puts(b, ")");
    sub(b, "from", n->u.select.from);
    sub(b, "where", n->u.select.where);
    if (n->u.select.group_kind == LH_GROUP_ALL) lh_buf_puts(b, " (group_by_all)");
    if (n->u.select.ngroup_by) {
        lh_buf_puts(b, " (group_by");
        for (uint32_t i = 0; i < n->u.select.ngroup_by; i++)
            grouping(b, &n->u.select.group_by[i]);
        lh_buf_puts(b, ")");
    }
    sub(b, "having", n->u.select.having);
    if (n->u.select.nwindows) {
        lh_buf_puts(b, " (window");
        for (uint32_t i = 0; i < n->u.select.nwindows; i++) {
            lh_buf_puts(b, " (");
            ident(b, n->u.select.windows[i].name);
            lh_buf_puts(b, " ");
            window(b, n->u.select.windows[i].window);
            lh_buf_puts(b, ")");
        }
        lh_buf_puts(b, ")");
    }
    sub(b, "qualify", n->u.select.qualify);
    tail_end(b, &n->u.select.tail);
    lh_buf_puts(b, ")");
}

static void query_node(const lh_ast_t *n, lh_buf_t *b)
{
    static const char *const setops[] = {"setop", "union", "intersect", "except"};
    if (n->kind == LH_AST_SELECT) {
        select_node(n, b);
    } else if (n->kind == LH_AST_SETOP) {
        lh_buf_printf(b, "(%s", setops[n->u.setop.op & 3]);
        flag(b, n->u.setop.all, "all");
        flag(b, n->u.setop.by_name, "by_name");
        with_clause(b, n->u.setop.tail.with);
        lh_buf_puts(b, " ");
        dump(n->u.setop.left, b);
        lh_buf_puts(b, " ");
        dump(n->u.setop.right, b);
        tail_end(b, &n->u.setop.tail);
        lh_buf_puts(b, ")");
    } else {
        lh_buf_puts(b, "(values");
        with_clause(b, n->u.values.tail.with);
        for (uint32_t i = 0; i < n->u.values.nrows; i++) {
            lh_buf_puts(b, " (row");
            list(b, &n->u.values.rows[i]);
            lh_buf_puts(b, ")");
        }
        tail_end(b, &n->u.values.tail);
        lh_buf_puts(b, ")");
    }
}

static void from_node(const lh_ast_t *n, lh_buf_t *b)
{
    static const char *const joins[] = {"inner", "left", "right", "full", "cross", "semi", "anti"};
    switch (n->kind) {
    case LH_AST_TABLE_REF:
        lh_buf_puts(b, "(table ");
        name(b, &n->u.table.name);
        names(b, "columns", n->u.table.col_aliases, n->u.table.ncol_aliases);
        sub(b, "at_version", n->u.table.at_version);
        sub(b, "at_timestamp", n->u.table.at_timestamp);
        break;
    case LH_AST_TABLE_FUNC:
        lh_buf_puts(b, "(table_func ");
        name(b, &n->u.table_func.name);
        args(b, &n->u.table_func.args, n->u.table_func.arg_names);
        names(b, "columns", n->u.table_func.col_aliases, n->u.table_func.ncol_aliases);
        break;
    case LH_AST_SUBQUERY_REF:
        lh_buf_puts(b, "(subquery_ref");
        flag(b, n->u.subquery_ref.lateral, "lateral");
        lh_buf_puts(b, " ");
        dump(n->u.subquery_ref.query, b);
        names(b, "columns", n->u.subquery_ref.col_aliases, n->u.subquery_ref.ncol_aliases);
        break;
    default:
        lh_buf_printf(b, "(join %s", joins[n->u.join.kind % 7]);
        flag(b, n->u.join.natural, "natural");
        lh_buf_puts(b, " ");
        dump(n->u.join.left, b);
        lh_buf_puts(b, " ");
        dump(n->u.join.right, b);
        sub(b, "on", n->u.join.on);
        names(b, "using", n->u.join.using_cols, n->u.join.nusing);
        break;
    }
    lh_buf_puts(b, ")");
}

static void dump(const lh_ast_t *n, lh_buf_t *b)
{
    if (!n) {
        lh_buf_puts(b, "nil");
        return;
    }
    if (n->alias) {
        lh_buf_puts(b, "(as ");
        ident(b, n->alias);
        lh_buf_puts(b, " ");
    }
    if (n->kind >= LH_AST_STMT_QUERY)
        lh__dump_stmt(n, b);
    else if (n->kind >= LH_AST_TABLE_REF)
        from_node(n, b);
    else if (n->kind >= LH_AST_SELECT)
        query_node(n, b);
    else
        expr_node(n, b);
    if (n->alias) lh_buf_puts(b, ")");
}

int lh_ast_dump(const lh_ast_t *n, lh_buf_t *buf)
{
    dump(n, buf);
    return lh_buf_err(buf);
}

/* ---- for dump_stmt.c ---- */
void lh__dump_ident(lh_buf_t *b, const char *s)
{
    ident(b, s);
}

void lh__dump_name(lh_buf_t *b, const lh_ast_name_t *nm)
{
    name(b, nm);
}

void lh__dump_quoted(lh_buf_t *b, const char *s, size_t n)
{
    quoted(b, s, n);
}

void lh__dump_names(lh_buf_t *b, const char *head, const char *const *v, uint32_t n)
{
    names(b, head, v, n);
}

void lh__dump_sub(lh_buf_t *b, const char *head, const lh_ast_t *n)
{
    sub(b, head, n);
}

void lh__dump_node(lh_buf_t *b, const lh_ast_t *n)
{
    dump(n, b);
}
