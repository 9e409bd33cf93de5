/* `lakehouse parquet inspect|cat FILE|s3://bucket/key`: a Parquet file's
 * footer (schema, rows, row groups, per column chunk its encodings, codec,
 * sizes and statistics) and its rows, printed as DuckDB prints values.
 * s3:// paths go to the lake the `lake.*` configuration names, like every
 * other tool. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/config.h"
#include "parquet/codec.h"
#include "parquet/reader.h"

typedef struct {
    lh_config_t *cfg;
    lh_objstore_t *os;
    lh_pq_reader_t *r;
    bool json;
    const char *columns;
    int64_t limit;
    const char *path;
} opts_t;

static void usage(FILE *out)
{
    fprintf(out, "usage: lakehouse parquet inspect FILE|s3://BUCKET/KEY [--json]\n"
                 "       lakehouse parquet cat FILE|s3://BUCKET/KEY [--columns a,b.c] [--limit N] "
                 "[--json]\n\n"
                 "  inspect  the schema, rows, row groups and, per column chunk, its encodings,\n"
                 "           codec, sizes and statistics\n"
                 "  cat      the rows: a header, then one tab-separated line per row, each value\n"
                 "           as DuckDB prints it (NULL for NULL); --json prints one JSON object\n"
                 "           per row whose values are those texts as strings (or null)\n\n"
                 "s3:// paths are read from the lake (lake.endpoint and credentials: see\n"
                 "docs/config.md).\n");
}

static const char *phys_name(int t)
{
    static const char *n[] = {"BOOLEAN", "INT32",  "INT64",      "INT96",
                              "FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
    return t >= 0 && t < 8 ? n[t] : "UNKNOWN";
}

static const char *enc_name(int e)
{
    static const char *n[] = {"PLAIN",
                              "GROUP_VAR_INT",
                              "PLAIN_DICTIONARY",
                              "RLE",
                              "BIT_PACKED",
                              "DELTA_BINARY_PACKED",
                              "DELTA_LENGTH_BYTE_ARRAY",
                              "DELTA_BYTE_ARRAY",
                              "RLE_DICTIONARY",
                              "BYTE_STREAM_SPLIT",
                              "ALP"};
    return e >= 0 && e < 11 ? n[e] : "UNKNOWN";
}

static int open_input(opts_t *o, lh_err_t *err)
{
    if (strncmp(o->path, "s3://", 5)) return lh_pq_reader_open_file(o->path, &o->r, err);
    const char *b = o->path + 5, *slash = strchr(b, '/');
    if (!slash || slash == b || !slash[1])
        return lh_err_set(err, LH_EINVAL, "expected s3://bucket/key, got %s", o->path);
    char bucket[64];
    if ((size_t)(slash - b) >= sizeof bucket)
        return lh_err_set(err, LH_EINVAL, "bucket name too long");
    memcpy(bucket, b, (size_t)(slash - b));
    bucket[slash - b] = 0;
    int rc = lh_objstore_open_lake(&o->os, o->cfg, err);
    if (rc) return rc;
    return lh_pq_reader_open_object(o->os, bucket, slash + 1, &o->r, err);
}

/* Text of a typed statistics value. */
static json_t *value_json(const lh_value_t *v)
{
    lh_buf_t b;
    lh_buf_init(&b, 1 << 20);
    lh_value_text(v, &b);
    json_t *j = lh_buf_err(&b) ? json_null() : json_stringn(b.ptr ? b.ptr : "", b.len);
    lh_buf_free(&b);
    return j;
}

static json_t *type_json(const lh_type_t *t)
{
    char name[1024];
    lh_type_format(t, name, sizeof name);
    return json_string(name);
}

static json_t *chunk_json(const lh_pq_reader_t *r, uint32_t g, uint32_t c)
{
    const lh_pq_column_meta_t *cm = &lh_pq_reader_meta(r)->row_groups[g].columns[c].meta_data;
    char path[1024];
    lh_pq_reader_leaf_path(r, c, path, sizeof path);
    json_t *encs = json_array();
    for (uint32_t i = 0; i < cm->nencodings; i++)
        json_array_append_new(encs, json_string(enc_name(cm->encodings[i])));
    json_t *j = json_pack("{s:s, s:s, s:o, s:s, s:o, s:I, s:I, s:I}", "path", path, "physical_type",
                          phys_name(cm->type), "type", type_json(lh_pq_reader_leaf_type(r, c)),
                          "codec", lh_pq_codec_name(cm->codec), "encodings", encs, "num_values",
                          (json_int_t)cm->num_values, "compressed_size",
                          (json_int_t)cm->total_compressed_size, "uncompressed_size",
                          (json_int_t)cm->total_uncompressed_size);
    lh_stats_t st;
    if (!lh_pq_reader_chunk_stats(r, g, c, &st)) {
        if (st.null_count >= 0) json_object_set_new(j, "null_count", json_integer(st.null_count));
        if (st.has_min) json_object_set_new(j, "min", value_json(&st.min));
        if (st.has_max) json_object_set_new(j, "max", value_json(&st.max));
    }
    return j;
}

