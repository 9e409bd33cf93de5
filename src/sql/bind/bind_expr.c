/* Binding expressions: literals get their DuckDB types (integer literals
 * INTEGER/BIGINT/HUGEINT, decimals DECIMAL(w,s), strings VARCHAR whose type
 * stays open until the context fixes it), column names resolve in the
 * scope, operators and functions go through the function registry, and the
 * SQL forms with their own rules (AND/OR/NOT, IS, BETWEEN, IN lists, CASE,
 * COALESCE, NULLIF, CAST) become the executor's own nodes. In a grouped
 * query, expressions resolve against the group keys and aggregates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/bind/bind_int.h"

static const lh_type_t T_BOOL = {.id = LH_TYPE_BOOLEAN};

/* ---- literals ---- */

static int bind_integer_literal(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    const char *s = n->u.lit.text;
    lh_int128_t v = 0;
    bool overflow = false;
    for (const char *p = s; *p; p++) {
        if (*p == '_' || overflow) continue;
        /* checked: a literal past HUGEINT becomes a DOUBLE (no wrap-around) */
        if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, *p - '0', &v))
            overflow = true;
    }
    lh_value_t val;
    if (overflow) {
        double d = strtod(s, NULL);
        val = lh_value_double(d);
    } else if (v <= INT32_MAX) {
        val = lh_value_int(LH_TYPE_INTEGER, (int64_t)v);
    } else if (v <= INT64_MAX) {
        val = lh_value_int(LH_TYPE_BIGINT, (int64_t)v);
    } else {
        val = lh_value_hugeint(v);
    }
    *out = lh_bx_const(c->env->arena, &val, n->pos);
    if (!*out) return LH_ENOMEM;
    if (!overflow) (*out)->lit = LH_SQL_ARG_INTEGER_LITERAL;
    return 0;
}

static int bind_decimal_literal(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    const char *s = n->u.lit.text;
    int digits = 0, scale = 0;
    bool after = false;
    lh_int128_t v = 0;
    bool overflow = false;
    for (const char *p = s; *p; p++) {
        if (*p == '.') {
            after = true;
            continue;
        }
        if (*p < '0' || *p > '9') continue;
        digits++; /* DuckDB: every digit written counts, 0.001 is DECIMAL(4,3) */
        if (after) scale++;
        if (digits > 38)
            overflow = true;
        else
            v = v * 10 + (*p - '0');
    }
    lh_value_t val;
    int width = digits > scale ? digits : scale;
    if (width < 1) width = 1;
    if (overflow)
        val = lh_value_double(strtod(s, NULL));
    else
        val = lh_value_decimal(width, scale, v);
    *out = lh_bx_const(c->env->arena, &val, n->pos);
    return *out ? 0 : LH_ENOMEM;
}

static int bind_literal(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    lh_value_t v;
    uint8_t lit = 0;
    switch ((lh_ast_lit_kind_t)n->u.lit.kind) {
    case LH_LIT_NULL:
        v = lh_value_null(lh_type(LH_TYPE_INTEGER));
        lit = LH_SQL_ARG_NULL_LITERAL;
        break;
    case LH_LIT_BOOL:
        v = lh_value_bool(n->u.lit.b);
        break;
    case LH_LIT_INTEGER:
        return bind_integer_literal(c, n, out);
    case LH_LIT_DECIMAL:
        return bind_decimal_literal(c, n, out);
    case LH_LIT_FLOAT:
        v = lh_value_double(strtod(n->u.lit.text, NULL));
        break;
    case LH_LIT_STRING:
        v = lh_value_varchar(n->u.lit.text, n->u.lit.len);
        lit = LH_SQL_ARG_STRING_LITERAL;
        break;
    case LH_LIT_BLOB:
        v = lh_value_blob(n->u.lit.text, n->u.lit.len);
        break;
    default:
        return LH_BIND_ERR(c, LH_SQL_EINTERNAL, n->pos, "unknown literal");
    }
    *out = lh_bx_const(c->env->arena, &v, n->pos);
    if (!*out) return LH_ENOMEM;
    (*out)->lit = lit;
    return 0;
}

/* ---- columns ---- */

static int resolve_column(lh_bctx_t *c, lh_bscope_t *sc, const lh_ast_t *n, lh_bexpr_t **out)
{
    const lh_ast_name_t *nm = &n->u.column.name;
    const char *col = nm->parts[nm->n - 1];
    const char *qual = nm->n >= 2 ? nm->parts[nm->n - 2] : NULL;
    int64_t found = -1;
    for (uint32_t i = 0; i < sc->n; i++) {
        if (strcasecmp(sc->cols[i].name, col)) continue;
        if (qual && (!sc->cols[i].qual || strcasecmp(sc->cols[i].qual, qual))) continue;
        if (!qual && sc->cols[i].hidden) continue;
        if (found >= 0)
            return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos,
                               "Ambiguous reference to column name \"%s\" (use: \"%s.%s\" or "
                               "\"%s.%s\")",
                               col, sc->cols[found].qual ? sc->cols[found].qual : "?", col,
                               sc->cols[i].qual ? sc->cols[i].qual : "?", col);
        found = i;
    }
    if (found < 0 && c->env->outer && sc != c->env->outer->scope) {
        lh_bctx_t oc = *c;
        struct lh_bouter *saved = c->env->outer;
        c->env->outer = saved->next; /* a column two levels out is refused below */
        lh_bexpr_t *o = NULL;
        lh_sql_error_t keep = *c->env->err;
        int orc = resolve_column(&oc, saved->scope, n, &o);
        c->env->outer = saved;
        if (!orc) {
            if (o->outer)
                return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, n->pos,
                                   "subqueries correlated over more than one level are not "
                                   "supported yet");
            o->outer = 1;
            c->env->nouter_refs++;
            *out = o;
            return 0;
        }
        *c->env->err = keep;
    }
    if (found < 0) {
        if (qual && nm->n == 2) {
            /* DuckDB's two messages: a known table without the column, an unknown table */
            for (uint32_t i = 0; i < sc->n; i++)
                if (sc->cols[i].qual && !strcasecmp(sc->cols[i].qual, qual))
                    return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos,
                                       "Table \"%s\" does not have a column named \"%s\"", qual,
                                       col);
            return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos, "Referenced table \"%s\" not found!", qual);
        }
        if (qual)
            return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos,
                               "Referenced column \"%s\" not found in FROM clause!", col);
        return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos,
                           "Referenced column \"%s\" not found in FROM clause!%s%s", col,
                           sc->n ? " Candidate bindings: " : "", sc->n ? sc->cols[0].name : "");
    }
    *out = lh_bx_colref(c->env->arena, (uint32_t)found, &sc->cols[found].type);
    if (!*out) return LH_ENOMEM;
    (*out)->pos = n->pos;
    return 0;
}

/* ---- helpers shared by the other binder files ---- */

void lh__bind_arg(const lh_bexpr_t *e, lh_sql_arg_t *out)
{
    memset(out, 0, sizeof *out);
    out->type = e->type;
    out->flags = e->lit;
    if (e->kind == LH_BX_CONST) {
        out->flags |= LH_SQL_ARG_CONSTANT;
        out->value = e->u.c;
    }
}

int lh__bind_common(lh_bctx_t *c, const lh_bexpr_t *a, const lh_bexpr_t *b, int32_t pos,
                    lh_type_t *out)
{
    lh_sql_arg_t x, y;
    lh__bind_arg(a, &x);
    lh__bind_arg(b, &y);
    return lh_sql_common_type(c->env->arena, &x, &y, out, pos, c->env->err);
}

