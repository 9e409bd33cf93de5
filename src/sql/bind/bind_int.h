/* Internals of the binder shared by its files: scopes (the columns an
 * expression may name) and the binding context of one SELECT block. */
#ifndef LH_SQL_BIND_INT_H
#define LH_SQL_BIND_INT_H
#include "sql/bind/bind.h"

typedef struct lh_bcol {
    const char *qual; /* the FROM item's name or alias, or NULL */
    const char *name;
    lh_type_t type;
    bool hidden;       /* the right side's USING column: found only when qualified, not in * */
    uint32_t using_of; /* that column: its left partner's number + 1 */
} lh_bcol_t;

typedef struct lh_bscope {
    lh_bcol_t *cols;
    uint32_t n;
} lh_bscope_t;

/* A select-list alias: its name and expression. */
typedef struct lh_balias {
    const char *name;
    const lh_ast_t *ast;
} lh_balias_t;

typedef struct lh_bparams {
    const char **names; /* $name parameters in order of first use */
    uint32_t nnames, max_index;
} lh_bparams_t;

typedef struct lh_bctx {
    lh_bind_env_t *env;
    lh_bscope_t *scope; /* what column names mean here */
    lh_bparams_t *params;
    /* aggregation: set while binding the select list, HAVING and ORDER BY of
       a grouped query; column names then resolve in agg_input and must match
       a group expression */
    bool agg_mode;
    lh_bscope_t *agg_input;
    lh_bexpr_t **groups;
    uint32_t ngroups;
    lh_plan_agg_t *aggs;
    uint32_t naggs, cap_aggs;
    uint64_t *sets; /* GROUPING SETS / ROLLUP / CUBE: masks over groups; nsets 0: plain */
    uint32_t nsets;
    /* agg(x ORDER BY k) of an order-sensitive aggregate (string_agg, list,
       first ...): the ORDER BY over the aggregate's input, one per block; the
       input is sorted by it before the (then one-thread) aggregate */
    lh_plan_order_t *agg_order;
    uint32_t nagg_order;
    const lh_balias_t *aliases; /* the select list's aliases, for WHERE, GROUP BY, HAVING and
                                   QUALIFY (bind_alias.c) */
    uint32_t naliases;
    uint32_t gid_slot; /* with sets: 1 + the group holding the set's grouping id (a BIGINT
                          whose bit i is 1 when group i is not in the set), else 0 */
    bool in_agg_args;  /* inside an aggregate's arguments: no nested aggregates */
    /* window functions: allowed in the select list, QUALIFY and ORDER BY; each
       call becomes a column LH_WIN_COL_BASE + k until the WINDOW node's place
       is known */
    bool allow_windows;
    const lh_ast_t *select; /* for OVER w: the block's WINDOW clause */
    lh_plan_window_t *wins;
    uint32_t nwins, cap_wins;
    /* where a correlated subquery may add its join: the FROM plan of this block
       (the scope is extended with a hidden column); NULL where it may not */
    lh_plan_t **from_plan;
} lh_bctx_t;

/* The enclosing query while a subquery binds (one level: deeper correlation is
   refused). */
struct lh_bouter {
    lh_bscope_t *scope;
    struct lh_bouter *next;
};

#define LH_WIN_COL_BASE 0x40000000u

#define LH_BIND_ERR(ctx, cls, pos, ...)                                                            \
    lh_sql_err((ctx)->env->err, LH_EINVAL, (cls), (pos), __VA_ARGS__)

int lh__bind_expr(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out);
/* Binds and casts to BOOLEAN (WHERE, HAVING, ON, CASE WHEN). */
int lh__bind_bool(lh_bctx_t *c, const lh_ast_t *n, const char *clause, lh_bexpr_t **out);
/* Calls function `name` on bound args (operators too): overload choice,
 * implicit casts, folding. */
int lh__bind_call(lh_bctx_t *c, const char *name, lh_bexpr_t **args, uint32_t nargs, int32_t pos,
                  lh_bexpr_t **out);
/* e cast to type t (folded when e is constant). */
int lh__bind_cast_to(lh_bctx_t *c, lh_bexpr_t *e, const lh_type_t *t, bool try_cast, int32_t pos,
                     lh_bexpr_t **out);
