/* Cardinality estimates for join ordering: how many rows a plan outputs
 * and how many distinct values one of its columns holds. Tables know their
 * row counts; filters multiply by guessed selectivities (an equality 1/10,
 * a range 1/3, LIKE and the rest 1/4, OR the chance that any branch
 * holds); an integer column of a memory table has at most max - min + 1
 * distinct values (read from the table: a nation key has 25, an order key
 * as many as orders; sampled from up to 64 of its chunks). The guesses only
 * need to rank join orders. */
#include <string.h>

#include "sql/catalog/memtable.h"
#include "sql/exec/valset.h"
#include "sql/opt/opt_int.h"

static double sel(const lh_bexpr_t *e, const lh_plan_t *in);

static bool is_call(const lh_bexpr_t *e, const char *name)
{
    return e->kind == LH_BX_FUNC && e->u.func.def && !strcmp(e->u.func.def->name, name);
}

/* x IN (subquery) over a column: the set's size over the column's distinct
 * values (TPC-H q20: 2,000 part keys of 200,000). */
static double in_set_sel(const lh_bexpr_t *e, const lh_plan_t *in)
{
    const lh_bexpr_t *x = e->u.in_set.arg;
    double ndv = in && x->kind == LH_BX_COLREF && !x->outer ? lh__opt_col_ndv(in, x->u.col) : -1;
    double s = ndv >= 1 ? (double)lh__valset_size(e->u.in_set.set) / ndv : 0.5;
    s = s < 1 ? s : 1;
    return e->negated ? 1 - s * 0.5 : s;
}

static double sel(const lh_bexpr_t *e, const lh_plan_t *in)
{
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_AND: {
        double s = 1;
        for (uint32_t i = 0; i < e->u.list.n; i++)
            s *= sel(e->u.list.items[i], in);
        return s;
    }
    case LH_BX_OR: {
        double none = 1;
        for (uint32_t i = 0; i < e->u.list.n; i++)
            none *= 1 - sel(e->u.list.items[i], in);
        return 1 - none;
    }
    case LH_BX_NOT:
        return 1 - sel(e->u.list.items[0], in) * 0.5;
    case LH_BX_IN: {
        double s = 0.1 * (e->u.list.n - 1);
        return e->negated ? 0.9 : s < 0.5 ? s : 0.5;
    }
    case LH_BX_IS_NULL:
        return 0.1;
    case LH_BX_IN_SET:
        return in_set_sel(e, in);
    case LH_BX_CONST:
        return 1;
    case LH_BX_FUNC:
        if (is_call(e, "=")) return 0.1;
        if (is_call(e, "<") || is_call(e, "<=") || is_call(e, ">") || is_call(e, ">="))
            return 1.0 / 3;
        if (is_call(e, "<>") || is_call(e, "!=")) return 0.9;
        return 0.25;
    default:
        return 0.5;
    }
}

double lh__opt_est_rows(const lh_plan_t *p)
{
    const lh_plan_t *l = p->child[0];
    double r;
    switch ((lh_plan_kind_t)p->kind) {
    case LH_PLAN_SCAN_MEMORY:
    case LH_PLAN_SCAN_PARQUET:
        r = p->est_rows >= 0 ? p->est_rows : 1000;
        break;
    case LH_PLAN_VALUES:
        r = p->u.values.nrows;
        break;
    case LH_PLAN_FILTER:
        r = lh__opt_est_rows(l) * sel(p->u.filter.cond, l);
        break;
    case LH_PLAN_AGGREGATE:
        r = p->u.agg.ngroups ? lh__opt_est_rows(l) / 2 : 1;
        break;
    case LH_PLAN_JOIN: {
        double lr = lh__opt_est_rows(l), rr = lh__opt_est_rows(p->child[1]);
        uint8_t k = p->u.join.kind;
        if (k == 5 /* SEMI */ || k == 6 /* ANTI */)
            r = lr / 2;
        else if (k == 1 /* LEFT */ || k == LH_JOIN_KIND_MARK)
            r = lr;
        else if (k == 4 /* CROSS */)
            r = lr * rr;
        else
            r = lr > rr ? lr : rr;
        break;
    }
    case LH_PLAN_UNION:
        r = lh__opt_est_rows(l) + lh__opt_est_rows(p->child[1]);
        break;
    default:
        r = p->est_rows >= 0 ? p->est_rows : l ? lh__opt_est_rows(l) : 1000;
        break;
    }
    return r < 1 ? 1 : r;
}

/* max - min + 1 of integer column c of a memory table, or -1. */
static double int_range(const lh_sql_mem_table_t *t, uint32_t c)
{
    lh_phys_t ph = lh_type_physical(&t->types[c]);
    if (ph != LH_PHYS_INT32 && ph != LH_PHYS_INT64 && ph != LH_PHYS_INT16) return -1;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    uint32_t ns = t->nchunks < 64 ? t->nchunks : 64; /* a sample of chunks, first and last */
    for (uint32_t s = 0; s < ns; s++) {
        uint32_t k = ns < 2 ? 0 : (uint32_t)((uint64_t)s * (t->nchunks - 1) / (ns - 1));
        const lh_vector_t *v = &t->chunks[k]->cols[c];
        if (v->kind != LH_VECTOR_FLAT) return -1;
        uint32_t n = t->chunks[k]->count;
        for (uint32_t i = 0; i < n; i++) {
            if (!lh_vector_is_valid(v, i)) continue;
            int64_t x = ph == LH_PHYS_INT32   ? ((const int32_t *)v->data)[i]
                        : ph == LH_PHYS_INT64 ? ((const int64_t *)v->data)[i]
                                              : ((const int16_t *)v->data)[i];
            lo = x < lo ? x : lo;
            hi = x > hi ? x : hi;
        }
    }
    return hi < lo ? 1 : (double)hi - (double)lo + 1;
}

double lh__opt_col_ndv(const lh_plan_t *p, uint32_t c)
{
    switch ((lh_plan_kind_t)p->kind) {
    case LH_PLAN_SCAN_MEMORY: {
        const lh_sql_mem_table_t *t = p->u.mem.table;
        double range = int_range(t, p->u.mem.proj[c]);
        double rows = (double)t->rows;
        return range >= 0 && range < rows ? range : rows;
    }
    case LH_PLAN_FILTER:
    case LH_PLAN_SORT:
    case LH_PLAN_LIMIT:
        return lh__opt_col_ndv(p->child[0], c);
    case LH_PLAN_PROJECT: {
        const lh_bexpr_t *e = p->u.project.exprs[c];
        if (e->kind == LH_BX_COLREF && !e->outer) return lh__opt_col_ndv(p->child[0], e->u.col);
        return -1;
    }
    case LH_PLAN_JOIN: {
        uint8_t k = p->u.join.kind;
        uint32_t nl = p->child[0]->ncols;
        if (c < nl) return lh__opt_col_ndv(p->child[0], c);
        if (k == 5 || k == 6 || k == LH_JOIN_KIND_MARK) return -1;
        return lh__opt_col_ndv(p->child[1], c - nl);
    }
    case LH_PLAN_AGGREGATE:
        return c < p->u.agg.ngroups ? lh__opt_est_rows(p) : -1;
    default:
        return -1;
    }
}
