/* DELETE, UPDATE and MERGE on a lake table, copy-on-write (lake_write.h):
 * for each data file of the snapshot the statement was bound to, the
 * counting plan (the WHERE pushed into the file's scan, so row groups whose
 * statistics cannot match are skipped; MERGE's semi join with the source)
 * says whether the file holds a matching row; a file that does is read
 * again through the rows plan, its kept or updated rows go to the table
 * writer, and the file is named for removal (a DELETE whose WHERE reads partition
 * columns only matches a file whole: the count reads no column, only the
 * footer, and the file is removed unread). MERGE also checks that no
 * target row of the file matches two source rows, and writes its inserted
 * rows last. One commit (operation DELETE / UPDATE / MERGE, data change,
 * Spark's `predicate` parameter) removes those files and adds the new ones;
 * a commit that removed one of them first makes it a Transaction Error, and
 * nothing touched makes no commit. Files are uploaded before
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
    lh_table_writer_t *w;
    lh_batch_t *keep;
    uint32_t *sel;
    int64_t matched;
} dml_t;

/* The target's Parquet scan under p: the one MERGE marked (the optimizer may
 * have moved it to either side of a join), else the leftmost. */
static const lh_plan_t *marked_scan(const lh_plan_t *p)
{
    if (!p) return NULL;
    if (p->kind == LH_PLAN_SCAN_PARQUET) return p->u.pq.dml_target ? p : NULL;
    const lh_plan_t *s = marked_scan(p->child[0]);
    return s ? s : marked_scan(p->child[1]);
}

static const lh_plan_t *target_scan(const lh_plan_t *p)
{
    const lh_plan_t *m = marked_scan(p);
    if (m) return m;
    while (p && p->kind != LH_PLAN_SCAN_PARQUET)
        p = p->child[0];
    return p;
}

/* Copies of p's nodes down to the scan `scan`, that scan limited to file f. */
static const lh_plan_t *path_copy(lh_arena_t *a, const lh_plan_t *p, const lh_plan_t *scan,
                                  uint32_t f)
{
    lh_plan_t *c = lh_arena_alloc(a, sizeof *c);
    if (!c) return NULL;
    *c = *p;
    if (p != scan) {
        int side = p->child[1] && marked_scan(p->child[1]) == scan ? 1 : 0;
        return (c->child[side] = (lh_plan_t *)path_copy(a, p->child[side], scan, f)) ? c : NULL;
    }
    c->u.pq.keys = p->u.pq.keys + f;
    c->u.pq.nfiles = 1;
    if (p->u.pq.part_text) c->u.pq.part_text = p->u.pq.part_text + f;
    return c;
}

static const lh_plan_t *for_file(lh_arena_t *a, const lh_plan_t *p, uint32_t f)
{
    const lh_plan_t *scan = target_scan(p);
    return scan ? path_copy(a, p, scan, f) : NULL;
}

static int write_kept(dml_t *x, const lh_batch_t *b)
{
    uint32_t n;
    lh_sql_dml_split(b, x->sel, &n, &x->matched);
    lh_batch_t view = *b;
    view.ncols -= LH_SQL_DML_FLAGS;
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

/* Runs plan p (over file f when f >= 0), each batch through write_kept. */
static int write_plan(dml_t *x, const lh_plan_t *p, int64_t f)
{
    const lh_plan_t *pf = f >= 0 ? for_file(x->ex->arena, p, (uint32_t)f) : p;
    lh_op_t *op = NULL;
    int rc = pf ? lh_op_build(x->ex, pf, &op) : LH_ENOMEM;
    while (!rc) {
        lh_batch_t *b = NULL;
        if ((rc = lh_op_next(op, &b)) || !b) break;
        rc = write_kept(x, b);
    }
    lh_op_close_tree(op);
    return rc;
}

/* Counts plan p's rows over file f into *rows. */
static int count_file(dml_t *x, const lh_plan_t *p, uint32_t f, int64_t *rows)
{
    const lh_plan_t *pf = for_file(x->ex->arena, p, f);
    return pf ? lh_sql_dml_count(x->ex, pf, rows) : LH_ENOMEM;
}

/* The Parquet scan at the bottom of p's first children (the target's). */
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
    const lh_plan_t *scan = target_scan(bs->plan);
    size_t plen = strlen(root);
    for (uint32_t f = 0; bs->dml_files != 2 && f < scan->u.pq.nfiles; f++) {
        int64_t hits = 0, pairs = 0;
        int rc = bs->dml_find ? count_file(x, bs->dml_find, f, &hits) : 0;
        if (rc) return rc;
        if (bs->dml_files == 0 && bs->dml_find && !hits) continue;
        if (bs->dml_pairs && (rc = count_file(x, bs->dml_pairs, f, &pairs))) return rc;
        if (pairs > hits) return lh_sql_merge_twice_error(x->err);
        if (bs->lake->dml_whole_files) /* every row of the file matches: nothing to keep */
            x->matched += hits;
        else if ((rc = write_plan(x, bs->plan, f)))
            return rc;
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
    const lh_plan_t *scan = target_scan(bs->plan);
    uint32_t nc = bs->plan->ncols - LH_SQL_DML_FLAGS;
    static const char *const ops[] = {[LH_SQL_LAKE_DELETE] = "DELETE",
                                      [LH_SQL_LAKE_UPDATE] = "UPDATE",
                                      [LH_SQL_LAKE_MERGE] = "MERGE"};
    dml_t x = {.ex = root->ex, .err = err, .qname = qname};
    const char **paths = lh_arena_calloc(a, (scan->u.pq.nfiles + 1) * sizeof *paths);
    lh_delta_kv_t kv = {"predicate", predicate_param(a, ls->dml_pred)};
    lh_delta_rewrite_t rw = {
        .remove = paths, .data_change = true, .operation = ops[ls->what], .params = {&kv, 1}};
    lh_table_write_opts_t o;
    lh__sql_lake_write_opts(&o, root);
    o.rewrite = &rw;
    lh_type_t *types = lh_arena_calloc(a, (nc + 1) * sizeof *types);
    x.sel = lh_arena_calloc(a, LH_BATCH_ROWS * sizeof *x.sel);
    if (!paths || !kv.value || !types || !x.sel)
        return lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    for (uint32_t c = 0; c < nc; c++)
        types[c] = bs->plan->cols[c].type;
    lh_err_t e = {0};
    int rc = lh_batch_new(types, nc, &x.keep)
                 ? lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory")
             : lh_table_writer_open(t, &o, &x.w, &e) ? lh__sql_lake_error(err, qname, &e)
                                                     : 0;
    if (!rc) rc = rewrite_files(&x, bs, lh_delta_root(t), paths, &rw.nremove);
    int64_t before = x.matched;
    if (!rc && bs->dml_insert) rc = write_plan(&x, bs->dml_insert, -1);
    if (!rc && (rw.nremove || x.matched > before) && lh_table_writer_commit(x.w, NULL, &e))
        rc = lh__sql_lake_error(err, qname, &e);
    lh_table_writer_free(x.w);
    lh_batch_free(x.keep);
    *changes = x.matched;
    return rc;
}
