/* The `sensor` task type: `lakehouse sensor object s3://bucket/key` or
 * `lakehouse sensor topic T --partition P --at <data interval end, ms>`,
 * with --poke-interval and --timeout (Airflow's defaults: 60 s and 7 days)
 * and, in reschedule mode, --once: one poke, exit 75 when not met, and the
 * scheduler pokes again later (cmd.reschedule, cmd.poke_interval,
 * cmd.sensor_timeout tell it how; cmd.watch_object names the object, so
 * that its creation in this process's store pokes at once: sensor_wake.c). */
#include <string.h>

#include "flow/task_int.h"

#define POKE_DEFAULT 60
#define TIMEOUT_DEFAULT (7 * 86400)

int lh__flow_sensor_command(lh__flow_job_t *j, lh_flow_cmd_t *out)
{
    const lh_flow_task_t *t = j->t;
    const char *object = lh__flow_str(t, "object"), *mode = lh__flow_str(t, "mode");
    out->poke_interval = lh__flow_int(t, "poke_interval", POKE_DEFAULT);
    out->sensor_timeout = lh__flow_int(t, "timeout", TIMEOUT_DEFAULT);
    out->reschedule = mode && !strcmp(mode, "reschedule");
    out->memory_mode = LH_FLOW_MEM_ENV;
    lh__flow_vec_push(&j->argv, j->pf->self_exe);
    lh__flow_vec_push(&j->argv, "sensor");
    if (object) {
        const char *o;
        int rc = lh__flow_render(j, "object", object, &o);
        if (rc) return rc;
        lh__flow_vec_push(&j->argv, "object");
        lh__flow_vec_push(&j->argv, o);
        if (out->reschedule) out->watch_object = o;
    } else {
        lh__flow_vec_push(&j->argv, "topic");
        lh__flow_vec_push(&j->argv, lh__flow_str(t, "topic"));
        lh__flow_vec_push(&j->argv, "--partition");
        lh__flow_vec_push(
            &j->argv, lh_arena_printf(j->a, "%lld", (long long)lh__flow_int(t, "partition", 0)));
        lh__flow_vec_push(&j->argv, "--at");
        lh__flow_vec_push(
            &j->argv, lh_arena_printf(j->a, "%lld", (long long)j->rc->data_interval_end * 1000));
    }
    lh__flow_vec_push(&j->argv, "--poke-interval");
    lh__flow_vec_push(&j->argv, lh_arena_printf(j->a, "%lld", (long long)out->poke_interval));
    lh__flow_vec_push(&j->argv, "--timeout");
    lh__flow_vec_push(&j->argv, lh_arena_printf(j->a, "%lld", (long long)out->sensor_timeout));
    if (out->reschedule) lh__flow_vec_push(&j->argv, "--once");
    return 0;
}
