/* Parsing a Delta commit file (newline-delimited JSON, one action a line)
 * into lh_delta_action_t structs in an arena (delta_actions.h). jansson
 * parses each line; the fields of each known action are then checked and
 * copied out. Writing one action is in delta_actions_write.c. */
#include "table/delta_actions.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "core/url.h"
#include "table/delta_int.h"

typedef struct {
    lh_arena_t *a;
    lh_err_t *err;
    size_t line; /* 1-based, for messages */
    const char *action;
} pctx_t;

static int bad(pctx_t *c, const char *what, const char *field)
{
    return lh_err_set(c->err, LH_ECORRUPT, "delta log line %zu: %s %s '%s'", c->line, c->action,
                      what, field);
}

static int oom(pctx_t *c)
{
    return lh_err_set(c->err, LH_ENOMEM, "out of memory parsing delta log line %zu", c->line);
}

static int get_str(pctx_t *c, json_t *o, const char *key, bool required, const char **out)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v)) return required ? bad(c, "lacks", key) : 0;
    if (!json_is_string(v)) return bad(c, "has a non-string", key);
    *out = lh_arena_strndup(c->a, json_string_value(v), json_string_length(v));
    return *out ? 0 : oom(c);
}

static int get_i64(pctx_t *c, json_t *o, const char *key, bool required, int64_t *out)
{
    json_t *v = json_object_get(o, key);
    *out = -1;
    if (!v || json_is_null(v)) return required ? bad(c, "lacks", key) : 0;
    if (!json_is_integer(v)) return bad(c, "has a non-integer", key);
    *out = (int64_t)json_integer_value(v);
    return 0;
}

static int get_bool(pctx_t *c, json_t *o, const char *key, bool required, bool *out)
{
    json_t *v = json_object_get(o, key);
    *out = false;
    if (!v || json_is_null(v)) return required ? bad(c, "lacks", key) : 0;
    if (!json_is_boolean(v)) return bad(c, "has a non-boolean", key);
    *out = json_is_true(v);
    return 0;
}

/* A decoded path: the log holds URIs. */
static int get_path(pctx_t *c, json_t *o, const char **out)
{
    json_t *v = json_object_get(o, "path");
    if (!v || !json_is_string(v) || json_string_length(v) == 0) return bad(c, "lacks", "path");
    *out = lh__delta_path_decode(c->a, json_string_value(v), json_string_length(v));
    return *out ? 0 : bad(c, "has an undecodable", "path");
}

const char *lh__delta_path_decode(lh_arena_t *a, const char *uri, size_t n)
{
    return lh_url_decode_arena(a, (lh_str_t){uri, n}, LH_URL_STRICT | LH_URL_NO_NUL);
}

/* Map[String,String]; with as_json, non-string values are kept as JSON text
 * (commitInfo.operationParameters), otherwise they are an error. */
static int get_map(pctx_t *c, json_t *o, const char *key, bool required, bool as_json,
                   lh_delta_map_t *out)
{
    json_t *v = json_object_get(o, key);
    out->items = NULL;
    out->n = 0;
    if (!v || json_is_null(v)) return required ? bad(c, "lacks", key) : 0;
    if (!json_is_object(v)) return bad(c, "has a non-object", key);
    size_t n = json_object_size(v);
    lh_delta_kv_t *kv = lh_arena_alloc(c->a, (n ? n : 1) * sizeof *kv);
    if (!kv) return oom(c);
    const char *k;
    json_t *e;
    size_t i = 0;
    json_object_foreach(v, k, e)
    {
        kv[i].key = lh_arena_strdup(c->a, k);
        if (json_is_null(e)) {
            kv[i].value = NULL;
        } else if (json_is_string(e)) {
            kv[i].value = lh_arena_strndup(c->a, json_string_value(e), json_string_length(e));
            if (!kv[i].value) return oom(c);
        } else if (as_json) {
            char *s = json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
            kv[i].value = s ? lh_arena_strdup(c->a, s) : NULL;
            free(s);
            if (!kv[i].value) return oom(c);
        } else {
            return bad(c, "has a non-string value in", key);
        }
        if (!kv[i].key) return oom(c);
        i++;
    }
    out->items = kv;
    out->n = n;
    return 0;
}

static int get_str_array(pctx_t *c, json_t *o, const char *key, bool required,
                         const char *const **out, size_t *nout)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    *nout = 0;
    if (!v || json_is_null(v)) return required ? bad(c, "lacks", key) : 0;
    if (!json_is_array(v)) return bad(c, "has a non-array", key);
    size_t n = json_array_size(v);
    const char **arr = lh_arena_alloc(c->a, (n ? n : 1) * sizeof *arr);
    if (!arr) return oom(c);
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_string(e)) return bad(c, "has a non-string element in", key);
        arr[i] = lh_arena_strndup(c->a, json_string_value(e), json_string_length(e));
        if (!arr[i]) return oom(c);
    }
    *out = arr;
    *nout = n;
    return 0;
}

