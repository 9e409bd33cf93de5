/* Row sets for DISTINCT aggregates: rows copied into batches of the set's
 * own, their hashes (and group numbers, once a group other than 0 came)
 * kept beside them, an open-addressing table over row numbers. A set of one
 * group (count(DISTINCT x) without GROUP BY: validate.sql's keys) keeps no
 * group numbers: 8 bytes a row less, and no load of one per probe. */
#include <stdlib.h>

#include "sql/exec/exec_int.h"
#include "sql/exec/rowops.h"
#include "sql/exec/rowset.h"

#define TAG UINT64_C(0xffffff0000000000) /* a slot's hash bits, checked before the row's */
#define IDX (~TAG)

struct lh_rowset {
    lh_type_t *types;
    uint32_t ncols;
    lh_batch_t **chunks;
    uint32_t nchunks, cap_chunks;
    uint64_t n, cap;
    uint64_t stored;          /* rows in chunks; rows stored..n-1 wait in pend */
    const uint32_t *pend;     /* lh__rowset_add_rows: its new rows' rows in cols */
    const lh_vector_t *pcols; /* and their columns */
    uint64_t *groups;         /* NULL while every row's group is 0 */
    uint64_t *hashes;
    uint64_t *slots, mask; /* (hash & TAG) | (row + 1); 0 empty */
    lh_arena_t *arena;
};

int lh__rowset_new(const lh_type_t *types, uint32_t ncols, lh_rowset_t **out)
{
    lh_rowset_t *s = calloc(1, sizeof *s);
    if (!s || !(s->arena = lh_arena_new(4096))) goto fail;
    s->types = lh_arena_calloc(s->arena, (ncols + 1) * sizeof *s->types);
    if (!s->types) goto fail;
    for (uint32_t i = 0; i < ncols; i++)
        if (lh_type_copy(s->arena, &types[i], &s->types[i])) goto fail;
    s->ncols = ncols;
    *out = s;
    return 0;
fail:
    lh__rowset_free(s);
    return LH_ENOMEM;
}

void lh__rowset_free(lh_rowset_t *s)
{
    if (!s) return;
    for (uint32_t i = 0; i < s->nchunks; i++)
        lh_batch_free(s->chunks[i]);
    free(s->chunks);
    free(s->groups);
    free(s->hashes);
    free(s->slots);
    lh_arena_free(s->arena);
    free(s);
}

static bool same(const lh_rowset_t *s, uint64_t r, uint64_t group, const lh_vector_t *cols,
                 uint32_t row)
{
    if (s->groups ? s->groups[r] != group : group != 0) return false;
    for (uint32_t k = 0; k < s->ncols; k++) {
        const lh_vector_t *v; /* a row of a batch being added is still in it */
        uint32_t cr;
        if (r >= s->stored) {
            v = &s->pcols[k];
            cr = s->pend[r - s->stored];
        } else {
            v = &s->chunks[r / LH_BATCH_ROWS]->cols[k];
            cr = (uint32_t)(r % LH_BATCH_ROWS);
        }
        bool a = lh_vector_is_valid(v, cr), b = lh_vector_is_valid(&cols[k], row);
        if (a != b) return false;
        if (a && !lh__row_equal(v, cr, &cols[k], row)) return false;
    }
    return true;
}

static int grow(lh_rowset_t *s)
{
    uint64_t cap = s->slots ? (s->mask + 1) * 2 : 1024;
    uint64_t *t = lh__zalloc(cap, sizeof *t);
    if (!t) return LH_ENOMEM;
    for (uint64_t r = 0; r < s->n; r++) {
        uint64_t i = s->hashes[r] & (cap - 1);
        while (t[i])
            i = (i + 1) & (cap - 1);
        t[i] = (s->hashes[r] & TAG) | (r + 1);
    }
    free(s->slots);
    s->slots = t;
    s->mask = cap - 1;
    return 0;
}

/* Room in groups and hashes for n more rows. */
static int room(lh_rowset_t *s, uint64_t n)
{
    if (s->n + n <= s->cap) return 0;
    uint64_t cap = s->cap ? s->cap : 1024;
    while (cap < s->n + n)
        cap *= 2;
    if (s->groups) {
        uint64_t *g = realloc(s->groups, cap * sizeof *g);
        if (!g) return LH_ENOMEM;
        s->groups = g;
    }
    uint64_t *hs = realloc(s->hashes, cap * sizeof *hs);
    if (!hs) return LH_ENOMEM;
    s->hashes = hs;
    s->cap = cap;
    return 0;
}

