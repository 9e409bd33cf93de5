/* The scanner's readings of the JSON documents a thread read lately, so
 * that json_valid(raw) and several json_extract_string(raw, '$.key') of one
 * row scan its text once (json_memo.h).
 *
 * A thread's memo keeps its entries in the order they were read, an
 * open-addressing table over them keyed by the text's address and length;
 * an entry keeps a copy of the text, and a lookup answers only when the text
 * at that address is still byte for byte the copy (the memory of a batch is
 * reused by the next one). Each entry holds the scanner's verdict and, for
 * an object, its top-level members (key and value spans). A function reads
 * a batch's rows in order, as json_valid filled the memo, so the entries
 * just after the last one found are tried before the table: entries and
 * copies are then read in order, not at random. The memo is emptied whole
 * when half its slots or its byte budget are used: what it serves is the
 * rows of the batches in flight. */
#include "sql/func/json_memo.h"

#include <pthread.h>
#include <stdlib.h>

#define SLOTS 8192          /* a power of two, four batches of rows */
#define MAX_TEXT 16384      /* longer texts are scanned each time */
#define TEXT_BUDGET 8388608 /* bytes of copies before the memo is emptied */
#define MAX_MEMBERS 32      /* an object with more: its lookups scan */

typedef struct entry {
    const char *ptr;
    uint32_t len;
    uint32_t copy;    /* offset of the copy in text */
    uint32_t first;   /* the first member in members */
    int16_t nmembers; /* as lh_jscan_members: -1 none recorded, -2 not an object */
    bool valid;
} entry_t;

typedef struct memo {
    uint16_t table[SLOTS];      /* entry + 1, 0 empty */
    entry_t entries[SLOTS / 2]; /* in the order they were read */
    uint32_t used, cursor;      /* entries; after the one read or found last */
    uint32_t gen;               /* how many times the memo was emptied: hints older are void */
    char *text;
    uint32_t ntext;
    lh_jscan_member_t *members;
    uint32_t nmem, capmem;
} memo_t;

static _Thread_local memo_t *tl_memo;
static pthread_key_t memo_key;
static pthread_once_t memo_once = PTHREAD_ONCE_INIT;

static void memo_free(void *p)
{
    memo_t *m = p;
    if (!m) return;
    free(m->text);
    free(m->members);
    free(m);
}

static void memo_key_init(void)
{
    (void)pthread_key_create(&memo_key, memo_free);
}

static memo_t *memo_get(void)
{
    if (tl_memo) return tl_memo;
    pthread_once(&memo_once, memo_key_init);
    memo_t *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->text = malloc(TEXT_BUDGET);
    m->capmem = SLOTS / 2 * 12;
    m->members = malloc(m->capmem * sizeof *m->members);
    if (!m->text || !m->members) {
        memo_free(m);
        return NULL;
    }
    tl_memo = m;
    (void)pthread_setspecific(memo_key, m); /* freed when the thread ends */
    return m;
}

/* The entry of p[0..n), read now if it is not there; NULL when the memo
 * cannot hold it (the caller scans). */
static const entry_t *lookup(const char *p, size_t n)
{
    if (n > MAX_TEXT) return NULL;
    memo_t *m = memo_get();
    if (!m) return NULL;
    entry_t *e = NULL;
    for (uint32_t j = m->cursor; j < m->used && j < m->cursor + 4; j++)
        if (m->entries[j].ptr == p && m->entries[j].len == n) {
            e = &m->entries[j];
            break;
        }
    uint64_t h = ((uint64_t)(uintptr_t)p ^ n) * 0x9E3779B97F4A7C15u;
    uint32_t home = (uint32_t)(h >> 40) & (SLOTS - 1), i = home;
    for (; !e && m->table[i]; i = (i + 1) & (SLOTS - 1)) {
        entry_t *x = &m->entries[m->table[i] - 1];
        if (x->ptr == p && x->len == n) e = x;
    }
    if (e && !memcmp(m->text + e->copy, p, n)) {
        m->cursor = (uint32_t)(e - m->entries) + 1;
        return e;
    }
    /* e: the memory holds another text now, read it again there; else a
       new entry, after emptying a full memo */
    if (m->ntext + n > TEXT_BUDGET || m->nmem + MAX_MEMBERS > m->capmem ||
        (!e && m->used >= SLOTS / 2)) {
        memset(m->table, 0, sizeof m->table);
        m->used = m->ntext = m->nmem = 0;
        m->gen++;
        e = NULL;
        i = home;
    }
    if (!e) {
        e = &m->entries[m->used++];
        m->table[i] = (uint16_t)m->used;
    }
    m->cursor = (uint32_t)(e - m->entries) + 1;
    int nm;
    bool valid = lh_jscan_members(p, n, m->members + m->nmem, MAX_MEMBERS, &nm);
    *e = (entry_t){.ptr = p,
                   .len = (uint32_t)n,
                   .copy = m->ntext,
                   .first = m->nmem,
                   .nmembers = (int16_t)(valid ? nm : -1),
                   .valid = valid};
    memcpy(m->text + m->ntext, p, n);
    m->ntext += (uint32_t)n;
    if (valid && nm > 0) m->nmem += (uint32_t)nm;
    return e;
}

int lh_jmemo_valid(const char *p, size_t n)
{
    const entry_t *e = lookup(p, n);
    return e ? e->valid : lh_jscan(p, n, NULL, 0, NULL);
}

