/* Moving rows between vectors: lh_vector_copy (any kind in, FLAT out, with a
 * selection, deep) and lh_vector_flatten (CONSTANT or DICTIONARY to FLAT in
 * place). One switch per chunk of rows picks a typed loop; nothing is called
 * per value except for LIST rows, which copy their element ranges. */
#include "vector/vector_int.h"

#include <stdlib.h>

#define CHUNK 256      /* rows resolved per step (two small arrays on the stack) */
#define SMALL_WORDS 32 /* validity words of a batch-sized vector */

typedef struct {
    uint64_t lo, hi;
} b16_t; /* any 16-byte value: HUGEINT, INTERVAL, string views */

#define GATHER(T)                                                                                  \
    do {                                                                                           \
        T *d_ = (T *)dst->data + drow;                                                             \
        const T *s_ = (const T *)src;                                                              \
        for (uint32_t i = 0; i < n; i++)                                                           \
            d_[i] = s_[idx[i]];                                                                    \
    } while (0)

/* Fixed-size values: dst rows drow.. from the rows idx[] of src data. */
static void gather_fixed(lh_vector_t *dst, uint32_t drow, const void *src, const uint32_t *idx,
                         uint32_t n, size_t size)
{
    switch (size) {
    case 1:
        GATHER(uint8_t);
        break;
    case 2:
        GATHER(uint16_t);
        break;
    case 4:
        GATHER(uint32_t);
        break;
    case 8:
        GATHER(uint64_t);
        break;
    case 16:
        GATHER(b16_t);
        break;
    default:
        break;
    }
}

/* Copies the bytes of long strings in dst rows drow..drow+n into dst's arena
 * (one allocation for them all) and points the views at the copies. */
static int own_strings(lh_vector_t *dst, uint32_t drow, uint32_t n)
{
    lh_string_t *s = (lh_string_t *)dst->data + drow;
    size_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        /* a NULL row's view is whatever the slot held: make it empty */
        if (dst->validity && !lh_validity_get(dst->validity, drow + i))
            s[i] = lh_string_make("", 0);
        if (s[i].len > LH_STRING_INLINE) total += s[i].len;
    }
    if (!total) return 0;
    if (!dst->arena) return LH_EINVAL;
    char *p = lh_arena_alloc(dst->arena, total);
    if (!p) return LH_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        if (s[i].len <= LH_STRING_INLINE) continue;
        memcpy(p, s[i].u.ptr, s[i].len);
        s[i].u.ptr = p;
        p += s[i].len;
    }
    return 0;
}

/* Sets dst validity for rows drow.. from src rows rows[] (any kind). */
static void copy_validity(lh_vector_t *dst, uint32_t drow, const lh_vector_t *src,
                          const uint32_t *rows, uint32_t n)
{
    bool all_valid = !src->validity && !(src->kind == LH_VECTOR_DICTIONARY && src->dict->validity);
    if (all_valid && !dst->validity) return;
    uint64_t *w = lh_vector_validity_mut(dst);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = drow + i;
        uint64_t bit = UINT64_C(1) << (r & 63);
        if (all_valid || lh_vector_is_valid(src, rows[i]))
            w[r >> 6] |= bit;
        else
            w[r >> 6] &= ~bit;
    }
}

static int copy_rows(lh_vector_t *dst, uint32_t drow, const lh_vector_t *src, const uint32_t *sel,
                     uint32_t first, uint32_t count, bool deep);

static int copy_lists(lh_vector_t *dst, uint32_t drow, const lh_vector_t *src, const uint32_t *rows,
                      const uint32_t *idx, uint32_t n, bool deep)
{
    const lh_vector_t *vals = lh_vector_values(src);
    const lh_list_entry_t *se = lh_vector_list_entries(vals);
    lh_list_entry_t *de = lh_vector_list_entries(dst) + drow;
    for (uint32_t i = 0; i < n; i++) {
        lh_list_entry_t e = se[idx[i]];
        if (!lh_vector_is_valid(src, rows[i])) e.length = 0;
        if (e.length > vals->child_count || e.offset > vals->child_count - e.length)
            return LH_EINVAL;
        int rc = lh__vector_child_room(dst, e.length);
        if (!rc)
            rc = copy_rows(dst->child, dst->child_count, vals->child, NULL, e.offset, e.length,
                           deep);
        if (rc) return rc;
        de[i] = (lh_list_entry_t){dst->child_count, e.length};
        dst->child_count += e.length;
    }
    return 0;
}

static int copy_chunk(lh_vector_t *dst, uint32_t drow, const lh_vector_t *src, const uint32_t *rows,
                      const uint32_t *idx, uint32_t n, bool deep)
{
    const lh_vector_t *vals = lh_vector_values(src);
    int rc = 0;
    copy_validity(dst, drow, src, rows, n);
    switch (lh_type_physical(&dst->type)) {
    case LH_PHYS_LIST:
        return copy_lists(dst, drow, src, rows, idx, n, deep);
    case LH_PHYS_STRUCT:
        for (uint32_t k = 0; k < dst->type.nfields && !rc; k++)
            rc = copy_rows(&dst->children[k], drow, &vals->children[k], idx, 0, n, deep);
        for (uint32_t i = 0; i < n && !rc; i++) /* a NULL struct row has NULL children */
            if (!lh_validity_get(dst->validity, drow + i)) lh_vector_set_null(dst, drow + i);
        return rc;
    case LH_PHYS_STRING: /* the bytes after the last chunk (copy_rows) */
        gather_fixed(dst, drow, vals->data, idx, n, sizeof(lh_string_t));
        return 0;
    default:
        gather_fixed(dst, drow, vals->data, idx, n, lh_type_size(&dst->type));
        return 0;
    }
}

