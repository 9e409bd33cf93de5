/* Normalized-key sorting. A record is, per key, one NULL byte (0 NULLS
 * FIRST, 1 a value, 2 NULLS LAST) and the value's bytes in an order-keeping
 * big-endian form (sign bits flipped, floats' bits folded so that memcmp
 * orders them as numbers with NaN on top and -0.0 equal to 0.0, every
 * value byte inverted for DESC), then the row number (8 bytes, big-endian),
 * so one memcmp orders two records and equal keys keep input order.
 * Strings keep a 12-byte prefix; when two prefixes tie, the caller's tie
 * function compares the whole strings. Nested values encode as nothing (all
 * equal, as rowops.c orders them).
 *
 * The sort is MSD radix on the bytes (a byte every record shares is
 * skipped without moving anything), small buckets by insertion sort; the
 * first levels run on the calling thread until the buckets are small
 * enough to hand out, then the buckets are sorted in parallel. */
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"
#include "sql/exec/exec_int.h"
#include "sql/exec/keysort.h"

#define PREFIX 12
#define SMALL 48

static uint32_t value_bytes(const lh_type_t *t)
{
    switch (lh_type_physical(t)) {
    case LH_PHYS_BOOL:
    case LH_PHYS_UINT8:
    case LH_PHYS_INT8:
        return 1;
    case LH_PHYS_INT16:
    case LH_PHYS_UINT16:
        return 2;
    case LH_PHYS_INT32:
    case LH_PHYS_UINT32:
        return 4;
    case LH_PHYS_INT64:
    case LH_PHYS_UINT64:
    case LH_PHYS_FLOAT:
    case LH_PHYS_DOUBLE:
        return 8;
    case LH_PHYS_INT128:
    case LH_PHYS_INTERVAL:
        return 16;
    case LH_PHYS_STRING:
        return PREFIX;
    default:
        return 0;
    }
}

int lh__keysort_init(lh_keysort_t *ks, const lh_sortkey_t *keys, uint32_t nkeys, uint64_t n)
{
    memset(ks, 0, sizeof *ks);
    ks->keys = keys;
    ks->nkeys = nkeys;
    ks->n = n;
    ks->exact = true;
    ks->off = calloc(nkeys + 1, sizeof *ks->off);
    ks->size = calloc(nkeys + 1, sizeof *ks->size);
    ks->inexact = calloc(nkeys + 1, sizeof *ks->inexact);
    if (!ks->off || !ks->size || !ks->inexact) return LH_ENOMEM;
    for (uint32_t k = 0; k < nkeys; k++) {
        ks->off[k] = ks->keybytes;
        ks->size[k] = 1 + value_bytes(&keys[k].type);
        ks->inexact[k] = lh_type_physical(&keys[k].type) == LH_PHYS_STRING;
        if (ks->inexact[k]) ks->exact = false;
        ks->keybytes += ks->size[k];
    }
    ks->width = (ks->keybytes + 8 + 7) & ~7u; /* whole words, for the copies */
    ks->rec = malloc((size_t)(n ? n : 1) * ks->width);
    return ks->rec ? 0 : LH_ENOMEM;
}

void lh__keysort_free(lh_keysort_t *ks)
{
    free(ks->off);
    free(ks->size);
    free(ks->inexact);
    free(ks->rec);
    memset(ks, 0, sizeof *ks);
}

static void put_be(uint8_t *p, uint64_t x, uint32_t n)
{
    for (uint32_t i = n; i-- > 0; x >>= 8)
        p[i] = (uint8_t)x;
}

static uint64_t double_bits(double d)
{
    if (d == 0) d = 0; /* -0.0 as 0.0 */
    uint64_t u;
    if (d != d)
        u = UINT64_C(0x7ff8000000000000); /* every NaN alike, above +inf */
    else
        memcpy(&u, &d, 8);
    return u >> 63 ? ~u : u ^ (UINT64_C(1) << 63);
}

static void put_128(uint8_t *p, lh_uint128_t x)
{
    put_be(p, (uint64_t)(x >> 64), 8);
    put_be(p + 8, (uint64_t)x, 8);
}

