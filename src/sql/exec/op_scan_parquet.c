/* PARQUET_SCAN: Parquet files one after another (local paths, or objects
 * of a store: read_parquet('s3://...') and the data files of a Delta
 * snapshot), each output column read from the file column of the same name
 * or, for a Delta partition column, a constant from the file's partition
 * value. A column missing from a file (added to the table later) is NULL. */
#include <stdlib.h>
#include <string.h>

#include "parquet/reader.h"
#include "sql/exec/exec_int.h"
#include "sql/exec/morsel.h"
#include "table/delta.h"

typedef struct pq_op {
    lh_pq_reader_t *r;
    uint32_t file;       /* the next file to open */
    int32_t *from;       /* per output column: the file's column in the batch, or -1 */
    lh_vector_t *consts; /* per output column: its constant for this file */
    bool *inited;
    lh_col_path_t *proj; /* the file columns read */
    lh_pred_t *preds;    /* the pushed-down predicates, over the file's columns */
    lh_scan_req_t req;   /* the current file's request */
    lh_morsels_t *m;     /* parallel: the pipeline's row groups to share, else NULL */
    bool in_morsel;      /* parallel: reading a row group taken from m */
    bool skip;           /* the open file's partition values fail a pushed-down predicate */
    lh_arena_t *arena;
    lh_batch_t view;
} pq_op_t;

static int io_err(lh_op_t *op, const char *what, const lh_err_t *e)
{
    return lh_sql_err(op->ex->err, e->code ? e->code : LH_EIO,
                      e->code == LH_ENOMEM ? LH_SQL_EOOM : LH_SQL_EIO, -1, "%s: %s", what, e->msg);
}