/* Folds a foldable expression into a constant (keeps it when folding fails
 * with an error it should raise at run time? no: errors are raised now). */
int lh__bind_fold(lh_bctx_t *c, lh_bexpr_t **e);
/* The binder's view of an argument for func.h. */
void lh__bind_arg(const lh_bexpr_t *e, lh_sql_arg_t *out);
/* n with each bare column name that no column of from has but an alias has
 * replaced by the alias's expression (bind_alias.c); n itself when none;
 * *first (optional) the first alias replaced, or NULL. */
int lh__bind_subst_aliases(lh_arena_t *a, const lh_balias_t *al, uint32_t nal,
                           const lh_bscope_t *from, const lh_ast_t *n, const lh_ast_t **out,
                           const char **first);
/* GROUPING(...) / grouping_id(...) in a grouped query (bind_select.c). */
bool lh__ast_is_grouping(const lh_ast_t *n);
int lh__bind_grouping(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out);
/* Whether the tree calls an aggregate (outside window calls). */
bool lh__ast_has_agg(const lh_ast_t *n);
/* Whether the tree calls a window function. */
bool lh__ast_has_window(const lh_ast_t *n);
/* The common type of two bound expressions (with their literal notes). */
int lh__bind_common(lh_bctx_t *c, const lh_bexpr_t *a, const lh_bexpr_t *b, int32_t pos,
                    lh_type_t *out);

/* The common type of the non-NULL items, each cast to it (CASE, COALESCE, VALUES). */
int lh__bind_unify(lh_bctx_t *c, lh_bexpr_t **items, uint32_t n, int32_t pos, lh_type_t *out);
/* DuckDB's name for an unnamed select-list expression (bind_name.c). */
const char *lh__bind_item_name(lh_arena_t *a, const lh_ast_t *n);
/* A FROM item (table, table function, subquery, join) to a plan and the scope it defines. */
int lh__bind_from(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n, lh_plan_t **plan,
                  lh_bscope_t *sc);
int lh__bind_join(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n, lh_plan_t **plan,
                  lh_bscope_t *sc);
/* WITH: pushes the CTEs onto env->ctes (the caller restores env->ctes). */
int lh__bind_with(lh_bind_env_t *env, const lh_ast_with_t *with);
/* A FROM name that is a CTE in reach: *found and its plan. */
int lh__bind_cte_ref(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n, lh_plan_t **plan,
                     bool *found);
/* A correlated subquery as a join on the block's FROM plan (bind_correlated.c);
 * probe: x of x IN (subquery), else NULL. */
int lh__bind_correlated(lh_bctx_t *c, const lh_ast_t *n, lh_plan_t *sub, lh_bexpr_t *probe,
                        lh_bexpr_t **out);
/* Scalar subqueries, EXISTS and IN (subquery). */
int lh__bind_subquery_expr(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out);
/* read_parquet / read_csv / read_json and their aliases (bind_files.c):
 * *handled false when n names another table function. */
int lh__bind_file_func(lh_bind_env_t *env, const lh_ast_t *n, lh_plan_t **plan, lh_bscope_t *sc,
                       bool *handled);
/* FROM 'file': Parquet, CSV or JSON by the path's extension (bind_files.c). */
int lh__bind_file_path(lh_bind_env_t *env, const char *path, int32_t pos, const char *alias,
                       lh_plan_t **plan, lh_bscope_t *sc);
/* The lake's Delta table ns.name (bind_lake.c). */
int lh__bind_lake_table(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n, const char *ns,
                        const char *name, lh_plan_t **plan, lh_bscope_t *sc);
/* fn(...) OVER (...) (bind_window.c): a placeholder column for the call. */
int lh__bind_window_call(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out);
/* Replaces the placeholder columns in e by base + k. */
void lh__bind_window_remap(lh_bexpr_t *e, uint32_t base);
/* CREATE TABLE's columns (and AS query) into out (bind_stmt.c). */
int lh__bind_create_table(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                          lh_bound_stmt_t *out);
/* INSERT's source cast to the columns cols[0..ncols) of table tname (bind_stmt.c). */
int lh__bind_insert_rows(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                         const char *tname, const lh_plan_col_t *cols, uint32_t ncols,
                         lh_plan_t **out);
