/* The C API: databases, sessions, and running a script statement by
 * statement (parse, bind under the catalog lock, execute). Queries stream
 * their rows through the result; DDL and INSERT do their work before
 * lh_sql_run returns (on the lake: lake_write.c); EXPLAIN answers with the
 * plan as text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "sql/bind/bind.h"
#include "sql/copy.h"
#include "sql/dml.h"
#include "sql/exec/exec_int.h"
#include "sql/exec/scan_cache.h"
#include "sql/explain.h"
#include "sql/lake_write.h"
#include "sql/opt/opt.h"
#include "sql/sql.h"
#include "table/catalog.h"

struct lh_sql_db {
    lh_sql_catalog_t *catalog;
    lh_sql_mem_t mem;
    int threads;
    struct lh_objstore *lake;
    const char *lake_bucket;
    lh_scan_cache_t *cache;
};

typedef struct sess_param {
    char *name;
    lh_value_t value; /* string bytes in the session's arena */
} sess_param_t;

struct lh_sql_session {
    lh_sql_db_t *db;
    char schema[128];
    atomic_int cancel;
    lh_arena_t *arena; /* parameters */
    sess_param_t *params;
    uint32_t nparams;
};

struct lh_sql_result {
    lh_arena_t *arena; /* the statement's: tree, plan, execution state */
    lh_arena_t *parse; /* the script's syntax tree (names the plan borrows), for the last result */
    lh_exec_t ex;
    lh_sql_error_t err;
    lh_op_t *root;
    const lh_plan_t *plan; /* NULL: no rows */
    const char *tag;
    int64_t changes;
    lh_batch_t *text; /* EXPLAIN: the lines */
    bool text_done;
};

int lh_sql_db_open(lh_sql_db_t **out, lh_sql_error_t *err)
{
    lh_sql_db_t *db = calloc(1, sizeof *db);
    if (!db || lh_sql_catalog_new(&db->catalog)) {
        free(db);
        return lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    }
    atomic_init(&db->mem.used, 0);
    db->mem.limit = lh_sql_default_memory_limit();
    lh_sql_db_set_threads(db, 0);
    *out = db;
    return 0;
}

void lh_sql_db_set_threads(lh_sql_db_t *db, int threads)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    db->threads = threads > 0 ? threads : cores > 0 ? (int)cores : 1;
}

void lh_sql_db_set_memory_limit(lh_sql_db_t *db, int64_t bytes)
{
    db->mem.limit = bytes > 0 ? bytes : 0;
}

void lh_sql_db_set_lake(lh_sql_db_t *db, struct lh_objstore *os, const char *bucket)
{
    db->lake = os;
    db->lake_bucket = bucket;
}

int lh_sql_db_set_cache(lh_sql_db_t *db, const char *dir, int64_t max, lh_err_t *err)
{
    lh_scan_cache_close(db->cache);
    db->cache = NULL;
    return dir && *dir && max > 0 ? lh_scan_cache_open(dir, max, &db->cache, err) : 0;
}

void lh_sql_db_close(lh_sql_db_t *db)
{
    if (!db) return;
    lh_scan_cache_close(db->cache);
    lh_sql_catalog_free(db->catalog);
    free(db);
}

int lh_sql_session_open(lh_sql_db_t *db, lh_sql_session_t **out, lh_sql_error_t *err)
{
    lh_sql_session_t *s = calloc(1, sizeof *s);
    if (!s || !(s->arena = lh_arena_new(4096))) {
        free(s);
        return lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    }
    s->db = db;
    snprintf(s->schema, sizeof s->schema, "%s", LH_SQL_DEFAULT_SCHEMA);
    atomic_init(&s->cancel, 0);
    *out = s;
    return 0;
}

void lh_sql_session_close(lh_sql_session_t *s)
{
    if (!s) return;
    lh_arena_free(s->arena);
    free(s->params);
    free(s);
}

