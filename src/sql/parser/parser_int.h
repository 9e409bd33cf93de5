/* The parser's own interface between its files: tokens and the lexer
 * (lexer.c, keywords.c), the parser state and its helpers (parse_util.c), and
 * the grammar entry points of each file (parse_expr.c, parse_func.c,
 * parse_select.c, parse_from.c, parse_stmt.c). Nothing here is public:
 * callers use ast.h.
 *
 * Error discipline: every parse function returns its node, or NULL after
 * setting p->rc and p->err (the first error wins; later ones are ignored). */
#ifndef LH_SQL_PARSER_INT_H
#define LH_SQL_PARSER_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "sql/error.h"
#include "sql/parser/ast.h"

/* ---- keywords: name, category (R reserved, T type/function name, C column
 * name, U unreserved), as in DuckDB's keyword list; alphabetical (bsearch) ---- */
/* clang-format off */
#define LH__KEYWORDS(X) \
    X(ALL, "all", R) \
    X(ALTER, "alter", U) \
    X(ANALYZE, "analyze", R) \
    X(AND, "and", R) \
    X(ANTI, "anti", T) \
    X(ANY, "any", R) \
    X(ARRAY, "array", R) \
    X(AS, "as", R) \
    X(ASC, "asc", R) \
    X(AT, "at", U) \
    X(BEGIN, "begin", U) \
    X(BETWEEN, "between", C) \
    X(BOTH, "both", R) \
    X(BY, "by", U) \
    X(CASCADE, "cascade", U) \
    X(CASE, "case", R) \
    X(CAST, "cast", R) \
    X(CHECK, "check", R) \
    X(COLLATE, "collate", R) \
    X(COLUMN, "column", R) \
    X(COMMIT, "commit", U) \
    X(CONSTRAINT, "constraint", R) \
    X(COPY, "copy", U) \
    X(CREATE, "create", R) \
    X(CROSS, "cross", T) \
    X(CUBE, "cube", U) \
    X(CURRENT, "current", U) \
    X(DEFAULT, "default", R) \
    X(DELETE, "delete", U) \
    X(DESC, "desc", R) \
    X(DESCRIBE, "describe", R) \
    X(DISTINCT, "distinct", R) \
    X(DO, "do", R) \
    X(DROP, "drop", U) \
    X(ELSE, "else", R) \
    X(END, "end", R) \
    X(ESCAPE, "escape", U) \
    X(EXCEPT, "except", R) \
    X(EXCLUDE, "exclude", U) \
    X(EXISTS, "exists", C) \
    X(EXPLAIN, "explain", U) \
    X(EXTRACT, "extract", C) \
    X(FALSE, "false", R) \
    X(FETCH, "fetch", R) \
    X(FILTER, "filter", U) \
    X(FIRST, "first", U) \
    X(FOLLOWING, "following", U) \
    X(FOR, "for", R) \
    X(FOREIGN, "foreign", R) \
    X(FROM, "from", R) \
    X(FULL, "full", T) \
    X(GLOB, "glob", T) \
    X(GRANT, "grant", R) \
    X(GROUP, "group", R) \
    X(GROUPING, "grouping", C) \
    X(GROUPS, "groups", U) \
    X(HAVING, "having", R) \
    X(IF, "if", U) \
    X(IGNORE, "ignore", U) \
    X(ILIKE, "ilike", T) \
    X(IN, "in", R) \
    X(INITIALLY, "initially", R) \
    X(INNER, "inner", T) \
    X(INSERT, "insert", U) \
    X(INTERSECT, "intersect", R) \
    X(INTERVAL, "interval", C) \
    X(INTO, "into", R) \
    X(IS, "is", T) \
    X(ISNULL, "isnull", T) \
    X(JOIN, "join", T) \
    X(KEY, "key", U) \
    X(LAST, "last", U) \
    X(LATERAL, "lateral", R) \
    X(LEADING, "leading", R) \
    X(LEFT, "left", T) \
    X(LIKE, "like", T) \
    X(LIMIT, "limit", R) \
    X(LOCAL, "local", U) \
    X(MATERIALIZED, "materialized", U) \
    X(NAME, "name", U) \
    X(NATURAL, "natural", T) \
    X(NEXT, "next", U) \
    X(NOT, "not", R) \
    X(NOTNULL, "notnull", T) \
    X(NULL, "null", R) \
    X(NULLS, "nulls", U) \
    X(OF, "of", U) \
    X(OFFSET, "offset", R) \
    X(ON, "on", R) \
    X(ONLY, "only", R) \
    X(OPERATOR, "operator", U) \
    X(OR, "or", R) \
    X(ORDER, "order", R) \
    X(OUTER, "outer", T) \
    X(OVER, "over", U) \
    X(OVERLAPS, "overlaps", T) \
    X(PARTITION, "partition", U) \
    X(PIVOT, "pivot", R) \
    X(PLACING, "placing", R) \
    X(POSITION, "position", C) \
    X(POSITIONAL, "positional", T) \
    X(PRECEDING, "preceding", U) \
    X(PRIMARY, "primary", R) \
    X(QUALIFY, "qualify", R) \
    X(RANGE, "range", U) \
    X(RECURSIVE, "recursive", U) \
    X(REFERENCES, "references", R) \
    X(REPLACE, "replace", U) \
    X(RESET, "reset", U) \
    X(RESPECT, "respect", U) \
    X(RETURNING, "returning", R) \
    X(RIGHT, "right", T) \
    X(ROLLBACK, "rollback", U) \
    X(ROLLUP, "rollup", U) \
    X(ROW, "row", C) \
    X(ROWS, "rows", U) \
    X(SCHEMA, "schema", U) \
    X(SELECT, "select", R) \
    X(SEMI, "semi", T) \
    X(SET, "set", U) \
    X(SETS, "sets", U) \
    X(SHOW, "show", R) \
    X(SIMILAR, "similar", T) \
    X(SOME, "some", R) \
    X(START, "start", U) \
    X(SUBSTRING, "substring", C) \
    X(SYMMETRIC, "symmetric", R) \
    X(TABLE, "table", R) \
    X(TABLESAMPLE, "tablesample", T) \
    X(TEMP, "temp", U) \
    X(TEMPORARY, "temporary", U) \
    X(THEN, "then", R) \
    X(TO, "to", R) \
    X(TRAILING, "trailing", R) \
    X(TRANSACTION, "transaction", U) \
    X(TRIM, "trim", C) \
    X(TRUE, "true", R) \
    X(TRY_CAST, "try_cast", T) \
    X(UNBOUNDED, "unbounded", U) \
    X(UNION, "union", R) \
    X(UNIQUE, "unique", R) \
    X(UNPIVOT, "unpivot", R) \
    X(UPDATE, "update", U) \
    X(USING, "using", R) \
    X(VALUES, "values", C) \
    X(VARIADIC, "variadic", R) \
    X(VIEW, "view", U) \
    X(WHEN, "when", R) \
    X(WHERE, "where", R) \
    X(WINDOW, "window", R) \
    X(WITH, "with", R) \
    X(WITHIN, "within", U) \
    X(WORK, "work", U)
