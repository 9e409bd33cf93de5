/* Internals shared by the vector module's files. */
#ifndef LH_VECTOR_VECTOR_INT_H
#define LH_VECTOR_VECTOR_INT_H

#include "vector/vector.h"

#define LH__VEC_LIST_CHILD 1 /* flags: the child of a LIST/MAP (always FLAT) */

/* 64-byte aligned malloc (size rounded up); NULL for n == 0 or failure. */
void *lh__vector_alloc(size_t n);
/* Room for n more child rows of a LIST/MAP (doubling). 0, LH_ETOOBIG, LH_ENOMEM. */
int lh__vector_child_room(lh_vector_t *v, uint32_t n);

#endif
