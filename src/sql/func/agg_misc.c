/* Boolean, text and positional aggregates: bool_and, bool_or, count_if;
 * string_agg (group_concat, listagg) joining the non-NULL values in input
 * order with a constant separator (',' by default); arg_max/arg_min
 * (max_by/min_by) and their _null forms; first/arbitrary and last (NULLs
 * count: the first or last row's value), any_value (the first non-NULL).
 * DuckDB's types and NULL rules: count_if is HUGEINT and NULL over no
 * non-NULL rows, as a sum would be; ties of arg_max keep the first row. */
#include <string.h>

#include "sql/func/agg_int.h"

/* ---- bool_and, bool_or, count_if ---- */

typedef struct bool_state {
    int64_t n; /* count_if: the true rows */
    bool has, val;
} bool_state_t;

static void bool_and_init(const void *bd, void *s)
{
    *(bool_state_t *)s = (bool_state_t){.val = true};
}

static void bool_or_init(const void *bd, void *s)
{
    *(bool_state_t *)s = (bool_state_t){.val = false};
}

static inline bool bool_at(const lh_vector_t *v, uint32_t i)
{
    return *(const uint8_t *)lh__agg_at(v, i) != 0;
}

static int bool_and_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n,
                           void **st)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!lh_vector_is_valid(&a[0], i)) continue;
        bool_state_t *s = st[i];
        s->val = s->val && bool_at(&a[0], i);
        s->has = true;
    }
    return 0;
}

static int bool_or_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n,
                          void **st)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!lh_vector_is_valid(&a[0], i)) continue;
        bool_state_t *s = st[i];
        s->val = s->val || bool_at(&a[0], i);
        s->has = true;
    }
    return 0;
}

static int count_if_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n,
                           void **st)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!lh_vector_is_valid(&a[0], i)) continue;
        bool_state_t *s = st[i];
        s->n += bool_at(&a[0], i);
        s->has = true;
    }
    return 0;
}

static int bool_and_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    const bool_state_t *a = src;
    bool_state_t *b = dst;
    if (!a->has) return 0;
    b->val = b->val && a->val;
    b->has = true;
    return 0;
}

static int bool_or_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    const bool_state_t *a = src;
    bool_state_t *b = dst;
    if (!a->has) return 0;
    b->val = b->val || a->val;
    b->has = true;
    return 0;
}

static int count_if_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    const bool_state_t *a = src;
    bool_state_t *b = dst;
    b->n += a->n;
    b->has |= a->has;
    return 0;
}

static int bool_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        const bool_state_t *s = st[i];
        if (!s->has)
            lh_vector_set_null(out, i);
        else
            ((uint8_t *)out->data)[i] = s->val;
    }
    return 0;
}

static int count_if_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        const bool_state_t *s = st[i];
        if (!s->has)
            lh_vector_set_null(out, i);
        else
            ((lh_int128_t *)out->data)[i] = s->n;
    }
    return 0;
}

static const lh_sql_agg_t bool_and_agg = {.state_size = sizeof(bool_state_t),
                                          .init = bool_and_init,
                                          .update = bool_and_update,
                                          .combine = bool_and_combine,
                                          .finalize = bool_final};
static const lh_sql_agg_t bool_or_agg = {.state_size = sizeof(bool_state_t),
                                         .init = bool_or_init,
                                         .update = bool_or_update,
                                         .combine = bool_or_combine,
                                         .finalize = bool_final};
static const lh_sql_agg_t count_if_agg = {.state_size = sizeof(bool_state_t),
                                          .init = bool_or_init,
                                          .update = count_if_update,
                                          .combine = count_if_combine,
                                          .finalize = count_if_final};

/* ---- string_agg ---- */

typedef struct sagg_bind {
    lh_str_t sep;
    bool null_sep; /* string_agg(x, NULL) is NULL */
} sagg_bind_t;

typedef struct sagg_state {
    char *buf;
    uint32_t len, cap;
    bool has;
} sagg_state_t;

static void sagg_init(const void *bd, void *s)
{
    *(sagg_state_t *)s = (sagg_state_t){0};
}

