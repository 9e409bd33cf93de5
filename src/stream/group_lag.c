/* Consumer lag per group, for the metrics: for every committed offset of
 * every group, the partition's high watermark minus that offset
 * (lakehouse_stream_consumer_lag{group,topic,partition}), and the sum per
 * group (lakehouse_stream_consumer_group_lag{group}). Published on the
 * broker's tick; a partition whose topic is gone is skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "stream/broker_int.h"
#include "stream/group.h"

typedef struct {
    char **ids;
    int n, cap;
} ids_t;

static void collect(void *arg, lh_str_t group_id, lh_str_t protocol_type, int state)
{
    ids_t *v = arg;
    (void)protocol_type, (void)state;
    if (v->n == v->cap) {
        int cap = v->cap ? 2 * v->cap : 16;
        char **n = realloc(v->ids, (size_t)cap * sizeof *n);
        if (!n) return;
        v->ids = n;
        v->cap = cap;
    }
    char *id = strndup(group_id.ptr, group_id.len);
    if (id) v->ids[v->n++] = id;
}

typedef struct {
    lh_sb_t *b;
    const char *group;
    double total;
} lag_t;

/* A group id as a label value: quotes, backslashes and newlines escaped. */
static void label_escape(char *out, size_t cap, const char *s)
{
    size_t o = 0;
    for (size_t i = 0; s[i] && o + 2 < cap; i++) {
        if (s[i] == '"' || s[i] == '\\' || s[i] == '\n') out[o++] = '\\';
        out[o++] = s[i] == '\n' ? 'n' : s[i];
    }
    out[o] = 0;
}

static void one_offset(void *arg, const lh_stream_offset_t *off)
{
    lag_t *l = arg;
    lh_sb_part_t *p = lh__sb_part(lh__sb_topic_find(l->b, off->topic), off->partition);
    if (!p || off->offset < 0) return;
    int64_t lag = lh_stream_log_high_watermark(p->log) - off->offset;
    if (lag < 0) lag = 0;
    char g[512], lab[1024];
    label_escape(g, sizeof g, l->group);
    /* topic names are [a-zA-Z0-9._-]: nothing to escape */
    snprintf(lab, sizeof lab, "group=\"%s\",topic=\"%s\",partition=\"%d\"", g, p->topic->name,
             (int)off->partition);
    lh_metrics_set("lakehouse_stream_consumer_lag", lab, (double)lag);
    l->total += (double)lag;
}

void lh__sb_groups_lag(lh_sb_t *b)
{
    if (!b->groups) return;
    ids_t v = {0};
    lh_stream_groups_list(b->groups, collect, &v);
    for (int i = 0; i < v.n; i++) {
        lag_t l = {.b = b, .group = v.ids[i]};
        lh_stream_groups_offsets_each(b->groups, (lh_str_t){v.ids[i], strlen(v.ids[i])}, one_offset,
                                      &l);
        char g[512], lab[600];
        label_escape(g, sizeof g, v.ids[i]);
        snprintf(lab, sizeof lab, "group=\"%s\"", g);
        lh_metrics_set("lakehouse_stream_consumer_group_lag", lab, l.total);
        free(v.ids[i]);
    }
    free(v.ids);
}