/* deletionVector: its unique id is storageType + pathOrInlineDv (+ "@" offset). */
static int get_dv(pctx_t *c, json_t *o, const char **out)
{
    json_t *v = json_object_get(o, "deletionVector");
    *out = NULL;
    if (!v || json_is_null(v)) return 0;
    json_t *st = json_object_get(v, "storageType"), *p = json_object_get(v, "pathOrInlineDv");
    json_t *off = json_object_get(v, "offset");
    if (!json_is_string(st) || !json_is_string(p))
        return bad(c, "has a malformed", "deletionVector");
    if (json_is_integer(off))
        *out = lh_arena_printf(c->a, "%s%s@%lld", json_string_value(st), json_string_value(p),
                               (long long)json_integer_value(off));
    else
        *out = lh_arena_printf(c->a, "%s%s", json_string_value(st), json_string_value(p));
    return *out ? 0 : oom(c);
}

static int parse_protocol(pctx_t *c, json_t *o, lh_delta_protocol_t *p)
{
    int64_t r, w;
    int rc = get_i64(c, o, "minReaderVersion", true, &r);
    if (!rc) rc = get_i64(c, o, "minWriterVersion", true, &w);
    if (rc) return rc;
    if (r < 1 || r > 1000 || w < 1 || w > 1000) return bad(c, "has an invalid", "version");
    p->min_reader_version = (int)r;
    p->min_writer_version = (int)w;
    rc = get_str_array(c, o, "readerFeatures", false, &p->reader_features, &p->nreader_features);
    if (!rc)
        rc =
            get_str_array(c, o, "writerFeatures", false, &p->writer_features, &p->nwriter_features);
    return rc;
}

static int parse_metadata(pctx_t *c, json_t *o, lh_delta_metadata_t *m)
{
    int rc = get_str(c, o, "id", true, &m->id);
    if (!rc) rc = get_str(c, o, "name", false, &m->name);
    if (!rc) rc = get_str(c, o, "description", false, &m->description);
    if (!rc) rc = get_str(c, o, "schemaString", true, &m->schema_string);
    if (!rc)
        rc = get_str_array(c, o, "partitionColumns", true, &m->partition_columns,
                           &m->npartition_columns);
    if (!rc) rc = get_map(c, o, "configuration", false, false, &m->configuration);
    if (!rc) rc = get_i64(c, o, "createdTime", false, &m->created_time);
    if (rc) return rc;
    json_t *f = json_object_get(o, "format");
    if (!json_is_object(f)) return bad(c, "lacks", "format");
    rc = get_str(c, f, "provider", true, &m->format_provider);
    if (!rc) rc = get_map(c, f, "options", false, false, &m->format_options);
    return rc;
}

static int parse_add(pctx_t *c, json_t *o, lh_delta_add_t *x)
{
    int rc = get_path(c, o, &x->path);
    if (!rc) rc = get_map(c, o, "partitionValues", true, false, &x->partition_values);
    if (!rc) rc = get_i64(c, o, "size", true, &x->size);
    if (!rc) rc = get_i64(c, o, "modificationTime", true, &x->modification_time);
    if (!rc) rc = get_bool(c, o, "dataChange", true, &x->data_change);
    if (!rc) rc = get_map(c, o, "tags", false, false, &x->tags);
    if (!rc) rc = get_dv(c, o, &x->dv_id);
    if (rc) return rc;
    json_t *s = json_object_get(o, "stats");
    if (json_is_string(s)) { /* a JSON string; checkpoints may hold a struct instead */
        x->stats = lh_arena_strndup(c->a, json_string_value(s), json_string_length(s));
        if (!x->stats) return oom(c);
    } else if (s && !json_is_null(s)) {
        return bad(c, "has a non-string", "stats");
    }
    return 0;
}

static int parse_remove(pctx_t *c, json_t *o, lh_delta_remove_t *x)
{
    int rc = get_path(c, o, &x->path);
    if (!rc) rc = get_i64(c, o, "deletionTimestamp", false, &x->deletion_timestamp);
    if (!rc) rc = get_bool(c, o, "dataChange", true, &x->data_change);
    if (!rc) rc = get_bool(c, o, "extendedFileMetadata", false, &x->extended_file_metadata);
    if (!rc) rc = get_map(c, o, "partitionValues", false, false, &x->partition_values);
    if (!rc) rc = get_i64(c, o, "size", false, &x->size);
    if (!rc) rc = get_dv(c, o, &x->dv_id);
    return rc;
}

static int parse_commit_info(pctx_t *c, json_t *o, lh_delta_commit_info_t *x)
{
    int rc = get_i64(c, o, "timestamp", false, &x->timestamp);
    if (!rc) rc = get_str(c, o, "operation", false, &x->operation);
    if (!rc) rc = get_map(c, o, "operationParameters", false, true, &x->operation_parameters);
    if (!rc) rc = get_str(c, o, "txnId", false, &x->txn_id);
    if (!rc) rc = get_i64(c, o, "readVersion", false, &x->read_version);
    if (rc) return rc;
    char *s = json_dumps(o, JSON_COMPACT);
    x->json = s ? lh_arena_strdup(c->a, s) : NULL;
    free(s);
    return x->json ? 0 : oom(c);
}

