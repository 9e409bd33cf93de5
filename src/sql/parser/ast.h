/* The syntax tree of one SQL statement, as the parser returns it and the
 * binder reads it: what the user wrote, with the byte position of every node,
 * nothing resolved (names are text, types are text, functions are names).
 *
 * Ownership: every node, list and string is allocated in the arena passed to
 * lh_sql_parse and lives exactly as long as it. Strings are NUL-terminated
 * copies: identifiers keep their case when quoted and are folded to lower case
 * when not ("Foo" stays Foo, Foo becomes foo), as PostgreSQL and DuckDB do;
 * string literals hold their value with escapes resolved ('it''s' -> it's,
 * E'\n' -> a line feed). Lists are arrays of node pointers with a count. */
#ifndef LH_SQL_AST_H
#define LH_SQL_AST_H
#include "core/arena.h"
#include "sql/error.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lh_ast lh_ast_t;

typedef struct lh_ast_list {
    lh_ast_t **items;
    uint32_t n;
} lh_ast_list_t;

/* A dotted name: parts[0].parts[1]...; 1 to 3 parts (catalog.schema.table,
 * table.column, schema.table.column). */
typedef struct lh_ast_name {
    const char *parts[3];
    uint32_t n;
} lh_ast_name_t;

typedef enum lh_ast_kind {
    /* ---- expressions ---- */
    LH_AST_LITERAL = 1, /* .lit */
    LH_AST_COLUMN,      /* .column: a [qualified] column name */
    LH_AST_STAR,        /* .star: * or t.* (in a select list, count(*) is FUNC.star) */
    LH_AST_PARAM,       /* .param: $1, $name or ? */
    LH_AST_UNARY,       /* .unary: -x, +x, NOT x, ~x */
    LH_AST_BINARY,      /* .binary: arithmetic, comparison, AND, OR, ||, ->, ->> ... */
    LH_AST_FUNC,        /* .func: f(args), aggregates, window functions */
    LH_AST_CAST,        /* .cast: CAST(x AS t), TRY_CAST(x AS t), x::t, type 'literal' */
    LH_AST_CASE,        /* .kase */
    LH_AST_BETWEEN,     /* .between: x [NOT] BETWEEN lo AND hi */
    LH_AST_IN,          /* .in: x [NOT] IN (list) or x [NOT] IN (subquery) */
    LH_AST_EXISTS,      /* .exists: [NOT] EXISTS (subquery) */
    LH_AST_SUBQUERY,    /* .subquery: a scalar subquery (SELECT ...) */
    LH_AST_IS,          /* .is: IS [NOT] NULL|TRUE|FALSE, IS [NOT] DISTINCT FROM */
    LH_AST_LIKE,        /* .like: [NOT] LIKE|ILIKE|GLOB|SIMILAR TO ... [ESCAPE e] */
    LH_AST_ROW,         /* .row: (a, b, c) or ROW(a, b, c): two or more items */
    LH_AST_INTERVAL,    /* .interval: INTERVAL '1 day', INTERVAL 3 DAY, INTERVAL '90' DAY (3) */
    LH_AST_SUBSCRIPT,   /* .subscript: x[i], x[a:b] */
    LH_AST_ARRAY,       /* .array: [a, b], ARRAY[a, b] */
    LH_AST_COLLATE,     /* .collate: x COLLATE name */
    LH_AST_WINDOW_REF,  /* not produced: reserved */

    /* ---- query expressions ---- */
    LH_AST_SELECT = 32, /* .select: one SELECT block (may carry WITH, ORDER BY, LIMIT) */
    LH_AST_SETOP,       /* .setop: UNION/INTERSECT/EXCEPT [ALL] (+ WITH, ORDER BY, LIMIT) */
    LH_AST_VALUES,      /* .values: VALUES (..), (..) (+ ORDER BY, LIMIT) */

    /* ---- FROM items ---- */
    LH_AST_TABLE_REF = 48, /* .table: a named table or view */
    LH_AST_TABLE_FUNC,     /* .table_func: read_parquet('x'), delta_scan(...), range(10) ... */
    LH_AST_SUBQUERY_REF,   /* .subquery_ref: (SELECT ...) [AS] alias(cols) */
    LH_AST_JOIN,           /* .join */

    /* ---- statements ---- */
    LH_AST_STMT_QUERY = 64,    /* .query: a SELECT / set operation / VALUES as a statement */
    LH_AST_STMT_CREATE_TABLE,  /* .create_table: columns, or AS query */
    LH_AST_STMT_CREATE_VIEW,   /* .create_view */
    LH_AST_STMT_CREATE_SCHEMA, /* .create_schema */
    LH_AST_STMT_DROP,          /* .drop: TABLE|VIEW|SCHEMA */
    LH_AST_STMT_INSERT,        /* .insert: INSERT INTO t [(cols)] VALUES ... | query */
    LH_AST_STMT_DELETE,        /* .del: DELETE FROM t [WHERE] */
    LH_AST_STMT_UPDATE,        /* .update: UPDATE t SET c = e, ... [WHERE] */
    LH_AST_STMT_SET,           /* .set: SET [SESSION|LOCAL] name (=|TO) value; RESET name */
    LH_AST_STMT_SHOW,          /* .show: SHOW name | SHOW TABLES | DESCRIBE t | SHOW ALL */
    LH_AST_STMT_EXPLAIN,       /* .explain: EXPLAIN [ANALYZE] statement */
    LH_AST_STMT_COPY,          /* .copy: COPY t|(query) TO 'file' (options) */
    LH_AST_STMT_TRANSACTION,   /* .txn: BEGIN, COMMIT, ROLLBACK (accepted, single statement) */
    LH_AST_STMT_ALTER_ADD,     /* .alter: ALTER TABLE t ADD [COLUMN] c type */
    LH_AST_STMT_MERGE,         /* .merge: MERGE INTO t USING s ON cond WHEN ... */
    LH_AST_STMT_OPTIMIZE,      /* .maint: OPTIMIZE t [WHERE cond] (Databricks) */
    LH_AST_STMT_VACUUM,        /* .maint: VACUUM [t] [RETAIN n HOURS] [DRY RUN] */
} lh_ast_kind_t;

