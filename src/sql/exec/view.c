/* Selected rows of a vector without copying them: a DICTIONARY vector whose
 * codes are the selection and whose dictionary is the source (a filter's or
 * a join's input batch, which lives until the consumer pulls again).
 * A constant stays a constant; nested and other sources are copied. */
#include "sql/exec/exec_int.h"

int lh__vector_select(lh_vector_t *dst, const lh_vector_t *src, const uint32_t *sel, uint32_t n)
{
    if (src->kind == LH_VECTOR_CONSTANT && !lh_type_is_nested(&src->type) && n) {
        int rc = lh_vector_copy(dst, 0, src, NULL, 1); /* one row stands for all */
        if (!rc) lh_vector_set_constant(dst);
        return rc;
    }
    if (src->kind != LH_VECTOR_FLAT || lh_type_is_nested(&src->type) || !n ||
        dst->kind != LH_VECTOR_FLAT)
        return lh_vector_copy(dst, 0, src, sel, n);
    uint32_t size = 0;
    for (uint32_t i = 0; i < n; i++)
        size = sel[i] >= size ? sel[i] + 1 : size;
    int32_t *codes;
    if (size > src->capacity || lh_vector_set_dictionary(dst, src, size, &codes))
        return lh_vector_copy(dst, 0, src, sel, n);
    for (uint32_t i = 0; i < n; i++)
        codes[i] = (int32_t)sel[i];
    return 0;
}
