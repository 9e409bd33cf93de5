/* Helpers of the aggregate files (agg_int.h): comparison of scalar values by
 * physical type, string values kept in the arena the aggregate states live
 * in, growable arrays on the heap. */
#include <stdlib.h>
#include <string.h>

#include "sql/func/agg_int.h"

int lh__agg_oom(lh_sql_actx_t *c)
{
    return lh_sql_err(c->err, LH_ENOMEM, LH_SQL_EOOM, c->pos, "out of memory in an aggregate");
}

int lh__agg_cmp(lh_phys_t p, const void *a, const void *b)
{
#define C3(T) return (*(const T *)a > *(const T *)b) - (*(const T *)a < *(const T *)b)
    switch (p) {
    case LH_PHYS_BOOL:
    case LH_PHYS_UINT8:
        C3(uint8_t);
    case LH_PHYS_INT8:
        C3(int8_t);
    case LH_PHYS_INT16:
        C3(int16_t);
    case LH_PHYS_UINT16:
        C3(uint16_t);
    case LH_PHYS_INT32:
        C3(int32_t);
    case LH_PHYS_UINT32:
        C3(uint32_t);
    case LH_PHYS_INT64:
        C3(int64_t);
    case LH_PHYS_UINT64:
        C3(uint64_t);
    case LH_PHYS_INT128:
        C3(lh_int128_t);
    case LH_PHYS_FLOAT:
    case LH_PHYS_DOUBLE: {
        double x = p == LH_PHYS_FLOAT ? *(const float *)a : *(const double *)a;
        double y = p == LH_PHYS_FLOAT ? *(const float *)b : *(const double *)b;
        if (x != x || y != y) return (x != x) - (y != y);
        return (x > y) - (x < y);
    }
    case LH_PHYS_INTERVAL: {
        lh_int128_t kx = lh_interval_key(a), ky = lh_interval_key(b);
        return (kx > ky) - (kx < ky);
    }
    case LH_PHYS_STRING:
        return lh_string_compare(a, b);
    default:
        return 0;
    }
#undef C3
}

int lh__agg_str_set(lh_sql_actx_t *c, lh__agg_str_t *dst, const lh_string_t *src)
{
    if (src->len <= LH_STRING_INLINE) {
        dst->s = *src;
        return 0;
    }
    if (src->len > dst->cap) {
        uint32_t cap = dst->cap ? dst->cap : 32;
        while (cap < src->len)
            cap = cap > UINT32_MAX / 2 ? src->len : cap * 2;
        char *b = lh_arena_alloc(c->arena, cap);
        if (!b) return lh__agg_oom(c);
        dst->buf = b;
        dst->cap = cap;
    }
    memcpy(dst->buf, src->u.ptr, src->len);
    dst->s = lh_string_make(dst->buf, src->len);
    return 0;
}

/* v's capacity grown to at least n elements of w bytes: 0 or LH_ENOMEM
 * with c->err set. */
static int vec_reserve(lh_sql_actx_t *c, lh__agg_vec_t *v, uint64_t n, size_t w)
{
    if (n <= v->cap) return 0;
    uint64_t cap = v->cap ? v->cap : 8;
    while (cap < n)
        cap *= 2;
    uint8_t *p = cap > UINT32_MAX ? NULL : realloc(v->p, (size_t)cap * w);
    if (!p) return lh__agg_oom(c);
    v->p = p;
    v->cap = (uint32_t)cap;
    return 0;
}

void *lh__agg_vec_push(lh_sql_actx_t *c, lh__agg_vec_t *v, size_t w)
{
    if (v->n == v->cap && vec_reserve(c, v, (uint64_t)v->n + 1, w)) return NULL;
    return v->p + (size_t)v->n++ * w;
}

void lh__agg_vec_free(lh__agg_vec_t *v)
{
    free(v->p);
    *v = (lh__agg_vec_t){0};
}

int lh__agg_vec_append(lh_sql_actx_t *c, lh__agg_vec_t *dst, const lh__agg_vec_t *src, size_t w)
{
    if (!src->n) return 0;
    if (vec_reserve(c, dst, (uint64_t)dst->n + src->n, w)) return LH_ENOMEM;
    memcpy(dst->p + (size_t)dst->n * w, src->p, (size_t)src->n * w);
    dst->n += src->n;
    return 0;
}

int lh__agg_keep_string(lh_sql_actx_t *c, lh_string_t *s)
{
    if (s->len <= LH_STRING_INLINE) return 0;
    char *copy = lh_arena_alloc(c->arena, s->len);
    if (!copy) return lh__agg_oom(c);
    memcpy(copy, s->u.ptr, s->len);
    s->u.ptr = copy;
    return 0;
}