int lh__bind_fold(lh_bctx_t *c, lh_bexpr_t **e)
{
    if ((*e)->kind == LH_BX_CONST || !lh_bx_is_foldable(*e)) return 0;
    lh_value_t v;
    int rc = lh_expr_fold(c->env->fold, *e, c->env->arena, &v);
    if (rc) return rc;
    lh_bexpr_t *k = lh_bx_const(c->env->arena, &v, (*e)->pos);
    if (!k) return LH_ENOMEM;
    k->type = (*e)->type;
    k->u.c.type = (*e)->type;
    *e = k;
    return 0;
}

int lh__bind_cast_to(lh_bctx_t *c, lh_bexpr_t *e, const lh_type_t *t, bool try_cast, int32_t pos,
                     lh_bexpr_t **out)
{
    if (lh_type_equal(&e->type, t) && !try_cast) {
        *out = e;
        return 0;
    }
    if (!lh_sql_cast_exists(&e->type, t) && !(e->lit & LH_SQL_ARG_NULL_LITERAL)) {
        char a[128], b[128];
        lh_type_format(&e->type, a, sizeof a);
        lh_type_format(t, b, sizeof b);
        return LH_BIND_ERR(c, LH_SQL_ECONVERT, pos, "Unimplemented type for cast (%s -> %s)", a, b);
    }
    if (e->kind == LH_BX_CONST) {
        lh_value_t v;
        lh_sql_error_t keep = *c->env->err;
        int rc = lh_sql_cast_value(&e->u.c, t, try_cast, c->env->arena, &v, pos, c->env->err);
        if (rc && rc != LH_ENOMEM && c->env->err->cls == LH_SQL_ECONVERT) {
            /* as DuckDB: a constant that does not convert fails only when evaluated
               (CASE WHEN true THEN 1 ELSE 'x' END is 1) */
            *c->env->err = keep;
            *out = lh_bx_cast(c->env->arena, e, t, try_cast, pos);
            return *out ? 0 : LH_ENOMEM;
        }
        if (rc) return rc;
        if (v.is_null) v.type = *t;
        *out = lh_bx_const(c->env->arena, &v, e->pos);
        return *out ? 0 : LH_ENOMEM;
    }
    *out = lh_bx_cast(c->env->arena, e, t, try_cast, pos);
    return *out ? 0 : LH_ENOMEM;
}

int lh__bind_call(lh_bctx_t *c, const char *name, lh_bexpr_t **args, uint32_t nargs, int32_t pos,
                  lh_bexpr_t **out)
{
    const lh_sql_func_def_t *def = lh_sql_func_lookup(name);
    if (!def)
        return LH_BIND_ERR(c, LH_SQL_ECATALOG, pos, "Scalar Function with name %s does not exist!",
                           name);
    if (def->kind != LH_SQL_FUNC_SCALAR)
        return LH_BIND_ERR(c, LH_SQL_EBIND, pos, "function %s is not a scalar function here", name);
    lh_arena_t *a = c->env->arena;
    lh_sql_arg_t *av = lh_arena_calloc(a, (nargs + 1) * sizeof *av);
    lh_type_t *cast_to = lh_arena_calloc(a, (nargs + 1) * sizeof *cast_to);
    if (!av || !cast_to) return LH_ENOMEM;
    for (uint32_t i = 0; i < nargs; i++) {
        lh__bind_arg(args[i], &av[i]);
        cast_to[i] = args[i]->type;
    }
    lh_sql_bind_call_t call = {
        .name = name, .args = av, .nargs = nargs, .arena = a, .pos = pos, .cast_to = cast_to};
    int rc = lh_sql_func_bind(def, &call, c->env->err);
    if (rc) return rc;
    for (uint32_t i = 0; i < nargs; i++) {
        rc = lh__bind_cast_to(c, args[i], &cast_to[i], false, args[i]->pos, &args[i]);
        if (rc) return rc;
    }
    *out = lh_bx_func(a, def, &call, args, nargs);
    if (!*out) return LH_ENOMEM;
    return lh__bind_fold(c, out);
}

int lh__bind_bool(lh_bctx_t *c, const lh_ast_t *n, const char *clause, lh_bexpr_t **out)
{
    lh_bexpr_t *e;
    int rc = lh__bind_expr(c, n, &e);
    if (rc) return rc;
    if (e->type.id == LH_TYPE_BOOLEAN) {
        *out = e;
        return 0;
    }
    return lh__bind_cast_to(c, e, &T_BOOL, false, n->pos, out);
}

/* ---- structural equality (group keys) ---- */

/* ---- the expression forms ---- */

static const char *op_func_name(lh_ast_op_t op)
{
    switch (op) {
    case LH_OP_ADD:
        return "+";
    case LH_OP_SUB:
        return "-";
    case LH_OP_MUL:
        return "*";
    case LH_OP_DIV:
        return "/";
    case LH_OP_INTDIV:
        return "//";
    case LH_OP_MOD:
        return "%";
    case LH_OP_POW:
        return "^";
    case LH_OP_CONCAT:
        return "||";
    case LH_OP_BITAND:
        return "&";
    case LH_OP_BITOR:
        return "|";
    case LH_OP_BITXOR:
        return "xor";
    case LH_OP_SHL:
        return "<<";
    case LH_OP_SHR:
        return ">>";
    case LH_OP_EQ:
        return "=";
    case LH_OP_NE:
        return "<>";
    case LH_OP_LT:
        return "<";
    case LH_OP_LE:
        return "<=";
    case LH_OP_GT:
        return ">";
    case LH_OP_GE:
        return ">=";
    case LH_OP_ARROW:
        return "->";
    case LH_OP_ARROW_TEXT:
        return "->>";
    case LH_OP_REGEX:
        return "regexp_full_match";
    case LH_OP_NOT_REGEX:
        return "regexp_full_match";
    case LH_OP_REGEX_I:
        return "regexp_full_match";
    case LH_OP_NOT_REGEX_I:
        return "regexp_full_match";
    case LH_OP_LIKE:
        return "~~";
    case LH_OP_NOT_LIKE:
        return "!~~";
    case LH_OP_ILIKE:
        return "~~*";
    case LH_OP_NOT_ILIKE:
        return "!~~*";
    default:
        return NULL;
    }
}

static int make_not(lh_bctx_t *c, lh_bexpr_t *e, lh_bexpr_t **out)
{
    lh_bexpr_t *n = lh_bx_list(c->env->arena, LH_BX_NOT, &T_BOOL, 1, e->pos);
    if (!n) return LH_ENOMEM;
    n->u.list.items[0] = e;
    *out = n;
    return lh__bind_fold(c, out);
}

static int make_andor(lh_bctx_t *c, lh_bx_kind_t k, lh_bexpr_t *l, lh_bexpr_t *r, int32_t pos,
                      lh_bexpr_t **out)
{
    uint32_t nl = l->kind == k ? l->u.list.n : 1, nr = r->kind == k ? r->u.list.n : 1;
    lh_bexpr_t *e = lh_bx_list(c->env->arena, k, &T_BOOL, nl + nr, pos);
    if (!e) return LH_ENOMEM;
    for (uint32_t i = 0; i < nl; i++)
        e->u.list.items[i] = l->kind == k ? l->u.list.items[i] : l;
    for (uint32_t i = 0; i < nr; i++)
        e->u.list.items[nl + i] = r->kind == k ? r->u.list.items[i] : r;
    *out = e;
    return lh__bind_fold(c, out);
}

