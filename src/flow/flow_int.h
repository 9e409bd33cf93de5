/* Internals of the flow role shared by its files: the DAG registry (one
 * entry per DAG id, each holding refcounted versions of its parsed file),
 * the scheduler's working set (active runs with their task instances, the
 * ready heap, pools) and the role's handle. Everything of the scheduler is
 * touched on the scheduler thread only; the registry's entries and versions
 * are guarded by reg_mu (REST readers take it). */
#ifndef LH_FLOW_FLOW_INT_H
#define LH_FLOW_FLOW_INT_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <uv.h>

#include "core/config.h"
#include "core/loop.h"
#include "core/meta.h"
#include "flow/dag.h"
#include "flow/exec.h"
#include "flow/flow.h"
#include "flow/state.h"
#include "flow/task.h"
#include "flow/trigger.h"

/* One parsed version of a DAG file, shared by the runs made from it. */
typedef struct lh__dagver {
    lh_flow_dag_t *dag;
    int refs;        /* the registry's entry + each run using it; reg_mu */
    int64_t *weight; /* effective priority per task (Airflow's weight_rule downstream) */
    int **down;      /* downstream task indexes per task */
    int *ndown;
    unsigned char *leaf; /* 1 when no task depends on it */
} lh__dagver_t;

typedef struct lh__fdag {
    char *dag_id;
    char *file;
    lh__dagver_t *cur;     /* last clean parse, or NULL */
    lh_flow_dag_t *broken; /* the current file's parse when it has errors */
    int64_t mtime_ns, size;
    int paused;
    int seen;   /* marked by the scan in progress */
    int active; /* runs running now */
    int running_tis;
    int64_t last_logical, last_end; /* the newest automated run's interval (s); 0 = none */
    int have_last;
    struct lh__fdag *next;
} lh__fdag_t;

/* A file that defines no usable DAG (import error). */
typedef struct lh__ferr {
    char *file;
    int64_t mtime_ns, size;
    lh_flow_dag_t *dag;
    int seen;
    struct lh__ferr *next;
} lh__ferr_t;

struct lh__run;

typedef struct lh__ti {
    lh_flow_ti_rec_t rec;
    struct lh__run *run;
    int idx;
    lh_flow_upstream_t up; /* upstream counts in terminal states */
    int heap_pos;          /* index in the ready heap, -1 when not in it */
    int live;              /* a supervisor runs this try */
    int reschedule;        /* the running try is a reschedule-mode sensor poke */
    int rescheduled;       /* waiting for its next poke: the next dispatch keeps the try number */
    int64_t poke_interval, sensor_timeout;
    char *watch_object; /* a reschedule-mode object sensor's s3://bucket/key (sensor_wake.c) */
    int64_t seq;
} lh__ti_t;

typedef struct lh__run {
    lh_flow_t *f;
    lh_flow_run_rec_t rec;
    lh__fdag_t *entry;
    lh__dagver_t *v;
    json_t *conf;
    lh__ti_t *tis; /* v->dag->ntasks */
    int nlive;     /* tries in flight */
    int dirty;
    int *todo; /* TIs to decide (their upstream counts changed) */
    unsigned char *in_todo;
    int ntodo;
    int nterminal; /* TIs in a terminal state */
    int nwaiting;  /* TIs up_for_retry / up_for_reschedule */
    int counted;   /* counted in entry->active (it was started) */
    struct lh__run *next;
} lh__run_t;

typedef struct lh__pool {
    char name[64];
    int slots, used;
} lh__pool_t;

typedef struct lh__cmd lh__cmd_t;
typedef struct lh__watch lh__watch_t;

struct lh_flow {
    /* set at start, read-only after */
    const lh_config_t *cfg;
    lh_meta_t *meta;
    char *data_dir, *flow_dir, *dags_dir, *self_exe, *python;
    int parallelism;
    int64_t scan_ms;
    int64_t task_memory_limit;
    int task_sql_threads; /* flow.task_sql_threads: 0 = cores shared among the live tries */
    int task_workers;     /* flow.task_workers: the launcher's warm workers at most */
    int cores;            /* online at start, at least 1 */
    int64_t clock_offset_us;

