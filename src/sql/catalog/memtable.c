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

/* Charges bytes (> 0) to the table's budget: 0, or LH_ETOOBIG past its limit. */
static int charge(lh_sql_mem_table_t *t, int64_t bytes)
{
    if (!t->budget || bytes <= 0) return 0;
    int64_t now = atomic_fetch_add(&t->budget->used, bytes) + bytes;
    if (t->budget->limit > 0 && now > t->budget->limit) {
        atomic_fetch_sub(&t->budget->used, bytes);
        return LH_ETOOBIG;
    }
    t->charged += bytes;
    return 0;
}

void lh_sql_mem_table_truncate(lh_sql_mem_table_t *t)
{
    for (uint32_t i = 0; i < t->nchunks; i++)
        lh_batch_free(t->chunks[i]);
    t->nchunks = 0;
    t->rows = 0;
    if (t->budget) atomic_fetch_sub(&t->budget->used, t->charged);
    t->charged = 0;
}

void lh_sql_mem_table_mark(const lh_sql_mem_table_t *t, lh_sql_mem_mark_t *m)
{
    const lh_batch_t *last = t->nchunks ? t->chunks[t->nchunks - 1] : NULL;
    *m = (lh_sql_mem_mark_t){.nchunks = t->nchunks,
                             .last_count = last ? last->count : 0,
                             .rows = t->rows,
                             .charged = t->charged,
                             .last_bytes = last ? lh_arena_bytes(last->arena) : 0};
}

void lh_sql_mem_table_rollback(lh_sql_mem_table_t *t, const lh_sql_mem_mark_t *m)
{
    for (uint32_t i = m->nchunks; i < t->nchunks; i++)
        lh_batch_free(t->chunks[i]);
    t->nchunks = m->nchunks;
    int64_t kept = 0; /* the strings left in the last chunk's arena: still held */
    if (t->nchunks) {
        lh_batch_t *last = t->chunks[t->nchunks - 1];
        last->count = m->last_count;
        kept = (int64_t)(lh_arena_bytes(last->arena) - m->last_bytes);
    }
    t->rows = m->rows;
    int64_t charged = m->charged + kept; /* more than t->charged when a charge was refused */
    if (t->budget && t->charged != charged)
        atomic_fetch_sub(&t->budget->used, t->charged - charged);
    t->charged = charged;
}

int lh_sql_mem_table_error(const lh_sql_mem_table_t *t, int rc, lh_sql_error_t *err)
{
    if (rc == LH_ETOOBIG)
        return lh_sql_err(err, rc, LH_SQL_EOOM, -1,
                          "could not store the rows of table %s: the database's tables and "
                          "queries would hold more than sql.memory_limit %lld bytes",
                          t->name, t->budget ? (long long)t->budget->limit : 0LL);
    return lh_sql_err(err, rc, LH_SQL_EOOM, -1, "cannot store rows in %s", t->name);
}

void lh_sql_mem_table_free(lh_sql_mem_table_t *t)
{
    if (!t) return;
    lh_sql_mem_table_truncate(t);
    free(t->chunks);
    lh_arena_free(t->arena);
    free(t);
}

/* A chunk's vectors: values and validity of LH_BATCH_ROWS rows. */
static int64_t chunk_bytes(const lh_sql_mem_table_t *t)
{
    int64_t row = 0;
    for (uint32_t i = 0; i < t->ncols; i++)
        row += (int64_t)lh_type_size(&t->types[i]) + 1;
    return row * LH_BATCH_ROWS + 256;
}

/* The first NOT NULL column of t where b has a NULL, or -1. */
static int null_column(const lh_sql_mem_table_t *t, const lh_batch_t *b)
{
    for (uint32_t c = 0; c < t->ncols; c++)
        if (t->cols[c].not_null && lh_vector_null_count(&b->cols[c], b->count)) return (int)c;
    return -1;
}

int lh_sql_mem_table_null_error(const lh_sql_mem_table_t *t, const lh_batch_t *b,
                                lh_sql_error_t *err)
{
    int c = null_column(t, b);
    return lh_sql_err(err, LH_EINVAL, LH_SQL_ECONSTRAINT, -1, "NOT NULL constraint failed: %s.%s",
                      t->name, t->cols[c < 0 ? t->ncols - 1 : (uint32_t)c].name);
}

/* Room in t->chunks for one more. 0 or LH_ENOMEM. */
static int chunk_room(lh_sql_mem_table_t *t)
{
    if (t->nchunks < t->cap) return 0;
    uint32_t cap = t->cap ? t->cap * 2 : 8;
    lh_batch_t **c = realloc(t->chunks, cap * sizeof *c);
    if (!c) return LH_ENOMEM;
    t->chunks = c;
    t->cap = cap;
    return 0;
}

static int add_chunk(lh_sql_mem_table_t *t)
{
    int rc = charge(t, chunk_bytes(t));
    if (rc) return rc;
    if (chunk_room(t)) return LH_ENOMEM;
    rc = lh_batch_new(t->types, t->ncols, &t->chunks[t->nchunks]);
    if (rc) return rc;
    t->nchunks++;
    return 0;
}

int lh_sql_mem_table_adopt(lh_sql_mem_table_t *t, lh_batch_t *b)
{
    /* at least half full: a chunk holds a whole batch's arrays, whatever
       its rows (a filter's few rows are packed into the last one instead) */
    if (b->ncols != t->ncols || b->count < LH_BATCH_ROWS / 2) return 1;
    for (uint32_t c = 0; c < t->ncols; c++) {
        const lh_vector_t *v = &b->cols[c];
        lh_phys_t ph = lh_type_physical(&t->types[c]);
        if (v->kind != LH_VECTOR_FLAT || !lh_type_equal(&v->type, &t->types[c]) ||
            ph == LH_PHYS_LIST || ph == LH_PHYS_STRUCT)
            return 1;
    }
    if (null_column(t, b) >= 0) return LH_EPERM;
    if (chunk_room(t)) return LH_ENOMEM;
    int rc = charge(t, chunk_bytes(t) + (int64_t)lh_arena_bytes(b->arena));
    if (rc) return rc;
    t->chunks[t->nchunks++] = b;
    t->rows += b->count;
    return 0;
}

int lh_sql_mem_table_append(lh_sql_mem_table_t *t, const lh_batch_t *b)
{
    if (b->ncols != t->ncols) return LH_EINVAL;
    if (null_column(t, b) >= 0) return LH_EPERM;
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
        size_t before = lh_arena_bytes(c->arena); /* long strings' bytes */
        int rc = lh_batch_append(c, b, sel, n);
        if (rc) return rc;
        done += n;
        t->rows += n;
        if ((rc = charge(t, (int64_t)(lh_arena_bytes(c->arena) - before)))) return rc;
    }
    return 0;
}
