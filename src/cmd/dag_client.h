/* `lakehouse dag` verbs that are clients of the running platform (the flow
 * role's REST API under /api/v1, cmd/client.h): list, show, trigger,
 * backfill, clear, runs, tasks, logs, pause, unpause. Each entry takes the
 * arguments after its verb and returns the exit status: 0 ok, 1 an error
 * from the server (printed as "lakehouse dag: <detail>"), 2 usage. */
#ifndef LH_CMD_DAG_CLIENT_H
#define LH_CMD_DAG_CLIENT_H

#include <jansson.h>
#include <stddef.h>

#include "core/config.h"

int lh_dag_list(int argc, char **argv);
int lh_dag_show(int argc, char **argv);
int lh_dag_trigger(int argc, char **argv);
int lh_dag_backfill(int argc, char **argv);
int lh_dag_clear(int argc, char **argv);
int lh_dag_runs(int argc, char **argv);
int lh_dag_tasks(int argc, char **argv);
int lh_dag_logs(int argc, char **argv);
int lh_dag_pause(int argc, char **argv);
int lh_dag_unpause(int argc, char **argv);

/* --- shared by the verbs (dag_client.c) --- */

#define LH_DAG_MAX_TASKS 64 /* --task given more often is a usage error */

/* A verb's command line, parsed. */
typedef struct lh_dag_cli {
    lh_config_t *cfg;
    const char *token;
    const char *verb;
    const char *pos[3]; /* DAG, RUN, TASK as the verb takes them */
    int npos;
    const char *conf, *run_id, *start, *end, *reprocess, *state, *try_number, *logical_date;
    const char *limit;
    const char *tasks[LH_DAG_MAX_TASKS + 1];
    int ntasks;
    int json, upstream, downstream, only_failed, yes, no_wait;
} lh_dag_cli_t;

/* Parses argv for a verb taking npos positional arguments (names for the
 * usage message) and the options in opts ("--json --conf ..." as a space
 * separated list). 0, or 2 after printing the problem. The caller frees
 * with lh_dag_cli_free. */
int lh_dag_cli_parse(lh_dag_cli_t *cl, const char *verb, int argc, char **argv,
                     const char *const *pos_names, const char *opts);
void lh_dag_cli_free(lh_dag_cli_t *cl);

/* One call: the reply's JSON (json null for an empty body) on 2xx, else
 * NULL after printing "lakehouse dag: <detail>". body may be NULL. */
json_t *lh_dag_call(lh_dag_cli_t *cl, const char *method, const char *path, json_t *body);
/* s %-encoded as one path segment or query value into out; "" when it does not fit. */
void lh_dag_esc(const char *s, char *out, size_t cap);
/* Prints doc as indented JSON and a newline. */
void lh_dag_print_json(const json_t *doc);
/* A string member, or "-" (null, absent). */
const char *lh_dag_str(const json_t *o, const char *key);
/* An ISO date member as "YYYY-MM-DD HH:MM:SS" into out, or "-". */
const char *lh_dag_when(const json_t *o, const char *key, char *out, size_t cap);

#endif