int lh_sql_session_set_param(lh_sql_session_t *s, const char *name, const lh_value_t *v)
{
    sess_param_t *p = realloc(s->params, (s->nparams + 1) * sizeof *p);
    if (!p) return LH_ENOMEM;
    s->params = p;
    sess_param_t *n = &p[s->nparams];
    n->name = lh_arena_strdup(s->arena, name);
    n->value = *v;
    if (!v->is_null && (v->type.id == LH_TYPE_VARCHAR || v->type.id == LH_TYPE_BLOB)) {
        char *b = lh_arena_alloc(s->arena, v->v.s.len + 1);
        if (!b) return LH_ENOMEM;
        memcpy(b, v->v.s.ptr, v->v.s.len);
        n->value.v.s.ptr = b;
    }
    if (!n->name) return LH_ENOMEM;
    s->nparams++;
    return 0;
}

void lh_sql_cancel(lh_sql_session_t *s)
{
    atomic_store(&s->cancel, 1);
}

/* ---- results ---- */

uint32_t lh_sql_result_ncols(const lh_sql_result_t *r)
{
    if (r->text) return 1;
    return r->plan ? r->plan->ncols : 0;
}

const char *lh_sql_result_col_name(const lh_sql_result_t *r, uint32_t i)
{
    return r->text ? "physical_plan" : r->plan->cols[i].name;
}

const lh_type_t *lh_sql_result_col_type(const lh_sql_result_t *r, uint32_t i)
{
    return r->text ? &r->text->cols[0].type : &r->plan->cols[i].type;
}

const char *lh_sql_result_tag(const lh_sql_result_t *r)
{
    return r->tag;
}

int64_t lh_sql_result_changes(const lh_sql_result_t *r)
{
    return r->changes;
}

int lh_sql_result_next(lh_sql_result_t *r, lh_batch_t **out, lh_sql_error_t *err)
{
    *out = NULL;
    if (r->text) {
        if (!r->text_done) *out = r->text;
        r->text_done = true;
        return 0;
    }
    if (!r->root) return 0;
    lh_sql_err_clear(&r->err);
    int rc = r->root->next(r->root, out);
    if (rc && err) *err = r->err;
    return rc;
}

void lh_sql_result_free(lh_sql_result_t *r)
{
    if (!r) return;
    lh_op_close_tree(r->root);
    lh_batch_free(r->text);
    lh_arena_free(r->arena);
    lh_arena_free(r->parse);
    free(r);
}

/* ---- EXPLAIN ---- */

/* EXPLAIN [ANALYZE]: with ANALYZE the statement runs to its end first. */
static int explain(lh_sql_result_t *r, const lh_plan_t *plan, bool analyze)
{
    lh_op_t *ops = NULL;
    int rc = 0;
    if (analyze) {
        r->ex.analyze = true;
        rc = lh_op_build(&r->ex, plan, &ops);
        for (lh_batch_t *b = NULL; !rc;) {
            rc = lh_op_next(ops, &b);
            if (!b) break;
        }
        if (rc) {
            lh_op_close_tree(ops);
            return rc;
        }
    }
    lh_buf_t b;
    lh_buf_init(&b, 1 << 20);
    rc = lh_sql_explain(plan, ops, &b);
    lh_op_close_tree(ops);
    const lh_type_t vc = lh_type(LH_TYPE_VARCHAR);
    if (!rc) rc = lh_batch_new(&vc, 1, &r->text);
    size_t start = 0;
    for (size_t i = 0; !rc && i < b.len && r->text->count < LH_BATCH_ROWS; i++) {
        if (b.ptr[i] != '\n') continue;
        rc = lh_vector_set_string(&r->text->cols[0], r->text->count++, b.ptr + start, i - start);
        start = i + 1;
    }
    lh_buf_free(&b);
    return rc ? lh_sql_err(&r->err, rc, LH_SQL_EOOM, -1, "out of memory") : 0;
}

