/* Checkpoints (PROTOCOL.md "Checkpoints", the classic single-file form):
 * the state of the table at one version as one Parquet file
 * `_delta_log/<version>.checkpoint.parquet`, one action per row in the
 * columns txn, add, remove, metaData and protocol (exactly one non-NULL per
 * row), then `_delta_log/_last_checkpoint` pointing at it. Readers start
 * from the newest checkpoint instead of replaying every commit: reading
 * takes the columns by name, so checkpoints of other writers (Spark,
 * delta-rs, with extra fields or another order) read the same. */
#include <stdio.h>
#include <string.h>

#include "parquet/reader.h"
#include "parquet/writer.h"
#include "table/delta.h"
#include "table/delta_int.h"
#include "vector/batch.h"

/* The checkpoint's schema, as Spark and delta-rs write it (field names and
 * nesting are what readers look up). */
static const char checkpoint_type[] =
    "STRUCT(txn STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT), "
    "add STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, "
    "modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags MAP(VARCHAR, VARCHAR)), "
    "remove STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, "
    "extendedFileMetadata BOOLEAN, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT), "
    "metaData STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, "
    "format STRUCT(provider VARCHAR, options MAP(VARCHAR, VARCHAR)), schemaString VARCHAR, "
    "partitionColumns VARCHAR[], configuration MAP(VARCHAR, VARCHAR), createdTime BIGINT), "
    "protocol STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, "
    "readerFeatures VARCHAR[], writerFeatures VARCHAR[]))";

enum { COL_TXN, COL_ADD, COL_REMOVE, COL_META, COL_PROTOCOL, NCOLS };

static int set_str(lh_vector_t *v, uint32_t row, const char *s)
{
    if (!s) {
        lh_vector_set_null(v, row);
        return 0;
    }
    return lh_vector_set_string(v, row, s, strlen(s));
}

/* absent (< 0 where the field is optional) is NULL */
static int set_i64(lh_vector_t *v, uint32_t row, int64_t x, bool optional)
{
    if (optional && x < 0) {
        lh_vector_set_null(v, row);
        return 0;
    }
    lh_value_t val = lh_value_int(v->type.id, x);
    return lh_vector_set_value(v, row, &val);
}

static int set_bool(lh_vector_t *v, uint32_t row, bool b)
{
    lh_value_t val = lh_value_bool(b);
    return lh_vector_set_value(v, row, &val);
}

/* Paths are URIs in checkpoints as in commits. */
static int set_path(lh_vector_t *v, uint32_t row, const char *path)
{
    lh_buf_t uri;
    lh_buf_init(&uri, 0);
    int rc = lh__delta_path_encode(&uri, path);
    if (!rc) rc = set_str(v, row, uri.ptr ? uri.ptr : "");
    lh_buf_free(&uri);
    return rc;
}

static int set_map(lh_vector_t *v, uint32_t row, const lh_delta_map_t *m)
{
    uint32_t off;
    int rc = lh_vector_list_append(v, row, (uint32_t)m->n, &off);
    for (size_t i = 0; !rc && i < m->n; i++) {
        rc = set_str(lh_vector_map_keys(v), off + (uint32_t)i, m->items[i].key);
        if (!rc) rc = set_str(lh_vector_map_values(v), off + (uint32_t)i, m->items[i].value);
    }
    return rc;
}

static int set_list(lh_vector_t *v, uint32_t row, const char *const *s, size_t n, bool null)
{
    if (null) {
        lh_vector_set_null(v, row);
        return 0;
    }
    uint32_t off;
    int rc = lh_vector_list_append(v, row, (uint32_t)n, &off);
    for (size_t i = 0; !rc && i < n; i++)
        rc = set_str(v->child, off + (uint32_t)i, s[i]);
    return rc;
}

/* Row r: the action in column col, NULL in the others. */
static void only(lh_batch_t *b, uint32_t r, int col)
{
    for (int c = 0; c < NCOLS; c++)
        if (c != col) lh_vector_set_null(&b->cols[c], r);
}

typedef struct {
    lh_batch_t *b;
    lh_pq_writer_t *w;
    int64_t rows;
} ckpt_t;

/* The next row to fill, handing a full batch to the writer first. */
static int next_row(ckpt_t *c, uint32_t *row, lh_err_t *err)
{
    if (c->b->count == LH_BATCH_ROWS) {
        int rc = lh_pq_writer_write_batch(c->w, c->b, err);
        lh_batch_reset(c->b);
        if (rc) return rc;
    }
    *row = c->b->count++;
    c->rows++;
    return 0;
}