static int sagg_append(lh_sql_actx_t *c, sagg_state_t *s, const char *p, size_t n)
{
    const sagg_bind_t *b = c->bind_data;
    size_t sep = s->has ? b->sep.len : 0;
    size_t need = (size_t)s->len + sep + n;
    if (need > UINT32_MAX)
        return lh_sql_err(c->err, LH_EINVAL, LH_SQL_EOUTOFRANGE, c->pos,
                          "string_agg result exceeds 4 GB");
    if (need > s->cap) {
        size_t cap = s->cap ? s->cap : 64;
        while (cap < need)
            cap *= 2;
        if (cap > UINT32_MAX) cap = UINT32_MAX;
        char *nb = lh_arena_alloc(c->arena, cap);
        if (!nb) return lh__agg_oom(c);
        if (s->len) memcpy(nb, s->buf, s->len);
        s->buf = nb;
        s->cap = (uint32_t)cap;
    }
    if (sep) memcpy(s->buf + s->len, b->sep.ptr, sep);
    if (n) memcpy(s->buf + s->len + sep, p, n);
    s->len = (uint32_t)need;
    s->has = true;
    return 0;
}

static int sagg_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void **st)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!lh_vector_is_valid(&a[0], i)) continue;
        const lh_string_t *x = lh__agg_at(&a[0], i);
        int rc = sagg_append(c, st[i], lh_string_data(x), x->len);
        if (rc) return rc;
    }
    return 0;
}

static int sagg_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    const sagg_state_t *a = src;
    return a->has ? sagg_append(c, dst, a->buf, a->len) : 0;
}

static int sagg_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    const sagg_bind_t *b = c->bind_data;
    for (uint32_t i = 0; i < n; i++) {
        const sagg_state_t *s = st[i];
        if (!s->has || b->null_sep) {
            lh_vector_set_null(out, i);
            continue;
        }
        int rc = lh_vector_set_string(out, i, s->buf, s->len);
        if (rc) return lh__agg_oom(c);
    }
    return 0;
}

static const lh_sql_agg_t sagg_agg = {.state_size = sizeof(sagg_state_t),
                                      .init = sagg_init,
                                      .update = sagg_update,
                                      .combine = sagg_combine,
                                      .finalize = sagg_final,
                                      .order_sensitive = true};

static int sagg_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    if (call->nargs < 1 || call->nargs > 2 || lh_type_is_nested(&call->args[0].type))
        return lh__bind_no_match(call, err);
    sagg_bind_t *b = lh_arena_calloc(call->arena, sizeof *b);
    if (!b) return LH_ENOMEM;
    b->sep = (lh_str_t){",", 1};
    if (call->nargs == 2) {
        const lh_sql_arg_t *s = &call->args[1];
        if (!(s->flags & (LH_SQL_ARG_CONSTANT | LH_SQL_ARG_STRING_LITERAL |
                          LH_SQL_ARG_NULL_LITERAL | LH_SQL_ARG_INTEGER_LITERAL)))
            return lh_sql_err(err, LH_EINVAL, LH_SQL_EBIND, call->pos,
                              "Separator argument to StringAgg must be a constant");
        lh_value_t v;
        const lh_type_t vc = lh_type(LH_TYPE_VARCHAR);
        int rc = lh_sql_cast_value(&s->value, &vc, false, call->arena, &v, call->pos, err);
        if (rc) return rc;
        b->null_sep = v.is_null || (s->flags & LH_SQL_ARG_NULL_LITERAL);
        if (!b->null_sep) b->sep = v.v.s;
        call->cast_to[1] = vc;
    }
    call->cast_to[0] = lh_type(LH_TYPE_VARCHAR);
    call->ret = lh_type(LH_TYPE_VARCHAR);
    call->bind_data = b;
    call->agg = &sagg_agg;
    return 0;
}

/* ---- values kept in a state: arg_max, first ---- */

typedef struct slot {
    lh__agg_str_t v; /* a string, or the bytes of any other value in v.s */
    bool has, null;
} slot_t;

