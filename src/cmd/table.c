/* `lakehouse table ls|describe|history|vacuum`: the catalog and the Delta
 * tables in the lake, through the S3 endpoint the `lake.*` keys name (like
 * every process but the data directory's owner), so it works against any
 * S3 holding Delta tables. `--json` on each for scripts. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "core/config.h"
#include "store/objstore.h"
#include "table/catalog.h"
#include "table/delta.h"
#include "table/table.h"

typedef struct {
    lh_config_t *cfg;
    lh_objstore_t *os;
    const char *bucket;
    bool json, dry_run;
    int64_t limit, version;
    double retain_hours;
    int64_t target_bytes;
    const char *arg; /* the positional argument */
} tctx_t;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lakehouse table ls [NAMESPACE] [--json]\n"
            "       lakehouse table describe NS.TABLE [--version N] [--json]\n"
            "       lakehouse table history NS.TABLE [--limit N] [--json]\n"
            "       lakehouse table vacuum NS.TABLE [--retain HOURS] [--dry-run] [--json]\n"
            "       lakehouse table optimize NS.TABLE [--target-size BYTES] [--json]\n\n"
            "  ls        one line per Delta table: <ns>.<table>, version, files, bytes\n"
            "  describe  location, version, schema, partition columns, partitions, rows\n"
            "  history   the commits, newest first: version, time, operation, parameters\n"
            "  vacuum    delete data files no version within the retention needs\n"
            "            (default 168 hours, Delta's 7 days)\n"
            "  optimize  compact each partition's files under the target size (128 MiB)\n"
            "            into as few files as fit, one commit that changes no data\n\n"
            "The lake is reached through its S3 endpoint: lake.endpoint (AWS_ENDPOINT_URL or\n"
            "LAKEHOUSE_S3_ENDPOINT), lake.bucket (default lakehouse) and the lake credentials\n"
            "(AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY). A namespace is a top-level folder of the\n"
            "lake bucket (bronze, silver, gold); a table is <ns>/<name>/ holding _delta_log/.\n");
}

static void fmt_time(int64_t ms, char *out, size_t cap)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static int fail(const char *what, const lh_err_t *e)
{
    fprintf(stderr, "lakehouse: %s: %s\n", what, e->msg);
    return 1;
}

static int open_table(tctx_t *c, lh_delta_table_t **t, lh_err_t *e)
{
    char ns[LH_CATALOG_NAME_MAX + 1], name[LH_CATALOG_NAME_MAX + 1], root[300];
    int rc = lh_catalog_split_name(c->arg, ns, name, e);
    if (rc) return rc;
    snprintf(root, sizeof root, "%s/%s", ns, name);
    return lh_delta_open(t, c->os, c->bucket, root, e);
}

/* ---- ls ---- */

typedef struct {
    tctx_t *c;
    json_t *arr;
    int errors;
} ls_t;

static int ls_table(void *arg, const char *ns, const char *table)
{
    ls_t *l = arg;
    char root[300], qn[300];
    snprintf(root, sizeof root, "%s/%s", ns, table);
    snprintf(qn, sizeof qn, "%s.%s", ns, table);
    lh_delta_table_t *t = NULL;
    lh_delta_snapshot_t *s = NULL;
    lh_err_t e = {0};
    int rc = lh_delta_open(&t, l->c->os, l->c->bucket, root, &e);
    if (!rc) rc = lh_delta_snapshot_latest(t, &s, &e);
    if (rc) {
        fprintf(stderr, "lakehouse: %s: %s\n", qn, e.msg);
        l->errors++;
    } else if (l->arr) {
        json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:s+++}", "name", qn, "namespace", ns,
                              "table", table, "version", (json_int_t)s->version, "files",
                              (json_int_t)s->nfiles, "bytes", (json_int_t)s->bytes, "location",
                              "s3://", l->c->bucket, "/", root);
        json_t *pc = json_array();
        for (size_t i = 0; i < s->metadata.npartition_columns; i++)
            json_array_append_new(pc, json_string(s->metadata.partition_columns[i]));
        json_object_set_new(o, "partition_columns", pc);
        json_array_append_new(l->arr, o);
    } else {
        printf("%-40s %8lld %8zu %14lld\n", qn, (long long)s->version, s->nfiles,
               (long long)s->bytes);
    }
    lh_delta_snapshot_free(s);
    lh_delta_close(t);
    return 0;
}