static int parse_txn(pctx_t *c, json_t *o, lh_delta_txn_t *x)
{
    int rc = get_str(c, o, "appId", true, &x->app_id);
    if (!rc) rc = get_i64(c, o, "version", true, &x->version);
    if (!rc) rc = get_i64(c, o, "lastUpdated", false, &x->last_updated);
    return rc;
}

static int parse_line(pctx_t *c, const char *s, size_t n, lh_delta_action_t *act)
{
    json_error_t je;
    json_t *root = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return lh_err_set(c->err, LH_ECORRUPT, "delta log line %zu is not JSON: %s", c->line,
                          je.text);
    int rc;
    memset(act, 0, sizeof *act);
    void *it = json_object_iter(root);
    if (!json_is_object(root) || json_object_size(root) != 1) {
        rc = lh_err_set(c->err, LH_ECORRUPT, "delta log line %zu is not one action", c->line);
        goto done;
    }
    const char *key = json_object_iter_key(it);
    json_t *body = json_object_iter_value(it);
    c->action = key;
    static const struct {
        const char *name;
        lh_delta_action_kind_t kind;
    } kinds[] = {
        {"protocol", LH_DELTA_PROTOCOL},
        {"metaData", LH_DELTA_METADATA},
        {"add", LH_DELTA_ADD},
        {"remove", LH_DELTA_REMOVE},
        {"commitInfo", LH_DELTA_COMMIT_INFO},
        {"txn", LH_DELTA_TXN},
    };
    act->kind = LH_DELTA_OTHER;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (!strcmp(key, kinds[i].name)) act->kind = kinds[i].kind;
    if (act->kind != LH_DELTA_OTHER && !json_is_object(body)) {
        rc = bad(c, "is not an", "object");
        goto done;
    }
    switch (act->kind) {
    case LH_DELTA_PROTOCOL:
        rc = parse_protocol(c, body, &act->u.protocol);
        break;
    case LH_DELTA_METADATA:
        rc = parse_metadata(c, body, &act->u.metadata);
        break;
    case LH_DELTA_ADD:
        rc = parse_add(c, body, &act->u.add);
        break;
    case LH_DELTA_REMOVE:
        rc = parse_remove(c, body, &act->u.remove);
        break;
    case LH_DELTA_COMMIT_INFO:
        rc = parse_commit_info(c, body, &act->u.commit_info);
        break;
    case LH_DELTA_TXN:
        rc = parse_txn(c, body, &act->u.txn);
        break;
    default:
        act->u.other.name = lh_arena_strdup(c->a, key);
        act->u.other.json = lh_arena_strndup(c->a, s, n);
        rc = act->u.other.name && act->u.other.json ? 0 : oom(c);
        break;
    }
done:
    json_decref(root);
    return rc;
}

int lh_delta_actions_parse(lh_arena_t *a, const char *text, size_t n, lh_delta_action_t **out,
                           size_t *nout, lh_err_t *err)
{
    size_t lines = 0, cap = 0;
    for (size_t i = 0; i < n; i++)
        cap += text[i] == '\n';
    cap++;
    if (cap > LH_DELTA_MAX_ACTIONS) cap = LH_DELTA_MAX_ACTIONS + 1;
    lh_delta_action_t *acts = lh_arena_alloc(a, cap * sizeof *acts);
    if (!acts) return lh_err_set(err, LH_ENOMEM, "out of memory parsing a delta commit");
    pctx_t c = {.a = a, .err = err};
    size_t pos = 0;
    while (pos < n) {
        const char *nl = memchr(text + pos, '\n', n - pos);
        size_t end = nl ? (size_t)(nl - text) : n, len = end - pos;
        c.line++;
        const char *s = text + pos;
        pos = end + 1;
        while (len && (s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (len == 0) continue;
        if (len > LH_DELTA_MAX_LINE)
            return lh_err_set(err, LH_ETOOBIG, "delta log line %zu is over %zu bytes", c.line,
                              LH_DELTA_MAX_LINE);
        if (memchr(s, 0, len))
            return lh_err_set(err, LH_ECORRUPT, "delta log line %zu holds a NUL byte", c.line);
        if (lines == LH_DELTA_MAX_ACTIONS || lines == cap)
            return lh_err_set(err, LH_ETOOBIG, "delta commit has over %d actions",
                              LH_DELTA_MAX_ACTIONS);
        int rc = parse_line(&c, s, len, &acts[lines]);
        if (rc) return rc;
        lines++;
    }
    *out = acts;
    *nout = lines;
    return 0;
}

const char *lh_delta_map_get(const lh_delta_map_t *m, const char *key, bool *found)
{
    for (size_t i = 0; m && i < m->n; i++)
        if (!strcmp(m->items[i].key, key)) {
            if (found) *found = true;
            return m->items[i].value;
        }
    if (found) *found = false;
    return NULL;
}
