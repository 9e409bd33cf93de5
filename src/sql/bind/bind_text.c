/* read_csv and read_json: the first file's first megabyte is sniffed
 * (exec/csv.c, exec/ndjson.c) for the dialect, the header, the column names
 * and types; options given override what would be detected. The plan is a
 * SCAN_TEXT node over every file of the set, with the Hive partition and
 * filename columns after the files' own. */
#include <stdlib.h>
#include <string.h>

#include "sql/bind/bind_files.h"
#include "sql/exec/csv.h"
#include "sql/exec/ndjson.h"

#define SAMPLE_BYTES ((size_t)1 << 20)

static int io_err(lh_bind_env_t *env, int32_t pos, const lh_err_t *e)
{
    return lh_sql_err(env->err, e->code == LH_ENOMEM ? LH_ENOMEM : LH_EINVAL,
                      e->code == LH_ENOMEM ? LH_SQL_EOOM : LH_SQL_EIO, pos, "%s", e->msg);
}

/* The start of the first file, decompressed, in the arena. */
static int read_sample(lh_bind_env_t *env, int32_t pos, const lh_file_opts_t *o,
                       const lh_file_list_t *l, char **out, size_t *n, bool *eof)
{
    lh_file_reader_t *r;
    lh_err_t e = {0};
    if (lh__file_reader_open(l->os, l->bucket, l->paths[0], o->compression, &r, &e))
        return io_err(env, pos, &e);
    char *buf = lh_arena_alloc(env->arena, SAMPLE_BYTES + 1);
    size_t len = 0, got = 1;
    int rc = buf ? 0 : LH_ENOMEM;
    while (!rc && got && len < SAMPLE_BYTES) {
        rc = lh__file_reader_read(r, buf + len, SAMPLE_BYTES - len, &got, &e);
        len += got;
    }
    lh__file_reader_close(r);
    if (rc) return rc == LH_ENOMEM && !e.code ? rc : io_err(env, pos, &e);
    bool bom = len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3); /* a UTF-8 byte order mark */
    *out = buf + (bom ? 3 : 0);
    *n = len - (bom ? 3 : 0);
    *eof = !got;
    return 0;
}

static size_t skip_lines(const char *p, size_t n, uint32_t k)
{
    size_t at = 0;
    while (k-- && at < n) {
        const char *nl = memchr(p + at, '\n', n - at);
        at = nl ? (size_t)(nl - p) + 1 : n;
    }
    return at;
}

static int sniff_csv(lh_bind_env_t *env, int32_t pos, const lh_file_opts_t *o,
                     const lh_file_list_t *l, const char *p, size_t n, bool eof, lh_plan_t *p0,
                     uint32_t *ncols, const char ***names, lh_type_id_t **types)
{
    lh_csv_sniff_t s = {.d = {o->delim, o->quote, o->escape},
                        .header = o->header,
                        .all_varchar = o->all_varchar || !o->auto_detect,
                        .no_quote = o->quote_set && !o->quote,
                        .nullstr = o->nullstr};
    if (!o->auto_detect) {
        if (!s.d.delim) s.d.delim = ',';
        if (s.header < 0) s.header = 0;
    }
    lh_err_t e = {0};
    size_t at = skip_lines(p, n, o->skip);
    if (lh__csv_sniff(env->arena, p + at, n - at, eof, &s, &e))
        return e.code == LH_ENOMEM
                   ? LH_ENOMEM
                   : lh_sql_err(env->err, LH_EINVAL, LH_SQL_EINPUT, pos,
                                "Error when sniffing file \"%s\".\n%s", l->urls[0], e.msg);
    p0->u.text.delim = s.d.delim;
    p0->u.text.quote = s.d.quote;
    p0->u.text.escape = s.d.escape;
    p0->u.text.header = s.header > 0;
    *ncols = s.ncols;
    *names = s.names;
    *types = s.types;
    for (uint32_t i = 0; i < o->nnames && i < s.ncols; i++)
        s.names[i] = o->names[i];
    return 0;
}

/* A file read whole (format 'array', or 'unstructured'): the first file's rows. */
static int sniff_json_doc(lh_bind_env_t *env, int32_t pos, const lh_file_opts_t *o,
                          const lh_file_list_t *l, bool values, lh_json_sniff_t *s)
{
    lh_file_reader_t *r;
    lh_err_t e = {0};
    json_t *rows = NULL;
    int rc = lh__file_reader_open(l->os, l->bucket, l->paths[0], o->compression, &r, &e);
    if (!rc) {
        rc = lh__json_load_rows(r, values, &rows, &e);
        lh__file_reader_close(r);
    }
    if (!rc) rc = lh__json_sniff_array(env->arena, rows, s, &e);
    json_decref(rows);
    if (rc && e.code == LH_ENOMEM) return LH_ENOMEM;
    return rc ? lh_sql_err(env->err, LH_EINVAL, LH_SQL_EINPUT, pos,
                           "Malformed JSON in file \"%s\", %s", l->urls[0], e.msg)
              : 0;
}

static bool starts_array(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    return i < n && p[i] == '[';
}

/* The plan's format from the first file's sample: 2 newline-delimited, 3 an
 * array, 4 values spread over lines. Auto: '[' first is an array, else a
 * first line that is a whole value is newline-delimited. */
