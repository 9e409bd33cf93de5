/* Expression evaluation over batches: one state per bound expression node,
 * each with its own result vector, evaluated bottom-up once per batch.
 *
 * Column references hand out the input's own vector when no selection is
 * given and it is FLAT or CONSTANT (no copy); dictionaries and selections are
 * gathered into the node's vector. Function calls get their arguments as
 * FLAT or CONSTANT vectors; a call whose arguments are all CONSTANT runs on
 * one row and answers CONSTANT. CASE and COALESCE evaluate each branch only
 * on the rows that reach it, so an error in a branch not taken never fires.
 * The logic nodes (AND, OR, NOT, IS [NOT] NULL, IS DISTINCT FROM) are here. */
#include <stdlib.h>
#include <string.h>

#include "sql/exec/exec_int.h"

static int node_new(lh_exec_t *ex, const lh_bexpr_t *e, lh_expr_state_t **out);

static int vec_init(lh_expr_state_t *s, const lh_type_t *t)
{
    s->arena = lh_arena_new(16384);
    if (!s->arena) return LH_ENOMEM;
    int rc = lh_vector_init(&s->out, t, LH_BATCH_ROWS, s->arena);
    if (rc) return rc;
    s->has_out = true;
    return 0;
}

static int kids_new(lh_exec_t *ex, lh_expr_state_t *s, lh_bexpr_t *const *items, uint32_t n)
{
    s->nkids = n;
    s->kids = lh_arena_calloc(ex->arena, n * sizeof *s->kids);
    s->argv = lh_arena_calloc(ex->arena, n * sizeof *s->argv);
    if (n && (!s->kids || !s->argv)) return LH_ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        int rc = node_new(ex, items[i], &s->kids[i]);
        if (rc) return rc;
    }
    return 0;
}

static int node_new(lh_exec_t *ex, const lh_bexpr_t *e, lh_expr_state_t **out)
{
    lh_expr_state_t *s = lh_arena_calloc(ex->arena, sizeof *s);
    if (!s) return LH_ENOMEM;
    s->e = e;
    s->ex = ex;
    *out = s;
    int rc = 0;
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_COLREF:
        return vec_init(s, &e->type);
    case LH_BX_CONST:
    case LH_BX_PARAM:
        return vec_init(s, &e->type);
    case LH_BX_FUNC:
        rc = kids_new(ex, s, e->u.func.args, e->u.func.nargs);
        if (!rc && e->u.func.init_local) {
            s->local = e->u.func.init_local(e->u.func.bind_data);
            if (!s->local) return LH_ENOMEM;
        }
        break;
    case LH_BX_CAST:
        rc = kids_new(ex, s, &e->u.cast.arg, 1);
        break;
    case LH_BX_IN_SET:
        rc = kids_new(ex, s, (lh_bexpr_t *const *)&e->u.in_set.arg, 1);
        break;
    default:
        rc = kids_new(ex, s, e->u.list.items, e->u.list.n);
        break;
    }
    if (rc) return rc;
    rc = vec_init(s, &e->type);
    if (rc) return rc;
    s->sel = lh_arena_alloc(ex->arena, 4 * LH_BATCH_ROWS * sizeof *s->sel);
    return s->sel ? 0 : LH_ENOMEM;
}

