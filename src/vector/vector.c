/* Column vectors: storage (init, release, reset, growth), validity, strings,
 * lists, kinds and the one-value accessors. Copying and flattening are in
 * vector_copy.c. */
#include "vector/vector.h"
#include "vector/vector_int.h"

#include <stdatomic.h>
#include <stdlib.h>

void *lh__vector_alloc(size_t n)
{
    if (!n) return NULL;
    n = (n + LH_VECTOR_ALIGN - 1) & ~(size_t)(LH_VECTOR_ALIGN - 1);
    return aligned_alloc(LH_VECTOR_ALIGN, n);
}

static size_t words_for(uint32_t rows)
{
    return ((size_t)rows + 63) / 64;
}

int lh_vector_init(lh_vector_t *v, const lh_type_t *type, uint32_t capacity, lh_arena_t *arena)
{
    memset(v, 0, sizeof *v);
    if (!lh_type_is_valid(type)) return LH_EINVAL;
    if (capacity > LH_VECTOR_MAX_ROWS) return LH_ETOOBIG;
    v->type = *type;
    v->capacity = capacity;
    v->arena = arena;
    size_t size = lh_type_size(type);
    if (capacity && size && !(v->own_data = lh__vector_alloc(capacity * size))) goto nomem;
    if (capacity && !(v->own_validity = lh__vector_alloc(words_for(capacity) * 8))) goto nomem;
    v->data = v->own_data;
    if (type->id == LH_TYPE_LIST || type->id == LH_TYPE_MAP) {
        if (!(v->child = calloc(1, sizeof *v->child))) goto nomem;
        if (lh_vector_init(v->child, lh_type_child(type), 0, arena)) goto nomem;
        v->child->flags |= LH__VEC_LIST_CHILD;
    } else if (type->id == LH_TYPE_STRUCT) {
        if (!(v->children = calloc(type->nfields, sizeof *v->children))) goto nomem;
        for (uint32_t i = 0; i < type->nfields; i++)
            if (lh_vector_init(&v->children[i], &type->fields[i].type, capacity, arena)) goto nomem;
    }
    return 0;
nomem:
    lh_vector_release(v);
    return LH_ENOMEM;
}

void lh_vector_release(lh_vector_t *v)
{
    free(v->own_data);
    free(v->own_validity);
    free(v->own_codes);
    if (v->child) {
        lh_vector_release(v->child);
        free(v->child);
    }
    if (v->children) {
        for (uint32_t i = 0; i < v->type.nfields; i++)
            lh_vector_release(&v->children[i]);
        free(v->children);
    }
    memset(v, 0, sizeof *v);
}

uint64_t lh_vector_new_stamp(void)
{
    static atomic_uint_fast64_t last;
    return atomic_fetch_add_explicit(&last, 1, memory_order_relaxed) + 1;
}

void lh_vector_reset(lh_vector_t *v)
{
    v->kind = LH_VECTOR_FLAT;
    v->data = v->own_data;
    v->validity = NULL;
    v->dict = NULL;
    v->dict_size = 0;
    v->codes = NULL;
    v->stamp = 0;
    v->child_count = 0;
    if (v->child) lh_vector_reset(v->child);
    if (v->children)
        for (uint32_t i = 0; i < v->type.nfields; i++)
            lh_vector_reset(&v->children[i]);
}

/* Grows data and validity storage to cap rows (children separately). */
static int grow_own(lh_vector_t *v, uint32_t cap)
{
    size_t size = lh_type_size(&v->type), w_old = words_for(v->capacity), w_new = words_for(cap);
    void *d = size ? lh__vector_alloc(cap * size) : NULL;
    uint64_t *w = lh__vector_alloc(w_new * 8);
    if ((size && !d) || !w) {
        free(d);
        free(w);
        return LH_ENOMEM;
    }
    if (size && v->capacity) memcpy(d, v->own_data, v->capacity * size);
    if (v->validity) {
        memcpy(w, v->own_validity, w_old * 8);
        memset(w + w_old, 0xff, (w_new - w_old) * 8);
    }
    free(v->own_data);
    free(v->own_validity);
    free(v->own_codes); /* sized for the old capacity; FLAT does not use it */
    v->own_codes = NULL;
    v->own_data = v->data = d;
    v->own_validity = w;
    if (v->validity) v->validity = w;
    v->capacity = cap;
    return 0;
}

int lh_vector_reserve(lh_vector_t *v, uint32_t capacity)
{
    if (capacity <= v->capacity) return 0;
    if (v->kind != LH_VECTOR_FLAT || v->data != v->own_data) return LH_EINVAL;
    if (capacity > LH_VECTOR_MAX_ROWS) return LH_ETOOBIG;
    for (uint32_t i = 0; v->children && i < v->type.nfields; i++) {
        int rc = lh_vector_reserve(&v->children[i], capacity);
        if (rc) return rc; /* children already grown keep their larger storage */
    }
    return grow_own(v, capacity);
}

/* ---- validity ---- */

