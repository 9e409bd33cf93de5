/* Batches: up to LH_BATCH_ROWS rows of a fixed list of column vectors, the
 * unit a scan returns and an operator passes on (DuckDB's DataChunk, an Arrow
 * RecordBatch). Positional: column names live in the schema or the plan.
 *
 * Ownership and lifetime
 *   - The batch owns its vectors (and their storage), its copy of the column
 *     types, and `arena`. lh_batch_free releases all of it.
 *   - `arena` holds what lives for one batch: the bytes of long strings copied
 *     into the batch, and the release callbacks of borrowed memory
 *     (lh_batch_on_reset). lh_batch_reset runs those callbacks and recycles the
 *     arena and every vector for the next batch without freeing their storage.
 *   - A consumer may read a batch until it resets or frees it (in a pull
 *     pipeline: until it asks its producer for the next batch). To keep rows
 *     longer it copies them (lh_batch_append, lh_vector_copy).
 *   - Not thread-safe: one thread fills or reads a batch at a time. */
#ifndef LH_VECTOR_BATCH_H
#define LH_VECTOR_BATCH_H

#include "vector/vector.h"

#define LH_BATCH_ROWS 2048 /* rows per batch, a power of two (DuckDB's STANDARD_VECTOR_SIZE) */

typedef struct lh_batch {
    uint32_t count;    /* rows in use, 0..LH_BATCH_ROWS; set by the producer */
    uint32_t ncols;    /* columns */
    lh_vector_t *cols; /* ncols vectors of capacity LH_BATCH_ROWS; owned */
    lh_arena_t *arena; /* batch-scoped memory; owned; recycled by lh_batch_reset */
    lh_arena_t *types; /* private: the columns' types */
} lh_batch_t;

/* A batch with one vector per type (types are deep-copied; ncols may be 0).
 * *out owned by the caller (lh_batch_free). 0, LH_EINVAL (invalid type) or
 * LH_ENOMEM. */
int lh_batch_new(const lh_type_t *types, uint32_t ncols, lh_batch_t **out);
/* Empties the batch for the next round: count = 0, every vector reset (FLAT,
 * all valid, borrowed pointers dropped), the arena recycled after running the
 * lh_batch_on_reset callbacks (last registered first). */
void lh_batch_reset(lh_batch_t *b);
/* Runs the callbacks and frees everything the batch owns. NULL is fine. */
void lh_batch_free(lh_batch_t *b);
/* Registers fn(arg) to run at the next reset or the free: how a producer lends
 * memory (a decoded page, a dictionary) for exactly the batch's lifetime.
 * 0 or LH_ENOMEM (fn was not registered; the caller releases arg itself). */
int lh_batch_on_reset(lh_batch_t *b, void (*fn)(void *), void *arg);
/* Appends count rows of src (rows sel[0..count), or 0..count when sel is
 * NULL) to dst, copying values and string bytes (lh_vector_copy), so dst does
 * not depend on src. 0, LH_EINVAL (different column types), LH_ETOOBIG (over
 * LH_BATCH_ROWS: nothing appended), LH_ENOMEM. */
int lh_batch_append(lh_batch_t *dst, const lh_batch_t *src, const uint32_t *sel, uint32_t count);

#endif
