/* Delta schemaString <-> lh_delta_schema_t (delta_schema.h): one table of
 * primitive names, a recursive reader over jansson values that builds the
 * column tree and its lh_type_t bottom-up, and the reverse writer. */
#include "table/delta_schema.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    lh_type_id_t id;
} prims[] = {
    {"boolean", LH_TYPE_BOOLEAN},
    {"byte", LH_TYPE_TINYINT},
    {"short", LH_TYPE_SMALLINT},
    {"integer", LH_TYPE_INTEGER},
    {"long", LH_TYPE_BIGINT},
    {"float", LH_TYPE_FLOAT},
    {"double", LH_TYPE_DOUBLE},
    {"string", LH_TYPE_VARCHAR},
    {"binary", LH_TYPE_BLOB},
    {"date", LH_TYPE_DATE},
    {"timestamp", LH_TYPE_TIMESTAMP_TZ},
    {"timestamp_ntz", LH_TYPE_TIMESTAMP},
};

typedef struct {
    lh_arena_t *a;
    lh_err_t *err;
    const char *field; /* the innermost field being read, for messages */
    bool ntz;
} sctx_t;

static int oom(lh_err_t *err)
{
    return lh_err_set(err, LH_ENOMEM, "out of memory building a delta schema");
}

/* "decimal(p,s)" or "decimal": 1 and the type, 0 when not a decimal name. */
static int parse_decimal(const char *s, lh_type_t *t)
{
    if (strncmp(s, "decimal", 7) != 0) return 0;
    s += 7;
    if (!*s) {
        *t = lh_type_decimal(10, 0);
        return 1;
    }
    int p, sc, used = 0;
    if (sscanf(s, " ( %d , %d ) %n", &p, &sc, &used) != 2 || s[used] != 0) return 0;
    *t = lh_type_decimal(p, sc);
    return t->id == LH_TYPE_DECIMAL;
}

static int read_type(sctx_t *c, json_t *j, int depth, lh_delta_column_t *col);

static int read_struct(sctx_t *c, json_t *j, int depth, lh_delta_column_t *col)
{
    json_t *fields = json_object_get(j, "fields");
    size_t n = json_array_size(fields);
    if (!json_is_array(fields) || n == 0 || n > LH_TYPE_MAX_FIELDS)
        return lh_err_set(c->err, LH_EINVAL, "delta schema struct in '%s' has no fields", c->field);
    lh_delta_column_t *kids = lh_arena_calloc(c->a, n * sizeof *kids);
    lh_field_t *tf = lh_arena_calloc(c->a, n * sizeof *tf);
    if (!kids || !tf) return oom(c->err);
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_array_get(fields, i);
        json_t *name = json_object_get(f, "name"), *nullable = json_object_get(f, "nullable");
        json_t *meta = json_object_get(f, "metadata");
        if (!json_is_string(name) || json_string_length(name) == 0 ||
            strlen(json_string_value(name)) != json_string_length(name))
            return lh_err_set(c->err, LH_EINVAL, "delta schema field without a name in '%s'",
                              c->field);
        const char *nm = lh_arena_strdup(c->a, json_string_value(name));
        if (!nm) return oom(c->err);
        for (size_t k = 0; k < i; k++)
            if (!strcasecmp(kids[k].name, nm))
                return lh_err_set(c->err, LH_EINVAL, "delta schema has two fields named '%s'", nm);
        c->field = nm;
        int rc = read_type(c, json_object_get(f, "type"), depth + 1, &kids[i]);
        if (rc) return rc;
        if (nullable && !json_is_boolean(nullable))
            return lh_err_set(c->err, LH_EINVAL, "delta schema field '%s' has a bad nullable", nm);
        if (meta && !json_is_null(meta) && !json_is_object(meta))
            return lh_err_set(c->err, LH_EINVAL, "delta schema field '%s' has bad metadata", nm);
        kids[i].name = nm;
        kids[i].nullable = !nullable || json_is_true(nullable);
        char *ms = json_is_object(meta) ? json_dumps(meta, JSON_COMPACT) : NULL;
        kids[i].metadata = lh_arena_strdup(c->a, ms ? ms : "{}");
        free(ms);
        if (!kids[i].metadata) return oom(c->err);
        tf[i].name = nm;
        tf[i].type = kids[i].type;
    }
    col->nchildren = (uint32_t)n;
    col->children = kids;
    int rc = lh_type_struct(c->a, tf, (uint32_t)n, &col->type);
    return rc ? lh_err_set(c->err, rc, "delta schema struct in '%s' is invalid", c->field) : 0;
}

