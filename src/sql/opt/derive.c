/* Derived columns of a cached text scan: the JSON functions a query applies
 * to a column of read_json / read_csv, computed once per object and kept in
 * the scan cache beside the object's rows (exec/op_scan_text.c), so the next
 * query over the same object reads their results instead of scanning every
 * document again (the idea of Databricks' disk cache and of ClickHouse's
 * JSON subcolumns, for JSON kept as text).
 *
 * A chain of projections and filters over a text scan is walked from the
 * top; each expression is composed down to the scan's columns (through the
 * projections below it). Where one is a JSON function of the scan's columns
 * (json_valid, json_extract, json_extract_string, maybe under TRY_CAST), it
 * becomes a derived column of the scan, passed up through the projections
 * in between, and the expression reads that column. A derived column is
 * computed for every row the scan reads, before the filters above it, so it
 * must not fail on any row: json_extract* only of `CASE WHEN json_valid(x)
 * THEN x END` (DuckDB's idiom for text that may not be JSON), casts only
 * TRY_CAST. Each distinct expression is one column however often it is
 * written. */
#include <string.h>

#include "sql/opt/opt.h"

#define CHAIN_MAX 64
#define DERIVED_MAX 32
#define TREE_MAX                                                                                   \
    256 /* a composed expression larger than this (counted as a tree) is                           \
                 not derived: compose shares subtrees, everything after walks them */

typedef struct chain {
    lh_arena_t *a;
    lh_plan_t *scan;
    lh_plan_t *node[CHAIN_MAX]; /* node[0] the top .. node[n - 1] right above the scan */
    uint32_t n;
    lh_bexpr_t **def[CHAIN_MAX + 1];      /* per node: its output columns over the scan's;
                                             def[n]: the scan's own */
    uint32_t *through[CHAIN_MAX];         /* per node, per derived column: its output column */
    bool *need[CHAIN_MAX];                /* per node: the output columns read above it */
    uint32_t ncols[CHAIN_MAX];            /* per node: its columns before any was added */
    bool *mask;                           /* reads_file's: per file column of the scan */
    uint32_t base;                        /* the scan's columns before the derived ones */
    lh_bexpr_t *derived[DERIVED_MAX + 1]; /* over the scan's first base columns */
    uint32_t nderived;
} chain_t;

static bool named(const lh_bexpr_t *e, const char *name)
{
    return e->kind == LH_BX_FUNC && e->u.func.def && !strcmp(e->u.func.def->name, name);
}

static bool is_json(const lh_bexpr_t *e)
{
    return e->kind == LH_BX_FUNC && e->u.func.def && !strncmp(e->u.func.def->name, "json_", 5);
}

/* A JSON function, maybe under casts: what is worth keeping. */
static bool candidate(const lh_bexpr_t *e)
{
    while (e->kind == LH_BX_CAST)
        e = e->u.cast.arg;
    return is_json(e);
}

/* CASE WHEN json_valid(x) THEN x END: JSON text or NULL. */
static bool json_or_null(const lh_bexpr_t *e)
{
    if (e->kind != LH_BX_CASE || e->u.list.n != 3) return false;
    const lh_bexpr_t *w = e->u.list.items[0], *t = e->u.list.items[1], *el = e->u.list.items[2];
    return named(w, "json_valid") && w->u.func.nargs == 1 && lh_bx_equal(w->u.func.args[0], t) &&
           el->kind == LH_BX_CONST && el->u.c.is_null;
}

