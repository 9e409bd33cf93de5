/* The orchestrator's state: DAGs (paused or not), DAG runs, task instances
 * and the history of their tries, with Airflow's state names. The scheduler
 * keeps its working set in memory and writes every change through this
 * interface; the REST API reads through it (a second handle on the same
 * database). One back end today, SQLite under <data-dir>/flow/ (its own
 * file, WAL, numbered migrations through lh_sqlite_migrate, because the
 * write rate would queue behind the metadata database); the operations are
 * a table of functions so a PostgreSQL back end can implement them later
 * without touching the scheduler.
 *
 * Times: *_us fields are microseconds since the epoch (UTC); logical dates
 * and data intervals are seconds (as in flow/schedule.h). 0 means unset.
 *
 * Threading: one handle is used by one thread at a time (the scheduler
 * thread owns its handle; the REST API opens another and serializes its use
 * with its own lock). Readers never block the writer (WAL). */
#ifndef LH_FLOW_STATE_H
#define LH_FLOW_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct lh_flow_state lh_flow_state_t;

/* DAG run states, in the order of lh_flow_run_state_names. */
enum {
    LH_FLOW_RS_QUEUED,
    LH_FLOW_RS_RUNNING,
    LH_FLOW_RS_SUCCESS,
    LH_FLOW_RS_FAILED,
};
extern const char *const lh_flow_run_state_names[]; /* NULL-terminated */

/* Task instance states (Airflow's names; "none" is a TI not yet scheduled),
 * in the order of lh_flow_ti_state_names. */
enum {
    LH_FLOW_TS_NONE,
    LH_FLOW_TS_SCHEDULED,
    LH_FLOW_TS_QUEUED,
    LH_FLOW_TS_RUNNING,
    LH_FLOW_TS_SUCCESS,
    LH_FLOW_TS_FAILED,
    LH_FLOW_TS_UP_FOR_RETRY,
    LH_FLOW_TS_UP_FOR_RESCHEDULE,
    LH_FLOW_TS_UPSTREAM_FAILED,
    LH_FLOW_TS_SKIPPED,
};
extern const char *const lh_flow_ti_state_names[]; /* NULL-terminated */
/* The index of name in a NULL-terminated names table, or -1. */
int lh_flow_state_index(const char *const *names, const char *name);

/* Why a try failed (task contract, ARCHITECTURE.md), also the value of
 * LAKEHOUSE_CTX_FAILURE: invalid_input (exit 2), resource (exit 3, signal,
 * timeout, memory), execution (any other exit). */
enum {
    LH_FLOW_FAIL_NONE,
    LH_FLOW_FAIL_INVALID_INPUT,
    LH_FLOW_FAIL_RESOURCE,
    LH_FLOW_FAIL_EXECUTION,
};
extern const char *const lh_flow_failure_names[]; /* "", "invalid_input", ... */

#define LH_FLOW_ID_MAX 251    /* dag, task ids: 250 chars + NUL */
#define LH_FLOW_RUNID_MAX 251 /* run ids */

/* A DAG known to the scheduler (loaded from a file at least once). */
typedef struct lh_flow_dag_rec {
    char dag_id[LH_FLOW_ID_MAX];
    int paused;    /* 1 = no new scheduled runs, no new tries */
    char *fileloc; /* the DAG file (malloc'd by the state on reads) */
    int64_t last_parsed_us;
    int has_errors; /* the file's last parse failed (the DAG keeps its last good version) */
    int64_t last_scheduled_logical; /* logical date (s) of the newest scheduled run; 0 none */
    int64_t last_scheduled_end;     /* its interval end (s) */
} lh_flow_dag_rec_t;

