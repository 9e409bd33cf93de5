/* Statements on the lake's namespaces: what the binder (bind_lake_ddl.c)
 * decides and the executor (lake_write.c) does to the objects.
 *
 *   CREATE SCHEMA ns            the marker object `<ns>/`
 *   CREATE [OR REPLACE] TABLE   a Delta table at `<ns>/<name>/`, created with
 *     [AS query]                its rows in one commit (version 0), or
 *                               replacing the table in one commit
 *   INSERT INTO ns.t ...        one append commit
 *   INSERT INTO ns.t REPLACE    one commit removing the rows matching the
 *     WHERE pred query          predicate and adding the new ones (each must
 *                               match it)
 *   DROP TABLE ns.t             `_delta_log/` deleted first, then the rest
 *   CREATE [OR REPLACE] VIEW    `<ns>/_views/<name>.json`: {"sql", "columns"}
 *   DROP VIEW ns.v              that object deleted
 *   DELETE FROM ns.t [WHERE]    one commit (DELETE / UPDATE) removing the
 *   UPDATE ns.t SET .. [WHERE]  files holding matching rows and adding them
 *                               rewritten (lake_dml.c)
 *
 * Everything in lh_sql_lake_stmt_t lives in the statement's arena. */
#ifndef LH_SQL_LAKE_WRITE_H
#define LH_SQL_LAKE_WRITE_H
#include "sql/bind/bind.h"
#include "table/delta.h"
#include "vector/scan.h"

typedef enum lh_sql_lake_what {
    LH_SQL_LAKE_CREATE_SCHEMA = 1,
    LH_SQL_LAKE_CREATE_TABLE, /* bound->target_cols, bound->plan (AS) or NULL */
    LH_SQL_LAKE_INSERT,       /* bound->plan: rows in the table's schema */
    LH_SQL_LAKE_DROP_TABLE,
    LH_SQL_LAKE_CREATE_VIEW,
    LH_SQL_LAKE_DROP_VIEW,
    LH_SQL_LAKE_DELETE,    /* bound->plan as for LH_STMT_DELETE over the table's files */
    LH_SQL_LAKE_UPDATE,    /* bound->plan as for LH_STMT_UPDATE */
    LH_SQL_LAKE_MERGE,     /* bound->plan as for LH_STMT_MERGE */
    LH_SQL_LAKE_ALTER_ADD, /* add_column, add_type (no column: nothing to do) */
    LH_SQL_LAKE_OPTIMIZE,  /* row_where (from REPLACE WHERE's binder): partition predicates */
    LH_SQL_LAKE_VACUUM,    /* retain_hours, dry_run */
    LH_SQL_LAKE_DROP_SCHEMA,
} lh_sql_lake_what_t;

/* A REPLACE WHERE value known only when the statement runs: row_where[pred]'s
 * value, or its list[list_index] (>= 0). */
typedef struct lh_sql_lake_pending {
    uint32_t pred;
    int32_t list_index;
    const lh_bexpr_t *expr;
} lh_sql_lake_pending_t;

typedef struct lh_sql_lake_stmt {
    uint8_t what; /* lh_sql_lake_what_t */
    const char *ns, *name;
    /* CREATE TABLE */
    const lh_delta_schema_t *schema;
    const char **partition_by; /* the columns' own spelling */
    uint32_t npartition_by;
    /* INSERT ... REPLACE WHERE: row predicates on any column, and, once
     * lh_sql_lake_where_resolve ran, the same as partition predicates when
     * they are = / IN on distinct partition columns (part_where) */
    lh_pred_t *row_where;
    uint32_t nrow_where;
    const lh_sql_lake_pending_t *pending;
    uint32_t npending;
    const bool *is_part;    /* per table column */
    const char **col_names; /* per table column */
    const lh_delta_pred_t *part_where;
    uint32_t npart_where;
    bool replace_where;
    /* CREATE VIEW: the object's JSON */
    const char *view_json;
    /* VACUUM */
    double retain_hours;
    bool dry_run;
    /* ALTER TABLE ADD COLUMN */
    const char *add_column;
    lh_type_t add_type;
    /* DELETE / UPDATE / MERGE: the WHERE (ON) as written: the commit's predicate */
    const char *dml_pred;
    /* DELETE whose WHERE reads partition columns only: a file holding a match
       matches whole and is removed without being read */
    bool dml_whole_files;
} lh_sql_lake_stmt_t;

/* Folds the REPLACE WHERE values that need parameters (ex holds them; the
 * values live in a) and decides between partition and row predicates
 * (bind_lake_where.c). 0 or the executor's error. */
int lh_sql_lake_where_resolve(lh_sql_lake_stmt_t *ls, lh_exec_t *ex, lh_arena_t *a);

/* Runs bs (bs->lake set) against the lake os/bucket (borrowed); root is the
 * executor tree of bs->plan (NULL when none), drained into the table.
 * *changes gets the rows written (-1 when none apply). Errors set err:
 * Catalog Error (exists / does not exist), Constraint Error (a row outside
 * REPLACE WHERE), IO Error (the store), Transaction Error (a commit
 * conflict), and those of the executor. */
int lh_sql_lake_run(struct lh_objstore *os, const char *bucket, const lh_bound_stmt_t *bs,
                    lh_op_t *root, lh_sql_error_t *err, int64_t *changes);

/* The table layer's or the store's error e about `what` in the engine's
 * classes (Transaction Error for commit conflicts, IO Error, ...) into err;
 * returns the code (lake_write.c). */
int lh__sql_lake_error(lh_sql_error_t *err, const char *what, const lh_err_t *e);

/* A table writer's options: the defaults, with the Parquet pages made on
 * the engine's threads (root's pool; none without root) (lake_write.c). */
struct lh_table_write_opts;
void lh__sql_lake_write_opts(struct lh_table_write_opts *o, const lh_op_t *root);

/* DELETE / UPDATE on the open table t (ns.name in qname, for messages);
 * root is the executor tree of bs->plan, used for its context (lake_dml.c).
 * *changes gets the rows deleted or updated. */
int lh__sql_lake_dml(lh_delta_table_t *t, const char *qname, const lh_bound_stmt_t *bs,
                     lh_op_t *root, lh_sql_error_t *err, int64_t *changes);

#endif