/* Whether e cannot fail on any row. */
static bool safe(const lh_bexpr_t *e)
{
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_CONST:
    case LH_BX_COLREF:
        return true;
    case LH_BX_CAST: /* not to a type whose reading a setting may change (TimeZone) */
        return e->u.cast.try_cast && e->type.id != LH_TYPE_TIMESTAMP_TZ && safe(e->u.cast.arg);
    case LH_BX_FUNC:
        if (named(e, "json_valid")) return e->u.func.nargs == 1 && safe(e->u.func.args[0]);
        if (named(e, "json_extract_string") || named(e, "json_extract"))
            return e->u.func.nargs == 2 && e->u.func.args[1]->kind == LH_BX_CONST &&
                   json_or_null(e->u.func.args[0]) && safe(e->u.func.args[0]);
        return false;
    case LH_BX_CASE:
    case LH_BX_AND:
    case LH_BX_OR:
    case LH_BX_NOT:
    case LH_BX_IS_NULL:
    case LH_BX_IS_NOT_NULL:
    case LH_BX_COALESCE:
        for (uint32_t i = 0; i < e->u.list.n; i++)
            if (!safe(e->u.list.items[i])) return false;
        return true;
    default:
        return false;
    }
}

/* e (over a node's input) with its column references replaced by their
 * definitions in def: over the scan's columns. NULL when it cannot be
 * (a parameter, a subquery's set, an outer reference) or out of memory. */
static lh_bexpr_t *compose(lh_arena_t *a, const lh_bexpr_t *e, lh_bexpr_t **def)
{
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_COLREF:
        return e->outer ? NULL : def[e->u.col];
    case LH_BX_CONST:
        return (lh_bexpr_t *)e;
    case LH_BX_PARAM:
    case LH_BX_IN_SET:
    case LH_BX_ERROR:
        return NULL;
    default:
        break;
    }
    lh_bexpr_t *c = lh_arena_alloc(a, sizeof *c);
    if (!c) return NULL;
    *c = *e;
    if (e->kind == LH_BX_CAST) return (c->u.cast.arg = compose(a, e->u.cast.arg, def)) ? c : NULL;
    bool fn = e->kind == LH_BX_FUNC;
    uint32_t n = fn ? e->u.func.nargs : e->u.list.n;
    lh_bexpr_t **items = lh_arena_alloc(a, (n + 1) * sizeof *items);
    if (!items) return NULL;
    for (uint32_t i = 0; i < n; i++)
        if (!(items[i] = compose(a, fn ? e->u.func.args[i] : e->u.list.items[i], def))) return NULL;
    if (fn)
        c->u.func.args = items;
    else
        c->u.list.items = items;
    return c;
}

/* Whether e, counted as a tree, has at most *left nodes (spent from it). */
static bool small(const lh_bexpr_t *e, uint32_t *left)
{
    if (!*left) return false;
    --*left;
    switch ((lh_bx_kind_t)e->kind) {
    case LH_BX_CAST:
        return small(e->u.cast.arg, left);
    case LH_BX_FUNC:
        for (uint32_t i = 0; i < e->u.func.nargs; i++)
            if (!small(e->u.func.args[i], left)) return false;
        return true;
    case LH_BX_CONST:
    case LH_BX_COLREF:
    case LH_BX_PARAM:
    case LH_BX_IN_SET:
        return true;
    default:
        for (uint32_t i = 0; i < e->u.list.n; i++)
            if (!small(e->u.list.items[i], left)) return false;
        return true;
    }
}

/* Whether e reads a column of the files (not only Hive or filename). */
static bool reads_file(chain_t *ch, const lh_bexpr_t *e)
{
    uint32_t n = ch->scan->u.text.nfilecols;
    memset(ch->mask, 0, n);
    lh_bx_refs(e, ch->mask, n);
    return memchr(ch->mask, 1, n) != NULL;
}

