/* Nested columns from definition and repetition levels (the Dremel
 * encoding, parquet-format README "Nested Encoding"). A plan node per output
 * vector says at which definition level its value is not NULL and, for
 * LIST and MAP, at which level an element exists and which repetition level
 * starts a new element.
 *
 * Assembly runs top-down over the levels of one leaf below each node: the
 * entries whose repetition level is at most the node's slot level, with a
 * definition level that reaches the slot, are the node's rows ("slots"); a
 * STRUCT takes its NULLs from its first leaf and hands the same slots to its
 * fields; a LIST counts its elements and hands them to its element vector.
 * Lists follow the format's backward-compatibility rules: the 3-level form
 * (LIST > repeated group > element), a repeated primitive or a repeated group
 * of several fields as the element (2-level), and the `array` / `<name>_tuple`
 * group names; a repeated field outside a LIST is a required list. */
#include "parquet/reader_int.h"

#include <string.h>

static bool is_list(const lh_pq_schema_elem_t *e)
{
    return e->logical.kind == LH_PQ_LT_LIST ||
           (e->has_converted_type && e->converted_type == LH_PQ_CT_LIST);
}

static bool is_map(const lh_pq_schema_elem_t *e)
{
    return e->logical.kind == LH_PQ_LT_MAP ||
           (e->has_converted_type &&
            (e->converted_type == LH_PQ_CT_MAP || e->converted_type == LH_PQ_CT_MAP_KEY_VALUE));
}

static bool is_repeated(const lh_pq_node_t *x)
{
    return x->elem->has_repetition && x->elem->repetition == LH_PQ_REPEATED;
}

typedef struct {
    lh_arena_t *a;
    const lh__pq_leaf_t *leaves;
    lh_err_t *err;
} ctx_t;

static int build(ctx_t *c, const lh_pq_node_t *x, bool as_element, lh__pq_plan_t **out);

static lh__pq_plan_t *new_plan(ctx_t *c, int kind, const lh_pq_node_t *x, uint32_t nchildren)
{
    lh__pq_plan_t *p = lh_arena_calloc(c->a, sizeof *p);
    if (!p) return NULL;
    p->kind = kind;
    p->name = x->elem->name;
    p->present_def = x->max_def;
    p->nchildren = nchildren;
    if (nchildren && !(p->children = lh_arena_calloc(c->a, nchildren * sizeof *p->children)))
        return NULL;
    return p;
}

static int list_of(ctx_t *c, const lh_pq_node_t *x, int kind, const lh_pq_node_t *rep,
                   const lh_pq_node_t *elem, bool elem_as_rep, lh__pq_plan_t **out)
{
    lh__pq_plan_t *p = new_plan(c, kind, x, 1);
    if (!p) return lh_err_set(c->err, LH_ENOMEM, "out of memory");
    if (x == rep) p->present_def = (int16_t)(x->max_def - 1); /* a bare repeated field */
    p->elem_def = rep->max_def;
    p->list_rep = rep->max_rep;
    int rc = build(c, elem, elem_as_rep, &p->children[0]);
    if (rc) return rc;
    p->leaf = p->children[0]->leaf;
    const lh_type_t *et = &p->children[0]->type;
    if (kind == LH__PL_MAP) {
        if (et->id != LH_TYPE_STRUCT || et->nfields != 2)
            return lh_err_set(c->err, LH_EINVAL, "map %s without a key and a value", x->elem->name);
        rc = lh_type_map(c->a, &et->fields[0].type, &et->fields[1].type, &p->type);
    } else {
        rc = lh_type_list(c->a, et, &p->type);
    }
    if (rc) return lh_err_set(c->err, rc, "column %s: unsupported type", x->elem->name);
    *out = p;
    return 0;
}