static uint8_t pick_json_format(const lh_file_opts_t *o, const char *p, size_t n, bool eof)
{
    static const uint8_t given[] = {[1] = 2, [2] = 3, [3] = 4};
    if (o->json_format) return given[o->json_format];
    if (starts_array(p, n)) return 3;
    return lh__json_first_line_whole(p, n, eof) ? 2 : 4;
}

static int sniff_json(lh_bind_env_t *env, int32_t pos, const lh_file_opts_t *o,
                      const lh_file_list_t *l, const char *p, size_t n, bool eof, uint8_t *format,
                      uint32_t *ncols, const char ***names, lh_type_id_t **types)
{
    lh_json_sniff_t s;
    lh_err_t e = {0};
    *format = pick_json_format(o, p, n, eof);
    if (o->columns) { /* the columns given: no sniffing (their types come later) */
        *ncols = o->nnames;
        *names = o->names;
        *types = lh_arena_calloc(env->arena, (o->nnames + 1) * sizeof **types);
        for (uint32_t i = 0; *types && i < o->nnames; i++)
            (*types)[i] = LH_TYPE_VARCHAR;
        return *types ? 0 : LH_ENOMEM;
    }
    int rc = *format > 2 ? sniff_json_doc(env, pos, o, l, *format == 4, &s) : 0;
    if (rc) return rc;
    if (*format == 2 && lh__json_sniff(env->arena, p, n, eof, &s, &e))
        return e.code == LH_ENOMEM
                   ? LH_ENOMEM
                   : lh_sql_err(env->err, LH_EINVAL, LH_SQL_EINPUT, pos,
                                "Malformed JSON in file \"%s\", %s", l->urls[0], e.msg);
    if (!s.ncols)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, pos,
                          "read_json: no columns found in file \"%s\"", l->urls[0]);
    *ncols = s.ncols;
    *names = s.names;
    *types = s.types;
    return 0;
}

/* A column type from types = [...] or columns = {...}: scalar types only. */
static int given_type(lh_bind_env_t *env, int32_t pos, const char *name, lh_type_t *out)
{
    lh_err_t e = {0};
    int rc = lh_type_parse(env->arena, name, strlen(name), out, &e);
    if (rc == LH_ENOMEM) return rc;
    if (rc || lh_type_is_nested(out) || out->id == LH_TYPE_INTERVAL)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, pos,
                          "read_csv: unsupported column type \"%s\"", name);
    return 0;
}

int lh__bind_text_scan(lh_bind_env_t *env, int32_t pos, const lh_file_opts_t *o,
                       const lh_file_set_t *fs, lh_plan_t **plan)
{
    char *sample = NULL;
    size_t n = 0;
    bool eof = false;
    int rc = read_sample(env, pos, o, &fs->list, &sample, &n, &eof);
    if (rc) return rc;
    lh_plan_t tmp = {0};
    uint32_t nf = 0;
    const char **names = NULL;
    lh_type_id_t *types = NULL;
    uint8_t format = 1;
    rc = o->format == FF_CSV
             ? sniff_csv(env, pos, o, &fs->list, sample, n, eof, &tmp, &nf, &names, &types)
             : sniff_json(env, pos, o, &fs->list, sample, n, eof, &format, &nf, &names, &types);
    if (rc) return rc;
    uint32_t ncols = nf + fs->nhive + o->filename;
    lh_plan_t *p = lh_plan_new(env->arena, LH_PLAN_SCAN_TEXT, ncols);
    if (!p) return LH_ENOMEM;
    p->u.text = tmp.u.text;
    p->est_rows = -1;
    p->u.text.os = fs->list.os;
    p->u.text.bucket = fs->list.bucket;
    p->u.text.keys = fs->list.paths;
    p->u.text.urls = fs->list.urls;
    p->u.text.etags = fs->list.etags;
    p->u.text.sizes = fs->list.sizes;
    p->u.text.nfiles = fs->list.n;
    p->u.text.nfilecols = nf;
    p->u.text.nhive = fs->nhive;
    p->u.text.filename = o->filename;
    p->u.text.part_text = fs->hive_vals;
    p->u.text.format = format;
    p->u.text.compression = (uint8_t)o->compression;
    p->u.text.nullstr = o->nullstr ? o->nullstr : "";
    p->u.text.skip = o->skip;
    p->u.text.json_keys = names;
    for (uint32_t c = 0; c < nf; c++)
        p->cols[c] = (lh_plan_col_t){.name = names[c], .type = lh_type(types[c])};
    if (o->format == FF_CSV && o->columns && o->nnames != nf)
        return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, pos,
                          "read_csv: columns names %u columns, the file \"%s\" has %u", o->nnames,
                          fs->list.urls[0], nf);
    for (uint32_t c = 0; (o->format == FF_CSV || o->columns) && c < o->ntypes && c < nf; c++)
        if ((rc = given_type(env, pos, o->types[c], &p->cols[c].type))) return rc;
    if (o->filename)
        p->cols[nf] = (lh_plan_col_t){.name = "filename", .type = lh_type(LH_TYPE_VARCHAR)};
    for (uint32_t k = 0; k < fs->nhive; k++)
        p->cols[nf + o->filename + k] =
            (lh_plan_col_t){.name = fs->hive_keys[k], .type = fs->hive_types[k]};
    *plan = p;
    return 0;
}