static int read_array(sctx_t *c, json_t *j, int depth, lh_delta_column_t *col)
{
    lh_delta_column_t *el = lh_arena_calloc(c->a, sizeof *el);
    if (!el) return oom(c->err);
    int rc = read_type(c, json_object_get(j, "elementType"), depth + 1, el);
    if (rc) return rc;
    json_t *cn = json_object_get(j, "containsNull");
    el->nullable = !json_is_false(cn);
    col->nchildren = 1;
    col->children = el;
    rc = lh_type_list(c->a, &el->type, &col->type);
    return rc ? lh_err_set(c->err, rc, "delta schema array in '%s' is invalid", c->field) : 0;
}

static int read_map(sctx_t *c, json_t *j, int depth, lh_delta_column_t *col)
{
    lh_delta_column_t *kv = lh_arena_calloc(c->a, 2 * sizeof *kv);
    if (!kv) return oom(c->err);
    int rc = read_type(c, json_object_get(j, "keyType"), depth + 1, &kv[0]);
    if (!rc) rc = read_type(c, json_object_get(j, "valueType"), depth + 1, &kv[1]);
    if (rc) return rc;
    kv[1].nullable = !json_is_false(json_object_get(j, "valueContainsNull"));
    col->nchildren = 2;
    col->children = kv;
    rc = lh_type_map(c->a, &kv[0].type, &kv[1].type, &col->type);
    return rc ? lh_err_set(c->err, rc, "delta schema map in '%s' is invalid", c->field) : 0;
}

static int read_type(sctx_t *c, json_t *j, int depth, lh_delta_column_t *col)
{
    memset(col, 0, sizeof *col);
    if (depth > LH_TYPE_MAX_DEPTH)
        return lh_err_set(c->err, LH_EINVAL, "delta schema nests deeper than %d at '%s'",
                          LH_TYPE_MAX_DEPTH, c->field);
    if (json_is_string(j)) {
        const char *s = json_string_value(j);
        for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
            if (!strcmp(s, prims[i].name)) {
                col->type = lh_type(prims[i].id);
                c->ntz |= prims[i].id == LH_TYPE_TIMESTAMP;
                return 0;
            }
        if (parse_decimal(s, &col->type)) return 0;
        return lh_err_set(c->err, LH_EINVAL, "delta type '%.64s' of '%s' is not supported", s,
                          c->field);
    }
    const char *kind = json_string_value(json_object_get(j, "type"));
    if (!kind) return lh_err_set(c->err, LH_EINVAL, "delta schema has no type for '%s'", c->field);
    if (!strcmp(kind, "struct")) return read_struct(c, j, depth, col);
    if (!strcmp(kind, "array")) return read_array(c, j, depth, col);
    if (!strcmp(kind, "map")) return read_map(c, j, depth, col);
    return lh_err_set(c->err, LH_EINVAL, "delta type '%.64s' of '%s' is not supported", kind,
                      c->field);
}

