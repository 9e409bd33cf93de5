/* A bench-only experiment for bench/flow_bench.py: the same supervisor code
 * as `lakehouse task-run` (lh_flow_task_run_main from build/liblh.a), linked
 * into a binary that loads only the libraries that code needs (--as-needed),
 * to measure how much of a task's cost is loading the full lakehouse binary
 * (about 50 shared libraries) rather than supervising.
 *
 *   flow_slim task-run --log P --status S -- COMMAND... */
#include <stdio.h>
#include <string.h>

#include "flow/exec.h"

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "task-run")) {
        fprintf(stderr, "usage: flow_slim task-run --log P --status S -- COMMAND...\n");
        return 2;
    }
    return lh_flow_task_run_main(argc - 2, argv + 2);
}
