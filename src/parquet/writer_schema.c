/* The writer's schema: the column types (vector/types.h) turned into writer
 * nodes with their definition and repetition levels, one leaf per Parquet
 * column, and the flattened SchemaElement list of the footer. The mapping
 * is in src/parquet/README.md (writer section). */
#include "parquet/writer_int.h"

#include <string.h>

typedef struct walk {
    lh_pq_writer_t *w;
    const char *names[2 * LH_TYPE_MAX_DEPTH + 8];
    uint32_t depth;
    lh_err_t *err;
} walk_t;

/* Bytes of a big-endian two's complement integer holding every p-digit value. */
static uint32_t decimal_bytes(int p)
{
    lh_int128_t max = 1;
    for (int i = 0; i < p; i++)
        max *= 10;
    max -= 1;
    uint32_t n = 1;
    while (n < 16 && max >= ((lh_int128_t)1 << (8 * n - 1)))
        n++;
    return n;
}

static void integer(lh_pq_schema_elem_t *e, int32_t phys, int bits, bool is_signed, int ct)
{
    e->type = phys;
    e->logical.kind = LH_PQ_LT_INTEGER;
    e->logical.bit_width = (int8_t)bits;
    e->logical.is_signed = is_signed;
    e->has_converted_type = true;
    e->converted_type = ct;
}

static void decimal(lh_pq_schema_elem_t *e, int p, int s)
{
    e->logical.kind = LH_PQ_LT_DECIMAL;
    e->logical.precision = p;
    e->logical.scale = s;
    e->has_converted_type = true;
    e->converted_type = LH_PQ_CT_DECIMAL;
    e->has_precision = e->has_scale = true;
    e->precision = p;
    e->scale = s;
}

/* The physical type, width, order and annotations of a scalar leaf. */
static int scalar(const lh_type_t *t, lh_pq_schema_elem_t *e, lh__pq_leaf_t *l, lh_err_t *err)
{
    e->has_type = true;
    l->width = 4;
    switch (t->id) {
    case LH_TYPE_BOOLEAN:
        e->type = LH_PQ_BOOLEAN, l->width = 1, l->ord = LH__ORD_BOOL;
        break;
    case LH_TYPE_TINYINT:
        integer(e, LH_PQ_INT32, 8, true, LH_PQ_CT_INT_8), l->ord = LH__ORD_I32;
        break;
    case LH_TYPE_SMALLINT:
        integer(e, LH_PQ_INT32, 16, true, LH_PQ_CT_INT_16), l->ord = LH__ORD_I32;
        break;
    case LH_TYPE_INTEGER:
        integer(e, LH_PQ_INT32, 32, true, LH_PQ_CT_INT_32), l->ord = LH__ORD_I32;
        break;
    case LH_TYPE_BIGINT:
        integer(e, LH_PQ_INT64, 64, true, LH_PQ_CT_INT_64), l->width = 8, l->ord = LH__ORD_I64;
        break;
    case LH_TYPE_UTINYINT:
        integer(e, LH_PQ_INT32, 8, false, LH_PQ_CT_UINT_8), l->ord = LH__ORD_U32;
        break;
    case LH_TYPE_USMALLINT:
        integer(e, LH_PQ_INT32, 16, false, LH_PQ_CT_UINT_16), l->ord = LH__ORD_U32;
        break;
    case LH_TYPE_UINTEGER:
        integer(e, LH_PQ_INT32, 32, false, LH_PQ_CT_UINT_32), l->ord = LH__ORD_U32;
        break;
    case LH_TYPE_UBIGINT:
        integer(e, LH_PQ_INT64, 64, false, LH_PQ_CT_UINT_64), l->width = 8, l->ord = LH__ORD_U64;
        break;
    case LH_TYPE_HUGEINT:
        e->type = LH_PQ_FIXED_LEN_BYTE_ARRAY, l->width = 16, l->ord = LH__ORD_FLBA;
        decimal(e, 38, 0);
        break;
    case LH_TYPE_FLOAT:
        e->type = LH_PQ_FLOAT, l->ord = LH__ORD_FLOAT;
        break;
    case LH_TYPE_DOUBLE:
        e->type = LH_PQ_DOUBLE, l->width = 8, l->ord = LH__ORD_DOUBLE;
        break;
    case LH_TYPE_DECIMAL:
        decimal(e, t->width, t->scale);
        if (t->width <= 9) {
            e->type = LH_PQ_INT32, l->ord = LH__ORD_I32;
        } else if (t->width <= 18) {
            e->type = LH_PQ_INT64, l->width = 8, l->ord = LH__ORD_I64;
        } else {
            e->type = LH_PQ_FIXED_LEN_BYTE_ARRAY, l->ord = LH__ORD_FLBA;
            l->width = decimal_bytes(t->width);
        }
        break;
    case LH_TYPE_DATE:
        e->type = LH_PQ_INT32, l->ord = LH__ORD_I32;
        e->logical.kind = LH_PQ_LT_DATE;
        e->has_converted_type = true, e->converted_type = LH_PQ_CT_DATE;
        break;
    case LH_TYPE_TIME:
        e->type = LH_PQ_INT64, l->width = 8, l->ord = LH__ORD_I64;
        e->logical.kind = LH_PQ_LT_TIME, e->logical.unit = LH_PQ_MICROS;
        break;
    case LH_TYPE_TIMESTAMP:
    case LH_TYPE_TIMESTAMP_TZ:
        e->type = LH_PQ_INT64, l->width = 8, l->ord = LH__ORD_I64;
        e->logical.kind = LH_PQ_LT_TIMESTAMP, e->logical.unit = LH_PQ_MICROS;
        e->logical.utc = t->id == LH_TYPE_TIMESTAMP_TZ;
        /* the converted type means isAdjustedToUTC=true: only for the instant */
        if (e->logical.utc)
            e->has_converted_type = true, e->converted_type = LH_PQ_CT_TIMESTAMP_MICROS;
        break;
    case LH_TYPE_INTERVAL:
        e->type = LH_PQ_FIXED_LEN_BYTE_ARRAY, l->width = 12, l->ord = LH__ORD_NONE;
        e->has_converted_type = true, e->converted_type = LH_PQ_CT_INTERVAL;
        break;
    case LH_TYPE_VARCHAR:
        e->type = LH_PQ_BYTE_ARRAY, l->width = 0, l->ord = LH__ORD_BYTES;
        e->logical.kind = LH_PQ_LT_STRING;
        e->has_converted_type = true, e->converted_type = LH_PQ_CT_UTF8;
        break;
    case LH_TYPE_BLOB:
        e->type = LH_PQ_BYTE_ARRAY, l->width = 0, l->ord = LH__ORD_BYTES;
        break;
    default:
        return lh_err_set(err, LH_EINVAL, "parquet writer: no Parquet type for %s",
                          lh_type_id_name((lh_type_id_t)t->id));
    }
    if (e->type == LH_PQ_FIXED_LEN_BYTE_ARRAY)
        e->has_type_length = true, e->type_length = (int32_t)l->width;
    l->phys = e->type;
    return 0;
}

