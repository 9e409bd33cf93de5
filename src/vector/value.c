/* Scalar values: constructors and the total order used by statistics pruning
 * and constant folding (exact for integers and decimals of any scale). */
#include "vector/value.h"

#include <math.h>
#include <string.h>

lh_value_t lh_value_null(lh_type_t type)
{
    lh_value_t v = {.type = type, .is_null = true};
    return v;
}

lh_value_t lh_value_bool(bool b)
{
    lh_value_t v = {.type = lh_type(LH_TYPE_BOOLEAN), .v.b = b};
    return v;
}

lh_value_t lh_value_int(lh_type_id_t id, int64_t i)
{
    lh_value_t v = {.v.i = i};
    if ((id >= LH_TYPE_TINYINT && id <= LH_TYPE_BIGINT) || id == LH_TYPE_DATE ||
        id == LH_TYPE_TIME || id == LH_TYPE_TIMESTAMP || id == LH_TYPE_TIMESTAMP_TZ)
        v.type = lh_type(id);
    return v;
}

lh_value_t lh_value_uint(lh_type_id_t id, uint64_t u)
{
    lh_value_t v = {.v.u = u};
    if (id >= LH_TYPE_UTINYINT && id <= LH_TYPE_UBIGINT) v.type = lh_type(id);
    return v;
}

lh_value_t lh_value_hugeint(lh_int128_t i)
{
    lh_value_t v = {.type = lh_type(LH_TYPE_HUGEINT), .v.i128 = i};
    return v;
}

lh_value_t lh_value_decimal(int width, int scale, lh_int128_t unscaled)
{
    lh_value_t v = {.type = lh_type_decimal(width, scale)};
    if (width <= LH_DECIMAL_INT64_WIDTH)
        v.v.i = (int64_t)unscaled;
    else
        v.v.i128 = unscaled;
    return v;
}

lh_value_t lh_value_float(float f)
{
    lh_value_t v = {.type = lh_type(LH_TYPE_FLOAT), .v.f = f};
    return v;
}

lh_value_t lh_value_double(double d)
{
    lh_value_t v = {.type = lh_type(LH_TYPE_DOUBLE), .v.d = d};
    return v;
}

lh_value_t lh_value_interval(lh_interval_t iv)
{
    lh_value_t v = {.type = lh_type(LH_TYPE_INTERVAL), .v.iv = iv};
    return v;
}

lh_value_t lh_value_varchar(const char *s, size_t len)
{
    lh_value_t v = {.type = lh_type(LH_TYPE_VARCHAR), .v.s = {s, len}};
    return v;
}

lh_value_t lh_value_blob(const void *p, size_t len)
{
    lh_value_t v = {.type = lh_type(LH_TYPE_BLOB), .v.s = {p, len}};
    return v;
}

/* ---- ordering ---- */

typedef enum { FAM_NONE, FAM_BOOL, FAM_EXACT, FAM_REAL, FAM_TEMPORAL, FAM_TIME, FAM_BYTES } fam_t;

static fam_t family(const lh_type_t *t)
{
    switch (t->id) {
    case LH_TYPE_BOOLEAN:
        return FAM_BOOL;
    case LH_TYPE_FLOAT:
    case LH_TYPE_DOUBLE:
        return FAM_REAL;
    case LH_TYPE_DATE:
    case LH_TYPE_TIMESTAMP:
    case LH_TYPE_TIMESTAMP_TZ:
        return FAM_TEMPORAL;
    case LH_TYPE_TIME:
        return FAM_TIME;
    case LH_TYPE_VARCHAR:
    case LH_TYPE_BLOB:
        return FAM_BYTES;
    case LH_TYPE_DECIMAL:
        return FAM_EXACT;
    default:
        return lh_type_is_integer(t) ? FAM_EXACT : FAM_NONE;
    }
}

int lh_value_exact(const lh_value_t *v, lh_int128_t *unscaled, int *scale)
{
    *scale = 0;
    switch (lh_type_physical(&v->type)) {
    case LH_PHYS_INT8:
    case LH_PHYS_INT16:
    case LH_PHYS_INT32:
    case LH_PHYS_INT64:
        *unscaled = v->v.i;
        break;
    case LH_PHYS_UINT8:
    case LH_PHYS_UINT16:
    case LH_PHYS_UINT32:
    case LH_PHYS_UINT64:
        *unscaled = v->v.u;
        break;
    case LH_PHYS_INT128:
        *unscaled = v->v.i128;
        break;
    default:
        return LH_EINVAL;
    }
    if (family(&v->type) != FAM_EXACT) return LH_EINVAL;
    if (v->type.id == LH_TYPE_DECIMAL) *scale = v->type.scale;
    return 0;
}

#define SIGN(a, b) (((a) > (b)) - ((a) < (b)))

static lh_int128_t pow10_128(int e)
{
    lh_int128_t p = 1;
    while (e-- > 0)
        p *= 10;
    return p;
}

/* a * 10^-sa against b * 10^-sb without overflow: whole parts first, then the
 * fractions at the larger scale (each below 10^38, so they fit). */
static int compare_scaled(lh_int128_t a, int sa, lh_int128_t b, int sb)
{
    if (sa == sb) return SIGN(a, b);
    lh_int128_t pa = pow10_128(sa), pb = pow10_128(sb);
    lh_int128_t wa = a / pa, wb = b / pb;
    if (wa != wb) return SIGN(wa, wb);
    int s = sa > sb ? sa : sb;
    lh_int128_t fa = (a % pa) * pow10_128(s - sa), fb = (b % pb) * pow10_128(s - sb);
    return SIGN(fa, fb);
}

static double real_of(const lh_value_t *v)
{
    return v->type.id == LH_TYPE_FLOAT ? (double)v->v.f : v->v.d;
}

static int compare_real(double a, double b)
{
    if (isnan(a) || isnan(b)) return isnan(a) - isnan(b);
    return SIGN(a, b);
}

static lh_int128_t micros_of(const lh_value_t *v)
{
    return v->type.id == LH_TYPE_DATE ? (lh_int128_t)v->v.i * LH_MICROS_PER_DAY : v->v.i;
}

static int compare_bytes(lh_str_t a, lh_str_t b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c) return c < 0 ? -1 : 1;
    return SIGN(a.len, b.len);
}

int lh_value_compare(const lh_value_t *a, const lh_value_t *b, int *cmp)
{
    fam_t f = family(&a->type);
    if (a->is_null || b->is_null || f == FAM_NONE || f != family(&b->type)) return LH_EINVAL;
    lh_int128_t x, y;
    int sx, sy;
    switch (f) {
    case FAM_BOOL:
        *cmp = SIGN(a->v.b, b->v.b);
        break;
    case FAM_EXACT:
        lh_value_exact(a, &x, &sx);
        lh_value_exact(b, &y, &sy);
        *cmp = compare_scaled(x, sx, y, sy);
        break;
    case FAM_REAL:
        *cmp = compare_real(real_of(a), real_of(b));
        break;
    case FAM_TEMPORAL:
        *cmp = SIGN(micros_of(a), micros_of(b));
        break;
    case FAM_TIME:
        *cmp = SIGN(a->v.i, b->v.i);
        break;
    case FAM_BYTES:
        *cmp = compare_bytes(a->v.s, b->v.s);
        break;
    default:
        return LH_EINVAL;
    }
    return 0;
}