static json_t *inspect_json(const lh_pq_reader_t *r)
{
    const lh_pq_file_meta_t *m = lh_pq_reader_meta(r);
    const lh_type_t *st = lh_pq_reader_schema(r);
    json_t *schema = json_array(), *groups = json_array();
    for (uint32_t i = 0; i < st->nfields; i++)
        json_array_append_new(schema, json_pack("{s:s, s:o}", "name", st->fields[i].name, "type",
                                                type_json(&st->fields[i].type)));
    for (uint32_t g = 0; g < m->nrow_groups; g++) {
        json_t *cols = json_array();
        for (uint32_t c = 0; c < lh_pq_reader_nleaves(r); c++)
            json_array_append_new(cols, chunk_json(r, g, c));
        json_array_append_new(
            groups, json_pack("{s:I, s:I, s:o}", "num_rows", (json_int_t)m->row_groups[g].num_rows,
                              "total_byte_size", (json_int_t)m->row_groups[g].total_byte_size,
                              "columns", cols));
    }
    json_t *j = json_pack("{s:I, s:i, s:o, s:o}", "num_rows", (json_int_t)m->num_rows, "version",
                          m->version, "schema", schema, "row_groups", groups);
    if (m->created_by) json_object_set_new(j, "created_by", json_string(m->created_by));
    return j;
}

static void print_inspect_text(const lh_pq_reader_t *r, json_t *j)
{
    printf("rows: %lld\n", (long long)json_integer_value(json_object_get(j, "num_rows")));
    json_t *cb = json_object_get(j, "created_by");
    if (cb) printf("created by: %s\n", json_string_value(cb));
    printf("schema:\n");
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(j, "schema"), i, f)
        printf("  %s %s\n", json_string_value(json_object_get(f, "name")),
               json_string_value(json_object_get(f, "type")));
    json_t *groups = json_object_get(j, "row_groups"), *g;
    printf("row groups: %zu\n", json_array_size(groups));
    json_array_foreach(groups, i, g)
    {
        printf("row group %zu: %lld rows\n", i,
               (long long)json_integer_value(json_object_get(g, "num_rows")));
        size_t k;
        json_t *c;
        json_array_foreach(json_object_get(g, "columns"), k, c)
        {
            char *enc = json_dumps(json_object_get(c, "encodings"), JSON_COMPACT);
            printf("  %s %s (%s) codec %s encodings %s values %lld compressed %lld "
                   "uncompressed %lld",
                   json_string_value(json_object_get(c, "path")),
                   json_string_value(json_object_get(c, "type")),
                   json_string_value(json_object_get(c, "physical_type")),
                   json_string_value(json_object_get(c, "codec")), enc ? enc : "[]",
                   (long long)json_integer_value(json_object_get(c, "num_values")),
                   (long long)json_integer_value(json_object_get(c, "compressed_size")),
                   (long long)json_integer_value(json_object_get(c, "uncompressed_size")));
            free(enc);
            json_t *v;
            if ((v = json_object_get(c, "null_count")))
                printf(" nulls %lld", (long long)json_integer_value(v));
            if ((v = json_object_get(c, "min"))) printf(" min %s", json_string_value(v));
            if ((v = json_object_get(c, "max"))) printf(" max %s", json_string_value(v));
            printf("\n");
        }
    }
    (void)r;
}

static int do_inspect(opts_t *o)
{
    json_t *j = inspect_json(o->r);
    if (o->json) {
        char *s = json_dumps(j, JSON_INDENT(2));
        if (s) puts(s);
        free(s);
    } else {
        print_inspect_text(o->r, j);
    }
    json_decref(j);
    return 0;
}

/* --columns a,b.c as paths; names of the file's STRUCT type. */
static int parse_columns(const lh_type_t *st, const char *list, lh_col_path_t **out, uint32_t *n,
                         lh_err_t *err)
{
    uint32_t cap = 1;
    for (const char *c = list; *c; c++)
        cap += *c == ',';
    lh_col_path_t *p = calloc(cap, sizeof *p);
    if (!p) return lh_err_set(err, LH_ENOMEM, "out of memory");
    char *dup = strdup(list), *save = NULL;
    uint32_t k = 0;
    for (char *tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const lh_type_t *t = st;
        char *s2 = NULL;
        p[k].depth = 0;
        for (char *name = strtok_r(tok, ".", &s2); name; name = strtok_r(NULL, ".", &s2)) {
            uint32_t f = 0;
            while (t->id == LH_TYPE_STRUCT && f < t->nfields && strcmp(t->fields[f].name, name))
                f++;
            if (t->id != LH_TYPE_STRUCT || f == t->nfields || p[k].depth == LH_COL_PATH_MAX) {
                lh_err_set(err, LH_EINVAL, "no column %s", name);
                free(dup);
                free(p);
                return LH_EINVAL;
            }
            p[k].idx[p[k].depth++] = f;
            t = &t->fields[f].type;
        }
        if (p[k].depth) k++;
    }
    free(dup);
    *out = p;
    *n = k;
    return 0;
}

