/* MERGE INTO target USING source ON cond WHEN ... (parser/parse_merge.c) on
 * a memory table or a lake table (out->lake set by bind_lake_ddl.c). The
 * source is wrapped as (SELECT *, TRUE AS <mark> FROM source) so a target
 * row's match shows in the join's output; then four plans are bound:
 *
 *   rows    target LEFT JOIN source ON cond: the target's columns after the
 *           first MATCHED (mark set) or NOT MATCHED BY SOURCE (mark NULL)
 *           clause whose condition holds, plus touched / drop (sql/dml.h)
 *   found   count of target SEMI JOIN source: target rows with a match
 *   pairs   count of target JOIN source: more pairs than rows found means a
 *           target row matched two source rows, which Delta refuses
 *   insert  source ANTI JOIN target: the NOT MATCHED clauses' new rows
 *
 * On the lake the target is bound four times; the snapshots must agree (a
 * commit in between is a Transaction Error: run the statement again). */
#include <string.h>
#include <strings.h>

#include "sql/bind/bind_int.h"
#include "sql/lake_write.h"

#define MARK "__lh_merge_source_row"

typedef struct {
    lh_bind_env_t *env;
    lh_bparams_t *params;
    const lh_ast_t *n;
    lh_ast_t *source; /* the wrapped source */
    uint32_t nt;      /* target columns */
    const lh_plan_col_t *tcols;
} mctx_t;

static lh_ast_t *node(lh_arena_t *a, lh_ast_kind_t kind, int32_t pos)
{
    lh_ast_t *x = lh_arena_calloc(a, sizeof *x);
    if (x) {
        x->kind = kind;
        x->pos = pos;
    }
    return x;
}

/* (SELECT *, TRUE AS MARK FROM source) AS <the source's name> */
static lh_ast_t *marked_source(lh_arena_t *a, const lh_ast_t *src)
{
    lh_ast_t *star = node(a, LH_AST_STAR, src->pos), *mark = node(a, LH_AST_LITERAL, src->pos);
    lh_ast_t *sel = node(a, LH_AST_SELECT, src->pos), *sub = node(a, LH_AST_SUBQUERY_REF, src->pos);
    lh_ast_t **items = lh_arena_calloc(a, 2 * sizeof *items);
    if (!star || !mark || !sel || !sub || !items) return NULL;
    mark->u.lit.kind = LH_LIT_BOOL;
    mark->u.lit.b = true;
    mark->alias = MARK;
    items[0] = star;
    items[1] = mark;
    sel->u.select.items = (lh_ast_list_t){.items = items, .n = 2};
    sel->u.select.from = (lh_ast_t *)src;
    sub->u.subquery_ref.query = sel;
    sub->alias = src->alias;
    if (!sub->alias && src->kind == LH_AST_TABLE_REF)
        sub->alias = src->u.table.name.parts[src->u.table.name.n - 1];
    return sub;
}

static int bind_join(mctx_t *m, uint8_t kind, bool source_left, lh_plan_t **plan, lh_bscope_t *sc)
{
    lh_ast_t *j = node(m->env->arena, LH_AST_JOIN, m->n->pos);
    if (!j) return LH_ENOMEM;
    j->u.join.kind = kind;
    j->u.join.left = source_left ? m->source : m->n->u.merge.target;
    j->u.join.right = source_left ? m->n->u.merge.target : m->source;
    j->u.join.on = m->n->u.merge.on;
    return lh__bind_from(m->env, m->params, j, plan, sc);
}

static lh_bexpr_t *bx_and(lh_arena_t *a, lh_bexpr_t *x, lh_bexpr_t *y)
{
    if (!y) return x;
    lh_type_t bt = lh_type(LH_TYPE_BOOLEAN);
    lh_bexpr_t *e = lh__bx_list(a, LH_BX_AND, &bt, 2);
    if (e) {
        e->u.list.items[0] = x;
        e->u.list.items[1] = y;
    }
    return e;
}

/* A clause's guard: its kind's match test AND its condition. */
static int guard(mctx_t *m, lh_bctx_t *c, const lh_ast_merge_clause_t *cl, lh_bexpr_t *mark,
                 lh_bexpr_t **out)
{
    lh_arena_t *a = m->env->arena;
    lh_type_t bt = lh_type(LH_TYPE_BOOLEAN);
    lh_bexpr_t *test = NULL, *cond = NULL;
    if (mark) {
        test = lh__bx_list(a, cl->when == LH_MERGE_MATCHED ? LH_BX_IS_NOT_NULL : LH_BX_IS_NULL, &bt,
                           1);
        if (!test) return LH_ENOMEM;
        test->u.list.items[0] = mark;
    }
    int rc = cl->cond ? lh__bind_bool(c, cl->cond, "MERGE", &cond) : 0;
    if (rc) return rc;
    *out = !test ? (cond ? cond : lh__bx_bool(a, true)) : bx_and(a, test, cond);
    return *out ? 0 : LH_ENOMEM;
}

