/* libFuzzer target: the DAG file parser over arbitrary YAML bytes. It must
 * never crash, and whatever it reports must be well formed: every
 * diagnostic carries a line inside the input (1 for the file itself) and a
 * non-empty message, and a DAG without diagnostics has an id and tasks
 * whose dependencies all resolve. Paths resolve under a folder that does
 * not exist, so nothing on disk is read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow/dag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t lines = 1;
    for (size_t i = 0; i < size; i++)
        lines += data[i] == '\n' || data[i] == '\r';
    lh_flow_dag_t *d = lh_flow_dag_parse("/nonexistent-fuzz/dag.yaml", (const char *)data, size);
    if (!d) return 0;
    for (int i = 0; i < d->ndiags; i++) {
        const lh_flow_diag_t *g = &d->diags[i];
        if (g->line < 1 || (size_t)g->line > lines + 1 || !g->msg[0] || !g->field) abort();
        if (i && g->line < d->diags[i - 1].line) abort();
    }
    if (d->ndiags == 0) {
        if (!d->dag_id || d->ntasks < 1) abort();
        for (int i = 0; i < d->ntasks; i++)
            for (int k = 0; k < d->tasks[i].ndeps; k++)
                if (d->tasks[i].dep_index[k] < 0 || d->tasks[i].dep_index[k] >= d->ntasks) abort();
    }
    lh_flow_dag_free(d);
    return 0;
}
