/* Logical types: constructors, deep copies, equality, physical layout per id,
 * and the TIMESTAMP conversions. The text form (format, parse) is in
 * type_text.c. */
#include "vector/types.h"

#include <stdlib.h>
#include <string.h>

/* One row per id: DuckDB's name, the physical layout, bytes per row. */
static const struct {
    const char *name;
    lh_phys_t phys;
    uint8_t size;
} ids[LH_TYPE_COUNT_] = {
    [LH_TYPE_INVALID] = {"INVALID", LH_PHYS_INVALID, 0},
    [LH_TYPE_BOOLEAN] = {"BOOLEAN", LH_PHYS_BOOL, 1},
    [LH_TYPE_TINYINT] = {"TINYINT", LH_PHYS_INT8, 1},
    [LH_TYPE_SMALLINT] = {"SMALLINT", LH_PHYS_INT16, 2},
    [LH_TYPE_INTEGER] = {"INTEGER", LH_PHYS_INT32, 4},
    [LH_TYPE_BIGINT] = {"BIGINT", LH_PHYS_INT64, 8},
    [LH_TYPE_UTINYINT] = {"UTINYINT", LH_PHYS_UINT8, 1},
    [LH_TYPE_USMALLINT] = {"USMALLINT", LH_PHYS_UINT16, 2},
    [LH_TYPE_UINTEGER] = {"UINTEGER", LH_PHYS_UINT32, 4},
    [LH_TYPE_UBIGINT] = {"UBIGINT", LH_PHYS_UINT64, 8},
    [LH_TYPE_HUGEINT] = {"HUGEINT", LH_PHYS_INT128, 16},
    [LH_TYPE_FLOAT] = {"FLOAT", LH_PHYS_FLOAT, 4},
    [LH_TYPE_DOUBLE] = {"DOUBLE", LH_PHYS_DOUBLE, 8},
    [LH_TYPE_DECIMAL] = {"DECIMAL", LH_PHYS_INT64, 8}, /* INT128 above width 18 */
    [LH_TYPE_DATE] = {"DATE", LH_PHYS_INT32, 4},
    [LH_TYPE_TIME] = {"TIME", LH_PHYS_INT64, 8},
    [LH_TYPE_TIMESTAMP] = {"TIMESTAMP", LH_PHYS_INT64, 8},
    [LH_TYPE_INTERVAL] = {"INTERVAL", LH_PHYS_INTERVAL, 16},
    [LH_TYPE_VARCHAR] = {"VARCHAR", LH_PHYS_STRING, 16},
    [LH_TYPE_BLOB] = {"BLOB", LH_PHYS_STRING, 16},
    [LH_TYPE_LIST] = {"LIST", LH_PHYS_LIST, 8},
    [LH_TYPE_STRUCT] = {"STRUCT", LH_PHYS_STRUCT, 0},
    [LH_TYPE_MAP] = {"MAP", LH_PHYS_LIST, 8},
    [LH_TYPE_TIMESTAMP_TZ] = {"TIMESTAMP WITH TIME ZONE", LH_PHYS_INT64, 8},
};

const char *lh_type_id_name(lh_type_id_t id)
{
    return (unsigned)id < LH_TYPE_COUNT_ ? ids[id].name : "INVALID";
}

lh_type_t lh_type(lh_type_id_t id)
{
    lh_type_t t = {0};
    if ((id > LH_TYPE_INVALID && id <= LH_TYPE_BLOB && id != LH_TYPE_DECIMAL) ||
        id == LH_TYPE_TIMESTAMP_TZ)
        t.id = (uint8_t)id;
    return t;
}

lh_type_t lh_type_decimal(int width, int scale)
{
    lh_type_t t = {0};
    if (width < 1 || width > LH_DECIMAL_MAX_WIDTH || scale < 0 || scale > width) return t;
    t.id = LH_TYPE_DECIMAL;
    t.width = (uint8_t)width;
    t.scale = (uint8_t)scale;
    return t;
}

bool lh_type_is_nested(const lh_type_t *t)
{
    return t->id == LH_TYPE_LIST || t->id == LH_TYPE_STRUCT || t->id == LH_TYPE_MAP;
}

bool lh_type_is_integer(const lh_type_t *t)
{
    return t->id >= LH_TYPE_TINYINT && t->id <= LH_TYPE_HUGEINT;
}

static bool valid_at(const lh_type_t *t, int depth)
{
    if (depth > LH_TYPE_MAX_DEPTH || t->id == LH_TYPE_INVALID || t->id >= LH_TYPE_COUNT_)
        return false;
    if (t->id == LH_TYPE_DECIMAL)
        return t->width >= 1 && t->width <= LH_DECIMAL_MAX_WIDTH && t->scale <= t->width;
    if (!lh_type_is_nested(t)) return t->nfields == 0;
    if (!t->fields || t->nfields == 0) return false;
    if (t->id != LH_TYPE_STRUCT && t->nfields != 1) return false;
    if (t->id == LH_TYPE_MAP) {
        const lh_type_t *kv = &t->fields[0].type;
        if (kv->id != LH_TYPE_STRUCT || kv->nfields != 2) return false;
    }
    for (uint32_t i = 0; i < t->nfields; i++) {
        if (t->id == LH_TYPE_STRUCT && !t->fields[i].name) return false;
        if (!valid_at(&t->fields[i].type, depth + 1)) return false;
    }
    return true;
}