static int build_struct(ctx_t *c, const lh_pq_node_t *x, lh__pq_plan_t **out)
{
    lh__pq_plan_t *p = new_plan(c, LH__PL_STRUCT, x, x->nchildren);
    lh_field_t *f = lh_arena_calloc(c->a, (x->nchildren ? x->nchildren : 1) * sizeof *f);
    if (!p || !f) return lh_err_set(c->err, LH_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < x->nchildren; i++) {
        int rc = build(c, x->children[i], false, &p->children[i]);
        if (rc) return rc;
        f[i].name = p->children[i]->name;
        f[i].type = p->children[i]->type;
    }
    p->leaf = p->children[0]->leaf;
    int rc = lh_type_struct(c->a, f, x->nchildren, &p->type);
    if (rc)
        return lh_err_set(c->err, rc, "group %s: unsupported (duplicate field names?)",
                          x->elem->name);
    *out = p;
    return 0;
}

/* The element of a LIST-annotated group x whose only child is repeated. */
static int build_list(ctx_t *c, const lh_pq_node_t *x, lh__pq_plan_t **out)
{
    const lh_pq_node_t *r = x->children[0];
    size_t nl = strlen(x->elem->name);
    bool whole =
        !r->nchildren || r->nchildren > 1 || !strcmp(r->elem->name, "array") ||
        (!strncmp(r->elem->name, x->elem->name, nl) && !strcmp(r->elem->name + nl, "_tuple"));
    if (whole) return list_of(c, x, LH__PL_LIST, r, r, true, out);
    return list_of(c, x, LH__PL_LIST, r, r->children[0], false, out);
}

static int build(ctx_t *c, const lh_pq_node_t *x, bool as_element, lh__pq_plan_t **out)
{
    if (is_repeated(x) && !as_element) return list_of(c, x, LH__PL_LIST, x, x, true, out);
    if (!x->nchildren) {
        lh__pq_plan_t *p = new_plan(c, LH__PL_PRIM, x, 0);
        if (!p) return lh_err_set(c->err, LH_ENOMEM, "out of memory");
        p->leaf = x->column;
        p->type = c->leaves[x->column].type;
        *out = p;
        return 0;
    }
    bool one_rep = x->nchildren == 1 && is_repeated(x->children[0]);
    if (!as_element && one_rep && is_list(x->elem)) return build_list(c, x, out);
    if (!as_element && one_rep && is_map(x->elem) && x->children[0]->nchildren == 2)
        return list_of(c, x, LH__PL_MAP, x->children[0], x->children[0], true, out);
    return build_struct(c, x, out);
}

int lh__pq_plan_build(lh_arena_t *a, const lh_pq_schema_t *s, const lh__pq_leaf_t *leaves,
                      lh__pq_plan_t ***out, uint32_t *nout, lh_err_t *err)
{
    ctx_t c = {a, leaves, err};
    const lh_pq_node_t *root = &s->nodes[0];
    lh__pq_plan_t **top = lh_arena_calloc(a, (root->nchildren ? root->nchildren : 1) * sizeof *top);
    if (!top) return lh_err_set(err, LH_ENOMEM, "out of memory");
    for (uint32_t i = 0; i < root->nchildren; i++) {
        int rc = build(&c, root->children[i], false, &top[i]);
        if (rc) return rc;
    }
    *out = top;
    *nout = root->nchildren;
    return 0;
}

/* ---- assembly ---- */

static int disagree(lh_err_t *err)
{
    return lh_err_set(err, LH_ECORRUPT, "nested column levels disagree");
}

static int asm_node(const lh__pq_plan_t *p, int slot_rep, int slot_def, lh__pq_chunk_t **chunks,
                    lh_vector_t *v, uint32_t base, uint32_t nslots, lh_err_t *err);

static int asm_prim(const lh__pq_plan_t *p, int slot_rep, int slot_def, lh__pq_chunk_t *ch,
                    lh_vector_t *v, uint32_t base, uint32_t nslots, lh_err_t *err)
{
    size_t size = lh_type_size(&p->type);
    const uint8_t *src = ch->vals.data;
    uint8_t *dst = v->data;
    uint32_t slot = base, vi = 0;
    for (uint32_t e = 0; e < ch->bn; e++) {
        int rep = ch->brep[e], def = ch->bdef[e];
        bool has = def >= p->present_def;
        if (rep > slot_rep || def < slot_def) {
            if (has) return disagree(err);
            continue;
        }
        if (slot >= base + nslots || (has && vi >= ch->nvals)) return disagree(err);
        if (has) {
            memcpy(dst + (size_t)slot * size, src + (size_t)vi++ * size, size);
            lh_vector_set_valid(v, slot);
        } else {
            memset(dst + (size_t)slot * size, 0, size);
            lh_vector_set_null(v, slot);
        }
        slot++;
    }
    return slot == base + nslots ? 0 : disagree(err);
}

