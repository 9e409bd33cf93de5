/* The expression nodes with their own NULL logic: AND, OR and NOT in SQL's
 * three-valued logic, IS [NOT] NULL, IS [NOT] DISTINCT FROM, CASE and
 * COALESCE (each branch evaluated only on the rows that reach it), and
 * error(message). */
#include <string.h>

#include "sql/exec/exec_int.h"
#include "sql/exec/valset.h"

static lh_vector_t *fresh(lh_expr_state_t *s)
{
    lh_vector_reset(&s->out);
    lh_arena_reset(s->arena);
    return &s->out;
}

static void set_bool(lh_vector_t *o, uint32_t r, int v)
{
    if (v < 0) {
        lh_vector_set_null(o, r);
        return;
    }
    ((uint8_t *)o->data)[r] = (uint8_t)v;
}

/* AND / OR: false (true) wins, then NULL. */
static int eval_andor(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel, uint32_t count,
                      bool is_and, const lh_vector_t **out)
{
    uint32_t n = s->nkids;
    lh_vector_t *vals = s->argv;
    for (uint32_t i = 0; i < n; i++) {
        const lh_vector_t *v;
        int rc = lh__expr_eval(s->kids[i], in, sel, count, &v);
        if (rc) return rc;
        vals[i] = *v;
    }
    lh_vector_t *o = fresh(s);
    int dominant = is_and ? 0 : 1;
    for (uint32_t r = 0; r < count; r++) {
        int acc = 1 - dominant;
        for (uint32_t i = 0; i < n && acc != dominant; i++) {
            int b = lh__bool_at(&vals[i], r);
            if (b == dominant)
                acc = dominant;
            else if (b < 0)
                acc = -1;
        }
        set_bool(o, r, acc);
    }
    *out = o;
    return 0;
}

static int eval_unary_bool(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel,
                           uint32_t count, const lh_vector_t **out)
{
    const lh_vector_t *v;
    int rc = lh__expr_eval(s->kids[0], in, sel, count, &v);
    if (rc) return rc;
    lh_vector_t *o = fresh(s);
    lh_bx_kind_t k = s->e->kind;
    for (uint32_t r = 0; r < count; r++) {
        if (k == LH_BX_NOT) {
            int b = lh__bool_at(v, r);
            set_bool(o, r, b < 0 ? -1 : !b);
        } else {
            bool valid = lh_vector_is_valid(v, v->kind == LH_VECTOR_CONSTANT ? 0 : r);
            set_bool(o, r, k == LH_BX_IS_NULL ? !valid : valid);
        }
    }
    *out = o;
    return 0;
}

static int eval_distinct(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel,
                         uint32_t count, const lh_vector_t **out)
{
    const lh_vector_t *a, *b, *eq;
    int rc = lh__expr_eval(s->kids[0], in, sel, count, &a);
    if (!rc) rc = lh__expr_eval(s->kids[1], in, sel, count, &b);
    if (!rc) rc = lh__expr_eval(s->kids[2], in, sel, count, &eq);
    if (rc) return rc;
    lh_vector_t *o = fresh(s);
    for (uint32_t r = 0; r < count; r++) {
        bool av = lh_vector_is_valid(a, a->kind == LH_VECTOR_CONSTANT ? 0 : r);
        bool bv = lh_vector_is_valid(b, b->kind == LH_VECTOR_CONSTANT ? 0 : r);
        bool distinct = av != bv || (av && lh__bool_at(eq, r) == 0);
        set_bool(o, r, s->e->negated ? !distinct : distinct);
    }
    *out = o;
    return 0;
}

/* Copies rows from[0..n) of src (NULL: rows 0..n) into out at positions
 * pos[0..n) (increasing), a run of consecutive positions at a time: a batch
 * where one row takes another branch is two copies, not one per row. Strings
 * are views of src's bytes, which live as long as out may be read, as a
 * column reference's. */