static int fill(ckpt_t *c, const lh_delta_snapshot_t *s, lh_err_t *err)
{
    uint32_t r;
    int rc = next_row(c, &r, err);
    if (rc) return rc;
    lh_vector_t *p = c->b->cols[COL_PROTOCOL].children;
    const lh_delta_protocol_t *pr = &s->protocol;
    only(c->b, r, COL_PROTOCOL);
    rc = set_i64(&p[0], r, pr->min_reader_version, false);
    if (!rc) rc = set_i64(&p[1], r, pr->min_writer_version, false);
    if (!rc)
        rc = set_list(&p[2], r, pr->reader_features, pr->nreader_features, !pr->reader_features);
    if (!rc)
        rc = set_list(&p[3], r, pr->writer_features, pr->nwriter_features, !pr->writer_features);

    if (!rc) rc = next_row(c, &r, err);
    if (rc) return rc;
    lh_vector_t *m = c->b->cols[COL_META].children;
    const lh_delta_metadata_t *md = &s->metadata;
    only(c->b, r, COL_META);
    rc = set_str(&m[0], r, md->id);
    if (!rc) rc = set_str(&m[1], r, md->name);
    if (!rc) rc = set_str(&m[2], r, md->description);
    if (!rc)
        rc = set_str(&m[3].children[0], r, md->format_provider ? md->format_provider : "parquet");
    if (!rc) rc = set_map(&m[3].children[1], r, &md->format_options);
    if (!rc) rc = set_str(&m[4], r, md->schema_string);
    if (!rc) rc = set_list(&m[5], r, md->partition_columns, md->npartition_columns, false);
    if (!rc) rc = set_map(&m[6], r, &md->configuration);
    if (!rc) rc = set_i64(&m[7], r, md->created_time, true);

    for (size_t i = 0; !rc && i < s->ntxns; i++) {
        if ((rc = next_row(c, &r, err))) return rc;
        lh_vector_t *x = c->b->cols[COL_TXN].children;
        only(c->b, r, COL_TXN);
        rc = set_str(&x[0], r, s->txns[i].app_id);
        if (!rc) rc = set_i64(&x[1], r, s->txns[i].version, false);
        if (!rc) rc = set_i64(&x[2], r, s->txns[i].last_updated, true);
    }
    for (size_t i = 0; !rc && i < s->nfiles; i++) {
        if ((rc = next_row(c, &r, err))) return rc;
        lh_vector_t *a = c->b->cols[COL_ADD].children;
        const lh_delta_add_t *f = &s->files[i];
        only(c->b, r, COL_ADD);
        rc = set_path(&a[0], r, f->path);
        if (!rc) rc = set_map(&a[1], r, &f->partition_values);
        if (!rc) rc = set_i64(&a[2], r, f->size, false);
        if (!rc) rc = set_i64(&a[3], r, f->modification_time, false);
        if (!rc) rc = set_bool(&a[4], r, false); /* a checkpoint changes no data */
        if (!rc) rc = set_str(&a[5], r, f->stats);
        if (!rc) rc = set_map(&a[6], r, &f->tags);
    }
    for (size_t i = 0; !rc && i < s->nremoved; i++) {
        if ((rc = next_row(c, &r, err))) return rc;
        lh_vector_t *d = c->b->cols[COL_REMOVE].children;
        const lh_delta_remove_t *f = &s->removed[i];
        only(c->b, r, COL_REMOVE);
        rc = set_path(&d[0], r, f->path);
        if (!rc) rc = set_i64(&d[1], r, f->deletion_timestamp, true);
        if (!rc) rc = set_bool(&d[2], r, false);
        if (!rc) rc = set_bool(&d[3], r, f->extended_file_metadata);
        if (!rc) rc = set_map(&d[4], r, &f->partition_values);
        if (!rc) rc = set_i64(&d[5], r, f->size, true);
    }
    return rc ? lh_err_set(err, rc, "cannot build the checkpoint rows") : 0;
}