/* ---- statements ---- */

static int drain(lh_sql_result_t *r, int64_t *rows)
{
    *rows = 0;
    for (;;) {
        lh_batch_t *b;
        int rc = r->root->next(r->root, &b);
        if (rc) return rc;
        if (!b) return 0;
        *rows += b->count;
    }
}

/* The root's rows into t, all or (on an error) none. */
static int into_table(lh_sql_result_t *r, lh_sql_mem_table_t *t)
{
    for (;;) {
        lh_batch_t *b;
        int rc = r->root->next(r->root, &b);
        if (rc) return rc;
        if (!b) return 0;
        uint32_t n = b->count;
        /* the pipeline's own copy (a parallel gather's): the table takes it
           whole instead of copying it again */
        lh_batch_t *own = r->root->take ? r->root->take(r->root) : NULL;
        rc = own ? lh_sql_mem_table_adopt(t, own) : 1;
        if (!rc) {
            r->changes += n;
            continue;
        }
        if (rc == 1) rc = lh_sql_mem_table_append(t, b);
        if (rc == LH_EPERM) {
            rc = lh_sql_mem_table_null_error(t, b, &r->err);
            lh_batch_free(own);
            return rc;
        }
        lh_batch_free(own); /* copied, or not stored at all */
        if (rc) return lh_sql_mem_table_error(t, rc, &r->err);
        r->changes += n;
    }
}

static int run_into_table(lh_sql_result_t *r, lh_sql_mem_table_t *t)
{
    lh_sql_mem_mark_t m;
    lh_sql_mem_table_mark(t, &m);
    r->changes = 0;
    int rc = into_table(r, t);
    if (rc) {
        lh_sql_mem_table_rollback(t, &m);
        r->changes = 0;
    }
    return rc;
}

