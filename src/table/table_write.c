/* Writing rows into a Delta table (table.h): rows split by partition, one
 * Parquet writer per open data file streaming into a temporary file, the
 * files uploaded, then one commit. */
#include "table/table.h"

#include "core/dio.h"
#include "table/delta_int.h"
#include "table/table_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_FILE_ROWS (INT64_C(4) << 20)

void lh_table_write_opts_default(lh_table_write_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->mode = LH_DELTA_APPEND;
    lh_pq_write_opts_default(&o->parquet);
    o->file_rows = DEFAULT_FILE_ROWS;
}

/* One partition of the write: its values, the file being written, and the
 * rows waiting to be handed to the Parquet writer. */
typedef struct part {
    char *key;            /* the partition values joined (lookup); "" unpartitioned */
    lh_delta_kv_t *pvals; /* column -> text (NULL value: NULL) */
    lh_batch_t *pending;  /* data columns only */
    lh_pq_writer_t *pq;   /* NULL between files */
    lh_dio_t *out;        /* the temporary file under pq, or NULL; on the heap: pq keeps
                             its address while the parts array grows */
    char tmp_path[4096];  /* its name (/proc/self/fd/N when unnamed) */
    bool named;           /* tmp_path is a name to remove */
    int64_t file_rows;    /* rows in the open file */
} part_t;

struct lh_table_writer {
    lh_delta_table_t *t;
    lh_table_write_opts_t o;
    lh_delta_snapshot_t *snap; /* the table's, or &fresh */
    lh_delta_snapshot_t fresh; /* a table the commit creates: opts.create's schema */
    lh_arena_t *arena;         /* adds, paths, stats, partition texts */
    lh_type_t data_type;       /* STRUCT of the data (non-partition) columns */
    lh_type_t *data_types;     /* its field types: a part's pending batch */
    uint32_t ncols;
    uint32_t *data_idx; /* schema positions of the data columns */
    uint32_t ndata;
    uint32_t *pcol_idx; /* schema positions of the partition columns, in metadata order */
    uint32_t npcols;
    part_t *parts;
    size_t nparts, cap_parts;
    size_t last_part; /* the part the previous row went to */
    lh_delta_add_t *adds;
    size_t nadds, cap_adds;
    int file_no;
    lh_table_write_summary_t sum;
    uint32_t *sel; /* LH_BATCH_ROWS scratch */
    uint32_t *row_part;
    lh_vector_t *view_cols; /* a batch's data columns, shallow copies (read only) */
    lh_buf_t key, text;
    bool failed, committed;
    bool internal; /* rows of the table being rewritten: no predicate check */
};

static const char *codec_name(int codec)
{
    switch (codec) {
    case LH_PQ_CODEC_ZSTD:
        return "zstd";
    case LH_PQ_CODEC_SNAPPY:
        return "snappy";
    case LH_PQ_CODEC_GZIP:
        return "gz";
    case LH_PQ_CODEC_LZ4_RAW:
        return "lz4raw";
    case LH_PQ_CODEC_BROTLI:
        return "brotli";
    default:
        return "uncompressed";
    }
}

static int fail(lh_table_writer_t *w, int rc)
{
    w->failed = true;
    return rc;
}

static const lh_delta_pred_t *pred_for(const lh_table_writer_t *w, const char *col)
{
    for (size_t i = 0; i < w->o.nwhere; i++)
        if (!strcmp(w->o.where[i].column, col)) return &w->o.where[i];
    return NULL;
}

/* The snapshot of a table the commit creates: create's schema and
 * partition columns, no files. APPEND: refused when a table exists. */
static int fresh_snapshot(lh_table_writer_t *w, lh_err_t *err)
{
    const lh_delta_create_t *c = w->o.create;
    if (w->o.mode == LH_DELTA_APPEND) {
        lh_delta_snapshot_t *s = NULL;
        int rc = lh_delta_snapshot_latest(w->t, &s, err);
        lh_delta_snapshot_free(s);
        if (!rc) return lh_err_set(err, LH_EEXIST, "delta table %s exists", lh_delta_root(w->t));
        if (rc != LH_ENOENT) return rc;
    } else if (w->o.mode != LH_DELTA_OVERWRITE) {
        return lh_err_set(err, LH_EINVAL, "a table created by a write is appended or overwritten");
    }
    if (!c->schema) return lh_err_set(err, LH_EINVAL, "a delta table needs a schema");
    w->fresh.version = -1;
    w->fresh.schema = *c->schema;
    w->fresh.metadata.partition_columns = c->partition_columns;
    w->fresh.metadata.npartition_columns = c->npartition_columns;
    w->o.nwhere = 0;
    w->o.nrow_where = 0;
    w->o.rewrite = NULL;
    w->snap = &w->fresh;
    return 0;
}

