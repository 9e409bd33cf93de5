/* Binding window function calls: fn(args) OVER (PARTITION BY ... ORDER BY
 * ... ROWS|RANGE frame), or OVER w naming the block's WINDOW clause. The
 * arguments, partition and order expressions are bound where the call
 * stands (over the group keys and aggregates in a grouped query); the call
 * becomes a placeholder column that the SELECT binder points at the WINDOW
 * node's output once it knows where that node goes. Result types follow
 * DuckDB: ranks BIGINT, percent_rank/cume_dist DOUBLE, lag/lead/first/last/
 * nth_value the argument's type, aggregates their own. */
#include <string.h>
#include <strings.h>

#include "sql/bind/bind_int.h"

static const struct {
    const char *name;
    lh_win_kind_t kind;
    uint32_t min_args, max_args;
} ranking[] = {
    {"row_number", LH_WIN_ROW_NUMBER, 0, 0},
    {"rank", LH_WIN_RANK, 0, 0},
    {"dense_rank", LH_WIN_DENSE_RANK, 0, 0},
    {"percent_rank", LH_WIN_PERCENT_RANK, 0, 0},
    {"cume_dist", LH_WIN_CUME_DIST, 0, 0},
    {"ntile", LH_WIN_NTILE, 1, 1},
    {"lag", LH_WIN_LAG, 1, 3},
    {"lead", LH_WIN_LEAD, 1, 3},
    {"first_value", LH_WIN_FIRST_VALUE, 1, 1},
    {"first", LH_WIN_FIRST_VALUE, 1, 1},
    {"last_value", LH_WIN_LAST_VALUE, 1, 1},
    {"last", LH_WIN_LAST_VALUE, 1, 1},
    {"nth_value", LH_WIN_NTH_VALUE, 2, 2},
};

static const lh_ast_window_t *resolve_named(lh_bctx_t *c, const lh_ast_t *n,
                                            const lh_ast_window_t *w)
{
    if (!w->ref_name || !c->select) return w;
    for (uint32_t i = 0; i < c->select->u.select.nwindows; i++)
        if (!strcasecmp(c->select->u.select.windows[i].name, w->ref_name))
            return c->select->u.select.windows[i].window;
    return NULL;
}

static int const_offset(lh_bctx_t *c, const lh_ast_t *e, double *out)
{
    lh_bexpr_t *b;
    const lh_type_t dbl = lh_type(LH_TYPE_DOUBLE);
    int rc = lh__bind_expr(c, e, &b);
    if (!rc) rc = lh__bind_cast_to(c, b, &dbl, false, e->pos, &b);
    if (rc) return rc;
    if (b->kind != LH_BX_CONST || b->u.c.is_null || b->u.c.v.d < 0)
        return LH_BIND_ERR(c, LH_SQL_EBIND, e->pos,
                           "a frame offset must be a non-negative constant");
    *out = b->u.c.v.d;
    return 0;
}

/* A RANGE offset over a DATE (days) or TIMESTAMP (microseconds) key: an
 * INTERVAL constant in the key's units. 1 when e is not an INTERVAL (the
 * caller binds it as a number), 0 with *out, or an error. */
static int interval_offset(lh_bctx_t *c, const lh_ast_t *e, const lh_type_t *key, double *out)
{
    lh_bexpr_t *b;
    int rc = lh__bind_expr(c, e, &b);
    if (rc) return rc;
    if (b->type.id != LH_TYPE_INTERVAL) return 1;
    if (b->kind != LH_BX_CONST || b->u.c.is_null)
        return LH_BIND_ERR(c, LH_SQL_EBIND, e->pos,
                           "a frame offset must be a non-negative constant");
    lh_interval_t iv = b->u.c.v.iv;
    if (iv.months)
        return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, e->pos,
                           "RANGE offsets in months or years are not implemented yet");
    double micros = (double)iv.days * (double)LH_MICROS_PER_DAY + (double)iv.micros;
    if (micros < 0)
        return LH_BIND_ERR(c, LH_SQL_EBIND, e->pos,
                           "a frame offset must be a non-negative constant");
    *out = key->id == LH_TYPE_DATE ? micros / (double)LH_MICROS_PER_DAY : micros;
    return 0;
}

static bool temporal_key(const lh_type_t *t)
{
    return t->id == LH_TYPE_DATE || t->id == LH_TYPE_TIMESTAMP || t->id == LH_TYPE_TIMESTAMP_TZ;
}