static int bind_cmp(lh_bctx_t *c, const char *op, lh_bexpr_t *a, lh_bexpr_t *b, int32_t pos,
                    lh_bexpr_t **out);
static void date_vs_midnight(lh_bctx_t *c, lh_bexpr_t **args);

static int make_distinct(lh_bctx_t *c, lh_bexpr_t *a, lh_bexpr_t *b, bool negated, int32_t pos,
                         lh_bexpr_t **out);

/* One field of a row comparison with DuckDB's STRUCT order: NULL is a value
 * above every other (never an unknown result). */
static int field_cmp(lh_bctx_t *c, const char *op, lh_bexpr_t *a, lh_bexpr_t *b, int32_t pos,
                     lh_bexpr_t **out)
{
    if (!strcmp(op, "=")) return make_distinct(c, a, b, true, pos, out);
    bool less = op[0] == '<', eq = op[1] == '=';
    lh_bexpr_t *cmp, *k = lh_bx_list(c->env->arena, LH_BX_CASE, &T_BOOL, 5, pos);
    lh_bexpr_t *an = lh_bx_list(c->env->arena, LH_BX_IS_NULL, &T_BOOL, 1, pos);
    lh_bexpr_t *bn = lh_bx_list(c->env->arena, LH_BX_IS_NULL, &T_BOOL, 1, pos);
    if (!k || !an || !bn) return LH_ENOMEM;
    int rc = bind_cmp(c, op, a, b, pos, &cmp);
    if (rc) return rc;
    an->u.list.items[0] = cmp->kind == LH_BX_FUNC ? cmp->u.func.args[0] : a;
    bn->u.list.items[0] = cmp->kind == LH_BX_FUNC ? cmp->u.func.args[1] : b;
    /* a NULL side is above the other: a NULL a makes a < b false and a > b true */
    lh_value_t t = lh_value_bool(true), f = lh_value_bool(false);
    bool a_null_result = !less, b_null_result = less;
    /* both NULL: equal */
    lh_bexpr_t *both = NULL;
    if ((rc = make_andor(c, LH_BX_AND, an, bn, pos, &both))) return rc;
    lh_value_t bothv = lh_value_bool(eq);
    lh_bexpr_t *v1 = lh_bx_const(c->env->arena, &bothv, pos);
    lh_bexpr_t *v2 = lh_bx_const(c->env->arena, a_null_result ? &t : &f, pos);
    lh_bexpr_t *v3 = lh_bx_const(c->env->arena, b_null_result ? &t : &f, pos);
    lh_bexpr_t *k3 = lh_bx_list(c->env->arena, LH_BX_CASE, &T_BOOL, 5, pos);
    if (!v1 || !v2 || !v3 || !k3) return LH_ENOMEM;
    k3->u.list.items[0] = an;
    k3->u.list.items[1] = v2;
    k3->u.list.items[2] = bn;
    k3->u.list.items[3] = v3;
    k3->u.list.items[4] = cmp;
    k->u.list.n = 3;
    k->u.list.items[0] = both;
    k->u.list.items[1] = v1;
    k->u.list.items[2] = k3;
    *out = k;
    return 0;
}

/* (a, b, ...) op (x, y, ...) with DuckDB's STRUCT semantics: = and <> field
 * by field with NULL equal to NULL, the orderings lexicographically with
 * NULL above every value. */
static int bind_row_cmp(lh_bctx_t *c, lh_ast_op_t op, const lh_ast_t *l, const lh_ast_t *r,
                        int32_t pos, lh_bexpr_t **out)
{
    uint32_t n = l->u.row.items.n;
    if (r->kind != LH_AST_ROW || r->u.row.items.n != n)
        return LH_BIND_ERR(c, LH_SQL_EBIND, pos,
                           "row values of different sizes cannot be compared");
    if (op != LH_OP_EQ && op != LH_OP_NE && op != LH_OP_LT && op != LH_OP_LE && op != LH_OP_GT &&
        op != LH_OP_GE)
        return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, pos, "this operator on row values is not supported");
    lh_bexpr_t **a = lh_arena_calloc(c->env->arena, (2 * n + 1) * sizeof *a), **b = a + n;
    if (!a) return LH_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        int rc = lh__bind_expr(c, l->u.row.items.items[i], &a[i]);
        if (!rc) rc = lh__bind_expr(c, r->u.row.items.items[i], &b[i]);
        if (rc) return rc;
    }
    lh_bexpr_t *acc = NULL;
    if (op == LH_OP_EQ || op == LH_OP_NE) {
        for (uint32_t i = 0; i < n; i++) {
            lh_bexpr_t *eq;
            int rc = field_cmp(c, "=", a[i], b[i], pos, &eq);
            if (!rc && acc) rc = make_andor(c, LH_BX_AND, acc, eq, pos, &eq);
            if (rc) return rc;
            acc = eq;
        }
        return op == LH_OP_NE ? make_not(c, acc, out) : (*out = acc, 0);
    }
    const char *strict = op == LH_OP_LT || op == LH_OP_LE ? "<" : ">";
    const char *last = op == LH_OP_LT ? "<" : op == LH_OP_LE ? "<=" : op == LH_OP_GT ? ">" : ">=";
    for (uint32_t i = n; i-- > 0;) { /* built from the last field up */
        lh_bexpr_t *cmp;
        int rc = field_cmp(c, i == n - 1 ? last : strict, a[i], b[i], pos, &cmp);
        if (rc) return rc;
        if (acc) {
            lh_bexpr_t *eq, *both;
            rc = field_cmp(c, "=", a[i], b[i], pos, &eq);
            if (!rc) rc = make_andor(c, LH_BX_AND, eq, acc, pos, &both);
            if (!rc) rc = make_andor(c, LH_BX_OR, cmp, both, pos, &cmp);
            if (rc) return rc;
        }
        acc = cmp;
    }
    *out = acc;
    return 0;
}

/* x COLLATE NOCASE (other collations compare as written) */
static bool is_nocase(const lh_ast_t *n)
{
    return n->kind == LH_AST_COLLATE && n->u.collate.collation &&
           !strcasecmp(n->u.collate.collation, "nocase");
}

