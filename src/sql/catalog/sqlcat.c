/* The memory catalog: a small list of schemas and a list of tables, both
 * searched linearly (a session holds tens of tables, not thousands), under
 * one mutex. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/catalog/sqlcat.h"

struct lh_sql_catalog {
    pthread_mutex_t mu;
    char **schemas;
    uint32_t nschemas;
    lh_sql_mem_table_t **tables;
    uint32_t ntables;
};

int lh_sql_catalog_new(lh_sql_catalog_t **out)
{
    lh_sql_catalog_t *c = calloc(1, sizeof *c);
    if (!c) return LH_ENOMEM;
    pthread_mutex_init(&c->mu, NULL);
    *out = c;
    int rc = lh_sql_catalog_create_schema(c, LH_SQL_DEFAULT_SCHEMA);
    if (rc) {
        lh_sql_catalog_free(c);
        *out = NULL;
    }
    return rc;
}

void lh_sql_catalog_free(lh_sql_catalog_t *c)
{
    if (!c) return;
    for (uint32_t i = 0; i < c->ntables; i++)
        lh_sql_mem_table_free(c->tables[i]);
    for (uint32_t i = 0; i < c->nschemas; i++)
        free(c->schemas[i]);
    free(c->tables);
    free(c->schemas);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void lh_sql_catalog_lock(lh_sql_catalog_t *c)
{
    pthread_mutex_lock(&c->mu);
}

void lh_sql_catalog_unlock(lh_sql_catalog_t *c)
{
    pthread_mutex_unlock(&c->mu);
}

static int64_t table_index(lh_sql_catalog_t *c, const char *schema, const char *name)
{
    for (uint32_t i = 0; i < c->ntables; i++)
        if (!strcasecmp(c->tables[i]->schema, schema) && !strcasecmp(c->tables[i]->name, name))
            return i;
    return -1;
}

lh_sql_mem_table_t *lh_sql_catalog_find(lh_sql_catalog_t *c, const char *schema, const char *name)
{
    int64_t i = table_index(c, schema, name);
    return i < 0 ? NULL : c->tables[i];
}

bool lh_sql_catalog_has_schema(lh_sql_catalog_t *c, const char *schema)
{
    for (uint32_t i = 0; i < c->nschemas; i++)
        if (!strcasecmp(c->schemas[i], schema)) return true;
    return false;
}

int lh_sql_catalog_add(lh_sql_catalog_t *c, lh_sql_mem_table_t *t)
{
    if (!lh_sql_catalog_has_schema(c, t->schema)) return LH_ENOENT;
    if (table_index(c, t->schema, t->name) >= 0) return LH_EEXIST;
    lh_sql_mem_table_t **n = realloc(c->tables, (c->ntables + 1) * sizeof *n);
    if (!n) return LH_ENOMEM;
    c->tables = n;
    c->tables[c->ntables++] = t;
    return 0;
}

int lh_sql_catalog_drop(lh_sql_catalog_t *c, const char *schema, const char *name)
{
    int64_t i = table_index(c, schema, name);
    if (i < 0) return LH_ENOENT;
    lh_sql_mem_table_free(c->tables[i]);
    memmove(&c->tables[i], &c->tables[i + 1], (c->ntables - (uint32_t)i - 1) * sizeof *c->tables);
    c->ntables--;
    return 0;
}

int lh_sql_catalog_create_schema(lh_sql_catalog_t *c, const char *schema)
{
    if (lh_sql_catalog_has_schema(c, schema)) return LH_EEXIST;
    char **n = realloc(c->schemas, (c->nschemas + 1) * sizeof *n);
    if (!n) return LH_ENOMEM;
    c->schemas = n;
    if (!(c->schemas[c->nschemas] = strdup(schema))) return LH_ENOMEM;
    c->nschemas++;
    return 0;
}

int lh_sql_catalog_drop_schema(lh_sql_catalog_t *c, const char *schema, bool cascade)
{
    if (!strcasecmp(schema, LH_SQL_DEFAULT_SCHEMA)) return LH_EPERM;
    uint32_t s = 0;
    while (s < c->nschemas && strcasecmp(c->schemas[s], schema))
        s++;
    if (s == c->nschemas) return LH_ENOENT;
    for (uint32_t i = 0; i < c->ntables; i++) {
        if (strcasecmp(c->tables[i]->schema, schema)) continue;
        if (!cascade) return LH_ENOTEMPTY;
    }
    for (uint32_t i = c->ntables; i-- > 0;)
        if (!strcasecmp(c->tables[i]->schema, schema))
            lh_sql_catalog_drop(c, c->tables[i]->schema, c->tables[i]->name);
    free(c->schemas[s]);
    memmove(&c->schemas[s], &c->schemas[s + 1], (c->nschemas - s - 1) * sizeof *c->schemas);
    c->nschemas--;
    return 0;
}

void lh_sql_catalog_each(lh_sql_catalog_t *c, void (*fn)(void *arg, const lh_sql_mem_table_t *t),
                         void *arg)
{
    for (uint32_t i = 0; i < c->ntables; i++)
        fn(arg, c->tables[i]);
}

void lh_sql_catalog_each_schema(lh_sql_catalog_t *c, void (*fn)(void *arg, const char *schema),
                                void *arg)
{
    for (uint32_t i = 0; i < c->nschemas; i++)
        fn(arg, c->schemas[i]);
}