static int slot_set(lh_sql_actx_t *c, slot_t *s, const lh_vector_t *v, uint32_t i)
{
    s->has = true;
    s->null = !lh_vector_is_valid(v, i);
    if (s->null) return 0;
    const void *x = lh__agg_at(v, i);
    if (lh_type_physical(&v->type) == LH_PHYS_STRING) return lh__agg_str_set(c, &s->v, x);
    memcpy(&s->v.s, x, lh_type_size(&v->type));
    return 0;
}

static int slot_copy(lh_sql_actx_t *c, slot_t *dst, const slot_t *src, lh_phys_t p)
{
    dst->has = src->has;
    dst->null = src->null;
    if (!src->has || src->null) return 0;
    if (p == LH_PHYS_STRING) return lh__agg_str_set(c, &dst->v, &src->v.s);
    dst->v.s = src->v.s;
    return 0;
}

static int slot_out(lh_sql_actx_t *c, const slot_t *s, lh_vector_t *out, uint32_t i)
{
    if (!s->has || s->null) {
        lh_vector_set_null(out, i);
        return 0;
    }
    if (lh_type_physical(&out->type) == LH_PHYS_STRING)
        return lh_vector_set_string(out, i, lh_string_data(&s->v.s), s->v.s.len) ? lh__agg_oom(c)
                                                                                 : 0;
    size_t w = lh_type_size(&out->type);
    memcpy((uint8_t *)out->data + i * w, &s->v.s, w);
    return 0;
}

/* Physical types of the arguments, for comparisons and copies. */
typedef struct pos_bind {
    lh_phys_t x, by;
} pos_bind_t;

/* ---- arg_max, arg_min ---- */

/* The order of `by`: DuckDB's arg_max compares INTERVALs part by part
 * (months, days, micros), unlike max and comparisons, which normalise. */
static int by_cmp(lh_phys_t p, const void *a, const void *b)
{
    if (p != LH_PHYS_INTERVAL) return lh__agg_cmp(p, a, b);
    const lh_interval_t *x = a, *y = b;
    if (x->months != y->months) return x->months < y->months ? -1 : 1;
    if (x->days != y->days) return x->days < y->days ? -1 : 1;
    return (x->micros > y->micros) - (x->micros < y->micros);
}

typedef struct argm_state {
    slot_t x, by;
} argm_state_t;

static void argm_init(const void *bd, void *s)
{
    memset(s, 0, sizeof(argm_state_t));
}

static int argm_fold(lh_sql_actx_t *c, argm_state_t *s, const lh_vector_t *a, uint32_t i, int sign)
{
    const pos_bind_t *b = c->bind_data;
    if (s->by.has && by_cmp(b->by, lh__agg_at(&a[1], i), &s->by.v.s) * sign <= 0) return 0;
    int rc = slot_set(c, &s->by, &a[1], i);
    return rc ? rc : slot_set(c, &s->x, &a[0], i);
}

static int argm_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t n, void **st, int sign,
                       bool nulls)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!lh_vector_is_valid(&a[1], i) || (!nulls && !lh_vector_is_valid(&a[0], i))) continue;
        int rc = argm_fold(c, st[i], a, i, sign);
        if (rc) return rc;
    }
    return 0;
}

static int argmax_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void **st)
{
    return argm_update(c, a, n, st, 1, false);
}
static int argmin_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void **st)
{
    return argm_update(c, a, n, st, -1, false);
}
static int argmax_null_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n,
                              void **st)
{
    return argm_update(c, a, n, st, 1, true);
}
static int argmin_null_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n,
                              void **st)
{
    return argm_update(c, a, n, st, -1, true);
}

static int argm_combine(lh_sql_actx_t *c, const void *src, void *dst, int sign)
{
    const pos_bind_t *b = c->bind_data;
    const argm_state_t *x = src;
    argm_state_t *y = dst;
    if (!x->by.has) return 0;
    if (y->by.has && by_cmp(b->by, &x->by.v.s, &y->by.v.s) * sign <= 0) return 0;
    int rc = slot_copy(c, &y->by, &x->by, b->by);
    return rc ? rc : slot_copy(c, &y->x, &x->x, b->x);
}