/* Appends a column (a reference to input column col) to projection p. */
static int add_passthrough(lh_arena_t *a, lh_plan_t *p, uint32_t col, const lh_plan_col_t *from,
                           uint32_t *out)
{
    uint32_t n = p->ncols;
    lh_plan_col_t *cols = lh_arena_alloc(a, (n + 2) * sizeof *cols);
    lh_bexpr_t **exprs = lh_arena_alloc(a, (n + 2) * sizeof *exprs);
    lh_bexpr_t *ref = lh_bx_colref(a, col, &from->type);
    if (!cols || !exprs || !ref) return LH_ENOMEM;
    memcpy(cols, p->cols, n * sizeof *cols);
    memcpy(exprs, p->u.project.exprs, n * sizeof *exprs);
    cols[n] = (lh_plan_col_t){.name = from->name, .type = from->type};
    exprs[n] = ref;
    p->cols = cols;
    p->u.project.exprs = exprs;
    p->ncols = n + 1;
    *out = n;
    return 0;
}

/* The output column of chain element j (n: the scan) that carries derived
 * column k, passed up through the projections from the scan. */
static int avail(chain_t *ch, uint32_t j, uint32_t k, uint32_t *out)
{
    if (j == ch->n) {
        *out = ch->base + k;
        return 0;
    }
    uint32_t below;
    int rc = avail(ch, j + 1, k, &below);
    if (rc) return rc;
    lh_plan_t *p = ch->node[j];
    if (p->kind == LH_PLAN_FILTER) { /* its columns are its input's (synced at the end) */
        *out = below;
        return 0;
    }
    if (ch->through[j][k] != UINT32_MAX) {
        *out = ch->through[j][k];
        return 0;
    }
    /* the child may be a filter whose columns are synced only at the end */
    lh_plan_col_t col = {.name = "derived", .type = ch->derived[k]->type};
    if ((rc = add_passthrough(ch->a, p, below, &col, out))) return rc;
    ch->through[j][k] = *out;
    return 0;
}

/* The derived column computing composed expression c (added when new), or
 * UINT32_MAX when there is no room for another. */
static uint32_t derived_col(chain_t *ch, lh_bexpr_t *c)
{
    for (uint32_t k = 0; k < ch->nderived; k++)
        if (lh_bx_equal(ch->derived[k], c)) return k;
    if (ch->nderived == DERIVED_MAX) return UINT32_MAX;
    ch->derived[ch->nderived] = c;
    return ch->nderived++;
}

/* e of chain element i, with every subexpression worth keeping read from a
 * derived column (a copy where anything changed); NULL when out of memory. */
static lh_bexpr_t *rewrite(chain_t *ch, uint32_t i, lh_bexpr_t *e)
{
    if (e->kind == LH_BX_COLREF || e->kind == LH_BX_CONST || e->kind == LH_BX_PARAM) return e;
    if (candidate(e)) {
        lh_bexpr_t *c = compose(ch->a, e, ch->def[i + 1]);
        uint32_t k, col, left = TREE_MAX;
        if (c && small(c, &left) && safe(c) && reads_file(ch, c) &&
            (k = derived_col(ch, c)) != UINT32_MAX) {
            if (avail(ch, i + 1, k, &col)) return NULL;
            return lh_bx_colref(ch->a, col, &e->type);
        }
    }
    if (e->kind == LH_BX_IN_SET) return e;
    lh_bexpr_t *copy = NULL;
    bool fn = e->kind == LH_BX_FUNC, cast = e->kind == LH_BX_CAST;
    uint32_t n = cast ? 1 : fn ? e->u.func.nargs : e->u.list.n;
    for (uint32_t j = 0; j < n; j++) {
        lh_bexpr_t *arg = cast ? e->u.cast.arg : fn ? e->u.func.args[j] : e->u.list.items[j];
        lh_bexpr_t *r = rewrite(ch, i, arg);
        if (!r) return NULL;
        if (r == arg) continue;
        if (!copy) { /* copy on write: the binder may share an expression between nodes */
            if (!(copy = lh_arena_alloc(ch->a, sizeof *copy))) return NULL;
            *copy = *e;
            if (!cast) {
                lh_bexpr_t **items = lh_arena_alloc(ch->a, (n + 1) * sizeof *items);
                if (!items) return NULL;
                memcpy(items, fn ? e->u.func.args : e->u.list.items, n * sizeof *items);
                if (fn)
                    copy->u.func.args = items;
                else
                    copy->u.list.items = items;
            }
        }
        if (cast)
            copy->u.cast.arg = r;
        else if (fn)
            copy->u.func.args[j] = r;
        else
            copy->u.list.items[j] = r;
    }
    return copy ? copy : e;
}

