/* DuckDB's type rules for the binder: the cost of an implicit cast (which
 * overload a call takes) and the common type two values meet in (comparisons,
 * CASE, UNION, IN). DuckDB 1.x: numbers never become VARCHAR implicitly; a
 * string literal becomes any type; an integer literal any numeric type that
 * holds it; NULL anything. The costs reproduce DuckDB's choices for
 * arithmetic: TINYINT + UTINYINT is BIGINT, BIGINT + UBIGINT is HUGEINT,
 * INTEGER + DECIMAL is DECIMAL, FLOAT + an integer is FLOAT. */
#include "sql/func/func_int.h"

static bool is_int(uint8_t id)
{
    return id >= LH_TYPE_TINYINT && id <= LH_TYPE_HUGEINT;
}
static bool is_signed(uint8_t id)
{
    return (id >= LH_TYPE_TINYINT && id <= LH_TYPE_BIGINT) || id == LH_TYPE_HUGEINT;
}
/* Bytes of an integer type (HUGEINT 16). */
static int int_bytes(uint8_t id)
{
    static const int b[] = {[LH_TYPE_TINYINT] = 1,  [LH_TYPE_SMALLINT] = 2, [LH_TYPE_INTEGER] = 4,
                            [LH_TYPE_BIGINT] = 8,   [LH_TYPE_UTINYINT] = 1, [LH_TYPE_USMALLINT] = 2,
                            [LH_TYPE_UINTEGER] = 4, [LH_TYPE_UBIGINT] = 8,  [LH_TYPE_HUGEINT] = 16};
    return b[id];
}
static uint8_t signed_of_bytes(int n)
{
    return n <= 1   ? LH_TYPE_TINYINT
           : n <= 2 ? LH_TYPE_SMALLINT
           : n <= 4 ? LH_TYPE_INTEGER
           : n <= 8 ? LH_TYPE_BIGINT
                    : LH_TYPE_HUGEINT;
}

static bool int_fits(lh_int128_t v, uint8_t id)
{
    int b = int_bytes(id);
    if (b == 16) return true;
    if (is_signed(id)) {
        lh_int128_t lim = (lh_int128_t)1 << (b * 8 - 1);
        return v >= -lim && v < lim;
    }
    return v >= 0 && v < ((lh_int128_t)1 << (b * 8));
}

/* Digits of an integer type as a DECIMAL (DuckDB: BIGINT is DECIMAL(19,0)). */
static int int_digits(uint8_t id)
{
    static const int d[] = {
        [LH_TYPE_BOOLEAN] = 3,   [LH_TYPE_TINYINT] = 3,   [LH_TYPE_SMALLINT] = 5,
        [LH_TYPE_INTEGER] = 10,  [LH_TYPE_BIGINT] = 19,   [LH_TYPE_UTINYINT] = 3,
        [LH_TYPE_USMALLINT] = 5, [LH_TYPE_UINTEGER] = 10, [LH_TYPE_UBIGINT] = 20,
        [LH_TYPE_HUGEINT] = 38};
    return d[id];
}

/* Cost of a numeric cast between different types, or -1. */
static int numeric_cost(uint8_t from, uint8_t to)
{
    bool wide = from == LH_TYPE_BIGINT || from == LH_TYPE_UBIGINT || from == LH_TYPE_HUGEINT;
    if (is_int(from) || from == LH_TYPE_BOOLEAN) {
        if (is_int(to)) {
            if (from == LH_TYPE_BOOLEAN) return 110;
            /* wider, and signed can't go to unsigned */
            if (is_signed(from) && !is_signed(to)) return -1;
            int need = int_bytes(from) + (!is_signed(from) && is_signed(to) ? 1 : 0);
            if (int_bytes(to) < need) return -1;
            switch (to) {
            case LH_TYPE_BIGINT:
                return 101;
            case LH_TYPE_INTEGER:
                return 103;
            case LH_TYPE_HUGEINT:
                return 110;
            default:
                return 111;
            }
        }
        if (from == LH_TYPE_BOOLEAN) return -1;
        if (to == LH_TYPE_DECIMAL) return wide ? 140 : 104;
        if (to == LH_TYPE_DOUBLE) return 121;
        if (to == LH_TYPE_FLOAT) return 122;
        return -1;
    }
    if (from == LH_TYPE_DECIMAL) {
        if (to == LH_TYPE_DOUBLE) return 102;
        if (to == LH_TYPE_FLOAT) return 110;
        return -1;
    }
    if (from == LH_TYPE_FLOAT && to == LH_TYPE_DOUBLE) return 102;
    return -1;
}

