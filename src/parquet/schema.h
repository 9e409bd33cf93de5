/* The schema of a Parquet file as a tree: the footer's flattened, depth-first
 * SchemaElement list turned into nodes with parents and children, each leaf
 * (one column chunk per row group) numbered in file order with its path and
 * its maximum definition and repetition levels. */
#ifndef LH_PARQUET_SCHEMA_H
#define LH_PARQUET_SCHEMA_H

#include "core/arena.h"
#include "core/err.h"
#include "parquet/meta.h"

#include <stdint.h>

/* Deepest nesting below the root the builder accepts. */
#define LH_PQ_SCHEMA_MAX_DEPTH 64

typedef struct lh_pq_node {
    const lh_pq_schema_elem_t *elem; /* the footer's element (not copied) */
    struct lh_pq_node *parent;       /* NULL for the root */
    struct lh_pq_node **children;    /* in file order; NULL for a leaf */
    uint32_t nchildren;
    uint32_t depth;    /* 0 for the root */
    int16_t max_def;   /* optional or repeated nodes from the root down, this one included */
    int16_t max_rep;   /* repeated nodes from the root down, this one included */
    int32_t column;    /* leaf: its column index (0..nleaves-1); group: -1 */
    const char **path; /* leaf: the names below the root, depth of them; else NULL */
} lh_pq_node_t;

typedef struct lh_pq_schema {
    lh_pq_node_t *nodes; /* one per element, in element order; nodes[0] is the root */
    uint32_t nnodes;
    lh_pq_node_t **leaves; /* the columns in file order */
    uint32_t nleaves;
} lh_pq_schema_t;

/* Builds the tree for elems[0..n) in arena a (the footer's arena fits: the
 * nodes point at the elements). Checks: at least the root; the root and
 * every group have no type, every leaf has one and no children; a group
 * below the root has at least one child and no more than the elements left;
 * the elements are used up exactly (no overrun, nothing left over); every
 * element below the root has a repetition of REQUIRED/OPTIONAL/REPEATED; a
 * physical type is one of the eight; FIXED_LEN_BYTE_ARRAY has a type_length
 * of 0 or more; nesting is at most LH_PQ_SCHEMA_MAX_DEPTH. Returns 0,
 * LH_ECORRUPT with the offending element named, or LH_ENOMEM. On failure
 * *out is zeroed (what was allocated stays in the arena). */
int lh_pq_schema_build(lh_arena_t *a, const lh_pq_schema_elem_t *elems, uint32_t n,
                       lh_pq_schema_t *out, lh_err_t *err);

#endif
