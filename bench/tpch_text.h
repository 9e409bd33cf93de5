/* TPC-H text (specification 4.2.2.10 and 4.2.2.14): a pool of sentences
 * from the specification's grammar and word lists, built once from a seed;
 * a comment is a substring of the pool at a random offset with a random
 * length. Our pool is 16 MiB instead of the specification's 300 MB (the
 * query predicates on comments only need the words and their frequencies).
 * Not thread-safe: one pool per process. */
#ifndef LH_BENCH_TPCH_TEXT_H
#define LH_BENCH_TPCH_TEXT_H

#include "gen_out.h"

#include <stddef.h>

/* Builds the pool (process lifetime). 0 or LH_ENOMEM. */
int tpch_text_init(uint64_t seed);
/* A substring of the pool of a length uniform in [min, max] (max < 1000);
 * points into the pool, *len set. */
const char *tpch_text(gen_rng_t *r, int min, int max, size_t *len);

#endif