static int type_cost(const lh_type_t *from, const lh_type_t *to)
{
    if (from->id == to->id) {
        if (from->id != LH_TYPE_DECIMAL) return lh_type_equal(from, to) ? 0 : -1;
        if (from->width == to->width && from->scale == to->scale) return 0;
        /* a wider DECIMAL that holds every value */
        if (to->scale >= from->scale && to->width - to->scale >= from->width - from->scale)
            return 1;
        return -1;
    }
    switch (from->id) {
    case LH_TYPE_DATE:
        return to->id == LH_TYPE_TIMESTAMP ? 120 : to->id == LH_TYPE_TIMESTAMP_TZ ? 121 : -1;
    case LH_TYPE_TIMESTAMP:
        return to->id == LH_TYPE_TIMESTAMP_TZ ? 110 : -1;
    default:
        return numeric_cost(from->id, to->id);
    }
}

static bool literal_int(const lh_sql_arg_t *a, lh_int128_t *v)
{
    int scale;
    return (a->flags & LH_SQL_ARG_INTEGER_LITERAL) && !a->value.is_null &&
           !lh_value_exact(&a->value, v, &scale) && scale == 0;
}

int lh_sql_implicit_cost(const lh_sql_arg_t *arg, const lh_type_t *to)
{
    if (to->id == LH_TYPE_INVALID) return 0;
    if ((arg->flags & LH_SQL_ARG_NULL_LITERAL) || arg->type.id == LH_TYPE_INVALID) return 1;
    if (arg->flags & LH_SQL_ARG_STRING_LITERAL) {
        if (lh_type_is_nested(to)) return -1;
        return to->id == LH_TYPE_VARCHAR ? (arg->type.id == LH_TYPE_VARCHAR ? 0 : 1) : 20;
    }
    lh_int128_t v;
    if (literal_int(arg, &v) && is_int(to->id) && arg->type.id != to->id) {
        if (!int_fits(v, to->id)) return -1;
        /* narrower types that hold it are cheap; wider ones cost a widening, so
           TINYINT + 300 is INTEGER (300's type), not BIGINT, as in DuckDB */
        int c =
            int_bytes(to->id) > int_bytes(arg->type.id) ? numeric_cost(arg->type.id, to->id) : 1;
        return c < 0 ? 111 : c; /* a signed literal into a wider unsigned type */
    }
    return type_cost(&arg->type, to);
}

/* ---- common types ---- */

static lh_type_t common_int(uint8_t a, uint8_t b)
{
    if (is_signed(a) == is_signed(b)) return lh_type(int_bytes(a) >= int_bytes(b) ? a : b);
    uint8_t s = is_signed(a) ? a : b, u = is_signed(a) ? b : a;
    int need = int_bytes(u) * 2;
    return lh_type(signed_of_bytes(need > int_bytes(s) ? need : int_bytes(s)));
}

static lh_type_t common_decimal(int w1, int s1, int w2, int s2)
{
    int s = s1 > s2 ? s1 : s2, i1 = w1 - s1, i2 = w2 - s2;
    int w = (i1 > i2 ? i1 : i2) + s;
    if (w > LH_DECIMAL_MAX_WIDTH) w = LH_DECIMAL_MAX_WIDTH;
    return lh_type_decimal(w, s);
}

/* Rank of the numeric types for the common type of two families. */
static bool common_numeric(const lh_type_t *x, const lh_type_t *y, lh_type_t *out)
{
    uint8_t a = x->id, b = y->id;
    bool na = is_int(a) || a == LH_TYPE_FLOAT || a == LH_TYPE_DOUBLE || a == LH_TYPE_DECIMAL;
    bool nb = is_int(b) || b == LH_TYPE_FLOAT || b == LH_TYPE_DOUBLE || b == LH_TYPE_DECIMAL;
    if (a == LH_TYPE_BOOLEAN && is_int(b)) return *out = *y, true;
    if (b == LH_TYPE_BOOLEAN && is_int(a)) return *out = *x, true;
    if (!na || !nb) return false;
    if (a == LH_TYPE_DOUBLE || b == LH_TYPE_DOUBLE) return *out = lh_type(LH_TYPE_DOUBLE), true;
    if (a == LH_TYPE_FLOAT || b == LH_TYPE_FLOAT) return *out = lh_type(LH_TYPE_FLOAT), true;
    if (a == LH_TYPE_DECIMAL || b == LH_TYPE_DECIMAL) {
        int w1 = a == LH_TYPE_DECIMAL ? x->width : int_digits(a);
        int s1 = a == LH_TYPE_DECIMAL ? x->scale : 0;
        int w2 = b == LH_TYPE_DECIMAL ? y->width : int_digits(b);
        int s2 = b == LH_TYPE_DECIMAL ? y->scale : 0;
        *out = common_decimal(w1, s1, w2, s2);
        return true;
    }
    *out = common_int(a, b);
    return true;
}

