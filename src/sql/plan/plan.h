/* The bound expression tree and the plan: what the binder produces from the
 * syntax tree, what the optimizer rewrites and what the executor runs.
 *
 * Columns are positional: a column reference names a column of its
 * operator's input (the child's output, or for a join the left columns then
 * the right ones). Every plan node lists its output columns (names for the
 * result header, types). Plans are built once per statement and read-only
 * while they run: execution state lives in src/sql/exec/, beside them.
 *
 * Ownership: every node, expression, name and nested type lives in the
 * statement's arena (the `a` each builder takes) and dies with it. Constant
 * values' string bytes too. */
#ifndef LH_SQL_PLAN_H
#define LH_SQL_PLAN_H
#include "core/arena.h"
#include "sql/func/func.h"
#include "vector/scan.h"

/* ---- bound expressions ---- */

typedef enum lh_bx_kind {
    LH_BX_CONST = 1, /* .c */
    LH_BX_COLREF,    /* .col: input column number */
    LH_BX_PARAM,     /* .param: $n, bound before execution */
    LH_BX_FUNC,      /* .func: a scalar function or operator */
    LH_BX_CAST,      /* .cast: args[0] to type (TRY_CAST: try) */
    LH_BX_AND,       /* .list: n >= 2, three-valued */
    LH_BX_OR,        /* .list */
    LH_BX_NOT,       /* .list[0] */
    LH_BX_IS_NULL,   /* .list[0] */
    LH_BX_IS_NOT_NULL,
    LH_BX_CASE, /* .list: when0, then0, when1, then1, ..., else (n odd; else may be a NULL constant)
                 */
    LH_BX_COALESCE, /* .list */
    LH_BX_IN,       /* .list: x, v1, v2, ...; .negated */
    LH_BX_DISTINCT, /* .list: a, b: a IS DISTINCT FROM b (.negated: IS NOT DISTINCT FROM) */
    LH_BX_ERROR, /* .list[0] the message: error(msg) raises an Invalid Input Error when evaluated */
    LH_BX_IN_SET, /* .in_set: x [NOT] IN (the rows of an uncorrelated subquery, computed once) */
} lh_bx_kind_t;

typedef struct lh_bexpr lh_bexpr_t;
struct lh_bexpr {
    uint8_t kind; /* lh_bx_kind_t */
    bool negated;
    uint8_t lit;    /* the binder's note on a literal: 0, or LH_SQL_ARG_STRING_LITERAL /
                       _INTEGER_LITERAL / _NULL_LITERAL while its type is still open */
    uint8_t outer;  /* COLREF while binding a subquery: 1 = a column of the enclosing query
                       (a correlation the binder removes before planning finishes) */
    lh_type_t type; /* the result type */
    int32_t pos;    /* where it was written, for errors; -1 when made by the engine */
    union {
        lh_value_t c;
        uint32_t col;
        uint32_t param; /* 0-based */
        struct {
            const lh_sql_func_def_t *def;
            lh_sql_scalar_fn exec;
            void *bind_data;
            void *(*init_local)(const void *bind_data);
            void (*free_local)(void *local);
            uint32_t flags; /* the def's LH_SQL_FUNC_* */
            lh_bexpr_t **args;
            uint32_t nargs;
        } func;
        struct {
            lh_bexpr_t *arg;
            bool try_cast;
        } cast;
        struct {
            lh_bexpr_t **items;
            uint32_t n;
        } list;
        struct {
            lh_bexpr_t *arg;
            const struct lh_valset *set;
        } in_set;
    } u;
};

/* Constructors: allocated in a; NULL on allocation failure. */
lh_bexpr_t *lh_bx_const(lh_arena_t *a, const lh_value_t *v, int32_t pos);
lh_bexpr_t *lh_bx_colref(lh_arena_t *a, uint32_t col, const lh_type_t *type);
lh_bexpr_t *lh_bx_cast(lh_arena_t *a, lh_bexpr_t *arg, const lh_type_t *to, bool try_cast,
                       int32_t pos);
lh_bexpr_t *lh_bx_list(lh_arena_t *a, lh_bx_kind_t kind, const lh_type_t *type, uint32_t n,
                       int32_t pos);
