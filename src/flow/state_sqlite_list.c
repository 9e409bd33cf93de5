/* Listing runs and task instances in the SQLite back end: a query's filters
 * become a WHERE of numbered parameters (?1 dag_id, ?2 run_id, ?3 task_id,
 * ?4 state, ?5 limit, ?6 offset), its order a column from a whitelist of
 * rows (an unknown name is LH_EINVAL; no caller text is ever spliced into
 * SQL), with the key columns after it so pages are stable. Each shape
 * (filters, order, direction) is prepared once per handle and cached; the
 * total is a COUNT over the same WHERE, cached by filters. */
#include "flow/state_sqlite_int.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"

typedef struct order_row {
    const char *name; /* as the API says it */
    const char *col;
} order_row_t;

static const order_row_t run_orders[] = {
    {.name = "logical_date", .col = "logical_date"},
    {.name = "start_date", .col = "start_us"},
    {.name = "end_date", .col = "end_us"},
    {.name = "run_id", .col = "run_id"},
};

static const order_row_t ti_orders[] = {
    {.name = "task_id", .col = "task_id"},
    {.name = "start_date", .col = "start_us"},
    {.name = "end_date", .col = "end_us"},
    {.name = "state", .col = "state"},
    {.name = "priority_weight", .col = "priority_weight"},
};

_Static_assert(sizeof run_orders / sizeof run_orders[0] <= FQ_ORDERS, "run orders");
_Static_assert(sizeof ti_orders / sizeof ti_orders[0] <= FQ_ORDERS, "ti orders");

static const struct {
    int bit;
    const char *sql;
} filters[] = {
    {.bit = FQ_F_DAG, .sql = "dag_id=?1"},
    {.bit = FQ_F_RUN, .sql = "run_id=?2"},
    {.bit = FQ_F_TASK, .sql = "task_id=?3"},
    {.bit = FQ_F_STATE, .sql = "state=?4"},
};

/* What differs between listing runs and listing task instances. */
typedef struct list_kind {
    const char *what; /* "runs" */
    const char *table, *cols;
    const char *const *keys; /* the primary key, NULL-terminated: the tie-break */
    const order_row_t *orders;
    int norders;
    const char *const *states;
    int filters; /* the FQ_F_* bits this kind accepts */
} list_kind_t;

static const char *const run_keys[] = {"dag_id", "run_id", NULL};
static const char *const ti_keys[] = {"dag_id", "run_id", "task_id", NULL};

static const list_kind_t run_kind = {
    .what = "runs",
    .table = "dag_run",
    .cols = FSQ_RUN_COLS,
    .keys = run_keys,
    .orders = run_orders,
    .norders = (int)(sizeof run_orders / sizeof run_orders[0]),
    .states = lh_flow_run_state_names,
    .filters = FQ_F_DAG | FQ_F_RUN | FQ_F_STATE,
};

static const list_kind_t ti_kind = {
    .what = "task instances",
    .table = "task_instance",
    .cols = FSQ_TI_COLS,
    .keys = ti_keys,
    .orders = ti_orders,
    .norders = (int)(sizeof ti_orders / sizeof ti_orders[0]),
    .states = lh_flow_ti_state_names,
    .filters = FQ_F_DAG | FQ_F_RUN | FQ_F_TASK | FQ_F_STATE,
};

static int query_mask(const lh_flow_query_t *q)
{
    return (q->dag_id ? FQ_F_DAG : 0) | (q->run_id ? FQ_F_RUN : 0) | (q->task_id ? FQ_F_TASK : 0) |
           (q->state != -1 ? FQ_F_STATE : 0);
}

static int order_index(const list_kind_t *k, const char *name, lh_err_t *err)
{
    if (!name) return 0;
    for (int i = 0; i < k->norders; i++)
        if (strcmp(k->orders[i].name, name) == 0) return i;
    return lh_err_set(err, LH_EINVAL, "cannot order %s by '%.64s'", k->what, name);
}

static void add_where(lh_buf_t *b, int mask)
{
    const char *sep = " WHERE ";
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
        if (mask & filters[i].bit) {
            lh_buf_printf(b, "%s%s", sep, filters[i].sql);
            sep = " AND ";
        }
}

/* Prepares into *slot (once) the list or, with order < 0, the count. */
static int prepare(lh__fsq_t *h, const list_kind_t *k, int mask, int order, int desc,
                   sqlite3_stmt **slot, lh__fsq_cur_t *cur, lh_err_t *err)
{
    lh_buf_t b;
    lh_buf_init(&b, 4096);
    if (order < 0)
        lh_buf_printf(&b, "SELECT count(*) FROM %s", k->table);
    else
        lh_buf_printf(&b, "SELECT %s FROM %s", k->cols, k->table);
    add_where(&b, mask);
    if (order >= 0) {
        const char *dir = desc ? "DESC" : "ASC";
        lh_buf_printf(&b, " ORDER BY %s %s", k->orders[order].col, dir);
        for (int i = 0; k->keys[i]; i++)
            lh_buf_printf(&b, ", %s %s", k->keys[i], dir);
        lh_buf_puts(&b, " LIMIT ?5 OFFSET ?6");
    }
    int rc = lh_buf_err(&b) ? lh_err_set(err, LH_ENOMEM, "out of memory")
                            : lh__fsq_cursor(h, slot, b.ptr, cur, err);
    lh_buf_free(&b);
    return rc;
}