typedef enum lh_ast_lit_kind {
    LH_LIT_NULL = 0,
    LH_LIT_BOOL,    /* .b */
    LH_LIT_INTEGER, /* .text: the digits as written (any length: the binder types it) */
    LH_LIT_DECIMAL, /* .text: digits with a point (1.5, .5, 1.) */
    LH_LIT_FLOAT,   /* .text: with an exponent (1e10, 1.5E-3) */
    LH_LIT_STRING,  /* .text/.len: the value, escapes resolved; may contain NUL */
    LH_LIT_BLOB,    /* .text/.len: '\xAA'::BLOB is a CAST; this is X'AA' (bytes) */
} lh_ast_lit_kind_t;

typedef enum lh_ast_op {
    LH_OP_NONE = 0,
    /* unary */
    LH_OP_NEG,
    LH_OP_PLUS,
    LH_OP_NOT,
    LH_OP_BITNOT,
    /* arithmetic */
    LH_OP_ADD,
    LH_OP_SUB,
    LH_OP_MUL,
    LH_OP_DIV,    /* / */
    LH_OP_INTDIV, /* // */
    LH_OP_MOD,
    LH_OP_POW,    /* %, ^ and ** */
    LH_OP_CONCAT, /* || */
    LH_OP_BITAND,
    LH_OP_BITOR,
    LH_OP_BITXOR,
    LH_OP_SHL,
    LH_OP_SHR, /* & | xor # << >> */
    /* comparison */
    LH_OP_EQ,
    LH_OP_NE,
    LH_OP_LT,
    LH_OP_LE,
    LH_OP_GT,
    LH_OP_GE, /* = and ==, <> and != */
    /* logic */
    LH_OP_AND,
    LH_OP_OR,
    /* JSON */
    LH_OP_ARROW,      /* -> */
    LH_OP_ARROW_TEXT, /* ->> */
    /* regular expressions (PostgreSQL): ~ ~* !~ !~*, also OPERATOR(pg_catalog.~) */
    LH_OP_REGEX,
    LH_OP_REGEX_I,
    LH_OP_NOT_REGEX,
    LH_OP_NOT_REGEX_I,
    /* LIKE and ILIKE as PostgreSQL's operators: ~~ !~~ ~~* !~~* */
    LH_OP_LIKE,
    LH_OP_NOT_LIKE,
    LH_OP_ILIKE,
    LH_OP_NOT_ILIKE,
} lh_ast_op_t;