static int exec_create_table(lh_sql_session_t *s, lh_sql_result_t *r, const lh_bound_stmt_t *bs)
{
    lh_sql_catalog_t *cat = s->db->catalog;
    if (!lh_sql_catalog_has_schema(cat, bs->schema))
        return lh_sql_err(&r->err, LH_EINVAL, LH_SQL_ECATALOG, -1,
                          "Schema with name %s does not exist!", bs->schema);
    bool view = bs->kind == LH_STMT_CREATE_VIEW;
    const lh_sql_mem_table_t *old = lh_sql_catalog_find(cat, bs->schema, bs->name);
    if (old) {
        if (bs->if_not_exists) return 0;
        if (!bs->or_replace)
            return lh_sql_err(&r->err, LH_EINVAL, LH_SQL_ECATALOG, -1,
                              "%s with name \"%s\" already exists!",
                              old->view_sql ? "View" : "Table", bs->name);
        if (!old->view_sql != !view) /* OR REPLACE replaces its own kind only (DuckDB) */
            return lh_sql_err(&r->err, LH_EINVAL, LH_SQL_ECATALOG, -1,
                              "Existing object %s is of type %s, trying to replace with type %s",
                              bs->name, view ? "Table" : "View", view ? "View" : "Table");
    }
    lh_sql_mem_table_t *t;
    if (lh_sql_mem_table_new(bs->schema, bs->name, bs->target_cols, bs->ntarget_cols, &t) ||
        (view && !(t->view_sql = lh_arena_strdup(t->arena, bs->view_sql)))) {
        lh_sql_mem_table_free(t);
        return lh_sql_err(&r->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    }
    t->budget = &s->db->mem;
    int rc = r->root ? run_into_table(r, t) : 0;
    if (rc) {
        lh_sql_mem_table_free(t);
        return rc;
    }
    lh_sql_catalog_drop(cat, bs->schema, bs->name); /* OR REPLACE: only once the new rows exist */
    rc = lh_sql_catalog_add(cat, t);
    if (rc) {
        lh_sql_mem_table_free(t);
        return lh_sql_err(&r->err, rc, LH_SQL_ECATALOG, -1, "cannot create table %s", bs->name);
    }
    return 0;
}

static int exec_ddl(lh_sql_session_t *s, lh_sql_result_t *r, const lh_bound_stmt_t *bs)
{
    lh_sql_catalog_t *cat = s->db->catalog;
    switch ((lh_stmt_kind_t)bs->kind) {
    case LH_STMT_DROP: {
        const lh_sql_mem_table_t *t =
            bs->drop_what == 3 ? NULL : lh_sql_catalog_find(cat, bs->schema, bs->name);
        if (t && !t->view_sql != (bs->drop_what == 1)) /* even with IF EXISTS, as DuckDB */
            return lh_sql_err(&r->err, LH_EINVAL, LH_SQL_ECATALOG, -1,
                              "Existing object %s is of type %s, trying to drop type %s", bs->name,
                              t->view_sql ? "View" : "Table", t->view_sql ? "Table" : "View");
        int rc = bs->drop_what == 3 ? lh_sql_catalog_drop_schema(cat, bs->name, bs->cascade)
                                    : lh_sql_catalog_drop(cat, bs->schema, bs->name);
        if (rc == LH_ENOENT && bs->if_exists) return 0;
        if (rc == LH_ENOENT)
            return lh_sql_err(&r->err, LH_EINVAL, LH_SQL_ECATALOG, -1,
                              "%s with name %s does not exist!",
                              bs->drop_what == 3   ? "Schema"
                              : bs->drop_what == 2 ? "View"
                                                   : "Table",
                              bs->name);
        if (rc == LH_ENOTEMPTY)
            return lh_sql_err(&r->err, LH_EINVAL, LH_SQL_ECATALOG, -1,
                              "Cannot drop schema \"%s\" because there are entries that depend on "
                              "it. Use DROP...CASCADE to drop all dependents.",
                              bs->name);
        if (rc)
            return lh_sql_err(&r->err, LH_EINVAL, LH_SQL_ECATALOG, -1, "cannot drop %s", bs->name);
        return 0;
    }
    case LH_STMT_CREATE_SCHEMA: {
        int rc = lh_sql_catalog_create_schema(cat, bs->name);
        if (rc == LH_EEXIST && !bs->if_not_exists)
            return lh_sql_err(&r->err, LH_EINVAL, LH_SQL_ECATALOG, -1,
                              "Schema with name %s already exists!", bs->name);
        return rc == LH_EEXIST ? 0 : rc;
    }
    case LH_STMT_SET:
        if (!strcasecmp(bs->set_name, "schema") || !strcasecmp(bs->set_name, "search_path")) {
            if (bs->set_value.is_null || bs->set_value.type.id != LH_TYPE_VARCHAR) {
                snprintf(s->schema, sizeof s->schema, "%s", LH_SQL_DEFAULT_SCHEMA);
                return 0;
            }
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)bs->set_value.v.s.len, bs->set_value.v.s.ptr);
            bool lake_ns = s->db->lake && lh_catalog_name_valid(name, strlen(name));
            if (!lh_sql_catalog_has_schema(cat, name) && !lake_ns)
                return lh_sql_err(&r->err, LH_EINVAL, LH_SQL_ECATALOG, -1,
                                  "No catalog + schema named \"%s\" found.", name);
            snprintf(s->schema, sizeof s->schema, "%s", name);
        }
        return 0;
    default:
        return 0;
    }
}

/* Where a statement's $n and $name come from: a prepared statement's bound
 * values by number, else the session's (lakehouse sql -v NAME=VALUE, or $N). */
typedef struct param_src {
    lh_sql_session_t *s;
    const lh_value_t *vals; /* prepared: $1.. */
    const bool *set;
    uint32_t n;
} param_src_t;