int lh_table_writer_open(lh_delta_table_t *t, const lh_table_write_opts_t *opts,
                         lh_table_writer_t **out, lh_err_t *err)
{
    *out = NULL;
    if (opts->mode < LH_DELTA_APPEND || opts->mode > LH_DELTA_REPLACE_WHERE || opts->file_rows <= 0)
        return lh_err_set(err, LH_EINVAL, "bad table write options");
    if (opts->mode == LH_DELTA_REPLACE_WHERE && !opts->nwhere && !opts->rewrite)
        return lh_err_set(err, LH_EINVAL, "replace-where needs a predicate");
    lh_table_writer_t *w = calloc(1, sizeof *w);
    if (!w) return lh_err_set(err, LH_ENOMEM, "out of memory");
    w->t = t;
    w->o = *opts;
    lh_buf_init(&w->key, 0);
    lh_buf_init(&w->text, 0);
    int rc = opts->create ? fresh_snapshot(w, err) : lh_delta_snapshot_latest(t, &w->snap, err);
    if (rc) goto fail;
    rc = LH_ENOMEM;
    w->arena = lh_arena_new(0);
    const lh_delta_schema_t *s = &w->snap->schema;
    w->ncols = s->ncolumns;
    w->data_idx = calloc(w->ncols + 1, sizeof *w->data_idx);
    w->pcol_idx = calloc(w->snap->metadata.npartition_columns + 1, sizeof *w->pcol_idx);
    w->sel = malloc(LH_BATCH_ROWS * sizeof *w->sel);
    w->row_part = malloc(LH_BATCH_ROWS * sizeof *w->row_part);
    w->view_cols = calloc(w->ncols + 1, sizeof *w->view_cols);
    lh_field_t *fields =
        w->arena ? lh_arena_alloc(w->arena, (w->ncols + 1) * sizeof *fields) : NULL;
    if (!w->arena || !w->data_idx || !w->pcol_idx || !w->sel || !w->row_part || !w->view_cols ||
        !fields) {
        lh_err_set(err, rc, "out of memory");
        goto fail;
    }
    const lh_delta_metadata_t *m = &w->snap->metadata;
    for (size_t p = 0; p < m->npartition_columns; p++) {
        uint32_t i = 0;
        while (i < w->ncols && strcmp(s->columns[i].name, m->partition_columns[p]))
            i++;
        if (i == w->ncols) {
            rc = lh_err_set(err, LH_ECORRUPT, "partition column '%s' is not in the schema",
                            m->partition_columns[p]);
            goto fail;
        }
        w->pcol_idx[w->npcols++] = i;
    }
    for (size_t i = 0; i < w->o.nwhere; i++) {
        bool found = false;
        for (size_t p = 0; p < m->npartition_columns; p++)
            found |= !strcmp(m->partition_columns[p], w->o.where[i].column);
        if (!found) {
            rc =
                lh_err_set(err, LH_EINVAL, "replace-where on '%s', which is not a partition column",
                           w->o.where[i].column);
            goto fail;
        }
    }
    for (uint32_t i = 0; i < w->ncols; i++) {
        bool is_part = false;
        for (uint32_t p = 0; p < w->npcols; p++)
            is_part |= w->pcol_idx[p] == i;
        if (is_part) continue;
        fields[w->ndata].name = s->columns[i].name;
        fields[w->ndata].type = s->columns[i].type;
        w->data_idx[w->ndata++] = i;
    }
    if (!w->ndata) {
        rc = lh_err_set(err, LH_EINVAL, "a table needs a column that is not a partition column");
        goto fail;
    }
    rc = lh_type_struct(w->arena, fields, w->ndata, &w->data_type);
    if (rc) {
        lh_err_set(err, rc, "cannot build the data files' schema");
        goto fail;
    }
    if (!(w->data_types = lh_arena_alloc(w->arena, w->ndata * sizeof *w->data_types))) {
        rc = lh_err_set(err, LH_ENOMEM, "out of memory");
        goto fail;
    }
    for (uint32_t i = 0; i < w->ndata; i++)
        w->data_types[i] = w->data_type.fields[i].type;
    *out = w;
    return 0;
fail:
    lh_table_writer_free(w);
    return rc;
}

