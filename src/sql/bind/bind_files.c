/* Binding the table functions that read files: read_parquet, read_csv
 * (read_csv_auto), read_json (read_json_auto, read_ndjson) and FROM 'file'
 * by extension. Options are constants (named `name := v` or `name = v`);
 * the path is a string or a list of strings, each a local path or an s3://
 * URL with * ? [..] and ** wildcards (exec/files.c). Hive `key=value/`
 * directories become columns (typed as DuckDB's hive_types_autocast: DATE,
 * TIMESTAMP, BIGINT, else VARCHAR) and filename=true adds `filename`. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "parquet/reader.h"
#include "sql/bind/bind_files.h"
#include "sql/func/func_int.h"

static bool parse_i64(const char *s, int64_t *out)
{
    lh_int128_t v;
    if (!lh__parse_exact(s, strlen(s), 0, &v) || v < INT64_MIN || v > INT64_MAX) return false;
    *out = (int64_t)v;
    return true;
}

typedef int (*opt_fn)(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o);

static int bad(lh_bind_env_t *env, const lh_ast_t *v, const char *what)
{
    return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, v->pos, "%s", what);
}

static bool lit(const lh_ast_t *v, int kind)
{
    return v->kind == LH_AST_LITERAL && v->u.lit.kind == kind;
}

static int get_bool(lh_bind_env_t *env, const lh_ast_t *v, bool *out)
{
    if (lit(v, LH_LIT_BOOL)) return *out = v->u.lit.b, 0;
    if (lit(v, LH_LIT_INTEGER)) return *out = strcmp(v->u.lit.text, "0") != 0, 0;
    if (lit(v, LH_LIT_STRING) && lh__parse_bool(v->u.lit.text, v->u.lit.len, out)) return 0;
    return bad(env, v, "expected a BOOLEAN constant");
}

static int get_char(lh_bind_env_t *env, const lh_ast_t *v, char *out)
{
    if (!lit(v, LH_LIT_STRING)) return bad(env, v, "expected a string constant");
    if (v->u.lit.len > 1 && strcmp(v->u.lit.text, "\\t"))
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EINPUT, v->pos,
                          "The delimiter option cannot exceed a size of 1 byte.");
    *out = v->u.lit.len ? (v->u.lit.len > 1 ? '\t' : v->u.lit.text[0]) : 0;
    return 0;
}

static int o_delim(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    return get_char(env, v, &o->delim);
}
static int o_quote(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    o->quote_set = true;
    return get_char(env, v, &o->quote);
}
static int o_escape(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    return get_char(env, v, &o->escape);
}
static int o_header(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    bool b;
    int rc = get_bool(env, v, &b);
    o->header = b;
    return rc;
}
static int o_hive(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    bool b;
    int rc = get_bool(env, v, &b);
    o->hive = b;
    return rc;
}
static int o_filename(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    return get_bool(env, v, &o->filename);
}
static int o_autocast(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    return get_bool(env, v, &o->hive_autocast);
}
static int o_all_varchar(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    return get_bool(env, v, &o->all_varchar);
}
static int o_auto_detect(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    return get_bool(env, v, &o->auto_detect);
}
static int o_records(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    if (lit(v, LH_LIT_STRING) && !strcasecmp(v->u.lit.text, "auto")) return o->records = true, 0;
    return get_bool(env, v, &o->records);
}
static int o_ignored(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    return 0;
}
static int o_nullstr(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    if (!lit(v, LH_LIT_STRING)) return bad(env, v, "nullstr must be a string");
    o->nullstr = v->u.lit.text;
    return 0;
}
static int o_skip(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    int64_t k;
    if (!lit(v, LH_LIT_INTEGER) || !parse_i64(v->u.lit.text, &k) || k < 0 || k > 1 << 30)
        return bad(env, v, "skip must be a non-negative integer");
    o->skip = (uint32_t)k;
    return 0;
}
static int o_compression(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    if (!lit(v, LH_LIT_STRING) || lh__compression_by_name(v->u.lit.text, &o->compression))
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, v->pos,
                          "Unsupported compression: use 'auto', 'none', 'gzip' or 'zstd'");
    return 0;
}
static int o_format(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    static const struct {
        const char *name;
        int format; /* lh_file_opts_t.json_format */
    } names[] = {{.name = "nd", .format = 1},
                 {.name = "array", .format = 2},
                 {.name = "newline_delimited", .format = 1},
                 {.name = "unstructured", .format = 3},
                 {.name = "auto", .format = 0}};
    for (size_t i = 0; lit(v, LH_LIT_STRING) && i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(v->u.lit.text, names[i].name)) return o->json_format = names[i].format, 0;
    return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, v->pos,
                      "format must be one of ['nd', 'array', 'newline_delimited', "
                      "'unstructured', 'auto'], not '%s'",
                      v->kind == LH_AST_LITERAL && v->u.lit.text ? v->u.lit.text : "?");
}
static int str_list(lh_bind_env_t *env, const lh_ast_t *v, const char *what, const char ***out,
                    uint32_t *n)
{
    if (v->kind != LH_AST_ARRAY)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, v->pos, "%s must be a list of strings",
                          what);
    *n = v->u.array.items.n;
    *out = lh_arena_calloc(env->arena, (*n + 1) * sizeof **out);
    if (!*out) return LH_ENOMEM;
    for (uint32_t i = 0; i < *n; i++) {
        const lh_ast_t *x = v->u.array.items.items[i];
        if (!lit(x, LH_LIT_STRING))
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, x->pos,
                              "%s must be a list of strings", what);
        (*out)[i] = x->u.lit.text;
    }
    return 0;
}
static int o_names(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    return str_list(env, v, "names", &o->names, &o->nnames);
}
static int o_types(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    return str_list(env, v, "types", &o->types, &o->ntypes);
}

