/* Running statements on the lake (lake_write.h): namespaces as marker
 * objects, Delta tables through the table layer's writer (one commit per
 * statement: create-with-rows, replace, append, replace-where), DROP TABLE
 * as two deletes (the log first, so no reader sees a table whose files are
 * going), and views as JSON objects. Errors of the store and the table
 * layer become IO Error, Transaction Error (commit conflicts), Catalog
 * Error or Constraint Error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/lake_write.h"
#include "table/catalog.h"
#include "table/table.h"

#define KEY_MAX 1100

typedef struct {
    lh_objstore_t *os;
    const char *bucket;
    const lh_bound_stmt_t *bs;
    const lh_sql_lake_stmt_t *ls;
    lh_sql_error_t *err;
    char qname[2 * LH_CATALOG_NAME_MAX + 2]; /* ns.name, for messages */
} run_t;

static const char *const builtin_ns[] = {"bronze", "silver", "gold"};

int lh__sql_lake_error(lh_sql_error_t *err, const char *what, const lh_err_t *e)
{
    int code = e->code ? e->code : LH_EIO;
    lh_sql_err_class_t cls = LH_SQL_EIO;
    if (code == LH_ECONFLICT || code == LH_EBUSY)
        cls = LH_SQL_ECONFLICT;
    else if (code == LH_ENOMEM)
        cls = LH_SQL_EOOM;
    else if (code == LH_EEXIST || code == LH_ENOENT)
        cls = LH_SQL_ECATALOG;
    else if (code == LH_EINVAL && strstr(e->msg, "replace-where"))
        cls = LH_SQL_ECONSTRAINT;
    else if (code == LH_EINVAL || code == LH_EPERM)
        cls = LH_SQL_EINPUT;
    if (cls == LH_SQL_ECATALOG || cls == LH_SQL_ECONSTRAINT || cls == LH_SQL_EINPUT)
        code = LH_EINVAL;
    return lh_sql_err(err, code, cls, -1, "%s: %s", what, e->msg);
}

static int table_error(run_t *x, const char *what, const lh_err_t *e)
{
    return lh__sql_lake_error(x->err, what, e);
}

static int catalog_error(run_t *x, const char *fmt, const char *a, const char *b)
{
    return lh_sql_err(x->err, LH_EINVAL, LH_SQL_ECATALOG, -1, fmt, a, b);
}

static int any_key(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *meta)
{
    *(bool *)arg = true;
    return 1;
}

/* Whether anything is stored under prefix: 1, 0, or an error. */
static int has_objects(run_t *x, const char *prefix)
{
    bool any = false;
    lh_err_t e = {0};
    int rc = lh_objstore_list_from(x->os, x->bucket, prefix, "/", NULL, 1, any_key, &any, &e);
    if (rc < 0) return table_error(x, prefix, &e);
    return any;
}

/* A namespace exists when it is bronze, silver or gold, or holds an object. */
static int ns_exists(run_t *x, const char *ns)
{
    for (size_t i = 0; i < sizeof builtin_ns / sizeof *builtin_ns; i++)
        if (!strcmp(ns, builtin_ns[i])) return 1;
    char prefix[KEY_MAX];
    snprintf(prefix, sizeof prefix, "%s/", ns);
    return has_objects(x, prefix);
}

static int create_schema(run_t *x)
{
    char prefix[KEY_MAX];
    snprintf(prefix, sizeof prefix, "%s/", x->ls->ns);
    int found = has_objects(x, prefix);
    if (found < 0) return found;
    bool builtin = false;
    for (size_t i = 0; i < sizeof builtin_ns / sizeof *builtin_ns; i++)
        builtin |= !strcmp(x->ls->ns, builtin_ns[i]);
    if ((found || builtin) && !x->bs->if_not_exists)
        return catalog_error(x, "Schema with name %s already exists!%s", x->ls->ns, "");
    if (found) return 0;
    lh_err_t e = {0};
    return lh_catalog_create_namespace(x->os, x->bucket, x->ls->ns, &e) ? table_error(x, prefix, &e)
                                                                        : 0;
}