typedef enum lh_ast_is_kind {
    LH_IS_NULL = 0, /* x IS NULL, x ISNULL */
    LH_IS_TRUE,     /* x IS TRUE */
    LH_IS_FALSE,    /* x IS FALSE */
    LH_IS_DISTINCT, /* x IS DISTINCT FROM .rhs */
} lh_ast_is_kind_t;

typedef enum lh_ast_like_kind {
    LH_LIKE_LIKE = 0,
    LH_LIKE_ILIKE,
    LH_LIKE_GLOB,
    LH_LIKE_SIMILAR, /* SIMILAR TO */
} lh_ast_like_kind_t;

/* An ORDER BY item (also inside OVER and aggregate calls). */
typedef struct lh_ast_order {
    lh_ast_t *expr;
    bool desc;
    int8_t nulls_first; /* -1: not written (the engine's default), 0 NULLS LAST, 1 NULLS FIRST */
} lh_ast_order_t;

typedef struct lh_ast_order_list {
    lh_ast_order_t *items;
    uint32_t n;
} lh_ast_order_list_t;

typedef enum lh_ast_frame_bound_kind {
    LH_BOUND_NONE = 0, /* not written */
    LH_BOUND_UNBOUNDED_PRECEDING,
    LH_BOUND_PRECEDING, /* .offset PRECEDING */
    LH_BOUND_CURRENT_ROW,
    LH_BOUND_FOLLOWING, /* .offset FOLLOWING */
    LH_BOUND_UNBOUNDED_FOLLOWING,
} lh_ast_frame_bound_kind_t;

typedef struct lh_ast_frame_bound {
    uint8_t kind; /* lh_ast_frame_bound_kind_t */
    lh_ast_t *offset;
} lh_ast_frame_bound_t;

/* OVER ( [PARTITION BY ...] [ORDER BY ...] [ROWS|RANGE|GROUPS frame] ) or
 * OVER name (a WINDOW clause entry). */
typedef struct lh_ast_window {
    const char *ref_name; /* OVER w / OVER (w ...): a named window, or NULL */
    lh_ast_list_t partition_by;
    lh_ast_order_list_t order_by;
    uint8_t frame_mode;                          /* 0 not written, 1 ROWS, 2 RANGE, 3 GROUPS */
    lh_ast_frame_bound_t frame_start, frame_end; /* BETWEEN start AND end; end NONE: only start */
} lh_ast_window_t;

typedef struct lh_ast_cte {
    const char *name;
    const char **columns; /* optional column aliases: name(a, b) AS (...) */
    uint32_t ncolumns;
    lh_ast_t *query;     /* SELECT / SETOP / VALUES */
    int8_t materialized; /* -1 not written, 0 NOT MATERIALIZED, 1 MATERIALIZED */
} lh_ast_cte_t;

typedef struct lh_ast_with {
    lh_ast_cte_t *ctes;
    uint32_t n;
    bool recursive;
} lh_ast_with_t;

/* What SELECT, set operations and VALUES share: WITH before, ORDER BY and
 * LIMIT/OFFSET after. */
typedef struct lh_ast_query_tail {
    lh_ast_with_t *with; /* NULL when absent */
    lh_ast_order_list_t order_by;
    lh_ast_t *limit,
        *offset; /* NULL when absent; LIMIT ALL is NULL; FETCH FIRST n ROWS ONLY is a limit */
} lh_ast_query_tail_t;