static int frame(lh_bctx_t *c, const lh_ast_window_t *w, lh_plan_window_t *pw)
{
    /* DuckDB's default: RANGE UNBOUNDED PRECEDING .. CURRENT ROW with ORDER BY,
       the whole partition without */
    pw->rows = w->frame_mode == 1;
    pw->start = LH_WB_UNBOUNDED_PRECEDING;
    pw->end = pw->norder ? LH_WB_CURRENT_ROW : LH_WB_UNBOUNDED_FOLLOWING;
    if (!w->frame_mode) return 0;
    if (w->frame_mode == 3)
        return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, pw->pos, "GROUPS frames are not implemented yet");
    const lh_ast_frame_bound_t *b[2] = {&w->frame_start, &w->frame_end};
    uint8_t *kind[2] = {&pw->start, &pw->end};
    double *off[2] = {&pw->start_off, &pw->end_off};
    for (int i = 0; i < 2; i++) {
        switch ((lh_ast_frame_bound_kind_t)b[i]->kind) {
        case LH_BOUND_NONE:
            *kind[i] = LH_WB_CURRENT_ROW;
            break; /* ROWS x: BETWEEN x AND CURRENT ROW */
        case LH_BOUND_UNBOUNDED_PRECEDING:
            *kind[i] = LH_WB_UNBOUNDED_PRECEDING;
            break;
        case LH_BOUND_CURRENT_ROW:
            *kind[i] = LH_WB_CURRENT_ROW;
            break;
        case LH_BOUND_UNBOUNDED_FOLLOWING:
            *kind[i] = LH_WB_UNBOUNDED_FOLLOWING;
            break;
        case LH_BOUND_PRECEDING:
        case LH_BOUND_FOLLOWING: {
            *kind[i] = b[i]->kind == LH_BOUND_PRECEDING ? LH_WB_PRECEDING : LH_WB_FOLLOWING;
            int rc = 1;
            if (!pw->rows && pw->norder == 1 && temporal_key(&pw->order[0].expr->type))
                rc = interval_offset(c, b[i]->offset, &pw->order[0].expr->type, off[i]);
            if (rc == 1)
                rc = const_offset(c, b[i]->offset, off[i]);
            else if (!rc)
                break;
            if (rc) return rc;
            if (!pw->rows) {
                if (pw->norder != 1)
                    return LH_BIND_ERR(
                        c, LH_SQL_EBIND, pw->pos,
                        "RANGE with an offset needs exactly one ORDER BY expression");
                const lh_type_t *t = &pw->order[0].expr->type;
                bool numeric = lh_type_is_integer(t) || t->id == LH_TYPE_DECIMAL ||
                               t->id == LH_TYPE_FLOAT || t->id == LH_TYPE_DOUBLE ||
                               t->id == LH_TYPE_DATE;
                if (!numeric)
                    return LH_BIND_ERR(
                        c, LH_SQL_ENOTIMPL, pw->pos,
                        "RANGE offsets on this ORDER BY type are not implemented yet");
            }
            break;
        }
        }
    }
    if (pw->start == LH_WB_UNBOUNDED_FOLLOWING || pw->end == LH_WB_UNBOUNDED_PRECEDING)
        return LH_BIND_ERR(c, LH_SQL_EBIND, pw->pos, "invalid window frame bounds");
    return 0;
}

static int bind_fn(lh_bctx_t *c, const lh_ast_t *n, const char *name, lh_plan_window_t *pw)
{
    uint32_t na = n->u.func.star ? 0 : n->u.func.args.n;
    pw->nargs = na;
    pw->args = lh_arena_calloc(c->env->arena, (na + 1) * sizeof *pw->args);
    if (!pw->args) return LH_ENOMEM;
    for (uint32_t i = 0; i < na; i++) {
        int rc = lh__bind_expr(c, n->u.func.args.items[i], &pw->args[i]);
        if (rc) return rc;
    }
    for (size_t k = 0; k < sizeof ranking / sizeof ranking[0]; k++) {
        if (strcasecmp(ranking[k].name, name)) continue;
        if (na < ranking[k].min_args || na > ranking[k].max_args)
            return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos, "wrong number of arguments for %s", name);
        pw->kind = ranking[k].kind;
        const lh_type_t big = lh_type(LH_TYPE_BIGINT);
        switch (pw->kind) {
        case LH_WIN_PERCENT_RANK:
        case LH_WIN_CUME_DIST:
            pw->type = lh_type(LH_TYPE_DOUBLE);
            return 0;
        case LH_WIN_LAG:
        case LH_WIN_LEAD: {
            pw->type = pw->args[0]->type;
            int rc =
                na > 1 ? lh__bind_cast_to(c, pw->args[1], &big, false, n->pos, &pw->args[1]) : 0;
            if (!rc && na > 2)
                rc = lh__bind_cast_to(c, pw->args[2], &pw->type, false, n->pos, &pw->args[2]);
            return rc;
        }
        case LH_WIN_FIRST_VALUE:
        case LH_WIN_LAST_VALUE:
            pw->type = pw->args[0]->type;
            return 0;
        case LH_WIN_NTH_VALUE:
            pw->type = pw->args[0]->type;
            return lh__bind_cast_to(c, pw->args[1], &big, false, n->pos, &pw->args[1]);
        case LH_WIN_NTILE:
            pw->type = big;
            return lh__bind_cast_to(c, pw->args[0], &big, false, n->pos, &pw->args[0]);
        default:
            pw->type = big;
            return 0;
        }
    }
    const lh_sql_func_def_t *def = lh_sql_func_lookup(name);
    if (!def || def->kind != LH_SQL_FUNC_AGGREGATE)
        return LH_BIND_ERR(c, LH_SQL_ECATALOG, n->pos,
                           "Aggregate Function with name %s does not exist!", name);
    if (n->u.func.distinct)
        return LH_BIND_ERR(c, LH_SQL_ENOTIMPL, n->pos,
                           "DISTINCT in window aggregates is not implemented yet");
    lh_sql_arg_t *av = lh_arena_calloc(c->env->arena, (na + 1) * sizeof *av);
    lh_type_t *cast_to = lh_arena_calloc(c->env->arena, (na + 1) * sizeof *cast_to);
    if (!av || !cast_to) return LH_ENOMEM;
    for (uint32_t i = 0; i < na; i++) {
        lh__bind_arg(pw->args[i], &av[i]);
        cast_to[i] = pw->args[i]->type;
    }
    lh_sql_bind_call_t call = {.name = def->name,
                               .args = av,
                               .nargs = na,
                               .arena = c->env->arena,
                               .pos = n->pos,
                               .cast_to = cast_to};
    int rc = lh_sql_func_bind(def, &call, c->env->err);
    for (uint32_t i = 0; !rc && i < na; i++)
        rc = lh__bind_cast_to(c, pw->args[i], &cast_to[i], false, pw->args[i]->pos, &pw->args[i]);
    if (rc) return rc;
    pw->kind = LH_WIN_AGG;
    pw->agg = call.agg;
    pw->bind_data = call.bind_data;
    pw->type = call.ret;
    return 0;
}