/* A DAG run. run_type is LH_FLOW_RUN_SCHEDULED | _MANUAL | _BACKFILL (flow/schedule.h). */
typedef struct lh_flow_run_rec {
    char dag_id[LH_FLOW_ID_MAX];
    char run_id[LH_FLOW_RUNID_MAX];
    int run_type;
    int state;                                          /* LH_FLOW_RS_* */
    int64_t logical_date, interval_start, interval_end; /* seconds */
    char *conf; /* JSON object text ("{}" when none); malloc'd by the state on reads */
    int64_t queued_us, start_us, end_us;
    int64_t backfill_id; /* 0 unless made by a backfill */
} lh_flow_run_rec_t;

/* A task instance: one task in one run, at its current try. */
typedef struct lh_flow_ti_rec {
    char dag_id[LH_FLOW_ID_MAX];
    char run_id[LH_FLOW_RUNID_MAX];
    char task_id[LH_FLOW_ID_MAX];
    int state;      /* LH_FLOW_TS_* */
    int try_number; /* 0 before the first try; bumped when a try is scheduled */
    int max_tries;  /* Airflow's: the retries; a failed try retries while try_number <= max_tries */
    int64_t ready_us; /* when it last became ready to run (scheduled) */
    int64_t start_us; /* the current try's process start (from the supervisor) */
    int64_t end_us;
    int64_t next_try_us;   /* up_for_retry / up_for_reschedule: not before this */
    int64_t first_poke_us; /* sensors: the first poke's start (sensor timeout counts from it) */
    int pid;               /* the supervisor's pid while queued/running; 0 otherwise */
    int64_t pid_start;     /* its start time (/proc/<pid>/stat field 22), against pid reuse */
    int exit_code;         /* of the last finished try; -1 when none */
    int failure;           /* LH_FLOW_FAIL_* of the last finished try */
    char pool[64];
    int priority_weight;
    int extra_tries; /* tries re-run after losing their supervisor, not counted as retries */
} lh_flow_ti_rec_t;

/* One finished (or lost) try, kept forever: the task instance's history. */
typedef struct lh_flow_try_rec {
    char dag_id[LH_FLOW_ID_MAX];
    char run_id[LH_FLOW_RUNID_MAX];
    char task_id[LH_FLOW_ID_MAX];
    int try_number;
    int state; /* success, failed, up_for_retry, skipped... as the try ended */
    int64_t start_us, end_us;
    int exit_code;
    int failure;     /* LH_FLOW_FAIL_* */
    char reason[64]; /* "exit 1", "signal 9", "timeout", "memory", "lost", "cleared" */
} lh_flow_try_rec_t;

/* A list query: filters (NULL/-1 = any), page and order. limit 0 = no
 * limit; a negative limit or offset, an unknown state or order_by, or a
 * filter the listing lacks (task_id for runs) is LH_EINVAL. */
typedef struct lh_flow_query {
    const char *dag_id;
    const char *run_id;
    const char *task_id;
    int state; /* -1 any */
    int64_t limit, offset;
    const char *order_by; /* a column name from the back end's whitelist; NULL default */
    int desc;
} lh_flow_query_t;

/* Opens (creating) <dir>/flow.db, applying the migrations. *out is the
 * caller's: lh_flow_state_close. Errors: LH_EIO, LH_ECORRUPT (a database
 * newer than this binary) with err naming the file. */
int lh_flow_state_open(lh_flow_state_t **out, const char *dir, lh_err_t *err);
void lh_flow_state_close(lh_flow_state_t *s);

/* A transaction around a batch of writes (the scheduler writes each pass in
 * one). Without one, each write commits by itself. Errors: LH_EIO. */
int lh_flow_state_begin(lh_flow_state_t *s, lh_err_t *err);
int lh_flow_state_commit(lh_flow_state_t *s, lh_err_t *err);
void lh_flow_state_rollback(lh_flow_state_t *s);

/* --- DAGs --- */
/* Inserts or updates every field of rec (keyed by dag_id). */
int lh_flow_state_dag_put(lh_flow_state_t *s, const lh_flow_dag_rec_t *rec, lh_err_t *err);
/* LH_ENOENT when unknown; out's strings are malloc'd: lh_flow_dag_rec_clear. */
int lh_flow_state_dag_get(lh_flow_state_t *s, const char *dag_id, lh_flow_dag_rec_t *out,
                          lh_err_t *err);