int lh_delta_schema_parse(lh_arena_t *a, const char *json, size_t n, lh_delta_schema_t *out,
                          lh_err_t *err)
{
    json_error_t je;
    json_t *root = json_loadb(json, n, 0, &je);
    if (!root) return lh_err_set(err, LH_EINVAL, "delta schema is not JSON: %s", je.text);
    sctx_t c = {.a = a, .err = err, .field = "<table>"};
    lh_delta_column_t top;
    int rc;
    if (!json_is_object(root) || !json_is_string(json_object_get(root, "type")) ||
        strcmp(json_string_value(json_object_get(root, "type")), "struct"))
        rc = lh_err_set(err, LH_EINVAL, "delta schema is not a struct");
    else
        rc = read_struct(&c, root, 0, &top);
    json_decref(root);
    if (rc) return rc;
    out->type = top.type;
    out->ncolumns = top.nchildren;
    out->columns = top.children;
    out->uses_timestamp_ntz = c.ntz;
    return 0;
}

/* ---- writing ---- */

static json_t *type_json(const lh_delta_column_t *col, lh_err_t *err);

static json_t *field_json(const lh_delta_column_t *f, lh_err_t *err)
{
    json_t *t = type_json(f, err);
    if (!t) return NULL;
    json_t *meta = json_loads(f->metadata ? f->metadata : "{}", 0, NULL);
    if (!json_is_object(meta)) {
        json_decref(meta);
        json_decref(t);
        lh_err_set(err, LH_EINVAL, "metadata of delta field '%s' is not a JSON object", f->name);
        return NULL;
    }
    return json_pack("{s:s, s:o, s:b, s:o}", "name", f->name, "type", t, "nullable",
                     (int)f->nullable, "metadata", meta);
}

static json_t *type_json(const lh_delta_column_t *col, lh_err_t *err)
{
    const lh_type_t *t = &col->type;
    char buf[32];
    switch (t->id) {
    case LH_TYPE_DECIMAL:
        snprintf(buf, sizeof buf, "decimal(%d,%d)", t->width, t->scale);
        return json_string(buf);
    case LH_TYPE_STRUCT: {
        json_t *fields = json_array();
        for (uint32_t i = 0; fields && i < col->nchildren; i++) {
            json_t *f = field_json(&col->children[i], err);
            if (!f || json_array_append_new(fields, f)) {
                json_decref(fields);
                return NULL;
            }
        }
        return fields ? json_pack("{s:s, s:o}", "type", "struct", "fields", fields) : NULL;
    }
    case LH_TYPE_LIST: {
        json_t *e = type_json(&col->children[0], err);
        return e ? json_pack("{s:s, s:o, s:b}", "type", "array", "elementType", e, "containsNull",
                             (int)col->children[0].nullable)
                 : NULL;
    }
    case LH_TYPE_MAP: {
        json_t *k = type_json(&col->children[0], err);
        json_t *v = k ? type_json(&col->children[1], err) : NULL;
        if (!v) {
            json_decref(k);
            return NULL;
        }
        return json_pack("{s:s, s:o, s:o, s:b}", "type", "map", "keyType", k, "valueType", v,
                         "valueContainsNull", (int)col->children[1].nullable);
    }
    default:
        for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
            if (prims[i].id == t->id) return json_string(prims[i].name);
        lh_err_set(err, LH_EINVAL, "delta has no type for %s", lh_type_id_name(t->id));
        return NULL;
    }
}

int lh_delta_schema_write(const lh_delta_schema_t *s, lh_buf_t *out, lh_err_t *err)
{
    lh_delta_column_t top = {.type = s->type, .nchildren = s->ncolumns, .children = s->columns};
    lh_err_t local = {0};
    json_t *j = type_json(&top, &local);
    if (!j) {
        if (!local.code) return oom(err);
        return lh_err_set(err, local.code, "%s", local.msg);
    }
    char *txt = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    if (!txt) return oom(err);
    lh_buf_puts(out, txt);
    free(txt);
    int rc = lh_buf_err(out);
    return rc ? lh_err_set(err, rc, "delta schema too big to buffer") : 0;
}

/* ---- from lh_type_t ---- */

