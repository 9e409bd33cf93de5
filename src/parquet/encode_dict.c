/* The writer's dictionary builder: an open-addressing hash table (linear
 * probing, at most half full, each slot's hash bits beside its entry number,
 * so a probe is one cache line and growing never rehashes a value) over
 * entries stored PLAIN-encoded in first-seen order, so the dictionary page
 * is the entry buffer as it stands. Values are hashed a block at a time and
 * the slots and entries of the values ahead fetched early: a dictionary of
 * tens of thousands of addresses is not in cache. */
#include "parquet/encode.h"

#include "core/err.h"

#include <stdlib.h>

#define DICT_MAX_BYTES ((size_t)INT32_MAX)

void lh_pq_dict_init(lh_pq_dict_t *d, size_t width)
{
    memset(d, 0, sizeof *d);
    d->width = width;
    lh_buf_init(&d->plain, DICT_MAX_BYTES);
}

void lh_pq_dict_free(lh_pq_dict_t *d)
{
    size_t width = d->width;
    lh_buf_free(&d->plain);
    free(d->offs);
    free(d->slots);
    lh_pq_dict_init(d, width);
}

void lh_pq_dict_reset(lh_pq_dict_t *d)
{
    lh_buf_reset(&d->plain);
    d->count = 0;
    if (d->slots) memset(d->slots, 0, (size_t)d->nslots * sizeof *d->slots);
}

static inline uint64_t mix64(uint64_t h)
{
    h ^= h >> 32;
    h *= UINT64_C(0xd6e8feb86659fd93);
    h ^= h >> 32;
    return h;
}

uint64_t lh_pq_hash_bytes(const void *p, size_t n)
{
    const uint8_t *s = p;
    uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ n;
    while (n >= 8) {
        uint64_t k;
        memcpy(&k, s, 8);
        h = (h ^ mix64(k)) * UINT64_C(0x100000001b3);
        s += 8;
        n -= 8;
    }
    uint64_t k = 0;
    memcpy(&k, s, n);
    return mix64(h ^ k ^ (uint64_t)n << 56);
}

static inline uint64_t hash_fixed(const uint8_t *v, size_t width)
{
    if (width <= 8) {
        uint64_t k = 0;
        memcpy(&k, v, width);
        return mix64(k * UINT64_C(0x9e3779b97f4a7c15));
    }
    return lh_pq_hash_bytes(v, width);
}

/* Doubles the table (or makes the first one), placing slots by their hashes. */
static int grow(lh_pq_dict_t *d)
{
    uint32_t n = d->nslots ? d->nslots * 2 : 1024;
    if (n < d->nslots) return LH_ETOOBIG;
    struct lh_pq_dict_slot *slots = calloc(n, sizeof *slots);
    if (!slots) return LH_ENOMEM;
    for (uint32_t i = 0; i < d->nslots; i++) {
        if (!d->slots[i].entry) continue;
        uint32_t s = d->slots[i].hash & (n - 1);
        while (slots[s].entry)
            s = (s + 1) & (n - 1);
        slots[s] = d->slots[i];
    }
    free(d->slots);
    d->slots = slots;
    d->nslots = n;
    return 0;
}

static inline int need_room(lh_pq_dict_t *d)
{
    if ((size_t)(d->count + 1) * 2 <= d->nslots) return 0;
    return grow(d);
}

#define BLOCK 256 /* values hashed ahead of their lookups */
#define AHEAD 8   /* slots fetched this many values ahead, entries half as many */

/* Whether n bytes at a and b are equal, a word at a time: the values here
 * are short (addresses, hashes, decimals), a call to memcmp costs more. */
static inline bool same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (; n >= 8; a += 8, b += 8, n -= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y) return false;
    }
    while (n--)
        if (*a++ != *b++) return false;
    return true;
}

/* The entry slot h names, when one is there, or NULL. */
static inline const struct lh_pq_dict_slot *home(const lh_pq_dict_t *d, uint64_t h)
{
    const struct lh_pq_dict_slot *s = &d->slots[(uint32_t)h & (d->nslots - 1)];
    return s->entry && s->hash == (uint32_t)h ? s : NULL;
}

