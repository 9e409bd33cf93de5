/* Subcommand entry points, one per row of the dispatch table in src/main.c.
 * Each takes the arguments after its own name and returns the exit status. */
#ifndef LH_CORE_CMD_H
#define LH_CORE_CMD_H

int lh_cmd_up(int argc, char **argv);      /* src/main.c: every role in one process */
int lh_cmd_serve(int argc, char **argv);   /* src/main.c: one role */
int lh_cmd_config(int argc, char **argv);  /* src/core/config_cmd.c: show | doc */
int lh_cmd_user(int argc, char **argv);    /* src/core/user_cmd.c: add | list | rm | passwd */
int lh_cmd_token(int argc, char **argv);   /* src/core/user_cmd.c: create | list | revoke */

#endif
