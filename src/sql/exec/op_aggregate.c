/* HASH_GROUP_BY: groups rows by their key values in a hash table and folds
 * each aggregate's arguments into per-group states; then hands out one row
 * per group (keys, then aggregate results) in the order groups appeared.
 * Without GROUP BY there is exactly one group, even over no rows.
 *
 * Storage: group keys are copied into batches of LH_BATCH_ROWS groups; the
 * aggregate states of a group are one row of `row_size` bytes in a block
 * per key batch; the table is open addressing over group numbers with the
 * full hash kept per group, so growing never re-reads keys. NULL keys form
 * their own group (SQL's GROUP BY treats NULLs as equal). */
#include <stdlib.h>
#include <string.h>

#include "sql/exec/groupby_int.h"
#include "sql/exec/rowops.h"

int lh__gb_oom(lh_op_t *op)
{
    return lh_sql_err(op->ex->err, LH_ENOMEM, LH_SQL_EOOM, -1, "out of memory in GROUP BY");
}

#define TAG UINT64_C(0xffffffff00000000) /* a slot's hash bits, checked before the keys */
#define MAX_GROUPS UINT64_C(0xfffffffe)

static int grow_table(agg_op_t *st)
{
    uint64_t cap = st->slots ? (st->mask + 1) * 2 : 1024;
    uint64_t *s = lh__zalloc(cap, sizeof *s);
    if (!s) return LH_ENOMEM;
    for (uint64_t g = 0; g < st->ngroups; g++) {
        uint64_t i = st->hashes[g] & (cap - 1);
        while (s[i])
            i = (i + 1) & (cap - 1);
        s[i] = (st->hashes[g] & TAG) | (g + 1);
    }
    free(st->slots);
    st->slots = s;
    st->mask = cap - 1;
    return 0;
}

static int new_chunk(lh_op_t *op, agg_op_t *st)
{
    if (st->nchunks == st->cap_chunks) {
        uint32_t cap = st->cap_chunks ? st->cap_chunks * 2 : 8;
        lh_batch_t **c = realloc(st->chunks, cap * sizeof *c);
        if (!c) return LH_ENOMEM;
        st->chunks = c;
        uint8_t **b = realloc(st->blocks, cap * sizeof *b);
        if (!b) return LH_ENOMEM;
        st->blocks = b;
        st->cap_chunks = cap;
    }
    st->blocks[st->nchunks] = calloc(LH_BATCH_ROWS, st->row_size ? st->row_size : 1);
    if (!st->blocks[st->nchunks]) return LH_ENOMEM;
    int rc = lh_batch_new(st->key_types, st->nkeys, &st->chunks[st->nchunks]);
    if (rc) {
        free(st->blocks[st->nchunks]);
        return rc;
    }
    st->nchunks++;
    return 0;
}

/* Row r of src into row drow of a group key column: flat values of a fixed
 * size and short strings stored directly, the rest through lh_vector_copy. */
static int copy_key(lh_vector_t *dst, uint32_t drow, const lh_vector_t *src, uint32_t r,
                    uint8_t phys)
{
    if (src->kind != LH_VECTOR_FLAT) return lh_vector_copy(dst, drow, src, &r, 1);
    if (!lh_validity_get(src->validity, r)) {
        lh_vector_set_null(dst, drow);
        return 0;
    }
    const uint8_t *s = src->data;
    uint8_t *d = dst->data;
    bool fixed = phys >= LH_PHYS_BOOL && phys <= LH_PHYS_INTERVAL; /* not strings, not nested */
    switch (fixed ? lh_type_size(&src->type) : 0) {
    case 1:
        d[drow] = s[r];
        return 0;
    case 2:
        memcpy(d + 2 * (size_t)drow, s + 2 * (size_t)r, 2);
        return 0;
    case 4:
        memcpy(d + 4 * (size_t)drow, s + 4 * (size_t)r, 4);
        return 0;
    case 8:
        memcpy(d + 8 * (size_t)drow, s + 8 * (size_t)r, 8);
        return 0;
    default:
        break;
    }
    if (phys == LH_PHYS_STRING && ((const lh_string_t *)s)[r].len <= LH_STRING_INLINE) {
        ((lh_string_t *)dst->data)[drow] = ((const lh_string_t *)s)[r];
        return 0;
    }
    return lh_vector_copy(dst, drow, src, &r, 1);
}