/* Inlined with a constant width for 4 and 8 bytes, so the compare is a load. */
static inline __attribute__((always_inline)) int
put_fixed(lh_pq_dict_t *d, const uint8_t *vals, size_t n, uint32_t *idx, const size_t width)
{
    uint64_t hs[BLOCK];
    for (size_t b = 0; b < n; b += BLOCK) {
        size_t m = n - b < BLOCK ? n - b : BLOCK;
        for (size_t i = 0; i < m; i++)
            hs[i] = hash_fixed(vals + (b + i) * width, width);
        for (size_t i = 0; i < m; i++) {
            if (i + AHEAD < m)
                __builtin_prefetch(&d->slots[(uint32_t)hs[i + AHEAD] & (d->nslots - 1)]);
            const struct lh_pq_dict_slot *ahead =
                i + AHEAD / 2 < m ? home(d, hs[i + AHEAD / 2]) : NULL;
            if (ahead) __builtin_prefetch(d->plain.ptr + (size_t)(ahead->entry - 1) * width);
            const uint8_t *v = vals + (b + i) * width;
            uint64_t h = hs[i];
            uint32_t mask = d->nslots - 1, s = (uint32_t)h & mask, e;
            for (;;) {
                e = d->slots[s].entry;
                if (!e) break;
                if (d->slots[s].hash == (uint32_t)h &&
                    same_bytes((const uint8_t *)d->plain.ptr + (size_t)(e - 1) * width, v, width))
                    break;
                s = (s + 1) & mask;
            }
            if (e) {
                idx[b + i] = e - 1;
                continue;
            }
            if (lh_buf_append(&d->plain, v, width)) return lh_buf_err(&d->plain);
            d->slots[s] = (struct lh_pq_dict_slot){++d->count, (uint32_t)h};
            idx[b + i] = d->count - 1;
            int rc = need_room(d);
            if (rc) return rc;
        }
    }
    return 0;
}

int lh_pq_dict_put_fixed(lh_pq_dict_t *d, const void *vals, size_t n, uint32_t *idx)
{
    int rc = need_room(d);
    if (rc) return rc;
    switch (d->width) {
    case 4:
        return put_fixed(d, vals, n, idx, 4);
    case 8:
        return put_fixed(d, vals, n, idx, 8);
    default:
        return put_fixed(d, vals, n, idx, d->width);
    }
}

static int add_offset(lh_pq_dict_t *d, uint32_t off)
{
    if (d->count == d->offscap) {
        uint32_t cap = d->offscap ? d->offscap * 2 : 1024;
        uint32_t *p = realloc(d->offs, (size_t)cap * sizeof *p);
        if (!p) return LH_ENOMEM;
        d->offs = p;
        d->offscap = cap;
    }
    d->offs[d->count] = off;
    return 0;
}

int lh_pq_dict_put_bytes(lh_pq_dict_t *d, const lh_str_t *vals, size_t n, uint32_t *idx)
{
    int rc = need_room(d);
    if (rc) return rc;
    uint64_t hs[BLOCK];
    for (size_t b = 0; b < n; b += BLOCK) {
        size_t m = n - b < BLOCK ? n - b : BLOCK;
        for (size_t i = 0; i < m; i++)
            hs[i] = lh_pq_hash_bytes(vals[b + i].ptr, vals[b + i].len);
        for (size_t i = 0; i < m; i++) {
            /* three steps ahead: the slot, the entry's offset, its bytes */
            if (i + AHEAD < m)
                __builtin_prefetch(&d->slots[(uint32_t)hs[i + AHEAD] & (d->nslots - 1)]);
            const struct lh_pq_dict_slot *ahead =
                i + AHEAD / 2 < m ? home(d, hs[i + AHEAD / 2]) : NULL;
            if (ahead) __builtin_prefetch(&d->offs[ahead->entry - 1]);
            ahead = i + AHEAD / 4 < m ? home(d, hs[i + AHEAD / 4]) : NULL;
            if (ahead) __builtin_prefetch(d->plain.ptr + d->offs[ahead->entry - 1]);
            const lh_str_t *v = &vals[b + i];
            uint64_t h = hs[i];
            uint32_t mask = d->nslots - 1, s = (uint32_t)h & mask, e;
            for (;;) {
                e = d->slots[s].entry;
                if (!e) break;
                if (d->slots[s].hash == (uint32_t)h) {
                    const uint8_t *p = (const uint8_t *)d->plain.ptr + d->offs[e - 1];
                    uint32_t len = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                   (uint32_t)p[3] << 24;
                    if (len == v->len && same_bytes(p + 4, (const uint8_t *)v->ptr, len)) break;
                }
                s = (s + 1) & mask;
            }
            if (e) {
                idx[b + i] = e - 1;
                continue;
            }
            if (v->len > DICT_MAX_BYTES - 4 - d->plain.len) return LH_ETOOBIG;
            if ((rc = add_offset(d, (uint32_t)d->plain.len))) return rc;
            if ((rc = lh_pq_plain_bytes(v, 1, &d->plain))) return rc;
            d->slots[s] = (struct lh_pq_dict_slot){++d->count, (uint32_t)h};
            idx[b + i] = d->count - 1;
            if ((rc = need_room(d))) return rc;
        }
    }
    return 0;
}

lh_str_t lh_pq_dict_value(const lh_pq_dict_t *d, uint32_t i)
{
    if (d->width) return (lh_str_t){d->plain.ptr + (size_t)i * d->width, d->width};
    const uint8_t *p = (const uint8_t *)d->plain.ptr + d->offs[i];
    uint32_t len =
        (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return (lh_str_t){(const char *)p + 4, len};
}
