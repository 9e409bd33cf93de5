/* `lakehouse dag`: DAG files and the orchestrator. `validate FILE...` runs
 * locally (no platform): each file is parsed and checked (flow/dag.h) and
 * either "ok <dag_id> (<n> tasks, schedule <s>)" or every diagnostic
 * ("file:line: field: message") is printed; exit 0 when all are valid, 2
 * otherwise. `test` runs one task in the foreground (dag_test.c). The
 * other verbs are clients of the running platform (cmd/dag_client.h), one
 * row each in the verb table. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "cmd/dag_client.h"
#include "core/config.h"
#include "flow/dag.h"

static void usage(FILE *out)
{
    fprintf(
        out,
        "usage: lakehouse dag validate [--json] FILE...\n"
        "       lakehouse dag list | show DAG | runs DAG [--state S] [--limit N]\n"
        "       lakehouse dag tasks DAG RUN | logs DAG RUN TASK [--try N]\n"
        "       lakehouse dag trigger DAG [--conf JSON] [--run-id ID] [--logical-date D]\n"
        "       lakehouse dag backfill DAG --start DATE --end DATE [--reprocess none|failed|all]\n"
        "                              [--conf JSON] [--no-wait]\n"
        "       lakehouse dag clear DAG [--run-id R | --start D --end D] [--task T]...\n"
        "                              [--upstream] [--downstream] [--only-failed] [--yes]\n"
        "       lakehouse dag pause DAG | unpause DAG\n"
        "       lakehouse dag test DAG_FILE_OR_ID TASK DATE [--conf JSON] [--render-only]\n\n"
        "  validate  parse and check DAG files (YAML, docs/dags.md) without a platform:\n"
        "            prints \"ok <dag_id> (<n> tasks, schedule <s>)\" per valid file, or every\n"
        "            error as file:line: field: message; exit 0 when all are valid, 2 if not\n"
        "  --json    validate: one JSON array: {file, ok, dag_id, tasks, schedule, errors:\n"
        "            [{file, line, field, message}]} per file; the other verbs: the REST\n"
        "            API's JSON as it is\n"
        "  test      run one task in the foreground, no scheduler (dag test --help)\n\n"
        "The other verbs are clients of the running platform: the orchestrator's REST API\n"
        "(docs/api.md) at LAKEHOUSE_URL (default http://127.0.0.1:8080), with HTTP Basic\n"
        "from LAKEHOUSE_ACCESS_KEY/LAKEHOUSE_SECRET_KEY or a bearer token (--token,\n"
        "LAKEHOUSE_TOKEN). clear lists what it would clear and clears after --yes (or a\n"
        "\"y\" on a terminal); backfill follows its runs until done (--no-wait: not) and\n"
        "exits 1 when one failed. Exit 0 ok, 1 an error from the server, 2 usage.\n");
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

static lh_flow_dag_t no_such_id;
#define NO_SUCH_ID (&no_such_id)

/* A DAG_ID (no such file, no '/', not a .yaml name) is looked up in
 * flow.dags_dir; NULL means arg is a file. */
static lh_flow_dag_t *by_id(const char *arg)
{
    struct stat st;
    if (!stat(arg, &st) || strchr(arg, '/') || lh_flow_is_dag_file(arg)) return NULL;
    lh_config_t *cfg = NULL;
    lh_err_t err = {0};
    int argc = 0;
    char *argv[1] = {NULL};
    if (lh_config_load(&cfg, &argc, argv, &err)) {
        fprintf(stderr, "lakehouse dag validate: %s\n", err.msg);
        return NO_SUCH_ID;
    }
    const char *dir = lh_config_get(cfg, "flow.dags_dir");
    lh_flow_dag_t *d = lh_cmd_dag_find(dir, arg);
    if (!d) fprintf(stderr, "lakehouse dag validate: no DAG file or DAG id %s (in %s)\n", arg, dir);
    lh_config_free(cfg);
    return d ? d : NO_SUCH_ID;
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
        lh_flow_dag_t *d = by_id(argv[i]);
        if (d == NO_SUCH_ID) return json_decref(all), 2;
        if (!d) d = lh_flow_dag_load(argv[i]);
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

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} verbs[] = {
    {.name = "validate", .run = validate},        {.name = "list", .run = lh_dag_list},
    {.name = "show", .run = lh_dag_show},         {.name = "trigger", .run = lh_dag_trigger},
    {.name = "backfill", .run = lh_dag_backfill}, {.name = "clear", .run = lh_dag_clear},
    {.name = "runs", .run = lh_dag_runs},         {.name = "tasks", .run = lh_dag_tasks},
    {.name = "logs", .run = lh_dag_logs},         {.name = "pause", .run = lh_dag_pause},
    {.name = "unpause", .run = lh_dag_unpause},   {.name = "test", .run = lh_cmd_dag_test},
};

int lh_cmd_dag(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") ||
        !strcmp(argv[0], "help")) {
        usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    for (int i = 1; i < argc && strcmp(argv[0], "test"); i++) /* test has its own help */
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return usage(stdout), 0;
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (!strcmp(argv[0], verbs[i].name)) return verbs[i].run(argc - 1, argv + 1);
    fprintf(stderr, "lakehouse dag: unknown verb '%s' (see 'lakehouse dag --help')\n", argv[0]);
    return 2;
}