/* clang-format on */

typedef enum lh__kw {
    KW_NONE = 0,
#define LH__KW_ENUM(id, text, cat) KW_##id,
    LH__KEYWORDS(LH__KW_ENUM)
#undef LH__KW_ENUM
        KW__COUNT
} lh__kw_t;

typedef enum lh__kwcat { KWC_NONE = 0, KWC_R, KWC_T, KWC_C, KWC_U } lh__kwcat_t;

/* The keyword a word of n bytes spells (any case), or KW_NONE. */
lh__kw_t lh__kw_lookup(const char *s, size_t n);
lh__kwcat_t lh__kw_category(lh__kw_t kw);
const char *lh__kw_text(lh__kw_t kw);

/* ---- tokens ---- */
typedef enum lh__tk {
    TK_EOF = 0,
    TK_WORD,   /* unquoted identifier or keyword (.kw) */
    TK_QIDENT, /* "quoted" identifier: .s/.slen the name */
    TK_INT,    /* .s: digits without underscores */
    TK_DEC,
    TK_FLOAT,
    TK_STR,   /* '..', E'..', $$..$$: .s/.slen the value */
    TK_BLOB,  /* X'..': .s/.slen the bytes */
    TK_PARAM, /* $n (.num) or $name (.s) */
    TK_QMARK, /* ? */
    TK_LP,
    TK_RP,
    TK_LB,
    TK_RB,
    TK_LBRACE,
    TK_RBRACE,
    TK_COMMA,
    TK_SEMI,
    TK_DOT,
    TK_COLON,
    TK_DCOLON,
    TK_COLONEQ,
    TK_ARROWEQ, /* : :: := => */
    TK_PLUS,
    TK_MINUS,
    TK_STAR,
    TK_SLASH,
    TK_DSLASH,
    TK_PCT,
    TK_CARET,
    TK_DSTAR,
    TK_EQ,
    TK_NE,
    TK_LT,
    TK_LE,
    TK_GT,
    TK_GE,
    TK_CONCAT,
    TK_ARROW,
    TK_ARROW2,
    TK_TILDE,
    TK_TILDESTAR,
    TK_NTILDE,
    TK_NTILDESTAR,
    TK_LIKEOP,   /* ~~ */
    TK_NLIKEOP,  /* !~~ */
    TK_ILIKEOP,  /* ~~* */
    TK_NILIKEOP, /* !~~* */
    TK_AMP,
    TK_BAR,
    TK_HASH,
    TK_SHL,
    TK_SHR,
} lh__tk_t;