int lh_delta_checkpoint(lh_delta_table_t *t, int64_t version, int64_t *written, lh_err_t *err)
{
    lh_delta_snapshot_t *s = NULL;
    int rc = version < 0 ? lh_delta_snapshot_latest(t, &s, err)
                         : lh_delta_snapshot_at_version(t, version, &s, err);
    if (rc) return rc;
    lh_arena_t *a = lh_arena_new(0);
    lh_type_t type;
    ckpt_t c = {0};
    lh_buf_t file, key, last;
    lh_buf_init(&file, 0);
    lh_buf_init(&key, 0);
    lh_buf_init(&last, 0);
    file.max = (size_t)1 << 31;
    if (!a) {
        rc = lh_err_set(err, LH_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = lh_type_parse(a, checkpoint_type, strlen(checkpoint_type), &type, err))) goto out;
    lh_type_t cols[NCOLS];
    for (int i = 0; i < NCOLS; i++)
        cols[i] = type.fields[i].type;
    if ((rc = lh_batch_new(cols, NCOLS, &c.b))) {
        lh_err_set(err, rc, "cannot allocate a batch");
        goto out;
    }
    lh_pq_write_opts_t o;
    lh_pq_write_opts_default(&o);
    o.codec = LH_PQ_CODEC_SNAPPY;
    if ((rc = lh_pq_writer_open(&type, &o, lh_pq_sink_buf, &file, &c.w, err))) goto out;
    if ((rc = fill(&c, s, err))) goto out;
    if (c.b->count && (rc = lh_pq_writer_write_batch(c.w, c.b, err))) goto out;
    if ((rc = lh_pq_writer_close(c.w, NULL, err))) goto out;
    lh_buf_printf(&key, "%s_delta_log/%020lld.checkpoint.parquet", t->root, (long long)s->version);
    if ((rc = lh_buf_err(&key))) {
        lh_err_set(err, rc, "checkpoint key too long");
        goto out;
    }
    rc = lh_objstore_put(t->os, t->bucket, key.ptr, file.ptr, file.len, NULL, NULL, err);
    if (rc) goto out;
    lh_buf_printf(&last,
                  "{\"version\":%lld,\"size\":%lld,\"sizeInBytes\":%zu,\"numOfAddFiles\":%zu}",
                  (long long)s->version, (long long)c.rows, file.len, s->nfiles);
    lh_buf_reset(&key);
    lh_buf_printf(&key, "%s_delta_log/_last_checkpoint", t->root);
    if ((rc = lh_buf_err(&key) ? lh_buf_err(&key) : lh_buf_err(&last))) {
        lh_err_set(err, rc, "out of memory");
        goto out;
    }
    rc = lh_objstore_put(t->os, t->bucket, key.ptr, last.ptr, last.len, "application/json", NULL,
                         err);
    if (!rc && written) *written = s->version;
out:
    lh_pq_writer_free(c.w);
    lh_batch_free(c.b);
    lh_buf_free(&file);
    lh_buf_free(&key);
    lh_buf_free(&last);
    lh_arena_free(a);
    lh_delta_snapshot_free(s);
    return rc;
}

/* ---- reading ---- */

/* The field of a STRUCT vector named name, or NULL. */
static const lh_vector_t *field(const lh_vector_t *v, const char *name)
{
    if (!v || v->type.id != LH_TYPE_STRUCT) return NULL;
    for (uint32_t i = 0; i < v->type.nfields; i++)
        if (!strcmp(v->type.fields[i].name, name)) return &v->children[i];
    return NULL;
}

typedef struct {
    lh_arena_t *a;
    bool oom;
} rd_t;

static const char *get_str(rd_t *r, const lh_vector_t *v, uint32_t row)
{
    lh_value_t val;
    if (!v || !lh_vector_is_valid(v, row) || lh_vector_get_value(v, row, &val) || val.is_null ||
        (val.type.id != LH_TYPE_VARCHAR && val.type.id != LH_TYPE_BLOB))
        return NULL;
    char *s = lh_arena_strndup(r->a, val.v.s.ptr ? val.v.s.ptr : "", val.v.s.len);
    if (!s) r->oom = true;
    return s;
}

static int64_t get_i64(const lh_vector_t *v, uint32_t row, int64_t absent)
{
    lh_value_t val;
    if (!v || !lh_vector_is_valid(v, row) || lh_vector_get_value(v, row, &val) || val.is_null)
        return absent;
    switch (val.type.id) {
    case LH_TYPE_TINYINT:
    case LH_TYPE_SMALLINT:
    case LH_TYPE_INTEGER:
    case LH_TYPE_BIGINT:
        return val.v.i;
    default:
        return absent;
    }
}