static int argmax_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    return argm_combine(c, src, dst, 1);
}
static int argmin_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    return argm_combine(c, src, dst, -1);
}

static int argm_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        int rc = slot_out(c, &((const argm_state_t *)st[i])->x, out, i);
        if (rc) return rc;
    }
    return 0;
}

#define ARGM_AGG(NAME, UPDATE, COMBINE)                                                            \
    static const lh_sql_agg_t NAME = {.state_size = sizeof(argm_state_t),                          \
                                      .init = argm_init,                                           \
                                      .update = UPDATE,                                            \
                                      .combine = COMBINE,                                          \
                                      .finalize = argm_final}
ARGM_AGG(argmax_agg, argmax_update, argmax_combine);
ARGM_AGG(argmin_agg, argmin_update, argmin_combine);
ARGM_AGG(argmax_null_agg, argmax_null_update, argmax_combine);
ARGM_AGG(argmin_null_agg, argmin_null_update, argmin_combine);

/* ---- first, last, any_value ---- */

static void slot_init(const void *bd, void *s)
{
    memset(s, 0, sizeof(slot_t));
}

static int first_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void **st)
{
    for (uint32_t i = 0; i < n; i++) {
        slot_t *s = st[i];
        if (s->has) continue;
        int rc = slot_set(c, s, &a[0], i);
        if (rc) return rc;
    }
    return 0;
}

static int last_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void **st)
{
    for (uint32_t i = 0; i < n; i++) {
        int rc = slot_set(c, st[i], &a[0], i);
        if (rc) return rc;
    }
    return 0;
}

static int any_update(lh_sql_actx_t *c, const lh_vector_t *a, uint32_t na, uint32_t n, void **st)
{
    for (uint32_t i = 0; i < n; i++) {
        slot_t *s = st[i];
        if (s->has || !lh_vector_is_valid(&a[0], i)) continue;
        int rc = slot_set(c, s, &a[0], i);
        if (rc) return rc;
    }
    return 0;
}

static int first_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    const pos_bind_t *b = c->bind_data;
    const slot_t *x = src;
    slot_t *y = dst;
    return !y->has && x->has ? slot_copy(c, y, x, b->x) : 0;
}

static int last_combine(lh_sql_actx_t *c, const void *src, void *dst)
{
    const pos_bind_t *b = c->bind_data;
    const slot_t *x = src;
    return x->has ? slot_copy(c, dst, x, b->x) : 0;
}

static int slot_final(lh_sql_actx_t *c, void **st, uint32_t n, lh_vector_t *out)
{
    for (uint32_t i = 0; i < n; i++) {
        int rc = slot_out(c, st[i], out, i);
        if (rc) return rc;
    }
    return 0;
}

#define SLOT_AGG(NAME, UPDATE, COMBINE)                                                            \
    static const lh_sql_agg_t NAME = {.state_size = sizeof(slot_t),                                \
                                      .init = slot_init,                                           \
                                      .update = UPDATE,                                            \
                                      .combine = COMBINE,                                          \
                                      .finalize = slot_final,                                      \
                                      .order_sensitive = true}
SLOT_AGG(first_agg, first_update, first_combine);
SLOT_AGG(last_agg, last_update, last_combine);
SLOT_AGG(any_agg, any_update, first_combine);

/* arg_max and friends (two arguments) or first and friends (one): any
 * scalar types, the result of the first argument's type. */
static int pos_bind(lh_sql_bind_call_t *call, lh_sql_error_t *err, const lh_sql_agg_t *agg,
                    uint32_t nargs)
{
    if (call->nargs != nargs) return lh__bind_no_match(call, err);
    for (uint32_t i = 0; i < call->nargs; i++)
        if (lh_type_is_nested(&call->args[i].type))
            return lh_sql_err(err, LH_EINVAL, LH_SQL_ENOTIMPL, call->pos,
                              "%s over nested types is not implemented", call->name);
    pos_bind_t *b = lh_arena_calloc(call->arena, sizeof *b);
    if (!b) return LH_ENOMEM;
    b->x = lh_type_physical(&call->cast_to[0]);
    if (nargs == 2) b->by = lh_type_physical(&call->cast_to[1]);
    call->ret = call->cast_to[0];
    call->bind_data = b;
    call->agg = agg;
    return 0;
}