int lh_delta_column_from_type(lh_arena_t *a, const char *name, const lh_type_t *t,
                              lh_delta_column_t *out, lh_err_t *err)
{
    memset(out, 0, sizeof *out);
    out->name = name;
    out->type = *t;
    out->nullable = true;
    out->metadata = name ? "{}" : NULL;
    if (t->id == LH_TYPE_DECIMAL) return 0;
    if (!lh_type_is_nested(t)) {
        for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
            if (prims[i].id == t->id) return 0;
        return lh_err_set(err, LH_EINVAL, "delta has no type for %s%s%s", lh_type_id_name(t->id),
                          name ? " (column " : "", name ? name : "");
    }
    uint32_t n = t->id == LH_TYPE_MAP ? 2 : t->nfields;
    lh_delta_column_t *kids = lh_arena_calloc(a, n * sizeof *kids);
    if (!kids) return oom(err);
    for (uint32_t i = 0; i < n; i++) {
        const lh_type_t *ct = t->id == LH_TYPE_MAP ? (i ? lh_type_map_value(t) : lh_type_map_key(t))
                                                   : &t->fields[i].type;
        const char *cn = t->id == LH_TYPE_STRUCT ? t->fields[i].name : NULL;
        int rc = lh_delta_column_from_type(a, cn, ct, &kids[i], err);
        if (rc) return rc;
    }
    if (t->id == LH_TYPE_MAP) kids[0].nullable = false;
    out->nchildren = n;
    out->children = kids;
    return 0;
}

static bool uses_ntz(const lh_type_t *t)
{
    if (t->id == LH_TYPE_TIMESTAMP) return true;
    for (uint32_t i = 0; lh_type_is_nested(t) && i < t->nfields; i++)
        if (uses_ntz(&t->fields[i].type)) return true;
    return false;
}

int lh_delta_schema_from_type(lh_arena_t *a, const lh_type_t *t, lh_delta_schema_t *out,
                              lh_err_t *err)
{
    if (t->id != LH_TYPE_STRUCT)
        return lh_err_set(err, LH_EINVAL, "a delta schema is a STRUCT, not %s",
                          lh_type_id_name(t->id));
    lh_delta_column_t top;
    int rc = lh_delta_column_from_type(a, NULL, t, &top, err);
    if (rc) return rc;
    out->type = *t;
    out->ncolumns = top.nchildren;
    out->columns = top.children;
    out->uses_timestamp_ntz = uses_ntz(t);
    return 0;
}

const lh_delta_column_t *lh_delta_schema_find(const lh_delta_schema_t *s, const char *name)
{
    for (uint32_t i = 0; i < s->ncolumns; i++)
        if (!strcasecmp(s->columns[i].name, name)) return &s->columns[i];
    return NULL;
}

int lh_delta_schema_add_column(lh_arena_t *a, const lh_delta_schema_t *s,
                               const lh_delta_column_t *col, lh_delta_schema_t *out, lh_err_t *err)
{
    if (!col->name || !*col->name)
        return lh_err_set(err, LH_EINVAL, "a new delta column needs a name");
    if (lh_delta_schema_find(s, col->name))
        return lh_err_set(err, LH_EINVAL, "column '%s' exists", col->name);
    if (!col->nullable)
        return lh_err_set(err, LH_EINVAL,
                          "new column '%s' must be nullable: existing files have no values",
                          col->name);
    uint32_t n = s->ncolumns + 1;
    lh_delta_column_t *cols = lh_arena_calloc(a, n * sizeof *cols);
    lh_field_t *tf = lh_arena_calloc(a, n * sizeof *tf);
    if (!cols || !tf) return oom(err);
    memcpy(cols, s->columns, s->ncolumns * sizeof *cols);
    cols[n - 1] = *col;
    if (!cols[n - 1].metadata) cols[n - 1].metadata = "{}";
    for (uint32_t i = 0; i < n; i++) {
        tf[i].name = cols[i].name;
        tf[i].type = cols[i].type;
    }
    int rc = lh_type_struct(a, tf, n, &out->type);
    if (rc) return lh_err_set(err, rc, "cannot add column '%s'", col->name);
    out->ncolumns = n;
    out->columns = cols;
    out->uses_timestamp_ntz = s->uses_timestamp_ntz || uses_ntz(&col->type);
    return 0;
}
