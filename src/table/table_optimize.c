/* OPTIMIZE (table.h): the small files of each partition read back with the
 * Parquet reader and written again as few files by the table writer, then
 * one commit replacing them (dataChange false). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/delta_int.h"
#include "table/table.h"
#include "table/table_int.h"

#define DEFAULT_TARGET ((int64_t)128 << 20)

void lh_table_optimize_opts_default(lh_table_optimize_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->target_file_bytes = DEFAULT_TARGET;
    o->min_files = 2;
    lh_pq_write_opts_default(&o->parquet);
}

/* The partition key of a file: its values in partition-column order. */
static void part_key(const lh_delta_snapshot_t *s, const lh_delta_add_t *f, lh_buf_t *out)
{
    lh_buf_reset(out);
    for (size_t k = 0; k < s->metadata.npartition_columns; k++) {
        const char *v =
            lh_delta_map_get(&f->partition_values, s->metadata.partition_columns[k], NULL);
        lh_buf_puts(out, v ? "v" : "n");
        if (v) lh_buf_puts(out, v);
        lh_buf_append(out, "\x1f", 1);
    }
    lh_buf_append(out, "", 1);
}

typedef struct {
    char *key;
    size_t *files; /* indexes into the snapshot's files */
    size_t n, cap;
} group_t;

/* The optimize pass hands every batch to the writer. */
static int to_writer(void *arg, const lh_batch_t *b, lh_err_t *err)
{
    return lh_table_writer_write(arg, b, err);
}

int lh_table_optimize(lh_delta_table_t *t, const lh_table_optimize_opts_t *o,
                      lh_table_optimize_result_t *res, lh_err_t *err)
{
    memset(res, 0, sizeof *res);
    lh_delta_snapshot_t *s = NULL;
    int rc = lh_delta_snapshot_latest(t, &s, err);
    if (rc) return rc;
    res->version = s->version;
    group_t *groups = NULL;
    size_t ngroups = 0;
    lh_buf_t key;
    lh_buf_init(&key, 0);
    lh_arena_t *a = lh_arena_new(0);
    lh__table_scan_t sc = {0};
    lh_table_writer_t *w = NULL;
    const char **paths = NULL;
    size_t npaths = 0;
    if (!a) {
        rc = lh_err_set(err, LH_ENOMEM, "out of memory");
        goto out;
    }
    /* small files per partition (matching where) */
    for (size_t i = 0; i < s->nfiles; i++) {
        const lh_delta_add_t *f = &s->files[i];
        if (f->size >= o->target_file_bytes) continue;
        if (o->nwhere) {
            int m =
                lh__delta_pred_match(o->where, o->nwhere, &f->partition_values, &s->schema, err);
            if (m < 0) {
                rc = m;
                goto out;
            }
            if (!m) continue;
        }
        part_key(s, f, &key);
        if ((rc = lh_buf_err(&key))) {
            lh_err_set(err, rc, "out of memory");
            goto out;
        }
        size_t g = 0;
        while (g < ngroups && strcmp(groups[g].key, key.ptr))
            g++;
        if (g == ngroups) {
            group_t *ng = realloc(groups, (ngroups + 1) * sizeof *ng);
            if (!ng) {
                rc = lh_err_set(err, LH_ENOMEM, "out of memory");
                goto out;
            }
            groups = ng;
            memset(&groups[g], 0, sizeof groups[g]);
            groups[g].key = lh_arena_strdup(a, key.ptr);
            ngroups++;
        }
        group_t *gr = &groups[g];
        if (gr->n == gr->cap) {
            size_t cap = gr->cap ? 2 * gr->cap : 8;
            size_t *nf = realloc(gr->files, cap * sizeof *nf);
            if (!nf) {
                rc = lh_err_set(err, LH_ENOMEM, "out of memory");
                goto out;
            }
            gr->files = nf;
            gr->cap = cap;
        }
        gr->files[gr->n++] = i;
    }
    paths = calloc(s->nfiles + 1, sizeof *paths);
    if (!paths) {
        rc = lh_err_set(err, LH_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t g = 0; g < ngroups; g++)
        if ((int64_t)groups[g].n >= o->min_files) {
            res->partitions++;
            for (size_t k = 0; k < groups[g].n; k++) {
                const lh_delta_add_t *f = &s->files[groups[g].files[k]];
                paths[npaths++] = f->path;
                res->files_removed++;
                res->bytes_removed += f->size;
            }
        }
    if (!npaths) goto out; /* nothing to compact */
    char target[32];
    snprintf(target, sizeof target, "%lld", (long long)o->target_file_bytes);
    lh_delta_kv_t params[1] = {{"targetSize", target}};
    lh_delta_rewrite_t rw = {.remove = paths,
                             .nremove = npaths,
                             .data_change = false,
                             .operation = "OPTIMIZE",
                             .params = {params, 1}};
    lh_table_write_opts_t wo;
    lh_table_write_opts_default(&wo);
    wo.parquet = o->parquet;
    wo.rewrite = &rw;
    if ((rc = lh_table_writer_open(t, &wo, &w, err))) goto out;
    if ((rc = lh__table_scan_init(&sc, t, s, err))) goto out;
    for (size_t g = 0; !rc && g < ngroups; g++) {
        if ((int64_t)groups[g].n < o->min_files) continue;
        for (size_t k = 0; !rc && k < groups[g].n; k++)
            rc = lh__table_scan_file(&sc, &s->files[groups[g].files[k]], to_writer, w, &res->rows,
                                     err);
    }
    int64_t v = -1;
    if (!rc) rc = lh_table_writer_commit(w, &v, err);
    if (!rc) {
        lh_table_write_summary_t sum;
        lh_table_writer_summary(w, &sum);
        res->files_added = sum.files;
        res->bytes_added = sum.bytes;
        res->version = v;
    }
out:
    lh_table_writer_free(w);
    lh__table_scan_free(&sc);
    free(paths);
    for (size_t g = 0; g < ngroups; g++)
        free(groups[g].files);
    free(groups);
    lh_buf_free(&key);
    lh_arena_free(a);
    lh_delta_snapshot_free(s);
    if (rc) memset(res, 0, sizeof *res);
    return rc;
}