static int bind_binary(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    lh_ast_op_t op = n->u.binary.op;
    if (n->u.binary.left->kind == LH_AST_ROW)
        return bind_row_cmp(c, op, n->u.binary.left, n->u.binary.right, n->pos, out);
    if (op == LH_OP_AND || op == LH_OP_OR) {
        lh_bexpr_t *l, *r;
        int rc = lh__bind_bool(c, n->u.binary.left, "AND", &l);
        if (!rc) rc = lh__bind_bool(c, n->u.binary.right, "AND", &r);
        if (rc) return rc;
        return make_andor(c, op == LH_OP_AND ? LH_BX_AND : LH_BX_OR, l, r, n->pos, out);
    }
    const char *fname = op_func_name(op);
    if (!fname)
        return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, n->pos, "operator %s is not supported",
                           lh_ast_op_name(op));
    lh_bexpr_t **args = lh_arena_alloc(c->env->arena, 2 * sizeof *args);
    if (!args) return LH_ENOMEM;
    int rc = lh__bind_expr(c, n->u.binary.left, &args[0]);
    if (!rc) rc = lh__bind_expr(c, n->u.binary.right, &args[1]);
    if (rc) return rc;
    if (op >= LH_OP_EQ && op <= LH_OP_GE &&
        (is_nocase(n->u.binary.left) || is_nocase(n->u.binary.right))) {
        /* COLLATE NOCASE on either side: both sides compare lower-cased */
        for (int i = 0; i < 2 && !rc; i++) {
            lh_bexpr_t **one = lh_arena_alloc(c->env->arena, sizeof *one);
            if (!one) return LH_ENOMEM;
            one[0] = args[i];
            rc = lh__bind_call(c, "lower", one, 1, args[i]->pos, &args[i]);
        }
        if (rc) return rc;
    }
    if (op == LH_OP_CONCAT) { /* DuckDB's || casts what is not text to VARCHAR */
        const lh_type_t vc = lh_type(LH_TYPE_VARCHAR);
        for (int i = 0; i < 2 && !rc; i++) {
            uint8_t id = args[i]->type.id;
            if (id != LH_TYPE_VARCHAR && id != LH_TYPE_BLOB && !lh_type_is_nested(&args[i]->type) &&
                !(args[i]->lit & (LH_SQL_ARG_STRING_LITERAL | LH_SQL_ARG_NULL_LITERAL)))
                rc = lh__bind_cast_to(c, args[i], &vc, false, args[i]->pos, &args[i]);
        }
        if (rc) return rc;
    }
    if (op >= LH_OP_EQ && op <= LH_OP_GE) date_vs_midnight(c, args);
    rc = lh__bind_call(c, fname, args, 2, n->pos, out);
    if (rc) return rc;
    if (op == LH_OP_NOT_REGEX || op == LH_OP_NOT_REGEX_I) return make_not(c, *out, out);
    return 0;
}

static int bind_unary(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    switch ((lh_ast_op_t)n->u.unary.op) {
    case LH_OP_NOT: {
        lh_bexpr_t *e;
        int rc = lh__bind_bool(c, n->u.unary.arg, "NOT", &e);
        return rc ? rc : make_not(c, e, out);
    }
    case LH_OP_PLUS:
        return lh__bind_expr(c, n->u.unary.arg, out);
    case LH_OP_NEG:
    case LH_OP_BITNOT: {
        lh_bexpr_t **args = lh_arena_alloc(c->env->arena, sizeof *args);
        if (!args) return LH_ENOMEM;
        int rc = lh__bind_expr(c, n->u.unary.arg, &args[0]);
        if (rc) return rc;
        return lh__bind_call(c, n->u.unary.op == LH_OP_NEG ? "-" : "~", args, 1, n->pos, out);
    }
    default:
        return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, n->pos, "unary operator not supported");
    }
}

/* date_col op TIMESTAMP 'x 00:00:00' compares the DATE with the DATE x:
 * the same answer as casting every row to TIMESTAMP (a cast date is its
 * midnight, and the cast keeps order), without the cast. TPC-H writes
 * `l_shipdate < date '1994-01-01' + interval '1' year`, a TIMESTAMP. */
static void date_vs_midnight(lh_bctx_t *c, lh_bexpr_t **args)
{
    const int64_t day = INT64_C(86400000000);
    for (int i = 0; i < 2; i++) {
        lh_bexpr_t *d = args[i], *k = args[1 - i];
        if (d->type.id != LH_TYPE_DATE || k->kind != LH_BX_CONST ||
            k->type.id != LH_TYPE_TIMESTAMP || k->u.c.is_null || k->u.c.v.i % day)
            continue;
        lh_value_t v = {.type = lh_type(LH_TYPE_DATE), .v.i = k->u.c.v.i / day};
        lh_bexpr_t *dk = lh_bx_const(c->env->arena, &v, k->pos);
        if (dk) args[1 - i] = dk; /* out of memory: the cast stays */
        return;
    }
}

static int bind_cmp(lh_bctx_t *c, const char *op, lh_bexpr_t *a, lh_bexpr_t *b, int32_t pos,
                    lh_bexpr_t **out)
{
    lh_bexpr_t **args = lh_arena_alloc(c->env->arena, 2 * sizeof *args);
    if (!args) return LH_ENOMEM;
    args[0] = a;
    args[1] = b;
    date_vs_midnight(c, args);
    return lh__bind_call(c, op, args, 2, pos, out);
}

static int bind_between(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    lh_bexpr_t *x, *lo, *hi, *l, *r;
    int rc = lh__bind_expr(c, n->u.between.arg, &x);
    if (!rc) rc = lh__bind_expr(c, n->u.between.low, &lo);
    if (!rc) rc = lh__bind_expr(c, n->u.between.high, &hi);
    if (!rc) rc = bind_cmp(c, ">=", x, lo, n->pos, &l);
    if (!rc) rc = bind_cmp(c, "<=", x, hi, n->pos, &r);
    if (!rc) rc = make_andor(c, LH_BX_AND, l, r, n->pos, out);
    if (!rc && n->u.between.negated) rc = make_not(c, *out, out);
    return rc;
}

static int bind_in(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    if (n->u.in.subquery) return lh__bind_subquery_expr(c, n, out);
    lh_bexpr_t *x, *acc = NULL;
    if (n->u.in.arg->kind == LH_AST_ROW) { /* (a, b) IN ((1, 2), (3, 4)) */
        for (uint32_t i = 0; i < n->u.in.list.n; i++) {
            lh_bexpr_t *eq;
            int rc = bind_row_cmp(c, LH_OP_EQ, n->u.in.arg, n->u.in.list.items[i], n->pos, &eq);
            if (!rc && acc) rc = make_andor(c, LH_BX_OR, acc, eq, n->pos, &eq);
            if (rc) return rc;
            acc = eq;
        }
        *out = acc;
        return n->u.in.negated ? make_not(c, acc, out) : 0;
    }
    int rc = lh__bind_expr(c, n->u.in.arg, &x);
    uint32_t nl = n->u.in.list.n;
    lh_bexpr_t **ks = lh_arena_alloc(c->env->arena, (nl + 2) * sizeof *ks);
    if (!rc && !ks) rc = LH_ENOMEM;
    bool once = !rc && x->kind != LH_BX_COLREF && x->kind != LH_BX_CONST && nl >= 2 &&
                nl < LH_SQL_MAX_ARGS; /* x IN (constants): x evaluated once */
    for (uint32_t i = 0; !rc && i < nl; i++) {
        lh_bexpr_t *v, *eq;
        rc = lh__bind_expr(c, n->u.in.list.items[i], &v);
        if (!rc) rc = bind_cmp(c, "=", x, v, n->u.in.list.items[i]->pos, &eq);
        if (rc) break;
        once = once && eq->kind == LH_BX_FUNC && eq->u.func.args[0] == x &&
               eq->u.func.args[1]->kind == LH_BX_CONST && !eq->u.func.args[1]->u.c.is_null &&
               lh_type_equal(&eq->u.func.args[1]->type, &x->type);
        if (once) ks[i + 1] = eq->u.func.args[1];
        if (acc)
            rc = make_andor(c, LH_BX_OR, acc, eq, n->pos, &acc);
        else
            acc = eq;
    }
    if (rc) return rc;
    if (once) {
        ks[0] = x;
        rc = lh__bind_call(c, "#in_list", ks, nl + 1, n->pos, &acc);
        if (rc) return rc;
    }
    *out = acc;
    return n->u.in.negated ? make_not(c, acc, out) : 0;
}