/* A new group from row r of the key vectors: keys copied, states initialised. */
int lh__gb_add_group(lh_op_t *op, agg_op_t *st, uint32_t r, uint64_t h, uint64_t *g_out)
{
    uint64_t g = st->ngroups;
    if (g >= MAX_GROUPS)
        return lh_sql_err(op->ex->err, LH_ETOOBIG, LH_SQL_EOOM, -1,
                          "GROUP BY with too many groups");
    if (g % LH_BATCH_ROWS == 0) {
        int rc = lh__op_charge(op, lh__batch_bytes(st->key_types, st->nkeys) +
                                       (int64_t)st->row_size * LH_BATCH_ROWS + 32 * LH_BATCH_ROWS);
        if (!rc) rc = new_chunk(op, st);
        if (rc) return rc;
    }
    if (g == st->cap_hashes) {
        uint64_t cap = st->cap_hashes ? st->cap_hashes * 2 : 1024;
        uint64_t *hs = realloc(st->hashes, cap * sizeof *hs);
        if (!hs) return LH_ENOMEM;
        st->hashes = hs;
        st->cap_hashes = cap;
    }
    lh_batch_t *c = st->chunks[g / LH_BATCH_ROWS];
    for (uint32_t k = 0; k < st->nkeys; k++) {
        int rc = copy_key(&c->cols[k], c->count, st->kv[k], r, st->key_phys[k]);
        if (rc) return rc;
    }
    c->count++;
    st->hashes[g] = h;
    uint8_t *row = lh__gb_row(st, g);
    for (uint32_t j = 0; j < st->naggs; j++) {
        const lh_plan_agg_t *a = &op->plan->u.agg.aggs[j];
        a->agg->init(a->bind_data, row + st->offset[j]);
    }
    st->ngroups++;
    *g_out = g;
    return 0;
}

static bool keys_equal(agg_op_t *st, uint64_t g, uint32_t r)
{
    const lh_batch_t *c = st->chunks[g / LH_BATCH_ROWS];
    uint32_t gr = (uint32_t)(g % LH_BATCH_ROWS);
    for (uint32_t k = 0; k < st->nkeys; k++) {
        const lh_vector_t *kv = st->kv[k];
        bool a = lh_vector_is_valid(&c->cols[k], gr), b = lh_vector_is_valid(kv, r);
        if (a != b) return false;
        if (!a) continue;
        const lh_vector_t *gv = &c->cols[k]; /* group keys are flat */
        if (kv->kind == LH_VECTOR_FLAT && st->key_phys[k] == LH_PHYS_INT32) {
            if (((const int32_t *)gv->data)[gr] != ((const int32_t *)kv->data)[r]) return false;
        } else if (kv->kind == LH_VECTOR_FLAT && st->key_phys[k] == LH_PHYS_INT64) {
            if (((const int64_t *)gv->data)[gr] != ((const int64_t *)kv->data)[r]) return false;
        } else if (!lh__row_equal(gv, gr, kv, r))
            return false;
    }
    return true;
}

/* The group of row r of the key vectors st->kv (hash h), made when new. */
int lh__gb_find_or_add(lh_op_t *op, agg_op_t *st, uint32_t r, uint64_t h, uint64_t *gid)
{
    if ((st->ngroups + 1) * 2 > st->mask + 1 && grow_table(st)) return lh__gb_oom(op);
    uint64_t i = h & st->mask, g = 0;
    for (;; i = (i + 1) & st->mask) {
        uint64_t s = st->slots[i];
        if (!s) {
            int arc = lh__gb_add_group(op, st, r, h, &g);
            if (arc) return op->ex->err->e.code ? arc : lh__gb_oom(op);
            st->slots[i] = (h & TAG) | (g + 1);
            break;
        }
        if (!((s ^ h) & TAG) && keys_equal(st, (s & ~TAG) - 1, r)) {
            g = (s & ~TAG) - 1;
            break;
        }
    }
    *gid = g;
    return 0;
}

/* Whether group g's key k equals row r of st->kv[k] (flat, constant or a
 * dictionary's, non-NULL, of an integer or string physical type). */
static inline bool key_is(const agg_op_t *st, uint32_t k, uint64_t g, uint32_t r)
{
    const lh_vector_t *gv = &st->chunks[g / LH_BATCH_ROWS]->cols[k];
    const lh_vector_t *kv = lh_vector_values(st->kv[k]);
    uint32_t gr = (uint32_t)(g % LH_BATCH_ROWS);
    r = lh_vector_row(st->kv[k], r); /* a constant's row 0, a dictionary's entry */
    if (!lh_validity_get(gv->validity, gr)) return false;
    switch (st->key_phys[k]) {
    case LH_PHYS_INT32:
        return ((const int32_t *)gv->data)[gr] == ((const int32_t *)kv->data)[r];
    case LH_PHYS_INT64:
        return ((const int64_t *)gv->data)[gr] == ((const int64_t *)kv->data)[r];
    default: { /* short strings are equal exactly when their 16 bytes are */
        const lh_string_t *x = &((const lh_string_t *)gv->data)[gr];
        const lh_string_t *y = &((const lh_string_t *)kv->data)[r];
        if (x->len <= LH_STRING_INLINE) return !memcmp(x, y, sizeof *x);
        return lh_string_equal(x, y);
    }
    }
}