static bool common_time(uint8_t a, uint8_t b, lh_type_t *out)
{
    bool ta = a == LH_TYPE_DATE || a == LH_TYPE_TIMESTAMP || a == LH_TYPE_TIMESTAMP_TZ;
    bool tb = b == LH_TYPE_DATE || b == LH_TYPE_TIMESTAMP || b == LH_TYPE_TIMESTAMP_TZ;
    if (!ta || !tb) return false;
    if (a == LH_TYPE_TIMESTAMP_TZ || b == LH_TYPE_TIMESTAMP_TZ)
        *out = lh_type(LH_TYPE_TIMESTAMP_TZ);
    else
        *out = lh_type(LH_TYPE_TIMESTAMP);
    return true;
}

static int common_nested(lh_arena_t *a, const lh_sql_arg_t *x, const lh_sql_arg_t *y,
                         lh_type_t *out, int32_t pos, lh_sql_error_t *err);

int lh_sql_common_type(lh_arena_t *a, const lh_sql_arg_t *x, const lh_sql_arg_t *y, lh_type_t *out,
                       int32_t pos, lh_sql_error_t *err)
{
    bool xnull = (x->flags & LH_SQL_ARG_NULL_LITERAL) || x->type.id == LH_TYPE_INVALID;
    bool ynull = (y->flags & LH_SQL_ARG_NULL_LITERAL) || y->type.id == LH_TYPE_INVALID;
    if (xnull) return *out = ynull ? lh_type(LH_TYPE_INTEGER) : y->type, 0;
    if (ynull) return *out = x->type, 0;
    if (lh_type_equal(&x->type, &y->type)) return *out = x->type, 0;
    bool xs = x->flags & LH_SQL_ARG_STRING_LITERAL, ys = y->flags & LH_SQL_ARG_STRING_LITERAL;
    if (xs && !ys) return *out = y->type, 0;
    if (ys && !xs) return *out = x->type, 0;
    lh_int128_t v;
    if (literal_int(x, &v) && is_int(y->type.id) && int_fits(v, y->type.id))
        return *out = y->type, 0;
    if (literal_int(y, &v) && is_int(x->type.id) && int_fits(v, x->type.id))
        return *out = x->type, 0;
    if (common_numeric(&x->type, &y->type, out)) return 0;
    if (common_time(x->type.id, y->type.id, out)) return 0;
    if (x->type.id == y->type.id && lh_type_is_nested(&x->type))
        return common_nested(a, x, y, out, pos, err);
    char n1[128], n2[128];
    lh_type_format(&x->type, n1, sizeof n1);
    lh_type_format(&y->type, n2, sizeof n2);
    return lh_sql_err(err, LH_EINVAL, LH_SQL_EBIND, pos,
                      "Cannot mix values of type %s and %s - an explicit cast is required", n1, n2);
}

/* LIST/MAP: the common element type; STRUCT: same field names, field-wise. */
static int common_nested(lh_arena_t *a, const lh_sql_arg_t *x, const lh_sql_arg_t *y,
                         lh_type_t *out, int32_t pos, lh_sql_error_t *err)
{
    if (x->type.nfields != y->type.nfields) goto mismatch;
    uint32_t n = x->type.nfields;
    lh_field_t *f = lh_arena_calloc(a, sizeof *f * n);
    if (!f) return lh_sql_err(err, LH_ENOMEM, LH_SQL_EOOM, pos, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        const lh_field_t *fx = &x->type.fields[i], *fy = &y->type.fields[i];
        if ((fx->name || fy->name) && (!fx->name || !fy->name || strcmp(fx->name, fy->name)))
            goto mismatch;
        lh_sql_arg_t ax = {.type = fx->type}, ay = {.type = fy->type};
        int rc = lh_sql_common_type(a, &ax, &ay, &f[i].type, pos, err);
        if (rc) return rc;
        f[i].name = fx->name;
    }
    int rc = x->type.id == LH_TYPE_LIST ? lh_type_list(a, &f[0].type, out)
             : x->type.id == LH_TYPE_STRUCT
                 ? lh_type_struct(a, f, n, out)
                 : lh_type_map(a, &f[0].type.fields[0].type, &f[0].type.fields[1].type, out);
    if (rc) return lh_sql_err(err, rc, LH_SQL_EBIND, pos, "cannot build the common type");
    return 0;
mismatch:;
    char n1[128], n2[128];
    lh_type_format(&x->type, n1, sizeof n1);
    lh_type_format(&y->type, n2, sizeof n2);
    return lh_sql_err(err, LH_EINVAL, LH_SQL_EBIND, pos,
                      "Cannot mix values of type %s and %s - an explicit cast is required", n1, n2);
}