/* Copies rows[0..n) of cols into the chunks, after the rows stored. */
static int store_rows(lh_rowset_t *s, const lh_vector_t *cols, const uint32_t *rows, uint32_t n)
{
    for (uint32_t done = 0; done < n;) {
        if (s->stored % LH_BATCH_ROWS == 0) {
            if (s->nchunks == s->cap_chunks) {
                uint32_t cap = s->cap_chunks ? s->cap_chunks * 2 : 8;
                lh_batch_t **c = realloc(s->chunks, cap * sizeof *c);
                if (!c) return LH_ENOMEM;
                s->chunks = c;
                s->cap_chunks = cap;
            }
            if (lh_batch_new(s->types, s->ncols, &s->chunks[s->nchunks])) return LH_ENOMEM;
            s->nchunks++;
        }
        lh_batch_t *c = s->chunks[s->nchunks - 1];
        uint32_t m = LH_BATCH_ROWS - c->count;
        if (m > n - done) m = n - done;
        for (uint32_t k = 0; k < s->ncols; k++)
            if (lh_vector_copy(&c->cols[k], c->count, &cols[k], rows + done, m)) return LH_ENOMEM;
        c->count += m;
        s->stored += m;
        done += m;
    }
    return 0;
}

/* The group numbers kept from now on (a group other than 0 comes): 0 for
 * the rows so far. */
static int keep_groups(lh_rowset_t *s)
{
    if (s->groups) return 0;
    s->groups = calloc(s->cap ? s->cap : 1, sizeof *s->groups);
    return s->groups ? 0 : LH_ENOMEM;
}

static int store(lh_rowset_t *s, uint64_t group, uint64_t h, const lh_vector_t *cols, uint32_t row)
{
    if (room(s, 1) || (group && keep_groups(s)) || store_rows(s, cols, &row, 1)) return LH_ENOMEM;
    if (s->groups) s->groups[s->n] = group;
    s->hashes[s->n] = h;
    s->n++;
    return 0;
}

static uint64_t hash_of(const lh_rowset_t *s, uint64_t group, const lh_vector_t *cols, uint32_t row)
{
    uint64_t h = lh__hash_combine(0, group);
    for (uint32_t k = 0; k < s->ncols; k++)
        h = lh__hash_combine(h, lh_vector_is_valid(&cols[k], row) ? lh__row_hash(&cols[k], row)
                                                                  : LH_HASH_NULL);
    return h;
}

/* The row (group, row `row` of cols) of hash h is in the set: its number,
 * or UINT64_MAX and *slot the free slot to put it in. */
static uint64_t probe(const lh_rowset_t *s, uint64_t group, uint64_t h, const lh_vector_t *cols,
                      uint32_t row, uint64_t *slot)
{
    uint64_t i = h & s->mask;
    for (uint64_t v; (v = s->slots[i]); i = (i + 1) & s->mask) {
        if ((v & TAG) != (h & TAG)) continue;
        uint64_t r = (v & IDX) - 1;
        /* the tag matched: almost surely the row itself, whose values are
           compared anyway (checking its whole hash first was one more
           cache miss per row found) */
        if (same(s, r, group, cols, row)) return r;
    }
    *slot = i;
    return UINT64_MAX;
}

/* Finds or adds the row of hash h; the table has room for it. */
static int add_hashed(lh_rowset_t *s, uint64_t group, uint64_t h, const lh_vector_t *cols,
                      uint32_t row, bool *added, uint64_t *index)
{
    uint64_t i, r = probe(s, group, h, cols, row, &i);
    *added = r == UINT64_MAX;
    if (!*added) return *index = r, 0;
    int rc = store(s, group, h, cols, row);
    if (rc) return rc;
    s->slots[i] = (h & TAG) | s->n;
    *index = s->n - 1;
    return 0;
}

int lh__rowset_add_at(lh_rowset_t *s, uint64_t group, const lh_vector_t *cols, uint32_t row,
                      bool *added, uint64_t *index)
{
    uint64_t h = hash_of(s, group, cols, row);
    if ((s->n + 1) * 2 > s->mask + 1 && grow(s)) return LH_ENOMEM;
    return add_hashed(s, group, h, cols, row, added, index);
}

/* The stored row the home slot of hash h names (when its tag matches),
 * fetched ahead for row `row` of cols: its group number and string views,
 * or with deref the bytes of its long strings and of the row's own. */