/* Whether find_groups_fast applies: at most 4 flat, constant (a partition
 * column is constant per file) or dictionary keys (of a flat dictionary) of
 * 32- or 64-bit integers or strings. */
static bool fast_keys(const agg_op_t *st)
{
    if (!st->nkeys || st->nkeys > 4) return false;
    for (uint32_t k = 0; k < st->nkeys; k++) {
        uint8_t ph = st->key_phys[k], kind = st->kv[k]->kind;
        if ((kind != LH_VECTOR_FLAT && kind != LH_VECTOR_CONSTANT &&
             (kind != LH_VECTOR_DICTIONARY || st->kv[k]->dict->kind != LH_VECTOR_FLAT)) ||
            (ph != LH_PHYS_INT32 && ph != LH_PHYS_INT64 && ph != LH_PHYS_STRING))
            return false;
    }
    return true;
}

/* The group row r's home slot names (when its tag matches): with deref,
 * the bytes of its long string keys and of row r's are fetched ahead, else
 * its keys in the group's chunk (the values, or the string views) and its
 * aggregate states. With many groups each of those is a cache miss the
 * probe and the fold would wait for: 80% of the probe's time over 120,000
 * groups of three integer keys was the compare of the first key, and the
 * bytes of long string keys (addresses, hashes) are one more. Always
 * inlined: GCC 12 took a function that only prefetches for one without
 * effects and dropped its calls (none of these prefetches was in the
 * binary before). */
__attribute__((always_inline)) static inline void prefetch_group(const agg_op_t *st, uint32_t r,
                                                                 bool deref)
{
    uint64_t h = st->h[r], sl = st->slots[h & st->mask];
    if (!sl || ((sl ^ h) & TAG)) return;
    uint64_t g = (sl & ~TAG) - 1;
    const lh_batch_t *c = st->chunks[g / LH_BATCH_ROWS];
    uint32_t gr = (uint32_t)(g % LH_BATCH_ROWS);
    if (!deref && st->row_size) __builtin_prefetch(lh__gb_row((agg_op_t *)st, g), 1);
    for (uint32_t k = 0; k < st->nkeys; k++) {
        if (st->key_phys[k] != LH_PHYS_STRING) {
            if (!deref)
                __builtin_prefetch((const char *)c->cols[k].data +
                                   (size_t)gr * (st->key_phys[k] == LH_PHYS_INT32 ? 4 : 8));
            continue;
        }
        const lh_string_t *x = &((const lh_string_t *)c->cols[k].data)[gr];
        if (!deref) {
            __builtin_prefetch(x);
            continue;
        }
        const lh_vector_t *kv = st->kv[k]; /* and the row's own (a dictionary's, say) */
        const lh_string_t *y =
            &((const lh_string_t *)lh_vector_values(kv)->data)[lh_vector_row(kv, r)];
        if (x->len > LH_STRING_INLINE) __builtin_prefetch(x->u.ptr);
        if (y->len > LH_STRING_INLINE) __builtin_prefetch(y->u.ptr);
    }
}

/* find_or_add with the probe inlined for fast_keys: a found group costs a
 * tag and a typed compare per key; new groups, NULL keys and growing go the
 * general way. */
static int find_groups_fast(lh_op_t *op, agg_op_t *st, const uint32_t *rows, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = rows ? rows[i] : i;
        if (i + 16 < n && st->slots)
            __builtin_prefetch(&st->slots[st->h[rows ? rows[i + 16] : i + 16] & st->mask]);
        if (i + 8 < n && st->slots) prefetch_group(st, rows ? rows[i + 8] : i + 8, false);
        if (i + 4 < n && st->slots) prefetch_group(st, rows ? rows[i + 4] : i + 4, true);
        uint64_t h = st->h[r], g = UINT64_MAX;
        bool probe = st->slots && (st->ngroups + 1) * 2 <= st->mask + 1;
        for (uint32_t k = 0; probe && k < st->nkeys; k++)
            probe = lh_vector_is_valid(st->kv[k], r);
        for (uint64_t x = h & st->mask, sl; probe && (sl = st->slots[x]); x = (x + 1) & st->mask) {
            if ((sl ^ h) & TAG) continue;
            uint64_t cand = (sl & ~TAG) - 1;
            uint32_t k = 0;
            while (k < st->nkeys && key_is(st, k, cand, r))
                k++;
            if (k == st->nkeys) {
                g = cand;
                break;
            }
        }
        if (g != UINT64_MAX) {
            st->gid[r] = g;
            continue;
        }
        int rc = lh__gb_find_or_add(op, st, r, h, &st->gid[r]);
        if (rc) return rc;
    }
    return 0;
}

/* One flat integer key: keys within LH_GB_DIRECT / 2 of the first one seen
 * find their group in a direct array (H2O's id4: 100 groups); the others,
 * NULLs and new groups go through the table, with the hash computed then. */