/* A call of a bound function (call->cast_to applied to args by the caller). */
lh_bexpr_t *lh_bx_func(lh_arena_t *a, const lh_sql_func_def_t *def, const lh_sql_bind_call_t *call,
                       lh_bexpr_t **args, uint32_t nargs);
/* A deep copy of e in a whose column references get map(ctx, ref) as their
 * column (and lose the outer mark); NULL on allocation failure. */
lh_bexpr_t *lh_bx_copy_map(lh_arena_t *a, const lh_bexpr_t *e,
                           uint32_t (*map)(void *ctx, const lh_bexpr_t *ref), void *ctx);
/* Structural equality: same kinds, types, columns, constants, functions and
 * arguments (GROUP BY keys, shared conjuncts). */
bool lh_bx_equal(const lh_bexpr_t *a, const lh_bexpr_t *b);
/* Marks in need[0..n) the columns e reads (outer references aside). */
void lh_bx_refs(const lh_bexpr_t *e, bool *need, uint32_t n);
/* Whether e refers to no column, parameter or volatile function. */
bool lh_bx_is_foldable(const lh_bexpr_t *e);

/* ---- aggregates in a plan ---- */

typedef struct lh_plan_agg {
    const lh_sql_func_def_t *def;
    const lh_sql_agg_t *agg;
    void *bind_data;
    lh_bexpr_t **args; /* over the aggregate's input */
    uint32_t nargs;
    lh_bexpr_t *filter; /* FILTER (WHERE ...), or NULL */
    bool distinct;
    lh_type_t type;
    int32_t pos;
} lh_plan_agg_t;

typedef struct lh_plan_order {
    lh_bexpr_t *expr;
    bool desc;
    bool nulls_first;
} lh_plan_order_t;

/* A window function call: fn(args) OVER (PARTITION BY ... ORDER BY ... frame). */
typedef enum lh_win_kind {
    LH_WIN_AGG = 1, /* an aggregate over the frame */
    LH_WIN_ROW_NUMBER,
    LH_WIN_RANK,
    LH_WIN_DENSE_RANK,
    LH_WIN_PERCENT_RANK,
    LH_WIN_CUME_DIST,
    LH_WIN_NTILE,
    LH_WIN_LAG,
    LH_WIN_LEAD,
    LH_WIN_FIRST_VALUE,
    LH_WIN_LAST_VALUE,
    LH_WIN_NTH_VALUE,
} lh_win_kind_t;

typedef enum lh_win_bound {
    LH_WB_UNBOUNDED_PRECEDING = 1,
    LH_WB_PRECEDING, /* offset rows (ROWS) or offset in the ORDER BY key's units (RANGE) */
    LH_WB_CURRENT_ROW,
    LH_WB_FOLLOWING,
    LH_WB_UNBOUNDED_FOLLOWING,
} lh_win_bound_t;

typedef struct lh_plan_window {
    uint8_t kind;            /* lh_win_kind_t */
    const lh_sql_agg_t *agg; /* LH_WIN_AGG */
    void *bind_data;
    lh_bexpr_t **args; /* over the window's input */
    uint32_t nargs;
    lh_bexpr_t **partition;
    uint32_t npartition;
    lh_plan_order_t *order;
    uint32_t norder;
    bool rows;                 /* ROWS frame (else RANGE) */
    uint8_t start, end;        /* lh_win_bound_t */
    double start_off, end_off; /* PRECEDING/FOLLOWING offsets (>= 0) */
    lh_type_t type;
    int32_t pos;
} lh_plan_window_t;

/* Join kinds beyond the syntax tree's (lh_ast_join_kind_t): MARK hands out
 * every left row once, plus a BOOLEAN column saying whether it had a match
 * (correlated EXISTS and IN). */
#define LH_JOIN_KIND_MARK 16

/* ---- plan nodes ---- */

