/* Writing one Delta action as one line of compact JSON (delta_actions.h):
 * each action becomes a jansson object with its fields in the protocol's
 * order; paths are %-encoded as the log's URIs. */
#include <jansson.h>
#include <string.h>

#include "core/url.h"
#include "table/delta_actions.h"
#include "table/delta_int.h"

typedef struct {
    lh_err_t *err;
    int rc;
} wctx_t;

/* Sets o[key] = v, recording the first failure (v NULL: out of memory or
 * not UTF-8). */
static void put(wctx_t *w, json_t *o, const char *key, json_t *v)
{
    if (w->rc) {
        json_decref(v);
        return;
    }
    if (!v || json_object_set_new(o, key, v))
        w->rc = lh_err_set(w->err, LH_EINVAL, "delta action field '%s' is not valid UTF-8", key);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *map_json(const lh_delta_map_t *m)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < m->n; i++) {
        json_t *v = str_or_null(m->items[i].value);
        if (!v || json_object_set_new(o, m->items[i].key, v)) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static json_t *array_json(const char *const *a, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        if (json_array_append_new(arr, json_string(a[i]))) {
            json_decref(arr);
            return NULL;
        }
    return arr;
}

static json_t *path_json(wctx_t *w, const char *path)
{
    if (!path || !*path) {
        w->rc = lh_err_set(w->err, LH_EINVAL, "delta file action without a path");
        return NULL;
    }
    lh_buf_t b;
    lh_buf_init(&b, 0);
    json_t *v = lh__delta_path_encode(&b, path) ? NULL : json_string(b.ptr);
    lh_buf_free(&b);
    return v;
}

int lh__delta_path_encode(lh_buf_t *out, const char *path)
{
    lh_url_encode(out, (lh_str_t){path, strlen(path)}, LH_URL_KEEP_SLASH | LH_URL_PCHAR);
    return lh_buf_err(out);
}

static void write_protocol(wctx_t *w, json_t *o, const lh_delta_protocol_t *p)
{
    put(w, o, "minReaderVersion", json_integer(p->min_reader_version));
    put(w, o, "minWriterVersion", json_integer(p->min_writer_version));
    if (p->reader_features)
        put(w, o, "readerFeatures", array_json(p->reader_features, p->nreader_features));
    if (p->writer_features)
        put(w, o, "writerFeatures", array_json(p->writer_features, p->nwriter_features));
}

static void write_metadata(wctx_t *w, json_t *o, const lh_delta_metadata_t *m)
{
    if (!m->id || !m->schema_string) {
        w->rc = lh_err_set(w->err, LH_EINVAL, "delta metaData needs an id and a schema");
        return;
    }
    put(w, o, "id", json_string(m->id));
    if (m->name) put(w, o, "name", json_string(m->name));
    if (m->description) put(w, o, "description", json_string(m->description));
    json_t *f = json_object();
    put(w, f ? f : o, "provider", json_string(m->format_provider ? m->format_provider : "parquet"));
    put(w, f ? f : o, "options", map_json(&m->format_options));
    put(w, o, "format", f);
    put(w, o, "schemaString", json_string(m->schema_string));
    put(w, o, "partitionColumns", array_json(m->partition_columns, m->npartition_columns));
    put(w, o, "configuration", map_json(&m->configuration));
    if (m->created_time >= 0) put(w, o, "createdTime", json_integer(m->created_time));
}

static void write_add(wctx_t *w, json_t *o, const lh_delta_add_t *x)
{
    put(w, o, "path", path_json(w, x->path));
    put(w, o, "partitionValues", map_json(&x->partition_values));
    put(w, o, "size", json_integer(x->size));
    put(w, o, "modificationTime", json_integer(x->modification_time));
    put(w, o, "dataChange", json_boolean(x->data_change));
    if (x->stats) put(w, o, "stats", json_string(x->stats));
    if (x->tags.n) put(w, o, "tags", map_json(&x->tags));
}

static void write_remove(wctx_t *w, json_t *o, const lh_delta_remove_t *x)
{
    put(w, o, "path", path_json(w, x->path));
    if (x->deletion_timestamp >= 0)
        put(w, o, "deletionTimestamp", json_integer(x->deletion_timestamp));
    put(w, o, "dataChange", json_boolean(x->data_change));
    if (x->extended_file_metadata) {
        put(w, o, "extendedFileMetadata", json_true());
        put(w, o, "partitionValues", map_json(&x->partition_values));
        put(w, o, "size", json_integer(x->size));
    }
}

static void write_commit_info(wctx_t *w, json_t *o, const lh_delta_commit_info_t *x)
{
    if (x->timestamp >= 0) put(w, o, "timestamp", json_integer(x->timestamp));
    if (x->operation) put(w, o, "operation", json_string(x->operation));
    if (x->operation_parameters.n)
        put(w, o, "operationParameters", map_json(&x->operation_parameters));
    if (x->read_version >= 0) put(w, o, "readVersion", json_integer(x->read_version));
    if (x->txn_id) put(w, o, "txnId", json_string(x->txn_id));
    if (!x->json || w->rc) return;
    json_t *extra = json_loads(x->json, 0, NULL);
    if (!json_is_object(extra)) {
        json_decref(extra);
        w->rc = lh_err_set(w->err, LH_EINVAL, "commitInfo extra fields are not a JSON object");
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach(extra, k, v)
    {
        if (!json_object_get(o, k)) put(w, o, k, json_incref(v));
    }
    json_decref(extra);
}

static void write_txn(wctx_t *w, json_t *o, const lh_delta_txn_t *x)
{
    if (!x->app_id) {
        w->rc = lh_err_set(w->err, LH_EINVAL, "delta txn without an appId");
        return;
    }
    put(w, o, "appId", json_string(x->app_id));
    put(w, o, "version", json_integer(x->version));
    if (x->last_updated >= 0) put(w, o, "lastUpdated", json_integer(x->last_updated));
}

static const char *kind_name(lh_delta_action_kind_t k)
{
    switch (k) {
    case LH_DELTA_PROTOCOL:
        return "protocol";
    case LH_DELTA_METADATA:
        return "metaData";
    case LH_DELTA_ADD:
        return "add";
    case LH_DELTA_REMOVE:
        return "remove";
    case LH_DELTA_COMMIT_INFO:
        return "commitInfo";
    case LH_DELTA_TXN:
        return "txn";
    default:
        return NULL;
    }
}

int lh_delta_action_write(lh_buf_t *out, const lh_delta_action_t *act, lh_err_t *err)
{
    if (act->kind == LH_DELTA_OTHER) {
        const char *j = act->u.other.json;
        if (!j || !*j) return lh_err_set(err, LH_EINVAL, "unknown delta action without its JSON");
        if (strchr(j, '\n')) return lh_err_set(err, LH_EINVAL, "unknown delta action spans lines");
        lh_buf_puts(out, j);
        lh_buf_puts(out, "\n");
        return lh_buf_err(out);
    }
    const char *name = kind_name(act->kind);
    if (!name) return lh_err_set(err, LH_EINVAL, "unknown delta action kind %d", (int)act->kind);
    wctx_t w = {.err = err};
    json_t *body = json_object(), *root = json_object();
    if (!body || !root) w.rc = lh_err_set(err, LH_ENOMEM, "out of memory writing a delta action");
    if (!w.rc) {
        switch (act->kind) {
        case LH_DELTA_PROTOCOL:
            write_protocol(&w, body, &act->u.protocol);
            break;
        case LH_DELTA_METADATA:
            write_metadata(&w, body, &act->u.metadata);
            break;
        case LH_DELTA_ADD:
            write_add(&w, body, &act->u.add);
            break;
        case LH_DELTA_REMOVE:
            write_remove(&w, body, &act->u.remove);
            break;
        case LH_DELTA_COMMIT_INFO:
            write_commit_info(&w, body, &act->u.commit_info);
            break;
        default:
            write_txn(&w, body, &act->u.txn);
            break;
        }
    }
    if (!w.rc) {
        put(&w, root, name, body);
        body = NULL;
    }
    char *s = w.rc ? NULL : json_dumps(root, JSON_COMPACT);
    if (!w.rc && !s) w.rc = lh_err_set(err, LH_ENOMEM, "out of memory writing a delta action");
    if (s) {
        lh_buf_puts(out, s);
        lh_buf_puts(out, "\n");
        free(s);
        w.rc = lh_buf_err(out);
        if (w.rc) lh_err_set(err, w.rc, "delta commit too big to buffer");
    }
    json_decref(body);
    json_decref(root);
    return w.rc;
}
