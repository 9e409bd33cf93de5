/* The catalog: namespaces and tables found by listing the lake bucket
 * (catalog.h). */
#include "table/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool lh_catalog_name_valid(const char *s, size_t n)
{
    if (n == 0 || n > LH_CATALOG_NAME_MAX || s[0] == '_' || s[0] == '-') return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

int lh_catalog_split_name(const char *qualified, char *ns, char *table, lh_err_t *err)
{
    const char *dot = strchr(qualified, '.');
    if (!dot || strchr(dot + 1, '.'))
        return lh_err_set(err, LH_EINVAL, "table name '%s' is not <namespace>.<table>", qualified);
    size_t nl = (size_t)(dot - qualified), tl = strlen(dot + 1);
    if (!lh_catalog_name_valid(qualified, nl))
        return lh_err_set(err, LH_EINVAL, "invalid namespace name in '%s'", qualified);
    if (!lh_catalog_name_valid(dot + 1, tl))
        return lh_err_set(err, LH_EINVAL, "invalid table name in '%s'", qualified);
    memcpy(ns, qualified, nl);
    ns[nl] = 0;
    memcpy(table, dot + 1, tl + 1);
    return 0;
}

/* A common prefix "<parent><name>/" as name, when name is valid. */
static bool child_name(const char *key, size_t parent_len, char *name)
{
    size_t n = strlen(key);
    if (n <= parent_len + 1 || key[n - 1] != '/') return false;
    n -= parent_len + 1;
    if (!lh_catalog_name_valid(key + parent_len, n)) return false;
    memcpy(name, key + parent_len, n);
    name[n] = 0;
    return true;
}

typedef struct {
    int (*fn)(void *arg, const char *ns);
    void *arg;
} ns_walk_t;

static int on_ns(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *meta)
{
    (void)meta;
    ns_walk_t *w = arg;
    char name[LH_CATALOG_NAME_MAX + 1];
    if (!is_prefix || !child_name(key, 0, name)) return 0;
    return w->fn(w->arg, name);
}

int lh_catalog_namespaces(lh_objstore_t *os, const char *bucket,
                          int (*fn)(void *arg, const char *ns), void *arg, lh_err_t *err)
{
    ns_walk_t w = {fn, arg};
    return lh_objstore_list(os, bucket, NULL, "/", on_ns, &w, err);
}

#define FOUND 1 /* stops a listing at its first key */

static int on_any(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *meta)
{
    (void)arg, (void)key, (void)is_prefix, (void)meta;
    return FOUND;
}

int lh_catalog_table_exists(lh_objstore_t *os, const char *bucket, const char *ns,
                            const char *table, lh_err_t *err)
{
    char prefix[2 * LH_CATALOG_NAME_MAX + 16];
    if (!lh_catalog_name_valid(ns, strlen(ns)) || !lh_catalog_name_valid(table, strlen(table)))
        return lh_err_set(err, LH_EINVAL, "invalid table name '%s.%s'", ns, table);
    snprintf(prefix, sizeof prefix, "%s/%s/_delta_log/", ns, table);
    int rc = lh_objstore_list(os, bucket, prefix, "/", on_any, NULL, err);
    return rc == FOUND ? 1 : rc;
}

/* Names of the prefixes under ns, collected first: the store is not called
 * again from inside a listing callback. */
typedef struct {
    size_t ns_len;
    char (*names)[LH_CATALOG_NAME_MAX + 1];
    size_t n, cap;
} names_t;

static int on_child(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *meta)
{
    (void)meta;
    names_t *w = arg;
    char name[LH_CATALOG_NAME_MAX + 1];
    if (!is_prefix || !child_name(key, w->ns_len + 1, name)) return 0;
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 16;
        void *p = realloc(w->names, cap * sizeof *w->names);
        if (!p) return LH_ENOMEM;
        w->names = p;
        w->cap = cap;
    }
    memcpy(w->names[w->n++], name, sizeof name);
    return 0;
}

int lh_catalog_tables(lh_objstore_t *os, const char *bucket, const char *ns,
                      int (*fn)(void *arg, const char *ns, const char *table), void *arg,
                      lh_err_t *err)
{
    size_t n = strlen(ns);
    if (!lh_catalog_name_valid(ns, n))
        return lh_err_set(err, LH_EINVAL, "invalid namespace name '%s'", ns);
    char prefix[LH_CATALOG_NAME_MAX + 2];
    snprintf(prefix, sizeof prefix, "%s/", ns);
    names_t w = {.ns_len = n};
    int rc = lh_objstore_list(os, bucket, prefix, "/", on_child, &w, err);
    if (rc == LH_ENOMEM) lh_err_set(err, rc, "out of memory listing namespace '%s'", ns);
    for (size_t i = 0; !rc && i < w.n; i++) {
        rc = lh_catalog_table_exists(os, bucket, ns, w.names[i], err);
        if (rc == 1) rc = fn(arg, ns, w.names[i]);
    }
    free(w.names);
    return rc;
}

int lh_catalog_create_namespace(lh_objstore_t *os, const char *bucket, const char *ns,
                                lh_err_t *err)
{
    size_t n = strlen(ns);
    if (!lh_catalog_name_valid(ns, n))
        return lh_err_set(err, LH_EINVAL, "invalid namespace name '%s'", ns);
    char key[LH_CATALOG_NAME_MAX + 2];
    snprintf(key, sizeof key, "%s/", ns);
    return lh_objstore_put(os, bucket, key, "", 0, NULL, NULL, err);
}