/* The definitions of every node's columns over the scan's, bottom up, and
 * what each node's parent reads, top down. */
static int prepare(chain_t *ch)
{
    lh_arena_t *a = ch->a;
    lh_plan_t *s = ch->scan;
    if (!(ch->def[ch->n] = lh_arena_alloc(a, (s->ncols + 1) * sizeof **ch->def)) ||
        !(ch->mask = lh_arena_alloc(a, s->u.text.nfilecols + 1)))
        return LH_ENOMEM;
    for (uint32_t c = 0; c < s->ncols; c++)
        if (!(ch->def[ch->n][c] = lh_bx_colref(a, c, &s->cols[c].type))) return LH_ENOMEM;
    for (uint32_t j = ch->n; j-- > 0;) {
        lh_plan_t *p = ch->node[j];
        ch->ncols[j] = p->ncols;
        ch->through[j] = lh_arena_alloc(a, (DERIVED_MAX + 1) * sizeof **ch->through);
        if (!ch->through[j]) return LH_ENOMEM;
        memset(ch->through[j], 0xff, (DERIVED_MAX + 1) * sizeof **ch->through);
        if (p->kind == LH_PLAN_FILTER) {
            ch->def[j] = ch->def[j + 1];
            continue;
        }
        if (!(ch->def[j] = lh_arena_calloc(a, (p->ncols + 1) * sizeof **ch->def))) return LH_ENOMEM;
        for (uint32_t c = 0; c < p->ncols; c++)
            ch->def[j][c] = compose(a, p->u.project.exprs[c], ch->def[j + 1]);
    }
    if (!(ch->need[0] = lh_arena_alloc(a, ch->node[0]->ncols + 1))) return LH_ENOMEM;
    memset(ch->need[0], 1, ch->node[0]->ncols); /* the top: everything it outputs is read */
    for (uint32_t j = 0; j + 1 < ch->n; j++) {
        lh_plan_t *p = ch->node[j], *c = p->child[0];
        bool *cn = ch->need[j + 1] = lh_arena_calloc(a, c->ncols + 1);
        if (!cn) return LH_ENOMEM;
        if (p->kind == LH_PLAN_FILTER) {
            memcpy(cn, ch->need[j], c->ncols);
            lh_bx_refs(p->u.filter.cond, cn, c->ncols);
        } else {
            for (uint32_t i = 0; i < p->ncols; i++)
                if (ch->need[j][i]) lh_bx_refs(p->u.project.exprs[i], cn, c->ncols);
        }
    }
    return 0;
}

/* Adds the derived columns to the scan, and to each filter the columns its
 * input gained. */
static int finish(chain_t *ch)
{
    lh_arena_t *a = ch->a;
    lh_plan_t *s = ch->scan;
    if (!ch->nderived) return 0;
    lh_plan_col_t *cols = lh_arena_alloc(a, (ch->base + ch->nderived + 1) * sizeof *cols);
    lh_bexpr_t **d = lh_arena_alloc(a, (ch->nderived + 1) * sizeof *d);
    if (!cols || !d) return LH_ENOMEM;
    memcpy(cols, s->cols, ch->base * sizeof *cols);
    for (uint32_t k = 0; k < ch->nderived; k++) {
        cols[ch->base + k] = (lh_plan_col_t){.name = "derived", .type = ch->derived[k]->type};
        d[k] = ch->derived[k];
    }
    s->cols = cols;
    s->ncols = ch->base + ch->nderived;
    s->u.text.derived = d;
    s->u.text.nderived = ch->nderived;
    for (uint32_t j = ch->n; j-- > 0;) {
        lh_plan_t *p = ch->node[j], *c = p->child[0];
        if (p->kind != LH_PLAN_FILTER || p->ncols == c->ncols) continue;
        lh_plan_col_t *fc = lh_arena_alloc(a, (c->ncols + 1) * sizeof *fc);
        if (!fc) return LH_ENOMEM;
        memcpy(fc, p->cols, p->ncols * sizeof *fc);
        memcpy(fc + p->ncols, c->cols + p->ncols, (c->ncols - p->ncols) * sizeof *fc);
        p->cols = fc;
        p->ncols = c->ncols;
    }
    return 0;
}

