/* The binder: from a syntax tree (parser/ast.h) to a bound statement, a plan
 * whose names are resolved (tables in the catalog, columns to positions,
 * functions to kernels), whose types are known and whose implicit casts are
 * explicit. Errors carry the position of the node they are about.
 *
 * Ownership: everything in the bound statement lives in env->arena (the
 * statement's arena); tables it names are borrowed from the catalog, which
 * the caller keeps locked or otherwise alive while the statement runs. */
#ifndef LH_SQL_BIND_H
#define LH_SQL_BIND_H
#include "sql/catalog/sqlcat.h"
#include "sql/exec/exec.h"
#include "sql/parser/ast.h"

typedef enum lh_stmt_kind {
    LH_STMT_QUERY = 1,    /* .plan: rows to the client */
    LH_STMT_CREATE_TABLE, /* .plan (AS query) or NULL; .target_cols */
    LH_STMT_INSERT,       /* .plan: rows cast to the table's columns; .table */
    LH_STMT_DROP,         /* .drop_what */
    LH_STMT_CREATE_SCHEMA,
    LH_STMT_SET,         /* .set_name, .set_value */
    LH_STMT_EXPLAIN,     /* .plan: the statement's plan; .analyze */
    LH_STMT_NOOP,        /* BEGIN, COMMIT, ... */
    LH_STMT_COPY,        /* .plan's rows to .copy_path as Parquet (.copy_codec) */
    LH_STMT_DELETE,      /* .plan: every row of .table (or the lake's) plus BOOLEAN columns touched
                            and drop (sql/dml.h; bind_dml.c) */
    LH_STMT_UPDATE,      /* .plan: every row, updated where touched */
    LH_STMT_MERGE,       /* .plan: the target's rows as for UPDATE; .dml_pairs, .dml_insert */
    LH_STMT_ALTER_ADD,   /* .plan: .table's rows with the new column (NULL) last */
    LH_STMT_CREATE_VIEW, /* a memory view: .view_sql, its columns in .target_cols */
} lh_stmt_kind_t;

typedef struct lh_bound_stmt {
    uint8_t kind;    /* lh_stmt_kind_t */
    const char *tag; /* "SELECT", "CREATE TABLE", "INSERT", ... (PostgreSQL's command tags) */
    lh_plan_t *plan;
    const char *schema, *name;  /* CREATE/DROP/INSERT target */
    lh_plan_col_t *target_cols; /* CREATE TABLE / VIEW: the columns */
    const char *view_sql;       /* CREATE VIEW in memory: the query's text */
    uint32_t ntarget_cols;
    lh_sql_mem_table_t *table; /* INSERT: the table */
    bool or_replace, if_not_exists, if_exists, cascade, temp, analyze;
    uint8_t drop_what; /* 1 TABLE, 2 VIEW, 3 SCHEMA */
    const char *set_name;
    lh_value_t set_value;
    struct lh_sql_lake_stmt *lake; /* a statement on the lake (sql/lake_write.h), else NULL */
    const char *copy_path;         /* COPY ... TO: the file */
    int copy_codec;                /* COPY ... TO: LH_PQ_CODEC_* */
    uint8_t copy_format;           /* COPY ... TO: lh_sql_copy_format_t (sql/copy.h) */
    bool copy_header;              /* COPY ... TO csv: a header line */
    char copy_delim;               /* COPY ... TO csv: the delimiter */
    uint32_t copy_row_group;       /* COPY ... TO parquet: ROW_GROUP_SIZE (0: the default) */
    /* DELETE / UPDATE / MERGE: counts of the target's rows that match (NULL:
       any row may), MERGE's matching (target, source) pairs (more than rows
       found: a row matched twice), MERGE's rows to insert (as .plan's) */
    const lh_plan_t *dml_find, *dml_pairs, *dml_insert;
    uint8_t dml_files;        /* the target's files rewritten: 0 those with rows found (all when
                                 dml_find is NULL), 1 all, 2 none (MERGE that only inserts) */
    uint32_t nparams;         /* parameters used: $1..$nparams (named ones numbered in order) */
    const char **param_names; /* the $name parameters, by number (NULL entries for $n) */
} lh_bound_stmt_t;

typedef struct lh_bind_env {
    lh_arena_t *arena; /* the statement's */
    lh_sql_error_t *err;
    lh_sql_catalog_t *catalog; /* locked by the caller */
    const char *schema;        /* the session's current schema (SET schema) */
    lh_exec_t *fold;           /* an executor context for constant folding */
    struct lh_bcte *ctes;      /* private: the WITH names in reach, innermost first */
    struct lh_bouter *outer;   /* private: the enclosing query's scope while a subquery binds */
    uint32_t nouter_refs;      /* private: correlated column references made so far */
    /* Parameter values: 0 and *out for $index (0-based; name set for $name), or
       LH_ENOENT. NULL: parameters stay open (prepare checks the statement only). */
    int (*param_value)(void *ctx, uint32_t index, const char *name, lh_value_t *out);
    void *param_ctx;
    struct lh_objstore *lake; /* the lake (lake.* keys), or NULL: no lake, no network */
    const char *lake_bucket;
} lh_bind_env_t;

/* Binds one statement. 0, or LH_EINVAL (Parser/Binder/Catalog/Conversion
 * errors with a position), LH_ENOMEM. */
int lh_sql_bind(lh_bind_env_t *env, const lh_ast_t *stmt, lh_bound_stmt_t *out);

#endif
