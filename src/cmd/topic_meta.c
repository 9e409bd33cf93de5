/* `topic list` and `topic describe`: the cluster's metadata (topics,
 * partitions, leaders, replicas), each partition's low and high watermark
 * (ListOffsets) and the topic's configs (DescribeConfigs, topic_admin.c).
 * Each builds one JSON document, printed as is with --json or as a table. */
#include <stdlib.h>
#include <string.h>

#include "cmd/topic_int.h"

static int by_name(const void *a, const void *b)
{
    const rd_kafka_metadata_topic_t *x = *(rd_kafka_metadata_topic_t *const *)a;
    const rd_kafka_metadata_topic_t *y = *(rd_kafka_metadata_topic_t *const *)b;
    return strcmp(x->topic, y->topic);
}

static int by_id(const void *a, const void *b)
{
    const rd_kafka_metadata_partition_t *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* Prints doc as JSON (--json) or through text, and frees it; 0, or 1 when
 * it could not be built. */
static int show(const lh_topic_cli_t *cl, json_t *doc, void (*text)(json_t *))
{
    if (!doc) {
        fprintf(stderr, "lakehouse: out of memory\n");
        return 1;
    }
    if (cl->json) {
        json_dumpf(doc, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    } else {
        text(doc);
    }
    json_decref(doc);
    return 0;
}

/* --- list --- */

static json_t *list_json(const struct rd_kafka_metadata *md)
{
    json_t *a = json_array();
    const rd_kafka_metadata_topic_t **t = calloc((size_t)md->topic_cnt + 1, sizeof *t);
    if (!a || !t) goto fail;
    for (int i = 0; i < md->topic_cnt; i++)
        t[i] = &md->topics[i];
    qsort(t, (size_t)md->topic_cnt, sizeof *t, by_name);
    for (int i = 0; i < md->topic_cnt; i++) {
        int rf = t[i]->partition_cnt > 0 ? t[i]->partitions[0].replica_cnt : 0;
        json_t *o = json_pack("{s:s, s:i, s:i}", "name", t[i]->topic, "partitions",
                              t[i]->partition_cnt, "replication_factor", rf);
        if (!o || json_array_append_new(a, o)) goto fail;
        if (t[i]->err) json_object_set_new(o, "error", json_string(rd_kafka_err2str(t[i]->err)));
    }
    free(t);
    return a;
fail:
    free(t);
    json_decref(a);
    return NULL;
}

static void list_text(json_t *a)
{
    size_t i, w = 5;
    json_t *t;
    json_array_foreach(a, i, t)
    {
        size_t n = strlen(json_string_value(json_object_get(t, "name")));
        if (n > w) w = n;
    }
    printf("%-*s  %10s  %11s\n", (int)w, "TOPIC", "PARTITIONS", "REPLICATION");
    json_array_foreach(a, i, t)
    {
        const char *e = json_string_value(json_object_get(t, "error"));
        printf("%-*s  %10lld  %11lld%s%s\n", (int)w, json_string_value(json_object_get(t, "name")),
               json_integer_value(json_object_get(t, "partitions")),
               json_integer_value(json_object_get(t, "replication_factor")), e ? "  " : "",
               e ? e : "");
    }
}

int lh__topic_list(lh_topic_cli_t *cl)
{
    const struct rd_kafka_metadata *md;
    rd_kafka_t *rk = lh__topic_client(cl);
    if (!rk) return 1;
    int rc = lh__topic_metadata(cl, rk, NULL, &md);
    if (rc == 0) {
        json_t *doc = list_json(md);
        rd_kafka_metadata_destroy(md);
        rc = show(cl, doc, list_text);
    }
    rd_kafka_destroy(rk);
    return rc;
}

/* --- describe --- */

static json_t *ids(const int32_t *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; a && i < n; i++)
        json_array_append_new(a, json_integer(v[i]));
    return a;
}

static json_t *partition_json(lh_topic_cli_t *cl, rd_kafka_t *rk,
                              const rd_kafka_metadata_partition_t *p)
{
    int64_t lo = -1, hi = -1;
    rd_kafka_resp_err_t e =
        rd_kafka_query_watermark_offsets(rk, cl->topic, p->id, &lo, &hi, cl->timeout_ms);
    json_t *o =
        json_pack("{s:i, s:i, s:o, s:o}", "partition", p->id, "leader", p->leader, "replicas",
                  ids(p->replicas, p->replica_cnt), "isr", ids(p->isrs, p->isr_cnt));
    if (!o) return NULL;
    json_object_set_new(o, "low", e ? json_null() : json_integer(lo));
    json_object_set_new(o, "high", e ? json_null() : json_integer(hi));
    if (e || p->err) json_object_set_new(o, "error", json_string(rd_kafka_err2str(e ? e : p->err)));
    return o;
}

static json_t *describe_json(lh_topic_cli_t *cl, rd_kafka_t *rk, const rd_kafka_metadata_topic_t *t)
{
    json_t *parts = json_array(), *doc = json_object(), *configs;
    rd_kafka_metadata_partition_t *p = malloc(((size_t)t->partition_cnt + 1) * sizeof *p);
    char why[512] = "";
    if (!parts || !doc || !p) goto fail;
    memcpy(p, t->partitions, (size_t)t->partition_cnt * sizeof *p);
    qsort(p, (size_t)t->partition_cnt, sizeof *p, by_id);
    for (int i = 0; i < t->partition_cnt; i++)
        if (json_array_append_new(parts, partition_json(cl, rk, &p[i]))) goto fail;
    json_object_set_new(doc, "name", json_string(t->topic));
    json_object_set_new(doc, "partitions", parts);
    parts = NULL;
    configs = lh__topic_configs(cl, rk, why, sizeof why);
    json_object_set_new(doc, "configs", configs ? configs : json_null());
    if (!configs) fprintf(stderr, "lakehouse: configs of %s not available: %s\n", cl->topic, why);
    free(p);
    return doc;
fail:
    free(p);
    json_decref(parts);
    json_decref(doc);
    return NULL;
}

static void print_ids(json_t *a)
{
    char buf[256] = "";
    size_t i, n = 0;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        if (n < sizeof buf)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%lld", i ? "," : "",
                                  json_integer_value(v));
    }
    printf("  %-9s", buf);
}