    /* the registry */
    pthread_mutex_t reg_mu;
    lh__fdag_t *dags; /* sorted by dag_id */
    lh__ferr_t *errs; /* sorted by file */

    /* the reader handle */
    pthread_mutex_t rd_mu;
    lh_flow_state_t *rd;

    /* the scheduler thread */
    pthread_t thread;
    int thread_started;
    uv_loop_t loop;
    lh_loop_poster_t *poster;
    uv_timer_t tick;
    uv_idle_t pass_idle;
    int pass_pending;
    int stopping;
    lh_flow_state_t *st;
    lh_flow_exec_t *exec;
    lh__run_t *runs; /* runs not finished (queued, running) */
    lh__ti_t **heap; /* ready TIs: highest weight, then oldest ready */
    int nheap, heap_cap;
    int64_t seq;
    int nlive;
    int nlocal; /* of them, those whose work runs here (not sensors, pods, Spark) */
    lh__pool_t *pools;
    int npools;
    int64_t last_scan_us;
    /* the DAG folder's watches (dag_watch.c): the folders the last scan walked */
    char **scan_dirs;
    int nscan_dirs;
    lh__watch_t *watches;
    int nwatches, watch_failed;
    uv_timer_t watch_settle;
    /* sensors woken by the store's notices (sensor_wake.c) */
    atomic_int object_waiters; /* reschedule-mode object sensors waiting, as of the last pass */
    int wake_subscribed;
    /* the platform the tasks get */
    lh_flow_platform_t pf;
    char *task_ak, *task_sk;
    char *ep_s3, *ep_kafka, *ep_web;
    char *ep_s3_unix;      /* the store's Unix socket, when ep_s3 is this data directory's store */
    char *sql_cache_dir;   /* the tasks' sql.cache_dir */
    int64_t ep_checked_us; /* when run/endpoints.json was last read */
    char **base_env;
    /* metrics */
    int64_t started_total;
};

/* --- registry.c --- */
/* Scans dags_dir (any depth, .yaml and .yml files), loading new and changed files
 * and dropping removed ones. Scheduler thread (or start). Returns how many
 * DAGs changed. */
int lh__flow_scan(lh_flow_t *f);
void lh__flow_registry_free(lh_flow_t *f);

/* --- dag_watch.c --- */
/* Takes the folders a scan walked (the array and its strings). */
void lh__flow_scanned_dirs(lh_flow_t *f, char **dirs, int n);
/* On the scheduler's loop, before it runs: the timer, then the watches. */
void lh__flow_watch_start(lh_flow_t *f);
/* Watches the folders of the last scan, drops the others; how many were
 * added. Scheduler thread. */
int lh__flow_watch_sync(lh_flow_t *f);
/* Scheduler thread: scans the DAG folder and watches what it walked; a scan
 * that added watches is followed by another (what was written into a new
 * folder before its watch began). */
void lh__flow_rescan(lh_flow_t *f);
/* Closes the watches and the timer (the loop then runs dry). */
void lh__flow_watch_close(lh_flow_t *f);
lh__fdag_t *lh__flow_find(lh_flow_t *f, const char *dag_id);
/* The entry's file is gone: the DAG goes inactive (reg_mu held). */
void lh__flow_unlink_file(lh_flow_t *f, lh__fdag_t *e);
/* Writes the DAG's row (paused, file, last automated interval). */
void lh__flow_dag_save(lh_flow_t *f, lh__fdag_t *e);
void lh__dagver_release(lh_flow_t *f, lh__dagver_t *v);
lh__dagver_t *lh__dagver_acquire(lh_flow_t *f, lh__dagver_t *v);

/* --- sensor_wake.c --- */
/* Subscribes to the notices of objects created in this process's store
 * (core/notify.h); unsubscribes (any thread, before the poster closes). */
void lh__flow_sensor_wake_start(lh_flow_t *f);
void lh__flow_sensor_wake_stop(lh_flow_t *f);
/* Scheduler thread: how many reschedule-mode object sensors wait now. */
void lh__flow_sensor_wake_count(lh_flow_t *f);