static int set_const(lh_op_t *op, pq_op_t *st, uint32_t c, const char *text)
{
    const lh_type_t *t = &op->plan->cols[c].type;
    lh_vector_t *v = &st->consts[c];
    if (st->inited[c]) lh_vector_release(v);
    st->inited[c] = true;
    if (lh_vector_init(v, t, 1, st->arena))
        return lh_sql_err(op->ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
    lh_err_t e = {0};
    lh_value_t val;
    if (!text || !*text)
        lh_vector_set_null(v, 0);
    else if (lh_delta_partition_value(t, text, &val, &e) || lh_vector_set_value(v, 0, &val))
        return lh_sql_err(op->ex->err, LH_EINVAL, LH_SQL_ECONVERT, -1,
                          "partition value '%s' of %s: %s", text, op->plan->cols[c].name, e.msg);
    lh_vector_set_constant(v);
    return 0;
}

/* Whether a predicate can hold for partition column c's constant in this file. */
static bool partition_might_match(pq_op_t *st, uint32_t c, const lh_pred_t *pred)
{
    const lh_vector_t *v = &st->consts[c];
    lh_stats_t stats = {.row_count = 1, .null_count = lh_vector_is_valid(v, 0) ? 0 : 1};
    if (!stats.null_count) {
        lh_vector_get_value(v, 0, &stats.min);
        stats.max = stats.min;
        stats.has_min = stats.has_max = true;
        stats.min_exact = stats.max_exact = true;
    }
    return lh_pred_might_match(pred, &stats);
}

static int open_file(lh_op_t *op, pq_op_t *st)
{
    const lh_plan_t *p = op->plan;
    const char *key = p->u.pq.keys[st->file];
    lh_err_t e = {0};
    int rc = p->u.pq.os ? lh_pq_reader_open_object(p->u.pq.os, p->u.pq.bucket, key, &st->r, &e)
                        : lh_pq_reader_open_file(key, &st->r, &e);
    if (rc) return io_err(op, key, &e);
    const lh_type_t *fs = lh_pq_reader_schema(st->r);
    uint32_t nproj = 0;
    for (uint32_t c = 0; c < p->ncols; c++) {
        st->from[c] = -1;
        if (p->u.pq.read && !p->u.pq.read[c]) { /* pruned: nothing above reads it */
            if ((rc = set_const(op, st, c, NULL))) return rc;
            continue;
        }
        if (p->u.pq.is_part && p->u.pq.is_part[c]) {
            if ((rc = set_const(op, st, c, p->u.pq.part_text[st->file][c]))) return rc;
            continue;
        }
        for (uint32_t k = 0; k < fs->nfields; k++)
            if (!strcmp(fs->fields[k].name, p->u.pq.names[c])) {
                if (!lh_type_equal(&fs->fields[k].type, &p->cols[c].type)) {
                    char want[128], got[128];
                    lh_type_format(&p->cols[c].type, want, sizeof want);
                    lh_type_format(&fs->fields[k].type, got, sizeof got);
                    return lh_sql_err(op->ex->err, LH_EINVAL, LH_SQL_EIO, -1,
                                      "%s: column \"%s\" is %s, expected %s", key, p->u.pq.names[c],
                                      got, want);
                }
                st->proj[nproj] = (lh_col_path_t){.depth = 1, .idx = {k}};
                st->from[c] = (int32_t)nproj++;
                break;
            }
        if (st->from[c] < 0 && (rc = set_const(op, st, c, NULL))) return rc;
    }
    uint32_t np = 0; /* predicates on columns this file holds, in its numbering */
    st->skip = false;
    for (uint32_t i = 0; i < p->u.pq.npreds; i++) {
        uint32_t c = p->u.pq.preds[i].column.idx[0];
        if (c < p->ncols && p->u.pq.is_part && p->u.pq.is_part[c] &&
            !partition_might_match(st, c, &p->u.pq.preds[i]))
            st->skip = true; /* Hive or Delta partition pruning: no row of this file can match */
        if (c >= p->ncols || st->from[c] < 0) continue;
        st->preds[np] = p->u.pq.preds[i];
        st->preds[np++].column = st->proj[st->from[c]];
    }
    st->req =
        (lh_scan_req_t){.columns = st->proj, .ncolumns = nproj, .preds = st->preds, .npreds = np};
    if (!st->m && !st->skip && lh_pq_reader_scan(st->r, &st->req, &e)) return io_err(op, key, &e);
    return 0;
}

/* Parallel: the next row group the pipeline's morsels hand this thread. */
static int next_morsel(lh_op_t *op, pq_op_t *st, bool *done)
{
    uint32_t f, g;
    *done = !lh__morsels_next_rg(st->m, &f, &g);
    if (*done) return 0;
    if (st->r && st->file != f) {
        lh_pq_reader_close(st->r);
        st->r = NULL;
    }
    st->file = f;
    int rc = st->r ? 0 : open_file(op, st);
    if (rc || st->skip) return rc;
    lh_err_t e = {0};
    if (lh_pq_reader_scan_groups(st->r, &st->req, g, 1, &e))
        return io_err(op, op->plan->u.pq.keys[f], &e);
    return 0;
}

static int pq_next(lh_op_t *op, lh_batch_t **out)
{
    pq_op_t *st = op->priv;
    const lh_plan_t *p = op->plan;
    *out = NULL;
    for (;;) {
        if (st->m && !st->in_morsel) {
            bool done;
            int rc = next_morsel(op, st, &done);
            if (rc || done) return rc;
            if (st->skip) continue;
            st->in_morsel = true;
        }
        if (!st->r) {
            if (st->file >= p->u.pq.nfiles) return 0;
            int rc = open_file(op, st);
            if (rc) return rc;
            if (st->skip) {
                lh_pq_reader_close(st->r);
                st->r = NULL;
                st->file++;
                continue;
            }
        }
        lh_batch_t *b;
        lh_err_t e = {0};
        if (lh_pq_reader_next(st->r, &b, &e)) return io_err(op, p->u.pq.keys[st->file], &e);
        if (!b && st->m) {
            st->in_morsel = false;
            continue;
        }
        if (!b) {
            lh_pq_reader_close(st->r);
            st->r = NULL;
            st->file++;
            continue;
        }
        if (!b->count) continue;
        for (uint32_t c = 0; c < p->ncols; c++)
            st->view.cols[c] = st->from[c] >= 0 ? b->cols[st->from[c]] : st->consts[c];
        st->view.count = b->count;
        *out = &st->view;
        return 0;
    }
}

static void pq_close(lh_op_t *op)
{
    pq_op_t *st = op->priv;
    if (!st) return;
    lh_pq_reader_close(st->r);
    for (uint32_t c = 0; c < op->plan->ncols; c++)
        if (st->inited && st->inited[c]) lh_vector_release(&st->consts[c]);
    lh_arena_free(st->arena);
}

int lh__op_scan_parquet(lh_op_t *op)
{
    const lh_plan_t *p = op->plan;
    lh_arena_t *a = op->ex->arena;
    pq_op_t *st = lh_arena_calloc(a, sizeof *st);
    if (!st) return LH_ENOMEM;
    op->priv = st;
    op->next = pq_next;
    op->close = pq_close;
    uint32_t n = p->ncols + 1;
    st->from = lh_arena_calloc(a, n * sizeof *st->from);
    st->consts = lh_arena_calloc(a, n * sizeof *st->consts);
    st->inited = lh_arena_calloc(a, n * sizeof *st->inited);
    st->proj = lh_arena_calloc(a, n * sizeof *st->proj);
    st->preds = lh_arena_calloc(a, (p->u.pq.npreds + 1) * sizeof *st->preds);
    st->view.cols = lh_arena_calloc(a, n * sizeof *st->view.cols);
    st->arena = lh_arena_new(4096);
    if (!st->from || !st->consts || !st->inited || !st->proj || !st->preds || !st->view.cols ||
        !st->arena)
        return LH_ENOMEM;
    st->view.ncols = p->ncols;
    if (op->ex->morsels && op->ex->morsels->scan == p) st->m = op->ex->morsels;
    return 0;
}