/* Value bytes of non-NULL row r (physical row of the values vector). */
static void put_value(uint8_t *p, const lh_vector_t *vv, uint32_t r, lh_phys_t ph)
{
    const void *d = vv->data;
    const uint64_t sign = UINT64_C(1) << 63;
    switch (ph) {
    case LH_PHYS_BOOL:
    case LH_PHYS_UINT8:
        p[0] = ((const uint8_t *)d)[r];
        break;
    case LH_PHYS_INT8:
        p[0] = (uint8_t)(((const int8_t *)d)[r] ^ 0x80);
        break;
    case LH_PHYS_INT16:
        put_be(p, (uint16_t)((const int16_t *)d)[r] ^ 0x8000u, 2);
        break;
    case LH_PHYS_UINT16:
        put_be(p, ((const uint16_t *)d)[r], 2);
        break;
    case LH_PHYS_INT32:
        put_be(p, (uint32_t)((const int32_t *)d)[r] ^ 0x80000000u, 4);
        break;
    case LH_PHYS_UINT32:
        put_be(p, ((const uint32_t *)d)[r], 4);
        break;
    case LH_PHYS_INT64:
        put_be(p, (uint64_t)((const int64_t *)d)[r] ^ sign, 8);
        break;
    case LH_PHYS_UINT64:
        put_be(p, ((const uint64_t *)d)[r], 8);
        break;
    case LH_PHYS_FLOAT:
        put_be(p, double_bits(((const float *)d)[r]), 8);
        break;
    case LH_PHYS_DOUBLE:
        put_be(p, double_bits(((const double *)d)[r]), 8);
        break;
    case LH_PHYS_INT128:
        put_128(p, (lh_uint128_t)((const lh_int128_t *)d)[r] ^ ((lh_uint128_t)1 << 127));
        break;
    case LH_PHYS_INTERVAL: {
        const lh_interval_t *iv = &((const lh_interval_t *)d)[r];
        lh_int128_t x = lh_interval_key(iv);
        put_128(p, (lh_uint128_t)x ^ ((lh_uint128_t)1 << 127));
        break;
    }
    case LH_PHYS_STRING: {
        const lh_string_t *s = &((const lh_string_t *)d)[r];
        uint32_t m = s->len < PREFIX ? s->len : PREFIX;
        memcpy(p, lh_string_data(s), m);
        memset(p + m, 0, PREFIX - m);
        break;
    }
    default:
        break;
    }
}

static void number_rows(lh_keysort_t *ks, uint64_t first, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *p = ks->rec + (size_t)(first + i) * ks->width + ks->keybytes;
        put_be(p, first + i, 8);
        memset(p + 8, 0, ks->width - ks->keybytes - 8);
    }
}

static void encode(lh_keysort_t *ks, uint32_t k, const lh_vector_t *v, uint32_t count,
                   uint64_t first)
{
    const lh_sortkey_t *key = &ks->keys[k];
    const lh_vector_t *vv = lh_vector_values(v);
    lh_phys_t ph = lh_type_physical(&key->type);
    uint32_t vb = ks->size[k] - 1;
    uint8_t null_byte = key->nulls_first ? 0 : 2;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *p = ks->rec + (size_t)(first + i) * ks->width;
        p += ks->off[k];
        if (!lh_vector_is_valid(v, i)) {
            p[0] = null_byte;
            memset(p + 1, 0, vb);
            continue;
        }
        p[0] = 1;
        put_value(p + 1, vv, lh_vector_row(v, i), ph);
        if (key->desc)
            for (uint32_t b = 1; b <= vb; b++)
                p[b] = (uint8_t)~p[b];
    }
}

typedef struct chunks {
    lh_keysort_t *ks;
    lh_batch_t *const *chunks;
    const uint32_t *cols;
} chunks_t;

static int encode_chunk(void *arg, size_t i, unsigned worker)
{
    const chunks_t *c = arg;
    const lh_batch_t *b = c->chunks[i];
    uint64_t first = (uint64_t)i * LH_BATCH_ROWS;
    (void)worker;
    number_rows(c->ks, first, b->count);
    for (uint32_t k = 0; k < c->ks->nkeys; k++)
        encode(c->ks, k, &b->cols[c->cols[k]], b->count, first);
    return 0;
}