static int param_lookup(void *ctx, uint32_t index, const char *name, lh_value_t *out)
{
    const param_src_t *p = ctx;
    if (!name && p->vals && index < p->n && p->set[index]) {
        *out = p->vals[index];
        return 0;
    }
    char num[16];
    if (!name) {
        snprintf(num, sizeof num, "%u", index + 1);
        name = num;
    }
    for (uint32_t k = 0; k < p->s->nparams; k++)
        if (!strcmp(p->s->params[k].name, name)) {
            *out = p->s->params[k].value;
            return 0;
        }
    return LH_ENOENT;
}

/* The executor and binder contexts of one statement of session s: memory
 * from arena, errors into err, parameters from ps (NULL: left open). */
static void statement_env(lh_sql_session_t *s, lh_arena_t *arena, lh_sql_error_t *err,
                          const param_src_t *ps, lh_exec_t *ex, lh_bind_env_t *env)
{
    *ex = (lh_exec_t){.arena = arena,
                      .err = err,
                      .cancel = &s->cancel,
                      .threads = s->db->threads,
                      .pool = s->db->threads > 1 ? lh__sql_pool() : NULL,
                      .lake = s->db->lake,
                      .cache = s->db->cache,
                      .mem = &s->db->mem};
    *env = (lh_bind_env_t){.arena = arena,
                           .err = err,
                           .catalog = s->db->catalog,
                           .schema = s->schema,
                           .fold = ex,
                           .lake = s->db->lake,
                           .lake_bucket = s->db->lake_bucket,
                           .param_value = ps ? param_lookup : NULL,
                           .param_ctx = (void *)ps};
}