static int find_groups_direct(lh_op_t *op, agg_op_t *st, uint32_t n)
{
    const lh_vector_t *kv = st->kv[0];
    bool i32 = st->key_phys[0] == LH_PHYS_INT32;
    for (uint32_t r = 0; r < n; r++) {
        bool valid = lh_validity_get(kv->validity, r);
        int64_t x = i32 ? ((const int32_t *)kv->data)[r] : ((const int64_t *)kv->data)[r];
        if (valid && !st->dm_set) {
            st->dm_base = x < INT64_MIN + LH_GB_DIRECT ? x : x - LH_GB_DIRECT / 2;
            st->dm_set = true;
        }
        uint64_t off = (uint64_t)x - (uint64_t)st->dm_base;
        bool near = valid && off < LH_GB_DIRECT;
        if (near && st->dm[off]) {
            st->gid[r] = st->dm[off] - 1;
            continue;
        }
        uint64_t h = lh__hash_combine(0, valid ? lh__hash_u64((uint64_t)x) : LH_HASH_NULL);
        int rc = lh__gb_find_or_add(op, st, r, h, &st->gid[r]);
        if (rc) return rc;
        if (near && st->gid[r] < UINT32_MAX - 1) st->dm[off] = (uint32_t)st->gid[r] + 1;
    }
    return 0;
}

#define DK_MAX_CELLS (UINT64_C(1) << 20) /* code combinations a map holds at most (8 MiB) */
#define DK_OTHER UINT32_MAX              /* a map cell's group: another part's */

/* Key k's dictionary is v's from now on: its hashes to be computed again. */
static int dict_key_reset(lh_op_t *op, agg_op_t *st, uint32_t k, const lh_vector_t *v)
{
    uint32_t n = v->dict_size, words = (n + 63) / 64;
    if (n > st->dk_cap[k]) {
        uint32_t cap = n < 1024 ? 1024 : n;
        if (lh__op_charge(op, ((int64_t)cap - st->dk_cap[k]) * 8 + ((int64_t)cap + 63) / 64 * 8))
            return LH_ENOMEM;
        free(st->dk_hash[k]);
        free(st->dk_done[k]);
        st->dk_hash[k] = malloc((size_t)cap * 8);
        st->dk_done[k] = malloc(((size_t)cap + 63) / 64 * 8);
        st->dk_cap[k] = st->dk_hash[k] && st->dk_done[k] ? cap : 0;
        if (!st->dk_cap[k]) return LH_ENOMEM;
    }
    memset(st->dk_done[k], 0, (size_t)words * 8);
    st->dk_dict[k] = v->dict;
    st->dk_stamp[k] = v->dict->stamp;
    st->dk_size[k] = n;
    return 0;
}

/* The hash of entry c of key k's dictionary (computed the first time). */
static inline uint64_t dict_hash(agg_op_t *st, uint32_t k, uint32_t c)
{
    uint64_t *done = &st->dk_done[k][c >> 6], bit = UINT64_C(1) << (c & 63);
    if (!(*done & bit)) {
        const lh_vector_t *d = st->dk_dict[k];
        st->dk_hash[k][c] = lh_vector_is_valid(d, c) ? lh__row_hash(d, c) : LH_HASH_NULL;
        *done |= bit;
    }
    return st->dk_hash[k][c];
}

/* The column of in that expression s only references, when its rows are
 * codes of a stamped dictionary (a Parquet column chunk's), else NULL. Read
 * as it is: evaluating the reference would gather a flat copy. */
static const lh_vector_t *stamped_codes(const lh_expr_state_t *s, const lh_batch_t *in)
{
    const lh_bexpr_t *e = s->e;
    if (e->kind != LH_BX_COLREF || e->u.col >= in->ncols) return NULL;
    const lh_vector_t *v = &in->cols[e->u.col];
    return v->kind == LH_VECTOR_DICTIONARY && v->dict->kind == LH_VECTOR_FLAT && v->dict->stamp
               ? v
               : NULL;
}

/* Whether v's dictionary is the one (address, stamp, size) names. */
static inline bool same_dict(const lh_vector_t *dict, uint64_t stamp, uint32_t size,
                             const lh_vector_t *v)
{
    return v->dict == dict && v->dict->stamp == stamp && v->dict_size == size;
}

/* Whether every key is a stamped dictionary's codes (stamped_codes) of a
 * type find_groups_fast takes: then st->kv holds those columns. */
static bool dict_keys(agg_op_t *st, const lh_batch_t *in)
{
    if (!st->nkeys || st->nkeys > LH_GB_DICT_KEYS) return false;
    for (uint32_t k = 0; k < st->nkeys; k++)
        if (!(st->kv[k] = stamped_codes(st->keys[k], in)) ||
            !lh_type_equal(&st->kv[k]->type, &st->key_types[k]))
            return false; /* find_groups evaluates every key */
    return fast_keys(st);
}