static int ls_ns(void *arg, const char *ns)
{
    ls_t *l = arg;
    lh_err_t e = {0};
    int rc = lh_catalog_tables(l->c->os, l->c->bucket, ns, ls_table, l, &e);
    if (rc) {
        fprintf(stderr, "lakehouse: namespace %s: %s\n", ns, e.msg);
        l->errors++;
    }
    return 0;
}

static int cmd_ls(tctx_t *c)
{
    ls_t l = {c, c->json ? json_array() : NULL, 0};
    lh_err_t e = {0};
    int rc = c->arg ? lh_catalog_tables(c->os, c->bucket, c->arg, ls_table, &l, &e)
                    : lh_catalog_namespaces(c->os, c->bucket, ls_ns, &l, &e);
    if (rc) {
        json_decref(l.arr);
        return fail("listing the lake", &e);
    }
    if (l.arr) {
        json_dumpf(l.arr, stdout, JSON_INDENT(2));
        printf("\n");
        json_decref(l.arr);
    }
    return l.errors ? 1 : 0;
}

/* ---- describe ---- */

static int64_t total_rows(const lh_delta_snapshot_t *s)
{
    lh_arena_t *a = lh_arena_new(0);
    if (!a) return -1;
    int64_t n = 0;
    for (size_t i = 0; i < s->nfiles && n >= 0; i++) {
        lh_delta_file_stats_t fs;
        lh_err_t e = {0};
        if (!s->files[i].stats || lh_delta_stats_parse(a, s->files[i].stats, &s->schema, &fs, &e) ||
            fs.num_records < 0)
            n = -1;
        else
            n += fs.num_records;
    }
    lh_arena_free(a);
    return n;
}

typedef struct {
    char *key; /* "ds=2026-11-26/..." */
    int64_t files, bytes;
} part_sum_t;

static int cmp_part(const void *a, const void *b)
{
    return strcmp(((const part_sum_t *)a)->key, ((const part_sum_t *)b)->key);
}

/* Files and bytes per partition (sorted by the values' text). */
static part_sum_t *partitions(const lh_delta_snapshot_t *s, size_t *n)
{
    part_sum_t *p = calloc(s->nfiles + 1, sizeof *p);
    *n = 0;
    if (!p) return NULL;
    for (size_t i = 0; i < s->nfiles; i++) {
        char key[1024] = "";
        size_t len = 0;
        for (size_t k = 0; k < s->metadata.npartition_columns; k++) {
            const char *col = s->metadata.partition_columns[k];
            const char *v = lh_delta_map_get(&s->files[i].partition_values, col, NULL);
            len += (size_t)snprintf(key + len, len < sizeof key ? sizeof key - len : 0, "%s%s=%s",
                                    k ? "/" : "", col, v ? v : "NULL");
            if (len >= sizeof key) len = sizeof key - 1;
        }
        size_t j = 0;
        while (j < *n && strcmp(p[j].key, key))
            j++;
        if (j == *n) {
            p[j].key = strdup(key);
            if (!p[j].key) break;
            (*n)++;
        }
        p[j].files++;
        p[j].bytes += s->files[i].size;
    }
    qsort(p, *n, sizeof *p, cmp_part);
    return p;
}