static void bind_filters(sqlite3_stmt *st, const list_kind_t *k, const lh_flow_query_t *q, int mask)
{
    if (mask & FQ_F_DAG) lh__fsq_bind_text(st, 1, q->dag_id);
    if (mask & FQ_F_RUN) lh__fsq_bind_text(st, 2, q->run_id);
    if (mask & FQ_F_TASK) lh__fsq_bind_text(st, 3, q->task_id);
    if (mask & FQ_F_STATE) lh__fsq_bind_text(st, 4, k->states[q->state]);
}

static int count_row(lh__fsq_t *h, sqlite3_stmt *st, void *ctx, lh_err_t *err)
{
    *(int64_t *)ctx = sqlite3_column_int64(st, 0);
    return 0;
}

static int count(lh__fsq_t *h, const list_kind_t *k, sqlite3_stmt **cache, const lh_flow_query_t *q,
                 int mask, int64_t *total, lh_err_t *err)
{
    lh__fsq_cur_t cur;
    int rc = prepare(h, k, mask, -1, 0, &cache[mask], &cur, err);
    if (rc) return rc;
    bind_filters(cur.st, k, q, mask);
    *total = 0;
    return lh__fsq_rows(h, &cur, count_row, total, err, "cannot count");
}

/* Lists q over kind k with the statements of cache/counts, row per row. */
static int list(lh__fsq_t *h, const list_kind_t *k, sqlite3_stmt **cache, sqlite3_stmt **counts,
                const lh_flow_query_t *q, lh__fsq_row_fn row, void *ctx, int64_t *total,
                lh_err_t *err)
{
    int mask = query_mask(q), order = order_index(k, q->order_by, err), desc = !!q->desc;
    if (order < 0) return order;
    if (mask & ~k->filters) return lh_err_set(err, LH_EINVAL, "%s have no task id", k->what);
    int rc = total ? count(h, k, counts, q, mask, total, err) : 0;
    if (rc) return rc;
    lh__fsq_cur_t cur;
    rc = prepare(h, k, mask, order, desc, &cache[(mask * FQ_ORDERS + order) * 2 + desc], &cur, err);
    if (rc) return rc;
    bind_filters(cur.st, k, q, mask);
    sqlite3_bind_int64(cur.st, 5, q->limit > 0 ? q->limit : -1);
    sqlite3_bind_int64(cur.st, 6, q->offset);
    char what[48];
    snprintf(what, sizeof what, "cannot list %s", k->what);
    return lh__fsq_rows(h, &cur, row, ctx, err, what);
}

typedef struct run_cb {
    int (*fn)(const lh_flow_run_rec_t *, void *);
    void *arg;
} run_cb_t;

static int run_emit(lh__fsq_t *h, sqlite3_stmt *st, void *ctx, lh_err_t *err)
{
    run_cb_t *c = ctx;
    lh_flow_run_rec_t rec = {0};
    int rc = lh__fsq_run_row(h, st, &rec, 0, err);
    return rc ? rc : c->fn(&rec, c->arg);
}

int lh__fsq_run_each(lh_flow_state_t *s, const lh_flow_query_t *q,
                     int (*fn)(const lh_flow_run_rec_t *, void *), void *arg, int64_t *total,
                     lh_err_t *err)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    run_cb_t cb = {.fn = fn, .arg = arg};
    return list(h, &run_kind, h->run_list, h->run_count, q, run_emit, &cb, total, err);
}

typedef struct ti_cb {
    int (*fn)(const lh_flow_ti_rec_t *, void *);
    void *arg;
} ti_cb_t;

static int ti_emit(lh__fsq_t *h, sqlite3_stmt *st, void *ctx, lh_err_t *err)
{
    ti_cb_t *c = ctx;
    lh_flow_ti_rec_t rec = {0};
    int rc = lh__fsq_ti_row(h, st, &rec, err);
    return rc ? rc : c->fn(&rec, c->arg);
}

int lh__fsq_ti_each(lh_flow_state_t *s, const lh_flow_query_t *q,
                    int (*fn)(const lh_flow_ti_rec_t *, void *), void *arg, int64_t *total,
                    lh_err_t *err)
{
    lh__fsq_t *h = (lh__fsq_t *)s;
    ti_cb_t cb = {.fn = fn, .arg = arg};
    return list(h, &ti_kind, h->ti_list, h->ti_count, q, ti_emit, &cb, total, err);
}

void lh__fsq_list_free(lh__fsq_t *h)
{
    for (int i = 0; i < FQ_LIST_SHAPES; i++) {
        sqlite3_finalize(h->run_list[i]);
        sqlite3_finalize(h->ti_list[i]);
    }
    for (int i = 0; i < FQ_F_ALL; i++) {
        sqlite3_finalize(h->run_count[i]);
        sqlite3_finalize(h->ti_count[i]);
    }
}