static int count_error(mctx_t *m, uint32_t nvalues)
{
    const lh_ast_name_t *t = &m->n->u.merge.target->u.table.name;
    return lh_sql_err(m->env->err, LH_EINVAL, LH_SQL_EBIND, m->n->pos,
                      "table %s has %u columns but %u values were supplied", t->parts[t->n - 1],
                      m->nt, nvalues);
}

/* A clause's new value of every target column into v (NULL: unchanged). */
static int clause_values(mctx_t *m, lh_bctx_t *c, const lh_ast_merge_clause_t *cl, uint32_t base,
                         lh_bexpr_t **v)
{
    lh_bind_env_t *env = m->env;
    bool insert = cl->action == LH_MERGE_INSERT;
    if (cl->action != LH_MERGE_UPDATE && !insert) return 0;
    if (insert && !cl->star && !cl->ncolumns && cl->values.n && cl->values.n != m->nt)
        return count_error(m, cl->values.n);
    uint32_t nsource = c->scope->n - base - 1; /* the source's columns, the mark not counted */
    if (cl->star && nsource != m->nt) return count_error(m, nsource);
    for (uint32_t i = 0; i < m->nt; i++) {
        const lh_ast_t *x = NULL;
        int64_t from = cl->star ? (int64_t)(base + i) : -1; /* `*`: by position, as DuckDB */
        for (uint32_t k = 0; !cl->star && k < cl->ncolumns; k++)
            if (!strcasecmp(cl->columns[k], m->tcols[i].name)) x = cl->values.items[k];
        if (insert && !cl->star && !cl->ncolumns && i < cl->values.n) x = cl->values.items[i];
        if (from >= 0)
            v[i] = lh_bx_colref(env->arena, (uint32_t)from, &c->scope->cols[from].type);
        else if (x) {
            int rc = lh__bind_expr(c, x, &v[i]);
            if (rc) return rc;
        } else
            continue;
        if (!v[i]) return LH_ENOMEM;
        int rc = lh__bind_cast_to(c, v[i], &m->tcols[i].type, false, m->n->pos, &v[i]);
        if (rc) return rc;
    }
    for (uint32_t k = 0; k < cl->ncolumns; k++) {
        uint32_t i = 0;
        while (i < m->nt && strcasecmp(cl->columns[k], m->tcols[i].name))
            i++;
        if (i == m->nt)
            return lh_sql_err(env->err, LH_EINVAL, LH_SQL_EBIND, m->n->pos,
                              "Referenced update column %s not found in table!", cl->columns[k]);
    }
    return 0;
}

/* CASE WHEN g0 THEN x0 WHEN g1 THEN x1 ... ELSE other END */
static lh_bexpr_t *case_of(lh_arena_t *a, const lh_type_t *t, lh_bexpr_t **g, lh_bexpr_t **x,
                           uint32_t n, lh_bexpr_t *other)
{
    if (!n) return other;
    lh_bexpr_t *e = lh__bx_list(a, LH_BX_CASE, t, 2 * n + 1);
    if (!e) return NULL;
    for (uint32_t k = 0; k < n; k++) {
        e->u.list.items[2 * k] = g[k];
        e->u.list.items[2 * k + 1] = x[k];
    }
    e->u.list.items[2 * n] = other;
    return e;
}

/* The plan over `join` (scope sc) applying the clauses whose kind `pick`
 * says: target rows (mark: the source's mark column) or inserted rows
 * (mark NULL: unmatched source rows, base = 0). */