bool lh_type_is_valid(const lh_type_t *t)
{
    return valid_at(t, 1);
}

lh_phys_t lh_type_physical(const lh_type_t *t)
{
    if (t->id >= LH_TYPE_COUNT_) return LH_PHYS_INVALID;
    if (t->id == LH_TYPE_DECIMAL && t->width > LH_DECIMAL_INT64_WIDTH) return LH_PHYS_INT128;
    return ids[t->id].phys;
}

size_t lh_type_size(const lh_type_t *t)
{
    if (t->id >= LH_TYPE_COUNT_) return 0;
    if (t->id == LH_TYPE_DECIMAL && t->width > LH_DECIMAL_INT64_WIDTH) return 16;
    return ids[t->id].size;
}

bool lh_type_equal(const lh_type_t *a, const lh_type_t *b)
{
    if (a->id != b->id || a->nfields != b->nfields) return false;
    if (a->id == LH_TYPE_DECIMAL && (a->width != b->width || a->scale != b->scale)) return false;
    for (uint32_t i = 0; i < a->nfields; i++) {
        const char *x = a->fields[i].name, *y = b->fields[i].name;
        if ((x == NULL) != (y == NULL) || (x && strcmp(x, y))) return false;
        if (!lh_type_equal(&a->fields[i].type, &b->fields[i].type)) return false;
    }
    return true;
}

int lh_type_copy(lh_arena_t *a, const lh_type_t *src, lh_type_t *out)
{
    lh_type_t t = *src;
    if (src->nfields) {
        lh_field_t *f = lh_arena_alloc(a, src->nfields * sizeof *f);
        if (!f) return LH_ENOMEM;
        for (uint32_t i = 0; i < src->nfields; i++) {
            f[i].name = NULL;
            if (src->fields[i].name && !(f[i].name = lh_arena_strdup(a, src->fields[i].name)))
                return LH_ENOMEM;
            int rc = lh_type_copy(a, &src->fields[i].type, &f[i].type);
            if (rc) return rc;
        }
        t.fields = f;
    }
    *out = t;
    return 0;
}

static int cmp_names(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* 1 when two fields share a name (sorted copy of the names: n log n). */
static int has_duplicate(lh_arena_t *a, const lh_field_t *fields, uint32_t n, int *dup)
{
    const char **names = lh_arena_alloc(a, n * sizeof *names);
    if (!names) return LH_ENOMEM;
    for (uint32_t i = 0; i < n; i++)
        names[i] = fields[i].name;
    qsort(names, n, sizeof *names, cmp_names);
    *dup = 0;
    for (uint32_t i = 1; i < n; i++)
        if (!strcmp(names[i - 1], names[i])) *dup = 1;
    return 0;
}

/* Builds a nested type from fields, validates it and deep-copies it into a. */
static int make_nested(lh_arena_t *a, lh_type_id_t id, const lh_field_t *fields, uint32_t n,
                       lh_type_t *out)
{
    lh_type_t t = {.id = (uint8_t)id, .nfields = n, .fields = fields};
    if (!fields || n == 0 || n > LH_TYPE_MAX_FIELDS || !lh_type_is_valid(&t)) return LH_EINVAL;
    int dup = 0;
    if (id == LH_TYPE_STRUCT && n > 1) {
        int rc = has_duplicate(a, fields, n, &dup);
        if (rc) return rc;
    }
    return dup ? LH_EINVAL : lh_type_copy(a, &t, out);
}

int lh_type_list(lh_arena_t *a, const lh_type_t *elem, lh_type_t *out)
{
    lh_field_t f = {NULL, *elem};
    return make_nested(a, LH_TYPE_LIST, &f, 1, out);
}

int lh_type_struct(lh_arena_t *a, const lh_field_t *fields, uint32_t n, lh_type_t *out)
{
    return make_nested(a, LH_TYPE_STRUCT, fields, n, out);
}

int lh_type_map(lh_arena_t *a, const lh_type_t *key, const lh_type_t *value, lh_type_t *out)
{
    lh_field_t kv[2] = {{"key", *key}, {"value", *value}};
    lh_field_t f = {NULL, {.id = LH_TYPE_STRUCT, .nfields = 2, .fields = kv}};
    return make_nested(a, LH_TYPE_MAP, &f, 1, out);
}

/* ---- TIMESTAMP conversions ---- */

int lh_ts_from_millis(int64_t millis, int64_t *micros)
{
    if (__builtin_mul_overflow(millis, 1000, micros)) return LH_ETOOBIG;
    return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t lh_ts_from_nanos(int64_t nanos)
{
    return floor_div(nanos, 1000);
}

int lh_ts_from_int96(const uint8_t b[12], int64_t *micros)
{
    uint64_t n = 0;
    uint32_t d = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | b[i];
    for (int i = 11; i >= 8; i--)
        d = d << 8 | b[i];
    int64_t day = (int64_t)(int32_t)d - LH_JULIAN_EPOCH_DAY, day_us;
    if (__builtin_mul_overflow(day, LH_MICROS_PER_DAY, &day_us)) return LH_ETOOBIG;
    if (__builtin_add_overflow(day_us, floor_div((int64_t)n, 1000), micros)) return LH_ETOOBIG;
    return 0;
}