static int o_columns(lh_bind_env_t *env, const lh_ast_t *v, lh_file_opts_t *o)
{
    uint32_t n = v->kind == LH_AST_ARRAY ? v->u.array.items.n : 0;
    o->names = lh_arena_calloc(env->arena, (n + 1) * sizeof *o->names);
    o->types = lh_arena_calloc(env->arena, (n + 1) * sizeof *o->types);
    if (!o->names || !o->types) return LH_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        const lh_ast_t *kv = v->u.array.items.items[i];
        if (kv->kind != LH_AST_ROW || kv->u.row.items.n != 2 ||
            !lit(kv->u.row.items.items[0], LH_LIT_STRING) ||
            !lit(kv->u.row.items.items[1], LH_LIT_STRING))
            break;
        o->names[i] = kv->u.row.items.items[0]->u.lit.text;
        o->types[i] = kv->u.row.items.items[1]->u.lit.text;
        o->nnames = o->ntypes = i + 1;
    }
    if (!n || o->nnames != n)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, v->pos,
                          "columns must be a struct of column names to type names, e.g. "
                          "{'a': 'INTEGER'}");
    o->columns = true;
    return 0;
}

static const struct option {
    const char *name;
    opt_fn fn;
    uint8_t formats; /* bit per lh_file_format_t */
} options[] = {
    {.name = "hive_partitioning", .fn = o_hive, .formats = 14},
    {.name = "filename", .fn = o_filename, .formats = 14},
    {.name = "hive_types_autocast", .fn = o_autocast, .formats = 14},
    {.name = "union_by_name", .fn = o_ignored, .formats = 14},
    {.name = "binary_as_string", .fn = o_ignored, .formats = 2},
    {.name = "compression", .fn = o_compression, .formats = 12},
    {.name = "delim", .fn = o_delim, .formats = 4},
    {.name = "sep", .fn = o_delim, .formats = 4},
    {.name = "quote", .fn = o_quote, .formats = 4},
    {.name = "escape", .fn = o_escape, .formats = 4},
    {.name = "header", .fn = o_header, .formats = 4},
    {.name = "all_varchar", .fn = o_all_varchar, .formats = 4},
    {.name = "auto_detect", .fn = o_auto_detect, .formats = 12},
    {.name = "nullstr", .fn = o_nullstr, .formats = 4},
    {.name = "skip", .fn = o_skip, .formats = 4},
    {.name = "names", .fn = o_names, .formats = 4},
    {.name = "column_names", .fn = o_names, .formats = 4},
    {.name = "types", .fn = o_types, .formats = 4},
    {.name = "columns", .fn = o_columns, .formats = 12},
    {.name = "dtypes", .fn = o_types, .formats = 4},
    {.name = "column_types", .fn = o_types, .formats = 4},
    {.name = "sample_size", .fn = o_ignored, .formats = 12},
    {.name = "format", .fn = o_format, .formats = 8},
    {.name = "records", .fn = o_records, .formats = 8},
};