/* a IS [NOT] DISTINCT FROM b as {a, b, a = b}. */
static int make_distinct(lh_bctx_t *c, lh_bexpr_t *a, lh_bexpr_t *b, bool negated, int32_t pos,
                         lh_bexpr_t **out)
{
    lh_bexpr_t *eq;
    int rc = bind_cmp(c, "=", a, b, pos, &eq);
    if (rc) return rc;
    lh_bexpr_t *d = lh_bx_list(c->env->arena, LH_BX_DISTINCT, &T_BOOL, 3, pos);
    if (!d) return LH_ENOMEM;
    if (eq->kind == LH_BX_FUNC) {
        d->u.list.items[0] = eq->u.func.args[0];
        d->u.list.items[1] = eq->u.func.args[1];
    } else {
        d->u.list.items[0] = a;
        d->u.list.items[1] = b;
    }
    d->u.list.items[2] = eq;
    d->negated = negated;
    *out = d;
    return lh__bind_fold(c, out);
}

static int bind_is(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    lh_bexpr_t *x;
    int rc = lh__bind_expr(c, n->u.is.arg, &x);
    if (rc) return rc;
    bool neg = n->u.is.negated;
    switch ((lh_ast_is_kind_t)n->u.is.kind) {
    case LH_IS_NULL: {
        lh_bexpr_t *e =
            lh_bx_list(c->env->arena, neg ? LH_BX_IS_NOT_NULL : LH_BX_IS_NULL, &T_BOOL, 1, n->pos);
        if (!e) return LH_ENOMEM;
        e->u.list.items[0] = x;
        *out = e;
        return lh__bind_fold(c, out);
    }
    case LH_IS_TRUE:
    case LH_IS_FALSE: {
        lh_value_t v = lh_value_bool(n->u.is.kind == LH_IS_TRUE);
        lh_bexpr_t *k = lh_bx_const(c->env->arena, &v, n->pos);
        if (!k) return LH_ENOMEM;
        rc = lh__bind_cast_to(c, x, &T_BOOL, false, n->pos, &x);
        return rc ? rc : make_distinct(c, x, k, !neg, n->pos, out);
    }
    case LH_IS_DISTINCT: {
        lh_bexpr_t *y;
        rc = lh__bind_expr(c, n->u.is.rhs, &y);
        return rc ? rc : make_distinct(c, x, y, neg, n->pos, out);
    }
    }
    return LH_BIND_ERR(c, LH_SQL_EINTERNAL, n->pos, "unknown IS form");
}

static int bind_like(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    static const char *const names[][2] = {
        [LH_LIKE_LIKE] = {"~~", "!~~"},
        [LH_LIKE_ILIKE] = {"~~*", "!~~*"},
        [LH_LIKE_GLOB] = {"glob", "glob"},
        [LH_LIKE_SIMILAR] = {"regexp_full_match", "regexp_full_match"},
    };
    uint8_t k = n->u.like.kind;
    uint32_t nargs = n->u.like.escape ? 3 : 2;
    lh_bexpr_t **args = lh_arena_alloc(c->env->arena, 3 * sizeof *args);
    if (!args) return LH_ENOMEM;
    int rc = lh__bind_expr(c, n->u.like.arg, &args[0]);
    if (!rc) rc = lh__bind_expr(c, n->u.like.pattern, &args[1]);
    if (!rc && n->u.like.escape) rc = lh__bind_expr(c, n->u.like.escape, &args[2]);
    if (rc) return rc;
    const char *fname = n->u.like.escape ? (k == LH_LIKE_ILIKE ? "ilike_escape" : "like_escape")
                                         : names[k][n->u.like.negated];
    rc = lh__bind_call(c, fname, args, nargs, n->pos, out);
    if (rc) return rc;
    bool need_not = n->u.like.negated && (n->u.like.escape || k >= LH_LIKE_GLOB);
    return need_not ? make_not(c, *out, out) : 0;
}

/* The common type of a list of expressions, and each cast to it. */
int lh__bind_unify(lh_bctx_t *c, lh_bexpr_t **items, uint32_t n, int32_t pos, lh_type_t *out)
{
    lh_bexpr_t *acc = NULL;
    for (uint32_t i = 0; i < n; i++) {
        if (!items[i]) continue;
        if (!acc) {
            acc = items[i];
            continue;
        }
        lh_type_t t;
        int rc = lh__bind_common(c, acc, items[i], pos, &t);
        if (rc) return rc;
        /* the accumulated side keeps the literal note only while both are literals */
        lh_bexpr_t *tmp = lh_arena_calloc(c->env->arena, sizeof *tmp);
        if (!tmp) return LH_ENOMEM;
        tmp->kind = LH_BX_COLREF;
        tmp->type = t;
        tmp->lit = (acc->lit & items[i]->lit);
        acc = tmp;
    }
    *out = acc ? acc->type : lh_type(LH_TYPE_INTEGER);
    if (acc && acc->lit & LH_SQL_ARG_STRING_LITERAL) *out = lh_type(LH_TYPE_VARCHAR);
    for (uint32_t i = 0; i < n; i++) {
        if (!items[i]) continue;
        int rc = lh__bind_cast_to(c, items[i], out, false, items[i]->pos, &items[i]);
        if (rc) return rc;
    }
    return 0;
}

static int bind_case(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    uint32_t nw = n->u.kase.whens.n;
    lh_bexpr_t *e = lh_bx_list(c->env->arena, LH_BX_CASE, NULL, 2 * nw + 1, n->pos);
    if (!e) return LH_ENOMEM;
    lh_bexpr_t **it = e->u.list.items;
    lh_bexpr_t **res = lh_arena_calloc(c->env->arena, (nw + 1) * sizeof *res);
    if (!res) return LH_ENOMEM;
    lh_bexpr_t *operand = NULL;
    int rc = n->u.kase.operand ? lh__bind_expr(c, n->u.kase.operand, &operand) : 0;
    for (uint32_t i = 0; !rc && i < nw; i++) {
        const lh_ast_t *w = n->u.kase.whens.items[i];
        if (operand) {
            lh_bexpr_t *v;
            rc = lh__bind_expr(c, w, &v);
            if (!rc) rc = bind_cmp(c, "=", operand, v, w->pos, &it[2 * i]);
        } else
            rc = lh__bind_bool(c, w, "CASE", &it[2 * i]);
        if (!rc) rc = lh__bind_expr(c, n->u.kase.thens.items[i], &res[i]);
    }
    if (!rc && n->u.kase.else_expr) rc = lh__bind_expr(c, n->u.kase.else_expr, &res[nw]);
    if (rc) return rc;
    rc = lh__bind_unify(c, res, nw + 1, n->pos, &e->type);
    if (rc) return rc;
    for (uint32_t i = 0; i < nw; i++)
        it[2 * i + 1] = res[i];
    if (!res[nw]) {
        lh_value_t nv = lh_value_null(e->type);
        if (!(res[nw] = lh_bx_const(c->env->arena, &nv, n->pos))) return LH_ENOMEM;
    }
    it[2 * nw] = res[nw];
    *out = e;
    return lh__bind_fold(c, out);
}

static int bind_args(lh_bctx_t *c, const lh_ast_list_t *l, lh_bexpr_t ***out)
{
    *out = lh_arena_calloc(c->env->arena, (l->n + 1) * sizeof **out);
    if (!*out) return LH_ENOMEM;
    for (uint32_t i = 0; i < l->n; i++) {
        int rc = lh__bind_expr(c, l->items[i], &(*out)[i]);
        if (rc) return rc;
    }
    return 0;
}

