/* Process-wide Prometheus metrics registry (text exposition format 0.0.4).
 * Thread-safe. Families are registered once; series are created on first use
 * from a label string such as `op="GetObject",code="200"`. */
#ifndef LH_CORE_METRICS_H
#define LH_CORE_METRICS_H

#include "core/buf.h"

enum { LH_METRIC_COUNTER, LH_METRIC_GAUGE, LH_METRIC_HISTOGRAM };

/* Registers a family (idempotent). Histograms use the standard latency buckets
 * 0.001..10 s unless buckets/nbuckets are given. Returns 0 or LH_ENOMEM. */
int lh_metrics_register(const char *name, int type, const char *help, const double *buckets,
                        int nbuckets);
/* labels may be NULL or "". Unknown family names are ignored. */
void lh_metrics_add(const char *name, const char *labels, double v);     /* counter/gauge */
void lh_metrics_set(const char *name, const char *labels, double v);     /* gauge */
void lh_metrics_observe(const char *name, const char *labels, double v); /* histogram */
/* Appends the whole registry in text format. Returns 0 or a buffer error. */
int lh_metrics_render(lh_buf_t *out);

#endif