const lh_type_t *lh_table_writer_schema(const lh_table_writer_t *w)
{
    return &w->snap->schema.type;
}

void lh_table_writer_summary(const lh_table_writer_t *w, lh_table_write_summary_t *out)
{
    *out = w->sum;
}

/* ---- partitions ---- */

/* Builds row's partition key into w->key and, when pvals is not NULL, its
 * column -> text pairs (in w->arena). */
static int partition_of(lh_table_writer_t *w, const lh_batch_t *b, uint32_t row,
                        lh_delta_kv_t *pvals, lh_err_t *err)
{
    const lh_delta_schema_t *s = &w->snap->schema;
    lh_buf_reset(&w->key);
    for (uint32_t p = 0; p < w->npcols; p++) {
        uint32_t c = w->pcol_idx[p];
        lh_value_t v;
        int rc = lh_vector_get_value(&b->cols[c], row, &v);
        if (rc) return lh_err_set(err, rc, "cannot read partition column '%s'", s->columns[c].name);
        const char *text = NULL;
        lh_buf_reset(&w->text);
        if (!v.is_null) {
            rc = lh_delta_partition_text(&v, &w->text, err);
            if (rc) return rc;
            if ((rc = lh_buf_err(&w->text))) return lh_err_set(err, rc, "out of memory");
            text = w->text.ptr ? w->text.ptr : "";
        }
        const lh_delta_pred_t *pr = pred_for(w, s->columns[c].name);
        if (pr) {
            bool match = false;
            for (size_t k = 0; k < pr->nvalues && !match; k++)
                match = pr->values[k] ? text && !strcmp(pr->values[k], text) : !text;
            if (!match)
                return lh_err_set(err, LH_EINVAL,
                                  "a row with %s = %s is outside the replace-where predicate",
                                  s->columns[c].name, text ? text : "NULL");
        }
        lh_buf_append(&w->key, text ? "v" : "n", 1);
        if (text) lh_buf_append(&w->key, text, strlen(text));
        lh_buf_append(&w->key, "\x1f", 1);
        if (pvals) {
            pvals[p].key = s->columns[c].name;
            pvals[p].value = text ? lh_arena_strdup(w->arena, text) : NULL;
            if (text && !pvals[p].value) return lh_err_set(err, LH_ENOMEM, "out of memory");
        }
    }
    lh_buf_append(&w->key, "", 1);
    int rc = lh_buf_err(&w->key);
    return rc ? lh_err_set(err, rc, "partition values too long") : 0;
}

/* Whether row r has the partition values of row r - 1 (both non-NULL and
 * equal, or both NULL): then it goes where that row went. */
static bool same_partition(const lh_table_writer_t *w, const lh_batch_t *b, uint32_t r)
{
    for (uint32_t p = 0; p < w->npcols; p++) {
        const lh_vector_t *v = &b->cols[w->pcol_idx[p]];
        if (v->type.id == LH_TYPE_FLOAT || v->type.id == LH_TYPE_DOUBLE)
            return false; /* -0.0 equals 0.0 but is written otherwise */
        if (v->kind == LH_VECTOR_CONSTANT) continue;
        size_t size = lh_type_size(&v->type);
        lh_phys_t ph = lh_type_physical(&v->type);
        if (v->kind == LH_VECTOR_FLAT && ph >= LH_PHYS_BOOL && ph <= LH_PHYS_INTERVAL &&
            lh_validity_get(v->validity, r) && lh_validity_get(v->validity, r - 1)) {
            /* equal words, equal values (the other way round find_part decides) */
            const uint8_t *d = v->data;
            if (memcmp(d + r * size, d + (r - 1) * size, size)) return false;
            continue;
        }
        lh_value_t x, y;
        int cmp;
        if (lh_vector_get_value(v, r, &x) || lh_vector_get_value(v, r - 1, &y)) return false;
        if (x.is_null || y.is_null) {
            if (x.is_null != y.is_null) return false;
            continue;
        }
        if (lh_value_compare(&x, &y, &cmp) || cmp) return false;
    }
    return true;
}