static int cmd_describe(tctx_t *c)
{
    lh_delta_table_t *t = NULL;
    lh_delta_snapshot_t *s = NULL;
    lh_err_t e = {0};
    int rc = open_table(c, &t, &e);
    if (!rc)
        rc = c->version >= 0 ? lh_delta_snapshot_at_version(t, c->version, &s, &e)
                             : lh_delta_snapshot_latest(t, &s, &e);
    if (rc) {
        lh_delta_close(t);
        return fail(c->arg, &e);
    }
    char when[64], type[512];
    fmt_time(s->timestamp, when, sizeof when);
    int64_t rows = total_rows(s);
    size_t nparts = 0;
    part_sum_t *parts = partitions(s, &nparts);
    const lh_delta_metadata_t *m = &s->metadata;
    if (c->json) {
        json_t *cols = json_array(), *pc = json_array(), *pa = json_array(), *props = json_object();
        for (uint32_t i = 0; i < s->schema.ncolumns; i++) {
            const lh_delta_column_t *col = &s->schema.columns[i];
            lh_type_format(&col->type, type, sizeof type);
            json_array_append_new(cols, json_pack("{s:s, s:s, s:b, s:b}", "name", col->name, "type",
                                                  type, "nullable", col->nullable, "partition",
                                                  lh_delta_is_partition_column(m, col->name)));
        }
        for (size_t k = 0; k < m->npartition_columns; k++)
            json_array_append_new(pc, json_string(m->partition_columns[k]));
        for (size_t k = 0; k < nparts; k++)
            json_array_append_new(pa, json_pack("{s:s, s:I, s:I}", "partition", parts[k].key,
                                                "files", (json_int_t)parts[k].files, "bytes",
                                                (json_int_t)parts[k].bytes));
        for (size_t k = 0; k < m->configuration.n; k++)
            json_object_set_new(props, m->configuration.items[k].key,
                                m->configuration.items[k].value
                                    ? json_string(m->configuration.items[k].value)
                                    : json_null());
        json_t *o = json_pack("{s:s, s:s+++, s:s, s:I, s:I, s:s, s:I, s:I, s:o, s:o, s:o, s:o, "
                              "s:i, s:i}",
                              "name", c->arg, "location", "s3://", c->bucket, "/", lh_delta_root(t),
                              "id", m->id ? m->id : "", "version", (json_int_t)s->version,
                              "timestamp_ms", (json_int_t)s->timestamp, "timestamp", when, "files",
                              (json_int_t)s->nfiles, "bytes", (json_int_t)s->bytes, "columns", cols,
                              "partition_columns", pc, "partitions", pa, "properties", props,
                              "min_reader_version", s->protocol.min_reader_version,
                              "min_writer_version", s->protocol.min_writer_version);
        json_object_set_new(o, "rows", rows >= 0 ? json_integer(rows) : json_null());
        json_dumpf(o, stdout, JSON_INDENT(2));
        printf("\n");
        json_decref(o);
    } else {
        printf("table      %s\nlocation   s3://%s/%s\nversion    %lld (%s)\nfiles      %zu\n"
               "bytes      %lld\n",
               c->arg, c->bucket, lh_delta_root(t), (long long)s->version, when, s->nfiles,
               (long long)s->bytes);
        if (rows >= 0) printf("rows       %lld\n", (long long)rows);
        printf("protocol   reader %d, writer %d\ncolumns:\n", s->protocol.min_reader_version,
               s->protocol.min_writer_version);
        for (uint32_t i = 0; i < s->schema.ncolumns; i++) {
            const lh_delta_column_t *col = &s->schema.columns[i];
            lh_type_format(&col->type, type, sizeof type);
            printf("  %-24s %s%s%s\n", col->name, type, col->nullable ? "" : " NOT NULL",
                   lh_delta_is_partition_column(m, col->name) ? "  (partition)" : "");
        }
        if (m->npartition_columns) {
            printf("partitions:\n");
            for (size_t k = 0; k < nparts; k++)
                printf("  %-40s %6lld files %14lld bytes\n", parts[k].key,
                       (long long)parts[k].files, (long long)parts[k].bytes);
        }
        for (size_t k = 0; k < m->configuration.n; k++)
            printf("%s%s = %s\n", k ? "" : "properties:\n  ", m->configuration.items[k].key,
                   m->configuration.items[k].value ? m->configuration.items[k].value : "null");
    }
    for (size_t k = 0; k < nparts; k++)
        free(parts[k].key);
    free(parts);
    lh_delta_snapshot_free(s);
    lh_delta_close(t);
    return 0;
}

/* ---- history ---- */

