/* READ_FILES: CSV and newline-delimited JSON files one after another
 * (read_csv, read_json), streamed through a buffer that grows only to the
 * longest record: each refill reads the next piece of the (decompressed)
 * file, records are parsed in place and their fields converted straight into
 * the output batch's vectors. A JSON array, or JSON values spread over
 * lines, is read whole and its elements become the rows. A batch never spans two files, so the Hive
 * and filename columns are one value per batch. In a parallel pipeline each thread's scan takes
 * whole files from the pipeline's morsels. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "sql/exec/csv.h"
#include "sql/exec/exec_int.h"
#include "sql/exec/files.h"
#include "sql/exec/morsel.h"
#include "sql/exec/ndjson.h"
#include "sql/exec/scan_cache.h"
#include "sql/func/func_int.h"
#include "store/objstore.h"

#define BUF_START ((size_t)1 << 20)

typedef struct text_op {
    lh_file_reader_t *r;
    uint32_t file;   /* the open file, or the next to open */
    lh_morsels_t *m; /* parallel: the pipeline's files to share, else NULL */
    bool started;    /* parallel: the first file was taken */
    char *buf;
    size_t cap, start, len;
    bool eof;
    uint64_t line; /* lines before buf + start */
    bool header_due;
    uint32_t skip_due;
    lh_csv_row_t row;
    json_t *doc; /* formats 3 and 4: the open file's rows, and the next one */
    size_t elem;
    lh_json_span_t *spans; /* format 2: per file column, its value in the line */
    const char **keys;     /* format 2: per file column, its key; NULL when nothing reads it */
    const char **keys_all; /* the same for a scan cache entry of every column */
    const char **keys_read;
    char *scratch; /* unescaped strings */
    size_t scratch_cap;
    lh_expr_state_t **conds; /* the plan's file_conds */
    lh_batch_t *path_row;    /* one row: a file's filename and Hive values, for conds */
    uint32_t path_sel[1];
    /* the scan cache (ex->cache) when this scan can use it: the open file's
       entry being read (cr), the last one read, whose strings the handed
       batch may point into until the next call (cr_done), the one being
       written while the file is parsed (cw) */
    bool cacheable;
    lh_type_t *types; /* the file columns' types */
    char etag[80];    /* the open file's ETag and size, as its key has them */
    int64_t size;
    lh_scan_cache_rd_t *cr, *cr_done;
    lh_scan_cache_wr_t *cw;
    char *desc; /* what identifies the open file's entry (its key is this hashed) */
    size_t ndesc;
    /* derived columns (u.text.derived): their expressions, and per column
       its entry of the open file being read (dr; dr_done: the last file's,
       which the handed batch may point into until the next call) or written
       (dw), and a batch of one column to read it into */
    uint32_t base; /* the output columns before the derived ones */
    lh_expr_state_t **dx;
    lh_batch_t **db;
    lh_scan_cache_rd_t **dr, **dr_done;
    lh_scan_cache_wr_t **dw;
} text_op_t;

static int put_text(lh_vector_t *v, uint32_t row, const char *s, size_t n)
{
    lh_int128_t i;
    switch ((lh_type_id_t)v->type.id) {
    case LH_TYPE_BOOLEAN: {
        bool b;
        if (!lh__parse_bool(s, n, &b)) return LH_EINVAL;
        ((uint8_t *)v->data)[row] = b;
        return 0;
    }
    case LH_TYPE_BIGINT:
        if (!lh__parse_exact(s, n, 0, &i) || i < INT64_MIN || i > INT64_MAX) return LH_EINVAL;
        ((int64_t *)v->data)[row] = (int64_t)i;
        return 0;
    case LH_TYPE_DOUBLE:
        return lh__parse_double(s, n, &((double *)v->data)[row]) ? 0 : LH_EINVAL;
    case LH_TYPE_DATE:
        return lh__parse_date(s, n, &((int32_t *)v->data)[row]) ? 0 : LH_EINVAL;
    case LH_TYPE_TIME:
        return lh__parse_time(s, n, &((int64_t *)v->data)[row]) ? 0 : LH_EINVAL;
    case LH_TYPE_TIMESTAMP:
        return lh__parse_timestamp(s, n, false, &((int64_t *)v->data)[row]) ? 0 : LH_EINVAL;
    case LH_TYPE_VARCHAR:
        return lh_vector_set_string(v, row, s, n);
    default: /* a type given with types = [...] or columns = {...} */
        return lh__json_text_to_vector(v, row, s, n);
    }
}

