/* `lakehouse dag`: DAG files. Only `validate FILE...` exists so far; it runs
 * locally (no platform): each file is parsed and checked (flow/dag.h) and
 * either "ok <dag_id> (<n> tasks, schedule <s>)" or every diagnostic
 * ("file:line: field: message") is printed; exit 0 when all are valid, 2
 * otherwise. `test` runs one task in the foreground (dag_test.c). The other
 * verbs (list, show, trigger, backfill, clear, runs, tasks, logs, pause,
 * unpause) come with the scheduler. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "flow/dag.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: lakehouse dag validate [--json] FILE...\n"
        "       lakehouse dag test DAG_FILE_OR_ID TASK DATE [--conf JSON] [--render-only]\n\n"
        "  validate  parse and check DAG files (YAML, docs/dags.md) without a platform:\n"
        "            prints \"ok <dag_id> (<n> tasks, schedule <s>)\" per valid file, or every\n"
        "            error as file:line: field: message; exit 0 when all are valid, 2 if not\n"
        "  --json    one JSON array: {file, ok, dag_id, tasks, schedule, errors: [{file,\n"
        "            line, field, message}]} per file\n"
        "  test      run one task in the foreground, no scheduler (dag test --help)\n\n"
        "The other verbs (list, show, trigger, backfill, clear, runs, tasks, logs, pause,\n"
        "unpause) come with the scheduler (the flow role) and are not there yet.\n");
}

static json_t *dag_json(const char *file, const lh_flow_dag_t *d)
{
    json_t *errs = json_array();
    for (int i = 0; i < d->ndiags; i++)
        json_array_append_new(errs, json_pack("{s:s, s:i, s:s, s:s}", "file", file, "line",
                                              d->diags[i].line, "field", d->diags[i].field,
                                              "message", d->diags[i].msg));
    return json_pack("{s:s, s:b, s:s?, s:i, s:s, s:o}", "file", file, "ok", d->ndiags == 0,
                     "dag_id", d->dag_id, "tasks", d->ntasks, "schedule", d->schedule, "errors",
                     errs);
}

static int validate(int argc, char **argv)
{
    int json = 0, bad = 0, nfiles = 0;
    json_t *all = json_array();
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
            continue;
        }
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return usage(stdout), 0;
        if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "lakehouse dag validate: unknown option %s\n", argv[i]);
            return json_decref(all), 2;
        }
        lh_flow_dag_t *d = lh_flow_dag_load(argv[i]);
        if (!d) return fprintf(stderr, "lakehouse: out of memory\n"), json_decref(all), 70;
        nfiles++;
        bad |= d->ndiags > 0;
        if (json)
            json_array_append_new(all, dag_json(argv[i], d));
        else if (d->ndiags == 0)
            printf("ok %s (%d task%s, schedule %s)\n", d->dag_id, d->ntasks,
                   d->ntasks == 1 ? "" : "s", d->schedule);
        for (int k = 0; !json && k < d->ndiags; k++)
            lh_flow_diag_print(&d->diags[k], stderr);
        lh_flow_dag_free(d);
    }
    if (!nfiles) {
        json_decref(all);
        fprintf(stderr, "lakehouse dag validate: no FILE given\n");
        return 2;
    }
    if (json) {
        json_dumpf(all, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    }
    json_decref(all);
    return bad ? 2 : 0;
}

int lh_cmd_dag(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") ||
        !strcmp(argv[0], "help")) {
        usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    if (!strcmp(argv[0], "validate")) return validate(argc - 1, argv + 1);
    if (!strcmp(argv[0], "test")) return lh_cmd_dag_test(argc - 1, argv + 1);
    fprintf(
        stderr,
        "lakehouse dag: unknown verb '%s' (only 'validate' and 'test' exist yet; the others come "
        "with the scheduler)\n",
        argv[0]);
    return 2;
}
