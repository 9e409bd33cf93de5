/* The name of a select-list column the user did not name, as DuckDB
 * derives it from the expression: a column keeps its name, count(*) is
 * count_star(), a call is f(args), an operator (a + b), a cast
 * CAST(x AS T), a literal its text. */
#include <string.h>

#include "core/buf.h"
#include "sql/bind/bind_int.h"

static void expr_name(lh_buf_t *b, const lh_ast_t *n, int depth);

static void list_name(lh_buf_t *b, const lh_ast_list_t *l, int depth)
{
    for (uint32_t i = 0; i < l->n; i++) {
        if (i) lh_buf_puts(b, ", ");
        expr_name(b, l->items[i], depth + 1);
    }
}

static void expr_name(lh_buf_t *b, const lh_ast_t *n, int depth)
{
    if (depth > 32) {
        lh_buf_puts(b, "...");
        return;
    }
    switch ((lh_ast_kind_t)n->kind) {
    case LH_AST_COLUMN:
        lh_buf_puts(b, n->u.column.name.parts[n->u.column.name.n - 1]);
        return;
    case LH_AST_LITERAL:
        switch ((lh_ast_lit_kind_t)n->u.lit.kind) {
        case LH_LIT_NULL:
            lh_buf_puts(b, "NULL");
            return;
        case LH_LIT_BOOL:
            lh_buf_puts(b, n->u.lit.b ? "true" : "false");
            return;
        case LH_LIT_STRING:
            lh_buf_puts(b, "'");
            lh_buf_append(b, n->u.lit.text, n->u.lit.len);
            lh_buf_puts(b, "'");
            return;
        default:
            lh_buf_puts(b, n->u.lit.text ? n->u.lit.text : "?");
            return;
        }
    case LH_AST_FUNC: {
        const char *f = n->u.func.name.parts[n->u.func.name.n - 1];
        if (n->u.func.star) {
            lh_buf_printf(b, "%s_star()", f);
            return;
        }
        if (lh__ast_is_grouping(n)) f = "GROUPING"; /* DuckDB's name for both spellings */
        lh_buf_printf(b, "%s(%s", f, n->u.func.distinct ? "DISTINCT " : "");
        list_name(b, &n->u.func.args, depth);
        lh_buf_puts(b, ")");
        return;
    }
    case LH_AST_BINARY:
        lh_buf_puts(b, "(");
        expr_name(b, n->u.binary.left, depth + 1);
        lh_buf_printf(b, " %s ", lh_ast_op_name((lh_ast_op_t)n->u.binary.op));
        expr_name(b, n->u.binary.right, depth + 1);
        lh_buf_puts(b, ")");
        return;
    case LH_AST_UNARY:
        lh_buf_puts(b, n->u.unary.op == LH_OP_NOT ? "(NOT " : "(");
        if (n->u.unary.op == LH_OP_NEG) lh_buf_puts(b, "-");
        expr_name(b, n->u.unary.arg, depth + 1);
        lh_buf_puts(b, ")");
        return;
    case LH_AST_CAST:
        lh_buf_puts(b, n->u.cast.try_cast ? "TRY_CAST(" : "CAST(");
        expr_name(b, n->u.cast.arg, depth + 1);
        lh_buf_printf(b, " AS %s)", n->u.cast.type_text);
        return;
    case LH_AST_CASE:
        lh_buf_puts(b, "CASE ... END");
        return;
    default:
        lh_buf_puts(b, lh_ast_kind_name((lh_ast_kind_t)n->kind));
        return;
    }
}

const char *lh__bind_item_name(lh_arena_t *a, const lh_ast_t *n)
{
    if (n->alias) return n->alias;
    lh_buf_t b;
    lh_buf_init(&b, 4096);
    expr_name(&b, n, 0);
    const char *s = lh_buf_err(&b) ? "?" : lh_arena_strndup(a, b.ptr ? b.ptr : "", b.len);
    lh_buf_free(&b);
    return s;
}