static int scatter_from(lh_vector_t *o, const lh_vector_t *src, const uint32_t *from,
                        const uint32_t *pos, uint32_t n)
{
    if (src->kind == LH_VECTOR_CONSTANT && !lh_vector_is_valid(src, 0)) {
        for (uint32_t k = 0; k < n; k++) /* a CASE without ELSE: its rows are NULL */
            lh_vector_set_null(o, pos[k]);
        return 0;
    }
    if (src->kind == LH_VECTOR_CONSTANT) {
        uint32_t zero = 0;
        for (uint32_t k = 0; k < n; k++) {
            int rc = lh_vector_copy(o, pos[k], src, &zero, 1);
            if (rc) return rc;
        }
        return 0;
    }
    uint32_t rows[LH_BATCH_ROWS];
    if (!from) {
        for (uint32_t k = 0; k < n; k++)
            rows[k] = k;
        from = rows;
    }
    for (uint32_t k = 0, j; k < n; k = j) {
        for (j = k + 1; j < n && pos[j] == pos[j - 1] + 1; j++)
            ;
        int rc = lh_vector_copy_view(o, pos[k], src, from + k, j - k);
        if (rc) return rc;
    }
    return 0;
}

static int scatter(lh_vector_t *o, const lh_vector_t *src, const uint32_t *pos, uint32_t n)
{
    return scatter_from(o, src, NULL, pos, n);
}

/* A failed copy (memory) as an error; a code already reported passes through. */
static int copy_fail(lh_expr_state_t *s, int rc)
{
    if (!rc) return 0;
    return lh_sql_err(s->ex->err, rc, LH_SQL_EOOM, -1, "cannot build a result");
}

/* Input rows for output positions pos[0..n), an ordered subset of
 * [0, count): NULL (every row, unselected) when that is all of them, so a
 * column is read in place instead of gathered. */
static const uint32_t *compose(const uint32_t *sel, const uint32_t *pos, uint32_t n, uint32_t count,
                               uint32_t *buf)
{
    if (!sel) return n == count ? NULL : pos;
    for (uint32_t k = 0; k < n; k++)
        buf[k] = sel[pos[k]];
    return buf;
}

static int eval_case(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel, uint32_t count,
                     const lh_vector_t **out)
{
    uint32_t *rem = s->sel, *hit = s->sel + LH_BATCH_ROWS, *miss = s->sel + 2 * LH_BATCH_ROWS;
    uint32_t *tmp = s->sel + 3 * LH_BATCH_ROWS;
    uint32_t nrem = count;
    for (uint32_t i = 0; i < count; i++)
        rem[i] = i;
    lh_vector_t *o = fresh(s);
    int rc = 0;
    uint32_t nwhen = s->nkids / 2;
    for (uint32_t w = 0; w < nwhen && nrem && !rc; w++) {
        const lh_vector_t *c, *t;
        rc = lh__expr_eval(s->kids[2 * w], in, compose(sel, rem, nrem, count, tmp), nrem, &c);
        if (rc) break;
        uint32_t nhit = 0, nmiss = 0;
        for (uint32_t k = 0; k < nrem; k++) {
            if (lh__bool_at(c, k) == 1)
                hit[nhit++] = rem[k];
            else
                miss[nmiss++] = rem[k];
        }
        if (nhit) {
            rc = lh__expr_eval(s->kids[2 * w + 1], in, compose(sel, hit, nhit, count, tmp), nhit,
                               &t);
            if (!rc && nhit == count && t->kind != LH_VECTOR_CONSTANT &&
                lh_type_equal(&t->type, &o->type)) {
                *out = t; /* every row takes this branch: its rows as they are */
                return 0;
            }
            if (!rc) rc = copy_fail(s, scatter(o, t, hit, nhit));
        }
        memcpy(rem, miss, nmiss * sizeof *rem);
        nrem = nmiss;
    }
    if (!rc && nrem) {
        const lh_vector_t *t;
        rc =
            lh__expr_eval(s->kids[s->nkids - 1], in, compose(sel, rem, nrem, count, tmp), nrem, &t);
        if (!rc) rc = copy_fail(s, scatter(o, t, rem, nrem));
    }
    if (rc) return rc;
    *out = o;
    return 0;
}