int lh__bind_window_call(lh_bctx_t *c, const lh_ast_t *n, lh_bexpr_t **out)
{
    if (!c->allow_windows)
        return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos, "window functions are not allowed here");
    const lh_ast_window_t *w = resolve_named(c, n, n->u.func.over);
    if (!w)
        return LH_BIND_ERR(c, LH_SQL_EBIND, n->pos, "window \"%s\" does not exist",
                           n->u.func.over->ref_name);
    const char *name = n->u.func.name.parts[n->u.func.name.n - 1];
    lh_bctx_t sub = *c;
    sub.allow_windows = false; /* no windows inside windows */
    lh_plan_window_t pw = {.pos = n->pos};
    int rc = bind_fn(&sub, n, name, &pw);
    if (rc) return rc;
    pw.npartition = w->partition_by.n;
    pw.partition = lh_arena_calloc(c->env->arena, (pw.npartition + 1) * sizeof *pw.partition);
    pw.norder = w->order_by.n;
    pw.order = lh_arena_calloc(c->env->arena, (pw.norder + 1) * sizeof *pw.order);
    if (!pw.partition || !pw.order) return LH_ENOMEM;
    for (uint32_t i = 0; i < pw.npartition; i++)
        if ((rc = lh__bind_expr(&sub, w->partition_by.items[i], &pw.partition[i]))) return rc;
    for (uint32_t i = 0; i < pw.norder; i++) {
        const lh_ast_order_t *o = &w->order_by.items[i];
        pw.order[i] = (lh_plan_order_t){.desc = o->desc, .nulls_first = o->nulls_first == 1};
        if ((rc = lh__bind_expr(&sub, o->expr, &pw.order[i].expr))) return rc;
    }
    if ((rc = frame(&sub, w, &pw))) return rc;
    /* the aggregates the sub-binding found belong to the block */
    c->aggs = sub.aggs;
    c->naggs = sub.naggs;
    c->cap_aggs = sub.cap_aggs;
    if (c->nwins == c->cap_wins) {
        uint32_t cap = c->cap_wins ? c->cap_wins * 2 : 4;
        lh_plan_window_t *nw = lh_arena_calloc(c->env->arena, cap * sizeof *nw);
        if (!nw) return LH_ENOMEM;
        if (c->nwins) memcpy(nw, c->wins, c->nwins * sizeof *nw);
        c->wins = nw;
        c->cap_wins = cap;
    }
    c->wins[c->nwins] = pw;
    *out = lh_bx_colref(c->env->arena, LH_WIN_COL_BASE + c->nwins, &pw.type);
    c->nwins++;
    return *out ? 0 : LH_ENOMEM;
}

void lh__bind_window_remap(lh_bexpr_t *e, uint32_t base)
{
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_COLREF:
        if (e->u.col >= LH_WIN_COL_BASE) e->u.col = base + (e->u.col - LH_WIN_COL_BASE);
        return;
    case LH_BX_CONST:
    case LH_BX_PARAM:
        return;
    case LH_BX_FUNC:
        for (uint32_t i = 0; i < e->u.func.nargs; i++)
            lh__bind_window_remap(e->u.func.args[i], base);
        return;
    case LH_BX_CAST:
        lh__bind_window_remap(e->u.cast.arg, base);
        return;
    case LH_BX_IN_SET:
        lh__bind_window_remap((lh_bexpr_t *)e->u.in_set.arg, base);
        return;
    default:
        for (uint32_t i = 0; i < e->u.list.n; i++)
            lh__bind_window_remap(e->u.list.items[i], base);
        return;
    }
}
