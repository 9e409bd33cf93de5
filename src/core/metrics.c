/* Process-wide metrics registry: counters, gauges and histograms grouped in
 * families, each family holding series keyed by their label text. One mutex
 * guards everything; updates are a lookup plus an add. Rendering writes the
 * Prometheus text exposition format 0.0.4 (HELP, TYPE, cumulative buckets
 * with the series labels merged with le, _sum and _count). Label values are
 * written as given: callers pass already-escaped text. */
#include "core/metrics.h"
#include "core/err.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double default_buckets[] = {.001, .0025, .005, .01, .025, .05, .1,
                                         .25,  .5,    1,    2.5, 5,    10};

typedef struct series {
    struct series *next;
    char *labels;
    double value; /* counter, gauge; histogram sum */
    uint64_t count;
    uint64_t *hits; /* histogram: per-bucket (not cumulative), nbuckets + 1 for +Inf */
} series_t;

typedef struct family {
    struct family *next;
    char *name, *help;
    int type;
    double *bounds;
    int nbounds;
    series_t *series, *tail;
} family_t;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static family_t *families, *families_tail;

static family_t *find_family(const char *name)
{
    for (family_t *f = families; f; f = f->next)
        if (!strcmp(f->name, name)) return f;
    return NULL;
}

static family_t *family_new(const char *name, int type, const char *help, const double *b, int nb)
{
    family_t *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    if (type == LH_METRIC_HISTOGRAM && (!b || nb <= 0)) {
        b = default_buckets;
        nb = (int)(sizeof default_buckets / sizeof default_buckets[0]);
    }
    f->name = strdup(name);
    f->help = strdup(help ? help : "");
    f->type = type;
    if (type == LH_METRIC_HISTOGRAM) {
        f->bounds = malloc((size_t)nb * sizeof *f->bounds);
        if (f->bounds) memcpy(f->bounds, b, (size_t)nb * sizeof *b);
        f->nbounds = nb;
    }
    if (!f->name || !f->help || (type == LH_METRIC_HISTOGRAM && !f->bounds)) {
        free(f->name);
        free(f->help);
        free(f->bounds);
        free(f);
        return NULL;
    }
    return f;
}

int lh_metrics_register(const char *name, int type, const char *help, const double *buckets,
                        int nbuckets)
{
    int rc = 0;
    pthread_mutex_lock(&mu);
    if (!find_family(name)) {
        family_t *f = family_new(name, type, help, buckets, nbuckets);
        if (!f) {
            rc = LH_ENOMEM;
        } else {
            if (families_tail)
                families_tail->next = f;
            else
                families = f;
            families_tail = f;
        }
    }
    pthread_mutex_unlock(&mu);
    return rc;
}

/* Finds or creates the series; NULL when out of memory. Lock held. */
static series_t *get_series(family_t *f, const char *labels)
{
    if (!labels) labels = "";
    for (series_t *s = f->series; s; s = s->next)
        if (!strcmp(s->labels, labels)) return s;
    series_t *s = calloc(1, sizeof *s);
    if (!s || !(s->labels = strdup(labels)) ||
        (f->type == LH_METRIC_HISTOGRAM &&
         !(s->hits = calloc((size_t)f->nbounds + 1, sizeof *s->hits)))) {
        if (s) free(s->labels);
        free(s);
        return NULL;
    }
    if (f->tail)
        f->tail->next = s;
    else
        f->series = s;
    f->tail = s;
    return s;
}

/* Applies one update: op 'a' add, 's' set, 'o' observe. */
static void update(const char *name, const char *labels, double v, char op)
{
    pthread_mutex_lock(&mu);
    family_t *f = find_family(name);
    int fits = f && (op == 'o'   ? f->type == LH_METRIC_HISTOGRAM
                     : op == 's' ? f->type == LH_METRIC_GAUGE
                                 : f->type != LH_METRIC_HISTOGRAM);
    series_t *s = fits ? get_series(f, labels) : NULL;
    if (s && op == 'a')
        s->value += v;
    else if (s && op == 's')
        s->value = v;
    else if (s) {
        int i = 0;
        while (i < f->nbounds && v > f->bounds[i])
            i++;
        s->hits[i]++;
        s->count++;
        s->value += v;
    }
    pthread_mutex_unlock(&mu);
}

void lh_metrics_add(const char *name, const char *labels, double v)
{
    update(name, labels, v, 'a');
}
void lh_metrics_set(const char *name, const char *labels, double v)
{
    update(name, labels, v, 's');
}
void lh_metrics_observe(const char *name, const char *labels, double v)
{
    update(name, labels, v, 'o');
}

/* --- rendering --- */

/* Shortest text that reads back as v; integers without exponent. */
static void fmt_num(char *out, size_t cap, double v)
{
    if (isnan(v)) {
        snprintf(out, cap, "NaN");
    } else if (isinf(v)) {
        snprintf(out, cap, v > 0 ? "+Inf" : "-Inf");
    } else if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(out, cap, "%.0f", v == 0 ? 0.0 : v);
    } else {
        snprintf(out, cap, "%.15g", v);
        if (strtod(out, NULL) != v) snprintf(out, cap, "%.17g", v);
    }
}

static int put_help(lh_buf_t *b, const family_t *f)
{
    static const char *const types[] = {"counter", "gauge", "histogram"};
    lh_buf_printf(b, "# HELP %s ", f->name);
    for (const char *p = f->help; *p; p++) {
        if (*p == '\\' || *p == '\n')
            lh_buf_puts(b, *p == '\\' ? "\\\\" : "\\n");
        else
            lh_buf_append(b, p, 1);
    }
    return lh_buf_printf(b, "\n# TYPE %s %s\n", f->name, types[f->type]);
}

static int put_sample(lh_buf_t *b, const char *name, const char *suffix, const char *labels,
                      const char *le, double v)
{
    char num[40];
    fmt_num(num, sizeof num, v);
    int has = labels && labels[0];
    if (!has && !le) return lh_buf_printf(b, "%s%s %s\n", name, suffix, num);
    return lh_buf_printf(b, "%s%s{%s%s%s%s%s} %s\n", name, suffix, has ? labels : "",
                         has && le ? "," : "", le ? "le=\"" : "", le ? le : "", le ? "\"" : "",
                         num);
}

static int put_histogram(lh_buf_t *b, const family_t *f, const series_t *s)
{
    char le[40];
    uint64_t cum = 0;
    for (int i = 0; i <= f->nbounds; i++) {
        cum += s->hits[i];
        if (i < f->nbounds) fmt_num(le, sizeof le, f->bounds[i]);
        put_sample(b, f->name, "_bucket", s->labels, i < f->nbounds ? le : "+Inf", (double)cum);
    }
    put_sample(b, f->name, "_sum", s->labels, NULL, s->value);
    return put_sample(b, f->name, "_count", s->labels, NULL, (double)s->count);
}

int lh_metrics_render(lh_buf_t *out)
{
    int rc = 0;
    pthread_mutex_lock(&mu);
    for (const family_t *f = families; f && !rc; f = f->next) {
        rc = put_help(out, f);
        for (const series_t *s = f->series; s && !rc; s = s->next)
            rc = f->type == LH_METRIC_HISTOGRAM
                     ? put_histogram(out, f, s)
                     : put_sample(out, f->name, "", s->labels, NULL, s->value);
    }
    pthread_mutex_unlock(&mu);
    return rc;
}