static int path_arg(lh_bind_env_t *env, const lh_ast_t *a, const char *fn, lh_file_opts_t *o)
{
    const lh_ast_t *one = a;
    uint32_t n = 1;
    if (a && a->kind == LH_AST_ARRAY) n = a->u.array.items.n;
    o->patterns = lh_arena_calloc(env->arena, (n + 1) * sizeof *o->patterns);
    if (!o->patterns) return LH_ENOMEM;
    for (uint32_t i = 0; a && i < n; i++) {
        one = a->kind == LH_AST_ARRAY ? a->u.array.items.items[i] : a;
        if (!lit(one, LH_LIT_STRING)) break;
        o->patterns[o->npat++] = one->u.lit.text;
    }
    if (!o->npat || o->npat != n)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, a ? a->pos : -1,
                          "%s needs a file name, a pattern or a list of them", fn);
    return 0;
}

static void defaults(lh_file_opts_t *o, lh_file_format_t f)
{
    memset(o, 0, sizeof *o);
    o->format = f;
    o->hive = -1;
    o->header = -1;
    o->hive_autocast = true;
    o->auto_detect = true;
    o->records = true;
}

static int read_options(lh_bind_env_t *env, const lh_ast_t *n, const char *fn, lh_file_opts_t *o)
{
    const lh_ast_list_t *args = &n->u.table_func.args;
    const char **names = n->u.table_func.arg_names;
    int rc = path_arg(env, args->n ? args->items[0] : NULL, fn, o);
    for (uint32_t i = 1; !rc && i < args->n; i++) {
        const char *nm = names ? names[i] : NULL;
        size_t k = 0;
        while (nm && k < sizeof options / sizeof options[0] &&
               (strcasecmp(options[k].name, nm) || !(options[k].formats >> o->format & 1)))
            k++;
        if (!nm)
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, args->items[i]->pos,
                              "No function matches the given name and argument types: %s takes "
                              "one path argument and named options",
                              fn);
        if (k == sizeof options / sizeof options[0])
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, args->items[i]->pos,
                              "Invalid named parameter \"%s\" for function %s", nm, fn);
        rc = options[k].fn(env, args->items[i], o);
    }
    return rc;
}

/* DuckDB casts a partition value only when it reads back the same: "05" stays text. */
static bool canonical_int(const char *v, int64_t i)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", (long long)i);
    return !strcmp(buf, v);
}

static lh_type_t hive_type(const char *const *vals, uint32_t n, uint32_t stride, bool autocast)
{
    static const lh_type_id_t order[] = {LH_TYPE_DATE, LH_TYPE_TIMESTAMP, LH_TYPE_BIGINT};
    for (size_t k = 0; autocast && k < sizeof order / sizeof order[0]; k++) {
        bool all = true;
        for (uint32_t f = 0; f < n && all; f++) {
            const char *v = vals[f * stride];
            int32_t d;
            int64_t us, i;
            all = !*v || !strcmp(v, "NULL") ||
                  (order[k] == LH_TYPE_DATE        ? lh__parse_date(v, strlen(v), &d)
                   : order[k] == LH_TYPE_TIMESTAMP ? lh__parse_timestamp(v, strlen(v), false, &us)
                                                   : parse_i64(v, &i) && canonical_int(v, i));
        }
        if (all) return lh_type(order[k]);
    }
    return lh_type(LH_TYPE_VARCHAR);
}