static int extra_columns(lh_op_t *op, text_op_t *st, lh_batch_t *b);

/* Whether the file_conds hold on file st->file's filename and Hive values.
 * One that cannot be evaluated there (a value that does not convert) keeps
 * the file: the filter over its rows meets the same error. */
static bool file_conds_hold(lh_op_t *op, text_op_t *st)
{
    const lh_plan_t *p = op->plan;
    if (!p->u.text.nfile_conds) return true;
    lh_sql_error_t keep = *op->ex->err;
    lh_batch_t *b = st->path_row;
    lh_batch_reset(b);
    b->count = 1;
    bool hold = true;
    if (!extra_columns(op, st, b))
        for (uint32_t i = 0; hold && i < p->u.text.nfile_conds; i++) {
            uint32_t n;
            if (lh_expr_select(st->conds[i], b, 1, st->path_sel, &n)) break;
            hold = n == 1;
        }
    *op->ex->err = keep;
    return hold;
}

static int refill(lh_op_t *op, text_op_t *st);

/* On to the next file: the one after (serial) or the morsels' next (parallel;
 * nfiles when none is left). */
static void advance(const lh_plan_t *p, text_op_t *st)
{
    uint32_t f;
    if (!st->m)
        st->file++;
    else
        st->file = lh__morsels_next_file(st->m, &f) ? f : p->u.text.nfiles;
}

/* The scan cache's key of file f: the object (bucket, key, listed ETag and
 * size) and everything that decides its rows. False when it has none (a key
 * that was not listed). scan_warm.c computes the same key for an object it
 * writes, with read_json's options as the binder leaves them. */
static bool cache_key(const lh_plan_t *p, text_op_t *st, lh_scan_cache_key_t *k)
{
    uint32_t f = st->file;
    const char *etag = p->u.text.etags[f];
    int64_t size = p->u.text.sizes[f];
    lh_objstore_meta_t meta = {0};
    lh_err_t e = {0};
    if (!etag) { /* named without a wildcard: not listed */
        if (lh_objstore_head(p->u.text.os, p->u.text.bucket, p->u.text.keys[f], &meta, &e) ||
            !meta.etag[0])
            return false;
        etag = meta.etag;
        size = meta.size;
    }
    snprintf(st->etag, sizeof st->etag, "%s", etag);
    st->size = size;
    const char **names = malloc((p->u.text.nfilecols + 1) * sizeof *names);
    if (!names) return false;
    for (uint32_t c = 0; c < p->u.text.nfilecols; c++)
        names[c] = p->cols[c].name;
    lh_scan_text_id_t id = {.bucket = p->u.text.bucket,
                            .key = p->u.text.keys[f],
                            .etag = etag,
                            .size = size,
                            .format = p->u.text.format,
                            .compression = p->u.text.compression,
                            .header = p->u.text.header,
                            .skip = p->u.text.skip,
                            .delim = p->u.text.delim,
                            .quote = p->u.text.quote,
                            .escape = p->u.text.escape,
                            .nullstr = p->u.text.nullstr,
                            .ncols = p->u.text.nfilecols,
                            .json_keys = p->u.text.json_keys,
                            .names = names,
                            .types = st->types};
    char *d = NULL;
    size_t n = 0;
    bool ok = !lh__scan_cache_text_key(&id, k, &d, &n);
    free(names);
    free(st->desc);
    st->desc = ok ? d : NULL;
    st->ndesc = ok ? n : 0;
    return ok;
}

/* A derived expression as text, for its entry's key: kinds, types,
 * functions, constants and the names of the columns it reads. */