typedef enum lh_ast_group_kind {
    LH_GROUP_EXPR = 0, /* a plain GROUP BY list */
    LH_GROUP_ALL,      /* GROUP BY ALL (DuckDB) */
} lh_ast_group_kind_t;

/* One GROUP BY element: an expression, or GROUPING SETS/ROLLUP/CUBE over
 * lists of expressions. */
typedef enum lh_ast_grouping_kind {
    LH_GROUPING_EXPR = 0, /* .expr */
    LH_GROUPING_SETS,     /* .sets: GROUPING SETS ((a, b), (a), ()) */
    LH_GROUPING_ROLLUP,   /* .sets[0]: ROLLUP (a, b) */
    LH_GROUPING_CUBE,     /* .sets[0]: CUBE (a, b) */
} lh_ast_grouping_kind_t;

typedef struct lh_ast_grouping {
    uint8_t kind; /* lh_ast_grouping_kind_t */
    lh_ast_t *expr;
    lh_ast_list_t *sets; /* nsets lists of expressions (a set may be empty) */
    uint32_t nsets;
} lh_ast_grouping_t;

typedef struct lh_ast_named_window {
    const char *name;
    lh_ast_window_t *window;
} lh_ast_named_window_t;

typedef enum lh_ast_join_kind {
    LH_JOIN_INNER = 0,
    LH_JOIN_LEFT,
    LH_JOIN_RIGHT,
    LH_JOIN_FULL,
    LH_JOIN_CROSS, /* CROSS JOIN and the comma in FROM a, b */
    LH_JOIN_SEMI,  /* SEMI JOIN (DuckDB) */
    LH_JOIN_ANTI,  /* ANTI JOIN (DuckDB) */
} lh_ast_join_kind_t;

/* Column definition of CREATE TABLE. */
typedef struct lh_ast_column_def {
    const char *name;
    const char
        *type_text; /* the type as written ("DECIMAL(18,3)", "VARCHAR[]"): lh_type_parse reads it */
    int32_t type_pos;
    bool not_null, primary_key;
    lh_ast_t *default_expr;
} lh_ast_column_def_t;

/* One WHEN clause of MERGE. */
typedef enum lh_ast_merge_when {
    LH_MERGE_MATCHED = 1,
    LH_MERGE_NOT_MATCHED,           /* NOT MATCHED [BY TARGET]: a source row with no target row */
    LH_MERGE_NOT_MATCHED_BY_SOURCE, /* a target row with no source row */
} lh_ast_merge_when_t;
typedef enum lh_ast_merge_action {
    LH_MERGE_UPDATE = 1, /* UPDATE SET c = e, ... | UPDATE SET * (star) */
    LH_MERGE_DELETE,
    LH_MERGE_INSERT,  /* INSERT [(cols)] VALUES (...) | INSERT * (star) | INSERT DEFAULT VALUES */
    LH_MERGE_NOTHING, /* DO NOTHING */
} lh_ast_merge_action_t;
typedef struct lh_ast_merge_clause {
    uint8_t when, action; /* lh_ast_merge_when_t, lh_ast_merge_action_t */
    bool star;
    lh_ast_t *cond;       /* AND cond, or NULL */
    const char **columns; /* UPDATE's SET columns; INSERT's column list (or none) */
    uint32_t ncolumns;
    lh_ast_list_t values; /* UPDATE's values; INSERT's VALUES */
} lh_ast_merge_clause_t;

/* A key = value option: COPY ... (FORMAT parquet, COMPRESSION zstd), CREATE
 * TABLE ... WITH (...), table function named arguments (name => value). */
typedef struct lh_ast_option {
    const char *name; /* lower-cased */
    lh_ast_t *value;  /* an expression; NULL when only the name was written */
} lh_ast_option_t;

