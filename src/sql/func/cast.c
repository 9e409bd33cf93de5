/* CAST and TRY_CAST over vectors and single values. A DICTIONARY input casts
 * its dictionary once and gathers; a CONSTANT input casts row 0; a FLAT
 * input of integers or floats going to integers or floats runs a tight loop
 * per type pair, and so do DATE to TIMESTAMP, DECIMAL to a wider scale, and
 * VARCHAR to an integer, a DECIMAL or a TIMESTAMP (range checks inline, a
 * failing row takes the general path for its message); everything else goes
 * row by row through lh__cast_one (cast_value.c). TRY_CAST turns a
 * Conversion Error into NULL. */
#include <stdio.h>

#include "sql/func/func_int.h"

static int unimplemented(const lh_type_t *from, const lh_type_t *to, int32_t pos,
                         lh_sql_error_t *err)
{
    char a[128], b[128];
    lh_type_format(from, a, sizeof a);
    lh_type_format(to, b, sizeof b);
    return lh_sql_err(err, LH_EINVAL, LH_SQL_ECONVERT, pos,
                      "Unimplemented type for cast (%s -> %s)", a, b);
}

/* Row `row` of in into row i of out through the value path. */
static int cast_row(const lh_vector_t *in, uint32_t row, uint32_t i, lh_vector_t *out,
                    bool try_cast, lh_buf_t *tmp, int32_t pos, lh_sql_error_t *err)
{
    lh_value_t v, r;
    int rc = lh_vector_get_value(in, row, &v);
    if (rc) return unimplemented(&in->type, &out->type, pos, err);
    rc = lh__cast_one(&v, &out->type, tmp, &r, err, pos);
    if (rc == LH_ENOENT) return unimplemented(&in->type, &out->type, pos, err);
    if (rc == LH_EINVAL && try_cast) {
        lh_sql_err_clear(err);
        lh_vector_set_null(out, i);
        return 0;
    }
    if (rc) return rc;
    rc = lh_vector_set_value(out, i, &r);
    if (rc) return lh_sql_err(err, rc, LH_SQL_EOOM, pos, "out of memory in a cast");
    return 0;
}

static bool int_id(uint8_t id)
{
    return id >= LH_TYPE_TINYINT && id <= LH_TYPE_HUGEINT;
}

/* A tight loop: in (ST) to out (DT) with the range [LO, HI] (as int128). */
#define RANGE_LOOP(ST, DT, LO, HI)                                                                 \
    do {                                                                                           \
        const ST *s_ = (const ST *)in->data;                                                       \
        DT *d_ = (DT *)out->data;                                                                  \
        for (uint32_t i = 0; i < count; i++) {                                                     \
            if (!lh_validity_get(out->validity, i)) continue;                                      \
            lh_int128_t x_ = (lh_int128_t)s_[i];                                                   \
            if (x_ < (lh_int128_t)(LO) || x_ > (lh_int128_t)(HI)) {                                \
                int rc_ = cast_row(in, i, i, out, try_cast, tmp, pos, err);                        \
                if (rc_) return rc_;                                                               \
                continue;                                                                          \
            }                                                                                      \
            d_[i] = (DT)s_[i];                                                                     \
        }                                                                                          \
        return 0;                                                                                  \
    } while (0)

#define FLOAT_LOOP(ST, DT)                                                                         \
    do {                                                                                           \
        const ST *s_ = (const ST *)in->data;                                                       \
        DT *d_ = (DT *)out->data;                                                                  \
        for (uint32_t i = 0; i < count; i++)                                                       \
            d_[i] = (DT)s_[i];                                                                     \
        return 0;                                                                                  \
    } while (0)