static int apply_plan(mctx_t *m, lh_plan_t *join, lh_bscope_t *sc, lh_bexpr_t *mark, uint32_t base,
                      bool inserts, lh_plan_t **out)
{
    lh_arena_t *a = m->env->arena;
    const lh_ast_merge_clause_t *cls = m->n->u.merge.clauses;
    uint32_t nc = m->n->u.merge.nclauses, n = 0;
    lh_bexpr_t **g = lh_arena_calloc(a, (nc + 1) * sizeof *g);
    lh_bexpr_t ***vals = lh_arena_calloc(a, (nc + 1) * sizeof *vals);
    lh_bexpr_t **x = lh_arena_calloc(a, (nc + 1) * sizeof *x);
    lh_bexpr_t **touched = lh_arena_calloc(a, (nc + 1) * sizeof *touched);
    lh_bexpr_t **drop = lh_arena_calloc(a, (nc + 1) * sizeof *drop);
    lh_plan_t *p = lh__dml_plan(a, join, m->nt);
    if (!g || !vals || !x || !touched || !drop || !p) return LH_ENOMEM;
    lh_bctx_t c = {.env = m->env, .scope = sc, .params = m->params};
    for (uint32_t k = 0; k < nc; k++) {
        const lh_ast_merge_clause_t *cl = &cls[k];
        if ((cl->when == LH_MERGE_NOT_MATCHED) != inserts) continue;
        if (!(vals[n] = lh_arena_calloc(a, (m->nt + 1) * sizeof **vals))) return LH_ENOMEM;
        int rc = guard(m, &c, cl, mark, &g[n]);
        if (!rc) rc = clause_values(m, &c, cl, base, vals[n]);
        if (rc) return rc;
        bool act = cl->action != LH_MERGE_NOTHING;
        bool gone = inserts ? !act : cl->action == LH_MERGE_DELETE;
        if (!(touched[n] = lh__bx_bool(a, act)) || !(drop[n] = lh__bx_bool(a, gone)))
            return LH_ENOMEM;
        n++;
    }
    lh_type_t bt = lh_type(LH_TYPE_BOOLEAN);
    for (uint32_t i = 0; i < m->nt; i++) {
        p->cols[i] = m->tcols[i];
        lh_value_t nv = lh_value_null(m->tcols[i].type);
        lh_bexpr_t *other =
            inserts ? lh_bx_const(a, &nv, -1) : lh_bx_colref(a, i, &m->tcols[i].type);
        for (uint32_t k = 0; k < n; k++)
            x[k] = vals[k][i] ? vals[k][i] : other;
        if (!other || !(p->u.project.exprs[i] = case_of(a, &m->tcols[i].type, g, x, n, other)))
            return LH_ENOMEM;
    }
    p->u.project.exprs[m->nt] = case_of(a, &bt, g, touched, n, lh__bx_bool(a, false));
    p->u.project.exprs[m->nt + 1] = case_of(a, &bt, g, drop, n, lh__bx_bool(a, inserts));
    if (!p->u.project.exprs[m->nt] || !p->u.project.exprs[m->nt + 1]) return LH_ENOMEM;
    *out = p;
    return 0;
}

static const lh_plan_t *first_scan(const lh_plan_t *p)
{
    while (p && p->kind != LH_PLAN_SCAN_PARQUET && p->kind != LH_PLAN_SCAN_MEMORY)
        p = p->child[0];
    return p;
}

/* Marks the target's scan (the leftmost as bound) for lake_dml.c. */
static void mark_target(lh_plan_t *p)
{
    lh_plan_t *s = (lh_plan_t *)first_scan(p);
    if (s && s->kind == LH_PLAN_SCAN_PARQUET) s->u.pq.dml_target = true;
}

static bool same_files(const lh_plan_t *a, const lh_plan_t *b)
{
    if (!a || !b || a->kind != b->kind) return false;
    if (a->kind != LH_PLAN_SCAN_PARQUET) return a->u.mem.table == b->u.mem.table;
    if (a->u.pq.nfiles != b->u.pq.nfiles) return false;
    for (uint32_t f = 0; f < a->u.pq.nfiles; f++)
        if (strcmp(a->u.pq.keys[f], b->u.pq.keys[f])) return false;
    return true;
}

/* The plans counting found rows and pairs, when a MATCHED clause needs them. */
static int count_plans(mctx_t *m, lh_bound_stmt_t *out, const lh_plan_t *target)
{
    lh_plan_t *semi, *inner;
    lh_bscope_t s1 = {0}, s2 = {0};
    int rc = bind_join(m, LH_JOIN_SEMI, false, &semi, &s1);
    if (!rc) rc = bind_join(m, LH_JOIN_INNER, false, &inner, &s2);
    if (!rc) {
        mark_target(semi);
        mark_target(inner);
        rc = lh__dml_count_plan(m->env->arena, semi, &out->dml_find);
    }
    if (!rc) rc = lh__dml_count_plan(m->env->arena, inner, &out->dml_pairs);
    if (rc) return rc;
    if (!same_files(target, first_scan(out->dml_find)) ||
        !same_files(target, first_scan(out->dml_pairs)))
        return LH_ECONFLICT;
    return 0;
}

