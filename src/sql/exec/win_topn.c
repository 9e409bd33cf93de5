/* Top N per partition (u.window.topn, set by opt/window_topn.c):
 * row_number() for the first N rows of each partition by the window's ORDER
 * BY, kept in a sorted array of at most N row numbers per partition while
 * the rows stream past once; every other row is numbered N + 1, which the
 * filter above drops. Partitions are found by hashing their key values in
 * a table of partition numbers whose keys are never copied: a partition's
 * are those of its first kept row. Ties keep input order, as the stable sort does. Beside each
 * kept row sits its first ORDER BY key as an order-preserving 64-bit number
 * (for numeric keys), so most comparisons never touch the stored rows, which
 * would be a cache miss each. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sql/exec/rowops.h"
#include "sql/exec/win_int.h"

typedef struct topn {
    const win_op_t *st;
    const lh_plan_window_t *w;
    const uint32_t *oc; /* the ORDER BY keys' columns */
    uint32_t n;
    uint8_t fast;    /* the first key's lh_phys_t when it has a 64-bit order key, else 0 */
    uint64_t *best;  /* per partition: up to n row numbers, first in order first */
    uint64_t *bkey;  /* beside best: their order keys (fast) */
    uint32_t *count; /* per partition: how many */
    uint64_t cap;    /* partitions the arrays hold */
} topn_t;

/* Whether stored row a comes before row b in the window's order. */
static bool before(const topn_t *t, uint64_t a, uint64_t b)
{
    for (uint32_t i = 0; i < t->w->norder; i++) {
        uint32_t ra, rb;
        const lh_vector_t *va = lh__win_col(t->st, a, t->oc[i], &ra);
        const lh_vector_t *vb = lh__win_col(t->st, b, t->oc[i], &rb);
        int c = lh__row_order(va, ra, vb, rb, t->w->order[i].desc, t->w->order[i].nulls_first);
        if (c) return c < 0;
    }
    return a < b;
}

/* Row g's first ORDER BY key as a number in the order of the window (equal
 * numbers: compare the rows). */
static uint64_t key_of(const topn_t *t, uint64_t g)
{
    uint32_t r;
    const lh_vector_t *v = lh__win_col(t->st, g, t->oc[0], &r);
    const lh_plan_order_t *o = &t->w->order[0];
    if (!lh_vector_is_valid(v, r)) return o->nulls_first ? 0 : UINT64_MAX;
    const void *d = v->data;
    uint64_t k;
    switch (t->fast) {
    case LH_PHYS_INT32:
        k = (uint64_t)(int64_t)((const int32_t *)d)[r] ^ (UINT64_C(1) << 63);
        break;
    case LH_PHYS_INT64:
        k = (uint64_t)((const int64_t *)d)[r] ^ (UINT64_C(1) << 63);
        break;
    default: { /* DOUBLE: NaN above everything, -0.0 as 0.0 */
        double x = ((const double *)d)[r];
        if (x != x) x = NAN;
        if (x == 0) x = 0;
        memcpy(&k, &x, 8);
        k = k >> 63 ? ~k : k | (UINT64_C(1) << 63);
    }
    }
    return o->desc ? ~k : k;
}

/* Whether row a (order key ka) comes before row b (kb). */
static bool before_k(const topn_t *t, uint64_t a, uint64_t ka, uint64_t b, uint64_t kb)
{
    if (t->fast && ka != kb) return ka < kb;
    return before(t, a, b);
}

static int grow(lh_op_t *op, topn_t *t, uint64_t need)
{
    uint64_t cap = t->cap ? t->cap : 1024;
    while (cap <= need)
        cap *= 2;
    int rc = lh__op_charge(op, (int64_t)((cap - t->cap) * (t->n * 16 + 4)));
    if (rc) return rc;
    uint64_t *b = realloc(t->best, cap * t->n * sizeof *b);
    if (!b) return lh__win_oom(op);
    t->best = b;
    uint64_t *k = realloc(t->bkey, cap * t->n * sizeof *k);
    if (!k) return lh__win_oom(op);
    t->bkey = k;
    uint32_t *c = realloc(t->count, cap * sizeof *c);
    if (!c) return lh__win_oom(op);
    memset(c + t->cap, 0, (cap - t->cap) * sizeof *c);
    t->count = c;
    t->cap = cap;
    return 0;
}

/* Partitions by one integer key: open addressing from the key to its
 * partition number (rowset.c does any keys, slower). */
typedef struct intmap {
    int64_t *keys;
    uint64_t *parts; /* partition + 1; 0 empty */
    uint64_t mask, n;
    uint64_t null_part; /* the NULL key's partition + 1 */
} intmap_t;