static int eval_coalesce(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel,
                         uint32_t count, const lh_vector_t **out)
{
    uint32_t *rem = s->sel, *hit = s->sel + LH_BATCH_ROWS, *miss = s->sel + 2 * LH_BATCH_ROWS;
    uint32_t *tmp = s->sel + 3 * LH_BATCH_ROWS;
    uint32_t nrem = count;
    for (uint32_t i = 0; i < count; i++)
        rem[i] = i;
    lh_vector_t *o = fresh(s);
    for (uint32_t a = 0; a < s->nkids && nrem; a++) {
        const lh_vector_t *v;
        int rc = lh__expr_eval(s->kids[a], in, compose(sel, rem, nrem, count, tmp), nrem, &v);
        if (rc) return rc;
        uint32_t nhit = 0, nmiss = 0;
        for (uint32_t k = 0; k < nrem; k++) {
            if (lh_vector_is_valid(v, v->kind == LH_VECTOR_CONSTANT ? 0 : k)) {
                tmp[nhit] = k;
                hit[nhit++] = rem[k];
            } else
                miss[nmiss++] = rem[k];
        }
        if (nhit == count && v->kind != LH_VECTOR_CONSTANT && lh_type_equal(&v->type, &o->type)) {
            *out = v; /* every row has this argument's value: its rows as they are */
            return 0;
        }
        rc = copy_fail(s, scatter_from(o, v, tmp, hit, nhit));
        if (rc) return rc;
        memcpy(rem, miss, nmiss * sizeof *rem);
        nrem = nmiss;
    }
    for (uint32_t k = 0; k < nrem; k++)
        lh_vector_set_null(o, rem[k]);
    *out = o;
    return 0;
}

static int eval_error(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel, uint32_t count,
                      const lh_vector_t **out)
{
    const lh_vector_t *v;
    int rc = lh__expr_eval(s->kids[0], in, sel, count, &v);
    if (rc) return rc;
    if (!count) {
        *out = fresh(s);
        return 0;
    }
    lh_value_t msg;
    rc = lh_vector_get_value(v, 0, &msg);
    if (rc || msg.is_null || msg.type.id != LH_TYPE_VARCHAR)
        return lh_sql_err(s->ex->err, LH_EINVAL, LH_SQL_EINPUT, s->e->pos, "error() called");
    return lh_sql_err(s->ex->err, LH_EINVAL, LH_SQL_EINPUT, s->e->pos, "%.*s", (int)msg.v.s.len,
                      msg.v.s.ptr);
}

/* x [NOT] IN set: true when found; else NULL when x is NULL or the set holds
 * a NULL (and is not empty); else false. */
static int eval_in_set(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel,
                       uint32_t count, const lh_vector_t **out)
{
    const lh_vector_t *v;
    int rc = lh__expr_eval(s->kids[0], in, sel, count, &v);
    if (rc) return rc;
    lh_vector_t *o = fresh(s);
    const lh_valset_t *set = s->e->u.in_set.set;
    bool empty = !lh__valset_size(set) && !lh__valset_has_null(set);
    for (uint32_t r = 0; r < count; r++) {
        uint32_t row = v->kind == LH_VECTOR_CONSTANT ? 0 : r;
        int res;
        if (empty)
            res = 0;
        else if (!lh_vector_is_valid(v, row))
            res = -1;
        else if (lh__valset_has(set, v, row))
            res = 1;
        else
            res = lh__valset_has_null(set) ? -1 : 0;
        if (s->e->negated && res >= 0) res = !res;
        set_bool(o, r, res);
    }
    *out = o;
    return 0;
}

int lh__expr_eval_logic(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel,
                        uint32_t count, const lh_vector_t **out)
{
    switch ((lh_bx_kind_t)s->e->kind) {
    case LH_BX_AND:
        return eval_andor(s, in, sel, count, true, out);
    case LH_BX_OR:
        return eval_andor(s, in, sel, count, false, out);
    case LH_BX_NOT:
    case LH_BX_IS_NULL:
    case LH_BX_IS_NOT_NULL:
        return eval_unary_bool(s, in, sel, count, out);
    case LH_BX_DISTINCT:
        return eval_distinct(s, in, sel, count, out);
    case LH_BX_CASE:
        return eval_case(s, in, sel, count, out);
    case LH_BX_COALESCE:
        return eval_coalesce(s, in, sel, count, out);
    case LH_BX_ERROR:
        return eval_error(s, in, sel, count, out);
    case LH_BX_IN_SET:
        return eval_in_set(s, in, sel, count, out);
    default:
        return lh_sql_err(s->ex->err, LH_EINVAL, LH_SQL_EINTERNAL, s->e->pos,
                          "cannot evaluate expression kind %d", s->e->kind);
    }
}
