/* The rows of a memory-catalog table: a growing array of full batches plus
 * one being filled; appends copy rows (and string bytes) into the table's
 * own batches. */
#include <stdlib.h>
#include <string.h>

#include "sql/catalog/memtable.h"

int lh_sql_mem_table_new(const char *schema, const char *name, const lh_plan_col_t *cols,
                         uint32_t ncols, lh_sql_mem_table_t **out)
{
    *out = NULL;
    lh_sql_mem_table_t *t = calloc(1, sizeof *t);
    if (!t) return LH_ENOMEM;
    t->arena = lh_arena_new(4096);
    if (!t->arena) goto fail;
    t->schema = lh_arena_strdup(t->arena, schema);
    t->name = lh_arena_strdup(t->arena, name);
    t->cols = lh_arena_calloc(t->arena, (ncols ? ncols : 1) * sizeof *t->cols);
    t->types = lh_arena_calloc(t->arena, (ncols ? ncols : 1) * sizeof *t->types);
    if (!t->schema || !t->name || !t->cols || !t->types) goto fail;
    for (uint32_t i = 0; i < ncols; i++) {
        t->cols[i].name = lh_arena_strdup(t->arena, cols[i].name);
        if (!t->cols[i].name || lh_type_copy(t->arena, &cols[i].type, &t->types[i])) goto fail;
        t->cols[i].type = t->types[i];
        t->cols[i].not_null = cols[i].not_null;
    }
    t->ncols = ncols;
    *out = t;
    return 0;
fail:
    lh_sql_mem_table_free(t);
    return LH_ENOMEM;
}

void lh_sql_mem_table_truncate(lh_sql_mem_table_t *t)
{
    for (uint32_t i = 0; i < t->nchunks; i++)
        lh_batch_free(t->chunks[i]);
    t->nchunks = 0;
    t->rows = 0;
}

void lh_sql_mem_table_free(lh_sql_mem_table_t *t)
{
    if (!t) return;
    lh_sql_mem_table_truncate(t);
    free(t->chunks);
    lh_arena_free(t->arena);
    free(t);
}

static int add_chunk(lh_sql_mem_table_t *t)
{
    if (t->nchunks == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 8;
        lh_batch_t **c = realloc(t->chunks, cap * sizeof *c);
        if (!c) return LH_ENOMEM;
        t->chunks = c;
        t->cap = cap;
    }
    int rc = lh_batch_new(t->types, t->ncols, &t->chunks[t->nchunks]);
    if (rc) return rc;
    t->nchunks++;
    return 0;
}

int lh_sql_mem_table_append(lh_sql_mem_table_t *t, const lh_batch_t *b)
{
    if (b->ncols != t->ncols) return LH_EINVAL;
    for (uint32_t c = 0; c < t->ncols; c++)
        if (t->cols[c].not_null && lh_vector_null_count(&b->cols[c], b->count)) return LH_EPERM;
    uint32_t done = 0;
    uint32_t sel[LH_BATCH_ROWS];
    while (done < b->count) {
        if (!t->nchunks || t->chunks[t->nchunks - 1]->count == LH_BATCH_ROWS) {
            int rc = add_chunk(t);
            if (rc) return rc;
        }
        lh_batch_t *c = t->chunks[t->nchunks - 1];
        uint32_t n = LH_BATCH_ROWS - c->count;
        if (n > b->count - done) n = b->count - done;
        for (uint32_t i = 0; i < n; i++)
            sel[i] = done + i;
        int rc = lh_batch_append(c, b, sel, n);
        if (rc) return rc;
        done += n;
        t->rows += n;
    }
    return 0;
}