void lh__keysort_encode_chunks(lh_keysort_t *ks, lh_batch_t *const *chunks, uint32_t nchunks,
                               const uint32_t *cols, struct lh_pool *pool)
{
    chunks_t c = {.ks = ks, .chunks = chunks, .cols = cols};
    lh_pool_parallel_for(pool, nchunks, encode_chunk, &c);
}

static uint64_t rec_row(const lh_keysort_t *ks, const uint8_t *p)
{
    uint64_t x = 0;
    p += ks->keybytes;
    for (int i = 0; i < 8; i++)
        x = x << 8 | p[i];
    return x;
}

uint64_t lh__keysort_row(const lh_keysort_t *ks, uint64_t i)
{
    return rec_row(ks, ks->rec + (size_t)i * ks->width);
}

static int cmp_keys(const lh_keysort_t *ks, uint32_t first, uint32_t nkeys, const uint8_t *a,
                    const uint8_t *b)
{
    for (uint32_t k = first; k < first + nkeys; k++) {
        int c = memcmp(a + ks->off[k], b + ks->off[k], ks->size[k]);
        if (c) return c;
        if (ks->inexact[k] && a[ks->off[k]] == 1) {
            c = ks->tie(ks->tie_arg, k, rec_row(ks, a), rec_row(ks, b));
            if (c) return c;
        }
    }
    return 0;
}

static int cmp_rec(const void *pa, const void *pb, void *arg)
{
    const lh_keysort_t *ks = arg;
    const uint8_t *a = pa, *b = pb;
    if (ks->exact) return memcmp(a, b, ks->width);
    int c = cmp_keys(ks, 0, ks->nkeys, a, b);
    return c ? c : memcmp(a + ks->keybytes, b + ks->keybytes, 8);
}

bool lh__keysort_same(const lh_keysort_t *ks, uint32_t first, uint32_t nkeys, uint64_t i,
                      uint64_t j)
{
    const uint8_t *a = ks->rec + (size_t)i * ks->width, *b = ks->rec + (size_t)j * ks->width;
    if (ks->exact) {
        if (!nkeys) return true;
        uint32_t lo = ks->off[first], hi = ks->off[first + nkeys - 1] + ks->size[first + nkeys - 1];
        return !memcmp(a + lo, b + lo, hi - lo);
    }
    return !cmp_keys(ks, first, nkeys, a, b);
}

/* ---- the radix sort ---- */

typedef struct task {
    uint64_t lo, n; /* records [lo, lo + n) */
    uint32_t byte;  /* the next byte to split on */
} task_t;

typedef struct sorter {
    lh_keysort_t *ks;
    uint8_t *tmp;
    uint32_t radix_end; /* bytes past this are ordered by comparison */
    task_t *tasks;
    size_t ntasks, cap;
} sorter_t;

static void insertion(const lh_keysort_t *ks, uint8_t *a, uint64_t n, uint8_t *hold)
{
    uint32_t w = ks->width;
    for (uint64_t i = 1; i < n; i++) {
        uint64_t j = i;
        if (cmp_rec(a + (j - 1) * w, a + j * w, (void *)ks) <= 0) continue;
        memcpy(hold, a + i * w, w);
        while (j > 0 && cmp_rec(a + (j - 1) * w, hold, (void *)ks) > 0) {
            memcpy(a + j * w, a + (j - 1) * w, w);
            j--;
        }
        memcpy(a + j * w, hold, w);
    }
}

/* The first byte in [from, end) where the n records differ (end: none). */
static uint32_t first_diff(const uint8_t *a, uint64_t n, uint32_t w, uint32_t from, uint32_t end)
{
    uint32_t lo = from & ~7u, words = (end - lo + 7) / 8;
    uint64_t diff[16] = {0}, first[16];
    if (words > 16 || lo + words * 8 > w) return from; /* wide records: no shortcut */
    memcpy(first, a + lo, words * 8);
    for (uint64_t i = 1; i < n; i++) {
        const uint8_t *r = a + (size_t)i * w + lo;
        for (uint32_t k = 0; k < words; k++) {
            uint64_t x;
            memcpy(&x, r + 8 * k, 8);
            diff[k] |= x ^ first[k];
        }
    }
    uint8_t bytes[128];
    memcpy(bytes, diff, words * 8);
    for (uint32_t b = from; b < end; b++)
        if (bytes[b - lo]) return b;
    return end;
}