/* CREATE TABLE IF NOT EXISTS whose table another writer created after the
 * check (LH_EEXIST at the writer's open or its commit): the table exists, as
 * asked, so it is no error. */
static bool lost_create_race(const run_t *x, int rc)
{
    return rc == LH_EEXIST && x->bs->kind == LH_STMT_CREATE_TABLE && x->bs->if_not_exists;
}

/* Drains root into the writer and commits: *rows written. */
static int write_rows(run_t *x, lh_table_writer_t *w, lh_op_t *root, int64_t *rows)
{
    lh_err_t e = {0};
    *rows = 0;
    for (;;) {
        lh_batch_t *b = NULL;
        int rc = root ? root->next(root, &b) : 0;
        if (rc) return rc;
        if (!b) break;
        if (lh_table_writer_write(w, b, &e)) return table_error(x, x->qname, &e);
        *rows += b->count;
    }
    int rc = lh_table_writer_commit(w, NULL, &e);
    if (!rc) return 0;
    if (!lost_create_race(x, rc)) return table_error(x, x->qname, &e);
    *rows = 0;
    return 0;
}

static int open_table(run_t *x, lh_delta_table_t **t)
{
    char root[KEY_MAX];
    snprintf(root, sizeof root, "%s/%s", x->ls->ns, x->ls->name);
    lh_err_t e = {0};
    return lh_delta_open(t, x->os, x->bucket, root, &e) ? table_error(x, root, &e) : 0;
}

/* 1 when ns.name has a Delta log, 0 when not, or an error. */
static int table_exists(run_t *x)
{
    lh_err_t e = {0};
    int rc = lh_catalog_table_exists(x->os, x->bucket, x->ls->ns, x->ls->name, &e);
    return rc < 0 ? table_error(x, x->qname, &e) : rc;
}

static int view_exists(run_t *x, const char *key)
{
    lh_err_t e = {0};
    int rc = lh_objstore_head(x->os, x->bucket, key, NULL, &e);
    if (rc == LH_ENOENT) return 0;
    return rc ? table_error(x, key, &e) : 1;
}

static void view_key(const lh_sql_lake_stmt_t *ls, char *key, size_t cap)
{
    snprintf(key, cap, "%s/_views/%s.json", ls->ns, ls->name);
}

void lh__sql_lake_write_opts(lh_table_write_opts_t *o, const lh_op_t *root)
{
    lh_table_write_opts_default(o);
    o->parquet.pool = root ? root->ex->pool : NULL;
}

static int create_table(run_t *x, lh_op_t *root, int64_t *changes)
{
    int rc = ns_exists(x, x->ls->ns);
    if (rc <= 0)
        return rc ? rc : catalog_error(x, "Schema with name %s does not exist!%s", x->ls->ns, "");
    char vkey[KEY_MAX];
    view_key(x->ls, vkey, sizeof vkey);
    if ((rc = view_exists(x, vkey)) != 0)
        return rc < 0 ? rc
                      : catalog_error(x, "View with name %s.%s already exists!", x->ls->ns,
                                      x->ls->name);
    if ((rc = table_exists(x)) < 0) return rc;
    if (rc && x->bs->if_not_exists) return 0;
    if (rc && !x->bs->or_replace)
        return catalog_error(x, "Table with name \"%s.%s\" already exists!", x->ls->ns,
                             x->ls->name);
    lh_delta_table_t *t;
    if ((rc = open_table(x, &t))) return rc;
    lh_delta_create_t c = {.schema = x->ls->schema,
                           .partition_columns = x->ls->partition_by,
                           .npartition_columns = x->ls->npartition_by};
    lh_table_write_opts_t o;
    lh__sql_lake_write_opts(&o, root);
    o.create = &c;
    o.mode = x->bs->or_replace ? LH_DELTA_OVERWRITE : LH_DELTA_APPEND;
    lh_table_writer_t *w = NULL;
    lh_err_t e = {0};
    rc = lh_table_writer_open(t, &o, &w, &e);
    if (!rc)
        rc = write_rows(x, w, root, changes);
    else if (!lost_create_race(x, rc))
        rc = table_error(x, x->qname, &e);
    else
        rc = 0;
    lh_table_writer_free(w);
    lh_delta_close(t);
    return rc;
}