/* A statement whose target is in the lake (CREATE SCHEMA, CREATE TABLE,
 * INSERT, DROP TABLE|VIEW, CREATE VIEW on a lake namespace): *lake true and
 * out bound with out->lake set; else *lake false and nothing done
 * (bind_lake_ddl.c). */
int lh__bind_lake_stmt(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                       lh_bound_stmt_t *out, bool *lake);
/* INSERT ... REPLACE WHERE pred on the lake table `table` (columns cols,
 * is_part[i]: a partition column) into ls's predicates (bind_lake_where.c). */
struct lh_sql_lake_stmt;
int lh__bind_lake_replace_where(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *pred,
                                const char *table, const lh_plan_col_t *cols, uint32_t ncols,
                                const bool *is_part, struct lh_sql_lake_stmt *ls);
/* The lake view ns.name when `<ns>/_views/<name>.json` exists: *found and its
 * plan and scope (bind_lake_ddl.c). */
int lh__bind_lake_view(lh_bind_env_t *env, const lh_ast_t *n, const char *ns, const char *name,
                       lh_plan_t **plan, lh_bscope_t *sc, bool *found);
/* A view's query text sql bound as a query, its columns renamed
 * names[0..nnames) (a NULL name keeps the query's). id says which view it is
 * (NULL: the one named what), what names it in errors: a view that reads
 * itself, or views more than 16 deep, are errors (bind_lake_ddl.c). */
int lh__bind_view_text(lh_bind_env_t *env, int32_t pos, const void *id, const char *what,
                       const char *sql, const char *const *names, uint32_t nnames,
                       lh_plan_t **plan);
/* CREATE VIEW's query bound (no parameters), its columns named by the
 * view's column list where given (bind_stmt.c). */
int lh__bind_view_query(lh_bind_env_t *env, const lh_ast_t *n, lh_plan_t **out);
/* CREATE [TEMP] VIEW in the memory catalog: checks the query and records
 * its columns (bind_stmt.c). */
int lh__bind_create_view(lh_bind_env_t *env, const lh_ast_t *n, lh_bound_stmt_t *out);
/* DELETE / UPDATE on a memory table, or on the lake's when out->lake is set
 * (bind_dml.c). */
int lh__bind_dml(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n, lh_bound_stmt_t *out);
/* MERGE INTO on a memory table, or on the lake's when out->lake is set
 * (bind_merge.c). */
int lh__bind_merge(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                   lh_bound_stmt_t *out);
/* UPDATE ... FROM, bound as the MERGE it is (bind_merge.c). */
int lh__bind_update_from(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                         lh_bound_stmt_t *out);
/* Helpers of bind_dml.c for DML plans: a list expression (items zeroed), a
 * BOOLEAN constant, a projection over child with nc columns plus touched and
 * drop (exprs to fill), and a counting plan over child (one constant
 * column, pruned and with filters pushed into its scans). NULL / LH_ENOMEM. */
lh_bexpr_t *lh__bx_list(lh_arena_t *a, lh_bx_kind_t kind, const lh_type_t *t, uint32_t n);
lh_bexpr_t *lh__bx_bool(lh_arena_t *a, bool b);
lh_plan_t *lh__dml_plan(lh_arena_t *a, lh_plan_t *child, uint32_t nc);
int lh__dml_count_plan(lh_arena_t *a, lh_plan_t *child, const lh_plan_t **out);
/* ALTER TABLE t ADD COLUMN on a memory table, or the lake's when out->lake
 * is set (bind_dml.c). */
int lh__bind_alter_add(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                       lh_bound_stmt_t *out);
/* SHOW TABLES, SHOW SCHEMAS, DESCRIBE: a query over rows made now (bind_show.c). */
int lh__bind_show(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                  lh_bound_stmt_t *out);
/* A query (SELECT, set operation, VALUES) to a plan. */
int lh__bind_query(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *q, lh_plan_t **out);

#endif