int lh_expr_state_new(lh_exec_t *ex, const lh_bexpr_t *e, lh_expr_state_t **out)
{
    *out = NULL;
    lh_expr_state_t *s = NULL;
    int rc = node_new(ex, e, &s);
    if (rc) {
        lh_expr_state_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void lh_expr_state_free(lh_expr_state_t *s)
{
    if (!s) return;
    for (uint32_t i = 0; i < s->nkids; i++)
        if (s->kids) lh_expr_state_free(s->kids[i]);
    if (s->local && s->e->u.func.free_local) s->e->u.func.free_local(s->local);
    if (s->has_out) lh_vector_release(&s->out);
    lh_arena_free(s->arena);
    s->arena = NULL;
    s->has_out = false;
}

/* The node's own vector, emptied for a new result. */
static lh_vector_t *fresh_out(lh_expr_state_t *s)
{
    lh_vector_reset(&s->out);
    lh_arena_reset(s->arena);
    return &s->out;
}

static int eval_const(lh_expr_state_t *s, const lh_value_t *v, const lh_vector_t **out)
{
    lh_vector_t *o = fresh_out(s);
    int rc = lh_vector_set_value(o, 0, v);
    if (rc) return lh_sql_err(s->ex->err, rc, LH_SQL_EINTERNAL, s->e->pos, "cannot set a constant");
    lh_vector_set_constant(o);
    *out = o;
    return 0;
}

static int eval_colref(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel,
                       uint32_t count, const lh_vector_t **out)
{
    const lh_vector_t *src = &in->cols[s->e->u.col];
    if (!sel && src->kind != LH_VECTOR_DICTIONARY) {
        *out = src;
        return 0;
    }
    if (src->kind == LH_VECTOR_CONSTANT) {
        *out = src;
        return 0;
    }
    /* a selected column read by several expressions of a projection: the
       first reference gathers it, the others share that */
    const lh_vector_t *same = sel ? NULL : lh_sql_scope_gathered(in, s->e->u.col);
    if (same && same->type.id == src->type.id) {
        *out = same;
        return 0;
    }
    lh_vector_t *o = fresh_out(s);
    /* strings gathered as views of the input's bytes, which live as long as
       the output may be read (until in changes): no byte copied */
    int rc = lh_vector_copy_view(o, 0, src, sel, count);
    if (rc) return lh_sql_err(s->ex->err, rc, LH_SQL_EOOM, -1, "cannot gather a column");
    if (!sel) lh_sql_scope_gather_done(in, s->e->u.col, o);
    *out = o;
    return 0;
}

/* AND of the arguments' validity into out's validity (strict functions). */
static void strict_validity(lh_vector_t *o, const lh_vector_t *argv, uint32_t n, uint32_t count,
                            bool all_const)
{
    uint32_t rows = all_const ? 1 : count;
    for (uint32_t i = 0; i < n; i++) {
        const lh_vector_t *a = &argv[i];
        if (a->kind == LH_VECTOR_CONSTANT) {
            if (!lh_vector_is_valid(a, 0))
                for (uint32_t r = 0; r < rows; r++)
                    lh_vector_set_null(o, r);
            continue;
        }
        if (!a->validity) continue;
        uint64_t *w = lh_vector_validity_mut(o);
        for (uint32_t k = 0; k < (rows + 63) / 64; k++)
            w[k] &= a->validity[k];
    }
}

static int eval_func(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel, uint32_t count,
                     const lh_vector_t **out)
{
    const lh_bexpr_t *e = s->e;
    bool all_const = true;
    for (uint32_t i = 0; i < s->nkids; i++) {
        const lh_vector_t *v;
        int rc = lh__expr_eval(s->kids[i], in, sel, count, &v);
        if (rc) return rc;
        s->argv[i] = *v;
        if (v->kind != LH_VECTOR_CONSTANT) all_const = false;
    }
    lh_vector_t *o = fresh_out(s);
    uint32_t rows = all_const ? 1 : count;
    if (!(e->u.func.flags & LH_SQL_FUNC_SPECIAL_NULLS))
        strict_validity(o, s->argv, s->nkids, count, all_const);
    lh_sql_fctx_t fc = {.bind_data = e->u.func.bind_data,
                        .err = s->ex->err,
                        .pos = e->pos,
                        .arena = s->arena,
                        .local = s->local};
    int rc = e->u.func.exec(&fc, s->argv, s->nkids, rows, o);
    if (rc) return rc;
    if (all_const) lh_vector_set_constant(o);
    *out = o;
    return 0;
}

static int eval_cast(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel, uint32_t count,
                     const lh_vector_t **out)
{
    const lh_vector_t *v;
    int rc = lh__expr_eval(s->kids[0], in, sel, count, &v);
    if (rc) return rc;
    lh_vector_t *o = fresh_out(s);
    bool c = v->kind == LH_VECTOR_CONSTANT;
    rc = lh_sql_cast_vector(v, c ? 1 : count, o, s->e->u.cast.try_cast, s->e->pos, s->ex->err);
    if (rc) return rc;
    if (c) lh_vector_set_constant(o);
    *out = o;
    return 0;
}

int lh__expr_eval(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel, uint32_t count,
                  const lh_vector_t **out)
{
    const lh_bexpr_t *e = s->e;
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_CONST:
        return eval_const(s, &e->u.c, out);
    case LH_BX_PARAM:
        if (e->u.param >= s->ex->nparams)
            return lh_sql_err(s->ex->err, LH_EINVAL, LH_SQL_EINPUT, e->pos,
                              "parameter $%u has no value", e->u.param + 1);
        return eval_const(s, &s->ex->params[e->u.param], out);
    case LH_BX_COLREF:
        return eval_colref(s, in, sel, count, out);
    case LH_BX_FUNC:
        return eval_func(s, in, sel, count, out);
    case LH_BX_CAST:
        return eval_cast(s, in, sel, count, out);
    default:
        return lh__expr_eval_logic(s, in, sel, count, out);
    }
}

int lh_expr_eval(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel, uint32_t count,
                 const lh_vector_t **out)
{
    return lh__expr_eval(s, in, sel, count, out);
}

/* The rows of sel (n of them; NULL: rows 0..n-1) for which s is true, into
 * out (not sel). An AND narrows the rows conjunct by conjunct, so each
 * conjunct is evaluated only on the rows the ones before it kept; an OR
 * runs each branch only on the rows no branch before it took. */
static int select_rows(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel, uint32_t n,
                       uint32_t *out, uint32_t *nout)
{
    if (s->e->kind == LH_BX_AND) {
        uint32_t tmp[LH_BATCH_ROWS];
        const uint32_t *cur = sel;
        uint32_t m = n;
        for (uint32_t i = 0; i < s->nkids && (m || i == 0); i++) {
            uint32_t *dst = cur == out ? tmp : out;
            int rc = select_rows(s->kids[i], in, cur, m, dst, &m);
            if (rc) return rc;
            cur = dst;
        }
        if (cur != out) memcpy(out, cur, m * sizeof *out);
        *nout = m;
        return 0;
    }
    if (s->e->kind == LH_BX_OR) { /* each branch only on the rows no branch took yet */
        uint8_t hit[LH_BATCH_ROWS];
        uint32_t rest[LH_BATCH_ROWS], got[LH_BATCH_ROWS], nrest = n, ngot;
        for (uint32_t i = 0; i < n; i++) {
            rest[i] = sel ? sel[i] : i;
            hit[rest[i]] = 0;
        }
        for (uint32_t i = 0; i < s->nkids && nrest; i++) {
            int rc = select_rows(s->kids[i], in, rest, nrest, got, &ngot);
            if (rc) return rc;
            if (!ngot) continue;
            for (uint32_t j = 0; j < ngot; j++)
                hit[got[j]] = 1;
            uint32_t m = 0;
            for (uint32_t j = 0; j < nrest; j++) {
                rest[m] = rest[j];
                m += !hit[rest[j]];
            }
            nrest = m;
        }
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = sel ? sel[i] : i;
            out[k] = r;
            k += hit[r];
        }
        *nout = k;
        return 0;
    }
    const lh_vector_t *v;
    int rc = lh__expr_eval(s, in, sel, n, &v);
    if (rc) return rc;
    uint32_t k = 0;
    if (v->kind == LH_VECTOR_CONSTANT) {
        if (lh_vector_is_valid(v, 0) && ((const uint8_t *)v->data)[0])
            for (uint32_t i = 0; i < n; i++)
                out[k++] = sel ? sel[i] : i;
        *nout = k;
        return 0;
    }
    const uint8_t *d = v->data;
    for (uint32_t i = 0; i < n; i++) {
        out[k] = sel ? sel[i] : i;
        k += (d[i] & lh_validity_get(v->validity, i));
    }
    *nout = k;
    return 0;
}