static int insert(run_t *x, lh_op_t *root, int64_t *changes)
{
    lh_sql_lake_stmt_t *ls = x->bs->lake;
    int rc = ls->replace_where ? lh_sql_lake_where_resolve(ls, root->ex, root->ex->arena) : 0;
    lh_delta_table_t *t;
    if (rc || (rc = open_table(x, &t))) return rc;
    lh_table_write_opts_t o;
    lh__sql_lake_write_opts(&o, root);
    if (x->ls->npart_where) {
        o.mode = LH_DELTA_REPLACE_WHERE;
        o.where = x->ls->part_where;
        o.nwhere = x->ls->npart_where;
    } else if (x->ls->replace_where) {
        o.row_where = x->ls->row_where;
        o.nrow_where = x->ls->nrow_where;
    }
    lh_table_writer_t *w = NULL;
    lh_err_t e = {0};
    rc = lh_table_writer_open(t, &o, &w, &e) ? table_error(x, x->qname, &e)
                                             : write_rows(x, w, root, changes);
    lh_table_writer_free(w);
    lh_delta_close(t);
    return rc;
}

static int dml(run_t *x, lh_op_t *root, int64_t *changes)
{
    lh_delta_table_t *t;
    int rc = open_table(x, &t);
    if (rc) return rc;
    rc = lh__sql_lake_dml(t, x->qname, x->bs, root, x->err, changes);
    lh_delta_close(t);
    return rc;
}

/* A new metaData with the column at the end (older files read it as NULL). */
static int alter_add(run_t *x)
{
    lh_delta_table_t *t;
    int rc = open_table(x, &t);
    if (rc) return rc;
    lh_arena_t *a = lh_arena_new(0);
    lh_delta_column_t col;
    lh_err_t e = {0};
    int64_t version;
    if (!a)
        rc = lh_sql_err(x->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    else if (lh_delta_column_from_type(a, x->ls->add_column, &x->ls->add_type, &col, &e))
        rc = lh_sql_err(x->err, LH_EINVAL, LH_SQL_EBIND, -1, "a Delta table cannot hold this: %s",
                        e.msg);
    else if (lh_delta_add_column(t, &col, &version, &e))
        rc = table_error(x, x->qname, &e);
    lh_arena_free(a);
    lh_delta_close(t);
    return rc;
}

typedef struct {
    char **keys;
    size_t n, cap;
    int oom;
} keys_t;

static int collect(void *arg, const char *key, int is_prefix, const lh_objstore_meta_t *meta)
{
    keys_t *k = arg;
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 64;
        char **v = realloc(k->keys, cap * sizeof *v);
        if (!v) return k->oom = LH_ENOMEM;
        k->keys = v;
        k->cap = cap;
    }
    if (!(k->keys[k->n] = strdup(key))) return k->oom = LH_ENOMEM;
    k->n++;
    return 0;
}