/* Whether the n bytes at a and b are the same: keys are short, and a call
 * of memcmp per member compared was a tenth of validate's JSON reading. */
static inline bool same_key(const char *a, const char *b, size_t n)
{
    if (n >= 8 && n <= 16) {
        uint64_t x, y, u, v;
        memcpy(&x, a, 8), memcpy(&y, b, 8), memcpy(&u, a + n - 8, 8), memcpy(&v, b + n - 8, 8);
        return !((x ^ y) | (u ^ v));
    }
    if (n >= 4 && n < 8) {
        uint32_t x, y, u, v;
        memcpy(&x, a, 4), memcpy(&y, b, 4), memcpy(&u, a + n - 4, 4), memcpy(&v, b + n - 4, 4);
        return !((x ^ y) | (u ^ v));
    }
    return !memcmp(a, b, n);
}

/* The answer of entry e (of p[0..n)) for key: as lh_jmemo_key. */
static int key_of(const entry_t *e, const char *p, size_t n, const lh_jscan_key_t *key,
                  lh_jscan_hit_t *hit)
{
    if (!e || !e->valid || e->nmembers == -1) return lh_jscan(p, n, key, 1, hit);
    *hit = (lh_jscan_hit_t){.kind = LH_JSCAN_MISSING};
    if (e->nmembers == -2) return 1; /* not an object: no key */
    const lh_jscan_member_t *mem = tl_memo->members + e->first;
    const lh_jscan_member_t *found = NULL;
    for (int i = 0; i < e->nmembers; i++) {
        const lh_jscan_member_t *x = &mem[i];
        if (x->key_escaped) return lh_jscan(p, n, key, 1, hit); /* compared decoded */
        if (x->keylen != key->n || !same_key(p + x->key, key->s, key->n)) continue;
        if (found) return lh_jscan(p, n, key, 1, hit); /* a duplicate: jansson's last */
        found = x;
    }
    if (!found) return 1;
    if (found->kind == LH_JSCAN_OTHER) return lh_jscan(p, n, key, 1, hit);
    *hit = (lh_jscan_hit_t){.kind = (lh_jscan_kind_t)found->kind,
                            .at = p + found->at,
                            .len = found->len,
                            .escaped = found->escaped};
    return 1;
}

int lh_jmemo_key(const char *p, size_t n, const lh_jscan_key_t *key, lh_jscan_hit_t *hit)
{
    return key_of(lookup(p, n), p, n, key, hit);
}

/* The entry of p[0..n) through *hint (see lh_jmemo_key_hinted). */
static const entry_t *hinted(const char *p, size_t n, uint64_t *hint, bool trusted)
{
    const memo_t *m = tl_memo;
    if (trusted && *hint && m && (uint32_t)(*hint >> 32) == m->gen) {
        const entry_t *e = &m->entries[(uint32_t)*hint - 1];
        if (e->ptr == p && e->len == n) return e;
    }
    const entry_t *e = lookup(p, n);
    *hint = e ? (uint64_t)tl_memo->gen << 32 | (uint64_t)(e - tl_memo->entries + 1) : 0;
    return e;
}

int lh_jmemo_key_hinted(const char *p, size_t n, const lh_jscan_key_t *key, lh_jscan_hit_t *hit,
                        uint64_t *hint, bool trusted)
{
    return key_of(hinted(p, n, hint, trusted), p, n, key, hit);
}

uint32_t lh_jmemo_keys_hinted(const char *p, size_t n, const lh_jscan_key_t *const *keys, int nk,
                              const uint32_t bylen[64], lh_jscan_hit_t *hit, uint64_t *hint,
                              bool trusted)
{
    const entry_t *e = hinted(p, n, hint, trusted);
    if (!e || !e->valid || e->nmembers == -1 || nk > 32) return 0;
    uint32_t all = nk == 32 ? UINT32_MAX : (UINT32_C(1) << nk) - 1;
    for (int k = 0; k < nk; k++)
        hit[k] = (lh_jscan_hit_t){.kind = LH_JSCAN_MISSING};
    if (e->nmembers == -2) return all; /* not an object: no key */
    const lh_jscan_member_t *mem = tl_memo->members + e->first;
    const lh_jscan_member_t *at[32];
    uint32_t seen = 0, dup = 0;
    for (int i = 0; i < e->nmembers; i++) {
        const lh_jscan_member_t *x = &mem[i];
        if (x->key_escaped) return 0; /* compared decoded: one at a time */
        for (uint32_t c = bylen[x->keylen < 63 ? x->keylen : 63]; c; c &= c - 1) {
            int k = __builtin_ctz(c);
            if (x->keylen != keys[k]->n || !same_key(p + x->key, keys[k]->s, keys[k]->n)) continue;
            dup |= seen & UINT32_C(1) << k; /* jansson keeps the last: asked alone */
            seen |= UINT32_C(1) << k;
            at[k] = x;
        }
    }
    uint32_t done = all & ~dup;
    for (int k = 0; k < nk; k++) {
        if (!(seen & done & UINT32_C(1) << k)) continue;
        const lh_jscan_member_t *x = at[k];
        if (x->kind == LH_JSCAN_OTHER) {
            done &= ~(UINT32_C(1) << k);
            continue;
        }
        hit[k] = (lh_jscan_hit_t){.kind = (lh_jscan_kind_t)x->kind,
                                  .at = p + x->at,
                                  .len = x->len,
                                  .escaped = x->escaped};
    }
    return done;
}