static int cmd_history(tctx_t *c)
{
    lh_delta_table_t *t = NULL;
    lh_delta_history_t h = {0};
    lh_err_t e = {0};
    int rc = open_table(c, &t, &e);
    if (!rc) rc = lh_delta_history(t, c->limit, &h, &e);
    if (rc) {
        lh_delta_close(t);
        return fail(c->arg, &e);
    }
    json_t *arr = c->json ? json_array() : NULL;
    for (size_t i = 0; i < h.n; i++) {
        const lh_delta_history_entry_t *x = &h.entries[i];
        char when[64];
        fmt_time(x->timestamp, when, sizeof when);
        json_t *params = json_object();
        for (size_t k = 0; k < x->operation_parameters.n; k++)
            json_object_set_new(params, x->operation_parameters.items[k].key,
                                json_string(x->operation_parameters.items[k].value
                                                ? x->operation_parameters.items[k].value
                                                : ""));
        if (arr) {
            json_array_append_new(arr, json_pack("{s:I, s:I, s:s, s:s?, s:o}", "version",
                                                 (json_int_t)x->version, "timestamp_ms",
                                                 (json_int_t)x->timestamp, "timestamp", when,
                                                 "operation", x->operation, "parameters", params));
        } else {
            char *p = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
            printf("%8lld  %s  %-14s %s\n", (long long)x->version, when,
                   x->operation ? x->operation : "-", p ? p : "{}");
            free(p);
            json_decref(params);
        }
    }
    if (arr) {
        json_dumpf(arr, stdout, JSON_INDENT(2));
        printf("\n");
        json_decref(arr);
    }
    lh_delta_history_free(&h);
    lh_delta_close(t);
    return 0;
}

/* ---- vacuum ---- */

static int vacuum_file(void *arg, const char *path, int64_t size)
{
    tctx_t *c = arg;
    if (!c->json)
        printf("%s %s (%lld bytes)\n", c->dry_run ? "would delete" : "deleted", path,
               (long long)size);
    return 0;
}

static int cmd_vacuum(tctx_t *c)
{
    lh_delta_table_t *t = NULL;
    lh_err_t e = {0};
    lh_delta_vacuum_opts_t o = {
        .retention_hours = c->retain_hours, .dry_run = c->dry_run, .fn = vacuum_file, .arg = c};
    lh_delta_vacuum_result_t r = {0};
    int rc = open_table(c, &t, &e);
    if (!rc) rc = lh_delta_vacuum(t, &o, &r, &e);
    lh_delta_close(t);
    if (rc) return fail(c->arg, &e);
    if (c->json)
        printf("{\"table\": \"%s\", \"dry_run\": %s, \"files\": %lld, \"bytes\": %lld}\n", c->arg,
               c->dry_run ? "true" : "false", (long long)r.files, (long long)r.bytes);
    else
        printf("%s %lld files, %lld bytes\n", c->dry_run ? "would delete" : "deleted",
               (long long)r.files, (long long)r.bytes);
    return 0;
}

/* ---- optimize ---- */

static int cmd_optimize(tctx_t *c)
{
    lh_delta_table_t *t = NULL;
    lh_err_t e = {0};
    lh_table_optimize_opts_t o;
    lh_table_optimize_opts_default(&o);
    if (c->target_bytes > 0) o.target_file_bytes = c->target_bytes;
    lh_table_optimize_result_t r;
    int rc = open_table(c, &t, &e);
    if (!rc) rc = lh_table_optimize(t, &o, &r, &e);
    lh_delta_close(t);
    if (rc) return fail(c->arg, &e);
    if (c->json)
        printf("{\"table\": \"%s\", \"version\": %lld, \"partitions\": %lld, "
               "\"files_removed\": %lld, \"files_added\": %lld, \"bytes_removed\": %lld, "
               "\"bytes_added\": %lld, \"rows\": %lld}\n",
               c->arg, (long long)r.version, (long long)r.partitions, (long long)r.files_removed,
               (long long)r.files_added, (long long)r.bytes_removed, (long long)r.bytes_added,
               (long long)r.rows);
    else if (!r.files_removed)
        printf("nothing to compact: version %lld stays\n", (long long)r.version);
    else
        printf("version %lld: %lld files (%lld bytes) in %lld partitions compacted into %lld files "
               "(%lld bytes), %lld rows\n",
               (long long)r.version, (long long)r.files_removed, (long long)r.bytes_removed,
               (long long)r.partitions, (long long)r.files_added, (long long)r.bytes_added,
               (long long)r.rows);
    return 0;
}