static inline void copy_rec(uint8_t *dst, const uint8_t *src, uint32_t w)
{
    for (uint32_t k = 0; k < w; k += 8) {
        uint64_t x;
        memcpy(&x, src + k, 8);
        memcpy(dst + k, &x, 8);
    }
}

/* One radix level of task t: skips shared bytes, scatters the records by
 * the first byte that differs and calls out(bucket) for each bucket of two
 * or more. Returns false when t must be finished by comparison instead. */
static bool split(sorter_t *s, task_t t, void (*out)(sorter_t *, task_t, uint8_t *), uint8_t *hold)
{
    lh_keysort_t *ks = s->ks;
    uint32_t w = ks->width;
    uint8_t *a = ks->rec + (size_t)t.lo * w, *tmp = s->tmp + (size_t)t.lo * w;
    t.byte = first_diff(a, t.n, w, t.byte, s->radix_end);
    if (t.byte >= s->radix_end) return false;
    uint64_t count[256];
    memset(count, 0, sizeof count);
    for (uint64_t i = 0; i < t.n; i++)
        count[a[(size_t)i * w + t.byte]]++;
    uint64_t start[256], pos = 0;
    for (int b = 0; b < 256; b++) {
        start[b] = pos;
        pos += count[b];
    }
    uint64_t next[256];
    memcpy(next, start, sizeof next);
    for (uint64_t i = 0; i < t.n; i++) {
        const uint8_t *r = a + (size_t)i * w;
        copy_rec(tmp + (size_t)next[r[t.byte]]++ * w, r, w);
    }
    memcpy(a, tmp, (size_t)t.n * w);
    for (int b = 0; b < 256; b++)
        if (count[b] > 1) out(s, (task_t){t.lo + start[b], count[b], t.byte + 1}, hold);
    return true;
}

static void sort_task(sorter_t *s, task_t t, uint8_t *hold)
{
    lh_keysort_t *ks = s->ks;
    uint8_t *a = ks->rec + (size_t)t.lo * ks->width;
    if (t.n <= SMALL) {
        insertion(ks, a, t.n, hold);
        return;
    }
    if (!split(s, t, sort_task, hold)) qsort_r(a, t.n, ks->width, cmp_rec, ks);
}

static void push_task(sorter_t *s, task_t t, uint8_t *hold)
{
    (void)hold;
    if (s->ntasks == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        task_t *nt = realloc(s->tasks, cap * sizeof *nt);
        if (!nt) { /* no room to defer it: sort it here */
            sort_task(s, t, hold);
            return;
        }
        s->tasks = nt;
        s->cap = cap;
    }
    s->tasks[s->ntasks++] = t;
}

typedef struct par {
    sorter_t *s;
    task_t *tasks;
} par_t;

static int run_task(void *arg, size_t i, unsigned worker)
{
    par_t *p = arg;
    uint8_t hold[1024];
    (void)worker;
    sort_task(p->s, p->tasks[i], hold);
    return 0;
}

/* ---- top-N: a max-heap of the k least records seen so far ---- */

static int cmp_at(const lh_keysort_t *ks, uint64_t i, uint64_t j)
{
    return cmp_rec(ks->rec + (size_t)i * ks->width, ks->rec + (size_t)j * ks->width, (void *)ks);
}

