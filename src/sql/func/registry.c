/* The function registry: every file's table of lh_sql_func_def_t rows joined
 * into one array sorted by name (built once, under pthread_once, then
 * read-only and shared by every thread), looked up case-insensitively by
 * binary search; and the common bind that picks an overload by the least
 * total implicit-cast cost. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "sql/func/func_int.h"

/* One table per line (clang-format off) so branches adding tables merge cleanly. */
// clang-format off
static const lh__func_table_t *const tables[] = {
    &lh__agg_basic_funcs,
    &lh__agg_hll_funcs,
    &lh__agg_misc_funcs,
    &lh__agg_quantile_funcs,
    &lh__agg_stats_funcs,
    &lh__arith_funcs,
    &lh__bitwise_funcs,
    &lh__compare_funcs,
    &lh__date_funcs,
    &lh__date2_funcs,
    &lh__json_funcs,
    &lh__like_funcs,
    &lh__math_funcs,
    &lh__math2_funcs,
    &lh__math_minmax_funcs,
    &lh__regex_funcs,
    &lh__rowkey_funcs,
    &lh__strftime_funcs,
    &lh__string_funcs,
    &lh__string2_funcs,
};
// clang-format on

static const lh_sql_func_def_t **all;
static uint32_t nall;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int by_name(const void *a, const void *b)
{
    const lh_sql_func_def_t *x = *(const lh_sql_func_def_t *const *)a;
    const lh_sql_func_def_t *y = *(const lh_sql_func_def_t *const *)b;
    return strcasecmp(x->name, y->name);
}

static void build(void)
{
    uint32_t n = 0;
    for (size_t t = 0; t < LH__COUNT(tables); t++)
        n += tables[t]->n;
    all = malloc(sizeof *all * (n ? n : 1));
    if (!all) return; /* lookups then find nothing */
    for (size_t t = 0; t < LH__COUNT(tables); t++)
        for (uint32_t i = 0; i < tables[t]->n; i++)
            all[nall++] = &tables[t]->defs[i];
    qsort(all, nall, sizeof *all, by_name);
}

const lh_sql_func_def_t *lh_sql_func_lookup(const char *name)
{
    pthread_once(&once, build);
    uint32_t lo = 0, hi = nall;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcasecmp(name, all[mid]->name);
        if (!c) return all[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const lh_sql_func_def_t *const *lh_sql_func_all(uint32_t *n)
{
    pthread_once(&once, build);
    *n = nall;
    return all;
}

/* The DECIMAL an argument becomes for a DECIMAL parameter. */
static lh_type_t decimal_of(const lh_sql_arg_t *a)
{
    switch (a->type.id) {
    case LH_TYPE_DECIMAL:
        return a->type;
    case LH_TYPE_BOOLEAN:
    case LH_TYPE_TINYINT:
    case LH_TYPE_UTINYINT:
        return lh_type_decimal(3, 0);
    case LH_TYPE_SMALLINT:
    case LH_TYPE_USMALLINT:
        return lh_type_decimal(5, 0);
    case LH_TYPE_INTEGER:
    case LH_TYPE_UINTEGER:
        return lh_type_decimal(10, 0);
    case LH_TYPE_BIGINT:
        return lh_type_decimal(19, 0);
    case LH_TYPE_UBIGINT:
        return lh_type_decimal(20, 0);
    case LH_TYPE_HUGEINT:
        return lh_type_decimal(38, 0);
    default:
        return lh_type_decimal(18, 3); /* NULL and string literals: DuckDB's DECIMAL */
    }
}

/* The type arg is cast to for parameter id (DECIMAL: a width of its own). */
static lh_type_t param_type(const lh_sql_arg_t *a, uint8_t id)
{
    if (id == LH_TYPE_INVALID) return a->type.id ? a->type : lh_type(LH_TYPE_VARCHAR);
    if (id == LH_TYPE_DECIMAL) return decimal_of(a);
    return lh_type((lh_type_id_t)id);
}

static int call_cost(const lh_sql_bind_call_t *call, const lh_sql_overload_t *o)
{
    if (call->nargs < o->nargs || (call->nargs > o->nargs && !o->varargs)) return -1;
    int total = 0;
    for (uint32_t i = 0; i < call->nargs; i++) {
        uint8_t id = i < o->nargs ? o->args[i] : o->varargs;
        if (id == LH_TYPE_INVALID) continue;
        lh_type_t to = param_type(&call->args[i], id);
        int c = lh_sql_implicit_cost(&call->args[i], &to);
        if (c < 0) return -1;
        total += c;
    }
    return total;
}

int lh__bind_no_match(lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    char sig[512];
    size_t k = (size_t)snprintf(sig, sizeof sig, "%s(", call->name);
    for (uint32_t i = 0; i < call->nargs && k < sizeof sig; i++) {
        if (i) k += (size_t)snprintf(sig + k, sizeof sig - k, ", ");
        if (k >= sizeof sig) break;
        if (call->args[i].flags & LH_SQL_ARG_NULL_LITERAL)
            k += (size_t)snprintf(sig + k, sizeof sig - k, "NULL");
        else
            k += lh_type_format(&call->args[i].type, sig + k, sizeof sig - k);
    }
    if (k < sizeof sig) snprintf(sig + k, sizeof sig - k, ")");
    return lh_sql_err(err, LH_EINVAL, LH_SQL_EBIND, call->pos,
                      "No function matches the given name and argument types '%s'. You might "
                      "need to add explicit type casts.",
                      sig);
}

int lh_sql_bind_overloads(lh_sql_bind_call_t *call, const lh_sql_overload_t *ovl, uint32_t n,
                          lh_sql_error_t *err)
{
    int best = -1, best_cost = 0;
    for (uint32_t i = 0; i < n; i++) {
        int c = call_cost(call, &ovl[i]);
        if (c >= 0 && (best < 0 || c < best_cost)) {
            best = (int)i;
            best_cost = c;
        }
    }
    if (best < 0) return lh__bind_no_match(call, err);
    const lh_sql_overload_t *o = &ovl[best];
    lh_type_t first_dec = {0};
    for (uint32_t i = 0; i < call->nargs; i++) {
        uint8_t id = i < o->nargs ? o->args[i] : o->varargs;
        call->cast_to[i] = param_type(&call->args[i], id);
        if (id == LH_TYPE_DECIMAL && !first_dec.id) first_dec = call->cast_to[i];
    }
    if (o->ret == LH_TYPE_DECIMAL)
        call->ret = first_dec.id ? first_dec : lh_type_decimal(18, 3);
    else
        call->ret = lh_type((lh_type_id_t)o->ret);
    call->exec = o->exec;
    call->agg = o->agg;
    return 0;
}

int lh_sql_func_bind(const lh_sql_func_def_t *def, lh_sql_bind_call_t *call, lh_sql_error_t *err)
{
    call->exec = NULL;
    call->agg = NULL;
    call->ret.id = LH_TYPE_INVALID;
    int rc = def->bind ? def->bind(call, err)
                       : lh_sql_bind_overloads(call, def->overloads, def->noverloads, err);
    if (rc) return rc;
    if (!lh_type_is_valid(&call->ret) || (!call->exec && !call->agg))
        return lh_sql_err(err, LH_EINVAL, LH_SQL_EINTERNAL, call->pos,
                          "function %s bound without a result type or an implementation",
                          def->name);
    return 0;
}