typedef struct lh__tok {
    uint8_t kind;  /* lh__tk_t */
    uint8_t kw;    /* lh__kw_t for TK_WORD */
    uint32_t pos;  /* byte offset in the text */
    uint32_t len;  /* bytes of source */
    const char *s; /* decoded value (strings, quoted identifiers, numbers, $name) */
    uint32_t slen;
    uint32_t num; /* $n */
} lh__tok_t;

/* Splits text[0..len) into tokens (arena array, a TK_EOF last). Returns 0 or
 * LH_EINVAL (unterminated string/identifier/comment, a bad character) /
 * LH_ENOMEM with err set. */
int lh__lex(lh_arena_t *a, const char *text, size_t len, lh__tok_t **toks, uint32_t *ntoks,
            lh_sql_error_t *err);

/* ---- parser state ---- */
typedef struct lh__parser {
    lh_arena_t *a;
    const char *text;
    size_t len;
    lh__tok_t *t; /* tokens */
    uint32_t nt, i;
    uint32_t depth;     /* current nesting (LH_SQL_MAX_DEPTH) */
    uint32_t max_param; /* highest $n */
    uint32_t nqmark;    /* ? seen */
    int rc;             /* first error */
    lh_sql_error_t *err;
} lh__parser_t;

/* ---- helpers (parse_util.c) ---- */
static inline const lh__tok_t *lh__cur(const lh__parser_t *p)
{
    return &p->t[p->i];
}
static inline const lh__tok_t *lh__peek(const lh__parser_t *p, uint32_t k)
{
    return p->i + k < p->nt ? &p->t[p->i + k] : &p->t[p->nt - 1];
}
static inline bool lh__is(const lh__parser_t *p, lh__tk_t k)
{
    return p->t[p->i].kind == k;
}
static inline bool lh__iskw(const lh__parser_t *p, lh__kw_t kw)
{
    return p->t[p->i].kind == TK_WORD && p->t[p->i].kw == kw;
}
static inline bool lh__peekkw(const lh__parser_t *p, uint32_t k, lh__kw_t kw)
{
    const lh__tok_t *t = lh__peek(p, k);
    return t->kind == TK_WORD && t->kw == kw;
}
/* Consumes the current token when it is k / keyword kw. */
bool lh__accept(lh__parser_t *p, lh__tk_t k);
bool lh__acceptkw(lh__parser_t *p, lh__kw_t kw);
/* As accept, else a syntax error at the current token (returns false). */
bool lh__expect(lh__parser_t *p, lh__tk_t k);
bool lh__expectkw(lh__parser_t *p, lh__kw_t kw);
/* An unquoted word equal (any case) to w, keyword or not. */
bool lh__isword(const lh__parser_t *p, uint32_t k, const char *w);
/* "syntax error at or near ..." at the current token; returns NULL. */
void *lh__syntax_error(lh__parser_t *p);
/* Sets an error (first wins); returns NULL. */
void *lh__fail(lh__parser_t *p, int code, int32_t pos, const char *msg);
/* Nesting: enter fails with LH_ETOOBIG beyond LH_SQL_MAX_DEPTH. */
bool lh__enter(lh__parser_t *p);
static inline void lh__leave(lh__parser_t *p)
{
    p->depth--;
}
/* Byte offset just past the last consumed token. */
uint32_t lh__end_of_prev(const lh__parser_t *p);