static void put_header(const lh_type_t *st, const char *columns)
{
    if (columns) {
        for (const char *c = columns; *c; c++)
            putchar(*c == ',' ? '\t' : *c);
    } else {
        for (uint32_t i = 0; i < st->nfields; i++)
            printf("%s%s", i ? "\t" : "", st->fields[i].name);
    }
    putchar('\n');
}

static int do_cat(opts_t *o, lh_err_t *err)
{
    const lh_type_t *st = lh_pq_reader_schema(o->r);
    lh_scan_req_t req = {.all_columns = true};
    lh_col_path_t *paths = NULL;
    char **names = NULL;
    int rc = 0;
    if (o->columns) {
        if ((rc = parse_columns(st, o->columns, &paths, &req.ncolumns, err))) return rc;
        req.all_columns = false;
        req.columns = paths;
    }
    uint32_t ncol = req.all_columns ? st->nfields : req.ncolumns;
    names = calloc(ncol + 1, sizeof *names);
    char *dup = o->columns ? strdup(o->columns) : NULL, *save = NULL;
    for (uint32_t i = 0; i < ncol; i++)
        names[i] = dup ? strtok_r(i ? NULL : dup, ",", &save) : (char *)st->fields[i].name;
    if (!o->json) put_header(st, o->columns);
    if (!(rc = lh_pq_reader_scan(o->r, &req, err))) {
        lh_buf_t line;
        lh_buf_init(&line, (size_t)1 << 30);
        int64_t printed = 0;
        lh_batch_t *b;
        while (!(rc = lh_pq_reader_next(o->r, &b, err)) && b) {
            for (uint32_t row = 0; row < b->count && (o->limit < 0 || printed < o->limit); row++) {
                lh_buf_reset(&line);
                json_t *obj = o->json ? json_object() : NULL;
                for (uint32_t c = 0; c < b->ncols; c++) {
                    if (o->json) {
                        json_t *v = json_null();
                        if (lh_vector_is_valid(&b->cols[c], row) ||
                            b->cols[c].type.id == LH_TYPE_STRUCT) {
                            lh_buf_t t;
                            lh_buf_init(&t, (size_t)1 << 30);
                            lh_vector_text(&b->cols[c], row, &t);
                            if (lh_vector_is_valid(&b->cols[c], row))
                                v = json_stringn(t.ptr ? t.ptr : "", t.len);
                            lh_buf_free(&t);
                        }
                        json_object_set_new(obj, names[c], v ? v : json_null());
                    } else {
                        if (c) lh_buf_puts(&line, "\t");
                        lh_vector_text(&b->cols[c], row, &line);
                    }
                }
                if (o->json) {
                    char *s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
                    if (s) puts(s);
                    free(s);
                    json_decref(obj);
                } else {
                    fwrite(line.ptr, 1, line.len, stdout);
                    putchar('\n');
                }
                printed++;
            }
            if (o->limit >= 0 && printed >= o->limit) break;
        }
        lh_buf_free(&line);
    }
    free(dup);
    free(names);
    free(paths);
    return rc;
}

int lh_cmd_parquet(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        usage(argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    const char *verb = argv[0];
    if (strcmp(verb, "inspect") && strcmp(verb, "cat")) {
        fprintf(stderr,
                "lakehouse: unknown parquet command '%s' (see 'lakehouse parquet --help')\n", verb);
        return 2;
    }
    argc--;
    argv++;
    opts_t o = {.limit = -1};
    lh_err_t err = {0};
    if (lh_config_load(&o.cfg, &argc, argv, &err)) {
        fprintf(stderr, "lakehouse: %s\n", err.msg);
        return 1;
    }
    int status = 2;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            o.json = true;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            status = 0;
            goto out;
        } else if (!strcmp(argv[i], "--columns") && i + 1 < argc && !strcmp(verb, "cat")) {
            o.columns = argv[++i];
        } else if (!strcmp(argv[i], "--limit") && i + 1 < argc && !strcmp(verb, "cat")) {
            char *end;
            o.limit = strtoll(argv[++i], &end, 10);
            if (*end || o.limit < 0) {
                fprintf(stderr, "lakehouse: bad --limit '%s'\n", argv[i]);
                goto out;
            }
        } else if (argv[i][0] != '-' && !o.path) {
            o.path = argv[i];
        } else {
            fprintf(stderr, "lakehouse: unknown argument '%s' for parquet %s\n", argv[i], verb);
            goto out;
        }
    }
    if (!o.path) {
        usage(stderr);
        goto out;
    }
    int rc = open_input(&o, &err);
    if (!rc) rc = !strcmp(verb, "inspect") ? do_inspect(&o) : do_cat(&o, &err);
    fflush(stdout);
    if (rc) fprintf(stderr, "lakehouse: %s: %s\n", o.path, err.msg[0] ? err.msg : lh_strerror(rc));
    status = rc ? 1 : 0;
out:
    lh_pq_reader_close(o.r);
    lh_objstore_close(o.os);
    lh_config_free(o.cfg);
    return status;
}
