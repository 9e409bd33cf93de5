/* Templates: the defined subset of Airflow's Jinja that task fields may use
 * (docs/dags.md): {{ ds }}, {{ ds_nodash }}, {{ ts }}, {{ ts_nodash }},
 * {{ data_interval_start }}, {{ data_interval_end }}, {{ logical_date }},
 * {{ run_id }}, {{ dag_run.conf.x }}, {{ params.x }}, {{ ti.try_number }}
 * and the macros ds_add(ds, n), ds_format(ds, in, out), ts_add(ts,
 * duration), ts_format(ts, strftime_format) (also as macros.ds_add ...).
 * Anything else is an error, never an empty string. Dates are UTC and
 * render as Airflow 3 renders them: ts "2024-01-01T00:00:00+00:00",
 * data_interval_start "2024-01-01 00:00:00+00:00" (pendulum 3's str()). */
#ifndef LH_FLOW_TEMPLATE_H
#define LH_FLOW_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Checks text at validation time: syntax, names, macro arity and literal
 * arguments; params.x must be one of params[0..nparams). 0, or LH_EINVAL
 * with the reason in why ("unknown name \"dss\"", "unclosed {{"). */
int lh_flow_template_check(const char *text, const char *const *params, int nparams, char *why,
                           size_t cap);

/* What a render needs to know about the run and the try. */
typedef struct lh_flow_run_ctx {
    int64_t logical_date; /* seconds UTC */
    int64_t data_interval_start, data_interval_end;
    const char *run_id;
    int64_t try_number;
    const json_t *conf;   /* dag_run.conf (an object, or NULL = {}) */
    const json_t *params; /* resolved params (defaults, then conf), or NULL */
} lh_flow_run_ctx_t;

/* Renders text into out (appended). 0, or LH_EINVAL with why (a missing
 * dag_run.conf key, a bad date given to a macro), or out's sticky error. */
int lh_flow_template_render(const char *text, const lh_flow_run_ctx_t *ctx, lh_buf_t *out,
                            char *why, size_t cap);

/* Airflow's `ts` form of t: "2024-01-01T00:00:00+00:00" (out >= 26). */
void lh_flow_format_ts(int64_t t, char *out, size_t cap);

#endif