lh_ast_t *lh__node(lh__parser_t *p, lh_ast_kind_t kind, uint32_t pos);
/* A token's identifier text: lower-cased copy of a word, the name of a
 * quoted identifier. NULL on allocation failure (p->rc set). */
const char *lh__ident_text(lh__parser_t *p, const lh__tok_t *t);
/* Can the current token be a column/table name (identifier, quoted, or a
 * non-reserved keyword)? col_ok: column-name keywords allowed too. */
bool lh__is_name(const lh__parser_t *p, uint32_t k, bool colname_ok);
/* Consumes a name (lh__is_name with colname_ok) and returns its text. */
const char *lh__parse_name(lh__parser_t *p);
/* Consumes a dotted name of 1-3 parts. */
bool lh__parse_dotted(lh__parser_t *p, lh_ast_name_t *out);
/* (a, b, c): a parenthesised list of names. */
bool lh__parse_name_list(lh__parser_t *p, const char ***out, uint32_t *n);
/* A growable array in the arena: push returns the new zeroed slot or NULL. */
typedef struct lh__vec {
    void *items;
    uint32_t n, cap;
} lh__vec_t;
void *lh__push(lh__parser_t *p, lh__vec_t *v, size_t elsz);
bool lh__push_node(lh__parser_t *p, lh__vec_t *v, lh_ast_t *n);
static inline lh_ast_list_t lh__as_list(lh__vec_t v)
{
    return (lh_ast_list_t){.items = (lh_ast_t **)v.items, .n = v.n};
}
lh_ast_t *lh__string_lit(lh__parser_t *p, uint32_t pos, const char *s, size_t n);

/* ---- grammar ---- */
enum {
    /* binding power, loosest first */
    LH__P_OR = 1,
    LH__P_AND,
    LH__P_NOT,
    LH__P_IS,
    LH__P_CMP,
    LH__P_IN, /* BETWEEN IN LIKE ILIKE GLOB SIMILAR */
    LH__P_OTHER,
    LH__P_ADD,
    LH__P_MUL,
    LH__P_POW,
    LH__P_UNARY,
};
lh_ast_t *lh__parse_expr(lh__parser_t *p);
lh_ast_t *lh__parse_expr_prec(lh__parser_t *p, int min_prec);
bool lh__parse_expr_list(lh__parser_t *p, lh__vec_t *v); /* e, e, ... (at least one) */
/* After the name and at '(': a function call with FILTER/OVER. */
lh_ast_t *lh__parse_func_call(lh__parser_t *p, lh_ast_name_t name, uint32_t pos);
/* A special form starting at the current word (CASE, CAST, EXTRACT, ...), or
 * NULL with *handled false when the word is not one. */
lh_ast_t *lh__parse_special(lh__parser_t *p, bool *handled);
/* A type name as written (DECIMAL(38, 0), VARCHAR[], TIMESTAMP WITH TIME ZONE). */
bool lh__parse_type(lh__parser_t *p, const char **text, int32_t *pos);
bool lh__parse_window(lh__parser_t *p, lh_ast_window_t *w);           /* ( ... ) body */
bool lh__parse_order_list(lh__parser_t *p, lh_ast_order_list_t *out); /* after ORDER BY */
/* [ASC|DESC] [NULLS FIRST|LAST] after an ORDER BY term. */
bool lh__parse_order_dir(lh__parser_t *p, lh_ast_order_t *o);

/* Is the current token the start of a query (SELECT, WITH, VALUES, FROM)? */
bool lh__at_query_start(const lh__parser_t *p, uint32_t k);
/* After skipping opening parentheses from k: does a query start there? */
bool lh__parens_hold_query(const lh__parser_t *p, uint32_t k);
lh_ast_t *lh__parse_query(lh__parser_t *p);
/* Continues a query whose first operand (a parenthesised query) was parsed. */
lh_ast_t *lh__parse_query_rest(lh__parser_t *p, lh_ast_t *first);
lh_ast_t *lh__parse_from(lh__parser_t *p); /* the items after FROM */
lh_ast_t *lh__parse_statement(lh__parser_t *p);

#endif