static int asm_struct(const lh__pq_plan_t *p, int slot_rep, int slot_def, lh__pq_chunk_t **chunks,
                      lh_vector_t *v, uint32_t base, uint32_t nslots, lh_err_t *err)
{
    const lh__pq_chunk_t *ch = chunks[p->leaf];
    uint32_t slot = base;
    for (uint32_t e = 0; e < ch->bn; e++) {
        if (ch->brep[e] > slot_rep || ch->bdef[e] < slot_def) continue;
        if (slot >= base + nslots) return disagree(err);
        if (ch->bdef[e] < p->present_def) lh_vector_set_null(v, slot);
        slot++;
    }
    if (slot != base + nslots) return disagree(err);
    for (uint32_t i = 0; i < p->nchildren; i++) {
        int rc = asm_node(p->children[i], slot_rep, slot_def, chunks, &v->children[i], base, nslots,
                          err);
        if (rc) return rc;
    }
    return 0;
}

static int asm_list(const lh__pq_plan_t *p, int slot_rep, int slot_def, lh__pq_chunk_t **chunks,
                    lh_vector_t *v, uint32_t base, uint32_t nslots, lh_err_t *err)
{
    const lh__pq_chunk_t *ch = chunks[p->leaf];
    lh_list_entry_t *ent = lh_vector_list_entries(v);
    uint32_t cbase = v->child_count, total = 0, slot = base;
    int64_t cur = -1;
    for (uint32_t e = 0; e < ch->bn; e++) {
        int rep = ch->brep[e], def = ch->bdef[e];
        if (rep <= slot_rep) {
            cur = -1;
            if (def < slot_def) continue;
            if (slot >= base + nslots) return disagree(err);
            cur = slot++;
            ent[cur] = (lh_list_entry_t){cbase + total, 0};
            if (def < p->present_def) {
                lh_vector_set_null(v, (uint32_t)cur);
            } else if (def >= p->elem_def) {
                ent[cur].length++;
                total++;
            }
        } else if (rep <= p->list_rep) {
            if (cur < 0 || def < p->elem_def) return disagree(err);
            ent[cur].length++;
            total++;
        }
    }
    if (slot != base + nslots) return disagree(err);
    if ((uint64_t)cbase + total > LH_VECTOR_MAX_ROWS)
        return lh_err_set(err, LH_ETOOBIG, "list elements over %u", LH_VECTOR_MAX_ROWS);
    lh_vector_t *child = v->child;
    if (cbase + total > child->capacity) {
        uint32_t c = child->capacity ? child->capacity : 1024;
        while (c < cbase + total)
            c = c > LH_VECTOR_MAX_ROWS / 2 ? LH_VECTOR_MAX_ROWS : c * 2;
        if (lh_vector_reserve(child, c)) return lh_err_set(err, LH_ENOMEM, "out of memory");
    }
    int rc = asm_node(p->children[0], p->list_rep, p->elem_def, chunks, child, cbase, total, err);
    v->child_count = cbase + total;
    return rc;
}

static int asm_node(const lh__pq_plan_t *p, int slot_rep, int slot_def, lh__pq_chunk_t **chunks,
                    lh_vector_t *v, uint32_t base, uint32_t nslots, lh_err_t *err)
{
    switch (p->kind) {
    case LH__PL_PRIM:
        return asm_prim(p, slot_rep, slot_def, chunks[p->leaf], v, base, nslots, err);
    case LH__PL_STRUCT:
        return asm_struct(p, slot_rep, slot_def, chunks, v, base, nslots, err);
    default:
        return asm_list(p, slot_rep, slot_def, chunks, v, base, nslots, err);
    }
}

int lh__pq_assemble(const lh__pq_plan_t *p, lh__pq_chunk_t **chunks, lh_vector_t *v, uint32_t n,
                    lh_err_t *err)
{
    return asm_node(p, 0, 0, chunks, v, 0, n, err);
}