static lh_pq_schema_elem_t *elem(walk_t *k, const char *name, int rep)
{
    lh_pq_writer_t *w = k->w;
    lh_pq_schema_elem_t *e = &w->elems[w->nelems++];
    memset(e, 0, sizeof *e);
    e->name = (char *)name;
    e->has_repetition = true;
    e->repetition = rep;
    return e;
}

static void group(lh_pq_schema_elem_t *e, uint32_t n)
{
    e->has_num_children = true;
    e->num_children = (int32_t)n;
}

static int node(walk_t *k, lh__pq_wnode_t *n, const char *name, const lh_type_t *t, uint8_t def,
                uint8_t rep, bool required);

static int leaf(walk_t *k, lh__pq_wnode_t *n, lh_pq_schema_elem_t *e)
{
    lh_pq_writer_t *w = k->w;
    lh__pq_leaf_t *l = &w->leaves[w->nleaves];
    memset(l, 0, sizeof *l);
    int rc = scalar(&n->type, e, l, k->err);
    if (rc) return rc;
    n->kind = LH__W_LEAF;
    n->leaf = w->nleaves++;
    l->node = n;
    l->type = n->type;
    l->max_def = n->def;
    l->max_rep = n->rep;
    l->depth = k->depth;
    l->path = lh_arena_alloc(w->arena, k->depth * sizeof *l->path);
    if (!l->path) return lh_err_set(k->err, LH_ENOMEM, "parquet writer: out of memory");
    lh_buf_t dotted;
    lh_buf_init(&dotted, 0);
    for (uint32_t i = 0; i < k->depth; i++) {
        l->path[i] = (char *)k->names[i];
        lh_buf_printf(&dotted, "%s%s", i ? "." : "", k->names[i]);
    }
    l->dotted = lh_buf_err(&dotted) ? NULL : lh_arena_strdup(w->arena, dotted.ptr);
    lh_buf_free(&dotted);
    if (!l->dotted) return lh_err_set(k->err, LH_ENOMEM, "parquet writer: out of memory");
    l->file = &w->files[n->leaf];
    lh_buf_init(&l->file->smin, 0), lh_buf_init(&l->file->smax, 0);
    lh__pq_leaf_init(l);
    return 0;
}

static int children(walk_t *k, lh__pq_wnode_t *n, uint32_t count)
{
    n->nchildren = count;
    n->children = lh_arena_calloc(k->w->arena, count * sizeof *n->children);
    return n->children ? 0 : lh_err_set(k->err, LH_ENOMEM, "parquet writer: out of memory");
}

