/* The orchestrator role `flow` (Airflow's scheduler + executor + API):
 * the role descriptor, and what its REST API and the other roles of the
 * process may ask of a running orchestrator.
 *
 * A running orchestrator owns: the DAG registry (every file under
 * flow.dags_dir, loaded before the web listener answers, re-read when a file
 * is added, changed or removed), the scheduler thread (its own libuv loop:
 * runs, task instances, the executor's supervisors), and the state database
 * <data-dir>/flow/flow.db (flow/state.h).
 *
 * Threading: the commands below may be called from any thread but the
 * scheduler's (the REST API's blocking handlers run on worker threads); each
 * is handed to the scheduler thread and waits for its answer. The readers
 * take the registry's or the reader handle's lock for the duration of the
 * callback: keep callbacks short and never call a command from one. */
#ifndef LH_FLOW_FLOW_H
#define LH_FLOW_FLOW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/role.h"
#include "flow/dag.h"
#include "flow/state.h"

extern const lh_role_t lh_flow_role;

typedef struct lh_flow lh_flow_t; /* the role's handle (lh_rest_arg of its routes) */

/* The writer user whose key pair is handed to every task (made once by the role,
 * flow/platform.c); `up --demo` hands it to its driver too. */
#define LH_FLOW_TASK_USER "lakehouse-task"

/* --- the DAG registry --- */

/* A DAG as the registry knows it. Borrowed during the callback. */
typedef struct lh_flow_dag_info {
    const char *dag_id;
    const char *file;
    const lh_flow_dag_t *dag;    /* the last version that parsed cleanly; NULL when none did */
    const lh_flow_dag_t *broken; /* the current file's parse when it has errors, else NULL */
    int paused;
    int64_t next_logical; /* the next scheduled run's logical date (s); INT64_MIN: none */
} lh_flow_dag_info_t;

/* Calls fn for each DAG in dag_id order, under the registry's lock; stops
 * when fn returns non-zero and returns that value. */
int lh_flow_dags_each(lh_flow_t *f, int (*fn)(const lh_flow_dag_info_t *, void *), void *arg);
/* fn for one DAG: LH_ENOENT when no file defines it. */
int lh_flow_dag_with(lh_flow_t *f, const char *dag_id,
                     int (*fn)(const lh_flow_dag_info_t *, void *), void *arg);
/* Files that failed to parse and define no usable DAG (Airflow's import
 * errors): fn(file, dag) with the parse's diagnostics, in file order. */
int lh_flow_import_errors_each(lh_flow_t *f, int (*fn)(const lh_flow_dag_t *, void *), void *arg);

/* --- reading the state --- */

/* fn(s, arg) with the orchestrator's reader handle (flow/state.h), under
 * its lock; returns fn's value. */
int lh_flow_read(lh_flow_t *f, int (*fn)(lh_flow_state_t *s, void *arg), void *arg);

/* --- commands (wait for the scheduler; never from the scheduler thread) --- */

/* A manual run of dag_id with conf (a JSON object or NULL; checked against
 * the DAG's params: an unknown param is allowed, a wrong type is LH_EINVAL),
 * logical date logical (seconds; INT64_MIN = now), run id run_id (NULL:
 * "manual__<ts>", with microseconds when logical is now). The new run's id goes to run_id_out.
 * Errors: LH_ENOENT (no such DAG), LH_EEXIST (that run id exists), LH_EINVAL (conf). */
int lh_flow_trigger(lh_flow_t *f, const char *dag_id, const char *run_id, int64_t logical,
                    const json_t *conf, char *run_id_out, size_t cap, lh_err_t *err);

/* Pauses (1) or unpauses (0) a DAG: a paused DAG makes no scheduled runs and
 * starts no new tries; running tries finish. LH_ENOENT when unknown. */
int lh_flow_set_paused(lh_flow_t *f, const char *dag_id, int paused, lh_err_t *err);

/* What to clear (Airflow's clearTaskInstances). */
typedef struct lh_flow_clear {
    const char *dag_id;
    const char *run_id;          /* one run, or NULL: every run with logical date in [start, end] */
    int64_t start, end;          /* seconds; INT64_MIN / INT64_MAX when open */
    const char *const *task_ids; /* NULL-terminated, NULL = every task */
    int upstream, downstream;    /* also the tasks upstream / downstream of those */
    int only_failed;             /* only failed and upstream_failed TIs */
    int dry_run;                 /* report, change nothing */
} lh_flow_clear_t;

/* Clears the TIs c selects: each is reset to none with its try number kept
 * (the next try bumps it), its run goes back to queued when it had
 * finished (a running run keeps running, as Airflow); fn(ti, arg) is
 * called for each (before the change). Returns how many, or LH_ENOENT (no
 * such DAG or run), LH_EINVAL (unknown task id). */
int lh_flow_clear(lh_flow_t *f, const lh_flow_clear_t *c,
                  int (*fn)(const lh_flow_ti_rec_t *, void *), void *arg, lh_err_t *err);

enum { LH_FLOW_REPROCESS_NONE, LH_FLOW_REPROCESS_FAILED, LH_FLOW_REPROCESS_ALL };
/* A backfill of dag_id over the data intervals whose logical dates lie in
 * [start, end] (seconds): one backfill run per interval that has no run
 * yet; an interval with a run is left alone (none), cleared when that run
 * failed (failed), or cleared whatever its state (all), but never while it
 * is queued or running. Runs ordered oldest first, bounded by the DAG's
 * max_active_runs. *nruns (may be NULL) counts the runs made or cleared,
 * *backfill_id names them (run_rec.backfill_id). Errors: LH_ENOENT,
 * LH_EINVAL (no schedule, start > end). */
int lh_flow_backfill(lh_flow_t *f, const char *dag_id, int64_t start, int64_t end, int reprocess,
                     const json_t *conf, int64_t *backfill_id, int *nruns, lh_err_t *err);

/* Deletes a run that is not running, with its TIs and tries.
 * LH_ENOENT, LH_EBUSY (running). */
int lh_flow_run_delete(lh_flow_t *f, const char *dag_id, const char *run_id, lh_err_t *err);

/* The data directory (for log paths: flow/exec.h lh_flow_attempt_paths). */
const char *lh_flow_data_dir(const lh_flow_t *f);

#endif
