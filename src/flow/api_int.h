/* The REST API's internals (flow/api.h): the handlers of each resource
 * (api_dags.c, api_runs.c, api_tis.c, api_logs.c, api_clear.c, api_backfill.c), the record -> JSON
 * shapes of Airflow 2's stable API and the helpers they share (api_json.c). */
#ifndef LH_FLOW_API_INT_H
#define LH_FLOW_API_INT_H

#include <jansson.h>
#include <stdint.h>

#include "core/rest.h"
#include "flow/flow.h"

#define LH__FLOW_API_DEF_LIMIT 100   /* Airflow's default page */
#define LH__FLOW_API_MAX_LIMIT 10000 /* the largest page asked for */

/* --- the handlers, one row each in api.c --- */
void lh__flow_api_dags_list(lh_rest_call_t *c);
void lh__flow_api_dag_get(lh_rest_call_t *c);
void lh__flow_api_dag_details(lh_rest_call_t *c);
void lh__flow_api_dag_patch(lh_rest_call_t *c);
void lh__flow_api_dag_tasks(lh_rest_call_t *c);
void lh__flow_api_import_errors(lh_rest_call_t *c);
void lh__flow_api_runs_list(lh_rest_call_t *c);
void lh__flow_api_run_post(lh_rest_call_t *c);
void lh__flow_api_run_get(lh_rest_call_t *c);
void lh__flow_api_run_delete(lh_rest_call_t *c);
void lh__flow_api_tis_list(lh_rest_call_t *c);
void lh__flow_api_ti_get(lh_rest_call_t *c);
void lh__flow_api_ti_log(lh_rest_call_t *c);
void lh__flow_api_clear(lh_rest_call_t *c);
void lh__flow_api_backfill_post(lh_rest_call_t *c);
void lh__flow_api_backfill_get(lh_rest_call_t *c);

/* --- dates: Airflow's ISO form "2024-01-01T00:00:00+00:00" --- */

/* Seconds (logical dates, intervals) as a JSON string; null when 0 or INT64_MIN. */
json_t *lh__flow_date_s(int64_t s);
/* Microseconds ("...T00:00:05.123456+00:00"); null when 0. */
json_t *lh__flow_date_us(int64_t us);
/* "YYYY-MM-DD", or ISO 8601 with an optional fraction and a zone (Z,
 * +hh:mm; a space where a query string's '+' became one). 0 or LH_EINVAL. */
int lh__flow_api_parse_date(const char *s, int64_t *out);
/* A date query parameter: 0 when absent, 1 with *out, or -1 after a 400. */
int lh__flow_query_date(lh_rest_call_t *c, const char *name, int64_t *out);

/* --- records -> JSON (new references) --- */
json_t *lh__flow_dag_json(const lh_flow_dag_info_t *info);
json_t *lh__flow_dag_details_json(const lh_flow_dag_info_t *info);
json_t *lh__flow_task_json(const lh_flow_dag_t *dag, int i);
json_t *lh__flow_run_json(const lh_flow_run_rec_t *r);
/* A TI; logical is its run's logical date (s); "operator" is null until
 * lh__flow_tis_operators fills it. */
json_t *lh__flow_ti_json(const lh_flow_ti_rec_t *t, int64_t logical);
/* Sets "operator" (the task type) of each TI in arr from the registry. */
void lh__flow_tis_operators(lh_flow_t *f, const char *dag_id, json_t *arr);
/* "file:line: field: message" lines of a parse's diagnostics (malloc'd). */
char *lh__flow_diags_text(const lh_flow_dag_t *d);

/* --- answers --- */

/* The problem for a failed flow.h call: its code and message (a running run
 * is 409, not 503). */
void lh__flow_api_fail(lh_rest_call_t *c, int rc, const lh_err_t *err);
/* A run that must exist: 0 with *out filled (clear it), or the 404 answered. */
int lh__flow_api_run_need(lh_rest_call_t *c, const char *dag_id, const char *run_id,
                          lh_flow_run_rec_t *out);

/* A TI that must exist (the path's dag_id, dag_run_id, task_id): 0 with
 * *out filled, or the 404 answered. */
int lh__flow_api_ti_need(lh_rest_call_t *c, lh_flow_ti_rec_t *out);
/* Fills execution_date / logical_date (from each TI's run) and operator of
 * the TIs of dag_id in arr. */
void lh__flow_api_tis_complete(lh_rest_call_t *c, const char *dag_id, json_t *arr);

/* Paging done here rather than by the store (filters it cannot apply):
 * take() says whether the next match is on the page, and counts it. */
typedef struct lh__flow_pager {
    int64_t limit, offset, seen;
} lh__flow_pager_t;
int lh__flow_pager_take(lh__flow_pager_t *p);

/* {"<key>": items, "total_entries": total} */
json_t *lh__flow_collection(const char *key, json_t *items, int64_t total);

#endif
