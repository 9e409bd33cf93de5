/* The `memory` catalog of one database: schemas (`main` always exists) and
 * their tables, held in the process (DuckDB's default in-memory database).
 * The lake's namespaces join this catalog in a later step.
 *
 * Thread safety: one mutex; callers hold it (lh_sql_catalog_lock) around a
 * lookup and the use of what it returned when other sessions may drop
 * tables at the same time. */
#ifndef LH_SQL_SQLCAT_H
#define LH_SQL_SQLCAT_H
#include "sql/catalog/memtable.h"

typedef struct lh_sql_catalog lh_sql_catalog_t;

#define LH_SQL_DEFAULT_SCHEMA "main"
#define LH_SQL_MEMORY_CATALOG "memory"

/* *out owned by the caller (lh_sql_catalog_free). 0 or LH_ENOMEM. */
int lh_sql_catalog_new(lh_sql_catalog_t **out);
/* Frees the catalog and every table in it. */
void lh_sql_catalog_free(lh_sql_catalog_t *c);
void lh_sql_catalog_lock(lh_sql_catalog_t *c);
void lh_sql_catalog_unlock(lh_sql_catalog_t *c);

/* The table schema.name (names compared case-insensitively, as DuckDB
 * does), or NULL. Borrowed: valid until it is dropped. */
lh_sql_mem_table_t *lh_sql_catalog_find(lh_sql_catalog_t *c, const char *schema, const char *name);
/* Adds t (the catalog takes it). LH_EEXIST when the name is taken (t is
 * then still the caller's), LH_ENOENT when the schema does not exist,
 * LH_ENOMEM. */
int lh_sql_catalog_add(lh_sql_catalog_t *c, lh_sql_mem_table_t *t);
/* Drops and frees the table. 0 or LH_ENOENT. */
int lh_sql_catalog_drop(lh_sql_catalog_t *c, const char *schema, const char *name);
bool lh_sql_catalog_has_schema(lh_sql_catalog_t *c, const char *schema);
/* 0, LH_EEXIST or LH_ENOMEM. */
int lh_sql_catalog_create_schema(lh_sql_catalog_t *c, const char *schema);
/* Drops an empty schema: 0, LH_ENOENT, LH_ENOTEMPTY (tables left; with
 * cascade they are dropped), LH_EPERM (main). */
int lh_sql_catalog_drop_schema(lh_sql_catalog_t *c, const char *schema, bool cascade);
/* The tables, for SHOW TABLES: calls fn for each (under the lock the caller holds). */
void lh_sql_catalog_each(lh_sql_catalog_t *c, void (*fn)(void *arg, const lh_sql_mem_table_t *t),
                         void *arg);

/* The schemas, in creation order (`main` first): calls fn for each (under the lock the
 * caller holds). */
void lh_sql_catalog_each_schema(lh_sql_catalog_t *c, void (*fn)(void *arg, const char *schema),
                                void *arg);

#endif