/* Deletes every object under prefix (listed first, then deleted). */
static int delete_prefix(run_t *x, const char *prefix)
{
    keys_t k = {0};
    lh_err_t e = {0};
    int rc = lh_objstore_list(x->os, x->bucket, prefix, NULL, collect, &k, &e);
    if (k.oom)
        rc = lh_sql_err(x->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    else if (rc)
        rc = table_error(x, prefix, &e);
    if (!rc && k.n &&
        lh_objstore_delete_many(x->os, x->bucket, (const char *const *)k.keys, k.n, &e))
        rc = table_error(x, prefix, &e);
    for (size_t i = 0; i < k.n; i++)
        free(k.keys[i]);
    free(k.keys);
    return rc;
}

static int drop_table(run_t *x)
{
    char log[KEY_MAX], all[KEY_MAX];
    snprintf(log, sizeof log, "%s/%s/_delta_log/", x->ls->ns, x->ls->name);
    snprintf(all, sizeof all, "%s/%s/", x->ls->ns, x->ls->name);
    int rc = table_exists(x);
    if (rc == 0) { /* no table; files left by an interrupted DROP are removed */
        int left = has_objects(x, all);
        if (left < 0) return left;
        if (!left && !x->bs->if_exists)
            return catalog_error(x, "Table with name %s.%s does not exist!", x->ls->ns,
                                 x->ls->name);
    }
    if (rc < 0 || (rc = delete_prefix(x, log))) return rc;
    return delete_prefix(x, all);
}

/* OPTIMIZE: the table layer's compaction, limited to the partitions WHERE names. */
static int optimize(run_t *x, int64_t *changes)
{
    lh_sql_lake_stmt_t *ls = x->bs->lake;
    if (ls->npending)
        return lh_sql_err(x->err, LH_EINVAL, LH_SQL_ENOTIMPL, -1,
                          "OPTIMIZE WHERE takes constants, not parameters");
    lh_arena_t *a = lh_arena_new(0);
    int rc = !a               ? lh_sql_err(x->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory")
             : ls->nrow_where ? lh_sql_lake_where_resolve(ls, NULL, a)
                              : 0;
    if (!rc && ls->nrow_where && ls->npart_where != ls->nrow_where)
        rc = lh_sql_err(x->err, LH_EINVAL, LH_SQL_EBIND, -1,
                        "OPTIMIZE WHERE takes = and IN on partition columns only");
    lh_delta_table_t *t = NULL;
    if (!rc) rc = open_table(x, &t);
    if (!rc) {
        lh_table_optimize_opts_t o;
        lh_table_optimize_opts_default(&o);
        o.where = ls->part_where;
        o.nwhere = ls->npart_where;
        lh_table_optimize_result_t res = {0};
        lh_err_t e = {0};
        rc = lh_table_optimize(t, &o, &res, &e) ? table_error(x, x->qname, &e) : 0;
        *changes = res.files_removed;
    }
    lh_delta_close(t);
    lh_arena_free(a);
    return rc;
}

static int vacuum(run_t *x, int64_t *changes)
{
    lh_delta_table_t *t;
    int rc = open_table(x, &t);
    if (rc) return rc;
    lh_delta_vacuum_opts_t o = {.retention_hours = x->ls->retain_hours, .dry_run = x->ls->dry_run};
    lh_delta_vacuum_result_t res = {0};
    lh_err_t e = {0};
    rc = lh_delta_vacuum(t, &o, &res, &e) ? table_error(x, x->qname, &e) : 0;
    *changes = res.files;
    lh_delta_close(t);
    return rc;
}

static int create_view(run_t *x)
{
    char key[KEY_MAX];
    view_key(x->ls, key, sizeof key);
    int rc = ns_exists(x, x->ls->ns);
    if (rc <= 0)
        return rc ? rc : catalog_error(x, "Schema with name %s does not exist!%s", x->ls->ns, "");
    if ((rc = table_exists(x)) != 0)
        return rc < 0 ? rc
                      : catalog_error(x, "Table with name %s.%s already exists!", x->ls->ns,
                                      x->ls->name);
    if ((rc = view_exists(x, key)) < 0) return rc;
    if (rc && x->bs->if_not_exists) return 0;
    if (rc && !x->bs->or_replace)
        return catalog_error(x, "View with name %s.%s already exists!", x->ls->ns, x->ls->name);
    lh_err_t e = {0};
    const char *j = x->ls->view_json;
    return lh_objstore_put(x->os, x->bucket, key, j, strlen(j), "application/json", NULL, &e)
               ? table_error(x, key, &e)
               : 0;
}

static int drop_view(run_t *x)
{
    char key[KEY_MAX];
    view_key(x->ls, key, sizeof key);
    int rc = view_exists(x, key);
    if (rc <= 0) {
        if (rc < 0 || x->bs->if_exists) return rc;
        return catalog_error(x, "View with name %s.%s does not exist!", x->ls->ns, x->ls->name);
    }
    lh_err_t e = {0};
    return lh_objstore_delete(x->os, x->bucket, key, &e) ? table_error(x, key, &e) : 0;
}

typedef struct {
    run_t *x;
    keys_t names;
} ns_list_t;

static int ns_table(void *arg, const char *ns, const char *table)
{
    ns_list_t *l = arg;
    return collect(&l->names, table, 0, NULL);
}

/* DROP SCHEMA ns [CASCADE]: the tables (each log first), then everything
 * under `<ns>/` (views, the marker). bronze, silver and gold stay. */
static int drop_schema(run_t *x)
{
    const char *ns = x->ls->ns;
    for (size_t i = 0; i < sizeof builtin_ns / sizeof *builtin_ns; i++)
        if (!strcmp(ns, builtin_ns[i]))
            return catalog_error(x, "cannot drop the lake's namespace %s%s", ns, "");
    int rc = ns_exists(x, ns);
    if (rc <= 0)
        return rc < 0 || x->bs->if_exists
                   ? rc
                   : catalog_error(x, "Schema with name %s does not exist!%s", ns, "");
    char prefix[KEY_MAX];
    snprintf(prefix, sizeof prefix, "%s/_views/", ns);
    ns_list_t l = {.x = x};
    lh_err_t e = {0};
    rc = lh_catalog_tables(x->os, x->bucket, ns, ns_table, &l, &e) ? table_error(x, ns, &e) : 0;
    if (l.names.oom) rc = lh_sql_err(x->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    int views = rc ? 0 : has_objects(x, prefix);
    if (!rc && views < 0) rc = views;
    if (!rc && (l.names.n || views) && !x->bs->cascade)
        rc = catalog_error(x,
                           "Cannot drop schema \"%s\" because there are entries that depend on "
                           "it. Use DROP...CASCADE to drop all dependents.%s",
                           ns, "");
    for (size_t i = 0; !rc && i < l.names.n; i++) {
        char log[KEY_MAX];
        snprintf(log, sizeof log, "%s/%s/_delta_log/", ns, l.names.keys[i]);
        rc = delete_prefix(x, log);
    }
    snprintf(prefix, sizeof prefix, "%s/", ns);
    if (!rc) rc = delete_prefix(x, prefix);
    for (size_t i = 0; i < l.names.n; i++)
        free(l.names.keys[i]);
    free(l.names.keys);
    return rc;
}

int lh_sql_lake_run(struct lh_objstore *os, const char *bucket, const lh_bound_stmt_t *bs,
                    lh_op_t *root, lh_sql_error_t *err, int64_t *changes)
{
    run_t x = {.os = os, .bucket = bucket, .bs = bs, .ls = bs->lake, .err = err};
    snprintf(x.qname, sizeof x.qname, "%s%s%s", x.ls->ns, x.ls->name ? "." : "",
             x.ls->name ? x.ls->name : "");
    switch ((lh_sql_lake_what_t)bs->lake->what) {
    case LH_SQL_LAKE_CREATE_SCHEMA:
        return create_schema(&x);
    case LH_SQL_LAKE_CREATE_TABLE:
        return create_table(&x, root, changes);
    case LH_SQL_LAKE_INSERT:
        return insert(&x, root, changes);
    case LH_SQL_LAKE_DROP_TABLE:
        return drop_table(&x);
    case LH_SQL_LAKE_CREATE_VIEW:
        return create_view(&x);
    case LH_SQL_LAKE_DROP_VIEW:
        return drop_view(&x);
    case LH_SQL_LAKE_DELETE:
    case LH_SQL_LAKE_UPDATE:
    case LH_SQL_LAKE_MERGE:
        return dml(&x, root, changes);
    case LH_SQL_LAKE_ALTER_ADD:
        return x.ls->add_column ? alter_add(&x) : 0;
    case LH_SQL_LAKE_OPTIMIZE:
        return optimize(&x, changes);
    case LH_SQL_LAKE_VACUUM:
        return vacuum(&x, changes);
    case LH_SQL_LAKE_DROP_SCHEMA:
        return drop_schema(&x);
    }
    return lh_sql_err(err, LH_EINVAL, LH_SQL_EINTERNAL, -1, "unknown lake statement");
}
