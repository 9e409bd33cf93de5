/* Statistics pruning: whether a unit (row group, page) with given min/max and
 * null counts might hold a row that satisfies a predicate. Every doubt
 * answers "might match"; only a proof answers "cannot". */
#include "vector/scan.h"

#include <math.h>

static bool is_real(const lh_value_t *v)
{
    return v->type.id == LH_TYPE_FLOAT || v->type.id == LH_TYPE_DOUBLE;
}

static bool is_nan(const lh_value_t *v)
{
    if (v->type.id == LH_TYPE_FLOAT) return isnan(v->v.f);
    return v->type.id == LH_TYPE_DOUBLE && isnan(v->v.d);
}

/* A usable bound: present, non-NULL, not NaN. */
static bool bound(bool has, const lh_value_t *b)
{
    return has && !b->is_null && !is_nan(b);
}

/* Compares constant c with bound b: false when they cannot be compared. */
static bool cmp(const lh_value_t *c, const lh_value_t *b, int *out)
{
    return lh_value_compare(c, b, out) == 0;
}

/* Whether min <= c <= max might hold (the EQ test). */
static bool in_range(const lh_value_t *c, const lh_stats_t *s)
{
    int r;
    if (bound(s->has_min, &s->min) && cmp(c, &s->min, &r) && r < 0) return false;
    if (bound(s->has_max, &s->max) && cmp(c, &s->max, &r) && r > 0) return false;
    return true;
}

/* Whether every non-NULL value is exactly c (then `<> c` cannot match). */
static bool all_equal(const lh_value_t *c, const lh_stats_t *s)
{
    int r1, r2;
    return bound(s->has_min, &s->min) && bound(s->has_max, &s->max) && s->min_exact &&
           s->max_exact && cmp(c, &s->min, &r1) && r1 == 0 && cmp(c, &s->max, &r2) && r2 == 0;
}

static bool compare_might_match(lh_pred_op_t op, const lh_value_t *c, const lh_stats_t *s)
{
    int r;
    if (c->is_null) return false; /* NULL compared is never true */
    if (is_nan(c)) return true;
    /* unrecorded NaN rows could satisfy >, >= and <> under NaN-greatest order */
    if (is_real(c) && (op == LH_PRED_GT || op == LH_PRED_GE || op == LH_PRED_NE)) return true;
    switch (op) {
    case LH_PRED_EQ:
        return in_range(c, s);
    case LH_PRED_NE:
        return !all_equal(c, s);
    case LH_PRED_LT: /* some value < c: min < c */
        return !(bound(s->has_min, &s->min) && cmp(c, &s->min, &r) && r <= 0);
    case LH_PRED_LE:
        return !(bound(s->has_min, &s->min) && cmp(c, &s->min, &r) && r < 0);
    case LH_PRED_GT: /* some value > c: max > c */
        return !(bound(s->has_max, &s->max) && cmp(c, &s->max, &r) && r >= 0);
    case LH_PRED_GE:
        return !(bound(s->has_max, &s->max) && cmp(c, &s->max, &r) && r > 0);
    default:
        return true;
    }
}

bool lh_pred_might_match(const lh_pred_t *p, const lh_stats_t *s)
{
    if (!s) return true;
    if (s->row_count == 0) return false;
    bool all_null = s->row_count > 0 && s->null_count >= s->row_count;
    switch (p->op) {
    case LH_PRED_IS_NULL:
        return s->null_count != 0;
    case LH_PRED_IS_NOT_NULL:
        return !all_null;
    case LH_PRED_IN:
        if (all_null) return false;
        for (uint32_t i = 0; i < p->nlist; i++)
            if (compare_might_match(LH_PRED_EQ, &p->list[i], s)) return true;
        return false;
    case LH_PRED_EQ:
    case LH_PRED_NE:
    case LH_PRED_LT:
    case LH_PRED_LE:
    case LH_PRED_GT:
    case LH_PRED_GE:
        return !all_null && compare_might_match(p->op, &p->value, s);
    default:
        return true;
    }
}

bool lh_preds_might_match(const lh_pred_t *preds, uint32_t n, const lh_stats_t *const *stats)
{
    for (uint32_t i = 0; i < n; i++)
        if (!lh_pred_might_match(&preds[i], stats ? stats[i] : NULL)) return false;
    return true;
}