static int find_part(lh_table_writer_t *w, const lh_batch_t *b, uint32_t row, size_t *out,
                     lh_err_t *err)
{
    int rc = partition_of(w, b, row, NULL, err);
    if (rc) return rc;
    if (w->last_part < w->nparts && !strcmp(w->parts[w->last_part].key, w->key.ptr)) {
        *out = w->last_part;
        return 0;
    }
    for (size_t i = 0; i < w->nparts; i++)
        if (!strcmp(w->parts[i].key, w->key.ptr)) {
            *out = w->last_part = i;
            return 0;
        }
    if (w->nparts == w->cap_parts) {
        size_t cap = w->cap_parts ? 2 * w->cap_parts : 8;
        part_t *p = realloc(w->parts, cap * sizeof *p);
        if (!p) return lh_err_set(err, LH_ENOMEM, "out of memory");
        w->parts = p;
        w->cap_parts = cap;
    }
    part_t *p = &w->parts[w->nparts];
    memset(p, 0, sizeof *p);
    p->key = lh_arena_strdup(w->arena, w->key.ptr);
    p->pvals = lh_arena_calloc(w->arena, (w->npcols + 1) * sizeof *p->pvals);
    if (!p->key || !p->pvals) return lh_err_set(err, LH_ENOMEM, "out of memory");
    if ((rc = partition_of(w, b, row, p->pvals, err))) return rc;
    if ((rc = lh_batch_new(w->data_types, w->ndata, &p->pending)))
        return lh_err_set(err, rc, "cannot allocate a batch");
    *out = w->last_part = w->nparts++;
    return 0;
}

/* ---- files ---- */

/* The data file is written once and read once (its upload): by direct I/O
 * where the file system has it (core/dio.h), not into fresh page-cache
 * pages. */
static int sink_file(void *ctx, const void *data, size_t len, lh_err_t *err)
{
    if (lh_dio_write(ctx, data, len))
        return lh_err_set(err, errno == ENOMEM ? LH_ENOMEM : LH_EIO,
                          "cannot write a temporary data file: %s", strerror(errno));
    return 0;
}