struct lh_ast {
    uint8_t kind;      /* lh_ast_kind_t */
    int32_t pos;       /* byte offset of the node's first token in the text */
    const char *alias; /* select-list items and FROM items: AS alias, or NULL */
    union {
        struct {
            uint8_t kind; /* lh_ast_lit_kind_t */
            bool b;
            const char *text;
            size_t len;
        } lit;
        struct {
            lh_ast_name_t name;
        } column;
        struct {
            const char *qualifier; /* t in t.*, else NULL */
            const char **exclude;  /* * EXCLUDE (a, b) */
            uint32_t nexclude;
        } star;
        struct {
            const char *name; /* $name; NULL for $n and ? */
            uint32_t index;   /* $n: n (1-based); ?: its order of appearance (1-based) */
        } param;
        struct {
            uint8_t op; /* lh_ast_op_t */
            lh_ast_t *arg;
        } unary;
        struct {
            uint8_t op; /* lh_ast_op_t */
            lh_ast_t *left, *right;
        } binary;
        struct {
            lh_ast_name_t name; /* schema.func or func; lower-cased unless quoted */
            lh_ast_list_t args;
            const char *
                *arg_names; /* name => value arguments: arg_names[i] or NULL; NULL when none */
            bool distinct;  /* f(DISTINCT ...) */
            bool star;      /* count(*) */
            lh_ast_order_list_t order_by; /* string_agg(x, ',' ORDER BY y) */
            lh_ast_t *filter;             /* f(...) FILTER (WHERE cond) */
            lh_ast_window_t *over;        /* OVER (...): a window function call */
            bool ignore_nulls;            /* lag(x IGNORE NULLS) */
        } func;
        struct {
            lh_ast_t *arg;
            const char *type_text; /* as written; lh_type_parse reads it */
            int32_t type_pos;
            bool try_cast;
        } cast;
        struct {
            lh_ast_t *operand; /* CASE x WHEN ...: x, or NULL for CASE WHEN cond */
            lh_ast_list_t whens, thens;
            lh_ast_t *else_expr; /* NULL when absent */
        } kase;
        struct {
            lh_ast_t *arg, *low, *high;
            bool negated;
        } between;
        struct {
            lh_ast_t *arg;
            lh_ast_list_t list; /* IN (a, b, c) */
            lh_ast_t *subquery; /* IN (SELECT ...): the query, list empty */
            bool negated;
            uint8_t quant_op; /* x op ANY|SOME|ALL (SELECT ...): the comparison (lh_ast_op_t);
                                 0 for IN (= ANY is IN, <> ALL is NOT IN) */
            bool quant_all;   /* ALL, else ANY/SOME */
        } in;
        struct {
            lh_ast_t *subquery;
            bool negated;
        } exists;
        struct {
            lh_ast_t *query; /* SELECT / SETOP / VALUES */
        } subquery;
        struct {
            uint8_t kind; /* lh_ast_is_kind_t */
            lh_ast_t *arg, *rhs;
            bool negated; /* IS NOT ... */
        } is;
        struct {
            uint8_t kind; /* lh_ast_like_kind_t */
            lh_ast_t *arg, *pattern, *escape;
            bool negated;
        } like;
        struct {
            lh_ast_list_t items;
        } row;
        struct {
            lh_ast_t *value;  /* a string literal ('1 day', '90') or an expression (3) */
            const char *unit; /* YEAR, MONTH, DAY, HOUR, ... (lower case, singular); NULL when not
                                 written */
            const char *unit_to; /* INTERVAL '1-2' YEAR TO MONTH: the TO unit, else NULL */
        } interval;
        struct {
            lh_ast_t *arg, *index,
                *slice_end; /* x[index], or x[index:slice_end] (either may be NULL in a slice) */
            bool slice;
        } subscript;
        struct {
            lh_ast_list_t items;
        } array;
        struct {
            lh_ast_t *arg;
            const char *collation;
        } collate;

