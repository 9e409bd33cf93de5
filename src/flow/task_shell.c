/* The `shell` task type: `sh -c <rendered command>`, with the memory limit
 * as an rlimit on the shell and what it starts. */
#include "flow/task_int.h"

int lh__flow_shell_command(lh__flow_job_t *j, lh_flow_cmd_t *out)
{
    const char *cmd;
    int rc = lh__flow_render(j, "command", lh__flow_str(j->t, "command"), &cmd);
    if (rc) return rc;
    lh__flow_vec_push(&j->argv, "sh");
    lh__flow_vec_push(&j->argv, "-c");
    lh__flow_vec_push(&j->argv, cmd);
    out->memory_mode = LH_FLOW_MEM_RLIMIT;
    return 0;
}
