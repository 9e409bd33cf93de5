/* Selected rows of a vector without copying them: a DICTIONARY vector whose
 * codes are the selection and whose dictionary is the source (a filter's or
 * a join's input batch, which lives until the consumer pulls again); of a
 * DICTIONARY source, its dictionary with the selected codes. A constant
 * stays a constant; nested and other sources are copied. */
#include "sql/exec/exec_int.h"

/* The selected rows of DICTIONARY src: its dictionary, the selected codes
 * and row validity (a filter over a window's or a join's output, which are
 * such views: deep copies of every selected row before, a copy of 1.2M
 * rows of ~300 bytes in the example's bronze_to_silver). */
static int select_codes(lh_vector_t *dst, const lh_vector_t *src, const uint32_t *sel, uint32_t n)
{
    int32_t *codes;
    if (lh_vector_set_dictionary(dst, src->dict, src->dict_size, &codes))
        return lh_vector_copy(dst, 0, src, sel, n);
    for (uint32_t i = 0; i < n; i++)
        codes[i] = src->codes[sel[i]];
    dst->validity = NULL;
    if (src->validity) {
        uint64_t *w = lh_vector_validity_mut(dst); /* all valid */
        for (uint32_t i = 0; i < n; i++)
            if (!lh_validity_get(src->validity, sel[i])) w[i >> 6] &= ~(UINT64_C(1) << (i & 63));
    }
    return 0;
}

int lh__vector_select(lh_vector_t *dst, const lh_vector_t *src, const uint32_t *sel, uint32_t n)
{
    if (src->kind == LH_VECTOR_CONSTANT && !lh_type_is_nested(&src->type) && n) {
        int rc = lh_vector_copy(dst, 0, src, NULL, 1); /* one row stands for all */
        if (!rc) lh_vector_set_constant(dst);
        return rc;
    }
    if (src->kind == LH_VECTOR_DICTIONARY && !lh_type_is_nested(&src->type) && n &&
        dst->kind == LH_VECTOR_FLAT && n <= dst->capacity && (!src->validity || dst->own_validity))
        return select_codes(dst, src, sel, n);
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