uint64_t *lh_vector_validity_mut(lh_vector_t *v)
{
    if (!v->validity && v->own_validity) {
        memset(v->own_validity, 0xff, words_for(v->capacity) * 8);
        v->validity = v->own_validity;
    }
    return v->validity;
}

void lh_vector_set_null(lh_vector_t *v, uint32_t row)
{
    uint64_t *w = lh_vector_validity_mut(v);
    w[row >> 6] &= ~(UINT64_C(1) << (row & 63));
    if (v->kind == LH_VECTOR_DICTIONARY) {
        v->codes[row] = 0;
    } else if (v->type.id == LH_TYPE_LIST || v->type.id == LH_TYPE_MAP) {
        lh_vector_list_entries(v)[row] = (lh_list_entry_t){0, 0};
    } else if (v->type.id == LH_TYPE_STRUCT && v->kind == LH_VECTOR_FLAT) {
        for (uint32_t i = 0; i < v->type.nfields; i++)
            lh_vector_set_null(&v->children[i], row);
    } else if (v->type.id == LH_TYPE_STRUCT) { /* CONSTANT: row 0 of each child */
        for (uint32_t i = 0; i < v->type.nfields; i++)
            lh_vector_set_null(&v->children[i], 0);
    }
}

uint32_t lh_vector_null_count(const lh_vector_t *v, uint32_t count)
{
    uint32_t n = 0;
    if (v->kind == LH_VECTOR_CONSTANT) return count && !lh_vector_is_valid(v, 0) ? count : 0;
    if (v->kind == LH_VECTOR_FLAT) {
        if (!v->validity) return 0;
        uint32_t full = count / 64;
        for (uint32_t i = 0; i < full; i++)
            n += 64 - (uint32_t)__builtin_popcountll(v->validity[i]);
        for (uint32_t r = full * 64; r < count; r++)
            n += !lh_validity_get(v->validity, r);
        return n;
    }
    for (uint32_t r = 0; r < count; r++)
        n += !lh_vector_is_valid(v, r);
    return n;
}

/* ---- strings ---- */

int lh_vector_set_string(lh_vector_t *v, uint32_t row, const void *p, size_t len)
{
    if (len > UINT32_MAX) return LH_ETOOBIG;
    const char *bytes = p;
    if (len > LH_STRING_INLINE) {
        char *copy = v->arena ? lh_arena_alloc(v->arena, len) : NULL;
        if (!v->arena) return LH_EINVAL;
        if (!copy) return LH_ENOMEM;
        memcpy(copy, p, len);
        bytes = copy;
    }
    ((lh_string_t *)v->data)[row] = lh_string_make(bytes, (uint32_t)len);
    lh_vector_set_valid(v, row);
    return 0;
}

/* ---- nested ---- */

int lh_vector_list_append(lh_vector_t *v, uint32_t row, uint32_t length, uint32_t *offset)
{
    if ((v->type.id != LH_TYPE_LIST && v->type.id != LH_TYPE_MAP) ||
        v->kind == LH_VECTOR_DICTIONARY)
        return LH_EINVAL;
    int rc = lh__vector_child_room(v, length);
    if (rc) return rc;
    *offset = v->child_count;
    lh_vector_list_entries(v)[row] = (lh_list_entry_t){v->child_count, length};
    v->child_count += length;
    return 0;
}

int lh__vector_child_room(lh_vector_t *v, uint32_t n)
{
    lh_vector_t *c = v->child;
    if (n > LH_VECTOR_MAX_ROWS - v->child_count) return LH_ETOOBIG;
    uint32_t need = v->child_count + n;
    if (need <= c->capacity) return 0;
    uint32_t cap = c->capacity < 64 ? 64 : c->capacity;
    while (cap < need)
        cap = cap > LH_VECTOR_MAX_ROWS / 2 ? LH_VECTOR_MAX_ROWS : cap * 2;
    return lh_vector_reserve(c, cap);
}

/* ---- kinds ---- */

void lh_vector_set_constant(lh_vector_t *v)
{
    v->kind = LH_VECTOR_CONSTANT;
    for (uint32_t i = 0; v->children && i < v->type.nfields; i++)
        lh_vector_set_constant(&v->children[i]);
}

int lh_vector_set_dictionary(lh_vector_t *v, const lh_vector_t *dict, uint32_t dict_size,
                             int32_t **codes)
{
    if ((v->flags & LH__VEC_LIST_CHILD) || dict->kind != LH_VECTOR_FLAT || dict_size == 0 ||
        dict_size > dict->capacity || !lh_type_equal(&v->type, &dict->type))
        return LH_EINVAL;
    if (!v->own_codes && v->capacity &&
        !(v->own_codes = lh__vector_alloc((size_t)v->capacity * sizeof(int32_t))))
        return LH_ENOMEM;
    v->kind = LH_VECTOR_DICTIONARY;
    v->data = NULL;
    v->dict = dict;
    v->dict_size = dict_size;
    v->codes = v->own_codes;
    v->child_count = 0;
    for (uint32_t i = 0; v->children && i < v->type.nfields; i++)
        lh_vector_reset(&v->children[i]);
    *codes = v->codes;
    return 0;
}

