/* The `ingest` task type: `lakehouse ingest --topic T --start <data
 * interval start> --end <data interval end> --prefix <prefix>` with
 * --format, --lateness, --idle-timeout (defaults 2 h and 30 s),
 * --bootstrap-servers when the task names its own Kafka (else the child
 * finds the platform's in KAFKA_BOOTSTRAP_SERVERS, task_env.c) and
 * --warm-cache when warm_cache is true (the child finds the scan cache in
 * LAKEHOUSE_SQL_CACHE_DIR, task_env.c). prefix and bootstrap_servers are
 * templates. */
#include <string.h>

#include "flow/task_int.h"

#define LATENESS_DEFAULT 7200
#define IDLE_DEFAULT 30

static void push_opt(lh__flow_job_t *j, const char *flag, const char *value)
{
    lh__flow_vec_push(&j->argv, flag);
    lh__flow_vec_push(&j->argv, value);
}

int lh__flow_ingest_command(lh__flow_job_t *j, lh_flow_cmd_t *out)
{
    const lh_flow_task_t *t = j->t;
    const char *prefix, *start, *end, *servers = NULL;
    const char *format = lh__flow_str(t, "format");
    int rc = lh__flow_render(j, "prefix", lh__flow_str(t, "prefix"), &prefix);
    if (!rc) rc = lh__flow_render(j, "run context", "{{ data_interval_start }}", &start);
    if (!rc) rc = lh__flow_render(j, "run context", "{{ data_interval_end }}", &end);
    if (!rc && lh__flow_str(t, "bootstrap_servers"))
        rc =
            lh__flow_render(j, "bootstrap_servers", lh__flow_str(t, "bootstrap_servers"), &servers);
    if (rc) return rc;
    lh__flow_vec_push(&j->argv, j->pf->self_exe);
    lh__flow_vec_push(&j->argv, "ingest");
    push_opt(j, "--topic", lh__flow_str(t, "topic"));
    push_opt(j, "--start", start);
    push_opt(j, "--end", end);
    push_opt(j, "--prefix", prefix);
    push_opt(j, "--format", format ? format : "jsonl.zst");
    push_opt(
        j, "--lateness",
        lh_arena_printf(j->a, "%lld", (long long)lh__flow_int(t, "lateness", LATENESS_DEFAULT)));
    push_opt(
        j, "--idle-timeout",
        lh_arena_printf(j->a, "%lld", (long long)lh__flow_int(t, "idle_timeout", IDLE_DEFAULT)));
    if (servers && *servers) push_opt(j, "--bootstrap-servers", servers);
    if (lh__flow_int(t, "warm_cache", 0)) lh__flow_vec_push(&j->argv, "--warm-cache");
    out->memory_mode = LH_FLOW_MEM_ENV;
    return 0;
}
