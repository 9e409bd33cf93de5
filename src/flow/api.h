/* The orchestrator's REST API, shaped like Airflow 2's stable API
 * (/api/v1/dags, dagRuns, taskInstances, clearTaskInstances, logs): a route
 * table the flow role contributes to the web listener of its process
 * (core/rest.h). Handlers get the role's handle (flow/flow.h) from
 * lh_rest_arg. */
#ifndef LH_FLOW_API_H
#define LH_FLOW_API_H

#include "core/rest.h"

/* the rows' count, a constant for the role descriptor's initializer */
#define LH_FLOW_API_NROUTES 16
extern const lh_rest_route_t lh_flow_api_routes[LH_FLOW_API_NROUTES];
extern const int lh_flow_api_nroutes;

#endif