/* The cell of row r's code combination in st->dk_map, or UINT64_MAX when a
 * key of r is NULL (its code says nothing). */
static inline uint64_t dict_cell(const agg_op_t *st, uint32_t r)
{
    uint64_t cell = 0;
    for (uint32_t k = 0; k < st->nkeys; k++) {
        const lh_vector_t *v = st->kv[k];
        if (!lh_validity_get(v->validity, r)) return UINT64_MAX;
        cell += (uint64_t)(uint32_t)v->codes[r] * st->dk_stride[k];
    }
    return cell;
}

/* find_groups over dictionary-coded keys (dict_keys): a Parquet row group's
 * dictionary stays for all of its batches, so each entry is hashed once and
 * each combination of codes goes through the table once, the first time it
 * appears (find_groups_fast); the rows after find their group in a map
 * indexed by their codes. The daily top of the example (token, sender) over
 * 7.5M rows: 18,000 addresses per row group of 122,880, a group for every
 * 2.5 rows there, 120,000 groups in all. Dictionaries too large to map
 * together keep the hashing once. */
static int find_groups_dict(lh_op_t *op, agg_op_t *st, uint32_t n)
{
    bool changed = false;
    uint64_t cells = 1;
    for (uint32_t k = 0; k < st->nkeys; k++) {
        const lh_vector_t *v = st->kv[k];
        if (!same_dict(st->dk_dict[k], st->dk_stamp[k], st->dk_size[k], v)) {
            if (dict_key_reset(op, st, k, v)) return lh__gb_oom(op);
            changed = true;
        }
        st->dk_stride[k] = cells;
        cells = cells <= DK_MAX_CELLS ? cells * v->dict_size : cells;
    }
    bool map = cells <= DK_MAX_CELLS;
    if (map && changed) {
        if (cells > st->dk_cells) {
            if (lh__op_charge(op, (int64_t)(cells - st->dk_cells) * 8)) return lh__gb_oom(op);
            free(st->dk_map);
            st->dk_cells = 0;
            if (!(st->dk_map = lh__zalloc(cells, 8))) return lh__gb_oom(op);
            st->dk_cells = cells;
        }
        if (++st->dk_epoch == 0) { /* after 2^32 dictionaries: no cell of an old one stays */
            memset(st->dk_map, 0, st->dk_cells * 8);
            st->dk_epoch = 1;
        }
    }
    uint64_t epoch = (uint64_t)st->dk_epoch << 32;
    bool parts = st->nparts > 1;
    uint32_t nmiss = 0, m = 0;
    for (uint32_t r = 0; r < n; r++) {
        uint64_t cell = map ? dict_cell(st, r) : UINT64_MAX, c = 0;
        if (cell != UINT64_MAX && ((c = st->dk_map[cell]) >> 32 << 32) == epoch) {
            if ((uint32_t)c == DK_OTHER) continue;
            st->gid[r] = (uint32_t)c - 1;
            if (parts) st->psel[m++] = r;
            continue;
        }
        uint64_t h = 0;
        for (uint32_t k = 0; k < st->nkeys; k++) {
            const lh_vector_t *v = st->kv[k];
            uint64_t x = lh_validity_get(v->validity, r) ? dict_hash(st, k, (uint32_t)v->codes[r])
                                                         : LH_HASH_NULL;
            h = lh__hash_combine(h, x);
        }
        st->h[r] = h;
        if (parts && lh__gb_part(h, st->nparts) != st->part) {
            if (cell != UINT64_MAX) st->dk_map[cell] = epoch | DK_OTHER;
            continue;
        }
        if (parts) st->psel[m++] = r;
        st->dk_miss[nmiss++] = r;
    }
    if (parts) st->pn = m;
    int rc = find_groups_fast(op, st, st->dk_miss, nmiss);
    if (rc) return rc;
    for (uint32_t i = 0; map && i < nmiss; i++) {
        uint32_t r = st->dk_miss[i];
        uint64_t cell = dict_cell(st, r);
        if (cell != UINT64_MAX) st->dk_map[cell] = epoch | (uint32_t)(st->gid[r] + 1);
    }
    return 0;
}

/* The groups of in's rows (of this table's part when it has one: st->psel,
 * st->pn). */
