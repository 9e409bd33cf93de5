/* The task graph: duplicate task ids, dependencies on tasks that do not
 * exist, and cycles. Ids are sorted once and looked up by binary search;
 * cycles are found with Kahn's algorithm (what cannot be ordered is on or
 * behind a cycle), then each cycle is named by walking upstream from what
 * remains, so a 10,000-task DAG checks in linear-ish time. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "flow/dag_int.h"

static const lh_flow_task_t *sort_base;

static int by_id(const void *a, const void *b)
{
    const lh_flow_task_t *x = &sort_base[*(const int *)a], *y = &sort_base[*(const int *)b];
    int c = strcmp(x->id ? x->id : "", y->id ? y->id : "");
    return c ? c : (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

static void diag_line(lh__flow_ctx_t *x, int line, const char *field, const char *msg,
                      const char *arg)
{
    yaml_node_t at = {.start_mark = {.line = (size_t)(line - 1)}};
    lh__flow_diag(x, &at, field, msg, arg);
}

static int find(const lh_flow_dag_t *d, const int *order, const char *id)
{
    int lo = 0, hi = d->ntasks - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const char *m = d->tasks[order[mid]].id ? d->tasks[order[mid]].id : "";
        int c = strcmp(id, m);
        if (!c) return order[mid];
        if (c < 0)
            hi = mid - 1;
        else
            lo = mid + 1;
    }
    return -1;
}

static void resolve(lh__flow_ctx_t *x, const int *order)
{
    lh_flow_dag_t *d = x->dag;
    for (int i = 1; i < d->ntasks; i++) {
        const lh_flow_task_t *a = &d->tasks[order[i - 1]], *b = &d->tasks[order[i]];
        if (a->id && b->id && !strcmp(a->id, b->id))
            diag_line(x, b->line, lh_arena_printf(d->arena, "tasks[%d].id", order[i]),
                      "duplicate task id \"%s\"", b->id);
    }
    for (int i = 0; i < d->ntasks; i++) {
        lh_flow_task_t *t = &d->tasks[i];
        for (int k = 0; k < t->ndeps; k++) {
            t->dep_index[k] = find(d, order, t->depends_on[k]);
            if (t->dep_index[k] < 0)
                diag_line(x, t->dep_line[k], lh_arena_printf(d->arena, "tasks[%d].depends_on", i),
                          "unknown task \"%s\"", t->depends_on[k]);
        }
    }
}

/* Kahn: left[i] = dependencies of i not yet ordered; returns how many remain. */
static int kahn(const lh_flow_dag_t *d, int *left)
{
    int n = d->ntasks, *start = calloc((size_t)n + 1, sizeof *start), *down, *queue;
    int remain = n, head = 0, tail = 0;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < d->tasks[i].ndeps; k++)
            if (d->tasks[i].dep_index[k] >= 0) start[d->tasks[i].dep_index[k] + 1]++, left[i]++;
    for (int i = 0; i < n; i++)
        start[i + 1] += start[i];
    down = malloc((size_t)start[n] * sizeof *down + 1);
    queue = malloc((size_t)n * sizeof *queue);
    int *fill = calloc((size_t)n + 1, sizeof *fill);
    if (!start || !down || !queue || !fill) goto done;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < d->tasks[i].ndeps; k++) {
            int u = d->tasks[i].dep_index[k];
            if (u >= 0) down[start[u] + fill[u]++] = i;
        }
    for (int i = 0; i < n; i++)
        if (!left[i]) queue[tail++] = i;
    while (head < tail) {
        int u = queue[head++];
        remain--;
        for (int e = start[u]; e < start[u + 1]; e++)
            if (--left[down[e]] == 0) queue[tail++] = down[e];
    }
done:
    free(start), free(down), free(queue), free(fill);
    return remain;
}

static void report_cycle(lh__flow_ctx_t *x, const int *walk, int from, int to)
{
    lh_flow_dag_t *d = x->dag;
    lh_buf_t b;
    lh_buf_init(&b, 400);
    for (int i = from; i <= to; i++)
        lh_buf_printf(&b, "%s%s", i > from ? " -> " : "", d->tasks[walk[i]].id);
    lh_buf_printf(&b, " -> %s", d->tasks[walk[from]].id);
    const lh_flow_task_t *t = &d->tasks[walk[from]];
    int line = t->line;
    for (int k = 0; k < t->ndeps; k++)
        if (t->dep_index[k] == walk[from == to ? from : from + 1]) line = t->dep_line[k];
    diag_line(x, line, lh_arena_printf(d->arena, "tasks[%d].depends_on", walk[from]),
              "dependency cycle: %s", lh_buf_err(&b) ? "(too long to show)" : b.ptr);
    lh_buf_free(&b);
}

/* Walks upstream through tasks that Kahn left; each new cycle is reported once. */
static void name_cycles(lh__flow_ctx_t *x, const int *left)
{
    int n = x->dag->ntasks, *seen = calloc((size_t)n, sizeof *seen),
        *walk = malloc((size_t)n * sizeof *walk), *pos = malloc((size_t)n * sizeof *pos);
    for (int s = 0; seen && walk && pos && s < n; s++) {
        if (!left[s] || seen[s]) continue;
        int len = 0, u = s;
        while (!seen[u]) {
            seen[u] = s + 1, pos[u] = len, walk[len++] = u;
            const lh_flow_task_t *t = &x->dag->tasks[u];
            for (int k = 0; k < t->ndeps; k++)
                if (t->dep_index[k] >= 0 && left[t->dep_index[k]]) {
                    u = t->dep_index[k];
                    break;
                }
        }
        if (seen[u] == s + 1) report_cycle(x, walk, pos[u], len - 1);
    }
    free(seen), free(walk), free(pos);
}

void lh__flow_check_graph(lh__flow_ctx_t *x)
{
    lh_flow_dag_t *d = x->dag;
    if (d->ntasks == 0) return;
    int *order = malloc((size_t)d->ntasks * sizeof *order);
    int *left = calloc((size_t)d->ntasks, sizeof *left);
    if (order && left) {
        for (int i = 0; i < d->ntasks; i++)
            order[i] = i;
        sort_base = d->tasks;
        qsort(order, (size_t)d->ntasks, sizeof *order, by_id);
        resolve(x, order);
        if (kahn(d, left) > 0) name_cycles(x, left);
    }
    free(order), free(left);
}