static int chain_at(lh_arena_t *a, lh_plan_t *top, lh_plan_t **scan)
{
    chain_t *ch = lh_arena_calloc(a, sizeof *ch);
    if (!ch) return LH_ENOMEM;
    ch->a = a;
    for (lh_plan_t *p = top; p->kind == LH_PLAN_PROJECT || p->kind == LH_PLAN_FILTER;
         p = p->child[0])
        ch->node[ch->n++] = p;
    ch->scan = *scan;
    ch->base = ch->scan->ncols;
    int rc = prepare(ch);
    /* only below the first filter of rows (one of files by their Hive or
       filename values passes every row of a file it reads): what is above
       is computed for the rows it keeps, which a derived column would
       compute for every row the first time */
    uint32_t from = 0;
    for (uint32_t j = ch->n; !rc && j-- > 0;) {
        lh_plan_t *p = ch->node[j];
        if (p->kind != LH_PLAN_FILTER) continue;
        lh_bexpr_t *c = compose(a, p->u.filter.cond, ch->def[j + 1]);
        uint32_t left = TREE_MAX;
        if (p->u.filter.rtf_join || !c || !small(c, &left) || reads_file(ch, c)) {
            from = j; /* the filter itself sees every row */
            break;
        }
    }
    for (uint32_t j = from; !rc && j < ch->n; j++) {
        lh_plan_t *p = ch->node[j];
        if (p->kind == LH_PLAN_FILTER) {
            if (p->u.filter.rtf_join) continue; /* its keys read the input too */
            lh_bexpr_t *r = rewrite(ch, j, p->u.filter.cond);
            if (!r) rc = LH_ENOMEM;
            p->u.filter.cond = r;
            continue;
        }
        uint32_t n = ch->ncols[j]; /* not the pass-through columns added for the nodes above */
        for (uint32_t i = 0; !rc && i < n; i++) {
            if (!ch->need[j][i]) continue;
            lh_bexpr_t *r = rewrite(ch, j, p->u.project.exprs[i]);
            if (!r) rc = LH_ENOMEM;
            p->u.project.exprs[i] = r;
        }
    }
    return rc ? rc : finish(ch);
}

static int walk(lh_arena_t *a, lh_plan_t *p)
{
    if (!p) return 0;
    if (p->kind == LH_PLAN_PROJECT || p->kind == LH_PLAN_FILTER) {
        /* from the first projection down: a filter's columns are its
           input's, so one above it would hand the derived ones up too */
        lh_plan_t *top = NULL, *q = p;
        for (uint32_t n = 0;
             (q->kind == LH_PLAN_PROJECT || q->kind == LH_PLAN_FILTER) && n < CHAIN_MAX; n++) {
            if (!top && q->kind == LH_PLAN_PROJECT) top = q;
            q = q->child[0];
        }
        if (top && q->kind == LH_PLAN_SCAN_TEXT && !q->u.text.nderived) return chain_at(a, top, &q);
        return walk(a, q);
    }
    int rc = walk(a, p->child[0]);
    return rc ? rc : walk(a, p->child[1]);
}

int lh_opt_derive_columns(lh_arena_t *a, lh_plan_t *plan)
{
    return walk(a, plan);
}