/* Grows m's table to at least slots entries (at least double). */
static int intmap_grow(intmap_t *m, uint64_t slots)
{
    uint64_t cap = m->keys ? (m->mask + 1) * 2 : 4096;
    while (cap < slots)
        cap *= 2;
    int64_t *k = malloc(cap * sizeof *k);
    uint64_t *p = lh__zalloc(cap, sizeof *p);
    if (!k || !p) {
        free(k);
        free(p);
        return LH_ENOMEM;
    }
    for (uint64_t i = 0; m->keys && i <= m->mask; i++) {
        if (!m->parts[i]) continue;
        uint64_t j = lh__hash_u64((uint64_t)m->keys[i]) & (cap - 1);
        while (p[j])
            j = (j + 1) & (cap - 1);
        k[j] = m->keys[i];
        p[j] = m->parts[i];
    }
    free(m->keys);
    free(m->parts);
    m->keys = k;
    m->parts = p;
    m->mask = cap - 1;
    return 0;
}

/* The partition of key x (made when new: the next number after *nparts). */
static int intmap_part(intmap_t *m, int64_t x, uint64_t *nparts, uint64_t *part)
{
    if ((m->n + 1) * 2 > m->mask + 1 && intmap_grow(m, 0)) return LH_ENOMEM;
    uint64_t j = lh__hash_u64((uint64_t)x) & m->mask;
    for (; m->parts[j]; j = (j + 1) & m->mask)
        if (m->keys[j] == x) {
            *part = m->parts[j] - 1;
            return 0;
        }
    m->keys[j] = x;
    m->parts[j] = ++*nparts;
    m->n++;
    *part = *nparts - 1;
    return 0;
}

/* Partitions by any keys: open addressing from the keys' hash to the
 * partition number. The keys are compared with those of the partition's
 * first kept row (t->best), stored by the window already. */
typedef struct keymap {
    const topn_t *t;
    const uint32_t *pc; /* the PARTITION BY columns */
    uint32_t npc;
    uint64_t *slots; /* (hash & TAG) | (partition + 1); 0 empty */
    uint64_t mask, n;
    uint64_t *hash; /* per partition */
    uint64_t cap;
} keymap_t;

#define TAG UINT64_C(0xffffff0000000000)
#define IDX (~TAG)