#define I128_MAX ((lh_int128_t)(((lh_uint128_t)1 << 127) - 1))
#define DST_CASES(ST)                                                                              \
    switch (out->type.id) {                                                                        \
    case LH_TYPE_TINYINT:                                                                          \
        RANGE_LOOP(ST, int8_t, INT8_MIN, INT8_MAX);                                                \
    case LH_TYPE_SMALLINT:                                                                         \
        RANGE_LOOP(ST, int16_t, INT16_MIN, INT16_MAX);                                             \
    case LH_TYPE_INTEGER:                                                                          \
        RANGE_LOOP(ST, int32_t, INT32_MIN, INT32_MAX);                                             \
    case LH_TYPE_BIGINT:                                                                           \
        RANGE_LOOP(ST, int64_t, INT64_MIN, INT64_MAX);                                             \
    case LH_TYPE_UTINYINT:                                                                         \
        RANGE_LOOP(ST, uint8_t, 0, UINT8_MAX);                                                     \
    case LH_TYPE_USMALLINT:                                                                        \
        RANGE_LOOP(ST, uint16_t, 0, UINT16_MAX);                                                   \
    case LH_TYPE_UINTEGER:                                                                         \
        RANGE_LOOP(ST, uint32_t, 0, UINT32_MAX);                                                   \
    case LH_TYPE_UBIGINT:                                                                          \
        RANGE_LOOP(ST, uint64_t, 0, UINT64_MAX);                                                   \
    case LH_TYPE_HUGEINT:                                                                          \
        RANGE_LOOP(ST, lh_int128_t, -I128_MAX - 1, I128_MAX);                                      \
    case LH_TYPE_FLOAT:                                                                            \
        FLOAT_LOOP(ST, float);                                                                     \
    case LH_TYPE_DOUBLE:                                                                           \
        FLOAT_LOOP(ST, double);                                                                    \
    default:                                                                                       \
        break;                                                                                     \
    }

/* DATE to TIMESTAMP and DECIMAL to a DECIMAL of no smaller scale (both
 * stored as int64): a multiplication per row, in range or through the
 * general path; 1 when neither applies. */
static int fast_scaled(const lh_vector_t *in, uint32_t count, lh_vector_t *out, bool try_cast,
                       lh_buf_t *tmp, int32_t pos, lh_sql_error_t *err)
{
    const lh_type_t *f = &in->type, *t = &out->type;
    int64_t mul, lim;
    if (f->id == LH_TYPE_DATE && t->id == LH_TYPE_TIMESTAMP) {
        mul = LH_MICROS_PER_DAY;
        lim = INT64_MAX / LH_MICROS_PER_DAY;
    } else if (f->id == LH_TYPE_DECIMAL && t->id == LH_TYPE_DECIMAL &&
               f->width <= LH_DECIMAL_INT64_WIDTH && t->width <= LH_DECIMAL_INT64_WIDTH &&
               t->scale >= f->scale) {
        mul = (int64_t)lh__pow10(t->scale - f->scale);
        lim = ((int64_t)lh__pow10(t->width) - 1) / mul;
    } else
        return 1;
    const int32_t *s32 = in->data;
    const int64_t *s64 = in->data;
    int64_t *d = out->data;
    bool date = f->id == LH_TYPE_DATE;
    for (uint32_t i = 0; i < count; i++) {
        if (!lh_validity_get(out->validity, i)) continue;
        int64_t x = date ? s32[i] : s64[i];
        if (x > lim || x < -lim) {
            int rc = cast_row(in, i, i, out, try_cast, tmp, pos, err);
            if (rc) return rc;
            continue;
        }
        d[i] = x * mul;
    }
    return 0;
}

/* VARCHAR to an integer, a DECIMAL or a TIMESTAMP: the text parsed straight
 * into out's row, as lh__cast_one parses it (its ranges); a row
 * that does not parse or fits not takes the general path (TRY_CAST's NULL,
 * CAST's message). 1 when the target is another type. */