int lh__bind_file_set(lh_bind_env_t *env, int32_t pos, const lh_file_opts_t *o, lh_file_set_t *fs)
{
    memset(fs, 0, sizeof *fs);
    lh_err_t e = {0};
    lh_arena_t *a = env->arena;
    if (lh__files_expand(a, env->lake, o->patterns, o->npat, &fs->list, &e))
        return lh_sql_err(env->err, e.code == LH_ENOMEM ? LH_ENOMEM : LH_EINVAL,
                          e.code == LH_ENOMEM ? LH_SQL_EOOM : LH_SQL_EIO, pos, "%s", e.msg);
    if (!o->hive) return 0;
    enum { MAXK = 32 };
    const char *keys[MAXK], *vals[MAXK];
    uint32_t nk = lh__hive_parts(a, fs->list.paths[0], keys, vals, MAXK);
    if (!nk) return 0;
    const char **all = lh_arena_calloc(a, ((size_t)fs->list.n * nk + 1) * sizeof *all);
    fs->hive_vals = lh_arena_calloc(a, (fs->list.n + 1) * sizeof *fs->hive_vals);
    fs->hive_keys = lh_arena_calloc(a, (nk + 1) * sizeof *fs->hive_keys);
    fs->hive_types = lh_arena_calloc(a, (nk + 1) * sizeof *fs->hive_types);
    if (!all || !fs->hive_vals || !fs->hive_keys || !fs->hive_types) return LH_ENOMEM;
    memcpy(fs->hive_keys, keys, nk * sizeof *keys);
    for (uint32_t f = 0; f < fs->list.n; f++) {
        const char *fk[MAXK], *fv[MAXK];
        uint32_t m = lh__hive_parts(a, fs->list.paths[f], fk, fv, MAXK);
        bool same = m == nk;
        for (uint32_t k = 0; same && k < nk; k++)
            same = !strcmp(fk[k], keys[k]);
        if (!same) {
            if (o->hive < 0) return 0; /* auto: not a Hive layout */
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EIO, pos,
                              "Hive partition mismatch between file \"%s\" and \"%s\"",
                              fs->list.urls[0], fs->list.urls[f]);
        }
        fs->hive_vals[f] = all + (size_t)f * nk;
        memcpy(all + (size_t)f * nk, fv, nk * sizeof *fv);
    }
    fs->nhive = nk;
    for (uint32_t k = 0; k < nk; k++)
        fs->hive_types[k] = hive_type(all + k, fs->list.n, nk, o->hive_autocast);
    return 0;
}

int lh__bind_files_scope(lh_bind_env_t *env, const lh_plan_t *p, const char *alias, lh_bscope_t *sc)
{
    sc->n = p->ncols;
    sc->cols = lh_arena_calloc(env->arena, (p->ncols + 1) * sizeof *sc->cols);
    if (!sc->cols) return LH_ENOMEM;
    for (uint32_t i = 0; i < p->ncols; i++)
        sc->cols[i] = (lh_bcol_t){.qual = alias, .name = p->cols[i].name, .type = p->cols[i].type};
    return 0;
}

/* Parquet: the first file's schema, then the Hive and filename columns as
 * the scan's partition constants. */
static int bind_parquet(lh_bind_env_t *env, int32_t pos, const lh_file_opts_t *o,
                        const lh_file_set_t *fs, lh_plan_t **plan)
{
    lh_pq_reader_t *r;
    lh_err_t e = {0};
    const lh_file_list_t *l = &fs->list;
    if (l->os ? lh_pq_reader_open_object(l->os, l->bucket, l->paths[0], &r, &e)
              : lh_pq_reader_open_file(l->paths[0], &r, &e))
        return lh_sql_err(env->err, e.code == LH_ENOMEM ? LH_ENOMEM : LH_EINVAL,
                          e.code == LH_ENOENT ? LH_SQL_EIO : LH_SQL_EIO, pos, "%s: %s", l->urls[0],
                          e.msg);
    const lh_type_t *schema = lh_pq_reader_schema(r);
    uint32_t nf = schema->nfields, ncols = nf + fs->nhive + o->filename;
    lh_arena_t *a = env->arena;
    lh_plan_t *p = lh_plan_new(a, LH_PLAN_SCAN_PARQUET, ncols);
    int rc = p ? 0 : LH_ENOMEM;
    if (p) {
        p->est_rows = (double)lh_pq_reader_num_rows(r) * l->n;
        p->u.pq.names = lh_arena_calloc(a, (ncols + 1) * sizeof *p->u.pq.names);
        rc = p->u.pq.names ? 0 : LH_ENOMEM;
    }
    for (uint32_t i = 0; !rc && i < nf; i++) {
        p->cols[i].name = p->u.pq.names[i] = lh_arena_strdup(a, schema->fields[i].name);
        if (!p->cols[i].name || lh_type_copy(a, &schema->fields[i].type, &p->cols[i].type))
            rc = LH_ENOMEM;
    }
    lh_pq_reader_close(r);
    if (rc) return rc;
    p->u.pq.os = l->os;
    p->u.pq.bucket = l->bucket;
    p->u.pq.keys = l->paths;
    p->u.pq.nfiles = l->n;
    if (ncols > nf) {
        p->u.pq.is_part = lh_arena_calloc(a, (ncols + 1) * sizeof *p->u.pq.is_part);
        p->u.pq.part_text = lh_arena_calloc(a, (l->n + 1) * sizeof *p->u.pq.part_text);
        if (!p->u.pq.is_part || !p->u.pq.part_text) return LH_ENOMEM;
        for (uint32_t c = nf; c < ncols; c++) {
            bool fname = c == nf && o->filename; /* filename, then the Hive keys (DuckDB) */
            uint32_t k = c - nf - o->filename;
            p->u.pq.is_part[c] = true;
            p->cols[c].name = p->u.pq.names[c] = fname ? "filename" : fs->hive_keys[k];
            p->cols[c].type = fname ? lh_type(LH_TYPE_VARCHAR) : fs->hive_types[k];
        }
        for (uint32_t f = 0; f < l->n; f++) {
            const char **t = lh_arena_calloc(a, (ncols + 1) * sizeof *t);
            if (!(p->u.pq.part_text[f] = t)) return LH_ENOMEM;
            for (uint32_t k = 0; k < fs->nhive; k++)
                t[nf + o->filename + k] =
                    strcmp(fs->hive_vals[f][k], "NULL") ? fs->hive_vals[f][k] : NULL;
            if (o->filename) t[nf] = l->urls[f];
        }
    }
    *plan = p;
    return 0;
}