/* Grows m's table to at least slots entries (at least double). */
static int keymap_grow(keymap_t *m, uint64_t slots)
{
    uint64_t cap = m->slots ? (m->mask + 1) * 2 : 4096;
    while (cap < slots)
        cap *= 2;
    uint64_t *s = lh__zalloc(cap, sizeof *s);
    if (!s) return LH_ENOMEM;
    for (uint64_t i = 0; m->slots && i <= m->mask; i++) {
        if (!m->slots[i]) continue;
        uint64_t j = m->hash[(m->slots[i] & IDX) - 1] & (cap - 1);
        while (s[j])
            j = (j + 1) & (cap - 1);
        s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->mask = cap - 1;
    return 0;
}

/* Room for cap partitions' hashes. */
static int keymap_hashes(keymap_t *m, uint64_t cap)
{
    uint64_t *hs = realloc(m->hash, cap * sizeof *hs);
    if (!hs) return LH_ENOMEM;
    m->hash = hs;
    m->cap = cap;
    return 0;
}

/* Whether stored rows a and b have the same PARTITION BY keys (NULLs equal). */
static bool same_keys(const keymap_t *m, uint64_t a, uint64_t b)
{
    for (uint32_t k = 0; k < m->npc; k++) {
        uint32_t ra, rb;
        const lh_vector_t *va = lh__win_col(m->t->st, a, m->pc[k], &ra);
        const lh_vector_t *vb = lh__win_col(m->t->st, b, m->pc[k], &rb);
        bool x = lh_vector_is_valid(va, ra), y = lh_vector_is_valid(vb, rb);
        if (x != y || (x && !lh__row_equal(va, ra, vb, rb))) return false;
    }
    return true;
}

/* The partition of stored row g whose keys hash to h (made when new: the
 * next number after *nparts). */
static int keymap_part(keymap_t *m, uint64_t g, uint64_t h, uint64_t *nparts, uint64_t *part)
{
    if ((m->n + 1) * 2 > m->mask + 1 && keymap_grow(m, 0)) return LH_ENOMEM;
    uint64_t i = h & m->mask;
    for (uint64_t v; (v = m->slots[i]); i = (i + 1) & m->mask) {
        if ((v & TAG) != (h & TAG)) continue;
        uint64_t p = (v & IDX) - 1;
        if (m->hash[p] == h && same_keys(m, g, m->t->best[p * m->t->n])) {
            *part = p;
            return 0;
        }
    }
    if (*nparts == m->cap && keymap_hashes(m, m->cap ? m->cap * 2 : 1024)) return LH_ENOMEM;
    m->hash[*nparts] = h;
    m->slots[i] = (h & TAG) | (*nparts + 1);
    m->n++;
    *part = (*nparts)++;
    return 0;
}

/* Offers row g to partition part's array. */
static void offer(topn_t *t, uint64_t part, uint64_t g)
{
    uint64_t *b = t->best + part * t->n, *bk = t->bkey + part * t->n;
    uint32_t c = t->count[part];
    uint64_t kg = t->fast ? key_of(t, g) : 0;
    if (c == t->n) {
        if (!before_k(t, g, kg, b[c - 1], bk[c - 1])) return;
        c--; /* the last one drops out */
    } else
        t->count[part]++;
    uint32_t i = c;
    for (; i > 0 && before_k(t, g, kg, b[i - 1], bk[i - 1]); i--) {
        b[i] = b[i - 1];
        bk[i] = bk[i - 1];
    }
    b[i] = g;
    bk[i] = kg;
}

#define PRESIZE_MAX (UINT64_C(1) << 22) /* partitions: arrays of ~80 MB, a table of 64 MB */

int lh__win_topn(lh_op_t *op, win_op_t *st, const lh_plan_window_t *w, const uint32_t *pc,
                 uint32_t n, lh_vector_t *res)
{
    topn_t t = {.st = st, .w = w, .oc = pc + w->npartition, .n = n};
    if (w->norder) {
        lh_phys_t ph = lh_type_physical(&st->types[t.oc[0]]);
        if (ph == LH_PHYS_INT32 || ph == LH_PHYS_INT64 || ph == LH_PHYS_DOUBLE)
            t.fast = (uint8_t)ph;
    }
    intmap_t im = {0};
    keymap_t km = {.t = &t, .pc = pc, .npc = w->npartition};
    uint64_t nparts = 0;
    lh_vector_t keys[w->npartition + 1];
    lh_phys_t kp = w->npartition == 1 ? lh_type_physical(&st->types[pc[0]]) : LH_PHYS_INVALID;
    bool ints = kp == LH_PHYS_INT32 || kp == LH_PHYS_INT64, any = w->npartition && !ints;
    int rc = 0;
    for (uint32_t ci = 0; !rc && ci < st->nchunks; ci++) {
        const lh_batch_t *c = st->chunks[ci];
        for (uint32_t i = 0; i < w->npartition; i++)
            keys[i] = c->cols[pc[i]];
        uint64_t h[LH_BATCH_ROWS];
        if (any) {
            memset(h, 0, c->count * sizeof *h);
            for (uint32_t i = 0; i < w->npartition; i++)
                lh__hash_column(&keys[i], c->count, h);
        }
        for (uint32_t r = 0; !rc && r < c->count; r++) {
            uint64_t part = 0;
            if (any && r + 8 < c->count && km.slots)
                __builtin_prefetch(&km.slots[h[r + 8] & km.mask]);
            if (ints && !lh_vector_is_valid(&keys[0], r)) {
                if (!im.null_part) im.null_part = ++nparts;
                part = im.null_part - 1;
            } else if (ints) {
                int64_t x = kp == LH_PHYS_INT32 ? ((const int32_t *)keys[0].data)[r]
                                                : ((const int64_t *)keys[0].data)[r];
                if (intmap_part(&im, x, &nparts, &part)) rc = lh__win_oom(op);
            } else if (any &&
                       keymap_part(&km, (uint64_t)ci * LH_BATCH_ROWS + r, h[r], &nparts, &part)) {
                rc = lh__win_oom(op);
            }
            if (!rc && part >= t.cap) rc = grow(op, &t, part);
            if (!rc) offer(&t, part, (uint64_t)ci * LH_BATCH_ROWS + r);
        }
        /* after the first chunk, when most of its rows began partitions of
           their own (a de-duplication): room for the rest at that rate at
           once, up to PRESIZE_MAX partitions (a first chunk can overstate
           it), instead of doubling into it (each doubling zeroes and
           rehashes a table, and moves the arrays) */
        if (!rc && ci == 0 && st->nchunks > 1 && c->count && nparts * 2 > c->count) {
            uint64_t est = st->n / c->count * nparts + nparts;
            if (est > PRESIZE_MAX) est = PRESIZE_MAX;
            if (any && est > km.cap && (keymap_grow(&km, est * 2) || keymap_hashes(&km, est)))
                rc = lh__win_oom(op);
            else if (ints && est * 2 > im.mask + 1 && intmap_grow(&im, est * 2))
                rc = lh__win_oom(op);
            if (!rc && est > t.cap) rc = grow(op, &t, est - 1);
        }
    }
    int64_t *out = res->data;
    for (uint64_t g = 0; !rc && g < st->n; g++)
        out[g] = (int64_t)n + 1;
    for (uint64_t p = 0; !rc && p < t.cap; p++)
        for (uint32_t i = 0; i < t.count[p]; i++)
            out[t.best[p * n + i]] = (int64_t)i + 1;
    free(km.slots);
    free(km.hash);
    free(im.keys);
    free(im.parts);
    free(t.best);
    free(t.bkey);
    free(t.count);
    return rc;
}