/* Copies count rows of src into dst rows drow..: source row i is sel[i], or
 * first + i without sel. */
static int copy_rows(lh_vector_t *dst, uint32_t drow, const lh_vector_t *src, const uint32_t *sel,
                     uint32_t first, uint32_t count, bool deep)
{
    uint32_t rows[CHUNK], idx[CHUNK];
    for (uint32_t done = 0; done < count;) {
        uint32_t n = count - done < CHUNK ? count - done : CHUNK;
        for (uint32_t i = 0; i < n; i++) {
            rows[i] = sel ? sel[done + i] : first + done + i;
            idx[i] = lh_vector_row(src, rows[i]);
        }
        int rc = copy_chunk(dst, drow + done, src, rows, idx, n, deep);
        if (rc) return rc;
        done += n;
    }
    /* long strings' bytes in one allocation for the whole copy: one per
       chunk of 256 rows left a fifth of each 64 KiB arena block unused
       (three copies of 66-byte hashes fit, not four) */
    if (deep && lh_type_physical(&dst->type) == LH_PHYS_STRING)
        return own_strings(dst, drow, count);
    return 0;
}

static int copy_checked(lh_vector_t *dst, uint32_t dst_row, const lh_vector_t *src,
                        const uint32_t *sel, uint32_t count, bool deep)
{
    if (dst == src || dst->kind != LH_VECTOR_FLAT || dst->data != dst->own_data ||
        !lh_type_equal(&dst->type, &src->type) || dst_row > dst->capacity ||
        count > dst->capacity - dst_row)
        return LH_EINVAL;
    return copy_rows(dst, dst_row, src, sel, 0, count, deep);
}

int lh_vector_copy(lh_vector_t *dst, uint32_t dst_row, const lh_vector_t *src, const uint32_t *sel,
                   uint32_t count)
{
    return copy_checked(dst, dst_row, src, sel, count, true);
}

int lh_vector_copy_view(lh_vector_t *dst, uint32_t dst_row, const lh_vector_t *src,
                        const uint32_t *sel, uint32_t count)
{
    return copy_checked(dst, dst_row, src, sel, count, lh_type_is_nested(&src->type));
}

/* ---- flatten ---- */

static int flatten_constant(lh_vector_t *v, uint32_t count)
{
    bool valid = lh_validity_get(v->validity, 0);
    v->kind = LH_VECTOR_FLAT;
    if (v->type.id == LH_TYPE_STRUCT) {
        for (uint32_t k = 0; k < v->type.nfields; k++) {
            int rc = lh_vector_flatten(&v->children[k], count);
            if (rc) return rc;
        }
    } else {
        uint32_t zero[CHUNK] = {0};
        size_t size = lh_type_size(&v->type);
        for (uint32_t done = 1; done < count; done += CHUNK)
            gather_fixed(v, done, v->data, zero, count - done < CHUNK ? count - done : CHUNK, size);
    }
    if (valid && v->validity) {
        for (uint32_t r = 0; r < count; r++)
            v->validity[r >> 6] |= UINT64_C(1) << (r & 63);
    } else if (!valid) {
        uint64_t *w = lh_vector_validity_mut(v);
        for (uint32_t r = 0; r < count; r++)
            w[r >> 6] &= ~(UINT64_C(1) << (r & 63));
    }
    return 0;
}

static int flatten_dictionary(lh_vector_t *v, uint32_t count)
{
    size_t words = ((size_t)count + 63) / 64;
    uint64_t small[SMALL_WORDS], *outer = NULL;
    if (v->validity) { /* the row validity, before the copy overwrites it */
        outer = words <= SMALL_WORDS ? small : malloc(words * 8);
        if (!outer) return LH_ENOMEM;
        memcpy(outer, v->validity, words * 8);
    }
    const lh_vector_t *dict = v->dict;
    v->kind = LH_VECTOR_FLAT;
    v->data = v->own_data;
    v->validity = NULL;
    v->dict = NULL;
    v->dict_size = 0;
    /* codes are checked non-negative, so reading them as uint32_t is exact */
    int rc = copy_rows(v, 0, dict, (const uint32_t *)v->codes, 0, count, false);
    v->codes = NULL;
    for (uint32_t r = 0; outer && !rc && r < count; r++)
        if (!lh_validity_get(outer, r)) lh_vector_set_null(v, r);
    if (outer != small) free(outer);
    return rc;
}

int lh_vector_flatten(lh_vector_t *v, uint32_t count)
{
    if (count > v->capacity) return LH_EINVAL;
    if (v->kind == LH_VECTOR_CONSTANT) return flatten_constant(v, count);
    if (v->kind == LH_VECTOR_DICTIONARY) return flatten_dictionary(v, count);
    for (uint32_t k = 0; v->type.id == LH_TYPE_STRUCT && k < v->type.nfields; k++) {
        int rc = lh_vector_flatten(&v->children[k], count);
        if (rc) return rc;
    }
    return 0;
}