static int bind_special_func(lh_bctx_t *c, const lh_ast_t *n, const char *name, lh_bexpr_t **out,
                             bool *handled)
{
    *handled = true;
    uint32_t na = n->u.func.args.n;
    lh_bexpr_t **args;
    if (!strcmp(name, "coalesce") || !strcmp(name, "ifnull")) {
        if (!na)
            return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos, "coalesce needs at least one argument");
        int rc = bind_args(c, &n->u.func.args, &args);
        lh_bexpr_t *e = rc ? NULL : lh_bx_list(c->env->arena, LH_BX_COALESCE, NULL, na, n->pos);
        if (rc) return rc;
        if (!e) return LH_ENOMEM;
        memcpy(e->u.list.items, args, na * sizeof *args);
        rc = lh__bind_unify(c, e->u.list.items, na, n->pos, &e->type);
        *out = e;
        return rc ? rc : lh__bind_fold(c, out);
    }
    if (!strcmp(name, "nullif") && na == 2) {
        int rc = bind_args(c, &n->u.func.args, &args);
        if (rc) return rc;
        lh_bexpr_t *eq, *e = lh_bx_list(c->env->arena, LH_BX_CASE, &args[0]->type, 3, n->pos);
        if (!e) return LH_ENOMEM;
        rc = bind_cmp(c, "=", args[0], args[1], n->pos, &eq);
        if (rc) return rc;
        lh_value_t nv = lh_value_null(args[0]->type);
        e->u.list.items[0] = eq;
        e->u.list.items[1] = lh_bx_const(c->env->arena, &nv, n->pos);
        e->u.list.items[2] = args[0];
        if (!e->u.list.items[1]) return LH_ENOMEM;
        *out = e;
        return lh__bind_fold(c, out);
    }
    if (!strcmp(name, "typeof") && na == 1) { /* the argument's type name, known now */
        int rc = bind_args(c, &n->u.func.args, &args);
        if (rc) return rc;
        char tn[256];
        lh_type_format(&args[0]->type, tn, sizeof tn);
        if (args[0]->lit & LH_SQL_ARG_NULL_LITERAL) snprintf(tn, sizeof tn, "\"NULL\"");
        const char *s = lh_arena_strdup(c->env->arena, tn);
        if (!s) return LH_ENOMEM;
        lh_value_t v = lh_value_varchar(s, strlen(s));
        *out = lh_bx_const(c->env->arena, &v, n->pos);
        return *out ? 0 : LH_ENOMEM;
    }
    if (!strcmp(name, "error") && na == 1) {
        int rc = bind_args(c, &n->u.func.args, &args);
        if (rc) return rc;
        const lh_type_t vc = lh_type(LH_TYPE_VARCHAR);
        lh_bexpr_t *e =
            lh_bx_list(c->env->arena, LH_BX_ERROR, &(lh_type_t){.id = LH_TYPE_INTEGER}, 1, n->pos);
        if (!e) return LH_ENOMEM;
        rc = lh__bind_cast_to(c, args[0], &vc, false, n->pos, &e->u.list.items[0]);
        e->lit = LH_SQL_ARG_NULL_LITERAL; /* error() fits anywhere a value does */
        *out = e;
        return rc;
    }
    *handled = false;
    return 0;
}

static int bind_aggregate(lh_bctx_t *c, const lh_ast_t *n, const lh_sql_func_def_t *def,
                          lh_bexpr_t **out);

static int bind_func(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    const lh_ast_name_t *nm = &n->u.func.name;
    const char *name = nm->parts[nm->n - 1];
    if (n->u.func.over) return lh__bind_window_call(c, n, out);
    bool handled;
    int rc = bind_special_func(c, n, name, out, &handled);
    if (rc || handled) return rc;
    const lh_sql_func_def_t *def = lh_sql_func_lookup(name);
    if (!def)
        return LH_BIND_ERR(c, LH_SQL_ECATALOG, n->pos,
                           "Scalar Function with name %s does not exist!", name);
    if (def->kind == LH_SQL_FUNC_AGGREGATE) return bind_aggregate(c, n, def, out);
    if (n->u.func.distinct || n->u.func.star || n->u.func.filter)
        return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos,
                           "DISTINCT, * and FILTER are only for aggregate functions (%s)", name);
    lh_bexpr_t **args;
    rc = bind_args(c, &n->u.func.args, &args);
    return rc ? rc : lh__bind_call(c, name, args, n->u.func.args.n, n->pos, out);
}

/* The ORDER BY inside an order-sensitive aggregate call: the block's input
 * order for its aggregates (a second, different one is not supported yet). */
static int bind_agg_order(lh_bctx_t *c, lh_bctx_t *sub, const lh_ast_t *n)
{
    const lh_ast_order_list_t *ob = &n->u.func.order_by;
    lh_plan_order_t *keys = lh_arena_calloc(c->env->arena, (ob->n + 1) * sizeof *keys);
    if (!keys) return LH_ENOMEM;
    for (uint32_t i = 0; i < ob->n; i++) {
        int rc = lh__bind_expr(sub, ob->items[i].expr, &keys[i].expr);
        if (rc) return rc;
        keys[i].desc = ob->items[i].desc;
        keys[i].nulls_first = ob->items[i].nulls_first == 1;
    }
    if (c->nagg_order) {
        bool same = c->nagg_order == ob->n;
        for (uint32_t i = 0; same && i < ob->n; i++)
            same = lh_bx_equal(c->agg_order[i].expr, keys[i].expr) &&
                   c->agg_order[i].desc == keys[i].desc &&
                   c->agg_order[i].nulls_first == keys[i].nulls_first;
        if (!same)
            return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, n->pos,
                               "aggregates with different ORDER BY clauses in one query are not "
                               "supported yet");
        return 0;
    }
    c->agg_order = keys;
    c->nagg_order = ob->n;
    return 0;
}