static int merge_plans(mctx_t *m, lh_bound_stmt_t *out)
{
    lh_plan_t *rows, *anti;
    lh_bscope_t sc = {0}, sa = {0};
    int rc = bind_join(m, LH_JOIN_LEFT, false, &rows, &sc);
    if (rc) return rc;
    const lh_plan_t *target = first_scan(rows);
    mark_target(rows);
    uint8_t want = out->lake ? LH_PLAN_SCAN_PARQUET : LH_PLAN_SCAN_MEMORY;
    if (!target || target->kind != want)
        return lh_sql_err(m->env->err, LH_EINVAL, LH_SQL_EBIND, m->n->pos,
                          "Can only merge into base table");
    if (!out->lake) out->table = target->u.mem.table;
    m->tcols = target->cols;
    m->nt = target->ncols;
    bool matched = false, by_source = false, inserts = false;
    for (uint32_t k = 0; k < m->n->u.merge.nclauses; k++) {
        uint8_t w = m->n->u.merge.clauses[k].when;
        matched |= w == LH_MERGE_MATCHED;
        by_source |= w == LH_MERGE_NOT_MATCHED_BY_SOURCE;
        inserts |= w == LH_MERGE_NOT_MATCHED;
    }
    out->dml_files = by_source ? 1 : matched ? 0 : 2;
    lh_bexpr_t *mark = lh_bx_colref(m->env->arena, sc.n - 1, &sc.cols[sc.n - 1].type);
    if (!mark) return LH_ENOMEM;
    if ((rc = apply_plan(m, rows, &sc, mark, m->nt, false, &out->plan))) return rc;
    if (matched && (rc = count_plans(m, out, target))) return rc;
    if (!inserts) return 0;
    if ((rc = bind_join(m, LH_JOIN_ANTI, true, &anti, &sa))) return rc;
    if (anti->child[1] && !same_files(target, first_scan(anti->child[1]))) return LH_ECONFLICT;
    lh_plan_t *ins;
    if ((rc = apply_plan(m, anti, &sa, NULL, 0, true, &ins))) return rc;
    out->dml_insert = ins;
    return 0;
}

int lh__bind_merge(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                   lh_bound_stmt_t *out)
{
    out->kind = LH_STMT_MERGE;
    out->tag = "MERGE";
    mctx_t m = {.env = env, .params = params, .n = n};
    if (!(m.source = marked_source(env->arena, n->u.merge.source))) return LH_ENOMEM;
    int rc = merge_plans(&m, out);
    if (rc == LH_ECONFLICT)
        return lh_sql_err(env->err, LH_ECONFLICT, LH_SQL_ECONFLICT, n->pos,
                          "the target table changed while MERGE was planned: run it again");
    if (!rc && out->lake) out->lake->dml_pred = n->u.merge.on_text;
    return rc;
}

/* UPDATE t SET c = e, ... FROM items [WHERE cond] is MERGE INTO t USING items ON
 * cond WHEN MATCHED THEN UPDATE SET ... (a target row matched twice is an
 * error, where DuckDB picks one of the matches). */
int lh__bind_update_from(lh_bind_env_t *env, lh_bparams_t *params, const lh_ast_t *n,
                         lh_bound_stmt_t *out)
{
    lh_arena_t *a = env->arena;
    lh_ast_t *m = node(a, LH_AST_STMT_MERGE, n->pos), *t = node(a, LH_AST_TABLE_REF, n->pos);
    lh_ast_merge_clause_t *cl = lh_arena_calloc(a, sizeof *cl);
    if (!m || !t || !cl) return LH_ENOMEM;
    t->u.table.name = n->u.update.table;
    t->alias = n->u.update.alias;
    *cl = (lh_ast_merge_clause_t){.when = LH_MERGE_MATCHED,
                                  .action = LH_MERGE_UPDATE,
                                  .columns = n->u.update.set_columns,
                                  .ncolumns = n->u.update.set_values.n,
                                  .values = n->u.update.set_values};
    m->u.merge.target = t;
    m->u.merge.source = n->u.update.from;
    m->u.merge.on = n->u.update.where;
    if (!m->u.merge.on) {
        if (!(m->u.merge.on = node(a, LH_AST_LITERAL, n->pos))) return LH_ENOMEM;
        m->u.merge.on->u.lit.kind = LH_LIT_BOOL;
        m->u.merge.on->u.lit.b = true;
    }
    m->u.merge.on_text = n->u.update.where_text;
    m->u.merge.clauses = cl;
    m->u.merge.nclauses = 1;
    int rc = lh__bind_merge(env, params, m, out);
    out->tag = "UPDATE";
    if (!rc && out->lake) out->lake->dml_pred = n->u.update.where_text;
    return rc;
}
