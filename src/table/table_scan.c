/* Reading a table's data files back in the table's schema, and matching
 * rows and files against simple predicates (table_int.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parquet/reader.h"
#include "table/delta_int.h"
#include "table/table_int.h"

int lh__table_scan_init(lh__table_scan_t *sc, lh_delta_table_t *t, const lh_delta_snapshot_t *s,
                        lh_err_t *err)
{
    memset(sc, 0, sizeof *sc);
    sc->t = t;
    sc->s = s;
    uint32_t n = s->schema.ncolumns + 1;
    sc->consts = calloc(n, sizeof *sc->consts);
    sc->inited = calloc(n, sizeof *sc->inited);
    sc->cols = calloc(n, sizeof *sc->cols);
    sc->arena = lh_arena_new(0);
    if (!sc->consts || !sc->inited || !sc->cols || !sc->arena) {
        lh__table_scan_free(sc);
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    return 0;
}

void lh__table_scan_free(lh__table_scan_t *sc)
{
    for (uint32_t c = 0; sc->inited && sc->s && c < sc->s->schema.ncolumns; c++)
        if (sc->inited[c]) lh_vector_release(&sc->consts[c]);
    free(sc->consts);
    free(sc->inited);
    free(sc->cols);
    lh_arena_free(sc->arena);
    memset(sc, 0, sizeof *sc);
}

static int const_column(lh__table_scan_t *sc, uint32_t c, const lh_type_t *type, const char *text,
                        lh_err_t *err)
{
    lh_vector_t *v = &sc->consts[c];
    if (sc->inited[c]) lh_vector_release(v);
    sc->inited[c] = true;
    int rc = lh_vector_init(v, type, 1, sc->arena);
    if (rc) return lh_err_set(err, rc, "cannot allocate a column");
    if (!text || !*text) {
        lh_vector_set_null(v, 0);
    } else {
        lh_value_t val;
        if ((rc = lh_delta_partition_value(type, text, &val, err))) return rc;
        if ((rc = lh_vector_set_value(v, 0, &val)))
            return lh_err_set(err, rc, "cannot hold partition value '%s'", text);
    }
    lh_vector_set_constant(v);
    return 0;
}

int lh__table_scan_file(lh__table_scan_t *sc, const lh_delta_add_t *f,
                        int (*fn)(void *arg, const lh_batch_t *b, lh_err_t *err), void *arg,
                        int64_t *rows, lh_err_t *err)
{
    const lh_delta_snapshot_t *s = sc->s;
    char key[LH_OBJSTORE_KEY_MAX + 1];
    snprintf(key, sizeof key, "%s%s", sc->t->root, f->path);
    lh_pq_reader_t *r = NULL;
    int32_t *from = NULL;
    int rc = lh_pq_reader_open_object(sc->t->os, sc->t->bucket, key, &r, err);
    if (!rc) rc = lh_pq_reader_scan(r, NULL, err);
    if (!rc && !(from = calloc(s->schema.ncolumns + 1, sizeof *from)))
        rc = lh_err_set(err, LH_ENOMEM, "out of memory");
    const lh_type_t *fs = rc ? NULL : lh_pq_reader_schema(r);
    for (uint32_t c = 0; !rc && c < s->schema.ncolumns; c++) {
        const lh_delta_column_t *col = &s->schema.columns[c];
        from[c] = -1;
        if (lh_delta_is_partition_column(&s->metadata, col->name)) {
            rc = const_column(sc, c, &col->type,
                              lh_delta_map_get(&f->partition_values, col->name, NULL), err);
            continue;
        }
        for (uint32_t k = 0; k < fs->nfields; k++)
            if (!strcmp(fs->fields[k].name, col->name)) from[c] = (int32_t)k;
        if (from[c] < 0) {
            rc = const_column(sc, c, &col->type, NULL, err); /* added after this file */
        } else if (!lh_type_equal(&fs->fields[from[c]].type, &col->type)) {
            char want[128], got[128];
            lh_type_format(&col->type, want, sizeof want);
            lh_type_format(&fs->fields[from[c]].type, got, sizeof got);
            rc = lh_err_set(err, LH_EINVAL, "%s: column '%s' is %s in the file, %s in the table",
                            f->path, col->name, got, want);
        }
    }
    lh_batch_t *b;
    while (!rc && !(rc = lh_pq_reader_next(r, &b, err)) && b) {
        for (uint32_t c = 0; c < s->schema.ncolumns; c++)
            sc->cols[c] = from[c] >= 0 ? b->cols[from[c]] : sc->consts[c];
        lh_batch_t view = {.count = b->count, .ncols = s->schema.ncolumns, .cols = sc->cols};
        rc = fn(arg, &view, err);
        if (rows) *rows += b->count;
    }
    free(from);
    lh_pq_reader_close(r);
    return rc;
}