static int bind_aggregate(lh_bctx_t *c, const lh_ast_t *n, const lh_sql_func_def_t *def,
                          lh_bexpr_t **out)
{
    if (!c->agg_mode || c->in_agg_args)
        return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos,
                           c->in_agg_args ? "aggregate function calls cannot be nested"
                                          : "aggregate function %s is not allowed here",
                           def->name);
    lh_bctx_t sub = *c;
    sub.agg_mode = false;
    sub.in_agg_args = true;
    sub.scope = c->agg_input;
    uint32_t na = n->u.func.star ? 0 : n->u.func.args.n;
    const lh_ast_list_t *arg_list = &n->u.func.args;
    bool tuples = false; /* count(DISTINCT (a, b, c)): distinct tuples, NULL fields included */
    if (na == 1 && arg_list->items[0]->kind == LH_AST_ROW && !strcmp(def->name, "count") &&
        n->u.func.distinct) {
        arg_list = &arg_list->items[0]->u.row.items;
        na = arg_list->n;
        tuples = true;
        def = lh_sql_func_lookup("count_star");
        if (!def) return LH_ENOMEM;
    }
    lh_bexpr_t **args = lh_arena_calloc(c->env->arena, (na + 1) * sizeof *args);
    lh_sql_arg_t *av = lh_arena_calloc(c->env->arena, (na + 1) * sizeof *av);
    lh_type_t *cast_to = lh_arena_calloc(c->env->arena, (na + 1) * sizeof *cast_to);
    if (!args || !av || !cast_to) return LH_ENOMEM;
    int rc = 0;
    for (uint32_t i = 0; i < na && !rc; i++) {
        rc = lh__bind_expr(&sub, arg_list->items[i], &args[i]);
        if (!rc) {
            lh__bind_arg(args[i], &av[i]);
            cast_to[i] = args[i]->type;
        }
    }
    lh_bexpr_t *filter = NULL;
    if (!rc && n->u.func.filter) rc = lh__bind_bool(&sub, n->u.func.filter, "FILTER", &filter);
    if (rc) return rc;
    lh_sql_bind_call_t call = {.name = def->name,
                               .args = av,
                               .nargs = tuples ? 0 : na, /* count_star: the tuple only dedupes */
                               .arena = c->env->arena,
                               .pos = n->pos,
                               .cast_to = cast_to};
    rc = lh_sql_func_bind(def, &call, c->env->err);
    for (uint32_t i = 0; !rc && i < na && !tuples; i++)
        rc = lh__bind_cast_to(&sub, args[i], &cast_to[i], false, args[i]->pos, &args[i]);
    if (!rc && n->u.func.order_by.n && call.agg && call.agg->order_sensitive)
        rc = bind_agg_order(c, &sub, n); /* others ignore the order, as in DuckDB */
    if (rc) return rc;
    if (c->naggs == c->cap_aggs) {
        uint32_t cap = c->cap_aggs ? c->cap_aggs * 2 : 8;
        lh_plan_agg_t *a = lh_arena_calloc(c->env->arena, cap * sizeof *a);
        if (!a) return LH_ENOMEM;
        if (c->naggs) memcpy(a, c->aggs, c->naggs * sizeof *a);
        c->aggs = a;
        c->cap_aggs = cap;
    }
    lh_plan_agg_t *ag = &c->aggs[c->naggs];
    *ag = (lh_plan_agg_t){.def = def,
                          .agg = call.agg,
                          .bind_data = call.bind_data,
                          .args = args,
                          .nargs = na,
                          .filter = filter,
                          .distinct = n->u.func.distinct,
                          .type = call.ret,
                          .pos = n->pos};
    /* the same aggregate written twice is computed once */
    for (uint32_t j = 0; j < c->naggs; j++) {
        const lh_plan_agg_t *o = &c->aggs[j];
        bool same = o->def == def && o->nargs == na && o->distinct == ag->distinct && !o->filter &&
                    !filter && lh_type_equal(&o->type, &ag->type);
        for (uint32_t i = 0; same && i < na; i++)
            same = lh_bx_equal(o->args[i], args[i]);
        if (same) {
            *out = lh_bx_colref(c->env->arena, c->ngroups + j, &o->type);
            return *out ? 0 : LH_ENOMEM;
        }
    }
    c->naggs++;
    *out = lh_bx_colref(c->env->arena, c->ngroups + c->naggs - 1, &call.ret);
    return *out ? 0 : LH_ENOMEM;
}

/* A type name that does not parse: DuckDB's messages for DECIMAL(w,s) out of
 * range, else an unknown type. */
static int type_error(lh_bctx_t *c, const char *tt, int32_t pos)
{
    int w = 0, sc = 0;
    if ((sscanf(tt, "DECIMAL(%d,%d)", &w, &sc) == 2 || sscanf(tt, "decimal(%d,%d)", &w, &sc) == 2 ||
         sscanf(tt, "NUMERIC(%d,%d)", &w, &sc) == 2 ||
         sscanf(tt, "numeric(%d,%d)", &w, &sc) == 2)) {
        if (w < 1 || w > 38)
            return LH_BIND_ERR(c, LH_SQL_EBIND, pos, "DECIMAL type width must be between 1 and 38");
        if (sc > w)
            return LH_BIND_ERR(c, LH_SQL_EBIND, pos,
                               "DECIMAL type scale cannot be greater than width");
    }
    return LH_BIND_ERR(c, LH_SQL_ECATALOG, pos, "Type with name %s does not exist!", tt);
}

static int bind_cast(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    lh_type_t t;
    lh_err_t terr = {0};
    const char *tt = n->u.cast.type_text;
    if (lh_type_parse(c->env->arena, tt, strlen(tt), &t, &terr))
        return type_error(c, tt, n->u.cast.type_pos);
    lh_bexpr_t *e;
    int rc = lh__bind_expr(c, n->u.cast.arg, &e);
    if (rc) return rc;
    if (n->u.cast.try_cast && lh_type_equal(&e->type, &t)) {
        *out = e;
        return 0;
    }
    rc = lh__bind_cast_to(c, e, &t, n->u.cast.try_cast, n->pos, out);
    if (rc || !(*out)->lit) return rc;
    lh_bexpr_t *typed =
        lh_arena_alloc(c->env->arena, sizeof *typed); /* an explicit type closes it */
    if (!typed) return LH_ENOMEM;
    *typed = **out;
    typed->lit = 0;
    *out = typed;
    return 0;
}

static int bind_interval(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    const lh_ast_t *v = n->u.interval.value;
    const lh_type_t ti = lh_type(LH_TYPE_INTERVAL);
    if (v->kind != LH_AST_LITERAL ||
        (v->u.lit.kind != LH_LIT_STRING && v->u.lit.kind != LH_LIT_INTEGER &&
         v->u.lit.kind != LH_LIT_DECIMAL) ||
        (v->u.lit.kind == LH_LIT_DECIMAL && n->u.interval.unit)) {
        /* INTERVAL (expr) unit: expr * INTERVAL 1 unit; without a unit, a cast */
        lh_bexpr_t *x;
        int rc = lh__bind_expr(c, v, &x);
        if (rc || !n->u.interval.unit)
            return rc ? rc : lh__bind_cast_to(c, x, &ti, false, n->pos, out);
        uint8_t xid = x->type.id;
        if (xid == LH_TYPE_DECIMAL || xid == LH_TYPE_FLOAT || xid == LH_TYPE_DOUBLE) {
            lh_bexpr_t **ta = lh_arena_calloc(c->env->arena, 2 * sizeof *ta);
            if (!ta) return LH_ENOMEM;
            ta[0] = x; /* whole units, truncated toward zero as DuckDB */
            if ((rc = lh__bind_call(c, "trunc", ta, 1, n->pos, &x))) return rc;
        }
        const lh_type_t big = lh_type(LH_TYPE_BIGINT);
        if ((rc = lh__bind_cast_to(c, x, &big, false, n->pos, &x))) return rc;
        const char *one = lh_arena_printf(c->env->arena, "1 %s", n->u.interval.unit);
        if (!one) return LH_ENOMEM;
        lh_value_t s1 = lh_value_varchar(one, strlen(one)), iv1;
        rc = lh_sql_cast_value(&s1, &ti, false, c->env->arena, &iv1, n->pos, c->env->err);
        if (rc) return rc;
        lh_bexpr_t **args = lh_arena_calloc(c->env->arena, 3 * sizeof *args);
        if (!args || !(args[0] = lh_bx_const(c->env->arena, &iv1, n->pos))) return LH_ENOMEM;
        args[1] = x;
        return lh__bind_call(c, "*", args, 2, n->pos, out);
    }
    const char *text =
        lh_arena_printf(c->env->arena, "%s%s%s", v->u.lit.text, n->u.interval.unit ? " " : "",
                        n->u.interval.unit ? n->u.interval.unit : "");
    if (!text) return LH_ENOMEM;
    lh_value_t s = lh_value_varchar(text, strlen(text)), iv;
    int rc = lh_sql_cast_value(&s, &ti, false, c->env->arena, &iv, n->pos, c->env->err);
    if (rc) return rc;
    *out = lh_bx_const(c->env->arena, &iv, n->pos);
    return *out ? 0 : LH_ENOMEM;
}