int lh_expr_select(lh_expr_state_t *s, const lh_batch_t *in, uint32_t count, uint32_t *sel_out,
                   uint32_t *nsel)
{
    return select_rows(s, in, NULL, count, sel_out, nsel);
}

int lh_expr_select_rows(lh_expr_state_t *s, const lh_batch_t *in, const uint32_t *sel,
                        uint32_t count, uint32_t *sel_out, uint32_t *nsel)
{
    return select_rows(s, in, sel, count, sel_out, nsel);
}

int lh_expr_fold(lh_exec_t *ex, const lh_bexpr_t *e, lh_arena_t *a, lh_value_t *out)
{
    lh_expr_state_t *s;
    int rc = lh_expr_state_new(ex, e, &s);
    if (rc) return rc;
    lh_batch_t *one = NULL;
    rc = lh_batch_new(NULL, 0, &one);
    if (!rc) {
        one->count = 1;
        const lh_vector_t *v;
        rc = lh__expr_eval(s, one, NULL, 1, &v);
        lh_value_t tmp;
        if (!rc) rc = lh_vector_get_value(v, 0, &tmp);
        if (!rc) {
            *out = tmp;
            if (!tmp.is_null && (tmp.type.id == LH_TYPE_VARCHAR || tmp.type.id == LH_TYPE_BLOB)) {
                char *p = lh_arena_alloc(a, tmp.v.s.len + 1);
                if (!p)
                    rc = LH_ENOMEM;
                else {
                    if (tmp.v.s.len) memcpy(p, tmp.v.s.ptr, tmp.v.s.len);
                    p[tmp.v.s.len] = 0;
                    out->v.s.ptr = p;
                }
            }
        }
    }
    lh_batch_free(one);
    lh_expr_state_free(s);
    return rc;
}