static int run_one(lh_sql_session_t *s, const lh_ast_t *stmt, lh_arena_t *arena,
                   const param_src_t *ps, lh_sql_result_t **out)
{
    lh_sql_result_t *r = calloc(1, sizeof *r);
    if (!r) {
        lh_arena_free(arena);
        return LH_ENOMEM;
    }
    r->arena = arena;
    r->changes = -1;
    lh_sql_err_clear(&r->err);
    *out = r;
    lh_bind_env_t env;
    statement_env(s, arena, &r->err, ps, &r->ex, &env);
    lh_bound_stmt_t bs;
    lh_sql_catalog_lock(s->db->catalog);
    int rc = lh_sql_bind(&env, stmt, &bs);
    if (!rc && bs.plan &&
        (lh_opt_push_join_filters(arena, &bs.plan) ||
         (s->db->cache && lh_opt_derive_columns(arena, bs.plan)) ||
         lh_opt_prune_columns(arena, bs.plan) || lh_opt_push_filters(arena, bs.plan)))
        rc = LH_ENOMEM;
    if (!rc && bs.plan) {
        lh_opt_window_topn(bs.plan);
        lh_opt_order_conjuncts(bs.plan);
    }
    r->tag = rc ? "ERROR" : bs.tag;
    if (!rc && bs.kind == LH_STMT_EXPLAIN)
        rc = explain(r, bs.plan, bs.analyze);
    else if (!rc && bs.plan) {
        /* the kinds that only read their plan's rows may read them in parallel */
        bool par = bs.kind == LH_STMT_QUERY || bs.kind == LH_STMT_CREATE_TABLE ||
                   bs.kind == LH_STMT_INSERT || bs.kind == LH_STMT_COPY;
        rc = par ? lh_op_build_root(&r->ex, bs.plan, &r->root)
                 : lh_op_build(&r->ex, bs.plan, &r->root);
        if (bs.kind == LH_STMT_QUERY) r->plan = bs.plan;
    }
    if (!rc && bs.lake && bs.kind != LH_STMT_EXPLAIN)
        rc = lh_sql_lake_run(s->db->lake, s->db->lake_bucket, &bs, r->root, &r->err, &r->changes);
    else if (!rc && (bs.kind == LH_STMT_CREATE_TABLE || bs.kind == LH_STMT_CREATE_VIEW))
        rc = exec_create_table(s, r, &bs);
    else if (!rc && bs.kind == LH_STMT_COPY) {
        r->plan = bs.plan; /* the result's columns name the file's */
        lh_sql_copy_opts_t c = {.target = bs.copy_path,
                                .format = bs.copy_format,
                                .codec = bs.copy_codec,
                                .header = bs.copy_header,
                                .delim = bs.copy_delim,
                                .row_group = bs.copy_row_group,
                                .pool = r->ex.pool};
        rc = lh_sql_copy_to(r, &c, s->db->lake, &r->changes, &r->err);
        lh_op_close_tree(r->root);
        r->root = NULL;
        r->plan = NULL;
    } else if (!rc && bs.kind == LH_STMT_INSERT)
        rc = run_into_table(r, bs.table);
    else if (!rc && (bs.kind == LH_STMT_DELETE || bs.kind == LH_STMT_UPDATE))
        rc = lh_sql_dml_memory(r->root, NULL, bs.table, &r->err, &r->changes);
    else if (!rc && bs.kind == LH_STMT_ALTER_ADD)
        rc = lh_sql_alter_memory(r->root, bs.plan, bs.table, &r->err);
    else if (!rc && bs.kind == LH_STMT_MERGE)
        rc = lh_sql_merge_memory(r->root, &bs, &r->err, &r->changes);
    else if (!rc && bs.kind != LH_STMT_QUERY && bs.kind != LH_STMT_EXPLAIN)
        rc = exec_ddl(s, r, &bs);
    lh_sql_catalog_unlock(s->db->catalog);
    if (rc && !r->err.e.code) lh_sql_err(&r->err, rc, LH_SQL_EOOM, -1, "out of memory");
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int lh_sql_run(lh_sql_session_t *s, const char *text, size_t len, lh_sql_stmt_cb cb, void *arg,
               lh_sql_result_t **out, lh_sql_error_t *err)
{
    *out = NULL;
    atomic_store(&s->cancel, 0);
    lh_arena_t *pa = lh_arena_new(65536);
    if (!pa) return lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    lh_ast_script_t script;
    int rc = lh_sql_parse(pa, text, len, &script, err);
    for (uint32_t i = 0; !rc && i < script.n; i++) {
        lh_arena_t *a = lh_arena_new(65536);
        if (!a) {
            rc = lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
            break;
        }
        double t0 = now_s();
        lh_sql_result_t *r = NULL;
        param_src_t ps = {.s = s};
        rc = run_one(s, script.stmts[i], a, &ps, &r);
        if (rc) {
            if (err && r)
                *err = r->err;
            else
                lh_sql_err(err, rc, LH_SQL_EOOM, -1, "out of memory");
            lh_sql_result_free(r);
            break;
        }
        if (i + 1 == script.n) {
            r->parse = pa; /* the plan's names point into the syntax tree */
            pa = NULL;
            *out = r;
            break;
        }
        int64_t rows = r->changes;
        if (r->root && r->changes < 0) {
            rc = drain(r, &rows);
            if (rc && err) *err = r->err;
        }
        if (!rc && cb) cb(arg, r->tag, rows, now_s() - t0);
        lh_sql_result_free(r);
    }
    lh_arena_free(pa);
    return rc;
}

/* ---- prepared statements ---- */

struct lh_sql_stmt {
    lh_sql_session_t *s;
    char *text;
    size_t len;
    uint32_t nparams;
    lh_value_t *vals;
    bool *set;
    lh_arena_t *arena; /* text, values */
};

/* Parses text as exactly one statement into a (its tree in a). */
static int parse_one(lh_arena_t *a, const char *text, size_t len, const lh_ast_t **stmt,
                     lh_sql_error_t *err)
{
    lh_ast_script_t script;
    int rc = lh_sql_parse(a, text, len, &script, err);
    if (rc) return rc;
    if (script.n != 1)
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EPARSE, -1,
                          "a prepared statement is exactly one statement (got %u)", script.n);
    *stmt = script.stmts[0];
    return 0;
}