/* A LIST (element) or MAP (key, value) below its repeated group. */
static int repeated(walk_t *k, lh__pq_wnode_t *n, lh_pq_schema_elem_t *e)
{
    bool map = n->type.id == LH_TYPE_MAP;
    n->kind = map ? LH__W_MAP : LH__W_LIST;
    n->rep = (uint8_t)(n->rep + 1);
    e->logical.kind = map ? LH_PQ_LT_MAP : LH_PQ_LT_LIST;
    e->has_converted_type = true;
    e->converted_type = map ? LH_PQ_CT_MAP : LH_PQ_CT_LIST;
    group(e, 1);
    const char *gname = map ? "key_value" : "list";
    group(elem(k, gname, LH_PQ_REPEATED), map ? 2 : 1);
    k->names[k->depth++] = gname;
    int rc = children(k, n, map ? 2 : 1);
    uint8_t d = (uint8_t)(n->def + 1);
    if (!rc && map) {
        rc = node(k, &n->children[0], "key", lh_type_map_key(&n->type), d, n->rep, true);
        if (!rc)
            rc = node(k, &n->children[1], "value", lh_type_map_value(&n->type), d, n->rep, false);
    } else if (!rc) {
        rc = node(k, &n->children[0], "element", lh_type_child(&n->type), d, n->rep, false);
    }
    k->depth--;
    return rc;
}

static int node(walk_t *k, lh__pq_wnode_t *n, const char *name, const lh_type_t *t, uint8_t def,
                uint8_t rep, bool required)
{
    if (k->depth >= sizeof k->names / sizeof k->names[0] - 2)
        return lh_err_set(k->err, LH_EINVAL, "parquet writer: schema nested too deeply");
    n->type = *t;
    n->required = required;
    n->def = required ? def : (uint8_t)(def + 1);
    n->rep = rep;
    lh_pq_schema_elem_t *e = elem(k, name, required ? LH_PQ_REQUIRED : LH_PQ_OPTIONAL);
    k->names[k->depth++] = name;
    int rc = 0;
    if (t->id == LH_TYPE_STRUCT) {
        n->kind = LH__W_STRUCT;
        group(e, t->nfields);
        rc = children(k, n, t->nfields);
        for (uint32_t i = 0; !rc && i < t->nfields; i++)
            rc =
                node(k, &n->children[i], t->fields[i].name, &t->fields[i].type, n->def, rep, false);
    } else if (t->id == LH_TYPE_LIST || t->id == LH_TYPE_MAP) {
        rc = repeated(k, n, e);
    } else {
        rc = leaf(k, n, e);
    }
    k->depth--;
    return rc;
}

/* Elements and leaves below t (t's own element included). */
static void count(const lh_type_t *t, uint32_t *elems, uint32_t *leaves)
{
    (*elems)++;
    if (t->id == LH_TYPE_STRUCT) {
        for (uint32_t i = 0; i < t->nfields; i++)
            count(&t->fields[i].type, elems, leaves);
    } else if (t->id == LH_TYPE_LIST) {
        (*elems)++;
        count(lh_type_child(t), elems, leaves);
    } else if (t->id == LH_TYPE_MAP) {
        (*elems)++;
        count(lh_type_map_key(t), elems, leaves);
        count(lh_type_map_value(t), elems, leaves);
    } else {
        (*leaves)++;
    }
}

int lh__pq_w_schema(lh_pq_writer_t *w, lh_err_t *err)
{
    uint32_t ne = 0, nl = 0;
    for (uint32_t i = 0; i < w->schema.nfields; i++)
        count(&w->schema.fields[i].type, &ne, &nl);
    w->ncols = w->schema.nfields;
    w->cols = lh_arena_calloc(w->arena, w->ncols * sizeof *w->cols);
    w->elems = lh_arena_calloc(w->arena, (ne + 1) * sizeof *w->elems);
    w->leaves = lh_arena_calloc(w->arena, nl * sizeof *w->leaves + 1);
    w->files = lh_arena_calloc(w->arena, nl * sizeof *w->files + 1);
    w->fl = w->leaves;
    if (!w->cols || !w->elems || !w->leaves || !w->files)
        return lh_err_set(err, LH_ENOMEM, "parquet writer: out of memory");
    walk_t k = {.w = w, .err = err};
    group(elem(&k, "schema", LH_PQ_REQUIRED), w->ncols);
    w->elems[0].has_repetition = false;
    for (uint32_t i = 0; i < w->ncols; i++) {
        int rc =
            node(&k, &w->cols[i], w->schema.fields[i].name, &w->schema.fields[i].type, 0, 0, false);
        if (rc) return rc;
    }
    return 0;
}