static int find_groups(lh_op_t *op, agg_op_t *st, const lh_batch_t *in)
{
    uint32_t n = in->count;
    if (dict_keys(st, in)) return find_groups_dict(op, st, n);
    for (uint32_t k = 0; k < st->nkeys; k++) {
        int rc = lh_expr_eval(st->keys[k], in, NULL, n, &st->kv[k]);
        if (rc) return rc;
    }
    if (st->nkeys == 1 && st->nparts <= 1 && st->kv[0]->kind == LH_VECTOR_FLAT &&
        (st->key_phys[0] == LH_PHYS_INT32 || st->key_phys[0] == LH_PHYS_INT64))
        return find_groups_direct(op, st, n);
    memset(st->h, 0, n * sizeof *st->h);
    for (uint32_t k = 0; k < st->nkeys; k++)
        lh__hash_column(st->kv[k], n, st->h);
    const uint32_t *rows = NULL;
    if (st->nparts > 1) {
        uint32_t m = 0;
        for (uint32_t r = 0; r < n; r++) {
            st->psel[m] = r;
            m += lh__gb_part(st->h[r], st->nparts) == st->part;
        }
        st->pn = m;
        rows = st->psel;
        n = m;
    }
    if (fast_keys(st)) return find_groups_fast(op, st, rows, n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = rows ? rows[i] : i;
        if (i + 16 < n && st->slots)
            __builtin_prefetch(&st->slots[st->h[rows ? rows[i + 16] : i + 16] & st->mask]);
        int rc = lh__gb_find_or_add(op, st, r, st->h[r], &st->gid[r]);
        if (rc) return rc;
    }
    return 0;
}

#define DSEEN_MAX_BITS (UINT64_C(1) << 24) /* a DISTINCT aggregate's bits at most (2 MiB) */

/* The rows (sel[0..n), or 0..n) of DISTINCT aggregate j to offer to its set
 * into out, and how many (*m); false when its argument is not one column of
 * a stamped dictionary's codes (then every row goes, as before). A row's
 * (group, entry) offered already since this dictionary came is not offered
 * again: the set would find it there. The hourly gold of the example counts
 * distinct senders and receivers per token: 18,000 addresses in a row group
 * of 122,880 rows, a set probe for 2 rows in 5. Rows of a NULL value, and
 * groups past what DSEEN_MAX_BITS holds, always go. */
static bool distinct_dict_rows(lh_op_t *op, agg_op_t *st, uint32_t j, const lh_batch_t *in,
                               const uint32_t *sel, uint32_t n, uint32_t *out, uint32_t *m)
{
    const lh_vector_t *v;
    if (op->plan->u.agg.aggs[j].nargs != 1 || !(v = stamped_codes(st->args[j][0], in)))
        return false;
    lh_gb_dseen_t *d = &st->dseen[j];
    if (!same_dict(d->dict, d->stamp, d->size, v)) {
        if (d->bits) memset(d->bits, 0, (d->groups * d->size + 63) / 64 * 8);
        if (d->size != v->dict_size) { /* the words hold another number of groups */
            free(d->bits);
            d->bits = NULL;
            d->groups = 0;
        }
        d->dict = v->dict;
        d->stamp = v->dict->stamp;
        d->size = v->dict_size;
    }
    uint64_t most = DSEEN_MAX_BITS / d->size; /* groups the bits may hold */
    if (st->ngroups > d->groups && d->groups < most) {
        uint64_t g = d->groups ? d->groups * 2 : 64;
        g = g < st->ngroups ? st->ngroups : g;
        g = g < most ? g : most;
        size_t was = (d->groups * d->size + 63) / 64, now = (g * d->size + 63) / 64;
        if (lh__op_charge(op, (int64_t)(now - was) * 8)) return false;
        uint64_t *b = realloc(d->bits, now * 8);
        if (!b) return false;
        memset(b + was, 0, (now - was) * 8);
        d->bits = b;
        d->groups = g;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        uint64_t g = st->gid[r];
        if (g < d->groups && lh_vector_is_valid(v, r)) {
            uint64_t bit = g * d->size + (uint32_t)v->codes[r];
            uint64_t *w = &d->bits[bit >> 6], mask = UINT64_C(1) << (bit & 63);
            if (*w & mask) continue;
            *w |= mask;
        }
        out[k++] = r;
    }
    *m = k;
    return true;
}

