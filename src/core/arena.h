/* Request- and query-scoped memory: many allocations, one free, with cleanup
 * callbacks for fds and other resources (like nginx pools). Not thread-safe. */
#ifndef LH_CORE_ARENA_H
#define LH_CORE_ARENA_H

#include <stddef.h>

typedef struct lh_arena lh_arena_t;

/* Returns NULL on allocation failure. */
lh_arena_t *lh_arena_new(size_t block_size);
/* Runs cleanups (last added first), frees every block. NULL is fine. */
void lh_arena_free(lh_arena_t *a);
/* Runs the cleanups (last added first) and forgets every allocation, keeping the
 * standard-size blocks for reuse (per-batch memory without malloc in steady state). */
void lh_arena_reset(lh_arena_t *a);
/* 16-byte aligned; memory owned by the arena; NULL on failure. */
void *lh_arena_alloc(lh_arena_t *a, size_t n);
void *lh_arena_calloc(lh_arena_t *a, size_t n);
/* Bytes the arena holds in blocks (kept spare blocks included); 0 for NULL. */
size_t lh_arena_bytes(const lh_arena_t *a);
char *lh_arena_strndup(lh_arena_t *a, const char *s, size_t n);
char *lh_arena_strdup(lh_arena_t *a, const char *s);
char *lh_arena_printf(lh_arena_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Registers fn(arg) to run when the arena is freed. Returns 0 or LH_ENOMEM. */
int lh_arena_cleanup(lh_arena_t *a, void (*fn)(void *), void *arg);

#endif