static int open_file(lh_table_writer_t *w, part_t *p, lh_err_t *err)
{
    const char *dir = !w->o.tmp_dir ? lh_dio_tmpdir() : *w->o.tmp_dir ? w->o.tmp_dir : "/tmp";
    int fd = lh_dio_tmpfile(dir, "lakehouse-table-", p->tmp_path, sizeof p->tmp_path, &p->named);
    if (fd < 0) {
        p->tmp_path[0] = 0;
        return lh_err_set(err, LH_EIO, "cannot create a temporary file in %s: %s", dir,
                          strerror(errno));
    }
    if (!(p->out = malloc(sizeof *p->out))) {
        close(fd);
        if (p->named) unlink(p->tmp_path);
        p->tmp_path[0] = 0;
        return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    lh_dio_init(p->out, fd);
    p->file_rows = 0;
    return lh_pq_writer_open(&w->data_type, &w->o.parquet, sink_file, p->out, &p->pq, err);
}

static void drop_file(part_t *p)
{
    lh_pq_writer_free(p->pq);
    p->pq = NULL;
    if (p->out) {
        close(p->out->fd);
        lh_dio_free(p->out);
        free(p->out);
        p->out = NULL;
    }
    if (p->tmp_path[0] && p->named) unlink(p->tmp_path);
    p->tmp_path[0] = 0;
    p->file_rows = 0;
}

/* The Parquet statistics of the top-level columns and struct fields (not
 * list or map leaves) as Delta column statistics. */
static size_t delta_stats(const lh_table_writer_t *w, const lh_pq_file_stats_t *fs,
                          lh_delta_col_stats_t *out)
{
    size_t n = 0;
    for (uint32_t i = 0; i < fs->ncols; i++) {
        const lh_pq_col_stats_t *c = &fs->cols[i];
        const lh_type_t *t = &w->data_type;
        bool through_structs = true;
        for (uint32_t d = 0; d < c->depth && through_structs; d++) {
            const lh_type_t *next = NULL;
            if (t->id == LH_TYPE_STRUCT)
                for (uint32_t f = 0; f < t->nfields && !next; f++)
                    if (!strcmp(t->fields[f].name, c->names[d])) next = &t->fields[f].type;
            through_structs = next != NULL;
            t = next;
        }
        if (!through_structs || lh_type_is_nested(t)) continue;
        lh_delta_col_stats_t *o = &out[n++];
        memset(o, 0, sizeof *o);
        o->path = c->path;
        if (c->has_min) o->min = c->min;
        if (c->has_max) o->max = c->max;
        o->null_count = c->null_count;
    }
    return n;
}

/* Closes p's file (its pending rows already handed over by flush_pending),
 * uploads it and records its add. */
static int close_file(lh_table_writer_t *w, part_t *p, lh_err_t *err)
{
    lh_pq_file_stats_t fs;
    int rc = lh_pq_writer_close(p->pq, &fs, err);
    if (rc) return rc;
    if (lh_dio_flush(p->out, true) != 0)
        return lh_err_set(err, LH_EIO, "cannot write a temporary data file: %s", strerror(errno));
    lh_delta_map_t pv = {p->pvals, w->npcols};
    lh_buf_t path, key, stats;
    lh_buf_init(&path, 0);
    lh_buf_init(&key, 0);
    lh_buf_init(&stats, 0);
    lh_delta_col_stats_t *cs = calloc(fs.ncols + 1, sizeof *cs);
    if (!cs) {
        rc = lh_err_set(err, LH_ENOMEM, "out of memory");
        goto out;
    }
    rc = lh_delta_data_path(&path, w->snap->metadata.partition_columns, w->npcols, &pv,
                            w->file_no++, codec_name(w->o.parquet.codec), err);
    if (rc) goto out;
    lh_buf_printf(&key, "%s%s", w->t->root, path.ptr);
    if ((rc = lh_buf_err(&key))) {
        lh_err_set(err, rc, "data file key too long");
        goto out;
    }
    rc = lh_delta_stats_write(&stats, fs.num_rows, cs, delta_stats(w, &fs, cs), err);
    if (rc) goto out;
    rc = lh_objstore_put_dio_file(w->t->os, w->t->bucket, key.ptr, p->tmp_path, NULL, NULL, err);
    if (rc) goto out;
    if (w->nadds == w->cap_adds) {
        size_t cap = w->cap_adds ? 2 * w->cap_adds : 16;
        lh_delta_add_t *a = realloc(w->adds, cap * sizeof *a);
        if (!a) {
            rc = lh_err_set(err, LH_ENOMEM, "out of memory");
            goto out;
        }
        w->adds = a;
        w->cap_adds = cap;
    }
    lh_delta_add_t *a = &w->adds[w->nadds];
    memset(a, 0, sizeof *a);
    a->path = lh_arena_strdup(w->arena, path.ptr);
    a->stats = lh_arena_strdup(w->arena, stats.ptr);
    a->partition_values = pv;
    a->size = (int64_t)fs.file_size;
    a->data_change = true;
    if (!a->path || !a->stats) {
        rc = lh_err_set(err, LH_ENOMEM, "out of memory");
        goto out;
    }
    w->nadds++;
    w->sum.files++;
    w->sum.rows += fs.num_rows;
    w->sum.bytes += (int64_t)fs.file_size;
out:
    free(cs);
    lh_buf_free(&path);
    lh_buf_free(&key);
    lh_buf_free(&stats);
    drop_file(p);
    return rc;
}

/* Hands p's pending rows to its file, opening one first and closing it when
 * it reaches file_rows. */
static int flush_pending(lh_table_writer_t *w, part_t *p, lh_err_t *err)
{
    int rc;
    if (!p->pq && (rc = open_file(w, p, err))) return rc;
    rc = lh_pq_writer_write_batch(p->pq, p->pending, err);
    p->file_rows += p->pending->count;
    lh_batch_reset(p->pending);
    if (rc) return rc;
    return p->file_rows >= w->o.file_rows ? close_file(w, p, err) : 0;
}

int lh_table_writer_write(lh_table_writer_t *w, const lh_batch_t *b, lh_err_t *err)
{
    if (w->failed || w->committed)
        return lh_err_set(err, LH_EINVAL, "the table writer failed or has committed");
    const lh_type_t *schema = lh_table_writer_schema(w);
    if (b->ncols != w->ncols)
        return lh_err_set(err, LH_EINVAL, "batch has %u columns, table %u", b->ncols, w->ncols);
    for (uint32_t i = 0; i < w->ncols; i++)
        if (!lh_type_equal(&b->cols[i].type, &schema->fields[i].type)) {
            char want[128], got[128];
            lh_type_format(&schema->fields[i].type, want, sizeof want);
            lh_type_format(&b->cols[i].type, got, sizeof got);
            return lh_err_set(err, LH_EINVAL, "column '%s' is %s, the batch has %s",
                              schema->fields[i].name, want, got);
        }
    int rc = 0;
    uint32_t out = w->o.nrow_where && !w->internal
                       ? lh__table_rows_match(b, w->o.row_where, w->o.nrow_where)
                       : b->count;
    if (out < b->count)
        return fail(w,
                    lh_err_set(err, LH_EINVAL,
                               "row %u of the batch is outside the replace-where predicate", out));
    if (!w->npcols && b->count) { /* unpartitioned: one part, looked up once */
        size_t pi = 0;
        if ((rc = find_part(w, b, 0, &pi, err))) return fail(w, rc);
        for (uint32_t r = 0; r < b->count; r++)
            w->row_part[r] = (uint32_t)pi;
    }
    for (uint32_t r = 0; w->npcols && r < b->count; r++) {
        size_t pi = 0;
        if (r && same_partition(w, b, r)) { /* rows come in runs of one partition */
            w->row_part[r] = w->row_part[r - 1];
            continue;
        }
        if ((rc = find_part(w, b, r, &pi, err))) return fail(w, rc);
        w->row_part[r] = (uint32_t)pi;
    }
    /* the batch without its partition columns */
    for (uint32_t i = 0; i < w->ndata; i++)
        w->view_cols[i] = b->cols[w->data_idx[i]];
    lh_batch_t view = {.count = b->count, .ncols = w->ndata, .cols = w->view_cols};
    for (size_t pi = 0; pi < w->nparts; pi++) {
        part_t *p = &w->parts[pi];
        uint32_t n = 0;
        for (uint32_t r = 0; r < b->count; r++)
            if (w->row_part[r] == pi) w->sel[n++] = r;
        for (uint32_t done = 0; done < n;) {
            /* the pending rows never take the file past file_rows */
            int64_t left = w->o.file_rows - p->file_rows - p->pending->count;
            uint32_t room = LH_BATCH_ROWS - p->pending->count, k = n - done;
            if (left < room) room = (uint32_t)left;
            if (k > room) k = room;
            if ((rc = lh_batch_append(p->pending, &view, w->sel + done, k))) {
                lh_err_set(err, rc, "cannot copy rows (%d)", rc);
                return fail(w, rc);
            }
            done += k;
            bool file_full = p->file_rows + p->pending->count >= w->o.file_rows;
            if ((p->pending->count == LH_BATCH_ROWS || file_full) &&
                (rc = flush_pending(w, p, err)))
                return fail(w, rc);
        }
    }
    return 0;
}

/* ---- replace-where on rows ---- */

typedef struct {
    lh_table_writer_t *w;
    int64_t matches;
    lh_batch_t *keep; /* the rows that stay, table schema */
} rows_t;

static int count_matches(void *arg, const lh_batch_t *b, lh_err_t *err)
{
    rows_t *x = arg;
    bool ok[LH_BATCH_ROWS];
    lh__table_rows_matching(b, x->w->o.row_where, x->w->o.nrow_where, ok);
    for (uint32_t r = 0; r < b->count; r++)
        x->matches += ok[r];
    return 0;
}

static int keep_others(void *arg, const lh_batch_t *b, lh_err_t *err)
{
    rows_t *x = arg;
    uint32_t n = 0;
    bool ok[LH_BATCH_ROWS];
    lh__table_rows_matching(b, x->w->o.row_where, x->w->o.nrow_where, ok);
    for (uint32_t r = 0; r < b->count; r++)
        if (!ok[r]) x->w->sel[n++] = r;
    lh_batch_reset(x->keep);
    int rc = lh_batch_append(x->keep, b, x->w->sel, n);
    if (rc) return lh_err_set(err, rc, "cannot copy rows");
    return n ? lh_table_writer_write(x->w, x->keep, err) : 0;
}

/* The files of the snapshot holding matching rows are read and their other
 * rows written again; their paths go into *paths for the commit. A file
 * whose statistics prove every row matches is removed without a read. */
static int rewrite_matching(lh_table_writer_t *w, const char ***paths, size_t *n, lh_err_t *err)
{
    const lh_delta_snapshot_t *s = w->snap;
    lh__table_scan_t sc;
    rows_t x = {.w = w};
    int rc = lh__table_scan_init(&sc, w->t, s, err);
    if (rc) return rc;
    *paths = lh_arena_calloc(w->arena, (s->nfiles + 1) * sizeof **paths);
    if (!*paths) rc = lh_err_set(err, LH_ENOMEM, "out of memory");
    lh_type_t *types = lh_arena_alloc(w->arena, (w->ncols + 1) * sizeof *types);
    for (uint32_t c = 0; types && c < w->ncols; c++)
        types[c] = s->schema.type.fields[c].type;
    if (!rc && (!types || lh_batch_new(types, w->ncols, &x.keep)))
        rc = lh_err_set(err, LH_ENOMEM, "out of memory");
    w->internal = true;
    for (size_t i = 0; !rc && i < s->nfiles; i++) {
        const lh_delta_add_t *f = &s->files[i];
        lh__file_match_t m =
            lh__table_file_matches(w->arena, s, f, w->o.row_where, w->o.nrow_where);
        if (m == LH__FILE_NONE) continue;
        if (m == LH__FILE_ALL) {
            (*paths)[(*n)++] = f->path; /* nothing in it to keep: removed unread */
            continue;
        }
        x.matches = 0;
        rc = lh__table_scan_file(&sc, f, count_matches, &x, NULL, err);
        if (rc || !x.matches) continue;
        (*paths)[(*n)++] = f->path;
        rc = lh__table_scan_file(&sc, f, keep_others, &x, NULL, err);
    }
    w->internal = false;
    lh_batch_free(x.keep);
    lh__table_scan_free(&sc);
    return rc;
}

int lh_table_writer_commit(lh_table_writer_t *w, int64_t *version, lh_err_t *err)
{
    if (w->failed || w->committed)
        return lh_err_set(err, LH_EINVAL, "the table writer failed or has committed");
    int rc;
    const char **rewritten = NULL;
    size_t nrewritten = 0;
    if (w->o.nrow_where && (rc = rewrite_matching(w, &rewritten, &nrewritten, err)))
        return fail(w, rc);
    for (size_t i = 0; i < w->nparts; i++) {
        part_t *p = &w->parts[i];
        if (p->pending->count && (rc = flush_pending(w, p, err))) return fail(w, rc);
        if (p->pq && (rc = close_file(w, p, err))) return fail(w, rc);
    }
    lh_delta_write_t dw = {
        .mode = w->o.mode,
        .adds = w->adds,
        .nadds = w->nadds,
        .where = w->o.where,
        .nwhere = w->o.nwhere,
        .app_id = w->o.app_id,
        .app_version = w->o.app_version,
    };
    int64_t v = -1;
    if (w->o.create) {
        rc = lh_delta_create_with(w->t, w->o.create, w->o.mode == LH_DELTA_OVERWRITE, w->adds,
                                  w->nadds, &v, err);
    } else if (w->o.rewrite) {
        lh_delta_rewrite_t rw = *w->o.rewrite;
        rw.adds = w->adds;
        rw.nadds = w->nadds;
        rc = lh_delta_rewrite(w->t, &rw, &v, err);
    } else if (w->o.nrow_where) {
        char files[24];
        snprintf(files, sizeof files, "%zu", nrewritten);
        lh_delta_kv_t params[2] = {{"mode", "Overwrite"}, {"numRewrittenFiles", files}};
        lh_delta_rewrite_t rw = {.remove = rewritten,
                                 .nremove = nrewritten,
                                 .adds = w->adds,
                                 .nadds = w->nadds,
                                 .data_change = true,
                                 .operation = "WRITE",
                                 .params = {params, 2}};
        rc = lh_delta_rewrite(w->t, &rw, &v, err);
    } else {
        rc = lh_delta_write(w->t, &dw, &v, err);
    }
    if (rc) return fail(w, rc);
    w->committed = true;
    if (version) *version = v;
    return 0;
}

void lh_table_writer_free(lh_table_writer_t *w)
{
    if (!w) return;
    for (size_t i = 0; i < w->nparts; i++) {
        drop_file(&w->parts[i]);
        lh_batch_free(w->parts[i].pending);
    }
    free(w->parts);
    free(w->adds);
    free(w->data_idx);
    free(w->pcol_idx);
    free(w->sel);
    free(w->row_part);
    free(w->view_cols);
    lh_buf_free(&w->key);
    lh_buf_free(&w->text);
    if (w->snap != &w->fresh) lh_delta_snapshot_free(w->snap);
    lh_arena_free(w->arena);
    free(w);
}
