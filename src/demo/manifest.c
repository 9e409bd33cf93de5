/* The demo's manifest: how many records of each kind the generator yielded
 * per hour of their timestamp (and, for late ones, per hour they arrived
 * in), with the parameters that reproduce them, as the JSON document
 * `lakehouse demo generate` writes to s3://<lake>/bronze/_demo/manifest.json
 * (schema in docs/demo.md). Deterministic: no clock, no host names. */
#include <jansson.h>
#include <stdlib.h>

#include "core/timefmt.h"
#include "demo/gen.h"

struct lh_demo_counts {
    int nhours;
    int64_t start;
    int64_t *by_ts;      /* [hour][kind] */
    int64_t *by_arrival; /* [hour][kind] */
};

lh_demo_counts_t *lh_demo_counts_new(const lh_demo_params_t *p)
{
    lh_demo_counts_t *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->nhours = p->hours + p->lateness;
    c->start = lh_demo_window_start(p);
    c->by_ts = calloc((size_t)c->nhours * LH_DEMO_NKINDS, sizeof *c->by_ts);
    c->by_arrival = calloc((size_t)c->nhours * LH_DEMO_NKINDS, sizeof *c->by_arrival);
    if (!c->by_ts || !c->by_arrival) {
        lh_demo_counts_free(c);
        return NULL;
    }
    return c;
}

void lh_demo_counts_add(lh_demo_counts_t *c, const lh_demo_record_t *r)
{
    if (r->hour < 0 || r->hour >= c->nhours || r->arrival_hour < 0 || r->arrival_hour >= c->nhours)
        return; /* never: the generator stays inside its window */
    c->by_ts[r->hour * LH_DEMO_NKINDS + r->kind]++;
    c->by_arrival[r->arrival_hour * LH_DEMO_NKINDS + r->kind]++;
}

int64_t lh_demo_counts_get(const lh_demo_counts_t *c, int h, int k)
{
    if (h < 0 || h >= c->nhours) return 0;
    if (k >= 0) return c->by_ts[h * LH_DEMO_NKINDS + k];
    int64_t n = 0;
    for (int i = 0; i < LH_DEMO_NKINDS; i++)
        n += c->by_ts[h * LH_DEMO_NKINDS + i];
    return n;
}

void lh_demo_counts_free(lh_demo_counts_t *c)
{
    if (!c) return;
    free(c->by_ts);
    free(c->by_arrival);
    free(c);
}

/* --- the document --- */

static json_t *iso(int64_t ms)
{
    char s[40];
    lh_time_iso8601_format(ms * 1000000, 0, s, sizeof s);
    return json_string(s);
}

static json_t *range(int64_t start, int64_t end)
{
    return json_pack("{s:o, s:o, s:I, s:I}", "start", iso(start), "end", iso(end), "start_ms",
                     (json_int_t)start, "end_ms", (json_int_t)end);
}

static int64_t silver_rows(const int64_t *k)
{
    return k[LH_DEMO_VALID] + k[LH_DEMO_OUT_OF_ORDER] + k[LH_DEMO_LATE];
}

static json_t *kinds(const int64_t *k, const char *total_name, int64_t total)
{
    json_t *o = json_object();
    for (int i = 0; i < LH_DEMO_NKINDS; i++)
        json_object_set_new(o, lh_demo_kind_names[i], json_integer(k[i]));
    json_object_set_new(o, total_name, json_integer(total));
    json_object_set_new(o, "silver_rows", json_integer(silver_rows(k)));
    return o;
}

static json_t *hour(const lh_demo_counts_t *c, int h)
{
    const int64_t *k = c->by_ts + h * LH_DEMO_NKINDS, *a = c->by_arrival + h * LH_DEMO_NKINDS;
    json_t *arrived = json_pack("{s:I, s:I}", "late", (json_int_t)a[LH_DEMO_LATE], "too_late",
                                (json_int_t)a[LH_DEMO_TOO_LATE]);
    return json_pack("{s:o, s:I, s:o, s:o}", "hour", iso(c->start + h * LH_DEMO_HOUR_MS),
                     "start_ms", (json_int_t)(c->start + h * LH_DEMO_HOUR_MS), "counts",
                     kinds(k, "records", lh_demo_counts_get(c, h, -1)), "arrived", arrived);
}

char *lh_demo_manifest(const lh_demo_params_t *p, const lh_demo_counts_t *c, const char *topic)
{
    int64_t start = lh_demo_window_start(p), tot[LH_DEMO_NKINDS] = {0}, all = 0;
    json_t *hours = json_array(), *names = json_array();
    for (int h = 0; h < c->nhours; h++) {
        json_array_append_new(hours, hour(c, h));
        for (int k = 0; k < LH_DEMO_NKINDS; k++)
            tot[k] += c->by_ts[h * LH_DEMO_NKINDS + k], all += c->by_ts[h * LH_DEMO_NKINDS + k];
    }
    for (int k = 0; k < LH_DEMO_NKINDS; k++)
        json_array_append_new(names, json_string(lh_demo_kind_names[k]));
    json_t *doc =
        json_pack("{s:i, s:s, s:I, s:i, s:i, s:I, s:o, s:o, s:o, s:o, s:o}", "format", 1, "topic",
                  topic, "events", (json_int_t)p->events, "hours", p->hours, "lateness_hours",
                  p->lateness, "seed", (json_int_t)p->seed, "window", range(start, p->end_ms),
                  "intervals", range(start, start + (int64_t)p->hours * LH_DEMO_HOUR_MS), "kinds",
                  names, "hourly", hours, "totals", kinds(tot, "records", all));
    char *s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    return s;
}