        /* ---- query expressions ---- */
        struct {
            lh_ast_query_tail_t tail;
            bool distinct;
            lh_ast_list_t distinct_on; /* DISTINCT ON (a, b) */
            lh_ast_list_t items;       /* the select list (each may carry .alias) */
            lh_ast_t *from; /* NULL, a FROM item or a JOIN tree (commas are CROSS JOINs) */
            lh_ast_t *where;
            uint8_t group_kind; /* lh_ast_group_kind_t */
            lh_ast_grouping_t *group_by;
            uint32_t ngroup_by;
            lh_ast_t *having;
            lh_ast_named_window_t *windows; /* WINDOW w AS (...) */
            uint32_t nwindows;
            lh_ast_t *qualify; /* QUALIFY (DuckDB) */
        } select;
        struct {
            lh_ast_query_tail_t tail;
            uint8_t op;   /* 1 UNION, 2 INTERSECT, 3 EXCEPT */
            bool all;     /* ALL (else DISTINCT) */
            bool by_name; /* UNION [ALL] BY NAME (DuckDB) */
            lh_ast_t *left, *right;
        } setop;
        struct {
            lh_ast_query_tail_t tail;
            lh_ast_list_t *rows; /* nrows lists of expressions */
            uint32_t nrows;
        } values;

        /* ---- FROM items (alias in .alias) ---- */
        struct {
            lh_ast_name_t name;
            const char **col_aliases; /* AS t(a, b) */
            uint32_t ncol_aliases;
            lh_ast_t *at_version; /* t AT (VERSION => 3) / FOR SYSTEM_TIME AS OF ...: optional */
            lh_ast_t *at_timestamp;
        } table;
        struct {
            lh_ast_name_t name; /* read_parquet, delta_scan, range, generate_series, ... */
            lh_ast_list_t args;
            const char **arg_names; /* name => value or name = value; NULL when none */
            const char **col_aliases;
            uint32_t ncol_aliases;
        } table_func;
        struct {
            lh_ast_t *query;
            const char **col_aliases;
            uint32_t ncol_aliases;
            bool lateral;
        } subquery_ref;
        struct {
            uint8_t kind; /* lh_ast_join_kind_t */
            bool natural;
            lh_ast_t *left, *right;
            lh_ast_t *on;            /* ON cond, or NULL */
            const char **using_cols; /* USING (a, b) */
            uint32_t nusing;
        } join;