static int fast_text(const lh_vector_t *in, uint32_t count, lh_vector_t *out, bool try_cast,
                     lh_buf_t *tmp, int32_t pos, lh_sql_error_t *err)
{
    const lh_type_t *t = &out->type;
    lh_int128_t lo = 0, hi = 0;
    int scale = 0;
    bool ts = t->id == LH_TYPE_TIMESTAMP || t->id == LH_TYPE_TIMESTAMP_TZ;
    if (t->id == LH_TYPE_DECIMAL) /* |v| < 10^width */
        hi = lh__pow10(t->width) - 1, lo = -hi, scale = t->scale;
    else if (!ts && !(int_id(t->id) && lh__int_range(t->id, &lo, &hi)))
        return 1;
    lh_phys_t ph = lh_type_physical(t);
    const lh_string_t *str = in->data;
    for (uint32_t i = 0; i < count; i++) {
        if (!lh_validity_get(out->validity, i)) continue;
        const char *p = lh_string_data(&str[i]);
        size_t n = str[i].len;
        lh_int128_t v;
        int64_t us;
        if (ts) {
            if (lh__parse_timestamp(p, n, t->id == LH_TYPE_TIMESTAMP_TZ, &us)) {
                ((int64_t *)out->data)[i] = us;
                continue;
            }
        } else if (lh__parse_exact(p, n, scale, &v) && v >= lo && v <= hi) {
#define PUT(T)                                                                                     \
    ((T *)out->data)[i] = (T)v;                                                                    \
    continue
            switch (ph) {
            case LH_PHYS_INT8:
                PUT(int8_t);
            case LH_PHYS_INT16:
                PUT(int16_t);
            case LH_PHYS_INT32:
                PUT(int32_t);
            case LH_PHYS_INT64:
                PUT(int64_t);
            case LH_PHYS_INT128:
                PUT(lh_int128_t);
            case LH_PHYS_UINT8:
                PUT(uint8_t);
            case LH_PHYS_UINT16:
                PUT(uint16_t);
            case LH_PHYS_UINT32:
                PUT(uint32_t);
            case LH_PHYS_UINT64:
                PUT(uint64_t);
            default:
                break;
            }
#undef PUT
        }
        int rc = cast_row(in, i, i, out, try_cast, tmp, pos, err);
        if (rc) return rc;
    }
    return 0;
}

/* The numeric fast paths; 1 when none applies. */
static int fast_flat(const lh_vector_t *in, uint32_t count, lh_vector_t *out, bool try_cast,
                     lh_buf_t *tmp, int32_t pos, lh_sql_error_t *err)
{
    uint8_t f = in->type.id, t = out->type.id;
    if (f == LH_TYPE_VARCHAR) return fast_text(in, count, out, try_cast, tmp, pos, err);
    if (f == LH_TYPE_DATE || f == LH_TYPE_DECIMAL)
        return fast_scaled(in, count, out, try_cast, tmp, pos, err);
    if ((f == LH_TYPE_TIMESTAMP || f == LH_TYPE_TIMESTAMP_TZ) && t == LH_TYPE_DATE) {
        const int64_t *x = in->data; /* the day it falls in, as from_temporal */
        int32_t *d = out->data;
        for (uint32_t i = 0; i < count; i++)
            d[i] = (int32_t)lh__floordiv(x[i], LH_MICROS_PER_DAY);
        return 0;
    }
    if (!int_id(t) && t != LH_TYPE_FLOAT && t != LH_TYPE_DOUBLE) return 1;
    switch (f) {
    case LH_TYPE_TINYINT:
        DST_CASES(int8_t) break;
    case LH_TYPE_SMALLINT:
        DST_CASES(int16_t) break;
    case LH_TYPE_INTEGER:
        DST_CASES(int32_t) break;
    case LH_TYPE_BIGINT:
        DST_CASES(int64_t) break;
    case LH_TYPE_UTINYINT:
        DST_CASES(uint8_t) break;
    case LH_TYPE_USMALLINT:
        DST_CASES(uint16_t) break;
    case LH_TYPE_UINTEGER:
        DST_CASES(uint32_t) break;
    case LH_TYPE_UBIGINT:
        DST_CASES(uint64_t) break;
    case LH_TYPE_HUGEINT:
        DST_CASES(lh_int128_t) break;
    case LH_TYPE_FLOAT:
        if (t == LH_TYPE_DOUBLE) FLOAT_LOOP(float, double);
        break;
    default:
        break;
    }
    return 1;
}

static void copy_validity(const lh_vector_t *in, uint32_t count, lh_vector_t *out)
{
    for (uint32_t i = 0; i < count; i++)
        if (!lh_vector_is_valid(in, i)) lh_vector_set_null(out, i);
}

/* DICTIONARY: the dictionary cast once (TRY, so an unused bad entry is no
 * error), then gathered; a used entry that failed is cast again for its
 * message. */