/* ---- predicates ---- */

/* Whether comparison op (LH_PRED_EQ .. LH_PRED_GE) holds for a value that
 * compares cmp (<0, 0, >0) with the predicate's. */
static inline bool op_holds(int op, int cmp)
{
    switch (op) {
    case LH_PRED_EQ:
        return cmp == 0;
    case LH_PRED_NE:
        return cmp != 0;
    case LH_PRED_LT:
        return cmp < 0;
    case LH_PRED_LE:
        return cmp <= 0;
    case LH_PRED_GT:
        return cmp > 0;
    case LH_PRED_GE:
        return cmp >= 0;
    default:
        return false;
    }
}

static bool value_matches(const lh_value_t *v, const lh_pred_t *p)
{
    int cmp;
    switch (p->op) {
    case LH_PRED_IS_NULL:
        return v->is_null;
    case LH_PRED_IS_NOT_NULL:
        return !v->is_null;
    case LH_PRED_IN:
        for (uint32_t i = 0; !v->is_null && i < p->nlist; i++)
            if (!p->list[i].is_null && !lh_value_compare(v, &p->list[i], &cmp) && cmp == 0)
                return true;
        return false;
    default:
        if (v->is_null || p->value.is_null || lh_value_compare(v, &p->value, &cmp)) return false;
        return op_holds(p->op, cmp);
    }
}

/* Whether predicate p over b's column is one rows_fast takes: a comparison
 * of a flat integer, date, time or timestamp column with a non-NULL value of
 * the column's own type. */
static bool fast_pred(const lh_batch_t *b, const lh_pred_t *p)
{
    uint32_t c = p->column.idx[0];
    if (p->column.depth != 1 || c >= b->ncols || p->op < LH_PRED_EQ || p->op > LH_PRED_GE ||
        p->value.is_null)
        return false;
    const lh_vector_t *v = &b->cols[c];
    lh_type_id_t id = v->type.id;
    bool ints = id == LH_TYPE_TINYINT || id == LH_TYPE_SMALLINT || id == LH_TYPE_INTEGER ||
                id == LH_TYPE_BIGINT || id == LH_TYPE_DATE || id == LH_TYPE_TIME ||
                id == LH_TYPE_TIMESTAMP || id == LH_TYPE_TIMESTAMP_TZ;
    lh_phys_t ph = lh_type_physical(&v->type);
    return ints && v->kind == LH_VECTOR_FLAT && p->value.type.id == id &&
           (ph == LH_PHYS_INT32 || ph == LH_PHYS_INT64);
}

/* Clears ok[r] of the rows of b that fail fast_pred p. */
static void rows_fast(const lh_batch_t *b, const lh_pred_t *p, bool *ok)
{
    const lh_vector_t *v = &b->cols[p->column.idx[0]];
    bool i32 = lh_type_physical(&v->type) == LH_PHYS_INT32;
    int64_t x = p->value.v.i;
    for (uint32_t r = 0; r < b->count; r++) {
        int64_t y = i32 ? ((const int32_t *)v->data)[r] : ((const int64_t *)v->data)[r];
        ok[r] &= op_holds(p->op, (y > x) - (y < x)) && lh_validity_get(v->validity, r);
    }
}

void lh__table_rows_matching(const lh_batch_t *b, const lh_pred_t *p, uint32_t n, bool *ok)
{
    memset(ok, 1, b->count);
    for (uint32_t i = 0; i < n; i++) {
        if (fast_pred(b, &p[i])) {
            rows_fast(b, &p[i], ok);
            continue;
        }
        for (uint32_t r = 0; r < b->count; r++)
            if (ok[r]) ok[r] = lh__table_row_matches(b, r, &p[i], 1);
    }
}

uint32_t lh__table_rows_match(const lh_batch_t *b, const lh_pred_t *p, uint32_t n)
{
    bool ok[LH_BATCH_ROWS];
    if (b->count > LH_BATCH_ROWS) { /* not a batch the vectors allow; row by row */
        for (uint32_t r = 0; r < b->count; r++)
            if (!lh__table_row_matches(b, r, p, n)) return r;
        return b->count;
    }
    lh__table_rows_matching(b, p, n, ok);
    for (uint32_t r = 0; r < b->count; r++)
        if (!ok[r]) return r;
    return b->count;
}

bool lh__table_row_matches(const lh_batch_t *b, uint32_t row, const lh_pred_t *p, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t c = p[i].column.idx[0];
        lh_value_t v;
        if (p[i].column.depth != 1 || c >= b->ncols || lh_vector_get_value(&b->cols[c], row, &v) ||
            !value_matches(&v, &p[i]))
            return false;
    }
    return true;
}