#define POS_BIND(FN, AGG, NARGS)                                                                   \
    static int FN(lh_sql_bind_call_t *call, lh_sql_error_t *err)                                   \
    {                                                                                              \
        return pos_bind(call, err, &AGG, NARGS);                                                   \
    }
POS_BIND(argmax_bind, argmax_agg, 2)
POS_BIND(argmin_bind, argmin_agg, 2)
POS_BIND(argmax_null_bind, argmax_null_agg, 2)
POS_BIND(argmin_null_bind, argmin_null_agg, 2)
POS_BIND(first_bind, first_agg, 1)
POS_BIND(last_bind, last_agg, 1)
POS_BIND(any_bind, any_agg, 1)

static const lh_sql_overload_t bool_and_ovl[] = {
    {.args = {LH_TYPE_BOOLEAN}, .nargs = 1, .ret = LH_TYPE_BOOLEAN, .agg = &bool_and_agg}};
static const lh_sql_overload_t bool_or_ovl[] = {
    {.args = {LH_TYPE_BOOLEAN}, .nargs = 1, .ret = LH_TYPE_BOOLEAN, .agg = &bool_or_agg}};
static const lh_sql_overload_t count_if_ovl[] = {
    {.args = {LH_TYPE_BOOLEAN}, .nargs = 1, .ret = LH_TYPE_HUGEINT, .agg = &count_if_agg}};

#define AGG_OVL(NAME, OVL, DOC)                                                                    \
    {                                                                                              \
        .name = NAME, .kind = LH_SQL_FUNC_AGGREGATE, .overloads = OVL,                             \
        .noverloads = LH__COUNT(OVL), .doc = DOC                                                   \
    }
#define AGG_BIND(NAME, BIND, DOC)                                                                  \
    {                                                                                              \
        .name = NAME, .kind = LH_SQL_FUNC_AGGREGATE, .flags = LH_SQL_FUNC_SPECIAL_NULLS,           \
        .bind = BIND, .doc = DOC                                                                   \
    }

static const lh_sql_func_def_t defs[] = {
    AGG_OVL("bool_and", bool_and_ovl, "true when every non-NULL value is true"),
    AGG_OVL("bool_or", bool_or_ovl, "true when any non-NULL value is true"),
    AGG_OVL("count_if", count_if_ovl, "number of rows where the argument is true (HUGEINT)"),
    AGG_OVL("countif", count_if_ovl, "count_if"),
    AGG_BIND("string_agg", sagg_bind,
             "the non-NULL values joined by a constant separator (',' by default)"),
    AGG_BIND("group_concat", sagg_bind, "string_agg"),
    AGG_BIND("listagg", sagg_bind, "string_agg"),
    AGG_BIND("arg_max", argmax_bind, "arg_max(x, by): x of the row with the largest by"),
    AGG_BIND("arg_min", argmin_bind, "arg_min(x, by): x of the row with the smallest by"),
    AGG_BIND("max_by", argmax_bind, "arg_max"),
    AGG_BIND("min_by", argmin_bind, "arg_min"),
    AGG_BIND("argmax", argmax_bind, "arg_max"),
    AGG_BIND("argmin", argmin_bind, "arg_min"),
    AGG_BIND("arg_max_null", argmax_null_bind, "arg_max that keeps a NULL x"),
    AGG_BIND("arg_min_null", argmin_null_bind, "arg_min that keeps a NULL x"),
    AGG_BIND("first", first_bind, "the first row's value (NULL included)"),
    AGG_BIND("arbitrary", first_bind, "first"),
    AGG_BIND("last", last_bind, "the last row's value (NULL included)"),
    AGG_BIND("any_value", any_bind, "the first non-NULL value"),
};
const lh__func_table_t lh__agg_misc_funcs = {.defs = defs, .n = LH__COUNT(defs)};