static inline void prefetch_row(const lh_rowset_t *s, uint64_t h, const lh_vector_t *cols,
                                uint32_t row, bool deref)
{
    uint64_t v = s->slots[h & s->mask];
    if (!v || (v & TAG) != (h & TAG)) return;
    uint64_t r = (v & IDX) - 1;
    if (r >= s->stored) return; /* a row of this batch */
    const lh_batch_t *c = s->chunks[r / LH_BATCH_ROWS];
    if (!deref && s->groups) __builtin_prefetch(&s->groups[r]);
    for (uint32_t k = 0; k < s->ncols; k++) {
        if (lh_type_physical(&s->types[k]) != LH_PHYS_STRING) continue;
        const lh_string_t *x = &((const lh_string_t *)c->cols[k].data)[r % LH_BATCH_ROWS];
        if (!deref) {
            __builtin_prefetch(x);
            continue;
        }
        if (x->len > LH_STRING_INLINE) __builtin_prefetch(x->u.ptr);
        if (cols[k].kind == LH_VECTOR_FLAT) {
            const lh_string_t *y = &((const lh_string_t *)cols[k].data)[row];
            if (y->len > LH_STRING_INLINE) __builtin_prefetch(y->u.ptr);
        }
    }
}

int lh__rowset_add_rows(lh_rowset_t *s, const uint64_t *groups, const lh_vector_t *cols, uint32_t n,
                        bool *added, uint64_t *index)
{
    uint64_t h[LH_BATCH_ROWS];
    if (n > LH_BATCH_ROWS) return LH_EINVAL;
    /* hash_of's hashes, a column at a time (typed loops, not a switch per
       value) */
    bool any_group = false;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t g = groups ? groups[i] : 0;
        any_group |= g != 0;
        h[i] = lh__hash_combine(0, g);
    }
    for (uint32_t k = 0; k < s->ncols; k++)
        lh__hash_column(&cols[k], n, h);
    while ((s->n + n) * 2 > s->mask + 1)
        if (grow(s)) return LH_ENOMEM;
    if (room(s, n) || (any_group && keep_groups(s))) return LH_ENOMEM;
    /* a new row is copied with the batch's other new rows at the end; until
       then same() reads it in cols */
    uint32_t pend[LH_BATCH_ROWS], npend = 0;
    s->pend = pend;
    s->pcols = cols;
    for (uint32_t i = 0; i < n; i++) {
        if (i + 16 < n) __builtin_prefetch(&s->slots[h[i + 16] & s->mask]);
        if (i + 8 < n) prefetch_row(s, h[i + 8], cols, i + 8, false);
        if (i + 4 < n) prefetch_row(s, h[i + 4], cols, i + 4, true);
        uint64_t g = groups ? groups[i] : 0, x, r = probe(s, g, h[i], cols, i, &x);
        bool is_new = r == UINT64_MAX;
        if (is_new) {
            r = s->n++;
            if (s->groups) s->groups[r] = g;
            s->hashes[r] = h[i];
            s->slots[x] = (h[i] & TAG) | (r + 1);
            pend[npend++] = i;
        }
        if (added) added[i] = is_new;
        if (index) index[i] = r;
    }
    s->pend = NULL;
    s->pcols = NULL;
    return store_rows(s, cols, pend, npend);
}

int lh__rowset_add(lh_rowset_t *s, uint64_t group, const lh_vector_t *cols, uint32_t row,
                   bool *added)
{
    uint64_t index;
    return lh__rowset_add_at(s, group, cols, row, added, &index);
}

int64_t lh__rowset_find(const lh_rowset_t *s, uint64_t group, const lh_vector_t *cols, uint32_t row)
{
    if (!s->slots) return -1;
    uint64_t h = hash_of(s, group, cols, row);
    for (uint64_t i = h & s->mask, v; (v = s->slots[i]); i = (i + 1) & s->mask) {
        if ((v & TAG) != (h & TAG)) continue;
        uint64_t r = (v & IDX) - 1;
        if (s->hashes[r] == h && same(s, r, group, cols, row)) return (int64_t)r;
    }
    return -1;
}

int lh__rowset_each(const lh_rowset_t *s,
                    int (*fn)(void *arg, const lh_vector_t *cols, const uint64_t *groups,
                              uint32_t n),
                    void *arg)
{
    static const uint64_t zeros[LH_BATCH_ROWS]; /* the groups of a set of group 0 only */
    for (uint32_t c = 0; c < s->nchunks; c++) {
        const uint64_t *g = s->groups ? s->groups + (uint64_t)c * LH_BATCH_ROWS : zeros;
        int rc = fn(arg, s->chunks[c]->cols, g, s->chunks[c]->count);
        if (rc) return rc;
    }
    return 0;
}