static int cast_dict(const lh_vector_t *in, uint32_t count, lh_vector_t *out, bool try_cast,
                     lh_buf_t *tmp, int32_t pos, lh_sql_error_t *err)
{
    lh_vector_t d;
    memset(&d, 0, sizeof d);
    int rc = lh_vector_init(&d, &out->type, in->dict_size ? in->dict_size : 1, out->arena);
    if (rc) return lh_sql_err(err, rc, LH_SQL_EOOM, pos, "out of memory in a cast");
    rc = lh_sql_cast_vector(in->dict, in->dict_size, &d, true, pos, err);
    size_t w = lh_type_size(&out->type);
    for (uint32_t i = 0; !rc && i < count; i++) {
        uint32_t c = (uint32_t)in->codes[i];
        if (!lh_vector_is_valid(in, i)) {
            lh_vector_set_null(out, i);
        } else if (!lh_vector_is_valid(&d, c)) {
            rc = cast_row(in, i, i, out, try_cast, tmp, pos, err);
        } else {
            memcpy((char *)out->data + (size_t)i * w, (const char *)d.data + (size_t)c * w, w);
        }
    }
    lh_vector_release(&d);
    return rc;
}

int lh_sql_cast_vector(const lh_vector_t *in, uint32_t count, lh_vector_t *out, bool try_cast,
                       int32_t pos, lh_sql_error_t *err)
{
    if (!count) return 0;
    if (!lh_sql_cast_exists(&in->type, &out->type))
        return unimplemented(&in->type, &out->type, pos, err);
    lh_buf_t tmp;
    lh_buf_init(&tmp, (size_t)1 << 32);
    int rc = 0;
    if (in->kind == LH_VECTOR_DICTIONARY) {
        rc = cast_dict(in, count, out, try_cast, &tmp, pos, err);
    } else if (in->kind == LH_VECTOR_CONSTANT) {
        rc = cast_row(in, 0, 0, out, try_cast, &tmp, pos, err);
        size_t w = lh_type_size(&out->type);
        bool valid = lh_validity_get(out->validity, 0);
        for (uint32_t i = 1; !rc && i < count; i++) {
            memcpy((char *)out->data + (size_t)i * w, out->data, w);
            if (!valid) lh_vector_set_null(out, i);
        }
    } else {
        copy_validity(in, count, out);
        if (lh_type_equal(&in->type, &out->type) && !lh_type_is_nested(&in->type)) {
            memcpy(out->data, in->data, (size_t)count * lh_type_size(&in->type));
        } else {
            rc = fast_flat(in, count, out, try_cast, &tmp, pos, err);
            if (rc == 1) {
                rc = 0;
                for (uint32_t i = 0; !rc && i < count; i++)
                    if (lh_validity_get(out->validity, i))
                        rc = cast_row(in, i, i, out, try_cast, &tmp, pos, err);
            }
        }
    }
    lh_buf_free(&tmp);
    return rc;
}

int lh_sql_cast_value(const lh_value_t *in, const lh_type_t *to, bool try_cast, lh_arena_t *a,
                      lh_value_t *out, int32_t pos, lh_sql_error_t *err)
{
    if (in->is_null || in->type.id == LH_TYPE_INVALID) return *out = lh_value_null(*to), 0;
    lh_buf_t tmp;
    lh_buf_init(&tmp, (size_t)1 << 32);
    int rc = lh__cast_one(in, to, &tmp, out, err, pos);
    if (rc == LH_ENOENT) rc = unimplemented(&in->type, to, pos, err);
    if (rc == LH_EINVAL && try_cast && err && err->cls == LH_SQL_ECONVERT) {
        lh_sql_err_clear(err);
        *out = lh_value_null(*to);
        rc = 0;
    } else if (!rc && (to->id == LH_TYPE_VARCHAR || to->id == LH_TYPE_BLOB)) {
        char *p = lh_arena_alloc(a, out->v.s.len + 1);
        if (!p) {
            rc = lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, pos, "out of memory in a cast");
        } else {
            if (out->v.s.len) memcpy(p, out->v.s.ptr, out->v.s.len);
            p[out->v.s.len] = 0;
            out->v.s.ptr = p;
        }
    }
    lh_buf_free(&tmp);
    return rc;
}