/* --- sched.c --- */
int64_t lh__flow_clock_us(const lh_flow_t *f);
/* Asks for a scheduling pass on the next loop iteration. */
void lh__flow_kick(lh_flow_t *f);
/* Loads unfinished runs from the state and adopts their tries. */
int lh__flow_recover(lh_flow_t *f, lh_err_t *err);
void lh__flow_pass(lh_flow_t *f);
/* Adds a run (already inserted in the state) to the working set. */
lh__run_t *lh__flow_run_add(lh_flow_t *f, lh__fdag_t *e, const lh_flow_run_rec_t *rec);
void lh__flow_runs_free(lh_flow_t *f);
/* Writes a TI / a run (logged on failure). */
void lh__flow_ti_save(lh_flow_t *f, lh__ti_t *ti);
void lh__flow_run_save(lh_flow_t *f, lh__run_t *r);
/* Recomputes every TI's upstream counts of a run. */
void lh__flow_run_recount(lh__run_t *r);
void lh__flow_heap_remove(lh_flow_t *f, lh__ti_t *ti);
/* Puts TI i on its run's to-do list. */
void lh__flow_run_todo(lh__run_t *r, int i);
/* Adds delta to the count of state in up (terminal states only). */
void lh__flow_up_count(lh_flow_upstream_t *up, int state, int delta);
/* Counts a started run in its DAG's active runs (once), or stops counting it. */
void lh__flow_run_count(lh__run_t *r);
void lh__flow_run_uncount(lh__run_t *r);
/* Removes a run from the working set and frees it. */
void lh__flow_run_drop(lh_flow_t *f, lh__run_t *r);
/* A run whose DAG is gone at recovery fails: its started task instances
 * fail, the others not finished are skipped (Airflow's "mark failed"). */
void lh__flow_run_fail_orphan(lh_flow_t *f, lh_flow_run_rec_t *rec);

/* --- sched_past.c --- */
/* Whether depends_on_past lets ti start (1 without it). */
int lh__flow_past_allows(lh_flow_t *f, lh__ti_t *ti);

/* --- sched_ti.c --- */
/* The TI may run: scheduled, on the ready heap. */
void lh__flow_ti_ready(lh_flow_t *f, lh__ti_t *ti, int64_t now);
/* Starts the ready TIs the limits allow. */
void lh__flow_dispatch(lh_flow_t *f);
/* A TI reached a terminal state: update its downstream counts. */
void lh__flow_ti_terminal(lh_flow_t *f, lh__ti_t *ti);
int lh__flow_ti_is_terminal(int state);
/* Adopts the try of a TI that was queued or running when the last process died. */
void lh__flow_ti_adopt(lh_flow_t *f, lh__ti_t *ti);
/* The run context of a TI for templates and the environment. */
void lh__flow_run_ctx(const lh__ti_t *ti, lh_flow_run_ctx_t *rc, json_t **params);

/* --- sched_cmd.c --- */
/* The unfinished run dag_id/run_id of the working set, or NULL. */
lh__run_t *lh__flow_active_run(lh_flow_t *f, const char *dag_id, const char *run_id);
/* Adds a run (finished or not) with its TIs from the state to the working set. */
lh__run_t *lh__flow_run_load(lh_flow_t *f, lh__fdag_t *e, const lh_flow_run_rec_t *rec);

/* Writes text as an attempt's whole log (a try that could not start),
 * creating its folders. */
void lh__flow_write_log(const char *path, const char *text);
void lh__flow_pool_metrics(lh_flow_t *f);

/* --- platform.c --- */
int lh__flow_platform_init(lh_flow_t *f, lh_err_t *err);
/* Reads run/endpoints.json again when an endpoint is still unknown (at
 * most every 100 ms). */
void lh__flow_platform_refresh(lh_flow_t *f);
void lh__flow_platform_free(lh_flow_t *f);

/* --- retry.c --- */
/* Airflow's next_retry_datetime: the delay (s) after try `try_number`
 * failed, for the TI's args and key. */
int64_t lh__flow_retry_delay(const lh_flow_args_t *a, const char *dag_id, const char *task_id,
                             int64_t logical_date, int try_number);

#endif
