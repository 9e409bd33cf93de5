/* libFuzzer target: the DAG file parser over arbitrary YAML bytes. It must
 * never crash, and whatever it reports must be well formed: every
 * diagnostic carries a line inside the input (1 for the file itself) and a
 * non-empty message, and a DAG without diagnostics has an id and tasks
 * whose dependencies all resolve; then every string field that passed the
 * template check renders (or fails with a reason) for a fixed run. Paths
 * resolve under a folder that does not exist, so nothing on disk is read. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "flow/dag.h"
#include "flow/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render_fields(const lh_flow_task_t *t)
{
    lh_flow_run_ctx_t ctx = {.logical_date = 1704067200,
                             .data_interval_start = 1704067200,
                             .data_interval_end = 1704153600,
                             .run_id = "scheduled__2024-01-01T00:00:00+00:00",
                             .try_number = 1};
    for (int i = 0; i < t->nfields; i++) {
        const lh_flow_value_t *v = &t->fields[i].v;
        if (v->kind != LH_FLOW_V_STR || !v->str) continue;
        lh_buf_t b;
        char why[256] = "";
        lh_buf_init(&b, 1 << 20);
        if (lh_flow_template_render(v->str, &ctx, &b, why, sizeof why) == LH_EINVAL && !why[0])
            abort();
        lh_buf_free(&b);
    }
}

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
        for (int i = 0; i < d->ntasks; i++)
            render_fields(&d->tasks[i]);
    }
    lh_flow_dag_free(d);
    return 0;
}
