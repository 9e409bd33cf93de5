/* Subcommand entry points, one per row of the dispatch table in src/main.c.
 * Each takes the arguments after its own name and returns the exit status. */
#ifndef LH_CMD_CMD_H
#define LH_CMD_CMD_H

#include <stdint.h>

struct lh_role;

/* src/cmd/roles.c: the role table (start order) and the registration of every
 * module's configuration keys and migrations; main() calls it first. */
extern const struct lh_role *const lh_cmd_roles[];
extern const int lh_cmd_nroles;
int lh_cmd_register_modules(void);

int lh_cmd_up(int argc, char **argv);      /* src/cmd/serve.c: every role in one process */
int lh_cmd_serve(int argc, char **argv);   /* src/cmd/serve.c: the roles named */
int lh_cmd_config(int argc, char **argv);  /* src/cmd/config.c: show | doc */
int lh_cmd_user(int argc, char **argv);    /* src/cmd/user.c: add | list | rm | passwd */
int lh_cmd_token(int argc, char **argv);   /* src/cmd/user.c: create | list | revoke */
int lh_cmd_parquet(int argc, char **argv); /* src/cmd/parquet.c: inspect | cat */
int lh_cmd_sql(int argc, char **argv);     /* src/cmd/sql.c: SQL in this process */
/* `lakehouse sql` as a command: lh_cmd_sql after sql.tune_malloc, which may
 * start the process again (so never from inside another command) */
int lh_cmd_sql_main(int argc, char **argv);
/* src/cmd/tune_malloc.c: starts this process again as `lakehouse VERB
 * argv...` with glibc's malloc tuned for a query engine or a Kafka copy (one
 * arena, huge pages where the kernel gives them on request, the heap kept)
 * through GLIBC_TUNABLES, adding those the user's does not name, when the
 * boolean config key (NULL: none) is on; returns when nothing is added, the
 * key is off, the exec fails, or in the process started again. First thing
 * in a command, before any thread. */
void lh_cmd_tune_malloc(const char *verb, const char *key, int argc, char **argv);
int lh_cmd_sqllogictest(int argc, char **argv); /* src/cmd/sqllogictest.c: *.test files */
int lh_cmd_table(int argc, char **argv);  /* src/cmd/table.c: ls | describe | history | vacuum */
int lh_cmd_topic(int argc, char **argv);  /* src/cmd/topic.c: list|describe|create|delete|tail */
int lh_cmd_dag(int argc, char **argv);    /* src/cmd/dag.c: validate; dag_client.c: the rest */
int lh_cmd_sensor(int argc, char **argv); /* src/cmd/sensor.c: object | topic (sensor tasks) */
int lh_cmd_demo(int argc, char **argv);   /* src/cmd/demo.c: generate (the demo's feed) */
int lh_cmd_ingest(int argc, char **argv); /* src/cmd/ingest.c: a topic interval into bronze */
/* src/cmd/dag_test.c: `dag test DAG TASK DATE`, one task in the foreground */
int lh_cmd_dag_test(int argc, char **argv);
/* src/cmd/dag_test.c: the DAG file defining dag id under dir (any depth),
 * parsed (diagnostics included), or NULL; the caller frees it. */
struct lh_flow_dag *lh_cmd_dag_find(const char *dir, const char *id);
/* src/cmd/topic.c: registers the `kafka` section (how `lakehouse topic` finds
 * a Kafka); lh_config_register()'s errors. */
int lh_cmd_topic_register_config(void);
/* src/cmd/demo.c: registers the `demo` section (the generator's parameters). */
int lh_cmd_demo_register_config(void);
/* src/cmd/demo.c: `demo generate` with the demo.*, kafka.* and lake.* keys
 * of cfg (borrowed) and the window ending at end_ms (a whole hour; 0 = the
 * current hour), for `up --demo`: produces, writes the manifest, prints a
 * summary; the exit status (0, 1 Kafka or lake failure, 2 bad parameters). */
struct lh_config;
int lh_cmd_demo_generate(struct lh_config *cfg, int64_t end_ms);

#endif
