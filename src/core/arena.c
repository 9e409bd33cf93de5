/* Bump-pointer arena with a cleanup list. Large allocations get their own block.
 * A reset keeps the standard-size blocks on a spare list for the next round. */
#include "core/arena.h"
#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct block {
    struct block *next;
    size_t used, size;
    _Alignas(16) unsigned char data[];
} block_t;

typedef struct cleanup {
    struct cleanup *next;
    void (*fn)(void *);
    void *arg;
} cleanup_t;

struct lh_arena {
    block_t *head;
    block_t *spare; /* standard-size blocks kept by lh_arena_reset */
    cleanup_t *cleanups;
    size_t block_size;
    size_t bytes; /* malloc'd for blocks, spare ones included */
};

lh_arena_t *lh_arena_new(size_t block_size)
{
    lh_arena_t *a = calloc(1, sizeof *a);
    if (a) a->block_size = block_size ? block_size : 4096;
    return a;
}

static void free_blocks(block_t *b)
{
    for (block_t *n; b; b = n) {
        n = b->next;
        free(b);
    }
}

static void run_cleanups(lh_arena_t *a)
{
    for (cleanup_t *c = a->cleanups; c; c = c->next)
        c->fn(c->arg);
    a->cleanups = NULL;
}

void lh_arena_free(lh_arena_t *a)
{
    if (!a) return;
    run_cleanups(a);
    free_blocks(a->head);
    free_blocks(a->spare);
    free(a);
}

void lh_arena_reset(lh_arena_t *a)
{
    run_cleanups(a);
    for (block_t *b = a->head, *n; b; b = n) {
        n = b->next;
        if (b->size == a->block_size) {
            b->next = a->spare;
            a->spare = b;
        } else {
            a->bytes -= b->size;
            free(b);
        }
    }
    a->head = NULL;
}

void *lh_arena_alloc(lh_arena_t *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    block_t *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t sz = n > a->block_size ? n : a->block_size;
        block_t *nb = sz == a->block_size ? a->spare : NULL;
        if (nb)
            a->spare = nb->next;
        else if (!(nb = malloc(sizeof *nb + sz)))
            return NULL;
        else
            a->bytes += sz;
        nb->used = 0;
        nb->size = sz;
        if (b && n > a->block_size) { /* keep the current block as the head */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

size_t lh_arena_bytes(const lh_arena_t *a)
{
    return a ? a->bytes : 0;
}

void *lh_arena_calloc(lh_arena_t *a, size_t n)
{
    void *p = lh_arena_alloc(a, n);
    if (p) memset(p, 0, n);
    return p;
}

char *lh_arena_strndup(lh_arena_t *a, const char *s, size_t n)
{
    char *p = lh_arena_alloc(a, n + 1);
    if (p) {
        if (n) memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

char *lh_arena_strdup(lh_arena_t *a, const char *s)
{
    return lh_arena_strndup(a, s, strlen(s));
}

char *lh_arena_printf(lh_arena_t *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *p = lh_arena_alloc(a, (size_t)n + 1);
    if (!p) return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

int lh_arena_cleanup(lh_arena_t *a, void (*fn)(void *), void *arg)
{
    cleanup_t *c = lh_arena_alloc(a, sizeof *c);
    if (!c) return LH_ENOMEM;
    c->fn = fn;
    c->arg = arg;
    c->next = a->cleanups;
    a->cleanups = c;
    return 0;
}