static void expr_text(FILE *m, const lh_bexpr_t *e, const lh_plan_t *p)
{
    char t[256];
    lh_type_format(&e->type, t, sizeof t);
    fprintf(m, "(%u %s %d", e->kind, t, e->negated);
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_CONST: {
        lh_buf_t b;
        lh_buf_init(&b, 1 << 20);
        if (e->u.c.is_null)
            fputs(" NULL", m);
        else if (!lh_value_text(&e->u.c, &b))
            fprintf(m, " %zu:%.*s", b.len, (int)b.len, b.ptr);
        else
            fputs(" ?", m); /* no key: see derive_open */
        lh_buf_free(&b);
        break;
    }
    case LH_BX_COLREF:
        fprintf(m, " %u:%s", e->u.col, p->cols[e->u.col].name);
        break;
    case LH_BX_FUNC:
        fprintf(m, " %s", e->u.func.def ? e->u.func.def->name : "?");
        for (uint32_t i = 0; i < e->u.func.nargs; i++)
            expr_text(m, e->u.func.args[i], p);
        break;
    case LH_BX_CAST:
        fprintf(m, " %d", e->u.cast.try_cast);
        expr_text(m, e->u.cast.arg, p);
        break;
    case LH_BX_PARAM:
    case LH_BX_IN_SET:
        fputs(" ?", m);
        break;
    default:
        for (uint32_t i = 0; i < e->u.list.n; i++)
            expr_text(m, e->u.list.items[i], p);
        break;
    }
    fputc(')', m);
}

/* Whether nothing reads derived column k (column pruning left it out). */
static bool derived_unread(const lh_plan_t *p, const text_op_t *st, uint32_t k)
{
    return p->u.text.read && !p->u.text.read[st->base + k];
}

/* The open file's entries of the derived columns: each read when there is
 * one, else written while the file is read (when its lock is had). */
static void derive_open(lh_op_t *op, text_op_t *st)
{
    const lh_plan_t *p = op->plan;
    for (uint32_t k = 0; k < p->u.text.nderived; k++) {
        if (derived_unread(p, st, k)) continue;
        char *d = NULL;
        size_t n = 0;
        FILE *m = open_memstream(&d, &n);
        if (!m) continue;
        fwrite(st->desc, 1, st->ndesc, m);
        fputs("derived", m);
        fputc(0, m);
        expr_text(m, p->u.text.derived[k], p);
        bool ok = !ferror(m) && !fclose(m) && !memmem(d, n, " ?", 2);
        lh_scan_cache_key_t key;
        const lh_type_t *t = &p->cols[st->base + k].type;
        if (ok && lh__scan_cache_type_ok(t) && !lh__scan_cache_key(d, n, &key)) {
            int lock = -1; /* another scan writing it: computed here, not waited for */
            if (!lh__scan_cache_try(op->ex->cache, &key, t, 1, &st->dr[k], &lock) && lock >= 0)
                st->dw[k] = lh__scan_cache_begin(op->ex->cache, &key, t, 1, NULL, lock);
        }
        free(d);
    }
}

/* The open file is done: its derived entries being written are kept when
 * keep, those read wait for the next call (the handed batch points into
 * them). */
static void derive_end(const lh_plan_t *p, text_op_t *st, bool keep)
{
    for (uint32_t k = 0; k < p->u.text.nderived; k++) {
        lh__scan_cache_end(st->dw[k], keep);
        st->dw[k] = NULL;
        lh__scan_cache_rd_close(st->dr_done[k]);
        st->dr_done[k] = st->dr[k];
        st->dr[k] = NULL;
    }
}

/* The derived columns of batch b: read from their entries, or computed
 * from its other columns (and written to theirs). */
