/* Rebuilds the schema tree from the flattened element list in one pass with
 * an explicit stack of open groups (no recursion, so no depth the input can
 * choose beyond LH_PQ_SCHEMA_MAX_DEPTH), computing levels on the way down
 * and the leaves' paths at the end. */
#include "parquet/schema.h"

#include <string.h>

typedef struct open_group {
    lh_pq_node_t *node;
    uint32_t left; /* children still to come */
} open_group_t;

static int bad(lh_err_t *err, uint32_t i, const lh_pq_schema_elem_t *e, const char *why)
{
    return lh_err_set(err, LH_ECORRUPT, "parquet schema element %u (%s): %s", i,
                      e->name ? e->name : "?", why);
}

/* Checks element i on its own and sets its node's levels from its parent. */
static int check_elem(const lh_pq_schema_elem_t *e, uint32_t i, lh_pq_node_t *nd, lh_err_t *err)
{
    if (e->has_type && (e->type < LH_PQ_BOOLEAN || e->type > LH_PQ_FIXED_LEN_BYTE_ARRAY))
        return bad(err, i, e, "unknown physical type");
    if (e->has_type && e->has_num_children && e->num_children > 0)
        return bad(err, i, e, "a leaf with children");
    if (e->has_type && e->type == LH_PQ_FIXED_LEN_BYTE_ARRAY &&
        (!e->has_type_length || e->type_length < 0))
        return bad(err, i, e, "FIXED_LEN_BYTE_ARRAY without a type_length");
    if (e->has_num_children && e->num_children < 0) return bad(err, i, e, "negative num_children");
    if (!nd->parent) return 0; /* the root: its repetition, if any, does not count */
    if (!e->has_repetition) return bad(err, i, e, "no repetition_type");
    if (e->repetition < LH_PQ_REQUIRED || e->repetition > LH_PQ_REPEATED)
        return bad(err, i, e, "unknown repetition_type");
    nd->depth = nd->parent->depth + 1;
    if (nd->depth > LH_PQ_SCHEMA_MAX_DEPTH) return bad(err, i, e, "nested too deep");
    nd->max_def = (int16_t)(nd->parent->max_def + (e->repetition != LH_PQ_REQUIRED));
    nd->max_rep = (int16_t)(nd->parent->max_rep + (e->repetition == LH_PQ_REPEATED));
    return 0;
}

static int set_paths(lh_arena_t *a, lh_pq_schema_t *s, lh_err_t *err)
{
    s->leaves = s->nleaves ? lh_arena_calloc(a, s->nleaves * sizeof *s->leaves) : NULL;
    if (s->nleaves && !s->leaves)
        return lh_err_set(err, LH_ENOMEM, "parquet schema: out of memory");
    for (uint32_t i = 0; i < s->nnodes; i++) {
        lh_pq_node_t *nd = &s->nodes[i];
        if (nd->column < 0) continue;
        s->leaves[nd->column] = nd;
        nd->path = lh_arena_calloc(a, nd->depth * sizeof *nd->path);
        if (!nd->path) return lh_err_set(err, LH_ENOMEM, "parquet schema: out of memory");
        const lh_pq_node_t *p = nd;
        for (uint32_t k = nd->depth; k > 0; k--, p = p->parent)
            nd->path[k - 1] = p->elem->name;
    }
    return 0;
}

/* Opens node nd as a group of e->num_children children. */
static int open_group(lh_arena_t *a, open_group_t *stack, uint32_t *top, lh_pq_node_t *nd,
                      uint32_t i, uint32_t n, lh_err_t *err)
{
    const lh_pq_schema_elem_t *e = nd->elem;
    uint32_t nc = e->has_num_children ? (uint32_t)e->num_children : 0;
    if (nc == 0 && nd->parent) return bad(err, i, e, "a group without children");
    if (nc > n - i - 1) return bad(err, i, e, "more children than elements follow");
    if (*top >= LH_PQ_SCHEMA_MAX_DEPTH + 1) return bad(err, i, e, "nested too deep");
    nd->children = nc ? lh_arena_calloc(a, nc * sizeof *nd->children) : NULL;
    if (nc && !nd->children) return lh_err_set(err, LH_ENOMEM, "parquet schema: out of memory");
    stack[(*top)++] = (open_group_t){nd, nc};
    return 0;
}

static int build(lh_arena_t *a, const lh_pq_schema_elem_t *elems, uint32_t n, lh_pq_schema_t *s,
                 lh_err_t *err)
{
    open_group_t stack[LH_PQ_SCHEMA_MAX_DEPTH + 1];
    uint32_t top = 0;
    int rc;
    if (n == 0) return lh_err_set(err, LH_ECORRUPT, "parquet schema is empty");
    if (elems[0].has_type) return bad(err, 0, &elems[0], "the root is not a group");
    if (!(s->nodes = lh_arena_calloc(a, n * sizeof *s->nodes)))
        return lh_err_set(err, LH_ENOMEM, "parquet schema: out of memory");
    s->nnodes = n;
    for (uint32_t i = 0; i < n; i++) {
        lh_pq_node_t *nd = &s->nodes[i];
        nd->elem = &elems[i];
        nd->column = -1;
        if (i > 0) {
            while (top && stack[top - 1].left == 0)
                top--;
            if (!top) return bad(err, i, &elems[i], "outside the root's children");
            open_group_t *g = &stack[top - 1];
            nd->parent = g->node;
            g->node->children[g->node->nchildren++] = nd;
            g->left--;
        }
        if ((rc = check_elem(&elems[i], i, nd, err))) return rc;
        if (elems[i].has_type)
            nd->column = (int32_t)s->nleaves++;
        else if ((rc = open_group(a, stack, &top, nd, i, n, err)))
            return rc;
    }
    while (top && stack[top - 1].left == 0)
        top--;
    if (top) return bad(err, n - 1, &elems[n - 1], "the schema ends inside a group");
    return set_paths(a, s, err);
}

int lh_pq_schema_build(lh_arena_t *a, const lh_pq_schema_elem_t *elems, uint32_t n,
                       lh_pq_schema_t *out, lh_err_t *err)
{
    memset(out, 0, sizeof *out);
    int rc = build(a, elems, n, out, err);
    if (rc) memset(out, 0, sizeof *out);
    return rc;
}