/* Calls fn for each DAG in dag_id order (rec valid during the call: its
 * strings belong to the state); stops when fn returns non-zero and returns
 * that value. fn may read and list through the same handle. */
int lh_flow_state_dag_each(lh_flow_state_t *s, int (*fn)(const lh_flow_dag_rec_t *, void *),
                           void *arg, lh_err_t *err);
void lh_flow_dag_rec_clear(lh_flow_dag_rec_t *rec);

/* --- runs --- */
/* Inserts a new run. LH_EEXIST when (dag_id, run_id) exists, or when a run
 * of the dag has the same logical_date and both are scheduled or backfill
 * runs (Airflow's rule: never two automated runs for one interval). */
int lh_flow_state_run_insert(lh_flow_state_t *s, const lh_flow_run_rec_t *rec, lh_err_t *err);
/* Writes state, start_us, end_us (and the rest) of an existing run: LH_ENOENT otherwise. */
int lh_flow_state_run_update(lh_flow_state_t *s, const lh_flow_run_rec_t *rec, lh_err_t *err);
int lh_flow_state_run_get(lh_flow_state_t *s, const char *dag_id, const char *run_id,
                          lh_flow_run_rec_t *out, lh_err_t *err);
/* The run of dag_id with that logical date and an automated type (scheduled
 * or backfill), or LH_ENOENT. */
int lh_flow_state_run_by_date(lh_flow_state_t *s, const char *dag_id, int64_t logical_date,
                              lh_flow_run_rec_t *out, lh_err_t *err);
/* Runs matching q (dag_id, run_id, state; order_by one of "logical_date",
 * "start_date", "end_date", "run_id", default logical_date ascending), with
 * *total (may be NULL) the count before paging. fn as in dag_each. */
int lh_flow_state_run_each(lh_flow_state_t *s, const lh_flow_query_t *q,
                           int (*fn)(const lh_flow_run_rec_t *, void *), void *arg, int64_t *total,
                           lh_err_t *err);
/* Deletes a run with its task instances and tries (DELETE dagRuns);
 * LH_ENOENT when unknown. */
int lh_flow_state_run_delete(lh_flow_state_t *s, const char *dag_id, const char *run_id,
                             lh_err_t *err);
void lh_flow_run_rec_clear(lh_flow_run_rec_t *rec);

/* --- task instances --- */
/* Inserts or updates every field of rec (keyed by dag_id, run_id, task_id);
 * LH_ENOENT when the run does not exist. */
int lh_flow_state_ti_put(lh_flow_state_t *s, const lh_flow_ti_rec_t *rec, lh_err_t *err);
int lh_flow_state_ti_get(lh_flow_state_t *s, const char *dag_id, const char *run_id,
                         const char *task_id, lh_flow_ti_rec_t *out, lh_err_t *err);
/* TIs matching q (dag_id, run_id, task_id, state; order task_id, or
 * "start_date", "end_date", "state", "priority_weight"), *total as above. */
int lh_flow_state_ti_each(lh_flow_state_t *s, const lh_flow_query_t *q,
                          int (*fn)(const lh_flow_ti_rec_t *, void *), void *arg, int64_t *total,
                          lh_err_t *err);

/* --- tries --- */
/* Records one try (keyed by dag_id, run_id, task_id, try_number; a second
 * record of the same try replaces the first); LH_ENOENT when the task
 * instance does not exist. */
int lh_flow_state_try_put(lh_flow_state_t *s, const lh_flow_try_rec_t *rec, lh_err_t *err);
/* Tries of one task instance in try order. */
int lh_flow_state_try_each(lh_flow_state_t *s, const char *dag_id, const char *run_id,
                           const char *task_id, int (*fn)(const lh_flow_try_rec_t *, void *),
                           void *arg, lh_err_t *err);

#endif