/* ---- dispatch ---- */

typedef struct {
    const char *name;
    int (*fn)(tctx_t *c);
    int arg; /* 0 none, 1 optional, 2 required */
} sub_t;

static const sub_t subs[] = {
    {.name = "ls", .fn = cmd_ls, .arg = 1},
    {.name = "describe", .fn = cmd_describe, .arg = 2},
    {.name = "history", .fn = cmd_history, .arg = 2},
    {.name = "vacuum", .fn = cmd_vacuum, .arg = 2},
    {.name = "optimize", .fn = cmd_optimize, .arg = 2},
    {NULL, NULL, 0},
};

static int number(const char *flag, const char *v, double *out)
{
    char *end;
    *out = v ? strtod(v, &end) : 0;
    if (!v || end == v || *end || *out < 0) {
        fprintf(stderr, "lakehouse: %s needs a number >= 0\n", flag);
        return 2;
    }
    return 0;
}

int lh_cmd_table(int argc, char **argv)
{
    if (argc < 1) {
        usage(stderr);
        return 2;
    }
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
    const sub_t *s = subs;
    while (s->name && strcmp(s->name, argv[0]))
        s++;
    if (!s->name) {
        fprintf(stderr, "lakehouse: unknown table command '%s' (see 'lakehouse table --help')\n",
                argv[0]);
        return 2;
    }
    argc--;
    argv++;
    tctx_t c = {.limit = 0, .version = -1, .retain_hours = 168};
    lh_err_t e = {0};
    if (lh_config_load(&c.cfg, &argc, argv, &e)) {
        fprintf(stderr, "lakehouse: %s\n", e.msg);
        return 1;
    }
    int rc = 0;
    for (int i = 0; i < argc && !rc; i++) {
        double d;
        if (!strcmp(argv[i], "--json")) {
            c.json = true;
        } else if (!strcmp(argv[i], "--dry-run")) {
            c.dry_run = true;
        } else if (!strcmp(argv[i], "--limit") || !strcmp(argv[i], "--version") ||
                   !strcmp(argv[i], "--retain") || !strcmp(argv[i], "--target-size")) {
            const char *flag = argv[i];
            rc = number(flag, i + 1 < argc ? argv[++i] : NULL, &d);
            if (!strcmp(flag, "--limit")) c.limit = (int64_t)d;
            if (!strcmp(flag, "--version")) c.version = (int64_t)d;
            if (!strcmp(flag, "--retain")) c.retain_hours = d;
            if (!strcmp(flag, "--target-size")) c.target_bytes = (int64_t)d;
        } else if (argv[i][0] != '-' && !c.arg && s->arg) {
            c.arg = argv[i];
        } else {
            fprintf(stderr, "lakehouse: unknown argument '%s' for table %s\n", argv[i], s->name);
            rc = 2;
        }
    }
    if (!rc && s->arg == 2 && !c.arg) {
        fprintf(stderr, "lakehouse: table %s needs a table name: <namespace>.<table>\n", s->name);
        rc = 2;
    }
    if (!rc && (rc = lh_objstore_open_lake(&c.os, c.cfg, &e)) != 0) {
        if (rc == LH_ENOENT)
            fprintf(stderr, "lakehouse: no lake endpoint: set AWS_ENDPOINT_URL (or "
                            "--lake-endpoint) to the platform's S3 address\n");
        else
            fprintf(stderr, "lakehouse: %s\n", e.msg);
        rc = 1;
    }
    if (!rc) {
        c.bucket = lh_config_get(c.cfg, "lake.bucket");
        rc = s->fn(&c);
    }
    lh_objstore_close(c.os);
    lh_config_free(c.cfg);
    return rc;
}
