/* Batches: a row count, column vectors of LH_BATCH_ROWS rows and a
 * batch-scoped arena, recycled between batches without freeing storage. */
#include "vector/batch.h"

#include <stdlib.h>

#define BATCH_ARENA_BLOCK (64 * 1024) /* long strings of a batch, per block */

int lh_batch_new(const lh_type_t *types, uint32_t ncols, lh_batch_t **out)
{
    *out = NULL;
    for (uint32_t i = 0; i < ncols; i++)
        if (!lh_type_is_valid(&types[i])) return LH_EINVAL;
    lh_batch_t *b = calloc(1, sizeof *b);
    if (!b) return LH_ENOMEM;
    b->types = lh_arena_new(1024);
    b->arena = lh_arena_new(BATCH_ARENA_BLOCK);
    b->cols = calloc(ncols ? ncols : 1, sizeof *b->cols);
    if (!b->types || !b->arena || !b->cols) goto nomem;
    b->ncols = ncols;
    for (uint32_t i = 0; i < ncols; i++) {
        lh_type_t t;
        if (lh_type_copy(b->types, &types[i], &t)) goto nomem;
        if (lh_vector_init(&b->cols[i], &t, LH_BATCH_ROWS, b->arena)) goto nomem;
    }
    *out = b;
    return 0;
nomem:
    lh_batch_free(b);
    return LH_ENOMEM;
}

void lh_batch_reset(lh_batch_t *b)
{
    b->count = 0;
    for (uint32_t i = 0; i < b->ncols; i++)
        lh_vector_reset(&b->cols[i]);
    lh_arena_reset(b->arena);
}

void lh_batch_free(lh_batch_t *b)
{
    if (!b) return;
    lh_arena_free(b->arena); /* the callbacks first: vectors may still point at lent memory */
    for (uint32_t i = 0; b->cols && i < b->ncols; i++)
        lh_vector_release(&b->cols[i]);
    free(b->cols);
    lh_arena_free(b->types);
    free(b);
}

int lh_batch_on_reset(lh_batch_t *b, void (*fn)(void *), void *arg)
{
    return lh_arena_cleanup(b->arena, fn, arg);
}

int lh_batch_append(lh_batch_t *dst, const lh_batch_t *src, const uint32_t *sel, uint32_t count)
{
    if (dst->ncols != src->ncols) return LH_EINVAL;
    for (uint32_t i = 0; i < dst->ncols; i++)
        if (!lh_type_equal(&dst->cols[i].type, &src->cols[i].type)) return LH_EINVAL;
    if (count > LH_BATCH_ROWS - dst->count) return LH_ETOOBIG;
    for (uint32_t i = 0; i < dst->ncols; i++) {
        int rc = lh_vector_copy(&dst->cols[i], dst->count, &src->cols[i], sel, count);
        if (rc) return rc;
    }
    dst->count += count;
    return 0;
}