        /* ---- statements ---- */
        struct {
            lh_ast_t *query; /* SELECT / SETOP / VALUES */
        } query;
        struct {
            lh_ast_name_t name;
            lh_ast_column_def_t *columns; /* when no AS query */
            uint32_t ncolumns;
            lh_ast_t *as_query; /* CREATE TABLE t AS query */
            const char *
                *partition_by; /* PARTITIONED BY (a, b) / PARTITION BY: Delta partition columns */
            uint32_t npartition_by;
            lh_ast_option_t *options; /* WITH (k = v, ...) */
            uint32_t noptions;
            bool temp, or_replace, if_not_exists;
        } create_table;
        struct {
            lh_ast_name_t name;
            const char **col_aliases;
            uint32_t ncol_aliases;
            lh_ast_t *query;
            const char *query_text; /* the view's SQL exactly as written (arena copy) */
            bool temp, or_replace, if_not_exists;
        } create_view;
        struct {
            lh_ast_name_t name;
            bool if_not_exists;
        } create_schema;
        struct {
            uint8_t what; /* 1 TABLE, 2 VIEW, 3 SCHEMA */
            lh_ast_name_t name;
            bool if_exists, cascade;
        } drop;
        struct {
            lh_ast_name_t table;
            const char **columns; /* (a, b) or none */
            uint32_t ncolumns;
            lh_ast_t *query;         /* VALUES / SELECT / SETOP */
            lh_ast_t *replace_where; /* INSERT INTO t REPLACE WHERE e query (Databricks), or NULL */
            bool or_replace;         /* INSERT OR REPLACE: refused by the binder */
        } insert;
        struct {
            lh_ast_name_t table;
            lh_ast_t *where;
            const char *where_text; /* the WHERE condition as written (arena copy), or NULL */
            const char *alias;      /* DELETE FROM t [AS] x: x, or NULL */
        } del;
        struct {
            lh_ast_name_t table;
            const char **set_columns;
            lh_ast_list_t set_values;
            lh_ast_t *where;
            const char *where_text; /* the WHERE condition as written (arena copy), or NULL */
            lh_ast_t *from;         /* UPDATE t SET ... FROM items WHERE ...: the items, or NULL */
            const char *alias;      /* UPDATE t [AS] x SET ...: x, or NULL */
        } update;
        struct {
            const char *name; /* lower-cased; "schema" for SET schema/search_path */
            lh_ast_t *value;  /* NULL for RESET name or SET name TO DEFAULT */
            uint8_t scope;    /* 0 default, 1 SESSION, 2 LOCAL, 3 GLOBAL */
            bool reset;
        } set;
        struct {
            uint8_t what; /* 1 SHOW name, 2 SHOW TABLES, 3 DESCRIBE t, 4 SHOW ALL, 5 SHOW SCHEMAS,
                             6 SHOW ALL TABLES (DuckDB) */
            const char *name;    /* SHOW name (lower-cased; dotted names joined with '.') */
            lh_ast_name_t table; /* DESCRIBE t / SHOW TABLES FROM s */
            lh_ast_t *query;     /* DESCRIBE query: the query (table empty), else NULL */
        } show;
        struct {
            lh_ast_t *stmt;
            bool analyze;
        } explain;
        struct {
            lh_ast_name_t table; /* COPY t TO ... */
            lh_ast_t *query;     /* COPY (query) TO ... */
            const char *target;  /* the file or s3:// URL */
            bool from;           /* COPY t FROM 'file' */
            lh_ast_option_t *options;
            uint32_t noptions;
        } copy;
        struct {
            uint8_t what; /* 1 BEGIN, 2 COMMIT, 3 ROLLBACK */
        } txn;
        struct {
            lh_ast_name_t table;
            lh_ast_column_def_t column;
            bool if_not_exists;
        } alter;
        struct {
            lh_ast_t *target; /* a TABLE_REF (with its alias) */
            lh_ast_t *source; /* a FROM item */
            lh_ast_t *on;
            const char *on_text; /* the ON condition as written (arena copy) */
            lh_ast_merge_clause_t *clauses;
            uint32_t nclauses;
        } merge;
        struct {
            lh_ast_name_t table; /* n == 0: VACUUM alone */
            lh_ast_t *where;     /* OPTIMIZE ... WHERE */
            lh_ast_t *retain;    /* VACUUM ... RETAIN <retain> HOURS */
            bool dry_run;
        } maint;
    } u;
};

/* A parsed script: its statements in order, each with the byte range of its
 * text (for views, logging and the CLI's per-statement report). */
typedef struct lh_ast_script {
    lh_ast_t **stmts;
    uint32_t n;
    uint32_t *start, *end; /* stmts[i] is text[start[i], end[i]) */
    uint32_t nparams;      /* highest $n / number of ? seen */
} lh_ast_script_t;

#define LH_SQL_MAX_DEPTH 1000       /* expression/query nesting the parser accepts */
#define LH_SQL_MAX_TEXT (64u << 20) /* the longest statement text: 64 MiB */

/* Parses text[0..len) (one or more statements separated by ';'; empty
 * statements skipped; comments -- and block comments) into *out, every node
 * in arena a. Returns 0, LH_EINVAL with err->cls LH_SQL_EPARSE and err->pos at
 * the offending token ("syntax error at or near \"FROM\"", "unterminated
 * quoted string"), LH_ETOOBIG (text over LH_SQL_MAX_TEXT, nesting over
 * LH_SQL_MAX_DEPTH) or LH_ENOMEM. */
int lh_sql_parse(lh_arena_t *a, const char *text, size_t len, lh_ast_script_t *out,
                 lh_sql_error_t *err);

/* The name of a node kind and of an operator ("SELECT", "+"), static; for
 * messages and the tree dump. */
const char *lh_ast_kind_name(lh_ast_kind_t k);
const char *lh_ast_op_name(lh_ast_op_t op);