int lh_sql_prepare(lh_sql_session_t *s, const char *text, size_t len, lh_sql_stmt_t **out,
                   lh_sql_error_t *err)
{
    *out = NULL;
    lh_sql_stmt_t *st = calloc(1, sizeof *st);
    lh_arena_t *a = lh_arena_new(65536);
    if (st) st->arena = lh_arena_new(4096);
    if (!st || !a || !st->arena || !(st->text = lh_arena_strndup(st->arena, text, len))) {
        lh_sql_stmt_free(st);
        lh_arena_free(a);
        return lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    }
    st->s = s;
    st->len = len;
    const lh_ast_t *stmt;
    int rc = parse_one(a, text, len, &stmt, err);
    if (!rc) { /* bind once with the parameters open: errors now, and their count */
        lh_sql_error_t e;
        lh_sql_err_clear(&e);
        lh_exec_t ex;
        lh_bind_env_t env;
        statement_env(s, a, &e, NULL, &ex, &env);
        lh_bound_stmt_t bs;
        lh_sql_catalog_lock(s->db->catalog);
        rc = lh_sql_bind(&env, stmt, &bs);
        lh_sql_catalog_unlock(s->db->catalog);
        if (rc && err) *err = e;
        if (!rc) st->nparams = bs.nparams;
    }
    lh_arena_free(a);
    if (!rc && st->nparams) {
        st->vals = lh_arena_calloc(st->arena, st->nparams * sizeof *st->vals);
        st->set = lh_arena_calloc(st->arena, st->nparams * sizeof *st->set);
        if (!st->vals || !st->set)
            rc = lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    }
    if (rc) {
        lh_sql_stmt_free(st);
        return rc;
    }
    *out = st;
    return 0;
}

uint32_t lh_sql_stmt_nparams(const lh_sql_stmt_t *st)
{
    return st->nparams;
}

int lh_sql_stmt_bind(lh_sql_stmt_t *st, uint32_t index, const lh_value_t *v)
{
    if (index < 1 || index > st->nparams) return LH_EINVAL;
    lh_value_t c = *v;
    if (!v->is_null && (v->type.id == LH_TYPE_VARCHAR || v->type.id == LH_TYPE_BLOB)) {
        char *b = lh_arena_alloc(st->arena, v->v.s.len + 1);
        if (!b) return LH_ENOMEM;
        if (v->v.s.len) memcpy(b, v->v.s.ptr, v->v.s.len);
        c.v.s.ptr = b;
    }
    st->vals[index - 1] = c;
    st->set[index - 1] = true;
    return 0;
}

int lh_sql_stmt_execute(lh_sql_stmt_t *st, lh_sql_result_t **out, lh_sql_error_t *err)
{
    *out = NULL;
    atomic_store(&st->s->cancel, 0);
    lh_arena_t *pa = lh_arena_new(65536), *a = lh_arena_new(65536);
    if (!pa || !a) {
        lh_arena_free(pa);
        lh_arena_free(a);
        return lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    }
    const lh_ast_t *stmt;
    int rc = parse_one(pa, st->text, st->len, &stmt, err);
    if (rc) {
        lh_arena_free(pa);
        lh_arena_free(a);
        return rc;
    }
    param_src_t ps = {.s = st->s, .vals = st->vals, .set = st->set, .n = st->nparams};
    lh_sql_result_t *r = NULL;
    rc = run_one(st->s, stmt, a, &ps, &r);
    if (rc) {
        if (err && r) *err = r->err;
        lh_sql_result_free(r);
        lh_arena_free(pa);
        return rc;
    }
    r->parse = pa;
    *out = r;
    return 0;
}

void lh_sql_stmt_free(lh_sql_stmt_t *st)
{
    if (!st) return;
    lh_arena_free(st->arena);
    free(st);
}