static void sift_down(const lh_keysort_t *ks, uint64_t *h, uint64_t n, uint64_t i)
{
    for (;;) {
        uint64_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && cmp_at(ks, h[l], h[m]) > 0) m = l;
        if (r < n && cmp_at(ks, h[r], h[m]) > 0) m = r;
        if (m == i) return;
        uint64_t t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* Keeps only the k least records (in no particular order). */
static int keep_least(lh_keysort_t *ks, uint64_t k)
{
    uint64_t *h = malloc((size_t)(k ? k : 1) * sizeof *h);
    uint8_t *rec = malloc((size_t)(k ? k : 1) * ks->width);
    if (!h || !rec) {
        free(h);
        free(rec);
        return LH_ENOMEM;
    }
    for (uint64_t i = 0; i < k; i++)
        h[i] = i;
    for (uint64_t i = k / 2; i-- > 0;)
        sift_down(ks, h, k, i);
    for (uint64_t i = k; k && i < ks->n; i++)
        if (cmp_at(ks, i, h[0]) < 0) {
            h[0] = i;
            sift_down(ks, h, k, 0);
        }
    for (uint64_t i = 0; i < k; i++)
        memcpy(rec + (size_t)i * ks->width, ks->rec + (size_t)h[i] * ks->width, ks->width);
    free(h);
    free(ks->rec);
    ks->rec = rec;
    ks->n = k;
    return 0;
}

int lh__keysort_top(lh_keysort_t *ks, uint64_t k, struct lh_pool *pool, int threads)
{
    if (k < ks->n / 16) { /* few rows wanted: a heap pass, then sort those */
        int rc = keep_least(ks, k);
        if (rc) return rc;
    }
    int rc = lh__keysort_sort(ks, pool, threads);
    if (!rc && k < ks->n) ks->n = k; /* many: sort all, keep the first k */
    return rc;
}

/* One round of splitting: piece i of todo into out[i]'s own task list. */
typedef struct round {
    const task_t *todo;
    sorter_t *out;
    bool *more; /* per piece: it was split */
    uint64_t big;
} round_t;

static int split_one(void *arg, size_t i, unsigned worker)
{
    round_t *r = arg;
    uint8_t hold[1024];
    task_t t = r->todo[i];
    (void)worker;
    if (t.n <= r->big || t.n <= SMALL || !split(&r->out[i], t, push_task, hold))
        push_task(&r->out[i], t, hold);
    else
        r->more[i] = true;
    return 0;
}

int lh__keysort_sort(lh_keysort_t *ks, struct lh_pool *pool, int threads)
{
    if (ks->n < 2) return 0;
    if (ks->width > 1024) { /* too wide for the insertion sort's buffer: comparisons only */
        qsort_r(ks->rec, ks->n, ks->width, cmp_rec, ks);
        return 0;
    }
    sorter_t s = {.ks = ks, .radix_end = ks->keybytes + 8};
    for (uint32_t k = 0; k < ks->nkeys; k++)
        if (ks->inexact[k]) {
            s.radix_end = ks->off[k] + ks->size[k];
            break;
        }
    s.tmp = malloc((size_t)ks->n * ks->width);
    if (!s.tmp) return LH_ENOMEM;
    uint8_t hold[1024];
    if (threads < 2 || !pool || ks->n < 65536) {
        sort_task(&s, (task_t){0, ks->n, 0}, hold);
        free(s.tmp);
        return 0;
    }
    /* split until every piece is small enough to share out (each round's
       pieces split in parallel) */
    uint64_t big = ks->n / ((uint64_t)threads * 8);
    task_t *todo = NULL;
    push_task(&s, (task_t){0, ks->n, 0}, hold);
    for (int round = 0; round < 4; round++) {
        free(todo);
        todo = s.tasks;
        round_t r = {.todo = todo, .big = big};
        size_t ntodo = s.ntasks;
        s.tasks = NULL;
        s.ntasks = s.cap = 0;
        r.out = calloc(ntodo, sizeof *r.out);
        r.more = calloc(ntodo, sizeof *r.more);
        if (!r.out || !r.more) { /* no room to split further: share out what there is */
            free(r.out);
            free(r.more);
            s.tasks = todo;
            s.ntasks = s.cap = ntodo;
            todo = NULL;
            break;
        }
        for (size_t i = 0; i < ntodo; i++)
            r.out[i] = (sorter_t){.ks = ks, .tmp = s.tmp, .radix_end = s.radix_end};
        lh_pool_parallel_for(ntodo > 1 ? pool : NULL, ntodo, split_one, &r);
        bool more = false;
        for (size_t i = 0; i < ntodo; i++) {
            more = more || r.more[i];
            for (size_t j = 0; j < r.out[i].ntasks; j++)
                push_task(&s, r.out[i].tasks[j], hold);
            free(r.out[i].tasks);
        }
        free(r.out);
        free(r.more);
        if (!more) break;
    }
    free(todo);
    par_t p = {.s = &s, .tasks = s.tasks};
    lh_pool_parallel_for(pool, s.ntasks, run_task, &p);
    free(s.tasks);
    free(s.tmp);
    return 0;
}