static int fold_aggregate(lh_op_t *op, agg_op_t *st, uint32_t j, const lh_batch_t *in)
{
    const lh_plan_agg_t *a = &op->plan->u.agg.aggs[j];
    bool part = st->nparts > 1; /* only the rows of this table's part */
    uint32_t n = part ? st->pn : in->count;
    const uint32_t *sel = part ? st->psel : NULL;
    if (st->filter[j]) {
        int rc = lh_expr_select_rows(st->filter[j], in, sel, n, st->sel, &n);
        if (rc) return rc;
        sel = st->sel;
    }
    if (!n) return 0;
    uint32_t offer[LH_BATCH_ROWS];
    if (st->seen[j] && distinct_dict_rows(op, st, j, in, sel, n, offer, &n)) {
        if (!n) return 0;
        sel = offer;
    }
    for (uint32_t i = 0; i < a->nargs; i++) {
        const lh_vector_t *v;
        int rc = lh_expr_eval(st->args[j][i], in, sel, n, &v);
        if (rc) return rc;
        st->argv[i] = *v;
    }
    if (st->seen[j]) { /* DISTINCT: only rows whose (group, arguments) are new */
        uint32_t m = 0;
        uint64_t groups[LH_BATCH_ROWS];
        bool added[LH_BATCH_ROWS];
        for (uint32_t i = 0; i < n; i++)
            groups[i] = st->gid[sel ? sel[i] : i];
        if (lh__rowset_add_rows(st->seen[j], groups, st->argv, n, added, NULL))
            return lh__gb_oom(op);
        for (uint32_t i = 0; i < n; i++)
            if (added[i]) st->sel2[m++] = sel ? sel[i] : i;
        if (!m) return 0;
        n = m;
        sel = st->sel2;
        for (uint32_t i = 0; i < a->nargs; i++) {
            const lh_vector_t *v;
            int rc = lh_expr_eval(st->args[j][i], in, sel, n, &v);
            if (rc) return rc;
            st->argv[i] = *v;
        }
    }
    st->actx.bind_data = a->bind_data;
    st->actx.pos = a->pos;
    if (!st->nkeys && a->agg->update_one)
        return a->agg->update_one(&st->actx, st->argv, a->nargs, n,
                                  lh__gb_row(st, 0) + st->offset[j]);
    for (uint32_t i = 0; i < n; i++)
        st->ptrs[i] = lh__gb_row(st, st->gid[sel ? sel[i] : i]) + st->offset[j];
    return a->agg->update(&st->actx, st->argv, a->nargs, n, st->ptrs);
}

/* Folds every batch of child into st's groups. */
int lh__gb_consume(lh_op_t *op, agg_op_t *st, lh_op_t *child)
{
    if (!st->nkeys && !st->ngroups) {
        uint64_t g;
        int arc = lh__gb_add_group(op, st, 0, 0, &g);
        if (arc) return op->ex->err->e.code ? arc : lh__gb_oom(op);
        memset(st->gid, 0, sizeof st->gid);
    }
    for (;;) {
        lh_batch_t *in;
        int rc = lh__op_pull(child, &in);
        if (rc) return rc;
        if (!in) return 0;
        if (st->nkeys && (rc = find_groups(op, st, in))) return rc;
        for (uint32_t j = 0; j < st->naggs; j++)
            if ((rc = fold_aggregate(op, st, j, in))) return rc;
    }
}

static int build(lh_op_t *op, agg_op_t *st)
{
    int rc = lh__gb_build_parallel(op, st);
    if (rc < 0) return rc;
    if (!rc && (rc = lh__gb_consume(op, st, op->child[0]))) return rc;
    st->built = true;
    return 0;
}

static int agg_next(lh_op_t *op, lh_batch_t **out)
{
    agg_op_t *st = op->priv;
    *out = NULL;
    if (!st->built) {
        int rc = build(op, st);
        if (rc) return rc;
    }
    if (st->out_chunk >= st->nchunks) return 0;
    const lh_batch_t *c = st->chunks[st->out_chunk];
    const uint8_t *block = st->blocks[st->out_chunk++];
    uint32_t n = c->count; /* a chunk can be partial: merged tables are chained */
    lh_batch_reset(op->out);
    for (uint32_t k = 0; k < st->nkeys; k++)
        if (lh_vector_copy(&op->out->cols[k], 0, &c->cols[k], NULL, n)) return lh__gb_oom(op);
    for (uint32_t j = 0; j < st->naggs; j++) {
        const lh_plan_agg_t *a = &op->plan->u.agg.aggs[j];
        for (uint32_t i = 0; i < n; i++)
            st->ptrs[i] = (uint8_t *)block + (size_t)i * st->row_size + st->offset[j];
        st->actx.bind_data = a->bind_data;
        lh_vector_t *o = &op->out->cols[st->nkeys + j];
        int rc = a->agg->finalize(&st->actx, st->ptrs, n, o);
        if (rc) return rc;
    }
    op->out->count = n;
    *out = op->out;
    return 0;
}

