/* Temporary entry points until the modules land (removed by the integrator). */
#include <stdio.h>
#include "core/cmd.h"
int lh_cmd_up(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "not built yet\n"); return 1; }
int lh_cmd_serve(int argc, char **argv) { (void)argc; (void)argv; fprintf(stderr, "not built yet\n"); return 1; }
