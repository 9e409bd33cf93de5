/* Internals of HASH_GROUP_BY shared by op_aggregate.c (the table, folding,
 * output) and groupby_par.c (thread-local tables and their merge). */
#ifndef LH_SQL_GROUPBY_INT_H
#define LH_SQL_GROUPBY_INT_H
#include "sql/exec/exec_int.h"
#include "sql/exec/rowset.h"

#define LH_GB_DIRECT 1024 /* keys near the first one a direct array maps to their groups */
#define LH_GB_DICT_KEYS 4 /* dictionary-coded keys at most (find_groups_dict) */

/* A DISTINCT aggregate whose one argument is a column of dictionary codes:
 * bit g * size + code set once group g's rows offered dictionary entry code
 * to the aggregate's set (distinct_dict_rows in op_aggregate.c). */
typedef struct lh_gb_dseen {
    const lh_vector_t *dict; /* the dictionary the bits are of (address and stamp) */
    uint64_t stamp;
    uint32_t size;   /* its entries */
    uint64_t *bits;  /* words of bits for groups below groups */
    uint64_t groups; /* groups the words hold (words = groups * size / 64, rounded up) */
} lh_gb_dseen_t;

typedef struct agg_op {
    lh_expr_state_t **keys;   /* ngroups key expressions */
    lh_expr_state_t ***args;  /* per aggregate: its argument expressions */
    lh_expr_state_t **filter; /* per aggregate: FILTER, or NULL */
    lh_rowset_t **seen;       /* per DISTINCT aggregate: (group, arguments) already folded */
    lh_gb_dseen_t *dseen;     /* per DISTINCT aggregate: what its dictionary's rows offered */
    uint32_t nkeys, naggs;
    uint32_t *offset; /* per aggregate: its state's offset in a group row */
    uint32_t row_size;
    lh_type_t *key_types;
    uint8_t key_phys[64]; /* per key: lh_phys_t of its type */
    lh_batch_t **chunks;  /* group keys */
    uint8_t **blocks;     /* group states, LH_BATCH_ROWS rows per block */
    uint32_t nchunks, cap_chunks;
    uint64_t ngroups;
    uint64_t *slots, mask; /* hash's high 32 bits | (group number + 1); 0 empty */
    uint64_t *hashes;      /* per group */
    uint64_t cap_hashes;
    bool built;
    uint32_t out_chunk; /* the next chunk handed out */
    lh_sql_actx_t actx;
    lh_arena_t *state_arena;
    const lh_vector_t *kv[64];
    lh_vector_t argv[LH_SQL_MAX_ARGS];
    uint64_t h[LH_BATCH_ROWS];
    uint64_t gid[LH_BATCH_ROWS];
    void *ptrs[LH_BATCH_ROWS];
    uint32_t sel[LH_BATCH_ROWS];
    uint32_t sel2[LH_BATCH_ROWS];
    lh_arena_t **kept;     /* parallel: the workers' state arenas merged states may point into */
    uint32_t nparts, part; /* nparts > 1: the table takes only the rows whose hash is in part */
    int64_t dm_base;       /* one integer key: dm[x - dm_base] = group of key x + 1 (0: unknown) */
    bool dm_set;
    uint32_t dm[LH_GB_DIRECT];
    uint32_t pn; /* the current batch's rows of the part, in psel */
    uint32_t psel[LH_BATCH_ROWS];
    uint32_t nkept;
    /* keys that are a Parquet column chunk's dictionary codes (find_groups_dict):
       per key the dictionary of the last batch (address and stamp) and its
       entries' hashes as far as computed (bit per entry in dk_done); and
       cells dk_map[sum of code * dk_stride] = dk_epoch << 32 | (group + 1), or
       | UINT32_MAX for another part's, of the current dictionaries' epoch */
    const lh_vector_t *dk_dict[LH_GB_DICT_KEYS];
    uint64_t dk_stamp[LH_GB_DICT_KEYS];
    uint32_t dk_size[LH_GB_DICT_KEYS], dk_cap[LH_GB_DICT_KEYS];
    uint64_t *dk_hash[LH_GB_DICT_KEYS], *dk_done[LH_GB_DICT_KEYS];
    uint64_t dk_stride[LH_GB_DICT_KEYS];
    uint64_t *dk_map, dk_cells; /* dk_cells: the map's size */
    uint32_t dk_epoch;
    uint32_t dk_miss[LH_BATCH_ROWS];
} agg_op_t;

/* Group g's states (row_size bytes). */
static inline uint8_t *lh__gb_row(agg_op_t *st, uint64_t g)
{
    return st->blocks[g / LH_BATCH_ROWS] + (g % LH_BATCH_ROWS) * (size_t)st->row_size;
}

/* The part (of nparts) of a row of hash h: all of h's bits mixed (the
 * table's slots use the low bits, its tags the high ones). */
static inline uint32_t lh__gb_part(uint64_t h, uint32_t nparts)
{
    return (uint32_t)(((h * UINT64_C(0x9e3779b97f4a7c15)) >> 32) % nparts);
}

/* Sets the out-of-memory error; returns LH_ENOMEM. */
int lh__gb_oom(lh_op_t *op);
/* st's key and argument expressions, state layout and arena for op's plan. */
int lh__gb_setup(lh_op_t *op, agg_op_t *st);
/* Folds every batch of child into st's groups. */
int lh__gb_consume(lh_op_t *op, agg_op_t *st, lh_op_t *child);
/* A new group from row r of the key vectors st->kv: keys copied, states initialised. */
int lh__gb_add_group(lh_op_t *op, agg_op_t *st, uint32_t r, uint64_t h, uint64_t *g_out);
/* The group of row r of the key vectors st->kv (hash h), made when new. */
int lh__gb_find_or_add(lh_op_t *op, agg_op_t *st, uint32_t r, uint64_t h, uint64_t *gid);
/* Frees what st holds (states destroyed); its state arena too unless keep_arena. */
void lh__gb_free_state(lh_op_t *op, agg_op_t *st, bool keep_arena);
/* Builds st from the child on the pool's threads. 1: built; 0: not
 * splittable (build serially); < 0 an error. */
int lh__gb_build_parallel(lh_op_t *op, agg_op_t *st);

#endif