int lh_vector_check_codes(const lh_vector_t *v, uint32_t count)
{
    uint32_t bad = 0;
    for (uint32_t i = 0; i < count; i++) /* branch-free: vectorizes */
        bad |= (uint32_t)v->codes[i] >= v->dict_size;
    return bad ? LH_ECORRUPT : 0;
}

void lh_vector_reference_data(lh_vector_t *v, void *data)
{
    v->data = data;
}

/* ---- one value at a time ---- */

int lh_vector_get_value(const lh_vector_t *v, uint32_t row, lh_value_t *out)
{
    if (lh_type_is_nested(&v->type)) return LH_EINVAL;
    *out = lh_value_null(v->type);
    if (!lh_vector_is_valid(v, row)) return 0;
    out->is_null = false;
    const lh_vector_t *vals = lh_vector_values(v);
    uint32_t r = lh_vector_row(v, row);
    const void *d = vals->data;
    switch (lh_type_physical(&v->type)) {
    case LH_PHYS_BOOL:
        out->v.b = ((const uint8_t *)d)[r] != 0;
        break;
    case LH_PHYS_INT8:
        out->v.i = ((const int8_t *)d)[r];
        break;
    case LH_PHYS_INT16:
        out->v.i = ((const int16_t *)d)[r];
        break;
    case LH_PHYS_INT32:
        out->v.i = ((const int32_t *)d)[r];
        break;
    case LH_PHYS_INT64:
        out->v.i = ((const int64_t *)d)[r];
        break;
    case LH_PHYS_UINT8:
        out->v.u = ((const uint8_t *)d)[r];
        break;
    case LH_PHYS_UINT16:
        out->v.u = ((const uint16_t *)d)[r];
        break;
    case LH_PHYS_UINT32:
        out->v.u = ((const uint32_t *)d)[r];
        break;
    case LH_PHYS_UINT64:
        out->v.u = ((const uint64_t *)d)[r];
        break;
    case LH_PHYS_INT128:
        out->v.i128 = ((const lh_int128_t *)d)[r];
        break;
    case LH_PHYS_FLOAT:
        out->v.f = ((const float *)d)[r];
        break;
    case LH_PHYS_DOUBLE:
        out->v.d = ((const double *)d)[r];
        break;
    case LH_PHYS_INTERVAL:
        out->v.iv = ((const lh_interval_t *)d)[r];
        break;
    case LH_PHYS_STRING: {
        const lh_string_t *s = &((const lh_string_t *)d)[r];
        out->v.s = (lh_str_t){lh_string_data(s), s->len};
        break;
    }
    default:
        return LH_EINVAL;
    }
    return 0;
}

int lh_vector_set_value(lh_vector_t *v, uint32_t row, const lh_value_t *val)
{
    if (lh_type_is_nested(&v->type) || !lh_type_equal(&v->type, &val->type) ||
        v->kind == LH_VECTOR_DICTIONARY || (v->kind == LH_VECTOR_CONSTANT && row) ||
        row >= v->capacity)
        return LH_EINVAL;
    if (val->is_null) {
        lh_vector_set_null(v, row);
        return 0;
    }
    void *d = v->data;
    switch (lh_type_physical(&v->type)) {
    case LH_PHYS_BOOL:
        ((uint8_t *)d)[row] = val->v.b;
        break;
    case LH_PHYS_INT8:
        ((int8_t *)d)[row] = (int8_t)val->v.i;
        break;
    case LH_PHYS_INT16:
        ((int16_t *)d)[row] = (int16_t)val->v.i;
        break;
    case LH_PHYS_INT32:
        ((int32_t *)d)[row] = (int32_t)val->v.i;
        break;
    case LH_PHYS_INT64:
        ((int64_t *)d)[row] = val->v.i;
        break;
    case LH_PHYS_UINT8:
        ((uint8_t *)d)[row] = (uint8_t)val->v.u;
        break;
    case LH_PHYS_UINT16:
        ((uint16_t *)d)[row] = (uint16_t)val->v.u;
        break;
    case LH_PHYS_UINT32:
        ((uint32_t *)d)[row] = (uint32_t)val->v.u;
        break;
    case LH_PHYS_UINT64:
        ((uint64_t *)d)[row] = val->v.u;
        break;
    case LH_PHYS_INT128:
        ((lh_int128_t *)d)[row] = val->v.i128;
        break;
    case LH_PHYS_FLOAT:
        ((float *)d)[row] = val->v.f;
        break;
    case LH_PHYS_DOUBLE:
        ((double *)d)[row] = val->v.d;
        break;
    case LH_PHYS_INTERVAL:
        ((lh_interval_t *)d)[row] = val->v.iv;
        break;
    case LH_PHYS_STRING:
        return lh_vector_set_string(v, row, val->v.s.ptr, val->v.s.len);
    default:
        return LH_EINVAL;
    }
    lh_vector_set_valid(v, row);
    return 0;
}
