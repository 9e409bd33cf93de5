/* DELETE and UPDATE on a lake table, copy-on-write (lake_write.h): for
 * each data file of the snapshot the statement was bound to, the counting
 * plan (the WHERE pushed into the file's scan, so row groups whose
 * statistics cannot match are skipped) says whether the file holds a
 * matching row; a file that does is read again through the rows plan, its
 * kept (DELETE) or updated (UPDATE) rows go to the table writer, and the
 * file is named for removal. One commit (operation DELETE / UPDATE, data
 * change, Spark's `predicate` parameter) removes those files and adds the
 * new ones; a commit that removed one of them first makes it a Transaction
 * Error, and nothing matching makes no commit. Files are uploaded before
 * the commit, so a process killed during the statement leaves the table at
 * its previous version and orphans for vacuum. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "sql/dml.h"
#include "sql/lake_write.h"
#include "table/table.h"

typedef struct {
    lh_exec_t *ex;
    lh_sql_error_t *err;
    const char *qname;
    bool del;
    lh_table_writer_t *w;
    lh_batch_t *keep;
    uint32_t *sel;
    int64_t matched;
} dml_t;

/* Copies of p's nodes down to its Parquet scan, the scan limited to file f. */
static const lh_plan_t *for_file(lh_arena_t *a, const lh_plan_t *p, uint32_t f)
{
    lh_plan_t *c = lh_arena_alloc(a, sizeof *c);
    if (!c) return NULL;
    *c = *p;
    if (p->kind != LH_PLAN_SCAN_PARQUET)
        return (c->child[0] = (lh_plan_t *)for_file(a, p->child[0], f)) ? c : NULL;
    c->u.pq.keys = p->u.pq.keys + f;
    c->u.pq.nfiles = 1;
    if (p->u.pq.part_text) c->u.pq.part_text = p->u.pq.part_text + f;
    return c;
}

static int write_kept(dml_t *x, const lh_batch_t *b)
{
    uint32_t n;
    lh_sql_dml_split(b, x->del, x->sel, &n, &x->matched);
    lh_batch_t view = *b;
    view.ncols--;
    const lh_batch_t *rows = &view;
    if (n < b->count) {
        lh_batch_reset(x->keep);
        int rc = lh_batch_append(x->keep, &view, x->sel, n);
        if (rc) return lh_sql_err(x->err, rc, LH_SQL_EOOM, -1, "cannot copy rows");
        rows = x->keep;
    }
    lh_err_t e = {0};
    if (rows->count && lh_table_writer_write(x->w, rows, &e))
        return lh__sql_lake_error(x->err, x->qname, &e);
    return 0;
}

/* Runs plan p over file f: *rows counts its rows (may be NULL); with
 * write set each batch goes through write_kept. */
static int run_file(dml_t *x, const lh_plan_t *p, uint32_t f, bool write, int64_t *rows)
{
    const lh_plan_t *pf = for_file(x->ex->arena, p, f);
    lh_op_t *op = NULL;
    int rc = pf ? lh_op_build(x->ex, pf, &op) : LH_ENOMEM;
    while (!rc) {
        lh_batch_t *b = NULL;
        if ((rc = lh_op_next(op, &b)) || !b) break;
        if (rows) *rows += b->count;
        if (write) rc = write_kept(x, b);
    }
    lh_op_close_tree(op);
    return rc;
}

/* Spark's operationParameters.predicate: a JSON array of the condition. */
static const char *predicate_param(lh_arena_t *a, const char *where)
{
    json_t *arr = json_array();
    if (arr && where) json_array_append_new(arr, json_string(where));
    char *s = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
    const char *out = s ? lh_arena_strdup(a, s) : NULL;
    free(s);
    json_decref(arr);
    return out;
}

/* Every file of the bound snapshot: rewritten when it holds a matching row. */
static int rewrite_files(dml_t *x, const lh_bound_stmt_t *bs, const char *root, const char **paths,
                         size_t *nremove)
{
    const lh_plan_t *scan = bs->plan->child[0];
    size_t plen = strlen(root);
    for (uint32_t f = 0; f < scan->u.pq.nfiles; f++) {
        int64_t hits = 0;
        int rc = bs->lake->dml_find ? run_file(x, bs->lake->dml_find, f, false, &hits) : 0;
        if (rc) return rc;
        if (bs->lake->dml_find && !hits) continue;
        if ((rc = run_file(x, bs->plan, f, true, NULL))) return rc;
        const char *key = scan->u.pq.keys[f];
        if (strncmp(key, root, plen))
            return lh_sql_err(x->err, LH_EINVAL, LH_SQL_EINTERNAL, -1, "file %s is not under %s",
                              key, root);
        paths[(*nremove)++] = key + plen;
    }
    return 0;
}

int lh__sql_lake_dml(lh_delta_table_t *t, const char *qname, const lh_bound_stmt_t *bs,
                     lh_op_t *root, lh_sql_error_t *err, int64_t *changes)
{
    const lh_sql_lake_stmt_t *ls = bs->lake;
    lh_arena_t *a = root->ex->arena;
    const lh_plan_t *scan = bs->plan->child[0];
    bool del = ls->what == LH_SQL_LAKE_DELETE;
    dml_t x = {.ex = root->ex, .err = err, .qname = qname, .del = del};
    const char **paths = lh_arena_calloc(a, (scan->u.pq.nfiles + 1) * sizeof *paths);
    lh_delta_kv_t kv = {"predicate", predicate_param(a, ls->dml_pred)};
    lh_delta_rewrite_t rw = {.remove = paths,
                             .data_change = true,
                             .operation = del ? "DELETE" : "UPDATE",
                             .params = {&kv, 1}};
    lh_table_write_opts_t o;
    lh_table_write_opts_default(&o);
    o.rewrite = &rw;
    lh_type_t *types = lh_arena_calloc(a, (scan->ncols + 1) * sizeof *types);
    x.sel = lh_arena_calloc(a, LH_BATCH_ROWS * sizeof *x.sel);
    if (!paths || !kv.value || !types || !x.sel)
        return lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    for (uint32_t c = 0; c < scan->ncols; c++)
        types[c] = scan->cols[c].type;
    lh_err_t e = {0};
    int rc = lh_batch_new(types, scan->ncols, &x.keep)
                 ? lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory")
             : lh_table_writer_open(t, &o, &x.w, &e) ? lh__sql_lake_error(err, qname, &e)
                                                     : 0;
    if (!rc) rc = rewrite_files(&x, bs, lh_delta_root(t), paths, &rw.nremove);
    if (!rc && rw.nremove && lh_table_writer_commit(x.w, NULL, &e))
        rc = lh__sql_lake_error(err, qname, &e);
    lh_table_writer_free(x.w);
    lh_batch_free(x.keep);
    *changes = x.matched;
    return rc;
}