/* Appends a readable S-expression of a node to buf (tests and EXPLAIN's
 * debugging aid); returns lh_buf_err(buf). The form is stable; optional parts
 * appear only when present. Identifiers print bare when they are lower-case
 * words ([a-z_][a-z0-9_$]*) and "double-quoted" otherwise; strings and type
 * texts print in single quotes ('' for a quote, \\ for a backslash, \xHH for
 * control bytes); an absent child prints as nil. A node with an alias is
 * wrapped: (as alias node).
 *   expressions: (literal null|true|false) (literal integer|decimal|float TEXT)
 *     (literal string 'v') (literal blob 'HEX') (column a.b) (star [t] [(exclude a b)])
 *     (param $1) (param $name) (unary OP x) (binary OP l r)   OP: lh_ast_op_name
 *     (func NAME [distinct] [*] ARG... [(order_by ...)] [(filter e)] [ignore_nulls] [(over ...)])
 *       ARG: e or (named n e)
 *     (cast|try_cast e 'TYPE') (case [operand] (when c v)... [(else e)])
 *     ([not_]between x lo hi) ([not_]in x (list e...)) ([not_]in x QUERY)
 *     ([not_]exists QUERY) (subquery QUERY) (is_[not_]null|true|false x)
 *     (is_[not_]distinct_from a b) ([not_]like|ilike|glob|similar_to x p [(escape e)])
 *     (row e...) (interval v [unit [to unit]]) (subscript x i) (slice x a b)
 *     (array e...) (collate x name)
 *   order items: (asc|desc e [nulls_first|nulls_last]) in (order_by ...)
 *   windows: (over [ref] [(partition_by e...)] [(order_by ...)] [(rows|range|groups B [B])])
 *     B: unbounded_preceding (preceding e) current_row (following e) unbounded_following
 *   queries: (select [(with ...)] [distinct] [(distinct_on e...)] (items e...) [(from F)]
 *       [(where e)] [(group_by_all)] [(group_by G...)] [(having e)] [(window (name (over ...))...)]
 *       [(qualify e)] TAIL)
 *     G: e, (grouping_sets (set e...)...), (rollup e...), (cube e...)
 *     (union|intersect|except [all] [by_name] [(with ...)] L R TAIL)
 *     (values [(with ...)] (row e...)... TAIL)
 *     TAIL: [(order_by ...)] [(limit e)] [(offset e)]
 *     (with [recursive] (cte name [(columns a b)] [materialized|not_materialized] QUERY)...)
 *   FROM items: (table NAME [(columns a b)] [(at_version e)] [(at_timestamp e)])
 *     (table_func NAME ARG... [(columns ...)]) (subquery_ref [lateral] QUERY [(columns ...)])
 *     (join inner|left|right|full|cross|semi|anti [natural] L R [(on e)] [(using a b)])
 *   statements: (query QUERY)
 *     (create_table NAME [temp] [or_replace] [if_not_exists] [(columns COL...)] [(as QUERY)]
 *       [(partition_by a b)] [(options (k [v])...)])
 *     COL: (column name 'TYPE' [not_null] [primary_key] [(default e)])
 *     (create_view NAME [temp] [or_replace] [if_not_exists] [(columns a b)] QUERY (text 'sql'))
 *     (create_schema NAME [if_not_exists]) (drop table|view|schema NAME [if_exists] [cascade])
 *     (insert NAME [or_replace] [(columns a b)] [(replace_where e)] QUERY)
 *     (delete NAME [(where e)])
 *     (update NAME (set col e)... [(where e)]) (set [session|local|global] name e|default)
 *     (reset name) (show name) (show_tables [NAME]) (describe NAME|QUERY) (show_all)
 *     (show_schemas) (show_all_tables) (explain [analyze] STMT)
 *     (copy NAME|QUERY to|from 'target' [(options (k [v])...)]) (begin) (commit) (rollback)
 *     (alter_add NAME [if_not_exists] COL)
 * Example: SELECT a, b + 1 FROM t dumps as
 *   (query (select (items (column a) (binary + (column b) (literal integer 1))) (from (table t))))
 */
struct lh_buf;
int lh_ast_dump(const lh_ast_t *n, struct lh_buf *buf);

#endif