static void print_offset(json_t *v)
{
    if (json_is_integer(v))
        printf("  %12lld", json_integer_value(v));
    else
        printf("  %12s", "-");
}

static void describe_text(json_t *doc)
{
    size_t i;
    json_t *p, *c, *parts = json_object_get(doc, "partitions");
    printf("topic %s: %zu partition(s)\n", json_string_value(json_object_get(doc, "name")),
           json_array_size(parts));
    printf("%9s  %6s  %-9s  %-9s  %12s  %12s\n", "PARTITION", "LEADER", "REPLICAS", "ISR", "LOW",
           "HIGH");
    json_array_foreach(parts, i, p)
    {
        const char *e = json_string_value(json_object_get(p, "error"));
        printf("%9lld  %6lld", json_integer_value(json_object_get(p, "partition")),
               json_integer_value(json_object_get(p, "leader")));
        print_ids(json_object_get(p, "replicas"));
        print_ids(json_object_get(p, "isr"));
        print_offset(json_object_get(p, "low"));
        print_offset(json_object_get(p, "high"));
        printf("%s%s\n", e ? "  " : "", e ? e : "");
    }
    if (!json_is_array(json_object_get(doc, "configs"))) return;
    printf("configs:\n");
    json_array_foreach(json_object_get(doc, "configs"), i, c)
    {
        const char *v = json_string_value(json_object_get(c, "value"));
        printf("  %s=%s  (%s)\n", json_string_value(json_object_get(c, "name")), v ? v : "",
               json_string_value(json_object_get(c, "source")));
    }
}

int lh__topic_describe(lh_topic_cli_t *cl)
{
    const struct rd_kafka_metadata *md;
    rd_kafka_t *rk = lh__topic_client(cl);
    if (!rk) return 1;
    int rc = lh__topic_metadata(cl, rk, cl->topic, &md);
    if (rc == 0) {
        json_t *doc = describe_json(cl, rk, &md->topics[0]);
        rd_kafka_metadata_destroy(md);
        rc = show(cl, doc, describe_text);
    }
    rd_kafka_destroy(rk);
    return rc;
}