static bool get_bool(const lh_vector_t *v, uint32_t row, bool absent)
{
    lh_value_t val;
    if (!v || !lh_vector_is_valid(v, row) || lh_vector_get_value(v, row, &val) || val.is_null ||
        val.type.id != LH_TYPE_BOOLEAN)
        return absent;
    return val.v.b;
}

/* The list entry of a LIST/MAP row, {0, 0} when NULL or absent. */
static lh_list_entry_t entry(const lh_vector_t *v, uint32_t row)
{
    if (!v || (v->type.id != LH_TYPE_LIST && v->type.id != LH_TYPE_MAP) ||
        !lh_vector_is_valid(v, row))
        return (lh_list_entry_t){0, 0};
    return lh_vector_list_entries(lh_vector_values(v))[lh_vector_row(v, row)];
}

static lh_delta_map_t get_map(rd_t *r, const lh_vector_t *v, uint32_t row)
{
    lh_delta_map_t m = {0};
    lh_list_entry_t e = entry(v, row);
    if (!e.length) return m;
    const lh_vector_t *vals = lh_vector_values(v);
    lh_delta_kv_t *kv = lh_arena_alloc(r->a, e.length * sizeof *kv);
    if (!kv) {
        r->oom = true;
        return m;
    }
    for (uint32_t i = 0; i < e.length; i++) {
        kv[i].key = get_str(r, lh_vector_map_keys(vals), e.offset + i);
        kv[i].value = get_str(r, lh_vector_map_values(vals), e.offset + i);
        if (!kv[i].key) kv[i].key = "";
    }
    m.items = kv;
    m.n = e.length;
    return m;
}

/* A list of strings; *present false when the list is NULL. */
static const char *const *get_strs(rd_t *r, const lh_vector_t *v, uint32_t row, size_t *n,
                                   bool *present)
{
    *n = 0;
    *present = v && lh_vector_is_valid(v, row);
    lh_list_entry_t e = entry(v, row);
    const char **out = lh_arena_alloc(r->a, (e.length + 1) * sizeof *out);
    if (!out) {
        r->oom = true;
        return NULL;
    }
    for (uint32_t i = 0; i < e.length; i++) {
        const char *s = get_str(r, lh_vector_values(v)->child, e.offset + i);
        if (s) out[(*n)++] = s;
    }
    return out;
}

/* A checkpoint path is a URI, as in commits: decoded into the struct (NULL,
 * a corrupt row, when it does not decode). */
static const char *get_path(rd_t *r, const lh_vector_t *v, uint32_t row)
{
    const char *s = get_str(r, v, row);
    return s ? lh__delta_path_decode(r->a, s, strlen(s)) : NULL;
}

/* Row `row` of the checkpoint batch as an action (kind 0 when the row holds
 * none we keep). */