static int derive(lh_op_t *op, text_op_t *st, lh_batch_t *b)
{
    const lh_plan_t *p = op->plan;
    int rc = 0;
    lh_sql_scope_t was = lh_sql_scope_enter(b); /* one scope: they read the same rows */
    for (uint32_t k = 0; !rc && k < p->u.text.nderived; k++) {
        lh_vector_t *out = &b->cols[st->base + k];
        if (derived_unread(p, st, k)) {
            lh_vector_set_null(out, 0);
            lh_vector_set_constant(out);
            continue;
        }
        if (st->dr[k]) {
            lh_batch_t *one = st->db[k];
            uint32_t got = 0;
            lh_batch_reset(one);
            int r = lh__scan_cache_read(st->dr[k], one, &got);
            if (r == LH_ENOMEM) {
                rc = lh_sql_err(op->ex->err, r, LH_SQL_EOOM, -1, "out of memory");
                break;
            }
            if (!r && got == b->count) {
                if (lh_vector_copy_view(out, 0, &one->cols[0], NULL, got))
                    rc = lh_sql_err(op->ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
                op->derived_read++;
                continue;
            }
            /* damaged (the read removed it), or not of these rows: gone, and
               computed from here on */
            lh__scan_cache_rd_remove(st->dr[k]);
            st->dr[k] = NULL;
        }
        const lh_vector_t *v;
        if ((rc = lh_expr_eval(st->dx[k], b, NULL, b->count, &v))) break;
        op->derived_computed++;
        if (lh_vector_copy_view(out, 0, v, NULL, b->count)) {
            rc = lh_sql_err(op->ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
            break;
        }
        if (st->dw[k]) {
            lh_batch_t one = {.ncols = 1, .count = b->count, .cols = out};
            lh__scan_cache_append(st->dw[k], &one);
        }
    }
    lh_sql_scope_leave(was);
    return rc;
}

static int open_next(lh_op_t *op, text_op_t *st)
{
    const lh_plan_t *p = op->plan;
    lh_err_t e = {0};
    while (st->file < p->u.text.nfiles && !file_conds_hold(op, st))
        advance(p, st);
    if (st->file == p->u.text.nfiles) return 0;
    lh_scan_cache_key_t key;
    bool keyed = st->cacheable && cache_key(p, st, &key), lacking = false;
    int lock = -1;
    if (keyed) derive_open(op, st);
    if (keyed && lh__scan_cache_get(op->ex->cache, &key, st->types, p->u.text.nfilecols,
                                    p->u.text.read, &st->cr, &lock, &lacking, op->ex->cancel)) {
        json_decref(st->doc); /* the last file's rows (formats 3 and 4) */
        st->doc = NULL;
        return 0;
    }
    /* the entry holds the columns this scan reads; when one there lacked
       some of them, every column (no third reading for a third query) */
    if (keyed && lock >= 0)
        st->cw = lh__scan_cache_begin(op->ex->cache, &key, st->types, p->u.text.nfilecols,
                                      lacking ? NULL : p->u.text.read, lock);
    st->keys = st->cw && lacking ? st->keys_all : st->keys_read;
    if (lh__file_reader_open(p->u.text.os, p->u.text.bucket, p->u.text.keys[st->file],
                             (lh_compression_t)p->u.text.compression, &st->r, &e)) {
        lh__scan_cache_end(st->cw, false);
        st->cw = NULL;
        derive_end(p, st, false);
        return lh_sql_err(op->ex->err, LH_EIO, LH_SQL_EIO, -1, "%s", e.msg);
    }
    st->start = st->len = 0;
    st->eof = false;
    st->line = 0;
    st->header_due = p->u.text.format == 1 && p->u.text.header;
    st->skip_due = p->u.text.skip;
    json_decref(st->doc);
    st->doc = NULL;
    st->elem = 0;
    if (p->u.text.format < 3) { /* a UTF-8 byte order mark is not data */
        int rc = refill(op, st);
        if (!rc && st->len >= 3 && !memcmp(st->buf, "\xEF\xBB\xBF", 3)) st->start = 3;
        return rc;
    }
    int rc = lh__json_load_rows(st->r, p->u.text.format == 4, &st->doc, &e);
    if (rc)
        return lh_sql_err(op->ex->err, rc == LH_ENOMEM ? rc : LH_EINVAL,
                          rc == LH_ENOMEM ? LH_SQL_EOOM : LH_SQL_EINPUT, -1,
                          "Malformed JSON in file \"%s\", %s", p->u.text.urls[st->file], e.msg);
    return 0;
}

/* More bytes after buf[start..len): 0, with st->eof at the end of the file. */
static int refill(lh_op_t *op, text_op_t *st)
{
    if (st->start) {
        memmove(st->buf, st->buf + st->start, st->len - st->start);
        st->len -= st->start;
        st->start = 0;
    }
    if (st->len == st->cap) {
        if (st->cap >= 2 * LH_CSV_MAX_RECORD)
            return lh_sql_err(op->ex->err, LH_ETOOBIG, LH_SQL_EINPUT, -1,
                              "Maximum line size of %zu bytes exceeded in file \"%s\"",
                              LH_CSV_MAX_RECORD, op->plan->u.text.urls[st->file]);
        size_t cap = st->cap ? st->cap * 2 : BUF_START;
        char *b = realloc(st->buf, cap);
        if (!b) return lh_sql_err(op->ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
        st->buf = b;
        st->cap = cap;
    }
    size_t got;
    lh_err_t e = {0};
    if (lh__file_reader_read(st->r, st->buf + st->len, st->cap - st->len, &got, &e))
        return lh_sql_err(op->ex->err, LH_EIO, LH_SQL_EIO, -1, "%s", e.msg);
    st->len += got;
    st->eof = !got;
    return 0;
}

static int convert_err(lh_op_t *op, text_op_t *st, uint32_t c, const char *s, size_t n)
{
    const lh_plan_t *p = op->plan;
    return lh_sql_err(op->ex->err, LH_EINVAL, LH_SQL_ECONVERT, -1,
                      "%s Error on Line: %llu\nError when converting column \"%s\". Could not "
                      "convert string \"%.*s\" to '%s'\n\n  file = %s",
                      p->u.text.format == 1 ? "CSV" : "JSON", (unsigned long long)st->line + 1,
                      p->cols[c].name, (int)(n > 200 ? 200 : n), s,
                      lh_type_id_name((lh_type_id_t)p->cols[c].type.id), p->u.text.urls[st->file]);
}

static int csv_row(lh_op_t *op, text_op_t *st, lh_batch_t *b)
{
    const lh_plan_t *p = op->plan;
    const lh_csv_row_t *r = &st->row;
    uint32_t nf = p->u.text.nfilecols;
    if (r->n == 1 && !r->flen[0] && !r->quoted[0] && nf > 1) return 1; /* an empty line */
    if (r->n != nf)
        return lh_sql_err(op->ex->err, LH_EINVAL, LH_SQL_EINPUT, -1,
                          "CSV Error on Line: %llu\nExpected Number of Columns: %u Found: %u\n\n"
                          "  file = %s",
                          (unsigned long long)st->line + 1, nf, r->n, p->u.text.urls[st->file]);
    const char *ns = p->u.text.nullstr;
    size_t nsl = strlen(ns);
    for (uint32_t c = 0; c < nf; c++) {
        const char *f = r->buf + r->off[c];
        size_t n = r->flen[c];
        if (n == nsl && !memcmp(f, ns, n)) {
            lh_vector_set_null(&b->cols[c], b->count);
            continue;
        }
        int rc = put_text(&b->cols[c], b->count, f, n);
        if (rc == LH_EINVAL) return convert_err(op, st, c, f, n);
        if (rc) return lh_sql_err(op->ex->err, rc, LH_SQL_EOOM, -1, "out of memory");
    }
    return 0;
}

static int json_object_row(lh_op_t *op, text_op_t *st, lh_batch_t *b, const json_t *j)
{
    const lh_plan_t *p = op->plan;
    if (!json_is_object(j))
        return lh_sql_err(op->ex->err, LH_EINVAL, LH_SQL_EINPUT, -1,
                          "Malformed JSON in file \"%s\", at %s %llu: expected an object",
                          p->u.text.urls[st->file], p->u.text.format >= 3 ? "element" : "line",
                          (unsigned long long)(p->u.text.format >= 3 ? st->elem : st->line + 1));
    int rc = 0;
    for (uint32_t c = 0; !rc && c < p->u.text.nfilecols; c++) {
        const json_t *v = json_object_get(j, p->u.text.json_keys[c]);
        rc = lh__json_to_vector(&b->cols[c], b->count, v);
        if (rc == LH_EINVAL) {
            char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            rc = convert_err(op, st, c, t ? t : "?", t ? strlen(t) : 1);
            free(t);
        } else if (rc) {
            rc = lh_sql_err(op->ex->err, rc, LH_SQL_EOOM, -1, "out of memory");
        }
    }
    return rc;
}

static int json_row(lh_op_t *op, text_op_t *st, lh_batch_t *b, const char *line, size_t n)
{
    const lh_plan_t *p = op->plan;
    const char *why = NULL;
    if (2 * n > st->scratch_cap) { /* the line's strings unescaped, then a scratch copy */
        char *sc = realloc(st->scratch, 2 * n);
        if (!sc) return lh_sql_err(op->ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory");
        st->scratch = sc;
        st->scratch_cap = 2 * n;
    }
    int rc =
        lh__json_line(line, n, st->keys, p->u.text.nfilecols, st->spans, st->scratch + n, &why);
    if (rc)
        return rc > 0 ? 1
                      : lh_sql_err(op->ex->err, LH_EINVAL, LH_SQL_EINPUT, -1,
                                   "Malformed JSON in file \"%s\", at line %llu: %s",
                                   p->u.text.urls[st->file], (unsigned long long)st->line + 1, why);
    for (uint32_t c = 0; c < p->u.text.nfilecols; c++) {
        const lh_json_span_t *sp = &st->spans[c];
        rc = lh__json_span_to_vector(&b->cols[c], b->count, sp, st->scratch);
        if (rc == LH_EINVAL && p->u.text.read && !p->u.text.read[c]) {
            /* read only for the scan cache: the query does not see it, so it
               does not fail it, and the file gets no entry */
            lh_vector_set_null(&b->cols[c], b->count);
            lh__scan_cache_end(st->cw, false);
            st->cw = NULL;
            continue;
        }
        if (rc == LH_EINVAL) return convert_err(op, st, c, sp->p, sp->n);
        if (rc) return lh_sql_err(op->ex->err, rc, LH_SQL_EOOM, -1, "out of memory");
    }
    return 0;
}

/* The next record of the open file into row b->count: 1 when one was added
 * (or skipped), 0 at the end of the file. */
static int next_record(lh_op_t *op, text_op_t *st, lh_batch_t *b, bool *added)
{
    const lh_plan_t *p = op->plan;
    *added = false;
    if (p->u.text.format >= 3) {
        if (st->elem >= json_array_size(st->doc)) return 0;
        st->elem++;
        int rc = json_object_row(op, st, b, json_array_get(st->doc, st->elem - 1));
        *added = !rc;
        return rc < 0 ? rc : 1;
    }
    for (;;) {
        const char *at = st->buf + st->start;
        size_t avail = st->len - st->start, used = 0;
        int rc;
        if (st->skip_due || p->u.text.format == 2) {
            const char *nl = avail ? memchr(at, '\n', avail) : NULL;
            rc = nl || (st->eof && avail);
            used = nl ? (size_t)(nl - at) + 1 : avail;
        } else {
            lh_err_t e;
            lh_err_init(&e); /* per record: not 516 bytes zeroed each time */
            lh_csv_dialect_t d = {p->u.text.delim, p->u.text.quote, p->u.text.escape};
            rc = lh__csv_record(&d, at, avail, st->eof, &st->row, &used, &e);
            if (rc < 0)
                return lh_sql_err(op->ex->err, rc, LH_SQL_EINPUT, -1,
                                  "CSV Error on Line: %llu\n%s\n\n  file = %s",
                                  (unsigned long long)st->line + 1, e.msg,
                                  p->u.text.urls[st->file]);
        }
        if (!rc) {
            if (st->eof) return 0;
            if ((rc = refill(op, st))) return rc;
            continue;
        }
        st->start += used;
        if (st->skip_due) {
            st->skip_due--;
            st->line++;
            continue;
        }
        if (p->u.text.format == 2) {
            rc = json_row(op, st, b, at, used - (at[used - 1] == '\n'));
            st->line++;
        } else if (st->header_due) {
            st->header_due = false;
            st->line += st->row.newlines;
            continue;
        } else {
            rc = csv_row(op, st, b);
            st->line += st->row.newlines;
        }
        if (rc < 0) return rc;
        *added = rc == 0;
        return 1;
    }
}

static int extra_columns(lh_op_t *op, text_op_t *st, lh_batch_t *b)
{
    const lh_plan_t *p = op->plan;
    uint32_t nf = p->u.text.nfilecols;
    for (uint32_t k = 0; k < p->u.text.nhive + p->u.text.filename; k++) {
        bool fname = p->u.text.filename && !k; /* filename first, as DuckDB */
        const char *v = fname ? p->u.text.urls[st->file]
                              : p->u.text.part_text[st->file][k - p->u.text.filename];
        lh_vector_t *vec = &b->cols[nf + k];
        /* one value for the batch: a constant, so what is computed from it
           (CAST(ds || ' ' || hour ...)) is computed once */
        if (!fname && (!*v || !strcmp(v, "NULL")))
            lh_vector_set_null(vec, 0);
        else if (put_text(vec, 0, v, strlen(v)))
            return lh_sql_err(op->ex->err, LH_EINVAL, LH_SQL_ECONVERT, -1,
                              "partition value '%s' of %s does not convert", v,
                              p->cols[nf + k].name);
        lh_vector_set_constant(vec);
    }
    return 0;
}

/* The open file was read to its end: its cache entry is kept when every get
 * saw the ETag the listing gave; on to the next file. */
static void end_file(const lh_plan_t *p, text_op_t *st)
{
    const char *seen = lh__file_reader_etag(st->r);
    bool whole = seen && !strcmp(seen, st->etag) && lh__file_reader_fetched(st->r) == st->size;
    lh__scan_cache_end(st->cw, whole);
    st->cw = NULL;
    derive_end(p, st, whole);
    lh__file_reader_close(st->r);
    st->r = NULL;
    advance(p, st);
}

static int text_next(lh_op_t *op, lh_batch_t **out)
{
    text_op_t *st = op->priv;
    const lh_plan_t *p = op->plan;
    lh_batch_t *b = op->out;
    lh_batch_reset(b);
    *out = NULL;
    if (st->m && !st->started) {
        st->started = true;
        advance(p, st);
    }
    lh__scan_cache_rd_close(st->cr_done); /* the batch that pointed into it was reset */
    st->cr_done = NULL;
    for (uint32_t k = 0; k < p->u.text.nderived; k++) {
        lh__scan_cache_rd_close(st->dr_done[k]);
        st->dr_done[k] = NULL;
    }
    while (st->file < p->u.text.nfiles) {
        int rc = st->r || st->cr ? 0 : open_next(op, st);
        if (rc) return rc;
        if (st->cr) { /* the file's rows from the scan cache */
            uint32_t got;
            if ((rc = lh__scan_cache_read(st->cr, b, &got)) == LH_ENOMEM)
                return lh_sql_err(op->ex->err, rc, LH_SQL_EOOM, -1, "out of memory");
            if (rc)
                return lh_sql_err(op->ex->err, LH_ECORRUPT, LH_SQL_EIO, -1,
                                  "the scan cache's entry of \"%s\" is damaged (it was "
                                  "removed: the next query reads the file)",
                                  p->u.text.urls[st->file]);
            bool more = got > 0;
            if (more && ((rc = extra_columns(op, st, b)) || (rc = derive(op, st, b)))) return rc;
            if (!more || lh__scan_cache_done(st->cr)) {
                lh__scan_cache_rd_close(st->cr_done); /* an empty one's: b holds nothing of it */
                st->cr_done = st->cr;
                st->cr = NULL;
                derive_end(p, st, true);
                advance(p, st);
            }
            if (!more) continue;
            *out = b;
            return 0;
        }
        if (!st->r) break; /* the rest failed the Hive predicates */
        while (!rc && b->count < LH_BATCH_ROWS) {
            bool added;
            rc = next_record(op, st, b, &added);
            if (rc == 1) {
                b->count += added;
                rc = 0;
            } else if (!rc) {
                break;
            }
        }
        if (rc < 0) return rc;
        lh__scan_cache_append(st->cw, b); /* the file's columns, before the Hive ones */
        if (b->count) {
            if ((rc = extra_columns(op, st, b)) || (rc = derive(op, st, b))) return rc;
            if (b->count < LH_BATCH_ROWS) end_file(p, st); /* the file ended */
            *out = b;
            return 0;
        }
        end_file(p, st);
    }
    return 0;
}

static void text_close(lh_op_t *op)
{
    text_op_t *st = op->priv;
    if (!st) return;
    lh__scan_cache_end(st->cw, false); /* not read to the end */
    st->cw = NULL;
    for (uint32_t k = 0; st->dw && k < op->plan->u.text.nderived; k++) {
        lh__scan_cache_end(st->dw[k], false);
        lh__scan_cache_rd_close(st->dr[k]);
        lh__scan_cache_rd_close(st->dr_done[k]);
        lh_expr_state_free(st->dx[k]);
        lh_batch_free(st->db[k]);
    }
    st->dw = NULL;
    free(st->desc);
    st->desc = NULL;
    lh__scan_cache_rd_close(st->cr);
    lh__scan_cache_rd_close(st->cr_done);
    st->cr = st->cr_done = NULL;
    lh__file_reader_close(st->r);
    st->r = NULL;
    free(st->buf);
    st->buf = NULL;
    json_decref(st->doc);
    st->doc = NULL;
    free(st->scratch);
    st->scratch = NULL;
    lh__csv_row_free(&st->row);
    for (uint32_t i = 0; st->conds && i < op->plan->u.text.nfile_conds; i++)
        lh_expr_state_free(st->conds[i]);
    st->conds = NULL;
    lh_batch_free(st->path_row);
    st->path_row = NULL;
}

int lh__op_scan_text(lh_op_t *op)
{
    text_op_t *st = lh_arena_calloc(op->ex->arena, sizeof *st);
    if (!st) return LH_ENOMEM;
    op->priv = st;
    op->next = text_next;
    op->close = text_close;
    if (op->ex->morsels && op->ex->morsels->scan == op->plan) st->m = op->ex->morsels;
    const lh_plan_t *p = op->plan;
    st->spans = lh_arena_calloc(op->ex->arena, (p->ncols + 1) * sizeof *st->spans);
    st->keys = st->keys_read = lh_arena_calloc(op->ex->arena, (p->ncols + 1) * sizeof *st->keys);
    st->keys_all = lh_arena_calloc(op->ex->arena, (p->ncols + 1) * sizeof *st->keys);
    if (!st->spans || !st->keys || !st->keys_all) return LH_ENOMEM;
    st->cacheable = op->ex->cache && p->u.text.etags && p->u.text.nfilecols;
    if (st->cacheable &&
        !(st->types = lh_arena_alloc(op->ex->arena, p->u.text.nfilecols * sizeof *st->types)))
        return LH_ENOMEM;
    for (uint32_t c = 0; st->cacheable && c < p->u.text.nfilecols; c++) {
        st->types[c] = p->cols[c].type;
        st->cacheable = lh__scan_cache_type_ok(&p->cols[c].type);
    }
    for (uint32_t c = 0; p->u.text.json_keys && c < p->u.text.nfilecols; c++) {
        st->keys_all[c] = p->u.text.json_keys[c];
        st->keys_read[c] = !p->u.text.read || p->u.text.read[c] ? p->u.text.json_keys[c] : NULL;
    }
    uint32_t nd = p->u.text.nderived;
    st->base = p->ncols - nd;
    if (nd) {
        lh_arena_t *a = op->ex->arena;
        st->dx = lh_arena_calloc(a, nd * sizeof *st->dx);
        st->db = lh_arena_calloc(a, nd * sizeof *st->db);
        st->dr = lh_arena_calloc(a, nd * sizeof *st->dr);
        st->dr_done = lh_arena_calloc(a, nd * sizeof *st->dr_done);
        st->dw = lh_arena_calloc(a, nd * sizeof *st->dw);
        if (!st->dx || !st->db || !st->dr || !st->dr_done || !st->dw) return LH_ENOMEM;
        for (uint32_t k = 0; k < nd; k++) {
            int rc = lh_expr_state_new(op->ex, p->u.text.derived[k], &st->dx[k]);
            if (rc) return rc;
            if (lh_batch_new(&p->cols[st->base + k].type, 1, &st->db[k])) return LH_ENOMEM;
        }
    }
    int rc = lh__op_out_batch(op);
    uint32_t nc = op->plan->u.text.nfile_conds;
    if (rc || !nc) return rc;
    st->conds = lh_arena_calloc(op->ex->arena, nc * sizeof *st->conds);
    if (!st->conds) return LH_ENOMEM;
    for (uint32_t i = 0; i < nc; i++)
        if ((rc = lh_expr_state_new(op->ex, op->plan->u.text.file_conds[i], &st->conds[i])))
            return rc;
    return lh__op_batch_new(op, &st->path_row);
}