typedef enum lh_plan_kind {
    LH_PLAN_VALUES = 1, /* .values: constant rows (also the one empty row of SELECT without FROM) */
    LH_PLAN_SCAN_MEMORY,  /* .mem: a table of the memory catalog */
    LH_PLAN_SCAN_PARQUET, /* .pq: Parquet files (read_parquet, a Delta snapshot's files) */
    LH_PLAN_RANGE,        /* .range: range(a, b, step) / generate_series */
    LH_PLAN_FILTER,       /* .filter over child[0] */
    LH_PLAN_PROJECT,      /* .project over child[0] */
    LH_PLAN_AGGREGATE,    /* .agg over child[0]: groups then aggregates in the output */
    LH_PLAN_SORT,         /* .sort over child[0] */
    LH_PLAN_LIMIT,        /* .limit over child[0] */
    LH_PLAN_JOIN,         /* .join: child[0] left, child[1] right */
    LH_PLAN_UNION,        /* .setop: child[0] then child[1] (ALL); DISTINCT adds an aggregate */
    LH_PLAN_SETOP,        /* .setop: INTERSECT / EXCEPT [ALL] */
    LH_PLAN_WINDOW,       /* .window over child[0] */
    LH_PLAN_INSERT,       /* .insert: child[0]'s rows into a table; outputs one row (count) */
    LH_PLAN_CREATE_TABLE, /* .create: CREATE TABLE [AS child[0]] */
    LH_PLAN_DDL,       /* .ddl: other catalog changes (DROP, CREATE SCHEMA, SET) done at execute */
    LH_PLAN_SCAN_TEXT, /* .text: CSV or JSON files (read_csv, read_json) */
} lh_plan_kind_t;

typedef struct lh_plan lh_plan_t;

typedef struct lh_plan_col {
    const char *name;
    lh_type_t type;
    bool not_null; /* a table column declared NOT NULL (or PRIMARY KEY) */
} lh_plan_col_t;

struct lh_sql_mem_table;