static const struct {
    const char *name;
    lh_file_format_t format;
} funcs[] = {
    {"read_parquet", FF_PARQUET}, {"parquet_scan", FF_PARQUET},  {"read_csv", FF_CSV},
    {"read_csv_auto", FF_CSV},    {"read_json", FF_JSON},        {"read_json_auto", FF_JSON},
    {"read_ndjson", FF_JSON},     {"read_ndjson_auto", FF_JSON},
};

static int bind_files(lh_bind_env_t *env, int32_t pos, const lh_file_opts_t *o, const char *alias,
                      lh_plan_t **plan, lh_bscope_t *sc)
{
    lh_file_set_t fs;
    int rc = lh__bind_file_set(env, pos, o, &fs);
    if (!rc)
        rc = o->format == FF_PARQUET ? bind_parquet(env, pos, o, &fs, plan)
                                     : lh__bind_text_scan(env, pos, o, &fs, plan);
    return rc ? rc : lh__bind_files_scope(env, *plan, alias, sc);
}

int lh__bind_file_func(lh_bind_env_t *env, const lh_ast_t *n, lh_plan_t **plan, lh_bscope_t *sc,
                       bool *handled)
{
    const char *name = n->u.table_func.name.parts[n->u.table_func.name.n - 1];
    size_t k = 0;
    while (k < sizeof funcs / sizeof funcs[0] && strcasecmp(funcs[k].name, name))
        k++;
    *handled = k < sizeof funcs / sizeof funcs[0];
    if (!*handled) return 0;
    lh_file_opts_t o;
    defaults(&o, funcs[k].format);
    int rc = read_options(env, n, name, &o);
    return rc ? rc : bind_files(env, n->pos, &o, n->alias ? n->alias : name, plan, sc);
}

static bool has_ext(const char *path, const char *ext)
{
    const char *dot = strrchr(path, '/');
    dot = dot ? dot : path;
    const char *e = strstr(dot, ext);
    return e &&
           (!e[strlen(ext)] || !strcmp(e + strlen(ext), ".gz") || !strcmp(e + strlen(ext), ".zst"));
}

int lh__bind_file_path(lh_bind_env_t *env, const char *path, int32_t pos, const char *alias,
                       lh_plan_t **plan, lh_bscope_t *sc)
{
    lh_file_format_t f =
        has_ext(path, ".csv") || has_ext(path, ".tsv") ? FF_CSV
        : has_ext(path, ".json") || has_ext(path, ".jsonl") || has_ext(path, ".ndjson")
            ? FF_JSON
            : FF_PARQUET;
    lh_file_opts_t o;
    defaults(&o, f);
    o.patterns = lh_arena_calloc(env->arena, 2 * sizeof *o.patterns);
    if (!o.patterns) return LH_ENOMEM;
    o.patterns[0] = path;
    o.npat = 1;
    return bind_files(env, pos, &o, alias, plan, sc);
}
