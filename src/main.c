/* lakehouse: one binary, many subcommands. main() looks the first argument up
 * in the dispatch table (like git's commands[]) and runs it. */
#include <stdio.h>
#include <string.h>

extern char **environ;

#include "cmd/cmd.h"
#include "flow/exec.h"

typedef struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} command_t;

static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const command_t commands[] = {
    {"up", lh_cmd_up, "start every role in one process on one data directory"},
    {"serve", lh_cmd_serve, "start the roles named: serve store,web (one workload per role)"},
    {"config", lh_cmd_config, "show the effective configuration (config show | config doc)"},
    {"user", lh_cmd_user, "manage users: add | list | rm | passwd"},
    {"token", lh_cmd_token, "manage bearer tokens: create | list | revoke"},
    {"parquet", lh_cmd_parquet, "read a Parquet file or object: inspect | cat"},
    {"table", lh_cmd_table, "Delta tables in the lake: ls | describe | history | vacuum"},
    {"sql", lh_cmd_sql_main, "run SQL in this process: -c SQL, -f FILE or standard input"},
    {"topic", lh_cmd_topic, "Kafka topics: list | describe | create | delete | tail"},
    {"dag", lh_cmd_dag,
     "DAGs: validate, test, and the orchestrator's list, trigger, runs, logs..."},
    {"task-run", lh_flow_task_run_main, "supervise one task try (started by the orchestrator)"},
    {"sensor", lh_cmd_sensor, "wait for a lake object or a topic record (what sensor tasks run)"},
    {"demo", lh_cmd_demo, "the demo's feed: generate (token transfers with mess, and a manifest)"},
    {"ingest", lh_cmd_ingest, "copy a topic's data interval into the lake (what ingest tasks run)"},
    {"sqllogictest", lh_cmd_sqllogictest, "run sqllogictest files (*.test) against the SQL engine"},
    {"version", cmd_version, "print the version"},
    {"help", cmd_help, "list the subcommands"},
    {NULL, NULL, NULL},
};

static int cmd_version(int argc, char **argv)
{
    if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
        printf("usage: lakehouse version\n\nPrints the version (and \"test-hooks\" for a test "
               "build).\n");
        return 0;
    }
#if defined(LH_TEST_HOOKS) && LH_TEST_HOOKS
    printf("lakehouse %s (test-hooks)\n", LH_VERSION);
#else
    printf("lakehouse %s\n", LH_VERSION);
#endif
    return 0;
}

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("usage: lakehouse <command> [options]\n\ncommands:\n");
    for (const command_t *c = commands; c->name; c++)
        printf("  %-10s %s\n", c->name, c->summary);
    printf("\nRun 'lakehouse <command> --help' for the options of a command.\n");
    return 0;
}

/* The launcher's command line and the environment strings right after it,
 * for the command lines of its in-process tries (flow/exec.h). */
static void title_area(int argc, char **argv)
{
    char *end = argv[argc - 1] + strlen(argv[argc - 1]) + 1;
    for (int i = 1; i < argc; i++)
        if (argv[i] != argv[i - 1] + strlen(argv[i - 1]) + 1) return; /* not one block */
    for (char **e = environ; *e && *e == end; e++)
        end += strlen(*e) + 1;
    lh_flow_task_title_area(argv[0], (size_t)(end - argv[0]));
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
        return cmd_help(0, NULL) == 0 && argc >= 2 ? 0 : (argc < 2 ? 2 : 0);
    if (!strcmp(argv[1], "--version")) return cmd_version(0, NULL);
    if (lh_cmd_register_modules() != 0) return 70; /* a programming error, already printed */
    /* a poke, a query, an ingest without an exec (flow/exec.h): tries run in
       a forked child of the launcher, which starts with the malloc
       tunables sql and ingest would otherwise restart themselves for */
    lh_flow_task_inproc("sensor", lh_cmd_sensor, 0);
    lh_flow_task_inproc("sql", lh_cmd_sql_main, 1);
    lh_flow_task_inproc("ingest", lh_cmd_ingest, 1);
    if (argc > 2 && !strcmp(argv[1], "task-run") && !strcmp(argv[2], "--launcher")) {
        lh_cmd_tune_malloc("task-run", NULL, argc - 2, argv + 2);
        title_area(argc, argv);
    }
    for (const command_t *c = commands; c->name; c++)
        if (!strcmp(argv[1], c->name)) return c->fn(argc - 2, argv + 2);
    fprintf(stderr, "lakehouse: unknown command '%s' (see 'lakehouse --help')\n", argv[1]);
    return 2;
}