/* Per column of s, what file f's statistics and partition values say of
 * it; NULL without memory. */
static lh_stats_t *file_stats(lh_arena_t *a, const lh_delta_snapshot_t *s, const lh_delta_add_t *f)
{
    const lh_delta_schema_t *ts = &s->schema;
    lh_delta_file_stats_t fs = {0};
    lh_err_t e = {0};
    if (f->stats && lh_delta_stats_parse(a, f->stats, ts, &fs, &e)) fs.ncols = 0;
    lh_stats_t *st = lh_arena_calloc(a, (ts->ncolumns + 1) * sizeof *st);
    if (!st) return NULL;
    for (uint32_t c = 0; c < ts->ncolumns; c++) {
        const lh_delta_column_t *col = &ts->columns[c];
        st[c] = (lh_stats_t){.row_count = fs.num_records, .null_count = -1};
        if (lh_delta_is_partition_column(&s->metadata, col->name)) {
            const char *text = lh_delta_map_get(&f->partition_values, col->name, NULL);
            lh_value_t v;
            if (!text || !*text) {
                st[c].null_count = st[c].row_count;
            } else if (!lh_delta_partition_value(&col->type, text, &v, NULL)) {
                st[c].null_count = 0;
                st[c].has_min = st[c].has_max = st[c].min_exact = st[c].max_exact = true;
                st[c].min = st[c].max = v;
            }
            continue;
        }
        for (size_t k = 0; k < fs.ncols; k++) {
            const lh_delta_col_stats_t *cs = &fs.cols[k];
            if (strcmp(cs->path, col->name)) continue;
            st[c].null_count = cs->null_count;
            st[c].has_min = !cs->min.is_null && cs->min.type.id;
            st[c].has_max = !cs->max.is_null && cs->max.type.id;
            st[c].min = cs->min;
            st[c].max = cs->max;
            /* Delta's string bounds may be cut: bounds, not values */
        }
    }
    return st;
}

/* Whether the statistics st prove every row satisfies every predicate. */
static bool all_match(const lh_delta_schema_t *ts, const lh_stats_t *st, const lh_pred_t *p,
                      uint32_t n)
{
    if (!n) return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t c = p[i].column.idx[0];
        if (p[i].column.depth != 1 || c >= ts->ncolumns) return false;
        const lh_stats_t *x = &st[c];
        lh_type_id_t t = (lh_type_id_t)ts->columns[c].type.id;
        /* numbers, dates and timestamps: their bounds are bounds (a string's may be cut) */
        bool bounded = t == LH_TYPE_TINYINT || t == LH_TYPE_SMALLINT || t == LH_TYPE_INTEGER ||
                       t == LH_TYPE_BIGINT || t == LH_TYPE_DATE || t == LH_TYPE_TIMESTAMP ||
                       t == LH_TYPE_TIMESTAMP_TZ;
        if (!bounded || x->null_count != 0 || !x->has_min || !x->has_max) return false;
        int lo, hi;
        if (lh_value_compare(&x->min, &p[i].value, &lo) ||
            lh_value_compare(&x->max, &p[i].value, &hi))
            return false;
        bool all;
        switch (p[i].op) {
        case LH_PRED_EQ:
            all = !lo && !hi;
            break;
        case LH_PRED_LT:
            all = hi < 0;
            break;
        case LH_PRED_LE:
            all = hi <= 0;
            break;
        case LH_PRED_GT:
            all = lo > 0;
            break;
        case LH_PRED_GE:
            all = lo >= 0;
            break;
        default:
            all = false;
        }
        if (!all) return false;
    }
    return true;
}

lh__file_match_t lh__table_file_matches(lh_arena_t *a, const lh_delta_snapshot_t *s,
                                        const lh_delta_add_t *f, const lh_pred_t *p, uint32_t n)
{
    const lh_delta_schema_t *ts = &s->schema;
    lh_stats_t *st = file_stats(a, s, f);
    const lh_stats_t **ptrs = lh_arena_calloc(a, (n + 1) * sizeof *ptrs); /* per predicate */
    if (!st || !ptrs) return LH__FILE_SOME;
    for (uint32_t i = 0; i < n; i++)
        ptrs[i] = p[i].column.depth == 1 && p[i].column.idx[0] < ts->ncolumns
                      ? &st[p[i].column.idx[0]]
                      : NULL;
    if (!lh_preds_might_match(p, n, ptrs)) return LH__FILE_NONE;
    return all_match(ts, st, p, n) ? LH__FILE_ALL : LH__FILE_SOME;
}