/* Frees what st holds (states destroyed); its state arena too unless keep_arena. */
void lh__gb_free_state(lh_op_t *op, agg_op_t *st, bool keep_arena)
{
    for (uint32_t ci = 0; ci < st->nchunks && st->offset; ci++)
        for (uint32_t i = 0; i < st->chunks[ci]->count; i++)
            for (uint32_t j = 0; j < st->naggs; j++) {
                const lh_plan_agg_t *a = &op->plan->u.agg.aggs[j];
                uint8_t *row = st->blocks[ci] + (size_t)i * st->row_size;
                if (a->agg->destroy) a->agg->destroy(row + st->offset[j]);
            }
    for (uint32_t i = 0; i < st->nchunks; i++) {
        lh_batch_free(st->chunks[i]);
        free(st->blocks[i]);
    }
    free(st->chunks);
    free(st->blocks);
    free(st->slots);
    free(st->hashes);
    for (uint32_t k = 0; k < LH_GB_DICT_KEYS; k++) {
        free(st->dk_hash[k]);
        free(st->dk_done[k]);
    }
    free(st->dk_map);
    for (uint32_t k = 0; k < st->nkeys && st->keys; k++)
        lh_expr_state_free(st->keys[k]);
    for (uint32_t j = 0; j < st->naggs && st->args && st->filter; j++) {
        for (uint32_t i = 0; st->args[j] && i < op->plan->u.agg.aggs[j].nargs; i++)
            lh_expr_state_free(st->args[j][i]);
        lh_expr_state_free(st->filter[j]);
        if (st->seen) lh__rowset_free(st->seen[j]);
        if (st->dseen) free(st->dseen[j].bits);
    }
    for (uint32_t i = 0; i < st->nkept; i++)
        lh_arena_free(st->kept[i]);
    free(st->kept);
    if (!keep_arena) lh_arena_free(st->state_arena);
}

static void agg_close(lh_op_t *op)
{
    agg_op_t *st = op->priv;
    if (!st) return;
    lh__gb_free_state(op, st, false);
    free(st);
    op->priv = NULL;
}

int lh__gb_setup(lh_op_t *op, agg_op_t *st)
{
    const lh_plan_t *p = op->plan;
    lh_arena_t *a = op->ex->arena;
    st->nkeys = p->u.agg.ngroups;
    st->naggs = p->u.agg.naggs;
    if (st->nkeys > 64)
        return lh_sql_err(op->ex->err, LH_EINVAL, LH_SQL_ENOTIMPL, -1,
                          "GROUP BY over more than 64 expressions");
    st->keys = lh_arena_calloc(a, (st->nkeys + 1) * sizeof *st->keys);
    st->key_types = lh_arena_calloc(a, (st->nkeys + 1) * sizeof *st->key_types);
    st->args = lh_arena_calloc(a, (st->naggs + 1) * sizeof *st->args);
    st->filter = lh_arena_calloc(a, (st->naggs + 1) * sizeof *st->filter);
    st->offset = lh_arena_calloc(a, (st->naggs + 1) * sizeof *st->offset);
    st->seen = lh_arena_calloc(a, (st->naggs + 1) * sizeof *st->seen);
    st->dseen = lh_arena_calloc(a, (st->naggs + 1) * sizeof *st->dseen);
    st->state_arena = lh_arena_new(65536);
    if (!st->keys || !st->key_types || !st->args || !st->filter || !st->offset || !st->seen ||
        !st->dseen || !st->state_arena)
        return LH_ENOMEM;
    st->actx.err = op->ex->err;
    st->actx.arena = st->state_arena;
    for (uint32_t k = 0; k < st->nkeys; k++) {
        st->key_types[k] = p->u.agg.groups[k]->type;
        st->key_phys[k] = (uint8_t)lh_type_physical(&st->key_types[k]);
        int rc = lh_expr_state_new(op->ex, p->u.agg.groups[k], &st->keys[k]);
        if (rc) return rc;
    }
    for (uint32_t j = 0; j < st->naggs; j++) {
        const lh_plan_agg_t *ag = &p->u.agg.aggs[j];
        if (ag->distinct) {
            lh_type_t at[LH_SQL_MAX_ARGS];
            for (uint32_t i = 0; i < ag->nargs && i < LH_SQL_MAX_ARGS; i++)
                at[i] = ag->args[i]->type;
            if (ag->nargs > LH_SQL_MAX_ARGS || lh__rowset_new(at, ag->nargs, &st->seen[j]))
                return LH_ENOMEM;
        }
        if (ag->nargs > LH_SQL_MAX_ARGS) return LH_EINVAL;
        st->offset[j] = st->row_size;
        st->row_size += (ag->agg->state_size + 15) & ~15u;
        st->args[j] = lh_arena_calloc(a, (ag->nargs + 1) * sizeof **st->args);
        if (!st->args[j]) return LH_ENOMEM;
        for (uint32_t i = 0; i < ag->nargs; i++) {
            int rc = lh_expr_state_new(op->ex, ag->args[i], &st->args[j][i]);
            if (rc) return rc;
        }
        if (ag->filter) {
            int rc = lh_expr_state_new(op->ex, ag->filter, &st->filter[j]);
            if (rc) return rc;
        }
    }
    return 0;
}

int lh__op_aggregate(lh_op_t *op)
{
    agg_op_t *st = calloc(1, sizeof *st);
    if (!st) return lh__gb_oom(op);
    op->priv = st;
    op->next = agg_next;
    op->close = agg_close;
    int rc = lh__gb_setup(op, st);
    if (rc) return rc == LH_ENOMEM ? lh__gb_oom(op) : rc;
    return lh__op_out_batch(op);
}