/* s[i] and s[a:b] on text: DuckDB's 1-based character positions, both
 * slice ends included (array_extract / array_slice on VARCHAR). */
static int bind_subscript(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    lh_bexpr_t *x;
    int rc = lh__bind_expr(c, n->u.subscript.arg, &x);
    if (rc) return rc;
    if (x->type.id != LH_TYPE_VARCHAR)
        return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, n->pos,
                           "subscripts of this type are not supported yet");
    lh_bexpr_t **args = lh_arena_calloc(c->env->arena, 3 * sizeof *args);
    if (!args) return LH_ENOMEM;
    args[0] = x;
    lh_value_t one = lh_value_int(LH_TYPE_BIGINT, 1);
    if (n->u.subscript.index)
        rc = lh__bind_expr(c, n->u.subscript.index, &args[1]);
    else
        args[1] = lh_bx_const(c->env->arena, &one, n->pos);
    if (rc || !args[1]) return rc ? rc : LH_ENOMEM;
    if (!n->u.subscript.slice) { /* one character */
        args[2] = lh_bx_const(c->env->arena, &one, n->pos);
        return args[2] ? lh__bind_call(c, "substr", args, 3, n->pos, out) : LH_ENOMEM;
    }
    if (!n->u.subscript.slice_end) return lh__bind_call(c, "substr", args, 2, n->pos, out);
    lh_bexpr_t *end, *len, **d = lh_arena_calloc(c->env->arena, 2 * sizeof *d),
                           **p = lh_arena_calloc(c->env->arena, 2 * sizeof *p);
    if (!d || !p) return LH_ENOMEM;
    if ((rc = lh__bind_expr(c, n->u.subscript.slice_end, &end))) return rc;
    d[0] = end; /* length = end - start + 1 */
    d[1] = args[1];
    if ((rc = lh__bind_call(c, "-", d, 2, n->pos, &len))) return rc;
    p[0] = len;
    p[1] = lh_bx_const(c->env->arena, &one, n->pos);
    if (!p[1] || (rc = lh__bind_call(c, "+", p, 2, n->pos, &args[2]))) return rc ? rc : LH_ENOMEM;
    return lh__bind_call(c, "substr", args, 3, n->pos, out);
}

static int bind_param(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    lh_bparams_t *p = c->params;
    uint32_t idx;
    if (n->u.param.name) {
        uint32_t i = 0;
        while (i < p->nnames && strcmp(p->names[i], n->u.param.name))
            i++;
        if (i == p->nnames) {
            const char **nn = lh_arena_alloc(c->env->arena, (i + 1) * sizeof *nn);
            if (!nn) return LH_ENOMEM;
            if (i) memcpy(nn, p->names, i * sizeof *nn);
            nn[i] = n->u.param.name;
            p->names = nn;
            p->nnames++;
        }
        idx = i;
    } else
        idx = n->u.param.index - 1;
    if (idx + 1 > p->max_index) p->max_index = idx + 1;
    if (c->env->param_value) { /* the value is known: a constant, like a literal written there */
        lh_value_t v;
        if (c->env->param_value(c->env->param_ctx, idx, n->u.param.name, &v)) {
            if (n->u.param.name)
                return LH_BIND_ERR(c, LH_SQL_EINPUT, n->pos, "parameter $%s has no value",
                                   n->u.param.name);
            return LH_BIND_ERR(c, LH_SQL_EINPUT, n->pos, "parameter $%u has no value", idx + 1);
        }
        *out = lh_bx_const(c->env->arena, &v, n->pos);
        if (!*out) return LH_ENOMEM;
        if (!v.is_null && v.type.id == LH_TYPE_VARCHAR) (*out)->lit = LH_SQL_ARG_STRING_LITERAL;
        if (v.is_null) (*out)->lit = LH_SQL_ARG_NULL_LITERAL;
        return 0;
    }
    const lh_type_t vc = lh_type(LH_TYPE_VARCHAR);
    lh_bexpr_t *e = lh_bx_list(c->env->arena, LH_BX_PARAM, &vc, 0, n->pos);
    if (!e) return LH_ENOMEM;
    e->kind = LH_BX_PARAM;
    e->u.param = idx;
    e->lit = LH_SQL_ARG_STRING_LITERAL;
    *out = e;
    return 0;
}

/* In a grouped query: an expression without aggregates must be a group key
 * (or built from group keys and constants). */
static int bind_grouped(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out, bool *done)
{
    *done = false;
    if (!c->agg_mode || c->in_agg_args || lh__ast_has_agg(n) || lh__ast_has_window(n)) return 0;
    lh_bctx_t sub = *c;
    sub.agg_mode = false;
    sub.scope = c->agg_input;
    lh_bexpr_t *e;
    int rc = lh__bind_expr(&sub, n, &e);
    if (rc) return rc;
    for (uint32_t i = 0; i < c->ngroups; i++)
        if (i + 1 != c->gid_slot && lh_bx_equal(e, c->groups[i])) {
            *out = lh_bx_colref(c->env->arena, i, &e->type);
            *done = true;
            return *out ? 0 : LH_ENOMEM;
        }
    if (e->kind == LH_BX_CONST || e->kind == LH_BX_PARAM) {
        *out = e;
        *done = true;
        return 0;
    }
    if (n->kind == LH_AST_COLUMN) {
        const lh_ast_name_t *nm = &n->u.column.name;
        return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos,
                           "column \"%s\" must appear in the GROUP BY clause or must be part of "
                           "an aggregate function.",
                           nm->parts[nm->n - 1]);
    }
    return 0; /* not a key as a whole: bind its parts against the keys */
}

int lh__bind_expr(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    if (lh__ast_is_grouping(n)) return lh__bind_grouping(c, n, out);
    bool done;
    int rc = bind_grouped(c, n, out, &done);
    if (rc || done) return rc;
    switch ((lh_ast_kind_t)n->kind) {
    case LH_AST_LITERAL:
        return bind_literal(c, n, out);
    case LH_AST_COLUMN:
        return resolve_column(c, c->scope, n, out);
    case LH_AST_PARAM:
        return bind_param(c, n, out);
    case LH_AST_UNARY:
        return bind_unary(c, n, out);
    case LH_AST_BINARY:
        return bind_binary(c, n, out);
    case LH_AST_FUNC:
        return bind_func(c, n, out);
    case LH_AST_CAST:
        return bind_cast(c, n, out);
    case LH_AST_CASE:
        return bind_case(c, n, out);
    case LH_AST_BETWEEN:
        return bind_between(c, n, out);
    case LH_AST_IN:
        return bind_in(c, n, out);
    case LH_AST_IS:
        return bind_is(c, n, out);
    case LH_AST_LIKE:
        return bind_like(c, n, out);
    case LH_AST_INTERVAL:
        return bind_interval(c, n, out);
    case LH_AST_SUBSCRIPT:
        return bind_subscript(c, n, out);
    case LH_AST_SUBQUERY:
    case LH_AST_EXISTS:
        return lh__bind_subquery_expr(c, n, out);
    case LH_AST_COLLATE:
        return lh__bind_expr(c, n->u.collate.arg, out);
    case LH_AST_STAR:
        return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos,
                           "* is only allowed in a select list or count(*)");
    default:
        return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, n->pos, "%s is not implemented yet",
                           lh_ast_kind_name((lh_ast_kind_t)n->kind));
    }
}