struct lh_plan {
    uint8_t kind;        /* lh_plan_kind_t */
    lh_plan_col_t *cols; /* the output columns */
    uint32_t ncols;
    lh_plan_t *child[2];
    double est_rows; /* the optimizer's estimate; < 0 unknown */
    union {
        struct {
            lh_bexpr_t ***rows; /* nrows rows of ncols constant expressions */
            uint32_t nrows;
        } values;
        struct {
            struct lh_sql_mem_table *table;
            uint32_t *proj; /* the table's columns read, in output order */
            bool *read;     /* set by column pruning: per output column, whether anything
                               reads it (NULL: all are read); the others come out NULL */
        } mem;
        struct {
            struct lh_objstore *os; /* the files' store, or NULL: local paths */
            const char *bucket;
            const char **keys; /* nfiles object keys or local paths */
            uint32_t nfiles;
            const char **names;      /* per output column: its name in the files */
            bool *is_part;           /* per output column: a partition column (not in the files) */
            const char ***part_text; /* per file, per output column: the partition value's text
                                        (NULL: NULL); only where is_part */
            bool *read;              /* set by column pruning: per output column, whether anything
                                        reads it (NULL: all are read); the others come out NULL */
            lh_pred_t *preds;        /* set by filter pushdown: conjuncts over output columns
                                        (depth-1 paths), for row-group and page pruning */
            uint32_t npreds;
            bool dml_target; /* MERGE's target table, whichever side of a join the optimizer
                                puts it on (lake_dml.c rewrites it file by file) */
        } pq;
        struct {
            int64_t start, stop, step;
        } range;
        struct {
            lh_bexpr_t *cond;
            /* a runtime join filter (opt/runtime_filter.c, exec/op_rtf.c): cond is TRUE and
               the rows pass whose keys (over the input) the join's build side holds */
            const lh_plan_t *rtf_join;
            lh_bexpr_t **rtf_keys; /* rtf_join->u.join.nkeys, or 1 with rtf_one */
            uint32_t rtf_one;      /* 0: all the join's keys; k + 1: key k alone */
        } filter;
        struct {
            lh_bexpr_t **exprs; /* ncols */
        } project;
        struct {
            lh_bexpr_t **groups; /* over the input; outputs 0..ngroups-1 */
            uint32_t ngroups;
            lh_plan_agg_t *aggs; /* outputs ngroups.. */
            uint32_t naggs;
            /* GROUPING SETS: nsets masks over the groups (bit i = group i is in the set);
               0 sets: one plain grouping. A grouping_id column follows when nsets > 0. */
            uint64_t *sets;
            uint32_t nsets;
        } agg;
        struct {
            lh_plan_order_t *keys;
            uint32_t nkeys;
            int64_t limit; /* top-N when >= 0 (a LIMIT folded into the sort), else -1 */
        } sort;
        struct {
            lh_bexpr_t *limit, *offset; /* constants after binding; NULL when absent */
        } limit;
        struct {
            uint8_t kind; /* lh_ast_join_kind_t values */
            lh_bexpr_t **left_keys,
                **right_keys; /* equi-join keys: left over child 0, right over child 1 */
            uint32_t nkeys;
            lh_bexpr_t *cond; /* the rest of ON, over left ++ right columns; NULL when none */
            bool mark;        /* SEMI/ANTI used for IN/EXISTS: NULL-aware */
            bool *read;       /* set by column pruning: per output column, whether anything
                                 above reads it (NULL: all); the others come out NULL */
            bool build_left;  /* SEMI/ANTI/MARK: hash the left side, probe with
                                 the right (set by join ordering when the right is bigger) */
            bool small_build; /* the build side is estimated at most a quarter of the probe
                                 side: parallel pipelines may run through the probe */
        } join;
        struct {
            uint8_t op; /* 1 UNION, 2 INTERSECT, 3 EXCEPT */
            bool all;
        } setop;
        struct {
            struct lh_objstore *os; /* the files' store, or NULL: local paths */
            const char *bucket;
            const char **keys;    /* nfiles object keys or local paths */
            const char **urls;    /* per file: its name as the user wrote it (filename column) */
            const char **etags;   /* objects: per file, its listed ETag (NULL: not listed) */
            const int64_t *sizes; /* objects: per file, its listed size */
            uint32_t nfiles;
            uint32_t nfilecols; /* output columns 0.. come from the files, then nhive
                                   partition columns, then filename when set, then
                                   nderived derived ones */
            uint32_t nhive;
            bool filename;
            const char ***part_text; /* per file, per hive column: the value's text */
            uint8_t format;          /* 1 CSV, 2 newline-delimited JSON, 3 a JSON array,
                                        4 JSON values, each maybe over many lines */
            uint8_t compression;     /* lh_compression_t (exec/files.h) */
            char delim, quote, escape;
            bool header;
            const char *nullstr;
            uint32_t skip;          /* CSV: lines skipped at the top of each file */
            const char **json_keys; /* JSON: per file column, its key */
            bool *read; /* set by column pruning: per output column, whether anything reads
                           it (NULL: all); newline-delimited JSON leaves the others NULL */
            /* set by filter pushdown: the filter's conjuncts that read nothing but
               the filename and Hive columns, evaluated on each file's values before
               it is opened (a file where one is not true is skipped) */
            const lh_bexpr_t **file_conds;
            uint32_t nfile_conds;
            /* set by opt/derive.c when the scan cache is on: expressions over
               the columns before them (JSON functions of a file column), each
               one more output column after filename, computed as the rows are
               read and kept in the scan cache beside the file's entry */
            lh_bexpr_t **derived;
            uint32_t nderived;
        } text;
        struct {
            lh_plan_window_t *wins; /* outputs: the input's columns, then one per window */
            uint32_t n;
            bool *read;    /* set by column pruning: per output column, whether anything reads it
                              (NULL: all); unread input columns are not kept */
            uint32_t topn; /* set by opt/window_topn.c: a filter above keeps row numbers <= topn
                              (one row_number() window); 0: every row's number */
        } window;
    } u;
};

/* A node with ncols output columns, zeroed, allocated in a; NULL on failure. */
lh_plan_t *lh_plan_new(lh_arena_t *a, lh_plan_kind_t kind, uint32_t ncols);
/* The node's name for EXPLAIN ("PROJECTION", "HASH_GROUP_BY", ...). */
const char *lh_plan_kind_name(lh_plan_kind_t k);

#endif
