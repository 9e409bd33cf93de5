/* Morsels: how the threads of one parallel pipeline split a scan. The scan
 * under the pipeline hands out units of work (a Parquet file's row group, a
 * memory table's chunk, a CSV or JSON file) from one shared counter, so every unit is read by
 * exactly one thread (morsel-driven parallelism, as in DuckDB and HyPer). */
#ifndef LH_SQL_MORSEL_H
#define LH_SQL_MORSEL_H
#include <pthread.h>

#include "sql/exec/exec.h"

typedef struct lh_morsels {
    const lh_plan_t *scan; /* the one scan the pipeline splits */
    pthread_mutex_t mu;
    uint32_t *rgs;                       /* Parquet: row groups per file */
    uint32_t file, rg;                   /* the next unit */
    uint32_t nchunks, last_count, chunk; /* memory table: its chunks at the start */
    uint32_t left; /* units still to hand out (UINT32_MAX: all; a GATHER task: its own) */
} lh_morsels_t;

/* Whether plan is a pipeline worth splitting: streaming operators (filter,
 * projection, the probe side of a join that hands out no unmatched build
 * rows) over one Parquet, memory-table or CSV/JSON scan with at least two
 * units.
 * Sets up *m (reading the Parquet footers for their row-group counts) when
 * it is. 1 yes, 0 no, or a negative error (ex->err set). */
int lh__morsels_init(lh_exec_t *ex, const lh_plan_t *plan, lh_morsels_t *m);
void lh__morsels_free(lh_morsels_t *m);
/* The next Parquet unit: 1 with *file and *rg, 0 when none is left. */
int lh__morsels_next_rg(lh_morsels_t *m, uint32_t *file, uint32_t *rg);
/* The next CSV/JSON file (its index in the scan's files): 1, or 0 at the end. */
int lh__morsels_next_file(lh_morsels_t *m, uint32_t *file);
/* The next memory-table chunk: 1 with *chunk and its row count, 0 at the end. */
int lh__morsels_next_chunk(lh_morsels_t *m, uint32_t *chunk, uint32_t *count);

#endif