static int row_action(rd_t *r, const lh_batch_t *b, const lh_type_t *schema, uint32_t row,
                      lh_delta_action_t *act)
{
    memset(act, 0, sizeof *act);
    for (uint32_t c = 0; c < b->ncols; c++) {
        const lh_vector_t *v = &b->cols[c];
        const char *name = schema->fields[c].name;
        if (v->type.id != LH_TYPE_STRUCT || !lh_vector_is_valid(v, row)) continue;
        if (!strcmp(name, "add")) {
            lh_delta_add_t *a = &act->u.add;
            act->kind = LH_DELTA_ADD;
            a->path = get_path(r, field(v, "path"), row);
            a->partition_values = get_map(r, field(v, "partitionValues"), row);
            a->size = get_i64(field(v, "size"), row, -1);
            a->modification_time = get_i64(field(v, "modificationTime"), row, 0);
            a->data_change = get_bool(field(v, "dataChange"), row, false);
            a->stats = get_str(r, field(v, "stats"), row);
            a->tags = get_map(r, field(v, "tags"), row);
            if (field(v, "deletionVector") && lh_vector_is_valid(field(v, "deletionVector"), row))
                a->dv_id = "checkpoint";
            if (!a->path) return LH_ECORRUPT;
        } else if (!strcmp(name, "remove")) {
            lh_delta_remove_t *d = &act->u.remove;
            act->kind = LH_DELTA_REMOVE;
            d->path = get_path(r, field(v, "path"), row);
            d->deletion_timestamp = get_i64(field(v, "deletionTimestamp"), row, -1);
            d->data_change = get_bool(field(v, "dataChange"), row, false);
            d->extended_file_metadata = get_bool(field(v, "extendedFileMetadata"), row, false);
            d->partition_values = get_map(r, field(v, "partitionValues"), row);
            d->size = get_i64(field(v, "size"), row, -1);
            if (!d->path) return LH_ECORRUPT;
        } else if (!strcmp(name, "metaData")) {
            lh_delta_metadata_t *m = &act->u.metadata;
            const lh_vector_t *fmt = field(v, "format");
            bool present;
            act->kind = LH_DELTA_METADATA;
            m->id = get_str(r, field(v, "id"), row);
            m->name = get_str(r, field(v, "name"), row);
            m->description = get_str(r, field(v, "description"), row);
            m->format_provider = get_str(r, field(fmt, "provider"), row);
            m->format_options = get_map(r, field(fmt, "options"), row);
            m->schema_string = get_str(r, field(v, "schemaString"), row);
            m->partition_columns =
                get_strs(r, field(v, "partitionColumns"), row, &m->npartition_columns, &present);
            m->configuration = get_map(r, field(v, "configuration"), row);
            m->created_time = get_i64(field(v, "createdTime"), row, -1);
            if (!m->id || !m->schema_string) return LH_ECORRUPT;
        } else if (!strcmp(name, "protocol")) {
            lh_delta_protocol_t *p = &act->u.protocol;
            bool present;
            act->kind = LH_DELTA_PROTOCOL;
            p->min_reader_version = (int)get_i64(field(v, "minReaderVersion"), row, 1);
            p->min_writer_version = (int)get_i64(field(v, "minWriterVersion"), row, 2);
            p->reader_features =
                get_strs(r, field(v, "readerFeatures"), row, &p->nreader_features, &present);
            if (!present) p->reader_features = NULL;
            p->writer_features =
                get_strs(r, field(v, "writerFeatures"), row, &p->nwriter_features, &present);
            if (!present) p->writer_features = NULL;
        } else if (!strcmp(name, "txn")) {
            act->kind = LH_DELTA_TXN;
            act->u.txn.app_id = get_str(r, field(v, "appId"), row);
            act->u.txn.version = get_i64(field(v, "version"), row, -1);
            act->u.txn.last_updated = get_i64(field(v, "lastUpdated"), row, -1);
            if (!act->u.txn.app_id) return LH_ECORRUPT;
        } else {
            continue; /* commitInfo, domainMetadata, sidecar, ...: not state we keep */
        }
        return r->oom ? LH_ENOMEM : 0;
    }
    return r->oom ? LH_ENOMEM : 0;
}

int lh__delta_checkpoint_actions(lh_delta_table_t *t, int64_t version, lh_arena_t *a,
                                 int (*fn)(void *arg, const lh_delta_action_t *act), void *arg,
                                 lh_err_t *err)
{
    char key[LH_OBJSTORE_KEY_MAX + 1];
    snprintf(key, sizeof key, "%s_delta_log/%020lld.checkpoint.parquet", t->root,
             (long long)version);
    lh_pq_reader_t *r = NULL;
    int rc = lh_pq_reader_open_object(t->os, t->bucket, key, &r, err);
    if (!rc) rc = lh_pq_reader_scan(r, NULL, err);
    rd_t rd = {a, false};
    const lh_type_t *schema = r ? lh_pq_reader_schema(r) : NULL;
    lh_batch_t *b = NULL;
    while (!rc && !(rc = lh_pq_reader_next(r, &b, err)) && b) {
        for (uint32_t row = 0; !rc && row < b->count; row++) {
            lh_delta_action_t *act = lh_arena_alloc(a, sizeof *act);
            if (!act) {
                rc = lh_err_set(err, LH_ENOMEM, "out of memory reading %s", key);
                break;
            }
            rc = row_action(&rd, b, schema, row, act);
            if (rc == LH_ECORRUPT)
                rc = lh_err_set(err, rc, "%s: row %u holds an action without its required fields",
                                key, row);
            else if (rc)
                rc = lh_err_set(err, rc, "out of memory reading %s", key);
            else if (act->kind && (rc = fn(arg, act)))
                lh_err_set(err, rc, "cannot apply the actions of %s", key);
        }
    }
    if (rc && strstr(err->msg, key) == NULL) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        lh_err_set(err, rc, "checkpoint %s: %s", key, msg);
    }
    lh_pq_reader_close(r);
    return rc;
}
